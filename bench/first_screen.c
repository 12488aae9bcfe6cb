/*
 * Launch to first drawn screen: runs a program on a new 80x24
 * pseudo-terminal and prints the milliseconds from just before fork
 * until every marker text has appeared in its output. Escape sequences
 * are left out of that text. Then it ends the program with SIGTERM. The markers
 * should be texts of the last parts of the screen to be drawn, so that
 * the time is that of the first complete screen.
 *
 * Usage: first_screen MARKER[,MARKER...] PROGRAM [ARGUMENT]...
 * Exits 1 when the program ends or 30 s pass before every marker.
 */
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_MS 30000
#define MAX_TEXT (1 << 20)

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The text state of the output: printable bytes, escape sequences
 * dropped (CSI up to its final byte, other ESC sequences after one
 * more byte, OSC up to BEL or ST). */
struct screen_text {
	char text[MAX_TEXT];
	size_t len;
	int state;		/* 0 text, 1 after ESC, 2 CSI, 3 OSC, 4 charset */
};

static void add_byte(struct screen_text *s, unsigned char c)
{
	switch (s->state) {
	case 1:
		s->state = c == '[' ? 2 : c == ']' ? 3 :
			   (c == '(' || c == ')') ? 4 : 0;
		return;
	case 2:
		if (c >= 0x40 && c <= 0x7e)
			s->state = 0;
		return;
	case 3:
		if (c == 7 || c == '\\')
			s->state = 0;
		return;
	case 4:
		s->state = 0;
		return;
	}
	if (c == 0x1b)
		s->state = 1;
	else if (c >= 0x20 && s->len + 1 < MAX_TEXT)
		s->text[s->len++] = (char)c;
}

/* Whether every comma-separated marker occurs in the text so far. */
static bool all_markers(struct screen_text *s, const char *markers)
{
	char *copy = strdup(markers), *save = NULL, *m;
	bool found = true;

	s->text[s->len] = '\0';
	for (m = strtok_r(copy, ",", &save); m != NULL && found;
	     m = strtok_r(NULL, ",", &save))
		found = strstr(s->text, m) != NULL;
	free(copy);
	return found;
}

static int wait_for_markers(int fd, const char *markers, double start)
{
	static struct screen_text s;
	unsigned char buf[4096];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t got, i;

	while (now_ms() - start < TIMEOUT_MS) {
		if (poll(&p, 1, 100) <= 0)
			continue;
		got = read(fd, buf, sizeof(buf));
		if (got <= 0)
			return 1;
		for (i = 0; i < got; i++)
			add_byte(&s, buf[i]);
		if (all_markers(&s, markers)) {
			printf("%.1f\n", now_ms() - start);
			return 0;
		}
	}
	return 1;
}

int main(int argc, char **argv)
{
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	double start;
	pid_t pid;
	int fd, rc;

	if (argc < 3) {
		fputs("usage: first_screen MARKER[,MARKER...] PROGRAM "
		      "[ARGUMENT]...\n", stderr);
		return 2;
	}
	start = now_ms();
	pid = forkpty(&fd, NULL, NULL, &ws);
	if (pid < 0) {
		perror("first_screen: forkpty");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	rc = wait_for_markers(fd, argv[1], start);
	if (rc != 0)
		fprintf(stderr, "first_screen: not every marker of '%s' "
			"appeared\n", argv[1]);
	kill(pid, SIGTERM);
	close(fd);
	waitpid(pid, NULL, 0);
	return rc;
}
