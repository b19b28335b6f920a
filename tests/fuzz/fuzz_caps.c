/* libFuzzer target: the EHLO capability parser over any reply text, and
 * the name lists built from what it found. Checks every buffer stays
 * terminated and within its size. */
#include "buildconf.h"
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "smtp_caps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_caps c;
	char names[256];
	size_t n;

	smtp_caps_init(&c);
	smtp_caps_parse(&c, (const char *)data, size);
	assert(strlen(c.domain) < sizeof c.domain);
	assert(strlen(c.unknown) < sizeof c.unknown);
	assert(strlen(c.auth_other) < sizeof c.auth_other);
	n = smtp_caps_names(&c, names, sizeof names);
	assert(strlen(names) == (n < sizeof names ? n : sizeof names - 1));
	n = smtp_caps_auth_names(&c, names, sizeof names);
	assert(strlen(names) == (n < sizeof names ? n : sizeof names - 1));
	return 0;
}
