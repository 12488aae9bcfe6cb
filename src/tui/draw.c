#include "config.h"

#include <langinfo.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curses.h>

#include "core/sanitize.h"
#include "tui/draw.h"

/* Set by --ascii. */
static bool ascii_only;

void tui_draw_set_ascii(bool ascii)
{
	ascii_only = ascii;
}

bool tui_utf8_locale(void)
{
	const char *codeset = nl_langinfo(CODESET);

	return codeset != NULL && (strcasecmp(codeset, "UTF-8") == 0 ||
				   strcasecmp(codeset, "utf8") == 0);
}

bool tui_draw_unicode(void)
{
	return !ascii_only && tui_utf8_locale();
}

/* A copy of UTF-8 text with each non-ASCII character replaced by '?',
 * because curses in a non-UTF-8 locale draws each of its bytes as a
 * sequence such as "~I", which would not fit the measured width. */
static char *ascii_fallback(const char *text)
{
	char *out = malloc(strlen(text) + 1);
	size_t n = 0;

	if (out == NULL)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p < 0x80)
			out[n++] = (char)*p;
		else if ((*p & 0xc0) != 0x80)
			out[n++] = '?';
	}
	out[n] = '\0';
	return out;
}

int tui_draw_text(int row, int col, int width, const char *text,
		  enum tui_role role, bool pad)
{
	char *ascii = NULL, *cut;
	int used = 0;

	if (width <= 0)
		return 0;
	if (text != NULL && !tui_draw_unicode()) {
		ascii = ascii_fallback(text);
		text = ascii != NULL ? ascii : "?";
	}
	cut = kvl_truncate_cols(text ? text : "", (size_t)width);
	free(ascii);
	attrset(tui_role_attr(role));
	if (cut != NULL) {
		mvaddstr(row, col, cut);
		used = (int)kvl_display_width(cut);
	}
	if (pad) {
		for (int c = used; c < width; c++)
			mvaddch(row, col + c, ' ');
	}
	attrset(A_NORMAL);
	free(cut);
	return used;
}

int tui_draw_untrusted(int row, int col, int width, const char *text,
		       enum tui_role role)
{
	char *clean = kvl_sanitize(text);
	int used = tui_draw_text(row, col, width, clean ? clean : "?", role,
				 false);

	free(clean);
	return used;
}

void tui_draw_field(int row, int col, int width, const char *label,
		    const char *value)
{
	int used = tui_draw_text(row, col, width, label, TUI_ROLE_HEADING,
				 false);

	used += tui_draw_text(row, col + used, width - used, ": ",
			      TUI_ROLE_HEADING, false);
	tui_draw_untrusted(row, col + used, width - used, value,
			   TUI_ROLE_NORMAL);
}

void tui_draw_box(int top, int left, int rows, int cols, enum tui_role role)
{
	/* Outside a UTF-8 locale curses would draw the ACS characters
	 * through the terminal's alternate character set, which --ascii
	 * rules out, so both use plain '+', '-' and '|'. */
	bool lines = tui_draw_unicode();
	chtype corner = lines ? ACS_ULCORNER : '+';

	if (rows < 2 || cols < 2)
		return;
	attrset(tui_role_attr(role));
	mvaddch(top, left, corner);
	mvhline(top, left + 1, lines ? ACS_HLINE : '-', cols - 2);
	mvaddch(top, left + cols - 1, lines ? ACS_URCORNER : '+');
	mvvline(top + 1, left, lines ? ACS_VLINE : '|', rows - 2);
	mvvline(top + 1, left + cols - 1, lines ? ACS_VLINE : '|', rows - 2);
	mvaddch(top + rows - 1, left, lines ? ACS_LLCORNER : '+');
	mvhline(top + rows - 1, left + 1, lines ? ACS_HLINE : '-', cols - 2);
	mvaddch(top + rows - 1, left + cols - 1, lines ? ACS_LRCORNER : '+');
	attrset(A_NORMAL);
}
