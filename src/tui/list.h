/*
 * A scrolling list with an in-place filter: `/` starts the filter, typed
 * text narrows the rows (tui_filter_match), Esc clears the filter before
 * it lets the screen go back.
 */
#ifndef KVL_TUI_LIST_H
#define KVL_TUI_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/filter.h"
#include "tui/layout.h"
#include "tui/screen.h"

#define TUI_FILTER_MAX 128
#define TUI_LIST_MAX_COLUMNS 8

struct tui_list_row {
	char *text;		/* sanitised; what the filter matches */
	size_t folded_at;	/* offset of text folded for the filter in
				   the list's folded */
	char **cells;		/* sanitised, one per column; NULL for a
				   plain row */
	bool disabled;		/* drawn dimmed; the screen decides what
				   choosing it does */
};

/* Columns are laid out at every draw for the width at hand: each gets
 * its widest cell, and the widest shrink first when space runs out. */
struct tui_list_columns {
	size_t n;
	char *headings[TUI_LIST_MAX_COLUMNS];	/* sanitised */
	int natural[TUI_LIST_MAX_COLUMNS];	/* widest cell or heading */
	int minimum[TUI_LIST_MAX_COLUMNS];
	size_t n_drawn;		/* the first n_drawn are drawn; 0: all */
};

/*
 * One step of the filter stack: the filter text of applied[0..length)
 * and the rows that its last characters hid from the step below. The
 * rows hidden at every step together are never more than all rows, so
 * Backspace can put the rows of one step back without testing any row.
 */
struct tui_list_level {
	size_t length;		/* bytes of applied this step filters by */
	struct tui_filter_query query;
	size_t *hidden;		/* ascending row indexes */
	size_t n_hidden;
	size_t cap_hidden;
	/* Out of memory for hidden: going back below this step tests
	 * every row again. */
	bool lost;
};

struct tui_list {
	struct tui_list_row *rows;
	size_t n;
	size_t cap;
	/* The folded text of every row, each NUL-terminated, in the order
	 * of rows: one block that a filter scans without following a
	 * pointer per row. */
	char *folded;
	size_t folded_len;
	size_t folded_cap;
	size_t *shown;		/* ascending indexes of the rows the filter
				   keeps; room for cap */
	size_t n_shown;
	size_t cursor;		/* index into shown */
	size_t top;		/* first shown row on screen */
	size_t page;		/* rows on screen at the last draw */
	char filter[TUI_FILTER_MAX];
	/* The filter that shown was computed for. */
	char applied[TUI_FILTER_MAX];
	/* Each level filters by a longer prefix of applied than the one
	 * before it; the last one by all of it. No level: every row is
	 * shown. */
	struct tui_list_level levels[TUI_FILTER_MAX];
	size_t n_levels;
	bool filtering;		/* typed keys go to the filter */
	struct tui_list_columns columns;	/* n == 0: plain rows */
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

/* Sets the column headings and minimum widths, before any row is added.
 * Returns false when out of memory or n is over TUI_LIST_MAX_COLUMNS. */
/* Draws only the first n columns (0: all of them), for a screen too
 * narrow for the rest; the rows keep every cell. */
void tui_list_draw_columns(struct tui_list *list, size_t n);
bool tui_list_set_columns(struct tui_list *list,
			  const char *const *headings, const int *minimum,
			  size_t n);
/* Appends a row of untrusted cells, one per column. */
bool tui_list_add_cells(struct tui_list *list, const char *const *cells,
			bool disabled);

/* Index (as added) of the row under the cursor, or -1 when none. */
long tui_list_selected(const struct tui_list *list);
/* Puts the cursor on row (index as added) when the filter shows it;
 * returns whether it did. */
bool tui_list_select(struct tui_list *list, size_t row);
/*
 * Re-applies the filter, keeping the cursor on the same row if shown.
 * Characters appended since the last call test only the rows shown
 * then. Characters removed from the end put back the rows they hid,
 * without testing any row. Any other change first removes characters
 * back to the longest common prefix, then narrows from there.
 */
void tui_list_refilter(struct tui_list *list);

enum tui_list_event tui_list_key(struct tui_list *list,
				 const struct tui_key *key);

/* Draws into rect: the headings, the rows and a filter line at the
 * bottom. */
void tui_list_draw(struct tui_list *list, const struct tui_rect *rect);

#endif
