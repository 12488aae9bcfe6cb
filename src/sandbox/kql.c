/*
 * A strict parser for the few Kusto (KQL) query forms that the sandbox's
 * Resource Graph answers:
 *
 *   resources
 *   | where COLUMN (== | =~ | != | !~) 'TEXT' [and COLUMN ... 'TEXT']...
 *   | project COLUMN [, COLUMN]...
 *   | order by COLUMN [asc | desc]        ("sort by" as well)
 *
 * in any order and number, project and order at most once each. Columns
 * are those of Resource Graph's resources table; where and order take
 * the string columns only, and once a project ran, only its columns.
 * String literals are in single or double quotes, as in KQL, and take
 * the escapes \', \" and \\. Anything else is a parse error, which the
 * route turns into Resource Graph's InvalidQuery reply.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sandbox/sandbox.h"

enum token_kind { TOK_END, TOK_WORD, TOK_STRING, TOK_PIPE, TOK_COMMA,
		  TOK_COMPARE };

struct token {
	enum token_kind kind;
	size_t start;		/* offset in the query text */
	char *text;		/* words and unescaped strings */
	enum sb_kql_compare compare;
};

struct parser {
	const char *text;
	size_t pos;
	struct token tok;
	char *errbuf;
	size_t errlen;
	size_t error_at;
	bool failed;
};

static const char *const string_columns[] = {
	"id", "name", "type", "tenantId", "kind", "location", "resourceGroup",
	"subscriptionId", "managedBy", NULL };
static const char *const other_columns[] = {
	"sku", "plan", "properties", "tags", "identity", "zones",
	"extendedLocation", NULL };

static bool in_set(const char *const *set, const char *name)
{
	for (; *set != NULL; set++)
		if (strcmp(*set, name) == 0)
			return true;
	return false;
}

static bool fail_at(struct parser *p, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool fail_at(struct parser *p, size_t at, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return false;
	va_start(ap, fmt);
	vsnprintf(p->errbuf, p->errlen, fmt, ap);
	va_end(ap);
	p->error_at = at;
	p->failed = true;
	return false;
}

/* Reads a string in single or double quotes starting at p->pos (the
 * opening quote). */
static bool read_string(struct parser *p)
{
	const char *s = p->text;
	char quote = s[p->pos];
	size_t i = p->pos + 1, len = 0;
	char *out = malloc(strlen(s + i) + 1);

	while (out != NULL && s[i] != '\0' && s[i] != quote) {
		if (s[i] == '\\' && (s[i + 1] == '\'' || s[i + 1] == '"' ||
				     s[i + 1] == '\\'))
			i++;
		else if (s[i] == '\\')
			break;
		out[len++] = s[i++];
	}
	if (out == NULL || s[i] != quote) {
		free(out);
		return fail_at(p, p->pos, "unterminated or badly escaped "
			       "string literal");
	}
	out[len] = '\0';
	p->tok.kind = TOK_STRING;
	p->tok.text = out;
	p->pos = i + 1;
	return true;
}

static bool read_compare(struct parser *p)
{
	static const struct {
		const char *text;
		enum sb_kql_compare compare;
	} ops[] = {
		{ "==", SB_KQL_EQ }, { "=~", SB_KQL_EQ_NOCASE },
		{ "!=", SB_KQL_NE }, { "!~", SB_KQL_NE_NOCASE },
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strncmp(p->text + p->pos, ops[i].text, 2) == 0) {
			p->tok.kind = TOK_COMPARE;
			p->tok.compare = ops[i].compare;
			p->pos += 2;
			return true;
		}
	}
	return fail_at(p, p->pos, "unexpected character '%c'",
		       p->text[p->pos]);
}

/* Moves to the next token, freeing the current one's text. */
static bool next(struct parser *p)
{
	const char *s = p->text;
	size_t start;

	free(p->tok.text);
	memset(&p->tok, 0, sizeof(p->tok));
	while (isspace((unsigned char)s[p->pos]))
		p->pos++;
	p->tok.start = start = p->pos;
	if (s[start] == '\0')
		return true;
	if (s[start] == '|' || s[start] == ',') {
		p->tok.kind = s[start] == '|' ? TOK_PIPE : TOK_COMMA;
		p->pos++;
		return true;
	}
	if (s[start] == '\'' || s[start] == '"')
		return read_string(p);
	if (!isalpha((unsigned char)s[start]) && s[start] != '_')
		return read_compare(p);
	while (isalnum((unsigned char)s[p->pos]) || s[p->pos] == '_')
		p->pos++;
	p->tok.kind = TOK_WORD;
	p->tok.text = strndup(s + start, p->pos - start);
	return p->tok.text != NULL ||
	       fail_at(p, start, "out of memory");
}

static bool is_word(struct parser *p, const char *word)
{
	return p->tok.kind == TOK_WORD && strcmp(p->tok.text, word) == 0;
}

/* Takes a column name that the query can still see at this point. */
static char *take_column(struct parser *p, struct sb_kql_query *q,
			 bool strings_only)
{
	char *name = p->tok.kind == TOK_WORD ? p->tok.text : NULL;
	bool known = name != NULL && (in_set(string_columns, name) ||
				      in_set(other_columns, name));
	size_t i;

	if (!known) {
		fail_at(p, p->tok.start, "expected a column of the resources "
			"table");
		return NULL;
	}
	for (i = 0; q->projected && i < q->n_project; i++)
		if (strcmp(q->project[i], name) == 0)
			break;
	if (q->projected && i == q->n_project) {
		fail_at(p, p->tok.start, "column '%s' was projected away",
			name);
		return NULL;
	}
	if (strings_only && !in_set(string_columns, name)) {
		fail_at(p, p->tok.start, "column '%s' is dynamic; compare or "
			"sort string columns only", name);
		return NULL;
	}
	p->tok.text = NULL;
	return name;
}

static bool parse_condition(struct parser *p, struct sb_kql_query *q)
{
	struct sb_kql_condition *c;

	if (q->n_where == SB_KQL_MAX_CONDITIONS)
		return fail_at(p, p->tok.start, "too many conditions");
	c = &q->where[q->n_where];
	c->column = take_column(p, q, true);
	if (c->column == NULL)
		return false;
	/* Counted at once, so that sb_kql_clear frees the column even
	 * when the rest of the condition is invalid. */
	q->n_where++;
	if (!next(p))
		return false;
	if (p->tok.kind != TOK_COMPARE)
		return fail_at(p, p->tok.start, "expected ==, =~, != or !~");
	c->compare = p->tok.compare;
	if (!next(p))
		return false;
	if (p->tok.kind != TOK_STRING)
		return fail_at(p, p->tok.start, "expected a string literal");
	c->value = p->tok.text;
	p->tok.text = NULL;
	return next(p);
}

static bool parse_where(struct parser *p, struct sb_kql_query *q)
{
	if (!next(p) || !parse_condition(p, q))
		return false;
	while (is_word(p, "and"))
		if (!next(p) || !parse_condition(p, q))
			return false;
	return true;
}

static bool parse_project(struct parser *p, struct sb_kql_query *q)
{
	char *columns[SB_KQL_MAX_COLUMNS];
	size_t n = 0;
	bool ok = true;

	if (q->projected)
		return fail_at(p, p->tok.start, "only one project is "
			       "supported");
	do {
		if (!next(p))
			ok = false;
		else if (n == SB_KQL_MAX_COLUMNS)
			ok = fail_at(p, p->tok.start, "too many columns");
		else if ((columns[n] = take_column(p, q, false)) == NULL)
			ok = false;
		else
			n++;
	} while (ok && next(p) && p->tok.kind == TOK_COMMA);
	memcpy(q->project, columns, n * sizeof(*columns));
	q->n_project = n;
	q->projected = true;
	return ok && !p->failed;
}

static bool parse_order(struct parser *p, struct sb_kql_query *q)
{
	if (q->order_by != NULL)
		return fail_at(p, p->tok.start, "only one order by is "
			       "supported");
	if (!next(p))
		return false;
	if (!is_word(p, "by"))
		return fail_at(p, p->tok.start, "expected 'by'");
	if (!next(p))
		return false;
	q->order_by = take_column(p, q, true);
	if (q->order_by == NULL || !next(p))
		return false;
	/* Kusto sorts in descending order unless asc is given. */
	q->descending = true;
	if (is_word(p, "asc") || is_word(p, "desc")) {
		q->descending = is_word(p, "desc");
		return next(p);
	}
	return true;
}

static bool parse_operator(struct parser *p, struct sb_kql_query *q)
{
	if (is_word(p, "where"))
		return parse_where(p, q);
	if (is_word(p, "project"))
		return parse_project(p, q);
	if (is_word(p, "order") || is_word(p, "sort"))
		return parse_order(p, q);
	return fail_at(p, p->tok.start, "expected where, project or order "
		       "by; the sandbox supports no other operator");
}

bool sb_kql_parse(const char *text, struct sb_kql_query *q, char *errbuf,
		  size_t errlen, size_t *error_at)
{
	struct parser p = { text, 0, { TOK_END, 0, NULL, SB_KQL_EQ }, errbuf,
			    errlen, 0, false };
	bool ok;

	memset(q, 0, sizeof(*q));
	ok = next(&p);
	if (ok && !(p.tok.kind == TOK_WORD &&
		    strcasecmp(p.tok.text, "resources") == 0))
		ok = fail_at(&p, p.tok.start, "the query must start with "
			     "the resources table");
	ok = ok && next(&p);
	while (ok && p.tok.kind == TOK_PIPE)
		ok = next(&p) && parse_operator(&p, q);
	if (ok && p.tok.kind != TOK_END)
		ok = fail_at(&p, p.tok.start, "expected '|' or the end of "
			     "the query");
	free(p.tok.text);
	*error_at = p.error_at;
	if (!ok)
		sb_kql_clear(q);
	return ok;
}

void sb_kql_clear(struct sb_kql_query *q)
{
	for (size_t i = 0; i < q->n_where; i++) {
		free(q->where[i].column);
		free(q->where[i].value);
	}
	for (size_t i = 0; i < q->n_project; i++)
		free(q->project[i]);
	free(q->order_by);
	memset(q, 0, sizeof(*q));
}
