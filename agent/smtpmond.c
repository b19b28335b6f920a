/* agent/smtpmond.c: the daemon. Start-up, signals, the two threads.
 *
 *   main thread:    control socket (agent/control), signals (HUP reload,
 *                   TERM/INT stop), configuration reloads
 *   monitor thread: every probe connection (agent/monitor), one event loop
 *
 * Start-up order: configuration, daemon(3)-style detach, pidfile (locked),
 * registry, monitor (opens the appldata log, CA store, resolver), control
 * socket, privilege drop, then the monitor thread starts. Messages carry
 * stable IDs (SMDnnnnX), listed in smtpmond(8).
 */
#include "buildconf.h"
#include "config.h"
#include "control.h"
#include "log.h"
#include "monitor.h"
#include "registry.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <libgen.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONFIG SYSCONFDIR "/smtpmon/smtpmon.conf"

struct daemon {
	const char *config_path;
	struct config *cfg;            /* the running configuration (main thread's view) */
	struct registry *reg;
	struct event_base *mbase;      /* monitor thread */
	struct event_base *cbase;      /* main thread */
	struct monitor *mon;
	struct control *ctl;
	pthread_t thread;
	char *pid_file;
	int pid_fd;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: smtpmond [-FtdV] [-f FILE]\n"
	    "  -f FILE  configuration file (default %s)\n"
	    "  -F       stay in the foreground and log to stderr\n"
	    "  -t       check the configuration file and exit (0 valid, 1 errors)\n"
	    "  -d       debug messages\n"
	    "  -V       print the version and exit\n"
	    "  -h       this help\n"
	    "Signals: HUP reloads the configuration and reopens the appldata log;\n"
	    "TERM or INT sends QUIT on every connection and exits 0.\n"
	    "Query the running daemon with smtpmonctl(1); see smtpmond(8), smtpmon.conf(5).\n",
	    DEFAULT_CONFIG);
}

/* Load and report; NULL on error (every error printed). */
static struct config *
load_config(const char *path, bool to_stderr, char *msg, size_t msglen)
{
	struct config_errors errs = { 0 };
	struct config *cfg = config_load(path, &errs);
	size_t off = 0;

	if (msglen)
		msg[0] = '\0';
	if (cfg != NULL)
		return cfg;
	for (size_t i = 0; i < errs.n; i++) {
		if (to_stderr)
			fprintf(stderr, "%s\n", errs.msg[i]);
		else
			log_errx("SMD0004E %s", errs.msg[i]);
		if (off < msglen) {
			int w = snprintf(msg + off, msglen - off, "%s%s", off ? "\n" : "", errs.msg[i]);
			if (w > 0)
				off += (size_t)w;
		}
	}
	if (errs.total > errs.n) {
		if (to_stderr)
			fprintf(stderr, "%s: %zu more error(s) not shown\n", path, errs.total - errs.n);
		else
			log_errx("SMD0004E %s: %zu more error(s) not shown", path, errs.total - errs.n);
	}
	if (off == 0)
		snprintf(msg, msglen, "%s: configuration not valid", path);
	config_errors_clear(&errs);
	return NULL;
}

static size_t
count_addresses(const struct config *cfg, size_t *named)
{
	size_t n = 0;

	*named = 0;
	for (size_t i = 0; i < cfg->n_targets; i++) {
		if (cfg->targets[i].kind == TARGET_IP)
			n += cfg->targets[i].n_addrs;
		else
			(*named)++;
	}
	return n;
}

static int
check_only(const char *path)
{
	char msg[256];
	struct config *cfg = load_config(path, true, msg, sizeof msg);
	size_t named, addrs;

	if (cfg == NULL)
		return 1;
	addrs = count_addresses(cfg, &named);
	printf("%s: configuration valid: %zu TargetServer block(s), %zu address(es), "
	    "%zu name/MX lookup(s)\n", path, cfg->n_targets, addrs, named);
	for (size_t i = 0; i < cfg->n_unused; i++)
		printf("%s: not used by smtpmond (mail delivery only)\n", cfg->unused[i]);
	config_free(cfg);
	return 0;
}

/* mkdir the parent of path if it is missing (one level, mode 0750). */
static void
make_parent(const char *path, uid_t uid, gid_t gid)
{
	char *copy = xstrdup(path);
	char *dir = dirname(copy);

	if (mkdir(dir, 0750) == 0 && uid != (uid_t)-1 && chown(dir, uid, gid) != 0)
		log_warn("chown %s", dir);
	free(copy);
}

static int
write_pidfile(struct daemon *d)
{
	char buf[32];
	int n;

	make_parent(d->pid_file, (uid_t)-1, (gid_t)-1);
	d->pid_fd = open(d->pid_file, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (d->pid_fd < 0) {
		log_err("SMD0006E PidFile %s", d->pid_file);
		return -1;
	}
	if (flock(d->pid_fd, LOCK_EX | LOCK_NB) != 0) {
		log_errx("SMD0006E PidFile %s is locked: another smtpmond is running", d->pid_file);
		close(d->pid_fd);
		d->pid_fd = -1;
		return -1;
	}
	n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(d->pid_fd, 0) != 0 || write(d->pid_fd, buf, (size_t)n) != n) {
		log_err("SMD0006E PidFile %s", d->pid_file);
		return -1;
	}
	return 0;
}

static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			log_warn("setrlimit RLIMIT_NOFILE");
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		log_debug("RLIMIT_NOFILE %llu", (unsigned long long)rl.rlim_cur);
}

/* Started as root: give the files to User and become it. */
static int
drop_privileges(const struct config *cfg)
{
	const char *name = cfg->user;
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	if (name == NULL) {
		if (getpwnam("smtpmon") == NULL) {
			log_warnx("SMD0007W running as root: no User statement and no user smtpmon");
			return 0;
		}
		name = "smtpmon";
	}
	pw = getpwnam(name);
	if (pw == NULL) {
		log_errx("SMD0007E User %s: no such user", name);
		return -1;
	}
	if (cfg->appldata_log != NULL && chown(cfg->appldata_log, pw->pw_uid, pw->pw_gid) != 0)
		log_warn("chown %s", cfg->appldata_log);
	if (cfg->control_socket != NULL &&
	    chown(cfg->control_socket, pw->pw_uid, pw->pw_gid) != 0)
		log_warn("chown %s", cfg->control_socket);
	if (cfg->state_dir != NULL) {
		if (mkdir(cfg->state_dir, 0750) != 0 && errno != EEXIST)
			log_warn("mkdir %s", cfg->state_dir);
		if (chown(cfg->state_dir, pw->pw_uid, pw->pw_gid) != 0)
			log_warn("chown %s", cfg->state_dir);
	}
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
		log_err("SMD0007E cannot become user %s", name);
		return -1;
	}
	if (setuid(0) == 0) {
		log_errx("SMD0007E privileges could be regained after the drop");
		return -1;
	}
	log_info("SMD0007I running as user %s (uid %ld)", name, (long)pw->pw_uid);
	return 0;
}

static void *
monitor_thread(void *arg)
{
	struct daemon *d = arg;

	event_base_dispatch(d->mbase);
	return NULL;
}

static int
do_reload(void *arg, char *msg, size_t msglen)
{
	struct daemon *d = arg;
	struct config *cfg = load_config(d->config_path, false, msg, msglen);

	if (cfg == NULL) {
		log_errx("SMD0004E reload of %s refused: the running configuration stays",
		    d->config_path);
		return -1;
	}
	if (strcmp(cfg->control_socket, d->cfg->control_socket) != 0)
		log_warnx("SMD0002W ControlSocket changes take effect at restart");
	control_set_writer(d->ctl, cfg->writer);
	log_info("SMD0002I reloading %s: %zu TargetServer block(s)", d->config_path,
	    cfg->n_targets);
	snprintf(msg, msglen, "reloading %s: %zu TargetServer block(s)\n", d->config_path,
	    cfg->n_targets);
	/* the monitor gets its own copy; we keep one to compare paths */
	{
		struct config_errors errs = { 0 };
		struct config *mine = config_load(d->config_path, &errs);

		config_errors_clear(&errs);
		if (mine != NULL) {
			config_free(d->cfg);
			d->cfg = mine;
		}
	}
	monitor_post_reload(d->mon, cfg);
	return 0;
}

static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	char msg[256];

	(void)sig, (void)what;
	do_reload(arg, msg, sizeof msg);
}

static void
on_term(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	(void)what;
	log_info("SMD0003I signal %d: stopping", (int)sig);
	monitor_post_stop(d->mon);
	pthread_join(d->thread, NULL);
	event_base_loopbreak(d->cbase);
}

int
main(int argc, char **argv)
{
	struct daemon d = { .config_path = DEFAULT_CONFIG, .pid_fd = -1 };
	bool foreground = false, test = false, debug = false;
	char err[512];
	struct event *ev_hup, *ev_term, *ev_int;
	sigset_t all, old;
	size_t named, addrs;
	int opt;

	while ((opt = getopt(argc, argv, "f:FtdVh")) != -1) {
		switch (opt) {
		case 'f': d.config_path = optarg; break;
		case 'F': foreground = true; break;
		case 't': test = true; break;
		case 'd': debug = true; break;
		case 'V':
			printf("smtpmond (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "smtpmond: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 1;
	}
	if (test)
		return check_only(d.config_path);

	log_init("smtpmond", false, debug ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	d.cfg = load_config(d.config_path, true, err, sizeof err);
	if (d.cfg == NULL)
		return 1;
	if (!foreground) {
		if (daemon(0, 0) != 0) {
			perror("smtpmond: daemon");
			return 1;
		}
		log_init("smtpmond", true, debug ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	}
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	evthread_use_pthreads();

	d.pid_file = xstrdup(d.cfg->pid_file);
	if (write_pidfile(&d) != 0)
		return 1;
	for (size_t i = 0; i < d.cfg->n_unused; i++)
		log_info("SMD0005I statement not used by smtpmond (mail delivery only): %s",
		    d.cfg->unused[i]);

	d.reg = registry_new();
	d.mbase = event_base_new();
	d.cbase = event_base_new();
	if (d.mbase == NULL || d.cbase == NULL) {
		log_errx("event_base_new failed");
		return 1;
	}
	if (d.cfg->appldata_log != NULL)
		make_parent(d.cfg->appldata_log, (uid_t)-1, (gid_t)-1);
	make_parent(d.cfg->control_socket, (uid_t)-1, (gid_t)-1);
	{
		struct config_errors errs = { 0 };
		struct config *mcfg = config_load(d.config_path, &errs);   /* the monitor's copy */

		config_errors_clear(&errs);
		if (mcfg == NULL) {
			log_errx("SMD0004E %s changed while starting", d.config_path);
			return 1;
		}
		d.mon = monitor_new(d.mbase, d.reg, mcfg, err, sizeof err);
	}
	if (d.mon == NULL) {
		log_errx("SMD0004E %s", err);
		unlink(d.pid_file);
		return 1;
	}
	d.ctl = control_new(d.cbase, d.cfg->control_socket, d.reg, d.cfg->writer, do_reload, &d,
	    err, sizeof err);
	if (d.ctl == NULL) {
		log_errx("SMD0004E %s", err);
		unlink(d.pid_file);
		return 1;
	}
	if (drop_privileges(d.cfg) != 0) {
		control_free(d.ctl);
		unlink(d.pid_file);
		return 1;
	}

	ev_hup = evsignal_new(d.cbase, SIGHUP, on_hup, &d);
	ev_term = evsignal_new(d.cbase, SIGTERM, on_term, &d);
	ev_int = evsignal_new(d.cbase, SIGINT, on_term, &d);
	evsignal_add(ev_hup, NULL);
	evsignal_add(ev_term, NULL);
	evsignal_add(ev_int, NULL);

	/* the monitor thread takes no signals: they all arrive here */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if (pthread_create(&d.thread, NULL, monitor_thread, &d) != 0) {
		log_errx("pthread_create failed");
		return 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	addrs = count_addresses(d.cfg, &named);
	log_info("SMD0001I smtpmond %s started: config=%s targets=%zu lookups=%zu writer=%s "
	    "control=%s", PACKAGE_VERSION, d.config_path, addrs, named, d.cfg->writer,
	    d.cfg->control_socket);

	event_base_dispatch(d.cbase);

	control_free(d.ctl);
	event_free(ev_hup);
	event_free(ev_term);
	event_free(ev_int);
	monitor_free(d.mon);
	registry_free(d.reg);
	event_base_free(d.mbase);
	event_base_free(d.cbase);
	if (d.pid_fd >= 0) {
		unlink(d.pid_file);
		close(d.pid_fd);
	}
	free(d.pid_file);
	config_free(d.cfg);
	log_info("SMD0003I smtpmond stopped");
	return 0;
}
