/* agent/schedule/scheduler.h: what the probe scheduler (agent/monitor) offers the
 * target table (agent/targets). Private to the two.
 *
 * A scheduled target (struct tgt, opaque here) is one address:port with its
 * registry row, its monitor and reprobe connections and their timers. The
 * target table decides which targets exist and when they change; the
 * scheduler runs them. Monitor thread only.
 */
#ifndef SMTPMON_SCHEDULER_H
#define SMTPMON_SCHEDULER_H

#include <sys/socket.h>

struct cfg_target;
struct monitor;
struct policy;
struct tgt;

/* A new target for sa under pol (the scheduler takes its own reference),
 * its row described by ct (kind, host, port, Secure, AuthEntity,
 * MinTlsLevel, line) and, for a TargetMx address, the exchange and its
 * preference (mx_host NULL otherwise). Shown at once as starting; no
 * connection yet. */
struct tgt *sched_target_new(struct monitor *m, const struct sockaddr *sa, socklen_t len,
    struct policy *pol, const struct cfg_target *ct, const char *mx_host, unsigned mx_pref);
/* Start t's monitor connection (through the start queue). */
void sched_target_start(struct tgt *t);
/* t's block is now at this configuration line. */
void sched_target_line(struct tgt *t, int line);
/* A reload kept t: its reprobe timer and limits follow the new settings. */
void sched_target_kept(struct tgt *t);
/* t goes: its connections get QUIT, its row leaves the registry. */
void sched_target_remove(struct tgt *t);
/* The monitor is being freed: t's connections are freed at once (no QUIT),
 * then t goes as with sched_target_remove(). */
void sched_target_drop(struct tgt *t);
/* A row changed: publish the registry soon. */
void sched_publish(struct monitor *m);

#endif
