/* agent/output/httpd.c: the read-only HTTP server (see httpd.h).
 *
 * libevent's evhttp parses the requests. libevent 2.1 neither limits
 * evhttp's connections nor says when one ends, so this module makes each
 * connection's bufferevent itself (httpd_bevcb) and keeps a reference to
 * it. When evhttp is done with a connection it shuts its sending side
 * (the client sees the end at once) and frees the bufferevent, which clears
 * its callbacks; our reference keeps the bufferevent, its events and its
 * descriptor until a sweep (at each new connection, before that one's
 * descriptor is registered, and every HTTPD_TICK_MS while any is open) sees
 * the cleared callbacks and lets go: the events are removed while the
 * descriptor is still open, then it is closed (BEV_OPT_CLOSE_ON_FREE), so
 * no descriptor number is ever reused under a stale event. The sweep also
 * counts the connections still open and cuts those past their deadline
 * (shutdown(): evhttp sees the end and frees). Keep-alive is not offered
 * (every response closes): one request per connection keeps the deadline
 * simple, and a scrape a second costs one accept.
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
	uint64_t since_us;             /* accepted (monotonic) */
	bool cut;                      /* past its deadline: shut down */
	struct hconn *next;
};

struct body {                      /* one rendered page, shared */
	struct httpd *h;
	char *data;
	size_t len;
	unsigned refs;                 /* the cache's and each response's */
	uint64_t generation;           /* of the snapshot rendered */
	time_t at;                     /* the second it was rendered for */
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
	struct body *cache[HTTPD_PAGES_MAX][HTTPD_REPR_MAX];  /* the last of each */
	size_t n_bodies;               /* alive: cached or being sent */
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

/* Let go of the connections evhttp is done with (their callbacks cleared:
 * our reference was the last, so their events go and their descriptor
 * closes now), cut those past their deadline; the listeners listen again
 * when there is room. */
static void
sweep(struct httpd *h, uint64_t now)
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
		if (!c->cut && now - c->since_us >= (uint64_t)HTTPD_DEADLINE_S * 1000000) {
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
	sweep(arg, now_us());
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
	uint64_t now = now_us();

	sweep(h, now);
	c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		log_errx("SMD1871E MetricsListen: out of memory");
		abort();
	}
	bufferevent_incref(c->bev);
	c->since_us = now;
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
body_unref(struct body *b)
{
	if (b == NULL || --b->refs > 0)
		return;
	b->h->n_bodies--;
	free(b->data);
	free(b);
}

/* evbuffer's cleanup of a response's reference to a body */
static void
body_sent(const void *data, size_t len, void *arg)
{
	(void)data, (void)len;
	body_unref(arg);
}

/* The body of representation repr of page pi for the snapshot s at now:
 * the cached one when it is of the same snapshot and second (the render
 * is a function of those two), else a new render, cached. NULL with *why
 * (503: too many bodies alive; 500: the render failed). */
static struct body *
page_body(struct httpd *h, size_t pi, int repr, int *why)
{
	struct body **slot = &h->cache[pi][repr], *b;
	struct reg_snapshot *s = registry_acquire(h->reg);
	time_t now = time(NULL);
	FILE *f;
	int rc;

	if (*slot != NULL && (*slot)->generation == s->generation && (*slot)->at == now) {
		registry_release(s);
		(*slot)->refs++;
		return *slot;
	}
	if (h->n_bodies >= HTTPD_BODIES_MAX) {
		registry_release(s);
		*why = 503;
		return NULL;
	}
	b = xcalloc(1, sizeof *b);
	b->h = h;
	b->generation = s->generation;
	b->at = now;
	f = open_memstream(&b->data, &b->len);
	rc = f != NULL ? h->pages[pi].render(f, s, now, repr, h->pages[pi].arg) : -1;
	registry_release(s);
	if (f == NULL || fclose(f) != 0 || rc != 0) {
		free(b->data);
		free(b);
		*why = 500;
		return NULL;
	}
	h->n_bodies++;
	b->refs = 2;                   /* the cache's, the caller's */
	body_unref(*slot);
	*slot = b;
	return b;
}

static void
serve_page(struct httpd *h, struct evhttp_request *req, size_t pi)
{
	const struct httpd_page *p = &h->pages[pi];
	struct evkeyvalq *ih = evhttp_request_get_input_headers(req);
	struct evkeyvalq *oh = evhttp_request_get_output_headers(req);
	int repr = httpneg_choose(evhttp_find_header(ih, "Accept"), p->offers, p->n_offers);
	struct body *body;
	struct evbuffer *b;
	int why = 0;

	if (repr < 0) {
		send_text(req, 406, "Not Acceptable", "406 not acceptable: no representation "
		    "of this page matches the Accept header");
		return;
	}
	if ((body = page_body(h, pi, repr, &why)) == NULL) {
		if (why == 503) {
			evhttp_add_header(oh, "Retry-After", "1");
			send_text(req, 503, "Service Unavailable", "503 busy: too many pages being "
			    "sent; try again");
		} else
			send_text(req, 500, "Internal Server Error", "500 the page could not be "
			    "rendered");
		return;
	}
	if ((b = evbuffer_new()) == NULL) {
		body_unref(body);
		send_text(req, 500, "Internal Server Error", "500 out of memory");
		return;
	}
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		/* evhttp 2.1 would send a body to HEAD too: the length alone */
		char n[24];

		snprintf(n, sizeof n, "%zu", body->len);
		evhttp_add_header(oh, "Content-Length", n);
		body_unref(body);
	} else
		evbuffer_add_reference(b, body->data, body->len, body_sent, body);
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
		serve_page(h, req, i);
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
			else
				evconnlistener_free(h->lev[i]);
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
	for (size_t i = 0; i < HTTPD_PAGES_MAX; i++)   /* the responses have gone */
		for (size_t r = 0; r < HTTPD_REPR_MAX; r++)
			body_unref(h->cache[i][r]);
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
