/* probes/passive.h: the passive probe: libpcap, TCP reassembly, SMTP + TLS.
 *
 * Reads packets from one or more live interfaces (a BPF filter keeps TCP to
 * and from the configured ports and ranges, VLAN-tagged or not; with
 * `any`, all TCP) or from one capture
 * file (pcap or pcapng, as libpcap reads them), decodes them
 * (probes/pktdecode), puts both directions of every flow back in order
 * (probes/tcp_reasm, bounded per flow and in total) and dissects each as an
 * SMTP session (probes/smtp_wire). Every session that showed anything of
 * SMTP or TLS is handed to the caller once, as soon as its classification is
 * final (smtp_wire FINAL: TLS handshake read, plaintext MAIL or QUIT, ...)
 * or when its flow ends, whichever comes first.
 *
 * TLS readers (about 21 KiB each) are lent to sessions from a pool of at most
 * cfg.max_tls_readers, only while a handshake is being read; a session
 * that finds the pool empty is still classified T, without version and
 * cipher (SW_AN_NO_TLS_READER). The SMTP state of a flow (~2.6 KiB) is
 * allocated at its first byte, so a SYN costs only the reassembler's flow.
 * Memory is thus bounded by the reassembly limits, max_flows per-flow
 * states and the pool.
 *
 * Ports (probes/portset): a flow is the probe's when either port is in the
 * set. With `any` every TCP flow is looked at and taken as SMTP by its
 * first bytes (probes/smtpsniff: the server's 220 greeting, the client's
 * EHLO/HELO; decided within the client's first 5 bytes, or the first 4 of
 * a server that speaks first). Until then a flow costs its reassembler
 * entry and at most 9 kept bytes, no SMTP state; a flow found not to be
 * SMTP is marked IGNORE in the reassembler (nothing more delivered or
 * held, evicted first) and its SMTP state, if any, freed; a flow found to
 * be SMTP is marked KEEP, so that a flood of other flows filling the table
 * (max_flows) evicts ignored and undecided flows, never an SMTP flow while
 * there are such. In either mode a flow whose session has been handed over
 * has nothing more to tell: it is marked IGNORE too (its remaining bytes,
 * mostly encrypted mail, are skipped, which is also most of the probe's
 * speed). The sessions of `any` and of a port list agree on the flows both
 * see, but for three cases `any` does not report: a client whose first
 * bytes are not EHLO/HELO (a bare QUIT after the greeting, a capture begun
 * mid-session), a server whose first bytes are not "220" (a 554 greeting),
 * and implicit TLS (465 style). An FTP server's greeting looks like SMTP's:
 * its flow is dropped at the client's first command (USER, AUTH), but one
 * whose client never speaks is reported.
 *
 * Opening (passive_open) needs the privileges of capture; it is meant to run
 * before smtpmond drops them. passive_run() runs on one thread: it reads
 * until the file ends, or for interfaces until passive_stop() (any thread)
 * or a capture error. One struct passive is used by one thread at a time
 * apart from passive_stop().
 */
#ifndef SMTPMON_PASSIVE_H
#define SMTPMON_PASSIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "portset.h"
#include "smtp_wire.h"
#include "tcp_reasm.h"

#define PASSIVE_MAX_IFACES 16

struct passive_stats {
	uint64_t packets, bytes;        /* read from the capture */
	uint64_t tcp, not_tcp, fragments, malformed, unsupported;
	uint64_t flows_not_smtp;        /* `any`: flows dropped by their first bytes */
	uint64_t sessions;              /* handed over */
	uint64_t sessions_tls, sessions_plain;
	uint64_t tls_pool_empty;        /* handshakes not read: pool empty */
	uint64_t ps_recv, ps_drop, ps_ifdrop; /* live capture: pcap_stats() summed */
	bool truncated;                 /* the capture file ended inside a record */
	bool stopped;                   /* passive_stop() ended the reading */
	char read_error[256];           /* a capture error ("" none) */
	const struct tcp_reasm_stats *reasm;
};

struct passive_cfg {
	const char *const *interfaces;  /* live capture on these, or ... */
	size_t n_interfaces;
	const char *file;               /* ... read this capture file ("-": stdin) */
	const struct portset *ports;    /* server ports; NULL: 25 587 465 */
	uint32_t max_tls_readers;       /* 0: 256 */
	int snaplen;                    /* 0: 65535 */
	struct tcp_reasm_cfg reasm;     /* zero members: tcp_reasm defaults */
	/* NULL, or called on the passive_run() thread about once a second (live)
	 * and when passive_run() ends, with the same arg as the sessions */
	void (*tick)(void *arg, const struct passive_stats *st);
};

/* What the rating (probes/rating.h) needs of a session's server handshake
 * beyond version and suite, from the server's TLS reader when it finishes. */
struct passive_tls_keys {
	uint16_t group;                 /* IANA supported-groups id: TLS 1.3 key_share,
	                                 * TLS <= 1.2 ServerKeyExchange; 0 unknown */
	uint32_t dh_bits;               /* TLS <= 1.2 DHE: bits of p; 0 unknown */
	bool cert_known;                /* cert: a TLS <= 1.2 leaf was read */
	struct tls_wire_cert_key cert;  /* tls_wire_cert_key() of that leaf */
};

/* One observed session. */
struct passive_session {
	int family;                     /* AF_INET / AF_INET6 */
	uint8_t client[16], server[16];
	uint16_t client_port, server_port;
	char client_text[64];           /* "ADDR:PORT", "[ADDR6]:PORT" */
	char server_text[64];
	uint64_t start_us, final_us;    /* capture time of its first segment / of now */
	bool midstream;                 /* the capture began inside the session */
	bool ended;                     /* handed over at the end of its flow */
	const char *end_reason;         /* tcp_reasm_end_name() when ended, else NULL */
	char server_type;               /* smtp_wire_server_type(): 'E' 'S' ' ' */
	char security;                  /* smtp_wire_security(): 'T' 'B' ' ' */
	time_t cert_not_after;          /* TLS <= 1.2 leaf certificate; 0 none */
	struct passive_tls_keys keys;   /* all 0 / NULL: nothing known */
	struct smtp_wire_facts facts;
};

typedef void passive_session_fn(void *arg, const struct passive_session *s);


struct passive;

/* Open the capture(s) and set the filter. NULL with a message in err. */
struct passive *passive_open(const struct passive_cfg *cfg, passive_session_fn *fn, void *arg,
    char *err, size_t errlen);

/* Read and dissect until the end of the file (every remaining flow is then
 * ended and handed over), passive_stop(), or a read error. Returns 0, or -1
 * with stats->read_error set. Live capture expires idle flows once a second. */
int passive_run(struct passive *p);

/* Any thread: make passive_run() return soon (within ~100 ms). */
void passive_stop(struct passive *p);

/* Counters; the pointer stays valid until passive_close(); read on the
 * passive_run() thread or after it returned. The capture's own counters
 * (ps_recv, ps_drop, ps_ifdrop) are refreshed once a second and at the end. */
const struct passive_stats *passive_stats(struct passive *p);

/* The BPF filter for these ports into out; returns strlen like snprintf. */
size_t passive_filter(const struct portset *ports, char *out, size_t outsz);

/* Fill *s for a flow and its SMTP facts as the probe hands it over at
 * now_us (end_reason NULL while the flow lives); s->keys is cleared. */
void passive_session_make(struct passive_session *s, const struct tcp_reasm_flow_info *fi,
    const struct smtp_wire_facts *f, uint64_t now_us, time_t cert_not_after,
    const char *end_reason);

/* Format "ADDR:PORT" / "[ADDR6]:PORT" of a raw address. */
void passive_addr_text(int family, const uint8_t addr[16], uint16_t port, char *out,
    size_t outsz);

/* End every flow (handing sessions over), close the captures, free. */
void passive_close(struct passive *p);

#endif
