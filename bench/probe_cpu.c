/* bench/probe_cpu.c: CPU cost of one full classification in the probe
 * engine, measured in-process (what the daemon pays per probe).
 *
 * usage: probe_cpu HOST PORT N CONCURRENCY CAFILE SERVERNAME
 * Runs N probe sessions (connect, banner, EHLO, STARTTLS, TLS handshake with
 * certificate verification, EHLO, NOOP, QUIT), at most CONCURRENCY at once,
 * on one libevent loop with one shared TLS context, and prints the user+sys
 * CPU time of this process per probe. */
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
	if (smtp_session_result(s)->fail != SMTP_F_NONE || !smtp_session_result(s)->tls_done)
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

static double
cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
	char err[256];
	int conc, i;
	double c0, c1;
	uint64_t t0, t1;

	if (argc != 7) {
		fprintf(stderr, "usage: probe_cpu HOST PORT N CONCURRENCY CAFILE SERVERNAME\n");
		return 2;
	}
	if (getaddrinfo(argv[1], argv[2], &hints, &ai) != 0)
		return 2;
	total = atoi(argv[3]);
	conc = atoi(argv[4]);
	base = event_base_new();
	cfg = (struct smtp_session_cfg){
		.helo_name = "bench.smtpmon.test", .secure = true, .servername = argv[6],
		.mode = SMTP_MODE_PROBE, .connect_ms = 10000, .initial_ms = 10000,
		.anycmd_ms = 10000,
	};
	cfg.tls = tls_ctx_new(argv[5], err, sizeof err);
	if (cfg.tls == NULL) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	c0 = cpu_s();
	t0 = now_us();
	for (i = 0; i < conc && i < total; i++)
		start_one();
	event_base_dispatch(base);
	t1 = now_us();
	c1 = cpu_s();
	printf("probes=%d failed=%d cpu_per_probe_ms=%.4f wall_s=%.3f probes_per_s=%.0f\n", total,
	    failed, (c1 - c0) * 1000 / total, (double)(t1 - t0) / 1e6,
	    total / ((double)(t1 - t0) / 1e6));
	return failed ? 1 : 0;
}
