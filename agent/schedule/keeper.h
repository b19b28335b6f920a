/* agent/schedule/keeper.h: what the life of a kept monitor connection
 * teaches, per target.
 *
 * agent/monitor keeps one monitor connection open per target; servers end
 * such connections (idle limits, NOOP limits) and slow their NOOP replies.
 * A struct keeper holds what one target's connections taught so far (the
 * limits, read through agent/mlimit) and decides:
 *
 *   keeper_closed()        an established monitor connection was ended by
 *                          the server or lost: what it teaches is kept as a
 *                          lesson, and the delay before the next connection
 *                          (a back-off when connections die young)
 *   keeper_backoff_ms()    the delay before the next try after consecutive
 *                          failures of fresh connections
 *   keeper_ready()         a fresh monitor connection is READY: the lesson
 *                          holds from now on
 *   keeper_forget_lesson() a fresh connection failed: a server stopped for
 *                          good teaches nothing
 *   keeper_throttled()     a NOOP reply was throttled: a lower budget
 *   keeper_noop_ms()       the NOOP interval in force
 *   keeper_budget()        the NOOP budget in force
 *   keeper_view()          the limits in force, for readers and the log
 *
 * Pure: no clock, no I/O, no logging; times are passed in. The struct is
 * embedded by value in its owner (zeroed: nothing learned); only keeper.c
 * reads its fields.
 */
#ifndef SMTPMON_KEEPER_H
#define SMTPMON_KEEPER_H

#include <stdbool.h>
#include <stdint.h>

#include "mlimit.h"

#define KEEPER_YOUNG_CLOSE_MS 10000u  /* a server close this soon after READY is "young" */

struct keeper {
	struct mlimit lim;          /* the server's limits learned so far */
	struct mlimit lesson;       /* ... and what the last server close taught,
	                             * applied once a fresh connection is READY */
	bool lesson_pending;
	bool lesson_news;           /* ... and it changed a limit */
	unsigned young_closes;      /* consecutive server closes of young connections */
};

/* The limits in force for a configured NoopInterval and NoopBudget. */
struct keeper_view {
	uint32_t learned_idle_ms;   /* 0 none */
	unsigned learned_budget;    /* 0 none */
	uint32_t noop_interval_ms;  /* keeper_noop_ms() */
	unsigned noop_budget;       /* keeper_budget() */
};

/* An established (READY) monitor connection ended: k as mlimit_end_kind()
 * read it, st its smtp_result's fail_state, idle_us the silence since the
 * last reply, noops the NOOPs answered, reply the server's last words (NULL
 * none), since_ready_us its age since READY. A server close (not
 * MLIMIT_END_LOST) is kept as the lesson of keeper_ready(). Returns the
 * delay in ms before the next connection: 0 (at once), or when the second
 * and further consecutive closes came within KEEPER_YOUNG_CLOSE_MS of READY
 * 1 s, 2 s, 4 s, ... (at most x1024), never over retry_ms. */
uint64_t keeper_closed(struct keeper *kp, enum mlimit_end k, enum smtp_state st,
    uint64_t idle_us, unsigned noops, const char *reply, uint64_t since_ready_us,
    uint64_t retry_ms);
/* The delay before the next try after fails (at least 1) consecutive
 * failures of fresh monitor connections, before jitter: retry_ms
 * (ConnectRetry) x2 per failure after the first, at most x32, x4 more after
 * a 421 reply; capped at KEEPER_BACKOFF_CAP_MS unless retry_ms is larger,
 * and at UINT32_MAX always (never wrapped). */
#define KEEPER_BACKOFF_CAP_MS (3600u * 1000u)
uint32_t keeper_backoff_ms(unsigned fails, bool was_421, uint32_t retry_ms);

/* A fresh monitor connection is READY: the pending lesson holds from now
 * on. Returns true when it changed a limit (news to log, once). */
bool keeper_ready(struct keeper *kp);
/* A fresh monitor connection failed: the pending lesson is dropped. */
void keeper_forget_lesson(struct keeper *kp);
/* The reply to NOOP number noops was throttled: the budget comes down at
 * once (mlimit_learn_throttle()). Returns true when it did. */
bool keeper_throttled(struct keeper *kp, unsigned noops);

/* The NOOP interval in force (cfg_ms: NoopInterval). */
uint32_t keeper_noop_ms(const struct keeper *kp, uint32_t cfg_ms);
/* The NOOP budget in force (cfg: NoopBudget, 0 none); 0 = no limit. */
unsigned keeper_budget(const struct keeper *kp, unsigned cfg);
void keeper_view(const struct keeper *kp, uint32_t cfg_ms, unsigned cfg_budget,
    struct keeper_view *v);

#endif
