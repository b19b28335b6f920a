/* probes/portset.c: see portset.h. */
#include "buildconf.h"
#include "portset.h"

#include <stdio.h>
#include <string.h>

void
portset_default(struct portset *ps)
{
	static const uint16_t def[] = { 25, 587, 465 };

	memset(ps, 0, sizeof *ps);
	for (size_t i = 0; i < sizeof def / sizeof def[0]; i++)
		ps->r[ps->n++] = (struct portset_range){ def[i], def[i] };
}

/* The item as err shows it: printable, cut at PORTSET_ITEM_MAX. */
static const char *
show(const char *s, size_t n, char out[PORTSET_ITEM_MAX + 4])
{
	size_t i, k = n > PORTSET_ITEM_MAX ? PORTSET_ITEM_MAX : n;

	for (i = 0; i < k; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (k < n)
		out[i++] = '.', out[i++] = '.', out[i++] = '.';
	out[i] = '\0';
	return out;
}

/* A decimal number at *p (digits only); -1 none, 65536 when too large. */
static long
number(const char **p, const char *end)
{
	long v = 0;
	const char *s = *p;

	if (s == end || *s < '0' || *s > '9')
		return -1;
	for (; s < end && *s >= '0' && *s <= '9'; s++)
		if ((v = v * 10 + (*s - '0')) > 65535)
			v = 65536;
	*p = s;
	return v;
}

static int
item(struct portset *ps, const char *s, size_t n, char *err, size_t errlen)
{
	char b[PORTSET_ITEM_MAX + 4];
	const char *p = s, *end = s + n;
	long lo, hi;

	if (n == 3 && (s[0] | 0x20) == 'a' && (s[1] | 0x20) == 'n' && (s[2] | 0x20) == 'y') {
		if (ps->n > 0 || ps->any) {
			snprintf(err, errlen, "\"any\" stands alone: it cannot be combined with ports");
			return -1;
		}
		ps->any = true;
		return 0;
	}
	if (ps->any) {
		snprintf(err, errlen, "\"%s\": \"any\" stands alone: it cannot be combined with ports",
		    show(s, n, b));
		return -1;
	}
	lo = number(&p, end);
	hi = lo;
	if (lo >= 0 && p < end && *p == '-') {
		p++;
		hi = number(&p, end);
	}
	if (lo < 0 || hi < 0 || p != end || n > PORTSET_ITEM_MAX) {
		snprintf(err, errlen, "\"%s\" is not a port, a range LOW-HIGH or any", show(s, n, b));
		return -1;
	}
	if (lo == 0 || hi == 0 || lo > 65535 || hi > 65535) {
		if (p == s + n && memchr(s, '-', n) == NULL)
			snprintf(err, errlen, "\"%s\" is not a port (1-65535)", show(s, n, b));
		else
			snprintf(err, errlen, "\"%s\": both ends of a range are ports (1-65535)",
			    show(s, n, b));
		return -1;
	}
	if (lo > hi) {
		snprintf(err, errlen, "\"%s\": the range is reversed (write %ld-%ld)", show(s, n, b),
		    hi, lo);
		return -1;
	}
	for (size_t i = 0; i < ps->n; i++) {
		const struct portset_range *r = &ps->r[i];

		if (lo > r->hi || hi < r->lo)
			continue;
		if (lo == hi && r->lo == r->hi)
			snprintf(err, errlen, "port %ld given twice", lo);
		else if (r->lo == r->hi)
			snprintf(err, errlen, "\"%s\" overlaps port %u", show(s, n, b),
			    (unsigned)r->lo);
		else
			snprintf(err, errlen, "\"%s\" overlaps %u-%u", show(s, n, b),
			    (unsigned)r->lo, (unsigned)r->hi);
		return -1;
	}
	if (ps->n >= PORTSET_MAX) {
		snprintf(err, errlen, "more than %d ports and ranges", PORTSET_MAX);
		return -1;
	}
	ps->r[ps->n++] = (struct portset_range){ (uint16_t)lo, (uint16_t)hi };
	return 0;
}

int
portset_add(struct portset *ps, const char *list, char *err, size_t errlen)
{
	const char *p = list;

	for (;;) {
		size_t n;

		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return 0;
		n = strcspn(p, ", \t");
		if (item(ps, p, n, err, errlen) != 0)
			return -1;
		p += n;
	}
}

int
portset_parse(struct portset *ps, const char *list, char *err, size_t errlen)
{
	memset(ps, 0, sizeof *ps);
	if (portset_add(ps, list, err, errlen) != 0)
		return -1;
	if (!ps->any && ps->n == 0) {
		snprintf(err, errlen, "an empty list: give ports (25,587,12525-12529) or any");
		return -1;
	}
	return 0;
}

bool
portset_has(const struct portset *ps, uint16_t port)
{
	if (ps->any)
		return port != 0;
	for (size_t i = 0; i < ps->n; i++)
		if (port >= ps->r[i].lo && port <= ps->r[i].hi)
			return true;
	return false;
}

uint32_t
portset_count(const struct portset *ps)
{
	uint32_t c = 0;

	if (ps->any)
		return 65535;
	for (size_t i = 0; i < ps->n; i++)
		c += (uint32_t)ps->r[i].hi - ps->r[i].lo + 1;
	return c;
}

size_t
portset_format(const struct portset *ps, char *out, size_t outsz)
{
	size_t used = 0;
	char b[16];

	if (outsz > 0)
		out[0] = '\0';
	if (ps->any)
		return (size_t)snprintf(out, outsz, "any");
	for (size_t i = 0; i < ps->n; i++) {
		int k = ps->r[i].lo == ps->r[i].hi ?
		    snprintf(b, sizeof b, "%s%u", i ? "," : "", (unsigned)ps->r[i].lo) :
		    snprintf(b, sizeof b, "%s%u-%u", i ? "," : "", (unsigned)ps->r[i].lo,
			(unsigned)ps->r[i].hi);

		if (used + (size_t)k < outsz)
			memcpy(out + used, b, (size_t)k + 1);
		else if (used < outsz)
			out[used] = '\0';
		used += (size_t)k;
	}
	return used;
}

bool
portset_equal(const struct portset *a, const struct portset *b)
{
	if (a->any != b->any || a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->r[i].lo != b->r[i].lo || a->r[i].hi != b->r[i].hi)
			return false;
	return true;
}
