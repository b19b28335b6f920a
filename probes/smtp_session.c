/* probes/smtp_session.c: see smtp_session.h.
 *
 * Shape: entering a state sends its command (send_cmd); handling the reply
 * that completes it is one switch (handle_reply); every failure goes through
 * fail(), which records the reason and the server's reply and decides whether
 * the connection is still fit for a polite QUIT. One libevent event per
 * session carries both the fd interest and the current deadline (wait_for).
 */
#include "buildconf.h"
#include "smtp_session.h"
#include "log.h"
#include "smtp_reply.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#define READ_CHUNK 4096
#define READ_BUDGET (16 * 1024)   /* bytes per wake-up: a flooding peer must yield */
#define REPLY_TEXT_MAX 2048       /* kept text of one reply (lines beyond are counted, not kept) */
#define QUIT_WAIT_MAX_MS 5000

struct smtp_session {
	uint8_t *chain[SMTP_CHAIN_MAX]; /* cfg.keep_chain: presented chain, DER */
	size_t chain_len[SMTP_CHAIN_MAX];
	size_t nchain;
	struct event_base *base;
	struct event ev;
	bool ev_set;
	bool armed;             /* wait_for() called in this dispatch */
	short want;             /* fd interest of the current wait */
	struct smtp_session_cfg cfg;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char peer[64];
	int fd;
	enum smtp_state state;
	struct tls_conn *tls;
	struct smtp_reply_parser rp;
	/* the reply being received */
	char *reply;
	size_t reply_len;
	int reply_code;
	char reply_esc[12];
	/* the command being sent */
	char *out;
	size_t out_len, out_off;
	/* clock */
	uint64_t t_start;       /* smtp_session_start */
	uint64_t t_phase;       /* current command sent / phase began */
	uint64_t deadline;      /* current wait; 0 none */
	uint64_t total_deadline;
	size_t chunk_left;      /* unread bytes after the reply just completed */
	smtp_session_cb *cb;
	void *arg;
	int busy;               /* >0 while dispatching: defers free */
	bool dead;
	bool ready;             /* SMTP_EV_READY sent */
	bool quit_requested;
	struct smtp_result res;
};

static const char *const state_names[] = {
	"INIT", "CONNECT", "BANNER", "EHLO", "HELO", "STARTTLS", "HANDSHAKE", "EHLO_TLS",
	"AUTH", "AUTH_USER", "AUTH_PASS", "NOOP", "IDLE", "QUIT", "DONE", "FAILED",
};

const char *
smtp_state_name(enum smtp_state st)
{
	if ((size_t)st < sizeof state_names / sizeof state_names[0])
		return state_names[st];
	return "?";
}

const char *
smtp_fail_name(enum smtp_fail f)
{
	static const char *const names[] = {
		"none", "connect", "timeout", "closed", "io", "protocol", "banner", "ehlo",
		"no-starttls", "starttls", "injection", "tls", "auth", "noop", "aborted",
	};
	if ((size_t)f < sizeof names / sizeof names[0])
		return names[f];
	return "?";
}

void
sockaddr_text(const struct sockaddr *sa, char *out, size_t outsz)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
		snprintf(out, outsz, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
		snprintf(out, outsz, "%s:%u", host, ntohs(s4->sin_port));
	} else {
		snprintf(out, outsz, "?");
	}
}

/* Between the TLS 1.3 handshake and the reply to the EHLO that follows it,
 * the server may send NewSessionTickets (Postfix sends one, though we never
 * resume) in a segment of its own; with Nagle on, its EHLO reply then waits
 * for our ACK of that segment, and Linux delays that ACK by 40 ms (the
 * connection is in its interactive, "pingpong" mode), a stall that
 * ehlo_tls would blame on the server. TCP_QUICKACK leaves that mode, so the
 * read that drains the ticket ACKs it at once. It is not permanent (sending
 * data enters the mode again): set after the EHLO is sent and after every
 * read that leaves its reply incomplete. Failure only costs the stall. */
static void
quick_ack(const struct smtp_session *s)
{
#ifdef TCP_QUICKACK
	int one = 1;

	if (s->tls != NULL && s->state == SMTP_S_EHLO_TLS)
		(void)setsockopt(s->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
#else
	(void)s;
#endif
}

static void on_event(evutil_socket_t fd, short what, void *arg);
static void do_handshake(struct smtp_session *s);
static void fail(struct smtp_session *s, enum smtp_fail f, bool with_reply, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
set_state(struct smtp_session *s, enum smtp_state st)
{
	if (log_debug_enabled())
		log_debug("target=%s state %s -> %s", s->peer, smtp_state_name(s->state),
		    smtp_state_name(st));
	s->state = st;
}

/* Wait for `what` on the fd until deadline (0: none), capped by the total. */
static void
wait_for(struct smtp_session *s, short what, uint64_t deadline)
{
	struct timeval tv;
	uint64_t now = now_us(), d = deadline;

	if (s->total_deadline && !s->ready && (d == 0 || s->total_deadline < d))
		d = s->total_deadline;
	s->deadline = d;
	/* Same interest as before (the usual case: a reply awaited, then the
	 * idle wait): keep the fd registered and change only the timer, which
	 * costs no epoll_ctl. A monitor connection waits like this ~once a
	 * minute per target; at 10,000 targets the saved syscalls show. The
	 * event is persistent, so that libevent does not take the fd out of
	 * epoll each time it fires either (an EPOLL_CTL_DEL and an ADD per
	 * reply otherwise); on_event() re-arms the deadline itself. */
	if (!s->ev_set || s->want != what) {
		if (s->ev_set)
			event_del(&s->ev);
		event_assign(&s->ev, s->base, s->fd, what | EV_PERSIST, on_event, s);
		s->ev_set = true;
	}
	s->want = what;
	s->armed = true;
	if (d == 0) {
		event_remove_timer(&s->ev);
		event_add(&s->ev, NULL);
		return;
	}
	d = d > now ? d - now : 0;
	tv.tv_sec = (time_t)(d / 1000000u);
	tv.tv_usec = (suseconds_t)(d % 1000000u);
	event_add(&s->ev, &tv);
}

static uint64_t
after_ms(uint32_t ms)
{
	return now_us() + (uint64_t)ms * 1000u;
}

/* Entry points hold the session while they run; a free requested meanwhile
 * (from the owner's callback) happens on the way out. */
static void
enter(struct smtp_session *s)
{
	s->busy++;
}

static void
leave(struct smtp_session *s)
{
	s->busy--;
	if (s->dead && s->busy == 0)
		smtp_session_free(s);
}

static void
notify(struct smtp_session *s, enum smtp_event ev)
{
	s->busy++;
	s->cb(s, ev, s->arg);
	s->busy--;
}

static void
reply_reset(struct smtp_session *s)
{
	free(s->reply);
	s->reply = NULL;
	s->reply_len = 0;
	s->reply_code = 0;
	s->reply_esc[0] = '\0';
}

/* Move the current reply text into the result as the failure's cause. */
static void
keep_reply(struct smtp_session *s)
{
	free(s->res.last_reply);
	s->res.last_reply = s->reply;
	s->res.reply_code = s->reply_code;
	s->reply = NULL;
	s->reply_len = 0;
}

static void
close_fd(struct smtp_session *s)
{
	if (s->ev_set) {
		event_del(&s->ev);
		s->ev_set = false;
	}
	if (s->tls) {
		tls_conn_free(s->tls);
		s->tls = NULL;
	}
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
	free(s->out);
	s->out = NULL;
	reply_reset(s);
}

/* The end: state DONE (no failure recorded) or FAILED; tell the owner once. */
static void
finish(struct smtp_session *s)
{
	if (s->tls && s->res.fail == SMTP_F_NONE)
		tls_close_notify(s->tls);
	close_fd(s);
	set_state(s, s->res.fail == SMTP_F_NONE ? SMTP_S_DONE : SMTP_S_FAILED);
	notify(s, SMTP_EV_CLOSED);
}

static bool
terminal(const struct smtp_session *s)
{
	return s->dead || s->state == SMTP_S_DONE || s->state == SMTP_S_FAILED;
}

/* Write what is pending; then wait for the reply. */
static void
flush_out(struct smtp_session *s)
{
	while (s->out_off < s->out_len) {
		size_t n = 0;
		if (s->tls) {
			enum tls_status st = tls_write(s->tls, s->out + s->out_off,
			    s->out_len - s->out_off, &n);
			if (st == TLS_WANT_WRITE || st == TLS_WANT_READ) {
				wait_for(s, st == TLS_WANT_WRITE ? EV_WRITE : EV_READ,
				    after_ms(s->cfg.anycmd_ms));
				return;
			}
			if (st != TLS_OK) {
				fail(s, st == TLS_CLOSED ? SMTP_F_CLOSED : SMTP_F_TLS, false, "%s",
				    tls_error(s->tls));
				return;
			}
		} else {
			ssize_t w = send(s->fd, s->out + s->out_off, s->out_len - s->out_off,
			    MSG_NOSIGNAL);
			if (w < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
					wait_for(s, EV_WRITE, after_ms(s->cfg.anycmd_ms));
					return;
				}
				fail(s, errno == EPIPE || errno == ECONNRESET ? SMTP_F_CLOSED : SMTP_F_IO,
				    false, "send: %s", strerror(errno));
				return;
			}
			n = (size_t)w;
		}
		s->out_off += n;
	}
	/* Credentials must not linger in memory longer than needed. */
	explicit_bzero(s->out, s->out_len);
	free(s->out);
	s->out = NULL;
	s->out_len = s->out_off = 0;
	quick_ack(s);
	/* the result is final once QUIT is sent: do not wait long for 221 */
	wait_for(s, EV_READ, after_ms(s->state == SMTP_S_QUIT && s->cfg.anycmd_ms > QUIT_WAIT_MAX_MS ?
	    QUIT_WAIT_MAX_MS : s->cfg.anycmd_ms));
	/* bytes OpenSSL read ahead wake no fd wait: read them now */
	if (s->tls != NULL && tls_pending(s->tls))
		event_active(&s->ev, EV_READ, 0);
}

/* Enter state st by sending one command line (CRLF added). */
static void
send_cmd(struct smtp_session *s, enum smtp_state st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
send_cmd(struct smtp_session *s, enum smtp_state st, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->quit_requested && st != SMTP_S_QUIT) {
		if (!s->ready && s->res.fail == SMTP_F_NONE) {
			s->res.fail = SMTP_F_ABORTED;
			s->res.fail_state = s->state;
			s->res.reason = xstrdup("stopped before classification completed");
		}
		send_cmd(s, SMTP_S_QUIT, "QUIT");
		return;
	}
	free(s->out);
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s->out = xmalloc((size_t)n + 3);
	va_start(ap, fmt);
	vsnprintf(s->out, (size_t)n + 1, fmt, ap);
	va_end(ap);
	memcpy(s->out + n, "\r\n", 3);
	s->out_len = (size_t)n + 2;
	s->out_off = 0;
	set_state(s, st);
	s->t_phase = now_us();
	flush_out(s);
}

static void
fail(struct smtp_session *s, enum smtp_fail f, bool with_reply, const char *fmt, ...)
{
	va_list ap;
	char buf[256];
	bool polite;

	if (s->res.fail == SMTP_F_NONE) {
		va_start(ap, fmt);
		vsnprintf(buf, sizeof buf, fmt, ap);
		va_end(ap);
		s->res.fail = f;
		s->res.fail_state = s->state;
		if (s->res.t.total == 0)
			s->res.t.total = now_us() - s->t_start;
		free(s->res.reason);
		s->res.reason = xstrdup(buf);
		if (with_reply)
			keep_reply(s);
		log_debug("target=%s failed in %s: %s: %s", s->peer, smtp_state_name(s->state),
		    smtp_fail_name(f), buf);
	}
	/* A refused command leaves the dialogue intact: say QUIT. Broken
	 * streams, stalls and attacks are closed at once. */
	polite = (f == SMTP_F_BANNER || f == SMTP_F_EHLO || f == SMTP_F_NO_STARTTLS ||
	    f == SMTP_F_STARTTLS || f == SMTP_F_AUTH || f == SMTP_F_NOOP || f == SMTP_F_ABORTED) &&
	    s->state != SMTP_S_QUIT && s->fd >= 0;
	if (polite && s->reply_code != 421) {
		reply_reset(s);
		send_cmd(s, SMTP_S_QUIT, "QUIT");
		return;
	}
	finish(s);
}

static bool
need_tls(const struct smtp_session *s)
{
	return s->cfg.secure || s->cfg.auth_user != NULL;
}

static void
send_noop(struct smtp_session *s)
{
	send_cmd(s, SMTP_S_NOOP, "NOOP");
}

static void
start_handshake(struct smtp_session *s)
{
	set_state(s, SMTP_S_HANDSHAKE);
	s->t_phase = now_us();
	s->tls = tls_conn_new(s->cfg.tls, s->fd, s->cfg.servername);
	s->deadline = after_ms(s->cfg.anycmd_ms);
	do_handshake(s);
}

static void
start_auth(struct smtp_session *s)
{
	const char *u = s->cfg.auth_user, *p = s->cfg.auth_pass ? s->cfg.auth_pass : "";
	uint32_t mechs = s->res.caps_tls.auth;

	s->t_phase = now_us();
	if (mechs & SMTP_AUTH_PLAIN) {
		size_t ul = strlen(u), pl = strlen(p), n = ul + pl + 2;
		uint8_t *raw = xmalloc(n);
		char *b64 = xmalloc(4 * ((n + 2) / 3) + 1);

		raw[0] = '\0';
		memcpy(raw + 1, u, ul);
		raw[1 + ul] = '\0';
		memcpy(raw + 2 + ul, p, pl);
		b64_encode(raw, n, b64);
		send_cmd(s, SMTP_S_AUTH, "AUTH PLAIN %s", b64);
		explicit_bzero(raw, n);
		explicit_bzero(b64, strlen(b64));
		free(raw);
		free(b64);
	} else if (mechs & SMTP_AUTH_LOGIN) {
		send_cmd(s, SMTP_S_AUTH, "AUTH LOGIN");
	} else {
		fail(s, SMTP_F_AUTH, false, "no AUTH mechanism usable with AuthEntity (PLAIN or LOGIN) offered over TLS");
	}
}

static void
send_b64(struct smtp_session *s, enum smtp_state st, const char *text)
{
	size_t n = strlen(text);
	char *b64 = xmalloc(4 * ((n + 2) / 3) + 1);

	b64_encode((const uint8_t *)text, n, b64);
	send_cmd(s, st, "%s", b64);
	explicit_bzero(b64, strlen(b64));
	free(b64);
}

static uint64_t
phase_done(struct smtp_session *s)
{
	return now_us() - s->t_phase;
}

/* Plaintext after the STARTTLS 220 and before our ClientHello is an attack
 * (CVE-2011-0411 class): the server must stay silent until we speak TLS. */
static bool
plaintext_left(struct smtp_session *s)
{
	char c;
	ssize_t n;

	if (s->chunk_left > 0 || !smtp_reply_between(&s->rp))
		return true;
	n = recv(s->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return n > 0;
}

static void
classified(struct smtp_session *s)
{
	s->res.t.noop = phase_done(s);
	s->res.noop_rtt = s->res.t.noop;
	s->res.noops++;
	s->res.t.total = now_us() - s->t_start;
	s->ready = true;
	notify(s, SMTP_EV_READY);
	if (terminal(s))
		return;
	if (s->cfg.mode == SMTP_MODE_PROBE || s->quit_requested) {
		send_cmd(s, SMTP_S_QUIT, "QUIT");
	} else {
		set_state(s, SMTP_S_IDLE);
		wait_for(s, EV_READ, 0);
	}
}

/* A complete reply (code in s->reply_code, text in s->reply) in state s->state. */
static void
handle_reply(struct smtp_session *s)
{
	int code = s->reply_code;

	switch (s->state) {
	case SMTP_S_BANNER:
		s->res.t.banner = phase_done(s);
		if (code != 220) {
			fail(s, SMTP_F_BANNER, true, "greeting refused");
			return;
		}
		send_cmd(s, SMTP_S_EHLO, "EHLO %s", s->cfg.helo_name);
		return;

	case SMTP_S_EHLO:
		s->res.t.ehlo = phase_done(s);
		if (code == 250) {
			s->res.server_type = APPL_TYPE_ESMTP;
			s->res.ehlo_seen = true;
			s->res.starttls_offered = (s->res.caps_pre.caps & SMTP_CAP_STARTTLS) != 0;
			if (!need_tls(s)) {
				s->res.security = APPL_SEC_BASIC;
				send_noop(s);
			} else if (s->res.starttls_offered) {
				send_cmd(s, SMTP_S_STARTTLS, "STARTTLS");
			} else {
				s->res.security = APPL_SEC_BASIC;
				fail(s, SMTP_F_NO_STARTTLS, true, "%s but STARTTLS is not offered",
				    s->cfg.secure ? "Secure Yes" : "AuthEntity needs TLS");
			}
		} else if (code >= 500) {
			smtp_caps_init(&s->res.caps_pre);
			send_cmd(s, SMTP_S_HELO, "HELO %s", s->cfg.helo_name);
		} else {
			fail(s, SMTP_F_EHLO, true, "EHLO refused");
		}
		return;

	case SMTP_S_HELO:
		if (code != 250) {
			fail(s, SMTP_F_EHLO, true, "EHLO and HELO refused");
			return;
		}
		s->res.server_type = APPL_TYPE_SMTP;
		s->res.security = APPL_SEC_BASIC;
		if (need_tls(s)) {
			fail(s, SMTP_F_NO_STARTTLS, false,
			    "%s but the server is SMTP-only (EHLO refused): no STARTTLS",
			    s->cfg.secure ? "Secure Yes" : "AuthEntity needs TLS");
			return;
		}
		send_noop(s);
		return;

	case SMTP_S_STARTTLS:
		s->res.t.starttls = phase_done(s);
		if (code != 220) {
			s->res.security = APPL_SEC_BASIC;
			fail(s, SMTP_F_STARTTLS, true, "STARTTLS refused");
			return;
		}
		if (plaintext_left(s)) {
			fail(s, SMTP_F_INJECTION, true,
			    "plaintext after the STARTTLS reply (injection attempt)");
			return;
		}
		start_handshake(s);
		return;

	case SMTP_S_EHLO_TLS:
		s->res.t.ehlo_tls = phase_done(s);
		if (code != 250) {
			fail(s, SMTP_F_EHLO, true, "EHLO after TLS refused");
			return;
		}
		if (s->cfg.auth_user != NULL)
			start_auth(s);
		else
			send_noop(s);
		return;

	case SMTP_S_AUTH:
		if (code == 235) {
			s->res.t.auth = phase_done(s);
			s->res.auth_done = true;
			send_noop(s);
		} else if (code == 334 && !(s->res.caps_tls.auth & SMTP_AUTH_PLAIN)) {
			send_b64(s, SMTP_S_AUTH_USER, s->cfg.auth_user);
		} else {
			fail(s, SMTP_F_AUTH, true, "authentication refused");
		}
		return;

	case SMTP_S_AUTH_USER:
		if (code != 334) {
			fail(s, SMTP_F_AUTH, true, "authentication refused");
			return;
		}
		send_b64(s, SMTP_S_AUTH_PASS, s->cfg.auth_pass ? s->cfg.auth_pass : "");
		return;

	case SMTP_S_AUTH_PASS:
		if (code != 235) {
			fail(s, SMTP_F_AUTH, true, "authentication refused");
			return;
		}
		s->res.t.auth = phase_done(s);
		s->res.auth_done = true;
		send_noop(s);
		return;

	case SMTP_S_NOOP:
		if (code != 250) {
			fail(s, SMTP_F_NOOP, true, "NOOP refused");
			return;
		}
		if (!s->ready) {
			classified(s);
			return;
		}
		s->res.noop_rtt = phase_done(s);
		s->res.noops++;
		set_state(s, SMTP_S_IDLE);
		if (s->quit_requested) {
			/* smtp_session_quit() came while the NOOP was out: no
			 * next command would carry the QUIT */
			send_cmd(s, SMTP_S_QUIT, "QUIT");
			notify(s, SMTP_EV_NOOP);
			return;
		}
		wait_for(s, EV_READ, 0);
		notify(s, SMTP_EV_NOOP);
		return;

	case SMTP_S_IDLE:
		/* Unsolicited: typically "421 idle timeout" before the server closes. */
		fail(s, code == 421 ? SMTP_F_CLOSED : SMTP_F_PROTOCOL, true,
		    "unsolicited reply on an idle connection");
		return;

	case SMTP_S_QUIT:
		finish(s);
		return;

	default:
		fail(s, SMTP_F_PROTOCOL, true, "reply in state %s", smtp_state_name(s->state));
		return;
	}
}

/* Take one reply line: keep its text, feed the capability parser. */
static void
take_line(struct smtp_session *s, const struct smtp_line *l)
{
	if (l->index == 0) {
		s->reply_code = l->code;
		snprintf(s->reply_esc, sizeof s->reply_esc, "%s", l->esc);
		if (s->state == SMTP_S_BANNER)
			snprintf(s->res.banner, sizeof s->res.banner, "%s", l->raw);
	}
	if (l->code == 250 && s->state == SMTP_S_EHLO)
		smtp_caps_line(&s->res.caps_pre, l->index, l->text, l->len);
	else if (l->code == 250 && s->state == SMTP_S_EHLO_TLS)
		smtp_caps_line(&s->res.caps_tls, l->index, l->text, l->len);
	if (s->reply_len + l->rawlen + 2 <= REPLY_TEXT_MAX) {
		s->reply = xrealloc(s->reply, s->reply_len + l->rawlen + 2);
		if (s->reply_len)
			s->reply[s->reply_len++] = '\n';
		memcpy(s->reply + s->reply_len, l->raw, l->rawlen);
		s->reply_len += l->rawlen;
		s->reply[s->reply_len] = '\0';
	}
}

/* Feed bytes to the parser; act on each complete reply. */
static void
consume(struct smtp_session *s, const uint8_t *buf, size_t len)
{
	while (len > 0 && !terminal(s)) {
		struct smtp_line line;
		size_t used;
		enum smtp_rp_status st = smtp_reply_feed(&s->rp, buf, len, &used, &line);

		buf += used;
		len -= used;
		if (st == SMTP_RP_MORE)
			return;
		if (st == SMTP_RP_ERROR) {
			if (s->state == SMTP_S_QUIT) {
				finish(s);
				return;
			}
			fail(s, SMTP_F_PROTOCOL, s->reply != NULL, "%s",
			    smtp_reply_strerror(smtp_reply_error(&s->rp)));
			return;
		}
		take_line(s, &line);
		if (!line.last)
			continue;
		s->chunk_left = len;
		handle_reply(s);
		s->chunk_left = 0;
		reply_reset(s);
	}
}

static void
on_eof(struct smtp_session *s, const char *why)
{
	if (s->state == SMTP_S_QUIT) {
		finish(s);
		return;
	}
	fail(s, SMTP_F_CLOSED, s->reply != NULL, "%s in state %s", why, smtp_state_name(s->state));
}

static void
do_read(struct smtp_session *s)
{
	uint8_t buf[READ_CHUNK];
	size_t budget = READ_BUDGET;

	while (!terminal(s) && s->out == NULL && s->state != SMTP_S_HANDSHAKE) {
		size_t n = 0;

		if (budget == 0) {
			/* more may be waiting (or held by OpenSSL): come back next round */
			event_active(&s->ev, EV_READ, 0);
			return;
		}
		if (s->tls) {
			enum tls_status st = tls_read(s->tls, buf, sizeof buf, &n);
			if (st == TLS_WANT_READ) {
				quick_ack(s);
				return;
			}
			if (st == TLS_WANT_WRITE) {
				wait_for(s, EV_WRITE, s->deadline);
				return;
			}
			if (st == TLS_CLOSED) {
				on_eof(s, "connection closed by server");
				return;
			}
			if (st == TLS_FAILED) {
				fail(s, SMTP_F_TLS, false, "%s", tls_error(s->tls));
				return;
			}
		} else {
			ssize_t r = recv(s->fd, buf, sizeof buf, 0);
			if (r < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
					return;
				if (s->state == SMTP_S_QUIT) {
					finish(s);
					return;
				}
				fail(s, errno == ECONNRESET ? SMTP_F_CLOSED : SMTP_F_IO, false,
				    "recv: %s", strerror(errno));
				return;
			}
			if (r == 0) {
				on_eof(s, "connection closed by server");
				return;
			}
			n = (size_t)r;
		}
		budget = n < budget ? budget - n : 0;
		consume(s, buf, n);
		/* Drained: a short read of the socket, or nothing left in
		 * OpenSSL's buffer. The fd wait is level-triggered, so whatever
		 * arrives later wakes us; reading on would only fetch EAGAIN
		 * (one syscall per reply, before the next reply can exist). */
		if (s->tls != NULL ? !tls_pending(s->tls) : n < sizeof buf) {
			quick_ack(s);
			return;
		}
	}
}

static void
do_handshake(struct smtp_session *s)
{
	enum tls_status st = tls_handshake(s->tls);

	switch (st) {
	case TLS_OK:
		s->res.t.handshake = phase_done(s);
		s->res.tls_done = true;
		s->res.security = APPL_SEC_TLS;
		tls_get_info(s->tls, &s->res.tls);
		if (s->cfg.keep_chain && s->nchain == 0)
			s->nchain = tls_peer_chain(s->tls, s->chain, s->chain_len, SMTP_CHAIN_MAX);
		/* forget everything learnt before TLS: EHLO again */
		smtp_reply_init(&s->rp);
		send_cmd(s, SMTP_S_EHLO_TLS, "EHLO %s", s->cfg.helo_name);
		return;
	case TLS_WANT_READ:
	case TLS_WANT_WRITE:
		wait_for(s, st == TLS_WANT_READ ? EV_READ : EV_WRITE,
		    s->deadline ? s->deadline : after_ms(s->cfg.anycmd_ms));
		return;
	case TLS_CLOSED:
	case TLS_FAILED:
		fail(s, SMTP_F_TLS, false, "%s", tls_error(s->tls));
		return;
	}
}

static void
connected(struct smtp_session *s)
{
	int err = 0;
	socklen_t len = sizeof err;

	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0) {
		fail(s, SMTP_F_CONNECT, false, "connect: %s", strerror(err));
		return;
	}
	s->res.t.connect = now_us() - s->t_start;
	s->res.local_len = sizeof s->res.local;
	if (getsockname(s->fd, (struct sockaddr *)&s->res.local, &s->res.local_len) < 0)
		s->res.local_len = 0;
	set_state(s, SMTP_S_BANNER);
	s->t_phase = now_us();
	wait_for(s, EV_READ, after_ms(s->cfg.initial_ms));
}

static const char *
waiting_for(const struct smtp_session *s)
{
	switch (s->state) {
	case SMTP_S_CONNECT: return "connection";
	case SMTP_S_BANNER: return "greeting";
	case SMTP_S_HANDSHAKE: return "TLS handshake";
	default: return "reply";
	}
}

static void
on_event(evutil_socket_t fd, short what, void *arg)
{
	struct smtp_session *s = arg;

	(void)fd;
	enter(s);
	s->armed = false;
	if (what & EV_TIMEOUT) {
		/* a timer that fires a hair early is simply re-armed below */
		if (s->deadline && now_us() >= s->deadline) {
			bool total = s->total_deadline && s->deadline == s->total_deadline;
			if (s->state == SMTP_S_QUIT)
				finish(s);
			else
				fail(s, SMTP_F_TIMEOUT, s->reply != NULL,
				    "no %s within %.1f s%s (state %s)", waiting_for(s),
				    (double)(s->deadline - s->t_phase) / 1e6,
				    total ? ", overall timeout" : "", smtp_state_name(s->state));
		}
	} else if (s->state == SMTP_S_CONNECT) {
		connected(s);
	} else if (s->state == SMTP_S_HANDSHAKE) {
		do_handshake(s);
	} else if (s->out != NULL) {
		flush_out(s);
	} else if (what & (EV_READ | EV_WRITE)) {
		do_read(s);
	}
	/* No new wait chosen: keep the same one with the same absolute
	 * deadline (libevent would restart a persistent event's timeout from
	 * now, and a timer that fired a hair early must be set again). */
	if (!terminal(s) && s->ev_set && !s->armed)
		wait_for(s, s->want, s->deadline);
	leave(s);
}

struct smtp_session *
smtp_session_new(struct event_base *base, const struct smtp_session_cfg *cfg,
    const struct sockaddr *addr, socklen_t addrlen, smtp_session_cb *cb, void *arg)
{
	struct smtp_session *s = xcalloc(1, sizeof *s);

	s->base = base;
	s->cfg = *cfg;
	if (addrlen > sizeof s->addr)
		addrlen = sizeof s->addr;
	memcpy(&s->addr, addr, addrlen);
	s->addrlen = addrlen;
	sockaddr_text(addr, s->peer, sizeof s->peer);
	s->fd = -1;
	s->cb = cb;
	s->arg = arg;
	s->state = SMTP_S_INIT;
	smtp_reply_init(&s->rp);
	smtp_caps_init(&s->res.caps_pre);
	smtp_caps_init(&s->res.caps_tls);
	s->res.tls.cipher_id = -1;
	return s;
}

void
smtp_session_start(struct smtp_session *s)
{
	int one = 1;

	s->t_start = now_us();
	s->total_deadline = s->cfg.total_ms ? after_ms(s->cfg.total_ms) : 0;
	set_state(s, SMTP_S_CONNECT);
	s->t_phase = s->t_start;
	enter(s);
	s->fd = socket(s->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		fail(s, SMTP_F_IO, false, "socket: %s", strerror(errno));
	} else {
		setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (connect(s->fd, (struct sockaddr *)&s->addr, s->addrlen) == 0 ||
		    errno == EINPROGRESS)
			wait_for(s, EV_WRITE, after_ms(s->cfg.connect_ms));
		else
			fail(s, SMTP_F_CONNECT, false, "connect: %s", strerror(errno));
	}
	leave(s);
}

void
smtp_session_noop(struct smtp_session *s)
{
	if (s->state != SMTP_S_IDLE)
		return;
	enter(s);
	send_noop(s);
	leave(s);
}

void
smtp_session_quit(struct smtp_session *s)
{
	if (terminal(s))
		return;
	enter(s);
	s->quit_requested = true;
	if (s->state == SMTP_S_IDLE) {
		send_cmd(s, SMTP_S_QUIT, "QUIT");
	} else if (s->state == SMTP_S_INIT || s->state == SMTP_S_CONNECT ||
	    s->state == SMTP_S_HANDSHAKE) {
		fail(s, SMTP_F_ABORTED, false, "stopped before classification completed");
	}
	/* other states: the QUIT replaces the next command (send_cmd) */
	leave(s);
}

void
smtp_session_free(struct smtp_session *s)
{
	if (s == NULL)
		return;
	if (s->busy > 0) {
		s->dead = true;
		return;
	}
	close_fd(s);
	tls_chain_free(s->chain, s->nchain);
	free(s->res.reason);
	free(s->res.last_reply);
	free(s);
}

enum smtp_state
smtp_session_state(const struct smtp_session *s)
{
	return s->state;
}

const struct smtp_result *
smtp_session_result(const struct smtp_session *s)
{
	return &s->res;
}

size_t
smtp_session_chain(const struct smtp_session *s, const uint8_t *const **der,
    const size_t **len)
{
	*der = (const uint8_t *const *)s->chain;
	*len = s->chain_len;
	return s->nchain;
}

const char *
smtp_session_peer(const struct smtp_session *s)
{
	return s->peer;
}

void
smtp_result_appldata(const struct smtp_result *r, const char *component, const char *writer,
    char *out)
{
	struct appldata_fields f = {
		.component = component,
		.writer = writer,
		.type = r->server_type,
		.security = r->security,
		.tls_version = r->tls_done ? r->tls.version : 0,
		.cipher_id = r->tls_done ? r->tls.cipher_id : -1,
	};
	appldata_format(&f, out);
}
