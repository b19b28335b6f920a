/* agent/schedule/targets.h: the targets the configuration names, and their upkeep.
 *
 * Each TargetServer block gives targets, one per address:port, found by
 * "ADDR:PORT": a TargetIP block its addresses, a TargetName or TargetMx
 * block (a "group") the addresses its lookup (agent/resolver) returns. A
 * group is looked up again at the records' TTL (at least 5 s, at most one
 * day; ConnectRetry after a failure) and its targets follow the records
 * (SMD1820I, SMD1821I; SMD1822W when a lookup fails: the addresses stay).
 * A group without any address (lookup under way, failed, null MX) shows
 * as one registry row of its own, named after the block: resolving, or
 * down with the reason.
 *
 * A reload diffs the new configuration against the table: a target whose
 * block, address and policy (agent/policy) are unchanged is kept with its
 * connections; the others are removed and added again (SMD0002I counts
 * them). When the policy leaves TlsServerName unset, a group's targets
 * use the host name their address came from (the MX exchange or the
 * TargetName) for SNI and the certificate check.
 *
 * The targets themselves run in the scheduler (agent/schedule/scheduler.h); this
 * module keeps their handles and never looks inside them. Monitor thread
 * only.
 */
#ifndef SMTPMON_TARGETS_H
#define SMTPMON_TARGETS_H

#include <stdbool.h>
#include <stddef.h>

struct config;
struct event_base;
struct monitor;
struct registry;
struct resolver;
struct targets;
struct tgt;

/* An empty table for the scheduler m; group lookups on res, their timers
 * on base, their own rows in reg (all borrowed). */
struct targets *targets_new(struct monitor *m, struct event_base *base, struct registry *reg,
    struct resolver *res);
/* Free the groups, then every target (sched_target_drop()). NULL is allowed. */
void targets_free(struct targets *tt);

/* Bring the table in line with cfg (kept until the next call: the groups
 * read ConnectRetry from it). announce: log each target added and the
 * totals (not for the first configuration). */
void targets_apply(struct targets *tt, const struct config *cfg, bool announce);
/* Stopping: the groups go, every target is removed (sched_target_remove()),
 * and no lookup starts from now on. */
void targets_stop(struct targets *tt);

/* The target of "ADDR:PORT", NULL when none. */
struct tgt *targets_find(const struct targets *tt, const char *key);
/* Every target in turn: the next from *cursor on (start at 0), NULL at the
 * end. Removing targets while iterating is allowed, adding is not. */
struct tgt *targets_next(const struct targets *tt, size_t *cursor);

/* The number of targets cfg names: its TargetIP addresses and one per group. */
size_t targets_configured(const struct config *cfg);

#endif
