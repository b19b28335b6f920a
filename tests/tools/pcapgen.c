/* tests/tools/pcapgen.c: synthetic captures of SMTP sessions (pcap, Ethernet,
 * TCP over IPv4 and IPv6) for the passive probe's tests and benchmark.
 *
 * Test runners:
 *   pcapgen craft SCENARIO -o FILE [--server ADDR:PORT] [--client ADDR:PORT]
 *           [-s SEED] [--cut body|header] > expect.json
 *       writes one crafted session (two for "stripped") and prints one JSON
 *       line saying what a correct dissector concludes: scenario, file,
 *       records (complete packet records in the file), the facts of the last
 *       session at the top level and those of every session in "sessions",
 *       plus truncated/cut_at/cut_in (truncated) and garbage_frames
 *       (garbage). E.g.
 *         jq -r .security expect.json                        -> "T"
 *         jq -r '.anomalies | join(" ")' lost.json            -> "gap"
 *         jq -r '.sessions[0].tls_version' stripped.json      -> "TLSv1.3"
 *       Facts of a session: server, client ("ADDR:PORT", "[ADDR6]:PORT"),
 *       server_type "E"/"S"/null (undetermined: implicit TLS hides the
 *       EHLO), security "T"/"B", tls_version "TLSv1.3"/
 *       "TLSv1.2"/null, cipher_id (IANA number)/null, starttls_offered,
 *       implicit_tls, sni, cert_seen, n_certs, cert_not_after (epoch)/null,
 *       anomalies (smtp_wire_anomaly_name() names), events (agent/pserver
 *       event names the session raises, given the earlier sessions of the
 *       file) and unsure (fields above a test should not assert: what they
 *       show depends on how a dissector resynchronises after a gap).
 *       The garbage scenario's frames never make a valid TCP segment to or
 *       from ports 25, 465, 587; some are deliberately invalid TCP headers
 *       to port 25 (cut short, data offset < 5 or beyond the segment).
 *       Scenarios: tls13 tls12 implicit465 helo plain stripped mangled
 *       cmd-mangled refused plaintext220 out-of-order retransmit split-reply
 *       truncated garbage lost ("pcapgen craft list" prints them).
 *       ADDR:PORT accepts "[2001:db8::25]:25"; both ends must be the same
 *       family. Defaults: server 192.0.2.25:25 (465 for implicit465), client
 *       198.51.100.10:49152 (IPv6 server: [2001:db8:c::10]:49152).
 *   pcapgen bench -n SESSIONS [-s SEED] [-c CONCURRENT] [-S SERVERS] -o FILE
 *       writes SESSIONS sessions (mix: 50% STARTTLS + TLS 1.3, 20% STARTTLS +
 *       TLS 1.2 with its certificate, 15% plaintext ESMTP delivery, 5% HELO
 *       after EHLO refused with 502, 10% implicit TLS 1.3 on port 465), on
 *       SERVERS servers (default 1000, one class each, 10% IPv6, ports 25, 587
 *       and 465), at most CONCURRENT (default 64) open at once with their
 *       packets interleaved in time order; prints one JSON line: sessions,
 *       packets, caplen_bytes (what a pcap_loop counts), file_bytes,
 *       sessions per class ("classes"), servers that had sessions per class
 *       ("servers_by_class"; a server keeps its class), and under "expect"
 *       the session totals a correct probe reports (server_type, security,
 *       TLS versions, cipher ids, starttls_offered, ...). No gaps, no
 *       retransmissions, no anomalies, no alerts.
 *
 * Everything is deterministic from the seed, the TLS bytes included: the
 * handshakes are run at start-up through memory BIOs between an in-process
 * OpenSSL client and server (a fresh self-signed EC P-256 certificate for
 * mail.example.net), with OpenSSL's random source replaced by a PRNG seeded
 * from SEED; their flights (one session ticket in TLS 1.3, then a short
 * encrypted dialogue: EHLO and its reply, QUIT and 221, close_notify both
 * ways) are replayed in every TLS session. The server picks
 * TLS_AES_128_GCM_SHA256 (4865) in TLS 1.3 and ECDHE-ECDSA-AES128-GCM-SHA256
 * (49195) in TLS 1.2. The tickets' session time is pinned to the capture's
 * start, so a file is byte-for-byte the same for the same arguments.
 * Timestamps start at 2026-01-01T00:00:00Z and strictly increase; the
 * capture point is next to the servers.
 *
 * Build: gcc -std=c11 -O2 -Wall -Wextra -Werror pcapgen.c -lpcap -lssl -lcrypto
 */
#ifdef HAVE_CONFIG_H
#include "buildconf.h"          /* in the automake build */
#else
#define _GNU_SOURCE 1           /* built alone: cc FILE.c ... */
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define C2S 0                   /* direction; also the index of its sender */
#define S2C 1

#define T0_US (UINT64_C(1767225600) * 1000000)  /* 2026-01-01T00:00:00Z */
#define CERT_NOT_BEFORE 1764547200              /* 2025-12-01 */
#define CERT_NOT_AFTER 1827619200               /* 2027-12-01 */
#define SERVER_NAME "mail.example.net"

enum { F_FIN = 0x01, F_SYN = 0x02, F_RST = 0x04, F_PSH = 0x08, F_ACK = 0x10 };

/* ---- the Postfix dialogue ---- */

static const char BANNER[] = "220 mail.example.net ESMTP Postfix (Debian/GNU)\r\n";
#define EHLO_HEAD "250-mail.example.net\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n" \
	"250-VRFY\r\n250-ETRN\r\n"
#define EHLO_TAIL "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n" \
	"250-SMTPUTF8\r\n250 CHUNKING\r\n"
static const char EHLO_TLS[] = EHLO_HEAD "250-STARTTLS\r\n" EHLO_TAIL;
static const char EHLO_PLAIN[] = EHLO_HEAD EHLO_TAIL;
static const char EHLO_MANGLED[] = EHLO_HEAD "250-XXXXXXXA\r\n" EHLO_TAIL;
static const char EHLO_CMD[] = "EHLO client.example.org\r\n";
static const char HELO_CMD[] = "HELO client.example.org\r\n";
static const char R502[] = "502 5.5.2 Error: command not recognized\r\n";
static const char R500[] = "500 5.5.2 Error: command not recognized\r\n";
static const char HELO_OK[] = "250 mail.example.net\r\n";
static const char STARTTLS_CMD[] = "STARTTLS\r\n";
static const char R220_TLS[] = "220 2.0.0 Ready to start TLS\r\n";
static const char R454[] = "454 4.7.0 TLS not available due to local problem\r\n";
static const char MANGLED_CMD[] = "XXXXXXXX\r\n";
static const char MAIL_CMD[] = "MAIL FROM:<alice@example.org> SIZE=318\r\n";
static const char MAIL_CMD_HELO[] = "MAIL FROM:<alice@example.org>\r\n";
static const char MAIL_OK[] = "250 2.1.0 Ok\r\n";
static const char RCPT_CMD[] = "RCPT TO:<bob@example.net>\r\n";
static const char RCPT_OK[] = "250 2.1.5 Ok\r\n";
static const char DATA_CMD[] = "DATA\r\n";
static const char R354[] = "354 End data with <CR><LF>.<CR><LF>\r\n";
static const char PIPE_CMDS[] = "MAIL FROM:<alice@example.org> SIZE=318\r\n"
	"RCPT TO:<bob@example.net>\r\nDATA\r\n";
static const char PIPE_REPLIES[] = "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"
	"354 End data with <CR><LF>.<CR><LF>\r\n";
static const char MESSAGE[] =
	"Received: by client.example.org (Postfix, from userid 1000)\r\n"
	"\tid 4dQm2W1xYzz1234; Thu,  1 Jan 2026 00:00:00 +0000 (UTC)\r\n"
	"From: Alice <alice@example.org>\r\n"
	"To: Bob <bob@example.net>\r\n"
	"Subject: status report\r\n"
	"Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n"
	"Message-ID: <20260101000000.4dQm2W1xYzz1234@client.example.org>\r\n"
	"\r\n"
	"Hello Bob,\r\n\r\nall systems nominal.\r\n"
	".\r\n";
static const char QUEUED[] = "250 2.0.0 Ok: queued as 4dQm2W3k5Fz9sWd\r\n";
static const char QUIT_CMD[] = "QUIT\r\n";
static const char BYE[] = "221 2.0.0 Bye\r\n";

/* ---- utilities ---- */

static void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
fatal(const char *fmt, ...)
{
	va_list ap;

	fputs("pcapgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		fatal("out of memory");
	return p;
}

static void
put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Ones' complement sum of big-endian 16-bit words, not folded. */
static uint64_t
csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	while (len >= 8) {
		sum += (uint32_t)p[0] << 8 | p[1];
		sum += (uint32_t)p[2] << 8 | p[3];
		sum += (uint32_t)p[4] << 8 | p[5];
		sum += (uint32_t)p[6] << 8 | p[7];
		p += 8;
		len -= 8;
	}
	while (len >= 2) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t
csum_fin(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* xoshiro256** seeded through splitmix64 */
struct rng {
	uint64_t s[4];
};

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static void
rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
rng_u64(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

/* Uniform in [0, n). */
static uint32_t
rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_u64(r) >> 32) * n) >> 32);
}

static void
rng_fill(struct rng *r, uint8_t *p, size_t n)
{
	while (n > 0) {
		uint64_t v = rng_u64(r);
		size_t k = n < 8 ? n : 8;
		memcpy(p, &v, k);
		p += k;
		n -= k;
	}
}

/* ---- real TLS, recorded through memory BIOs ---- */

/* OpenSSL's random bytes come from this PRNG, so that the handshakes (keys,
 * randoms, ECDSA nonces) are the same for the same seed. */
static struct rng tls_rng;

static int
det_bytes(unsigned char *buf, int num)
{
	rng_fill(&tls_rng, buf, (size_t)num);
	return 1;
}

static int
det_status(void)
{
	return 1;
}

static RAND_METHOD det_rand = {
	.bytes = det_bytes,
	.pseudorand = det_bytes,
	.status = det_status,
};

/* Session tickets hold the session's time: pin it, so that they are the same
 * in every run too. */
static int
ticket_time(SSL *ssl, void *arg)
{
	(void)arg;
	SSL_SESSION_set_time(SSL_get0_session(ssl), (long)(T0_US / 1000000));
	return 1;
}

struct flight {
	int dir;
	uint8_t *p;
	size_t len;
};

#define CONV_MAX 48
struct conv {                   /* one recorded TLS connection */
	const char *name;
	struct flight f[CONV_MAX];
	int n;
	int hs_flights;         /* flights up to the end of the handshake */
	char version[16];       /* "TLSv1.3" */
	int cipher_id;          /* IANA number */
	bool cert_clear;        /* the Certificate is visible (TLS <= 1.2) */
	int n_certs;
};

enum { CV_T13, CV_T12, CV_IMPL, CV_N };
static struct conv convs[CV_N];
/* what an OpenSSL server answers when plaintext follows STARTTLS's 220 */
static struct conv conv_bad_hello;

struct tlspair {
	SSL *ssl[2];            /* [C2S] the client, [S2C] the server */
	BIO *in[2], *out[2];    /* their read and write BIOs */
	struct conv *cv;
};

static void
conv_add(struct conv *cv, int dir, const uint8_t *p, size_t n)
{
	struct flight *f;

	if (cv->n == 0 || cv->f[cv->n - 1].dir != dir) {
		if (cv->n == CONV_MAX)
			fatal("%s: too many flights", cv->name);
		f = &cv->f[cv->n++];
		f->dir = dir;
		f->p = NULL;
		f->len = 0;
	} else {
		f = &cv->f[cv->n - 1];
	}
	f->p = xrealloc(f->p, f->len + n);
	memcpy(f->p + f->len, p, n);
	f->len += n;
}

/* Move what side wrote to the other side's input, recording it. */
static size_t
pump(struct tlspair *t, int side)
{
	uint8_t buf[16384];
	size_t total = 0;
	int n;

	while ((n = BIO_read(t->out[side], buf, sizeof buf)) > 0) {
		conv_add(t->cv, side, buf, (size_t)n);
		if (BIO_write(t->in[!side], buf, n) != n)
			fatal("BIO_write");
		total += (size_t)n;
	}
	return total;
}

static void
tls_handshake(struct tlspair *t)
{
	bool done[2] = { false, false };

	for (int round = 0; round < 32; round++) {
		size_t moved = 0;
		for (int side = 0; side < 2; side++) {
			if (!done[side]) {
				int r = SSL_do_handshake(t->ssl[side]);
				if (r == 1)
					done[side] = true;
				else if (SSL_get_error(t->ssl[side], r) != SSL_ERROR_WANT_READ)
					fatal("%s: %s handshake failed", t->cv->name,
					    side == C2S ? "client" : "server");
			}
			moved += pump(t, side);
		}
		if (done[0] && done[1] && moved == 0)
			return;
	}
	fatal("%s: the handshake does not end", t->cv->name);
}

/* side writes text through TLS; the other side reads all of it. */
static void
tls_say(struct tlspair *t, int side, const char *text)
{
	size_t len = strlen(text), got = 0;
	char buf[4096];

	if (SSL_write(t->ssl[side], text, (int)len) != (int)len)
		fatal("%s: SSL_write", t->cv->name);
	pump(t, side);
	while (got < len) {
		int r = SSL_read(t->ssl[!side], buf, sizeof buf);
		if (r <= 0)
			fatal("%s: SSL_read: %d", t->cv->name, SSL_get_error(t->ssl[!side], r));
		got += (size_t)r;
	}
	pump(t, !side);
}

/* close_notify from side, read by the other, which answers with its own. */
static void
tls_close(struct tlspair *t, int side)
{
	char buf[256];

	SSL_shutdown(t->ssl[side]);
	pump(t, side);
	if (SSL_read(t->ssl[!side], buf, sizeof buf) > 0 ||
	    SSL_get_error(t->ssl[!side], 0) != SSL_ERROR_ZERO_RETURN)
		fatal("%s: no close_notify", t->cv->name);
	SSL_shutdown(t->ssl[!side]);
	pump(t, !side);
}

static void
tls_pair(struct tlspair *t, struct conv *cv, SSL_CTX *cctx, SSL_CTX *sctx, int max_version)
{
	SSL_CTX *ctx[2] = { cctx, sctx };

	memset(t, 0, sizeof *t);
	t->cv = cv;
	for (int i = 0; i < 2; i++) {
		t->ssl[i] = SSL_new(ctx[i]);
		t->in[i] = BIO_new(BIO_s_mem());
		t->out[i] = BIO_new(BIO_s_mem());
		if (t->ssl[i] == NULL || t->in[i] == NULL || t->out[i] == NULL)
			fatal("SSL_new");
		SSL_set_bio(t->ssl[i], t->in[i], t->out[i]);
	}
	SSL_set_connect_state(t->ssl[C2S]);
	SSL_set_accept_state(t->ssl[S2C]);
	if (!SSL_set_tlsext_host_name(t->ssl[C2S], SERVER_NAME) ||
	    !SSL_set_max_proto_version(t->ssl[C2S], max_version))
		fatal("SSL_set");
}

static void
tls_pair_free(struct tlspair *t)
{
	SSL_free(t->ssl[0]);
	SSL_free(t->ssl[1]);
}

static void
record_conv(struct conv *cv, const char *name, SSL_CTX *cctx, SSL_CTX *sctx, int max_version,
    bool implicit)
{
	struct tlspair t;

	cv->name = name;
	tls_pair(&t, cv, cctx, sctx, max_version);
	tls_handshake(&t);
	cv->hs_flights = cv->n;
	snprintf(cv->version, sizeof cv->version, "%s", SSL_get_version(t.ssl[C2S]));
	cv->cipher_id = SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(t.ssl[C2S]));
	cv->cert_clear = SSL_version(t.ssl[C2S]) <= TLS1_2_VERSION;
	cv->n_certs = cv->cert_clear ? 1 : 0;
	if (implicit)
		tls_say(&t, S2C, BANNER);
	tls_say(&t, C2S, EHLO_CMD);
	tls_say(&t, S2C, EHLO_PLAIN);
	tls_say(&t, C2S, QUIT_CMD);
	tls_say(&t, S2C, BYE);
	tls_close(&t, S2C);
	tls_pair_free(&t);
}

/* What the server writes when, after its 220 to STARTTLS, the client sends
 * an EHLO line instead of a ClientHello. */
static void
record_bad_hello(SSL_CTX *cctx, SSL_CTX *sctx)
{
	struct tlspair t;
	uint8_t buf[4096];
	int n, r;

	conv_bad_hello.name = "plaintext after 220";
	tls_pair(&t, &conv_bad_hello, cctx, sctx, TLS1_3_VERSION);
	BIO_write(t.in[S2C], EHLO_CMD, (int)strlen(EHLO_CMD));
	r = SSL_do_handshake(t.ssl[S2C]);
	if (r == 1)
		fatal("a plaintext EHLO was taken for a ClientHello");
	ERR_clear_error();
	while ((n = BIO_read(t.out[S2C], buf, sizeof buf)) > 0)
		conv_add(&conv_bad_hello, S2C, buf, (size_t)n);
	tls_pair_free(&t);
}

static void
tls_init(uint64_t seed)
{
	EVP_PKEY *key;
	X509 *x;
	X509_NAME *name;
	X509_EXTENSION *ext;
	X509V3_CTX v3;
	SSL_CTX *cctx, *sctx;

	rng_seed(&tls_rng, seed ^ UINT64_C(0x5eed7153));
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	if (!RAND_set_rand_method(&det_rand))
		fatal("RAND_set_rand_method");
#pragma GCC diagnostic pop

	key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	x = X509_new();
	if (key == NULL || x == NULL)
		fatal("EC key");
	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 0x2501);
	ASN1_TIME_set(X509_getm_notBefore(x), CERT_NOT_BEFORE);
	ASN1_TIME_set(X509_getm_notAfter(x), CERT_NOT_AFTER);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)SERVER_NAME,
	    -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509_set_pubkey(x, key);
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, "DNS:" SERVER_NAME);
	if (ext == NULL || !X509_add_ext(x, ext, -1) || !X509_sign(x, key, EVP_sha256()))
		fatal("certificate");
	X509_EXTENSION_free(ext);

	sctx = SSL_CTX_new(TLS_server_method());
	cctx = SSL_CTX_new(TLS_client_method());
	if (sctx == NULL || cctx == NULL)
		fatal("SSL_CTX_new");
	if (!SSL_CTX_use_certificate(sctx, x) || !SSL_CTX_use_PrivateKey(sctx, key) ||
	    !SSL_CTX_set_ciphersuites(sctx, "TLS_AES_128_GCM_SHA256") ||
	    !SSL_CTX_set_cipher_list(sctx, "ECDHE-ECDSA-AES128-GCM-SHA256"))
		fatal("server context");
	SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(sctx, 1);
	if (!SSL_CTX_set_session_ticket_cb(sctx, ticket_time, NULL, NULL))
		fatal("SSL_CTX_set_session_ticket_cb");
	SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, NULL);   /* opportunistic, as MTAs do */

	record_conv(&convs[CV_T13], "TLS 1.3 after STARTTLS", cctx, sctx, TLS1_3_VERSION, false);
	record_conv(&convs[CV_T12], "TLS 1.2 after STARTTLS", cctx, sctx, TLS1_2_VERSION, false);
	record_conv(&convs[CV_IMPL], "implicit TLS 1.3", cctx, sctx, TLS1_3_VERSION, true);
	record_bad_hello(cctx, sctx);

	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	X509_free(x);
	EVP_PKEY_free(key);
}

/* ---- TCP sessions ---- */

struct pkt {
	const uint8_t *data;
	uint32_t len;
	uint32_t seq, ack;
	uint32_t delay_us;      /* after the previous packet of the session */
	uint8_t dir, flags;
	bool drop;              /* lost by the capture: built, not written */
};

struct sess {
	int family;             /* AF_INET, AF_INET6 */
	uint8_t addr[2][16];    /* [C2S] the client, [S2C] the server */
	uint16_t port[2];
	uint16_t mss[2];        /* announced in SYN / SYN-ACK */
	uint32_t nxt[2];        /* next sequence number of each sender */
	uint32_t acked[2];      /* the last ack each side sent */
	uint16_t ipid[2];
	uint32_t flow;          /* IPv6 flow label */
	uint32_t rtt_us;
	struct rng *rng;
	struct pkt *pk;
	size_t n, cap, next;    /* built, allocated, next to write */
	uint64_t ts;            /* bench: time of pk[next] */
	int cls;                /* bench: class */
	char ehlo[64];          /* this client's EHLO line */
};

struct sendopt {
	uint32_t maxseg;        /* 0: the MSS */
	uint32_t ack_every;     /* the receiver ACKs every so many segments; 0 never */
	bool cont;              /* continues the sender's previous flight */
};

static uint32_t
jitter(struct sess *s, uint32_t base, uint32_t spread)
{
	return base + rng_below(s->rng, spread + 1);
}

/* Delay before side dir sends, seen from next to the server. */
static uint32_t
think(struct sess *s, int dir)
{
	return dir == S2C ? jitter(s, 30, 400) : s->rtt_us + jitter(s, 20, 300);
}

static void
sb_init(struct sess *s, struct rng *r, int family, const uint8_t *caddr, uint16_t cport,
    const uint8_t *saddr, uint16_t sport)
{
	size_t alen = family == AF_INET6 ? 16 : 4;

	s->family = family;
	memset(s->addr, 0, sizeof s->addr);
	memcpy(s->addr[C2S], caddr, alen);
	memcpy(s->addr[S2C], saddr, alen);
	s->port[C2S] = cport;
	s->port[S2C] = sport;
	s->rng = r;
	s->mss[C2S] = family == AF_INET6 ? 1440 : 1460;
	s->mss[S2C] = s->mss[C2S];
	s->nxt[C2S] = (uint32_t)rng_u64(r);
	s->nxt[S2C] = (uint32_t)rng_u64(r);
	s->acked[C2S] = s->acked[S2C] = 0;
	s->ipid[C2S] = (uint16_t)rng_u64(r);
	s->ipid[S2C] = (uint16_t)rng_u64(r);
	s->flow = (uint32_t)rng_u64(r) & 0xfffff;
	s->rtt_us = 300 + rng_below(r, 60000);
	s->n = s->next = 0;
	s->ts = 0;
	snprintf(s->ehlo, sizeof s->ehlo, "%s", EHLO_CMD);
}

static struct pkt *
sb_pkt(struct sess *s, int dir, uint8_t flags, const uint8_t *p, size_t len, uint32_t delay)
{
	struct pkt *k;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->pk = xrealloc(s->pk, s->cap * sizeof *s->pk);
	}
	k = &s->pk[s->n++];
	k->data = p;
	k->len = (uint32_t)len;
	k->dir = (uint8_t)dir;
	k->flags = flags;
	k->seq = s->nxt[dir];
	k->ack = (flags & F_ACK) ? s->nxt[!dir] : 0;
	k->delay_us = delay;
	k->drop = false;
	s->nxt[dir] += (uint32_t)len + ((flags & (F_SYN | F_FIN)) ? 1 : 0);
	if (flags & F_ACK)
		s->acked[dir] = s->nxt[!dir];
	return k;
}

static uint32_t
sb_segmax(const struct sess *s)
{
	return s->mss[C2S] < s->mss[S2C] ? s->mss[C2S] : s->mss[S2C];
}

static void
sb_open(struct sess *s)
{
	sb_pkt(s, C2S, F_SYN, NULL, 0, 0);
	sb_pkt(s, S2C, F_SYN | F_ACK, NULL, 0, jitter(s, 10, 60));
	sb_pkt(s, C2S, F_ACK, NULL, 0, s->rtt_us + jitter(s, 5, 50));
}

/* One flight: len bytes from dir, in segments of at most the MSS. */
static void
sb_send(struct sess *s, int dir, const void *data, size_t len, const struct sendopt *o)
{
	static const struct sendopt dflt;
	const uint8_t *p = data;
	uint32_t seg, delay, nseg = 0;
	size_t off = 0;

	if (o == NULL)
		o = &dflt;
	seg = o->maxseg ? o->maxseg : sb_segmax(s);
	if (!o->cont && s->acked[!dir] != s->nxt[dir])
		/* dir sends again: the peer acknowledges the previous flight first */
		sb_pkt(s, !dir, F_ACK, NULL, 0, think(s, !dir) / 2 + 1);
	delay = o->cont ? jitter(s, 5, 30) : think(s, dir);
	while (off < len) {
		size_t n = len - off < seg ? len - off : seg;
		sb_pkt(s, dir, F_ACK | (off + n == len ? F_PSH : 0), p + off, n, delay);
		off += n;
		delay = jitter(s, 2, 20);
		if (o->ack_every && ++nseg % o->ack_every == 0 && off < len)
			sb_pkt(s, !dir, F_ACK, NULL, 0, jitter(s, 20, 60));
	}
}

static void
say(struct sess *s, int dir, const char *text)
{
	sb_send(s, dir, text, strlen(text), NULL);
}

/* The server closes first: FIN, FIN, ACK. */
static void
sb_close(struct sess *s)
{
	sb_pkt(s, S2C, F_FIN | F_ACK, NULL, 0, think(s, S2C));
	sb_pkt(s, C2S, F_FIN | F_ACK, NULL, 0, think(s, C2S));
	sb_pkt(s, S2C, F_ACK, NULL, 0, think(s, S2C));
}

/* Flights [from, to) of a recorded TLS connection. */
static void
replay(struct sess *s, const struct conv *cv, int from, int to)
{
	for (int i = from; i < to && i < cv->n; i++)
		sb_send(s, cv->f[i].dir, cv->f[i].p, cv->f[i].len, NULL);
}

/* Insert a copy of packet src at position pos (pos > src). */
static struct pkt *
sb_insert(struct sess *s, size_t pos, size_t src, uint32_t delay)
{
	struct pkt copy = s->pk[src];

	sb_pkt(s, C2S, 0, NULL, 0, 0);      /* grows by one (changes no sequence) */
	memmove(&s->pk[pos + 1], &s->pk[pos], (s->n - 1 - pos) * sizeof *s->pk);
	copy.delay_us = delay;
	s->pk[pos] = copy;
	return &s->pk[pos];
}

/* The index of the first packet whose payload starts at p. */
static size_t
sb_find_ptr(const struct sess *s, const void *p)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->pk[i].data == p)
			return i;
	fatal("no packet found");
}

/* ---- frames ---- */

static const uint8_t MAC_SERVER[6] = { 0x52, 0x54, 0x00, 0x25, 0x00, 0x01 };
static const uint8_t MAC_ROUTER[6] = { 0x52, 0x54, 0x00, 0x00, 0xfe, 0x01 };

#define FRAME_MAX 2048

/* Ethernet + IP header for a payload of plen octets of protocol proto. */
static size_t
frame_ip(uint8_t *f, int family, int dir, const uint8_t *src, const uint8_t *dst, uint8_t proto,
    size_t plen, uint16_t ipid, uint32_t flow)
{
	memcpy(f, dir == C2S ? MAC_SERVER : MAC_ROUTER, 6);
	memcpy(f + 6, dir == C2S ? MAC_ROUTER : MAC_SERVER, 6);
	if (family == AF_INET) {
		uint8_t *ip = f + 14;
		put16(f + 12, 0x0800);
		ip[0] = 0x45;
		ip[1] = 0;
		put16(ip + 2, (uint32_t)(20 + plen));
		put16(ip + 4, ipid);
		put16(ip + 6, 0x4000);          /* DF */
		ip[8] = dir == C2S ? 52 : 64;
		ip[9] = proto;
		put16(ip + 10, 0);
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		put16(ip + 10, csum_fin(csum_add(0, ip, 20)));
		return 14 + 20;
	} else {
		uint8_t *ip = f + 14;
		put16(f + 12, 0x86dd);
		put32(ip, 0x60000000u | flow);
		put16(ip + 4, (uint32_t)plen);
		ip[6] = proto;
		ip[7] = dir == C2S ? 52 : 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
		return 14 + 40;
	}
}

/* Checksum of a TCP or UDP segment with its pseudo-header. */
static uint16_t
l4_csum(int family, const uint8_t *src, const uint8_t *dst, uint8_t proto, const uint8_t *seg,
    size_t len)
{
	size_t alen = family == AF_INET ? 4 : 16;
	uint64_t sum = csum_add(0, src, alen);

	sum = csum_add(sum, dst, alen);
	sum += proto;
	sum += len & 0xffff;
	sum += len >> 16;
	return csum_fin(csum_add(sum, seg, len));
}

static size_t
build_frame(uint8_t *f, struct sess *s, const struct pkt *k)
{
	int d = k->dir;
	size_t optlen = (k->flags & F_SYN) ? 12 : 0, tcplen = 20 + optlen + k->len;
	size_t h = frame_ip(f, s->family, d, s->addr[d], s->addr[!d], 6, tcplen, s->ipid[d]++,
	    s->flow);
	uint8_t *t = f + h;

	put16(t, s->port[d]);
	put16(t + 2, s->port[!d]);
	put32(t + 4, k->seq);
	put32(t + 8, k->ack);
	t[12] = (uint8_t)(((20 + optlen) / 4) << 4);
	t[13] = k->flags;
	put16(t + 14, (k->flags & F_SYN) ? (d == C2S ? 64240 : 65160) : (d == C2S ? 502 : 509));
	put16(t + 16, 0);
	put16(t + 18, 0);
	if (optlen) {
		static const uint8_t opt[12] = { 2, 4, 0, 0, 1, 1, 4, 2, 1, 3, 3, 7 };
		memcpy(t + 20, opt, sizeof opt);
		put16(t + 22, s->mss[d]);
	}
	if (k->len)
		memcpy(t + 20 + optlen, k->data, k->len);
	put16(t + 16, l4_csum(s->family, s->addr[d], s->addr[!d], 6, t, tcplen));
	return h + tcplen;
}

/* ---- output ---- */

struct out {
	pcap_t *pd;
	pcap_dumper_t *dump;
	FILE *fp;
	uint64_t packets, caplen_bytes, file_bytes, last_ts;
	uint8_t frame[FRAME_MAX];
};

static void
out_open(struct out *o, const char *path)
{
	memset(o, 0, sizeof *o);
	o->pd = pcap_open_dead(DLT_EN10MB, 65535);
	o->fp = fopen(path, "wb");
	if (o->pd == NULL || o->fp == NULL)
		fatal("%s: %s", path, strerror(errno));
	setvbuf(o->fp, NULL, _IOFBF, 1 << 20);
	o->dump = pcap_dump_fopen(o->pd, o->fp);
	if (o->dump == NULL)
		fatal("%s: %s", path, pcap_geterr(o->pd));
	o->file_bytes = 24;
}

/* Write one frame at time ts (moved forward if not after the last one);
 * returns the time used. */
static uint64_t
out_write(struct out *o, uint64_t ts, const uint8_t *frame, size_t len)
{
	struct pcap_pkthdr h;

	if (ts <= o->last_ts)
		ts = o->last_ts + 1;
	o->last_ts = ts;
	h.ts.tv_sec = (time_t)(ts / 1000000);
	h.ts.tv_usec = (suseconds_t)(ts % 1000000);
	h.caplen = h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)o->dump, &h, frame);
	o->packets++;
	o->caplen_bytes += len;
	o->file_bytes += 16 + len;
	return ts;
}

static void
out_close(struct out *o, const char *path)
{
	if (pcap_dump_flush(o->dump) != 0 || ferror(o->fp))
		fatal("%s: write error", path);
	pcap_dump_close(o->dump);       /* closes fp */
	pcap_close(o->pd);
}

/* ---- addresses ---- */

static bool
parse_endpoint(const char *text, int *family, uint8_t *addr, uint16_t *port)
{
	char host[64];
	const char *colon;
	char *end;
	unsigned long p;

	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (close == NULL || close[1] != ':' || (size_t)(close - text - 1) >= sizeof host)
			return false;
		memcpy(host, text + 1, (size_t)(close - text - 1));
		host[close - text - 1] = '\0';
		colon = close + 1;
		*family = AF_INET6;
	} else {
		colon = strrchr(text, ':');
		if (colon == NULL || (size_t)(colon - text) >= sizeof host)
			return false;
		memcpy(host, text, (size_t)(colon - text));
		host[colon - text] = '\0';
		*family = AF_INET;
	}
	memset(addr, 0, 16);
	if (inet_pton(*family, host, addr) != 1)
		return false;
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || p == 0 || p > 65535)
		return false;
	*port = (uint16_t)p;
	return true;
}

static void
endpoint_text(int family, const uint8_t *addr, uint16_t port, char *out, size_t outsz)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(family, addr, a, sizeof a);
	snprintf(out, outsz, family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, (unsigned)port);
}

/* text as the inside of a JSON string (quotes, backslashes, controls escaped) */
static const char *
json_esc(char *out, size_t outsz, const char *text)
{
	size_t n = 0;

	for (; *text && n + 7 < outsz; text++) {
		unsigned char ch = (unsigned char)*text;
		if (ch == '"' || ch == '\\') {
			out[n++] = '\\';
			out[n++] = (char)ch;
		} else if (ch < 0x20) {
			n += (size_t)snprintf(out + n, outsz - n, "\\u%04x", ch);
		} else {
			out[n++] = (char)ch;
		}
	}
	out[n] = '\0';
	return out;
}

/* ---- bench ---- */

enum { C_T13, C_T12, C_PLAIN, C_HELO, C_IMPL, NCLS };
static const char *const cls_name[NCLS] = {
	"starttls_tls13", "starttls_tls12", "plain", "helo", "implicit_tls13",
};
static const unsigned cls_pct[NCLS] = { 50, 20, 15, 5, 10 };

struct server {
	int family;
	uint8_t addr[16];
	uint16_t port;
	uint8_t cls;
	bool used;
};

struct bench {
	struct rng rng;
	struct server *srv;
	uint32_t n_srv;
	uint32_t first[NCLS], count[NCLS];      /* servers of each class */
	uint64_t sessions[NCLS], v6;
	uint32_t used[NCLS];                    /* servers that had a session */
	struct out out;
};

static void
bench_servers(struct bench *b)
{
	uint32_t at = 0;

	b->srv = xrealloc(NULL, b->n_srv * sizeof *b->srv);
	for (int c = 0; c < NCLS; c++) {
		uint32_t n = (uint32_t)((uint64_t)b->n_srv * cls_pct[c] / 100);
		if (c == NCLS - 1)
			n = b->n_srv - at;
		if (n == 0)
			fatal("-S: too few servers for the mix");
		b->first[c] = at;
		b->count[c] = n;
		for (uint32_t i = at; i < at + n; i++) {
			struct server *v = &b->srv[i];
			memset(v, 0, sizeof *v);
			v->cls = (uint8_t)c;
			if (i % 10 == 9) {
				static const uint8_t pfx[6] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x25 };
				v->family = AF_INET6;
				memcpy(v->addr, pfx, sizeof pfx);
				put32(v->addr + 12, i + 1);
			} else {
				v->family = AF_INET;
				put32(v->addr, 0x0a000000u | ((i / 250 + 1) << 8) | (i % 250 + 1));
			}
			v->port = c == C_IMPL ? 465 : (i % 5 == 4 ? 587 : 25);
		}
		at += n;
	}
}

static void
dlg_plain_mail(struct sess *s, bool pipelined, bool helo)
{
	if (pipelined) {
		say(s, C2S, PIPE_CMDS);
		say(s, S2C, PIPE_REPLIES);
	} else {
		say(s, C2S, helo ? MAIL_CMD_HELO : MAIL_CMD);
		say(s, S2C, MAIL_OK);
		say(s, C2S, RCPT_CMD);
		say(s, S2C, RCPT_OK);
		say(s, C2S, DATA_CMD);
		say(s, S2C, R354);
	}
	say(s, C2S, MESSAGE);
	say(s, S2C, QUEUED);
	say(s, C2S, QUIT_CMD);
	say(s, S2C, BYE);
}

static void
bench_session(struct bench *b, struct sess *s)
{
	uint32_t r = rng_below(&b->rng, 100), acc = 0;
	int c = 0;
	struct server *v;
	uint8_t caddr[16] = { 0 };

	while (c < NCLS - 1 && r >= acc + cls_pct[c])
		acc += cls_pct[c++];
	v = &b->srv[b->first[c] + rng_below(&b->rng, b->count[c])];
	if (!v->used)
		b->used[c]++;
	v->used = true;
	if (v->family == AF_INET6) {
		static const uint8_t pfx[6] = { 0x20, 0x01, 0x0d, 0xb8, 0x0c, 0x11 };
		memcpy(caddr, pfx, sizeof pfx);
		rng_fill(&b->rng, caddr + 8, 8);
		b->v6++;
	} else {
		put32(caddr, 0xac100000u | (rng_below(&b->rng, 0xffffe) + 1));  /* 172.16/12 */
	}
	sb_init(s, &b->rng, v->family, caddr, (uint16_t)(32768 + rng_below(&b->rng, 28232)),
	    v->addr, v->port);
	if (rng_below(&b->rng, 10) == 0)
		s->mss[C2S] = 1380;
	snprintf(s->ehlo, sizeof s->ehlo, "EHLO mta%u.client%u.example\r\n",
	    rng_below(&b->rng, 8), rng_below(&b->rng, 100000));
	s->cls = c;
	b->sessions[c]++;

	sb_open(s);
	if (c != C_IMPL)
		say(s, S2C, BANNER);
	switch (c) {
	case C_T13:
	case C_T12:
		say(s, C2S, s->ehlo);
		say(s, S2C, EHLO_TLS);
		say(s, C2S, STARTTLS_CMD);
		say(s, S2C, R220_TLS);
		replay(s, &convs[c == C_T13 ? CV_T13 : CV_T12], 0, CONV_MAX);
		break;
	case C_PLAIN:
		say(s, C2S, s->ehlo);
		say(s, S2C, EHLO_PLAIN);
		dlg_plain_mail(s, true, false);
		break;
	case C_HELO:
		say(s, C2S, s->ehlo);
		say(s, S2C, R502);
		say(s, C2S, HELO_CMD);
		say(s, S2C, HELO_OK);
		dlg_plain_mail(s, false, true);
		break;
	case C_IMPL:
		replay(s, &convs[CV_IMPL], 0, CONV_MAX);
		break;
	}
	sb_close(s);
}

/* min-heap of sessions by the time of their next packet */
static void
heap_down(struct sess **h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < n && h[l]->ts < h[m]->ts)
			m = l;
		if (l + 1 < n && h[l + 1]->ts < h[m]->ts)
			m = l + 1;
		if (m == i)
			return;
		struct sess *t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void
heap_up(struct sess **h, size_t i)
{
	while (i > 0 && h[(i - 1) / 2]->ts > h[i]->ts) {
		struct sess *t = h[i];
		h[i] = h[(i - 1) / 2];
		h[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static int
cmd_bench(uint64_t n, uint64_t seed, uint32_t conc, uint32_t n_srv, const char *path)
{
	struct bench *b = xrealloc(NULL, sizeof *b);
	struct sess *slots, **heap;
	size_t nh = 0;
	uint64_t started = 0, used = 0;
	uint64_t t = T0_US;
	char pathq[4096];

	memset(b, 0, sizeof *b);
	rng_seed(&b->rng, seed);
	b->n_srv = n_srv;
	bench_servers(b);
	out_open(&b->out, path);
	if (conc > n)
		conc = (uint32_t)n;
	slots = xrealloc(NULL, (conc ? conc : 1) * sizeof *slots);
	heap = xrealloc(NULL, (conc ? conc : 1) * sizeof *heap);
	memset(slots, 0, (conc ? conc : 1) * sizeof *slots);
	for (uint32_t i = 0; i < conc; i++) {
		bench_session(b, &slots[i]);
		started++;
		t += rng_below(&b->rng, 3000);
		slots[i].ts = t;
		heap[nh] = &slots[i];
		heap_up(heap, nh++);
	}
	while (nh > 0) {
		struct sess *s = heap[0];
		size_t len = build_frame(b->out.frame, s, &s->pk[s->next]);
		uint64_t ts = out_write(&b->out, s->ts, b->out.frame, len);

		if (++s->next < s->n) {
			s->ts = ts + s->pk[s->next].delay_us;
		} else if (started < n) {
			bench_session(b, s);
			started++;
			s->ts = ts + rng_below(&b->rng, 2000);
		} else {
			heap[0] = heap[--nh];
		}
		heap_down(heap, nh, 0);
	}
	out_close(&b->out, path);

	for (int c = 0; c < NCLS; c++)
		used += b->used[c];
	uint64_t *k = b->sessions;
	printf("{\"file\":\"%s\",\"seed\":%" PRIu64 ",\"sessions\":%" PRIu64 ",\"packets\":%" PRIu64
	    ",\"caplen_bytes\":%" PRIu64 ",\"file_bytes\":%" PRIu64 ",\"servers\":%u"
	    ",\"servers_used\":%" PRIu64 ",\"ipv6_sessions\":%" PRIu64 ",\"classes\":{",
	    json_esc(pathq, sizeof pathq, path), seed, n, b->out.packets, b->out.caplen_bytes,
	    b->out.file_bytes, n_srv, used, b->v6);
	for (int c = 0; c < NCLS; c++)
		printf("%s\"%s\":%" PRIu64, c ? "," : "", cls_name[c], k[c]);
	printf("},\"servers_by_class\":{");
	for (int c = 0; c < NCLS; c++)
		printf("%s\"%s\":%u", c ? "," : "", cls_name[c], b->used[c]);
	printf("},\"expect\":{\"server_type_E\":%" PRIu64 ",\"server_type_S\":%" PRIu64
	    ",\"server_type_none\":%" PRIu64 ",\"security_T\":%" PRIu64 ",\"security_B\":%" PRIu64
	    ",\"tls13\":%" PRIu64 ",\"tls12\":%" PRIu64 ",\"starttls_offered\":%" PRIu64
	    ",\"implicit_tls\":%" PRIu64 ",\"cert_seen\":%" PRIu64 ",\"mail_plaintext\":%" PRIu64
	    ",\"cipher_ids\":{\"%d\":%" PRIu64 ",\"%d\":%" PRIu64 "}}}\n",
	    k[C_T13] + k[C_T12] + k[C_PLAIN], k[C_HELO], k[C_IMPL],
	    k[C_T13] + k[C_T12] + k[C_IMPL], k[C_PLAIN] + k[C_HELO],
	    k[C_T13] + k[C_IMPL], k[C_T12], k[C_T13] + k[C_T12], k[C_IMPL], k[C_T12],
	    k[C_PLAIN] + k[C_HELO],
	    convs[CV_T13].cipher_id, k[C_T13] + k[C_IMPL], convs[CV_T12].cipher_id, k[C_T12]);
	for (uint32_t i = 0; i < conc; i++)
		free(slots[i].pk);
	free(slots);
	free(heap);
	free(b->srv);
	free(b);
	return 0;
}

/* ---- craft ---- */

struct expect {
	const char *server_type;        /* "E", "S"; NULL undetermined (' ') */
	const char *security;           /* "T", "B" */
	const struct conv *tls;         /* NULL: no TLS */
	bool starttls_offered;
	bool implicit;
	const char *anomalies;          /* JSON array members */
	const char *events;
	const char *unsure;
};

struct craft {
	const char *scenario;
	struct rng rng;
	int family;
	uint8_t saddr[16], caddr[16];
	uint16_t sport, cport;
	bool cut_header;
	struct out out;
	char json[16384];
	size_t jlen;
	char sess[2][2048];     /* describe() of each session */
	size_t nsess;
};

static void
json_add(struct craft *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
json_add(struct craft *c, const char *fmt, ...)
{
	va_list ap;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(c->json + c->jlen, sizeof c->json - c->jlen, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= sizeof c->json - c->jlen)
		fatal("JSON too long");
	c->jlen += (size_t)w;
}

/* "\"text\"" or null, into buf. */
static const char *
jstr(char *buf, size_t sz, const char *text)
{
	if (text == NULL)
		return "null";
	snprintf(buf, sz, "\"%s\"", text);
	return buf;
}

/* The number or null (when negative), into buf. */
static const char *
jnum(char *buf, size_t sz, long v)
{
	if (v < 0)
		return "null";
	snprintf(buf, sz, "%ld", v);
	return buf;
}

/* The expected facts of session s, as JSON members (no braces), kept in
 * c->sess[c->nsess++]. */
static void
describe(struct craft *c, const struct sess *s, const struct expect *e)
{
	char cl[80], sv[80], b[5][32];
	const struct conv *cv = e->tls;
	bool cert = cv && cv->cert_clear;
	int w;

	if (c->nsess == 2)
		fatal("too many sessions");
	endpoint_text(s->family, s->addr[C2S], s->port[C2S], cl, sizeof cl);
	endpoint_text(s->family, s->addr[S2C], s->port[S2C], sv, sizeof sv);
	w = snprintf(c->sess[c->nsess], sizeof c->sess[0],
	    "\"server\":\"%s\",\"client\":\"%s\",\"server_type\":%s,\"security\":\"%s\","
	    "\"tls_version\":%s,\"cipher_id\":%s,\"starttls_offered\":%s,\"implicit_tls\":%s,"
	    "\"sni\":%s,\"cert_seen\":%s,\"n_certs\":%d,\"cert_not_after\":%s,"
	    "\"anomalies\":[%s],\"events\":[%s],\"unsure\":[%s]",
	    sv, cl, jstr(b[0], sizeof b[0], e->server_type), e->security,
	    jstr(b[1], sizeof b[1], cv ? cv->version : NULL),
	    jnum(b[2], sizeof b[2], cv ? cv->cipher_id : -1),
	    e->starttls_offered ? "true" : "false", e->implicit ? "true" : "false",
	    jstr(b[3], sizeof b[3], cv ? SERVER_NAME : NULL), cert ? "true" : "false",
	    cv ? cv->n_certs : 0, jnum(b[4], sizeof b[4], cert ? CERT_NOT_AFTER : -1),
	    e->anomalies ? e->anomalies : "", e->events ? e->events : "",
	    e->unsure ? e->unsure : "");
	if (w < 0 || (size_t)w >= sizeof c->sess[0])
		fatal("JSON too long");
	c->nsess++;
}

static void
craft_sess(struct craft *c, struct sess *s, uint16_t cport_add)
{
	memset(s, 0, sizeof *s);
	sb_init(s, &c->rng, c->family, c->caddr, (uint16_t)(c->cport + cport_add), c->saddr,
	    c->sport);
	s->rtt_us = 18000 + rng_below(&c->rng, 4000);
}

/* Random frames that are not TCP segments of any session: other
 * ethertypes, malformed IP, UDP, ICMP, short TCP headers, fragments. */
static size_t
garbage_frame(struct rng *r, uint8_t *f)
{
	static const uint16_t other_types[] = { 0x0806, 0x88cc, 0x8863, 0x8864, 0x88e5, 0x9000 };
	uint8_t src[16], dst[16];
	int family = rng_below(r, 4) == 0 ? AF_INET6 : AF_INET;
	int kind = (int)rng_below(r, 9);
	size_t h, n;
	uint8_t *ip = f + 14, *l4;

	rng_fill(r, src, sizeof src);
	rng_fill(r, dst, sizeof dst);
	switch (kind) {
	case 0:         /* an ethertype that is not IP */
		n = 14 + rng_below(r, 200);
		rng_fill(r, f, n);
		put16(f + 12, other_types[rng_below(r, 6)]);
		return n;
	case 1:         /* random bytes, shorter than an Ethernet header or not IP */
		n = rng_below(r, 4) == 0 ? rng_below(r, 14) : 14 + rng_below(r, 300);
		rng_fill(r, f, n);
		if (n >= 14) {
			uint16_t et = (uint16_t)(f[12] << 8 | f[13]);
			if (et == 0x0800 || et == 0x86dd || et == 0x8100 || et == 0x88a8 ||
			    et == 0x9100)
				put16(f + 12, 0x1234);
		}
		return n;
	case 2:         /* malformed IPv4 header */
		h = frame_ip(f, AF_INET, C2S, src, dst, 6, 20 + rng_below(r, 40),
		    (uint16_t)rng_u64(r), 0);
		rng_fill(r, f + h, 60);
		put16(f + h, 9);                /* ports that are not SMTP's */
		put16(f + h + 2, 9);
		switch (rng_below(r, 5)) {
		case 0: ip[0] = (uint8_t)(0x40 | rng_below(r, 5)); break;        /* IHL < 5 */
		case 1: put16(ip + 2, 1500 + rng_below(r, 60000)); break;       /* longer than the frame */
		case 2: put16(ip + 2, rng_below(r, 20)); break;                 /* shorter than its header */
		case 3: ip[0] = (uint8_t)(0x50 | (ip[0] & 15)); break;          /* version 5 */
		default: return 14 + rng_below(r, 20);                          /* cut inside the header */
		}
		return h + 60;
	case 3:         /* UDP, to the SMTP ports too */
		n = rng_below(r, 200);
		h = frame_ip(f, family, rng_below(r, 2), src, dst, 17, 8 + n, (uint16_t)rng_u64(r),
		    rng_below(r, 0xfffff));
		l4 = f + h;
		put16(l4, 1024 + rng_below(r, 60000));
		put16(l4 + 2, rng_below(r, 2) ? 25 : (rng_below(r, 2) ? 53 : 465));
		put16(l4 + 4, (uint32_t)(8 + n));
		put16(l4 + 6, 0);
		rng_fill(r, l4 + 8, n);
		put16(l4 + 6, l4_csum(family, src, dst, 17, l4, 8 + n));
		return h + 8 + n;
	case 4:         /* TCP header cut short */
		n = rng_below(r, 20);
		h = frame_ip(f, family, rng_below(r, 2), src, dst, 6, n, (uint16_t)rng_u64(r), 0);
		rng_fill(r, f + h, n);
		if (n >= 4)
			put16(f + h + 2, 25);
		return h + n;
	case 5:         /* TCP data offset below 5 or beyond the segment */
		n = 20 + rng_below(r, 30);
		h = frame_ip(f, family, rng_below(r, 2), src, dst, 6, n, (uint16_t)rng_u64(r), 0);
		l4 = f + h;
		rng_fill(r, l4, n);
		put16(l4 + 2, 25);
		l4[12] = (uint8_t)(rng_below(r, 2) ? rng_below(r, 5) << 4 : 0xf0);
		return h + n;
	case 6:         /* ICMP echo */
		n = 8 + rng_below(r, 56);
		h = frame_ip(f, AF_INET, rng_below(r, 2), src, dst, 1, n, (uint16_t)rng_u64(r), 0);
		rng_fill(r, f + h, n);
		f[h] = 8;
		f[h + 1] = 0;
		return h + n;
	case 7:         /* IPv4 non-first fragment of a TCP datagram to port 25 */
		n = 8 * (1 + rng_below(r, 60));
		h = frame_ip(f, AF_INET, C2S, src, dst, 6, n, (uint16_t)rng_u64(r), 0);
		put16(ip + 6, 0x2000 | (1 + rng_below(r, 100)));       /* MF, offset */
		put16(ip + 10, 0);
		put16(ip + 10, csum_fin(csum_add(0, ip, 20)));
		rng_fill(r, f + h, n);
		return h + n;
	default:        /* IPv6 whose payload length exceeds the frame, or cut header */
		n = rng_below(r, 256);          /* not TCP, nor a header that may lead to it */
		if (n == 0 || n == 6 || n == 43 || n == 44 || n == 51 || n == 60 || n == 135)
			n = 59;
		h = frame_ip(f, AF_INET6, C2S, src, dst, (uint8_t)n, 40, 0,
		    rng_below(r, 0xfffff));
		rng_fill(r, f + h, 40);
		if (rng_below(r, 2))
			return 14 + rng_below(r, 40);
		put16(ip + 4, 1000 + rng_below(r, 60000));
		return h + 40;
	}
}

/* Write session s from time t0, with about `garbage` garbage frames
 * interleaved. Returns the time of its last packet. For packet mark, the
 * file offset of its record, its length and the number of records before it
 * go to *mark_off, *mark_len, *mark_rec (when mark_off). */
static uint64_t
emit_session(struct craft *c, struct sess *s, uint64_t t0, unsigned garbage, size_t mark,
    uint64_t *mark_off, size_t *mark_len, uint64_t *mark_rec)
{
	uint64_t ts = t0;

	for (size_t i = 0; i < s->n; i++) {
		const struct pkt *k = &s->pk[i];
		ts += k->delay_us;
		if (garbage) {
			uint64_t prev = c->out.last_ts ? c->out.last_ts : ts - 1000;
			unsigned g = rng_below(&c->rng, 2 * garbage / (unsigned)s->n + 1);
			for (unsigned j = 0; j < g; j++) {
				size_t len = garbage_frame(&c->rng, c->out.frame);
				uint64_t t = prev + (ts > prev ? (ts - prev) * (j + 1) / (g + 1) : 0);
				out_write(&c->out, t, c->out.frame, len);
			}
		}
		if (k->drop)
			continue;
		size_t len = build_frame(c->out.frame, s, k);
		if (mark_off && i == mark) {
			*mark_off = c->out.file_bytes;
			*mark_len = len;
			*mark_rec = c->out.packets;
		}
		ts = out_write(&c->out, ts, c->out.frame, len);
	}
	return ts;
}

/* Banner, EHLO with reply, and from STARTTLS: the TLS connection cv. */
static void
dlg_starttls(struct sess *s, const char *ehlo_reply, const struct conv *cv)
{
	say(s, S2C, BANNER);
	say(s, C2S, s->ehlo);
	say(s, S2C, ehlo_reply);
	say(s, C2S, STARTTLS_CMD);
	say(s, S2C, R220_TLS);
	replay(s, cv, 0, CONV_MAX);
}

/* The EHLO reply in three segments (the 2nd holds "250-SIZE..." and "250-VRFY"). */
static size_t
ehlo_reply_3(struct sess *s, size_t *second)
{
	const char *p = EHLO_TLS;
	const char *cut1 = strstr(p, "250-SIZE"), *cut2 = strstr(p, "250-ETRN");
	struct sendopt cont = { .cont = true };
	size_t first = s->n;

	sb_send(s, S2C, p, (size_t)(cut1 - p), NULL);
	*second = s->n;
	sb_send(s, S2C, cut1, (size_t)(cut2 - cut1), &cont);
	sb_send(s, S2C, cut2, strlen(cut2), &cont);
	return first;
}

static const char *const scenarios[] = {
	"tls13", "tls12", "implicit465", "helo", "plain", "stripped", "mangled", "cmd-mangled",
	"refused", "plaintext220", "out-of-order", "retransmit", "split-reply", "truncated",
	"garbage", "lost", NULL,
};

static void
swap_pkt(struct sess *s, size_t a, size_t b)
{
	struct pkt t = s->pk[a];
	uint32_t da = s->pk[a].delay_us, db = s->pk[b].delay_us;

	s->pk[a] = s->pk[b];
	s->pk[b] = t;
	s->pk[a].delay_us = da;         /* the times stay in order */
	s->pk[b].delay_us = db;
}

static int
cmd_craft(struct craft *c, const char *path)
{
	const char *sc = c->scenario;
	struct sess s1, s2;
	struct expect e = {
		.server_type = "E", .security = "T", .tls = &convs[CV_T13],
		.starttls_offered = true,
	};
	uint64_t ts = T0_US, cut = 0, mark_off = 0;
	size_t mark = (size_t)-1, mark_len = 0;
	unsigned garbage = 0;

	out_open(&c->out, path);
	craft_sess(c, &s1, 0);
	memset(&s2, 0, sizeof s2);

	if (strcmp(sc, "tls13") == 0) {
		sb_open(&s1);
		dlg_starttls(&s1, EHLO_TLS, &convs[CV_T13]);
	} else if (strcmp(sc, "tls12") == 0) {
		sb_open(&s1);
		dlg_starttls(&s1, EHLO_TLS, &convs[CV_T12]);
		e.tls = &convs[CV_T12];
	} else if (strcmp(sc, "implicit465") == 0) {
		sb_open(&s1);
		replay(&s1, &convs[CV_IMPL], 0, CONV_MAX);
		e.tls = &convs[CV_IMPL];
		e.server_type = NULL;           /* the EHLO is encrypted */
		e.starttls_offered = false;
		e.implicit = true;
	} else if (strcmp(sc, "helo") == 0) {
		sb_open(&s1);
		say(&s1, S2C, BANNER);
		say(&s1, C2S, EHLO_CMD);
		say(&s1, S2C, R502);
		say(&s1, C2S, HELO_CMD);
		say(&s1, S2C, HELO_OK);
		dlg_plain_mail(&s1, false, true);
		e = (struct expect){ .server_type = "S", .security = "B" };
	} else if (strcmp(sc, "plain") == 0) {
		sb_open(&s1);
		say(&s1, S2C, BANNER);
		say(&s1, C2S, EHLO_CMD);
		say(&s1, S2C, EHLO_PLAIN);
		dlg_plain_mail(&s1, false, false);
		e = (struct expect){ .server_type = "E", .security = "B" };
	} else if (strcmp(sc, "stripped") == 0) {
		sb_open(&s1);
		dlg_starttls(&s1, EHLO_TLS, &convs[CV_T13]);
		craft_sess(c, &s2, 1);
		sb_open(&s2);
		say(&s2, S2C, BANNER);
		say(&s2, C2S, EHLO_CMD);
		say(&s2, S2C, EHLO_PLAIN);
		dlg_plain_mail(&s2, true, false);
	} else if (strcmp(sc, "mangled") == 0) {
		sb_open(&s1);
		say(&s1, S2C, BANNER);
		say(&s1, C2S, EHLO_CMD);
		say(&s1, S2C, EHLO_MANGLED);
		dlg_plain_mail(&s1, true, false);
		e = (struct expect){ .server_type = "E", .security = "B",
		    .anomalies = "\"starttls-mangled\"",
		    .events = "\"starttls-mangled\"" };
	} else if (strcmp(sc, "cmd-mangled") == 0) {
		sb_open(&s1);
		say(&s1, S2C, BANNER);
		say(&s1, C2S, EHLO_CMD);
		say(&s1, S2C, EHLO_TLS);
		say(&s1, C2S, MANGLED_CMD);
		say(&s1, S2C, R500);
		dlg_plain_mail(&s1, true, false);
		e = (struct expect){ .server_type = "E", .security = "B", .starttls_offered = true,
		    .anomalies = "\"cmd-mangled\"",
		    .events = "\"starttls-mangled\"" };
	} else if (strcmp(sc, "refused") == 0) {
		sb_open(&s1);
		say(&s1, S2C, BANNER);
		say(&s1, C2S, EHLO_CMD);
		say(&s1, S2C, EHLO_TLS);
		say(&s1, C2S, STARTTLS_CMD);
		say(&s1, S2C, R454);
		dlg_plain_mail(&s1, true, false);
		e = (struct expect){ .server_type = "E", .security = "B", .starttls_offered = true,
		    .anomalies = "\"starttls-refused\"",
		    .events = "\"starttls-refused\"" };
	} else if (strcmp(sc, "plaintext220") == 0) {
		sb_open(&s1);
		say(&s1, S2C, BANNER);
		say(&s1, C2S, EHLO_CMD);
		say(&s1, S2C, EHLO_TLS);
		say(&s1, C2S, STARTTLS_CMD);
		say(&s1, S2C, R220_TLS);
		say(&s1, C2S, EHLO_CMD);
		/* the server's TLS stack gives up on that "ClientHello": it writes
		 * what OpenSSL writes then (OpenSSL 3.0: nothing), and closes */
		replay(&s1, &conv_bad_hello, 0, CONV_MAX);
		e = (struct expect){ .server_type = "E", .security = "B", .starttls_offered = true,
		    .anomalies = "\"plaintext-after-220\"",
		    .events = "\"starttls-plaintext\"" };
	} else if (strcmp(sc, "out-of-order") == 0) {
		const struct conv *cv = &convs[CV_T12];
		size_t second, hs;
		s1.mss[C2S] = 536;
		sb_open(&s1);
		say(&s1, S2C, BANNER);
		say(&s1, C2S, s1.ehlo);
		ehlo_reply_3(&s1, &second);
		say(&s1, C2S, STARTTLS_CMD);
		say(&s1, S2C, R220_TLS);
		replay(&s1, cv, 0, CONV_MAX);
		swap_pkt(&s1, second, second + 1);              /* EHLO reply: 3rd before 2nd */
		hs = sb_find_ptr(&s1, cv->f[1].p);              /* ServerHello..Done */
		if (hs + 2 < s1.n && s1.pk[hs + 2].dir == S2C && s1.pk[hs + 2].len)
			swap_pkt(&s1, hs, hs + 2);              /* 3rd segment first */
		else
			swap_pkt(&s1, hs, hs + 1);
		size_t app = sb_find_ptr(&s1, cv->f[cv->hs_flights + 1].p);  /* EHLO reply in TLS */
		if (s1.pk[app + 1].dir == S2C && s1.pk[app + 1].len)
			swap_pkt(&s1, app, app + 1);
		e.tls = cv;
	} else if (strcmp(sc, "retransmit") == 0) {
		const struct conv *cv = &convs[CV_T13];
		size_t i, j;
		s1.mss[C2S] = 536;
		sb_open(&s1);
		dlg_starttls(&s1, EHLO_TLS, cv);
		/* the banner again, as after an RTO, once the client's EHLO is in */
		i = sb_find_ptr(&s1, BANNER);
		j = sb_find_ptr(&s1, s1.ehlo);
		sb_insert(&s1, j + 1, i, 200000);
		/* the client's STARTTLS twice in a row */
		i = sb_find_ptr(&s1, STARTTLS_CMD);
		sb_insert(&s1, i + 1, i, 3000);
		/* in the server's handshake flight: a segment that overlaps the
		 * second half of the first one and the first half of the second,
		 * then the first one again whole */
		i = sb_find_ptr(&s1, cv->f[1].p);
		if (s1.pk[i + 1].dir != S2C || s1.pk[i + 1].len == 0)
			fatal("retransmit: the server flight fits one segment");
		struct pkt *k = sb_insert(&s1, i + 2, i, 120);
		uint32_t h = k->len / 2;
		k->data += h;
		k->seq += h;
		k->len = (k->len - h) + s1.pk[i + 1].len / 2;
		k->flags = F_ACK;
		sb_insert(&s1, i + 3, i, 150);
		/* the ClientHello retransmitted after the server flight was already under way */
		i = sb_find_ptr(&s1, cv->f[0].p);
		sb_insert(&s1, i + 2, i, 40);
		/* the last segment of the encrypted EHLO reply twice */
		i = sb_find_ptr(&s1, cv->f[cv->hs_flights + 1].p);
		while (i + 1 < s1.n && s1.pk[i + 1].dir == S2C && s1.pk[i + 1].len)
			i++;
		sb_insert(&s1, i + 1, i, 90);
	} else if (strcmp(sc, "split-reply") == 0) {
		struct sendopt one = { .maxseg = 1, .ack_every = 8 };
		sb_open(&s1);
		say(&s1, S2C, BANNER);
		say(&s1, C2S, s1.ehlo);
		sb_send(&s1, S2C, EHLO_TLS, strlen(EHLO_TLS), &one);
		say(&s1, C2S, STARTTLS_CMD);
		say(&s1, S2C, R220_TLS);
		replay(&s1, &convs[CV_T13], 0, CONV_MAX);
	} else if (strcmp(sc, "truncated") == 0) {
		const struct conv *cv = &convs[CV_T12];
		sb_open(&s1);
		dlg_starttls(&s1, EHLO_TLS, cv);
		mark = sb_find_ptr(&s1, cv->f[2].p);    /* ClientKeyExchange..Finished */
		e.tls = cv;
	} else if (strcmp(sc, "garbage") == 0) {
		sb_open(&s1);
		dlg_starttls(&s1, EHLO_TLS, &convs[CV_T13]);
		garbage = 4000;
	} else if (strcmp(sc, "lost") == 0) {
		const struct conv *cv = &convs[CV_T12];
		size_t second;
		sb_open(&s1);
		say(&s1, S2C, BANNER);
		say(&s1, C2S, s1.ehlo);
		ehlo_reply_3(&s1, &second);
		s1.pk[second].drop = true;
		say(&s1, C2S, STARTTLS_CMD);
		say(&s1, S2C, R220_TLS);
		replay(&s1, cv, 0, CONV_MAX);
		e.tls = cv;
		e.anomalies = "\"gap\"";
		e.unsure = "\"server_type\",\"starttls_offered\"";
	} else {
		fatal("unknown scenario %s (pcapgen craft list)", sc);
	}
	sb_close(&s1);
	if (s2.n)
		sb_close(&s2);

	uint64_t mark_rec = 0, session_pkts = 0;
	if (garbage)
		ts += 1000;     /* garbage from 2026-01-01T00:00:00 on */
	ts = emit_session(c, &s1, ts, garbage, mark, &mark_off, &mark_len, &mark_rec);
	if (s2.n)
		emit_session(c, &s2, ts + UINT64_C(3600) * 1000000, 0, (size_t)-1, NULL, NULL, NULL);
	for (size_t i = 0; i < s1.n; i++)
		session_pkts += !s1.pk[i].drop;
	for (size_t i = 0; i < s2.n; i++)
		session_pkts += !s2.pk[i].drop;
	uint64_t records = c->out.packets;
	out_close(&c->out, path);
	if (mark != (size_t)-1) {
		if (mark_off == 0)
			fatal("truncated: no mark");
		cut = c->cut_header ? mark_off + 8 : mark_off + 16 + mark_len / 2;
		if (truncate(path, (off_t)cut) != 0)
			fatal("%s: truncate: %s", path, strerror(errno));
		records = mark_rec;
	}

	char pathq[4096];
	json_add(c, "{\"scenario\":\"%s\",\"file\":\"%s\",\"records\":%" PRIu64, sc,
	    json_esc(pathq, sizeof pathq, path), records);
	if (mark != (size_t)-1)
		json_add(c, ",\"truncated\":true,\"cut_at\":%" PRIu64 ",\"cut_in\":\"%s\"", cut,
		    c->cut_header ? "header" : "body");
	if (garbage)
		json_add(c, ",\"garbage_frames\":%" PRIu64, records - session_pkts);
	describe(c, &s1, &e);
	if (s2.n) {
		e.starttls_offered = false;
		e.security = "B";
		e.tls = NULL;
		e.events = "\"starttls-stripped\"";
		describe(c, &s2, &e);
	}
	/* the last session's facts at the top too, then all of them */
	json_add(c, ",%s,\"sessions\":[", c->sess[c->nsess - 1]);
	for (size_t k = 0; k < c->nsess; k++)
		json_add(c, "%s{%s}", k ? "," : "", c->sess[k]);
	json_add(c, "]}");
	puts(c->json);
	free(s1.pk);
	free(s2.pk);
	return 0;
}

/* ---- main ---- */

static void
usage(void)
{
	fputs("usage: pcapgen bench -n SESSIONS [-s SEED] [-c CONCURRENT] [-S SERVERS] -o FILE\n"
	    "       pcapgen craft SCENARIO -o FILE [--server ADDR:PORT] [--client ADDR:PORT]\n"
	    "                     [-s SEED] [--cut body|header]\n"
	    "       pcapgen craft list\n", stderr);
	exit(2);
}

static uint64_t
num_arg(const char *opt, const char *v, uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long n;

	if (v == NULL)
		usage();
	errno = 0;
	n = strtoull(v, &end, 0);
	if (errno || *end || end == v || n < min || n > max) {
		fprintf(stderr, "pcapgen: %s: bad value '%s'\n", opt, v);
		exit(2);
	}
	return n;
}

int
main(int argc, char **argv)
{
	const char *path = NULL, *server = NULL, *client = NULL;
	uint64_t n = 0, seed = 1, conc = 64, n_srv = 1000;
	bool cut_header = false;
	int i = 2;

	if (argc < 2)
		usage();
	bool bench = strcmp(argv[1], "bench") == 0;
	if (!bench && strcmp(argv[1], "craft") != 0)
		usage();
	const char *scenario = NULL;
	if (!bench) {
		if (argc < 3)
			usage();
		scenario = argv[2];
		i = 3;
		if (strcmp(scenario, "list") == 0) {
			for (int k = 0; scenarios[k]; k++)
				puts(scenarios[k]);
			return 0;
		}
	}
	for (; i < argc; i += 2) {          /* every option takes a value */
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "-o") == 0 && v)
			path = v;
		else if (strcmp(a, "-s") == 0)
			seed = num_arg(a, v, 0, UINT64_MAX);
		else if (bench && strcmp(a, "-n") == 0)
			n = num_arg(a, v, 1, UINT64_C(100000000));
		else if (bench && strcmp(a, "-c") == 0)
			conc = num_arg(a, v, 1, 100000);
		else if (bench && strcmp(a, "-S") == 0)
			n_srv = num_arg(a, v, NCLS * 20, 10000000);
		else if (!bench && strcmp(a, "--server") == 0 && v)
			server = v;
		else if (!bench && strcmp(a, "--client") == 0 && v)
			client = v;
		else if (!bench && strcmp(a, "--cut") == 0 && v &&
		    (strcmp(v, "body") == 0 || strcmp(v, "header") == 0))
			cut_header = strcmp(v, "header") == 0;
		else
			usage();
	}
	if (path == NULL || (bench && n == 0))
		usage();

	if (bench) {
		tls_init(seed);
		return cmd_bench(n, seed, (uint32_t)conc, (uint32_t)n_srv, path);
	}

	bool known = false;
	for (int k = 0; scenarios[k]; k++)
		known |= strcmp(scenarios[k], scenario) == 0;
	if (!known)
		fatal("unknown scenario %s (pcapgen craft list)", scenario);
	struct craft *c = xrealloc(NULL, sizeof *c);
	int cfam = 0;
	memset(c, 0, sizeof *c);
	c->scenario = scenario;
	c->cut_header = cut_header;
	rng_seed(&c->rng, seed);
	if (server == NULL)
		server = strcmp(scenario, "implicit465") == 0 ? "192.0.2.25:465" : "192.0.2.25:25";
	if (!parse_endpoint(server, &c->family, c->saddr, &c->sport))
		fatal("--server %s: not ADDR:PORT or [ADDR6]:PORT", server);
	if (client == NULL)
		client = c->family == AF_INET6 ? "[2001:db8:c::10]:49152" : "198.51.100.10:49152";
	if (!parse_endpoint(client, &cfam, c->caddr, &c->cport))
		fatal("--client %s: not ADDR:PORT or [ADDR6]:PORT", client);
	if (cfam != c->family)
		fatal("--client and --server must be of the same address family");
	tls_init(seed);
	int rc = cmd_craft(c, path);
	free(c);
	return rc;
}
