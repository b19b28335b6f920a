/* libFuzzer target: JSON string escaping of arbitrary server bytes. The
 * output must be one valid JSON string: printable ASCII or valid UTF-8,
 * no raw control characters, quotes and backslashes escaped. */
#include "buildconf.h"
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&out, &len);
	struct json j;

	json_init(&j, f);
	json_strn(&j, (const char *)data, size);
	fclose(f);
	assert(len >= 2 && out[0] == '"' && out[len - 1] == '"');
	for (i = 1; i + 1 < len; i++) {
		unsigned char c = (unsigned char)out[i];
		assert(c >= 0x20 && c != 0x7f);
		if (c == '\\') {
			i++;
			assert(strchr("\"\\nrtu", out[i]) != NULL);
		} else {
			assert(c != '"');
		}
	}
	free(out);
	return 0;
}
