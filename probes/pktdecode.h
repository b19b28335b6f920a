/* probes/pktdecode.h: decode one captured frame down to its TCP segment.
 *
 * A pure function over (linktype, frame, caplen, wirelen): no libpcap, no I/O,
 * no allocation. The caller reads packets (pcap_next_ex() or a ring) and hands
 * the link type from pcap_datalink() with each frame; every length read from
 * the frame is checked against caplen before the byte is touched.
 *
 * Link layers: Ethernet with up to two 802.1Q/802.1ad tags, BSD loopback
 * (DLT_NULL: address family in the capturing host's byte order, either order
 * accepted; DLT_LOOP: network order), raw IP (101, and 12/14 as some
 * platforms number DLT_RAW), Linux cooked v1 and v2, bare IPv4 and IPv6.
 * Network layers: IPv4 with options; IPv6 skipping hop-by-hop, routing,
 * destination-options and AH headers (an atomic fragment, RFC 6946, is a
 * whole packet). A fragment (IPv4 MF or offset, an IPv6 fragment header with
 * MF or offset) is reported as PKT_FRAGMENT and not parsed further.
 *
 * Lengths: the TCP payload ends at the IP total (or payload) length, so link
 * padding is never payload, and at caplen. When caplen cut the payload,
 * .truncated is set and .payload_len < .seg_len: the segment occupies seg_len
 * octets of sequence space but only payload_len were captured. Headers cut by
 * caplen give PKT_MALFORMED with PKT_MAL_SNAPLEN (the packet itself may be
 * fine). An IPv4 total length (or IPv6 payload length) of 0 is taken as a
 * segmentation-offload capture and the frame's length is used instead.
 * Checksums are not verified (offload makes them wrong in captures).
 */
#ifndef SMTPMON_PKTDECODE_H
#define SMTPMON_PKTDECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h> /* AF_INET, AF_INET6 */

/* Link types, numbered as pcap_datalink() returns them (no pcap.h needed). */
#define PKT_DLT_NULL       0   /* BSD loopback, 4-byte AF in host order */
#define PKT_DLT_EN10MB     1   /* Ethernet */
#define PKT_DLT_RAW_12     12  /* raw IP, DLT_RAW on most platforms */
#define PKT_DLT_RAW_14     14  /* raw IP, DLT_RAW on OpenBSD */
#define PKT_DLT_RAW        101 /* raw IP, LINKTYPE_RAW in savefiles */
#define PKT_DLT_LOOP       108 /* OpenBSD loopback, 4-byte AF in network order */
#define PKT_DLT_LINUX_SLL  113 /* Linux cooked capture v1 (16-byte header) */
#define PKT_DLT_IPV4       228 /* raw IPv4 only */
#define PKT_DLT_IPV6       229 /* raw IPv6 only */
#define PKT_DLT_LINUX_SLL2 276 /* Linux cooked capture v2 (20-byte header) */

/* TCP flags as in the header's 13th octet. */
#define PKT_TCP_FIN 0x01
#define PKT_TCP_SYN 0x02
#define PKT_TCP_RST 0x04
#define PKT_TCP_PSH 0x08
#define PKT_TCP_ACK 0x10
#define PKT_TCP_URG 0x20
#define PKT_TCP_ECE 0x40
#define PKT_TCP_CWR 0x80

#define PKT_MAX_VLAN 2

enum pkt_result {
	PKT_OK,                   /* a TCP segment: every field below is set */
	PKT_NOT_IP,               /* ARP, LLC, a third VLAN tag's payload, ...: .ethertype */
	PKT_NOT_TCP,              /* IP but another protocol: addresses, .ip_proto */
	PKT_FRAGMENT,             /* an IP fragment: addresses, .ip_proto */
	PKT_MALFORMED,            /* see .reason */
	PKT_UNSUPPORTED_LINKTYPE,
};

enum pkt_malformed {
	PKT_MAL_NONE,
	PKT_MAL_LINK,       /* frame shorter than its link-layer header */
	PKT_MAL_VLAN_DEPTH, /* more than PKT_MAX_VLAN VLAN tags */
	PKT_MAL_IP_VERSION, /* version nibble does not match the link type */
	PKT_MAL_IP_HEADER,  /* IPv4 IHL < 5, or header longer than the packet */
	PKT_MAL_IP_LENGTH,  /* IP total/payload length beyond the frame on the wire */
	PKT_MAL_IP6_EXT,    /* IPv6 extension headers run past the payload */
	PKT_MAL_TCP_HEADER, /* TCP data offset < 5 or beyond the IP payload */
	PKT_MAL_SNAPLEN,    /* caplen cut the headers */
};

struct pkt_tcp {
	enum pkt_result result;
	enum pkt_malformed reason;  /* when result == PKT_MALFORMED */
	uint16_t ethertype;         /* of the network layer, 0 for raw/loopback links */
	uint8_t nvlan;              /* VLAN tags crossed */
	uint16_t vlan[PKT_MAX_VLAN];/* their 12-bit ids, outer first */
	int family;                 /* AF_INET or AF_INET6, 0 before the IP layer */
	uint8_t ip_proto;           /* 6 for TCP; the last next-header for IPv6 */
	uint8_t src[16], dst[16];   /* IPv4 in the first 4 octets, rest zero */
	uint16_t sport, dport;      /* host byte order, as all numbers below */
	uint32_t seq, ack;
	uint16_t window;            /* unscaled */
	uint8_t flags;              /* PKT_TCP_* */
	uint32_t l3_off, l4_off;    /* offsets of the IP and TCP headers in the frame */
	const uint8_t *payload;     /* into the frame; NULL when payload_len == 0 */
	uint32_t payload_len;       /* captured payload octets */
	uint32_t seg_len;           /* payload octets on the wire (IP length) */
	bool truncated;             /* payload_len < seg_len */
};

/* Decode a frame of caplen captured octets, wirelen on the wire (a wirelen
 * below caplen is taken as caplen). Fills *out and returns out->result. */
enum pkt_result pkt_decode(int linktype, const uint8_t *frame, size_t caplen,
    size_t wirelen, struct pkt_tcp *out);

/* Short names for logs and counters: "ok", "not-ip", ... */
const char *pkt_result_name(enum pkt_result r);
const char *pkt_malformed_name(enum pkt_malformed m);

#endif
