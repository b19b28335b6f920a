/* Tests for agent/outbox and the two halves of a save in agent/bstore
 * (render on the owner's thread, write on any): a render written and read
 * back is the store; a symbolic link where the temporary file goes is
 * refused with the same text as before; alerts go out only after the write
 * of the state that records them, in the order they were queued, from the
 * writer thread; renders waiting are coalesced; a failed write still
 * announces and leaves the store marked for the retry. */
#include "buildconf.h"
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "bstore.h"
#include "downgrade.h"
#include "mevent.h"
#include "outbox.h"
#include "util.h"

#define T0 1764489600     /* 2025-11-30 */
#define MAX_SEEN 16

static char dir[64];

/* what the hook saw, on the writer thread */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int n;
	char target[MAX_SEEN][64];
	char file[MAX_SEEN][1024];  /* StateDir/baselines when it was called */
	bool other_thread[MAX_SEEN];
	bool hold;                  /* the hook waits while set */
} seen = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, { "" }, { "" }, { 0 },
    false };
static pthread_t main_thread;

static void
read_file(const char *name, char *out, size_t outsz)
{
	char path[256];
	FILE *f;
	size_t n = 0;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	out[0] = '\0';
	f = fopen(path, "r");
	if (f == NULL)
		return;
	n = fread(out, 1, outsz - 1, f);
	out[n] = '\0';
	fclose(f);
}

static void
hook(const struct monitor_event *ev, void *arg)
{
	(void)arg;
	pthread_mutex_lock(&seen.lock);
	while (seen.hold)
		pthread_cond_wait(&seen.cond, &seen.lock);
	if (seen.n < MAX_SEEN) {
		str_copy(seen.target[seen.n], ev->target, sizeof seen.target[0]);
		read_file(BSTORE_FILE, seen.file[seen.n], sizeof seen.file[0]);
		seen.other_thread[seen.n] = !pthread_equal(pthread_self(), main_thread);
	}
	seen.n++;
	pthread_cond_broadcast(&seen.cond);
	pthread_mutex_unlock(&seen.lock);
}

static int dest_calls;

static void
dest(void *arg, struct outbox_dest *d)
{
	(void)arg;
	dest_calls++;
	d->hook = hook;
	d->hook_arg = NULL;
}

static int
n_seen(void)
{
	int n;

	pthread_mutex_lock(&seen.lock);
	n = seen.n;
	pthread_mutex_unlock(&seen.lock);
	return n;
}

static void
reset_seen(void)
{
	pthread_mutex_lock(&seen.lock);
	seen.n = 0;
	seen.hold = false;
	pthread_mutex_unlock(&seen.lock);
	dest_calls = 0;
}

static struct monitor_event
alert(const char *target)
{
	struct monitor_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = MONITOR_EV_TLS_DOWNGRADE;
	str_copy(ev.target, target, sizeof ev.target);
	str_copy(ev.tls_event, "tls-version-lowered", sizeof ev.tls_event);
	return ev;
}

/* a baseline for key in s, as a first classification sets it */
static void
set(struct bstore *s, const char *key, uint16_t version, time_t at)
{
	struct baseline *b = bstore_hold(s, key);
	struct dg_change ch[DG_N_EVENTS + 1];
	struct posture p;
	bool changed;

	posture_unknown(&p);
	p.starttls = 1;
	p.tls_attempted = 1;
	p.tls_version = version;
	downgrade_observe(b, &p, 0, at, ch, DG_N_EVENTS + 1, &changed);
}

static void
cleanup(void)
{
	char path[256];

	snprintf(path, sizeof path, "%s/%s", dir, BSTORE_FILE);
	unlink(path);
	snprintf(path, sizeof path, "%s/%s.tmp", dir, BSTORE_FILE);
	unlink(path);
	rmdir(dir);
}

static int
setup(void **state)
{
	(void)state;
	str_copy(dir, "/tmp/test_outbox.XXXXXX", sizeof dir);
	assert_non_null(mkdtemp(dir));
	reset_seen();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	cleanup();
	return 0;
}

/* render + write = the file bstore_save() writes: read back it is the
 * store; nothing to render when nothing changed; unheld expired entries
 * are dropped by the render; a link at the temporary path is refused */
static void
test_render_write(void **state)
{
	char err[256], path[256], text[1024];
	struct bstore *s, *back, *mem;
	char *buf;
	size_t len;
	(void)state;

	s = bstore_open(dir, err, sizeof err);
	assert_non_null(s);
	set(s, "192.0.2.1:25", 0x0304, T0);
	set(s, "192.0.2.2:25", 0x0303, T0);
	bstore_release(s, "192.0.2.2:25");
	bstore_mark(s);
	assert_true(bstore_render(s, T0 + 1, false, &buf, &len));
	assert_false(bstore_dirty(s));
	assert_true(len > 0 && buf[len - 1] == '\n');
	assert_memory_equal(buf, "# smtpmond baselines v1", 23);
	assert_int_equal(bstore_write(dir, buf, len, err, sizeof err), 0);
	free(buf);
	read_file(BSTORE_FILE, text, sizeof text);
	assert_non_null(strstr(text, "192.0.2.1:25 "));
	assert_non_null(strstr(text, "192.0.2.2:25 "));

	back = bstore_open(dir, err, sizeof err);
	assert_non_null(back);
	assert_int_equal(bstore_count(back), 2);
	assert_int_equal(bstore_find(back, "192.0.2.1:25")->best.tls_version, 0x0304);
	assert_int_equal(bstore_find(back, "192.0.2.2:25")->best.tls_version, 0x0303);
	assert_int_equal(bstore_find(back, "192.0.2.2:25")->set_at, T0);
	bstore_free(back);

	assert_false(bstore_render(s, T0 + 2, false, &buf, &len));
	assert_null(buf);
	/* the unheld entry, not seen for BSTORE_KEEP_S, goes with the render */
	assert_true(bstore_render(s, T0 + BSTORE_KEEP_S + 1, true, &buf, &len));
	assert_null(memmem(buf, len, "192.0.2.2:25", 12));   /* not NUL-terminated */
	assert_non_null(memmem(buf, len, "192.0.2.1:25", 12));
	assert_int_equal(bstore_count(s), 1);

	/* a symbolic link at baselines.tmp: refused, the file untouched */
	snprintf(path, sizeof path, "%s/%s.tmp", dir, BSTORE_FILE);
	assert_int_equal(symlink("/nonexistent-target", path), 0);
	assert_int_equal(bstore_write(dir, buf, len, err, sizeof err), -1);
	assert_int_equal(errno, ELOOP);
	assert_int_equal(strncmp(err, path, strlen(path)), 0);
	assert_string_equal(err + strlen(path), ": Too many levels of symbolic links");
	read_file(BSTORE_FILE, text, sizeof text);
	assert_non_null(strstr(text, "192.0.2.2:25 "));
	unlink(path);
	free(buf);
	bstore_free(s);

	mem = bstore_open(NULL, err, sizeof err);
	bstore_mark(mem);
	assert_false(bstore_render(mem, T0, true, &buf, &len));
	bstore_free(mem);
}

/* alerts go out after the write of the state that records them, in the
 * order they were queued, from the writer thread */
static void
test_persist_then_announce(void **state)
{
	struct event_base *base = event_base_new();
	struct monitor_event a = alert("192.0.2.1:25"), b = alert("192.0.2.2:25");
	struct outbox *o;
	struct bstore *s;
	char err[256];
	(void)state;

	s = bstore_open(dir, err, sizeof err);
	o = outbox_new(base, s, dest, NULL, err, sizeof err);
	assert_non_null(o);
	set(s, "192.0.2.1:25", 0x0304, T0);
	outbox_changed(o);
	outbox_alert(o, &a);
	set(s, "192.0.2.2:25", 0x0304, T0);
	outbox_changed(o);
	outbox_alert(o, &b);
	outbox_sync(o);
	assert_int_equal(n_seen(), 2);
	assert_int_equal(dest_calls, 1);
	assert_string_equal(seen.target[0], "192.0.2.1:25");
	assert_string_equal(seen.target[1], "192.0.2.2:25");
	for (int i = 0; i < 2; i++) {
		assert_non_null(strstr(seen.file[i], "192.0.2.1:25 "));
		assert_non_null(strstr(seen.file[i], "192.0.2.2:25 "));
		assert_true(seen.other_thread[i]);
	}

	/* by the timer (SAVE_ALERT_MS) on the loop, without a sync */
	set(s, "192.0.2.3:25", 0x0304, T0);
	outbox_changed(o);
	b = alert("192.0.2.3:25");
	outbox_alert(o, &b);
	for (int i = 0; i < 200 && n_seen() < 3; i++)
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), usleep(10000);
	assert_int_equal(n_seen(), 3);
	assert_non_null(strstr(seen.file[2], "192.0.2.3:25 "));

	outbox_free(o);
	bstore_free(s);
	event_base_free(base);
}

/* while the writer is busy, renders wait coalesced: the alert queued
 * meanwhile goes out after the newest state is written */
static void
test_coalesce(void **state)
{
	struct event_base *base = event_base_new();
	struct monitor_event a = alert("192.0.2.1:25"), b = alert("192.0.2.2:25");
	struct outbox *o;
	struct bstore *s;
	char err[256];
	(void)state;

	s = bstore_open(dir, err, sizeof err);
	o = outbox_new(base, s, dest, NULL, err, sizeof err);
	seen.hold = true;               /* the writer stops in the first hook */
	set(s, "192.0.2.1:25", 0x0304, T0);
	outbox_changed(o);
	outbox_alert(o, &a);
	for (int i = 0; i < 200; i++)   /* handed over by the timer */
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), usleep(2000);
	set(s, "192.0.2.2:25", 0x0304, T0);
	outbox_changed(o);
	outbox_alert(o, &b);
	for (int i = 0; i < 50; i++)
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), usleep(2000);
	set(s, "192.0.2.3:25", 0x0304, T0);   /* a later render replaces the waiting one */
	outbox_changed(o);
	for (int i = 0; i < 600; i++)
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), usleep(2000);
	assert_int_equal(n_seen(), 0);
	pthread_mutex_lock(&seen.lock);
	seen.hold = false;
	pthread_cond_broadcast(&seen.cond);
	pthread_mutex_unlock(&seen.lock);
	outbox_sync(o);
	assert_int_equal(n_seen(), 2);
	assert_string_equal(seen.target[0], "192.0.2.1:25");
	assert_null(strstr(seen.file[0], "192.0.2.2:25"));
	assert_string_equal(seen.target[1], "192.0.2.2:25");
	assert_non_null(strstr(seen.file[1], "192.0.2.3:25 "));
	outbox_free(o);
	bstore_free(s);
	event_base_free(base);
}

/* a write that fails still announces, and leaves the store marked */
static void
test_failed_write(void **state)
{
	struct event_base *base = event_base_new();
	struct monitor_event a = alert("192.0.2.1:25");
	struct outbox *o;
	struct bstore *s;
	char err[256];
	(void)state;

	s = bstore_open(dir, err, sizeof err);
	o = outbox_new(base, s, dest, NULL, err, sizeof err);
	cleanup();                      /* StateDir gone: the write fails */
	set(s, "192.0.2.1:25", 0x0304, T0);
	outbox_changed(o);
	outbox_alert(o, &a);
	outbox_sync(o);
	assert_int_equal(n_seen(), 1);
	assert_string_equal(seen.file[0], "");
	assert_true(bstore_dirty(s));   /* written again at the retry */
	assert_int_equal(mkdir(dir, 0700), 0);
	outbox_free(o);                 /* ... or at the end */
	assert_false(bstore_dirty(s));
	bstore_free(s);
	s = bstore_open(dir, err, sizeof err);
	assert_int_equal(bstore_count(s), 1);
	bstore_free(s);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_render_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_persist_then_announce, setup, teardown),
		cmocka_unit_test_setup_teardown(test_coalesce, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_write, setup, teardown),
	};

	main_thread = pthread_self();
	evthread_use_pthreads();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
