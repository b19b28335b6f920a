/* Unit tests for probes/tls_wire against real handshakes: an OpenSSL client
 * and server talk through memory BIOs in this process, every byte each side
 * writes is captured, and the captures are fed to tls_wire whole, one byte at
 * a time, at every cut point, in random pieces and re-framed into other
 * record sizes; the facts must equal what OpenSSL says. Hand-made inputs
 * cover what OpenSSL never sends (GREASE, SSLv2 hellos, bad lengths). */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cipher.h"
#include "rating.h"
#include "tls_wire.h"
#include "tlsver.h"

/* ---- growable byte buffers for the captures ---- */

struct bytes {
	uint8_t *p;
	size_t len, cap;
};

static void
bytes_add(struct bytes *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		assert_non_null(b->p);
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
bytes_free(struct bytes *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

/* ---- keys and self-signed certificates, made once ---- */

enum { CERT_RSA, CERT_EC, CERT_BIG, CERT_COUNT };
static EVP_PKEY *keys[CERT_COUNT];
static X509 *certs[CERT_COUNT];

static X509 *
make_cert(EVP_PKEY *key, const char *cn, const char *san, long serial)
{
	X509 *x = X509_new();
	X509_NAME *name;
	X509_EXTENSION *ext;

	if (x == NULL || !X509_set_version(x, 2) ||
	    !ASN1_INTEGER_set(X509_get_serialNumber(x), serial) ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400) == NULL ||
	    !X509_set_pubkey(x, key))
		return NULL;
	name = X509_get_subject_name(x);
	if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn,
	    -1, -1, 0) || !X509_set_issuer_name(x, name))
		return NULL;
	if (san != NULL) {
		ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, san);
		if (ext == NULL || !X509_add_ext(x, ext, -1))
			return NULL;
		X509_EXTENSION_free(ext);
	}
	if (X509_sign(x, key, EVP_sha256()) <= 0)
		return NULL;
	return x;
}

static int
setup_certs(void **state)
{
	/* a leaf of about 20 KB: 900 subjectAltNames */
	size_t sz = 900 * 32, off = 0;
	char *san = malloc(sz);
	int i;

	(void)state;
	if (san == NULL)
		return -1;
	for (i = 0; i < 900; i++)
		off += (size_t)snprintf(san + off, sz - off, "%sDNS:host%03d.example.net",
		    i ? "," : "", i);
	keys[CERT_RSA] = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	keys[CERT_EC] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	keys[CERT_BIG] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (keys[CERT_RSA] == NULL || keys[CERT_EC] == NULL || keys[CERT_BIG] == NULL)
		return -1;
	certs[CERT_RSA] = make_cert(keys[CERT_RSA], "rsa.example.net", "DNS:mx1.example.net", 1);
	certs[CERT_EC] = make_cert(keys[CERT_EC], "ec.example.net", "DNS:mx2.example.net", 2);
	certs[CERT_BIG] = make_cert(keys[CERT_BIG], "big.example.net", san, 3);
	free(san);
	for (i = 0; i < CERT_COUNT; i++)
		if (certs[i] == NULL)
			return -1;
	return 0;
}

static int
teardown_certs(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < CERT_COUNT; i++) {
		X509_free(certs[i]);
		EVP_PKEY_free(keys[i]);
	}
	return 0;
}

/* ---- one in-process handshake ---- */

struct scenario {
	int min_version, max_version;  /* both ends; 0: OpenSSL's default */
	int client_max;                /* client only, overrides max_version */
	int server_min;                /* server only, overrides min_version */
	const char *ciphers;           /* TLS <= 1.2 cipher list */
	const char *suites;            /* TLS 1.3 cipher suites */
	int cert;                      /* CERT_* */
	bool seclevel0;
	const char *client_groups, *server_groups;
	const char *sni;
	bool client_verify;            /* verify the server: fails, no CA */
	bool server_require_cert;      /* ask for a client certificate: none comes */
	size_t server_fragment;        /* SSL_set_max_send_fragment on the server */
	int chain;                     /* CERT_* sent after the leaf; 0: none */
	const char *dh_group;          /* the server's DHE group ("ffdhe3072",
	                                * "modp_2048"); NULL: OpenSSL's choice */
};

struct run {
	struct bytes c2s, s2c;         /* what the client / server wrote */
	bool ok;
	int version;
	uint16_t cipher;
	int group_nid;
	int dh_bits;                   /* DHE: the bits of the client's view of p */
	char sni[256];                 /* as the server saw it */
	unsigned char *peer_der;
	int peer_der_len;
	int chain_len;                 /* certificates the server sent */
	/* OpenSSL's own parse of the first ClientHello (server callback) */
	int n_hello_cb;
	unsigned legacy_version;
	size_t n_ciphers;
	uint16_t versions[64];
	size_t n_versions;
};

static int
hello_cb(SSL *s, int *al, void *arg)
{
	struct run *r = arg;
	const unsigned char *p;
	size_t len, i;

	(void)al;
	if (r->n_hello_cb++ > 0)
		return SSL_CLIENT_HELLO_SUCCESS;
	r->legacy_version = SSL_client_hello_get0_legacy_version(s);
	r->n_ciphers = SSL_client_hello_get0_ciphers(s, &p) / 2;
	if (SSL_client_hello_get0_ext(s, TLSEXT_TYPE_supported_versions, &p, &len) &&
	    len >= 1 && p[0] + 1u == len)
		for (i = 1; i + 1 < len && r->n_versions < 64; i += 2)
			r->versions[r->n_versions++] = (uint16_t)(p[i] << 8 | p[i + 1]);
	return SSL_CLIENT_HELLO_SUCCESS;
}

static bool
pump(BIO *from, BIO *to, struct bytes *cap)
{
	uint8_t buf[4096];
	int n;
	bool moved = false;

	while ((n = BIO_read(from, buf, sizeof buf)) > 0) {
		bytes_add(cap, buf, (size_t)n);
		assert_int_equal(BIO_write(to, buf, n), n);
		moved = true;
	}
	return moved;
}

/* DH parameters of a named group ("ffdhe3072", "modp_2048"). */
static EVP_PKEY *
dh_params(const char *group)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	EVP_PKEY *dh = NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0),
		OSSL_PARAM_construct_end(),
	};

	assert_non_null(pc);
	assert_int_equal(EVP_PKEY_fromdata_init(pc), 1);
	assert_int_equal(EVP_PKEY_fromdata(pc, &dh, EVP_PKEY_KEY_PARAMETERS, params), 1);
	EVP_PKEY_CTX_free(pc);
	return dh;
}

/* tls_wire_cert_key() of a certificate's DER (or a prefix of it that holds
 * the subjectPublicKeyInfo) against OpenSSL's view of it, and the rating
 * classes the two give (probes/tls.c asks OpenSSL the same way). */
static void
check_cert_key(const uint8_t *der, size_t len, X509 *x)
{
	struct tls_wire_cert_key k;
	EVP_PKEY *pk = X509_get0_pubkey(x);
	int mdnid = NID_undef, pknid = NID_undef;
	char curve[64] = "";
	const char *want_hash;
	struct rating_input a = { .tls_version = 0x0303, .cipher_id = 0xc02f },
	    p = { .tls_version = 0x0303, .cipher_id = 0xc02f };
	struct rating ra, rp;

	assert_non_null(pk);
	assert_true(tls_wire_cert_key(der, len, &k));
	assert_non_null(k.key_type);
	assert_string_equal(k.key_type, EVP_PKEY_get0_type_name(pk));
	assert_int_equal(k.key_bits, EVP_PKEY_get_bits(pk));
	if (EVP_PKEY_get_group_name(pk, curve, sizeof curve, NULL) == 1) {
		assert_non_null(k.key_curve);
		if (strcmp(curve, "prime256v1") == 0)
			assert_string_equal(k.key_curve, "secp256r1");
		else if (strcmp(curve, "prime192v1") == 0)
			assert_string_equal(k.key_curve, "secp192r1");
		else
			assert_string_equal(k.key_curve, curve);
	} else {
		assert_null(k.key_curve);
	}
	assert_int_equal(X509_get_signature_info(x, &mdnid, &pknid, NULL, NULL), 1);
	want_hash = mdnid != NID_undef ? OBJ_nid2sn(mdnid) : OBJ_nid2sn(pknid);
	assert_non_null(k.sig_hash);
	assert_string_equal(k.sig_hash, want_hash);

	a.key_type = EVP_PKEY_get0_type_name(pk);
	a.key_bits = EVP_PKEY_get_bits(pk);
	a.key_curve = curve;
	a.sig_hash = want_hash;
	p.key_type = k.key_type;
	p.key_bits = k.key_bits;
	p.key_curve = k.key_curve;
	p.sig_hash = k.sig_hash;
	rating_of(&a, &ra);
	rating_of(&p, &rp);
	assert_int_not_equal(rp.cert_key, RATING_UNKNOWN);
	assert_int_equal(rp.cert_key, ra.cert_key);
	assert_int_equal(rp.cert_signature, ra.cert_signature);
}

static void
configure(SSL_CTX *ctx, const struct scenario *sc, bool client)
{
	int max = client && sc->client_max ? sc->client_max : sc->max_version;
	int min = !client && sc->server_min ? sc->server_min : sc->min_version;

	if (sc->seclevel0)
		SSL_CTX_set_security_level(ctx, 0);
	if (min)
		assert_true(SSL_CTX_set_min_proto_version(ctx, min));
	if (max)
		assert_true(SSL_CTX_set_max_proto_version(ctx, max));
	if (sc->ciphers)
		assert_true(SSL_CTX_set_cipher_list(ctx, sc->ciphers));
	if (sc->suites)
		assert_true(SSL_CTX_set_ciphersuites(ctx, sc->suites));
}

static void
handshake(const struct scenario *sc, struct run *r)
{
	SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
	SSL *c, *s;
	BIO *c_in = BIO_new(BIO_s_mem()), *c_out = BIO_new(BIO_s_mem());
	BIO *s_in = BIO_new(BIO_s_mem()), *s_out = BIO_new(BIO_s_mem());
	int i, rc = 0, rs = 0;
	const char *name;
	X509 *peer;

	memset(r, 0, sizeof *r);
	assert_non_null(cctx);
	assert_non_null(sctx);
	configure(cctx, sc, true);
	configure(sctx, sc, false);
	assert_int_equal(SSL_CTX_use_certificate(sctx, certs[sc->cert]), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(sctx, keys[sc->cert]), 1);
	if (sc->chain)
		assert_int_equal(SSL_CTX_add1_chain_cert(sctx, certs[sc->chain]), 1);
	if (sc->dh_group != NULL)
		assert_int_equal(SSL_CTX_set0_tmp_dh_pkey(sctx, dh_params(sc->dh_group)), 1);
	SSL_CTX_set_client_hello_cb(sctx, hello_cb, r);
	if (sc->client_verify)
		SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
	if (sc->server_require_cert)
		SSL_CTX_set_verify(sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	c = SSL_new(cctx);
	s = SSL_new(sctx);
	assert_non_null(c);
	assert_non_null(s);
	if (sc->sni)
		assert_int_equal(SSL_set_tlsext_host_name(c, sc->sni), 1);
	if (sc->client_groups)
		assert_int_equal(SSL_set1_groups_list(c, sc->client_groups), 1);
	if (sc->server_groups)
		assert_int_equal(SSL_set1_groups_list(s, sc->server_groups), 1);
	if (sc->server_fragment)
		assert_int_equal(SSL_set_max_send_fragment(s, (long)sc->server_fragment), 1);
	SSL_set_bio(c, c_in, c_out);
	SSL_set_bio(s, s_in, s_out);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);
	for (i = 0; i < 64; i++) {
		bool moved;

		rc = SSL_do_handshake(c);
		moved = pump(c_out, s_in, &r->c2s);
		rs = SSL_do_handshake(s);
		moved |= pump(s_out, c_in, &r->s2c);
		if (!moved)
			break;
	}
	ERR_clear_error();
	r->ok = rc == 1 && rs == 1;
	if (r->ok) {
		r->version = SSL_version(c);
		r->cipher = SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(c));
		r->group_nid = SSL_get_negotiated_group(c);
		{
			EVP_PKEY *tmp = NULL;

			if (SSL_get_peer_tmp_key(c, &tmp) == 1 && tmp != NULL) {
				if (EVP_PKEY_is_a(tmp, "DH"))
					r->dh_bits = EVP_PKEY_get_bits(tmp);
				EVP_PKEY_free(tmp);
			}
		}
		name = SSL_get_servername(s, TLSEXT_NAMETYPE_host_name);
		snprintf(r->sni, sizeof r->sni, "%s", name ? name : "");
		peer = SSL_get0_peer_certificate(c);
		assert_non_null(peer);
		r->peer_der_len = i2d_X509(peer, &r->peer_der);
		assert_true(r->peer_der_len > 0);
		r->chain_len = sk_X509_num(SSL_get_peer_cert_chain(c));
	}
	SSL_free(c);
	SSL_free(s);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
}

static void
run_free(struct run *r)
{
	bytes_free(&r->c2s);
	bytes_free(&r->s2c);
	OPENSSL_free(r->peer_der);
	r->peer_der = NULL;
}

/* ---- feeding ---- */

static struct tls_wire wire; /* ~21 KiB: not on the stack */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void
assert_sane(const struct tls_wire_facts *f, enum tls_wire_status st, size_t fed)
{
	assert_non_null(memchr(f->sni, '\0', sizeof f->sni));
	assert_non_null(memchr(f->error, '\0', sizeof f->error));
	assert_true(f->n_client_versions <= TLS_WIRE_MAX_VERSIONS);
	assert_true(f->cert_der_len <= TLS_WIRE_CERT_MAX);
	assert_true(f->cert_der_len <= f->cert_len);
	assert_true(f->bytes <= fed);
	assert_true(f->error_at <= f->bytes);
	if (st == TLS_WIRE_ERROR || st == TLS_WIRE_NOT_TLS)
		assert_true(f->error[0] != '\0');
	else
		assert_string_equal(f->error, "");
}

/* Feed p[0..len) in pieces: mode 0 whole, 1 one byte at a time, 2 random
 * sizes 1..max, 3 two pieces cut at max. Checks the promises on the way (a
 * stopped reader stays stopped, DONE is not taken back); valid means the
 * input is a real, unaltered stream: no error may appear on any prefix. */
static enum tls_wire_status
feed(const uint8_t *p, size_t len, bool from_client, int mode, size_t max, bool valid,
    struct tls_wire_facts *out)
{
	enum tls_wire_status st = TLS_WIRE_MORE, prev = TLS_WIRE_MORE;
	size_t off = 0, n;

	tls_wire_init(&wire, from_client);
	if (len == 0)
		st = tls_wire_feed(&wire, p, 0);
	while (off < len) {
		switch (mode) {
		case 0: n = len; break;
		case 1: n = 1; break;
		case 2: n = 1 + (size_t)(rng() % max); break;
		default: n = off == 0 && max > 0 ? max : len - off; break;
		}
		if (n > len - off)
			n = len - off;
		st = tls_wire_feed(&wire, p + off, n);
		off += n;
		assert_sane(tls_wire_facts(&wire), st, off);
		if (prev == TLS_WIRE_ERROR || prev == TLS_WIRE_NOT_TLS)
			assert_int_equal(st, prev);
		if (prev == TLS_WIRE_DONE && st != TLS_WIRE_ERROR)
			assert_int_equal(st, TLS_WIRE_DONE);
		if (valid) {
			if (st == TLS_WIRE_ERROR)
				fail_msg("error on a valid stream at %zu: %s", off,
				    tls_wire_facts(&wire)->error);
			assert_int_not_equal(st, TLS_WIRE_NOT_TLS);
		}
		prev = st;
	}
	assert_int_equal(tls_wire_facts(&wire)->bytes <= len, 1);
	memcpy(out, tls_wire_facts(&wire), sizeof *out);
	return st;
}

static enum tls_wire_status
feed_whole(const struct bytes *b, bool from_client, struct tls_wire_facts *out)
{
	return feed(b->p, b->len, from_client, 0, 0, false, out);
}

/* Merge the leading run of plaintext handshake records of a capture and
 * re-cut it into records of frag bytes; the rest is copied as is. */
static void
reframe(const struct bytes *in, size_t frag, struct bytes *out)
{
	struct bytes hs = { 0 };
	size_t off = 0, i, rl;
	uint8_t ver[2] = { 3, 1 };

	memset(out, 0, sizeof *out);
	while (off + 5 <= in->len && in->p[off] == 22) {
		rl = (size_t)in->p[off + 3] << 8 | in->p[off + 4];
		assert_true(off + 5 + rl <= in->len);
		if (off == 0)
			memcpy(ver, in->p + 1, 2);
		bytes_add(&hs, in->p + off + 5, rl);
		off += 5 + rl;
	}
	for (i = 0; i < hs.len; i += frag) {
		size_t n = hs.len - i < frag ? hs.len - i : frag;
		uint8_t h[5] = { 22, ver[0], ver[1], (uint8_t)(n >> 8), (uint8_t)n };

		bytes_add(out, h, 5);
		bytes_add(out, hs.p + i, n);
	}
	bytes_add(out, in->p + off, in->len - off);
	bytes_free(&hs);
}

/* Facts are equal up to the end of the certificate bytes (cert_der is
 * meaningful up to cert_der_len only: tls_wire_init() does not clear it). */
#define assert_facts_equal(a, b) do { \
		assert_int_equal((a)->cert_der_len, (b)->cert_der_len); \
		assert_memory_equal((a), (b), \
		    offsetof(struct tls_wire_facts, cert_der) + (b)->cert_der_len); \
	} while (0)

/* The facts of one stream do not depend on how it is cut or framed. */
static void
check_splits(const struct bytes *b, bool from_client, enum tls_wire_status want_st,
    const struct tls_wire_facts *want)
{
	static struct tls_wire_facts got, w2, g2;
	static const size_t frags[] = { 1, 2, 3, 7, 100, 16384 };
	struct bytes rf;
	size_t i;

	assert_int_equal(feed(b->p, b->len, from_client, 1, 0, true, &got), want_st);
	assert_facts_equal(&got, want);
	for (i = 0; i < 40; i++) {
		assert_int_equal(feed(b->p, b->len, from_client, 2, i < 20 ? 8 : 2000, true, &got),
		    want_st);
		assert_facts_equal(&got, want);
	}
	/* every cut point (every few for the 20 KB certificate) */
	for (i = 1; i < b->len; i += b->len > 4000 ? 7 : 1) {
		assert_int_equal(feed(b->p, b->len, from_client, 3, i, true, &got), want_st);
		assert_facts_equal(&got, want);
	}
	/* handshake messages across many records / many in one record */
	memcpy(&w2, want, sizeof w2);
	w2.bytes = 0;
	for (i = 0; i < sizeof frags / sizeof frags[0]; i++) {
		reframe(b, frags[i], &rf);
		assert_int_equal(feed(rf.p, rf.len, from_client, 0, 0, true, &g2), want_st);
		g2.bytes = 0;
		assert_facts_equal(&g2, &w2);
		assert_int_equal(feed(rf.p, rf.len, from_client, 2, 50, true, &g2), want_st);
		g2.bytes = 0;
		assert_facts_equal(&g2, &w2);
		bytes_free(&rf);
	}
}

/* check_splits() with valid=true fails on errors; the version for inputs
 * that end in an error. */
static void
check_splits_err(const struct bytes *b, bool from_client, const struct tls_wire_facts *want)
{
	static struct tls_wire_facts got;
	size_t i;

	assert_int_equal(feed(b->p, b->len, from_client, 1, 0, false, &got), TLS_WIRE_ERROR);
	assert_facts_equal(&got, want);
	for (i = 1; i < b->len; i++) {
		assert_int_equal(feed(b->p, b->len, from_client, 3, i, false, &got), TLS_WIRE_ERROR);
		assert_facts_equal(&got, want);
	}
}

static uint16_t
iana_group(int nid)
{
	switch (nid) {
	case NID_X25519: return 0x001d;
	case NID_X448: return 0x001e;
	case NID_X9_62_prime256v1: return 0x0017;
	case NID_secp384r1: return 0x0018;
	case NID_secp521r1: return 0x0019;
	}
	return 0xffff;
}

/* OpenSSL 3.0 names a version only through an SSL (SSL_get_version());
 * the same names for a wire version, to compare with tlsver_name(). */
static const char *
openssl_version_name(int v)
{
	switch (v) {
	case TLS1_VERSION: return "TLSv1";
	case TLS1_1_VERSION: return "TLSv1.1";
	case TLS1_2_VERSION: return "TLSv1.2";
	case TLS1_3_VERSION: return "TLSv1.3";
	}
	return "?";
}

/* A successful handshake: compare both directions with OpenSSL's view. */
static void
check_handshake(const struct scenario *sc, uint16_t want_version, uint16_t want_cipher,
    struct run *r)
{
	static struct tls_wire_facts cf, sf;
	enum tls_wire_status cst, sst;
	size_t i;

	handshake(sc, r);
	assert_true(r->ok);
	assert_int_equal(r->version, want_version);
	assert_int_equal(r->cipher, want_cipher);

	/* client direction: the ClientHello, as OpenSSL's server parsed it */
	cst = feed_whole(&r->c2s, true, &cf);
	assert_int_equal(cst, TLS_WIRE_DONE);
	assert_true(cf.have_client_hello);
	assert_false(cf.sslv2_hello);
	assert_int_equal(cf.client_legacy_version, r->legacy_version);
	assert_int_equal(cf.n_client_ciphers, r->n_ciphers);
	assert_int_equal(cf.n_client_versions, r->n_versions);
	for (i = 0; i < r->n_versions; i++)
		assert_int_equal(cf.client_versions[i], r->versions[i]);
	assert_int_equal(cf.client_offers_tls13,
	    sc->max_version == 0 || sc->max_version == TLS1_3_VERSION);
	assert_string_equal(cf.sni, r->sni);
	assert_string_equal(cf.sni, sc->sni ? sc->sni : "");
	assert_false(cf.have_server_hello);
	assert_false(cf.alert_seen);
	assert_true(cf.encrypted);
	assert_int_equal(cf.bytes, r->c2s.len);

	/* server direction: ServerHello and certificate */
	sst = feed_whole(&r->s2c, false, &sf);
	assert_int_equal(sst, TLS_WIRE_DONE);
	assert_false(sf.have_client_hello);
	assert_true(sf.have_server_hello);
	assert_int_equal(sf.version, r->version);
	assert_int_equal(sf.cipher_id, r->cipher);
	assert_int_equal(sf.compression, 0);
	assert_int_equal(sf.hello_retry_request, r->n_hello_cb == 2);
	assert_int_equal(sf.downgrade_sentinel, 0);
	assert_true(sf.encrypted);
	assert_false(sf.alert_seen);
	assert_string_equal(tlsver_name(sf.version), openssl_version_name(r->version));
	if (r->version == TLS1_3_VERSION) {
		assert_int_equal(sf.server_legacy_version, 0x0303);
		assert_int_equal(sf.group, iana_group(r->group_nid));
		assert_false(sf.have_cert);
		assert_int_equal(sf.cert_der_len, 0);
	} else {
		assert_int_equal(sf.server_legacy_version, r->version);
		assert_int_equal(sf.group, 0);
		assert_true(sf.have_cert);
		/* a chain past the kept prefix is counted as far as it was kept */
		if (sf.oversized)
			assert_true(sf.n_certs >= 1 && (int)sf.n_certs <= r->chain_len);
		else
			assert_int_equal(sf.n_certs, r->chain_len);
		assert_int_equal(sf.cert_len, (size_t)r->peer_der_len);
		/* the ServerKeyExchange, as OpenSSL negotiated it */
		{
			struct cipher_props cp;

			assert_true(cipher_lookup(r->cipher, &cp));
			if (strcmp(cp.kx, "ECDHE") == 0) {
				assert_true(sf.have_ske);
				assert_int_equal(sf.ske_group, iana_group(r->group_nid));
				assert_int_equal(sf.dh_bits, 0);
			} else if (strcmp(cp.kx, "DHE") == 0) {
				assert_true(sf.have_ske);
				assert_int_equal(sf.dh_bits, r->dh_bits);
			} else {
				assert_false(sf.have_ske);
				assert_int_equal(sf.ske_group, 0);
			}
		}
		/* the key and signature (the prefix kept of a big leaf holds them) */
		check_cert_key(sf.cert_der, sf.cert_der_len, certs[sc->cert]);
		if (sf.cert_len <= TLS_WIRE_CERT_MAX) {
			const unsigned char *p = sf.cert_der;
			X509 *x;

			assert_false(sf.cert_truncated);
			assert_int_equal(sf.cert_der_len, sf.cert_len);
			assert_memory_equal(sf.cert_der, r->peer_der, sf.cert_der_len);
			/* what the caller will do with it */
			x = d2i_X509(NULL, &p, (long)sf.cert_der_len);
			assert_non_null(x);
			assert_int_equal(X509_cmp(x, certs[sc->cert]), 0);
			X509_free(x);
		}
	}

	check_splits(&r->c2s, true, cst, &cf);
	check_splits(&r->s2c, false, sst, &sf);
}

/* ---- real handshakes ---- */

static void
test_tls13_aes128gcm(void **state)
{
	struct scenario sc = { .suites = "TLS_AES_128_GCM_SHA256", .cert = CERT_RSA,
	    .sni = "mx1.example.net" };
	struct run r;

	(void)state;
	check_handshake(&sc, TLS1_3_VERSION, 0x1301, &r);
	run_free(&r);
}

static void
test_tls13_chacha20(void **state)
{
	struct scenario sc = { .suites = "TLS_CHACHA20_POLY1305_SHA256", .cert = CERT_EC,
	    .sni = "mx2.example.net" };
	struct run r;
	static struct tls_wire_facts f;

	(void)state;
	check_handshake(&sc, TLS1_3_VERSION, 0x1303, &r);
	feed_whole(&r.s2c, false, &f);
	assert_int_equal(f.group, 0x001d); /* X25519, OpenSSL's first choice */
	assert_false(f.hello_retry_request);
	run_free(&r);
}

static void
test_tls12_ecdhe_rsa_aesgcm(void **state)
{
	struct scenario sc = { .max_version = TLS1_2_VERSION,
	    .ciphers = "ECDHE-RSA-AES128-GCM-SHA256", .cert = CERT_RSA, .sni = "mx1.example.net" };
	struct run r;
	static struct tls_wire_facts f;

	(void)state;
	check_handshake(&sc, TLS1_2_VERSION, 0xc02f, &r);
	feed_whole(&r.c2s, true, &f);
	assert_int_equal(f.client_legacy_version, 0x0303);
	assert_int_equal(f.n_client_versions, 0); /* no supported_versions below 1.3 */
	run_free(&r);
}

static void
test_tls12_static_rsa_cbc(void **state)
{
	struct scenario sc = { .max_version = TLS1_2_VERSION, .ciphers = "AES128-SHA",
	    .cert = CERT_RSA };
	struct run r;

	(void)state;
	check_handshake(&sc, TLS1_2_VERSION, 0x002f, &r);
	run_free(&r);
}

static void
test_tls12_ec_cert(void **state)
{
	struct scenario sc = { .max_version = TLS1_2_VERSION,
	    .ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256", .cert = CERT_EC, .sni = "mx2.example.net" };
	struct run r;

	(void)state;
	check_handshake(&sc, TLS1_2_VERSION, 0xc02b, &r);
	run_free(&r);
}

static void
test_tls11(void **state)
{
	struct scenario sc = { .min_version = TLS1_1_VERSION, .max_version = TLS1_1_VERSION,
	    .ciphers = "ECDHE-RSA-AES128-SHA:@SECLEVEL=0", .seclevel0 = true, .cert = CERT_RSA,
	    .sni = "old.example.net" };
	struct run r;

	(void)state;
	check_handshake(&sc, TLS1_1_VERSION, 0xc013, &r);
	run_free(&r);
}

static void
test_tls10(void **state)
{
	struct scenario sc = { .min_version = TLS1_VERSION, .max_version = TLS1_VERSION,
	    .ciphers = "AES256-SHA:@SECLEVEL=0", .seclevel0 = true, .cert = CERT_RSA };
	struct run r;
	static struct tls_wire_facts f;

	(void)state;
	check_handshake(&sc, TLS1_VERSION, 0x0035, &r);
	feed_whole(&r.c2s, true, &f);
	assert_int_equal(f.client_legacy_version, 0x0301);
	run_free(&r);
}

/* The client sends a key share for X25519 only; the server wants P-256. */
static void
test_hello_retry_request(void **state)
{
	struct scenario sc = { .cert = CERT_RSA, .sni = "hrr.example.net",
	    .client_groups = "X25519:P-256", .server_groups = "P-256" };
	struct run r;
	static struct tls_wire_facts f;
	static const uint8_t hrr_random[8] = { 0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11 };

	(void)state;
	check_handshake(&sc, TLS1_3_VERSION, 0x1302, &r);
	assert_int_equal(r.n_hello_cb, 2); /* OpenSSL saw two ClientHellos */
	assert_int_equal(r.group_nid, NID_X9_62_prime256v1);
	/* the capture really starts with an HRR */
	assert_memory_equal(r.s2c.p + 5 + 4 + 2, hrr_random, sizeof hrr_random);
	feed_whole(&r.s2c, false, &f);
	assert_true(f.hello_retry_request);
	assert_true(f.have_server_hello);
	assert_int_equal(f.group, 0x0017);
	assert_int_equal(f.version, 0x0304);
	/* the facts of the HRR alone */
	assert_int_equal(feed(r.s2c.p, (size_t)(r.s2c.p[3] << 8 | r.s2c.p[4]) + 5, false, 0, 0,
	    true, &f), TLS_WIRE_MORE);
	assert_true(f.hello_retry_request);
	assert_false(f.have_server_hello);
	assert_int_equal(f.group, 0x0017);
	assert_int_equal(f.version, 0x0304);
	run_free(&r);
}

/* The server's flight in 512-byte records: the certificate spans records. */
static void
test_tls12_small_records(void **state)
{
	struct scenario sc = { .max_version = TLS1_2_VERSION, .cert = CERT_RSA,
	    .server_fragment = 512, .sni = "frag.example.net", .chain = CERT_EC };
	struct run r;
	size_t off = 0, nrec = 0;

	(void)state;
	check_handshake(&sc, TLS1_2_VERSION, 0xc030, &r);
	while (off + 5 <= r.s2c.len && r.s2c.p[off] == 22) {
		assert_true((r.s2c.p[off + 3] << 8 | r.s2c.p[off + 4]) <= 512);
		off += 5 + (size_t)(r.s2c.p[off + 3] << 8 | r.s2c.p[off + 4]);
		nrec++;
	}
	assert_true(nrec >= 4);
	assert_int_equal(r.chain_len, 2);
	run_free(&r);
}

/* A leaf of ~20 KB: the Certificate message exceeds the reassembly buffer;
 * the first TLS_WIRE_CERT_MAX bytes of the leaf are still kept. */
static void
test_big_certificate(void **state)
{
	struct scenario sc = { .max_version = TLS1_2_VERSION, .cert = CERT_BIG,
	    .sni = "big.example.net", .chain = CERT_EC };
	struct run r;
	static struct tls_wire_facts f;

	(void)state;
	check_handshake(&sc, TLS1_2_VERSION, 0xc02c, &r);
	assert_true(r.peer_der_len > TLS_WIRE_MSG_MAX);
	feed_whole(&r.s2c, false, &f);
	assert_true(f.oversized);
	assert_true(f.have_cert);
	assert_true(f.cert_truncated);
	assert_int_equal(r.chain_len, 2);
	assert_int_equal(f.n_certs, 1); /* the second entry lies beyond the kept prefix */
	assert_int_equal(f.cert_len, (size_t)r.peer_der_len);
	assert_int_equal(f.cert_der_len, TLS_WIRE_CERT_MAX);
	assert_memory_equal(f.cert_der, r.peer_der, TLS_WIRE_CERT_MAX);
	run_free(&r);
}

/* The client offers up to TLS 1.1, the server wants 1.2: a fatal
 * protocol_version alert instead of a ServerHello. */
static void
test_version_mismatch_alert(void **state)
{
	struct scenario sc = { .server_min = TLS1_2_VERSION, .client_max = TLS1_1_VERSION,
	    .cert = CERT_RSA, .seclevel0 = true, .ciphers = "DEFAULT:@SECLEVEL=0" };
	struct run r;
	static struct tls_wire_facts f;

	(void)state;
	handshake(&sc, &r);
	assert_false(r.ok);
	assert_int_equal(feed_whole(&r.c2s, true, &f), TLS_WIRE_DONE);
	assert_true(f.have_client_hello);
	assert_int_equal(f.client_legacy_version, 0x0302);
	assert_false(f.client_offers_tls13);
	assert_int_equal(feed_whole(&r.s2c, false, &f), TLS_WIRE_DONE);
	assert_false(f.have_server_hello);
	assert_true(f.alert_seen);
	assert_int_equal(f.alert_level, 2);
	assert_int_equal(f.alert_desc, 70); /* protocol_version */
	check_splits(&r.s2c, false, TLS_WIRE_DONE, &f);
	run_free(&r);
}

/* Plaintext alerts after the hellos are recorded, encrypted ones are not
 * mistaken for alerts. The client refuses the self-signed certificate: in
 * TLS 1.2 and, with OpenSSL, in TLS 1.3 too its alert is plaintext (it has
 * not switched to its handshake keys yet). The server wants a client
 * certificate and gets none: TLS 1.2 plaintext alert after the server's
 * DONE, TLS 1.3 encrypted alert. */
static void
test_alerts_after_hello(void **state)
{
	struct scenario sc = { .max_version = TLS1_2_VERSION, .cert = CERT_RSA,
	    .client_verify = true };
	struct run r;
	static struct tls_wire_facts f;

	(void)state;
	handshake(&sc, &r);
	assert_false(r.ok);
	assert_int_equal(feed_whole(&r.c2s, true, &f), TLS_WIRE_DONE);
	assert_true(f.have_client_hello);
	assert_true(f.alert_seen);
	assert_int_equal(f.alert_level, 2);
	assert_int_equal(f.alert_desc, 48); /* unknown_ca */
	assert_false(f.encrypted);
	check_splits(&r.c2s, true, TLS_WIRE_DONE, &f);
	assert_int_equal(feed_whole(&r.s2c, false, &f), TLS_WIRE_DONE);
	assert_true(f.have_cert);
	assert_false(f.alert_seen);
	run_free(&r);

	sc.max_version = 0;
	handshake(&sc, &r);
	assert_false(r.ok);
	assert_int_equal(feed_whole(&r.c2s, true, &f), TLS_WIRE_DONE);
	assert_true(f.have_client_hello);
	assert_true(f.alert_seen);
	assert_int_equal(f.alert_desc, 48);
	check_splits(&r.c2s, true, TLS_WIRE_DONE, &f);
	assert_int_equal(feed_whole(&r.s2c, false, &f), TLS_WIRE_DONE);
	assert_int_equal(f.version, 0x0304);
	assert_false(f.have_cert);
	assert_true(f.encrypted);
	run_free(&r);

	memset(&sc, 0, sizeof sc);
	sc.cert = CERT_EC;
	sc.max_version = TLS1_2_VERSION;
	sc.server_require_cert = true;
	handshake(&sc, &r);
	assert_false(r.ok);
	assert_int_equal(feed_whole(&r.s2c, false, &f), TLS_WIRE_DONE);
	assert_true(f.have_cert);
	assert_true(f.alert_seen);
	assert_int_equal(f.alert_level, 2);
	assert_int_equal(f.alert_desc, 40); /* handshake_failure */
	assert_false(f.encrypted);
	check_splits(&r.s2c, false, TLS_WIRE_DONE, &f);
	assert_int_equal(feed_whole(&r.c2s, true, &f), TLS_WIRE_DONE);
	assert_false(f.alert_seen);
	assert_true(f.encrypted);
	run_free(&r);

	sc.max_version = 0;
	handshake(&sc, &r);
	assert_false(r.ok);
	assert_int_equal(feed_whole(&r.s2c, false, &f), TLS_WIRE_DONE);
	assert_true(f.have_server_hello);
	assert_false(f.alert_seen);
	assert_true(f.encrypted);
	assert_int_equal(feed_whole(&r.c2s, true, &f), TLS_WIRE_DONE);
	assert_false(f.alert_seen);
	assert_true(f.encrypted);
	run_free(&r);
}

/* ---- not TLS ---- */

static void
test_plaintext_not_tls(void **state)
{
	static const char *const texts[] = {
		"250 OK\r\n", "220 mx.example.net ESMTP\r\n", "GET / HTTP/1.0\r\n\r\n",
		"\x16\x03X", "\x16\x02\x01\x00\x05", "\x80\x01\x01\x03\x01",
	};
	static struct tls_wire_facts f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		const uint8_t *p = (const uint8_t *)texts[i];
		size_t len = strlen(texts[i]);

		assert_int_equal(tls_wire_sniff(p, len), 0);
		assert_int_equal(feed(p, len, true, 0, 0, false, &f), TLS_WIRE_NOT_TLS);
		assert_string_equal(f.error, "not a TLS record");
		assert_int_equal(feed(p, len, false, 1, 0, false, &f), TLS_WIRE_NOT_TLS);
		assert_false(f.have_client_hello);
	}
	/* "250 OK" is refused on its first byte */
	feed((const uint8_t *)"250 OK\r\n", 8, false, 1, 0, false, &f);
	assert_int_equal(f.bytes, 1);
	/* and a reader that said NOT_TLS stays so */
	tls_wire_init(&wire, false);
	assert_int_equal(tls_wire_feed(&wire, (const uint8_t *)"2", 1), TLS_WIRE_NOT_TLS);
	assert_int_equal(tls_wire_feed(&wire, (const uint8_t *)"\x16\x03\x03\x00\x02\x02\x28",
	    7), TLS_WIRE_NOT_TLS);
	assert_false(tls_wire_facts(&wire)->alert_seen);
}

static void
test_sniff(void **state)
{
	static const struct {
		const char *b;
		size_t len;
		int want;
	} t[] = {
		{ "", 0, -1 },
		{ "\x16", 1, -1 },
		{ "\x16\x03", 2, -1 },
		{ "\x16\x03\x01", 3, -1 },
		{ "\x16\x03\x01\x00", 4, -1 },
		{ "\x16\x03\x01\x00\x05", 5, 1 },
		{ "\x14\x03\x03\x00\x01", 5, 1 },
		{ "\x15\x03\x00\x00\x02", 5, 1 },
		{ "\x17\x03\x03\x48\x00", 5, 1 },   /* 18432: largest ciphertext */
		{ "\x18\x03\x04\x00\x10", 5, 1 },
		{ "\x17\x03\x03\x48\x01", 5, 0 },   /* too long */
		{ "\x17\x03\x03\x49", 4, 0 },
		{ "\x16\x03\x03\x00\x00", 5, 0 },   /* empty */
		{ "\x13\x03\x03\x00\x05", 5, 0 },   /* type 19 */
		{ "\x19\x03\x03\x00\x05", 5, 0 },   /* type 25 */
		{ "\x16\x02", 2, 0 },
		{ "\x16\x03\x05", 3, 0 },
		{ "2", 1, 0 },
		{ "E", 1, 0 },
		{ "\x80\x2e\x01\x03\x01", 5, 1 },   /* SSLv2-compatible ClientHello */
		{ "\x80\x2e\x01\x03", 4, -1 },
		{ "\x80\x2e\x01\x00\x02", 5, 0 },   /* pure SSLv2 */
		{ "\x80\x2e\x01\x03\x04", 5, 0 },
		{ "\x80\x2e\x04", 3, 0 },           /* SSLv2 SERVER-HELLO */
		{ "\x80\x10", 2, 0 },               /* too short to be a hello */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (tls_wire_sniff((const uint8_t *)t[i].b, t[i].len) != t[i].want)
			fail_msg("sniff case %zu: got %d, want %d", i,
			    tls_wire_sniff((const uint8_t *)t[i].b, t[i].len), t[i].want);
	}
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(tlsver_name(0x0300), "SSLv3");
	assert_string_equal(tlsver_name(0x0301), "TLSv1");
	assert_string_equal(tlsver_name(0x0302), "TLSv1.1");
	assert_string_equal(tlsver_name(0x0303), "TLSv1.2");
	assert_string_equal(tlsver_name(0x0304), "TLSv1.3");
	assert_null(tlsver_name(0x0305));
	assert_null(tlsver_name(0x7f1c));
	assert_null(tlsver_name(0));
	assert_string_equal(tls_wire_status_name(TLS_WIRE_MORE), "more");
	assert_string_equal(tls_wire_status_name(TLS_WIRE_DONE), "done");
	assert_string_equal(tls_wire_status_name(TLS_WIRE_NOT_TLS), "not-tls");
	assert_string_equal(tls_wire_status_name(TLS_WIRE_ERROR), "error");
}

/* ---- truncated and corrupted real streams ---- */

static void
test_truncated(void **state)
{
	static const struct scenario scs[] = {
		{ .max_version = TLS1_2_VERSION, .cert = CERT_RSA, .sni = "t.example.net" },
		{ .cert = CERT_EC, .sni = "t.example.net" },
	};
	static struct tls_wire_facts f;
	struct run r;
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof scs / sizeof scs[0]; i++) {
		handshake(&scs[i], &r);
		assert_true(r.ok);
		for (k = 0; k < r.s2c.len; k++) {
			enum tls_wire_status st = feed(r.s2c.p, k, false, 0, 0, true, &f);

			assert_true(st == TLS_WIRE_MORE || st == TLS_WIRE_DONE);
			assert_int_equal(f.bytes, k);
			/* TLS 1.2: done after the ServerKeyExchange (ECDHE) */
			if (st == TLS_WIRE_MORE)
				assert_false(f.have_ske);
			else if (scs[i].max_version == TLS1_2_VERSION)
				assert_true(f.have_cert && f.have_ske && f.ske_group != 0);
		}
		for (k = 0; k < r.c2s.len; k++) {
			enum tls_wire_status st = feed(r.c2s.p, k, true, 0, 0, true, &f);

			assert_true(st == TLS_WIRE_MORE || st == TLS_WIRE_DONE);
			assert_int_equal(st == TLS_WIRE_DONE, f.have_client_hello);
		}
		run_free(&r);
	}
}

static void
test_corrupted(void **state)
{
	static const struct scenario scs[] = {
		{ .max_version = TLS1_2_VERSION, .cert = CERT_RSA, .sni = "c.example.net" },
		{ .cert = CERT_EC, .sni = "c.example.net" },
		{ .cert = CERT_RSA, .client_groups = "X25519:P-256", .server_groups = "P-256" },
	};
	static const uint8_t flips[] = { 0x01, 0x80, 0xff };
	static struct tls_wire_facts f1, f2;
	struct run r;
	struct bytes *dirs[2];
	size_t i, d, pos, x;
	unsigned errors = 0;

	(void)state;
	for (i = 0; i < sizeof scs / sizeof scs[0]; i++) {
		handshake(&scs[i], &r);
		assert_true(r.ok);
		dirs[0] = &r.c2s;
		dirs[1] = &r.s2c;
		for (d = 0; d < 2; d++) {
			struct bytes *b = dirs[d];

			for (pos = 0; pos < b->len; pos++) {
				for (x = 0; x < sizeof flips; x++) {
					enum tls_wire_status s1, s2;

					b->p[pos] ^= flips[x];
					s1 = feed(b->p, b->len, d == 0, 0, 0, false, &f1);
					if (x == 2 || pos < 64) {
						s2 = feed(b->p, b->len, d == 0, 1, 0, false, &f2);
						assert_int_equal(s1, s2);
						assert_memory_equal(&f1, &f2, sizeof f1);
					}
					/* truncated after the corruption */
					feed(b->p, pos + 1, d == 0, 2, 16, false, &f2);
					b->p[pos] ^= flips[x];
					errors += s1 == TLS_WIRE_ERROR;
				}
			}
		}
		run_free(&r);
	}
	assert_true(errors > 0);
}

/* ---- hand-made inputs ---- */

struct msg {
	uint8_t b[40000];
	size_t n;
};

static void
put8(struct msg *m, unsigned v)
{
	assert_true(m->n < sizeof m->b);
	m->b[m->n++] = (uint8_t)v;
}

static void
put16(struct msg *m, unsigned v)
{
	put8(m, v >> 8);
	put8(m, v & 0xff);
}

static void
putn(struct msg *m, const void *p, size_t n)
{
	assert_true(m->n + n <= sizeof m->b);
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

/* Open a length-prefixed vector of lb bytes; close() writes its length. */
static size_t
open_vec(struct msg *m, int lb)
{
	size_t at = m->n;
	int i;

	for (i = 0; i < lb; i++)
		put8(m, 0);
	return at;
}

static void
close_vec(struct msg *m, size_t at, int lb, long adjust)
{
	size_t len = m->n - at - (size_t)lb + (size_t)adjust;
	int i;

	for (i = 0; i < lb; i++)
		m->b[at + (size_t)i] = (uint8_t)(len >> (8 * (lb - 1 - i)));
}

enum flaw {
	F_NONE, F_SID_33, F_CIPHERS_ODD, F_NO_COMPRESSION, F_EXTS_LONG, F_EXT_OVERRUN,
	F_SNI_LIST, F_SNI_NUL, F_SNI_DUP, F_SV_ODD, F_TRAILING, F_SNI_LONG, F_PADDING_20K,
	F_SV_MANY, F_NO_EXTS,
};

/* A ClientHello with GREASE in the cipher suites, extension types,
 * supported_versions and supported_groups, optionally with one flaw. */
static void
client_hello(struct msg *m, enum flaw fl)
{
	static const uint8_t zero[33];
	size_t hs, v, exts, e, l;
	unsigned i;

	m->n = 0;
	put8(m, 1);
	hs = open_vec(m, 3);
	put16(m, 0x0303);
	putn(m, zero, 32);
	v = open_vec(m, 1);
	putn(m, zero, fl == F_SID_33 ? 33 : 32);
	close_vec(m, v, 1, 0);
	v = open_vec(m, 2);
	put16(m, 0x0a0a);
	put16(m, 0x1301);
	put16(m, 0x1302);
	put16(m, 0xc02f);
	put16(m, 0x5600);
	if (fl == F_CIPHERS_ODD)
		put8(m, 0);
	close_vec(m, v, 2, 0);
	v = open_vec(m, 1);
	if (fl != F_NO_COMPRESSION)
		put8(m, 0);
	close_vec(m, v, 1, 0);
	if (fl == F_NO_EXTS) {
		close_vec(m, hs, 3, 0);
		return;
	}
	exts = open_vec(m, 2);
	put16(m, 0x1a1a); /* GREASE extension, empty */
	put16(m, 0);
	put16(m, 0); /* server_name */
	e = open_vec(m, 2);
	l = open_vec(m, 2);
	put8(m, 0);
	v = open_vec(m, 2);
	if (fl == F_SNI_LONG)
		for (i = 0; i < 256; i++)
			put8(m, 'a');
	else
		putn(m, fl == F_SNI_NUL ? "mx.exa\0mple.net" : "mx.example.net", 14);
	close_vec(m, v, 2, 0);
	close_vec(m, l, 2, fl == F_SNI_LIST ? 1 : 0);
	close_vec(m, e, 2, 0);
	if (fl == F_SNI_DUP) {
		static const uint8_t sni[] = { 0, 0, 0, 6, 0, 4, 0, 0, 1, 'x' };
		putn(m, sni, sizeof sni);
	}
	put16(m, 43); /* supported_versions */
	e = open_vec(m, 2);
	v = open_vec(m, 1);
	put16(m, 0x2a2a);
	put16(m, 0x0304);
	put16(m, 0x0303);
	if (fl == F_SV_MANY)
		for (i = 0; i < 10; i++)
			put16(m, 0x0301);
	if (fl == F_SV_ODD)
		put8(m, 3);
	close_vec(m, v, 1, 0);
	close_vec(m, e, 2, 0);
	put16(m, 10); /* supported_groups */
	e = open_vec(m, 2);
	v = open_vec(m, 2);
	put16(m, 0x3a3a);
	put16(m, 0x001d);
	close_vec(m, v, 2, 0);
	close_vec(m, e, 2, 0);
	if (fl == F_PADDING_20K) {
		put16(m, 21);
		e = open_vec(m, 2);
		for (i = 0; i < 20000; i++)
			put8(m, 0);
		close_vec(m, e, 2, 0);
	}
	put16(m, 0x4a4a); /* GREASE extension, one byte */
	put16(m, 1);
	put8(m, 0);
	if (fl == F_EXT_OVERRUN) {
		put16(m, 16);
		put16(m, 40); /* 40 bytes announced, 2 present */
		put16(m, 0);
	}
	close_vec(m, exts, 2, fl == F_EXTS_LONG ? 5 : 0);
	if (fl == F_TRAILING)
		put8(m, 0);
	close_vec(m, hs, 3, 0);
}

/* Wrap a handshake byte string into records of at most frag bytes. */
static void
records(const uint8_t *p, size_t len, size_t frag, uint8_t type, struct bytes *out)
{
	size_t i, n;

	for (i = 0; i < len; i += n) {
		uint8_t h[5];

		n = len - i < frag ? len - i : frag;
		h[0] = type;
		h[1] = 3;
		h[2] = 1;
		h[3] = (uint8_t)(n >> 8);
		h[4] = (uint8_t)n;
		bytes_add(out, h, 5);
		bytes_add(out, p + i, n);
	}
}

static void
test_grease_client_hello(void **state)
{
	static struct msg m;
	static struct tls_wire_facts f;
	struct bytes b = { 0 };

	(void)state;
	client_hello(&m, F_NONE);
	records(m.b, m.n, 16384, 22, &b);
	assert_int_equal(feed_whole(&b, true, &f), TLS_WIRE_DONE);
	assert_true(f.have_client_hello);
	assert_int_equal(f.client_legacy_version, 0x0303);
	assert_int_equal(f.n_client_versions, 2);
	assert_int_equal(f.client_versions[0], 0x0304);
	assert_int_equal(f.client_versions[1], 0x0303);
	assert_false(f.client_versions_truncated);
	assert_true(f.client_offers_tls13);
	assert_int_equal(f.n_client_ciphers, 4);
	assert_true(f.client_fallback_scsv);
	assert_string_equal(f.sni, "mx.example.net");
	check_splits(&b, true, TLS_WIRE_DONE, &f);
	bytes_free(&b);

	/* more versions than are kept */
	client_hello(&m, F_SV_MANY);
	records(m.b, m.n, 16384, 22, &b);
	assert_int_equal(feed_whole(&b, true, &f), TLS_WIRE_DONE);
	assert_int_equal(f.n_client_versions, TLS_WIRE_MAX_VERSIONS);
	assert_true(f.client_versions_truncated);
	bytes_free(&b);

	/* no extensions at all (SSLv3-era clients) */
	client_hello(&m, F_NO_EXTS);
	records(m.b, m.n, 16384, 22, &b);
	assert_int_equal(feed_whole(&b, true, &f), TLS_WIRE_DONE);
	assert_true(f.have_client_hello);
	assert_int_equal(f.n_client_versions, 0);
	assert_false(f.client_offers_tls13);
	assert_int_equal(f.n_client_ciphers, 4);
	assert_string_equal(f.sni, "");
	bytes_free(&b);
}

static void
test_bad_lengths(void **state)
{
	static const struct {
		enum flaw fl;
		const char *why;
	} t[] = {
		{ F_SID_33, "bad ClientHello session_id" },
		{ F_CIPHERS_ODD, "bad cipher_suites length" },
		{ F_NO_COMPRESSION, "bad compression_methods length" },
		{ F_EXTS_LONG, "bad ClientHello extensions length" },
		{ F_EXT_OVERRUN, "bad ClientHello extension length" },
		{ F_SNI_LIST, "bad server_name length" },
		{ F_SNI_NUL, "NUL in host_name" },
		{ F_SNI_DUP, "duplicate server_name" },
		{ F_SNI_LONG, "bad host_name length" },
		{ F_SV_ODD, "bad supported_versions length" },
		{ F_TRAILING, "bad ClientHello extensions length" },
	};
	static struct msg m;
	static struct tls_wire_facts f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct bytes b = { 0 };

		client_hello(&m, t[i].fl);
		records(m.b, m.n, 100, 22, &b);
		assert_int_equal(feed_whole(&b, true, &f), TLS_WIRE_ERROR);
		assert_string_equal(f.error, t[i].why);
		assert_false(f.have_client_hello);
		assert_int_equal(f.error_at, b.len);
		check_splits_err(&b, true, &f);
		bytes_free(&b);
	}
}

static void
test_oversized_client_hello(void **state)
{
	static struct msg m;
	static struct tls_wire_facts f;
	static const uint8_t alert[] = { 2, 40 };
	struct bytes b = { 0 };

	(void)state;
	client_hello(&m, F_PADDING_20K);
	assert_true(m.n > TLS_WIRE_MSG_MAX);
	records(m.b, m.n, 16384, 22, &b);
	records(alert, 2, 2, 21, &b);
	assert_int_equal(feed_whole(&b, true, &f), TLS_WIRE_DONE);
	assert_true(f.oversized);
	assert_false(f.have_client_hello);
	assert_string_equal(f.sni, "");
	/* framing went on after the skipped message */
	assert_true(f.alert_seen);
	assert_int_equal(f.alert_desc, 40);
	check_splits(&b, true, TLS_WIRE_DONE, &f);
	bytes_free(&b);
}

/* SSLv2-compatible ClientHello (RFC 5246 E.2), then a TLS alert record. */
static void
test_sslv2_client_hello(void **state)
{
	static const uint8_t v2[] = {
		0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10,
		0x00, 0x00, 0x2f, 0x00, 0x00, 0x35, 0x00, 0x00, 0x0a, 0x07, 0x00, 0xc0,
		0x03, 0x00, 0x80, 0x00, 0x56, 0x00, 0x00, 0x00, 0xff,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		0x15, 0x03, 0x01, 0x00, 0x02, 0x01, 0x00,
	};
	static struct tls_wire_facts f;
	struct bytes b = { 0 };

	(void)state;
	bytes_add(&b, v2, sizeof v2);
	assert_int_equal(tls_wire_sniff(v2, sizeof v2), 1);
	assert_int_equal(feed_whole(&b, true, &f), TLS_WIRE_DONE);
	assert_true(f.have_client_hello);
	assert_true(f.sslv2_hello);
	assert_int_equal(f.client_legacy_version, 0x0301);
	assert_int_equal(f.n_client_ciphers, 5);
	assert_true(f.client_fallback_scsv);
	assert_int_equal(f.n_client_versions, 0);
	assert_string_equal(f.sni, "");
	assert_true(f.alert_seen);
	assert_int_equal(f.alert_level, 1);
	assert_int_equal(f.alert_desc, 0);
	check_splits(&b, true, TLS_WIRE_DONE, &f);

	/* from the server it is an error, not "not TLS": sniff said TLS */
	assert_int_equal(feed_whole(&b, false, &f), TLS_WIRE_ERROR);
	assert_string_equal(f.error, "SSLv2-format ClientHello from the server");

	/* one challenge byte short of the announced length: the next
	 * record's first byte is taken, then the lengths do not add up */
	b.p[1] = 0x2f;
	assert_int_equal(feed_whole(&b, true, &f), TLS_WIRE_ERROR);
	assert_string_equal(f.error, "bad SSLv2 ClientHello length");
	assert_false(f.have_client_hello);
	assert_int_equal(f.client_legacy_version, 0);
	check_splits_err(&b, true, &f);
	b.p[1] = 0x2e;
	b.p[10] = 0x0f; /* challenge_length 15 */
	assert_int_equal(feed_whole(&b, true, &f), TLS_WIRE_ERROR);
	assert_string_equal(f.error, "bad SSLv2 challenge_length");
	b.p[10] = 0x10;
	b.p[6] = 0x14; /* cipher_spec_length 20 */
	assert_int_equal(feed_whole(&b, true, &f), TLS_WIRE_ERROR);
	assert_string_equal(f.error, "bad SSLv2 cipher_spec_length");
	b.p[6] = 0x15;
	b.p[8] = 0x05; /* session_id_length 5 */
	assert_int_equal(feed_whole(&b, true, &f), TLS_WIRE_ERROR);
	assert_string_equal(f.error, "bad SSLv2 session_id_length");
	bytes_free(&b);

	/* the largest an SSLv2 header can announce: skipped, not buffered */
	{
		static uint8_t big[2 + 0x7fff];

		memset(big, 0, sizeof big);
		memcpy(big, "\xff\xff\x01\x03\x01", 5);
		bytes_add(&b, big, sizeof big);
		bytes_add(&b, "\x15\x03\x01\x00\x02\x02\x28", 7);
		assert_int_equal(feed_whole(&b, true, &f), TLS_WIRE_DONE);
		assert_true(f.oversized);
		assert_false(f.have_client_hello);
		assert_int_equal(f.client_legacy_version, 0);
		assert_true(f.alert_seen);
		assert_int_equal(f.alert_desc, 40);
		check_splits(&b, true, TLS_WIRE_DONE, &f);
		bytes_free(&b);
	}
}

/* A ServerHello: legacy version, extensions as given (may be NULL). */
static void
server_hello(struct msg *m, bool hrr, const uint8_t *ext, size_t extlen, uint16_t cipher)
{
	static const uint8_t hrr_random[32] = {
		0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02,
		0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e,
		0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
	};
	static const uint8_t random[32] = {
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
		23, 24, 'D', 'O', 'W', 'N', 'G', 'R', 'D', 1,
	};
	size_t hs, v;

	m->n = 0;
	put8(m, 2);
	hs = open_vec(m, 3);
	put16(m, 0x0303);
	putn(m, hrr ? hrr_random : random, 32);
	put8(m, 0);
	put16(m, cipher);
	put8(m, 0);
	if (ext != NULL) {
		v = open_vec(m, 2);
		putn(m, ext, extlen);
		close_vec(m, v, 2, 0);
	}
	close_vec(m, hs, 3, 0);
}

static void
test_server_hello_checks(void **state)
{
	static const uint8_t sv13_ks[] = { 0, 43, 0, 2, 3, 4, 0, 51, 0, 6, 0, 0x1d, 0, 2, 0xaa, 0xbb };
	static const uint8_t sv12[] = { 0, 43, 0, 2, 3, 3 };
	static const uint8_t hrr_ext[] = { 0, 43, 0, 2, 3, 4, 0, 51, 0, 2, 0, 0x17 };
	static const uint8_t sv_long[] = { 0, 43, 0, 3, 3, 4, 0 };
	static const uint8_t ks_bad[] = { 0, 43, 0, 2, 3, 4, 0, 51, 0, 4, 0, 0x1d, 0, 2 };
	static const uint8_t ccs[] = { 1 };
	static struct msg m;
	static struct tls_wire_facts f;
	struct bytes b = { 0 };
	static uint8_t two[2 * sizeof m.b];
	size_t n1;

	(void)state;
	/* TLS 1.2 ServerHello with the downgrade sentinel, no Certificate yet */
	server_hello(&m, false, NULL, 0, 0xc02f);
	records(m.b, m.n, 16384, 22, &b);
	assert_int_equal(feed_whole(&b, false, &f), TLS_WIRE_MORE);
	assert_true(f.have_server_hello);
	assert_int_equal(f.version, 0x0303);
	assert_int_equal(f.downgrade_sentinel, 0x0303);
	/* then a ServerHelloDone instead of a Certificate: done, no cert */
	records((const uint8_t *)"\x0e\x00\x00\x00", 4, 4, 22, &b);
	assert_int_equal(feed_whole(&b, false, &f), TLS_WIRE_DONE);
	assert_false(f.have_cert);
	assert_false(f.encrypted);
	bytes_free(&b);

	/* TLS 1.3 with a key share */
	server_hello(&m, false, sv13_ks, sizeof sv13_ks, 0x1301);
	records(m.b, m.n, 16384, 22, &b);
	assert_int_equal(feed_whole(&b, false, &f), TLS_WIRE_DONE);
	assert_int_equal(f.version, 0x0304);
	assert_int_equal(f.group, 0x001d);
	assert_true(f.encrypted);
	bytes_free(&b);

	/* ... with the next message in the same record: a key change inside
	 * a record */
	memcpy(two, m.b, m.n);
	memcpy(two + m.n, "\x08\x00\x00\x00", 4);
	records(two, m.n + 4, 16384, 22, &b);
	assert_int_equal(feed_whole(&b, false, &f), TLS_WIRE_ERROR);
	assert_string_equal(f.error, "handshake data after a TLS 1.3 ServerHello");
	bytes_free(&b);

	/* supported_versions selecting TLS 1.2, too long, bad key_share */
	server_hello(&m, false, sv12, sizeof sv12, 0xc02f);
	records(m.b, m.n, 16384, 22, &b);
	assert_int_equal(feed_whole(&b, false, &f), TLS_WIRE_ERROR);
	assert_string_equal(f.error, "supported_versions selects a version below TLS 1.3");
	bytes_free(&b);
	server_hello(&m, false, sv_long, sizeof sv_long, 0x1301);
	records(m.b, m.n, 16384, 22, &b);
	assert_int_equal(feed_whole(&b, false, &f), TLS_WIRE_ERROR);
	assert_string_equal(f.error, "bad supported_versions length");
	bytes_free(&b);
	server_hello(&m, false, ks_bad, sizeof ks_bad, 0x1301);
	records(m.b, m.n, 16384, 22, &b);
	assert_int_equal(feed_whole(&b, false, &f), TLS_WIRE_ERROR);
	assert_string_equal(f.error, "bad key_share length");
	bytes_free(&b);

	/* HRR, compatibility CCS, a second HRR */
	server_hello(&m, true, hrr_ext, sizeof hrr_ext, 0x1302);
	n1 = m.n;
	memcpy(two, m.b, n1);
	records(two, n1, 16384, 22, &b);
	records(ccs, 1, 1, 20, &b);
	assert_int_equal(feed_whole(&b, false, &f), TLS_WIRE_MORE);
	assert_true(f.hello_retry_request);
	assert_int_equal(f.group, 0x0017);
	assert_int_equal(f.downgrade_sentinel, 0);
	assert_false(f.encrypted);
	records(two, n1, 16384, 22, &b);
	assert_int_equal(feed_whole(&b, false, &f), TLS_WIRE_ERROR);
	assert_string_equal(f.error, "second HelloRetryRequest");
	bytes_free(&b);

	/* duplicate extensions */
	{
		static const uint8_t dup_sv[] = { 0, 43, 0, 2, 3, 4, 0, 43, 0, 2, 3, 4 };
		static const uint8_t dup_ks[] = { 0, 51, 0, 2, 0, 0x17, 0, 51, 0, 2, 0, 0x17,
		    0, 43, 0, 2, 3, 4 };

		server_hello(&m, false, dup_sv, sizeof dup_sv, 0x1301);
		records(m.b, m.n, 16384, 22, &b);
		assert_int_equal(feed_whole(&b, false, &f), TLS_WIRE_ERROR);
		assert_string_equal(f.error, "duplicate supported_versions");
		bytes_free(&b);
		server_hello(&m, true, dup_ks, sizeof dup_ks, 0x1301);
		records(m.b, m.n, 16384, 22, &b);
		assert_int_equal(feed_whole(&b, false, &f), TLS_WIRE_ERROR);
		assert_string_equal(f.error, "duplicate key_share");
		assert_false(f.hello_retry_request);
		bytes_free(&b);
	}

	/* HRR without supported_versions */
	server_hello(&m, true, NULL, 0, 0x1302);
	records(m.b, m.n, 16384, 22, &b);
	assert_int_equal(feed_whole(&b, false, &f), TLS_WIRE_ERROR);
	assert_string_equal(f.error, "HelloRetryRequest without supported_versions");
	bytes_free(&b);
}

static void
test_certificate_checks(void **state)
{
	static struct msg m;
	static struct tls_wire_facts f;
	static const struct {
		const char *msg;
		size_t len;
		const char *why;
	} t[] = {
		{ "\x0b\x00\x00\x00", 4, "Certificate too short" },
		/* list length one more than the message holds */
		{ "\x0b\x00\x00\x08\x00\x00\x06\x00\x00\x02\xaa\xbb", 12, "bad certificate_list length" },
		/* entry longer than the list */
		{ "\x0b\x00\x00\x08\x00\x00\x05\x00\x00\x03\xaa\xbb", 12, "bad certificate entry length" },
		/* empty entry */
		{ "\x0b\x00\x00\x06\x00\x00\x03\x00\x00\x00", 10, "bad certificate entry length" },
		/* two bytes left over, not an entry header */
		{ "\x0b\x00\x00\x0a\x00\x00\x07\x00\x00\x02\xaa\xbb\x00\x00", 14,
		  "bad certificate entry length" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct bytes b = { 0 };

		server_hello(&m, false, NULL, 0, 0x002f);
		records(m.b, m.n, 16384, 22, &b);
		records((const uint8_t *)t[i].msg, t[i].len, 16384, 22, &b);
		assert_int_equal(feed_whole(&b, false, &f), TLS_WIRE_ERROR);
		assert_string_equal(f.error, t[i].why);
		assert_false(f.have_cert);
		assert_int_equal(f.cert_der_len, 0);
		assert_true(f.have_server_hello); /* kept from before the error */
		bytes_free(&b);
	}
	/* a valid chain of two, and an empty one */
	{
		struct bytes b = { 0 };

		server_hello(&m, false, NULL, 0, 0x002f);
		records(m.b, m.n, 16384, 22, &b);
		records((const uint8_t *)"\x0b\x00\x00\x0d\x00\x00\x0a\x00\x00\x02\xaa\xbb"
		    "\x00\x00\x02\xcc\xdd", 17, 3, 22, &b);
		/* static RSA: no ServerKeyExchange, the Certificate alone is
		 * not the end; ServerHelloDone is */
		assert_int_equal(feed_whole(&b, false, &f), TLS_WIRE_MORE);
		records((const uint8_t *)"\x0e\x00\x00\x00", 4, 16384, 22, &b);
		assert_int_equal(feed_whole(&b, false, &f), TLS_WIRE_DONE);
		assert_false(f.have_ske);
		assert_int_equal(f.n_certs, 2);
		assert_int_equal(f.cert_len, 2);
		assert_memory_equal(f.cert_der, "\xaa\xbb", 2);
		check_splits(&b, false, TLS_WIRE_DONE, &f);
		bytes_free(&b);
		server_hello(&m, false, NULL, 0, 0x002f);
		records(m.b, m.n, 16384, 22, &b);
		records((const uint8_t *)"\x0b\x00\x00\x03\x00\x00\x00", 7, 16384, 22, &b);
		records((const uint8_t *)"\x0e\x00\x00\x00", 4, 16384, 22, &b);
		assert_int_equal(feed_whole(&b, false, &f), TLS_WIRE_DONE);
		assert_true(f.have_cert);
		assert_int_equal(f.n_certs, 0);
		assert_int_equal(f.cert_len, 0);
		bytes_free(&b);
	}
}

static void
test_record_errors(void **state)
{
	static struct msg m;
	static struct tls_wire_facts f;
	static const struct {
		bool from_client;
		const char *in;
		size_t len;
		const char *why;
	} t[] = {
		{ true, "\x17\x03\x03\x00\x02\xab\xcd", 7, "application data before the hello" },
		{ false, "\x14\x03\x03\x00\x01\x01", 6, "ChangeCipherSpec before the hello" },
		{ true, "\x15\x03\x03\x00\x03\x02\x28\x00", 8, "alert record not 2 bytes" },
		{ true, "\x15\x03\x03\x00\x02\x03\x28", 7, "bad alert level" },
		{ true, "\x16\x03\x01\x40\x01", 5, "record too long" },
		{ false, "\x16\x03\x03\x00\x04\x0b\x00\x00\x00", 9, "expected a ServerHello" },
		{ true, "\x16\x03\x03\x00\x04\x02\x00\x00\x00", 9,
		  "first handshake message is not a ClientHello" },
		{ true, "\x16\x03\x03\x00\x04\x01\x00\x00\x00", 9, "ClientHello too short" },
		{ false, "\x16\x03\x03\x00\x06\x02\x00\x00\x02\x03\x03", 11, "ServerHello too short" },
		/* a fragment of a ClientHello, then an alert record */
		{ true, "\x16\x03\x01\x00\x02\x01\x00\x15\x03\x01\x00\x02\x02\x28", 14,
		  "record inside a fragmented handshake message" },
	};
	size_t i;
	struct bytes b = { 0 };
	enum tls_wire_status st;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		bytes_add(&b, t[i].in, t[i].len);
		assert_int_equal(feed_whole(&b, t[i].from_client, &f), TLS_WIRE_ERROR);
		if (strcmp(f.error, t[i].why) != 0)
			fail_msg("case %zu: \"%s\", want \"%s\"", i, f.error, t[i].why);
		check_splits_err(&b, t[i].from_client, &f);
		bytes_free(&b);
	}

	/* after a good ClientHello: an empty handshake record, a bad content
	 * type, a bad record version; the facts stay */
	client_hello(&m, F_NONE);
	records(m.b, m.n, 16384, 22, &b);
	bytes_add(&b, "\x16\x03\x03\x00\x00", 5);
	assert_int_equal(feed_whole(&b, true, &f), TLS_WIRE_ERROR);
	assert_string_equal(f.error, "empty handshake record");
	assert_true(f.have_client_hello);
	b.p[b.len - 5] = 0x30;
	assert_int_equal(feed_whole(&b, true, &f), TLS_WIRE_ERROR);
	assert_string_equal(f.error, "bad record content type");
	b.p[b.len - 5] = 0x16;
	b.p[b.len - 4] = 0x04;
	assert_int_equal(feed_whole(&b, true, &f), TLS_WIRE_ERROR);
	assert_string_equal(f.error, "bad record version");
	assert_int_equal(f.error_at, b.len);

	/* an error is sticky */
	tls_wire_init(&wire, true);
	st = tls_wire_feed(&wire, b.p, b.len);
	assert_int_equal(st, TLS_WIRE_ERROR);
	st = tls_wire_feed(&wire, (const uint8_t *)"\x15\x03\x03\x00\x02\x02\x28", 7);
	assert_int_equal(st, TLS_WIRE_ERROR);
	assert_false(tls_wire_facts(&wire)->alert_seen);
	assert_int_equal(tls_wire_facts(&wire)->bytes, b.len);
	/* and init starts over */
	tls_wire_init(&wire, true);
	assert_int_equal(tls_wire_feed(&wire, b.p, 3), TLS_WIRE_MORE);
	assert_int_equal(tls_wire_facts(&wire)->bytes, 3);
	bytes_free(&b);
}

/* tls_wire_cert_validity() against OpenSSL's own reading of the same DER:
 * UTCTime and GeneralizedTime (after 2049), no version field, a prefix
 * that still holds the validity, and bytes that are not a certificate. */
static int64_t
asn1_epoch(const ASN1_TIME *t)
{
	struct tm tm;

	assert_int_equal(ASN1_TIME_to_tm(t, &tm), 1);
	return (int64_t)timegm(&tm);
}

static void
check_validity(X509 *x)
{
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);
	int64_t nb = 0, na = 0;

	assert_true(len > 0);
	assert_true(tls_wire_cert_validity(der, (size_t)len, &nb, &na));
	assert_int_equal(nb, asn1_epoch(X509_get0_notBefore(x)));
	assert_int_equal(na, asn1_epoch(X509_get0_notAfter(x)));
	/* a prefix that ends right after the validity still reads */
	assert_true(tls_wire_cert_validity(der, 200, &nb, &na));
	assert_int_equal(na, asn1_epoch(X509_get0_notAfter(x)));
	/* every shorter prefix fails cleanly or reads the same (never past len) */
	for (int cut = 0; cut < 200; cut++) {
		int64_t a = 0, b = 0;
		if (tls_wire_cert_validity(der, (size_t)cut, &a, &b))
			assert_int_equal(b, na);
	}
	OPENSSL_free(der);
}

static void
test_cert_validity(void **state)
{
	X509 *x;
	uint8_t junk[64];

	(void)state;
	check_validity(certs[CERT_RSA]);
	check_validity(certs[CERT_EC]);
	check_validity(certs[CERT_BIG]);
	/* GeneralizedTime: a notAfter in 2051; and a v1 certificate (no [0]) */
	x = X509_dup(certs[CERT_EC]);
	assert_non_null(x);
	assert_non_null(ASN1_TIME_set_string(X509_getm_notAfter(x), "20510102030405Z"));
	assert_true(X509_set_version(x, 0));
	assert_true(X509_sign(x, keys[CERT_EC], EVP_sha256()) > 0);
	check_validity(x);
	{
		unsigned char *der = NULL;
		int len = i2d_X509(x, &der);
		int64_t nb, na;

		assert_true(tls_wire_cert_validity(der, (size_t)len, &nb, &na));
		assert_int_equal(na, 2556241445);   /* 2051-01-02T03:04:05Z */
		OPENSSL_free(der);
	}
	X509_free(x);
	/* not certificates */
	memset(junk, 0x30, sizeof junk);
	{
		int64_t nb, na;
		assert_false(tls_wire_cert_validity(junk, sizeof junk, &nb, &na));
		assert_false(tls_wire_cert_validity(junk, 0, &nb, &na));
		memcpy(junk, "\x30\x84\xff\xff\xff\xff", 6);
		assert_false(tls_wire_cert_validity(junk, sizeof junk, &nb, &na));
	}
}


/* ---- what the rating needs: ServerKeyExchange and the leaf's key ---- */

/* DHE with the RFC 7919 groups and with RFC 3526's MODP group: the bits of
 * p, and the group named only when it is RFC 7919's (what OpenSSL's
 * EVP_PKEY_get_group_name() says for the active probe). */
static void
test_tls12_dhe(void **state)
{
	static const struct {
		const char *group;
		unsigned bits;
		uint16_t id;
	} t[] = {
		{ "ffdhe2048", 2048, 0x0100 },
		{ "ffdhe3072", 3072, 0x0101 },
		{ "modp_2048", 2048, 0 },
	};
	static struct tls_wire_facts f;

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct scenario sc = { .max_version = TLS1_2_VERSION,
		    .ciphers = "DHE-RSA-AES128-GCM-SHA256", .cert = CERT_RSA,
		    .dh_group = t[i].group };
		struct run r;

		check_handshake(&sc, TLS1_2_VERSION, 0x009e, &r);
		assert_int_equal(feed_whole(&r.s2c, false, &f), TLS_WIRE_DONE);
		assert_true(f.have_ske);
		assert_int_equal(f.dh_bits, t[i].bits);
		assert_int_equal(f.ske_group, t[i].id);
		if (t[i].id != 0)
			assert_string_equal(rating_group_name(f.ske_group), t[i].group);
		run_free(&r);
	}
}

/* TLS 1.2 ECDHE on each curve the client allows: the named_curve. */
static void
test_tls12_ecdhe_groups(void **state)
{
	static const char *const groups[] = { "X25519", "P-256", "P-384", "P-521", "X448" };
	static struct tls_wire_facts f;

	(void)state;
	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
		struct scenario sc = { .max_version = TLS1_2_VERSION,
		    .ciphers = "ECDHE-RSA-AES256-GCM-SHA384", .cert = CERT_RSA,
		    .client_groups = groups[i] };
		struct run r;

		check_handshake(&sc, TLS1_2_VERSION, 0xc030, &r);
		feed_whole(&r.s2c, false, &f);
		assert_int_equal(f.ske_group, iana_group(r.group_nid));
		assert_non_null(rating_group_name(f.ske_group));
		run_free(&r);
	}
}

/* A ServerKeyExchange message after a ServerHello with this suite. */
static enum tls_wire_status
feed_ske(uint16_t cipher, const uint8_t *body, size_t len, struct tls_wire_facts *f)
{
	static struct msg m;
	struct bytes b = { 0 };
	enum tls_wire_status st;
	uint8_t h[4] = { 12, (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len };

	server_hello(&m, false, NULL, 0, cipher);
	records(m.b, m.n, 16384, 22, &b);
	m.n = 0;
	putn(&m, h, 4);
	putn(&m, body, len);
	records(m.b, m.n, 16384, 22, &b);
	st = feed_whole(&b, false, f);
	if (st == TLS_WIRE_ERROR)
		check_splits_err(&b, false, f);
	else
		check_splits(&b, false, st, f);
	bytes_free(&b);
	return st;
}

/* The five RFC 7919 primes as OpenSSL has them, each in a hand-made
 * ServerKeyExchange (the prime with a bit flipped is no group); the other
 * forms of the message. */
static void
test_ske_forms(void **state)
{
	static const char *const names[] = { "ffdhe2048", "ffdhe3072", "ffdhe4096",
	    "ffdhe6144", "ffdhe8192" };
	static struct tls_wire_facts f;
	static struct msg m;

	(void)state;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		EVP_PKEY *dh = dh_params(names[i]);
		BIGNUM *p = NULL;
		uint8_t pb[1024];
		int n;

		assert_int_equal(EVP_PKEY_get_bn_param(dh, OSSL_PKEY_PARAM_FFC_P, &p), 1);
		n = BN_bn2bin(p, pb);
		assert_true(n > 0 && (size_t)n <= sizeof pb);
		for (int flip = 0; flip < 2; flip++) {
			m.n = 0;
			put16(&m, (unsigned)n + 1);
			put8(&m, 0);                 /* a leading zero: not counted */
			putn(&m, pb, (size_t)n);
			if (flip)
				m.b[m.n - 9] ^= 0x10;
			put16(&m, 1);
			put8(&m, 2);                 /* g */
			put16(&m, 1);
			put8(&m, 5);                 /* Ys */
			assert_int_equal(feed_ske(0x009e, m.b, m.n, &f), TLS_WIRE_DONE);
			assert_true(f.have_ske);
			assert_int_equal(f.dh_bits, (unsigned)EVP_PKEY_get_bits(dh));
			assert_int_equal(f.ske_group, flip ? 0 : 0x0100 + i);
			if (!flip)
				assert_string_equal(rating_group_name(f.ske_group), names[i]);
		}
		BN_free(p);
		EVP_PKEY_free(dh);
	}
	/* ECDHE: named_curve; explicit curves are unknown, not an error */
	assert_int_equal(feed_ske(0xc02f, (const uint8_t *)"\x03\x00\x17\x01\x04", 5, &f),
	    TLS_WIRE_DONE);
	assert_int_equal(f.ske_group, 0x0017);
	assert_int_equal(feed_ske(0xc02f, (const uint8_t *)"\x01\x00\x17\x01\x04", 5, &f),
	    TLS_WIRE_DONE);
	assert_true(f.have_ske);
	assert_int_equal(f.ske_group, 0);
	/* malformed */
	assert_int_equal(feed_ske(0xc02f, (const uint8_t *)"\x03\x00\x17\x05\x04", 5, &f),
	    TLS_WIRE_ERROR);
	assert_string_equal(f.error, "bad ServerKeyExchange ECParameters");
	assert_int_equal(f.ske_group, 0);
	assert_int_equal(feed_ske(0xc02f, (const uint8_t *)"", 0, &f), TLS_WIRE_ERROR);
	assert_string_equal(f.error, "ServerKeyExchange too short");
	assert_int_equal(feed_ske(0x009e, (const uint8_t *)"\x00\x03\x01\x02", 4, &f),
	    TLS_WIRE_ERROR);
	assert_string_equal(f.error, "bad ServerKeyExchange dh_p");
	assert_int_equal(feed_ske(0x009e, (const uint8_t *)"\x00\x01\xff\x00\x01", 5, &f),
	    TLS_WIRE_ERROR);
	assert_string_equal(f.error, "bad ServerKeyExchange dh_g or dh_Ys");
	assert_int_equal(f.dh_bits, 8);      /* read before the error */
	/* a PSK suite's ServerKeyExchange (identity hint first): not read */
	assert_int_equal(feed_ske(0xc035, (const uint8_t *)"\x00\x00\x03\x00\x17\x01\x04", 7,
	    &f), TLS_WIRE_DONE);
	assert_true(f.have_ske);
	assert_int_equal(f.ske_group, 0);
	assert_int_equal(f.dh_bits, 0);
}

/* A certificate of this key, signed with md (NULL for EdDSA); pss: RSA-PSS
 * padding. */
static X509 *
cert_of(EVP_PKEY *key, const EVP_MD *md, bool pss)
{
	X509 *x = X509_new();
	X509_NAME *name;
	EVP_MD_CTX *mc;
	EVP_PKEY_CTX *pc = NULL;

	assert_non_null(x);
	assert_true(X509_set_version(x, 2));
	assert_true(ASN1_INTEGER_set(X509_get_serialNumber(x), 7));
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
	assert_true(X509_set_pubkey(x, key));
	name = X509_get_subject_name(x);
	assert_true(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"key.example.net", -1, -1, 0));
	assert_true(X509_set_issuer_name(x, name));
	mc = EVP_MD_CTX_new();
	assert_non_null(mc);
	assert_int_equal(EVP_DigestSignInit(mc, &pc, md, NULL, key), 1);
	if (pss)
		assert_true(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) > 0);
	assert_true(X509_sign_ctx(x, mc) > 0);
	EVP_MD_CTX_free(mc);
	return x;
}

static EVP_PKEY *
rsa_pss_key(void)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
	EVP_PKEY *key = NULL;

	assert_non_null(pc);
	assert_int_equal(EVP_PKEY_keygen_init(pc), 1);
	assert_true(EVP_PKEY_CTX_set_rsa_keygen_bits(pc, 2048) > 0);
	assert_int_equal(EVP_PKEY_keygen(pc, &key), 1);
	EVP_PKEY_CTX_free(pc);
	return key;
}

static EVP_PKEY *
dsa_key(int bits)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL);
	EVP_PKEY *params = NULL, *key = NULL;

	assert_non_null(pc);
	assert_int_equal(EVP_PKEY_paramgen_init(pc), 1);
	assert_true(EVP_PKEY_CTX_set_dsa_paramgen_bits(pc, bits) > 0);
	assert_int_equal(EVP_PKEY_paramgen(pc, &params), 1);
	EVP_PKEY_CTX_free(pc);
	pc = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
	assert_non_null(pc);
	assert_int_equal(EVP_PKEY_keygen_init(pc), 1);
	assert_int_equal(EVP_PKEY_keygen(pc, &key), 1);
	EVP_PKEY_CTX_free(pc);
	EVP_PKEY_free(params);
	return key;
}

/* Every key type and signature hash the rating knows, made by OpenSSL;
 * tls_wire_cert_key() must say what OpenSSL says, whole and cut at the
 * end of the subjectPublicKeyInfo; shorter cuts and junk are refused. */
static void
test_cert_keys(void **state)
{
	struct {
		EVP_PKEY *key;
		const EVP_MD *md;
		bool pss;
		const char *type, *curve, *hash;
	} t[] = {
		{ keys[CERT_RSA], EVP_sha256(), false, "RSA", NULL, "SHA256" },
		{ keys[CERT_RSA], EVP_sha1(), false, "RSA", NULL, "SHA1" },
		{ keys[CERT_RSA], EVP_md5(), false, "RSA", NULL, "MD5" },
		{ keys[CERT_RSA], EVP_sha224(), false, "RSA", NULL, "SHA224" },
		{ keys[CERT_RSA], EVP_sha384(), true, "RSA", NULL, "SHA384" },
		{ keys[CERT_RSA], EVP_sha1(), true, "RSA", NULL, "SHA1" },
		{ EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024), EVP_sha512(), false, "RSA",
		  NULL, "SHA512" },
		{ EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072), EVP_sha256(), false, "RSA",
		  NULL, "SHA256" },
		{ rsa_pss_key(), EVP_sha256(), false,
		  "RSA-PSS", NULL, "SHA256" },
		{ keys[CERT_EC], EVP_sha256(), false, "EC", "secp256r1", "SHA256" },
		{ keys[CERT_EC], EVP_sha1(), false, "EC", "secp256r1", "SHA1" },
		{ EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"), EVP_sha384(), false, "EC",
		  "secp384r1", "SHA384" },
		{ EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521"), EVP_sha512(), false, "EC",
		  "secp521r1", "SHA512" },
		{ EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-224"), EVP_sha224(), false, "EC",
		  "secp224r1", "SHA224" },
		{ EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1"), EVP_sha256(), false, "EC",
		  "secp256k1", "SHA256" },
		{ EVP_PKEY_Q_keygen(NULL, NULL, "EC", "brainpoolP256r1"), EVP_sha256(), false,
		  "EC", "brainpoolP256r1", "SHA256" },
		{ EVP_PKEY_Q_keygen(NULL, NULL, "EC", "brainpoolP384r1"), EVP_sha384(), false,
		  "EC", "brainpoolP384r1", "SHA384" },
		{ EVP_PKEY_Q_keygen(NULL, NULL, "EC", "brainpoolP512r1"), EVP_sha512(), false,
		  "EC", "brainpoolP512r1", "SHA512" },
		{ EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"), NULL, false, "ED25519", NULL,
		  "ED25519" },
		{ EVP_PKEY_Q_keygen(NULL, NULL, "ED448"), NULL, false, "ED448", NULL, "ED448" },
		{ dsa_key(1024), EVP_sha256(), false, "DSA", NULL, "SHA256" },
		{ dsa_key(1024), EVP_sha1(), false, "DSA", NULL, "SHA1" },
	};
	static uint8_t junk[64];
	struct tls_wire_cert_key k;

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		X509 *x;
		unsigned char *der = NULL, *spki = NULL;
		int len, slen;
		size_t end;

		if (t[i].key == NULL)
			fail_msg("no key for entry %zu (%s %s)", i, t[i].type,
			    t[i].curve ? t[i].curve : "");
		x = cert_of(t[i].key, t[i].md, t[i].pss);
		len = i2d_X509(x, &der);
		assert_true(len > 0);
		check_cert_key(der, (size_t)len, x);
		assert_true(tls_wire_cert_key(der, (size_t)len, &k));
		assert_string_equal(k.key_type, t[i].type);
		if (t[i].curve != NULL)
			assert_string_equal(k.key_curve, t[i].curve);
		else
			assert_null(k.key_curve);
		assert_string_equal(k.sig_hash, t[i].hash);
		/* the subjectPublicKeyInfo is the last thing read: cut there */
		slen = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &spki);
		assert_true(slen > 0);
		for (end = 0; end + (size_t)slen <= (size_t)len; end++)
			if (memcmp(der + end, spki, (size_t)slen) == 0)
				break;
		assert_true(end + (size_t)slen <= (size_t)len);
		end += (size_t)slen;
		check_cert_key(der, end, x);
		for (size_t cut = 0; cut < end; cut++)
			assert_false(tls_wire_cert_key(der, cut, &k));
		OPENSSL_free(spki);
		OPENSSL_free(der);
		X509_free(x);
		if (t[i].key != keys[CERT_RSA] && t[i].key != keys[CERT_EC])
			EVP_PKEY_free(t[i].key);
	}
	/* not certificates */
	assert_false(tls_wire_cert_key(junk, 0, &k));
	assert_null(k.key_type);
	memset(junk, 0x30, sizeof junk);
	assert_false(tls_wire_cert_key(junk, sizeof junk, &k));
	memcpy(junk, "\x30\x84\xff\xff\xff\xff", 6);
	assert_false(tls_wire_cert_key(junk, sizeof junk, &k));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls13_aes128gcm),
		cmocka_unit_test(test_tls13_chacha20),
		cmocka_unit_test(test_tls12_ecdhe_rsa_aesgcm),
		cmocka_unit_test(test_tls12_static_rsa_cbc),
		cmocka_unit_test(test_tls12_ec_cert),
		cmocka_unit_test(test_tls11),
		cmocka_unit_test(test_tls10),
		cmocka_unit_test(test_hello_retry_request),
		cmocka_unit_test(test_tls12_small_records),
		cmocka_unit_test(test_big_certificate),
		cmocka_unit_test(test_version_mismatch_alert),
		cmocka_unit_test(test_alerts_after_hello),
		cmocka_unit_test(test_plaintext_not_tls),
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupted),
		cmocka_unit_test(test_grease_client_hello),
		cmocka_unit_test(test_bad_lengths),
		cmocka_unit_test(test_oversized_client_hello),
		cmocka_unit_test(test_sslv2_client_hello),
		cmocka_unit_test(test_server_hello_checks),
		cmocka_unit_test(test_certificate_checks),
		cmocka_unit_test(test_record_errors),
		cmocka_unit_test(test_cert_validity),
		cmocka_unit_test(test_tls12_dhe),
		cmocka_unit_test(test_tls12_ecdhe_groups),
		cmocka_unit_test(test_ske_forms),
		cmocka_unit_test(test_cert_keys),
	};
	return cmocka_run_group_tests_name("tls_wire", tests, setup_certs, teardown_certs);
}
