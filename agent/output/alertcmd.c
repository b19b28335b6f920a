/* agent/output/alertcmd.c: see alertcmd.h. */
#include "buildconf.h"
#include "alertcmd.h"
#include "log.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ENV_MAX 24

struct job {
	char **argv;
	char *env[ENV_MAX];
	char event[48], target[64];
};

struct alertcmd {
	pthread_t thread[ALERTCMD_RUNNERS];
	size_t n_threads;
	unsigned timeout_s;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *q[ALERTCMD_QUEUE];
	size_t head, len;
	uint64_t dropped;
	bool stop;
	uint64_t stop_deadline;      /* monotonic us: after it, queued jobs are dropped */
	pid_t running[ALERTCMD_RUNNERS]; /* the commands running now, 0 free */
	pthread_mutex_t sweep_lock;  /* one sweep of orphans at a time */
};

static void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	for (size_t i = 0; j->argv[i] != NULL; i++)
		free(j->argv[i]);
	free(j->argv);
	for (size_t i = 0; i < ENV_MAX && j->env[i] != NULL; i++)
		free(j->env[i]);
	free(j);
}

static char *
env_kv(const char *k, const char *v)
{
	size_t n = strlen(k) + strlen(v ? v : "") + 2;
	char *s = xmalloc(n);

	snprintf(s, n, "%s=%s", k, v ? v : "");
	return s;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Wait for pid up to ms; true when it has been reaped (*status set). */
static bool
wait_for(pid_t pid, unsigned ms, int *status)
{
	for (unsigned waited = 0;; waited += 10) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return true;
		if (r < 0 && errno != EINTR)
			return true;              /* gone (reaped elsewhere) */
		if (waited >= ms)
			return false;
		sleep_ms(10);
	}
}

static bool
is_running(struct alertcmd *a, pid_t pid)
{
	bool yes = false;

	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < ALERTCMD_RUNNERS; i++)
		yes |= a->running[i] == pid;
	pthread_mutex_unlock(&a->lock);
	return yes;
}

static void
set_running(struct alertcmd *a, pid_t old, pid_t pid)
{
	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < ALERTCMD_RUNNERS; i++)
		if (a->running[i] == old) {
			a->running[i] = pid;
			break;
		}
	pthread_mutex_unlock(&a->lock);
}

/* The children of this process that no runner started: descendants of an
 * alert command whose parents died (this process is their subreaper). Up to
 * max pids into out; how many. */
static size_t
orphans(struct alertcmd *a, pid_t *out, size_t max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t self = getpid();
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL && n < max) {
		char path[64], buf[512], *p;
		long pid = strtol(e->d_name, &p, 10);
		ssize_t r;
		int fd;

		if (*p != '\0' || pid <= 0)
			continue;
		snprintf(path, sizeof path, "/proc/%ld/stat", pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		r = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (r <= 0)
			continue;
		buf[r] = '\0';
		/* "pid (comm) state ppid ...": comm may hold anything but ends
		 * at the last ')' */
		p = strrchr(buf, ')');
		if (p == NULL || strlen(p) < 4)
			continue;
		if (strtol(p + 4, NULL, 10) == (long)self && !is_running(a, (pid_t)pid))
			out[n++] = (pid_t)pid;
	}
	closedir(d);
	return n;
}

/* A command has ended: end what it left behind. */
static void
sweep(struct alertcmd *a)
{
	pid_t pids[256];

	pthread_mutex_lock(&a->sweep_lock);
	for (int round = 0; round < 8; round++) {   /* their children come next */
		size_t n = orphans(a, pids, sizeof pids / sizeof pids[0]);
		int status;

		if (n == 0)
			break;
		for (size_t i = 0; i < n; i++)
			kill(pids[i], SIGTERM);
		for (size_t i = 0; i < n; i++)
			if (!wait_for(pids[i], 1000, &status)) {
				kill(pids[i], SIGKILL);
				wait_for(pids[i], 5000, &status);
			}
		log_debug("AlertCommand: %zu process(es) it left behind ended", n);
	}
	pthread_mutex_unlock(&a->sweep_lock);
}

static void
run(struct alertcmd *a, struct job *j, unsigned timeout_ms)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	pid_t pid;
	int rc, status = 0;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
	    POSIX_SPAWN_SETSID);
	/* the slot is taken before the spawn, under the lock a sweep reads it
	 * with, so no sweep takes the new command for an orphan */
	pthread_mutex_lock(&a->lock);
	rc = posix_spawn(&pid, j->argv[0], &fa, &at, j->argv, j->env);
	if (rc == 0)
		for (size_t i = 0; i < ALERTCMD_RUNNERS; i++)
			if (a->running[i] == 0) {
				a->running[i] = pid;
				break;
			}
	pthread_mutex_unlock(&a->lock);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc != 0) {
		log_warnx("SMD1858W AlertCommand %s: cannot run: %s (event=%s target=%s)",
		    j->argv[0], strerror(rc), j->event, j->target);
		return;
	}
	if (!wait_for(pid, timeout_ms, &status)) {
		log_warnx("SMD1858W AlertCommand %s: still running after %u s, terminated "
		    "(event=%s target=%s)", j->argv[0], timeout_ms / 1000, j->event, j->target);
		kill(-pid, SIGTERM);           /* its process group: what it started too */
		if (!wait_for(pid, 2000, &status)) {
			kill(-pid, SIGKILL);
			wait_for(pid, 60000, &status);
		}
		set_running(a, pid, 0);
		sweep(a);
		return;
	}
	set_running(a, pid, 0);
	sweep(a);
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		log_warnx("SMD1858W AlertCommand %s: exit status %d (event=%s target=%s)",
		    j->argv[0], WEXITSTATUS(status), j->event, j->target);
	else if (WIFSIGNALED(status))
		log_warnx("SMD1858W AlertCommand %s: killed by signal %d (event=%s target=%s)",
		    j->argv[0], WTERMSIG(status), j->event, j->target);
	else
		log_debug("AlertCommand %s done: event=%s target=%s", j->argv[0], j->event,
		    j->target);
}

static void *
runner(void *arg)
{
	struct alertcmd *a = arg;

	for (;;) {
		struct job *j;
		uint64_t dropped, left_us = (uint64_t)a->timeout_s * 1000000u;

		pthread_mutex_lock(&a->lock);
		while (a->len == 0 && !a->stop)
			pthread_cond_wait(&a->cond, &a->lock);
		if (a->len > 0 && a->stop) {
			uint64_t now = now_us();
			left_us = now < a->stop_deadline ? a->stop_deadline - now : 0;
			if (left_us < 1000000u) {  /* stopping, and no time left */
				a->dropped += a->len;
				for (; a->len > 0; a->len--) {
					job_free(a->q[a->head]);
					a->head = (a->head + 1) % ALERTCMD_QUEUE;
				}
			}
		}
		if (a->len == 0) {
			dropped = a->dropped;
			a->dropped = 0;
			pthread_mutex_unlock(&a->lock);
			if (dropped > 0)
				log_warnx("SMD1858W AlertCommand: %llu alerts not run (stopping)",
				    (unsigned long long)dropped);
			return NULL;
		}
		if (left_us > (uint64_t)a->timeout_s * 1000000u)
			left_us = (uint64_t)a->timeout_s * 1000000u;
		j = a->q[a->head];
		a->head = (a->head + 1) % ALERTCMD_QUEUE;
		a->len--;
		dropped = a->dropped;
		a->dropped = 0;
		pthread_mutex_unlock(&a->lock);
		if (dropped > 0)
			log_warnx("SMD1858W AlertCommand: %llu alerts dropped (more than %d waiting)",
			    (unsigned long long)dropped, ALERTCMD_QUEUE);
		run(a, j, (unsigned)(left_us / 1000u));
		job_free(j);
	}
}

struct alertcmd *
alertcmd_start(unsigned timeout_s)
{
	struct alertcmd *a = xcalloc(1, sizeof(*a));
	sigset_t all, old;

	a->timeout_s = timeout_s > 0 ? timeout_s : 1;
	pthread_mutex_init(&a->lock, NULL);
	pthread_mutex_init(&a->sweep_lock, NULL);
	pthread_cond_init(&a->cond, NULL);
	/* what a command leaves behind (a setsid'd daemon, a double fork)
	 * becomes our child when its parent dies, so it can be ended */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
		log_warn("AlertCommand: prctl PR_SET_CHILD_SUBREAPER");
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (size_t i = 0; i < ALERTCMD_RUNNERS; i++) {
		if (pthread_create(&a->thread[i], NULL, runner, a) != 0)
			break;
		a->n_threads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (a->n_threads == 0) {
		log_errx("AlertCommand: cannot start its threads");
		pthread_mutex_destroy(&a->lock);
		pthread_mutex_destroy(&a->sweep_lock);
		pthread_cond_destroy(&a->cond);
		free(a);
		return NULL;
	}
	return a;
}

void
alertcmd_post(struct alertcmd *a, char *const argv[], const struct alert_facts *f)
{
	struct job *j;
	size_t n = 0, e = 0;
	char num[24];

	if (a == NULL || argv == NULL || argv[0] == NULL)
		return;
	j = xcalloc(1, sizeof(*j));
	while (argv[n] != NULL)
		n++;
	j->argv = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		j->argv[i] = xstrdup(argv[i]);
	j->env[e++] = xstrdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	j->env[e++] = env_kv("SMTPMON_ALERT", f->alert);
	j->env[e++] = env_kv("SMTPMON_EVENT", f->event);
	j->env[e++] = env_kv("SMTPMON_TARGET", f->target);
	j->env[e++] = env_kv("SMTPMON_ADDRESS", f->address);
	snprintf(num, sizeof num, "%u", (unsigned)f->port);
	j->env[e++] = env_kv("SMTPMON_PORT", num);
	snprintf(num, sizeof num, "%u", (unsigned)f->index);
	j->env[e++] = env_kv("SMTPMON_INDEX", num);
	j->env[e++] = env_kv("SMTPMON_NAME", f->name);
	j->env[e++] = env_kv("SMTPMON_OLD_TLS", f->old_tls);
	j->env[e++] = env_kv("SMTPMON_NEW_TLS", f->new_tls);
	j->env[e++] = env_kv("SMTPMON_OLD_CIPHER", f->old_cipher);
	j->env[e++] = env_kv("SMTPMON_NEW_CIPHER", f->new_cipher);
	snprintf(num, sizeof num, "%lld", (long long)f->when);
	j->env[e++] = env_kv("SMTPMON_TIME", num);
	if (f->client != NULL)
		j->env[e++] = env_kv("SMTPMON_CLIENT", f->client);
	if (f->client != NULL || (f->detail != NULL && f->detail[0] != '\0'))
		j->env[e++] = env_kv("SMTPMON_DETAIL", f->detail);
	if (f->old_rating != NULL || f->new_rating != NULL || f->rating_part != NULL) {
		j->env[e++] = env_kv("SMTPMON_OLD_RATING", f->old_rating);
		j->env[e++] = env_kv("SMTPMON_NEW_RATING", f->new_rating);
		j->env[e++] = env_kv("SMTPMON_RATING_COMPONENT", f->rating_part);
	}
	j->env[e] = NULL;
	str_copy(j->event, f->event ? f->event : "", sizeof j->event);
	str_copy(j->target, f->target ? f->target : "", sizeof j->target);

	pthread_mutex_lock(&a->lock);
	if (a->len >= ALERTCMD_QUEUE || a->stop) {
		a->dropped++;
		pthread_mutex_unlock(&a->lock);
		job_free(j);
		return;
	}
	a->q[(a->head + a->len) % ALERTCMD_QUEUE] = j;
	a->len++;
	pthread_cond_signal(&a->cond);
	pthread_mutex_unlock(&a->lock);
}

void
alertcmd_stop(struct alertcmd *a)
{
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->lock);
	a->stop = true;
	a->stop_deadline = now_us() + (uint64_t)a->timeout_s * 1000000u;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
	for (size_t i = 0; i < a->n_threads; i++)
		pthread_join(a->thread[i], NULL);
	for (; a->len > 0; a->len--) {
		job_free(a->q[a->head]);
		a->head = (a->head + 1) % ALERTCMD_QUEUE;
	}
	pthread_mutex_destroy(&a->lock);
	pthread_mutex_destroy(&a->sweep_lock);
	pthread_cond_destroy(&a->cond);
	free(a);
}

void
alert_address_of(const char *target, char *out, size_t outlen)
{
	char *end;

	str_copy(out, target[0] == '[' ? target + 1 : target, outlen);
	end = strrchr(out, target[0] == '[' ? ']' : ':');
	if (end != NULL)
		*end = '\0';
}
