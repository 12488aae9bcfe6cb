/*
 * A yes/no question in a modal box, owned by the screen that asks it: the
 * screen routes keys to it while it is open and draws it last. Only y
 * confirms; n, Esc and Enter decline, so a stray Enter never confirms a
 * destructive action.
 */
#ifndef KVL_TUI_CONFIRM_H
#define KVL_TUI_CONFIRM_H

#include <stdbool.h>

#include "core/result.h"
#include "tui/layout.h"
#include "tui/screen.h"

struct tui_confirm {
	bool open;
	int action;		/* the screen's code for what yes does */
	long target;		/* the row or item the question is about */
	char *title;		/* sanitised */
	char *text;		/* sanitised */
};

enum tui_confirm_answer {
	TUI_CONFIRM_PENDING,	/* the key did not answer */
	TUI_CONFIRM_YES,
	TUI_CONFIRM_NO,
};

/* Opens the question; title and the formatted text are untrusted. */
void tui_confirm_open(struct tui_confirm *confirm, int action, long target,
		      const char *title, const char *fmt, ...)
	KVL_PRINTF(5, 6);
/* Closes the question and frees its text. */
void tui_confirm_close(struct tui_confirm *confirm);

/* Reads a key while the question is open; an answer closes it. */
enum tui_confirm_answer tui_confirm_key(struct tui_confirm *confirm,
					const struct tui_key *key);
void tui_confirm_draw(const struct tui_confirm *confirm,
		      const struct tui_layout *layout);

#endif
