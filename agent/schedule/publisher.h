/* agent/schedule/publisher.h: publish a registry snapshot soon, coalesced.
 *
 * publisher_in() asks for a snapshot within ms milliseconds: an earlier
 * request already pending stands (one timer, one publish for many
 * changes), a later one brings it forward. When the timer fires the
 * owner's totals callback supplies the daemon totals, which go into the
 * registry (registry_set_totals()) just before registry_publish(). The
 * monitor asks for PUBLISH_MS on a change of state or classification and
 * for PUBLISH_SLOW_MS on counters alone (a NOOP answered): at 10,000
 * targets NOOPs arrive ~170 times a second, and a snapshot each would
 * rebuild the row table 50 times a second for nothing a reader needs at
 * once. Everything runs on the thread of base.
 */
#ifndef SMTPMON_PUBLISHER_H
#define SMTPMON_PUBLISHER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define PUBLISH_MS        20
#define PUBLISH_SLOW_MS   1000

struct event_base;
struct publisher;
struct registry;

/* The daemon totals published with every snapshot. */
struct publish_totals {
	time_t started;
	uint64_t probes_done, probe_failures;
	size_t targets_configured;
};
typedef void publisher_totals_fn(void *arg, struct publish_totals *out);

/* A publisher of reg on base; totals(arg, ...) is called at each publish. */
struct publisher *publisher_new(struct event_base *base, struct registry *reg,
    publisher_totals_fn *totals, void *arg);
/* NULL is a no-op; a pending publish is dropped. */
void publisher_free(struct publisher *p);

/* Publish within ms milliseconds (at once if one is due sooner). */
void publisher_in(struct publisher *p, uint64_t ms);

#endif
