/* The environment store against a real temporary directory. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "env/envstore.h"

#define AVERY "a0000000-0000-4000-8000-000000000001"
#define VAULT_ID "/subscriptions/11111111-1111-4111-8111-111111111111/" \
	"resourceGroups/rg-ci-prod/providers/Microsoft.KeyVault/vaults/" \
	"kv-ci-rbac"

struct fixture {
	char dir[64];
	char path[128];
	struct kvl_envstore *store;
	struct kvl_error err;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct kvl_error err;

	if (f == NULL)
		return -1;
	strcpy(f->dir, "/tmp/kvl-envstore-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/environment.json", f->dir);
	kvl_error_init(&err);
	if (kvl_envstore_open(f->dir, &f->store, &err) != KVL_OK)
		return -1;
	kvl_error_init(&f->err);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];

	kvl_envstore_close(f->store);
	kvl_error_clear(&f->err);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/* Returns the whole file; the caller frees it. */
static char *read_text(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *text = calloc(1, 65536);
	size_t n;

	assert_non_null(fp);
	assert_non_null(text);
	n = fread(text, 1, 65535, fp);
	text[n] = '\0';
	fclose(fp);
	return text;
}

static void make_env(struct kvl_environment *env)
{
	struct kvl_error err;

	kvl_error_init(&err);
	assert_int_equal(kvl_env_create(env, "Contoso Insights",
					"West Europe", AVERY, "Avery Admin",
					&err), KVL_OK);
	kvl_error_clear(&err);
}

/* Gives env a linked RBAC vault with one new and one existing grant. */
static void add_link(struct kvl_environment *env)
{
	struct kvl_vault_link *link = &env->vault;

	link->state = KVL_LINK_LINKED;
	link->subscription_id = strdup("11111111-1111-4111-8111-111111111111");
	link->subscription_name = strdup("Contoso Production");
	link->resource_group = strdup("rg-ci-prod");
	link->name = strdup("kv-ci-rbac");
	link->resource_id = strdup(VAULT_ID);
	link->vault_uri = strdup("http://127.0.0.1:1/kv/kv-ci-rbac/");
	link->tenant_id = strdup("72f988bf-0000-4000-8000-00000000a001");
	link->location = strdup("westeurope");
	link->permission_model = strdup("rbac");
	link->service_principal_id =
		strdup("c1000000-0000-4000-8000-0000000000c1");
	link->linked_by = strdup(AVERY);
	link->linked_by_name = strdup("avery@contoso.test");
	link->linked_at = strdup("2026-01-02T03:04:05Z");
	link->consent_by = strdup(AVERY);
	link->consent_at = strdup("2026-01-02T03:04:00Z");
	link->grants = calloc(2, sizeof(*link->grants));
	assert_non_null(link->grants);
	link->n_grants = 2;
	link->grants[0].kind = strdup("roleAssignment");
	link->grants[0].principal_id = strdup(link->service_principal_id);
	link->grants[0].role_definition_id = strdup("/subscriptions/x/"
		"providers/Microsoft.Authorization/roleDefinitions/reader");
	link->grants[0].assignment_id = strdup(VAULT_ID "/providers/"
		"Microsoft.Authorization/roleAssignments/one");
	link->grants[1].kind = strdup("roleAssignment");
	link->grants[1].principal_id = strdup(link->service_principal_id);
	link->grants[1].role_definition_id = strdup("/subscriptions/x/"
		"providers/Microsoft.Authorization/roleDefinitions/secrets");
	link->grants[1].existed = true;
}

static void test_load_missing_is_not_found(void **state)
{
	struct fixture *f = *state;
	struct kvl_environment env = { 0 };

	assert_int_equal(kvl_envstore_load(f->store, &env, &f->err),
			 KVL_ERR_NOT_FOUND);
	assert_null(env.id);
}

static void test_create_normalises_region(void **state)
{
	struct fixture *f = *state;
	struct kvl_environment env = { 0 };
	enum kvl_role role;

	make_env(&env);
	assert_string_equal(env.region, "westeurope");
	assert_int_equal(strlen(env.id), 36);
	assert_true(kvl_env_user_role(&env, AVERY, &role));
	assert_int_equal(role, KVL_ROLE_ADMIN);
	assert_false(kvl_env_user_role(&env, "someone-else", &role));
	kvl_env_clear(&env);

	assert_int_equal(kvl_env_create(&env, "x", "west-europe!", AVERY,
					"Avery", &f->err), KVL_ERR_INVALID);
	assert_int_equal(kvl_env_create(&env, "", "westeurope", AVERY,
					"Avery", &f->err), KVL_ERR_INVALID);
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct kvl_environment env = { 0 }, back = { 0 };
	const struct kvl_vault_link *link = &back.vault;

	make_env(&env);
	add_link(&env);
	assert_int_equal(kvl_envstore_save(f->store, &env, &f->err), KVL_OK);
	assert_int_equal(env.revision, 1);

	assert_int_equal(kvl_envstore_load(f->store, &back, &f->err), KVL_OK);
	assert_string_equal(back.id, env.id);
	assert_string_equal(back.display_name, "Contoso Insights");
	assert_string_equal(back.region, "westeurope");
	assert_int_equal(back.revision, 1);
	assert_int_equal(back.n_users, 1);
	assert_string_equal(back.users[0].object_id, AVERY);
	assert_string_equal(back.users[0].name, "Avery Admin");
	assert_int_equal(back.users[0].role, KVL_ROLE_ADMIN);

	assert_int_equal(link->state, KVL_LINK_LINKED);
	assert_string_equal(link->subscription_name, "Contoso Production");
	assert_string_equal(link->resource_group, "rg-ci-prod");
	assert_string_equal(link->name, "kv-ci-rbac");
	assert_string_equal(link->resource_id, VAULT_ID);
	assert_string_equal(link->permission_model, "rbac");
	assert_string_equal(link->linked_at, "2026-01-02T03:04:05Z");
	assert_string_equal(link->consent_at, "2026-01-02T03:04:00Z");
	assert_int_equal(link->n_grants, 2);
	assert_string_equal(link->grants[0].assignment_id,
			    env.vault.grants[0].assignment_id);
	assert_false(link->grants[0].existed);
	assert_null(link->grants[1].assignment_id);
	assert_true(link->grants[1].existed);

	kvl_env_clear(&env);
	kvl_env_clear(&back);
}

/* An access policy grant keeps the entry's earlier permissions as an
 * object, and reads them back as the same JSON. */
static void test_previous_permissions_kept(void **state)
{
	struct fixture *f = *state;
	struct kvl_environment env = { 0 }, back = { 0 };
	struct kvl_grant *grant;
	char text[4096] = "";
	FILE *file;

	make_env(&env);
	add_link(&env);
	grant = &env.vault.grants[1];
	free(grant->role_definition_id);
	grant->role_definition_id = NULL;
	free(grant->kind);
	grant->kind = strdup("accessPolicy");
	grant->previous_permissions =
		strdup("{\"secrets\":[\"get\"],\"storage\":[\"list\"]}");
	assert_int_equal(kvl_envstore_save(f->store, &env, &f->err), KVL_OK);

	file = fopen(f->path, "r");
	assert_non_null(file);
	assert_true(fread(text, 1, sizeof(text) - 1, file) > 0);
	fclose(file);
	assert_non_null(strstr(text, "\"previousPermissions\":{"));

	assert_int_equal(kvl_envstore_load(f->store, &back, &f->err), KVL_OK);
	assert_null(back.vault.grants[0].previous_permissions);
	assert_string_equal(back.vault.grants[1].previous_permissions,
			    grant->previous_permissions);

	kvl_env_clear(&env);
	kvl_env_clear(&back);
}

static void test_unknown_members_kept(void **state)
{
	static const char doc[] =
		"{\"format\":1,\"id\":\"e1\",\"displayName\":\"E\","
		"\"region\":\"westeurope\",\"revision\":4,"
		"\"users\":[{\"objectId\":\"" AVERY "\",\"name\":\"A\","
		"\"role\":\"Admin\"}],"
		"\"dataSources\":[{\"name\":\"sftp\",\"secret\":\"kv:s1\"}],"
		"\"notifications\":{\"muted\":true}}";
	struct fixture *f = *state;
	struct kvl_environment env = { 0 };
	json_object *saved, *expected;
	char *text;

	write_text(f->path, doc);
	assert_int_equal(kvl_envstore_load(f->store, &env, &f->err), KVL_OK);
	free(env.display_name);
	env.display_name = strdup("Renamed");
	assert_int_equal(kvl_envstore_save(f->store, &env, &f->err), KVL_OK);
	assert_int_equal(env.revision, 5);

	text = read_text(f->path);
	saved = json_tokener_parse(text);
	expected = json_tokener_parse(doc);
	assert_non_null(saved);
	assert_non_null(expected);
	assert_true(json_object_equal(
		json_object_object_get(saved, "dataSources"),
		json_object_object_get(expected, "dataSources")));
	assert_true(json_object_equal(
		json_object_object_get(saved, "notifications"),
		json_object_object_get(expected, "notifications")));
	assert_string_equal(json_object_get_string(
		json_object_object_get(saved, "displayName")), "Renamed");

	json_object_put(saved);
	json_object_put(expected);
	free(text);
	kvl_env_clear(&env);
}

/* A document the store cannot use is reported and left as it is. */
static void check_damaged(struct fixture *f, const char *doc)
{
	struct kvl_environment env = { 0 }, fresh = { 0 };
	char *after;

	write_text(f->path, doc);
	assert_int_equal(kvl_envstore_load(f->store, &env, &f->err),
			 KVL_ERR_STORE);
	assert_non_null(f->err.message);
	assert_non_null(strstr(f->err.message, f->path));
	assert_non_null(strstr(f->err.message, "move it aside"));
	assert_null(env.id);

	make_env(&fresh);
	assert_int_equal(kvl_envstore_save(f->store, &fresh, &f->err),
			 KVL_ERR_STORE);
	after = read_text(f->path);
	assert_string_equal(after, doc);
	free(after);
	kvl_env_clear(&fresh);
}

static void test_damaged_file_untouched(void **state)
{
	struct fixture *f = *state;

	check_damaged(f, "{\"format\":1,\"id\":");
	check_damaged(f, "[1, 2, 3]");
	check_damaged(f, "{\"format\":2,\"id\":\"e\",\"displayName\":\"E\","
		      "\"region\":\"westeurope\",\"revision\":1,"
		      "\"users\":[]}");
	check_damaged(f, "{\"format\":1,\"id\":\"e\",\"displayName\":\"E\","
		      "\"region\":\"westeurope\",\"users\":[]}");
	check_damaged(f, "{\"format\":1,\"id\":\"e\",\"displayName\":\"E\","
		      "\"region\":\"westeurope\",\"revision\":1,"
		      "\"users\":[{\"objectId\":\"x\",\"role\":\"Boss\"}]}");
	check_damaged(f, "{\"format\":1,\"id\":\"e\",\"displayName\":\"E\","
		      "\"region\":\"westeurope\",\"revision\":1,"
		      "\"users\":[],\"keyVault\":{\"state\":\"linked\"}}");
}

static void test_revision_conflict(void **state)
{
	struct fixture *f = *state;
	struct kvl_envstore *other = NULL;
	struct kvl_environment first = { 0 }, second = { 0 };

	make_env(&first);
	assert_int_equal(kvl_envstore_save(f->store, &first, &f->err),
			 KVL_OK);
	kvl_env_clear(&first);

	assert_int_equal(kvl_envstore_open(f->dir, &other, &f->err), KVL_OK);
	assert_int_equal(kvl_envstore_load(f->store, &first, &f->err),
			 KVL_OK);
	assert_int_equal(kvl_envstore_load(other, &second, &f->err), KVL_OK);

	assert_int_equal(kvl_envstore_save(f->store, &first, &f->err),
			 KVL_OK);
	assert_int_equal(first.revision, 2);
	assert_int_equal(kvl_envstore_save(other, &second, &f->err),
			 KVL_ERR_CONFLICT);
	assert_non_null(strstr(f->err.message, "another kvlink saved"));
	assert_non_null(strstr(f->err.message, "was not saved"));
	assert_non_null(strstr(f->err.message, "run the command again"));
	assert_int_equal(second.revision, 1);

	assert_int_equal(kvl_envstore_load(other, &second, &f->err), KVL_OK);
	assert_int_equal(kvl_envstore_save(other, &second, &f->err), KVL_OK);
	assert_int_equal(second.revision, 3);

	kvl_env_clear(&first);
	kvl_env_clear(&second);
	kvl_envstore_close(other);
}

static void test_file_modes(void **state)
{
	struct fixture *f = *state;
	struct kvl_envstore *nested = NULL;
	struct kvl_environment env = { 0 };
	char dir[128], path[192];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/a/b", f->dir);
	assert_int_equal(kvl_envstore_open(dir, &nested, &f->err), KVL_OK);
	assert_string_equal(kvl_envstore_dir(nested), dir);
	/* Opening only reads; the first save makes the directory. */
	assert_int_not_equal(stat(dir, &st), 0);

	make_env(&env);
	assert_int_equal(kvl_envstore_save(nested, &env, &f->err), KVL_OK);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/environment.json", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/environment.lock", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	kvl_env_clear(&env);
	kvl_envstore_close(nested);
}

/* A directory others can write to is rejected, with the fix in the
 * message, and nothing is written there. */
static void test_shared_dir_rejected(void **state)
{
	struct fixture *f = *state;
	struct kvl_envstore *shared = NULL;
	char dir[128];

	snprintf(dir, sizeof(dir), "%s/shared", f->dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(chmod(dir, 0770), 0);

	assert_int_equal(kvl_envstore_open(dir, &shared, &f->err),
			 KVL_ERR_STORE);
	assert_null(shared);
	assert_non_null(strstr(f->err.message, "writable by other users"));
	assert_non_null(strstr(f->err.message, "chmod go-w"));

	assert_int_equal(chmod(dir, 0702), 0);
	assert_int_equal(kvl_envstore_open(dir, &shared, &f->err),
			 KVL_ERR_STORE);
	assert_null(shared);
}

/* A directory owned by someone else is rejected. Giving it away needs
 * root, so the case runs only as root. */
static void test_foreign_dir_rejected(void **state)
{
	struct fixture *f = *state;
	struct kvl_envstore *foreign = NULL;
	char dir[128];

	if (geteuid() != 0)
		skip();
	snprintf(dir, sizeof(dir), "%s/foreign", f->dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(chown(dir, 65534, 65534), 0);

	assert_int_equal(kvl_envstore_open(dir, &foreign, &f->err),
			 KVL_ERR_STORE);
	assert_null(foreign);
	assert_non_null(strstr(f->err.message, "belongs to another user"));
}

/* A symbolic link in place of the lock file is not followed. */
static void test_lock_symlink_rejected(void **state)
{
	struct fixture *f = *state;
	struct kvl_environment env = { 0 };
	char lock[128], target[128];
	struct stat st;

	snprintf(lock, sizeof(lock), "%s/environment.lock", f->dir);
	snprintf(target, sizeof(target), "%s/elsewhere", f->dir);
	assert_int_equal(symlink(target, lock), 0);

	make_env(&env);
	assert_int_equal(kvl_envstore_save(f->store, &env, &f->err),
			 KVL_ERR_STORE);
	assert_non_null(strstr(f->err.message, "lock file"));
	assert_int_equal(stat(target, &st), -1);
	assert_int_equal(access(f->path, F_OK), -1);

	kvl_env_clear(&env);
}

/* A symbolic link in place of environment.json is not followed. */
static void test_document_symlink_rejected(void **state)
{
	struct fixture *f = *state;
	struct kvl_environment env = { 0 };
	char target[128];

	make_env(&env);
	assert_int_equal(kvl_envstore_save(f->store, &env, &f->err), KVL_OK);
	kvl_env_clear(&env);
	snprintf(target, sizeof(target), "%s/real.json", f->dir);
	assert_int_equal(rename(f->path, target), 0);
	assert_int_equal(symlink(target, f->path), 0);

	assert_int_equal(kvl_envstore_load(f->store, &env, &f->err),
			 KVL_ERR_STORE);
	assert_non_null(strstr(f->err.message, "symbolic link"));
	assert_null(env.id);
}

/* A save removes the temporary files a killed save left, and no other
 * file; loading ignores them. */
static void test_leftovers_removed(void **state)
{
	struct fixture *f = *state;
	struct kvl_environment env = { 0 };
	char leftover[160], other[160];

	make_env(&env);
	assert_int_equal(kvl_envstore_save(f->store, &env, &f->err), KVL_OK);
	snprintf(leftover, sizeof(leftover), "%s/environment.json.tmp.Ab12Cd",
		 f->dir);
	snprintf(other, sizeof(other), "%s/token-cache.tmp.Ab12Cd", f->dir);
	write_text(leftover, "{\"format\":1,\"id\":");
	write_text(other, "sealed");

	kvl_env_clear(&env);
	assert_int_equal(kvl_envstore_load(f->store, &env, &f->err), KVL_OK);
	assert_int_equal(access(leftover, F_OK), 0);
	assert_int_equal(kvl_envstore_save(f->store, &env, &f->err), KVL_OK);
	assert_int_equal(access(leftover, F_OK), -1);
	assert_int_equal(access(other, F_OK), 0);
	kvl_env_clear(&env);
}

static kvl_result rename_env(struct kvl_environment *env, void *arg,
			     struct kvl_error *err)
{
	char *name = strdup(arg);

	if (name == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, "out of memory");
	free(env->display_name);
	env->display_name = name;
	return KVL_OK;
}

static kvl_result reject_change(struct kvl_environment *env, void *arg,
				struct kvl_error *err)
{
	free(env->display_name);
	env->display_name = strdup(arg);
	return kvl_error_set(err, KVL_ERR_CONFLICT, "rejected by the test");
}

/* An update applies its change to what another store saved meanwhile,
 * so neither change is lost. */
static void test_update_keeps_other_save(void **state)
{
	struct fixture *f = *state;
	struct kvl_envstore *other = NULL;
	struct kvl_environment mine = { 0 }, theirs = { 0 };

	make_env(&mine);
	assert_int_equal(kvl_envstore_save(f->store, &mine, &f->err), KVL_OK);
	assert_int_equal(kvl_envstore_open(f->dir, &other, &f->err), KVL_OK);
	assert_int_equal(kvl_envstore_load(other, &theirs, &f->err), KVL_OK);
	free(theirs.region);
	theirs.region = strdup("northeurope");
	assert_int_equal(kvl_envstore_save(other, &theirs, &f->err), KVL_OK);

	assert_int_equal(kvl_envstore_update(f->store, &mine, rename_env,
					     "Renamed", &f->err), KVL_OK);
	assert_int_equal(mine.revision, 3);
	assert_string_equal(mine.display_name, "Renamed");
	assert_string_equal(mine.region, "northeurope");

	kvl_env_clear(&theirs);
	assert_int_equal(kvl_envstore_load(other, &theirs, &f->err), KVL_OK);
	assert_int_equal(theirs.revision, 3);
	assert_string_equal(theirs.display_name, "Renamed");
	assert_string_equal(theirs.region, "northeurope");

	kvl_env_clear(&mine);
	kvl_env_clear(&theirs);
	kvl_envstore_close(other);
}

/* A change that fails leaves the file and the caller's copy alone. */
static void test_update_failure_writes_nothing(void **state)
{
	struct fixture *f = *state;
	struct kvl_environment env = { 0 };
	char *before, *after;

	make_env(&env);
	assert_int_equal(kvl_envstore_save(f->store, &env, &f->err), KVL_OK);
	before = read_text(f->path);

	assert_int_equal(kvl_envstore_update(f->store, &env, reject_change,
					     "Changed", &f->err),
			 KVL_ERR_CONFLICT);
	assert_string_equal(f->err.message, "rejected by the test");
	assert_string_equal(env.display_name, "Contoso Insights");
	assert_int_equal(env.revision, 1);
	after = read_text(f->path);
	assert_string_equal(after, before);

	free(before);
	free(after);
	kvl_env_clear(&env);
}

static void test_regions_listed(void **state)
{
	static const char *const needed[] = {
		"westeurope", "northeurope", "eastus", "eastus2",
	};
	size_t i, j, n = 0;

	(void)state;
	while (kvl_env_regions[n] != NULL)
		n += 2;
	assert_true(n >= 20);
	for (i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		bool found = false;

		for (j = 0; j < n; j += 2)
			if (strcmp(kvl_env_regions[j], needed[i]) == 0)
				found = kvl_env_regions[j + 1] != NULL;
		assert_true(found);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_load_missing_is_not_found),
		T(test_create_normalises_region),
		T(test_round_trip),
		T(test_previous_permissions_kept),
		T(test_unknown_members_kept),
		T(test_damaged_file_untouched),
		T(test_revision_conflict),
		T(test_file_modes),
		T(test_shared_dir_rejected),
		T(test_foreign_dir_rejected),
		T(test_lock_symlink_rejected),
		T(test_document_symlink_rejected),
		T(test_leftovers_removed),
		T(test_update_keeps_other_save),
		T(test_update_failure_writes_nothing),
		T(test_regions_listed),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
