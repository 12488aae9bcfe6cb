#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include <curses.h>
#include <openssl/crypto.h>

#include "i18n.h"
#include "tui/draw.h"
#include "tui/secret_entry.h"
#include "tui/term.h"

#define CTRL_U 0x15

void tui_secret_entry_init(struct tui_secret_entry *entry, bool multiline)
{
	memset(entry, 0, sizeof(*entry));
	entry->multiline = multiline;
}

void tui_secret_entry_clear(struct tui_secret_entry *entry)
{
	bool multiline = entry->multiline;

	if (entry->text != NULL) {
		OPENSSL_cleanse(entry->text, entry->cap);
		free(entry->text);
	}
	tui_secret_entry_init(entry, multiline);
}

const char *tui_secret_entry_text(const struct tui_secret_entry *entry)
{
	return entry->text != NULL ? entry->text : "";
}

/* Makes room for extra more bytes plus the NUL. realloc could leave a
 * copy of the secret behind in freed memory, so this copies and wipes. */
static bool reserve(struct tui_secret_entry *entry, size_t extra)
{
	size_t need = entry->len + extra + 1;
	size_t cap = entry->cap ? entry->cap : 64;
	char *grown;

	if (need > TUI_SECRET_MAX + 1)
		return false;
	if (need <= entry->cap)
		return true;
	while (cap < need)
		cap *= 2;
	grown = calloc(1, cap);
	if (grown == NULL)
		return false;
	if (entry->text != NULL) {
		memcpy(grown, entry->text, entry->len + 1);
		OPENSSL_cleanse(entry->text, entry->cap);
		free(entry->text);
	}
	entry->text = grown;
	entry->cap = cap;
	return true;
}

static void append(struct tui_secret_entry *entry, wint_t ch)
{
	char mb[MB_LEN_MAX];
	mbstate_t st;
	size_t n;

	memset(&st, 0, sizeof(st));
	n = wcrtomb(mb, (wchar_t)ch, &st);
	if (n == (size_t)-1 || !reserve(entry, n)) {
		OPENSSL_cleanse(mb, sizeof(mb));
		return;
	}
	memcpy(entry->text + entry->len, mb, n);
	entry->len += n;
	entry->text[entry->len] = '\0';
	OPENSSL_cleanse(mb, sizeof(mb));
}

static void backspace(struct tui_secret_entry *entry)
{
	while (entry->len > 0 &&
	       ((unsigned char)entry->text[entry->len - 1] & 0xC0) == 0x80)
		entry->text[--entry->len] = '\0';
	if (entry->len > 0)
		entry->text[--entry->len] = '\0';
}

bool tui_secret_entry_key(struct tui_secret_entry *entry,
			  const struct tui_key *key)
{
	wint_t ch = key->ch;

	if (key->function) {
		if (ch == KEY_BACKSPACE)
			backspace(entry);
		else if (ch == KEY_ENTER && entry->multiline)
			append(entry, '\n');
		else
			return false;
		return true;
	}
	if (ch == 127 || ch == 8) {
		backspace(entry);
	} else if (ch == CTRL_U) {
		tui_secret_entry_clear(entry);
	} else if ((ch == '\r' || ch == '\n') && entry->multiline) {
		append(entry, '\n');
	} else if (ch >= 32 && iswprint(ch)) {
		append(entry, ch);
	} else {
		return false;
	}
	return true;
}

static size_t count_chars(const struct tui_secret_entry *entry,
			  size_t *lines)
{
	size_t n = 0;

	*lines = entry->len > 0 ? 1 : 0;
	for (size_t i = 0; i < entry->len; i++) {
		unsigned char c = (unsigned char)entry->text[i];

		if (c == '\n')
			(*lines)++;
		else if ((c & 0xC0) != 0x80)
			n++;
	}
	return n;
}

void tui_secret_entry_draw(const struct tui_secret_entry *entry, int row,
			   int col, int width, bool focused)
{
	char mask[96];
	char *text = NULL;
	size_t lines;
	size_t stars = count_chars(entry, &lines);
	bool show_lines = entry->multiline && lines > 1;
	/* Leave room for the line count and the cursor. */
	int room = width - 1 - (show_lines ? 14 : 0);
	int used;

	if (room < 1)
		return;
	if (stars > (size_t)room)
		stars = (size_t)room;
	if (stars > sizeof(mask) - 1)
		stars = sizeof(mask) - 1;
	memset(mask, '*', stars);
	mask[stars] = '\0';
	if (show_lines &&
	    asprintf(&text, _("%s (%zu lines)"), mask, lines) < 0)
		text = NULL;
	used = tui_draw_text(row, col, width - 1, text ? text : mask,
			     TUI_ROLE_INPUT, false);
	free(text);
	if (focused)
		tui_term_cursor(row, col + used);
}
