/* agent/config/confstate.h: the parse state of smtpmon.conf, internal to the config
 * parser (agent/config/config.c, conftarget.c and confpassive.c); no other module
 * includes it.
 *
 * config.c reads the statements and owns the keyword table; a block's
 * module applies the statements of that block through its handlers (kw_*,
 * of type kw_apply) and checks the block when it closes. A handler is given
 * one statement whose values have been checked for count and form (no value
 * is empty, too long or holds a control byte); it reports what is wrong with
 * their content as "FILE:LINE: KEYWORD: what" through ps_serr() and otherwise
 * sets the configuration. The block being read is ps->blk; its index names
 * the target or AuthEntity in ps->cfg.
 */
#ifndef SMTPMON_CONFSTATE_H
#define SMTPMON_CONFSTATE_H

#include <stdbool.h>
#include <stddef.h>

#include "conferr.h"
#include "config.h"
#include "confparse.h"

#define STMT_VALUES   64       /* values kept of one statement (more are counted) */
#define KW_BUF        CONF_SHOW_BUF /* any keyword as written, rendered printable */
#define KW_NAME       24       /* a keyword of the tables as written (longest: 17) */

enum ctx { CTX_TOP, CTX_TIMEOUT, CTX_MONITOR, CTX_TARGET, CTX_AUTH, CTX_PASSIVE };

enum kw_id {
	K_NONE,
	K_EXTWRTNAME, K_HELO, K_TIMEOUT, K_MONITOR, K_TARGETSERVER, K_AUTHENTITY,
	K_APPLDATALOG, K_STATEDIR, K_CONTROLSOCKET, K_AGENTX, K_PIDFILE, K_USER,
	K_CAFILE, K_NAMESERVER, K_PASSIVE, K_ALERTCMD, K_METRICSLISTEN,
	K_INITIALMSG, K_ANYCMD, K_CONNECTRETRY, K_CONNECT,
	K_NOOP, K_REPROBE, K_NOOPBUDGET,
	K_TARGETIP, K_TARGETNAME, K_TARGETMX, K_CONNECTPORT, K_SECURE, K_AUTHREF,
	K_TLSNAME, K_MINTLS, K_DANE, K_MTASTS, K_TRUSTANCHOR,
	K_AUTHUSER, K_PASSWORDFILE,
	K_INTERFACE, K_PCAPFILE, K_PORTS,
	K_COUNT
};

struct stmt {
	int line;
	struct conf_token kw;
	char kwshow[KW_BUF];       /* the keyword as written, printable */
	struct conf_token vals[STMT_VALUES];
	size_t nvals;              /* kept */
	size_t total;              /* given */
};

struct block {
	bool active;
	enum ctx ctx;
	int line;
	char kw[KW_NAME];
	size_t index;              /* target or auth */
	int first[K_COUNT];        /* line of each keyword's first use in the block */
};

struct tpriv;                      /* conftarget.c's: per target */
struct apriv;                      /* conftarget.c's: per AuthEntity */
struct addr_ref;                   /* conftarget.c's: per TargetIP */

struct pstate {
	const char *file;
	struct config *cfg;
	struct conferr_list el;
	struct block blk;
	/* config.c's */
	struct conf_lexer lx;
	int top_first[K_COUNT];
	bool *unused_seen;         /* one per CSSMTP statement accepted, not used */
	size_t unused_cap;
	/* conftarget.c's */
	struct tpriv *tp;
	struct apriv *ap;
	struct addr_ref *ar;
	size_t n_ar, ar_cap;
	size_t targets_cap, auths_cap;
	/* confpassive.c's */
	size_t ifaces_cap;
	int iface_line, pcap_line;
	bool passive_ports_set;
};

/* A handler applies one statement whose values have been checked for count
 * and form (check_values()); it reports what is wrong with their content. */
typedef void kw_apply(struct pstate *ps, const struct stmt *st);

/* Report "FILE:LINE: KEYWORD: what". */
void ps_err(struct pstate *ps, int line, const char *kw, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same at the statement's line and keyword. */
void ps_serr(struct pstate *ps, const struct stmt *st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The value of a one-value statement. */
const char *stmt_value(const struct stmt *st);
/* An absolute path (at most max bytes when max > 0: a unix socket) into
 * *field, replacing what it held; otherwise an error and *field unchanged. */
void ps_set_path(struct pstate *ps, const struct stmt *st, char **field, size_t max);
/* The value into *field, replacing what it held, when ok; otherwise the
 * error "\"VALUE\" is not WHAT" and *field unchanged. */
void ps_set_string(struct pstate *ps, const struct stmt *st, char **field, bool ok,
    const char *what);

#endif
