/* probes/vdns.c: see vdns.h. */
#include "vdns.h"
#include "timer.h"
#include "util.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <unbound.h>

struct vq {
	struct vdns *v;
	uint64_t handle;
	int ub_id;                /* libunbound's id while it runs; 0 none */
	bool started;
	struct event *timer;      /* the deadline, or "report the start failure" */
	char start_err[128];      /* a failure to start, reported from the loop */
	vdns_cb cb;
	void *arg;
	int qtype;
	char qname[256];
	struct vq *next;
};

struct vdns {
	struct event_base *base;
	struct ub_ctx *ub;
	struct event *ub_ev;      /* libunbound's answer pipe */
	uint64_t next_handle;
	struct vq *queries;
};

bool
vdns_sockaddr(const struct vdns_answer *a, size_t i, uint16_t port,
    struct sockaddr_storage *ss, unsigned *sslen)
{
	memset(ss, 0, sizeof *ss);
	if (i >= a->n)
		return false;
	if (a->len[i] == 4) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		memcpy(&in->sin_addr, a->data[i], 4);
		*sslen = sizeof *in;
		return true;
	}
	if (a->len[i] == 16) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		memcpy(&in6->sin6_addr, a->data[i], 16);
		*sslen = sizeof *in6;
		return true;
	}
	return false;
}

/* "ADDR", "ADDR:PORT", "[V6]:PORT", "V6" -> libunbound's "ADDR@PORT". */
static bool
ub_addr(const char *ns, char *out, size_t outsz)
{
	const char *colon = strchr(ns, ':');
	char host[64];

	if (ns[0] == '[') {
		const char *close = strchr(ns, ']');
		size_t n;
		if (close == NULL || (n = (size_t)(close - ns - 1)) == 0 || n >= sizeof host)
			return false;
		memcpy(host, ns + 1, n);
		host[n] = '\0';
		if (close[1] == '\0')
			return (size_t)snprintf(out, outsz, "%s", host) < outsz;
		if (close[1] != ':' || close[2] == '\0')
			return false;
		return (size_t)snprintf(out, outsz, "%s@%s", host, close + 2) < outsz;
	}
	if (colon == NULL || strchr(colon + 1, ':') != NULL) /* v4, or a bare v6 */
		return ns[0] != '\0' && (size_t)snprintf(out, outsz, "%s", ns) < outsz;
	if (colon == ns || colon[1] == '\0')
		return false;
	return (size_t)snprintf(out, outsz, "%.*s@%s", (int)(colon - ns), ns, colon + 1) < outsz;
}

static void
on_ub_fd(evutil_socket_t fd, short what, void *arg)
{
	struct vdns *v = arg;

	(void)fd;
	(void)what;
	ub_process(v->ub); /* runs on_ub_answer for what has come */
}

struct vdns *
vdns_new(struct event_base *base, const char *nameserver, const char *trust_anchor,
    char *err, size_t errlen)
{
	struct vdns *v = xcalloc(1, sizeof *v);
	const char *ta = trust_anchor ? trust_anchor : VDNS_ROOT_ANCHOR;
	char fwd[96], one[96];
	const char *ns;
	int rc;

	v->base = base;
	v->next_handle = 1;
	if (access(ta, R_OK) != 0) {
		snprintf(err, errlen, "trust anchor %s: %s", ta, strerror(errno));
		goto fail;
	}
	v->ub = ub_ctx_create();
	if (v->ub == NULL) {
		snprintf(err, errlen, "%s", "libunbound: cannot create a context");
		goto fail;
	}
	/* a test or a local resolver lives on loopback; answers go to our thread */
	if ((rc = ub_ctx_set_option(v->ub, "do-not-query-localhost:", "no")) != 0 ||
	    (rc = ub_ctx_async(v->ub, 1)) != 0 ||
	    (rc = ub_ctx_add_ta_file(v->ub, ta)) != 0 ||
	    (nameserver == NULL && (rc = ub_ctx_resolvconf(v->ub, NULL)) != 0)) {
		snprintf(err, errlen, "libunbound: %s", ub_strerror(rc));
		goto fail;
	}
	/* "ADDR[:PORT],...": each a forwarder; they answer every name, even the
	 * reserved test. zone that libunbound would otherwise answer itself */
	for (ns = nameserver; ns && *ns; ns += strcspn(ns, ",") + (ns[strcspn(ns, ",")] == ',')) {
		size_t n = strcspn(ns, ",");
		if (n == 0 || n >= sizeof one)
			goto bad_ns;
		memcpy(one, ns, n);
		one[n] = '\0';
		if (!ub_addr(one, fwd, sizeof fwd) || ub_ctx_set_fwd(v->ub, fwd) != 0)
			goto bad_ns;
	}
	if (nameserver && ((rc = ub_ctx_set_option(v->ub, "local-zone:", "test. transparent")) != 0 ||
	    (rc = ub_ctx_set_option(v->ub, "local-zone:", "localhost. transparent")) != 0)) {
		snprintf(err, errlen, "libunbound: %s", ub_strerror(rc));
		goto fail;
	}
	v->ub_ev = event_new(base, ub_fd(v->ub), EV_READ | EV_PERSIST, on_ub_fd, v);
	if (v->ub_ev == NULL || event_add(v->ub_ev, NULL) != 0) {
		snprintf(err, errlen, "%s", "cannot watch libunbound's descriptor");
		goto fail;
	}
	return v;
bad_ns:
	snprintf(err, errlen, "name server '%s': expected ADDR or ADDR:PORT (IPv6 as [ADDR]:PORT)",
	    nameserver);
fail:
	vdns_free(v);
	return NULL;
}

/* Out of the list and its timer gone; q itself is freed by the caller (after
 * the callback: the answer points into q). */
static void
vq_unlink(struct vq *q)
{
	struct vq **pp;

	for (pp = &q->v->queries; *pp; pp = &(*pp)->next) {
		if (*pp == q) {
			*pp = q->next;
			break;
		}
	}
	if (q->timer)
		event_free(q->timer);
	q->timer = NULL;
}

static void
fail_answer(struct vq *q, enum vdns_err e, const char *text)
{
	struct vdns_answer a = {
		.qname = q->qname,
		.qtype = q->qtype,
		.err = e,
		.err_text = text,
		.rcode = -1,
	};
	vdns_cb cb = q->cb;
	void *arg = q->arg;

	vq_unlink(q);
	cb(&a, arg);
	free(q);
}

static void
on_ub_answer(void *mydata, int err, struct ub_result *r)
{
	struct vq *q = mydata;
	struct vdns_answer a = {
		.qname = q->qname,
		.qtype = q->qtype,
	};
	vdns_cb cb = q->cb;
	void *arg = q->arg;
	char text[128];

	q->ub_id = 0;
	if (err != 0 || r == NULL) {
		snprintf(text, sizeof text, "libunbound: %s", ub_strerror(err));
		if (r)
			ub_resolve_free(r);
		fail_answer(q, VDNS_ERR_RESOLVE, text);
		return;
	}
	a.err = VDNS_OK;
	a.rcode = r->rcode;
	a.nxdomain = r->nxdomain != 0;
	if (r->havedata) {
		while (r->data[a.n] != NULL)
			a.n++;
	}
	a.data = (const uint8_t *const *)r->data;
	a.len = r->len;
	a.canonname = r->canonname;
	a.sec = r->bogus ? VDNS_BOGUS : r->secure ? VDNS_SECURE : VDNS_INSECURE;
	a.why_bogus = r->why_bogus;
	vq_unlink(q);
	cb(&a, arg);
	free(q);
	ub_resolve_free(r);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct vq *q = arg;
	char text[sizeof q->start_err];

	(void)fd;
	(void)what;
	if (!q->started) {
		snprintf(text, sizeof text, "%s", q->start_err);
		fail_answer(q, VDNS_ERR_RESOLVE, text);
		return;
	}
	if (q->ub_id)
		ub_cancel(q->v->ub, q->ub_id);
	q->ub_id = 0;
	fail_answer(q, VDNS_ERR_TIMEOUT, "no answer in time");
}

uint64_t
vdns_query(struct vdns *v, const char *name, int rrtype, uint32_t timeout_ms,
    vdns_cb cb, void *arg)
{
	struct vq *q = xcalloc(1, sizeof *q);
	int rc;

	q->v = v;
	q->handle = v->next_handle++;
	q->cb = cb;
	q->arg = arg;
	q->qtype = rrtype;
	snprintf(q->qname, sizeof q->qname, "%s", name);
	q->timer = evtimer_new(v->base, on_timer, q);
	if (q->timer == NULL) {
		log_errx("%s", "vdns: cannot create a timer");
		abort();
	}
	q->next = v->queries;
	v->queries = q;
	if (strlen(name) > 253 || name[0] == '\0') {
		snprintf(q->start_err, sizeof q->start_err, "%s", "not a DNS name");
		add_timer_ms(q->timer, 0);
		return q->handle;
	}
	rc = ub_resolve_async(v->ub, q->qname, rrtype, 1 /* IN */, q, on_ub_answer, &q->ub_id);
	if (rc != 0) {
		snprintf(q->start_err, sizeof q->start_err, "libunbound: %s", ub_strerror(rc));
		q->ub_id = 0;
		add_timer_ms(q->timer, 0);
		return q->handle;
	}
	q->started = true;
	add_timer_ms(q->timer, timeout_ms);
	return q->handle;
}

void
vdns_cancel(struct vdns *v, uint64_t handle)
{
	struct vq *q;

	for (q = v->queries; q; q = q->next) {
		if (q->handle == handle) {
			if (q->ub_id)
				ub_cancel(v->ub, q->ub_id);
			vq_unlink(q);
			free(q);
			return;
		}
	}
}

void
vdns_free(struct vdns *v)
{
	if (v == NULL)
		return;
	while (v->queries)
		vdns_cancel(v, v->queries->handle);
	if (v->ub_ev)
		event_free(v->ub_ev);
	if (v->ub)
		ub_ctx_delete(v->ub);
	free(v);
}
