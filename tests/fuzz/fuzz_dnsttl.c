/* libFuzzer target: dnsttl_min() over arbitrary DNS messages. The first two
 * bytes pick the record type, the rest is the message. Checks the contract:
 * result -1, 0 or 1; *ttl written only on 1 and never above 2^31-1; bytes
 * after the answer section never change the answer (the walk reads header,
 * questions and answers only, and never past len). */
#include "buildconf.h"
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnsttl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t type;
	uint32_t ttl = 0xDEADBEEF, ttl2 = 0xDEADBEEF;
	uint8_t *copy, *longer;
	size_t len;
	int r, r2;

	if (size < 2)
		return 0;
	type = (uint16_t)(data[0] << 8 | data[1]);
	len = size - 2;
	/* an exact-size heap copy, so ASan catches any read past len */
	copy = malloc(len ? len : 1);
	assert(copy != NULL);
	memcpy(copy, data + 2, len);
	r = dnsttl_min(copy, len, type, &ttl);
	assert(r >= -1 && r <= 1);
	if (r == 1)
		assert(ttl <= 0x7FFFFFFFu);
	else
		assert(ttl == 0xDEADBEEF);

	/* same message with 16 trailing bytes: a parsed answer must not change */
	longer = malloc(len + 16);
	assert(longer != NULL);
	memcpy(longer, copy, len);
	memset(longer + len, 0xC0, 16);
	r2 = dnsttl_min(longer, len + 16, type, &ttl2);
	if (r != -1) {
		assert(r2 == r);
		assert(ttl2 == ttl);
	}
	assert(dnsttl_min(NULL, len, type, &ttl2) == -1);
	free(longer);
	free(copy);
	return 0;
}
