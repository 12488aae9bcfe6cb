#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/buf.h"

void kvl_buf_init(struct kvl_buf *buf)
{
	memset(buf, 0, sizeof(*buf));
}

void kvl_buf_clear(struct kvl_buf *buf)
{
	if (buf->data != NULL && buf->secret)
		OPENSSL_cleanse(buf->data, buf->cap);
	free(buf->data);
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
}

/* Makes room for extra more bytes plus the terminating NUL. */
static bool buf_reserve(struct kvl_buf *buf, size_t extra)
{
	size_t need, cap;
	char *data;

	if (extra > SIZE_MAX - buf->len - 1)
		return false;
	need = buf->len + extra + 1;
	if (need <= buf->cap)
		return true;
	cap = buf->cap ? buf->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	data = malloc(cap);
	if (data == NULL)
		return false;
	if (buf->data != NULL) {
		memcpy(data, buf->data, buf->len + 1);
		if (buf->secret)
			OPENSSL_cleanse(buf->data, buf->cap);
		free(buf->data);
	} else {
		data[0] = '\0';
	}
	buf->data = data;
	buf->cap = cap;
	return true;
}

bool kvl_buf_add(struct kvl_buf *buf, const void *data, size_t len)
{
	if (!buf_reserve(buf, len))
		return false;
	if (len > 0)
		memcpy(buf->data + buf->len, data, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
	return true;
}

bool kvl_buf_adds(struct kvl_buf *buf, const char *s)
{
	return kvl_buf_add(buf, s, strlen(s));
}

bool kvl_buf_addf(struct kvl_buf *buf, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0 || !buf_reserve(buf, (size_t)len))
		return false;
	va_start(ap, fmt);
	vsnprintf(buf->data + buf->len, (size_t)len + 1, fmt, ap);
	va_end(ap);
	buf->len += (size_t)len;
	return true;
}

bool kvl_buf_add_urlencoded(struct kvl_buf *buf, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		char enc[3];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			if (!kvl_buf_add(buf, s, 1))
				return false;
			continue;
		}
		enc[0] = '%';
		enc[1] = hex[c >> 4];
		enc[2] = hex[c & 15];
		if (!kvl_buf_add(buf, enc, 3))
			return false;
	}
	return true;
}

char *kvl_buf_detach(struct kvl_buf *buf)
{
	char *data;

	if (buf->data == NULL && !buf_reserve(buf, 0))
		return NULL;
	data = buf->data;
	kvl_buf_init(buf);
	return data;
}
