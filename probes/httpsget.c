/* probes/httpsget.c: see httpsget.h. */
#include "buildconf.h"
#include "httpsget.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "util.h"

/* a chunk-size line ("1a2b;ext=1") is short; a longer one is hostile */
#define CHUNK_LINE_MAX 256

const char *
httpsget_status_name(enum httpsget_status s)
{
	switch (s) {
	case HTTPSGET_OK:
		return "ok";
	case HTTPSGET_HTTP_STATUS:
		return "http_status";
	case HTTPSGET_TOO_BIG:
		return "too_big";
	case HTTPSGET_CERT:
		return "cert";
	case HTTPSGET_CONNECT:
		return "connect";
	case HTTPSGET_TLS:
		return "tls";
	case HTTPSGET_PROTOCOL:
		return "protocol";
	case HTTPSGET_TIMEOUT:
		return "timeout";
	}
	return "unknown";
}

/* ---- the response parser ---- */

void
httpsget_resp_init(struct httpsget_resp *p, size_t max_body)
{
	memset(p, 0, offsetof(struct httpsget_resp, line));
	p->state = HTTPSGET_RS_STATUS;
	p->max_body = max_body;
	p->err = HTTPSGET_OK;
	p->line_len = 0;
	p->block_bytes = 0;
	p->block_lines = 0;
	p->chunked = false;
	p->have_length = false;
	p->length = 0;
}

void
httpsget_resp_free(struct httpsget_resp *p)
{
	free(p->body);
	p->body = NULL;
	p->body_len = p->body_cap = 0;
}

static enum httpsget_rp
rp_fail(struct httpsget_resp *p, enum httpsget_status err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum httpsget_rp
rp_fail(struct httpsget_resp *p, enum httpsget_status err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->errtext, sizeof(p->errtext), fmt, ap);
	va_end(ap);
	p->err = err;
	p->state = HTTPSGET_RS_ERROR;
	return HTTPSGET_RP_ERROR;
}

static enum httpsget_rp
rp_done(struct httpsget_resp *p)
{
	if (p->body == NULL) {
		p->body = xmalloc(1);
		p->body_cap = 1;
	}
	p->body[p->body_len] = '\0';
	p->state = HTTPSGET_RS_DONE;
	return HTTPSGET_RP_DONE;
}

/* Appends n body octets; false (TOO_BIG set) past max_body. */
static bool
body_add(struct httpsget_resp *p, const uint8_t *in, size_t n)
{
	size_t cap;

	if (n > p->max_body - p->body_len) {
		rp_fail(p, HTTPSGET_TOO_BIG, "body larger than %zu bytes", p->max_body);
		return false;
	}
	if (p->body_len + n + 1 > p->body_cap) {
		cap = p->body_cap ? p->body_cap : 1024;
		while (cap < p->body_len + n + 1)
			cap *= 2;
		if (cap > p->max_body + 1)
			cap = p->max_body + 1;
		p->body = xrealloc(p->body, cap);
		p->body_cap = cap;
	}
	memcpy(p->body + p->body_len, in, n);
	p->body_len += n;
	return true;
}

static bool
is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* "HTTP/1.x SP 3DIGIT [SP reason]" */
static enum httpsget_rp
status_line(struct httpsget_resp *p, const char *l, size_t len)
{
	size_t i;

	if (len < 12 || memcmp(l, "HTTP/1.", 7) != 0 || (l[7] != '0' && l[7] != '1') ||
	    l[8] != ' ' || l[9] < '1' || l[9] > '5' || l[10] < '0' || l[10] > '9' ||
	    l[11] < '0' || l[11] > '9' || (len > 12 && l[12] != ' '))
		return rp_fail(p, HTTPSGET_PROTOCOL, "malformed status line");
	for (i = 12; i < len; i++)
		if ((unsigned char)l[i] < 0x20 && l[i] != '\t')
			return rp_fail(p, HTTPSGET_PROTOCOL, "control character in status line");
	p->code = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
	p->state = HTTPSGET_RS_HEADERS;
	p->block_lines = 0;
	return HTTPSGET_RP_MORE;
}

/* digits only, no sign, no overflow */
static bool
parse_dec(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 19)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

/* The end of the header block: how is the body framed? */
static enum httpsget_rp
headers_end(struct httpsget_resp *p)
{
	if (p->code == 101) /* we asked for no upgrade */
		return rp_fail(p, HTTPSGET_PROTOCOL, "101 Switching Protocols without an Upgrade");
	if (p->code >= 100 && p->code < 200) {
		/* interim response: the real one follows */
		p->state = HTTPSGET_RS_STATUS;
		p->block_bytes = 0;
		p->chunked = p->have_length = false;
		p->code = 0;
		return HTTPSGET_RP_MORE;
	}
	if (p->code != 200)
		return rp_done(p); /* its body is not read */
	if (p->chunked && p->have_length)
		return rp_fail(p, HTTPSGET_PROTOCOL,
		    "both Content-Length and Transfer-Encoding (response smuggling?)");
	if (p->chunked) {
		p->state = HTTPSGET_RS_CHUNK_SIZE;
		return HTTPSGET_RP_MORE;
	}
	if (p->have_length) {
		if (p->length > p->max_body)
			return rp_fail(p, HTTPSGET_TOO_BIG, "body larger than %zu bytes "
			    "(Content-Length %" PRIu64 ")", p->max_body, p->length);
		if (p->length == 0)
			return rp_done(p);
		p->state = HTTPSGET_RS_BODY_LENGTH;
		return HTTPSGET_RP_MORE;
	}
	p->state = HTTPSGET_RS_BODY_CLOSE;
	return HTTPSGET_RP_MORE;
}

/* One header field line "name: value" (or the empty line ending the block). */
static enum httpsget_rp
header_line(struct httpsget_resp *p, const char *l, size_t len)
{
	size_t n, v, e;
	uint64_t cl;

	if (len == 0) {
		if (p->state == HTTPSGET_RS_TRAILERS)
			return rp_done(p);
		return headers_end(p);
	}
	if (++p->block_lines > HTTPSGET_HEADER_LINES)
		return rp_fail(p, HTTPSGET_TOO_BIG, "more than %d header lines",
		    HTTPSGET_HEADER_LINES);
	for (n = 0; n < len && is_tchar((unsigned char)l[n]); n++)
		;
	if (n == 0 || n >= len || l[n] != ':')
		return rp_fail(p, HTTPSGET_PROTOCOL, "malformed header line");
	for (v = n + 1; v < len && (l[v] == ' ' || l[v] == '\t'); v++)
		;
	for (e = len; e > v && (l[e - 1] == ' ' || l[e - 1] == '\t'); e--)
		;
	for (size_t i = v; i < e; i++)
		if (((unsigned char)l[i] < 0x20 && l[i] != '\t') || l[i] == 0x7f)
			return rp_fail(p, HTTPSGET_PROTOCOL, "control character in a header value");
	if (p->state == HTTPSGET_RS_TRAILERS)
		return HTTPSGET_RP_MORE; /* trailer fields are read and dropped */
	if (n == 14 && strncasecmp(l, "Content-Length", 14) == 0) {
		if (!parse_dec(l + v, e - v, &cl))
			return rp_fail(p, HTTPSGET_PROTOCOL, "malformed Content-Length");
		if (p->have_length && cl != p->length)
			return rp_fail(p, HTTPSGET_PROTOCOL, "conflicting Content-Length fields");
		p->have_length = true;
		p->length = cl;
	} else if (n == 17 && strncasecmp(l, "Transfer-Encoding", 17) == 0) {
		if (e - v != 7 || strncasecmp(l + v, "chunked", 7) != 0 || p->chunked)
			return rp_fail(p, HTTPSGET_PROTOCOL, "unsupported Transfer-Encoding");
		p->chunked = true;
	}
	return HTTPSGET_RP_MORE;
}

/* "HEX [; ext]" */
static enum httpsget_rp
chunk_size_line(struct httpsget_resp *p, const char *l, size_t len)
{
	uint64_t v = 0;
	size_t i;
	int d;

	for (i = 0; i < len; i++) {
		if (l[i] >= '0' && l[i] <= '9')
			d = l[i] - '0';
		else if (l[i] >= 'a' && l[i] <= 'f')
			d = l[i] - 'a' + 10;
		else if (l[i] >= 'A' && l[i] <= 'F')
			d = l[i] - 'A' + 10;
		else
			break;
		if (v > p->max_body || v > UINT64_MAX / 16)
			break; /* too big already; stop before it can overflow */
		v = v * 16 + (uint64_t)d;
	}
	if (i == 0)
		return rp_fail(p, HTTPSGET_PROTOCOL, "malformed chunk size");
	if (v > p->max_body - p->body_len)
		return rp_fail(p, HTTPSGET_TOO_BIG, "body larger than %zu bytes", p->max_body);
	for (; i < len && (l[i] == ' ' || l[i] == '\t'); i++)
		;
	if (i < len && l[i] != ';')
		return rp_fail(p, HTTPSGET_PROTOCOL, "malformed chunk size");
	if (v == 0) {
		p->state = HTTPSGET_RS_TRAILERS;
		p->block_bytes = 0;
		p->block_lines = 0;
		return HTTPSGET_RP_MORE;
	}
	p->length = v;
	p->state = HTTPSGET_RS_CHUNK_DATA;
	return HTTPSGET_RP_MORE;
}

static enum httpsget_rp
line_done(struct httpsget_resp *p)
{
	const char *l = p->line;
	size_t len = p->line_len;

	if (len > 0 && l[len - 1] == '\r')
		len--;
	p->line_len = 0;
	if (memchr(l, '\0', len) != NULL || memchr(l, '\r', len) != NULL)
		return rp_fail(p, HTTPSGET_PROTOCOL, "NUL or bare CR in a line");
	switch (p->state) {
	case HTTPSGET_RS_STATUS:
		return status_line(p, l, len);
	case HTTPSGET_RS_HEADERS:
	case HTTPSGET_RS_TRAILERS:
		return header_line(p, l, len);
	case HTTPSGET_RS_CHUNK_SIZE:
		return chunk_size_line(p, l, len);
	case HTTPSGET_RS_CHUNK_END:
		if (len != 0)
			return rp_fail(p, HTTPSGET_PROTOCOL, "chunk data longer than its size");
		p->state = HTTPSGET_RS_CHUNK_SIZE;
		return HTTPSGET_RP_MORE;
	default:
		return rp_fail(p, HTTPSGET_PROTOCOL, "internal: line in a body state");
	}
}

/* Line states: collect up to LF within the state's limit. */
static enum httpsget_rp
feed_line(struct httpsget_resp *p, const uint8_t *in, size_t len, size_t *used)
{
	const uint8_t *lf = memchr(in, '\n', len);
	size_t take = lf != NULL ? (size_t)(lf - in) + 1 : len;
	bool header = p->state == HTTPSGET_RS_STATUS || p->state == HTTPSGET_RS_HEADERS ||
	    p->state == HTTPSGET_RS_TRAILERS;
	size_t limit = header ? HTTPSGET_HEADER_MAX : CHUNK_LINE_MAX;

	*used = 0;
	if (header) {
		if (take > HTTPSGET_HEADER_MAX - p->block_bytes)
			return rp_fail(p, HTTPSGET_TOO_BIG, "response headers larger than %d bytes",
			    HTTPSGET_HEADER_MAX);
		p->block_bytes += take;
	} else if (take > limit - p->line_len) {
		return rp_fail(p, HTTPSGET_PROTOCOL, "chunk size line too long");
	}
	memcpy(p->line + p->line_len, in, take);
	p->line_len += take;
	*used = take;
	if (lf == NULL)
		return HTTPSGET_RP_MORE;
	p->line_len--; /* the LF */
	return line_done(p);
}

enum httpsget_rp
httpsget_resp_feed(struct httpsget_resp *p, const uint8_t *in, size_t len, size_t *used)
{
	size_t off = 0, n;
	enum httpsget_rp r;

	*used = 0;
	if (p->state == HTTPSGET_RS_ERROR)
		return HTTPSGET_RP_ERROR;
	if (p->state == HTTPSGET_RS_DONE)
		return HTTPSGET_RP_DONE;
	while (off < len) {
		switch (p->state) {
		case HTTPSGET_RS_BODY_LENGTH:
		case HTTPSGET_RS_CHUNK_DATA:
			n = len - off;
			if (n > p->length)
				n = (size_t)p->length;
			if (!body_add(p, in + off, n))
				return HTTPSGET_RP_ERROR;
			off += n;
			p->length -= n;
			if (p->length == 0) {
				if (p->state == HTTPSGET_RS_BODY_LENGTH) {
					*used = off;
					return rp_done(p);
				}
				p->state = HTTPSGET_RS_CHUNK_END;
			}
			continue;
		case HTTPSGET_RS_BODY_CLOSE:
			if (!body_add(p, in + off, len - off))
				return HTTPSGET_RP_ERROR;
			off = len;
			continue;
		case HTTPSGET_RS_DONE:
		case HTTPSGET_RS_ERROR:
			break;
		default:
			r = feed_line(p, in + off, len - off, &n);
			off += n;
			if (r == HTTPSGET_RP_MORE)
				continue;
			*used = off;
			return r;
		}
		break;
	}
	*used = off;
	if (p->state == HTTPSGET_RS_DONE)
		return HTTPSGET_RP_DONE;
	return HTTPSGET_RP_MORE;
}

enum httpsget_rp
httpsget_resp_eof(struct httpsget_resp *p)
{
	switch (p->state) {
	case HTTPSGET_RS_DONE:
		return HTTPSGET_RP_DONE;
	case HTTPSGET_RS_ERROR:
		return HTTPSGET_RP_ERROR;
	case HTTPSGET_RS_BODY_CLOSE:
		return rp_done(p);
	case HTTPSGET_RS_STATUS:
		if (p->line_len == 0 && p->code == 0)
			return rp_fail(p, HTTPSGET_PROTOCOL, "connection closed without a response");
		/* fall through */
	default:
		return rp_fail(p, HTTPSGET_PROTOCOL, "connection closed before the response ended");
	}
}

/* ---- the request on the loop ----
 *
 * HG_CONNECT: TCP connect and TLS handshake (bufferevent_openssl does both);
 *   entering it starts the connect. Connected: the request is written, then
 * HG_RESPONSE: every read goes through the parser until it is done or fails;
 * HG_DONE: the callback has run, the request is being freed.
 * Every event of the bufferevent and the timer goes through hg_event(). */

enum hg_state { HG_CONNECT, HG_RESPONSE, HG_DONE };
enum hg_ev { HGE_CONNECTED, HGE_READ, HGE_EOF, HGE_ERROR, HGE_TIMEOUT };

struct httpsget {
	enum hg_state state;
	struct event_base *base;
	struct bufferevent *bev;
	struct event *timer;
	SSL *ssl;                 /* owned by bev once it exists */
	char *host, *path;
	uint16_t port;
	uint32_t timeout_ms;
	httpsget_cb cb;
	void *arg;
	bool in_cb;
	struct httpsget_resp resp;
	struct httpsget_result res;
};

static const char *
hg_state_name(enum hg_state s)
{
	switch (s) {
	case HG_CONNECT:
		return "connect";
	case HG_RESPONSE:
		return "response";
	case HG_DONE:
		return "done";
	}
	return "?";
}

static void
hg_free(struct httpsget *g)
{
	if (g->timer != NULL)
		event_free(g->timer);
	if (g->bev != NULL)
		bufferevent_free(g->bev); /* frees the SSL and closes the socket */
	else if (g->ssl != NULL)
		SSL_free(g->ssl);
	httpsget_resp_free(&g->resp);
	free(g->host);
	free(g->path);
	free(g);
}

static void
hg_set_state(struct httpsget *g, enum hg_state s)
{
	log_debug("httpsget host=%s state=%s->%s", g->host, hg_state_name(g->state),
	    hg_state_name(s));
	g->state = s;
}

/* The one way out: fill the result, call back once, free. */
static void
hg_finish(struct httpsget *g, enum httpsget_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
hg_finish(struct httpsget *g, enum httpsget_status st, const char *fmt, ...)
{
	va_list ap;

	if (g->state == HG_DONE)
		return;
	hg_set_state(g, HG_DONE);
	g->res.status = st;
	g->res.http_status = g->resp.code;
	va_start(ap, fmt);
	vsnprintf(g->res.detail, sizeof(g->res.detail), fmt, ap);
	va_end(ap);
	if (st == HTTPSGET_OK) {
		g->res.body = (char *)g->resp.body;
		g->res.body_len = g->resp.body_len;
	} else {
		g->res.body = (char *)"";
		g->res.body_len = 0;
	}
	if (g->bev != NULL)
		bufferevent_disable(g->bev, EV_READ | EV_WRITE);
	event_del(g->timer);
	log_debug("httpsget host=%s status=%s http=%d detail=%s", g->host,
	    httpsget_status_name(st), g->res.http_status, g->res.detail);
	g->in_cb = true;
	g->cb(&g->res, g->arg);
	hg_free(g);
}

static void
hg_write_request(struct httpsget *g)
{
	struct evbuffer *out = bufferevent_get_output(g->bev);

	evbuffer_add_printf(out, "GET %s HTTP/1.1\r\n", g->path);
	if (g->port == 443)
		evbuffer_add_printf(out, "Host: %s\r\n", g->host);
	else
		evbuffer_add_printf(out, "Host: %s:%u\r\n", g->host, (unsigned)g->port);
	evbuffer_add_printf(out, "User-Agent: smtpmon/%s\r\n"
	    "Accept: */*\r\n"
	    "Connection: close\r\n\r\n", PACKAGE_VERSION);
}

/* Feed what arrived to the parser; false once the request is finished. */
static bool
hg_read(struct httpsget *g)
{
	struct evbuffer *in = bufferevent_get_input(g->bev);
	struct evbuffer_iovec v;
	enum httpsget_rp r = HTTPSGET_RP_MORE;
	size_t used;

	while (evbuffer_get_length(in) > 0 && r == HTTPSGET_RP_MORE) {
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			break;
		r = httpsget_resp_feed(&g->resp, v.iov_base, v.iov_len, &used);
		evbuffer_drain(in, used);
	}
	if (r == HTTPSGET_RP_MORE)
		return true;
	if (r == HTTPSGET_RP_ERROR) {
		hg_finish(g, g->resp.err, "%s", g->resp.errtext);
		return false;
	}
	if (g->resp.code != 200) {
		if (g->resp.code >= 300 && g->resp.code < 400)
			hg_finish(g, HTTPSGET_HTTP_STATUS, "HTTP %d (redirects are not followed)",
			    g->resp.code);
		else
			hg_finish(g, HTTPSGET_HTTP_STATUS, "HTTP %d", g->resp.code);
	} else {
		hg_finish(g, HTTPSGET_OK, "HTTP 200, %zu bytes", g->resp.body_len);
	}
	return false;
}

/* The failure of the connection, in words and a status. */
static void
hg_fail_conn(struct httpsget *g, int sockerr)
{
	unsigned long e;
	long vr = SSL_get_verify_result(g->ssl);
	char buf[120];

	/* libevent also queues SSL_get_error() codes (library 0, e.g. 5 for
	 * SSL_ERROR_SYSCALL): only a real OpenSSL error says something */
	while ((e = bufferevent_get_openssl_error(g->bev)) != 0 && ERR_GET_LIB(e) == 0)
		;

	if (g->state == HG_CONNECT && vr != X509_V_OK) {
		if (vr == X509_V_ERR_HOSTNAME_MISMATCH)
			hg_finish(g, HTTPSGET_CERT, "certificate not valid for %s", g->host);
		else
			hg_finish(g, HTTPSGET_CERT, "certificate verify failed: %s",
			    X509_verify_cert_error_string(vr));
		return;
	}
	if (e != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		hg_finish(g, HTTPSGET_TLS, "TLS %s failed: %s",
		    g->state == HG_CONNECT ? "handshake" : "read", buf);
		return;
	}
	if (g->state == HG_CONNECT) {
		if (sockerr != 0)
			hg_finish(g, HTTPSGET_CONNECT, "connect: %s", strerror(sockerr));
		else
			hg_finish(g, HTTPSGET_TLS, "connection closed during the TLS handshake");
		return;
	}
	if (sockerr != 0) {
		hg_finish(g, HTTPSGET_PROTOCOL, "connection failed: %s", strerror(sockerr));
		return;
	}
	/* closed without close_notify: a read-to-close body may be cut short */
	if (g->resp.state == HTTPSGET_RS_BODY_CLOSE)
		hg_finish(g, HTTPSGET_PROTOCOL,
		    "connection closed without TLS close_notify (body may be truncated)");
	else
		hg_finish(g, HTTPSGET_PROTOCOL, "connection closed before the response ended");
}

/* The transition function: every event of the request comes here. */
static void
hg_event(struct httpsget *g, enum hg_ev ev, int sockerr)
{
	switch (g->state) {
	case HG_CONNECT:
		switch (ev) {
		case HGE_CONNECTED:
			hg_set_state(g, HG_RESPONSE);
			hg_write_request(g);
			bufferevent_enable(g->bev, EV_READ | EV_WRITE);
			return;
		case HGE_TIMEOUT:
			break;
		case HGE_READ:
			return; /* nothing can be read before the handshake */
		case HGE_EOF:
		case HGE_ERROR:
			hg_fail_conn(g, sockerr);
			return;
		}
		break;
	case HG_RESPONSE:
		switch (ev) {
		case HGE_CONNECTED:
			return;
		case HGE_READ:
			hg_read(g);
			return;
		case HGE_EOF:
			if (!hg_read(g))
				return;
			if (httpsget_resp_eof(&g->resp) == HTTPSGET_RP_ERROR)
				hg_finish(g, g->resp.err, "%s", g->resp.errtext);
			else
				hg_finish(g, HTTPSGET_OK, "HTTP 200, %zu bytes", g->resp.body_len);
			return;
		case HGE_ERROR:
			if (hg_read(g))
				hg_fail_conn(g, sockerr);
			return;
		case HGE_TIMEOUT:
			break;
		}
		break;
	case HG_DONE:
		return;
	}
	/* HGE_TIMEOUT */
	if (g->timeout_ms % 1000 == 0)
		hg_finish(g, HTTPSGET_TIMEOUT, "timed out after %u s (%s)",
		    (unsigned)(g->timeout_ms / 1000), g->state == HG_CONNECT ?
		    "connecting" : "waiting for the response");
	else
		hg_finish(g, HTTPSGET_TIMEOUT, "timed out after %u ms (%s)",
		    (unsigned)g->timeout_ms, g->state == HG_CONNECT ?
		    "connecting" : "waiting for the response");
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	hg_event(arg, HGE_READ, 0);
}

static void
on_bev_event(struct bufferevent *bev, short what, void *arg)
{
	int err = EVUTIL_SOCKET_ERROR();

	(void)bev;
	if (what & BEV_EVENT_CONNECTED)
		hg_event(arg, HGE_CONNECTED, 0);
	else if (what & BEV_EVENT_EOF)
		hg_event(arg, HGE_EOF, 0);
	else if (what & BEV_EVENT_ERROR)
		hg_event(arg, HGE_ERROR, err);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	hg_event(arg, HGE_TIMEOUT, 0);
}

static bool
path_ok(const char *path)
{
	if (path[0] != '/')
		return false;
	for (; *path != '\0'; path++)
		if ((unsigned char)*path <= 0x20 || (unsigned char)*path >= 0x7f)
			return false;
	return true;
}

struct httpsget *
httpsget_start(struct event_base *base, SSL_CTX *ssl_ctx, const struct sockaddr *sa,
    socklen_t salen, const char *host, const char *path, size_t max_body, uint32_t timeout_ms,
    httpsget_cb cb, void *arg)
{
	struct httpsget *g;
	struct timeval tv;

	if (base == NULL || ssl_ctx == NULL || sa == NULL || host == NULL || host[0] == '\0' ||
	    path == NULL || !path_ok(path) || cb == NULL || timeout_ms == 0 ||
	    max_body >= SIZE_MAX / 2 || strcspn(host, " \t\r\n/") != strlen(host))
		return NULL;
	if (sa->sa_family == AF_INET && salen >= sizeof(struct sockaddr_in))
		;
	else if (sa->sa_family == AF_INET6 && salen >= sizeof(struct sockaddr_in6))
		;
	else
		return NULL;
	g = xcalloc(1, sizeof(*g));
	g->state = HG_CONNECT;
	g->base = base;
	g->host = xstrdup(host);
	g->path = xstrdup(path);
	g->port = ntohs(sa->sa_family == AF_INET ? ((const struct sockaddr_in *)sa)->sin_port :
	    ((const struct sockaddr_in6 *)sa)->sin6_port);
	g->timeout_ms = timeout_ms;
	g->cb = cb;
	g->arg = arg;
	httpsget_resp_init(&g->resp, max_body);
	g->timer = event_new(base, -1, 0, on_timeout, g);
	g->ssl = SSL_new(ssl_ctx);
	if (g->timer == NULL || g->ssl == NULL)
		goto fail;
	/* the caller's SSL_CTX may only record verification failures: here
	 * they end the handshake, and the name is checked too */
	SSL_set_verify(g->ssl, SSL_VERIFY_PEER, NULL);
	SSL_set_hostflags(g->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (SSL_set1_host(g->ssl, host) != 1 || SSL_set_tlsext_host_name(g->ssl, host) != 1)
		goto fail;
	g->bev = bufferevent_openssl_socket_new(base, -1, g->ssl, BUFFEREVENT_SSL_CONNECTING,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (g->bev == NULL)
		goto fail;
	bufferevent_setcb(g->bev, on_read, NULL, on_bev_event, g);
	/* read at most 16 KiB ahead of the parser */
	bufferevent_setwatermark(g->bev, EV_READ, 0, 16384);
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (suseconds_t)(timeout_ms % 1000) * 1000;
	event_add(g->timer, &tv);
	if (bufferevent_socket_connect(g->bev, sa, (int)salen) != 0)
		goto fail;
	return g;
fail:
	ERR_clear_error();
	hg_free(g);
	return NULL;
}

void
httpsget_cancel(struct httpsget *g)
{
	if (g == NULL || g->in_cb)
		return;
	hg_free(g);
}
