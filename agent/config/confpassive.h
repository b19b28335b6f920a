/* agent/config/confpassive.h: the Passive block of smtpmon.conf, internal to the
 * config parser (agent/config/config.c runs it over the parse state of
 * agent/config/confstate.h).
 *
 * Passive { Interface NAME (repeated, at most CONFIG_MAX_IFACES) | PcapFile
 * /PATH; Ports PORT|LOW-HIGH... | any } fills cfg->passive: interfaces (1-15
 * characters, no '/', each once) or one capture file, not both; at most
 * CONFIG_MAX_PORTS ports and ranges, none twice or overlapping, or `any`
 * alone (probes/portset parses each value; every bad value is reported with
 * the statement's line). At its `}` the block needs an Interface or a
 * PcapFile, and Ports defaults to 25 587 465.
 */
#ifndef SMTPMON_CONFPASSIVE_H
#define SMTPMON_CONFPASSIVE_H

#include "confstate.h"

/* "Passive {": cfg->passive.present. */
void confpassive_open(struct pstate *ps);
/* Its `}`. */
void confpassive_close(struct pstate *ps);

/* The handlers of its statements. */
kw_apply kw_interface, kw_pcapfile, kw_ports;

#endif
