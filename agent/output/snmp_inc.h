/* agent/output/snmp_inc.h: net-snmp's agent headers, for the files that call it.
 *
 * Include after buildconf.h and after any use of our PACKAGE_* macros:
 * net-snmp's configuration header defines PACKAGE_* for itself, so ours
 * are taken away first.
 */
#ifndef SMTPMON_SNMP_INC_H
#define SMTPMON_SNMP_INC_H

#undef PACKAGE_BUGREPORT
#undef PACKAGE_NAME
#undef PACKAGE_STRING
#undef PACKAGE_TARNAME
#undef PACKAGE_URL
#undef PACKAGE_VERSION

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#endif
