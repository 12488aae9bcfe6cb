/*
 * Line mode's prompts: numbered choices, text and credentials, one line
 * each from standard input. All input goes through read(2) one byte at
 * a time (kvl_cli_read_line), so that nothing is read ahead of the
 * prompt that needs it and the secret prompt can turn echo off.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/conn.h"
#include "cli/plain.h"
#include "core/sanitize.h"
#include "flow/link.h"
#include "i18n.h"

void plain_say(const char *fmt, ...)
{
	char *text = NULL, *clean;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	clean = kvl_sanitize(text);
	puts(clean != NULL ? clean : "?");
	free(clean);
	free(text);
}

void plain_report(const char *what, const struct kvl_error *err)
{
	char *text = kvl_error_format(err);

	if (text != NULL && text[0] != '\0')
		plain_say(_("%s: %s"), what, text);
	else
		plain_say("%s", what);
	free(text);
}

void plain_invalid(const struct kvl_error *err)
{
	char *text = kvl_error_format(err);

	plain_say(_("%s; type another value, or q to go back."),
		  text != NULL ? text : _("invalid value"));
	free(text);
}

/* Skips the rest of a line that was longer than PLAIN_LINE_MAX. */
static enum plain_answer skip_long_line(char *buf)
{
	size_t len = 0;
	kvl_result r;

	do {
		r = kvl_cli_read_line(buf, PLAIN_LINE_MAX, &len);
	} while (r == KVL_ERR_INVALID);
	return r == KVL_OK ? PLAIN_OK : PLAIN_END;
}

/* Reads one line after printing prompt. End of input, SIGINT and read
 * errors are PLAIN_END; a line that is too long is reported and asked
 * for again. */
static enum plain_answer read_answer(const char *prompt, char *buf)
{
	size_t len = 0;
	kvl_result r;

	for (;;) {
		fputs(prompt, stdout);
		fputc(' ', stdout);
		fflush(stdout);
		r = kvl_cli_read_line(buf, PLAIN_LINE_MAX, &len);
		/* A terminal echoed the answer and its newline; without
		 * one, the next line of output would follow the prompt. */
		if (r == KVL_OK && !isatty(STDIN_FILENO))
			putchar('\n');
		if (r == KVL_OK)
			return PLAIN_OK;
		if (r != KVL_ERR_INVALID)
			break;
		plain_say(_("The answer is longer than %d bytes; type a "
			    "shorter one."), PLAIN_LINE_MAX);
		if (skip_long_line(buf) != PLAIN_OK)
			break;
	}
	putchar('\n');
	if (r == KVL_ERR_IO)
		plain_say(_("kvlink: cannot read standard input: %s"),
			  strerror(errno));
	return PLAIN_END;
}

/* buf without the spaces and tabs around it. */
static char *trim(char *buf)
{
	size_t len;

	while (*buf == ' ' || *buf == '\t')
		buf++;
	len = strlen(buf);
	while (len > 0 && (buf[len - 1] == ' ' || buf[len - 1] == '\t'))
		buf[--len] = '\0';
	return buf;
}

static bool is_back(const char *answer)
{
	return strcmp(answer, "q") == 0 || strcmp(answer, "Q") == 0;
}

/* Parses the input line answer as a number from 1 to n. */
static bool parse_choice(const char *answer, size_t n, size_t *choice)
{
	char *end = NULL;
	unsigned long value;

	if (answer[0] < '0' || answer[0] > '9')
		return false;
	errno = 0;
	value = strtoul(answer, &end, 10);
	if (errno != 0 || *end != '\0' || value < 1 || value > n)
		return false;
	*choice = (size_t)value - 1;
	return true;
}

static void print_items(const char *question, const char *const *items,
			size_t n)
{
	putchar('\n');
	plain_say("%s", question);
	for (size_t i = 0; i < n; i++)
		plain_say("  %zu. %s", i + 1, items[i] ? items[i] : "?");
}

enum plain_answer plain_choose(const char *question,
			       const char *const *items, size_t n,
			       size_t *choice)
{
	char buf[PLAIN_LINE_MAX + 1];
	char *prompt = NULL;
	enum plain_answer a = PLAIN_END;

	print_items(question, items, n);
	if (n == 1)
		prompt = strdup(_("Choose 1, or q to go back:"));
	else if (asprintf(&prompt, _("Choose 1-%zu, or q to go back:"),
			  n) < 0)
		prompt = NULL;
	if (prompt == NULL)
		return PLAIN_END;

	for (;;) {
		char *answer;

		a = read_answer(prompt, buf);
		if (a != PLAIN_OK)
			break;
		answer = trim(buf);
		if (is_back(answer)) {
			a = PLAIN_BACK;
			break;
		}
		if (parse_choice(answer, n, choice))
			break;
		if (answer[0] == '\0')
			plain_say(_("No choice given; type a number from 1 "
				    "to %zu, or q to go back."), n);
		else
			plain_say(_("'%s' is not one of the choices; type a "
				    "number from 1 to %zu, or q to go back."),
				  answer, n);
	}
	free(prompt);
	return a;
}

enum plain_answer plain_read_text(const char *prompt, char **line)
{
	char buf[PLAIN_LINE_MAX + 1];
	enum plain_answer a = read_answer(prompt, buf);
	char *answer;

	*line = NULL;
	if (a != PLAIN_OK)
		return a;
	answer = trim(buf);
	if (is_back(answer))
		return PLAIN_BACK;
	*line = strdup(answer);
	return *line != NULL ? PLAIN_OK : PLAIN_END;
}

enum plain_answer plain_read_secret(const char *prompt, char **value,
				    size_t *len)
{
	char *buf = malloc(PLAIN_LINE_MAX + 1);
	kvl_result r;

	*value = NULL;
	*len = 0;
	if (buf == NULL)
		return PLAIN_END;
	/* On a terminal the prompt is printed once echo is off. */
	if (!isatty(STDIN_FILENO)) {
		fputs(prompt, stdout);
		fputc('\n', stdout);
	}
	fflush(stdout);
	r = kvl_cli_read_secret_line(prompt, PLAIN_LINE_MAX, buf, len);
	if (r != KVL_OK) {
		OPENSSL_cleanse(buf, PLAIN_LINE_MAX + 1);
		free(buf);
		if (r == KVL_ERR_INVALID)
			plain_say(_("The credential is longer than %d bytes; "
				    "use 'kvlink connection add "
				    "--credential-stdin' for it."),
				  PLAIN_LINE_MAX);
		return PLAIN_END;
	}
	*value = buf;
	return PLAIN_OK;
}

void plain_free_secret(char *value)
{
	if (value == NULL)
		return;
	OPENSSL_cleanse(value, PLAIN_LINE_MAX + 1);
	free(value);
}

enum plain_answer plain_consent(const char *title, const char *question)
{
	const char *accept[] = { _("I accept the statement") };
	size_t choice;

	putchar('\n');
	plain_say("%s", title);
	kvl_cli_print_lines(stdout, "", kvl_link_privacy_statement());
	return plain_choose(question, accept, 1, &choice);
}
