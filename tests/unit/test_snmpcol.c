/* Unit tests for agent/snmpcol (the value of every SMTPMON-MIB column and
 * scalar, without an agent): every column of smtpmonTargetTable for an
 * ESMTP target with TLS 1.3, a plain SMTP one, a target down and one of
 * which nothing is known yet; the published TLS policy columns (DANE,
 * MTA-STS) for each status, with and without a view; the NCSC-NL rating
 * columns for each class and unknown; every column of
 * smtpmonConnectionTable for
 * IPv4, IPv6 with a zone and a connection whose addresses do not parse;
 * every column of smtpmonPassiveServerTable for a TLS 1.3 server, a plain
 * one and one never determined; both scalar groups. The expected values are
 * facts written out here (octets, numbers, the column numbers and types of
 * mib/SMTPMON-MIB.txt), not computed by the code under test. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509_vfy.h>

#include "testrow.h"
#include "registry.h"
#include "downgrade.h"
#include "mlimit.h"
#include "pserver.h"
#include "snmp_mib.h"
#include "snmpcol.h"

/* the clock of every test: 2026-12-01 00:00:00 UTC, the agent up an hour */
#define NOW 1796083200
static const struct snmpcol_clock clk = { .now = NOW, .uptime = 360000 };

/* times used below, UTC */
#define T_2027_03_01_120000 1803902400
#define T_2026_11_01_083000 1793521800
#define T_2026_11_20_101530 1795169730
#define T_2026_11_30_230000 1796079600
#define T_2026_11_29_000000 1795910400
#define T_2026_11_28_064510 1795848310
#define T_2026_06_15_142005 1781533205
#define T_2026_11_30_170559 1796058359

/* their DateAndTime: year (2 octets), month, day, hour, minutes, seconds,
 * deci-seconds, '+', 0, 0 */
#define DT_2027_03_01_120000 "\x07\xeb\x03\x01\x0c\x00\x00\x00+\x00\x00"
#define DT_2026_11_01_083000 "\x07\xea\x0b\x01\x08\x1e\x00\x00+\x00\x00"
#define DT_2026_11_20_101530 "\x07\xea\x0b\x14\x0a\x0f\x1e\x00+\x00\x00"
#define DT_2026_11_30_230000 "\x07\xea\x0b\x1e\x17\x00\x00\x00+\x00\x00"
#define DT_2026_11_29_000000 "\x07\xea\x0b\x1d\x00\x00\x00\x00+\x00\x00"
#define DT_2026_11_28_064510 "\x07\xea\x0b\x1c\x06\x2d\x0a\x00+\x00\x00"
#define DT_2026_06_15_142005 "\x07\xea\x06\x0f\x0e\x14\x05\x00+\x00\x00"
#define DT_2026_11_30_170559 "\x07\xea\x0b\x1e\x11\x05\x3b\x00+\x00\x00"

#define WRITER "SMTPMON"

struct want {
	unsigned col;
	enum snmpcol_type type;
	int64_t num;
	const char *oct;              /* OCTET STRING (may hold NULs), else NULL */
	size_t len;
};

/* SYNTAX as the MIB writes it, and the value */
#define INT(c, n)  { c, SNMPCOL_INTEGER, n, NULL, 0 }      /* INTEGER, Integer32, TruthValue, TCs of them */
#define U32(c, n)  { c, SNMPCOL_UNSIGNED, n, NULL, 0 }     /* Unsigned32, InetPortNumber */
#define C32(c, n)  { c, SNMPCOL_COUNTER, n, NULL, 0 }      /* Counter32 */
#define TS(c, n)   { c, SNMPCOL_TIMETICKS, n, NULL, 0 }    /* TimeStamp */
#define STR(c, s)  { c, SNMPCOL_OCTETS, 0, s, sizeof s - 1 }   /* OCTET STRING and its TCs */

#define TV_TRUE  1
#define TV_FALSE 2

static void
check_value(const struct snmpcol_value *v, const struct want *w)
{
	if (v->type != w->type || (w->oct == NULL && v->num != w->num) ||
	    (w->oct != NULL && (v->len != w->len || memcmp(v->octets, w->oct, w->len) != 0)))
		print_message("column %u: type %d num %lld len %zu\n", w->col, (int)v->type,
		    (long long)v->num, v->len);
	assert_int_equal(v->type, w->type);
	if (w->oct == NULL) {
		assert_int_equal(v->num, w->num);
	} else {
		assert_int_equal(v->len, w->len);
		assert_memory_equal(v->octets, w->oct, w->len);
	}
}

/* every column from 2 (after the not-accessible index) to the last, in order */
static void
check_target(const struct reg_row *row, const struct want *w, size_t n)
{
	struct snmpcol_value v;

	assert_int_equal(n, 64);              /* smtpmonTargetEntry 2 .. 65 */
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(w[i].col, i + 2);
		assert_true(snmpcol_target(row, WRITER, &clk, w[i].col, &v));
		check_value(&v, &w[i]);
	}
}

static void
check_pserver(struct pserver_view *pv, const struct want *w, size_t n)
{
	struct snmpcol_value v;

	assert_int_equal(n, 36);              /* smtpmonPassiveServerEntry 2 .. 37 */
	pserver_view_names(pv);               /* as pserver_observe() names its rows */
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(w[i].col, i + 2);
		assert_true(snmpcol_pserver(pv, w[i].col, &v));
		check_value(&v, &w[i]);
	}
}

static void
check_conn(const struct snmpcol_conn *c, const struct want *w, size_t n)
{
	struct snmpcol_value v;

	assert_int_equal(n, 7);               /* smtpmonConnectionEntry 2 .. 8 */
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(w[i].col, i + 2);
		assert_true(snmpcol_conn(c, w[i].col, &v));
		check_value(&v, &w[i]);
	}
}

#define N(a) (sizeof a / sizeof a[0])

static struct reg_row *
row_new(void)
{
	struct reg_row *row = testrow_new("");

	return row;
}

/* The row's verdict of r, as the monitor decides it. */
static void
decide(struct reg_row *row, const struct smtp_result *r)
{
	struct verdict_policy p = {
		.tls_attempted = row->secure, .component = APPLDATA_MONITOR, .writer = WRITER,
	};

	verdict_of(r, &p, NOW, testrow_verdict(row));
	row->classified = true;
}

static void
set_ipv4(struct reg_row *row, const char *addr, uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&row->addr;

	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, addr, &sin->sin_addr), 1);
	row->port = port;
}

static void
set_ipv6(struct reg_row *row, const char *addr, uint16_t port, uint32_t scope)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&row->addr;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	sin6->sin6_scope_id = scope;
	assert_int_equal(inet_pton(AF_INET6, addr, &sin6->sin6_addr), 1);
	row->port = port;
}

/* ---- the column numbers and types of mib/SMTPMON-MIB.txt ---- */

static void
test_columns_match_mib(void **state)
{
	struct reg_row *row = row_new();
	struct pserver_view pv;
	struct snmpcol_conn c;
	struct reg_snapshot s;
	struct snmpcol_scalars x = { "1", WRITER, 0 };
	struct snmpcol_value v;

	(void)state;
	/* { smtpmonTargetEntry N } of a few, and the last of each table */
	assert_int_equal(SMTPMON_T_ADDRESS_TYPE, 2);
	assert_int_equal(SMTPMON_T_CERT_NOT_AFTER, 15);
	assert_int_equal(SMTPMON_T_APPLDATA, 21);
	assert_int_equal(SMTPMON_T_LAST_CHANGE, 32);
	assert_int_equal(SMTPMON_T_CIPHER_CLASS, 34);
	assert_int_equal(SMTPMON_T_TLS_EVENT_TIME, 43);
	assert_int_equal(SMTPMON_T_LAST_CLOSE_REPLY, 47);
	assert_int_equal(SMTPMON_T_NOOP_INTERVAL, 54);
	assert_int_equal(SMTPMON_T_DANE_STATUS, 55);
	assert_int_equal(SMTPMON_T_POLICY_FAILURE, 59);
	assert_int_equal(SMTPMON_T_RATING_OVERALL, 60);
	assert_int_equal(SMTPMON_T_RATING_CERT_SIGNATURE, 65);
	assert_int_equal(SMTPMON_T_LAST_COLUMN, 65);
	assert_int_equal(SMTPMON_C_LOCAL_ADDRESS_TYPE, 2);
	assert_int_equal(SMTPMON_C_LAST_COLUMN, 8);
	assert_int_equal(SMTPMON_P_ADDR_TYPE, 2);
	assert_int_equal(SMTPMON_P_SNI, 16);
	assert_int_equal(SMTPMON_P_APPLDATA, 19);
	assert_int_equal(SMTPMON_P_EVENT_TIME, 29);
	assert_int_equal(SMTPMON_P_LAST_SEEN, 31);
	assert_int_equal(SMTPMON_P_RATING_OVERALL, 32);
	assert_int_equal(SMTPMON_P_LAST_COLUMN, 37);
	assert_int_equal(SMTPMON_SC_START_TIME, 7);
	assert_int_equal(SMTPMON_PS_ERROR, 14);

	/* the index columns (not-accessible) and past the last: nothing */
	memset(&pv, 0, sizeof pv);
	memset(&s, 0, sizeof s);
	snmpcol_conn_fill(&c, row, REG_ROLE_MONITOR);
	assert_false(snmpcol_target(row, WRITER, &clk, 1, &v));
	assert_int_equal(v.type, SNMPCOL_NONE);
	assert_false(snmpcol_target(row, WRITER, &clk, 66, &v));
	assert_false(snmpcol_target(row, WRITER, &clk, 0, &v));
	assert_false(snmpcol_pserver(&pv, 1, &v));
	assert_false(snmpcol_pserver(&pv, 38, &v));
	assert_int_equal(v.type, SNMPCOL_NONE);
	assert_false(snmpcol_conn(&c, 1, &v));
	assert_false(snmpcol_conn(&c, 9, &v));
	assert_false(snmpcol_scalar(&s, &x, 0, &v));
	assert_false(snmpcol_scalar(&s, &x, 8, &v));
	assert_false(snmpcol_passive_scalar(&s, 0, &v));
	assert_false(snmpcol_passive_scalar(&s, 15, &v));
	assert_int_equal(v.type, SNMPCOL_NONE);
	free(row);
}

/* ---- smtpmonTargetTable ---- */

/* An ESMTP server up, TLS 1.3 with a good certificate, the monitor
 * connection open, a recovered downgrade, an idle close learned. */
static void
test_target_esmtp_tls13(void **state)
{
	struct reg_row *row = row_new();
	struct smtp_result res, *r = &res;

	memset(&res, 0, sizeof res);
	static const struct want w[] = {
		INT(2, 1),                                 /* AddressType ipv4 */
		STR(3, "\xc0\x00\x02\x19"),                /* Address 192.0.2.25 */
		U32(4, 25),                                /* Port */
		STR(5, "example.org"),                     /* Name */
		STR(6, "mx1.example.org"),                 /* MxHost */
		INT(7, TV_TRUE),                           /* Secure */
		INT(8, 2),                                 /* Status up */
		INT(9, 3),                                 /* ServerType esmtp */
		INT(10, 3),                                /* Security tls */
		INT(11, 7),                                /* TlsLevel tls13 */
		INT(12, 0x1302),                           /* CipherId */
		STR(13, "TLS_AES_256_GCM_SHA384"),         /* CipherName */
		STR(14, "X25519"),                         /* KxGroup */
		STR(15, DT_2027_03_01_120000),             /* CertNotAfter */
		INT(16, 90),                               /* CertDaysLeft: 90 days 12 hours */
		INT(17, 2),                                /* CertVerify ok */
		INT(18, TV_TRUE),                          /* StarttlsOffered */
		/* Capabilities after TLS: pipelining(1) size(2) chunking(5)
		 * enhancedstatuscodes(7) auth(9) */
		STR(19, "\x65\x40"),
		STR(20, ""),                               /* AuthPretls: none before TLS */
		STR(21, "EZASMTPM SMTPMON  ET134X 1302           "),   /* Appldata: the connection's */
		U32(22, 1200),                             /* RttConnect */
		U32(23, 35000),                            /* RttBanner */
		U32(24, 800),                              /* RttEhlo */
		U32(25, 900),                              /* RttStarttls */
		U32(26, 15000),                            /* RttHandshake */
		U32(27, 650),                              /* RttNoop */
		C32(28, 3),                                /* Connects */
		C32(29, 0),                                /* ConnectFailures */
		C32(30, 120),                              /* Noops */
		C32(31, 2),                                /* Reprobes */
		TS(32, 300000),                            /* LastChange: 10 minutes ago */
		STR(33, ""),                               /* LastReply: only while down */
		INT(34, 5),                                /* CipherClass good */
		INT(35, 7),                                /* BaselineTlsLevel tls13 */
		INT(36, 0x1302),                           /* BaselineCipherId */
		STR(37, "TLS_AES_256_GCM_SHA384"),         /* BaselineCipherName */
		INT(38, 5),                                /* BaselineCipherClass good */
		STR(39, DT_2026_11_01_083000),             /* BaselineSince */
		STR(40, ""),                               /* TlsDowngrades: none now */
		STR(41, "tls-version-lowered"),            /* TlsEvent */
		INT(42, 3),                                /* TlsEventKind recovery */
		STR(43, DT_2026_11_20_101530),             /* TlsEventTime */
		C32(44, 1),                                /* ServerCloses */
		C32(45, 4),                                /* Recycles */
		C32(46, 0),                                /* Throttles */
		STR(47, "421 4.4.2 mx1.example.org Error: timeout exceeded"),   /* LastCloseReply */
		INT(48, 2),                                /* LastCloseKind idle */
		U32(49, 300000),                           /* LastCloseIdle */
		U32(50, 10),                               /* LastCloseNoops */
		STR(51, DT_2026_11_30_230000),             /* LastCloseTime */
		U32(52, 290000),                           /* LearnedIdle */
		U32(53, 0),                                /* NoopBudget: no limit */
		U32(54, 60000),                            /* NoopInterval */
		/* no Dane, no MtaSts (pol NULL) */
		INT(55, 1),                                /* DaneStatus notChecked */
		INT(56, 1),                                /* MtaStsStatus notChecked */
		STR(57, ""),                               /* MtaStsMode */
		STR(58, ""),                               /* MtaStsPolicyId */
		STR(59, ""),                               /* PolicyFailure */
		/* TLS 1.3, TLS_AES_256_GCM_SHA384, X25519; no key or hash known */
		INT(60, 3),                                /* RatingOverall sufficient */
		INT(61, 2),                                /* RatingTlsVersion good */
		INT(62, 2),                                /* RatingCipher good */
		INT(63, 3),                                /* RatingKeyExchange sufficient */
		INT(64, 1),                                /* RatingCertKey unknown */
		INT(65, 1),                                /* RatingCertSignature unknown */
	};

	(void)state;
	row->index = 1;
	set_ipv4(row, "192.0.2.25", 25);
	row->name = "example.org";
	row->mx_host = "mx1.example.org";
	row->secure = true;
	row->state = REG_UP;
	row->last_change = NOW - 600;
	row->last_reply = "421 4.3.2 an old failure";
	r->server_type = APPL_TYPE_ESMTP;
	r->security = APPL_SEC_TLS;
	r->starttls_offered = true;
	r->caps_pre.caps = SMTP_CAP_STARTTLS | SMTP_CAP_PIPELINING | SMTP_CAP_SIZE;
	r->caps_pre.nlines = 4;
	r->caps_tls.caps = SMTP_CAP_PIPELINING | SMTP_CAP_SIZE | SMTP_CAP_CHUNKING |
	    SMTP_CAP_ENHANCEDSTATUSCODES | SMTP_CAP_AUTH;
	r->caps_tls.auth = SMTP_AUTH_PLAIN;
	r->caps_tls.nlines = 6;
	r->tls_done = true;
	r->tls.version = 0x0304;
	r->tls.cipher_id = 0x1302;
	strcpy(r->tls.cipher, "TLS_AES_256_GCM_SHA384");
	strcpy(r->tls.group, "X25519");
	r->tls.have_cert = true;
	r->tls.not_after = T_2027_03_01_120000;
	r->tls.verify_code = X509_V_OK;
	r->tls.host_match = 1;
	r->t.connect = 1200;
	r->t.banner = 35000;
	r->t.ehlo = 800;
	r->t.starttls = 900;
	r->t.handshake = 15000;
	row->noop_rtt_us = 650;
	row->connects = 3;
	row->noops = 120;
	row->reprobes = 2;
	row->conns[REG_ROLE_MONITOR].open = true;
	strcpy(row->conns[REG_ROLE_MONITOR].appldata, "EZASMTPM SMTPMON  ET134X 1302           ");
	row->dg.set = true;
	row->dg.best.tls_version = 0x0304;
	row->dg.best.cipher_id = 0x1302;
	row->dg.best.cipher_class = posture_cipher_class(0x1302);   /* as downgrade.c sets it */
	row->dg.set_at = T_2026_11_01_083000;
	posture_names(&row->dg.best, &row->dg.best_names);  /* as downgrade_view() names it */
	row->dg.last_event = DG_TLS_VERSION_LOWERED;
	row->dg.last_recovered = true;
	row->dg.last_event_at = T_2026_11_20_101530;
	row->server_closes = 1;
	row->recycles = 4;
	strcpy(row->last_close.reply, "421 4.4.2 mx1.example.org Error: timeout exceeded");
	row->last_close.kind = MLIMIT_END_IDLE;
	row->last_close.idle_ms = 300000;
	row->last_close.noops = 10;
	row->last_close.at = T_2026_11_30_230000;
	row->learned_idle_ms = 290000;
	row->noop_budget = 0;
	row->noop_interval_ms = 60000;
	decide(row, r);
	check_target(row, w, N(w));
	free(row);
}

/* A plain SMTP server over IPv6 (TargetIP), no TLS (stale TLS facts must not
 * show), AUTH before TLS, counters past 2^32, no monitor connection. */
static void
test_target_smtp_plain(void **state)
{
	struct reg_row *row = row_new();
	struct smtp_result res, *r = &res;

	memset(&res, 0, sizeof res);
	static const struct want w[] = {
		INT(2, 2),                                 /* AddressType ipv6 */
		STR(3, "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x25"),
		U32(4, 587),
		STR(5, ""),                                /* Name: TargetIP */
		STR(6, ""),                                /* MxHost */
		INT(7, TV_FALSE),                          /* Secure */
		INT(8, 2),                                 /* Status up */
		INT(9, 2),                                 /* ServerType smtp */
		INT(10, 2),                                /* Security basic */
		INT(11, 1),                                /* TlsLevel none */
		INT(12, -1),                               /* CipherId none */
		STR(13, ""),
		STR(14, ""),
		STR(15, ""),                               /* CertNotAfter: empty */
		INT(16, 2147483647),                       /* CertDaysLeft: no certificate */
		INT(17, 1),                                /* CertVerify unknown */
		INT(18, TV_FALSE),
		STR(19, "\x60\x00"),                       /* pipelining(1) size(2), before TLS */
		STR(20, "PLAIN LOGIN XAUTH"),              /* AuthPretls */
		STR(21, "EZASMTPM SMTPMON  SB                    "),   /* Appldata: the classification's */
		U32(22, 4294967295),                       /* RttConnect saturated */
		U32(23, 0),
		U32(24, 0),
		U32(25, 0),
		U32(26, 0),
		U32(27, 0),
		C32(28, 5),                                /* Connects: 2^32 + 5 wraps */
		C32(29, 4294967295),                       /* ConnectFailures */
		C32(30, 0),
		C32(31, 0),
		TS(32, 360000),                            /* LastChange: now */
		STR(33, ""),
		INT(34, 1),                                /* CipherClass unknown */
		INT(35, 1),                                /* BaselineTlsLevel none */
		INT(36, -1),
		STR(37, ""),
		INT(38, 1),
		STR(39, DT_2026_11_01_083000),             /* BaselineSince */
		STR(40, ""),
		STR(41, ""),                               /* TlsEvent: none yet */
		INT(42, 1),                                /* TlsEventKind none */
		STR(43, ""),
		C32(44, 0),
		C32(45, 0),
		C32(46, 3),                                /* Throttles */
		STR(47, ""),                               /* no close yet: stale text hidden */
		INT(48, 1),                                /* LastCloseKind none */
		U32(49, 0),
		U32(50, 0),
		STR(51, ""),
		U32(52, 0),
		U32(53, 50),                               /* NoopBudget */
		U32(54, 30000),
		/* no Dane, no MtaSts (pol NULL) */
		INT(55, 1),                                /* DaneStatus notChecked */
		INT(56, 1),                                /* MtaStsStatus notChecked */
		STR(57, ""),                               /* MtaStsMode */
		STR(58, ""),                               /* MtaStsPolicyId */
		STR(59, ""),                               /* PolicyFailure */
		/* no TLS: every rating unknown */
		INT(60, 1), INT(61, 1), INT(62, 1), INT(63, 1), INT(64, 1), INT(65, 1),
	};

	(void)state;
	row->index = 2;
	set_ipv6(row, "2001:db8::25", 587, 0);
	row->state = REG_UP;
	row->last_change = NOW;
	r->server_type = APPL_TYPE_SMTP;
	r->security = APPL_SEC_BASIC;
	r->caps_pre.caps = SMTP_CAP_PIPELINING | SMTP_CAP_SIZE;
	r->caps_pre.auth = SMTP_AUTH_PLAIN | SMTP_AUTH_LOGIN;
	strcpy(r->caps_pre.auth_other, "XAUTH");
	r->caps_pre.nlines = 4;
	/* left over from an earlier TLS session: not shown without tls_done */
	r->tls.version = 0x0303;
	r->tls.cipher_id = 0xC02F;
	strcpy(r->tls.cipher, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
	strcpy(r->tls.group, "secp256r1");
	r->tls.have_cert = true;
	r->tls.not_after = T_2027_03_01_120000;
	r->t.connect = 5000000000ull;
	row->connects = (1ull << 32) + 5;
	row->connect_failures = 0xffffffffull;
	row->throttles = 3;
	row->dg.set = true;
	row->dg.best.tls_version = 0;
	row->dg.best.cipher_id = -1;
	row->dg.set_at = T_2026_11_01_083000;
	posture_names(&row->dg.best, &row->dg.best_names);  /* as downgrade_view() names it */
	strcpy(row->last_close.reply, "421 stale");
	row->last_close.kind = MLIMIT_END_COMMAND;
	row->last_close.idle_ms = 5;
	row->last_close.noops = 7;
	row->noop_budget = 50;
	row->noop_interval_ms = 30000;
	decide(row, r);
	check_target(row, w, N(w));
	free(row);
}

/* A target down: IPv6 link-local with a zone, the failure reply (two lines,
 * a hostile byte), the last classification TLS 1.2 with an expired
 * certificate, downgrade events in force, a command close. */
static void
test_target_down(void **state)
{
	struct reg_row *row = row_new();
	struct smtp_result res, *r = &res;

	memset(&res, 0, sizeof res);
	static const struct want w[] = {
		INT(2, 4),                                 /* AddressType ipv6z */
		STR(3, "\xfe\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"
		    "\x00\x00\x00\x03"),                   /* fe80::1, zone 3 */
		U32(4, 25),
		STR(5, "example.net"),
		STR(6, "mx2.example.net"),
		INT(7, TV_TRUE),
		INT(8, 3),                                 /* Status down */
		INT(9, 3),
		INT(10, 3),
		INT(11, 6),                                /* TlsLevel tls12 */
		INT(12, 0xC02F),
		STR(13, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
		STR(14, "secp256r1"),
		STR(15, DT_2026_11_29_000000),
		INT(16, -2),                               /* CertDaysLeft: expired 2 days ago */
		INT(17, 4),                                /* CertVerify expired */
		INT(18, TV_TRUE),
		/* no EHLO after TLS: the one before: starttls(0) pipelining(1)
		 * eightbitmime(3) dsn(6) */
		STR(19, "\xd2\x00"),
		STR(20, ""),
		STR(21, "EZASMTPM SMTPMON  ET124X C02F           "),
		U32(22, 0),
		U32(23, 0),
		U32(24, 0),
		U32(25, 0),
		U32(26, 0),
		U32(27, 0),
		C32(28, 40),
		C32(29, 12),
		C32(30, 3000),
		C32(31, 9),
		TS(32, 0),                                 /* LastChange before the agent started */
		STR(33, "421-4.7.0 too many connections\r\n421 4.7.0 try ?later"),
		INT(34, 5),
		INT(35, 7),
		INT(36, 0x1302),
		STR(37, "TLS_AES_256_GCM_SHA384"),
		INT(38, 5),
		STR(39, DT_2026_11_01_083000),
		STR(40, "tls-version-lowered,certificate-expired"),
		STR(41, "certificate-expired"),
		INT(42, 2),                                /* TlsEventKind downgrade */
		STR(43, DT_2026_11_29_000000),
		C32(44, 2),
		C32(45, 0),
		C32(46, 0),
		STR(47, "554 5.7.0 Too many commands"),         /* CR LF: one blank */
		INT(48, 3),                                /* LastCloseKind command */
		U32(49, 1500),
		U32(50, 100),
		STR(51, DT_2026_11_28_064510),
		U32(52, 0),
		U32(53, 99),
		U32(54, 60000),
		/* no Dane, no MtaSts (pol NULL) */
		INT(55, 1),                                /* DaneStatus notChecked */
		INT(56, 1),                                /* MtaStsStatus notChecked */
		STR(57, ""),                               /* MtaStsMode */
		STR(58, ""),                               /* MtaStsPolicyId */
		STR(59, ""),                               /* PolicyFailure */
		/* TLS 1.2, ECDHE AEAD suite, secp256r1; no key or hash known */
		INT(60, 3),                                /* RatingOverall sufficient */
		INT(61, 3),                                /* RatingTlsVersion sufficient */
		INT(62, 3),                                /* RatingCipher sufficient */
		INT(63, 3),                                /* RatingKeyExchange sufficient */
		INT(64, 1),                                /* RatingCertKey unknown */
		INT(65, 1),                                /* RatingCertSignature unknown */
	};

	(void)state;
	row->index = 3;
	set_ipv6(row, "fe80::1", 25, 3);
	row->name = "example.net";
	row->mx_host = "mx2.example.net";
	row->secure = true;
	row->state = REG_DOWN;
	row->last_change = NOW - 7200;
	row->last_reply = "421-4.7.0 too many connections\r\n421 4.7.0 try \x1blater";
	r->server_type = APPL_TYPE_ESMTP;
	r->security = APPL_SEC_TLS;
	r->starttls_offered = true;
	r->caps_pre.caps = SMTP_CAP_STARTTLS | SMTP_CAP_PIPELINING | SMTP_CAP_8BITMIME |
	    SMTP_CAP_DSN;
	r->caps_pre.nlines = 5;
	r->tls_done = true;
	r->tls.version = 0x0303;
	r->tls.cipher_id = 0xC02F;
	strcpy(r->tls.cipher, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
	strcpy(r->tls.group, "secp256r1");
	r->tls.have_cert = true;
	r->tls.not_after = T_2026_11_29_000000;
	r->tls.verify_code = X509_V_ERR_CERT_HAS_EXPIRED;
	r->tls.host_match = 1;
	row->connects = 40;
	row->connect_failures = 12;
	row->noops = 3000;
	row->reprobes = 9;
	row->dg.set = true;
	row->dg.best.tls_version = 0x0304;
	row->dg.best.cipher_id = 0x1302;
	row->dg.best.cipher_class = posture_cipher_class(0x1302);   /* as downgrade.c sets it */
	row->dg.set_at = T_2026_11_01_083000;
	posture_names(&row->dg.best, &row->dg.best_names);  /* as downgrade_view() names it */
	row->dg.active = (1u << DG_TLS_VERSION_LOWERED) | (1u << DG_CERT_EXPIRED);
	row->dg.last_event = DG_CERT_EXPIRED;
	row->dg.last_event_at = T_2026_11_29_000000;
	row->server_closes = 2;
	strcpy(row->last_close.reply, "554 5.7.0 Too many\r\ncommands");
	row->last_close.kind = MLIMIT_END_COMMAND;
	row->last_close.idle_ms = 1500;
	row->last_close.noops = 100;
	row->last_close.at = T_2026_11_28_064510;
	row->noop_budget = 99;
	row->noop_interval_ms = 60000;
	decide(row, r);
	check_target(row, w, N(w));
	free(row);
}

/* A row of which nothing is known yet: its name being resolved. */
static void
test_target_unknown(void **state)
{
	struct reg_row *row = row_new();
	static const struct want w[] = {
		INT(2, 0),                                 /* AddressType unknown */
		STR(3, ""),
		U32(4, 25),
		STR(5, "example.com"),
		STR(6, ""),
		INT(7, TV_FALSE),
		INT(8, 4),                                 /* Status resolving */
		INT(9, 1),                                 /* ServerType unknown */
		INT(10, 1),                                /* Security unknown */
		INT(11, 1),
		INT(12, -1),
		STR(13, ""),
		STR(14, ""),
		STR(15, ""),
		INT(16, 2147483647),
		INT(17, 1),
		INT(18, TV_FALSE),
		STR(19, "\x00\x00"),
		STR(20, ""),
		STR(21, "EZASMTPM SMTPMON                        "),
		U32(22, 0),
		U32(23, 0),
		U32(24, 0),
		U32(25, 0),
		U32(26, 0),
		U32(27, 0),
		C32(28, 0),
		C32(29, 0),
		C32(30, 0),
		C32(31, 0),
		TS(32, 0),                                 /* LastChange never */
		STR(33, ""),
		INT(34, 1),
		INT(35, 1),                                /* no baseline */
		INT(36, -1),
		STR(37, ""),
		INT(38, 1),
		STR(39, ""),
		STR(40, ""),
		STR(41, ""),
		INT(42, 1),
		STR(43, ""),
		C32(44, 0),
		C32(45, 0),
		C32(46, 0),
		STR(47, ""),
		INT(48, 1),
		U32(49, 0),
		U32(50, 0),
		STR(51, ""),
		U32(52, 0),
		U32(53, 0),
		U32(54, 0),
		/* no Dane, no MtaSts (pol NULL) */
		INT(55, 1),                                /* DaneStatus notChecked */
		INT(56, 1),                                /* MtaStsStatus notChecked */
		STR(57, ""),                               /* MtaStsMode */
		STR(58, ""),                               /* MtaStsPolicyId */
		STR(59, ""),                               /* PolicyFailure */
		/* no TLS: every rating unknown */
		INT(60, 1), INT(61, 1), INT(62, 1), INT(63, 1), INT(64, 1), INT(65, 1),
	};

	(void)state;
	row->index = 4;
	row->port = 25;
	row->name = "example.com";
	row->state = REG_RESOLVING;
	check_target(row, w, N(w));
	free(row);
}

/* ---- the published TLS policy (smtpmonTargetEntry 55 .. 59) ---- */

/* A view as the monitor decides it (policy_view_of()): DANE status ds
 * (DANE_ST_OFF: not asked); MTA-STS facts of kind sk (STS_F_OFF: not asked)
 * with mode and id, evaluated to sts; tls_done, trusted, name_ok the
 * connection's. */
static void
view_make(enum dane_status ds, enum sts_fact sk, enum mtasts_mode mode, const char *id,
    enum mtasts_status sts, bool mx_match, bool tls_done, bool trusted, bool name_ok,
    struct policy_view *out)
{
	static struct sts_facts sf;
	struct tlsa_set t;
	struct dane_result d = { ds, dane_status_name(ds), -1 };
	struct sts_result sr;

	memset(&t, 0, sizeof t);
	memset(&sf, 0, sizeof sf);
	memset(&sr, 0, sizeof sr);
	t.asked = ds != DANE_ST_OFF;
	strcpy(t.detail, "a reason");
	sf.kind = sk;
	strcpy(sf.id, id);
	if (sk == STS_F_POLICY) {
		sf.policy.mode = mode;
		sf.policy.max_age = 86400;
		sf.policy.nmx = 1;
		strcpy(sf.policy.mx[0], "mx1.example.org");
	}
	if (sk != STS_F_OFF) {
		sr.status = sts;
		sr.status_name = mtasts_status_name(sts);
		sr.have_policy = sk == STS_F_POLICY;
		sr.mx_match = mx_match;
	}
	{
		struct tls_standing ts = { .tls_done = tls_done, .trusted = trusted,
		    .name_ok = name_ok };

		policy_view_of(&t, &d, &sf, &sr, &ts, out);
	}
}

/* columns 55 .. 59 of row */
static void
check_policy(const struct reg_row *row, const struct want w[5])
{
	struct snmpcol_value v;

	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(w[i].col, 55 + i);
		assert_true(snmpcol_target(row, WRITER, &clk, w[i].col, &v));
		check_value(&v, &w[i]);
	}
}

/* Every DANE and MTA-STS status through the columns, each alone and
 * together; the failing result types joined; a view's row against one
 * without (the other columns of both rows equal). */
static void
test_target_policy(void **state)
{
	struct reg_row *row = row_new(), *bare = row_new();
	struct policy_view pv;
	struct snmpcol_value a, b;

	(void)state;
	row->index = 7;
	set_ipv4(row, "192.0.2.30", 25);
	bare->index = 7;
	set_ipv4(bare, "192.0.2.30", 25);
	row->pol = &pv;

	/* DANE valid, MTA-STS enforce met */
	view_make(DANE_ST_VALID, STS_F_POLICY, MTASTS_MODE_ENFORCE, "20261201T1", MTASTS_ENFORCE_OK,
	    true, true, true, true, &pv);
	{
		static const struct want w[] = { INT(55, 2), INT(56, 2), STR(57, "enforce"),
		    STR(58, "20261201T1"), STR(59, "") };
		check_policy(row, w);
	}
	/* both fail without TLS: starttls-not-supported for each (RFC 8460 4.3.1) */
	view_make(DANE_ST_MISMATCH, STS_F_POLICY, MTASTS_MODE_ENFORCE, "abc",
	    MTASTS_ENFORCE_VIOLATION, true, false, false, false, &pv);
	{
		static const struct want w[] = { INT(55, 3), INT(56, 3), STR(57, "enforce"),
		    STR(58, "abc"), STR(59, "starttls-not-supported starttls-not-supported") };
		check_policy(row, w);
	}
	/* DANE mismatch with TLS; MX outside the patterns */
	view_make(DANE_ST_MISMATCH, STS_F_POLICY, MTASTS_MODE_ENFORCE, "abc",
	    MTASTS_ENFORCE_VIOLATION, false, true, true, true, &pv);
	{
		static const struct want w[] = { INT(55, 3), INT(56, 3), STR(57, "enforce"),
		    STR(58, "abc"), STR(59, "tlsa-invalid validation-failure") };
		check_policy(row, w);
	}
	/* no TLSA; testing */
	view_make(DANE_ST_NO_TLSA, STS_F_POLICY, MTASTS_MODE_TESTING, "t1", MTASTS_TESTING,
	    true, true, false, true, &pv);
	{
		static const struct want w[] = { INT(55, 4), INT(56, 4), STR(57, "testing"),
		    STR(58, "t1"), STR(59, "") };
		check_policy(row, w);
	}
	/* insecure; a policy in mode none */
	view_make(DANE_ST_INSECURE, STS_F_POLICY, MTASTS_MODE_NONE, "n1", MTASTS_NONE,
	    true, true, true, true, &pv);
	{
		static const struct want w[] = { INT(55, 5), INT(56, 5), STR(57, "none"),
		    STR(58, "n1"), STR(59, "") };
		check_policy(row, w);
	}
	/* bogus alone (MtaSts not configured) */
	view_make(DANE_ST_BOGUS, STS_F_OFF, MTASTS_MODE_ENFORCE, "", MTASTS_NONE,
	    true, true, true, true, &pv);
	{
		static const struct want w[] = { INT(55, 6), INT(56, 1), STR(57, ""),
		    STR(58, ""), STR(59, "dnssec-invalid") };
		check_policy(row, w);
	}
	/* a DANE lookup error; a policy that does not parse (id known) */
	view_make(DANE_ST_ERROR, STS_F_INVALID, MTASTS_MODE_ENFORCE, "bad1", MTASTS_INVALID,
	    true, true, true, true, &pv);
	{
		static const struct want w[] = { INT(55, 7), INT(56, 6), STR(57, ""),
		    STR(58, "bad1"), STR(59, "sts-policy-invalid") };
		check_policy(row, w);
	}
	/* MtaSts alone: no STS record; then the fetch failed */
	view_make(DANE_ST_OFF, STS_F_NONE, MTASTS_MODE_ENFORCE, "", MTASTS_NONE,
	    true, true, true, true, &pv);
	{
		static const struct want w[] = { INT(55, 1), INT(56, 5), STR(57, ""),
		    STR(58, ""), STR(59, "") };
		check_policy(row, w);
	}
	view_make(DANE_ST_OFF, STS_F_ERROR, MTASTS_MODE_ENFORCE, "e20261207", MTASTS_ERROR,
	    true, true, true, true, &pv);
	{
		static const struct want w[] = { INT(55, 1), INT(56, 7), STR(57, ""),
		    STR(58, "e20261207"), STR(59, "sts-policy-fetch-error") };
		check_policy(row, w);
	}
	/* the longest pair of result types fits SIZE (0..64) */
	view_make(DANE_ST_BOGUS, STS_F_POLICY, MTASTS_MODE_ENFORCE,
	    "12345678901234567890123456789012", MTASTS_ENFORCE_VIOLATION, true, true, true,
	    false, &pv);
	{
		static const struct want w[] = { INT(55, 6), INT(56, 3), STR(57, "enforce"),
		    STR(58, "12345678901234567890123456789012"),
		    STR(59, "dnssec-invalid certificate-host-mismatch") };
		check_policy(row, w);
	}
	/* the view changes the five columns and nothing else */
	for (unsigned col = 2; col < SMTPMON_T_DANE_STATUS; col++) {
		assert_true(snmpcol_target(row, WRITER, &clk, col, &a));
		assert_true(snmpcol_target(bare, WRITER, &clk, col, &b));
		assert_int_equal(a.type, b.type);
		assert_int_equal(a.num, b.num);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.octets, b.octets, a.len);
	}
	{
		static const struct want w[] = { INT(55, 1), INT(56, 1), STR(57, ""), STR(58, ""),
		    STR(59, "") };
		check_policy(bare, w);
	}
	free(row);
	free(bare);
}

/* ---- the NCSC-NL 2025-05 rating (smtpmonTargetEntry 60 .. 65) ---- */

/* columns 60 .. 65 of row: overall, tls_version, cipher, key_exchange,
 * cert_key, cert_signature */
static void
check_rating(const struct reg_row *row, const long want[6])
{
	struct snmpcol_value v;

	for (unsigned i = 0; i < 6; i++) {
		assert_true(snmpcol_target(row, WRITER, &clk, SMTPMON_T_RATING_OVERALL + i, &v));
		assert_int_equal(v.type, SNMPCOL_INTEGER);
		assert_int_equal(v.num, want[i]);
	}
}

/* Each class through the columns: a TLS 1.2 connection with an RSA 2048
 * key (phaseOut) signed with SHA1 (insufficient), the rest sufficient; the
 * same row not classified, and classified without TLS: unknown(1). */
static void
test_target_rating(void **state)
{
	struct reg_row *row = row_new();
	struct smtp_result res;
	static const long rated[6] = { 5, 3, 3, 3, 4, 5 };
	static const long good13[6] = { 3, 2, 2, 3, 3, 2 };
	static const long unknown[6] = { 1, 1, 1, 1, 1, 1 };

	(void)state;
	row->index = 8;
	set_ipv4(row, "192.0.2.31", 25);
	row->secure = true;
	memset(&res, 0, sizeof res);
	res.server_type = APPL_TYPE_ESMTP;
	res.security = APPL_SEC_TLS;
	res.starttls_offered = true;
	res.tls_done = true;
	res.tls.version = 0x0303;
	res.tls.cipher_id = 0xC02F;
	strcpy(res.tls.cipher, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
	strcpy(res.tls.group, "secp256r1");
	res.tls.have_cert = true;
	strcpy(res.tls.key_type, "RSA");
	res.tls.key_bits = 2048;
	strcpy(res.tls.sig_hash, "SHA1");
	res.tls.verify_code = X509_V_OK;
	res.tls.host_match = 1;
	decide(row, &res);
	check_rating(row, rated);

	/* TLS 1.3, a good suite, P-256 key signed with SHA256 */
	res.tls.version = 0x0304;
	res.tls.cipher_id = 0x1302;
	strcpy(res.tls.cipher, "TLS_AES_256_GCM_SHA384");
	strcpy(res.tls.group, "X25519");
	strcpy(res.tls.key_type, "EC");
	res.tls.key_bits = 256;
	strcpy(res.tls.key_curve, "prime256v1");
	strcpy(res.tls.sig_hash, "SHA256");
	decide(row, &res);
	check_rating(row, good13);

	row->classified = false;
	check_rating(row, unknown);

	res.security = APPL_SEC_BASIC;
	res.tls_done = false;
	decide(row, &res);
	check_rating(row, unknown);
	free(row);
}

/* Status of each state; whole days left, rounded down; TimeStamp bounds. */
static void
test_target_status_days_time(void **state)
{
	struct reg_row *row = row_new();
	struct smtp_result res;
	struct snmpcol_value v;
	static const struct { enum reg_state st; long mib; } states[] = {
		{ REG_STARTING, 1 }, { REG_UP, 2 }, { REG_DOWN, 3 }, { REG_RESOLVING, 4 },
	};
	static const struct { time_t not_after; long days; } days[] = {
		{ NOW + 86400, 1 }, { NOW + 86399, 0 }, { NOW, 0 }, { NOW - 1, -1 },
		{ NOW - 86400, -1 }, { NOW - 86401, -2 },
	};
	static const struct { time_t at; int64_t ticks; } stamps[] = {
		{ 0, 0 }, { NOW + 5, 360000 }, { NOW - 1, 359900 }, { NOW - 3600, 0 },
		{ NOW - 3599, 100 },
	};

	(void)state;
	memset(&res, 0, sizeof res);
	for (size_t i = 0; i < N(states); i++) {
		row->state = states[i].st;
		assert_true(snmpcol_target(row, WRITER, &clk, 8, &v));
		assert_int_equal(v.type, SNMPCOL_INTEGER);
		assert_int_equal(v.num, states[i].mib);
	}
	res.tls_done = true;
	res.tls.have_cert = true;
	for (size_t i = 0; i < N(days); i++) {
		res.tls.not_after = days[i].not_after;
		decide(row, &res);
		assert_true(snmpcol_target(row, WRITER, &clk, 16, &v));
		assert_int_equal(v.num, days[i].days);
	}
	/* untrusted, name mismatch */
	res.tls.verify_code = X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
	decide(row, &res);
	assert_true(snmpcol_target(row, WRITER, &clk, 17, &v));
	assert_int_equal(v.num, 3);
	res.tls.verify_code = X509_V_OK;
	res.tls.host_match = 0;
	decide(row, &res);
	assert_true(snmpcol_target(row, WRITER, &clk, 17, &v));
	assert_int_equal(v.num, 5);
	for (size_t i = 0; i < N(stamps); i++) {
		row->last_change = stamps[i].at;
		assert_true(snmpcol_target(row, WRITER, &clk, 32, &v));
		assert_int_equal(v.type, SNMPCOL_TIMETICKS);
		assert_int_equal(v.num, stamps[i].ticks);
	}
	free(row);
}

/* ---- smtpmonConnectionTable ---- */

static void
test_conn_rows(void **state)
{
	struct reg_row *row = row_new();
	struct snmpcol_conn c;
	static const struct want mon[] = {
		INT(2, 1),                                 /* LocalAddrType ipv4 */
		STR(3, "\xc0\x00\x02\x01"),                /* 192.0.2.1 */
		U32(4, 40312),
		INT(5, 1),
		STR(6, "\xc0\x00\x02\x19"),                /* 192.0.2.25 */
		U32(7, 25),
		STR(8, "EZASMTPM SMTPMON  ET134X 1302           "),
	};
	static const struct want rep[] = {
		INT(2, 2),                                 /* ipv6 */
		STR(3, "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"),
		U32(4, 50000),
		INT(5, 4),                                 /* ipv6z: fe80::1%7 */
		STR(6, "\xfe\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"
		    "\x00\x00\x00\x07"),
		U32(7, 2525),
		STR(8, "EZASMTPC SMTPMON  ET134X 1302           "),
	};
	static const struct want bad[] = {
		INT(2, 0),                                 /* local does not parse: unknown */
		STR(3, ""),
		U32(4, 0),
		INT(5, 1),                                 /* remote: the target's own */
		STR(6, "\xc0\x00\x02\x19"),
		U32(7, 25),
		STR(8, "EZASMTPM SMTPMON  EB                    "),
	};

	(void)state;
	set_ipv4(row, "192.0.2.25", 25);
	row->conns[REG_ROLE_MONITOR].open = true;
	strcpy(row->conns[REG_ROLE_MONITOR].local, "192.0.2.1:40312");
	strcpy(row->conns[REG_ROLE_MONITOR].remote, "192.0.2.25:25");
	strcpy(row->conns[REG_ROLE_MONITOR].appldata, "EZASMTPM SMTPMON  ET134X 1302           ");
	row->conns[REG_ROLE_REPROBE].open = true;
	strcpy(row->conns[REG_ROLE_REPROBE].local, "[2001:db8::1]:50000");
	strcpy(row->conns[REG_ROLE_REPROBE].remote, "[fe80::1%7]:2525");
	strcpy(row->conns[REG_ROLE_REPROBE].appldata, "EZASMTPC SMTPMON  ET134X 1302           ");
	snmpcol_conn_fill(&c, row, REG_ROLE_MONITOR);
	check_conn(&c, mon, N(mon));
	snmpcol_conn_fill(&c, row, REG_ROLE_REPROBE);
	check_conn(&c, rep, N(rep));
	strcpy(row->conns[REG_ROLE_MONITOR].local, "nonsense");
	strcpy(row->conns[REG_ROLE_MONITOR].remote, "[::1");
	strcpy(row->conns[REG_ROLE_MONITOR].appldata, "EZASMTPM SMTPMON  EB                    ");
	snmpcol_conn_fill(&c, row, REG_ROLE_MONITOR);
	check_conn(&c, bad, N(bad));
	free(row);
}

/* ---- smtpmonPassiveServerTable ---- */

static void
pview_init(struct pserver_view *pv, uint32_t index)
{
	memset(pv, 0, sizeof *pv);
	pv->index = index;
	pv->server_type = ' ';
	pv->last_security = ' ';
	pv->cipher_id = -1;
}

/* TLS 1.3 seen, STARTTLS stripped once and the version lowered */
static void
test_pserver_tls13(void **state)
{
	struct pserver_view pv;
	static const struct want w[] = {
		INT(2, 1),                                 /* AddrType ipv4 */
		STR(3, "\xc6\x33\x64\x07"),                /* 198.51.100.7 */
		U32(4, 25),
		INT(5, 3),                                 /* Type esmtp */
		INT(6, TV_TRUE),                           /* Starttls */
		INT(7, TV_TRUE),                           /* TlsKnown */
		STR(8, "PLAIN LOGIN"),                     /* AuthPretls, one blank between */
		INT(9, 3),                                 /* Security tls */
		INT(10, 7),                                /* TlsLevel tls13 */
		INT(11, 0x1301),
		STR(12, "TLS_AES_128_GCM_SHA256"),
		INT(13, 5),                                /* CipherClass good */
		INT(14, 7),                                /* BaselineTls tls13 */
		STR(15, ""),                               /* CertNotAfter: TLS 1.3 hides it */
		STR(16, "mail.example.org"),
		STR(17, "220 mail.example.org ESMTP Postfix"),
		STR(18, ""),
		STR(19, "EZASMTPM SMTPMON  ET134X 1301           "),   /* blank-padded to 40 */
		STR(20, "203.0.113.9:51234"),
		C32(21, 10),
		C32(22, 9),
		C32(23, 1),
		C32(24, 1),
		STR(25, "starttls-stripped,tls-version-lowered"),
		STR(26, "tls-version-lowered"),
		STR(27, "203.0.113.10:40000"),
		STR(28, "TLS 1.2 negotiated, baseline TLS 1.3"),
		STR(29, DT_2026_11_28_064510),
		STR(30, DT_2026_06_15_142005),
		STR(31, DT_2026_11_30_170559),
		INT(32, 3),                                /* rating: sufficient */
		INT(33, 2),                                /* TLS 1.3 good */
		INT(34, 3),                                /* TLS_AES_128_GCM_SHA256 */
		INT(35, 3),                                /* x25519 */
		INT(36, 1),                                /* the certificate unseen */
		INT(37, 1),
	};

	(void)state;
	pview_init(&pv, 1);
	pv.family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, "198.51.100.7", pv.addr), 1);
	pv.port = 25;
	pv.server_type = 'E';
	pv.ehlo_seen = true;
	pv.starttls_offered = true;
	pv.starttls_known = true;
	strcpy(pv.auth_pretls, "  PLAIN   LOGIN ");
	pv.tls_version = 0x0304;
	pv.cipher_id = 0x1301;
	pv.best_tls = 0x0304;
	strcpy(pv.sni, "mail.example.org");
	strcpy(pv.banner, "220 mail.example.org ESMTP Postfix");
	strcpy(pv.last_client, "203.0.113.9:51234");
	pv.last_security = 'T';
	strcpy(pv.appldata, "EZASMTPM SMTPMON  ET134X 1301");
	pv.sessions = 10;
	pv.sessions_tls = 9;
	pv.sessions_plain = 1;
	pv.alerts = 1;
	pv.events = (1u << PS_EV_STRIPPED) | (1u << PS_EV_VERSION_LOWERED);
	strcpy(pv.last_event, "tls-version-lowered");
	strcpy(pv.last_event_client, "203.0.113.10:40000");
	strcpy(pv.last_event_detail, "TLS 1.2 negotiated, baseline TLS 1.3");
	pv.last_event_at = T_2026_11_28_064510;
	pv.first_seen = T_2026_06_15_142005;
	pv.last_seen = T_2026_11_30_170559;
	{
		struct rating_input in = { .tls_version = 0x0304, .cipher_id = 0x1301,
		    .group = "x25519" };

		rating_of(&in, &pv.rating);
	}
	check_pserver(&pv, w, N(w));
}

/* A plain SMTP server over IPv6: a HELO session (the EHLO facts are stale),
 * a hostile banner, an event's stale facts without its name. */
static void
test_pserver_plain(void **state)
{
	struct pserver_view pv;
	static const struct want w[] = {
		INT(2, 2),
		STR(3, "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x07"),
		U32(4, 587),
		INT(5, 2),                                 /* Type smtp */
		INT(6, TV_FALSE),                          /* Starttls: no EHLO seen */
		INT(7, TV_FALSE),
		STR(8, ""),
		INT(9, 2),                                 /* Security basic */
		INT(10, 1),                                /* TlsLevel none */
		INT(11, -1),
		STR(12, ""),
		INT(13, 1),
		INT(14, 1),
		STR(15, DT_2026_11_29_000000),             /* a certificate of an earlier session */
		STR(16, ""),
		STR(17, "220 evil?[31m host X"),           /* ESC -> '?', CR LF -> one blank */
		STR(18, "XXXXXXXA"),                       /* the rewritten STARTTLS, as seen */
		STR(19, "EZASMTPM SMTPMON  SB                    "),
		STR(20, "[2001:db8::99]:40001"),
		C32(21, 3),                                /* Sessions: 2^32 + 3 wraps */
		C32(22, 0),
		C32(23, 3),
		C32(24, 0),
		STR(25, ""),
		STR(26, ""),
		STR(27, ""),                               /* no event: its facts hidden */
		STR(28, ""),
		STR(29, ""),
		STR(30, DT_2026_06_15_142005),
		STR(31, DT_2026_11_30_170559),
		INT(32, 1),                                /* no TLS: rating unknown */
		INT(33, 1),
		INT(34, 1),
		INT(35, 1),
		INT(36, 1),
		INT(37, 1),
	};

	(void)state;
	pview_init(&pv, 2);
	pv.family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::7", pv.addr), 1);
	pv.port = 587;
	pv.server_type = 'S';
	pv.ehlo_seen = false;
	pv.starttls_offered = true;
	pv.cert_not_after = T_2026_11_29_000000;
	strcpy(pv.banner, "220 evil\x1b[31m host\r\nX");
	strcpy(pv.mangled, "XXXXXXXA");   /* STARTTLS as a Cisco ASA smtp fixup rewrites it */
	strcpy(pv.appldata, "EZASMTPM SMTPMON  SB                    ");
	strcpy(pv.last_client, "[2001:db8::99]:40001");
	pv.last_security = 'B';
	pv.sessions = (1ull << 32) + 3;
	pv.sessions_plain = 3;
	strcpy(pv.last_event_client, "198.51.100.1:1");
	strcpy(pv.last_event_detail, "stale");
	pv.last_event_at = T_2026_11_28_064510;
	pv.first_seen = T_2026_06_15_142005;
	pv.last_seen = T_2026_11_30_170559;
	check_pserver(&pv, w, N(w));
}

/* Nothing determined: no address family, no type, no session facts */
static void
test_pserver_unknown(void **state)
{
	struct pserver_view pv;
	static const struct want w[] = {
		INT(2, 0),
		STR(3, ""),
		U32(4, 0),
		INT(5, 1),                                 /* Type unknown */
		INT(6, TV_FALSE),
		INT(7, TV_FALSE),
		STR(8, ""),
		INT(9, 1),                                 /* Security unknown */
		INT(10, 1),
		INT(11, -1),
		STR(12, ""),
		INT(13, 1),
		INT(14, 1),
		STR(15, ""),
		STR(16, ""),
		STR(17, ""),
		STR(18, ""),
		STR(19, "                                        "),
		STR(20, ""),
		C32(21, 0),
		C32(22, 0),
		C32(23, 0),
		C32(24, 0),
		STR(25, ""),
		STR(26, ""),
		STR(27, ""),
		STR(28, ""),
		STR(29, ""),
		STR(30, ""),
		STR(31, ""),
		INT(32, 1),                                /* no TLS: rating unknown */
		INT(33, 1),
		INT(34, 1),
		INT(35, 1),
		INT(36, 1),
		INT(37, 1),
	};

	(void)state;
	pview_init(&pv, 3);
	check_pserver(&pv, w, N(w));
}

/* ---- the scalars ---- */

static void
test_scalars(void **state)
{
	struct reg_snapshot s;
	struct snmpcol_scalars x = { .version = "1.4.0", .writer = WRITER, .targets_up = 9 };
	struct snmpcol_value v;

	(void)state;
	memset(&s, 0, sizeof s);
	s.started = T_2026_11_01_083000;
	s.probes_done = 0x123456789ull;
	s.probe_failures = 7;
	s.targets_configured = 12;
	assert_true(snmpcol_scalar(&s, &x, 1, &v));          /* smtpmonVersion */
	assert_int_equal(v.type, SNMPCOL_OCTETS);
	assert_int_equal(v.len, 5);
	assert_memory_equal(v.octets, "1.4.0", 5);
	assert_true(snmpcol_scalar(&s, &x, 2, &v));          /* smtpmonWriter */
	assert_int_equal(v.len, 7);
	assert_memory_equal(v.octets, "SMTPMON", 7);
	assert_true(snmpcol_scalar(&s, &x, 3, &v));          /* smtpmonTargetsConfigured */
	assert_int_equal(v.type, SNMPCOL_GAUGE);
	assert_int_equal(v.num, 12);
	assert_true(snmpcol_scalar(&s, &x, 4, &v));          /* smtpmonTargetsUp */
	assert_int_equal(v.type, SNMPCOL_GAUGE);
	assert_int_equal(v.num, 9);
	assert_true(snmpcol_scalar(&s, &x, 5, &v));          /* smtpmonProbesDone */
	assert_int_equal(v.type, SNMPCOL_COUNTER64);
	assert_int_equal(v.c64, 0x123456789ull);
	assert_true(snmpcol_scalar(&s, &x, 6, &v));          /* smtpmonProbeFailures */
	assert_int_equal(v.type, SNMPCOL_COUNTER64);
	assert_int_equal(v.c64, 7);
	assert_true(snmpcol_scalar(&s, &x, 7, &v));          /* smtpmonStartTime */
	assert_int_equal(v.type, SNMPCOL_OCTETS);
	assert_int_equal(v.len, 11);
	assert_memory_equal(v.octets, DT_2026_11_01_083000, 11);
	/* the writer is at most 8 octets */
	x.writer = "LONGWRITER";
	assert_true(snmpcol_scalar(&s, &x, 2, &v));
	assert_int_equal(v.len, 8);
	assert_memory_equal(v.octets, "LONGWRIT", 8);
}

static void
test_passive_scalars(void **state)
{
	struct reg_snapshot s;
	struct snmpcol_value v;
	static const struct { unsigned n; uint64_t c64; } counters[] = {
		{ 3, 10000000000ull }, { 4, 2 }, { 5, 3 }, { 6, 4 }, { 7, 5 }, { 9, 6 },
		{ 10, 7 }, { 11, 8 }, { 12, 9 }, { 13, 0xffffffffffffffffull },
	};

	(void)state;
	memset(&s, 0, sizeof s);
	s.passive.enabled = true;
	strcpy(s.passive.source, "interface eth0,lo");
	s.passive.packets = 10000000000ull;
	s.passive.bytes = 2;
	s.passive.sessions = 3;
	s.passive.sessions_tls = 4;
	s.passive.sessions_plain = 5;
	s.passive.servers_dropped = 6;
	s.passive.alerts = 7;
	s.passive.capture_drops = 8;
	s.passive.bytes_lost = 9;
	s.passive.tls_pool_empty = 0xffffffffffffffffull;
	strcpy(s.passive.error, "eth9: \x1b no such device");
	s.n_prows = 3;
	assert_true(snmpcol_passive_scalar(&s, 1, &v));      /* smtpmonPassiveEnabled */
	assert_int_equal(v.type, SNMPCOL_INTEGER);
	assert_int_equal(v.num, TV_TRUE);
	assert_true(snmpcol_passive_scalar(&s, 2, &v));      /* smtpmonPassiveSource */
	assert_int_equal(v.type, SNMPCOL_OCTETS);
	assert_int_equal(v.len, 17);
	assert_memory_equal(v.octets, "interface eth0,lo", 17);
	for (size_t i = 0; i < N(counters); i++) {
		assert_true(snmpcol_passive_scalar(&s, counters[i].n, &v));
		assert_int_equal(v.type, SNMPCOL_COUNTER64);
		assert_int_equal(v.c64, counters[i].c64);
	}
	assert_true(snmpcol_passive_scalar(&s, 8, &v));      /* smtpmonPassiveServers */
	assert_int_equal(v.type, SNMPCOL_GAUGE);
	assert_int_equal(v.num, 3);
	assert_true(snmpcol_passive_scalar(&s, 14, &v));     /* smtpmonPassiveError */
	assert_int_equal(v.type, SNMPCOL_OCTETS);
	assert_int_equal(v.len, 22);
	assert_memory_equal(v.octets, "eth9: ? no such device", 22);
	/* no Passive block: false and no source, whatever is left */
	s.passive.enabled = false;
	assert_true(snmpcol_passive_scalar(&s, 1, &v));
	assert_int_equal(v.num, TV_FALSE);
	assert_true(snmpcol_passive_scalar(&s, 2, &v));
	assert_int_equal(v.len, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_columns_match_mib),
		cmocka_unit_test(test_target_esmtp_tls13),
		cmocka_unit_test(test_target_smtp_plain),
		cmocka_unit_test(test_target_down),
		cmocka_unit_test(test_target_unknown),
		cmocka_unit_test(test_target_status_days_time),
		cmocka_unit_test(test_target_policy),
		cmocka_unit_test(test_target_rating),
		cmocka_unit_test(test_conn_rows),
		cmocka_unit_test(test_pserver_tls13),
		cmocka_unit_test(test_pserver_plain),
		cmocka_unit_test(test_pserver_unknown),
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_passive_scalars),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
