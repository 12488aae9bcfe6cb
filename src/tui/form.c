#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "core/sanitize.h"
#include "i18n.h"
#include "tui/draw.h"
#include "tui/form.h"
#include "tui/keys.h"

/* Lines of help or error text under a row, at most. */
#define NOTE_LINES 3

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

/* Keys that move between rows, whatever the focused row is. */
static bool moves(const struct tui_key *key, int *delta)
{
	if (tui_key_is_char(key, TUI_KEY_TAB)) {
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
		if (tui_key_is_enter(key))
			return TUI_FORM_SUBMIT;
		return tui_field_key(&row->field, key) ? TUI_FORM_EDITED :
							 TUI_FORM_IGNORED;
	case TUI_FORM_MASKED:
		if (tui_key_is_enter(key) && !row->secret.multiline)
			return TUI_FORM_SUBMIT;
		return tui_secret_entry_key(&row->secret, key) ?
			       TUI_FORM_EDITED : TUI_FORM_IGNORED;
	case TUI_FORM_STORED:
		if (tui_key_is_enter(key))
			return TUI_FORM_SUBMIT;
		return tui_key_is_letter(key, 'r') ?
			       TUI_FORM_ACTIVATE : TUI_FORM_IGNORED;
	case TUI_FORM_CHOICE:
		return tui_key_is_enter(key) ? TUI_FORM_ACTIVATE : TUI_FORM_IGNORED;
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

/* The help or error text under a row, wrapped to width; at most
 * NOTE_LINES lines. The caller frees with tui_lines_free. */
static size_t note_lines(const struct tui_form_row *row, int width,
			 char ***lines)
{
	const char *note = row->error ? row->error : row->help;
	size_t n;

	*lines = NULL;
	if (note == NULL || width < 1)
		return 0;
	n = tui_wrap(note, width, lines);
	return n < NOTE_LINES ? n : NOTE_LINES;
}

/* Rows of the screen that row takes: its input and its note. */
static int row_height(const struct tui_form_row *row, int width)
{
	char **lines;
	size_t n = note_lines(row, width, &lines);

	tui_lines_free(lines, n);
	return 1 + (n > 0 ? (int)n : 1);
}

static void draw_row(const struct tui_form_row *row, int line,
		     const struct tui_rect *rect, int label_cols,
		     bool focused)
{
	int value_col = rect->left + label_cols;
	int value_cols = rect->cols - label_cols;
	enum tui_role role = row->error ? TUI_ROLE_ERROR :
			     focused ? TUI_ROLE_SELECTED : TUI_ROLE_HEADING;
	char **lines;
	size_t n = note_lines(row, value_cols, &lines);
	int used;

	used = tui_draw_text(line, rect->left, 2, row->error ? "! " : "  ",
			     TUI_ROLE_ERROR, false);
	used += tui_draw_text(line, rect->left + used, label_cols - used - 2,
			      row->label, role, false);
	tui_draw_text(line, rect->left + used, 2, ":", role, false);
	draw_value(row, line, value_col, value_cols, focused);

	for (size_t i = 0; i < n; i++)
		tui_draw_text(line + 1 + (int)i, value_col, value_cols,
			      lines[i], row->error ? TUI_ROLE_ERROR :
						     TUI_ROLE_DISABLED, false);
	tui_lines_free(lines, n);
}

/* Moves form->top so that the focused row is on screen whole. */
static void scroll_to_focus(struct tui_form *form, int rows, int width)
{
	int used;

	if (form->focus < form->top)
		form->top = form->focus;
	for (;;) {
		used = 0;
		for (size_t i = form->top; i <= form->focus; i++)
			used += row_height(&form->rows[i], width);
		if (used <= rows || form->top == form->focus)
			break;
		form->top++;
	}
}

void tui_form_draw(struct tui_form *form, const struct tui_rect *rect)
{
	int label_cols = label_width(form, rect->cols);
	int width = rect->cols - label_cols;
	int line = rect->top;
	int bottom = rect->top + rect->rows;

	if (form->n == 0)
		return;
	scroll_to_focus(form, rect->rows, width);
	for (size_t i = form->top; i < form->n; i++) {
		int height = row_height(&form->rows[i], width);

		if (line + height > bottom && i != form->top)
			break;
		draw_row(&form->rows[i], line, rect, label_cols,
			 i == form->focus);
		line += height;
	}
}

void tui_form_draw_action(int row, int col, int width, const char *label,
			  bool enabled)
{
	char *button = NULL;
	int used;

	if (asprintf(&button, "[ %s ]", label) < 0)
		return;
	used = tui_draw_text(row, col, width, button,
			     enabled ? TUI_ROLE_HEADING : TUI_ROLE_DISABLED,
			     false);
	if (!enabled && used + 2 < width)
		tui_draw_text(row, col + used + 2, width - used - 2,
			      _("unavailable until the fields marked ! are "
				"valid"),
			      TUI_ROLE_DISABLED, false);
	free(button);
}
