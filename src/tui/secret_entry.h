/*
 * A masked entry for a typed credential. The text is never drawn: the
 * entry shows one '*' per character (and the line count of a multi-line
 * value such as a private key). Buffers are wiped with OPENSSL_cleanse
 * before they are freed or replaced.
 */
#ifndef KVL_TUI_SECRET_ENTRY_H
#define KVL_TUI_SECRET_ENTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/screen.h"

/* Maximum size of a typed credential in bytes, the registry's limit for
 * private keys (a 4096-bit RSA key in PEM is about 3.3 KB). */
#define TUI_SECRET_MAX 16384

struct tui_secret_entry {
	char *text;		/* NUL-terminated UTF-8, or NULL when empty */
	size_t len;
	size_t cap;
	bool multiline;		/* Enter adds a newline (private keys) */
};

void tui_secret_entry_init(struct tui_secret_entry *entry, bool multiline);
/* Wipes and frees the text; the entry is empty and usable again. */
void tui_secret_entry_clear(struct tui_secret_entry *entry);

/* The text ("" when empty); valid until the next key or clear. */
const char *tui_secret_entry_text(const struct tui_secret_entry *entry);

/*
 * Handles typing, Backspace, Ctrl-U (clear) and, for a multi-line entry,
 * Enter as a newline. Returns true when the key belonged to the entry.
 * A key that would make the text longer than TUI_SECRET_MAX is dropped.
 */
bool tui_secret_entry_key(struct tui_secret_entry *entry,
			  const struct tui_key *key);

/* Draws the mask; a focused entry shows the cursor after it. */
void tui_secret_entry_draw(const struct tui_secret_entry *entry, int row,
			   int col, int width, bool focused);

#endif
