/* A scrollable block of wrapped text lines, each with a colour role. */
#ifndef KVL_TUI_TEXT_H
#define KVL_TUI_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/layout.h"
#include "tui/screen.h"
#include "tui/theme.h"

/* Text is wrapped to this many columns, so that it fits the smallest
 * terminal the wizard accepts. */
#define TUI_TEXT_COLS (TUI_MIN_COLS - 2)

struct tui_text {
	char **lines;		/* sanitised */
	enum tui_role *roles;
	size_t n;
	size_t cap;
	size_t top;
	size_t page;		/* rows on screen at the last draw */
	bool failed;		/* out of memory while adding */
};

void tui_text_init(struct tui_text *text);
void tui_text_clear(struct tui_text *text);

/* Wraps untrusted UTF-8 to TUI_TEXT_COLS - indent columns and appends
 * it, each line indented by indent spaces. */
void tui_text_add(struct tui_text *text, const char *s, enum tui_role role,
		  int indent);
/* printf-style tui_text_add without indent. */
void tui_text_addf(struct tui_text *text, enum tui_role role,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Up/Down/PgUp/PgDn/Home/End scroll; returns whether the key was one. */
bool tui_text_key(struct tui_text *text, const struct tui_key *key);
void tui_text_draw(struct tui_text *text, const struct tui_rect *rect);

#endif
