/* probes/tcp_reasm.h: passive TCP reassembly of both directions of many flows.
 *
 * The caller decodes captured frames with pkt_decode() and passes each TCP
 * segment in with its capture timestamp; the module puts every direction's
 * bytes back in order and hands them to callbacks. No libpcap, no I/O; memory
 * is bounded by the configuration, allocation failure aborts (xmalloc).
 *
 * Flows. A flow is the 4-tuple, both directions (VLAN ids are not part of
 * it: a capture that sees a packet on two VLANs sees a retransmission). The sender of a SYN (without
 * ACK) is the client, the sender of a SYN-ACK the server. A flow first seen
 * without either (the capture began mid-stream, .midstream) takes as server
 * the side whose port cb->is_server_port() accepts, else the lower port, else
 * the destination. A flow is created only by a segment that carries a SYN or
 * payload; bare ACKs, FINs and RSTs of unknown flows are counted and dropped.
 * The table holds at most cfg.max_flows flows, found by a keyed hash
 * (SipHash-1-3) of the 4-tuple; a new flow in a full table evicts a flow that
 * ended recently, else the least recently active flow, ignored flows first
 * and kept flows last (see Marks; reason EVICTED).
 *
 * Streams. Direction TCP_REASM_C2S carries the client's bytes, TCP_REASM_S2C
 * the server's. A direction starts at its SYN (data from ISN+1, data on the
 * SYN included) or, mid-stream, at the first segment with payload or FIN
 * seen in it; earlier bytes are then old. Bytes are delivered exactly once, in
 * sequence order (serial arithmetic, so across the 2^32 wrap). Retransmitted
 * bytes are dropped; where a segment overlaps bytes still held out of order,
 * the first copy wins and differing octets are counted as inconsistent (bytes
 * already delivered are not kept, so they cannot be compared). A segment more
 * than 1 GiB ahead of the delivery point is dropped as out of window.
 *
 * Holes. A segment beyond a hole is copied and held until the hole fills.
 * A hole is declared with cb->gap() and skipped, never guessed across, when
 * it cannot fill any more:
 *   - the receiver has acknowledged past it (the capture lost those bytes);
 *     only up to the highest sequence number seen from the sender;
 *   - holding the segment would pass cfg.dir_buf_max for the direction (its
 *     first hole goes, then the next, until the segment fits) or cfg.buf_max
 *     for all flows (the flow that least recently held a new segment gives
 *     up all its holes; when that is the segment's own flow, its direction
 *     gives up one hole at a time); a segment too big to be held at all
 *     gives up the hole before it;
 *   - the flow ends (RST, timeout, eviction, shutdown): held data is
 *     delivered with its holes declared, up to the highest sequence number
 *     seen, so delivered + gap covers every byte known to have been sent.
 * The part of a segment that caplen cut off (pkt_tcp.truncated) is declared
 * as a gap at once when the segment is in order; out of order it is a hole.
 * Held memory counts each segment's bytes plus its header.
 *
 * Endings. A direction ends when its FIN is reached in order (reason FIN),
 * or with its flow. The flow ends when both directions have ended by FIN,
 * on RST (either side, any sequence number), when idle for cfg.idle_timeout_s
 * of capture time, when evicted, when a new SYN reuses the 4-tuple, or at
 * tcp_reasm_free(). Every flow gets, in order: flow_new, start once per
 * direction that carried anything, data/gap, end exactly once per direction,
 * flow_end exactly once. After FIN or RST the 4-tuple is remembered for
 * cfg.closed_linger_s so that late retransmissions and the last ACK do not
 * start a new flow; a new SYN still does.
 *
 * Time. Timestamps are microseconds of capture time; a timestamp older than
 * one already seen counts as that one. tcp_reasm_packet() first expires
 * flows idle too long, oldest first, looking only at the oldest flows (at
 * most once per millisecond of capture time: a flow may end, and a closed
 * one be forgotten, up to 1 ms late); tcp_reasm_expire() does the same when
 * the capture is quiet. For speed the
 * order of activity is kept to 1/32 of the idle timeout: a flow ends no
 * sooner than its timeout and at most that much later, and "least recently
 * active" (eviction) has the same precision.
 *
 * Marks. From within start(), data() or gap() the caller may mark the flow
 * being delivered (tcp_reasm_mark(), the one call allowed there): KEEP (a
 * flow it wants: evicted only when no unmarked or ignored flow is left) or
 * IGNORE (of no more interest: nothing more of it is delivered or held, its
 * bytes are skipped and counted in bytes_skipped, its endings still come;
 * evicted first). Eviction thus takes, least recently active first, a
 * closed flow, else an ignored one, else an unmarked one, else a kept one;
 * a flood of flows the caller ignores or has not marked cannot push out
 * the flows it keeps. Expiry treats every flow alike.
 *
 * Callbacks run inside tcp_reasm_packet(), tcp_reasm_expire() and
 * tcp_reasm_free(), possibly for flows other than the segment's (expiry,
 * eviction, the global limit), and must not call into the same tcp_reasm
 * (tcp_reasm_mark() apart). Pointers
 * passed to data() are valid only during the call. The per-flow pointer is
 * the one flow_new() returned; flow_end() is where the caller frees it.
 */
#ifndef SMTPMON_TCP_REASM_H
#define SMTPMON_TCP_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pktdecode.h"

#define TCP_REASM_C2S 0 /* client to server */
#define TCP_REASM_S2C 1 /* server to client */

enum tcp_reasm_end {
	TCP_REASM_END_FIN,      /* FIN reached in order (both, for a flow) */
	TCP_REASM_END_RST,
	TCP_REASM_END_TIMEOUT,  /* idle longer than cfg.idle_timeout_s */
	TCP_REASM_END_EVICTED,  /* the table was full */
	TCP_REASM_END_REUSED,   /* a SYN with a new ISN started another connection */
	TCP_REASM_END_SHUTDOWN, /* tcp_reasm_free() */
	TCP_REASM_END_MAX
};

enum tcp_reasm_mark {
	TCP_REASM_MARK_NONE,    /* as created */
	TCP_REASM_MARK_KEEP,    /* evicted last */
	TCP_REASM_MARK_IGNORE,  /* nothing more delivered or held; evicted first */
	TCP_REASM_MARK_MAX
};

struct tcp_reasm_cfg {
	uint32_t max_flows;       /* flows held, live or recently closed; 100000 */
	uint32_t dir_buf_max;     /* octets held out of order per direction; 65536 */
	uint64_t buf_max;         /* octets held out of order in all flows; 64 MiB */
	uint32_t idle_timeout_s;  /* a flow idle this long ends; 600 */
	uint32_t closed_linger_s; /* a flow ended by FIN/RST is remembered; 10 */
	uint64_t seed[2];         /* hash key; all zero: taken from getentropy() */
};

struct tcp_reasm_flow_info {
	int family;                /* AF_INET or AF_INET6 */
	uint8_t client[16];        /* addresses as in struct pkt_tcp */
	uint8_t server[16];
	uint16_t client_port, server_port;
	bool midstream;            /* no SYN or SYN-ACK: client/server by port */
	uint64_t ts_us;            /* capture time of the first segment */
};

/* Every member may be NULL. cb_arg is passed to the flow-level callbacks,
 * the flow's user pointer to the per-direction ones. dir is TCP_REASM_C2S
 * or TCP_REASM_S2C. */
struct tcp_reasm_cb {
	void *(*flow_new)(void *cb_arg, const struct tcp_reasm_flow_info *fi);
	void (*flow_end)(void *cb_arg, void *flow_user, enum tcp_reasm_end why);
	/* A direction's first segment: from its SYN, or mid-stream. */
	void (*start)(void *flow_user, int dir, bool midstream);
	void (*data)(void *flow_user, int dir, const uint8_t *p, size_t n);
	void (*gap)(void *flow_user, int dir, uint32_t nbytes);
	void (*end)(void *flow_user, int dir, enum tcp_reasm_end why);
	/* For mid-stream flows: is this port a service (server) port? */
	bool (*is_server_port)(void *cb_arg, uint16_t port);
};

struct tcp_reasm_stats {
	uint64_t packets;            /* segments passed in with result PKT_OK */
	uint64_t no_flow;            /* ...dropped: no flow and nothing to start one */
	uint64_t closed;             /* ...dropped: to a flow ended by FIN/RST */
	uint64_t out_of_window;      /* ...dropped: too far ahead, or past the FIN */
	uint64_t retransmitted;      /* segments wholly or partly already seen */
	uint64_t out_of_order;       /* segments held for a hole */
	uint64_t bytes_delivered;
	uint64_t bytes_gap;          /* declared in gap() */
	uint64_t bytes_inconsistent; /* overlapping octets that differed */
	uint64_t bytes_skipped;      /* of flows marked IGNORE: neither delivered nor gap */
	uint64_t flows_created;
	uint64_t flows_midstream;
	uint64_t flows_ended[TCP_REASM_END_MAX];
	uint64_t flows_live;         /* now: created, not yet ended */
	uint64_t flows_closed;       /* now: remembered after FIN/RST */
	uint64_t buf_bytes;          /* now: held out of order, headers included */
	uint64_t buf_segments;       /* now: segments held */
	uint64_t buf_bytes_peak;
};

struct tcp_reasm;

/* The defaults above, seed zero. */
void tcp_reasm_cfg_default(struct tcp_reasm_cfg *cfg);

/* A new reassembler; cfg NULL or a zero member means the default. The
 * callbacks are copied. */
struct tcp_reasm *tcp_reasm_new(const struct tcp_reasm_cfg *cfg,
    const struct tcp_reasm_cb *cb, void *cb_arg);

/* One segment, as pkt_decode() left it (results other than PKT_OK are
 * ignored), captured at ts_us. */
void tcp_reasm_packet(struct tcp_reasm *r, const struct pkt_tcp *seg, uint64_t ts_us);

/* Only from within start(), data() or gap(): mark the flow being delivered
 * (see Marks above); elsewhere it does nothing. */
void tcp_reasm_mark(struct tcp_reasm *r, enum tcp_reasm_mark m);

/* End flows idle since before now_us - idle timeout; forget closed flows
 * past their linger time. UINT64_MAX ends every flow (reason TIMEOUT). */
void tcp_reasm_expire(struct tcp_reasm *r, uint64_t now_us);

/* Counters; valid until the next call into r. */
const struct tcp_reasm_stats *tcp_reasm_stats(const struct tcp_reasm *r);

/* End every live flow with reason SHUTDOWN, then free everything. */
void tcp_reasm_free(struct tcp_reasm *r);

const char *tcp_reasm_end_name(enum tcp_reasm_end why);

#endif
