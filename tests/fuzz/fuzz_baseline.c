/* libFuzzer target: a state-file line through baseline_parse(); whatever it
 * accepts must format back to a line that parses to the same baseline, and
 * downgrade_observe() on it must stay within its bounds. */
#include "buildconf.h"
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "downgrade.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct baseline b, c;
	struct dg_change ch[DG_N_EVENTS + 1];
	struct posture p;
	char key[64], key2[64], err[160], line[2048];
	size_t n;
	bool changed;

	if (!baseline_parse((const char *)data, size, key, sizeof key, &b, err, sizeof err)) {
		assert(strlen(err) < sizeof err);
		return 0;
	}
	assert(strlen(key) < sizeof key);
	n = baseline_format(key, &b, line, sizeof line);
	assert(n > 0 && n < sizeof line);
	assert(baseline_parse(line, n, key2, sizeof key2, &c, err, sizeof err));
	assert(strcmp(key, key2) == 0);
	assert(c.active == b.active && c.announced == b.announced);
	assert(c.best.tls_version == b.best.tls_version && c.best.cipher_id == b.best.cipher_id);
	posture_unknown(&p);
	p.starttls = 0;
	n = downgrade_observe(&b, &p, 0x0303, 1, ch, DG_N_EVENTS + 1, &changed);
	assert(n <= DG_N_EVENTS + 1);
	return 0;
}
