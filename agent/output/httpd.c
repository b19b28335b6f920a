/* agent/output/httpd.c: the read-only HTTP server (see httpd.h).
 *
 * libevent's evhttp parses the requests. libevent 2.1 neither limits
 * evhttp's connections nor says when one ends, so this module makes each
 * connection's bufferevent itself (httpd_bevcb), without
 * BEV_OPT_CLOSE_ON_FREE, and keeps a reference to it: when evhttp is done
 * with the connection it closes the descriptor itself and frees the
 * bufferevent (which clears its callbacks; the memory stays, referenced).
 * A sweep (at each new connection and every HTTPD_TICK_MS while any is
 * open) counts those still open, drops the rest and cuts the ones past
 * their deadline (shutdown(): evhttp sees the end and closes). Keep-alive is not offered (every response closes): one
 * request per connection keeps the deadline simple, and a scrape a second
 * costs one accept.
 */
#include "buildconf.h"
#include "httpd.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "config.h"
#include "log.h"
#include "registry.h"
#include "timer.h"
#include "util.h"

#define HTTPD_PAGES_MAX 8

struct hconn {                     /* one connection evhttp has or had */
	struct bufferevent *bev;       /* evhttp's, and one reference ours */
	time_t since;                  /* accepted */
	bool cut;                      /* past its deadline: shut down */
	struct hconn *next;
};

struct httpd {
	struct registry *reg;
	struct event_base *base;
	struct evhttp *http;
	struct evconnlistener *lev[CONFIG_MAX_LISTEN];
	char lev_text[CONFIG_MAX_LISTEN][64];
	size_t n_lev;
	struct httpd_page pages[HTTPD_PAGES_MAX];
	size_t n_pages;
	struct hconn *conns;           /* open, newest first */
	size_t n_conns;
	bool resting;                  /* listeners disabled: full, or accept() failed */
	struct event *wake;            /* ends a rest after accept() failed */
	struct event *tick;            /* sweep(), while there are connections */
	time_t warned_at;              /* SMD1871W at most once a minute */
	struct event *stop;            /* httpd_free(): break the loop */
	pthread_t thread;
	bool running;
};

static void
listeners_enable(struct httpd *h, bool on)
{
	for (size_t i = 0; i < h->n_lev; i++)
		if (on)
			evconnlistener_enable(h->lev[i]);
		else
			evconnlistener_disable(h->lev[i]);
	h->resting = !on;
}

/* ---- connections ---- */

/* Drop the connections evhttp has closed (their descriptor is gone), cut
 * those past their deadline; the listeners listen again when there is
 * room. */
static void
sweep(struct httpd *h, time_t now)
{
	struct hconn **pp = &h->conns;

	while (*pp != NULL) {
		struct hconn *c = *pp;
		bufferevent_event_cb ecb = NULL;

		bufferevent_getcb(c->bev, NULL, NULL, &ecb, NULL);
		if (ecb == NULL) {         /* bufferevent_free() by evhttp */
			*pp = c->next;
			bufferevent_decref(c->bev);
			free(c);
			h->n_conns--;
			continue;
		}
		if (!c->cut && now - c->since >= HTTPD_DEADLINE_S) {
			/* evhttp sees the end and closes it */
			shutdown(bufferevent_getfd(c->bev), SHUT_RDWR);
			c->cut = true;
		}
		pp = &c->next;
	}
	if (h->resting && h->n_conns < HTTPD_CONNS_MAX && !evtimer_pending(h->wake, NULL))
		listeners_enable(h, true);
	if (h->n_conns == 0)
		evtimer_del(h->tick);
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	sweep(arg, time(NULL));
}

/* evhttp's new connection: a socket bufferevent (evhttp gives it the
 * descriptor after this returns), of which this module keeps a reference
 * to see when evhttp has closed it. */
static struct bufferevent *
httpd_bevcb(struct event_base *base, void *arg)
{
	struct httpd *h = arg;
	struct hconn *c = xcalloc(1, sizeof *c);
	struct timeval tv = { 0, HTTPD_TICK_MS * 1000 };
	time_t now = time(NULL);

	sweep(h, now);
	c->bev = bufferevent_socket_new(base, -1, 0);
	if (c->bev == NULL) {
		log_errx("SMD1871E MetricsListen: out of memory");
		abort();
	}
	bufferevent_incref(c->bev);
	c->since = now;
	c->next = h->conns;
	h->conns = c;
	if (++h->n_conns >= HTTPD_CONNS_MAX)
		listeners_enable(h, false);
	if (!evtimer_pending(h->tick, NULL))
		evtimer_add(h->tick, &tv);
	return c->bev;
}

/* accept() failed: rest instead of spinning. */
static void
accept_error(struct evconnlistener *lev, void *arg)
{
	struct httpd *h = arg;
	struct timeval tv = { 0, HTTPD_PAUSE_MS * 1000 };
	time_t now = time(NULL);
	int e = EVUTIL_SOCKET_ERROR();

	(void)lev;
	if (now - h->warned_at >= 60) {
		h->warned_at = now;
		log_warnx("SMD1871W MetricsListen: accept: %s (pausing %d ms)", strerror(e),
		    HTTPD_PAUSE_MS);
	}
	listeners_enable(h, false);
	evtimer_add(h->wake, &tv);
}

static void
wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct httpd *h = arg;

	(void)fd, (void)what;
	if (h->n_conns < HTTPD_CONNS_MAX)
		listeners_enable(h, true);
}

/* ---- requests ---- */

static void
common_headers(struct evhttp_request *req)
{
	struct evkeyvalq *oh = evhttp_request_get_output_headers(req);

	evhttp_add_header(oh, "Connection", "close");
	evhttp_add_header(oh, "Cache-Control", "no-store");
	evhttp_add_header(oh, "X-Content-Type-Options", "nosniff");
}

static void
send_text(struct evhttp_request *req, int code, const char *reason, const char *body)
{
	struct evbuffer *b = evbuffer_new();

	common_headers(req);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
	    "text/plain; charset=utf-8");
	if (b != NULL)
		evbuffer_add_printf(b, "%s\n", body);
	evhttp_send_reply(req, code, reason, b);
	if (b != NULL)
		evbuffer_free(b);
}

static void
free_body(const void *data, size_t len, void *arg)
{
	(void)len, (void)arg;
	free((void *)data);
}

static void
serve_page(struct httpd *h, struct evhttp_request *req, const struct httpd_page *p)
{
	struct evkeyvalq *ih = evhttp_request_get_input_headers(req);
	struct evkeyvalq *oh = evhttp_request_get_output_headers(req);
	int repr = httpneg_choose(evhttp_find_header(ih, "Accept"), p->offers, p->n_offers);
	struct reg_snapshot *s;
	struct evbuffer *b;
	char *body = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if (repr < 0) {
		send_text(req, 406, "Not Acceptable", "406 not acceptable: no representation "
		    "of this page matches the Accept header");
		return;
	}
	f = open_memstream(&body, &len);
	if (f == NULL) {
		send_text(req, 500, "Internal Server Error", "500 out of memory");
		return;
	}
	s = registry_acquire(h->reg);
	rc = p->render(f, s, time(NULL), repr, p->arg);
	registry_release(s);
	if (fclose(f) != 0 || rc != 0 || (b = evbuffer_new()) == NULL) {
		free(body);
		send_text(req, 500, "Internal Server Error", "500 the page could not be rendered");
		return;
	}
	evbuffer_add_reference(b, body, len, free_body, NULL);
	common_headers(req);
	evhttp_add_header(oh, "Content-Type", p->content_type[repr]);
	if (p->n_offers > 1)
		evhttp_add_header(oh, "Vary", "Accept");
	if (p->extra_header != NULL) {
		char name[64];
		const char *colon = strchr(p->extra_header, ':');
		size_t nl = colon ? (size_t)(colon - p->extra_header) : 0;

		if (nl > 0 && nl < sizeof name) {
			memcpy(name, p->extra_header, nl);
			name[nl] = '\0';
			evhttp_add_header(oh, name, colon[1] == ' ' ? colon + 2 : colon + 1);
		}
	}
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct httpd *h = arg;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;

	if (path == NULL || path[0] == '\0')
		path = "/";
	for (size_t i = 0; i < h->n_pages; i++) {
		if (strcmp(path, h->pages[i].path) != 0)
			continue;
		if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
			evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
			    "GET, HEAD");
			send_text(req, 405, "Method Not Allowed", "405 method not allowed: this "
			    "server is read-only (GET, HEAD)");
			return;
		}
		if (evbuffer_get_length(evhttp_request_get_input_buffer(req)) > 0) {
			send_text(req, 413, "Payload Too Large", "413 a request has no body here");
			return;
		}
		serve_page(h, req, &h->pages[i]);
		return;
	}
	send_text(req, 404, "Not Found", "404 not found: the pages are / and /metrics");
}

/* ---- the thread ---- */

static void
stop_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	event_base_loopbreak(arg);
}

/* A listening socket on l; -1 with err. */
static evutil_socket_t
listen_on(const struct cfg_listen *l, char *err, size_t errlen)
{
	int one = 1;
	evutil_socket_t fd = socket(l->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		snprintf(err, errlen, "MetricsListen %s: socket: %s", l->text, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (l->ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, (const struct sockaddr *)&l->ss, l->len) != 0 || listen(fd, 128) != 0) {
		snprintf(err, errlen, "MetricsListen %s (line %d): %s", l->text, l->line,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

struct httpd *
httpd_new(struct registry *reg, const struct cfg_listen *addrs, size_t n,
    const struct httpd_page *pages, size_t n_pages, char *err, size_t errlen)
{
	struct httpd *h = xcalloc(1, sizeof *h);

	h->reg = reg;
	h->base = event_base_new();
	h->http = h->base != NULL ? evhttp_new(h->base) : NULL;
	if (h->http == NULL || n == 0 || n > CONFIG_MAX_LISTEN || n_pages > HTTPD_PAGES_MAX) {
		snprintf(err, errlen, "MetricsListen: cannot set up the HTTP server");
		httpd_free(h);
		return NULL;
	}
	memcpy(h->pages, pages, n_pages * sizeof *pages);
	h->n_pages = n_pages;
	evhttp_set_bevcb(h->http, httpd_bevcb, h);
	evhttp_set_gencb(h->http, on_request, h);
	evhttp_set_max_headers_size(h->http, HTTPD_HEADERS_MAX);
	evhttp_set_max_body_size(h->http, 0);
	evhttp_set_timeout(h->http, HTTPD_DEADLINE_S);
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
	    EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	h->wake = evtimer_new(h->base, wake_cb, h);
	h->tick = event_new(h->base, -1, EV_PERSIST, tick_cb, h);
	h->stop = event_new(h->base, -1, 0, stop_cb, h->base);
	for (size_t i = 0; i < n; i++) {
		evutil_socket_t fd = listen_on(&addrs[i], err, errlen);
		struct evhttp_bound_socket *bs;

		if (fd < 0) {
			httpd_free(h);
			return NULL;
		}
		h->lev[i] = evconnlistener_new(h->base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE |
		    LEV_OPT_CLOSE_ON_EXEC, -1, fd);
		bs = h->lev[i] != NULL ? evhttp_bind_listener(h->http, h->lev[i]) : NULL;
		if (bs == NULL) {
			if (h->lev[i] == NULL)
				close(fd);
			snprintf(err, errlen, "MetricsListen %s: cannot listen", addrs[i].text);
			httpd_free(h);
			return NULL;
		}
		evconnlistener_set_error_cb(h->lev[i], accept_error);
		str_copy(h->lev_text[i], addrs[i].text, sizeof h->lev_text[i]);
		h->n_lev = i + 1;
	}
	return h;
}

int
httpd_start(struct httpd *h, char *err, size_t errlen)
{
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);   /* signals go to the main thread */
	if (pthread_create(&h->thread, NULL, loop_thread, h->base) != 0) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		snprintf(err, errlen, "MetricsListen: pthread_create failed");
		return -1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	h->running = true;
	for (size_t i = 0; i < h->n_lev; i++)
		log_info("SMD1870I serving /metrics and / on http://%s/", h->lev_text[i]);
	return 0;
}

void
httpd_free(struct httpd *h)
{
	if (h == NULL)
		return;
	if (h->running) {
		event_active(h->stop, 0, 0);
		pthread_join(h->thread, NULL);
	}
	if (h->http != NULL)
		evhttp_free(h->http);   /* its connections and bound listeners */
	if (h->wake != NULL)
		event_free(h->wake);
	if (h->tick != NULL)
		event_free(h->tick);
	while (h->conns != NULL) {   /* evhttp_free() has closed them */
		struct hconn *c = h->conns;

		h->conns = c->next;
		bufferevent_decref(c->bev);
		free(c);
	}
	if (h->stop != NULL)
		event_free(h->stop);
	if (h->base != NULL)
		event_base_free(h->base);
	free(h);
}
