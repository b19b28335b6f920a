/* agent/schedule/startq.h: a start queue with a bound on the starts in
 * progress at once.
 *
 * A FIFO of (item, role) pairs waiting for a slot; agent/monitor queues its
 * connections here so that 10,000 targets start without a SYN storm.
 *
 *   startq_push()    queue (item, role) at the tail; the entry returned
 *                    stays valid until the start callback is called for
 *                    it (or startq_free())
 *   startq_cancel()  O(1): the item went away; its entry is skipped
 *   startq_pump()    while a slot is free: take the head and call start
 *                    (cancelled entries are dropped without a call).
 *                    A pump called from inside start returns at once; the
 *                    running one goes on, in queue order.
 *   startq_take() / startq_put()
 *                    a start in progress holds a slot from take to put;
 *                    start does not take one by itself (it may find
 *                    nothing to start)
 *
 * The queue does not pump by itself: its owner calls startq_pump() after a
 * push or a put.
 */
#ifndef SMTPMON_STARTQ_H
#define SMTPMON_STARTQ_H

#include <stdbool.h>

struct startq;
struct startq_entry;

/* Start item in role: called by startq_pump() for each entry in turn;
 * the entry is gone when it is called. */
typedef void startq_start_fn(void *item, int role, void *arg);

struct startq *startq_new(unsigned slots, startq_start_fn *start, void *arg);
/* Frees the entries still queued (no calls). */
void startq_free(struct startq *q);

struct startq_entry *startq_push(struct startq *q, void *item, int role);
void startq_cancel(struct startq_entry *e);
void startq_pump(struct startq *q);

void startq_take(struct startq *q);
void startq_put(struct startq *q);
/* Slots held now. */
unsigned startq_busy(const struct startq *q);

#endif
