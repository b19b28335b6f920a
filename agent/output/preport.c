/* agent/output/preport.c: see preport.h. */
#include "buildconf.h"
#include "preport.h"
#include "rating.h"
#include "report.h"
#include "tls_wire.h"

#include <string.h>

static void
kiso(struct json *j, const char *key, time_t t)
{
	char ts[32];

	report_iso8601(t, ts, sizeof ts);
	json_kstr(j, key, ts[0] ? ts : NULL);
}

void
preport_json(struct json *j, const struct pserver_view *v)
{
	const char *p = v->auth_pretls;

	json_obj_begin(j);
	json_kstr(j, "target", v->target);
	json_kuint(j, "index", v->index);
	json_kint(j, "port", v->port);
	json_kstr(j, "state", "observed");
	json_kstr(j, "server_type", v->type_name);
	json_kbool(j, "starttls_offered", v->ehlo_seen && v->starttls_offered);
	json_kbool(j, "starttls_known", v->starttls_known);
	json_key(j, "auth_offered_pretls");
	json_arr_begin(j);
	while (*p) {
		size_t n = strcspn(p, " ");
		if (n)
			json_strn(j, p, n);
		p += n;
		p += strspn(p, " ");
	}
	json_arr_end(j);
	json_kstr(j, "security_method", v->security_name);
	json_kstr(j, "tls_version", v->tls_name);
	if (v->cipher_id >= 0) {
		json_kint(j, "cipher_id", v->cipher_id);
		json_kstr(j, "cipher", v->cipher_name);
		json_kstr(j, "cipher_class", v->class_name);
	} else {
		json_knull(j, "cipher_id");
		json_knull(j, "cipher");
		json_knull(j, "cipher_class");
	}
	kiso(j, "cert_not_after", v->cert_not_after);
	/* the same object as a target's (report.c), of the last TLS session */
	report_rating_json(j, &v->rnames);
	json_knull(j, "last_reply");
	json_kstr(j, "appldata", v->appldata);
	json_kstr(j, "baseline_tls_version", v->best_tls_name);
	json_kstr(j, "sni", v->sni[0] ? v->sni : NULL);
	json_kstr(j, "banner", v->banner[0] ? v->banner : NULL);
	json_kstr(j, "last_client", v->last_client[0] ? v->last_client : NULL);
	json_key(j, "sessions");
	json_obj_begin(j);
	json_kuint(j, "total", v->sessions);
	json_kuint(j, "tls", v->sessions_tls);
	json_kuint(j, "basic", v->sessions_plain);
	json_kuint(j, "undetermined", v->sessions - v->sessions_tls - v->sessions_plain);
	json_obj_end(j);
	json_kuint(j, "alerts", v->alerts);
	json_key(j, "events");
	json_arr_begin(j);
	for (int e = 0; e < PS_EV_COUNT; e++)
		if (v->events & (1u << e))
			json_str(j, ps_event_name((enum ps_event)e));
	json_arr_end(j);
	json_key(j, "last_event");
	if (v->last_event[0] == '\0') {
		json_null(j);
	} else {
		json_obj_begin(j);
		json_kstr(j, "name", v->last_event);
		json_kstr(j, "client", v->last_event_client);
		json_kstr(j, "detail", v->last_event_detail);
		kiso(j, "at", v->last_event_at);
		json_obj_end(j);
	}
	json_kstr(j, "mangled_keyword", v->mangled[0] ? v->mangled : NULL);
	kiso(j, "first_seen", v->first_seen);
	kiso(j, "last_seen", v->last_seen);
	json_obj_end(j);
}

void
preport_text_header(FILE *out)
{
	fprintf(out, "%-26s %-2s %-3s %-8s %-7s %-40s %-12s %7s %7s %7s  %-20s %s\n", "SERVER",
	    "TY", "SEC", "STARTTLS", "TLS", "CIPHER", "RATING", "SESS", "TLS", "BASIC", "EVENTS",
	    "APPLDATA");
}

void
preport_text_row(FILE *out, const struct pserver_view *v)
{
	const char *cipher = v->cipher_id < 0 ? "-" :
	    v->cipher_name != NULL ? v->cipher_name : v->cipher_text;
	char ev[96] = "";
	size_t used = 0;

	for (int e = 0; e < PS_EV_COUNT; e++)
		if (v->events & (1u << e))
			used += (size_t)snprintf(ev + used, sizeof ev - used, "%s%s", used ? "," : "",
			    ps_event_name((enum ps_event)e));
	fprintf(out, "%-26s %-2c %-3s %-8s %-7s %-40s %-12s %7llu %7llu %7llu  %-20s %s\n",
	    v->target, v->server_type == ' ' ? '-' : v->server_type,
	    v->last_security == 'T' ? "T" : v->last_security == 'B' ? "B" : "-",
	    !v->ehlo_seen ? "-" : v->starttls_offered ? "yes" : "no",
	    v->tls_version ? v->tls_name : "-", cipher,
	    v->rnames.overall != NULL ? v->rnames.overall : "-", (unsigned long long)v->sessions,
	    (unsigned long long)v->sessions_tls, (unsigned long long)v->sessions_plain, ev[0] ? ev : "-", v->appldata);
}

void
preport_alert_text(const struct pserver_alert *a, char *out, size_t outsz)
{
	const char *ov = a->old_tls_name, *nv = a->new_tls_name;
	char d[PSERVER_TEXT];
	size_t i;

	/* server text inside quotes: no quote, no control character */
	for (i = 0; a->detail[i] != '\0' && i < sizeof d - 1; i++)
		d[i] = a->detail[i] == '"' || (unsigned char)a->detail[i] < 0x20 ||
		    (unsigned char)a->detail[i] > 0x7e ? '?' : a->detail[i];
	d[i] = '\0';
	snprintf(out, outsz, "event=%s server=%s client=%s tls=%s baseline=%s detail=\"%s\"",
	    ps_event_name(a->ev), a->server, a->client, nv ? nv : "none", ov ? ov : "none", d);
}
