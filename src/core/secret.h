/*
 * Memory for secrets: tokens, refresh tokens, device codes, client
 * secrets, certificate passwords, Key Vault secret values and decrypted
 * credentials. It comes from OpenSSL's secure heap
 * (CRYPTO_secure_malloc_init), an arena that is locked in RAM with mlock
 * so that it is never written to swap, left out of core dumps
 * (MADV_DONTDUMP) and wiped when freed. Free it with kvl_free_secret()
 * (core/crypto.h), which also takes ordinary heap strings; plain free()
 * must never see it.
 */
#ifndef KVL_SECRET_H
#define KVL_SECRET_H

#include <stdbool.h>
#include <stddef.h>

/* Size of the arena in bytes. OpenSSL hands out blocks of powers of two,
 * so it has room for 64 tokens of 2 to 4 KB. */
#define KVL_SECRET_ARENA_SIZE (256u * 1024u)

/*
 * Sets up the arena once per process; later calls do nothing. When the
 * pages cannot be locked, for example because RLIMIT_MEMLOCK is below
 * the arena's size, the arena still works, unlocked. Without any arena
 * (no memory) secrets come from the ordinary heap. Either way
 * kvl_secret_log_status() writes the outcome to the debug log.
 */
void kvl_secret_init(void);

/* Whether the arena exists and its pages are locked in RAM. */
bool kvl_secret_locked(void);

/* Writes one line to the debug log on the state of the arena. */
void kvl_secret_log_status(void);

/*
 * Copies s into the arena, or into the ordinary heap when the arena is
 * full or missing. Returns NULL for a NULL s or when out of memory.
 */
char *kvl_secret_strdup(const char *s);

/*
 * Allocates size zeroed bytes in the arena, or in the ordinary heap when
 * the arena is full or missing, for secrets that are not strings (Key
 * Vault secret values, decrypted credentials). Free with
 * kvl_secret_free(). Returns NULL when out of memory.
 */
void *kvl_secret_alloc(size_t size);

/* Wipes the first len bytes of p (the whole block in the arena) and frees
 * it, whichever heap it came from; NULL-safe. */
void kvl_secret_free(void *p, size_t len);

/* Whether p points into the arena. */
bool kvl_secret_in_arena(const void *p);

#endif
