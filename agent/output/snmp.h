/* agent/output/snmp.h: the AgentX subagent inside smtpmond (SMTPMON-MIB).
 *
 * Every net-snmp call runs on one thread of its own (net-snmp is not
 * thread-safe). That thread waits in select() on net-snmp's descriptors and
 * an eventfd that other threads write to; net-snmp's timers run from the
 * same loop (ALARM_DONT_USE_SIG), so nothing polls.
 *
 * Served (OIDs, columns and enumerations: agent/output/snmp_mib.h; the value of
 * each object: agent/output/snmpcol.h):
 *   scalars            version, writer, targets configured and up, probes
 *                      done and failed (Counter64), start time (DateAndTime)
 *   smtpmonTargetTable one row per registry row, index = registry index
 *   smtpmonConnectionTable  one row per open probe connection
 *                      (target index, role)
 *   smtpmonPassive     the passive probe: its scalars (reg_passive) and
 *                      smtpmonPassiveServerTable, one row per passive
 *                      registry row (reg_prow), index = its index
 *   notifications      smtpmonTargetDown / Up, smtpmonCertExpiring,
 *                      smtpmonTlsDowngrade / Recovered, smtpmonCertChanged,
 *                      smtpmonPassiveAlert, from snmp_agent_post()
 * The tables are net-snmp table_container tables fed from registry
 * snapshots: when the generation changes (looked at on every wake-up and
 * every second) one pass over the snapshot's row pointers finds what
 * changed; rows whose pointer is the same are not touched, so a refresh
 * costs that pass plus the changed rows. Everything is read-only: SET
 * requests are refused by net-snmp (notWritable).
 *
 * The AgentX connection: the configured socket (NULL: net-snmp's default,
 * /var/agentx/master), pinged every SNMP_AGENTX_PING_S seconds, so the
 * subagent registers again by itself after snmpd restarts. Its messages go
 * to smtpmon's log (SMD1842x). The process must be able to open the socket
 * as the user it runs as (snmpd.conf: agentXPerms); see smtpmond(8).
 */
#ifndef SMTPMON_SNMP_H
#define SMTPMON_SNMP_H

#include <stddef.h>

struct monitor_event;
struct registry;
struct snmp_agent;

#define SNMP_AGENTX_PING_S   5      /* AgentX ping, and reconnect attempts */
#define SNMP_EVENT_QUEUE     1024   /* notifications waiting; more are dropped */

/* Start the SNMP thread: initialise net-snmp as an AgentX subagent named
 * "smtpmond" on agentx_socket (NULL: net-snmp's default), register the MIB
 * and try to connect (a master that is not there yet is no error: the
 * subagent keeps trying). writer is the ExtWrtName for appldata records.
 * Returns when the thread has finished initialising; NULL with a message in
 * err if it could not. Blocks every signal in the new thread. */
struct snmp_agent *snmp_agent_start(struct registry *reg, const char *agentx_socket,
    const char *writer, char *err, size_t errlen);

/* Any thread, never blocks: queue a notification (any enum
 * monitor_event_kind) and wake the SNMP thread. When SNMP_EVENT_QUEUE are already waiting the event
 * is dropped and counted (logged by the SNMP thread). */
void snmp_agent_post(struct snmp_agent *a, const struct monitor_event *ev);

/* Any thread: the ExtWrtName changed (reload). */
void snmp_agent_set_writer(struct snmp_agent *a, const char *writer);

/* Send what is queued, unregister, shut net-snmp down, join the thread and
 * free everything. NULL is a no-op. */
void snmp_agent_stop(struct snmp_agent *a);

#endif
