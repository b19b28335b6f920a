/* agent/config/confdup.h: targets a configuration gives twice.
 *
 * The parser lists every TargetIP address (its port already set) and every
 * TargetName or TargetMx host, each with the line and keyword that gave it,
 * in the order of the file. Each one that repeats an earlier one is reported
 * at its own line, naming the line of the first:
 *   addresses  the same family, address and port:
 *              "ADDR:PORT given twice (first at line N)", "[ADDR]:PORT" for IPv6
 *   hosts      the same kind (name or MX), the same name without case and
 *              without a final dot, the same port:
 *              "HOST:PORT given twice (first at line N)"
 * Pure, apart from the reports (to a conferr_list, in the order of the sorted
 * keys); the arrays given are reordered.
 */
#ifndef SMTPMON_CONFDUP_H
#define SMTPMON_CONFDUP_H

#include <stddef.h>
#include <stdint.h>

#include "conferr.h"
#include "config.h"

struct confdup_ref {
	const struct cfg_addr *a;      /* an address (confdup_addrs) */
	const char *host;              /* a host (confdup_hosts) with its kind and port */
	enum target_kind kind;
	uint16_t port;
	int line;                      /* where it was given */
	const char *kw;                /* the keyword as written there */
	size_t seq;                    /* confdup's own: the position given */
};

/* Report the repeats among n addresses. */
void confdup_addrs(struct conferr_list *el, struct confdup_ref *r, size_t n);
/* Report the repeats among n hosts. */
void confdup_hosts(struct conferr_list *el, struct confdup_ref *r, size_t n);

#endif
