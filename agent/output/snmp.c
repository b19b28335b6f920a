/* agent/output/snmp.c: see snmp.h.
 *
 * Threads: snmp_agent_post(), snmp_agent_set_writer() and snmp_agent_stop()
 * run on other threads and touch only the mailbox (lock, queue, writer,
 * stop flag) and the eventfd. Everything else, every net-snmp call
 * included, runs on the SNMP thread.
 *
 * The tables: a trow per registry row, a crow per open connection and an
 * hrow per passive server row, each starting with its netsnmp_index so the
 * table_container helper's binary array can sort and find them. They point
 * into the snapshot that a->snap holds; a refresh takes the new snapshot,
 * merges it with the rows held for each table (all in index order: one
 * merge, told by a struct table_desc what differs between the tables) and
 * only then lets the old snapshot go. What a column says of its row is
 * agent/snmpcol's; here its value becomes the varbind.
 */
#include "buildconf.h"

/* ours, before snmp_inc.h takes PACKAGE_* away for net-snmp's */
static const char agent_version[] = PACKAGE_VERSION;

#include "snmp_inc.h"
#include <net-snmp/library/large_fd_set.h>

#include "snmp.h"
#include "log.h"
#include "mevent.h"
#include "registry.h"
#include "snmp_mib.h"
#include "snmpcol.h"
#include "snmptrap.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define AGENT_NAME        "smtpmond"
#define REFRESH_S         1       /* generation check without a wake-up */
#define REBUILD_AFTER     16      /* removals in one refresh: rebuild the container instead */
#define LOG_LINE_MAX      1024
#define DRAIN_BATCH       32      /* notifications sent between two reads of the socket */

/* TruthValue: TV_TRUE (1) and TV_FALSE (2) come with net-snmp */

struct crow;
struct snmp_agent;

/* net-snmp's log text up to its newline. Handed to net-snmp with the log
 * callback, which makes it net-snmp's: snmp_shutdown() frees the client
 * argument of every callback still registered. */
struct logline {
	char buf[LOG_LINE_MAX];
	size_t len;
	int pri;                      /* most severe priority of the pieces */
};

/* A row of a table fed from the snapshots, or the head of one: a row of
 * smtpmonPassiveServerTable is a bare hrow (row: a struct reg_prow). */
struct hrow {
	netsnmp_index idx;            /* first: the container's key */
	oid sub[1];                   /* the registry's index of the row */
	const void *row;              /* in a->snap; NULL until the row is filled */
};

struct trow {                     /* a row of smtpmonTargetTable */
	struct hrow h;                /* first; h.row: a struct reg_row */
	struct crow *conn[2];         /* [REG_ROLE_MONITOR], [REG_ROLE_REPROBE] */
};

struct crow {                     /* a row of smtpmonConnectionTable */
	netsnmp_index idx;
	oid sub[2];                   /* smtpmonTargetIndex, smtpmonConnectionRole */
	struct snmpcol_conn c;
};

/* What the merge of snapshot rows into a table's rows needs to know of the
 * table (the hooks may be NULL). */
struct table_desc {
	size_t row_size;              /* of a held row, which starts with a struct hrow */
	size_t (*count)(const struct reg_snapshot *s);
	const void *(*at)(const struct reg_snapshot *s, size_t i);   /* index order */
	uint32_t (*index_of)(const void *row);   /* the key of a snapshot row */
	/* after the first pass, before anything changes: the rows going
	 * away, and whether the table's container is filled again */
	void (*begin)(struct snmp_agent *a, struct hrow *const *gone, size_t n_gone,
	    bool rebuild);
	void (*drop)(struct snmp_agent *a, struct hrow *h);   /* h goes, freed after */
	/* h shows row from now on (h->row: what it showed, NULL for a new row) */
	void (*update)(struct snmp_agent *a, struct hrow *h, const void *row);
	void (*end)(struct snmp_agent *a);    /* after the merge */
};

struct table {                    /* the rows held for a table, index order */
	const struct table_desc *d;
	netsnmp_container *cont;      /* the same rows */
	struct hrow **rows;
	size_t n;
};

struct snmp_agent {
	struct registry *reg;
	char *agentx_socket;          /* NULL: net-snmp's default */
	pthread_t thread;
	int wake_fd;                  /* eventfd: other threads write, the SNMP thread reads */

	/* the mailbox, shared: guarded by lock */
	pthread_mutex_t lock;
	pthread_cond_t started_cv;
	int started;                  /* 0 initialising, 1 running, -1 failed */
	char start_err[256];
	bool stop;
	struct monitor_event *queue;  /* ring of SNMP_EVENT_QUEUE */
	size_t q_head, q_len;
	uint64_t dropped;
	char writer_shared[9];

	/* the SNMP thread's own */
	struct monitor_event batch[DRAIN_BATCH];
	char writer[9];
	uint64_t dropped_seen;
	struct reg_snapshot *snap;
	struct table targets;         /* smtpmonTargetTable: struct trow */
	struct table pservers;        /* smtpmonPassiveServerTable: struct hrow */
	netsnmp_container *ccont;     /* smtpmonConnectionTable: struct crow */
	size_t targets_up;
	bool conns_rebuild;           /* during a merge of the targets: ccont is filled again */
	netsnmp_handler_registration *sreg, *treg, *creg, *psreg, *preg;
	netsnmp_table_registration_info *tinfo, *cinfo, *pinfo;   /* ours to free */
	unsigned refresh_alarm;
	uint64_t refreshes, rows_changed, notifications;
};

/* ---- net-snmp's log, into ours ---- */

static void
log_flush_line(struct logline *l)
{
	while (l->len > 0 && (l->buf[l->len - 1] == '\r' || l->buf[l->len - 1] == ' '))
		l->len--;
	l->buf[l->len] = '\0';
	if (l->len > 0) {
		if (l->pri <= LOG_ERR)
			log_errx("SMD1842E snmp: %s", l->buf);
		else if (l->pri == LOG_WARNING)
			log_warnx("SMD1842W snmp: %s", l->buf);
		else if (l->pri <= LOG_INFO)
			log_info("SMD1842I snmp: %s", l->buf);
		else
			log_debug("snmp: %s", l->buf);
	}
	l->len = 0;
	l->pri = LOG_DEBUG;
}

/* net-snmp hands over text in pieces: a line may come in several calls,
 * one call may hold several lines. One smtpmon log line per text line, at
 * the most severe priority of its pieces. */
static int
on_snmp_log(int major, int minor, void *serverarg, void *clientarg)
{
	const struct snmp_log_message *m = serverarg;
	struct logline *l = clientarg;
	const char *p;

	(void)major, (void)minor;
	if (m == NULL || m->msg == NULL || l == NULL)
		return 0;
	for (p = m->msg; *p != '\0'; p++) {
		if (m->priority < l->pri)
			l->pri = m->priority;
		if (*p == '\n') {
			log_flush_line(l);
			continue;
		}
		if (l->len < sizeof l->buf - 1)
			l->buf[l->len++] = *p;
	}
	return 0;
}

/* ---- value encoding ---- */

static void
set_int(netsnmp_variable_list *vb, long v)
{
	snmp_set_var_typed_value(vb, ASN_INTEGER, &v, sizeof v);
}

static void
set_uns(netsnmp_variable_list *vb, u_char type, uint64_t v)
{
	u_long u = v > 0xffffffffu ? 0xffffffffu : (u_long)v;

	snmp_set_var_typed_value(vb, type, &u, sizeof u);
}

static void
set_c64(netsnmp_variable_list *vb, uint64_t v)
{
	struct counter64 c = { .high = (u_long)(v >> 32), .low = (u_long)(v & 0xffffffffu) };

	snmp_set_var_typed_value(vb, ASN_COUNTER64, &c, sizeof c);
}

static void
set_bytes(netsnmp_variable_list *vb, const void *p, size_t len)
{
	snmp_set_var_typed_value(vb, ASN_OCTET_STR, p, len);
}

/* An object's value, decided by agent/snmpcol (numbers already in range) */
static void
set_value(netsnmp_variable_list *vb, const struct snmpcol_value *v)
{
	switch (v->type) {
	case SNMPCOL_INTEGER:
		set_int(vb, (long)v->num);
		break;
	case SNMPCOL_UNSIGNED:
		set_uns(vb, ASN_UNSIGNED, (uint64_t)v->num);
		break;
	case SNMPCOL_GAUGE:
		set_uns(vb, ASN_GAUGE, (uint64_t)v->num);
		break;
	case SNMPCOL_COUNTER:
		set_uns(vb, ASN_COUNTER, (uint64_t)v->num);
		break;
	case SNMPCOL_TIMETICKS:
		set_uns(vb, ASN_TIMETICKS, (uint64_t)v->num);
		break;
	case SNMPCOL_COUNTER64:
		set_c64(vb, v->c64);
		break;
	case SNMPCOL_OCTETS:
		set_bytes(vb, v->octets, v->len);
		break;
	case SNMPCOL_NONE:
		break;
	}
}

/* ---- handlers (the SNMP thread, inside snmp_read2) ---- */

/* A group of scalars' GET: ROOT...N.0, N at name[at]. */
typedef bool scalar_fn(const struct snmp_agent *a, unsigned n, struct snmpcol_value *out);

static int
serve_scalars(netsnmp_mib_handler *handler, netsnmp_agent_request_info *reqinfo,
    netsnmp_request_info *requests, size_t at, scalar_fn *scalar)
{
	struct snmp_agent *a = handler->myvoid;
	struct snmpcol_value v;

	if (reqinfo->mode != MODE_GET)
		return SNMP_ERR_NOERROR;
	for (netsnmp_request_info *r = requests; r != NULL; r = r->next) {
		netsnmp_variable_list *vb = r->requestvb;

		if (r->processed)
			continue;
		if (vb->name_length != at + 2) {
			netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHINSTANCE);
			continue;
		}
		if (vb->name[at] <= UINT_MAX && scalar(a, (unsigned)vb->name[at], &v))
			set_value(vb, &v);
		else
			netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHOBJECT);
	}
	return SNMP_ERR_NOERROR;
}

static bool
scalar(const struct snmp_agent *a, unsigned n, struct snmpcol_value *out)
{
	const struct snmpcol_scalars x = {
		.version = agent_version, .writer = a->writer, .targets_up = a->targets_up,
	};

	return snmpcol_scalar(a->snap, &x, n, out);
}

static bool
passive_scalar(const struct snmp_agent *a, unsigned n, struct snmpcol_value *out)
{
	return snmpcol_passive_scalar(a->snap, n, out);
}

static int
on_scalar(netsnmp_mib_handler *handler, netsnmp_handler_registration *reginfo,
    netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	(void)reginfo;
	/* ROOT.1.1.N.0: N */
	return serve_scalars(handler, reqinfo, requests, SMTPMON_OID_ROOT_LEN + 2, scalar);
}

static int
on_passive_scalar(netsnmp_mib_handler *handler, netsnmp_handler_registration *reginfo,
    netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	(void)reginfo;
	/* ROOT.1.5.1.N.0: N */
	return serve_scalars(handler, reqinfo, requests, SMTPMON_OID_ROOT_LEN + 3,
	    passive_scalar);
}

/* One table's GET: each request's row from the container, then its column. */
typedef bool column_fn(const struct snmp_agent *a, const void *row, unsigned col,
    struct snmpcol_value *out);

static int
serve_table(netsnmp_mib_handler *handler, netsnmp_agent_request_info *reqinfo,
    netsnmp_request_info *requests, column_fn *column)
{
	struct snmp_agent *a = handler->myvoid;
	struct snmpcol_value v;

	if (reqinfo->mode != MODE_GET)
		return SNMP_ERR_NOERROR;
	for (netsnmp_request_info *r = requests; r != NULL; r = r->next) {
		void *row;
		netsnmp_table_request_info *ti;

		if (r->processed)
			continue;
		row = netsnmp_container_table_row_extract(r);
		ti = netsnmp_extract_table_info(r);
		if (row == NULL || ti == NULL) {
			netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHINSTANCE);
			continue;
		}
		if (column(a, row, ti->colnum, &v))
			set_value(r->requestvb, &v);
	}
	return SNMP_ERR_NOERROR;
}

static bool
target_cell(const struct snmp_agent *a, const void *row, unsigned col,
    struct snmpcol_value *out)
{
	struct snmpcol_clock clk;

	clk.uptime = netsnmp_get_agent_uptime();
	clk.now = time(NULL);
	return snmpcol_target(((const struct trow *)row)->h.row, a->writer, &clk, col, out);
}

static bool
conn_cell(const struct snmp_agent *a, const void *row, unsigned col, struct snmpcol_value *out)
{
	(void)a;
	return snmpcol_conn(&((const struct crow *)row)->c, col, out);
}

static bool
pserver_cell(const struct snmp_agent *a, const void *row, unsigned col,
    struct snmpcol_value *out)
{
	const struct reg_prow *prow = ((const struct hrow *)row)->row;

	(void)a;
	return snmpcol_pserver(&prow->v, col, out);
}

static int
on_target_table(netsnmp_mib_handler *handler, netsnmp_handler_registration *reginfo,
    netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	(void)reginfo;
	return serve_table(handler, reqinfo, requests, target_cell);
}

static int
on_conn_table(netsnmp_mib_handler *handler, netsnmp_handler_registration *reginfo,
    netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	(void)reginfo;
	return serve_table(handler, reqinfo, requests, conn_cell);
}

static int
on_pserver_table(netsnmp_mib_handler *handler, netsnmp_handler_registration *reginfo,
    netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	(void)reginfo;
	return serve_table(handler, reqinfo, requests, pserver_cell);
}

/* ---- the containers, fed from snapshots ---- */

static struct crow *
crow_new(const struct reg_row *row, int role)
{
	struct crow *cr = xcalloc(1, sizeof(*cr));

	cr->idx.oids = cr->sub;
	cr->idx.len = 2;
	cr->sub[0] = row->index;
	cr->sub[1] = role == REG_ROLE_MONITOR ? 1 : 2;
	cr->c.role = role;
	return cr;
}

/* Bring tr's connection rows in line with row (NULL: the target is gone).
 * Without in_place the container is left alone: it is about to be filled
 * again from scratch. */
static void
conns_sync(struct snmp_agent *a, struct trow *tr, const struct reg_row *row, bool in_place)
{
	for (int k = 0; k < 2; k++) {
		bool open = row != NULL && row->conns[k].open;
		struct crow *cr = tr->conn[k];

		if (open && cr == NULL) {
			cr = tr->conn[k] = crow_new(row, k);
			snmpcol_conn_fill(&cr->c, row, k);
			if (in_place)
				CONTAINER_INSERT(a->ccont, cr);
		} else if (open) {
			snmpcol_conn_fill(&cr->c, row, k);
		} else if (cr != NULL) {
			if (in_place)
				CONTAINER_REMOVE(a->ccont, cr);
			free(cr);
			tr->conn[k] = NULL;
		}
	}
}

static void
noop_free(void *data, void *context)
{
	(void)data, (void)context;
}

/* smtpmonTargetTable's side of a merge: the targets up, and the connection
 * rows of each target, whose container is filled again when the targets'
 * is or many connections go at once. */

static size_t
target_count(const struct reg_snapshot *s)
{
	return s->n;
}

static const void *
target_at(const struct reg_snapshot *s, size_t i)
{
	return s->rows[i];
}

static uint32_t
target_index(const void *row)
{
	return ((const struct reg_row *)row)->index;
}

static void
target_begin(struct snmp_agent *a, struct hrow *const *gone, size_t n_gone, bool rebuild)
{
	size_t conn_ops = 0;

	for (size_t g = 0; g < n_gone; g++) {
		const struct trow *tr = (const struct trow *)gone[g];

		conn_ops += tr->conn[0] != NULL;
		conn_ops += tr->conn[1] != NULL;
	}
	a->conns_rebuild = rebuild || conn_ops > REBUILD_AFTER;
}

static void
target_drop(struct snmp_agent *a, struct hrow *h)
{
	const struct reg_row *old = h->row;

	if (old->state == REG_UP)
		a->targets_up--;
	conns_sync(a, (struct trow *)h, NULL, !a->conns_rebuild);
}

static void
target_update(struct snmp_agent *a, struct hrow *h, const void *row)
{
	const struct reg_row *old = h->row, *now = row;

	if (old != NULL && old->state == REG_UP)
		a->targets_up--;
	if (now->state == REG_UP)
		a->targets_up++;
	conns_sync(a, (struct trow *)h, now, !a->conns_rebuild);
}

/* Fill the connections' container again (index order: every insert lands
 * at the end, so this is a binary search per row and no moves). */
static void
target_end(struct snmp_agent *a)
{
	if (!a->conns_rebuild)
		return;
	CONTAINER_CLEAR(a->ccont, noop_free, NULL);
	for (size_t i = 0; i < a->targets.n; i++) {
		const struct trow *tr = (const struct trow *)a->targets.rows[i];

		for (int k = 0; k < 2; k++)
			if (tr->conn[k] != NULL)
				CONTAINER_INSERT(a->ccont, tr->conn[k]);
	}
	a->conns_rebuild = false;
}

static const struct table_desc target_desc = {
	.row_size = sizeof(struct trow),
	.count = target_count,
	.at = target_at,
	.index_of = target_index,
	.begin = target_begin,
	.drop = target_drop,
	.update = target_update,
	.end = target_end,
};

/* smtpmonPassiveServerTable: a row whose server was seen again has a new
 * pointer and nothing else to do; a new server has the highest index yet,
 * so its insert lands at the end. */

static size_t
prow_count(const struct reg_snapshot *s)
{
	return s->n_prows;
}

static const void *
prow_at(const struct reg_snapshot *s, size_t i)
{
	return s->prows[i];
}

static uint32_t
prow_index(const void *row)
{
	return ((const struct reg_prow *)row)->v.index;
}

static const struct table_desc pserver_desc = {
	.row_size = sizeof(struct hrow),
	.count = prow_count,
	.at = prow_at,
	.index_of = prow_index,
};

/* One merge of a table's rows with snapshot s (both in index order): rows
 * whose snapshot row is the same pointer are not touched; a row keeps its
 * index (the registry's) for as long as the snapshots have it. */
static void
merge(struct snmp_agent *a, struct table *t, const struct reg_snapshot *s)
{
	const struct table_desc *d = t->d;
	size_t n_src = d->count(s);
	struct hrow **next = n_src ? xcalloc(n_src, sizeof(*next)) : NULL;
	struct hrow **gone = NULL;
	size_t i = 0, j = 0, n = 0, n_gone = 0, changed = 0;
	bool rebuild;

	/* pass 1: decide, without touching the container */
	while (i < t->n || j < n_src) {
		struct hrow *h = i < t->n ? t->rows[i] : NULL;
		const void *row = j < n_src ? d->at(s, j) : NULL;

		if (row == NULL || (h != NULL && h->sub[0] < d->index_of(row))) {
			if (gone == NULL)
				gone = xcalloc(t->n, sizeof(*gone));
			gone[n_gone++] = h;                  /* row removed */
			i++;
		} else if (h == NULL || h->sub[0] > d->index_of(row)) {
			h = xcalloc(1, d->row_size);         /* row added */
			h->idx.oids = h->sub;
			h->idx.len = 1;
			h->sub[0] = d->index_of(row);
			h->row = NULL;
			next[n++] = h;
			j++;
			changed++;
		} else {
			next[n++] = h;                       /* row kept, maybe changed */
			i++, j++;
			if (h->row != row)
				changed++;
		}
	}

	/* many removals: filling the array again beats moving it per row */
	rebuild = n_gone > REBUILD_AFTER;
	if (d->begin != NULL)
		d->begin(a, gone, n_gone, rebuild);
	for (size_t g = 0; g < n_gone; g++) {
		if (!rebuild)
			CONTAINER_REMOVE(t->cont, gone[g]);
		if (d->drop != NULL)
			d->drop(a, gone[g]);
		free(gone[g]);
	}
	free(gone);

	/* pass 2: new and changed rows */
	for (size_t k = 0; k < n; k++) {
		struct hrow *h = next[k];
		const void *row = d->at(s, k);

		if (h->row == row)
			continue;
		if (h->row == NULL && !rebuild)
			CONTAINER_INSERT(t->cont, h);
		if (d->update != NULL)
			d->update(a, h, row);
		h->row = row;
	}
	free(t->rows);
	t->rows = next;
	t->n = n;
	if (rebuild) {   /* index order: every insert lands at the end */
		CONTAINER_CLEAR(t->cont, noop_free, NULL);
		for (size_t k = 0; k < n; k++)
			CONTAINER_INSERT(t->cont, next[k]);
	}
	if (d->end != NULL)
		d->end(a);
	a->rows_changed += changed + n_gone;
}

/* Take the current snapshot if it is newer than the one held. */
static void
refresh(struct snmp_agent *a)
{
	struct reg_snapshot *s = registry_acquire(a->reg);

	if (a->snap != NULL && s->generation == a->snap->generation) {
		registry_release(s);
		return;
	}
	merge(a, &a->targets, s);
	merge(a, &a->pservers, s);
	registry_release(a->snap);   /* the rows kept are shared with s */
	a->snap = s;
	a->refreshes++;
}

static void
on_refresh_alarm(unsigned int reg, void *arg)
{
	(void)reg;
	refresh(arg);
}

/* ---- notifications: built by agent/snmptrap ---- */

/* Send at most DRAIN_BATCH queued notifications (the lock is never held
 * across net-snmp); pick up the writer and the drop count on the way.
 * Returns whether more are waiting. The loop reads the master's responses
 * between two batches: the AgentX socket blocks, and a subagent that only
 * writes while the master only writes its responses back would deadlock
 * both once the socket buffers are full (1,000 targets going down at once
 * did exactly that). */
static bool
drain(struct snmp_agent *a)
{
	size_t n = 0;
	uint64_t dropped;
	bool more;

	pthread_mutex_lock(&a->lock);
	memcpy(a->writer, a->writer_shared, sizeof a->writer);
	dropped = a->dropped;
	while (a->q_len > 0 && n < DRAIN_BATCH) {
		a->batch[n++] = a->queue[a->q_head];
		a->q_head = (a->q_head + 1) % SNMP_EVENT_QUEUE;
		a->q_len--;
	}
	more = a->q_len > 0;
	pthread_mutex_unlock(&a->lock);
	if (dropped != a->dropped_seen) {
		log_warnx("SMD1843W notification queue full: %llu notification(s) dropped "
		    "(%llu in all)", (unsigned long long)(dropped - a->dropped_seen),
		    (unsigned long long)dropped);
		a->dropped_seen = dropped;
	}
	for (size_t k = 0; k < n; k++)
		snmptrap_send(&a->batch[k]);
	a->notifications += n;
	return more;
}

/* ---- set-up and tear-down (the SNMP thread) ---- */

static netsnmp_handler_registration *
register_table(struct snmp_agent *a, const char *name, Netsnmp_Node_Handler *fn,
    const oid *table_oid, size_t len, netsnmp_container **contp,
    netsnmp_table_registration_info **infop, unsigned max_col, bool two)
{
	netsnmp_handler_registration *reg;
	netsnmp_table_registration_info *ti;
	netsnmp_container *c;

	reg = netsnmp_create_handler_registration(name, fn, table_oid, len, HANDLER_CAN_RONLY);
	if (reg == NULL)
		return NULL;
	reg->handler->myvoid = a;
	c = netsnmp_container_find("table_container");
	if (c == NULL) {
		netsnmp_handler_registration_free(reg);
		return NULL;
	}
	c->container_name = strdup(name);
	c->compare = netsnmp_compare_netsnmp_index;
	c->ncompare = netsnmp_ncompare_netsnmp_index;
	ti = SNMP_MALLOC_TYPEDEF(netsnmp_table_registration_info);
	if (ti == NULL) {
		CONTAINER_FREE(c);
		netsnmp_handler_registration_free(reg);
		return NULL;
	}
	if (two)
		netsnmp_table_helper_add_indexes(ti, ASN_UNSIGNED, ASN_INTEGER, 0);
	else
		netsnmp_table_helper_add_indexes(ti, ASN_UNSIGNED, 0);
	ti->min_column = 2;          /* column 1 is the index, not-accessible */
	ti->max_column = max_col;
	if (netsnmp_container_table_register(reg, ti, c, TABLE_CONTAINER_KEY_NETSNMP_INDEX) !=
	    SNMPERR_SUCCESS)
		return NULL;   /* reg went with the failure; c and ti may have: start fails */
	*contp = c;
	*infop = ti;   /* unregistering leaves it to us */
	return reg;
}

static bool
agent_init(struct snmp_agent *a, char *err, size_t errlen)
{
	oid scalars[SMTPMON_OID_ROOT_LEN + 2] = { SMTPMON_OID_ROOT, 1, 1 };
	oid ttable[SMTPMON_OID_ROOT_LEN + 2] = { SMTPMON_OID_ROOT, 1, 2 };
	oid ctable[SMTPMON_OID_ROOT_LEN + 2] = { SMTPMON_OID_ROOT, 1, 3 };
	oid pscalars[SMTPMON_OID_ROOT_LEN + 3] = { SMTPMON_OID_ROOT, 1, 5, 1 };
	oid ptable[SMTPMON_OID_ROOT_LEN + 3] = { SMTPMON_OID_ROOT, 1, 5, 2 };
	const char *path = a->agentx_socket ? a->agentx_socket : NETSNMP_AGENTX_SOCKET;
	struct logline *ll = xcalloc(1, sizeof(*ll));   /* net-snmp's from here on */
	char no_mibs[] = "mibs :";

	/* the log first, so nothing goes to stderr */
	ll->pri = LOG_DEBUG;
	snmp_disable_log();
	snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING, on_snmp_log, ll);
	snmp_enable_calllog();

	if (path[0] == '/' && access(path, R_OK | W_OK) != 0 && errno == EACCES)
		log_warnx("SMD1841W AgentXSocket %s: permission denied for uid %ld: snmpd's "
		    "agentXPerms must let this user connect", path, (long)geteuid());

	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
	if (a->agentx_socket != NULL)
		netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET,
		    a->agentx_socket);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_ALARM_DONT_USE_SIG, 1);
	/* smtpmon.conf is the configuration: no snmp.conf, no persistent
	 * files under /var/lib/snmp, no MIB files (we serve numbers) */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	/* no MIB module list and no MIB directory: nothing is parsed (Debian
	 * has net-snmp's own modules without the IETF ones they import,
	 * which makes a hundred warnings) */
	netsnmp_config_remember(no_mibs);
	netsnmp_set_mib_directory("");

	if (init_agent(AGENT_NAME) != 0) {
		snprintf(err, errlen, "net-snmp: init_agent failed");
		return false;
	}
	/* after init_agent(), which sets net-snmp's default of 15 s; before
	 * init_snmp(), which connects and starts the pings */
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL,
	    SNMP_AGENTX_PING_S);
	a->sreg = netsnmp_create_handler_registration("smtpmonScalars", on_scalar, scalars,
	    OID_LENGTH(scalars), HANDLER_CAN_RONLY);
	if (a->sreg != NULL) {
		a->sreg->handler->myvoid = a;
		if (netsnmp_register_scalar_group(a->sreg, SMTPMON_SC_VERSION,
		    SMTPMON_SC_START_TIME) != SNMPERR_SUCCESS)
			a->sreg = NULL;   /* freed by the failed registration */
	}
	a->treg = register_table(a, "smtpmonTargetTable", on_target_table, ttable,
	    OID_LENGTH(ttable), &a->targets.cont, &a->tinfo, SMTPMON_T_LAST_COLUMN, false);
	a->creg = register_table(a, "smtpmonConnectionTable", on_conn_table, ctable,
	    OID_LENGTH(ctable), &a->ccont, &a->cinfo, SMTPMON_C_LAST_COLUMN, true);
	a->psreg = netsnmp_create_handler_registration("smtpmonPassiveScalars",
	    on_passive_scalar, pscalars, OID_LENGTH(pscalars), HANDLER_CAN_RONLY);
	if (a->psreg != NULL) {
		a->psreg->handler->myvoid = a;
		if (netsnmp_register_scalar_group(a->psreg, SMTPMON_PS_ENABLED,
		    SMTPMON_PS_ERROR) != SNMPERR_SUCCESS)
			a->psreg = NULL;   /* freed by the failed registration */
	}
	a->preg = register_table(a, "smtpmonPassiveServerTable", on_pserver_table, ptable,
	    OID_LENGTH(ptable), &a->pservers.cont, &a->pinfo, SMTPMON_P_LAST_COLUMN, false);
	if (a->sreg == NULL || a->treg == NULL || a->creg == NULL || a->psreg == NULL ||
	    a->preg == NULL) {
		snprintf(err, errlen, "net-snmp: cannot register SMTPMON-MIB (%s)",
		    SMTPMON_OID_ROOT_TEXT);
		return false;
	}
	refresh(a);
	a->refresh_alarm = snmp_alarm_register(REFRESH_S, SA_REPEAT, on_refresh_alarm, a);
	/* reads no files (see above); connects to the master agent */
	init_snmp(AGENT_NAME);
	return true;
}

static void
free_trow_conns(struct trow *tr)
{
	free(tr->conn[0]);
	free(tr->conn[1]);
}

static void
agent_shutdown(struct snmp_agent *a)
{
	if (a->refresh_alarm != 0)
		snmp_alarm_unregister(a->refresh_alarm);
	if (a->sreg != NULL)
		netsnmp_unregister_handler(a->sreg);
	if (a->psreg != NULL)
		netsnmp_unregister_handler(a->psreg);
	/* the containers are freed by the table_container helper */
	if (a->targets.cont != NULL)
		CONTAINER_CLEAR(a->targets.cont, noop_free, NULL);
	if (a->ccont != NULL)
		CONTAINER_CLEAR(a->ccont, noop_free, NULL);
	if (a->pservers.cont != NULL)
		CONTAINER_CLEAR(a->pservers.cont, noop_free, NULL);
	if (a->treg != NULL)
		netsnmp_container_table_unregister(a->treg);
	if (a->creg != NULL)
		netsnmp_container_table_unregister(a->creg);
	if (a->preg != NULL)
		netsnmp_container_table_unregister(a->preg);
	if (a->tinfo != NULL)
		netsnmp_table_registration_info_free(a->tinfo);
	if (a->cinfo != NULL)
		netsnmp_table_registration_info_free(a->cinfo);
	if (a->pinfo != NULL)
		netsnmp_table_registration_info_free(a->pinfo);
	for (size_t i = 0; i < a->pservers.n; i++)
		free(a->pservers.rows[i]);
	free(a->pservers.rows);
	a->pservers.rows = NULL;
	a->pservers.n = 0;
	for (size_t i = 0; i < a->targets.n; i++) {
		free_trow_conns((struct trow *)a->targets.rows[i]);
		free(a->targets.rows[i]);
	}
	free(a->targets.rows);
	a->targets.rows = NULL;
	a->targets.n = 0;
	registry_release(a->snap);
	a->snap = NULL;
	/* also frees the log callback's struct logline */
	snmp_shutdown(AGENT_NAME);
	shutdown_agent();
}

/* ---- the thread ---- */

static void
wake_drain(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof v) == (ssize_t)sizeof v)
		;
}

#define SHUTDOWN_READS 5

static void
loop(struct snmp_agent *a)
{
	netsnmp_large_fd_set fds;
	bool more = false;   /* notifications still queued: do not sleep */

	netsnmp_large_fd_set_init(&fds, FD_SETSIZE);
	for (;;) {
		struct timeval tv = { 0, 0 };
		int numfds = 0, block = 1, n;
		bool stop;

		NETSNMP_LARGE_FD_ZERO(&fds);
		snmp_select_info2(&numfds, &fds, &tv, &block);
		netsnmp_large_fd_setfd(a->wake_fd, &fds);
		if (a->wake_fd >= numfds)
			numfds = a->wake_fd + 1;
		if (more) {
			tv.tv_sec = 0;
			tv.tv_usec = 0;
			block = 0;
		}
		n = netsnmp_large_fd_set_select(numfds, &fds, NULL, NULL, block ? NULL : &tv);
		if (n < 0 && errno != EINTR) {
			log_warn("SMD1842E snmp: select");
			sleep(1);   /* never spin on a persistent error */
			continue;
		}
		if (n > 0 && netsnmp_large_fd_is_set(a->wake_fd, &fds))
			wake_drain(a->wake_fd);
		pthread_mutex_lock(&a->lock);
		stop = a->stop;
		pthread_mutex_unlock(&a->lock);
		/* answer from the newest snapshot */
		refresh(a);
		if (n > 0)
			snmp_read2(&fds);
		else if (n == 0)
			snmp_timeout();
		run_alarms();
		netsnmp_check_outstanding_agent_requests();
		more = drain(a);
		if (stop && !more)
			break;
	}
	/* the master's answers to the last notifications may still be on their
	 * way: read them now (at most SHUTDOWN_READS rounds of 100 ms), not in
	 * the synchronous unregistration, where libnetsnmp leaks a packet's
	 * transport data (110 bytes, found by LeakSanitizer) */
	for (int i = 0; i < SHUTDOWN_READS; i++) {
		struct timeval tv = { 0, 100000 };
		int numfds = 0, block = 0, n;

		NETSNMP_LARGE_FD_ZERO(&fds);
		snmp_select_info2(&numfds, &fds, &tv, &block);
		tv.tv_sec = 0;
		tv.tv_usec = 100000;
		n = netsnmp_large_fd_set_select(numfds, &fds, NULL, NULL, &tv);
		if (n <= 0)
			break;
		snmp_read2(&fds);
	}
	netsnmp_large_fd_set_cleanup(&fds);
}

static void *
snmp_thread(void *arg)
{
	struct snmp_agent *a = arg;
	char err[256] = "";
	bool ok = agent_init(a, err, sizeof err);

	pthread_mutex_lock(&a->lock);
	a->started = ok ? 1 : -1;
	str_copy(a->start_err, err, sizeof a->start_err);
	pthread_cond_broadcast(&a->started_cv);
	pthread_mutex_unlock(&a->lock);
	if (ok) {
		log_info("SMD1840I SNMP subagent started: agentx=%s root=%s ping=%ds",
		    a->agentx_socket ? a->agentx_socket : NETSNMP_AGENTX_SOCKET,
		    SMTPMON_OID_ROOT_TEXT, SNMP_AGENTX_PING_S);
		loop(a);
	}
	agent_shutdown(a);
	if (ok)
		log_info("SMD1844I SNMP subagent stopped: notifications=%llu dropped=%llu "
		    "refreshes=%llu rows_changed=%llu", (unsigned long long)a->notifications,
		    (unsigned long long)a->dropped_seen, (unsigned long long)a->refreshes,
		    (unsigned long long)a->rows_changed);
	return NULL;
}

static void
agent_free(struct snmp_agent *a)
{
	if (a->wake_fd >= 0)
		close(a->wake_fd);
	pthread_mutex_destroy(&a->lock);
	pthread_cond_destroy(&a->started_cv);
	free(a->queue);
	free(a->agentx_socket);
	free(a);
}

struct snmp_agent *
snmp_agent_start(struct registry *reg, const char *agentx_socket, const char *writer,
    char *err, size_t errlen)
{
	struct snmp_agent *a = xcalloc(1, sizeof(*a));
	sigset_t all, old;
	int rc;

	a->reg = reg;
	a->targets.d = &target_desc;
	a->pservers.d = &pserver_desc;
	a->agentx_socket = agentx_socket ? xstrdup(agentx_socket) : NULL;
	a->queue = xcalloc(SNMP_EVENT_QUEUE, sizeof(*a->queue));
	str_copy(a->writer_shared, writer, sizeof a->writer_shared);
	str_copy(a->writer, writer, sizeof a->writer);
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->started_cv, NULL);
	a->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (a->wake_fd < 0) {
		snprintf(err, errlen, "SNMP: eventfd: %s", strerror(errno));
		agent_free(a);
		return NULL;
	}
	/* signals belong to the main thread */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&a->thread, NULL, snmp_thread, a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "SNMP: pthread_create: %s", strerror(rc));
		agent_free(a);
		return NULL;
	}
	pthread_mutex_lock(&a->lock);
	while (a->started == 0)
		pthread_cond_wait(&a->started_cv, &a->lock);
	pthread_mutex_unlock(&a->lock);
	if (a->started < 0) {
		pthread_join(a->thread, NULL);
		snprintf(err, errlen, "%s", a->start_err);
		agent_free(a);
		return NULL;
	}
	return a;
}

static void
wake(struct snmp_agent *a)
{
	uint64_t one = 1;

	if (write(a->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
		log_warn("SNMP wake-up");
}

void
snmp_agent_post(struct snmp_agent *a, const struct monitor_event *ev)
{
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->lock);
	if (a->q_len == SNMP_EVENT_QUEUE) {
		a->dropped++;
	} else {
		a->queue[(a->q_head + a->q_len) % SNMP_EVENT_QUEUE] = *ev;
		a->q_len++;
	}
	pthread_mutex_unlock(&a->lock);
	wake(a);
}

void
snmp_agent_set_writer(struct snmp_agent *a, const char *writer)
{
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->lock);
	str_copy(a->writer_shared, writer, sizeof a->writer_shared);
	pthread_mutex_unlock(&a->lock);
	wake(a);
}

void
snmp_agent_stop(struct snmp_agent *a)
{
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->lock);
	a->stop = true;
	pthread_mutex_unlock(&a->lock);
	wake(a);
	pthread_join(a->thread, NULL);
	agent_free(a);
}
