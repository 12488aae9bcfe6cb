/* Fuzz target: the sanitiser that every string from Azure or a file
 * passes through before it is printed or drawn. */
#include "config.h"

#include <locale.h>

#include "core/sanitize.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int locale_set;
	char *text = kvl_fuzz_text(data, size), *clean;

	if (!locale_set) {
		/* kvlink runs in the user's locale; width rules need UTF-8. */
		setlocale(LC_ALL, "C.UTF-8");
		locale_set = 1;
	}
	if (text == NULL)
		return 0;
	free(kvl_sanitize_line(text));
	free(kvl_utf8_repair(text));
	(void)kvl_name_problem(text, 64);

	clean = kvl_sanitize(text);
	if (clean != NULL) {
		(void)kvl_display_width(clean);
		free(kvl_truncate_cols(clean, 17));
	}
	free(clean);
	free(text);
	return 0;
}
