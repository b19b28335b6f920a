/* tests/tools/resolve.c: one agent/resolver lookup from the command line, for
 * the integration tests.
 *
 *   resolve [-s SERVERS] [-t TIMEOUT_MS] [-r TRIES] [-v] host|mx NAME [PORT]
 *       prints "status=N ttl=N", then "host PREF NAME" for every host, each
 *       followed by "addr ADDR:PORT" for its addresses ([ADDR]:PORT for IPv6);
 *       the error text goes to stderr. Exit 0 on status 0, 2 otherwise, 3 if
 *       the callback ran inside resolver_host()/resolver_mx() or more than
 *       once, 1 on a usage or set-up error.
 *   resolve [options] cancel host|mx NAME
 *       lookups cancelled after 0..5 turns of the loop, then resolvers freed
 *       with a lookup in flight after 0..5 turns (a lookup that completes
 *       before its turn counts as completed_early): no stopped lookup may call
 *       back. Then two lookups on one resolver whose first callback frees the
 *       resolver: the second may not call back. Then one control lookup,
 *       printed as above. Prints a summary line "cancelled=N freed=N
 *       completed_early=N stray_callbacks=N ... control_status=N"; exit 0
 *       when no stopped lookup called back, no callback ran synchronously or
 *       twice, at least two lookups were stopped in flight, the resolver freed
 *       in a callback called back once, and the control called back once; 3
 *       otherwise.
 * Defaults: system resolv.conf, 1000 ms per try, 2 tries, port 25.
 */
#include "buildconf.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "resolver.h"

#define CANCEL_ROUNDS 6

struct run {
	bool starting;          /* inside resolver_host()/resolver_mx() */
	int calls;
	bool sync_call;
	int status;
	bool print;
	struct resolver **free_on_call;  /* resolver_free() it from the callback */
};

static void
usage(void)
{
	fprintf(stderr, "usage: resolve [-s SERVERS] [-t TIMEOUT_MS] [-r TRIES] [-v] "
	    "[cancel] host|mx NAME [PORT]\n");
	exit(1);
}

static void
print_addr(const struct sockaddr_storage *ss)
{
	char buf[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf));
		printf("addr %s:%u\n", buf, ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof(buf));
		printf("addr [%s]:%u\n", buf, ntohs(sin6->sin6_port));
	} else {
		printf("addr ?family=%d\n", ss->ss_family);
	}
}

static void
on_result(const struct resolver_result *res, void *arg)
{
	struct run *run = arg;

	run->calls++;
	if (run->starting)
		run->sync_call = true;
	run->status = res->status;
	if (run->free_on_call != NULL && *run->free_on_call != NULL) {
		resolver_free(*run->free_on_call);
		*run->free_on_call = NULL;
	}
	if (run->print) {
		printf("status=%d ttl=%u\n", res->status, (unsigned)res->ttl);
		if (res->status != 0)
			fprintf(stderr, "resolve: %s\n", res->error ? res->error : "(no error text)");
		for (size_t h = 0; h < res->n_hosts; h++) {
			const struct resolver_host *rh = &res->hosts[h];

			printf("host %u %s\n", rh->preference, rh->name);
			for (size_t a = 0; a < rh->n_addrs; a++)
				print_addr(&rh->addrs[a]);
		}
	}
}

static struct resolver_query *
start(struct resolver *r, bool mx, const char *name, uint16_t port, struct run *run)
{
	struct resolver_query *q;

	run->starting = true;
	q = mx ? resolver_mx(r, name, port, on_result, run) :
	    resolver_host(r, name, port, on_result, run);
	run->starting = false;
	return q;
}

static struct resolver *
new_resolver(struct event_base *base, const char *servers, unsigned timeout_ms, unsigned tries)
{
	char err[256];
	struct resolver *r = resolver_new(base, servers, timeout_ms, tries, err, sizeof(err));

	if (r == NULL) {
		fprintf(stderr, "resolve: %s\n", err);
		exit(1);
	}
	return r;
}

/* Turn the loop once: run what is active, waiting for something if needed
 * (c-ares always has a timer while it has work). */
static void
turn(struct event_base *base)
{
	event_base_loop(base, EVLOOP_ONCE);
}

/* Run the loop until *calls is non-zero (calls may be NULL), nothing is left
 * in the loop, or secs seconds have passed. */
static void
drain(struct event_base *base, int secs, const int *calls)
{
	struct timespec now, end;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += secs;
	for (;;) {
		if (calls != NULL && *calls != 0)
			return;
		if (event_base_loop(base, EVLOOP_ONCE) == 1)
			return;                 /* no events left */
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			return;
	}
}

static int
cancel_mode(struct event_base *base, const char *servers, unsigned timeout_ms, unsigned tries,
    bool mx, const char *name, uint16_t port)
{
	struct run rounds[2 * CANCEL_ROUNDS];
	bool stopped[2 * CANCEL_ROUNDS];
	struct run control = { .print = true };
	int cancelled = 0, freed = 0, early = 0, stray = 0, sync_calls = 0;
	int drain_s = (int)((timeout_ms * 8 * (tries ? tries : 1)) / 1000 + 1);
	struct resolver *r;

	memset(rounds, 0, sizeof(rounds));
	memset(stopped, 0, sizeof(stopped));

	/* resolver_cancel() after k turns of the loop, all on one resolver */
	r = new_resolver(base, servers, timeout_ms, tries);
	for (int k = 0; k < CANCEL_ROUNDS; k++) {
		struct run *run = &rounds[k];
		struct resolver_query *q = start(r, mx, name, port, run);

		for (int i = 0; i < k && run->calls == 0; i++)
			turn(base);
		if (run->calls != 0) {
			early++;                /* completed: nothing left to cancel */
			continue;
		}
		resolver_cancel(q);
		stopped[k] = true;
		cancelled++;
	}
	drain(base, drain_s, NULL);             /* c-ares finishes the cancelled work */
	resolver_free(r);

	/* resolver_free() with a lookup in flight after k turns */
	for (int k = 0; k < CANCEL_ROUNDS; k++) {
		struct run *run = &rounds[CANCEL_ROUNDS + k];

		r = new_resolver(base, servers, timeout_ms, tries);
		start(r, mx, name, port, run);
		for (int i = 0; i < k && run->calls == 0; i++)
			turn(base);
		if (run->calls != 0) {
			early++;
		} else {
			stopped[CANCEL_ROUNDS + k] = true;
			freed++;
		}
		resolver_free(r);
	}
	drain(base, 1, NULL);

	/* two lookups; the first callback frees the resolver: no second one */
	struct run pair[2];
	memset(pair, 0, sizeof(pair));
	r = new_resolver(base, servers, timeout_ms, tries);
	for (int i = 0; i < 2; i++) {
		pair[i].free_on_call = &r;
		start(r, mx, name, port, &pair[i]);
	}
	drain(base, drain_s, NULL);
	int pair_calls = pair[0].calls + pair[1].calls;
	if (r != NULL)
		resolver_free(r);

	for (int i = 0; i < 2 * CANCEL_ROUNDS; i++) {
		if (stopped[i] && rounds[i].calls != 0)
			stray++;
		if (rounds[i].sync_call || rounds[i].calls > 1)
			sync_calls++;
	}

	/* the control: the same lookup, not cancelled */
	r = new_resolver(base, servers, timeout_ms, tries);
	start(r, mx, name, port, &control);
	drain(base, drain_s, &control.calls);
	resolver_free(r);

	printf("cancelled=%d freed=%d completed_early=%d stray_callbacks=%d bad_callbacks=%d "
	    "freed_in_callback=%d control_calls=%d control_status=%d\n", cancelled, freed, early,
	    stray, sync_calls, pair_calls == 1, control.calls, control.status);
	if (stray != 0 || sync_calls != 0 || control.sync_call || control.calls != 1 ||
	    cancelled + freed < 2 || pair_calls != 1)
		return 3;
	return 0;
}

int
main(int argc, char **argv)
{
	const char *servers = NULL;
	unsigned timeout_ms = 1000, tries = 2;
	bool verbose = false, cancel = false, mx;
	uint16_t port = 25;
	struct event_base *base;
	struct resolver *r;
	struct run run = { .print = true };
	int c, rc;

	while ((c = getopt(argc, argv, "s:t:r:v")) != -1) {
		switch (c) {
		case 's': servers = optarg; break;
		case 't': timeout_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'r': tries = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'v': verbose = true; break;
		default: usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc >= 1 && strcmp(argv[0], "cancel") == 0) {
		cancel = true;
		argc--;
		argv++;
	}
	if (argc < 2 || argc > 3)
		usage();
	if (strcmp(argv[0], "mx") == 0)
		mx = true;
	else if (strcmp(argv[0], "host") == 0)
		mx = false;
	else
		usage();
	if (argc == 3) {
		unsigned long p = strtoul(argv[2], NULL, 10);

		if (p == 0 || p > 65535)
			usage();
		port = (uint16_t)p;
	}
	log_init("resolve", false, verbose ? LOG_LVL_DEBUG : LOG_LVL_WARN);
	base = event_base_new();
	if (base == NULL) {
		fprintf(stderr, "resolve: event_base_new failed\n");
		return 1;
	}
	if (cancel) {
		rc = cancel_mode(base, servers, timeout_ms, tries, mx, argv[1], port);
		event_base_free(base);
		return rc;
	}
	r = new_resolver(base, servers, timeout_ms, tries);
	start(r, mx, argv[1], port, &run);
	drain(base, (int)((timeout_ms * 8 * (tries ? tries : 1)) / 1000 + 5), &run.calls);
	resolver_free(r);
	event_base_free(base);
	if (run.sync_call || run.calls > 1) {
		fprintf(stderr, "resolve: callback ran %s\n",
		    run.sync_call ? "inside the resolver_* call" : "more than once");
		return 3;
	}
	if (run.calls == 0) {
		fprintf(stderr, "resolve: no callback\n");
		return 3;
	}
	return run.status == 0 ? 0 : 2;
}
