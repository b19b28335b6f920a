/* agent/output/control.c: see control.h. */
#include "buildconf.h"
#include "control.h"
#include "config.h"
#include "downgrade.h"
#include "json.h"
#include "log.h"
#include "mlimit.h"
#include "preport.h"
#include "registry.h"
#include "report.h"
#include "safetext.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

struct control {
	struct event_base *base;
	struct evconnlistener *lev;
	unsigned clients;          /* connected now */
	bool paused;               /* accept() failed: the listener rests */
	struct event *resume_ev;
	uint64_t accept_errors;    /* since the last message about them */
	time_t accept_logged;
	char *path;
	struct registry *reg;
	char writer[9];
	control_reload_fn *reload;
	void *arg;
	control_reset_fn *reset;
	void *reset_arg;
};

/* ---- rendering ---- */

static void
fmt_age(time_t since, time_t now, char *out, size_t outsz)
{
	long d = since ? (long)(now - since) : -1;

	if (d < 0)
		snprintf(out, outsz, "-");
	else if (d < 120)
		snprintf(out, outsz, "%lds", d);
	else if (d < 7200)
		snprintf(out, outsz, "%ldm", d / 60);
	else if (d < 172800)
		snprintf(out, outsz, "%ldh", d / 3600);
	else
		snprintf(out, outsz, "%ldd", d / 86400);
}

static const char *
kind_name(int kind)
{
	switch (kind) {
	case TARGET_IP: return "ip";
	case TARGET_NAME: return "name";
	case TARGET_MX: return "mx";
	}
	return "?";
}

/* ---- baselines ---- */

static const char *
tri(int v, const char *yes, const char *no)
{
	return v > 0 ? yes : v == 0 ? no : "?";
}

static void
json_tri(struct json *j, const char *key, int v)
{
	if (v < 0)
		json_knull(j, key);
	else
		json_kbool(j, key, v > 0);
}

/* p and its names (posture_names()) */
static void
json_posture(struct json *j, const struct posture *p, const struct posture_names *n)
{
	static const char hx[] = "0123456789abcdef";

	json_kstr(j, "server_type", n->type_name);
	json_tri(j, "starttls_offered", p->starttls);
	json_kstr(j, "tls_version", p->tls_version ? n->tls_text : NULL);
	json_kstr(j, "cipher", p->cipher_id < 0 ? NULL :
	    n->cipher_name != NULL ? n->cipher_name : n->cipher_text);
	if (p->cipher_id >= 0)
		json_kint(j, "cipher_id", p->cipher_id);
	else
		json_knull(j, "cipher_id");
	json_kstr(j, "cipher_class", n->class_name);
	json_kstr(j, "rating", n->rating_name);
	json_kstr(j, "rating_weakest", n->rating_part_name);
	json_tri(j, "cert_dates_valid", p->cert_time_ok);
	json_tri(j, "cert_trusted", p->cert_trusted);
	json_tri(j, "cert_name_matches", p->host_match);
	if (p->have_key) {
		char k[72] = "sha256:";
		for (int i = 0; i < 32; i++) {
			k[7 + 2 * i] = hx[p->key[i] >> 4];
			k[8 + 2 * i] = hx[p->key[i] & 15];
		}
		k[71] = '\0';
		json_kstr(j, "key_sha256", k + 7);
	} else {
		json_knull(j, "key_sha256");
	}
}

/* The TLS baseline facts of a row, as keys of the open object. */
static void
json_tls_state(struct json *j, const struct reg_row *row)
{
	const struct dg_view *v = &row->dg;
	char ts[32];

	json_key(j, "baseline");
	if (!v->set) {
		json_null(j);
	} else {
		json_obj_begin(j);
		report_iso8601(v->set_at, ts, sizeof ts);
		json_kstr(j, "since", ts);
		json_posture(j, &v->best, &v->best_names);
		json_obj_end(j);
	}
	json_key(j, "tls_downgrades");
	json_arr_begin(j);
	for (int e = 0; e < DG_N_EVENTS; e++)
		if (v->active & (1u << e))
			json_str(j, dg_event_name(e));
	json_arr_end(j);
	json_key(j, "tls_event");
	if (v->last_event < 0) {
		json_null(j);
	} else {
		json_obj_begin(j);
		json_kstr(j, "event", dg_event_name(v->last_event));
		json_kstr(j, "kind", v->last_recovered ? "recovery" : "downgrade");
		report_iso8601(v->last_event_at, ts, sizeof ts);
		json_kstr(j, "at", ts);
		json_obj_end(j);
	}
}

static void
render_status_text(FILE *out, const struct reg_snapshot *s, const char *writer)
{
	time_t now = time(NULL);
	size_t up = 0, down = 0;
	char started[32];

	for (size_t i = 0; i < s->n; i++) {
		if (s->rows[i]->state == REG_UP)
			up++;
		else if (s->rows[i]->state == REG_DOWN)
			down++;
	}
	report_iso8601(s->started, started, sizeof started);
	fprintf(out, "smtpmond: %zu target(s): %zu up, %zu down, %zu other; probes %llu, "
	    "failures %llu; started %s\n", s->n, up, down, s->n - up - down,
	    (unsigned long long)s->probes_done, (unsigned long long)s->probe_failures, started);
	fprintf(out, "%-24s %-9s %-5s %-2s %-3s %-7s %-40s %-10s %8s  %s\n", "TARGET", "STATE",
	    "SINCE", "TY", "SEC", "TLS", "CIPHER", "CERT-EXP", "NOOP-ms", "APPLDATA");
	for (size_t i = 0; i < s->n; i++) {
		const struct reg_row *row = s->rows[i];
		const struct verdict *v = row->v;
		char age[24], cipher[64], exp[32] = "-", rtt[24] = "-", rec[APPLDATA_LEN + 1];
		const char *ty = "-", *sec = "-", *tls = "-";

		fmt_age(row->state_since, now, age, sizeof age);
		if (row->classified) {
			ty = v->type_code != NULL ? v->type_code : "?";
			sec = v->method_code;
		}
		if (row->classified && v->tls_done) {
			tls = v->tls_name;
			snprintf(cipher, sizeof cipher, "%.31s (%s)", v->tls.cipher,
			    v->cipher_hex[0] ? v->cipher_hex : "unknown");
			if (v->cert_seen && v->tls.not_after) {
				report_iso8601(v->tls.not_after, exp, sizeof exp);
				exp[10] = '\0';
			}
		} else {
			snprintf(cipher, sizeof cipher, "-");
		}
		if (row->noop_rtt_us)
			snprintf(rtt, sizeof rtt, "%.2f", (double)row->noop_rtt_us / 1000.0);
		reg_row_record(row, writer, rec);
		fprintf(out, "%-24s %-9s %-5s %-2s %-3s %-7s %-40s %-10s %8s  %s\n", row->target,
		    reg_state_name(row->state), age, ty, sec, tls, cipher, exp, rtt, rec);
		if (row->server_closes || row->recycles || row->throttles) {
			char reply[REG_CLOSE_REPLY_MAX + 1];

			safe_str(row->last_close.reply[0] ? row->last_close.reply : "no reply", reply,
			    sizeof reply, 0);
			fprintf(out, "    kept: server closes %llu, recycles %llu, throttles %llu",
			    (unsigned long long)row->server_closes, (unsigned long long)row->recycles,
			    (unsigned long long)row->throttles);
			if (row->last_close.at != 0)
				fprintf(out, "; last close (%s) after %.1f s idle, %u NOOPs: %s",
				    mlimit_end_name(row->last_close.kind),
				    (double)row->last_close.idle_ms / 1e3, row->last_close.noops, reply);
			fputc('\n', out);
		}
		if (row->state == REG_DOWN && row->fail_reason[0]) {
			char text[REG_REPLY_MAX];

			safe_str(row->fail_reason, text, sizeof text, 0);
			fprintf(out, "    down: %s", text);
			if (row->last_reply[0]) {
				safe_str(row->last_reply, text, sizeof text, 0);
				fprintf(out, "; server said: %s", text);
			}
			fputc('\n', out);
		}
	}
}

static void
json_conn(struct json *j, const struct reg_conn *c)
{
	char since[32];

	json_obj_begin(j);
	json_kstr(j, "role", reg_role_name(c->role));
	json_kstr(j, "local", c->local);
	json_kstr(j, "remote", c->remote);
	json_kstr(j, "appldata", c->appldata);
	report_iso8601(c->since, since, sizeof since);
	json_kstr(j, "since", since);
	json_obj_end(j);
}

static void
render_status_json(FILE *out, const struct reg_snapshot *s, const char *writer)
{
	struct json j;

	json_init(&j, out);
	json_arr_begin(&j);
	for (size_t i = 0; i < s->n; i++) {
		const struct reg_row *row = s->rows[i];
		struct verdict v;
		struct verdict_text txt = { .reply = "" };
		char ts[32];
		struct report_target rt = {
			.target = row->target,
			.name = row->name[0] ? row->name : NULL,
			.state = reg_state_name(row->state),
		};

		if (row->classified)
			v = *row->v;
		else
			verdict_blank(APPLDATA_MONITOR, writer, &v);
		/* the failure facts live in the row; they are the current ones
		 * only while the target is down */
		if (row->state == REG_DOWN && row->fail != SMTP_F_NONE)  /* not a failed lookup */
			verdict_set_failure(&v, &txt, row->fail, row->fail_state,
			    row->last_reply_code, row->last_reply, row->fail_reason);
		else if (row->state == REG_DOWN && row->last_reply[0])
			str_copy(txt.reply, row->last_reply, sizeof txt.reply);
		json_obj_begin(&j);
		report_json_fields(&j, &rt, &v, &txt);
		json_kuint(&j, "index", row->index);
		json_kint(&j, "port", row->port);
		json_kstr(&j, "kind", kind_name(row->kind));
		json_kstr(&j, "mx_host", row->mx_host[0] ? row->mx_host : NULL);
		if (row->kind == TARGET_MX)
			json_kuint(&j, "mx_preference", row->mx_pref);
		json_kbool(&j, "secure", row->secure);
		json_kbool(&j, "classified", row->classified);
		report_iso8601(row->classified_at, ts, sizeof ts);
		json_kstr(&j, "classified_at", ts[0] ? ts : NULL);
		report_iso8601(row->state_since, ts, sizeof ts);
		json_kstr(&j, "state_since", ts[0] ? ts : NULL);
		report_iso8601(row->last_change, ts, sizeof ts);
		json_kstr(&j, "last_change", ts[0] ? ts : NULL);
		json_kuint(&j, "noop_rtt_us", row->noop_rtt_us);
		json_kstr(&j, "cipher_class", row->classified ? row->v->class_name : NULL);
		if (row->pol != NULL)
			report_policy_json(&j, row->pol);
		json_tls_state(&j, row);
		json_key(&j, "counters");
		json_obj_begin(&j);
		json_kuint(&j, "connects", row->connects);
		json_kuint(&j, "connect_failures", row->connect_failures);
		json_kuint(&j, "noops", row->noops);
		json_kuint(&j, "noop_failures", row->noop_failures);
		json_kuint(&j, "reprobes", row->reprobes);
		json_kuint(&j, "reprobe_failures", row->reprobe_failures);
		json_obj_end(&j);
		json_kuint(&j, "server_closes", row->server_closes);
		json_kuint(&j, "recycles", row->recycles);
		json_kuint(&j, "throttles", row->throttles);
		json_key(&j, "last_server_close");
		if (row->last_close.at == 0) {
			json_null(&j);
		} else {
			json_obj_begin(&j);
			json_kstr(&j, "reply", row->last_close.reply[0] ? row->last_close.reply : NULL);
			json_kstr(&j, "kind", mlimit_end_name(row->last_close.kind));
			json_kmilli(&j, "idle_s", row->last_close.idle_ms);
			json_kuint(&j, "noops", row->last_close.noops);
			report_iso8601(row->last_close.at, ts, sizeof ts);
			json_kstr(&j, "at", ts);
			json_obj_end(&j);
		}
		json_key(&j, "learned_idle_s");
		if (row->learned_idle_ms == 0)
			json_null(&j);
		else
			json_milli(&j, row->learned_idle_ms);
		json_key(&j, "learned_noop_budget");
		if (row->learned_budget == 0)
			json_null(&j);
		else
			json_uint(&j, row->learned_budget);
		json_kuint(&j, "noop_budget", row->noop_budget);
		json_kmilli(&j, "noop_interval_s", row->noop_interval_ms);
		json_key(&j, "last_failure");
		if (row->fail_reason[0] == '\0') {
			json_null(&j);
		} else {
			json_obj_begin(&j);
			json_kstr(&j, "kind", row->fail_kind);
			json_kstr(&j, "reason", row->fail_reason);
			json_kstr(&j, "reply", row->last_reply[0] ? row->last_reply : NULL);
			json_obj_end(&j);
		}
		json_key(&j, "connections");
		json_arr_begin(&j);
		for (int k = 0; k < 2; k++)
			if (row->conns[k].open)
				json_conn(&j, &row->conns[k]);
		json_arr_end(&j);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	fputc('\n', out);
}

/* A listing opens as a JSON array, or as the text table's header line
 * (fmt and what follows, as for fprintf). */
static void list_begin(FILE *out, struct json *j, bool as_json, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
list_begin(FILE *out, struct json *j, bool as_json, const char *fmt, ...)
{
	va_list ap;

	if (as_json) {
		json_init(j, out);
		json_arr_begin(j);
	} else {
		va_start(ap, fmt);
		vfprintf(out, fmt, ap);
		va_end(ap);
	}
}

static void
list_end(FILE *out, struct json *j, bool as_json)
{
	if (as_json) {
		json_arr_end(j);
		fputc('\n', out);
	}
}

static void
render_appldata(FILE *out, const struct reg_snapshot *s, bool as_json)
{
	struct json j;

	list_begin(out, &j, as_json, "%-28s %-28s %-8s %s\n", "LOCAL", "REMOTE", "ROLE",
	    "APPLDATA");
	for (size_t i = 0; i < s->n; i++) {
		for (int k = 0; k < 2; k++) {
			const struct reg_conn *c = &s->rows[i]->conns[k];

			if (!c->open)
				continue;
			if (as_json)
				json_conn(&j, c);
			else
				fprintf(out, "%-28s %-28s %-8s %s\n", c->local, c->remote,
				    reg_role_name(c->role), c->appldata);
		}
	}
	list_end(out, &j, as_json);
}

static void
render_targets(FILE *out, const struct reg_snapshot *s, bool as_json)
{
	struct json j;

	list_begin(out, &j, as_json, "%-6s %-28s %-4s %-6s %-4s %-6s %-5s %-9s %s\n", "INDEX",
	    "TARGET", "KIND", "SECURE", "AUTH", "MINTLS", "LINE", "STATE", "NAME");
	for (size_t i = 0; i < s->n; i++) {
		const struct reg_row *row = s->rows[i];
		char name[600];

		if (as_json) {
			json_obj_begin(&j);
			json_kuint(&j, "index", row->index);
			json_kstr(&j, "target", row->target);
			json_kstr(&j, "kind", kind_name(row->kind));
			json_kstr(&j, "name", row->name[0] ? row->name : NULL);
			json_kstr(&j, "mx_host", row->mx_host[0] ? row->mx_host : NULL);
			if (row->kind == TARGET_MX)
				json_kuint(&j, "mx_preference", row->mx_pref);
			json_kbool(&j, "secure", row->secure);
			json_kbool(&j, "auth", row->auth);
			json_kstr(&j, "min_tls", row->min_tls_name);
			json_kint(&j, "config_line", row->config_line);
			json_kstr(&j, "state", reg_state_name(row->state));
			json_obj_end(&j);
			continue;
		}
		if (row->mx_host[0])
			snprintf(name, sizeof name, "%s (MX %u %s)", row->name, row->mx_pref, row->mx_host);
		else
			snprintf(name, sizeof name, "%s", row->name[0] ? row->name : "-");
		fprintf(out, "%-6u %-28s %-4s %-6s %-4s %-6s %-5d %-9s %s\n", row->index, row->target,
		    kind_name(row->kind), row->secure ? "yes" : "no", row->auth ? "yes" : "no",
		    row->min_tls_name ? row->min_tls_name : "-", row->config_line,
		    reg_state_name(row->state), name);
	}
	list_end(out, &j, as_json);
}

/* "baseline show [SEL] [json]": the rows sel names (every row when NULL). */
static int
render_baselines(FILE *out, const struct reg_snapshot *s, const char *sel, bool as_json)
{
	struct json j;
	size_t shown = 0;

	list_begin(out, &j, as_json, "%-5s %-24s %-5s %-8s %-8s %-40s %-12s %-8s %-40s %s\n",
	    "INDEX", "TARGET", "TYPE", "STARTTLS", "BASE-TLS", "BASE-CIPHER", "BASE-CLASS",
	    "NOW-TLS", "NOW-CIPHER", "DOWNGRADED / LAST EVENT");
	for (size_t i = 0; i < s->n; i++) {
		const struct reg_row *row = s->rows[i];
		const struct dg_view *v = &row->dg;
		struct posture now;
		struct posture_names nn;
		const struct posture_names *bn = &v->best_names;
		char ts[32], down[256];

		if (row->kind != TARGET_IP && row->addr_len == 0)
			continue;                  /* a name/MX block's placeholder row */
		if (sel != NULL && !reg_row_matches(row, sel))
			continue;
		shown++;
		posture_unknown(&now);
		if (row->classified)
			verdict_posture(row->v, row->secure || row->auth, time(NULL), &now);
		posture_names(&now, &nn);
		dg_events_text(v->active, down, sizeof down);
		if (as_json) {
			json_obj_begin(&j);
			json_kuint(&j, "index", row->index);
			json_kstr(&j, "target", row->target);
			json_kstr(&j, "name", row->name[0] ? row->name : NULL);
			json_key(&j, "current");
			if (!row->classified) {
				json_null(&j);
			} else {
				json_obj_begin(&j);
				report_iso8601(row->classified_at, ts, sizeof ts);
				json_kstr(&j, "classified_at", ts);
				json_posture(&j, &now, &nn);
				json_obj_end(&j);
			}
			json_tls_state(&j, row);
			json_obj_end(&j);
			continue;
		}
		if (v->last_event >= 0) {
			report_iso8601(v->last_event_at, ts, sizeof ts);
			snprintf(down + strlen(down), sizeof down - strlen(down), "%s%s %s %s",
			    down[0] ? " / " : "- / ", dg_event_name(v->last_event),
			    v->last_recovered ? "recovered" : "downgrade", ts);
		}
		fprintf(out, "%-5u %-24s %-5s %-8s %-8s %-40s %-12s %-8s %-40s %s\n", row->index,
		    row->target, !v->set ? "-" : bn->type_name != NULL ? bn->type_name : "?",
		    v->set ? tri(v->best.starttls, "yes", "no") : "-",
		    v->set ? bn->tls_text : "-", !v->set ? "(not set yet)" :
		    bn->cipher_name != NULL ? bn->cipher_name : bn->cipher_text,
		    v->set && bn->class_name != NULL ? bn->class_name : "-",
		    row->classified ? nn.tls_text : "-", !row->classified ? "-" :
		    nn.cipher_name != NULL ? nn.cipher_name : nn.cipher_text,
		    down[0] ? down : "-");
	}
	list_end(out, &j, as_json);
	return sel != NULL && shown == 0 ? 1 : 0;
}

/* "baseline show [SEL] [json]" -> sel (NULL for all) and json; false if req
 * is not one. */
static bool
baseline_request(const char *req, char *sel, size_t selsz, bool *as_json)
{
	const char *p;
	size_t n;

	if (strncmp(req, "baseline show", 13) != 0 || (req[13] != '\0' && req[13] != ' '))
		return false;
	p = req + 13;
	while (*p == ' ')
		p++;
	n = strlen(p);
	*as_json = false;
	if (n >= 4 && strcmp(p + n - 4, "json") == 0 && (n == 4 || p[n - 5] == ' ')) {
		*as_json = true;
		n = n >= 5 ? n - 5 : 0;
	}
	while (n > 0 && p[n - 1] == ' ')
		n--;
	if (n >= selsz)
		n = selsz - 1;
	memcpy(sel, p, n);
	sel[n] = '\0';
	return true;
}

static void
render_passive(FILE *out, const struct reg_snapshot *s, bool as_json)
{
	const struct reg_passive *p = &s->passive;

	if (as_json) {
		struct json j;

		json_init(&j, out);
		json_arr_begin(&j);
		for (size_t i = 0; i < s->n_prows; i++)
			preport_json(&j, &s->prows[i]->v);
		json_arr_end(&j);
		fputc('\n', out);
		return;
	}
	if (!p->enabled) {
		fprintf(out, "smtpmond: the passive probe is off (no Passive block)\n");
		return;
	}
	fprintf(out, "smtpmond passive probe on %s: %llu packets, %llu sessions (%llu TLS, %llu "
	    "basic), %zu servers, %llu alerts; capture drops %llu, bytes lost %llu%s%s\n",
	    p->source, (unsigned long long)p->packets, (unsigned long long)p->sessions,
	    (unsigned long long)p->sessions_tls, (unsigned long long)p->sessions_plain,
	    s->n_prows, (unsigned long long)p->alerts, (unsigned long long)p->capture_drops,
	    (unsigned long long)p->bytes_lost, p->error[0] ? "; error: " : "", p->error);
	preport_text_header(out);
	for (size_t i = 0; i < s->n_prows; i++)
		preport_text_row(out, &s->prows[i]->v);
}

/* The n octets at req are word. */
static bool
is_word(const char *req, size_t n, const char *word)
{
	return strlen(word) == n && strncmp(req, word, n) == 0;
}

int
control_render(FILE *out, const struct reg_snapshot *s, const char *writer, const char *request)
{
	char sel[CONTROL_REQ_MAX];
	size_t n = strlen(request);
	bool as_json;

	if (baseline_request(request, sel, sizeof sel, &as_json))
		return render_baselines(out, s, sel[0] ? sel : NULL, as_json) == 0 ? 0 : -2;
	/* "WORD" or "WORD json" */
	as_json = n > 5 && strcmp(request + n - 5, " json") == 0;
	if (as_json)
		n -= 5;
	if (is_word(request, n, "status") && as_json)
		render_status_json(out, s, writer);
	else if (is_word(request, n, "status"))
		render_status_text(out, s, writer);
	else if (is_word(request, n, "appldata"))
		render_appldata(out, s, as_json);
	else if (is_word(request, n, "targets"))
		render_targets(out, s, as_json);
	else if (is_word(request, n, "passive"))
		render_passive(out, s, as_json);
	else
		return -1;
	return 0;
}

/* ---- the socket ---- */

/* The listener takes new clients unless it rests after an accept() error
 * or CONTROL_CLIENTS_MAX are connected. */
static void
listener_update(struct control *c)
{
	if (c->paused || c->clients >= CONTROL_CLIENTS_MAX)
		evconnlistener_disable(c->lev);
	else
		evconnlistener_enable(c->lev);
}

static void
client_done(struct control *c, struct bufferevent *bev)
{
	bufferevent_free(bev);
	c->clients--;
	listener_update(c);
}

static void
on_flushed(struct bufferevent *bev, void *arg)
{
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		client_done(arg, bev);
}

static void
on_client_event(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		client_done(arg, bev);
}

static void
on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct control *c = arg;

	(void)fd, (void)what;
	c->paused = false;
	listener_update(c);
}

/* accept() failed, typically EMFILE with every descriptor in use: a listener
 * left on would be woken again at once and spin; rest CONTROL_PAUSE_MS, and
 * say so at most once a minute. */
static void
on_accept_error(struct evconnlistener *lev, void *arg)
{
	struct control *c = arg;
	struct timeval tv = { .tv_sec = 0, .tv_usec = CONTROL_PAUSE_MS * 1000 };
	int err = EVUTIL_SOCKET_ERROR();
	time_t now = time(NULL);

	(void)lev;
	c->accept_errors++;
	if (now - c->accept_logged >= 60) {
		log_warnx("SMD0010W control socket: accept: %s; pausing %d ms (%llu time(s) since "
		    "the last message)", strerror(err), CONTROL_PAUSE_MS,
		    (unsigned long long)c->accept_errors);
		c->accept_errors = 0;
		c->accept_logged = now;
	}
	c->paused = true;
	listener_update(c);
	evtimer_add(c->resume_ev, &tv);
}

static void
answer(struct control *c, struct bufferevent *bev, const char *req)
{
	struct evbuffer *out = bufferevent_get_output(bev);
	char show[CONTROL_REQ_MAX + 32];
	char *body = NULL;
	size_t len = 0;
	FILE *f;

	if (strcmp(req, "reload") == 0) {
		char msg[4096];

		if (c->reload(c->arg, msg, sizeof msg) == 0)
			evbuffer_add_printf(out, "OK\n%s", msg);
		else
			evbuffer_add_printf(out, "ERR %s\n", msg);
		return;
	}
	if (strncmp(req, "baseline reset", 14) == 0 && (req[14] == ' ' || req[14] == '\0')) {
		char sel[CONTROL_REQ_MAX];
		const char *p = req + 14;
		size_t n;
		bool as_json = false;
		int count;

		while (*p == ' ')
			p++;
		n = strlen(p);
		if (n >= 5 && strcmp(p + n - 5, " json") == 0) {
			as_json = true;
			n -= 5;
		}
		while (n > 0 && p[n - 1] == ' ')
			n--;
		memcpy(sel, p, n);
		sel[n] = '\0';
		if (n == 0 || strcmp(sel, "json") == 0) {
			evbuffer_add_printf(out, "ERR baseline reset: which target? (ADDR:PORT, ADDR, "
			    "index, or TargetName / TargetMx name)\n");
			return;
		}
		count = c->reset != NULL ? c->reset(c->reset_arg, sel) : -1;
		if (count < 0) {
			evbuffer_add_printf(out, "ERR baseline reset: the monitor did not answer\n");
			return;
		}
		if (count == 0) {
			evbuffer_add_printf(out, "ERR baseline reset: no target \"%s\"\n", sel);
			return;
		}
		log_info("SMD1855I TLS baseline reset by the control socket: %d target(s) \"%s\"",
		    count, sel);
		snprintf(show, sizeof show, "baseline show %s%s", sel, as_json ? " json" : "");
		req = show;
	}
	f = open_memstream(&body, &len);
	if (f == NULL) {
		evbuffer_add_printf(out, "ERR out of memory\n");
		return;
	}
	{
		struct reg_snapshot *s = registry_acquire(c->reg);
		int rc = control_render(f, s, c->writer, req);

		registry_release(s);
		fclose(f);
		if (rc == -2) {
			evbuffer_add_printf(out, "ERR no target \"%.*s\" (ADDR:PORT, ADDR, index, "
			    "or TargetName / TargetMx name)\n", CONTROL_REQ_MAX, req + 14);
		} else if (rc != 0) {
			evbuffer_add_printf(out, "ERR unknown request \"%.*s\" (status [json], "
			    "appldata [json], targets [json], passive [json], baseline show [TARGET] [json], "
			    "baseline reset TARGET [json], reload)\n", CONTROL_REQ_MAX, req);
		} else {
			evbuffer_add(out, "OK\n", 3);
			evbuffer_add(out, body, len);
		}
		free(body);
	}
}

static void
on_client_read(struct bufferevent *bev, void *arg)
{
	struct control *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n;
	char *line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF);

	if (line == NULL) {
		if (evbuffer_get_length(in) > CONTROL_REQ_MAX) {
			evbuffer_add_printf(bufferevent_get_output(bev), "ERR request too long\n");
			goto reply;
		}
		return;   /* wait for the rest */
	}
	if (n > 0 && line[n - 1] == '\r')
		line[--n] = '\0';
	if (n > CONTROL_REQ_MAX)
		evbuffer_add_printf(bufferevent_get_output(bev), "ERR request too long\n");
	else
		answer(c, bev, line);
	free(line);
reply:
	bufferevent_disable(bev, EV_READ);
	bufferevent_setcb(bev, NULL, on_flushed, on_client_event, c);
	bufferevent_enable(bev, EV_WRITE);
}

static void
on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int salen,
    void *arg)
{
	struct control *c = arg;
	struct bufferevent *bev = bufferevent_socket_new(evconnlistener_get_base(lev), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	struct timeval tv = { .tv_sec = CONTROL_TIMEOUT_MS / 1000,
	    .tv_usec = (CONTROL_TIMEOUT_MS % 1000) * 1000 };

	(void)sa, (void)salen;
	if (bev == NULL) {
		close(fd);
		return;
	}
	c->clients++;
	listener_update(c);
	bufferevent_setcb(bev, on_client_read, NULL, on_client_event, c);
	bufferevent_set_timeouts(bev, &tv, &tv);
	bufferevent_setwatermark(bev, EV_READ, 0, CONTROL_REQ_MAX + 2);
	bufferevent_enable(bev, EV_READ);
}

/* Is someone listening on path? */
static bool
socket_alive(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0)
		return false;
	alive = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return alive;
}

struct control *
control_new(struct event_base *base, const char *path, struct registry *reg, const char *writer,
    control_reload_fn *reload, void *arg, char *err, size_t errlen)
{
	struct control *c;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;
	mode_t old;

	if (strlen(path) >= sizeof sun.sun_path) {
		snprintf(err, errlen, "ControlSocket %s: path too long", path);
		return NULL;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "ControlSocket %s: exists and is not a socket", path);
			return NULL;
		}
		if (socket_alive(&sun)) {
			snprintf(err, errlen, "ControlSocket %s: another smtpmond is listening", path);
			return NULL;
		}
		unlink(path);   /* left by a crash */
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "ControlSocket: socket: %s", strerror(errno));
		return NULL;
	}
	old = umask(0117);   /* born 0660: never world-accessible, even briefly */
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		umask(old);
		snprintf(err, errlen, "ControlSocket %s: bind: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	umask(old);
	chmod(path, 0660);
	c = xcalloc(1, sizeof(*c));
	c->base = base;
	c->path = xstrdup(path);
	c->reg = reg;
	str_copy(c->writer, writer, sizeof c->writer);
	c->reload = reload;
	c->arg = arg;
	c->lev = evconnlistener_new(base, on_accept, c, LEV_OPT_CLOSE_ON_FREE, 64, fd);
	if (c->lev == NULL) {
		snprintf(err, errlen, "ControlSocket %s: listen: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		free(c->path);
		free(c);
		return NULL;
	}
	evconnlistener_set_error_cb(c->lev, on_accept_error);
	c->resume_ev = evtimer_new(base, on_resume, c);
	return c;
}

void
control_set_reset(struct control *c, control_reset_fn *fn, void *arg)
{
	c->reset = fn;
	c->reset_arg = arg;
}

void
control_set_writer(struct control *c, const char *writer)
{
	str_copy(c->writer, writer, sizeof c->writer);
}

void
control_free(struct control *c)
{
	if (c == NULL)
		return;
	evconnlistener_free(c->lev);
	event_free(c->resume_ev);
	unlink(c->path);
	free(c->path);
	free(c);
}
