#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <curses.h>

#include "i18n.h"
#include "tui/term.h"
#include "tui/tui.h"

/* Short enough that Esc feels immediate, long enough for an escape
 * sequence to arrive over a slow SSH link. */
#define TUI_ESCDELAY_MS 25

/*
 * The signals whose handlers the wizard installs. The first three end
 * it, SIGTSTP and SIGCONT suspend and resume it, and the fatal ones
 * restore the terminal before the default action ends the process.
 */
static const int handled_signals[] = {
	SIGINT, SIGTERM, SIGHUP, SIGTSTP, SIGCONT,
	SIGQUIT, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT,
};
#define N_SIGNALS (sizeof(handled_signals) / sizeof(handled_signals[0]))
static struct sigaction saved_actions[N_SIGNALS];

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t suspend_requested;
static volatile sig_atomic_t continued;
/* Set while curses owns the terminal; the fatal handler reads it. */
static volatile sig_atomic_t active;

/*
 * The state the fatal handler writes back, prepared in advance because
 * a handler may not allocate or call curses. It consists of the terminal
 * modes from before curses started and the terminfo strings that reset
 * the attributes, show the cursor, turn keypad mode off and leave the
 * alternate screen.
 */
static struct termios saved_modes;
static bool have_saved_modes;
static char restore_seq[256];
static size_t restore_len;

static bool exit_hook;
static SCREEN *screen;
/* The pipe that tui_term_wake() writes to, so that a worker thread can
 * end the wait for a key at once. Both ends are -1 if pipe2() failed. */
static int wake_pipe[2] = { -1, -1 };
static int cursor_row = -1;
static int cursor_col = -1;

/* Appends a terminfo string without its "$<n>" padding delays. */
static void add_capability(const char *name)
{
	const char *cap = tigetstr(name);

	if (cap == NULL || cap == (const char *)-1)
		return;
	while (*cap != '\0' && restore_len < sizeof(restore_seq)) {
		if (cap[0] == '$' && cap[1] == '<' &&
		    strchr(cap, '>') != NULL) {
			cap = strchr(cap, '>') + 1;
			continue;
		}
		restore_seq[restore_len++] = *cap++;
	}
}

static void prepare_restore(void)
{
	restore_len = 0;
	add_capability("sgr0");
	add_capability("cnorm");
	add_capability("rmkx");
	add_capability("rmcup");
}

/* Runs in a signal handler: async-signal-safe calls only. */
static void restore_raw(void)
{
	ssize_t n;

	if (have_saved_modes)
		tcsetattr(STDOUT_FILENO, TCSANOW, &saved_modes);
	n = write(STDOUT_FILENO, restore_seq, restore_len);
	(void)n;
}

static void on_signal(int sig)
{
	switch (sig) {
	case SIGTSTP:
		suspend_requested = 1;
		break;
	case SIGCONT:
		continued = 1;
		break;
	case SIGINT:
	case SIGTERM:
	case SIGHUP:
		stop_signal = sig;
		break;
	default:
		/* A crash or SIGQUIT: the handler was reset to the default
		 * on entry, so raising the signal again ends the process
		 * the usual way once the terminal is back. */
		if (active)
			restore_raw();
		raise(sig);
		break;
	}
}

static bool is_fatal(int sig)
{
	return sig != SIGINT && sig != SIGTERM && sig != SIGHUP &&
	       sig != SIGTSTP && sig != SIGCONT;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < N_SIGNALS; i++) {
		/* No SA_RESTART: a signal interrupts the key read, so the
		 * loop checks the flags at once. */
		sa.sa_flags = is_fatal(handled_signals[i]) ?
			      SA_RESETHAND | SA_NODEFER : 0;
		sigaction(handled_signals[i], &sa, &saved_actions[i]);
	}
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
	*reason = kvl_tui_terminal_problem();
	if (*reason != NULL)
		return false;

	setlocale(LC_ALL, "");
	stop_signal = 0;
	suspend_requested = 0;
	continued = 0;
	have_saved_modes = tcgetattr(STDOUT_FILENO, &saved_modes) == 0;
	/* Ours first: curses only installs its own handlers for signals
	 * that are still at their defaults. */
	install_signals();
	screen = newterm(NULL, stdout, stdin);
	if (screen == NULL) {
		restore_signals();
		*reason = _("the terminal type (TERM) is not known to "
			    "terminfo; set TERM to a known type, for example "
			    "xterm-256color, or use a kvlink command instead");
		return false;
	}
	set_term(screen);
	prepare_restore();
	/* Without the pipe the wizard still works, because its loop also
	 * checks for a finished worker at every tick. */
	if (wake_pipe[0] < 0 && pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		wake_pipe[0] = wake_pipe[1] = -1;
	active = 1;
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
	active = 0;
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

/*
 * Gives the terminal back and stops the process as SIGTSTP would have
 * without a handler. When it continues, the next refresh() returns to
 * curses mode and repaints the whole screen.
 */
static void suspend_now(void)
{
	struct sigaction dfl, own;

	curs_set(1);
	endwin();

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGTSTP, &dfl, &own);
	/* Returns once SIGCONT arrives. In an orphaned process group the
	 * kernel discards the stop, so it returns at once. */
	raise(SIGTSTP);
	sigaction(SIGTSTP, &own, NULL);
}

/*
 * Acts on SIGTSTP and SIGCONT. A SIGCONT without our own suspend (after
 * SIGSTOP, say) also leaves curses mode, because the shell may have
 * reset the terminal modes while the process was stopped. Returns
 * whether the screen needs a full repaint.
 */
static bool handle_job_control(void)
{
	bool repaint = false;

	if (suspend_requested) {
		suspend_requested = 0;
		suspend_now();
		repaint = true;
	}
	if (continued) {
		continued = 0;
		if (!repaint)
			endwin();
		repaint = true;
	}
	if (repaint)
		clearok(curscr, TRUE);
	return repaint;
}

/* Returns a key that curses reads within timeout_ms, if any. */
static bool read_curses_key(int timeout_ms, struct tui_key *key)
{
	wint_t ch = 0;
	int rc;

	timeout(timeout_ms);
	rc = get_wch(&ch);
	if (handle_job_control() || rc == ERR)
		return false;
	key->function = rc == KEY_CODE_YES;
	key->ch = ch;
	return true;
}

static void drain_wake_pipe(void)
{
	char bytes[64];

	while (read(wake_pipe[0], bytes, sizeof(bytes)) > 0)
		continue;
}

bool tui_term_read_key(int timeout_ms, struct tui_key *key)
{
	struct pollfd fds[2];
	int ready;

	if (handle_job_control())
		return false;
	if (wake_pipe[0] < 0)
		return read_curses_key(timeout_ms, key);

	/* poll() reports only the bytes still unread in the terminal, so
	 * the keys that curses has already read ahead come first. */
	if (read_curses_key(0, key))
		return true;
	fds[0].fd = fileno(stdin);
	fds[0].events = POLLIN;
	fds[1].fd = wake_pipe[0];
	fds[1].events = POLLIN;
	ready = poll(fds, 2, timeout_ms);
	if (ready < 0 && errno != EINTR)
		return read_curses_key(timeout_ms, key);
	if (ready > 0 && (fds[1].revents & POLLIN))
		drain_wake_pipe();
	/* Curses returns a resize (KEY_RESIZE) only from a read, so it
	 * reads after a timeout or a signal too. */
	if (ready <= 0 || fds[0].revents != 0)
		return read_curses_key(0, key);
	return false;
}

void tui_term_wake(void)
{
	char byte = 1;
	ssize_t n;

	if (wake_pipe[1] < 0)
		return;
	n = write(wake_pipe[1], &byte, 1);
	(void)n;
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
