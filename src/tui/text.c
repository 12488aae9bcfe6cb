#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "i18n.h"
#include "tui/draw.h"
#include "tui/text.h"

void tui_text_init(struct tui_text *text)
{
	memset(text, 0, sizeof(*text));
}

static void clear_lines(struct tui_text *text)
{
	tui_lines_free(text->lines, text->n);
	free(text->roles);
	text->lines = NULL;
	text->roles = NULL;
	text->n = 0;
	text->cap = 0;
	text->width = 0;
}

void tui_text_clear(struct tui_text *text)
{
	clear_lines(text);
	for (size_t i = 0; i < text->n_paragraphs; i++)
		free(text->paragraphs[i].text);
	free(text->paragraphs);
	tui_text_init(text);
}

static bool push_line(struct tui_text *text, const char *line,
		      enum tui_role role, int indent)
{
	char *copy = NULL;

	if (text->n == text->cap) {
		size_t cap = text->cap ? text->cap * 2 : 32;
		char **lines = realloc(text->lines, cap * sizeof(*lines));
		enum tui_role *roles;

		if (lines == NULL)
			return false;
		text->lines = lines;
		roles = realloc(text->roles, cap * sizeof(*roles));
		if (roles == NULL)
			return false;
		text->roles = roles;
		text->cap = cap;
	}
	if (asprintf(&copy, "%*s%s", indent, "", line) < 0)
		return false;
	text->lines[text->n] = copy;
	text->roles[text->n] = role;
	text->n++;
	return true;
}

static void wrap_paragraph(struct tui_text *text,
			   const struct tui_text_paragraph *p, int width)
{
	char **lines = NULL;
	size_t n = tui_wrap(p->text, width - p->indent, &lines);

	if (lines == NULL)
		text->failed = true;
	for (size_t i = 0; i < n; i++) {
		if (!push_line(text, lines[i], p->role, p->indent))
			text->failed = true;
	}
	tui_lines_free(lines, n);
}

void tui_text_layout(struct tui_text *text, int width)
{
	if (width < 8)
		width = 8;
	if (width == text->width)
		return;

	clear_lines(text);
	for (size_t i = 0; i < text->n_paragraphs; i++)
		wrap_paragraph(text, &text->paragraphs[i], width);
	text->width = width;
}

void tui_text_add(struct tui_text *text, const char *s, enum tui_role role,
		  int indent)
{
	struct tui_text_paragraph *p;

	if (text->n_paragraphs == text->cap_paragraphs) {
		size_t cap = text->cap_paragraphs ?
				     text->cap_paragraphs * 2 : 16;

		p = realloc(text->paragraphs, cap * sizeof(*p));
		if (p == NULL) {
			text->failed = true;
			return;
		}
		text->paragraphs = p;
		text->cap_paragraphs = cap;
	}
	p = &text->paragraphs[text->n_paragraphs];
	p->text = strdup(s ? s : "");
	if (p->text == NULL) {
		text->failed = true;
		return;
	}
	p->role = role;
	p->indent = indent;
	text->n_paragraphs++;
	text->width = 0;	/* wrap again at the next draw */
}

void tui_text_addf(struct tui_text *text, enum tui_role role,
		   const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s == NULL) {
		text->failed = true;
		return;
	}
	tui_text_add(text, s, role, 0);
	free(s);
}

bool tui_text_key(struct tui_text *text, const struct tui_key *key)
{
	size_t page = text->page > 1 ? text->page - 1 : 1;
	size_t last = text->n > text->page ? text->n - text->page : 0;

	if (!key->function)
		return false;
	switch (key->ch) {
	case KEY_UP:
		text->top = text->top > 0 ? text->top - 1 : 0;
		break;
	case KEY_DOWN:
		text->top = text->top < last ? text->top + 1 : last;
		break;
	case KEY_PPAGE:
		text->top = text->top > page ? text->top - page : 0;
		break;
	case KEY_NPAGE:
		text->top = text->top + page < last ? text->top + page : last;
		break;
	case KEY_HOME:
		text->top = 0;
		break;
	case KEY_END:
		text->top = last;
		break;
	default:
		return false;
	}
	return true;
}

/* The position line under text that does not fit. */
static void draw_position(const struct tui_text *text, int row,
			  const struct tui_rect *rect)
{
	char *where = NULL;

	if (asprintf(&where, _("lines %zu-%zu of %zu; Up/Down scroll"),
		     text->top + 1, text->top + text->page, text->n) >= 0)
		tui_draw_text(row, rect->left, rect->cols, where,
			      TUI_ROLE_STATUS, false);
	free(where);
}

void tui_text_draw(struct tui_text *text, const struct tui_rect *rect)
{
	size_t height = rect->rows > 0 ? (size_t)rect->rows : 0;
	bool scrolls;
	size_t last;

	tui_text_layout(text, rect->cols);
	scrolls = text->n > height && height > 1;

	/* Text that does not fit gives up its last row to the position. */
	text->page = scrolls ? height - 1 : height;
	last = text->n > text->page ? text->n - text->page : 0;
	if (text->top > last)
		text->top = last;
	for (size_t i = 0; i < text->page && text->top + i < text->n; i++)
		tui_draw_text(rect->top + (int)i, rect->left, rect->cols,
			      text->lines[text->top + i],
			      text->roles[text->top + i], false);
	if (scrolls)
		draw_position(text, rect->top + (int)text->page, rect);
	if (text->failed)
		tui_draw_text(rect->top, rect->left, rect->cols,
			      _("out of memory: some text is missing"),
			      TUI_ROLE_ERROR, false);
}
