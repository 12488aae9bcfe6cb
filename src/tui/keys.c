#include "config.h"

#include <curses.h>

#include "tui/keys.h"

bool tui_key_is_char(const struct tui_key *key, wint_t ch)
{
	return !key->function && key->ch == ch;
}

bool tui_key_is_letter(const struct tui_key *key, char letter)
{
	wint_t lower = (wint_t)(letter | 0x20);

	return !key->function && (key->ch == lower || key->ch == lower - 0x20);
}

bool tui_key_is_code(const struct tui_key *key, int code)
{
	return key->function && key->ch == (wint_t)code;
}

bool tui_key_is_enter(const struct tui_key *key)
{
	return tui_key_is_code(key, KEY_ENTER) || tui_key_is_char(key, '\r') ||
	       tui_key_is_char(key, '\n');
}

bool tui_key_is_escape(const struct tui_key *key)
{
	return tui_key_is_char(key, TUI_KEY_ESC);
}

bool tui_key_is_space(const struct tui_key *key)
{
	return tui_key_is_char(key, ' ');
}

bool tui_key_is_redraw(const struct tui_key *key)
{
	return tui_key_is_char(key, TUI_KEY_CTRL_L);
}

bool tui_key_is_help_function(const struct tui_key *key)
{
	return tui_key_is_code(key, KEY_F(1));
}

bool tui_key_is_help_letter(const struct tui_key *key)
{
	return tui_key_is_char(key, '?');
}
