/* Terminal set-up and restoration, and the signals that end the wizard. */
#ifndef KVL_TUI_TERM_H
#define KVL_TUI_TERM_H

#include <stdbool.h>

#include "tui/screen.h"

/*
 * Installs the signal handlers, then starts curses on the terminal.
 * SIGINT, SIGTERM and SIGHUP set the flag that tui_term_signal()
 * returns. SIGTSTP and SIGCONT set flags that tui_term_read_key() acts
 * on. A crash or SIGQUIT restores the terminal before the process ends.
 * Returns false with *reason set (static text) when the terminal cannot
 * be used.
 */
bool tui_term_start(const char **reason);

/* Restores the terminal and the previous signal handlers. Safe to call
 * more than once, and also runs at exit if it was not called. */
void tui_term_stop(void);

/* The signal that asked the wizard to stop, or 0. */
int tui_term_signal(void);

/*
 * Waits up to timeout_ms for a key. Returns false when none came, when a
 * signal interrupted the wait or when tui_term_wake() ended it. After
 * SIGTSTP it gives the terminal back and stops the process. Once it
 * continues, the next frame repaints the whole screen.
 */
bool tui_term_read_key(int timeout_ms, struct tui_key *key);

/* Ends a wait of tui_term_read_key() early. Any thread may call it, and
 * it is async-signal-safe. */
void tui_term_wake(void);

/* Where the text cursor should show after this frame; hidden unless
 * set again during the next frame. */
void tui_term_cursor(int row, int col);
/* Hides or shows the cursor as the frame requested and updates the
 * screen. */
void tui_term_flush(void);

#endif
