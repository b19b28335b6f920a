/* probes/mtasts.h: MTA-STS (RFC 8461) parsing and decisions, pure and bounded.
 *
 * No DNS, no HTTP, no allocation: others fetch the TXT records of
 * _mta-sts.DOMAIN and the policy body; this module parses what they got and
 * decides what one MX means under the policy.
 *
 * TXT (3.1): a record is an MTA-STS record when it begins with "v=STSv1"
 * followed by its end, ';' or a blank ("v=spf1 ...", "v=STSv10" are someone
 * else's and ignored). None: no policy; more than one: invalid. The one is
 * "v=STSv1" then ";"-separated fields, blanks allowed around each ';', the
 * final ';' optional; "id=" 1-32 letters and digits is required and appears
 * once; any other field must be a well-formed extension (name 1-32 of
 * [A-Za-z0-9_.-] starting alphanumeric, "=", 1+ printable octets but ';' and
 * '=') and is ignored. Names are case-sensitive. A record over MTASTS_TXT_MAX
 * octets or holding a NUL is invalid.
 *
 * Policy (3.2): lines "key: value" ended by LF or CRLF (the last line's end
 * optional). Keys are case-sensitive names as above; blanks after ':' and at
 * the line's end are dropped; a value is 1+ printable octets (blanks inside,
 * 8-bit octets allowed). "version: STSv1", "mode: enforce|testing|none" and
 * "max_age: 0..31557600" (1-10 digits) are required, each once; "mx:" is
 * repeated, in order, required unless mode is none, at most MTASTS_MX_MAX,
 * each ["*."]Domain (RFC 5321 labels, at most 253 octets), kept lower-cased.
 * Other keys are ignored. Blank lines at the very end are tolerated.
 * Anything else (a line without ':', an empty line inside,
 * a NUL, a body over MTASTS_BODY_MAX) makes the policy invalid.
 *
 * MX matching (4.1): "mail.example.com" matches that name exactly, letter
 * case and one trailing dot (of either) aside; "*.example.com" matches exactly
 * one extra leftmost label; a '*' anywhere else never matches; an MX with an
 * empty label or a '*' matches nothing.
 */
#ifndef SMTPMON_MTASTS_H
#define SMTPMON_MTASTS_H

#include <stdbool.h>
#include <stddef.h>

#define MTASTS_ID_MAX 32          /* 1*32(ALPHA / DIGIT) */
#define MTASTS_MX_MAX 32          /* mx patterns kept; more is invalid */
#define MTASTS_BODY_MAX 65536     /* bytes; a longer body is the fetcher's error, parse refuses too */
#define MTASTS_MAX_AGE_MAX 31557600
#define MTASTS_TXT_MAX 4096       /* octets of one STS TXT record; longer is invalid */
#define MTASTS_NAME_MAX 253       /* octets of a domain name, no trailing dot */

enum mtasts_txt { MTASTS_TXT_NONE, MTASTS_TXT_OK, MTASTS_TXT_INVALID };

/* Choose the policy record among the n TXT records of _mta-sts.DOMAIN (each
 * the concatenation of its character-strings, len[i] octets; len NULL: each
 * NUL-terminated; a NULL record is skipped). OK fills id (NUL-terminated);
 * otherwise id is "". */
enum mtasts_txt mtasts_txt_pick(const char *const *txt, const size_t *len, size_t n,
    char id[MTASTS_ID_MAX + 1]);

enum mtasts_mode { MTASTS_MODE_ENFORCE, MTASTS_MODE_TESTING, MTASTS_MODE_NONE };

struct mtasts_policy {
	enum mtasts_mode mode;
	long max_age;                   /* seconds, 0..MTASTS_MAX_AGE_MAX */
	size_t nmx;
	char mx[MTASTS_MX_MAX][256];    /* patterns in policy order, lower-cased */
};

/* Parse a policy body of len octets. True: *out filled, err "". False: *out
 * zeroed, a short reason in err ("line 3: mode: bad value"). err may be NULL
 * when errlen is 0. */
bool mtasts_policy_parse(const char *body, size_t len, struct mtasts_policy *out,
    char *err, size_t errlen);

/* One pattern against one MX host name (both NUL-terminated). */
bool mtasts_mx_match(const char *pattern, const char *mx);
/* True when any of the policy's patterns matches mx. */
bool mtasts_policy_mx_match(const struct mtasts_policy *p, const char *mx);

enum mtasts_status {
	MTASTS_ENFORCE_OK,        /* enforce: mx listed, TLS up, certificate valid */
	MTASTS_ENFORCE_VIOLATION, /* enforce: a sender must not deliver to this mx */
	MTASTS_TESTING,           /* testing: delivered regardless, failures reported */
	MTASTS_NONE,              /* mode none, or no STS record */
	MTASTS_INVALID,           /* the record or the policy is invalid (callers) */
	MTASTS_ERROR,             /* the policy could not be fetched (callers); no policy given */
};

/* "enforce-ok", "enforce-violation", "testing", "none", "invalid", "error" */
const char *mtasts_status_name(enum mtasts_status s);
/* "enforce", "testing", "none" */
const char *mtasts_mode_name(enum mtasts_mode m);

struct mtasts_eval {
	enum mtasts_status status;
	bool mx_match;        /* mx matches a pattern of the policy */
	char violation[200];  /* the first failed check, printable ASCII; "" when none */
};

/* One MX against a parsed policy (RFC 8461 4.2, 5). tls_ok: STARTTLS was
 * offered and the handshake completed; webpki_ok: the certificate chains to
 * a trusted root and is valid for the MX name; why_cert: short text when
 * !webpki_ok ("certificate not trusted: self-signed certificate"), copied
 * into violation. The checks, in order: "mx NAME not in policy", "STARTTLS
 * not offered or TLS failed", why_cert (or "certificate not valid for mx").
 * Mode none: NONE, violation "". Testing: TESTING, violation the first check
 * that would have failed or "". Enforce: ENFORCE_OK, or ENFORCE_VIOLATION
 * with the first failed check. p NULL: ERROR ("no policy"). mx_match is
 * filled in every mode. */
void mtasts_evaluate(const struct mtasts_policy *p, const char *mx, bool tls_ok,
    bool webpki_ok, const char *why_cert, struct mtasts_eval *out);
/* The same, with the caller's text for !tls_ok ("STARTTLS not offered",
 * "TLS failed: handshake failure"); why_tls NULL or "" gives the text above. */
void mtasts_evaluate_why(const struct mtasts_policy *p, const char *mx, bool tls_ok,
    const char *why_tls, bool webpki_ok, const char *why_cert, struct mtasts_eval *out);

#endif
