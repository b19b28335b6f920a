/* agent/verdict/pview.h: one server as the passive probe sees it: the row that
 * agent/pserver keeps and the registry publishes (smtpmonPassiveServerTable,
 * `status --passive`), with the names of its values, decided by pserver
 * when it updates the row: readers print them and map no raw value again.
 * A plain value (pointers only to the probes/ tables' static strings), no
 * functions here.
 */
#ifndef SMTPMON_PVIEW_H
#define SMTPMON_PVIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "rating.h"

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
	/* the NCSC-NL 2025-05 rating (probes/rating.h) of the last TLS session,
	 * from what the wire shows in clear: version, suite, the group (TLS 1.3
	 * key_share, TLS <= 1.2 ServerKeyExchange) and, TLS <= 1.2 only, the
	 * leaf's key and signature (TLS 1.3 encrypts the certificate: those two
	 * unknown, overall over the rest); every class unknown before any TLS */
	struct rating rating;

	/* the names of the values above (probes/ tables), as readers show them */
	const char *type_name;        /* of server_type: "ESMTP"; NULL unknown */
	int type_mib;                 /* SmtpmonServerType; APPL_MIB_UNKNOWN */
	const char *security_name;    /* of last_security: "TLS"; NULL unknown */
	int security_mib;             /* the MIB's method; APPL_MIB_UNKNOWN */
	const char *tls_name;         /* of tls_version: "TLSv1.3"; NULL none or unknown */
	char tls_text[8];             /* "none", "TLSv1.3", or "0x7f1c" (not in the table) */
	int tls_mib;                  /* SmtpmonTlsLevel; TLSVER_MIB_NONE */
	const char *best_tls_name;    /* of best_tls; NULL none or unknown */
	int best_tls_mib;             /* SmtpmonTlsLevel; TLSVER_MIB_NONE */
	const char *cipher_name;      /* of cipher_id: IANA name; NULL none or unknown */
	char cipher_text[8];          /* cipher_id >= 0 and no name: "0x00ff"; else "" */
	char cipher_hex[8];           /* cipher_id 0..0xffff: "0x1302" (as the verdict's); else "" */
	const char *class_name;       /* cipher_id >= 0: its class, "good" .. "unknown" */
	int class_mib;                /* SmtpmonCipherClass; 1 none */
	struct rating_names rnames;
	                              /* rating_class_name() of rating's; NULL unknown */
};

#endif
