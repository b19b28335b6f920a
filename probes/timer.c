/* probes/timer.c: see timer.h. */
#include "buildconf.h"
#include "timer.h"
#include "util.h"

#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

#include <event2/event.h>

uint32_t
jitter_ms(uint32_t ms, unsigned pct)
{
	/* ms +- pct%; random() is fine for spreading load */
	uint64_t span = (uint64_t)ms * pct / 100u;

	if (span == 0)
		return ms;
	return (uint32_t)((uint64_t)ms - span + (uint64_t)random() % (2 * span + 1));
}

void
add_timer_ms(struct event *ev, uint64_t ms)
{
	struct timeval tv = { .tv_sec = (time_t)(ms / 1000u),
	    .tv_usec = (suseconds_t)((ms % 1000u) * 1000u) };

	evtimer_add(ev, &tv);
}

void
due_timer_in(struct due_timer *t, uint64_t ms)
{
	uint64_t due = now_us() + ms * 1000u;

	if (t->pending && t->due <= due)
		return;
	t->pending = true;
	t->due = due;
	add_timer_ms(t->ev, ms);
}

void *
loop_thread(void *base)
{
	event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}
