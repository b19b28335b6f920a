/* Unit tests for probes/tcp_reasm: in-order and out-of-order delivery (every
 * order of four segments), retransmissions identical and not, overlaps at
 * both ends, the 2^32 wrap, holes filled late or never (declared on ACK, at
 * the limits, at timeout, at RST), mid-stream starts, memory limits, LRU
 * eviction and expiry order, marks (KEEP, IGNORE), one-octet segments, and a 10,000-segment
 * stream shuffled within windows in both directions. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pktdecode.h"
#include "tcp_reasm.h"

/* ---- what the callbacks saw ---- */

#define MAXGAPS 256

struct dirlog {
	uint8_t *out;          /* delivered octets, in order */
	size_t len, cap;
	uint64_t gap;          /* octets declared missing */
	int ngaps;
	size_t gap_at[MAXGAPS];  /* delivered length when each gap came */
	uint32_t gap_len[MAXGAPS];
	int started, midstream;
	int ended;
	enum tcp_reasm_end why;
};

struct tflow {
	int id;
	struct tcp_reasm_flow_info fi;
	struct dirlog d[2];
	int ended;
	enum tcp_reasm_end why;
};

#define MAXFLOWS 64

struct h {
	struct tcp_reasm *r;
	struct tflow *flows[MAXFLOWS];
	int nflows;
	int nended;
	int end_order[MAXFLOWS]; /* ids, in the order flow_end came */
};

static void *
cb_flow_new(void *arg, const struct tcp_reasm_flow_info *fi)
{
	struct h *h = arg;
	struct tflow *f = calloc(1, sizeof *f);

	assert_non_null(f);
	assert_true(h->nflows < MAXFLOWS);
	f->id = h->nflows;
	f->fi = *fi;
	h->flows[h->nflows++] = f;
	return f;
}

static void
cb_flow_end(void *arg, void *user, enum tcp_reasm_end why)
{
	struct h *h = arg;
	struct tflow *f = user;

	assert_false(f->ended);
	assert_true(f->d[0].ended && f->d[1].ended);
	f->ended = 1;
	f->why = why;
	h->end_order[h->nended++] = f->id;
}

static void
cb_start(void *user, int dir, bool midstream)
{
	struct tflow *f = user;

	assert_false(f->d[dir].started);
	assert_int_equal(f->d[dir].len, 0);
	f->d[dir].started = 1;
	f->d[dir].midstream = midstream;
}

/* test_mark_*: data starting with 'K' or 'I' marks its flow KEEP or IGNORE */
static struct tcp_reasm *mark_r;

static void
cb_data(void *user, int dir, const uint8_t *p, size_t n)
{
	struct dirlog *d = &((struct tflow *)user)->d[dir];

	if (mark_r != NULL && (p[0] == 'K' || p[0] == 'I'))
		tcp_reasm_mark(mark_r, p[0] == 'K' ? TCP_REASM_MARK_KEEP : TCP_REASM_MARK_IGNORE);

	assert_true(d->started);
	assert_false(d->ended);
	assert_true(n > 0);
	if (d->len + n > d->cap) {
		d->cap = (d->len + n) * 2;
		d->out = realloc(d->out, d->cap);
		assert_non_null(d->out);
	}
	memcpy(d->out + d->len, p, n);
	d->len += n;
}

static void
cb_gap(void *user, int dir, uint32_t n)
{
	struct dirlog *d = &((struct tflow *)user)->d[dir];

	assert_true(d->started);
	assert_false(d->ended);
	assert_true(n > 0 && n < 0x80000000u);
	if (d->ngaps < MAXGAPS) {
		d->gap_at[d->ngaps] = d->len;
		d->gap_len[d->ngaps] = n;
	}
	d->ngaps++;
	d->gap += n;
}

static void
cb_end(void *user, int dir, enum tcp_reasm_end why)
{
	struct tflow *f = user;

	assert_false(f->ended);
	assert_false(f->d[dir].ended);
	f->d[dir].ended = 1;
	f->d[dir].why = why;
}

static bool
cb_server_port(void *arg, uint16_t port)
{
	(void)arg;
	return port == 25 || port == 587 || port == 465;
}

static const struct tcp_reasm_cb callbacks = {
	cb_flow_new, cb_flow_end, cb_start, cb_data, cb_gap, cb_end, cb_server_port,
};

static struct h *
h_new(uint32_t max_flows, uint32_t dir_buf, uint64_t buf, uint32_t idle_s)
{
	struct h *h = calloc(1, sizeof *h);
	struct tcp_reasm_cfg cfg;

	assert_non_null(h);
	tcp_reasm_cfg_default(&cfg);
	cfg.seed[0] = 1;
	cfg.seed[1] = 2;
	if (max_flows)
		cfg.max_flows = max_flows;
	if (dir_buf)
		cfg.dir_buf_max = dir_buf;
	if (buf)
		cfg.buf_max = buf;
	if (idle_s)
		cfg.idle_timeout_s = idle_s;
	h->r = tcp_reasm_new(&cfg, &callbacks, h);
	return h;
}

static const struct tcp_reasm_stats *
st(struct h *h)
{
	return tcp_reasm_stats(h->r);
}

/* Free the reassembler (ends live flows: SHUTDOWN) and the logs. */
static void
h_free(struct h *h)
{
	int i;

	if (h->r != NULL)
		tcp_reasm_free(h->r);
	for (i = 0; i < h->nflows; i++) {
		assert_true(h->flows[i]->ended);
		free(h->flows[i]->d[0].out);
		free(h->flows[i]->d[1].out);
		free(h->flows[i]);
	}
	free(h);
}

/* ---- segments ---- */

struct conn {
	uint8_t caddr[16], saddr[16];
	int family;
	uint16_t cport, sport;
	uint32_t cisn, sisn; /* data starts at isn + 1 */
};

static struct conn
conn4(uint32_t id, uint32_t cisn, uint32_t sisn)
{
	struct conn c;

	memset(&c, 0, sizeof c);
	c.family = AF_INET;
	c.caddr[0] = 10;
	c.caddr[1] = (uint8_t)(id >> 16);
	c.caddr[2] = (uint8_t)(id >> 8);
	c.caddr[3] = (uint8_t)id;
	c.saddr[0] = 192;
	c.saddr[1] = 0;
	c.saddr[2] = 2;
	c.saddr[3] = 25;
	c.cport = (uint16_t)(40000 + id % 20000);
	c.sport = 25;
	c.cisn = cisn;
	c.sisn = sisn;
	return c;
}

/* A segment in direction dir carrying p[0..len) at stream offset off (0 is
 * the first octet after the SYN); ack is the peer's stream offset acked. */
static void
tx(struct h *h, const struct conn *c, int dir, uint32_t off, const uint8_t *p, uint32_t len,
    uint8_t flags, uint32_t ackoff, uint64_t ts)
{
	struct pkt_tcp s;

	memset(&s, 0, sizeof s);
	s.result = PKT_OK;
	s.family = c->family;
	if (dir == TCP_REASM_C2S) {
		memcpy(s.src, c->caddr, 16);
		memcpy(s.dst, c->saddr, 16);
		s.sport = c->cport;
		s.dport = c->sport;
		s.seq = c->cisn + 1 + off;
		s.ack = c->sisn + 1 + ackoff;
	} else {
		memcpy(s.src, c->saddr, 16);
		memcpy(s.dst, c->caddr, 16);
		s.sport = c->sport;
		s.dport = c->cport;
		s.seq = c->sisn + 1 + off;
		s.ack = c->cisn + 1 + ackoff;
	}
	if (flags & PKT_TCP_SYN)
		s.seq--;
	s.flags = flags;
	s.payload = len ? p : NULL;
	s.payload_len = len;
	s.seg_len = len;
	tcp_reasm_packet(h->r, &s, ts);
}

/* Data with ACK, no acknowledgement news (ack offset 0). */
static void
data(struct h *h, const struct conn *c, int dir, uint32_t off, const uint8_t *p, uint32_t len)
{
	tx(h, c, dir, off, p, len, PKT_TCP_ACK, 0, 1000000);
}

/* Data without the ACK flag: no hole is declared from it. */
static void
data_noack(struct h *h, const struct conn *c, int dir, uint32_t off, const uint8_t *p,
    uint32_t len)
{
	tx(h, c, dir, off, p, len, 0, 0, 1000000);
}

static void
handshake(struct h *h, const struct conn *c, uint64_t ts)
{
	tx(h, c, TCP_REASM_C2S, 0, NULL, 0, PKT_TCP_SYN, 0, ts);
	tx(h, c, TCP_REASM_S2C, 0, NULL, 0, PKT_TCP_SYN | PKT_TCP_ACK, 0, ts);
	tx(h, c, TCP_REASM_C2S, 0, NULL, 0, PKT_TCP_ACK, 0, ts);
}

static uint8_t pattern[1 << 20];

static void
fill_pattern(void)
{
	uint32_t x = 12345;
	size_t i;

	for (i = 0; i < sizeof pattern; i++) {
		x = x * 1103515245u + 12345u;
		pattern[i] = (uint8_t)(x >> 16);
	}
}

static int
group_setup(void **state)
{
	(void)state;
	fill_pattern();
	return 0;
}

static struct tflow *
last_flow(struct h *h)
{
	assert_true(h->nflows > 0);
	return h->flows[h->nflows - 1];
}

static void
assert_stream(const struct dirlog *d, const uint8_t *want, size_t len)
{
	assert_int_equal(d->len, len);
	if (len > 0)
		assert_memory_equal(d->out, want, len);
}

/* ---- tests ---- */

static void
test_in_order(void **state)
{
	struct h *h = h_new(0, 0, 0, 0);
	struct conn c = conn4(1, 1000, 5000);
	struct tflow *f;
	(void)state;

	handshake(h, &c, 1);
	f = last_flow(h);
	assert_int_equal(h->nflows, 1);
	assert_false(f->fi.midstream);
	assert_memory_equal(f->fi.client, c.caddr, 16);
	assert_int_equal(f->fi.client_port, c.cport);
	assert_int_equal(f->fi.server_port, 25);
	assert_true(f->d[0].started && !f->d[0].midstream);
	assert_true(f->d[1].started && !f->d[1].midstream);

	tx(h, &c, TCP_REASM_S2C, 0, (const uint8_t *)"220 mx\r\n", 8, PKT_TCP_ACK, 0, 2);
	tx(h, &c, TCP_REASM_C2S, 0, (const uint8_t *)"EHLO a\r\n", 8, PKT_TCP_ACK, 8, 3);
	tx(h, &c, TCP_REASM_S2C, 8, (const uint8_t *)"250 ok\r\n", 8, PKT_TCP_ACK, 8, 4);
	tx(h, &c, TCP_REASM_C2S, 8, (const uint8_t *)"QUIT\r\n", 6, PKT_TCP_ACK, 16, 5);
	tx(h, &c, TCP_REASM_S2C, 16, (const uint8_t *)"221 bye\r\n", 9,
	    PKT_TCP_ACK | PKT_TCP_FIN, 14, 6);
	assert_true(f->d[1].ended);
	assert_int_equal(f->d[1].why, TCP_REASM_END_FIN);
	assert_false(f->ended);
	tx(h, &c, TCP_REASM_C2S, 14, NULL, 0, PKT_TCP_ACK | PKT_TCP_FIN, 26, 7);
	assert_true(f->ended);
	assert_int_equal(f->why, TCP_REASM_END_FIN);
	assert_stream(&f->d[0], (const uint8_t *)"EHLO a\r\nQUIT\r\n", 14);
	assert_stream(&f->d[1], (const uint8_t *)"220 mx\r\n250 ok\r\n221 bye\r\n", 25);
	assert_int_equal(f->d[0].gap + f->d[1].gap, 0);

	/* the last ACK and a late retransmission do not start a new flow */
	tx(h, &c, TCP_REASM_S2C, 26, NULL, 0, PKT_TCP_ACK, 15, 8);
	tx(h, &c, TCP_REASM_S2C, 16, (const uint8_t *)"221 bye\r\n", 9, PKT_TCP_ACK, 15, 8);
	assert_int_equal(h->nflows, 1);
	assert_int_equal(st(h)->closed, 2);
	assert_int_equal(st(h)->flows_created, 1);
	assert_int_equal(st(h)->flows_ended[TCP_REASM_END_FIN], 1);
	assert_int_equal(st(h)->flows_live, 0);
	assert_int_equal(st(h)->flows_closed, 1);
	assert_int_equal(st(h)->bytes_delivered, 39);
	assert_int_equal(st(h)->bytes_gap, 0);
	assert_int_equal(st(h)->out_of_order, 0);
	assert_int_equal(st(h)->retransmitted, 0);
	assert_int_equal(st(h)->packets, 11);
	/* the remembered 4-tuple is forgotten after the linger time */
	tcp_reasm_expire(h->r, 7 + 11 * 1000000ull);
	assert_int_equal(st(h)->flows_closed, 0);
	/* an ACK alone starts nothing */
	tx(h, &c, TCP_REASM_S2C, 26, NULL, 0, PKT_TCP_ACK, 15, 20000000);
	assert_int_equal(st(h)->no_flow, 1);
	h_free(h);
}

/* Every order of four segments gives the same stream, without gaps. */
static void
test_permutations(void **state)
{
	static const uint32_t off[5] = { 0, 7, 20, 21, 40 };
	int perm[4] = { 0, 1, 2, 3 }, n = 0;
	(void)state;

	for (;;) {
		struct h *h = h_new(0, 0, 0, 0);
		struct conn c = conn4(2, 0x7fffffe0u, 77);
		struct tflow *f;
		int i, j, k;

		handshake(h, &c, 1);
		f = last_flow(h);
		for (i = 0; i < 4; i++)
			data(h, &c, TCP_REASM_C2S, off[perm[i]], pattern + off[perm[i]],
			    off[perm[i] + 1] - off[perm[i]]);
		assert_stream(&f->d[0], pattern, 40);
		assert_int_equal(f->d[0].gap, 0);
		assert_int_equal(st(h)->buf_bytes, 0);
		assert_int_equal(st(h)->buf_segments, 0);
		assert_true(st(h)->buf_bytes_peak > 0 || perm[0] == 0);
		h_free(h);
		n++;
		/* next permutation */
		for (i = 2; i >= 0 && perm[i] > perm[i + 1]; i--)
			;
		if (i < 0)
			break;
		for (j = 3; perm[j] < perm[i]; j--)
			;
		k = perm[i], perm[i] = perm[j], perm[j] = k;
		for (j = i + 1, k = 3; j < k; j++, k--) {
			int t = perm[j];
			perm[j] = perm[k], perm[k] = t;
		}
	}
	assert_int_equal(n, 24);
}

static void
test_retransmission_identical(void **state)
{
	struct h *h = h_new(0, 0, 0, 0);
	struct conn c = conn4(3, 1, 2);
	struct tflow *f;
	(void)state;

	handshake(h, &c, 1);
	f = last_flow(h);
	data(h, &c, 0, 0, pattern, 10);
	data(h, &c, 0, 0, pattern, 10);       /* delivered already */
	data(h, &c, 0, 20, pattern + 20, 10); /* held */
	data(h, &c, 0, 20, pattern + 20, 10); /* held already */
	data(h, &c, 0, 5, pattern + 5, 10);   /* half old */
	assert_int_equal(st(h)->retransmitted, 3);
	data(h, &c, 0, 15, pattern + 15, 5);
	assert_stream(&f->d[0], pattern, 30);
	assert_int_equal(st(h)->bytes_inconsistent, 0);
	assert_int_equal(st(h)->out_of_order, 1);
	/* the SYN again changes nothing */
	tx(h, &c, 0, 0, NULL, 0, PKT_TCP_SYN, 0, 2);
	assert_int_equal(h->nflows, 1);
	h_free(h);
}

/* Overlapping octets that differ: the first copy wins and they are counted. */
static void
test_retransmission_inconsistent(void **state)
{
	struct h *h = h_new(0, 0, 0, 0);
	struct conn c = conn4(4, 1, 2);
	struct tflow *f;
	uint8_t want[30], other[30];
	int i;
	(void)state;

	for (i = 0; i < 30; i++)
		other[i] = (uint8_t)~pattern[i];
	handshake(h, &c, 1);
	f = last_flow(h);
	data(h, &c, 0, 20, pattern + 20, 10);  /* held: the first copy */
	data(h, &c, 0, 20, other + 20, 10);     /* a different second copy */
	assert_int_equal(st(h)->bytes_inconsistent, 10);
	data(h, &c, 0, 0, other, 25);           /* in order, overlaps the held 20..25 */
	assert_int_equal(st(h)->bytes_inconsistent, 15);
	memcpy(want, other, 20);
	memcpy(want + 20, pattern + 20, 10);
	assert_stream(&f->d[0], want, 30);
	assert_int_equal(f->d[0].gap, 0);
	h_free(h);
}

/* A held segment overlapped by later ones at its front and at its back. */
static void
test_overlap_both_ends(void **state)
{
	struct h *h = h_new(0, 0, 0, 0);
	struct conn c = conn4(5, 1, 2);
	struct tflow *f;
	uint8_t x[64], want[42];
	int i;
	(void)state;

	for (i = 0; i < 64; i++) /* a second copy that differs in every octet */
		x[i] = (uint8_t)~pattern[i];
	handshake(h, &c, 1);
	f = last_flow(h);
	data(h, &c, 0, 10, pattern + 10, 10);  /* [10,20) */
	data(h, &c, 0, 5, x + 5, 10);          /* [5,15): keeps [5,10) */
	data(h, &c, 0, 15, x + 15, 10);        /* [15,25): keeps [20,25) */
	data(h, &c, 0, 30, pattern + 30, 5);   /* [30,35) */
	data(h, &c, 0, 22, x + 22, 20);        /* [22,42): keeps [25,30) and [35,42) */
	assert_int_equal(st(h)->bytes_inconsistent, 5 + 5 + 0 + 5);
	assert_int_equal(st(h)->buf_segments, 6);
	assert_int_equal(f->d[0].len, 0);
	data(h, &c, 0, 0, pattern, 7);         /* [0,7): [5,10) was held first */
	assert_int_equal(st(h)->bytes_inconsistent, 5 + 5 + 0 + 5 + 2);
	memcpy(want, pattern, 5);
	memcpy(want + 5, x + 5, 5);
	memcpy(want + 10, pattern + 10, 10);
	memcpy(want + 20, x + 20, 10);
	memcpy(want + 30, pattern + 30, 5);
	memcpy(want + 35, x + 35, 7);
	assert_stream(&f->d[0], want, 42);
	assert_int_equal(st(h)->buf_bytes, 0);
	assert_int_equal(f->d[0].gap, 0);
	h_free(h);
}

static void
test_wraparound(void **state)
{
	struct h *h = h_new(0, 0, 0, 0);
	struct conn c = conn4(6, 0xfffffff0u, 0xffffffffu);
	struct tflow *f;
	uint32_t off;
	(void)state;

	handshake(h, &c, 1);
	f = last_flow(h);
	/* client: 16-octet segments across the wrap, every pair swapped */
	for (off = 0; off < 256; off += 32) {
		data(h, &c, 0, off + 16, pattern + off + 16, 16);
		data(h, &c, 0, off, pattern + off, 16);
	}
	assert_stream(&f->d[0], pattern, 256);
	/* server: ISN 2^32-1, so data starts at sequence number 0 */
	data(h, &c, 1, 3, pattern + 3, 5);
	data(h, &c, 1, 0, pattern, 3);
	assert_stream(&f->d[1], pattern, 8);
	assert_int_equal(st(h)->bytes_gap, 0);
	/* a hole after the wrap, declared when acknowledged */
	c.cisn += 256;
	data_noack(h, &c, 0, 20, pattern + 20, 10);
	tx(h, &c, 1, 8, NULL, 0, PKT_TCP_ACK, 30, 2);
	assert_int_equal(f->d[0].gap, 20);
	assert_int_equal(f->d[0].len, 266);
	h_free(h);
}

static void
test_gap_filled_later(void **state)
{
	struct h *h = h_new(0, 0, 0, 0);
	struct conn c = conn4(7, 1, 2);
	struct tflow *f;
	int i;
	(void)state;

	handshake(h, &c, 1);
	f = last_flow(h);
	data(h, &c, 0, 0, pattern, 100);
	for (i = 2; i < 10; i++) /* 100..200 lost for now */
		data(h, &c, 0, (uint32_t)i * 100, pattern + i * 100, 100);
	assert_int_equal(f->d[0].len, 100);
	assert_int_equal(st(h)->buf_segments, 8);
	/* the server acknowledges only what it has */
	tx(h, &c, 1, 0, NULL, 0, PKT_TCP_ACK, 100, 2);
	assert_int_equal(f->d[0].gap, 0);
	data(h, &c, 0, 100, pattern + 100, 100);
	assert_stream(&f->d[0], pattern, 1000);
	assert_int_equal(f->d[0].gap, 0);
	assert_int_equal(st(h)->buf_bytes, 0);
	assert_int_equal(st(h)->out_of_order, 8);
	h_free(h);
}

/* The hole before a FIN is declared once the FIN is acknowledged. */
static void
test_gap_at_fin(void **state)
{
	struct h *h = h_new(0, 0, 0, 0);
	struct conn c = conn4(8, 1, 2);
	struct tflow *f;
	(void)state;

	handshake(h, &c, 1);
	f = last_flow(h);
	data(h, &c, 0, 0, pattern, 10);
	tx(h, &c, 0, 20, pattern + 20, 10, PKT_TCP_ACK | PKT_TCP_FIN, 0, 2);
	assert_int_equal(f->d[0].len, 10);
	assert_false(f->d[0].ended);
	/* the server's FIN acknowledges the client's FIN: 10..20 is lost */
	tx(h, &c, 1, 0, NULL, 0, PKT_TCP_ACK | PKT_TCP_FIN, 31, 3);
	assert_int_equal(f->d[0].ngaps, 1);
	assert_int_equal(f->d[0].gap_at[0], 10);
	assert_int_equal(f->d[0].gap_len[0], 10);
	assert_int_equal(f->d[0].len, 20);
	assert_memory_equal(f->d[0].out + 10, pattern + 20, 10);
	assert_true(f->d[0].ended);
	assert_int_equal(f->d[0].why, TCP_REASM_END_FIN);
	assert_true(f->d[1].ended);
	assert_true(f->ended);
	assert_int_equal(f->why, TCP_REASM_END_FIN);
	assert_int_equal(st(h)->buf_bytes, 0);

	/* a FIN whose data before it never came, and no ACK: ended at timeout */
	c = conn4(9, 1, 2);
	handshake(h, &c, 5000000);
	f = last_flow(h);
	tx(h, &c, 0, 50, NULL, 0, PKT_TCP_ACK | PKT_TCP_FIN, 0, 5000000);
	tcp_reasm_expire(h->r, 5000000 + 601 * 1000000ull);
	assert_true(f->ended);
	assert_int_equal(f->why, TCP_REASM_END_TIMEOUT);
	assert_int_equal(f->d[0].gap, 50);
	assert_int_equal(f->d[0].why, TCP_REASM_END_FIN);
	assert_int_equal(f->d[1].why, TCP_REASM_END_TIMEOUT);
	h_free(h);
}

/* A hole that never fills, with more and more held behind it: declared when
 * the direction's limit is reached, one hole at a time. */
static void
test_gap_at_dir_limit(void **state)
{
	struct h *h = h_new(0, 1000, 0, 0);
	struct conn c = conn4(10, 1, 2);
	struct tflow *f;
	uint32_t off;
	(void)state;

	handshake(h, &c, 1);
	f = last_flow(h);
	data(h, &c, 0, 0, pattern, 100);
	/* 100..110 lost; 210..220 lost too */
	for (off = 110; off < 2000; off += 100) {
		if (off == 210)
			off = 220;
		data_noack(h, &c, 0, off, pattern + off, 100);
		assert_true(st(h)->buf_bytes <= 1000);
	}
	assert_true(f->d[0].ngaps >= 2);
	assert_int_equal(f->d[0].gap_at[0], 100);
	assert_int_equal(f->d[0].gap_len[0], 10);
	assert_int_equal(f->d[0].gap_at[1], 200);
	assert_int_equal(f->d[0].gap_len[1], 10);
	assert_memory_equal(f->d[0].out + 100, pattern + 110, 100);
	assert_int_equal(f->d[0].gap, 20);
	/* what is still held is only held, not lost */
	assert_int_equal(f->d[0].len + f->d[0].gap + st(h)->buf_segments * 100, 2020);
	/* a segment bigger than the limit on its own: the hole before it goes */
	c = conn4(11, 1, 2);
	handshake(h, &c, 1);
	f = last_flow(h);
	data(h, &c, 0, 500, pattern + 500, 1000);
	assert_int_equal(f->d[0].gap, 500);
	assert_int_equal(f->d[0].len, 1000);
	assert_memory_equal(f->d[0].out, pattern + 500, 1000);
	h_free(h);
}

static void
test_gap_at_timeout(void **state)
{
	struct h *h = h_new(0, 0, 0, 30);
	struct conn c = conn4(12, 1, 2);
	struct tflow *f;
	(void)state;

	handshake(h, &c, 1000000);
	f = last_flow(h);
	data(h, &c, 0, 0, pattern, 10);
	data_noack(h, &c, 0, 20, pattern + 20, 10);
	data_noack(h, &c, 0, 40, pattern + 40, 10);
	tcp_reasm_expire(h->r, 1000000 + 30 * 1000000ull); /* not yet: idle == timeout */
	assert_false(f->ended);
	tcp_reasm_expire(h->r, 1000001 + 30 * 1000000ull);
	assert_true(f->ended);
	assert_int_equal(f->why, TCP_REASM_END_TIMEOUT);
	assert_int_equal(f->d[0].why, TCP_REASM_END_TIMEOUT);
	assert_int_equal(f->d[0].ngaps, 2);
	assert_int_equal(f->d[0].gap_at[0], 10);
	assert_int_equal(f->d[0].gap_at[1], 20);
	assert_int_equal(f->d[0].len, 30);
	assert_memory_equal(f->d[0].out + 10, pattern + 20, 10);
	assert_memory_equal(f->d[0].out + 20, pattern + 40, 10);
	assert_int_equal(st(h)->flows_ended[TCP_REASM_END_TIMEOUT], 1);
	assert_int_equal(st(h)->buf_bytes, 0);
	assert_int_equal(st(h)->flows_live, 0);
	/* the next segment of that 4-tuple starts a new, mid-stream flow */
	data(h, &c, 0, 50, pattern + 50, 10);
	assert_int_equal(h->nflows, 2);
	assert_true(last_flow(h)->fi.midstream);
	h_free(h);
}

static void
test_rst(void **state)
{
	struct h *h = h_new(0, 0, 0, 0);
	struct conn c = conn4(13, 1, 2);
	struct tflow *f;
	(void)state;

	handshake(h, &c, 1);
	f = last_flow(h);
	data(h, &c, 1, 0, pattern, 10);
	data_noack(h, &c, 1, 15, pattern + 15, 5);
	tx(h, &c, 0, 0, NULL, 0, PKT_TCP_RST, 0, 2);
	assert_true(f->ended);
	assert_int_equal(f->why, TCP_REASM_END_RST);
	assert_int_equal(f->d[0].why, TCP_REASM_END_RST);
	assert_int_equal(f->d[1].why, TCP_REASM_END_RST);
	assert_int_equal(f->d[1].gap, 5);
	assert_int_equal(f->d[1].len, 15);
	assert_int_equal(st(h)->buf_bytes, 0);
	/* late segments of the reset flow are dropped */
	data(h, &c, 1, 20, pattern + 20, 5);
	tx(h, &c, 1, 0, NULL, 0, PKT_TCP_RST | PKT_TCP_ACK, 0, 2);
	assert_int_equal(h->nflows, 1);
	assert_int_equal(st(h)->closed, 2);
	/* a new SYN on the same 4-tuple is a new connection */
	c.cisn = 99999;
	handshake(h, &c, 3);
	assert_int_equal(h->nflows, 2);
	assert_false(last_flow(h)->fi.midstream);
	/* an RST of an unknown flow starts nothing */
	c = conn4(14, 1, 2);
	tx(h, &c, 0, 0, NULL, 0, PKT_TCP_RST, 0, 4);
	assert_int_equal(h->nflows, 2);
	assert_int_equal(st(h)->no_flow, 1);
	h_free(h);
}

static void
test_midstream(void **state)
{
	struct h *h = h_new(0, 0, 0, 0);
	struct conn c = conn4(15, 1000, 2000);
	struct tflow *f;
	(void)state;

	/* the server speaks first: port 25 makes it the server anyway */
	data(h, &c, 1, 100, pattern + 100, 50);
	f = last_flow(h);
	assert_true(f->fi.midstream);
	assert_memory_equal(f->fi.server, c.saddr, 16);
	assert_int_equal(f->fi.server_port, 25);
	assert_int_equal(f->fi.client_port, c.cport);
	assert_true(f->d[1].started && f->d[1].midstream);
	assert_false(f->d[0].started);
	data(h, &c, 1, 50, pattern + 50, 50); /* before the first seen: old */
	data(h, &c, 1, 150, pattern + 150, 50);
	assert_stream(&f->d[1], pattern + 100, 100);
	data(h, &c, 0, 7, pattern + 7, 3);
	assert_true(f->d[0].midstream);
	assert_stream(&f->d[0], pattern + 7, 3);
	assert_int_equal(st(h)->flows_midstream, 1);
	assert_int_equal(st(h)->retransmitted, 1);

	/* no server port known: the lower port serves */
	c = conn4(16, 1, 2);
	c.sport = 8025;
	c.cport = 50000;
	data(h, &c, 0, 0, pattern, 1);
	f = last_flow(h);
	assert_int_equal(f->fi.server_port, 8025);
	assert_int_equal(f->fi.client_port, 50000);
	c.sport = 60000;
	data(h, &c, 0, 0, pattern, 1);
	f = last_flow(h);
	assert_int_equal(f->fi.server_port, 50000);
	/* a SYN-ACK without the SYN: its sender is the server */
	c = conn4(17, 1, 2);
	c.sport = 60001;
	tx(h, &c, 1, 0, NULL, 0, PKT_TCP_SYN | PKT_TCP_ACK, 0, 1);
	f = last_flow(h);
	assert_false(f->fi.midstream);
	assert_int_equal(f->fi.server_port, 60001);
	assert_true(f->d[1].started && !f->d[1].midstream);
	data(h, &c, 0, 0, pattern, 4);
	assert_true(f->d[0].midstream);
	h_free(h);
}

/* Flows holding data share the global limit: the oldest holder gives up
 * its holes first. */
static void
test_global_limit(void **state)
{
	/* room for three held 100-octet segments with their headers, not four */
	uint64_t limit = 420;
	struct h *h = h_new(0, 0, limit, 0);
	struct conn c1 = conn4(20, 1, 2), c2 = conn4(21, 1, 2), c3 = conn4(22, 1, 2);
	struct tflow *f1, *f2, *f3;
	(void)state;

	handshake(h, &c1, 1);
	f1 = last_flow(h);
	handshake(h, &c2, 1);
	f2 = last_flow(h);
	handshake(h, &c3, 1);
	f3 = last_flow(h);
	data_noack(h, &c1, 0, 10, pattern + 10, 100);
	data_noack(h, &c2, 1, 10, pattern + 10, 100);
	data_noack(h, &c3, 0, 10, pattern + 10, 100);
	assert_true(st(h)->buf_bytes <= limit);
	assert_int_equal(st(h)->buf_segments, 3);
	/* one more: f1 held first, it gives up */
	data_noack(h, &c2, 0, 10, pattern + 10, 100);
	assert_int_equal(f1->d[0].gap, 10);
	assert_int_equal(f1->d[0].len, 100);
	assert_int_equal(f2->d[1].gap + f3->d[0].gap, 0);
	assert_int_equal(st(h)->buf_segments, 3);
	/* f3 is now the oldest holder */
	data_noack(h, &c1, 0, 120, pattern + 120, 100);
	assert_int_equal(f3->d[0].gap, 10);
	assert_int_equal(f2->d[1].gap + f2->d[0].gap, 0);
	assert_true(st(h)->buf_bytes <= limit);
	assert_true(st(h)->buf_bytes_peak <= limit);
	h_free(h);
}

/* When the flow needing room is itself the oldest holder: its own direction
 * gives up one hole at a time; else its other direction gives up all. */
static void
test_global_limit_self(void **state)
{
	struct h *h = h_new(0, 0, 420, 0);
	struct conn c = conn4(23, 1, 2);
	struct tflow *f;
	(void)state;

	handshake(h, &c, 1);
	f = last_flow(h);
	data_noack(h, &c, 0, 10, pattern + 10, 100);
	data_noack(h, &c, 0, 120, pattern + 120, 100);
	data_noack(h, &c, 0, 230, pattern + 230, 100);
	data_noack(h, &c, 0, 340, pattern + 340, 100);
	assert_int_equal(f->d[0].ngaps, 1);
	assert_int_equal(f->d[0].gap, 10);
	assert_stream(&f->d[0], pattern + 10, 100);
	assert_int_equal(st(h)->buf_segments, 3);
	h_free(h);

	h = h_new(0, 0, 420, 0);
	handshake(h, &c, 1);
	f = last_flow(h);
	data_noack(h, &c, 1, 10, pattern + 10, 100);
	data_noack(h, &c, 1, 120, pattern + 120, 100);
	data_noack(h, &c, 1, 230, pattern + 230, 100);
	data_noack(h, &c, 0, 10, pattern + 10, 100);
	assert_int_equal(f->d[1].ngaps, 3);
	assert_int_equal(f->d[1].gap, 30);
	assert_int_equal(f->d[1].len, 300);
	assert_int_equal(f->d[0].len, 0);
	assert_int_equal(st(h)->buf_segments, 1);
	h_free(h);
}

static void
test_lru_eviction(void **state)
{
	/* idle 32 s: activity order kept to the second */
	struct h *h = h_new(3, 0, 0, 32);
	struct conn c[4];
	int i;
	(void)state;

	for (i = 0; i < 3; i++) {
		c[i] = conn4(30 + (uint32_t)i, 1, 2);
		handshake(h, &c[i], ((uint64_t)i + 1) * 1000000);
	}
	tx(h, &c[1], 0, 5, pattern + 5, 5, 0, 0, 5000000); /* flow 1 holds a segment */
	tx(h, &c[0], 0, 0, pattern, 5, PKT_TCP_ACK, 0, 6000000); /* flow 0 is recent again */
	tx(h, &c[2], 0, 0, pattern, 5, PKT_TCP_ACK, 0, 7000000);
	c[3] = conn4(33, 1, 2);
	handshake(h, &c[3], 8000000);
	assert_int_equal(h->nflows, 4);
	assert_true(h->flows[1]->ended);
	assert_int_equal(h->flows[1]->why, TCP_REASM_END_EVICTED);
	assert_int_equal(h->flows[1]->d[0].gap, 5);
	assert_int_equal(h->flows[1]->d[0].len, 5);
	assert_false(h->flows[0]->ended);
	assert_false(h->flows[2]->ended);
	assert_int_equal(st(h)->flows_ended[TCP_REASM_END_EVICTED], 1);
	assert_int_equal(st(h)->flows_live, 3);
	/* a closed flow is forgotten before a live one is evicted */
	tx(h, &c[0], 0, 5, NULL, 0, PKT_TCP_RST, 0, 9000000);
	c[1] = conn4(34, 1, 2);
	handshake(h, &c[1], 9000000);
	assert_int_equal(st(h)->flows_ended[TCP_REASM_END_EVICTED], 1);
	assert_int_equal(st(h)->flows_live, 3);
	assert_int_equal(st(h)->flows_closed, 0);
	h_free(h);
}

/* IGNORE: nothing more delivered or held, bytes counted as skipped, the
 * endings still come (FIN of both sides ends the flow). */
static void
test_mark_ignore(void **state)
{
	struct h *h = h_new(0, 0, 0, 0);
	struct conn c = conn4(50, 1, 2);
	(void)state;

	mark_r = h->r;
	handshake(h, &c, 1000000);
	data(h, &c, 0, 0, (const uint8_t *)"Ignore", 6);
	data(h, &c, 0, 6, (const uint8_t *)"more", 4);
	data(h, &c, 0, 20, (const uint8_t *)"later", 5);      /* beyond a hole: not held */
	data(h, &c, 1, 0, (const uint8_t *)"reply", 5);
	assert_int_equal(h->flows[0]->d[0].len, 6);
	assert_int_equal(h->flows[0]->d[1].len, 0);
	assert_int_equal(st(h)->buf_segments, 0);
	assert_int_equal(st(h)->bytes_skipped, 4 + 10 + 5 + 5);
	assert_int_equal(h->flows[0]->d[0].gap, 0);
	tx(h, &c, 0, 25, NULL, 0, PKT_TCP_FIN | PKT_TCP_ACK, 5, 2000000);
	tx(h, &c, 1, 5, NULL, 0, PKT_TCP_FIN | PKT_TCP_ACK, 26, 2000000);
	assert_true(h->flows[0]->ended);
	assert_int_equal(h->flows[0]->why, TCP_REASM_END_FIN);
	mark_r = NULL;
	h_free(h);
}

/* A full table evicts ignored flows, then unmarked ones, and a kept flow
 * only when nothing else is left. */
static void
test_mark_eviction(void **state)
{
	struct h *h = h_new(4, 0, 0, 600);
	struct conn c[12];
	int i;
	(void)state;

	mark_r = h->r;
	for (i = 0; i < 4; i++) {
		c[i] = conn4(60 + (uint32_t)i, 1, 2);
		handshake(h, &c[i], ((uint64_t)i + 1) * 1000000);
	}
	data(h, &c[0], 0, 0, (const uint8_t *)"Keep", 4);      /* the oldest flow, kept */
	data(h, &c[3], 0, 0, (const uint8_t *)"Ign", 3);       /* the newest, ignored */
	for (i = 4; i < 10; i++) {                              /* a flood of new flows */
		c[i] = conn4(60 + (uint32_t)i, 1, 2);
		handshake(h, &c[i], ((uint64_t)i + 1) * 1000000);
	}
	assert_int_equal(h->end_order[0], 3);                  /* the ignored one first */
	assert_int_equal(h->flows[3]->why, TCP_REASM_END_EVICTED);
	assert_int_equal(h->end_order[1], 1);                  /* then unmarked, oldest first */
	assert_int_equal(h->end_order[2], 2);
	assert_false(h->flows[0]->ended);                      /* the kept flow stays */
	assert_int_equal(st(h)->flows_ended[TCP_REASM_END_EVICTED], 6);
	data(h, &c[0], 0, 4, (const uint8_t *)"more", 4);
	assert_int_equal(h->flows[0]->d[0].len, 8);
	/* kept flows only: the least recently active kept one goes */
	for (i = 7; i < 9; i++)
		data(h, &c[i], 0, 0, (const uint8_t *)"K", 1);
	c[10] = conn4(70, 1, 2);
	handshake(h, &c[10], 20000000);
	assert_false(h->flows[0]->ended);
	assert_true(h->flows[9]->ended);                       /* the unmarked one */
	c[11] = conn4(71, 1, 2);
	data(h, &c[10], 0, 0, (const uint8_t *)"K", 1);
	handshake(h, &c[11], 21000000);
	assert_true(h->flows[0]->ended);                       /* least recently active kept */
	assert_int_equal(h->flows[0]->why, TCP_REASM_END_EVICTED);
	mark_r = NULL;
	h_free(h);
}

/* Flows expire oldest first, and only those idle too long. */
static void
test_expire_order(void **state)
{
	struct h *h = h_new(0, 0, 0, 10);
	struct conn c[5];
	int i;
	(void)state;

	for (i = 0; i < 5; i++) {
		c[i] = conn4(40 + (uint32_t)i, 1, 2);
		handshake(h, &c[i], (uint64_t)i * 1000000);
	}
	/* flow 0 touched at 4.5 s */
	tx(h, &c[0], 0, 0, pattern, 1, PKT_TCP_ACK, 0, 4500000);
	tcp_reasm_expire(h->r, 13500000);
	assert_int_equal(h->nended, 3);
	assert_int_equal(h->end_order[0], 1);
	assert_int_equal(h->end_order[1], 2);
	assert_int_equal(h->end_order[2], 3);
	/* a packet's own time expires flow 4 (4 s), not its own flow 0 (4.5 s) */
	tx(h, &c[0], 0, 1, pattern + 1, 1, PKT_TCP_ACK, 0, 14200000);
	assert_int_equal(h->nended, 4);
	assert_int_equal(h->end_order[3], 4);
	assert_false(h->flows[0]->ended);
	/* time going back is taken as the latest time */
	tx(h, &c[0], 0, 2, pattern + 2, 1, PKT_TCP_ACK, 0, 1);
	tcp_reasm_expire(h->r, 24200000);
	assert_false(h->flows[0]->ended);
	tcp_reasm_expire(h->r, 24200001);
	assert_true(h->flows[0]->ended);
	assert_stream(&h->flows[0]->d[0], pattern, 3);
	assert_int_equal(h->nflows, 5);
	h_free(h);
}

/* Activity order is coarse (1/32 of the timeout, 1 s here), but a flow
 * never ends before its own timeout. */
static void
test_expire_not_early(void **state)
{
	struct h *h = h_new(0, 0, 0, 32);
	struct conn a = conn4(45, 1, 2), b = conn4(46, 1, 2);
	(void)state;

	handshake(h, &a, 1000000);
	handshake(h, &b, 1100000);
	/* a is touched within the step: it stays at the tail, with its time */
	tx(h, &a, 0, 0, pattern, 1, PKT_TCP_ACK, 0, 1500000);
	tcp_reasm_expire(h->r, 33200000);
	assert_int_equal(h->nended, 0);
	tcp_reasm_expire(h->r, 33500001);
	assert_int_equal(h->nended, 2);
	assert_int_equal(h->end_order[0], 0);
	assert_int_equal(h->end_order[1], 1);
	h_free(h);
}

static void
test_one_octet_segments(void **state)
{
	struct h *h = h_new(0, 0, 0, 0);
	struct conn c = conn4(50, 0xffffff00u, 3);
	struct tflow *f;
	uint32_t base, i;
	(void)state;

	handshake(h, &c, 1);
	f = last_flow(h);
	/* 4000 octets one at a time, each window of 16 sent backwards */
	for (base = 0; base < 4000; base += 16)
		for (i = 16; i-- > 0;)
			data(h, &c, 0, base + i, pattern + base + i, 1);
	/* 300 octets entirely backwards, then every one again */
	for (i = 300; i-- > 0;)
		data_noack(h, &c, 1, i, pattern + i, 1);
	for (i = 0; i < 300; i++)
		data(h, &c, 1, i, pattern + i, 1);
	assert_stream(&f->d[0], pattern, 4000);
	assert_stream(&f->d[1], pattern, 300);
	assert_int_equal(st(h)->bytes_gap, 0);
	assert_int_equal(st(h)->retransmitted, 300);
	assert_int_equal(st(h)->buf_bytes, 0);
	h_free(h);
}

static uint64_t rng = 88172645463325252ULL;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

/* 10,000 segments per direction of random sizes, shuffled within windows
 * of 32, some sent twice, the directions interleaved; the ISNs near the
 * wrap. Delivered == sent, no gap, nothing held at the end. */
static void
test_shuffled_stream(void **state)
{
	enum { NSEG = 10000, WIN = 32 };
	struct h *h = h_new(0, 0, 0, 0);
	struct conn c = conn4(60, 0xfff00000u, 0x7ff00000u);
	static uint32_t off[2][NSEG + 1];
	static uint32_t order[2][NSEG];
	struct tflow *f;
	uint32_t d, i, j, pos[2] = { 0, 0 };
	(void)state;

	for (d = 0; d < 2; d++) {
		off[d][0] = 0;
		for (i = 0; i < NSEG; i++)
			off[d][i + 1] = off[d][i] + 1 + rnd() % 100;
		assert_true(off[d][NSEG] <= sizeof pattern);
		for (i = 0; i < NSEG; i++)
			order[d][i] = i;
		for (i = 0; i < NSEG; i += WIN) {
			uint32_t n = NSEG - i < WIN ? NSEG - i : WIN;

			for (j = n - 1; j > 0; j--) {
				uint32_t k = rnd() % (j + 1), t = order[d][i + j];
				order[d][i + j] = order[d][i + k];
				order[d][i + k] = t;
			}
		}
	}
	handshake(h, &c, 1);
	f = last_flow(h);
	while (pos[0] < NSEG || pos[1] < NSEG) {
		uint32_t s;

		d = pos[0] >= NSEG ? 1 : pos[1] >= NSEG ? 0 : rnd() & 1;
		s = order[d][pos[d]++];
		/* ACK flags on, acks at 0: no news, holes wait */
		data(h, &c, (int)d, off[d][s], pattern + off[d][s], off[d][s + 1] - off[d][s]);
		if (rnd() % 10 == 0) {
			s = order[d][rnd() % pos[d]];
			data(h, &c, (int)d, off[d][s], pattern + off[d][s],
			    off[d][s + 1] - off[d][s]);
		}
		assert_true(st(h)->buf_bytes <= 65536);
	}
	assert_stream(&f->d[0], pattern, off[0][NSEG]);
	assert_stream(&f->d[1], pattern, off[1][NSEG]);
	assert_int_equal(st(h)->bytes_gap, 0);
	assert_int_equal(st(h)->buf_bytes, 0);
	assert_int_equal(st(h)->buf_segments, 0);
	assert_true(st(h)->out_of_order > NSEG / 2);
	assert_true(st(h)->retransmitted > 1000);
	assert_int_equal(st(h)->bytes_inconsistent, 0);
	h_free(h);
}

/* The capture lost a segment the receiver got: its ACK declares the hole
 * at once, but only up to what the sender was seen to send. */
static void
test_ack_declares_lost(void **state)
{
	struct h *h = h_new(0, 0, 0, 0);
	struct conn c = conn4(70, 1, 2);
	struct tflow *f;
	(void)state;

	handshake(h, &c, 1);
	f = last_flow(h);
	tx(h, &c, 1, 0, (const uint8_t *)"220 a\r\n", 7, PKT_TCP_ACK, 0, 2);
	/* the client's "EHLO" (0..8) was lost; "MAIL" (8..20) seen */
	data_noack(h, &c, 0, 8, pattern + 8, 12);
	/* the server acknowledges 30: up to 20 is known, beyond is not seen */
	tx(h, &c, 1, 7, (const uint8_t *)"250 ok\r\n", 8, PKT_TCP_ACK, 30, 3);
	assert_int_equal(f->d[0].ngaps, 1);
	assert_int_equal(f->d[0].gap_len[0], 8);
	assert_stream(&f->d[0], pattern + 8, 12);
	/* an acknowledgement far beyond anything seen declares nothing */
	tx(h, &c, 1, 15, NULL, 0, PKT_TCP_ACK, 1000000, 3);
	assert_int_equal(f->d[0].gap, 8);
	/* a bare ACK from the client tells its sequence number: 20..40 sent */
	tx(h, &c, 0, 40, NULL, 0, PKT_TCP_ACK, 15, 4);
	tx(h, &c, 1, 15, NULL, 0, PKT_TCP_ACK, 40, 4);
	assert_int_equal(f->d[0].gap, 28);
	h_free(h);
}

/* A segment cut by the snap length: the missing tail is a gap. */
static void
test_truncated_segment(void **state)
{
	struct h *h = h_new(0, 0, 0, 0);
	struct conn c = conn4(71, 1, 2);
	struct tflow *f;
	struct pkt_tcp s;
	(void)state;

	handshake(h, &c, 1);
	f = last_flow(h);
	memset(&s, 0, sizeof s);
	s.result = PKT_OK;
	s.family = AF_INET;
	memcpy(s.src, c.caddr, 16);
	memcpy(s.dst, c.saddr, 16);
	s.sport = c.cport;
	s.dport = c.sport;
	s.seq = c.cisn + 1;
	s.flags = 0;
	s.payload = pattern;
	s.payload_len = 40;
	s.seg_len = 100;
	s.truncated = true;
	tcp_reasm_packet(h->r, &s, 2);
	assert_int_equal(f->d[0].len, 40);
	assert_int_equal(f->d[0].gap, 60);
	data(h, &c, 0, 100, pattern + 100, 10);
	assert_int_equal(f->d[0].len, 50);
	/* out of order and cut: held data first, the cut tail is a hole */
	s.seq = c.cisn + 1 + 200;
	s.payload = pattern + 200;
	tcp_reasm_packet(h->r, &s, 2);
	data(h, &c, 0, 110, pattern + 110, 90);
	assert_int_equal(f->d[0].len, 50 + 90 + 40);
	assert_int_equal(f->d[0].gap, 60);
	data(h, &c, 0, 300, pattern + 300, 10);
	assert_int_equal(f->d[0].len, 180);
	tx(h, &c, 1, 0, NULL, 0, PKT_TCP_ACK, 310, 3);
	assert_int_equal(f->d[0].gap, 120);
	assert_int_equal(f->d[0].len, 190);
	h_free(h);
}

/* TCP Fast Open: data on the SYN. */
static void
test_syn_data(void **state)
{
	struct h *h = h_new(0, 0, 0, 0);
	struct conn c = conn4(72, 0xffffffffu, 2);
	struct tflow *f;
	(void)state;

	tx(h, &c, 0, 0, pattern, 20, PKT_TCP_SYN, 0, 1);
	f = last_flow(h);
	tx(h, &c, 1, 0, NULL, 0, PKT_TCP_SYN | PKT_TCP_ACK, 20, 1);
	tx(h, &c, 0, 0, pattern, 20, PKT_TCP_SYN, 0, 1); /* the SYN again */
	data(h, &c, 0, 20, pattern + 20, 5);
	assert_stream(&f->d[0], pattern, 25);
	assert_int_equal(h->nflows, 1);
	assert_int_equal(st(h)->retransmitted, 1);
	h_free(h);
}

/* A SYN with a new ISN on a live 4-tuple: the old flow ends, a new begins. */
static void
test_syn_reuse(void **state)
{
	struct h *h = h_new(0, 0, 0, 0);
	struct conn c = conn4(73, 1, 2);
	struct tflow *f;
	(void)state;

	handshake(h, &c, 1);
	f = last_flow(h);
	data(h, &c, 0, 0, pattern, 10);
	data_noack(h, &c, 0, 20, pattern + 20, 10);
	c.cisn = 0x40000000;
	handshake(h, &c, 2);
	assert_true(f->ended);
	assert_int_equal(f->why, TCP_REASM_END_REUSED);
	assert_int_equal(f->d[0].gap, 10);
	assert_int_equal(h->nflows, 2);
	data(h, &c, 0, 0, pattern + 100, 10);
	assert_stream(&last_flow(h)->d[0], pattern + 100, 10);
	assert_int_equal(st(h)->flows_ended[TCP_REASM_END_REUSED], 1);
	h_free(h);
}

static void
test_out_of_window(void **state)
{
	struct h *h = h_new(0, 0, 0, 0);
	struct conn c = conn4(74, 1, 2);
	struct tflow *f;
	(void)state;

	handshake(h, &c, 1);
	f = last_flow(h);
	data(h, &c, 0, (1u << 30) + 5, pattern, 10);
	assert_int_equal(st(h)->out_of_window, 1);
	assert_int_equal(st(h)->buf_segments, 0);
	/* exactly 2^31 from next is both before and after it; a window behind
	 * is no retransmission either: neither may move what is known (found
	 * by fuzz_packet: a 2^31 octet gap at the end of the flow) */
	data(h, &c, 0, 0x80000000u, NULL, 0);
	data(h, &c, 0, 0x80000000u, pattern, 10);
	data(h, &c, 0, 0u - (1u << 30), pattern, 10);
	assert_int_equal(st(h)->out_of_window, 4);
	assert_int_equal(st(h)->retransmitted, 0);
	assert_int_equal(f->d[0].gap, 0);
	data(h, &c, 0, 0, pattern, 10);
	/* data after the FIN */
	tx(h, &c, 0, 10, NULL, 0, PKT_TCP_ACK | PKT_TCP_FIN, 0, 1);
	assert_true(f->d[0].ended);
	data(h, &c, 0, 11, pattern, 10);
	assert_int_equal(st(h)->out_of_window, 5);
	assert_stream(&f->d[0], pattern, 10);
	assert_int_equal(f->d[0].gap, 0);
	h_free(h);
}

/* Freeing ends every live flow, both directions, with SHUTDOWN. */
static void
test_shutdown(void **state)
{
	struct h *h = h_new(0, 0, 0, 0);
	struct conn c = conn4(75, 1, 2), c6;
	struct tflow *f, *g;
	(void)state;

	handshake(h, &c, 1);
	f = last_flow(h);
	data_noack(h, &c, 0, 5, pattern + 5, 5);
	c6 = c;
	c6.family = AF_INET6;
	c6.caddr[15] = 1;
	c6.saddr[15] = 2;
	data(h, &c6, 1, 0, pattern, 3);
	g = last_flow(h);
	assert_int_equal(g->fi.family, AF_INET6);
	assert_true(f != g);
	tcp_reasm_free(h->r);
	h->r = NULL;
	assert_true(f->ended && g->ended);
	assert_int_equal(f->why, TCP_REASM_END_SHUTDOWN);
	assert_int_equal(f->d[0].why, TCP_REASM_END_SHUTDOWN);
	assert_int_equal(f->d[1].why, TCP_REASM_END_SHUTDOWN);
	assert_int_equal(f->d[0].gap, 5);
	assert_int_equal(g->d[0].why, TCP_REASM_END_SHUTDOWN);
	assert_false(g->d[0].started);
	assert_string_equal(tcp_reasm_end_name(TCP_REASM_END_SHUTDOWN), "shutdown");
	h_free(h);
}

/* From frames through pkt_decode() into the reassembler. */
static void
test_through_pktdecode(void **state)
{
	struct h *h = h_new(0, 0, 0, 0);
	static const char *const msg[] = { "220 mx ESMTP\r\n", "EHLO me\r\n",
		"250-mx\r\n250 STARTTLS\r\n", "STARTTLS\r\n" };
	uint8_t fr[128];
	uint32_t seq[2] = { 100, 900 };
	struct pkt_tcp s;
	struct tflow *f;
	int i;
	(void)state;

	for (i = -2; i < 4; i++) {
		int dir = i < 0 ? i + 2 : (i + 1) % 2; /* SYN c->s, SYN-ACK, then talk */
		const char *m = i < 0 ? "" : msg[i];
		size_t ml = strlen(m), tot = 20 + 20 + ml;

		memset(fr, 0, sizeof fr);
		memset(fr, 0xaa, 12);
		fr[12] = 0x08;
		fr[14] = 0x45;
		fr[16] = (uint8_t)(tot >> 8);
		fr[17] = (uint8_t)tot;
		fr[23] = 6;
		fr[26] = 10;
		fr[29] = (uint8_t)(dir == 0 ? 1 : 2);
		fr[30] = 10;
		fr[33] = (uint8_t)(dir == 0 ? 2 : 1);
		fr[34] = dir == 0 ? 0xc0 : 0;
		fr[35] = dir == 0 ? 0x01 : 25;
		fr[36] = dir == 0 ? 0 : 0xc0;
		fr[37] = dir == 0 ? 25 : 0x01;
		fr[38 + 0] = (uint8_t)(seq[dir] >> 24);
		fr[38 + 1] = (uint8_t)(seq[dir] >> 16);
		fr[38 + 2] = (uint8_t)(seq[dir] >> 8);
		fr[38 + 3] = (uint8_t)seq[dir];
		fr[46] = 0x50;
		fr[47] = i == -2 ? PKT_TCP_SYN : i == -1 ? (PKT_TCP_SYN | PKT_TCP_ACK) : PKT_TCP_ACK;
		memcpy(fr + 54, m, ml);
		assert_int_equal(pkt_decode(PKT_DLT_EN10MB, fr, 54 + ml, 54 + ml, &s), PKT_OK);
		tcp_reasm_packet(h->r, &s, 1);
		seq[dir] += (uint32_t)ml + (i < 0);
	}
	f = last_flow(h);
	assert_int_equal(h->nflows, 1);
	assert_int_equal(f->fi.server_port, 25);
	assert_stream(&f->d[0], (const uint8_t *)"EHLO me\r\nSTARTTLS\r\n", 19);
	assert_stream(&f->d[1], (const uint8_t *)"220 mx ESMTP\r\n250-mx\r\n250 STARTTLS\r\n", 36);
	/* results other than PKT_OK are ignored */
	s.result = PKT_NOT_TCP;
	tcp_reasm_packet(h->r, &s, 1);
	assert_int_equal(st(h)->packets, 6);
	h_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_permutations),
		cmocka_unit_test(test_retransmission_identical),
		cmocka_unit_test(test_retransmission_inconsistent),
		cmocka_unit_test(test_overlap_both_ends),
		cmocka_unit_test(test_wraparound),
		cmocka_unit_test(test_gap_filled_later),
		cmocka_unit_test(test_gap_at_fin),
		cmocka_unit_test(test_gap_at_dir_limit),
		cmocka_unit_test(test_gap_at_timeout),
		cmocka_unit_test(test_rst),
		cmocka_unit_test(test_midstream),
		cmocka_unit_test(test_global_limit),
		cmocka_unit_test(test_global_limit_self),
		cmocka_unit_test(test_lru_eviction),
		cmocka_unit_test(test_mark_ignore),
		cmocka_unit_test(test_mark_eviction),
		cmocka_unit_test(test_expire_order),
		cmocka_unit_test(test_expire_not_early),
		cmocka_unit_test(test_one_octet_segments),
		cmocka_unit_test(test_shuffled_stream),
		cmocka_unit_test(test_ack_declares_lost),
		cmocka_unit_test(test_truncated_segment),
		cmocka_unit_test(test_syn_data),
		cmocka_unit_test(test_syn_reuse),
		cmocka_unit_test(test_out_of_window),
		cmocka_unit_test(test_shutdown),
		cmocka_unit_test(test_through_pktdecode),
	};
	return cmocka_run_group_tests_name("tcp_reasm", tests, group_setup, NULL);
}
