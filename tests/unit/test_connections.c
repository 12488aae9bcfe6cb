/* Connections in the environment store, sealed credentials and the
 * judging of vault secrets. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "core/crypto.h"
#include "env/connections.h"
#include "env/envstore.h"

#define AVERY "a0000000-0000-4000-8000-000000000001"
/* A typed credential that must never appear in clear on disk. */
#define CLEAR_KEY "SG.kvlink-test-CLEARTEXT-7f3e9a"

struct fixture {
	char dir[64];
	struct kvl_envstore *store;
	struct kvl_environment env;
	struct kvl_error err;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/kvl-conn-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	kvl_error_init(&f->err);
	if (kvl_envstore_open(f->dir, &f->store, &f->err) != KVL_OK)
		return -1;
	if (kvl_env_create(&f->env, "Contoso", "westeurope", AVERY, "Avery",
			   &f->err) != KVL_OK)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd = NULL;

	kvl_env_clear(&f->env);
	kvl_envstore_close(f->store);
	kvl_error_clear(&f->err);
	if (asprintf(&cmd, "rm -rf '%s'", f->dir) > 0 && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(cmd);
	free(f);
	return 0;
}

static void link_vault(struct kvl_environment *env)
{
	env->vault.state = KVL_LINK_LINKED;
	env->vault.name = strdup("kv-ci-prod");
	env->vault.vault_uri = strdup("http://127.0.0.1:1/kv/kv-ci-prod/");
}

/* A new connection of type with its display name set. */
static void draft(struct kvl_connection *c, const char *type,
		  const char *name)
{
	memset(c, 0, sizeof(*c));
	c->type_id = strdup(type);
	c->display_name = strdup(name);
}

/* Adds a SendGrid connection whose API key is the secret sg-key. */
static void add_vault_sendgrid(struct fixture *f, const char *name)
{
	struct kvl_connection c;

	draft(&c, "sendgrid", name);
	assert_int_equal(kvl_conn_set_use_key_vault(&c, true, &f->err),
			 KVL_OK);
	assert_int_equal(kvl_conn_set_secret(&c, "api_key", "sg-key",
					     &f->err), KVL_OK);
	assert_int_equal(kvl_conn_add(&f->env, &c, &f->err), KVL_OK);
	assert_null(c.display_name);
}

static void add_keeps_names_unique(void **state)
{
	struct fixture *f = *state;
	struct kvl_connection c;

	link_vault(&f->env);
	add_vault_sendgrid(f, "Mail");
	assert_int_equal(f->env.n_connections, 1);
	assert_non_null(f->env.connections[0].id);
	assert_non_null(f->env.connections[0].created_at);
	assert_string_equal(f->env.connections[0].vault_name, "kv-ci-prod");

	draft(&c, "sendgrid", "MAIL");
	assert_int_equal(kvl_conn_set_use_key_vault(&c, true, &f->err),
			 KVL_OK);
	assert_int_equal(kvl_conn_set_secret(&c, "api_key", "sg-key",
					     &f->err), KVL_OK);
	assert_int_equal(kvl_conn_add(&f->env, &c, &f->err),
			 KVL_ERR_CONFLICT);
	assert_non_null(strstr(f->err.message, "already exists"));
	assert_int_equal(f->env.n_connections, 1);
	kvl_connection_clear(&c);
	kvl_error_clear(&f->err);

	assert_ptr_equal(kvl_conn_find(&f->env, "mail"),
			 &f->env.connections[0]);
	assert_ptr_equal(kvl_conn_find(&f->env, f->env.connections[0].id),
			 &f->env.connections[0]);
	assert_null(kvl_conn_find(&f->env, "other"));
}

static void add_fills_defaults(void **state)
{
	struct fixture *f = *state;
	struct kvl_connection c, *saved;
	size_t i;
	const char *port = NULL, *host = NULL;

	draft(&c, "liveramp", "LiveRamp EU");
	assert_int_equal(kvl_conn_set_field(&c, "username", "lr", &f->err),
			 KVL_OK);
	assert_int_equal(kvl_conn_set_field(&c, "folder", "/uploads",
					    &f->err), KVL_OK);
	assert_int_equal(kvl_conn_seal_credential(f->dir, &c, "password",
						  "pw", 2, &f->err), KVL_OK);
	assert_int_equal(kvl_conn_add(&f->env, &c, &f->err), KVL_OK);

	saved = kvl_conn_find(&f->env, "liveramp eu");
	assert_non_null(saved);
	for (i = 0; i < saved->n_fields; i++) {
		if (strcmp(saved->fields[i].key, "port") == 0)
			port = saved->fields[i].value;
		if (strcmp(saved->fields[i].key, "host") == 0)
			host = saved->fields[i].value;
	}
	assert_string_equal(port, "22");
	assert_string_equal(host, "files.liveramp.com");
}

/* The value of field key in c, or NULL when it is not set. */
static const char *field_value(const struct kvl_connection *c,
			       const char *key)
{
	for (size_t i = 0; i < c->n_fields; i++)
		if (strcmp(c->fields[i].key, key) == 0)
			return c->fields[i].value;
	return NULL;
}

static void clear_restores_default(void **state)
{
	struct fixture *f = *state;
	struct kvl_connection c;

	draft(&c, "sftp", "Clear Port");
	assert_int_equal(kvl_conn_set_field(&c, "port", "2222", &f->err),
			 KVL_OK);
	assert_string_equal(field_value(&c, "port"), "2222");
	assert_int_equal(kvl_conn_set_field(&c, "port", NULL, &f->err),
			 KVL_OK);
	assert_string_equal(field_value(&c, "port"), "22");

	/* A field without a default is removed. */
	assert_int_equal(kvl_conn_set_field(&c, "folder", "/out", &f->err),
			 KVL_OK);
	assert_int_equal(kvl_conn_set_field(&c, "folder", NULL, &f->err),
			 KVL_OK);
	assert_null(field_value(&c, "folder"));
	kvl_connection_clear(&c);
}

static void add_rejects_bad_connections(void **state)
{
	struct fixture *f = *state;
	struct kvl_connection c;

	/* Key Vault mode without a linked vault. */
	draft(&c, "sendgrid", "Mail");
	assert_int_equal(kvl_conn_set_use_key_vault(&c, true, &f->err),
			 KVL_OK);
	assert_int_equal(kvl_conn_set_secret(&c, "api_key", "sg-key",
					     &f->err), KVL_OK);
	assert_int_equal(kvl_conn_add(&f->env, &c, &f->err), KVL_ERR_PREREQ);
	assert_non_null(strstr(f->err.message, "no key vault is linked"));
	kvl_error_clear(&f->err);
	kvl_connection_clear(&c);

	/* A credential given as a plain field. */
	draft(&c, "sendgrid", "Mail");
	assert_int_equal(kvl_conn_set_field(&c, "api_key", "x", &f->err),
			 KVL_ERR_INVALID);
	assert_non_null(strstr(f->err.message, "credential"));
	kvl_error_clear(&f->err);

	/* A secret name on a typed connection. */
	assert_int_equal(kvl_conn_set_secret(&c, "api_key", "sg-key",
					     &f->err), KVL_ERR_INVALID);
	kvl_error_clear(&f->err);

	/* Nothing set: the API key is missing. */
	assert_int_equal(kvl_conn_add(&f->env, &c, &f->err), KVL_ERR_INVALID);
	assert_non_null(strstr(f->err.message, "api_key"));
	kvl_error_clear(&f->err);
	kvl_connection_clear(&c);

	draft(&c, "no-such-type", "X");
	assert_int_equal(kvl_conn_add(&f->env, &c, &f->err), KVL_ERR_INVALID);
	assert_non_null(strstr(f->err.message, "no-such-type"));
	kvl_error_clear(&f->err);
	kvl_connection_clear(&c);
	assert_int_equal(f->env.n_connections, 0);
}

static void rename_keeps_names_unique(void **state)
{
	struct fixture *f = *state;
	struct kvl_connection *first;

	link_vault(&f->env);
	add_vault_sendgrid(f, "Mail");
	add_vault_sendgrid(f, "Newsletter");
	first = kvl_conn_find(&f->env, "Mail");

	assert_int_equal(kvl_conn_rename(&f->env, first, "newsletter",
					 &f->err), KVL_ERR_CONFLICT);
	kvl_error_clear(&f->err);
	assert_string_equal(first->display_name, "Mail");

	/* Its own name in another case is fine. */
	assert_int_equal(kvl_conn_rename(&f->env, first, "MAIL", &f->err),
			 KVL_OK);
	assert_int_equal(kvl_conn_rename(&f->env, first, "Mail 2", &f->err),
			 KVL_OK);
	assert_non_null(kvl_conn_find(&f->env, "mail 2"));
	assert_int_equal(kvl_conn_rename(&f->env, first, "", &f->err),
			 KVL_ERR_INVALID);
	kvl_error_clear(&f->err);
}

static void delete_removes_one(void **state)
{
	struct fixture *f = *state;

	link_vault(&f->env);
	add_vault_sendgrid(f, "A");
	add_vault_sendgrid(f, "B");
	add_vault_sendgrid(f, "C");
	assert_int_equal(kvl_conn_delete(&f->env, "b", &f->err), KVL_OK);
	assert_int_equal(f->env.n_connections, 2);
	assert_string_equal(f->env.connections[0].display_name, "A");
	assert_string_equal(f->env.connections[1].display_name, "C");
	assert_int_equal(kvl_conn_delete(&f->env, "B", &f->err),
			 KVL_ERR_NOT_FOUND);
	kvl_error_clear(&f->err);
}

static void vault_mode_is_one_way(void **state)
{
	struct fixture *f = *state;
	struct kvl_connection *c;
	struct kvl_connection typed;

	link_vault(&f->env);
	add_vault_sendgrid(f, "Mail");
	c = kvl_conn_find(&f->env, "Mail");

	assert_int_equal(kvl_conn_set_use_key_vault(c, false, &f->err),
			 KVL_ERR_INVALID);
	assert_non_null(strstr(f->err.message, "create a new connection"));
	assert_non_null(strstr(f->err.message, "typed credentials"));
	assert_non_null(strstr(f->err.message, "delete this one"));
	assert_true(c->use_key_vault);
	assert_int_equal(c->n_secrets, 1);
	kvl_error_clear(&f->err);

	/* Typed to Key Vault is allowed and drops the sealed value. */
	draft(&typed, "sendgrid", "Typed");
	assert_int_equal(kvl_conn_seal_credential(f->dir, &typed, "api_key",
						  "k", 1, &f->err), KVL_OK);
	assert_int_equal(typed.n_sealed, 1);
	assert_int_equal(kvl_conn_set_use_key_vault(&typed, true, &f->err),
			 KVL_OK);
	assert_int_equal(typed.n_sealed, 0);
	assert_int_equal(kvl_conn_seal_credential(f->dir, &typed, "api_key",
						  "k", 1, &f->err),
			 KVL_ERR_INVALID);
	kvl_error_clear(&f->err);
	kvl_connection_clear(&typed);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *data;
	long size;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	size = ftell(fp);
	rewind(fp);
	data = calloc(1, (size_t)size + 1);
	assert_int_equal(fread(data, 1, (size_t)size, fp), (size_t)size);
	fclose(fp);
	*len = (size_t)size;
	return data;
}

/* Whether needle occurs in the len bytes of data (which may hold NULs). */
static bool bytes_contain(const char *data, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(data + i, needle, n) == 0)
			return true;
	return false;
}

static void store_never_holds_clear_key(void **state)
{
	struct fixture *f = *state;
	struct kvl_environment back = { 0 };
	struct kvl_connection c;
	char path[128], *raw, *plain = NULL;
	size_t len = 0, plain_len = 0;

	draft(&c, "sendgrid", "Typed Mail");
	assert_int_equal(kvl_conn_seal_credential(f->dir, &c, "api_key",
						  CLEAR_KEY,
						  strlen(CLEAR_KEY), &f->err),
			 KVL_OK);
	assert_int_equal(kvl_conn_consent(&c, AVERY, "Avery", &f->err),
			 KVL_OK);
	assert_int_equal(kvl_conn_add(&f->env, &c, &f->err), KVL_OK);
	assert_int_equal(kvl_envstore_save(f->store, &f->env, &f->err),
			 KVL_OK);

	snprintf(path, sizeof(path), "%s/environment.json", f->dir);
	raw = read_file(path, &len);
	assert_true(len > 0);
	assert_false(bytes_contain(raw, len, CLEAR_KEY));
	assert_false(bytes_contain(raw, len, "CLEARTEXT"));
	assert_true(bytes_contain(raw, len, "sealedCredentials"));
	free(raw);

	/* It comes back from the document through the key file. */
	assert_int_equal(kvl_envstore_load(f->store, &back, &f->err), KVL_OK);
	assert_int_equal(back.n_connections, 1);
	assert_string_equal(back.connections[0].consent_by, AVERY);
	assert_int_equal(kvl_conn_open_credential(f->dir, &back.connections[0],
						  "api_key", &plain,
						  &plain_len, &f->err),
			 KVL_OK);
	assert_string_equal(plain, CLEAR_KEY);
	assert_int_equal(plain_len, strlen(CLEAR_KEY));
	kvl_free_secret(plain);
	kvl_env_clear(&back);
}

static void sealed_key_file_mode(void **state)
{
	struct fixture *f = *state;
	struct kvl_connection c;
	char key[128];
	struct stat st;
	char *plain = NULL;
	size_t len = 0;

	draft(&c, "sendgrid", "Mail");
	assert_int_equal(kvl_conn_seal_credential(f->dir, &c, "api_key", "k1",
						  2, &f->err), KVL_OK);
	snprintf(key, sizeof(key), "%s/%s", f->dir, KVL_CREDENTIALS_KEY_FILE);
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 32);

	/* A key file others can read is rejected, for sealing and opening. */
	assert_int_equal(chmod(key, 0644), 0);
	assert_int_not_equal(kvl_conn_open_credential(f->dir, &c, "api_key",
						      &plain, &len, &f->err),
			     KVL_OK);
	assert_null(plain);
	assert_non_null(strstr(f->err.message, "chmod 600"));
	kvl_error_clear(&f->err);
	assert_int_not_equal(kvl_conn_seal_credential(f->dir, &c, "api_key",
						      "k2", 2, &f->err),
			     KVL_OK);
	kvl_error_clear(&f->err);
	kvl_connection_clear(&c);
}

static void sealed_tamper_detected(void **state)
{
	struct fixture *f = *state;
	struct kvl_connection c, other;
	unsigned char *bytes = NULL;
	size_t n = 0, len = 0;
	char *plain = NULL, *encoded;

	draft(&c, "sftp", "Files");
	assert_int_equal(kvl_conn_seal_credential(f->dir, &c, "password",
						  "pw-1", 4, &f->err), KVL_OK);
	assert_int_equal(kvl_conn_seal_credential(f->dir, &c, "passphrase",
						  "pp-1", 4, &f->err), KVL_OK);

	/* One flipped bit of the ciphertext. */
	assert_int_equal(kvl_base64_decode(c.sealed[0].value, &bytes, &n),
			 KVL_OK);
	bytes[n - 20] ^= 0x01;
	encoded = kvl_base64_encode(bytes, n);
	free(bytes);
	free(c.sealed[0].value);
	c.sealed[0].value = encoded;
	assert_int_equal(kvl_conn_open_credential(f->dir, &c, "password",
						  &plain, &len, &f->err),
			 KVL_ERR_PREREQ);
	assert_null(plain);
	kvl_error_clear(&f->err);

	/* A sealed value moved to another field fails too. */
	free(c.sealed[0].value);
	c.sealed[0].value = strdup(c.sealed[1].value);
	assert_int_equal(kvl_conn_open_credential(f->dir, &c, "password",
						  &plain, &len, &f->err),
			 KVL_ERR_PREREQ);
	kvl_error_clear(&f->err);
	assert_int_equal(kvl_conn_open_credential(f->dir, &c, "passphrase",
						  &plain, &len, &f->err),
			 KVL_OK);
	assert_string_equal(plain, "pp-1");
	kvl_free_secret(plain);

	/* ... and so does one moved to another connection. */
	draft(&other, "sftp", "Other");
	assert_int_equal(kvl_conn_seal_credential(f->dir, &other, "passphrase",
						  "pp-2", 4, &f->err), KVL_OK);
	free(other.sealed[0].value);
	other.sealed[0].value = strdup(c.sealed[1].value);
	plain = NULL;
	assert_int_equal(kvl_conn_open_credential(f->dir, &other, "passphrase",
						  &plain, &len, &f->err),
			 KVL_ERR_PREREQ);
	assert_null(plain);
	kvl_error_clear(&f->err);
	kvl_connection_clear(&other);
	kvl_connection_clear(&c);
}

static void unknown_members_kept(void **state)
{
	static const char doc[] =
		"{\"format\":1,\"id\":\"e1\",\"displayName\":\"E\","
		"\"region\":\"westeurope\",\"revision\":2,"
		"\"users\":[{\"objectId\":\"" AVERY "\",\"role\":\"Admin\"}],"
		"\"connections\":[{\"id\":\"c1\",\"displayName\":\"Mail\","
		"\"type\":\"sendgrid\",\"useKeyVault\":true,"
		"\"fields\":{},\"secrets\":{\"api_key\":\"sg-key\"},"
		"\"audience\":\"admins-and-contributors\","
		"\"exportSchedule\":{\"cron\":\"0 3 * * *\"}}]}";
	struct fixture *f = *state;
	struct kvl_environment env = { 0 };
	json_object *parsed, *back, *conn, *extra;

	parsed = json_tokener_parse(doc);
	assert_non_null(parsed);
	assert_int_equal(kvl_env_from_json(parsed, &env, &f->err), KVL_OK);
	assert_int_equal(env.n_connections, 1);
	assert_true(env.connections[0].use_key_vault);
	assert_int_equal(env.connections[0].audience,
			 KVL_AUDIENCE_ADMINS_AND_CONTRIBUTORS);
	assert_string_equal(env.connections[0].secrets[0].value, "sg-key");

	back = kvl_env_to_json(&env);
	conn = json_object_array_get_idx(json_object_object_get(back,
						"connections"), 0);
	extra = json_object_object_get(conn, "exportSchedule");
	assert_non_null(extra);
	assert_string_equal(json_object_get_string(
		json_object_object_get(extra, "cron")), "0 3 * * *");
	assert_string_equal(json_object_get_string(
		json_object_object_get(conn, "audience")),
		"admins-and-contributors");
	json_object_put(back);
	json_object_put(parsed);
	kvl_env_clear(&env);
}

#define HOST_FP "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

/* A trusted SFTP host key survives JSON and applies to its host only. */
static void host_key_trusted(void **state)
{
	struct fixture *f = *state;
	struct kvl_connection c, back = { 0 };
	json_object *doc;

	draft(&c, "sftp", "Drop");
	c.id = strdup("c1");
	assert_int_equal(kvl_conn_trust_host_key(&c, "sftp.example.com",
						 "22", "ssh-ed25519",
						 "SHA256:short", &f->err),
			 KVL_ERR_INVALID);
	assert_null(c.host_key.fingerprint);
	assert_int_equal(kvl_conn_trust_host_key(&c, "sftp.example.com",
						 "22", "ssh-ed25519", HOST_FP,
						 &f->err), KVL_OK);
	assert_non_null(c.host_key.trusted_at);

	doc = kvl_conn_to_json(&c);
	assert_int_equal(kvl_conn_from_json(doc, &back, &f->err), KVL_OK);
	assert_string_equal(back.host_key.type, "ssh-ed25519");
	assert_string_equal(back.host_key.fingerprint, HOST_FP);
	assert_null(back.extra);
	assert_string_equal(kvl_conn_trusted_host_key(&back,
						      "SFTP.example.com",
						      "22"), HOST_FP);
	assert_null(kvl_conn_trusted_host_key(&back, "sftp.example.com",
					      "2222"));
	assert_null(kvl_conn_trusted_host_key(&back, "other.example.com",
					      "22"));
	json_object_put(doc);
	kvl_connection_clear(&back);
	kvl_connection_clear(&c);
}

static void bad_connection_json_rejected(void **state)
{
	static const char *const docs[] = {
		"{\"connections\":{}}",
		"{\"connections\":[1]}",
		"{\"connections\":[{\"displayName\":\"x\",\"type\":\"sftp\"}]}",
		"{\"connections\":[{\"id\":\"c\",\"displayName\":\"x\","
		"\"type\":\"sftp\",\"fields\":{\"port\":22}}]}",
		"{\"connections\":[{\"id\":\"c\",\"displayName\":\"x\","
		"\"type\":\"sftp\",\"audience\":\"everyone\"}]}",
	};
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct kvl_environment env = { 0 };
		json_object *base = kvl_env_to_json(&f->env);
		json_object *patch = json_tokener_parse(docs[i]);

		assert_non_null(patch);
		json_object_object_add(base, "connections", json_object_get(
			json_object_object_get(patch, "connections")));
		if (kvl_env_from_json(base, &env, &f->err) != KVL_ERR_PARSE)
			fail_msg("document %zu was accepted", i);
		kvl_error_clear(&f->err);
		json_object_put(patch);
		json_object_put(base);
	}
}

static struct kvl_secret_item item(const char *name, bool enabled,
				   int64_t nbf, int64_t exp, bool managed)
{
	struct kvl_secret_item s = { 0 };

	s.name = (char *)name;
	s.enabled = enabled;
	s.not_before = nbf;
	s.expires = exp;
	s.managed = managed;
	return s;
}

static void secrets_judged(void **state)
{
	const int64_t now = 1800000000;
	const struct kvl_secret_item items[] = {
		item("good", true, 0, 0, false),
		item("off", false, 0, 0, false),
		item("old", true, 0, now - 1, false),
		item("future", true, now + 60, 0, false),
		item("cert", true, 0, 0, true),
	};
	struct fixture *f = *state;
	enum kvl_secret_usability u;

	assert_int_equal(kvl_secret_usability(&items[0], now),
			 KVL_SECRET_USABLE);
	assert_int_equal(kvl_secret_usability(&items[1], now),
			 KVL_SECRET_DISABLED);
	assert_int_equal(kvl_secret_usability(&items[2], now),
			 KVL_SECRET_EXPIRED);
	assert_int_equal(kvl_secret_usability(&items[3], now),
			 KVL_SECRET_NOT_YET_VALID);
	assert_int_equal(kvl_secret_usability(&items[4], now),
			 KVL_SECRET_MANAGED);
	assert_null(kvl_secret_usability_reason(KVL_SECRET_USABLE));
	assert_non_null(strstr(kvl_secret_usability_reason(
		KVL_SECRET_DISABLED), "disabled"));

	assert_int_equal(kvl_conn_check_secret(items, 5, "good", false, now,
					       &u, &f->err), KVL_OK);
	assert_int_equal(kvl_conn_check_secret(items, 5, "missing", false,
					       now, &u, &f->err),
			 KVL_ERR_NOT_FOUND);
	kvl_error_clear(&f->err);

	assert_int_equal(kvl_conn_check_secret(items, 5, "off", false, now,
					       &u, &f->err), KVL_ERR_INVALID);
	assert_int_equal(u, KVL_SECRET_DISABLED);
	assert_non_null(strstr(f->err.message, "disabled"));
	kvl_error_clear(&f->err);
	assert_int_equal(kvl_conn_check_secret(items, 5, "off", true, now,
					       &u, &f->err), KVL_OK);
	assert_int_equal(kvl_conn_check_secret(items, 5, "future", true, now,
					       &u, &f->err), KVL_OK);
	assert_int_equal(u, KVL_SECRET_NOT_YET_VALID);

	/* Managed secrets are rejected even with confirmation. */
	assert_int_equal(kvl_conn_check_secret(items, 5, "cert", true, now,
					       &u, &f->err), KVL_ERR_INVALID);
	assert_int_equal(u, KVL_SECRET_MANAGED);
	kvl_error_clear(&f->err);
}

static void secret_names_ignore_case(void **state)
{
	const int64_t now = 1800000000;
	const struct kvl_secret_item items[] = {
		item("Sftp-Password", true, 0, 0, false),
	};
	struct fixture *f = *state;
	const struct kvl_secret_item *found;
	enum kvl_secret_usability u;

	found = kvl_conn_find_secret(items, 1, "sftp-PASSWORD");
	assert_ptr_equal(found, &items[0]);
	assert_null(kvl_conn_find_secret(items, 1, "sftp-password-2"));
	assert_int_equal(kvl_conn_check_secret(items, 1, "SFTP-password",
					       false, now, &u, &f->err),
			 KVL_OK);

	/* A valid name is quoted; anything else may be a pasted value. */
	assert_int_equal(kvl_conn_check_secret(items, 1, "other-name", false,
					       now, &u, &f->err),
			 KVL_ERR_NOT_FOUND);
	assert_non_null(strstr(f->err.message, "'other-name'"));
	kvl_error_clear(&f->err);
	assert_int_equal(kvl_conn_check_secret(items, 1, "SG.pasted/key+x",
					       false, now, &u, &f->err),
			 KVL_ERR_NOT_FOUND);
	assert_null(strstr(f->err.message, "pasted"));
	assert_non_null(strstr(f->err.message, "no secret with that name"));
	kvl_error_clear(&f->err);
}

/* Adds an SFTP connection named name whose password is a vault secret. */
static struct kvl_connection *add_vault_sftp(struct fixture *f,
					     const char *name)
{
	struct kvl_connection c;

	draft(&c, "sftp", name);
	assert_int_equal(kvl_conn_set_use_key_vault(&c, true, &f->err),
			 KVL_OK);
	assert_int_equal(kvl_conn_set_field(&c, "host", "sftp.example.test",
					    &f->err), KVL_OK);
	assert_int_equal(kvl_conn_set_field(&c, "username", "exporter",
					    &f->err), KVL_OK);
	assert_int_equal(kvl_conn_set_field(&c, "folder", "/out", &f->err),
			 KVL_OK);
	assert_int_equal(kvl_conn_set_secret(&c, "password", "sftp-pw",
					     &f->err), KVL_OK);
	assert_int_equal(kvl_conn_add(&f->env, &c, &f->err), KVL_OK);
	return kvl_conn_find(&f->env, name);
}

/* The value of field key of c, or NULL. */
static const char *field(const struct kvl_connection *c, const char *key)
{
	for (size_t i = 0; i < c->n_fields; i++)
		if (strcmp(c->fields[i].key, key) == 0)
			return c->fields[i].value;
	return NULL;
}

/* An edit in the making: *base is the stored form of c, *edited a copy
 * of c to change. */
static void start_edit(struct fixture *f, const struct kvl_connection *c,
		       json_object **base, struct kvl_connection *edited)
{
	*base = kvl_conn_to_json(c);
	assert_non_null(*base);
	memset(edited, 0, sizeof(*edited));
	assert_int_equal(kvl_conn_from_json(*base, edited, &f->err), KVL_OK);
}

static void merge_keeps_both_fields(void **state)
{
	struct fixture *f = *state;
	struct kvl_connection *theirs, edited;
	json_object *base;

	link_vault(&f->env);
	theirs = add_vault_sftp(f, "Drop");
	start_edit(f, theirs, &base, &edited);
	assert_int_equal(kvl_conn_set_field(&edited, "host", "new.example.test",
					    &f->err), KVL_OK);
	assert_int_equal(kvl_conn_set_field(&edited, "folder", "/in",
					    &f->err), KVL_OK);
	assert_int_equal(kvl_conn_set_field(theirs, "port", "2222", &f->err),
			 KVL_OK);

	assert_int_equal(kvl_conn_merge(&f->env, theirs, base, &edited,
					&f->err), KVL_OK);
	theirs = kvl_conn_find(&f->env, "Drop");
	assert_string_equal(field(theirs, "host"), "new.example.test");
	assert_string_equal(field(theirs, "port"), "2222");
	assert_string_equal(field(theirs, "username"), "exporter");
	assert_string_equal(field(theirs, "folder"), "/in");
	assert_int_equal(theirs->n_secrets, 1);

	json_object_put(base);
	kvl_connection_clear(&edited);
}

static void merge_same_field_conflicts(void **state)
{
	struct fixture *f = *state;
	struct kvl_connection *theirs, edited;
	json_object *base;

	link_vault(&f->env);
	theirs = add_vault_sftp(f, "Drop");
	start_edit(f, theirs, &base, &edited);
	assert_int_equal(kvl_conn_set_field(&edited, "host", "a.example.test",
					    &f->err), KVL_OK);
	assert_int_equal(kvl_conn_set_field(theirs, "host", "b.example.test",
					    &f->err), KVL_OK);

	assert_int_equal(kvl_conn_merge(&f->env, theirs, base, &edited,
					&f->err), KVL_ERR_CONFLICT);
	assert_non_null(strstr(f->err.message, "changed 'host'"));
	assert_non_null(strstr(f->err.message, "nothing was saved"));
	assert_string_equal(field(theirs, "host"), "b.example.test");

	/* The same value on both sides is no conflict. */
	kvl_error_clear(&f->err);
	assert_int_equal(kvl_conn_set_field(&edited, "host", "b.example.test",
					    &f->err), KVL_OK);
	assert_int_equal(kvl_conn_merge(&f->env, theirs, base, &edited,
					&f->err), KVL_OK);

	json_object_put(base);
	kvl_connection_clear(&edited);
}

static void merge_rename_checks_names(void **state)
{
	struct fixture *f = *state;
	struct kvl_connection *theirs, edited;
	json_object *base;

	link_vault(&f->env);
	theirs = add_vault_sftp(f, "Drop");
	start_edit(f, theirs, &base, &edited);
	free(edited.display_name);
	edited.display_name = strdup("Mail");
	add_vault_sendgrid(f, "MAIL");
	theirs = kvl_conn_find(&f->env, "Drop");

	assert_int_equal(kvl_conn_merge(&f->env, theirs, base, &edited,
					&f->err), KVL_ERR_CONFLICT);
	assert_non_null(strstr(f->err.message, "named 'Mail'"));
	assert_string_equal(theirs->display_name, "Drop");

	json_object_put(base);
	kvl_connection_clear(&edited);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(add_keeps_names_unique),
		T(add_fills_defaults),
		T(clear_restores_default),
		T(add_rejects_bad_connections),
		T(rename_keeps_names_unique),
		T(delete_removes_one),
		T(vault_mode_is_one_way),
		T(store_never_holds_clear_key),
		T(sealed_key_file_mode),
		T(sealed_tamper_detected),
		T(unknown_members_kept),
		T(bad_connection_json_rejected),
		T(secrets_judged),
		T(secret_names_ignore_case),
		T(host_key_trusted),
		T(merge_keeps_both_fields),
		T(merge_same_field_conflicts),
		T(merge_rename_checks_names),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
