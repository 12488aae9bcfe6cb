/* The wizard's form, masked entry and confirmation: key handling only.
 * Nothing is drawn, so no terminal is needed. */
#include "config.h"

#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curses.h>

#include "tui/confirm.h"
#include "tui/form.h"
#include "tui/secret_entry.h"

#define CTRL_U 0x15

static struct tui_key ch(wint_t c)
{
	struct tui_key key = { false, c };

	return key;
}

static struct tui_key fn(wint_t c)
{
	struct tui_key key = { true, c };

	return key;
}

static void type_text(struct tui_secret_entry *entry, const wchar_t *text)
{
	for (; *text != L'\0'; text++) {
		struct tui_key key = ch((wint_t)*text);

		assert_true(tui_secret_entry_key(entry, &key));
	}
}

static void secret_entry_typing(void **state)
{
	struct tui_secret_entry entry;
	struct tui_key key;

	(void)state;
	tui_secret_entry_init(&entry, false);
	assert_string_equal(tui_secret_entry_text(&entry), "");
	type_text(&entry, L"pa\u00dfwort");
	assert_string_equal(tui_secret_entry_text(&entry), "pa\xc3\x9fwort");

	/* Backspace removes a whole character, also a two-byte one. */
	for (int i = 0; i < 5; i++) {
		key = ch(127);
		assert_true(tui_secret_entry_key(&entry, &key));
	}
	assert_string_equal(tui_secret_entry_text(&entry), "pa");
	key = fn(KEY_BACKSPACE);
	assert_true(tui_secret_entry_key(&entry, &key));
	assert_string_equal(tui_secret_entry_text(&entry), "p");

	key = ch(CTRL_U);
	assert_true(tui_secret_entry_key(&entry, &key));
	assert_string_equal(tui_secret_entry_text(&entry), "");
	assert_null(entry.text);
	tui_secret_entry_clear(&entry);
}

static void secret_entry_enter(void **state)
{
	struct tui_secret_entry line;
	struct tui_secret_entry key_block;
	struct tui_key enter = ch('\r');

	(void)state;
	tui_secret_entry_init(&line, false);
	assert_false(tui_secret_entry_key(&line, &enter));

	tui_secret_entry_init(&key_block, true);
	type_text(&key_block, L"-----BEGIN");
	assert_true(tui_secret_entry_key(&key_block, &enter));
	type_text(&key_block, L"abc");
	assert_string_equal(tui_secret_entry_text(&key_block),
			    "-----BEGIN\nabc");
	tui_secret_entry_clear(&key_block);
	assert_true(key_block.multiline);
	assert_int_equal(key_block.len, 0);
}

static void secret_entry_maximum(void **state)
{
	struct tui_secret_entry entry;
	struct tui_key key = ch('x');

	(void)state;
	tui_secret_entry_init(&entry, false);
	for (size_t i = 0; i < TUI_SECRET_MAX + 10; i++)
		(void)tui_secret_entry_key(&entry, &key);
	assert_int_equal(entry.len, TUI_SECRET_MAX);
	assert_int_equal(strlen(tui_secret_entry_text(&entry)),
			 TUI_SECRET_MAX);
	tui_secret_entry_clear(&entry);
}

static void build_form(struct tui_form *form)
{
	tui_form_init(form);
	assert_non_null(tui_form_add(form, TUI_FORM_TEXT, "Host", "help", 0,
				     false));
	assert_non_null(tui_form_add(form, TUI_FORM_STORED, "Password", NULL,
				     1, false));
	assert_non_null(tui_form_add(form, TUI_FORM_CHOICE, "Key", NULL, 2,
				     false));
}

static void form_moves_around(void **state)
{
	struct tui_form form;
	struct tui_key tab = ch('\t');
	struct tui_key back = fn(KEY_BTAB);

	(void)state;
	build_form(&form);
	assert_int_equal(tui_form_key(&form, &back), TUI_FORM_MOVED);
	assert_int_equal(form.focus, 2);
	assert_int_equal(form.left, 0);
	assert_int_equal(tui_form_key(&form, &tab), TUI_FORM_MOVED);
	assert_int_equal(form.focus, 0);
	assert_int_equal(form.left, 2);
	assert_int_equal(tui_form_key(&form, &tab), TUI_FORM_MOVED);
	assert_int_equal(form.focus, 1);
	tui_form_clear(&form);
}

static void form_row_events(void **state)
{
	struct tui_form form;
	struct tui_key enter = ch('\r');
	struct tui_key letter_r = ch('r');
	struct tui_key down = fn(KEY_DOWN);

	(void)state;
	build_form(&form);
	assert_int_equal(tui_form_key(&form, &letter_r), TUI_FORM_EDITED);
	assert_string_equal(form.rows[0].field.text, "r");
	assert_int_equal(tui_form_key(&form, &enter), TUI_FORM_SUBMIT);

	/* A stored row submits on Enter, and r requests a replacement. */
	assert_int_equal(tui_form_key(&form, &down), TUI_FORM_MOVED);
	assert_int_equal(tui_form_key(&form, &enter), TUI_FORM_SUBMIT);
	assert_int_equal(tui_form_key(&form, &letter_r), TUI_FORM_ACTIVATE);
	tui_form_replace_stored(tui_form_focused(&form));
	assert_int_equal(form.rows[1].kind, TUI_FORM_MASKED);
	assert_int_equal(tui_form_key(&form, &letter_r), TUI_FORM_EDITED);
	assert_string_equal(tui_secret_entry_text(&form.rows[1].secret), "r");

	/* A choice row opens its chooser on Enter and takes no text. */
	assert_int_equal(tui_form_key(&form, &down), TUI_FORM_MOVED);
	assert_int_equal(tui_form_key(&form, &enter), TUI_FORM_ACTIVATE);
	assert_int_equal(tui_form_key(&form, &letter_r), TUI_FORM_IGNORED);
	tui_form_clear(&form);
}

static void form_errors(void **state)
{
	struct tui_form form;

	(void)state;
	build_form(&form);
	assert_int_equal(tui_form_first_error(&form), form.n);
	tui_form_set_error(&form.rows[2], "bad\x1b[31m");
	tui_form_set_error(&form.rows[1], "missing");
	assert_int_equal(tui_form_first_error(&form), 1);
	/* Errors are sanitised: no escape byte reaches the screen. */
	assert_null(strchr(form.rows[2].error, '\x1b'));
	tui_form_set_error(&form.rows[1], NULL);
	assert_int_equal(tui_form_first_error(&form), 2);
	tui_form_clear(&form);
}

static void confirm_answers(void **state)
{
	struct tui_confirm confirm;
	struct tui_key other = ch('q');
	struct tui_key enter = ch('\r');
	struct tui_key yes = ch('y');

	(void)state;
	memset(&confirm, 0, sizeof(confirm));
	tui_confirm_open(&confirm, 7, 3, "Delete", "Delete '%s'?", "x");
	assert_true(confirm.open);
	assert_int_equal(tui_confirm_key(&confirm, &other),
			 TUI_CONFIRM_PENDING);
	assert_true(confirm.open);
	assert_int_equal(tui_confirm_key(&confirm, &enter), TUI_CONFIRM_NO);
	assert_false(confirm.open);

	tui_confirm_open(&confirm, 7, 3, "Delete", "Delete '%s'?", "x");
	assert_int_equal(tui_confirm_key(&confirm, &yes), TUI_CONFIRM_YES);
	assert_false(confirm.open);
	assert_int_equal(confirm.action, 7);
	assert_int_equal(confirm.target, 3);
	assert_int_equal(tui_confirm_key(&confirm, &yes),
			 TUI_CONFIRM_PENDING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(secret_entry_typing),
		cmocka_unit_test(secret_entry_enter),
		cmocka_unit_test(secret_entry_maximum),
		cmocka_unit_test(form_moves_around),
		cmocka_unit_test(form_row_events),
		cmocka_unit_test(form_errors),
		cmocka_unit_test(confirm_answers),
	};

	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		setlocale(LC_ALL, "");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
