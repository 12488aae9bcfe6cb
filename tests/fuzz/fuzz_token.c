/* Fuzz target: token endpoint responses (success and error bodies). */
#include "config.h"

#include "core/auth.h"
#include "core/auth_private.h"
#include "core/cloud.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_object *body = kvl_fuzz_json(data, size);
	struct kvl_cloud cloud;
	struct kvl_auth *auth = NULL;
	struct kvl_error err;
	kvl_result res;

	memset(&cloud, 0, sizeof(cloud));
	kvl_error_init(&err);
	if (body == NULL || kvl_cloud_public(&cloud) != KVL_OK ||
	    kvl_auth_new(NULL, &cloud, NULL, NULL, &auth) != KVL_OK)
		goto out;

	res = kvl_auth_store_tokens(auth, "contoso.example",
				    "https://management.azure.com/.default",
				    body, &err);
	kvl_fuzz_check(res, &err, "kvl_auth_store_tokens");
	res = kvl_auth_entra_error(body, 400, "try again", &err);
	kvl_fuzz_check(res, &err, "kvl_auth_entra_error");
out:
	kvl_auth_free(auth);
	kvl_cloud_clear(&cloud);
	kvl_error_clear(&err);
	json_object_put(body);
	return 0;
}
