/* agent/schedule/publisher.c: see publisher.h. */
#include "buildconf.h"
#include "publisher.h"
#include "registry.h"
#include "timer.h"
#include "util.h"

#include <stdbool.h>
#include <stdlib.h>

#include <event2/event.h>

struct publisher {
	struct registry *reg;
	publisher_totals_fn *totals;
	void *arg;
	struct due_timer t;        /* the pending publish */
};

static void
on_publish(evutil_socket_t fd, short what, void *arg)
{
	struct publisher *p = arg;
	struct publish_totals t = { 0 };

	(void)fd, (void)what;
	p->t.pending = false;
	p->totals(p->arg, &t);
	registry_set_totals(p->reg, t.started, t.probes_done, t.probe_failures,
	    t.targets_configured);
	registry_publish(p->reg);
}

struct publisher *
publisher_new(struct event_base *base, struct registry *reg, publisher_totals_fn *totals,
    void *arg)
{
	struct publisher *p = xcalloc(1, sizeof(*p));

	p->reg = reg;
	p->totals = totals;
	p->arg = arg;
	p->t.ev = evtimer_new(base, on_publish, p);
	return p;
}

void
publisher_free(struct publisher *p)
{
	if (p == NULL)
		return;
	if (p->t.ev)
		event_free(p->t.ev);
	free(p);
}

void
publisher_in(struct publisher *p, uint64_t ms)
{
	due_timer_in(&p->t, ms);
}
