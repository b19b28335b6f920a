/* agent/output/snmpcol.h: the value of column C of an SMTPMON-MIB table for one row,
 * and of each scalar.
 *
 * Pure (no I/O, no net-snmp): a row of smtpmonTargetTable (a registry row),
 * of smtpmonPassiveServerTable (a passive server's view) or of
 * smtpmonConnectionTable (struct snmpcol_conn) and a column number of
 * agent/output/snmp_mib.h in, or a snapshot and a scalar's number; out a struct
 * snmpcol_value, decided to the octet:
 * the SNMP type, and the number or the octets exactly as they go on the
 * wire (Unsigned32 and TimeTicks already saturated at 2^32-1, Counter32
 * already wrapped to its low 32 bits, DisplayString already made printable
 * ASCII by safetext, DateAndTime the 11-octet UTC form, InetAddress the raw
 * octets). agent/output/snmp.c turns the value into a varbind and nothing else;
 * the unit test reads the same values without an agent.
 *
 * A column the table does not have (the not-accessible index included)
 * or a scalar the group does not have gives false and type SNMPCOL_NONE.
 *
 * The time-dependent columns (smtpmonTargetCertDaysLeft, the TimeStamp
 * smtpmonTargetLastChange) read the clock from struct snmpcol_clock, which
 * the caller fills when it asks (snmp.c: time() and net-snmp's sysUpTime).
 */
#ifndef SMTPMON_SNMPCOL_H
#define SMTPMON_SNMPCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

struct pserver_view;
struct reg_row;
struct reg_snapshot;

#define SNMPCOL_TEXT_MAX 255          /* DisplayString */
#define SNMPCOL_OCTETS_MAX (SNMPCOL_TEXT_MAX + 1)   /* room for any OCTET STRING value */
#define SNMPCOL_DAYS_NO_CERT 2147483647L   /* smtpmonTargetCertDaysLeft without a certificate */

enum snmpcol_type {
	SNMPCOL_NONE,                 /* no such column */
	SNMPCOL_INTEGER,              /* INTEGER, Integer32, enumerations, TruthValue: num */
	SNMPCOL_UNSIGNED,             /* Unsigned32: num, 0 .. 2^32-1 */
	SNMPCOL_GAUGE,                /* Gauge32: num, 0 .. 2^32-1 */
	SNMPCOL_COUNTER,              /* Counter32: num, 0 .. 2^32-1 */
	SNMPCOL_TIMETICKS,            /* TimeTicks (TimeStamp): num, 0 .. 2^32-1 */
	SNMPCOL_COUNTER64,            /* Counter64: c64 */
	SNMPCOL_OCTETS,               /* OCTET STRING: octets[0 .. len) */
};

struct snmpcol_value {
	enum snmpcol_type type;
	int64_t num;
	uint64_t c64;
	size_t len;
	uint8_t octets[SNMPCOL_OCTETS_MAX];
};

/* InetAddressType values (SmtpmonInetAddressType) */
enum { SNMPCOL_INET_UNKNOWN = 0, SNMPCOL_INET_IPV4 = 1, SNMPCOL_INET_IPV6 = 2,
	SNMPCOL_INET_IPV6Z = 4 };

struct snmpcol_inaddr {               /* an address as InetAddressType, InetAddress, port */
	long type;
	size_t len;                   /* 0, 4, 16 or 20 (ipv6z: the zone index follows) */
	uint8_t bytes[20];
	unsigned long port;
};

struct snmpcol_clock {
	time_t now;                   /* the wall clock */
	unsigned long uptime;         /* the agent's sysUpTime now, centiseconds */
};

struct snmpcol_conn {                 /* a row of smtpmonConnectionTable */
	const struct reg_row *row;    /* its target's registry row */
	int role;                     /* enum reg_role */
	struct snmpcol_inaddr local, remote;
};

/* smtpmonTargetTable: column col of row; writer is the ExtWrtName of the
 * appldata record. */
bool snmpcol_target(const struct reg_row *row, const char *writer,
    const struct snmpcol_clock *clk, unsigned col, struct snmpcol_value *out);

/* smtpmonPassiveServerTable: column col of a passive server's row. */
bool snmpcol_pserver(const struct pserver_view *v, unsigned col, struct snmpcol_value *out);

/* smtpmonConnectionTable: decide the addresses of row's connection role
 * (its "ADDR:PORT" texts; a remote that does not parse is the target's own
 * address and port). Run when the registry row changes, not per request:
 * a zone name (fe80::1%eth0) is looked up with if_nametoindex(). */
void snmpcol_conn_fill(struct snmpcol_conn *c, const struct reg_row *row, int role);
/* ... and column col of that row. */
bool snmpcol_conn(const struct snmpcol_conn *c, unsigned col, struct snmpcol_value *out);

/* What the scalars (smtpmonScalars) show that the snapshot does not hold. */
struct snmpcol_scalars {
	const char *version;          /* smtpmond's */
	const char *writer;           /* the ExtWrtName */
	size_t targets_up;            /* rows of s up */
};

/* smtpmonScalars: scalar n (SMTPMON_SC_) of snapshot s. */
bool snmpcol_scalar(const struct reg_snapshot *s, const struct snmpcol_scalars *x,
    unsigned n, struct snmpcol_value *out);
/* smtpmonPassiveScalars: scalar n (SMTPMON_PS_) of snapshot s. */
bool snmpcol_passive_scalar(const struct reg_snapshot *s, unsigned n,
    struct snmpcol_value *out);

/* The pieces the notifications share with the columns: */
/* an AF_INET / AF_INET6 address (a scope id makes it ipv6z) */
void snmpcol_inaddr_of_sockaddr(const struct sockaddr_storage *ss, struct snmpcol_inaddr *out);
/* DateAndTime of a UTC time with the "+0:00" offset: 11 octets; 0 for t == 0 */
size_t snmpcol_date_and_time(time_t t, uint8_t out[11]);
/* A server reply as a DisplayString: its lines separated by CR LF, at most
 * SNMPCOL_TEXT_MAX octets; returns the length */
size_t snmpcol_reply_text(const char *reply, char out[SNMPCOL_TEXT_MAX + 1]);

#endif
