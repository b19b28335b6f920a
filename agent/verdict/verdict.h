/* agent/verdict/verdict.h: what one probe connection means, decided in one place.
 *
 * verdict_of() turns a probe's result (probes/smtp_session) and the target's
 * policy into a struct verdict: the facts as every reader shows them (server
 * type and security method with their names, codes and MIB values, the TLS
 * version's name and MIB level, the cipher suite's id, name and strength
 * class, the 40-byte appldata record with the writer, the certificate
 * summary, the EHLO capabilities, the phase timings, the failure with its
 * reply code, and the TLS posture the downgrade detector compares).
 * The failure's texts (the server's reply, the reason) are a struct
 * verdict_text of their own, drawn by verdict_text_of(): a registry row holds
 * its verdict twice (draft and published) and keeps the texts of its last
 * failure apart, so 1.25 KiB of texts in every verdict would be dead weight
 * there (issue 19: RSS per monitor connection).
 * Pure: no I/O, no clock (the caller gives now). A verdict is a plain value,
 * copied freely, kept in the registry's rows: its pointers are to static
 * strings only (the probes/ tables' names), never into the result or the
 * verdict.
 *
 * Readers (control, SNMP, reports, logs) print a verdict's fields; none maps
 * a raw value again, nor one of a baseline, a passive row or an event: those
 * carry their names too (posture.h, pview.h, mevent.h). The tables behind
 * the names are one per concept, in probes/: tlsver (TLS version), appltype
 * (server type, security method), cipher (suite names and classes).
 */
#ifndef SMTPMON_VERDICT_H
#define SMTPMON_VERDICT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "appldata.h"
#include "posture.h"
#include "rating.h"
#include "smtp_session.h"

#define VERDICT_REPLY_MAX  1024   /* a longer reply is cut (text output shows 1023) */
#define VERDICT_REASON_MAX 256

/* What a target's policy asks of the connection. */
struct verdict_policy {
	bool tls_attempted;            /* Secure Yes or an AuthEntity: the probe starts TLS */
	const char *component;         /* appldata component (APPLDATA_MONITOR) */
	const char *writer;            /* ExtWrtName, validated */
};

/* The certificate's standing, as SmtpmonCertVerify counts it. */
enum verdict_cert {
	VERDICT_CERT_UNKNOWN = 1,      /* no TLS, no certificate, or not checked */
	VERDICT_CERT_OK = 2,
	VERDICT_CERT_UNTRUSTED = 3,    /* the chain does not verify */
	VERDICT_CERT_EXPIRED = 4,      /* ... or is not yet valid */
	VERDICT_CERT_MISMATCH = 5,     /* verifies, but not for the name asked */
};

struct verdict {
	/* the server */
	enum appl_server_type server_type;
	const char *type_name;         /* "ESMTP"; NULL unknown */
	const char *type_code;         /* "E"; NULL unknown */
	int type_mib;                  /* SmtpmonServerType; APPL_MIB_UNKNOWN */
	enum appl_security security;   /* as the probe recorded it */
	const char *security_name;     /* of security, NULL unknown */
	int security_mib;              /* the MIB's method of security; APPL_MIB_UNKNOWN */
	const char *method_name;       /* the method shown: "TLS" with TLS, else "basic" */
	const char *method_code;       /* ... and its appldata letter, "T" or "B" */
	bool ehlo_seen;                /* an EHLO 250 reply */
	bool starttls_offered;         /* in the EHLO reply before TLS */
	struct smtp_caps caps_pre;     /* EHLO capabilities before TLS */
	struct smtp_caps caps_tls;     /* after TLS */
	bool caps_tls_seen;            /* TLS done and an EHLO reply after it */
	bool auth_done;
	char banner[128];              /* first greeting line */

	/* TLS: the fields below hold when tls_done */
	bool tls_done;
	struct tls_info tls;           /* version, suite, group, certificate summary */
	const char *tls_name;          /* "TLSv1.3"; NULL: no TLS */
	int tls_mib;                   /* SmtpmonTlsLevel; TLSVER_MIB_NONE without TLS */
	int32_t cipher_id;             /* IANA id; -1 none */
	char cipher_hex[8];            /* "0x1302"; "" none */
	int cipher_class;              /* enum cipher_class; 0 none */
	const char *class_name;        /* cipher_class named: "good"; NULL none */
	bool cert_seen;                /* a certificate was presented */
	bool cert_verified;            /* ... and its chain verified */
	enum verdict_cert cert_status;
	/* the NCSC-NL 2025-05 rating (probes/rating) and the names of its classes,
	 * NULL where unknown; all NULL without TLS */
	struct rating rating;
	struct rating_names rnames;

	/* the record and the posture */
	char appldata[APPLDATA_LEN + 1];
	struct posture posture;        /* judged at the time given to verdict_of() */

	/* the connection */
	char local[64];                /* "ADDR:PORT"; "" unknown */
	struct smtp_timings t;         /* phase round trips, us */
	uint64_t noop_rtt;             /* last NOOP round trip, us */
	unsigned noops;

	/* the failure, if any */
	enum smtp_fail fail;           /* SMTP_F_NONE: none */
	enum smtp_state fail_state;
	const char *fail_name;         /* smtp_fail_name(); NULL none */
	int reply_code;                /* of the reply that caused it; 0 none */
};

/* The texts of a verdict's failure. */
struct verdict_text {
	char reply[VERDICT_REPLY_MAX]; /* the whole reply that caused it; "" none */
	char reason[VERDICT_REASON_MAX]; /* "" none */
};

/* The verdict of r under p; now judges the certificate's dates. */
void verdict_of(const struct smtp_result *r, const struct verdict_policy *p, time_t now,
    struct verdict *out);

/* The texts of r's failure (both "" without one). */
void verdict_text_of(const struct smtp_result *r, struct verdict_text *out);

/* The verdict of a connection that has told nothing yet: every fact
 * unknown, the record blank but for the component and writer. */
void verdict_blank(const char *component, const char *writer, struct verdict *out);

/* The posture of v judged at now (a reader showing the current posture
 * later than the classification). */
void verdict_posture(const struct verdict *v, bool tls_attempted, time_t now,
    struct posture *out);

/* The same facts with the failure of a later connection laid over (a row
 * down since: its last classification and why it is down now); its texts
 * go to txt, which may be NULL (reply and reason NULL: ""). */
void verdict_set_failure(struct verdict *v, struct verdict_text *txt, enum smtp_fail fail,
    enum smtp_state st, int reply_code, const char *reply, const char *reason);

/* txt holds reply and reason (NULL: ""), cut to their sizes. */
void verdict_text_set(struct verdict_text *txt, const char *reply, const char *reason);

#endif
