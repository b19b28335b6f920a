/* agent/schedule/dnsttl.c: see dnsttl.h. */
#include "buildconf.h"
#include "dnsttl.h"

#define DNS_HEADER_LEN 12
#define DNS_NAME_MAX 255        /* octets on the wire, RFC 1035 3.1 */

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Skip the (possibly compressed) name at *pos; 0 ok, -1 malformed. */
static int
skip_name(const uint8_t *buf, size_t len, size_t *pos)
{
	size_t p = *pos, wire = 0;

	for (;;) {
		uint8_t b;

		if (p >= len)
			return -1;
		b = buf[p];
		if (b == 0) {
			*pos = p + 1;
			return 0;
		}
		if ((b & 0xC0) == 0xC0) {       /* pointer: ends the name here */
			if (len - p < 2)
				return -1;
			*pos = p + 2;
			return 0;
		}
		if ((b & 0xC0) != 0)            /* 0x40, 0x80: no such label types */
			return -1;
		wire += (size_t)b + 1;
		if (wire + 1 > DNS_NAME_MAX || len - p < (size_t)b + 1)
			return -1;
		p += (size_t)b + 1;
	}
}

int
dnsttl_min(const uint8_t *buf, size_t len, uint16_t type, uint32_t *ttl)
{
	size_t pos = DNS_HEADER_LEN;
	unsigned qd, an;
	uint32_t best = 0;
	int found = 0;

	if (buf == NULL || len < DNS_HEADER_LEN)
		return -1;
	qd = get16(buf + 4);
	an = get16(buf + 6);

	for (unsigned i = 0; i < qd; i++) {
		if (skip_name(buf, len, &pos) < 0 || len - pos < 4)
			return -1;
		pos += 4;                       /* QTYPE, QCLASS */
	}
	for (unsigned i = 0; i < an; i++) {
		uint16_t rtype, rclass, rdlen;
		uint32_t t;

		if (skip_name(buf, len, &pos) < 0 || len - pos < 10)
			return -1;
		rtype = get16(buf + pos);
		rclass = get16(buf + pos + 2);
		t = get32(buf + pos + 4);
		rdlen = get16(buf + pos + 8);
		pos += 10;
		if (len - pos < rdlen)
			return -1;
		pos += rdlen;
		if (rtype != type || rclass != DNSTTL_CLASS_IN)
			continue;
		if (t & UINT32_C(0x80000000))
			t = 0;
		if (!found || t < best)
			best = t;
		found = 1;
	}
	if (found)
		*ttl = best;
	return found;
}
