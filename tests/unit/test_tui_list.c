/* The wizard's list widget: keys, the in-place filter and the cursor.
 * Only the key handling runs; nothing is drawn, so no terminal is
 * needed. */
#include "config.h"

#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curses.h>

#include "tui/filter.h"
#include "tui/list.h"

static const char *const vaults[] = {
	"kv-ci-prod      rg-ci-prod",
	"kv-ci-rbac      rg-ci-prod",
	"kv-ci-firewall  rg-ci-prod",
	"kv-ci-bypass    rg-shared",
	"kv-legacy-ne    rg-legacy",
};
#define N_VAULTS (sizeof(vaults) / sizeof(vaults[0]))

static int setup(void **state)
{
	struct tui_list *list = calloc(1, sizeof(*list));

	if (list == NULL)
		return -1;
	tui_list_init(list);
	for (size_t i = 0; i < N_VAULTS; i++) {
		if (!tui_list_add(list, vaults[i], i == 2))
			return -1;
	}
	*state = list;
	return 0;
}

static int teardown(void **state)
{
	tui_list_clear(*state);
	free(*state);
	return 0;
}

static enum tui_list_event press(struct tui_list *list, wint_t ch)
{
	struct tui_key key = { .function = false, .ch = ch };

	return tui_list_key(list, &key);
}

static enum tui_list_event press_fn(struct tui_list *list, int code)
{
	struct tui_key key = { .function = true, .ch = (wint_t)code };

	return tui_list_key(list, &key);
}

static void type(struct tui_list *list, const char *text)
{
	for (; *text != '\0'; text++)
		assert_int_equal(press(list, (unsigned char)*text),
				 TUI_LIST_HANDLED);
}

static void list_moves_and_clamps(void **state)
{
	struct tui_list *list = *state;

	assert_int_equal(tui_list_selected(list), 0);
	assert_int_equal(press_fn(list, KEY_UP), TUI_LIST_HANDLED);
	assert_int_equal(tui_list_selected(list), 0);
	press_fn(list, KEY_DOWN);
	press_fn(list, KEY_DOWN);
	assert_int_equal(tui_list_selected(list), 2);
	press_fn(list, KEY_END);
	assert_int_equal(tui_list_selected(list), 4);
	press_fn(list, KEY_DOWN);
	assert_int_equal(tui_list_selected(list), 4);
	press_fn(list, KEY_HOME);
	assert_int_equal(tui_list_selected(list), 0);
}

static void list_pages_by_screen(void **state)
{
	struct tui_list *list = *state;

	/* Three rows on screen: a page moves by two, keeping one row. */
	list->page = 3;
	press_fn(list, KEY_NPAGE);
	assert_int_equal(tui_list_selected(list), 2);
	press_fn(list, KEY_NPAGE);
	assert_int_equal(tui_list_selected(list), 4);
	press_fn(list, KEY_PPAGE);
	assert_int_equal(tui_list_selected(list), 2);
}

static void list_enter_chooses_row(void **state)
{
	struct tui_list *list = *state;

	press_fn(list, KEY_DOWN);
	assert_int_equal(press(list, '\r'), TUI_LIST_CHOSEN);
	assert_int_equal(tui_list_selected(list), 1);
	assert_int_equal(press_fn(list, KEY_ENTER), TUI_LIST_CHOSEN);
	/* A disabled row can still be chosen; the screen decides. */
	press_fn(list, KEY_DOWN);
	assert_int_equal(press(list, '\n'), TUI_LIST_CHOSEN);
	assert_int_equal(tui_list_selected(list), 2);
}

static void list_letters_not_filter(void **state)
{
	struct tui_list *list = *state;

	/* Without '/', letters belong to the screen (q quits Home). */
	assert_int_equal(press(list, 'q'), TUI_LIST_IGNORED);
	assert_int_equal(press(list, 'r'), TUI_LIST_IGNORED);
	assert_int_equal(press(list, 27), TUI_LIST_IGNORED);
	assert_int_equal(list->n_shown, N_VAULTS);
}

static void filter_narrows_in_place(void **state)
{
	struct tui_list *list = *state;

	type(list, "/");
	assert_true(list->filtering);
	type(list, "RG-CI");
	assert_string_equal(list->filter, "RG-CI");
	assert_int_equal(list->n_shown, 3);
	type(list, " bypass");
	assert_int_equal(list->n_shown, 0);
	assert_int_equal(tui_list_selected(list), -1);
	/* Enter on an empty result chooses nothing. */
	assert_int_equal(press(list, '\r'), TUI_LIST_HANDLED);
}

static void filter_enter_picks_match(void **state)
{
	struct tui_list *list = *state;

	type(list, "/firewall");
	assert_int_equal(list->n_shown, 1);
	assert_int_equal(press(list, '\r'), TUI_LIST_CHOSEN);
	assert_int_equal(tui_list_selected(list), 2);
}

static void filter_ends_on_choice(void **state)
{
	struct tui_list *list = *state;

	type(list, "/bypass");
	assert_int_equal(press(list, '\r'), TUI_LIST_CHOSEN);
	/* Back on this list, letters are the screen's again. */
	assert_false(list->filtering);
	assert_int_equal(press(list, 'r'), TUI_LIST_IGNORED);
	assert_int_equal(list->n_shown, 1);
	/* A new `/` replaces the old filter instead of extending it. */
	type(list, "/firewall");
	assert_string_equal(list->filter, "firewall");
	assert_int_equal(list->n_shown, 1);
	assert_int_equal(tui_list_selected(list), 2);
}

static void filter_keeps_cursor_row(void **state)
{
	struct tui_list *list = *state;

	press_fn(list, KEY_DOWN);	/* kv-ci-rbac */
	type(list, "/ci");
	assert_int_equal(list->n_shown, 4);
	assert_int_equal(tui_list_selected(list), 1);
	/* Once its row is filtered away, the cursor goes to the first. */
	type(list, "-b");
	assert_int_equal(list->n_shown, 1);
	assert_int_equal(tui_list_selected(list), 3);
}

static void filter_backspace_widens(void **state)
{
	struct tui_list *list = *state;

	type(list, "/legacyx");
	assert_int_equal(list->n_shown, 0);
	assert_int_equal(press(list, 127), TUI_LIST_HANDLED);
	assert_string_equal(list->filter, "legacy");
	assert_int_equal(list->n_shown, 1);
	assert_int_equal(press_fn(list, KEY_BACKSPACE), TUI_LIST_HANDLED);
	assert_string_equal(list->filter, "legac");
	/* Ctrl-U empties the filter. */
	assert_int_equal(press(list, 0x15), TUI_LIST_HANDLED);
	assert_string_equal(list->filter, "");
	assert_int_equal(list->n_shown, N_VAULTS);
}

static void filter_escape_then_back(void **state)
{
	struct tui_list *list = *state;

	type(list, "/prod");
	assert_int_equal(list->n_shown, 3);
	/* First Esc clears the filter and stays in the list. */
	assert_int_equal(press(list, 27), TUI_LIST_HANDLED);
	assert_false(list->filtering);
	assert_string_equal(list->filter, "");
	assert_int_equal(list->n_shown, N_VAULTS);
	/* The next Esc is the screen's: back one step. */
	assert_int_equal(press(list, 27), TUI_LIST_IGNORED);
}

static void filter_multibyte_backspace(void **state)
{
	struct tui_list *list = *state;

	assert_true(tui_list_add(list, "Z\xc3\xbcrich vault", false));
	type(list, "/");
	assert_int_equal(press(list, 'Z'), TUI_LIST_HANDLED);
	assert_int_equal(press(list, 0xFC), TUI_LIST_HANDLED);	/* ü */
	assert_string_equal(list->filter, "Z\xc3\xbc");
	assert_int_equal(list->n_shown, 1);
	/* Backspace removes the whole two-byte character. */
	press(list, 127);
	assert_string_equal(list->filter, "Z");
}

static void list_sanitises_rows(void **state)
{
	struct tui_list *list = *state;

	assert_true(tui_list_add(list, "evil\x1b]0;title\x07row", false));
	assert_null(strchr(list->rows[N_VAULTS].text, '\x1b'));
	assert_null(strchr(list->rows[N_VAULTS].text, '\x07'));
}

static void columns_take_widest_cell(void **state)
{
	static const char *const headings[] = { "Vault", "Resource group" };
	static const int minimum[] = { 4, 6 };
	const char *row1[] = { "kv-a", "rg-1" };
	const char *row2[] = { "kv-restricted-policy", "rg\x1b[31m-2" };
	struct tui_list list;

	(void)state;
	tui_list_init(&list);
	assert_true(tui_list_set_columns(&list, headings, minimum, 2));
	assert_int_equal(list.columns.natural[0], 5);
	assert_int_equal(list.columns.natural[1], 14);
	assert_true(tui_list_add_cells(&list, row1, false));
	assert_true(tui_list_add_cells(&list, row2, true));
	assert_int_equal(list.columns.natural[0], 20);
	assert_int_equal(list.columns.natural[1], 14);
	assert_null(strchr(list.rows[1].cells[1], '\x1b'));

	/* The filter sees every cell of a row. */
	type(&list, "/kv-a rg-1");
	assert_int_equal(list.n_shown, 1);
	assert_int_equal(tui_list_selected(&list), 0);

	/* Columns are fixed once rows exist. */
	assert_false(tui_list_set_columns(&list, headings, minimum, 2));
	tui_list_clear(&list);
}

/* Checks that shown contains exactly the rows that tui_filter_match
 * keeps for the current filter, in order. */
static void assert_shown_is_brute_force(const struct tui_list *list)
{
	size_t expected = 0;

	for (size_t i = 0; i < list->n; i++) {
		if (!tui_filter_match(list->rows[i].text, list->filter))
			continue;
		assert_true(expected < list->n_shown);
		assert_int_equal(list->shown[expected], i);
		expected++;
	}
	assert_int_equal(list->n_shown, expected);
}

/* Fills list with generated names in mixed case, some non-ASCII. */
static void add_generated_rows(struct tui_list *list, size_t n)
{
	static const char *const words[] = {
		"Prod", "dev", "CI", "kv", "Z\xc3\xbcrich", "rbac", "Shared",
	};
	char name[96];

	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s-%s-%zu  rg-%s",
			 words[i % 7], words[(i / 7) % 7], i,
			 words[(i / 49) % 7]);
		assert_true(tui_list_add(list, name, false));
	}
}

static void filter_growing_matches_brute(void **state)
{
	static const char *const queries[] = {
		"/prod-ci-1", "/z\xc3\x9cr rg-s", "/ci  kv  ", "/-1-",
	};
	struct tui_list list;

	(void)state;
	tui_list_init(&list);
	add_generated_rows(&list, 2000);
	for (size_t q = 0; q < sizeof(queries) / sizeof(queries[0]); q++) {
		const char *key = queries[q];

		assert_int_equal(press(&list, '/'), TUI_LIST_HANDLED);
		for (key++; *key != '\0'; key++) {
			assert_int_equal(press(&list, (unsigned char)*key),
					 TUI_LIST_HANDLED);
			assert_shown_is_brute_force(&list);
		}
		/* Backspace widens again, down to the empty filter. */
		while (list.filter[0] != '\0') {
			press_fn(&list, KEY_BACKSPACE);
			assert_shown_is_brute_force(&list);
		}
		assert_int_equal(list.n_shown, list.n);
		press(&list, 27);
	}
	tui_list_clear(&list);
}

static void filter_replaced_matches_brute(void **state)
{
	struct tui_list list;

	(void)state;
	tui_list_init(&list);
	add_generated_rows(&list, 500);
	/* A screen may set the filter directly; a text that does not
	 * extend the last one must test every row again. */
	snprintf(list.filter, sizeof(list.filter), "%s", "rbac");
	tui_list_refilter(&list);
	assert_shown_is_brute_force(&list);
	assert_true(list.n_shown > 0);
	snprintf(list.filter, sizeof(list.filter), "%s", "shared");
	tui_list_refilter(&list);
	assert_shown_is_brute_force(&list);
	assert_true(list.n_shown > 0);

	/* Rows added under a filter are tested as they arrive. */
	assert_true(tui_list_add(&list, "kv-SHARED-new", false));
	assert_true(tui_list_add(&list, "kv-other-new", false));
	assert_shown_is_brute_force(&list);
	assert_int_equal(list.shown[list.n_shown - 1], list.n - 2);
	tui_list_clear(&list);
}

static void filter_keeps_cursor_narrowing(void **state)
{
	struct tui_list list;

	(void)state;
	tui_list_init(&list);
	add_generated_rows(&list, 300);
	/* Row 243 is "rbac-Shared-243  rg-Z\xc3\xbcrich"; narrowing
	 * keeps the cursor on it. */
	assert_true(tui_list_select(&list, 243));
	type(&list, "/rbac-sh");
	assert_int_equal(tui_list_selected(&list), 243);
	type(&list, "ared-24");
	assert_int_equal(list.n_shown, 1);
	assert_int_equal(tui_list_selected(&list), 243);
	tui_list_clear(&list);
}

static void list_folds_rows_once(void **state)
{
	struct tui_list list;

	(void)state;
	tui_list_init(&list);
	assert_true(tui_list_add(&list, "kv-lower", false));
	assert_true(tui_list_add(&list, "KV-Upper", false));
	assert_string_equal(list.rows[0].text, "kv-lower");
	assert_string_equal(list.rows[1].text, "KV-Upper");
	assert_string_equal(list.folded + list.rows[0].folded_at, "kv-lower");
	assert_string_equal(list.folded + list.rows[1].folded_at, "kv-upper");
	tui_list_clear(&list);
}

/* Checks that the cursor is on row when the filter shows it, else on
 * the first shown row. */
static void assert_cursor_kept(const struct tui_list *list, long row)
{
	bool shown = false;

	for (size_t i = 0; i < list->n_shown; i++)
		shown = shown || (long)list->shown[i] == row;
	if (shown)
		assert_int_equal(tui_list_selected(list), row);
	else
		assert_int_equal(list->cursor, 0);
}

/*
 * Sends one random key of a filter session: a character (a few ASCII
 * letters, a space and a two-byte one, so that terms repeat often),
 * Backspace, Ctrl-U or Esc, or sets the filter directly as a screen
 * may.
 */
static void random_key(struct tui_list *list, unsigned *seed)
{
	static const char *const typed[] = {
		"p", "r", "o", "d", "c", "i", "-", "1", " ", "\xc3\xbc",
		"z", "s",
	};
	static const char *const replaced[] = {
		"prod", "ci ", "-1", "z\xc3\xbcr rg", "",
	};
	int pick = rand_r(seed) % 100;

	if (pick < 60) {
		const char *ch = typed[(size_t)rand_r(seed) % 12];
		wchar_t wc;

		assert_true(mbtowc(&wc, ch, strlen(ch)) > 0);
		press(list, (wint_t)wc);
	} else if (pick < 88) {
		press(list, 127);
	} else if (pick < 92) {
		press(list, 0x15);
	} else if (pick < 95) {
		press(list, 27);
		press(list, '/');
	} else {
		snprintf(list->filter, sizeof(list->filter), "%s",
			 replaced[(size_t)rand_r(seed) % 5]);
		tui_list_refilter(list);
	}
}

static void filter_random_keys_match_brute(void **state)
{
	unsigned seed = 20261205;
	struct tui_list list;

	(void)state;
	tui_list_init(&list);
	add_generated_rows(&list, 700);
	assert_int_equal(press(&list, '/'), TUI_LIST_HANDLED);
	for (int i = 0; i < 3000; i++) {
		long row;

		/* Some keys move the cursor first, off the first row. */
		if (rand_r(&seed) % 4 == 0)
			press_fn(&list, KEY_DOWN);
		row = tui_list_selected(&list);
		random_key(&list, &seed);
		assert_shown_is_brute_force(&list);
		assert_cursor_kept(&list, row);
		assert_true(list.filtering);
	}
	tui_list_clear(&list);
}

static void filter_rows_added_deep(void **state)
{
	struct tui_list list;
	char name[32];

	(void)state;
	tui_list_init(&list);
	add_generated_rows(&list, 200);
	type(&list, "/ci-prod");
	/* Each new row fails a different prefix of the filter, or none;
	 * Backspace must bring each back at the right length. */
	static const char *const added[] = {
		"x", "c", "ci-", "CI-PRO", "ci-prod-new", "dev ci-pr",
	};
	for (size_t i = 0; i < sizeof(added) / sizeof(added[0]); i++) {
		snprintf(name, sizeof(name), "%s", added[i]);
		assert_true(tui_list_add(&list, name, false));
		assert_shown_is_brute_force(&list);
	}
	assert_int_equal(list.shown[list.n_shown - 1], 204);
	while (list.filter[0] != '\0') {
		press(&list, 127);
		assert_shown_is_brute_force(&list);
	}
	assert_int_equal(list.n_shown, list.n);
	tui_list_clear(&list);
}

static void filter_paste_then_backspace(void **state)
{
	struct tui_list list;

	(void)state;
	tui_list_init(&list);
	add_generated_rows(&list, 500);
	/* A paste arrives as one key per character. */
	type(&list, "/rbac-shared-2");
	assert_shown_is_brute_force(&list);
	assert_true(list.n_shown > 0);
	type(&list, "43");
	assert_int_equal(list.n_shown, 1);
	assert_int_equal(tui_list_selected(&list), 243);
	for (int i = 0; i < 5; i++) {
		press(&list, 127);
		assert_shown_is_brute_force(&list);
		assert_int_equal(tui_list_selected(&list), 243);
	}
	/* Typing something else after Backspace narrows from there. */
	type(&list, "x");
	assert_shown_is_brute_force(&list);
	assert_int_equal(list.n_shown, 0);
	assert_int_equal(tui_list_selected(&list), -1);
	press(&list, 127);
	assert_shown_is_brute_force(&list);
	tui_list_clear(&list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(list_moves_and_clamps, setup,
						teardown),
		cmocka_unit_test_setup_teardown(list_pages_by_screen, setup,
						teardown),
		cmocka_unit_test_setup_teardown(list_enter_chooses_row, setup,
						teardown),
		cmocka_unit_test_setup_teardown(list_letters_not_filter, setup,
						teardown),
		cmocka_unit_test_setup_teardown(filter_narrows_in_place, setup,
						teardown),
		cmocka_unit_test_setup_teardown(filter_enter_picks_match,
						setup, teardown),
		cmocka_unit_test_setup_teardown(filter_ends_on_choice, setup,
						teardown),
		cmocka_unit_test_setup_teardown(filter_keeps_cursor_row, setup,
						teardown),
		cmocka_unit_test_setup_teardown(filter_backspace_widens, setup,
						teardown),
		cmocka_unit_test_setup_teardown(filter_escape_then_back, setup,
						teardown),
		cmocka_unit_test_setup_teardown(filter_multibyte_backspace,
						setup, teardown),
		cmocka_unit_test_setup_teardown(list_sanitises_rows, setup,
						teardown),
		cmocka_unit_test(columns_take_widest_cell),
		cmocka_unit_test(filter_growing_matches_brute),
		cmocka_unit_test(filter_replaced_matches_brute),
		cmocka_unit_test(filter_keeps_cursor_narrowing),
		cmocka_unit_test(list_folds_rows_once),
		cmocka_unit_test(filter_random_keys_match_brute),
		cmocka_unit_test(filter_rows_added_deep),
		cmocka_unit_test(filter_paste_then_backspace),
	};

	if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
		print_message("C.UTF-8 locale not available\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
