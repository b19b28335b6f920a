/* agent/schedule/startq.c: see startq.h. */
#include "buildconf.h"
#include "startq.h"
#include "util.h"

#include <stdlib.h>

struct startq_entry {
	void *item;                /* NULL once cancelled */
	int role;
	struct startq_entry *next;
};

struct startq {
	struct startq_entry *head, *tail;
	unsigned slots, busy;
	bool pumping;
	startq_start_fn *start;
	void *arg;
};

struct startq *
startq_new(unsigned slots, startq_start_fn *start, void *arg)
{
	struct startq *q = xcalloc(1, sizeof(*q));

	q->slots = slots;
	q->start = start;
	q->arg = arg;
	return q;
}

void
startq_free(struct startq *q)
{
	struct startq_entry *e, *next;

	if (q == NULL)
		return;
	for (e = q->head; e != NULL; e = next) {
		next = e->next;
		free(e);
	}
	free(q);
}

struct startq_entry *
startq_push(struct startq *q, void *item, int role)
{
	struct startq_entry *e = xcalloc(1, sizeof(*e));

	e->item = item;
	e->role = role;
	if (q->tail)
		q->tail->next = e;
	else
		q->head = e;
	q->tail = e;
	return e;
}

void
startq_cancel(struct startq_entry *e)
{
	e->item = NULL;
}

void
startq_pump(struct startq *q)
{
	if (q->pumping)
		return;
	q->pumping = true;
	while (q->busy < q->slots && q->head != NULL) {
		struct startq_entry *e = q->head;
		void *item = e->item;
		int role = e->role;

		q->head = e->next;
		if (q->head == NULL)
			q->tail = NULL;
		free(e);
		if (item != NULL)
			q->start(item, role, q->arg);
	}
	q->pumping = false;
}

void
startq_take(struct startq *q)
{
	q->busy++;
}

void
startq_put(struct startq *q)
{
	q->busy--;
}

unsigned
startq_busy(const struct startq *q)
{
	return q->busy;
}
