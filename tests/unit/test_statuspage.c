/* tests/unit/test_statuspage.c: agent/output/statuspage, the HTML status page,
 * from snapshots built by hand: rows decided by verdict_of() as the monitor
 * decides them, hostile text where a server or a configuration puts it.
 *
 * `test_statuspage --write FILE` writes the sample page to FILE and runs no
 * test (tests/integration/statuspage-chromium.sh loads it in a browser).
 */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include <openssl/x509_vfy.h>

#include "testrow.h"
#include "downgrade.h"
#include "pserver.h"
#include "registry.h"
#include "statuspage.h"
#include "verdict.h"

#define NOW 1800000000
#define DAY 86400
#define HOSTILE "<script>alert(\"x\" & 'y')</script>"

/* ---- building a snapshot ---- */

static struct reg_row *
row_new(uint32_t index, const char *target)
{
	struct reg_row *row = testrow_new("SMTPMON");

	row->index = index;
	snprintf(row->target, sizeof row->target, "%s", target);
	return row;
}

/* An ESMTP server with TLS (version, suite) whose certificate ends at not_after. */
static void
classify_tls(struct reg_row *row, int version, const char *vname, int suite, const char *suite_name,
    time_t not_after)
{
	struct verdict_policy p = {
		.tls_attempted = true, .component = APPLDATA_MONITOR, .writer = "SMTPMON",
	};
	struct smtp_result r;

	memset(&r, 0, sizeof r);
	r.server_type = APPL_TYPE_ESMTP;
	r.security = APPL_SEC_TLS;
	r.ehlo_seen = true;
	r.starttls_offered = true;
	r.tls_done = true;
	r.tls.version = version;
	snprintf(r.tls.version_name, sizeof r.tls.version_name, "%s", vname);
	r.tls.cipher_id = suite;
	snprintf(r.tls.cipher, sizeof r.tls.cipher, "%s", suite_name);
	r.tls.have_cert = true;
	r.tls.not_before = NOW - 30 * DAY;
	r.tls.not_after = not_after;
	r.tls.verify_code = X509_V_OK;
	r.tls.host_match = 1;
	snprintf(r.banner, sizeof r.banner, "220 %s ESMTP", HOSTILE);
	verdict_of(&r, &p, NOW, testrow_verdict(row));
	row->classified = true;
	row->classified_at = NOW - 60;
	row->secure = true;
	row->state = REG_UP;
	row->state_since = NOW - 3600;
}

struct sample {
	struct reg_snapshot s;
	struct reg_row *rows[4];
	struct reg_prow *prows[2];
};

/* Four targets (TLS 1.3 with a certificate ending in 5 days; IPv6 with TLS
 * 1.2, 100 days, a TLS downgrade in force; down and never classified, with
 * hostile text; starting) and, with passive, two passive servers. */
static void
sample_build(struct sample *x, bool passive)
{
	/* the texts of hand-built rows are the test's own (the registry shares
	 * them); only one sample lives at a time */
	static char hostile_name[REG_TEXT_MAX], hostile_reason[REG_TEXT_MAX],
	    hostile_reply[REG_REPLY_MAX];
	struct reg_row *r;

	memset(x, 0, sizeof *x);
	r = x->rows[0] = row_new(1, "192.0.2.25:25");
	r->name = "mail.example.org";
	classify_tls(r, 0x0304, "TLSv1.3", 0x1302, "TLS_AES_256_GCM_SHA384", NOW + 5 * DAY + 3600);

	r = x->rows[1] = row_new(2, "[2001:db8::25]:587");
	classify_tls(r, 0x0303, "TLSv1.2", 0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	    NOW + 100 * DAY + 3600);
	r->dg.set = true;
	r->dg.last_event = DG_TLS_VERSION_LOWERED;
	r->dg.active = 1u << DG_TLS_VERSION_LOWERED;
	r->dg.last_event_at = NOW - 120;

	r = x->rows[2] = row_new(3, "198.51.100.7:25");
	snprintf(hostile_name, sizeof hostile_name, "%s.example", HOSTILE);
	r->name = hostile_name;
	r->state = REG_DOWN;
	r->state_since = NOW - 10;
	r->fail = SMTP_F_BANNER;
	snprintf(hostile_reason, sizeof hostile_reason, "greeting refused: %s", HOSTILE);
	r->fail_reason = hostile_reason;
	snprintf(hostile_reply, sizeof hostile_reply, "554 \x1b[2J%s\r\n554 go", HOSTILE);
	r->last_reply = hostile_reply;
	r->last_reply_code = 554;

	r = x->rows[3] = row_new(4, "203.0.113.9:25");
	r->state = REG_STARTING;

	x->s.generation = 7;
	x->s.published_at = NOW - 1;
	x->s.started = NOW - 86400;
	x->s.n = 4;
	x->s.rows = x->rows;
	if (!passive)
		return;
	for (int i = 0; i < 2; i++) {
		struct pserver_view *v;

		x->prows[i] = calloc(1, sizeof *x->prows[i]);
		assert_non_null(x->prows[i]);
		v = &x->prows[i]->v;
		v->index = (uint32_t)i + 1;
		v->cipher_id = -1;
		v->server_type = ' ';
		v->last_security = ' ';
		snprintf(v->banner, sizeof v->banner, "220 %s", HOSTILE);
		snprintf(v->sni, sizeof v->sni, "%s", HOSTILE);
	}
	snprintf(x->prows[0]->v.target, sizeof x->prows[0]->v.target, "192.0.2.80:25");
	x->prows[0]->v.sessions = 12;
	x->prows[0]->v.sessions_tls = 10;
	x->prows[0]->v.sessions_plain = 2;
	x->prows[0]->v.ehlo_seen = true;
	x->prows[0]->v.starttls_offered = true;
	x->prows[0]->v.tls_version = 0x0304;
	x->prows[0]->v.cipher_id = 0x1301;
	snprintf(x->prows[1]->v.target, sizeof x->prows[1]->v.target, "[2001:db8::80]:25");
	x->prows[1]->v.sessions = 1;
	for (int i = 0; i < 2; i++)
		pserver_view_names(&x->prows[i]->v);   /* as pserver_observe() names its rows */
	x->s.passive.enabled = true;
	x->s.n_prows = 2;
	x->s.prows = x->prows;
}

static void
sample_free(struct sample *x)
{
	for (size_t i = 0; i < 4; i++)
		free(x->rows[i]);
	for (size_t i = 0; i < 2; i++)
		free(x->prows[i]);
}

/* ---- reading the page ---- */

static char *
render(const struct reg_snapshot *s, const char *version, unsigned refresh)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(statuspage_render(f, s, version, NOW, refresh), 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(strlen(buf), len);
	return buf;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* The <tr ...>...</tr> that opens with marker, as a new string. */
static char *
row_of(const char *page, const char *marker)
{
	const char *b = strstr(page, marker), *e;
	char *out;

	assert_non_null(b);
	e = strstr(b, "</tr>");
	assert_non_null(e);
	out = strndup(b, (size_t)(e - b));
	assert_non_null(out);
	return out;
}

/* The text of the cell of class cls in row (what lies between its tags). */
static char *
cell_of(const char *row, const char *cls)
{
	char open[64];
	const char *b, *e;
	char *out;

	snprintf(open, sizeof open, "<td class=\"%s", cls);
	b = strstr(row, open);
	assert_non_null(b);
	b = strchr(b, '>') + 1;
	e = strstr(b, "</td>");
	assert_non_null(e);
	out = strndup(b, (size_t)(e - b));
	assert_non_null(out);
	return out;
}

static void
assert_cell(const char *row, const char *cls, const char *want)
{
	char *got = cell_of(row, cls);

	assert_string_equal(got, want);
	free(got);
}

static void
assert_cell_has(const char *row, const char *cls, const char *want)
{
	char *got = cell_of(row, cls);

	if (strstr(got, want) == NULL)
		fail_msg("cell %s is \"%s\", without \"%s\"", cls, got, want);
	free(got);
}

/* ---- the tests ---- */

/* The head: refresh, title, version, times, the link to /metrics. */
static void
test_head(void **state)
{
	struct sample x;
	char *page;

	(void)state;
	sample_build(&x, false);
	page = render(&x.s, "1.4.0", 30);
	assert_int_equal(strncmp(page, "<!DOCTYPE html>\n", 16), 0);
	assert_int_equal(count(page, "<meta http-equiv=\"refresh\" content=\"30\">"), 1);
	assert_int_equal(count(page, "http-equiv"), 1);
	assert_non_null(strstr(page, "<title>smtpmond status</title>"));
	assert_non_null(strstr(page, "<span class=\"version\">1.4.0</span>"));
	/* NOW - 86400 and NOW - 1 */
	assert_non_null(strstr(page, "<span class=\"started\"><time datetime=\"2027-01-14T08:00:00Z\">"));
	assert_non_null(strstr(page, "<span class=\"snapshot\"><time datetime=\"2027-01-15T07:59:59Z\">"));
	assert_int_equal(count(page, "<a href=\"/metrics\">"), 1);
	assert_non_null(strstr(page, "4 targets: 2 up, 1 down, 1 other."));
	assert_null(strstr(page, "<table class=\"passive\">"));
	assert_int_equal(strcmp(page + strlen(page) - 8, "</html>\n"), 0);
	free(page);

	/* refresh 0: no refresh */
	page = render(&x.s, "1.4.0", 0);
	assert_null(strstr(page, "http-equiv"));
	free(page);
	sample_free(&x);
}

/* One row per target, in order, each cell the verdict's decided fact. */
static void
test_rows(void **state)
{
	struct sample x;
	char *page, *row;
	const char *p;

	(void)state;
	sample_build(&x, false);
	page = render(&x.s, "1.4.0", 30);
	assert_int_equal(count(page, "<tr data-target="), 4);
	assert_int_equal(count(page, "<tr"), 5);   /* and the head's */
	/* in snapshot order */
	p = strstr(page, "<tr data-target=\"192.0.2.25:25\"");
	assert_non_null(p);
	p = strstr(p, "<tr data-target=\"[2001:db8::25]:587\"");
	assert_non_null(p);
	p = strstr(p, "<tr data-target=\"198.51.100.7:25\"");
	assert_non_null(p);
	assert_non_null(strstr(p, "<tr data-target=\"203.0.113.9:25\""));

	row = row_of(page, "<tr data-target=\"192.0.2.25:25\"");
	assert_non_null(strstr(row, "class=\"state-up\""));
	assert_int_equal(count(row, "<td"), 9);
	assert_cell(row, "target", "192.0.2.25:25");
	assert_cell(row, "name", "mail.example.org");
	assert_cell(row, "state", "up");
	assert_cell(row, "type", x.rows[0]->v->type_name);
	assert_cell(row, "type", "ESMTP");
	assert_cell(row, "method", "TLS");
	assert_cell(row, "tls", "TLSv1.3");
	assert_cell(row, "cipher", "TLS_AES_256_GCM_SHA384 <span class=\"hex\">0x1302</span>");
	assert_cell(row, "cert", "5 days <span class=\"at\">2027-01-20</span>");
	assert_non_null(strstr(row, "<td class=\"cert cert-soon\">"));
	assert_cell(row, "event", "-");
	free(row);

	row = row_of(page, "<tr data-target=\"[2001:db8::25]:587\"");
	assert_int_equal(count(row, "<td"), 9);
	assert_cell(row, "target", "[2001:db8::25]:587");
	assert_cell(row, "name", "-");
	assert_cell(row, "tls", "TLSv1.2");
	assert_cell_has(row, "cipher", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
	assert_cell_has(row, "cipher", "0xC02F");
	assert_non_null(strstr(row, "<td class=\"cert\">100 days"));
	assert_non_null(strstr(row, "<td class=\"event event-active\">"));
	assert_cell(row, "event", "tls-version-lowered downgrade <span class=\"at\">"
	    "<time datetime=\"2027-01-15T07:58:00Z\">2027-01-15T07:58:00Z</time></span>");
	free(row);

	/* down, never classified: its facts unknown, why it is down */
	row = row_of(page, "<tr data-target=\"198.51.100.7:25\"");
	assert_non_null(strstr(row, "class=\"state-down\""));
	assert_int_equal(count(row, "<td"), 9);
	assert_cell_has(row, "state", "down<div class=\"why\">greeting refused: ");
	assert_cell_has(row, "state", "; server said: 554 ?[2J");
	assert_cell(row, "type", "-");
	assert_cell(row, "method", "-");
	assert_cell(row, "tls", "-");
	assert_cell(row, "cipher", "-");
	assert_cell(row, "cert", "-");
	assert_cell(row, "event", "-");
	free(row);

	row = row_of(page, "<tr data-target=\"203.0.113.9:25\"");
	assert_cell(row, "state", "starting");
	assert_null(strstr(row, "class=\"why\""));
	free(row);

	/* red exactly on the short expiry */
	assert_int_equal(count(page, "cert-soon"), 2);      /* the CSS rule and the cell */
	assert_int_equal(count(page, "class=\"cert cert-soon\""), 1);
	assert_null(strstr(page, "class=\"cert cert-expired\""));
	free(page);
	sample_free(&x);
}

/* Server and configuration text cannot open an element or leave an attribute. */
static void
test_escaping(void **state)
{
	struct sample x;
	char *page, *row;

	(void)state;
	sample_build(&x, true);
	page = render(&x.s, "1.4<script>\"'&", 30);
	for (const char *p = page; (p = strchr(p, '<')) != NULL; p++)
		assert_int_not_equal(strncasecmp(p, "<script", 7), 0);
	assert_null(strchr(page, '\x1b'));
	assert_null(strchr(page, '\r'));
	assert_non_null(strstr(page, "<span class=\"version\">1.4&lt;script&gt;&quot;&#39;&amp;</span>"));
	row = row_of(page, "<tr data-target=\"198.51.100.7:25\"");
	assert_cell(row, "name", "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
	    ".example");
	assert_cell(row, "state", "down<div class=\"why\">greeting refused: &lt;script&gt;alert("
	    "&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;; server said: 554 ?[2J&lt;script&gt;"
	    "alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt; 554 go</div>");
	free(row);
	free(page);

	/* an attribute value too */
	snprintf(x.rows[3]->target, sizeof x.rows[3]->target, "\"><script>x</script>");
	page = render(&x.s, "1", 30);
	for (const char *p = page; (p = strchr(p, '<')) != NULL; p++)
		assert_int_not_equal(strncasecmp(p, "<script", 7), 0);
	assert_non_null(strstr(page,
	    "<tr data-target=\"&quot;&gt;&lt;script&gt;x&lt;/script&gt;\" class=\"state-starting\">"));
	free(page);
	sample_free(&x);
}

/* Expired: said so, red, and not counted as "soon". */
static void
test_expired(void **state)
{
	struct sample x;
	char *page, *row;

	(void)state;
	sample_build(&x, false);
	testrow_verdict(x.rows[0])->tls.not_after = NOW;
	testrow_verdict(x.rows[1])->tls.not_after = NOW + 14 * DAY;    /* 14 days left: not red */
	page = render(&x.s, "1", 30);
	row = row_of(page, "<tr data-target=\"192.0.2.25:25\"");
	assert_non_null(strstr(row, "<td class=\"cert cert-expired\">expired <span class=\"at\">"
	    "2027-01-15</span></td>"));
	free(row);
	row = row_of(page, "<tr data-target=\"[2001:db8::25]:587\"");
	assert_cell(row, "cert", "14 days <span class=\"at\">2027-01-29</span>");
	assert_non_null(strstr(row, "<td class=\"cert\">"));
	free(row);
	assert_int_equal(count(page, "class=\"cert cert-soon\""), 0);
	assert_int_equal(count(page, "class=\"cert cert-expired\""), 1);
	free(page);
	sample_free(&x);
}

/* The passive servers in their own table, as `smtpmonctl passive` shows them. */
static void
test_passive(void **state)
{
	struct sample x;
	char *page, *row;

	(void)state;
	sample_build(&x, true);
	page = render(&x.s, "1", 30);
	assert_int_equal(count(page, "<table class=\"passive\">"), 1);
	assert_int_equal(count(page, "<tr data-server="), 2);
	assert_int_equal(count(page, "<tr data-target="), 4);
	assert_true(strstr(page, "<table class=\"targets\">") < strstr(page, "<table class=\"passive\">"));
	row = row_of(page, "<tr data-server=\"192.0.2.80:25\"");
	assert_int_equal(count(row, "<td"), 5);
	assert_cell(row, "server", "192.0.2.80:25");
	assert_cell(row, "sessions", "12 (10 TLS, 2 basic)");
	assert_cell(row, "tls", "TLSv1.3");
	assert_cell(row, "cipher", "TLS_AES_128_GCM_SHA256");
	assert_cell(row, "starttls", "yes");
	free(row);
	row = row_of(page, "<tr data-server=\"[2001:db8::80]:25\"");
	assert_cell(row, "sessions", "1 (0 TLS, 0 basic)");
	assert_cell(row, "tls", "-");
	assert_cell(row, "cipher", "-");
	assert_cell(row, "starttls", "-");
	free(row);
	free(page);

	x.prows[1]->v.ehlo_seen = true;
	page = render(&x.s, "1", 30);
	row = row_of(page, "<tr data-server=\"[2001:db8::80]:25\"");
	assert_cell(row, "starttls", "no");
	free(row);
	free(page);
	sample_free(&x);
}

/* No targets: a sentence, no table; a write error: -1. */
static void
test_empty_and_errors(void **state)
{
	struct reg_snapshot s;
	char *page;
	FILE *f;

	(void)state;
	memset(&s, 0, sizeof s);
	page = render(&s, NULL, 5);
	assert_non_null(strstr(page, "<p class=\"empty\">No targets.</p>"));
	assert_null(strstr(page, "<table"));
	assert_non_null(strstr(page, "<span class=\"version\">-</span>"));
	assert_non_null(strstr(page, "<span class=\"started\">-</span>"));
	assert_non_null(strstr(page, "0 targets: 0 up, 0 down, 0 other."));
	free(page);

	f = fopen("/dev/full", "w");
	if (f == NULL)
		skip();
	assert_int_equal(statuspage_render(f, &s, "1", NOW, 5), -1);
	fclose(f);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_head),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_passive),
		cmocka_unit_test(test_empty_and_errors),
	};

	if (argc == 3 && strcmp(argv[1], "--write") == 0) {
		struct sample x;
		FILE *f = fopen(argv[2], "w");
		int rc;

		if (f == NULL) {
			perror(argv[2]);
			return 1;
		}
		sample_build(&x, true);
		rc = statuspage_render(f, &x.s, "1.4<script>\"'&", NOW, 30);
		sample_free(&x);
		return fclose(f) != 0 || rc != 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
