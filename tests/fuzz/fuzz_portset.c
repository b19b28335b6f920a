/* libFuzzer target: probes/portset and probes/smtpsniff.
 *
 * Input: one octet of mode. Mode bit 0 clear: the rest, NUL-terminated, is
 * a port list for portset_parse(); checks: a parsed set is "any" alone or
 * 1..PORTSET_MAX disjoint ranges lo <= hi in 1..65535, formats to a list
 * that parses back to the same set, and has() agrees with the ranges; a
 * refused list leaves a NUL-terminated reason. Mode bit 0 set: the rest is
 * records (1 octet: bits 0-5 length, bit 6 direction, bit 7 gap) fed to one
 * smtpsniff flow; checks: a final state stays final, take() never gives
 * more than was kept, and a flow judged SMTP or not never holds bytes. */
#include "buildconf.h"
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portset.h"
#include "smtpsniff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
lists(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[128], out[1024];
	struct portset ps, back;

	assert(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	if (portset_parse(&ps, s, err, sizeof err) == 0) {
		assert(ps.any ? ps.n == 0 : ps.n >= 1 && ps.n <= PORTSET_MAX);
		for (size_t i = 0; i < ps.n; i++) {
			assert(ps.r[i].lo >= 1 && ps.r[i].lo <= ps.r[i].hi);
			assert(portset_has(&ps, ps.r[i].lo) && portset_has(&ps, ps.r[i].hi));
			for (size_t j = 0; j < i; j++)
				assert(ps.r[i].lo > ps.r[j].hi || ps.r[i].hi < ps.r[j].lo);
		}
		assert(portset_format(&ps, out, sizeof out) < sizeof out);
		assert(portset_parse(&back, out, err, sizeof err) == 0);
		assert(portset_equal(&ps, &back));
	} else {
		assert(memchr(err, '\0', sizeof err) != NULL && err[0] != '\0');
	}
	free(s);
}

static void
flow(const uint8_t *data, size_t size)
{
	struct smtpsniff s;
	size_t i = 0;

	smtpsniff_init(&s);
	while (i < size) {
		uint8_t h = data[i++];
		size_t n = h & 0x3f;
		int dir = (h >> 6) & 1;
		uint8_t before = s.state;
		enum smtpsniff_act a;
		const uint8_t *p;
		uint32_t lost;

		if (n > size - i)
			n = size - i;
		if (h & 0x80)
			a = smtpsniff_gap(&s, dir, (uint32_t)n + 1);
		else if (n > 0)
			a = smtpsniff_data(&s, dir, data + i, n);
		else
			continue;
		i += (h & 0x80) ? 0 : n;
		if (before == SMTPSNIFF_NOT_SMTP)
			assert(a == SMTPSNIFF_DROP);
		if (before == SMTPSNIFF_SMTP)
			assert(s.state == SMTPSNIFF_SMTP && a == SMTPSNIFF_FEED);
		assert(s.n[0] <= SMTPSNIFF_CLIENT_BYTES && s.n[1] <= SMTPSNIFF_CLIENT_BYTES);
		if (a == SMTPSNIFF_FEED) {
			size_t k = smtpsniff_take(&s, dir, &p, &lost);

			assert(k <= SMTPSNIFF_CLIENT_BYTES);
			assert(smtpsniff_take(&s, dir, &p, &lost) == 0 && lost == 0);
		}
	}
	(void)smtpsniff_end(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		flow(data + 1, size - 1);
	else
		lists(data + 1, size - 1);
	return 0;
}
