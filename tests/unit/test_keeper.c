/* Unit tests for agent/keeper (what a kept monitor connection's life
 * teaches a target): an idle close is learned but applied only after a
 * fresh READY, a server stopped for good teaches nothing, closes of young
 * connections back off (x2, capped, never over ConnectRetry), a throttle
 * lowers the budget at once, failed fresh connections back off (x2 per
 * failure, at most x32, x4 after a 421, capped). */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "keeper.h"

#define CFG_NOOP_MS 60000u
#define CFG_BUDGET  0u
#define RETRY_MS    120000u
#define OLD_US      600000000u     /* a connection 10 min old */
#define YOUNG_US    2000000u       /* ... 2 s old */
#define TIMEOUT     "421 4.4.2 mx.example Error: timeout exceeded"

static void
test_idle_close_after_ready(void **state)
{
	struct keeper k;
	struct keeper_view v;

	(void)state;
	memset(&k, 0, sizeof k);
	assert_int_equal(keeper_noop_ms(&k, CFG_NOOP_MS), CFG_NOOP_MS);
	/* Postfix smtpd_timeout after 30 s idle: reconnect at once */
	assert_int_equal(keeper_closed(&k, MLIMIT_END_IDLE, SMTP_S_IDLE, 30000000u, 3, TIMEOUT,
	    OLD_US, RETRY_MS), 0);
	/* not in force before the fresh connection is READY */
	assert_int_equal(keeper_noop_ms(&k, CFG_NOOP_MS), CFG_NOOP_MS);
	keeper_view(&k, CFG_NOOP_MS, CFG_BUDGET, &v);
	assert_int_equal(v.learned_idle_ms, 0);
	/* READY: in force, and news once */
	assert_true(keeper_ready(&k));
	assert_int_equal(keeper_noop_ms(&k, CFG_NOOP_MS), 24000u);   /* 80 % of 30 s */
	keeper_view(&k, CFG_NOOP_MS, CFG_BUDGET, &v);
	assert_int_equal(v.learned_idle_ms, 30000u);
	assert_int_equal(v.noop_interval_ms, 24000u);
	assert_int_equal(v.noop_budget, 0);
	assert_false(keeper_ready(&k));
	assert_int_equal(keeper_noop_ms(&k, CFG_NOOP_MS), 24000u);
	/* a loss teaches nothing */
	assert_int_equal(keeper_closed(&k, MLIMIT_END_LOST, SMTP_S_NOOP, 30000000u, 1, NULL,
	    OLD_US, RETRY_MS), 0);
	assert_false(keeper_ready(&k));
	assert_int_equal(keeper_noop_ms(&k, CFG_NOOP_MS), 24000u);
}

static void
test_stopped_teaches_nothing(void **state)
{
	struct keeper k;

	(void)state;
	memset(&k, 0, sizeof k);
	keeper_closed(&k, MLIMIT_END_IDLE, SMTP_S_IDLE, 30000000u, 3, TIMEOUT, OLD_US, RETRY_MS);
	/* the fresh connection failed: the server went away */
	keeper_forget_lesson(&k);
	assert_false(keeper_ready(&k));
	assert_int_equal(keeper_noop_ms(&k, CFG_NOOP_MS), CFG_NOOP_MS);
}

static void
test_young_backoff(void **state)
{
	struct keeper k;
	uint64_t want = 1000;

	(void)state;
	memset(&k, 0, sizeof k);
	/* the first young close: at once */
	assert_int_equal(keeper_closed(&k, MLIMIT_END_LOST, SMTP_S_IDLE, 0, 1, NULL, YOUNG_US,
	    UINT64_MAX), 0);
	/* then 1 s, 2 s, 4 s, ... up to x1024 */
	for (int i = 0; i < 11; i++, want *= 2)
		assert_int_equal(keeper_closed(&k, MLIMIT_END_LOST, SMTP_S_IDLE, 0, 1, NULL,
		    YOUNG_US, UINT64_MAX), want);
	assert_int_equal(keeper_closed(&k, MLIMIT_END_LOST, SMTP_S_IDLE, 0, 1, NULL, YOUNG_US,
	    UINT64_MAX), 1024000u);
	/* never over ConnectRetry */
	assert_int_equal(keeper_closed(&k, MLIMIT_END_LOST, SMTP_S_IDLE, 0, 1, NULL, YOUNG_US,
	    RETRY_MS), RETRY_MS);
	/* a close of an old connection starts over */
	assert_int_equal(keeper_closed(&k, MLIMIT_END_LOST, SMTP_S_IDLE, 0, 1, NULL,
	    (uint64_t)KEEPER_YOUNG_CLOSE_MS * 1000u, RETRY_MS), 0);
	assert_int_equal(keeper_closed(&k, MLIMIT_END_LOST, SMTP_S_IDLE, 0, 1, NULL, YOUNG_US,
	    RETRY_MS), 0);
	assert_int_equal(keeper_closed(&k, MLIMIT_END_IDLE, SMTP_S_IDLE, 0, 1, NULL, YOUNG_US,
	    RETRY_MS), 1000u);
}

static void
test_throttle_budget(void **state)
{
	struct keeper k;
	struct keeper_view v;

	(void)state;
	memset(&k, 0, sizeof k);
	assert_int_equal(keeper_budget(&k, 20), 20);
	assert_int_equal(keeper_budget(&k, 0), 0);
	/* the reply to NOOP 6 throttled: 5 from now on, at once */
	assert_true(keeper_throttled(&k, 6));
	assert_int_equal(keeper_budget(&k, 20), 5);
	assert_int_equal(keeper_budget(&k, 0), 5);
	assert_int_equal(keeper_budget(&k, 3), 3);
	keeper_view(&k, CFG_NOOP_MS, 20, &v);
	assert_int_equal(v.learned_budget, 5);
	assert_int_equal(v.noop_budget, 5);
	/* only ever down */
	assert_false(keeper_throttled(&k, 9));
	assert_int_equal(keeper_budget(&k, 20), 5);
}

/* ConnectRetry x2 per failure after the first, at most x32, x4 after a
 * 421, capped at an hour unless ConnectRetry itself is longer */
static void
test_failure_backoff(void **state)
{
	(void)state;
	assert_int_equal(keeper_backoff_ms(1, false, 1000), 1000);
	assert_int_equal(keeper_backoff_ms(2, false, 1000), 2000);
	assert_int_equal(keeper_backoff_ms(6, false, 1000), 32000);
	assert_int_equal(keeper_backoff_ms(50, false, 1000), 32000);
	assert_int_equal(keeper_backoff_ms(1, true, 1000), 4000);
	assert_int_equal(keeper_backoff_ms(0, false, 1000), 1000);
	assert_int_equal(keeper_backoff_ms(6, true, 60000), KEEPER_BACKOFF_CAP_MS);
	assert_int_equal(keeper_backoff_ms(2, false, 7200000), 14400000);
	/* ConnectRetry 33554432ms (allowed) x32 x4 is 2^32: saturates, never 0 */
	assert_int_equal(keeper_backoff_ms(6, true, 33554432u), UINT32_MAX);
	assert_int_equal(keeper_backoff_ms(6, true, 86400000u), UINT32_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_close_after_ready),
		cmocka_unit_test(test_stopped_teaches_nothing),
		cmocka_unit_test(test_young_backoff),
		cmocka_unit_test(test_throttle_budget),
		cmocka_unit_test(test_failure_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
