/* agent/verdict/tlswatch.h: what a classification means against the target's TLS
 * baseline, and a certificate near its end.
 *
 * The caller computes the posture (agent/verdict/downgrade.h) and passes plain
 * values: the target's identity, its baseline, the certificate's subject
 * and notAfter (for the log lines), the target's MinTlsLevel. tlswatch
 * logs what it decides and fills the events to announce; it persists and
 * announces nothing itself:
 *
 *   tlswatch_observe()  downgrade_observe() and its log lines: SMD1850W
 *                       downgrade, SMD1851I recovery, SMD1852I certificate
 *                       changed, SMD1853W not announced (flapping), SMD1854I
 *                       baseline raised, "TLS baseline recorded" (debug).
 *                       Out: whether the baseline changed (to persist and to
 *                       show), the events downgraded now (to count) and the
 *                       alerts (MONITOR_EV_TLS_*) that must wait for the
 *                       state file (agent/outbox).
 *   tlswatch_cert()     SMD1825W and MONITOR_EV_CERT_EXPIRING for a
 *                       certificate within MONITOR_CERT_WARN_DAYS of its
 *                       end, once per certificate (by notAfter) and once
 *                       more when it has expired; announced at once.
 *   tlswatch_reset()    accept a posture as the new baseline (SMD1855I).
 *   tlswatch_event_names()  the names of an event's versions and suites.
 *
 * No clock, no I/O but the log; one thread at a time per target (the
 * monitor thread).
 */
#ifndef SMTPMON_TLSWATCH_H
#define SMTPMON_TLSWATCH_H

#include "downgrade.h"
#include "mevent.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

/* Who the target is, as its logs and events name it. */
struct tw_target {
	const char *key;                      /* "ADDR:PORT" */
	uint32_t index;                       /* its registry row's index */
	const char *name;                     /* TargetName / TargetMx domain, "" for TargetIP */
	const struct sockaddr_storage *addr;
	socklen_t addr_len;
	uint16_t port;
};

/* Per target: what tlswatch_cert() announced. Zero it at the start; only
 * tlswatch reads or writes its fields. */
struct tw_cert {
	time_t warned;                        /* notAfter of the certificate announced */
	bool warned_expired;                  /* ... and announced again once expired */
};

#define TW_MAX_ALERTS (DG_N_EVENTS + 1)

struct tw_result {
	bool baseline_changed;                /* persist it, and show it (downgrade_view) */
	uint32_t raised;                      /* events downgraded now (1u << enum dg_event):
	                                       * alerted, not announced (flapping) or
	                                       * informational; not recoveries */
	size_t n_alerts;
	struct monitor_event alerts[TW_MAX_ALERTS];  /* to announce after the write */
};

/* Compare p, what one classification saw at now, with b; log and fill out.
 * subject and not_after: the certificate's, for SMD1852I. min_tls: the
 * target's MinTlsLevel as a wire version, 0 none. */
/* ev zeroed, then the identity of an event of kind about t: index, target,
 * address, port (the up/down events of agent/recorder use it too). */
void tlswatch_event_of(const struct tw_target *t, int kind, struct monitor_event *ev);

/* Name ev's old_tls/new_tls and old_cipher/new_cipher (set before): the
 * texts and levels readers print (mevent.h). The events tlswatch_observe()
 * fills are named; the maker of a passive event (agent/pintake) calls it.
 * Pure. */
void tlswatch_event_names(struct monitor_event *ev);

void tlswatch_observe(const struct tw_target *t, struct baseline *b, const struct posture *p,
    int min_tls, const char *subject, time_t not_after, time_t now, struct tw_result *out);

/* A classification saw a certificate with not_after (0: none seen) and
 * subject at now. true when it is to be announced: ev is filled
 * (MONITOR_EV_CERT_EXPIRING). */
bool tlswatch_cert(const struct tw_target *t, struct tw_cert *st, const char *subject,
    time_t not_after, time_t now, struct monitor_event *ev);

/* Accept p (NULL: the target's next classification) as b's new baseline,
 * forgetting its active events without recovery; logs SMD1855I. */
void tlswatch_reset(const struct tw_target *t, struct baseline *b, const struct posture *p,
    time_t now);

#endif
