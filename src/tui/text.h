/*
 * A scrollable block of text in paragraphs, each with a colour role. The
 * paragraphs are wrapped again whenever the width they are drawn at
 * changes.
 */
#ifndef KVL_TUI_TEXT_H
#define KVL_TUI_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/layout.h"
#include "tui/screen.h"
#include "tui/theme.h"

struct tui_text_paragraph {
	char *text;		/* as added, not yet sanitised */
	enum tui_role role;
	int indent;
};

struct tui_text {
	struct tui_text_paragraph *paragraphs;
	size_t n_paragraphs;
	size_t cap_paragraphs;
	int width;		/* the lines are wrapped for; 0: not yet */
	char **lines;		/* sanitised */
	enum tui_role *roles;
	size_t n;
	size_t cap;
	size_t top;
	size_t page;		/* rows on screen at the last draw */
	bool failed;		/* out of memory while adding or wrapping */
};

void tui_text_init(struct tui_text *text);
void tui_text_clear(struct tui_text *text);

/* Appends a paragraph of untrusted UTF-8, each of its lines indented by
 * indent spaces. */
void tui_text_add(struct tui_text *text, const char *s, enum tui_role role,
		  int indent);
/* printf-style tui_text_add without indent. */
void tui_text_addf(struct tui_text *text, enum tui_role role,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Wraps the paragraphs for width columns unless they already are. */
void tui_text_layout(struct tui_text *text, int width);

/* Up/Down/PgUp/PgDn/Home/End scroll; returns whether the key was one. */
bool tui_text_key(struct tui_text *text, const struct tui_key *key);
void tui_text_draw(struct tui_text *text, const struct tui_rect *rect);

#endif
