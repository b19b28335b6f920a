/* agent/output/report.h: how one probe connection's result is shown to users.
 *
 * The JSON object (keys of doc/design.md "--json output"), the one-line
 * summary used by status lines, and small text helpers. Shared by
 * `smtpmonctl check` and, later, the daemon's status output, so every
 * interface shows the same facts the same way.
 */
#ifndef SMTPMON_REPORT_H
#define SMTPMON_REPORT_H

#include <stddef.h>
#include <time.h>

#include "json.h"
#include "tlspolicy.h"
#include "verdict.h"

struct report_target {
	const char *target;     /* "ADDR:PORT" */
	const char *name;       /* configured host name or NULL */
	const char *state;      /* state text shown */
	const char *writer;     /* ExtWrtName, validated */
	const char *component;  /* APPLDATA_MONITOR ... */
};

/* Write the JSON object for one connection's verdict and the texts of its
 * failure (txt NULL: none). */
void report_json(struct json *j, const struct report_target *t, const struct verdict *v,
    const struct verdict_text *txt);
/* The same keys without the enclosing braces, so a caller can add its own. */
void report_json_fields(struct json *j, const struct report_target *t,
    const struct verdict *v, const struct verdict_text *txt);

/* The "dane" and "mta_sts" keys of a connection (doc/design.md), each only
 * when asked (status not OFF); each with "failure", the RFC 8460 result type
 * of what fails now, or null. More than PV_TLSA_MAX records or PV_MX_MAX
 * patterns add "tlsa_truncated" / "mx_truncated": true. */
void report_policy_json(struct json *j, const struct policy_view *pv);

/* The "rating" key: {"guideline": "NCSC-NL 2025-05", "overall": ...,
 * "tls_version": ..., "cipher": ..., "key_exchange": ..., "cert_key": ...,
 * "cert_signature": ...}, null where unknown; the same for a target and a
 * passive server row. */
struct rating_names;
void report_rating_json(struct json *j, const struct rating_names *n);

/* "2035-01-01T00:00:00Z"; "" for 0. */
void report_iso8601(time_t t, char *out, size_t outsz);

#endif
