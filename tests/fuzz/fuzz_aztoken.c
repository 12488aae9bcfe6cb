/* Fuzz target: what az account get-access-token prints. */
#include "config.h"

#include "core/azcli_token.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kvl_azcli_token token = { 0 };
	struct kvl_error err;
	kvl_result res;

	kvl_error_init(&err);
	res = kvl_azcli_parse_token((const char *)data, size, &token, &err);
	if (res == KVL_OK && (token.access_token == NULL ||
			      token.expires_at > KVL_JSON_MAX_UNIX_TIME))
		abort();
	kvl_fuzz_check(res, &err, "kvl_azcli_parse_token");
	kvl_azcli_token_clear(&token);
	return 0;
}
