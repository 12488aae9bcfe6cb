/*
 * The sandbox's per-run certificate authority. Each start creates a new
 * CA key and self-signed CA certificate, and a server certificate signed
 * by it for 127.0.0.1 and localhost. Only the CA certificate leaves the
 * process (through --ca-out). The private keys exist only in memory: the
 * CA key is freed once it has signed, and the server key is wiped when
 * the sandbox stops.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sandbox/sandbox.h"

/* A sandbox runs for one session, so its certificates need not outlive a
 * week. They start five minutes early to allow for clock skew between
 * the sandbox and a client that checks them. */
#define TLS_VALID_SECONDS (7L * 24 * 3600)
#define TLS_SKEW_SECONDS (5L * 60)

/* A new P-256 key; NULL when OpenSSL fails. */
static EVP_PKEY *new_key(void)
{
	return EVP_EC_gen("P-256");
}

/* Sets a random positive 128-bit serial number. */
static bool set_serial(X509 *cert)
{
	unsigned char bytes[16];
	BIGNUM *bn = NULL;
	bool ok = false;

	if (RAND_bytes(bytes, sizeof(bytes)) != 1)
		return false;
	bytes[0] &= 0x7f;
	bn = BN_bin2bn(bytes, sizeof(bytes), NULL);
	ok = bn != NULL &&
	     BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL;
	BN_free(bn);
	return ok;
}

/* Fills in what every certificate of the sandbox has: version 3, serial,
 * validity, subject and public key. */
static X509 *new_cert(EVP_PKEY *key, const char *common_name)
{
	X509 *cert = X509_new();
	X509_NAME *name;

	if (cert == NULL)
		return NULL;
	name = X509_get_subject_name(cert);
	if (X509_set_version(cert, X509_VERSION_3) != 1 ||
	    !set_serial(cert) ||
	    X509_gmtime_adj(X509_getm_notBefore(cert), -TLS_SKEW_SECONDS)
	    == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(cert), TLS_VALID_SECONDS)
	    == NULL ||
	    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
			(const unsigned char *)"kvlink-sandbox", -1, -1,
			0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
			(const unsigned char *)common_name, -1, -1, 0) != 1 ||
	    X509_set_pubkey(cert, key) != 1) {
		X509_free(cert);
		return NULL;
	}
	return cert;
}

/* Adds one extension in openssl.cnf syntax, for example
 * "critical,CA:TRUE". issuer may be cert itself. */
static bool add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	bool ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL)
		return false;
	ok = X509_add_ext(cert, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

static X509 *make_ca_cert(EVP_PKEY *ca_key)
{
	char name[64], id[33];
	X509 *ca;

	/* The random part tells the CAs of two runs apart in tools that
	 * show certificates by name. */
	sb_hex_id(id);
	snprintf(name, sizeof(name), "kvlink-sandbox CA %.8s", id);
	ca = new_cert(ca_key, name);
	if (ca == NULL)
		return NULL;
	if (X509_set_issuer_name(ca, X509_get_subject_name(ca)) != 1 ||
	    !add_ext(ca, ca, NID_basic_constraints, "critical,CA:TRUE") ||
	    !add_ext(ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign") ||
	    !add_ext(ca, ca, NID_subject_key_identifier, "hash") ||
	    X509_sign(ca, ca_key, EVP_sha256()) == 0) {
		X509_free(ca);
		return NULL;
	}
	return ca;
}

static X509 *make_server_cert(EVP_PKEY *key, X509 *ca, EVP_PKEY *ca_key)
{
	X509 *cert = new_cert(key, "localhost");

	if (cert == NULL)
		return NULL;
	if (X509_set_issuer_name(cert, X509_get_subject_name(ca)) != 1 ||
	    !add_ext(cert, ca, NID_basic_constraints, "critical,CA:FALSE") ||
	    !add_ext(cert, ca, NID_key_usage, "critical,digitalSignature") ||
	    !add_ext(cert, ca, NID_ext_key_usage, "serverAuth") ||
	    !add_ext(cert, ca, NID_subject_alt_name,
		     "IP:127.0.0.1,DNS:localhost") ||
	    !add_ext(cert, ca, NID_subject_key_identifier, "hash") ||
	    !add_ext(cert, ca, NID_authority_key_identifier, "keyid:always") ||
	    X509_sign(cert, ca_key, EVP_sha256()) == 0) {
		X509_free(cert);
		return NULL;
	}
	return cert;
}

/* Copies a memory BIO's contents into a NUL-terminated string. The BIO
 * is a secure-memory one whenever it holds a private key, so that its
 * buffer is wiped when it is freed. */
static char *bio_text(BIO *bio)
{
	char *data, *text;
	long len = BIO_get_mem_data(bio, &data);

	if (len <= 0)
		return NULL;
	text = malloc((size_t)len + 1);
	if (text == NULL)
		return NULL;
	memcpy(text, data, (size_t)len);
	text[len] = '\0';
	return text;
}

static char *cert_pem(X509 *cert)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *text = NULL;

	if (bio != NULL && PEM_write_bio_X509(bio, cert) == 1)
		text = bio_text(bio);
	BIO_free(bio);
	return text;
}

static char *key_pem(EVP_PKEY *key)
{
	BIO *bio = BIO_new(BIO_s_secmem());
	char *text = NULL;

	if (bio != NULL &&
	    PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) == 1)
		text = bio_text(bio);
	BIO_free(bio);
	return text;
}

int sb_tls_create(struct sb_tls *tls, char *errbuf, size_t errlen)
{
	EVP_PKEY *ca_key = new_key(), *key = new_key();
	X509 *ca = NULL, *cert = NULL;
	int rc = -1;

	memset(tls, 0, sizeof(*tls));
	if (ca_key == NULL || key == NULL)
		goto out;
	ca = make_ca_cert(ca_key);
	if (ca != NULL)
		cert = make_server_cert(key, ca, ca_key);
	if (cert == NULL)
		goto out;

	tls->ca_pem = cert_pem(ca);
	tls->cert_pem = cert_pem(cert);
	tls->key_pem = key_pem(key);
	if (tls->ca_pem != NULL && tls->cert_pem != NULL &&
	    tls->key_pem != NULL)
		rc = 0;
out:
	if (rc != 0) {
		unsigned long code = ERR_peek_last_error();
		const char *why = ERR_reason_error_string(code);

		sb_tls_clear(tls);
		snprintf(errbuf, errlen, "cannot create the TLS certificates "
			 "with OpenSSL (%s)", why != NULL ? why : "no reason");
	}
	X509_free(ca);
	X509_free(cert);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(key);
	return rc;
}

void sb_tls_clear(struct sb_tls *tls)
{
	if (tls->key_pem != NULL) {
		OPENSSL_cleanse(tls->key_pem, strlen(tls->key_pem));
		free(tls->key_pem);
	}
	free(tls->ca_pem);
	free(tls->cert_pem);
	memset(tls, 0, sizeof(*tls));
}
