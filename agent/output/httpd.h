/* agent/output/httpd.h: smtpmond's read-only HTTP server (MetricsListen).
 *
 * Serves the pages it is given (GET and HEAD; smtpmond gives /metrics and
 * /) from a registry snapshot (agent/registry), in a thread and event loop
 * of its own: neither the monitor thread nor the control socket ever waits
 * for it, and it never waits for them. A page is rendered whole into memory
 * by its function, then sent; each of its representations is chosen by the
 * client's Accept header (agent/output/httpneg). A render is a function of
 * the snapshot and the second, so a body is shared by the requests of the
 * same snapshot and second (at most one render per page, representation and
 * second), and at most HTTPD_BODIES_MAX bodies are alive at once (cached or
 * being sent): past that a request gets 503 with Retry-After: 1. Other paths
 * are 404, other methods 405 (with Allow), an Accept that takes no
 * representation 406; every response of this module closes its connection
 * and carries Cache-Control: no-store and X-Content-Type-Options: nosniff.
 * A malformed request, one with a body (413) or headers over the limit get
 * libevent's own error response, without those headers.
 *
 * Limits: at most HTTPD_CONNS_MAX connections at once (the listeners rest
 * until one closes: the rest wait in the kernel's backlog), request headers
 * at most HTTPD_HEADERS_MAX bytes, no body, and each connection at most
 * HTTPD_DEADLINE_S seconds (monotonic clock) from accept to the last byte
 * sent (a slow client is cut off). When accept() fails for want of descriptors the listener
 * rests HTTPD_PAUSE_MS. Sockets are bound by httpd_new() (before the
 * privilege drop, so a port below 1024 works); the thread starts with
 * httpd_start().
 */
#ifndef SMTPMON_HTTPD_H
#define SMTPMON_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "httpneg.h"

struct registry;
struct reg_snapshot;
struct cfg_listen;
struct httpd;

#define HTTPD_CONNS_MAX   64
#define HTTPD_HEADERS_MAX 8192
#define HTTPD_TICK_MS     250
#define HTTPD_BODIES_MAX  8       /* rendered pages alive at once */
#define HTTPD_DEADLINE_S  10
#define HTTPD_PAUSE_MS    100
#define HTTPD_REPR_MAX    4

/* Render representation repr (an index into the page's offers) of snapshot
 * s at now into out; 0, or -1 (the client gets a 500). */
typedef int httpd_render_fn(FILE *out, const struct reg_snapshot *s, time_t now, int repr,
    void *arg);

struct httpd_page {
	const char *path;                      /* "/metrics" */
	struct httpneg_offer offers[HTTPD_REPR_MAX];  /* the first is the default */
	const char *content_type[HTTPD_REPR_MAX];     /* the header sent for each */
	size_t n_offers;
	httpd_render_fn *render;
	void *arg;
	const char *extra_header;              /* "Name: value" sent with it, or NULL */
};

/* Bind and listen on every address (n >= 1); the pages are copied. NULL
 * with "ADDR:PORT: why" in err. */
struct httpd *httpd_new(struct registry *reg, const struct cfg_listen *addrs, size_t n,
    const struct httpd_page *pages, size_t n_pages, char *err, size_t errlen);
/* Start serving in a thread of its own; -1 with err. */
int httpd_start(struct httpd *h, char *err, size_t errlen);
/* Stop the thread (if started), close every socket, free. NULL is fine. */
void httpd_free(struct httpd *h);

#endif
