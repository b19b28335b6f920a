/* agent/output/snmpcol.c: see snmpcol.h.
 *
 * One function per table and per group of scalars, and smtpmonTargetTable's split by what a column
 * tells: the target and its state, the last classification, its
 * certificate, the timings and counters, the TLS baseline and its events,
 * the monitor connection against the server's limits. Each group answers
 * the columns it knows and false for the others.
 */
#include "buildconf.h"

#include "snmpcol.h"
#include "downgrade.h"
#include "mlimit.h"
#include "pserver.h"
#include "rating.h"
#include "registry.h"
#include "safetext.h"
#include "snmp_mib.h"
#include "tlsver.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* TruthValue (RFC 2579) */
#define TV_TRUE  1
#define TV_FALSE 2

/* ---- values ---- */

static void
none(struct snmpcol_value *out)
{
	out->type = SNMPCOL_NONE;
	out->num = 0;
	out->c64 = 0;
	out->len = 0;
}

static bool
integer(struct snmpcol_value *out, long v)
{
	out->type = SNMPCOL_INTEGER;
	out->num = v;
	return true;
}

/* Unsigned32, Gauge32, TimeTicks: saturated at 2^32-1 */
static bool
uns(struct snmpcol_value *out, enum snmpcol_type type, uint64_t v)
{
	out->type = type;
	out->num = (int64_t)(v > 0xffffffffu ? 0xffffffffu : v);
	return true;
}

static bool
counter64(struct snmpcol_value *out, uint64_t v)
{
	out->type = SNMPCOL_COUNTER64;
	out->c64 = v;
	return true;
}

/* Counter32: the low 32 bits, wrapping as a counter does */
static bool
counter(struct snmpcol_value *out, uint64_t v)
{
	out->type = SNMPCOL_COUNTER;
	out->num = (int64_t)(v & 0xffffffffu);
	return true;
}

/* An OCTET STRING whose len octets are already in out->octets */
static bool
octets_len(struct snmpcol_value *out, size_t len)
{
	out->type = SNMPCOL_OCTETS;
	out->len = len;
	return true;
}

static bool
octets(struct snmpcol_value *out, const void *p, size_t len)
{
	memcpy(out->octets, p, len);
	return octets_len(out, len);
}

/* Every DisplayString goes out through safe_text(): printable ASCII
 * (RFC 2579), whatever a server put in it. At most max octets of s (up to
 * its NUL): a string, or a fixed-size field with max its size. */
static bool
text(struct snmpcol_value *out, const char *s, size_t max)
{
	return octets_len(out, safe_text(s, max, (char *)out->octets, SNMPCOL_TEXT_MAX + 1, 0));
}

/* DateAndTime or empty: the 11 octets of t, none for 0 or when !have */
static bool
date(struct snmpcol_value *out, bool have, time_t t)
{
	return octets_len(out, have ? snmpcol_date_and_time(t, out->octets) : 0);
}

static long
truth(bool b)
{
	return b ? TV_TRUE : TV_FALSE;
}

size_t
snmpcol_date_and_time(time_t t, uint8_t out[11])
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
	out[8] = '+';
	out[9] = 0;
	out[10] = 0;
	return 11;
}

size_t
snmpcol_reply_text(const char *reply, char out[SNMPCOL_TEXT_MAX + 1])
{
	return safe_str(reply, out, SNMPCOL_TEXT_MAX + 1, SAFE_LINES);
}

/* TimeStamp: the agent's sysUpTime when t happened; 0 before the agent
 * started (or never). */
static uint64_t
timestamp_of(time_t t, const struct snmpcol_clock *clk)
{
	uint64_t ago;

	if (t == 0)
		return 0;
	if (t >= clk->now)
		return clk->uptime;
	ago = (uint64_t)(clk->now - t) * 100u;
	return ago >= clk->uptime ? 0 : clk->uptime - ago;
}

/* ---- addresses ---- */

/* ipv6z: the 4-octet zone index after the address, network order */
static void
zone_append(struct snmpcol_inaddr *in, uint32_t zone)
{
	in->type = SNMPCOL_INET_IPV6Z;
	in->bytes[16] = (uint8_t)(zone >> 24);
	in->bytes[17] = (uint8_t)(zone >> 16);
	in->bytes[18] = (uint8_t)(zone >> 8);
	in->bytes[19] = (uint8_t)zone;
	in->len = 20;
}

/* a passive row's address: family and the raw octets (IPv4 in the first 4) */
static void
inaddr_of_raw(int family, const uint8_t addr[16], uint16_t port, struct snmpcol_inaddr *out)
{
	memset(out, 0, sizeof *out);
	if (family == AF_INET) {
		out->type = SNMPCOL_INET_IPV4;
		out->len = 4;
	} else if (family == AF_INET6) {
		out->type = SNMPCOL_INET_IPV6;
		out->len = 16;
	}
	memcpy(out->bytes, addr, out->len);
	out->port = port;
}

void
snmpcol_inaddr_of_sockaddr(const struct sockaddr_storage *ss, struct snmpcol_inaddr *out)
{
	memset(out, 0, sizeof *out);
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		out->type = SNMPCOL_INET_IPV4;
		out->len = 4;
		memcpy(out->bytes, &sin->sin_addr, 4);
		out->port = ntohs(sin->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		out->type = SNMPCOL_INET_IPV6;
		out->len = 16;
		memcpy(out->bytes, &sin6->sin6_addr, 16);
		out->port = ntohs(sin6->sin6_port);
		if (sin6->sin6_scope_id != 0)
			zone_append(out, sin6->sin6_scope_id);
	}
}

/* "ADDR:PORT" / "[ADDR6]:PORT" (sockaddr_text()) */
static void
inaddr_of_text(const char *text, struct snmpcol_inaddr *out)
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
		out->type = SNMPCOL_INET_IPV4;
		out->len = 4;
	} else if (inet_pton(AF_INET6, host, out->bytes) == 1) {
		out->type = SNMPCOL_INET_IPV6;
		out->len = 16;
		if (zone != 0)
			zone_append(out, zone);
	} else {
		return;
	}
	out->port = strtoul(colon + 1, NULL, 10) & 0xffffu;
}

/* ---- enumerations ---- */

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

/* ---- smtpmonTargetTable ---- */

/* the target, its state and why it is down */
static bool
target_identity(const struct reg_row *row, const struct snmpcol_clock *clk, unsigned col,
    struct snmpcol_value *out)
{
	struct snmpcol_inaddr in;

	switch (col) {
	case SMTPMON_T_ADDRESS_TYPE:
		snmpcol_inaddr_of_sockaddr(&row->addr, &in);
		return integer(out, in.type);
	case SMTPMON_T_ADDRESS:
		snmpcol_inaddr_of_sockaddr(&row->addr, &in);
		return octets(out, in.bytes, in.len);
	case SMTPMON_T_PORT:
		return uns(out, SNMPCOL_UNSIGNED, row->port);
	case SMTPMON_T_NAME:
		return text(out, row->name, SNMPCOL_TEXT_MAX);
	case SMTPMON_T_MX_HOST:
		return text(out, row->mx_host, SNMPCOL_TEXT_MAX);
	case SMTPMON_T_SECURE:
		return integer(out, truth(row->secure));
	case SMTPMON_T_STATUS:
		return integer(out, status_value(row->state));
	case SMTPMON_T_LAST_CHANGE:
		return uns(out, SNMPCOL_TIMETICKS, timestamp_of(row->last_change, clk));
	case SMTPMON_T_LAST_REPLY:
		/* the failure facts are the current ones only while down */
		return octets_len(out, snmpcol_reply_text(row->state == REG_DOWN ?
		    row->last_reply : "", (char *)out->octets));
	default:
		return false;
	}
}

/* the last classification: server type, TLS, capabilities, the record */
static bool
target_session(const struct reg_row *row, const char *writer, unsigned col,
    struct snmpcol_value *out)
{
	const struct verdict *v = row->v;
	char names[512];

	switch (col) {
	case SMTPMON_T_SERVER_TYPE:
		return integer(out, v->type_mib);
	case SMTPMON_T_SECURITY:
		return integer(out, v->security_mib);
	case SMTPMON_T_TLS_LEVEL:
		return integer(out, v->tls_done ? v->tls_mib : TLSVER_MIB_NONE);
	case SMTPMON_T_CIPHER_ID:
		return integer(out, v->tls_done ? (long)v->cipher_id : -1);
	case SMTPMON_T_CIPHER_NAME:
		return text(out, v->tls_done && v->cipher_id >= 0 ? v->tls.cipher : "",
		    SNMPCOL_TEXT_MAX);
	case SMTPMON_T_CIPHER_CLASS:
		return integer(out, v->tls_done ? 1 + (long)v->cipher_class : 1);
	case SMTPMON_T_KX_GROUP:
		return text(out, v->tls_done ? v->tls.group : "", SNMPCOL_TEXT_MAX);
	case SMTPMON_T_STARTTLS_OFFERED:
		return integer(out, truth(v->starttls_offered));
	case SMTPMON_T_CAPABILITIES:
		/* the last EHLO reply: the one after TLS when there was one */
		return octets_len(out, caps_bits(v->caps_tls_seen ?
		    v->caps_tls.caps : v->caps_pre.caps, out->octets));
	case SMTPMON_T_AUTH_PRETLS:
		smtp_caps_auth_names(&v->caps_pre, names, sizeof names);
		return text(out, names, SNMPCOL_TEXT_MAX);
	case SMTPMON_T_APPLDATA:
		reg_row_record(row, writer, (char *)out->octets);
		return octets_len(out, APPLDATA_LEN);
	default:
		return false;
	}
}

/* the certificate of the last TLS session */
static bool
target_cert(const struct reg_row *row, const struct snmpcol_clock *clk, unsigned col,
    struct snmpcol_value *out)
{
	const struct verdict *v = row->v;
	long long left, days = SNMPCOL_DAYS_NO_CERT;

	switch (col) {
	case SMTPMON_T_CERT_NOT_AFTER:
		return date(out, v->tls_done && v->cert_seen, v->tls.not_after);
	case SMTPMON_T_CERT_DAYS_LEFT:
		if (v->tls_done && v->cert_seen && v->tls.not_after != 0) {
			left = (long long)v->tls.not_after - (long long)clk->now;
			/* whole days, rounded down: -1 on the day after expiry */
			days = left >= 0 ? left / 86400 : -((-left + 86399) / 86400);
			if (days > INT32_MAX)
				days = INT32_MAX;
			if (days < -INT32_MAX)
				days = -INT32_MAX;
		}
		return integer(out, (long)days);
	case SMTPMON_T_CERT_VERIFY:
		return integer(out, (long)v->cert_status);
	default:
		return false;
	}
}

/* round trips and connection counters */
static bool
target_counts(const struct reg_row *row, unsigned col, struct snmpcol_value *out)
{
	const struct smtp_timings *t = &row->v->t;

	switch (col) {
	case SMTPMON_T_RTT_CONNECT:
		return uns(out, SNMPCOL_UNSIGNED, t->connect);
	case SMTPMON_T_RTT_BANNER:
		return uns(out, SNMPCOL_UNSIGNED, t->banner);
	case SMTPMON_T_RTT_EHLO:
		return uns(out, SNMPCOL_UNSIGNED, t->ehlo);
	case SMTPMON_T_RTT_STARTTLS:
		return uns(out, SNMPCOL_UNSIGNED, t->starttls);
	case SMTPMON_T_RTT_HANDSHAKE:
		return uns(out, SNMPCOL_UNSIGNED, t->handshake);
	case SMTPMON_T_RTT_NOOP:
		return uns(out, SNMPCOL_UNSIGNED, row->noop_rtt_us);
	case SMTPMON_T_CONNECTS:
		return counter(out, row->connects);
	case SMTPMON_T_CONNECT_FAILURES:
		return counter(out, row->connect_failures);
	case SMTPMON_T_NOOPS:
		return counter(out, row->noops);
	case SMTPMON_T_REPROBES:
		return counter(out, row->reprobes);
	default:
		return false;
	}
}

/* the TLS baseline and its downgrade and recovery events */
static bool
target_baseline(const struct reg_row *row, unsigned col, struct snmpcol_value *out)
{
	const struct dg_view *dg = &row->dg;
	const char *name;
	char events[512];

	switch (col) {
	case SMTPMON_T_BASELINE_TLS_LEVEL:
		return integer(out, dg->set ? dg->best_names.tls_mib : TLSVER_MIB_NONE);
	case SMTPMON_T_BASELINE_CIPHER_ID:
		return integer(out, dg->set ? dg->best.cipher_id : -1);
	case SMTPMON_T_BASELINE_CIPHER_NAME:
		name = dg->set ? dg->best_names.cipher_name : NULL;
		return text(out, name ? name : "", SNMPCOL_TEXT_MAX);
	case SMTPMON_T_BASELINE_CIPHER_CLASS:
		return integer(out, dg->set ? dg->best_names.class_mib : 1);
	case SMTPMON_T_BASELINE_SINCE:
		return date(out, dg->set, dg->set_at);
	case SMTPMON_T_TLS_DOWNGRADES:
		dg_events_text(dg->active, events, sizeof events);
		return text(out, events, SNMPCOL_TEXT_MAX);
	case SMTPMON_T_TLS_EVENT:
		return text(out, dg_event_name(dg->last_event), SNMPCOL_TEXT_MAX);
	case SMTPMON_T_TLS_EVENT_KIND:   /* none(1) downgrade(2) recovery(3) */
		return integer(out, dg->last_event < 0 ? 1 : dg->last_recovered ? 3 : 2);
	case SMTPMON_T_TLS_EVENT_TIME:
		return date(out, dg->last_event >= 0, dg->last_event_at);
	default:
		return false;
	}
}

/* the monitor connection against the server's limits; the last server
 * close: its facts, or none while at is 0 */
static bool
target_limits(const struct reg_row *row, unsigned col, struct snmpcol_value *out)
{
	const struct reg_close *lc = &row->last_close;

	switch (col) {
	case SMTPMON_T_SERVER_CLOSES:
		return counter(out, row->server_closes);
	case SMTPMON_T_RECYCLES:
		return counter(out, row->recycles);
	case SMTPMON_T_THROTTLES:
		return counter(out, row->throttles);
	case SMTPMON_T_LAST_CLOSE_REPLY:
		return octets_len(out, lc->at != 0 ? safe_text(lc->reply, sizeof lc->reply,
		    (char *)out->octets, REG_CLOSE_REPLY_MAX + 1, 0) : 0);
	case SMTPMON_T_LAST_CLOSE_KIND:   /* none(1) idle(2) command(3) */
		return integer(out, lc->at == 0 ? 1 : lc->kind == MLIMIT_END_IDLE ? 2 : 3);
	case SMTPMON_T_LAST_CLOSE_IDLE:
		return uns(out, SNMPCOL_UNSIGNED, lc->at != 0 ? lc->idle_ms : 0);
	case SMTPMON_T_LAST_CLOSE_NOOPS:
		return uns(out, SNMPCOL_UNSIGNED, lc->at != 0 ? lc->noops : 0);
	case SMTPMON_T_LAST_CLOSE_TIME:
		return date(out, true, lc->at);
	case SMTPMON_T_LEARNED_IDLE:
		return uns(out, SNMPCOL_UNSIGNED, row->learned_idle_ms);
	case SMTPMON_T_NOOP_BUDGET:
		return uns(out, SNMPCOL_UNSIGNED, row->noop_budget);
	case SMTPMON_T_NOOP_INTERVAL:
		return uns(out, SNMPCOL_UNSIGNED, row->noop_interval_ms);
	default:
		return false;
	}
}

/* the published TLS policy: the view's decided codes and names, printed as
 * they are; a row without a view (pol NULL) is notChecked(1) and "" */
static bool
target_policy(const struct reg_row *row, unsigned col, struct snmpcol_value *out)
{
	const struct policy_view *p = row->pol;
	const char *mode, *de, *se;
	char fail[64 + 1];

	switch (col) {
	case SMTPMON_T_DANE_STATUS:
		return integer(out, p != NULL ? p->dane_mib : PV_MIB_NOT_CHECKED);
	case SMTPMON_T_MTA_STS_STATUS:
		return integer(out, p != NULL ? p->sts_mib : PV_MIB_NOT_CHECKED);
	case SMTPMON_T_MTA_STS_MODE:
		mode = p != NULL && p->sts_policy ? p->mode_name : NULL;
		return text(out, mode != NULL ? mode : "", 16);
	case SMTPMON_T_MTA_STS_POLICY_ID:
		return text(out, p != NULL ? p->id : "", MTASTS_ID_MAX);
	case SMTPMON_T_POLICY_FAILURE:
		de = p != NULL && p->dane_event != NULL ? p->dane_event : "";
		se = p != NULL && p->sts_event != NULL ? p->sts_event : "";
		snprintf(fail, sizeof fail, "%s%s%s", de, *de != '\0' && *se != '\0' ? " " : "",
		    se);
		return text(out, fail, sizeof fail - 1);
	default:
		return false;
	}
}

/* the NCSC-NL 2025-05 rating of the last classification, its decided
 * classes as rating_class_mib() codes; unknown(1) when the row is not
 * classified or negotiated no TLS */
static bool
target_rating(const struct reg_row *row, unsigned col, struct snmpcol_value *out)
{
	const struct rating *r = &row->v->rating;
	enum rating_class c;

	switch (col) {
	case SMTPMON_T_RATING_OVERALL:          c = r->overall; break;
	case SMTPMON_T_RATING_TLS_VERSION:      c = r->tls_version; break;
	case SMTPMON_T_RATING_CIPHER:           c = r->cipher; break;
	case SMTPMON_T_RATING_KEY_EXCHANGE:     c = r->key_exchange; break;
	case SMTPMON_T_RATING_CERT_KEY:         c = r->cert_key; break;
	case SMTPMON_T_RATING_CERT_SIGNATURE:   c = r->cert_signature; break;
	default:
		return false;
	}
	if (!row->classified || !row->v->tls_done)
		c = RATING_UNKNOWN;
	return integer(out, rating_class_mib(c));
}

bool
snmpcol_target(const struct reg_row *row, const char *writer,
    const struct snmpcol_clock *clk, unsigned col, struct snmpcol_value *out)
{
	none(out);
	return target_identity(row, clk, col, out) || target_session(row, writer, col, out) ||
	    target_cert(row, clk, col, out) || target_counts(row, col, out) ||
	    target_baseline(row, col, out) || target_limits(row, col, out) ||
	    target_policy(row, col, out) || target_rating(row, col, out);
}

/* ---- smtpmonPassiveServerTable ---- */

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

/* the NCSC-NL 2025-05 rating of the row's last TLS session, as
 * rating_class_mib() codes (unknown(1) before any) */
static bool
pserver_rating(const struct pserver_view *v, unsigned col, struct snmpcol_value *out)
{
	const struct rating *r = &v->rating;
	enum rating_class c;

	switch (col) {
	case SMTPMON_P_RATING_OVERALL:          c = r->overall; break;
	case SMTPMON_P_RATING_TLS_VERSION:      c = r->tls_version; break;
	case SMTPMON_P_RATING_CIPHER:           c = r->cipher; break;
	case SMTPMON_P_RATING_KEY_EXCHANGE:     c = r->key_exchange; break;
	case SMTPMON_P_RATING_CERT_KEY:         c = r->cert_key; break;
	case SMTPMON_P_RATING_CERT_SIGNATURE:   c = r->cert_signature; break;
	default:
		return false;
	}
	return integer(out, rating_class_mib(c));
}

bool
snmpcol_pserver(const struct pserver_view *v, unsigned col, struct snmpcol_value *out)
{
	struct snmpcol_inaddr in;
	char *buf = (char *)out->octets;
	const char *name;
	size_t n;

	none(out);
	switch (col) {
	case SMTPMON_P_ADDR_TYPE:
		inaddr_of_raw(v->family, v->addr, v->port, &in);
		return integer(out, in.type);
	case SMTPMON_P_ADDR:
		inaddr_of_raw(v->family, v->addr, v->port, &in);
		return octets(out, in.bytes, in.len);
	case SMTPMON_P_PORT:
		return uns(out, SNMPCOL_UNSIGNED, v->port);
	case SMTPMON_P_TYPE:
		return integer(out, v->type_mib);
	case SMTPMON_P_STARTTLS:
		return integer(out, truth(v->ehlo_seen && v->starttls_offered));
	case SMTPMON_P_TLS_KNOWN:
		return integer(out, truth(v->starttls_known));
	case SMTPMON_P_AUTH_PRETLS:
		return octets_len(out, words_text(v->auth_pretls, sizeof v->auth_pretls, buf,
		    SNMPCOL_TEXT_MAX + 1));
	case SMTPMON_P_SECURITY:
		return integer(out, v->security_mib);
	case SMTPMON_P_TLS_LEVEL:
		return integer(out, v->tls_mib);
	case SMTPMON_P_CIPHER_ID:
		return integer(out, v->cipher_id >= 0 ? (long)(v->cipher_id & 0xffff) : -1);
	case SMTPMON_P_CIPHER_NAME:
		name = v->cipher_name;
		return text(out, name ? name : "", SNMPCOL_TEXT_MAX);
	case SMTPMON_P_CIPHER_CLASS:
		return integer(out, v->class_mib);
	case SMTPMON_P_BASELINE_TLS:
		return integer(out, v->best_tls_mib);
	case SMTPMON_P_CERT_NOT_AFTER:
		return date(out, true, v->cert_not_after);
	case SMTPMON_P_SNI:
		return text(out, v->sni, sizeof v->sni);
	case SMTPMON_P_BANNER:
		return text(out, v->banner, sizeof v->banner);
	case SMTPMON_P_MANGLED:
		return text(out, v->mangled, sizeof v->mangled);
	case SMTPMON_P_APPLDATA:
		/* SIZE (40): blank-padded, as the record always is */
		n = strnlen(v->appldata, APPLDATA_LEN);
		memcpy(buf, v->appldata, n);
		memset(buf + n, ' ', APPLDATA_LEN - n);
		return octets_len(out, APPLDATA_LEN);
	case SMTPMON_P_LAST_CLIENT:
		return text(out, v->last_client, sizeof v->last_client);
	case SMTPMON_P_SESS_TOTAL:
		return counter(out, v->sessions);
	case SMTPMON_P_SESS_TLS:
		return counter(out, v->sessions_tls);
	case SMTPMON_P_SESS_BASIC:
		return counter(out, v->sessions_plain);
	case SMTPMON_P_ALERTS:
		return counter(out, v->alerts);
	case SMTPMON_P_ACTIVE_EVENTS:
		return octets_len(out, events_text(v->events, buf, SNMPCOL_TEXT_MAX + 1));
	case SMTPMON_P_EVENT:
		return text(out, v->last_event, sizeof v->last_event);
	/* the event's facts go with its name */
	case SMTPMON_P_EVENT_CLIENT:
		return text(out, v->last_event[0] ? v->last_event_client : "",
		    sizeof v->last_event_client);
	case SMTPMON_P_EVENT_DETAIL:
		return text(out, v->last_event[0] ? v->last_event_detail : "",
		    sizeof v->last_event_detail);
	case SMTPMON_P_EVENT_TIME:
		return date(out, v->last_event[0] != '\0', v->last_event_at);
	case SMTPMON_P_FIRST_SEEN:
		return date(out, true, v->first_seen);
	case SMTPMON_P_LAST_SEEN:
		return date(out, true, v->last_seen);
	default:
		return pserver_rating(v, col, out);
	}
}

/* ---- smtpmonConnectionTable ---- */

void
snmpcol_conn_fill(struct snmpcol_conn *c, const struct reg_row *row, int role)
{
	const struct reg_conn *rc = &row->conns[role];

	c->row = row;
	c->role = role;
	inaddr_of_text(rc->local, &c->local);
	inaddr_of_text(rc->remote, &c->remote);
	if (c->remote.len == 0) {   /* fall back on the target's own address */
		snmpcol_inaddr_of_sockaddr(&row->addr, &c->remote);
		c->remote.port = row->port;
	}
}

bool
snmpcol_conn(const struct snmpcol_conn *c, unsigned col, struct snmpcol_value *out)
{
	none(out);
	switch (col) {
	case SMTPMON_C_LOCAL_ADDRESS_TYPE:
		return integer(out, c->local.type);
	case SMTPMON_C_LOCAL_ADDRESS:
		return octets(out, c->local.bytes, c->local.len);
	case SMTPMON_C_LOCAL_PORT:
		return uns(out, SNMPCOL_UNSIGNED, c->local.port);
	case SMTPMON_C_REMOTE_ADDRESS_TYPE:
		return integer(out, c->remote.type);
	case SMTPMON_C_REMOTE_ADDRESS:
		return octets(out, c->remote.bytes, c->remote.len);
	case SMTPMON_C_REMOTE_PORT:
		return uns(out, SNMPCOL_UNSIGNED, c->remote.port);
	case SMTPMON_C_APPLDATA:
		return octets(out, c->row->conns[c->role].appldata, APPLDATA_LEN);
	default:
		return false;
	}
}

/* ---- the scalars ---- */

bool
snmpcol_scalar(const struct reg_snapshot *s, const struct snmpcol_scalars *x, unsigned n,
    struct snmpcol_value *out)
{
	none(out);
	switch (n) {
	case SMTPMON_SC_VERSION:
		return text(out, x->version, SNMPCOL_TEXT_MAX);
	case SMTPMON_SC_WRITER:
		return text(out, x->writer, 8);
	case SMTPMON_SC_TARGETS_CONFIGURED:
		return uns(out, SNMPCOL_GAUGE, s->targets_configured);
	case SMTPMON_SC_TARGETS_UP:
		return uns(out, SNMPCOL_GAUGE, x->targets_up);
	case SMTPMON_SC_PROBES_DONE:
		return counter64(out, s->probes_done);
	case SMTPMON_SC_PROBE_FAILURES:
		return counter64(out, s->probe_failures);
	case SMTPMON_SC_START_TIME:
		return date(out, true, s->started);
	default:
		return false;
	}
}

bool
snmpcol_passive_scalar(const struct reg_snapshot *s, unsigned n, struct snmpcol_value *out)
{
	const struct reg_passive *p = &s->passive;

	none(out);
	switch (n) {
	case SMTPMON_PS_ENABLED:
		return integer(out, truth(p->enabled));
	case SMTPMON_PS_SOURCE:
		return text(out, p->enabled ? p->source : "", sizeof p->source);
	case SMTPMON_PS_PACKETS:
		return counter64(out, p->packets);
	case SMTPMON_PS_BYTES:
		return counter64(out, p->bytes);
	case SMTPMON_PS_SESSIONS:
		return counter64(out, p->sessions);
	case SMTPMON_PS_SESSIONS_TLS:
		return counter64(out, p->sessions_tls);
	case SMTPMON_PS_SESSIONS_BASIC:
		return counter64(out, p->sessions_plain);
	case SMTPMON_PS_SERVERS:
		return uns(out, SNMPCOL_GAUGE, s->n_prows);
	case SMTPMON_PS_SERVERS_DROPPED:
		return counter64(out, p->servers_dropped);
	case SMTPMON_PS_ALERTS:
		return counter64(out, p->alerts);
	case SMTPMON_PS_CAPTURE_DROPS:
		return counter64(out, p->capture_drops);
	case SMTPMON_PS_BYTES_LOST:
		return counter64(out, p->bytes_lost);
	case SMTPMON_PS_TLS_POOL_EMPTY:
		return counter64(out, p->tls_pool_empty);
	case SMTPMON_PS_ERROR:
		return text(out, p->error, sizeof p->error);
	default:
		return false;
	}
}
