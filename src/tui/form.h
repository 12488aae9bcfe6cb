/*
 * A form of labelled rows, each with its help text under it.
 * Tab/Down and Shift-Tab/Up move between rows. A row with an error has
 * its label marked with '!' in the error role, and the error replaces the
 * help text under it; both wrap to at most three lines. The screen that
 * owns the form validates the rows and sets the errors; the form only
 * reports what the keys did.
 */
#ifndef KVL_TUI_FORM_H
#define KVL_TUI_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/field.h"
#include "tui/layout.h"
#include "tui/screen.h"
#include "tui/secret_entry.h"

enum tui_form_kind {
	TUI_FORM_TEXT,		/* a one-line text field */
	TUI_FORM_MASKED,	/* a typed credential, drawn as '*' */
	TUI_FORM_STORED,	/* a sealed credential kept as it is */
	TUI_FORM_CHOICE,	/* a value picked on another screen */
};

struct tui_form_row {
	enum tui_form_kind kind;
	char *label;		/* translated */
	char *help;		/* translated; may be NULL */
	struct tui_field field;	/* TUI_FORM_TEXT */
	struct tui_secret_entry secret;	/* TUI_FORM_MASKED */
	char *choice;		/* TUI_FORM_CHOICE: untrusted; NULL: none */
	char *error;		/* sanitised; NULL while the row is valid */
	size_t tag;		/* the owner's index for this row */
};

struct tui_form {
	struct tui_form_row *rows;
	size_t n;
	size_t focus;
	size_t left;		/* the row focused before the last move */
	size_t top;		/* first row on screen */
};

enum tui_form_event {
	TUI_FORM_IGNORED,
	TUI_FORM_HANDLED,
	TUI_FORM_EDITED,	/* the focused row's value changed */
	TUI_FORM_MOVED,		/* the focus moved to another row */
	TUI_FORM_SUBMIT,	/* Enter on a text, masked or stored row */
	TUI_FORM_ACTIVATE,	/* Enter on a choice row, r on a stored one */
};

void tui_form_init(struct tui_form *form);
/* Frees every row, wiping masked text first. */
void tui_form_clear(struct tui_form *form);

/* Appends a row; label and help are copied. Returns the row, or NULL
 * when out of memory. A masked row with multiline takes newlines. */
struct tui_form_row *tui_form_add(struct tui_form *form,
				  enum tui_form_kind kind, const char *label,
				  const char *help, size_t tag,
				  bool multiline);

/* Sets or clears (error NULL) a row's error; the text is sanitised. */
void tui_form_set_error(struct tui_form_row *row, const char *error);
/* Sets a choice row's text (untrusted); NULL shows that none is set. */
void tui_form_set_choice(struct tui_form_row *row, const char *choice);
/* Turns a stored row into an empty masked one. */
void tui_form_replace_stored(struct tui_form_row *row);

/* The focused row, or NULL for an empty form. */
struct tui_form_row *tui_form_focused(struct tui_form *form);
/* Index of the first row with an error, or n when there is none. */
size_t tui_form_first_error(const struct tui_form *form);

/*
 * Draws a form's action, such as "[ Continue ]", at row. An action that
 * is not enabled is dimmed and followed by a note that the fields marked
 * '!' must be valid first. label is translated.
 */
void tui_form_draw_action(int row, int col, int width, const char *label,
			  bool enabled);

enum tui_form_event tui_form_key(struct tui_form *form,
				 const struct tui_key *key);
void tui_form_draw(struct tui_form *form, const struct tui_rect *rect);

#endif
