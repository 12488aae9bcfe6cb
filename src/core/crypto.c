#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "core/crypto.h"
#include "core/log.h"
#include "core/secret.h"
#include "i18n.h"

/*
 * Sealed file layout: "KVLS", a format version byte, a 12-byte random IV,
 * the AES-256-GCM ciphertext and the 16-byte tag. The five header bytes
 * are authenticated as additional data.
 */
#define SEAL_MAGIC "KVLS"
#define SEAL_VERSION 1
#define SEAL_HEADER 5
#define SEAL_IV 12
#define SEAL_TAG 16
#define KEY_LEN 32
#define SEALED_MAX (8u << 20)

static void format_guid(const unsigned char b[16], char out[37])
{
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
}

kvl_result kvl_uuid4(char out[37])
{
	unsigned char b[16];

	if (RAND_bytes(b, sizeof(b)) != 1)
		return KVL_ERR_IO;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	format_guid(b, out);
	return KVL_OK;
}

/*
 * Version 8 (RFC 9562 "custom") GUID from the first 16 bytes of SHA-256.
 * NOTE: only kvlink-sandbox has seen these as role assignment names.
 */
void kvl_uuid_from(const char *text, char out[37])
{
	unsigned char digest[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)text, strlen(text), digest);
	digest[6] = (unsigned char)((digest[6] & 0x0f) | 0x80);
	digest[8] = (unsigned char)((digest[8] & 0x3f) | 0x80);
	format_guid(digest, out);
}

kvl_result kvl_base64url_decode(const char *in, char **out, size_t *out_len)
{
	size_t len = strlen(in), padded, pad;
	unsigned char *std = NULL, *dec = NULL;
	kvl_result res = KVL_ERR_PARSE;
	int n;

	while (len > 0 && in[len - 1] == '=')
		len--;
	if (len % 4 == 1)
		goto out;
	pad = (4 - len % 4) % 4;
	padded = len + pad;
	std = malloc(padded + 1);
	dec = malloc(padded / 4 * 3 + 1);
	if (std == NULL || dec == NULL) {
		res = KVL_ERR_NOMEM;
		goto out;
	}

	for (size_t i = 0; i < len; i++) {
		char c = in[i];

		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (c == '+' || c == '/' || c == '=')
			goto out;
		std[i] = (unsigned char)c;
	}
	memset(std + len, '=', pad);

	n = EVP_DecodeBlock(dec, std, (int)padded);
	if (n < 0 || (size_t)n < pad)
		goto out;
	n -= (int)pad;
	dec[n] = '\0';
	*out = (char *)dec;
	if (out_len != NULL)
		*out_len = (size_t)n;
	dec = NULL;
	res = KVL_OK;
out:
	free(std);
	free(dec);
	return res;
}

void kvl_free_secret(char *secret)
{
	if (secret == NULL)
		return;
	kvl_secret_free(secret, strlen(secret));
}

/* Reads up to max bytes of an open file; *data gets a NUL-terminated copy. */
static kvl_result read_fd(int fd, size_t max, char **data, size_t *len)
{
	struct stat st;
	char *buf;
	size_t got = 0;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return KVL_ERR_IO;
	if ((uintmax_t)st.st_size > max)
		return KVL_ERR_PARSE;
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL)
		return KVL_ERR_NOMEM;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*data = buf;
	*len = got;
	return KVL_OK;
}

static kvl_result write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return KVL_ERR_IO;
		p += n;
		len -= (size_t)n;
	}
	return KVL_OK;
}

/* Flushes the directory that contains path, so a rename survives a
 * crash. */
static void sync_parent_dir(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (copy == NULL)
		return;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

/* Creates path.tmp.XXXXXX (mode 0600) in path's directory and opens it
 * for writing; the caller frees *tmp. */
static kvl_result create_temp(const char *path, char **tmp, int *fd,
			      struct kvl_error *err)
{
	kvl_result res;

	if (asprintf(tmp, "%s.tmp.XXXXXX", path) < 0) {
		*tmp = NULL;
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	}
	*fd = mkostemp(*tmp, O_CLOEXEC);
	if (*fd >= 0)
		return KVL_OK;

	res = kvl_error_set(err, KVL_ERR_IO,
			    _("cannot create a file next to '%s': %s"), path,
			    strerror(errno));
	free(*tmp);
	*tmp = NULL;
	return res;
}

/*
 * Writes a new random key to key_path unless a key file is there. The
 * key is written and fsynced under a temporary name and then linked to
 * key_path, which fails when the name exists, so no other process ever
 * reads a key file before all of its bytes are on disk.
 */
static kvl_result create_key(const char *key_path, unsigned char *key,
			     struct kvl_error *err)
{
	char *tmp = NULL;
	kvl_result res;
	int fd;

	if (RAND_bytes(key, KEY_LEN) != 1)
		return kvl_error_set(err, KVL_ERR_IO,
				     _("could not generate a random key"));
	res = create_temp(key_path, &tmp, &fd, err);
	if (res != KVL_OK)
		return res;

	res = write_all(fd, key, KEY_LEN);
	if (res == KVL_OK && fsync(fd) != 0)
		res = KVL_ERR_IO;
	if (close(fd) != 0)
		res = KVL_ERR_IO;
	if (res != KVL_OK)
		kvl_error_set(err, res, _("cannot write key file '%s': %s"),
			      tmp, strerror(errno));
	else if (link(tmp, key_path) != 0)
		res = kvl_error_set(err, KVL_ERR_IO,
				    _("cannot create key file '%s': %s"),
				    key_path, strerror(errno));
	else
		sync_parent_dir(key_path);

	unlink(tmp);
	free(tmp);
	return res;
}

/*
 * Reads the 32-byte key. A key file that group or others can read, that
 * is a symbolic link or that has the wrong size is rejected.
 */
static kvl_result read_key(const char *key_path, unsigned char *key,
			   struct kvl_error *err)
{
	struct stat st;
	kvl_result res = KVL_OK;
	ssize_t n;
	int fd;

	fd = open(key_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return kvl_error_set(err, errno == ENOENT ? KVL_ERR_NOT_FOUND
					  : KVL_ERR_IO,
				     _("cannot open key file '%s': %s"),
				     key_path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		res = kvl_error_set(err, KVL_ERR_IO,
				    _("key file '%s' is not a regular file"),
				    key_path);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		res = kvl_error_set(err, KVL_ERR_IO,
				    _("key file '%s' is readable by other "
				      "users; run 'chmod 600 %s' and try "
				      "again"),
				    key_path, key_path);
		goto out;
	}
	n = read(fd, key, KEY_LEN);
	if (n != KEY_LEN || st.st_size != KEY_LEN)
		/* Untranslated: the token cache recognises this message
		 * by its text (key_unusable() in tokencache.c). */
		res = kvl_error_set(err, KVL_ERR_PARSE,
				    "key file '%s' is damaged: it must hold "
				    "exactly %d bytes; restore it from a "
				    "backup", key_path, KEY_LEN);
out:
	close(fd);
	return res;
}

/*
 * Renames a key file of the wrong size (an empty one, say) to
 * key_path.bad. create_key writes exactly KEY_LEN bytes, so no data can
 * have been sealed with such a file and nothing is lost by replacing it.
 */
static kvl_result set_key_aside(const char *key_path, struct kvl_error *err)
{
	char *bad = NULL;
	kvl_result res = KVL_OK;

	if (asprintf(&bad, "%s.bad", key_path) < 0)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	if (rename(key_path, bad) != 0)
		res = kvl_error_set(err, KVL_ERR_IO,
				    _("key file '%s' has the wrong size and "
				      "cannot be moved aside: %s; delete it"),
				    key_path, strerror(errno));
	else
		kvl_log("key file %s has the wrong size; moved to %s and "
			"making a new key", key_path, bad);
	free(bad);
	return res;
}

static kvl_result load_or_create_key(const char *key_path, unsigned char *key,
				     struct kvl_error *err)
{
	struct kvl_error ignored;
	kvl_result res;

	kvl_error_init(&ignored);
	res = read_key(key_path, key, &ignored);
	if (res == KVL_ERR_PARSE) {
		kvl_error_clear(&ignored);
		res = set_key_aside(key_path, &ignored);
		if (res == KVL_OK)
			res = KVL_ERR_NOT_FOUND;
	}
	if (res == KVL_ERR_NOT_FOUND) {
		res = create_key(key_path, key, err);
		/* Another process may have created it first. */
		if (res != KVL_OK && access(key_path, F_OK) == 0)
			res = read_key(key_path, key, err);
	} else if (res != KVL_OK) {
		kvl_error_move(err, &ignored);
	}
	kvl_error_clear(&ignored);
	return res;
}

static kvl_result gcm_encrypt(const unsigned char *key,
			      const unsigned char *header, const char *aad,
			      const unsigned char *iv, const char *plain,
			      size_t len, unsigned char *out,
			      unsigned char *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	size_t aad_len = aad != NULL ? strlen(aad) : 0;
	kvl_result res = KVL_ERR_IO;
	int n;

	if (ctx == NULL || len > INT32_MAX || aad_len > INT32_MAX)
		goto out;
	if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, iv) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &n, header, SEAL_HEADER) != 1)
		goto out;
	if (aad_len > 0 &&
	    EVP_EncryptUpdate(ctx, NULL, &n, (const unsigned char *)aad,
			      (int)aad_len) != 1)
		goto out;
	if (EVP_EncryptUpdate(ctx, out, &n, (const unsigned char *)plain,
			      (int)len) != 1 ||
	    EVP_EncryptFinal_ex(ctx, out + n, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SEAL_TAG,
				tag) != 1)
		goto out;
	res = KVL_OK;
out:
	EVP_CIPHER_CTX_free(ctx);
	return res;
}

kvl_result kvl_seal_buffer(const char *key_path, const char *aad,
			   const void *plaintext, size_t len,
			   unsigned char **sealed, size_t *sealed_len,
			   struct kvl_error *err)
{
	unsigned char key[KEY_LEN];
	unsigned char *buf = NULL, *iv;
	size_t total = SEAL_HEADER + SEAL_IV + len + SEAL_TAG;
	kvl_result res;

	res = load_or_create_key(key_path, key, err);
	if (res != KVL_OK)
		goto out;
	buf = malloc(total);
	if (buf == NULL) {
		res = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
		goto out;
	}

	memcpy(buf, SEAL_MAGIC, 4);
	buf[4] = SEAL_VERSION;
	iv = buf + SEAL_HEADER;
	if (RAND_bytes(iv, SEAL_IV) != 1) {
		res = kvl_error_set(err, KVL_ERR_IO, _("no random bytes"));
		goto out;
	}
	res = gcm_encrypt(key, buf, aad, iv, plaintext, len, iv + SEAL_IV,
			  iv + SEAL_IV + len);
	if (res != KVL_OK) {
		kvl_error_set(err, res, _("cannot encrypt with the key in "
					  "'%s'"),
			      key_path);
		goto out;
	}

	*sealed = buf;
	*sealed_len = total;
	buf = NULL;
out:
	OPENSSL_cleanse(key, sizeof(key));
	free(buf);
	return res;
}

kvl_result kvl_seal_file(const char *path, const char *key_path,
			 const char *plaintext, size_t len,
			 struct kvl_error *err)
{
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	kvl_result res;

	res = kvl_seal_buffer(key_path, NULL, plaintext, len, &sealed,
			      &sealed_len, err);
	if (res != KVL_OK)
		return res;
	res = kvl_write_file_atomic(path, sealed, sealed_len, 0600, err);
	free(sealed);
	return res;
}

static kvl_result gcm_decrypt(const unsigned char *key, const char *aad,
			      const unsigned char *sealed, size_t sealed_len,
			      char **plaintext, size_t *len)
{
	const unsigned char *iv = sealed + SEAL_HEADER;
	const unsigned char *ct = iv + SEAL_IV;
	size_t ct_len = sealed_len - SEAL_HEADER - SEAL_IV - SEAL_TAG;
	size_t aad_len = aad != NULL ? strlen(aad) : 0;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	unsigned char *plain = kvl_secret_alloc(ct_len + 1);
	kvl_result res = KVL_ERR_PARSE;
	int n, m;

	if (ctx == NULL || plain == NULL || ct_len > INT32_MAX ||
	    aad_len > INT32_MAX)
		goto out;
	if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, iv) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &n, sealed, SEAL_HEADER) != 1)
		goto out;
	if (aad_len > 0 &&
	    EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *)aad,
			      (int)aad_len) != 1)
		goto out;
	if (EVP_DecryptUpdate(ctx, plain, &n, ct, (int)ct_len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SEAL_TAG,
				(void *)(ct + ct_len)) != 1 ||
	    EVP_DecryptFinal_ex(ctx, plain + n, &m) != 1)
		goto out;
	plain[ct_len] = '\0';
	*plaintext = (char *)plain;
	*len = ct_len;
	plain = NULL;
	res = KVL_OK;
out:
	kvl_secret_free(plain, ct_len + 1);
	EVP_CIPHER_CTX_free(ctx);
	return res;
}

kvl_result kvl_open_sealed_buffer(const char *key_path, const char *aad,
				  const unsigned char *sealed,
				  size_t sealed_len, char **plaintext,
				  size_t *len, struct kvl_error *err)
{
	unsigned char key[KEY_LEN];
	kvl_result res;

	if (sealed_len < SEAL_HEADER + SEAL_IV + SEAL_TAG ||
	    memcmp(sealed, SEAL_MAGIC, 4) != 0 ||
	    sealed[4] != SEAL_VERSION)
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the data is not sealed by kvlink"));

	res = read_key(key_path, key, err);
	if (res == KVL_ERR_NOT_FOUND)
		res = kvl_error_set(err, KVL_ERR_PARSE,
				    _("the key file '%s' is missing"),
				    key_path);
	if (res != KVL_OK)
		goto out;
	res = gcm_decrypt(key, aad, sealed, sealed_len, plaintext, len);
	if (res != KVL_OK)
		kvl_error_set(err, res, _("sealed data failed authentication: "
					  "it was changed or sealed with "
					  "another key than '%s'"), key_path);
out:
	OPENSSL_cleanse(key, sizeof(key));
	return res;
}

kvl_result kvl_open_sealed_file(const char *path, const char *key_path,
				char **plaintext, size_t *len,
				struct kvl_error *err)
{
	struct kvl_error inner;
	char *sealed = NULL;
	size_t sealed_len = 0;
	kvl_result res;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		res = errno == ENOENT ? KVL_ERR_NOT_FOUND : KVL_ERR_IO;
		kvl_error_set(err, res, _("cannot open '%s': %s"), path,
			      strerror(errno));
		return res;
	}
	res = read_fd(fd, SEALED_MAX, &sealed, &sealed_len);
	close(fd);
	if (res != KVL_OK)
		return kvl_error_set(err, res, _("cannot read '%s'"), path);

	kvl_error_init(&inner);
	res = kvl_open_sealed_buffer(key_path, NULL,
				     (unsigned char *)sealed, sealed_len,
				     plaintext, len, &inner);
	if (res != KVL_OK)
		kvl_error_set(err, res, _("cannot open '%s': %s"), path,
			      inner.message != NULL ? inner.message : "");
	kvl_error_clear(&inner);
	free(sealed);
	return res;
}

char *kvl_base64_encode(const void *data, size_t len)
{
	char *out;

	if (len > (size_t)INT32_MAX / 4 * 3)
		return NULL;
	out = malloc((len + 2) / 3 * 4 + 1);
	if (out == NULL)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

kvl_result kvl_base64_decode(const char *in, unsigned char **out,
			     size_t *out_len)
{
	size_t len = strlen(in), pad = 0;
	unsigned char *dec;
	int n;

	if (len % 4 != 0 || len > INT32_MAX)
		return KVL_ERR_PARSE;
	if (len > 0 && in[len - 1] == '=')
		pad++;
	if (len > 1 && in[len - 2] == '=')
		pad++;
	dec = malloc(len / 4 * 3 + 1);
	if (dec == NULL)
		return KVL_ERR_NOMEM;

	/* EVP_DecodeBlock keeps the zero bytes that padding stands for. */
	n = EVP_DecodeBlock(dec, (const unsigned char *)in, (int)len);
	if (n < 0 || (size_t)n < pad) {
		free(dec);
		return KVL_ERR_PARSE;
	}
	n -= (int)pad;
	dec[n] = '\0';
	*out = dec;
	*out_len = (size_t)n;
	return KVL_OK;
}

kvl_result kvl_write_file_atomic(const char *path, const void *data,
				 size_t len, int mode, struct kvl_error *err)
{
	char *tmp = NULL;
	kvl_result res = KVL_OK;
	int fd = -1;

	res = create_temp(path, &tmp, &fd, err);
	if (res != KVL_OK)
		return res;

	if (fchmod(fd, (mode_t)mode) != 0 || write_all(fd, data, len) != 0 ||
	    fsync(fd) != 0) {
		res = kvl_error_set(err, KVL_ERR_IO, _("cannot write '%s': %s"),
				    tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		res = kvl_error_set(err, KVL_ERR_IO, _("cannot write '%s': %s"),
				    tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		res = kvl_error_set(err, KVL_ERR_IO,
				    _("cannot rename '%s' to '%s': %s"), tmp,
				    path, strerror(errno));
		goto out;
	}
	sync_parent_dir(path);
out:
	if (fd >= 0)
		close(fd);
	if (res != KVL_OK)
		unlink(tmp);
	free(tmp);
	return res;
}

kvl_result kvl_make_dirs(const char *path, struct kvl_error *err)
{
	char *copy = strdup(path);
	kvl_result rc = KVL_OK;

	if (copy == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));

	for (char *p = copy + 1; rc == KVL_OK; p++) {
		bool end = *p == '\0';

		if (*p != '/' && !end)
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) != 0 && errno != EEXIST)
			rc = kvl_error_set(err, KVL_ERR_IO,
				_("cannot create directory '%s': %s; check "
				  "the permissions of its parent"), copy,
				strerror(errno));
		if (end)
			break;
		*p = '/';
	}
	free(copy);
	return rc;
}
