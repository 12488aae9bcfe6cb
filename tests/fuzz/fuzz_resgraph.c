/* Fuzz target: Resource Graph query responses and their vault rows. */
#include "config.h"

#include "core/arm.h"
#include "core/resourcegraph.h"
#include "fuzz.h"

static void parse_rows(json_object *rows)
{
	struct kvl_error err;
	struct kvl_vault vault;
	json_object *row;

	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		row = json_object_array_get_idx(rows, i);
		memset(&vault, 0, sizeof(vault));
		kvl_error_init(&err);
		kvl_fuzz_check(kvl_resgraph_parse_vault_row(row, &vault, &err),
			       &err, "kvl_resgraph_parse_vault_row");
		kvl_vault_clear(&vault);
	}
}

/* The raw scans for $skipToken, of a whole page and of the start of
 * one, read every input without a parse. Their results may differ from
 * the parse's (json-c accepts more than JSON), which the caller
 * handles, so only their memory safety is checked. */
static void scan_token(const uint8_t *data, size_t size)
{
	char *text = kvl_fuzz_text(data, size);

	if (text != NULL) {
		free(kvl_resgraph_scan_skip_token(text, size));
		free(kvl_resgraph_scan_skip_token_start(text, size));
	}
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_object *body = kvl_fuzz_json(data, size);
	struct kvl_resgraph_page page = { 0 };
	struct kvl_error err;
	kvl_result res = KVL_ERR_PARSE;

	scan_token(data, size);
	kvl_error_init(&err);
	if (body != NULL) {
		res = kvl_resgraph_parse_page(body, KVL_RESGRAPH_MAX_TOP,
					      &page, &err);
		kvl_fuzz_check(res, &err, "kvl_resgraph_parse_page");
	}
	if (res == KVL_OK && page.data != NULL &&
	    json_object_is_type(page.data, json_type_array))
		parse_rows(page.data);
	kvl_resgraph_page_clear(&page);
	json_object_put(body);
	return 0;
}
