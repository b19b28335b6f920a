/* agent/output/preport.h: how the passive probe's results are shown to users.
 *
 * One server row (struct pserver_view) as a JSON object (the keys of
 * doc/design.md "--json output" where they apply, plus the passive ones)
 * or as a line of the text table; one session as an AppldataLog-style line;
 * one alert as the key=value text of its syslog line. Shared by the
 * daemon's control socket (`smtpmonctl passive`) and `smtpmonctl pcap`, so
 * both show the same facts the same way.
 */
#ifndef SMTPMON_PREPORT_H
#define SMTPMON_PREPORT_H

#include <stdio.h>

#include "json.h"
#include "pserver.h"

void preport_json(struct json *j, const struct pserver_view *v);
void preport_text_header(FILE *out);
void preport_text_row(FILE *out, const struct pserver_view *v);
/* "event=starttls-stripped server=A:P client=A:P detail=\"...\"" into out. */
void preport_alert_text(const struct pserver_alert *a, char *out, size_t outsz);

#endif
