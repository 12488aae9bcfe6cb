/* Small helpers shared by the sandbox's routes: ids, times, forms, JSON. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "sandbox/sandbox.h"

static void random_bytes(unsigned char *out, size_t len)
{
	if (RAND_bytes(out, (int)len) != 1) {
		/* The sandbox cannot hand out predictable ids. */
		fputs("kvlink-sandbox: the OpenSSL random generator failed\n",
		      stderr);
		abort();
	}
}

void sb_sanitize_text(char *text)
{
	for (unsigned char *p = (unsigned char *)text; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			*p = '_';
	}
}

void sb_guid(char out[37])
{
	unsigned char b[16];

	random_bytes(b, sizeof(b));
	b[6] = (b[6] & 0x0f) | 0x40;	/* version 4 */
	b[8] = (b[8] & 0x3f) | 0x80;	/* RFC 4122 variant */
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
}

void sb_hex_id(char out[33])
{
	unsigned char b[16];
	size_t i;

	random_bytes(b, sizeof(b));
	for (i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* Fills out with len - 1 random upper-case letters and digits. */
void sb_random_text(char *out, size_t len)
{
	static const char alphabet[] = "BCDFGHJKLMNPQRSTVWXZ23456789";
	unsigned char b[64];
	size_t i;

	if (len == 0)
		return;
	if (len > sizeof(b))
		len = sizeof(b);
	random_bytes(b, len);
	for (i = 0; i + 1 < len; i++)
		out[i] = alphabet[b[i] % (sizeof(alphabet) - 1)];
	out[len - 1] = '\0';
}

void sb_sha256_hex(const char *text, char out[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char digest[SHA256_DIGEST_LENGTH];
	size_t i;

	SHA256((const unsigned char *)text, strlen(text), digest);
	for (i = 0; i < sizeof(digest); i++) {
		out[2 * i] = digits[digest[i] >> 4];
		out[2 * i + 1] = digits[digest[i] & 0x0f];
	}
	out[2 * sizeof(digest)] = '\0';
}

int64_t sb_now(void)
{
	return (int64_t)time(NULL);
}

/* Formats a Unix time as ARM does: 2024-05-01T10:00:00.0000000Z. */
void sb_iso_time(int64_t when, char *out, size_t len)
{
	time_t t = (time_t)when;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%S.0000000Z", &tm);
}

char *sb_vprintf(const char *fmt, va_list ap)
{
	char *out = NULL;

	if (vasprintf(&out, fmt, ap) < 0)
		abort();
	return out;
}

char *sb_printf(const char *fmt, ...)
{
	va_list ap;
	char *out;

	va_start(ap, fmt);
	out = sb_vprintf(fmt, ap);
	va_end(ap);
	return out;
}

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes one application/x-www-form-urlencoded name or value. */
static char *form_decode(const char *s, size_t len)
{
	char *out = malloc(len + 1);
	size_t i, o = 0;

	if (out == NULL)
		abort();
	for (i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] == '+') {
			out[o++] = ' ';
			continue;
		}
		if (s[i] == '%' && i + 2 < len) {
			hi = hex_value((unsigned char)s[i + 1]);
			lo = hex_value((unsigned char)s[i + 2]);
			if (hi >= 0 && lo >= 0) {
				out[o++] = (char)(hi * 16 + lo);
				i += 2;
				continue;
			}
		}
		out[o++] = s[i];
	}
	out[o] = '\0';
	return out;
}

/* Parses a form body into an object of strings; the last duplicate wins. */
json_object *sb_form_parse(const char *body)
{
	json_object *form = json_object_new_object();
	const char *p = body;

	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, '&');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		char *name, *value;

		if (len > 0) {
			size_t nlen = eq ? (size_t)(eq - p) : len;

			name = form_decode(p, nlen);
			value = eq ? form_decode(eq + 1, len - nlen - 1)
				   : strdup("");
			json_object_object_add(form, name,
					       json_object_new_string(value));
			explicit_bzero(value, strlen(value));
			free(name);
			free(value);
		}
		p = end ? end + 1 : NULL;
	}
	return form;
}

bool sb_ieq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcasecmp(a, b) == 0;
}

/* Case-insensitive match where '*' stands for any run of characters. */
bool sb_glob_match(const char *pattern, const char *text)
{
	const char *star = NULL, *resume = NULL;

	while (*text != '\0') {
		if (*pattern == '*') {
			star = pattern++;
			resume = text;
		} else if (tolower((unsigned char)*pattern) ==
			   tolower((unsigned char)*text)) {
			pattern++;
			text++;
		} else if (star != NULL) {
			pattern = star + 1;
			text = ++resume;
		} else {
			return false;
		}
	}
	while (*pattern == '*')
		pattern++;
	return *pattern == '\0';
}

const char *sb_jstr(json_object *obj, const char *key)
{
	json_object *v;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

bool sb_jbool(json_object *obj, const char *key, bool fallback)
{
	json_object *v;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_boolean))
		return fallback;
	return json_object_get_boolean(v);
}

int64_t sb_jint(json_object *obj, const char *key, int64_t fallback)
{
	json_object *v;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return fallback;
	return json_object_get_int64(v);
}

json_object *sb_jarr(json_object *obj, const char *key)
{
	json_object *v;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_array))
		return NULL;
	return v;
}

json_object *sb_jobj(json_object *obj, const char *key)
{
	json_object *v;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_object))
		return NULL;
	return v;
}

/* The first element of array whose string member key equals value,
 * compared case-insensitively as Azure compares names and ids. */
json_object *sb_find_by(json_object *array, const char *key,
			const char *value)
{
	size_t i, n;

	if (array == NULL || value == NULL)
		return NULL;
	n = json_object_array_length(array);
	for (i = 0; i < n; i++) {
		json_object *item = json_object_array_get_idx(array, i);

		if (sb_ieq(sb_jstr(item, key), value))
			return item;
	}
	return NULL;
}

json_object *sb_strings(const char *const *values)
{
	json_object *array = json_object_new_array();

	while (values != NULL && *values != NULL)
		json_object_array_add(array, json_object_new_string(*values++));
	return array;
}

/* Skip tokens are opaque to clients: base64url of "offset:N". */
char *sb_skiptoken_encode(size_t offset)
{
	char plain[48];

	snprintf(plain, sizeof(plain), "offset:%zu", offset);
	return sb_base64url((const unsigned char *)plain, strlen(plain));
}

bool sb_skiptoken_decode(const char *token, size_t *offset)
{
	unsigned char plain[64];
	char std[64];
	size_t len = strlen(token), i;
	int n;
	char *end;

	if (len == 0 || len > 40)
		return false;
	for (i = 0; i < len; i++) {
		std[i] = token[i];
		if (token[i] == '-')
			std[i] = '+';
		else if (token[i] == '_')
			std[i] = '/';
	}
	while (i % 4 != 0)
		std[i++] = '=';
	n = EVP_DecodeBlock(plain, (const unsigned char *)std, (int)i);
	if (n < 8)
		return false;
	plain[n] = '\0';
	if (strncmp((char *)plain, "offset:", 7) != 0)
		return false;
	errno = 0;
	*offset = strtoul((char *)plain + 7, &end, 10);
	return errno == 0 && end != (char *)plain + 7 && *end == '\0';
}

/* Writes text to path through a temporary file and rename(2). */
int sb_write_file_atomic(const char *path, const char *text, int mode,
			 char *errbuf, size_t errlen)
{
	char *tmp = sb_printf("%s.tmp.%ld", path, (long)getpid());
	size_t len = strlen(text);
	int fd, rc = -1;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		snprintf(errbuf, errlen, "cannot create '%s': %s", tmp,
			 strerror(errno));
		goto out;
	}
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) != 0) {
		snprintf(errbuf, errlen, "cannot write '%s': %s", tmp,
			 strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		snprintf(errbuf, errlen, "cannot rename '%s' to '%s': %s",
			 tmp, path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	return rc;
}
