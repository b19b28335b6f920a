/* agent/output/metrics.c: see metrics.h. */
#include "buildconf.h"
#include "metrics.h"
#include "downgrade.h"

#include <inttypes.h>
#include <stdint.h>
#include <string.h>

/* Where a family's series come from. */
enum scope {
	SC_DAEMON,      /* one series for the daemon */
	SC_TARGET,      /* per registry row */
	SC_PASSIVE,     /* one series, only when the passive probe is enabled */
	SC_PSERVER,     /* per passive row, only when the passive probe is enabled */
};

enum fam_id {
	F_BUILD_INFO, F_START_TIME, F_TARGETS, F_TARGET_ROWS, F_CONNS_OPEN, F_SNAPSHOT_AGE,
	F_DAEMON_PROBES, F_DAEMON_PROBE_FAILURES,
	F_UP, F_INFO, F_TLS_VERSION, F_TLS_CIPHER, F_TLS_STRENGTH, F_STARTTLS, F_CERT_VERIFIED,
	F_CERT_NOT_AFTER, F_PHASE, F_PROBES, F_PROBE_FAILURES, F_DG_EVENTS, F_DG_ACTIVE,
	F_SERVER_CLOSES, F_RECYCLES, F_DANE, F_MTA_STS, F_RATING,
	F_P_PACKETS, F_P_BYTES, F_P_SESSIONS, F_P_DROPS,
	F_PS_SESSIONS, F_PS_TLS_SESSIONS, F_PS_TLS_VERSION, F_PS_CIPHER, F_PS_STARTTLS,
	F_PS_ALERTS, F_PS_RATING,
};

struct fam {
	enum fam_id id;
	enum scope scope;
	bool counter;           /* its samples are name + "_total" */
	const char *name;       /* the family's name (a counter's without _total) */
	const char *help;
};

static const struct fam fams[] = {
	{ F_BUILD_INFO, SC_DAEMON, false, "smtpmon_build_info",
	  "The smtpmon version of this daemon." },
	{ F_START_TIME, SC_DAEMON, false, "smtpmon_start_time_seconds",
	  "When the daemon started, in Unix seconds." },
	{ F_TARGETS, SC_DAEMON, false, "smtpmon_targets",
	  "Targets configured." },
	{ F_TARGET_ROWS, SC_DAEMON, false, "smtpmon_target_rows",
	  "Target addresses being monitored (rows of the registry)." },
	{ F_CONNS_OPEN, SC_DAEMON, false, "smtpmon_connections_open",
	  "Open probe connections, monitor and reprobe." },
	{ F_SNAPSHOT_AGE, SC_DAEMON, false, "smtpmon_snapshot_age_seconds",
	  "Age of the registry snapshot these metrics show." },
	{ F_DAEMON_PROBES, SC_DAEMON, true, "smtpmon_daemon_probes",
	  "Probe connections that classified their server, all targets." },
	{ F_DAEMON_PROBE_FAILURES, SC_DAEMON, true, "smtpmon_daemon_probe_failures",
	  "Probe connections that failed, all targets." },

	{ F_UP, SC_TARGET, false, "smtpmon_target_up",
	  "1 when the target is up (its monitor connection open and answering), else 0." },
	{ F_INFO, SC_TARGET, false, "smtpmon_target_info",
	  "The target's configured name, server type and security method (last "
	  "classification)." },
	{ F_TLS_VERSION, SC_TARGET, false, "smtpmon_tls_version_info",
	  "TLS version the last classification negotiated." },
	{ F_TLS_CIPHER, SC_TARGET, false, "smtpmon_tls_cipher_info",
	  "Cipher suite (IANA name and id) the last classification negotiated." },
	{ F_TLS_STRENGTH, SC_TARGET, false, "smtpmon_tls_cipher_strength_info",
	  "Strength class of the cipher suite the last classification negotiated." },
	{ F_STARTTLS, SC_TARGET, false, "smtpmon_starttls_offered",
	  "1 when the last EHLO reply offered STARTTLS, else 0." },
	{ F_CERT_VERIFIED, SC_TARGET, false, "smtpmon_cert_verified",
	  "1 when the certificate presented verified, else 0." },
	{ F_CERT_NOT_AFTER, SC_TARGET, false, "smtpmon_cert_not_after_timestamp_seconds",
	  "End of the validity of the certificate presented, in Unix seconds." },
	{ F_PHASE, SC_TARGET, false, "smtpmon_phase_duration_seconds",
	  "Round trip of each phase of the last classification; noop: the last NOOP." },
	{ F_PROBES, SC_TARGET, true, "smtpmon_probes",
	  "Probe connections (monitor and reprobe) that classified the target." },
	{ F_PROBE_FAILURES, SC_TARGET, true, "smtpmon_probe_failures",
	  "Probe connections (monitor and reprobe) to the target that failed." },
	{ F_DG_EVENTS, SC_TARGET, true, "smtpmon_tls_downgrade_events",
	  "TLS downgrades seen per event since the address was first watched (announced or not)." },
	{ F_DG_ACTIVE, SC_TARGET, false, "smtpmon_tls_downgrade_active",
	  "1 while the target is downgraded in the event against its TLS baseline, else 0." },
	{ F_SERVER_CLOSES, SC_TARGET, true, "smtpmon_server_closes",
	  "Monitor connections the server ended (idle or command limit)." },
	{ F_RECYCLES, SC_TARGET, true, "smtpmon_recycles",
	  "Monitor connections smtpmond ended under the server's NOOP budget." },
	{ F_DANE, SC_TARGET, false, "smtpmon_dane_status",
	  "DANE (RFC 7672) result of the target's last connection, for targets checked." },
	{ F_MTA_STS, SC_TARGET, false, "smtpmon_mta_sts_status",
	  "MTA-STS (RFC 8461) result of the target's last connection and the policy's mode, "
	  "for targets checked." },
	{ F_RATING, SC_TARGET, false, "smtpmon_tls_rating",
	  "NCSC-NL 2025-05 rating of the TLS the last classification negotiated, "
	  "per component (overall and each rated one) that is known." },

	{ F_P_PACKETS, SC_PASSIVE, true, "smtpmon_passive_packets",
	  "Packets the passive probe captured." },
	{ F_P_BYTES, SC_PASSIVE, true, "smtpmon_passive_bytes",
	  "Bytes the passive probe captured." },
	{ F_P_SESSIONS, SC_PASSIVE, true, "smtpmon_passive_sessions",
	  "SMTP sessions the passive probe saw." },
	{ F_P_DROPS, SC_PASSIVE, true, "smtpmon_passive_capture_drops",
	  "Packets the capture dropped (kernel and interface)." },

	{ F_PS_SESSIONS, SC_PSERVER, true, "smtpmon_passive_server_sessions",
	  "SMTP sessions the passive probe saw with the server." },
	{ F_PS_TLS_SESSIONS, SC_PSERVER, true, "smtpmon_passive_server_tls_sessions",
	  "Sessions with the server that negotiated TLS." },
	{ F_PS_TLS_VERSION, SC_PSERVER, false, "smtpmon_passive_server_tls_version_info",
	  "TLS version of the server's last TLS session seen." },
	{ F_PS_CIPHER, SC_PSERVER, false, "smtpmon_passive_server_cipher_info",
	  "Cipher suite (IANA name and id) of the server's last TLS session seen." },
	{ F_PS_STARTTLS, SC_PSERVER, false, "smtpmon_passive_server_starttls_offered",
	  "1 when the server's last EHLO reply seen offered STARTTLS, else 0." },
	{ F_PS_ALERTS, SC_PSERVER, true, "smtpmon_passive_server_alerts",
	  "Passive probe alerts announced about the server." },
	{ F_PS_RATING, SC_PSERVER, false, "smtpmon_passive_server_tls_rating",
	  "NCSC-NL 2025-05 rating of the server's last TLS session seen, per component "
	  "(overall and each rated one) that the wire shows." },
};

#define NFAMS (sizeof fams / sizeof fams[0])

/* One sample being written: name{k="v",...} value. */
struct mw {
	FILE *out;
	bool om;
	bool labels;            /* a '{' is open */
};

static void
head(struct mw *w, const struct fam *f)
{
	const char *sfx = f->counter && !w->om ? "_total" : "";

	fprintf(w->out, "# HELP %s%s %s\n", f->name, sfx, f->help);
	fprintf(w->out, "# TYPE %s%s %s\n", f->name, sfx, f->counter ? "counter" : "gauge");
}

static void
sample(struct mw *w, const struct fam *f)
{
	fputs(f->name, w->out);
	if (f->counter)
		fputs("_total", w->out);
	w->labels = false;
}

static void
label(struct mw *w, const char *key, const char *val)
{
	FILE *out = w->out;
	const unsigned char *p = (const unsigned char *)(val != NULL ? val : ""), *run = p;

	fputc(w->labels ? ',' : '{', out);
	w->labels = true;
	fputs(key, out);
	fputs("=\"", out);
	/* the printable runs in one write each, the rest escaped or '?' */
	for (;; p++) {
		unsigned char c = *p;

		if (c >= 0x20 && c <= 0x7e && c != '\\' && c != '"')
			continue;
		if (p > run)
			fwrite(run, 1, (size_t)(p - run), out);
		if (c == '\0')
			break;
		fputs(c == '\\' ? "\\\\" : c == '"' ? "\\\"" : c == '\n' ? "\\n" : "?", out);
		run = p + 1;
	}
	fputc('"', out);
}

static void
value_text(struct mw *w, const char *v)
{
	if (w->labels)
		fputc('}', w->out);
	fputc(' ', w->out);
	fputs(v, w->out);
	fputc('\n', w->out);
}

static void
value_u64(struct mw *w, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof buf, "%" PRIu64, v);
	value_text(w, buf);
}

static void
value_time(struct mw *w, time_t t)
{
	char buf[24];

	snprintf(buf, sizeof buf, "%lld", (long long)t);
	value_text(w, buf);
}

/* Microseconds as seconds, exactly. */
static void
value_us(struct mw *w, uint64_t us)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%" PRIu64 ".%06" PRIu64, us / 1000000, us % 1000000);
	value_text(w, buf);
}

/* ---- daemon-wide ---- */

static uint64_t
conns_open(const struct reg_snapshot *s)
{
	uint64_t open = 0;

	for (size_t i = 0; i < s->n; i++)
		open += (uint64_t)s->rows[i]->conns[REG_ROLE_MONITOR].open +
		    s->rows[i]->conns[REG_ROLE_REPROBE].open;
	return open;
}

/* The value of a daemon family that is a count with no label. */
static uint64_t
daemon_count(const struct fam *f, const struct reg_snapshot *s)
{
	switch (f->id) {
	case F_TARGETS:                 return s->targets_configured;
	case F_TARGET_ROWS:             return s->n;
	case F_CONNS_OPEN:              return conns_open(s);
	case F_DAEMON_PROBES:           return s->probes_done;
	case F_DAEMON_PROBE_FAILURES:   return s->probe_failures;
	case F_P_PACKETS:               return s->passive.packets;
	case F_P_BYTES:                 return s->passive.bytes;
	case F_P_SESSIONS:              return s->passive.sessions;
	case F_P_DROPS:                 return s->passive.capture_drops;
	default:                        return 0;   /* not reached: every family is above */
	}
}

static void
daemon_series(struct mw *w, const struct fam *f, const struct reg_snapshot *s,
    const char *version, time_t now)
{
	sample(w, f);
	switch (f->id) {
	case F_BUILD_INFO:
		label(w, "version", version);
		value_u64(w, 1);
		break;
	case F_START_TIME:
		value_time(w, s->started);
		break;
	case F_SNAPSHOT_AGE:
		value_time(w, now - s->published_at);
		break;
	default:
		value_u64(w, daemon_count(f, s));
		break;
	}
}

/* ---- per row ---- */

/* A per-row family's sample, labelled with the row's address. */
static void
row_sample(struct mw *w, const struct fam *f, const char *addr)
{
	sample(w, f);
	label(w, f->scope == SC_TARGET ? "target" : "server", addr);
}

/* ---- per target ---- */

static void
phase(struct mw *w, const struct fam *f, const struct reg_row *row, const char *name,
    uint64_t us)
{
	if (us == 0)
		return;            /* not measured */
	row_sample(w, f, row->target);
	label(w, "phase", name);
	value_us(w, us);
}

/* The value of a target family that is a count with no label of its own,
 * on every row. */
static uint64_t
target_count(const struct fam *f, const struct reg_row *row)
{
	switch (f->id) {
	case F_UP:                      return row->state == REG_UP;
	case F_PROBES:                  return row->connects + row->reprobes;
	case F_PROBE_FAILURES:          return row->connect_failures + row->reprobe_failures;
	case F_SERVER_CLOSES:           return row->server_closes;
	case F_RECYCLES:                return row->recycles;
	default:                        return 0;   /* not reached: every family is above */
	}
}

/* one smtpmon_tls_rating sample: a component whose class is decided */
static void
rating(struct mw *w, const struct fam *f, const struct reg_row *row, const char *component,
    const char *class)
{
	if (class == NULL)
		return;
	row_sample(w, f, row->target);
	label(w, "component", component);
	label(w, "class", class);
	value_u64(w, 1);
}

static void
target_series(struct mw *w, const struct fam *f, const struct reg_row *row)
{
	const struct verdict *v = row->v;
	const struct policy_view *pol = row->pol;
	bool cls = row->classified;
	bool tls = cls && v->tls_done;
	bool cert = tls && v->cert_seen;

	switch (f->id) {
	case F_DANE:
		if (pol == NULL || pol->dane == DANE_ST_OFF)
			break;
		row_sample(w, f, row->target);
		label(w, "status", pol->dane_name);
		value_u64(w, 1);
		break;
	case F_MTA_STS:
		if (pol == NULL || !pol->sts_asked)
			break;
		row_sample(w, f, row->target);
		label(w, "status", pol->sts_name);
		label(w, "mode", pol->sts_policy && pol->mode_name != NULL ? pol->mode_name : "");
		value_u64(w, 1);
		break;
	case F_RATING:
		if (!tls)
			break;
		rating(w, f, row, "overall", v->rnames.overall);
		rating(w, f, row, "tls_version", v->rnames.tls_version);
		rating(w, f, row, "cipher", v->rnames.cipher);
		rating(w, f, row, "key_exchange", v->rnames.key_exchange);
		rating(w, f, row, "cert_key", v->rnames.cert_key);
		rating(w, f, row, "cert_signature", v->rnames.cert_signature);
		break;
	case F_INFO:
		row_sample(w, f, row->target);
		label(w, "name", row->name);
		label(w, "server_type", cls && v->type_name != NULL ? v->type_name : "unknown");
		label(w, "security_method", cls && v->security_name != NULL ? v->security_name :
		    "unknown");
		value_u64(w, 1);
		break;
	case F_TLS_VERSION:
		if (!tls)
			break;
		row_sample(w, f, row->target);
		label(w, "version", v->tls_name);
		value_u64(w, 1);
		break;
	case F_TLS_CIPHER:
		if (!tls || v->cipher_id < 0)
			break;
		row_sample(w, f, row->target);
		label(w, "cipher", v->tls.cipher);
		label(w, "cipher_id", v->cipher_hex);
		value_u64(w, 1);
		break;
	case F_TLS_STRENGTH:
		if (!tls)
			break;
		row_sample(w, f, row->target);
		label(w, "class", v->class_name != NULL ? v->class_name : "unknown");
		value_u64(w, 1);
		break;
	case F_STARTTLS:
		if (!cls || !v->ehlo_seen)
			break;
		row_sample(w, f, row->target);
		value_u64(w, v->starttls_offered);
		break;
	case F_CERT_VERIFIED:
		if (!cert)
			break;
		row_sample(w, f, row->target);
		value_u64(w, v->cert_verified);
		break;
	case F_CERT_NOT_AFTER:
		if (!cert || v->tls.not_after == 0)
			break;
		row_sample(w, f, row->target);
		value_time(w, v->tls.not_after);
		break;
	case F_PHASE:
		if (cls) {
			phase(w, f, row, "connect", v->t.connect);
			phase(w, f, row, "banner", v->t.banner);
			phase(w, f, row, "ehlo", v->t.ehlo);
			phase(w, f, row, "starttls", v->t.starttls);
			phase(w, f, row, "handshake", v->t.handshake);
		}
		phase(w, f, row, "noop", row->noop_rtt_us);
		break;
	case F_DG_EVENTS:
	case F_DG_ACTIVE:
		for (int e = 0; e < DG_N_EVENTS; e++) {
			row_sample(w, f, row->target);
			label(w, "event", dg_event_name(e));
			if (f->id == F_DG_EVENTS)
				value_u64(w, row->dg_raised[e]);
			else
				value_u64(w, (row->dg.active >> e) & 1u);
		}
		break;
	default:
		row_sample(w, f, row->target);
		value_u64(w, target_count(f, row));
		break;
	}
}

/* ---- per passive server ---- */

/* The value of a passive server family that is a count with no label of
 * its own, on every row. */
static uint64_t
pserver_count(const struct fam *f, const struct pserver_view *v)
{
	switch (f->id) {
	case F_PS_SESSIONS:             return v->sessions;
	case F_PS_TLS_SESSIONS:         return v->sessions_tls;
	case F_PS_ALERTS:               return v->alerts;
	default:                        return 0;   /* not reached: every family is above */
	}
}

/* one smtpmon_passive_server_tls_rating sample: a component whose class is
 * decided */
static void
pserver_rating(struct mw *w, const struct fam *f, const struct pserver_view *v,
    const char *component, const char *class)
{
	if (class == NULL)
		return;
	row_sample(w, f, v->target);
	label(w, "component", component);
	label(w, "class", class);
	value_u64(w, 1);
}

static void
pserver_series(struct mw *w, const struct fam *f, const struct pserver_view *v)
{
	switch (f->id) {
	case F_PS_RATING:
		pserver_rating(w, f, v, "overall", v->rnames.overall);
		pserver_rating(w, f, v, "tls_version", v->rnames.tls_version);
		pserver_rating(w, f, v, "cipher", v->rnames.cipher);
		pserver_rating(w, f, v, "key_exchange", v->rnames.key_exchange);
		pserver_rating(w, f, v, "cert_key", v->rnames.cert_key);
		pserver_rating(w, f, v, "cert_signature", v->rnames.cert_signature);
		break;
	case F_PS_TLS_VERSION:
		if (v->tls_version == 0)
			break;
		row_sample(w, f, v->target);
		label(w, "version", v->tls_text);    /* the name, or its number if unknown */
		value_u64(w, 1);
		break;
	case F_PS_CIPHER:
		if (v->cipher_id < 0 || v->cipher_id > 0xffff)
			break;
		row_sample(w, f, v->target);
		/* the IANA name, or its number */
		label(w, "cipher", v->cipher_name != NULL ? v->cipher_name : v->cipher_text);
		label(w, "cipher_id", v->cipher_hex);
		value_u64(w, 1);
		break;
	case F_PS_STARTTLS:
		if (!v->ehlo_seen)
			break;
		row_sample(w, f, v->target);
		value_u64(w, v->starttls_offered);
		break;
	default:
		row_sample(w, f, v->target);
		value_u64(w, pserver_count(f, v));
		break;
	}
}

int
metrics_render(FILE *out, const struct reg_snapshot *s, const char *version, time_t now,
    bool openmetrics)
{
	struct mw w = { .out = out, .om = openmetrics };
	int rc = 0;

	flockfile(out);   /* once, not at each of the ~100 writes per row */
	for (size_t k = 0; k < NFAMS; k++) {
		const struct fam *f = &fams[k];

		if ((f->scope == SC_PASSIVE || f->scope == SC_PSERVER) && !s->passive.enabled)
			continue;
		head(&w, f);
		switch (f->scope) {
		case SC_DAEMON:
		case SC_PASSIVE:
			daemon_series(&w, f, s, version, now);
			break;
		case SC_TARGET:
			for (size_t i = 0; i < s->n; i++)
				target_series(&w, f, s->rows[i]);
			break;
		case SC_PSERVER:
			for (size_t i = 0; i < s->n_prows; i++)
				pserver_series(&w, f, &s->prows[i]->v);
			break;
		}
	}
	if (openmetrics)
		fputs("# EOF\n", out);
	if (fflush(out) != 0 || ferror(out))
		rc = -1;
	funlockfile(out);
	return rc;
}
