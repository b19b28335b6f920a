/* Unit tests for agent/pserver (the passive probe's per-server rows and
 * alert rules, pure): first sight alerts nothing, stripping needs a server
 * known to offer STARTTLS (history or the active probe), one alert per
 * episode until a clean session, flap damping, mangled keywords at first
 * sight, a refused STARTTLS, plaintext after 220, a lower TLS version only
 * when the client offered the baseline, the appldata record of a session,
 * counts, the table bound, and the names of a row and an alert. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "appltype.h"
#include "cipher.h"
#include "pserver.h"
#include "tlsver.h"

#define T0 1764489600ull     /* 2025-11-30 */

static struct passive_session
sess(const char *server, uint16_t port, uint64_t t)
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
	s.start_us = t * 1000000u;
	s.final_us = t * 1000000u + 500000u;
	s.facts.cipher_id = -1;
	s.facts.banner_code = 220;
	s.server_type = ' ';
	s.security = ' ';
	return s;
}

/* ESMTP, STARTTLS offered, TLS negotiated at version v. */
static struct passive_session
tls_sess(const char *server, uint64_t t, uint16_t v, uint16_t client_max)
{
	struct passive_session s = sess(server, 25, t);

	s.facts.ehlo_sent = true;
	s.facts.ehlo_code = 250;
	s.facts.have_caps = true;
	s.facts.starttls_offered = true;
	s.facts.starttls_sent = true;
	s.facts.starttls_code = 220;
	s.facts.tls_started = true;
	s.facts.client_hello = true;
	s.facts.client_max_version = client_max;
	s.facts.server_hello = true;
	s.facts.tls_version = v;
	s.facts.cipher_id = v == 0x0304 ? 0x1301 : 0xC02F;
	s.server_type = 'E';
	s.security = 'T';
	return s;
}

/* ESMTP, EHLO reply without STARTTLS, MAIL in plaintext. */
static struct passive_session
plain_sess(const char *server, uint64_t t)
{
	struct passive_session s = sess(server, 25, t);

	s.facts.ehlo_sent = true;
	s.facts.ehlo_code = 250;
	s.facts.have_caps = true;
	s.facts.mail_plaintext = true;
	s.server_type = 'E';
	s.security = 'B';
	return s;
}

struct obs {
	const struct pserver_view *v;
	struct pserver_alert al[PS_EV_COUNT];
	size_t n;
	char rec[41];
};

static struct obs
observe(struct pserver_table *t, const struct passive_session *s, const struct pserver_hint *h)
{
	struct obs o;

	memset(&o, 0, sizeof o);
	o.v = pserver_observe(t, s, h, o.al, &o.n, o.rec);
	return o;
}

static void
test_first_sight_plain_is_no_alert(void **state)
{
	struct pserver_table *t = pserver_new(0, "XYZ");
	struct passive_session s = plain_sess("198.51.100.1", T0);
	struct obs o = observe(t, &s, NULL);

	(void)state;
	assert_non_null(o.v);
	assert_int_equal(o.n, 0);
	assert_string_equal(o.rec, "EZASMTPM XYZ      EB                    ");
	assert_string_equal(o.v->target, "198.51.100.1:25");
	assert_int_equal(o.v->index, 1);
	assert_int_equal(o.v->sessions, 1);
	assert_int_equal(o.v->sessions_plain, 1);
	assert_false(o.v->starttls_known);
	pserver_free(t);
}

static void
test_stripped_after_offered(void **state)
{
	struct pserver_table *t = pserver_new(0, "SMTPMON");
	struct passive_session a = tls_sess("198.51.100.2", T0, 0x0304, 0x0304);
	struct passive_session b = plain_sess("198.51.100.2", T0 + 60);
	struct obs o;

	(void)state;
	o = observe(t, &a, NULL);
	assert_int_equal(o.n, 0);
	assert_string_equal(o.rec, "EZASMTPM SMTPMON  ET134X 1301           ");
	assert_true(o.v->starttls_known);
	assert_int_equal(o.v->best_tls, 0x0304);
	o = observe(t, &b, NULL);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.al[0].ev, PS_EV_STRIPPED);
	assert_false(o.al[0].suppressed);
	assert_string_equal(o.al[0].server, "198.51.100.2:25");
	assert_string_equal(o.al[0].client, "192.0.2.7:40000");
	assert_int_equal(o.v->alerts, 1);
	assert_int_equal(o.v->events, 1u << PS_EV_STRIPPED);
	assert_string_equal(o.v->last_event, "starttls-stripped");
	/* in force: the next stripped session alerts nothing */
	b.final_us += 60000000u;
	o = observe(t, &b, NULL);
	assert_int_equal(o.n, 0);
	/* a clean session ends it; the next stripping alerts again */
	a.final_us = (T0 + 300) * 1000000u;
	o = observe(t, &a, NULL);
	assert_int_equal(o.n, 0);
	assert_int_equal(o.v->events, 0);
	b.final_us = (T0 + 400) * 1000000u;
	o = observe(t, &b, NULL);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.v->sessions, 5);
	assert_int_equal(o.v->sessions_tls, 2);
	assert_int_equal(o.v->sessions_plain, 3);
	pserver_free(t);
}

static void
test_stripped_known_from_active_probe(void **state)
{
	struct pserver_table *t = pserver_new(0, "SMTPMON");
	struct passive_session b = plain_sess("198.51.100.3", T0);
	struct pserver_hint h = { .starttls = true, .baseline_tls = 0x0304 };
	struct obs o;

	(void)state;
	o = observe(t, &b, NULL);
	assert_int_equal(o.n, 0);           /* never offered as far as we know */
	b.final_us += 1000000u;
	o = observe(t, &b, &h);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.al[0].ev, PS_EV_STRIPPED);
	pserver_free(t);
}

static void
test_flap_damping(void **state)
{
	struct pserver_table *t = pserver_new(0, "SMTPMON");
	struct passive_session a = tls_sess("198.51.100.4", T0, 0x0304, 0x0304);
	struct passive_session b = plain_sess("198.51.100.4", T0);
	size_t announced = 0, suppressed = 0;

	(void)state;
	for (int i = 0; i < 6; i++) {
		struct obs o;

		a.final_us = (T0 + 10u * (uint64_t)i) * 1000000u;
		o = observe(t, &a, NULL);
		assert_int_equal(o.n, 0);
		b.final_us = (T0 + 10u * (uint64_t)i + 5) * 1000000u;
		o = observe(t, &b, NULL);
		assert_int_equal(o.n, 1);
		if (o.al[0].suppressed)
			suppressed++;
		else
			announced++;
	}
	assert_int_equal(announced, PSERVER_FLAP_MAX);
	assert_int_equal(suppressed, 6 - PSERVER_FLAP_MAX);
	/* an hour later it is announced again */
	a.final_us = (T0 + PSERVER_FLAP_WINDOW_S + 100) * 1000000u;
	observe(t, &a, NULL);
	b.final_us = a.final_us + 1000000u;
	{
		struct obs o = observe(t, &b, NULL);
		assert_int_equal(o.n, 1);
		assert_false(o.al[0].suppressed);
	}
	pserver_free(t);
}

static void
test_mangled_at_first_sight(void **state)
{
	struct pserver_table *t = pserver_new(0, "SMTPMON");
	struct passive_session s = plain_sess("198.51.100.5", T0);
	struct obs o;

	(void)state;
	s.facts.anomalies = SW_AN_STARTTLS_MANGLED;
	snprintf(s.facts.mangled, sizeof s.facts.mangled, "XXXXXXXA");
	o = observe(t, &s, NULL);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.al[0].ev, PS_EV_MANGLED);
	assert_non_null(strstr(o.al[0].detail, "XXXXXXXA"));
	assert_string_equal(o.v->mangled, "XXXXXXXA");
	/* not "stripped" as well: one cause, one alert */
	assert_int_equal(o.v->events, 1u << PS_EV_MANGLED);
	pserver_free(t);
}

static void
test_refused_needs_offer(void **state)
{
	struct pserver_table *t = pserver_new(0, "SMTPMON");
	struct passive_session s = plain_sess("198.51.100.6", T0);
	struct obs o;

	(void)state;
	/* a server that never offered STARTTLS may refuse it */
	s.facts.starttls_sent = true;
	s.facts.starttls_code = 502;
	s.facts.anomalies = SW_AN_STARTTLS_REFUSED;
	o = observe(t, &s, NULL);
	assert_int_equal(o.n, 0);
	/* one that offers it in the same EHLO reply may not */
	s.facts.starttls_offered = true;
	s.facts.starttls_code = 454;
	snprintf(s.facts.starttls_reply, sizeof s.facts.starttls_reply,
	    "454 4.7.0 TLS not available due to local problem");
	s.final_us += 1000000u;
	o = observe(t, &s, NULL);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.al[0].ev, PS_EV_REFUSED);
	assert_non_null(strstr(o.al[0].detail, "454 4.7.0"));
	pserver_free(t);
}

static void
test_plaintext_after_220(void **state)
{
	struct pserver_table *t = pserver_new(0, "SMTPMON");
	struct passive_session s = plain_sess("198.51.100.7", T0);
	struct obs o;

	(void)state;
	s.facts.starttls_offered = true;
	s.facts.starttls_sent = true;
	s.facts.starttls_code = 220;
	s.facts.anomalies = SW_AN_PLAINTEXT_AFTER_220;
	o = observe(t, &s, NULL);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.al[0].ev, PS_EV_PLAINTEXT);
	pserver_free(t);
}

static void
test_version_lowered_only_if_client_offered(void **state)
{
	struct pserver_table *t = pserver_new(0, "SMTPMON");
	struct passive_session a = tls_sess("198.51.100.8", T0, 0x0304, 0x0304);
	struct passive_session old = tls_sess("198.51.100.8", T0 + 10, 0x0303, 0x0303);
	struct passive_session low = tls_sess("198.51.100.8", T0 + 20, 0x0303, 0x0304);
	struct obs o;

	(void)state;
	observe(t, &a, NULL);
	o = observe(t, &old, NULL);          /* an old client: not the server's doing */
	assert_int_equal(o.n, 0);
	assert_int_equal(o.v->tls_version, 0x0303);
	assert_int_equal(o.v->best_tls, 0x0304);
	o = observe(t, &low, NULL);          /* offered 1.3, got 1.2 */
	assert_int_equal(o.n, 1);
	assert_int_equal(o.al[0].ev, PS_EV_VERSION_LOWERED);
	assert_int_equal(o.al[0].old_tls, 0x0304);
	assert_int_equal(o.al[0].new_tls, 0x0303);
	assert_string_equal(o.rec, "EZASMTPM SMTPMON  ET124X C02F           ");
	pserver_free(t);
}

static void
test_version_baseline_from_active_probe(void **state)
{
	struct pserver_table *t = pserver_new(0, "SMTPMON");
	struct passive_session low = tls_sess("198.51.100.9", T0, 0x0303, 0x0304);
	struct pserver_hint h = { .starttls = true, .baseline_tls = 0x0304 };
	struct obs o = observe(t, &low, &h);

	(void)state;
	assert_int_equal(o.n, 1);
	assert_int_equal(o.al[0].ev, PS_EV_VERSION_LOWERED);
	pserver_free(t);
}

static void
test_helo_server_and_undetermined(void **state)
{
	struct pserver_table *t = pserver_new(0, "SMTPMON");
	struct passive_session s = sess("198.51.100.10", 587, T0);
	struct obs o;

	(void)state;
	s.server_type = 'S';
	s.security = 'B';
	o = observe(t, &s, NULL);
	assert_string_equal(o.rec, "EZASMTPM SMTPMON  SB                    ");
	assert_int_equal(o.v->server_type, 'S');
	s.server_type = ' ';
	s.security = ' ';
	o = observe(t, &s, NULL);
	assert_string_equal(o.rec, "EZASMTPM SMTPMON                        ");
	assert_int_equal(o.v->server_type, 'S');   /* the last determined */
	assert_int_equal(o.v->sessions, 2);
	assert_int_equal(o.v->sessions_plain, 1);
	assert_int_equal(o.v->sessions_tls, 0);
	pserver_free(t);
}

static void
test_table_bound(void **state)
{
	struct pserver_table *t = pserver_new(3, "SMTPMON");
	char addr[32];
	struct obs o;

	(void)state;
	for (int i = 0; i < 3; i++) {
		struct passive_session s;

		snprintf(addr, sizeof addr, "203.0.113.%d", i + 1);
		s = plain_sess(addr, T0);
		o = observe(t, &s, NULL);
		assert_non_null(o.v);
		assert_int_equal(o.v->index, (unsigned)i + 1);
	}
	{
		struct passive_session s = plain_sess("203.0.113.99", T0);
		o = observe(t, &s, NULL);
		assert_null(o.v);
		assert_string_equal(o.rec, "EZASMTPM SMTPMON  EB                    ");
	}
	assert_int_equal(pserver_count(t), 3);
	assert_int_equal(pserver_dropped(t), 1);
	/* a known server still counts */
	{
		struct passive_session s = plain_sess("203.0.113.2", T0);
		o = observe(t, &s, NULL);
		assert_non_null(o.v);
		assert_int_equal(o.v->sessions, 2);
	}
	assert_string_equal(pserver_at(t, 1)->target, "203.0.113.2:25");
	assert_null(pserver_at(t, 3));
	pserver_free(t);
}

static void
test_ports_are_distinct_servers(void **state)
{
	struct pserver_table *t = pserver_new(0, "SMTPMON");
	struct passive_session a = plain_sess("198.51.100.11", T0);
	struct passive_session b = plain_sess("198.51.100.11", T0);
	struct obs o;

	(void)state;
	b.server_port = 587;
	snprintf(b.server_text, sizeof b.server_text, "198.51.100.11:587");
	observe(t, &a, NULL);
	o = observe(t, &b, NULL);
	assert_int_equal(o.v->index, 2);
	assert_int_equal(pserver_count(t), 2);
	pserver_free(t);
}

static void
test_per_client_policy_once_a_day(void **state)
{
	struct pserver_table *t = pserver_new(0, "SMTPMON");
	struct passive_session good = tls_sess("198.51.100.12", T0, 0x0304, 0x0304);
	struct passive_session bad = plain_sess("198.51.100.12", T0);
	size_t alerts = 0;
	struct obs o;

	(void)state;
	/* client .8 never gets STARTTLS (a per-client policy); .7 always does */
	inet_pton(AF_INET, "192.0.2.8", bad.client);
	snprintf(bad.client_text, sizeof bad.client_text, "192.0.2.8:40000");
	for (int i = 0; i < 40; i++) {
		good.final_us = (T0 + 120u * (uint64_t)i) * 1000000u;
		observe(t, &good, NULL);
		bad.final_us = good.final_us + 60000000u;
		o = observe(t, &bad, NULL);
		alerts += o.n;
	}
	assert_int_equal(alerts, 1);        /* 80 minutes: one alert, nothing suppressed */
	assert_int_equal(o.v->events, 1u << PS_EV_STRIPPED);
	/* a day later a clean session from anyone ends it; the next one alerts */
	good.final_us = (T0 + PSERVER_EVENT_EXPIRE_S + 100) * 1000000u;
	observe(t, &good, NULL);
	bad.final_us = good.final_us + 1000000u;
	o = observe(t, &bad, NULL);
	assert_int_equal(o.n, 1);
	pserver_free(t);
}

static void
test_implicit_tls_clears(void **state)
{
	struct pserver_table *t = pserver_new(0, "SMTPMON");
	struct passive_session s13 = tls_sess("198.51.100.13", T0, 0x0304, 0x0304);
	struct passive_session s12 = tls_sess("198.51.100.13", T0 + 10, 0x0303, 0x0304);
	size_t alerts = 0;

	(void)state;
	/* port 465: no plaintext EHLO at all */
	s13.server_port = s12.server_port = 465;
	s13.facts.implicit_tls = s12.facts.implicit_tls = true;
	s13.facts.have_caps = s12.facts.have_caps = false;
	s13.facts.starttls_offered = s12.facts.starttls_offered = false;
	s13.server_type = s12.server_type = ' ';
	for (int i = 0; i < 2; i++) {      /* 1.3, 1.2, 1.3, 1.2 */
		s13.final_us = (T0 + 100u * (uint64_t)i) * 1000000u;
		alerts += observe(t, &s13, NULL).n;
		s12.final_us = s13.final_us + 50000000u;
		alerts += observe(t, &s12, NULL).n;
	}
	assert_int_equal(alerts, 2);        /* each drop announced: the 1.3 between clears */
	pserver_free(t);
}

static void
test_421_is_not_refused(void **state)
{
	struct pserver_table *t = pserver_new(0, "SMTPMON");
	struct passive_session s = plain_sess("198.51.100.14", T0);
	struct obs o;

	(void)state;
	s.facts.starttls_offered = true;
	s.facts.starttls_sent = true;
	s.facts.starttls_code = 421;
	s.facts.anomalies = SW_AN_STARTTLS_REFUSED;
	o = observe(t, &s, NULL);
	assert_int_equal(o.n, 0);
	pserver_free(t);
}

/* A row and an alert carry the names of their values (pview.h). */
static void
test_names(void **state)
{
	struct pserver_table *t = pserver_new(0, "SMTPMON");
	struct passive_session a = tls_sess("198.51.100.30", T0, 0x0304, 0x0304);
	struct passive_session low = tls_sess("198.51.100.30", T0 + 10, 0x0303, 0x0304);
	struct passive_session p = plain_sess("198.51.100.31", T0);
	struct pserver_view v;
	struct obs o;

	(void)state;
	o = observe(t, &a, NULL);
	assert_string_equal(o.v->type_name, "ESMTP");
	assert_int_equal(o.v->type_mib, 3);
	assert_string_equal(o.v->security_name, "TLS");
	assert_int_equal(o.v->security_mib, 3);
	assert_string_equal(o.v->tls_name, "TLSv1.3");
	assert_string_equal(o.v->tls_text, "TLSv1.3");
	assert_int_equal(o.v->tls_mib, 7);
	assert_string_equal(o.v->best_tls_name, "TLSv1.3");
	assert_int_equal(o.v->best_tls_mib, 7);
	assert_string_equal(o.v->cipher_name, "TLS_AES_128_GCM_SHA256");
	assert_string_equal(o.v->cipher_text, "");
	assert_string_equal(o.v->class_name, "good");
	assert_int_equal(o.v->class_mib, 1 + (int)CIPHER_GOOD);
	o = observe(t, &low, NULL);
	assert_int_equal(o.n, 1);
	assert_string_equal(o.al[0].old_tls_name, "TLSv1.3");
	assert_string_equal(o.al[0].new_tls_name, "TLSv1.2");
	assert_string_equal(o.v->tls_name, "TLSv1.2");
	assert_int_equal(o.v->tls_mib, 6);
	assert_string_equal(o.v->best_tls_name, "TLSv1.3");
	assert_string_equal(o.v->cipher_name, cipher_name(0xC02F));
	assert_string_equal(o.v->class_name, cipher_class_name(cipher_class_of(0xC02F)));

	/* basic, no TLS: no version, no suite */
	o = observe(t, &p, NULL);
	assert_int_equal(o.n, 0);
	assert_string_equal(o.v->security_name, "basic");
	assert_int_equal(o.v->security_mib, 2);
	assert_null(o.v->tls_name);
	assert_string_equal(o.v->tls_text, "none");
	assert_int_equal(o.v->tls_mib, TLSVER_MIB_NONE);
	assert_null(o.v->best_tls_name);
	assert_null(o.v->cipher_name);
	assert_null(o.v->class_name);
	assert_int_equal(o.v->class_mib, 1);

	/* nothing determined, a draft version and a suite not in the table */
	memset(&v, 0, sizeof v);
	v.server_type = ' ';
	v.last_security = ' ';
	v.cipher_id = 0x5a5a;
	v.tls_version = 0x7f1c;
	assert_null(cipher_name(0x5a5a));
	pserver_view_names(&v);
	assert_null(v.type_name);
	assert_int_equal(v.type_mib, APPL_MIB_UNKNOWN);
	assert_null(v.security_name);
	assert_int_equal(v.security_mib, APPL_MIB_UNKNOWN);
	assert_null(v.tls_name);
	assert_string_equal(v.tls_text, "0x7f1c");
	assert_int_equal(v.tls_mib, TLSVER_MIB_NONE);
	assert_null(v.cipher_name);
	assert_string_equal(v.cipher_text, "0x5a5a");
	assert_string_equal(v.class_name, "unknown");
	assert_int_equal(v.class_mib, 1 + (int)CIPHER_UNKNOWN);
	pserver_free(t);
}

/* The rating of the last TLS session: TLS 1.2 with what the
 * ServerKeyExchange and the leaf showed; TLS 1.3 without the certificate;
 * a plaintext session after them keeps the last TLS session's; a row
 * without TLS has none. */
static void
test_rating(void **state)
{
	struct pserver_table *t = pserver_new(0, "SMTPMON");
	struct passive_session a = tls_sess("198.51.100.40", T0, 0x0303, 0x0304);
	struct passive_session b = tls_sess("198.51.100.40", T0 + 10, 0x0304, 0x0304);
	struct passive_session p = plain_sess("198.51.100.40", T0 + 20);
	struct passive_session q = plain_sess("198.51.100.41", T0);
	struct obs o;

	(void)state;
	/* ECDHE-RSA-AES128-GCM-SHA256, x25519, RSA 2048 signed with SHA-256 */
	a.keys.group = 0x001d;
	a.keys.cert_known = true;
	a.keys.cert.key_type = "RSA";
	a.keys.cert.key_bits = 2048;
	a.keys.cert.sig_hash = "SHA256";
	o = observe(t, &a, NULL);
	assert_int_equal(o.v->rating.overall, RATING_PHASE_OUT);
	assert_string_equal(o.v->rnames.overall, "phase-out");
	assert_string_equal(o.v->rnames.tls_version, "sufficient");
	assert_string_equal(o.v->rnames.cipher, "sufficient");
	assert_string_equal(o.v->rnames.key_exchange, "sufficient");
	assert_string_equal(o.v->rnames.cert_key, "phase-out");
	assert_string_equal(o.v->rnames.cert_signature, "good");

	/* DHE with a self-generated 2048-bit group: no name, insufficient;
	 * with RFC 7919's ffdhe3072 (named by tls_wire): phase-out */
	a.facts.cipher_id = 0x009E;
	a.keys.group = 0;
	a.keys.dh_bits = 2048;
	o = observe(t, &a, NULL);
	assert_string_equal(o.v->rnames.key_exchange, "insufficient");
	assert_string_equal(o.v->rnames.cipher, "phase-out");
	a.keys.group = 0x0101;
	a.keys.dh_bits = 3072;
	o = observe(t, &a, NULL);
	assert_string_equal(o.v->rnames.key_exchange, "phase-out");

	/* TLS 1.3: the group from the key_share, the certificate unseen */
	b.facts.group = 0x11ec;          /* X25519MLKEM768 */
	o = observe(t, &b, NULL);
	assert_string_equal(o.v->rnames.tls_version, "good");
	assert_string_equal(o.v->rnames.cipher, "sufficient");
	assert_string_equal(o.v->rnames.key_exchange, "good");
	assert_null(o.v->rnames.cert_key);
	assert_null(o.v->rnames.cert_signature);
	assert_string_equal(o.v->rnames.overall, "sufficient");
	assert_string_equal(o.v->rating.weakest, "cipher");

	/* plaintext afterwards: the last TLS session's rating stays */
	o = observe(t, &p, NULL);
	assert_string_equal(o.v->rnames.overall, "sufficient");

	/* never TLS: every class null */
	o = observe(t, &q, NULL);
	assert_int_equal(o.v->rating.overall, RATING_UNKNOWN);
	assert_null(o.v->rnames.overall);
	assert_null(o.v->rnames.tls_version);
	assert_null(o.v->rnames.cipher);
	assert_null(o.v->rnames.key_exchange);
	assert_null(o.v->rnames.cert_key);
	assert_null(o.v->rnames.cert_signature);
	pserver_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_sight_plain_is_no_alert),
		cmocka_unit_test(test_stripped_after_offered),
		cmocka_unit_test(test_stripped_known_from_active_probe),
		cmocka_unit_test(test_flap_damping),
		cmocka_unit_test(test_mangled_at_first_sight),
		cmocka_unit_test(test_refused_needs_offer),
		cmocka_unit_test(test_plaintext_after_220),
		cmocka_unit_test(test_version_lowered_only_if_client_offered),
		cmocka_unit_test(test_version_baseline_from_active_probe),
		cmocka_unit_test(test_helo_server_and_undetermined),
		cmocka_unit_test(test_table_bound),
		cmocka_unit_test(test_ports_are_distinct_servers),
		cmocka_unit_test(test_per_client_policy_once_a_day),
		cmocka_unit_test(test_implicit_tls_clears),
		cmocka_unit_test(test_421_is_not_refused),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_rating),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
