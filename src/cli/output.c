/*
 * Output of the command line: the sink (progress and sign-in messages on
 * stderr), JSON documents, aligned fields and tables on stdout, and
 * error messages. Text that may have come from Azure or a file is
 * sanitised here, just before it is printed.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/sanitize.h"
#include "i18n.h"

/* Width of the label column of kvl_cli_print_field, in columns. */
#define FIELD_LABEL_COLS 20

volatile sig_atomic_t kvl_cli_interrupted;

static void print_sanitized(FILE *out, const char *text)
{
	char *clean = kvl_sanitize(text);

	fputs(clean != NULL ? clean : "?", out);
	free(clean);
}

/* Progress is only useful to someone watching, so scripts do not get it. */
static void sink_progress(void *ctx, const char *what)
{
	const struct kvl_cli *cli = ctx;

	if (!cli->stderr_tty)
		return;
	print_sanitized(stderr, what);
	fputs("...\n", stderr);
}

static void sink_message(void *ctx, enum kvl_level level, const char *text)
{
	(void)ctx;

	switch (level) {
	case KVL_LEVEL_WARNING:
		fputs(_("kvlink: warning: "), stderr);
		break;
	case KVL_LEVEL_ERROR:
		fputs("kvlink: ", stderr);
		break;
	default:
		break;
	}
	print_sanitized(stderr, text);
	fputc('\n', stderr);
}

/* The device code message always goes to stderr, so that stdout stays
 * clean for JSON even while someone signs in. */
static void sink_device_code(void *ctx, const char *message,
			     const char *user_code,
			     const char *verification_uri)
{
	const struct kvl_cli *cli = ctx;

	if (message != NULL && *message != '\0') {
		print_sanitized(stderr, message);
	} else {
		char *code = kvl_sanitize(user_code);
		char *uri = kvl_sanitize(verification_uri);

		fprintf(stderr, _("To sign in, open %s in a browser and enter "
				  "the code %s."), uri ? uri : "?",
			code ? code : "?");
		free(code);
		free(uri);
	}
	if (cli->opt.sandbox)
		fputs(_(" (kvlink-sandbox approves the code by itself.)"),
		      stderr);
	fputc('\n', stderr);
	fflush(stderr);
}

static bool sink_cancelled(void *ctx)
{
	(void)ctx;
	return kvl_cli_interrupted != 0;
}

void kvl_cli_sink_init(struct kvl_cli *cli)
{
	cli->stderr_tty = isatty(STDERR_FILENO);
	cli->sink.progress = sink_progress;
	cli->sink.message = sink_message;
	cli->sink.device_code = sink_device_code;
	cli->sink.cancelled = sink_cancelled;
	cli->sink.ctx = cli;
}

int kvl_cli_close_stdout(int code)
{
	int saved = 0;
	bool failed = false;

	errno = 0;
	if (fflush(stdout) != 0) {
		failed = true;
		saved = errno;
	}
	if (ferror(stdout))
		failed = true;
	if (fclose(stdout) != 0 && !failed) {
		failed = true;
		saved = errno;
	}
	if (!failed)
		return code;

	if (saved != 0)
		fprintf(stderr, _("kvlink: writing to standard output "
				  "failed: %s\n"), strerror(saved));
	else
		fputs(_("kvlink: writing to standard output failed\n"),
		      stderr);
	return code != KVL_EXIT_OK ? code : KVL_EXIT_FAILURE;
}

void kvl_cli_print_json(json_object *doc)
{
	const char *text = json_object_to_json_string_ext(doc,
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	/* json-c copies invalid UTF-8, C1 and bidi controls from Azure or
	 * files as they are. */
	char *clean = kvl_json_safe(text != NULL ? text : "null");

	puts(clean != NULL ? clean : "null");
	free(clean);
}

void kvl_cli_json_add_string(json_object *obj, const char *key,
			     const char *value)
{
	json_object_object_add(obj, key, value != NULL ?
			       json_object_new_string(value) : NULL);
}

void kvl_cli_print_field(const char *label, const char *value)
{
	size_t width = kvl_display_width(label);

	printf("%s:", label);
	for (size_t i = width + 1; i < FIELD_LABEL_COLS; i++)
		putchar(' ');
	putchar(' ');
	print_sanitized(stdout, value != NULL ? value : "-");
	putchar('\n');
}

void kvl_cli_print_lines(FILE *out, const char *indent, const char *text)
{
	const char *line = text;

	while (line != NULL && *line != '\0') {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char *copy = strndup(line, len);

		fputs(indent, out);
		if (copy != NULL)
			print_sanitized(out, copy);
		fputc('\n', out);
		free(copy);
		line = end ? end + 1 : NULL;
	}
}

/* Whether a failed sign-in should end with the hint to run 'kvlink
 * login': not when another method was chosen or the message already
 * names what to set or run. The managed identity's and the Azure CLI's
 * failures always name another --auth method. */
static bool wants_login_hint(const struct kvl_cli *cli, const char *text)
{
	static const char *const hints[] = {
		"kvlink login", "AZURE_", "IDENTITY_", "az login", "--auth",
		NULL,
	};
	enum kvl_auth_method m = cli->opt.auth_method;

	if (m != KVL_AUTH_AUTO && m != KVL_AUTH_CACHED &&
	    m != KVL_AUTH_DEVICE_CODE)
		return false;
	for (size_t i = 0; text != NULL && hints[i] != NULL; i++) {
		if (strstr(text, hints[i]) != NULL)
			return false;
	}
	return true;
}

void kvl_cli_print_error(const struct kvl_cli *cli,
			 const struct kvl_error *err)
{
	char *text = kvl_error_format(err);
	bool hint;

	fputs("kvlink: ", stderr);
	print_sanitized(stderr, text != NULL ? text : err->message);
	fputc('\n', stderr);

	/* A failed device code or cached sign-in gets a hint on how to sign
	 * in, unless the core message already contains one. */
	hint = cli != NULL && err->result == KVL_ERR_AUTH &&
	       cli->opt.command != KVL_CMD_LOGIN &&
	       wants_login_hint(cli, text);
	free(text);
	if (hint)
		fputs(_("kvlink: run 'kvlink login' first, or set "
			"AZURE_TENANT_ID, AZURE_CLIENT_ID and "
			"AZURE_CLIENT_SECRET to sign in as a service "
			"principal\n"), stderr);
}

/* The widest cell of a text table. A longer value, such as a name from
 * Azure of thousands of characters, is cut with "~", but --output json
 * keeps it whole. */
#define TABLE_CELL_MAX_COLS 128

/* Sanitises text for a table cell and cuts it to TABLE_CELL_MAX_COLS. */
static char *table_cell(const char *text)
{
	char *clean = kvl_sanitize(text);
	char *cut;

	if (clean == NULL || kvl_display_width(clean) <= TABLE_CELL_MAX_COLS)
		return clean;
	cut = kvl_truncate_cols(clean, TABLE_CELL_MAX_COLS);
	free(clean);
	return cut;
}

kvl_result kvl_cli_table_init(struct kvl_cli_table *t, size_t n_cols,
			      const char *const *header)
{
	memset(t, 0, sizeof(*t));
	if (n_cols == 0 || n_cols > KVL_CLI_TABLE_MAX_COLS)
		return KVL_ERR_INVALID;
	t->n_cols = n_cols;
	return kvl_cli_table_add(t, header);
}

kvl_result kvl_cli_table_add(struct kvl_cli_table *t, const char *const *row)
{
	char **cells = realloc(t->cells,
			       (t->n_cells + t->n_cols) * sizeof(*cells));

	if (cells == NULL)
		return KVL_ERR_NOMEM;
	t->cells = cells;

	for (size_t c = 0; c < t->n_cols; c++) {
		char *clean = table_cell(row[c] != NULL ? row[c] : "-");

		if (clean == NULL)
			return KVL_ERR_NOMEM;
		t->cells[t->n_cells++] = clean;
	}
	return KVL_OK;
}

void kvl_cli_table_print(const struct kvl_cli_table *t, FILE *out)
{
	size_t widths[KVL_CLI_TABLE_MAX_COLS] = { 0 };

	for (size_t i = 0; i < t->n_cells; i++) {
		size_t c = i % t->n_cols;
		size_t w = kvl_display_width(t->cells[i]);

		if (w > widths[c])
			widths[c] = w;
	}

	for (size_t i = 0; i < t->n_cells; i++) {
		size_t c = i % t->n_cols;
		bool last = c + 1 == t->n_cols;

		fputs(t->cells[i], out);
		if (last) {
			fputc('\n', out);
			continue;
		}
		for (size_t w = kvl_display_width(t->cells[i]);
		     w < widths[c] + 2; w++)
			fputc(' ', out);
	}
}

void kvl_cli_table_clear(struct kvl_cli_table *t)
{
	for (size_t i = 0; i < t->n_cells; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}
