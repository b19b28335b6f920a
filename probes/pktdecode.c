/* probes/pktdecode.c: see pktdecode.h. */
#include "buildconf.h"
#include "pktdecode.h"

#include <string.h>

#define ETHERTYPE_IPV4    0x0800
#define ETHERTYPE_IPV6    0x86dd
#define ETHERTYPE_8021Q   0x8100
#define ETHERTYPE_8021AD  0x88a8
#define ETHERTYPE_QINQ    0x9100 /* pre-standard 802.1ad */

#define IPPROTO_NUM_TCP   6
#define IP6_HOPOPTS       0
#define IP6_ROUTING       43
#define IP6_FRAGMENT      44
#define IP6_AH            51
#define IP6_DSTOPTS       60
#define IP6_MAX_EXT       8   /* more extension headers than this is an attack */

/* No real frame is this long; larger lengths are clamped so that every
 * length below fits a uint32_t with room to spare. */
#define PKT_WIRE_MAX      (1u << 24)

/* What the decoder knows of the frame while it descends. */
struct frame {
	const uint8_t *b;
	size_t cap;  /* octets captured */
	size_t wire; /* octets on the wire, >= cap */
};

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static enum pkt_result
done(struct pkt_tcp *o, enum pkt_result r)
{
	o->result = r;
	return r;
}

static enum pkt_result
malformed(struct pkt_tcp *o, enum pkt_malformed m)
{
	o->reason = m;
	return done(o, PKT_MALFORMED);
}

/* A header needs octets up to end: beyond the wire length it is malformed
 * (reason m), beyond the capture only the snap length is to blame. Returns
 * true when the octets are there. */
static bool
have(const struct frame *fr, size_t end, enum pkt_malformed m, struct pkt_tcp *o)
{
	if (end <= fr->cap)
		return true;
	malformed(o, end > fr->wire ? m : PKT_MAL_SNAPLEN);
	return false;
}

/* The TCP header at off; the IP packet ends at ipend (wire offset). */
static enum pkt_result
tcp_layer(const struct frame *fr, size_t off, size_t ipend, struct pkt_tcp *o)
{
	const uint8_t *t = fr->b + off;
	size_t capend = ipend < fr->cap ? ipend : fr->cap;
	size_t doff;

	o->l4_off = (uint32_t)off;
	if (off + 20 > ipend)
		return malformed(o, PKT_MAL_TCP_HEADER);
	if (off + 20 > capend)
		return malformed(o, PKT_MAL_SNAPLEN);
	doff = (size_t)(t[12] >> 4) * 4;
	if (doff < 20 || off + doff > ipend)
		return malformed(o, PKT_MAL_TCP_HEADER);
	if (off + doff > capend)
		return malformed(o, PKT_MAL_SNAPLEN);
	o->sport = rd16(t);
	o->dport = rd16(t + 2);
	o->seq = rd32(t + 4);
	o->ack = rd32(t + 8);
	o->flags = t[13];
	o->window = rd16(t + 14);
	o->seg_len = (uint32_t)(ipend - off - doff);
	o->payload_len = (uint32_t)(capend - off - doff);
	o->payload = o->payload_len > 0 ? t + doff : NULL;
	o->truncated = o->payload_len < o->seg_len;
	return done(o, PKT_OK);
}

static enum pkt_result
ipv4_layer(const struct frame *fr, size_t off, struct pkt_tcp *o)
{
	const uint8_t *p = fr->b + off;
	size_t ihl, tot, avail = fr->wire - off;

	if (!have(fr, off + 20, PKT_MAL_IP_HEADER, o))
		return o->result;
	if (p[0] >> 4 != 4)
		return malformed(o, PKT_MAL_IP_VERSION);
	ihl = (size_t)(p[0] & 0x0f) * 4;
	tot = rd16(p + 2);
	if (tot == 0) /* segmentation offload: the stack had not filled it in */
		tot = avail;
	if (ihl < 20 || tot < ihl)
		return malformed(o, PKT_MAL_IP_HEADER);
	if (tot > avail)
		return malformed(o, PKT_MAL_IP_LENGTH);
	if (!have(fr, off + ihl, PKT_MAL_IP_HEADER, o))
		return o->result;
	o->family = AF_INET;
	o->ip_proto = p[9];
	memcpy(o->src, p + 12, 4);
	memcpy(o->dst, p + 16, 4);
	if (rd16(p + 6) & 0x3fff) /* MF, or a fragment offset */
		return done(o, PKT_FRAGMENT);
	if (o->ip_proto != IPPROTO_NUM_TCP)
		return done(o, PKT_NOT_TCP);
	return tcp_layer(fr, off + ihl, off + tot, o);
}

static enum pkt_result
ipv6_layer(const struct frame *fr, size_t off, struct pkt_tcp *o)
{
	const uint8_t *p = fr->b + off;
	size_t plen, end, pos, len, avail = fr->wire - off;
	uint8_t nh;
	int n;

	if (!have(fr, off + 40, PKT_MAL_IP_HEADER, o))
		return o->result;
	if (p[0] >> 4 != 6)
		return malformed(o, PKT_MAL_IP_VERSION);
	plen = rd16(p + 4);
	if (plen == 0) /* a jumbogram or segmentation offload */
		plen = avail - 40;
	if (40 + plen > avail)
		return malformed(o, PKT_MAL_IP_LENGTH);
	o->family = AF_INET6;
	memcpy(o->src, p + 8, 16);
	memcpy(o->dst, p + 24, 16);
	end = off + 40 + plen;
	pos = off + 40;
	nh = p[6];
	for (n = 0;; n++) {
		const uint8_t *e = fr->b + pos;

		o->ip_proto = nh;
		if (nh != IP6_HOPOPTS && nh != IP6_ROUTING && nh != IP6_DSTOPTS &&
		    nh != IP6_AH && nh != IP6_FRAGMENT)
			break;
		if (n == IP6_MAX_EXT)
			return malformed(o, PKT_MAL_IP6_EXT);
		if (pos + 8 > end) /* every extension header is at least 8 octets */
			return malformed(o, PKT_MAL_IP6_EXT);
		if (!have(fr, pos + 8, PKT_MAL_IP6_EXT, o))
			return o->result;
		if (nh == IP6_FRAGMENT) {
			uint16_t fo = rd16(e + 2);

			if (fo & 0xfff9) { /* an offset, or M: a real fragment */
				o->ip_proto = e[0];
				return done(o, PKT_FRAGMENT);
			}
			len = 8; /* RFC 6946 atomic fragment: the whole packet */
		} else if (nh == IP6_AH) {
			len = ((size_t)e[1] + 2) * 4;
		} else {
			len = ((size_t)e[1] + 1) * 8;
		}
		if (pos + len > end)
			return malformed(o, PKT_MAL_IP6_EXT);
		nh = e[0];
		pos += len;
	}
	if (nh != IPPROTO_NUM_TCP)
		return done(o, PKT_NOT_TCP);
	return tcp_layer(fr, pos, end, o);
}

/* Raw IP: the version nibble picks the layer; want is 4, 6 or 0 for either. */
static enum pkt_result
ip_layer(const struct frame *fr, size_t off, int want, struct pkt_tcp *o)
{
	int v;

	o->l3_off = (uint32_t)off;
	if (!have(fr, off + 1, PKT_MAL_IP_HEADER, o))
		return o->result;
	v = fr->b[off] >> 4;
	if ((v != 4 && v != 6) || (want != 0 && v != want))
		return malformed(o, PKT_MAL_IP_VERSION);
	return v == 4 ? ipv4_layer(fr, off, o) : ipv6_layer(fr, off, o);
}

/* An ethertype et, whose payload starts at off: cross VLAN tags, then IP. */
static enum pkt_result
ether_payload(const struct frame *fr, uint16_t et, size_t off, struct pkt_tcp *o)
{
	while (et == ETHERTYPE_8021Q || et == ETHERTYPE_8021AD || et == ETHERTYPE_QINQ) {
		if (o->nvlan == PKT_MAX_VLAN)
			return malformed(o, PKT_MAL_VLAN_DEPTH);
		if (!have(fr, off + 4, PKT_MAL_LINK, o))
			return o->result;
		o->vlan[o->nvlan++] = rd16(fr->b + off) & 0x0fff;
		et = rd16(fr->b + off + 2);
		off += 4;
	}
	o->ethertype = et;
	if (et == ETHERTYPE_IPV4)
		return ip_layer(fr, off, 4, o);
	if (et == ETHERTYPE_IPV6)
		return ip_layer(fr, off, 6, o);
	return done(o, PKT_NOT_IP);
}

/* BSD loopback address family values for IPv6 differ per system. */
static enum pkt_result
loop_payload(const struct frame *fr, uint32_t af, struct pkt_tcp *o)
{
	switch (af) {
	case 2:  /* AF_INET everywhere */
		return ip_layer(fr, 4, 4, o);
	case 24: /* NetBSD, OpenBSD, BSD/OS */
	case 28: /* FreeBSD, DragonFly */
	case 30: /* Darwin */
		return ip_layer(fr, 4, 6, o);
	}
	return done(o, PKT_NOT_IP);
}

enum pkt_result
pkt_decode(int linktype, const uint8_t *frame, size_t caplen, size_t wirelen,
    struct pkt_tcp *out)
{
	struct frame fr;
	uint32_t af;

	memset(out, 0, sizeof *out);
	if (caplen > PKT_WIRE_MAX)
		caplen = PKT_WIRE_MAX;
	if (wirelen < caplen)
		wirelen = caplen;
	if (wirelen > PKT_WIRE_MAX)
		wirelen = PKT_WIRE_MAX;
	fr.b = frame;
	fr.cap = frame != NULL ? caplen : 0;
	fr.wire = wirelen;

	switch (linktype) {
	case PKT_DLT_EN10MB:
		if (!have(&fr, 14, PKT_MAL_LINK, out))
			return out->result;
		return ether_payload(&fr, rd16(frame + 12), 14, out);
	case PKT_DLT_LINUX_SLL:
		if (!have(&fr, 16, PKT_MAL_LINK, out))
			return out->result;
		return ether_payload(&fr, rd16(frame + 14), 16, out);
	case PKT_DLT_LINUX_SLL2:
		if (!have(&fr, 20, PKT_MAL_LINK, out))
			return out->result;
		return ether_payload(&fr, rd16(frame), 20, out);
	case PKT_DLT_NULL:
		if (!have(&fr, 4, PKT_MAL_LINK, out))
			return out->result;
		memcpy(&af, frame, 4); /* the capturing host's order, maybe not ours */
		if (af > 0xffff)
			af = af >> 24 | (af >> 8 & 0xff00) | (af << 8 & 0xff0000) | af << 24;
		return loop_payload(&fr, af, out);
	case PKT_DLT_LOOP:
		if (!have(&fr, 4, PKT_MAL_LINK, out))
			return out->result;
		return loop_payload(&fr, rd32(frame), out);
	case PKT_DLT_RAW:
	case PKT_DLT_RAW_12:
	case PKT_DLT_RAW_14:
		return ip_layer(&fr, 0, 0, out);
	case PKT_DLT_IPV4:
		return ip_layer(&fr, 0, 4, out);
	case PKT_DLT_IPV6:
		return ip_layer(&fr, 0, 6, out);
	}
	return done(out, PKT_UNSUPPORTED_LINKTYPE);
}

const char *
pkt_result_name(enum pkt_result r)
{
	switch (r) {
	case PKT_OK:
		return "ok";
	case PKT_NOT_IP:
		return "not-ip";
	case PKT_NOT_TCP:
		return "not-tcp";
	case PKT_FRAGMENT:
		return "fragment";
	case PKT_MALFORMED:
		return "malformed";
	case PKT_UNSUPPORTED_LINKTYPE:
		return "unsupported-linktype";
	}
	return "unknown";
}

const char *
pkt_malformed_name(enum pkt_malformed m)
{
	switch (m) {
	case PKT_MAL_NONE:
		return "none";
	case PKT_MAL_LINK:
		return "link-header";
	case PKT_MAL_VLAN_DEPTH:
		return "vlan-depth";
	case PKT_MAL_IP_VERSION:
		return "ip-version";
	case PKT_MAL_IP_HEADER:
		return "ip-header";
	case PKT_MAL_IP_LENGTH:
		return "ip-length";
	case PKT_MAL_IP6_EXT:
		return "ip6-ext-header";
	case PKT_MAL_TCP_HEADER:
		return "tcp-header";
	case PKT_MAL_SNAPLEN:
		return "snaplen";
	}
	return "unknown";
}
