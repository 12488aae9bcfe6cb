/*
 * The in-place list filter: plain matching, no curses, so it can be unit
 * tested without a terminal.
 */
#ifndef KVL_TUI_FILTER_H
#define KVL_TUI_FILTER_H

#include <stdbool.h>

/*
 * Whether text matches query. The query is split at spaces into terms;
 * text matches when every term is a case-insensitive substring of it, in
 * any order. An empty or all-space query matches everything. Both strings
 * are UTF-8; case folding follows the current locale (towlower).
 */
bool tui_filter_match(const char *text, const char *query);

#endif
