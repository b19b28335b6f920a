/* Unit tests for probes/rating: every suite this OpenSSL knows (and the five
 * TLS 1.3 ones) rated and compared with the NCSC-NL 2025-05 appendix B lists
 * written out below by IANA name, from the guideline's published text (as
 * internet.nl's mail test explains it), independently of rating.c's id
 * table; the listed suites OpenSSL lacks found through probes/cipher's
 * names; each class of each component; overall as the worst and the
 * component named; unknowns; no TLS; class names and MIB values. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/ssl.h>

#include "cipher.h"
#include "rating.h"

#define TLS13_ALL "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:" \
	"TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256"

/* Appendix B as published: "Good", "Sufficient", "Phase out"; every suite
 * not listed is insufficient. */
static const char *const text_good[] = {
	"TLS_AES_256_GCM_SHA384",
	"TLS_CHACHA20_POLY1305_SHA256",
};
static const char *const text_sufficient[] = {
	"TLS_AES_128_CCM_SHA256",
	"TLS_AES_128_GCM_SHA256",
	"TLS_ECDHE_ECDSA_WITH_AES_128_CCM",
	"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
	"TLS_ECDHE_ECDSA_WITH_AES_256_CCM",
	"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
	"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
	"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
};
static const char *const text_phase_out[] = {
	"TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
	"TLS_DHE_RSA_WITH_AES_128_CCM",
	"TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
	"TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
	"TLS_DHE_RSA_WITH_AES_256_CCM",
	"TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
	"TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256",
	"TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256",
	"TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384",
	"TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384",
	"TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
	"TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256",
	"TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256",
	"TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384",
	"TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
	"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
	"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
	"TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256",
	"TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256",
	"TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384",
	"TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384",
	"TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256",
	"TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256",
	"TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384",
	"TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384",
	"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
	"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
	"TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256",
	"TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256",
	"TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384",
	"TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384",
	"TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
	"TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256",
	"TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384",
	"TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384",
};

#define N(a) (sizeof (a) / sizeof (a)[0])

static bool
listed(const char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

/* The published class of a suite by its IANA name. */
static enum rating_class
text_class(const char *name)
{
	if (listed(text_good, N(text_good), name))
		return RATING_GOOD;
	if (listed(text_sufficient, N(text_sufficient), name))
		return RATING_SUFFICIENT;
	if (listed(text_phase_out, N(text_phase_out), name))
		return RATING_PHASE_OUT;
	return RATING_INSUFFICIENT;
}

/* The input of a connection that is unknown but for its TLS version. */
static struct rating_input
tls_only(int version)
{
	struct rating_input in = { .tls_version = version, .cipher_id = -1 };
	return in;
}

static struct rating
rate(const struct rating_input *in)
{
	struct rating r;

	memset(&r, 0x5a, sizeof r);
	rating_of(in, &r);
	return r;
}

static void
test_every_openssl_suite(void **state)
{
	SSL_CTX *ctx;
	SSL *ssl;
	STACK_OF(SSL_CIPHER) *list;
	int i, n, count[RATING_INSUFFICIENT + 1] = { 0 };
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
		const char *name = SSL_CIPHER_standard_name(c);
		struct rating_input in = tls_only(0x0303);
		struct rating r;
		int kx = SSL_CIPHER_get_kx_nid(c);

		in.cipher_id = SSL_CIPHER_get_protocol_id(c);
		r = rate(&in);
		if (r.cipher != text_class(name))
			fail_msg("0x%04X %s: %s, the guideline says %s", in.cipher_id, name,
			    rating_class_name(r.cipher), rating_class_name(text_class(name)));
		count[r.cipher]++;
		/* OpenSSL's own view: no ephemeral exchange means insufficient
		 * key exchange, whatever group is claimed */
		in.group = "X25519MLKEM768";
		r = rate(&in);
		if (kx == NID_kx_rsa || kx == NID_kx_psk || kx == NID_kx_rsa_psk || kx == NID_kx_srp)
			assert_int_equal(r.key_exchange, RATING_INSUFFICIENT);
		else
			assert_int_equal(r.key_exchange, RATING_GOOD);
	}
	printf("# %d OpenSSL suites: %d good, %d sufficient, %d phase-out, %d insufficient\n",
	    n, count[RATING_GOOD], count[RATING_SUFFICIENT], count[RATING_PHASE_OUT],
	    count[RATING_INSUFFICIENT]);
	assert_true(n > 150);
	assert_int_equal(count[RATING_UNKNOWN], 0);
	assert_int_equal(count[RATING_GOOD], 2);
	/* OpenSSL 3.0 builds all ten sufficient suites */
	assert_int_equal(count[RATING_SUFFICIENT], 10);
	assert_true(count[RATING_PHASE_OUT] >= 15);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
}

/* The IANA id of a name, through probes/cipher's table. */
static int
id_of(const char *name)
{
	for (size_t i = 0; i < cipher_table_len(); i++) {
		uint16_t id = cipher_table_id(i);
		if (strcmp(cipher_name(id), name) == 0)
			return id;
	}
	return -1;
}

static void
test_listed_suites(void **state)
{
	static const struct {
		const char *const *list;
		size_t n;
		enum rating_class cls;
	} lists[] = {
		{ text_good, N(text_good), RATING_GOOD },
		{ text_sufficient, N(text_sufficient), RATING_SUFFICIENT },
		{ text_phase_out, N(text_phase_out), RATING_PHASE_OUT },
	};
	static const int not_suites[] = { 0x00FF, 0x5600, 0x0A0A, 0xFAFA, 0x1300, 0xC100,
		0xFFFF, 0x10000, -1, -2 };
	size_t i, j, better = 0;
	(void)state;

	assert_int_equal(N(text_good), 2);
	assert_int_equal(N(text_sufficient), 10);
	assert_int_equal(N(text_phase_out), 35);
	for (i = 0; i < N(lists); i++) {
		for (j = 0; j < lists[i].n; j++) {
			struct rating_input in = tls_only(0x0304);
			struct rating r;

			in.cipher_id = id_of(lists[i].list[j]);
			if (in.cipher_id < 0)
				fail_msg("%s: not in probes/cipher's table", lists[i].list[j]);
			r = rate(&in);
			if (r.cipher != lists[i].cls)
				fail_msg("%s: %s, expected %s", lists[i].list[j],
				    rating_class_name(r.cipher), rating_class_name(lists[i].cls));
		}
	}
	/* every other suite of the table is insufficient */
	for (i = 0; i < cipher_table_len(); i++) {
		uint16_t id = cipher_table_id(i);
		struct rating_input in = tls_only(0x0303);
		struct rating r;

		in.cipher_id = id;
		r = rate(&in);
		if (!cipher_lookup(id, NULL)) { /* the two SCSVs */
			assert_int_equal(r.cipher, RATING_UNKNOWN);
			continue;
		}
		if (r.cipher != text_class(cipher_name(id)))
			fail_msg("0x%04X %s: %s, expected %s", id, cipher_name(id),
			    rating_class_name(r.cipher),
			    rating_class_name(text_class(cipher_name(id))));
		if (r.cipher != RATING_INSUFFICIENT)
			better++;
	}
	assert_int_equal(better, 47);
	/* some named ones */
	{
		static const struct { int id; enum rating_class cls; } pin[] = {
			{ 0x1305, RATING_INSUFFICIENT }, /* TLS_AES_128_CCM_8_SHA256 */
			{ 0xC013, RATING_INSUFFICIENT }, /* ECDHE_RSA AES_128_CBC_SHA */
			{ 0x009C, RATING_INSUFFICIENT }, /* RSA AES_128_GCM */
			{ 0x000A, RATING_INSUFFICIENT }, /* RSA 3DES */
			{ 0x00A2, RATING_INSUFFICIENT }, /* DHE_DSS AES_128_GCM */
			{ 0xC0A2, RATING_INSUFFICIENT }, /* RSA AES_128_CCM_8 */
			{ 0xC02F, RATING_SUFFICIENT },
			{ 0x1302, RATING_GOOD },
			{ 0xCCAA, RATING_PHASE_OUT },
		};
		for (i = 0; i < N(pin); i++) {
			struct rating_input in = tls_only(0x0303);
			in.cipher_id = pin[i].id;
			assert_int_equal(rate(&in).cipher, pin[i].cls);
		}
	}
	for (i = 0; i < N(not_suites); i++) {
		struct rating_input in = tls_only(0x0303);
		struct rating r;

		in.cipher_id = not_suites[i];
		r = rate(&in);
		assert_int_equal(r.cipher, RATING_UNKNOWN);
		assert_int_equal(r.key_exchange, RATING_UNKNOWN);
	}
}

static void
test_versions(void **state)
{
	static const struct { int wire; enum rating_class cls; } cases[] = {
		{ 0x0304, RATING_GOOD },
		{ 0x0303, RATING_SUFFICIENT },
		{ 0x0302, RATING_INSUFFICIENT },
		{ 0x0301, RATING_INSUFFICIENT },
		{ 0x0300, RATING_INSUFFICIENT },
		{ 0x0002, RATING_INSUFFICIENT },
		{ 0x0305, RATING_UNKNOWN },
		{ 0xfeff, RATING_UNKNOWN },
		{ -1, RATING_UNKNOWN },
	};
	(void)state;

	for (size_t i = 0; i < N(cases); i++) {
		struct rating_input in = tls_only(cases[i].wire);
		struct rating r = rate(&in);

		assert_int_equal(r.tls_version, cases[i].cls);
		assert_int_equal(r.overall, cases[i].cls);
		if (cases[i].cls == RATING_UNKNOWN)
			assert_null(r.weakest);
		else
			assert_string_equal(r.weakest, "tls_version");
	}
}

static void
test_key_exchange(void **state)
{
	static const struct { const char *group; enum rating_class cls; } groups[] = {
		{ "X25519MLKEM768", RATING_GOOD },
		{ "x25519mlkem768", RATING_GOOD },
		{ "SecP256r1MLKEM768", RATING_GOOD },
		{ "SecP384r1MLKEM1024", RATING_GOOD },
		{ "X25519", RATING_SUFFICIENT },
		{ "x25519", RATING_SUFFICIENT },
		{ "X448", RATING_SUFFICIENT },
		{ "secp256r1", RATING_SUFFICIENT },
		{ "prime256v1", RATING_SUFFICIENT },
		{ "P-256", RATING_SUFFICIENT },
		{ "secp384r1", RATING_SUFFICIENT },
		{ "P-384", RATING_SUFFICIENT },
		{ "secp521r1", RATING_SUFFICIENT },
		{ "brainpoolP256r1", RATING_SUFFICIENT },
		{ "brainpoolP512r1tls13", RATING_SUFFICIENT },
		{ "secp224r1", RATING_PHASE_OUT },
		{ "ffdhe3072", RATING_PHASE_OUT },
		{ "ffdhe4096", RATING_PHASE_OUT },
		{ "ffdhe6144", RATING_PHASE_OUT },
		{ "ffdhe8192", RATING_PHASE_OUT },
		{ "ffdhe2048", RATING_INSUFFICIENT },
		{ "modp_3072", RATING_INSUFFICIENT },
		{ "secp192r1", RATING_INSUFFICIENT },
		{ "secp256k1", RATING_INSUFFICIENT },
		{ "sect571r1", RATING_INSUFFICIENT },
		{ "MLKEM768", RATING_INSUFFICIENT },
		{ "X25519Kyber768Draft00", RATING_INSUFFICIENT },
	};
	struct rating_input in;
	struct rating r;
	size_t i;
	(void)state;

	for (i = 0; i < N(groups); i++) {
		/* TLS 1.3: the group alone */
		in = tls_only(0x0304);
		in.cipher_id = 0x1302;
		in.group = groups[i].group;
		r = rate(&in);
		if (r.key_exchange != groups[i].cls)
			fail_msg("%s: %s, expected %s", groups[i].group,
			    rating_class_name(r.key_exchange), rating_class_name(groups[i].cls));
		/* TLS 1.2 with an ephemeral suite, and with the suite unknown */
		in.tls_version = 0x0303;
		in.cipher_id = 0xC02F;
		assert_int_equal(rate(&in).key_exchange, groups[i].cls);
		in.cipher_id = -1;
		assert_int_equal(rate(&in).key_exchange, groups[i].cls);
		/* static RSA: insufficient whatever the group */
		in.cipher_id = 0x009C;
		assert_int_equal(rate(&in).key_exchange, RATING_INSUFFICIENT);
	}
	/* no ephemeral exchange: RSA, ECDH, DH, PSK, SRP */
	{
		static const int static_kx[] = { 0x002F, 0x009D, 0xC004, 0xC031, 0x0030, 0x00A8,
			0xC01D, 0x00AE };
		for (i = 0; i < N(static_kx); i++) {
			in = tls_only(0x0303);
			in.cipher_id = static_kx[i];
			r = rate(&in);
			assert_int_equal(r.key_exchange, RATING_INSUFFICIENT);
		}
	}
	/* DHE with an unnamed group: self-generated, whatever its size */
	in = tls_only(0x0303);
	in.cipher_id = 0x009E;
	in.dh_bits = 4096;
	assert_int_equal(rate(&in).key_exchange, RATING_INSUFFICIENT);
	in.dh_bits = 1024;
	assert_int_equal(rate(&in).key_exchange, RATING_INSUFFICIENT);
	in.group = "ffdhe4096"; /* named: the name decides */
	assert_int_equal(rate(&in).key_exchange, RATING_PHASE_OUT);
	/* ephemeral suite, group unknown: unknown */
	in.group = "";
	in.dh_bits = 0;
	assert_int_equal(rate(&in).key_exchange, RATING_UNKNOWN);
	in.group = NULL;
	assert_int_equal(rate(&in).key_exchange, RATING_UNKNOWN);
	in = tls_only(0x0304);
	in.cipher_id = 0x1301;
	assert_int_equal(rate(&in).key_exchange, RATING_UNKNOWN);
}

static void
test_cert_key(void **state)
{
	static const struct {
		const char *type;
		int bits;
		const char *curve;
		enum rating_class cls;
	} cases[] = {
		{ "RSA", 1024, NULL, RATING_INSUFFICIENT },
		{ "RSA", 2047, NULL, RATING_INSUFFICIENT },
		{ "RSA", 2048, NULL, RATING_PHASE_OUT },
		{ "RSA", 3071, NULL, RATING_PHASE_OUT },
		{ "RSA", 3072, NULL, RATING_SUFFICIENT },
		{ "RSA", 4096, NULL, RATING_SUFFICIENT },
		{ "RSA", 8192, NULL, RATING_SUFFICIENT },
		{ "rsa", 4096, NULL, RATING_SUFFICIENT },
		{ "RSA-PSS", 2048, NULL, RATING_PHASE_OUT },
		{ "RSA", 0, NULL, RATING_UNKNOWN },
		{ "EC", 256, "prime256v1", RATING_SUFFICIENT },
		{ "EC", 256, "P-256", RATING_SUFFICIENT },
		{ "EC", 256, "secp256r1", RATING_SUFFICIENT },
		{ "EC", 384, "secp384r1", RATING_SUFFICIENT },
		{ "EC", 521, "secp521r1", RATING_SUFFICIENT },
		{ "EC", 384, "brainpoolP384r1", RATING_SUFFICIENT },
		{ "EC", 224, "secp224r1", RATING_PHASE_OUT },
		{ "EC", 256, "secp256k1", RATING_INSUFFICIENT },
		{ "EC", 192, "prime192v1", RATING_INSUFFICIENT },
		{ "EC", 192, NULL, RATING_INSUFFICIENT },
		{ "EC", 256, NULL, RATING_UNKNOWN },
		{ "EC", 0, "", RATING_UNKNOWN },
		{ "ED25519", 253, NULL, RATING_SUFFICIENT },
		{ "ED448", 456, NULL, RATING_SUFFICIENT },
		{ "DSA", 2048, NULL, RATING_INSUFFICIENT },
		{ "DSA", 3072, NULL, RATING_INSUFFICIENT },
		{ "SM2", 256, NULL, RATING_INSUFFICIENT },
		{ NULL, 4096, NULL, RATING_UNKNOWN },
		{ "", 4096, NULL, RATING_UNKNOWN },
	};
	(void)state;

	for (size_t i = 0; i < N(cases); i++) {
		struct rating_input in = tls_only(0x0304);
		struct rating r;

		in.key_type = cases[i].type;
		in.key_bits = cases[i].bits;
		in.key_curve = cases[i].curve;
		r = rate(&in);
		if (r.cert_key != cases[i].cls)
			fail_msg("%s %d %s: %s, expected %s", cases[i].type ? cases[i].type : "NULL",
			    cases[i].bits, cases[i].curve ? cases[i].curve : "-",
			    rating_class_name(r.cert_key), rating_class_name(cases[i].cls));
		/* no classical key is good */
		assert_int_not_equal(r.cert_key, RATING_GOOD);
	}
}

static void
test_cert_signature(void **state)
{
	static const struct { const char *hash; enum rating_class cls; } cases[] = {
		{ "SHA256", RATING_GOOD },
		{ "SHA384", RATING_GOOD },
		{ "SHA512", RATING_GOOD },
		{ "sha256", RATING_GOOD },
		{ "SHA-384", RATING_GOOD },
		{ "ED25519", RATING_GOOD },
		{ "ED448", RATING_GOOD },
		{ "SHA224", RATING_PHASE_OUT },
		{ "SHA1", RATING_INSUFFICIENT },
		{ "SHA-1", RATING_INSUFFICIENT },
		{ "MD5", RATING_INSUFFICIENT },
		{ "MD2", RATING_INSUFFICIENT },
		{ "MD4", RATING_INSUFFICIENT },
		{ "RIPEMD160", RATING_INSUFFICIENT },
		{ "", RATING_UNKNOWN },
		{ NULL, RATING_UNKNOWN },
	};
	(void)state;

	for (size_t i = 0; i < N(cases); i++) {
		struct rating_input in = tls_only(0x0304);
		struct rating r;

		in.sig_hash = cases[i].hash;
		r = rate(&in);
		assert_int_equal(r.cert_signature, cases[i].cls);
		assert_int_equal(r.overall, cases[i].cls > RATING_GOOD ? cases[i].cls : RATING_GOOD);
	}
}

/* A whole connection. */
static struct rating
conn(int version, int cipher, const char *group, const char *ktype, int kbits,
    const char *curve, const char *hash)
{
	struct rating_input in = {
		.tls_version = version, .cipher_id = cipher, .group = group,
		.key_type = ktype, .key_bits = kbits, .key_curve = curve, .sig_hash = hash,
	};
	return rate(&in);
}

static void
test_overall(void **state)
{
	struct rating r;
	(void)state;

	/* the best classical connection is sufficient, set by the key exchange */
	r = conn(0x0304, 0x1302, "X25519", "EC", 256, "prime256v1", "SHA256");
	assert_int_equal(r.tls_version, RATING_GOOD);
	assert_int_equal(r.cipher, RATING_GOOD);
	assert_int_equal(r.key_exchange, RATING_SUFFICIENT);
	assert_int_equal(r.cert_key, RATING_SUFFICIENT);
	assert_int_equal(r.cert_signature, RATING_GOOD);
	assert_int_equal(r.overall, RATING_SUFFICIENT);
	assert_string_equal(r.weakest, "key_exchange");
	/* hybrid post-quantum: the certificate key keeps it sufficient */
	r = conn(0x0304, 0x1302, "X25519MLKEM768", "ED25519", 253, NULL, "ED25519");
	assert_int_equal(r.key_exchange, RATING_GOOD);
	assert_int_equal(r.overall, RATING_SUFFICIENT);
	assert_string_equal(r.weakest, "cert_key");
	/* good only when every known component is good (passive TLS 1.3:
	 * the certificate is encrypted) */
	r = conn(0x0304, 0x1303, "X25519MLKEM768", NULL, 0, NULL, NULL);
	assert_int_equal(r.cert_key, RATING_UNKNOWN);
	assert_int_equal(r.cert_signature, RATING_UNKNOWN);
	assert_int_equal(r.overall, RATING_GOOD);
	assert_string_equal(r.weakest, "tls_version");
	/* TLS 1.2 ECDHE-GCM with RSA 2048: phase-out by the key */
	r = conn(0x0303, 0xC02F, "x25519", "RSA", 2048, NULL, "SHA256");
	assert_int_equal(r.tls_version, RATING_SUFFICIENT);
	assert_int_equal(r.cipher, RATING_SUFFICIENT);
	assert_int_equal(r.cert_key, RATING_PHASE_OUT);
	assert_int_equal(r.overall, RATING_PHASE_OUT);
	assert_string_equal(r.weakest, "cert_key");
	/* RSA 4096: sufficient */
	r = conn(0x0303, 0xC030, "secp384r1", "RSA", 4096, NULL, "SHA384");
	assert_int_equal(r.overall, RATING_SUFFICIENT);
	assert_string_equal(r.weakest, "tls_version");
	/* CBC-SHA: insufficient by the cipher */
	r = conn(0x0303, 0xC013, "x25519", "RSA", 4096, NULL, "SHA256");
	assert_int_equal(r.cipher, RATING_INSUFFICIENT);
	assert_int_equal(r.overall, RATING_INSUFFICIENT);
	assert_string_equal(r.weakest, "cipher");
	/* static RSA: cipher and key exchange insufficient, the cipher named */
	r = conn(0x0303, 0x009C, NULL, "RSA", 4096, NULL, "SHA256");
	assert_int_equal(r.key_exchange, RATING_INSUFFICIENT);
	assert_int_equal(r.overall, RATING_INSUFFICIENT);
	assert_string_equal(r.weakest, "cipher");
	/* TLS 1.0: insufficient by the version */
	r = conn(0x0301, 0xC014, "secp256r1", "RSA", 2048, NULL, "SHA256");
	assert_int_equal(r.tls_version, RATING_INSUFFICIENT);
	assert_int_equal(r.overall, RATING_INSUFFICIENT);
	assert_string_equal(r.weakest, "tls_version");
	/* DHE with ffdhe3072: phase-out by cipher (named first) and group */
	r = conn(0x0303, 0x009F, "ffdhe3072", "RSA", 3072, NULL, "SHA256");
	assert_int_equal(r.cipher, RATING_PHASE_OUT);
	assert_int_equal(r.key_exchange, RATING_PHASE_OUT);
	assert_int_equal(r.overall, RATING_PHASE_OUT);
	assert_string_equal(r.weakest, "cipher");
	/* ffdhe2048: insufficient by the group */
	r = conn(0x0303, 0x009F, "ffdhe2048", "RSA", 3072, NULL, "SHA256");
	assert_int_equal(r.overall, RATING_INSUFFICIENT);
	assert_string_equal(r.weakest, "key_exchange");
	/* SHA-1 signed leaf */
	r = conn(0x0304, 0x1301, "x25519", "EC", 256, "P-256", "SHA1");
	assert_int_equal(r.overall, RATING_INSUFFICIENT);
	assert_string_equal(r.weakest, "cert_signature");
	/* SHA-224 signed leaf: phase-out */
	r = conn(0x0304, 0x1301, "x25519", "EC", 384, "secp384r1", "SHA224");
	assert_int_equal(r.overall, RATING_PHASE_OUT);
	assert_string_equal(r.weakest, "cert_signature");
	/* overall is never better than any known component */
	r = conn(0x0302, 0x0005, "ffdhe2048", "DSA", 1024, NULL, "MD5");
	assert_int_equal(r.tls_version, RATING_INSUFFICIENT);
	assert_int_equal(r.cipher, RATING_INSUFFICIENT);
	assert_int_equal(r.key_exchange, RATING_INSUFFICIENT);
	assert_int_equal(r.cert_key, RATING_INSUFFICIENT);
	assert_int_equal(r.cert_signature, RATING_INSUFFICIENT);
	assert_string_equal(r.weakest, "tls_version");
}

static void
test_unknown_and_no_tls(void **state)
{
	struct rating_input in;
	struct rating r;
	(void)state;

	/* no TLS: every class null, whatever else was filled in */
	r = conn(0, 0x009C, "ffdhe2048", "RSA", 1024, NULL, "MD5");
	assert_int_equal(r.overall, RATING_UNKNOWN);
	assert_int_equal(r.tls_version, RATING_UNKNOWN);
	assert_int_equal(r.cipher, RATING_UNKNOWN);
	assert_int_equal(r.key_exchange, RATING_UNKNOWN);
	assert_int_equal(r.cert_key, RATING_UNKNOWN);
	assert_int_equal(r.cert_signature, RATING_UNKNOWN);
	assert_null(r.weakest);
	memset(&in, 0, sizeof in);
	r = rate(&in);
	assert_int_equal(r.overall, RATING_UNKNOWN);
	assert_null(r.weakest);
	/* TLS of an unknown version, nothing else known: all null */
	r = conn(0x7f1c, -1, NULL, NULL, 0, NULL, NULL);
	assert_int_equal(r.overall, RATING_UNKNOWN);
	assert_int_equal(r.tls_version, RATING_UNKNOWN);
	assert_null(r.weakest);
	/* one known component sets overall alone */
	r = conn(0x7f1c, -1, NULL, NULL, 0, NULL, "SHA1");
	assert_int_equal(r.overall, RATING_INSUFFICIENT);
	assert_string_equal(r.weakest, "cert_signature");
	r = conn(0x7f1c, 0xC02B, NULL, NULL, 0, NULL, NULL);
	assert_int_equal(r.overall, RATING_SUFFICIENT);
	assert_string_equal(r.weakest, "cipher");
	/* passive TLS 1.2 without the certificate parsed */
	r = conn(0x0303, 0xC02F, "x25519", NULL, 0, NULL, NULL);
	assert_int_equal(r.cert_key, RATING_UNKNOWN);
	assert_int_equal(r.overall, RATING_SUFFICIENT);
}

static void
test_names_and_mib(void **state)
{
	(void)state;

	assert_true(RATING_INSUFFICIENT > RATING_PHASE_OUT);
	assert_true(RATING_PHASE_OUT > RATING_SUFFICIENT);
	assert_true(RATING_SUFFICIENT > RATING_GOOD);
	assert_true(RATING_GOOD > RATING_UNKNOWN);
	assert_int_equal(RATING_UNKNOWN, 0);
	assert_string_equal(rating_class_name(RATING_GOOD), "good");
	assert_string_equal(rating_class_name(RATING_SUFFICIENT), "sufficient");
	assert_string_equal(rating_class_name(RATING_PHASE_OUT), "phase-out");
	assert_string_equal(rating_class_name(RATING_INSUFFICIENT), "insufficient");
	assert_null(rating_class_name(RATING_UNKNOWN));
	assert_null(rating_class_name((enum rating_class)42));
	assert_int_equal(rating_class_mib(RATING_UNKNOWN), 1);
	assert_int_equal(rating_class_mib(RATING_GOOD), 2);
	assert_int_equal(rating_class_mib(RATING_SUFFICIENT), 3);
	assert_int_equal(rating_class_mib(RATING_PHASE_OUT), 4);
	assert_int_equal(rating_class_mib(RATING_INSUFFICIENT), 5);
	assert_int_equal(rating_class_mib((enum rating_class)42), 1);
	assert_string_equal(RATING_GUIDELINE, "NCSC-NL 2025-05");
}

/* The IANA supported-groups table: the ids the probes read off the wire,
 * named so that rating_of() classes them as the active probe's OpenSSL
 * names do. */
static void
test_group_names(void **state)
{
	static const struct {
		unsigned id;
		const char *name;
		enum rating_class cls;
	} t[] = {
		{ 0x001d, "x25519", RATING_SUFFICIENT },
		{ 0x001e, "x448", RATING_SUFFICIENT },
		{ 0x0017, "secp256r1", RATING_SUFFICIENT },
		{ 0x0018, "secp384r1", RATING_SUFFICIENT },
		{ 0x0019, "secp521r1", RATING_SUFFICIENT },
		{ 0x0015, "secp224r1", RATING_PHASE_OUT },
		{ 0x0016, "secp256k1", RATING_INSUFFICIENT },
		{ 0x0013, "secp192r1", RATING_INSUFFICIENT },
		{ 0x0001, "sect163k1", RATING_INSUFFICIENT },
		{ 26, "brainpoolP256r1", RATING_SUFFICIENT },
		{ 27, "brainpoolP384r1", RATING_SUFFICIENT },
		{ 28, "brainpoolP512r1", RATING_SUFFICIENT },
		{ 0x001f, "brainpoolP256r1tls13", RATING_SUFFICIENT },
		{ 0x0020, "brainpoolP384r1tls13", RATING_SUFFICIENT },
		{ 0x0021, "brainpoolP512r1tls13", RATING_SUFFICIENT },
		{ 0x0100, "ffdhe2048", RATING_INSUFFICIENT },
		{ 0x0101, "ffdhe3072", RATING_PHASE_OUT },
		{ 0x0102, "ffdhe4096", RATING_PHASE_OUT },
		{ 0x0103, "ffdhe6144", RATING_PHASE_OUT },
		{ 0x0104, "ffdhe8192", RATING_PHASE_OUT },
		{ 0x0201, "MLKEM768", RATING_INSUFFICIENT },
		{ 0x11eb, "SecP256r1MLKEM768", RATING_GOOD },
		{ 0x11ec, "X25519MLKEM768", RATING_GOOD },
		{ 0x11ed, "SecP384r1MLKEM1024", RATING_GOOD },
		{ 0x6399, "X25519Kyber768Draft00", RATING_INSUFFICIENT },
	};
	static const unsigned unnamed[] = { 0, 0x0022, 0x00ff, 0x0105, 0x0a0a, 0x1a1a, 0xfe00,
	    0xff01, 0xffff, 0x10000 };
	struct rating_input in = { .tls_version = 0x0304, .cipher_id = 0x1302 };
	struct rating r;
	unsigned prev = 0;

	(void)state;
	for (size_t i = 0; i < N(t); i++) {
		const char *n = rating_group_name(t[i].id);

		if (n == NULL || strcmp(n, t[i].name) != 0)
			fail_msg("0x%04x: %s, expected %s", t[i].id, n ? n : "NULL", t[i].name);
		in.group = n;
		rating_of(&in, &r);
		if (r.key_exchange != t[i].cls)
			fail_msg("%s: %s, expected %s", n, rating_class_name(r.key_exchange),
			    rating_class_name(t[i].cls));
	}
	for (size_t i = 0; i < N(unnamed); i++)
		assert_null(rating_group_name(unnamed[i]));
	/* every id up to 0xffff: names only where the table has them, and
	 * the lookup agrees with a linear count */
	for (unsigned id = 0, n = 0; id <= 0xffff; id++) {
		if (rating_group_name(id) != NULL) {
			n++;
			prev = n;
		}
	}
	assert_int_equal(prev, 46);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_openssl_suite),
		cmocka_unit_test(test_listed_suites),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_key_exchange),
		cmocka_unit_test(test_cert_key),
		cmocka_unit_test(test_cert_signature),
		cmocka_unit_test(test_overall),
		cmocka_unit_test(test_unknown_and_no_tls),
		cmocka_unit_test(test_names_and_mib),
		cmocka_unit_test(test_group_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
