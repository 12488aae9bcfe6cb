#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "core/buf.h"
#include "core/sanitize.h"
#include "i18n.h"

/*
 * Decodes one UTF-8 sequence at s. Returns its length and sets *cp, or
 * returns 0 for an invalid, overlong, surrogate or truncated sequence.
 */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2, c = s[0] & 0x1f, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3, c = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/*
 * Whether a code point is an invisible format character: zero-width
 * space and joiners, word joiner and invisible operators, the byte order
 * mark, interlinear annotation marks and tag characters. They draw
 * nothing, so two names that differ only in them would look the same.
 */
static bool is_invisible(uint32_t cp)
{
	if (cp == 0x180e || (cp >= 0x200b && cp <= 0x200d))
		return true;
	if ((cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff)
		return true;
	if (cp >= 0xfff9 && cp <= 0xfffb)
		return true;
	return cp >= 0xe0000 && cp <= 0xe007f;
}

/*
 * Whether a code point must not reach a terminal. These are the C0 and C1
 * controls, DEL, the bidi and line-separator controls, which can reorder
 * or split the displayed text, and the invisible format characters.
 */
static bool is_unsafe(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
		return true;
	if (cp == 0x061c || cp == 0x200e || cp == 0x200f)
		return true;
	if (cp >= 0x2028 && cp <= 0x202e)
		return true;
	return is_invisible(cp);
}

char *kvl_sanitize(const char *text)
{
	struct kvl_buf out;
	const unsigned char *p = (const unsigned char *)(text ? text : "");

	kvl_buf_init(&out);
	while (*p != '\0') {
		uint32_t cp;
		size_t len = utf8_decode(p, &cp);

		if (len == 0 || is_unsafe(cp)) {
			kvl_buf_add(&out, "_", 1);
			p += len == 0 ? 1 : len;
			continue;
		}
		kvl_buf_add(&out, p, len);
		p += len;
	}
	return kvl_buf_detach(&out);
}

char *kvl_sanitize_line(const char *text)
{
	const char *p = text ? text : "";
	char *joined = malloc(strlen(p) + 1), *out;
	size_t n = 0;

	if (joined == NULL)
		return NULL;
	while (*p != '\0') {
		if (strchr("\r\n\t", *p) == NULL) {
			joined[n++] = *p++;
			continue;
		}
		p += strspn(p, "\r\n\t");
		if (n > 0 && joined[n - 1] != ' ' && *p != ' ' && *p != '\0')
			joined[n++] = ' ';
	}
	joined[n] = '\0';
	out = kvl_sanitize(joined);
	free(joined);
	return out;
}

const char *kvl_name_problem(const char *name, size_t max_chars)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t chars = 0;

	while (*p != '\0') {
		uint32_t cp;
		size_t len = utf8_decode(p, &cp);

		if (len == 0)
			return N_("it is not valid UTF-8");
		if (is_unsafe(cp))
			return N_("it contains control characters");
		p += len;
		chars++;
	}
	if (chars > max_chars)
		return N_("it is too long");
	return NULL;
}

/* Appends code point cp as a JSON \uXXXX escape, as a surrogate pair
 * above U+FFFF. */
static void add_json_escape(struct kvl_buf *out, uint32_t cp)
{
	char esc[16];
	int n;

	if (cp > 0xffff) {
		cp -= 0x10000;
		n = snprintf(esc, sizeof(esc), "\\u%04x\\u%04x",
			     0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
	} else {
		n = snprintf(esc, sizeof(esc), "\\u%04x", cp);
	}
	kvl_buf_add(out, esc, (size_t)n);
}

/*
 * Copies text with each invalid UTF-8 byte replaced by U+FFFD. With
 * escape_unsafe, also writes every unsafe code point from DEL up as a
 * JSON escape. Raw C0 controls are left alone, because in JSON text
 * they only occur as its own line breaks and indentation.
 */
static char *repair_utf8(const char *text, bool escape_unsafe)
{
	static const char replacement[] = "\xef\xbf\xbd";	/* U+FFFD */
	struct kvl_buf out;
	const unsigned char *p = (const unsigned char *)(text ? text : "");

	kvl_buf_init(&out);
	while (*p != '\0') {
		uint32_t cp;
		size_t len = 0;

		/* Bytes below DEL are copied as they are, a run at a time. */
		while (p[len] != '\0' && p[len] < 0x7f)
			len++;
		if (len > 0) {
			kvl_buf_add(&out, p, len);
			p += len;
			continue;
		}
		len = utf8_decode(p, &cp);
		if (len == 0) {
			kvl_buf_add(&out, replacement, 3);
			p++;
			continue;
		}
		if (escape_unsafe && cp >= 0x7f && is_unsafe(cp))
			add_json_escape(&out, cp);
		else
			kvl_buf_add(&out, p, len);
		p += len;
	}
	return kvl_buf_detach(&out);
}

char *kvl_utf8_repair(const char *text)
{
	return repair_utf8(text, false);
}

char *kvl_json_safe(const char *json)
{
	return repair_utf8(json, true);
}

/*
 * Width of the character at s and its length in bytes. In a UTF-8 locale
 * wcwidth() decides; in the C locale (or for characters the locale cannot
 * classify) every character counts as one column.
 */
static int char_width(const char *s, size_t *len)
{
	mbstate_t state;
	wchar_t wc;
	uint32_t cp;
	size_t n;
	int w;

	memset(&state, 0, sizeof(state));
	if (MB_CUR_MAX > 1) {
		n = mbrtowc(&wc, s, MB_CUR_MAX, &state);
		if (n != (size_t)-1 && n != (size_t)-2 && n > 0) {
			*len = n;
			w = wcwidth(wc);
			return w < 0 ? 1 : w;
		}
	}
	n = utf8_decode((const unsigned char *)s, &cp);
	*len = n > 0 ? n : 1;
	return 1;
}

size_t kvl_display_width(const char *text)
{
	size_t width = 0, len;

	if (text == NULL)
		return 0;
	while (*text != '\0') {
		width += (size_t)char_width(text, &len);
		text += len;
	}
	return width;
}

char *kvl_truncate_cols(const char *text, size_t max_cols)
{
	struct kvl_buf out;
	size_t width = 0, len;
	const char *p = text ? text : "";

	kvl_buf_init(&out);
	if (kvl_display_width(p) <= max_cols)
		return strdup(p);
	if (max_cols == 0)
		return kvl_buf_detach(&out);

	/* Leave one column for the "~" that marks the cut. */
	while (*p != '\0') {
		int w = char_width(p, &len);

		if (width + (size_t)w > max_cols - 1)
			break;
		kvl_buf_add(&out, p, len);
		width += (size_t)w;
		p += len;
	}
	kvl_buf_add(&out, "~", 1);
	return kvl_buf_detach(&out);
}
