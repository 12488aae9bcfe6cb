/*
 * The secret arena (core/secret.h) on OpenSSL's real secure heap: copies
 * land in locked memory, kvl_free_secret() wipes them, a full arena
 * falls back to the ordinary heap, and a process that may not lock
 * memory still works and logs why.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/crypto.h"
#include "core/log.h"
#include "core/secret.h"

/* Bytes at the start of a freed arena block that OpenSSL reuses for its
 * free list (two pointers), so they are not checked for the wipe. */
#define FREE_LIST_BYTES (2 * sizeof(void *))

static long status_kb(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	size_t len = strlen(field);
	long kb = -1;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, field, len) == 0) {
			kb = strtol(line + len, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

/* Whether this process may lock the whole arena. */
static bool may_lock_arena(void)
{
	struct rlimit limit;

	if (geteuid() == 0)
		return true;
	assert_int_equal(getrlimit(RLIMIT_MEMLOCK, &limit), 0);
	return limit.rlim_cur == RLIM_INFINITY ||
	       limit.rlim_cur >= KVL_SECRET_ARENA_SIZE;
}

static void copy_is_locked(void **state)
{
	char *copy;

	(void)state;
	kvl_secret_init();
	copy = kvl_secret_strdup("refresh-token-0.AXkA-locked");
	assert_non_null(copy);
	assert_string_equal(copy, "refresh-token-0.AXkA-locked");
	assert_true(kvl_secret_in_arena(copy));
	if (!may_lock_arena()) {
		kvl_free_secret(copy);
		skip();
	}
	assert_true(kvl_secret_locked());
	assert_true(status_kb("VmLck:") >=
		    (long)(KVL_SECRET_ARENA_SIZE / 1024));
	kvl_free_secret(copy);
}

static void free_wipes_copy(void **state)
{
	char secret[300];
	unsigned char *block;
	char *copy;

	(void)state;
	kvl_secret_init();
	memset(secret, 'S', sizeof(secret) - 1);
	secret[sizeof(secret) - 1] = '\0';
	copy = kvl_secret_strdup(secret);
	assert_non_null(copy);
	assert_true(kvl_secret_in_arena(copy));
	block = (unsigned char *)copy;

	kvl_free_secret(copy);

	/* The arena stays mapped after the free, so its bytes can be read
	 * back: all of the string but the free-list header must be zero. */
	for (size_t i = FREE_LIST_BYTES; i < sizeof(secret); i++) {
		if (block[i] != 0)
			fail_msg("byte %zu of the freed secret is 0x%02x",
				 i, block[i]);
	}
}

/* Binary secrets (a Key Vault value, a decrypted credential) may hold
 * NUL bytes, so kvl_secret_free() wipes by length, not by strlen. */
static void binary_block_wiped(void **state)
{
	enum { LEN = 200 };
	unsigned char *block;

	(void)state;
	kvl_secret_init();
	block = kvl_secret_alloc(LEN);
	assert_non_null(block);
	assert_true(kvl_secret_in_arena(block));
	for (size_t i = 0; i < LEN; i++)
		assert_int_equal(block[i], 0);
	for (size_t i = 0; i < LEN; i++)
		block[i] = i % 7 == 0 ? 0 : 'B';

	kvl_secret_free(block, LEN);

	for (size_t i = FREE_LIST_BYTES; i < LEN; i++) {
		if (block[i] != 0)
			fail_msg("byte %zu of the freed block is 0x%02x", i,
				 block[i]);
	}
	kvl_secret_free(NULL, 0);
}

static void full_arena_falls_back(void **state)
{
	enum { PIECE = 4096, MAX_PIECES = 2 * KVL_SECRET_ARENA_SIZE / PIECE };
	char *pieces[MAX_PIECES];
	char text[PIECE];
	size_t n = 0;
	bool outside = false;

	(void)state;
	kvl_secret_init();
	memset(text, 'T', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	while (n < MAX_PIECES && !outside) {
		pieces[n] = kvl_secret_strdup(text);
		assert_non_null(pieces[n]);
		assert_string_equal(pieces[n], text);
		outside = !kvl_secret_in_arena(pieces[n]);
		n++;
	}
	assert_true(outside);
	for (size_t i = 0; i < n; i++)
		kvl_free_secret(pieces[i]);

	/* Freed blocks are reused. */
	pieces[0] = kvl_secret_strdup(text);
	assert_true(kvl_secret_in_arena(pieces[0]));
	kvl_free_secret(pieces[0]);
}

/* In a child without the right to lock memory, checks that the arena
 * still works, unlocked, and that the log reports it. Returns 0 when all
 * checks pass, else the number of the failed check. */
static int run_unlocked_child(void)
{
	char path[] = "/tmp/kvl-secret-log-XXXXXX";
	char text[1024] = "";
	char *copy;
	FILE *f;
	int fd;

	/* Root may lock memory beyond the limit, so the child becomes an
	 * ordinary user first. */
	if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
		return 1;
	if (setrlimit(RLIMIT_MEMLOCK, &(struct rlimit){ 0, 0 }) != 0)
		return 2;
	kvl_secret_init();
	if (kvl_secret_locked())
		return 3;
	copy = kvl_secret_strdup("client-secret-unlocked");
	if (copy == NULL || strcmp(copy, "client-secret-unlocked") != 0)
		return 4;
	kvl_free_secret(copy);

	fd = mkstemp(path);
	if (fd < 0)
		return 5;
	close(fd);
	if (kvl_log_open(path) != KVL_OK)
		return 6;
	kvl_secret_log_status();
	kvl_log_close();
	f = fopen(path, "r");
	if (f == NULL)
		return 7;
	if (fread(text, 1, sizeof(text) - 1, f) == 0)
		text[0] = '\0';
	fclose(f);
	unlink(path);
	if (strstr(text, "could not lock") == NULL ||
	    strstr(text, "RLIMIT_MEMLOCK is 0 bytes") == NULL)
		return 8;
	return 0;
}

static void unlocked_arena_is_logged(void **state)
{
	int status = 0;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(run_unlocked_child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	/* The unlocked case runs first, in a child that has not set up the
	 * arena yet: it is set up once per process. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unlocked_arena_is_logged),
		cmocka_unit_test(copy_is_locked),
		cmocka_unit_test(free_wipes_copy),
		cmocka_unit_test(binary_block_wiped),
		cmocka_unit_test(full_arena_falls_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
