/*
 * Input of `kvlink connection`: a credential from standard input (echo
 * off on a terminal) and yes/no confirmations. Credentials are read into
 * buffers that are wiped before they are freed, and never echoed.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/conn.h"
#include "core/crypto.h"
#include "i18n.h"

/* Reads from fd until end of file, a newline (when stop_at_newline) or
 * max bytes; buf has room for max + 1 bytes. */
static kvl_result read_into(int fd, char *buf, size_t max,
			    bool stop_at_newline, size_t *len)
{
	size_t got = 0;

	while (got <= max) {
		ssize_t n = read(fd, buf + got, stop_at_newline ? 1
							     : max + 1 - got);

		if (n < 0 && errno == EINTR) {
			if (kvl_cli_interrupted)
				return KVL_ERR_CANCELLED;
			continue;
		}
		if (n < 0)
			return KVL_ERR_IO;
		if (n == 0)
			break;
		got += (size_t)n;
		if (stop_at_newline && buf[got - 1] == '\n')
			break;
	}
	*len = got;
	return got > max ? KVL_ERR_INVALID : KVL_OK;
}

/* Reads one line from the terminal on fd with echo turned off. */
static kvl_result read_hidden_line(int fd, const char *prompt, char *buf,
				   size_t max, size_t *len)
{
	struct termios saved, quiet;
	kvl_result r;

	if (tcgetattr(fd, &saved) != 0)
		return KVL_ERR_IO;
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0)
		return KVL_ERR_IO;
	/* The prompt comes only once echo is off, so that nothing typed in
	 * answer to it can be echoed. */
	fputs(prompt, stderr);
	fflush(stderr);

	r = read_into(fd, buf, max, true, len);

	tcsetattr(fd, TCSAFLUSH, &saved);
	fputc('\n', stderr);
	return r;
}

static void drop_newline(char *buf, size_t *len)
{
	if (*len > 0 && buf[*len - 1] == '\n')
		(*len)--;
	if (*len > 0 && buf[*len - 1] == '\r')
		(*len)--;
	buf[*len] = '\0';
}

kvl_result kvl_cli_read_line(char *buf, size_t max, size_t *len)
{
	kvl_result r = read_into(STDIN_FILENO, buf, max, true, len);

	if (r == KVL_OK && *len == 0)
		return KVL_ERR_NOT_FOUND;
	if (r == KVL_OK)
		drop_newline(buf, len);
	return r;
}

kvl_result kvl_cli_read_secret_line(const char *prompt, size_t max,
				    char *buf, size_t *len)
{
	kvl_result r;

	if (!isatty(STDIN_FILENO))
		return kvl_cli_read_line(buf, max, len);
	r = read_hidden_line(STDIN_FILENO, prompt, buf, max, len);
	if (r == KVL_OK && *len == 0)
		return KVL_ERR_NOT_FOUND;
	if (r == KVL_OK)
		drop_newline(buf, len);
	return r;
}

kvl_result kvl_cli_read_credential(const char *prompt, size_t max,
				   char **out, size_t *len,
				   struct kvl_error *err)
{
	char *buf = malloc(max + 1);
	size_t got = 0;
	kvl_result r;

	if (buf == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	if (isatty(STDIN_FILENO))
		r = read_hidden_line(STDIN_FILENO, prompt, buf, max, &got);
	else
		r = read_into(STDIN_FILENO, buf, max, false, &got);

	if (r == KVL_OK) {
		drop_newline(buf, &got);
		if (got == 0 || strlen(buf) != got)
			r = kvl_error_set(err, KVL_ERR_INVALID,
					  _("the credential read from standard "
					    "input is empty or contains a NUL "
					    "byte; pipe the value in or type "
					    "it at the prompt"));
	} else if (r == KVL_ERR_INVALID) {
		kvl_error_set(err, r, _("the credential on standard input is "
					"longer than %zu bytes"), max);
	} else if (r == KVL_ERR_CANCELLED) {
		kvl_error_set(err, r, _("cancelled; nothing was changed"));
	} else {
		kvl_error_set(err, r, _("cannot read the credential from "
					"standard input: %s"),
			      strerror(errno));
	}

	if (r != KVL_OK) {
		OPENSSL_cleanse(buf, max + 1);
		free(buf);
		return r;
	}
	*out = buf;
	*len = got;
	return KVL_OK;
}

bool kvl_cli_confirm(const char *question)
{
	char answer[16];
	size_t len = 0;

	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	if (read_into(STDIN_FILENO, answer, sizeof(answer) - 1, true,
		      &len) != KVL_OK)
		return false;
	drop_newline(answer, &len);
	return strcasecmp(answer, "y") == 0 || strcasecmp(answer, "yes") == 0;
}
