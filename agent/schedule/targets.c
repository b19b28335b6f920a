/* agent/schedule/targets.c: see targets.h.
 *
 * Objects:
 *   endpoint  one address:port of the configuration: the scheduler's
 *             target, the policy it runs under, the group that owns it.
 *             Found by "ADDR:PORT" in a keymap.
 *   group     one TargetName/TargetMx block: its lookup, its refresh timer
 *             and the endpoints it owns.
 */
#include "buildconf.h"
#include "targets.h"
#include "config.h"
#include "keymap.h"
#include "log.h"
#include "policy.h"
#include "registry.h"
#include "resolver.h"
#include "scheduler.h"
#include "smtp_session.h"
#include "timer.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#define REFRESH_MIN_S     5
#define REFRESH_MAX_S     86400

struct endpoint {
	char key[64];              /* "ADDR:PORT" */
	struct tgt *t;             /* the scheduler's */
	struct policy *pol;        /* the one t runs under */
	struct group *g;           /* owner, NULL for TargetIP */
	bool mark;
};

struct group {
	struct targets *tt;
	int kind;
	char *host;
	uint16_t port;
	int line;
	struct policy *pol;
	char *sig;
	struct resolver_query *q;
	struct event *refresh_ev;
	struct endpoint **tg;      /* endpoints owned */
	size_t n_tg, cap_tg;
	struct reg_row *row;       /* the block's own row while it has no address */
	bool mark;
};

struct targets {
	struct monitor *m;         /* the scheduler */
	struct event_base *base;
	struct registry *reg;
	struct resolver *res;
	const struct config *cfg;  /* applied last */
	struct keymap *map;        /* "ADDR:PORT" -> struct endpoint */
	struct group **groups;
	size_t n_groups;
	bool stopping;
};

static void group_lookup(struct group *g);

/* ---- endpoints ---- */

static struct endpoint *
endpoint_new(struct targets *tt, const struct sockaddr *sa, socklen_t len, struct policy *pol,
    const struct cfg_target *ct, struct group *g, const char *mx_host, unsigned mx_pref)
{
	struct endpoint *e = xcalloc(1, sizeof(*e));

	sockaddr_text(sa, e->key, sizeof e->key);
	if (pol->servername == NULL && g != NULL) {
		/* no TlsServerName: SNI and the certificate check use the host
		 * name the address came from (the MX exchange, or TargetName) */
		struct cfg_target named = *ct;

		named.tls_server_name = (char *)(mx_host ? mx_host : ct->host);
		e->pol = policy_new(&named);   /* ct->auth carries the group's credentials */
	} else {
		e->pol = policy_ref(pol);
	}
	e->g = g;
	e->t = sched_target_new(tt->m, sa, len, e->pol, ct, mx_host, mx_pref);
	keymap_put(tt->map, e->key, e);
	return e;
}

static void
endpoint_remove(struct targets *tt, struct endpoint *e)
{
	keymap_del(tt->map, e->key);
	sched_target_remove(e->t);
	policy_unref(e->pol);
	free(e);
}

/* ---- name and MX groups ---- */

/* A TargetName/TargetMx block without any address yet (lookup under way,
 * failed, or a null MX) is shown as one row of its own, named after the
 * block, so an operator sees it: state resolving, or down with the reason. */
static void
group_row_show(struct group *g, const char *reason)
{
	struct targets *tt = g->tt;
	struct reg_row *row = g->row;

	if (row == NULL) {
		row = g->row = registry_add(tt->reg);
		snprintf(row->target, sizeof row->target, "%.55s:%u", g->host, g->port);
		row->port = g->port;
		reg_row_set_text(&row->name, g->host, REG_TEXT_MAX);
		row->kind = g->kind;
		row->secure = g->pol->secure;
		row->auth = g->pol->auth_user != NULL;
		row->min_tls = g->pol->min_tls;
		row->min_tls_name = g->pol->min_tls_name;
		row->config_line = g->line;
		row->state_since = time(NULL);
	}
	row->state = reason ? REG_DOWN : REG_RESOLVING;
	reg_row_set_text(&row->fail_reason, reason, REG_TEXT_MAX);
	str_copy(row->fail_kind, reason ? "resolve" : "", sizeof row->fail_kind);
	row->last_change = time(NULL);
	registry_touch(tt->reg, row);
	sched_publish(tt->m);
}

static void
group_row_drop(struct group *g)
{
	if (g->row != NULL) {
		registry_remove(g->tt->reg, g->row);
		g->row = NULL;
		sched_publish(g->tt->m);
	}
}

static void
on_refresh(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	group_lookup(arg);
}

static void
group_resolved(const struct resolver_result *res, void *arg)
{
	struct group *g = arg;
	struct targets *tt = g->tt;
	struct cfg_target ct = {
		.kind = (enum target_kind)g->kind, .host = g->host, .port = g->port,
		.secure = g->pol->secure, .min_tls = g->pol->min_tls,
		.min_tls_name = g->pol->min_tls_name, .line = g->line,
		.dane = g->pol->dane, .mta_sts = g->pol->mta_sts,
	};
	struct cfg_auth group_auth = { .user = g->pol->auth_user, .password = g->pol->auth_pass };
	struct endpoint **keep;
	size_t n_keep = 0;
	uint32_t ttl;

	g->q = NULL;
	if (g->pol->auth_user != NULL)
		ct.auth = &group_auth;
	if (res->status != 0) {
		log_warnx("SMD1822W name resolution failed: %s=%s port=%u error=\"%s\"; "
		    "keeping %zu address(es), retry in %u ms",
		    g->kind == TARGET_MX ? "mx" : "name", g->host, g->port,
		    res->error ? res->error : "?", g->n_tg, tt->cfg->connect_retry_ms);
		if (g->n_tg == 0) {
			char why[REG_TEXT_MAX];

			snprintf(why, sizeof why, "resolution failed: %s", res->error ? res->error : "?");
			group_row_show(g, why);
		}
		add_timer_ms(g->refresh_ev, tt->cfg->connect_retry_ms);
		return;
	}

	/* the new address set, in preference order; unchanged endpoints stay */
	keep = xcalloc(RESOLVER_MAX_HOSTS * RESOLVER_MAX_ADDRS, sizeof(*keep));
	for (size_t i = 0; i < g->n_tg; i++)
		g->tg[i]->mark = false;
	for (size_t h = 0; h < res->n_hosts; h++) {
		const struct resolver_host *rh = &res->hosts[h];

		for (size_t a = 0; a < rh->n_addrs; a++) {
			char key[64];
			struct endpoint *e;

			sockaddr_text((const struct sockaddr *)&rh->addrs[a], key, sizeof key);
			e = keymap_get(tt->map, key);
			if (e != NULL && e->g != g) {
				log_debug("target=%s from %s already monitored", key, g->host);
				continue;
			}
			if (e == NULL) {
				e = endpoint_new(tt, (const struct sockaddr *)&rh->addrs[a],
				    rh->addr_lens[a], g->pol, &ct, g,
				    g->kind == TARGET_MX ? rh->name : NULL, rh->preference);
				log_info("SMD1820I target added: target=%s %s=%s", key,
				    g->kind == TARGET_MX ? "mx" : "name", g->host);
				sched_target_start(e->t);
			}
			if (!e->mark) {
				e->mark = true;
				keep[n_keep++] = e;
			}
		}
	}
	for (size_t i = 0; i < g->n_tg; i++) {
		if (!g->tg[i]->mark) {
			log_info("SMD1821I target removed: target=%s %s=%s (no longer in DNS)",
			    g->tg[i]->key, g->kind == TARGET_MX ? "mx" : "name", g->host);
			endpoint_remove(tt, g->tg[i]);
		}
	}
	if (n_keep > g->cap_tg) {
		g->cap_tg = n_keep;
		g->tg = xrealloc(g->tg, g->cap_tg * sizeof(*g->tg));
	}
	memcpy(g->tg, keep, n_keep * sizeof(*keep));
	g->n_tg = n_keep;
	free(keep);

	if (n_keep == 0)
		group_row_show(g, res->n_hosts == 0 ? "no mail hosts (null MX)" :
		    "no address for the mail hosts");
	else
		group_row_drop(g);

	ttl = res->ttl;
	if (ttl < REFRESH_MIN_S)
		ttl = REFRESH_MIN_S;
	if (ttl > REFRESH_MAX_S)
		ttl = REFRESH_MAX_S;
	add_timer_ms(g->refresh_ev, (uint64_t)ttl * 1000u);
}

static void
group_lookup(struct group *g)
{
	if (g->q != NULL || g->tt->stopping)
		return;
	if (g->kind == TARGET_MX)
		g->q = resolver_mx(g->tt->res, g->host, g->port, group_resolved, g);
	else
		g->q = resolver_host(g->tt->res, g->host, g->port, group_resolved, g);
}

static struct group *
group_new(struct targets *tt, const struct cfg_target *ct, struct policy *pol)
{
	struct group *g = xcalloc(1, sizeof(*g));
	char sig[1024];

	g->tt = tt;
	g->kind = (int)ct->kind;
	g->host = xstrdup(ct->host);
	g->port = ct->port;
	g->line = ct->line;
	g->pol = policy_ref(pol);
	snprintf(sig, sizeof sig, "%d|%s|%u|%s", g->kind, g->host, g->port, pol->sig);
	g->sig = xstrdup(sig);
	g->refresh_ev = evtimer_new(tt->base, on_refresh, g);
	tt->groups = xrealloc(tt->groups, (tt->n_groups + 1) * sizeof(*tt->groups));
	tt->groups[tt->n_groups++] = g;
	group_row_show(g, NULL);
	group_lookup(g);
	return g;
}

static void
group_free(struct group *g, bool remove_targets)
{
	if (g->q != NULL)
		resolver_cancel(g->q);
	if (remove_targets)
		for (size_t i = 0; i < g->n_tg; i++)
			endpoint_remove(g->tt, g->tg[i]);
	group_row_drop(g);
	event_free(g->refresh_ev);
	policy_unref(g->pol);
	free(g->tg);
	free(g->host);
	free(g->sig);
	free(g);
}

/* ---- the table ---- */

struct targets *
targets_new(struct monitor *m, struct event_base *base, struct registry *reg,
    struct resolver *res)
{
	struct targets *tt = xcalloc(1, sizeof(*tt));

	tt->m = m;
	tt->base = base;
	tt->reg = reg;
	tt->res = res;
	tt->map = keymap_new();
	return tt;
}

void
targets_free(struct targets *tt)
{
	struct endpoint *e;

	if (tt == NULL)
		return;
	for (size_t k = 0; k < tt->n_groups; k++)
		group_free(tt->groups[k], false);
	free(tt->groups);
	for (size_t i = 0; (e = keymap_next(tt->map, &i)) != NULL;) {
		keymap_del(tt->map, e->key);
		sched_target_drop(e->t);
		policy_unref(e->pol);
		free(e);
	}
	keymap_free(tt->map);
	free(tt);
}

size_t
targets_configured(const struct config *cfg)
{
	size_t n = 0;

	for (size_t i = 0; i < cfg->n_targets; i++)
		n += cfg->targets[i].kind == TARGET_IP ? cfg->targets[i].n_addrs : 1;
	return n;
}

void
targets_apply(struct targets *tt, const struct config *cfg, bool announce)
{
	size_t added = 0, removed = 0, kept = 0;
	struct endpoint *e;

	tt->cfg = cfg;
	for (size_t i = 0; (e = keymap_next(tt->map, &i)) != NULL;)
		e->mark = false;
	for (size_t i = 0; i < tt->n_groups; i++)
		tt->groups[i]->mark = false;

	for (size_t i = 0; i < cfg->n_targets; i++) {
		const struct cfg_target *ct = &cfg->targets[i];
		struct policy *pol = policy_new(ct);

		if (ct->kind == TARGET_IP) {
			for (size_t a = 0; a < ct->n_addrs; a++) {
				char key[64];

				sockaddr_text((const struct sockaddr *)&ct->addrs[a].ss, key, sizeof key);
				e = keymap_get(tt->map, key);
				if (e != NULL && e->g == NULL && !e->mark &&
				    strcmp(e->pol->sig, pol->sig) == 0) {
					e->mark = true;
					sched_target_line(e->t, ct->line);
					sched_target_kept(e->t);
					kept++;
					continue;
				}
				if (e != NULL && e->mark)
					continue;   /* the parser rejects duplicates; be safe */
				if (e != NULL) {
					/* policy changed, or an MX address is now configured
					 * by IP: start again under the new block */
					if (e->g != NULL) {
						struct group *og = e->g;
						for (size_t k = 0; k < og->n_tg; k++)
							if (og->tg[k] == e)
								og->tg[k] = og->tg[--og->n_tg];
					}
					endpoint_remove(tt, e);
					removed++;
				}
				e = endpoint_new(tt, (const struct sockaddr *)&ct->addrs[a].ss,
				    ct->addrs[a].len, pol, ct, NULL, NULL, 0);
				e->mark = true;
				if (announce)
					log_info("SMD1820I target added: target=%s line=%d", e->key,
					    ct->line);
				sched_target_start(e->t);
				added++;
			}
		} else {
			char sig[1024];
			bool found = false;

			snprintf(sig, sizeof sig, "%d|%s|%u|%s", (int)ct->kind, ct->host, ct->port,
			    pol->sig);
			for (size_t k = 0; k < tt->n_groups; k++) {
				if (!tt->groups[k]->mark && strcmp(tt->groups[k]->sig, sig) == 0) {
					tt->groups[k]->mark = true;
					tt->groups[k]->line = ct->line;
					found = true;
					kept++;
					break;
				}
			}
			if (!found) {
				struct group *g = group_new(tt, ct, pol);
				g->mark = true;
				added++;
			}
		}
		policy_unref(pol);
	}

	/* groups not in the new file go, with their targets */
	for (size_t k = 0; k < tt->n_groups;) {
		struct group *g = tt->groups[k];

		if (g->mark) {
			for (size_t i = 0; i < g->n_tg; i++) {
				g->tg[i]->mark = true;
				sched_target_kept(g->tg[i]->t);
			}
			k++;
			continue;
		}
		for (size_t i = 0; i < g->n_tg; i++)
			log_info("SMD1821I target removed: target=%s %s=%s", g->tg[i]->key,
			    g->kind == TARGET_MX ? "mx" : "name", g->host);
		removed += g->n_tg;
		group_free(g, true);
		tt->groups[k] = tt->groups[--tt->n_groups];
	}
	/* TargetIP targets not in the new file go */
	for (size_t i = 0; (e = keymap_next(tt->map, &i)) != NULL;) {
		if (!e->mark) {
			log_info("SMD1821I target removed: target=%s", e->key);
			endpoint_remove(tt, e);
			removed++;
		}
	}
	if (announce)
		log_info("SMD0002I configuration reloaded: targets added=%zu removed=%zu kept=%zu",
		    added, removed, kept);
}

void
targets_stop(struct targets *tt)
{
	struct endpoint *e;

	tt->stopping = true;
	for (size_t k = 0; k < tt->n_groups; k++)
		group_free(tt->groups[k], false);
	tt->n_groups = 0;
	for (size_t i = 0; (e = keymap_next(tt->map, &i)) != NULL;)
		endpoint_remove(tt, e);
}

struct tgt *
targets_find(const struct targets *tt, const char *key)
{
	struct endpoint *e = keymap_get(tt->map, key);

	return e != NULL ? e->t : NULL;
}

struct tgt *
targets_next(const struct targets *tt, size_t *cursor)
{
	struct endpoint *e = keymap_next(tt->map, cursor);

	return e != NULL ? e->t : NULL;
}
