/* A one-line text field: typing appends, Backspace deletes one character,
 * Ctrl-U clears. The text is UTF-8 and never contains control bytes. */
#ifndef KVL_TUI_FIELD_H
#define KVL_TUI_FIELD_H

#include <stdbool.h>

#include "tui/screen.h"

/* Bytes of text, NUL included: room for a connection setting (1024
 * bytes) and for a 256-character name in 4-byte UTF-8. */
#define TUI_FIELD_MAX 1025

struct tui_field {
	char text[TUI_FIELD_MAX];
	size_t max_chars;	/* 0: as many as fit in text */
};

void tui_field_init(struct tui_field *field, size_t max_chars);
/* Returns true when the key changed or belonged to the field. */
bool tui_field_key(struct tui_field *field, const struct tui_key *key);
/* Draws the text (its tail when too long); a focused field shows the
 * cursor at its end. */
void tui_field_draw(const struct tui_field *field, int row, int col,
		    int width, bool focused);

#endif
