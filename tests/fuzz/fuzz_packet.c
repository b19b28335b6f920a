/* libFuzzer target: captured frames through pkt_decode() and tcp_reasm with
 * small limits (4 flows, 300 octets held per direction, 500 in all, 2 s idle).
 *
 * Input: one octet of mode, then records of a 2-octet big-endian header and
 * a body. Header bits 0-11: body length; 12-14: capture time step in 0.5 s;
 * 15: the frame was cut (caplen 64 octets below wirelen). Mode bits 0-3 pick
 * the link type; mode 15 makes each body a compact segment description that
 * the harness turns into a raw IP frame (so that the fuzzer reaches deep into
 * reassembly quickly): [0] bits 0-1 flow, 2 direction, 3 IPv6, 5-6 a jump of
 * about 2^30 per step in the sequence number; [1] TCP flags; [2-3] sequence
 * offset; [4-5] acknowledgement offset; then payload. Mode bit 7: end with
 * tcp_reasm_expire(UINT64_MAX) before tcp_reasm_free().
 *
 * Checks, besides the sanitizers: callbacks come in order (start, data/gap,
 * end once per direction, flow_end once after both ends) and never for an
 * ended flow; per direction, delivered octets never exceed the payload
 * octets captured for it, and delivered + gap never exceed the span of
 * sequence space the sender was seen to use; held memory stays within the
 * global limit and returns to 0; every flow started is ended. */
#include "buildconf.h"
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pktdecode.h"
#include "tcp_reasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FLOWS 4
#define BUF_MAX 500

struct side {
	bool seen;       /* span set */
	uint32_t base;   /* sequence number at position 0 */
	int64_t lo, hi;  /* positions seen, relative to base, unwrapped */
	uint64_t payload;   /* payload octets captured */
	uint64_t delivered, gap;
	bool started, ended;
};

struct fflow {
	int family;
	uint8_t addr[2][16]; /* client, server */
	uint16_t port[2];
	struct side s[2];
	bool ended;
	struct fflow *next;
};

static struct fflow *live;        /* flows between flow_new and flow_end */
static int nlive, nnew, nend;
static const struct pkt_tcp *cur; /* the segment being fed */

/* Extend a direction's span with [seq, seq + len). */
static void
span_add(struct side *s, uint32_t seq, uint32_t len)
{
	int64_t a, b;

	if (!s->seen) {
		s->seen = true;
		s->base = seq;
		s->lo = 0;
		s->hi = 0;
	}
	/* place seq relative to the highest position so far, serially */
	a = s->hi + (int32_t)(seq - (uint32_t)(s->base + (uint32_t)s->hi));
	b = a + len;
	if (a < s->lo)
		s->lo = a;
	if (b > s->hi)
		s->hi = b;
}

static void
span_seg(struct side *s, const struct pkt_tcp *seg)
{
	uint32_t len = seg->seg_len;

	if (seg->flags & PKT_TCP_SYN)
		len++;
	if (seg->flags & PKT_TCP_FIN)
		len++;
	span_add(s, seg->seq, len);
	s->payload += seg->payload_len;
}

static int
dir_of(const struct fflow *f, const struct pkt_tcp *seg)
{
	if (f->family != seg->family)
		return -1;
	if (f->port[0] == seg->sport && f->port[1] == seg->dport &&
	    memcmp(f->addr[0], seg->src, 16) == 0 && memcmp(f->addr[1], seg->dst, 16) == 0)
		return 0;
	if (f->port[1] == seg->sport && f->port[0] == seg->dport &&
	    memcmp(f->addr[1], seg->src, 16) == 0 && memcmp(f->addr[0], seg->dst, 16) == 0)
		return 1;
	return -1;
}

static void *
cb_flow_new(void *arg, const struct tcp_reasm_flow_info *fi)
{
	struct fflow *f = calloc(1, sizeof *f);
	int d;

	(void)arg;
	assert(f != NULL && cur != NULL);
	f->family = fi->family;
	memcpy(f->addr[0], fi->client, 16);
	memcpy(f->addr[1], fi->server, 16);
	f->port[0] = fi->client_port;
	f->port[1] = fi->server_port;
	d = dir_of(f, cur);
	assert(d >= 0);
	span_seg(&f->s[d], cur);
	f->next = live;
	live = f;
	nlive++;
	nnew++;
	assert(nlive <= MAX_FLOWS);
	return f;
}

static void
cb_flow_end(void *arg, void *user, enum tcp_reasm_end why)
{
	struct fflow *f = user, **pp;

	(void)arg;
	assert(why < TCP_REASM_END_MAX);
	assert(!f->ended && f->s[0].ended && f->s[1].ended);
	for (pp = &live; *pp != f; pp = &(*pp)->next)
		assert(*pp != NULL);
	*pp = f->next;
	nlive--;
	nend++;
	free(f);
}

static void
cb_start(void *user, int dir, bool midstream)
{
	struct side *s = &((struct fflow *)user)->s[dir];

	(void)midstream;
	assert(!s->started && !s->ended);
	s->started = true;
}

static void
check_side(const struct side *s)
{
	assert(s->started && !s->ended);
	assert(s->delivered <= s->payload);
	assert(s->seen && s->delivered + s->gap <= (uint64_t)(s->hi - s->lo));
}

static void
cb_data(void *user, int dir, const uint8_t *p, size_t n)
{
	struct side *s = &((struct fflow *)user)->s[dir];
	volatile uint8_t sink = 0;

	assert(n > 0);
	sink ^= p[0];
	sink ^= p[n - 1]; /* the pointer must be readable over n octets */
	(void)sink;
	s->delivered += n;
	check_side(s);
}

static void
cb_gap(void *user, int dir, uint32_t n)
{
	struct side *s = &((struct fflow *)user)->s[dir];

	assert(n > 0 && n < 0x80000000u);
	s->gap += n;
	check_side(s);
}

static void
cb_end(void *user, int dir, enum tcp_reasm_end why)
{
	struct fflow *f = user;

	assert(why < TCP_REASM_END_MAX);
	assert(!f->ended && !f->s[dir].ended);
	f->s[dir].ended = true;
}

static bool
cb_server_port(void *arg, uint16_t port)
{
	(void)arg;
	return port == 25;
}

static const int linktypes[16] = {
	PKT_DLT_EN10MB, PKT_DLT_RAW, PKT_DLT_LINUX_SLL, PKT_DLT_LINUX_SLL2,
	PKT_DLT_NULL, PKT_DLT_LOOP, PKT_DLT_IPV4, PKT_DLT_IPV6,
	PKT_DLT_RAW_12, PKT_DLT_RAW_14, PKT_DLT_EN10MB, PKT_DLT_RAW,
	PKT_DLT_EN10MB, PKT_DLT_RAW, 147 /* unsupported */, -1 /* synthetic */,
};

/* Build a raw IP frame from a compact description; returns its length. */
static size_t
synth(const uint8_t *d, size_t n, uint8_t *fr, size_t cap)
{
	static const uint32_t isn[4][2] = {
		{ 0xfffff000u, 1000 }, { 1, 0x7ffffff0u }, { 0x80000000u, 0xffffffffu },
		{ 12345, 54321 },
	};
	uint8_t b0 = n > 0 ? d[0] : 0, fl = n > 1 ? d[1] : 0;
	int flow = b0 & 3, dir = b0 >> 2 & 1, v6 = b0 >> 3 & 1, jump = b0 >> 5 & 3;
	uint16_t so = n > 3 ? (uint16_t)(d[2] << 8 | d[3]) : 0;
	uint16_t ao = n > 5 ? (uint16_t)(d[4] << 8 | d[5]) : 0;
	size_t pl = n > 6 ? n - 6 : 0, ipl = v6 ? 40 : 20, tot = ipl + 20 + pl, i;
	uint32_t seq = isn[flow][dir] + so + (uint32_t)jump * 0x3fff0000u;
	uint32_t ack = isn[flow][!dir] + ao;
	uint16_t cport = (uint16_t)(40000 + flow), sport = flow == 3 ? 587 : 25;
	uint8_t *ip = fr, *t = fr + ipl;

	if (tot > cap)
		return 0;
	memset(fr, 0, ipl + 20);
	if (v6) {
		ip[0] = 0x60;
		ip[4] = (uint8_t)((20 + pl) >> 8);
		ip[5] = (uint8_t)(20 + pl);
		ip[6] = 6;
		ip[7] = 64;
		ip[8 + 15] = (uint8_t)(dir ? 2 : 1);
		ip[24 + 15] = (uint8_t)(dir ? 1 : 2);
	} else {
		ip[0] = 0x45;
		ip[2] = (uint8_t)(tot >> 8);
		ip[3] = (uint8_t)tot;
		ip[8] = 64;
		ip[9] = 6;
		ip[12] = 10;
		ip[15] = (uint8_t)(dir ? 2 : 1);
		ip[16] = 10;
		ip[19] = (uint8_t)(dir ? 1 : 2);
	}
	t[0] = (uint8_t)((dir ? sport : cport) >> 8);
	t[1] = (uint8_t)(dir ? sport : cport);
	t[2] = (uint8_t)((dir ? cport : sport) >> 8);
	t[3] = (uint8_t)(dir ? cport : sport);
	for (i = 0; i < 4; i++) {
		t[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
		t[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
	}
	t[12] = 0x50;
	t[13] = fl;
	t[14] = 0xff;
	if (pl > 0)
		memcpy(t + 20, d + 6, pl);
	return tot;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct tcp_reasm_cb cb = {
		cb_flow_new, cb_flow_end, cb_start, cb_data, cb_gap, cb_end, cb_server_port,
	};
	static uint8_t synth_buf[4096 + 64];
	struct tcp_reasm_cfg cfg;
	struct tcp_reasm *r;
	const struct tcp_reasm_stats *st;
	uint64_t ts = 1000000;
	size_t off = 1;
	uint8_t mode;
	int lt;

	if (size < 1)
		return 0;
	mode = data[0];
	lt = linktypes[mode & 15];
	tcp_reasm_cfg_default(&cfg);
	cfg.max_flows = MAX_FLOWS;
	cfg.dir_buf_max = 300;
	cfg.buf_max = BUF_MAX;
	cfg.idle_timeout_s = 2;
	cfg.closed_linger_s = 1;
	cfg.seed[0] = 0x0123456789abcdefULL;
	cfg.seed[1] = 0xfedcba9876543210ULL;
	live = NULL;
	nlive = nnew = nend = 0;
	r = tcp_reasm_new(&cfg, &cb, NULL);
	st = tcp_reasm_stats(r);

	while (off + 2 <= size) {
		uint16_t hdr = (uint16_t)(data[off] << 8 | data[off + 1]);
		size_t len = hdr & 0x0fff, caplen, wirelen;
		const uint8_t *frame = data + off + 2;
		uint8_t *copy;
		struct pkt_tcp seg;
		struct fflow *f;
		int dlt = lt;

		off += 2;
		if (len > size - off)
			len = size - off;
		off += len;
		ts += (uint64_t)(hdr >> 12 & 7) * 500000;
		if (lt < 0) {
			len = synth(frame, len, synth_buf, sizeof synth_buf);
			frame = synth_buf;
			dlt = PKT_DLT_RAW;
		}
		caplen = len;
		wirelen = len;
		if (hdr & 0x8000) /* cut by the snap length */
			wirelen += 64;
		/* an exact-size copy, so that reading past caplen is caught */
		copy = malloc(caplen ? caplen : 1);
		assert(copy != NULL);
		memcpy(copy, frame, caplen);
		pkt_decode(dlt, copy, caplen, wirelen, &seg);
		if (seg.result == PKT_OK) {
			assert(seg.payload_len <= seg.seg_len);
			assert(seg.payload_len == 0 ||
			    (seg.payload >= copy && seg.payload + seg.payload_len <= copy + caplen));
			for (f = live; f != NULL; f = f->next) {
				int d = dir_of(f, &seg);

				if (d >= 0) {
					span_seg(&f->s[d], &seg);
					break;
				}
			}
		}
		cur = &seg;
		tcp_reasm_packet(r, &seg, ts);
		cur = NULL;
		free(copy);
		assert(st->buf_bytes <= BUF_MAX);
		assert(st->flows_live + st->flows_closed <= MAX_FLOWS);
		assert(st->flows_live == (uint64_t)nlive);
		assert(st->bytes_delivered <= st->packets * 4096);
	}
	if (mode & 0x80) {
		tcp_reasm_expire(r, UINT64_MAX);
		assert(st->buf_bytes == 0 && st->buf_segments == 0);
		assert(st->flows_live == 0 && st->flows_closed == 0);
		assert(nlive == 0);
	}
	tcp_reasm_free(r); /* aborts itself if its accounting is not back to 0 */
	assert(nlive == 0 && live == NULL && nnew == nend);
	return 0;
}
