/* Unit tests for agent/metrics (a registry snapshot as Prometheus metrics):
 * snapshots built by hand with a row of each kind (up with TLS 1.3, down
 * and never classified, SMTP without EHLO, ESMTP without STARTTLS, IPv6
 * down after a TLS 1.2 classification, a hostile configured name), the
 * published TLS policy views of some (DANE, MTA-STS, both, neither), the
 * NCSC-NL rating of the rows with TLS and the
 * passive probe on with two servers, or off. The expected lines are facts
 * written out here, not computed by the code under test. Then the format:
 * HELP and TYPE once per family, before its series, which stay together;
 * _total and the TYPE lines in both formats; the OpenMetrics ending; a
 * write error; and Prometheus's own linter (`promtool check metrics`) on
 * the text format when promtool is installed (skipped otherwise).
 *
 * `test_metrics --dump [--openmetrics]` writes the full rendering to
 * standard output (to look at, or to feed another checker). */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/x509_vfy.h>

#include "testrow.h"
#include "downgrade.h"
#include "metrics.h"
#include "pserver.h"
#include "registry.h"
#include "verdict.h"

/* the clock of every test: 2026-12-01 00:00:00 UTC */
#define NOW 1796083200
#define T_2027_03_01_120000 1803902400
#define TEST_VERSION "1.4.0"
#define WRITER "SMTPMON"

#define N(a) (sizeof a / sizeof a[0])

/* ---- a snapshot built by hand ---- */

struct fixture {
	struct reg_snapshot s;
	struct reg_row *rows[8];
	struct reg_prow *prows[4];
	struct policy_view pol[5];
};

static struct reg_row *
row_new(const char *target, enum reg_state st)
{
	struct reg_row *row = testrow_new("");

	strcpy(row->target, target);
	row->state = st;
	return row;
}

static void
decide(struct reg_row *row, const struct smtp_result *r)
{
	struct verdict_policy p = {
		.tls_attempted = row->secure, .component = APPLDATA_MONITOR, .writer = WRITER,
	};

	verdict_of(r, &p, NOW, testrow_verdict(row));
	row->classified = true;
}

/* up, ESMTP, TLS 1.3 with a good certificate, both connections open, a
 * downgrade active */
static struct reg_row *
row_tls13(void)
{
	struct reg_row *row = row_new("192.0.2.25:25", REG_UP);
	struct smtp_result r;

	memset(&r, 0, sizeof r);
	row->name = "example.org";
	row->secure = true;
	r.server_type = APPL_TYPE_ESMTP;
	r.security = APPL_SEC_TLS;
	r.ehlo_seen = true;
	r.starttls_offered = true;
	r.tls_done = true;
	r.tls.version = 0x0304;
	r.tls.cipher_id = 0x1302;
	strcpy(r.tls.cipher, "TLS_AES_256_GCM_SHA384");
	strcpy(r.tls.group, "X25519");
	r.tls.have_cert = true;
	strcpy(r.tls.key_type, "EC");
	r.tls.key_bits = 256;
	strcpy(r.tls.key_curve, "prime256v1");
	strcpy(r.tls.sig_hash, "SHA256");
	r.tls.not_after = T_2027_03_01_120000;
	r.tls.verify_code = X509_V_OK;
	r.t.connect = 1200;
	r.t.banner = 35000;
	r.t.ehlo = 800;
	r.t.starttls = 900;
	r.t.handshake = 1015000;
	strcpy(r.banner, "220 \"mx\" {evil} \\ ESMTP");   /* never a label */
	decide(row, &r);
	row->noop_rtt_us = 650;
	row->connects = 3;
	row->reprobes = 2;
	row->connect_failures = 1;
	row->reprobe_failures = 1;
	row->conns[REG_ROLE_MONITOR].open = true;
	row->conns[REG_ROLE_REPROBE].open = true;
	row->server_closes = 1;
	row->recycles = 4;
	row->dg.set = true;
	row->dg.active = 1u << DG_TLS_VERSION_LOWERED;
	row->dg_raised[DG_TLS_VERSION_LOWERED] = 2;
	row->dg_raised[DG_CERT_CHANGED] = 1;
	return row;
}

/* down, never classified (TargetIP) */
static struct reg_row *
row_never(void)
{
	struct reg_row *row = row_new("192.0.2.26:25", REG_DOWN);

	row->connect_failures = 7;
	row->fail_reason = "connection refused";
	row->last_reply = "554 \"no\"\nservice";
	return row;
}

/* up, SMTP: EHLO refused, HELO taken; no TLS */
static struct reg_row *
row_smtp(void)
{
	struct reg_row *row = row_new("192.0.2.27:25", REG_UP);
	struct smtp_result r;

	memset(&r, 0, sizeof r);
	r.server_type = APPL_TYPE_SMTP;
	r.security = APPL_SEC_BASIC;
	r.t.connect = 500;
	r.t.banner = 1000;
	r.t.ehlo = 2000;
	decide(row, &r);
	row->connects = 1;
	row->conns[REG_ROLE_MONITOR].open = true;
	return row;
}

/* up, ESMTP without STARTTLS */
static struct reg_row *
row_nostarttls(void)
{
	struct reg_row *row = row_new("192.0.2.28:2525", REG_UP);
	struct smtp_result r;

	memset(&r, 0, sizeof r);
	row->name = "plain.example.net";
	r.server_type = APPL_TYPE_ESMTP;
	r.security = APPL_SEC_BASIC;
	r.ehlo_seen = true;
	r.t.connect = 10;
	r.t.banner = 20;
	r.t.ehlo = 30;
	decide(row, &r);
	row->noop_rtt_us = 2000000;
	row->connects = 1;
	return row;
}

/* IPv6, down now after a TLS 1.2 classification whose chain did not verify */
static struct reg_row *
row_ipv6(void)
{
	struct reg_row *row = row_new("[2001:db8::25]:587", REG_DOWN);
	struct smtp_result r;

	memset(&r, 0, sizeof r);
	row->name = "v6.example.org";
	row->secure = true;
	r.server_type = APPL_TYPE_ESMTP;
	r.security = APPL_SEC_TLS;
	r.ehlo_seen = true;
	r.starttls_offered = true;
	r.tls_done = true;
	r.tls.version = 0x0303;
	r.tls.cipher_id = 0xC013;
	strcpy(r.tls.cipher, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
	r.tls.have_cert = true;
	r.tls.not_after = 1798761600;
	r.tls.verify_code = 20;
	r.t.connect = 100;
	decide(row, &r);
	row->connects = 4;
	row->connect_failures = 2;
	row->dg.set = true;
	row->dg.active = (1u << DG_CERT_NOT_TRUSTED) | (1u << DG_STARTTLS_NOT_SUPPORTED);
	row->dg_raised[DG_CERT_NOT_TRUSTED] = 1;
	row->dg_raised[DG_STARTTLS_NOT_SUPPORTED] = 3;
	return row;
}

/* a configured name with every character a label must escape, and others */
static struct reg_row *
row_hostile(void)
{
	struct reg_row *row = row_new("192.0.2.29:25", REG_STARTING);

	row->name = "a\"b\\c\nd\te\xff" "f}g,h=\"";
	return row;
}

static struct reg_prow *
prow_new(uint32_t index, const char *target)
{
	struct reg_prow *p = calloc(1, sizeof *p);

	assert_non_null(p);
	p->v.index = index;
	strcpy(p->v.target, target);
	p->v.server_type = ' ';
	p->v.last_security = ' ';
	p->v.cipher_id = -1;
	return p;
}

/* A view as the monitor decides it (policy_view_of()): DANE status ds
 * (DANE_ST_OFF: not asked); MTA-STS facts of kind sk (STS_F_OFF: not asked)
 * with mode, evaluated to sts; the connection had TLS with a trusted
 * certificate valid for the MX name. */
static void
view_make(enum dane_status ds, enum sts_fact sk, enum mtasts_mode mode,
    enum mtasts_status sts, bool mx_match, struct policy_view *out)
{
	static struct sts_facts sf;
	struct tlsa_set t;
	struct dane_result d = { ds, dane_status_name(ds), -1 };
	struct sts_result sr;

	memset(&t, 0, sizeof t);
	memset(&sf, 0, sizeof sf);
	memset(&sr, 0, sizeof sr);
	sf.kind = sk;
	strcpy(sf.id, "20261207");
	if (sk == STS_F_POLICY) {
		sf.policy.mode = mode;
		sf.policy.max_age = 86400;
	}
	if (sk != STS_F_OFF) {
		sr.status = sts;
		sr.status_name = mtasts_status_name(sts);
		sr.have_policy = sk == STS_F_POLICY;
		sr.mx_match = mx_match;
	}
	{
		struct tls_standing ts = { .tls_done = true, .trusted = true, .name_ok = true };

		policy_view_of(&t, &d, &sf, &sr, &ts, out);
	}
}

static void
fixture_build(struct fixture *f, bool passive)
{
	struct reg_prow *p;

	memset(f, 0, sizeof *f);
	f->rows[0] = row_tls13();
	f->rows[1] = row_never();
	f->rows[2] = row_smtp();
	f->rows[3] = row_nostarttls();
	f->rows[4] = row_ipv6();
	f->rows[5] = row_hostile();
	f->s.n = 6;
	/* the published TLS policy: both, a violation, MTA-STS alone without a
	 * record, DANE alone, a view that asked for neither; row 1 has none */
	view_make(DANE_ST_VALID, STS_F_POLICY, MTASTS_MODE_ENFORCE, MTASTS_ENFORCE_OK, true,
	    &f->pol[0]);
	f->rows[0]->pol = &f->pol[0];
	view_make(DANE_ST_MISMATCH, STS_F_POLICY, MTASTS_MODE_ENFORCE,
	    MTASTS_ENFORCE_VIOLATION, false, &f->pol[1]);
	f->rows[4]->pol = &f->pol[1];
	view_make(DANE_ST_OFF, STS_F_NONE, MTASTS_MODE_ENFORCE, MTASTS_NONE, true, &f->pol[2]);
	f->rows[2]->pol = &f->pol[2];
	view_make(DANE_ST_NO_TLSA, STS_F_OFF, MTASTS_MODE_ENFORCE, MTASTS_NONE, true,
	    &f->pol[3]);
	f->rows[3]->pol = &f->pol[3];
	view_make(DANE_ST_OFF, STS_F_OFF, MTASTS_MODE_ENFORCE, MTASTS_NONE, true, &f->pol[4]);
	f->rows[5]->pol = &f->pol[4];
	f->s.rows = f->rows;
	f->s.started = NOW - 3600;
	f->s.published_at = NOW - 2;
	f->s.probes_done = 100;
	f->s.probe_failures = 9;
	f->s.targets_configured = 5;

	p = f->prows[0] = prow_new(1, "198.51.100.7:25");
	p->v.server_type = 'E';
	p->v.ehlo_seen = true;
	p->v.starttls_offered = true;
	p->v.tls_version = 0x0304;
	p->v.cipher_id = 0x1301;
	p->v.sessions = 10;
	p->v.sessions_tls = 9;
	p->v.alerts = 1;
	strcpy(p->v.banner, "220 \"x\"\n");
	{
		/* as pserver rates a TLS 1.3 session: the certificate unseen */
		struct rating_input in = { .tls_version = 0x0304, .cipher_id = 0x1301,
		    .group = "x25519" };

		rating_of(&in, &p->v.rating);
	}
	p = f->prows[1] = prow_new(2, "[2001:db8::7]:587");
	p->v.server_type = 'S';
	p->v.sessions = (1ull << 32) + 3;
	p = f->prows[2] = prow_new(3, "198.51.100.8:25");
	p->v.ehlo_seen = true;
	p->v.tls_version = 0x7f1c;          /* a draft: no name */
	p->v.cipher_id = 0x0A0A;            /* not in the table */
	p->v.sessions = 1;
	p->v.sessions_tls = 1;
	for (size_t i = 0; i < 3; i++)
		pserver_view_names(&f->prows[i]->v);   /* as pserver_observe() names its rows */
	f->s.n_prows = 3;
	f->s.prows = f->prows;
	f->s.passive.enabled = passive;
	f->s.passive.packets = 10000000000ull;
	f->s.passive.bytes = 123456;
	f->s.passive.sessions = 42;
	f->s.passive.capture_drops = 3;
}

static void
fixture_free(struct fixture *f)
{
	for (size_t i = 0; i < N(f->rows); i++)
		free(f->rows[i]);
	for (size_t i = 0; i < N(f->prows); i++)
		free(f->prows[i]);
}

/* The rendering of s, NUL-terminated; the caller frees it. */
static char *
render(const struct reg_snapshot *s, bool om)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	assert_int_equal(metrics_render(out, s, TEST_VERSION, NOW, om), 0);
	assert_int_equal(fclose(out), 0);
	assert_non_null(buf);
	assert_int_equal(strlen(buf), len);
	return buf;
}

/* ---- looking at lines ---- */

static size_t
count_lines(const char *buf, const char *line)
{
	size_t n = 0, ll = strlen(line);

	for (const char *p = buf; *p; ) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == ll && memcmp(p, line, ll) == 0)
			n++;
		p += len + (e ? 1 : 0);
	}
	return n;
}

static size_t
count_prefix(const char *buf, const char *prefix)
{
	size_t n = 0, pl = strlen(prefix);

	for (const char *p = buf; *p; ) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len >= pl && memcmp(p, prefix, pl) == 0)
			n++;
		p += len + (e ? 1 : 0);
	}
	return n;
}

static void
want_lines(const char *buf, const char *const *lines, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (count_lines(buf, lines[i]) != 1)
			print_message("missing or repeated: %s\n", lines[i]);
		assert_int_equal(count_lines(buf, lines[i]), 1);
	}
}

static void
want_none(const char *buf, const char *const *prefixes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (count_prefix(buf, prefixes[i]) != 0)
			print_message("unexpected: %s\n", prefixes[i]);
		assert_int_equal(count_prefix(buf, prefixes[i]), 0);
	}
}

/* ---- the series ---- */

static void
test_daemon(void **state)
{
	struct fixture f;
	char *buf;
	static const char *const lines[] = {
		"smtpmon_build_info{version=\"1.4.0\"} 1",
		"smtpmon_start_time_seconds 1796079600",
		"smtpmon_targets 5",
		"smtpmon_target_rows 6",
		"smtpmon_connections_open 3",
		"smtpmon_snapshot_age_seconds 2",
		"smtpmon_daemon_probes_total 100",
		"smtpmon_daemon_probe_failures_total 9",
	};

	(void)state;
	fixture_build(&f, false);
	buf = render(&f.s, false);
	want_lines(buf, lines, N(lines));
	free(buf);
	fixture_free(&f);
}

static void
test_target_tls(void **state)
{
	struct fixture f;
	char *buf;
	static const char *const lines[] = {
		"smtpmon_target_up{target=\"192.0.2.25:25\"} 1",
		"smtpmon_target_info{target=\"192.0.2.25:25\",name=\"example.org\","
		    "server_type=\"ESMTP\",security_method=\"TLS\"} 1",
		"smtpmon_tls_version_info{target=\"192.0.2.25:25\",version=\"TLSv1.3\"} 1",
		"smtpmon_tls_cipher_info{target=\"192.0.2.25:25\","
		    "cipher=\"TLS_AES_256_GCM_SHA384\","
		    "cipher_id=\"0x1302\"} 1",
		"smtpmon_tls_cipher_strength_info{target=\"192.0.2.25:25\",class=\"good\"} 1",
		"smtpmon_starttls_offered{target=\"192.0.2.25:25\"} 1",
		"smtpmon_cert_verified{target=\"192.0.2.25:25\"} 1",
		"smtpmon_cert_not_after_timestamp_seconds{target=\"192.0.2.25:25\"} 1803902400",
		"smtpmon_phase_duration_seconds{target=\"192.0.2.25:25\","
		    "phase=\"connect\"} 0.001200",
		"smtpmon_phase_duration_seconds{target=\"192.0.2.25:25\","
		    "phase=\"banner\"} 0.035000",
		"smtpmon_phase_duration_seconds{target=\"192.0.2.25:25\",phase=\"ehlo\"} 0.000800",
		"smtpmon_phase_duration_seconds{target=\"192.0.2.25:25\","
		    "phase=\"starttls\"} 0.000900",
		"smtpmon_phase_duration_seconds{target=\"192.0.2.25:25\","
		    "phase=\"handshake\"} 1.015000",
		"smtpmon_phase_duration_seconds{target=\"192.0.2.25:25\",phase=\"noop\"} 0.000650",
		"smtpmon_probes_total{target=\"192.0.2.25:25\"} 5",
		"smtpmon_probe_failures_total{target=\"192.0.2.25:25\"} 2",
		"smtpmon_tls_downgrade_events_total{target=\"192.0.2.25:25\","
		    "event=\"starttls-not-supported\"} 0",
		"smtpmon_tls_downgrade_events_total{target=\"192.0.2.25:25\","
		    "event=\"tls-version-lowered\"} 2",
		"smtpmon_tls_downgrade_events_total{target=\"192.0.2.25:25\","
		    "event=\"cipher-weakened\"} 0",
		"smtpmon_tls_downgrade_events_total{target=\"192.0.2.25:25\","
		    "event=\"certificate-expired\"} 0",
		"smtpmon_tls_downgrade_events_total{target=\"192.0.2.25:25\","
		    "event=\"certificate-not-trusted\"} 0",
		"smtpmon_tls_downgrade_events_total{target=\"192.0.2.25:25\","
		    "event=\"certificate-host-mismatch\"} 0",
		"smtpmon_tls_downgrade_events_total{target=\"192.0.2.25:25\","
		    "event=\"below-minimum\"} 0",
		"smtpmon_tls_downgrade_events_total{target=\"192.0.2.25:25\","
		    "event=\"certificate-changed\"} 1",
		"smtpmon_tls_downgrade_active{target=\"192.0.2.25:25\","
		    "event=\"starttls-not-supported\"} 0",
		"smtpmon_tls_downgrade_active{target=\"192.0.2.25:25\","
		    "event=\"tls-version-lowered\"} 1",
		"smtpmon_tls_downgrade_active{target=\"192.0.2.25:25\","
		    "event=\"cipher-weakened\"} 0",
		"smtpmon_tls_downgrade_active{target=\"192.0.2.25:25\","
		    "event=\"certificate-expired\"} 0",
		"smtpmon_tls_downgrade_active{target=\"192.0.2.25:25\","
		    "event=\"certificate-not-trusted\"} 0",
		"smtpmon_tls_downgrade_active{target=\"192.0.2.25:25\","
		    "event=\"certificate-host-mismatch\"} 0",
		"smtpmon_tls_downgrade_active{target=\"192.0.2.25:25\",event=\"below-minimum\"} 0",
		"smtpmon_tls_downgrade_active{target=\"192.0.2.25:25\","
		    "event=\"certificate-changed\"} 0",
		"smtpmon_server_closes_total{target=\"192.0.2.25:25\"} 1",
		"smtpmon_recycles_total{target=\"192.0.2.25:25\"} 4",
	};

	(void)state;
	fixture_build(&f, false);
	buf = render(&f.s, false);
	want_lines(buf, lines, N(lines));
	/* six phases measured, every event once in each family */
	assert_int_equal(count_prefix(buf, "smtpmon_phase_duration_seconds"
	    "{target=\"192.0.2.25:25\""), 6);
	assert_int_equal(count_prefix(buf, "smtpmon_tls_downgrade_events_total"
	    "{target=\"192.0.2.25:25\""), DG_N_EVENTS);
	assert_int_equal(count_prefix(buf, "smtpmon_tls_downgrade_active"
	    "{target=\"192.0.2.25:25\""), DG_N_EVENTS);
	/* the banner a server sent is no label */
	assert_null(strstr(buf, "evil"));
	free(buf);
	fixture_free(&f);
}

static void
test_target_never(void **state)
{
	struct fixture f;
	char *buf;
	static const char *const lines[] = {
		"smtpmon_target_up{target=\"192.0.2.26:25\"} 0",
		"smtpmon_target_info{target=\"192.0.2.26:25\",name=\"\",server_type=\"unknown\","
		    "security_method=\"unknown\"} 1",
		"smtpmon_probes_total{target=\"192.0.2.26:25\"} 0",
		"smtpmon_probe_failures_total{target=\"192.0.2.26:25\"} 7",
		"smtpmon_tls_downgrade_events_total{target=\"192.0.2.26:25\","
		    "event=\"starttls-not-supported\"} 0",
		"smtpmon_tls_downgrade_events_total{target=\"192.0.2.26:25\","
		    "event=\"certificate-changed\"} 0",
		"smtpmon_tls_downgrade_active{target=\"192.0.2.26:25\",event=\"below-minimum\"} 0",
		"smtpmon_server_closes_total{target=\"192.0.2.26:25\"} 0",
		"smtpmon_recycles_total{target=\"192.0.2.26:25\"} 0",
	};
	static const char *const none[] = {
		"smtpmon_tls_version_info{target=\"192.0.2.26:25\"",
		"smtpmon_tls_cipher_info{target=\"192.0.2.26:25\"",
		"smtpmon_tls_cipher_strength_info{target=\"192.0.2.26:25\"",
		"smtpmon_starttls_offered{target=\"192.0.2.26:25\"",
		"smtpmon_cert_verified{target=\"192.0.2.26:25\"",
		"smtpmon_cert_not_after_timestamp_seconds{target=\"192.0.2.26:25\"",
		"smtpmon_phase_duration_seconds{target=\"192.0.2.26:25\"",
	};

	(void)state;
	fixture_build(&f, false);
	buf = render(&f.s, false);
	want_lines(buf, lines, N(lines));
	want_none(buf, none, N(none));
	assert_int_equal(count_prefix(buf, "smtpmon_tls_downgrade_events_total"
	    "{target=\"192.0.2.26:25\""), DG_N_EVENTS);
	/* the server's reply of the failure is no label */
	assert_null(strstr(buf, "service"));
	free(buf);
	fixture_free(&f);
}

static void
test_target_plain(void **state)
{
	struct fixture f;
	char *buf;
	static const char *const lines[] = {
		/* SMTP: EHLO refused, so no STARTTLS verdict */
		"smtpmon_target_up{target=\"192.0.2.27:25\"} 1",
		"smtpmon_target_info{target=\"192.0.2.27:25\",name=\"\",server_type=\"SMTP\","
		    "security_method=\"basic\"} 1",
		"smtpmon_phase_duration_seconds{target=\"192.0.2.27:25\","
		    "phase=\"connect\"} 0.000500",
		"smtpmon_phase_duration_seconds{target=\"192.0.2.27:25\","
		    "phase=\"banner\"} 0.001000",
		"smtpmon_phase_duration_seconds{target=\"192.0.2.27:25\",phase=\"ehlo\"} 0.002000",
		"smtpmon_probes_total{target=\"192.0.2.27:25\"} 1",
		/* ESMTP without STARTTLS */
		"smtpmon_target_info{target=\"192.0.2.28:2525\",name=\"plain.example.net\","
		    "server_type=\"ESMTP\",security_method=\"basic\"} 1",
		"smtpmon_starttls_offered{target=\"192.0.2.28:2525\"} 0",
		"smtpmon_phase_duration_seconds{target=\"192.0.2.28:2525\","
		    "phase=\"connect\"} 0.000010",
		"smtpmon_phase_duration_seconds{target=\"192.0.2.28:2525\","
		    "phase=\"noop\"} 2.000000",
	};
	static const char *const none[] = {
		"smtpmon_starttls_offered{target=\"192.0.2.27:25\"",
		"smtpmon_tls_version_info{target=\"192.0.2.27:25\"",
		"smtpmon_tls_cipher_info{target=\"192.0.2.27:25\"",
		"smtpmon_tls_cipher_strength_info{target=\"192.0.2.27:25\"",
		"smtpmon_cert_verified{target=\"192.0.2.27:25\"",
		"smtpmon_cert_not_after_timestamp_seconds{target=\"192.0.2.27:25\"",
		"smtpmon_tls_version_info{target=\"192.0.2.28:2525\"",
		"smtpmon_cert_verified{target=\"192.0.2.28:2525\"",
	};

	(void)state;
	fixture_build(&f, false);
	buf = render(&f.s, false);
	want_lines(buf, lines, N(lines));
	want_none(buf, none, N(none));
	assert_int_equal(count_prefix(buf, "smtpmon_phase_duration_seconds"
	    "{target=\"192.0.2.27:25\""), 3);
	assert_int_equal(count_prefix(buf, "smtpmon_phase_duration_seconds"
	    "{target=\"192.0.2.28:2525\""), 4);
	free(buf);
	fixture_free(&f);
}

/* IPv6, down: the last classification's facts stay, as in status --json */
static void
test_target_ipv6(void **state)
{
	struct fixture f;
	char *buf;
	static const char *const lines[] = {
		"smtpmon_target_up{target=\"[2001:db8::25]:587\"} 0",
		"smtpmon_target_info{target=\"[2001:db8::25]:587\",name=\"v6.example.org\","
		    "server_type=\"ESMTP\",security_method=\"TLS\"} 1",
		"smtpmon_tls_version_info{target=\"[2001:db8::25]:587\",version=\"TLSv1.2\"} 1",
		"smtpmon_tls_cipher_info{target=\"[2001:db8::25]:587\","
		    "cipher=\"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA\",cipher_id=\"0xC013\"} 1",
		"smtpmon_tls_cipher_strength_info{target=\"[2001:db8::25]:587\","
		    "class=\"sufficient\"} 1",
		"smtpmon_cert_verified{target=\"[2001:db8::25]:587\"} 0",
		"smtpmon_cert_not_after_timestamp_seconds{target=\"[2001:db8::25]:587\"} "
		    "1798761600",
		"smtpmon_probes_total{target=\"[2001:db8::25]:587\"} 4",
		"smtpmon_probe_failures_total{target=\"[2001:db8::25]:587\"} 2",
		"smtpmon_tls_downgrade_events_total{target=\"[2001:db8::25]:587\","
		    "event=\"starttls-not-supported\"} 3",
		"smtpmon_tls_downgrade_events_total{target=\"[2001:db8::25]:587\","
		    "event=\"certificate-not-trusted\"} 1",
		"smtpmon_tls_downgrade_active{target=\"[2001:db8::25]:587\","
		    "event=\"starttls-not-supported\"} 1",
		"smtpmon_tls_downgrade_active{target=\"[2001:db8::25]:587\","
		    "event=\"certificate-not-trusted\"} 1",
		"smtpmon_tls_downgrade_active{target=\"[2001:db8::25]:587\","
		    "event=\"tls-version-lowered\"} 0",
	};

	(void)state;
	fixture_build(&f, false);
	buf = render(&f.s, false);
	want_lines(buf, lines, N(lines));
	free(buf);
	fixture_free(&f);
}

/* the published TLS policy: one series per family for a row whose view
 * asked for it, none otherwise */
static void
test_target_policy(void **state)
{
	struct fixture f;
	char *buf;
	static const char *const lines[] = {
		"smtpmon_dane_status{target=\"192.0.2.25:25\",status=\"valid\"} 1",
		"smtpmon_mta_sts_status{target=\"192.0.2.25:25\",status=\"enforce-ok\","
		    "mode=\"enforce\"} 1",
		"smtpmon_dane_status{target=\"[2001:db8::25]:587\",status=\"mismatch\"} 1",
		"smtpmon_mta_sts_status{target=\"[2001:db8::25]:587\","
		    "status=\"enforce-violation\",mode=\"enforce\"} 1",
		"smtpmon_mta_sts_status{target=\"192.0.2.27:25\",status=\"none\",mode=\"\"} 1",
		"smtpmon_dane_status{target=\"192.0.2.28:2525\",status=\"no-tlsa\"} 1",
		"# TYPE smtpmon_dane_status gauge",
		"# TYPE smtpmon_mta_sts_status gauge",
	};
	static const char *const none[] = {
		"smtpmon_dane_status{target=\"192.0.2.26:25\"",     /* no view */
		"smtpmon_mta_sts_status{target=\"192.0.2.26:25\"",
		"smtpmon_dane_status{target=\"192.0.2.27:25\"",     /* MtaSts alone */
		"smtpmon_mta_sts_status{target=\"192.0.2.28:2525\"",   /* Dane alone */
		"smtpmon_dane_status{target=\"192.0.2.29:25\"",     /* a view asking nothing */
		"smtpmon_mta_sts_status{target=\"192.0.2.29:25\"",
	};

	(void)state;
	fixture_build(&f, false);
	buf = render(&f.s, false);
	want_lines(buf, lines, N(lines));
	want_none(buf, none, N(none));
	assert_int_equal(count_prefix(buf, "smtpmon_dane_status{"), 3);
	assert_int_equal(count_prefix(buf, "smtpmon_mta_sts_status{"), 3);
	assert_int_equal(count_prefix(buf, "# HELP smtpmon_dane_status DANE "), 1);
	assert_int_equal(count_prefix(buf, "# HELP smtpmon_mta_sts_status MTA-STS "), 1);
	free(buf);
	/* OpenMetrics: the same series, gauges keep their names */
	buf = render(&f.s, true);
	want_lines(buf, lines, N(lines));
	free(buf);
	fixture_free(&f);
}

/* the NCSC-NL 2025-05 rating: one series per known component of a row
 * classified with TLS (TLS 1.3 with a P-256 key signed with SHA256: all six;
 * TLS 1.2 with an ECDHE CBC-SHA1 suite, group and key unknown: three), none for
 * rows without TLS */
static void
test_target_rating(void **state)
{
	struct fixture f;
	char *buf;
	static const char *const lines[] = {
		"smtpmon_tls_rating{target=\"192.0.2.25:25\",component=\"overall\","
		    "class=\"sufficient\"} 1",
		"smtpmon_tls_rating{target=\"192.0.2.25:25\",component=\"tls_version\","
		    "class=\"good\"} 1",
		"smtpmon_tls_rating{target=\"192.0.2.25:25\",component=\"cipher\","
		    "class=\"good\"} 1",
		"smtpmon_tls_rating{target=\"192.0.2.25:25\",component=\"key_exchange\","
		    "class=\"sufficient\"} 1",
		"smtpmon_tls_rating{target=\"192.0.2.25:25\",component=\"cert_key\","
		    "class=\"sufficient\"} 1",
		"smtpmon_tls_rating{target=\"192.0.2.25:25\",component=\"cert_signature\","
		    "class=\"good\"} 1",
		"smtpmon_tls_rating{target=\"[2001:db8::25]:587\",component=\"overall\","
		    "class=\"insufficient\"} 1",
		"smtpmon_tls_rating{target=\"[2001:db8::25]:587\",component=\"tls_version\","
		    "class=\"sufficient\"} 1",
		"smtpmon_tls_rating{target=\"[2001:db8::25]:587\",component=\"cipher\","
		    "class=\"insufficient\"} 1",
		"# TYPE smtpmon_tls_rating gauge",
	};
	static const char *const none[] = {
		"smtpmon_tls_rating{target=\"[2001:db8::25]:587\",component=\"key_exchange\"",
		"smtpmon_tls_rating{target=\"[2001:db8::25]:587\",component=\"cert_key\"",
		"smtpmon_tls_rating{target=\"192.0.2.26:25\"",        /* never classified */
		"smtpmon_tls_rating{target=\"192.0.2.27:25\"",        /* no TLS */
		"smtpmon_tls_rating{target=\"192.0.2.28:2525\"",
	};

	(void)state;
	fixture_build(&f, false);
	buf = render(&f.s, false);
	want_lines(buf, lines, N(lines));
	want_none(buf, none, N(none));
	assert_int_equal(count_prefix(buf, "smtpmon_tls_rating{"), 9);
	assert_int_equal(count_prefix(buf, "# HELP smtpmon_tls_rating NCSC-NL 2025-05 "), 1);
	free(buf);
	buf = render(&f.s, true);
	want_lines(buf, lines, N(lines));
	free(buf);
	fixture_free(&f);
}

static void
test_escaping(void **state)
{
	struct fixture f;
	char *buf;
	static const char *const lines[] = {
		"smtpmon_target_info{target=\"192.0.2.29:25\","
		    "name=\"a\\\"b\\\\c\\nd?e?f}g,h=\\\"\",server_type=\"unknown\","
		    "security_method=\"unknown\"} 1",
		"smtpmon_build_info{version=\"1.4\\\"\\\\\\n\"} 1",
	};
	FILE *out;
	size_t len = 0;

	(void)state;
	fixture_build(&f, false);
	buf = NULL;
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	assert_int_equal(metrics_render(out, &f.s, "1.4\"\\\n", NOW, false), 0);
	assert_int_equal(fclose(out), 0);
	want_lines(buf, lines, N(lines));
	/* nothing but the escapes: no raw byte outside printable ASCII but LF */
	for (const unsigned char *p = (const unsigned char *)buf; *p; p++)
		assert_true(*p == '\n' || (*p >= 0x20 && *p < 0x7f));
	free(buf);
	fixture_free(&f);
}

static void
test_passive(void **state)
{
	struct fixture f;
	char *buf;
	static const char *const lines[] = {
		"smtpmon_passive_packets_total 10000000000",
		"smtpmon_passive_bytes_total 123456",
		"smtpmon_passive_sessions_total 42",
		"smtpmon_passive_capture_drops_total 3",
		"smtpmon_passive_server_sessions_total{server=\"198.51.100.7:25\"} 10",
		"smtpmon_passive_server_tls_sessions_total{server=\"198.51.100.7:25\"} 9",
		"smtpmon_passive_server_tls_version_info{server=\"198.51.100.7:25\","
		    "version=\"TLSv1.3\"} 1",
		"smtpmon_passive_server_cipher_info{server=\"198.51.100.7:25\","
		    "cipher=\"TLS_AES_128_GCM_SHA256\",cipher_id=\"0x1301\"} 1",
		"smtpmon_passive_server_starttls_offered{server=\"198.51.100.7:25\"} 1",
		"smtpmon_passive_server_alerts_total{server=\"198.51.100.7:25\"} 1",
		"smtpmon_passive_server_sessions_total{server=\"[2001:db8::7]:587\"} 4294967299",
		"smtpmon_passive_server_tls_sessions_total{server=\"[2001:db8::7]:587\"} 0",
		"smtpmon_passive_server_alerts_total{server=\"[2001:db8::7]:587\"} 0",
		/* what no table names, by its number */
		"smtpmon_passive_server_tls_version_info{server=\"198.51.100.8:25\","
		    "version=\"0x7f1c\"} 1",
		"smtpmon_passive_server_cipher_info{server=\"198.51.100.8:25\",cipher=\"0x0a0a\","
		    "cipher_id=\"0x0A0A\"} 1",
		"smtpmon_passive_server_starttls_offered{server=\"198.51.100.8:25\"} 0",
		/* the rating of the last TLS session: what the wire showed */
		"smtpmon_passive_server_tls_rating{server=\"198.51.100.7:25\",component=\"overall\","
		    "class=\"sufficient\"} 1",
		"smtpmon_passive_server_tls_rating{server=\"198.51.100.7:25\","
		    "component=\"tls_version\",class=\"good\"} 1",
		"smtpmon_passive_server_tls_rating{server=\"198.51.100.7:25\",component=\"cipher\","
		    "class=\"sufficient\"} 1",
		"smtpmon_passive_server_tls_rating{server=\"198.51.100.7:25\","
		    "component=\"key_exchange\",class=\"sufficient\"} 1",
		"# TYPE smtpmon_passive_server_tls_rating gauge",
	};
	static const char *const none[] = {
		"smtpmon_passive_server_tls_rating{server=\"198.51.100.7:25\",component=\"cert_key\"",
		"smtpmon_passive_server_tls_rating{server=\"198.51.100.7:25\","
		    "component=\"cert_signature\"",
		"smtpmon_passive_server_tls_rating{server=\"[2001:db8::7]:587\"",
		"smtpmon_passive_server_tls_rating{server=\"198.51.100.8:25\"",
		"smtpmon_passive_server_tls_version_info{server=\"[2001:db8::7]:587\"",
		"smtpmon_passive_server_cipher_info{server=\"[2001:db8::7]:587\"",
		"smtpmon_passive_server_starttls_offered{server=\"[2001:db8::7]:587\"",
	};

	(void)state;
	fixture_build(&f, true);
	buf = render(&f.s, false);
	want_lines(buf, lines, N(lines));
	want_none(buf, none, N(none));
	assert_null(strstr(buf, "220 "));      /* a banner is no label */
	free(buf);

	/* off: no passive family at all, not even its HELP */
	f.s.passive.enabled = false;
	buf = render(&f.s, false);
	assert_null(strstr(buf, "smtpmon_passive"));
	free(buf);
	fixture_free(&f);
}

/* ---- the format ---- */

/* Families seen in one rendering. */
#define MAXF 64
struct seen {
	char name[MAXF][64];
	bool counter[MAXF];
	int help[MAXF], type[MAXF];
	bool closed[MAXF];          /* another family began after it */
	size_t n;
};

static int
family_of(struct seen *sn, const char *name, size_t len)
{
	for (size_t i = 0; i < sn->n; i++)
		if (strlen(sn->name[i]) == len && memcmp(sn->name[i], name, len) == 0)
			return (int)i;
	assert_true(sn->n < MAXF && len < 64);
	memcpy(sn->name[sn->n], name, len);
	sn->name[sn->n][len] = '\0';
	return (int)sn->n++;
}

/* A label set {k="v",...}: names [a-z_], values with only \\ \" \n escapes;
 * returns the character after the closing brace. */
static const char *
check_labels(const char *p)
{
	assert_int_equal(*p, '{');
	p++;
	for (;;) {
		const char *k = p;

		while ((*p >= 'a' && *p <= 'z') || *p == '_')
			p++;
		assert_true(p > k);
		assert_int_equal(*p++, '=');
		assert_int_equal(*p++, '"');
		while (*p != '"') {
			assert_true(*p != '\0' && *p != '\n');
			if (*p == '\\') {
				p++;
				assert_true(*p == '\\' || *p == '"' || *p == 'n');
			}
			p++;
		}
		p++;
		if (*p == '}')
			return p + 1;
		assert_int_equal(*p++, ',');
	}
}

/* Every line well formed; HELP and TYPE once per family and before its
 * series, which stay together; the _total rule of the format. Returns the
 * number of families. */
static size_t
check_format(const char *buf, bool om)
{
	struct seen sn;
	int cur = -1;
	const char *p = buf;
	size_t len = strlen(buf);

	memset(&sn, 0, sizeof sn);
	assert_true(len > 0 && buf[len - 1] == '\n');
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t ll = (size_t)(e - p);

		assert_non_null(e);
		assert_true(ll > 0);
		if (om && ll == 5 && memcmp(p, "# EOF", 5) == 0) {
			assert_int_equal(e[1], '\0');   /* the last line */
			p = e + 1;
			break;
		}
		if (ll > 7 && (memcmp(p, "# HELP ", 7) == 0 || memcmp(p, "# TYPE ", 7) == 0)) {
			bool help = p[2] == 'H';
			const char *n = p + 7, *sp = memchr(n, ' ', (size_t)(e - n));
			int fi;

			assert_non_null(sp);
			fi = family_of(&sn, n, (size_t)(sp - n));
			assert_false(sn.closed[fi]);
			if (cur >= 0 && cur != fi)
				sn.closed[cur] = true;
			cur = fi;
			if (help) {
				sn.help[fi]++;
				assert_true(e - sp > 1);          /* a text */
			} else {
				sn.type[fi]++;
				if ((size_t)(e - sp) == 8 && memcmp(sp, " counter", 8) == 0)
					sn.counter[fi] = true;
				else
					assert_true((size_t)(e - sp) == 6 &&
					    memcmp(sp, " gauge", 6) == 0);
			}
		} else {
			const char *n = p, *q = p;
			size_t nl, fl;
			char *end;

			assert_int_not_equal(*p, '#');
			while ((*q >= 'a' && *q <= 'z') || *q == '_')
				q++;
			nl = (size_t)(q - n);
			assert_true(nl > 0);
			/* a sample of the family whose TYPE came last */
			assert_true(cur >= 0);
			assert_int_equal(sn.help[cur], 1);
			assert_int_equal(sn.type[cur], 1);
			fl = strlen(sn.name[cur]);
			if (om && sn.counter[cur]) {
				assert_int_equal(nl, fl + 6);
				assert_memory_equal(n + fl, "_total", 6);
			} else {
				assert_int_equal(nl, fl);
			}
			assert_memory_equal(n, sn.name[cur], fl);
			if (*q == '{')
				q = check_labels(q);
			assert_int_equal(*q++, ' ');
			(void)strtod(q, &end);
			assert_true(end > q && end == e);
		}
		p = e + 1;
	}
	assert_int_equal(*p, '\0');
	for (size_t i = 0; i < sn.n; i++) {
		size_t l = strlen(sn.name[i]);
		bool total = l > 6 && strcmp(sn.name[i] + l - 6, "_total") == 0;

		assert_int_equal(sn.help[i], 1);
		assert_int_equal(sn.type[i], 1);
		/* text: a counter's TYPE names it with _total, nothing else ends so;
		 * OpenMetrics: no family name ends in _total */
		if (om)
			assert_false(total);
		else
			assert_int_equal(total, sn.counter[i]);
	}
	return sn.n;
}

static void
test_format_text(void **state)
{
	struct fixture f;
	char *buf;

	(void)state;
	fixture_build(&f, true);
	buf = render(&f.s, false);
	assert_int_equal(check_format(buf, false), 37);
	assert_null(strstr(buf, "# EOF"));
	assert_int_equal(count_lines(buf, "# TYPE smtpmon_probes_total counter"), 1);
	assert_int_equal(count_lines(buf, "# TYPE smtpmon_target_up gauge"), 1);
	assert_int_equal(count_lines(buf, "# TYPE smtpmon_build_info gauge"), 1);
	assert_int_equal(count_prefix(buf, "# HELP smtpmon_tls_downgrade_events_total "), 1);
	free(buf);

	/* passive off: 26 families; no target: HELP and TYPE all the same */
	f.s.passive.enabled = false;
	buf = render(&f.s, false);
	assert_int_equal(check_format(buf, false), 26);
	free(buf);
	f.s.n = 0;
	buf = render(&f.s, false);
	assert_int_equal(check_format(buf, false), 26);
	assert_int_equal(count_lines(buf, "# TYPE smtpmon_tls_cipher_info gauge"), 1);
	assert_int_equal(count_prefix(buf, "smtpmon_target_up"), 0);
	free(buf);
	fixture_free(&f);
}

static void
test_format_openmetrics(void **state)
{
	struct fixture f;
	char *buf;
	size_t len;
	static const char *const lines[] = {
		"# TYPE smtpmon_probes counter",
		"# TYPE smtpmon_daemon_probes counter",
		"# TYPE smtpmon_tls_downgrade_events counter",
		"# TYPE smtpmon_passive_server_alerts counter",
		"# TYPE smtpmon_target_up gauge",
		"smtpmon_probes_total{target=\"192.0.2.25:25\"} 5",
		"smtpmon_daemon_probes_total 100",
		"smtpmon_passive_packets_total 10000000000",
		"smtpmon_target_up{target=\"192.0.2.25:25\"} 1",
		"# EOF",
	};

	(void)state;
	fixture_build(&f, true);
	buf = render(&f.s, true);
	assert_int_equal(check_format(buf, true), 37);
	want_lines(buf, lines, N(lines));
	assert_int_equal(count_prefix(buf, "# TYPE smtpmon_probes_total"), 0);
	assert_int_equal(count_prefix(buf, "# HELP smtpmon_probes_total"), 0);
	assert_int_equal(count_prefix(buf, "# HELP smtpmon_probes "), 1);
	len = strlen(buf);
	assert_true(len > 6);
	assert_string_equal(buf + len - 6, "# EOF\n");
	free(buf);

	/* nothing at all but the daemon: still ends so */
	f.s.n = 0;
	f.s.passive.enabled = false;
	buf = render(&f.s, true);
	assert_int_equal(check_format(buf, true), 26);
	len = strlen(buf);
	assert_string_equal(buf + len - 6, "# EOF\n");
	free(buf);
	fixture_free(&f);
}

static void
test_write_error(void **state)
{
	struct fixture f;
	FILE *out;

	(void)state;
	fixture_build(&f, true);
	out = fopen("/dev/null", "r");       /* a stream that cannot be written */
	assert_non_null(out);
	assert_int_equal(metrics_render(out, &f.s, TEST_VERSION, NOW, false), -1);
	fclose(out);
	out = fopen("/dev/full", "w");       /* the write itself fails (ENOSPC) */
	if (out != NULL) {
		assert_int_equal(metrics_render(out, &f.s, TEST_VERSION, NOW, true), -1);
		fclose(out);
	}
	fixture_free(&f);
}

/* ---- Prometheus's own linter ---- */

static bool
find_promtool(char *path, size_t pathsz)
{
	const char *env = getenv("PATH");
	char dirs[4096];

	snprintf(dirs, sizeof dirs, "%s", env != NULL ? env : "/usr/bin:/bin");
	for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d != NULL;
	    d = strtok_r(NULL, ":", &save)) {
		snprintf(path, pathsz, "%s/promtool", d);
		if (access(path, X_OK) == 0)
			return true;
	}
	return false;
}

/* promtool check metrics on the text rendering: silent, status 0 */
static void
promtool_on(const char *promtool, const struct reg_snapshot *s)
{
	char file[] = "/tmp/test_metrics.XXXXXX";
	char cmd[1200], said[4096];
	int fd = mkstemp(file), status;
	FILE *out, *p;
	size_t n;

	assert_true(fd >= 0);
	out = fdopen(fd, "w");
	assert_non_null(out);
	assert_int_equal(metrics_render(out, s, TEST_VERSION, NOW, false), 0);
	assert_int_equal(fclose(out), 0);
	snprintf(cmd, sizeof cmd, "'%s' check metrics < '%s' 2>&1", promtool, file);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(said, 1, sizeof said - 1, p);
	said[n] = '\0';
	status = pclose(p);
	unlink(file);
	if (n > 0 || status != 0)
		print_message("promtool (status %d) said: %s\n", status, said);
	assert_int_equal(n, 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
test_promtool(void **state)
{
	struct fixture f;
	char promtool[1024];

	(void)state;
	if (!find_promtool(promtool, sizeof promtool)) {
		print_message("promtool not installed (Debian package prometheus)\n");
		skip();
	}
	fixture_build(&f, true);
	promtool_on(promtool, &f.s);
	f.s.passive.enabled = false;
	f.s.n = 0;
	promtool_on(promtool, &f.s);
	fixture_free(&f);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_daemon),
		cmocka_unit_test(test_target_tls),
		cmocka_unit_test(test_target_never),
		cmocka_unit_test(test_target_plain),
		cmocka_unit_test(test_target_ipv6),
		cmocka_unit_test(test_target_policy),
		cmocka_unit_test(test_target_rating),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_passive),
		cmocka_unit_test(test_format_text),
		cmocka_unit_test(test_format_openmetrics),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_promtool),
	};

	if (argc >= 2 && strcmp(argv[1], "--dump") == 0) {
		struct fixture f;
		int rc;

		fixture_build(&f, true);
		rc = metrics_render(stdout, &f.s, TEST_VERSION, NOW,
		    argc >= 3 && strcmp(argv[2], "--openmetrics") == 0);
		fixture_free(&f);
		return rc == 0 ? 0 : 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
