/* agent/config/confdup.c: targets given twice (see confdup.h). */
#include "buildconf.h"
#include "confdup.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "confparse.h"

static int
addr_key_cmp(const struct confdup_ref *x, const struct confdup_ref *y)
{
	int fx = x->a->ss.ss_family, fy = y->a->ss.ss_family, c;
	uint16_t px, py;

	if (fx != fy)
		return fx < fy ? -1 : 1;
	if (fx == AF_INET) {
		const struct sockaddr_in *a = (const void *)&x->a->ss, *b = (const void *)&y->a->ss;
		c = memcmp(&a->sin_addr, &b->sin_addr, sizeof a->sin_addr);
		px = ntohs(a->sin_port);
		py = ntohs(b->sin_port);
	} else {
		const struct sockaddr_in6 *a = (const void *)&x->a->ss, *b = (const void *)&y->a->ss;
		c = memcmp(&a->sin6_addr, &b->sin6_addr, sizeof a->sin6_addr);
		px = ntohs(a->sin6_port);
		py = ntohs(b->sin6_port);
	}
	if (c != 0)
		return c;
	return px < py ? -1 : px > py;
}

/* c, the keys' order, or else the order given */
static int
then_seq(const struct confdup_ref *x, const struct confdup_ref *y, int c)
{
	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
addr_ref_cmp(const void *a, const void *b)
{
	return then_seq(a, b, addr_key_cmp(a, b));
}

/* Host names compare without case and without a final dot. */
static int
host_key_cmp(const struct confdup_ref *x, const struct confdup_ref *y)
{
	size_t lx = strlen(x->host), ly = strlen(y->host), n;
	int c;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (lx > 0 && x->host[lx - 1] == '.')
		lx--;
	if (ly > 0 && y->host[ly - 1] == '.')
		ly--;
	n = lx < ly ? lx : ly;
	c = strncasecmp(x->host, y->host, n);
	if (c != 0)
		return c;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return x->port < y->port ? -1 : x->port > y->port;
}

static int
host_ref_cmp(const void *a, const void *b)
{
	return then_seq(a, b, host_key_cmp(a, b));
}

/* Number the n refs in the order given, sort them by key (ref_cmp: key,
 * then that order) and report each one that repeats the first of its key. */
static void
report_repeats(struct conferr_list *el, struct confdup_ref *r, size_t n,
    int (*ref_cmp)(const void *, const void *),
    int (*key_cmp)(const struct confdup_ref *, const struct confdup_ref *),
    void (*report)(struct conferr_list *, const struct confdup_ref *, int first_line))
{
	size_t i, head;

	for (i = 0; i < n; i++)
		r[i].seq = i;
	qsort(r, n, sizeof *r, ref_cmp);
	for (head = 0, i = 1; i < n; i++) {
		if (key_cmp(&r[head], &r[i]) != 0) {
			head = i;
			continue;
		}
		report(el, &r[i], r[head].line);
	}
}

static void
report_addr(struct conferr_list *el, const struct confdup_ref *d, int first_line)
{
	char b[CONF_SHOW_BUF];

	conf_show(d->a->text, b);
	if (d->a->ss.ss_family == AF_INET6)
		conferr_add(el, d->line, d->kw, "[%s]:%u given twice (first at line %d)", b,
		    (unsigned)ntohs(((const struct sockaddr_in6 *)&d->a->ss)->sin6_port),
		    first_line);
	else
		conferr_add(el, d->line, d->kw, "%s:%u given twice (first at line %d)", b,
		    (unsigned)ntohs(((const struct sockaddr_in *)&d->a->ss)->sin_port),
		    first_line);
}

static void
report_host(struct conferr_list *el, const struct confdup_ref *d, int first_line)
{
	char b[CONF_SHOW_BUF];

	conferr_add(el, d->line, d->kw, "%s:%u given twice (first at line %d)",
	    conf_show(d->host, b), (unsigned)d->port, first_line);
}

void
confdup_addrs(struct conferr_list *el, struct confdup_ref *r, size_t n)
{
	report_repeats(el, r, n, addr_ref_cmp, addr_key_cmp, report_addr);
}

void
confdup_hosts(struct conferr_list *el, struct confdup_ref *r, size_t n)
{
	report_repeats(el, r, n, host_ref_cmp, host_key_cmp, report_host);
}
