/* agent/schedule/monitor.h: the monitor thread's work, every target on one event loop.
 *
 * Per target (address and port): a monitor connection kept open (probe
 * engine in MONITOR mode), NOOP every NoopInterval with its round trip
 * recorded; on loss or failure a reconnect after ConnectRetry with
 * exponential back-off (x2 per failure, at most x32, x4 more after a 421)
 * and +-20% jitter; every ReprobeInterval a fresh classification connection
 * (PROBE mode: new handshake, no resumption) while the monitor connection
 * stays. TargetName and TargetMx blocks are resolved with agent/resolver and
 * re-resolved at the records' TTL; the address set follows the records.
 * New connections are started through a queue with at most
 * MONITOR_MAX_CONNECTING in progress at once, so 10,000 targets start
 * without a SYN storm. Everything observed goes into the registry, which is
 * published within 20 ms of a change of state or classification and within
 * 1 s of a counter change (NOOPs); each successful connection's appldata
 * record is appended to the AppldataLog.
 *
 * Every classification (and every failure that still saw the EHLO reply:
 * STARTTLS missing or refused) is compared with the target's TLS baseline
 * (agent/tlswatch, agent/downgrade); baselines live in StateDir
 * (agent/bstore). An alert is logged (SMD1850W), then the state that
 * records it is written to disk, then it is handed to the event hook and to
 * AlertCommand (agent/alertcmd): a restart, even after kill -9, never
 * repeats an alert that went out. Writing is coalesced: within ~10 ms when
 * an alert waits, within 1 s for baseline changes alone; it happens on
 * agent/outbox's writer thread, so a slow disk stalls no probe.
 *
 * All functions but monitor_post_*() and monitor_baseline_reset() run on
 * the monitor's own thread (the thread that runs base).
 * monitor_post_reload() and monitor_post_stop() may be called from any
 * thread: they hand the request over (agent/mailbox) and wake the loop.
 * Threads the monitor starts: agent/outbox's writer (monitor_new() to
 * monitor_free()), agent/alertcmd's runners (at the first alert with
 * AlertCommand set).
 */
#ifndef SMTPMON_MONITOR_H
#define SMTPMON_MONITOR_H

#include "mevent.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct config;
struct event_base;
struct monitor;
struct registry;

#define MONITOR_MAX_CONNECTING 512

/* A monitor on base for cfg (owned by the monitor from now on); targets
 * start when the loop runs. NULL on error (message in err). */
struct monitor *monitor_new(struct event_base *base, struct registry *reg, struct config *cfg,
    char *err, size_t errlen);
/* Free everything at once (no QUIT): after the loop has ended. */
void monitor_free(struct monitor *m);

/* Call fn on the monitor thread when a target becomes DOWN from UP or
 * STARTING (where SMD1818E is logged: the monitor connection was lost, or
 * the first one failed; not for every failed retry) and when it becomes UP
 * from DOWN (a STARTING target that comes up is no news: no event), as
 * SMTPMON-MIB's smtpmonTargetStatus describes its notifications, and when a
 * certificate nears its end. TLS alerts (MONITOR_EV_TLS_*) reach fn on
 * agent/outbox's writer thread, after their state is written: fn must be
 * safe to call from any thread. fn must not block: copy the event and
 * return. Set it before the loop runs; NULL removes it. */
void monitor_set_event_hook(struct monitor *m, monitor_event_fn *fn, void *arg);

/* Any thread: apply cfg (ownership passes; unchanged targets keep their
 * connections, new ones start, removed ones get QUIT) and reopen the
 * appldata log. */
void monitor_post_reload(struct monitor *m, struct config *cfg);
/* Any thread: accept the last classification of every target that sel
 * names (reg_row_matches()) as its new TLS baseline, forgetting its active
 * downgrade events without recovery notifications; a target not classified
 * yet gets its baseline from its next classification. Waits for the
 * monitor thread (at most 5 s). Returns the number of targets reset, or -1
 * when the monitor did not answer in time. */
int monitor_baseline_reset(struct monitor *m, const char *sel);

/* Any thread (the passive probe's): one session seen on the wire, and the
 * probe's figures: handed to the monitor's passive intake (agent/pintake:
 * pintake_post(), pintake_post_stats(); its mailbox holds PINTAKE_QUEUE
 * sessions), which the monitor drains on its thread. The active target of
 * the same address and port, if any, lends its knowledge (STARTTLS
 * offered, TLS baseline). */
struct passive_session;
struct reg_passive;
void monitor_post_passive(struct monitor *m, const struct passive_session *s, bool wait,
    const struct reg_passive *figures);
void monitor_post_passive_stats(struct monitor *m, const struct reg_passive *p);

/* Any thread: QUIT every connection, then end the loop (at most 5 s). */
void monitor_post_stop(struct monitor *m);

#endif
