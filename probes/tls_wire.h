/* probes/tls_wire.h: passive TLS handshake reader, pure and bounded.
 *
 * Reads ONE direction of a TLS connection as a byte stream, as TCP delivers
 * it (any fragmentation, down to one byte per call), and extracts the facts
 * of the handshake: the ClientHello (client direction), or the ServerHello
 * and, for TLS <= 1.2, the leaf certificate and what the ServerKeyExchange
 * says of the key exchange (server direction), plus any plaintext alert. No OpenSSL, no I/O, no allocation: the caller embeds one
 * struct tls_wire per direction of a flow (about 21 KiB) and treats its
 * fields as private except through tls_wire_facts().
 *
 * Framing: records (RFC 8446 5.1, RFC 5246 6.2) are reassembled from their
 * 5-byte headers; handshake messages are reassembled across records (one
 * message may span many records, one record may hold many messages). Every
 * length field is checked against its container; a violation is
 * TLS_WIRE_ERROR with a short reason in facts->error, never an overrun.
 * A handshake message longer than TLS_WIRE_MSG_MAX is not reassembled: a
 * hello of that size is skipped (facts->oversized, no hello facts); of a
 * Certificate message only the first TLS_WIRE_MSG_MAX bytes are kept, which
 * is enough for the leaf (facts->oversized, n_certs counts what was seen).
 *
 * Encryption: once this direction sends ChangeCipherSpec (TLS <= 1.2), an
 * application_data record, or the server sends a TLS 1.3 ServerHello, record
 * bodies are no longer read (only their headers are checked). In TLS 1.3 a
 * ChangeCipherSpec from the server after a HelloRetryRequest is the
 * middlebox-compatibility one and does not stop parsing, so the second
 * ServerHello is read. In the client direction it does (the client's CCS
 * is ambiguous there): a second ClientHello after a HelloRetryRequest is
 * not read, the facts are those of the first one.
 *
 * SSLv2-compatible ClientHello (RFC 5246 E.2): recognised in the client
 * direction and parsed (facts->sslv2_hello, legacy version, cipher count);
 * the records that follow are TLS records. Pure SSLv2 (version 0x0002) is
 * not TLS.
 *
 * After TLS_WIRE_ERROR or TLS_WIRE_NOT_TLS the reader stays so until
 * tls_wire_init(); facts gathered before the error remain valid.
 */
#ifndef SMTPMON_TLS_WIRE_H
#define SMTPMON_TLS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_WIRE_MSG_MAX 16384  /* reassembly buffer for one handshake message */
#define TLS_WIRE_CERT_MAX 4096  /* leaf DER bytes kept in the facts */
#define TLS_WIRE_MAX_VERSIONS 8 /* supported_versions entries kept */

enum tls_wire_status {
	TLS_WIRE_MORE,    /* all input consumed, the facts are not complete yet */
	TLS_WIRE_DONE,    /* the facts are complete (see tls_wire_feed) */
	TLS_WIRE_NOT_TLS, /* the first bytes are not a TLS record (tls_wire_sniff() == 0) */
	TLS_WIRE_ERROR,   /* malformed; reason in facts->error */
};

struct tls_wire_facts {
	/* ClientHello (client direction) */
	bool have_client_hello;
	bool sslv2_hello;              /* it came in the SSLv2-compatible format */
	uint16_t client_legacy_version;   /* ClientHello.legacy_version (0x0303 for TLS 1.3) */
	uint16_t client_versions[TLS_WIRE_MAX_VERSIONS]; /* supported_versions, in order, GREASE skipped */
	size_t n_client_versions;      /* entries in client_versions (at most TLS_WIRE_MAX_VERSIONS) */
	bool client_versions_truncated; /* more non-GREASE entries than were kept */
	bool client_offers_tls13;      /* 0x0304 in supported_versions */
	size_t n_client_ciphers;       /* cipher suites offered, GREASE skipped, SCSVs counted;
	                                * SSLv2 format: the specs that are TLS suites (0x00xxxx) */
	bool client_fallback_scsv;     /* TLS_FALLBACK_SCSV (0x5600): a downgraded retry */
	char sni[256];                 /* first host_name of server_name, "" if none; bytes
	                                * outside 0x21..0x7e are replaced by '?' */

	/* ServerHello (server direction); a HelloRetryRequest sets
	 * hello_retry_request and fills version/cipher_id/group, the following
	 * ServerHello overwrites them and sets have_server_hello. */
	bool have_server_hello;
	bool hello_retry_request;
	uint16_t server_legacy_version; /* ServerHello.legacy_version */
	uint16_t version;              /* negotiated: supported_versions when present, else legacy */
	uint16_t cipher_id;            /* IANA cipher suite number */
	uint8_t compression;           /* compression method (0 = null) */
	uint16_t group;                /* TLS 1.3 key_share group (HRR: the group asked for); 0 none */
	uint16_t downgrade_sentinel;   /* RFC 8446 4.1.3 random suffix: 0x0303 "DOWNGRD\1",
	                                * 0x0302 "DOWNGRD\0", 0 none */

	/* Certificate (server direction, TLS <= 1.2 only: TLS 1.3 encrypts it) */
	bool have_cert;                /* a Certificate message was read */
	size_t n_certs;                /* entries in the chain; when oversized, only those
	                                * that start within the kept prefix */
	size_t cert_len;               /* DER length of the leaf (first entry), 0 if none */
	size_t cert_der_len;           /* bytes of the leaf in cert_der (at the end) */
	bool cert_truncated;           /* cert_len > TLS_WIRE_CERT_MAX: cert_der is a prefix */

	/* ServerKeyExchange (server direction, TLS <= 1.2), read for the suites
	 * whose key exchange is ECDHE or DHE (probes/cipher's kx, authenticated
	 * by RSA, ECDSA or DSS, or anonymous); other suites and forms leave
	 * both 0 */
	bool have_ske;                 /* a ServerKeyExchange was read */
	uint16_t ske_group;            /* ECDHE: the named_curve (curve_type 3), IANA
	                                * supported-groups id; 0 other curve_type.
	                                * DHE: the RFC 7919 group whose p this is
	                                * (0x0100 ffdhe2048 .. 0x0104), 0 another */
	uint32_t dh_bits;              /* DHE: bits of dh_p (leading zeros not
	                                * counted); 0 none */

	/* the first fatal plaintext alert, else the first plaintext alert */
	bool alert_seen;
	uint8_t alert_level;           /* 1 warning, 2 fatal */
	uint8_t alert_desc;            /* RFC 8446 6 AlertDescription */

	bool oversized;                /* a handshake message over TLS_WIRE_MSG_MAX (see above) */
	bool encrypted;                /* record bodies are no longer readable */
	uint64_t bytes;                /* bytes fed so far (up to the error, if any) */
	char error[64];                /* reason of TLS_WIRE_ERROR / NOT_TLS, "" otherwise */
	uint64_t error_at;             /* offset in the stream where it was detected */
	/* last, so that tls_wire_init() need not clear it: only the first
	 * cert_der_len bytes are meaningful */
	uint8_t cert_der[TLS_WIRE_CERT_MAX]; /* the leaf's first bytes, for d2i_X509() */
};

/* One direction of one flow. Private: use the functions below. */
struct tls_wire {
	struct tls_wire_facts facts;
	bool from_client;
	bool started;            /* the first record header has been accepted */
	bool done;
	uint8_t stop;            /* sticky TLS_WIRE_NOT_TLS / TLS_WIRE_ERROR, else 0 */
	uint8_t phase;           /* what the next handshake message must be */
	uint8_t hdr[5];          /* record (or SSLv2) header being gathered */
	uint8_t hdr_len;
	uint8_t rtype;           /* content type of the record being read; 0 none */
	bool v2;                 /* the current "record" is an SSLv2-format hello */
	size_t rleft;            /* body bytes of the current record still to come */
	uint8_t small[2];        /* alert / ChangeCipherSpec body */
	uint8_t small_len;
	uint8_t hh[4];           /* handshake message header being gathered;
	                          * SSLv2 hello: its version */
	uint8_t hh_len;
	bool in_msg;             /* hh complete, body being read */
	bool keep;               /* the body is copied into msg */
	uint8_t htype;
	uint32_t hlen, hgot;     /* body length, body bytes read */
	uint8_t msg[TLS_WIRE_MSG_MAX];
};

/* Start (or restart) reading one direction: from_client is true for the
 * bytes the client sends. */
void tls_wire_init(struct tls_wire *w, bool from_client);

/* Feed the next len bytes of this direction; all are consumed. Returns the
 * state after them: TLS_WIRE_DONE once everything interesting has been seen
 * (client: after the ClientHello; server: after a TLS 1.3 ServerHello, or
 * for TLS <= 1.2 after the ServerKeyExchange or the first message that
 * shows there is none (ServerHelloDone, CertificateRequest; a
 * CertificateStatus between Certificate and ServerKeyExchange is skipped),
 * or after ChangeCipherSpec / the first encrypted record; either direction:
 * after a fatal alert). Feeding more after DONE is allowed and cheap:
 * records are still framed and plaintext alerts still recorded. */
enum tls_wire_status tls_wire_feed(struct tls_wire *w, const uint8_t *buf, size_t len);

/* The facts gathered so far (valid at any time). */
const struct tls_wire_facts *tls_wire_facts(const struct tls_wire *w);

/* Do these first bytes of a direction look like TLS: a record header
 * (content type 20..24, version 0x0300..0x0304, length 1..18432) or an
 * SSLv2-compatible ClientHello header (version 0x0300..0x0303)? For implicit
 * TLS (port 465) and for plaintext after a STARTTLS 220. 1 yes, 0 no, -1 need
 * more bytes (at most 5 are looked at). */
int tls_wire_sniff(const uint8_t *buf, size_t len);

/* The validity dates of a DER X.509 certificate (RFC 5280 4.1.2.5), read
 * with a bounded walk of its first elements (no OpenSSL: d2i_X509() costs
 * tens of microseconds, mostly decoding the public key). der may be a
 * prefix of the certificate (cert_der when cert_truncated), as long as it
 * reaches the end of the validity. UTCTime (YY >= 50 is 19YY) and
 * GeneralizedTime, both with seconds and 'Z' as RFC 5280 requires; seconds
 * since the epoch, UTC. false when the bytes are not such a certificate. */
bool tls_wire_cert_validity(const uint8_t *der, size_t len, int64_t *not_before,
    int64_t *not_after);

/* What the rating (probes/rating.h) needs of a DER X.509 leaf certificate,
 * read with a bounded walk of tbsCertificate (its signature field, which RFC
 * 5280 4.1.1.2 makes equal to the outer signatureAlgorithm, and its
 * subjectPublicKeyInfo); der may be a prefix that reaches the end of the
 * subjectPublicKeyInfo. The strings are static, NULL where not recognised. */
struct tls_wire_cert_key {
	const char *key_type;   /* "RSA" (rsaEncryption), "RSA-PSS" (id-RSASSA-PSS),
	                         * "EC" (id-ecPublicKey), "ED25519", "ED448", "DSA";
	                         * NULL any other key */
	int key_bits;           /* RSA/DSA: bits of the modulus / of p; EC: the
	                         * curve's bits (named curve), else from the point's
	                         * length; EdDSA 256/456 (as OpenSSL counts); 0
	                         * unknown */
	const char *key_curve;  /* EC namedCurve: "secp256r1", "secp384r1",
	                         * "secp521r1", "secp224r1", "secp192r1",
	                         * "secp256k1", "brainpoolP256r1", "brainpoolP384r1",
	                         * "brainpoolP512r1"; NULL other or implicit */
	const char *sig_hash;   /* "MD5", "SHA1", "SHA224", "SHA256", "SHA384",
	                         * "SHA512" (RSA PKCS#1 v1.5, RSASSA-PSS with its
	                         * hashAlgorithm, default SHA1; ECDSA; DSA), "ED25519",
	                         * "ED448"; NULL any other */
};

/* Fill *out (NULL/0 where unknown); false, and *out all NULL/0, when der
 * is not a certificate as far as the subjectPublicKeyInfo. Pure: no OpenSSL, every
 * length checked against its container, at most a few dozen elements. */
bool tls_wire_cert_key(const uint8_t *der, size_t len, struct tls_wire_cert_key *out);

/* "more", "done", "not-tls", "error". */
const char *tls_wire_status_name(enum tls_wire_status s);

#endif
