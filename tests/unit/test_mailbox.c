/* Unit tests for agent/mailbox (the requests other threads make of the
 * monitor thread), with a fake owner: a reset request posted from another
 * thread is taken and answered, and its poster gets the answer; one not
 * taken by the deadline is withdrawn, one taken is waited for; a reload
 * replaces one not taken yet, whose configuration is freed; stop stays set.
 * config_free() is this file's, so that what is freed can be seen. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <cmocka.h>

#include "config.h"
#include "mailbox.h"

static struct config *freed[8];
static int n_freed;

void
config_free(struct config *cfg)
{
	if (cfg != NULL && n_freed < 8)
		freed[n_freed++] = cfg;
}

/* the owner: counts wake-ups, lets a test wait for one */
static pthread_mutex_t wlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wcond = PTHREAD_COND_INITIALIZER;
static int wakes;

static void
wake(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&wlock);
	wakes++;
	pthread_cond_broadcast(&wcond);
	pthread_mutex_unlock(&wlock);
}

static void
wait_wakes(int n)
{
	pthread_mutex_lock(&wlock);
	while (wakes < n)
		pthread_cond_wait(&wcond, &wlock);
	pthread_mutex_unlock(&wlock);
}

static int
setup(void **state)
{
	(void)state;
	n_freed = 0;
	wakes = 0;
	return 0;
}

struct poster {
	struct mailbox *mb;
	const char *sel;
	int answer;
};

static void *
post_reset(void *arg)
{
	struct poster *p = arg;

	p->answer = mailbox_reset(p->mb, p->sel);
	return NULL;
}

static void
test_reset_answered(void **state)
{
	struct mailbox *mb = mailbox_new(wake, NULL);
	struct poster p = { .mb = mb, .sel = "mx1.example:25", .answer = -2 };
	struct config *cfg;
	const char *sel;
	bool stop;
	pthread_t th;

	(void)state;
	mailbox_take(mb, &cfg, &stop, &sel);     /* nothing yet */
	assert_null(cfg);
	assert_false(stop);
	assert_null(sel);
	assert_int_equal(pthread_create(&th, NULL, post_reset, &p), 0);
	wait_wakes(1);
	mailbox_take(mb, &cfg, &stop, &sel);
	assert_null(cfg);
	assert_false(stop);
	assert_non_null(sel);
	assert_string_equal(sel, "mx1.example:25");
	mailbox_answer_reset(mb, 3);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(p.answer, 3);
	/* answered: a later take sees no request; a second reset goes too */
	mailbox_take(mb, &cfg, &stop, &sel);
	assert_null(sel);
	p.sel = "*";
	assert_int_equal(pthread_create(&th, NULL, post_reset, &p), 0);
	wait_wakes(2);
	mailbox_take(mb, &cfg, &stop, &sel);
	assert_non_null(sel);
	assert_string_equal(sel, "*");
	mailbox_answer_reset(mb, -1);           /* the owner is stopping */
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(p.answer, -1);
	mailbox_free(mb);
	assert_int_equal(n_freed, 0);
}

/* The deadline: a request not taken by then is withdrawn (-1, and the owner
 * never sees it); one taken before it is answered however long that takes.
 * Both at once, on two mailboxes: one wait of MAILBOX_RESET_WAIT_MS. */
static void
test_reset_deadline(void **state)
{
	struct mailbox *idle = mailbox_new(wake, NULL), *slow = mailbox_new(wake, NULL);
	struct poster pi = { .mb = idle, .sel = "*", .answer = -2 };
	struct poster ps = { .mb = slow, .sel = "*", .answer = -2 };
	struct timespec late = { .tv_sec = MAILBOX_RESET_WAIT_MS / 1000, .tv_nsec = 300000000 };
	struct config *cfg;
	const char *sel;
	bool stop;
	pthread_t ti, ts;

	(void)state;
	assert_int_equal(pthread_create(&ti, NULL, post_reset, &pi), 0);
	assert_int_equal(pthread_create(&ts, NULL, post_reset, &ps), 0);
	wait_wakes(2);
	mailbox_take(slow, &cfg, &stop, &sel);
	assert_non_null(sel);
	nanosleep(&late, NULL);                  /* past the deadline */
	assert_int_equal(pthread_join(ti, NULL), 0);
	assert_int_equal(pi.answer, -1);        /* withdrawn unseen */
	mailbox_take(idle, &cfg, &stop, &sel);
	assert_null(sel);
	mailbox_answer_reset(slow, 7);
	assert_int_equal(pthread_join(ts, NULL), 0);
	assert_int_equal(ps.answer, 7);         /* taken: waited for */
	mailbox_free(idle);
	mailbox_free(slow);
}

static void
test_reload_replaces(void **state)
{
	struct mailbox *mb = mailbox_new(wake, NULL);
	struct config *a = (struct config *)(void *)&freed[0];
	struct config *b = (struct config *)(void *)&freed[1];
	struct config *c = (struct config *)(void *)&freed[2];
	struct config *cfg;
	const char *sel;
	bool stop;

	(void)state;
	mailbox_post_reload(mb, a);
	assert_int_equal(wakes, 1);
	assert_int_equal(n_freed, 0);
	mailbox_post_reload(mb, b);             /* a was never taken: freed */
	assert_int_equal(wakes, 2);
	assert_int_equal(n_freed, 1);
	assert_ptr_equal(freed[0], a);
	mailbox_take(mb, &cfg, &stop, &sel);
	assert_ptr_equal(cfg, b);              /* the caller's now */
	assert_false(stop);
	assert_null(sel);
	mailbox_take(mb, &cfg, &stop, &sel);
	assert_null(cfg);
	assert_int_equal(n_freed, 1);
	mailbox_post_reload(mb, c);             /* not taken: freed with the mailbox */
	mailbox_free(mb);
	assert_int_equal(n_freed, 2);
	assert_ptr_equal(freed[1], c);
}

static void
test_stop(void **state)
{
	struct mailbox *mb = mailbox_new(wake, NULL);
	struct config *a = (struct config *)(void *)&freed[0];
	struct config *cfg;
	const char *sel;
	bool stop;

	(void)state;
	mailbox_post_stop(mb);
	assert_int_equal(wakes, 1);
	mailbox_post_reload(mb, a);
	mailbox_take(mb, &cfg, &stop, &sel);
	assert_true(stop);
	assert_ptr_equal(cfg, a);              /* handed over: the owner frees it */
	assert_null(sel);
	mailbox_take(mb, &cfg, &stop, &sel);    /* stop stays set */
	assert_true(stop);
	assert_null(cfg);
	mailbox_free(mb);
	assert_int_equal(n_freed, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reset_answered, setup),
		cmocka_unit_test_setup(test_reset_deadline, setup),
		cmocka_unit_test_setup(test_reload_replaces, setup),
		cmocka_unit_test_setup(test_stop, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
