/* agent/verdict/tlspolicy.h: what a server's published TLS policy (DANE,
 * MTA-STS) means for one connection. Pure: no I/O.
 *
 * Inputs are the facts others gathered: the TLSA answer (struct tlsa_set,
 * filled by polfetch from a DNSSEC-validated lookup), the MTA-STS TXT record
 * and policy (struct sts_facts), and the connection's TLS facts with the
 * chain the server presented. Outputs are decided results with names, which
 * every reader prints (check --json, status --json, SNMP, metrics, events).
 *
 * DANE (RFC 7672): "valid" a usable record (usage 2 or 3) matched; "mismatch"
 * none matched, or TLS did not come up while usable records exist;
 * "no-tlsa" no TLSA record (NXDOMAIN or NODATA, secure or not), or none of
 * usage 2/3 (RFC 7672 3.1.3: such a set does not authenticate, senders
 * deliver without DANE); "insecure" records exist but the answer, or the
 * host's address records, are not DNSSEC-secure (RFC 7672 2.2.2); "bogus" validation failed (of the TLSA or of the host's
 * addresses); "error" the lookup failed (timeout, SERVFAIL).
 *
 * MTA-STS (RFC 8461): see sts_verdict().
 */
#ifndef SMTPMON_TLSPOLICY_H
#define SMTPMON_TLSPOLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "mtasts.h"

#define TLSA_SET_MAX 32

enum dane_status {
	DANE_ST_OFF,      /* not asked */
	DANE_ST_VALID, DANE_ST_MISMATCH, DANE_ST_NO_TLSA, DANE_ST_INSECURE,
	DANE_ST_BOGUS, DANE_ST_ERROR,
};

/* The TLSA answer for _PORT._tcp.HOST as received. */
struct tlsa_set {
	bool asked;
	bool error;                  /* no answer: timeout, SERVFAIL ... (why in detail) */
	bool bogus;                  /* of the TLSA or of the host's address records */
	bool secure;
	size_t n;                    /* records, in the order received */
	uint8_t *rdata[TLSA_SET_MAX]; /* owned (tlsa_set_clear) */
	uint16_t len[TLSA_SET_MAX];
	char detail[160];            /* the validator's reason for bogus, or the error */
};

struct dane_result {
	enum dane_status status;
	const char *status_name;     /* "valid" ... */
	int matched;                 /* index in the tlsa_set, -1 none */
};

enum sts_fact {
	STS_F_OFF,       /* not asked */
	STS_F_NONE,      /* no v=STSv1 TXT record: nothing fetched */
	STS_F_ERROR,     /* TXT lookup failed, or the fetch (not 200, certificate, size) */
	STS_F_INVALID,   /* TXT record or policy body does not parse */
	STS_F_POLICY,    /* a policy */
};

struct sts_facts {
	enum sts_fact kind;
	char id[MTASTS_ID_MAX + 1];  /* from the TXT record; "" unknown */
	struct mtasts_policy policy; /* STS_F_POLICY */
	char detail[200];            /* why, for ERROR and INVALID */
	bool cert_error;             /* ERROR: the policy host's certificate failed */
	time_t fetched;              /* real time of the policy fetch; 0 none */
};

struct sts_result {
	enum mtasts_status status;
	const char *status_name;     /* "enforce-ok" ... ; NULL when not asked */
	bool have_policy;            /* mode, max_age, mx, mx_match meaningful */
	bool mx_match;
	char violation[200];         /* "" none */
};

/* The decided row of both, bounded, a plain value (copied into registry
 * rows): what readers print. TLSA records longer than PV_TLSA_TEXT (only
 * matching type 0, whole certificates or keys) are cut, ending in "...";
 * more than PV_TLSA_MAX records or PV_MX_MAX patterns set the _more flags. */
#define PV_TLSA_MAX 8
#define PV_TLSA_TEXT 144             /* "3 1 2 " and a SHA-512 in hex */
#define PV_MX_MAX 8
#define PV_MX_TEXT 128
/* MIB enumerations (SmtpmonDaneStatus, SmtpmonMtaStsStatus): notChecked(1),
 * then the statuses in the order of their enums. */
#define PV_MIB_NOT_CHECKED 1
struct policy_view {
	enum dane_status dane;           /* DANE_ST_OFF: not asked, nothing else set */
	const char *dane_name;
	int dane_mib;                    /* notChecked(1) valid(2) mismatch(3) noTlsa(4)
	                                  * insecure(5) bogus(6) error(7) */
	uint8_t n_tlsa;
	bool tlsa_more;
	int8_t matched;                  /* index in tlsa, -1 none */
	char tlsa[PV_TLSA_MAX][PV_TLSA_TEXT];
	char dane_detail[160];           /* bogus: the validator's reason; error: why */
	const char *dane_event;          /* RFC 8460 result type of a failure, NULL none */
	bool sts_asked;
	enum mtasts_status sts;
	const char *sts_name;
	int sts_mib;                     /* notChecked(1) enforceOk(2) enforceViolation(3)
	                                  * testing(4) none(5) invalid(6) error(7) */
	bool sts_policy;                 /* mode, max_age, mx below are the policy's */
	const char *mode_name;
	char id[MTASTS_ID_MAX + 1];
	long max_age;
	int mx_match;                    /* 1, 0, -1 null (no policy, or mode none) */
	uint8_t nmx;
	bool mx_more;
	char mx[PV_MX_MAX][PV_MX_TEXT];
	char violation[200];
	char sts_detail[200];            /* error, invalid: why */
	const char *sts_event;           /* RFC 8460 result type of a failure, NULL none */
};

/* Frees the records; leaves an empty set. */
void tlsa_set_clear(struct tlsa_set *t);
/* Adds one RDATA (copied); false when the set is full. */
bool tlsa_set_add(struct tlsa_set *t, const uint8_t *rdata, size_t len);
/* "U S M hex" of record i (lower-case hex), cut to outsz. */
void tlsa_set_text(const struct tlsa_set *t, size_t i, char *out, size_t outsz);

/* DANE for one connection: tls_done with the presented chain (leaf first);
 * names are the reference identifiers for DANE-TA (the MX host name). */
void dane_verdict(const struct tlsa_set *t, bool tls_done, const uint8_t *const *chain,
    const size_t *chain_len, size_t nchain, const char *const *names, size_t nnames,
    time_t now, struct dane_result *out);
const char *dane_status_name(enum dane_status s);

/* MTA-STS for one connection to mx: ERROR / INVALID / NONE from the facts;
 * with a policy, mtasts_evaluate(): webpki_ok is a trusted chain valid for
 * the MX name, why_cert the reason when it is not. */
void sts_verdict(const struct sts_facts *f, const char *mx, bool tls_ok, bool webpki_ok,
    const char *why_cert, struct sts_result *out);

/* The connection's TLS standing, as the failure names need it. */
struct tls_standing {
	bool tls_done;               /* STARTTLS and the handshake completed */
	bool trusted;                /* the chain verified against the trust store */
	bool expired;                /* ... failed because a certificate expired */
	bool name_ok;                /* the certificate is valid for the MX name */
};

/* The view of both results, the failure named as RFC 8460 (4.3) names it:
 * DANE mismatch "tlsa-invalid", or "starttls-not-supported" when TLS did
 * not come up; bogus "dnssec-invalid"; MTA-STS error
 * "sts-policy-fetch-error", or "sts-webpki-invalid" when the policy
 * host's certificate failed; invalid "sts-policy-invalid"; an
 * enforce-violation "validation-failure" (MX outside the patterns),
 * "starttls-not-supported", "certificate-expired",
 * "certificate-not-trusted" or "certificate-host-mismatch". */
void policy_view_of(const struct tlsa_set *t, const struct dane_result *d,
    const struct sts_facts *sf, const struct sts_result *sr, const struct tls_standing *ts,
    struct policy_view *out);

#endif
