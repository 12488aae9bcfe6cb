#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "tui/filter.h"

/* Decodes UTF-8 into a lower-cased wide string; invalid bytes become
 * U+FFFD so that they still take part in matching. Caller frees. */
static wchar_t *fold_utf8(const char *s)
{
	size_t len = strlen(s);
	wchar_t *out = calloc(len + 1, sizeof(*out));
	mbstate_t st;
	size_t n = 0;

	if (out == NULL)
		return NULL;
	memset(&st, 0, sizeof(st));
	while (*s != '\0') {
		wchar_t wc;
		size_t used = mbrtowc(&wc, s, strlen(s), &st);

		if (used == (size_t)-1 || used == (size_t)-2 || used == 0) {
			wc = 0xFFFD;
			used = 1;
			memset(&st, 0, sizeof(st));
		}
		out[n++] = (wchar_t)towlower((wint_t)wc);
		s += used;
	}
	return out;
}

static bool terms_match(const wchar_t *text, wchar_t *query)
{
	wchar_t *save = NULL;
	wchar_t *term = wcstok(query, L" ", &save);

	while (term != NULL) {
		if (wcsstr(text, term) == NULL)
			return false;
		term = wcstok(NULL, L" ", &save);
	}
	return true;
}

bool tui_filter_match(const char *text, const char *query)
{
	wchar_t *wtext = NULL;
	wchar_t *wquery = NULL;
	bool match = true;

	if (query == NULL || query[strspn(query, " ")] == '\0')
		return true;

	wtext = fold_utf8(text != NULL ? text : "");
	wquery = fold_utf8(query);
	if (wtext == NULL || wquery == NULL) {
		/* Out of memory: show the row rather than hide it. */
		goto out;
	}
	match = terms_match(wtext, wquery);

out:
	free(wtext);
	free(wquery);
	return match;
}
