/* probes/vdns.h: DNSSEC-validated DNS lookups on a libevent loop.
 *
 * Built on libunbound (a validating resolver library: it checks every
 * signature itself, from the trust anchor, and never trusts an upstream's
 * AD bit). Queries run in libunbound's own thread; their answers come back
 * through a pipe that this module watches on the caller's event_base, so the
 * loop never blocks. Each query has its own deadline: after timeout_ms the
 * callback runs with VDNS_ERR_TIMEOUT and the query is cancelled.
 *
 * Upstream: with name servers ("ADDR[:PORT]" separated by commas, IPv6 as
 * "[ADDR]:PORT") every query goes to them and nowhere else (no hosts file,
 * no system resolver, and the reserved test. and localhost. zones too are
 * theirs to answer);
 * each may be a recursive resolver or an authoritative-only server for the
 * zones asked about. Without one, the forwarders of
 * /etc/resolv.conf are used (still validated here). Trust anchor: a file of
 * zone-file DS or DNSKEY lines, or NULL for the system's root anchor
 * (VDNS_ROOT_ANCHOR, Debian's dns-root-data).
 *
 * The callback owns nothing: the answer and its data are valid only during
 * the call. One thread: every call on the loop's thread.
 */
#ifndef SMTPMON_VDNS_H
#define SMTPMON_VDNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VDNS_ROOT_ANCHOR "/usr/share/dns/root.key"

struct event_base;
struct vdns;

enum vdns_sec { VDNS_INSECURE, VDNS_SECURE, VDNS_BOGUS };
enum vdns_err { VDNS_OK, VDNS_ERR_TIMEOUT, VDNS_ERR_RESOLVE };

struct vdns_answer {
	const char *qname;
	int qtype;
	enum vdns_err err;       /* VDNS_OK: the fields below are the answer */
	const char *err_text;    /* why, when err != VDNS_OK */
	int rcode;               /* 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN ... */
	bool nxdomain;
	size_t n;                /* records of qtype (0: NODATA or NXDOMAIN) */
	const uint8_t *const *data; /* n RDATAs in wire form */
	const int *len;
	const char *canonname;   /* after CNAMEs, or NULL */
	enum vdns_sec sec;
	const char *why_bogus;   /* VDNS_BOGUS: the validator's reason */
};

typedef void (*vdns_cb)(const struct vdns_answer *a, void *arg);

/* A resolver on base. NULL with a message in err on a bad name server, an
 * unreadable trust anchor or a libunbound failure. */
struct vdns *vdns_new(struct event_base *base, const char *nameserver,
    const char *trust_anchor, char *err, size_t errlen);
/* Cancels what is pending (no callbacks) and frees. NULL is ignored. */
void vdns_free(struct vdns *v);

/* Asks for name/rrtype (class IN). The callback runs once, later, from the
 * loop; a failure to start also comes through it (never from inside this
 * call). Returns a handle for vdns_cancel, 0 never. */
uint64_t vdns_query(struct vdns *v, const char *name, int rrtype, uint32_t timeout_ms,
    vdns_cb cb, void *arg);
/* No callback for this query after this call; unknown handles are ignored. */
void vdns_cancel(struct vdns *v, uint64_t handle);

/* Record i of an A (4 bytes) or AAAA (16 bytes) answer as a socket address
 * with port; false when it is neither. */
struct sockaddr_storage;
bool vdns_sockaddr(const struct vdns_answer *a, size_t i, uint16_t port,
    struct sockaddr_storage *ss, unsigned *sslen);


#endif
