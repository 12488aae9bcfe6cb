#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <curses.h>

#include "core/buf.h"
#include "core/sanitize.h"
#include "i18n.h"
#include "tui/draw.h"
#include "tui/filter.h"
#include "tui/list.h"

#define CTRL_U 0x15
/* Spaces between columns. */
#define COLUMN_GAP 2

void tui_list_init(struct tui_list *list)
{
	memset(list, 0, sizeof(*list));
}

static void free_cells(char **cells, size_t n)
{
	if (cells == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(cells[i]);
	free(cells);
}

static void free_level(struct tui_list_level *level)
{
	tui_filter_query_clear(&level->query);
	free(level->hidden);
	memset(level, 0, sizeof(*level));
}

void tui_list_clear(struct tui_list *list)
{
	for (size_t i = 0; i < list->n; i++) {
		free(list->rows[i].text);
		free_cells(list->rows[i].cells, list->columns.n);
	}
	for (size_t i = 0; i < list->columns.n; i++)
		free(list->columns.headings[i]);
	free(list->rows);
	free(list->folded);
	free(list->shown);
	for (size_t i = 0; i < list->n_levels; i++)
		free_level(&list->levels[i]);
	tui_list_init(list);
}

static bool grow(struct tui_list *list)
{
	size_t cap = list->cap ? list->cap * 2 : 16;
	struct tui_list_row *rows = realloc(list->rows, cap * sizeof(*rows));
	size_t *shown;

	if (rows == NULL)
		return false;
	list->rows = rows;
	shown = realloc(list->shown, cap * sizeof(*shown));
	if (shown == NULL)
		return false;
	list->shown = shown;
	list->cap = cap;
	return true;
}

/* Whether row matches the query q. */
static bool row_matches(const struct tui_list *list, size_t row,
			const struct tui_filter_query *q)
{
	size_t at = list->rows[row].folded_at;
	size_t end = row + 1 < list->n ? list->rows[row + 1].folded_at
				       : list->folded_len;

	/* The next row starts after this row's NUL. */
	return tui_filter_query_match_length(q, list->folded + at,
					     end - at - 1);
}

/* Appends row to the rows level hid; false when out of memory. */
static bool hide_row(struct tui_list_level *level, size_t row)
{
	if (level->n_hidden == level->cap_hidden) {
		size_t cap = level->cap_hidden ? level->cap_hidden * 2 : 16;
		size_t *grown = realloc(level->hidden, cap * sizeof(*grown));

		if (grown == NULL)
			return false;
		level->hidden = grown;
		level->cap_hidden = cap;
	}
	level->hidden[level->n_hidden++] = row;
	return true;
}

/* Shows a new row or records it at the first level that hides it.
 * The first level and a lost level record no rows, since going back
 * below them shows or tests every row anyway. */
static void place_new_row(struct tui_list *list, size_t row)
{
	for (size_t i = 0; i < list->n_levels; i++) {
		struct tui_list_level *level = &list->levels[i];

		if (row_matches(list, row, &level->query))
			continue;
		if (i > 0 && !level->lost && !hide_row(level, row))
			level->lost = true;
		return;
	}
	list->shown[list->n_shown++] = row;
}

/* Appends text folded to the list's folded text; returns its offset
 * there, or SIZE_MAX when out of memory. */
static size_t add_folded(struct tui_list *list, const char *text)
{
	char *folded = tui_filter_fold(text);
	size_t size = folded != NULL ? strlen(folded) + 1 : 0;
	size_t at = list->folded_len;

	if (folded == NULL)
		return SIZE_MAX;
	if (list->folded_cap - list->folded_len < size) {
		size_t cap = list->folded_cap ? list->folded_cap : 4096;
		char *grown;

		while (cap - list->folded_len < size)
			cap *= 2;
		grown = realloc(list->folded, cap);
		if (grown == NULL) {
			free(folded);
			return SIZE_MAX;
		}
		list->folded = grown;
		list->folded_cap = cap;
	}
	memcpy(list->folded + at, folded, size);
	list->folded_len += size;
	free(folded);
	return at;
}

/* Appends a row, taking over text and cells on success. */
static bool append_row(struct tui_list *list, char *text, char **cells,
		       bool disabled)
{
	size_t folded_at;

	if (list->n == list->cap && !grow(list))
		return false;
	folded_at = add_folded(list, text);
	if (folded_at == SIZE_MAX)
		return false;
	list->rows[list->n].text = text;
	list->rows[list->n].folded_at = folded_at;
	list->rows[list->n].cells = cells;
	list->rows[list->n].disabled = disabled;
	list->n++;
	/* Only the new row can change what the filter shows; filtering
	 * every row again would make loading n rows take n^2 steps. */
	place_new_row(list, list->n - 1);
	return true;
}

bool tui_list_add(struct tui_list *list, const char *text, bool disabled)
{
	char *clean = kvl_sanitize(text);

	if (clean == NULL)
		return false;
	if (!append_row(list, clean, NULL, disabled)) {
		free(clean);
		return false;
	}
	return true;
}

bool tui_list_set_columns(struct tui_list *list,
			  const char *const *headings, const int *minimum,
			  size_t n)
{
	struct tui_list_columns *c = &list->columns;

	if (n > TUI_LIST_MAX_COLUMNS || list->n > 0)
		return false;
	for (size_t i = 0; i < c->n; i++)
		free(c->headings[i]);
	c->n = 0;

	for (size_t i = 0; i < n; i++) {
		c->headings[i] = kvl_sanitize(headings[i]);
		if (c->headings[i] == NULL)
			return false;
		c->natural[i] = (int)kvl_display_width(c->headings[i]);
		c->minimum[i] = minimum[i];
		c->n = i + 1;
	}
	return true;
}

/* Sanitises cells into a new array and joins them, two spaces apart,
 * into *joined for the filter. */
static char **clean_cells(const char *const *cells, size_t n, char **joined)
{
	char **clean = calloc(n, sizeof(*clean));
	struct kvl_buf text;
	bool ok = clean != NULL;

	kvl_buf_init(&text);
	for (size_t i = 0; i < n && ok; i++) {
		clean[i] = kvl_sanitize(cells[i]);
		ok = clean[i] != NULL &&
		     (i == 0 || kvl_buf_adds(&text, "  ")) &&
		     kvl_buf_adds(&text, clean[i]);
	}
	if (ok && kvl_buf_add(&text, "", 0)) {
		*joined = kvl_buf_detach(&text);
		return clean;
	}
	kvl_buf_clear(&text);
	free_cells(clean, n);
	return NULL;
}

bool tui_list_add_cells(struct tui_list *list, const char *const *cells,
			bool disabled)
{
	struct tui_list_columns *c = &list->columns;
	char *joined = NULL;
	char **clean = clean_cells(cells, c->n, &joined);

	if (clean == NULL)
		return false;
	if (!append_row(list, joined, clean, disabled)) {
		free(joined);
		free_cells(clean, c->n);
		return false;
	}

	for (size_t i = 0; i < c->n; i++) {
		int width = (int)kvl_display_width(clean[i]);

		if (width > c->natural[i])
			c->natural[i] = width;
	}
	return true;
}

long tui_list_selected(const struct tui_list *list)
{
	if (list->n_shown == 0 || list->cursor >= list->n_shown)
		return -1;
	return (long)list->shown[list->cursor];
}

bool tui_list_select(struct tui_list *list, size_t row)
{
	for (size_t i = 0; i < list->n_shown; i++) {
		if (list->shown[i] == row) {
			list->cursor = i;
			return true;
		}
	}
	return false;
}

/* Returns the position of row in shown, or 0 when it is not shown. */
static size_t shown_position(const struct tui_list *list, long row)
{
	size_t low = 0, high = list->n_shown;

	while (row >= 0 && low < high) {
		size_t mid = low + (high - low) / 2;

		if (list->shown[mid] == (size_t)row)
			return mid;
		if (list->shown[mid] < (size_t)row)
			low = mid + 1;
		else
			high = mid;
	}
	return 0;
}

/* Merges the rows that the last level hid back into shown. Both lists
 * are ascending, and shown has room for every row, so the merge runs
 * from the end in place. */
static void pop_level(struct tui_list *list)
{
	struct tui_list_level *level = &list->levels[--list->n_levels];
	size_t i = list->n_shown, j = level->n_hidden;
	size_t k = i + j;

	while (j > 0) {
		if (i > 0 && list->shown[i - 1] > level->hidden[j - 1])
			list->shown[--k] = list->shown[--i];
		else
			list->shown[--k] = level->hidden[--j];
	}
	list->n_shown += level->n_hidden;
	free_level(level);
}

/* Shows the rows that match q, or every row when q is NULL or has no
 * term. */
static void show_matching_rows(struct tui_list *list,
			       const struct tui_filter_query *q)
{
	if (q != NULL && q->n_terms > 0) {
		list->n_shown = 0;
		for (size_t row = 0; row < list->n; row++)
			if (row_matches(list, row, q))
				list->shown[list->n_shown++] = row;
		return;
	}
	for (size_t row = 0; row < list->n; row++)
		list->shown[row] = row;
	list->n_shown = list->n;
}

/* Shows every row that the levels left on the stack keep. */
static void show_level_rows(struct tui_list *list)
{
	show_matching_rows(list, list->n_levels > 0 ?
			   &list->levels[list->n_levels - 1].query : NULL);
}

/* Pops levels until the top one's text starts the filter of length
 * bytes. */
static void pop_levels(struct tui_list *list, size_t length)
{
	size_t keep = list->n_levels;
	bool lost = false;

	while (keep > 0) {
		const struct tui_list_level *level = &list->levels[keep - 1];

		if (level->length <= length &&
		    memcmp(list->applied, list->filter, level->length) == 0)
			break;
		lost = lost || level->lost;
		keep--;
	}
	if (keep == list->n_levels)
		return;
	/* Merging is needed only to go back part of the way. With no
	 * level left, or below a lost one, shown is rebuilt instead. */
	if (keep == 0 || lost) {
		while (list->n_levels > keep)
			free_level(&list->levels[--list->n_levels]);
		show_level_rows(list);
		return;
	}
	while (list->n_levels > keep)
		pop_level(list);
}

/* Moves the shown rows that level's query does not match into level. */
static void hide_unmatched(struct tui_list *list,
			   struct tui_list_level *level)
{
	size_t kept = 0;

	for (size_t i = 0; i < list->n_shown; i++) {
		size_t row = list->shown[i];

		if (row_matches(list, row, &level->query))
			list->shown[kept++] = row;
		else if (!level->lost && !hide_row(level, row))
			level->lost = true;
	}
	list->n_shown = kept;
}

/*
 * Pushes a level for applied[0..length), which extends the top level's
 * text, and moves the shown rows it does not match into the level. A
 * level that hides no row allocates nothing, and neither does the first
 * level: going back below it shows every row.
 */
static void push_level(struct tui_list *list, size_t length)
{
	struct tui_list_level *level = &list->levels[list->n_levels++];
	char text[TUI_FILTER_MAX];

	memset(level, 0, sizeof(*level));
	level->length = length;
	memcpy(text, list->applied, length);
	text[length] = '\0';
	/* Without memory for the query the level matches every row, so
	 * it hides none, and so does a query of spaces only. */
	if (!tui_filter_query_set(&level->query, text) ||
	    level->query.n_terms == 0)
		return;
	if (list->n_levels == 1)
		show_matching_rows(list, &level->query);
	else
		hide_unmatched(list, level);
}

void tui_list_refilter(struct tui_list *list)
{
	long current = tui_list_selected(list);
	size_t length = strlen(list->filter);

	pop_levels(list, length);
	memcpy(list->applied, list->filter, length + 1);
	if (length > 0 && (list->n_levels == 0 ||
			   list->levels[list->n_levels - 1].length < length))
		push_level(list, length);
	list->cursor = shown_position(list, current);
}

static void move_cursor(struct tui_list *list, long delta)
{
	long last = (long)list->n_shown - 1;
	long pos = (long)list->cursor + delta;

	if (list->n_shown == 0)
		return;
	if (pos < 0)
		pos = 0;
	if (pos > last)
		pos = last;
	list->cursor = (size_t)pos;
}

static void filter_backspace(struct tui_list *list)
{
	size_t len = strlen(list->filter);

	/* Drop one whole UTF-8 character. */
	while (len > 0 && ((unsigned char)list->filter[len - 1] & 0xC0) == 0x80)
		len--;
	if (len > 0)
		len--;
	list->filter[len] = '\0';
	tui_list_refilter(list);
}

static void filter_append(struct tui_list *list, wint_t ch)
{
	char mb[MB_LEN_MAX];
	mbstate_t st;
	size_t len = strlen(list->filter);
	size_t n;

	memset(&st, 0, sizeof(st));
	n = wcrtomb(mb, (wchar_t)ch, &st);
	if (n == (size_t)-1 || len + n >= sizeof(list->filter))
		return;
	memcpy(list->filter + len, mb, n);
	list->filter[len + n] = '\0';
	tui_list_refilter(list);
}

static enum tui_list_event navigate(struct tui_list *list, wint_t code)
{
	long page = list->page > 1 ? (long)list->page - 1 : 1;

	switch (code) {
	case KEY_UP:
		move_cursor(list, -1);
		break;
	case KEY_DOWN:
		move_cursor(list, 1);
		break;
	case KEY_PPAGE:
		move_cursor(list, -page);
		break;
	case KEY_NPAGE:
		move_cursor(list, page);
		break;
	case KEY_HOME:
		move_cursor(list, -(long)list->n_shown);
		break;
	case KEY_END:
		move_cursor(list, (long)list->n_shown);
		break;
	case KEY_ENTER:
		/* Choosing ends the typing, so keys go to the screen again
		 * when the user comes back; the filter text stays. */
		list->filtering = false;
		return tui_list_selected(list) < 0 ? TUI_LIST_HANDLED :
						     TUI_LIST_CHOSEN;
	case KEY_BACKSPACE:
		if (!list->filtering)
			return TUI_LIST_IGNORED;
		filter_backspace(list);
		break;
	default:
		return TUI_LIST_IGNORED;
	}
	return TUI_LIST_HANDLED;
}

/* Esc: stop filtering and clear the filter; only a list without a
 * filter lets the screen go back. */
static enum tui_list_event escape(struct tui_list *list)
{
	if (!list->filtering && list->filter[0] == '\0')
		return TUI_LIST_IGNORED;
	list->filtering = false;
	list->filter[0] = '\0';
	tui_list_refilter(list);
	return TUI_LIST_HANDLED;
}

static enum tui_list_event character(struct tui_list *list, wint_t ch)
{
	if (ch == '\r' || ch == '\n')
		return navigate(list, KEY_ENTER);
	if (ch == 27)
		return escape(list);

	if (list->filtering && (ch == 127 || ch == 8)) {
		filter_backspace(list);
		return TUI_LIST_HANDLED;
	}
	if (list->filtering && ch == CTRL_U) {
		list->filter[0] = '\0';
		tui_list_refilter(list);
		return TUI_LIST_HANDLED;
	}

	if (!list->filtering && ch == '/') {
		/* A new `/` starts a new filter rather than extending an
		 * old one the user may no longer see as typed. */
		list->filtering = true;
		list->filter[0] = '\0';
		tui_list_refilter(list);
		return TUI_LIST_HANDLED;
	}

	if (list->filtering && ch >= 32 && ch != 127) {
		filter_append(list, ch);
		return TUI_LIST_HANDLED;
	}
	return TUI_LIST_IGNORED;
}

enum tui_list_event tui_list_key(struct tui_list *list,
				 const struct tui_key *key)
{
	if (key->function)
		return navigate(list, key->ch);
	return character(list, key->ch);
}

static void draw_filter_line(const struct tui_list *list, int row, int left,
			     int cols)
{
	char *text = NULL;

	if (list->filtering || list->filter[0] != '\0') {
		if (asprintf(&text, _("Filter: %s%s  (%zu of %zu)"),
			     list->filter, list->filtering ? "_" : "",
			     list->n_shown, list->n) < 0)
			text = NULL;
	} else if (list->n > 0) {
		if (asprintf(&text, _("%zu items; / to filter"),
			     list->n) < 0)
			text = NULL;
	}
	if (text != NULL)
		tui_draw_untrusted(row, left, cols, text, TUI_ROLE_STATUS);
	free(text);
}

static enum tui_role row_role(const struct tui_list *list, size_t shown_pos)
{
	if (shown_pos == list->cursor)
		return TUI_ROLE_SELECTED;
	if (list->rows[list->shown[shown_pos]].disabled)
		return TUI_ROLE_DISABLED;
	return TUI_ROLE_NORMAL;
}

void tui_list_draw_columns(struct tui_list *list, size_t n)
{
	list->columns.n_drawn = n;
}

static size_t drawn_columns(const struct tui_list *list)
{
	const struct tui_list_columns *c = &list->columns;

	return c->n_drawn > 0 && c->n_drawn < c->n ? c->n_drawn : c->n;
}

/* One row as drawn: cells laid out in widths, or the plain text. */
static char *row_line(const struct tui_list *list,
		      const struct tui_list_row *row, const int *widths)
{
	if (row->cells == NULL)
		return strdup(row->text);
	return tui_format_row((const char *const *)row->cells, widths,
			      drawn_columns(list), COLUMN_GAP);
}

static void draw_headings(const struct tui_list *list, int row,
			  const struct tui_rect *rect, const int *widths)
{
	char *line = tui_format_row(
		(const char *const *)list->columns.headings, widths,
		drawn_columns(list), COLUMN_GAP);

	if (line != NULL)
		tui_draw_text(row, rect->left, rect->cols, line,
			      TUI_ROLE_HEADING, false);
	free(line);
}

void tui_list_draw(struct tui_list *list, const struct tui_rect *rect)
{
	int widths[TUI_LIST_MAX_COLUMNS] = { 0 };
	int row = rect->top;
	int height = rect->rows - 1;	/* the filter line */

	if (list->columns.n > 0 && height > 1) {
		tui_columns_fit(rect->cols, list->columns.natural,
				list->columns.minimum, drawn_columns(list),
				COLUMN_GAP, widths);
		draw_headings(list, row++, rect, widths);
		height--;
	}
	if (height < 1)
		return;

	list->page = (size_t)height;
	list->top = tui_scroll_top(list->top, list->cursor, list->n_shown,
				   list->page);
	for (size_t i = list->top;
	     i < list->n_shown && i < list->top + list->page; i++) {
		const struct tui_list_row *r = &list->rows[list->shown[i]];
		char *line = row_line(list, r, widths);

		tui_draw_text(row++, rect->left, rect->cols,
			      line ? line : r->text, row_role(list, i), true);
		free(line);
	}
	if (list->n_shown == 0 && list->n > 0)
		tui_draw_text(row, rect->left, rect->cols,
			      _("No rows match the filter; Esc clears it."),
			      TUI_ROLE_DISABLED, false);
	draw_filter_line(list, rect->top + rect->rows - 1, rect->left,
			 rect->cols);
}
