/* agent/output/snmptrap.c: see snmptrap.h. */
#include "buildconf.h"

#include "snmp_inc.h"

#include "snmptrap.h"
#include "log.h"
#include "mevent.h"
#include "safetext.h"
#include "snmp_mib.h"
#include "snmpcol.h"
#include "util.h"

#include <stdint.h>
#include <string.h>

static const oid snmptrap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };


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
	char buf[SNMPCOL_TEXT_MAX + 1];
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
	struct snmpcol_inaddr in;
	long type;
	u_long port = ev->port;

	snmpcol_inaddr_of_sockaddr(&ev->addr, &in);
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
	size_t dlen = snmpcol_date_and_time(ev->cert_not_after, dt);
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
	long old_level = ev->old_tls_mib, new_level = ev->new_tls_mib;
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
	/* not among the OBJECTS: what failed in words (rating-lowered, DANE,
	 * MTA-STS), appended when there is something to say (RFC 3416 4.2.6) */
	if (ev->detail[0] != '\0')
		add_notify_text(&vars, SMTPMON_NO_DETAIL, ev->detail, sizeof ev->detail);
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
	long old_level = ev->old_tls_mib, new_level = ev->new_tls_mib;
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

void
snmptrap_send(const struct monitor_event *ev)
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
	char reply[SNMPCOL_TEXT_MAX + 1];
	size_t rlen = snmpcol_reply_text(ev->last_reply, reply);
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
