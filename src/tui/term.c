#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>

#include "i18n.h"
#include "tui/term.h"

/* Short enough that Esc feels immediate, long enough for an escape
 * sequence to arrive over a slow SSH link. */
#define TUI_ESCDELAY_MS 25

static volatile sig_atomic_t stop_signal;
static const int handled_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define N_SIGNALS (sizeof(handled_signals) / sizeof(handled_signals[0]))
static struct sigaction saved_actions[N_SIGNALS];
static bool active;
static bool exit_hook;
static SCREEN *screen;
static int cursor_row = -1;
static int cursor_col = -1;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a signal interrupts the key read, so the loop checks
 * the flag at once. */
	sa.sa_flags = 0;
	for (size_t i = 0; i < N_SIGNALS; i++)
		sigaction(handled_signals[i], &sa, &saved_actions[i]);
}

static void restore_signals(void)
{
	for (size_t i = 0; i < N_SIGNALS; i++)
		sigaction(handled_signals[i], &saved_actions[i], NULL);
}

static void stop_at_exit(void)
{
	tui_term_stop();
}

bool tui_term_start(const char **reason)
{
	const char *term = getenv("TERM");

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		*reason = _("the wizard needs a terminal on standard input "
			    "and output; use a kvlink command instead");
		return false;
	}
	if (term == NULL || term[0] == '\0' || strcmp(term, "dumb") == 0) {
		*reason = _("the terminal type (TERM) is unset or dumb; set "
			    "TERM, or use a kvlink command instead");
		return false;
	}

	setlocale(LC_ALL, "");
	stop_signal = 0;
	/* Ours first: curses only installs its own handlers for signals
	 * that are still at their defaults. */
	install_signals();
	screen = newterm(NULL, stdout, stdin);
	if (screen == NULL) {
		restore_signals();
		*reason = _("the terminal type (TERM) is not known to "
			    "terminfo; set TERM to a known type");
		return false;
	}
	set_term(screen);
	active = true;
	if (!exit_hook && atexit(stop_at_exit) == 0)
		exit_hook = true;

	set_escdelay(TUI_ESCDELAY_MS);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	return true;
}

void tui_term_stop(void)
{
	if (!active)
		return;
	active = false;
	curs_set(1);
	endwin();
	delscreen(screen);
	screen = NULL;
	restore_signals();
}

int tui_term_signal(void)
{
	return stop_signal;
}

bool tui_term_read_key(int timeout_ms, struct tui_key *key)
{
	wint_t ch = 0;
	int rc;

	timeout(timeout_ms);
	rc = get_wch(&ch);
	if (rc == ERR)
		return false;
	key->function = rc == KEY_CODE_YES;
	key->ch = ch;
	return true;
}

void tui_term_cursor(int row, int col)
{
	cursor_row = row;
	cursor_col = col;
}

void tui_term_flush(void)
{
	if (cursor_row >= 0) {
		move(cursor_row, cursor_col);
		curs_set(1);
	} else {
		curs_set(0);
	}
	refresh();
	cursor_row = -1;
	cursor_col = -1;
}
