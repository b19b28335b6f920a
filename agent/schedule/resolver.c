/* agent/schedule/resolver.c: see resolver.h.
 *
 * c-ares does the DNS; this file lends it the loop. Its sockets come and go
 * through the sock_state callback (one libevent event per socket, with the
 * EV_READ/EV_WRITE interest c-ares asks for), its retransmissions and
 * timeouts through one timer re-armed from ares_timeout() after every call
 * into c-ares.
 *
 * A query walks QS_MX (MX answer awaited; resolver_mx() only) -> QS_ADDRS
 * (A/AAAA of every host, in parallel) -> QS_DONE (result complete, its
 * delivery event active) -> QS_CALLBACK. The user callback runs from that
 * delivery event, never inside c-ares, so it may free the resolver
 * (ares_destroy) without pulling the channel from under ares_process_fd(),
 * and never from inside resolver_host()/resolver_mx() even when c-ares
 * answers at once (IP literals, /etc/hosts, bad names).
 *
 * q->pending counts the c-ares callbacks still to come for a query, plus one
 * while a function of this file is starting lookups. A cancelled query
 * (QS_CANCELLED) stays allocated until pending drops to zero: c-ares may still
 * call back with its pointer (an answer arriving later, or ARES_EDESTRUCTION
 * from ares_destroy()); those callbacks see the state, drop their answer, and
 * the last one frees the query.
 */
#include "buildconf.h"
#include "resolver.h"

#include <ares.h>
#include <arpa/inet.h>
#include <event2/event.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dnsttl.h"
#include "log.h"
#include "util.h"

#define DNS_NAME_MAX 253        /* characters, without the final dot */
#define DNS_LABEL_MAX 63

enum query_kind { QK_HOST, QK_MX };

enum query_state {
	QS_MX,                  /* waiting for the MX answer */
	QS_ADDRS,               /* waiting for the A/AAAA answers of the hosts */
	QS_DONE,                /* result complete; delivery event active */
	QS_CALLBACK,            /* the user callback is running */
	QS_CANCELLED,           /* cancelled; waiting for c-ares to let go */
};

struct rsock {                  /* one socket c-ares asked us to watch */
	struct rsock *next;
	ares_socket_t fd;
	short what;             /* EV_READ | EV_WRITE */
	struct event *ev;
};

struct resolver {
	struct event_base *base;
	ares_channel channel;
	struct event *timer;
	struct rsock *socks;
	struct resolver_query *queries; /* every query not yet freed or delivered */
};

struct host_lookup {            /* the argument of one ares_getaddrinfo() */
	struct resolver_query *q;
	size_t idx;             /* in q->res.hosts */
	int status;
};

struct resolver_query {
	struct resolver *r;
	struct resolver_query *prev, *next;
	enum query_kind kind;
	enum query_state state;
	unsigned pending;       /* c-ares callbacks to come, + 1 while starting */
	bool implicit_mx;       /* MX lookup fell back to the domain's A/AAAA */
	bool ttl_seen;
	uint32_t ttl;
	uint16_t port;
	resolver_cb *cb;
	void *arg;
	struct event *deliver_ev;
	uint64_t started_us;
	size_t n_lookups;
	struct host_lookup lookups[RESOLVER_MAX_HOSTS];
	struct resolver_result res;
	char name[DNS_NAME_MAX + 2];
};

static void query_release(struct resolver_query *q);

static const char *
kind_name(enum query_kind k)
{
	return k == QK_MX ? "mx" : "host";
}

static const char *
state_name(enum query_state s)
{
	switch (s) {
	case QS_MX:             return "MX";
	case QS_ADDRS:          return "ADDRS";
	case QS_DONE:           return "DONE";
	case QS_CALLBACK:       return "CALLBACK";
	case QS_CANCELLED:      return "CANCELLED";
	}
	return "?";
}

static void
set_state(struct resolver_query *q, enum query_state s)
{
	log_debug("resolver: kind=%s name=%s state %s -> %s", kind_name(q->kind), q->name,
	    state_name(q->state), state_name(s));
	q->state = s;
}

static struct event *
must_event(struct event *ev)
{
	if (ev == NULL) {
		log_errx("resolver: cannot create a libevent event");
		abort();
	}
	return ev;
}

/* Letters, digits, '-', '_' in labels of 1..63, at most 253 characters
 * (254 with a final dot); with allow_literal also an IPv6 literal. */
static bool
name_ok(const char *name, bool allow_literal)
{
	struct in6_addr a6;
	size_t len, label = 0;

	if (name == NULL)
		return false;
	len = strnlen(name, DNS_NAME_MAX + 2);
	if (len == 0 || len > DNS_NAME_MAX + 1 ||
	    (len == DNS_NAME_MAX + 1 && name[len - 1] != '.'))
		return false;
	if (allow_literal && inet_pton(AF_INET6, name, &a6) == 1)
		return true;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
		if (++label > DNS_LABEL_MAX)
			return false;
	}
	return true;
}

static void
ttl_add(struct resolver_query *q, uint32_t ttl)
{
	if (!q->ttl_seen || ttl < q->ttl)
		q->ttl = ttl;
	q->ttl_seen = true;
}

/* ---- c-ares on libevent ---- */

/* Re-arm the timer from c-ares' next deadline; after every call into c-ares. */
static void
arm_timer(struct resolver *r)
{
	struct timeval tv, *tvp;

	tvp = ares_timeout(r->channel, NULL, &tv);
	if (tvp != NULL)
		evtimer_add(r->timer, tvp);
	else
		evtimer_del(r->timer);
}

static void
on_sock(evutil_socket_t fd, short what, void *arg)
{
	struct resolver *r = arg;

	/* may close fd and free its rsock and event: touch neither afterwards */
	ares_process_fd(r->channel, (what & EV_READ) ? fd : ARES_SOCKET_BAD,
	    (what & EV_WRITE) ? fd : ARES_SOCKET_BAD);
	arm_timer(r);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct resolver *r = arg;

	(void)fd, (void)what;
	ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	arm_timer(r);
}

/* c-ares: watch fd for reading and/or writing, or stop (both 0: it is about
 * to close fd). */
static void
sock_state_cb(void *data, ares_socket_t fd, int readable, int writable)
{
	struct resolver *r = data;
	struct rsock **pp, *s;
	short what = (short)((readable ? EV_READ : 0) | (writable ? EV_WRITE : 0));

	for (pp = &r->socks; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->fd == fd)
			break;
	s = *pp;
	if (what == 0) {
		if (s != NULL) {
			*pp = s->next;
			event_free(s->ev);
			free(s);
		}
		return;
	}
	if (s != NULL && s->what == what)
		return;
	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		s->fd = fd;
		s->next = r->socks;
		r->socks = s;
	} else {
		event_free(s->ev);
	}
	s->what = what;
	s->ev = must_event(event_new(r->base, fd, (short)(what | EV_PERSIST), on_sock, r));
	event_add(s->ev, NULL);
}

/* ---- queries ---- */

static void
query_unlink(struct resolver_query *q)
{
	if (q->prev != NULL)
		q->prev->next = q->next;
	else if (q->r->queries == q)
		q->r->queries = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
	q->prev = q->next = NULL;
}

static void
query_free(struct resolver_query *q)
{
	query_unlink(q);
	event_free(q->deliver_ev);
	free(q);
}

static void
on_deliver(evutil_socket_t fd, short what, void *arg)
{
	struct resolver_query *q = arg;

	(void)fd, (void)what;
	/* off the list first: the callback may free the resolver */
	query_unlink(q);
	set_state(q, QS_CALLBACK);
	q->cb(&q->res, q->arg);
	event_free(q->deliver_ev);
	free(q);
}

static bool
status_definitive(int st)
{
	return st == ARES_SUCCESS || st == ARES_ENOTFOUND || st == ARES_ENODATA;
}

/* All c-ares work for q is over: settle the result and schedule delivery. */
static void
query_finish(struct resolver_query *q)
{
	struct resolver_result *res = &q->res;

	if (q->n_lookups > 0) {
		if (q->kind == QK_HOST || q->implicit_mx) {
			res->status = q->lookups[0].status;
		} else {
			res->status = ARES_SUCCESS;
			for (size_t i = 0; i < q->n_lookups; i++)
				if (!status_definitive(q->lookups[i].status)) {
					res->status = q->lookups[i].status;
					break;
				}
		}
	}
	if (res->status != ARES_SUCCESS) {
		res->error = ares_strerror(res->status);
		res->n_hosts = 0;
		res->ttl = 0;
	} else {
		res->error = NULL;
		res->ttl = q->ttl_seen ? q->ttl : 0;
	}
	set_state(q, QS_DONE);
	log_debug("resolver: done kind=%s name=%s status=%d error=\"%s\" hosts=%zu ttl=%u "
	    "ms=%llu", kind_name(q->kind), q->name, res->status, res->error ? res->error : "",
	    res->n_hosts, (unsigned)res->ttl,
	    (unsigned long long)((now_us() - q->started_us) / 1000));
	event_active(q->deliver_ev, EV_TIMEOUT, 0);
}

/* One c-ares callback (or the starter's hold) less. */
static void
query_release(struct resolver_query *q)
{
	if (--q->pending > 0)
		return;
	if (q->state == QS_CANCELLED)
		query_free(q);
	else if (q->state == QS_MX || q->state == QS_ADDRS)
		query_finish(q);
}

static void
copy_addr(struct resolver_host *h, const struct ares_addrinfo_node *n, uint16_t port)
{
	struct sockaddr_storage *ss = &h->addrs[h->n_addrs];

	memset(ss, 0, sizeof(*ss));
	if (n->ai_family == AF_INET && n->ai_addr != NULL &&
	    n->ai_addrlen >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		memcpy(sin, n->ai_addr, sizeof(*sin));
		sin->sin_port = htons(port);
		h->addr_lens[h->n_addrs++] = sizeof(*sin);
	} else if (n->ai_family == AF_INET6 && n->ai_addr != NULL &&
	    n->ai_addrlen >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		memcpy(sin6, n->ai_addr, sizeof(*sin6));
		sin6->sin6_port = htons(port);
		h->addr_lens[h->n_addrs++] = sizeof(*sin6);
	}
}

static void
addr_cb(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
	struct host_lookup *l = arg;
	struct resolver_query *q = l->q;
	struct resolver_host *h = &q->res.hosts[l->idx];
	size_t dropped = 0;

	(void)timeouts;
	l->status = status;
	if (q->state == QS_ADDRS && status == ARES_SUCCESS && ai != NULL) {
		for (const struct ares_addrinfo_node *n = ai->nodes; n != NULL; n = n->ai_next) {
			if (h->n_addrs == RESOLVER_MAX_ADDRS) {
				dropped++;
				continue;
			}
			copy_addr(h, n, q->port);
			ttl_add(q, n->ai_ttl > 0 ? (uint32_t)n->ai_ttl : 0);
		}
		for (const struct ares_addrinfo_cname *c = ai->cnames; c != NULL; c = c->next)
			ttl_add(q, c->ttl > 0 ? (uint32_t)c->ttl : 0);
		if (h->n_addrs == 0)
			l->status = ARES_ENODATA;
		if (dropped > 0)
			log_debug("resolver: name=%s: %zu address(es) beyond %d left out",
			    h->name, dropped, RESOLVER_MAX_ADDRS);
	}
	if (ai != NULL)
		ares_freeaddrinfo(ai);
	query_release(q);
}

/* Start the A/AAAA lookup of q->res.hosts[idx]. */
static void
lookup_start(struct resolver_query *q, size_t idx)
{
	struct host_lookup *l = &q->lookups[idx];
	struct ares_addrinfo_hints hints;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	l->q = q;
	l->idx = idx;
	l->status = ARES_ECANCELLED;
	if (idx + 1 > q->n_lookups)
		q->n_lookups = idx + 1;
	q->pending++;
	/* may call addr_cb before returning */
	ares_getaddrinfo(q->r->channel, q->res.hosts[idx].name, NULL, &hints, addr_cb, l);
}

struct mx_pick {
	unsigned pref;
	const char *host;
};

static int
mx_pick_cmp(const void *a, const void *b)
{
	const struct mx_pick *x = a, *y = b;

	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	return strcasecmp(x->host, y->host);
}

/* Fill q->res.hosts from an MX answer: usable exchanges sorted by
 * preference then name, duplicates dropped, at most RESOLVER_MAX_HOSTS.
 * ARES_SUCCESS with no hosts is a null MX. */
static int
mx_collect(struct resolver_query *q, const unsigned char *abuf, int alen)
{
	struct ares_mx_reply *head = NULL;
	struct mx_pick *picks;
	size_t n = 0, k = 0, n_null = 0, n_bad = 0;
	uint32_t ttl = 0;
	int st;

	st = ares_parse_mx_reply(abuf, alen, &head);
	if (st != ARES_SUCCESS)
		return st;
	for (const struct ares_mx_reply *m = head; m != NULL; m = m->next)
		n++;
	picks = xcalloc(n, sizeof(*picks));
	for (const struct ares_mx_reply *m = head; m != NULL; m = m->next) {
		if (m->host == NULL || m->host[0] == '\0' || strcmp(m->host, ".") == 0) {
			n_null++;
		} else if (!name_ok(m->host, false)) {
			n_bad++;
			log_debug("resolver: mx=%s: exchange name not usable, left out", q->name);
		} else {
			picks[k].pref = m->priority;
			picks[k].host = m->host;
			k++;
		}
	}
	qsort(picks, k, sizeof(*picks), mx_pick_cmp);
	for (size_t i = 0; i < k && q->res.n_hosts < RESOLVER_MAX_HOSTS; i++) {
		struct resolver_host *h;
		bool dup = false;

		for (size_t j = 0; j < q->res.n_hosts && !dup; j++)
			dup = strcasecmp(q->res.hosts[j].name, picks[i].host) == 0;
		if (dup)
			continue;
		h = &q->res.hosts[q->res.n_hosts++];
		str_copy(h->name, picks[i].host, sizeof(h->name));
		h->preference = picks[i].pref;
	}
	if (k > q->res.n_hosts)
		log_debug("resolver: mx=%s: %zu exchange(s), %zu kept", q->name, k, q->res.n_hosts);
	free(picks);
	ares_free_data(head);

	/* the MX records' TTL; unknown counts as 0 */
	ttl_add(q, dnsttl_min(abuf, (size_t)alen, DNSTTL_TYPE_MX, &ttl) == 1 ? ttl : 0);
	if (q->res.n_hosts == 0 && (n_bad > 0 || n_null == 0))
		return ARES_EBADRESP;
	return ARES_SUCCESS;
}

static void
mx_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct resolver_query *q = arg;

	(void)timeouts;
	if (q->state != QS_MX) {                /* cancelled */
		query_release(q);
		return;
	}
	if (status == ARES_SUCCESS)
		status = mx_collect(q, abuf, alen);
	if (status == ARES_SUCCESS) {
		if (q->res.n_hosts == 0) {
			log_debug("resolver: mx=%s: null MX", q->name);
		} else {
			set_state(q, QS_ADDRS);
			for (size_t i = 0; i < q->res.n_hosts; i++)
				lookup_start(q, i);
		}
	} else if (status == ARES_ENODATA || status == ARES_ENOTFOUND) {
		/* RFC 5321 5.1: no MX, the domain itself is the implicit MX */
		log_debug("resolver: mx=%s: no MX (%s), implicit MX", q->name,
		    ares_strerror(status));
		q->implicit_mx = true;
		q->ttl_seen = false;
		q->res.n_hosts = 1;
		str_copy(q->res.hosts[0].name, q->name, sizeof(q->res.hosts[0].name));
		q->res.hosts[0].preference = 0;
		set_state(q, QS_ADDRS);
		lookup_start(q, 0);
	} else {
		q->res.status = status;
	}
	query_release(q);
}

static struct resolver_query *
query_new(struct resolver *r, enum query_kind kind, const char *name, uint16_t port,
    resolver_cb *cb, void *arg)
{
	struct resolver_query *q = xcalloc(1, sizeof(*q));

	q->r = r;
	q->kind = kind;
	q->state = kind == QK_MX ? QS_MX : QS_ADDRS;
	q->port = port;
	q->cb = cb;
	q->arg = arg;
	q->deliver_ev = must_event(event_new(r->base, -1, 0, on_deliver, q));
	q->started_us = now_us();
	str_copy(q->name, name != NULL ? name : "", sizeof(q->name));
	q->next = r->queries;
	if (r->queries != NULL)
		r->queries->prev = q;
	r->queries = q;
	q->pending = 1;                         /* the starter's hold */
	log_debug("resolver: start kind=%s name=%s port=%u", kind_name(kind), q->name, port);
	return q;
}

/* An IPv4 or IPv6 literal becomes the one address of h, without c-ares:
 * 1.18's ares_getaddrinfo(AF_UNSPEC) does not recognise IPv4 literals and
 * sends them to the name servers. */
static bool
literal_addr(const char *name, uint16_t port, struct resolver_host *h)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&h->addrs[0];
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&h->addrs[0];

	memset(&h->addrs[0], 0, sizeof(h->addrs[0]));
	if (inet_pton(AF_INET, name, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		h->addr_lens[0] = sizeof(*sin);
	} else if (inet_pton(AF_INET6, name, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		h->addr_lens[0] = sizeof(*sin6);
	} else {
		return false;
	}
	h->n_addrs = 1;
	str_copy(h->name, name, sizeof(h->name));
	return true;
}

/* The starter lets go of q, started: c-ares or the loop delivers it. */
static struct resolver_query *
query_started(struct resolver_query *q)
{
	struct resolver *r = q->r;

	query_release(q);
	arm_timer(r);
	return q;
}

struct resolver_query *
resolver_host(struct resolver *r, const char *name, uint16_t port, resolver_cb *cb, void *arg)
{
	struct resolver_query *q = query_new(r, QK_HOST, name, port, cb, arg);

	if (!name_ok(name, true)) {
		q->res.status = ARES_EBADNAME;
	} else if (literal_addr(name, port, &q->res.hosts[0])) {
		q->res.n_hosts = 1;             /* delivered from the loop all the same */
	} else {
		q->res.n_hosts = 1;
		str_copy(q->res.hosts[0].name, name, sizeof(q->res.hosts[0].name));
		lookup_start(q, 0);
	}
	return query_started(q);
}

struct resolver_query *
resolver_mx(struct resolver *r, const char *domain, uint16_t port, resolver_cb *cb, void *arg)
{
	struct resolver_query *q = query_new(r, QK_MX, domain, port, cb, arg);

	if (!name_ok(domain, false)) {
		q->res.status = ARES_EBADNAME;
	} else {
		q->pending++;
		/* may call mx_cb before returning */
		ares_query(r->channel, domain, DNSTTL_CLASS_IN, DNSTTL_TYPE_MX, mx_cb, q);
	}
	return query_started(q);
}

void
resolver_cancel(struct resolver_query *q)
{
	if (q == NULL)
		return;
	switch (q->state) {
	case QS_MX:
	case QS_ADDRS:                          /* pending > 0: c-ares frees it */
		set_state(q, QS_CANCELLED);
		q->cb = NULL;
		break;
	case QS_DONE:                           /* delivery not run yet */
		query_free(q);
		break;
	case QS_CALLBACK:                       /* inside its own callback */
	case QS_CANCELLED:
		break;
	}
}

/* ---- the resolver ---- */

static void
set_err(char *err, size_t errlen, const char *what, int status)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s", what, ares_strerror(status));
}

struct resolver *
resolver_new(struct event_base *base, const char *servers, unsigned timeout_ms,
    unsigned tries, char *err, size_t errlen)
{
	struct ares_options opts;
	struct resolver *r;
	int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_DOMAINS;
	int st;

	if (servers != NULL && servers[0] == '\0') {
		set_err(err, errlen, "name servers: empty list", ARES_EBADSTR);
		return NULL;
	}
	st = ares_library_init(ARES_LIB_INIT_ALL);
	if (st != ARES_SUCCESS) {
		set_err(err, errlen, "c-ares library", st);
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->base = base;

	memset(&opts, 0, sizeof(opts));
	opts.sock_state_cb = sock_state_cb;
	opts.sock_state_cb_data = r;
	opts.domains = NULL;                    /* no search list: names as given */
	opts.ndomains = 0;
	if (timeout_ms > 0) {
		opts.timeout = timeout_ms > INT_MAX ? INT_MAX : (int)timeout_ms;
		mask |= ARES_OPT_TIMEOUTMS;
	}
	if (tries > 0) {
		opts.tries = tries > 100 ? 100 : (int)tries;
		mask |= ARES_OPT_TRIES;
	}
	st = ares_init_options(&r->channel, &opts, mask);
	if (st != ARES_SUCCESS) {
		set_err(err, errlen, "c-ares channel", st);
		free(r);
		ares_library_cleanup();
		return NULL;
	}
	if (servers != NULL) {
		st = ares_set_servers_ports_csv(r->channel, servers);
		if (st != ARES_SUCCESS) {
			char what[300];

			snprintf(what, sizeof(what), "name servers \"%.200s\"", servers);
			set_err(err, errlen, what, st);
			ares_destroy(r->channel);
			free(r);
			ares_library_cleanup();
			return NULL;
		}
	}
	r->timer = must_event(evtimer_new(base, on_timer, r));
	log_debug("resolver: new servers=%s timeout_ms=%u tries=%u",
	    servers != NULL ? servers : "(resolv.conf)", timeout_ms, tries);
	return r;
}

void
resolver_free(struct resolver *r)
{
	struct resolver_query *q, *next;

	if (r == NULL)
		return;
	for (q = r->queries; q != NULL; q = next) {
		next = q->next;
		if (q->state == QS_DONE)
			query_free(q);
		else if (q->state == QS_MX || q->state == QS_ADDRS)
			resolver_cancel(q);
	}
	/* runs every outstanding c-ares callback (ARES_EDESTRUCTION): they see
	 * QS_CANCELLED and free their queries; closes the sockets through
	 * sock_state_cb */
	ares_destroy(r->channel);
	while (r->queries != NULL) {
		log_warnx("resolver: name=%s still held after ares_destroy, freed",
		    r->queries->name);
		query_free(r->queries);
	}
	while (r->socks != NULL) {
		struct rsock *s = r->socks;

		r->socks = s->next;
		event_free(s->ev);
		free(s);
	}
	event_free(r->timer);
	free(r);
	ares_library_cleanup();
}
