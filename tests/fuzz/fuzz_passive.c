/* libFuzzer target: the passive probe's whole packet path after libpcap:
 * frames -> pkt_decode() -> tcp_reasm (small limits) -> smtp_wire per flow
 * (a pool of 2 TLS readers) -> pserver_observe() at FINAL and at flow end,
 * as probes/passive.c wires them.
 *
 * Input: one octet of mode, then records of a 2-octet big-endian header and
 * a body (bits 0-11 body length, 12-14 time step in 0.5 s). Mode bits 0-1
 * pick the link type (raw IP, Ethernet, Linux cooked, raw IP); mode bit 7
 * makes each body a compact segment, turned into an IPv4 frame between
 * 10.0.0.1:40000+flow (client) and 10.0.0.2:25 (server) so the fuzzer
 * reaches the SMTP and TLS dissectors fast: [0] bits 0-1 flow, 2 direction
 * (1 = server to client); [1] TCP flags; [2-3] sequence offset; then payload.
 *
 * Checks, besides the sanitizers: every TLS reader lent is returned, each
 * flow hands over at most one session, the pool never lends more than it
 * has, and the per-server counts add up. */
#include "buildconf.h"
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pktdecode.h"
#include "pserver.h"
#include "smtp_wire.h"
#include "tcp_reasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define POOL 2

struct fflow {
	struct tcp_reasm_flow_info fi;
	struct smtp_wire sw;
	bool handed;
};

static struct tls_wire *pool_mem[POOL];
static bool pool_used[POOL];
static int lent;
static struct pserver_table *tab;
static uint64_t now_us, sessions;

static struct tls_wire *
pool_get(void *arg)
{
	(void)arg;
	for (int i = 0; i < POOL; i++) {
		if (!pool_used[i]) {
			pool_used[i] = true;
			lent++;
			return pool_mem[i];
		}
	}
	return NULL;
}

static void
pool_put(void *arg, struct tls_wire *w)
{
	(void)arg;
	for (int i = 0; i < POOL; i++) {
		if (pool_mem[i] == w) {
			assert(pool_used[i]);
			pool_used[i] = false;
			lent--;
			return;
		}
	}
	assert(!"a reader not from the pool");
}

static const struct smtp_wire_pool pool = { .get = pool_get, .put = pool_put };

static void
hand_over(struct fflow *f)
{
	struct passive_session s;
	struct pserver_alert al[PS_EV_COUNT];
	size_t n = 0;
	char rec[41];
	const struct pserver_view *v;

	if (f->handed)
		return;
	f->handed = true;
	passive_session_make(&s, &f->fi, smtp_wire_facts(&f->sw), now_us, 0, NULL);
	assert(s.server_type == 'E' || s.server_type == 'S' || s.server_type == ' ');
	assert(s.security == 'T' || s.security == 'B' || s.security == ' ');
	v = pserver_observe(tab, &s, NULL, al, &n, rec);
	assert(n <= PS_EV_COUNT);
	assert(strlen(rec) == 40);
	if (v != NULL)
		assert(v->sessions_tls + v->sessions_plain <= v->sessions);
	sessions++;
}

static void *
cb_flow_new(void *arg, const struct tcp_reasm_flow_info *fi)
{
	struct fflow *f = calloc(1, sizeof *f);

	(void)arg;
	assert(f != NULL);
	f->fi = *fi;
	smtp_wire_init(&f->sw, &pool);
	return f;
}

static void
cb_data(void *user, int dir, const uint8_t *p, size_t n)
{
	struct fflow *f = user;

	if (smtp_wire_feed(&f->sw, dir, p, n) == SMTP_WIRE_FINAL)
		hand_over(f);
}

static void
cb_gap(void *user, int dir, uint32_t n)
{
	struct fflow *f = user;

	if (smtp_wire_gap(&f->sw, dir, n) == SMTP_WIRE_FINAL)
		hand_over(f);
}

static void
cb_flow_end(void *arg, void *user, enum tcp_reasm_end why)
{
	struct fflow *f = user;

	(void)arg, (void)why;
	smtp_wire_end(&f->sw);
	assert(smtp_wire_phase(&f->sw) == SW_ENDED);
	hand_over(f);
	free(f);
}

static bool
cb_port(void *arg, uint16_t port)
{
	(void)arg;
	return port == 25 || port == 465 || port == 587;
}

static size_t
build_frame(const uint8_t *b, size_t n, uint8_t *out)
{
	size_t plen = n > 4 ? n - 4 : 0;
	uint16_t cport, sport = 25, src_port, dst_port;
	uint32_t seq;
	uint8_t *ip = out, *tcp = out + 20;
	bool s2c;

	if (n < 4)
		return 0;
	cport = (uint16_t)(40000 + (b[0] & 3));
	s2c = (b[0] >> 2) & 1;
	seq = 1000u + ((uint32_t)b[2] << 8 | b[3]);
	memset(out, 0, 40);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((40 + plen) >> 8);
	ip[3] = (uint8_t)(40 + plen);
	ip[8] = 64;
	ip[9] = 6;
	ip[12] = 10, ip[15] = s2c ? 2 : 1;
	ip[16] = 10, ip[19] = s2c ? 1 : 2;
	src_port = s2c ? sport : cport;
	dst_port = s2c ? cport : sport;
	tcp[0] = (uint8_t)(src_port >> 8), tcp[1] = (uint8_t)src_port;
	tcp[2] = (uint8_t)(dst_port >> 8), tcp[3] = (uint8_t)dst_port;
	tcp[4] = (uint8_t)(seq >> 24), tcp[5] = (uint8_t)(seq >> 16);
	tcp[6] = (uint8_t)(seq >> 8), tcp[7] = (uint8_t)seq;
	tcp[12] = 0x50;
	tcp[13] = b[1];
	memcpy(out + 40, b + 4, plen);
	return 40 + plen;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int links[4] = { PKT_DLT_RAW, PKT_DLT_EN10MB, PKT_DLT_LINUX_SLL, PKT_DLT_RAW };
	struct tcp_reasm_cfg cfg;
	struct tcp_reasm_cb cb = {
		.flow_new = cb_flow_new, .flow_end = cb_flow_end, .data = cb_data,
		.gap = cb_gap, .is_server_port = cb_port,
	};
	struct tcp_reasm *r;
	uint8_t frame[4096 + 64];
	uint8_t mode;
	size_t off = 1;

	if (size < 1)
		return 0;
	if (pool_mem[0] == NULL)
		for (int i = 0; i < POOL; i++)
			pool_mem[i] = malloc(sizeof(struct tls_wire));
	mode = data[0];
	tcp_reasm_cfg_default(&cfg);
	cfg.max_flows = 4;
	cfg.dir_buf_max = 300;
	cfg.buf_max = 500;
	cfg.idle_timeout_s = 2;
	cfg.seed[0] = 1;
	cfg.seed[1] = 2;
	r = tcp_reasm_new(&cfg, &cb, NULL);
	tab = pserver_new(8, "FUZZ");
	now_us = 1000000;
	sessions = 0;
	while (off + 2 <= size) {
		uint16_t h = (uint16_t)(data[off] << 8 | data[off + 1]);
		size_t len = h & 0x0fff;
		const uint8_t *body = data + off + 2;
		struct pkt_tcp seg;
		size_t flen;

		off += 2;
		if (len > size - off)
			len = size - off;
		off += len;
		now_us += (uint64_t)((h >> 12) & 7) * 500000u;
		if (mode & 0x80) {
			flen = build_frame(body, len, frame);
			if (flen == 0)
				continue;
			if (pkt_decode(PKT_DLT_RAW, frame, flen, flen, &seg) == PKT_OK)
				tcp_reasm_packet(r, &seg, now_us);
		} else if (pkt_decode(links[mode & 3], body, len, len, &seg) == PKT_OK) {
			tcp_reasm_packet(r, &seg, now_us);
		}
	}
	tcp_reasm_expire(r, UINT64_MAX);
	tcp_reasm_free(r);
	assert(lent == 0);
	assert(pserver_count(tab) <= 8);
	pserver_free(tab);
	return 0;
}
