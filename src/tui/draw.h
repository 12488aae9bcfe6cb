/* Drawing helpers shared by the widgets and screens (stdscr only). */
#ifndef KVL_TUI_DRAW_H
#define KVL_TUI_DRAW_H

#include "tui/theme.h"

/* Whether the locale's character set is UTF-8. */
bool tui_utf8_locale(void);

/* Limits drawing to ASCII (--ascii) even in a UTF-8 locale. */
void tui_draw_set_ascii(bool ascii);

/* Whether text and lines may be drawn with characters beyond ASCII: a
 * UTF-8 locale and no --ascii. */
bool tui_draw_unicode(void);

/*
 * Draws sanitised text at (row, col), cut to width display columns. When
 * pad is set the rest of the width is filled with spaces in the same
 * role. Returns the columns used by the text. Outside a UTF-8 locale
 * and under --ascii, each non-ASCII character is drawn as '?'.
 */
int tui_draw_text(int row, int col, int width, const char *text,
		  enum tui_role role, bool pad);

/* Like tui_draw_text for text that is not sanitised yet (from Azure or
 * a file): sanitises it first. */
int tui_draw_untrusted(int row, int col, int width, const char *text,
		       enum tui_role role);

/* "Label: value" with the label in the heading role; value untrusted. */
void tui_draw_field(int row, int col, int width, const char *label,
		    const char *value);

/* A box around rect: line-drawing characters, or '+', '-' and '|' when
 * tui_draw_unicode() is false. */
void tui_draw_box(int top, int left, int rows, int cols, enum tui_role role);

#endif
