/* Fuzz target: the claims of an access token (a JWT). */
#include "config.h"

#include "core/auth.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *jwt = kvl_fuzz_text(data, size);
	struct kvl_identity id;
	struct kvl_error err;
	int64_t expires_at = 0;

	if (jwt == NULL)
		return 0;
	kvl_error_init(&err);
	kvl_fuzz_check(kvl_identity_from_jwt(jwt, &id, &expires_at, &err),
		       &err, "kvl_identity_from_jwt");
	kvl_identity_clear(&id);
	free(jwt);
	return 0;
}
