/*
 * Access tokens: JWTs signed with HS256 under a key drawn at start-up, so
 * tokens from an earlier run of the sandbox are rejected as invalid.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sandbox/sandbox.h"

char *sb_base64url(const unsigned char *data, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);
	int n, i;

	if (out == NULL)
		abort();
	n = EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	while (n > 0 && out[n - 1] == '=')
		n--;
	out[n] = '\0';
	for (i = 0; i < n; i++) {
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
	return out;
}

unsigned char *sb_base64url_decode(const char *in, size_t len,
				   size_t *out_len)
{
	char *std = malloc(len + 4);
	unsigned char *out = malloc(len + 4);
	size_t i, pad = 0;
	int n;

	if (std == NULL || out == NULL)
		abort();
	for (i = 0; i < len; i++) {
		char c = in[i];

		if (c == '+' || c == '/' || c == '=')
			goto fail;
		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		std[i] = c;
	}
	while (i % 4 != 0) {
		std[i++] = '=';
		pad++;
	}
	n = EVP_DecodeBlock(out, (unsigned char *)std, (int)i);
	if (n < 0 || (size_t)n < pad)
		goto fail;
	*out_len = (size_t)n - pad;
	out[*out_len] = '\0';
	free(std);
	return out;
fail:
	free(std);
	free(out);
	return NULL;
}

static char *sign(struct sb_sandbox *sb, const char *input)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;

	HMAC(EVP_sha256(), sb->key, sizeof(sb->key),
	     (const unsigned char *)input, strlen(input), mac, &mac_len);
	return sb_base64url(mac, mac_len);
}

/* The claims every sandbox token carries: aud, iss, iat, nbf, exp (now +
 * lifetime seconds, which may be negative for tests) and tid. */
json_object *sb_claims_new(struct sb_sandbox *sb, const char *aud,
			   int64_t lifetime)
{
	json_object *c = json_object_new_object();
	const char *tid = sb_tenant_id(sb->tenant);
	int64_t now = sb_now();
	char *iss = sb_printf("%s/login/%s/v2.0", sb->base, tid);

	json_object_object_add(c, "aud", json_object_new_string(aud));
	json_object_object_add(c, "iss", json_object_new_string(iss));
	json_object_object_add(c, "iat", json_object_new_int64(now));
	json_object_object_add(c, "nbf", json_object_new_int64(now));
	json_object_object_add(c, "exp", json_object_new_int64(now +
							       lifetime));
	json_object_object_add(c, "tid", json_object_new_string(tid));
	free(iss);
	return c;
}

/* Builds header.payload.signature for claims (not consumed). */
char *sb_token_issue(struct sb_sandbox *sb, json_object *claims)
{
	static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	const char *payload = json_object_to_json_string_ext(claims,
				JSON_C_TO_STRING_PLAIN |
				JSON_C_TO_STRING_NOSLASHESCAPE);
	char *h64, *p64, *input, *sig, *token;

	h64 = sb_base64url((const unsigned char *)header, strlen(header));
	p64 = sb_base64url((const unsigned char *)payload, strlen(payload));
	input = sb_printf("%s.%s", h64, p64);
	sig = sign(sb, input);
	token = sb_printf("%s.%s", input, sig);
	sb_known_issued(sb, "token", token);
	free(h64);
	free(p64);
	free(input);
	free(sig);
	return token;
}

/* Splits "Bearer X" and checks X's signature; returns its claims. */
static enum sb_token_status verify(struct sb_sandbox *sb, const char *jwt,
				   json_object **claims)
{
	const char *dot1 = strchr(jwt, '.'), *dot2;
	unsigned char *payload = NULL;
	size_t payload_len;
	char *input = NULL, *expected = NULL;
	enum sb_token_status status = SB_TOKEN_INVALID;

	*claims = NULL;
	if (dot1 == NULL || (dot2 = strchr(dot1 + 1, '.')) == NULL ||
	    strchr(dot2 + 1, '.') != NULL)
		goto out;

	input = strndup(jwt, (size_t)(dot2 - jwt));
	expected = sign(sb, input);
	if (strlen(expected) != strlen(dot2 + 1) ||
	    CRYPTO_memcmp(expected, dot2 + 1, strlen(expected)) != 0)
		goto out;

	payload = sb_base64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1),
				   &payload_len);
	if (payload == NULL)
		goto out;
	*claims = json_tokener_parse((char *)payload);
	if (*claims == NULL || !json_object_is_type(*claims,
						    json_type_object)) {
		json_object_put(*claims);
		*claims = NULL;
		goto out;
	}
	status = SB_TOKEN_OK;
out:
	free(input);
	free(expected);
	free(payload);
	return status;
}

/*
 * Checks an Authorization header value for a valid, current token whose
 * aud is audience. On SB_TOKEN_OK, *claims receives the claims (caller
 * puts them); otherwise *claims is NULL.
 */
enum sb_token_status sb_token_check(struct sb_sandbox *sb,
				    const char *authorization,
				    const char *audience,
				    json_object **claims)
{
	enum sb_token_status status;
	int64_t now = sb_now();

	*claims = NULL;
	if (authorization == NULL || *authorization == '\0')
		return SB_TOKEN_MISSING;
	if (strncasecmp(authorization, "Bearer ", 7) != 0)
		return SB_TOKEN_INVALID;

	status = verify(sb, authorization + 7, claims);
	if (status != SB_TOKEN_OK)
		return status;

	if (sb_jint(*claims, "exp", 0) <= now)
		status = SB_TOKEN_EXPIRED;
	else if (sb_jint(*claims, "nbf", 0) > now + 300)
		status = SB_TOKEN_INVALID;
	else if (!sb_ieq(sb_jstr(*claims, "aud"), audience))
		status = SB_TOKEN_AUDIENCE;
	if (status != SB_TOKEN_OK) {
		json_object_put(*claims);
		*claims = NULL;
	}
	return status;
}
