#include "buildconf.h"
/*
 * bench/smtpsink.c - SMTP server for benchmarks: one process, one thread,
 * one libevent loop, tens of thousands of concurrent connections.
 *
 * SYNOPSIS
 *     smtpsink [--listen ADDR:PORT] [--cert FILE [--key FILE]] [--ready FILE]
 *              [--max-conns N] [--name NAME] [--max-noops N]
 *
 * DESCRIPTION
 *     Answers just enough SMTP for a monitor to classify it and keep an idle
 *     connection open:
 *         220 NAME ESMTP smtpsink                 greeting
 *         EHLO x    250-NAME, PIPELINING, SIZE, 8BITMIME, and STARTTLS while
 *                   TLS is configured and not yet in use
 *         HELO x    250 NAME
 *         STARTTLS  220, then the TLS handshake (TLS 1.2 or 1.3); 502 without
 *                   --cert, 503 once in TLS.  Plaintext pipelined after
 *                   STARTTLS is discarded.
 *         NOOP      250        RSET  250        QUIT  221, then close
 *         other     502
 *     Verbs are case-insensitive; pipelined commands are answered in order.
 *     A line longer than 1024 octets (LF included) gets 500 and the
 *     connection is closed.  Idle connections are never timed out.
 *
 *     Per connection the sink keeps one small structure (the libevent event
 *     included).  The 1 KiB input buffer exists only while a partial line is
 *     pending, the output buffer only while the socket refuses a reply; input
 *     is not read while a reply is pending, so both stay bounded.  TLS uses
 *     one SSL_CTX with SSL_MODE_RELEASE_BUFFERS, no session cache and no
 *     tickets, so an idle TLS connection holds no record buffers.
 *
 * OPTIONS
 *     --listen ADDR:PORT  numeric address ([v6]:PORT for IPv6); default
 *                         0.0.0.0:2525, which every 127.x.y.z reaches.
 *                         Backlog 4096 (capped by net.core.somaxconn).
 *     --cert FILE         PEM certificate chain; enables STARTTLS.
 *     --key FILE          PEM private key; default: the --cert file.
 *     --ready FILE        once listening, write "ready" to FILE.tmp and
 *                         rename it to FILE.
 *     --max-conns N       refuse (421, close) connections beyond N; default
 *                         and ceiling: RLIMIT_NOFILE - 16.
 *     --name NAME         host name in the replies; default smtpsink.test.
 *     --max-noops N       like Exim's smtp_accept_max_nonmail: the (N+1)th
 *                         NOOP or RSET of a connection gets "554 Too many
 *                         nonmail commands" and the connection is closed;
 *                         default 0, no limit.
 *
 *     When the last connection closes, freed heap memory is returned to the
 *     system (glibc malloc_trim), so RSS between runs shows the idle size.
 *
 *     RLIMIT_NOFILE is raised at start (the hard limit too when permitted).
 *     SIGUSR1 prints counters to stderr; SIGTERM or SIGINT prints them and
 *     exits 0.
 */

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#define IN_CAP 1024      /* longest line, LF included */
#define OUT_CAP 256      /* longest reply (the EHLO reply) fits */
#define NAME_MAX_LEN 64
#define BACKLOG 4096
#define ACCEPT_BURST 128 /* accepts per listener wake-up */
#define RUN_BURST 8      /* reads per connection wake-up */
#define FD_RESERVE 16    /* descriptors kept for the listener, epoll, stdio */

enum { C_PLAIN, C_HANDSHAKE, C_TLS };
enum { F_STARTTLS = 1, F_CLOSE = 2 };

struct conn {
	struct event ev;
	SSL *ssl;
	char *in;        /* pending partial input, IN_CAP bytes, or NULL */
	char *out;       /* unsent output, OUT_CAP bytes, or NULL */
	int fd;
	uint16_t inlen;
	uint16_t outlen;
	short want;      /* current event interest: 0, EV_READ or EV_WRITE */
	short block;     /* direction the last I/O call is waiting for */
	uint8_t state;
	uint8_t flags;
	uint16_t noops;  /* NOOP and RSET seen, for --max-noops */
};

static struct event_base *base;
static SSL_CTX *ctx;
static struct event listen_ev, resume_ev;
static unsigned long max_conns, max_noops;
static char name[NAME_MAX_LEN + 1] = "smtpsink.test";
static char banner[128], ehlo_plain[OUT_CAP], ehlo_tls[OUT_CAP], helo_reply[128];
static size_t banner_len, ehlo_plain_len, ehlo_tls_len, helo_reply_len;
static char rbuf[IN_CAP];

static struct {
	unsigned long conns, tls_conns, peak;
	unsigned long accepted, rejected, closed;
	unsigned long handshakes, handshake_failures, long_lines, noop_closes;
} st;

static void on_conn(evutil_socket_t fd, short what, void *arg);

static void
print_stats(const char *why)
{
	fprintf(stderr, "smtpsink: %s conns=%lu tls_conns=%lu peak=%lu accepted=%lu rejected=%lu "
	    "closed=%lu handshakes=%lu handshake_failures=%lu long_lines=%lu noop_closes=%lu\n",
	    why, st.conns, st.tls_conns, st.peak, st.accepted, st.rejected, st.closed,
	    st.handshakes, st.handshake_failures, st.long_lines, st.noop_closes);
}

static void
conn_want(struct conn *c, short what)
{
	if (c->want == what)
		return;
	if (c->want)
		event_del(&c->ev);
	event_assign(&c->ev, base, c->fd, what | EV_PERSIST, on_conn, c);
	if (event_add(&c->ev, NULL) != 0) {
		fprintf(stderr, "smtpsink: event_add failed\n");
		exit(1);
	}
	c->want = what;
}

static void
conn_close(struct conn *c)
{
	if (c->want)
		event_del(&c->ev);
	if (c->ssl) {
		if (c->state == C_TLS) {
			SSL_shutdown(c->ssl); /* close_notify, best effort */
			st.tls_conns--;
		}
		SSL_free(c->ssl);
		ERR_clear_error();
	}
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
	st.conns--;
	st.closed++;
#ifdef __GLIBC__
	if (st.conns == 0)
		malloc_trim(0); /* between benchmark runs, show the idle size */
#endif
}

/* Returns bytes written, 0 when the call would block (c->block says on
 * what), -1 when the connection is gone. */
static ssize_t
conn_write(struct conn *c, const char *p, size_t n)
{
	if (c->state == C_TLS) {
		int r = SSL_write(c->ssl, p, (int)n);
		if (r > 0)
			return r;
		switch (SSL_get_error(c->ssl, r)) {
		case SSL_ERROR_WANT_READ: c->block = EV_READ; return 0;
		case SSL_ERROR_WANT_WRITE: c->block = EV_WRITE; return 0;
		default: ERR_clear_error(); return -1;
		}
	}
	ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
	if (w >= 0)
		return w;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
		c->block = EV_WRITE;
		return 0;
	}
	return -1;
}

/* As conn_write; 0 at end of stream is reported as -1. */
static ssize_t
conn_read(struct conn *c, char *p, size_t n)
{
	if (c->state == C_TLS) {
		int r = SSL_read(c->ssl, p, (int)n);
		if (r > 0)
			return r;
		switch (SSL_get_error(c->ssl, r)) {
		case SSL_ERROR_WANT_READ: c->block = EV_READ; return 0;
		case SSL_ERROR_WANT_WRITE: c->block = EV_WRITE; return 0;
		default: ERR_clear_error(); return -1;
		}
	}
	ssize_t r = recv(c->fd, p, n, 0);
	if (r > 0)
		return r;
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		c->block = EV_READ;
		return 0;
	}
	return -1;
}

/* Sends a reply now, or keeps what the socket refused in c->out. */
static int
conn_send(struct conn *c, const char *p, size_t n)
{
	ssize_t w = 0;
	if (c->outlen == 0) {
		w = conn_write(c, p, n);
		if (w < 0)
			return -1;
		if ((size_t)w == n)
			return 0;
	}
	if (c->outlen + (n - (size_t)w) > OUT_CAP)
		return -1; /* cannot happen: input stops while a reply is pending */
	if (!c->out && !(c->out = malloc(OUT_CAP)))
		return -1;
	memcpy(c->out + c->outlen, p + w, n - (size_t)w);
	c->outlen += (uint16_t)(n - (size_t)w);
	return 0;
}

#define SEND_LIT(c, s) conn_send((c), (s), sizeof(s) - 1)

static int
is_verb(const char *line, size_t len, const char *verb)
{
	size_t n = strlen(verb);
	return len >= n && strncasecmp(line, verb, n) == 0 && (len == n || line[n] == ' ');
}

static int
command(struct conn *c, const char *line, size_t len)
{
	if (is_verb(line, len, "EHLO"))
		return c->state == C_TLS ? conn_send(c, ehlo_tls, ehlo_tls_len)
		                         : conn_send(c, ehlo_plain, ehlo_plain_len);
	if (is_verb(line, len, "HELO"))
		return conn_send(c, helo_reply, helo_reply_len);
	if (is_verb(line, len, "NOOP") || is_verb(line, len, "RSET")) {
		if (max_noops && c->noops++ >= max_noops) {
			c->flags |= F_CLOSE;
			st.noop_closes++;
			return SEND_LIT(c, "554 Too many nonmail commands\r\n");
		}
		return SEND_LIT(c, "250 2.0.0 OK\r\n");
	}
	if (is_verb(line, len, "QUIT")) {
		c->flags |= F_CLOSE;
		return SEND_LIT(c, "221 2.0.0 Bye\r\n");
	}
	if (is_verb(line, len, "STARTTLS")) {
		if (!ctx)
			return SEND_LIT(c, "502 5.5.1 STARTTLS not offered\r\n");
		if (c->state == C_TLS)
			return SEND_LIT(c, "503 5.5.1 TLS already active\r\n");
		c->flags |= F_STARTTLS;
		return SEND_LIT(c, "220 2.0.0 Ready to start TLS\r\n");
	}
	return SEND_LIT(c, "502 5.5.2 Command not recognized\r\n");
}

/* Answers the complete lines in buf; keeps an unfinished rest in c->in. */
static int
conn_lines(struct conn *c, const char *buf, size_t len)
{
	size_t off = 0;

	while (off < len && c->outlen == 0 && !(c->flags & (F_STARTTLS | F_CLOSE))) {
		const char *nl = memchr(buf + off, '\n', len - off);
		if (!nl)
			break;
		size_t l = (size_t)(nl - (buf + off));
		if (l > 0 && buf[off + l - 1] == '\r')
			l--;
		if (command(c, buf + off, l) < 0)
			return -1;
		off = (size_t)(nl - buf) + 1;
	}
	if (c->flags & (F_STARTTLS | F_CLOSE))
		off = len; /* nothing pipelined after STARTTLS or QUIT is kept */
	size_t rest = len - off;
	if (rest == IN_CAP && !memchr(buf + off, '\n', rest)) {
		st.long_lines++;
		c->flags |= F_CLOSE;
		rest = 0;
		if (SEND_LIT(c, "500 5.5.2 Line too long\r\n") < 0)
			return -1;
	}
	if (rest == 0) {
		free(c->in);
		c->in = NULL;
	} else {
		if (!c->in && !(c->in = malloc(IN_CAP)))
			return -1;
		memmove(c->in, buf + off, rest);
	}
	c->inlen = (uint16_t)rest;
	return 0;
}

/* Drives one connection as far as it goes without blocking. */
static void
conn_run(struct conn *c)
{
	for (int i = 0; i < RUN_BURST; i++) {
		if (c->state == C_HANDSHAKE) {
			int r = SSL_accept(c->ssl);
			if (r != 1) {
				switch (SSL_get_error(c->ssl, r)) {
				case SSL_ERROR_WANT_READ: conn_want(c, EV_READ); return;
				case SSL_ERROR_WANT_WRITE: conn_want(c, EV_WRITE); return;
				default:
					st.handshake_failures++;
					conn_close(c);
					return;
				}
			}
			c->state = C_TLS;
			st.handshakes++;
			st.tls_conns++;
		}
		if (c->outlen) {
			ssize_t w = conn_write(c, c->out, c->outlen);
			if (w < 0) {
				conn_close(c);
				return;
			}
			if (w == 0) {
				conn_want(c, c->block);
				return;
			}
			c->outlen -= (uint16_t)w;
			if (c->outlen) {
				memmove(c->out, c->out + w, c->outlen);
				continue;
			}
			free(c->out);
			c->out = NULL;
		}
		if (c->flags & F_CLOSE) {
			conn_close(c);
			return;
		}
		if (c->flags & F_STARTTLS) {
			c->flags &= (uint8_t)~F_STARTTLS;
			free(c->in);
			c->in = NULL;
			c->inlen = 0;
			if (!(c->ssl = SSL_new(ctx)) || SSL_set_fd(c->ssl, c->fd) != 1) {
				ERR_clear_error();
				conn_close(c);
				return;
			}
			c->state = C_HANDSHAKE;
			continue;
		}
		size_t have = c->inlen;
		if (have)
			memcpy(rbuf, c->in, have);
		if (!memchr(rbuf, '\n', have)) {
			ssize_t r = conn_read(c, rbuf + have, IN_CAP - have);
			if (r < 0) {
				conn_close(c);
				return;
			}
			if (r == 0) {
				conn_want(c, c->block);
				return;
			}
			have += (size_t)r;
		}
		if (conn_lines(c, rbuf, have) < 0) {
			conn_close(c);
			return;
		}
	}
	/* Burst used up; data may wait inside OpenSSL or c->in, where epoll
	 * cannot see it: come back on the next loop iteration. */
	event_active(&c->ev, EV_READ, 1);
}

static void
on_conn(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_run(arg);
}

static void
on_resume(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	event_add(&listen_ev, NULL);
}

static void
on_accept(evutil_socket_t lfd, short what, void *arg)
{
	(void)what;
	(void)arg;
	for (int i = 0; i < ACCEPT_BURST; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			/* EMFILE, ENFILE, ENOBUFS, ENOMEM: the pending connection
			 * keeps the listener readable; pause instead of spinning. */
			static unsigned long warned;
			if (warned++ % 1000 == 0)
				fprintf(stderr, "smtpsink: accept: %s (listener paused 100 ms)\n", strerror(errno));
			struct timeval tv = { 0, 100000 };
			event_del(&listen_ev);
			evtimer_add(&resume_ev, &tv);
			return;
		}
		if (st.conns >= max_conns) {
			static const char full[] = "421 4.3.2 Too many connections\r\n";
			ssize_t ignored = send(fd, full, sizeof(full) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			(void)ignored;
			close(fd);
			st.rejected++;
			continue;
		}
		struct conn *c = calloc(1, sizeof *c);
		if (!c) {
			close(fd);
			st.rejected++;
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		c->fd = fd;
		st.conns++;
		st.accepted++;
		if (st.conns > st.peak)
			st.peak = st.conns;
		if (conn_send(c, banner, banner_len) < 0) {
			conn_close(c);
			continue;
		}
		conn_want(c, c->outlen ? c->block : EV_READ);
	}
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	(void)arg;
	if (sig == SIGUSR1) {
		print_stats("stats");
		return;
	}
	event_base_loopbreak(base);
}

static rlim_t
raise_nofile(rlim_t want)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1024;
	if (rl.rlim_cur >= want)
		return rl.rlim_cur;
	if (rl.rlim_max < want) {
		struct rlimit up = { want, want }; /* succeeds when privileged */
		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			return want;
	}
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		getrlimit(RLIMIT_NOFILE, &rl);
	return rl.rlim_cur;
}

static SSL_CTX *
make_ctx(const char *cert, const char *key)
{
	SSL_CTX *c = SSL_CTX_new(TLS_server_method());
	if (!c)
		goto fail;
	SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION);
	SSL_CTX_set_options(c, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_num_tickets(c, 0);
	SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (SSL_CTX_use_certificate_chain_file(c, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(c, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(c) != 1)
		goto fail;
	return c;
fail:
	fprintf(stderr, "smtpsink: TLS set-up with %s and %s failed:\n", cert, key);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static int
listen_on(const char *spec)
{
	char host[256];
	const char *port;
	size_t hl;

	if (spec[0] == '[') {
		const char *e = strchr(spec, ']');
		if (!e || e[1] != ':')
			goto bad;
		hl = (size_t)(e - spec - 1);
		memcpy(host, spec + 1, hl < sizeof host ? hl : 0);
		port = e + 2;
	} else {
		const char *e = strrchr(spec, ':');
		if (!e)
			goto bad;
		hl = (size_t)(e - spec);
		memcpy(host, spec, hl < sizeof host ? hl : 0);
		port = e + 1;
	}
	if (hl == 0 || hl >= sizeof host || !*port)
		goto bad;
	host[hl] = '\0';

	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
	                          .ai_socktype = SOCK_STREAM }, *ai;
	int e = getaddrinfo(host, port, &hints, &ai);
	if (e != 0) {
		fprintf(stderr, "smtpsink: --listen %s: %s\n", spec, gai_strerror(e));
		exit(2);
	}
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, BACKLOG) != 0) {
		fprintf(stderr, "smtpsink: listen on %s: %s\n", spec, strerror(errno));
		exit(1);
	}
	freeaddrinfo(ai);
	return fd;
bad:
	fprintf(stderr, "smtpsink: --listen wants ADDR:PORT or [ADDR]:PORT, got %s\n", spec);
	exit(2);
}

static void
usage(void)
{
	fprintf(stderr, "usage: smtpsink [--listen ADDR:PORT] [--cert FILE [--key FILE]] "
	    "[--ready FILE] [--max-conns N] [--name NAME] [--max-noops N]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *listen_spec = "0.0.0.0:2525", *cert = NULL, *key = NULL, *ready = NULL;
	unsigned long want_conns = 0;

	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		if (i + 1 >= argc)
			usage();
		const char *v = argv[++i];
		if (!strcmp(o, "--listen"))
			listen_spec = v;
		else if (!strcmp(o, "--cert"))
			cert = v;
		else if (!strcmp(o, "--key"))
			key = v;
		else if (!strcmp(o, "--ready"))
			ready = v;
		else if (!strcmp(o, "--max-conns")) {
			char *end;
			errno = 0;
			want_conns = strtoul(v, &end, 10);
			if (errno || *end || want_conns == 0)
				usage();
		} else if (!strcmp(o, "--max-noops")) {
			char *end;
			errno = 0;
			max_noops = strtoul(v, &end, 10);
			if (errno || *end || max_noops > 60000)
				usage();
		} else if (!strcmp(o, "--name")) {
			if (strlen(v) == 0 || strlen(v) > NAME_MAX_LEN || strpbrk(v, " \r\n"))
				usage();
			strcpy(name, v);
		} else
			usage();
	}
	if (key && !cert)
		usage();

	rlim_t lim = raise_nofile(want_conns ? (rlim_t)want_conns + FD_RESERVE : (rlim_t)131072);
	max_conns = lim > FD_RESERVE ? (unsigned long)(lim - FD_RESERVE) : 1;
	if (want_conns && want_conns < max_conns)
		max_conns = want_conns;
	else if (want_conns > max_conns)
		fprintf(stderr, "smtpsink: RLIMIT_NOFILE %lu allows only %lu connections\n",
		    (unsigned long)lim, max_conns);

	signal(SIGPIPE, SIG_IGN);
	if (cert)
		ctx = make_ctx(cert, key ? key : cert);

	banner_len = (size_t)snprintf(banner, sizeof banner, "220 %s ESMTP smtpsink\r\n", name);
	helo_reply_len = (size_t)snprintf(helo_reply, sizeof helo_reply, "250 %s\r\n", name);
	const char *caps = "250-PIPELINING\r\n250-SIZE 10485760\r\n";
	ehlo_tls_len = (size_t)snprintf(ehlo_tls, sizeof ehlo_tls,
	    "250-%s\r\n%s250 8BITMIME\r\n", name, caps);
	ehlo_plain_len = ctx ? (size_t)snprintf(ehlo_plain, sizeof ehlo_plain,
	                           "250-%s\r\n%s250-8BITMIME\r\n250 STARTTLS\r\n", name, caps)
	                     : (size_t)snprintf(ehlo_plain, sizeof ehlo_plain, "%s", ehlo_tls);

	struct event_config *cfg = event_config_new();
	event_config_avoid_method(cfg, "select");
	event_config_avoid_method(cfg, "poll");
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (!base) {
		fprintf(stderr, "smtpsink: no usable libevent backend\n");
		return 1;
	}
	int lfd = listen_on(listen_spec);
	event_assign(&listen_ev, base, lfd, EV_READ | EV_PERSIST, on_accept, NULL);
	event_add(&listen_ev, NULL);
	evtimer_assign(&resume_ev, base, on_resume, NULL);
	struct event *sigs[3];
	const int signums[3] = { SIGTERM, SIGINT, SIGUSR1 };
	for (int i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(base, signums[i], on_signal, NULL);
		evsignal_add(sigs[i], NULL);
	}

	if (ready) {
		char tmp[4096];
		snprintf(tmp, sizeof tmp, "%s.tmp", ready);
		FILE *f = fopen(tmp, "w");
		if (!f || fputs("ready\n", f) == EOF || fclose(f) != 0 || rename(tmp, ready) != 0) {
			fprintf(stderr, "smtpsink: --ready %s: %s\n", ready, strerror(errno));
			return 1;
		}
	}
	fprintf(stderr, "smtpsink: listening on %s, %s, at most %lu connections, %s backend\n",
	    listen_spec, ctx ? "STARTTLS" : "no TLS", max_conns, event_base_get_method(base));

	event_base_dispatch(base);

	print_stats("exit");
	for (int i = 0; i < 3; i++)
		event_free(sigs[i]);
	event_del(&listen_ev);
	event_del(&resume_ev);
	close(lfd);
	event_base_free(base);
	SSL_CTX_free(ctx);
	return 0;
}
