/* agent/schedule/recorder.c: see recorder.h. */
#include "buildconf.h"
#include "recorder.h"
#include "alertcmd.h"
#include "appldata_log.h"
#include "appltype.h"
#include "bstore.h"
#include "config.h"
#include "downgrade.h"
#include "log.h"
#include "outbox.h"
#include "policy.h"
#include "publisher.h"
#include "util.h"
#include "verdict.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static void
touch(struct recorder *rec, struct rec_target *rt)
{
	rt->row->last_change = time(NULL);
	registry_touch(rec->reg, rt->row);
	publisher_in(rec->pub, PUBLISH_MS);
}

/* Classification bytes of an appldata record: type, method, level, cipher. */
static void
cls_of(const char *rec, char out[12])
{
	memcpy(out, rec + 18, 11);
	out[11] = '\0';
}

/* rt as agent/tlswatch names it. */
static void
tw_target_of(const struct rec_target *rt, struct tw_target *id)
{
	id->key = rt->key;
	id->index = rt->row->index;
	id->name = rt->row->name;
	id->addr = rt->addr;
	id->addr_len = rt->addr_len;
	id->port = rt->row->port;
}

void
recorder_event(const struct recorder *rec, const struct rec_target *rt, int kind)
{
	struct monitor_event ev;
	struct tw_target id;

	if (rec->event_fn == NULL)
		return;
	tw_target_of(rt, &id);
	tlswatch_event_of(&id, kind, &ev);
	if (kind == MONITOR_EV_DOWN)
		str_copy(ev.last_reply, rt->row->last_reply, sizeof ev.last_reply);
	rec->event_fn(&ev, rec->event_arg);
}

void
recorder_alert_dest(void *arg, struct outbox_dest *d)
{
	struct recorder *rec = arg;

	d->hook = rec->event_fn;
	d->hook_arg = rec->event_arg;
	d->argv = (*rec->cfg)->alert_argv;
	if (d->argv != NULL)
		d->ac = recorder_alertcmd(rec);
}

void
recorder_announce(const struct recorder *rec, const struct monitor_event *ev)
{
	if (rec->event_fn != NULL)
		rec->event_fn(ev, rec->event_arg);
}

struct alertcmd *
recorder_alertcmd(struct recorder *rec)
{
	if (rec->ac == NULL)
		rec->ac = alertcmd_start(ALERTCMD_TIMEOUT_S);
	return rec->ac;
}

/* After a classification: announce a certificate near or past its end,
 * once per certificate (by notAfter) and once more when it has expired. */
static void
check_cert(struct recorder *rec, struct rec_target *rt, const struct verdict *v)
{
	struct monitor_event ev;
	struct tw_target id;

	tw_target_of(rt, &id);
	if (tlswatch_cert(&id, &rt->cert, v->tls.subject,
	    v->tls_done && v->cert_seen ? v->tls.not_after : 0, time(NULL), &ev) &&
	    rec->event_fn != NULL)
		rec->event_fn(&ev, rec->event_arg);
}

/* ---- TLS baselines and downgrade alerts ---- */

static void
baseline_to_row(struct rec_target *rt)
{
	downgrade_view(rt->bl, &rt->row->dg);
}

void
recorder_target_init(struct recorder *rec, struct rec_target *rt, struct reg_row *row,
    const char *key, const struct sockaddr_storage *addr, socklen_t addr_len,
    const struct policy *pol)
{
	memset(rt, 0, sizeof(*rt));
	rt->row = row;
	rt->key = key;
	rt->addr = addr;
	rt->addr_len = addr_len;
	rt->tls_attempted = pol->secure || pol->auth_user != NULL;
	rt->min_tls = pol->min_tls;
	rt->bl = bstore_hold(rec->bs, key);
	baseline_to_row(rt);
}

void
recorder_target_end(struct recorder *rec, struct rec_target *rt)
{
	bstore_release(rec->bs, rt->key);
}

/* Compare what a classification saw with the target's baseline; log,
 * persist and (after the write) announce what changed. */
static void
observe(struct recorder *rec, struct rec_target *rt, const struct verdict *v)
{
	struct posture p = v->posture;
	struct tw_result out;
	struct tw_target id;
	time_t now = time(NULL);

	tw_target_of(rt, &id);
	tlswatch_observe(&id, rt->bl, &p, rt->min_tls, v->tls.subject, v->tls.not_after, now,
	    &out);
	for (int e = 0; e < DG_N_EVENTS; e++)
		rt->row->dg_raised[e] += (out.raised >> e) & 1u;
	if (out.baseline_changed) {
		outbox_changed(rec->ob);
		baseline_to_row(rt);
		touch(rec, rt);
	} else if (out.raised) {
		touch(rec, rt);
	}
	for (size_t i = 0; i < out.n_alerts; i++)
		outbox_alert(rec->ob, &out.alerts[i]);
}

void
recorder_policy(struct recorder *rec, struct rec_target *rt, const struct policy_view *v,
    const struct tpolicy_event *ev, size_t nev)
{
	struct reg_row *row = rt->row;
	struct monitor_event mev;
	struct tw_target id;

	registry_set_policy(rec->reg, row, v);
	touch(rec, rt);
	tw_target_of(rt, &id);
	for (size_t i = 0; i < nev; i++) {
		if (ev[i].recovered)
			log_info("SMD1881I TLS policy failure cleared: target=%s%s%s event=%s dane=%s "
			    "mta_sts=%s", rt->key, row->name[0] ? " name=" : "", row->name, ev[i].name,
			    v->dane_name ? v->dane_name : "-", v->sts_name ? v->sts_name : "-");
		else
			log_warnx("SMD1880W TLS policy failure: target=%s%s%s event=%s dane=%s "
			    "mta_sts=%s detail=\"%s\"", rt->key, row->name[0] ? " name=" : "",
			    row->name, ev[i].name, v->dane_name ? v->dane_name : "-",
			    v->sts_name ? v->sts_name : "-", ev[i].detail);
		tlswatch_event_of(&id, ev[i].recovered ? MONITOR_EV_TLS_RECOVERED :
		    MONITOR_EV_TLS_DOWNGRADE, &mev);
		str_copy(mev.tls_event, ev[i].name, sizeof mev.tls_event);
		str_copy(mev.detail, ev[i].detail, sizeof mev.detail);
		if (row->classified && row->v->tls_done) {
			mev.old_tls = mev.new_tls = (uint16_t)row->v->tls.version;
			mev.old_cipher = mev.new_cipher = row->v->tls.cipher_id;
		} else {
			mev.old_cipher = mev.new_cipher = -1;
		}
		mev.when = time(NULL);
		tlswatch_event_names(&mev);
		outbox_alert(rec->ob, &mev);
	}
}

void
recorder_reset(struct recorder *rec, struct rec_target *rt, time_t now)
{
	struct tw_target id;
	struct posture p;

	tw_target_of(rt, &id);
	if (rt->row->classified) {
		verdict_posture(rt->row->v, rt->tls_attempted, now, &p);
		tlswatch_reset(&id, rt->bl, &p, now);
	} else {
		tlswatch_reset(&id, rt->bl, NULL, now);
	}
	baseline_to_row(rt);
	touch(rec, rt);
}

/* The verdict of r under rt's policy. */
static void
judge(const struct recorder *rec, const struct rec_target *rt, const struct smtp_result *r,
    time_t now, struct verdict *v)
{
	struct verdict_policy vp = {
		.tls_attempted = rt->tls_attempted,
		.component = APPLDATA_MONITOR,
		.writer = (*rec->cfg)->writer,
	};

	verdict_of(r, &vp, now, v);
}

static void
log_available(const struct rec_target *rt, const struct verdict *v, const char *verb)
{
	log_info("SMD1817I target %s: target=%s%s%s type=%s security=%s tls=%s cipher=%s%s%s",
	    verb, rt->key, rt->row->name[0] ? " name=" : "", rt->row->name,
	    v->type_name != NULL ? v->type_name : "unknown",
	    v->method_name,
	    v->tls_done ? v->tls_name : "none",
	    v->tls_done ? v->tls.cipher : "none",
	    v->tls_done && v->tls.verify_code != 0 ? " verify=" : "",
	    v->tls_done && v->tls.verify_code != 0 ? v->tls.verify_text : "");
}

void
recorder_available(const struct rec_target *rt)
{
	log_available(rt, rt->row->v, "available");
}

/* A connection finished its classification: record it. */
void
recorder_classified(struct recorder *rec, struct rec_target *rt, enum reg_role role,
    const struct smtp_result *r)
{
	struct reg_row *row = rt->row;
	struct reg_conn *rc = &row->conns[role];
	struct verdict v;
	char cls[12];

	row->classified_at = time(NULL);
	judge(rec, rt, r, row->classified_at, &v);
	registry_set_verdict(rec->reg, row, &v);
	row->classified = true;
	rc->role = role;
	rc->open = true;
	rc->since = row->classified_at;
	str_copy(rc->local, row->v->local, sizeof rc->local);
	str_copy(rc->remote, rt->key, sizeof rc->remote);
	memcpy(rc->appldata, row->v->appldata, sizeof rc->appldata);
	appldata_log_write(*rec->alog, rc->local, rc->remote, reg_role_name(role), rc->appldata);

	cls_of(rc->appldata, cls);
	if (rt->cls[0] != '\0' && strcmp(cls, rt->cls) != 0)
		log_info("SMD1819I target changed: target=%s old=\"%s\" new=\"%s\" role=%s", rt->key,
		    rt->cls, cls, reg_role_name(role));
	str_copy(rt->cls, cls, sizeof rt->cls);
	touch(rec, rt);
	check_cert(rec, rt, row->v);
	observe(rec, rt, row->v);
}

/* A failure that still tells about TLS (STARTTLS not offered while Secure
 * Yes or AuthEntity wanted it, or refused) goes to the baseline too. */
static void
observe_failure(struct recorder *rec, struct rec_target *rt, const struct smtp_result *r)
{
	struct verdict v;

	if ((r->fail != SMTP_F_NO_STARTTLS && r->fail != SMTP_F_STARTTLS) ||
	    r->server_type == APPL_TYPE_UNKNOWN)
		return;
	judge(rec, rt, r, time(NULL), &v);
	observe(rec, rt, &v);
}

void
recorder_failure_facts(struct rec_target *rt, const struct smtp_result *r)
{
	struct reg_row *row = rt->row;

	reg_row_set_text(&row->fail_reason, r->reason ? r->reason : smtp_fail_name(r->fail),
	    REG_TEXT_MAX);
	reg_row_set_text(&row->last_reply, r->last_reply, REG_REPLY_MAX);
	str_copy(row->fail_kind, smtp_fail_name(r->fail), sizeof row->fail_kind);
	row->last_reply_code = r->reply_code;
}

void
recorder_failure(struct recorder *rec, struct rec_target *rt, const struct smtp_result *r)
{
	recorder_failure_facts(rt, r);
	observe_failure(rec, rt, r);
}

void
recorder_unavailable(struct recorder *rec, struct rec_target *rt, const struct smtp_result *r,
    bool announce, uint32_t retry_ms)
{
	struct reg_row *row = rt->row;

	row->connect_failures++;
	row->fail = r->fail;
	row->fail_state = r->fail_state;
	recorder_failure(rec, rt, r);
	if (announce)
		log_errx("SMD1818E target unavailable: target=%s%s%s reason=\"%s\" reply=\"%s\" "
		    "retry=%ums", rt->key, row->name[0] ? " name=" : "", row->name,
		    row->fail_reason, row->last_reply, retry_ms);
	else
		log_debug("target=%s still unavailable: %s; retry in %u ms", rt->key,
		    row->fail_reason, retry_ms);
}

bool
recorder_reprobe_closed(struct recorder *rec, struct rec_target *rt, const struct smtp_result *r)
{
	struct reg_row *row = rt->row;

	if (r->fail == SMTP_F_NONE)
		return false;
	row->reprobe_failures++;
	recorder_failure(rec, rt, r);
	log_warnx("SMD1824W reprobe failed: target=%s reason=\"%s\" reply=\"%s\"", rt->key,
	    row->fail_reason, row->last_reply);
	return true;
}

void
recorder_closed(struct rec_target *rt, enum mlimit_end k, const struct smtp_result *r,
    uint64_t idle_us, uint64_t retry_ms)
{
	struct reg_row *row = rt->row;

	if (k == MLIMIT_END_LOST) {
		if (r->fail_state == SMTP_S_NOOP)
			row->noop_failures++;   /* no answer in time to a NOOP */
		recorder_failure_facts(rt, r);
		log_warnx("SMD1828W monitor connection lost: target=%s reason=\"%s\" reply=\"%s\" "
		    "noops=%u; reconnecting in %llu ms", rt->key, row->fail_reason, row->last_reply,
		    r->noops, (unsigned long long)retry_ms);
	} else {
		struct reg_close *lc = &row->last_close;

		row->server_closes++;
		str_copy(lc->reply, r->last_reply ? r->last_reply : "", sizeof lc->reply);
		lc->kind = (int)k;
		lc->idle_ms = idle_us / 1000u;
		lc->noops = r->noops;
		lc->at = time(NULL);
		log_info("SMD1826I server closed the monitor connection: target=%s kind=%s "
		    "reply=\"%s\" idle=%.1fs noops=%u reason=\"%s\"; reconnecting in %llu ms",
		    rt->key, mlimit_end_name(k), lc->reply, (double)idle_us / 1e6, r->noops,
		    r->reason ? r->reason : "", (unsigned long long)retry_ms);
	}
}

void
recorder_limits(struct recorder *rec, struct rec_target *rt, const struct keeper *kp, bool news)
{
	const struct config *cfg = *rec->cfg;
	struct reg_row *row = rt->row;
	char idle[32] = "none";
	struct keeper_view v;

	keeper_view(kp, cfg->noop_interval_ms, cfg->noop_budget, &v);
	if (news) {
		if (v.learned_idle_ms != 0)
			snprintf(idle, sizeof idle, "%.1fs", (double)v.learned_idle_ms / 1e3);
		log_info("SMD1829I server limits learned: target=%s idle_limit=%s "
		    "noop_interval=%.1fs noop_budget=%u", rt->key, idle,
		    (double)v.noop_interval_ms / 1e3, v.noop_budget);
	}
	row->learned_idle_ms = v.learned_idle_ms;
	row->learned_budget = v.learned_budget;
	row->noop_budget = v.noop_budget;
	row->noop_interval_ms = v.noop_interval_ms;
	registry_touch(rec->reg, row);
}

void
recorder_throttled(struct recorder *rec, struct rec_target *rt, const struct keeper *kp,
    const struct smtp_result *r, uint64_t usual_us)
{
	rt->row->throttles++;
	recorder_limits(rec, rt, kp, false);
	log_info("SMD1827I NOOP reply throttled: target=%s rtt=%.1fms usual=%.1fms "
	    "noops=%u; recycling, noop_budget=%u", rt->key, (double)r->noop_rtt / 1e3,
	    (double)usual_us / 1e3, r->noops, rt->row->noop_budget);
}
