/*
 * The in-place list filter: plain matching, no curses, so it can be unit
 * tested without a terminal.
 *
 * Matching is case-insensitive and works on folded text: UTF-8 lower-cased
 * with towlower, invalid bytes replaced by U+FFFD. A list folds each row
 * once when it is added and the query once per keystroke, so a keystroke
 * costs at most one substring search per row and term. Because UTF-8 is
 * self-synchronising, a byte substring of two folded strings is also a
 * character substring.
 */
#ifndef KVL_TUI_FILTER_H
#define KVL_TUI_FILTER_H

#include <stdbool.h>
#include <stddef.h>

/* A query prepared for matching: its folded terms, each NUL-terminated,
 * and their lengths in bytes. */
struct tui_filter_query {
	char *terms;
	size_t *lengths;
	size_t n_terms;
};

/*
 * Whether text matches query. The query is split at spaces into terms;
 * text matches when every term is a case-insensitive substring of it, in
 * any order. An empty or all-space query matches everything. Both strings
 * are UTF-8; case folding follows the current locale (towlower).
 */
bool tui_filter_match(const char *text, const char *query);

/*
 * Returns text folded for matching (see above), or NULL when out of
 * memory. The caller frees it.
 */
char *tui_filter_fold(const char *text);

/*
 * Prepares query (NULL matches everything) for tui_filter_query_match.
 * Returns false when out of memory; q then matches everything.
 */
bool tui_filter_query_set(struct tui_filter_query *q, const char *query);
void tui_filter_query_clear(struct tui_filter_query *q);

/* Whether folded text (from tui_filter_fold) contains every term of q. */
bool tui_filter_query_match(const struct tui_filter_query *q,
			    const char *folded);
/* The same for folded text of length bytes, which need not end in a NUL;
 * a list that stores its rows' lengths saves a strlen per row. */
bool tui_filter_query_match_length(const struct tui_filter_query *q,
				   const char *folded, size_t length);

#endif
