/* agent/daemon/smtpmond.c: the daemon. Start-up, signals, the threads.
 *
 *   main thread:    control socket (agent/control), signals (HUP reload,
 *                   TERM/INT stop), configuration reloads
 *   monitor thread: every probe connection (agent/monitor), one event loop;
 *                   also takes in the passive probe's sessions
 *   SNMP thread:    the AgentX subagent (agent/snmp), unless AgentXSocket off
 *   pcap thread:    the passive probe (probes/passive), with a Passive block
 *
 * Start-up order: configuration, daemon(3)-style detach, pidfile (locked),
 * registry, monitor (opens the appldata log, CA store, resolver), control
 * socket, the passive probe's capture, privilege drop, SNMP subagent, then
 * the monitor thread and the pcap thread start. Stop: the pcap thread
 * first (no more sessions), then the monitor (QUIT everywhere).
 * The subagent starts after the drop on purpose: it reconnects to snmpd by
 * itself after every snmpd restart, always as the user smtpmond has become,
 * so a master socket that only root can open would work for the first
 * connection and then never again; snmpd's agentXPerms must admit that
 * user. Messages carry stable IDs (SMDnnnnX), listed in smtpmond(8).
 */
#include "buildconf.h"
#include "config.h"
#include "control.h"
#include "httpd.h"
#include "log.h"
#include "metrics.h"
#include "monitor.h"
#include "passive.h"
#include "registry.h"
#include "snmp.h"
#include "statuspage.h"
#include "timer.h"
#include "tls.h"
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
	struct config *cfg;            /* as started: what a reload cannot change
	                                  (sockets, pidfile) is compared with it */
	struct registry *reg;
	struct event_base *mbase;      /* monitor thread */
	struct event_base *cbase;      /* main thread */
	struct monitor *mon;
	struct control *ctl;
	struct snmp_agent *snmp;       /* NULL with AgentXSocket off */
	struct httpd *httpd;           /* NULL without MetricsListen */
	pthread_t thread;
	struct passive *pv;            /* the passive probe, NULL without Passive */
	pthread_t pv_thread;
	bool pv_running;
	char pv_source[160];
	char *pid_file;
	int pid_fd;
	char *abs_path;               /* config_path made absolute, owned */
	struct event *sig[3];          /* SIGHUP, SIGTERM, SIGINT on cbase */
	int ready_fd;                  /* the waiting parent's pipe (detach()); -1 none */
	uid_t uid;                     /* the user to become (run_as()); (uid_t)-1 none */
	gid_t gid;
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
make_parent(const char *path)
{
	char *copy = xstrdup(path);
	char *dir = dirname(copy);

	/* owned by whoever starts the daemon (root), never handed to User: a
	 * directory the daemon's user could write is one where it could plant
	 * a link for root to follow at the next start */
	if (mkdir(dir, 0755) == 0)
		chmod(dir, 0755);      /* whatever the umask: the user must reach its files */
	else if (errno != EEXIST)
		log_warn("mkdir %s", dir);
	free(copy);
}

/* A file root may write: opened without following a symbolic link (or
 * waiting on a FIFO), and only a regular file with a single link. -1 with
 * errno (ELOOP for a link, EINVAL for anything else unfit). */
static int
open_safe(const char *path, int flags, mode_t mode)
{
	struct stat st;
	int fd = open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, mode);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

/* Fork into the background. The parent waits on a pipe until the child
 * says it is ready (one byte) or gives up (closes it with a message), and
 * exits 0 or 1 accordingly, so a start-up error is seen by whoever started
 * the daemon. Returns 0 in the child with *ready_fd set; the parent never
 * returns. */
static int
detach(int *ready_fd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0) {
		perror("smtpmond: pipe");
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("smtpmond: fork");
		return -1;
	}
	if (pid > 0) {
		char buf[1024];
		ssize_t n;
		size_t got = 0;

		close(p[1]);
		while (got < sizeof buf - 1 && (n = read(p[0], buf + got, sizeof buf - 1 - got)) > 0)
			got += (size_t)n;
		buf[got] = '\0';
		if (got == 1 && buf[0] == '\0')
			_exit(0);
		fprintf(stderr, "smtpmond: not started%s%s\n", got ? ": " : "", got ? buf : "");
		_exit(1);
	}
	close(p[0]);
	if (setsid() < 0 || chdir("/") != 0) {
		perror("smtpmond: setsid");
		return -1;
	}
	*ready_fd = p[1];
	return 0;
}

/* Frees whatever of the daemon was built, in reverse order; the monitor
 * thread has ended or never started. Removes the pidfile it wrote. */
static void
teardown(struct daemon *d)
{
	for (size_t i = 0; i < 3; i++)
		if (d->sig[i] != NULL)
			event_free(d->sig[i]);
	httpd_free(d->httpd);
	snmp_agent_stop(d->snmp);
	control_free(d->ctl);
	passive_close(d->pv);       /* its last sessions go to the mailbox, unread */
	monitor_free(d->mon);
	registry_free(d->reg);
	if (d->mbase != NULL)
		event_base_free(d->mbase);
	if (d->cbase != NULL)
		event_base_free(d->cbase);
	if (d->pid_fd >= 0) {
		unlink(d->pid_file);
		close(d->pid_fd);
	}
	free(d->pid_file);
	config_free(d->cfg);
	free(d->abs_path);
	memset(d, 0, sizeof *d);
	d->pid_fd = -1;
	d->ready_fd = -1;
}

/* A start-up failure: tell the waiting parent why, remove what we made.
 * Returns 1, main()'s exit code. */
static int
fail_start(struct daemon *d, const char *why)
{
	if (d->ready_fd >= 0) {
		if (write(d->ready_fd, why, strlen(why)) < 0)
			log_warn("readiness pipe");
		close(d->ready_fd);
	}
	teardown(d);
	return 1;
}

/* A start phase failed with err: log it under the message id, then
 * fail_start(). */
static int
phase_failed(struct daemon *d, const char *id, const char *err)
{
	log_errx("%s %s", id, err);
	return fail_start(d, err);
}

/* The user to become when started as root: User, else smtpmon if it
 * exists, else none ((uid_t)-1). -1 when User names no user. */
static int
run_as(const struct config *cfg, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;

	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (geteuid() != 0)
		return 0;
	pw = getpwnam(cfg->user != NULL ? cfg->user : "smtpmon");
	if (pw == NULL) {
		if (cfg->user == NULL)
			return 0;
		log_errx("SMD0007E User %s: no such user", cfg->user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

static int
write_pidfile(struct daemon *d)
{
	char buf[32];
	int n;

	make_parent(d->pid_file);
	d->pid_fd = open_safe(d->pid_file, O_RDWR | O_CREAT, 0644);
	if (d->pid_fd < 0) {
		log_err("SMD0006E PidFile %s%s", d->pid_file, errno == ELOOP || errno == EINVAL ?
		    " (a symbolic link, or not a regular file with one link: refused)" : "");
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

/* Started as root: give the files to the user (run_as()) and become it. */
static int
drop_privileges(const struct config *cfg, uid_t uid, gid_t gid)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	if (uid == (uid_t)-1) {
		log_warnx("SMD0007W running as root: no User statement and no user smtpmon");
		return 0;
	}
	pw = getpwuid(uid);
	/* hand over the files on their descriptors, never by a path that a
	 * link could redirect */
	if (cfg->appldata_log != NULL) {
		int fd = open_safe(cfg->appldata_log, O_WRONLY | O_APPEND, 0);

		if (fd < 0 || fchown(fd, uid, gid) != 0)
			log_warn("AppldataLog %s: cannot give it to uid %ld", cfg->appldata_log,
			    (long)uid);
		if (fd >= 0)
			close(fd);
	}
	if (cfg->control_socket != NULL && lchown(cfg->control_socket, uid, gid) != 0)
		log_warn("chown %s", cfg->control_socket);
	if (cfg->state_dir != NULL) {
		if (mkdir(cfg->state_dir, 0750) != 0 && errno != EEXIST)
			log_warn("mkdir %s", cfg->state_dir);
		if (lchown(cfg->state_dir, uid, gid) != 0)
			log_warn("chown %s", cfg->state_dir);
	}
	/* no supplementary group survives, not even the user's own: what the
	 * daemon reads later is readable by the user or its primary group
	 * (smtpmond(8) PRIVILEGES), nothing else it inherited */
	if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
		log_err("SMD0007E cannot become uid %ld", (long)uid);
		return -1;
	}
	if (setuid(0) == 0) {
		log_errx("SMD0007E privileges could be regained after the drop");
		return -1;
	}
	log_info("SMD0007I running as user %s (uid %ld)", pw != NULL ? pw->pw_name : "?",
	    (long)uid);
	return 0;
}

/* ---- the passive probe's thread ---- */

static void
pv_figures(const struct daemon *d, const struct passive_stats *st, struct reg_passive *rp)
{
	memset(rp, 0, sizeof *rp);
	rp->enabled = true;
	str_copy(rp->source, d->pv_source, sizeof rp->source);
	rp->packets = st->packets;
	rp->bytes = st->bytes;
	rp->sessions = st->sessions;
	rp->sessions_tls = st->sessions_tls;
	rp->sessions_plain = st->sessions_plain;
	rp->capture_drops = st->ps_drop + st->ps_ifdrop;
	rp->bytes_lost = st->reasm != NULL ? st->reasm->bytes_gap : 0;
	rp->tls_pool_empty = st->tls_pool_empty;
	str_copy(rp->error, st->read_error, sizeof rp->error);
}

static void
pv_session(void *arg, const struct passive_session *s)
{
	struct daemon *d = arg;
	struct reg_passive rp;

	/* the figures go with each session, so that `smtpmonctl passive` never
	 * shows rows without their counts; a file waits for the monitor
	 * (nothing lost), a live capture does not */
	pv_figures(d, passive_stats(d->pv), &rp);
	monitor_post_passive(d->mon, s, d->cfg->passive.pcap_file != NULL, &rp);
}

static void
pv_tick(void *arg, const struct passive_stats *st)
{
	struct daemon *d = arg;
	struct reg_passive rp;

	pv_figures(d, st, &rp);
	monitor_post_passive_stats(d->mon, &rp);
}

static void *
passive_thread(void *arg)
{
	struct daemon *d = arg;
	int rc = passive_run(d->pv);
	const struct passive_stats *st = passive_stats(d->pv);

	if (rc != 0)
		log_errx("SMD1861E passive probe (%s): %s%s", d->pv_source, st->read_error,
		    st->truncated ? " (truncated capture: read up to there)" : "");
	else if (st->stopped)
		log_info("SMD1861I passive probe (%s) stopped: %llu packets, %llu sessions",
		    d->pv_source, (unsigned long long)st->packets, (unsigned long long)st->sessions);
	else if (d->cfg->passive.pcap_file != NULL)
		log_info("SMD1861I passive probe: %s read: %llu packets, %llu sessions (%llu TLS, "
		    "%llu basic)", d->pv_source, (unsigned long long)st->packets,
		    (unsigned long long)st->sessions, (unsigned long long)st->sessions_tls,
		    (unsigned long long)st->sessions_plain);
	return NULL;
}

/* Open the capture while still privileged; NULL with a message on error. */
static struct passive *
passive_start(struct daemon *d, char *err, size_t errlen)
{
	const struct cfg_passive *cp = &d->cfg->passive;
	struct passive_cfg pc;
	size_t used = 0;

	memset(&pc, 0, sizeof pc);
	pc.interfaces = (const char *const *)cp->interfaces;
	pc.n_interfaces = cp->n_interfaces;
	pc.file = cp->pcap_file;
	pc.ports = &cp->ports;
	pc.tick = pv_tick;
	if (cp->pcap_file != NULL)
		snprintf(d->pv_source, sizeof d->pv_source, "file %s", cp->pcap_file);
	else
		for (size_t i = 0; i < cp->n_interfaces && used < sizeof d->pv_source; i++)
			used += (size_t)snprintf(d->pv_source + used, sizeof d->pv_source - used,
			    "%s%s", i ? "," : "interface ", cp->interfaces[i]);
	return passive_open(&pc, pv_session, d, err, errlen);
}

static bool
passive_changed(const struct cfg_passive *a, const struct cfg_passive *b)
{
	if (a->present != b->present || a->n_interfaces != b->n_interfaces ||
	    !portset_equal(&a->ports, &b->ports) ||
	    (a->pcap_file == NULL) != (b->pcap_file == NULL) ||
	    (a->pcap_file != NULL && strcmp(a->pcap_file, b->pcap_file) != 0))
		return true;
	for (size_t i = 0; i < a->n_interfaces; i++)
		if (strcmp(a->interfaces[i], b->interfaces[i]) != 0)
			return true;
	return false;
}

/* What the monitor thread could still refuse (CA file, appldata log),
 * checked here so that "reload: OK" means the file will be applied. */
static int
reload_check(const struct config *cfg, char *msg, size_t msglen)
{
	struct tls_ctx *ctx = tls_ctx_new(cfg->ca_file, msg, msglen);

	if (ctx == NULL)
		return -1;
	tls_ctx_free(ctx);
	if (cfg->appldata_log != NULL) {
		int fd = open(cfg->appldata_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
		    O_NOFOLLOW | O_NONBLOCK, 0640);

		if (fd < 0) {
			snprintf(msg, msglen, "AppldataLog %s: %s", cfg->appldata_log, strerror(errno));
			return -1;
		}
		close(fd);
	}
	return 0;
}

/* The same MetricsListen addresses, in the same order (their lines and
 * spelling aside)? */
static bool
same_listen(const struct config *a, const struct config *b)
{
	if (a->n_metrics_listen != b->n_metrics_listen)
		return false;
	for (size_t i = 0; i < a->n_metrics_listen; i++) {
		const struct cfg_listen *x = &a->metrics_listen[i], *y = &b->metrics_listen[i];

		if (x->len != y->len || memcmp(&x->ss, &y->ss, x->len) != 0)
			return false;
	}
	return true;
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
	if (reload_check(cfg, msg, msglen) != 0) {
		log_errx("SMD0004E reload of %s refused: %s", d->config_path, msg);
		config_free(cfg);
		return -1;
	}
	if (strcmp(cfg->control_socket, d->cfg->control_socket) != 0)
		log_warnx("SMD0002W ControlSocket changes take effect at restart");
	if (!same_listen(cfg, d->cfg))
		log_warnx("SMD0002W MetricsListen changes take effect at restart");
	if ((cfg->agentx_off != d->cfg->agentx_off) ||
	    (cfg->agentx_socket == NULL) != (d->cfg->agentx_socket == NULL) ||
	    (cfg->agentx_socket != NULL && strcmp(cfg->agentx_socket, d->cfg->agentx_socket) != 0))
		log_warnx("SMD0002W AgentXSocket changes take effect at restart");
	control_set_writer(d->ctl, cfg->writer);
	snmp_agent_set_writer(d->snmp, cfg->writer);
	log_info("SMD0002I reloading %s: %zu TargetServer block(s)", d->config_path,
	    cfg->n_targets);
	snprintf(msg, msglen, "reloading %s: %zu TargetServer block(s)\n", d->config_path,
	    cfg->n_targets);
	if (passive_changed(&cfg->passive, &d->cfg->passive))
		log_warnx("SMD1865W Passive changes take effect at restart");
	monitor_post_reload(d->mon, cfg);   /* the monitor owns cfg from here */
	return 0;
}

/* Control thread: "baseline reset TARGET". */
static int
do_baseline_reset(void *arg, const char *sel)
{
	struct daemon *d = arg;

	return monitor_baseline_reset(d->mon, sel);
}

/* Monitor thread (TLS alerts: the monitor's outbox writer thread; both fine,
 * snmp_agent_post() takes any thread): an event; the SNMP thread sends it. */
static void
on_monitor_event(const struct monitor_event *ev, void *arg)
{
	snmp_agent_post(arg, ev);
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
	if (d->pv_running) {   /* no more sessions from the wire */
		passive_stop(d->pv);
		pthread_join(d->pv_thread, NULL);
		d->pv_running = false;
	}
	monitor_post_stop(d->mon);
	pthread_join(d->thread, NULL);
	event_base_loopbreak(d->cbase);
}

/* ---- start and stop: main() runs these phases in order ---- */

struct options {
	bool foreground, test, debug;
};

/* The command line into o and d->config_path. Returns -1 to go on, or the
 * exit code (0 after -V or -h, 1 for a usage error). */
static int
parse_args(int argc, char **argv, struct options *o, struct daemon *d)
{
	int opt;

	while ((opt = getopt(argc, argv, "f:FtdVh")) != -1) {
		switch (opt) {
		case 'f': d->config_path = optarg; break;
		case 'F': o->foreground = true; break;
		case 't': o->test = true; break;
		case 'd': o->debug = true; break;
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
	return -1;
}

/* Logging to stderr, the configuration (its errors on stderr), and its
 * absolute path for the reloads, which read it after chdir("/"). */
static int
read_config(struct daemon *d, const struct options *o)
{
	char err[512];

	log_init("smtpmond", false, o->debug ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	d->cfg = load_config(d->config_path, true, err, sizeof err);
	if (d->cfg == NULL)
		return -1;
	d->abs_path = realpath(d->config_path, NULL);
	if (d->abs_path != NULL)
		d->config_path = d->abs_path;
	return 0;
}

/* Without -F: into the background (detach()), logging to syslog. */
static int
go_background(struct daemon *d, const struct options *o)
{
	if (o->foreground)
		return 0;
	if (detach(&d->ready_fd) != 0)
		return -1;
	log_init("smtpmond", true, o->debug ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	return 0;
}

/* What the whole process needs: no SIGPIPE, every descriptor it may have,
 * libevent's locks. */
static void
setup_process(void)
{
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	evthread_use_pthreads();
}

/* The user to become, the PidFile (written and locked), and the statements
 * that are accepted but not used. */
static int
claim_files(struct daemon *d)
{
	if (run_as(d->cfg, &d->uid, &d->gid) != 0)
		return fail_start(d, "User: no such user");
	d->pid_file = xstrdup(d->cfg->pid_file);
	if (write_pidfile(d) != 0)
		return fail_start(d, "cannot write the PidFile");
	for (size_t i = 0; i < d->cfg->n_unused; i++)
		log_info("SMD0005I statement not used by smtpmond (mail delivery only): %s",
		    d->cfg->unused[i]);
	return 0;
}

/* The registry, both event loops and the monitor, with a copy of the
 * configuration of its own. */
static int
start_monitor(struct daemon *d)
{
	struct config_errors errs = { 0 };
	struct config *mcfg;
	char err[512];

	d->reg = registry_new();
	d->mbase = event_base_new();
	d->cbase = event_base_new();
	if (d->mbase == NULL || d->cbase == NULL) {
		log_errx("event_base_new failed");
		return fail_start(d, "event_base_new failed");
	}
	/* directories made here stay the starter's (root's): the files in them
	 * are handed to the user, the directories are not */
	if (d->cfg->appldata_log != NULL)
		make_parent(d->cfg->appldata_log);
	make_parent(d->cfg->control_socket);
	mcfg = config_load(d->config_path, &errs);   /* the monitor's copy */
	config_errors_clear(&errs);
	if (mcfg == NULL) {
		log_errx("SMD0004E %s changed while starting", d->config_path);
		return fail_start(d, "the configuration changed while starting");
	}
	d->mon = monitor_new(d->mbase, d->reg, mcfg, err, sizeof err);
	if (d->mon == NULL)
		return phase_failed(d, "SMD0004E", err);
	return 0;
}

/* The control socket. */
static int
start_control(struct daemon *d)
{
	char err[512];

	d->ctl = control_new(d->cbase, d->cfg->control_socket, d->reg, d->cfg->writer, do_reload,
	    d, err, sizeof err);
	if (d->ctl == NULL)
		return phase_failed(d, "SMD0004E", err);
	control_set_reset(d->ctl, do_baseline_reset, d);
	return 0;
}

/* The pages of MetricsListen. */
static int
render_metrics(FILE *out, const struct reg_snapshot *s, time_t now, int repr, void *arg)
{
	(void)arg;
	return metrics_render(out, s, PACKAGE_VERSION, now, repr == 1);
}

static int
render_status_page(FILE *out, const struct reg_snapshot *s, time_t now, int repr, void *arg)
{
	(void)repr, (void)arg;
	return statuspage_render(out, s, PACKAGE_VERSION, now, STATUSPAGE_REFRESH_S);
}

static const struct httpd_page http_pages[] = {
	{ .path = "/metrics",
	  .offers = { { "text/plain", "0.0.4" }, { "application/openmetrics-text", "1.0.0" } },
	  .content_type = { "text/plain; version=0.0.4; charset=utf-8",
	      "application/openmetrics-text; version=1.0.0; charset=utf-8" },
	  .n_offers = 2, .render = render_metrics },
	{ .path = "/",
	  .offers = { { "text/html", NULL } },
	  .content_type = { "text/html; charset=utf-8" },
	  .n_offers = 1, .render = render_status_page,
	  .extra_header = "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'" },
};

/* With MetricsListen, its sockets: a port below 1024 needs the privileges
 * about to go. */
static int
open_http(struct daemon *d)
{
	char err[512];

	if (d->cfg->n_metrics_listen == 0)
		return 0;
	d->httpd = httpd_new(d->reg, d->cfg->metrics_listen, d->cfg->n_metrics_listen, http_pages,
	    sizeof http_pages / sizeof http_pages[0], err, sizeof err);
	if (d->httpd == NULL)
		return phase_failed(d, "SMD1870E", err);
	return 0;
}

/* With a Passive block, the capture: it needs the privileges about to go. */
static int
open_capture(struct daemon *d)
{
	char err[512];

	if (!d->cfg->passive.present)
		return 0;
	d->pv = passive_start(d, err, sizeof err);
	if (d->pv == NULL) {
		log_errx("SMD1861E passive probe: %s", err);
		return fail_start(d, err);
	}
	return 0;
}

static int
become_user(struct daemon *d)
{
	if (drop_privileges(d->cfg, d->uid, d->gid) != 0)
		return fail_start(d, "cannot drop privileges");
	return 0;
}

/* The AgentX subagent, after the drop (see the top of this file). */
static int
start_snmp(struct daemon *d)
{
	char err[512];

	if (d->cfg->agentx_off) {
		log_info("SMD1840I SNMP subagent off (AgentXSocket off)");
		return 0;
	}
	d->snmp = snmp_agent_start(d->reg, d->cfg->agentx_socket, d->cfg->writer, err,
	    sizeof err);
	if (d->snmp == NULL)
		return phase_failed(d, "SMD1840E", err);
	monitor_set_event_hook(d->mon, on_monitor_event, d->snmp);
	return 0;
}

/* The HTTP server's thread. */
static int
start_http(struct daemon *d)
{
	char err[512];

	if (d->httpd == NULL)
		return 0;
	if (httpd_start(d->httpd, err, sizeof err) != 0)
		return phase_failed(d, "SMD1870E", err);
	return 0;
}

/* The signal events, then the monitor thread and the pcap thread. */
static int
start_threads(struct daemon *d)
{
	struct reg_passive rp;
	sigset_t all, old;

	d->sig[0] = evsignal_new(d->cbase, SIGHUP, on_hup, d);
	d->sig[1] = evsignal_new(d->cbase, SIGTERM, on_term, d);
	d->sig[2] = evsignal_new(d->cbase, SIGINT, on_term, d);
	for (size_t i = 0; i < 3; i++)
		evsignal_add(d->sig[i], NULL);

	/* "on" in the first snapshot a reader can take: the monitor thread,
	 * the registry's one writer, is not running yet; figures to follow */
	memset(&rp, 0, sizeof rp);
	if (d->pv != NULL) {
		rp.enabled = true;
		str_copy(rp.source, d->pv_source, sizeof rp.source);
		registry_set_passive(d->reg, &rp);
		registry_publish(d->reg);
	}
	/* the monitor thread takes no signals: they all arrive here */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	/* loop_thread(), not dispatch(): with no target (a passive-only
	 * configuration) nothing may be pending, and the loop must still wait
	 * for the passive probe's sessions, reloads and stop */
	if (pthread_create(&d->thread, NULL, loop_thread, d->mbase) != 0) {
		log_errx("pthread_create failed");
		return fail_start(d, "pthread_create failed");
	}
	if (d->pv != NULL) {
		monitor_post_passive_stats(d->mon, &rp);   /* the monitor's copy, the same */
		if (pthread_create(&d->pv_thread, NULL, passive_thread, d) != 0) {
			log_errx("SMD1861E passive probe: pthread_create failed");
		} else {
			d->pv_running = true;
			log_info("SMD1866I passive probe started: %s", d->pv_source);
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
}

/* SMD0001I; then the waiting parent is told, and the terminal let go. */
static void
announce_started(struct daemon *d)
{
	size_t named, addrs = count_addresses(d->cfg, &named);

	log_info("SMD0001I smtpmond %s started: config=%s targets=%zu lookups=%zu writer=%s "
	    "control=%s", PACKAGE_VERSION, d->config_path, addrs, named, d->cfg->writer,
	    d->cfg->control_socket);
	if (d->ready_fd >= 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (write(d->ready_fd, "", 1) != 1)
			log_warn("readiness pipe");
		close(d->ready_fd);
		d->ready_fd = -1;
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			close(null);
		}
	}
}

/* After the main loop: on_term() has ended the threads. */
static void
stop(struct daemon *d)
{
	teardown(d);   /* the monitor thread has ended: no more events */
	log_info("SMD0003I smtpmond stopped");
}

/* Start-up after the process is set up, in this order; a phase that fails
 * has called fail_start() and the rest do not run. */
static int (*const start_phases[])(struct daemon *) = {
	claim_files,      /* User, PidFile */
	start_monitor,    /* registry, event loops, monitor */
	start_control,    /* control socket */
	open_http,        /* MetricsListen sockets, still privileged */
	open_capture,     /* passive probe's capture, still privileged */
	become_user,      /* privilege drop */
	start_snmp,       /* AgentX subagent */
	start_http,       /* HTTP server thread */
	start_threads,    /* signals, monitor and pcap threads */
};

int
main(int argc, char **argv)
{
	struct daemon d = { .config_path = DEFAULT_CONFIG, .pid_fd = -1, .ready_fd = -1,
	    .uid = (uid_t)-1, .gid = (gid_t)-1 };
	struct options o = { 0 };
	int rc;

	if ((rc = parse_args(argc, argv, &o, &d)) >= 0)
		return rc;
	if (o.test)
		return check_only(d.config_path);
	if (read_config(&d, &o) != 0)
		return 1;
	if (go_background(&d, &o) != 0)
		return 1;   /* the parent has exited with the child's verdict */
	setup_process();
	for (size_t i = 0; i < sizeof start_phases / sizeof start_phases[0]; i++)
		if (start_phases[i](&d) != 0)
			return 1;
	announce_started(&d);
	event_base_dispatch(d.cbase);
	stop(&d);
	return 0;
}
