#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include <curses.h>

#include "core/sanitize.h"
#include "tui/draw.h"
#include "tui/field.h"
#include "tui/term.h"

#define CTRL_U 0x15

void tui_field_init(struct tui_field *field, size_t max_chars)
{
	memset(field, 0, sizeof(*field));
	field->max_chars = max_chars;
}

static size_t count_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	}
	return n;
}

static void field_backspace(struct tui_field *field)
{
	size_t len = strlen(field->text);

	while (len > 0 && ((unsigned char)field->text[len - 1] & 0xC0) == 0x80)
		len--;
	if (len > 0)
		len--;
	field->text[len] = '\0';
}

static void field_append(struct tui_field *field, wint_t ch)
{
	char mb[MB_LEN_MAX];
	mbstate_t st;
	size_t len = strlen(field->text);
	size_t n;

	if (!iswprint(ch))
		return;
	if (field->max_chars > 0 &&
	    count_chars(field->text) >= field->max_chars)
		return;
	memset(&st, 0, sizeof(st));
	n = wcrtomb(mb, (wchar_t)ch, &st);
	if (n == (size_t)-1 || len + n >= sizeof(field->text))
		return;
	memcpy(field->text + len, mb, n);
	field->text[len + n] = '\0';
}

bool tui_field_key(struct tui_field *field, const struct tui_key *key)
{
	if (key->function) {
		if (key->ch != KEY_BACKSPACE)
			return false;
		field_backspace(field);
		return true;
	}
	if (key->ch == 127 || key->ch == 8) {
		field_backspace(field);
		return true;
	}
	if (key->ch == CTRL_U) {
		field->text[0] = '\0';
		return true;
	}
	if (key->ch < 32)
		return false;
	field_append(field, key->ch);
	return true;
}

void tui_field_draw(const struct tui_field *field, int row, int col,
		    int width, bool focused)
{
	const char *shown = field->text;
	int used;

	if (width < 2)
		return;
	/* Keep the end in view, leaving a column for the cursor. */
	while (*shown != '\0' && (int)kvl_display_width(shown) > width - 1) {
		shown++;
		while (((unsigned char)*shown & 0xC0) == 0x80)
			shown++;
	}
	used = tui_draw_text(row, col, width, shown, TUI_ROLE_INPUT, true);
	if (focused)
		tui_term_cursor(row, col + used);
}
