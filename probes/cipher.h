/* probes/cipher.h: TLS cipher-suite strength from the IANA id alone.
 *
 * Pure and without OpenSSL: the passive probe calls it on ids read off the
 * wire, the active probe on SSL_CIPHER_get_protocol_id(). The table holds
 * every IANA-assigned suite (OpenSSL's own and the legacy ones it no longer
 * builds), sorted by id, looked up by binary search; the properties are
 * parsed from the IANA name at each lookup ("TLS_<KX>[_<AUTH>]_WITH_<ENC>_
 * <MAC>", TLS 1.3 "TLS_<AEAD>_<HASH>"). Not in the table: GREASE, the GOST
 * suites, the AEGIS drafts, and non-IANA ids (EXPORT1024, pre-RFC ChaCha
 * 0xCC13-0xCC15, Netscape FIPS); they are CIPHER_UNKNOWN.
 * The two signalling values TLS_EMPTY_RENEGOTIATION_INFO_SCSV (0x00FF) and
 * TLS_FALLBACK_SCSV (0x5600) are not cipher suites: cipher_name() names them,
 * cipher_lookup() returns false, their class is CIPHER_UNKNOWN.
 * doc/ciphers.md explains the ordering and how the table was made.
 */
#ifndef SMTPMON_CIPHER_H
#define SMTPMON_CIPHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Ordered: a higher value is stronger. Names after the NCSC-NL TLS
 * guidelines' categories; the rule is ours (doc/ciphers.md):
 * NULL/EXPORT/anon/RC4/RC2/DES/3DES/IDEA/MD5 < no forward secrecy <
 * forward secrecy with CBC < forward secrecy with AEAD, and TLS 1.3. */
enum cipher_class {
	CIPHER_UNKNOWN = 0,      /* not in the table: unassigned, GREASE, SCSV */
	CIPHER_INSUFFICIENT = 1, /* NULL encryption, EXPORT, anonymous, RC4, RC2,
	                          * DES, 3DES, IDEA, or an MD5 MAC */
	CIPHER_PHASE_OUT = 2,    /* sound cipher, no forward secrecy: static RSA,
	                          * DH, ECDH, plain PSK, RSA_PSK, SRP, ECCPWD */
	CIPHER_SUFFICIENT = 3,   /* forward secrecy with a CBC cipher (any MAC
	                          * but MD5: SHA-1 counts) */
	CIPHER_GOOD = 4,         /* forward secrecy with AEAD (GCM, CCM, CCM_8,
	                          * POLY1305); every TLS 1.3 suite that encrypts */
};

/* What the IANA name says. The strings are static and never NULL after a
 * successful lookup. */
struct cipher_props {
	uint16_t id;
	const char *name;   /* IANA name, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" */
	const char *kx;     /* "RSA" "DH" "DHE" "ECDH" "ECDHE" "PSK" "DHE_PSK"
	                     * "ECDHE_PSK" "RSA_PSK" "SRP" "ECCPWD" "KRB5" "NULL",
	                     * "any" (TLS 1.3); DH_anon is "DHE", ECDH_anon "ECDHE" */
	const char *auth;   /* "RSA" "DSS" "ECDSA" "PSK" "SRP" "ECCPWD" "KRB5"
	                     * "anon" "NULL", "any" (TLS 1.3) */
	const char *enc;    /* "AES" "CHACHA20" "CAMELLIA" "ARIA" "SEED" "SM4"
	                     * "3DES" "DES" "IDEA" "RC2" "RC4" "NULL" */
	const char *mode;   /* "GCM" "CCM" "CCM_8" "POLY1305" "CBC" "stream" (RC4)
	                     * "none" (NULL) */
	const char *mac;    /* "AEAD" (the cipher's own tag), "SHA384" "SHA256"
	                     * "SHA1" "MD5", "NULL" (TLS_NULL_WITH_NULL_NULL) */
	int bits;           /* symmetric strength: 0 (NULL), 40 (export), 56 (DES),
	                     * 112 (3DES), 128, 256 */
	bool fs;            /* ephemeral (EC)DH: DHE, ECDHE, DHE_PSK, ECDHE_PSK,
	                     * anon DH, TLS 1.3; not SRP nor ECCPWD (see doc) */
	bool aead;
	bool export_grade;  /* an _EXPORT_ suite (40-bit) */
	bool tls13;         /* a TLS 1.3 suite: key exchange and authentication
	                     * are negotiated apart from it */
};

/* Fill *out (may be NULL) for a cipher suite in the table. False for
 * anything else; then out->id is id, out->name is cipher_name(id) (an SCSV's
 * name, or NULL) and every other field is NULL, false or 0. */
bool cipher_lookup(uint16_t id, struct cipher_props *out);

/* The class of a cipher suite; CIPHER_UNKNOWN when cipher_lookup() fails. */
enum cipher_class cipher_class_of(uint16_t id);

/* "good", "sufficient", "phase-out", "insufficient", "unknown" (also for a
 * value outside the enum). */
const char *cipher_class_name(enum cipher_class c);

/* The IANA name (also of the two SCSVs), or NULL when id is not in the table. */
const char *cipher_name(uint16_t id);

/* For messages: the IANA name, "0x1234" when unknown, "none" for a
 * negative id (no cipher). out holds at least 64 bytes. */
void cipher_text(int32_t id, char out[64]);

/* True for the sixteen GREASE values of RFC 8701 (0x0A0A, 0x1A1A .. 0xFAFA),
 * which a client sprinkles into its list and a server never selects. */
bool cipher_is_grease(uint16_t id);

/* The table in id order, for tests and listings: cipher_table_id(i) for i
 * below cipher_table_len() is strictly increasing in i (0xFFFF, a private-use
 * id never in the table, for i out of range). */
size_t cipher_table_len(void);
uint16_t cipher_table_id(size_t i);

#endif
