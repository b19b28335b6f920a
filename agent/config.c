/* agent/config.c: the smtpmon.conf parser; see config.h and smtpmon.conf(5).
 *
 * Three layers, all over one buffer and without I/O:
 *   lexer      bytes -> tokens, in agent/confparse (with the checks of a
 *              value's form: numbers, durations, names, addresses).
 *   statements a keyword, its values up to the newline, `{` or `}`, and
 *              whether a block follows (`{` on the same or a later line).
 *   semantics  one table of smtpmon's keywords by block, each with the
 *              handler that applies it, and one table of the CSSMTP
 *              statements that smtpmon accepts but does not use.
 * Every error is collected with its line and parsing goes on; at the end the
 * errors are sorted by line (checks made when a block closes or at the end of
 * the file, such as duplicate addresses and AuthEntity references, are found
 * late but belong to earlier lines) and published in struct config_errors
 * (agent/conferr). The duplicate targets are found by agent/confdup.
 */
#include "buildconf.h"
#include "config.h"
#include "confdup.h"
#include "conferr.h"
#include "confparse.h"
#include "mlimit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "appldata.h"
#include "tlsver.h"
#include "util.h"

#define STMT_VALUES   64       /* values kept of one statement (more are counted) */
#define KW_BUF        CONF_SHOW_BUF /* any keyword as written, rendered printable */
#define KW_NAME       24       /* a keyword of the tables as written (longest: 17) */
#define PASSWORD_MAX  1024     /* first line of a PasswordFile */
#define SUN_PATH_MAX  107      /* sizeof(sun_path) - 1 */

/* ------------------------------------------------------------------ */
/* keywords                                                            */

enum ctx { CTX_TOP, CTX_TIMEOUT, CTX_MONITOR, CTX_TARGET, CTX_AUTH, CTX_PASSIVE };

static const char *const ctx_names[] = {
	[CTX_TOP] = "the top level", [CTX_TIMEOUT] = "Timeout", [CTX_MONITOR] = "Monitor",
	[CTX_TARGET] = "TargetServer", [CTX_AUTH] = "AuthEntity", [CTX_PASSIVE] = "Passive",
};

enum kw_id {
	K_NONE,
	K_EXTWRTNAME, K_HELO, K_TIMEOUT, K_MONITOR, K_TARGETSERVER, K_AUTHENTITY,
	K_APPLDATALOG, K_STATEDIR, K_CONTROLSOCKET, K_AGENTX, K_PIDFILE, K_USER,
	K_CAFILE, K_NAMESERVER, K_PASSIVE, K_ALERTCMD,
	K_INITIALMSG, K_ANYCMD, K_CONNECTRETRY, K_CONNECT,
	K_NOOP, K_REPROBE, K_NOOPBUDGET,
	K_TARGETIP, K_TARGETNAME, K_TARGETMX, K_CONNECTPORT, K_SECURE, K_AUTHREF,
	K_TLSNAME, K_MINTLS,
	K_AUTHUSER, K_PASSWORDFILE,
	K_INTERFACE, K_PCAPFILE, K_PORTS,
	K_COUNT
};

#define F_BLOCK  1u   /* opens a block */
#define F_REPEAT 2u   /* may be given more than once in its block */

struct pstate;
struct stmt;

/* A handler applies one statement whose values have been checked for count
 * and form (check_values()); it reports what is wrong with their content. */
typedef void kw_apply(struct pstate *ps, const struct stmt *st);

struct keyword {
	const char *name;
	enum ctx ctx;
	enum kw_id id;
	unsigned flags;
	int nargs;        /* values: 0, 1, or -1 for one or more */
	kw_apply *apply;  /* NULL for a block: open_block() starts it */
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
/* parser state                                                        */

struct stmt {
	int line;
	struct conf_token kw;
	char kwshow[KW_BUF];       /* the keyword as written, printable */
	struct conf_token vals[STMT_VALUES];
	size_t nvals;              /* kept */
	size_t total;              /* given */
};

struct tpriv {                     /* per target, for late checks */
	size_t addrs_cap;
	bool has_ip, has_name, has_mx;
	int host_line;
	char host_kw[KW_NAME];
	char *auth_name;
	int auth_line;
	char auth_kw[KW_NAME];
};

struct apriv {                     /* per AuthEntity */
	char kw[KW_NAME];
	bool has_user, has_pwfile;
};

struct addr_ref {                  /* per TargetIP, for the duplicate check */
	size_t target, index;
	int line;
	char kw[KW_NAME];
};

struct block {
	bool active;
	enum ctx ctx;
	int line;
	char kw[KW_NAME];
	size_t index;              /* target or auth */
	int first[K_COUNT];        /* line of each keyword's first use in the block */
};

struct pstate {
	const char *file;
	struct conf_lexer lx;
	struct config *cfg;
	struct conferr_list el;
	int top_first[K_COUNT];
	bool unused_seen[N_UNUSED];
	struct block blk;
	struct tpriv *tp;
	struct apriv *ap;
	struct addr_ref *ar;
	size_t n_ar, ar_cap;
	size_t targets_cap, auths_cap, unused_cap, ifaces_cap;
	int iface_line, pcap_line;
	bool passive_ports_set;
};

/* ------------------------------------------------------------------ */
/* messages                                                            */

/* "FILE:LINE: KEYWORD: what" */
static void
err(struct pstate *ps, int line, const char *kw, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void
err(struct pstate *ps, int line, const char *kw, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conferr_vadd(&ps->el, line, kw, fmt, ap);
	va_end(ap);
}

/* the same at the statement's line and keyword */
static void
serr(struct pstate *ps, const struct stmt *st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
serr(struct pstate *ps, const struct stmt *st, const char *fmt, ...)
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
		serr(ps, st, "block not closed (missing })");
}

struct duration_range {
	uint32_t min, max;
	bool zero_ok;
	const char *text;
};

static bool
set_duration(struct pstate *ps, const struct stmt *st, const struct duration_range *r,
    uint32_t *field)
{
	char b[CONF_SHOW_BUF];
	const char *v = st->vals[0].text;
	uint64_t ms;

	if (!conf_parse_duration(v, &ms)) {
		serr(ps, st, "\"%s\" is not a duration (N, Nms, Ns, Nm or Nh)", conf_show(v, b));
		return false;
	}
	if ((ms == 0 && r->zero_ok) || (ms >= r->min && ms <= r->max)) {
		*field = (uint32_t)ms;
		return true;
	}
	serr(ps, st, "\"%s\" out of range (%s)", conf_show(v, b), r->text);
	return false;
}

static const struct duration_range r_initial = { 100, 3600000, false, "100ms..3600s" };
static const struct duration_range r_anycmd = { 100, 3600000, false, "100ms..3600s" };
static const struct duration_range r_retry = { 100, 86400000, false, "100ms..86400s" };
static const struct duration_range r_connect = { 100, 300000, false, "100ms..300s" };
static const struct duration_range r_noop = { 100, 3600000, false, "100ms..3600s" };
static const struct duration_range r_reprobe = { 100, 86400000, true, "0 or 100ms..86400s" };

static void
set_path(struct pstate *ps, const struct stmt *st, char **field, size_t max)
{
	char b[CONF_SHOW_BUF];
	const char *v = st->vals[0].text;
	size_t n = strlen(v);

	if (v[0] != '/') {
		serr(ps, st, "\"%s\" is not an absolute path", conf_show(v, b));
		return;
	}
	if (max > 0 && n > max) {
		serr(ps, st, "\"%s\" is too long for a unix socket (%zu bytes, max %zu)",
		    conf_show(v, b), n, max);
		return;
	}
	free(*field);
	*field = xstrdup(v);
}

static struct cfg_target *
cur_target(struct pstate *ps)
{
	return &ps->cfg->targets[ps->blk.index];
}

static void
open_block(struct pstate *ps, const struct keyword *k, const struct stmt *st, bool value_ok)
{
	struct config *cfg = ps->cfg;
	struct block *bk = &ps->blk;
	char b[CONF_SHOW_BUF];
	size_t i;

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
		cfg->passive.present = true;
		break;
	case K_TARGETSERVER:
		bk->ctx = CTX_TARGET;
		if (cfg->n_targets == ps->targets_cap) {
			ps->targets_cap = ps->targets_cap ? ps->targets_cap * 2 : 8;
			cfg->targets = xrealloc(cfg->targets, ps->targets_cap * sizeof *cfg->targets);
			ps->tp = xrealloc(ps->tp, ps->targets_cap * sizeof *ps->tp);
		}
		bk->index = cfg->n_targets++;
		memset(&cfg->targets[bk->index], 0, sizeof cfg->targets[0]);
		cfg->targets[bk->index].port = 25;
		cfg->targets[bk->index].line = st->line;
		memset(&ps->tp[bk->index], 0, sizeof ps->tp[0]);
		break;
	case K_AUTHENTITY:
		bk->ctx = CTX_AUTH;
		if (cfg->n_auths == ps->auths_cap) {
			ps->auths_cap = ps->auths_cap ? ps->auths_cap * 2 : 4;
			cfg->auths = xrealloc(cfg->auths, ps->auths_cap * sizeof *cfg->auths);
			ps->ap = xrealloc(ps->ap, ps->auths_cap * sizeof *ps->ap);
		}
		bk->index = cfg->n_auths++;
		memset(&cfg->auths[bk->index], 0, sizeof cfg->auths[0]);
		memset(&ps->ap[bk->index], 0, sizeof ps->ap[0]);
		cfg->auths[bk->index].line = st->line;
		str_copy(ps->ap[bk->index].kw, st->kwshow, sizeof ps->ap[0].kw);
		if (!value_ok)
			break;
		if (!conf_valid_word(st->vals[0].text, 64)) {
			serr(ps, st, "\"%s\" is not a name (1-64 of A-Z a-z 0-9 . _ -)",
			    conf_show(st->vals[0].text, b));
			break;
		}
		for (i = 0; i + 1 < cfg->n_auths; i++)
			if (cfg->auths[i].name != NULL &&
			    strcmp(cfg->auths[i].name, st->vals[0].text) == 0) {
				serr(ps, st, "name \"%s\" given twice (first at line %d)",
				    conf_show(st->vals[0].text, b), cfg->auths[i].line);
				break;
			}
		if (i + 1 == cfg->n_auths)
			cfg->auths[bk->index].name = xstrdup(st->vals[0].text);
		break;
	default:
		break;
	}
}

/* The block being closed has TargetIP lines and a TargetName (or TargetMx),
 * as CSSMTP allows: the host part becomes a target of its own with the same
 * port and policy, placed right after; the block keeps the addresses. */
static void
split_target(struct pstate *ps)
{
	struct config *cfg = ps->cfg;
	size_t i = ps->blk.index, j;
	struct cfg_target *t, *h;
	struct tpriv *tp, *hp;

	if (cfg->n_targets == ps->targets_cap) {
		ps->targets_cap = ps->targets_cap ? ps->targets_cap * 2 : 8;
		cfg->targets = xrealloc(cfg->targets, ps->targets_cap * sizeof *cfg->targets);
		ps->tp = xrealloc(ps->tp, ps->targets_cap * sizeof *ps->tp);
	}
	j = cfg->n_targets++;
	t = &cfg->targets[i];
	tp = &ps->tp[i];
	h = &cfg->targets[j];
	hp = &ps->tp[j];
	*h = *t;
	*hp = *tp;
	h->kind = tp->has_name ? TARGET_NAME : TARGET_MX;
	h->addrs = NULL;
	h->n_addrs = 0;
	h->tls_server_name = t->tls_server_name ? xstrdup(t->tls_server_name) : NULL;
	hp->addrs_cap = 0;
	hp->has_ip = false;
	hp->auth_name = tp->auth_name ? xstrdup(tp->auth_name) : NULL;
	t->host = NULL;             /* moved to h */
	tp->has_name = tp->has_mx = false;
}

static void
close_block(struct pstate *ps)
{
	struct block *bk = &ps->blk;
	struct config *cfg = ps->cfg;
	size_t i;

	if (bk->ctx == CTX_TARGET) {
		struct cfg_target *t = cur_target(ps);
		struct tpriv *tp = &ps->tp[bk->index];
		const char *kinds[3];
		int n = 0;

		if (tp->has_ip)
			kinds[n++] = "TargetIP";
		if (tp->has_name)
			kinds[n++] = "TargetName";
		if (tp->has_mx)
			kinds[n++] = "TargetMx";
		if (n == 0)
			err(ps, bk->line, bk->kw, "needs TargetIP, TargetName or TargetMx");
		else if (n == 2 && tp->has_ip)
			split_target(ps);   /* CSSMTP: TargetIP and TargetName in one block */
		else if (n == 2)
			err(ps, bk->line, bk->kw, "mixes %s and %s (one kind per block)",
			    kinds[0], kinds[1]);
		else if (n == 3)
			err(ps, bk->line, bk->kw,
			    "mixes TargetIP, TargetName and TargetMx (one kind per block)");
		t = cur_target(ps);          /* split_target() may have moved them */
		tp = &ps->tp[bk->index];
		t->kind = tp->has_ip ? TARGET_IP : tp->has_name ? TARGET_NAME : TARGET_MX;
		if (t->kind == TARGET_IP) {
			free(t->host);
			t->host = NULL;
		}
		for (i = 0; i < t->n_addrs; i++) {
			struct cfg_addr *a = &t->addrs[i];
			if (a->ss.ss_family == AF_INET)
				((struct sockaddr_in *)&a->ss)->sin_port = htons(t->port);
			else
				((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(t->port);
		}
	} else if (bk->ctx == CTX_AUTH) {
		if (!ps->ap[bk->index].has_user)
			err(ps, bk->line, bk->kw, "missing User");
		if (!ps->ap[bk->index].has_pwfile)
			err(ps, bk->line, bk->kw, "missing PasswordFile");
	} else if (bk->ctx == CTX_PASSIVE) {
		if (cfg->passive.n_interfaces == 0 && cfg->passive.pcap_file == NULL)
			err(ps, bk->line, bk->kw, "needs Interface or PcapFile");
		if (!ps->passive_ports_set) {
			cfg->passive.ports[0] = 25;
			cfg->passive.ports[1] = 587;
			cfg->passive.ports[2] = 465;
			cfg->passive.n_ports = 3;
		}
	}
	bk->active = false;
}

/* ------------------------------------------------------------------ */
/* the keywords' handlers and their table                              */

/* The value of a one-value statement. */
static const char *
value(const struct stmt *st)
{
	return st->nvals > 0 ? st->vals[0].text : "";
}

static void
kw_extwrtname(struct pstate *ps, const struct stmt *st)
{
	char b[CONF_SHOW_BUF], w[9];
	const char *v = value(st);

	if (!appldata_writer_norm(v, w)) {
		serr(ps, st, "\"%s\" is not 1-8 characters of A-Z 0-9 $ # @", conf_show(v, b));
		return;
	}
	memcpy(ps->cfg->writer, w, sizeof w);
}

static void
kw_helo(struct pstate *ps, const struct stmt *st)
{
	char b[CONF_SHOW_BUF];
	const char *v = value(st);

	if (strlen(v) > 255 || !(conf_valid_dns_name(v, true) || conf_valid_addr_literal(v))) {
		serr(ps, st, "\"%s\" is not a host name or [address] literal", conf_show(v, b));
		return;
	}
	ps->cfg->helo_name = xstrdup(v);
}

static void
kw_appldatalog(struct pstate *ps, const struct stmt *st)
{
	set_path(ps, st, &ps->cfg->appldata_log, 0);
}

static void
kw_statedir(struct pstate *ps, const struct stmt *st)
{
	set_path(ps, st, &ps->cfg->state_dir, 0);
}

static void
kw_controlsocket(struct pstate *ps, const struct stmt *st)
{
	set_path(ps, st, &ps->cfg->control_socket, SUN_PATH_MAX);
}

/* "off", a unix socket path or another net-snmp transport address */
static void
kw_agentx(struct pstate *ps, const struct stmt *st)
{
	char b[CONF_SHOW_BUF];
	const char *v = value(st);
	size_t n = strlen(v);

	if (strcasecmp(v, "off") == 0) {
		ps->cfg->agentx_off = true;
		return;
	}
	if (v[0] == '/' && n > SUN_PATH_MAX) {
		serr(ps, st, "\"%s\" is too long for a unix socket (%zu bytes, max %d)",
		    conf_show(v, b), n, SUN_PATH_MAX);
		return;
	}
	ps->cfg->agentx_socket = xstrdup(v);
}

static void
kw_pidfile(struct pstate *ps, const struct stmt *st)
{
	set_path(ps, st, &ps->cfg->pid_file, 0);
}

static void
kw_user(struct pstate *ps, const struct stmt *st)
{
	char b[CONF_SHOW_BUF];
	const char *v = value(st);

	if (!conf_valid_word(v, 32)) {
		serr(ps, st, "\"%s\" is not a user name", conf_show(v, b));
		return;
	}
	ps->cfg->user = xstrdup(v);
}

static void
kw_cafile(struct pstate *ps, const struct stmt *st)
{
	set_path(ps, st, &ps->cfg->ca_file, 0);
}

/* "ADDR[:PORT],...": the first element that is not an address is reported */
static void
kw_nameserver(struct pstate *ps, const struct stmt *st)
{
	char b[CONF_SHOW_BUF];
	const char *v = value(st), *e = v;

	for (;;) {
		const char *c = strchr(e, ',');
		size_t len = c ? (size_t)(c - e) : strlen(e);
		if (!conf_valid_ns_elem(e, len)) {
			char part[CONF_SHOW_MAX + 1];
			str_copy(part, e, len < sizeof part ? len + 1 : sizeof part);
			serr(ps, st, "\"%s\" is not an address (ADDR, ADDR:PORT, IPv6 or [IPv6]:PORT)",
			    conf_show(part, b));
			return;
		}
		if (c == NULL)
			break;
		e = c + 1;
	}
	ps->cfg->name_servers = xstrdup(v);
}

/* AlertCommand /path/to/program [ARG ...]: run without a shell. */
static void
kw_alertcmd(struct pstate *ps, const struct stmt *st)
{
	struct config *cfg = ps->cfg;
	char b[CONF_SHOW_BUF];
	size_t i;

	if (st->total > st->nvals) {
		serr(ps, st, "more than %d arguments", STMT_VALUES - 1);
		return;
	}
	if (st->vals[0].text[0] != '/') {
		serr(ps, st, "\"%s\" is not an absolute path (the command runs without a shell "
		    "and without a search path)", conf_show(st->vals[0].text, b));
		return;
	}
	if (cfg->alert_argv != NULL) {
		for (i = 0; cfg->alert_argv[i] != NULL; i++)
			free(cfg->alert_argv[i]);
		free(cfg->alert_argv);
	}
	cfg->alert_argv = xcalloc(st->nvals + 1, sizeof(char *));
	for (i = 0; i < st->nvals; i++)
		cfg->alert_argv[i] = xstrdup(st->vals[i].text);
	cfg->alert_line = st->line;
}

static void
kw_initialmsg(struct pstate *ps, const struct stmt *st)
{
	set_duration(ps, st, &r_initial, &ps->cfg->initial_ms);
}

static void
kw_anycmd(struct pstate *ps, const struct stmt *st)
{
	set_duration(ps, st, &r_anycmd, &ps->cfg->anycmd_ms);
}

static void
kw_connectretry(struct pstate *ps, const struct stmt *st)
{
	set_duration(ps, st, &r_retry, &ps->cfg->connect_retry_ms);
}

static void
kw_connect(struct pstate *ps, const struct stmt *st)
{
	set_duration(ps, st, &r_connect, &ps->cfg->connect_ms);
}

static void
kw_noop(struct pstate *ps, const struct stmt *st)
{
	set_duration(ps, st, &r_noop, &ps->cfg->noop_interval_ms);
}

static void
kw_reprobe(struct pstate *ps, const struct stmt *st)
{
	set_duration(ps, st, &r_reprobe, &ps->cfg->reprobe_interval_ms);
}

static void
kw_noopbudget(struct pstate *ps, const struct stmt *st)
{
	char b[CONF_SHOW_BUF];
	const char *v = value(st);
	unsigned long nb;

	if (!conf_parse_uint(v, 100000, &nb)) {
		serr(ps, st, "\"%s\" is not a NOOP count (0 = no limit, at most 100000)",
		    conf_show(v, b));
		return;
	}
	ps->cfg->noop_budget = (unsigned)nb;
}

static void
kw_targetip(struct pstate *ps, const struct stmt *st)
{
	char b[CONF_SHOW_BUF];
	const char *v = value(st);
	struct cfg_target *t = cur_target(ps);
	struct cfg_addr a;

	memset(&a, 0, sizeof a);
	if (strlen(v) < sizeof a.text) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&a.ss;
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a.ss;
		if (inet_pton(AF_INET, v, &s4->sin_addr) == 1) {
			s4->sin_family = AF_INET;
			a.len = sizeof *s4;
		} else if (inet_pton(AF_INET6, v, &s6->sin6_addr) == 1) {
			s6->sin6_family = AF_INET6;
			a.len = sizeof *s6;
		}
	}
	if (a.len == 0) {
		serr(ps, st, "\"%s\" is not an IPv4 or IPv6 address", conf_show(v, b));
		return;
	}
	str_copy(a.text, v, sizeof a.text);
	if (t->n_addrs == ps->tp[ps->blk.index].addrs_cap) {
		size_t *cap = &ps->tp[ps->blk.index].addrs_cap;
		*cap = *cap ? *cap * 2 : 2;
		t->addrs = xrealloc(t->addrs, *cap * sizeof *t->addrs);
	}
	t->addrs[t->n_addrs] = a;
	if (ps->n_ar == ps->ar_cap) {
		ps->ar_cap = ps->ar_cap ? ps->ar_cap * 2 : 16;
		ps->ar = xrealloc(ps->ar, ps->ar_cap * sizeof *ps->ar);
	}
	ps->ar[ps->n_ar].target = ps->blk.index;
	ps->ar[ps->n_ar].index = t->n_addrs;
	ps->ar[ps->n_ar].line = st->line;
	str_copy(ps->ar[ps->n_ar].kw, st->kwshow, sizeof ps->ar[ps->n_ar].kw);
	ps->n_ar++;
	t->n_addrs++;
}

/* TargetName or TargetMx */
static void
target_host(struct pstate *ps, const struct stmt *st, bool mx)
{
	char b[CONF_SHOW_BUF];
	const char *v = value(st);
	struct tpriv *tp = &ps->tp[ps->blk.index];

	if (!conf_valid_dns_name(v, true)) {
		serr(ps, st, "\"%s\" is not a %s name", conf_show(v, b), mx ? "domain" : "host");
		return;
	}
	if (cur_target(ps)->host != NULL)   /* a TargetName and a TargetMx: reported at close */
		return;
	cur_target(ps)->host = xstrdup(v);
	tp->host_line = st->line;
	str_copy(tp->host_kw, st->kwshow, sizeof tp->host_kw);
}

static void
kw_targetname(struct pstate *ps, const struct stmt *st)
{
	target_host(ps, st, false);
}

static void
kw_targetmx(struct pstate *ps, const struct stmt *st)
{
	target_host(ps, st, true);
}

static void
kw_connectport(struct pstate *ps, const struct stmt *st)
{
	char b[CONF_SHOW_BUF];
	const char *v = value(st);
	uint16_t port;

	if (!conf_parse_port(v, &port)) {
		serr(ps, st, "\"%s\" is not a port (1-65535)", conf_show(v, b));
		return;
	}
	cur_target(ps)->port = port;
}

static void
kw_secure(struct pstate *ps, const struct stmt *st)
{
	char b[CONF_SHOW_BUF];
	const char *v = value(st);

	if (strcasecmp(v, "yes") == 0)
		cur_target(ps)->secure = true;
	else if (strcasecmp(v, "no") == 0)
		cur_target(ps)->secure = false;
	else
		serr(ps, st, "\"%s\" is not Yes or No", conf_show(v, b));
}

/* AuthEntity NAME inside TargetServer: looked up at the end (resolve_auth()) */
static void
kw_authref(struct pstate *ps, const struct stmt *st)
{
	struct tpriv *tp = &ps->tp[ps->blk.index];

	tp->auth_name = xstrdup(value(st));
	tp->auth_line = st->line;
	str_copy(tp->auth_kw, st->kwshow, sizeof tp->auth_kw);
}

static void
kw_tlsname(struct pstate *ps, const struct stmt *st)
{
	char b[CONF_SHOW_BUF];
	const char *v = value(st);
	unsigned char a4[4];

	if (!conf_valid_dns_name(v, false) || inet_pton(AF_INET, v, a4) == 1) {
		serr(ps, st, "\"%s\" is not a DNS name", conf_show(v, b));
		return;
	}
	cur_target(ps)->tls_server_name = xstrdup(v);
}

static void
kw_mintls(struct pstate *ps, const struct stmt *st)
{
	char b[CONF_SHOW_BUF];
	const char *v = value(st);
	int level = tlsver_parse(v);

	if (level == 0) {
		serr(ps, st, "\"%s\" is not a TLS level (10, 11, 12, 13, T1 or TLSv1.0 .. TLSv1.3)",
		    conf_show(v, b));
		return;
	}
	cur_target(ps)->min_tls = level;
}

static void
kw_authuser(struct pstate *ps, const struct stmt *st)
{
	const char *v = value(st);
	size_t n = strlen(v);

	if (n > 255) {
		serr(ps, st, "user name too long (%zu bytes, max 255)", n);
		return;
	}
	ps->cfg->auths[ps->blk.index].user = xstrdup(v);
}

static void
kw_passwordfile(struct pstate *ps, const struct stmt *st)
{
	set_path(ps, st, &ps->cfg->auths[ps->blk.index].password_file, 0);
}

static void
kw_interface(struct pstate *ps, const struct stmt *st)
{
	struct cfg_passive *pv = &ps->cfg->passive;
	char b[CONF_SHOW_BUF];
	const char *v = value(st);
	size_t i, n = strlen(v);

	if (pv->pcap_file != NULL) {
		serr(ps, st, "cannot be combined with PcapFile (line %d)", ps->pcap_line);
		return;
	}
	if (n == 0 || n > 15 || strchr(v, '/') != NULL) {
		serr(ps, st, "\"%s\" is not an interface name (1-15 characters)", conf_show(v, b));
		return;
	}
	for (i = 0; i < pv->n_interfaces; i++)
		if (strcmp(pv->interfaces[i], v) == 0) {
			serr(ps, st, "\"%s\" given twice", conf_show(v, b));
			return;
		}
	if (pv->n_interfaces >= CONFIG_MAX_IFACES) {
		serr(ps, st, "at most %d interfaces", CONFIG_MAX_IFACES);
		return;
	}
	if (pv->n_interfaces == ps->ifaces_cap) {
		ps->ifaces_cap = ps->ifaces_cap ? ps->ifaces_cap * 2 : 4;
		pv->interfaces = xrealloc(pv->interfaces, ps->ifaces_cap * sizeof *pv->interfaces);
	}
	if (pv->n_interfaces == 0)
		ps->iface_line = st->line;
	pv->interfaces[pv->n_interfaces++] = xstrdup(v);
}

static void
kw_pcapfile(struct pstate *ps, const struct stmt *st)
{
	if (ps->cfg->passive.n_interfaces > 0) {
		serr(ps, st, "cannot be combined with Interface (line %d)", ps->iface_line);
		return;
	}
	ps->pcap_line = st->line;
	set_path(ps, st, &ps->cfg->passive.pcap_file, 0);
}

static void
kw_ports(struct pstate *ps, const struct stmt *st)
{
	struct cfg_passive *pv = &ps->cfg->passive;
	char b[CONF_SHOW_BUF];
	size_t i, j;
	uint16_t p;

	ps->passive_ports_set = true;
	if (st->total > CONFIG_MAX_PORTS) {
		serr(ps, st, "more than %d ports", CONFIG_MAX_PORTS);
		return;
	}
	pv->n_ports = 0;
	for (i = 0; i < st->nvals; i++) {
		if (!conf_parse_port(st->vals[i].text, &p)) {
			serr(ps, st, "\"%s\" is not a port (1-65535)", conf_show(st->vals[i].text, b));
			continue;
		}
		for (j = 0; j < pv->n_ports; j++)
			if (pv->ports[j] == p)
				break;
		if (j < pv->n_ports) {
			serr(ps, st, "port %u given twice", (unsigned)p);
			continue;
		}
		pv->ports[pv->n_ports++] = p;
	}
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
	{ "AppldataLog",     CTX_TOP,     K_APPLDATALOG,   0, 1, kw_appldatalog },
	{ "StateDir",        CTX_TOP,     K_STATEDIR,      0, 1, kw_statedir },
	{ "ControlSocket",   CTX_TOP,     K_CONTROLSOCKET, 0, 1, kw_controlsocket },
	{ "AgentXSocket",    CTX_TOP,     K_AGENTX,        0, 1, kw_agentx },
	{ "PidFile",         CTX_TOP,     K_PIDFILE,       0, 1, kw_pidfile },
	{ "User",            CTX_TOP,     K_USER,          0, 1, kw_user },
	{ "CAFile",          CTX_TOP,     K_CAFILE,        0, 1, kw_cafile },
	{ "NameServer",      CTX_TOP,     K_NAMESERVER,    0, 1, kw_nameserver },
	{ "AlertCommand",    CTX_TOP,     K_ALERTCMD,      0, -1, kw_alertcmd },
	{ "Passive",         CTX_TOP,     K_PASSIVE,       F_BLOCK, 0, NULL },
	{ "InitialMsg",      CTX_TIMEOUT, K_INITIALMSG,    0, 1, kw_initialmsg },
	{ "AnyCmd",          CTX_TIMEOUT, K_ANYCMD,        0, 1, kw_anycmd },
	{ "ConnectRetry",    CTX_TIMEOUT, K_CONNECTRETRY,  0, 1, kw_connectretry },
	{ "Connect",         CTX_TIMEOUT, K_CONNECT,       0, 1, kw_connect },
	{ "NoopInterval",    CTX_MONITOR, K_NOOP,          0, 1, kw_noop },
	{ "ReprobeInterval", CTX_MONITOR, K_REPROBE,       0, 1, kw_reprobe },
	{ "NoopBudget",      CTX_MONITOR, K_NOOPBUDGET,    0, 1, kw_noopbudget },
	{ "TargetIP",        CTX_TARGET,  K_TARGETIP,      F_REPEAT, 1, kw_targetip },
	{ "TargetName",      CTX_TARGET,  K_TARGETNAME,    0, 1, kw_targetname },
	{ "TargetMx",        CTX_TARGET,  K_TARGETMX,      0, 1, kw_targetmx },
	{ "ConnectPort",     CTX_TARGET,  K_CONNECTPORT,   0, 1, kw_connectport },
	{ "Secure",          CTX_TARGET,  K_SECURE,        0, 1, kw_secure },
	{ "AuthEntity",      CTX_TARGET,  K_AUTHREF,       0, 1, kw_authref },
	{ "TlsServerName",   CTX_TARGET,  K_TLSNAME,       0, 1, kw_tlsname },
	{ "MinTlsLevel",     CTX_TARGET,  K_MINTLS,        0, 1, kw_mintls },
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
static void
note_given(struct pstate *ps, const struct keyword *k)
{
	switch (k->id) {
	case K_TARGETIP:
		ps->tp[ps->blk.index].has_ip = true;
		break;
	case K_TARGETNAME:
		ps->tp[ps->blk.index].has_name = true;
		break;
	case K_TARGETMX:
		ps->tp[ps->blk.index].has_mx = true;
		break;
	case K_AUTHUSER:
		ps->ap[ps->blk.index].has_user = true;
		break;
	case K_PASSWORDFILE:
		ps->ap[ps->blk.index].has_pwfile = true;
		break;
	default:
		break;
	}
}

/* Count and form of the values; false when they cannot be applied. */
static bool
check_values(struct pstate *ps, const struct keyword *k, const struct stmt *st)
{
	size_t i;

	if (k->nargs == 0 && st->total > 0) {
		serr(ps, st, "takes no value");
		return false;
	}
	if (k->nargs != 0 && st->total == 0) {
		serr(ps, st, "missing value");
		return false;
	}
	if (k->nargs == 1 && st->total > 1) {
		serr(ps, st, "takes one value, not %zu", st->total);
		return false;
	}
	for (i = 0; i < st->nvals; i++) {
		const struct conf_token *t = &st->vals[i];
		if (t->unterminated) {
			serr(ps, st, "quoted string not terminated");
			return false;
		}
		if (t->toolong) {
			serr(ps, st, "value too long (max %d bytes)", CONF_TOKEN_MAX);
			return false;
		}
		if (t->ctrl) {
			serr(ps, st, "control character in value");
			return false;
		}
		if (t->text[0] == '\0') {
			serr(ps, st, "empty value");
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
		err(ps, ps->blk.line, ps->blk.kw, "block not closed (missing })");
		close_block(ps);
		statement(ps, st, has_block);
		return;
	}
	if (k == NULL) {
		const struct keyword *any = find_keyword(name, -1);
		int anyu = find_unused(name, -1);
		if (any == NULL && anyu < 0)
			serr(ps, st, "unknown keyword");
		else if (ctx != CTX_TOP)
			serr(ps, st, "not allowed in %s", ctx_names[ctx]);
		else
			serr(ps, st, "allowed only in %s",
			    ctx_names[any != NULL ? any->ctx : cssmtp_unused[anyu].ctx]);
		if (has_block)
			skip_stmt_block(ps, st);
		return;
	}

	first = ctx == CTX_TOP ? &ps->top_first[k->id] : &ps->blk.first[k->id];
	note_given(ps, k);
	ok = check_values(ps, k, st);
	if (!(k->flags & F_REPEAT)) {
		if (*first != 0) {
			serr(ps, st, "given twice (first at line %d)", *first);
			ok = false;
		} else
			*first = st->line;
	}
	if (k->flags & F_BLOCK) {
		if (!has_block) {
			serr(ps, st, "needs a block ({ ... })");
			return;
		}
		open_block(ps, k, st, ok);
		return;
	}
	if (ok)
		apply(ps, k, st);
	if (has_block) {
		serr(ps, st, "does not take a block");
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
/* checks at the end of the file                                       */

/* Addresses and hosts given twice (agent/confdup). */
static void
check_duplicates(struct pstate *ps)
{
	struct config *cfg = ps->cfg;
	struct confdup_ref *r;
	size_t i, n = 0;

	r = xcalloc(ps->n_ar + cfg->n_targets + 1, sizeof *r);
	for (i = 0; i < ps->n_ar; i++) {
		r[n].a = &cfg->targets[ps->ar[i].target].addrs[ps->ar[i].index];
		r[n].line = ps->ar[i].line;
		r[n].kw = ps->ar[i].kw;
		n++;
	}
	confdup_addrs(&ps->el, r, n);

	n = 0;
	for (i = 0; i < cfg->n_targets; i++) {
		if (cfg->targets[i].host == NULL || cfg->targets[i].kind == TARGET_IP)
			continue;
		r[n].host = cfg->targets[i].host;
		r[n].kind = cfg->targets[i].kind;
		r[n].port = cfg->targets[i].port;
		r[n].line = ps->tp[i].host_line;
		r[n].kw = ps->tp[i].host_kw;
		n++;
	}
	confdup_hosts(&ps->el, r, n);
	free(r);
}

static void
resolve_auth(struct pstate *ps)
{
	struct config *cfg = ps->cfg;
	size_t i, j;

	for (i = 0; i < cfg->n_targets; i++) {
		struct tpriv *tp = &ps->tp[i];
		char b[CONF_SHOW_BUF];
		if (tp->auth_name == NULL)
			continue;
		for (j = 0; j < cfg->n_auths; j++)
			if (cfg->auths[j].name != NULL && strcmp(cfg->auths[j].name, tp->auth_name) == 0)
				break;
		if (j < cfg->n_auths)
			cfg->targets[i].auth = &cfg->auths[j];
		else
			err(ps, tp->auth_line, tp->auth_kw, "no AuthEntity block named \"%s\"",
			    conf_show(tp->auth_name, b));
	}
}

/* First line of the file, without its line end; an error at the AuthEntity. */
static void
read_password(struct pstate *ps, size_t idx)
{
	struct cfg_auth *a = &ps->cfg->auths[idx];
	const char *kw = ps->ap[idx].kw;
	char buf[PASSWORD_MAX + 2], b[CONF_SHOW_BUF];
	size_t len;
	FILE *f;

	conf_show(a->password_file, b);
	f = fopen(a->password_file, "re");
	if (f == NULL) {
		err(ps, a->line, kw, "PasswordFile \"%s\": %s", b, strerror(errno));
		return;
	}
	if (fgets(buf, sizeof buf, f) == NULL) {
		if (ferror(f))
			err(ps, a->line, kw, "PasswordFile \"%s\": %s", b, strerror(errno));
		else
			err(ps, a->line, kw, "PasswordFile \"%s\" is empty", b);
		fclose(f);
		return;
	}
	fclose(f);
	len = strcspn(buf, "\n");
	if (buf[len] != '\n' && len > PASSWORD_MAX)
		err(ps, a->line, kw, "PasswordFile \"%s\": first line longer than %d bytes",
		    b, PASSWORD_MAX);
	else if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len == 0)
		err(ps, a->line, kw, "PasswordFile \"%s\" is empty", b);
	else if (len <= PASSWORD_MAX)
		a->password = xstrndup(buf, len);
	explicit_bzero(buf, sizeof buf);
}

static struct config *
parse_internal(const char *file, const char *text, size_t len,
    struct config_errors *errs, bool load_passwords)
{
	struct pstate *ps = xcalloc(1, sizeof *ps);
	struct config *cfg;
	struct conf_token t;
	size_t i;

	ps->file = file;
	ps->el.file = file;
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
				err(ps, t.line, "}", "no block to close");
			break;
		case CONF_TOK_OPEN:
			err(ps, t.line, "{", "block without a keyword");
			if (!skip_block(ps))
				err(ps, t.line, "{", "block not closed (missing })");
			break;
		case CONF_TOK_WORD:
			read_statement(ps, &t);
			break;
		case CONF_TOK_NL: case CONF_TOK_EOF:
			break;
		}
	}
	if (ps->blk.active) {
		err(ps, ps->blk.line, ps->blk.kw, "block not closed (missing })");
		close_block(ps);
	}
	resolve_auth(ps);
	check_duplicates(ps);
	if (load_passwords)
		for (i = 0; i < cfg->n_auths; i++)
			if (cfg->auths[i].password_file != NULL)
				read_password(ps, i);

	conferr_publish(&ps->el, errs);
	for (i = 0; i < cfg->n_targets; i++)
		free(ps->tp[i].auth_name);
	free(ps->tp);
	free(ps->ap);
	free(ps->ar);
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
	free(cfg->name_servers);
	if (cfg->alert_argv != NULL) {
		for (size_t k = 0; cfg->alert_argv[k] != NULL; k++)
			free(cfg->alert_argv[k]);
		free(cfg->alert_argv);
	}
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
