/* Fuzz target: Microsoft Graph servicePrincipals list responses. */
#include "config.h"

#include "core/graph.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_object *body = kvl_fuzz_json(data, size);
	struct kvl_service_principal sp = { 0 };
	struct kvl_error err;

	kvl_error_init(&err);
	if (body != NULL)
		kvl_fuzz_check(kvl_graph_parse_service_principals(body, &sp,
								  &err),
			       &err, "kvl_graph_parse_service_principals");
	kvl_service_principal_clear(&sp);
	json_object_put(body);
	return 0;
}
