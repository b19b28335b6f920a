/* agent/config/conferr.c: a configuration file's errors (see conferr.h). */
#include "buildconf.h"
#include "conferr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct conferr {
	int line;
	size_t seq;                    /* order of report */
	char *msg;
};

static char *
vformat(const char *fmt, va_list ap)
{
	char small[256], *s;
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof small, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		n = 0;
		small[0] = '\0';
	}
	s = xmalloc((size_t)n + 1);
	if ((size_t)n < sizeof small)
		memcpy(s, small, (size_t)n + 1);
	else
		vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *
conferr_strf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vformat(fmt, ap);
	va_end(ap);
	return s;
}

static void
add(struct conferr_list *el, int line, char *msg)
{
	el->total++;
	if (el->n >= CONFERR_KEEP) {
		free(msg);
		return;
	}
	if (el->n == el->cap) {
		el->cap = el->cap ? el->cap * 2 : 16;
		el->v = xrealloc(el->v, el->cap * sizeof *el->v);
	}
	el->v[el->n].line = line;
	el->v[el->n].seq = el->seq++;
	el->v[el->n].msg = msg;
	el->n++;
}

void
conferr_vadd(struct conferr_list *el, int line, const char *kw, const char *fmt, va_list ap)
{
	char *what = vformat(fmt, ap);

	add(el, line, conferr_strf("%s:%d: %s: %s", el->file, line, kw, what));
	free(what);
}

void
conferr_add(struct conferr_list *el, int line, const char *kw, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conferr_vadd(el, line, kw, fmt, ap);
	va_end(ap);
}

static int
cmp(const void *a, const void *b)
{
	const struct conferr *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void
conferr_publish(struct conferr_list *el, struct config_errors *errs)
{
	size_t i;

	if (el->n > 1)
		qsort(el->v, el->n, sizeof *el->v, cmp);
	for (i = 0; i < el->n; i++) {
		if (errs->n < CONFIG_MAX_ERRORS)
			errs->msg[errs->n++] = el->v[i].msg;
		else
			free(el->v[i].msg);
	}
	errs->total += el->total;
	free(el->v);
	el->v = NULL;
	el->n = el->cap = 0;
}

void
conferr_file(struct config_errors *errs, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errs->total++;
	if (errs->n < CONFIG_MAX_ERRORS)
		errs->msg[errs->n++] = vformat(fmt, ap);
	va_end(ap);
}
