/* agent/verdict/pview.h: one server as the passive probe sees it: the row that
 * agent/pserver keeps and the registry publishes (smtpmonPassiveServerTable,
 * `status --passive`). A plain value, no functions here.
 */
#ifndef SMTPMON_PVIEW_H
#define SMTPMON_PVIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define PSERVER_TEXT 128

struct pserver_view {
	uint32_t index;               /* stable, from 1, never reused */
	char target[64];              /* "ADDR:PORT" */
	int family;
	uint8_t addr[16];
	uint16_t port;
	char server_type;             /* 'E' 'S', ' ' never determined (the last determined) */
	bool ehlo_seen;               /* a plaintext EHLO reply was seen ... */
	bool starttls_offered;        /* ... and the last one offered STARTTLS */
	bool starttls_known;          /* offered in any session (or known to the active probe) */
	char auth_pretls[96];         /* mechanisms of the last EHLO reply */
	uint16_t tls_version;         /* the last TLS session's; 0 none */
	int32_t cipher_id;            /* ... IANA id; -1 none */
	uint16_t best_tls;            /* the passive baseline: best version negotiated */
	time_t cert_not_after;        /* last certificate seen (TLS <= 1.2); 0 none */
	char sni[PSERVER_TEXT];       /* last SNI asked for */
	char banner[PSERVER_TEXT];    /* last banner line */
	char mangled[16];             /* last mangled keyword seen */
	char last_client[64];
	char last_security;           /* 'T' 'B' ' ' of the last session */
	char appldata[41];            /* the record of the last session */
	uint64_t sessions, sessions_tls, sessions_plain;  /* sessions - tls - plain: undetermined */
	uint64_t alerts;              /* announced */
	uint32_t events;              /* 1u << enum ps_event in force */
	char last_event[32];          /* name, "" none */
	char last_event_client[64];
	char last_event_detail[PSERVER_TEXT];
	time_t last_event_at;
	time_t first_seen, last_seen;
};

#endif
