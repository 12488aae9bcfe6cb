#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "core/sanitize.h"
#include "i18n.h"
#include "tui/draw.h"
#include "tui/form.h"

/* Rows of the screen a form row takes: the input and its help line. */
#define ROW_LINES 2
#define KEY_TAB '\t'

void tui_form_init(struct tui_form *form)
{
	memset(form, 0, sizeof(*form));
}

static void row_free(struct tui_form_row *row)
{
	tui_secret_entry_clear(&row->secret);
	free(row->label);
	free(row->help);
	free(row->choice);
	free(row->error);
}

void tui_form_clear(struct tui_form *form)
{
	for (size_t i = 0; i < form->n; i++)
		row_free(&form->rows[i]);
	free(form->rows);
	tui_form_init(form);
}

struct tui_form_row *tui_form_add(struct tui_form *form,
				  enum tui_form_kind kind, const char *label,
				  const char *help, size_t tag,
				  bool multiline)
{
	struct tui_form_row *rows;
	struct tui_form_row *row;

	rows = realloc(form->rows, (form->n + 1) * sizeof(*rows));
	if (rows == NULL)
		return NULL;
	form->rows = rows;
	row = &rows[form->n];
	memset(row, 0, sizeof(*row));
	row->kind = kind;
	row->tag = tag;
	row->label = strdup(label);
	row->help = help != NULL ? strdup(help) : NULL;
	tui_field_init(&row->field, 0);
	tui_secret_entry_init(&row->secret, multiline);
	if (row->label == NULL) {
		row_free(row);
		return NULL;
	}
	form->n++;
	return row;
}

void tui_form_set_error(struct tui_form_row *row, const char *error)
{
	free(row->error);
	row->error = error != NULL ? kvl_sanitize(error) : NULL;
}

void tui_form_set_choice(struct tui_form_row *row, const char *choice)
{
	free(row->choice);
	row->choice = choice != NULL ? strdup(choice) : NULL;
}

void tui_form_replace_stored(struct tui_form_row *row)
{
	tui_secret_entry_clear(&row->secret);
	row->kind = TUI_FORM_MASKED;
}

struct tui_form_row *tui_form_focused(struct tui_form *form)
{
	return form->focus < form->n ? &form->rows[form->focus] : NULL;
}

size_t tui_form_first_error(const struct tui_form *form)
{
	for (size_t i = 0; i < form->n; i++) {
		if (form->rows[i].error != NULL)
			return i;
	}
	return form->n;
}

static enum tui_form_event move_focus(struct tui_form *form, int delta)
{
	if (form->n == 0)
		return TUI_FORM_HANDLED;
	form->left = form->focus;
	if (delta < 0)
		form->focus = form->focus == 0 ? form->n - 1 : form->focus - 1;
	else
		form->focus = (form->focus + 1) % form->n;
	return TUI_FORM_MOVED;
}

static bool is_enter(const struct tui_key *key)
{
	return (key->function && key->ch == KEY_ENTER) ||
	       (!key->function && (key->ch == '\r' || key->ch == '\n'));
}

/* Keys that move between rows, whatever the focused row is. */
static bool moves(const struct tui_key *key, int *delta)
{
	if (!key->function && key->ch == KEY_TAB) {
		*delta = 1;
		return true;
	}
	if (key->function && (key->ch == KEY_BTAB || key->ch == KEY_UP)) {
		*delta = -1;
		return true;
	}
	if (key->function && key->ch == KEY_DOWN) {
		*delta = 1;
		return true;
	}
	return false;
}

static enum tui_form_event row_key(struct tui_form_row *row,
				   const struct tui_key *key)
{
	switch (row->kind) {
	case TUI_FORM_TEXT:
		if (is_enter(key))
			return TUI_FORM_SUBMIT;
		return tui_field_key(&row->field, key) ? TUI_FORM_EDITED :
							 TUI_FORM_IGNORED;
	case TUI_FORM_MASKED:
		if (is_enter(key) && !row->secret.multiline)
			return TUI_FORM_SUBMIT;
		return tui_secret_entry_key(&row->secret, key) ?
			       TUI_FORM_EDITED : TUI_FORM_IGNORED;
	case TUI_FORM_STORED:
		if (is_enter(key))
			return TUI_FORM_SUBMIT;
		return !key->function && (key->ch == 'r' || key->ch == 'R') ?
			       TUI_FORM_ACTIVATE : TUI_FORM_IGNORED;
	case TUI_FORM_CHOICE:
		return is_enter(key) ? TUI_FORM_ACTIVATE : TUI_FORM_IGNORED;
	}
	return TUI_FORM_IGNORED;
}

enum tui_form_event tui_form_key(struct tui_form *form,
				 const struct tui_key *key)
{
	struct tui_form_row *row = tui_form_focused(form);
	int delta = 0;

	if (moves(key, &delta))
		return move_focus(form, delta);
	if (row == NULL)
		return TUI_FORM_IGNORED;
	return row_key(row, key);
}

static int label_width(const struct tui_form *form, int cols)
{
	int width = 0;

	for (size_t i = 0; i < form->n; i++) {
		int w = (int)kvl_display_width(form->rows[i].label);

		if (w > width)
			width = w;
	}
	/* The mark, the colon and a space around the label. */
	width += 4;
	return width < cols / 3 ? width : cols / 3;
}

static void draw_value(const struct tui_form_row *row, int line, int col,
		       int width, bool focused)
{
	switch (row->kind) {
	case TUI_FORM_TEXT:
		tui_field_draw(&row->field, line, col, width, focused);
		break;
	case TUI_FORM_MASKED:
		tui_secret_entry_draw(&row->secret, line, col, width, focused);
		break;
	case TUI_FORM_STORED:
		tui_draw_text(line, col, width,
			      _("(stored, encrypted)  r replaces"),
			      focused ? TUI_ROLE_SELECTED : TUI_ROLE_NORMAL,
			      false);
		break;
	case TUI_FORM_CHOICE:
		tui_draw_untrusted(line, col, width,
				   row->choice ? row->choice :
						 _("(none)  Enter chooses"),
				   focused ? TUI_ROLE_SELECTED :
					     TUI_ROLE_NORMAL);
		break;
	}
}

static void draw_row(const struct tui_form_row *row, int line,
		     const struct tui_rect *rect, int label_cols,
		     bool focused)
{
	int value_col = rect->left + label_cols;
	int value_cols = rect->cols - label_cols;
	enum tui_role role = row->error ? TUI_ROLE_ERROR :
			     focused ? TUI_ROLE_SELECTED : TUI_ROLE_HEADING;
	int used;

	used = tui_draw_text(line, rect->left, 2, row->error ? "! " : "  ",
			     TUI_ROLE_ERROR, false);
	used += tui_draw_text(line, rect->left + used, label_cols - used - 2,
			      row->label, role, false);
	tui_draw_text(line, rect->left + used, 2, ":", role, false);
	draw_value(row, line, value_col, value_cols, focused);

	if (row->error != NULL)
		tui_draw_text(line + 1, value_col, value_cols, row->error,
			      TUI_ROLE_ERROR, false);
	else if (row->help != NULL)
		tui_draw_text(line + 1, value_col, value_cols, row->help,
			      TUI_ROLE_DISABLED, false);
}

void tui_form_draw(struct tui_form *form, const struct tui_rect *rect)
{
	int label_cols = label_width(form, rect->cols);
	size_t page = rect->rows / ROW_LINES > 0 ?
			      (size_t)(rect->rows / ROW_LINES) : 1;
	int line = rect->top;

	form->top = tui_scroll_top(form->top, form->focus, form->n, page);
	for (size_t i = form->top; i < form->n && i < form->top + page; i++) {
		draw_row(&form->rows[i], line, rect, label_cols,
			 i == form->focus);
		line += ROW_LINES;
	}
}
