/* Unit tests for agent/downgrade (the detection rules, pure) and
 * agent/bstore (the state file: a cut-short last line and non-regular files
 * refused): first sight, each event and its recovery,
 * one alert per downgrade, recovery after DG_RECOVER_AFTER, flap damping,
 * dimensions a classification cannot see, baseline raising, reset,
 * certificate-changed over a set of keys, the posture of a probe result,
 * the line format round trip and its errors, the file written, read
 * back, pruned and survived by a leftover temporary file, and the names of
 * a posture (the same texts and levels as the probes/ tables give). */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/x509_vfy.h>

#include "appldata.h"
#include "bstore.h"
#include "cipher.h"
#include "downgrade.h"
#include "rating.h"
#include "smtp_session.h"
#include "tlsver.h"

#define T0 1764489600     /* 2025-11-30 */

static struct posture
tls(uint16_t version, int32_t cipher)
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
	memset(p.key, 0xAA, sizeof p.key);
	return p;
}

static size_t
obs(struct baseline *b, struct posture p, int min, time_t at, struct dg_change *ch)
{
	bool changed;
	return downgrade_observe(b, &p, min, at, ch, DG_N_EVENTS + 1, &changed);
}

static struct baseline
fresh(void)
{
	struct baseline b;

	memset(&b, 0, sizeof b);
	b.last_event = DG_NONE;
	return b;
}

static void
test_first_sight_silent(void **state)
{
	struct baseline b = fresh();
	struct dg_change ch[DG_N_EVENTS + 1];
	bool changed = false;
	struct posture p = tls(0x0304, 0x1302);
	(void)state;
	assert_int_equal(downgrade_observe(&b, &p, 0, T0, ch, DG_N_EVENTS + 1, &changed), 0);
	assert_true(changed);
	assert_true(b.set);
	assert_int_equal(b.best.tls_version, 0x0304);
	assert_int_equal(b.best.cipher_class, CIPHER_GOOD);
	/* the same posture again: nothing, and nothing to persist */
	assert_int_equal(downgrade_observe(&b, &p, 0, T0 + 1, ch, DG_N_EVENTS + 1, &changed), 0);
	assert_false(changed);
}

static void
test_first_sight_below_minimum(void **state)
{
	struct baseline b = fresh();
	struct dg_change ch[DG_N_EVENTS + 1];
	(void)state;
	assert_int_equal(obs(&b, tls(0x0303, 0xC02F), 0x0304, T0, ch), 1);
	assert_int_equal(ch[0].event, DG_BELOW_MINIMUM);
	assert_int_equal(ch[0].kind, DG_ALERT);
	assert_int_equal(ch[0].new_tls, 0x0303);
	/* no TLS at all is below any minimum */
	{
		struct baseline b2 = fresh();
		struct posture p = tls(0, -1);
		p.starttls = 0;
		assert_int_equal(obs(&b2, p, 0x0303, T0, ch), 1);
		assert_int_equal(ch[0].event, DG_BELOW_MINIMUM);
	}
	/* TLS not tried (no Secure): the version cannot be judged */
	{
		struct baseline b3 = fresh();
		struct posture p = tls(0, -1);
		p.tls_attempted = 0;
		assert_int_equal(obs(&b3, p, 0x0303, T0, ch), 0);
	}
}

/* TLS 1.3 with TLS_AES_128_GCM_SHA256 and TLS 1.2 with an ECDHE AES-GCM suite:
 * the same cipher class (sufficient), so a version drop is one event */
static void
test_version_lowered_once_then_recovers(void **state)
{
	struct baseline b = fresh();
	struct dg_change ch[DG_N_EVENTS + 1];
	(void)state;
	obs(&b, tls(0x0304, 0x1301), 0, T0, ch);
	assert_int_equal(obs(&b, tls(0x0303, 0xC030), 0, T0 + 10, ch), 1);
	assert_int_equal(ch[0].event, DG_TLS_VERSION_LOWERED);
	assert_int_equal(ch[0].kind, DG_ALERT);
	assert_int_equal(ch[0].old_tls, 0x0304);
	assert_int_equal(ch[0].new_tls, 0x0303);
	assert_int_equal(ch[0].old_cipher, 0x1301);
	assert_int_equal(ch[0].new_cipher, 0xC030);
	for (int i = 0; i < 5; i++)    /* one alert per downgrade */
		assert_int_equal(obs(&b, tls(0x0303, 0xC030), 0, T0 + 20 + i, ch), 0);
	assert_true(b.active & (1u << DG_TLS_VERSION_LOWERED));
	assert_int_equal(b.best.tls_version, 0x0304);   /* the baseline did not sink */
	/* recovery needs DG_RECOVER_AFTER classifications in a row */
	assert_int_equal(obs(&b, tls(0x0304, 0x1301), 0, T0 + 30, ch), 0);
	assert_int_equal(obs(&b, tls(0x0304, 0x1301), 0, T0 + 31, ch), 1);
	assert_int_equal(ch[0].kind, DG_RECOVERED);
	assert_int_equal(ch[0].old_tls, 0x0303);         /* old: the downgraded posture */
	assert_int_equal(ch[0].new_tls, 0x0304);
	assert_int_equal(b.active, 0);
	assert_int_equal(b.last_event, DG_TLS_VERSION_LOWERED);
	assert_true(b.last_recovered);
}

static void
test_alternating_gives_one_alert(void **state)
{
	struct baseline b = fresh();
	struct dg_change ch[DG_N_EVENTS + 1];
	size_t alerts = 0, recs = 0;
	(void)state;
	obs(&b, tls(0x0304, 0x1301), 0, T0, ch);
	for (int i = 0; i < 40; i++) {
		size_t n = obs(&b, i % 2 ? tls(0x0304, 0x1301) : tls(0x0303, 0xC030), 0, T0 + i, ch);
		for (size_t k = 0; k < n; k++) {
			alerts += ch[k].kind == DG_ALERT;
			recs += ch[k].kind == DG_RECOVERED;
		}
	}
	assert_int_equal(alerts, 1);
	assert_int_equal(recs, 0);
}

static void
test_flap_damping(void **state)
{
	struct baseline b = fresh();
	struct dg_change ch[DG_N_EVENTS + 1];
	size_t alerts = 0, suppressed = 0;
	time_t t = T0;
	(void)state;
	obs(&b, tls(0x0304, 0x1301), 0, t, ch);
	for (int round = 0; round < 10; round++) {
		size_t n = obs(&b, tls(0x0303, 0xC030), 0, ++t, ch);
		for (size_t k = 0; k < n; k++) {
			alerts += ch[k].kind == DG_ALERT;
			suppressed += ch[k].kind == DG_SUPPRESSED;
		}
		obs(&b, tls(0x0304, 0x1301), 0, ++t, ch);
		obs(&b, tls(0x0304, 0x1301), 0, ++t, ch);
	}
	assert_int_equal(alerts, DG_FLAP_MAX);
	assert_int_equal(suppressed, 10 - DG_FLAP_MAX);
	/* an hour later the event is announced again */
	t += DG_FLAP_WINDOW_S;
	assert_int_equal(obs(&b, tls(0x0303, 0xC030), 0, t, ch), 1);
	assert_int_equal(ch[0].kind, DG_ALERT);
}

static void
test_starttls_and_smtp_only(void **state)
{
	struct baseline b = fresh();
	struct dg_change ch[DG_N_EVENTS + 1];
	struct posture p = tls(0, -1);
	(void)state;
	obs(&b, tls(0x0304, 0x1302), 0, T0, ch);
	p.starttls = 0;
	assert_int_equal(obs(&b, p, 0, T0 + 1, ch), 1);
	assert_int_equal(ch[0].event, DG_STARTTLS_NOT_SUPPORTED);
	assert_int_equal(ch[0].new_tls, 0);
	assert_int_equal(ch[0].new_cipher, -1);
	/* TLS dimensions unseen meanwhile: no version or cipher event */
	assert_false(b.active & (1u << DG_TLS_VERSION_LOWERED));

	b = fresh();
	obs(&b, tls(0x0304, 0x1302), 0, T0, ch);
	p = tls(0, -1);
	p.server_type = APPL_TYPE_SMTP;
	p.starttls = -1;
	assert_int_equal(obs(&b, p, 0, T0 + 1, ch), 1);
	assert_int_equal(ch[0].event, DG_STARTTLS_NOT_SUPPORTED);
}

static void
test_cipher_weakened(void **state)
{
	struct baseline b = fresh();
	struct dg_change ch[DG_N_EVENTS + 1];
	size_t n;
	(void)state;
	obs(&b, tls(0x0303, 0xC030), 0, T0, ch);         /* ECDHE AES-GCM: sufficient */
	n = obs(&b, tls(0x0303, 0xC014), 0, T0 + 1, ch);  /* ECDHE AES-CBC-SHA: below */
	assert_int_equal(n, 1);
	assert_int_equal(ch[0].event, DG_CIPHER_WEAKENED);
	/* weaker still within the same downgrade: no second alert */
	assert_int_equal(obs(&b, tls(0x0303, 0x002F), 0, T0 + 2, ch), 0);
	/* another suite of the same class is no event, and becomes the baseline's */
	b = fresh();
	obs(&b, tls(0x0303, 0xC030), 0, T0, ch);
	assert_int_equal(obs(&b, tls(0x0303, 0xC02F), 0, T0 + 1, ch), 0);
	assert_int_equal(b.best.cipher_id, 0xC02F);
	/* the order is the NCSC-NL 2025-05 table's: TLS_AES_256_GCM_SHA384 is
	 * good, TLS_AES_128_GCM_SHA256 sufficient (smtpmon's own rule called
	 * both good) */
	b = fresh();
	obs(&b, tls(0x0304, 0x1302), 0, T0, ch);
	assert_int_equal(b.best.cipher_class, CIPHER_GOOD);
	n = obs(&b, tls(0x0304, 0x1301), 0, T0 + 1, ch);
	assert_int_equal(n, 1);
	assert_int_equal(ch[0].event, DG_CIPHER_WEAKENED);
	assert_int_equal(ch[0].old_cipher, 0x1302);
	assert_int_equal(ch[0].new_cipher, 0x1301);
	/* below the baseline's version the suite is not compared: TLS 1.3 to
	 * TLS 1.2 is tls-version-lowered alone; back at TLS 1.3 with a weaker
	 * TLS 1.3 suite it is compared again */
	b = fresh();
	obs(&b, tls(0x0304, 0x1302), 0, T0, ch);
	n = obs(&b, tls(0x0303, 0xC030), 0, T0 + 1, ch);
	assert_int_equal(n, 1);
	assert_int_equal(ch[0].event, DG_TLS_VERSION_LOWERED);
	assert_int_equal(ch[0].old_cipher, 0x1302);
	assert_int_equal(ch[0].new_cipher, 0xC030);
	n = obs(&b, tls(0x0304, 0x1301), 0, T0 + 2, ch);
	assert_int_equal(n, 1);
	assert_int_equal(ch[0].event, DG_CIPHER_WEAKENED);
	/* ECDHE AES-GCM (sufficient) to DHE AES-GCM (phase-out) */
	b = fresh();
	obs(&b, tls(0x0303, 0xC02F), 0, T0, ch);
	assert_int_equal(b.best.cipher_class, CIPHER_SUFFICIENT);
	n = obs(&b, tls(0x0303, 0x009E), 0, T0 + 1, ch);
	assert_int_equal(n, 1);
	assert_int_equal(ch[0].event, DG_CIPHER_WEAKENED);
}

/* a posture with an overall rating and the component that set it */
static struct posture
rated(enum rating_class overall, const char *weakest)
{
	struct posture p = tls(0x0304, 0x1302);

	p.rating = (int8_t)overall;
	p.rating_part = (int8_t)rating_part_of(weakest);
	return p;
}

static void
test_rating_lowered(void **state)
{
	struct baseline b = fresh();
	struct dg_change ch[DG_N_EVENTS + 1];
	size_t n;
	(void)state;
	assert_int_equal(obs(&b, rated(RATING_SUFFICIENT, "key_exchange"), 0, T0, ch), 0);
	assert_int_equal(b.best.rating, RATING_SUFFICIENT);
	/* the leaf's key fell to phase-out: one alert naming old, new, component */
	n = obs(&b, rated(RATING_PHASE_OUT, "cert_key"), 0, T0 + 1, ch);
	assert_int_equal(n, 1);
	assert_int_equal(ch[0].event, DG_RATING_LOWERED);
	assert_int_equal(ch[0].kind, DG_ALERT);
	assert_int_equal(ch[0].old_rating, RATING_SUFFICIENT);
	assert_int_equal(ch[0].new_rating, RATING_PHASE_OUT);
	assert_string_equal(rating_part_name(ch[0].rating_part), "cert_key");
	assert_string_equal(dg_event_name(ch[0].event), "rating-lowered");
	assert_true(b.active & (1u << DG_RATING_LOWERED));
	/* lower still within the same downgrade: no second alert */
	assert_int_equal(obs(&b, rated(RATING_INSUFFICIENT, "cipher"), 0, T0 + 2, ch), 0);
	/* a classification without a rating (no TLS seen) counts neither way */
	{
		struct posture p = rated(RATING_UNKNOWN, NULL);
		p.tls_version = 0;
		p.cipher_id = -1;
		p.cipher_class = 0;
		assert_int_equal(obs(&b, p, 0, T0 + 3, ch), 0);
	}
	/* back at the baseline twice: recovered, old = the downgraded values */
	assert_int_equal(obs(&b, rated(RATING_SUFFICIENT, "key_exchange"), 0, T0 + 4, ch), 0);
	n = obs(&b, rated(RATING_SUFFICIENT, "key_exchange"), 0, T0 + 5, ch);
	assert_int_equal(n, 1);
	assert_int_equal(ch[0].event, DG_RATING_LOWERED);
	assert_int_equal(ch[0].kind, DG_RECOVERED);
	/* old: the posture at the alert, as for every recovery */
	assert_int_equal(ch[0].old_rating, RATING_PHASE_OUT);
	assert_int_equal(ch[0].new_rating, RATING_SUFFICIENT);
	assert_string_equal(rating_part_name(ch[0].rating_part), "cert_key");
	/* a better rating raises the baseline silently; falling back from it alerts */
	assert_int_equal(obs(&b, rated(RATING_GOOD, NULL), 0, T0 + 6, ch), 0);
	assert_int_equal(b.best.rating, RATING_GOOD);
	n = obs(&b, rated(RATING_SUFFICIENT, "key_exchange"), 0, T0 + 7, ch);
	assert_int_equal(n, 1);
	assert_int_equal(ch[0].old_rating, RATING_GOOD);
	assert_string_equal(rating_part_name(ch[0].rating_part), "key_exchange");

	/* flap damping as for every event: DG_FLAP_MAX alerts an hour */
	b = fresh();
	obs(&b, rated(RATING_SUFFICIENT, "key_exchange"), 0, T0, ch);
	unsigned alerts = 0, suppressed = 0;
	for (int i = 0; i < 2 * DG_FLAP_MAX; i++) {
		time_t t = T0 + 10 * i;
		n = obs(&b, rated(RATING_PHASE_OUT, "cert_key"), 0, t + 1, ch);
		for (size_t k = 0; k < n; k++) {
			alerts += ch[k].kind == DG_ALERT;
			suppressed += ch[k].kind == DG_SUPPRESSED;
		}
		obs(&b, rated(RATING_SUFFICIENT, "key_exchange"), 0, t + 2, ch);
		obs(&b, rated(RATING_SUFFICIENT, "key_exchange"), 0, t + 3, ch);
	}
	assert_int_equal(alerts, DG_FLAP_MAX);
	assert_int_equal(suppressed, DG_FLAP_MAX);
}

static void
test_rating_line(void **state)
{
	struct baseline b = fresh(), c;
	struct dg_change ch[DG_N_EVENTS + 1];
	char line[2048], key[64], err[128];
	size_t n;
	static const char old_line[] = "10.0.0.1:25 set=1764489600 raised=0 seen=1764489600 "
	    "type=2 starttls=1 tlsatt=1 tls=0x0304 cipher=4865 class=4 ctime=1 trust=1 host=1 "
	    "keys=- active=0x0 announced=0x0 last=- last_rec=0 last_at=0 bad_tls=0x0000 "
	    "bad_cipher=-1";
	(void)state;
	obs(&b, rated(RATING_SUFFICIENT, "key_exchange"), 0, T0, ch);
	obs(&b, rated(RATING_PHASE_OUT, "cert_key"), 0, T0 + 1, ch);
	n = baseline_format("10.0.0.1:25", &b, line, sizeof line);
	assert_true(n > 0);
	assert_true(baseline_parse(line, n, key, sizeof key, &c, err, sizeof err));
	assert_int_equal(c.best.rating, RATING_SUFFICIENT);
	assert_string_equal(rating_part_name(c.best.rating_part), "key_exchange");
	assert_int_equal(c.bad_rating, RATING_PHASE_OUT);
	assert_string_equal(rating_part_name(c.bad_rating_part), "cert_key");
	assert_true(c.active & (1u << DG_RATING_LOWERED));
	assert_int_equal(c.last_event, DG_RATING_LOWERED);
	/* a line written before the rating: no rating, and the suite's class by
	 * today's table (TLS_AES_128_GCM_SHA256 was 4, is sufficient now) */
	assert_true(baseline_parse(old_line, strlen(old_line), key, sizeof key, &c, err,
	    sizeof err));
	assert_int_equal(c.best.rating, RATING_UNKNOWN);
	assert_int_equal(c.best.rating_part, -1);
	assert_int_equal(c.best.cipher_class, CIPHER_SUFFICIENT);
	/* out of range values are refused */
	{
		char bad[512];
		int w = snprintf(bad, sizeof bad, "%s rating=5", old_line);
		assert_false(baseline_parse(bad, (size_t)w, key, sizeof key, &c, err, sizeof err));
		w = snprintf(bad, sizeof bad, "%s rpart=5", old_line);
		assert_false(baseline_parse(bad, (size_t)w, key, sizeof key, &c, err, sizeof err));
	}
}

static void
test_certificate_events(void **state)
{
	struct baseline b = fresh();
	struct dg_change ch[DG_N_EVENTS + 1];
	struct posture p;
	size_t n;
	(void)state;
	obs(&b, tls(0x0304, 0x1302), 0, T0, ch);
	p = tls(0x0304, 0x1302);
	p.cert_time_ok = 0;
	p.cert_trusted = 0;
	p.host_match = 0;
	n = obs(&b, p, 0, T0 + 1, ch);
	assert_int_equal(n, 3);
	assert_int_equal(ch[0].event, DG_CERT_EXPIRED);
	assert_int_equal(ch[1].event, DG_CERT_NOT_TRUSTED);
	assert_int_equal(ch[2].event, DG_CERT_HOST_MISMATCH);
	/* a new key: information, once; the old key back is not news */
	p = tls(0x0304, 0x1302);
	memset(p.key, 0xBB, sizeof p.key);
	n = obs(&b, p, 0, T0 + 2, ch);
	assert_int_equal(n, 1);
	assert_int_equal(ch[0].event, DG_CERT_CHANGED);
	assert_int_equal(ch[0].kind, DG_INFO);
	p = tls(0x0304, 0x1302);                          /* key 0xAA again */
	n = obs(&b, p, 0, T0 + 3, ch);
	for (size_t k = 0; k < n; k++)
		assert_int_not_equal(ch[k].event, DG_CERT_CHANGED);
}

static void
test_unknown_dimensions_and_raise(void **state)
{
	struct baseline b = fresh();
	struct dg_change ch[DG_N_EVENTS + 1];
	struct posture plain;
	(void)state;
	/* a Secure No target: STARTTLS seen, TLS never tried */
	posture_unknown(&plain);
	plain.server_type = APPL_TYPE_ESMTP;
	plain.starttls = 1;
	obs(&b, plain, 0, T0, ch);
	assert_int_equal(b.best.tls_version, 0);
	/* TLS seen for the first time later (Secure Yes after a reload): no event */
	assert_int_equal(obs(&b, tls(0x0303, 0xC030), 0, T0 + 1, ch), 0);
	assert_int_equal(b.best.tls_version, 0x0303);
	/* better: raised silently */
	assert_int_equal(obs(&b, tls(0x0304, 0x1301), 0, T0 + 2, ch), 0);
	assert_int_equal(b.best.tls_version, 0x0304);
	assert_int_equal(b.raised_at, T0 + 2);
}

static void
test_reset(void **state)
{
	struct baseline b = fresh();
	struct dg_change ch[DG_N_EVENTS + 1];
	struct posture p = tls(0x0303, 0xC030);
	(void)state;
	obs(&b, tls(0x0304, 0x1301), 0, T0, ch);
	obs(&b, p, 0, T0 + 1, ch);
	assert_true(b.active != 0);
	downgrade_reset(&b, &p, T0 + 2);
	assert_int_equal(b.active, 0);
	assert_int_equal(b.best.tls_version, 0x0303);
	assert_int_equal(b.last_event, DG_TLS_VERSION_LOWERED);   /* history stays */
	assert_int_equal(obs(&b, p, 0, T0 + 3, ch), 0);
	downgrade_reset(&b, NULL, T0 + 4);
	assert_false(b.set);
	assert_int_equal(obs(&b, tls(0x0302, 0x0035), 0, T0 + 5, ch), 0);  /* first sight again */
}

static void
test_line_round_trip(void **state)
{
	struct baseline b = fresh(), c;
	struct dg_change ch[DG_N_EVENTS + 1];
	struct posture p = tls(0x0304, 0x1301);
	char line[2048], key[64], err[128];
	size_t n;
	(void)state;
	obs(&b, p, 0, T0, ch);
	memset(p.key, 0xBB, sizeof p.key);
	obs(&b, p, 0, T0 + 1, ch);
	obs(&b, tls(0x0303, 0xC030), 0, T0 + 2, ch);
	n = baseline_format("[2001:db8::1]:25", &b, line, sizeof line);
	assert_true(n > 0);
	assert_true(baseline_parse(line, n, key, sizeof key, &c, err, sizeof err));
	assert_string_equal(key, "[2001:db8::1]:25");
	assert_int_equal(c.best.tls_version, 0x0304);
	assert_int_equal(c.best.cipher_id, 0x1301);
	assert_int_equal(c.active, b.active);
	assert_int_equal(c.announced, b.announced);
	assert_int_equal(c.n_keys, 2);
	assert_memory_equal(c.keys, b.keys, 2 * 32);
	assert_int_equal(c.last_event, DG_TLS_VERSION_LOWERED);
	assert_int_equal(c.set_at, T0);
	assert_int_equal(c.bad_tls_version, 0x0303);
	/* too small a buffer is refused, not cut */
	assert_int_equal(baseline_format("x:1", &b, line, 40), 0);
}

static void
test_line_errors(void **state)
{
	struct baseline c;
	char key[64], err[128];
	static const char *bad[] = {
		"",
		"set=1",                                      /* no target */
		"1.2.3.4:25 tls=0x0304",                      /* no set= */
		"1.2.3.4:25 set=1 tls=0x10000",               /* out of range */
		"1.2.3.4:25 set=1 class=9",
		"1.2.3.4:25 set=1 keys=abc",
		"1.2.3.4:25 set=1 last=no-such-event",
		"1.2.3.4:25 set=1 junk",
		"1.2.3.4:25 set=-5",
	};
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(baseline_parse(bad[i], strlen(bad[i]), key, sizeof key, &c, err,
		    sizeof err));
	/* unknown keys are ignored (a newer smtpmond's file) */
	assert_true(baseline_parse("1.2.3.4:25 set=1 future=7", 24, key, sizeof key, &c, err,
	    sizeof err));
}

static void
test_store_persists(void **state)
{
	char dir[] = "/tmp/test_downgrade.XXXXXX", path[256], err[256];
	struct bstore *s;
	struct baseline *b;
	struct dg_change ch[DG_N_EVENTS + 1];
	FILE *f;
	(void)state;
	assert_non_null(mkdtemp(dir));
	s = bstore_open(dir, err, sizeof err);
	assert_non_null(s);
	b = bstore_hold(s, "192.0.2.1:25");
	obs(b, tls(0x0304, 0x1302), 0, T0, ch);
	obs(b, tls(0x0303, 0xC030), 0, T0 + 1, ch);
	bstore_mark(s);
	assert_int_equal(bstore_save(s, T0 + 1, false, err, sizeof err), 0);
	assert_false(bstore_dirty(s));
	bstore_free(s);

	/* a temporary file left by a crash changes nothing */
	snprintf(path, sizeof path, "%s/baselines.tmp", dir);
	f = fopen(path, "w");
	fputs("half a li", f);
	fclose(f);
	s = bstore_open(dir, err, sizeof err);
	assert_non_null(s);
	assert_int_equal(bstore_count(s), 1);
	b = bstore_find(s, "192.0.2.1:25");
	assert_non_null(b);
	assert_int_equal(b->best.tls_version, 0x0304);
	assert_true(b->announced & (1u << DG_TLS_VERSION_LOWERED));
	/* the restarted daemon sees the same downgrade: not alerted again */
	assert_int_equal(obs(b, tls(0x0303, 0xC030), 0, T0 + 2, ch), 0);

	/* unheld and not seen for BSTORE_KEEP_S: dropped at the next save */
	assert_int_equal(bstore_save(s, T0 + 2 + BSTORE_KEEP_S + 1, true, err, sizeof err), 0);
	assert_int_equal(bstore_count(s), 0);
	bstore_free(s);

	/* a bad line is skipped, the good ones kept */
	snprintf(path, sizeof path, "%s/baselines", dir);
	f = fopen(path, "w");
	fputs("# comment\n192.0.2.2:25 set=5 tls=0x0303\ngarbage\n192.0.2.3:25 set=6\n", f);
	fclose(f);
	s = bstore_open(dir, err, sizeof err);
	assert_non_null(s);
	assert_int_equal(bstore_count(s), 2);
	assert_non_null(bstore_find(s, "192.0.2.3:25"));
	bstore_free(s);

	/* a last line cut short ("cipher=48" of "cipher=4866") is never
	 * believed: the baseline would be cipher 0x0030 and the next
	 * classification a false downgrade */
	f = fopen(path, "w");
	fputs("192.0.2.2:25 set=5 tls=0x0304 cipher=4866\n192.0.2.3:25 set=6 tls=0x0304 cipher=48", f);
	fclose(f);
	s = bstore_open(dir, err, sizeof err);
	assert_non_null(s);
	assert_int_equal(bstore_count(s), 1);
	assert_non_null(bstore_find(s, "192.0.2.2:25"));
	assert_null(bstore_find(s, "192.0.2.3:25"));
	bstore_free(s);

	/* a FIFO (or anything but a regular file) is refused at once, not
	 * waited on; so is a symbolic link */
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	s = bstore_open(dir, err, sizeof err);
	assert_null(s);
	assert_non_null(strstr(err, "not a regular file"));
	unlink(path);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	s = bstore_open(dir, err, sizeof err);
	assert_null(s);
	unlink(path);
	snprintf(path, sizeof path, "%s/baselines.tmp", dir);
	unlink(path);
	rmdir(dir);
}

static void
test_event_names(void **state)
{
	char text[256];
	(void)state;
	for (int e = 0; e < DG_N_EVENTS; e++)
		assert_int_equal(dg_event_by_name(dg_event_name(e)), e);
	assert_int_equal(dg_event_by_name("nope"), DG_NONE);
	dg_events_text((1u << DG_TLS_VERSION_LOWERED) | (1u << DG_BELOW_MINIMUM), text, sizeof text);
	assert_string_equal(text, "tls-version-lowered,below-minimum");
	dg_events_text(0, text, sizeof text);
	assert_string_equal(text, "");
}

/* what the readers showed before the names: cipher_text() */
static void
assert_cipher_shown(const struct posture_names *n, int32_t id)
{
	char want[64];

	cipher_text(id, want);
	assert_string_equal(n->cipher_name != NULL ? n->cipher_name : n->cipher_text, want);
	if (n->cipher_name != NULL)
		assert_string_equal(n->cipher_text, "");
}

static void
test_posture_names(void **state)
{
	static const int versions[] = { 0, 0x0002, 0x0300, 0x0301, 0x0302, 0x0303, 0x0304,
	    0x0305, 0x7f1c, 0xffff };
	static const int32_t odd_ids[] = { -1, 0x0a0a, 0xfafa, 0x5a5a };
	struct posture p;
	struct posture_names n;
	struct baseline b;
	struct dg_view v;
	char want[16];

	(void)state;
	/* a TLS 1.3 ESMTP posture */
	posture_unknown(&p);
	p.server_type = APPL_TYPE_ESMTP;
	p.tls_version = 0x0304;
	p.cipher_id = 0x1302;
	p.cipher_class = CIPHER_GOOD;
	posture_names(&p, &n);
	assert_string_equal(n.type_name, "ESMTP");
	assert_string_equal(n.tls_text, "TLSv1.3");
	assert_int_equal(n.tls_mib, 7);
	assert_string_equal(n.cipher_name, "TLS_AES_256_GCM_SHA384");
	assert_string_equal(n.cipher_text, "");
	assert_string_equal(n.class_name, "good");
	assert_int_equal(n.class_mib, 5);
	/* nothing known */
	posture_unknown(&p);
	posture_names(&p, &n);
	assert_null(n.type_name);
	assert_string_equal(n.tls_text, "none");
	assert_int_equal(n.tls_mib, TLSVER_MIB_NONE);
	assert_null(n.cipher_name);
	assert_string_equal(n.cipher_text, "none");
	assert_null(n.class_name);
	assert_int_equal(n.class_mib, 1);
	/* a draft version and a suite not in the table */
	p.tls_version = 0x7f1c;
	p.cipher_id = 0x5a5a;
	assert_null(cipher_name(0x5a5a));
	posture_names(&p, &n);
	assert_string_equal(n.tls_text, "0x7f1c");
	assert_int_equal(n.tls_mib, TLSVER_MIB_NONE);
	assert_null(n.cipher_name);
	assert_string_equal(n.cipher_text, "0x5a5a");
	assert_int_equal(n.class_mib, 1 + (int)CIPHER_UNKNOWN);

	/* the same texts and levels as the tables: every version, every suite */
	posture_unknown(&p);
	for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
		p.tls_version = (uint16_t)versions[i];
		posture_names(&p, &n);
		tlsver_text(versions[i], want);
		assert_string_equal(n.tls_text, want);
		assert_int_equal(n.tls_mib, tlsver_mib(versions[i]));
	}
	for (size_t i = 0; i < cipher_table_len(); i++) {
		uint16_t id = cipher_table_id(i);

		p.cipher_id = id;
		p.cipher_class = posture_cipher_class(id);
		posture_names(&p, &n);
		assert_cipher_shown(&n, id);
		/* the class shown is the rating's cipher component, by its own name */
		if (rating_cipher_class(id) != RATING_UNKNOWN) {
			assert_string_equal(n.class_name, rating_class_name(rating_cipher_class(id)));
			assert_int_equal(n.class_mib, 1 + p.cipher_class);
		} else {
			assert_null(n.class_name);
			assert_int_equal(n.class_mib, 1);
		}
	}
	for (size_t i = 0; i < sizeof odd_ids / sizeof odd_ids[0]; i++) {
		p.cipher_id = odd_ids[i];
		posture_names(&p, &n);
		assert_cipher_shown(&n, odd_ids[i]);
	}

	/* downgrade_view() names the baseline's best posture */
	memset(&b, 0, sizeof b);
	posture_unknown(&b.best);
	b.set = true;
	b.best.tls_version = 0x0303;
	b.best.cipher_id = 0xC02F;
	b.last_event = DG_NONE;
	downgrade_view(&b, &v);
	assert_string_equal(v.best_names.tls_text, "TLSv1.2");
	assert_int_equal(v.best_names.tls_mib, 6);
	assert_string_equal(v.best_names.cipher_name, cipher_name(0xC02F));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_sight_silent),
		cmocka_unit_test(test_first_sight_below_minimum),
		cmocka_unit_test(test_version_lowered_once_then_recovers),
		cmocka_unit_test(test_alternating_gives_one_alert),
		cmocka_unit_test(test_flap_damping),
		cmocka_unit_test(test_starttls_and_smtp_only),
		cmocka_unit_test(test_cipher_weakened),
		cmocka_unit_test(test_rating_lowered),
		cmocka_unit_test(test_rating_line),
		cmocka_unit_test(test_certificate_events),
		cmocka_unit_test(test_unknown_dimensions_and_raise),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_line_round_trip),
		cmocka_unit_test(test_line_errors),
		cmocka_unit_test(test_store_persists),
		cmocka_unit_test(test_event_names),
		cmocka_unit_test(test_posture_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
