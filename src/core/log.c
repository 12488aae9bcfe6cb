#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "core/buf.h"
#include "core/log.h"

#define REDACTED "<redacted>"

static FILE *log_file;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

/* JSON and form fields whose values are secrets. Key Vault returns a
 * secret's value as "value"; Graph returns a new client secret as
 * "secretText"; az prints "accessToken". */
static const char *const secret_keys[] = {
	"access_token", "refresh_token", "id_token", "client_secret",
	"device_code", "client_assertion", "password", "value",
	"accessToken", "refreshToken", "clientSecret", "secretText",
	"code_verifier", "assertion", "passphrase", NULL,
};

/* Form fields and query parameters that are secrets only there, because
 * in JSON "code" is an error code worth keeping. */
static const char *const secret_form_keys[] = {
	"code", "token", "sig", NULL,
};

/* Query parameters whose values stay in the log; every other value is
 * redacted. */
static const char *const harmless_query_keys[] = {
	"api-version", "maxresults", "$top", "%24top", "$filter", "%24filter",
	"$select", "%24select", "$expand", "%24expand", "resource", "scope",
	"timeout", NULL,
};

/* Header names whose values are redacted whole, and words that mark a
 * header as secret wherever they appear in its name (x-ms-*-token). */
static const char *const secret_headers[] = {
	"authorization", "proxy-authorization", "cookie", "set-cookie",
	"x-identity-header", "secret", NULL,
};
static const char *const secret_header_words[] = {
	"token", "secret", "password", "assertion", "signature", "api-key",
	"credential", NULL,
};

kvl_result kvl_log_open(const char *path)
{
	int fd;
	FILE *f;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
		  O_CLOEXEC, 0600);
	if (fd < 0)
		return KVL_ERR_IO;
	/* The log must never reach the screen, even as --log-file /dev/tty. */
	if (isatty(fd)) {
		close(fd);
		return KVL_ERR_INVALID;
	}
	f = fdopen(fd, "a");
	if (f == NULL) {
		close(fd);
		return KVL_ERR_IO;
	}
	pthread_mutex_lock(&log_lock);
	if (log_file != NULL)
		fclose(log_file);
	log_file = f;
	pthread_mutex_unlock(&log_lock);
	return KVL_OK;
}

void kvl_log_close(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_file != NULL)
		fclose(log_file);
	log_file = NULL;
	pthread_mutex_unlock(&log_lock);
}

bool kvl_log_enabled(void)
{
	return log_file != NULL;
}

static bool is_token_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	       c == '~' || c == '+' || c == '/' || c == '=' || c == '%';
}

static bool is_word_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/* Length of a JWT-looking run at s (eyJ... with two dots), else 0. */
static size_t jwt_length(const char *s)
{
	size_t n = 0, dots = 0;

	if (strncmp(s, "eyJ", 3) != 0)
		return 0;
	while (is_token_char(s[n]) && s[n] != '/' && s[n] != '%') {
		if (s[n] == '.')
			dots++;
		n++;
	}
	return dots >= 2 && n >= 20 ? n : 0;
}

/* Whether s starts a challenge parameter (authorization="..."), as in
 * WWW-Authenticate: Bearer authorization="...", resource="...", which
 * carries no credential. */
static bool is_challenge_param(const char *s)
{
	size_t n = 0;

	while (is_word_char(s[n]) || s[n] == '-')
		n++;
	return n > 0 && s[n] == '=' && s[n + 1] == '"';
}

/* Length of "Bearer " or "Authorization:" plus its value, else 0. */
static size_t auth_prefix(const char *s, size_t *value_start)
{
	size_t n;

	if (strncasecmp(s, "Bearer ", 7) == 0) {
		n = 7;
		while (s[n] == ' ')
			n++;
		if (is_challenge_param(s + n))
			return 0;
		*value_start = n;
		while (s[n] != '\0' && s[n] != ' ' && s[n] != '"' &&
		       s[n] != '\n' && s[n] != ',')
			n++;
		return n;
	}
	if (strncasecmp(s, "Authorization:", 14) == 0) {
		n = 14;
		while (s[n] == ' ')
			n++;
		*value_start = n;
		while (s[n] != '\0' && s[n] != '\r' && s[n] != '\n')
			n++;
		return n;
	}
	return 0;
}

/* Index in keys of the key starting at s, or -1. */
static int key_at(const char *const keys[], const char *s, size_t *key_len)
{
	for (int i = 0; keys[i] != NULL; i++) {
		size_t len = strlen(keys[i]);

		if (strncasecmp(s, keys[i], len) == 0 &&
		    !is_word_char(s[len])) {
			*key_len = len;
			return i;
		}
	}
	return -1;
}

static int secret_key_at(const char *s, size_t *key_len)
{
	return key_at(secret_keys, s, key_len);
}

static bool form_key_at(const char *s, size_t *key_len)
{
	return key_at(secret_keys, s, key_len) >= 0 ||
	       key_at(secret_form_keys, s, key_len) >= 0;
}

/*
 * At a quoted secret key ("access_token" : "..."), returns how many bytes
 * up to and including the value's opening quote, and sets *value_len.
 */
static size_t json_secret(const char *s, size_t *value_len)
{
	size_t key_len, n, v;

	if (s[0] != '"' || secret_key_at(s + 1, &key_len) < 0 ||
	    s[1 + key_len] != '"')
		return 0;
	n = key_len + 2;
	while (s[n] == ' ' || s[n] == '\t')
		n++;
	if (s[n] != ':')
		return 0;
	n++;
	while (s[n] == ' ' || s[n] == '\t')
		n++;
	if (s[n] != '"')
		return 0;
	n++;
	for (v = 0; s[n + v] != '\0' && s[n + v] != '"'; v++) {
		if (s[n + v] == '\\' && s[n + v + 1] != '\0')
			v++;
	}
	*value_len = v;
	return n;
}

/* At a form field (client_secret=...), same contract as json_secret. */
static size_t form_secret(const char *text, const char *s, size_t *value_len)
{
	size_t key_len, v;

	if (s != text && (is_word_char(s[-1]) || s[-1] == '-'))
		return 0;
	if (!form_key_at(s, &key_len) || s[key_len] != '=')
		return 0;
	for (v = 0; s[key_len + 1 + v] != '\0'; v++) {
		char c = s[key_len + 1 + v];

		if (c == '&' || c == ' ' || c == '\n' || c == '"')
			break;
	}
	*value_len = v;
	return key_len + 1;
}

/* Appends the redacted form of whatever secret starts at p; 0 if none. */
static size_t redact_at(struct kvl_buf *out, const char *text, const char *p)
{
	size_t n, start = 0, value_len = 0;

	n = auth_prefix(p, &start);
	if (n > 0) {
		kvl_buf_add(out, p, start);
		kvl_buf_adds(out, REDACTED);
		return n;
	}
	n = jwt_length(p);
	if (n > 0) {
		kvl_buf_adds(out, REDACTED);
		return n;
	}
	n = json_secret(p, &value_len);
	if (n == 0)
		n = form_secret(text, p, &value_len);
	if (n == 0)
		return 0;
	kvl_buf_add(out, p, n);
	kvl_buf_adds(out, value_len > 0 ? REDACTED : "");
	return n + value_len;
}

char *kvl_log_redact(const char *text)
{
	struct kvl_buf out;
	const char *base = text != NULL ? text : "";
	const char *p = base;

	kvl_buf_init(&out);
	out.secret = true;
	while (*p != '\0') {
		size_t n = redact_at(&out, base, p);

		if (n > 0) {
			p += n;
			continue;
		}
		kvl_buf_add(&out, p, 1);
		p++;
	}
	return kvl_buf_detach(&out);
}

static bool query_key_harmless(const char *name, size_t len)
{
	for (int i = 0; harmless_query_keys[i] != NULL; i++) {
		if (strlen(harmless_query_keys[i]) == len &&
		    strncasecmp(name, harmless_query_keys[i], len) == 0)
			return true;
	}
	return false;
}

char *kvl_log_redact_url(const char *url)
{
	struct kvl_buf out;
	const char *q, *p;
	char *kept, *redacted;

	if (url == NULL)
		url = "";
	q = strpbrk(url, "?#");
	kvl_buf_init(&out);
	out.secret = true;
	kvl_buf_add(&out, url, q != NULL ? (size_t)(q - url) : strlen(url));

	/* Each parameter is "?name=value" or "&name=value". A fragment is
	 * dropped, because it never reaches the server. */
	for (p = q; p != NULL && *p != '\0' && *p != '#';) {
		size_t seg = strcspn(p + 1, "&#") + 1;
		size_t name = strcspn(p + 1, "=&#");

		if (name + 1 >= seg || query_key_harmless(p + 1, name))
			kvl_buf_add(&out, p, seg);
		else
			kvl_buf_addf(&out, "%.*s=" REDACTED, (int)name + 1, p);
		p += seg;
	}

	/* A path may carry a token too, such as a JWT as a segment. */
	kept = kvl_buf_detach(&out);
	if (kept == NULL)
		return NULL;
	redacted = kvl_log_redact(kept);
	OPENSSL_cleanse(kept, strlen(kept));
	free(kept);
	return redacted;
}

static bool header_is_secret(const char *name, size_t len)
{
	for (int i = 0; secret_headers[i] != NULL; i++) {
		if (strlen(secret_headers[i]) == len &&
		    strncasecmp(name, secret_headers[i], len) == 0)
			return true;
	}
	for (int i = 0; secret_header_words[i] != NULL; i++) {
		size_t word = strlen(secret_header_words[i]);

		for (size_t at = 0; at + word <= len; at++) {
			if (strncasecmp(name + at, secret_header_words[i],
					word) == 0)
				return true;
		}
	}
	return false;
}

char *kvl_log_redact_header(const char *line)
{
	const char *colon = line != NULL ? strchr(line, ':') : NULL;
	struct kvl_buf out;

	if (colon == NULL || colon == line)
		return kvl_log_redact(line);
	if (!header_is_secret(line, (size_t)(colon - line)))
		return kvl_log_redact(line);
	kvl_buf_init(&out);
	kvl_buf_add(&out, line, (size_t)(colon - line) + 1);
	kvl_buf_adds(&out, " " REDACTED);
	return kvl_buf_detach(&out);
}

/* Escapes control characters (C0, DEL and UTF-8 encoded C1) as \xNN. */
static void escape_into(struct kvl_buf *out, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;

	for (; *p != '\0'; p++) {
		if (*p == '\n') {
			kvl_buf_adds(out, "\\n");
		} else if (*p == '\r') {
			kvl_buf_adds(out, "\\r");
		} else if (*p == '\t') {
			kvl_buf_adds(out, "\\t");
		} else if (*p < 0x20 || *p == 0x7f) {
			kvl_buf_addf(out, "\\x%02x", *p);
		} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			kvl_buf_addf(out, "\\u%04x", p[1]);
			p++;
		} else {
			kvl_buf_add(out, p, 1);
		}
	}
}

static void format_time(char *out, size_t size)
{
	struct timeval tv;
	struct tm tm;
	char stamp[32];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, size, "%.19s.%03dZ", stamp,
		 (int)(tv.tv_usec / 1000) % 1000);
}

void kvl_log(const char *fmt, ...)
{
	va_list ap;
	char *text = NULL, *redacted = NULL;
	char stamp[64];
	struct kvl_buf line;

	if (log_file == NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (text == NULL)
		return;
	redacted = kvl_log_redact(text);
	kvl_buf_init(&line);
	line.secret = true;
	format_time(stamp, sizeof(stamp));
	kvl_buf_addf(&line, "%s [%ld] ", stamp, (long)getpid());
	if (redacted != NULL)
		escape_into(&line, redacted);
	kvl_buf_adds(&line, "\n");

	pthread_mutex_lock(&log_lock);
	if (log_file != NULL && line.data != NULL) {
		fputs(line.data, log_file);
		fflush(log_file);
	}
	pthread_mutex_unlock(&log_lock);

	kvl_buf_clear(&line);
	free(redacted);
	OPENSSL_cleanse(text, strlen(text));
	free(text);
}
