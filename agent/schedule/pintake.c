/* agent/schedule/pintake.c: see pintake.h. */
#include "buildconf.h"
#include "pintake.h"
#include "alertcmd.h"
#include "appldata.h"
#include "appldata_log.h"
#include "config.h"
#include "log.h"
#include "passive.h"
#include "preport.h"
#include "pserver.h"
#include "registry.h"
#include "tlswatch.h"
#include "util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct pintake {
	struct registry *reg;
	struct pintake_owner own;

	pthread_mutex_t lock;      /* guards the mailbox below */
	pthread_cond_t room;       /* the mailbox has room again */
	bool stop;
	struct passive_session *mbox_ps;  /* sessions from the passive probe, a ring */
	size_t mbox_ps_head, mbox_ps_n;
	uint64_t mbox_ps_dropped;
	struct reg_passive mbox_pstats;
	bool mbox_pstats_set;

	/* the passive probe's servers (owner's thread) */
	struct pserver_table *ptab;
	struct passive_session *ps_batch; /* taken out of the mailbox */
	uint64_t ps_dropped_logged;
	uint64_t passive_alerts;
	struct reg_passive pstats;      /* the probe's last figures, as published */
	bool pstats_set;
};

struct pintake *
pintake_new(struct registry *reg, const struct pintake_owner *owner)
{
	struct pintake *pi = xcalloc(1, sizeof(*pi));

	pi->reg = reg;
	pi->own = *owner;
	pthread_mutex_init(&pi->lock, NULL);
	pthread_cond_init(&pi->room, NULL);
	return pi;
}

void
pintake_free(struct pintake *pi)
{
	if (pi == NULL)
		return;
	pserver_free(pi->ptab);
	free(pi->mbox_ps);
	free(pi->ps_batch);
	pthread_mutex_destroy(&pi->lock);
	pthread_cond_destroy(&pi->room);
	free(pi);
}

static void
passive_alert(struct pintake *pi, const struct config *cfg, const struct pserver_view *v,
    const struct pserver_alert *a)
{
	char text[512];
	struct monitor_event ev;

	preport_alert_text(a, text, sizeof text);
	if (a->suppressed) {
		log_warnx("SMD1863W passive alert suppressed (more than %d of this event in %d s): %s",
		    PSERVER_FLAP_MAX, PSERVER_FLAP_WINDOW_S, text);
		return;
	}
	log_warnx("SMD1860W passive %s", text);
	pi->passive_alerts++;
	memset(&ev, 0, sizeof ev);
	ev.kind = MONITOR_EV_PASSIVE;
	ev.index = v->index;
	str_copy(ev.target, v->target, sizeof ev.target);
	if (v->family == AF_INET6) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ev.addr;

		a6->sin6_family = AF_INET6;
		memcpy(&a6->sin6_addr, v->addr, 16);
		a6->sin6_port = htons(v->port);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&ev.addr;

		a4->sin_family = AF_INET;
		memcpy(&a4->sin_addr, v->addr, 4);
		a4->sin_port = htons(v->port);
	}
	ev.port = v->port;
	str_copy(ev.tls_event, ps_event_name(a->ev), sizeof ev.tls_event);
	ev.old_tls = a->old_tls;
	ev.new_tls = a->new_tls;
	ev.old_cipher = -1;
	ev.new_cipher = a->cipher_id;
	tlswatch_event_names(&ev);
	ev.when = a->when;
	str_copy(ev.client, a->client, sizeof ev.client);
	str_copy(ev.detail, a->detail, sizeof ev.detail);
	pi->own.event(pi->own.arg, &ev);
	if (cfg->alert_argv != NULL) {
		char addr[64];
		struct alert_facts f = {
			.alert = "passive", .event = ev.tls_event, .target = ev.target,
			.address = addr, .name = "", .port = ev.port, .index = ev.index,
			.old_tls = ev.old_tls_text, .new_tls = ev.new_tls_text,
			.old_cipher = ev.old_cipher_name ? ev.old_cipher_name : ev.old_cipher_text,
			.new_cipher = ev.new_cipher_name ? ev.new_cipher_name : ev.new_cipher_text,
			.when = ev.when, .client = ev.client, .detail = ev.detail,
		};

		alert_address_of(ev.target, addr, sizeof addr);
		alertcmd_post(pi->own.alertcmd(pi->own.arg), cfg->alert_argv, &f);
	}
}

static void
passive_take(struct pintake *pi, const struct config *cfg, struct appldata_log *alog,
    const struct passive_session *s)
{
	struct pserver_alert al[PS_EV_COUNT];
	struct pserver_hint hint;
	const struct pserver_view *v;
	char rec[APPLDATA_LEN + 1];
	size_t n = 0;

	if (pi->ptab == NULL)
		pi->ptab = pserver_new(PSERVER_MAX_DEFAULT, cfg->writer);
	hint = pi->own.hint(pi->own.arg, s->server_text);
	v = pserver_observe(pi->ptab, s, &hint, al, &n, rec);
	appldata_log_write(alog, s->client_text, s->server_text, "passive", rec);
	if (v == NULL) {
		if (pserver_dropped(pi->ptab) == 1)
			log_warnx("SMD1862W passive probe: more than %d servers seen; sessions of "
			    "further servers are logged but not tabulated", PSERVER_MAX_DEFAULT);
		return;
	}
	registry_passive_put(pi->reg, v);
	for (size_t i = 0; i < n; i++)
		passive_alert(pi, cfg, v, &al[i]);
	pi->own.publish(pi->own.arg, n > 0);
}

void
pintake_post(struct pintake *pi, const struct passive_session *s, bool wait,
    const struct reg_passive *figures)
{
	bool wake;

	pthread_mutex_lock(&pi->lock);
	if (figures != NULL) {
		pi->mbox_pstats = *figures;
		pi->mbox_pstats_set = true;
	}
	while (wait && pi->mbox_ps_n >= PINTAKE_QUEUE && !pi->stop)
		pthread_cond_wait(&pi->room, &pi->lock);
	if (pi->mbox_ps_n >= PINTAKE_QUEUE) {
		pi->mbox_ps_dropped++;
		pthread_mutex_unlock(&pi->lock);
		return;
	}
	if (pi->mbox_ps == NULL)
		pi->mbox_ps = xmalloc(PINTAKE_QUEUE * sizeof(*pi->mbox_ps));
	memcpy(&pi->mbox_ps[(pi->mbox_ps_head + pi->mbox_ps_n) % PINTAKE_QUEUE], s,
	    sizeof(*s));
	pi->mbox_ps[(pi->mbox_ps_head + pi->mbox_ps_n) % PINTAKE_QUEUE].end_reason = NULL;
	wake = pi->mbox_ps_n++ == 0;
	pthread_mutex_unlock(&pi->lock);
	if (wake)
		pi->own.wake(pi->own.arg);
}

void
pintake_post_stats(struct pintake *pi, const struct reg_passive *p)
{
	pthread_mutex_lock(&pi->lock);
	pi->mbox_pstats = *p;
	pi->mbox_pstats_set = true;
	pthread_mutex_unlock(&pi->lock);
	pi->own.wake(pi->own.arg);
}

void
pintake_stop(struct pintake *pi)
{
	pthread_mutex_lock(&pi->lock);
	pi->stop = true;
	pthread_cond_broadcast(&pi->room);   /* a file reader waiting for room */
	pthread_mutex_unlock(&pi->lock);
}

/* Take in what the passive probe posted, a batch at a time. */
void
pintake_drain(struct pintake *pi, const struct config *cfg, struct appldata_log *alog)
{
	struct reg_passive st;
	bool have_st, first = false;
	uint64_t dropped;

	/* one batch per wake-up, so that a capture file read at full speed
	 * cannot hold up the active probe's timers; the loop comes back for
	 * the rest at once */
	{
		size_t n = 0;
		bool more;

		pthread_mutex_lock(&pi->lock);
		if (pi->mbox_ps_n > 0) {
			if (pi->ps_batch == NULL)
				pi->ps_batch = xmalloc(PINTAKE_BATCH * sizeof(*pi->ps_batch));
			while (n < PINTAKE_BATCH && pi->mbox_ps_n > 0) {
				memcpy(&pi->ps_batch[n++], &pi->mbox_ps[pi->mbox_ps_head],
				    sizeof(*pi->ps_batch));
				pi->mbox_ps_head = (pi->mbox_ps_head + 1) % PINTAKE_QUEUE;
				pi->mbox_ps_n--;
			}
			pthread_cond_broadcast(&pi->room);
		}
		more = pi->mbox_ps_n > 0;
		pthread_mutex_unlock(&pi->lock);
		for (size_t i = 0; i < n; i++)
			passive_take(pi, cfg, alog, &pi->ps_batch[i]);
		if (more)
			pi->own.wake(pi->own.arg);
	}
	pthread_mutex_lock(&pi->lock);
	have_st = pi->mbox_pstats_set;
	st = pi->mbox_pstats;
	pi->mbox_pstats_set = false;
	dropped = pi->mbox_ps_dropped;
	pthread_mutex_unlock(&pi->lock);
	if (dropped > pi->ps_dropped_logged) {
		log_warnx("SMD1864W passive probe: %llu sessions dropped in all: the monitor thread "
		    "fell behind", (unsigned long long)dropped);
		pi->ps_dropped_logged = dropped;
	}
	if (have_st) {
		first = !pi->pstats_set;
		pi->pstats = st;
		pi->pstats_set = true;
	}
	/* the alerts counted here travel with the rows that announce them:
	 * also when the probe sent no new figures (a file read to its end) */
	if (pi->pstats_set && (have_st || pi->pstats.alerts != pi->passive_alerts)) {
		/* the first figures say the probe is on: readers see it at once */
		bool news = first || pi->pstats.alerts != pi->passive_alerts;

		pi->pstats.alerts = pi->passive_alerts;
		pi->pstats.servers_dropped = pi->ptab != NULL ? pserver_dropped(pi->ptab) : 0;
		pi->pstats.sessions_dropped = dropped;
		registry_set_passive(pi->reg, &pi->pstats);
		pi->own.publish(pi->own.arg, news);
	}
}
