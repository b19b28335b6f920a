/* tests/tools/httpsget-tool.c: one probes/httpsget request from the command
 * line, for the integration tests.
 *
 *   httpsget-tool --cafile FILE --connect ADDR:PORT --host NAME --path PATH
 *       [--max-body N] [--timeout-ms N] [--out FILE] [--cancel-after-ms N]
 *
 * Prints one line "status=NAME http=CODE len=N detail=TEXT" and writes the
 * body to --out (when given). Exit 0 for status ok, 2 for any other status,
 * 3 if the callback ran inside httpsget_start() or not exactly once, 1 on a
 * usage or set-up error. Defaults: max-body 65536, timeout 10000 ms.
 * --cancel-after-ms N: httpsget_cancel() after N ms instead (the request must
 * not have called back by then); prints "cancelled calls=N" once the loop has
 * nothing left to run, exit 0 when no callback ran, 3 otherwise.
 */
#include "buildconf.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "httpsget.h"

static int calls;
static bool starting;
static int exit_code = 1;
static const char *outfile;
static struct httpsget *req;
static bool cancelled;

static void
cancel_now(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (calls == 0) {
		httpsget_cancel(req);
		cancelled = true;
	}
}

static void
done(const struct httpsget_result *r, void *arg)
{
	FILE *f;

	(void)arg;
	calls++;
	printf("status=%s http=%d len=%zu detail=%s\n", httpsget_status_name(r->status),
	    r->http_status, r->body_len, r->detail);
	if (outfile != NULL && (f = fopen(outfile, "wb")) != NULL) {
		if (r->body_len > 0)
			fwrite(r->body, 1, r->body_len, f);
		fclose(f);
	}
	if (r->body == NULL || r->body[r->body_len] != '\0')
		exit_code = 3;
	else
		exit_code = starting ? 3 : r->status == HTTPSGET_OK ? 0 : 2;
}

static void
usage(void)
{
	fprintf(stderr, "usage: httpsget-tool --cafile FILE --connect ADDR:PORT --host NAME "
	    "--path PATH [--max-body N] [--timeout-ms N] [--out FILE]\n");
	exit(1);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cafile", required_argument, NULL, 'c' },
		{ "connect", required_argument, NULL, 'a' },
		{ "host", required_argument, NULL, 'h' },
		{ "path", required_argument, NULL, 'p' },
		{ "max-body", required_argument, NULL, 'm' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "out", required_argument, NULL, 'o' },
		{ "cancel-after-ms", required_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cafile = NULL, *connect = NULL, *host = NULL, *path = NULL;
	size_t max_body = 65536;
	unsigned long timeout_ms = 10000, cancel_ms = 0;
	struct event *cancel_ev = NULL;
	struct timeval tv;
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t sslen;
	char addr[64], *colon;
	struct event_base *base;
	struct httpsget *g;
	SSL_CTX *ctx;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cafile = optarg; break;
		case 'a': connect = optarg; break;
		case 'h': host = optarg; break;
		case 'p': path = optarg; break;
		case 'm': max_body = strtoul(optarg, NULL, 10); break;
		case 't': timeout_ms = strtoul(optarg, NULL, 10); break;
		case 'o': outfile = optarg; break;
		case 'x': cancel_ms = strtoul(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (connect == NULL || host == NULL || path == NULL || strlen(connect) >= sizeof(addr))
		usage();
	strcpy(addr, connect);
	colon = strrchr(addr, ':');
	if (colon == NULL)
		usage();
	*colon = '\0';
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)atoi(colon + 1));
		sslen = sizeof(*sin);
	} else {
		if (addr[0] == '[' && addr[strlen(addr) - 1] == ']') {
			addr[strlen(addr) - 1] = '\0';
			memmove(addr, addr + 1, strlen(addr));
		}
		if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) != 1)
			usage();
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)atoi(colon + 1));
		sslen = sizeof(*sin6);
	}
	ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL)
		return 1;
	if (cafile != NULL ? SSL_CTX_load_verify_locations(ctx, cafile, NULL) != 1 :
	    SSL_CTX_set_default_verify_paths(ctx) != 1) {
		fprintf(stderr, "httpsget-tool: cannot load the trust store\n");
		return 1;
	}
	base = event_base_new();
	starting = true;
	req = g = httpsget_start(base, ctx, (struct sockaddr *)&ss, sslen, host, path, max_body,
	    (uint32_t)timeout_ms, done, NULL);
	starting = false;
	if (g == NULL) {
		fprintf(stderr, "httpsget-tool: httpsget_start failed\n");
		return 1;
	}
	if (cancel_ms > 0) {
		cancel_ev = evtimer_new(base, cancel_now, NULL);
		tv.tv_sec = (time_t)(cancel_ms / 1000);
		tv.tv_usec = (suseconds_t)(cancel_ms % 1000) * 1000;
		evtimer_add(cancel_ev, &tv);
	}
	event_base_dispatch(base);
	if (cancel_ev != NULL) {
		/* the loop ended: nothing of the request is left in it */
		printf("cancelled calls=%d\n", calls);
		exit_code = cancelled && calls == 0 ? 0 : 3;
		event_free(cancel_ev);
	} else if (calls != 1) {
		exit_code = 3;
	}
	event_base_free(base);
	SSL_CTX_free(ctx);
	return exit_code;
}
