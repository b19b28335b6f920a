/* Unit tests for probes/pktdecode: hand-built frames for every link type,
 * VLAN tags, IPv4 options and fragments, IPv6 extension headers, TCP
 * options, captures cut at every length, and garbage. Every decode reads
 * from a heap copy of exactly caplen octets, so that an over-read shows
 * under AddressSanitizer. */
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

/* ---- frame builder: the TCP segment first, each outer header prepended ---- */

struct buf {
	uint8_t b[4096];
	size_t n;
};

static void
prepend(struct buf *x, const uint8_t *h, size_t hn)
{
	assert_true(x->n + hn <= sizeof x->b);
	memmove(x->b + hn, x->b, x->n);
	memcpy(x->b, h, hn);
	x->n += hn;
}

static void
w16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
w32(uint8_t *p, uint32_t v)
{
	w16(p, (uint16_t)(v >> 16));
	w16(p + 2, (uint16_t)v);
}

/* A TCP segment with optwords 32-bit words of options (NOPs). */
static void
tcp_seg(struct buf *x, uint16_t sp, uint16_t dp, uint32_t seq, uint32_t ack, uint8_t flags,
    int optwords, const char *payload)
{
	uint8_t h[60];
	size_t hl = 20 + 4 * (size_t)optwords, pl = strlen(payload);

	memset(h, 1, sizeof h); /* option NOPs */
	w16(h, sp);
	w16(h + 2, dp);
	w32(h + 4, seq);
	w32(h + 8, ack);
	h[12] = (uint8_t)((hl / 4) << 4);
	h[13] = flags;
	w16(h + 14, 29200);
	w16(h + 16, 0xbeef); /* checksum: not looked at */
	w16(h + 18, 0);
	x->n = 0;
	memcpy(x->b, payload, pl);
	x->n = pl;
	prepend(x, h, hl);
}

static const uint8_t A4[4] = { 192, 0, 2, 1 }, B4[4] = { 198, 51, 100, 7 };
static const uint8_t A6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t B6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };

/* IPv4 header with optwords option words; tot 0 means the right length. */
static void
ip4(struct buf *x, uint8_t proto, int optwords, uint16_t frag, uint16_t tot)
{
	uint8_t h[60];
	size_t hl = 20 + 4 * (size_t)optwords;

	memset(h, 1, sizeof h); /* IPOPT_NOP */
	h[0] = (uint8_t)(0x40 | hl / 4);
	h[1] = 0;
	w16(h + 2, tot ? tot : (uint16_t)(hl + x->n));
	w16(h + 4, 0x1234);
	w16(h + 6, frag);
	h[8] = 64;
	h[9] = proto;
	w16(h + 10, 0);
	memcpy(h + 12, A4, 4);
	memcpy(h + 16, B4, 4);
	prepend(x, h, hl);
}

static void
ip6(struct buf *x, uint8_t nh)
{
	uint8_t h[40];

	memset(h, 0, sizeof h);
	h[0] = 0x60;
	w16(h + 4, (uint16_t)x->n);
	h[6] = nh;
	h[7] = 64;
	memcpy(h + 8, A6, 16);
	memcpy(h + 24, B6, 16);
	prepend(x, h, sizeof h);
}

/* An IPv6 extension header of 8 * units octets (AH: its own length rule). */
static void
ip6_ext(struct buf *x, uint8_t type, uint8_t nh, int units)
{
	uint8_t h[64];
	size_t len = 8 * (size_t)units;

	memset(h, 0, sizeof h);
	h[0] = nh;
	if (type == 51)
		h[1] = (uint8_t)(len / 4 - 2);
	else if (type != 44)
		h[1] = (uint8_t)(units - 1);
	prepend(x, h, len);
}

static void
ip6_frag(struct buf *x, uint8_t nh, uint16_t offset, int more)
{
	uint8_t h[8] = { nh, 0, 0, 0, 0, 0, 0, 42 };

	w16(h + 2, (uint16_t)(offset << 3 | (more ? 1 : 0)));
	prepend(x, h, 8);
}

static void
eth(struct buf *x, uint16_t type)
{
	uint8_t h[14] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };

	w16(h + 12, type);
	prepend(x, h, 14);
}

static void
vlan(struct buf *x, uint16_t id, uint16_t inner)
{
	uint8_t h[4];

	w16(h, (uint16_t)(0x2000 | id)); /* PCP 1 */
	w16(h + 2, inner);
	prepend(x, h, 4);
}

static void
pad_to(struct buf *x, size_t n)
{
	while (x->n < n)
		x->b[x->n++] = 0;
}

/* ---- decoding from an exact-size heap copy ---- */

static enum pkt_result
dec(int lt, const struct buf *x, size_t caplen, size_t wirelen, struct pkt_tcp *o)
{
	uint8_t *copy = malloc(caplen ? caplen : 1);
	enum pkt_result r;

	assert_non_null(copy);
	memcpy(copy, x->b, caplen);
	r = pkt_decode(lt, copy, caplen, wirelen, o);
	assert_int_equal(r, o->result);
	if (r == PKT_OK) {
		assert_true(o->payload_len <= o->seg_len);
		assert_int_equal(o->truncated, o->payload_len < o->seg_len);
		if (o->payload_len > 0) {
			assert_true(o->payload >= copy);
			assert_true(o->payload + o->payload_len <= copy + caplen);
		} else {
			assert_null(o->payload);
		}
		/* point back into the caller's buffer for content checks */
		if (o->payload != NULL)
			o->payload = x->b + (o->payload - copy);
	}
	free(copy);
	return r;
}

static enum pkt_result
dec_all(int lt, const struct buf *x, struct pkt_tcp *o)
{
	return dec(lt, x, x->n, x->n, o);
}

static void
assert_payload(const struct pkt_tcp *o, const char *want)
{
	assert_int_equal(o->payload_len, strlen(want));
	assert_int_equal(o->seg_len, strlen(want));
	assert_false(o->truncated);
	if (*want != '\0')
		assert_memory_equal(o->payload, want, strlen(want));
}

/* ---- tests ---- */

static void
test_ethernet_ipv4(void **state)
{
	struct buf x;
	struct pkt_tcp o;
	(void)state;

	tcp_seg(&x, 49152, 25, 0x01020304, 0xa0b0c0d0, PKT_TCP_ACK | PKT_TCP_PSH, 0, "EHLO x\r\n");
	ip4(&x, 6, 0, 0x4000 /* DF */, 0);
	eth(&x, 0x0800);
	assert_int_equal(dec_all(PKT_DLT_EN10MB, &x, &o), PKT_OK);
	assert_int_equal(o.family, AF_INET);
	assert_int_equal(o.ethertype, 0x0800);
	assert_int_equal(o.nvlan, 0);
	assert_memory_equal(o.src, A4, 4);
	assert_memory_equal(o.dst, B4, 4);
	assert_int_equal(o.src[4] | o.src[15] | o.dst[4] | o.dst[15], 0);
	assert_int_equal(o.sport, 49152);
	assert_int_equal(o.dport, 25);
	assert_int_equal(o.seq, 0x01020304);
	assert_int_equal(o.ack, 0xa0b0c0d0);
	assert_int_equal(o.flags, PKT_TCP_ACK | PKT_TCP_PSH);
	assert_int_equal(o.window, 29200);
	assert_int_equal(o.ip_proto, 6);
	assert_int_equal(o.l3_off, 14);
	assert_int_equal(o.l4_off, 34);
	assert_payload(&o, "EHLO x\r\n");
}

/* Ethernet pads short frames to 60 octets: the IP length bounds the payload. */
static void
test_ethernet_padding(void **state)
{
	struct buf x;
	struct pkt_tcp o;
	(void)state;

	tcp_seg(&x, 25, 40000, 1, 2, PKT_TCP_ACK, 0, "");
	ip4(&x, 6, 0, 0, 0);
	eth(&x, 0x0800);
	pad_to(&x, 60);
	assert_int_equal(dec_all(PKT_DLT_EN10MB, &x, &o), PKT_OK);
	assert_payload(&o, "");
	tcp_seg(&x, 25, 40000, 1, 2, PKT_TCP_ACK, 0, "ab");
	ip4(&x, 6, 0, 0, 0);
	eth(&x, 0x0800);
	pad_to(&x, 64);
	x.b[x.n - 1] = 'Z';
	assert_int_equal(dec_all(PKT_DLT_EN10MB, &x, &o), PKT_OK);
	assert_payload(&o, "ab");
}

static void
test_vlan(void **state)
{
	struct buf x;
	struct pkt_tcp o;
	(void)state;

	/* one 802.1Q tag */
	tcp_seg(&x, 1025, 587, 7, 0, PKT_TCP_SYN, 0, "");
	ip4(&x, 6, 0, 0, 0);
	vlan(&x, 100, 0x0800);
	eth(&x, 0x8100);
	assert_int_equal(dec_all(PKT_DLT_EN10MB, &x, &o), PKT_OK);
	assert_int_equal(o.nvlan, 1);
	assert_int_equal(o.vlan[0], 100);
	assert_int_equal(o.l3_off, 18);
	assert_int_equal(o.flags, PKT_TCP_SYN);

	/* QinQ: 802.1ad outer, 802.1Q inner, IPv6 */
	tcp_seg(&x, 1025, 587, 7, 0, PKT_TCP_ACK, 0, "hi");
	ip6(&x, 6);
	vlan(&x, 4094, 0x86dd);
	vlan(&x, 5, 0x8100);
	eth(&x, 0x88a8);
	assert_int_equal(dec_all(PKT_DLT_EN10MB, &x, &o), PKT_OK);
	assert_int_equal(o.nvlan, 2);
	assert_int_equal(o.vlan[0], 5);
	assert_int_equal(o.vlan[1], 4094);
	assert_int_equal(o.family, AF_INET6);
	assert_int_equal(o.l3_off, 22);
	assert_payload(&o, "hi");

	/* the old 0x9100 outer tag */
	tcp_seg(&x, 1025, 587, 7, 0, PKT_TCP_ACK, 0, "hi");
	ip4(&x, 6, 0, 0, 0);
	vlan(&x, 9, 0x0800);
	vlan(&x, 8, 0x8100);
	eth(&x, 0x9100);
	assert_int_equal(dec_all(PKT_DLT_EN10MB, &x, &o), PKT_OK);
	assert_int_equal(o.vlan[0], 8);

	/* a third tag is refused */
	tcp_seg(&x, 1025, 587, 7, 0, PKT_TCP_ACK, 0, "hi");
	ip4(&x, 6, 0, 0, 0);
	vlan(&x, 3, 0x0800);
	vlan(&x, 2, 0x8100);
	vlan(&x, 1, 0x8100);
	eth(&x, 0x88a8);
	assert_int_equal(dec_all(PKT_DLT_EN10MB, &x, &o), PKT_MALFORMED);
	assert_int_equal(o.reason, PKT_MAL_VLAN_DEPTH);

	/* a tag cut by the end of the frame */
	x.n = 16;
	assert_int_equal(dec_all(PKT_DLT_EN10MB, &x, &o), PKT_MALFORMED);
	assert_int_equal(o.reason, PKT_MAL_LINK);
}

static void
test_ipv4_options(void **state)
{
	struct buf x;
	struct pkt_tcp o;
	(void)state;

	tcp_seg(&x, 2000, 25, 1, 1, PKT_TCP_ACK, 0, "MAIL FROM:<>\r\n");
	ip4(&x, 6, 1, 0, 0);
	eth(&x, 0x0800);
	assert_int_equal(dec_all(PKT_DLT_EN10MB, &x, &o), PKT_OK);
	assert_int_equal(o.l4_off, 14 + 24);
	assert_payload(&o, "MAIL FROM:<>\r\n");

	tcp_seg(&x, 2000, 25, 1, 1, PKT_TCP_ACK, 0, "x");
	ip4(&x, 6, 10, 0, 0); /* IHL 15, the maximum */
	assert_int_equal(dec_all(PKT_DLT_RAW, &x, &o), PKT_OK);
	assert_int_equal(o.l4_off, 60);
	assert_payload(&o, "x");

	/* IHL below 5 */
	tcp_seg(&x, 2000, 25, 1, 1, PKT_TCP_ACK, 0, "x");
	ip4(&x, 6, 0, 0, 0);
	x.b[0] = 0x44;
	assert_int_equal(dec_all(PKT_DLT_RAW, &x, &o), PKT_MALFORMED);
	assert_int_equal(o.reason, PKT_MAL_IP_HEADER);

	/* total length shorter than the header */
	tcp_seg(&x, 2000, 25, 1, 1, PKT_TCP_ACK, 0, "x");
	ip4(&x, 6, 2, 0, 24);
	assert_int_equal(dec_all(PKT_DLT_RAW, &x, &o), PKT_MALFORMED);
	assert_int_equal(o.reason, PKT_MAL_IP_HEADER);

	/* total length beyond the frame on the wire */
	tcp_seg(&x, 2000, 25, 1, 1, PKT_TCP_ACK, 0, "x");
	ip4(&x, 6, 0, 0, 100);
	assert_int_equal(dec_all(PKT_DLT_RAW, &x, &o), PKT_MALFORMED);
	assert_int_equal(o.reason, PKT_MAL_IP_LENGTH);

	/* total length 0: segmentation offload, the frame says how long */
	tcp_seg(&x, 2000, 25, 1, 1, PKT_TCP_ACK, 0, "offloaded");
	ip4(&x, 6, 0, 0, 0);
	x.b[2] = x.b[3] = 0;
	assert_int_equal(dec_all(PKT_DLT_RAW, &x, &o), PKT_OK);
	assert_payload(&o, "offloaded");

	/* total length shorter than the TCP header */
	tcp_seg(&x, 2000, 25, 1, 1, PKT_TCP_ACK, 0, "x");
	ip4(&x, 6, 0, 0, 30);
	assert_int_equal(dec_all(PKT_DLT_RAW, &x, &o), PKT_MALFORMED);
	assert_int_equal(o.reason, PKT_MAL_TCP_HEADER);
}

static void
test_ipv4_fragments(void **state)
{
	static const uint16_t frag[] = { 0x2000 /* MF */, 0x0001 /* offset 8 */,
		0x2010, 0x4000 | 0x0100 };
	struct buf x;
	struct pkt_tcp o;
	size_t i;
	(void)state;

	for (i = 0; i < sizeof frag / sizeof frag[0]; i++) {
		tcp_seg(&x, 2000, 25, 1, 1, PKT_TCP_ACK, 0, "fragment");
		ip4(&x, 6, 0, frag[i], 0);
		eth(&x, 0x0800);
		assert_int_equal(dec_all(PKT_DLT_EN10MB, &x, &o), PKT_FRAGMENT);
		assert_int_equal(o.family, AF_INET);
		assert_int_equal(o.ip_proto, 6);
		assert_memory_equal(o.src, A4, 4);
		assert_int_equal(o.sport, 0);
	}
	/* DF alone is a whole packet */
	tcp_seg(&x, 2000, 25, 1, 1, PKT_TCP_ACK, 0, "whole");
	ip4(&x, 6, 0, 0x4000, 0);
	eth(&x, 0x0800);
	assert_int_equal(dec_all(PKT_DLT_EN10MB, &x, &o), PKT_OK);
	/* the reserved bit is not a fragment either */
	x.b[14 + 6] |= 0x80;
	assert_int_equal(dec_all(PKT_DLT_EN10MB, &x, &o), PKT_OK);
	/* fragments of other protocols are fragments too */
	tcp_seg(&x, 2000, 25, 1, 1, PKT_TCP_ACK, 0, "u");
	ip4(&x, 17, 0, 0x2000, 0);
	assert_int_equal(dec_all(PKT_DLT_IPV4, &x, &o), PKT_FRAGMENT);
	assert_int_equal(o.ip_proto, 17);
}

static void
test_ipv6_extension_headers(void **state)
{
	struct buf x;
	struct pkt_tcp o;
	int i;
	(void)state;

	/* hop-by-hop, routing, destination options, then TCP */
	tcp_seg(&x, 50000, 465, 9, 9, PKT_TCP_ACK, 0, "TLS");
	ip6_ext(&x, 60, 6, 2);
	ip6_ext(&x, 43, 60, 3);
	ip6_ext(&x, 0, 43, 1);
	ip6(&x, 0);
	eth(&x, 0x86dd);
	assert_int_equal(dec_all(PKT_DLT_EN10MB, &x, &o), PKT_OK);
	assert_int_equal(o.family, AF_INET6);
	assert_memory_equal(o.src, A6, 16);
	assert_memory_equal(o.dst, B6, 16);
	assert_int_equal(o.l4_off, 14 + 40 + 8 + 24 + 16);
	assert_int_equal(o.sport, 50000);
	assert_int_equal(o.dport, 465);
	assert_payload(&o, "TLS");

	/* AH counts its length in 4-octet units */
	tcp_seg(&x, 50000, 465, 9, 9, PKT_TCP_ACK, 0, "ah");
	ip6_ext(&x, 51, 6, 3);
	ip6(&x, 51);
	assert_int_equal(dec_all(PKT_DLT_IPV6, &x, &o), PKT_OK);
	assert_int_equal(o.l4_off, 40 + 24);
	assert_payload(&o, "ah");

	/* an atomic fragment is a whole packet */
	tcp_seg(&x, 50000, 465, 9, 9, PKT_TCP_ACK, 0, "atomic");
	ip6_frag(&x, 6, 0, 0);
	ip6(&x, 44);
	assert_int_equal(dec_all(PKT_DLT_RAW, &x, &o), PKT_OK);
	assert_payload(&o, "atomic");

	/* real fragments: first (M set) and later (offset) */
	tcp_seg(&x, 50000, 465, 9, 9, PKT_TCP_ACK, 0, "first");
	ip6_frag(&x, 6, 0, 1);
	ip6_ext(&x, 0, 44, 1);
	ip6(&x, 0);
	assert_int_equal(dec_all(PKT_DLT_RAW, &x, &o), PKT_FRAGMENT);
	assert_int_equal(o.ip_proto, 6);
	tcp_seg(&x, 50000, 465, 9, 9, PKT_TCP_ACK, 0, "later");
	ip6_frag(&x, 6, 185, 0);
	ip6(&x, 44);
	assert_int_equal(dec_all(PKT_DLT_RAW, &x, &o), PKT_FRAGMENT);

	/* an extension header that claims more than the payload */
	tcp_seg(&x, 50000, 465, 9, 9, PKT_TCP_ACK, 0, "");
	ip6_ext(&x, 60, 6, 1);
	ip6(&x, 60);
	x.b[40 + 1] = 20;
	assert_int_equal(dec_all(PKT_DLT_RAW, &x, &o), PKT_MALFORMED);
	assert_int_equal(o.reason, PKT_MAL_IP6_EXT);

	/* too many extension headers */
	tcp_seg(&x, 50000, 465, 9, 9, PKT_TCP_ACK, 0, "");
	ip6_ext(&x, 60, 6, 1);
	for (i = 0; i < 8; i++)
		ip6_ext(&x, 60, 60, 1);
	ip6(&x, 60);
	assert_int_equal(dec_all(PKT_DLT_RAW, &x, &o), PKT_MALFORMED);
	assert_int_equal(o.reason, PKT_MAL_IP6_EXT);

	/* no next header, UDP, ESP: not TCP */
	tcp_seg(&x, 50000, 465, 9, 9, PKT_TCP_ACK, 0, "");
	ip6_ext(&x, 60, 59, 1);
	ip6(&x, 60);
	assert_int_equal(dec_all(PKT_DLT_RAW, &x, &o), PKT_NOT_TCP);
	assert_int_equal(o.ip_proto, 59);
	tcp_seg(&x, 50000, 465, 9, 9, PKT_TCP_ACK, 0, "");
	ip6(&x, 17);
	assert_int_equal(dec_all(PKT_DLT_RAW, &x, &o), PKT_NOT_TCP);
	assert_int_equal(o.ip_proto, 17);
	assert_memory_equal(o.src, A6, 16);
	tcp_seg(&x, 50000, 465, 9, 9, PKT_TCP_ACK, 0, "");
	ip6(&x, 50);
	assert_int_equal(dec_all(PKT_DLT_RAW, &x, &o), PKT_NOT_TCP);

	/* payload length beyond the frame; payload length 0 (offload) */
	tcp_seg(&x, 50000, 465, 9, 9, PKT_TCP_ACK, 0, "abc");
	ip6(&x, 6);
	w16(x.b + 4, 100);
	assert_int_equal(dec_all(PKT_DLT_RAW, &x, &o), PKT_MALFORMED);
	assert_int_equal(o.reason, PKT_MAL_IP_LENGTH);
	w16(x.b + 4, 0);
	assert_int_equal(dec_all(PKT_DLT_RAW, &x, &o), PKT_OK);
	assert_payload(&o, "abc");
}

static void
test_link_types(void **state)
{
	struct buf v4, v6, x;
	struct pkt_tcp o;
	uint32_t af;
	static const uint8_t af6[] = { 24, 28, 30 };
	size_t i;
	(void)state;

	tcp_seg(&v4, 1111, 25, 5, 6, PKT_TCP_ACK, 0, "v4");
	ip4(&v4, 6, 0, 0, 0);
	tcp_seg(&v6, 1111, 25, 5, 6, PKT_TCP_ACK, 0, "v6");
	ip6(&v6, 6);

	/* DLT_NULL: AF in the capturing host's order, either order accepted */
	x = v4;
	af = 2;
	prepend(&x, (const uint8_t *)&af, 4);
	assert_int_equal(dec_all(PKT_DLT_NULL, &x, &o), PKT_OK);
	assert_int_equal(o.family, AF_INET);
	assert_int_equal(o.l3_off, 4);
	assert_payload(&o, "v4");
	x = v4;
	prepend(&x, (const uint8_t *)"\0\0\0\2", 4);
	assert_int_equal(dec_all(PKT_DLT_NULL, &x, &o), PKT_OK);
	x = v4;
	prepend(&x, (const uint8_t *)"\2\0\0\0", 4);
	assert_int_equal(dec_all(PKT_DLT_NULL, &x, &o), PKT_OK);
	for (i = 0; i < sizeof af6; i++) {
		x = v6;
		af = af6[i];
		prepend(&x, (const uint8_t *)&af, 4);
		assert_int_equal(dec_all(PKT_DLT_NULL, &x, &o), PKT_OK);
		assert_int_equal(o.family, AF_INET6);
		assert_payload(&o, "v6");
	}
	x = v4;
	af = 7;
	prepend(&x, (const uint8_t *)&af, 4);
	assert_int_equal(dec_all(PKT_DLT_NULL, &x, &o), PKT_NOT_IP);
	/* AF says IPv6, the packet is IPv4 */
	x = v4;
	af = 30;
	prepend(&x, (const uint8_t *)&af, 4);
	assert_int_equal(dec_all(PKT_DLT_NULL, &x, &o), PKT_MALFORMED);
	assert_int_equal(o.reason, PKT_MAL_IP_VERSION);

	/* DLT_LOOP: network order */
	x = v4;
	prepend(&x, (const uint8_t *)"\0\0\0\2", 4);
	assert_int_equal(dec_all(PKT_DLT_LOOP, &x, &o), PKT_OK);
	x = v6;
	prepend(&x, (const uint8_t *)"\0\0\0\x18", 4);
	assert_int_equal(dec_all(PKT_DLT_LOOP, &x, &o), PKT_OK);
	assert_int_equal(o.family, AF_INET6);
	x = v4;
	prepend(&x, (const uint8_t *)"\2\0\0\0", 4);
	assert_int_equal(dec_all(PKT_DLT_LOOP, &x, &o), PKT_NOT_IP);

	/* raw IP under its three numbers, by version nibble */
	assert_int_equal(dec_all(PKT_DLT_RAW, &v4, &o), PKT_OK);
	assert_int_equal(o.l3_off, 0);
	assert_int_equal(dec_all(PKT_DLT_RAW_12, &v6, &o), PKT_OK);
	assert_int_equal(o.family, AF_INET6);
	assert_int_equal(dec_all(PKT_DLT_RAW_14, &v4, &o), PKT_OK);
	x = v4;
	x.b[0] = 0x55;
	assert_int_equal(dec_all(PKT_DLT_RAW, &x, &o), PKT_MALFORMED);
	assert_int_equal(o.reason, PKT_MAL_IP_VERSION);

	/* DLT_IPV4 and DLT_IPV6 insist on their version */
	assert_int_equal(dec_all(PKT_DLT_IPV4, &v4, &o), PKT_OK);
	assert_int_equal(dec_all(PKT_DLT_IPV4, &v6, &o), PKT_MALFORMED);
	assert_int_equal(o.reason, PKT_MAL_IP_VERSION);
	assert_int_equal(dec_all(PKT_DLT_IPV6, &v6, &o), PKT_OK);
	assert_payload(&o, "v6");
	assert_int_equal(dec_all(PKT_DLT_IPV6, &v4, &o), PKT_MALFORMED);

	/* Linux cooked v1: protocol at 14, payload at 16; a VLAN tag after it */
	{
		uint8_t sll[16] = { 0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00 };

		x = v4;
		prepend(&x, sll, 16);
		assert_int_equal(dec_all(PKT_DLT_LINUX_SLL, &x, &o), PKT_OK);
		assert_int_equal(o.l3_off, 16);
		assert_payload(&o, "v4");
		x = v6;
		vlan(&x, 42, 0x86dd);
		sll[14] = 0x81;
		prepend(&x, sll, 16);
		assert_int_equal(dec_all(PKT_DLT_LINUX_SLL, &x, &o), PKT_OK);
		assert_int_equal(o.nvlan, 1);
		assert_int_equal(o.vlan[0], 42);
		assert_payload(&o, "v6");
		x = v4;
		sll[14] = 0x08;
		sll[15] = 0x06; /* ARP */
		prepend(&x, sll, 16);
		assert_int_equal(dec_all(PKT_DLT_LINUX_SLL, &x, &o), PKT_NOT_IP);
		assert_int_equal(o.ethertype, 0x0806);
	}
	/* Linux cooked v2: protocol first, payload at 20 */
	{
		uint8_t sll2[20] = { 0x86, 0xdd, 0, 0, 0, 0, 0, 3, 0, 1, 4, 6, 1, 2, 3, 4, 5, 6, 0, 0 };

		x = v6;
		prepend(&x, sll2, 20);
		assert_int_equal(dec_all(PKT_DLT_LINUX_SLL2, &x, &o), PKT_OK);
		assert_int_equal(o.l3_off, 20);
		assert_payload(&o, "v6");
		x.n = 19;
		assert_int_equal(dec_all(PKT_DLT_LINUX_SLL2, &x, &o), PKT_MALFORMED);
		assert_int_equal(o.reason, PKT_MAL_LINK);
	}
	/* Ethernet ARP, 802.3 length field */
	x = v4;
	eth(&x, 0x0806);
	assert_int_equal(dec_all(PKT_DLT_EN10MB, &x, &o), PKT_NOT_IP);
	x = v4;
	eth(&x, 0x0040);
	assert_int_equal(dec_all(PKT_DLT_EN10MB, &x, &o), PKT_NOT_IP);
	/* 802.11, PPP: not ours */
	assert_int_equal(dec_all(105, &v4, &o), PKT_UNSUPPORTED_LINKTYPE);
	assert_int_equal(dec_all(9, &v4, &o), PKT_UNSUPPORTED_LINKTYPE);
	assert_int_equal(dec_all(-1, &v4, &o), PKT_UNSUPPORTED_LINKTYPE);
	/* IPv4 UDP */
	tcp_seg(&x, 53, 53, 0, 0, 0, 0, "");
	ip4(&x, 17, 0, 0, 0);
	assert_int_equal(dec_all(PKT_DLT_RAW, &x, &o), PKT_NOT_TCP);
	assert_int_equal(o.ip_proto, 17);
	assert_int_equal(o.family, AF_INET);
	/* empty frames */
	x.n = 0;
	assert_int_equal(dec_all(PKT_DLT_RAW, &x, &o), PKT_MALFORMED);
	assert_int_equal(dec_all(PKT_DLT_EN10MB, &x, &o), PKT_MALFORMED);
	assert_int_equal(o.reason, PKT_MAL_LINK);
	assert_int_equal(pkt_decode(PKT_DLT_RAW, NULL, 0, 0, &o), PKT_MALFORMED);
}

static void
test_tcp_header(void **state)
{
	struct buf x;
	struct pkt_tcp o;
	(void)state;

	/* 12 octets of options */
	tcp_seg(&x, 25, 3333, 0xfffffffe, 1, PKT_TCP_SYN | PKT_TCP_ACK | PKT_TCP_ECE, 3, "");
	ip4(&x, 6, 0, 0, 0);
	assert_int_equal(dec_all(PKT_DLT_RAW, &x, &o), PKT_OK);
	assert_int_equal(o.l4_off, 20);
	assert_int_equal(o.seq, 0xfffffffe);
	assert_int_equal(o.flags, PKT_TCP_SYN | PKT_TCP_ACK | PKT_TCP_ECE);
	assert_payload(&o, "");
	/* 40 octets of options, with payload */
	tcp_seg(&x, 25, 3333, 1, 1, PKT_TCP_FIN | PKT_TCP_ACK, 10, "QUIT\r\n");
	ip4(&x, 6, 0, 0, 0);
	assert_int_equal(dec_all(PKT_DLT_RAW, &x, &o), PKT_OK);
	assert_payload(&o, "QUIT\r\n");
	assert_int_equal(o.payload - x.b, 20 + 60);
	/* data offset below 5 */
	x.b[20 + 12] = 0x40;
	assert_int_equal(dec_all(PKT_DLT_RAW, &x, &o), PKT_MALFORMED);
	assert_int_equal(o.reason, PKT_MAL_TCP_HEADER);
	/* data offset past the IP payload */
	tcp_seg(&x, 25, 3333, 1, 1, PKT_TCP_ACK, 0, "ab");
	ip4(&x, 6, 0, 0, 0);
	x.b[20 + 12] = 0xf0;
	assert_int_equal(dec_all(PKT_DLT_RAW, &x, &o), PKT_MALFORMED);
	assert_int_equal(o.reason, PKT_MAL_TCP_HEADER);
	/* all flags */
	tcp_seg(&x, 25, 3333, 1, 1, 0xff, 0, "");
	ip6(&x, 6);
	assert_int_equal(dec_all(PKT_DLT_RAW, &x, &o), PKT_OK);
	assert_int_equal(o.flags, 0xff);
}

static void
test_truncated(void **state)
{
	struct buf x;
	struct pkt_tcp o;
	(void)state;

	tcp_seg(&x, 40000, 25, 100, 200, PKT_TCP_ACK, 3, "0123456789abcdefghij");
	ip4(&x, 6, 0, 0, 0);
	eth(&x, 0x0800);
	assert_int_equal(x.n, 14 + 20 + 32 + 20);
	/* snap length inside the payload */
	assert_int_equal(dec(PKT_DLT_EN10MB, &x, 14 + 20 + 32 + 5, x.n, &o), PKT_OK);
	assert_true(o.truncated);
	assert_int_equal(o.payload_len, 5);
	assert_int_equal(o.seg_len, 20);
	assert_memory_equal(o.payload, "01234", 5);
	/* snap length at the end of the headers */
	assert_int_equal(dec(PKT_DLT_EN10MB, &x, 14 + 20 + 32, x.n, &o), PKT_OK);
	assert_true(o.truncated);
	assert_int_equal(o.payload_len, 0);
	assert_null(o.payload);
	assert_int_equal(o.seg_len, 20);
	/* inside the TCP options, the TCP header, the IP header, Ethernet */
	assert_int_equal(dec(PKT_DLT_EN10MB, &x, 14 + 20 + 25, x.n, &o), PKT_MALFORMED);
	assert_int_equal(o.reason, PKT_MAL_SNAPLEN);
	assert_int_equal(dec(PKT_DLT_EN10MB, &x, 14 + 20 + 10, x.n, &o), PKT_MALFORMED);
	assert_int_equal(o.reason, PKT_MAL_SNAPLEN);
	assert_int_equal(dec(PKT_DLT_EN10MB, &x, 14 + 10, x.n, &o), PKT_MALFORMED);
	assert_int_equal(o.reason, PKT_MAL_SNAPLEN);
	assert_int_equal(dec(PKT_DLT_EN10MB, &x, 10, x.n, &o), PKT_MALFORMED);
	assert_int_equal(o.reason, PKT_MAL_SNAPLEN);
	/* the same lengths on the wire too: the packet itself is short */
	assert_int_equal(dec(PKT_DLT_EN10MB, &x, 14 + 20 + 10, 14 + 20 + 10, &o), PKT_MALFORMED);
	assert_int_equal(o.reason, PKT_MAL_IP_LENGTH);
	assert_int_equal(dec(PKT_DLT_EN10MB, &x, 14 + 10, 14 + 10, &o), PKT_MALFORMED);
	assert_int_equal(o.reason, PKT_MAL_IP_HEADER);
	assert_int_equal(dec(PKT_DLT_EN10MB, &x, 10, 10, &o), PKT_MALFORMED);
	assert_int_equal(o.reason, PKT_MAL_LINK);
	/* a wire length below the capture length is the capture length */
	assert_int_equal(dec(PKT_DLT_EN10MB, &x, x.n, 3, &o), PKT_OK);
	assert_false(o.truncated);
	/* IPv6: cut inside an extension header */
	tcp_seg(&x, 40000, 25, 100, 200, PKT_TCP_ACK, 0, "data");
	ip6_ext(&x, 60, 6, 4);
	ip6(&x, 60);
	assert_int_equal(dec(PKT_DLT_RAW, &x, 40 + 4, x.n, &o), PKT_MALFORMED);
	assert_int_equal(o.reason, PKT_MAL_SNAPLEN);
	assert_int_equal(dec(PKT_DLT_RAW, &x, 40 + 20, x.n, &o), PKT_MALFORMED);
	assert_int_equal(o.reason, PKT_MAL_SNAPLEN);
	assert_int_equal(dec(PKT_DLT_RAW, &x, x.n - 2, x.n, &o), PKT_OK);
	assert_int_equal(o.payload_len, 2);
	assert_int_equal(o.seg_len, 4);
}

/* Every capture length of every kind of frame: OK (maybe truncated) or
 * MALFORMED/snaplen; never a read outside the copy. */
static void
test_every_caplen(void **state)
{
	struct buf frames[8];
	int lts[8], nf = 0, i;
	(void)state;

	tcp_seg(&frames[nf], 1, 2, 3, 4, PKT_TCP_ACK, 2, "payload bytes");
	ip4(&frames[nf], 6, 3, 0, 0);
	vlan(&frames[nf], 7, 0x0800);
	eth(&frames[nf], 0x8100);
	lts[nf++] = PKT_DLT_EN10MB;
	tcp_seg(&frames[nf], 1, 2, 3, 4, PKT_TCP_ACK, 1, "v6 payload");
	ip6_ext(&frames[nf], 60, 6, 2);
	ip6_ext(&frames[nf], 0, 60, 1);
	ip6(&frames[nf], 0);
	eth(&frames[nf], 0x86dd);
	lts[nf++] = PKT_DLT_EN10MB;
	tcp_seg(&frames[nf], 1, 2, 3, 4, PKT_TCP_ACK, 0, "raw");
	ip4(&frames[nf], 6, 0, 0, 0);
	lts[nf++] = PKT_DLT_RAW;
	tcp_seg(&frames[nf], 1, 2, 3, 4, PKT_TCP_ACK, 0, "loop");
	ip6(&frames[nf], 6);
	prepend(&frames[nf], (const uint8_t *)"\0\0\0\x1e", 4);
	lts[nf++] = PKT_DLT_LOOP;
	tcp_seg(&frames[nf], 1, 2, 3, 4, PKT_TCP_ACK, 0, "sll");
	ip4(&frames[nf], 6, 0, 0, 0);
	prepend(&frames[nf], (const uint8_t *)"\0\0\0\1\0\6abcdef\0\0\x08\x00", 16);
	lts[nf++] = PKT_DLT_LINUX_SLL;
	tcp_seg(&frames[nf], 1, 2, 3, 4, PKT_TCP_ACK, 0, "sll2");
	ip6_frag(&frames[nf], 6, 0, 0);
	ip6(&frames[nf], 44);
	prepend(&frames[nf], (const uint8_t *)"\x86\xdd\0\0\0\0\0\1\0\1\0\6abcdef\0\0", 20);
	lts[nf++] = PKT_DLT_LINUX_SLL2;

	for (i = 0; i < nf; i++) {
		struct pkt_tcp o;
		size_t cap, full = frames[i].n;

		assert_int_equal(dec_all(lts[i], &frames[i], &o), PKT_OK);
		assert_false(o.truncated);
		for (cap = 0; cap < full; cap++) {
			enum pkt_result r = dec(lts[i], &frames[i], cap, full, &o);

			if (r == PKT_OK) {
				assert_true(o.truncated);
				assert_int_equal(o.payload_len + (full - cap), o.seg_len);
			} else {
				assert_int_equal(r, PKT_MALFORMED);
				assert_int_equal(o.reason, PKT_MAL_SNAPLEN);
			}
			/* the frame really ends there: never OK with a cut payload */
			r = dec(lts[i], &frames[i], cap, cap, &o);
			if (r == PKT_OK)
				assert_false(o.truncated);
		}
	}
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)rng_state;
}

/* Random octets, and valid frames with random octets flipped, under every
 * link type: no crash, no read outside the copy, consistent results. */
static void
test_garbage(void **state)
{
	static const int lts[] = { PKT_DLT_NULL, PKT_DLT_EN10MB, PKT_DLT_RAW_12, PKT_DLT_RAW_14,
		PKT_DLT_RAW, PKT_DLT_LOOP, PKT_DLT_LINUX_SLL, PKT_DLT_IPV4, PKT_DLT_IPV6,
		PKT_DLT_LINUX_SLL2 };
	struct buf x, base;
	struct pkt_tcp o;
	int i, k;
	(void)state;

	tcp_seg(&base, 1, 2, 3, 4, PKT_TCP_ACK, 1, "some payload here");
	ip6_ext(&base, 0, 6, 1);
	ip6(&base, 0);
	vlan(&base, 1, 0x86dd);
	eth(&base, 0x8100);
	for (i = 0; i < 200000; i++) {
		int lt = lts[rnd() % (sizeof lts / sizeof lts[0])];
		size_t cap;

		if (i & 1) {
			x.n = rnd() % 160;
			for (k = 0; k < (int)x.n; k++)
				x.b[k] = (uint8_t)rnd();
			/* make the version nibble and ethertypes likely */
			if (x.n > 0 && (rnd() & 1))
				x.b[0] = (uint8_t)((rnd() & 1 ? 0x40 : 0x60) | (rnd() & 15));
		} else {
			x = base;
			for (k = 0; k < 3; k++)
				x.b[rnd() % x.n] = (uint8_t)rnd();
			if (lt != PKT_DLT_EN10MB && (rnd() & 1)) {
				memmove(x.b, x.b + 18, x.n - 18); /* from the IPv6 header */
				x.n -= 18;
			}
		}
		cap = x.n ? rnd() % (x.n + 1) : 0;
		dec(lt, &x, cap, x.n + (rnd() & 3 ? 0 : rnd() % 64), &o);
		if (o.result == PKT_MALFORMED)
			assert_true(o.reason != PKT_MAL_NONE);
		assert_string_not_equal(pkt_result_name(o.result), "unknown");
		assert_string_not_equal(pkt_malformed_name(o.reason), "unknown");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ethernet_ipv4),
		cmocka_unit_test(test_ethernet_padding),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_ipv6_extension_headers),
		cmocka_unit_test(test_link_types),
		cmocka_unit_test(test_tcp_header),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_every_caplen),
		cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests_name("pktdecode", tests, NULL, NULL);
}
