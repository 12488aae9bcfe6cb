/* Fuzz target: error bodies of non-2xx responses, as kvl_http_check
 * reads them for every Azure call. */
#include "config.h"

#include "core/http.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = kvl_fuzz_text(data, size);
	struct kvl_http_response resp = { .status = 403, .retry_after_s = 7 };
	struct kvl_error err;

	if (body == NULL)
		return 0;
	kvl_error_init(&err);
	kvl_http_parse_error_body(body, &err);
	kvl_error_clear(&err);

	resp.body = body;
	resp.body_len = strlen(body);
	kvl_fuzz_check(kvl_http_check(&resp, "fuzz the error body", &err),
		       &err, "kvl_http_check");
	free(body);
	return 0;
}
