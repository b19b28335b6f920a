/* Tests for agent/alertcmd with real commands (sh scripts): a command's
 * descendant that left its session (setsid) ends with it; a command that
 * hangs holds back no later alert; one that outlives the timeout is
 * killed with what it started; stopping is bounded; the address of a
 * target's text. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "alertcmd.h"
#include "util.h"

static char dir[] = "/tmp/test_alertcmd.XXXXXX";

static void
script(const char *name, const char *body)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(path, 0755);
}

static struct alert_facts
facts(const char *event)
{
	struct alert_facts f = { .alert = "downgrade", .event = event, .target = "192.0.2.1:25",
	    .address = "192.0.2.1", .name = "", .port = 25, .index = 1, .old_tls = "TLSv1.3",
	    .new_tls = "TLSv1.2", .old_cipher = "none", .new_cipher = "none", .when = 1 };
	return f;
}

static void
post(struct alertcmd *a, const char *name, const char *event)
{
	char path[256];
	char *argv[] = { path, NULL };
	struct alert_facts f = facts(event);

	snprintf(path, sizeof path, "%s/%s", dir, name);
	alertcmd_post(a, argv, &f);
}

/* the number in dir/name, -1 until it is there (at most tenths/10 s) */
static long
read_num(const char *name, int tenths)
{
	char path[256];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	for (int i = 0; i < tenths; i++) {
		FILE *f = fopen(path, "r");
		long v = -1;

		if (f != NULL) {
			if (fscanf(f, "%ld", &v) != 1)
				v = -1;
			fclose(f);
			if (v > 0)
				return v;
		}
		usleep(100000);
	}
	return -1;
}

static bool
alive(long pid)
{
	char path[64], buf[256];
	FILE *f;
	char *p;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	p = fgets(buf, sizeof buf, f);
	fclose(f);
	p = p ? strrchr(buf, ')') : NULL;
	return p != NULL && p[2] != 'Z';
}

static void
test_setsid_descendant_ends(void **state)
{
	struct alertcmd *a = alertcmd_start(5);
	long pid;
	int i;

	(void)state;
	/* a daemon started the classic way: setsid, in the background */
	script("daemonize.sh", "setsid sleep 30 </dev/null >/dev/null 2>&1 &\necho $! > \"$(dirname \"$0\")/daemon.pid\"\nexit 0");
	post(a, "daemonize.sh", "tls-version-lowered");
	pid = read_num("daemon.pid", 50);
	assert_true(pid > 0);
	for (i = 0; i < 50 && alive(pid); i++)
		usleep(100000);
	assert_false(alive(pid));     /* it ended with its command, within 5 s */
	alertcmd_stop(a);
}

static void
test_hang_holds_back_nothing(void **state)
{
	struct alertcmd *a = alertcmd_start(3);
	uint64_t t0, t1;
	long v;

	(void)state;
	script("hang.sh", "echo $$ > \"$(dirname \"$0\")/hang.pid\"\nexec sleep 60");
	script("quick.sh", "date +%s > \"$(dirname \"$0\")/quick.done\"");
	t0 = now_us();
	post(a, "hang.sh", "tls-version-lowered");
	post(a, "quick.sh", "tls-cipher-weakened");
	v = read_num("quick.done", 20);
	assert_true(v > 0);           /* within 2 s, not after the 3 s timeout */
	t1 = now_us();
	assert_true(t1 - t0 < 2500000u);
	/* the hung one is killed at its timeout, with its process group */
	v = read_num("hang.pid", 10);
	assert_true(v > 0);
	for (int i = 0; i < 60 && alive(v); i++)
		usleep(100000);
	assert_false(alive(v));
	t0 = now_us();
	alertcmd_stop(a);
	assert_true(now_us() - t0 < 4000000u);
}

static void
test_stop_is_bounded(void **state)
{
	struct alertcmd *a = alertcmd_start(2);
	uint64_t t0;

	(void)state;
	script("hang2.sh", "exec sleep 60");
	for (int i = 0; i < 6; i++)
		post(a, "hang2.sh", "tls-version-lowered");
	usleep(200000);
	t0 = now_us();
	alertcmd_stop(a);             /* at most the timeout in all (+ the 2 s grace) */
	assert_true(now_us() - t0 < 5000000u);
}

static void
test_address_of(void **state)
{
	char a[64];

	(void)state;
	alert_address_of("192.0.2.1:25", a, sizeof a);
	assert_string_equal(a, "192.0.2.1");
	alert_address_of("[2001:db8::1]:587", a, sizeof a);
	assert_string_equal(a, "2001:db8::1");
	alert_address_of("mail.example", a, sizeof a);
	assert_string_equal(a, "mail.example");
	alert_address_of("[2001:db8::1", a, sizeof a);
	assert_string_equal(a, "2001:db8::1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setsid_descendant_ends),
		cmocka_unit_test(test_hang_holds_back_nothing),
		cmocka_unit_test(test_stop_is_bounded),
		cmocka_unit_test(test_address_of),
	};
	int rc;

	if (mkdtemp(dir) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	{
		char cmd[300];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			rc = rc ? rc : 1;
	}
	return rc;
}
