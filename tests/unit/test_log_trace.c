/*
 * Redaction of the debug log. Requests and responses shaped like those
 * of Entra ID, Resource Manager, Graph and Key Vault go through the
 * redaction functions. One request is traced end to end through a real
 * HTTP exchange with a scripted server on loopback.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/http.h"
#include "core/log.h"
#include "mock_server.h"

/* Made-up credentials in the shapes Azure uses. */
#define JWT_ACCESS \
	"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsImtpZCI6InRlc3Qta2lkIn0." \
	"eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQuYXp1cmUuY29tLyIsIm9pZCI6" \
	"ImEwMDAwMDAwIn0.c2lnbmF0dXJlLW9mLXRoZS1hY2Nlc3MtdG9rZW4tMTIz"
#define JWT_ASSERTION \
	"eyJhbGciOiJQUzI1NiIsInR5cCI6IkpXVCIsIng1dCNTMjU2IjoiYWJjIn0." \
	"eyJpc3MiOiJiMDAwMDAwMCIsInN1YiI6ImIwMDAwMDAwIn0." \
	"YXNzZXJ0aW9uLXNpZ25hdHVyZS00NTY"
#define REFRESH_TOKEN "1.AXkAv4j5cvGGr0GRqy180BHbR-opaque-refresh-7a9c2"
#define CLIENT_SECRET "Xy8Q~kvlinkTestSecret.v3rY-s3cr3t_value"
#define DEVICE_CODE "DAQABIQEAAADW6jl31mB3T7ugrWTT8pFe-device"
#define VAULT_VALUE "p@ss w0rd with \\\"quotes\\\" and spaces"
#define AUTH_CODE "0.AXkA-authorization-code-9f8e7d"
#define CODE_VERIFIER "verifier-kvlink-2b3c4d5e6f7a8b9c0d1e"
#define COOKIE_VALUE "esctx=AQABAAAAAAD-session-cookie-e1f2"
#define IDENTITY_HEADER "e0b6f7a1c2d34e5f8a9b0c1d2e3f4a5b"

/* Fails when text contains needle, naming both. */
#define assert_absent(text, needle) \
	do { \
		if (strstr((text), (needle)) != NULL) \
			fail_msg("'%s' leaked into: %s", (needle), (text)); \
	} while (0)

#define assert_present(text, needle) \
	do { \
		if (strstr((text), (needle)) == NULL) \
			fail_msg("'%s' is missing from: %s", (needle), \
				 (text)); \
	} while (0)

static void token_response_body(void **state)
{
	char *out = kvl_log_redact(
		"{\"token_type\":\"Bearer\",\"scope\":\"https://management."
		"azure.com/user_impersonation\",\"expires_in\":4370,"
		"\"ext_expires_in\":4370,\"access_token\":\"" JWT_ACCESS "\","
		"\"refresh_token\":\"" REFRESH_TOKEN "\",\"id_token\":\""
		JWT_ASSERTION "\",\"client_info\":\"eyJ1aWQiOiJhIn0\"}");

	(void)state;
	assert_non_null(out);
	assert_absent(out, JWT_ACCESS);
	assert_absent(out, "c2lnbmF0dXJl");
	assert_absent(out, REFRESH_TOKEN);
	assert_absent(out, JWT_ASSERTION);
	assert_present(out, "\"token_type\":\"Bearer\"");
	assert_present(out, "\"expires_in\":4370");
	free(out);
}

static void client_credentials_form(void **state)
{
	char *out = kvl_log_redact(
		"grant_type=client_credentials&client_id=b0000000-0000-4000-"
		"8000-0000000000b1&client_secret=" CLIENT_SECRET "&scope="
		"https%3A%2F%2Fvault.azure.net%2F.default");

	(void)state;
	assert_absent(out, CLIENT_SECRET);
	assert_absent(out, "v3rY");
	assert_present(out, "client_id=b0000000-0000-4000-8000-0000000000b1");
	assert_present(out, "grant_type=client_credentials");
	free(out);

	out = kvl_log_redact(
		"client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-"
		"assertion-type%3Ajwt-bearer&client_assertion=" JWT_ASSERTION
		"&grant_type=client_credentials");
	assert_absent(out, JWT_ASSERTION);
	assert_absent(out, "YXNzZXJ0aW9u");
	assert_present(out, "client_assertion_type=urn");
	free(out);
}

static void refresh_and_code_grants(void **state)
{
	char *out = kvl_log_redact(
		"grant_type=refresh_token&refresh_token=" REFRESH_TOKEN
		"&client_id=04b07795&scope=openid");

	(void)state;
	assert_absent(out, REFRESH_TOKEN);
	assert_present(out, "grant_type=refresh_token");
	free(out);

	out = kvl_log_redact(
		"grant_type=authorization_code&code=" AUTH_CODE
		"&code_verifier=" CODE_VERIFIER "&redirect_uri=http%3A%2F%2F"
		"localhost");
	assert_absent(out, AUTH_CODE);
	assert_absent(out, CODE_VERIFIER);
	assert_present(out, "grant_type=authorization_code");
	free(out);

	out = kvl_log_redact("grant_type=urn%3Aietf%3Aparams%3Aoauth%3A"
			     "grant-type%3Adevice_code&device_code="
			     DEVICE_CODE);
	assert_absent(out, DEVICE_CODE);
	free(out);
}

static void keyvault_secret_bundle(void **state)
{
	char *out = kvl_log_redact(
		"{\"value\":\"" VAULT_VALUE "\",\"contentType\":\"text/plain\","
		"\"id\":\"https://kv-ci-prod.vault.azure.net/secrets/sftp-"
		"password/4387e9f3d6e14c459867679a90fd0f79\",\"attributes\":"
		"{\"enabled\":true}}");

	(void)state;
	assert_absent(out, "w0rd");
	assert_absent(out, "quotes");
	assert_present(out, "secrets/sftp-password/4387e9f3");
	assert_present(out, "\"contentType\":\"text/plain\"");
	free(out);
}

static void graph_password_and_errors(void **state)
{
	char *out = kvl_log_redact(
		"{\"customKeyIdentifier\":null,\"displayName\":\"kvlink\","
		"\"keyId\":\"f0b0b335-1d71-4883-8f98-567911bfdca6\","
		"\"secretText\":\"" CLIENT_SECRET "\",\"hint\":\"Xy8\"}");

	(void)state;
	assert_absent(out, CLIENT_SECRET);
	assert_present(out, "\"keyId\":\"f0b0b335");
	free(out);

	/* A token quoted inside an error message is caught by its shape,
	 * and the error code stays. */
	out = kvl_log_redact(
		"{\"error\":{\"code\":\"InvalidAuthenticationToken\","
		"\"message\":\"The access token " JWT_ACCESS
		" is invalid.\"}}");
	assert_absent(out, JWT_ACCESS);
	assert_present(out, "\"code\":\"InvalidAuthenticationToken\"");
	free(out);
}

static void url_query_values(void **state)
{
	char *out = kvl_log_redact_url(
		"https://login.example.test/common/oauth2/v2.0/authorize?"
		"client_id=04b07795&code=" AUTH_CODE "&client_assertion="
		"plain-assertion-42&api-version=2022-12-01&$top=5"
		"&$skiptoken=skip-7f3e#fragment-secret");

	(void)state;
	assert_absent(out, AUTH_CODE);
	assert_absent(out, "plain-assertion-42");
	assert_absent(out, "skip-7f3e");
	assert_absent(out, "fragment-secret");
	assert_absent(out, "04b07795");
	assert_present(out, "api-version=2022-12-01");
	assert_present(out, "$top=5");
	assert_present(out, "code=<redacted>");
	free(out);

	out = kvl_log_redact_url("https://127.0.0.1:1/arm/subscriptions");
	assert_string_equal(out, "https://127.0.0.1:1/arm/subscriptions");
	free(out);
}

static void header_lines(void **state)
{
	static const struct {
		const char *line;
		const char *secret;
	} secret_lines[] = {
		{ "Authorization: Bearer " JWT_ACCESS, "eyJ0eXAi" },
		{ "authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpw" },
		{ "Proxy-Authorization: Basic cHJveHk6c2VjcmV0", "cHJveHk6" },
		{ "Cookie: " COOKIE_VALUE, "session-cookie" },
		{ "Set-Cookie: " COOKIE_VALUE "; path=/; secure",
		  "session-cookie" },
		{ "X-IDENTITY-HEADER: " IDENTITY_HEADER, "e0b6f7a1" },
		{ "secret: " IDENTITY_HEADER, "e0b6f7a1" },
		{ "x-ms-token-aad-access-token: opaque-123", "opaque-123" },
		{ "x-ms-client-secret: " CLIENT_SECRET, "v3rY" },
	};
	static const char *const kept[] = {
		"x-ms-correlation-request-id: 5669ec31-7292-4d79",
		"x-ms-request-id: 0b18c76d-27d9-462c",
		"WWW-Authenticate: Bearer authorization=\"https://login."
		"example.test/72f988bf\", resource=\"https://vault.azure.net\"",
		"Content-Type: application/json; charset=utf-8",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(secret_lines) / sizeof(*secret_lines);
	     i++) {
		char *out = kvl_log_redact_header(secret_lines[i].line);

		assert_absent(out, secret_lines[i].secret);
		assert_present(out, "<redacted>");
		free(out);
	}
	for (size_t i = 0; i < sizeof(kept) / sizeof(*kept); i++) {
		char *out = kvl_log_redact_header(kept[i]);

		assert_string_equal(out, kept[i]);
		free(out);
	}
}

/* The scripted server's one reply, for the traced request. */
static void reply_with_token(void *ctx, size_t index,
			     const struct mock_request *request,
			     struct mock_reply *reply)
{
	(void)ctx, (void)index, (void)request;
	reply->status = 200;
	reply->body = "{\"token_type\":\"Bearer\",\"expires_in\":3599,"
		      "\"access_token\":\"" JWT_ACCESS "\",\"refresh_token\":"
		      "\"" REFRESH_TOKEN "\"}";
	reply->header_name = "Set-Cookie";
	reply->header_value = COOKIE_VALUE "; path=/";
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = calloc(1, 1 << 16);
	size_t n;

	assert_non_null(f);
	assert_non_null(text);
	n = fread(text, 1, (1 << 16) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

static void traced_request(void **state)
{
	char path[] = "/tmp/kvl-trace-XXXXXX";
	struct mock_server *server = mock_start(reply_with_token, NULL);
	struct kvl_http_options o = { .max_retries = -1 };
	struct kvl_http_response resp;
	struct kvl_http *http = NULL;
	struct kvl_error err;
	char *url = NULL, *text;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(kvl_log_open(path), KVL_OK);
	assert_int_equal(kvl_http_new(&o, &http), KVL_OK);
	kvl_error_init(&err);
	assert_true(asprintf(&url, "%s/tenant/oauth2/v2.0/token?api-version="
			     "1.0&code=%s", mock_base(server),
			     AUTH_CODE) > 0);

	assert_int_equal(kvl_http_send(http, "POST", url, JWT_ASSERTION,
				       "application/x-www-form-urlencoded",
				       "grant_type=client_credentials&"
				       "client_secret=" CLIENT_SECRET, &resp,
				       &err), KVL_OK);
	kvl_log_close();
	text = read_file(path);

	assert_present(text, "http > POST ");
	assert_present(text, "/tenant/oauth2/v2.0/token?api-version=1.0");
	assert_present(text, "http > Authorization: <redacted>");
	assert_present(text, "grant_type=client_credentials");
	assert_present(text, "http < HTTP/1.1 200");
	assert_present(text, "http < Set-Cookie: <redacted>");
	assert_present(text, "\"expires_in\":3599");
	assert_present(text, "http = 200 in ");
	assert_absent(text, AUTH_CODE);
	assert_absent(text, JWT_ASSERTION);
	assert_absent(text, "YXNzZXJ0aW9u");
	assert_absent(text, CLIENT_SECRET);
	assert_absent(text, JWT_ACCESS);
	assert_absent(text, "c2lnbmF0dXJl");
	assert_absent(text, REFRESH_TOKEN);
	assert_absent(text, "session-cookie");

	free(text);
	free(url);
	unlink(path);
	kvl_http_response_clear(&resp);
	kvl_error_clear(&err);
	kvl_http_free(http);
	mock_stop(server);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(token_response_body),
		cmocka_unit_test(client_credentials_form),
		cmocka_unit_test(refresh_and_code_grants),
		cmocka_unit_test(keyvault_secret_bundle),
		cmocka_unit_test(graph_password_and_errors),
		cmocka_unit_test(url_query_values),
		cmocka_unit_test(header_lines),
		cmocka_unit_test(traced_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
