/* Unit tests for probes/cipher: every suite this OpenSSL knows, named and
 * classed as OpenSSL's own property API says (computed here independently of
 * cipher.c's name parser); golden cases for the legacy ids OpenSSL no longer
 * builds; SCSV and GREASE; the strict ordering; the table sorted and every
 * row readable. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/obj_mac.h>
#include <openssl/ssl.h>

#include "cipher.h"

#define TLS13_ALL "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:" \
	"TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256"

/* The class from OpenSSL's view of the suite, by the rule of doc/ciphers.md. */
static enum cipher_class
openssl_class(const SSL_CIPHER *c)
{
	int kx = SSL_CIPHER_get_kx_nid(c);
	int auth = SSL_CIPHER_get_auth_nid(c);
	int enc = SSL_CIPHER_get_cipher_nid(c);
	int md = SSL_CIPHER_get_digest_nid(c);
	int bits = SSL_CIPHER_get_bits(c, NULL);
	bool fs = kx == NID_kx_ecdhe || kx == NID_kx_dhe || kx == NID_kx_ecdhe_psk ||
	    kx == NID_kx_dhe_psk || kx == NID_kx_any;

	if (enc == NID_undef || enc == NID_rc4 || enc == NID_rc4_40 || enc == NID_des_cbc ||
	    enc == NID_des_ede3_cbc || enc == NID_idea_cbc || enc == NID_rc2_cbc ||
	    enc == NID_rc2_40_cbc || auth == NID_auth_null || md == NID_md5 || bits < 112)
		return CIPHER_INSUFFICIENT;
	if (kx == NID_kx_any)
		return CIPHER_GOOD;
	if (!fs)
		return CIPHER_PHASE_OUT;
	return SSL_CIPHER_is_aead(c) ? CIPHER_GOOD : CIPHER_SUFFICIENT;
}

static const char *
openssl_kx(int nid)
{
	switch (nid) {
	case NID_kx_rsa: return "RSA";
	case NID_kx_ecdhe: return "ECDHE";
	case NID_kx_dhe: return "DHE";
	case NID_kx_psk: return "PSK";
	case NID_kx_ecdhe_psk: return "ECDHE_PSK";
	case NID_kx_dhe_psk: return "DHE_PSK";
	case NID_kx_rsa_psk: return "RSA_PSK";
	case NID_kx_srp: return "SRP";
	case NID_kx_any: return "any";
	default: return "?";
	}
}

static const char *
openssl_auth(int nid)
{
	switch (nid) {
	case NID_auth_rsa: return "RSA";
	case NID_auth_ecdsa: return "ECDSA";
	case NID_auth_dss: return "DSS";
	case NID_auth_psk: return "PSK";
	case NID_auth_srp: return "SRP";
	case NID_auth_null: return "anon";
	case NID_auth_any: return "any";
	default: return "?";
	}
}

static void
test_every_openssl_cipher(void **state)
{
	SSL_CTX *ctx;
	SSL *ssl;
	STACK_OF(SSL_CIPHER) *list;
	int i, n, tls13 = 0;
	(void)state;

	ctx = SSL_CTX_new(TLS_method());
	assert_non_null(ctx);
	SSL_CTX_set_security_level(ctx, 0);
	assert_int_equal(SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL:@SECLEVEL=0"), 1);
	assert_int_equal(SSL_CTX_set_ciphersuites(ctx, TLS13_ALL), 1);
	ssl = SSL_new(ctx);
	assert_non_null(ssl);
	list = SSL_get_ciphers(ssl);
	assert_non_null(list);
	n = sk_SSL_CIPHER_num(list);
	for (i = 0; i < n; i++) {
		const SSL_CIPHER *c = sk_SSL_CIPHER_value(list, i);
		uint16_t id = SSL_CIPHER_get_protocol_id(c);
		struct cipher_props p;
		int alg_bits;

		if (!cipher_lookup(id, &p))
			fail_msg("0x%04X %s: not in the table", id, SSL_CIPHER_standard_name(c));
		assert_int_equal(p.id, id);
		assert_string_equal(cipher_name(id), SSL_CIPHER_standard_name(c));
		assert_string_equal(p.name, SSL_CIPHER_standard_name(c));
		if (cipher_class_of(id) != openssl_class(c))
			fail_msg("0x%04X %s: class %s, OpenSSL's properties say %s", id, p.name,
			    cipher_class_name(cipher_class_of(id)),
			    cipher_class_name(openssl_class(c)));
		/* the parsed properties agree with OpenSSL's */
		assert_string_equal(p.kx, openssl_kx(SSL_CIPHER_get_kx_nid(c)));
		assert_string_equal(p.auth, openssl_auth(SSL_CIPHER_get_auth_nid(c)));
		assert_int_equal(p.aead, SSL_CIPHER_is_aead(c) != 0);
		assert_int_equal(p.bits, SSL_CIPHER_get_bits(c, &alg_bits));
		assert_int_equal(p.tls13, SSL_CIPHER_get_kx_nid(c) == NID_kx_any);
		if (SSL_CIPHER_get_cipher_nid(c) == NID_undef)
			assert_string_equal(p.enc, "NULL");
		if (p.tls13)
			tls13++;
	}
	printf("# %d OpenSSL cipher suites checked (%d TLS 1.3)\n", n, tls13);
	assert_true(n > 150);
	assert_int_equal(tls13, 5);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
}

static void
test_golden(void **state)
{
	static const struct { uint16_t id; enum cipher_class cls; const char *name; } cases[] = {
		{ 0x0004, CIPHER_INSUFFICIENT, "TLS_RSA_WITH_RC4_128_MD5" },
		{ 0x000A, CIPHER_INSUFFICIENT, "TLS_RSA_WITH_3DES_EDE_CBC_SHA" },
		{ 0x0003, CIPHER_INSUFFICIENT, "TLS_RSA_EXPORT_WITH_RC4_40_MD5" },
		{ 0x002F, CIPHER_PHASE_OUT, "TLS_RSA_WITH_AES_128_CBC_SHA" },
		{ 0x009C, CIPHER_PHASE_OUT, "TLS_RSA_WITH_AES_128_GCM_SHA256" },
		{ 0xC02F, CIPHER_GOOD, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" },
		{ 0xC013, CIPHER_SUFFICIENT, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" },
		{ 0x1301, CIPHER_GOOD, "TLS_AES_128_GCM_SHA256" },
		{ 0xCCA8, CIPHER_GOOD, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
		{ 0x0018, CIPHER_INSUFFICIENT, "TLS_DH_anon_WITH_RC4_128_MD5" },
		/* more legacy ids OpenSSL 3 does not build */
		{ 0x0000, CIPHER_INSUFFICIENT, "TLS_NULL_WITH_NULL_NULL" },
		{ 0x0005, CIPHER_INSUFFICIENT, "TLS_RSA_WITH_RC4_128_SHA" },
		{ 0x0007, CIPHER_INSUFFICIENT, "TLS_RSA_WITH_IDEA_CBC_SHA" },
		{ 0x0009, CIPHER_INSUFFICIENT, "TLS_RSA_WITH_DES_CBC_SHA" },
		{ 0x0016, CIPHER_INSUFFICIENT, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA" },
		{ 0x001B, CIPHER_INSUFFICIENT, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA" },
		{ 0x0026, CIPHER_INSUFFICIENT, "TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA" },
		{ 0x0030, CIPHER_PHASE_OUT, "TLS_DH_DSS_WITH_AES_128_CBC_SHA" },
		{ 0x0037, CIPHER_PHASE_OUT, "TLS_DH_RSA_WITH_AES_256_CBC_SHA" },
		{ 0x008B, CIPHER_INSUFFICIENT, "TLS_PSK_WITH_3DES_EDE_CBC_SHA" },
		{ 0x008E, CIPHER_INSUFFICIENT, "TLS_DHE_PSK_WITH_RC4_128_SHA" },
		{ 0x0093, CIPHER_INSUFFICIENT, "TLS_RSA_PSK_WITH_3DES_EDE_CBC_SHA" },
		{ 0x009A, CIPHER_SUFFICIENT, "TLS_DHE_RSA_WITH_SEED_CBC_SHA" },
		{ 0x0096, CIPHER_PHASE_OUT, "TLS_RSA_WITH_SEED_CBC_SHA" },
		{ 0x00A0, CIPHER_PHASE_OUT, "TLS_DH_RSA_WITH_AES_128_GCM_SHA256" },
		{ 0x00C6, CIPHER_GOOD, "TLS_SM4_GCM_SM3" },
		{ 0xC002, CIPHER_INSUFFICIENT, "TLS_ECDH_ECDSA_WITH_RC4_128_SHA" },
		{ 0xC004, CIPHER_PHASE_OUT, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA" },
		{ 0xC008, CIPHER_INSUFFICIENT, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA" },
		{ 0xC011, CIPHER_INSUFFICIENT, "TLS_ECDHE_RSA_WITH_RC4_128_SHA" },
		{ 0xC012, CIPHER_INSUFFICIENT, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA" },
		{ 0xC015, CIPHER_INSUFFICIENT, "TLS_ECDH_anon_WITH_NULL_SHA" },
		{ 0xC019, CIPHER_INSUFFICIENT, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA" },
		{ 0xC01A, CIPHER_INSUFFICIENT, "TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA" },
		{ 0xC031, CIPHER_PHASE_OUT, "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256" },
		{ 0xC033, CIPHER_INSUFFICIENT, "TLS_ECDHE_PSK_WITH_RC4_128_SHA" },
		{ 0xC034, CIPHER_INSUFFICIENT, "TLS_ECDHE_PSK_WITH_3DES_EDE_CBC_SHA" },
		{ 0xC04C, CIPHER_SUFFICIENT, "TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256" },
		{ 0xC08A, CIPHER_GOOD, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256" },
		{ 0xC0AA, CIPHER_GOOD, "TLS_PSK_DHE_WITH_AES_128_CCM_8" },
		{ 0xC0B0, CIPHER_PHASE_OUT, "TLS_ECCPWD_WITH_AES_128_GCM_SHA256" },
		{ 0xC0B4, CIPHER_INSUFFICIENT, "TLS_SHA256_SHA256" },
		{ 0xD003, CIPHER_GOOD, "TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256" },
		/* OpenSSL knows these too; pinned so a rule change shows */
		{ 0x0039, CIPHER_SUFFICIENT, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA" },
		{ 0x008C, CIPHER_PHASE_OUT, "TLS_PSK_WITH_AES_128_CBC_SHA" },
		{ 0x00AA, CIPHER_GOOD, "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256" },
		{ 0xC0A8, CIPHER_PHASE_OUT, "TLS_PSK_WITH_AES_128_CCM_8" },
		{ 0xC01D, CIPHER_PHASE_OUT, "TLS_SRP_SHA_WITH_AES_128_CBC_SHA" },
		{ 0xC035, CIPHER_SUFFICIENT, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA" },
		{ 0xC039, CIPHER_INSUFFICIENT, "TLS_ECDHE_PSK_WITH_NULL_SHA" },
		{ 0x1305, CIPHER_GOOD, "TLS_AES_128_CCM_8_SHA256" },
	};
	size_t i;
	(void)state;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct cipher_props p;
		if (!cipher_lookup(cases[i].id, &p))
			fail_msg("0x%04X: lookup failed", cases[i].id);
		assert_string_equal(p.name, cases[i].name);
		assert_string_equal(cipher_name(cases[i].id), cases[i].name);
		if (cipher_class_of(cases[i].id) != cases[i].cls)
			fail_msg("0x%04X %s: %s, expected %s", cases[i].id, cases[i].name,
			    cipher_class_name(cipher_class_of(cases[i].id)),
			    cipher_class_name(cases[i].cls));
	}
}

static void
test_properties(void **state)
{
	struct cipher_props p;
	(void)state;

	assert_true(cipher_lookup(0x0003, &p));
	assert_string_equal(p.kx, "RSA");
	assert_string_equal(p.enc, "RC4");
	assert_string_equal(p.mode, "stream");
	assert_string_equal(p.mac, "MD5");
	assert_int_equal(p.bits, 40);
	assert_true(p.export_grade);
	assert_false(p.fs);

	assert_true(cipher_lookup(0x000A, &p));
	assert_string_equal(p.enc, "3DES");
	assert_string_equal(p.mode, "CBC");
	assert_string_equal(p.mac, "SHA1");
	assert_int_equal(p.bits, 112);

	assert_true(cipher_lookup(0x0029, &p)); /* TLS_KRB5_EXPORT_WITH_DES_CBC_40_MD5 */
	assert_string_equal(p.kx, "KRB5");
	assert_string_equal(p.enc, "DES");
	assert_int_equal(p.bits, 40);
	assert_true(p.export_grade);

	assert_true(cipher_lookup(0x0018, &p));
	assert_string_equal(p.kx, "DHE");
	assert_string_equal(p.auth, "anon");

	assert_true(cipher_lookup(0xC004, &p));
	assert_string_equal(p.kx, "ECDH");
	assert_string_equal(p.auth, "ECDSA");
	assert_false(p.fs);

	assert_true(cipher_lookup(0xC0AA, &p)); /* RFC 6655 spells it PSK_DHE */
	assert_string_equal(p.kx, "DHE_PSK");
	assert_string_equal(p.mode, "CCM_8");
	assert_string_equal(p.mac, "AEAD");
	assert_true(p.fs);
	assert_true(p.aead);

	assert_true(cipher_lookup(0xC09C, &p)); /* TLS_RSA_WITH_AES_128_CCM: no hash named */
	assert_string_equal(p.mac, "AEAD");
	assert_int_equal(p.bits, 128);

	assert_true(cipher_lookup(0x1303, &p));
	assert_string_equal(p.kx, "any");
	assert_string_equal(p.auth, "any");
	assert_string_equal(p.enc, "CHACHA20");
	assert_string_equal(p.mode, "POLY1305");
	assert_int_equal(p.bits, 256);
	assert_true(p.tls13);
	assert_true(p.fs);

	assert_true(cipher_lookup(0xC0B5, &p)); /* TLS_SHA384_SHA384, RFC 9150 */
	assert_string_equal(p.enc, "NULL");
	assert_string_equal(p.mac, "SHA384");
	assert_true(p.tls13);
	assert_false(p.aead);

	assert_true(cipher_lookup(0x0000, &p));
	assert_string_equal(p.kx, "NULL");
	assert_string_equal(p.enc, "NULL");
	assert_string_equal(p.mac, "NULL");
	assert_int_equal(p.bits, 0);

	assert_true(cipher_lookup(0xC02F, NULL));
	assert_false(cipher_lookup(0x0A0A, NULL));
}

static void
test_not_ciphers(void **state)
{
	static const uint16_t scsv[] = { 0x00FF, 0x5600 };
	static const uint16_t unassigned[] = { 0x001C, 0x001D, 0x0047, 0x0060, 0x0066, 0x00C8,
		0x1300, 0x1306, 0x1307, 0xC000, 0xC0FF, 0xC100, 0xC106, 0xCC13, 0xCCAF, 0xD004,
		0xFEFF, 0xFFE0, 0xFFFF };
	struct cipher_props p;
	unsigned v;
	size_t i;
	(void)state;

	assert_string_equal(cipher_name(0x00FF), "TLS_EMPTY_RENEGOTIATION_INFO_SCSV");
	assert_string_equal(cipher_name(0x5600), "TLS_FALLBACK_SCSV");
	for (i = 0; i < 2; i++) {
		memset(&p, 0xa5, sizeof p);
		assert_false(cipher_lookup(scsv[i], &p));
		assert_int_equal(p.id, scsv[i]);
		assert_string_equal(p.name, cipher_name(scsv[i]));
		assert_null(p.kx);
		assert_null(p.enc);
		assert_false(p.fs);
		assert_int_equal(p.bits, 0);
		assert_int_equal(cipher_class_of(scsv[i]), CIPHER_UNKNOWN);
		assert_false(cipher_is_grease(scsv[i]));
	}
	for (i = 0; i < sizeof unassigned / sizeof unassigned[0]; i++) {
		assert_null(cipher_name(unassigned[i]));
		assert_false(cipher_lookup(unassigned[i], &p));
		assert_null(p.name);
		assert_int_equal(cipher_class_of(unassigned[i]), CIPHER_UNKNOWN);
	}
	/* GREASE: exactly the sixteen 0x?A?A with equal bytes */
	for (v = 0; v <= 0xffff; v++) {
		bool grease = (v & 0xff) == (v >> 8) && (v & 0x0f) == 0x0a;
		assert_int_equal(cipher_is_grease((uint16_t)v), grease);
		if (grease) {
			assert_null(cipher_name((uint16_t)v));
			assert_false(cipher_lookup((uint16_t)v, NULL));
			assert_int_equal(cipher_class_of((uint16_t)v), CIPHER_UNKNOWN);
		}
	}
}

static void
test_ordering(void **state)
{
	static const enum cipher_class order[] = { CIPHER_UNKNOWN, CIPHER_INSUFFICIENT,
		CIPHER_PHASE_OUT, CIPHER_SUFFICIENT, CIPHER_GOOD };
	size_t i;
	(void)state;

	assert_true(CIPHER_GOOD > CIPHER_SUFFICIENT);
	assert_true(CIPHER_SUFFICIENT > CIPHER_PHASE_OUT);
	assert_true(CIPHER_PHASE_OUT > CIPHER_INSUFFICIENT);
	assert_true(CIPHER_INSUFFICIENT > CIPHER_UNKNOWN);
	assert_int_equal(CIPHER_UNKNOWN, 0);
	for (i = 1; i < sizeof order / sizeof order[0]; i++)
		assert_int_equal(order[i], order[i - 1] + 1);
	assert_string_equal(cipher_class_name(CIPHER_GOOD), "good");
	assert_string_equal(cipher_class_name(CIPHER_SUFFICIENT), "sufficient");
	assert_string_equal(cipher_class_name(CIPHER_PHASE_OUT), "phase-out");
	assert_string_equal(cipher_class_name(CIPHER_INSUFFICIENT), "insufficient");
	assert_string_equal(cipher_class_name(CIPHER_UNKNOWN), "unknown");
	assert_string_equal(cipher_class_name((enum cipher_class)42), "unknown");
	/* the ordering on concrete suites of each class */
	assert_true(cipher_class_of(0xC02F) > cipher_class_of(0xC013)); /* AEAD+FS > CBC+FS */
	assert_true(cipher_class_of(0xC013) > cipher_class_of(0x009C)); /* CBC+FS > RSA GCM */
	assert_true(cipher_class_of(0x009C) > cipher_class_of(0x000A)); /* RSA > 3DES */
	assert_true(cipher_class_of(0x000A) > cipher_class_of(0x0A0A)); /* 3DES > GREASE */
}

/* Every cipher_class_of() follows from the props by the documented rule. */
static enum cipher_class
rule(const struct cipher_props *p)
{
	static const char *const weak_enc[] = { "NULL", "RC4", "RC2", "DES", "3DES", "IDEA" };
	size_t i;

	for (i = 0; i < sizeof weak_enc / sizeof weak_enc[0]; i++)
		if (strcmp(p->enc, weak_enc[i]) == 0)
			return CIPHER_INSUFFICIENT;
	if (p->export_grade || strcmp(p->auth, "anon") == 0 || strcmp(p->mac, "MD5") == 0)
		return CIPHER_INSUFFICIENT;
	if (p->tls13)
		return CIPHER_GOOD;
	if (!p->fs)
		return CIPHER_PHASE_OUT;
	return p->aead ? CIPHER_GOOD : CIPHER_SUFFICIENT;
}

static void
test_table(void **state)
{
	size_t i, n = cipher_table_len(), scsv = 0;
	unsigned v, found = 0;
	int count[CIPHER_GOOD + 1] = { 0 };
	(void)state;

	assert_true(n > 300);
	for (i = 0; i < n; i++) {
		uint16_t id = cipher_table_id(i);
		const char *name = cipher_name(id);
		struct cipher_props p;

		if (i > 0 && id <= cipher_table_id(i - 1))
			fail_msg("table row %zu: 0x%04X after 0x%04X", i, id, cipher_table_id(i - 1));
		assert_non_null(name);
		assert_memory_equal(name, "TLS_", 4);
		if (strstr(name, "_SCSV") != NULL) {
			scsv++;
			continue;
		}
		if (!cipher_lookup(id, &p))
			fail_msg("0x%04X %s: name not understood", id, name);
		assert_int_equal(cipher_class_of(id), rule(&p));
		assert_int_not_equal(cipher_class_of(id), CIPHER_UNKNOWN);
		assert_false(cipher_is_grease(id));
		count[cipher_class_of(id)]++;
	}
	assert_int_equal(scsv, 2);
	assert_int_equal(cipher_table_id(n), 0xffff);
	/* binary search finds exactly the table */
	for (v = 0; v <= 0xffff; v++)
		if (cipher_name((uint16_t)v) != NULL)
			found++;
	assert_int_equal(found, n);
	printf("# %zu table rows: %d good, %d sufficient, %d phase-out, %d insufficient, "
	    "%zu SCSV\n", n, count[CIPHER_GOOD], count[CIPHER_SUFFICIENT],
	    count[CIPHER_PHASE_OUT], count[CIPHER_INSUFFICIENT], scsv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_openssl_cipher),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_properties),
		cmocka_unit_test(test_not_ciphers),
		cmocka_unit_test(test_ordering),
		cmocka_unit_test(test_table),
	};
	return cmocka_run_group_tests_name("cipher", tests, NULL, NULL);
}
