/* agent/schedule/polfetch.h: gather a server's published TLS policy, on
 * the loop, never blocking it.
 *
 * DANE: the TLSA record set of _PORT._tcp.HOST through the validating
 * resolver (vdns). MTA-STS: the TXT record of _mta-sts.DOMAIN; when it is a
 * v=STSv1 record, the addresses of mta-sts.DOMAIN (same resolver; A then
 * AAAA, up to 4, the next tried when one cannot be reached), then
 * https://mta-sts.DOMAIN/.well-known/mta-sts.txt on port 443 (httpsget:
 * certificate valid for that name, 200 only, no redirects, at most
 * MTASTS_BODY_MAX bytes), parsed. Every step has the request's timeout.
 *
 * The callback runs once from the loop with the facts (which it may move:
 * the tlsa_set's records are the callee's to clear); the request is freed
 * after it returns. polfetch_cancel() before that: no callback.
 */
#ifndef SMTPMON_POLFETCH_H
#define SMTPMON_POLFETCH_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "tlspolicy.h"

struct event_base;
struct vdns;
struct polfetch;

struct polfetch_req {
	const char *host;          /* the MX name: TLSA base domain */
	unsigned port;             /* SMTP port: _PORT._tcp */
	bool dane;
	bool dane_addrs;           /* with dane: the host's A and AAAA too (RFC 7672
	                            * 2.2.2: DANE needs them secure); bogus ones make
	                            * the TLSA set bogus, insecure ones insecure */
	const char *mx_domain;     /* with dane_addrs, TargetMx: the domain whose MX
	                            * records named the host; bogus ones make the
	                            * TLSA set bogus (RFC 7672 2.2.1) */
	const char *sts_domain;    /* NULL: no MTA-STS */
	const char *known_id;      /* a cached, fresh policy's id: when the TXT
	                            * record still names it, nothing is fetched and
	                            * sts is STS_F_POLICY with fetched 0 (keep yours) */
	uint32_t timeout_ms;       /* for each lookup and for the fetch */
};

struct polfetch_out {
	struct tlsa_set tlsa;      /* asked only with req.dane */
	struct sts_facts sts;      /* STS_F_OFF without req.sts_domain */
};

typedef void polfetch_cb(struct polfetch_out *out, void *arg);

/* ssl_ctx: trust store for the policy server's certificate (not owned; it
 * must outlive the request). */
struct polfetch *polfetch_start(struct event_base *base, struct vdns *dns, SSL_CTX *ssl_ctx,
    const struct polfetch_req *req, polfetch_cb *cb, void *arg);
void polfetch_cancel(struct polfetch *p);

/* A client context for policy fetches: cafile, or the system store when
 * NULL; peer verification on, TLS 1.2 at least. NULL with err on failure. */
SSL_CTX *polfetch_ssl_ctx(const char *cafile, char *err, size_t errlen);

#endif
