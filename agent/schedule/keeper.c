/* agent/schedule/keeper.c: see keeper.h. */
#include "buildconf.h"
#include "keeper.h"

uint64_t
keeper_closed(struct keeper *kp, enum mlimit_end k, enum smtp_state st, uint64_t idle_us,
    unsigned noops, const char *reply, uint64_t since_ready_us, uint64_t retry_ms)
{
	uint64_t delay = 0;

	if (since_ready_us < (uint64_t)KEEPER_YOUNG_CLOSE_MS * 1000u)
		kp->young_closes++;
	else
		kp->young_closes = 0;
	if (kp->young_closes > 1) {
		/* a server that ends every connection at once: no storm */
		unsigned shift = kp->young_closes - 2 > 10 ? 10 : kp->young_closes - 2;

		delay = 1000ull << shift;
		if (delay > retry_ms)
			delay = retry_ms;
	}
	if (k != MLIMIT_END_LOST) {
		kp->lesson = kp->lim;
		kp->lesson_news = mlimit_learn_close(&kp->lesson, k, st, idle_us, noops, reply);
		kp->lesson_pending = true;
	}
	return delay;
}

#define BACKOFF_MAX_SHIFT 5

uint32_t
keeper_backoff_ms(unsigned fails, bool was_421, uint32_t retry_ms)
{
	uint64_t ms = retry_ms;
	unsigned shift = fails > 0 ? fails - 1 : 0;

	if (shift > BACKOFF_MAX_SHIFT)
		shift = BACKOFF_MAX_SHIFT;
	ms <<= shift;
	if (was_421)
		ms *= 4;
	if (ms > KEEPER_BACKOFF_CAP_MS && retry_ms < KEEPER_BACKOFF_CAP_MS)
		ms = KEEPER_BACKOFF_CAP_MS;
	if (ms > UINT32_MAX)           /* a ConnectRetry of days, multiplied */
		ms = UINT32_MAX;
	return (uint32_t)ms;
}

bool
keeper_ready(struct keeper *kp)
{
	bool news = kp->lesson_news;

	if (kp->lesson_pending) {
		kp->lim = kp->lesson;
		kp->lesson_pending = false;
	}
	kp->lesson_news = false;
	return news;
}

void
keeper_forget_lesson(struct keeper *kp)
{
	kp->lesson_pending = kp->lesson_news = false;
}

bool
keeper_throttled(struct keeper *kp, unsigned noops)
{
	return mlimit_learn_throttle(&kp->lim, noops);
}

uint32_t
keeper_noop_ms(const struct keeper *kp, uint32_t cfg_ms)
{
	return mlimit_noop_ms(&kp->lim, cfg_ms);
}

unsigned
keeper_budget(const struct keeper *kp, unsigned cfg)
{
	return mlimit_budget(&kp->lim, cfg);
}

void
keeper_view(const struct keeper *kp, uint32_t cfg_ms, unsigned cfg_budget, struct keeper_view *v)
{
	v->learned_idle_ms = kp->lim.idle_ms;
	v->learned_budget = kp->lim.budget;
	v->noop_interval_ms = keeper_noop_ms(kp, cfg_ms);
	v->noop_budget = keeper_budget(kp, cfg_budget);
}
