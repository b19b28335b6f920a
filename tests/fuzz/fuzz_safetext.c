/* libFuzzer target: probes/safetext under arbitrary bytes and output sizes.
 * Checks its promises: only printable ASCII out (and CR only before LF with
 * SAFE_LINES), '|' never with SAFE_PLUGIN, the length returned is the
 * string's, never more than outsz - 1. */
#include "buildconf.h"
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "safetext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[600];
	size_t outsz, n;
	unsigned flags;

	if (size < 2)
		return 0;
	outsz = (size_t)data[0] % sizeof out + 1;
	flags = data[1] & 3u;
	n = safe_text((const char *)data + 2, size - 2, out, outsz, flags);
	assert(n < outsz && out[n] == '\0' && strlen(out) == n);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)out[i];

		if (c == '\r') {
			assert((flags & SAFE_LINES) && i + 1 < n && out[i + 1] == '\n');
			continue;
		}
		if (c == '\n') {
			assert((flags & SAFE_LINES) && i > 0 && out[i - 1] == '\r');
			continue;
		}
		assert(c >= 0x20 && c <= 0x7e);
		assert(!(c == '|' && (flags & SAFE_PLUGIN)));
	}
	return 0;
}
