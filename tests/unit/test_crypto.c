/* Random ids, base64url, sealed files, the token cache and JWT claims. */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/auth.h"
#include "core/crypto.h"
#include "core/tokencache.h"

struct paths {
	char dir[64];
	char file[128];
	char key[128];
};

static int make_dir(void **state)
{
	struct paths *p = calloc(1, sizeof(*p));

	strcpy(p->dir, "/tmp/kvl-crypto-XXXXXX");
	if (mkdtemp(p->dir) == NULL)
		return -1;
	snprintf(p->file, sizeof(p->file), "%s/sealed", p->dir);
	snprintf(p->key, sizeof(p->key), "%s/key", p->dir);
	*state = p;
	return 0;
}

static int remove_dir(void **state)
{
	struct paths *p = *state;
	char *cmd = NULL;

	if (asprintf(&cmd, "rm -rf '%s'", p->dir) > 0 && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", p->dir);
	free(cmd);
	free(p);
	return 0;
}

static void uuid_formats(void **state)
{
	char a[37], b[37], c[37];

	(void)state;
	assert_int_equal(kvl_uuid4(a), KVL_OK);
	assert_int_equal(kvl_uuid4(b), KVL_OK);
	assert_int_equal(strlen(a), 36);
	assert_int_equal(a[8], '-');
	assert_int_equal(a[14], '4');
	assert_true(strchr("89ab", a[19]) != NULL);
	assert_string_not_equal(a, b);

	kvl_uuid_from("scope|principal|role", b);
	kvl_uuid_from("scope|principal|role", c);
	assert_string_equal(b, c);
	kvl_uuid_from("scope|principal|other", c);
	assert_string_not_equal(b, c);
	assert_int_equal(strlen(b), 36);
}

static void base64url_cases(void **state)
{
	char *out = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(kvl_base64url_decode("aGk", &out, &len), KVL_OK);
	assert_string_equal(out, "hi");
	assert_int_equal(len, 2);
	free(out);
	assert_int_equal(kvl_base64url_decode("-_8", &out, &len), KVL_OK);
	assert_int_equal(len, 2);
	assert_int_equal((unsigned char)out[0], 0xfb);
	assert_int_equal((unsigned char)out[1], 0xff);
	free(out);
	assert_int_equal(kvl_base64url_decode("aGk=", &out, &len), KVL_OK);
	free(out);
	assert_int_equal(kvl_base64url_decode("a", &out, &len), KVL_ERR_PARSE);
	assert_int_equal(kvl_base64url_decode("a+b/", &out, &len),
			 KVL_ERR_PARSE);
	assert_int_equal(kvl_base64url_decode("a$bc", &out, &len),
			 KVL_ERR_PARSE);
}

static void seal_round_trip(void **state)
{
	struct paths *p = *state;
	struct kvl_error err;
	struct stat st;
	char *plain = NULL;
	size_t len = 0;

	kvl_error_init(&err);
	assert_int_equal(kvl_seal_file(p->file, p->key, "secret text", 11,
				       &err), KVL_OK);
	assert_int_equal(stat(p->key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 32);
	assert_int_equal(stat(p->file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	assert_int_equal(kvl_open_sealed_file(p->file, p->key, &plain, &len,
					      &err), KVL_OK);
	assert_int_equal(len, 11);
	assert_string_equal(plain, "secret text");
	kvl_free_secret(plain);
	kvl_error_clear(&err);
}

static void flip_byte(const char *path, long offset)
{
	FILE *f = fopen(path, "r+b");
	int c;

	assert_non_null(f);
	assert_int_equal(fseek(f, offset, SEEK_SET), 0);
	c = fgetc(f);
	assert_int_equal(fseek(f, offset, SEEK_SET), 0);
	fputc(c ^ 0x01, f);
	fclose(f);
}

static void seal_tampered_fails(void **state)
{
	struct paths *p = *state;
	struct kvl_error err;
	char *plain = NULL;
	size_t len = 0;

	kvl_error_init(&err);
	assert_int_equal(kvl_seal_file(p->file, p->key, "abcdef", 6, &err),
			 KVL_OK);
	flip_byte(p->file, 20);
	assert_int_equal(kvl_open_sealed_file(p->file, p->key, &plain, &len,
					      &err), KVL_ERR_PARSE);
	assert_null(plain);
	kvl_error_clear(&err);

	assert_int_equal(kvl_seal_file(p->file, p->key, "abcdef", 6, &err),
			 KVL_OK);
	flip_byte(p->file, 4);
	assert_int_equal(kvl_open_sealed_file(p->file, p->key, &plain, &len,
					      &err), KVL_ERR_PARSE);
	kvl_error_clear(&err);
}

static void seal_missing_and_loose_key(void **state)
{
	struct paths *p = *state;
	struct kvl_error err;
	char *plain = NULL;
	size_t len = 0;

	kvl_error_init(&err);
	assert_int_equal(kvl_open_sealed_file(p->file, p->key, &plain, &len,
					      &err), KVL_ERR_NOT_FOUND);
	kvl_error_clear(&err);

	assert_int_equal(kvl_seal_file(p->file, p->key, "x", 1, &err), KVL_OK);
	assert_int_equal(chmod(p->key, 0640), 0);
	assert_int_not_equal(kvl_open_sealed_file(p->file, p->key, &plain,
						  &len, &err), KVL_OK);
	assert_non_null(strstr(err.message, "chmod 600"));
	kvl_error_clear(&err);
	assert_int_not_equal(kvl_seal_file(p->file, p->key, "x", 1, &err),
			     KVL_OK);
	kvl_error_clear(&err);
}

static void seal_iv_differs(void **state)
{
	struct paths *p = *state;
	struct kvl_error err;
	char first[64], second[64];
	FILE *f;

	kvl_error_init(&err);
	assert_int_equal(kvl_seal_file(p->file, p->key, "same", 4, &err),
			 KVL_OK);
	f = fopen(p->file, "rb");
	assert_int_equal(fread(first, 1, sizeof(first), f), 37);
	fclose(f);
	assert_int_equal(kvl_seal_file(p->file, p->key, "same", 4, &err),
			 KVL_OK);
	f = fopen(p->file, "rb");
	assert_int_equal(fread(second, 1, sizeof(second), f), 37);
	fclose(f);
	assert_memory_equal(first, "KVLS\x01", 5);
	assert_memory_not_equal(first + 5, second + 5, 12);
	kvl_error_clear(&err);
}

static void atomic_write_mode(void **state)
{
	struct paths *p = *state;
	struct kvl_error err;
	struct stat st;
	char text[16] = "";
	FILE *f;

	kvl_error_init(&err);
	assert_int_equal(kvl_write_file_atomic(p->file, "one", 3, 0644, &err),
			 KVL_OK);
	assert_int_equal(kvl_write_file_atomic(p->file, "two", 3, 0600, &err),
			 KVL_OK);
	assert_int_equal(stat(p->file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	f = fopen(p->file, "r");
	assert_int_equal(fread(text, 1, sizeof(text) - 1, f), 3);
	fclose(f);
	assert_string_equal(text, "two");
	kvl_error_clear(&err);
}

static void token_cache_round_trip(void **state)
{
	struct paths *p = *state;
	struct kvl_token_cache cache = { 0 }, loaded;
	const struct kvl_token *t;
	struct kvl_error err;

	kvl_error_init(&err);
	cache.authority = strdup("https://login.example");
	cache.client_id = strdup("client-1");
	cache.refresh_token = strdup("rt-secret");
	assert_int_equal(kvl_token_cache_put(&cache, "tenant-a", "arm/.default",
					     "at-1", 4102444800LL), KVL_OK);
	assert_int_equal(kvl_token_cache_put(&cache, "tenant-a", "kv/.default",
					     "at-2", 1000), KVL_OK);
	assert_int_equal(kvl_token_cache_put(&cache, "tenant-a", "arm/.default",
					     "at-3", 4102444800LL), KVL_OK);
	assert_int_equal(cache.n_tokens, 2);
	assert_int_equal(kvl_token_cache_save(p->file, p->key, &cache, &err),
			 KVL_OK);

	assert_int_equal(kvl_token_cache_load(p->file, p->key, &loaded, &err),
			 KVL_OK);
	assert_null(err.message);
	assert_string_equal(loaded.authority, "https://login.example");
	assert_string_equal(loaded.client_id, "client-1");
	assert_string_equal(loaded.refresh_token, "rt-secret");
	t = kvl_token_cache_find(&loaded, "TENANT-A", "arm/.default", 2000);
	assert_non_null(t);
	assert_string_equal(t->access_token, "at-3");
	assert_true(t->expires_at == 4102444800LL);
	/* Expired, and within five minutes of expiry. */
	assert_null(kvl_token_cache_find(&loaded, "tenant-a", "kv/.default",
					 2000));
	assert_null(kvl_token_cache_find(&loaded, "tenant-a", "kv/.default",
					 800));
	assert_non_null(kvl_token_cache_find(&loaded, "tenant-a",
					     "kv/.default", 600));

	kvl_token_cache_clear(&loaded);
	kvl_token_cache_clear(&cache);
	kvl_error_clear(&err);
}

static void token_cache_damaged(void **state)
{
	struct paths *p = *state;
	struct kvl_token_cache cache;
	struct kvl_error err;
	char bad[160];
	FILE *f;

	kvl_error_init(&err);
	assert_int_equal(kvl_token_cache_load(p->file, p->key, &cache, &err),
			 KVL_OK);
	assert_null(cache.refresh_token);
	assert_null(err.message);

	f = fopen(p->file, "w");
	fputs("not sealed at all", f);
	fclose(f);
	assert_int_equal(kvl_token_cache_load(p->file, p->key, &cache, &err),
			 KVL_OK);
	assert_null(cache.refresh_token);
	assert_non_null(err.message);
	assert_non_null(strstr(err.message, "damaged"));
	snprintf(bad, sizeof(bad), "%s.bad", p->file);
	assert_int_equal(access(bad, F_OK), 0);
	assert_int_not_equal(access(p->file, F_OK), 0);

	kvl_token_cache_clear(&cache);
	kvl_error_clear(&err);
}

/* Unsigned JWT: {"alg":"none"} and oid, tid, upn, exp (2100-01-01). */
#define JWT_USER "eyJhbGciOiJub25lIn0." \
	"eyJvaWQiOiJhMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDEiLCJ0" \
	"aWQiOiI3MmY5ODhiZi0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMGEwMDEiLCJ1cG4i" \
	"OiJhdmVyeUBjb250b3NvLnRlc3QiLCJleHAiOjQxMDI0NDQ4MDB9.c2ln"

static void jwt_claims(void **state)
{
	struct kvl_identity id;
	struct kvl_error err;
	int64_t exp = 0;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_identity_from_jwt(JWT_USER, &id, &exp, &err),
			 KVL_OK);
	assert_string_equal(id.object_id,
			    "a0000000-0000-4000-8000-000000000001");
	assert_string_equal(id.tenant_id,
			    "72f988bf-0000-4000-8000-00000000a001");
	assert_string_equal(id.name, "avery@contoso.test");
	assert_false(id.is_app);
	assert_true(exp == 4102444800LL);
	kvl_identity_clear(&id);

	assert_int_equal(kvl_identity_from_jwt("not-a-jwt", &id, &exp, &err),
			 KVL_ERR_PARSE);
	kvl_error_clear(&err);
	assert_int_equal(kvl_identity_from_jwt("a.!!!.c", &id, &exp, &err),
			 KVL_ERR_PARSE);
	kvl_error_clear(&err);
	assert_int_equal(kvl_identity_from_jwt("a.bm90IGpzb24.c", &id, &exp,
					       &err), KVL_ERR_PARSE);
	kvl_error_clear(&err);
}

#define SEALERS 8

/* Seals one file with p->key once the parent closes the start pipe. */
static void sealer_child(const struct paths *p, int start_fd, int i)
{
	struct kvl_error err;
	char path[160], byte;

	snprintf(path, sizeof(path), "%s/sealed-%d", p->dir, i);
	kvl_error_init(&err);
	if (read(start_fd, &byte, 1) != 0)
		_exit(3);
	if (kvl_seal_file(path, p->key, "payload", 7, &err) != KVL_OK)
		_exit(1);
	_exit(0);
}

/* Processes that create the key file at the same moment all end up
 * with the one key on disk, so everything they sealed opens. */
static void key_created_once(void **state)
{
	struct paths *p = *state;
	struct kvl_error err;
	pid_t pids[SEALERS];
	int start[2], i, status;

	assert_int_equal(pipe(start), 0);
	for (i = 0; i < SEALERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(start[1]);
			sealer_child(p, start[0], i);
		}
	}
	close(start[0]);
	close(start[1]);
	for (i = 0; i < SEALERS; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}

	kvl_error_init(&err);
	for (i = 0; i < SEALERS; i++) {
		char path[160], *plain = NULL;
		size_t len = 0;

		snprintf(path, sizeof(path), "%s/sealed-%d", p->dir, i);
		assert_int_equal(kvl_open_sealed_file(path, p->key, &plain,
						      &len, &err), KVL_OK);
		assert_int_equal(len, 7);
		assert_memory_equal(plain, "payload", 7);
		free(plain);
	}
	kvl_error_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(uuid_formats),
		cmocka_unit_test(base64url_cases),
		cmocka_unit_test_setup_teardown(seal_round_trip, make_dir,
						remove_dir),
		cmocka_unit_test_setup_teardown(seal_tampered_fails, make_dir,
						remove_dir),
		cmocka_unit_test_setup_teardown(seal_missing_and_loose_key,
						make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(seal_iv_differs, make_dir,
						remove_dir),
		cmocka_unit_test_setup_teardown(key_created_once, make_dir,
						remove_dir),
		cmocka_unit_test_setup_teardown(atomic_write_mode, make_dir,
						remove_dir),
		cmocka_unit_test_setup_teardown(token_cache_round_trip,
						make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(token_cache_damaged, make_dir,
						remove_dir),
		cmocka_unit_test(jwt_claims),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
