/* probes/appltype.h: the one table of server types and security methods.
 *
 * A probe decides a connection's server type (enum appl_server_type) and
 * security method (enum appl_security, both in appldata.h); everything said
 * about them comes from here: the letter of the appldata record (byte 19
 * "E"/"S", byte 20 "T"/"B") and the word the reports, logs and JSON show
 * ("ESMTP"/"SMTP", "TLS"/"basic"). Unknown values have no text: each
 * function returns NULL and the caller chooses what to show ("unknown", "?",
 * "-", JSON null) -- but for the SNMP agent's MIB values, where unknown is
 * APPL_MIB_UNKNOWN (1). Pure, no allocation.
 */
#ifndef SMTPMON_APPLTYPE_H
#define SMTPMON_APPLTYPE_H

#include "appldata.h"

/* "ESMTP", "SMTP"; NULL for APPL_TYPE_UNKNOWN or a value out of range. */
const char *appl_type_name(enum appl_server_type type);

/* The appldata letter: "E", "S"; NULL for unknown. */
const char *appl_type_code(enum appl_server_type type);

/* The type of an appldata letter ('E', 'S'); APPL_TYPE_UNKNOWN for others. */
enum appl_server_type appl_type_of_code(char code);

/* "TLS", "basic"; NULL for APPL_SEC_UNKNOWN or a value out of range. */
const char *appl_security_name(enum appl_security sec);

/* The appldata letter: "T", "B"; NULL for unknown. */
const char *appl_security_code(enum appl_security sec);

/* The method of an appldata letter ('T', 'B'); APPL_SEC_UNKNOWN for others. */
enum appl_security appl_security_of_code(char code);

/* The MIB's values: SmtpmonServerType smtp(2) esmtp(3), the security
 * method basic(2) tls(3); APPL_MIB_UNKNOWN (1) for unknown. */
#define APPL_MIB_UNKNOWN 1
int appl_type_mib(enum appl_server_type type);
int appl_security_mib(enum appl_security sec);

#endif
