/* Fuzz target: cloud profile files (--cloud FILE and the sandbox's). */
#include "config.h"

#include "core/cloud.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = kvl_fuzz_text(data, size);
	struct kvl_cloud cloud;
	struct kvl_error err;

	if (text == NULL)
		return 0;
	memset(&cloud, 0, sizeof(cloud));
	kvl_error_init(&err);
	if (kvl_cloud_parse(text, "fuzz input", &cloud, &err) == KVL_OK) {
		free(kvl_cloud_arm_scope(&cloud));
		free(kvl_cloud_graph_scope(&cloud));
		free(kvl_cloud_vault_scope(&cloud));
	}
	kvl_cloud_clear(&cloud);
	kvl_error_clear(&err);
	free(text);
	return 0;
}
