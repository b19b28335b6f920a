/* bench/metrics_render.c: the cost of one /metrics page, without HTTP.
 *
 * usage: metrics_render N RUNS [--openmetrics] [--dump]
 * Builds a registry snapshot of N rows by hand, each as smtpmond holds a
 * target of bench/daemon-scale.sh once classified: up, TargetIP
 * 127.1.x.y:2525, ESMTP, STARTTLS offered, TLS 1.3 TLS_AES_256_GCM_SHA384
 * (0x1302), certificate verified with a notAfter, all five phase timings
 * and a NOOP round trip, counters non-zero, a TLS baseline with no event
 * active. Then renders it with metrics_render() RUNS times into one
 * open_memstream buffer (rewound between runs, so after the first run no
 * allocation is timed) and prints, on one line:
 *   rows=N runs=RUNS bytes=B median_ms=M p99_ms=P min_ms=L us_per_row=U
 * (wall clock, CLOCK_MONOTONIC; us_per_row = median / N). --dump writes one
 * rendering to standard output instead. Nothing is asserted. */
#include "buildconf.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509_vfy.h>

#include "metrics.h"
#include "registry.h"
#include "verdict.h"

#define NOW 1796083200                 /* 2026-12-01 00:00:00 UTC */

/* A row built by hand holds its verdict after itself (the registry shares
 * one instead); free(row) frees both. */
struct vrow {
	struct reg_row row;
	struct verdict v;
};

static struct reg_row *
row_tls13(unsigned i)
{
	struct vrow *x = calloc(1, sizeof *x);
	struct reg_row *row = x != NULL ? &x->row : NULL;
	struct smtp_result r;
	struct verdict_policy p = {
		.tls_attempted = true, .component = APPLDATA_MONITOR, .writer = "SMTPMON",
	};
	unsigned v = 0, k;

	if (row == NULL)
		return NULL;
	/* the addresses of bench/daemon-scale.sh: 127.1.0.1 on, skipping .0 and .255 */
	for (k = 0; k <= i; k++)
		do
			v++;
		while (v % 256 == 0 || v % 256 == 255);
	row->index = i + 1;
	row->dg.last_event = DG_NONE;
	verdict_blank(APPLDATA_MONITOR, "", &x->v);
	row->v = &x->v;
	reg_row_texts_blank(row);
	snprintf(row->target, sizeof row->target, "127.%u.%u.%u:2525", 1 + v / 65536,
	    (v / 256) % 256, v % 256);
	row->state = REG_UP;
	row->secure = true;

	memset(&r, 0, sizeof r);
	r.server_type = APPL_TYPE_ESMTP;
	r.security = APPL_SEC_TLS;
	r.ehlo_seen = true;
	r.starttls_offered = true;
	r.tls_done = true;
	r.tls.version = 0x0304;
	r.tls.cipher_id = 0x1302;
	strcpy(r.tls.cipher, "TLS_AES_256_GCM_SHA384");
	r.tls.have_cert = true;
	r.tls.not_after = NOW + 29 * 86400;
	r.tls.verify_code = X509_V_OK;
	r.t.connect = 95 + i % 50;
	r.t.banner = 210 + i % 70;
	r.t.ehlo = 180 + i % 40;
	r.t.starttls = 160 + i % 30;
	r.t.handshake = 2400 + i % 900;
	verdict_of(&r, &p, NOW, &x->v);
	row->classified = true;
	row->classified_at = NOW - 60;
	row->noop_rtt_us = 120 + i % 200;
	row->connects = 1 + i % 3;
	row->reprobes = 12 + i % 5;
	row->connect_failures = i % 2;
	row->conns[REG_ROLE_MONITOR].open = true;
	row->recycles = i % 7;
	row->dg.set = true;
	return row;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	struct reg_snapshot s;
	bool om = false, dump = false;
	size_t n, runs, i, bytes = 0, len = 0;
	uint64_t *ns;
	char *buf = NULL;
	FILE *out;
	int a;

	if (argc < 3) {
		fprintf(stderr, "usage: metrics_render N RUNS [--openmetrics] [--dump]\n");
		return 2;
	}
	n = strtoul(argv[1], NULL, 10);
	runs = strtoul(argv[2], NULL, 10);
	for (a = 3; a < argc; a++) {
		if (strcmp(argv[a], "--openmetrics") == 0)
			om = true;
		else if (strcmp(argv[a], "--dump") == 0)
			dump = true;
	}
	if (runs == 0)
		runs = 1;
	memset(&s, 0, sizeof s);
	s.generation = 1;
	s.published_at = NOW - 1;
	s.started = NOW - 3600;
	s.targets_configured = n;
	s.n = n;
	s.rows = calloc(n ? n : 1, sizeof *s.rows);
	if (s.rows == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		if ((s.rows[i] = row_tls13((unsigned)i)) == NULL)
			return 1;
		s.probes_done += s.rows[i]->connects + s.rows[i]->reprobes;
	}
	if (dump)
		return metrics_render(stdout, &s, PACKAGE_VERSION, NOW, om) == 0 ? 0 : 1;

	if ((ns = calloc(runs, sizeof *ns)) == NULL || (out = open_memstream(&buf, &len)) == NULL)
		return 1;
	for (i = 0; i < runs; i++) {
		uint64_t t0;

		rewind(out);
		t0 = now_ns();
		if (metrics_render(out, &s, PACKAGE_VERSION, NOW, om) != 0 || fflush(out) != 0)
			return 1;
		ns[i] = now_ns() - t0;
		bytes = (size_t)ftell(out);
	}
	qsort(ns, runs, sizeof *ns, cmp_u64);
	{
		double med = ns[runs / 2] / 1e6;
		double p99 = ns[(runs * 99 + 99) / 100 - 1] / 1e6;

		printf("rows=%zu runs=%zu bytes=%zu median_ms=%.3f p99_ms=%.3f min_ms=%.3f"
		    " us_per_row=%.3f\n", n, runs, bytes, med, p99, ns[0] / 1e6,
		    n ? med * 1000.0 / (double)n : 0.0);
	}
	fclose(out);
	free(buf);
	free(ns);
	for (i = 0; i < n; i++)
		free(s.rows[i]);
	free(s.rows);
	return 0;
}
