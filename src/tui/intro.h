/*
 * The introduction the wizard shows over its first screen the first time
 * it runs for an environment directory (kvl_envstore_intro_seen). Any
 * key dismisses it and records that it was seen; t in the help overlay
 * shows it again.
 */
#ifndef KVL_TUI_INTRO_H
#define KVL_TUI_INTRO_H

#include <stdbool.h>

struct tui_app;

/* Opens the introduction when this directory has not seen it yet. */
void tui_intro_start(struct tui_app *app);
void tui_intro_open(struct tui_app *app);
bool tui_intro_is_open(const struct tui_app *app);
/* Closes the introduction without recording it, as on quitting. */
void tui_intro_close(struct tui_app *app);
/* Closes the introduction and records it as seen; for any key. */
void tui_intro_dismiss(struct tui_app *app);
void tui_intro_draw(struct tui_app *app);

#endif
