/* Fuzz target: Key Vault secret list items. */
#include "config.h"

#include "core/keyvault.h"
#include "fuzz.h"

static void parse_item(json_object *item)
{
	struct kvl_secret_item secret = { 0 };
	struct kvl_error err;

	kvl_error_init(&err);
	kvl_fuzz_check(kvl_kv_parse_secret_item(item, &secret, &err), &err,
		       "kvl_kv_parse_secret_item");
	kvl_secret_item_clear(&secret);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kvl_fuzz_each_item(data, size, parse_item);
	return 0;
}
