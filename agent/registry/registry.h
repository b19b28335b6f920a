/* agent/registry/registry.h: the one table of targets and their connections.
 *
 * One writer, many readers. The monitor thread owns a mutable draft row per
 * target (address and port) and edits it freely; registry_touch() marks it
 * changed. registry_publish() turns the drafts into a new immutable snapshot:
 * changed rows are copied once, unchanged rows are shared with the previous
 * snapshot by reference count, so publishing costs one pointer per row plus
 * one copy per changed row. Readers in any thread take the current snapshot
 * with registry_acquire() (a mutex held for a pointer copy and an increment,
 * never across I/O) and release it when done; a snapshot and its rows never
 * change while held. Rows are in index order; an index is never reused while
 * the process lives, so SNMP row indexes stay stable across reloads.
 *
 * A row's verdict is not in the row: it changes only when a connection is
 * classified, so the draft and every snapshot's copy of the row share one
 * immutable copy of it by reference count (registry_set_verdict), as they
 * share the policy view; a row holds two copies of everything else (the
 * draft and the published), and 10,000 targets hold 10,000 rows (issue 19:
 * RSS per monitor connection). The row's longer texts (name, mx_host,
 * fail_reason, last_reply) are shared likewise: each points to an immutable
 * string set by reg_row_set_text(), "" when empty, never NULL.
 */
#ifndef SMTPMON_REGISTRY_H
#define SMTPMON_REGISTRY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "downgrade.h"
#include "posture.h"
#include "pview.h"
#include "tlspolicy.h"
#include "verdict.h"

enum reg_state {
	REG_STARTING,     /* first connection under way */
	REG_UP,           /* monitor connection open and answering */
	REG_DOWN,         /* unavailable; waiting to retry */
	REG_RESOLVING,    /* name or MX lookup under way (rows of TargetName/Mx) */
};

enum reg_role { REG_ROLE_MONITOR, REG_ROLE_REPROBE };

#define REG_TEXT_MAX 256
#define REG_REPLY_MAX 512
#define REG_CLOSE_REPLY_MAX 160

struct reg_conn {                 /* one open probe connection */
	enum reg_role role;
	bool open;
	char local[64];               /* "ADDR:PORT" */
	char remote[64];
	char appldata[41];            /* the 40-byte record, NUL-terminated */
	time_t since;                 /* wall clock when it became ready */
};

struct reg_row {
	/* identity, set at creation */
	uint32_t index;               /* stable, from 1 */
	char target[64];              /* "ADDR:PORT" / "[ADDR6]:PORT" */
	struct sockaddr_storage addr;
	socklen_t addr_len;
	uint16_t port;
	/* TargetName / TargetMx domain, "" for TargetIP (reg_row_set_text, REG_TEXT_MAX) */
	const char *name;
	const char *mx_host;          /* MX exchange this address came from, "" otherwise */
	unsigned mx_pref;
	int kind;                     /* enum target_kind */
	bool secure;
	bool auth;                    /* an AuthEntity is configured */
	int min_tls;                  /* wire version; 0 none */
	const char *min_tls_name;     /* its name ("TLSv1.2"), static; NULL none */
	int config_line;

	/* live state */
	enum reg_state state;
	time_t state_since;           /* wall clock of the last state change */
	time_t last_change;           /* wall clock of the last change of any observed fact */
	bool classified;              /* v holds a classification */
	/* the last classification (registry_set_verdict), else the blank
	 * verdict (reg_blank_verdict); never NULL, shared and immutable. Its
	 * failure texts are the row's own: fail_reason, last_reply below */
	const struct verdict *v;
	time_t classified_at;
	const char *fail_reason;      /* last failure, "" none (REG_TEXT_MAX) */
	const char *last_reply;       /* whole server reply of the last failure, "" none
	                               * (REG_REPLY_MAX) */
	char fail_kind[24];           /* smtp_fail_name() of the last failure */
	int last_reply_code;          /* the reply code of last_reply; 0 none */
	enum smtp_fail fail;          /* the last failure of the monitor connection */
	enum smtp_state fail_state;
	uint64_t noop_rtt_us;         /* last NOOP round trip */
	uint64_t connects, connect_failures, noops, noop_failures, reprobes, reprobe_failures;
	struct reg_conn conns[2];     /* [REG_ROLE_MONITOR], [REG_ROLE_REPROBE] */
	/* the monitor connection against the server's limits (agent/mlimit) */
	uint64_t server_closes;       /* the server ended it (idle or command limit) */
	uint64_t recycles;            /* smtpmond ended it (QUIT) under the NOOP budget */
	uint64_t throttles;           /* NOOP replies slowed on purpose */
	struct reg_close {            /* the last server close; at == 0: none */
		char reply[REG_CLOSE_REPLY_MAX];  /* "" when it closed without a word */
		int kind;                 /* enum mlimit_end: IDLE or COMMAND */
		uint64_t idle_ms;         /* silence before it */
		unsigned noops;           /* NOOPs answered on that connection */
		time_t at;
	} last_close;
	uint32_t learned_idle_ms;     /* 0: none learned */
	unsigned learned_budget;      /* 0: none learned */
	unsigned noop_budget;         /* in force; 0 no limit */
	uint32_t noop_interval_ms;    /* in force */
	struct dg_view dg;            /* the TLS baseline and its downgrade events */
	uint64_t dg_raised[DG_N_EVENTS];  /* downgrades per enum dg_event since the row
	                               * began (alerted, not announced, or informational) */
	/* the published TLS policy (Dane, MtaSts) against the last connection,
	 * NULL when the target has none: shared, immutable (registry_set_policy) */
	const struct policy_view *pol;

	/* bookkeeping, not for readers */
	atomic_uint refs;
	bool dirty;
	struct reg_row *published;
	struct reg_polref *polref;    /* holds pol */
	struct reg_vref *vref;        /* holds v; NULL: v is not the registry's to free */
};

struct reg_prow {                 /* one server seen by the passive probe */
	struct pserver_view v;
	/* bookkeeping, not for readers */
	atomic_uint refs;
	bool dirty;
	struct reg_prow *published;
};

struct reg_passive {              /* the passive probe as a whole */
	bool enabled;
	char source[160];             /* "interface eth0,lo" / "file X" */
	uint64_t packets, bytes, sessions, sessions_tls, sessions_plain;
	uint64_t capture_drops;       /* pcap_stats ps_drop + ps_ifdrop */
	uint64_t bytes_lost;          /* declared gaps */
	uint64_t alerts, servers_dropped, tls_pool_empty;
	uint64_t sessions_dropped;    /* the monitor thread fell behind */
	char error[256];              /* a capture error, "" none */
};

struct reg_snapshot {
	atomic_uint refs;
	uint64_t generation;
	time_t published_at;
	size_t n;
	struct reg_row **rows;        /* index order */
	/* daemon-wide figures */
	time_t started;
	uint64_t probes_done, probe_failures;
	size_t targets_configured;
	/* the passive probe's servers, index order */
	size_t n_prows;
	struct reg_prow **prows;
	struct reg_passive passive;
};

struct registry;

struct registry *registry_new(void);
void registry_free(struct registry *r);

/* ---- monitor thread only ---- */
/* A new draft row with the next index (zeroed but for index); it joins the
 * next snapshot. */
struct reg_row *registry_add(struct registry *r);
/* Remove a draft row (the next snapshot no longer has it). */
void registry_remove(struct registry *r, struct reg_row *row);
/* Mark a draft row changed. */
void registry_touch(struct registry *r, struct reg_row *row);
/* row's policy view becomes a copy of v (NULL: none); touches the row. The
 * view is kept once and shared by the snapshots that show it. */
void registry_set_policy(struct registry *r, struct reg_row *row, const struct policy_view *v);
/* row's verdict becomes a copy of v; touches the row. The copy is kept once
 * and shared by the snapshots that show it. */
void registry_set_verdict(struct registry *r, struct reg_row *row, const struct verdict *v);
/* Daemon-wide figures for the next snapshot. */
void registry_set_totals(struct registry *r, time_t started, uint64_t probes_done,
    uint64_t probe_failures, size_t targets_configured);
/* Add or update the passive row v->index (indexes only grow). */
void registry_passive_put(struct registry *r, const struct pserver_view *v);
/* The passive probe's figures for the next snapshot. */
void registry_set_passive(struct registry *r, const struct reg_passive *p);
/* Publish a snapshot if anything changed since the last one. */
void registry_publish(struct registry *r);

/* ---- any thread ---- */
/* The current snapshot, held until registry_release(). Never NULL. */
struct reg_snapshot *registry_acquire(struct registry *r);
void registry_release(struct reg_snapshot *s);

/* Does sel name this row: "ADDR:PORT" (its target), "ADDR" (any port), its
 * index in decimal, or its TargetName / TargetMx domain or MX host (letter
 * case ignored)? */
bool reg_row_matches(const struct reg_row *row, const char *sel);

/* The record shown for a target: its open monitor connection's, else the
 * one of its last classification (as written then), else one that knows
 * nothing but WRITER; out holds APPLDATA_LEN + 1. */
void reg_row_record(const struct reg_row *row, const char *writer, char *out);

/* *field (one of row's shared texts: &row->name, &row->mx_host,
 * &row->fail_reason, &row->last_reply) becomes a copy of text (NULL: "") cut
 * to max - 1 bytes; the row is not touched. A row built by hand (tests) may
 * point its texts at strings of its own instead, or must at least set them
 * to "": reg_row_texts_blank(). */
void reg_row_set_text(const char **field, const char *text, size_t max);
void reg_row_texts_blank(struct reg_row *row);

/* The verdict of a row that knows nothing yet (verdict_blank() of the
 * monitor's component with no writer), shared by every such row. */
const struct verdict *reg_blank_verdict(void);

const char *reg_state_name(enum reg_state st);
const char *reg_role_name(enum reg_role role);

#endif
