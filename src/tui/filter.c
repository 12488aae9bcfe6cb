#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "tui/filter.h"

/* The maximum size of one folded character in bytes (U+10FFFF). */
#define FOLDED_CHAR_MAX 4

/* Writes code point c as UTF-8; values past Unicode become U+FFFD. */
static size_t put_utf8(char *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xC0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		c = 0xFFFD;
	if (c < 0x10000) {
		out[0] = (char)(0xE0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	out[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/* Decodes one character of s (len bytes left) into *wc; an invalid or
 * cut-off sequence gives U+FFFD for its first byte. Returns the bytes
 * used. */
static size_t next_char(const char *s, size_t len, wchar_t *wc)
{
	mbstate_t st;
	size_t used;

	if ((unsigned char)*s < 0x80) {
		*wc = (wchar_t)(unsigned char)*s;
		return 1;
	}
	memset(&st, 0, sizeof(st));
	used = mbrtowc(wc, s, len, &st);
	if (used == (size_t)-1 || used == (size_t)-2 || used == 0) {
		*wc = 0xFFFD;
		return 1;
	}
	return used;
}

char *tui_filter_fold(const char *text)
{
	size_t len = strlen(text);
	char *out = malloc(len * FOLDED_CHAR_MAX + 1);
	char *shrunk;
	size_t n = 0;

	if (out == NULL)
		return NULL;
	while (len > 0) {
		wchar_t wc;
		size_t used = next_char(text, len, &wc);

		n += put_utf8(out + n, (uint32_t)towlower((wint_t)wc));
		text += used;
		len -= used;
	}
	out[n] = '\0';

	/* Rows keep their folded text for the whole session. */
	shrunk = realloc(out, n + 1);
	return shrunk != NULL ? shrunk : out;
}

/* Copies the space-separated terms of folded into q->terms, each
 * followed by a NUL, and their lengths into q->lengths. */
static void split_terms(struct tui_filter_query *q, const char *folded)
{
	char *out = q->terms;

	while (*folded != '\0') {
		size_t skip = strspn(folded, " ");
		size_t term = strcspn(folded + skip, " ");

		folded += skip;
		if (term == 0)
			break;
		memcpy(out, folded, term);
		out[term] = '\0';
		out += term + 1;
		folded += term;
		q->lengths[q->n_terms++] = term;
	}
}

bool tui_filter_query_set(struct tui_filter_query *q, const char *query)
{
	char *folded;

	tui_filter_query_clear(q);
	if (query == NULL || query[strspn(query, " ")] == '\0')
		return true;
	folded = tui_filter_fold(query);
	if (folded == NULL)
		return false;
	/* Terms are at least one byte and one space apart, so a text of n
	 * bytes has at most n / 2 + 1 of them. */
	q->terms = malloc(strlen(folded) + 1);
	q->lengths = malloc((strlen(folded) / 2 + 1) * sizeof(*q->lengths));
	if (q->terms != NULL && q->lengths != NULL)
		split_terms(q, folded);
	free(folded);
	if (q->terms == NULL || q->lengths == NULL) {
		tui_filter_query_clear(q);
		return false;
	}
	return true;
}

void tui_filter_query_clear(struct tui_filter_query *q)
{
	free(q->terms);
	free(q->lengths);
	q->terms = NULL;
	q->lengths = NULL;
	q->n_terms = 0;
}

/* Whether text of length bytes contains term. Rows are short, so
 * memchr and memcmp cost less per row than strstr's set-up per call. */
static bool contains(const char *text, size_t length, const char *term,
		     size_t term_length)
{
	const char *last;

	if (term_length > length)
		return false;
	last = text + (length - term_length);
	for (const char *p = text; p <= last; p++) {
		p = memchr(p, term[0], (size_t)(last - p) + 1);
		if (p == NULL)
			return false;
		if (memcmp(p + 1, term + 1, term_length - 1) == 0)
			return true;
	}
	return false;
}

bool tui_filter_query_match_length(const struct tui_filter_query *q,
				   const char *folded, size_t length)
{
	const char *term = q->terms;

	for (size_t i = 0; i < q->n_terms; i++) {
		if (!contains(folded, length, term, q->lengths[i]))
			return false;
		term += q->lengths[i] + 1;
	}
	return true;
}

bool tui_filter_query_match(const struct tui_filter_query *q,
			    const char *folded)
{
	return tui_filter_query_match_length(q, folded, strlen(folded));
}

bool tui_filter_match(const char *text, const char *query)
{
	struct tui_filter_query q = { 0 };
	char *folded;
	bool match;

	/* Out of memory: show the row rather than hide it. */
	if (!tui_filter_query_set(&q, query))
		return true;
	if (q.n_terms == 0)
		return true;
	folded = tui_filter_fold(text != NULL ? text : "");
	match = folded == NULL || tui_filter_query_match(&q, folded);
	free(folded);
	tui_filter_query_clear(&q);
	return match;
}
