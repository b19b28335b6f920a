/* agent/cli/checkpol.c: see checkpol.h. */
#include "buildconf.h"
#include "checkpol.h"
#include "check.h"
#include "polfetch.h"
#include "report.h"
#include "safetext.h"
#include "smtp_session.h"
#include "util.h"
#include "vdns.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <openssl/x509_vfy.h>

#define RR_A 1
#define RR_AAAA 28

struct checkpol {
	struct event_base *base;
	struct checkpol_opts o;
	struct vdns *dns;
	SSL_CTX *ssl_ctx;
	struct polfetch *fetch;
	bool fetched;             /* polfetch reported (or nothing to fetch) */
	bool addr_bogus;
	bool addr_secure;         /* HOST's address records came DNSSEC-secure */
	bool addr_literal;        /* HOST was an address: nothing to validate */
	char addr_why[160];
	struct polfetch_out out;  /* the facts, moved from polfetch */
	struct dane_result dane;
	struct sts_result sts;
	struct policy_view view;  /* what is printed */
	/* checkpol_resolve's wait */
	int addr_pending;
	bool addr_found;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	unsigned port;
	char addr_err[200];
};

struct checkpol *
checkpol_new(struct event_base *base, const struct checkpol_opts *o, char *err, size_t errlen)
{
	struct checkpol *c = xcalloc(1, sizeof *c);

	c->base = base;
	c->o = *o;
	c->fetched = true;
	c->dns = vdns_new(base, o->nameserver, o->trust_anchor, err, errlen);
	if (c->dns == NULL) {
		free(c);
		return NULL;
	}
	if (o->sts_domain) {
		c->ssl_ctx = polfetch_ssl_ctx(o->cafile, err, errlen);
		if (c->ssl_ctx == NULL) {
			vdns_free(c->dns);
			free(c);
			return NULL;
		}
	}
	return c;
}

void
checkpol_free(struct checkpol *c)
{
	if (c == NULL)
		return;
	polfetch_cancel(c->fetch);
	tlsa_set_clear(&c->out.tlsa);
	vdns_free(c->dns);
	SSL_CTX_free(c->ssl_ctx);
	free(c);
}

static void
on_addr(const struct vdns_answer *a, void *arg)
{
	struct checkpol *c = arg;
	unsigned len;

	c->addr_pending--;
	if (a->err != VDNS_OK) {
		snprintf(c->addr_err, sizeof c->addr_err, "%s: %s", a->qname, a->err_text);
		return;
	}
	if (a->sec == VDNS_BOGUS) {
		c->addr_bogus = true;
		snprintf(c->addr_why, sizeof c->addr_why, "address records of %s: %s", a->qname,
		    a->why_bogus ? a->why_bogus : "bogus");
		snprintf(c->addr_err, sizeof c->addr_err, "%s: DNSSEC validation failed (%s)",
		    a->qname, a->why_bogus ? a->why_bogus : "bogus");
		return;
	}
	if (a->sec == VDNS_SECURE && a->n > 0)
		c->addr_secure = true;
	if (c->addr_found || a->n == 0)
		return;
	if (vdns_sockaddr(a, 0, (uint16_t)c->port, &c->addr, &len)) {
		c->addrlen = len;
		c->addr_found = true;
	}
}

bool
checkpol_resolve(struct checkpol *c, const char *host, unsigned port,
    struct sockaddr_storage *ss, socklen_t *sslen, char *err, size_t errlen)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	uint32_t ms = (uint32_t)(c->o.timeout_s * 1000);

	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		*sslen = sizeof *in;
		c->addr_literal = true;
		return true;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*sslen = sizeof *in6;
		c->addr_literal = true;
		return true;
	}
	c->port = port;
	c->addr_pending = 2; /* A first when both come: it is asked first */
	vdns_query(c->dns, host, RR_A, ms, on_addr, c);
	vdns_query(c->dns, host, RR_AAAA, ms, on_addr, c);
	while (c->addr_pending > 0)
		event_base_loop(c->base, EVLOOP_ONCE);
	if (!c->addr_found) {
		snprintf(err, errlen, "%s", c->addr_err[0] ? c->addr_err : "no address record");
		return false;
	}
	*ss = c->addr;
	*sslen = c->addrlen;
	return true;
}

static void
on_fetched(struct polfetch_out *out, void *arg)
{
	struct checkpol *c = arg;

	c->fetch = NULL;
	c->fetched = true;
	c->out = *out;
	memset(&out->tlsa, 0, sizeof out->tlsa); /* the records are ours now */
	event_base_loopbreak(c->base);
}

void
checkpol_start(struct checkpol *c, const char *host, unsigned port)
{
	struct polfetch_req req = {
		.host = host,
		.port = port,
		.dane = c->o.dane,
		.sts_domain = c->o.sts_domain,
		.timeout_ms = (uint32_t)(c->o.timeout_s * 1000),
	};

	if (!c->o.dane && !c->o.sts_domain)
		return;
	c->fetched = false;
	c->fetch = polfetch_start(c->base, c->dns, c->ssl_ctx, &req, on_fetched, c);
}

bool
checkpol_done(const struct checkpol *c)
{
	return c->fetched;
}

struct event_base *
checkpol_base(const struct checkpol *c)
{
	return c->base;
}

bool
checkpol_bogus(const struct checkpol *c)
{
	return c->addr_bogus;
}

bool
checkpol_dane_valid(const struct checkpol *c)
{
	return c->dane.status == DANE_ST_VALID;
}

void
checkpol_decide(struct checkpol *c, const struct smtp_session *s, const char *mx)
{
	static const struct smtp_result none;
	const struct smtp_result *r = s ? smtp_session_result(s) : &none;
	const uint8_t *const *der = NULL;
	const size_t *len = NULL;
	size_t n = s ? smtp_session_chain(s, &der, &len) : 0;
	const char *names[1] = { mx };
	char why[200] = "";
	struct tls_standing ts;
	bool webpki, trusted, name_ok;

	if (c->addr_bogus && c->out.tlsa.asked && !c->out.tlsa.bogus) {
		c->out.tlsa.bogus = true;
		snprintf(c->out.tlsa.detail, sizeof c->out.tlsa.detail, "%s", c->addr_why);
	} else if (!c->addr_literal && !c->addr_secure && c->out.tlsa.secure) {
		/* TLSA records of a host whose addresses are not secure do not
		 * count (RFC 7672 2.2.2) */
		c->out.tlsa.secure = false;
		snprintf(c->out.tlsa.detail, sizeof c->out.tlsa.detail,
		    "address records of %.100s not DNSSEC-secure", mx);
	}
	dane_verdict(&c->out.tlsa, r->tls_done, der, len, n, names, 1, time(NULL), &c->dane);
	trusted = r->tls_done && r->tls.have_cert && r->tls.verify_code == 0;
	name_ok = r->tls_done && r->tls.have_cert && r->tls.host_match == 1;
	webpki = trusted && name_ok;
	if (r->tls_done && !webpki) {
		if (!r->tls.have_cert)
			snprintf(why, sizeof why, "%s", "no server certificate");
		else if (r->tls.verify_code != 0)
			snprintf(why, sizeof why, "certificate not trusted: %s", r->tls.verify_text);
		else
			snprintf(why, sizeof why, "certificate not valid for %s", mx);
	}
	sts_verdict(&c->out.sts, mx, r->tls_done, webpki, why, &c->sts);
	ts = (struct tls_standing){
		.tls_done = r->tls_done, .trusted = trusted, .name_ok = name_ok,
		.expired = r->tls_done && r->tls.verify_code == X509_V_ERR_CERT_HAS_EXPIRED,
	};
	policy_view_of(&c->out.tlsa, &c->dane, &c->out.sts, &c->sts, &ts, &c->view);
}

int
checkpol_status(const struct checkpol *c)
{
	if (c->dane.status == DANE_ST_MISMATCH || c->dane.status == DANE_ST_BOGUS)
		return CHECK_CRITICAL;
	if (c->sts.status_name && c->sts.status == MTASTS_ENFORCE_VIOLATION)
		return CHECK_CRITICAL;
	if (c->addr_bogus)
		return CHECK_CRITICAL;
	return CHECK_OK;
}

void
checkpol_summary(const struct checkpol *c, char *out, size_t outsz)
{
	size_t n = 0;

	out[0] = '\0';
	if (c->dane.status != DANE_ST_OFF)
		n += (size_t)snprintf(out, outsz, ", DANE %s", c->dane.status_name);
	if (c->sts.status_name && n < outsz)
		snprintf(out + n, outsz - n, ", MTA-STS %s%s%s", c->sts.status_name,
		    c->sts.violation[0] ? ": " : "", c->sts.violation);
}

void
checkpol_json(const struct checkpol *c, struct json *j)
{
	report_policy_json(j, &c->view);
}

void
checkpol_text(const struct checkpol *c)
{
	const struct policy_view *pv = &c->view;
	char buf[512];
	size_t i;

	if (pv->dane != DANE_ST_OFF) {
		printf("dane: %s", pv->dane_name);
		if (pv->dane_detail[0]) {
			safe_str(pv->dane_detail, buf, sizeof buf, SAFE_PLUGIN);
			printf(" (%s)", buf);
		}
		printf("\n");
		for (i = 0; i < pv->n_tlsa; i++)
			printf("tlsa: %s%s\n", pv->tlsa[i], pv->matched == (int)i ? " (matched)" : "");
	}
	if (pv->sts_asked) {
		printf("mta-sts: %s", pv->sts_name);
		if (pv->id[0])
			printf(" id %s", pv->id);
		if (pv->sts_policy)
			printf(" mode %s max_age %ld", pv->mode_name, pv->max_age);
		if (pv->violation[0] || pv->sts_detail[0]) {
			safe_str(pv->violation[0] ? pv->violation : pv->sts_detail, buf, sizeof buf,
			    SAFE_PLUGIN);
			printf(" (%s)", buf);
		}
		printf("\n");
		for (i = 0; i < pv->nmx; i++) {
			safe_str(pv->mx[i], buf, sizeof buf, SAFE_PLUGIN);
			printf("mta-sts mx: %s\n", buf);
		}
	}
}
