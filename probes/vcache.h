/* probes/vcache.h: remembered results of certificate-chain verification.
 *
 * A pure table (no OpenSSL, no clock of its own): probes/tls.c keys it by a
 * SHA-256 of the chain a server presented and stores the X509_V_* code
 * that X509_verify_cert() gave. An entry answers only while all of these
 * hold, so that a hit gives exactly the code a fresh verification would:
 *   - the same key (the same certificates, in the same order);
 *   - the same trust-store generation (gen: the caller's summary of the
 *     store, e.g. its file's stat());
 *   - the time of the question lies in the entry's window [lo, hi): the
 *     span between two consecutive validity bounds (notBefore, notAfter)
 *     of the certificates involved, inside which no certificate changes
 *     from not yet valid to valid or from valid to expired. A chain
 *     verified while valid is verified again once a certificate expires;
 *     one found expired stays expired;
 *   - at most ttl seconds since it was stored (and not stored "later" than
 *     now: a clock set back empties the entry).
 * Direct-mapped, fixed size: a new entry replaces the one in its slot. */
#ifndef SMTPMON_VCACHE_H
#define SMTPMON_VCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VCACHE_KEY_LEN 32

struct vcache;

/* 2^slots_log2 entries (1..20). */
struct vcache *vcache_new(unsigned slots_log2);
void vcache_free(struct vcache *c);

/* The code stored for key under gen, if the entry answers at now. */
bool vcache_get(const struct vcache *c, const uint8_t key[VCACHE_KEY_LEN], uint64_t gen,
    int64_t now, int64_t ttl, long *code);
/* Remember code for key under gen, stored at now, answering in [lo, hi). */
void vcache_put(struct vcache *c, const uint8_t key[VCACHE_KEY_LEN], uint64_t gen, int64_t now,
    int64_t lo, int64_t hi, long code);

/* The window around now of a set of validity bounds: lo is the latest
 * bound <= now (INT64_MIN if none), hi the earliest bound > now (INT64_MAX
 * if none). A certificate is valid from notBefore (inclusive) and expired
 * from notAfter (inclusive), as X509_verify_cert() judges. */
void vcache_window(const int64_t *bounds, size_t n, int64_t now, int64_t *lo, int64_t *hi);

#endif
