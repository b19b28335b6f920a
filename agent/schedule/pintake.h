/* agent/schedule/pintake.h: the passive probe's intake, on the monitor thread.
 *
 * The capture thread posts each session it saw (and its figures) into a
 * mailbox of at most PINTAKE_QUEUE sessions; when it is full, the poster
 * either waits for room (a capture file: nothing is lost) or counts and
 * drops the session (live capture must not stall). Posting the first
 * session into an empty mailbox, or new figures, asks the owner to wake
 * (owner->wake) so that it calls pintake_drain() on its own thread.
 *
 * pintake_drain() takes in at most PINTAKE_BATCH sessions per call, so that
 * a capture file read at full speed cannot hold up the owner's timers; when
 * more wait it asks for another wake-up at once. Each session goes into the
 * agent/pserver table (at most PSERVER_MAX_DEFAULT servers, SMD1862W once
 * beyond) and its row into the registry; its appldata record is appended to
 * the AppldataLog (role "passive"); each alert is logged (SMD1860W, or
 * SMD1863W when suppressed), then handed to the event hook and to
 * AlertCommand. The active probe's knowledge of the same address and port
 * (owner->hint) lends STARTTLS offered and the TLS baseline. Sessions lost
 * to a full mailbox are logged (SMD1864W, the total, when it grows). The
 * probe's figures are published with the registry, with the alerts counted
 * here and the servers and sessions dropped: the first figures at once
 * (readers see the probe is on), later ones slowly unless the alert count
 * changed.
 *
 * All functions but pintake_post*() and pintake_stop() run on the owner's
 * thread; those three may be called from any thread.
 */
#ifndef SMTPMON_PINTAKE_H
#define SMTPMON_PINTAKE_H

#include "mevent.h"
#include "pserver.h"

#include <stdbool.h>

struct alertcmd;
struct appldata_log;
struct config;
struct pintake;
struct reg_passive;
struct registry;

#define PINTAKE_QUEUE 1024  /* sessions in the mailbox, about 3.3 KiB each */
#define PINTAKE_BATCH 256   /* sessions taken in per pintake_drain() */

/* What the intake asks of its owner. All but wake are called from
 * pintake_drain(); wake is called from the posting thread. */
struct pintake_owner {
	void *arg;
	/* have pintake_drain() called soon on the owner's thread */
	void (*wake)(void *arg);
	/* what the active probe knows of server "ADDR:PORT" (zero: nothing) */
	struct pserver_hint (*hint)(void *arg, const char *server);
	/* publish the registry soon (news for readers) or slowly (counters) */
	void (*publish)(void *arg, bool soon);
	/* hand ev to the event hook, if there is one */
	void (*event)(void *arg, const struct monitor_event *ev);
	/* the AlertCommand runner (started on first use) */
	struct alertcmd *(*alertcmd)(void *arg);
};

/* An intake that puts rows and figures into reg; owner is copied. */
struct pintake *pintake_new(struct registry *reg, const struct pintake_owner *owner);
/* After the last post and drain. NULL is a no-op. */
void pintake_free(struct pintake *pi);

/* Any thread: one session seen on the wire, copied; wait: wait for room
 * rather than drop. figures (may be NULL) are the probe's counters as of
 * this session, kept as pintake_post_stats() keeps them. */
void pintake_post(struct pintake *pi, const struct passive_session *s, bool wait,
    const struct reg_passive *figures);
/* Any thread: the probe's figures, published with the registry. */
void pintake_post_stats(struct pintake *pi, const struct reg_passive *p);
/* Any thread: stopping; a poster waiting for room waits no more. */
void pintake_stop(struct pintake *pi);

/* Take in one batch of what was posted. cfg gives ExtWrtName (the appldata
 * records' writer) and AlertCommand; alog may be NULL. */
void pintake_drain(struct pintake *pi, const struct config *cfg, struct appldata_log *alog);

#endif
