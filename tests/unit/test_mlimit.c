/* Unit tests for agent/mlimit (how a kept monitor connection's end is read,
 * and the limits learned from it): the server closes of Postfix, Exim,
 * sendmail and Exchange as they arrive (reply code, text, state), a NOOP
 * timeout is a loss, throttles told apart from jitter, limits only come
 * down, the NOOP interval never under 1 s nor over NoopInterval. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mlimit.h"

#define S5 5000000u          /* 5 s of silence */

static void
test_end_kinds(void **state)
{
	(void)state;
	/* Postfix smtpd_timeout: "421 4.4.2 host Error: timeout exceeded" on an idle connection */
	assert_int_equal(mlimit_end_kind(SMTP_F_CLOSED, SMTP_S_IDLE, 421,
	    "421 4.4.2 mx.example Error: timeout exceeded", S5), MLIMIT_END_IDLE);
	/* Exchange: the connection just goes; a reset the same */
	assert_int_equal(mlimit_end_kind(SMTP_F_CLOSED, SMTP_S_IDLE, 0, NULL, S5), MLIMIT_END_IDLE);
	/* an unsolicited non-421 reply on an idle connection */
	assert_int_equal(mlimit_end_kind(SMTP_F_PROTOCOL, SMTP_S_IDLE, 554, "554 go away", S5),
	    MLIMIT_END_IDLE);
	/* Exim smtp_accept_max_nonmail: 554 (4.9x) or 421 (older) to the NOOP */
	assert_int_equal(mlimit_end_kind(SMTP_F_NOOP, SMTP_S_NOOP, 554,
	    "554 Too many nonmail commands", S5), MLIMIT_END_COMMAND);
	assert_int_equal(mlimit_end_kind(SMTP_F_NOOP, SMTP_S_NOOP, 421,
	    "421 mx.example too many nonmail commands", S5), MLIMIT_END_COMMAND);
	/* Postfix hard error limit */
	assert_int_equal(mlimit_end_kind(SMTP_F_NOOP, SMTP_S_NOOP, 421,
	    "421 4.7.0 mx.example Error: too many errors", S5), MLIMIT_END_COMMAND);
	/* the idle timer fired as our NOOP went out: the idle limit, in any case */
	assert_int_equal(mlimit_end_kind(SMTP_F_NOOP, SMTP_S_NOOP, 421,
	    "421 4.4.2 mx.example Error: Timeout exceeded", S5), MLIMIT_END_IDLE);
	assert_int_equal(mlimit_end_kind(SMTP_F_NOOP, SMTP_S_NOOP, 421,
	    "421 4.4.1 Connection timed out", S5), MLIMIT_END_IDLE);
	/* closed in answer to a NOOP without a reply */
	assert_int_equal(mlimit_end_kind(SMTP_F_CLOSED, SMTP_S_NOOP, 0, NULL, S5), MLIMIT_END_COMMAND);
	/* no answer to a NOOP within AnyCmd, TLS and protocol errors: losses */
	assert_int_equal(mlimit_end_kind(SMTP_F_TIMEOUT, SMTP_S_NOOP, 0, NULL, S5), MLIMIT_END_LOST);
	assert_int_equal(mlimit_end_kind(SMTP_F_TLS, SMTP_S_NOOP, 0, NULL, S5), MLIMIT_END_LOST);
	assert_int_equal(mlimit_end_kind(SMTP_F_PROTOCOL, SMTP_S_NOOP, 0, NULL, S5), MLIMIT_END_LOST);
	/* before classification nothing is a server close */
	assert_int_equal(mlimit_end_kind(SMTP_F_BANNER, SMTP_S_BANNER, 421, "421 busy", S5),
	    MLIMIT_END_LOST);
	assert_int_equal(mlimit_end_kind(SMTP_F_ABORTED, SMTP_S_IDLE, 0, NULL, S5), MLIMIT_END_LOST);
	/* Postfix's hard error limit past its soft one: 250, its 1 s error
	 * sleep, then "421 4.7.0 ... too many errors" */
	assert_int_equal(mlimit_end_kind(SMTP_F_CLOSED, SMTP_S_IDLE, 421,
	    "421 4.7.0 mx.example Error: too many errors", 1000400), MLIMIT_END_COMMAND);
	/* Postfix's hard error limit: 250 to the NOOP, then at once (idle 2 ms)
	 * "421 4.7.0 ... too many errors": that NOOP's doing */
	assert_int_equal(mlimit_end_kind(SMTP_F_CLOSED, SMTP_S_IDLE, 421,
	    "421 4.7.0 mx.example Error: too many errors", 2000), MLIMIT_END_COMMAND);
	/* ... a close without a word right after a reply too */
	assert_int_equal(mlimit_end_kind(SMTP_F_CLOSED, SMTP_S_IDLE, 0, NULL, 2000),
	    MLIMIT_END_COMMAND);
	/* but a timeout text is a timer, however soon */
	assert_int_equal(mlimit_end_kind(SMTP_F_CLOSED, SMTP_S_IDLE, 421,
	    "421 4.4.2 mx.example Error: timeout exceeded", 2000), MLIMIT_END_IDLE);
	assert_string_equal(mlimit_end_name(MLIMIT_END_COMMAND), "command");
}

static void
test_throttle(void **state)
{
	(void)state;
	/* loopback: 0.2 ms usual, Postfix's 1 s error sleep */
	assert_true(mlimit_throttled(1000300, 200));
	/* jitter of a few ms is not a throttle */
	assert_false(mlimit_throttled(40000, 200));
	/* a far link: 300 ms usual, 1.3 s throttled */
	assert_true(mlimit_throttled(1300000, 300000));
	/* ... 900 ms is only three times as slow: not */
	assert_false(mlimit_throttled(1000000, 300000));
	/* a 0 base (first reply) */
	assert_true(mlimit_throttled(1000000, 0));
	assert_false(mlimit_throttled(500000, 0));
}

#define PF_TIMEOUT "421 4.4.2 mx.example Error: timeout exceeded"

static void
test_learn_idle(void **state)
{
	struct mlimit l = { 0 };

	(void)state;
	assert_int_equal(mlimit_noop_ms(&l, 60000), 60000);
	/* Postfix under stress: closed after 10 s idle, and says why */
	assert_true(mlimit_learn_close(&l, MLIMIT_END_IDLE, SMTP_S_IDLE, 10003000, 3, PF_TIMEOUT));
	assert_int_equal(l.idle_ms, 10003);
	assert_int_equal(mlimit_noop_ms(&l, 60000), 8002);
	/* a longer idle close teaches nothing new; a shorter one does */
	assert_false(mlimit_learn_close(&l, MLIMIT_END_IDLE, SMTP_S_IDLE, 12000000, 1, PF_TIMEOUT));
	assert_true(mlimit_learn_close(&l, MLIMIT_END_IDLE, SMTP_S_IDLE, 5000000, 1, PF_TIMEOUT));
	assert_int_equal(mlimit_noop_ms(&l, 60000), 4000);
	/* never over the configured interval */
	assert_int_equal(mlimit_noop_ms(&l, 2000), 2000);
	/* a close within a second of the last reply is not an idle limit */
	assert_false(mlimit_learn_close(&l, MLIMIT_END_IDLE, SMTP_S_IDLE, 400000, 1, PF_TIMEOUT));
	/* never NOOP more often than once a second */
	assert_true(mlimit_learn_close(&l, MLIMIT_END_IDLE, SMTP_S_IDLE, 1100000, 1, PF_TIMEOUT));
	assert_int_equal(mlimit_noop_ms(&l, 60000), MLIMIT_NOOP_MIN_MS);
	/* ... unless the configuration asks for it */
	assert_int_equal(mlimit_noop_ms(&l, 500), 500);
	/* an idle close says nothing of the budget */
	assert_int_equal(l.budget, 0);
}

static void
test_learn_silent_idle(void **state)
{
	struct mlimit l = { 0 };

	(void)state;
	/* Exchange drops an idle client without a word at 300 s; a restart,
	 * a fail-over or a flushed NAT table look the same once: believed
	 * when a second silent close agrees */
	assert_false(mlimit_learn_close(&l, MLIMIT_END_IDLE, SMTP_S_IDLE, 41000000, 2, NULL));
	assert_int_equal(l.idle_ms, 0);
	assert_int_equal(mlimit_noop_ms(&l, 60000), 60000);
	/* the next one disagrees (the server restarted at 41 s, drops at 300 s) */
	assert_false(mlimit_learn_close(&l, MLIMIT_END_IDLE, SMTP_S_IDLE, 300100000, 1, NULL));
	assert_int_equal(l.idle_ms, 0);
	/* ... and the one after agrees: 300 s it is */
	assert_true(mlimit_learn_close(&l, MLIMIT_END_IDLE, SMTP_S_IDLE, 299900000, 1, NULL));
	assert_int_equal(l.idle_ms, 299900);
	assert_int_equal(l.suspect_idle_ms, 0);
	/* a reset or other words are silent too: "421 4.3.0 shutting down" */
	{
		struct mlimit r = { 0 };

		assert_false(mlimit_learn_close(&r, MLIMIT_END_IDLE, SMTP_S_IDLE, 3000000, 1,
		    "421 4.3.0 mx.example shutting down"));
		assert_true(mlimit_learn_close(&r, MLIMIT_END_IDLE, SMTP_S_IDLE, 3100000, 1, NULL));
		assert_int_equal(r.idle_ms, 3100);
	}
}

#define EXIM_554 "554 Too many nonmail commands"

static void
test_learn_budget(void **state)
{
	struct mlimit l = { 0 };

	(void)state;
	assert_int_equal(mlimit_budget(&l, MLIMIT_DEFAULT_BUDGET), 8);
	assert_int_equal(mlimit_budget(&l, 0), 0);
	/* Exim, max_nonmail 5: the sixth NOOP got 554, five were answered */
	assert_true(mlimit_learn_close(&l, MLIMIT_END_COMMAND, SMTP_S_NOOP, 0, 5, EXIM_554));
	assert_int_equal(mlimit_budget(&l, 8), 5);
	assert_int_equal(mlimit_budget(&l, 0), 5);     /* even with no budget configured */
	assert_int_equal(mlimit_budget(&l, 3), 3);     /* a smaller configured one wins */
	/* Postfix, hard error limit reached at NOOP 4: 250, then 421 while
	 * idle; the server took three without complaint */
	{
		struct mlimit p = { 0 };

		assert_true(mlimit_learn_close(&p, MLIMIT_END_COMMAND, SMTP_S_IDLE, 2000, 4,
		    "421 4.7.0 mx.example Error: too many errors"));
		assert_int_equal(p.budget, 3);
	}
	/* sendmail, MaxNOOPCommands 3: the reply to NOOP 4 slept */
	assert_true(mlimit_learn_throttle(&l, 4));
	assert_int_equal(l.budget, 3);
	assert_false(mlimit_learn_throttle(&l, 6));   /* only ever comes down */
	assert_false(mlimit_learn_close(&l, MLIMIT_END_COMMAND, SMTP_S_NOOP, 0, 7, EXIM_554));
	/* at least one NOOP: the classification's own */
	assert_true(mlimit_learn_throttle(&l, 1));
	assert_int_equal(l.budget, 1);
	assert_false(mlimit_learn_close(&l, MLIMIT_END_COMMAND, SMTP_S_NOOP, 0, 0, EXIM_554));
	assert_int_equal(l.budget, 1);
	/* a close without a word right after a reply (or an RST to a NOOP):
	 * a restart as often as a limit; believed when the next agrees */
	{
		struct mlimit q = { 0 };

		assert_false(mlimit_learn_close(&q, MLIMIT_END_COMMAND, SMTP_S_IDLE, 300000, 6, NULL));
		assert_int_equal(q.budget, 0);
		assert_false(mlimit_learn_close(&q, MLIMIT_END_COMMAND, SMTP_S_NOOP, 0, 3, ""));
		assert_int_equal(q.budget, 0);
		assert_true(mlimit_learn_close(&q, MLIMIT_END_COMMAND, SMTP_S_NOOP, 0, 3, NULL));
		assert_int_equal(q.budget, 3);
	}
	/* losses teach nothing */
	assert_false(mlimit_learn_close(&l, MLIMIT_END_LOST, SMTP_S_NOOP, 9000000, 1, NULL));
	assert_int_equal(l.idle_ms, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_end_kinds),
		cmocka_unit_test(test_throttle),
		cmocka_unit_test(test_learn_idle),
		cmocka_unit_test(test_learn_silent_idle),
		cmocka_unit_test(test_learn_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
