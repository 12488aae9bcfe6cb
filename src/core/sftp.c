#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/sanitize.h"
#include "core/sftp.h"
#include "i18n.h"

#define FINGERPRINT_PREFIX "SHA256:"

/*
 * Listing stops after this many bytes of names: the first ones prove the
 * folder is readable, and a huge folder must not use up the time limit.
 */
#define LIST_MAX_BYTES 65536

/* State shared with libcurl's callbacks during one connection. */
struct sftp_run {
	const char *pin;		/* NULL: stop after the key exchange */
	struct kvl_sftp_report *report;
	const struct kvl_sink *sink;
	bool bad_blob;			/* the host key could not be parsed */
	bool list_capped;		/* stopped at LIST_MAX_BYTES */
	size_t listed_bytes;
};

static bool is_b64_char(char c)
{
	return isalnum((unsigned char)c) || c == '+' || c == '/';
}

bool kvl_sftp_fingerprint_valid(const char *text)
{
	static const char last_chars[] = "AEIMQUYcgkosw048";
	size_t prefix = strlen(FINGERPRINT_PREFIX);
	size_t i;

	if (text == NULL || strlen(text) != KVL_SFTP_FINGERPRINT_LEN ||
	    strncmp(text, FINGERPRINT_PREFIX, prefix) != 0)
		return false;
	for (i = prefix; i < KVL_SFTP_FINGERPRINT_LEN; i++)
		if (!is_b64_char(text[i]))
			return false;

	/* 32 bytes are 256 bits: the 43rd character carries 4 of them. */
	return strchr(last_chars, text[KVL_SFTP_FINGERPRINT_LEN - 1]) != NULL;
}

static bool key_type_char(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '@' || c == '.' || c == '_';
}

/* Copies the first SSH string of blob (uint32 length, bytes) to out. */
static bool blob_key_type(const unsigned char *blob, size_t len,
			  char *out, size_t out_size)
{
	uint32_t n;
	size_t i;

	if (len < 4)
		return false;
	n = (uint32_t)blob[0] << 24 | (uint32_t)blob[1] << 16 |
	    (uint32_t)blob[2] << 8 | blob[3];
	if (n == 0 || n >= out_size || n > len - 4)
		return false;
	for (i = 0; i < n; i++) {
		if (!key_type_char(blob[4 + i]))
			return false;
		out[i] = (char)blob[4 + i];
	}
	out[n] = '\0';
	return true;
}

kvl_result kvl_sftp_host_key_from_blob(const unsigned char *blob, size_t len,
				       struct kvl_sftp_host_key *out,
				       struct kvl_error *err)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0;
	char b64[64];
	int b64_len;

	memset(out, 0, sizeof(*out));
	if (!blob_key_type(blob, len, out->type, sizeof(out->type)))
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the server's host key has no valid "
				       "key type"));
	if (EVP_Digest(blob, len, digest, &digest_len, EVP_sha256(),
		       NULL) != 1 || digest_len != 32)
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("SHA-256 of the host key failed"));

	/* OpenSSH prints the fingerprint without base64's '=' padding. */
	b64_len = EVP_EncodeBlock((unsigned char *)b64, digest, 32);
	while (b64_len > 0 && b64[b64_len - 1] == '=')
		b64[--b64_len] = '\0';
	memcpy(out->fingerprint, FINGERPRINT_PREFIX,
	       sizeof(FINGERPRINT_PREFIX) - 1);
	memcpy(out->fingerprint + sizeof(FINGERPRINT_PREFIX) - 1, b64, 44);
	return KVL_OK;
}

/*
 * libcurl's host key callback: runs after the key exchange and before any
 * authentication. Rejecting here ends the connection.
 */
static int on_host_key(void *clientp, int keytype, const char *key,
		       size_t keylen)
{
	struct sftp_run *run = clientp;
	struct kvl_sftp_report *report = run->report;
	struct kvl_error err;
	kvl_result res;

	(void)keytype;
	kvl_error_init(&err);
	res = kvl_sftp_host_key_from_blob((const unsigned char *)key, keylen,
					  &report->host_key, &err);
	kvl_error_clear(&err);
	if (res != KVL_OK) {
		run->bad_blob = true;
		return CURLKHMATCH_MISMATCH;
	}
	if (run->pin == NULL) {
		report->key_state = KVL_SFTP_KEY_UNPINNED;
		return CURLKHMATCH_MISMATCH;
	}
	if (strcmp(run->pin, report->host_key.fingerprint) != 0) {
		report->key_state = KVL_SFTP_KEY_CHANGED;
		return CURLKHMATCH_MISMATCH;
	}
	report->key_state = KVL_SFTP_KEY_MATCHED;
	return CURLKHMATCH_OK;
}

/* Counts the names of the listing (one per line) and keeps none. */
static size_t on_list_data(char *data, size_t size, size_t nmemb, void *userp)
{
	struct sftp_run *run = userp;
	size_t n = size * nmemb;
	size_t i;

	for (i = 0; i < n; i++)
		if (data[i] == '\n')
			run->report->n_entries++;
	run->listed_bytes += n;
	if (run->listed_bytes > LIST_MAX_BYTES) {
		run->list_capped = true;
		return 0;
	}
	return n;
}

static int on_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct sftp_run *run = clientp;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return kvl_sink_cancelled(run->sink) ? 1 : 0;
}

/*
 * Names under .invalid never resolve (RFC 6761), so they
 * fail here without a query leaving the machine.
 */
static bool host_is_invalid_tld(const char *host)
{
	static const char tld[] = "invalid";
	size_t len = strlen(host);
	size_t n = sizeof(tld) - 1;

	if (len > 0 && host[len - 1] == '.')
		len--;
	if (len < n || strncasecmp(host + len - n, tld, n) != 0)
		return false;
	return len == n || host[len - n - 1] == '.';
}

static bool host_char(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == ':';
}

static kvl_result check_target(const struct kvl_sftp_target *t,
			       struct kvl_error *err)
{
	const char *p;

	if (t->host == NULL || t->host[0] == '\0')
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("the SFTP host is missing"));
	for (p = t->host; *p != '\0'; p++)
		if (!host_char((unsigned char)*p))
			return kvl_error_set(err, KVL_ERR_INVALID,
					     _("the SFTP host is not a host "
					       "name or IP address; give it "
					       "without a scheme, user or "
					       "path"));
	if (t->username == NULL || t->username[0] == '\0')
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("the SFTP user name is missing"));
	for (p = t->username; *p != '\0'; p++)
		if (iscntrl((unsigned char)*p))
			return kvl_error_set(err, KVL_ERR_INVALID,
					     _("the SFTP user name contains a "
					       "control character"));
	if (t->folder == NULL || t->folder[0] != '/')
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("the SFTP folder must be an absolute "
				       "path starting with /"));
	if (t->port > 65535)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("the SFTP port %u is not in 1-65535"),
				     t->port);
	return KVL_OK;
}

/* Appends folder to url with each segment percent-encoded, ending in /. */
static bool append_folder(CURL *c, struct kvl_buf *url, const char *folder)
{
	const char *seg = folder;
	bool ok = true;

	while (ok && *seg != '\0') {
		size_t len = strcspn(seg, "/");
		char *escaped;

		if (len > 0) {
			escaped = curl_easy_escape(c, seg, (int)len);
			ok = escaped != NULL &&
			     kvl_buf_addf(url, "/%s", escaped);
			curl_free(escaped);
		}
		seg += len;
		if (*seg == '/')
			seg++;
	}
	return ok && kvl_buf_adds(url, "/");
}

static kvl_result build_url(CURL *c, const struct kvl_sftp_target *t,
			    char **out, struct kvl_error *err)
{
	struct kvl_buf url;
	unsigned port = t->port == 0 ? 22 : t->port;
	bool ok;

	kvl_buf_init(&url);
	if (strchr(t->host, ':') != NULL)
		ok = kvl_buf_addf(&url, "sftp://[%s]:%u", t->host, port);
	else
		ok = kvl_buf_addf(&url, "sftp://%s:%u", t->host, port);
	if (!ok || !append_folder(c, &url, t->folder)) {
		kvl_buf_clear(&url);
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	}
	*out = kvl_buf_detach(&url);
	return KVL_OK;
}

/*
 * Puts the private key in an anonymous memory file (memfd_create), so
 * libssh2 can open it by path without a clear-text copy on any disk.
 * MFD_CLOEXEC keeps it from child processes.
 */
static kvl_result key_file_open(const struct kvl_sftp_credential *cred,
				int *fd, char *path, size_t path_size,
				struct kvl_error *err)
{
	const char *p = cred->private_key;
	size_t left = cred->private_key_len;

	*fd = memfd_create("kvlink-sftp-key", MFD_CLOEXEC);
	if (*fd < 0)
		return kvl_error_set(err, KVL_ERR_IO,
				     _("cannot create an in-memory file for "
				       "the private key: %s; kvlink never "
				       "writes the key to disk, so this test "
				       "needs Linux 3.17 or later"),
				     strerror(errno));
	while (left > 0) {
		ssize_t n = write(*fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return kvl_error_set(err, KVL_ERR_IO,
					     _("cannot write the private key "
					       "to its in-memory file: %s"),
					     strerror(errno));
		p += n;
		left -= (size_t)n;
	}

	/* libssh2's key parsers read line by line. */
	if (cred->private_key_len > 0 &&
	    cred->private_key[cred->private_key_len - 1] != '\n' &&
	    write(*fd, "\n", 1) != 1)
		return kvl_error_set(err, KVL_ERR_IO,
				     _("cannot write the private key to its "
				       "in-memory file: %s"), strerror(errno));
	snprintf(path, path_size, "/proc/self/fd/%d", *fd);
	return KVL_OK;
}

/* Overwrites the in-memory key file with zeros, then frees it. */
static void key_file_close(int fd)
{
	char zeros[4096];
	off_t size, off;

	if (fd < 0)
		return;
	memset(zeros, 0, sizeof(zeros));
	size = lseek(fd, 0, SEEK_END);
	for (off = 0; size > 0 && off < size; off += (off_t)sizeof(zeros))
		if (pwrite(fd, zeros, sizeof(zeros), off) < 0)
			break;
	if (ftruncate(fd, 0) != 0)
		kvl_log("sftp: cannot truncate the key file: %s",
			strerror(errno));
	close(fd);
}

static int pem_passphrase(char *buf, int size, int rwflag, void *u)
{
	const char *passphrase = u;
	size_t len;

	(void)rwflag;
	if (passphrase == NULL)
		return 0;
	len = strlen(passphrase);
	if (len > (size_t)size)
		return 0;
	memcpy(buf, passphrase, len);
	return (int)len;
}

/*
 * A PEM key (RSA, EC, PKCS#8) that OpenSSL cannot read with the given
 * passphrase would make libssh2 fail without contacting the server, and
 * libcurl reports that as a rejected login. Reading it here first names
 * the real cause. OpenSSH-format keys are left to libssh2 because
 * OpenSSL cannot parse them.
 */
static kvl_result check_pem_key(const struct kvl_sftp_credential *cred,
				struct kvl_error *err)
{
	static const char openssh[] = "-----BEGIN OPENSSH PRIVATE KEY-----";
	EVP_PKEY *pkey;
	BIO *bio;

	if (strstr(cred->private_key, "-----BEGIN ") == NULL ||
	    strstr(cred->private_key, openssh) != NULL)
		return KVL_OK;
	bio = BIO_new_mem_buf(cred->private_key,
			      (int)cred->private_key_len);
	if (bio == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	pkey = PEM_read_bio_PrivateKey(bio, NULL, pem_passphrase,
				       (void *)cred->passphrase);
	BIO_free(bio);
	if (pkey == NULL)
		return kvl_error_set(err, KVL_ERR_AUTH,
				     _("the private key cannot be read: the "
				       "passphrase is wrong or missing, or "
				       "the key is damaged; nothing was sent "
				       "to the server"));
	EVP_PKEY_free(pkey);
	return KVL_OK;
}

static kvl_result check_credential(const struct kvl_sftp_credential *cred,
				   struct kvl_error *err)
{
	if (cred->private_key == NULL && cred->password == NULL)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("no password or private key was given "
				       "for the SFTP test"));
	if (cred->private_key == NULL)
		return KVL_OK;
	if (cred->private_key_len == 0 ||
	    strlen(cred->private_key) != cred->private_key_len)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("the private key is empty or contains "
				       "a NUL byte"));
	return check_pem_key(cred, err);
}

/* Options every connection gets: SFTP only, time limits, callbacks. */
static void set_common_options(CURL *c, struct sftp_run *run,
			       char *errbuf)
{
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "sftp");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 KVL_SFTP_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, KVL_SFTP_TOTAL_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_SSH_HOSTKEYFUNCTION, on_host_key);
	curl_easy_setopt(c, CURLOPT_SSH_HOSTKEYDATA, run);
	curl_easy_setopt(c, CURLOPT_DIRLISTONLY, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_list_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, run);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, run);
}

/*
 * Offers exactly one credential. Restricting the method mask means
 * libcurl tries neither the other method nor an agent, keyboard-
 * interactive or keys under ~/.ssh. An empty public key path makes
 * libssh2 derive the public key from the private one.
 */
static void set_credential(CURL *c, const struct kvl_sftp_credential *cred,
			   const char *key_path)
{
	if (key_path != NULL) {
		curl_easy_setopt(c, CURLOPT_SSH_AUTH_TYPES,
				 (long)CURLSSH_AUTH_PUBLICKEY);
		curl_easy_setopt(c, CURLOPT_SSH_PRIVATE_KEYFILE, key_path);
		curl_easy_setopt(c, CURLOPT_SSH_PUBLIC_KEYFILE, "");
		curl_easy_setopt(c, CURLOPT_KEYPASSWD,
				 cred->passphrase != NULL ?
				 cred->passphrase : "");
		return;
	}
	curl_easy_setopt(c, CURLOPT_SSH_AUTH_TYPES,
			 (long)CURLSSH_AUTH_PASSWORD);
	curl_easy_setopt(c, CURLOPT_PASSWORD, cred->password);
}

static bool tcp_connected(CURL *c)
{
	curl_off_t connect_us = 0;

	return curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T,
				 &connect_us) == CURLE_OK && connect_us > 0;
}

/* Fills err for a failure before the host key was seen. */
static kvl_result classify_before_key(CURLcode code, CURL *c,
				      const char *where, const char *detail,
				      enum kvl_probe_step *step,
				      struct kvl_error *err)
{
	switch (code) {
	case CURLE_COULDNT_RESOLVE_HOST:
		*step = KVL_PROBE_DNS;
		return kvl_error_set(err, KVL_ERR_NETWORK,
				     _("cannot resolve the host name of %s; "
				       "check the host name"), where);
	case CURLE_COULDNT_CONNECT:
		*step = KVL_PROBE_CONNECT;
		return kvl_error_set(err, KVL_ERR_NETWORK,
				     _("cannot connect to %s: %s; check the "
				       "host, the port and any firewall"),
				     where, detail);
	case CURLE_OPERATION_TIMEDOUT:
		if (!tcp_connected(c)) {
			*step = KVL_PROBE_CONNECT;
			return kvl_error_set(err, KVL_ERR_NETWORK,
					     _("connecting to %s timed out; "
					       "check the host, the port and "
					       "any firewall"), where);
		}
		break;
	default:
		break;
	}
	*step = KVL_PROBE_TLS;
	return kvl_error_set(err, KVL_ERR_TLS,
			     _("the SSH handshake with %s failed: %s; check "
			       "that the port belongs to an SSH server"), where,
			     detail);
}

/* Fills err for a failure after the host key matched. */
static kvl_result classify_after_key(CURLcode code,
				     const struct kvl_sftp_target *t,
				     const char *where, const char *detail,
				     bool with_key, enum kvl_probe_step *step,
				     struct kvl_error *err)
{
	switch (code) {
	case CURLE_LOGIN_DENIED:
		*step = KVL_PROBE_AUTH;
		return kvl_error_set(err, KVL_ERR_AUTH,
				     _("%s rejected the %s of user %s (one "
				       "attempt was made); check the user "
				       "name and the credential"),
				     where, with_key ? "private key" :
				     "password", t->username);
	case CURLE_REMOTE_ACCESS_DENIED:
		*step = KVL_PROBE_PERMISSION;
		return kvl_error_set(err, KVL_ERR_FORBIDDEN,
				     _("user %s signed in to %s but may not "
				       "read the folder %s; ask the server's "
				       "administrator for access"),
				     t->username, where, t->folder);
	case CURLE_REMOTE_FILE_NOT_FOUND:
		*step = KVL_PROBE_RESPONSE;
		return kvl_error_set(err, KVL_ERR_NOT_FOUND,
				     _("the folder %s does not exist on %s; "
				       "check the folder's path"), t->folder,
				     where);
	case CURLE_OPERATION_TIMEDOUT:
		*step = KVL_PROBE_RESPONSE;
		return kvl_error_set(err, KVL_ERR_NETWORK,
				     _("%s stopped answering (the limit is "
				       "%ld s); try again later"), where,
				     KVL_SFTP_TOTAL_TIMEOUT_MS / 1000);
	default:
		*step = KVL_PROBE_RESPONSE;
		return kvl_error_set(err, KVL_ERR_NETWORK,
				     _("the SFTP session with %s failed: %s"),
				     where, detail);
	}
}

static kvl_result key_result(const struct sftp_run *run, const char *where,
			     struct kvl_error *err)
{
	const struct kvl_sftp_host_key *key = &run->report->host_key;

	run->report->step = KVL_PROBE_TLS;
	if (run->bad_blob)
		return kvl_error_set(err, KVL_ERR_TLS,
				     _("%s sent a host key kvlink cannot "
				       "read; no credential was sent"), where);
	if (run->report->key_state == KVL_SFTP_KEY_UNPINNED)
		return kvl_error_set(err, KVL_ERR_PREREQ,
				     _("the host key of %s is not trusted "
				       "yet: %s %s; compare it with the key "
				       "the server's administrator gives you, "
				       "then trust it"), where, key->type,
				     key->fingerprint);
	return kvl_error_set(err, KVL_ERR_TLS,
			     _("WARNING: the host key of %s has changed: it "
			       "is now %s %s, not the trusted %s; someone may "
			       "be intercepting the connection, so no "
			       "credential was sent; trust the new key only "
			       "after the server's administrator confirms it"),
			     where,
			     key->type, key->fingerprint, run->pin);
}

static kvl_result classify(CURLcode code, CURL *c,
			   const struct kvl_sftp_target *t,
			   const struct sftp_run *run, bool with_key,
			   const char *errbuf, struct kvl_error *err)
{
	struct kvl_sftp_report *report = run->report;
	char where[300];
	char *detail;
	kvl_result res;

	if (strchr(t->host, ':') != NULL)
		snprintf(where, sizeof(where), "[%s]:%u", t->host,
			 t->port == 0 ? 22 : t->port);
	else
		snprintf(where, sizeof(where), "%s:%u", t->host,
			 t->port == 0 ? 22 : t->port);
	if (code == CURLE_OK || (code == CURLE_WRITE_ERROR &&
				 run->list_capped)) {
		report->step = KVL_PROBE_OK;
		return KVL_OK;
	}
	if (code == CURLE_ABORTED_BY_CALLBACK) {
		report->step = report->key_state == KVL_SFTP_KEY_NOT_SEEN ?
			       KVL_PROBE_CONNECT : KVL_PROBE_RESPONSE;
		return kvl_error_set(err, KVL_ERR_CANCELLED, "cancelled");
	}
	if (run->bad_blob || (report->key_state != KVL_SFTP_KEY_NOT_SEEN &&
			      report->key_state != KVL_SFTP_KEY_MATCHED))
		return key_result(run, where, err);

	/* libcurl's own text; the server's part of it is untrusted. */
	detail = kvl_sanitize(errbuf[0] != '\0' ? errbuf :
			      curl_easy_strerror(code));
	if (detail == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	if (report->key_state == KVL_SFTP_KEY_NOT_SEEN)
		res = classify_before_key(code, c, where, detail,
					  &report->step, err);
	else
		res = classify_after_key(code, t, where, detail, with_key,
					 &report->step, err);
	free(detail);
	return res;
}

static kvl_result check_libcurl(struct kvl_error *err)
{
	const curl_version_info_data *info = curl_version_info(CURLVERSION_NOW);
	const char *const *p;

	for (p = info->protocols; p != NULL && *p != NULL; p++)
		if (strcmp(*p, "sftp") == 0)
			return KVL_OK;
	return kvl_error_set(err, KVL_ERR_PREREQ,
			     _("this libcurl (%s) was built without SFTP; "
			       "install a libcurl built with libssh2, such as "
			       "Debian's libcurl4"), info->version);
}

/* Checks the inputs that need no network. */
static kvl_result check_inputs(const struct kvl_sftp_target *t,
			       const struct kvl_sftp_credential *cred,
			       struct kvl_sftp_report *report,
			       struct kvl_error *err)
{
	kvl_result res;

	res = check_target(t, err);
	if (res == KVL_OK && cred != NULL)
		res = check_credential(cred, err);
	if (res == KVL_OK)
		res = check_libcurl(err);
	if (res == KVL_ERR_AUTH)
		report->step = KVL_PROBE_AUTH;
	if (res != KVL_OK || !host_is_invalid_tld(t->host))
		return res;
	report->step = KVL_PROBE_DNS;
	return kvl_error_set(err, KVL_ERR_NETWORK,
			     _("cannot resolve %s: names under .invalid never "
			       "exist; check the host name"), t->host);
}

/*
 * One connection. cred NULL means no authentication at all: the host key
 * callback ends the connection after the key exchange.
 */
static kvl_result run_connection(const struct kvl_sftp_target *t,
				 const char *pin,
				 const struct kvl_sftp_credential *cred,
				 struct kvl_sftp_report *report,
				 const struct kvl_sink *sink,
				 struct kvl_error *err)
{
	struct sftp_run run = { .pin = pin, .report = report, .sink = sink };
	char errbuf[CURL_ERROR_SIZE] = "";
	char key_path[64];
	bool with_key = cred != NULL && cred->private_key != NULL;
	char *url = NULL;
	int key_fd = -1;
	CURL *c;
	kvl_result res;

	c = curl_easy_init();
	if (c == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	res = build_url(c, t, &url, err);
	if (res == KVL_OK && with_key)
		res = key_file_open(cred, &key_fd, key_path,
				    sizeof(key_path), err);
	if (res != KVL_OK)
		goto out;

	set_common_options(c, &run, errbuf);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_USERNAME, t->username);
	if (cred != NULL)
		set_credential(c, cred, with_key ? key_path : NULL);
	else
		curl_easy_setopt(c, CURLOPT_SSH_AUTH_TYPES,
				 (long)CURLSSH_AUTH_NONE);
	res = classify(curl_easy_perform(c), c, t, &run, with_key, errbuf,
		       err);
	kvl_log("sftp: %s:%u user %s: step %s", t->host, t->port,
		t->username, kvl_probe_step_name(report->step));

out:
	/* libcurl keeps its own copies of password and passphrase; see
	 * docs/KNOWN_BUGS.md. */
	curl_easy_cleanup(c);
	key_file_close(key_fd);
	free(url);
	return res;
}

kvl_result kvl_sftp_read_host_key(const struct kvl_sftp_target *target,
				  struct kvl_sftp_report *report,
				  const struct kvl_sink *sink,
				  struct kvl_error *err)
{
	kvl_result res;

	memset(report, 0, sizeof(*report));
	res = check_inputs(target, NULL, report, err);
	if (res != KVL_OK)
		return res;
	res = run_connection(target, NULL, NULL, report, sink, err);
	if (res == KVL_ERR_PREREQ &&
	    report->key_state == KVL_SFTP_KEY_UNPINNED) {
		kvl_error_clear(err);
		report->step = KVL_PROBE_OK;
		return KVL_OK;
	}
	return res;
}

kvl_result kvl_sftp_test(const struct kvl_sftp_target *target,
			 const char *pinned_fingerprint,
			 const struct kvl_sftp_credential *cred,
			 struct kvl_sftp_report *report,
			 const struct kvl_sink *sink,
			 struct kvl_error *err)
{
	kvl_result res;

	memset(report, 0, sizeof(*report));
	if (pinned_fingerprint != NULL &&
	    !kvl_sftp_fingerprint_valid(pinned_fingerprint))
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("the trusted host key is not a SHA256 "
				       "fingerprint as OpenSSH prints it "
				       "(SHA256: and 43 base64 characters)"));
	if (cred == NULL)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("no password or private key was given "
				       "for the SFTP test"));
	res = check_inputs(target, cred, report, err);
	if (res != KVL_OK)
		return res;
	if (pinned_fingerprint == NULL)
		return run_connection(target, NULL, NULL, report, sink, err);
	return run_connection(target, pinned_fingerprint, cred, report,
			      sink, err);
}
