/* agent/verdict/pserver.h: what the wire shows of each SMTP server, and its alerts.
 *
 * Pure (no I/O; time comes in with each session): one row per server address
 * and port seen by the passive probe, built from the sessions that
 * probes/passive hands over, and the rules that turn a session into alerts.
 * Used by smtpmond (monitor thread, rows copied into the registry) and by
 * `smtpmonctl pcap` alike.
 *
 * Events of one session (names as the SNMP notification and syslog carry):
 *   starttls-stripped   the plaintext EHLO reply lacks STARTTLS, and the
 *                       server is known to offer it: from an earlier
 *                       session of its passive history or from the active
 *                       probe (struct pserver_hint)
 *   starttls-mangled    STARTTLS overwritten (XXXXXXXA) in the EHLO reply,
 *                       or the client's command overwritten (XXXXXXXX)
 *   starttls-refused    the STARTTLS command answered 4xx/5xx by a server
 *                       that offers it (this session's EHLO, or known)
 *   starttls-plaintext  a 220 to STARTTLS followed by plaintext
 *   tls-version-lowered the negotiated version is below the server's
 *                       baseline (the best version of its passive history,
 *                       or the active probe's baseline if higher) although
 *                       the client offered the baseline version: the
 *                       server, not an old client, chose less
 * An event is announced on the first session that shows it and stays in
 * force (no repeat) until a clean session clears it: STARTTLS offered (or
 * implicit TLS) and TLS negotiated at or above the baseline, from the
 * client address that showed the event, or from any client once the event
 * has been in force for PSERVER_EVENT_EXPIRE_S (a server that leaves
 * STARTTLS out for one client on purpose is announced once a day, not at
 * every session of that client). A 421 to STARTTLS is the server closing,
 * not a refusal. At most PSERVER_FLAP_MAX
 * announcements of one event per server per PSERVER_FLAP_WINDOW_S; beyond
 * that the alert is returned with .suppressed set (log it, do not send it).
 *
 * A row carries the names of its values (pview.h) and an alert those of
 * its versions, decided here from the probes/ tables: readers print them.
 *
 * The table holds at most max rows; sessions of further servers are counted
 * (pserver_dropped) and produce no row and no alert.
 */
#ifndef SMTPMON_PSERVER_H
#define SMTPMON_PSERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "passive.h"
#include "pview.h"

#define PSERVER_MAX_DEFAULT 10000
#define PSERVER_FLAP_MAX 4
#define PSERVER_FLAP_WINDOW_S 3600
#define PSERVER_EVENT_EXPIRE_S 86400

enum ps_event {
	PS_EV_STRIPPED,
	PS_EV_MANGLED,
	PS_EV_REFUSED,
	PS_EV_PLAINTEXT,
	PS_EV_VERSION_LOWERED,
	PS_EV_COUNT
};


struct pserver_alert {
	enum ps_event ev;
	bool suppressed;              /* over the flap limit: log only */
	char server[64], client[64];
	uint16_t old_tls, new_tls;    /* the server's TLS baseline then (0 none), the session's */
	const char *old_tls_name, *new_tls_name;  /* ... named; NULL none or unknown */
	int32_t cipher_id;            /* the session's, -1 none */
	char detail[PSERVER_TEXT];    /* e.g. "EHLO reply without STARTTLS" */
	time_t when;
};

/* What the active probe knows of the same address and port. */
struct pserver_hint {
	bool starttls;                /* it saw STARTTLS offered */
	uint16_t baseline_tls;        /* its TLS baseline version; 0 none */
};

struct pserver_table;

struct pserver_table *pserver_new(size_t max, const char *writer);
void pserver_free(struct pserver_table *t);

/* Take one session in. hint may be NULL. Alerts (at most PS_EV_COUNT) go
 * into alerts[], their count into *n_alerts. The session's 40-byte record
 * goes into appldata[41] (always, even when the table is full). Returns the
 * server's row (valid until the next call that adds rows), NULL when the
 * table is full. */
const struct pserver_view *pserver_observe(struct pserver_table *t,
    const struct passive_session *s, const struct pserver_hint *hint,
    struct pserver_alert *alerts, size_t *n_alerts, char appldata[41]);

/* Fill v's names (pview.h) from its values, from the probes/ tables:
 * pserver_observe() does for its rows; pure. */
void pserver_view_names(struct pserver_view *v);

/* Rows in index order; i < pserver_count(). */
size_t pserver_count(const struct pserver_table *t);
const struct pserver_view *pserver_at(const struct pserver_table *t, size_t i);
uint64_t pserver_dropped(const struct pserver_table *t);

const char *ps_event_name(enum ps_event ev);
/* The appldata record of one session. */
void pserver_session_appldata(const struct passive_session *s, const char *writer,
    char out[41]);

#endif
