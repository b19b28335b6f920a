/* agent/snmp.c: see snmp.h.
 *
 * Threads: snmp_agent_post(), snmp_agent_set_writer() and snmp_agent_stop()
 * run on other threads and touch only the mailbox (lock, queue, writer,
 * stop flag) and the eventfd. Everything else, every net-snmp call
 * included, runs on the SNMP thread.
 *
 * The tables: a trow per registry row, a crow per open connection and a
 * psrow per passive server row, each starting with its netsnmp_index so the
 * table_container helper's binary array can sort and find them. They point
 * into the snapshot that a->snap holds; a refresh takes the new snapshot,
 * merges it with a->rows and a->psrows (all in index order) and only then
 * lets the old snapshot go.
 */
#include "buildconf.h"

/* net-snmp's configuration header defines PACKAGE_* for itself */
static const char agent_version[] = PACKAGE_VERSION;
#undef PACKAGE_BUGREPORT
#undef PACKAGE_NAME
#undef PACKAGE_STRING
#undef PACKAGE_TARNAME
#undef PACKAGE_URL
#undef PACKAGE_VERSION

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <net-snmp/library/large_fd_set.h>

#include "snmp.h"
#include "cipher.h"
#include "downgrade.h"
#include "log.h"
#include "mevent.h"
#include "mlimit.h"
#include "registry.h"
#include "safetext.h"
#include "snmp_mib.h"
#include "tlsver.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509_vfy.h>

#define AGENT_NAME        "smtpmond"
#define REFRESH_S         1       /* generation check without a wake-up */
#define REBUILD_AFTER     16      /* removals in one refresh: rebuild the container instead */
#define LOG_LINE_MAX      1024
#define DRAIN_BATCH       32      /* notifications sent between two reads of the socket */

/* SmtpmonInetAddressType (InetAddressType) */
enum { INET_UNKNOWN = 0, INET_IPV4 = 1, INET_IPV6 = 2, INET_IPV6Z = 4 };
#define DAYS_NO_CERT      2147483647L   /* smtpmonTargetCertDaysLeft without a certificate */
#define TEXT_MAX          255           /* DisplayString */
/* TruthValue: TV_TRUE (1) and TV_FALSE (2) come with net-snmp */

struct inaddr {
	long type;                    /* InetAddressType */
	size_t len;                   /* 0, 4, 16 or 20 (ipv6z: the zone index follows) */
	uint8_t bytes[20];
	u_long port;
};

struct crow;

/* net-snmp's log text up to its newline. Handed to net-snmp with the log
 * callback, which makes it net-snmp's: snmp_shutdown() frees the client
 * argument of every callback still registered. */
struct logline {
	char buf[LOG_LINE_MAX];
	size_t len;
	int pri;                      /* most severe priority of the pieces */
};

struct trow {                     /* a row of smtpmonTargetTable */
	netsnmp_index idx;            /* first: the container's key */
	oid sub[1];                   /* smtpmonTargetIndex */
	const struct reg_row *row;    /* in a->snap */
	struct crow *conn[2];         /* [REG_ROLE_MONITOR], [REG_ROLE_REPROBE] */
};

struct crow {                     /* a row of smtpmonConnectionTable */
	netsnmp_index idx;
	oid sub[2];                   /* smtpmonTargetIndex, smtpmonConnectionRole */
	const struct reg_row *row;
	int role;                     /* enum reg_role */
	struct inaddr local, remote;
};

struct psrow {                    /* a row of smtpmonPassiveServerTable */
	netsnmp_index idx;            /* first: the container's key */
	oid sub[1];                   /* smtpmonPassiveServerIndex */
	const struct reg_prow *row;   /* in a->snap */
};

struct snmp_agent {
	struct registry *reg;
	char *agentx_socket;          /* NULL: net-snmp's default */
	pthread_t thread;
	int wake_fd;                  /* eventfd: other threads write, the SNMP thread reads */

	/* the mailbox, shared: guarded by lock */
	pthread_mutex_t lock;
	pthread_cond_t started_cv;
	int started;                  /* 0 initialising, 1 running, -1 failed */
	char start_err[256];
	bool stop;
	struct monitor_event *queue;  /* ring of SNMP_EVENT_QUEUE */
	size_t q_head, q_len;
	uint64_t dropped;
	char writer_shared[9];

	/* the SNMP thread's own */
	struct monitor_event batch[DRAIN_BATCH];
	char writer[9];
	uint64_t dropped_seen;
	struct reg_snapshot *snap;
	struct trow **rows;           /* index order, the same rows as tcont */
	size_t n_rows;
	size_t targets_up;
	struct psrow **psrows;        /* index order, the same rows as pcont */
	size_t n_psrows;
	netsnmp_container *tcont, *ccont, *pcont;
	netsnmp_handler_registration *sreg, *treg, *creg, *psreg, *preg;
	netsnmp_table_registration_info *tinfo, *cinfo, *pinfo;   /* ours to free */
	unsigned refresh_alarm;
	uint64_t refreshes, rows_changed, notifications;
};

static const oid snmptrap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };

/* ---- net-snmp's log, into ours ---- */

static void
log_flush_line(struct logline *l)
{
	while (l->len > 0 && (l->buf[l->len - 1] == '\r' || l->buf[l->len - 1] == ' '))
		l->len--;
	l->buf[l->len] = '\0';
	if (l->len > 0) {
		if (l->pri <= LOG_ERR)
			log_errx("SMD1842E snmp: %s", l->buf);
		else if (l->pri == LOG_WARNING)
			log_warnx("SMD1842W snmp: %s", l->buf);
		else if (l->pri <= LOG_INFO)
			log_info("SMD1842I snmp: %s", l->buf);
		else
			log_debug("snmp: %s", l->buf);
	}
	l->len = 0;
	l->pri = LOG_DEBUG;
}

/* net-snmp hands over text in pieces: a line may come in several calls,
 * one call may hold several lines. One smtpmon log line per text line, at
 * the most severe priority of its pieces. */
static int
on_snmp_log(int major, int minor, void *serverarg, void *clientarg)
{
	const struct snmp_log_message *m = serverarg;
	struct logline *l = clientarg;
	const char *p;

	(void)major, (void)minor;
	if (m == NULL || m->msg == NULL || l == NULL)
		return 0;
	for (p = m->msg; *p != '\0'; p++) {
		if (m->priority < l->pri)
			l->pri = m->priority;
		if (*p == '\n') {
			log_flush_line(l);
			continue;
		}
		if (l->len < sizeof l->buf - 1)
			l->buf[l->len++] = *p;
	}
	return 0;
}

/* ---- value encoding ---- */

static void
set_int(netsnmp_variable_list *vb, long v)
{
	snmp_set_var_typed_value(vb, ASN_INTEGER, &v, sizeof v);
}

static void
set_uns(netsnmp_variable_list *vb, u_char type, uint64_t v)
{
	u_long u = v > 0xffffffffu ? 0xffffffffu : (u_long)v;

	snmp_set_var_typed_value(vb, type, &u, sizeof u);
}

/* Counter32: the low 32 bits, wrapping as a counter does */
static void
set_counter(netsnmp_variable_list *vb, uint64_t v)
{
	u_long u = (u_long)(v & 0xffffffffu);

	snmp_set_var_typed_value(vb, ASN_COUNTER, &u, sizeof u);
}

static void
set_c64(netsnmp_variable_list *vb, uint64_t v)
{
	struct counter64 c = { .high = (u_long)(v >> 32), .low = (u_long)(v & 0xffffffffu) };

	snmp_set_var_typed_value(vb, ASN_COUNTER64, &c, sizeof c);
}

static void
set_bytes(netsnmp_variable_list *vb, const void *p, size_t len)
{
	snmp_set_var_typed_value(vb, ASN_OCTET_STR, p, len);
}

/* Every DisplayString goes out through safe_text(): printable ASCII
 * (RFC 2579), whatever a server put in it. */

/* DisplayString: at most max octets */
static void
set_text(netsnmp_variable_list *vb, const char *s, size_t max)
{
	char buf[TEXT_MAX + 1];

	set_bytes(vb, buf, safe_text(s, max, buf, sizeof buf, 0));
}

/* A DisplayString from a fixed-size field: up to its NUL, at most size */
static void
set_field(netsnmp_variable_list *vb, const char *field, size_t size)
{
	set_text(vb, field, size);
}

/* A server reply as a DisplayString: its lines separated by CR LF (the
 * line break RFC 2579 allows), at most TEXT_MAX octets. */
static size_t
reply_text(const char *reply, char out[TEXT_MAX + 1])
{
	return safe_str(reply, out, TEXT_MAX + 1, SAFE_LINES);
}

static long
truth(bool b)
{
	return b ? TV_TRUE : TV_FALSE;
}

/* DateAndTime of a UTC time: 8 octets, or 11 with the "+0:00" offset. */
static size_t
date_and_time(time_t t, bool with_zone, uint8_t out[11])
{
	struct tm tm;

	if (t == 0 || gmtime_r(&t, &tm) == NULL)
		return 0;
	out[0] = (uint8_t)((tm.tm_year + 1900) >> 8);
	out[1] = (uint8_t)((tm.tm_year + 1900) & 0xff);
	out[2] = (uint8_t)(tm.tm_mon + 1);
	out[3] = (uint8_t)tm.tm_mday;
	out[4] = (uint8_t)tm.tm_hour;
	out[5] = (uint8_t)tm.tm_min;
	out[6] = (uint8_t)(tm.tm_sec > 59 ? 59 : tm.tm_sec);   /* no leap second in the TC */
	out[7] = 0;
	if (!with_zone)
		return 8;
	out[8] = '+';
	out[9] = 0;
	out[10] = 0;
	return 11;
}

/* TimeStamp: the agent's sysUpTime when t happened; 0 before the agent
 * started (or never). */
static u_long
timestamp_of(time_t t)
{
	u_long up = netsnmp_get_agent_uptime();
	time_t now = time(NULL);
	uint64_t ago;

	if (t == 0)
		return 0;
	if (t >= now)
		return up;
	ago = (uint64_t)(now - t) * 100u;
	return ago >= up ? 0 : up - (u_long)ago;
}

/* ipv6z: the 4-octet zone index after the address, network order */
static void
zone_append(struct inaddr *in, uint32_t zone)
{
	in->type = INET_IPV6Z;
	in->bytes[16] = (uint8_t)(zone >> 24);
	in->bytes[17] = (uint8_t)(zone >> 16);
	in->bytes[18] = (uint8_t)(zone >> 8);
	in->bytes[19] = (uint8_t)zone;
	in->len = 20;
}

/* a passive row's address: family and the raw octets (IPv4 in the first 4) */
static void
inaddr_of_raw(int family, const uint8_t addr[16], uint16_t port, struct inaddr *out)
{
	memset(out, 0, sizeof *out);
	if (family == AF_INET) {
		out->type = INET_IPV4;
		out->len = 4;
	} else if (family == AF_INET6) {
		out->type = INET_IPV6;
		out->len = 16;
	}
	memcpy(out->bytes, addr, out->len);
	out->port = port;
}

static void
inaddr_of_sockaddr(const struct sockaddr_storage *ss, struct inaddr *out)
{
	memset(out, 0, sizeof *out);
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		out->type = INET_IPV4;
		out->len = 4;
		memcpy(out->bytes, &sin->sin_addr, 4);
		out->port = ntohs(sin->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		out->type = INET_IPV6;
		out->len = 16;
		memcpy(out->bytes, &sin6->sin6_addr, 16);
		out->port = ntohs(sin6->sin6_port);
		if (sin6->sin6_scope_id != 0)
			zone_append(out, sin6->sin6_scope_id);
	}
}

/* "ADDR:PORT" / "[ADDR6]:PORT" (sockaddr_text()) */
static void
inaddr_of_text(const char *text, struct inaddr *out)
{
	char host[64];
	const char *colon;
	char *pct;
	uint32_t zone = 0;
	size_t n;

	memset(out, 0, sizeof *out);
	if (text[0] == '[') {
		const char *end = strchr(text, ']');

		if (end == NULL || end[1] != ':')
			return;
		n = (size_t)(end - text - 1);
		colon = end + 1;
		text++;
	} else {
		colon = strrchr(text, ':');
		if (colon == NULL)
			return;
		n = (size_t)(colon - text);
	}
	if (n >= sizeof host)
		return;
	memcpy(host, text, n);
	host[n] = '\0';
	pct = strchr(host, '%');        /* fe80::1%eth0 */
	if (pct != NULL) {
		*pct++ = '\0';
		zone = if_nametoindex(pct);
		if (zone == 0)
			zone = (uint32_t)strtoul(pct, NULL, 10);
	}
	if (inet_pton(AF_INET, host, out->bytes) == 1) {
		out->type = INET_IPV4;
		out->len = 4;
	} else if (inet_pton(AF_INET6, host, out->bytes) == 1) {
		out->type = INET_IPV6;
		out->len = 16;
		if (zone != 0)
			zone_append(out, zone);
	} else {
		return;
	}
	out->port = strtoul(colon + 1, NULL, 10) & 0xffffu;
}

/* ---- column values ---- */

static long
status_value(enum reg_state st)
{
	switch (st) {
	case REG_STARTING:  return 1;
	case REG_UP:        return 2;
	case REG_DOWN:      return 3;
	case REG_RESOLVING: return 4;
	}
	return 1;
}

static long
tls_level_value(const struct smtp_result *r)
{
	return r->tls_done ? tlsver_mib(r->tls.version) : 1;
}

/* SmtpmonCipherClass: unknown(1) .. good(5) */
static long
class_value(int32_t cipher_id)
{
	if (cipher_id < 0 || cipher_id > 0xffff)
		return 1;
	return 1 + (long)cipher_class_of((uint16_t)cipher_id);
}

static long
verify_value(const struct smtp_result *r)
{
	if (!r->tls_done || !r->tls.have_cert || r->tls.verify_code < 0)
		return 1;                                   /* unknown */
	if (r->tls.verify_code == X509_V_ERR_CERT_HAS_EXPIRED ||
	    r->tls.verify_code == X509_V_ERR_CERT_NOT_YET_VALID)
		return 4;                                   /* expired (or not yet valid) */
	if (r->tls.verify_code != X509_V_OK)
		return 3;                                   /* untrusted */
	if (r->tls.host_match == 0)
		return 5;                                   /* nameMismatch */
	return 2;                                       /* ok */
}

/* SmtpmonCapabilities: BITS, bit N is the MSB-first bit N of the octets */
static size_t
caps_bits(uint32_t caps, uint8_t *out)
{
	size_t len = (SMTP_CAP_COUNT + 7) / 8;

	memset(out, 0, len);
	for (unsigned b = 0; b < SMTP_CAP_COUNT; b++)
		if (caps & (1u << b))
			out[b / 8] |= (uint8_t)(0x80u >> (b % 8));
	return len;
}

static void
target_column(const struct snmp_agent *a, const struct reg_row *row, unsigned col,
    netsnmp_variable_list *vb)
{
	const struct smtp_result *r = &row->res;
	struct inaddr in;
	uint8_t buf[16];
	char text[512];

	switch (col) {
	case SMTPMON_T_ADDRESS_TYPE:
		inaddr_of_sockaddr(&row->addr, &in);
		set_int(vb, in.type);
		break;
	case SMTPMON_T_ADDRESS:
		inaddr_of_sockaddr(&row->addr, &in);
		set_bytes(vb, in.bytes, in.len);
		break;
	case SMTPMON_T_PORT:
		set_uns(vb, ASN_UNSIGNED, row->port);
		break;
	case SMTPMON_T_NAME:
		set_text(vb, row->name, TEXT_MAX);
		break;
	case SMTPMON_T_MX_HOST:
		set_text(vb, row->mx_host, TEXT_MAX);
		break;
	case SMTPMON_T_SECURE:
		set_int(vb, truth(row->secure));
		break;
	case SMTPMON_T_STATUS:
		set_int(vb, status_value(row->state));
		break;
	case SMTPMON_T_SERVER_TYPE:
		set_int(vb, r->server_type == APPL_TYPE_ESMTP ? 3 :
		    r->server_type == APPL_TYPE_SMTP ? 2 : 1);
		break;
	case SMTPMON_T_SECURITY:
		set_int(vb, r->security == APPL_SEC_TLS ? 3 : r->security == APPL_SEC_BASIC ? 2 : 1);
		break;
	case SMTPMON_T_TLS_LEVEL:
		set_int(vb, tls_level_value(r));
		break;
	case SMTPMON_T_CIPHER_ID:
		set_int(vb, r->tls_done && r->tls.cipher_id >= 0 ? (long)(r->tls.cipher_id & 0xffff) : -1);
		break;
	case SMTPMON_T_CIPHER_NAME:
		set_text(vb, r->tls_done && r->tls.cipher_id >= 0 ? r->tls.cipher : "", TEXT_MAX);
		break;
	case SMTPMON_T_KX_GROUP:
		set_text(vb, r->tls_done ? r->tls.group : "", TEXT_MAX);
		break;
	case SMTPMON_T_CERT_NOT_AFTER: {
		uint8_t dt[11];
		size_t n = r->tls_done && r->tls.have_cert ? date_and_time(r->tls.not_after, true, dt) : 0;

		set_bytes(vb, dt, n);
		break;
	}
	case SMTPMON_T_CERT_DAYS_LEFT: {
		long long left = 0, days = DAYS_NO_CERT;

		if (r->tls_done && r->tls.have_cert && r->tls.not_after != 0) {
			left = (long long)r->tls.not_after - (long long)time(NULL);
			/* whole days, rounded down: -1 on the day after expiry */
			days = left >= 0 ? left / 86400 : -((-left + 86399) / 86400);
			if (days > INT32_MAX)
				days = INT32_MAX;
			if (days < -INT32_MAX)
				days = -INT32_MAX;
		}
		set_int(vb, (long)days);
		break;
	}
	case SMTPMON_T_CERT_VERIFY:
		set_int(vb, verify_value(r));
		break;
	case SMTPMON_T_STARTTLS_OFFERED:
		set_int(vb, truth(r->starttls_offered));
		break;
	case SMTPMON_T_CAPABILITIES:
		/* the last EHLO reply: the one after TLS when there was one */
		set_bytes(vb, buf, caps_bits(r->tls_done && r->caps_tls.nlines > 0 ?
		    r->caps_tls.caps : r->caps_pre.caps, buf));
		break;
	case SMTPMON_T_AUTH_PRETLS:
		smtp_caps_auth_names(&r->caps_pre, text, sizeof text);
		set_text(vb, text, TEXT_MAX);
		break;
	case SMTPMON_T_APPLDATA:
		reg_row_record(row, a->writer, text);
		set_bytes(vb, text, APPLDATA_LEN);
		break;
	case SMTPMON_T_RTT_CONNECT:
		set_uns(vb, ASN_UNSIGNED, r->t.connect);
		break;
	case SMTPMON_T_RTT_BANNER:
		set_uns(vb, ASN_UNSIGNED, r->t.banner);
		break;
	case SMTPMON_T_RTT_EHLO:
		set_uns(vb, ASN_UNSIGNED, r->t.ehlo);
		break;
	case SMTPMON_T_RTT_STARTTLS:
		set_uns(vb, ASN_UNSIGNED, r->t.starttls);
		break;
	case SMTPMON_T_RTT_HANDSHAKE:
		set_uns(vb, ASN_UNSIGNED, r->t.handshake);
		break;
	case SMTPMON_T_RTT_NOOP:
		set_uns(vb, ASN_UNSIGNED, row->noop_rtt_us);
		break;
	case SMTPMON_T_CONNECTS:
		set_counter(vb, row->connects);
		break;
	case SMTPMON_T_CONNECT_FAILURES:
		set_counter(vb, row->connect_failures);
		break;
	case SMTPMON_T_NOOPS:
		set_counter(vb, row->noops);
		break;
	case SMTPMON_T_REPROBES:
		set_counter(vb, row->reprobes);
		break;
	case SMTPMON_T_LAST_CHANGE:
		set_uns(vb, ASN_TIMETICKS, timestamp_of(row->last_change));
		break;
	case SMTPMON_T_LAST_REPLY:
		/* the failure facts are the current ones only while down */
		set_bytes(vb, text, reply_text(row->state == REG_DOWN ? row->last_reply : "", text));
		break;
	case SMTPMON_T_CIPHER_CLASS:
		set_int(vb, r->tls_done ? class_value(r->tls.cipher_id) : 1);
		break;
	case SMTPMON_T_BASELINE_TLS_LEVEL:
		set_int(vb, row->dg.set ? tlsver_mib(row->dg.best.tls_version) : 1);
		break;
	case SMTPMON_T_BASELINE_CIPHER_ID:
		set_int(vb, row->dg.set ? row->dg.best.cipher_id : -1);
		break;
	case SMTPMON_T_BASELINE_CIPHER_NAME: {
		const char *n = row->dg.set && row->dg.best.cipher_id >= 0 ?
		    cipher_name((uint16_t)row->dg.best.cipher_id) : NULL;

		set_text(vb, n ? n : "", TEXT_MAX);
		break;
	}
	case SMTPMON_T_BASELINE_CIPHER_CLASS:
		set_int(vb, row->dg.set ? class_value(row->dg.best.cipher_id) : 1);
		break;
	case SMTPMON_T_BASELINE_SINCE: {
		uint8_t dt[11];

		set_bytes(vb, dt, row->dg.set ? date_and_time(row->dg.set_at, true, dt) : 0);
		break;
	}
	case SMTPMON_T_TLS_DOWNGRADES:
		dg_events_text(row->dg.active, text, sizeof text);
		set_text(vb, text, TEXT_MAX);
		break;
	case SMTPMON_T_TLS_EVENT:
		set_text(vb, dg_event_name(row->dg.last_event), TEXT_MAX);
		break;
	case SMTPMON_T_TLS_EVENT_KIND:
		set_int(vb, row->dg.last_event < 0 ? 1 : row->dg.last_recovered ? 3 : 2);
		break;
	case SMTPMON_T_TLS_EVENT_TIME: {
		uint8_t dt[11];

		set_bytes(vb, dt, row->dg.last_event >= 0 ? date_and_time(row->dg.last_event_at,
		    true, dt) : 0);
		break;
	}
	case SMTPMON_T_SERVER_CLOSES:
		set_counter(vb, row->server_closes);
		break;
	case SMTPMON_T_RECYCLES:
		set_counter(vb, row->recycles);
		break;
	case SMTPMON_T_THROTTLES:
		set_counter(vb, row->throttles);
		break;
	/* the last server close: its facts, or none while at is 0 */
	case SMTPMON_T_LAST_CLOSE_REPLY:
		set_bytes(vb, text, row->last_close.at != 0 ? safe_text(row->last_close.reply,
		    sizeof row->last_close.reply, text, REG_CLOSE_REPLY_MAX + 1, 0) : 0);
		break;
	case SMTPMON_T_LAST_CLOSE_KIND:   /* none(1) idle(2) command(3) */
		set_int(vb, row->last_close.at == 0 ? 1 :
		    row->last_close.kind == MLIMIT_END_IDLE ? 2 : 3);
		break;
	case SMTPMON_T_LAST_CLOSE_IDLE:
		set_uns(vb, ASN_UNSIGNED, row->last_close.at != 0 ? row->last_close.idle_ms : 0);
		break;
	case SMTPMON_T_LAST_CLOSE_NOOPS:
		set_uns(vb, ASN_UNSIGNED, row->last_close.at != 0 ? row->last_close.noops : 0);
		break;
	case SMTPMON_T_LAST_CLOSE_TIME: {
		uint8_t dt[11];

		set_bytes(vb, dt, date_and_time(row->last_close.at, true, dt));
		break;
	}
	case SMTPMON_T_LEARNED_IDLE:
		set_uns(vb, ASN_UNSIGNED, row->learned_idle_ms);
		break;
	case SMTPMON_T_NOOP_BUDGET:
		set_uns(vb, ASN_UNSIGNED, row->noop_budget);
		break;
	case SMTPMON_T_NOOP_INTERVAL:
		set_uns(vb, ASN_UNSIGNED, row->noop_interval_ms);
		break;
	default:
		break;
	}
}

/* "PLAIN  LOGIN " -> "PLAIN LOGIN": the words, one blank between, as
 * smtpmonctl passive --json splits them */
static size_t
words_text(const char *s, size_t size, char *out, size_t outsz)
{
	size_t n = 0, i = 0;

	while (i < size && s[i] != '\0') {
		if (s[i] == ' ') {
			i++;
			continue;
		}
		if (n > 0 && n < outsz - 1)
			out[n++] = ' ';
		while (i < size && s[i] != '\0' && s[i] != ' ') {
			if (n < outsz - 1)
				out[n++] = s[i];
			i++;
		}
	}
	out[n] = '\0';
	return n;
}

/* The events in force, comma-separated in enum ps_event order */
static size_t
events_text(uint32_t events, char *out, size_t outsz)
{
	size_t used = 0;

	out[0] = '\0';
	for (int e = 0; e < PS_EV_COUNT; e++) {
		int n;

		if (!(events & (1u << e)))
			continue;
		n = snprintf(out + used, outsz - used, "%s%s", used ? "," : "",
		    ps_event_name((enum ps_event)e));
		if (n < 0 || (size_t)n >= outsz - used)
			break;
		used += (size_t)n;
	}
	return used;
}

static void
pserver_column(const struct pserver_view *v, unsigned col, netsnmp_variable_list *vb)
{
	struct inaddr in;
	uint8_t dt[11];
	char text[TEXT_MAX + 1];

	switch (col) {
	case SMTPMON_P_ADDR_TYPE:
		inaddr_of_raw(v->family, v->addr, v->port, &in);
		set_int(vb, in.type);
		break;
	case SMTPMON_P_ADDR:
		inaddr_of_raw(v->family, v->addr, v->port, &in);
		set_bytes(vb, in.bytes, in.len);
		break;
	case SMTPMON_P_PORT:
		set_uns(vb, ASN_UNSIGNED, v->port);
		break;
	case SMTPMON_P_TYPE:
		set_int(vb, v->server_type == 'E' ? 3 : v->server_type == 'S' ? 2 : 1);
		break;
	case SMTPMON_P_STARTTLS:
		set_int(vb, truth(v->ehlo_seen && v->starttls_offered));
		break;
	case SMTPMON_P_TLS_KNOWN:
		set_int(vb, truth(v->starttls_known));
		break;
	case SMTPMON_P_AUTH_PRETLS:
		set_bytes(vb, text, words_text(v->auth_pretls, sizeof v->auth_pretls, text,
		    sizeof text));
		break;
	case SMTPMON_P_SECURITY:
		set_int(vb, v->last_security == 'T' ? 3 : v->last_security == 'B' ? 2 : 1);
		break;
	case SMTPMON_P_TLS_LEVEL:
		set_int(vb, tlsver_mib(v->tls_version));
		break;
	case SMTPMON_P_CIPHER_ID:
		set_int(vb, v->cipher_id >= 0 ? (long)(v->cipher_id & 0xffff) : -1);
		break;
	case SMTPMON_P_CIPHER_NAME: {
		const char *n = v->cipher_id >= 0 ? cipher_name((uint16_t)v->cipher_id) : NULL;

		set_text(vb, n ? n : "", TEXT_MAX);
		break;
	}
	case SMTPMON_P_CIPHER_CLASS:
		set_int(vb, class_value(v->cipher_id));
		break;
	case SMTPMON_P_BASELINE_TLS:
		set_int(vb, tlsver_mib(v->best_tls));
		break;
	case SMTPMON_P_CERT_NOT_AFTER:
		set_bytes(vb, dt, date_and_time(v->cert_not_after, true, dt));
		break;
	case SMTPMON_P_SNI:
		set_field(vb, v->sni, sizeof v->sni);
		break;
	case SMTPMON_P_BANNER:
		set_field(vb, v->banner, sizeof v->banner);
		break;
	case SMTPMON_P_MANGLED:
		set_field(vb, v->mangled, sizeof v->mangled);
		break;
	case SMTPMON_P_APPLDATA: {
		size_t n = strnlen(v->appldata, APPLDATA_LEN);

		/* SIZE (40): blank-padded, as the record always is */
		memcpy(text, v->appldata, n);
		memset(text + n, ' ', APPLDATA_LEN - n);
		set_bytes(vb, text, APPLDATA_LEN);
		break;
	}
	case SMTPMON_P_LAST_CLIENT:
		set_field(vb, v->last_client, sizeof v->last_client);
		break;
	case SMTPMON_P_SESS_TOTAL:
		set_counter(vb, v->sessions);
		break;
	case SMTPMON_P_SESS_TLS:
		set_counter(vb, v->sessions_tls);
		break;
	case SMTPMON_P_SESS_BASIC:
		set_counter(vb, v->sessions_plain);
		break;
	case SMTPMON_P_ALERTS:
		set_counter(vb, v->alerts);
		break;
	case SMTPMON_P_ACTIVE_EVENTS:
		set_bytes(vb, text, events_text(v->events, text, sizeof text));
		break;
	case SMTPMON_P_EVENT:
		set_field(vb, v->last_event, sizeof v->last_event);
		break;
	case SMTPMON_P_EVENT_CLIENT:
		/* the event's facts go with its name */
		set_field(vb, v->last_event[0] ? v->last_event_client : "",
		    sizeof v->last_event_client);
		break;
	case SMTPMON_P_EVENT_DETAIL:
		set_field(vb, v->last_event[0] ? v->last_event_detail : "",
		    sizeof v->last_event_detail);
		break;
	case SMTPMON_P_EVENT_TIME:
		set_bytes(vb, dt, v->last_event[0] ? date_and_time(v->last_event_at, true, dt) : 0);
		break;
	case SMTPMON_P_FIRST_SEEN:
		set_bytes(vb, dt, date_and_time(v->first_seen, true, dt));
		break;
	case SMTPMON_P_LAST_SEEN:
		set_bytes(vb, dt, date_and_time(v->last_seen, true, dt));
		break;
	default:
		break;
	}
}

static void
conn_column(const struct snmp_agent *a, const struct crow *cr, unsigned col,
    netsnmp_variable_list *vb)
{
	(void)a;
	switch (col) {
	case SMTPMON_C_LOCAL_ADDRESS_TYPE:
		set_int(vb, cr->local.type);
		break;
	case SMTPMON_C_LOCAL_ADDRESS:
		set_bytes(vb, cr->local.bytes, cr->local.len);
		break;
	case SMTPMON_C_LOCAL_PORT:
		set_uns(vb, ASN_UNSIGNED, cr->local.port);
		break;
	case SMTPMON_C_REMOTE_ADDRESS_TYPE:
		set_int(vb, cr->remote.type);
		break;
	case SMTPMON_C_REMOTE_ADDRESS:
		set_bytes(vb, cr->remote.bytes, cr->remote.len);
		break;
	case SMTPMON_C_REMOTE_PORT:
		set_uns(vb, ASN_UNSIGNED, cr->remote.port);
		break;
	case SMTPMON_C_APPLDATA:
		set_bytes(vb, cr->row->conns[cr->role].appldata, APPLDATA_LEN);
		break;
	default:
		break;
	}
}

/* ---- handlers (the SNMP thread, inside snmp_read2) ---- */

static int
on_scalar(netsnmp_mib_handler *handler, netsnmp_handler_registration *reginfo,
    netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	struct snmp_agent *a = handler->myvoid;
	const struct reg_snapshot *s = a->snap;
	const size_t at = SMTPMON_OID_ROOT_LEN + 2;   /* ROOT.1.1.N.0: N */

	if (reqinfo->mode != MODE_GET)
		return SNMP_ERR_NOERROR;
	for (netsnmp_request_info *r = requests; r != NULL; r = r->next) {
		netsnmp_variable_list *vb = r->requestvb;
		uint8_t dt[11];

		if (r->processed)
			continue;
		if (vb->name_length != at + 2) {
			netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHINSTANCE);
			continue;
		}
		switch (vb->name[at]) {
		case SMTPMON_SC_VERSION:
			set_text(vb, agent_version, TEXT_MAX);
			break;
		case SMTPMON_SC_WRITER:
			set_text(vb, a->writer, 8);
			break;
		case SMTPMON_SC_TARGETS_CONFIGURED:
			set_uns(vb, ASN_GAUGE, s->targets_configured);
			break;
		case SMTPMON_SC_TARGETS_UP:
			set_uns(vb, ASN_GAUGE, a->targets_up);
			break;
		case SMTPMON_SC_PROBES_DONE:
			set_c64(vb, s->probes_done);
			break;
		case SMTPMON_SC_PROBE_FAILURES:
			set_c64(vb, s->probe_failures);
			break;
		case SMTPMON_SC_START_TIME:
			set_bytes(vb, dt, date_and_time(s->started, true, dt));
			break;
		default:
			netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHOBJECT);
			break;
		}
	}
	return SNMP_ERR_NOERROR;
}

static int
on_passive_scalar(netsnmp_mib_handler *handler, netsnmp_handler_registration *reginfo,
    netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	struct snmp_agent *a = handler->myvoid;
	const struct reg_snapshot *s = a->snap;
	const struct reg_passive *p = &s->passive;
	const size_t at = SMTPMON_OID_ROOT_LEN + 3;   /* ROOT.1.5.1.N.0: N */

	(void)reginfo;
	if (reqinfo->mode != MODE_GET)
		return SNMP_ERR_NOERROR;
	for (netsnmp_request_info *r = requests; r != NULL; r = r->next) {
		netsnmp_variable_list *vb = r->requestvb;

		if (r->processed)
			continue;
		if (vb->name_length != at + 2) {
			netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHINSTANCE);
			continue;
		}
		switch (vb->name[at]) {
		case SMTPMON_PS_ENABLED:
			set_int(vb, truth(p->enabled));
			break;
		case SMTPMON_PS_SOURCE:
			set_field(vb, p->enabled ? p->source : "", sizeof p->source);
			break;
		case SMTPMON_PS_PACKETS:
			set_c64(vb, p->packets);
			break;
		case SMTPMON_PS_BYTES:
			set_c64(vb, p->bytes);
			break;
		case SMTPMON_PS_SESSIONS:
			set_c64(vb, p->sessions);
			break;
		case SMTPMON_PS_SESSIONS_TLS:
			set_c64(vb, p->sessions_tls);
			break;
		case SMTPMON_PS_SESSIONS_BASIC:
			set_c64(vb, p->sessions_plain);
			break;
		case SMTPMON_PS_SERVERS:
			set_uns(vb, ASN_GAUGE, s->n_prows);
			break;
		case SMTPMON_PS_SERVERS_DROPPED:
			set_c64(vb, p->servers_dropped);
			break;
		case SMTPMON_PS_ALERTS:
			set_c64(vb, p->alerts);
			break;
		case SMTPMON_PS_CAPTURE_DROPS:
			set_c64(vb, p->capture_drops);
			break;
		case SMTPMON_PS_BYTES_LOST:
			set_c64(vb, p->bytes_lost);
			break;
		case SMTPMON_PS_TLS_POOL_EMPTY:
			set_c64(vb, p->tls_pool_empty);
			break;
		case SMTPMON_PS_ERROR:
			set_field(vb, p->error, sizeof p->error);
			break;
		default:
			netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHOBJECT);
			break;
		}
	}
	return SNMP_ERR_NOERROR;
}

/* One table's GET: each request's row from the container, then its column. */
typedef void column_fn(const struct snmp_agent *a, const void *row, unsigned col,
    netsnmp_variable_list *vb);

static int
serve_table(netsnmp_mib_handler *handler, netsnmp_agent_request_info *reqinfo,
    netsnmp_request_info *requests, column_fn *column)
{
	struct snmp_agent *a = handler->myvoid;

	if (reqinfo->mode != MODE_GET)
		return SNMP_ERR_NOERROR;
	for (netsnmp_request_info *r = requests; r != NULL; r = r->next) {
		void *row;
		netsnmp_table_request_info *ti;

		if (r->processed)
			continue;
		row = netsnmp_container_table_row_extract(r);
		ti = netsnmp_extract_table_info(r);
		if (row == NULL || ti == NULL) {
			netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHINSTANCE);
			continue;
		}
		column(a, row, ti->colnum, r->requestvb);
	}
	return SNMP_ERR_NOERROR;
}

static void
target_cell(const struct snmp_agent *a, const void *row, unsigned col, netsnmp_variable_list *vb)
{
	target_column(a, ((const struct trow *)row)->row, col, vb);
}

static void
conn_cell(const struct snmp_agent *a, const void *row, unsigned col, netsnmp_variable_list *vb)
{
	conn_column(a, row, col, vb);
}

static void
pserver_cell(const struct snmp_agent *a, const void *row, unsigned col,
    netsnmp_variable_list *vb)
{
	(void)a;
	pserver_column(&((const struct psrow *)row)->row->v, col, vb);
}

static int
on_target_table(netsnmp_mib_handler *handler, netsnmp_handler_registration *reginfo,
    netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	(void)reginfo;
	return serve_table(handler, reqinfo, requests, target_cell);
}

static int
on_conn_table(netsnmp_mib_handler *handler, netsnmp_handler_registration *reginfo,
    netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	(void)reginfo;
	return serve_table(handler, reqinfo, requests, conn_cell);
}

static int
on_pserver_table(netsnmp_mib_handler *handler, netsnmp_handler_registration *reginfo,
    netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	(void)reginfo;
	return serve_table(handler, reqinfo, requests, pserver_cell);
}

/* ---- the containers, fed from snapshots ---- */

static struct crow *
crow_new(const struct reg_row *row, int role)
{
	struct crow *cr = xcalloc(1, sizeof(*cr));

	cr->idx.oids = cr->sub;
	cr->idx.len = 2;
	cr->sub[0] = row->index;
	cr->sub[1] = role == REG_ROLE_MONITOR ? 1 : 2;
	cr->role = role;
	return cr;
}

static void
crow_fill(struct crow *cr, const struct reg_row *row)
{
	const struct reg_conn *c = &row->conns[cr->role];

	cr->row = row;
	inaddr_of_text(c->local, &cr->local);
	inaddr_of_text(c->remote, &cr->remote);
	if (cr->remote.len == 0) {   /* fall back on the target's own address */
		inaddr_of_sockaddr(&row->addr, &cr->remote);
		cr->remote.port = row->port;
	}
}

/* Bring tr's connection rows in line with row (NULL: the target is gone).
 * Without in_place the container is left alone: it is about to be filled
 * again from scratch. */
static void
conns_sync(struct snmp_agent *a, struct trow *tr, const struct reg_row *row, bool in_place)
{
	for (int k = 0; k < 2; k++) {
		bool open = row != NULL && row->conns[k].open;
		struct crow *cr = tr->conn[k];

		if (open && cr == NULL) {
			cr = tr->conn[k] = crow_new(row, k);
			crow_fill(cr, row);
			if (in_place)
				CONTAINER_INSERT(a->ccont, cr);
		} else if (open) {
			crow_fill(cr, row);
		} else if (cr != NULL) {
			if (in_place)
				CONTAINER_REMOVE(a->ccont, cr);
			free(cr);
			tr->conn[k] = NULL;
		}
	}
}

static void
noop_free(void *data, void *context)
{
	(void)data, (void)context;
}

/* Fill a container again from rows (index order): every insert lands at
 * the end, so this is a binary search per row and no moves. */
static void
containers_rebuild(struct snmp_agent *a, bool targets, bool conns)
{
	if (targets)
		CONTAINER_CLEAR(a->tcont, noop_free, NULL);
	if (conns)
		CONTAINER_CLEAR(a->ccont, noop_free, NULL);
	for (size_t i = 0; i < a->n_rows; i++) {
		if (targets)
			CONTAINER_INSERT(a->tcont, a->rows[i]);
		if (conns)
			for (int k = 0; k < 2; k++)
				if (a->rows[i]->conn[k] != NULL)
					CONTAINER_INSERT(a->ccont, a->rows[i]->conn[k]);
	}
}

/* One merge of the held rows with snapshot s (both in index order). */
static void
merge(struct snmp_agent *a, const struct reg_snapshot *s)
{
	struct trow **next = s->n ? xcalloc(s->n, sizeof(*next)) : NULL;
	struct trow **gone = NULL;
	size_t i = 0, j = 0, n = 0, n_gone = 0, conn_ops = 0, changed = 0;
	bool rebuild_t, rebuild_c;

	/* pass 1: decide, without touching the containers */
	while (i < a->n_rows || j < s->n) {
		struct trow *tr = i < a->n_rows ? a->rows[i] : NULL;
		const struct reg_row *row = j < s->n ? s->rows[j] : NULL;

		if (row == NULL || (tr != NULL && tr->sub[0] < row->index)) {
			if (gone == NULL)
				gone = xcalloc(a->n_rows, sizeof(*gone));
			gone[n_gone++] = tr;                 /* row removed */
			if (tr->row->state == REG_UP)
				a->targets_up--;
			i++;
		} else if (tr == NULL || tr->sub[0] > row->index) {
			tr = xcalloc(1, sizeof(*tr));        /* row added */
			tr->idx.oids = tr->sub;
			tr->idx.len = 1;
			tr->sub[0] = row->index;
			tr->row = NULL;
			next[n++] = tr;
			j++;
			changed++;
		} else {
			next[n++] = tr;                      /* row kept, maybe changed */
			i++, j++;
			if (tr->row != row)
				changed++;
		}
	}

	/* many removals: filling the arrays again beats moving them per row */
	rebuild_t = n_gone > REBUILD_AFTER;
	for (size_t g = 0; g < n_gone; g++) {
		if (!rebuild_t)
			CONTAINER_REMOVE(a->tcont, gone[g]);
		conn_ops += gone[g]->conn[0] != NULL;
		conn_ops += gone[g]->conn[1] != NULL;
	}
	rebuild_c = rebuild_t || conn_ops > REBUILD_AFTER;
	for (size_t g = 0; g < n_gone; g++) {
		conns_sync(a, gone[g], NULL, !rebuild_c);
		free(gone[g]);
	}
	free(gone);

	/* pass 2: new and changed rows */
	for (size_t k = 0; k < n; k++) {
		struct trow *tr = next[k];
		const struct reg_row *row = s->rows[k];

		if (tr->row == row)
			continue;
		if (tr->row == NULL) {
			if (!rebuild_t)
				CONTAINER_INSERT(a->tcont, tr);
		} else if (tr->row->state == REG_UP) {
			a->targets_up--;
		}
		if (row->state == REG_UP)
			a->targets_up++;
		conns_sync(a, tr, row, !rebuild_c);
		tr->row = row;
	}
	free(a->rows);
	a->rows = next;
	a->n_rows = n;
	if (rebuild_t || rebuild_c)
		containers_rebuild(a, rebuild_t, rebuild_c);
	a->rows_changed += changed + n_gone;
}

/* The same for the passive rows: one pass over both (index order). A row
 * whose server was seen again has a new pointer and nothing else to do; a
 * new server has the highest index yet, so its insert lands at the end. */
static void
pmerge(struct snmp_agent *a, const struct reg_snapshot *s)
{
	struct psrow **next = s->n_prows ? xcalloc(s->n_prows, sizeof(*next)) : NULL;
	struct psrow **gone = NULL;
	size_t i = 0, j = 0, n = 0, n_gone = 0, changed = 0;
	bool rebuild;

	while (i < a->n_psrows || j < s->n_prows) {
		struct psrow *pr = i < a->n_psrows ? a->psrows[i] : NULL;
		const struct reg_prow *row = j < s->n_prows ? s->prows[j] : NULL;

		if (row == NULL || (pr != NULL && pr->sub[0] < row->v.index)) {
			if (gone == NULL)
				gone = xcalloc(a->n_psrows, sizeof(*gone));
			gone[n_gone++] = pr;                 /* row removed */
			i++;
		} else if (pr == NULL || pr->sub[0] > row->v.index) {
			pr = xcalloc(1, sizeof(*pr));        /* row added */
			pr->idx.oids = pr->sub;
			pr->idx.len = 1;
			pr->sub[0] = row->v.index;
			pr->row = NULL;
			next[n++] = pr;
			j++;
			changed++;
		} else {
			next[n++] = pr;                      /* row kept, maybe changed */
			i++, j++;
			if (pr->row != row)
				changed++;
		}
	}
	rebuild = n_gone > REBUILD_AFTER;
	for (size_t g = 0; g < n_gone; g++) {
		if (!rebuild)
			CONTAINER_REMOVE(a->pcont, gone[g]);
		free(gone[g]);
	}
	free(gone);
	for (size_t k = 0; k < n; k++) {
		if (next[k]->row == NULL && !rebuild)
			CONTAINER_INSERT(a->pcont, next[k]);
		next[k]->row = s->prows[k];
	}
	free(a->psrows);
	a->psrows = next;
	a->n_psrows = n;
	if (rebuild) {
		CONTAINER_CLEAR(a->pcont, noop_free, NULL);
		for (size_t k = 0; k < n; k++)
			CONTAINER_INSERT(a->pcont, next[k]);
	}
	a->rows_changed += changed + n_gone;
}

/* Take the current snapshot if it is newer than the one held. */
static void
refresh(struct snmp_agent *a)
{
	struct reg_snapshot *s = registry_acquire(a->reg);

	if (a->snap != NULL && s->generation == a->snap->generation) {
		registry_release(s);
		return;
	}
	merge(a, s);
	pmerge(a, s);
	registry_release(a->snap);   /* the rows kept are shared with s */
	a->snap = s;
	a->refreshes++;
}

static void
on_refresh_alarm(unsigned int reg, void *arg)
{
	(void)reg;
	refresh(arg);
}

/* ---- notifications ---- */

static void
add_column_var(netsnmp_variable_list **vars, unsigned col, uint32_t row_index, u_char type,
    const void *val, size_t len)
{
	oid name[SMTPMON_OID_ROOT_LEN + 5] = { SMTPMON_OID_ROOT, 1, 2, 1, col, row_index };

	snmp_varlist_add_variable(vars, name, OID_LENGTH(name), type, val, len);
}

/* smtpmonPassiveServerTable's column col of row row_index */
static void
add_pserver_var(netsnmp_variable_list **vars, unsigned col, uint32_t row_index, u_char type,
    const void *val, size_t len)
{
	oid name[SMTPMON_OID_ROOT_LEN + 6] = { SMTPMON_OID_ROOT, 1, 5, 2, 1, col, row_index };

	snmp_varlist_add_variable(vars, name, OID_LENGTH(name), type, val, len);
}

/* smtpmonNotifyObjects: ROOT.1.4.no.0 */
static void
add_notify_var(netsnmp_variable_list **vars, oid no, u_char type, const void *val, size_t len)
{
	oid name[SMTPMON_OID_ROOT_LEN + 4] = { SMTPMON_OID_ROOT, 1, 4, no, 0 };

	snmp_varlist_add_variable(vars, name, OID_LENGTH(name), type, val, len);
}

static void
add_notify_text(netsnmp_variable_list **vars, oid no, const char *field, size_t size)
{
	char buf[TEXT_MAX + 1];
	size_t len = safe_text(field, size, buf, sizeof buf, 0);

	add_notify_var(vars, no, ASN_OCTET_STR, buf, len);
}

/* A varbind list that starts with snmpTrapOID.0 = ROOT.0.n and the
 * address type, address and port of the event's row (instance: its row
 * index): of smtpmonTargetTable, or for a passive alert of
 * smtpmonPassiveServerTable. */
static netsnmp_variable_list *
trap_begin(oid n, const struct monitor_event *ev)
{
	oid trap[SMTPMON_OID_ROOT_LEN + 2] = { SMTPMON_OID_ROOT, 0, n };
	netsnmp_variable_list *vars = NULL;
	struct inaddr in;
	long type;
	u_long port = ev->port;

	inaddr_of_sockaddr(&ev->addr, &in);
	type = in.type;
	snmp_varlist_add_variable(&vars, snmptrap_oid, OID_LENGTH(snmptrap_oid), ASN_OBJECT_ID,
	    trap, sizeof trap);
	if (ev->kind == MONITOR_EV_PASSIVE) {
		add_pserver_var(&vars, SMTPMON_P_ADDR_TYPE, ev->index, ASN_INTEGER, &type,
		    sizeof type);
		add_pserver_var(&vars, SMTPMON_P_ADDR, ev->index, ASN_OCTET_STR, in.bytes, in.len);
		add_pserver_var(&vars, SMTPMON_P_PORT, ev->index, ASN_UNSIGNED, &port, sizeof port);
		return vars;
	}
	add_column_var(&vars, SMTPMON_T_ADDRESS_TYPE, ev->index, ASN_INTEGER, &type, sizeof type);
	add_column_var(&vars, SMTPMON_T_ADDRESS, ev->index, ASN_OCTET_STR, in.bytes, in.len);
	add_column_var(&vars, SMTPMON_T_PORT, ev->index, ASN_UNSIGNED, &port, sizeof port);
	return vars;
}

static void
send_cert_event(const struct monitor_event *ev)
{
	long days = ev->cert_days_left;
	uint8_t dt[11];
	size_t dlen = date_and_time(ev->cert_not_after, true, dt);
	netsnmp_variable_list *vars = trap_begin(SMTPMON_N_CERT_EXPIRING, ev);

	add_column_var(&vars, SMTPMON_T_CERT_NOT_AFTER, ev->index, ASN_OCTET_STR, dt, dlen);
	add_column_var(&vars, SMTPMON_T_CERT_DAYS_LEFT, ev->index, ASN_INTEGER, &days, sizeof days);
	send_v2trap(vars);
	snmp_free_varbind(vars);
	log_debug("snmp: notification smtpmonCertExpiring sent: target=%s index=%u days=%ld",
	    ev->target, ev->index, days);
}

/* smtpmonTlsDowngrade, smtpmonTlsRecovered, smtpmonCertChanged */
static void
send_tls_event(const struct monitor_event *ev)
{
	oid n = ev->kind == MONITOR_EV_TLS_DOWNGRADE ? SMTPMON_N_TLS_DOWNGRADE :
	    ev->kind == MONITOR_EV_TLS_RECOVERED ? SMTPMON_N_TLS_RECOVERED : SMTPMON_N_CERT_CHANGED;
	long old_level = tlsver_mib(ev->old_tls), new_level = tlsver_mib(ev->new_tls);
	long old_c = ev->old_cipher, new_c = ev->new_cipher;
	netsnmp_variable_list *vars = trap_begin(n, ev);

	if (ev->kind != MONITOR_EV_TLS_INFO) {
		add_notify_var(&vars, SMTPMON_NO_OLD_TLS_LEVEL, ASN_INTEGER, &old_level,
		    sizeof old_level);
		add_notify_var(&vars, SMTPMON_NO_NEW_TLS_LEVEL, ASN_INTEGER, &new_level,
		    sizeof new_level);
		add_notify_var(&vars, SMTPMON_NO_OLD_CIPHER_ID, ASN_INTEGER, &old_c, sizeof old_c);
		add_notify_var(&vars, SMTPMON_NO_NEW_CIPHER_ID, ASN_INTEGER, &new_c, sizeof new_c);
	}
	add_notify_text(&vars, SMTPMON_NO_REASON, ev->tls_event, sizeof ev->tls_event);
	send_v2trap(vars);
	snmp_free_varbind(vars);
	log_debug("snmp: notification %s sent: target=%s index=%u event=%s",
	    n == SMTPMON_N_TLS_DOWNGRADE ? "smtpmonTlsDowngrade" :
	    n == SMTPMON_N_TLS_RECOVERED ? "smtpmonTlsRecovered" : "smtpmonCertChanged",
	    ev->target, ev->index, ev->tls_event);
}

/* smtpmonPassiveAlert */
static void
send_passive_event(const struct monitor_event *ev)
{
	long old_level = tlsver_mib(ev->old_tls), new_level = tlsver_mib(ev->new_tls);
	netsnmp_variable_list *vars = trap_begin(SMTPMON_N_PASSIVE_ALERT, ev);

	add_notify_text(&vars, SMTPMON_NO_REASON, ev->tls_event, sizeof ev->tls_event);
	add_notify_text(&vars, SMTPMON_NO_CLIENT, ev->client, sizeof ev->client);
	add_notify_text(&vars, SMTPMON_NO_DETAIL, ev->detail, sizeof ev->detail);
	add_notify_var(&vars, SMTPMON_NO_OLD_TLS_LEVEL, ASN_INTEGER, &old_level, sizeof old_level);
	add_notify_var(&vars, SMTPMON_NO_NEW_TLS_LEVEL, ASN_INTEGER, &new_level, sizeof new_level);
	send_v2trap(vars);
	snmp_free_varbind(vars);
	log_debug("snmp: notification smtpmonPassiveAlert sent: server=%s index=%u event=%s "
	    "client=%s", ev->target, ev->index, ev->tls_event, ev->client);
}

static void
send_event(const struct monitor_event *ev)
{
	if (ev->kind == MONITOR_EV_PASSIVE) {
		send_passive_event(ev);
		return;
	}
	if (ev->kind == MONITOR_EV_CERT_EXPIRING) {
		send_cert_event(ev);
		return;
	}
	if (ev->kind == MONITOR_EV_TLS_DOWNGRADE || ev->kind == MONITOR_EV_TLS_RECOVERED ||
	    ev->kind == MONITOR_EV_TLS_INFO) {
		send_tls_event(ev);
		return;
	}
	long status = ev->kind == MONITOR_EV_DOWN ? 3 : 2;
	char reply[TEXT_MAX + 1];
	size_t rlen = reply_text(ev->last_reply, reply);
	netsnmp_variable_list *vars = trap_begin(ev->kind == MONITOR_EV_DOWN ?
	    SMTPMON_N_TARGET_DOWN : SMTPMON_N_TARGET_UP, ev);

	add_column_var(&vars, SMTPMON_T_STATUS, ev->index, ASN_INTEGER, &status, sizeof status);
	if (ev->kind == MONITOR_EV_DOWN)
		add_column_var(&vars, SMTPMON_T_LAST_REPLY, ev->index, ASN_OCTET_STR, reply, rlen);
	send_v2trap(vars);
	snmp_free_varbind(vars);
	log_debug("snmp: notification %s sent: target=%s index=%u",
	    ev->kind == MONITOR_EV_DOWN ? "smtpmonTargetDown" : "smtpmonTargetUp", ev->target,
	    ev->index);
}

/* Send at most DRAIN_BATCH queued notifications (the lock is never held
 * across net-snmp); pick up the writer and the drop count on the way.
 * Returns whether more are waiting. The loop reads the master's responses
 * between two batches: the AgentX socket blocks, and a subagent that only
 * writes while the master only writes its responses back would deadlock
 * both once the socket buffers are full (1,000 targets going down at once
 * did exactly that). */
static bool
drain(struct snmp_agent *a)
{
	size_t n = 0;
	uint64_t dropped;
	bool more;

	pthread_mutex_lock(&a->lock);
	memcpy(a->writer, a->writer_shared, sizeof a->writer);
	dropped = a->dropped;
	while (a->q_len > 0 && n < DRAIN_BATCH) {
		a->batch[n++] = a->queue[a->q_head];
		a->q_head = (a->q_head + 1) % SNMP_EVENT_QUEUE;
		a->q_len--;
	}
	more = a->q_len > 0;
	pthread_mutex_unlock(&a->lock);
	if (dropped != a->dropped_seen) {
		log_warnx("SMD1843W notification queue full: %llu notification(s) dropped "
		    "(%llu in all)", (unsigned long long)(dropped - a->dropped_seen),
		    (unsigned long long)dropped);
		a->dropped_seen = dropped;
	}
	for (size_t k = 0; k < n; k++)
		send_event(&a->batch[k]);
	a->notifications += n;
	return more;
}

/* ---- set-up and tear-down (the SNMP thread) ---- */

static netsnmp_handler_registration *
register_table(struct snmp_agent *a, const char *name, Netsnmp_Node_Handler *fn,
    const oid *table_oid, size_t len, netsnmp_container **contp,
    netsnmp_table_registration_info **infop, unsigned max_col, bool two)
{
	netsnmp_handler_registration *reg;
	netsnmp_table_registration_info *ti;
	netsnmp_container *c;

	reg = netsnmp_create_handler_registration(name, fn, table_oid, len, HANDLER_CAN_RONLY);
	if (reg == NULL)
		return NULL;
	reg->handler->myvoid = a;
	c = netsnmp_container_find("table_container");
	if (c == NULL) {
		netsnmp_handler_registration_free(reg);
		return NULL;
	}
	c->container_name = strdup(name);
	c->compare = netsnmp_compare_netsnmp_index;
	c->ncompare = netsnmp_ncompare_netsnmp_index;
	ti = SNMP_MALLOC_TYPEDEF(netsnmp_table_registration_info);
	if (ti == NULL) {
		CONTAINER_FREE(c);
		netsnmp_handler_registration_free(reg);
		return NULL;
	}
	if (two)
		netsnmp_table_helper_add_indexes(ti, ASN_UNSIGNED, ASN_INTEGER, 0);
	else
		netsnmp_table_helper_add_indexes(ti, ASN_UNSIGNED, 0);
	ti->min_column = 2;          /* column 1 is the index, not-accessible */
	ti->max_column = max_col;
	if (netsnmp_container_table_register(reg, ti, c, TABLE_CONTAINER_KEY_NETSNMP_INDEX) !=
	    SNMPERR_SUCCESS)
		return NULL;   /* reg went with the failure; c and ti may have: start fails */
	*contp = c;
	*infop = ti;   /* unregistering leaves it to us */
	return reg;
}

static bool
agent_init(struct snmp_agent *a, char *err, size_t errlen)
{
	oid scalars[SMTPMON_OID_ROOT_LEN + 2] = { SMTPMON_OID_ROOT, 1, 1 };
	oid ttable[SMTPMON_OID_ROOT_LEN + 2] = { SMTPMON_OID_ROOT, 1, 2 };
	oid ctable[SMTPMON_OID_ROOT_LEN + 2] = { SMTPMON_OID_ROOT, 1, 3 };
	oid pscalars[SMTPMON_OID_ROOT_LEN + 3] = { SMTPMON_OID_ROOT, 1, 5, 1 };
	oid ptable[SMTPMON_OID_ROOT_LEN + 3] = { SMTPMON_OID_ROOT, 1, 5, 2 };
	const char *path = a->agentx_socket ? a->agentx_socket : NETSNMP_AGENTX_SOCKET;
	struct logline *ll = xcalloc(1, sizeof(*ll));   /* net-snmp's from here on */
	char no_mibs[] = "mibs :";

	/* the log first, so nothing goes to stderr */
	ll->pri = LOG_DEBUG;
	snmp_disable_log();
	snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING, on_snmp_log, ll);
	snmp_enable_calllog();

	if (path[0] == '/' && access(path, R_OK | W_OK) != 0 && errno == EACCES)
		log_warnx("SMD1841W AgentXSocket %s: permission denied for uid %ld: snmpd's "
		    "agentXPerms must let this user connect", path, (long)geteuid());

	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
	if (a->agentx_socket != NULL)
		netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET,
		    a->agentx_socket);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_ALARM_DONT_USE_SIG, 1);
	/* smtpmon.conf is the configuration: no snmp.conf, no persistent
	 * files under /var/lib/snmp, no MIB files (we serve numbers) */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	/* no MIB module list and no MIB directory: nothing is parsed (Debian
	 * has net-snmp's own modules without the IETF ones they import,
	 * which makes a hundred warnings) */
	netsnmp_config_remember(no_mibs);
	netsnmp_set_mib_directory("");

	if (init_agent(AGENT_NAME) != 0) {
		snprintf(err, errlen, "net-snmp: init_agent failed");
		return false;
	}
	/* after init_agent(), which sets net-snmp's default of 15 s; before
	 * init_snmp(), which connects and starts the pings */
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL,
	    SNMP_AGENTX_PING_S);
	a->sreg = netsnmp_create_handler_registration("smtpmonScalars", on_scalar, scalars,
	    OID_LENGTH(scalars), HANDLER_CAN_RONLY);
	if (a->sreg != NULL) {
		a->sreg->handler->myvoid = a;
		if (netsnmp_register_scalar_group(a->sreg, SMTPMON_SC_VERSION,
		    SMTPMON_SC_START_TIME) != SNMPERR_SUCCESS)
			a->sreg = NULL;   /* freed by the failed registration */
	}
	a->treg = register_table(a, "smtpmonTargetTable", on_target_table, ttable,
	    OID_LENGTH(ttable), &a->tcont, &a->tinfo, SMTPMON_T_LAST_COLUMN, false);
	a->creg = register_table(a, "smtpmonConnectionTable", on_conn_table, ctable,
	    OID_LENGTH(ctable), &a->ccont, &a->cinfo, SMTPMON_C_LAST_COLUMN, true);
	a->psreg = netsnmp_create_handler_registration("smtpmonPassiveScalars",
	    on_passive_scalar, pscalars, OID_LENGTH(pscalars), HANDLER_CAN_RONLY);
	if (a->psreg != NULL) {
		a->psreg->handler->myvoid = a;
		if (netsnmp_register_scalar_group(a->psreg, SMTPMON_PS_ENABLED,
		    SMTPMON_PS_ERROR) != SNMPERR_SUCCESS)
			a->psreg = NULL;   /* freed by the failed registration */
	}
	a->preg = register_table(a, "smtpmonPassiveServerTable", on_pserver_table, ptable,
	    OID_LENGTH(ptable), &a->pcont, &a->pinfo, SMTPMON_P_LAST_COLUMN, false);
	if (a->sreg == NULL || a->treg == NULL || a->creg == NULL || a->psreg == NULL ||
	    a->preg == NULL) {
		snprintf(err, errlen, "net-snmp: cannot register SMTPMON-MIB (%s)",
		    SMTPMON_OID_ROOT_TEXT);
		return false;
	}
	refresh(a);
	a->refresh_alarm = snmp_alarm_register(REFRESH_S, SA_REPEAT, on_refresh_alarm, a);
	/* reads no files (see above); connects to the master agent */
	init_snmp(AGENT_NAME);
	return true;
}

static void
free_trow_conns(struct trow *tr)
{
	free(tr->conn[0]);
	free(tr->conn[1]);
}

static void
agent_shutdown(struct snmp_agent *a)
{
	if (a->refresh_alarm != 0)
		snmp_alarm_unregister(a->refresh_alarm);
	if (a->sreg != NULL)
		netsnmp_unregister_handler(a->sreg);
	if (a->psreg != NULL)
		netsnmp_unregister_handler(a->psreg);
	/* the containers are freed by the table_container helper */
	if (a->tcont != NULL)
		CONTAINER_CLEAR(a->tcont, noop_free, NULL);
	if (a->ccont != NULL)
		CONTAINER_CLEAR(a->ccont, noop_free, NULL);
	if (a->pcont != NULL)
		CONTAINER_CLEAR(a->pcont, noop_free, NULL);
	if (a->treg != NULL)
		netsnmp_container_table_unregister(a->treg);
	if (a->creg != NULL)
		netsnmp_container_table_unregister(a->creg);
	if (a->preg != NULL)
		netsnmp_container_table_unregister(a->preg);
	if (a->tinfo != NULL)
		netsnmp_table_registration_info_free(a->tinfo);
	if (a->cinfo != NULL)
		netsnmp_table_registration_info_free(a->cinfo);
	if (a->pinfo != NULL)
		netsnmp_table_registration_info_free(a->pinfo);
	for (size_t i = 0; i < a->n_psrows; i++)
		free(a->psrows[i]);
	free(a->psrows);
	a->psrows = NULL;
	a->n_psrows = 0;
	for (size_t i = 0; i < a->n_rows; i++) {
		free_trow_conns(a->rows[i]);
		free(a->rows[i]);
	}
	free(a->rows);
	a->rows = NULL;
	a->n_rows = 0;
	registry_release(a->snap);
	a->snap = NULL;
	/* also frees the log callback's struct logline */
	snmp_shutdown(AGENT_NAME);
	shutdown_agent();
}

/* ---- the thread ---- */

static void
wake_drain(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof v) == (ssize_t)sizeof v)
		;
}

static void
loop(struct snmp_agent *a)
{
	netsnmp_large_fd_set fds;
	bool more = false;   /* notifications still queued: do not sleep */

	netsnmp_large_fd_set_init(&fds, FD_SETSIZE);
	for (;;) {
		struct timeval tv = { 0, 0 };
		int numfds = 0, block = 1, n;
		bool stop;

		NETSNMP_LARGE_FD_ZERO(&fds);
		snmp_select_info2(&numfds, &fds, &tv, &block);
		netsnmp_large_fd_setfd(a->wake_fd, &fds);
		if (a->wake_fd >= numfds)
			numfds = a->wake_fd + 1;
		if (more) {
			tv.tv_sec = 0;
			tv.tv_usec = 0;
			block = 0;
		}
		n = netsnmp_large_fd_set_select(numfds, &fds, NULL, NULL, block ? NULL : &tv);
		if (n < 0 && errno != EINTR) {
			log_warn("SMD1842E snmp: select");
			sleep(1);   /* never spin on a persistent error */
			continue;
		}
		if (n > 0 && netsnmp_large_fd_is_set(a->wake_fd, &fds))
			wake_drain(a->wake_fd);
		pthread_mutex_lock(&a->lock);
		stop = a->stop;
		pthread_mutex_unlock(&a->lock);
		/* answer from the newest snapshot */
		refresh(a);
		if (n > 0)
			snmp_read2(&fds);
		else if (n == 0)
			snmp_timeout();
		run_alarms();
		netsnmp_check_outstanding_agent_requests();
		more = drain(a);
		if (stop && !more)
			break;
	}
	netsnmp_large_fd_set_cleanup(&fds);
}

static void *
snmp_thread(void *arg)
{
	struct snmp_agent *a = arg;
	char err[256] = "";
	bool ok = agent_init(a, err, sizeof err);

	pthread_mutex_lock(&a->lock);
	a->started = ok ? 1 : -1;
	str_copy(a->start_err, err, sizeof a->start_err);
	pthread_cond_broadcast(&a->started_cv);
	pthread_mutex_unlock(&a->lock);
	if (ok) {
		log_info("SMD1840I SNMP subagent started: agentx=%s root=%s ping=%ds",
		    a->agentx_socket ? a->agentx_socket : NETSNMP_AGENTX_SOCKET,
		    SMTPMON_OID_ROOT_TEXT, SNMP_AGENTX_PING_S);
		loop(a);
	}
	agent_shutdown(a);
	if (ok)
		log_info("SMD1844I SNMP subagent stopped: notifications=%llu dropped=%llu "
		    "refreshes=%llu rows_changed=%llu", (unsigned long long)a->notifications,
		    (unsigned long long)a->dropped_seen, (unsigned long long)a->refreshes,
		    (unsigned long long)a->rows_changed);
	return NULL;
}

static void
agent_free(struct snmp_agent *a)
{
	if (a->wake_fd >= 0)
		close(a->wake_fd);
	pthread_mutex_destroy(&a->lock);
	pthread_cond_destroy(&a->started_cv);
	free(a->queue);
	free(a->agentx_socket);
	free(a);
}

struct snmp_agent *
snmp_agent_start(struct registry *reg, const char *agentx_socket, const char *writer,
    char *err, size_t errlen)
{
	struct snmp_agent *a = xcalloc(1, sizeof(*a));
	sigset_t all, old;
	int rc;

	a->reg = reg;
	a->agentx_socket = agentx_socket ? xstrdup(agentx_socket) : NULL;
	a->queue = xcalloc(SNMP_EVENT_QUEUE, sizeof(*a->queue));
	str_copy(a->writer_shared, writer, sizeof a->writer_shared);
	str_copy(a->writer, writer, sizeof a->writer);
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->started_cv, NULL);
	a->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (a->wake_fd < 0) {
		snprintf(err, errlen, "SNMP: eventfd: %s", strerror(errno));
		agent_free(a);
		return NULL;
	}
	/* signals belong to the main thread */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&a->thread, NULL, snmp_thread, a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "SNMP: pthread_create: %s", strerror(rc));
		agent_free(a);
		return NULL;
	}
	pthread_mutex_lock(&a->lock);
	while (a->started == 0)
		pthread_cond_wait(&a->started_cv, &a->lock);
	pthread_mutex_unlock(&a->lock);
	if (a->started < 0) {
		pthread_join(a->thread, NULL);
		snprintf(err, errlen, "%s", a->start_err);
		agent_free(a);
		return NULL;
	}
	return a;
}

static void
wake(struct snmp_agent *a)
{
	uint64_t one = 1;

	if (write(a->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
		log_warn("SNMP wake-up");
}

void
snmp_agent_post(struct snmp_agent *a, const struct monitor_event *ev)
{
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->lock);
	if (a->q_len == SNMP_EVENT_QUEUE) {
		a->dropped++;
	} else {
		a->queue[(a->q_head + a->q_len) % SNMP_EVENT_QUEUE] = *ev;
		a->q_len++;
	}
	pthread_mutex_unlock(&a->lock);
	wake(a);
}

void
snmp_agent_set_writer(struct snmp_agent *a, const char *writer)
{
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->lock);
	str_copy(a->writer_shared, writer, sizeof a->writer_shared);
	pthread_mutex_unlock(&a->lock);
	wake(a);
}

void
snmp_agent_stop(struct snmp_agent *a)
{
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->lock);
	a->stop = true;
	pthread_mutex_unlock(&a->lock);
	wake(a);
	pthread_join(a->thread, NULL);
	agent_free(a);
}
