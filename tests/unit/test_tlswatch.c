/* Tests for agent/tlswatch: what a sequence of postures means for one
 * target (the alerts and their facts, the baseline changes to persist), a
 * certificate near its end announced once per certificate and once more
 * when expired, a reset, and the names of an event's versions and suites. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "appldata.h"
#include "cipher.h"
#include "downgrade.h"
#include "tlsver.h"
#include "tlswatch.h"

#define T0 1764489600     /* 2025-11-30 */
#define DAY 86400

static struct sockaddr_storage ss;

static struct tw_target
target(const char *name)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct tw_target t = { .key = "192.0.2.7:25", .index = 42, .name = name,
	    .addr = &ss, .addr_len = sizeof(struct sockaddr_in), .port = 25 };

	memset(&ss, 0, sizeof ss);
	sin->sin_family = AF_INET;
	sin->sin_port = htons(25);
	inet_pton(AF_INET, "192.0.2.7", &sin->sin_addr);
	return t;
}

static struct posture
tls(uint16_t version, int32_t cipher, uint8_t key)
{
	struct posture p;

	posture_unknown(&p);
	p.server_type = APPL_TYPE_ESMTP;
	p.starttls = 1;
	p.tls_attempted = 1;
	p.tls_version = version;
	p.cipher_id = cipher;
	p.cipher_class = posture_cipher_class(cipher);
	p.cert_time_ok = 1;
	p.cert_trusted = 1;
	p.host_match = 1;
	p.have_key = true;
	memset(p.key, key, sizeof p.key);
	return p;
}

static struct baseline
fresh(void)
{
	struct baseline b;

	memset(&b, 0, sizeof b);
	b.last_event = DG_NONE;
	posture_unknown(&b.best);
	return b;
}

static void
see(const struct tw_target *t, struct baseline *b, struct posture p, int min, time_t at,
    struct tw_result *out)
{
	memset(out, 0x5A, sizeof *out);   /* every field must be written */
	tlswatch_observe(t, b, &p, min, "CN=mail.test", T0 + 90 * DAY, at, out);
}

/* first sight: the baseline is set (to persist), nothing announced; the
 * same again changes nothing; a lower version is one alert with every fact
 * of the target, not repeated; two good classifications recover it */
static void
test_sequence(void **state)
{
	struct tw_target t = target("mx.example");
	struct baseline b = fresh();
	struct tw_result r;
	const struct monitor_event *ev;
	(void)state;

	see(&t, &b, tls(0x0304, 0x1302, 0xAA), 0, T0, &r);
	assert_true(r.baseline_changed);
	assert_int_equal(r.n_alerts, 0);
	assert_int_equal(r.raised, 0);
	assert_true(b.set);
	assert_int_equal(b.best.tls_version, 0x0304);

	see(&t, &b, tls(0x0304, 0x1302, 0xAA), 0, T0 + 60, &r);
	assert_int_equal(r.n_alerts, 0);

	see(&t, &b, tls(0x0303, 0xC030, 0xAA), 0, T0 + 120, &r);
	assert_true(r.baseline_changed);
	assert_int_equal(r.n_alerts, 1);
	assert_int_equal(r.raised, 1u << DG_TLS_VERSION_LOWERED);
	ev = &r.alerts[0];
	assert_int_equal(ev->kind, MONITOR_EV_TLS_DOWNGRADE);
	assert_string_equal(ev->tls_event, "tls-version-lowered");
	assert_int_equal(ev->index, 42);
	assert_string_equal(ev->target, "192.0.2.7:25");
	assert_string_equal(ev->name, "mx.example");
	assert_int_equal(ev->port, 25);
	assert_int_equal(ev->addr.ss_family, AF_INET);
	assert_int_equal(ev->old_tls, 0x0304);
	assert_int_equal(ev->new_tls, 0x0303);
	assert_int_equal(ev->new_cipher, 0xC030);
	assert_int_equal(ev->when, T0 + 120);
	assert_string_equal(ev->last_reply, "");

	see(&t, &b, tls(0x0303, 0xC030, 0xAA), 0, T0 + 180, &r);
	assert_int_equal(r.n_alerts, 0);               /* still active: no second alert */
	assert_int_equal(r.raised, 0);                 /* ... and nothing new to count */

	see(&t, &b, tls(0x0304, 0x1302, 0xAA), 0, T0 + 240, &r);
	assert_int_equal(r.n_alerts, 0);               /* one good is not a recovery yet */
	see(&t, &b, tls(0x0304, 0x1302, 0xAA), 0, T0 + 300, &r);
	assert_int_equal(r.n_alerts, 1);
	assert_int_equal(r.alerts[0].kind, MONITOR_EV_TLS_RECOVERED);
	assert_string_equal(r.alerts[0].tls_event, "tls-version-lowered");
	assert_int_equal(r.raised, 0);                 /* a recovery is not counted */

	/* a new public key: information, named; the TargetIP form has no name */
	t = target("");
	see(&t, &b, tls(0x0304, 0x1302, 0xBB), 0, T0 + 360, &r);
	assert_int_equal(r.n_alerts, 1);
	assert_int_equal(r.alerts[0].kind, MONITOR_EV_TLS_INFO);
	assert_string_equal(r.alerts[0].tls_event, "certificate-changed");
	assert_string_equal(r.alerts[0].name, "");
	assert_int_equal(r.raised, 1u << DG_CERT_CHANGED);
}

/* below MinTlsLevel at first sight: alerted at once; flapping beyond
 * DG_FLAP_MAX is recorded (the baseline changes) but not announced */
static void
test_minimum_and_flapping(void **state)
{
	struct tw_target t = target("");
	struct baseline b = fresh(), c = fresh();
	struct tw_result r;
	size_t alerts = 0, raised = 0;
	(void)state;

	see(&t, &b, tls(0x0303, 0xC030, 0xAA), 0x0304, T0, &r);
	assert_true(r.baseline_changed);
	assert_int_equal(r.n_alerts, 1);
	assert_string_equal(r.alerts[0].tls_event, "below-minimum");

	see(&t, &c, tls(0x0304, 0x1302, 0xAA), 0, T0, &r);
	for (int i = 0; i < DG_FLAP_MAX + 2; i++) {
		time_t at = T0 + 10 * (3 * i + 1);

		see(&t, &c, tls(0x0303, 0xC030, 0xAA), 0, at, &r);
		for (size_t k = 0; k < r.n_alerts; k++)
			alerts += r.alerts[k].kind == MONITOR_EV_TLS_DOWNGRADE;
		raised += r.raised == 1u << DG_TLS_VERSION_LOWERED;
		see(&t, &c, tls(0x0304, 0x1302, 0xAA), 0, at + 10, &r);
		see(&t, &c, tls(0x0304, 0x1302, 0xAA), 0, at + 20, &r);
	}
	assert_int_equal(alerts, DG_FLAP_MAX);
	assert_int_equal(raised, DG_FLAP_MAX + 2);     /* the ones not announced count too */
}

/* a certificate within MONITOR_CERT_WARN_DAYS: announced once, again once
 * expired, never more; a new certificate starts over; a far one or none is
 * no news */
static void
test_cert(void **state)
{
	struct tw_target t = target("mx.example");
	struct tw_cert st;
	struct monitor_event ev;
	time_t na = T0 + 10 * DAY;
	(void)state;

	memset(&st, 0, sizeof st);
	assert_false(tlswatch_cert(&t, &st, "CN=a", 0, T0, &ev));
	assert_false(tlswatch_cert(&t, &st, "CN=a", T0 + (MONITOR_CERT_WARN_DAYS + 2) * DAY, T0,
	    &ev));

	assert_true(tlswatch_cert(&t, &st, "CN=a", na, T0, &ev));
	assert_int_equal(ev.kind, MONITOR_EV_CERT_EXPIRING);
	assert_int_equal(ev.cert_not_after, na);
	assert_int_equal(ev.cert_days_left, 10);
	assert_int_equal(ev.index, 42);
	assert_string_equal(ev.target, "192.0.2.7:25");
	assert_int_equal(ev.port, 25);
	assert_false(tlswatch_cert(&t, &st, "CN=a", na, T0 + DAY, &ev));
	assert_false(tlswatch_cert(&t, &st, "CN=a", na, na - 1, &ev));

	assert_true(tlswatch_cert(&t, &st, "CN=a", na, na + 1, &ev));
	assert_int_equal(ev.cert_days_left, -1);
	assert_false(tlswatch_cert(&t, &st, "CN=a", na, na + 5 * DAY, &ev));

	assert_true(tlswatch_cert(&t, &st, "CN=b", na + 20 * DAY, na + 5 * DAY, &ev));
	assert_int_equal(ev.cert_days_left, 15);
}

/* a reset accepts the posture: active events forgotten, no recovery
 * announced, the same posture is no downgrade any more; NULL waits for the
 * next classification, which sets the baseline silently */
static void
test_reset(void **state)
{
	struct tw_target t = target("");
	struct baseline b = fresh();
	struct posture low = tls(0x0303, 0xC030, 0xAA);
	struct tw_result r;
	(void)state;

	see(&t, &b, tls(0x0304, 0x1302, 0xAA), 0, T0, &r);
	see(&t, &b, low, 0, T0 + 60, &r);
	assert_int_equal(r.n_alerts, 1);
	tlswatch_reset(&t, &b, &low, T0 + 120);
	assert_true(b.set);
	assert_int_equal(b.active, 0);
	assert_int_equal(b.best.tls_version, 0x0303);
	see(&t, &b, low, 0, T0 + 180, &r);
	assert_int_equal(r.n_alerts, 0);

	tlswatch_reset(&t, &b, NULL, T0 + 240);
	assert_false(b.set);
	see(&t, &b, low, 0, T0 + 300, &r);
	assert_true(r.baseline_changed);
	assert_int_equal(r.n_alerts, 0);
	assert_true(b.set);
}

/* an event names its versions and suites: what the readers (traps,
 * AlertCommand) showed before, tlsver_text() and cipher_text() */
static void
test_event_names(void **state)
{
	struct tw_target t = target("mx.example");
	struct baseline b = fresh();
	struct tw_result r;
	struct monitor_event ev;
	static const int32_t ids[] = { -1, 0x1302, 0xC030, 0x5a5a };
	char want[64];
	(void)state;

	see(&t, &b, tls(0x0304, 0x1302, 0xAA), 0, T0, &r);
	see(&t, &b, tls(0x0303, 0xC030, 0xAA), 0, T0 + 60, &r);
	assert_int_equal(r.n_alerts, 1);
	assert_string_equal(r.alerts[0].old_tls_text, "TLSv1.3");
	assert_string_equal(r.alerts[0].new_tls_text, "TLSv1.2");
	assert_int_equal(r.alerts[0].old_tls_mib, 7);
	assert_int_equal(r.alerts[0].new_tls_mib, 6);
	assert_string_equal(r.alerts[0].old_cipher_name, "TLS_AES_256_GCM_SHA384");
	assert_string_equal(r.alerts[0].new_cipher_name, cipher_name(0xC030));

	memset(&ev, 0, sizeof ev);
	ev.old_tls = 0;
	ev.new_tls = 0x7f1c;
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		ev.old_cipher = ids[i];
		ev.new_cipher = ids[(i + 1) % (sizeof ids / sizeof ids[0])];
		tlswatch_event_names(&ev);
		assert_string_equal(ev.old_tls_text, "none");
		assert_string_equal(ev.new_tls_text, "0x7f1c");
		assert_int_equal(ev.old_tls_mib, TLSVER_MIB_NONE);
		assert_int_equal(ev.new_tls_mib, TLSVER_MIB_NONE);
		cipher_text(ev.old_cipher, want);
		assert_string_equal(ev.old_cipher_name ? ev.old_cipher_name : ev.old_cipher_text,
		    want);
		cipher_text(ev.new_cipher, want);
		assert_string_equal(ev.new_cipher_name ? ev.new_cipher_name : ev.new_cipher_text,
		    want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequence),
		cmocka_unit_test(test_minimum_and_flapping),
		cmocka_unit_test(test_cert),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_event_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
