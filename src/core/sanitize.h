/*
 * Making untrusted text (from Azure, files or the user) safe to draw on a
 * terminal or to print.
 */
#ifndef KVL_SANITIZE_H
#define KVL_SANITIZE_H

#include <stddef.h>

/*
 * Returns a copy of text in which every control character, escape
 * sequence introducer, bidi control, invisible format character (such
 * as U+200B ZERO WIDTH SPACE) and invalid UTF-8 byte is replaced by '_'
 * (tabs and newlines included). NULL becomes "". The caller frees it.
 */
char *kvl_sanitize(const char *text);

/*
 * kvl_sanitize() for a message shown on one line, such as Azure's error
 * messages: each run of line breaks and tabs becomes one space instead of
 * '_' characters. Every other control character is still replaced.
 */
char *kvl_sanitize_line(const char *text);

/*
 * Checks a name the user typed: valid UTF-8 with no control characters
 * (C0, DEL, C1, bidi controls, invisible format characters) and at most
 * max_chars characters. Returns
 * NULL when it passes, else a short reason ("it is not valid UTF-8"),
 * marked with N_() for the caller to translate.
 */
const char *kvl_name_problem(const char *name, size_t max_chars);

/*
 * Returns a copy of text in which every invalid UTF-8 byte is replaced by
 * U+FFFD, so that JSON built from it is valid UTF-8. Control characters
 * are kept (JSON escapes them). NULL becomes "". The caller frees it.
 */
char *kvl_utf8_repair(const char *text);

/*
 * Returns a copy of JSON text that is safe to print on a terminal and
 * still means the same. Invalid UTF-8 bytes become U+FFFD. DEL, C1
 * controls, bidi controls and invisible format characters, which can
 * only occur inside strings, become \uXXXX escapes. NULL becomes "".
 * The caller frees it.
 */
char *kvl_json_safe(const char *json);

/* Display width in columns of a sanitised UTF-8 string (wcwidth based). */
size_t kvl_display_width(const char *text);

/*
 * Copies at most max_cols columns of a sanitised string into a new string,
 * ending with "~" when it had to cut. The caller frees it.
 */
char *kvl_truncate_cols(const char *text, size_t max_cols);

#endif
