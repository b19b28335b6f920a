/* agent/output/httpneg.h: which of a page's representations an HTTP client
 * asked for, from its Accept header (RFC 9110 section 12.5.1). Pure, over
 * the header's text.
 *
 * Each offer is a media type and an optional "version" parameter
 * ("text/plain" "0.0.4"). An Accept element matches an offer when its type
 * is the offer's (letter case ignored), "TYPE/ *" of its type, or "* / *",
 * and, if the element names a version, it is the offer's. The offer's
 * weight is the q of the most specific element that matches it (exact over
 * TYPE/ * over * / *; q absent = 1, malformed = 0). The heaviest offer with
 * weight > 0 wins, the first offered on a tie; with no Accept header (NULL
 * or empty) the first offer wins. Only the first HTTPNEG_MAX_BYTES of the
 * header and its first HTTPNEG_MAX_ELEMS elements are read.
 */
#ifndef SMTPMON_HTTPNEG_H
#define SMTPMON_HTTPNEG_H

#include <stddef.h>

#define HTTPNEG_MAX_BYTES 2048
#define HTTPNEG_MAX_ELEMS 32

struct httpneg_offer {
	const char *type;      /* "application/openmetrics-text" */
	const char *version;   /* "1.0.0"; NULL: any */
};

/* The index of the offer chosen, or -1 when the header accepts none. */
int httpneg_choose(const char *accept, const struct httpneg_offer *offers, size_t n);

#endif
