/* Unit tests for probes/dane: TLSA RDATA parsing and presentation, and
 * DANE-EE / DANE-TA matching (RFC 7672, RFC 7671) against chains made here
 * with OpenSSL: a CA, an intermediate, a leaf for mx.dane.test, an expired
 * leaf, an unrelated expired self-signed certificate. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "dane.h"
#include "testcert.h"

#define DAY (24 * 3600L)

struct tcert {
	EVP_PKEY *key;
	X509 *x;
	uint8_t *der;
	size_t der_len;
	uint8_t *spki;
	size_t spki_len;
};

enum { CA, INTER, LEAF, EXPIRED, OTHER, NCERTS };

static struct tcert certs[NCERTS];
static time_t now;

/* A certificate for cn, valid from now+from to now+to (seconds), signed by
 * issuer (NULL: self-signed), with its DER and SubjectPublicKeyInfo. */
static void
make_cert(struct tcert *c, const char *cn, const struct tcert *issuer, bool ca,
    long from, long to, long serial)
{
	struct testcert t, is = { issuer != NULL ? issuer->key : NULL,
	    issuer != NULL ? issuer->x : NULL };
	unsigned char *p;
	int n;

	testcert_make(&t, cn, issuer != NULL ? &is : NULL, ca, now, from, to, serial);
	c->key = t.key;
	c->x = t.x;
	n = i2d_X509(c->x, NULL);
	assert_true(n > 0);
	c->der = malloc((size_t)n);
	p = c->der;
	i2d_X509(c->x, &p);
	c->der_len = (size_t)n;
	c->spki = NULL;
	n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(c->x), &c->spki);
	assert_true(n > 0);
	c->spki_len = (size_t)n;
}

static int
setup(void **state)
{
	(void)state;
	now = time(NULL);
	make_cert(&certs[CA], "DANE Test CA", NULL, true, -DAY, 365 * DAY, 1);
	make_cert(&certs[INTER], "DANE Test Intermediate", &certs[CA], true, -DAY, 365 * DAY, 2);
	make_cert(&certs[LEAF], "mx.dane.test", &certs[INTER], false, -DAY, 90 * DAY, 3);
	make_cert(&certs[EXPIRED], "mx.dane.test", &certs[INTER], false, -90 * DAY, -DAY, 4);
	make_cert(&certs[OTHER], "other.example", NULL, false, -90 * DAY, -DAY, 5);
	return 0;
}

static int
teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NCERTS; i++) {
		X509_free(certs[i].x);
		EVP_PKEY_free(certs[i].key);
		free(certs[i].der);
		OPENSSL_free(certs[i].spki);
	}
	return 0;
}

/* A record for certificate c: usage u, selector s, matching type m. */
static void
rec(struct dane_tlsa *r, uint8_t u, uint8_t s, uint8_t m, const struct tcert *c)
{
	const uint8_t *in = s == 0 ? c->der : c->spki;
	size_t inlen = s == 0 ? c->der_len : c->spki_len;
	unsigned int mdlen = 0;

	memset(r, 0, sizeof *r);
	r->usage = u;
	r->selector = s;
	r->mtype = m;
	if (m == 0 || s > 1) {
		assert_true(inlen <= DANE_MAX_DATA);
		memcpy(r->data, in, inlen);
		r->len = (uint16_t)inlen;
	} else {
		assert_int_equal(EVP_Digest(in, inlen, r->data, &mdlen,
		    m == 1 ? EVP_sha256() : EVP_sha512(), NULL), 1);
		r->len = (uint16_t)mdlen;
	}
}

/* dane_match over records and the certificates idx[0..n-1] (leaf first),
 * reference name name; *m the matched index. */
static enum dane_match
match_names(const struct dane_tlsa *r, size_t nr, const int *idx, size_t n,
    const char *name, int *m)
{
	const uint8_t *der[16];
	size_t len[16], i;
	const char *names[1] = { name };

	assert_true(n <= 16);
	for (i = 0; i < n; i++) {
		der[i] = certs[idx[i]].der;
		len[i] = certs[idx[i]].der_len;
	}
	return dane_match(r, nr, der, len, n, names, name != NULL ? 1 : 0, now, m);
}

static enum dane_match
match1(const struct dane_tlsa *r, const int *idx, size_t n, const char *name)
{
	int m = 99;
	enum dane_match res = match_names(r, 1, idx, n, name, &m);

	assert_int_equal(m, res == DANE_MATCHED ? 0 : -1);
	return res;
}

static const int full_chain[] = { LEAF, INTER, CA };

static void
test_parse(void **state)
{
	uint8_t rd[3 + 64 + 1];
	struct dane_tlsa t;

	(void)state;
	memset(rd, 0xab, sizeof rd);
	rd[0] = 3; rd[1] = 1; rd[2] = 1;
	assert_true(dane_tlsa_parse(rd, 3 + 32, &t));
	assert_int_equal(t.usage, 3);
	assert_int_equal(t.selector, 1);
	assert_int_equal(t.mtype, 1);
	assert_int_equal(t.len, 32);
	assert_int_equal(t.data[31], 0xab);
	/* a SHA-256 of 31 or 33 octets, a SHA-512 of 32 */
	assert_false(dane_tlsa_parse(rd, 3 + 31, &t));
	assert_false(dane_tlsa_parse(rd, 3 + 33, &t));
	rd[2] = 2;
	assert_false(dane_tlsa_parse(rd, 3 + 32, &t));
	assert_true(dane_tlsa_parse(rd, 3 + 64, &t));
	assert_int_equal(t.len, 64);
	assert_false(dane_tlsa_parse(rd, 3 + 65, &t));
	/* too short: no data at all */
	assert_false(dane_tlsa_parse(rd, 3, &t));
	assert_false(dane_tlsa_parse(rd, 0, &t));
	assert_false(dane_tlsa_parse(NULL, 10, &t));
	/* full data of any length up to DANE_MAX_DATA; unknown values parse */
	rd[0] = 2; rd[1] = 0; rd[2] = 0;
	assert_true(dane_tlsa_parse(rd, 4, &t));
	assert_int_equal(t.len, 1);
	rd[1] = 7; rd[2] = 9;
	assert_true(dane_tlsa_parse(rd, 3 + 17, &t));
	assert_int_equal(t.selector, 7);
	assert_int_equal(t.mtype, 9);
	{
		uint8_t *big = calloc(1, 3 + DANE_MAX_DATA + 1);

		assert_non_null(big);
		big[0] = 3;
		assert_true(dane_tlsa_parse(big, 3 + DANE_MAX_DATA, &t));
		assert_int_equal(t.len, DANE_MAX_DATA);
		assert_false(dane_tlsa_parse(big, 3 + DANE_MAX_DATA + 1, &t));
		free(big);
	}
}

static void
test_format(void **state)
{
	static const uint8_t rd[] = { 3, 1, 1,
		0x00, 0x01, 0x7f, 0x80, 0xab, 0xcd, 0xef, 0xff, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10 };
	const char *want = "3 1 1 00017f80abcdefff"
	    "000000000000000000000000000000000000000000000010";
	struct dane_tlsa t;
	char buf[200], small[10];

	(void)state;
	assert_true(dane_tlsa_parse(rd, sizeof rd, &t));
	assert_int_equal(dane_tlsa_format(&t, buf, sizeof buf), strlen(want));
	assert_string_equal(buf, want);
	/* snprintf-like: truncated, terminated, the full length returned */
	assert_int_equal(dane_tlsa_format(&t, small, sizeof small), strlen(want));
	assert_string_equal(small, "3 1 1 000");
	assert_int_equal(dane_tlsa_format(&t, small, 1), strlen(want));
	assert_string_equal(small, "");
	assert_int_equal(dane_tlsa_format(&t, NULL, 0), strlen(want));
	t.usage = 255; t.selector = 0; t.mtype = 0; t.len = 1; t.data[0] = 0x0a;
	assert_int_equal(dane_tlsa_format(&t, buf, sizeof buf), 10);
	assert_string_equal(buf, "255 0 0 0a");
	assert_string_equal(dane_match_name(DANE_MATCHED), "matched");
	assert_string_equal(dane_match_name(DANE_MISMATCH), "mismatch");
	assert_string_equal(dane_match_name(DANE_NO_USABLE), "no-usable");
}

static void
test_ee(void **state)
{
	struct dane_tlsa r;
	uint8_t s, m;

	(void)state;
	for (s = 0; s <= 1; s++) {
		for (m = 0; m <= 2; m++) {
			rec(&r, 3, s, m, &certs[LEAF]);
			assert_int_equal(match1(&r, full_chain, 3, "mx.dane.test"), DANE_MATCHED);
			/* the leaf alone, no name */
			assert_int_equal(match1(&r, full_chain, 1, NULL), DANE_MATCHED);
			/* one bit off */
			r.data[r.len - 1] ^= 1;
			assert_int_equal(match1(&r, full_chain, 3, "mx.dane.test"), DANE_MISMATCH);
			/* 3 x x of the CA: only the leaf counts for DANE-EE */
			rec(&r, 3, s, m, &certs[CA]);
			assert_int_equal(match1(&r, full_chain, 3, "mx.dane.test"), DANE_MISMATCH);
		}
	}
	/* a full record one octet short of the SPKI */
	rec(&r, 3, 1, 0, &certs[LEAF]);
	r.len--;
	assert_int_equal(match1(&r, full_chain, 3, "mx.dane.test"), DANE_MISMATCH);
}

static void
test_ee_no_name_no_expiry(void **state)
{
	static const int other[] = { OTHER };
	static const int expired[] = { EXPIRED, INTER, CA };
	struct dane_tlsa r;

	(void)state;
	/* expired, self-signed, for another name: DANE-EE does not care */
	rec(&r, 3, 1, 1, &certs[OTHER]);
	assert_int_equal(match1(&r, other, 1, "mx.dane.test"), DANE_MATCHED);
	rec(&r, 3, 0, 2, &certs[OTHER]);
	assert_int_equal(match1(&r, other, 1, NULL), DANE_MATCHED);
	rec(&r, 3, 1, 1, &certs[EXPIRED]);
	assert_int_equal(match1(&r, expired, 3, "wrong.dane.test"), DANE_MATCHED);
}

static void
test_ta(void **state)
{
	static const int no_ca[] = { LEAF, INTER };
	static const int expired[] = { EXPIRED, INTER, CA };
	static const int leaf_ca[] = { LEAF, CA };
	struct dane_tlsa r;
	uint8_t s;

	(void)state;
	for (s = 0; s <= 1; s++) {
		rec(&r, 2, s, 1, &certs[CA]);
		assert_int_equal(match1(&r, full_chain, 3, "mx.dane.test"), DANE_MATCHED);
		assert_int_equal(match1(&r, full_chain, 3, "MX.Dane.Test."), DANE_MATCHED);
		assert_int_equal(match1(&r, full_chain, 3, "mx2.dane.test"), DANE_MISMATCH);
		assert_int_equal(match1(&r, full_chain, 3, "dane.test"), DANE_MISMATCH);
		assert_int_equal(match1(&r, full_chain, 3, NULL), DANE_MISMATCH);
		/* the CA not presented: not assumed */
		assert_int_equal(match1(&r, no_ca, 2, "mx.dane.test"), DANE_MISMATCH);
		/* an expired leaf under the right CA */
		assert_int_equal(match1(&r, expired, 3, "mx.dane.test"), DANE_MISMATCH);
		/* the intermediate missing: the leaf does not chain to the CA */
		assert_int_equal(match1(&r, leaf_ca, 2, "mx.dane.test"), DANE_MISMATCH);
	}
	/* full and SHA-512 records of the CA */
	rec(&r, 2, 0, 0, &certs[CA]);
	assert_int_equal(match1(&r, full_chain, 3, "mx.dane.test"), DANE_MATCHED);
	rec(&r, 2, 1, 2, &certs[CA]);
	assert_int_equal(match1(&r, full_chain, 3, "mx.dane.test"), DANE_MATCHED);
	/* a wrong digest */
	rec(&r, 2, 1, 1, &certs[CA]);
	r.data[0] ^= 0x80;
	assert_int_equal(match1(&r, full_chain, 3, "mx.dane.test"), DANE_MISMATCH);
	/* a TA record of the leaf: never its own anchor, not even presented twice */
	{
		static const int twice[] = { LEAF, LEAF, INTER, CA };
		static const int other[] = { OTHER, OTHER };

		rec(&r, 2, 0, 1, &certs[LEAF]);
		assert_int_equal(match1(&r, full_chain, 3, "mx.dane.test"), DANE_MISMATCH);
		assert_int_equal(match1(&r, twice, 4, "mx.dane.test"), DANE_MISMATCH);
		rec(&r, 2, 1, 1, &certs[OTHER]);
		assert_int_equal(match1(&r, other, 2, "other.example"), DANE_MISMATCH);
	}
	/* a TA record naming a certificate that is not in the chain at all */
	rec(&r, 2, 1, 1, &certs[OTHER]);
	assert_int_equal(match1(&r, full_chain, 3, "mx.dane.test"), DANE_MISMATCH);
}

static void
test_ta_intermediate(void **state)
{
	static const int no_ca[] = { LEAF, INTER };
	static const int expired[] = { EXPIRED, INTER };
	struct dane_tlsa r;
	uint8_t s, m;

	(void)state;
	for (s = 0; s <= 1; s++) {
		for (m = 0; m <= 2; m++) {
			rec(&r, 2, s, m, &certs[INTER]);
			assert_int_equal(match1(&r, full_chain, 3, "mx.dane.test"), DANE_MATCHED);
			assert_int_equal(match1(&r, no_ca, 2, "mx.dane.test"), DANE_MATCHED);
			assert_int_equal(match1(&r, no_ca, 2, "other.example"), DANE_MISMATCH);
			assert_int_equal(match1(&r, expired, 2, "mx.dane.test"), DANE_MISMATCH);
		}
	}
}

static void
test_pkix_only(void **state)
{
	struct dane_tlsa r[4];
	int m = 99;

	(void)state;
	rec(&r[0], 0, 1, 1, &certs[CA]);
	rec(&r[1], 1, 1, 1, &certs[LEAF]);
	rec(&r[2], 0, 0, 0, &certs[CA]);
	rec(&r[3], 1, 0, 2, &certs[LEAF]);
	assert_int_equal(match_names(r, 4, full_chain, 3, "mx.dane.test", &m), DANE_NO_USABLE);
	assert_int_equal(m, -1);
	assert_int_equal(match_names(r, 0, full_chain, 3, "mx.dane.test", &m), DANE_NO_USABLE);
	assert_int_equal(match_names(r, 1, full_chain, 0, "mx.dane.test", &m), DANE_NO_USABLE);
}

static void
test_mixed_order(void **state)
{
	struct dane_tlsa r[5];
	int m = 99;

	(void)state;
	rec(&r[0], 1, 1, 1, &certs[LEAF]);        /* PKIX-EE: ignored */
	rec(&r[1], 3, 1, 1, &certs[OTHER]);       /* usable, does not match */
	rec(&r[2], 3, 1, 7, &certs[LEAF]);        /* unknown matching type */
	rec(&r[3], 3, 1, 1, &certs[LEAF]);        /* the one */
	rec(&r[4], 2, 1, 1, &certs[CA]);          /* would match too, later */
	assert_int_equal(match_names(r, 5, full_chain, 3, "mx.dane.test", &m), DANE_MATCHED);
	assert_int_equal(m, 3);
	/* the TA record first: it is the one reported */
	r[0] = r[4];
	assert_int_equal(match_names(r, 5, full_chain, 3, "mx.dane.test", &m), DANE_MATCHED);
	assert_int_equal(m, 0);
	/* the index counts from the first record given */
	assert_int_equal(match_names(r + 1, 3, full_chain, 3, "mx.dane.test", &m), DANE_MATCHED);
	assert_int_equal(m, 2);
	/* no match among the usable ones: MISMATCH, -1 */
	assert_int_equal(match_names(r + 1, 2, full_chain, 3, "mx.dane.test", &m), DANE_MISMATCH);
	assert_int_equal(m, -1);
	/* NULL matched is allowed */
	assert_int_equal(match_names(r, 5, full_chain, 3, "mx.dane.test", NULL), DANE_MATCHED);
}

static void
test_unknown_values(void **state)
{
	struct dane_tlsa r[3];
	int m = 99;

	(void)state;
	rec(&r[0], 3, 7, 0, &certs[LEAF]);        /* selector 7 */
	assert_int_equal(match_names(r, 1, full_chain, 3, "mx.dane.test", &m), DANE_NO_USABLE);
	assert_int_equal(m, -1);
	rec(&r[1], 2, 1, 3, &certs[CA]);          /* matching type 3 */
	r[1].len = 32;
	rec(&r[2], 4, 1, 1, &certs[LEAF]);        /* usage 4 */
	assert_int_equal(match_names(r, 3, full_chain, 3, "mx.dane.test", &m), DANE_NO_USABLE);
	/* a SHA-256 record of the wrong length, built by hand */
	rec(&r[0], 3, 1, 1, &certs[LEAF]);
	r[0].len = 31;
	assert_int_equal(match_names(r, 1, full_chain, 3, "mx.dane.test", &m), DANE_NO_USABLE);
}

static void
test_chain_bound(void **state)
{
	int chain[11];
	struct dane_tlsa r;
	size_t i;

	(void)state;
	chain[0] = LEAF;
	chain[1] = INTER;
	for (i = 2; i < 11; i++)
		chain[i] = OTHER;
	rec(&r, 2, 1, 1, &certs[CA]);
	/* the CA as the 11th certificate: beyond the bound, not looked at */
	chain[10] = CA;
	assert_int_equal(match1(&r, chain, 11, "mx.dane.test"), DANE_MISMATCH);
	/* as the 10th it counts */
	chain[10] = OTHER;
	chain[9] = CA;
	assert_int_equal(match1(&r, chain, 11, "mx.dane.test"), DANE_MATCHED);
	/* DANE-EE over a long chain */
	rec(&r, 3, 0, 1, &certs[LEAF]);
	assert_int_equal(match1(&r, chain, 11, "mx.dane.test"), DANE_MATCHED);
}

static void
test_garbage_der(void **state)
{
	static const uint8_t junk[] = { 0x30, 0x82, 0xff, 0xff, 0x01, 0x02 };
	const uint8_t *der[3];
	size_t len[3];
	const char *names[] = { "mx.dane.test" };
	struct dane_tlsa r[2];
	uint8_t *trailing;
	int m = 99;

	(void)state;
	rec(&r[0], 3, 1, 1, &certs[LEAF]);
	rec(&r[1], 2, 1, 1, &certs[CA]);
	/* a garbage leaf: MISMATCH */
	der[0] = junk; len[0] = sizeof junk;
	der[1] = certs[INTER].der; len[1] = certs[INTER].der_len;
	der[2] = certs[CA].der; len[2] = certs[CA].der_len;
	assert_int_equal(dane_match(r, 2, der, len, 3, names, 1, now, &m), DANE_MISMATCH);
	assert_int_equal(m, -1);
	/* a truncated leaf */
	der[0] = certs[LEAF].der; len[0] = certs[LEAF].der_len - 1;
	assert_int_equal(dane_match(r, 2, der, len, 3, names, 1, now, &m), DANE_MISMATCH);
	/* a leaf with an octet after it */
	trailing = malloc(certs[LEAF].der_len + 1);
	assert_non_null(trailing);
	memcpy(trailing, certs[LEAF].der, certs[LEAF].der_len);
	trailing[certs[LEAF].der_len] = 0;
	der[0] = trailing; len[0] = certs[LEAF].der_len + 1;
	assert_int_equal(dane_match(r, 2, der, len, 3, names, 1, now, &m), DANE_MISMATCH);
	free(trailing);
	/* a garbage intermediate: the TA record cannot chain, DANE-EE still matches */
	der[0] = certs[LEAF].der; len[0] = certs[LEAF].der_len;
	der[1] = junk; len[1] = sizeof junk;
	assert_int_equal(dane_match(r + 1, 1, der, len, 3, names, 1, now, &m), DANE_MISMATCH);
	assert_int_equal(dane_match(r, 2, der, len, 3, names, 1, now, &m), DANE_MATCHED);
	assert_int_equal(m, 0);
	/* empty and absent certificates */
	len[0] = 0;
	assert_int_equal(dane_match(r, 2, der, len, 3, names, 1, now, &m), DANE_MISMATCH);
	assert_int_equal(dane_match(r, 2, NULL, NULL, 3, names, 1, now, &m), DANE_MISMATCH);
	der[0] = NULL; len[0] = 100;
	assert_int_equal(dane_match(r, 2, der, len, 3, names, 1, now, &m), DANE_MISMATCH);
}

static void
test_wildcard(void **state)
{
	struct tcert wild;
	struct dane_tlsa r;
	const uint8_t *der[3];
	size_t len[3];
	const char *names[2] = { "mx.dane.test", "a.b.dane.test" };
	int m;

	(void)state;
	make_cert(&wild, "*.dane.test", &certs[INTER], false, -DAY, DAY, 6);
	der[0] = wild.der; len[0] = wild.der_len;
	der[1] = certs[INTER].der; len[1] = certs[INTER].der_len;
	der[2] = certs[CA].der; len[2] = certs[CA].der_len;
	rec(&r, 2, 1, 1, &certs[CA]);
	assert_int_equal(dane_match(&r, 1, der, len, 3, names, 1, now, &m), DANE_MATCHED);
	/* the wildcard covers one label only */
	assert_int_equal(dane_match(&r, 1, der, len, 3, names + 1, 1, now, &m), DANE_MISMATCH);
	/* any of the names will do */
	assert_int_equal(dane_match(&r, 1, der, len, 3, names, 2, now, &m), DANE_MATCHED);
	/* the validity is judged at now: a day and a bit later it has expired */
	assert_int_equal(dane_match(&r, 1, der, len, 3, names, 1, now + DAY + 60, &m),
	    DANE_MISMATCH);
	X509_free(wild.x);
	EVP_PKEY_free(wild.key);
	free(wild.der);
	OPENSSL_free(wild.spki);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_ee),
		cmocka_unit_test(test_ee_no_name_no_expiry),
		cmocka_unit_test(test_ta),
		cmocka_unit_test(test_ta_intermediate),
		cmocka_unit_test(test_pkix_only),
		cmocka_unit_test(test_mixed_order),
		cmocka_unit_test(test_unknown_values),
		cmocka_unit_test(test_chain_bound),
		cmocka_unit_test(test_garbage_der),
		cmocka_unit_test(test_wildcard),
	};

	return cmocka_run_group_tests_name("dane", tests, setup, teardown);
}
