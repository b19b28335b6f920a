/* Unit tests for probes/smtp_wire: whole SMTP sessions, both directions, as
 * a capture delivers them. The TLS parts are real: an OpenSSL client and
 * server talk through memory BIOs in this process and every flight each side
 * writes becomes one segment of the session, after a plaintext dialogue
 * (STARTTLS) or alone (implicit TLS). Every session is fed whole, one byte
 * at a time and cut at random, and must give the same facts; the test pool
 * counts the readers lent and checks that each one comes back. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "smtp_wire.h"

#define C2S SMTP_WIRE_C2S
#define S2C SMTP_WIRE_S2C

/* ---- a session: segments in capture order ---- */

#define MAX_SEGS 128

struct seg {
	int dir;          /* C2S, S2C, or GAP_C / GAP_S: len bytes lost */
	uint8_t *p;
	size_t len;
};

#define GAP_C 2
#define GAP_S 3

struct script {
	struct seg s[MAX_SEGS];
	size_t n;
};

static void
add(struct script *sc, int dir, const void *p, size_t len)
{
	struct seg *g;

	assert_true(sc->n < MAX_SEGS);
	g = &sc->s[sc->n++];
	g->dir = dir;
	g->len = len;
	g->p = NULL;
	if (dir == C2S || dir == S2C) {
		g->p = malloc(len ? len : 1);
		assert_non_null(g->p);
		if (len > 0)
			memcpy(g->p, p, len);
	}
}

static void
S(struct script *sc, const char *text)
{
	add(sc, S2C, text, strlen(text));
}

static void
C(struct script *sc, const char *text)
{
	add(sc, C2S, text, strlen(text));
}

static void
gap(struct script *sc, int dir, size_t n)
{
	add(sc, dir == C2S ? GAP_C : GAP_S, NULL, n);
}

static void
script_free(struct script *sc)
{
	size_t i;

	for (i = 0; i < sc->n; i++)
		free(sc->s[i].p);
	sc->n = 0;
}

/* ---- the test pool: two readers, every get and put counted ---- */

struct tpool {
	struct tls_wire w[2];
	bool used[2];
	int limit;          /* readers it will lend at once */
	int gets, fails, puts, dones;
	int done_dir[8];
	struct tls_wire_facts done[2]; /* the last facts handed per direction */
};

static struct tpool tp;

static struct tls_wire *
tp_get(void *arg)
{
	struct tpool *t = arg;
	int i, inuse = 0;

	for (i = 0; i < 2; i++)
		inuse += t->used[i];
	if (inuse >= t->limit) {
		t->fails++;
		return NULL;
	}
	for (i = 0; i < 2; i++)
		if (!t->used[i]) {
			t->used[i] = true;
			t->gets++;
			memset(&t->w[i], 0xa5, sizeof t->w[i]);   /* smtp_wire must init it */
			return &t->w[i];
		}
	t->fails++;
	return NULL;
}

static void
tp_put(void *arg, struct tls_wire *w)
{
	struct tpool *t = arg;
	int i = (int)(w - t->w);

	assert_true(i == 0 || i == 1);
	assert_true(t->used[i]);
	t->used[i] = false;
	t->puts++;
}

static void
tp_done(void *arg, int dir, const struct tls_wire_facts *f)
{
	struct tpool *t = arg;

	assert_true(dir == C2S || dir == S2C);
	/* the reader is still lent while its facts are read */
	assert_true(t->used[0] || t->used[1]);
	if (t->dones < 8)
		t->done_dir[t->dones] = dir;
	t->dones++;
	memcpy(&t->done[dir], f, sizeof *f);
}

static const struct smtp_wire_pool test_pool = { tp_get, tp_put, tp_done, &tp };

static void
tp_reset(int limit)
{
	memset(&tp, 0, sizeof tp);
	tp.limit = limit;
}

static void
tp_balanced(void)
{
	assert_int_equal(tp.gets, tp.puts);
	assert_false(tp.used[0]);
	assert_false(tp.used[1]);
	assert_int_equal(tp.dones, tp.puts);
}

/* ---- feeding ---- */

static struct smtp_wire sw;

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
assert_sane(const struct smtp_wire *w)
{
	const struct smtp_wire_facts *f = smtp_wire_facts(w);

	assert_non_null(memchr(f->banner, '\0', sizeof f->banner));
	assert_non_null(memchr(f->mangled, '\0', sizeof f->mangled));
	assert_non_null(memchr(f->auth_pretls, '\0', sizeof f->auth_pretls));
	assert_non_null(memchr(f->starttls_reply, '\0', sizeof f->starttls_reply));
	assert_non_null(memchr(f->last_reply, '\0', sizeof f->last_reply));
	assert_non_null(memchr(f->sni, '\0', sizeof f->sni));
	assert_non_null(memchr(f->tls_error, '\0', sizeof f->tls_error));
	assert_non_null(smtp_wire_phase_name(smtp_wire_phase(w)));
}

enum { WHOLE, BYTES, RANDOM };

/* Feed segments [from, to) in the given way; counts FINAL answers and
 * remembers the segment of the first. */
struct fed {
	int finals;
	int final_seg;     /* -1 none */
};

static void
feed_range(const struct script *sc, size_t from, size_t to, int mode, struct fed *out)
{
	size_t i, off, n;
	enum smtp_wire_status st;

	for (i = from; i < to; i++) {
		const struct seg *g = &sc->s[i];

		if (g->dir == GAP_C || g->dir == GAP_S) {
			st = smtp_wire_gap(&sw, g->dir == GAP_C ? C2S : S2C, (uint32_t)g->len);
			if (st == SMTP_WIRE_FINAL && out->finals++ == 0)
				out->final_seg = (int)i;
			continue;
		}
		for (off = 0; off < g->len; off += n) {
			n = mode == WHOLE ? g->len : mode == BYTES ? 1 : 1 + (size_t)(rng() % 40);
			if (n > g->len - off)
				n = g->len - off;
			st = smtp_wire_feed(&sw, g->dir, g->p + off, n);
			assert_sane(&sw);
			if (st == SMTP_WIRE_FINAL && out->finals++ == 0)
				out->final_seg = (int)i;
		}
	}
}

/* A whole session, then the end of the flow; returns what end() said. */
static enum smtp_wire_status
play(const struct script *sc, int mode, const struct smtp_wire_pool *pool, struct fed *out)
{
	out->finals = 0;
	out->final_seg = -1;
	smtp_wire_init(&sw, pool);
	feed_range(sc, 0, sc->n, mode, out);
	return SMTP_WIRE_MORE;
}

/* The facts do not depend on how the segments are cut, FINAL comes once and
 * at the same segment; returns the facts of the whole feed in *f. */
static void
play_all_ways(const struct script *sc, int limit, struct smtp_wire_facts *f,
    enum smtp_wire_phase *phase, int *final_seg)
{
	static struct smtp_wire_facts first;
	struct fed fd;
	int mode, k;

	for (mode = WHOLE; mode <= RANDOM; mode++) {
		for (k = 0; k < (mode == RANDOM ? 20 : 1); k++) {
			tp_reset(limit);
			play(sc, mode, &test_pool, &fd);
			assert_true(fd.finals <= 1);
			if (mode == WHOLE && k == 0) {
				memcpy(&first, smtp_wire_facts(&sw), sizeof first);
				*phase = smtp_wire_phase(&sw);
				*final_seg = fd.final_seg;
			} else {
				if (memcmp(&first, smtp_wire_facts(&sw), sizeof first) != 0)
					fail_msg("facts differ when fed in mode %d", mode);
				assert_int_equal(smtp_wire_phase(&sw), *phase);
				assert_int_equal(fd.final_seg, *final_seg);
			}
			if (fd.finals == 1)
				assert_int_equal(smtp_wire_end(&sw), SMTP_WIRE_MORE);
			else
				assert_int_equal(smtp_wire_end(&sw), SMTP_WIRE_FINAL);
			assert_int_equal(smtp_wire_phase(&sw), SW_ENDED);
			tp_balanced();
		}
	}
	/* the last run ended; replay the whole feed for the caller */
	tp_reset(limit);
	play(sc, WHOLE, &test_pool, &fd);
	memcpy(f, smtp_wire_facts(&sw), sizeof *f);
}

/* ---- real TLS handshakes, flight by flight ---- */

static EVP_PKEY *key;
static X509 *cert;
static unsigned char *cert_der;
static int cert_der_len;

static int
setup(void **state)
{
	X509_NAME *name;

	(void)state;
	key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	cert = X509_new();
	if (key == NULL || cert == NULL || !X509_set_version(cert, 2) ||
	    !ASN1_INTEGER_set(X509_get_serialNumber(cert), 7) ||
	    X509_gmtime_adj(X509_getm_notBefore(cert), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(cert), 86400) == NULL ||
	    !X509_set_pubkey(cert, key))
		return -1;
	name = X509_get_subject_name(cert);
	if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"mx.example.net", -1, -1, 0) ||
	    !X509_set_issuer_name(cert, name) || X509_sign(cert, key, EVP_sha256()) <= 0)
		return -1;
	cert_der_len = i2d_X509(cert, &cert_der);
	return cert_der_len > 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	OPENSSL_free(cert_der);
	X509_free(cert);
	EVP_PKEY_free(key);
	return 0;
}

struct hs {
	int client_min, client_max, server_min, server_max;
	const char *client_groups, *server_groups;
	const char *sni;
	bool fallback_scsv;
	bool app_data;              /* then an encrypted EHLO and its reply */
};

struct hs_result {
	bool ok;
	int version;
	uint16_t cipher;
};

/* Move what one side wrote to the other and into the script as one segment. */
static bool
flight(BIO *from, BIO *to, struct script *sc, int dir)
{
	uint8_t buf[65536];
	size_t len = 0;
	int n;

	while (len < sizeof buf && (n = BIO_read(from, buf + len, (int)(sizeof buf - len))) > 0)
		len += (size_t)n;
	if (len == 0)
		return false;
	assert_int_equal(BIO_write(to, buf, (int)len), (int)len);
	add(sc, dir, buf, len);
	return true;
}

static void
handshake(struct script *sc, const struct hs *h, struct hs_result *r)
{
	SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
	BIO *c_in = BIO_new(BIO_s_mem()), *c_out = BIO_new(BIO_s_mem());
	BIO *s_in = BIO_new(BIO_s_mem()), *s_out = BIO_new(BIO_s_mem());
	SSL *c, *s;
	int i, rc = 0, rs = 0;
	char buf[64];

	memset(r, 0, sizeof *r);
	assert_non_null(cctx);
	assert_non_null(sctx);
	if (h->client_min)
		assert_true(SSL_CTX_set_min_proto_version(cctx, h->client_min));
	if (h->client_max)
		assert_true(SSL_CTX_set_max_proto_version(cctx, h->client_max));
	if (h->server_min)
		assert_true(SSL_CTX_set_min_proto_version(sctx, h->server_min));
	if (h->server_max)
		assert_true(SSL_CTX_set_max_proto_version(sctx, h->server_max));
	assert_int_equal(SSL_CTX_use_certificate(sctx, cert), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(sctx, key), 1);
	c = SSL_new(cctx);
	s = SSL_new(sctx);
	assert_non_null(c);
	assert_non_null(s);
	if (h->sni)
		assert_int_equal(SSL_set_tlsext_host_name(c, h->sni), 1);
	if (h->client_groups)
		assert_int_equal(SSL_set1_groups_list(c, h->client_groups), 1);
	if (h->server_groups)
		assert_int_equal(SSL_set1_groups_list(s, h->server_groups), 1);
	if (h->fallback_scsv)
		SSL_set_mode(c, SSL_MODE_SEND_FALLBACK_SCSV);
	SSL_set_bio(c, c_in, c_out);
	SSL_set_bio(s, s_in, s_out);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);
	for (i = 0; i < 32; i++) {
		bool moved;

		rc = SSL_do_handshake(c);
		moved = flight(c_out, s_in, sc, C2S);
		rs = SSL_do_handshake(s);
		moved |= flight(s_out, c_in, sc, S2C);
		if (!moved)
			break;
	}
	ERR_clear_error();
	r->ok = rc == 1 && rs == 1;
	if (r->ok) {
		r->version = SSL_version(c);
		r->cipher = SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(c));
		if (h->app_data) {
			assert_int_equal(SSL_write(c, "EHLO client.example.org\r\n", 25), 25);
			flight(c_out, s_in, sc, C2S);
			assert_true(SSL_read(s, buf, sizeof buf) > 0);
			flight(s_out, c_in, sc, S2C);   /* TLS 1.3: the session tickets */
			assert_int_equal(SSL_write(s, "250 mx.example.net\r\n", 20), 20);
			flight(s_out, c_in, sc, S2C);
		}
	}
	SSL_free(c);
	SSL_free(s);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
}

/* ---- the plaintext parts ---- */

static const char ehlo_reply[] =
    "250-mx.example.net Hello client.example.org\r\n"
    "250-PIPELINING\r\n"
    "250-SIZE 10240000\r\n"
    "250-AUTH PLAIN LOGIN\r\n"
    "250-STARTTLS\r\n"
    "250-ENHANCEDSTATUSCODES\r\n"
    "250-8BITMIME\r\n"
    "250 CHUNKING\r\n";

static void
dialogue_to_starttls(struct script *sc)
{
	S(sc, "220 mx.example.net ESMTP Postfix\r\n");
	C(sc, "EHLO client.example.org\r\n");
	S(sc, ehlo_reply);
	C(sc, "STARTTLS\r\n");
	S(sc, "220 2.0.0 Ready to start TLS\r\n");
}

static uint64_t
script_bytes(const struct script *sc)
{
	uint64_t t = 0;
	size_t i;

	for (i = 0; i < sc->n; i++)
		if (sc->s[i].dir == C2S || sc->s[i].dir == S2C)
			t += sc->s[i].len;
	return t;
}

/* The index of the nth segment of direction dir from segment from on. */
static int
seg_index(const struct script *sc, size_t from, int dir, int nth)
{
	size_t i;

	for (i = from; i < sc->n; i++)
		if (sc->s[i].dir == dir && nth-- == 0)
			return (int)i;
	return -1;
}

/* ---- tests: STARTTLS then TLS ---- */

static void
check_plain_part(const struct smtp_wire_facts *f)
{
	assert_int_equal(f->banner_code, 220);
	assert_string_equal(f->banner, "mx.example.net ESMTP Postfix");
	assert_true(f->ehlo_sent);
	assert_false(f->helo_sent);
	assert_int_equal(f->ehlo_code, 250);
	assert_false(f->ehlo_refused);
	assert_true(f->have_caps);
	assert_true(f->starttls_offered);
	assert_true(f->caps.caps & SMTP_CAP_PIPELINING);
	assert_true(f->caps.caps & SMTP_CAP_CHUNKING);
	assert_int_equal(f->caps.size, 10240000);
	assert_string_equal(f->caps.domain, "mx.example.net");
	assert_string_equal(f->auth_pretls, "PLAIN LOGIN");
	assert_string_equal(f->mangled, "");
	assert_true(f->starttls_sent);
	assert_int_equal(f->starttls_code, 220);
	assert_string_equal(f->starttls_reply, "220 2.0.0 Ready to start TLS");
	assert_false(f->mail_plaintext);
	assert_int_equal(f->commands, 2);
	assert_int_equal(f->replies, 3);
	assert_int_equal(f->last_code, 220);
}

static void
test_starttls_tls13(void **state)
{
	struct script sc = { 0 };
	struct hs h = { .sni = "mx.example.net", .app_data = true };
	struct hs_result r;
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	dialogue_to_starttls(&sc);
	handshake(&sc, &h, &r);
	assert_true(r.ok);
	assert_int_equal(r.version, TLS1_3_VERSION);
	play_all_ways(&sc, 2, &f, &ph, &fs);
	check_plain_part(&f);
	assert_true(f.tls_started);
	assert_false(f.implicit_tls);
	assert_true(f.tls_from_client);
	assert_true(f.tls_from_server);
	assert_true(f.client_hello);
	assert_int_equal(f.client_max_version, 0x0304);
	assert_false(f.client_fallback_scsv);
	assert_string_equal(f.sni, "mx.example.net");
	assert_true(f.server_hello);
	assert_false(f.hello_retry_request);
	assert_int_equal(f.tls_version, 0x0304);
	assert_int_equal(f.cipher_id, r.cipher);
	assert_int_equal(f.group, 0x001d);   /* x25519, OpenSSL's first choice */
	assert_false(f.cert_seen);            /* encrypted in TLS 1.3 */
	assert_false(f.tls_alert);
	assert_string_equal(f.tls_error, "");
	assert_int_equal(f.anomalies, 0);
	assert_int_equal(ph, SW_ENCRYPTED);
	/* final with the server's first flight (ServerHello) */
	assert_int_equal(fs, seg_index(&sc, 5, S2C, 0));
	assert_int_equal(smtp_wire_server_type(&f), 'E');
	assert_int_equal(smtp_wire_security(&f), 'T');
	/* both readers were lent and came back, facts handed over first */
	assert_int_equal(tp.gets, 2);
	tp_balanced();
	assert_int_equal(tp.done_dir[0], C2S);
	assert_int_equal(tp.done_dir[1], S2C);
	assert_true(tp.done[C2S].have_client_hello);
	assert_true(tp.done[S2C].have_server_hello);
	assert_int_equal(f.bytes[C2S] + f.bytes[S2C], script_bytes(&sc));
	script_free(&sc);
}

static void
test_starttls_tls12_cert(void **state)
{
	struct script sc = { 0 };
	struct hs h = { .server_max = TLS1_2_VERSION, .app_data = true };
	struct hs_result r;
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	dialogue_to_starttls(&sc);
	handshake(&sc, &h, &r);
	assert_true(r.ok);
	assert_int_equal(r.version, TLS1_2_VERSION);
	play_all_ways(&sc, 2, &f, &ph, &fs);
	check_plain_part(&f);
	assert_true(f.client_hello);
	assert_int_equal(f.client_max_version, 0x0304);   /* offered, not negotiated */
	assert_true(f.server_hello);
	assert_int_equal(f.tls_version, 0x0303);
	assert_int_equal(f.cipher_id, r.cipher);
	assert_true(f.cert_seen);
	assert_int_equal(f.n_certs, 1);
	assert_int_equal(f.anomalies, 0);
	assert_int_equal(ph, SW_ENCRYPTED);
	assert_int_equal(fs, seg_index(&sc, 5, S2C, 0));
	assert_int_equal(smtp_wire_security(&f), 'T');
	/* tls_done saw the leaf */
	assert_int_equal(tp.done[S2C].cert_der_len, (size_t)cert_der_len);
	assert_memory_equal(tp.done[S2C].cert_der, cert_der, (size_t)cert_der_len);
	smtp_wire_end(&sw);
	tp_balanced();
	script_free(&sc);
}

static void
test_starttls_hello_retry(void **state)
{
	struct script sc = { 0 };
	struct hs h = { .client_groups = "X25519:P-256", .server_groups = "P-256" };
	struct hs_result r;
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	dialogue_to_starttls(&sc);
	handshake(&sc, &h, &r);
	assert_true(r.ok);
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_true(f.hello_retry_request);
	assert_true(f.server_hello);
	assert_int_equal(f.group, 0x0017);   /* secp256r1 */
	assert_int_equal(f.tls_version, 0x0304);
	assert_int_equal(ph, SW_ENCRYPTED);
	assert_int_equal(smtp_wire_security(&f), 'T');
	smtp_wire_end(&sw);
	tp_balanced();
	script_free(&sc);
}

static void
test_client_max_tls12(void **state)
{
	struct script sc = { 0 };
	struct hs h = { .client_max = TLS1_2_VERSION };
	struct hs_result r;
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	dialogue_to_starttls(&sc);
	handshake(&sc, &h, &r);
	assert_true(r.ok);
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_int_equal(f.client_max_version, 0x0303);   /* legacy_version */
	assert_int_equal(f.tls_version, 0x0303);
	assert_true(f.cert_seen);
	smtp_wire_end(&sw);
	script_free(&sc);
}

/* A fallback retry refused: inappropriate_fallback, a fatal alert. */
static void
test_fallback_scsv_alert(void **state)
{
	struct script sc = { 0 };
	struct hs h = { .client_max = TLS1_2_VERSION, .fallback_scsv = true };
	struct hs_result r;
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	dialogue_to_starttls(&sc);
	handshake(&sc, &h, &r);
	assert_false(r.ok);
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_true(f.client_fallback_scsv);
	assert_false(f.server_hello);
	assert_true(f.tls_alert);
	assert_int_equal(f.alert_level, 2);
	assert_int_equal(f.alert_desc, 86);
	assert_int_equal(f.tls_version, 0);
	assert_int_equal(f.cipher_id, -1);
	assert_int_equal(ph, SW_ENCRYPTED);
	assert_true(fs >= 0);
	/* TLS bytes from both sides */
	assert_int_equal(smtp_wire_security(&f), 'T');
	smtp_wire_end(&sw);
	tp_balanced();
	script_free(&sc);
}

/* The client's ClientHello is captured before the server's 220. */
static void
test_client_tls_before_220(void **state)
{
	struct script hs_sc = { 0 }, sc = { 0 };
	struct hs h = { 0 };
	struct hs_result r;
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;
	size_t i;

	(void)state;
	S(&sc, "220 mx.example.net ESMTP\r\n");
	C(&sc, "EHLO c\r\n");
	S(&sc, ehlo_reply);
	C(&sc, "STARTTLS\r\n");
	handshake(&hs_sc, &h, &r);
	assert_true(r.ok);
	assert_int_equal(hs_sc.s[0].dir, C2S);
	add(&sc, C2S, hs_sc.s[0].p, hs_sc.s[0].len);
	S(&sc, "220 go ahead\r\n");
	for (i = 1; i < hs_sc.n; i++)
		add(&sc, hs_sc.s[i].dir, hs_sc.s[i].p, hs_sc.s[i].len);
	script_free(&hs_sc);
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_true(f.client_hello);
	assert_true(f.server_hello);
	assert_int_equal(f.starttls_code, 220);
	assert_int_equal(f.anomalies, 0);
	assert_int_equal(ph, SW_ENCRYPTED);
	assert_int_equal(smtp_wire_security(&f), 'T');
	smtp_wire_end(&sw);
	tp_balanced();
	script_free(&sc);
}

/* The final needs both sides' facts: a server flight captured before the
 * client's (reassembly delivers the directions independently). */
static void
test_final_needs_both_sides(void **state)
{
	struct script hs_sc = { 0 }, sc = { 0 };
	struct hs h = { 0 };
	struct hs_result r;
	struct fed fd = { 0, -1 };

	(void)state;
	dialogue_to_starttls(&sc);
	handshake(&hs_sc, &h, &r);
	assert_true(r.ok);
	assert_int_equal(hs_sc.s[1].dir, S2C);
	add(&sc, S2C, hs_sc.s[1].p, hs_sc.s[1].len);
	add(&sc, C2S, hs_sc.s[0].p, hs_sc.s[0].len);
	script_free(&hs_sc);
	tp_reset(2);
	smtp_wire_init(&sw, &test_pool);
	feed_range(&sc, 0, 6, WHOLE, &fd);
	assert_int_equal(fd.finals, 0);
	assert_true(smtp_wire_facts(&sw)->server_hello);
	assert_int_equal(smtp_wire_phase(&sw), SW_TLS);
	feed_range(&sc, 6, 7, WHOLE, &fd);
	assert_int_equal(fd.finals, 1);
	assert_true(smtp_wire_facts(&sw)->client_hello);
	assert_int_equal(smtp_wire_phase(&sw), SW_ENCRYPTED);
	tp_balanced();
	script_free(&sc);
}

/* "STARTTLS\r\nMAIL ...\r\n" in one segment: MAIL is read by the server after
 * its 220 (CVE-2011-0411 style injection); TLS follows. */
static void
test_starttls_injection(void **state)
{
	struct script sc = { 0 };
	struct hs h = { 0 };
	struct hs_result r;
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	S(&sc, "220 mx.example.net ESMTP\r\n");
	C(&sc, "EHLO c\r\n");
	S(&sc, ehlo_reply);
	C(&sc, "STARTTLS\r\nMAIL FROM:<a@b>\r\n");
	S(&sc, "220 2.0.0 Ready to start TLS\r\n");
	handshake(&sc, &h, &r);
	assert_true(r.ok);
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_true(f.anomalies & SW_AN_PLAINTEXT_AFTER_220);
	assert_true(f.mail_plaintext);
	assert_true(f.client_hello);
	assert_true(f.server_hello);
	assert_int_equal(ph, SW_ENCRYPTED);
	/* not final at the injected MAIL: TLS could still (and did) begin */
	assert_int_equal(fs, seg_index(&sc, 5, S2C, 0));
	smtp_wire_end(&sw);
	tp_balanced();
	script_free(&sc);
}

/* ---- implicit TLS ---- */

static void
test_implicit_tls13(void **state)
{
	struct script sc = { 0 };
	struct hs h = { .sni = "smtps.example.net", .app_data = true };
	struct hs_result r;
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	handshake(&sc, &h, &r);
	assert_true(r.ok);
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_true(f.implicit_tls);
	assert_true(f.tls_started);
	assert_int_equal(f.banner_code, 0);
	assert_false(f.ehlo_sent);
	assert_int_equal(f.commands, 0);
	assert_true(f.client_hello);
	assert_string_equal(f.sni, "smtps.example.net");
	assert_true(f.server_hello);
	assert_int_equal(f.tls_version, 0x0304);
	assert_int_equal(f.anomalies, 0);
	assert_int_equal(ph, SW_ENCRYPTED);
	assert_int_equal(fs, 1);
	assert_int_equal(smtp_wire_server_type(&f), ' ');
	assert_int_equal(smtp_wire_security(&f), 'T');
	smtp_wire_end(&sw);
	tp_balanced();
	script_free(&sc);
}

static void
test_implicit_tls12_cert(void **state)
{
	struct script sc = { 0 };
	struct hs h = { .server_max = TLS1_2_VERSION, .app_data = true };
	struct hs_result r;
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	handshake(&sc, &h, &r);
	assert_true(r.ok);
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_true(f.implicit_tls);
	assert_true(f.cert_seen);
	assert_int_equal(f.n_certs, 1);
	assert_int_equal(f.tls_version, 0x0303);
	assert_int_equal(f.cipher_id, r.cipher);
	assert_int_equal(ph, SW_ENCRYPTED);
	assert_int_equal(smtp_wire_security(&f), 'T');
	smtp_wire_end(&sw);
	tp_balanced();
	script_free(&sc);
}

/* A TLS client on a plaintext port: the server answers in SMTP. */
static void
test_implicit_client_plain_server(void **state)
{
	struct script hs_sc = { 0 }, sc = { 0 };
	struct hs h = { 0 };
	struct hs_result r;
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	handshake(&hs_sc, &h, &r);
	add(&sc, C2S, hs_sc.s[0].p, hs_sc.s[0].len);
	script_free(&hs_sc);
	S(&sc, "220 mx.example.net ESMTP\r\n500 5.5.2 Error: bad syntax\r\n");
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_true(f.implicit_tls);
	assert_true(f.client_hello);
	assert_false(f.server_hello);
	assert_true(f.tls_from_client);
	assert_false(f.tls_from_server);
	/* final as soon as the server is seen not to speak TLS */
	assert_int_equal(fs, 1);
	assert_int_equal(ph, SW_ENCRYPTED);
	assert_int_equal(smtp_wire_security(&f), ' ');
	smtp_wire_end(&sw);
	tp_balanced();
	script_free(&sc);
}

/* ---- plaintext sessions ---- */

static void
test_helo_fallback(void **state)
{
	struct script sc = { 0 };
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	S(&sc, "220 old.example.net Sendmail 8.6\r\n");
	C(&sc, "EHLO client.example.org\r\n");
	S(&sc, "502 5.5.2 Command not recognized\r\n");
	C(&sc, "HELO client.example.org\r\n");
	S(&sc, "250 old.example.net\r\n");
	C(&sc, "QUIT\r\n");
	S(&sc, "221 bye\r\n");
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_true(f.ehlo_sent);
	assert_true(f.helo_sent);
	assert_int_equal(f.ehlo_code, 502);
	assert_true(f.ehlo_refused);
	assert_false(f.have_caps);
	assert_int_equal(f.helo_code, 250);
	assert_true(f.quit_seen);
	assert_int_equal(f.last_code, 221);
	assert_string_equal(f.last_reply, "221 bye");
	assert_int_equal(fs, 5);   /* final on QUIT */
	assert_int_equal(ph, SW_DIALOGUE);
	assert_int_equal(smtp_wire_server_type(&f), 'S');
	assert_int_equal(smtp_wire_security(&f), 'B');
	assert_int_equal(tp.gets + tp.fails, 0);
	script_free(&sc);
}

static void
test_plain_mail_final(void **state)
{
	struct script sc = { 0 };
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	S(&sc, "220 mx ESMTP\r\n");
	C(&sc, "EHLO c\r\n");
	S(&sc, "250-mx\r\n250-SIZE 1000\r\n250 8BITMIME\r\n");
	C(&sc, "MAIL FROM:<a@example.org>\r\n");
	S(&sc, "250 2.1.0 Ok\r\n");
	/* after the final: counted, but the classification facts stay */
	C(&sc, "EHLO again\r\n");
	S(&sc, "550 no\r\n");
	C(&sc, "STARTTLS\r\n");
	S(&sc, "220 go\r\n");
	C(&sc, "QUIT\r\n");
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_int_equal(fs, 3);
	assert_true(f.mail_plaintext);
	assert_false(f.starttls_offered);
	assert_true(f.have_caps);
	assert_int_equal(f.ehlo_code, 250);
	assert_false(f.ehlo_refused);
	assert_false(f.starttls_sent);
	assert_false(f.tls_started);
	assert_int_equal(f.commands, 4);   /* EHLO MAIL EHLO STARTTLS; then nothing read */
	assert_int_equal(f.replies, 4);
	assert_false(f.quit_seen);
	assert_int_equal(ph, SW_DIALOGUE);
	assert_int_equal(smtp_wire_server_type(&f), 'E');
	assert_int_equal(smtp_wire_security(&f), 'B');
	script_free(&sc);
}

static void
test_mangled_ehlo_keyword(void **state)
{
	struct script sc = { 0 };
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	S(&sc, "220 ***************************\r\n");
	C(&sc, "EHLO c\r\n");
	S(&sc, "250-mx.example.net\r\n250-PIPELINING\r\n250-XXXXXXXA\r\n250 8BITMIME\r\n");
	C(&sc, "QUIT\r\n");
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_true(f.anomalies & SW_AN_STARTTLS_MANGLED);
	assert_false(f.anomalies & SW_AN_CMD_MANGLED);
	assert_string_equal(f.mangled, "XXXXXXXA");
	assert_false(f.starttls_offered);
	assert_non_null(strstr(f.caps.unknown, "XXXXXXXA"));
	assert_int_equal(smtp_wire_server_type(&f), 'E');
	script_free(&sc);
}

/* The greeting line and 7-octet or 5-X keywords are not mangled. */
static void
test_mangled_not(void **state)
{
	struct script sc = { 0 };
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	S(&sc, "220 mx\r\n");
	C(&sc, "EHLO c\r\n");
	S(&sc, "250-XXXXXXXX\r\n250-XXXXXXX\r\n250-XXXXXAAA\r\n250 starttls\r\n");
	C(&sc, "XXXXXXX\r\n");
	S(&sc, "500 what\r\n");
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_int_equal(f.anomalies, 0);
	assert_true(f.starttls_offered);
	assert_string_equal(f.mangled, "");
	smtp_wire_end(&sw);
	script_free(&sc);
}

static void
test_mangled_command(void **state)
{
	struct script sc = { 0 };
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	S(&sc, "220 mx\r\n");
	C(&sc, "EHLO c\r\n");
	S(&sc, "250-mx\r\n250 PIPELINING\r\n");
	C(&sc, "XXXXXXXX\r\n");
	S(&sc, "500 5.5.1 Command unrecognized: \"XXXXXXXX\"\r\n");
	/* the 500 answered it: the next EHLO gets the next reply */
	C(&sc, "EHLO c\r\n");
	S(&sc, "250-mx\r\n250 STARTTLS\r\n");
	C(&sc, "QUIT\r\n");
	S(&sc, "221 bye\r\n");
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_true(f.anomalies & SW_AN_CMD_MANGLED);
	assert_false(f.anomalies & SW_AN_STARTTLS_MANGLED);
	assert_string_equal(f.mangled, "XXXXXXXX");
	assert_true(f.starttls_offered);
	assert_false(f.starttls_sent);
	assert_int_equal(f.commands, 4);
	assert_int_equal(f.replies, 5);
	assert_int_equal(fs, 7);
	assert_int_equal(smtp_wire_security(&f), 'B');
	script_free(&sc);
}

static void
test_starttls_refused(void **state)
{
	struct script sc = { 0 };
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	S(&sc, "220 mx ESMTP\r\n");
	C(&sc, "EHLO c\r\n");
	S(&sc, ehlo_reply);
	C(&sc, "STARTTLS\r\n");
	S(&sc, "454 4.7.0 TLS not available due to local problem\r\n");
	C(&sc, "MAIL FROM:<a@b>\r\n");
	S(&sc, "250 ok\r\n");
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_true(f.anomalies & SW_AN_STARTTLS_REFUSED);
	assert_true(f.starttls_sent);
	assert_int_equal(f.starttls_code, 454);
	assert_string_equal(f.starttls_reply, "454 4.7.0 TLS not available due to local problem");
	assert_false(f.tls_started);
	assert_true(f.mail_plaintext);
	assert_int_equal(fs, 5);
	assert_int_equal(ph, SW_DIALOGUE);
	assert_int_equal(smtp_wire_security(&f), 'B');
	assert_int_equal(tp.gets + tp.fails, 0);
	script_free(&sc);
}

static void
test_plaintext_after_220_client(void **state)
{
	struct script sc = { 0 };
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;
	struct fed fd = { 0, -1 };

	(void)state;
	dialogue_to_starttls(&sc);
	C(&sc, "EHLO client.example.org\r\n");
	tp_reset(2);
	smtp_wire_init(&sw, &test_pool);
	feed_range(&sc, 0, sc.n, BYTES, &fd);
	assert_int_equal(smtp_wire_phase(&sw), SW_STARTTLS);  /* the server may still send TLS */
	S(&sc, "250 ok\r\n");
	feed_range(&sc, sc.n - 1, sc.n, WHOLE, &fd);
	assert_int_equal(smtp_wire_phase(&sw), SW_DIALOGUE);
	assert_int_equal(fd.finals, 0);
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_true(f.anomalies & SW_AN_PLAINTEXT_AFTER_220);
	assert_false(f.tls_started);
	assert_int_equal(f.commands, 3);
	assert_int_equal(ph, SW_DIALOGUE);
	assert_int_equal(smtp_wire_security(&f), 'B');
	script_free(&sc);
}

static void
test_plaintext_after_220_server(void **state)
{
	struct script hs_sc = { 0 }, sc = { 0 };
	struct hs h = { 0 };
	struct hs_result r;
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	dialogue_to_starttls(&sc);
	handshake(&hs_sc, &h, &r);
	add(&sc, C2S, hs_sc.s[0].p, hs_sc.s[0].len);   /* the ClientHello */
	script_free(&hs_sc);
	S(&sc, "250 2.0.0 Ok\r\n");
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_true(f.anomalies & SW_AN_PLAINTEXT_AFTER_220);
	assert_true(f.tls_started);
	assert_true(f.client_hello);
	assert_false(f.server_hello);
	assert_int_equal(f.last_code, 220);   /* final: the plaintext is not read */
	assert_int_equal(ph, SW_ENCRYPTED);
	assert_int_equal(fs, 6);
	assert_int_equal(smtp_wire_security(&f), ' ');
	smtp_wire_end(&sw);
	tp_balanced();
	script_free(&sc);
}

static void
test_multiline_bytewise(void **state)
{
	static const char session[] =
	    "220-mx.example.net ESMTP\r\n220-second line\r\n220 third\r\n";
	struct smtp_wire_facts f;
	size_t i;

	(void)state;
	tp_reset(2);
	smtp_wire_init(&sw, &test_pool);
	for (i = 0; i < sizeof session - 1; i++) {
		assert_int_equal(smtp_wire_feed(&sw, S2C, (const uint8_t *)session + i, 1),
		    SMTP_WIRE_MORE);
		/* the banner answers when complete, not before */
		assert_int_equal(smtp_wire_phase(&sw),
		    i + 1 < sizeof session - 1 ? SW_GREETING : SW_DIALOGUE);
	}
	for (i = 0; i < sizeof "EHLO x\r\n" - 1; i++)
		smtp_wire_feed(&sw, C2S, (const uint8_t *)"EHLO x\r\n" + i, 1);
	for (i = 0; i < sizeof ehlo_reply - 1; i++) {
		smtp_wire_feed(&sw, S2C, (const uint8_t *)ehlo_reply + i, 1);
		if (i + 1 < sizeof ehlo_reply - 1)
			assert_false(smtp_wire_facts(&sw)->have_caps);
	}
	memcpy(&f, smtp_wire_facts(&sw), sizeof f);
	assert_int_equal(f.banner_code, 220);
	assert_string_equal(f.banner, "mx.example.net ESMTP");
	assert_string_equal(f.last_reply, "250-mx.example.net Hello client.example.org");
	assert_true(f.have_caps);
	assert_true(f.starttls_offered);
	assert_int_equal(f.replies, 2);
	assert_int_equal(smtp_wire_end(&sw), SMTP_WIRE_FINAL);
}

static void
test_pipelining(void **state)
{
	struct script sc = { 0 };
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	S(&sc, "220 mx ESMTP\r\n");
	C(&sc, "EHLO a\r\n");
	S(&sc, "250-mx\r\n250 PIPELINING\r\n");
	C(&sc, "RSET\r\nNOOP\r\nEHLO b\r\n");
	S(&sc, "250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n250-mx\r\n250-PIPELINING\r\n250-AUTH=LOGIN\r\n"
	    "250 STARTTLS\r\n");
	C(&sc, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRCPT TO:<e@f>\r\nDATA\r\n");
	S(&sc, "250 ok\r\n250 ok\r\n550 5.1.1 no such user\r\n354 go ahead\r\n");
	C(&sc, "Subject: x\r\n\r\nhello\r\n.\r\nQUIT\r\n");
	S(&sc, "250 queued\r\n221 bye\r\n");
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_int_equal(fs, 5);
	/* the second EHLO got the third reply of its group */
	assert_true(f.starttls_offered);
	assert_string_equal(f.auth_pretls, "LOGIN");
	assert_int_equal(f.commands, 9);
	assert_int_equal(f.replies, 11);
	assert_true(f.quit_seen);
	assert_int_equal(f.last_code, 221);
	assert_int_equal(f.anomalies, 0);
	script_free(&sc);
}

static void
test_data_content_not_parsed(void **state)
{
	struct script sc = { 0 };
	struct fed fd = { 0, -1 };
	size_t mark;

	(void)state;
	S(&sc, "220 mx ESMTP\r\n");
	C(&sc, "HELO a\r\n");
	S(&sc, "250 mx\r\n");
	C(&sc, "MAIL FROM:<a@b>\r\n");
	S(&sc, "250 ok\r\n");
	C(&sc, "RCPT TO:<c@d>\r\n");
	S(&sc, "250 ok\r\n");
	C(&sc, "DATA\r\n");
	S(&sc, "354 End data with <CR><LF>.<CR><LF>\r\n");
	C(&sc, "STARTTLS\r\nQUIT\r\nMAIL FROM:<x@y>\r\n..\r\n.QUIT\r\nBDAT 1000\r\n"
	    "DATA\r\n.\n.\r.x\r\n\r");
	C(&sc, "\n.");
	C(&sc, "\r");
	mark = sc.n;
	C(&sc, "\nQUIT\r\n");
	S(&sc, "250 queued\r\n221 bye\r\n");
	tp_reset(2);
	smtp_wire_init(&sw, &test_pool);
	feed_range(&sc, 0, mark, WHOLE, &fd);
	assert_false(smtp_wire_facts(&sw)->quit_seen);
	assert_false(smtp_wire_facts(&sw)->starttls_sent);
	assert_int_equal(smtp_wire_facts(&sw)->commands, 4);
	feed_range(&sc, mark, sc.n, WHOLE, &fd);
	assert_true(smtp_wire_facts(&sw)->quit_seen);
	assert_int_equal(smtp_wire_facts(&sw)->commands, 5);
	assert_int_equal(smtp_wire_facts(&sw)->last_code, 221);
	assert_int_equal(smtp_wire_facts(&sw)->replies, 7);
	assert_int_equal(fd.finals, 1);
	assert_int_equal(fd.final_seg, 3);
	/* and byte by byte */
	fd.finals = 0;
	smtp_wire_init(&sw, &test_pool);
	feed_range(&sc, 0, sc.n, BYTES, &fd);
	assert_int_equal(smtp_wire_facts(&sw)->commands, 5);
	assert_int_equal(smtp_wire_facts(&sw)->replies, 7);
	assert_int_equal(fd.finals, 1);
	script_free(&sc);
}

/* Empty content: the terminating line comes first. */
static void
test_data_empty(void **state)
{
	struct script sc = { 0 };
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	S(&sc, "220 mx\r\n");
	C(&sc, "MAIL FROM:<>\r\n");
	S(&sc, "250 ok\r\n");
	C(&sc, "RCPT TO:<a@b>\r\n");
	S(&sc, "250 ok\r\n");
	C(&sc, "DATA\r\n");
	S(&sc, "354 go\r\n");
	C(&sc, ".\r\n");
	S(&sc, "250 queued\r\n");
	C(&sc, "QUIT\r\n");
	S(&sc, "221 bye\r\n");
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_true(f.quit_seen);
	assert_int_equal(f.commands, 4);
	assert_int_equal(f.replies, 6);
	assert_int_equal(f.last_code, 221);
	script_free(&sc);
}

static void
test_data_refused(void **state)
{
	struct script sc = { 0 };
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	S(&sc, "220 mx\r\n");
	C(&sc, "MAIL FROM:<>\r\n");
	S(&sc, "250 ok\r\n");
	C(&sc, "RCPT TO:<a@b>\r\n");
	S(&sc, "550 no\r\n");
	C(&sc, "DATA\r\n");
	S(&sc, "554 5.5.1 Error: no valid recipients\r\n");
	C(&sc, "QUIT\r\n");
	S(&sc, "221 bye\r\n");
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_true(f.quit_seen);
	assert_int_equal(f.commands, 4);
	assert_int_equal(f.last_code, 221);
	script_free(&sc);
}

static void
test_bdat(void **state)
{
	struct script sc = { 0 };
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	S(&sc, "220 mx\r\n");
	C(&sc, "EHLO c\r\n");
	S(&sc, "250-mx\r\n250 CHUNKING\r\n");
	C(&sc, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n");
	S(&sc, "250 ok\r\n250 ok\r\n");
	/* 12 octets of content that look like commands, then the last chunk */
	C(&sc, "BDAT 12\r\nQUIT\r\nDATA\r\nBDAT 5 LAST\r\nHELLO");
	S(&sc, "250 12 octets\r\n250 message ok\r\n");
	C(&sc, "QUIT\r\n");
	S(&sc, "221 bye\r\n");
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_true(f.caps.caps & SMTP_CAP_CHUNKING);
	assert_int_equal(f.commands, 6);
	assert_int_equal(f.replies, 7);
	assert_true(f.quit_seen);
	assert_int_equal(f.last_code, 221);
	script_free(&sc);
}

static void
test_auth_exchange(void **state)
{
	struct script sc = { 0 };
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	S(&sc, "220 mx\r\n");
	C(&sc, "EHLO c\r\n");
	S(&sc, "250-mx\r\n250 AUTH LOGIN PLAIN\r\n");
	C(&sc, "AUTH LOGIN\r\n");
	S(&sc, "334 VXNlcm5hbWU6\r\n");
	C(&sc, "QUIT\r\n");              /* a base64 user name */
	S(&sc, "334 UGFzc3dvcmQ6\r\n");
	C(&sc, "STARTTLS\r\n");          /* not base64, but a response all the same */
	S(&sc, "235 2.7.0 Authentication successful\r\n");
	C(&sc, "MAIL FROM:<a@b>\r\n");
	S(&sc, "250 ok\r\n");
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_false(f.quit_seen);
	assert_false(f.starttls_sent);
	assert_string_equal(f.auth_pretls, "PLAIN LOGIN");
	assert_int_equal(f.commands, 3);
	assert_int_equal(f.replies, 6);
	assert_int_equal(f.last_code, 250);
	assert_int_equal(fs, 9);
	script_free(&sc);
}

/* ---- lost bytes ---- */

static void
test_gap_client_text(void **state)
{
	struct script sc = { 0 };
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	S(&sc, "220 mx\r\n");
	C(&sc, "EHLO c\r\nMAIL FR");
	gap(&sc, C2S, 10);
	C(&sc, "b>\r\nHELO c\r\n");   /* the rest of the MAIL line is dropped */
	S(&sc, "250 mx\r\n");         /* EHLO's reply, but EHLO left the queue */
	S(&sc, "250 ok\r\n");
	C(&sc, "QUIT\r\n");
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_true(f.anomalies & SW_AN_GAP);
	assert_false(f.mail_plaintext);
	assert_true(f.helo_sent);
	assert_int_equal(f.ehlo_code, 0);
	assert_int_equal(f.helo_code, 250);
	assert_int_equal(f.commands, 3);
	assert_int_equal(fs, 6);
	script_free(&sc);
}

static void
test_gap_server_text(void **state)
{
	struct script sc = { 0 };
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	S(&sc, "220 mx\r\n");
	C(&sc, "EHLO c\r\n");
	S(&sc, "250-mx\r\n250-PIPEL");
	gap(&sc, S2C, 100);
	S(&sc, "ING\r\n250 STARTTLS\r\n");    /* resync: a line end, then a lone line */
	C(&sc, "NOOP\r\n");
	S(&sc, "250 ok\r\n");
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_true(f.anomalies & SW_AN_GAP);
	assert_false(f.anomalies & SW_AN_REPLY_ERROR);
	assert_false(f.have_caps);     /* the EHLO reply was cut */
	assert_int_equal(f.replies, 3);
	assert_int_equal(f.last_code, 250);
	assert_int_equal(smtp_wire_phase(&sw), SW_DIALOGUE);
	smtp_wire_end(&sw);
	script_free(&sc);
}

static void
test_gap_tls(void **state)
{
	struct script hs_sc = { 0 }, sc = { 0 };
	struct hs h = { .server_max = TLS1_2_VERSION };
	struct hs_result r;
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;
	const struct seg *sh;

	(void)state;
	dialogue_to_starttls(&sc);
	handshake(&hs_sc, &h, &r);
	assert_true(r.ok);
	add(&sc, C2S, hs_sc.s[0].p, hs_sc.s[0].len);
	sh = &hs_sc.s[1];
	assert_int_equal(sh->dir, S2C);
	add(&sc, S2C, sh->p, 10);          /* part of the ServerHello */
	gap(&sc, S2C, 100);
	add(&sc, S2C, sh->p + 110, sh->len - 110);
	script_free(&hs_sc);
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_true(f.anomalies & SW_AN_GAP);
	assert_true(f.client_hello);
	assert_false(f.server_hello);
	assert_false(f.cert_seen);
	assert_int_equal(ph, SW_ENCRYPTED);
	assert_int_equal(fs, 7);      /* at the gap */
	smtp_wire_end(&sw);
	tp_balanced();
	assert_int_equal(tp.gets, 2);
	script_free(&sc);
}

static void
test_gap_in_bdat(void **state)
{
	struct script sc = { 0 };
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	S(&sc, "220 mx\r\n");
	C(&sc, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 100 LAST\r\n0123456789");
	gap(&sc, C2S, 80);
	C(&sc, "0123456789QUIT\r\n");
	S(&sc, "250 ok\r\n250 ok\r\n250 ok\r\n221 bye\r\n");
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_true(f.anomalies & SW_AN_GAP);
	assert_true(f.quit_seen);
	assert_int_equal(f.commands, 4);
	assert_int_equal(f.last_code, 221);
	script_free(&sc);
}

/* A gap swallowed the end of the content: the server's reply tells. */
static void
test_gap_in_data(void **state)
{
	struct script sc = { 0 };
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	S(&sc, "220 mx\r\n");
	C(&sc, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
	S(&sc, "250 ok\r\n250 ok\r\n354 go\r\n");
	C(&sc, "Subject: x\r\n");
	gap(&sc, C2S, 20);
	S(&sc, "250 queued\r\n");
	C(&sc, "QUIT\r\n");
	S(&sc, "221 bye\r\n");
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_true(f.anomalies & SW_AN_GAP);
	assert_true(f.quit_seen);
	assert_int_equal(f.commands, 4);
	script_free(&sc);
}

/* ---- the pool ---- */

static void
test_pool_empty(void **state)
{
	struct script sc = { 0 };
	struct hs h = { 0 };
	struct hs_result r;
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	dialogue_to_starttls(&sc);
	handshake(&sc, &h, &r);
	assert_true(r.ok);
	play_all_ways(&sc, 0, &f, &ph, &fs);
	assert_true(f.anomalies & SW_AN_NO_TLS_READER);
	assert_true(f.tls_started);
	assert_true(f.tls_from_client);
	assert_true(f.tls_from_server);
	assert_false(f.client_hello);
	assert_false(f.server_hello);
	assert_int_equal(f.tls_version, 0);
	assert_int_equal(ph, SW_ENCRYPTED);
	assert_int_equal(fs, seg_index(&sc, 5, S2C, 0));
	assert_int_equal(smtp_wire_security(&f), 'T');
	assert_int_equal(tp.gets, 0);
	assert_int_equal(tp.fails, 2);
	smtp_wire_end(&sw);
	tp_balanced();
	script_free(&sc);
}

static void
test_pool_one(void **state)
{
	struct script sc = { 0 };
	struct hs h = { 0 };
	struct hs_result r;
	struct fed fd;

	(void)state;
	dialogue_to_starttls(&sc);
	handshake(&sc, &h, &r);
	/* one reader: the client's is back before the server needs one */
	tp_reset(1);
	play(&sc, WHOLE, &test_pool, &fd);
	assert_int_equal(fd.finals, 1);
	assert_true(smtp_wire_facts(&sw)->client_hello);
	assert_true(smtp_wire_facts(&sw)->server_hello);
	assert_int_equal(smtp_wire_facts(&sw)->anomalies, 0);
	assert_int_equal(tp.gets, 2);
	assert_int_equal(tp.fails, 0);
	smtp_wire_end(&sw);
	tp_balanced();
	script_free(&sc);
}

static void
test_pool_null(void **state)
{
	struct script sc = { 0 };
	struct hs h = { 0 };
	struct hs_result r;
	struct fed fd;

	(void)state;
	handshake(&sc, &h, &r);
	play(&sc, BYTES, NULL, &fd);
	assert_int_equal(fd.finals, 1);
	assert_true(smtp_wire_facts(&sw)->implicit_tls);
	assert_true(smtp_wire_facts(&sw)->anomalies & SW_AN_NO_TLS_READER);
	assert_int_equal(smtp_wire_security(smtp_wire_facts(&sw)), 'T');
	assert_int_equal(smtp_wire_end(&sw), SMTP_WIRE_MORE);
	script_free(&sc);
}

/* The flow ends mid-handshake: the readers come back at the end. */
static void
test_end_returns_readers(void **state)
{
	struct script sc = { 0 };
	struct hs h = { 0 };
	struct hs_result r;
	struct fed fd;

	(void)state;
	dialogue_to_starttls(&sc);
	handshake(&sc, &h, &r);
	tp_reset(2);
	smtp_wire_init(&sw, &test_pool);
	fd.finals = 0;
	fd.final_seg = -1;
	feed_range(&sc, 0, 5, WHOLE, &fd);
	/* half of the ClientHello */
	smtp_wire_feed(&sw, C2S, sc.s[5].p, sc.s[5].len / 2);
	assert_int_equal(smtp_wire_phase(&sw), SW_TLS);
	assert_int_equal(tp.gets, 1);
	assert_true(tp.used[0]);
	assert_int_equal(smtp_wire_end(&sw), SMTP_WIRE_FINAL);
	tp_balanced();
	assert_int_equal(tp.dones, 1);
	assert_false(smtp_wire_facts(&sw)->client_hello);
	assert_true(smtp_wire_facts(&sw)->tls_started);
	script_free(&sc);
}

/* ---- not SMTP, errors, limits ---- */

static void
test_not_smtp(void **state)
{
	static const char *const bad[] = {
		"HTTP/1.1 400 Bad Request\r\n",
		"SSH-2.0-OpenSSH_9.2p1\r\n",
		"* OK IMAP4rev1 ready\r\n",
		"+OK POP3 ready\r\n",
		"22\0 mx\r\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t len = i == 4 ? 9 : strlen(bad[i]);

		tp_reset(2);
		smtp_wire_init(&sw, &test_pool);
		assert_int_equal(smtp_wire_feed(&sw, S2C, (const uint8_t *)bad[i], len),
		    SMTP_WIRE_FINAL);
		assert_int_equal(smtp_wire_phase(&sw), SW_NOT_SMTP);
		assert_true(smtp_wire_facts(&sw)->anomalies & SW_AN_NOT_SMTP);
		assert_int_equal(smtp_wire_feed(&sw, S2C, (const uint8_t *)"220 x\r\n", 7),
		    SMTP_WIRE_MORE);
		assert_int_equal(smtp_wire_feed(&sw, C2S, (const uint8_t *)"EHLO x\r\n", 8),
		    SMTP_WIRE_MORE);
		assert_int_equal(smtp_wire_facts(&sw)->banner_code, 0);
		assert_int_equal(smtp_wire_facts(&sw)->commands, 0);
		assert_int_equal(smtp_wire_facts(&sw)->bytes[S2C], len + 7);
		assert_int_equal(smtp_wire_gap(&sw, S2C, 5), SMTP_WIRE_MORE);
		assert_int_equal(smtp_wire_end(&sw), SMTP_WIRE_MORE);
		assert_int_equal(smtp_wire_security(smtp_wire_facts(&sw)), ' ');
	}
}

static void
test_reply_error_resync(void **state)
{
	struct script sc = { 0 };
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	S(&sc, "220 mx\r\n");
	C(&sc, "EHLO c\r\n");
	S(&sc, "250-mx\r\n250-PIPELINING\r\n");
	S(&sc, "garbage in the middle\r\n");  /* an error: the reply is dropped */
	S(&sc, "250 STARTTLS\r\n");           /* a reply of its own: answers the EHLO */
	C(&sc, "NOOP\r\n");
	S(&sc, "250 ok\r\n");
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_true(f.anomalies & SW_AN_REPLY_ERROR);
	assert_false(f.anomalies & SW_AN_NOT_SMTP);
	assert_int_equal(f.ehlo_code, 250);
	assert_true(f.have_caps);
	assert_int_equal(f.replies, 3);
	assert_int_equal(f.last_code, 250);
	assert_int_equal(ph, SW_DIALOGUE);
	script_free(&sc);
}

static void
test_long_client_line(void **state)
{
	struct script sc = { 0 };
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;
	char line[700];

	(void)state;
	memset(line, 'A', sizeof line);
	memcpy(line, "QUIT ", 5);
	memcpy(line + sizeof line - 3, "\r\n", 3);
	S(&sc, "220 mx\r\n");
	C(&sc, line);
	S(&sc, "500 5.5.2 line too long\r\n");
	C(&sc, "EHLO c\r\n");
	S(&sc, "250-mx\r\n250 STARTTLS\r\n");
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_int_equal(f.long_lines, 1);
	assert_false(f.quit_seen);    /* a long line is not read as a command */
	assert_int_equal(f.commands, 2);
	assert_true(f.starttls_offered);   /* the 500 answered the long line */
	assert_int_equal(f.ehlo_code, 250);
	assert_int_equal(fs, -1);
	script_free(&sc);

	/* 510 octets and CRLF is not too long */
	memset(line, 'B', 510);
	memcpy(line, "NOOP ", 5);
	memcpy(line + 510, "\r\n", 3);
	tp_reset(2);
	smtp_wire_init(&sw, &test_pool);
	smtp_wire_feed(&sw, C2S, (const uint8_t *)line, 512);
	assert_int_equal(smtp_wire_facts(&sw)->long_lines, 0);
	assert_int_equal(smtp_wire_facts(&sw)->commands, 1);
}

static void
test_banner_421(void **state)
{
	struct fed fd = { 0, -1 };
	struct script sc = { 0 };

	(void)state;
	S(&sc, "421 4.3.2 mx.example.net Service shutting down\r\n");
	tp_reset(2);
	smtp_wire_init(&sw, &test_pool);
	feed_range(&sc, 0, sc.n, WHOLE, &fd);
	assert_int_equal(fd.finals, 0);
	assert_int_equal(smtp_wire_facts(&sw)->banner_code, 421);
	assert_string_equal(smtp_wire_facts(&sw)->banner,
	    "4.3.2 mx.example.net Service shutting down");
	assert_int_equal(smtp_wire_server_type(smtp_wire_facts(&sw)), ' ');
	assert_int_equal(smtp_wire_security(smtp_wire_facts(&sw)), ' ');
	assert_int_equal(smtp_wire_end(&sw), SMTP_WIRE_FINAL);
	assert_int_equal(smtp_wire_end(&sw), SMTP_WIRE_MORE);
	script_free(&sc);
}

/* 421 to EHLO is not a refusal; an unsolicited 421 answers nothing. */
static void
test_421_anytime(void **state)
{
	struct script sc = { 0 };
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	S(&sc, "220 mx\r\n");
	C(&sc, "EHLO c\r\n");
	S(&sc, "421 4.7.0 too many connections\r\n");
	S(&sc, "421 4.4.2 timeout\r\n");
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_int_equal(f.ehlo_code, 421);
	assert_false(f.ehlo_refused);
	assert_int_equal(f.replies, 3);
	assert_string_equal(f.last_reply, "421 4.4.2 timeout");
	assert_int_equal(smtp_wire_server_type(&f), ' ');
	assert_int_equal(smtp_wire_security(&f), ' ');
	script_free(&sc);
}

static void
test_final_once(void **state)
{
	const uint8_t *mail = (const uint8_t *)"MAIL FROM:<a@b>\r\n";
	const uint8_t *quit = (const uint8_t *)"QUIT\r\n";
	uint64_t c;

	(void)state;
	tp_reset(2);
	smtp_wire_init(&sw, &test_pool);
	assert_int_equal(smtp_wire_feed(&sw, S2C, (const uint8_t *)"220 mx\r\n", 8),
	    SMTP_WIRE_MORE);
	assert_int_equal(smtp_wire_feed(&sw, C2S, mail, 17), SMTP_WIRE_FINAL);
	assert_int_equal(smtp_wire_feed(&sw, C2S, mail, 17), SMTP_WIRE_MORE);
	assert_int_equal(smtp_wire_feed(&sw, C2S, quit, 6), SMTP_WIRE_MORE);
	assert_int_equal(smtp_wire_gap(&sw, C2S, 3), SMTP_WIRE_MORE);
	assert_true(smtp_wire_facts(&sw)->quit_seen);
	assert_int_equal(smtp_wire_end(&sw), SMTP_WIRE_MORE);
	/* after the end: nothing is read, nothing counted */
	c = smtp_wire_facts(&sw)->bytes[C2S];
	assert_int_equal(smtp_wire_feed(&sw, C2S, quit, 6), SMTP_WIRE_MORE);
	assert_int_equal(smtp_wire_gap(&sw, S2C, 3), SMTP_WIRE_MORE);
	assert_int_equal(smtp_wire_end(&sw), SMTP_WIRE_MORE);
	assert_int_equal(smtp_wire_facts(&sw)->bytes[C2S], c);
	assert_int_equal(smtp_wire_phase(&sw), SW_ENDED);

	/* never final before: end says so, once */
	smtp_wire_init(&sw, &test_pool);
	assert_int_equal(smtp_wire_end(&sw), SMTP_WIRE_FINAL);
	assert_int_equal(smtp_wire_end(&sw), SMTP_WIRE_MORE);
	assert_int_equal(smtp_wire_security(smtp_wire_facts(&sw)), ' ');
	tp_balanced();
}

static void
test_bad_arguments(void **state)
{
	(void)state;
	smtp_wire_init(&sw, &test_pool);
	assert_int_equal(smtp_wire_feed(&sw, 2, (const uint8_t *)"220 x\r\n", 7), SMTP_WIRE_MORE);
	assert_int_equal(smtp_wire_feed(&sw, -1, (const uint8_t *)"220 x\r\n", 7), SMTP_WIRE_MORE);
	assert_int_equal(smtp_wire_feed(&sw, S2C, NULL, 7), SMTP_WIRE_MORE);
	assert_int_equal(smtp_wire_feed(&sw, S2C, (const uint8_t *)"", 0), SMTP_WIRE_MORE);
	assert_int_equal(smtp_wire_gap(&sw, 5, 7), SMTP_WIRE_MORE);
	assert_int_equal(smtp_wire_gap(&sw, S2C, 0), SMTP_WIRE_MORE);
	assert_int_equal(smtp_wire_facts(&sw)->bytes[0] + smtp_wire_facts(&sw)->bytes[1], 0);
	assert_int_equal(smtp_wire_facts(&sw)->anomalies, 0);
	assert_int_equal(smtp_wire_phase(&sw), SW_GREETING);
}

/* Printable texts only: these reach logs, JSON and SNMP. */
static void
test_texts_printable(void **state)
{
	static const uint8_t banner[] = "220 mx\x01\x7f\xff tab\there\r\n";

	(void)state;
	smtp_wire_init(&sw, NULL);
	smtp_wire_feed(&sw, S2C, banner, sizeof banner - 1);
	assert_string_equal(smtp_wire_facts(&sw)->banner, "mx??? tab?here");
	assert_string_equal(smtp_wire_facts(&sw)->last_reply, "220 mx??? tab?here");
}

static void
test_pipeline_overflow(void **state)
{
	char buf[64 * 8];
	size_t i;

	(void)state;
	smtp_wire_init(&sw, NULL);
	smtp_wire_feed(&sw, S2C, (const uint8_t *)"220 mx\r\n", 8);
	for (i = 0; i < 64; i++)
		memcpy(buf + i * 8, "NOOP  \r\n", 8);
	smtp_wire_feed(&sw, C2S, (const uint8_t *)buf, sizeof buf);
	for (i = 0; i < 64; i++)
		smtp_wire_feed(&sw, S2C, (const uint8_t *)"250 ok\r\n", 8);
	assert_int_equal(smtp_wire_facts(&sw)->commands, 64);
	assert_int_equal(smtp_wire_facts(&sw)->replies, 65);
	assert_int_equal(smtp_wire_phase(&sw), SW_DIALOGUE);
}

static void
test_names(void **state)
{
	char buf[64];
	size_t n;

	(void)state;
	assert_string_equal(smtp_wire_phase_name(SW_GREETING), "greeting");
	assert_string_equal(smtp_wire_phase_name(SW_DIALOGUE), "dialogue");
	assert_string_equal(smtp_wire_phase_name(SW_STARTTLS), "starttls");
	assert_string_equal(smtp_wire_phase_name(SW_TLS), "tls");
	assert_string_equal(smtp_wire_phase_name(SW_ENCRYPTED), "encrypted");
	assert_string_equal(smtp_wire_phase_name(SW_IMPLICIT_TLS), "implicit-tls");
	assert_string_equal(smtp_wire_phase_name(SW_NOT_SMTP), "not-smtp");
	assert_string_equal(smtp_wire_phase_name(SW_ENDED), "ended");
	assert_string_equal(smtp_wire_phase_name((enum smtp_wire_phase)99), "?");
	assert_string_equal(smtp_wire_anomaly_name(SW_AN_STARTTLS_MANGLED), "starttls-mangled");
	assert_string_equal(smtp_wire_anomaly_name(SW_AN_PLAINTEXT_AFTER_220),
	    "plaintext-after-220");
	assert_string_equal(smtp_wire_anomaly_name(SW_AN_REPLY_ERROR), "reply-error");
	assert_string_equal(smtp_wire_anomaly_name((enum smtp_wire_anomaly)3), "?");
	n = smtp_wire_anomaly_names(SW_AN_CMD_MANGLED | SW_AN_GAP | SW_AN_NOT_SMTP, buf,
	    sizeof buf);
	assert_string_equal(buf, "cmd-mangled gap not-smtp");
	assert_int_equal(n, strlen(buf));
	n = smtp_wire_anomaly_names(SW_AN_CMD_MANGLED | SW_AN_GAP, buf, 8);
	assert_string_equal(buf, "cmd-man");
	assert_int_equal(n, strlen("cmd-mangled gap"));
	n = smtp_wire_anomaly_names(SW_AN_CMD_MANGLED | SW_AN_GAP, buf, 13);
	assert_string_equal(buf, "cmd-mangled ");
	assert_int_equal(smtp_wire_anomaly_names(0, buf, sizeof buf), 0);
	assert_string_equal(buf, "");
	assert_int_equal(smtp_wire_anomaly_names(0x1ff, NULL, 0), strlen(
	    "starttls-mangled cmd-mangled starttls-refused plaintext-after-220 gap tls-error "
	    "not-smtp no-tls-reader reply-error"));
}

/* ---- seeds for tests/fuzz/fuzz_smtp_wire.c ---- */

/* A session in the fuzz target's input format: chunks of at most 256 bytes
 * fed whole (control = direction), gaps (control = direction | 7 << 1 |
 * m << 4, n * (m + 1) bytes lost). */
static void
write_seed(const struct script *sc, const char *dir, const char *name)
{
	char path[512];
	FILE *fp;
	size_t i, off, n;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	for (i = 0; i < sc->n; i++) {
		const struct seg *g = &sc->s[i];

		if (g->dir == GAP_C || g->dir == GAP_S) {
			size_t m = (g->len + 255) / 256;

			if (m > 16)
				m = 16;
			n = (g->len + m - 1) / m;
			if (n > 256)
				n = 256;
			fputc((g->dir == GAP_C ? C2S : S2C) | 7 << 1 | (int)(m - 1) << 4, fp);
			fputc((int)n - 1, fp);
			continue;
		}
		for (off = 0; off < g->len; off += n) {
			n = g->len - off < 256 ? g->len - off : 256;
			fputc(g->dir, fp);
			fputc((int)n - 1, fp);
			assert_int_equal(fwrite(g->p + off, 1, n, fp), n);
		}
	}
	assert_int_equal(fclose(fp), 0);
}

/* A seed file played back exactly as tests/fuzz/fuzz_smtp_wire.c reads it,
 * whole operations only (write_seed() never cuts one); the facts and phase
 * before smtp_wire_end() in *f and *ph, and every reader lent comes back. */
static void
replay_seed(const char *path, struct smtp_wire_facts *f, enum smtp_wire_phase *ph)
{
	static uint8_t buf[1 << 16];
	FILE *fp = fopen(path, "rb");
	size_t size, i = 0, n, k;

	assert_non_null(fp);
	size = fread(buf, 1, sizeof buf, fp);
	assert_int_equal(fclose(fp), 0);
	assert_true(size > 0 && size < sizeof buf);
	tp_reset(2);
	smtp_wire_init(&sw, &test_pool);
	while (i < size) {
		uint8_t c = buf[i++];
		int dir = c & 1, what = (c >> 1) & 7;

		assert_true(i < size);
		n = (size_t)buf[i++] + 1;
		if (what == 5) {
			assert_true(i < size);
			n = ((n - 1) << 8 | buf[i++]) + 1;
		}
		if (what == 7) {
			smtp_wire_gap(&sw, dir, (uint32_t)(n * (1u + (c >> 4))));
			continue;
		}
		assert_true(n <= size - i);
		if (what == 6)
			for (k = 0; k < n; k++)
				smtp_wire_feed(&sw, dir, buf + i + k, 1);
		else
			smtp_wire_feed(&sw, dir, buf + i, n);
		assert_sane(&sw);
		i += n;
	}
	memcpy(f, smtp_wire_facts(&sw), sizeof *f);
	*ph = smtp_wire_phase(&sw);
	smtp_wire_end(&sw);
	assert_int_equal(smtp_wire_phase(&sw), SW_ENDED);
	tp_balanced();
}

/* The seeds written, to be removed again from a scratch directory. */
static const char *seed_names[16];
static size_t n_seeds;

/* Write sc as seed NAME into dir, then read it back: it must give the facts
 * and the phase that feeding sc itself gives. Returns those facts. */
static const struct smtp_wire_facts *
seed(const struct script *sc, const char *dir, const char *name)
{
	static struct smtp_wire_facts direct, replayed;
	enum smtp_wire_phase ph, rph;
	char path[512];
	struct fed fd;

	assert_true(n_seeds < sizeof seed_names / sizeof seed_names[0]);
	seed_names[n_seeds++] = name;
	write_seed(sc, dir, name);
	tp_reset(2);
	play(sc, WHOLE, &test_pool, &fd);
	assert_true(fd.finals <= 1);
	memcpy(&direct, smtp_wire_facts(&sw), sizeof direct);
	ph = smtp_wire_phase(&sw);
	smtp_wire_end(&sw);
	tp_balanced();
	snprintf(path, sizeof path, "%s/%s", dir, name);
	replay_seed(path, &replayed, &rph);
	if (memcmp(&direct, &replayed, sizeof direct) != 0)
		fail_msg("seed %s: its facts differ from the session's", name);
	assert_int_equal(rph, ph);
	return &direct;
}

/* The seed corpus of tests/fuzz/fuzz_smtp_wire (tests/fuzz/make-corpus.sh
 * puts it into tests/fuzz/corpus/fuzz_smtp_wire with SMTP_WIRE_SEEDS set).
 * Without SMTP_WIRE_SEEDS the seeds go to a scratch directory, removed
 * again. Either way each one is read back as the fuzz target reads it and
 * must give what its session is made to show. */
static void
test_fuzz_seeds(void **state)
{
	const char *dir = getenv("SMTP_WIRE_SEEDS");
	struct script sc = { 0 };
	struct hs h13 = { .sni = "mx.example.net", .app_data = true };
	struct hs h12 = { .server_max = TLS1_2_VERSION, .app_data = true };
	struct hs hrr = { .client_groups = "X25519:P-256", .server_groups = "P-256" };
	struct hs scsv = { .client_max = TLS1_2_VERSION, .fallback_scsv = true };
	struct hs_result r;
	const struct smtp_wire_facts *f;
	char token[700], scratch[512], path[1024];
	const char *tmp = getenv("TMPDIR");
	bool own = dir == NULL || *dir == '\0';
	size_t i;

	(void)state;
	n_seeds = 0;
	if (own) {
		snprintf(scratch, sizeof scratch, "%s/test_smtp_wire.XXXXXX",
		    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
		dir = mkdtemp(scratch);
		assert_non_null(dir);
	}

	dialogue_to_starttls(&sc);
	handshake(&sc, &h13, &r);
	assert_true(r.ok);
	f = seed(&sc, dir, "starttls-tls13");
	assert_int_equal(f->starttls_code, 220);
	assert_int_equal(f->tls_version, 0x0304);
	assert_string_equal(f->sni, "mx.example.net");
	script_free(&sc);

	dialogue_to_starttls(&sc);
	handshake(&sc, &h12, &r);
	assert_true(r.ok);
	f = seed(&sc, dir, "starttls-tls12");
	assert_int_equal(f->tls_version, 0x0303);
	assert_true(f->cert_seen);
	script_free(&sc);

	dialogue_to_starttls(&sc);
	handshake(&sc, &hrr, &r);
	assert_true(r.ok);
	f = seed(&sc, dir, "starttls-hrr");
	assert_true(f->hello_retry_request);
	assert_int_equal(f->tls_version, 0x0304);
	script_free(&sc);

	handshake(&sc, &h13, &r);
	assert_true(r.ok);
	f = seed(&sc, dir, "implicit-tls13");
	assert_true(f->implicit_tls);
	assert_int_equal(f->tls_version, 0x0304);
	script_free(&sc);

	dialogue_to_starttls(&sc);
	handshake(&sc, &scsv, &r);   /* a fatal alert: inappropriate_fallback */
	assert_false(r.ok);
	f = seed(&sc, dir, "starttls-alert");
	assert_true(f->client_fallback_scsv);
	assert_true(f->tls_alert);
	assert_int_equal(f->alert_desc, 86);
	script_free(&sc);

	S(&sc, "220 old.example.net Sendmail\r\n");
	C(&sc, "EHLO c\r\n");
	S(&sc, "502 5.5.2 Command not recognized\r\n");
	C(&sc, "HELO c\r\n");
	S(&sc, "250 old.example.net\r\n");
	C(&sc, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
	S(&sc, "250 ok\r\n250 ok\r\n354 go\r\n");
	C(&sc, "Subject: x\r\n\r\nQUIT\r\n..\r\n.\r\nQUIT\r\n");
	S(&sc, "250 queued\r\n221 bye\r\n");
	f = seed(&sc, dir, "helo-data");
	assert_true(f->ehlo_refused);
	assert_int_equal(f->helo_code, 250);
	assert_true(f->mail_plaintext);
	assert_true(f->quit_seen);
	assert_int_equal(f->last_code, 221);
	script_free(&sc);

	S(&sc, "220-mx ESMTP\r\n220 second\r\n");
	C(&sc, "EHLO c\r\n");
	S(&sc, "250-mx\r\n250-CHUNKING\r\n250-AUTH=LOGIN PLAIN\r\n250-XXXXXXXA\r\n"
	    "250 PIPELINING\r\n");
	C(&sc, "AUTH LOGIN\r\n");
	S(&sc, "334 VXNlcm5hbWU6\r\n");
	C(&sc, "dXNlcg==\r\n");
	S(&sc, "334 UGFzc3dvcmQ6\r\n");
	memset(token, 'A', sizeof token);       /* a response over 512 octets */
	memcpy(token + sizeof token - 3, "\r\n", 3);
	C(&sc, token);
	S(&sc, "235 ok\r\n");
	C(&sc, "XXXXXXXX\r\n");
	S(&sc, "500 what\r\n");
	C(&sc, "STARTTLS\r\n");
	S(&sc, "454 4.7.0 TLS not available\r\n");
	C(&sc, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 12\r\nQUIT\r\nDATA\r\n");
	gap(&sc, C2S, 100);
	C(&sc, "BDAT 5 LAST\r\nHELLO");
	S(&sc, "250 ok\r\n250 ok\r\n250 ok\r\n");
	gap(&sc, S2C, 10);
	S(&sc, "250 ok\r\n421 bye\r\n");
	f = seed(&sc, dir, "auth-bdat-mangled");
	assert_string_equal(f->mangled, "XXXXXXXA");
	assert_int_equal(f->starttls_code, 454);
	assert_true(f->anomalies & SW_AN_STARTTLS_REFUSED);
	assert_true(f->anomalies & SW_AN_GAP);
	assert_false(f->tls_started);
	script_free(&sc);

	dialogue_to_starttls(&sc);
	C(&sc, "EHLO again\r\n");
	S(&sc, "250 ok\r\n");
	f = seed(&sc, dir, "plaintext-after-220");
	assert_true(f->anomalies & SW_AN_PLAINTEXT_AFTER_220);
	assert_false(f->tls_started);
	script_free(&sc);

	assert_int_equal(n_seeds, 8);
	if (own) {
		for (i = 0; i < n_seeds; i++) {
			snprintf(path, sizeof path, "%s/%s", dir, seed_names[i]);
			assert_int_equal(unlink(path), 0);
		}
		assert_int_equal(rmdir(dir), 0);    /* nothing else was left in it */
	}
}

/* A lost server segment that ends at a line end (the usual case): the whole
 * EHLO reply is lost; the 220 after it is still parsed and the handshake
 * read. */
static void
test_gap_whole_reply_then_tls(void **state)
{
	struct script hs_sc = { 0 }, sc = { 0 };
	struct hs h = { .server_max = TLS1_2_VERSION };
	struct hs_result r;
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	S(&sc, "220 mx.example.net ESMTP Postfix\r\n");
	C(&sc, "EHLO client.example.org\r\n");
	gap(&sc, S2C, (uint32_t)strlen(ehlo_reply));
	C(&sc, "STARTTLS\r\n");
	S(&sc, "220 2.0.0 Ready to start TLS\r\n");
	handshake(&hs_sc, &h, &r);
	assert_true(r.ok);
	for (size_t i = 0; i < hs_sc.n; i++)
		add(&sc, hs_sc.s[i].dir, hs_sc.s[i].p, hs_sc.s[i].len);
	script_free(&hs_sc);
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_true(f.anomalies & SW_AN_GAP);
	assert_false(f.have_caps);          /* the EHLO reply was lost: no verdict on it */
	assert_int_equal(f.starttls_code, 220);
	assert_true(f.server_hello);
	assert_int_equal(f.tls_version, 0x0303);
	assert_true(f.cert_seen);
	assert_int_equal(smtp_wire_security(&f), 'T');
	smtp_wire_end(&sw);
	tp_balanced();
	script_free(&sc);
}

/* The segment with the 220 to STARTTLS is lost: TLS bytes from the server
 * while STARTTLS waits are its handshake. */
static void
test_gap_lost_220(void **state)
{
	struct script hs_sc = { 0 }, sc = { 0 };
	struct hs h = { .server_max = TLS1_3_VERSION };
	struct hs_result r;
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	S(&sc, "220 mx.example.net ESMTP Postfix\r\n");
	C(&sc, "EHLO client.example.org\r\n");
	S(&sc, ehlo_reply);
	C(&sc, "STARTTLS\r\n");
	gap(&sc, S2C, 30);
	handshake(&hs_sc, &h, &r);
	assert_true(r.ok);
	for (size_t i = 0; i < hs_sc.n; i++)
		add(&sc, hs_sc.s[i].dir, hs_sc.s[i].p, hs_sc.s[i].len);
	script_free(&hs_sc);
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_true(f.have_caps);
	assert_true(f.starttls_offered);
	assert_int_equal(f.starttls_code, 0);   /* not seen */
	assert_true(f.server_hello);
	assert_int_equal(f.tls_version, 0x0304);
	assert_false(f.anomalies & SW_AN_PLAINTEXT_AFTER_220);
	smtp_wire_end(&sw);
	tp_balanced();
	script_free(&sc);
}

/* A gap inside the banner does not cost the EHLO reply its facts. */
static void
test_gap_in_banner(void **state)
{
	struct script sc = { 0 };
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	S(&sc, "220-mx.example.net ESMTP\r\n220-no UCE");
	gap(&sc, S2C, 20);
	S(&sc, "more text\r\n220 ok\r\n");
	C(&sc, "EHLO client.example.org\r\n");
	S(&sc, ehlo_reply);
	C(&sc, "MAIL FROM:<a@example.org>\r\n");
	S(&sc, "250 2.1.0 Ok\r\n");
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_true(f.anomalies & SW_AN_GAP);
	assert_true(f.have_caps);
	assert_true(f.starttls_offered);
	assert_int_equal(smtp_wire_server_type(&f), 'E');
	smtp_wire_end(&sw);
	script_free(&sc);
}

/* A kept plaintext connection (a monitor's NOOPs) is final at the reply to
 * its first NOOP after the EHLO reply, not at its end. */
static void
test_noop_after_ehlo_is_final(void **state)
{
	struct script sc = { 0 };
	struct smtp_wire_facts f;
	enum smtp_wire_phase ph;
	int fs;

	(void)state;
	S(&sc, "220 mx ESMTP\r\n");
	C(&sc, "NOOP\r\n");                  /* before EHLO: nothing to classify yet */
	S(&sc, "250 2.0.0 Ok\r\n");
	C(&sc, "EHLO c\r\n");
	S(&sc, "250-mx\r\n250 PIPELINING\r\n");
	C(&sc, "NOOP\r\n");
	S(&sc, "250 2.0.0 Ok\r\n");                /* segment 6: final here */
	C(&sc, "NOOP\r\n");
	S(&sc, "250 2.0.0 Ok\r\n");
	play_all_ways(&sc, 2, &f, &ph, &fs);
	assert_int_equal(fs, 6);
	assert_int_equal(smtp_wire_security(&f), 'B');
	assert_int_equal(smtp_wire_server_type(&f), 'E');
	smtp_wire_end(&sw);
	script_free(&sc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_starttls_tls13),
		cmocka_unit_test(test_starttls_tls12_cert),
		cmocka_unit_test(test_starttls_hello_retry),
		cmocka_unit_test(test_client_max_tls12),
		cmocka_unit_test(test_fallback_scsv_alert),
		cmocka_unit_test(test_client_tls_before_220),
		cmocka_unit_test(test_final_needs_both_sides),
		cmocka_unit_test(test_starttls_injection),
		cmocka_unit_test(test_implicit_tls13),
		cmocka_unit_test(test_implicit_tls12_cert),
		cmocka_unit_test(test_implicit_client_plain_server),
		cmocka_unit_test(test_helo_fallback),
		cmocka_unit_test(test_plain_mail_final),
		cmocka_unit_test(test_mangled_ehlo_keyword),
		cmocka_unit_test(test_mangled_not),
		cmocka_unit_test(test_mangled_command),
		cmocka_unit_test(test_starttls_refused),
		cmocka_unit_test(test_plaintext_after_220_client),
		cmocka_unit_test(test_plaintext_after_220_server),
		cmocka_unit_test(test_multiline_bytewise),
		cmocka_unit_test(test_pipelining),
		cmocka_unit_test(test_data_content_not_parsed),
		cmocka_unit_test(test_data_empty),
		cmocka_unit_test(test_data_refused),
		cmocka_unit_test(test_bdat),
		cmocka_unit_test(test_auth_exchange),
		cmocka_unit_test(test_gap_client_text),
		cmocka_unit_test(test_gap_server_text),
		cmocka_unit_test(test_gap_tls),
		cmocka_unit_test(test_gap_whole_reply_then_tls),
		cmocka_unit_test(test_gap_lost_220),
		cmocka_unit_test(test_gap_in_banner),
		cmocka_unit_test(test_noop_after_ehlo_is_final),
		cmocka_unit_test(test_gap_in_bdat),
		cmocka_unit_test(test_gap_in_data),
		cmocka_unit_test(test_pool_empty),
		cmocka_unit_test(test_pool_one),
		cmocka_unit_test(test_pool_null),
		cmocka_unit_test(test_end_returns_readers),
		cmocka_unit_test(test_not_smtp),
		cmocka_unit_test(test_reply_error_resync),
		cmocka_unit_test(test_long_client_line),
		cmocka_unit_test(test_banner_421),
		cmocka_unit_test(test_421_anytime),
		cmocka_unit_test(test_final_once),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_texts_printable),
		cmocka_unit_test(test_pipeline_overflow),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_fuzz_seeds),
	};
	return cmocka_run_group_tests_name("smtp_wire", tests, setup, teardown);
}
