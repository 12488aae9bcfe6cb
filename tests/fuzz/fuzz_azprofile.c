/* Fuzz target: the Azure CLI's azureProfile.json. */
#include "config.h"

#include "core/azcli.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kvl_azcli_profile profile = { 0 };
	struct kvl_error err;

	kvl_error_init(&err);
	if (kvl_azcli_profile_parse((const char *)data, size, "fuzz input",
				    &profile, &err) == KVL_OK)
		(void)kvl_azcli_profile_default(&profile, "AzureCloud");
	kvl_azcli_profile_clear(&profile);
	kvl_error_clear(&err);
	return 0;
}
