/* agent/output/alertcmd.h: run AlertCommand for each alert, off the monitor thread.
 *
 * The command is an argument vector (AlertCommand /path/prog ARG...), run
 * with posix_spawn, never through a shell. The facts of the alert are in
 * its environment, which holds nothing else but PATH:
 *
 *   SMTPMON_ALERT        downgrade | recovery | information | passive
 *   SMTPMON_EVENT        tls-version-lowered, ... (downgrade.h)
 *   SMTPMON_TARGET       ADDR:PORT     SMTPMON_ADDRESS, SMTPMON_PORT
 *   SMTPMON_INDEX        the target's row index (SNMP instance)
 *   SMTPMON_NAME         TargetName / TargetMx domain, "" for TargetIP
 *   SMTPMON_OLD_TLS, SMTPMON_NEW_TLS        "TLSv1.3", ... or "none"
 *   SMTPMON_OLD_CIPHER, SMTPMON_NEW_CIPHER  IANA name, or "none"
 *   SMTPMON_TIME         seconds since the epoch
 *   SMTPMON_CLIENT, SMTPMON_DETAIL  passive alerts only: the client's
 *                        ADDR:PORT and what was seen on the wire
 *
 * Commands are started in order by ALERTCMD_RUNNERS threads of their own,
 * so up to that many run at once and one that hangs holds back no other;
 * stdin from /dev/null, stdout and stderr inherited, every descriptor above
 * 2 closed, in a session (and process group) of its own. One that runs
 * longer than the timeout (ALERTCMD_TIMEOUT_S) is sent SIGTERM with its
 * process group, and SIGKILL 2 s later. Its descendants end with it, even
 * those that left its process group (setsid, a double fork): the process is
 * a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so they become its
 * children when their parents die, and when a command has ended every such
 * orphan is sent SIGTERM, SIGKILL 1 s later, and reaped. At most
 * ALERTCMD_QUEUE alerts wait; more are dropped and counted (SMD1858W). A
 * failure to start, a signal or a non-zero exit is logged (SMD1858W) with
 * the event and target. The process must start no other child.
 */
#ifndef SMTPMON_ALERTCMD_H
#define SMTPMON_ALERTCMD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct alertcmd;

#define ALERTCMD_TIMEOUT_S 30
#define ALERTCMD_QUEUE     256
#define ALERTCMD_RUNNERS   4

struct alert_facts {
	const char *alert;       /* "downgrade", "recovery", "information", "passive" */
	const char *event;
	const char *target, *address, *name;
	uint16_t port;
	uint32_t index;
	const char *old_tls, *new_tls, *old_cipher, *new_cipher;
	time_t when;
	const char *client;      /* passive alerts; NULL otherwise */
	const char *detail;      /* passive alerts; TLS events that say what failed
	                          * in words; NULL otherwise */
	/* rating-lowered and its recovery: old and new overall class and the
	 * component that fell; NULL otherwise */
	const char *old_rating, *new_rating, *rating_part;
};

/* Start the runner threads; a command may run timeout_s seconds
 * (ALERTCMD_TIMEOUT_S in smtpmond). */
struct alertcmd *alertcmd_start(unsigned timeout_s);
/* Any thread, never blocks: run argv (NULL-terminated; copied) with f. */
void alertcmd_post(struct alertcmd *a, char *const argv[], const struct alert_facts *f);
/* Let the running commands and those queued run, for at most the timeout
 * in all (what is left then is dropped and logged; a command still running
 * is terminated with its process group), then join and free. NULL is a
 * no-op. */
void alertcmd_stop(struct alertcmd *a);

/* The address of target "ADDR:PORT" or "[ADDR6]:PORT" (SMTPMON_ADDRESS)
 * into out; text without a port is copied as it is. */
void alert_address_of(const char *target, char *out, size_t outlen);

#endif
