/* probes/vcache.c: see vcache.h. */
#include "buildconf.h"
#include "vcache.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct vcache_entry {
	uint8_t key[VCACHE_KEY_LEN];
	uint64_t gen;
	int64_t stored, lo, hi;
	long code;
	bool used;
};

struct vcache {
	size_t mask;
	struct vcache_entry *e;
};

struct vcache *
vcache_new(unsigned slots_log2)
{
	struct vcache *c = xcalloc(1, sizeof *c);

	if (slots_log2 < 1)
		slots_log2 = 1;
	if (slots_log2 > 20)
		slots_log2 = 20;
	c->mask = ((size_t)1 << slots_log2) - 1;
	c->e = xcalloc(c->mask + 1, sizeof *c->e);
	return c;
}

void
vcache_free(struct vcache *c)
{
	if (c == NULL)
		return;
	free(c->e);
	free(c);
}

static size_t
slot(const struct vcache *c, const uint8_t *key)
{
	size_t h = 0;
	int i;

	/* the key is a cryptographic hash: its first bytes are uniform */
	for (i = 0; i < 4; i++)
		h = h << 8 | key[i];
	return h & c->mask;
}

bool
vcache_get(const struct vcache *c, const uint8_t key[VCACHE_KEY_LEN], uint64_t gen,
    int64_t now, int64_t ttl, long *code)
{
	const struct vcache_entry *e = &c->e[slot(c, key)];

	if (!e->used || e->gen != gen || memcmp(e->key, key, VCACHE_KEY_LEN) != 0)
		return false;
	if (now < e->lo || now >= e->hi || now < e->stored || now - e->stored >= ttl)
		return false;
	*code = e->code;
	return true;
}

void
vcache_put(struct vcache *c, const uint8_t key[VCACHE_KEY_LEN], uint64_t gen, int64_t now,
    int64_t lo, int64_t hi, long code)
{
	struct vcache_entry *e = &c->e[slot(c, key)];

	memcpy(e->key, key, VCACHE_KEY_LEN);
	e->gen = gen;
	e->stored = now;
	e->lo = lo;
	e->hi = hi;
	e->code = code;
	e->used = true;
}

void
vcache_window(const int64_t *bounds, size_t n, int64_t now, int64_t *lo, int64_t *hi)
{
	size_t i;

	*lo = INT64_MIN;
	*hi = INT64_MAX;
	for (i = 0; i < n; i++) {
		if (bounds[i] <= now) {
			if (bounds[i] > *lo)
				*lo = bounds[i];
		} else if (bounds[i] < *hi) {
			*hi = bounds[i];
		}
	}
}
