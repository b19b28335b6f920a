/* agent/cli/check.h: `smtpmonctl check`, a one-shot probe in monitoring-plugins form.
 *
 * Prints one status line "SMTP OK|WARNING|CRITICAL|UNKNOWN - summary | perfdata",
 * long-output lines (appldata record, certificate, capabilities), or with
 * --json the connection object of report.h. Returns the plugin exit code:
 * 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
 */
#ifndef SMTPMON_CHECK_H
#define SMTPMON_CHECK_H

#include <stdio.h>

enum { CHECK_OK = 0, CHECK_WARNING = 1, CHECK_CRITICAL = 2, CHECK_UNKNOWN = 3 };

int check_main(int argc, char **argv);
void check_usage(FILE *f);

#endif
