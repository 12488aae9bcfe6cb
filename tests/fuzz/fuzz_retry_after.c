/* Fuzz target: the Retry-After header of throttled responses. */
#include "config.h"

#include "core/http.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *value = kvl_fuzz_text(data, size);
	long seconds, delay_ms;

	if (value == NULL)
		return 0;
	seconds = kvl_http_parse_retry_after(value);
	if (seconds < -1)
		abort();

	/* The wait kvlink would take must stay within its own caps. */
	delay_ms = kvl_http_retry_delay_ms(500, 30000, 3, seconds);
	if (delay_ms < 0 || delay_ms > KVL_HTTP_MAX_RETRY_AFTER_S * 1000L)
		abort();
	free(value);
	return 0;
}
