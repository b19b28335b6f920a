/* agent/config.c: the smtpmon.conf parser; see config.h and smtpmon.conf(5).
 *
 * Three layers, all over one buffer and without I/O:
 *   lexer      bytes -> tokens (word, quoted word, `{`, `}`, newline), each
 *              with its line; `#` at the start of a token runs to the end of
 *              the line; a word is cut at TOKEN_MAX bytes and flagged.
 *   statements a keyword, its values up to the newline, `{` or `}`, and
 *              whether a block follows (`{` on the same or a later line).
 *   semantics  one table of smtpmon's keywords by block, one table of the
 *              CSSMTP statements that smtpmon accepts but does not use.
 * Every error is collected with its line and parsing goes on; at the end the
 * errors are sorted by line (checks made when a block closes or at the end of
 * the file, such as duplicate addresses and AuthEntity references, are found
 * late but belong to earlier lines) and published in struct config_errors.
 */
#include "buildconf.h"
#include "config.h"
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

#include "tlsver.h"
#include "util.h"

#define TOKEN_MAX     1024     /* bytes kept of one word or quoted string */
#define STMT_VALUES   64       /* values kept of one statement (more are counted) */
#define ERR_KEEP      10000    /* errors kept before sorting (more are counted) */
#define SHOW_MAX      64       /* bytes of a value quoted in a message */
#define SHOW_BUF      (SHOW_MAX * 4 + 8)
#define KW_BUF        SHOW_BUF /* any keyword as written, rendered printable */
#define KW_NAME       24       /* a keyword of the tables as written (longest: 17) */
#define PASSWORD_MAX  1024     /* first line of a PasswordFile */
#define SUN_PATH_MAX  107      /* sizeof(sun_path) - 1 */

/* ------------------------------------------------------------------ */
/* lexer                                                               */

enum tok_type { TOK_EOF, TOK_NL, TOK_OPEN, TOK_CLOSE, TOK_WORD };

struct token {
	enum tok_type type;
	int line;
	char *text;          /* TOK_WORD: owned, NUL-terminated, <= TOKEN_MAX bytes */
	bool quoted;
	bool toolong;        /* more than TOKEN_MAX bytes in the source */
	bool ctrl;           /* a control byte (NUL included) */
	bool unterminated;   /* "... without its closing quote */
};

struct lexer {
	const char *p, *end;
	int line;
	bool have_peek;
	struct token peek;
	char buf[TOKEN_MAX + 1];
};

static bool
is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static bool
is_ctrl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

static void
lex_put(struct lexer *lx, struct token *t, size_t *n, unsigned char c)
{
	if (is_ctrl(c))
		t->ctrl = true;
	if (*n < TOKEN_MAX)
		lx->buf[(*n)++] = (char)c;
	else
		t->toolong = true;
}

static void
lex_read(struct lexer *lx, struct token *t)
{
	size_t n = 0;
	unsigned char c;

	memset(t, 0, sizeof *t);
	while (lx->p < lx->end && is_blank((unsigned char)*lx->p))
		lx->p++;
	if (lx->p < lx->end && *lx->p == '#')
		while (lx->p < lx->end && *lx->p != '\n')
			lx->p++;
	t->line = lx->line;
	if (lx->p >= lx->end) {
		t->type = TOK_EOF;
		return;
	}
	c = (unsigned char)*lx->p;
	if (c == '\n' || c == '{' || c == '}') {
		lx->p++;
		if (c == '\n')
			lx->line++;
		t->type = c == '\n' ? TOK_NL : c == '{' ? TOK_OPEN : TOK_CLOSE;
		return;
	}
	t->type = TOK_WORD;
	if (c == '"') {
		t->quoted = true;
		lx->p++;
		for (;;) {
			if (lx->p >= lx->end || *lx->p == '\n') {
				t->unterminated = true;
				break;
			}
			c = (unsigned char)*lx->p++;
			if (c == '"')
				break;
			if (c == '\\' && lx->p < lx->end && (*lx->p == '"' || *lx->p == '\\'))
				c = (unsigned char)*lx->p++;
			lex_put(lx, t, &n, c);
		}
	} else {
		while (lx->p < lx->end) {
			c = (unsigned char)*lx->p;
			if (is_blank(c) || c == '\n' || c == '{' || c == '}')
				break;
			lex_put(lx, t, &n, c);
			lx->p++;
		}
	}
	t->text = xmalloc(n + 1);
	memcpy(t->text, lx->buf, n);
	t->text[n] = '\0';
}

static void
lex_next(struct lexer *lx, struct token *t)
{
	if (lx->have_peek) {
		*t = lx->peek;
		lx->have_peek = false;
	} else
		lex_read(lx, t);
}

static void
lex_unread(struct lexer *lx, const struct token *t)
{
	lx->peek = *t;
	lx->have_peek = true;
}

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

struct keyword {
	const char *name;
	enum ctx ctx;
	enum kw_id id;
	unsigned flags;
	int nargs;        /* values: 0, 1, or -1 for one or more */
};

/* smtpmon's own statements, and the CSSMTP ones it uses (ExtWrtName,
 * LocalHostName, Timeout's InitialMsg/AnyCmd/ConnectRetry, TargetServer's
 * TargetIp/TargetName/TargetMx/Secure). */
static const struct keyword keywords[] = {
	{ "ExtWrtName",      CTX_TOP,     K_EXTWRTNAME,    0, 1 },
	{ "HeloName",        CTX_TOP,     K_HELO,          0, 1 },
	{ "LocalHostName",   CTX_TOP,     K_HELO,          0, 1 },
	{ "Timeout",         CTX_TOP,     K_TIMEOUT,       F_BLOCK, 0 },
	{ "Monitor",         CTX_TOP,     K_MONITOR,       F_BLOCK, 0 },
	{ "TargetServer",    CTX_TOP,     K_TARGETSERVER,  F_BLOCK | F_REPEAT, 0 },
	{ "AuthEntity",      CTX_TOP,     K_AUTHENTITY,    F_BLOCK | F_REPEAT, 1 },
	{ "AppldataLog",     CTX_TOP,     K_APPLDATALOG,   0, 1 },
	{ "StateDir",        CTX_TOP,     K_STATEDIR,      0, 1 },
	{ "ControlSocket",   CTX_TOP,     K_CONTROLSOCKET, 0, 1 },
	{ "AgentXSocket",    CTX_TOP,     K_AGENTX,        0, 1 },
	{ "PidFile",         CTX_TOP,     K_PIDFILE,       0, 1 },
	{ "User",            CTX_TOP,     K_USER,          0, 1 },
	{ "CAFile",          CTX_TOP,     K_CAFILE,        0, 1 },
	{ "NameServer",      CTX_TOP,     K_NAMESERVER,    0, 1 },
	{ "AlertCommand",    CTX_TOP,     K_ALERTCMD,      0, -1 },
	{ "Passive",         CTX_TOP,     K_PASSIVE,       F_BLOCK, 0 },
	{ "InitialMsg",      CTX_TIMEOUT, K_INITIALMSG,    0, 1 },
	{ "AnyCmd",          CTX_TIMEOUT, K_ANYCMD,        0, 1 },
	{ "ConnectRetry",    CTX_TIMEOUT, K_CONNECTRETRY,  0, 1 },
	{ "Connect",         CTX_TIMEOUT, K_CONNECT,       0, 1 },
	{ "NoopInterval",    CTX_MONITOR, K_NOOP,          0, 1 },
	{ "ReprobeInterval", CTX_MONITOR, K_REPROBE,       0, 1 },
	{ "NoopBudget",      CTX_MONITOR, K_NOOPBUDGET,    0, 1 },
	{ "TargetIP",        CTX_TARGET,  K_TARGETIP,      F_REPEAT, 1 },
	{ "TargetName",      CTX_TARGET,  K_TARGETNAME,    0, 1 },
	{ "TargetMx",        CTX_TARGET,  K_TARGETMX,      0, 1 },
	{ "ConnectPort",     CTX_TARGET,  K_CONNECTPORT,   0, 1 },
	{ "Secure",          CTX_TARGET,  K_SECURE,        0, 1 },
	{ "AuthEntity",      CTX_TARGET,  K_AUTHREF,       0, 1 },
	{ "TlsServerName",   CTX_TARGET,  K_TLSNAME,       0, 1 },
	{ "MinTlsLevel",     CTX_TARGET,  K_MINTLS,        0, 1 },
	{ "User",            CTX_AUTH,    K_AUTHUSER,      0, 1 },
	{ "PasswordFile",    CTX_AUTH,    K_PASSWORDFILE,  0, 1 },
	{ "Interface",       CTX_PASSIVE, K_INTERFACE,     F_REPEAT, 1 },
	{ "PcapFile",        CTX_PASSIVE, K_PCAPFILE,      0, 1 },
	{ "Ports",           CTX_PASSIVE, K_PORTS,         0, -1 },
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

#define N_KEYWORDS (sizeof keywords / sizeof keywords[0])
#define N_UNUSED   (sizeof cssmtp_unused / sizeof cssmtp_unused[0])

/* ------------------------------------------------------------------ */
/* parser state                                                        */

struct perr {
	int line;
	size_t seq;
	char *msg;
};

struct stmt {
	int line;
	struct token kw;
	char kwshow[KW_BUF];       /* the keyword as written, printable */
	struct token vals[STMT_VALUES];
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
	struct lexer lx;
	struct config *cfg;
	struct perr *errs;
	size_t nerrs, errs_cap, errs_total, seq;
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

/* A printable rendering of s for a message: at most SHOW_MAX bytes of it,
 * other bytes as \xHH, '"' and '\' escaped, "..." when cut. */
static const char *
show(const char *s, char buf[SHOW_BUF])
{
	size_t n = 0, i;

	for (i = 0; s[i] != '\0' && i < SHOW_MAX; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			buf[n++] = '\\';
			buf[n++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			snprintf(buf + n, 5, "\\x%02x", c);
			n += 4;
		} else
			buf[n++] = (char)c;
	}
	if (s[i] != '\0') {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

static void
add_error(struct pstate *ps, int line, char *msg)
{
	ps->errs_total++;
	if (ps->nerrs >= ERR_KEEP) {
		free(msg);
		return;
	}
	if (ps->nerrs == ps->errs_cap) {
		ps->errs_cap = ps->errs_cap ? ps->errs_cap * 2 : 16;
		ps->errs = xrealloc(ps->errs, ps->errs_cap * sizeof *ps->errs);
	}
	ps->errs[ps->nerrs].line = line;
	ps->errs[ps->nerrs].seq = ps->seq++;
	ps->errs[ps->nerrs].msg = msg;
	ps->nerrs++;
}

static char *
vformat(const char *fmt, va_list ap)
{
	char small[256], *s;
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof small, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		n = 0;
		small[0] = '\0';
	}
	s = xmalloc((size_t)n + 1);
	if ((size_t)n < sizeof small)
		memcpy(s, small, (size_t)n + 1);
	else
		vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

static char *
format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *
format(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vformat(fmt, ap);
	va_end(ap);
	return s;
}

/* "FILE:LINE: KEYWORD: what" */
static void
err(struct pstate *ps, int line, const char *kw, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void
err(struct pstate *ps, int line, const char *kw, const char *fmt, ...)
{
	va_list ap;
	char *what;

	va_start(ap, fmt);
	what = vformat(fmt, ap);
	va_end(ap);
	add_error(ps, line, format("%s:%d: %s: %s", ps->file, line, kw, what));
	free(what);
}

static void
serr(struct pstate *ps, const struct stmt *st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
serr(struct pstate *ps, const struct stmt *st, const char *fmt, ...)
{
	va_list ap;
	char *what;

	va_start(ap, fmt);
	what = vformat(fmt, ap);
	va_end(ap);
	add_error(ps, st->line, format("%s:%d: %s: %s", ps->file, st->line, st->kwshow, what));
	free(what);
}

static int
perr_cmp(const void *a, const void *b)
{
	const struct perr *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
publish_errors(struct pstate *ps, struct config_errors *errs)
{
	size_t i;

	if (ps->nerrs > 1)
		qsort(ps->errs, ps->nerrs, sizeof *ps->errs, perr_cmp);
	for (i = 0; i < ps->nerrs; i++) {
		if (errs->n < CONFIG_MAX_ERRORS)
			errs->msg[errs->n++] = ps->errs[i].msg;
		else
			free(ps->errs[i].msg);
	}
	errs->total += ps->errs_total;
	free(ps->errs);
	ps->errs = NULL;
	ps->nerrs = ps->errs_cap = 0;
}

static void
file_error(struct config_errors *errs, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
file_error(struct config_errors *errs, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errs->total++;
	if (errs->n < CONFIG_MAX_ERRORS)
		errs->msg[errs->n++] = vformat(fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* value checks (pure)                                                 */

static char
ascii_upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static bool
is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Unsigned decimal, digits only, at most max. */
static bool
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (max - (unsigned long)(*s - '0')) / 10)
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	*out = v;
	return true;
}

static bool
parse_port(const char *s, uint16_t *port)
{
	unsigned long v;

	if (!parse_uint(s, 65535, &v) || v == 0)
		return false;
	*port = (uint16_t)v;
	return true;
}

/* N, Nms, Ns, Nm or Nh; a number too large for any range saturates. */
static bool
parse_duration(const char *s, uint64_t *ms)
{
	uint64_t v = 0, mult;
	bool big = false;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX / 3600000u - 9) / 10)
			big = true;
		else
			v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '\0' || strcasecmp(p, "s") == 0)
		mult = 1000;
	else if (strcasecmp(p, "ms") == 0)
		mult = 1;
	else if (strcasecmp(p, "m") == 0)
		mult = 60000;
	else if (strcasecmp(p, "h") == 0)
		mult = 3600000;
	else
		return false;
	*ms = big ? UINT64_MAX : v * mult;
	return true;
}

/* Letters, digits, '-' (and '_' when allowed) in dot-separated labels of
 * 1-63 bytes, not starting or ending with '-'; at most 253 bytes without a
 * final dot. */
static bool
valid_dns_name(const char *s, bool underscore)
{
	size_t len = strlen(s), label = 0, i;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return false;
	for (i = 0; i <= len; i++) {
		char c = i < len ? s[i] : '.';
		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
		} else if (is_alnum(c) || (c == '_' && underscore) || (c == '-' && label > 0)) {
			if (++label > 63)
				return false;
		} else
			return false;
	}
	return true;
}

static bool
valid_word(const char *s, size_t max)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > max || s[0] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/* "[1.2.3.4]" or "[IPv6:...]" (RFC 5321 address literal) */
static bool
valid_addr_literal(const char *s)
{
	size_t n = strlen(s);
	char in[64];
	unsigned char b[16];

	if (n < 3 || s[0] != '[' || s[n - 1] != ']' || n - 2 >= sizeof in)
		return false;
	memcpy(in, s + 1, n - 2);
	in[n - 2] = '\0';
	if (strncasecmp(in, "IPv6:", 5) == 0)
		return inet_pton(AF_INET6, in + 5, b) == 1;
	return inet_pton(AF_INET, in, b) == 1;
}

/* ADDR, ADDR:PORT, IPv6 or [IPv6]:PORT */
static bool
valid_ns_elem(const char *e, size_t n)
{
	char a[64];
	unsigned char b[16];
	const char *colon, *port = NULL;
	size_t alen;
	uint16_t p;

	if (n == 0 || n >= sizeof a)
		return false;
	if (e[0] == '[') {
		const char *rb = memchr(e, ']', n);
		if (rb == NULL)
			return false;
		alen = (size_t)(rb - e - 1);
		memcpy(a, e + 1, alen);
		a[alen] = '\0';
		if (inet_pton(AF_INET6, a, b) != 1)
			return false;
		if ((size_t)(rb - e) + 1 == n)
			return true;
		if (rb[1] != ':')
			return false;
		port = rb + 2;
	} else {
		memcpy(a, e, n);
		a[n] = '\0';
		colon = strchr(a, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			return inet_pton(AF_INET6, a, b) == 1;
		if (colon != NULL) {
			a[colon - a] = '\0';
			port = e + (colon - a) + 1;
		}
		if (inet_pton(AF_INET, a, b) != 1)
			return false;
		if (port == NULL)
			return true;
	}
	alen = n - (size_t)(port - e);
	if (alen == 0 || alen > 5)
		return false;
	memcpy(a, port, alen);
	a[alen] = '\0';
	return parse_port(a, &p);
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
	cfg->unused[cfg->n_unused++] = format("%s:%d: %s", ps->file, st->line, st->kwshow);
}

/* Consume the tokens of a block whose `{` was just read, through its `}`.
 * False at the end of the input (the block is not closed). */
static bool
skip_block(struct pstate *ps)
{
	size_t depth = 1;
	struct token t;

	for (;;) {
		lex_next(&ps->lx, &t);
		switch (t.type) {
		case TOK_EOF:
			return false;
		case TOK_OPEN:
			depth++;
			break;
		case TOK_CLOSE:
			if (--depth == 0)
				return true;
			break;
		case TOK_WORD:
			free(t.text);
			break;
		case TOK_NL:
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
	char b[SHOW_BUF];
	const char *v = st->vals[0].text;
	uint64_t ms;

	if (!parse_duration(v, &ms)) {
		serr(ps, st, "\"%s\" is not a duration (N, Nms, Ns, Nm or Nh)", show(v, b));
		return false;
	}
	if ((ms == 0 && r->zero_ok) || (ms >= r->min && ms <= r->max)) {
		*field = (uint32_t)ms;
		return true;
	}
	serr(ps, st, "\"%s\" out of range (%s)", show(v, b), r->text);
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
	char b[SHOW_BUF];
	const char *v = st->vals[0].text;
	size_t n = strlen(v);

	if (v[0] != '/') {
		serr(ps, st, "\"%s\" is not an absolute path", show(v, b));
		return;
	}
	if (max > 0 && n > max) {
		serr(ps, st, "\"%s\" is too long for a unix socket (%zu bytes, max %zu)",
		    show(v, b), n, max);
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
target_ip(struct pstate *ps, const struct stmt *st)
{
	char b[SHOW_BUF];
	const char *v = st->vals[0].text;
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
		serr(ps, st, "\"%s\" is not an IPv4 or IPv6 address", show(v, b));
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

static void
target_host(struct pstate *ps, const struct stmt *st, bool mx)
{
	char b[SHOW_BUF];
	const char *v = st->vals[0].text;
	struct tpriv *tp = &ps->tp[ps->blk.index];

	if (!valid_dns_name(v, true)) {
		serr(ps, st, "\"%s\" is not a %s name", show(v, b), mx ? "domain" : "host");
		return;
	}
	if (cur_target(ps)->host != NULL)   /* a TargetName and a TargetMx: reported at close */
		return;
	cur_target(ps)->host = xstrdup(v);
	tp->host_line = st->line;
	str_copy(tp->host_kw, st->kwshow, sizeof tp->host_kw);
}

static void
open_block(struct pstate *ps, const struct keyword *k, const struct stmt *st, bool value_ok)
{
	struct config *cfg = ps->cfg;
	struct block *bk = &ps->blk;
	char b[SHOW_BUF];
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
		if (!valid_word(st->vals[0].text, 64)) {
			serr(ps, st, "\"%s\" is not a name (1-64 of A-Z a-z 0-9 . _ -)",
			    show(st->vals[0].text, b));
			break;
		}
		for (i = 0; i + 1 < cfg->n_auths; i++)
			if (cfg->auths[i].name != NULL &&
			    strcmp(cfg->auths[i].name, st->vals[0].text) == 0) {
				serr(ps, st, "name \"%s\" given twice (first at line %d)",
				    show(st->vals[0].text, b), cfg->auths[i].line);
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

static void
passive_ports(struct pstate *ps, const struct stmt *st)
{
	struct cfg_passive *pv = &ps->cfg->passive;
	char b[SHOW_BUF];
	size_t i, j;
	uint16_t p;

	ps->passive_ports_set = true;
	if (st->total > CONFIG_MAX_PORTS) {
		serr(ps, st, "more than %d ports", CONFIG_MAX_PORTS);
		return;
	}
	pv->n_ports = 0;
	for (i = 0; i < st->nvals; i++) {
		if (!parse_port(st->vals[i].text, &p)) {
			serr(ps, st, "\"%s\" is not a port (1-65535)", show(st->vals[i].text, b));
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

/* AlertCommand /path/to/program [ARG ...]: run without a shell. */
static void
alert_command(struct pstate *ps, const struct stmt *st)
{
	struct config *cfg = ps->cfg;
	char b[SHOW_BUF];
	size_t i;

	if (st->total > st->nvals) {
		serr(ps, st, "more than %d arguments", STMT_VALUES - 1);
		return;
	}
	if (st->vals[0].text[0] != '/') {
		serr(ps, st, "\"%s\" is not an absolute path (the command runs without a shell "
		    "and without a search path)", show(st->vals[0].text, b));
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
passive_interface(struct pstate *ps, const struct stmt *st)
{
	struct cfg_passive *pv = &ps->cfg->passive;
	char b[SHOW_BUF];
	const char *v = st->vals[0].text;
	size_t i, n = strlen(v);

	if (pv->pcap_file != NULL) {
		serr(ps, st, "cannot be combined with PcapFile (line %d)", ps->pcap_line);
		return;
	}
	if (n == 0 || n > 15 || strchr(v, '/') != NULL) {
		serr(ps, st, "\"%s\" is not an interface name (1-15 characters)", show(v, b));
		return;
	}
	for (i = 0; i < pv->n_interfaces; i++)
		if (strcmp(pv->interfaces[i], v) == 0) {
			serr(ps, st, "\"%s\" given twice", show(v, b));
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

/* Apply one statement of smtpmon's own; the values have been checked for
 * count and form. */
static void
apply(struct pstate *ps, const struct keyword *k, const struct stmt *st)
{
	struct config *cfg = ps->cfg;
	char b[SHOW_BUF];
	const char *v = st->nvals > 0 ? st->vals[0].text : "";
	size_t i, n = strlen(v);
	uint16_t port;
	int level;

	switch (k->id) {
	case K_EXTWRTNAME: {
		char w[9];
		for (i = 0; i < n && i < 8; i++) {
			w[i] = ascii_upper(v[i]);
			if (!is_alnum(w[i]) && w[i] != '$' && w[i] != '#' && w[i] != '@')
				break;
		}
		if (n == 0 || n > 8 || i < n) {
			serr(ps, st, "\"%s\" is not 1-8 characters of A-Z 0-9 $ # @", show(v, b));
			return;
		}
		w[n] = '\0';
		memcpy(cfg->writer, w, n + 1);
		return;
	}
	case K_HELO:
		if (n > 255 || !(valid_dns_name(v, true) || valid_addr_literal(v))) {
			serr(ps, st, "\"%s\" is not a host name or [address] literal", show(v, b));
			return;
		}
		cfg->helo_name = xstrdup(v);
		return;
	case K_APPLDATALOG:
		set_path(ps, st, &cfg->appldata_log, 0);
		return;
	case K_STATEDIR:
		set_path(ps, st, &cfg->state_dir, 0);
		return;
	case K_CONTROLSOCKET:
		set_path(ps, st, &cfg->control_socket, SUN_PATH_MAX);
		return;
	case K_PIDFILE:
		set_path(ps, st, &cfg->pid_file, 0);
		return;
	case K_CAFILE:
		set_path(ps, st, &cfg->ca_file, 0);
		return;
	case K_AGENTX:
		if (strcasecmp(v, "off") == 0) {
			cfg->agentx_off = true;
			return;
		}
		if (v[0] == '/' && n > SUN_PATH_MAX) {
			serr(ps, st, "\"%s\" is too long for a unix socket (%zu bytes, max %d)",
			    show(v, b), n, SUN_PATH_MAX);
			return;
		}
		cfg->agentx_socket = xstrdup(v);
		return;
	case K_USER:
		if (!valid_word(v, 32)) {
			serr(ps, st, "\"%s\" is not a user name", show(v, b));
			return;
		}
		cfg->user = xstrdup(v);
		return;
	case K_NAMESERVER: {
		const char *e = v;
		for (;;) {
			const char *c = strchr(e, ',');
			size_t len = c ? (size_t)(c - e) : strlen(e);
			if (!valid_ns_elem(e, len)) {
				char part[SHOW_MAX + 1];
				str_copy(part, e, len < sizeof part ? len + 1 : sizeof part);
				serr(ps, st, "\"%s\" is not an address (ADDR, ADDR:PORT, IPv6 or [IPv6]:PORT)",
				    show(part, b));
				return;
			}
			if (c == NULL)
				break;
			e = c + 1;
		}
		cfg->name_servers = xstrdup(v);
		return;
	}
	case K_INITIALMSG:
		set_duration(ps, st, &r_initial, &cfg->initial_ms);
		return;
	case K_ANYCMD:
		set_duration(ps, st, &r_anycmd, &cfg->anycmd_ms);
		return;
	case K_CONNECTRETRY:
		set_duration(ps, st, &r_retry, &cfg->connect_retry_ms);
		return;
	case K_CONNECT:
		set_duration(ps, st, &r_connect, &cfg->connect_ms);
		return;
	case K_NOOP:
		set_duration(ps, st, &r_noop, &cfg->noop_interval_ms);
		return;
	case K_REPROBE:
		set_duration(ps, st, &r_reprobe, &cfg->reprobe_interval_ms);
		return;
	case K_NOOPBUDGET: {
		unsigned long nb;

		if (!parse_uint(v, 100000, &nb)) {
			serr(ps, st, "\"%s\" is not a NOOP count (0 = no limit, at most 100000)",
			    show(v, b));
			return;
		}
		cfg->noop_budget = (unsigned)nb;
		return;
	}
	case K_TARGETIP:
		target_ip(ps, st);
		return;
	case K_TARGETNAME:
		target_host(ps, st, false);
		return;
	case K_TARGETMX:
		target_host(ps, st, true);
		return;
	case K_CONNECTPORT:
		if (!parse_port(v, &port)) {
			serr(ps, st, "\"%s\" is not a port (1-65535)", show(v, b));
			return;
		}
		cur_target(ps)->port = port;
		return;
	case K_SECURE:
		if (strcasecmp(v, "yes") == 0)
			cur_target(ps)->secure = true;
		else if (strcasecmp(v, "no") == 0)
			cur_target(ps)->secure = false;
		else
			serr(ps, st, "\"%s\" is not Yes or No", show(v, b));
		return;
	case K_AUTHREF: {
		struct tpriv *tp = &ps->tp[ps->blk.index];
		tp->auth_name = xstrdup(v);
		tp->auth_line = st->line;
		str_copy(tp->auth_kw, st->kwshow, sizeof tp->auth_kw);
		return;
	}
	case K_TLSNAME: {
		unsigned char a4[4];
		if (!valid_dns_name(v, false) || inet_pton(AF_INET, v, a4) == 1) {
			serr(ps, st, "\"%s\" is not a DNS name", show(v, b));
			return;
		}
		cur_target(ps)->tls_server_name = xstrdup(v);
		return;
	}
	case K_MINTLS:
		level = tlsver_parse(v);
		if (level == 0) {
			serr(ps, st, "\"%s\" is not a TLS level (10, 11, 12, 13, T1 or TLSv1.0 .. TLSv1.3)",
			    show(v, b));
			return;
		}
		cur_target(ps)->min_tls = level;
		return;
	case K_AUTHUSER:
		if (n > 255) {
			serr(ps, st, "user name too long (%zu bytes, max 255)", n);
			return;
		}
		cfg->auths[ps->blk.index].user = xstrdup(v);
		return;
	case K_PASSWORDFILE:
		set_path(ps, st, &cfg->auths[ps->blk.index].password_file, 0);
		return;
	case K_INTERFACE:
		passive_interface(ps, st);
		return;
	case K_PCAPFILE:
		if (ps->cfg->passive.n_interfaces > 0) {
			serr(ps, st, "cannot be combined with Interface (line %d)", ps->iface_line);
			return;
		}
		ps->pcap_line = st->line;
		set_path(ps, st, &cfg->passive.pcap_file, 0);
		return;
	case K_PORTS:
		passive_ports(ps, st);
		return;
	case K_ALERTCMD:
		alert_command(ps, st);
		return;
	case K_NONE: case K_TIMEOUT: case K_MONITOR: case K_TARGETSERVER:
	case K_AUTHENTITY: case K_PASSIVE: case K_COUNT:
		return;
	}
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
		const struct token *t = &st->vals[i];
		if (t->unterminated) {
			serr(ps, st, "quoted string not terminated");
			return false;
		}
		if (t->toolong) {
			serr(ps, st, "value too long (max %d bytes)", TOKEN_MAX);
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
read_statement(struct pstate *ps, struct token *kw)
{
	struct stmt *st = xcalloc(1, sizeof *st);
	struct token t;
	bool has_block = false, split = false;
	int ctx = ps->blk.active ? (int)ps->blk.ctx : (int)CTX_TOP;
	const struct keyword *k = ctx != CTX_TOP ? find_keyword(kw->text, ctx) : NULL;

	st->line = kw->line;
	st->kw = *kw;
	show(kw->text, st->kwshow);
	for (;;) {
		lex_next(&ps->lx, &t);
		if (t.type != TOK_WORD)
			break;
		/* a block on one line, "Timeout { InitialMsg 30 AnyCmd 30 }": once
		 * a one-value statement has its value, an unquoted keyword of the
		 * block starts the next statement */
		if (k != NULL && k->nargs == 1 && st->total >= 1 && !t.quoted &&
		    find_keyword(t.text, ctx) != NULL) {
			lex_unread(&ps->lx, &t);
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
	else if (t.type == TOK_OPEN)
		has_block = true;
	else if (t.type == TOK_NL) {
		/* the `{` may open on a later line */
		do
			lex_next(&ps->lx, &t);
		while (t.type == TOK_NL);
		if (t.type == TOK_OPEN)
			has_block = true;
		else
			lex_unread(&ps->lx, &t);
	} else
		lex_unread(&ps->lx, &t);
	statement(ps, st, has_block);
	stmt_free(st);
	free(st);
}

/* ------------------------------------------------------------------ */
/* checks at the end of the file                                       */

struct dup_ref {
	const struct cfg_addr *a;
	const char *host;
	enum target_kind kind;
	uint16_t port;
	int line;
	const char *kw;
	size_t seq;
};

static int
addr_key_cmp(const struct dup_ref *x, const struct dup_ref *y)
{
	int fx = x->a->ss.ss_family, fy = y->a->ss.ss_family, c;
	uint16_t px, py;

	if (fx != fy)
		return fx < fy ? -1 : 1;
	if (fx == AF_INET) {
		const struct sockaddr_in *a = (const void *)&x->a->ss, *b = (const void *)&y->a->ss;
		c = memcmp(&a->sin_addr, &b->sin_addr, sizeof a->sin_addr);
		px = ntohs(a->sin_port);
		py = ntohs(b->sin_port);
	} else {
		const struct sockaddr_in6 *a = (const void *)&x->a->ss, *b = (const void *)&y->a->ss;
		c = memcmp(&a->sin6_addr, &b->sin6_addr, sizeof a->sin6_addr);
		px = ntohs(a->sin6_port);
		py = ntohs(b->sin6_port);
	}
	if (c != 0)
		return c;
	return px < py ? -1 : px > py;
}

static int
addr_ref_cmp(const void *a, const void *b)
{
	const struct dup_ref *x = a, *y = b;
	int c = addr_key_cmp(x, y);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Host names compare without case and without a final dot. */
static int
host_key_cmp(const struct dup_ref *x, const struct dup_ref *y)
{
	size_t lx = strlen(x->host), ly = strlen(y->host), n;
	int c;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (lx > 0 && x->host[lx - 1] == '.')
		lx--;
	if (ly > 0 && y->host[ly - 1] == '.')
		ly--;
	n = lx < ly ? lx : ly;
	c = strncasecmp(x->host, y->host, n);
	if (c != 0)
		return c;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return x->port < y->port ? -1 : x->port > y->port;
}

static int
host_ref_cmp(const void *a, const void *b)
{
	const struct dup_ref *x = a, *y = b;
	int c = host_key_cmp(x, y);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
check_duplicates(struct pstate *ps)
{
	struct config *cfg = ps->cfg;
	struct dup_ref *r;
	size_t i, n = 0, head;

	r = xcalloc(ps->n_ar + cfg->n_targets + 1, sizeof *r);
	for (i = 0; i < ps->n_ar; i++) {
		r[n].a = &cfg->targets[ps->ar[i].target].addrs[ps->ar[i].index];
		r[n].line = ps->ar[i].line;
		r[n].kw = ps->ar[i].kw;
		r[n].seq = i;
		n++;
	}
	qsort(r, n, sizeof *r, addr_ref_cmp);
	for (head = 0, i = 1; i < n; i++) {
		char b[SHOW_BUF];
		if (addr_key_cmp(&r[head], &r[i]) != 0) {
			head = i;
			continue;
		}
		show(r[i].a->text, b);
		if (r[i].a->ss.ss_family == AF_INET6)
			err(ps, r[i].line, r[i].kw, "[%s]:%u given twice (first at line %d)", b,
			    (unsigned)ntohs(((const struct sockaddr_in6 *)&r[i].a->ss)->sin6_port),
			    r[head].line);
		else
			err(ps, r[i].line, r[i].kw, "%s:%u given twice (first at line %d)", b,
			    (unsigned)ntohs(((const struct sockaddr_in *)&r[i].a->ss)->sin_port),
			    r[head].line);
	}

	n = 0;
	for (i = 0; i < cfg->n_targets; i++) {
		if (cfg->targets[i].host == NULL || cfg->targets[i].kind == TARGET_IP)
			continue;
		r[n].host = cfg->targets[i].host;
		r[n].kind = cfg->targets[i].kind;
		r[n].port = cfg->targets[i].port;
		r[n].line = ps->tp[i].host_line;
		r[n].kw = ps->tp[i].host_kw;
		r[n].seq = i;
		n++;
	}
	qsort(r, n, sizeof *r, host_ref_cmp);
	for (head = 0, i = 1; i < n; i++) {
		char b[SHOW_BUF];
		if (host_key_cmp(&r[head], &r[i]) != 0) {
			head = i;
			continue;
		}
		err(ps, r[i].line, r[i].kw, "%s:%u given twice (first at line %d)",
		    show(r[i].host, b), (unsigned)r[i].port, r[head].line);
	}
	free(r);
}

static void
resolve_auth(struct pstate *ps)
{
	struct config *cfg = ps->cfg;
	size_t i, j;

	for (i = 0; i < cfg->n_targets; i++) {
		struct tpriv *tp = &ps->tp[i];
		char b[SHOW_BUF];
		if (tp->auth_name == NULL)
			continue;
		for (j = 0; j < cfg->n_auths; j++)
			if (cfg->auths[j].name != NULL && strcmp(cfg->auths[j].name, tp->auth_name) == 0)
				break;
		if (j < cfg->n_auths)
			cfg->targets[i].auth = &cfg->auths[j];
		else
			err(ps, tp->auth_line, tp->auth_kw, "no AuthEntity block named \"%s\"",
			    show(tp->auth_name, b));
	}
}

/* First line of the file, without its line end; an error at the AuthEntity. */
static void
read_password(struct pstate *ps, size_t idx)
{
	struct cfg_auth *a = &ps->cfg->auths[idx];
	const char *kw = ps->ap[idx].kw;
	char buf[PASSWORD_MAX + 2], b[SHOW_BUF];
	size_t len;
	FILE *f;

	show(a->password_file, b);
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
	struct token t;
	size_t i;

	ps->file = file;
	ps->lx.p = text;
	ps->lx.end = text + len;
	ps->lx.line = 1;
	ps->cfg = cfg = config_new(file);

	for (;;) {
		lex_next(&ps->lx, &t);
		if (t.type == TOK_EOF)
			break;
		switch (t.type) {
		case TOK_CLOSE:
			if (ps->blk.active)
				close_block(ps);
			else
				err(ps, t.line, "}", "no block to close");
			break;
		case TOK_OPEN:
			err(ps, t.line, "{", "block without a keyword");
			if (!skip_block(ps))
				err(ps, t.line, "{", "block not closed (missing })");
			break;
		case TOK_WORD:
			read_statement(ps, &t);
			break;
		case TOK_NL: case TOK_EOF:
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

	publish_errors(ps, errs);
	for (i = 0; i < cfg->n_targets; i++)
		free(ps->tp[i].auth_name);
	free(ps->tp);
	free(ps->ap);
	free(ps->ar);
	if (ps->lx.have_peek)
		free(ps->lx.peek.text);
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
		file_error(errs, "%s: %s", path, strerror(errno));
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
			file_error(errs, "%s: %s", path, strerror(errno));
			close(fd);
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > CONFIG_MAX_BYTES) {
			file_error(errs, "%s: larger than %u bytes", path, CONFIG_MAX_BYTES);
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
