/* agent/schedule/monitor.c: see monitor.h.
 *
 * Objects:
 *   tgt     one target address:port: its registry row, its monitor and
 *           reprobe connections and three timers (NOOP, reprobe, retry).
 *           Which targets exist is agent/targets' business: it calls
 *           the sched_*() functions (scheduler.h) and finds a tgt by
 *           "ADDR:PORT" (targets_find()).
 *   conn    one probe connection (a smtp_session) and its role. A conn
 *           whose target is gone is "orphaned": it is sent QUIT and freed
 *           when it closes.
 */
#include "buildconf.h"
#include "monitor.h"
#include "alertcmd.h"
#include "appldata_log.h"
#include "bstore.h"
#include "config.h"
#include "keeper.h"
#include "log.h"
#include "mailbox.h"
#include "mlimit.h"
#include "outbox.h"
#include "pintake.h"
#include "policy.h"
#include "publisher.h"
#include "recorder.h"
#include "registry.h"
#include "resolver.h"
#include "scheduler.h"
#include "sessenv.h"
#include "smtp_session.h"
#include "startq.h"
#include "targets.h"
#include "timer.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#define NOOP_TICK_MS      1000
#define STOP_GRACE_MS     5000

struct monitor;
struct tgt;

struct conn {
	struct monitor *m;
	struct tgt *t;             /* NULL once orphaned */
	enum reg_role role;
	struct smtp_session *s;
	struct policy *pol;
	struct sess_env *env;
	struct smtp_session_cfg scfg;
	bool connecting;           /* holds a slot of MONITOR_MAX_CONNECTING */
	bool ready;
	bool recycling;            /* QUIT sent by us under the NOOP budget */
	uint64_t ready_us;         /* monotonic: classification complete */
	uint64_t last_reply_us;    /* monotonic: the last reply (READY or a NOOP's) */
	uint64_t rtt_base_us;      /* the fastest NOOP round trip of this connection */
	struct conn *onext, *oprev;  /* orphan list */
};

struct tgt {
	struct monitor *m;
	struct reg_row *row;
	char key[64];
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct policy *pol;
	struct conn *c[2];         /* [REG_ROLE_MONITOR], [REG_ROLE_REPROBE] */
	struct startq_entry *q[2]; /* waiting in m->sq */
	struct event *noop_ev, *reprobe_ev, *retry_ev;
	unsigned fails;            /* consecutive monitor connection failures */
	struct rec_target rec;     /* agent/recorder's: what its verdicts leave */
	struct tpolicy *tp;        /* Dane, MtaSts: its published TLS policy; NULL none */
	struct keeper keep;        /* what its monitor connections taught */
};

struct monitor {
	struct event_base *base;
	struct registry *reg;
	struct config *cfg;
	struct resolver *res;
	struct sess_env *env;      /* for sessions started from now on */
	struct appldata_log *alog;
	struct conn *orphan_list;  /* closing connections of targets gone */

	struct targets *targets;   /* what the configuration names */

	struct startq *sq;         /* connections waiting for a start slot */


	struct publisher *pub;     /* registry snapshots, coalesced */
	struct event *wake_ev;
	struct event *stop_ev;
	struct event *start_ev;
	unsigned orphans;          /* conns closing after their target went away */
	bool stopping;

	uint64_t probes_done, probe_failures;
	time_t started;

	struct recorder rec;       /* verdicts -> rows, logs, baselines; the event hook */

	struct bstore *bs;         /* TLS baselines */
	struct outbox *ob;         /* ... written, then their alerts announced */

	struct mailbox *mb;        /* reload, stop, baseline reset */

	struct pintake *pi;        /* the passive probe's sessions */

	struct tpolicy_env penv;   /* Dane, MtaSts: resolver and policy fetches, made at first use */
	char *p_ns, *p_ta, *p_ca;  /* ... its settings, as at the start */
};

static void tgt_enqueue(struct tgt *t, enum reg_role role);
static void pump(struct monitor *m);

/* ---- small helpers ---- */

/* NOOP timers fire on a grid (NoopInterval/16, 10 ms to NOOP_TICK_MS):
 * targets due in the same tick share one wake-up of the loop and their
 * replies tend to arrive together, which at 10,000 targets costs far fewer
 * context switches than 170 timers a second each waking the thread alone
 * (idle CPU at 3,000 targets, NOOP every 10 s: 1.45% -> 0.80% of a core).
 * Quantizing moves a NOOP by less than one tick, never earlier. */
static uint32_t
noop_ms(const struct tgt *t)
{
	return keeper_noop_ms(&t->keep, t->m->cfg->noop_interval_ms);
}

static void
arm_noop(struct tgt *t, uint64_t ms)
{
	uint64_t tick = noop_ms(t) / 16u;
	uint64_t now = now_us() / 1000u, due = now + ms;

	if (tick > NOOP_TICK_MS)
		tick = NOOP_TICK_MS;
	if (tick < 10)
		tick = 10;
	due = (due + tick - 1) / tick * tick;
	add_timer_ms(t->noop_ev, due - now);
}

/* Publish soon: within PUBLISH_MS for a change of state or classification,
 * within PUBLISH_SLOW_MS for counters (agent/publisher). */
static void
schedule_publish(struct monitor *m)
{
	publisher_in(m->pub, PUBLISH_MS);
}

void
sched_publish(struct monitor *m)
{
	schedule_publish(m);
}

static void
touch(struct tgt *t)
{
	t->row->last_change = time(NULL);
	registry_touch(t->m->reg, t->row);
	schedule_publish(t->m);
}

/* Counters only: not a change of any observed fact. */
static void
touch_counters(struct tgt *t)
{
	registry_touch(t->m->reg, t->row);
	publisher_in(t->m->pub, PUBLISH_SLOW_MS);
}

static void
set_state(struct tgt *t, enum reg_state st)
{
	if (t->row->state != st) {
		t->row->state = st;
		t->row->state_since = time(NULL);
	}
	touch(t);
}

/* ---- connections ---- */

static void conn_cb(struct smtp_session *s, enum smtp_event ev, void *arg);

static void
conn_release_slot(struct conn *c)
{
	if (c->connecting) {
		c->connecting = false;
		startq_put(c->m->sq);
	}
}

static void
conn_free(struct conn *c)
{
	conn_release_slot(c);
	smtp_session_free(c->s);       /* deferred when inside its callback */
	policy_unref(c->pol);
	sessenv_unref(c->env);
	free(c);
}

/* The target no longer wants c: QUIT it and free it when it has closed. */
static void
conn_orphan(struct conn *c)
{
	struct monitor *m = c->m;

	if (c->t != NULL) {
		c->t->c[c->role] = NULL;
		c->t = NULL;
	}
	c->onext = m->orphan_list;
	if (m->orphan_list != NULL)
		m->orphan_list->oprev = c;
	m->orphan_list = c;
	m->orphans++;
	conn_release_slot(c);
	smtp_session_quit(c->s);           /* may call back CLOSED at once */
}

static void
conn_start(struct tgt *t, enum reg_role role)
{
	struct monitor *m = t->m;
	struct conn *c = xcalloc(1, sizeof(*c));

	c->m = m;
	c->t = t;
	c->role = role;
	c->pol = policy_ref(t->pol);
	c->env = sessenv_ref(m->env);
	sessenv_session_cfg(c->env, c->pol, m->cfg,
	    role == REG_ROLE_MONITOR ? SMTP_MODE_MONITOR : SMTP_MODE_PROBE, &c->scfg);
	c->s = smtp_session_new(m->base, &c->scfg, (const struct sockaddr *)&t->ss, t->sslen,
	    conn_cb, c);
	c->connecting = true;
	startq_take(m->sq);
	t->c[role] = c;
	if (role == REG_ROLE_MONITOR && t->row->state != REG_UP && t->row->state != REG_DOWN)
		set_state(t, REG_STARTING);
	smtp_session_start(c->s);
}

/* ---- TLS baselines ---- */

/* Monitor thread: the reset request in the mailbox. */
static int
reset_matching(struct monitor *m, const char *sel)
{
	time_t now = time(NULL);
	int count = 0;
	struct tgt *t;

	for (size_t i = 0; (t = targets_next(m->targets, &i)) != NULL;) {
		if (!reg_row_matches(t->row, sel))
			continue;
		recorder_reset(&m->rec, &t->rec, now);
		count++;
	}
	if (count > 0) {
		bstore_mark(m->bs);
		outbox_sync(m->ob);        /* written before the answer */
		registry_publish(m->reg);  /* the answer shows the new baselines */
	}
	return count;
}

/* The limits in force, for readers. */
static void
limits_to_row(struct tgt *t)
{
	recorder_limits(&t->m->rec, &t->rec, &t->keep, false);
}

/* The monitor connection of t is gone (closed by either side): forget it. */
static void
monitor_gone(struct tgt *t)
{
	t->c[REG_ROLE_MONITOR] = NULL;
	t->row->conns[REG_ROLE_MONITOR].open = false;
	evtimer_del(t->noop_ev);
}

/* End the monitor connection politely and open a fresh one: under the NOOP
 * budget, or after a throttled reply. Not a failure: the row stays up. */
static void
recycle(struct conn *c)
{
	c->recycling = true;
	smtp_session_quit(c->s);
}

static void
recycled(struct conn *c)
{
	struct tgt *t = c->t;

	monitor_gone(t);
	t->row->recycles++;
	log_debug("target=%s monitor connection recycled after %u NOOPs", t->key,
	    smtp_session_result(c->s)->noops);
	touch_counters(t);
	tgt_enqueue(t, REG_ROLE_MONITOR);
}

/* The server ended an established monitor connection (an idle or command
 * limit), or it was lost (no NOOP reply in time, a TLS or protocol error).
 * Not an outage: reconnect at once; only if that fresh connection fails is
 * the target down. What the close teaches is applied once the fresh
 * connection is up (a server stopped for good teaches nothing). */
static void
server_closed(struct conn *c, const struct smtp_result *r)
{
	struct tgt *t = c->t;
	uint64_t now = now_us(), idle_us = now - c->last_reply_us;
	enum mlimit_end k = mlimit_end_kind(r->fail, r->fail_state, r->reply_code, r->last_reply,
	    idle_us);
	uint64_t delay;

	monitor_gone(t);
	delay = keeper_closed(&t->keep, k, r->fail_state, idle_us, r->noops, r->last_reply,
	    now - c->ready_us, t->m->cfg->connect_retry_ms);
	recorder_closed(&t->rec, k, r, idle_us, delay);
	touch(t);
	if (delay == 0)
		tgt_enqueue(t, REG_ROLE_MONITOR);
	else
		add_timer_ms(t->retry_ev, delay);
}

static void
monitor_closed(struct conn *c, const struct smtp_result *r)
{
	struct tgt *t = c->t;
	struct reg_row *row = t->row;
	struct monitor *m = t->m;
	bool was_up = row->state == REG_UP;
	bool was_421 = r->reply_code == 421;
	bool announce;
	uint32_t delay;

	if (c->recycling) {
		recycled(c);
		return;
	}
	if (c->ready) {
		server_closed(c, r);
		return;
	}
	/* a fresh connection failed */
	monitor_gone(t);
	keeper_forget_lesson(&t->keep);  /* a server stopped for good teaches nothing */
	m->probe_failures++;
	t->fails++;
	delay = jitter_ms(keeper_backoff_ms(t->fails, was_421, m->cfg->connect_retry_ms), 20);
	announce = was_up || row->state == REG_STARTING;
	recorder_unavailable(&m->rec, &t->rec, r, announce, delay);
	set_state(t, REG_DOWN);
	if (announce)
		recorder_event(&m->rec, &t->rec, MONITOR_EV_DOWN);
	add_timer_ms(t->retry_ev, delay);
}

static void
reprobe_closed(struct conn *c, const struct smtp_result *r)
{
	struct tgt *t = c->t;

	t->c[REG_ROLE_REPROBE] = NULL;
	t->row->conns[REG_ROLE_REPROBE].open = false;
	if (recorder_reprobe_closed(&t->m->rec, &t->rec, r))
		t->m->probe_failures++;
	touch(t);
}

static void
conn_cb(struct smtp_session *s, enum smtp_event ev, void *arg)
{
	struct conn *c = arg;
	const struct smtp_result *r = smtp_session_result(s);
	struct monitor *m = c->m;
	struct tgt *t = c->t;

	if (t == NULL) {                       /* orphaned: wait for the end */
		if (ev == SMTP_EV_CLOSED) {
			m->orphans--;
			if (c->oprev != NULL)
				c->oprev->onext = c->onext;
			else
				m->orphan_list = c->onext;
			if (c->onext != NULL)
				c->onext->oprev = c->oprev;
			conn_free(c);
			if (m->stopping && m->orphans == 0)
				event_base_loopexit(m->base, NULL);
		}
		return;
	}

	switch (ev) {
	case SMTP_EV_READY:
		c->ready = true;
		conn_release_slot(c);
		m->probes_done++;
		recorder_classified(&m->rec, &t->rec, c->role, r);
		if (t->tp != NULL)
			tpolicy_connection(t->tp, c->s);
		if (c->role == REG_ROLE_MONITOR) {
			bool was_up = t->row->state == REG_UP;
			bool was_down = t->row->state == REG_DOWN;

			t->row->connects++;
			t->fails = 0;
			t->row->noop_rtt_us = r->t.noop;
			c->ready_us = c->last_reply_us = now_us();
			c->rtt_base_us = r->t.noop;
			/* what the last server close taught holds from now on */
			recorder_limits(&m->rec, &t->rec, &t->keep, keeper_ready(&t->keep));
			if (!was_up)
				recorder_available(&t->rec);
			set_state(t, REG_UP);
			if (was_down)
				recorder_event(&m->rec, &t->rec, MONITOR_EV_UP);
			/* a target's first NOOP lands at a random point of the
			 * interval, so that targets do not NOOP together; a
			 * fresh connection after a recycle or a server close
			 * keeps that phase (a random one would shorten the
			 * connection's life by half an interval on average) */
			arm_noop(t, t->row->connects == 1 ? 1 + (uint64_t)random() % noop_ms(t) :
			    noop_ms(t));
			/* a fresh monitor connection is a fresh handshake too: the
			 * next reprobe is due ReprobeInterval from now (recycles
			 * then stand in for some reprobes instead of adding to them) */
			if (m->cfg->reprobe_interval_ms > 0)
				add_timer_ms(t->reprobe_ev, jitter_ms(m->cfg->reprobe_interval_ms, 10));
		} else {
			t->row->reprobes++;
		}
		pump(m);
		return;

	case SMTP_EV_NOOP:
		t->row->noops++;
		c->last_reply_us = now_us();
		if (mlimit_throttled(r->noop_rtt, c->rtt_base_us)) {
			/* Postfix's error sleep, sendmail's NOOP throttle: the
			 * server counts us as a nuisance; end this connection
			 * and stay under that count from now on */
			keeper_throttled(&t->keep, r->noops);
			recorder_throttled(&m->rec, &t->rec, &t->keep, r, c->rtt_base_us);
			touch(t);
			recycle(c);
			return;
		}
		if (r->noop_rtt < c->rtt_base_us)
			c->rtt_base_us = r->noop_rtt;
		t->row->noop_rtt_us = r->noop_rtt;
		touch_counters(t);
		arm_noop(t, noop_ms(t));
		return;

	case SMTP_EV_CLOSED:
		if (!c->ready && t->tp != NULL)
			tpolicy_connection(t->tp, c->s); /* TLS did not come up? */
		if (c->role == REG_ROLE_MONITOR)
			monitor_closed(c, r);
		else
			reprobe_closed(c, r);
		conn_free(c);
		pump(m);
		return;
	}
}

/* ---- the start queue ---- */

/* startq's start callback: the head of the queue has a slot. */
static void
start_one(void *item, int role, void *arg)
{
	struct tgt *t = item;

	(void)arg;
	t->q[role] = NULL;
	if (!t->m->stopping && t->c[role] == NULL)
		conn_start(t, (enum reg_role)role);
}

static void
pump(struct monitor *m)
{
	if (!m->stopping)
		startq_pump(m->sq);
}

static void
tgt_enqueue(struct tgt *t, enum reg_role role)
{
	struct monitor *m = t->m;

	if (t->q[role] != NULL || t->c[role] != NULL || m->stopping)
		return;
	t->q[role] = startq_push(m->sq, t, (int)role);
	pump(m);
}

/* ---- timers of a target ---- */

static void
on_noop(evutil_socket_t fd, short what, void *arg)
{
	struct tgt *t = arg;
	struct conn *c = t->c[REG_ROLE_MONITOR];

	(void)fd, (void)what;
	if (c != NULL && c->ready && !c->recycling) {
		unsigned budget = keeper_budget(&t->keep, t->m->cfg->noop_budget);

		if (smtp_session_state(c->s) != SMTP_S_IDLE)
			/* still busy (a NOOP outstanding): look again next interval */
			arm_noop(t, noop_ms(t));
		else if (budget != 0 && smtp_session_result(c->s)->noops >= budget)
			recycle(c);
		else
			smtp_session_noop(c->s);
	}
}

static void
on_reprobe(evutil_socket_t fd, short what, void *arg)
{
	struct tgt *t = arg;
	struct monitor *m = t->m;

	(void)fd, (void)what;
	if (m->cfg->reprobe_interval_ms == 0)
		return;
	if (t->row->state == REG_UP)   /* a target down is being retried anyway */
		tgt_enqueue(t, REG_ROLE_REPROBE);
	add_timer_ms(t->reprobe_ev, jitter_ms(m->cfg->reprobe_interval_ms, 10));
}

static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct tgt *t = arg;

	(void)fd, (void)what;
	tgt_enqueue(t, REG_ROLE_MONITOR);
}

/* ---- targets ---- */

static void
on_policy(struct tpolicy *tp, const struct policy_view *view, const struct tpolicy_event *ev,
    size_t nev, void *arg)
{
	struct tgt *t = arg;

	(void)tp;
	recorder_policy(&t->m->rec, &t->rec, view, ev, nev);
}

struct tgt *
sched_target_new(struct monitor *m, const struct sockaddr *sa, socklen_t len, struct policy *pol,
    const struct cfg_target *ct, const char *mx_host, unsigned mx_pref)
{
	struct tgt *t = xcalloc(1, sizeof(*t));
	struct reg_row *row;

	t->m = m;
	memcpy(&t->ss, sa, len);
	t->sslen = len;
	sockaddr_text(sa, t->key, sizeof t->key);
	t->pol = policy_ref(pol);
	t->noop_ev = evtimer_new(m->base, on_noop, t);
	t->reprobe_ev = evtimer_new(m->base, on_reprobe, t);
	t->retry_ev = evtimer_new(m->base, on_retry, t);
	t->row = row = registry_add(m->reg);
	str_copy(row->target, t->key, sizeof row->target);
	memcpy(&row->addr, sa, len);
	row->addr_len = len;
	row->port = ct->port;
	reg_row_set_text(&row->name, ct->host, REG_TEXT_MAX);
	reg_row_set_text(&row->mx_host, mx_host, REG_TEXT_MAX);
	row->mx_pref = mx_pref;
	row->kind = (int)ct->kind;
	row->secure = ct->secure;
	row->auth = ct->auth != NULL;
	row->min_tls = ct->min_tls;
	row->min_tls_name = ct->min_tls_name;
	row->config_line = ct->line;
	row->state = REG_STARTING;
	row->state_since = row->last_change = time(NULL);
	recorder_target_init(&m->rec, &t->rec, row, t->key, &t->ss, t->sslen, pol);
	limits_to_row(t);
	touch(t);
	if (pol->dane || pol->mta_sts) {
		/* the TLSA base domain and MX name: the MX host, the TargetName,
		 * or for a TargetIP its TlsServerName */
		const char *host = mx_host ? mx_host : ct->kind == TARGET_NAME ? ct->host :
		    pol->servername;

		if (host != NULL) {
			t->tp = xcalloc(1, sizeof(*t->tp));
			tpolicy_init(t->tp, &m->penv, host, ct->port, pol->dane, pol->mta_sts,
			    mx_host ? ct->host : NULL, on_policy, t);
		}
	}
	return t;
}

void
sched_target_remove(struct tgt *t)
{
	struct monitor *m = t->m;

	for (int r = 0; r < 2; r++) {
		if (t->q[r] != NULL)
			startq_cancel(t->q[r]);
		if (t->c[r] != NULL)
			conn_orphan(t->c[r]);
	}
	event_free(t->noop_ev);
	event_free(t->reprobe_ev);
	event_free(t->retry_ev);
	if (t->tp != NULL) {
		tpolicy_end(t->tp);
		free(t->tp);
	}
	recorder_target_end(&m->rec, &t->rec);
	registry_remove(m->reg, t->row);
	schedule_publish(m);
	policy_unref(t->pol);
	free(t);
}

/* The target of "ADDR:PORT", NULL when none. */
static struct tgt *
tgt_find(const struct monitor *m, const char *key)
{
	return targets_find(m->targets, key);
}

void
sched_target_start(struct tgt *t)
{
	tgt_enqueue(t, REG_ROLE_MONITOR);
}

void
sched_target_line(struct tgt *t, int line)
{
	t->row->config_line = line;
}

void
sched_target_drop(struct tgt *t)
{
	for (int r = 0; r < 2; r++) {
		if (t->c[r] != NULL) {
			t->c[r]->t = NULL;
			conn_free(t->c[r]);
			t->c[r] = NULL;
		}
	}
	sched_target_remove(t);
}

/* ---- configuration ---- */

/* After a reload: a target kept up gets the (possibly new) reprobe timer. */
static void
rearm_reprobe(struct tgt *t)
{
	uint32_t ms = t->m->cfg->reprobe_interval_ms;

	if (ms > 0 && t->row->state == REG_UP && !evtimer_pending(t->reprobe_ev, NULL))
		add_timer_ms(t->reprobe_ev, jitter_ms(ms, 10));
}

void
sched_target_kept(struct tgt *t)
{
	rearm_reprobe(t);
	limits_to_row(t);
}

static int
apply_globals(struct monitor *m, struct config *cfg, char *err, size_t errlen)
{
	/* the monitor's reference: sessions started from now on take their own */
	struct sess_env *env = sessenv_new(cfg, m->env, m->cfg, err, errlen);

	if (env == NULL)
		return -1;
	sessenv_unref(m->env);   /* sessions that still use the old one hold it */
	m->env = env;
	if (appldata_log_follow(&m->alog, cfg->appldata_log) != 0) {
		snprintf(err, errlen, "AppldataLog %s: %s", cfg->appldata_log, strerror(errno));
		return -1;
	}
	return 0;
}

/* Bring the set of targets in line with cfg. */
static void
apply_targets(struct monitor *m, const struct config *cfg)
{
	targets_apply(m->targets, cfg, m->started != 0);
	registry_set_totals(m->reg, m->started ? m->started : time(NULL), m->probes_done,
	    m->probe_failures, targets_configured(cfg));
	schedule_publish(m);
}

/* ---- loop plumbing ---- */

/* The totals published with each snapshot. */
static void
publish_totals(void *arg, struct publish_totals *out)
{
	struct monitor *m = arg;

	out->started = m->started;
	out->probes_done = m->probes_done;
	out->probe_failures = m->probe_failures;
	out->targets_configured = targets_configured(m->cfg);
}

static void
stop_now(struct monitor *m)
{
	if (m->stopping)
		return;
	m->stopping = true;
	log_info("SMD0003I stopping: sending QUIT on every connection");
	targets_stop(m->targets);
	registry_publish(m->reg);
	outbox_sync(m->ob);            /* while the SNMP thread still takes alerts */
	if (m->orphans == 0)
		event_base_loopexit(m->base, NULL);
	else
		add_timer_ms(m->stop_ev, STOP_GRACE_MS);
}

static void
on_stop_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *m = arg;

	(void)fd, (void)what;
	log_warnx("SMD0003W stopping: %u connection(s) did not close within %u ms", m->orphans,
	    STOP_GRACE_MS);
	event_base_loopexit(m->base, NULL);
}

/* ---- the passive probe's sessions (agent/pintake) ---- */

static void
intake_wake(void *arg)
{
	struct monitor *m = arg;

	event_active(m->wake_ev, EV_READ, 0);
}

/* What the active probe knows of a server the passive probe saw. */
static struct pserver_hint
intake_hint(void *arg, const char *server)
{
	struct pserver_hint hint = { 0 };
	struct tgt *t = tgt_find(arg, server);

	if (t != NULL) {
		hint.starttls = t->row->classified && t->row->v->starttls_offered;
		if (t->row->dg.set)
			hint.baseline_tls = t->row->dg.best.tls_version;
	}
	return hint;
}

static void
intake_publish(void *arg, bool soon)
{
	struct monitor *m = arg;

	if (soon)
		schedule_publish(m);
	else
		publisher_in(m->pub, PUBLISH_SLOW_MS);
}

static void
intake_event(void *arg, const struct monitor_event *ev)
{
	struct monitor *m = arg;

	recorder_announce(&m->rec, ev);
}

static struct alertcmd *
intake_alertcmd(void *arg)
{
	struct monitor *m = arg;

	return recorder_alertcmd(&m->rec);
}

void
monitor_post_passive(struct monitor *m, const struct passive_session *s, bool wait,
    const struct reg_passive *figures)
{
	pintake_post(m->pi, s, wait, figures);
}

void
monitor_post_passive_stats(struct monitor *m, const struct reg_passive *p)
{
	pintake_post_stats(m->pi, p);
}

static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *m = arg;
	struct config *cfg;
	const char *sel;
	bool stop;

	(void)fd, (void)what;
	mailbox_take(m->mb, &cfg, &stop, &sel);
	if (sel != NULL)
		mailbox_answer_reset(m->mb, m->stopping ? -1 : reset_matching(m, sel));

	pintake_drain(m->pi, m->cfg, m->alog);
	if (stop) {
		config_free(cfg);
		stop_now(m);
		return;
	}
	if (cfg != NULL && !m->stopping) {
		char err[256];

		if ((cfg->name_servers == NULL) != (m->cfg->name_servers == NULL) ||
		    (cfg->name_servers != NULL &&
		    strcmp(cfg->name_servers, m->cfg->name_servers) != 0))
			log_warnx("SMD0002W NameServer changes take effect at restart");
		if (apply_globals(m, cfg, err, sizeof err) != 0) {
			log_errx("SMD0004E reload refused: %s", err);
			config_free(cfg);
			return;
		}
		/* old config strings are not referenced by sessions (policies copy
		 * them), so the old config can go */
		config_free(m->cfg);
		m->cfg = cfg;
		apply_targets(m, cfg);
	}
}

static void
on_start(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *m = arg;
	time_t started = m->started;

	(void)fd, (void)what;
	m->started = 0;   /* no "added" messages for the first set */
	apply_targets(m, m->cfg);
	m->started = started;
	registry_set_totals(m->reg, m->started, m->probes_done, m->probe_failures,
	    targets_configured(m->cfg));
}

void
monitor_set_event_hook(struct monitor *m, monitor_event_fn *fn, void *arg)
{
	m->rec.event_fn = fn;
	m->rec.event_arg = arg;
}

void
monitor_post_reload(struct monitor *m, struct config *cfg)
{
	mailbox_post_reload(m->mb, cfg);
}

int
monitor_baseline_reset(struct monitor *m, const char *sel)
{
	return mailbox_reset(m->mb, sel);
}

void
monitor_post_stop(struct monitor *m)
{
	pintake_stop(m->pi);   /* a file reader waiting for room */
	mailbox_post_stop(m->mb);
}

struct monitor *
monitor_new(struct event_base *base, struct registry *reg, struct config *cfg, char *err,
    size_t errlen)
{
	struct monitor *m = xcalloc(1, sizeof(*m));
	const struct pintake_owner own = {
		.arg = m, .wake = intake_wake, .hint = intake_hint, .publish = intake_publish,
		.event = intake_event, .alertcmd = intake_alertcmd,
	};

	m->base = base;
	m->reg = reg;
	m->mb = mailbox_new(intake_wake, m);   /* one wake-up: on_wake takes both */
	srandom((unsigned)(time(NULL) ^ getpid()));
	m->pub = publisher_new(base, reg, publish_totals, m);
	m->stop_ev = evtimer_new(base, on_stop_timeout, m);
	m->wake_ev = event_new(base, -1, 0, on_wake, m);
	m->pi = pintake_new(reg, &own);
	m->res = resolver_new(base, cfg->name_servers, 2000, 2, err, errlen);
	m->targets = targets_new(m, base, reg, m->res);
	m->sq = startq_new(MONITOR_MAX_CONNECTING, start_one, m);
	m->bs = m->res == NULL ? NULL : bstore_open(cfg->state_dir, err, errlen);
	m->ob = m->bs == NULL ? NULL : outbox_new(base, m->bs, recorder_alert_dest, &m->rec, err,
	    errlen);
	m->rec.reg = reg;
	m->rec.pub = m->pub;
	m->rec.bs = m->bs;
	m->rec.ob = m->ob;
	m->rec.alog = &m->alog;
	m->rec.cfg = &m->cfg;
	if (m->res == NULL || m->ob == NULL || apply_globals(m, cfg, err, errlen) != 0) {
		m->cfg = cfg;
		monitor_free(m);
		return NULL;
	}
	m->cfg = cfg;
	m->started = time(NULL);
	/* published-policy checks keep the start's NameServer, DnssecTrustAnchor
	 * and CAFile (a reload that changes them warns: smtpmond) */
	m->p_ns = cfg->name_servers ? xstrdup(cfg->name_servers) : NULL;
	m->p_ta = cfg->trust_anchor ? xstrdup(cfg->trust_anchor) : NULL;
	m->p_ca = cfg->ca_file ? xstrdup(cfg->ca_file) : NULL;
	m->penv = (struct tpolicy_env){
		.base = base, .nameserver = m->p_ns, .trust_anchor = m->p_ta, .cafile = m->p_ca,
		/* a cold DNSSEC validation takes a few round trips: 5..30 s;
		 * the facts change slowly: at most once a minute */
		.timeout_ms = cfg->connect_ms < 5000 ? 5000 : cfg->connect_ms > 30000 ? 30000 :
		    cfg->connect_ms,
		.refresh_ms = cfg->reprobe_interval_ms > 60000 ? cfg->reprobe_interval_ms : 60000,
	};
	registry_set_totals(reg, m->started, 0, 0, targets_configured(cfg));
	/* the targets start when the loop runs, in the monitor thread: after
	 * smtpmond has dropped its privileges, never as root */
	m->start_ev = event_new(base, -1, 0, on_start, m);
	event_active(m->start_ev, EV_READ, 0);
	return m;
}

void
monitor_free(struct monitor *m)
{
	if (m == NULL)
		return;
	targets_free(m->targets);
	if (m->bs != NULL) {
		m->rec.event_fn = NULL;    /* the SNMP thread may be gone */
		outbox_free(m->ob);        /* what is still dirty; AlertCommand still runs */
		bstore_free(m->bs);
	}
	alertcmd_stop(m->rec.ac);
	pintake_free(m->pi);
	startq_free(m->sq);
	resolver_free(m->res);
	publisher_free(m->pub);
	if (m->stop_ev)
		event_free(m->stop_ev);
	if (m->wake_ev)
		event_free(m->wake_ev);
	if (m->start_ev)
		event_free(m->start_ev);
	while (m->orphan_list != NULL) {
		struct conn *c = m->orphan_list;

		m->orphan_list = c->onext;
		conn_free(c);
	}
	sessenv_unref(m->env);
	tpolicy_env_free(&m->penv);
	free(m->p_ns);
	free(m->p_ta);
	free(m->p_ca);
	appldata_log_close(m->alog);
	config_free(m->cfg);
	mailbox_free(m->mb);
	free(m);
}
