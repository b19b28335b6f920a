/* agent/schedule/polfetch.c: see polfetch.h. */
#include "polfetch.h"
#include "httpsget.h"
#include "log.h"
#include "timer.h"
#include "util.h"
#include "vdns.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#define RR_A 1
#define RR_TXT 16
#define RR_MX 15
#define RR_AAAA 28
#define RR_TLSA 52

#define POLFETCH_ADDRS 4            /* addresses of the policy host tried in turn */

/* The MTA-STS part, one state per wait. */
enum sts_state { STS_IDLE, STS_TXT, STS_ADDR_A, STS_ADDR_AAAA, STS_FETCH, STS_DONE };

struct polfetch {
	struct event_base *base;
	struct vdns *dns;
	SSL_CTX *ssl_ctx;
	polfetch_cb *cb;
	void *arg;
	uint32_t timeout_ms;
	char host[256];
	char sts_host[300];         /* mta-sts.DOMAIN */
	char sts_txt_name[300];     /* _mta-sts.DOMAIN */
	char known_id[MTASTS_ID_MAX + 1];
	uint64_t tlsa_q;            /* pending TLSA query, 0 none */
	uint64_t addr_q[3];         /* pending A, AAAA of the host, MX of the domain */
	bool dane_addrs;
	bool addr_secure, addr_bogus;
	char addr_why[160];
	uint64_t sts_q;             /* pending STS lookup, 0 none */
	struct httpsget *get;
	enum sts_state sts_state;
	struct sockaddr_storage addr[POLFETCH_ADDRS]; /* of mta-sts.DOMAIN: A, then AAAA */
	size_t naddr, next_addr;
	struct event *finish;       /* reports from the loop, never from inside a call */
	struct polfetch_out out;
};

SSL_CTX *
polfetch_ssl_ctx(const char *cafile, char *err, size_t errlen)
{
	SSL_CTX *c = SSL_CTX_new(TLS_client_method());

	if (c == NULL) {
		snprintf(err, errlen, "%s", "cannot create a TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
	SSL_CTX_set_verify(c, SSL_VERIFY_PEER, NULL);
	if (cafile ? SSL_CTX_load_verify_locations(c, cafile, NULL) != 1
		   : SSL_CTX_set_default_verify_paths(c) != 1) {
		snprintf(err, errlen, "cannot load the trust store %s", cafile ? cafile : "(system)");
		SSL_CTX_free(c);
		return NULL;
	}
	return c;
}

static void
maybe_finish(struct polfetch *p)
{
	if (p->tlsa_q == 0 && p->addr_q[0] == 0 && p->addr_q[1] == 0 && p->addr_q[2] == 0 &&
	    (p->sts_state == STS_IDLE || p->sts_state == STS_DONE))
		add_timer_ms(p->finish, 0);
}

/* The host's address records: their DNSSEC standing only. */
static void
on_host_addr(const struct vdns_answer *a, void *arg)
{
	struct polfetch *p = arg;

	p->addr_q[a->qtype == RR_A ? 0 : a->qtype == RR_AAAA ? 1 : 2] = 0;
	if (a->err == VDNS_OK && a->sec == VDNS_BOGUS && !p->addr_bogus) {
		p->addr_bogus = true;
		snprintf(p->addr_why, sizeof p->addr_why, "%s records of %s: %s",
		    a->qtype == RR_MX ? "MX" : "address", a->qname,
		    a->why_bogus ? a->why_bogus : "bogus");
	}
	if (a->err == VDNS_OK && a->sec == VDNS_SECURE && a->n > 0 && a->qtype != RR_MX)
		p->addr_secure = true;
	maybe_finish(p);
}

static void
on_finish(evutil_socket_t fd, short what, void *arg)
{
	struct polfetch *p = arg;
	struct tlsa_set *t = &p->out.tlsa;

	(void)fd;
	(void)what;
	if (p->addr_bogus && t->asked && !t->bogus) {
		t->bogus = true;
		snprintf(t->detail, sizeof t->detail, "%s", p->addr_why);
	} else if (p->dane_addrs && !p->addr_secure && t->asked && t->secure) {
		t->secure = false; /* TLSA records of a host whose addresses are not
		                    * secure do not count (RFC 7672 2.2.2) */
		snprintf(t->detail, sizeof t->detail,
		    "address records of %.100s not DNSSEC-secure", p->host);
	}
	p->cb(&p->out, p->arg);
	tlsa_set_clear(&p->out.tlsa);
	event_free(p->finish);
	free(p);
}

static void
on_tlsa(const struct vdns_answer *a, void *arg)
{
	struct polfetch *p = arg;
	struct tlsa_set *t = &p->out.tlsa;
	size_t i;

	p->tlsa_q = 0;
	if (a->err != VDNS_OK) {
		t->error = true;
		snprintf(t->detail, sizeof t->detail, "TLSA %s: %s", a->qname, a->err_text);
	} else if (a->sec == VDNS_BOGUS) {
		t->bogus = true;
		snprintf(t->detail, sizeof t->detail, "%s", a->why_bogus ? a->why_bogus : "bogus");
	} else if (a->rcode != 0 && !a->nxdomain) {
		t->error = true;
		snprintf(t->detail, sizeof t->detail, "TLSA %s: rcode %d", a->qname, a->rcode);
	} else {
		t->secure = a->sec == VDNS_SECURE;
		for (i = 0; i < a->n; i++)
			if (a->len[i] >= 0)
				tlsa_set_add(t, a->data[i], (size_t)a->len[i]);
	}
	maybe_finish(p);
}

static void
sts_done(struct polfetch *p, enum sts_fact kind, const char *detail)
{
	p->out.sts.kind = kind;
	if (detail)
		str_copy(p->out.sts.detail, detail, sizeof p->out.sts.detail);
	p->sts_state = STS_DONE;
	maybe_finish(p);
}

/* One TXT RDATA: its character-strings joined, at most outsz-1 bytes. */
static size_t
txt_join(const uint8_t *d, size_t len, char *out, size_t outsz)
{
	size_t i = 0, o = 0;

	while (i < len) {
		size_t n = d[i++];
		if (n > len - i)
			n = len - i;
		if (o + n >= outsz)
			n = outsz - 1 - o;
		memcpy(out + o, d + i, n);
		o += n;
		i += n;
		if (o + 1 >= outsz)
			break;
	}
	out[o] = '\0';
	return o;
}

static void on_sts_dns(const struct vdns_answer *a, void *arg);
static void sts_fetch(struct polfetch *p);

static void
on_policy(const struct httpsget_result *r, void *arg)
{
	struct polfetch *p = arg;
	char err[160];

	p->get = NULL;
	if ((r->status == HTTPSGET_CONNECT || r->status == HTTPSGET_TIMEOUT) &&
	    p->next_addr < p->naddr) {
		sts_fetch(p); /* the next address of mta-sts.DOMAIN */
		return;
	}
	if (r->status != HTTPSGET_OK) {
		p->out.sts.cert_error = r->status == HTTPSGET_CERT;
		sts_done(p, STS_F_ERROR, r->detail);
		return;
	}
	if (!mtasts_policy_parse(r->body, r->body_len, &p->out.sts.policy, err, sizeof err)) {
		sts_done(p, STS_F_INVALID, err);
		return;
	}
	p->out.sts.fetched = time(NULL);
	sts_done(p, STS_F_POLICY, NULL);
}

/* GET the policy from the next address not tried. */
static void
sts_fetch(struct polfetch *p)
{
	struct sockaddr_storage *ss = &p->addr[p->next_addr++];

	p->sts_state = STS_FETCH;
	p->get = httpsget_start(p->base, p->ssl_ctx, (struct sockaddr *)ss,
	    ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6),
	    p->sts_host, "/.well-known/mta-sts.txt", MTASTS_BODY_MAX, p->timeout_ms, on_policy, p);
	if (p->get == NULL)
		sts_done(p, STS_F_ERROR, "cannot start the policy fetch");
}

static void
sts_ask(struct polfetch *p, enum sts_state st, const char *name, int type)
{
	p->sts_state = st;
	p->sts_q = vdns_query(p->dns, name, type, p->timeout_ms, on_sts_dns, p);
}

static void
on_sts_dns(const struct vdns_answer *a, void *arg)
{
	struct polfetch *p = arg;
	char detail[420];

	p->sts_q = 0;
	if (a->err != VDNS_OK || a->sec == VDNS_BOGUS || (a->rcode != 0 && !a->nxdomain)) {
		snprintf(detail, sizeof detail, "%s: %s", a->qname,
		    a->err != VDNS_OK ? a->err_text : a->sec == VDNS_BOGUS ? "DNSSEC bogus"
		    : "lookup failed");
		if (p->sts_state == STS_ADDR_A && a->err == VDNS_OK && a->sec != VDNS_BOGUS) {
			sts_ask(p, STS_ADDR_AAAA, p->sts_host, RR_AAAA);
			return;
		}
		if (p->sts_state == STS_ADDR_AAAA && p->naddr > 0) {
			sts_fetch(p); /* no IPv6 answer: the IPv4 addresses will do */
			return;
		}
		sts_done(p, STS_F_ERROR, detail);
		return;
	}
	switch (p->sts_state) {
	case STS_TXT: {
		const char *txt[8];
		size_t lens[8], n = 0, i;
		char buf[8][512];
		enum mtasts_txt r;

		for (i = 0; i < a->n && n < 8; i++) {
			lens[n] = txt_join(a->data[i], a->len[i] > 0 ? (size_t)a->len[i] : 0,
			    buf[n], sizeof buf[n]);
			txt[n] = buf[n];
			n++;
		}
		r = mtasts_txt_pick(txt, lens, n, p->out.sts.id);
		if (r == MTASTS_TXT_NONE) {
			sts_done(p, STS_F_NONE, NULL);
		} else if (r == MTASTS_TXT_INVALID) {
			snprintf(detail, sizeof detail, "%s: no single valid v=STSv1 record",
			    p->sts_txt_name);
			sts_done(p, STS_F_INVALID, detail);
		} else if (p->known_id[0] && strcmp(p->known_id, p->out.sts.id) == 0) {
			sts_done(p, STS_F_POLICY, NULL); /* unchanged: the caller's copy stands */
		} else {
			sts_ask(p, STS_ADDR_A, p->sts_host, RR_A);
		}
		return;
	}
	case STS_ADDR_A:
	case STS_ADDR_AAAA: {
		size_t i, alen = p->sts_state == STS_ADDR_A ? 4 : 16;

		for (i = 0; i < a->n && p->naddr < POLFETCH_ADDRS; i++) {
			unsigned len;

			if (a->len[i] == (int)alen &&
			    vdns_sockaddr(a, i, 443, &p->addr[p->naddr], &len))
				p->naddr++;
		}
		if (p->sts_state == STS_ADDR_A) {
			sts_ask(p, STS_ADDR_AAAA, p->sts_host, RR_AAAA);
			return;
		}
		if (p->naddr == 0) {
			snprintf(detail, sizeof detail, "%s: no address", p->sts_host);
			sts_done(p, STS_F_ERROR, detail);
			return;
		}
		sts_fetch(p);
		return;
	}
	case STS_IDLE:
	case STS_FETCH:
	case STS_DONE:
		break;
	}
}

struct polfetch *
polfetch_start(struct event_base *base, struct vdns *dns, SSL_CTX *ssl_ctx,
    const struct polfetch_req *req, polfetch_cb *cb, void *arg)
{
	struct polfetch *p = xcalloc(1, sizeof *p);
	char name[300];

	p->base = base;
	p->dns = dns;
	p->ssl_ctx = ssl_ctx;
	p->cb = cb;
	p->arg = arg;
	p->timeout_ms = req->timeout_ms;
	snprintf(p->host, sizeof p->host, "%s", req->host);
	p->finish = evtimer_new(base, on_finish, p);
	if (p->finish == NULL) {
		log_errx("%s", "polfetch: cannot create a timer");
		abort();
	}
	if (req->dane) {
		p->out.tlsa.asked = true;
		snprintf(name, sizeof name, "_%u._tcp.%s", req->port, req->host);
		p->tlsa_q = vdns_query(dns, name, RR_TLSA, p->timeout_ms, on_tlsa, p);
		if (req->dane_addrs) {
			p->dane_addrs = true;
			p->addr_q[0] = vdns_query(dns, req->host, RR_A, p->timeout_ms, on_host_addr, p);
			p->addr_q[1] = vdns_query(dns, req->host, RR_AAAA, p->timeout_ms, on_host_addr,
			    p);
			if (req->mx_domain)
				p->addr_q[2] = vdns_query(dns, req->mx_domain, RR_MX, p->timeout_ms,
				    on_host_addr, p);
		}
	}
	if (req->known_id)
		snprintf(p->known_id, sizeof p->known_id, "%s", req->known_id);
	if (req->sts_domain) {
		snprintf(p->sts_host, sizeof p->sts_host, "mta-sts.%s", req->sts_domain);
		snprintf(p->sts_txt_name, sizeof p->sts_txt_name, "_mta-sts.%s", req->sts_domain);
		sts_ask(p, STS_TXT, p->sts_txt_name, RR_TXT);
	}
	maybe_finish(p);
	return p;
}

void
polfetch_cancel(struct polfetch *p)
{
	if (p == NULL)
		return;
	if (p->tlsa_q)
		vdns_cancel(p->dns, p->tlsa_q);
	for (int i = 0; i < 3; i++)
		if (p->addr_q[i])
			vdns_cancel(p->dns, p->addr_q[i]);
	if (p->sts_q)
		vdns_cancel(p->dns, p->sts_q);
	if (p->get)
		httpsget_cancel(p->get);
	tlsa_set_clear(&p->out.tlsa);
	event_free(p->finish);
	free(p);
}
