/* Service identity credentials: client assertions and managed identity. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/buf.h"
#include "core/credential.h"
#include "core/crypto.h"
#include "core/jsonutil.h"
#include "core/log.h"
#include "core/sanitize.h"

/* A managed identity token that states no expiry is used this long. */
#define MSI_DEFAULT_LIFETIME_S 300

const char *kvl_credential_kind_name(enum kvl_credential_kind kind)
{
	switch (kind) {
	case KVL_CREDENTIAL_CLIENT_SECRET:
		return "clientSecret";
	case KVL_CREDENTIAL_CERTIFICATE:
		return "certificate";
	case KVL_CREDENTIAL_MANAGED_IDENTITY:
		return "managedIdentity";
	}
	return "unknown";
}

bool kvl_credential_kind_parse(const char *name,
			       enum kvl_credential_kind *kind)
{
	if (name == NULL)
		return false;
	if (strcmp(name, "clientSecret") == 0 ||
	    strcmp(name, "client-secret") == 0)
		*kind = KVL_CREDENTIAL_CLIENT_SECRET;
	else if (strcmp(name, "certificate") == 0)
		*kind = KVL_CREDENTIAL_CERTIFICATE;
	else if (strcmp(name, "managedIdentity") == 0 ||
		 strcmp(name, "managed-identity") == 0)
		*kind = KVL_CREDENTIAL_MANAGED_IDENTITY;
	else
		return false;
	return true;
}

static bool copy_string(const char *src, char **dst)
{
	*dst = src != NULL ? strdup(src) : NULL;
	return src == NULL || *dst != NULL;
}

kvl_result kvl_credential_copy(const struct kvl_credential *src,
			       struct kvl_credential *dst)
{
	memset(dst, 0, sizeof(*dst));
	dst->kind = src->kind;
	if (!copy_string(src->tenant, &dst->tenant) ||
	    !copy_string(src->client_id, &dst->client_id) ||
	    !copy_string(src->client_secret, &dst->client_secret) ||
	    !copy_string(src->certificate_path, &dst->certificate_path)) {
		kvl_credential_clear(dst);
		return KVL_ERR_NOMEM;
	}
	return KVL_OK;
}

void kvl_credential_clear(struct kvl_credential *cred)
{
	free(cred->tenant);
	free(cred->client_id);
	kvl_free_secret(cred->client_secret);
	free(cred->certificate_path);
	memset(cred, 0, sizeof(*cred));
}

/* base64url without padding; NULL when out of memory. */
static char *base64url(const void *data, size_t len)
{
	char *text = kvl_base64_encode(data, len);
	size_t n;

	if (text == NULL)
		return NULL;
	n = strlen(text);
	while (n > 0 && text[n - 1] == '=')
		text[--n] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (text[i] == '+')
			text[i] = '-';
		else if (text[i] == '/')
			text[i] = '_';
	}
	return text;
}

/* Refuses to prompt: kvlink cannot ask for a key's passphrase here. */
static int no_passphrase(char *buf, int size, int rwflag, void *ctx)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)ctx;
	return -1;
}

static kvl_result read_certificate(const char *path, X509 **cert,
				   struct kvl_error *err)
{
	BIO *bio = BIO_new_file(path, "r");

	if (bio == NULL)
		return kvl_error_set(err, KVL_ERR_IO,
				     "cannot read the certificate file '%s': "
				     "%s; check the path and its permissions",
				     path, strerror(errno));
	*cert = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (*cert == NULL)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     "'%s' holds no PEM certificate; give a "
				     "PEM file with the certificate and its "
				     "private key", path);
	return KVL_OK;
}

static kvl_result read_private_key(const char *path, X509 *cert,
				   EVP_PKEY **key, struct kvl_error *err)
{
	BIO *bio = BIO_new_file(path, "r");

	if (bio == NULL)
		return kvl_error_set(err, KVL_ERR_IO,
				     "cannot read the certificate file '%s': "
				     "%s", path, strerror(errno));
	*key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (*key == NULL)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     "'%s' holds no unencrypted PEM private "
				     "key; add the certificate's private key "
				     "without a passphrase", path);
	if (EVP_PKEY_base_id(*key) != EVP_PKEY_RSA)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     "the private key in '%s' is not an RSA "
				     "key; kvlink signs client assertions "
				     "with RS256 only", path);
	if (X509_check_private_key(cert, *key) != 1) {
		ERR_clear_error();
		return kvl_error_set(err, KVL_ERR_INVALID,
				     "the private key in '%s' does not "
				     "belong to its certificate", path);
	}
	return KVL_OK;
}

static char *thumbprint_of(X509 *cert)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (X509_digest(cert, EVP_sha256(), digest, &len) != 1)
		return NULL;
	return base64url(digest, len);
}

kvl_result kvl_certificate_thumbprint(const char *pem_path,
				      char **thumbprint,
				      struct kvl_error *err)
{
	X509 *cert = NULL;
	kvl_result res;

	*thumbprint = NULL;
	res = read_certificate(pem_path, &cert, err);
	if (res != KVL_OK)
		return res;
	*thumbprint = thumbprint_of(cert);
	X509_free(cert);
	if (*thumbprint == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, "out of memory");
	return KVL_OK;
}

/* base64url(header) "." base64url(claims), the text that gets signed. */
static char *signing_input(const char *thumbprint, const char *client_id,
			   const char *audience, int64_t now)
{
	json_object *header = json_object_new_object();
	json_object *claims = json_object_new_object();
	char jti[37], *head64 = NULL, *claims64 = NULL, *input = NULL;
	const char *text;

	if (header == NULL || claims == NULL || kvl_uuid4(jti) != KVL_OK)
		goto out;
	json_object_object_add(header, "alg", json_object_new_string("RS256"));
	json_object_object_add(header, "typ", json_object_new_string("JWT"));
	json_object_object_add(header, "x5t#S256",
			       json_object_new_string(thumbprint));
	json_object_object_add(claims, "aud",
			       json_object_new_string(audience));
	json_object_object_add(claims, "iss",
			       json_object_new_string(client_id));
	json_object_object_add(claims, "sub",
			       json_object_new_string(client_id));
	json_object_object_add(claims, "jti", json_object_new_string(jti));
	json_object_object_add(claims, "iat", json_object_new_int64(now));
	json_object_object_add(claims, "nbf", json_object_new_int64(now));
	json_object_object_add(claims, "exp", json_object_new_int64(
				       now + KVL_ASSERTION_LIFETIME_S));

	text = json_object_to_json_string_ext(header, JSON_C_TO_STRING_PLAIN);
	head64 = base64url(text, strlen(text));
	text = json_object_to_json_string_ext(claims, JSON_C_TO_STRING_PLAIN);
	claims64 = base64url(text, strlen(text));
	if (head64 != NULL && claims64 != NULL &&
	    asprintf(&input, "%s.%s", head64, claims64) < 0)
		input = NULL;
out:
	json_object_put(header);
	json_object_put(claims);
	free(head64);
	free(claims64);
	return input;
}

/* Signs input with RSASSA-PKCS1-v1_5 and SHA-256; base64url result. */
static char *sign_rs256(EVP_PKEY *key, const char *input)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *sig = NULL;
	size_t sig_len = 0;
	char *text = NULL;

	if (ctx == NULL ||
	    EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(ctx, NULL, &sig_len, (const unsigned char *)input,
			   strlen(input)) != 1)
		goto out;
	sig = malloc(sig_len);
	if (sig == NULL ||
	    EVP_DigestSign(ctx, sig, &sig_len, (const unsigned char *)input,
			   strlen(input)) != 1)
		goto out;
	text = base64url(sig, sig_len);
out:
	ERR_clear_error();
	free(sig);
	EVP_MD_CTX_free(ctx);
	return text;
}

kvl_result kvl_client_assertion(const char *pem_path, const char *client_id,
				const char *audience, int64_t now, char **jwt,
				struct kvl_error *err)
{
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;
	char *thumbprint = NULL, *input = NULL, *signature = NULL;
	kvl_result res;

	*jwt = NULL;
	res = read_certificate(pem_path, &cert, err);
	if (res == KVL_OK)
		res = read_private_key(pem_path, cert, &key, err);
	if (res != KVL_OK)
		goto out;

	thumbprint = thumbprint_of(cert);
	input = thumbprint ? signing_input(thumbprint, client_id, audience,
					   now) : NULL;
	signature = input ? sign_rs256(key, input) : NULL;
	if (signature == NULL ||
	    asprintf(jwt, "%s.%s", input, signature) < 0) {
		*jwt = NULL;
		res = kvl_error_set(err, KVL_ERR_NOMEM,
				    "cannot sign the client assertion with "
				    "the key in '%s'", pem_path);
	}
out:
	free(thumbprint);
	free(input);
	free(signature);
	EVP_PKEY_free(key);
	X509_free(cert);
	return res;
}

static bool env_set(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0';
}

const char *kvl_managed_identity_endpoint(bool *app_service)
{
	*app_service = env_set("IDENTITY_ENDPOINT") &&
		       env_set("IDENTITY_HEADER");
	if (*app_service)
		return getenv("IDENTITY_ENDPOINT");
	return KVL_HTTP_IMDS_BASE "/metadata/identity/oauth2/token";
}

/* The token request URL and the header line that proves the caller runs
 * where the identity lives. */
static kvl_result msi_request(const char *client_id, const char *resource,
			      struct kvl_buf *url, struct kvl_buf *header)
{
	bool app_service;
	const char *endpoint = kvl_managed_identity_endpoint(&app_service);

	kvl_buf_adds(url, endpoint);
	kvl_buf_addf(url, "%capi-version=%s&resource=",
		     strchr(endpoint, '?') ? '&' : '?',
		     app_service ? KVL_MSI_APP_SERVICE_API : KVL_MSI_IMDS_API);
	kvl_buf_add_urlencoded(url, resource);
	if (client_id != NULL) {
		kvl_buf_adds(url, "&client_id=");
		kvl_buf_add_urlencoded(url, client_id);
	}
	header->secret = true;
	if (app_service)
		kvl_buf_addf(header, "X-IDENTITY-HEADER: %s",
			     getenv("IDENTITY_HEADER"));
	else
		kvl_buf_adds(header, "Metadata: true");
	return url->data != NULL && header->data != NULL ? KVL_OK
							 : KVL_ERR_NOMEM;
}

/* expires_on is a string of Unix seconds (sometimes a number); fall back
 * to expires_in, then to a short default. */
static int64_t msi_expiry(json_object *body, int64_t now)
{
	const char *on = kvl_json_str(body, "expires_on");
	char *end = NULL;
	long long value;

	if (on != NULL) {
		errno = 0;
		value = strtoll(on, &end, 10);
		if (errno == 0 && end != on && *end == '\0' && value > 0)
			return (int64_t)value;
	}
	value = kvl_json_int64(body, "expires_on", 0);
	if (value > 0)
		return (int64_t)value;
	value = kvl_json_int64(body, "expires_in", 0);
	if (value > 0)
		return now + (int64_t)value;
	return now + MSI_DEFAULT_LIFETIME_S;
}

static kvl_result msi_failed(const struct kvl_http_response *resp,
			     struct kvl_error *err)
{
	bool app_service;
	const char *url = kvl_managed_identity_endpoint(&app_service);
	kvl_result res = kvl_http_check(resp, "get a managed identity token",
					err);

	json_object *body = NULL;
	const char *message;

	/* App Service sends {"statusCode", "message"}, not Azure's error
	 * envelope, so its message is taken here. */
	if (err != NULL && err->azure_message == NULL &&
	    kvl_json_parse(resp->body, resp->body_len, "an error body",
			   &body, NULL) == KVL_OK) {
		message = kvl_json_str(body, "message");
		if (message != NULL)
			err->azure_message = kvl_sanitize(message);
	}
	json_object_put(body);
	if (res == KVL_OK)
		res = KVL_ERR_AUTH;
	if (res == KVL_ERR_HTTP || res == KVL_ERR_NOT_FOUND ||
	    res == KVL_ERR_INVALID || res == KVL_ERR_FORBIDDEN)
		res = KVL_ERR_AUTH;
	kvl_error_set(err, res, "the managed identity endpoint %s refused a "
		      "token (HTTP %ld); check that this machine has a "
		      "managed identity and, for a user-assigned one, its "
		      "client id", url, resp->status);
	return res;
}

kvl_result kvl_managed_identity_token(struct kvl_http *http,
				      const char *client_id,
				      const char *resource, char **token,
				      int64_t *expires_at,
				      struct kvl_error *err)
{
	struct kvl_http_response resp = { .retry_after_s = -1 };
	struct kvl_buf url, header;
	json_object *body = NULL;
	kvl_result res;

	*token = NULL;
	kvl_buf_init(&url);
	kvl_buf_init(&header);
	res = msi_request(client_id, resource, &url, &header);
	if (res != KVL_OK) {
		kvl_error_set(err, res, "out of memory");
		goto out;
	}
	res = kvl_http_get_with_header(http, url.data, header.data, &resp,
				       err);
	if (res != KVL_OK)
		goto out;
	if (resp.status != 200) {
		res = msi_failed(&resp, err);
		goto out;
	}
	res = kvl_json_parse(resp.body, resp.body_len,
			     "the managed identity endpoint's response",
			     &body, err);
	if (res != KVL_OK)
		goto out;
	*token = kvl_json_strdup(body, "access_token");
	if (*token == NULL || (*token)[0] == '\0') {
		kvl_free_secret(*token);
		*token = NULL;
		res = kvl_error_set(err, KVL_ERR_PARSE,
				    "the managed identity endpoint returned "
				    "no access token");
		goto out;
	}
	*expires_at = msi_expiry(body, (int64_t)time(NULL));
	kvl_log("managed identity token received, expires at %lld",
		(long long)*expires_at);
out:
	kvl_json_put_secret(body);
	kvl_http_response_clear(&resp);
	kvl_buf_clear(&url);
	kvl_buf_clear(&header);
	return res;
}
