/* Fuzz target: managed identity endpoints' token responses. */
#include "config.h"

#include "core/credential.h"
#include "core/crypto.h"
#include "fuzz.h"

/* A fixed "now" keeps every run of one input the same. */
#define FUZZ_NOW INT64_C(1800000000)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kvl_error err;
	char *token = NULL;
	int64_t expires_at = 0;
	kvl_result res;

	kvl_error_init(&err);
	res = kvl_managed_identity_parse((const char *)data, size, FUZZ_NOW,
					 &token, &expires_at, &err);
	if (res == KVL_OK && (token == NULL || expires_at <= 0 ||
			      expires_at > KVL_JSON_MAX_UNIX_TIME))
		abort();
	kvl_fuzz_check(res, &err, "kvl_managed_identity_parse");
	kvl_free_secret(token);
	return 0;
}
