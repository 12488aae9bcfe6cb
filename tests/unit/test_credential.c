/*
 * Client assertions of the certificate credential: each test makes its
 * own RSA key and self-signed certificate with OpenSSL, and checks the
 * JWT by decoding it and verifying its signature with OpenSSL.
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
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "core/credential.h"
#include "core/crypto.h"

#define CLIENT_ID "0bfc4568-a4ba-4c58-bd3e-5d3e76bd7fff"
#define AUDIENCE "http://127.0.0.1:1/login/tenant-x/oauth2/v2.0/token"
#define NOW ((int64_t)1780000000)

struct fixture {
	char dir[64];
	char pem[128];		/* certificate and key */
	char other_pem[128];	/* another certificate with the first key */
	EVP_PKEY *key;
	X509 *cert;
};

static X509 *self_signed(EVP_PKEY *key, const char *cn)
{
	X509 *cert = X509_new();
	X509_NAME *name;

	ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
	X509_set_pubkey(cert, key);
	name = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(cert, name);
	X509_sign(cert, key, EVP_sha256());
	return cert;
}

/* Writes cert then key (or key then cert) as PEM to path. */
static void write_pem(const char *path, X509 *cert, EVP_PKEY *key,
		      bool key_first)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	if (key_first && key != NULL)
		PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	if (cert != NULL)
		PEM_write_X509(f, cert);
	if (!key_first && key != NULL)
		PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	fclose(f);
}

/* RSA key generation is the slowest step of these tests, many times
 * over under valgrind, so every test shares one key made by the group
 * setup. Each test still gets its own certificate and files. */
static EVP_PKEY *shared_key;

static int group_setup(void **state)
{
	(void)state;
	shared_key = EVP_RSA_gen(2048);
	return shared_key != NULL ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(shared_key);
	shared_key = NULL;
	return 0;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	strcpy(fx->dir, "/tmp/kvl-credential-XXXXXX");
	if (mkdtemp(fx->dir) == NULL) {
		free(fx);
		return -1;
	}
	snprintf(fx->pem, sizeof(fx->pem), "%s/app.pem", fx->dir);
	snprintf(fx->other_pem, sizeof(fx->other_pem), "%s/other.pem",
		 fx->dir);
	if (EVP_PKEY_up_ref(shared_key) != 1)
		return -1;
	fx->key = shared_key;
	fx->cert = self_signed(fx->key, "kvlink-test");
	write_pem(fx->pem, fx->cert, fx->key, false);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char path[192];
	const char *names[] = { "app.pem", "other.pem", "mixed.pem",
				"enc.pem", "ec.pem", "cert.pem", "app.p12",
				NULL };

	for (int i = 0; names[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", fx->dir, names[i]);
		unlink(path);
	}
	rmdir(fx->dir);
	X509_free(fx->cert);
	EVP_PKEY_free(fx->key);
	free(fx);
	return 0;
}

/* The three parts of a JWT, each a separate string. */
struct jwt_parts {
	char *header;
	char *payload;
	char *signature;
};

static void split_jwt(const char *jwt, struct jwt_parts *p)
{
	const char *dot1 = strchr(jwt, '.');
	const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;

	assert_non_null(dot1);
	assert_non_null(dot2);
	assert_null(strchr(dot2 + 1, '.'));
	p->header = strndup(jwt, (size_t)(dot1 - jwt));
	p->payload = strndup(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	p->signature = strdup(dot2 + 1);
}

static void free_parts(struct jwt_parts *p)
{
	free(p->header);
	free(p->payload);
	free(p->signature);
}

static json_object *decode_part(const char *part)
{
	char *text = NULL;
	json_object *obj;

	assert_null(strchr(part, '='));
	assert_int_equal(kvl_base64url_decode(part, &text, NULL), KVL_OK);
	obj = json_tokener_parse(text);
	free(text);
	assert_non_null(obj);
	return obj;
}

static const char *member(json_object *obj, const char *key)
{
	json_object *v = NULL;

	assert_true(json_object_object_get_ex(obj, key, &v));
	return json_object_get_string(v);
}

static int64_t member_int(json_object *obj, const char *key)
{
	json_object *v = NULL;

	assert_true(json_object_object_get_ex(obj, key, &v));
	assert_true(json_object_is_type(v, json_type_int));
	return json_object_get_int64(v);
}

static char *expected_thumbprint(X509 *cert)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	char *b64, *p;
	size_t n;

	assert_int_equal(X509_digest(cert, EVP_sha256(), digest, &len), 1);
	b64 = kvl_base64_encode(digest, len);
	n = strlen(b64);
	while (n > 0 && b64[n - 1] == '=')
		b64[--n] = '\0';
	for (p = b64; *p != '\0'; p++) {
		if (*p == '+')
			*p = '-';
		else if (*p == '/')
			*p = '_';
	}
	return b64;
}

static char *make_assertion(const char *pem)
{
	struct kvl_error err;
	char *jwt = NULL;

	kvl_error_init(&err);
	assert_int_equal(kvl_client_assertion(pem, CLIENT_ID, AUDIENCE, NOW,
					      &jwt, &err), KVL_OK);
	kvl_error_clear(&err);
	assert_non_null(jwt);
	return jwt;
}

static void test_assertion_header(void **state)
{
	struct fixture *fx = *state;
	char *jwt = make_assertion(fx->pem), *thumb;
	struct jwt_parts parts;
	json_object *header;

	split_jwt(jwt, &parts);
	header = decode_part(parts.header);
	thumb = expected_thumbprint(fx->cert);
	assert_string_equal(member(header, "alg"), "RS256");
	assert_string_equal(member(header, "typ"), "JWT");
	assert_string_equal(member(header, "x5t#S256"), thumb);
	assert_int_equal(json_object_object_length(header), 3);
	free(thumb);
	json_object_put(header);
	free_parts(&parts);
	free(jwt);
}

static void test_assertion_claims(void **state)
{
	struct fixture *fx = *state;
	char *jwt = make_assertion(fx->pem), *second;
	struct jwt_parts parts, parts2;
	json_object *claims, *claims2;

	split_jwt(jwt, &parts);
	claims = decode_part(parts.payload);
	assert_string_equal(member(claims, "aud"), AUDIENCE);
	assert_string_equal(member(claims, "iss"), CLIENT_ID);
	assert_string_equal(member(claims, "sub"), CLIENT_ID);
	assert_int_equal(strlen(member(claims, "jti")), 36);
	assert_int_equal(member_int(claims, "nbf"), NOW);
	assert_int_equal(member_int(claims, "iat"), NOW);
	assert_int_equal(member_int(claims, "exp"),
			 NOW + KVL_ASSERTION_LIFETIME_S);
	assert_true(KVL_ASSERTION_LIFETIME_S <= 600);

	/* Every assertion gets its own jti. */
	second = make_assertion(fx->pem);
	split_jwt(second, &parts2);
	claims2 = decode_part(parts2.payload);
	assert_string_not_equal(member(claims, "jti"),
				member(claims2, "jti"));
	json_object_put(claims2);
	free_parts(&parts2);
	free(second);
	json_object_put(claims);
	free_parts(&parts);
	free(jwt);
}

/* Verifies the RS256 signature of jwt with the certificate's key. */
static bool signature_valid(const char *jwt, X509 *cert)
{
	const char *dot2 = strrchr(jwt, '.');
	EVP_PKEY *pub = X509_get_pubkey(cert);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	char *sig = NULL;
	size_t sig_len = 0;
	int ok;

	assert_int_equal(kvl_base64url_decode(dot2 + 1, &sig, &sig_len),
			 KVL_OK);
	assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL,
					      pub), 1);
	ok = EVP_DigestVerify(ctx, (unsigned char *)sig, sig_len,
			      (const unsigned char *)jwt,
			      (size_t)(dot2 - jwt));
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pub);
	free(sig);
	return ok == 1;
}

static void test_assertion_signature(void **state)
{
	struct fixture *fx = *state;
	char *jwt = make_assertion(fx->pem);
	char *dot = strchr(jwt, '.');

	assert_true(signature_valid(jwt, fx->cert));
	/* A changed payload no longer matches the signature. */
	dot[1] = dot[1] == 'A' ? 'B' : 'A';
	assert_false(signature_valid(jwt, fx->cert));
	free(jwt);
}

/* Verifies the PS256 signature of jwt (RSASSA-PSS, SHA-256, MGF1-SHA-256,
 * 32-byte salt) with the certificate's key. */
static bool pss_signature_valid(const char *jwt, X509 *cert)
{
	const char *dot2 = strrchr(jwt, '.');
	EVP_PKEY *pub = X509_get_pubkey(cert);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	char *sig = NULL;
	size_t sig_len = 0;
	int ok;

	assert_int_equal(kvl_base64url_decode(dot2 + 1, &sig, &sig_len),
			 KVL_OK);
	assert_int_equal(EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), NULL,
					      pub), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx,
						      RSA_PKCS1_PSS_PADDING),
			 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32), 1);
	ok = EVP_DigestVerify(ctx, (unsigned char *)sig, sig_len,
			      (const unsigned char *)jwt,
			      (size_t)(dot2 - jwt));
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pub);
	free(sig);
	return ok == 1;
}

static char *make_ps256(const char *path, const char *password)
{
	struct kvl_signing_cert *sc = NULL;
	struct kvl_error err;
	char *jwt = NULL;

	kvl_error_init(&err);
	assert_int_equal(kvl_signing_cert_load(path, password, &sc, &err),
			 KVL_OK);
	assert_int_equal(kvl_signing_cert_assertion(sc, KVL_JWS_PS256,
						    CLIENT_ID, AUDIENCE, NOW,
						    &jwt, &err), KVL_OK);
	kvl_signing_cert_free(sc);
	kvl_error_clear(&err);
	return jwt;
}

static void test_ps256_assertion(void **state)
{
	struct fixture *fx = *state;
	char *jwt = make_ps256(fx->pem, NULL);
	struct jwt_parts parts;
	json_object *header;

	split_jwt(jwt, &parts);
	header = decode_part(parts.header);
	assert_string_equal(member(header, "alg"), "PS256");
	assert_true(pss_signature_valid(jwt, fx->cert));
	/* PKCS#1 v1.5 verification must not accept a PSS signature. */
	assert_false(signature_valid(jwt, fx->cert));
	json_object_put(header);
	free_parts(&parts);
	free(jwt);
}

/* Writes the fixture's certificate and key as PKCS#12 with password. */
static void write_p12(struct fixture *fx, const char *path,
		      const char *password)
{
	PKCS12 *p12 = PKCS12_create(password, "kvlink-test", fx->key,
				    fx->cert, NULL, 0, 0, 0, 0, 0);
	FILE *f = fopen(path, "wb");

	assert_non_null(p12);
	assert_non_null(f);
	assert_int_equal(i2d_PKCS12_fp(f, p12), 1);
	fclose(f);
	PKCS12_free(p12);
}

static void test_pkcs12(void **state)
{
	struct fixture *fx = *state;
	struct kvl_signing_cert *sc = NULL;
	struct kvl_error err;
	char path[192], *jwt;

	snprintf(path, sizeof(path), "%s/app.p12", fx->dir);
	write_p12(fx, path, "pfx pass");
	jwt = make_ps256(path, "pfx pass");
	assert_true(pss_signature_valid(jwt, fx->cert));
	free(jwt);

	kvl_error_init(&err);
	assert_int_equal(kvl_signing_cert_load(path, "wrong", &sc, &err),
			 KVL_ERR_INVALID);
	assert_null(sc);
	assert_non_null(strstr(err.message, "password"));
	assert_non_null(strstr(err.message, "app.p12"));
	kvl_error_clear(&err);

	assert_int_equal(kvl_signing_cert_load(path, NULL, &sc, &err),
			 KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "password"));
	kvl_error_clear(&err);
}

static void test_assertion_key_first(void **state)
{
	struct fixture *fx = *state;
	char path[192], *jwt;

	snprintf(path, sizeof(path), "%s/mixed.pem", fx->dir);
	write_pem(path, fx->cert, fx->key, true);
	jwt = make_assertion(path);
	assert_true(signature_valid(jwt, fx->cert));
	free(jwt);
}

static kvl_result assertion_error(const char *pem, struct kvl_error *err)
{
	char *jwt = NULL;
	kvl_result r;

	kvl_error_init(err);
	r = kvl_client_assertion(pem, CLIENT_ID, AUDIENCE, NOW, &jwt, err);
	assert_null(jwt);
	assert_non_null(err->message);
	return r;
}

static void test_assertion_wrong_key(void **state)
{
	struct fixture *fx = *state;
	EVP_PKEY *other = EVP_RSA_gen(2048);
	X509 *cert = self_signed(other, "other");
	struct kvl_error err;

	write_pem(fx->other_pem, cert, fx->key, false);
	assert_int_equal(assertion_error(fx->other_pem, &err),
			 KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "does not belong"));
	kvl_error_clear(&err);
	X509_free(cert);
	EVP_PKEY_free(other);
}

static void test_assertion_bad_files(void **state)
{
	struct fixture *fx = *state;
	char path[192];
	struct kvl_error err;

	snprintf(path, sizeof(path), "%s/missing.pem", fx->dir);
	assert_int_equal(assertion_error(path, &err), KVL_ERR_IO);
	assert_non_null(strstr(err.message, "missing.pem"));
	kvl_error_clear(&err);

	snprintf(path, sizeof(path), "%s/cert.pem", fx->dir);
	write_pem(path, fx->cert, NULL, false);
	assert_int_equal(assertion_error(path, &err), KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "private key"));
	kvl_error_clear(&err);

	snprintf(path, sizeof(path), "%s/enc.pem", fx->dir);
	{
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		PEM_write_X509(f, fx->cert);
		PEM_write_PrivateKey(f, fx->key, EVP_aes_256_cbc(),
				     (unsigned char *)"passphrase", 10, NULL,
				     NULL);
		fclose(f);
	}
	assert_int_equal(assertion_error(path, &err), KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "unencrypted"));
	kvl_error_clear(&err);
}

static void test_assertion_ec_key(void **state)
{
	struct fixture *fx = *state;
	EVP_PKEY *ec = EVP_EC_gen("P-256");
	X509 *cert = self_signed(ec, "ec");
	char path[192];
	struct kvl_error err;

	snprintf(path, sizeof(path), "%s/ec.pem", fx->dir);
	write_pem(path, cert, ec, false);
	assert_int_equal(assertion_error(path, &err), KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "RSA"));
	kvl_error_clear(&err);
	X509_free(cert);
	EVP_PKEY_free(ec);
}

static void test_thumbprint(void **state)
{
	struct fixture *fx = *state;
	struct kvl_error err;
	char *thumb = NULL, *expected = expected_thumbprint(fx->cert);

	kvl_error_init(&err);
	assert_int_equal(kvl_certificate_thumbprint(fx->pem, &thumb, &err),
			 KVL_OK);
	assert_string_equal(thumb, expected);
	/* SHA-256 is 32 bytes: 43 base64url characters. */
	assert_int_equal(strlen(thumb), 43);
	free(thumb);
	free(expected);
	kvl_error_clear(&err);
}

static void test_kind_names(void **state)
{
	enum kvl_credential_kind kind = KVL_CREDENTIAL_CERTIFICATE;

	(void)state;
	assert_true(kvl_credential_kind_parse("client-secret", &kind));
	assert_int_equal(kind, KVL_CREDENTIAL_CLIENT_SECRET);
	assert_true(kvl_credential_kind_parse("managedIdentity", &kind));
	assert_int_equal(kind, KVL_CREDENTIAL_MANAGED_IDENTITY);
	assert_string_equal(kvl_credential_kind_name(kind),
			    "managedIdentity");
	assert_false(kvl_credential_kind_parse("password", &kind));
	assert_false(kvl_credential_kind_parse(NULL, &kind));
}

static void write_dmi(const char *dir, const char *name, const char *text)
{
	char path[192];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Only Azure's vendor together with Azure's asset tag is an Azure VM. */
static void test_azure_vm_from_dmi(void **state)
{
	struct fixture *fx = *state;
	char path[192];

	setenv(KVL_DMI_DIR_ENV, fx->dir, 1);
	assert_false(kvl_is_azure_vm());

	write_dmi(fx->dir, "sys_vendor", "Microsoft Corporation\n");
	write_dmi(fx->dir, "chassis_asset_tag", "0000-0000-0000\n");
	assert_false(kvl_is_azure_vm());

	write_dmi(fx->dir, "chassis_asset_tag",
		  "7783-7084-3265-9085-8269-3286-77\n");
	assert_true(kvl_is_azure_vm());

	write_dmi(fx->dir, "sys_vendor", "QEMU\n");
	assert_false(kvl_is_azure_vm());

	unsetenv(KVL_DMI_DIR_ENV);
	snprintf(path, sizeof(path), "%s/sys_vendor", fx->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/chassis_asset_tag", fx->dir);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_assertion_header, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_assertion_claims, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_assertion_signature,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_assertion_key_first,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_assertion_wrong_key,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_assertion_bad_files,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_assertion_ec_key, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_thumbprint, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ps256_assertion, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pkcs12, setup, teardown),
		cmocka_unit_test_setup_teardown(test_azure_vm_from_dmi, setup,
						teardown),
		cmocka_unit_test(test_kind_names),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
