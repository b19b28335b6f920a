/* agent/verdict/mevent.h: what the monitor announces: a target down or up, a
 * certificate near its end, a TLS downgrade or recovery, a passive alert.
 * The monitor fills a struct monitor_event and hands it to its event hook
 * (monitor_set_event_hook()); the SNMP subagent turns it into a
 * notification. Whoever makes a TLS or passive event names its versions and
 * suites once (tlswatch_event_names()); readers (traps, AlertCommand) print
 * the names and map no raw value again. A plain value, copied freely: its
 * only pointers are to the probes/ tables' static strings.
 */
#ifndef SMTPMON_MEVENT_H
#define SMTPMON_MEVENT_H

#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

/* A target's availability changed: what the SNMP notifications carry. */
enum monitor_event_kind {
	MONITOR_EV_DOWN = 1,
	MONITOR_EV_UP = 2,
	MONITOR_EV_CERT_EXPIRING = 3,  /* certificate within MONITOR_CERT_WARN_DAYS, or expired */
	MONITOR_EV_TLS_DOWNGRADE = 4,  /* a downgrade event (agent/verdict/downgrade.h) */
	MONITOR_EV_TLS_RECOVERED = 5,  /* ... the dimension is back at the baseline */
	MONITOR_EV_TLS_INFO = 6,       /* certificate-changed (informational) */
	MONITOR_EV_PASSIVE = 7,        /* a passive probe alert (agent/verdict/pserver.h) */
};

/* A certificate this close to its end (days) is announced, once per
 * certificate, and once more when it has expired. */
#define MONITOR_CERT_WARN_DAYS 30

struct monitor_event {
	int kind;                      /* MONITOR_EV_DOWN / MONITOR_EV_UP */
	uint32_t index;                /* the registry row's index */
	char target[64];               /* "ADDR:PORT" */
	struct sockaddr_storage addr;
	uint16_t port;
	char last_reply[512];          /* the reply that caused DOWN; "" none or UP */
	time_t cert_not_after;         /* CERT_EXPIRING: the certificate's notAfter (UTC) */
	int cert_days_left;            /* CERT_EXPIRING: whole days left, negative when expired */
	char tls_event[32];            /* TLS_*: the event name, e.g. "tls-version-lowered" */
	uint16_t old_tls, new_tls;     /* TLS_*: wire versions, 0 none */
	int32_t old_cipher, new_cipher; /* TLS_*: IANA ids, -1 none */
	/* TLS_*, PASSIVE: the four values above named (tlswatch_event_names()) */
	char old_tls_text[8], new_tls_text[8];  /* "none", "TLSv1.2", "0x7f1c" (unknown) */
	int old_tls_mib, new_tls_mib;  /* SmtpmonTlsLevel; TLSVER_MIB_NONE none or unknown */
	const char *old_cipher_name, *new_cipher_name;  /* IANA; NULL none or unknown */
	char old_cipher_text[8], new_cipher_text[8];     /* name NULL: "none", "0x00ff" */
	/* TLS_* of rating-lowered: the overall classes (probes/rating names) and
	 * the component that fell; NULL otherwise or unknown */
	const char *old_rating, *new_rating, *rating_part;
	char name[128];                /* TargetName / TargetMx domain, "" for TargetIP */
	time_t when;
	/* PASSIVE: index is the passive row's (smtpmonPassiveServerTable), target
	 * and addr/port the server's, tls_event the event name (ps_event_name()),
	 * old_tls the baseline and new_tls/new_cipher the session's */
	char client[64];               /* PASSIVE: the client's "ADDR:PORT" */
	char detail[128];              /* PASSIVE: what was seen; TLS_*: what failed, in
	                                * words (rating-lowered, a DANE/MTA-STS
	                                * failure), "" none */
};

typedef void monitor_event_fn(const struct monitor_event *ev, void *arg);

#endif
