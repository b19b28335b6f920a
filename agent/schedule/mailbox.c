/* agent/schedule/mailbox.c: see mailbox.h.
 *
 * A reset request is WAITING from its post until it is taken (or withdrawn
 * at its deadline), TAKEN until it is answered, then ANSWERED until its
 * poster has read the answer and lets the next poster in (reset_lock). */
#include "buildconf.h"
#include "mailbox.h"
#include "config.h"
#include "util.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

enum reset_state { RESET_NONE, RESET_WAITING, RESET_TAKEN, RESET_ANSWERED };

struct mailbox {
	void (*wake)(void *arg);
	void *arg;

	pthread_mutex_t lock;      /* guards what follows */
	struct config *cfg;
	bool stop;

	pthread_mutex_t reset_lock; /* one baseline reset at a time */
	pthread_cond_t reset_cond;
	enum reset_state reset;
	char reset_sel[MAILBOX_SEL_MAX];
	int reset_count;
};

struct mailbox *
mailbox_new(void (*wake)(void *arg), void *arg)
{
	struct mailbox *mb = xcalloc(1, sizeof(*mb));

	mb->wake = wake;
	mb->arg = arg;
	pthread_mutex_init(&mb->lock, NULL);
	pthread_mutex_init(&mb->reset_lock, NULL);
	pthread_cond_init(&mb->reset_cond, NULL);
	return mb;
}

void
mailbox_free(struct mailbox *mb)
{
	if (mb == NULL)
		return;
	config_free(mb->cfg);
	pthread_cond_destroy(&mb->reset_cond);
	pthread_mutex_destroy(&mb->reset_lock);
	pthread_mutex_destroy(&mb->lock);
	free(mb);
}

void
mailbox_post_reload(struct mailbox *mb, struct config *cfg)
{
	struct config *old;

	pthread_mutex_lock(&mb->lock);
	old = mb->cfg;
	mb->cfg = cfg;
	pthread_mutex_unlock(&mb->lock);
	config_free(old);
	mb->wake(mb->arg);
}

void
mailbox_post_stop(struct mailbox *mb)
{
	pthread_mutex_lock(&mb->lock);
	mb->stop = true;
	pthread_mutex_unlock(&mb->lock);
	mb->wake(mb->arg);
}

int
mailbox_reset(struct mailbox *mb, const char *sel)
{
	struct timespec until;
	int count = -1;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += MAILBOX_RESET_WAIT_MS / 1000;
	pthread_mutex_lock(&mb->reset_lock);
	pthread_mutex_lock(&mb->lock);
	str_copy(mb->reset_sel, sel, sizeof mb->reset_sel);
	mb->reset = RESET_WAITING;
	mb->wake(mb->arg);
	while (mb->reset == RESET_WAITING)
		if (pthread_cond_timedwait(&mb->reset_cond, &mb->lock, &until) != 0)
			break;
	/* taken: the owner is working on it and answers without fail */
	while (mb->reset == RESET_TAKEN)
		pthread_cond_wait(&mb->reset_cond, &mb->lock);
	if (mb->reset == RESET_ANSWERED)
		count = mb->reset_count;
	mb->reset = RESET_NONE;            /* answered, or withdrawn unseen */
	pthread_mutex_unlock(&mb->lock);
	pthread_mutex_unlock(&mb->reset_lock);
	return count;
}

void
mailbox_take(struct mailbox *mb, struct config **cfg, bool *stop, const char **reset_sel)
{
	pthread_mutex_lock(&mb->lock);
	*cfg = mb->cfg;
	mb->cfg = NULL;
	*stop = mb->stop;
	*reset_sel = NULL;
	if (mb->reset == RESET_WAITING) {
		mb->reset = RESET_TAKEN;
		*reset_sel = mb->reset_sel;
	}
	pthread_mutex_unlock(&mb->lock);
}

void
mailbox_answer_reset(struct mailbox *mb, int count)
{
	pthread_mutex_lock(&mb->lock);
	if (mb->reset == RESET_TAKEN) {
		mb->reset_count = count;
		mb->reset = RESET_ANSWERED;
		pthread_cond_broadcast(&mb->reset_cond);
	}
	pthread_mutex_unlock(&mb->lock);
}
