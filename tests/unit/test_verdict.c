/* tests/unit/test_verdict.c: agent/verdict, the one place that decides what
 * a probe connection means: every fact a reader prints, from a result built
 * as the probe fills it. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/x509_vfy.h>

#include "cipher.h"
#include "tlsver.h"
#include "verdict.h"

#define T0 1800000000

static const struct verdict_policy POL = {
	.tls_attempted = true, .component = APPLDATA_MONITOR, .writer = "SMTPMON",
};

/* An ESMTP server that negotiated TLS 1.3 with a good certificate. */
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
	r->tls.not_before = T0 - 86400;
	r->tls.not_after = T0 + 86400;
	r->tls.verify_code = X509_V_OK;
	r->tls.host_match = 1;
	r->tls.spki_sha256[0] = 7;
	r->t.total = 4200;
}

static void
test_facts(void **state)
{
	struct smtp_result r;
	struct verdict v;
	struct verdict_text txt;

	(void)state;
	esmtp_tls13(&r);
	verdict_of(&r, &POL, T0, &v);
	verdict_text_of(&r, &txt);
	assert_string_equal(v.type_name, "ESMTP");
	assert_string_equal(v.type_code, "E");
	assert_string_equal(v.security_name, "TLS");
	assert_int_equal(v.type_mib, 3);           /* esmtp(3) */
	assert_int_equal(v.security_mib, 3);       /* tls(3) */
	assert_string_equal(v.method_name, "TLS");
	assert_string_equal(v.method_code, "T");
	assert_true(v.tls_done);
	assert_string_equal(v.tls_name, "TLSv1.3");
	assert_int_equal(v.tls_mib, tlsver_mib(0x0304));
	assert_int_equal(v.cipher_id, 0x1302);
	assert_string_equal(v.cipher_hex, "0x1302");
	assert_int_equal(v.cipher_class, CIPHER_GOOD);
	assert_string_equal(v.class_name, "good");
	assert_true(v.caps_tls_seen);
	assert_true(v.cert_seen);
	assert_true(v.cert_verified);
	assert_int_equal(v.cert_status, VERDICT_CERT_OK);
	assert_int_equal(v.t.total, 4200);
	assert_int_equal(v.fail, SMTP_F_NONE);
	assert_null(v.fail_name);
	assert_string_equal(txt.reply, "");
	assert_string_equal(txt.reason, "");
	/* the record: ESMTP, TLS, level 13, the suite's id, the writer */
	assert_int_equal(strlen(v.appldata), APPLDATA_LEN);
	assert_memory_equal(v.appldata, "EZASMTPM", 8);
	assert_non_null(strstr(v.appldata, "SMTPMON"));
	assert_non_null(strstr(v.appldata, "ET13"));
	assert_non_null(strstr(v.appldata, "1302"));
	/* the verdict outlives the result: no name points into it */
	memset(&r, 'Z', sizeof r);
	assert_string_equal(v.tls_name, "TLSv1.3");
	assert_string_equal(v.type_name, "ESMTP");
	assert_string_equal(v.class_name, "good");
}

/* A plain SMTP server (HELO only): basic, no TLS facts, STARTTLS known absent. */
static void
test_plain(void **state)
{
	struct smtp_result r;
	struct verdict v;

	(void)state;
	memset(&r, 0, sizeof r);
	r.server_type = APPL_TYPE_SMTP;
	r.security = APPL_SEC_UNKNOWN;
	r.tls.cipher_id = 0x1302;      /* stale: not negotiated, must not show */
	verdict_of(&r, &POL, T0, &v);
	assert_string_equal(v.type_name, "SMTP");
	assert_int_equal(v.type_mib, 2);           /* smtp(2) */
	assert_null(v.security_name);
	assert_int_equal(v.security_mib, 1);       /* unknown(1) */
	assert_string_equal(v.method_name, "basic");
	assert_string_equal(v.method_code, "B");
	assert_false(v.tls_done);
	assert_null(v.tls_name);
	assert_int_equal(v.tls_mib, TLSVER_MIB_NONE);
	assert_int_equal(v.cipher_id, -1);
	assert_string_equal(v.cipher_hex, "");
	assert_null(v.class_name);
	assert_int_equal(v.cert_status, VERDICT_CERT_UNKNOWN);
	assert_int_equal(v.posture.starttls, 0);
	assert_int_equal(v.posture.tls_version, 0);
}

/* Each standing of the certificate. */
static void
test_cert_status(void **state)
{
	static const struct { long code; int match; enum verdict_cert want; } c[] = {
		{ X509_V_OK, 1, VERDICT_CERT_OK },
		{ X509_V_OK, -1, VERDICT_CERT_OK },
		{ X509_V_OK, 0, VERDICT_CERT_MISMATCH },
		{ X509_V_ERR_CERT_HAS_EXPIRED, 1, VERDICT_CERT_EXPIRED },
		{ X509_V_ERR_CERT_NOT_YET_VALID, 1, VERDICT_CERT_EXPIRED },
		{ X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, 1, VERDICT_CERT_UNTRUSTED },
		{ -1, 1, VERDICT_CERT_UNKNOWN },
	};
	struct smtp_result r;
	struct verdict v;

	(void)state;
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		esmtp_tls13(&r);
		r.tls.verify_code = c[i].code;
		r.tls.host_match = c[i].match;
		verdict_of(&r, &POL, T0, &v);
		assert_int_equal(v.cert_status, c[i].want);
		assert_int_equal(v.cert_verified, c[i].code == X509_V_OK);
	}
	esmtp_tls13(&r);
	r.tls.have_cert = false;
	verdict_of(&r, &POL, T0, &v);
	assert_int_equal(v.cert_status, VERDICT_CERT_UNKNOWN);
	assert_false(v.cert_seen);
}

/* The failure: its name, state, reply code, and its texts (reply, reason)
 * apart; a reply longer than the text holds is cut, not overrun. */
static void
test_failure(void **state)
{
	char reply[] = "421 4.3.2 Service not available";
	char reason[] = "greeting was not 220";
	char big[3000];
	struct smtp_result r;
	struct verdict v;
	struct verdict_text txt;

	(void)state;
	memset(&r, 0, sizeof r);
	r.fail = SMTP_F_BANNER;
	r.fail_state = SMTP_S_BANNER;
	r.reply_code = 421;
	r.last_reply = reply;
	r.reason = reason;
	verdict_of(&r, &POL, T0, &v);
	verdict_text_of(&r, &txt);
	assert_int_equal(v.fail, SMTP_F_BANNER);
	assert_string_equal(v.fail_name, smtp_fail_name(SMTP_F_BANNER));
	assert_int_equal(v.reply_code, 421);
	assert_string_equal(txt.reply, reply);
	assert_string_equal(txt.reason, reason);
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	r.last_reply = big;
	verdict_text_of(&r, &txt);
	assert_int_equal(strlen(txt.reply), VERDICT_REPLY_MAX - 1);
	verdict_set_failure(&v, &txt, SMTP_F_NONE, SMTP_S_BANNER, 0, NULL, NULL);
	assert_null(v.fail_name);
	assert_string_equal(txt.reply, "");
	assert_string_equal(txt.reason, "");
	/* without a text: the facts only */
	verdict_set_failure(&v, NULL, SMTP_F_TIMEOUT, SMTP_S_EHLO, 0, "x", "y");
	assert_string_equal(v.fail_name, smtp_fail_name(SMTP_F_TIMEOUT));
	assert_int_equal(v.fail_state, SMTP_S_EHLO);
}

/* Nothing known: the blank verdict's record carries the writer. */
static void
test_blank(void **state)
{
	struct verdict v;

	(void)state;
	verdict_blank(APPLDATA_MONITOR, "TESTW", &v);
	assert_null(v.type_name);
	assert_int_equal(v.tls_mib, TLSVER_MIB_NONE);
	assert_int_equal(v.cipher_id, -1);
	assert_int_equal(v.cert_status, VERDICT_CERT_UNKNOWN);
	assert_int_equal(strlen(v.appldata), APPLDATA_LEN);
	assert_non_null(strstr(v.appldata, "TESTW"));
}

/* The posture the downgrade detector compares. */
static void
test_posture(void **state)
{
	struct smtp_result r;
	struct verdict v;
	struct posture p;

	(void)state;
	esmtp_tls13(&r);
	verdict_of(&r, &POL, T0, &v);
	p = v.posture;
	assert_int_equal(p.tls_attempted, 1);
	assert_int_equal(p.starttls, 1);
	assert_int_equal(p.tls_version, 0x0304);
	assert_int_equal(p.cipher_class, CIPHER_GOOD);
	assert_int_equal(p.cert_time_ok, 1);
	assert_int_equal(p.cert_trusted, 1);
	assert_int_equal(p.key[0], 7);
	/* judged later: the certificate has expired since */
	verdict_posture(&v, true, T0 + 2 * 86400, &p);
	assert_int_equal(p.cert_time_ok, 0);
	/* expired: the dates say so, trust is not judged from it */
	r.tls.verify_code = X509_V_ERR_CERT_HAS_EXPIRED;
	verdict_of(&r, &POL, T0 + 2 * 86400, &v);
	assert_int_equal(v.posture.cert_time_ok, 0);
	assert_int_equal(v.posture.cert_trusted, -1);
	r.tls.verify_code = X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT;
	verdict_of(&r, &POL, T0, &v);
	assert_int_equal(v.posture.cert_trusted, 0);
	/* STARTTLS refused counts as not supported */
	memset(&r, 0, sizeof r);
	r.server_type = APPL_TYPE_ESMTP;
	r.ehlo_seen = true;
	r.starttls_offered = true;
	r.fail = SMTP_F_STARTTLS;
	verdict_of(&r, &POL, T0, &v);
	assert_int_equal(v.posture.starttls, 0);
	assert_int_equal(v.posture.tls_version, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_facts),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_cert_status),
		cmocka_unit_test(test_failure),
		cmocka_unit_test(test_blank),
		cmocka_unit_test(test_posture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
