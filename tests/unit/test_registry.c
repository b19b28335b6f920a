/* Unit tests for agent/registry: snapshots share unchanged rows, copy
 * changed ones, never change while held, keep index order and never reuse
 * an index; a reader thread taking snapshots while the writer publishes
 * always sees a consistent table (run under ASan in CI). Also the appldata
 * log line format and the control renderers over a snapshot. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include "appldata_log.h"
#include "control.h"
#include "registry.h"

static struct reg_row *
add(struct registry *r, const char *target)
{
	struct reg_row *row = registry_add(r);

	snprintf(row->target, sizeof row->target, "%s", target);
	return row;
}

static void
test_empty(void **state)
{
	struct registry *r = registry_new();
	struct reg_snapshot *s = registry_acquire(r);

	(void)state;
	assert_non_null(s);
	assert_int_equal(s->n, 0);
	registry_release(s);
	registry_publish(r);   /* nothing changed: no new snapshot */
	s = registry_acquire(r);
	assert_int_equal(s->generation, 0);
	registry_release(s);
	registry_free(r);
}

static void
test_share_and_copy(void **state)
{
	struct registry *r = registry_new();
	struct reg_row *a = add(r, "192.0.2.1:25"), *b = add(r, "192.0.2.2:25");
	struct reg_snapshot *s1, *s2;

	(void)state;
	assert_int_equal(a->index, 1);
	assert_int_equal(b->index, 2);
	registry_publish(r);
	s1 = registry_acquire(r);
	assert_int_equal(s1->n, 2);
	assert_string_equal(s1->rows[0]->target, "192.0.2.1:25");
	assert_string_equal(s1->rows[1]->target, "192.0.2.2:25");

	/* change b only: a is shared, b is a new copy; s1 is untouched */
	b->noops = 7;
	registry_touch(r, b);
	registry_publish(r);
	s2 = registry_acquire(r);
	assert_true(s2->generation > s1->generation);
	assert_ptr_equal(s2->rows[0], s1->rows[0]);
	assert_ptr_not_equal(s2->rows[1], s1->rows[1]);
	assert_int_equal(s2->rows[1]->noops, 7);
	assert_int_equal(s1->rows[1]->noops, 0);

	/* a draft edited but not published does not show */
	a->noops = 99;
	assert_int_equal(s2->rows[0]->noops, 0);
	registry_release(s1);
	registry_release(s2);
	registry_free(r);
}

/* The verdict and the longer texts are shared by the draft and the copies
 * of a row; a new verdict or text is a new copy that older snapshots do not
 * see, and they outlive the draft (removed) while a snapshot holds them. */
static void
test_shared_verdict_and_texts(void **state)
{
	struct registry *r = registry_new();
	struct reg_row *a = add(r, "192.0.2.1:25");
	struct reg_snapshot *s1, *s2;
	struct verdict v;
	char longer[REG_TEXT_MAX + 40];
	const char *kept;

	(void)state;
	assert_ptr_equal(a->v, reg_blank_verdict());
	assert_string_equal(a->name, "");
	assert_string_equal(a->last_reply, "");
	verdict_blank(APPLDATA_MONITOR, "W", &v);
	v.noops = 5;
	registry_set_verdict(r, a, &v);
	reg_row_set_text(&a->name, "mx.example.org", REG_TEXT_MAX);
	reg_row_set_text(&a->last_reply, "421 4.3.2 busy", REG_REPLY_MAX);
	registry_publish(r);
	s1 = registry_acquire(r);
	assert_ptr_equal(s1->rows[0]->v, a->v);            /* shared, not copied */
	assert_ptr_equal(s1->rows[0]->name, a->name);
	assert_int_equal(s1->rows[0]->v->noops, 5);

	/* the draft takes a new verdict and reply: s1 keeps the old ones */
	v.noops = 6;
	registry_set_verdict(r, a, &v);
	kept = a->name;
	reg_row_set_text(&a->name, "mx.example.org", REG_TEXT_MAX);   /* same text */
	assert_ptr_equal(a->name, kept);
	reg_row_set_text(&a->last_reply, NULL, REG_REPLY_MAX);
	assert_string_equal(a->last_reply, "");
	memset(longer, 'x', sizeof longer - 1);
	longer[sizeof longer - 1] = '\0';
	reg_row_set_text(&a->mx_host, longer, REG_TEXT_MAX);   /* cut as the arrays were */
	assert_int_equal(strlen(a->mx_host), REG_TEXT_MAX - 1);
	registry_publish(r);
	s2 = registry_acquire(r);
	assert_int_equal(s1->rows[0]->v->noops, 5);
	assert_string_equal(s1->rows[0]->last_reply, "421 4.3.2 busy");
	assert_int_equal(s2->rows[0]->v->noops, 6);
	assert_string_equal(s2->rows[0]->last_reply, "");

	/* removed from the drafts: the snapshots' copies still read */
	registry_remove(r, a);
	registry_publish(r);
	assert_string_equal(s2->rows[0]->name, "mx.example.org");
	assert_int_equal(s2->rows[0]->v->noops, 6);
	registry_release(s1);
	registry_release(s2);
	registry_free(r);
}

static void
test_remove_keeps_order_and_indexes(void **state)
{
	struct registry *r = registry_new();
	struct reg_row *rows[5];
	struct reg_snapshot *held, *s;

	(void)state;
	for (int i = 0; i < 5; i++) {
		char t[32];
		snprintf(t, sizeof t, "192.0.2.%d:25", i + 1);
		rows[i] = add(r, t);
	}
	registry_publish(r);
	held = registry_acquire(r);
	registry_remove(r, rows[1]);
	registry_remove(r, rows[3]);
	rows[1] = add(r, "198.51.100.1:25");   /* new index 6, never 2 again */
	registry_publish(r);
	s = registry_acquire(r);
	assert_int_equal(s->n, 4);
	assert_int_equal(s->rows[0]->index, 1);
	assert_int_equal(s->rows[1]->index, 3);
	assert_int_equal(s->rows[2]->index, 5);
	assert_int_equal(s->rows[3]->index, 6);
	assert_string_equal(s->rows[3]->target, "198.51.100.1:25");
	/* the older snapshot still holds the removed rows, intact */
	assert_int_equal(held->n, 5);
	assert_string_equal(held->rows[1]->target, "192.0.2.2:25");
	registry_release(held);
	registry_release(s);
	registry_free(r);
}

static void
test_totals(void **state)
{
	struct registry *r = registry_new();
	struct reg_snapshot *s;

	(void)state;
	registry_set_totals(r, 1000, 5, 2, 3);
	registry_publish(r);
	s = registry_acquire(r);
	assert_int_equal(s->started, 1000);
	assert_int_equal(s->probes_done, 5);
	assert_int_equal(s->probe_failures, 2);
	assert_int_equal(s->targets_configured, 3);
	registry_release(s);
	registry_free(r);
}

/* ---- a reader thread against a busy writer ---- */

#define STRESS_ROWS 200
#define STRESS_ROUNDS 3000

struct stress {
	struct registry *r;
	volatile int stop;
	unsigned long snapshots, bad;
};

static void *
reader(void *arg)
{
	struct stress *st = arg;

	while (!st->stop) {
		struct reg_snapshot *s = registry_acquire(st->r);
		uint64_t first = s->n ? s->rows[0]->noops : 0;

		/* the writer bumps every row's counter before each publish, so a
		 * consistent snapshot has one value in every row */
		for (size_t i = 0; i < s->n; i++) {
			if (s->rows[i]->noops != first)
				st->bad++;
			if (i > 0 && s->rows[i]->index <= s->rows[i - 1]->index)
				st->bad++;
		}
		st->snapshots++;
		registry_release(s);
	}
	return NULL;
}

static void
test_concurrent_readers(void **state)
{
	struct stress st = { .r = registry_new() };
	struct reg_row *rows[STRESS_ROWS];
	pthread_t th[2];

	(void)state;
	for (int i = 0; i < STRESS_ROWS; i++)
		rows[i] = add(st.r, "192.0.2.1:25");
	registry_publish(st.r);
	for (int t = 0; t < 2; t++)
		assert_int_equal(pthread_create(&th[t], NULL, reader, &st), 0);
	for (int round = 1; round <= STRESS_ROUNDS; round++) {
		for (int i = 0; i < STRESS_ROWS; i++) {
			rows[i]->noops = (uint64_t)round;
			registry_touch(st.r, rows[i]);
		}
		registry_publish(st.r);
	}
	st.stop = 1;
	for (int t = 0; t < 2; t++)
		pthread_join(th[t], NULL);
	assert_int_equal(st.bad, 0);
	assert_true(st.snapshots > 0);
	registry_free(st.r);
}

/* ---- the appldata log line ---- */

static void
test_appldata_line(void **state)
{
	char line[APPLDATA_LINE_MAX];
	struct timespec ts = { .tv_sec = 1795435200, .tv_nsec = 123456789 };  /* 2026-11-23 */
	int n;

	(void)state;
	n = appldata_log_format(line, &ts, "127.0.0.1:40312", "192.0.2.25:25", "monitor",
	    "EZASMTPM SMTPMON  ETT13 1302           ");
	assert_string_equal(line, "2026-11-23T12:00:00.123Z 127.0.0.1:40312 192.0.2.25:25 monitor "
	    "EZASMTPM SMTPMON  ETT13 1302           \n");
	assert_int_equal(n, (int)strlen(line));
}

/* ---- renderers over a snapshot ---- */

static char *
render(struct reg_snapshot *s, const char *req)
{
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);

	assert_int_equal(control_render(f, s, "SMTPMON", req), 0);
	fclose(f);
	return body;
}

static void
test_render(void **state)
{
	struct registry *r = registry_new();
	struct reg_row *a = add(r, "192.0.2.1:25"), *b = add(r, "192.0.2.2:25");
	struct reg_snapshot *s;
	char *out;
	FILE *devnull = fopen("/dev/null", "w");

	(void)state;
	a->state = REG_UP;
	a->classified = true;
	{
		struct smtp_result res;
		struct verdict_policy vp = { .component = APPLDATA_MONITOR, .writer = "SMTPMON" };
		struct verdict v;

		memset(&res, 0, sizeof res);
		res.server_type = APPL_TYPE_ESMTP;
		res.security = APPL_SEC_BASIC;
		verdict_of(&res, &vp, 0, &v);
		registry_set_verdict(r, a, &v);
	}
	a->conns[REG_ROLE_MONITOR].open = true;
	snprintf(a->conns[REG_ROLE_MONITOR].local, 64, "127.0.0.1:5000");
	snprintf(a->conns[REG_ROLE_MONITOR].remote, 64, "192.0.2.1:25");
	snprintf(a->conns[REG_ROLE_MONITOR].appldata, 41, "EZASMTPM SMTPMON  EB               ");
	b->state = REG_DOWN;
	reg_row_set_text(&b->fail_reason, "greeting was not 220", REG_TEXT_MAX);
	snprintf(b->fail_kind, sizeof b->fail_kind, "banner");
	reg_row_set_text(&b->last_reply, "554 5.7.1 no service", REG_REPLY_MAX);
	registry_publish(r);
	s = registry_acquire(r);

	out = render(s, "status");
	assert_non_null(strstr(out, "2 target(s): 1 up, 1 down"));
	assert_non_null(strstr(out, "down: greeting was not 220; server said: 554 5.7.1 no service"));
	free(out);
	out = render(s, "status json");
	assert_non_null(strstr(out, "\"target\":\"192.0.2.2:25\""));
	assert_non_null(strstr(out, "\"last_reply\":\"554 5.7.1 no service\""));
	assert_non_null(strstr(out, "\"state\":\"up\""));
	free(out);
	out = render(s, "appldata");
	assert_non_null(strstr(out, "127.0.0.1:5000"));
	assert_null(strstr(out, "192.0.2.2:25"));   /* no open connection */
	free(out);
	assert_int_equal(control_render(devnull, s, "SMTPMON", "bogus"), -1);
	fclose(devnull);
	registry_release(s);
	registry_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_share_and_copy),
		cmocka_unit_test(test_shared_verdict_and_texts),
		cmocka_unit_test(test_remove_keeps_order_and_indexes),
		cmocka_unit_test(test_totals),
		cmocka_unit_test(test_concurrent_readers),
		cmocka_unit_test(test_appldata_line),
		cmocka_unit_test(test_render),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
