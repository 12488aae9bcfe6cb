#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <openssl/crypto.h>

#include "core/log.h"
#include "core/secret.h"

/* Smallest block the arena hands out, in bytes; a power of two. */
#define MIN_BLOCK 32

/* Result of CRYPTO_secure_malloc_init: 0 none yet or failed, 1 locked,
 * 2 working but unlocked (mlock, mprotect or madvise failed). */
static int arena_state;

/* Reads VmLck of /proc/self/status in kB, or -1. */
static long locked_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

void kvl_secret_init(void)
{
	if (CRYPTO_secure_malloc_initialized())
		return;
	arena_state = CRYPTO_secure_malloc_init(KVL_SECRET_ARENA_SIZE,
						MIN_BLOCK);
	/* OpenSSL also reports a failed guard page or madvise as 2, so the
	 * lock itself is confirmed from the kernel's count. */
	if (arena_state == 2 &&
	    locked_kb() >= (long)(KVL_SECRET_ARENA_SIZE / 1024))
		arena_state = 1;
}

bool kvl_secret_locked(void)
{
	return arena_state == 1;
}

void kvl_secret_log_status(void)
{
	struct rlimit limit = { 0, 0 };

	if (arena_state == 1) {
		kvl_log("secret memory: %u KiB locked in RAM",
			KVL_SECRET_ARENA_SIZE / 1024);
		return;
	}
	getrlimit(RLIMIT_MEMLOCK, &limit);
	if (arena_state == 2)
		kvl_log("secret memory: could not lock %u KiB in RAM "
			"(RLIMIT_MEMLOCK is %llu bytes), so secrets may be "
			"written to swap; raise the limit with ulimit -l",
			KVL_SECRET_ARENA_SIZE / 1024,
			(unsigned long long)limit.rlim_cur);
	else
		kvl_log("secret memory: no locked arena, so secrets are in "
			"the ordinary heap and may be written to swap");
}

void *kvl_secret_alloc(size_t size)
{
	void *p;

	/* Without an arena OpenSSL 3.0 falls back to the ordinary heap by
	 * itself, but a full arena gives NULL. No file and line keep the
	 * failure off OpenSSL's error queue. */
	p = CRYPTO_secure_zalloc(size, NULL, 0);
	if (p == NULL)
		p = calloc(1, size);
	return p;
}

void kvl_secret_free(void *p, size_t len)
{
	if (p == NULL)
		return;
	if (kvl_secret_in_arena(p)) {
		OPENSSL_secure_clear_free(p, len);
		return;
	}
	OPENSSL_cleanse(p, len);
	free(p);
}

char *kvl_secret_strdup(const char *s)
{
	size_t len;
	char *copy;

	if (s == NULL)
		return NULL;
	len = strlen(s);
	copy = kvl_secret_alloc(len + 1);
	if (copy == NULL)
		return NULL;
	memcpy(copy, s, len + 1);
	return copy;
}

bool kvl_secret_in_arena(const void *p)
{
	return p != NULL && CRYPTO_secure_allocated(p);
}
