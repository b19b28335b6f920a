/* probes/tls_wire.c: see tls_wire.h. */
#include "buildconf.h"
#include "tls_wire.h"
#include "cipher.h"

#include <stdio.h>
#include <stddef.h>
#include <string.h>

#define CT_CCS 20
#define CT_ALERT 21
#define CT_HANDSHAKE 22
#define CT_APPDATA 23
#define CT_HEARTBEAT 24

#define HS_CLIENT_HELLO 1
#define HS_SERVER_HELLO 2
#define HS_CERTIFICATE 11
#define HS_SERVER_KEY_EXCHANGE 12
#define HS_CERTIFICATE_STATUS 22

#define EXT_SERVER_NAME 0
#define EXT_SUPPORTED_VERSIONS 43
#define EXT_KEY_SHARE 51

#define PLAIN_MAX 16384          /* TLSPlaintext.length <= 2^14 */
#define CIPHER_MAX (16384 + 2048) /* TLSCiphertext.length <= 2^14 + 2048 */
#define V2_HELLO_MIN 28          /* 3 + 6 header octets, 3 cipher spec, 16 challenge */

/* What the next handshake message of this direction must be. */
enum phase {
	PH_HELLO,   /* ClientHello / ServerHello (or HelloRetryRequest) */
	PH_HELLO2,  /* server after HelloRetryRequest: the real ServerHello */
	PH_CERT,    /* server, TLS <= 1.2: Certificate, or whatever replaces it */
	PH_SKE,     /* server, TLS <= 1.2, after the Certificate: ServerKeyExchange */
	PH_AFTER,   /* nothing more is parsed */
};

/* RFC 8446 4.1.3: SHA-256("HelloRetryRequest") */
static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02,
	0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e,
	0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};
static const uint8_t downgrd[7] = { 0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44 };

/* ---- a bounded reader over one buffer ---- */

struct rd {
	const uint8_t *p;
	size_t len;
};

static size_t
rd_left(const struct rd *r)
{
	return r->len;
}

static bool
rd_bytes(struct rd *r, size_t n, const uint8_t **out)
{
	if (n > r->len)
		return false;
	if (out != NULL)
		*out = r->p;
	r->p += n;
	r->len -= n;
	return true;
}

static bool
rd_u8(struct rd *r, uint8_t *v)
{
	const uint8_t *b;

	if (!rd_bytes(r, 1, &b))
		return false;
	*v = b[0];
	return true;
}

static bool
rd_u16(struct rd *r, uint16_t *v)
{
	const uint8_t *b;

	if (!rd_bytes(r, 2, &b))
		return false;
	*v = (uint16_t)(b[0] << 8 | b[1]);
	return true;
}

/* A vector with a 1- or 2-octet length prefix: *sub covers its contents. */
static bool
rd_vec(struct rd *r, unsigned lenbytes, struct rd *sub)
{
	size_t n;
	uint8_t n8;
	uint16_t n16;

	if (lenbytes == 1) {
		if (!rd_u8(r, &n8))
			return false;
		n = n8;
	} else {
		if (!rd_u16(r, &n16))
			return false;
		n = n16;
	}
	sub->p = r->p;
	sub->len = n;
	return rd_bytes(r, n, NULL);
}

static uint32_t
get24(const uint8_t *b)
{
	return (uint32_t)b[0] << 16 | (uint32_t)b[1] << 8 | b[2];
}

/* ---- small helpers ---- */

static bool
is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static bool
is_tls13(uint16_t v)
{
	return v == 0x0304 || (v & 0xff00) == 0x7f00; /* 0x7fxx: drafts */
}

const char *
tls_wire_status_name(enum tls_wire_status s)
{
	switch (s) {
	case TLS_WIRE_MORE: return "more";
	case TLS_WIRE_DONE: return "done";
	case TLS_WIRE_NOT_TLS: return "not-tls";
	case TLS_WIRE_ERROR: return "error";
	}
	return "unknown";
}

/* ---- certificate validity ---- */

/* One DER element header at *off (below end): tag and content length; the
 * content must start within end, it may run past it (a truncated prefix). */
static bool
der_next(const uint8_t *p, size_t end, size_t *off, uint8_t *tag, size_t *clen)
{
	size_t o = *off, n, l = 0;

	if (o + 2 > end)
		return false;
	*tag = p[o++];
	if (p[o] < 0x80) {
		l = p[o++];
	} else {
		n = p[o++] & 0x7f;
		if (n == 0 || n > 4 || o + n > end)
			return false;
		while (n--)
			l = l << 8 | p[o++];
	}
	*off = o;
	*clen = l;
	return true;
}

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool
der_time(uint8_t tag, const uint8_t *p, size_t len, int64_t *out)
{
	unsigned v[7], n = tag == 0x17 ? 13 : 15, i, k = 0;
	int64_t year;

	if ((tag != 0x17 && tag != 0x18) || len != n || p[n - 1] != 'Z')
		return false;
	for (i = 0; i < n - 1; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	if (tag == 0x17) {
		year = (p[0] - '0') * 10 + (p[1] - '0');
		year += year >= 50 ? 1900 : 2000;
		i = 2;
	} else {
		year = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
		i = 4;
	}
	for (; i + 1 < n; i += 2)
		v[k++] = (unsigned)((p[i] - '0') * 10 + (p[i + 1] - '0'));
	/* v: month, day, hour, minute, second */
	if (v[0] < 1 || v[0] > 12 || v[1] < 1 || v[1] > 31 || v[2] > 23 || v[3] > 59 || v[4] > 60)
		return false;
	*out = days_from_civil(year, v[0], v[1]) * 86400 + v[2] * 3600 + v[3] * 60 + v[4];
	return true;
}

bool
tls_wire_cert_validity(const uint8_t *der, size_t len, int64_t *not_before, int64_t *not_after)
{
	size_t off = 0, clen, end;
	uint8_t tag;
	int64_t nb, na;

	/* Certificate SEQUENCE, then tbsCertificate SEQUENCE: enter both */
	for (int i = 0; i < 2; i++)
		if (!der_next(der, len, &off, &tag, &clen) || tag != 0x30)
			return false;
	/* [0] version (optional), serialNumber, signature, issuer: skip */
	for (int i = 0; i < 4; i++) {
		if (!der_next(der, len, &off, &tag, &clen))
			return false;
		if (i == 0 && tag != 0xa0)
			i++;                   /* no version: this is the serial */
		if (clen > len - off)
			return false;
		off += clen;
	}
	/* validity SEQUENCE { notBefore Time, notAfter Time } */
	if (!der_next(der, len, &off, &tag, &clen) || tag != 0x30 || clen > len - off)
		return false;
	end = off + clen;
	if (!der_next(der, end, &off, &tag, &clen) || clen > end - off ||
	    !der_time(tag, der + off, clen, &nb))
		return false;
	off += clen;
	if (!der_next(der, end, &off, &tag, &clen) || clen > end - off ||
	    !der_time(tag, der + off, clen, &na))
		return false;
	*not_before = nb;
	*not_after = na;
	return true;
}

/* ---- what the rating needs of the certificate ---- */

/* One complete DER element at *off within end: its tag and content. */
static bool
der_elem(const uint8_t *p, size_t end, size_t *off, uint8_t *tag, size_t *coff, size_t *clen)
{
	size_t o = *off, l;

	if (!der_next(p, end, &o, tag, &l) || l > end - o)
		return false;
	*coff = o;
	*clen = l;
	*off = o + l;
	return true;
}

struct oid_name {
	uint8_t len;
	uint8_t der[10];
	const char *name;
	int bits;
};

#define OID_RSA        "\x2a\x86\x48\x86\xf7\x0d\x01\x01"   /* 1.2.840.113549.1.1 */
#define OID_ECDSA      "\x2a\x86\x48\xce\x3d\x04"           /* 1.2.840.10045.4 */
#define OID_NIST_HASH  "\x60\x86\x48\x01\x65\x03\x04\x02"   /* 2.16.840.1.101.3.4.2 */
#define OID_NIST_DSA   "\x60\x86\x48\x01\x65\x03\x04\x03"   /* 2.16.840.1.101.3.4.3 */

static const struct oid_name key_types[] = {
	{ 9, OID_RSA "\x01", "RSA", 0 },                    /* rsaEncryption */
	{ 9, OID_RSA "\x0a", "RSA-PSS", 0 },                /* id-RSASSA-PSS */
	{ 7, "\x2a\x86\x48\xce\x3d\x02\x01", "EC", 0 },     /* id-ecPublicKey */
	{ 3, "\x2b\x65\x70", "ED25519", 256 },
	{ 3, "\x2b\x65\x71", "ED448", 456 },
	{ 7, "\x2a\x86\x48\xce\x38\x04\x01", "DSA", 0 },    /* id-dsa */
};

static const struct oid_name curves[] = {
	{ 8, "\x2a\x86\x48\xce\x3d\x03\x01\x07", "secp256r1", 256 },  /* prime256v1 */
	{ 5, "\x2b\x81\x04\x00\x22", "secp384r1", 384 },
	{ 5, "\x2b\x81\x04\x00\x23", "secp521r1", 521 },
	{ 5, "\x2b\x81\x04\x00\x21", "secp224r1", 224 },
	{ 8, "\x2a\x86\x48\xce\x3d\x03\x01\x01", "secp192r1", 192 },  /* prime192v1 */
	{ 5, "\x2b\x81\x04\x00\x0a", "secp256k1", 256 },
	{ 9, "\x2b\x24\x03\x03\x02\x08\x01\x01\x07", "brainpoolP256r1", 256 },
	{ 9, "\x2b\x24\x03\x03\x02\x08\x01\x01\x0b", "brainpoolP384r1", 384 },
	{ 9, "\x2b\x24\x03\x03\x02\x08\x01\x01\x0d", "brainpoolP512r1", 512 },
};

/* signature algorithms: the hash; RSASSA-PSS (hash in its parameters) apart */
static const struct oid_name sig_algs[] = {
	{ 9, OID_RSA "\x04", "MD5", 0 },          /* md5WithRSAEncryption */
	{ 9, OID_RSA "\x05", "SHA1", 0 },
	{ 9, OID_RSA "\x0b", "SHA256", 0 },
	{ 9, OID_RSA "\x0c", "SHA384", 0 },
	{ 9, OID_RSA "\x0d", "SHA512", 0 },
	{ 9, OID_RSA "\x0e", "SHA224", 0 },
	{ 7, OID_ECDSA "\x01", "SHA1", 0 },       /* ecdsa-with-SHA1 */
	{ 8, OID_ECDSA "\x03\x01", "SHA224", 0 },
	{ 8, OID_ECDSA "\x03\x02", "SHA256", 0 },
	{ 8, OID_ECDSA "\x03\x03", "SHA384", 0 },
	{ 8, OID_ECDSA "\x03\x04", "SHA512", 0 },
	{ 7, "\x2a\x86\x48\xce\x38\x04\x03", "SHA1", 0 },  /* dsa-with-sha1 */
	{ 9, OID_NIST_DSA "\x01", "SHA224", 0 },  /* dsa-with-sha224 */
	{ 9, OID_NIST_DSA "\x02", "SHA256", 0 },
	{ 3, "\x2b\x65\x70", "ED25519", 0 },
	{ 3, "\x2b\x65\x71", "ED448", 0 },
};

/* hash algorithms, for RSASSA-PSS-params */
static const struct oid_name hashes[] = {
	{ 5, "\x2b\x0e\x03\x02\x1a", "SHA1", 0 },
	{ 9, OID_NIST_HASH "\x01", "SHA256", 0 },
	{ 9, OID_NIST_HASH "\x02", "SHA384", 0 },
	{ 9, OID_NIST_HASH "\x03", "SHA512", 0 },
	{ 9, OID_NIST_HASH "\x04", "SHA224", 0 },
	{ 8, "\x2a\x86\x48\x86\xf7\x0d\x02\x05", "MD5", 0 },
};

static const struct oid_name *
oid_find(const struct oid_name *t, size_t n, const uint8_t *der, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].len == len && memcmp(t[i].der, der, len) == 0)
			return &t[i];
	return NULL;
}

#define OID_FIND(t, p, n) oid_find((t), sizeof(t) / sizeof((t)[0]), (p), (n))

/* Bits of a DER INTEGER's content taken as unsigned (leading zero octets
 * skipped). */
static int
int_bits(const uint8_t *p, size_t len)
{
	int bits;
	uint8_t c;

	while (len > 0 && p[0] == 0) {
		p++;
		len--;
	}
	if (len == 0 || len > 8192)
		return 0;
	bits = (int)(len - 1) * 8;
	for (c = p[0]; c != 0; c >>= 1)
		bits++;
	return bits;
}

/* The hash of an AlgorithmIdentifier (SEQUENCE content p[0..len)). */
static const char *
sig_hash_of(const uint8_t *p, size_t len)
{
	size_t off = 0, o, l, po, pl;
	uint8_t tag;
	const struct oid_name *n;

	if (!der_elem(p, len, &off, &tag, &o, &l) || tag != 0x06)
		return NULL;
	if ((n = OID_FIND(sig_algs, p + o, l)) != NULL)
		return n->name;
	if (l != 9 || memcmp(p + o, OID_RSA "\x0a", 9) != 0)
		return NULL;
	/* RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] AlgorithmIdentifier
	 * DEFAULT sha1, ... }; absent parameters: all defaults */
	if (off == len)
		return "SHA1";
	if (!der_elem(p, len, &off, &tag, &po, &pl) || tag != 0x30)
		return NULL;
	off = po;
	if (pl == 0)
		return "SHA1";
	if (!der_elem(p, po + pl, &off, &tag, &o, &l))
		return NULL;
	if (tag != 0xa0)
		return "SHA1";           /* [1] maskGenAlgorithm or later: hash defaulted */
	off = o;
	if (!der_elem(p, o + l, &off, &tag, &po, &pl) || tag != 0x30)
		return NULL;
	off = po;
	if (!der_elem(p, po + pl, &off, &tag, &o, &l) || tag != 0x06)
		return NULL;
	n = OID_FIND(hashes, p + o, l);
	return n != NULL ? n->name : NULL;
}

/* SubjectPublicKeyInfo content p[0..len): type, bits, curve. */
static bool
spki_of(const uint8_t *p, size_t len, struct tls_wire_cert_key *out)
{
	size_t off = 0, ao, al, o, l, ko, kl, aoff;
	uint8_t tag;
	const struct oid_name *t, *c;

	if (!der_elem(p, len, &off, &tag, &ao, &al) || tag != 0x30 ||
	    !der_elem(p, len, &off, &tag, &ko, &kl) || tag != 0x03 || kl < 1 || p[ko] != 0)
		return false;
	ko++;                      /* the unused-bits octet: 0 for every key here */
	kl--;
	aoff = ao;
	if (!der_elem(p, ao + al, &aoff, &tag, &o, &l) || tag != 0x06)
		return false;
	if ((t = OID_FIND(key_types, p + o, l)) == NULL)
		return true;           /* a key of another type: unknown */
	out->key_type = t->name;
	out->key_bits = t->bits;
	if (strcmp(t->name, "RSA") == 0 || strcmp(t->name, "RSA-PSS") == 0) {
		/* RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent } */
		size_t k = ko;

		if (der_elem(p, ko + kl, &k, &tag, &o, &l) && tag == 0x30) {
			k = o;
			if (der_elem(p, o + l, &k, &tag, &o, &l) && tag == 0x02)
				out->key_bits = int_bits(p + o, l);
		}
	} else if (strcmp(t->name, "DSA") == 0) {
		/* Dss-Parms ::= SEQUENCE { p INTEGER, q, g } in the parameters */
		if (der_elem(p, ao + al, &aoff, &tag, &o, &l) && tag == 0x30) {
			size_t k = o;

			if (der_elem(p, o + l, &k, &tag, &o, &l) && tag == 0x02)
				out->key_bits = int_bits(p + o, l);
		}
	} else if (strcmp(t->name, "EC") == 0) {
		/* ECParameters: namedCurve OBJECT IDENTIFIER (others: unknown) */
		if (der_elem(p, ao + al, &aoff, &tag, &o, &l) && tag == 0x06 &&
		    (c = OID_FIND(curves, p + o, l)) != NULL) {
			out->key_curve = c->name;
			out->key_bits = c->bits;
		} else if (kl >= 3 && kl <= 1025 && p[ko] == 0x04 && kl % 2 == 1) {
			out->key_bits = (int)((kl - 1) / 2 * 8); /* uncompressed point */
		}
	}
	return true;
}

static bool
cert_key(const uint8_t *der, size_t len, struct tls_wire_cert_key *out)
{
	size_t off = 0, clen, o, l;
	uint8_t tag;

	/* Certificate SEQUENCE, then tbsCertificate SEQUENCE: enter both */
	for (int i = 0; i < 2; i++)
		if (!der_next(der, len, &off, &tag, &clen) || tag != 0x30)
			return false;
	/* [0] version (optional), serialNumber */
	if (!der_elem(der, len, &off, &tag, &o, &l))
		return false;
	if (tag == 0xa0 && !der_elem(der, len, &off, &tag, &o, &l))
		return false;
	if (tag != 0x02)
		return false;
	/* signature AlgorithmIdentifier */
	if (!der_elem(der, len, &off, &tag, &o, &l) || tag != 0x30)
		return false;
	out->sig_hash = sig_hash_of(der + o, l);
	/* issuer, validity, subject */
	for (int i = 0; i < 3; i++)
		if (!der_elem(der, len, &off, &tag, &o, &l) || tag != 0x30)
			return false;
	/* subjectPublicKeyInfo */
	if (!der_elem(der, len, &off, &tag, &o, &l) || tag != 0x30)
		return false;
	return spki_of(der + o, l, out);
}

bool
tls_wire_cert_key(const uint8_t *der, size_t len, struct tls_wire_cert_key *out)
{
	memset(out, 0, sizeof *out);
	if (cert_key(der, len, out))
		return true;
	memset(out, 0, sizeof *out);
	return false;
}

int
tls_wire_sniff(const uint8_t *b, size_t len)
{
	if (len < 1)
		return -1;
	if (b[0] & 0x80) {
		/* SSLv2-compatible ClientHello: 2-octet length with the high
		 * bit set, msg_type 1, version 3.0 .. 3.3 */
		if (len < 2)
			return -1;
		if ((((b[0] & 0x7f) << 8) | b[1]) < V2_HELLO_MIN)
			return 0;
		if (len < 3)
			return -1;
		if (b[2] != HS_CLIENT_HELLO)
			return 0;
		if (len < 4)
			return -1;
		if (b[3] != 3)
			return 0;
		if (len < 5)
			return -1;
		return b[4] <= 3;
	}
	if (b[0] < CT_CCS || b[0] > CT_HEARTBEAT)
		return 0;
	if (len < 2)
		return -1;
	if (b[1] != 3)
		return 0;
	if (len < 3)
		return -1;
	if (b[2] > 4)
		return 0;
	if (len < 4)
		return -1;
	if (b[3] > (CIPHER_MAX >> 8))
		return 0;
	if (len < 5)
		return -1;
	return (b[3] << 8 | b[4]) >= 1 && (b[3] << 8 | b[4]) <= CIPHER_MAX;
}

void
tls_wire_init(struct tls_wire *w, bool from_client)
{
	/* everything but the two big buffers, which are read only up to their
	 * lengths (a reader is re-initialised for every handshake) */
	memset(&w->facts, 0, offsetof(struct tls_wire_facts, cert_der));
	memset((char *)w + offsetof(struct tls_wire, from_client), 0,
	    offsetof(struct tls_wire, msg) - offsetof(struct tls_wire, from_client));
	w->from_client = from_client;
	w->phase = PH_HELLO;
}

const struct tls_wire_facts *
tls_wire_facts(const struct tls_wire *w)
{
	return &w->facts;
}

static void
stop(struct tls_wire *w, enum tls_wire_status st, const char *why)
{
	w->stop = (uint8_t)st;
	snprintf(w->facts.error, sizeof w->facts.error, "%s", why);
	w->facts.error_at = w->facts.bytes;
}

static void
finish(struct tls_wire *w)
{
	w->done = true;
	w->phase = PH_AFTER;
}

/* ---- message parsers: pure functions over one complete message; they
 * return NULL or the reason it is malformed ---- */

struct client_hello {
	uint16_t legacy;
	uint16_t versions[TLS_WIRE_MAX_VERSIONS];
	size_t nversions;
	bool versions_truncated;
	bool tls13;
	size_t nciphers;
	bool fallback;
	char sni[256];
};

static const char *
parse_sni(struct rd *e, struct client_hello *ch)
{
	struct rd list, name;
	uint8_t type;
	bool have = false;
	size_t i;

	if (!rd_vec(e, 2, &list) || rd_left(e) != 0 || rd_left(&list) == 0)
		return "bad server_name length";
	while (rd_left(&list) > 0) {
		if (!rd_u8(&list, &type) || !rd_vec(&list, 2, &name))
			return "bad server_name entry";
		if (type != 0 || have)
			continue;
		if (name.len == 0 || name.len >= sizeof ch->sni)
			return "bad host_name length";
		for (i = 0; i < name.len; i++) {
			uint8_t c = name.p[i];

			if (c == 0)
				return "NUL in host_name";
			ch->sni[i] = c > 0x20 && c < 0x7f ? (char)c : '?';
		}
		ch->sni[i] = '\0';
		have = true;
	}
	return NULL;
}

static const char *
parse_client_versions(struct rd *e, struct client_hello *ch)
{
	struct rd list;
	uint16_t v;

	if (!rd_vec(e, 1, &list) || rd_left(e) != 0 || list.len < 2 || list.len % 2 != 0)
		return "bad supported_versions length";
	while (rd_u16(&list, &v)) {
		if (is_grease(v))
			continue;
		if (v == 0x0304)
			ch->tls13 = true;
		if (ch->nversions < TLS_WIRE_MAX_VERSIONS)
			ch->versions[ch->nversions++] = v;
		else
			ch->versions_truncated = true;
	}
	return NULL;
}

static const char *
parse_client_hello(const uint8_t *msg, size_t len, struct client_hello *ch)
{
	struct rd r = { msg, len }, v, exts, e;
	uint16_t type, cs;
	bool seen_sni = false, seen_sv = false;
	const char *why;

	memset(ch, 0, sizeof *ch);
	if (!rd_u16(&r, &ch->legacy) || !rd_bytes(&r, 32, NULL))
		return "ClientHello too short";
	if (ch->legacy >> 8 != 3)
		return "bad ClientHello version";
	if (!rd_vec(&r, 1, &v) || v.len > 32)
		return "bad ClientHello session_id";
	if (!rd_vec(&r, 2, &v) || v.len < 2 || v.len % 2 != 0)
		return "bad cipher_suites length";
	while (rd_u16(&v, &cs)) {
		if (is_grease(cs))
			continue;
		ch->nciphers++;
		if (cs == 0x5600)
			ch->fallback = true;
	}
	if (!rd_vec(&r, 1, &v) || v.len < 1)
		return "bad compression_methods length";
	if (rd_left(&r) == 0)
		return NULL; /* no extensions (SSLv3, old TLS) */
	if (!rd_vec(&r, 2, &exts) || rd_left(&r) != 0)
		return "bad ClientHello extensions length";
	while (rd_left(&exts) > 0) {
		if (!rd_u16(&exts, &type) || !rd_vec(&exts, 2, &e))
			return "bad ClientHello extension length";
		why = NULL;
		switch (type) {
		case EXT_SERVER_NAME:
			if (seen_sni)
				return "duplicate server_name";
			seen_sni = true;
			why = parse_sni(&e, ch);
			break;
		case EXT_SUPPORTED_VERSIONS:
			if (seen_sv)
				return "duplicate supported_versions";
			seen_sv = true;
			why = parse_client_versions(&e, ch);
			break;
		}
		if (why != NULL)
			return why;
	}
	return NULL;
}

/* SSLv2-compatible ClientHello (RFC 5246 E.2), the part after msg_type and
 * version. */
static const char *
parse_v2_hello(const uint8_t *msg, size_t len, struct client_hello *ch)
{
	struct rd r = { msg, len };
	uint16_t cslen, sidlen, chlen;
	const uint8_t *cs;
	size_t i;

	if (!rd_u16(&r, &cslen) || !rd_u16(&r, &sidlen) || !rd_u16(&r, &chlen))
		return "SSLv2 ClientHello too short";
	if (cslen == 0 || cslen % 3 != 0)
		return "bad SSLv2 cipher_spec_length";
	if (sidlen != 0 && sidlen != 16)
		return "bad SSLv2 session_id_length";
	if (chlen < 16 || chlen > 32)
		return "bad SSLv2 challenge_length";
	if ((size_t)cslen + sidlen + chlen != rd_left(&r))
		return "bad SSLv2 ClientHello length";
	if (!rd_bytes(&r, cslen, &cs))
		return "bad SSLv2 ClientHello length";
	for (i = 0; i < cslen; i += 3) {
		if (cs[i] != 0)
			continue; /* an SSLv2 kind, not a TLS suite */
		ch->nciphers++;
		if (cs[i + 1] == 0x56 && cs[i + 2] == 0x00)
			ch->fallback = true;
	}
	return NULL;
}

struct server_hello {
	uint16_t legacy, version, cipher, group, sentinel;
	uint8_t compression;
	bool hrr;
};

static const char *
parse_server_hello(const uint8_t *msg, size_t len, struct server_hello *sh)
{
	struct rd r = { msg, len }, v, exts, e, ks = { NULL, 0 };
	const uint8_t *random;
	uint16_t type, sv = 0;
	bool seen_sv = false, seen_ks = false;

	memset(sh, 0, sizeof *sh);
	if (!rd_u16(&r, &sh->legacy) || !rd_bytes(&r, 32, &random))
		return "ServerHello too short";
	if (sh->legacy >> 8 != 3)
		return "bad ServerHello version";
	sh->hrr = memcmp(random, hrr_random, sizeof hrr_random) == 0;
	if (!sh->hrr && memcmp(random + 24, downgrd, sizeof downgrd) == 0 && random[31] <= 1)
		sh->sentinel = random[31] == 1 ? 0x0303 : 0x0302;
	if (!rd_vec(&r, 1, &v) || v.len > 32)
		return "bad ServerHello session_id";
	if (!rd_u16(&r, &sh->cipher) || !rd_u8(&r, &sh->compression))
		return "ServerHello too short";
	if (rd_left(&r) > 0) {
		if (!rd_vec(&r, 2, &exts) || rd_left(&r) != 0)
			return "bad ServerHello extensions length";
		while (rd_left(&exts) > 0) {
			if (!rd_u16(&exts, &type) || !rd_vec(&exts, 2, &e))
				return "bad ServerHello extension length";
			if (type == EXT_SUPPORTED_VERSIONS) {
				if (seen_sv)
					return "duplicate supported_versions";
				seen_sv = true;
				if (!rd_u16(&e, &sv) || rd_left(&e) != 0)
					return "bad supported_versions length";
			} else if (type == EXT_KEY_SHARE) {
				if (seen_ks)
					return "duplicate key_share";
				seen_ks = true;
				ks = e;
			}
		}
	}
	if (seen_sv && !is_tls13(sv))
		return "supported_versions selects a version below TLS 1.3";
	if (sh->hrr && !seen_sv)
		return "HelloRetryRequest without supported_versions";
	sh->version = seen_sv ? sv : sh->legacy;
	if (seen_ks && seen_sv) {
		/* HRR: the selected group alone; ServerHello: a KeyShareEntry */
		if (!rd_u16(&ks, &sh->group))
			return "bad key_share length";
		if (!sh->hrr && (!rd_vec(&ks, 2, &v) || v.len == 0))
			return "bad key_share length";
		if (rd_left(&ks) != 0)
			return "bad key_share length";
	}
	return NULL;
}

/* Certificate (TLS <= 1.2): total is the message length, of which the first
 * avail bytes are in msg (less only when the message was oversized). */
static const char *
parse_certificate(const uint8_t *msg, size_t avail, size_t total, struct tls_wire_facts *f)
{
	size_t pos = 3, n = 0, leaf_off = 0, leaf_len = 0, keep;
	uint32_t clen;

	if (total < 3)
		return "Certificate too short";
	if (get24(msg) != total - 3)
		return "bad certificate_list length";
	while (pos < total) {
		if (total - pos < 3)
			return "bad certificate entry length";
		if (pos + 3 > avail)
			break; /* beyond what was kept */
		clen = get24(msg + pos);
		pos += 3;
		if (clen == 0 || clen > total - pos)
			return "bad certificate entry length";
		if (n == 0) {
			leaf_off = pos;
			leaf_len = clen;
		}
		n++;
		pos += clen;
	}
	f->have_cert = true;
	f->n_certs = n;
	f->cert_len = leaf_len;
	keep = leaf_len < TLS_WIRE_CERT_MAX ? leaf_len : TLS_WIRE_CERT_MAX;
	if (leaf_off + keep > avail)
		keep = avail > leaf_off ? avail - leaf_off : 0;
	memcpy(f->cert_der, msg + leaf_off, keep);
	f->cert_der_len = keep;
	f->cert_truncated = keep < leaf_len;
	return NULL;
}

/* The RFC 7919 groups, recognised by their prime p: its bits and the 64-bit
 * FNV-1a of its octets (leading zeros stripped), computed from OpenSSL's
 * copies (group:ffdheNNNN) and checked in tests/unit/test_tls_wire. */
static const struct {
	uint16_t bits, id;
	uint64_t fnv;
} ffdhe[] = {
	{ 2048, 0x0100, 0x21c4cbb4f90c4900u },
	{ 3072, 0x0101, 0xba273df6551e5977u },
	{ 4096, 0x0102, 0xddcf17b371acbee2u },
	{ 6144, 0x0103, 0xda4b93b5facc19cfu },
	{ 8192, 0x0104, 0xfcb5a9b4be6d4540u },
};

static uint16_t
ffdhe_id(const uint8_t *p, size_t len, unsigned bits)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3u;
	}
	for (size_t i = 0; i < sizeof ffdhe / sizeof ffdhe[0]; i++)
		if (ffdhe[i].bits == bits && ffdhe[i].fnv == h)
			return ffdhe[i].id;
	return 0;
}

/* ServerKeyExchange (TLS <= 1.2, RFC 8422 5.4 / RFC 5246 7.4.3): the named
 * curve of an ECDHE suite, the bits of p of a DHE suite; the rest of the
 * message (public value, signature) is only checked to fit. */
static const char *
parse_server_key_exchange(const uint8_t *msg, size_t len, struct tls_wire_facts *f)
{
	struct rd r = { msg, len }, v;
	struct cipher_props cp;
	uint8_t curve_type;
	uint16_t curve;

	f->have_ske = true;
	if (!cipher_lookup(f->cipher_id, &cp) ||
	    (strcmp(cp.auth, "RSA") != 0 && strcmp(cp.auth, "ECDSA") != 0 &&
	    strcmp(cp.auth, "DSS") != 0 && strcmp(cp.auth, "anon") != 0))
		return NULL;       /* PSK, SRP, ...: another form */
	if (strcmp(cp.kx, "ECDHE") == 0) {
		if (!rd_u8(&r, &curve_type))
			return "ServerKeyExchange too short";
		if (curve_type != 3)
			return NULL;   /* explicit curve parameters: unknown */
		if (!rd_u16(&r, &curve) || !rd_vec(&r, 1, &v) || v.len == 0)
			return "bad ServerKeyExchange ECParameters";
		f->ske_group = curve;
	} else if (strcmp(cp.kx, "DHE") == 0) {
		if (!rd_vec(&r, 2, &v) || v.len == 0)
			return "bad ServerKeyExchange dh_p";
		while (v.len > 0 && v.p[0] == 0) {
			v.p++;
			v.len--;
		}
		if (v.len > 0) {
			unsigned bits = (unsigned)(v.len - 1) * 8;

			for (uint8_t c = v.p[0]; c != 0; c >>= 1)
				bits++;
			f->dh_bits = bits;
			f->ske_group = ffdhe_id(v.p, v.len, bits);
		}
		if (!rd_vec(&r, 2, &v) || !rd_vec(&r, 2, &v))
			return "bad ServerKeyExchange dh_g or dh_Ys";
	}
	return NULL;
}

/* ---- the handshake layer ---- */

static void
commit_client_hello(struct tls_wire *w, const struct client_hello *ch)
{
	struct tls_wire_facts *f = &w->facts;

	f->have_client_hello = true;
	f->client_legacy_version = ch->legacy;
	memcpy(f->client_versions, ch->versions, sizeof f->client_versions);
	f->n_client_versions = ch->nversions;
	f->client_versions_truncated = ch->versions_truncated;
	f->client_offers_tls13 = ch->tls13;
	f->n_client_ciphers = ch->nciphers;
	f->client_fallback_scsv = ch->fallback;
	memcpy(f->sni, ch->sni, sizeof f->sni);
}

static void
end_server_hello(struct tls_wire *w)
{
	struct tls_wire_facts *f = &w->facts;
	struct server_hello sh;
	const char *why;

	why = parse_server_hello(w->msg, w->hlen, &sh);
	if (why == NULL && sh.hrr && w->phase == PH_HELLO2)
		why = "second HelloRetryRequest";
	if (why != NULL) {
		stop(w, TLS_WIRE_ERROR, why);
		return;
	}
	f->server_legacy_version = sh.legacy;
	f->version = sh.version;
	f->cipher_id = sh.cipher;
	f->compression = sh.compression;
	f->group = sh.group;
	f->downgrade_sentinel = sh.sentinel;
	if (sh.hrr) {
		f->hello_retry_request = true;
		w->phase = PH_HELLO2;
		return;
	}
	f->have_server_hello = true;
	if (!is_tls13(sh.version)) {
		w->phase = PH_CERT;
		return;
	}
	/* TLS 1.3: everything after the ServerHello is encrypted, and a key
	 * change must fall on a record boundary (RFC 8446 5.1) */
	if (w->rleft > 0) {
		stop(w, TLS_WIRE_ERROR, "handshake data after a TLS 1.3 ServerHello");
		return;
	}
	f->encrypted = true;
	finish(w);
}

/* A complete handshake message whose body (or its first TLS_WIRE_MSG_MAX
 * bytes) is in w->msg. */
static void
end_msg(struct tls_wire *w)
{
	struct client_hello ch;
	const char *why;
	size_t avail = w->hlen < TLS_WIRE_MSG_MAX ? w->hlen : TLS_WIRE_MSG_MAX;

	w->in_msg = false;
	if (!w->keep)
		return;
	if (w->hlen > TLS_WIRE_MSG_MAX) {
		w->facts.oversized = true;
		if (w->htype != HS_CERTIFICATE) {
			finish(w); /* a hello or key exchange too large to read: skipped */
			return;
		}
	}
	switch (w->htype) {
	case HS_CLIENT_HELLO:
		why = parse_client_hello(w->msg, w->hlen, &ch);
		if (why != NULL) {
			stop(w, TLS_WIRE_ERROR, why);
			return;
		}
		commit_client_hello(w, &ch);
		finish(w);
		break;
	case HS_SERVER_HELLO:
		end_server_hello(w);
		break;
	case HS_CERTIFICATE:
		why = parse_certificate(w->msg, avail, w->hlen, &w->facts);
		if (why != NULL) {
			stop(w, TLS_WIRE_ERROR, why);
			return;
		}
		w->phase = PH_SKE;
		break;
	case HS_SERVER_KEY_EXCHANGE:
		why = parse_server_key_exchange(w->msg, w->hlen, &w->facts);
		if (why != NULL) {
			stop(w, TLS_WIRE_ERROR, why);
			return;
		}
		finish(w);
		break;
	}
}

/* The 4-octet header of a handshake message is complete. */
static void
begin_msg(struct tls_wire *w)
{
	w->htype = w->hh[0];
	w->hlen = get24(w->hh + 1);
	w->hh_len = 0;
	w->hgot = 0;
	w->in_msg = true;
	w->keep = false;
	switch (w->phase) {
	case PH_HELLO:
	case PH_HELLO2:
		if (w->from_client && w->htype != HS_CLIENT_HELLO) {
			stop(w, TLS_WIRE_ERROR, "first handshake message is not a ClientHello");
			return;
		}
		if (!w->from_client && w->htype != HS_SERVER_HELLO) {
			stop(w, TLS_WIRE_ERROR, "expected a ServerHello");
			return;
		}
		w->keep = true;
		break;
	case PH_CERT:
		if (w->htype == HS_CERTIFICATE || w->htype == HS_SERVER_KEY_EXCHANGE)
			w->keep = true;
		else
			finish(w); /* no certificate and no key exchange: resumed, PSK */
		break;
	case PH_SKE:
		if (w->htype == HS_SERVER_KEY_EXCHANGE)
			w->keep = true;
		else if (w->htype != HS_CERTIFICATE_STATUS)
			finish(w); /* ServerHelloDone, CertificateRequest: none */
		break;
	}
	if (w->hlen == 0)
		end_msg(w);
}

/* Bytes of a plaintext handshake record. */
static void
handshake_bytes(struct tls_wire *w, const uint8_t *b, size_t n)
{
	size_t k, c;

	while (n > 0 && w->stop == 0) {
		if (w->facts.encrypted) {
			/* not reached for a well-formed stream (key changes
			 * fall on record boundaries) */
			w->facts.bytes += n;
			w->rleft -= n;
			return;
		}
		if (!w->in_msg) {
			w->hh[w->hh_len++] = *b;
			b++;
			n--;
			w->rleft--;
			w->facts.bytes++;
			if (w->hh_len == sizeof w->hh)
				begin_msg(w);
			continue;
		}
		k = w->hlen - w->hgot;
		if (k > n)
			k = n;
		if (w->keep && w->hgot < TLS_WIRE_MSG_MAX) {
			c = TLS_WIRE_MSG_MAX - w->hgot;
			memcpy(w->msg + w->hgot, b, k < c ? k : c);
		}
		w->hgot += (uint32_t)k;
		b += k;
		n -= k;
		w->rleft -= k;
		w->facts.bytes += k;
		if (w->hgot == w->hlen)
			end_msg(w);
	}
}

/* ---- the record layer ---- */

static void
end_alert(struct tls_wire *w)
{
	struct tls_wire_facts *f = &w->facts;
	uint8_t level = w->small[0], desc = w->small[1];

	if (level != 1 && level != 2) {
		stop(w, TLS_WIRE_ERROR, "bad alert level");
		return;
	}
	if (!f->alert_seen || (level == 2 && f->alert_level != 2)) {
		f->alert_seen = true;
		f->alert_level = level;
		f->alert_desc = desc;
	}
	if (level == 2)
		finish(w);
}

static void
end_ccs(struct tls_wire *w)
{
	if (w->small[0] != 1) {
		stop(w, TLS_WIRE_ERROR, "bad ChangeCipherSpec");
		return;
	}
	/* TLS 1.3 middlebox compatibility CCS after a HelloRetryRequest */
	if (!w->from_client && w->phase == PH_HELLO2)
		return;
	w->facts.encrypted = true;
	finish(w);
}

static void
end_record(struct tls_wire *w)
{
	if (!w->facts.encrypted) {
		if (w->rtype == CT_ALERT)
			end_alert(w);
		else if (w->rtype == CT_CCS)
			end_ccs(w);
	}
	w->rtype = 0;
	w->small_len = 0;
}

/* The 5-octet record header is complete. */
static void
begin_record(struct tls_wire *w)
{
	uint8_t type = w->hdr[0];
	size_t rlen = (size_t)w->hdr[3] << 8 | w->hdr[4];
	bool hello_seen = w->phase != PH_HELLO && w->phase != PH_HELLO2;

	w->hdr_len = 0;
	if (type < CT_CCS || type > CT_HEARTBEAT) {
		stop(w, TLS_WIRE_ERROR, "bad record content type");
		return;
	}
	if (w->hdr[1] != 3 || w->hdr[2] > 4) {
		stop(w, TLS_WIRE_ERROR, "bad record version");
		return;
	}
	if (rlen > (w->facts.encrypted || type == CT_APPDATA ? CIPHER_MAX : PLAIN_MAX)) {
		stop(w, TLS_WIRE_ERROR, "record too long");
		return;
	}
	if (!w->facts.encrypted) {
		if ((w->in_msg || w->hh_len > 0) && type != CT_HANDSHAKE) {
			stop(w, TLS_WIRE_ERROR, "record inside a fragmented handshake message");
			return;
		}
		switch (type) {
		case CT_HANDSHAKE:
			if (rlen == 0) {
				stop(w, TLS_WIRE_ERROR, "empty handshake record");
				return;
			}
			break;
		case CT_ALERT:
			if (rlen != 2) {
				stop(w, TLS_WIRE_ERROR, "alert record not 2 bytes");
				return;
			}
			break;
		case CT_CCS:
			if (rlen != 1) {
				stop(w, TLS_WIRE_ERROR, "ChangeCipherSpec record not 1 byte");
				return;
			}
			if (w->phase == PH_HELLO) {
				stop(w, TLS_WIRE_ERROR, "ChangeCipherSpec before the hello");
				return;
			}
			break;
		case CT_APPDATA:
			if (!hello_seen) {
				stop(w, TLS_WIRE_ERROR, "application data before the hello");
				return;
			}
			w->facts.encrypted = true;
			finish(w);
			break;
		}
	}
	w->rtype = type;
	w->rleft = rlen;
	w->small_len = 0;
	if (rlen == 0)
		end_record(w);
}

/* The header of an SSLv2-compatible ClientHello is complete: its body (after
 * msg_type and version) is read like a handshake message. */
static void
begin_v2(struct tls_wire *w)
{
	size_t mlen = (size_t)(w->hdr[0] & 0x7f) << 8 | w->hdr[1];

	w->hdr_len = 0;
	if (!w->from_client) {
		stop(w, TLS_WIRE_ERROR, "SSLv2-format ClientHello from the server");
		return;
	}
	w->v2 = true;
	w->rleft = mlen - 3; /* sniffed: mlen >= V2_HELLO_MIN */
	w->hlen = (uint32_t)w->rleft;
	w->hgot = 0;
	memcpy(w->hh, w->hdr + 3, 2); /* the version, until the hello is read */
}

static void
end_v2(struct tls_wire *w)
{
	struct client_hello ch;
	const char *why;

	w->v2 = false;
	if (w->hlen > TLS_WIRE_MSG_MAX) {
		w->facts.oversized = true;
		finish(w);
		return;
	}
	memset(&ch, 0, sizeof ch);
	why = parse_v2_hello(w->msg, w->hlen, &ch);
	if (why != NULL) {
		stop(w, TLS_WIRE_ERROR, why);
		return;
	}
	ch.legacy = (uint16_t)(w->hh[0] << 8 | w->hh[1]);
	commit_client_hello(w, &ch);
	w->facts.sslv2_hello = true;
	finish(w);
}

static enum tls_wire_status
status(const struct tls_wire *w)
{
	if (w->stop != 0)
		return (enum tls_wire_status)w->stop;
	return w->done ? TLS_WIRE_DONE : TLS_WIRE_MORE;
}

enum tls_wire_status
tls_wire_feed(struct tls_wire *w, const uint8_t *buf, size_t len)
{
	size_t n, c;
	int s;

	while (len > 0 && w->stop == 0) {
		if (w->rtype == 0 && !w->v2) {
			/* a record header, one octet at a time */
			w->hdr[w->hdr_len++] = *buf;
			buf++;
			len--;
			w->facts.bytes++;
			if (!w->started) {
				s = tls_wire_sniff(w->hdr, w->hdr_len);
				if (s == 0) {
					stop(w, TLS_WIRE_NOT_TLS, "not a TLS record");
					break;
				}
				if (s < 0)
					continue;
				w->started = true;
				if (w->hdr[0] & 0x80) {
					begin_v2(w);
					continue;
				}
			}
			if (w->hdr_len == sizeof w->hdr)
				begin_record(w);
			continue;
		}
		n = len < w->rleft ? len : w->rleft;
		if (w->v2) {
			if (w->hgot < TLS_WIRE_MSG_MAX) {
				c = TLS_WIRE_MSG_MAX - w->hgot;
				memcpy(w->msg + w->hgot, buf, n < c ? n : c);
			}
			w->hgot += (uint32_t)n;
			w->rleft -= n;
			w->facts.bytes += n;
			if (w->rleft == 0)
				end_v2(w);
		} else if (w->rtype == CT_HANDSHAKE && !w->facts.encrypted) {
			handshake_bytes(w, buf, n);
			if (w->stop == 0 && w->rleft == 0)
				end_record(w);
		} else {
			if ((w->rtype == CT_ALERT || w->rtype == CT_CCS) && !w->facts.encrypted) {
				/* begin_record checked the length: at most 2 */
				memcpy(w->small + w->small_len, buf, n);
				w->small_len = (uint8_t)(w->small_len + n);
			}
			w->rleft -= n;
			w->facts.bytes += n;
			if (w->rleft == 0)
				end_record(w);
		}
		buf += n;
		len -= n;
	}
	return status(w);
}
