/* Fuzz target: environment documents of the on-disk store. A document
 * that parses must also survive being written out and read back. */
#include "config.h"

#include <stdio.h>

#include "env/envstore.h"
#include "fuzz.h"

static void round_trip(const struct kvl_environment *env)
{
	struct kvl_environment again = { 0 };
	struct kvl_error err;
	json_object *doc = kvl_env_to_json(env);

	if (doc == NULL)
		return;
	kvl_error_init(&err);
	if (kvl_env_from_json(doc, &again, &err) != KVL_OK) {
		fprintf(stderr, "environment written by kvlink does not "
			"read back: %s\n", err.message ? err.message : "");
		abort();
	}
	kvl_env_clear(&again);
	kvl_error_clear(&err);
	json_object_put(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_object *doc = kvl_fuzz_json(data, size);
	struct kvl_environment env = { 0 };
	struct kvl_error err;

	kvl_error_init(&err);
	if (doc != NULL && kvl_env_from_json(doc, &env, &err) == KVL_OK)
		round_trip(&env);
	kvl_env_clear(&env);
	kvl_error_clear(&err);
	json_object_put(doc);
	return 0;
}
