/* probes/dane.h: DANE for SMTP (RFC 7672, RFC 7671, RFC 6698): TLSA record
 * parsing and matching against the chain a server presented. Pure: no DNS,
 * no sockets; OpenSSL 3 parses, hashes and verifies.
 *
 * Only DANE-TA(2) and DANE-EE(3) count for SMTP (RFC 7672 3.1.3); PKIX-TA(0)
 * and PKIX-EE(1) records are ignored, as are selectors other than Cert(0) and
 * SPKI(1) and matching types other than Full(0), SHA2-256(1), SHA2-512(2).
 *
 * DANE-EE(3): the leaf's certificate or SubjectPublicKeyInfo matches the
 * record; nothing else is checked (no name, no expiry: RFC 7672 3.1.1).
 * DANE-TA(2): a certificate the server presented after the leaf matches the
 * record (a trust anchor the server does not present is not assumed: RFC
 * 7671 5.2.2; the leaf itself, or a copy of it, is never the trust anchor,
 * as in OpenSSL's DANE), the leaf chains to it through the other presented
 * certificates, valid at `now`, and the leaf carries one of the reference
 * names (X509_check_host: a wildcard only as the whole leftmost label; one
 * trailing dot of a name is ignored). With no names a DANE-TA record never
 * matches.
 *
 * Bounded: at most DANE_MAX_CHAIN certificates are looked at (the rest are
 * ignored), each at most DANE_MAX_CERT octets and parsed in full (trailing
 * octets make it unparsable). A certificate that does not parse matches
 * nothing; a leaf that does not parse makes the usable records MISMATCH.
 * Nothing is kept between calls; everything allocated is freed.
 */
#ifndef SMTPMON_DANE_H
#define SMTPMON_DANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define DANE_MAX_RECORDS 32
#define DANE_MAX_DATA 4096          /* longest association data kept (matching type 0 carries whole certs/SPKIs) */
#define DANE_MAX_CHAIN 10           /* certificates looked at, leaf first */
#define DANE_MAX_CERT 65536         /* longest DER certificate accepted */

#define DANE_USAGE_DANE_TA 2
#define DANE_USAGE_DANE_EE 3

struct dane_tlsa {
	uint8_t usage, selector, mtype;
	uint16_t len;
	uint8_t data[DANE_MAX_DATA];
};

/* One TLSA RDATA in wire form (RFC 6698 2.1); false if shorter than 4 bytes,
 * longer data than DANE_MAX_DATA, or a hash of the wrong length for mtype 1
 * (32) / 2 (64). Other usages, selectors and mtypes parse (they are judged
 * by dane_match). */
bool dane_tlsa_parse(const uint8_t *rdata, size_t len, struct dane_tlsa *out);

/* "U S M hex" with lower-case hex, as presentation form; returns the length
 * it needs (snprintf-like, always NUL-terminated when outsz > 0). */
size_t dane_tlsa_format(const struct dane_tlsa *t, char *out, size_t outsz);
/* The same of one TLSA RDATA as received, parsed or not (at least 3 octets,
 * else ""): how a record set is listed. */
size_t dane_rdata_format(const uint8_t *rdata, size_t len, char *out, size_t outsz);

/* NO_USABLE: no record of usage 2 or 3 with a known selector (0,1) and mtype (0,1,2) */
enum dane_match { DANE_MATCHED, DANE_MISMATCH, DANE_NO_USABLE };

/* chain[0] is the leaf, as presented; names: reference identifiers for
 * DANE-TA name checks (the TLSA base domain, i.e. the MX host name, and
 * optionally others). now: for validity checks under DANE-TA. On
 * DANE_MATCHED *matched (may be NULL) gets the index of the record that
 * matched (the first in record order), else -1. At most DANE_MAX_RECORDS
 * records are looked at. */
enum dane_match dane_match(const struct dane_tlsa *recs, size_t nrecs,
    const uint8_t *const *chain, const size_t *chain_len, size_t nchain,
    const char *const *names, size_t nnames, time_t now, int *matched);

/* "matched", "mismatch", "no-usable" */
const char *dane_match_name(enum dane_match m);

#endif
