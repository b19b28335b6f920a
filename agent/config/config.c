/* agent/config/config.c: the smtpmon.conf parser; see config.h and smtpmon.conf(5).
 *
 * Three layers, all over one buffer and without I/O:
 *   lexer      bytes -> tokens, in agent/confparse (with the checks of a
 *              value's form: numbers, durations, names, addresses).
 *   statements a keyword, its values up to the newline, `{` or `}`, and
 *              whether a block follows (`{` on the same or a later line).
 *   semantics  one table of smtpmon's keywords by block, each with the
 *              handler that applies it, and one table of the CSSMTP
 *              statements that smtpmon accepts but does not use. The
 *              handlers of the top level, Timeout and Monitor are here;
 *              TargetServer and AuthEntity are agent/conftarget's, Passive
 *              agent/confpassive's, over the parse state of confstate.h.
 * Every error is collected with its line and parsing goes on; at the end the
 * errors are sorted by line (checks made when a block closes or at the end of
 * the file, such as duplicate addresses and AuthEntity references, are found
 * late but belong to earlier lines) and published in struct config_errors
 * (agent/conferr). conftarget has the duplicate targets found by agent/confdup.
 */
#include "buildconf.h"
#include "config.h"
#include "conferr.h"
#include "confparse.h"
#include "confpassive.h"
#include "confstate.h"
#include "conftarget.h"
#include "mlimit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "appldata.h"
#include "util.h"

#define SUN_PATH_MAX  107      /* sizeof(sun_path) - 1 */

/* ------------------------------------------------------------------ */
/* keywords                                                            */

static const char *const ctx_names[] = {
	[CTX_TOP] = "the top level", [CTX_TIMEOUT] = "Timeout", [CTX_MONITOR] = "Monitor",
	[CTX_TARGET] = "TargetServer", [CTX_AUTH] = "AuthEntity", [CTX_PASSIVE] = "Passive",
};

#define F_BLOCK  1u   /* opens a block */
#define F_REPEAT 2u   /* may be given more than once in its block */

struct keyword {
	const char *name;
	enum ctx ctx;
	enum kw_id id;
	unsigned flags;
	int nargs;        /* values: 0, 1, or -1 for one or more */
	kw_apply *apply;  /* NULL for a block (open_block() starts it), a duration
	                   * (durations[]) or a path (paths[]) */
};

/* CSSMTP statements that only concern mail delivery: accepted with any
 * values (and, when a block follows, any contents), recorded once each in
 * cfg->unused, otherwise ignored.
 *
 * Source: z/OS Communications Server IP Configuration Reference, chapter
 * "Communications Server SMTP application", table "CSSMTP configuration
 * statements" and the statement pages (editions V2R1 to V3R2 on ibm.com/docs):
 * BadSpoolDisp, ChkPointSizeLimit, ExtendedRetry { Age Interval MailDirectory },
 * Header { Date UserInfo }, JESJobSize, JESMsgSize, JESSyntaxErrLimit,
 * LogLevel, MailAdministrator, MBCS, Options { NullTrnc TestMode
 * DataLineTrunc AtSign TLSEhlo }, Report, ReportMailFrom, RetryLimit
 * { Count Interval }, SMF119 { CONFIG SPOOL MAIL CONNECT STATS }, Translate,
 * Undeliverable { ReturnToMailFrom DeadLetterAction DeadLetterDirectory },
 * UserExit (named by "CSSMTP user exit version 3 and version 4"); the
 * Timeout timers DataBlock, DATACmd, DataTerm, MAILCmd, RCPTCmd; the
 * TargetServer parameters Charset ("Steps for creating mail on the JES spool")
 * and MBCharset (MBCS statement page). ExtWrtName, Timeout's InitialMsg,
 * AnyCmd and ConnectRetry, TargetServer's TargetIp, TargetName, TargetMx and
 * Secure are used and live in keywords[] above. */
static const struct unused_kw {
	const char *name;
	enum ctx ctx;
	bool block;        /* CSSMTP writes it as a block */
} cssmtp_unused[] = {
	{ "BadSpoolDisp",      CTX_TOP,     false },
	{ "ChkPointSizeLimit", CTX_TOP,     false },
	{ "ExtendedRetry",     CTX_TOP,     true },
	{ "Header",            CTX_TOP,     true },
	{ "JESJobSize",        CTX_TOP,     false },
	{ "JESMsgSize",        CTX_TOP,     false },
	{ "JESSyntaxErrLimit", CTX_TOP,     false },
	{ "LogLevel",          CTX_TOP,     false },
	{ "MailAdministrator", CTX_TOP,     false },
	{ "MBCS",              CTX_TOP,     false },
	{ "Options",           CTX_TOP,     true },
	{ "Report",            CTX_TOP,     false },
	{ "ReportMailFrom",    CTX_TOP,     false },
	{ "RetryLimit",        CTX_TOP,     true },
	{ "SMF119",            CTX_TOP,     true },
	{ "Translate",         CTX_TOP,     false },
	{ "Undeliverable",     CTX_TOP,     true },
	{ "UserExit",          CTX_TOP,     false },
	{ "DataBlock",         CTX_TIMEOUT, false },
	{ "DATACmd",           CTX_TIMEOUT, false },
	{ "DataTerm",          CTX_TIMEOUT, false },
	{ "MAILCmd",           CTX_TIMEOUT, false },
	{ "RCPTCmd",           CTX_TIMEOUT, false },
	{ "Charset",           CTX_TARGET,  false },
	{ "MBCharset",         CTX_TARGET,  false },
};

#define N_UNUSED   (sizeof cssmtp_unused / sizeof cssmtp_unused[0])

/* ------------------------------------------------------------------ */
/* messages                                                            */

/* "FILE:LINE: KEYWORD: what" */
void
ps_err(struct pstate *ps, int line, const char *kw, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conferr_vadd(&ps->el, line, kw, fmt, ap);
	va_end(ap);
}

/* the same at the statement's line and keyword */
void
ps_serr(struct pstate *ps, const struct stmt *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conferr_vadd(&ps->el, st->line, st->kwshow, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* building the configuration                                          */

static struct config *
config_new(const char *file)
{
	struct config *cfg = xcalloc(1, sizeof *cfg);

	cfg->file = xstrdup(file);
	str_copy(cfg->writer, "SMTPMON", sizeof cfg->writer);
	cfg->initial_ms = 300000;
	cfg->anycmd_ms = 300000;
	cfg->connect_retry_ms = 120000;
	cfg->connect_ms = 30000;
	cfg->noop_interval_ms = 60000;
	cfg->reprobe_interval_ms = 300000;
	cfg->noop_budget = MLIMIT_DEFAULT_BUDGET;
	cfg->state_dir = xstrdup("/var/lib/smtpmon");
	cfg->control_socket = xstrdup("/run/smtpmon/control.sock");
	cfg->pid_file = xstrdup("/run/smtpmon/smtpmond.pid");
	return cfg;
}

static void
record_unused(struct pstate *ps, size_t idx, const struct stmt *st)
{
	struct config *cfg = ps->cfg;

	if (ps->unused_seen[idx])
		return;
	ps->unused_seen[idx] = true;
	if (cfg->n_unused == ps->unused_cap) {
		ps->unused_cap = ps->unused_cap ? ps->unused_cap * 2 : 8;
		cfg->unused = xrealloc(cfg->unused, ps->unused_cap * sizeof *cfg->unused);
	}
	cfg->unused[cfg->n_unused++] = conferr_strf("%s:%d: %s", ps->file, st->line, st->kwshow);
}

/* Consume the tokens of a block whose `{` was just read, through its `}`.
 * False at the end of the input (the block is not closed). */
static bool
skip_block(struct pstate *ps)
{
	size_t depth = 1;
	struct conf_token t;

	for (;;) {
		conf_lex_next(&ps->lx, &t);
		switch (t.type) {
		case CONF_TOK_EOF:
			return false;
		case CONF_TOK_OPEN:
			depth++;
			break;
		case CONF_TOK_CLOSE:
			if (--depth == 0)
				return true;
			break;
		case CONF_TOK_WORD:
			free(t.text);
			break;
		case CONF_TOK_NL:
			break;
		}
	}
}

static void
skip_stmt_block(struct pstate *ps, const struct stmt *st)
{
	if (!skip_block(ps))
		ps_serr(ps, st, "block not closed (missing })");
}

#define CFG(f) offsetof(struct config, f)

/* The statements whose value is a duration, each into a uint32_t of struct
 * config, and their ranges. */
static const struct duration_kw {
	enum kw_id id;
	size_t field;
	uint32_t min, max;
	bool zero_ok;
	const char *text;
} durations[] = {
	{ K_INITIALMSG,   CFG(initial_ms),          100, 3600000,  false, "100ms..3600s" },
	{ K_ANYCMD,       CFG(anycmd_ms),           100, 3600000,  false, "100ms..3600s" },
	{ K_CONNECTRETRY, CFG(connect_retry_ms),    100, 86400000, false, "100ms..86400s" },
	{ K_CONNECT,      CFG(connect_ms),          100, 300000,   false, "100ms..300s" },
	{ K_NOOP,         CFG(noop_interval_ms),    100, 3600000,  false, "100ms..3600s" },
	{ K_REPROBE,      CFG(reprobe_interval_ms), 100, 86400000, true,  "0 or 100ms..86400s" },
};

/* The statements whose value is an absolute path, each into a char * of
 * struct config; max > 0: a unix socket's, at most max bytes. */
static const struct path_kw {
	enum kw_id id;
	size_t field;
	size_t max;
} paths[] = {
	{ K_APPLDATALOG,   CFG(appldata_log),   0 },
	{ K_STATEDIR,      CFG(state_dir),      0 },
	{ K_CONTROLSOCKET, CFG(control_socket), SUN_PATH_MAX },
	{ K_PIDFILE,       CFG(pid_file),       0 },
	{ K_CAFILE,        CFG(ca_file),        0 },
	{ K_TRUSTANCHOR,   CFG(trust_anchor),   0 },
};

#define N_DURATIONS (sizeof durations / sizeof durations[0])
#define N_PATHS     (sizeof paths / sizeof paths[0])

static void
set_duration(struct pstate *ps, const struct stmt *st, const struct duration_kw *r)
{
	char b[CONF_SHOW_BUF];
	const char *v = st->vals[0].text;
	uint64_t ms;

	if (!conf_parse_duration(v, &ms)) {
		ps_serr(ps, st, "\"%s\" is not a duration (N, Nms, Ns, Nm or Nh)", conf_show(v, b));
		return;
	}
	if ((ms == 0 && r->zero_ok) || (ms >= r->min && ms <= r->max)) {
		*(uint32_t *)(void *)((char *)ps->cfg + r->field) = (uint32_t)ms;
		return;
	}
	ps_serr(ps, st, "\"%s\" out of range (%s)", conf_show(v, b), r->text);
}

void
ps_set_path(struct pstate *ps, const struct stmt *st, char **field, size_t max)
{
	char b[CONF_SHOW_BUF];
	const char *v = st->vals[0].text;
	size_t n = strlen(v);

	if (v[0] != '/') {
		ps_serr(ps, st, "\"%s\" is not an absolute path", conf_show(v, b));
		return;
	}
	if (max > 0 && n > max) {
		ps_serr(ps, st, "\"%s\" is too long for a unix socket (%zu bytes, max %zu)",
		    conf_show(v, b), n, max);
		return;
	}
	free(*field);
	*field = xstrdup(v);
}

void
ps_set_string(struct pstate *ps, const struct stmt *st, char **field, bool ok, const char *what)
{
	char b[CONF_SHOW_BUF];
	const char *v = stmt_value(st);

	if (!ok) {
		ps_serr(ps, st, "\"%s\" is not %s", conf_show(v, b), what);
		return;
	}
	free(*field);
	*field = xstrdup(v);
}

static void
open_block(struct pstate *ps, const struct keyword *k, const struct stmt *st, bool value_ok)
{
	struct block *bk = &ps->blk;

	memset(bk, 0, sizeof *bk);
	bk->active = true;
	bk->line = st->line;
	str_copy(bk->kw, st->kwshow, sizeof bk->kw);
	switch (k->id) {
	case K_TIMEOUT:
		bk->ctx = CTX_TIMEOUT;
		break;
	case K_MONITOR:
		bk->ctx = CTX_MONITOR;
		break;
	case K_PASSIVE:
		bk->ctx = CTX_PASSIVE;
		confpassive_open(ps);
		break;
	case K_TARGETSERVER:
		bk->ctx = CTX_TARGET;
		conftarget_open(ps, st);
		break;
	case K_AUTHENTITY:
		bk->ctx = CTX_AUTH;
		conftarget_open_auth(ps, st, value_ok);
		break;
	default:
		break;
	}
}

static void
close_block(struct pstate *ps)
{
	struct block *bk = &ps->blk;

	if (bk->ctx == CTX_TARGET)
		conftarget_close(ps);
	else if (bk->ctx == CTX_AUTH)
		conftarget_close_auth(ps);
	else if (bk->ctx == CTX_PASSIVE)
		confpassive_close(ps);
	bk->active = false;
}

/* ------------------------------------------------------------------ */
/* the keywords' handlers and their table                              */

/* The value of a one-value statement. */
const char *
stmt_value(const struct stmt *st)
{
	return st->nvals > 0 ? st->vals[0].text : "";
}

static void
kw_extwrtname(struct pstate *ps, const struct stmt *st)
{
	char b[CONF_SHOW_BUF], w[9];
	const char *v = stmt_value(st);

	if (!appldata_writer_norm(v, w)) {
		ps_serr(ps, st, "\"%s\" is not 1-8 characters of A-Z 0-9 $ # @", conf_show(v, b));
		return;
	}
	memcpy(ps->cfg->writer, w, sizeof w);
}

static void
kw_helo(struct pstate *ps, const struct stmt *st)
{
	const char *v = stmt_value(st);

	ps_set_string(ps, st, &ps->cfg->helo_name,
	    strlen(v) <= 255 && (conf_valid_dns_name(v, true) || conf_valid_addr_literal(v)),
	    "a host name or [address] literal");
}

/* "off", a unix socket path or another net-snmp transport address */
static void
kw_agentx(struct pstate *ps, const struct stmt *st)
{
	char b[CONF_SHOW_BUF];
	const char *v = stmt_value(st);
	size_t n = strlen(v);

	if (strcasecmp(v, "off") == 0) {
		ps->cfg->agentx_off = true;
		return;
	}
	if (v[0] == '/' && n > SUN_PATH_MAX) {
		ps_serr(ps, st, "\"%s\" is too long for a unix socket (%zu bytes, max %d)",
		    conf_show(v, b), n, SUN_PATH_MAX);
		return;
	}
	ps->cfg->agentx_socket = xstrdup(v);
}

static void
kw_user(struct pstate *ps, const struct stmt *st)
{
	ps_set_string(ps, st, &ps->cfg->user, conf_valid_word(stmt_value(st), 32), "a user name");
}

/* "ADDR[:PORT],...": the first element that is not an address is reported */
static void
kw_nameserver(struct pstate *ps, const struct stmt *st)
{
	char b[CONF_SHOW_BUF];
	const char *v = stmt_value(st), *e = v;

	for (;;) {
		const char *c = strchr(e, ',');
		size_t len = c ? (size_t)(c - e) : strlen(e);
		if (!conf_valid_ns_elem(e, len)) {
			char part[CONF_SHOW_MAX + 1];
			str_copy(part, e, len < sizeof part ? len + 1 : sizeof part);
			ps_serr(ps, st, "\"%s\" is not an address (ADDR, ADDR:PORT, IPv6 or [IPv6]:PORT)",
			    conf_show(part, b));
			return;
		}
		if (c == NULL)
			break;
		e = c + 1;
	}
	ps->cfg->name_servers = xstrdup(v);
}

/* MetricsListen ADDR:PORT | [IPv6]:PORT: may repeat, each address once. */
static void
kw_metricslisten(struct pstate *ps, const struct stmt *st)
{
	struct config *cfg = ps->cfg;
	char b[CONF_SHOW_BUF];
	const char *v = stmt_value(st);
	struct cfg_listen *l;

	if (cfg->n_metrics_listen == CONFIG_MAX_LISTEN) {
		ps_serr(ps, st, "more than %d MetricsListen statements", CONFIG_MAX_LISTEN);
		return;
	}
	l = &cfg->metrics_listen[cfg->n_metrics_listen];
	if (strlen(v) >= sizeof l->text || !conf_parse_listen(v, &l->ss, &l->len)) {
		ps_serr(ps, st, "\"%s\" is not ADDR:PORT or [IPv6]:PORT (an address, not a name, "
		    "and a port 1-65535)", conf_show(v, b));
		return;
	}
	for (size_t i = 0; i < cfg->n_metrics_listen; i++)
		if (cfg->metrics_listen[i].len == l->len && memcmp(&cfg->metrics_listen[i].ss,
		    &l->ss, l->len) == 0) {
			ps_serr(ps, st, "%s is already listened on (line %d)", conf_show(v, b),
			    cfg->metrics_listen[i].line);
			return;
		}
	str_copy(l->text, v, sizeof l->text);
	l->line = st->line;
	cfg->n_metrics_listen++;
}

/* A NULL-terminated array of strings, or NULL. */
static void
free_argv(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* AlertCommand /path/to/program [ARG ...]: run without a shell. */
static void
kw_alertcmd(struct pstate *ps, const struct stmt *st)
{
	struct config *cfg = ps->cfg;
	char b[CONF_SHOW_BUF];
	size_t i;

	if (st->total > st->nvals) {
		ps_serr(ps, st, "more than %d arguments", STMT_VALUES - 1);
		return;
	}
	if (st->vals[0].text[0] != '/') {
		ps_serr(ps, st, "\"%s\" is not an absolute path (the command runs without a shell "
		    "and without a search path)", conf_show(st->vals[0].text, b));
		return;
	}
	free_argv(cfg->alert_argv);
	cfg->alert_argv = xcalloc(st->nvals + 1, sizeof(char *));
	for (i = 0; i < st->nvals; i++)
		cfg->alert_argv[i] = xstrdup(st->vals[i].text);
	cfg->alert_line = st->line;
}

static void
kw_noopbudget(struct pstate *ps, const struct stmt *st)
{
	char b[CONF_SHOW_BUF];
	const char *v = stmt_value(st);
	unsigned long nb;

	if (!conf_parse_uint(v, 100000, &nb)) {
		ps_serr(ps, st, "\"%s\" is not a NOOP count (0 = no limit, at most 100000)",
		    conf_show(v, b));
		return;
	}
	ps->cfg->noop_budget = (unsigned)nb;
}
/* smtpmon's own statements, and the CSSMTP ones it uses (ExtWrtName,
 * LocalHostName, Timeout's InitialMsg/AnyCmd/ConnectRetry, TargetServer's
 * TargetIp/TargetName/TargetMx/Secure). */
static const struct keyword keywords[] = {
	{ "ExtWrtName",      CTX_TOP,     K_EXTWRTNAME,    0, 1, kw_extwrtname },
	{ "HeloName",        CTX_TOP,     K_HELO,          0, 1, kw_helo },
	{ "LocalHostName",   CTX_TOP,     K_HELO,          0, 1, kw_helo },
	{ "Timeout",         CTX_TOP,     K_TIMEOUT,       F_BLOCK, 0, NULL },
	{ "Monitor",         CTX_TOP,     K_MONITOR,       F_BLOCK, 0, NULL },
	{ "TargetServer",    CTX_TOP,     K_TARGETSERVER,  F_BLOCK | F_REPEAT, 0, NULL },
	{ "AuthEntity",      CTX_TOP,     K_AUTHENTITY,    F_BLOCK | F_REPEAT, 1, NULL },
	{ "AppldataLog",     CTX_TOP,     K_APPLDATALOG,   0, 1, NULL },
	{ "StateDir",        CTX_TOP,     K_STATEDIR,      0, 1, NULL },
	{ "ControlSocket",   CTX_TOP,     K_CONTROLSOCKET, 0, 1, NULL },
	{ "AgentXSocket",    CTX_TOP,     K_AGENTX,        0, 1, kw_agentx },
	{ "PidFile",         CTX_TOP,     K_PIDFILE,       0, 1, NULL },
	{ "User",            CTX_TOP,     K_USER,          0, 1, kw_user },
	{ "CAFile",          CTX_TOP,     K_CAFILE,        0, 1, NULL },
	{ "DnssecTrustAnchor", CTX_TOP,   K_TRUSTANCHOR,   0, 1, NULL },
	{ "NameServer",      CTX_TOP,     K_NAMESERVER,    0, 1, kw_nameserver },
	{ "AlertCommand",    CTX_TOP,     K_ALERTCMD,      0, -1, kw_alertcmd },
	{ "MetricsListen",   CTX_TOP,     K_METRICSLISTEN, F_REPEAT, 1, kw_metricslisten },
	{ "Passive",         CTX_TOP,     K_PASSIVE,       F_BLOCK, 0, NULL },
	{ "InitialMsg",      CTX_TIMEOUT, K_INITIALMSG,    0, 1, NULL },
	{ "AnyCmd",          CTX_TIMEOUT, K_ANYCMD,        0, 1, NULL },
	{ "ConnectRetry",    CTX_TIMEOUT, K_CONNECTRETRY,  0, 1, NULL },
	{ "Connect",         CTX_TIMEOUT, K_CONNECT,       0, 1, NULL },
	{ "NoopInterval",    CTX_MONITOR, K_NOOP,          0, 1, NULL },
	{ "ReprobeInterval", CTX_MONITOR, K_REPROBE,       0, 1, NULL },
	{ "NoopBudget",      CTX_MONITOR, K_NOOPBUDGET,    0, 1, kw_noopbudget },
	{ "TargetIP",        CTX_TARGET,  K_TARGETIP,      F_REPEAT, 1, kw_targetip },
	{ "TargetName",      CTX_TARGET,  K_TARGETNAME,    0, 1, kw_targetname },
	{ "TargetMx",        CTX_TARGET,  K_TARGETMX,      0, 1, kw_targetmx },
	{ "ConnectPort",     CTX_TARGET,  K_CONNECTPORT,   0, 1, kw_connectport },
	{ "Secure",          CTX_TARGET,  K_SECURE,        0, 1, kw_secure },
	{ "AuthEntity",      CTX_TARGET,  K_AUTHREF,       0, 1, kw_authref },
	{ "TlsServerName",   CTX_TARGET,  K_TLSNAME,       0, 1, kw_tlsname },
	{ "MinTlsLevel",     CTX_TARGET,  K_MINTLS,        0, 1, kw_mintls },
	{ "Dane",            CTX_TARGET,  K_DANE,          0, 1, kw_dane },
	{ "MtaSts",          CTX_TARGET,  K_MTASTS,        0, 1, kw_mtasts },
	{ "User",            CTX_AUTH,    K_AUTHUSER,      0, 1, kw_authuser },
	{ "PasswordFile",    CTX_AUTH,    K_PASSWORDFILE,  0, 1, kw_passwordfile },
	{ "Interface",       CTX_PASSIVE, K_INTERFACE,     F_REPEAT, 1, kw_interface },
	{ "PcapFile",        CTX_PASSIVE, K_PCAPFILE,      0, 1, kw_pcapfile },
	{ "Ports",           CTX_PASSIVE, K_PORTS,         0, -1, kw_ports },
};

#define N_KEYWORDS (sizeof keywords / sizeof keywords[0])

/* Apply one statement of smtpmon's own through its keyword's handler; the
 * values have been checked for count and form. */
static void
apply(struct pstate *ps, const struct keyword *k, const struct stmt *st)
{
	size_t i;

	for (i = 0; i < N_DURATIONS; i++)
		if (durations[i].id == k->id) {
			set_duration(ps, st, &durations[i]);
			return;
		}
	for (i = 0; i < N_PATHS; i++)
		if (paths[i].id == k->id) {
			ps_set_path(ps, st, (char **)(void *)((char *)ps->cfg + paths[i].field),
			    paths[i].max);
			return;
		}
	if (k->apply != NULL)
		k->apply(ps, st);
}

static const struct keyword *
find_keyword(const char *name, int ctx)
{
	size_t i;

	for (i = 0; i < N_KEYWORDS; i++)
		if ((ctx < 0 || keywords[i].ctx == (enum ctx)ctx) &&
		    strcasecmp(keywords[i].name, name) == 0)
			return &keywords[i];
	return NULL;
}

static int
find_unused(const char *name, int ctx)
{
	size_t i;

	for (i = 0; i < N_UNUSED; i++)
		if ((ctx < 0 || cssmtp_unused[i].ctx == (enum ctx)ctx) &&
		    strcasecmp(cssmtp_unused[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* A keyword that opens a block at the top level only. */
static bool
is_top_block(const char *name)
{
	const struct keyword *k = find_keyword(name, CTX_TOP);
	int u = find_unused(name, CTX_TOP);

	return (k != NULL && (k->flags & F_BLOCK)) || (u >= 0 && cssmtp_unused[u].block);
}

/* What a block checks at its end depends on what was given, valid or not. */

/* Count and form of the values; false when they cannot be applied. */
static bool
check_values(struct pstate *ps, const struct keyword *k, const struct stmt *st)
{
	size_t i;

	if (k->nargs == 0 && st->total > 0) {
		ps_serr(ps, st, "takes no value");
		return false;
	}
	if (k->nargs != 0 && st->total == 0) {
		ps_serr(ps, st, "missing value");
		return false;
	}
	if (k->nargs == 1 && st->total > 1) {
		ps_serr(ps, st, "takes one value, not %zu", st->total);
		return false;
	}
	for (i = 0; i < st->nvals; i++) {
		const struct conf_token *t = &st->vals[i];
		if (t->unterminated) {
			ps_serr(ps, st, "quoted string not terminated");
			return false;
		}
		if (t->toolong) {
			ps_serr(ps, st, "value too long (max %d bytes)", CONF_TOKEN_MAX);
			return false;
		}
		if (t->ctrl) {
			ps_serr(ps, st, "control character in value");
			return false;
		}
		if (t->text[0] == '\0') {
			ps_serr(ps, st, "empty value");
			return false;
		}
	}
	return true;
}

static void
statement(struct pstate *ps, struct stmt *st, bool has_block)
{
	enum ctx ctx = ps->blk.active ? ps->blk.ctx : CTX_TOP;
	const char *name = st->kw.text;
	const struct keyword *k = find_keyword(name, (int)ctx);
	int u, *first;
	bool ok;

	if (k == NULL && (u = find_unused(name, (int)ctx)) >= 0) {
		record_unused(ps, (size_t)u, st);
		if (has_block)
			skip_stmt_block(ps, st);
		return;
	}
	if (ctx != CTX_TOP && has_block && (k == NULL || !(k->flags & F_BLOCK)) &&
	    is_top_block(name)) {
		/* the block before is missing its `}` */
		ps_err(ps, ps->blk.line, ps->blk.kw, "block not closed (missing })");
		close_block(ps);
		statement(ps, st, has_block);
		return;
	}
	if (k == NULL) {
		const struct keyword *any = find_keyword(name, -1);
		int anyu = find_unused(name, -1);
		if (any == NULL && anyu < 0)
			ps_serr(ps, st, "unknown keyword");
		else if (ctx != CTX_TOP)
			ps_serr(ps, st, "not allowed in %s", ctx_names[ctx]);
		else
			ps_serr(ps, st, "allowed only in %s",
			    ctx_names[any != NULL ? any->ctx : cssmtp_unused[anyu].ctx]);
		if (has_block)
			skip_stmt_block(ps, st);
		return;
	}

	first = ctx == CTX_TOP ? &ps->top_first[k->id] : &ps->blk.first[k->id];
	conftarget_given(ps, k->id);
	ok = check_values(ps, k, st);
	if (!(k->flags & F_REPEAT)) {
		if (*first != 0) {
			ps_serr(ps, st, "given twice (first at line %d)", *first);
			ok = false;
		} else
			*first = st->line;
	}
	if (k->flags & F_BLOCK) {
		if (!has_block) {
			ps_serr(ps, st, "needs a block ({ ... })");
			return;
		}
		open_block(ps, k, st, ok);
		return;
	}
	if (ok)
		apply(ps, k, st);
	if (has_block) {
		ps_serr(ps, st, "does not take a block");
		skip_stmt_block(ps, st);
	}
}

static void
stmt_free(struct stmt *st)
{
	size_t i;

	free(st->kw.text);
	for (i = 0; i < st->nvals; i++)
		free(st->vals[i].text);
}

/* Read the rest of the statement that starts with kw and run it. */
static void
read_statement(struct pstate *ps, struct conf_token *kw)
{
	struct stmt *st = xcalloc(1, sizeof *st);
	struct conf_token t;
	bool has_block = false, split = false;
	int ctx = ps->blk.active ? (int)ps->blk.ctx : (int)CTX_TOP;
	const struct keyword *k = ctx != CTX_TOP ? find_keyword(kw->text, ctx) : NULL;

	st->line = kw->line;
	st->kw = *kw;
	conf_show(kw->text, st->kwshow);
	for (;;) {
		conf_lex_next(&ps->lx, &t);
		if (t.type != CONF_TOK_WORD)
			break;
		/* a block on one line, "Timeout { InitialMsg 30 AnyCmd 30 }": once
		 * a one-value statement has its value, an unquoted keyword of the
		 * block starts the next statement */
		if (k != NULL && k->nargs == 1 && st->total >= 1 && !t.quoted &&
		    find_keyword(t.text, ctx) != NULL) {
			conf_lex_unread(&ps->lx, &t);
			split = true;
			break;
		}
		st->total++;
		if (st->nvals < STMT_VALUES)
			st->vals[st->nvals++] = t;
		else
			free(t.text);
	}
	if (split)
		;                          /* the next statement is waiting */
	else if (t.type == CONF_TOK_OPEN)
		has_block = true;
	else if (t.type == CONF_TOK_NL) {
		/* the `{` may open on a later line */
		do
			conf_lex_next(&ps->lx, &t);
		while (t.type == CONF_TOK_NL);
		if (t.type == CONF_TOK_OPEN)
			has_block = true;
		else
			conf_lex_unread(&ps->lx, &t);
	} else
		conf_lex_unread(&ps->lx, &t);
	statement(ps, st, has_block);
	stmt_free(st);
	free(st);
}

/* ------------------------------------------------------------------ */
/* the whole file                                                      */

static struct config *
parse_internal(const char *file, const char *text, size_t len,
    struct config_errors *errs, bool load_passwords)
{
	struct pstate *ps = xcalloc(1, sizeof *ps);
	struct config *cfg;
	struct conf_token t;

	ps->file = file;
	ps->el.file = file;
	ps->unused_seen = xcalloc(N_UNUSED, sizeof *ps->unused_seen);
	conf_lex_init(&ps->lx, text, len);
	ps->cfg = cfg = config_new(file);

	for (;;) {
		conf_lex_next(&ps->lx, &t);
		if (t.type == CONF_TOK_EOF)
			break;
		switch (t.type) {
		case CONF_TOK_CLOSE:
			if (ps->blk.active)
				close_block(ps);
			else
				ps_err(ps, t.line, "}", "no block to close");
			break;
		case CONF_TOK_OPEN:
			ps_err(ps, t.line, "{", "block without a keyword");
			if (!skip_block(ps))
				ps_err(ps, t.line, "{", "block not closed (missing })");
			break;
		case CONF_TOK_WORD:
			read_statement(ps, &t);
			break;
		case CONF_TOK_NL: case CONF_TOK_EOF:
			break;
		}
	}
	if (ps->blk.active) {
		ps_err(ps, ps->blk.line, ps->blk.kw, "block not closed (missing })");
		close_block(ps);
	}
	conftarget_finish(ps, load_passwords);

	conferr_publish(&ps->el, errs);
	conftarget_free(ps);
	free(ps->unused_seen);
	conf_lex_free(&ps->lx);
	free(ps);
	if (errs->total > 0) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

struct config *
config_parse(const char *file, const char *text, size_t len, struct config_errors *errs)
{
	config_errors_clear(errs);
	return parse_internal(file, text, len, errs, false);
}

struct config *
config_load(const char *path, struct config_errors *errs)
{
	struct config *cfg;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd;

	config_errors_clear(errs);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		conferr_file(errs, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		ssize_t r;
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > (size_t)CONFIG_MAX_BYTES + 1)
				cap = (size_t)CONFIG_MAX_BYTES + 1;
			buf = xrealloc(buf, cap);
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			conferr_file(errs, "%s: %s", path, strerror(errno));
			close(fd);
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > CONFIG_MAX_BYTES) {
			conferr_file(errs, "%s: larger than %u bytes", path, CONFIG_MAX_BYTES);
			close(fd);
			free(buf);
			return NULL;
		}
	}
	close(fd);
	cfg = parse_internal(path, buf ? buf : "", len, errs, true);
	free(buf);
	return cfg;
}

void
config_free(struct config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->n_targets; i++) {
		free(cfg->targets[i].addrs);
		free(cfg->targets[i].host);
		free(cfg->targets[i].tls_server_name);
		free(cfg->targets[i].mta_sts);
	}
	free(cfg->targets);
	for (i = 0; i < cfg->n_auths; i++) {
		free(cfg->auths[i].name);
		free(cfg->auths[i].user);
		free(cfg->auths[i].password_file);
		if (cfg->auths[i].password != NULL) {
			explicit_bzero(cfg->auths[i].password, strlen(cfg->auths[i].password));
			free(cfg->auths[i].password);
		}
	}
	free(cfg->auths);
	for (i = 0; i < cfg->passive.n_interfaces; i++)
		free(cfg->passive.interfaces[i]);
	free(cfg->passive.interfaces);
	free(cfg->passive.pcap_file);
	for (i = 0; i < cfg->n_unused; i++)
		free(cfg->unused[i]);
	free(cfg->unused);
	free(cfg->file);
	free(cfg->helo_name);
	free(cfg->appldata_log);
	free(cfg->state_dir);
	free(cfg->control_socket);
	free(cfg->agentx_socket);
	free(cfg->pid_file);
	free(cfg->user);
	free(cfg->ca_file);
	free(cfg->trust_anchor);
	free(cfg->name_servers);
	free_argv(cfg->alert_argv);
	free(cfg);
}

void
config_errors_clear(struct config_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->n && i < CONFIG_MAX_ERRORS; i++)
		free(errs->msg[i]);
	memset(errs, 0, sizeof *errs);
}
