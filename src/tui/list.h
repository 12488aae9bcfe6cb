/*
 * A scrolling list with an in-place filter: `/` starts the filter, typed
 * text narrows the rows (tui_filter_match), Esc clears the filter before
 * it lets the screen go back.
 */
#ifndef KVL_TUI_LIST_H
#define KVL_TUI_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/layout.h"
#include "tui/screen.h"

#define TUI_FILTER_MAX 128

struct tui_list_row {
	char *text;		/* sanitised */
	bool disabled;		/* drawn dimmed; the screen decides what
				   choosing it does */
};

struct tui_list {
	struct tui_list_row *rows;
	size_t n;
	size_t cap;
	size_t *shown;		/* indexes of the rows the filter keeps */
	size_t n_shown;
	size_t cursor;		/* index into shown */
	size_t top;		/* first shown row on screen */
	size_t page;		/* rows on screen at the last draw */
	char filter[TUI_FILTER_MAX];
	bool filtering;		/* typed keys go to the filter */
	char *header;		/* column headings, sanitised; may be NULL */
};

enum tui_list_event {
	TUI_LIST_IGNORED,	/* the screen may act on the key */
	TUI_LIST_HANDLED,
	TUI_LIST_CHOSEN,	/* Enter on a row */
};

void tui_list_init(struct tui_list *list);
void tui_list_clear(struct tui_list *list);

/* Appends a row; text is sanitised here. Returns false when out of
 * memory. */
bool tui_list_add(struct tui_list *list, const char *text, bool disabled);
bool tui_list_set_header(struct tui_list *list, const char *header);

/* Index (as added) of the row under the cursor, or -1 when none. */
long tui_list_selected(const struct tui_list *list);
/* Re-applies the filter, keeping the cursor on the same row if shown. */
void tui_list_refilter(struct tui_list *list);

enum tui_list_event tui_list_key(struct tui_list *list,
				 const struct tui_key *key);

/* Draws into rect: the header, the rows and a filter line at the bottom. */
void tui_list_draw(struct tui_list *list, const struct tui_rect *rect);

#endif
