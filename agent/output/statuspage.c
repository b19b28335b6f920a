/* agent/output/statuspage.c: see statuspage.h. */
#include "buildconf.h"
#include "statuspage.h"
#include "downgrade.h"
#include "registry.h"
#include "report.h"
#include "safetext.h"

#include <string.h>

#define TEXT_MAX 1024   /* longer than any text of a row (REG_REPLY_MAX) */

static const char css[] =
    "body{font-family:sans-serif;margin:1em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}"
    "th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}"
    "th{background:#eee}"
    ".state-up .state{color:#060}"
    ".state-down .state{color:#b00;font-weight:bold}"
    ".why{font-size:smaller;font-weight:normal;color:#555}"
    ".cert-soon,.cert-expired,.event-active{color:#c00;font-weight:bold}"
    ".hex,.at{color:#666;font-size:smaller;white-space:nowrap}";

/* s, made printable as for `status`, then HTML-escaped. */
static void
put_text(FILE *out, const char *s)
{
	char buf[TEXT_MAX];

	safe_str(s, buf, sizeof buf, 0);
	for (const char *p = buf; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(*p, out); break;
		}
	}
}

/* s, or "-" when NULL or empty. */
static void
put_or_dash(FILE *out, const char *s)
{
	if (s == NULL || s[0] == '\0')
		fputc('-', out);
	else
		put_text(out, s);
}

static void
put_time(FILE *out, time_t t)
{
	char ts[32];

	report_iso8601(t, ts, sizeof ts);
	if (ts[0])
		fprintf(out, "<time datetime=\"%s\">%s</time>", ts, ts);
	else
		fputc('-', out);
}

static void
cell_begin(FILE *out, const char *cls)
{
	fprintf(out, "<td class=\"%s\">", cls);
}

static void
cell_text(FILE *out, const char *cls, const char *s)
{
	cell_begin(out, cls);
	put_or_dash(out, s);
	fputs("</td>", out);
}

static void
cert_cell(FILE *out, const struct reg_row *row, time_t now)
{
	const struct verdict *v = row->v;
	time_t na = v->tls.not_after;
	char date[32];
	long days;

	if (!row->classified || !v->tls_done || !v->cert_seen || na == 0) {
		cell_text(out, "cert", NULL);
		return;
	}
	report_iso8601(na, date, sizeof date);
	date[10] = '\0';
	if (na <= now) {
		fprintf(out, "<td class=\"cert cert-expired\">expired <span class=\"at\">%s</span></td>",
		    date);
		return;
	}
	days = (long)((na - now) / 86400);
	fprintf(out, "<td class=\"cert%s\">%ld day%s <span class=\"at\">%s</span></td>",
	    days < CERT_SOON_DAYS ? " cert-soon" : "", days, days == 1 ? "" : "s", date);
}

static void
event_cell(FILE *out, const struct dg_view *dg)
{
	bool active = dg->last_event >= 0 && !dg->last_recovered &&
	    (dg->active & (1u << dg->last_event)) != 0;

	if (dg->last_event < 0) {
		cell_text(out, "event", NULL);
		return;
	}
	cell_begin(out, active ? "event event-active" : "event");
	put_text(out, dg_event_name(dg->last_event));
	fprintf(out, " %s <span class=\"at\">", dg->last_recovered ? "recovered" : "downgrade");
	put_time(out, dg->last_event_at);
	fputs("</span></td>", out);
}

static void
target_row(FILE *out, const struct reg_row *row, time_t now)
{
	const struct verdict *v = row->v;
	bool tls = row->classified && v->tls_done;

	fputs("<tr data-target=\"", out);
	put_text(out, row->target);
	fprintf(out, "\" class=\"state-%s\">", reg_state_name(row->state));
	cell_text(out, "target", row->target);
	cell_text(out, "name", row->name);
	cell_begin(out, "state");
	put_text(out, reg_state_name(row->state));
	if (row->state == REG_DOWN && row->fail_reason[0]) {
		fputs("<div class=\"why\">", out);
		put_text(out, row->fail_reason);
		if (row->last_reply[0]) {
			fputs("; server said: ", out);
			put_text(out, row->last_reply);
		}
		fputs("</div>", out);
	}
	fputs("</td>", out);
	cell_text(out, "type", row->classified ? v->type_name : NULL);
	cell_text(out, "method", row->classified ? v->method_name : NULL);
	cell_text(out, "tls", tls ? v->tls_name : NULL);
	if (tls) {
		cell_begin(out, "cipher");
		put_text(out, v->tls.cipher[0] ? v->tls.cipher : "unknown");
		if (v->cipher_hex[0]) {
			fputs(" <span class=\"hex\">", out);
			put_text(out, v->cipher_hex);
			fputs("</span>", out);
		}
		fputs("</td>", out);
	} else {
		cell_text(out, "cipher", NULL);
	}
	cert_cell(out, row, now);
	event_cell(out, &row->dg);
	fputs("</tr>\n", out);
}

static void
targets_table(FILE *out, const struct reg_snapshot *s, time_t now)
{
	if (s->n == 0) {
		fputs("<p class=\"empty\">No targets.</p>\n", out);
		return;
	}
	fputs("<table class=\"targets\">\n<thead><tr><th>Target</th><th>Name</th><th>State</th>"
	    "<th>Server type</th><th>Security</th><th>TLS</th><th>Cipher</th>"
	    "<th>Certificate expires</th><th>Last TLS event</th></tr></thead>\n<tbody>\n", out);
	for (size_t i = 0; i < s->n; i++)
		target_row(out, s->rows[i], now);
	fputs("</tbody>\n</table>\n", out);
}

/* The passive servers, their facts as preport_text_row() shows them. */
static void
passive_table(FILE *out, const struct reg_snapshot *s)
{
	if (s->n_prows == 0)
		return;
	fputs("<h2>Passive probe</h2>\n<table class=\"passive\">\n<thead><tr><th>Server</th>"
	    "<th>Sessions</th><th>TLS</th><th>Cipher</th><th>STARTTLS</th></tr></thead>\n"
	    "<tbody>\n", out);
	for (size_t i = 0; i < s->n_prows; i++) {
		const struct pserver_view *v = &s->prows[i]->v;

		fputs("<tr data-server=\"", out);
		put_text(out, v->target);
		fputs("\">", out);
		cell_text(out, "server", v->target);
		fprintf(out, "<td class=\"sessions\">%llu (%llu TLS, %llu basic)</td>",
		    (unsigned long long)v->sessions, (unsigned long long)v->sessions_tls,
		    (unsigned long long)v->sessions_plain);
		cell_text(out, "tls", v->tls_name);
		cell_text(out, "cipher", v->cipher_id < 0 ? NULL :
		    v->cipher_name != NULL ? v->cipher_name : v->cipher_text);
		cell_text(out, "starttls", !v->ehlo_seen ? NULL : v->starttls_offered ? "yes" : "no");
		fputs("</tr>\n", out);
	}
	fputs("</tbody>\n</table>\n", out);
}

int
statuspage_render(FILE *out, const struct reg_snapshot *s, const char *version, time_t now,
    unsigned refresh_s)
{
	size_t up = 0, down = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (s->rows[i]->state == REG_UP)
			up++;
		else if (s->rows[i]->state == REG_DOWN)
			down++;
	}
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n", out);
	if (refresh_s > 0)
		fprintf(out, "<meta http-equiv=\"refresh\" content=\"%u\">\n", refresh_s);
	fprintf(out, "<title>smtpmond status</title>\n<style>%s</style>\n</head>\n<body>\n", css);
	fputs("<h1>smtpmond status</h1>\n<p class=\"daemon\">smtpmond <span class=\"version\">", out);
	put_or_dash(out, version);
	fputs("</span>, started <span class=\"started\">", out);
	put_time(out, s->started);
	fputs("</span>; snapshot <span class=\"snapshot\">", out);
	put_time(out, s->published_at);
	fputs("</span>; page <span class=\"now\">", out);
	put_time(out, now);
	fprintf(out, "</span></p>\n<p class=\"summary\">%zu target%s: %zu up, %zu down, %zu other. "
	    "<a href=\"/metrics\">Metrics</a></p>\n", s->n, s->n == 1 ? "" : "s", up, down,
	    s->n - up - down);
	targets_table(out, s, now);
	passive_table(out, s);
	fputs("</body>\n</html>\n", out);
	if (fflush(out) != 0 || ferror(out))
		return -1;
	return 0;
}
