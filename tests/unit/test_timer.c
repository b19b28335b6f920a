/* Unit tests for agent/timer: jitter_ms() stays within ms +- pct% and
 * reaches both ends; no jitter when the span rounds to nothing. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "timer.h"

static void
test_jitter_bounds(void **state)
{
	uint32_t lo = UINT32_MAX, hi = 0;

	(void)state;
	srandom(1);
	for (int i = 0; i < 20000; i++) {
		uint32_t v = jitter_ms(1000, 20);

		assert_in_range(v, 800, 1200);
		if (v < lo)
			lo = v;
		if (v > hi)
			hi = v;
	}
	/* 401 values, 20,000 draws: both ends are seen */
	assert_int_equal(lo, 800);
	assert_int_equal(hi, 1200);
	for (int i = 0; i < 1000; i++)
		assert_in_range(jitter_ms(3600000, 10), 3240000, 3960000);
}

static void
test_jitter_none(void **state)
{
	(void)state;
	assert_int_equal(jitter_ms(1000, 0), 1000);
	assert_int_equal(jitter_ms(4, 20), 4);      /* 4 * 20% rounds to 0 */
	assert_int_equal(jitter_ms(0, 50), 0);
	assert_in_range(jitter_ms(5, 20), 4, 6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jitter_bounds),
		cmocka_unit_test(test_jitter_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
