/* agent/output/outbox.h: persist first, then announce.
 *
 * A TLS alert (MONITOR_EV_TLS_*) leaves smtpmond only after the baseline
 * state that records it is on disk (StateDir/baselines, agent/bstore), or
 * could not be written: a restart, even after kill -9, never repeats an
 * alert that went out. The monitor thread queues alerts (outbox_alert())
 * and says when baselines changed (outbox_changed()); the store is then
 * rendered (bstore_render(), on the monitor thread: the store is the
 * monitor's) within SAVE_ALERT_MS (10 ms) when an alert waits, within
 * SAVE_QUIET_MS (1 s) for baseline changes alone, and handed over with the
 * alerts queued so far to the outbox's writer thread. The writer writes it
 * (bstore_write(): the fsyncs never stall a probe) and then announces those
 * alerts in the order they were queued: each to the event hook, then to
 * AlertCommand (alertcmd_post()). Renders are coalesced: at most one write
 * in flight and one render waiting (a newer render replaces it; its alerts
 * wait for the newer one). A failed write is logged (SMD1856E, once per
 * error text; SMD1856I when a write succeeds again), its alerts still go
 * out, and the store is written again within SAVE_RETRY_MS (60 s). At most
 * PENDING_MAX (65,536) alerts wait (queued or handed over, not announced);
 * more are dropped and counted, and the count is logged after the next
 * batch went out (SMD1856E "TLS alerts were not sent").
 *
 * Where alerts go is asked when they are handed over (outbox_dest_fn, on
 * the monitor thread): the event hook and AlertCommand as they are then.
 *
 * Threads:
 *   monitor thread (the thread that runs base): every function below, the
 *     outbox_dest_fn, the save timer and the "write failed" event.
 *   writer thread (the outbox's own, every signal blocked): bstore_write(),
 *     SMD1856E/SMD1856I, the event hook (it must be safe to call from any
 *     thread and must not block: smtpmond's, snmp_agent_post(), is) and
 *     alertcmd_post() (any thread, never blocks).
 *   They share only the hand-over (a lock): the render waiting, the
 *   batches of alerts, the writer's state; a batch carries copies of what
 *   it needs (the events, the AlertCommand argv).
 */
#ifndef SMTPMON_OUTBOX_H
#define SMTPMON_OUTBOX_H

#include "mevent.h"

#include <stdbool.h>
#include <stddef.h>

struct alertcmd;
struct bstore;
struct event_base;
struct outbox;

/* Where the alerts handed over now go. */
struct outbox_dest {
	monitor_event_fn *hook;    /* NULL: none */
	void *hook_arg;
	struct alertcmd *ac;       /* with argv: AlertCommand (argv copied) */
	char *const *argv;         /* NULL: none */
};
/* Monitor thread: fill d, when a batch with alerts is handed over. */
typedef void outbox_dest_fn(void *arg, struct outbox_dest *d);

/* An outbox for bs (still the monitor's) on base, its writer thread
 * started. NULL with a message in err if the thread could not start. */
struct outbox *outbox_new(struct event_base *base, struct bstore *bs, outbox_dest_fn *dest,
    void *dest_arg, char *err, size_t errlen);
/* outbox_sync(), then end the writer thread and free. NULL is a no-op. */
void outbox_free(struct outbox *o);

/* Queue an alert (a copy of ev) for after the next write. */
void outbox_alert(struct outbox *o, const struct monitor_event *ev);
/* Baselines changed: the store is marked and written soon. */
void outbox_changed(struct outbox *o);
/* Render what changed, hand it over with every alert queued, and wait
 * until the writer has written it and announced them (a stop, a baseline
 * reset). */
void outbox_sync(struct outbox *o);

#endif
