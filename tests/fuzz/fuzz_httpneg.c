/* libFuzzer target: agent/output/httpneg under arbitrary Accept headers.
 * The first octet picks how many of four offers are given (0-4); the rest
 * is the header. Checks: the choice is -1 or an offer's index, the same
 * when asked twice, and the first offer for an empty header. */
#include "buildconf.h"
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "httpneg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct httpneg_offer offers[] = {
		{ "text/plain", "0.0.4" },
		{ "application/openmetrics-text", "1.0.0" },
		{ "text/html", NULL },
		{ "application/json", NULL },
	};
	size_t n;
	char *accept;
	int a, b;

	if (size < 1)
		return 0;
	n = data[0] % 5;
	accept = malloc(size);
	memcpy(accept, data + 1, size - 1);
	accept[size - 1] = '\0';
	a = httpneg_choose(accept, offers, n);
	b = httpneg_choose(accept, offers, n);
	assert(a == b);
	assert(a >= -1 && a < (int)n);
	if (n == 0)
		assert(a == -1);
	else if (accept[0] == '\0')
		assert(a == 0);
	free(accept);
	return 0;
}
