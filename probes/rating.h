/* probes/rating.h: the NCSC-NL "IT Security Guidelines for Transport Layer
 * Security" (version 2025-05) rating of one TLS connection, as the
 * internet.nl mail test applies those tables (doc/ciphers.md, section
 * "NCSC-NL 2025-05 rating", names the commit followed and the tables).
 *
 * One pure function, no OpenSSL, no I/O, no allocation: the active probe
 * calls it with what its handshake reports, the passive probe with what it
 * read off the wire. Five components are rated, each on its own:
 *   tls_version     TLS 1.3 good; 1.2 sufficient; SSL 2/3, TLS 1.0/1.1
 *                   insufficient.
 *   cipher          by IANA id, appendix B of the guideline: two TLS 1.3
 *                   suites good, two TLS 1.3 and eight ECDHE AEAD suites
 *                   sufficient, thirty-five DHE/ECDHE suites phase-out, every
 *                   other suite of probes/cipher's table insufficient.
 *   key_exchange    the negotiated group: X25519MLKEM768, SecP256r1MLKEM768,
 *                   SecP384r1MLKEM1024 good; the classical curves x25519,
 *                   x448, secp256r1/384r1/521r1, brainpoolP256r1/384r1/512r1
 *                   sufficient; secp224r1 and ffdhe3072/4096/6144/8192
 *                   phase-out; any other named group (ffdhe2048, RFC 3526
 *                   MODP, pure ML-KEM, drafts) and an unnamed finite-field
 *                   group (dh_bits only: taken as self-generated)
 *                   insufficient. A TLS 1.2 suite without ephemeral key
 *                   exchange (RSA, DH, ECDH, PSK, RSA_PSK, SRP, ECCPWD, KRB5)
 *                   is insufficient whatever the group. For a TLS 1.3 suite
 *                   the group alone decides.
 *   cert_key        the leaf's key: RSA (also "RSA-PSS") of 3072 bits and
 *                   more sufficient, 2048-3071 phase-out, fewer insufficient;
 *                   EC on P-256/384/521 or brainpoolP256r1/384r1/512r1
 *                   sufficient, on P-224 phase-out, on any other curve (or
 *                   below 224 bits when the curve is unknown) insufficient;
 *                   Ed25519/Ed448 sufficient; DSA and any other type
 *                   insufficient.
 *   cert_signature  the hash of the leaf's signature: SHA256/384/512 and the
 *                   EdDSA signatures good, SHA224 phase-out, SHA1, MD5 and any
 *                   other insufficient.
 * Classical curves and keys are never better than sufficient (good is kept
 * for the hybrid post-quantum groups), so a classical connection rates
 * sufficient at best. overall is the worst of the components that are known;
 * weakest names the first (in the order above) that has that class. A
 * component whose input is unknown (NULL, "", -1, 0) is RATING_UNKNOWN and
 * does not count. tls_version 0 (no TLS) makes every class RATING_UNKNOWN
 * and weakest NULL, whatever else the input holds.
 * Names are compared without regard to letter case; OpenSSL's aliases are
 * accepted ("prime256v1", "P-256" for secp256r1; "SHA-256" for SHA256).
 */
#ifndef SMTPMON_RATING_H
#define SMTPMON_RATING_H

#define RATING_GUIDELINE "NCSC-NL 2025-05"

/* Ordered: worse is greater. */
enum rating_class {
	RATING_UNKNOWN = 0,
	RATING_GOOD,
	RATING_SUFFICIENT,
	RATING_PHASE_OUT,
	RATING_INSUFFICIENT,
};

struct rating_input {
	int tls_version;        /* wire 0x0300..0x0304 (0x0002 SSL 2); 0 no TLS;
	                         * any other value: version unknown */
	int cipher_id;          /* IANA; -1 unknown */
	const char *group;      /* negotiated key-exchange group as OpenSSL names
	                         * it ("X25519", "secp256r1", "prime256v1",
	                         * "P-256", "ffdhe3072", "X25519MLKEM768", ...);
	                         * NULL or "" unknown */
	int dh_bits;            /* finite-field DHE whose group has no name: its
	                         * bits; 0 unknown */
	const char *key_type;   /* leaf key: "RSA", "RSA-PSS", "EC", "ED25519",
	                         * "ED448", "DSA"; NULL or "" unknown */
	int key_bits;           /* RSA/DSA bits, EC field bits */
	const char *key_curve;  /* EC curve ("prime256v1"/"P-256", "secp384r1",
	                         * ...); NULL or "" unknown */
	const char *sig_hash;   /* leaf signature hash: "SHA256", "SHA384",
	                         * "SHA512", "SHA224", "SHA1", "MD5"; "ED25519" or
	                         * "ED448" for EdDSA; NULL or "" unknown */
};

struct rating {
	enum rating_class overall, tls_version, cipher, key_exchange, cert_key,
	    cert_signature;
	const char *weakest;    /* "tls_version" "cipher" "key_exchange"
	                         * "cert_key" "cert_signature": the component that
	                         * set overall; NULL when overall is unknown */
};

/* The IANA TLS Supported Groups name of a group id (the key_share group of
 * TLS 1.3, the ServerKeyExchange named_curve of TLS 1.2), as the group
 * field above takes it: "x25519" (0x001d), "secp256r1" (0x0017),
 * "brainpoolP256r1" (26) and "brainpoolP256r1tls13" (0x001f), "ffdhe2048"
 * (0x0100), "X25519MLKEM768" (0x11ec), ...; NULL for an id not in the
 * table (unassigned, GREASE, private use, GOST). Pure, static strings. */
const char *rating_group_name(unsigned id);

/* The classes of a rating by name (rating_class_name(): NULL where unknown),
 * as every reader shows them. */
struct rating_names {
	const char *overall, *tls_version, *cipher, *key_exchange, *cert_key,
	    *cert_signature;
};

/* Rate one connection; in and out must not be NULL. */
void rating_of(const struct rating_input *in, struct rating *out);

/* The cipher component alone: the class of the suite with IANA id id
 * (RATING_UNKNOWN when id is not a suite of probes/cipher's table). The
 * downgrade detector orders suites by it. */
enum rating_class rating_cipher_class(int id);

/* The five components in the order above, as small numbers (a posture keeps
 * the weakest as one): rating_part_name(0) is "tls_version" ... (4)
 * "cert_signature", NULL outside 0..4; rating_part_of() the number of such
 * a name, -1 for any other (NULL too). */
#define RATING_N_PARTS 5
const char *rating_part_name(int part);
int rating_part_of(const char *name);

/* The names of r's classes. */
void rating_names_of(const struct rating *r, struct rating_names *out);

/* "good", "sufficient", "phase-out", "insufficient"; NULL for
 * RATING_UNKNOWN and for a value outside the enum. */
const char *rating_class_name(enum rating_class c);

/* The SNMP enumeration: unknown(1) good(2) sufficient(3) phaseOut(4)
 * insufficient(5); 1 for a value outside the enum. */
int rating_class_mib(enum rating_class c);

#endif
