/* The connection type registry and its validation of field values. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "env/conntypes.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* The fields each type must have, credentials marked with a '*'. */
static const struct {
	const char *id;
	const char *display_name;
	const char *keys;
	bool key_vault;
} expected_types[] = {
	{ "activecampaign", "ActiveCampaign", "*api_key api_host", true },
	{ "autopilot", "Autopilot", "*api_key", true },
	{ "dotdigital", "DotDigital", "api_user *password address_book_id",
	  true },
	{ "googleads", "Google Ads", "customer_id *developer_token", false },
	{ "klaviyo", "Klaviyo", "*api_key", true },
	{ "liveramp", "LiveRamp", "username *password host port folder",
	  true },
	{ "marketo", "Marketo", "client_id *client_secret rest_host", true },
	{ "omnisend", "Omnisend", "*api_key", true },
	{ "sfmc", "Salesforce Marketing Cloud",
	  "username *password host folder port", true },
	{ "sendgrid", "SendGrid", "*api_key", true },
	{ "sendinblue", "Sendinblue", "*api_key", true },
	{ "sftp", "SFTP",
	  "host port username *password *private_key *passphrase folder",
	  true },
};

static void check_type_fields(const struct kvl_conn_type *t,
			      const char *keys)
{
	char *copy = strdup(keys), *save = NULL, *word;
	size_t n = 0;

	for (word = strtok_r(copy, " ", &save); word != NULL;
	     word = strtok_r(NULL, " ", &save), n++) {
		bool credential = word[0] == '*';
		const struct kvl_field_def *f;

		assert_true(n < t->n_fields);
		f = &t->fields[n];
		assert_string_equal(f->key, word + (credential ? 1 : 0));
		assert_int_equal(f->credential, credential);
		assert_non_null(f->label);
		assert_true(strlen(f->label) > 0);
		assert_non_null(f->help);
		assert_true(strlen(f->help) > 0);
		assert_null(strchr(f->help, '\n'));
	}
	assert_int_equal(n, t->n_fields);
	free(copy);
}

static void registry_lists_every_type(void **state)
{
	size_t i;

	(void)state;
	assert_int_equal(kvl_n_conn_types, N_ELEMS(expected_types));
	for (i = 0; i < N_ELEMS(expected_types); i++) {
		const struct kvl_conn_type *t = &kvl_conn_types[i];

		assert_string_equal(t->id, expected_types[i].id);
		assert_string_equal(t->display_name,
				    expected_types[i].display_name);
		assert_int_equal(t->key_vault, expected_types[i].key_vault);
		check_type_fields(t, expected_types[i].keys);
		assert_true(kvl_conn_type_n_credentials(t) > 0);
	}
}

static void registry_defaults_and_help(void **state)
{
	const struct kvl_conn_type *t;
	const struct kvl_field_def *f;

	(void)state;
	t = kvl_conn_type_find("liveramp");
	f = kvl_conn_type_field(t, "host");
	assert_string_equal(f->default_value, "files.liveramp.com");
	assert_string_equal(kvl_conn_type_field(t, "port")->default_value,
			    "22");
	assert_string_equal(kvl_conn_type_field(kvl_conn_type_find("sftp"),
						"port")->default_value, "22");
	assert_string_equal(kvl_conn_type_field(kvl_conn_type_find("sfmc"),
						"port")->default_value, "22");

	t = kvl_conn_type_find("googleads");
	f = kvl_conn_type_field(t, "developer_token");
	assert_non_null(strstr(f->help, "Key Vault"));
	assert_non_null(strstr(f->help, "browser"));

	t = kvl_conn_type_find("sftp");
	assert_non_null(t->one_of);
	assert_string_equal(t->one_of[0], "password");
	assert_string_equal(t->one_of[1], "private_key");
	assert_null(t->one_of[2]);
	assert_string_equal(kvl_conn_type_field(t, "passphrase")->needs,
			    "private_key");
}

static void registry_find_ignores_case(void **state)
{
	(void)state;
	assert_string_equal(kvl_conn_type_find("SendGrid")->id, "sendgrid");
	assert_string_equal(kvl_conn_type_find("SENDGRID")->id, "sendgrid");
	assert_string_equal(kvl_conn_type_find("google ads")->id,
			    "googleads");
	assert_string_equal(kvl_conn_type_find("salesforce marketing cloud")
			    ->id, "sfmc");
	assert_null(kvl_conn_type_find("ftp"));
	assert_null(kvl_conn_type_find(""));
	assert_null(kvl_conn_type_find(NULL));
	assert_null(kvl_conn_type_field(kvl_conn_type_find("sftp"), "Host"));
}

/* A field of the given kind, required, for the table below. */
static struct kvl_field_def field_of_kind(enum kvl_field_kind kind)
{
	struct kvl_field_def f = {
		"value", "Value", "help", kind, false, true, NULL, NULL,
	};

	return f;
}

static const struct {
	enum kvl_field_kind kind;
	const char *value;
	bool valid;
} kind_cases[] = {
	{ KVL_FIELD_TEXT, "SG.abc def", true },
	{ KVL_FIELD_TEXT, "tab\there", false },
	{ KVL_FIELD_TEXT, "caf\xc3\xa9", true },
	{ KVL_FIELD_TEXT, "bad \xff byte", false },
	{ KVL_FIELD_TEXT, "cut \xc3", false },
	{ KVL_FIELD_TEXT, "c1 \xc2\x85 control", false },
	{ KVL_FIELD_TEXT, "bidi \xe2\x80\xae override", false },
	{ KVL_FIELD_PATH, "/exp\xe2\x81\xa6orts", false },
	{ KVL_FIELD_USERNAME, "user\xc2\x9b", false },
	{ KVL_FIELD_HOSTNAME, "files.liveramp.com", true },
	{ KVL_FIELD_HOSTNAME, "xyz-abc-123.mktorest.com", true },
	{ KVL_FIELD_HOSTNAME, "localhost", true },
	{ KVL_FIELD_HOSTNAME, "https://files.liveramp.com", false },
	{ KVL_FIELD_HOSTNAME, "files.liveramp.com/upload", false },
	{ KVL_FIELD_HOSTNAME, "files.liveramp.com:22", false },
	{ KVL_FIELD_HOSTNAME, "-bad.example.com", false },
	{ KVL_FIELD_HOSTNAME, "bad-.example.com", false },
	{ KVL_FIELD_HOSTNAME, "a..b", false },
	{ KVL_FIELD_HOSTNAME, "under_score.example.com", false },
	{ KVL_FIELD_HOSTNAME,
	  "a234567890123456789012345678901234567890123456789012345678901234"
	  ".com", false },
	{ KVL_FIELD_PORT, "22", true },
	{ KVL_FIELD_PORT, "1", true },
	{ KVL_FIELD_PORT, "65535", true },
	{ KVL_FIELD_PORT, "0", false },
	{ KVL_FIELD_PORT, "65536", false },
	{ KVL_FIELD_PORT, "022", false },
	{ KVL_FIELD_PORT, "-1", false },
	{ KVL_FIELD_PORT, "22a", false },
	{ KVL_FIELD_PATH, "/exports", true },
	{ KVL_FIELD_PATH, "/", true },
	{ KVL_FIELD_PATH, "exports", false },
	{ KVL_FIELD_ID, "3f2a-b_c.d", true },
	{ KVL_FIELD_ID, "has space", false },
	{ KVL_FIELD_NUMERIC_ID, "12345", true },
	{ KVL_FIELD_NUMERIC_ID, "12a45", false },
	{ KVL_FIELD_NUMERIC_ID, "-5", false },
	{ KVL_FIELD_EMAIL, "apiuser-1a2b@apiconnector.com", true },
	{ KVL_FIELD_EMAIL, "apiuser", false },
	{ KVL_FIELD_EMAIL, "a@b@c.com", false },
	{ KVL_FIELD_EMAIL, "user@localhost", false },
	{ KVL_FIELD_USERNAME, "export_user", true },
	{ KVL_FIELD_USERNAME, "export user", false },
	{ KVL_FIELD_USERNAME, "user:x", false },
	{ KVL_FIELD_URL, "https://example.com/api", true },
	{ KVL_FIELD_URL, "http://example.com", false },
	{ KVL_FIELD_URL, "https://", false },
	{ KVL_FIELD_PRIVATE_KEY,
	  "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbg==\n"
	  "-----END OPENSSH PRIVATE KEY-----\n", true },
	{ KVL_FIELD_PRIVATE_KEY, "ssh-ed25519 AAAA", false },
	{ KVL_FIELD_PRIVATE_KEY,
	  "-----BEGIN OPENSSH PRIVATE KEY-----\r\nb3Bl\xe2\x80\x8f" "bg==\n"
	  "-----END OPENSSH PRIVATE KEY-----\n", false },
	{ KVL_FIELD_GOOGLE_ADS_ID, "123-456-7890", true },
	{ KVL_FIELD_GOOGLE_ADS_ID, "1234567890", true },
	{ KVL_FIELD_GOOGLE_ADS_ID, "123-456-789", false },
	{ KVL_FIELD_GOOGLE_ADS_ID, "123--456-7890", false },
	{ KVL_FIELD_GOOGLE_ADS_ID, "-123-456-7890", false },
	{ KVL_FIELD_GOOGLE_ADS_ID, "12345678901", false },
};

static void field_kinds_validate(void **state)
{
	struct kvl_error err;
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(kind_cases); i++) {
		struct kvl_field_def f = field_of_kind(kind_cases[i].kind);
		kvl_result rc;

		kvl_error_init(&err);
		rc = kvl_conn_field_validate(&f, kind_cases[i].value, &err);
		if ((rc == KVL_OK) != kind_cases[i].valid)
			fail_msg("'%s' (case %zu) gave %d, expected %s",
				 kind_cases[i].value, i, rc,
				 kind_cases[i].valid ? "valid" : "invalid");
		if (rc != KVL_OK) {
			assert_int_equal(rc, KVL_ERR_INVALID);
			assert_non_null(strstr(err.message, "Value (value)"));
			assert_non_null(strstr(err.message, "expected"));
		}
		kvl_error_clear(&err);
	}
}

static void field_empty_and_credential(void **state)
{
	struct kvl_field_def f = field_of_kind(KVL_FIELD_PRIVATE_KEY);
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_conn_field_validate(&f, "", &err),
			 KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "required"));
	kvl_error_clear(&err);

	f.required = false;
	assert_int_equal(kvl_conn_field_validate(&f, "", &err), KVL_OK);

	/* A credential's value never appears in the message. */
	f.credential = true;
	assert_int_equal(kvl_conn_field_validate(&f, "hunter2-not-a-key",
						 &err), KVL_ERR_INVALID);
	assert_null(strstr(err.message, "hunter2"));
	kvl_error_clear(&err);

	/* Nor does it when the credential is not valid UTF-8. */
	f = field_of_kind(KVL_FIELD_TEXT);
	f.credential = true;
	assert_int_equal(kvl_conn_field_validate(&f, "hunter3\xff", &err),
			 KVL_ERR_INVALID);
	assert_null(strstr(err.message, "hunter3"));
	assert_non_null(strstr(err.message, "not valid UTF-8"));
	kvl_error_clear(&err);

	f = field_of_kind(KVL_FIELD_PORT);
	assert_int_equal(kvl_conn_field_validate(&f, "99999", &err),
			 KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "'99999'"));
	assert_non_null(strstr(err.message, "1 to 65535"));
	kvl_error_clear(&err);
}

static void secret_names_validate(void **state)
{
	char long_name[129];
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_conn_secret_name_validate("Password",
							"sftp-password", &err),
			 KVL_OK);
	assert_int_equal(kvl_conn_secret_name_validate("Password", "A-9z",
							&err), KVL_OK);
	assert_int_equal(kvl_conn_secret_name_validate("Password",
							"sftp_password", &err),
			 KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "Password"));
	kvl_error_clear(&err);
	assert_int_equal(kvl_conn_secret_name_validate("Password", "", &err),
			 KVL_ERR_INVALID);
	kvl_error_clear(&err);

	memset(long_name, 'a', 127);
	long_name[127] = '\0';
	assert_int_equal(kvl_conn_secret_name_validate("Password", long_name,
							&err), KVL_OK);
	long_name[127] = 'a';
	long_name[128] = '\0';
	assert_int_equal(kvl_conn_secret_name_validate("Password", long_name,
							&err), KVL_ERR_INVALID);
	kvl_error_clear(&err);
}

#define V(k, v) { (char *)(k), (char *)(v) }

static kvl_result validate_sftp(const struct kvl_field_value *v, size_t n,
				bool vault, struct kvl_error *err)
{
	return kvl_conn_values_validate(kvl_conn_type_find("sftp"), v, n,
					vault, err);
}

static void values_sftp_rules(void **state)
{
	const struct kvl_field_value ok_password[] = {
		V("host", "sftp.example.com"), V("username", "u"),
		V("password", "pw"), V("folder", "/out"),
	};
	const struct kvl_field_value no_credential[] = {
		V("host", "sftp.example.com"), V("username", "u"),
		V("folder", "/out"),
	};
	const struct kvl_field_value passphrase_alone[] = {
		V("host", "sftp.example.com"), V("username", "u"),
		V("password", "pw"), V("passphrase", "pp"),
		V("folder", "/out"),
	};
	const struct kvl_field_value sealed[] = {
		V("host", "sftp.example.com"), V("username", "u"),
		V("private_key", NULL), V("folder", "/out"),
	};
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(validate_sftp(ok_password, 4, false, &err), KVL_OK);
	assert_int_equal(validate_sftp(sealed, 4, false, &err), KVL_OK);

	assert_int_equal(validate_sftp(no_credential, 3, false, &err),
			 KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "password or a private key"));
	kvl_error_clear(&err);

	assert_int_equal(validate_sftp(passphrase_alone, 5, false, &err),
			 KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "passphrase"));
	kvl_error_clear(&err);

	/* Missing folder: the message names the field. */
	assert_int_equal(validate_sftp(ok_password, 3, false, &err),
			 KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "Folder (folder)"));
	kvl_error_clear(&err);
}

static void values_keys_and_vault(void **state)
{
	const struct kvl_field_value unknown[] = {
		V("api_key", "k"), V("region", "eu"),
	};
	const struct kvl_field_value twice[] = {
		V("api_key", "k"), V("api_key", "k2"),
	};
	const struct kvl_field_value secret[] = { V("api_key", "sg-key") };
	const struct kvl_field_value bad_secret[] = { V("api_key", "sg key") };
	const struct kvl_field_value ads[] = {
		V("customer_id", "123-456-7890"), V("developer_token", "tok"),
	};
	const struct kvl_conn_type *sg = kvl_conn_type_find("sendgrid");
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_conn_values_validate(sg, unknown, 2, false,
						  &err), KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "'region'"));
	assert_non_null(strstr(err.message, "api_key"));
	kvl_error_clear(&err);

	assert_int_equal(kvl_conn_values_validate(sg, twice, 2, false, &err),
			 KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "twice"));
	kvl_error_clear(&err);

	assert_int_equal(kvl_conn_values_validate(sg, secret, 1, true, &err),
			 KVL_OK);
	assert_int_equal(kvl_conn_values_validate(sg, bad_secret, 1, true,
						  &err), KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "secret name"));
	kvl_error_clear(&err);
	assert_int_equal(kvl_conn_values_validate(sg, NULL, 0, false, &err),
			 KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "API key (api_key)"));
	kvl_error_clear(&err);

	assert_int_equal(kvl_conn_values_validate(kvl_conn_type_find(
		"googleads"), ads, 2, false, &err), KVL_OK);
	assert_int_equal(kvl_conn_values_validate(kvl_conn_type_find(
		"googleads"), ads, 2, true, &err), KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "Key Vault"));
	kvl_error_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(registry_lists_every_type),
		cmocka_unit_test(registry_defaults_and_help),
		cmocka_unit_test(registry_find_ignores_case),
		cmocka_unit_test(field_kinds_validate),
		cmocka_unit_test(field_empty_and_credential),
		cmocka_unit_test(secret_names_validate),
		cmocka_unit_test(values_sftp_rules),
		cmocka_unit_test(values_keys_and_vault),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
