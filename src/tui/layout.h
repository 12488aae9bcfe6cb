/*
 * Screen geometry as plain functions of (rows, cols, state). Nothing here
 * includes curses, so the unit tests run without a terminal.
 */
#ifndef KVL_TUI_LAYOUT_H
#define KVL_TUI_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

#define TUI_MIN_ROWS 24
#define TUI_MIN_COLS 80

/*
 * Rows of the screen: the title with the breadcrumb on top, the body, the
 * status line and the key legend on the bottom row.
 */
struct tui_layout {
	int rows;
	int cols;
	bool too_small;		/* below TUI_MIN_ROWS x TUI_MIN_COLS */
	int title_row;
	int body_top;
	int body_rows;
	int status_row;		/* first row of the status message */
	int status_rows;	/* 1, more while a long message wraps */
	int legend_row;
};

struct tui_rect {
	int top;
	int left;
	int rows;
	int cols;
};

void tui_layout_compute(struct tui_layout *layout, int rows, int cols);

/*
 * Gives the status message rows rows (at least 1) by taking rows from
 * the bottom of the body, at most a third of the body's rows.
 */
void tui_layout_status_rows(struct tui_layout *layout, int rows);

/* The body below its first skip rows, with a margin of one column. */
struct tui_rect tui_body_rect(const struct tui_layout *layout, int skip);

/*
 * First row to show of a list of count rows in a window of height rows,
 * given the current first row top, so that row selected stays visible
 * and the window never runs past the end when it need not.
 */
size_t tui_scroll_top(size_t top, size_t selected, size_t count,
		      size_t height);

/*
 * Splits width columns between n columns separated by gap spaces. Each
 * column gets wanted[i] when everything fits; otherwise the widest
 * columns shrink first, never below minimum[i]. Writes out[n].
 */
void tui_columns_fit(int width, const int *wanted, const int *minimum,
		     size_t n, int gap, int *out);

/*
 * Lays cells (sanitised UTF-8) out in columns of widths[i] display
 * columns, cutting long cells and padding short ones, with gap spaces
 * between columns. Returns NULL when out of memory; the caller frees.
 */
char *tui_format_row(const char *const *cells, const int *widths, size_t n,
		     int gap);

/*
 * The widest word that tui_wrap() shows whole. It leaves room for the
 * longest resource id of a vault (about 220 columns), which the manual
 * steps show for copying.
 */
#define TUI_WRAP_MAX_WORD_COLS 256

/*
 * Word-wraps text to width display columns. Newlines start new lines;
 * every line is sanitised; a word longer than width is cut across lines.
 * A word wider than TUI_WRAP_MAX_WORD_COLS is cut there, ending in "~".
 * Returns the number of lines stored in *lines (caller frees with
 * tui_lines_free), or 0 with *lines NULL when out of memory.
 */
size_t tui_wrap(const char *text, int width, char ***lines);
void tui_lines_free(char **lines, size_t n);

/*
 * Returns a copy of text (sanitised) cut to cols display columns by
 * replacing its middle with "~", so that its start and its end stay
 * readable; NULL when out of memory. The caller frees it.
 */
char *tui_cut_middle(const char *text, int cols);

/* A box of text_rows lines of text centred in the body, with a border
 * and a line for the title, no larger than the body. */
struct tui_rect tui_dialog_rect(const struct tui_layout *layout,
				int text_rows);

#endif
