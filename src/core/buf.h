/* A growable, always NUL-terminated byte buffer. */
#ifndef KVL_BUF_H
#define KVL_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct kvl_buf {
	char *data;	/* NUL-terminated; NULL until something is added */
	size_t len;
	size_t cap;
	bool secret;	/* wipe the memory when it is freed or regrown */
};

void kvl_buf_init(struct kvl_buf *buf);
/* Frees the memory, wiping it first when buf->secret is set. */
void kvl_buf_clear(struct kvl_buf *buf);
/* Appends len bytes; returns false when out of memory. */
bool kvl_buf_add(struct kvl_buf *buf, const void *data, size_t len);
bool kvl_buf_adds(struct kvl_buf *buf, const char *s);
bool kvl_buf_addf(struct kvl_buf *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Appends s percent-encoded for a URL query value or form field. */
bool kvl_buf_add_urlencoded(struct kvl_buf *buf, const char *s);
/* Hands the string to the caller (never NULL on success) and resets buf. */
char *kvl_buf_detach(struct kvl_buf *buf);

#endif
