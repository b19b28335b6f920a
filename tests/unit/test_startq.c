/* Unit tests for agent/startq (the start queue): starts in FIFO order,
 * cancelled entries skipped, never more slots held than allowed, a pump
 * from inside a start returns at once and the running one keeps order. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "startq.h"

struct rec {
	struct startq *q;
	int item[16];
	int role[16];
	unsigned n;
	bool take;                 /* each start holds a slot */
	bool reenter;              /* the first start pushes and pumps */
};

static void
start(void *item, int role, void *arg)
{
	struct rec *r = arg;

	r->item[r->n] = *(int *)item;
	r->role[r->n] = role;
	r->n++;
	if (r->take)
		startq_take(r->q);
	if (r->reenter) {
		static int late = 99;

		r->reenter = false;
		startq_push(r->q, &late, 1);
		startq_pump(r->q);     /* returns at once */
		assert_int_equal(r->n, 1);
	}
}

static int items[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };

static void
test_order(void **state)
{
	struct rec r = { 0 };

	(void)state;
	r.q = startq_new(8, start, &r);
	for (int i = 0; i < 4; i++)
		startq_push(r.q, &items[i], i % 2);
	assert_int_equal(r.n, 0);  /* no pump by itself */
	startq_pump(r.q);
	assert_int_equal(r.n, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(r.item[i], i);
		assert_int_equal(r.role[i], i % 2);
	}
	startq_pump(r.q);
	assert_int_equal(r.n, 4);
	startq_free(r.q);
}

static void
test_cancel(void **state)
{
	struct rec r = { 0 };
	struct startq_entry *e[4];

	(void)state;
	r.q = startq_new(8, start, &r);
	for (int i = 0; i < 4; i++)
		e[i] = startq_push(r.q, &items[i], 0);
	startq_cancel(e[0]);
	startq_cancel(e[2]);
	startq_pump(r.q);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.item[0], 1);
	assert_int_equal(r.item[1], 3);
	/* the last one cancelled: the queue is empty and takes more */
	e[0] = startq_push(r.q, &items[5], 0);
	startq_cancel(e[0]);
	startq_push(r.q, &items[6], 0);
	startq_pump(r.q);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.item[2], 6);
	/* freed with cancelled and live entries queued */
	startq_cancel(startq_push(r.q, &items[7], 0));
	startq_push(r.q, &items[7], 0);
	startq_free(r.q);
}

static void
test_slots(void **state)
{
	struct rec r = { 0 };

	(void)state;
	r.take = true;
	r.q = startq_new(2, start, &r);
	for (int i = 0; i < 5; i++)
		startq_push(r.q, &items[i], 0);
	startq_pump(r.q);
	assert_int_equal(r.n, 2);
	assert_int_equal(startq_busy(r.q), 2);
	startq_pump(r.q);
	assert_int_equal(r.n, 2);
	startq_put(r.q);
	startq_pump(r.q);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.item[2], 2);
	/* a start that holds no slot lets the next one go */
	r.take = false;
	startq_put(r.q);
	startq_put(r.q);
	startq_pump(r.q);
	assert_int_equal(r.n, 5);
	assert_int_equal(r.item[4], 4);
	assert_int_equal(startq_busy(r.q), 0);
	startq_free(r.q);
}

static void
test_reentry(void **state)
{
	struct rec r = { 0 };

	(void)state;
	r.reenter = true;
	r.q = startq_new(8, start, &r);
	startq_push(r.q, &items[0], 0);
	startq_push(r.q, &items[1], 0);
	startq_pump(r.q);
	/* the one pushed from inside comes after those queued before it */
	assert_int_equal(r.n, 3);
	assert_int_equal(r.item[0], 0);
	assert_int_equal(r.item[1], 1);
	assert_int_equal(r.item[2], 99);
	assert_int_equal(r.role[2], 1);
	startq_free(r.q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_reentry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
