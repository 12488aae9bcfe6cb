/*
 * Client assertions (private_key_jwt): a certificate and its RSA private
 * key, read from PEM or PKCS#12, sign a short-lived JWT with RS256 or
 * PS256 that names the certificate by its x5t#S256 thumbprint.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "core/credential.h"
#include "core/crypto.h"
#include "core/jsonutil.h"
#include "i18n.h"

struct kvl_signing_cert {
	X509 *cert;
	EVP_PKEY *key;
	char *path;
};

void kvl_signing_cert_free(struct kvl_signing_cert *sc)
{
	if (sc == NULL)
		return;
	X509_free(sc->cert);
	EVP_PKEY_free(sc->key);
	free(sc->path);
	free(sc);
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
				     _("cannot read the certificate file "
				       "'%s': %s; check the path and its "
				       "permissions"),
				     path, strerror(errno));
	*cert = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (*cert == NULL)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("'%s' holds no PEM certificate; give a "
				       "PEM file with the certificate and its "
				       "private key"), path);
	return KVL_OK;
}

/* Checks that key is RSA and belongs to cert. */
static kvl_result check_key(const char *path, X509 *cert, EVP_PKEY *key,
			    struct kvl_error *err)
{
	if (EVP_PKEY_base_id(key) != EVP_PKEY_RSA)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("the private key in '%s' is not an RSA "
				       "key; kvlink signs client assertions "
				       "with RS256 or PS256 only"), path);
	if (X509_check_private_key(cert, key) != 1) {
		ERR_clear_error();
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("the private key in '%s' does not "
				       "belong to its certificate"), path);
	}
	return KVL_OK;
}

static kvl_result read_private_key(const char *path, X509 *cert,
				   EVP_PKEY **key, struct kvl_error *err)
{
	BIO *bio = BIO_new_file(path, "r");

	if (bio == NULL)
		return kvl_error_set(err, KVL_ERR_IO,
				     _("cannot read the certificate file "
				       "'%s': %s"), path, strerror(errno));
	*key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (*key == NULL)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("'%s' holds no unencrypted PEM private "
				       "key; add the certificate's private "
				       "key without a passphrase"), path);
	return check_key(path, cert, *key, err);
}

static kvl_result load_pem(const char *path, struct kvl_signing_cert *sc,
			   struct kvl_error *err)
{
	kvl_result res = read_certificate(path, &sc->cert, err);

	if (res == KVL_OK)
		res = read_private_key(path, sc->cert, &sc->key, err);
	return res;
}

/* Opens the PKCS#12 bag at path; a wrong password is told apart from a
 * damaged file by checking the MAC first. */
static kvl_result load_pkcs12(const char *path, const char *password,
			      struct kvl_signing_cert *sc,
			      struct kvl_error *err)
{
	BIO *bio = BIO_new_file(path, "rb");
	PKCS12 *p12 = NULL;
	kvl_result res = KVL_OK;

	if (bio == NULL)
		return kvl_error_set(err, KVL_ERR_IO,
				     _("cannot read the certificate file "
				       "'%s': %s; check the path and its "
				       "permissions"),
				     path, strerror(errno));
	p12 = d2i_PKCS12_bio(bio, NULL);
	if (p12 == NULL) {
		res = kvl_error_set(err, KVL_ERR_INVALID,
				    _("'%s' is neither PEM nor PKCS#12; give "
				      "a PEM file with the certificate and "
				      "its private key, or a .pfx/.p12 file"),
				    path);
		goto out;
	}
	if (PKCS12_mac_present(p12) &&
	    PKCS12_verify_mac(p12, password, -1) != 1) {
		res = kvl_error_set(err, KVL_ERR_INVALID,
				    _("the password for the PKCS#12 file '%s' "
				      "is wrong; set "
				      "AZURE_CLIENT_CERTIFICATE_PASSWORD to "
				      "its password"), path);
		goto out;
	}
	if (PKCS12_parse(p12, password, &sc->key, &sc->cert, NULL) != 1 ||
	    sc->key == NULL || sc->cert == NULL) {
		res = kvl_error_set(err, KVL_ERR_INVALID,
				    _("cannot open the PKCS#12 file '%s'; it "
				      "must hold one certificate and its "
				      "private key"), path);
		goto out;
	}
	res = check_key(path, sc->cert, sc->key, err);
out:
	ERR_clear_error();
	PKCS12_free(p12);
	BIO_free(bio);
	return res;
}

/* Whether the file at path starts like PEM text; false when unreadable,
 * so that the PKCS#12 reader reports the error. */
static bool looks_like_pem(const char *path)
{
	FILE *f = fopen(path, "rb");
	char head[4096];
	size_t n;

	if (f == NULL)
		return false;
	n = fread(head, 1, sizeof(head) - 1, f);
	fclose(f);
	head[n] = '\0';
	return memchr(head, '\0', n) == NULL &&
	       strstr(head, "-----BEGIN ") != NULL;
}

kvl_result kvl_signing_cert_load(const char *path, const char *password,
				 struct kvl_signing_cert **out,
				 struct kvl_error *err)
{
	struct kvl_signing_cert *sc = calloc(1, sizeof(*sc));
	kvl_result res;

	*out = NULL;
	if (sc == NULL || (sc->path = strdup(path)) == NULL) {
		kvl_signing_cert_free(sc);
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	}
	if (looks_like_pem(path))
		res = load_pem(path, sc, err);
	else
		res = load_pkcs12(path, password != NULL ? password : "", sc,
				  err);
	if (res != KVL_OK) {
		kvl_signing_cert_free(sc);
		return res;
	}
	*out = sc;
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
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	return KVL_OK;
}

static const char *alg_name(enum kvl_jws_alg alg)
{
	return alg == KVL_JWS_PS256 ? "PS256" : "RS256";
}

/* base64url of a JSON object's plain text; NULL when out of memory. */
static char *json_base64url(json_object *obj)
{
	const char *text = json_object_to_json_string_ext(
		obj, JSON_C_TO_STRING_PLAIN);

	return text != NULL ? base64url(text, strlen(text)) : NULL;
}

/* base64url(header) "." base64url(claims), the text that gets signed. */
static char *signing_input(enum kvl_jws_alg alg, const char *thumbprint,
			   const char *client_id, const char *audience,
			   int64_t now)
{
	json_object *header = json_object_new_object();
	json_object *claims = json_object_new_object();
	char jti[37], *head64 = NULL, *claims64 = NULL, *input = NULL;

	if (header == NULL || claims == NULL || kvl_uuid4(jti) != KVL_OK)
		goto out;
	json_object_object_add(header, "alg",
			       json_object_new_string(alg_name(alg)));
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

	head64 = json_base64url(header);
	claims64 = json_base64url(claims);
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

/* Signs input with SHA-256 and RSASSA-PKCS1-v1_5 (RS256) or RSASSA-PSS
 * with MGF1-SHA-256 and a salt as long as the digest (PS256, RFC 7518
 * section 3.5); base64url result. */
static char *sign_input(EVP_PKEY *key, enum kvl_jws_alg alg,
			const char *input)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	const unsigned char *data = (const unsigned char *)input;
	unsigned char *sig = NULL;
	size_t sig_len = 0;
	char *text = NULL;

	if (ctx == NULL ||
	    EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), NULL, key) != 1)
		goto out;
	if (alg == KVL_JWS_PS256 &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
					      RSA_PSS_SALTLEN_DIGEST) != 1))
		goto out;
	if (EVP_DigestSign(ctx, NULL, &sig_len, data, strlen(input)) != 1)
		goto out;
	sig = malloc(sig_len);
	if (sig == NULL ||
	    EVP_DigestSign(ctx, sig, &sig_len, data, strlen(input)) != 1)
		goto out;
	text = base64url(sig, sig_len);
out:
	ERR_clear_error();
	free(sig);
	EVP_MD_CTX_free(ctx);
	return text;
}

kvl_result kvl_signing_cert_assertion(const struct kvl_signing_cert *sc,
				      enum kvl_jws_alg alg,
				      const char *client_id,
				      const char *audience, int64_t now,
				      char **jwt, struct kvl_error *err)
{
	char *thumbprint, *input = NULL, *signature = NULL;
	kvl_result res = KVL_OK;

	*jwt = NULL;
	thumbprint = thumbprint_of(sc->cert);
	if (thumbprint != NULL)
		input = signing_input(alg, thumbprint, client_id, audience,
				      now);
	if (input != NULL)
		signature = sign_input(sc->key, alg, input);
	if (signature == NULL ||
	    asprintf(jwt, "%s.%s", input, signature) < 0) {
		*jwt = NULL;
		res = kvl_error_set(err, KVL_ERR_NOMEM,
				    _("cannot sign the client assertion with "
				      "the key in '%s'"), sc->path);
	}
	free(thumbprint);
	free(input);
	free(signature);
	return res;
}

kvl_result kvl_client_assertion(const char *pem_path, const char *client_id,
				const char *audience, int64_t now, char **jwt,
				struct kvl_error *err)
{
	struct kvl_signing_cert sc = { .path = (char *)pem_path };
	kvl_result res;

	*jwt = NULL;
	res = load_pem(pem_path, &sc, err);
	if (res == KVL_OK)
		res = kvl_signing_cert_assertion(&sc, KVL_JWS_RS256,
						 client_id, audience, now,
						 jwt, err);
	EVP_PKEY_free(sc.key);
	X509_free(sc.cert);
	return res;
}
