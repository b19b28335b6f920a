/* agent/output/httpneg.c: Accept header negotiation (see httpneg.h). */

#include "buildconf.h"
#include "httpneg.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

struct elem {
	const char *type;      /* into the copy of the header */
	size_t type_len;
	const char *version;   /* NULL: none given */
	size_t version_len;
	int q;                 /* 0-1000 */
};

static bool
is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* s[0..n) without the blanks around it. */
static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && is_space(**s))
		(*s)++, (*n)--;
	while (*n > 0 && is_space((*s)[*n - 1]))
		(*n)--;
}

/* "0", "0.5", "1", "1.000": thousandths; -1 malformed. */
static int
parse_q(const char *s, size_t n)
{
	int v, scale = 100;
	size_t i;

	if (n == 0 || (s[0] != '0' && s[0] != '1'))
		return -1;
	v = (s[0] - '0') * 1000;
	if (n == 1)
		return v;
	if (s[1] != '.' || n > 5)
		return -1;
	for (i = 2; i < n; i++, scale /= 10) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v += (s[i] - '0') * scale;
	}
	return v > 1000 ? -1 : v;
}

/* One element "type/sub;p=v;q=0.5" of length n into e; false if it has no
 * type. */
static bool
parse_elem(const char *s, size_t n, struct elem *e)
{
	const char *end = s + n, *semi = memchr(s, ';', n);
	size_t tl = semi ? (size_t)(semi - s) : n;

	trim(&s, &tl);
	if (tl == 0 || memchr(s, '/', tl) == NULL)
		return false;
	e->type = s;
	e->type_len = tl;
	e->version = NULL;
	e->version_len = 0;
	e->q = 1000;
	while (semi != NULL) {
		const char *p = semi + 1, *eq;
		size_t pl;

		semi = memchr(p, ';', (size_t)(end - p));
		pl = semi ? (size_t)(semi - p) : (size_t)(end - p);
		eq = memchr(p, '=', pl);
		if (eq == NULL)
			continue;
		const char *name = p, *val = eq + 1;
		size_t nl = (size_t)(eq - p), vl = pl - nl - 1;

		trim(&name, &nl);
		trim(&val, &vl);
		if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"')
			val++, vl -= 2;
		if (nl == 1 && (name[0] == 'q' || name[0] == 'Q')) {
			int q = parse_q(val, vl);
			e->q = q < 0 ? 0 : q;
		} else if (nl == 7 && strncasecmp(name, "version", 7) == 0) {
			e->version = val;
			e->version_len = vl;
		}
	}
	return true;
}

/* How specifically e matches the offer: 3 exact, 2 TYPE/ *, 1 * / *, 0 not. */
static int
match(const struct elem *e, const struct httpneg_offer *o)
{
	const char *slash = strchr(o->type, '/');
	size_t major = slash ? (size_t)(slash - o->type) : strlen(o->type);
	int level;

	if (e->type_len == 3 && memcmp(e->type, "*/*", 3) == 0)
		level = 1;
	else if (e->type_len == major + 2 && strncasecmp(e->type, o->type, major) == 0 &&
	    memcmp(e->type + major, "/*", 2) == 0)
		level = 2;
	else if (e->type_len == strlen(o->type) && strncasecmp(e->type, o->type, e->type_len) == 0)
		level = 3;
	else
		return 0;
	if (e->version != NULL && (o->version == NULL || strlen(o->version) != e->version_len ||
	    memcmp(e->version, o->version, e->version_len) != 0))
		return 0;
	return level;
}

int
httpneg_choose(const char *accept, const struct httpneg_offer *offers, size_t n)
{
	struct elem el[HTTPNEG_MAX_ELEMS];
	size_t ne = 0, len, i, j;
	const char *s;
	int best = -1, best_w = 0;

	if (n == 0)
		return -1;
	if (accept == NULL || accept[0] == '\0')
		return 0;
	len = strnlen(accept, HTTPNEG_MAX_BYTES);
	for (s = accept; s < accept + len && ne < HTTPNEG_MAX_ELEMS;) {
		const char *c = memchr(s, ',', (size_t)(accept + len - s));
		size_t l = c ? (size_t)(c - s) : (size_t)(accept + len - s);

		if (parse_elem(s, l, &el[ne]))
			ne++;
		if (c == NULL)
			break;
		s = c + 1;
	}
	for (i = 0; i < n; i++) {
		int level = 0, w = 0;

		for (j = 0; j < ne; j++) {
			int m = match(&el[j], &offers[i]);
			if (m > level || (m == level && m > 0 && el[j].q > w)) {
				level = m;
				w = el[j].q;
			}
		}
		if (w > best_w) {
			best_w = w;
			best = (int)i;
		}
	}
	return best;
}
