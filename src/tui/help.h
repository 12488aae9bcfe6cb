/*
 * The help overlay that F1 or ? opens over any screen: what the screen is
 * for, the focused item, the screen's keys and the keys every screen
 * shares. Esc, ?, F1 or Enter closes it; the other keys scroll it.
 */
#ifndef KVL_TUI_HELP_H
#define KVL_TUI_HELP_H

#include <stdbool.h>

#include "tui/form.h"
#include "tui/list.h"
#include "tui/screen.h"

struct tui_app;

/* Opens the overlay for the screen on top of the stack. */
void tui_help_open(struct tui_app *app);
void tui_help_close(struct tui_app *app);
bool tui_help_is_open(const struct tui_app *app);
/* Handles a key while the overlay is open; every key stops here. */
void tui_help_key(struct tui_app *app, const struct tui_key *key);
void tui_help_draw(struct tui_app *app);

/* The translated legend of the screen on top, as the bottom row shows
 * it, with the help key added. The caller frees it. */
char *tui_help_legend(const struct tui_app *app);

/* The full text of the list row under the cursor, for a screen's
 * help_for; NULL when no row is shown. The caller frees it. */
char *tui_help_list_row(const struct tui_list *list);
/* The focused form row's label, its help text and its error, for a
 * screen's help_for; NULL for an empty form. The caller frees it. */
char *tui_help_form_row(struct tui_form *form);

#endif
