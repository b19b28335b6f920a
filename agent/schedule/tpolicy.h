/* agent/schedule/tpolicy.h: (d) a target's published TLS policy, watched.
 *
 * For a target with Dane Yes or MtaSts DOMAIN: its policy facts (the TLSA
 * set of _PORT._tcp.HOST, the MTA-STS TXT record and policy) are gathered
 * at the start (agent/polfetch) and again every refresh interval; an
 * MTA-STS policy is fetched again only when the TXT id changed or the
 * policy's max_age ran out (RFC 8461 3.3 caching); a fresh cached policy
 * stays in force when a refresh fails or the TXT record is gone (5.1: the
 * failure is logged, SMD1883W). Each classification of
 * the target's connections hands over its TLS facts and presented chain
 * (tpolicy_connection). Whenever facts or connection change, the results
 * are decided again (agent/tlspolicy) and the callback gets the view and
 * the events: a failure that appears (RFC 8460 name, raised) or goes
 * (recovered), for DANE and MTA-STS each.
 *
 * The environment (resolver, TLS context for policy servers) is shared by
 * the monitor's targets and made at the first one that needs it. Monitor
 * thread only.
 */
#ifndef SMTPMON_TPOLICY_H
#define SMTPMON_TPOLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp_session.h"
#include "tlspolicy.h"

struct event;
struct event_base;
struct polfetch;
struct vdns;

struct tpolicy_env {
	struct event_base *base;
	const char *nameserver;      /* NameServer; NULL resolv.conf */
	const char *trust_anchor;    /* DnssecTrustAnchor; NULL the root anchor */
	const char *cafile;          /* CAFile; NULL the system store */
	uint32_t timeout_ms;         /* each lookup and fetch */
	uint32_t refresh_ms;         /* facts gathered again after this */
	/* made on first use */
	struct vdns *dns;
	void *ssl_ctx;               /* SSL_CTX */
	bool failed;                 /* setup failed once: logged, not retried */
};

struct tpolicy_event {
	const char *name;            /* RFC 8460 result type, e.g. "tlsa-invalid" */
	bool recovered;              /* false: raised */
	char detail[200];
};

struct tpolicy;
typedef void tpolicy_fn(struct tpolicy *tp, const struct policy_view *view,
    const struct tpolicy_event *ev, size_t nev, void *arg);

struct tpolicy {
	struct tpolicy_env *env;
	char host[256];              /* TLSA base domain and MTA-STS MX name */
	unsigned port;
	bool dane;
	char sts_domain[256];        /* "" none */
	char mx_domain[256];         /* TargetMx: the domain, "" none */
	tpolicy_fn *fn;
	void *arg;
	struct polfetch *fetch;
	struct event *refresh_ev;
	bool have_facts;
	struct tlsa_set tlsa;
	struct sts_facts sts;
	time_t sts_expires;          /* fetched + max_age */
	bool have_conn;              /* a classification was handed over */
	struct tls_standing ts;
	uint8_t *chain[SMTP_CHAIN_MAX];
	size_t chain_len[SMTP_CHAIN_MAX];
	size_t nchain;
	const char *dane_event, *sts_event;  /* failures raised and not recovered */
	char err[160];
};

/* Start watching: the first gathering begins now. */
/* mx_domain: for TargetMx, the domain whose MX records named host (their
 * DNSSEC standing counts for DANE), NULL otherwise. */
void tpolicy_init(struct tpolicy *tp, struct tpolicy_env *env, const char *host, unsigned port,
    bool dane, const char *sts_domain, const char *mx_domain, tpolicy_fn *fn, void *arg);
/* Stop: no callback after this. */
void tpolicy_end(struct tpolicy *tp);
/* A connection of the target classified its server (s started with
 * keep_chain when tp->dane), or failed to bring TLS up (no STARTTLS, STARTTLS
 * refused, the handshake failed): judged as a connection without TLS. Other
 * failures (connect, greeting) say nothing about the policy. */
void tpolicy_connection(struct tpolicy *tp, const struct smtp_session *s);
/* Free the environment's resolver and context. */
void tpolicy_env_free(struct tpolicy_env *env);

#endif
