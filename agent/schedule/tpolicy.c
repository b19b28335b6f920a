/* agent/schedule/tpolicy.c: see tpolicy.h. */
#include "buildconf.h"
#include "tpolicy.h"
#include "log.h"
#include "polfetch.h"
#include "timer.h"
#include "util.h"
#include "vdns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

static bool
env_ready(struct tpolicy_env *env)
{
	char err[256];

	if (env->dns != NULL)
		return true;
	if (env->failed)
		return false;
	env->dns = vdns_new(env->base, env->nameserver, env->trust_anchor, err, sizeof err);
	if (env->dns != NULL)
		env->ssl_ctx = polfetch_ssl_ctx(env->cafile, err, sizeof err);
	if (env->dns == NULL || env->ssl_ctx == NULL) {
		log_errx("SMD1882E published TLS policies (Dane, MtaSts) cannot be checked: %s", err);
		vdns_free(env->dns);
		env->dns = NULL;
		env->failed = true;
		return false;
	}
	return true;
}

void
tpolicy_env_free(struct tpolicy_env *env)
{
	vdns_free(env->dns);
	env->dns = NULL;
	SSL_CTX_free(env->ssl_ctx);
	env->ssl_ctx = NULL;
}

/* One failure name against the last one raised: the events it makes. */
static void
transition(const char **last, const char *now, const char *detail, struct tpolicy_event *ev,
    size_t *nev)
{
	if (*last == now || (*last && now && strcmp(*last, now) == 0))
		return;
	if (*last != NULL) {
		ev[*nev].name = *last;
		ev[*nev].recovered = true;
		ev[*nev].detail[0] = '\0';
		(*nev)++;
	}
	if (now != NULL) {
		ev[*nev].name = now;
		ev[*nev].recovered = false;
		snprintf(ev[*nev].detail, sizeof ev[*nev].detail, "%s", detail);
		(*nev)++;
	}
	*last = now;
}

/* Decide again from the facts and the last connection; tell the owner. */
static void
decide(struct tpolicy *tp)
{
	struct dane_result d;
	struct sts_result s;
	struct policy_view view;
	struct tpolicy_event ev[4];
	const char *names[1] = { tp->host };
	char why[320] = "";
	size_t nev = 0;

	if (!tp->have_facts || !tp->have_conn)
		return;
	dane_verdict(&tp->tlsa, tp->ts.tls_done, (const uint8_t *const *)tp->chain, tp->chain_len,
	    tp->nchain, names, 1, time(NULL), &d);
	if (tp->ts.tls_done && !tp->ts.trusted)
		snprintf(why, sizeof why, "certificate not trusted: %s", tp->err);
	else if (tp->ts.tls_done && !tp->ts.name_ok)
		snprintf(why, sizeof why, "certificate not valid for %s", tp->host);
	else if (!tp->ts.tls_done)
		snprintf(why, sizeof why, "TLS failed: %s", tp->err);
	sts_verdict(&tp->sts, tp->host, tp->ts.tls_done, tp->ts.trusted && tp->ts.name_ok, why,
	    &s);
	policy_view_of(&tp->tlsa, &d, &tp->sts, &s, &tp->ts, &view);
	transition(&tp->dane_event, view.dane_event,
	    view.dane_detail[0] ? view.dane_detail : view.dane_name ? view.dane_name : "", ev, &nev);
	transition(&tp->sts_event, view.sts_event,
	    view.violation[0] ? view.violation : view.sts_detail, ev, &nev);
	tp->fn(tp, &view, ev, nev, tp->arg);
}

static void gather(struct tpolicy *tp);

static void
on_refresh(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	gather(arg);
}

static void
on_facts(struct polfetch_out *out, void *arg)
{
	struct tpolicy *tp = arg;
	time_t now = time(NULL);

	tp->fetch = NULL;
	tlsa_set_clear(&tp->tlsa);
	tp->tlsa = out->tlsa;
	memset(&out->tlsa, 0, sizeof out->tlsa);  /* the records are ours now */
	if (out->sts.kind == STS_F_POLICY && out->sts.fetched == 0 &&
	    tp->sts.kind == STS_F_POLICY) {
		/* same id, cached policy still fresh: keep it (RFC 8461 3.3) */
	} else if (out->sts.kind != STS_F_POLICY && tp->sts.kind == STS_F_POLICY &&
	    now < tp->sts_expires) {
		/* a refresh failed, or the record is gone: a sender keeps using
		 * its cached policy until max_age runs out (RFC 8461 5.1) */
		log_warnx("SMD1883W MTA-STS policy not refreshed, the cached one stands: domain=%s "
		    "id=%s expires_in=%llds why=\"%s\"", tp->sts_domain, tp->sts.id,
		    (long long)(tp->sts_expires - now), out->sts.kind == STS_F_NONE ?
		    "no TXT record" : out->sts.detail);
	} else {
		tp->sts = out->sts;
		if (out->sts.kind == STS_F_POLICY)
			tp->sts_expires = now + out->sts.policy.max_age;
	}
	tp->have_facts = true;
	log_debug("tpolicy: facts for %s: tlsa=%zu%s%s sts=%d id=%s", tp->host, tp->tlsa.n,
	    tp->tlsa.secure ? " secure" : "", tp->tlsa.bogus ? " bogus" : "", (int)tp->sts.kind,
	    tp->sts.id);
	add_timer_ms(tp->refresh_ev, jitter_ms(tp->env->refresh_ms, 10));
	decide(tp);
}

static void
gather(struct tpolicy *tp)
{
	struct polfetch_req req = {
		.host = tp->host,
		.port = tp->port,
		.dane = tp->dane,
		.dane_addrs = tp->dane,
		.mx_domain = tp->mx_domain[0] ? tp->mx_domain : NULL,
		.sts_domain = tp->sts_domain[0] ? tp->sts_domain : NULL,
		.timeout_ms = tp->env->timeout_ms,
	};

	if (tp->fetch != NULL)
		return;
	if (!env_ready(tp->env))
		return;
	if (tp->sts.kind == STS_F_POLICY && time(NULL) < tp->sts_expires)
		req.known_id = tp->sts.id;  /* fetched again only when the id changed */
	log_debug("tpolicy: gathering for %s port %u dane=%d mta_sts=%s", tp->host, tp->port,
	    tp->dane, tp->sts_domain[0] ? tp->sts_domain : "-");
	tp->fetch = polfetch_start(tp->env->base, tp->env->dns, tp->env->ssl_ctx, &req, on_facts,
	    tp);
}

void
tpolicy_init(struct tpolicy *tp, struct tpolicy_env *env, const char *host, unsigned port,
    bool dane, const char *sts_domain, const char *mx_domain, tpolicy_fn *fn, void *arg)
{
	memset(tp, 0, sizeof *tp);
	tp->env = env;
	snprintf(tp->host, sizeof tp->host, "%s", host);
	tp->port = port;
	tp->dane = dane;
	snprintf(tp->sts_domain, sizeof tp->sts_domain, "%s", sts_domain ? sts_domain : "");
	snprintf(tp->mx_domain, sizeof tp->mx_domain, "%s", mx_domain ? mx_domain : "");
	tp->fn = fn;
	tp->arg = arg;
	tp->refresh_ev = evtimer_new(env->base, on_refresh, tp);
	if (tp->refresh_ev == NULL) {
		log_errx("%s", "tpolicy: cannot create a timer");
		abort();
	}
	gather(tp);
}

static void
chain_free(struct tpolicy *tp)
{
	size_t i;

	for (i = 0; i < tp->nchain; i++)
		free(tp->chain[i]);
	tp->nchain = 0;
}

void
tpolicy_end(struct tpolicy *tp)
{
	polfetch_cancel(tp->fetch);
	tp->fetch = NULL;
	if (tp->refresh_ev)
		event_free(tp->refresh_ev);
	tp->refresh_ev = NULL;
	tlsa_set_clear(&tp->tlsa);
	chain_free(tp);
}

void
tpolicy_connection(struct tpolicy *tp, const struct smtp_session *s)
{
	const struct smtp_result *r = smtp_session_result(s);
	const uint8_t *const *der;
	const size_t *len;
	size_t n = smtp_session_chain(s, &der, &len), i;

	if (!r->tls_done && r->fail != SMTP_F_NO_STARTTLS && r->fail != SMTP_F_STARTTLS &&
	    r->fail != SMTP_F_TLS)
		return; /* says nothing about TLS */
	chain_free(tp);
	for (i = 0; i < n && i < SMTP_CHAIN_MAX; i++) {
		tp->chain[i] = xmalloc(len[i] ? len[i] : 1);
		memcpy(tp->chain[i], der[i], len[i]);
		tp->chain_len[i] = len[i];
	}
	tp->nchain = i;
	tp->ts = (struct tls_standing){
		.tls_done = r->tls_done,
		.trusted = r->tls_done && r->tls.have_cert && r->tls.verify_code == 0,
		.expired = r->tls_done && r->tls.verify_code == X509_V_ERR_CERT_HAS_EXPIRED,
		.name_ok = r->tls_done && r->tls.have_cert && r->tls.host_match == 1,
	};
	snprintf(tp->err, sizeof tp->err, "%s", r->tls_done ? r->tls.verify_text :
	    r->reason ? r->reason : smtp_fail_name(r->fail));
	tp->have_conn = true;
	decide(tp);
}
