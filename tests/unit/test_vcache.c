/* Unit tests for probes/vcache (the table) and the verification cache of
 * probes/tls.c built on it (tls_ctx_verify_cache): real TLS 1.3 handshakes
 * in-process over a socket pair, the server presenting chains made here
 * (EC P-256, a CA, an intermediate, leaves), the client verifying against a
 * CA file. What must hold: a repeated chain is a hit with the same result;
 * a changed chain, a changed trust store, an expired TTL are misses; dates
 * are judged at the time of each handshake (a chain cached as valid is
 * reported expired once it is, and an expired one stays expired on a hit);
 * untrusted chains and host-name mismatches are reported as without the
 * cache. */
#include "buildconf.h"
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "tls.h"
#include "testcert.h"
#include "vcache.h"

#define DAY (24 * 3600L)

/* ---- the table ---- */

static void
test_window(void **state)
{
	const int64_t b[] = { 100, 200, 300, 200 };
	int64_t lo, hi;

	(void)state;
	vcache_window(b, 4, 150, &lo, &hi);
	assert_true(lo == 100 && hi == 200);
	/* a bound is where the state changes: at 200 the new span begins */
	vcache_window(b, 4, 200, &lo, &hi);
	assert_true(lo == 200 && hi == 300);
	vcache_window(b, 4, 50, &lo, &hi);
	assert_true(lo == INT64_MIN && hi == 100);
	vcache_window(b, 4, 300, &lo, &hi);
	assert_true(lo == 300 && hi == INT64_MAX);
	vcache_window(b, 0, 5, &lo, &hi);
	assert_true(lo == INT64_MIN && hi == INT64_MAX);
}

static void
test_table(void **state)
{
	struct vcache *c = vcache_new(4);
	uint8_t k1[VCACHE_KEY_LEN], k2[VCACHE_KEY_LEN];
	long code = -1;

	(void)state;
	memset(k1, 0x11, sizeof k1);
	memcpy(k2, k1, sizeof k2);
	k2[31] ^= 1;                     /* same slot, another key */
	assert_false(vcache_get(c, k1, 7, 1000, 60, &code));
	vcache_put(c, k1, 7, 1000, 900, 1100, 10);
	assert_true(vcache_get(c, k1, 7, 1000, 60, &code));
	assert_int_equal(code, 10);
	assert_true(vcache_get(c, k1, 7, 1059, 60, &code));
	assert_false(vcache_get(c, k2, 7, 1000, 60, &code));   /* changed chain */
	assert_false(vcache_get(c, k1, 8, 1000, 60, &code));   /* trust store changed */
	assert_false(vcache_get(c, k1, 7, 1060, 60, &code));   /* TTL over */
	assert_false(vcache_get(c, k1, 7, 999, 60, &code));    /* clock set back */
	vcache_put(c, k1, 7, 1000, 900, 1010, 0);
	assert_true(vcache_get(c, k1, 7, 1009, 60, &code));
	assert_int_equal(code, 0);
	assert_false(vcache_get(c, k1, 7, 1010, 60, &code));   /* a bound passed */
	vcache_put(c, k2, 7, 1000, 900, 1100, 20);               /* replaces k1 */
	assert_false(vcache_get(c, k1, 7, 1000, 60, &code));
	assert_true(vcache_get(c, k2, 7, 1000, 60, &code));
	assert_int_equal(code, 20);
	vcache_free(c);
}

/* ---- the cache in probes/tls.c, with real handshakes ---- */


enum { CA, INTER, LEAF, LEAF2, SHORT, OTHERCA, STRANGER, NCERTS };
static struct testcert certs[NCERTS];
static time_t t0;
static char cafile[] = "/tmp/test_vcache.XXXXXX";   /* mkstemp() */

/* cn valid from t0+from to t0+to, signed by issuer (NULL: self-signed) */
static void
mkcert(struct testcert *c, const char *cn, const struct testcert *issuer, bool ca, long from,
    long to)
{
	static long serial = 1;

	testcert_make(c, cn, issuer, ca, t0, from, to, serial++);
}

static void
write_cafile(void)
{
	FILE *f = fopen(cafile, "w");

	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, certs[CA].x), 1);
	assert_int_equal(fclose(f), 0);
}

static int
setup(void **state)
{
	int fd;

	(void)state;
	t0 = time(NULL);
	mkcert(&certs[CA], "vcache test CA", NULL, true, -10 * DAY, 3650 * DAY);
	mkcert(&certs[INTER], "vcache test intermediate", &certs[CA], true, -10 * DAY, 1000 * DAY);
	mkcert(&certs[LEAF], "mx.vcache.test", &certs[INTER], false, -DAY, 90 * DAY);
	mkcert(&certs[LEAF2], "mx.vcache.test", &certs[INTER], false, -DAY, 90 * DAY);
	mkcert(&certs[SHORT], "mx.vcache.test", &certs[INTER], false, -DAY, 2 * DAY);
	mkcert(&certs[OTHERCA], "another CA", NULL, true, -10 * DAY, 3650 * DAY);
	mkcert(&certs[STRANGER], "mx.vcache.test", &certs[OTHERCA], false, -DAY, 90 * DAY);
	fd = mkstemp(cafile);
	assert_true(fd >= 0);
	close(fd);
	write_cafile();
	return 0;
}

static int
teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NCERTS; i++) {
		testcert_free(&certs[i]);
	}
	unlink(cafile);
	return 0;
}

/* One handshake: the server presents leaf (+ intermediate unless NULL);
 * the client verifies with ctx against servername. */
static void
handshake(struct tls_ctx *ctx, int leaf, int inter, const char *servername,
    struct tls_info *info)
{
	SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
	SSL *s;
	struct tls_conn *c;
	int sv[2], i;
	bool cdone = false, sdone = false;

	assert_non_null(sctx);
	assert_int_equal(SSL_CTX_use_certificate(sctx, certs[leaf].x), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(sctx, certs[leaf].key), 1);
	if (inter >= 0)
		assert_int_equal(SSL_CTX_add1_chain_cert(sctx, certs[inter].x), 1);
	SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	s = SSL_new(sctx);
	SSL_set_fd(s, sv[1]);
	SSL_set_accept_state(s);
	c = tls_conn_new(ctx, sv[0], servername);
	for (i = 0; i < 100 && !(cdone && sdone); i++) {
		if (!cdone) {
			enum tls_status st = tls_handshake(c);
			assert_true(st == TLS_OK || st == TLS_WANT_READ || st == TLS_WANT_WRITE);
			cdone = st == TLS_OK;
		}
		if (!sdone) {
			int r = SSL_do_handshake(s);
			if (r != 1) {
				int e = SSL_get_error(s, r);
				assert_true(e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE);
			}
			sdone = r == 1;
		}
	}
	assert_true(cdone && sdone);
	tls_get_info(c, info);
	tls_conn_free(c);
	SSL_free(s);
	SSL_CTX_free(sctx);
	close(sv[0]);
	close(sv[1]);
}

static struct tls_ctx *
new_ctx(void)
{
	char err[256];
	struct tls_ctx *ctx = tls_ctx_new(cafile, err, sizeof err);

	assert_non_null(ctx);
	assert_true(tls_ctx_verify_cache(ctx, cafile, 3600));
	return ctx;
}

static void
expect(struct tls_ctx *ctx, unsigned long hits, unsigned long misses)
{
	unsigned long h, m;

	tls_ctx_verify_cache_stats(ctx, &h, &m);
	assert_int_equal(h, hits);
	assert_int_equal(m, misses);
}

static void
test_hit_and_changed_chain(void **state)
{
	struct tls_ctx *ctx = new_ctx();
	struct tls_info a, b;

	(void)state;
	handshake(ctx, LEAF, INTER, "mx.vcache.test", &a);
	assert_int_equal(a.verify_code, X509_V_OK);
	assert_int_equal(a.host_match, 1);
	expect(ctx, 0, 1);
	handshake(ctx, LEAF, INTER, "mx.vcache.test", &b);
	assert_int_equal(b.verify_code, X509_V_OK);
	assert_string_equal(b.verify_text, a.verify_text);
	assert_memory_equal(b.spki_sha256, a.spki_sha256, sizeof a.spki_sha256);
	expect(ctx, 1, 1);
	/* another certificate for the same name: verified afresh */
	handshake(ctx, LEAF2, INTER, "mx.vcache.test", &b);
	assert_int_equal(b.verify_code, X509_V_OK);
	expect(ctx, 1, 2);
	/* the same leaf without its intermediate is another chain, and fails */
	handshake(ctx, LEAF, -1, "mx.vcache.test", &b);
	assert_int_equal(b.verify_code, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
	expect(ctx, 1, 3);
	handshake(ctx, LEAF, -1, "mx.vcache.test", &b);
	assert_int_equal(b.verify_code, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
	expect(ctx, 2, 3);
	tls_ctx_free(ctx);
}

/* A hit is per chain, not per name: the host check is made every time. */
static void
test_host_checked_on_hit(void **state)
{
	struct tls_ctx *ctx = new_ctx();
	struct tls_info a;

	(void)state;
	handshake(ctx, LEAF, INTER, "mx.vcache.test", &a);
	assert_int_equal(a.host_match, 1);
	handshake(ctx, LEAF, INTER, "other.vcache.test", &a);
	expect(ctx, 1, 1);
	assert_int_equal(a.verify_code, X509_V_OK);
	assert_int_equal(a.host_match, 0);
	tls_ctx_free(ctx);
}

static void
test_untrusted_on_hit(void **state)
{
	struct tls_ctx *ctx = new_ctx();
	struct tls_info a, b;

	(void)state;
	handshake(ctx, STRANGER, OTHERCA, "mx.vcache.test", &a);
	assert_int_not_equal(a.verify_code, X509_V_OK);
	handshake(ctx, STRANGER, OTHERCA, "mx.vcache.test", &b);
	expect(ctx, 1, 1);
	assert_int_equal(b.verify_code, a.verify_code);
	assert_string_equal(b.verify_text, a.verify_text);
	tls_ctx_free(ctx);
}

static void
test_trust_store_change(void **state)
{
	struct tls_ctx *ctx = new_ctx();
	struct tls_info a;
	struct timespec ts[2] = { { .tv_sec = t0 - 100 }, { .tv_sec = t0 - 100 } };

	(void)state;
	handshake(ctx, LEAF, INTER, "mx.vcache.test", &a);
	handshake(ctx, LEAF, INTER, "mx.vcache.test", &a);
	expect(ctx, 1, 1);
	/* the CA file rewritten (a new modification time): verify again */
	write_cafile();
	assert_int_equal(utimensat(AT_FDCWD, cafile, ts, 0), 0);
	handshake(ctx, LEAF, INTER, "mx.vcache.test", &a);
	assert_int_equal(a.verify_code, X509_V_OK);
	expect(ctx, 1, 2);
	handshake(ctx, LEAF, INTER, "mx.vcache.test", &a);
	expect(ctx, 2, 2);
	tls_ctx_free(ctx);
}

static void
test_ttl(void **state)
{
	struct tls_ctx *ctx = new_ctx();
	struct tls_info a;

	(void)state;
	tls_ctx_set_verify_time(ctx, t0);
	handshake(ctx, LEAF, INTER, "mx.vcache.test", &a);
	tls_ctx_set_verify_time(ctx, t0 + 3599);
	handshake(ctx, LEAF, INTER, "mx.vcache.test", &a);
	expect(ctx, 1, 1);
	tls_ctx_set_verify_time(ctx, t0 + 3600);
	handshake(ctx, LEAF, INTER, "mx.vcache.test", &a);
	assert_int_equal(a.verify_code, X509_V_OK);
	expect(ctx, 1, 2);
	tls_ctx_free(ctx);
}

/* SHORT expires 2 days after t0: cached as valid, it must be reported
 * expired from then on (miss), and stay expired on the hits after. */
static void
test_expired(void **state)
{
	struct tls_ctx *ctx = new_ctx();
	struct tls_info a;

	(void)state;
	tls_ctx_set_verify_time(ctx, t0 + 2 * DAY - 10);
	handshake(ctx, SHORT, INTER, "mx.vcache.test", &a);
	assert_int_equal(a.verify_code, X509_V_OK);
	tls_ctx_set_verify_time(ctx, t0 + 2 * DAY - 1);
	handshake(ctx, SHORT, INTER, "mx.vcache.test", &a);
	assert_int_equal(a.verify_code, X509_V_OK);
	expect(ctx, 1, 1);
	tls_ctx_set_verify_time(ctx, t0 + 2 * DAY + 1);
	handshake(ctx, SHORT, INTER, "mx.vcache.test", &a);
	assert_int_equal(a.verify_code, X509_V_ERR_CERT_HAS_EXPIRED);
	expect(ctx, 1, 2);
	tls_ctx_set_verify_time(ctx, t0 + 2 * DAY + 100);
	handshake(ctx, SHORT, INTER, "mx.vcache.test", &a);
	assert_int_equal(a.verify_code, X509_V_ERR_CERT_HAS_EXPIRED);
	assert_string_equal(a.verify_text, X509_verify_cert_error_string(X509_V_ERR_CERT_HAS_EXPIRED));
	expect(ctx, 2, 2);
	/* and before its start, not yet valid, also on a hit */
	tls_ctx_set_verify_time(ctx, t0 - 2 * DAY);
	handshake(ctx, SHORT, INTER, "mx.vcache.test", &a);
	handshake(ctx, SHORT, INTER, "mx.vcache.test", &a);
	assert_int_equal(a.verify_code, X509_V_ERR_CERT_NOT_YET_VALID);
	expect(ctx, 3, 3);
	tls_ctx_free(ctx);
}

/* Without the cache nothing is counted and results are the same. */
static void
test_off(void **state)
{
	char err[256];
	struct tls_ctx *ctx = tls_ctx_new(cafile, err, sizeof err);
	struct tls_info a;

	(void)state;
	assert_non_null(ctx);
	assert_true(tls_ctx_verify_cache(ctx, cafile, 3600));
	assert_true(tls_ctx_verify_cache(ctx, cafile, 0));
	handshake(ctx, LEAF, INTER, "mx.vcache.test", &a);
	handshake(ctx, STRANGER, OTHERCA, "mx.vcache.test", &a);
	assert_int_not_equal(a.verify_code, X509_V_OK);
	expect(ctx, 0, 0);
	tls_ctx_free(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_hit_and_changed_chain),
		cmocka_unit_test(test_host_checked_on_hit),
		cmocka_unit_test(test_untrusted_on_hit),
		cmocka_unit_test(test_trust_store_change),
		cmocka_unit_test(test_ttl),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_off),
	};

	return cmocka_run_group_tests_name("vcache", tests, setup, teardown);
}
