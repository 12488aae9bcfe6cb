/*
 * The key predicates that every screen and widget tests key presses
 * with, so that a key means the same everywhere. The main loop (app.c)
 * handles the shared keys itself: F1 and ? for the help, Ctrl-L to
 * redraw, and Esc to go back when the screen did not take it.
 *
 * Every function key has a letter twin, so that a terminal without
 * function keys reaches everything: F1 and ? both open the help.
 */
#ifndef KVL_TUI_KEYS_H
#define KVL_TUI_KEYS_H

#include <stdbool.h>

#include "tui/screen.h"

#define TUI_KEY_ESC 27
#define TUI_KEY_TAB '\t'
#define TUI_KEY_CTRL_L 0x0C

/* Whether key is the character ch (not a function key). */
bool tui_key_is_char(const struct tui_key *key, wint_t ch);
/* Whether key is the ASCII letter in either case. */
bool tui_key_is_letter(const struct tui_key *key, char letter);
/* Whether key is the curses function key code (KEY_UP, KEY_F(1) ...). */
bool tui_key_is_code(const struct tui_key *key, int code);

bool tui_key_is_enter(const struct tui_key *key);
bool tui_key_is_escape(const struct tui_key *key);
bool tui_key_is_space(const struct tui_key *key);
bool tui_key_is_redraw(const struct tui_key *key);

/* F1: opens the help on every screen, even over a text field. */
bool tui_key_is_help_function(const struct tui_key *key);
/* ?: the letter twin of F1; a screen that takes typed text gets it
 * first. */
bool tui_key_is_help_letter(const struct tui_key *key);

#endif
