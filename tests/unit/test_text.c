/* Sanitising untrusted text, display widths and log redaction. */
#include "config.h"

#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/log.h"
#include "core/sanitize.h"

static void check_sanitize(const char *in, const char *expected)
{
	char *out = kvl_sanitize(in);

	assert_non_null(out);
	assert_string_equal(out, expected);
	free(out);
}

static void sanitize_controls(void **state)
{
	(void)state;
	check_sanitize(NULL, "");
	check_sanitize("plain text", "plain text");
	check_sanitize("tab\there\nnew", "tab_here_new");
	check_sanitize("del\x7f", "del_");
	check_sanitize("red \x1b[31mX\x1b[0m", "red _[31mX_[0m");
	check_sanitize("osc \x1b]0;title\x07 end", "osc _]0;title_ end");
}

static void sanitize_c1_and_bidi(void **state)
{
	(void)state;
	/* U+009B is the C1 CSI; U+202E reverses the text after it. */
	check_sanitize("a\xc2\x9b" "1m", "a_1m");
	check_sanitize("abc\xe2\x80\xae" "cod.exe", "abc_cod.exe");
	check_sanitize("\xe2\x81\xa6x\xe2\x81\xa9", "_x_");
	check_sanitize("l\xe2\x80\x8er\xe2\x80\x8f", "l_r_");
	check_sanitize("caf\xc3\xa9", "caf\xc3\xa9");
	check_sanitize("\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac");
}

static void sanitize_invalid_utf8(void **state)
{
	(void)state;
	check_sanitize("bad\xff", "bad_");
	check_sanitize("lone\x80", "lone_");
	check_sanitize("cut\xe6\x97", "cut__");
	check_sanitize("overlong\xc0\xaf", "overlong__");
	check_sanitize("surrogate\xed\xa0\x80", "surrogate___");
	check_sanitize("raw csi \x9b", "raw csi _");
}

static void sanitize_invisible(void **state)
{
	(void)state;
	/* U+200B zero width space, U+200D zero width joiner, U+2060 word
	 * joiner, U+FEFF byte order mark, U+E0041 tag letter A. */
	check_sanitize("a\xe2\x80\x8b" "b", "a_b");
	check_sanitize("a\xe2\x80\x8d" "b", "a_b");
	check_sanitize("a\xe2\x81\xa0" "b", "a_b");
	check_sanitize("\xef\xbb\xbf" "bom", "_bom");
	check_sanitize("tag\xf3\xa0\x81\x81", "tag_");
	/* Combining marks draw on their base character and stay. */
	check_sanitize("e\xcc\x81", "e\xcc\x81");
	assert_non_null(kvl_name_problem("a\xe2\x80\x8b" "b", 64));
}

static void check_json_safe(const char *in, const char *expected)
{
	char *out = kvl_json_safe(in);

	assert_non_null(out);
	assert_string_equal(out, expected);
	free(out);
}

static void json_safe_escapes(void **state)
{
	(void)state;
	check_json_safe(NULL, "");
	check_json_safe("{\n  \"a\": \"caf\xc3\xa9\"\n}",
			"{\n  \"a\": \"caf\xc3\xa9\"\n}");
	/* C1 CSI, right-to-left override, zero width space, DEL. */
	check_json_safe("\"\xc2\x9b" "2J\"", "\"\\u009b2J\"");
	check_json_safe("\"\xe2\x80\xae" "x\"", "\"\\u202ex\"");
	check_json_safe("\"a\xe2\x80\x8b\x7f\"", "\"a\\u200b\\u007f\"");
	/* A tag character needs a surrogate pair. */
	check_json_safe("\"\xf3\xa0\x81\x81\"", "\"\\udb40\\udc41\"");
	check_json_safe("\"bad\xff\"", "\"bad\xef\xbf\xbd\"");
}

static void check_sanitize_line(const char *in, const char *expected)
{
	char *out = kvl_sanitize_line(in);

	assert_non_null(out);
	assert_string_equal(out, expected);
	free(out);
}

static void sanitize_line_breaks(void **state)
{
	(void)state;
	check_sanitize_line(NULL, "");
	check_sanitize_line("one.\r\nTwo: 2\r\nThree", "one. Two: 2 Three");
	check_sanitize_line("tab\there", "tab here");
	check_sanitize_line("a\n\n\tb", "a b");
	check_sanitize_line("\r\nedges\r\n", "edges");
	check_sanitize_line("esc\x1b[2J\nnext", "esc_[2J next");
	check_sanitize_line("bell\x07", "bell_");
	check_sanitize_line("sep\xe2\x80\xa8x", "sep_x");
}

static void width_and_truncate(void **state)
{
	char *cut;

	(void)state;
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		skip();
	assert_int_equal(kvl_display_width("abc"), 3);
	assert_int_equal(kvl_display_width("\xe6\x97\xa5\xe6\x9c\xac"), 4);
	assert_int_equal(kvl_display_width("e\xcc\x81"), 1);

	cut = kvl_truncate_cols("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 5);
	assert_string_equal(cut, "\xe6\x97\xa5\xe6\x9c\xac~");
	free(cut);
	cut = kvl_truncate_cols("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 4);
	assert_string_equal(cut, "\xe6\x97\xa5~");
	free(cut);
	cut = kvl_truncate_cols("short", 10);
	assert_string_equal(cut, "short");
	free(cut);
	cut = kvl_truncate_cols("longer text", 6);
	assert_string_equal(cut, "longe~");
	free(cut);
	setlocale(LC_ALL, "C");
}

static void width_in_c_locale(void **state)
{
	(void)state;
	setlocale(LC_ALL, "C");
	assert_int_equal(kvl_display_width("caf\xc3\xa9"), 4);
	assert_int_equal(kvl_display_width("\xe6\x97\xa5"), 1);
}

static void check_redacted(const char *in, const char *secret,
			   const char *kept)
{
	char *out = kvl_log_redact(in);

	assert_non_null(out);
	assert_null(strstr(out, secret));
	assert_non_null(strstr(out, "<redacted>"));
	if (kept != NULL)
		assert_non_null(strstr(out, kept));
	free(out);
}

static void redact_tokens(void **state)
{
	(void)state;
	check_redacted("Authorization: Bearer abc.def-123", "abc.def",
		       "Authorization:");
	check_redacted("header bearer s3cr3tT0ken, next", "s3cr3tT0ken",
		       "next");
	check_redacted("saw eyJhbGciOiJub25lIn0.eyJvaWQiOiJ4In0.c2ln here",
		       "eyJvaWQiOiJ4In0", "here");
	check_redacted("{\"access_token\": \"at-1\", \"scope\": \"s\"}",
		       "at-1", "\"scope\": \"s\"");
	check_redacted("{\"refresh_token\":\"rt\\\"1\",\"x\":1}", "rt\\\"1",
		       "\"x\":1");
	check_redacted("{\"value\":\"hunter2\",\"id\":\"k\"}", "hunter2",
		       "\"id\":\"k\"");
	check_redacted("client_id=abc&client_secret=p%40ss&scope=x",
		       "p%40ss", "client_id=abc");
	check_redacted("grant_type=x&device_code=DC123", "DC123",
		       "grant_type=x");
	check_redacted("client_assertion=eyJ.a.b&x=1", "eyJ.a.b", "x=1");
}

static void redact_keeps_plain_text(void **state)
{
	char *out;

	(void)state;
	out = kvl_log_redact("{\"value\":[{\"id\":\"a\"}],\"nextLink\":null}");
	assert_string_equal(out,
			    "{\"value\":[{\"id\":\"a\"}],\"nextLink\":null}");
	free(out);
	out = kvl_log_redact("keyvalue=3 list secrets");
	assert_string_equal(out, "keyvalue=3 list secrets");
	free(out);
}

static void log_file_escapes(void **state)
{
	char path[] = "/tmp/kvl-log-XXXXXX";
	char text[1024] = "";
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	kvl_log("not written before open");
	assert_false(kvl_log_enabled());
	assert_int_equal(kvl_log_open(path), KVL_OK);
	assert_true(kvl_log_enabled());
	kvl_log("line with \x1b[2J escape and %s", "Bearer tok-xyz");
	kvl_log_close();

	f = fopen(path, "r");
	assert_non_null(f);
	assert_true(fread(text, 1, sizeof(text) - 1, f) > 0);
	fclose(f);
	unlink(path);
	assert_null(strstr(text, "not written"));
	assert_null(strchr(text, '\x1b'));
	assert_non_null(strstr(text, "\\x1b[2J"));
	assert_null(strstr(text, "tok-xyz"));
	/* One line, starting with an ISO 8601 UTC time stamp. */
	assert_int_equal(text[4], '-');
	assert_int_equal(text[10], 'T');
	assert_non_null(strchr(text, '\n'));
	assert_null(strchr(strchr(text, '\n') + 1, '\n'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sanitize_controls),
		cmocka_unit_test(sanitize_c1_and_bidi),
		cmocka_unit_test(sanitize_invalid_utf8),
		cmocka_unit_test(sanitize_invisible),
		cmocka_unit_test(json_safe_escapes),
		cmocka_unit_test(sanitize_line_breaks),
		cmocka_unit_test(width_and_truncate),
		cmocka_unit_test(width_in_c_locale),
		cmocka_unit_test(redact_tokens),
		cmocka_unit_test(redact_keeps_plain_text),
		cmocka_unit_test(log_file_escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
