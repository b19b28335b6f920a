/* probes/smtp_session.h: one SMTP probe connection, an explicit state machine.
 *
 *   CONNECT -> BANNER -> EHLO (-> HELO on a 5xx EHLO reply) ->
 *   [STARTTLS -> HANDSHAKE -> EHLO_TLS -> (AUTH)] -> NOOP -> IDLE | QUIT -> DONE
 *
 * TLS rule (PH66548): STARTTLS is sent only when cfg->secure is set or an
 * AuthEntity (cfg->auth_user) is configured. What the server advertises never
 * starts TLS by itself. AUTH is sent only over TLS.
 *
 * The session runs on a libevent base and never blocks: every wait has a
 * deadline (connect, InitialMsg for the greeting, AnyCmd for each reply and the
 * handshake, optional total). Commands are sent one at a time (no pipelining).
 * Plaintext left after the STARTTLS 220 ends the session (injection).
 *
 * The owner is told through one callback: SMTP_EV_READY once classification is
 * complete (first NOOP answered), SMTP_EV_NOOP after each later NOOP,
 * SMTP_EV_CLOSED exactly once at the end (result final; ok or failed). The
 * session may be freed from inside its callback: freeing is deferred until the
 * callback returns.
 */
#ifndef SMTPMON_SMTP_SESSION_H
#define SMTPMON_SMTP_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "appldata.h"
#include "smtp_caps.h"
#include "tls.h"

struct event_base;
struct smtp_session;

enum smtp_state {
	SMTP_S_INIT,
	SMTP_S_CONNECT,
	SMTP_S_BANNER,
	SMTP_S_EHLO,
	SMTP_S_HELO,
	SMTP_S_STARTTLS,
	SMTP_S_HANDSHAKE,
	SMTP_S_EHLO_TLS,
	SMTP_S_AUTH,
	SMTP_S_AUTH_USER,
	SMTP_S_AUTH_PASS,
	SMTP_S_NOOP,
	SMTP_S_IDLE,
	SMTP_S_QUIT,
	SMTP_S_DONE,
	SMTP_S_FAILED,
};

enum smtp_fail {
	SMTP_F_NONE,
	SMTP_F_CONNECT,        /* connect() refused, unreachable */
	SMTP_F_TIMEOUT,        /* a wait exceeded its deadline */
	SMTP_F_CLOSED,         /* peer closed the connection */
	SMTP_F_IO,             /* socket error */
	SMTP_F_PROTOCOL,       /* malformed, over-long or unexpected reply */
	SMTP_F_BANNER,         /* greeting was not 220 (e.g. 421, 554) */
	SMTP_F_EHLO,           /* EHLO and HELO refused, or EHLO 4xx */
	SMTP_F_NO_STARTTLS,    /* TLS required, STARTTLS not offered */
	SMTP_F_STARTTLS,       /* STARTTLS refused (e.g. 454) */
	SMTP_F_INJECTION,      /* plaintext after the STARTTLS 220 */
	SMTP_F_TLS,            /* handshake or TLS record failure */
	SMTP_F_AUTH,           /* authentication refused or impossible */
	SMTP_F_NOOP,           /* NOOP refused */
	SMTP_F_ABORTED,        /* stopped by the owner */
};

enum smtp_mode {
	SMTP_MODE_PROBE,    /* classify, NOOP, QUIT */
	SMTP_MODE_MONITOR,  /* classify, NOOP, stay IDLE until smtp_session_noop/quit */
};

struct smtp_session_cfg {
	const char *helo_name;     /* EHLO/HELO argument */
	bool secure;               /* Secure Yes: STARTTLS required */
	const char *auth_user;     /* AuthEntity: TLS then AUTH; NULL for none */
	const char *auth_pass;
	const char *servername;    /* SNI and certificate name; NULL for none */
	struct tls_ctx *tls;       /* required when secure or auth_user */
	enum smtp_mode mode;
	uint32_t connect_ms;       /* connect timeout */
	uint32_t initial_ms;       /* greeting (CSSMTP InitialMsg) */
	uint32_t anycmd_ms;        /* each reply and the handshake (CSSMTP AnyCmd) */
	uint32_t total_ms;         /* whole session up to READY; 0 none */
	bool keep_chain;           /* keep the presented chain (smtp_session_chain) */
};

/* Phase durations in microseconds; 0 when the phase did not happen. */
struct smtp_timings {
	uint64_t connect, banner, ehlo, starttls, handshake, ehlo_tls, auth, noop, total;
};

struct smtp_result {
	enum appl_server_type server_type;
	enum appl_security security;
	bool ehlo_seen;            /* an EHLO 250 reply was received */
	bool starttls_offered;     /* in the pre-TLS EHLO reply */
	struct smtp_caps caps_pre; /* EHLO capabilities before TLS */
	struct smtp_caps caps_tls; /* after TLS (EHLO sent again) */
	bool tls_done;
	struct tls_info tls;       /* valid when tls_done */
	bool auth_done;            /* AUTH succeeded */
	char banner[128];          /* first greeting line */
	struct smtp_timings t;
	uint64_t noop_rtt;         /* last NOOP round trip, us */
	unsigned noops;            /* NOOPs answered */
	enum smtp_fail fail;
	enum smtp_state fail_state; /* state in which the failure happened */
	char *reason;              /* failure text; NULL when none */
	char *last_reply;          /* whole server reply that caused the failure; NULL if none */
	int reply_code;            /* its reply code; 0 when none */
	struct sockaddr_storage local;
	socklen_t local_len;
};

enum smtp_event { SMTP_EV_READY, SMTP_EV_NOOP, SMTP_EV_CLOSED };

typedef void smtp_session_cb(struct smtp_session *s, enum smtp_event ev, void *arg);

/* A session to addr; nothing happens until smtp_session_start(). The cfg
 * strings must outlive the session. */
struct smtp_session *smtp_session_new(struct event_base *base, const struct smtp_session_cfg *cfg,
    const struct sockaddr *addr, socklen_t addrlen, smtp_session_cb *cb, void *arg);
void smtp_session_start(struct smtp_session *s);
/* In IDLE: send NOOP (SMTP_EV_NOOP follows). Ignored in other states. */
void smtp_session_noop(struct smtp_session *s);
/* Polite end: QUIT if the connection is usable, then SMTP_EV_CLOSED. */
void smtp_session_quit(struct smtp_session *s);
/* Immediate end without callback; safe inside the callback. */
void smtp_session_free(struct smtp_session *s);

enum smtp_state smtp_session_state(const struct smtp_session *s);
const struct smtp_result *smtp_session_result(const struct smtp_session *s);
/* "ADDR:PORT" / "[ADDR]:PORT" of the target. */
const char *smtp_session_peer(const struct smtp_session *s);
/* With cfg.keep_chain, after the handshake: the certificates the server
 * presented, leaf first, DER (at most SMTP_CHAIN_MAX); owned by the session.
 * Returns the count, 0 before TLS or without keep_chain. */
#define SMTP_CHAIN_MAX 10
size_t smtp_session_chain(const struct smtp_session *s, const uint8_t *const **der,
    const size_t **len);

const char *smtp_state_name(enum smtp_state st);
const char *smtp_fail_name(enum smtp_fail f);

/* Format the result as a 40-byte appldata record (out: APPLDATA_LEN + 1). */
void smtp_result_appldata(const struct smtp_result *r, const char *component,
    const char *writer, char *out);

/* "ADDR:PORT" text of a socket address. */
void sockaddr_text(const struct sockaddr *sa, char *out, size_t outsz);

#endif
