/*
 * Line mode: the wizard's flows as numbered prompts on plain lines, for
 * screen readers, dumb terminals and input from a pipe. It draws
 * nothing, moves no cursor and uses no colour. It runs the same flow and
 * command code as the wizard and the commands (flow/link.h, the checks,
 * connection add), and only reads the choices from standard input.
 */
#ifndef KVL_CLI_PLAIN_H
#define KVL_CLI_PLAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/cli.h"

/* The outcome of a prompt. */
enum plain_answer {
	PLAIN_OK,
	PLAIN_BACK,	/* q: back to the previous step */
	PLAIN_END,	/* end of input, SIGINT or a read error */
};

/* Maximum length of an input line, in bytes. */
#define PLAIN_LINE_MAX 4096

/*
 * Prints question, the items numbered from 1 (sanitised) and "Choose
 * 1-N, or q to go back:", then reads answers until one is a number of
 * the list or q. Each invalid answer gets a message naming it and the
 * prompt again. *choice gets the index (from 0).
 */
enum plain_answer plain_choose(const char *question,
			       const char *const *items, size_t n,
			       size_t *choice);

/*
 * Prints prompt and reads one line into *line (the caller frees). A
 * line of just q is PLAIN_BACK. An empty line is returned as such.
 */
enum plain_answer plain_read_text(const char *prompt, char **line);

/*
 * Reads a credential for prompt: without echo when standard input is a
 * terminal, else the next line. The caller wipes and frees *value with
 * plain_free_secret. An empty line gives an empty value.
 */
enum plain_answer plain_read_secret(const char *prompt, char **value,
				    size_t *len);
void plain_free_secret(char *value);

/* Prints a message line on standard output (sanitised). */
void plain_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints err's message, or "what failed" when it has none. */
void plain_report(const char *what, const struct kvl_error *err);

/* Prints why a typed value was rejected, and requests another. */
void plain_invalid(const struct kvl_error *err);

/* Prints title and the data privacy and compliance statement, then
 * offers to accept it; PLAIN_OK means accepted. */
enum plain_answer plain_consent(const char *title, const char *question);

/* plain_link.c: the Key Vault link flow, from the subscription to the
 * save. Returns PLAIN_END when input ended. */
enum plain_answer plain_link_flow(struct kvl_cli *cli);

/* plain_conn.c: Admin > Connections and Add connection. */
enum plain_answer plain_connections(struct kvl_cli *cli);

#endif
