/* agent/output/outbox.c: see outbox.h.
 *
 * The hand-over, under lock: buf (the render waiting for the writer, NULL
 * none), the batches of alerts in order (each announced after the write of
 * the render handed over with it or later), n_waiting (alerts handed over,
 * not announced yet), busy (the writer is writing or announcing), failed (a
 * write failed: the monitor thread marks the store and retries), stop.
 */
#include "buildconf.h"
#include "outbox.h"
#include "alertcmd.h"
#include "bstore.h"
#include "log.h"
#include "timer.h"
#include "util.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#define SAVE_ALERT_MS     10      /* an alert waits this long for the state file */
#define SAVE_QUIET_MS     1000    /* baseline changes alone are written this often */
#define SAVE_RETRY_MS     60000   /* after a failed write */
#define PENDING_MAX       65536   /* alerts waiting for the state file */

struct batch {
	struct monitor_event *ev;
	size_t n;
	uint64_t dropped;          /* alerts dropped before this batch */
	monitor_event_fn *hook;
	void *hook_arg;
	struct alertcmd *ac;
	char **argv;               /* a copy; NULL none */
	struct batch *next;
};

struct outbox {
	struct event_base *base;
	struct bstore *bs;
	char *dir;                 /* the store's StateDir, NULL in memory only */
	outbox_dest_fn *dest;
	void *dest_arg;

	/* monitor thread */
	struct due_timer save;     /* the next save_now() */
	struct event *done_ev;
	struct monitor_event *q;   /* alerts not handed over yet */
	size_t n_q, cap_q;
	uint64_t dropped;

	/* the hand-over */
	pthread_mutex_t lock;
	pthread_cond_t work;       /* the writer: something to do */
	pthread_cond_t idle;       /* outbox_sync(): the writer is done */
	char *buf;
	size_t len;
	struct batch *head, **tail;
	size_t n_waiting;
	bool busy, failed, stop;
	pthread_t thread;

	/* writer thread */
	char save_err[256];        /* last write error logged */
};

/* ---- writer thread ---- */

static bool
write_file(struct outbox *o, const char *buf, size_t len)
{
	char err[256];

	if (bstore_write(o->dir, buf, len, err, sizeof err) != 0) {
		if (strcmp(err, o->save_err) != 0)
			log_errx("SMD1856E TLS baselines not saved: %s; retrying every %d s",
			    err, SAVE_RETRY_MS / 1000);
		str_copy(o->save_err, err, sizeof o->save_err);
		return false;
	}
	if (o->save_err[0] != '\0') {
		log_info("SMD1856I TLS baselines saved again in %s", o->dir);
		o->save_err[0] = '\0';
	}
	return true;
}

static void
command(const struct batch *b, const struct monitor_event *ev)
{
	char addr[64];
	struct alert_facts f = {
		.alert = ev->kind == MONITOR_EV_TLS_DOWNGRADE ? "downgrade" :
		    ev->kind == MONITOR_EV_TLS_RECOVERED ? "recovery" : "information",
		.event = ev->tls_event, .target = ev->target, .address = addr,
		.name = ev->name, .port = ev->port, .index = ev->index,
		.old_tls = ev->old_tls_text, .new_tls = ev->new_tls_text,
		.old_cipher = ev->old_cipher_name ? ev->old_cipher_name : ev->old_cipher_text,
		.new_cipher = ev->new_cipher_name ? ev->new_cipher_name : ev->new_cipher_text,
		.when = ev->when,
		.detail = ev->detail,
		.old_rating = ev->old_rating, .new_rating = ev->new_rating,
		.rating_part = ev->rating_part,
	};

	alert_address_of(ev->target, addr, sizeof addr);
	alertcmd_post(b->ac, b->argv, &f);
}

static void
batch_free(struct batch *b)
{
	if (b->argv != NULL) {
		for (size_t i = 0; b->argv[i] != NULL; i++)
			free(b->argv[i]);
		free(b->argv);
	}
	free(b->ev);
	free(b);
}

/* The state file is written (or could not be): hand the batches' alerts
 * over to the hook and AlertCommand; how many. */
static size_t
announce(struct batch *b)
{
	size_t done = 0;

	while (b != NULL) {
		struct batch *next = b->next;

		for (size_t i = 0; i < b->n; i++) {
			if (b->hook != NULL)
				b->hook(&b->ev[i], b->hook_arg);
			if (b->argv != NULL)
				command(b, &b->ev[i]);
		}
		done += b->n;
		if (b->dropped > 0)
			log_warnx("SMD1856E %llu TLS alerts were not sent: more than %d waited for "
			    "the state file", (unsigned long long)b->dropped, PENDING_MAX);
		batch_free(b);
		b = next;
	}
	return done;
}

static void *
writer(void *arg)
{
	struct outbox *o = arg;

	pthread_mutex_lock(&o->lock);
	for (;;) {
		struct batch *b;
		char *buf;
		size_t len, n;
		bool failed;

		while (o->buf == NULL && o->head == NULL && !o->stop)
			pthread_cond_wait(&o->work, &o->lock);
		if (o->buf == NULL && o->head == NULL)
			break;
		buf = o->buf;
		len = o->len;
		o->buf = NULL;
		b = o->head;
		o->head = NULL;
		o->tail = &o->head;
		o->busy = true;
		pthread_mutex_unlock(&o->lock);

		failed = buf != NULL && !write_file(o, buf, len);
		free(buf);
		n = announce(b);

		pthread_mutex_lock(&o->lock);
		o->n_waiting -= n;
		o->busy = false;
		o->failed |= failed;
		pthread_cond_broadcast(&o->idle);
		if (failed) {
			pthread_mutex_unlock(&o->lock);
			event_active(o->done_ev, EV_READ, 0);
			pthread_mutex_lock(&o->lock);
		}
	}
	pthread_mutex_unlock(&o->lock);
	return NULL;
}

/* ---- monitor thread ---- */

static char **
argv_dup(char *const *argv)
{
	size_t n = 0;
	char **copy;

	if (argv == NULL)
		return NULL;
	while (argv[n] != NULL)
		n++;
	copy = xcalloc(n + 1, sizeof(*copy));
	for (size_t i = 0; i < n; i++)
		copy[i] = xstrdup(argv[i]);
	return copy;
}

/* Render what changed and hand it over with the alerts queued. */
static void
save_now(struct outbox *o)
{
	struct batch *b = NULL;
	char *buf;
	size_t len;
	bool have;

	o->save.pending = false;
	have = bstore_render(o->bs, time(NULL), false, &buf, &len);
	if (o->n_q > 0 || o->dropped > 0) {
		b = xcalloc(1, sizeof(*b));
		b->ev = o->q;
		b->n = o->n_q;
		b->dropped = o->dropped;
		o->q = NULL;
		o->n_q = o->cap_q = 0;
		o->dropped = 0;
		if (b->n > 0) {
			struct outbox_dest d = { 0 };

			o->dest(o->dest_arg, &d);
			b->hook = d.hook;
			b->hook_arg = d.hook_arg;
			b->ac = d.ac;
			b->argv = d.ac != NULL ? argv_dup(d.argv) : NULL;
		}
	}
	if (!have && b == NULL)
		return;
	pthread_mutex_lock(&o->lock);
	if (have) {
		free(o->buf);              /* coalesced: this render has it all */
		o->buf = buf;
		o->len = len;
	}
	if (b != NULL) {
		*o->tail = b;
		o->tail = &b->next;
		o->n_waiting += b->n;
	}
	pthread_cond_signal(&o->work);
	pthread_mutex_unlock(&o->lock);
}

/* A write failed: the store is written again later. */
static void
check_failed(struct outbox *o)
{
	bool failed;

	pthread_mutex_lock(&o->lock);
	failed = o->failed;
	o->failed = false;
	pthread_mutex_unlock(&o->lock);
	if (failed) {
		bstore_mark(o->bs);
		due_timer_in(&o->save, SAVE_RETRY_MS);
	}
}

static void
on_save(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	save_now(arg);
}

static void
on_done(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	check_failed(arg);
}

/* What outbox_new() made, once no writer thread runs. */
static void
destroy(struct outbox *o)
{
	event_free(o->save.ev);
	event_free(o->done_ev);
	pthread_mutex_destroy(&o->lock);
	pthread_cond_destroy(&o->work);
	pthread_cond_destroy(&o->idle);
	free(o->q);
	free(o->dir);
	free(o);
}

struct outbox *
outbox_new(struct event_base *base, struct bstore *bs, outbox_dest_fn *dest, void *dest_arg,
    char *err, size_t errlen)
{
	struct outbox *o = xcalloc(1, sizeof(*o));
	sigset_t all, old;
	int rc;

	o->base = base;
	o->bs = bs;
	o->dir = bstore_dir(bs) != NULL ? xstrdup(bstore_dir(bs)) : NULL;
	o->dest = dest;
	o->dest_arg = dest_arg;
	o->save.ev = evtimer_new(base, on_save, o);
	o->done_ev = event_new(base, -1, 0, on_done, o);
	o->tail = &o->head;
	pthread_mutex_init(&o->lock, NULL);
	pthread_cond_init(&o->work, NULL);
	pthread_cond_init(&o->idle, NULL);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&o->thread, NULL, writer, o);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "TLS baselines: cannot start the writer thread: %s",
		    strerror(rc));
		destroy(o);
		return NULL;
	}
	return o;
}

void
outbox_free(struct outbox *o)
{
	if (o == NULL)
		return;
	outbox_sync(o);
	pthread_mutex_lock(&o->lock);
	o->stop = true;
	pthread_cond_signal(&o->work);
	pthread_mutex_unlock(&o->lock);
	pthread_join(o->thread, NULL);
	destroy(o);
}

void
outbox_alert(struct outbox *o, const struct monitor_event *ev)
{
	size_t waiting;

	pthread_mutex_lock(&o->lock);
	waiting = o->n_waiting;
	pthread_mutex_unlock(&o->lock);
	if (o->n_q + waiting >= PENDING_MAX) {
		o->dropped++;
	} else {
		if (o->n_q == o->cap_q) {
			o->cap_q = o->cap_q ? o->cap_q * 2 : 16;
			o->q = xrealloc(o->q, o->cap_q * sizeof(*o->q));
		}
		o->q[o->n_q++] = *ev;
	}
	due_timer_in(&o->save, SAVE_ALERT_MS);
}

void
outbox_changed(struct outbox *o)
{
	bstore_mark(o->bs);
	due_timer_in(&o->save, SAVE_QUIET_MS);
}

void
outbox_sync(struct outbox *o)
{
	save_now(o);
	pthread_mutex_lock(&o->lock);
	while (o->buf != NULL || o->head != NULL || o->busy)
		pthread_cond_wait(&o->idle, &o->lock);
	pthread_mutex_unlock(&o->lock);
	check_failed(o);
}
