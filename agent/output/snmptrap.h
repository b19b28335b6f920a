/* agent/output/snmptrap.h: the SNMP notification of one monitor event.
 *
 * snmptrap_send() builds the SMTPMON-MIB notification an event stands for
 * (smtpmonTargetDown/Up, the TLS downgrade, recovery and info events, the
 * certificate expiry warning, the passive probe's events) with its varbinds,
 * the row's columns given as agent/snmpcol decides them, and hands it to
 * net-snmp. It calls net-snmp: the SNMP thread only, once the subagent is
 * registered with its master.
 */
#ifndef SMTPMON_SNMPTRAP_H
#define SMTPMON_SNMPTRAP_H

struct monitor_event;

void snmptrap_send(const struct monitor_event *ev);

#endif
