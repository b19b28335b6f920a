/* agent/schedule/recorder.c: see recorder.h. */
#include "buildconf.h"
#include "recorder.h"
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
recorder_reset(struct recorder *rec, struct rec_target *rt, time_t now)
{
	struct tw_target id;
	struct posture p;

	tw_target_of(rt, &id);
	if (rt->row->classified) {
		verdict_posture(&rt->row->v, rt->tls_attempted, now, &p);
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
	log_available(rt, &rt->row->v, "available");
}

/* A connection finished its classification: record it. */
void
recorder_classified(struct recorder *rec, struct rec_target *rt, enum reg_role role,
    const struct smtp_result *r)
{
	struct reg_row *row = rt->row;
	struct reg_conn *rc = &row->conns[role];
	char cls[12];

	row->classified_at = time(NULL);
	judge(rec, rt, r, row->classified_at, &row->v);
	row->v.reply[0] = row->v.reason[0] = '\0';   /* the row keeps the failure's */
	row->classified = true;
	rc->role = role;
	rc->open = true;
	rc->since = row->classified_at;
	str_copy(rc->local, row->v.local, sizeof rc->local);
	str_copy(rc->remote, rt->key, sizeof rc->remote);
	memcpy(rc->appldata, row->v.appldata, sizeof rc->appldata);
	appldata_log_write(*rec->alog, rc->local, rc->remote, reg_role_name(role), rc->appldata);

	cls_of(rc->appldata, cls);
	if (rt->cls[0] != '\0' && strcmp(cls, rt->cls) != 0)
		log_info("SMD1819I target changed: target=%s old=\"%s\" new=\"%s\" role=%s", rt->key,
		    rt->cls, cls, reg_role_name(role));
	str_copy(rt->cls, cls, sizeof rt->cls);
	touch(rec, rt);
	check_cert(rec, rt, &row->v);
	observe(rec, rt, &row->v);
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

	str_copy(row->fail_reason, r->reason ? r->reason : smtp_fail_name(r->fail),
	    sizeof row->fail_reason);
	str_copy(row->last_reply, r->last_reply ? r->last_reply : "", sizeof row->last_reply);
	str_copy(row->fail_kind, smtp_fail_name(r->fail), sizeof row->fail_kind);
	row->last_reply_code = r->reply_code;
}

void
recorder_failure(struct recorder *rec, struct rec_target *rt, const struct smtp_result *r)
{
	recorder_failure_facts(rt, r);
	observe_failure(rec, rt, r);
}
