/* Session set-up: where the store and the token cache go, and loading. */
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

#include "flow/session.h"

#define AVERY "a0000000-0000-4000-8000-000000000001"

struct fixture {
	char dir[64];
	char path[192];
	struct kvl_session session;
	struct kvl_error err;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	strcpy(f->dir, "/tmp/kvl-session-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	kvl_error_init(&f->err);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	kvl_session_close(&f->session);
	kvl_error_clear(&f->err);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void open_session(struct fixture *f, const char *env_dir,
			 const char *log_file, kvl_result expected)
{
	struct kvl_session_options options = {
		.env_dir = env_dir,
		.log_file = log_file,
		.auth_method = KVL_AUTH_DEVICE_CODE,
	};
	kvl_result rc;

	rc = kvl_session_open(&f->session, &options, NULL, &f->err);
	if (rc != expected && f->err.message != NULL)
		fprintf(stderr, "session: %s\n", f->err.message);
	assert_int_equal(rc, expected);
}

static void test_explicit_dir_keeps_cache(void **state)
{
	struct fixture *f = *state;

	open_session(f, f->dir, NULL, KVL_OK);
	assert_true(f->session.az_ready);
	assert_false(f->session.env_loaded);
	assert_string_equal(kvl_envstore_dir(f->session.store), f->dir);

	snprintf(f->path, sizeof(f->path), "%s/token-cache", f->dir);
	assert_string_equal(f->session.cache_path, f->path);
	snprintf(f->path, sizeof(f->path), "%s/token-cache.key", f->dir);
	assert_string_equal(f->session.cache_key_path, f->path);
}

static void test_default_dirs_follow_xdg(void **state)
{
	struct fixture *f = *state;
	char expected[192];
	struct stat st;

	snprintf(f->path, sizeof(f->path), "%s/state", f->dir);
	setenv("HOME", f->dir, 1);
	unsetenv("XDG_DATA_HOME");
	setenv("XDG_STATE_HOME", f->path, 1);

	open_session(f, NULL, NULL, KVL_OK);
	snprintf(expected, sizeof(expected), "%s/.local/share/kvlink",
		 f->dir);
	assert_string_equal(kvl_envstore_dir(f->session.store), expected);
	snprintf(expected, sizeof(expected), "%s/state/kvlink/token-cache",
		 f->dir);
	assert_string_equal(f->session.cache_path, expected);

	/* Opening a session only reads; saving a sign-in makes the
	 * directories. */
	snprintf(expected, sizeof(expected), "%s/state/kvlink", f->dir);
	assert_int_not_equal(stat(expected, &st), 0);
	snprintf(expected, sizeof(expected), "%s/.local/share/kvlink",
		 f->dir);
	assert_int_not_equal(stat(expected, &st), 0);
}

static void test_existing_env_loaded(void **state)
{
	struct fixture *f = *state;
	struct kvl_envstore *store = NULL;
	struct kvl_environment env = { 0 };

	assert_int_equal(kvl_envstore_open(f->dir, &store, &f->err), KVL_OK);
	assert_int_equal(kvl_env_create(&env, "Contoso", "westeurope", AVERY,
					"Avery", &f->err), KVL_OK);
	assert_int_equal(kvl_envstore_save(store, &env, &f->err), KVL_OK);

	open_session(f, f->dir, NULL, KVL_OK);
	assert_true(f->session.env_loaded);
	assert_string_equal(f->session.env.id, env.id);

	/* A change saved elsewhere shows up after a reload. */
	free(env.display_name);
	env.display_name = strdup("Renamed");
	assert_int_equal(kvl_envstore_save(store, &env, &f->err), KVL_OK);
	assert_int_equal(kvl_session_reload(&f->session, &f->err), KVL_OK);
	assert_string_equal(f->session.env.display_name, "Renamed");

	kvl_env_clear(&env);
	kvl_envstore_close(store);
}

static void test_damaged_env_is_error(void **state)
{
	struct fixture *f = *state;
	FILE *fp;

	snprintf(f->path, sizeof(f->path), "%s/environment.json", f->dir);
	fp = fopen(f->path, "w");
	assert_non_null(fp);
	fputs("{\"format\":", fp);
	assert_int_equal(fclose(fp), 0);

	open_session(f, f->dir, NULL, KVL_ERR_STORE);
	assert_non_null(strstr(f->err.message, f->path));
	assert_false(f->session.az_ready);
	assert_null(f->session.store);
}

static void test_log_file_opened(void **state)
{
	struct fixture *f = *state;
	char log[128];
	struct stat st;

	snprintf(log, sizeof(log), "%s/debug.log", f->dir);
	open_session(f, f->dir, log, KVL_OK);
	assert_true(f->session.log_opened);
	assert_int_equal(stat(log, &st), 0);

	snprintf(log, sizeof(log), "%s/missing/dir/debug.log", f->dir);
	kvl_session_close(&f->session);
	open_session(f, f->dir, log, KVL_ERR_IO);
	assert_non_null(strstr(f->err.message, log));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_explicit_dir_keeps_cache),
		T(test_default_dirs_follow_xdg),
		T(test_existing_env_loaded),
		T(test_damaged_env_is_error),
		T(test_log_file_opened),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
