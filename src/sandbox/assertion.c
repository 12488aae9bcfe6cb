/*
 * Client assertions (private_key_jwt) of the client credentials grant:
 * an RS256 or PS256 JWT that names its signing certificate by the
 * x5t#S256 header and must be signed by one of the certificates
 * registered on the app (the service principal's "certificates", PEM
 * text).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "sandbox/sandbox.h"

/* How far an assertion's nbf may lie in the future, in seconds. */
#define CLOCK_SKEW_S 300
/* Maximum lifetime (exp - nbf) accepted, in seconds. */
#define MAX_LIFETIME_S 3600

json_object *sb_jwt_part(const char *start, size_t len)
{
	size_t n = 0;
	unsigned char *text = sb_base64url_decode(start, len, &n);
	json_object *obj;

	if (text == NULL)
		return NULL;
	obj = json_tokener_parse((char *)text);
	free(text);
	if (obj != NULL && !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		obj = NULL;
	}
	return obj;
}

static X509 *parse_pem(const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;

	BIO_free(bio);
	ERR_clear_error();
	return cert;
}

/* The registered certificate whose SHA-256 thumbprint (base64url) is
 * thumbprint, or NULL. */
static X509 *find_certificate(json_object *sp, const char *thumbprint)
{
	json_object *list = sb_jarr(sp, "certificates");
	size_t i, n = list ? json_object_array_length(list) : 0;

	for (i = 0; thumbprint != NULL && i < n; i++) {
		X509 *cert = parse_pem(json_object_get_string(
					       json_object_array_get_idx(list,
									 i)));
		unsigned char digest[EVP_MAX_MD_SIZE];
		unsigned int len = 0;
		char *text;
		bool same;

		if (cert == NULL)
			continue;
		X509_digest(cert, EVP_sha256(), digest, &len);
		text = sb_base64url(digest, len);
		same = strcmp(text, thumbprint) == 0;
		free(text);
		if (same)
			return cert;
		X509_free(cert);
	}
	return NULL;
}

bool sb_jws_verify(struct evp_pkey_st *key, bool pss, const char *input,
		   size_t input_len, const char *sig64)
{
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t sig_len = 0;
	unsigned char *sig = sb_base64url_decode(sig64, strlen(sig64),
						  &sig_len);
	bool ok = false;

	if (key != NULL && ctx != NULL && sig != NULL &&
	    EVP_PKEY_base_id(key) == EVP_PKEY_RSA &&
	    EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), NULL, key) == 1 &&
	    (!pss ||
	     (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
	      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
					       RSA_PSS_SALTLEN_DIGEST) == 1)))
		ok = EVP_DigestVerify(ctx, sig, sig_len,
				      (const unsigned char *)input,
				      input_len) == 1;
	ERR_clear_error();
	free(sig);
	EVP_MD_CTX_free(ctx);
	return ok;
}

static bool signature_valid(X509 *cert, bool pss, const char *input,
			    size_t input_len, const char *sig64)
{
	EVP_PKEY *key = X509_get_pubkey(cert);
	bool ok = sb_jws_verify(key, pss, input, input_len, sig64);

	EVP_PKEY_free(key);
	return ok;
}

/* Checks the claims; returns NULL or why they are not acceptable. */
static const char *claims_problem(json_object *claims, const char *client_id,
				  const char *audience)
{
	int64_t now = sb_now();
	int64_t exp = sb_jint(claims, "exp", 0);
	int64_t nbf = sb_jint(claims, "nbf", 0);

	if (!sb_ieq(sb_jstr(claims, "aud"), audience))
		return "its aud claim is not this token endpoint";
	if (sb_jstr(claims, "iss") == NULL ||
	    strcmp(sb_jstr(claims, "iss"), client_id) != 0)
		return "its iss claim is not the client id";
	if (sb_jstr(claims, "sub") == NULL ||
	    strcmp(sb_jstr(claims, "sub"), client_id) != 0)
		return "its sub claim is not the client id";
	if (exp <= now)
		return "it has expired (exp)";
	if (nbf == 0 || nbf > now + CLOCK_SKEW_S)
		return "it is not valid yet or has no nbf claim";
	if (exp - nbf > MAX_LIFETIME_S)
		return "its lifetime (exp - nbf) is longer than an hour";
	return NULL;
}

const char *sb_assertion_problem(json_object *sp, const char *assertion,
				 const char *client_id, const char *audience)
{
	const char *dot1 = strchr(assertion, '.'), *dot2;
	json_object *header = NULL, *claims = NULL;
	const char *problem = NULL, *alg;
	X509 *cert = NULL;

	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (dot2 == NULL || strchr(dot2 + 1, '.') != NULL)
		return "it is not a signed JWT";
	header = sb_jwt_part(assertion, (size_t)(dot1 - assertion));
	claims = sb_jwt_part(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	if (header == NULL || claims == NULL) {
		problem = "its header or payload is not base64url JSON";
		goto out;
	}
	alg = sb_jstr(header, "alg");
	if (!sb_ieq(alg, "RS256") && !sb_ieq(alg, "PS256")) {
		problem = "its alg is neither RS256 nor PS256";
		goto out;
	}
	cert = find_certificate(sp, sb_jstr(header, "x5t#S256"));
	if (cert == NULL) {
		problem = "no certificate registered on the app has the "
			  "thumbprint in its x5t#S256 header";
		goto out;
	}
	if (!signature_valid(cert, sb_ieq(alg, "PS256"), assertion,
			     (size_t)(dot2 - assertion), dot2 + 1)) {
		problem = "its signature does not verify with the registered "
			  "certificate";
		goto out;
	}
	problem = claims_problem(claims, client_id, audience);
out:
	X509_free(cert);
	json_object_put(header);
	json_object_put(claims);
	return problem;
}

bool sb_assertion_is_federated(const char *assertion, const char *client_id)
{
	const char *dot1 = strchr(assertion, '.'), *dot2;
	json_object *claims;
	const char *iss;
	bool federated;

	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (dot2 == NULL)
		return false;
	claims = sb_jwt_part(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	iss = sb_jstr(claims, "iss");
	federated = iss != NULL && client_id != NULL &&
		    strcmp(iss, client_id) != 0;
	json_object_put(claims);
	return federated;
}
