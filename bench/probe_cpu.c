/* bench/probe_cpu.c: CPU cost of one full classification in the probe
 * engine, measured in-process (what the daemon pays per probe).
 *
 * usage: probe_cpu HOST PORT N CONCURRENCY CAFILE SERVERNAME
 * Runs N probe sessions (connect, banner, EHLO, STARTTLS, TLS handshake with
 * certificate verification, EHLO, NOOP, QUIT), at most CONCURRENCY at once,
 * on one libevent loop with one shared TLS context, and prints the user+sys
 * CPU time of this process per probe (and user and sys apart). CAFILE "-"
 * runs the same dialogue without STARTTLS (connect, banner, EHLO, NOOP,
 * QUIT): what the TCP and SMTP part alone cost, for comparison. The TLS
 * context has smtpmond's verification cache (tls_ctx_verify_cache) unless
 * PROBE_CPU_NO_VCACHE is set; its hits and misses are printed. */
#include "buildconf.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <event2/event.h>

#include "smtp_session.h"
#include "util.h"

static struct event_base *base;
static struct smtp_session_cfg cfg;
static struct addrinfo *ai;
static int started, done, failed, total;

static void start_one(void);

static void
on_ev(struct smtp_session *s, enum smtp_event ev, void *arg)
{
	(void)arg;
	if (ev != SMTP_EV_CLOSED)
		return;
	if (smtp_session_result(s)->fail != SMTP_F_NONE ||
	    (cfg.secure && !smtp_session_result(s)->tls_done))
		failed++;
	done++;
	smtp_session_free(s);
	if (started < total)
		start_one();
	else if (done == total)
		event_base_loopbreak(base);
}

static void
start_one(void)
{
	struct smtp_session *s = smtp_session_new(base, &cfg, ai->ai_addr, ai->ai_addrlen, on_ev, NULL);
	started++;
	smtp_session_start(s);
}

static void
cpu_s(double *user, double *sys)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	*user = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	*sys = (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
	char err[256];
	int conc, i;
	double u0, s0, u1, s1;
	unsigned long hits = 0, misses = 0;
	bool plain;
	uint64_t t0, t1;

	if (argc != 7) {
		fprintf(stderr, "usage: probe_cpu HOST PORT N CONCURRENCY CAFILE SERVERNAME\n");
		return 2;
	}
	if (getaddrinfo(argv[1], argv[2], &hints, &ai) != 0)
		return 2;
	total = atoi(argv[3]);
	conc = atoi(argv[4]);
	plain = strcmp(argv[5], "-") == 0;
	base = event_base_new();
	cfg = (struct smtp_session_cfg){
		.helo_name = "bench.smtpmon.test", .secure = !plain, .servername = argv[6],
		.mode = SMTP_MODE_PROBE, .connect_ms = 10000, .initial_ms = 10000,
		.anycmd_ms = 10000,
	};
	cfg.tls = plain ? NULL : tls_ctx_new(argv[5], err, sizeof err);
	if (!plain && cfg.tls == NULL) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	/* as smtpmond does (agent/schedule/sessenv.c); PROBE_CPU_NO_VCACHE=1
	 * measures without the verification cache */
	if (!plain && getenv("PROBE_CPU_NO_VCACHE") == NULL)
		(void)tls_ctx_verify_cache(cfg.tls, argv[5], 3600);
	cpu_s(&u0, &s0);
	t0 = now_us();
	for (i = 0; i < conc && i < total; i++)
		start_one();
	event_base_dispatch(base);
	t1 = now_us();
	cpu_s(&u1, &s1);
	if (!plain)
		tls_ctx_verify_cache_stats(cfg.tls, &hits, &misses);
	printf("probes=%d failed=%d cpu_per_probe_ms=%.4f user_ms=%.4f sys_ms=%.4f wall_s=%.3f "
	    "probes_per_s=%.0f verify_cache_hits=%lu misses=%lu\n", total, failed,
	    (u1 - u0 + s1 - s0) * 1000 / total, (u1 - u0) * 1000 / total,
	    (s1 - s0) * 1000 / total, (double)(t1 - t0) / 1e6,
	    total / ((double)(t1 - t0) / 1e6), hits, misses);
	return failed ? 1 : 0;
}
