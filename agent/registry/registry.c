/* agent/registry/registry.c: see registry.h. */
#include "buildconf.h"
#include "registry.h"
#include "util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct registry {
	pthread_mutex_t lock;          /* guards current only */
	struct reg_snapshot *current;
	/* monitor thread only */
	struct reg_row **drafts;       /* index order */
	size_t n, cap;
	uint32_t next_index;
	bool changed;                  /* rows added, removed or touched */
	uint64_t generation;
	time_t started;
	uint64_t probes_done, probe_failures;
	size_t targets_configured;
	struct reg_prow **pdrafts;     /* index order */
	size_t np, pcap;
	struct reg_passive passive;
};

/* A policy view shared by a draft and the snapshots' copies of its row. */
struct reg_polref {
	atomic_uint refs;
	struct policy_view v;
};

/* A verdict shared likewise. */
struct reg_vref {
	atomic_uint refs;
	struct verdict v;
};

/* A shared text: its bytes follow the count; "" is the static empty. */
struct reg_str {
	atomic_uint refs;
	char s[];
};

static const char empty_text[] = "";

static struct reg_str *
str_of(const char *s)
{
	return (struct reg_str *)(void *)(s - offsetof(struct reg_str, s));
}

static void
text_ref(const char *s)
{
	if (s != NULL && s != empty_text)
		atomic_fetch_add(&str_of(s)->refs, 1);
}

static void
text_unref(const char *s)
{
	if (s != NULL && s != empty_text && atomic_fetch_sub(&str_of(s)->refs, 1) == 1)
		free(str_of(s));
}

/* The row's shared texts, for taking and dropping holds on all of them. */
#define ROW_TEXTS(row) { (row)->name, (row)->mx_host, (row)->fail_reason, (row)->last_reply }

static void
texts_ref(const struct reg_row *row)
{
	const char *t[] = ROW_TEXTS(row);

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		text_ref(t[i]);
}

static void
texts_unref(const struct reg_row *row)
{
	const char *t[] = ROW_TEXTS(row);

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		text_unref(t[i]);
}

void
reg_row_set_text(const char **field, const char *text, size_t max)
{
	size_t n = text != NULL ? strlen(text) : 0;
	const char *old = *field;
	struct reg_str *p;

	if (max > 0 && n > max - 1)
		n = max - 1;
	if (n == 0 || max == 0) {
		*field = empty_text;
	} else if (old != NULL && old != empty_text && strncmp(old, text, n) == 0 &&
	    old[n] == '\0') {
		return;                            /* the same text: keep it */
	} else {
		p = xmalloc(sizeof(*p) + n + 1);
		atomic_init(&p->refs, 1);
		memcpy(p->s, text, n);
		p->s[n] = '\0';
		*field = p->s;
	}
	text_unref(old);
}

void
reg_row_texts_blank(struct reg_row *row)
{
	row->name = row->mx_host = row->fail_reason = row->last_reply = empty_text;
}

static pthread_once_t blank_once = PTHREAD_ONCE_INIT;
static struct verdict blank;

static void
blank_init(void)
{
	verdict_blank(APPLDATA_MONITOR, "", &blank);
}

const struct verdict *
reg_blank_verdict(void)
{
	pthread_once(&blank_once, blank_init);
	return &blank;
}

static void
vref_unref(struct reg_vref *p)
{
	if (p != NULL && atomic_fetch_sub(&p->refs, 1) == 1)
		free(p);
}

static void
polref_unref(struct reg_polref *p)
{
	if (p != NULL && atomic_fetch_sub(&p->refs, 1) == 1)
		free(p);
}

static void
row_unref(struct reg_row *row)
{
	if (row != NULL && atomic_fetch_sub(&row->refs, 1) == 1) {
		polref_unref(row->polref);
		vref_unref(row->vref);
		texts_unref(row);
		free(row);
	}
}

void
registry_set_policy(struct registry *r, struct reg_row *row, const struct policy_view *v)
{
	struct reg_polref *p = NULL;

	if (v != NULL) {
		p = xmalloc(sizeof(*p));
		atomic_init(&p->refs, 1);
		p->v = *v;
	}
	polref_unref(row->polref);
	row->polref = p;
	row->pol = p ? &p->v : NULL;
	registry_touch(r, row);
}

void
registry_set_verdict(struct registry *r, struct reg_row *row, const struct verdict *v)
{
	struct reg_vref *p = xmalloc(sizeof(*p));

	atomic_init(&p->refs, 1);
	p->v = *v;
	vref_unref(row->vref);
	row->vref = p;
	row->v = &p->v;
	registry_touch(r, row);
}

static void
prow_unref(struct reg_prow *row)
{
	if (row != NULL && atomic_fetch_sub(&row->refs, 1) == 1)
		free(row);
}

static struct reg_snapshot *
snapshot_new(size_t n, size_t np)
{
	struct reg_snapshot *s = xcalloc(1, sizeof(*s));

	atomic_init(&s->refs, 1);
	s->n = n;
	s->rows = n ? xcalloc(n, sizeof(*s->rows)) : NULL;
	s->n_prows = np;
	s->prows = np ? xcalloc(np, sizeof(*s->prows)) : NULL;
	return s;
}

struct registry *
registry_new(void)
{
	struct registry *r = xcalloc(1, sizeof(*r));

	pthread_mutex_init(&r->lock, NULL);
	r->next_index = 1;
	r->current = snapshot_new(0, 0);
	r->started = time(NULL);
	r->current->started = r->started;
	r->current->published_at = r->started;
	return r;
}

void
registry_free(struct registry *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++) {
		row_unref(r->drafts[i]->published);
		polref_unref(r->drafts[i]->polref);
		vref_unref(r->drafts[i]->vref);
		texts_unref(r->drafts[i]);
		free(r->drafts[i]);
	}
	free(r->drafts);
	for (size_t i = 0; i < r->np; i++) {
		prow_unref(r->pdrafts[i]->published);
		free(r->pdrafts[i]);
	}
	free(r->pdrafts);
	registry_release(r->current);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

struct reg_row *
registry_add(struct registry *r)
{
	struct reg_row *row = xcalloc(1, sizeof(*row));

	row->index = r->next_index++;
	row->v = reg_blank_verdict();   /* nothing known yet */
	reg_row_texts_blank(row);
	row->dirty = true;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->drafts = xrealloc(r->drafts, r->cap * sizeof(*r->drafts));
	}
	r->drafts[r->n++] = row;   /* indexes only grow: order is kept */
	r->changed = true;
	return row;
}

static size_t
find_draft(const struct registry *r, const struct reg_row *row)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->drafts[mid]->index < row->index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
registry_remove(struct registry *r, struct reg_row *row)
{
	size_t i = find_draft(r, row);

	if (i >= r->n || r->drafts[i] != row)
		return;
	memmove(&r->drafts[i], &r->drafts[i + 1], (r->n - i - 1) * sizeof(*r->drafts));
	r->n--;
	row_unref(row->published);
	polref_unref(row->polref);
	vref_unref(row->vref);
	texts_unref(row);
	free(row);
	r->changed = true;
}

void
registry_touch(struct registry *r, struct reg_row *row)
{
	row->dirty = true;
	r->changed = true;
}

void
registry_set_totals(struct registry *r, time_t started, uint64_t probes_done,
    uint64_t probe_failures, size_t targets_configured)
{
	if (r->started != started || r->probes_done != probes_done ||
	    r->probe_failures != probe_failures || r->targets_configured != targets_configured)
		r->changed = true;
	r->started = started;
	r->probes_done = probes_done;
	r->probe_failures = probe_failures;
	r->targets_configured = targets_configured;
}

void
registry_passive_put(struct registry *r, const struct pserver_view *v)
{
	struct reg_prow *row = NULL;
	size_t lo = 0, hi = r->np;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->pdrafts[mid]->v.index < v->index)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < r->np && r->pdrafts[lo]->v.index == v->index) {
		row = r->pdrafts[lo];
	} else {
		row = xcalloc(1, sizeof(*row));
		if (r->np == r->pcap) {
			r->pcap = r->pcap ? r->pcap * 2 : 64;
			r->pdrafts = xrealloc(r->pdrafts, r->pcap * sizeof(*r->pdrafts));
		}
		memmove(&r->pdrafts[lo + 1], &r->pdrafts[lo], (r->np - lo) * sizeof(*r->pdrafts));
		r->pdrafts[lo] = row;
		r->np++;
	}
	row->v = *v;
	row->dirty = true;
	r->changed = true;
}

void
registry_set_passive(struct registry *r, const struct reg_passive *p)
{
	if (memcmp(&r->passive, p, sizeof(*p)) != 0) {
		r->passive = *p;
		r->changed = true;
	}
}

void
registry_publish(struct registry *r)
{
	struct reg_snapshot *s, *old;

	if (!r->changed)
		return;
	s = snapshot_new(r->n, r->np);
	for (size_t i = 0; i < r->np; i++) {
		struct reg_prow *d = r->pdrafts[i];

		if (d->dirty || d->published == NULL) {
			struct reg_prow *copy = xmalloc(sizeof(*copy));

			memcpy(copy, d, sizeof(*copy));
			copy->published = NULL;
			copy->dirty = false;
			atomic_init(&copy->refs, 1);
			prow_unref(d->published);
			d->published = copy;
			d->dirty = false;
		}
		atomic_fetch_add(&d->published->refs, 1);
		s->prows[i] = d->published;
	}
	s->passive = r->passive;
	for (size_t i = 0; i < r->n; i++) {
		struct reg_row *d = r->drafts[i];

		if (d->dirty || d->published == NULL) {
			struct reg_row *copy = xmalloc(sizeof(*copy));

			memcpy(copy, d, sizeof(*copy));
			copy->published = NULL;
			copy->dirty = false;
			atomic_init(&copy->refs, 1);   /* the draft's reference */
			if (copy->polref != NULL)      /* the copy's own hold on the view */
				atomic_fetch_add(&copy->polref->refs, 1);
			if (copy->vref != NULL)        /* ... and on the verdict */
				atomic_fetch_add(&copy->vref->refs, 1);
			texts_ref(copy);               /* ... and on the texts */
			row_unref(d->published);
			d->published = copy;
			d->dirty = false;
		}
		atomic_fetch_add(&d->published->refs, 1);   /* the snapshot's */
		s->rows[i] = d->published;
	}
	s->generation = ++r->generation;
	s->published_at = time(NULL);
	s->started = r->started;
	s->probes_done = r->probes_done;
	s->probe_failures = r->probe_failures;
	s->targets_configured = r->targets_configured;
	r->changed = false;

	pthread_mutex_lock(&r->lock);
	old = r->current;
	r->current = s;
	pthread_mutex_unlock(&r->lock);
	registry_release(old);
}

struct reg_snapshot *
registry_acquire(struct registry *r)
{
	struct reg_snapshot *s;

	pthread_mutex_lock(&r->lock);
	s = r->current;
	atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&r->lock);
	return s;
}

void
registry_release(struct reg_snapshot *s)
{
	if (s == NULL || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	for (size_t i = 0; i < s->n; i++)
		row_unref(s->rows[i]);
	for (size_t i = 0; i < s->n_prows; i++)
		prow_unref(s->prows[i]);
	free(s->rows);
	free(s->prows);
	free(s);
}

bool
reg_row_matches(const struct reg_row *row, const char *sel)
{
	const char *t = row->target, *hs, *he;
	size_t sl = strlen(sel);
	char *end;
	unsigned long idx;

	if (sl == 0)
		return false;
	if (strcmp(sel, t) == 0)
		return true;
	if (sel[0] >= '0' && sel[0] <= '9' && strspn(sel, "0123456789") == sl) {
		idx = strtoul(sel, &end, 10);
		if (*end == '\0' && idx == row->index)
			return true;
	}
	/* the address without its port, "[v6]" or "v6" */
	if (t[0] == '[') {
		hs = t + 1;
		he = strchr(hs, ']');
	} else {
		hs = t;
		he = strrchr(t, ':');
	}
	if (he != NULL) {
		size_t hl = (size_t)(he - hs);
		if (sl == hl && memcmp(sel, hs, hl) == 0)
			return true;
		if (t[0] == '[' && sl == hl + 2 && sel[0] == '[' && memcmp(sel + 1, hs, hl) == 0)
			return true;
	}
	return (row->name[0] && strcasecmp(sel, row->name) == 0) ||
	    (row->mx_host[0] && strcasecmp(sel, row->mx_host) == 0);
}

const char *
reg_state_name(enum reg_state st)
{
	switch (st) {
	case REG_STARTING:  return "starting";
	case REG_UP:        return "up";
	case REG_DOWN:      return "down";
	case REG_RESOLVING: return "resolving";
	}
	return "unknown";
}

const char *
reg_role_name(enum reg_role role)
{
	return role == REG_ROLE_MONITOR ? "monitor" : "reprobe";
}

void
reg_row_record(const struct reg_row *row, const char *writer, char *out)
{
	struct verdict none;

	if (row->conns[REG_ROLE_MONITOR].open) {
		memcpy(out, row->conns[REG_ROLE_MONITOR].appldata, APPLDATA_LEN + 1);
	} else if (row->classified) {
		memcpy(out, row->v->appldata, APPLDATA_LEN + 1);
	} else {
		verdict_blank(APPLDATA_MONITOR, writer, &none);
		memcpy(out, none.appldata, APPLDATA_LEN + 1);
	}
}
