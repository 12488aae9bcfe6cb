/* The frame around every screen: status line, key legend and dialog. */
#ifndef KVL_TUI_WIDGETS_H
#define KVL_TUI_WIDGETS_H

#include <stdbool.h>

#include "tui/layout.h"
#include "tui/theme.h"

/* The content of the status line: a spinner while busy, else a
 * message. */
struct tui_status_view {
	bool busy;
	const char *label;	/* what is running; sanitised */
	long elapsed_s;
	unsigned tick;		/* spinner frame */
	const char *text;	/* message when idle; sanitised, may be NULL */
	enum tui_role role;
};

void tui_status_draw(const struct tui_layout *layout,
		     const struct tui_status_view *view);

/* Rows the message of view needs when wrapped to cols columns. */
int tui_status_rows(int cols, const struct tui_status_view *view);

/* The key legend on the bottom row; legend is already translated. */
void tui_legend_draw(const struct tui_layout *layout, const char *legend);

/* A modal box with a title and wrapped text (untrusted is fine). */
void tui_dialog_draw(const struct tui_layout *layout, const char *title,
		     const char *text);

struct tui_text;

/* A box over the body with a title, scrolling text and a footer line,
 * for the help and the introduction; title and footer are translated. */
void tui_panel_draw(const struct tui_layout *layout, const char *title,
		    struct tui_text *text, const char *footer);

#endif
