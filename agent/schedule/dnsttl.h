/* agent/schedule/dnsttl.h: the smallest TTL among a DNS answer's records of one type.
 *
 * c-ares' ares_parse_mx_reply() drops the TTLs, so the resolver walks the raw
 * message (RFC 1035 4.1) with this instead. Pure: no I/O, no allocation, no
 * global state. Bounded: names are skipped, never followed through
 * compression pointers, so every step moves forward through buf and a message
 * of len bytes costs O(len).
 */
#ifndef SMTPMON_DNSTTL_H
#define SMTPMON_DNSTTL_H

#include <stddef.h>
#include <stdint.h>

#define DNSTTL_CLASS_IN 1
#define DNSTTL_TYPE_A 1
#define DNSTTL_TYPE_CNAME 5
#define DNSTTL_TYPE_MX 15
#define DNSTTL_TYPE_AAAA 28

/* DNS message buf[0..len) (header, questions, answers; the authority and
 * additional sections are not read). If the answer section holds at least one
 * record of class IN and the given type, store the smallest of their TTLs in
 * *ttl and return 1; a TTL with the top bit set counts as 0 (RFC 2181 8).
 * Return 0 when there is no such record (*ttl untouched), -1 when the header,
 * a question or an answer record is truncated or holds a bad label. */
int dnsttl_min(const uint8_t *buf, size_t len, uint16_t type, uint32_t *ttl);

#endif
