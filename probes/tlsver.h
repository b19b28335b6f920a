/* probes/tlsver.h: the one table of TLS protocol versions.
 *
 * Probes record a TLS version as its wire value (0x0304); everything said
 * about it comes from here: the name OpenSSL's SSL_get_version() gives
 * ("TLSv1.3"), the appldata security level (bytes 21-22: "13"), the MIB's
 * SmtpmonTlsLevel (tls13(7)), and the words a configuration may use for a
 * minimum level. No other module maps a version. Pure, no allocation.
 */
#ifndef SMTPMON_TLSVER_H
#define SMTPMON_TLSVER_H

#include <stdint.h>

struct tlsver {
	uint16_t wire;           /* 0x0002 SSLv2, 0x0300 SSLv3 .. 0x0304 TLS 1.3 */
	const char *name;        /* "TLSv1.3", as SSL_get_version() says it */
	const char *appldata;    /* "13": appldata bytes 21-22 */
	int mib;                 /* SmtpmonTlsLevel: sslv2(2) .. tls13(7) */
	const char *config;      /* the minimum-level word ("13"); NULL: not allowed */
};

#define TLSVER_MIB_NONE 1        /* SmtpmonTlsLevel none(1): no TLS, or unknown */

/* The entry of a wire version; NULL for 0 and for versions not in the table
 * (drafts 0x7fxx, 0x0305, ...). */
const struct tlsver *tlsver_of(int wire);

/* Its name ("TLSv1.2"); NULL when unknown. */
const char *tlsver_name(int wire);

/* For messages: "none" for 0, the name, or "0x7f1c" for an unknown version. */
void tlsver_text(int wire, char out[16]);

/* Appldata bytes 21-22: "13", "T1", ...; "  " for none or unknown. */
const char *tlsver_appldata(int wire);

/* SmtpmonTlsLevel: 2 .. 7; TLSVER_MIB_NONE for none or unknown. */
int tlsver_mib(int wire);

/* A minimum level as a configuration writes it, any case: the level ("13",
 * "T1" or "10" for TLS 1.0) or the name ("TLSv1.3", also "TLSv1.0").
 * Returns the wire version, 0 when the word names no TLS 1.0+ version. */
int tlsver_parse(const char *word);

#endif
