/* probes/timer.h: delays for libevent timers, shared by the loop's
 * modules above (agent/schedule/monitor, targets, publisher;
 * agent/output/outbox), and the start routine of a thread that runs a loop.
 *
 * jitter_ms() spreads load: ms plus or minus pct percent, drawn with
 * random() (the caller seeds it); pct 0 or a span that rounds to 0 gives ms
 * itself. add_timer_ms() (re)arms a timer event ms milliseconds from now.
 * due_timer_in() arms a struct due_timer to fire within ms milliseconds,
 * unless it is already due sooner: an earlier deadline stands; its event's
 * callback sets pending back to false. All three run on the thread that
 * owns the event's base. loop_thread() is a
 * pthread start routine: it runs the event_base given as its argument until
 * event_base_loopbreak(), also while nothing is pending (a daemon's loop
 * waits for what other threads post), and returns NULL.
 */
#ifndef SMTPMON_TIMER_H
#define SMTPMON_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct event;

/* A timer event and the deadline it is armed for. */
struct due_timer {
	struct event *ev;
	bool pending;              /* armed, not fired yet */
	uint64_t due;              /* monotonic us it fires at, while pending */
};

/* ms +- pct% (pct at most 100), uniformly at random. */
uint32_t jitter_ms(uint32_t ms, unsigned pct);
/* evtimer_add(ev) ms milliseconds from now. */
void add_timer_ms(struct event *ev, uint64_t ms);
/* t->ev fires within ms milliseconds; an earlier pending deadline stands. */
void due_timer_in(struct due_timer *t, uint64_t ms);
/* pthread_create(&t, NULL, loop_thread, base) */
void *loop_thread(void *base);

#endif
