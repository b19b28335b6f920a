/* Unit tests for agent/pintake (the passive probe's intake) with a fake
 * owner: one batch of PINTAKE_BATCH per drain and a wake-up for the rest;
 * the first figures published at once, later ones slowly; a full mailbox
 * drops and counts; the owner's hint makes an alert, which goes to the
 * event hook and AlertCommand and is counted in the figures; stopping
 * releases a poster waiting for room. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#include <cmocka.h>

#include "alertcmd.h"
#include "config.h"
#include "pintake.h"
#include "registry.h"
#include "util.h"

#define T0 1764489600ull     /* 2025-11-30 */

struct fake {
	int wakes, soon, slow, events, hints, alertcmds;
	struct pserver_hint hint;       /* for hint_server */
	char hint_server[64];
	struct monitor_event ev;        /* the last one */
	struct alertcmd *ac;
};

static void
f_wake(void *arg)
{
	((struct fake *)arg)->wakes++;
}

static struct pserver_hint
f_hint(void *arg, const char *server)
{
	struct fake *f = arg;
	struct pserver_hint none = { 0 };

	f->hints++;
	return strcmp(server, f->hint_server) == 0 ? f->hint : none;
}

static void
f_publish(void *arg, bool soon)
{
	struct fake *f = arg;

	if (soon)
		f->soon++;
	else
		f->slow++;
}

static void
f_event(void *arg, const struct monitor_event *ev)
{
	struct fake *f = arg;

	f->events++;
	f->ev = *ev;
}

static struct alertcmd *
f_alertcmd(void *arg)
{
	struct fake *f = arg;

	f->alertcmds++;
	if (f->ac == NULL)
		f->ac = alertcmd_start(5);
	return f->ac;
}

struct rig {
	struct fake f;
	struct registry *reg;
	struct pintake *pi;
	struct config cfg;
};

static void
rig_init(struct rig *r)
{
	struct pintake_owner own = {
		.arg = &r->f, .wake = f_wake, .hint = f_hint, .publish = f_publish,
		.event = f_event, .alertcmd = f_alertcmd,
	};

	memset(r, 0, sizeof *r);
	r->reg = registry_new();
	r->pi = pintake_new(r->reg, &own);
	str_copy(r->cfg.writer, "SMTPMON", sizeof r->cfg.writer);
}

static void
rig_free(struct rig *r)
{
	pintake_free(r->pi);
	registry_free(r->reg);
	alertcmd_stop(r->f.ac);
}

static void
drain(struct rig *r)
{
	pintake_drain(r->pi, &r->cfg, NULL);
}

/* the published rows and figures */
static size_t
rows(struct rig *r, struct reg_passive *p)
{
	struct reg_snapshot *s;
	size_t n;

	registry_publish(r->reg);
	s = registry_acquire(r->reg);
	n = s->n_prows;
	if (p != NULL)
		*p = s->passive;
	registry_release(s);
	return n;
}

/* ESMTP, EHLO reply without STARTTLS, MAIL in plaintext. */
static struct passive_session
plain_sess(const char *server, uint16_t port)
{
	struct passive_session s;

	memset(&s, 0, sizeof s);
	s.family = AF_INET;
	inet_pton(AF_INET, server, s.server);
	inet_pton(AF_INET, "192.0.2.7", s.client);
	s.server_port = port;
	s.client_port = 40000;
	snprintf(s.server_text, sizeof s.server_text, "%s:%u", server, (unsigned)port);
	snprintf(s.client_text, sizeof s.client_text, "192.0.2.7:40000");
	s.start_us = T0 * 1000000u;
	s.final_us = T0 * 1000000u + 500000u;
	s.facts.cipher_id = -1;
	s.facts.banner_code = 220;
	s.facts.ehlo_sent = true;
	s.facts.ehlo_code = 250;
	s.facts.have_caps = true;
	s.facts.mail_plaintext = true;
	s.server_type = 'E';
	s.security = 'B';
	return s;
}

static void
test_one_batch_per_drain(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r);
	for (unsigned i = 0; i < 600; i++) {
		struct passive_session s = plain_sess("198.51.100.1", (uint16_t)(1000 + i));

		pintake_post(r.pi, &s, false, NULL);
	}
	assert_int_equal(r.f.wakes, 1);      /* the first into an empty mailbox */
	drain(&r);
	assert_int_equal(rows(&r, NULL), PINTAKE_BATCH);
	assert_int_equal(r.f.wakes, 2);      /* more wait: come back at once */
	drain(&r);
	assert_int_equal(rows(&r, NULL), 2 * PINTAKE_BATCH);
	assert_int_equal(r.f.wakes, 3);
	drain(&r);
	assert_int_equal(rows(&r, NULL), 600);
	assert_int_equal(r.f.wakes, 3);      /* all taken */
	assert_int_equal(r.f.hints, 600);
	assert_int_equal(r.f.slow, 600);     /* rows without alerts: slowly */
	assert_int_equal(r.f.soon, 0);
	assert_int_equal(r.f.events, 0);
	rig_free(&r);
}

static void
test_first_figures_at_once(void **state)
{
	struct rig r;
	struct reg_passive p, got;

	(void)state;
	rig_init(&r);
	memset(&p, 0, sizeof p);
	p.enabled = true;
	p.packets = 10;
	drain(&r);                           /* nothing posted: nothing published */
	assert_int_equal(r.f.soon + r.f.slow, 0);
	pintake_post_stats(r.pi, &p);
	assert_int_equal(r.f.wakes, 1);
	drain(&r);
	assert_int_equal(r.f.soon, 1);
	rows(&r, &got);
	assert_true(got.enabled);
	assert_int_equal(got.packets, 10);
	p.packets = 20;
	pintake_post_stats(r.pi, &p);
	drain(&r);
	assert_int_equal(r.f.soon, 1);
	assert_int_equal(r.f.slow, 1);       /* counters alone: slowly */
	rows(&r, &got);
	assert_int_equal(got.packets, 20);
	drain(&r);
	assert_int_equal(r.f.soon + r.f.slow, 2);
	rig_free(&r);
}

static void
test_full_mailbox_drops(void **state)
{
	struct rig r;
	struct reg_passive p, got;
	struct passive_session s = plain_sess("198.51.100.2", 25);

	(void)state;
	rig_init(&r);
	memset(&p, 0, sizeof p);
	p.enabled = true;
	for (unsigned i = 0; i < PINTAKE_QUEUE + 5; i++)
		pintake_post(r.pi, &s, false, i == 0 ? &p : NULL);
	for (int i = 0; i < PINTAKE_QUEUE / PINTAKE_BATCH; i++)
		drain(&r);
	rows(&r, &got);
	assert_int_equal(got.sessions_dropped, 5);
	assert_int_equal(got.servers_dropped, 0);
	rig_free(&r);
}

static void
test_hint_makes_alert(void **state)
{
	struct rig r;
	struct reg_passive p, got;
	struct passive_session s = plain_sess("198.51.100.9", 25);
	char *argv[] = { "/bin/true", NULL };

	(void)state;
	rig_init(&r);
	r.cfg.alert_argv = argv;
	str_copy(r.f.hint_server, "198.51.100.9:25", sizeof r.f.hint_server);
	r.f.hint.starttls = true;            /* the active probe saw STARTTLS */
	memset(&p, 0, sizeof p);
	p.enabled = true;
	pintake_post(r.pi, &s, false, &p);
	drain(&r);
	assert_int_equal(r.f.events, 1);
	assert_int_equal(r.f.ev.kind, MONITOR_EV_PASSIVE);
	assert_string_equal(r.f.ev.tls_event, "starttls-stripped");
	assert_string_equal(r.f.ev.target, "198.51.100.9:25");
	assert_string_equal(r.f.ev.client, "192.0.2.7:40000");
	assert_int_equal(r.f.ev.port, 25);
	assert_int_equal(r.f.ev.index, 1);
	assert_int_equal(r.f.alertcmds, 1);
	assert_int_equal(r.f.soon, 2);       /* the alerting row, the first figures */
	rows(&r, &got);
	assert_int_equal(got.alerts, 1);
	/* without AlertCommand: the event hook alone */
	r.cfg.alert_argv = NULL;
	s = plain_sess("198.51.100.10", 25);
	str_copy(r.f.hint_server, "198.51.100.10:25", sizeof r.f.hint_server);
	pintake_post(r.pi, &s, false, NULL);
	drain(&r);
	assert_int_equal(r.f.events, 2);
	assert_int_equal(r.f.alertcmds, 1);
	rows(&r, &got);
	assert_int_equal(got.alerts, 2);     /* published without new figures */
	rig_free(&r);
}

struct poster {
	struct pintake *pi;
	struct passive_session s;
	atomic_bool done;
};

static void *
post_waiting(void *arg)
{
	struct poster *p = arg;

	pintake_post(p->pi, &p->s, true, NULL);
	p->done = true;
	return NULL;
}

static void
test_stop_releases_poster(void **state)
{
	struct rig r;
	struct poster po;
	pthread_t th;

	(void)state;
	rig_init(&r);
	po.pi = r.pi;
	po.s = plain_sess("198.51.100.3", 25);
	po.done = false;
	for (unsigned i = 0; i < PINTAKE_QUEUE; i++)
		pintake_post(r.pi, &po.s, true, NULL);
	assert_int_equal(pthread_create(&th, NULL, post_waiting, &po), 0);
	usleep(200000);
	assert_false(po.done);               /* waits for room */
	pintake_stop(r.pi);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_true(po.done);
	rig_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_batch_per_drain),
		cmocka_unit_test(test_first_figures_at_once),
		cmocka_unit_test(test_full_mailbox_drops),
		cmocka_unit_test(test_hint_makes_alert),
		cmocka_unit_test(test_stop_releases_poster),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
