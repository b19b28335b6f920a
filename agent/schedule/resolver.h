/* agent/schedule/resolver.h: asynchronous DNS for the monitor loop (c-ares on libevent).
 *
 * Never blocks the loop: c-ares' sockets are watched by libevent events and
 * its timeouts by one libevent timer. A lookup ends in exactly one callback,
 * from the loop, never from inside resolver_*() itself.
 *
 *   resolver_host(): A and AAAA of one name (ares_getaddrinfo), addresses in
 *                    the order c-ares returns them, with the smallest TTL.
 *   resolver_mx():   the MX records of a domain, sorted by preference (then
 *                    name), each host then resolved to A and AAAA; the TTL is
 *                    the smallest of the MX and address records. A domain
 *                    without MX records falls back to its A/AAAA (RFC 5321
 *                    5.1, the "implicit MX" with preference 0). A null MX
 *                    ("0 .", RFC 7505) gives no hosts and no error.
 *
 * A result holds at most RESOLVER_MAX_HOSTS hosts and RESOLVER_MAX_ADDRS
 * addresses per host. Ports in the addresses are set to the caller's port.
 *
 * Status: resolver_host() and an implicit MX report the A/AAAA lookup's
 * status (ARES_ENOTFOUND for NXDOMAIN, ARES_ENODATA for a name without
 * addresses, ARES_ETIMEOUT, ...). With MX records, an exchange that does not
 * exist or has no address stays in the list with n_addrs 0 and the status is
 * 0; but if any exchange's lookup failed for another reason (timeout,
 * SERVFAIL, refused), the whole result is that error, so that a passing DNS
 * failure is never mistaken for a changed set of hosts. A result with a
 * non-zero status has no hosts and ttl 0. Names longer than 253 characters
 * (254 with a final dot) or with characters other than letters, digits, '-',
 * '_' and '.' give ARES_EBADNAME without a query; resolver_host() also takes
 * an IP literal. MX exchanges with such names are left out. The search list
 * of resolv.conf is not used: names are looked up as given.
 */
#ifndef SMTPMON_RESOLVER_H
#define SMTPMON_RESOLVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define RESOLVER_MAX_HOSTS 16
#define RESOLVER_MAX_ADDRS 16

struct event_base;
struct resolver;
struct resolver_query;

struct resolver_host {
	char name[256];                /* host name (MX exchange or the name asked) */
	unsigned preference;           /* MX preference; 0 for resolver_host() */
	struct sockaddr_storage addrs[RESOLVER_MAX_ADDRS];
	socklen_t addr_lens[RESOLVER_MAX_ADDRS];
	size_t n_addrs;
};

struct resolver_result {
	int status;                    /* 0 ok, else a c-ares status (ARES_ENOTFOUND, ...) */
	const char *error;             /* text for status; NULL when ok */
	uint32_t ttl;                  /* seconds; smallest TTL seen; 0 if none */
	struct resolver_host hosts[RESOLVER_MAX_HOSTS];  /* by preference */
	size_t n_hosts;
};

/* res and everything in it is valid only until the callback returns. The
 * callback may start lookups, cancel others, or free the resolver. */
typedef void resolver_cb(const struct resolver_result *res, void *arg);

/* A resolver on base. servers: "ADDR[:PORT],..." (IPv6 as [ADDR]:PORT) or
 * NULL for /etc/resolv.conf. Timeout per try in ms, tries per server (0 for
 * c-ares' defaults); c-ares doubles the timeout after each round of servers.
 * NULL on error, with a message in err. */
struct resolver *resolver_new(struct event_base *base, const char *servers,
    unsigned timeout_ms, unsigned tries, char *err, size_t errlen);
/* Cancels every pending lookup (their callbacks are not called). */
void resolver_free(struct resolver *r);

/* Start a lookup; port is put into every address. The returned handle may
 * be passed to resolver_cancel() until the callback has run. */
struct resolver_query *resolver_host(struct resolver *r, const char *name, uint16_t port,
    resolver_cb *cb, void *arg);
struct resolver_query *resolver_mx(struct resolver *r, const char *domain, uint16_t port,
    resolver_cb *cb, void *arg);
/* The callback of q will not be called. q must not be used afterwards; a
 * c-ares query still in flight is left to finish or time out in the
 * background, and its answer is dropped. */
void resolver_cancel(struct resolver_query *q);

#endif
