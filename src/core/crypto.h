/* Small OpenSSL-backed helpers: random ids, base64url, sealed files. */
#ifndef KVL_CRYPTO_H
#define KVL_CRYPTO_H

#include <stddef.h>

#include "core/result.h"

/* Writes a random (version 4) GUID, 36 characters plus NUL, to out. */
kvl_result kvl_uuid4(char out[37]) KVL_NODISCARD;

/*
 * Writes a name-based GUID derived from SHA-256 of the given text, so that
 * retrying the same request uses the same id (role assignment names).
 */
void kvl_uuid_from(const char *text, char out[37]);

/* Decodes base64url (padding optional); returns a NUL-terminated copy. */
kvl_result kvl_base64url_decode(const char *in, char **out, size_t *out_len)
	KVL_NODISCARD;

/* Wipes and frees a string holding a secret; NULL-safe. */
void kvl_free_secret(char *secret);

/*
 * Encrypts plaintext with AES-256-GCM under the key in key_path (32 random
 * bytes, created with mode 0600 when missing) and writes it atomically to
 * path with mode 0600.
 */
kvl_result kvl_seal_file(const char *path, const char *key_path,
			 const char *plaintext, size_t len,
			 struct kvl_error *err) KVL_NODISCARD;

/*
 * Reads and decrypts a file written by kvl_seal_file(). A file that fails
 * authentication gives KVL_ERR_PARSE; a missing one KVL_ERR_NOT_FOUND.
 * The caller frees *plaintext with kvl_free_secret().
 */
kvl_result kvl_open_sealed_file(const char *path, const char *key_path,
				char **plaintext, size_t *len,
				struct kvl_error *err) KVL_NODISCARD;

/*
 * Encrypts plaintext in memory the way kvl_seal_file() does (same key
 * file, same layout) and returns the sealed bytes in *sealed, which the
 * caller frees. aad, when not NULL, is text that is authenticated but not
 * stored: opening needs the same aad, which binds the sealed bytes to a
 * context (a connection id and field, say).
 */
kvl_result kvl_seal_buffer(const char *key_path, const char *aad,
			   const void *plaintext, size_t len,
			   unsigned char **sealed, size_t *sealed_len,
			   struct kvl_error *err) KVL_NODISCARD;

/*
 * Decrypts bytes from kvl_seal_buffer() with the same aad. Bytes that fail
 * authentication give KVL_ERR_PARSE; a missing key file too. The caller
 * frees *plaintext (NUL-terminated) with kvl_free_secret().
 */
kvl_result kvl_open_sealed_buffer(const char *key_path, const char *aad,
				  const unsigned char *sealed,
				  size_t sealed_len, char **plaintext,
				  size_t *len, struct kvl_error *err)
	KVL_NODISCARD;

/* Encodes data as standard base64 with padding; NULL when out of memory. */
char *kvl_base64_encode(const void *data, size_t len);

/* Decodes standard base64 (padding required); KVL_ERR_PARSE when invalid.
 * *out is NUL-terminated and freed by the caller. */
kvl_result kvl_base64_decode(const char *in, unsigned char **out,
			     size_t *out_len) KVL_NODISCARD;

/*
 * Writes data to path atomically: a temporary file in the same directory,
 * fsync, rename, fsync of the directory. The file gets the given mode.
 */
kvl_result kvl_write_file_atomic(const char *path, const void *data,
				 size_t len, int mode, struct kvl_error *err)
	KVL_NODISCARD;

/* Creates the directory path and its missing parents, with mode 0700. */
kvl_result kvl_make_dirs(const char *path, struct kvl_error *err)
	KVL_NODISCARD;

#endif
