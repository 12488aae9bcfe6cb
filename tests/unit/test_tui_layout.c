/* The wizard's layout functions and list filter, without a terminal. */
#include "config.h"

#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/sanitize.h"
#include "tui/filter.h"
#include "tui/layout.h"

static void layout_at_minimum(void **state)
{
	struct tui_layout lay;

	(void)state;
	tui_layout_compute(&lay, 24, 80);
	assert_false(lay.too_small);
	assert_int_equal(lay.title_row, 0);
	assert_int_equal(lay.legend_row, 23);
	assert_int_equal(lay.status_row, 22);
	assert_int_equal(lay.body_top, 2);
	assert_int_equal(lay.body_rows, 20);
}

static void layout_grows_body(void **state)
{
	struct tui_layout lay;

	(void)state;
	tui_layout_compute(&lay, 50, 200);
	assert_false(lay.too_small);
	assert_int_equal(lay.legend_row, 49);
	assert_int_equal(lay.status_row, 48);
	assert_int_equal(lay.body_rows, 46);
}

static void layout_too_small(void **state)
{
	static const int sizes[][2] = {
		{ 20, 60 }, { 23, 80 }, { 24, 79 }, { 0, 0 }, { 100, 10 },
	};
	struct tui_layout lay;

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		tui_layout_compute(&lay, sizes[i][0], sizes[i][1]);
		assert_true(lay.too_small);
		assert_int_equal(lay.rows, sizes[i][0]);
		assert_int_equal(lay.cols, sizes[i][1]);
	}
}

static void body_rect_skips_rows(void **state)
{
	struct tui_layout lay;
	struct tui_rect r;

	(void)state;
	tui_layout_compute(&lay, 24, 80);
	r = tui_body_rect(&lay, 2);
	assert_int_equal(r.top, 4);
	assert_int_equal(r.rows, 18);
	assert_int_equal(r.left, 1);
	assert_int_equal(r.cols, 78);
	r = tui_body_rect(&lay, 99);
	assert_int_equal(r.rows, 0);
}

static void scroll_keeps_cursor_visible(void **state)
{
	(void)state;
	/* Everything fits: never scrolled. */
	assert_int_equal(tui_scroll_top(3, 4, 5, 10), 0);
	/* Cursor below the window: the window follows it. */
	assert_int_equal(tui_scroll_top(0, 12, 30, 10), 3);
	/* Cursor above the window. */
	assert_int_equal(tui_scroll_top(8, 2, 30, 10), 2);
	/* Cursor inside: top stays. */
	assert_int_equal(tui_scroll_top(5, 9, 30, 10), 5);
	/* The list shrank under the window (filter): no empty tail. */
	assert_int_equal(tui_scroll_top(25, 14, 15, 10), 5);
	/* Cursor past the end is clamped. */
	assert_int_equal(tui_scroll_top(0, 99, 30, 10), 20);
	assert_int_equal(tui_scroll_top(0, 0, 30, 0), 0);
}

static void columns_fit_wide(void **state)
{
	const int wanted[] = { 20, 13, 11 };
	const int minimum[] = { 12, 10, 8 };
	int out[3];

	(void)state;
	tui_columns_fit(78, wanted, minimum, 3, 2, out);
	assert_int_equal(out[0], 20);
	assert_int_equal(out[1], 13);
	assert_int_equal(out[2], 11);
}

static void columns_fit_shrinks_widest(void **state)
{
	const int wanted[] = { 30, 36, 10 };
	const int minimum[] = { 10, 36, 8 };
	int out[3];

	(void)state;
	tui_columns_fit(70, wanted, minimum, 3, 2, out);
	assert_int_equal(out[0] + out[1] + out[2] + 4, 70);
	assert_int_equal(out[1], 36);
	assert_int_equal(out[2], 10);
	assert_int_equal(out[0], 20);
}

static void columns_fit_stops_at_minimum(void **state)
{
	const int wanted[] = { 30, 30 };
	const int minimum[] = { 15, 12 };
	int out[2];

	(void)state;
	tui_columns_fit(10, wanted, minimum, 2, 2, out);
	assert_int_equal(out[0], 15);
	assert_int_equal(out[1], 12);
}

static void format_row_pads_and_cuts(void **state)
{
	const char *cells[] = { "kv-ci-prod", "a-very-long-resource-group",
				"westeurope" };
	const int widths[] = { 12, 8, 10 };
	char *row;

	(void)state;
	row = tui_format_row(cells, widths, 3, 2);
	assert_non_null(row);
	assert_int_equal(kvl_display_width(row), 12 + 2 + 8 + 2 + 10);
	assert_memory_equal(row, "kv-ci-prod    ", 14);
	assert_non_null(strstr(row, "~"));
	assert_null(strstr(row, "a-very-long-resource-group"));
	assert_string_equal(row + strlen(row) - 10, "westeurope");
	free(row);
}

static void format_row_wide_chars(void **state)
{
	const char *cells[] = { "\xe6\x9d\xb1\xe4\xba\xac", "x" };
	const int widths[] = { 6, 1 };
	char *row;

	(void)state;
	row = tui_format_row(cells, widths, 2, 1);
	assert_non_null(row);
	/* Two double-width characters take four columns plus two spaces. */
	assert_int_equal(kvl_display_width(row), 6 + 1 + 1);
	free(row);
}

static void wrap_breaks_at_spaces(void **state)
{
	char **lines = NULL;
	size_t n;

	(void)state;
	n = tui_wrap("one two three four five", 9, &lines);
	assert_int_equal(n, 3);
	assert_string_equal(lines[0], "one two");
	assert_string_equal(lines[1], "three");
	assert_string_equal(lines[2], "four five");
	tui_lines_free(lines, n);
}

static void wrap_keeps_paragraphs(void **state)
{
	char **lines = NULL;
	size_t n;

	(void)state;
	n = tui_wrap("first\n\nsecond", 40, &lines);
	assert_int_equal(n, 3);
	assert_string_equal(lines[0], "first");
	assert_string_equal(lines[1], "");
	assert_string_equal(lines[2], "second");
	tui_lines_free(lines, n);
}

static void wrap_cuts_long_words(void **state)
{
	char **lines = NULL;
	size_t n;

	(void)state;
	n = tui_wrap("abcdefghij", 4, &lines);
	assert_int_equal(n, 3);
	assert_string_equal(lines[0], "abcd");
	assert_string_equal(lines[1], "efgh");
	assert_string_equal(lines[2], "ij");
	tui_lines_free(lines, n);
}

static void wrap_keeps_indent(void **state)
{
	char **lines = NULL;
	size_t n;

	(void)state;
	n = tui_wrap("Roles:\n    Key Vault Reader and more", 16, &lines);
	assert_int_equal(n, 4);
	assert_string_equal(lines[0], "Roles:");
	assert_string_equal(lines[1], "    Key Vault");
	assert_string_equal(lines[2], "    Reader and");
	assert_string_equal(lines[3], "    more");
	tui_lines_free(lines, n);
}

static void wrap_sanitises(void **state)
{
	char **lines = NULL;
	size_t n;

	(void)state;
	n = tui_wrap("evil\x1b[2Jtext", 40, &lines);
	assert_int_equal(n, 1);
	assert_null(strchr(lines[0], '\x1b'));
	tui_lines_free(lines, n);
}

static void dialog_rect_centred(void **state)
{
	struct tui_layout lay;
	struct tui_rect r;

	(void)state;
	tui_layout_compute(&lay, 24, 80);
	r = tui_dialog_rect(&lay, 4);
	assert_int_equal(r.rows, 8);
	assert_int_equal(r.cols, 70);
	assert_int_equal(r.left, 5);
	assert_true(r.top >= lay.body_top);
	assert_true(r.top + r.rows <= lay.status_row);
	/* Never taller than the body. */
	r = tui_dialog_rect(&lay, 100);
	assert_int_equal(r.rows, lay.body_rows);
	assert_int_equal(r.top, lay.body_top);
}

static void filter_substring_any_case(void **state)
{
	(void)state;
	assert_true(tui_filter_match("kv-ci-prod  rg-ci-prod", "CI-PROD"));
	assert_true(tui_filter_match("Contoso Production", "product"));
	assert_false(tui_filter_match("kv-ci-firewall", "prod"));
}

static void filter_terms_any_order(void **state)
{
	(void)state;
	assert_true(tui_filter_match("kv-ci-prod rg-ci-prod westeurope",
				     "westeurope kv-ci"));
	assert_false(tui_filter_match("kv-ci-prod rg-ci-prod westeurope",
				      "westeurope eastus"));
}

static void filter_empty_matches_all(void **state)
{
	(void)state;
	assert_true(tui_filter_match("anything", ""));
	assert_true(tui_filter_match("anything", "   "));
	assert_true(tui_filter_match("anything", NULL));
	assert_true(tui_filter_match(NULL, NULL));
	assert_false(tui_filter_match(NULL, "x"));
}

static void filter_folds_non_ascii(void **state)
{
	(void)state;
	/* "Zürich" against "ZÜR" (U+00DC folds to U+00FC). */
	assert_true(tui_filter_match("Z\xc3\xbcrich", "Z\xc3\x9cR"));
	/* Invalid UTF-8 does not crash and still matches around it. */
	assert_true(tui_filter_match("ab\xff" "cd", "cd"));
}

static void filter_fold_lowers_utf8(void **state)
{
	char *folded;

	(void)state;
	folded = tui_filter_fold("KV-Z\xc3\x9cRICH");
	assert_non_null(folded);
	assert_string_equal(folded, "kv-z\xc3\xbcrich");
	free(folded);
	/* An invalid byte becomes U+FFFD, so it cannot end a match. */
	folded = tui_filter_fold("a\xff" "B");
	assert_non_null(folded);
	assert_string_equal(folded, "a\xef\xbf\xbd" "b");
	free(folded);
}

static void filter_query_splits_terms(void **state)
{
	struct tui_filter_query q = { 0 };

	(void)state;
	assert_true(tui_filter_query_set(&q, "  Prod   RG-Ci "));
	assert_int_equal(q.n_terms, 2);
	assert_true(tui_filter_query_match(&q, "kv-prod  rg-ci-prod"));
	assert_false(tui_filter_query_match(&q, "kv-prod  rg-dev"));
	assert_true(tui_filter_query_set(&q, "   "));
	assert_int_equal(q.n_terms, 0);
	assert_true(tui_filter_query_match(&q, "anything"));
	tui_filter_query_clear(&q);
}

static void filter_query_matches_length(void **state)
{
	struct tui_filter_query q = { 0 };

	(void)state;
	assert_true(tui_filter_query_set(&q, "ci PROD"));
	assert_int_equal(q.lengths[0], 2);
	assert_int_equal(q.lengths[1], 4);
	/* Only the first length bytes count, NUL or not. */
	assert_true(tui_filter_query_match_length(&q, "kv-ci-prod-x", 10));
	assert_false(tui_filter_query_match_length(&q, "kv-ci-prod-x", 9));
	assert_false(tui_filter_query_match_length(&q, "kv-ci", 5));
	/* A term at the very end and one as long as the text. */
	assert_true(tui_filter_query_set(&q, "prod"));
	assert_true(tui_filter_query_match_length(&q, "prod", 4));
	assert_true(tui_filter_query_match_length(&q, "pprod", 5));
	assert_false(tui_filter_query_match_length(&q, "pro", 3));
	assert_false(tui_filter_query_match_length(&q, "", 0));
	tui_filter_query_clear(&q);
}

static void status_rows_take_body(void **state)
{
	struct tui_layout lay;

	(void)state;
	tui_layout_compute(&lay, 24, 80);
	assert_int_equal(lay.status_rows, 1);
	tui_layout_status_rows(&lay, 3);
	assert_int_equal(lay.status_rows, 3);
	assert_int_equal(lay.status_row, 20);
	assert_int_equal(lay.legend_row, 23);
	assert_int_equal(lay.body_rows, 18);
	tui_layout_status_rows(&lay, 1);
	assert_int_equal(lay.status_row, 22);
	assert_int_equal(lay.body_rows, 20);
}

static void status_rows_capped(void **state)
{
	struct tui_layout lay;

	(void)state;
	tui_layout_compute(&lay, 24, 80);
	/* A third of the body's 20 rows, plus the status line's own. */
	tui_layout_status_rows(&lay, 50);
	assert_int_equal(lay.status_rows, 7);
	assert_int_equal(lay.body_rows, 14);
	tui_layout_status_rows(&lay, 0);
	assert_int_equal(lay.status_rows, 1);
	assert_int_equal(lay.body_rows, 20);
}

static void cut_middle_keeps_ends(void **state)
{
	const char *crumb = "Admin > Connections > Add 5/8 Credentials";
	char *cut;

	(void)state;
	cut = tui_cut_middle(crumb, 41);
	assert_string_equal(cut, crumb);
	free(cut);

	cut = tui_cut_middle(crumb, 25);
	assert_string_equal(cut, "Admin > ~ 5/8 Credentials");
	assert_int_equal(kvl_display_width(cut), 25);
	free(cut);
}

static void cut_middle_narrow_and_wide(void **state)
{
	char *cut;

	(void)state;
	cut = tui_cut_middle("abcdef", 3);
	assert_string_equal(cut, "~ef");
	free(cut);
	cut = tui_cut_middle("abcdef", 0);
	assert_string_equal(cut, "");
	free(cut);
	/* Two-column characters are never split. */
	cut = tui_cut_middle("\xe4\xb8\x80\xe4\xba\x8c\xe4\xb8\x89"
			     "\xe5\x9b\x9b\xe4\xba\x94", 7);
	assert_true(kvl_display_width(cut) <= 7);
	assert_non_null(strstr(cut, "~"));
	free(cut);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(layout_at_minimum),
		cmocka_unit_test(layout_grows_body),
		cmocka_unit_test(layout_too_small),
		cmocka_unit_test(body_rect_skips_rows),
		cmocka_unit_test(scroll_keeps_cursor_visible),
		cmocka_unit_test(columns_fit_wide),
		cmocka_unit_test(columns_fit_shrinks_widest),
		cmocka_unit_test(columns_fit_stops_at_minimum),
		cmocka_unit_test(format_row_pads_and_cuts),
		cmocka_unit_test(format_row_wide_chars),
		cmocka_unit_test(wrap_breaks_at_spaces),
		cmocka_unit_test(wrap_keeps_paragraphs),
		cmocka_unit_test(wrap_cuts_long_words),
		cmocka_unit_test(wrap_keeps_indent),
		cmocka_unit_test(wrap_sanitises),
		cmocka_unit_test(dialog_rect_centred),
		cmocka_unit_test(status_rows_take_body),
		cmocka_unit_test(status_rows_capped),
		cmocka_unit_test(cut_middle_keeps_ends),
		cmocka_unit_test(cut_middle_narrow_and_wide),
		cmocka_unit_test(filter_substring_any_case),
		cmocka_unit_test(filter_terms_any_order),
		cmocka_unit_test(filter_empty_matches_all),
		cmocka_unit_test(filter_folds_non_ascii),
		cmocka_unit_test(filter_fold_lowers_utf8),
		cmocka_unit_test(filter_query_splits_terms),
		cmocka_unit_test(filter_query_matches_length),
	};

	/* Wide-character width and case folding need a UTF-8 locale. */
	if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
		print_message("C.UTF-8 locale not available\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
