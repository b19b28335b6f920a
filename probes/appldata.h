/* probes/appldata.h: the 40-byte CSSMTP application data record.
 *
 * Layout (1-based bytes, blank-padded), from the z/OS CSSMTP format:
 *   1-8 component ID (EZASMTPM monitor, EZASMTPC test transaction), 9 blank,
 *   10-17 writer name, 18 blank, 19 server type S/E/blank, 20 security method
 *   B/T/blank, 21-22 security level T1 11 12 13 S3 S2 or blank, 23-24 cipher
 *   as 2 hex digits, "4X" when the IANA id is 0x100 or more, 25 blank,
 *   26-29 cipher as 4 hex digits, 30-40 blank.
 * Pure functions; the record is not NUL-terminated inside, the out buffer of
 * APPLDATA_LEN + 1 bytes gets a NUL after it for convenience.
 */
#ifndef SMTPMON_APPLDATA_H
#define SMTPMON_APPLDATA_H

#include <stdbool.h>

#define APPLDATA_LEN 40
#define APPLDATA_MONITOR "EZASMTPM"
#define APPLDATA_TRANSACTION "EZASMTPC"

enum appl_server_type { APPL_TYPE_UNKNOWN, APPL_TYPE_SMTP, APPL_TYPE_ESMTP };
enum appl_security { APPL_SEC_UNKNOWN, APPL_SEC_BASIC, APPL_SEC_TLS };

struct appldata_fields {
	const char *component;       /* APPLDATA_MONITOR or APPLDATA_TRANSACTION */
	const char *writer;          /* validated writer name (appldata_writer_norm) */
	enum appl_server_type type;
	enum appl_security security;
	int tls_version;             /* wire version: 0x0002 SSLv2, 0x0300 .. 0x0304; 0 none */
	int cipher_id;               /* IANA cipher suite number, -1 undetermined */
};

/* Validate a writer name (1-8 of A-Z 0-9 $ # @, letters of either case) and
 * write it upper-cased into norm[9]. Returns false when invalid. */
bool appldata_writer_norm(const char *name, char norm[9]);

/* Format the record; out must hold APPLDATA_LEN + 1 bytes. */
void appldata_format(const struct appldata_fields *f, char *out);

#endif
