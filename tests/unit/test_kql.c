/*
 * The sandbox's strict parser of Resource Graph queries (src/sandbox/
 * kql.c): the forms it accepts, and the message and offset of each
 * rejection, which become Resource Graph's ParserFailure details.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/resourcegraph.h"
#include "sandbox/sandbox.h"

static void parse_ok(const char *text, struct sb_kql_query *q)
{
	char message[160] = "";
	size_t at = 99;

	if (!sb_kql_parse(text, q, message, sizeof(message), &at))
		fail_msg("'%s' was rejected at %zu: %s", text, at, message);
}

/* The query kvlink sends is one the sandbox understands. */
static void kvlink_query_parses(void **state)
{
	struct sb_kql_query q;

	(void)state;
	parse_ok(kvl_resgraph_vault_query, &q);
	assert_int_equal(q.n_where, 1);
	assert_string_equal(q.where[0].column, "type");
	assert_int_equal(q.where[0].compare, SB_KQL_EQ_NOCASE);
	assert_string_equal(q.where[0].value, "microsoft.keyvault/vaults");
	assert_true(q.projected);
	assert_int_equal(q.n_project, 8);
	assert_string_equal(q.project[0], "id");
	assert_string_equal(q.project[7], "properties");
	assert_string_equal(q.order_by, "id");
	assert_false(q.descending);
	sb_kql_clear(&q);
}

static void conditions_and_sort(void **state)
{
	struct sb_kql_query q;

	(void)state;
	parse_ok("Resources | where name == 'a' and location != 'b' "
		 "| where kind !~ 'C' | sort by name", &q);
	assert_int_equal(q.n_where, 3);
	assert_int_equal(q.where[0].compare, SB_KQL_EQ);
	assert_int_equal(q.where[1].compare, SB_KQL_NE);
	assert_string_equal(q.where[1].value, "b");
	assert_int_equal(q.where[2].compare, SB_KQL_NE_NOCASE);
	assert_false(q.projected);
	assert_string_equal(q.order_by, "name");
	/* Kusto sorts in descending order by default. */
	assert_true(q.descending);
	sb_kql_clear(&q);

	parse_ok("resources", &q);
	assert_int_equal(q.n_where, 0);
	assert_null(q.order_by);
	sb_kql_clear(&q);
}

static void string_escapes(void **state)
{
	struct sb_kql_query q;

	(void)state;
	parse_ok("resources | where name == 'it\\'s \\\\ here'", &q);
	assert_string_equal(q.where[0].value, "it's \\ here");
	sb_kql_clear(&q);

	/* KQL takes double quotes as well, with the same escapes. */
	parse_ok("resources | where name == \"say \\\"hi\\\" it's\" "
		 "and location =~ \"westeurope\"", &q);
	assert_string_equal(q.where[0].value, "say \"hi\" it's");
	assert_string_equal(q.where[1].value, "westeurope");
	sb_kql_clear(&q);
}

static void rejected_queries(void **state)
{
	static const struct {
		const char *text;
		size_t at;
		const char *message;
	} cases[] = {
		{ "resources | summarize count()", 12, "expected where" },
		{ "resourcecontainers", 0, "resources table" },
		{ "", 0, "resources table" },
		{ "resources | where name = 'x'", 23, "unexpected character" },
		{ "resources | where bogus == 'x'", 18, "expected a column" },
		{ "resources | project name | where id == 'x'", 33,
		  "'id' was projected away" },
		{ "resources | where properties == 'x'", 18, "dynamic" },
		{ "resources | where name == 'x", 26, "unterminated" },
		{ "resources | where name == \"x'", 26, "unterminated" },
		{ "resources | where name == 'a\\x'", 26, "escaped" },
		{ "resources | where name == x", 26, "string literal" },
		{ "resources | project name,", 25, "expected a column" },
		{ "resources | order name", 18, "expected 'by'" },
		{ "resources | project id | project id", 25,
		  "only one project" },
		{ "resources ; drop", 10, "unexpected character ';'" },
		{ "resources | where name == 'a' or name == 'b'", 30,
		  "expected '|' or the end" },
		{ "resources | limit 5", 12, "no other operator" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sb_kql_query q;
		char message[160] = "";
		size_t at = 99;

		if (sb_kql_parse(cases[i].text, &q, message, sizeof(message),
				 &at))
			fail_msg("'%s' was accepted", cases[i].text);
		if (strstr(message, cases[i].message) == NULL)
			fail_msg("'%s': '%s' lacks '%s'", cases[i].text,
				 message, cases[i].message);
		if (at != cases[i].at)
			fail_msg("'%s': offset %zu, expected %zu",
				 cases[i].text, at, cases[i].at);
		assert_int_equal(q.n_where, 0);
		assert_int_equal(q.n_project, 0);
		assert_null(q.order_by);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kvlink_query_parses),
		cmocka_unit_test(conditions_and_sort),
		cmocka_unit_test(string_escapes),
		cmocka_unit_test(rejected_queries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
