/* Tests for agent/recorder without a running loop: a classification
 * written into the target's row (the verdict, the connection's facts, the
 * TLS baseline) and its classification bytes kept; a certificate near its
 * end announced at once; the failure facts, and a failure that still tells
 * about TLS going to the baseline (its downgrade alert announced after the
 * write); up/down events to the hook; a baseline reset; the ends of
 * connections and the limits in force in the row; where alerts go. */
#include "buildconf.h"
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/x509.h>
#include <cmocka.h>

#include <event2/event.h>

#include "appldata.h"
#include "bstore.h"
#include "config.h"
#include "downgrade.h"
#include "mevent.h"
#include "outbox.h"
#include "policy.h"
#include "publisher.h"
#include "recorder.h"
#include "registry.h"
#include "util.h"

#define KEY "192.0.2.7:25"
#define MAX_SEEN 8
#define DAY 86400

/* what the hook saw (the monitor thread's events, the writer's alerts) */
static struct {
	pthread_mutex_t lock;
	int n;
	struct monitor_event ev[MAX_SEEN];
} seen = { PTHREAD_MUTEX_INITIALIZER, 0, { { 0 } } };

static void
hook(const struct monitor_event *ev, void *arg)
{
	(void)arg;
	pthread_mutex_lock(&seen.lock);
	if (seen.n < MAX_SEEN)
		seen.ev[seen.n] = *ev;
	seen.n++;
	pthread_mutex_unlock(&seen.lock);
}

static int
n_seen(void)
{
	int n;

	pthread_mutex_lock(&seen.lock);
	n = seen.n;
	pthread_mutex_unlock(&seen.lock);
	return n;
}

static void
dest(void *arg, struct outbox_dest *d)
{
	(void)arg;
	d->hook = hook;
	d->hook_arg = NULL;
}

static void
totals(void *arg, struct publish_totals *out)
{
	(void)arg;
	memset(out, 0, sizeof(*out));
}

struct fixture {
	struct event_base *base;
	struct registry *reg;
	struct publisher *pub;
	struct bstore *bs;
	struct outbox *ob;
	struct appldata_log *alog;      /* none */
	struct config *cfg;
	struct recorder rec;
	struct sockaddr_storage ss;
	struct reg_row *row;
	struct rec_target rt;
	struct policy pol;
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	struct sockaddr_in *sin = (struct sockaddr_in *)&f->ss;
	char err[256];

	f->base = event_base_new();
	f->reg = registry_new();
	f->pub = publisher_new(f->base, f->reg, totals, NULL);
	f->bs = bstore_open(NULL, err, sizeof err);
	assert_non_null(f->bs);
	f->ob = outbox_new(f->base, f->bs, dest, NULL, err, sizeof err);
	assert_non_null(f->ob);
	f->cfg = xcalloc(1, sizeof(*f->cfg));
	str_copy(f->cfg->writer, "SMTPMON", sizeof f->cfg->writer);
	f->rec = (struct recorder){ .reg = f->reg, .pub = f->pub, .bs = f->bs, .ob = f->ob,
	    .alog = &f->alog, .cfg = &f->cfg, .event_fn = hook };
	sin->sin_family = AF_INET;
	sin->sin_port = htons(25);
	inet_pton(AF_INET, "192.0.2.7", &sin->sin_addr);
	f->row = registry_add(f->reg);
	str_copy(f->row->target, KEY, sizeof f->row->target);
	f->row->port = 25;
	f->pol.secure = true;
	recorder_target_init(&f->rec, &f->rt, f->row, KEY, &f->ss, sizeof(struct sockaddr_in),
	    &f->pol);
	seen.n = 0;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	recorder_target_end(&f->rec, &f->rt);
	outbox_free(f->ob);
	bstore_free(f->bs);
	publisher_free(f->pub);
	registry_free(f->reg);
	event_base_free(f->base);
	free(f->cfg);
	free(f);
	return 0;
}

/* ESMTP with TLS 1.3, its certificate ending in two days. */
static void
esmtp_tls13(struct smtp_result *r)
{
	memset(r, 0, sizeof(*r));
	r->server_type = APPL_TYPE_ESMTP;
	r->security = APPL_SEC_TLS;
	r->ehlo_seen = true;
	r->starttls_offered = true;
	r->caps_pre.nlines = 4;
	r->caps_tls.nlines = 5;
	r->tls_done = true;
	r->tls.version = 0x0304;
	strcpy(r->tls.version_name, "TLSv1.3");
	r->tls.cipher_id = 0x1302;
	strcpy(r->tls.cipher, "TLS_AES_256_GCM_SHA384");
	r->tls.have_cert = true;
	r->tls.not_before = time(NULL) - DAY;
	r->tls.not_after = time(NULL) + 2 * DAY;
	r->tls.verify_code = X509_V_OK;
	r->tls.host_match = 1;
	r->tls.spki_sha256[0] = 7;
}

static void
test_classified(void **state)
{
	struct fixture *f = *state;
	struct smtp_result r;
	struct reg_conn *rc = &f->row->conns[REG_ROLE_REPROBE];
	char cls[12];

	esmtp_tls13(&r);
	r.reason = "ignored";
	recorder_classified(&f->rec, &f->rt, REG_ROLE_REPROBE, &r);
	assert_true(f->row->classified);
	assert_true(f->row->classified_at != 0);
	assert_int_equal(f->row->last_change, f->row->classified_at);
	assert_string_equal(f->row->v->type_name, "ESMTP");
	assert_string_equal(f->row->v->tls_name, "TLSv1.3");
	assert_string_not_equal(f->row->fail_reason, "ignored");   /* the row keeps the failure's */
	assert_true(rc->open);
	assert_int_equal(rc->role, REG_ROLE_REPROBE);
	assert_string_equal(rc->remote, KEY);
	assert_string_equal(rc->appldata, f->row->v->appldata);
	assert_false(f->row->conns[REG_ROLE_MONITOR].open);
	/* the classification bytes kept, the baseline recorded and shown */
	memcpy(cls, rc->appldata + 18, 11);
	cls[11] = '\0';
	assert_string_equal(f->rt.cls, cls);
	assert_true(f->row->dg.set);
	assert_int_equal(f->row->dg.best.tls_version, 0x0304);
	/* the certificate near its end: announced at once, once */
	assert_int_equal(n_seen(), 1);
	assert_int_equal(seen.ev[0].kind, MONITOR_EV_CERT_EXPIRING);
	assert_string_equal(seen.ev[0].target, KEY);
	assert_int_equal(seen.ev[0].index, f->row->index);
	recorder_classified(&f->rec, &f->rt, REG_ROLE_MONITOR, &r);
	assert_true(f->row->conns[REG_ROLE_MONITOR].open);
	outbox_sync(f->ob);
	assert_int_equal(n_seen(), 1);

	/* a weaker suite changes the classification bytes */
	r.tls.cipher_id = 0x1301;
	strcpy(r.tls.cipher, "TLS_AES_128_GCM_SHA256");
	recorder_classified(&f->rec, &f->rt, REG_ROLE_MONITOR, &r);
	assert_string_not_equal(f->rt.cls, cls);
	assert_memory_equal(f->rt.cls, f->row->conns[REG_ROLE_MONITOR].appldata + 18, 11);
}

static void
test_failure(void **state)
{
	struct fixture *f = *state;
	struct smtp_result r;

	esmtp_tls13(&r);
	r.tls.not_after = time(NULL) + 400 * DAY;   /* no certificate warning */
	recorder_classified(&f->rec, &f->rt, REG_ROLE_MONITOR, &r);
	outbox_sync(f->ob);
	assert_int_equal(n_seen(), 0);

	/* facts only: the row's, not the baseline's */
	memset(&r, 0, sizeof r);
	r.server_type = APPL_TYPE_ESMTP;
	r.ehlo_seen = true;
	r.fail = SMTP_F_NO_STARTTLS;
	r.last_reply = "250 mx.example";
	r.reply_code = 250;
	recorder_failure_facts(&f->rt, &r);
	assert_string_equal(f->row->fail_reason, smtp_fail_name(SMTP_F_NO_STARTTLS));
	assert_string_equal(f->row->fail_kind, smtp_fail_name(SMTP_F_NO_STARTTLS));
	assert_string_equal(f->row->last_reply, "250 mx.example");
	assert_int_equal(f->row->last_reply_code, 250);
	assert_int_equal(f->row->dg.active, 0);

	/* a failure that still classifies goes to the baseline: STARTTLS gone */
	r.reason = "STARTTLS not offered";
	recorder_failure(&f->rec, &f->rt, &r);
	assert_string_equal(f->row->fail_reason, "STARTTLS not offered");
	assert_true(f->row->dg.active & (1u << DG_STARTTLS_NOT_SUPPORTED));
	for (int e = 0; e < DG_N_EVENTS; e++)      /* counted for /metrics */
		assert_int_equal(f->row->dg_raised[e], e == DG_STARTTLS_NOT_SUPPORTED);
	outbox_sync(f->ob);
	assert_int_equal(n_seen(), 1);
	assert_int_equal(seen.ev[0].kind, MONITOR_EV_TLS_DOWNGRADE);
	assert_string_equal(seen.ev[0].target, KEY);

	/* a failure that tells nothing about TLS does not */
	r.fail = SMTP_F_CONNECT;
	r.server_type = APPL_TYPE_UNKNOWN;
	recorder_failure(&f->rec, &f->rt, &r);
	outbox_sync(f->ob);
	assert_int_equal(n_seen(), 1);

	/* a reset accepts the classification's posture: no event active */
	recorder_reset(&f->rec, &f->rt, time(NULL));
	assert_true(f->row->dg.set);
	assert_int_equal(f->row->dg.active, 0);
	assert_int_equal(f->row->dg.best.tls_version, 0x0304);
}

static void
test_events(void **state)
{
	struct fixture *f = *state;

	reg_row_set_text(&f->row->last_reply, "421 busy", REG_REPLY_MAX);
	recorder_event(&f->rec, &f->rt, MONITOR_EV_DOWN);
	recorder_event(&f->rec, &f->rt, MONITOR_EV_UP);
	assert_int_equal(n_seen(), 2);
	assert_int_equal(seen.ev[0].kind, MONITOR_EV_DOWN);
	assert_string_equal(seen.ev[0].last_reply, "421 busy");
	assert_int_equal(seen.ev[0].port, 25);
	assert_int_equal(((const struct sockaddr_in *)&seen.ev[0].addr)->sin_family, AF_INET);
	assert_int_equal(seen.ev[1].kind, MONITOR_EV_UP);
	assert_string_equal(seen.ev[1].last_reply, "");
	f->rec.event_fn = NULL;
	recorder_event(&f->rec, &f->rt, MONITOR_EV_DOWN);
	assert_int_equal(n_seen(), 2);
}

/* The ends of connections in the row: a server close, a lost connection,
 * a failed fresh one, a reprobe; the limits in force; where alerts go. */
static void
test_ends_and_limits(void **state)
{
	struct fixture *f = *state;
	struct smtp_result r;
	struct keeper kp;
	struct outbox_dest d;

	memset(&r, 0, sizeof(r));
	r.noops = 3;
	r.last_reply = "421 4.4.2 idle too long";
	recorder_closed(&f->rt, MLIMIT_END_IDLE, &r, 30500000, 0);
	assert_int_equal(f->row->server_closes, 1);
	assert_int_equal(f->row->last_close.kind, MLIMIT_END_IDLE);
	assert_int_equal(f->row->last_close.idle_ms, 30500);
	assert_int_equal(f->row->last_close.noops, 3);
	assert_string_equal(f->row->last_close.reply, "421 4.4.2 idle too long");

	r.fail = SMTP_F_TIMEOUT;
	r.fail_state = SMTP_S_NOOP;
	r.last_reply = NULL;
	recorder_closed(&f->rt, MLIMIT_END_LOST, &r, 1000, 0);
	assert_int_equal(f->row->noop_failures, 1);
	assert_int_equal(f->row->server_closes, 1);
	assert_string_equal(f->row->fail_kind, smtp_fail_name(SMTP_F_TIMEOUT));

	r.fail = SMTP_F_CONNECT;
	r.fail_state = SMTP_S_CONNECT;
	recorder_unavailable(&f->rec, &f->rt, &r, true, 1000);
	assert_int_equal(f->row->connect_failures, 1);
	assert_int_equal(f->row->fail, SMTP_F_CONNECT);
	assert_int_equal(f->row->fail_state, SMTP_S_CONNECT);

	assert_true(recorder_reprobe_closed(&f->rec, &f->rt, &r));
	r.fail = SMTP_F_NONE;
	assert_false(recorder_reprobe_closed(&f->rec, &f->rt, &r));
	assert_int_equal(f->row->reprobe_failures, 1);

	memset(&kp, 0, sizeof(kp));
	f->cfg->noop_interval_ms = 60000;
	f->cfg->noop_budget = 8;
	recorder_limits(&f->rec, &f->rt, &kp, false);
	assert_int_equal(f->row->noop_interval_ms, 60000);
	assert_int_equal(f->row->noop_budget, 8);
	assert_int_equal(f->row->learned_idle_ms, 0);

	memset(&d, 0, sizeof(d));
	recorder_alert_dest(&f->rec, &d);   /* no AlertCommand: no runner */
	assert_ptr_equal(d.hook, hook);
	assert_null(d.argv);
	assert_null(d.ac);
	assert_null(f->rec.ac);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_classified, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ends_and_limits, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
