/* probes/smtp_wire.h: passive dissector of one SMTP session, pure and bounded.
 *
 * Reads both directions of one TCP connection to an SMTP server, as the
 * reassembler delivers them (any fragmentation, the two directions
 * interleaved in capture order), and extracts what the session shows about
 * the server: the banner, EHLO or HELO and whether EHLO was refused, the
 * capabilities of the plaintext EHLO reply, the STARTTLS command and its
 * reply, then the TLS handshake (probes/tls_wire) of both directions; or
 * implicit TLS (port 465 style) when the first bytes are TLS.
 * No I/O, no allocation of its own: the caller embeds struct smtp_wire
 * (about 2.5 KiB) per flow and lends it the two TLS readers (about 21 KiB
 * each) only while a handshake is being read, through struct smtp_wire_pool.
 * Texts kept from the wire (banner, replies) have every byte outside
 * printable ASCII replaced by '?': they reach logs, JSON and SNMP.
 *
 * The dialogue is an explicit state machine (enum smtp_wire_phase) with
 * one transition function. Server bytes are parsed as replies with
 * probes/smtp_reply; client bytes as command lines of at most
 * SMTP_LINE_MAX octets (a longer line is skipped to its end, counted in
 * facts.long_lines, and awaits a reply like any command). Verbs are
 * case-insensitive. Commands are queued (at most SMTP_WIRE_PIPELINE,
 * pipelining: one more pushes out the oldest) and each complete reply
 * answers the oldest; the banner, and a reply with nothing queued (an
 * unsolicited 421), answer nothing. After DATA the client's bytes are
 * message content up to CRLF.CRLF (content may start with ".CRLF"): from its
 * 354 on, and before the reply too, since the client may send nothing else
 * then; a reply other than 354 that comes first means commands again. After
 * "BDAT n" the next n client bytes are content. AUTH exchanges are skipped
 * line by line: after each 334 reply to AUTH the client's next line is a
 * response, not a command.
 *
 * STARTTLS: after the client's STARTTLS line, its next bytes are TLS if they
 * sniff as TLS (tls_wire_sniff), whatever the order in which the reply is
 * seen; after a 220 reply to STARTTLS the server's next bytes must be TLS.
 * Plaintext in either direction after a 220 sets SW_AN_PLAINTEXT_AFTER_220;
 * so does client plaintext between its STARTTLS line and the 220, which the
 * server reads after its 220 (command injection): the client's bytes are
 * then sniffed again from the next line start. A 4xx/5xx reply (421
 * included) sets SW_AN_STARTTLS_REFUSED and the dialogue goes on in
 * plaintext. Implicit TLS: when the first bytes of the server, or of the
 * client before the banner is complete, sniff as TLS, the phase is
 * SW_IMPLICIT_TLS (facts.implicit_tls) and both directions are read as TLS,
 * except a side that already spoke SMTP.
 *
 * Mangled STARTTLS: a firewall that "inspects" ESMTP may overwrite the
 * keyword. An EHLO reply line (not the first) whose keyword is 8 octets, is
 * not STARTTLS, and has at least 6 'X' or 'x' ("XXXXXXXX", "XXXXXXXA") sets
 * SW_AN_STARTTLS_MANGLED and facts.mangled; a client command word of the
 * same shape sets SW_AN_CMD_MANGLED, and facts.mangled unless an EHLO reply
 * keyword fills it.
 *
 * Not SMTP: server bytes that are not a valid reply line before any valid
 * one (HTTP, SSH, binary) end the reading: SW_NOT_SMTP, SW_AN_NOT_SMTP. A
 * reply error later sets SW_AN_REPLY_ERROR: the reply in progress is dropped
 * and the parser resynchronises at the next line end.
 *
 * Lost bytes (smtp_wire_gap): in SMTP text the partial line is dropped and
 * the parser resynchronises at the next line end. Client bytes lost: the
 * command queue is cleared (the replies can no longer be matched). Server
 * bytes lost: the queue stays; the next reply, which may be the tail of the
 * one that was cut, answers the oldest command but none of its facts are
 * taken (a cut EHLO reply must not read as "no STARTTLS"); a 220 while a
 * STARTTLS waits realigns the queue on it, so STARTTLS and the handshake
 * that follows are still read. Within a BDAT chunk the
 * dialogue stays in step; in message content the next complete reply ends
 * the content. In TLS, or where TLS may begin, the reader of that direction
 * stops. Either way SW_AN_GAP is set: the facts may be incomplete.
 *
 * Final: smtp_wire_feed() returns SMTP_WIRE_FINAL exactly once, when the
 * session's classification can no longer change: after the TLS handshake
 * facts of both directions are complete (ServerHello read; for TLS <= 1.2
 * also the Certificate or what replaced it), or the client started a mail
 * transaction (MAIL) or QUIT in plaintext, or a NOOP or RSET after a 2xx
 * EHLO/HELO reply was answered with no EHLO, HELO or STARTTLS queued behind
 * it (a kept connection, such as a monitor's, is classified then, not when
 * it ends), or TLS could not be read, or the
 * server's bytes are not SMTP. smtp_wire_end() at the end of the flow
 * finalises in any case (and returns whether this is the first final).
 * A direction's TLS facts are complete when its reader reported DONE or
 * ERROR, when the pool had no reader, when a gap stopped it, or when that
 * side turned out not to speak TLS (STARTTLS refused, plaintext after the
 * 220, SMTP first); then SW_ENCRYPTED and nothing more is read. MAIL, QUIT,
 * NOOP and RSET are final only in a plaintext dialogue, not while STARTTLS awaits its
 * outcome (injected plaintext). After a plaintext final, plaintext is still
 * read (counters, last reply, QUIT) but the EHLO, HELO and STARTTLS facts no
 * longer change, and from a later STARTTLS on nothing more is read.
 * The TLS readers go back to the pool as soon as they are done, and at the
 * latest at smtp_wire_end(); pool->tls_done is called with each reader's
 * facts just before it goes back (the caller may read the certificate).
 * The facts are taken at the end of the feed in which the reader finished,
 * so an alert or framing error in bytes after its DONE within that same
 * feed may still be recorded. After smtp_wire_end(), feeding, gaps and
 * smtp_wire_end() do nothing and return SMTP_WIRE_MORE.
 */
#ifndef SMTPMON_SMTP_WIRE_H
#define SMTPMON_SMTP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp_caps.h"
#include "smtp_reply.h"
#include "tls_wire.h"

#define SMTP_WIRE_C2S 0          /* same numbering as TCP_REASM_C2S / _S2C */
#define SMTP_WIRE_S2C 1
#define SMTP_WIRE_PIPELINE 32    /* commands awaiting a reply */
#define SMTP_WIRE_TEXT 128       /* banner / reply texts kept (truncated, NUL-terminated) */

enum smtp_wire_phase {
	SW_GREETING,        /* waiting for the banner */
	SW_DIALOGUE,        /* plaintext commands and replies */
	SW_STARTTLS,        /* STARTTLS sent, reply or TLS not seen yet */
	SW_TLS,             /* TLS handshake being read */
	SW_ENCRYPTED,       /* handshake facts complete; the rest is not read */
	SW_IMPLICIT_TLS,    /* first bytes were TLS: read as SW_TLS */
	SW_NOT_SMTP,        /* server bytes are neither SMTP nor TLS: nothing more read */
	SW_ENDED,           /* smtp_wire_end() was called */
};

enum smtp_wire_anomaly {
	SW_AN_STARTTLS_MANGLED = 1u << 0,   /* EHLO reply keyword like XXXXXXXA */
	SW_AN_CMD_MANGLED = 1u << 1,        /* client command like XXXXXXXX */
	SW_AN_STARTTLS_REFUSED = 1u << 2,   /* STARTTLS answered 4xx/5xx */
	SW_AN_PLAINTEXT_AFTER_220 = 1u << 3,/* 220 to STARTTLS, then plaintext */
	SW_AN_GAP = 1u << 4,                /* bytes lost in the capture */
	SW_AN_TLS_ERROR = 1u << 5,          /* a TLS reader reported ERROR */
	SW_AN_NOT_SMTP = 1u << 6,           /* server bytes not SMTP replies */
	SW_AN_NO_TLS_READER = 1u << 7,      /* pool empty: handshake not read */
	SW_AN_REPLY_ERROR = 1u << 8,        /* smtp_reply error mid-session */
};

enum smtp_wire_status {
	SMTP_WIRE_MORE,     /* keep feeding */
	SMTP_WIRE_FINAL,    /* the facts are final now (once per session) */
};

struct smtp_wire_facts {
	bool implicit_tls;          /* the session began with TLS bytes */
	int banner_code;            /* 0: no banner seen */
	char banner[SMTP_WIRE_TEXT];/* first line of the banner, without the code */

	bool ehlo_sent, helo_sent;  /* in plaintext (EHLO after TLS is not visible) */
	int ehlo_code, helo_code;   /* the replies; 0 none */
	bool ehlo_refused;          /* EHLO answered 5xx (or 4xx other than 421) */
	bool have_caps;             /* caps holds a 2xx EHLO reply (the last one seen) */
	struct smtp_caps caps;
	bool starttls_offered;      /* that reply lists STARTTLS */
	char mangled[16];           /* the mangled keyword, "" none */
	char auth_pretls[96];       /* AUTH mechanisms of that reply, upper-case, space-separated */

	bool starttls_sent;         /* the client sent STARTTLS */
	int starttls_code;          /* its reply code; 0 none seen */
	char starttls_reply[SMTP_WIRE_TEXT]; /* that reply's first line, with its code */
	bool tls_started;           /* TLS bytes followed (STARTTLS or implicit) */
	bool tls_from_client, tls_from_server; /* that side sent TLS bytes */
	bool mail_plaintext;        /* MAIL was sent before any TLS */
	bool quit_seen;
	int last_code;              /* code of the last complete reply */
	char last_reply[SMTP_WIRE_TEXT]; /* its first line, with its code */
	unsigned commands, replies; /* counted in plaintext */
	unsigned long_lines;        /* client lines over SMTP_LINE_MAX, skipped */

	/* TLS, copied from the readers when they finish */
	bool client_hello;
	uint16_t client_max_version;/* highest version offered (supported_versions, else legacy) */
	bool client_fallback_scsv;
	char sni[256];
	bool server_hello;
	bool hello_retry_request;
	uint16_t tls_version;       /* negotiated; 0 none */
	int32_t cipher_id;          /* IANA number; -1 none */
	uint16_t group;
	bool cert_seen;             /* TLS <= 1.2: a Certificate message was read */
	size_t n_certs;
	bool tls_alert;
	uint8_t alert_level, alert_desc;
	char tls_error[64];         /* first reader error, "" none */

	uint32_t anomalies;         /* enum smtp_wire_anomaly bits */
	uint64_t bytes[2];          /* fed per direction, gaps not counted */
};

/* Lends TLS readers. get returns NULL when none is free (the handshake is then
 * not read: SW_AN_NO_TLS_READER). tls_done may be NULL. */
struct smtp_wire_pool {
	struct tls_wire *(*get)(void *arg);
	void (*put)(void *arg, struct tls_wire *w);
	void (*tls_done)(void *arg, int dir, const struct tls_wire_facts *f);
	void *arg;
};

struct smtp_wire {               /* private but for smtp_wire_facts() */
	struct smtp_wire_facts f;
	enum smtp_wire_phase phase;
	const struct smtp_wire_pool *pool;
	struct tls_wire *tls[2];
	bool tls_fin[2];             /* that direction's TLS facts are complete */
	bool final_sent;             /* the final has been reached */
	bool final_now;              /* ... during this call: return SMTP_WIRE_FINAL */
	bool greeted;                /* the banner is complete */
	bool s_valid;                /* a valid reply line has been parsed */
	int st_reply;                /* code of the STARTTLS reply, 0 not seen yet */
	/* server side */
	struct smtp_reply_parser rp;
	uint8_t s_mode;              /* sniff, replies, skip to line end, TLS, ignore */
	uint8_t r_kind;              /* what the reply in progress answers */
	bool r_queued;               /* ... taken from the queue (dequeue at its end) */
	bool s_resync;               /* server bytes were lost: a 220 realigns on STARTTLS */
	bool s_partial;              /* ... and the next reply may be the tail of a cut one */
	char r_first[SMTP_WIRE_TEXT];/* its first line */
	/* client side */
	char cl[SMTP_LINE_MAX + 1];
	size_t cl_len;
	uint8_t c_mode;              /* sniff, commands, skip, content, BDAT, TLS, ignore */
	bool c_plain;                /* plaintext followed STARTTLS before its reply */
	bool c_rearm;                /* sniff for TLS again at the next line start */
	bool data_gap;               /* a gap hit the message content */
	bool mangled_cmd;            /* facts.mangled came from a client command */
	uint64_t bdat_left;
	uint8_t dot_state;           /* CRLF.CRLF matcher */
	unsigned auth_resp;          /* client lines still due as AUTH responses */
	uint8_t pending[SMTP_WIRE_PIPELINE];  /* queued command kinds */
	uint8_t np, hp;              /* count, head */
	uint8_t sniff[2][5];         /* first bytes of a direction that may be TLS */
	uint8_t sniff_len[2];
};

/* Start a session; pool may be NULL (no TLS is read then). */
void smtp_wire_init(struct smtp_wire *sw, const struct smtp_wire_pool *pool);

/* Feed the next len bytes of direction dir (SMTP_WIRE_C2S / _S2C). */
enum smtp_wire_status smtp_wire_feed(struct smtp_wire *sw, int dir, const uint8_t *p, size_t len);

/* nbytes of direction dir were lost. */
enum smtp_wire_status smtp_wire_gap(struct smtp_wire *sw, int dir, uint32_t nbytes);

/* The flow ended: return the readers; SMTP_WIRE_FINAL when not final before. */
enum smtp_wire_status smtp_wire_end(struct smtp_wire *sw);

const struct smtp_wire_facts *smtp_wire_facts(const struct smtp_wire *sw);
enum smtp_wire_phase smtp_wire_phase(const struct smtp_wire *sw);

/* Classification in appldata terms: 'E' (EHLO 2xx), 'S' (EHLO refused, then HELO
 * 2xx), ' ' undetermined; 'T' (a ServerHello was read, or TLS bytes from both
 * sides), 'B' (a greeting and a 2xx reply to a plaintext EHLO/HELO, and no TLS
 * began), ' ' undetermined. */
char smtp_wire_server_type(const struct smtp_wire_facts *f);
char smtp_wire_security(const struct smtp_wire_facts *f);

/* Names: "greeting", "dialogue", ...; "starttls-mangled", ... for one bit. */
const char *smtp_wire_phase_name(enum smtp_wire_phase ph);
const char *smtp_wire_anomaly_name(enum smtp_wire_anomaly bit);
/* Space-separated names of the bits set in anomalies; returns strlen like snprintf. */
size_t smtp_wire_anomaly_names(uint32_t anomalies, char *out, size_t outsz);

#endif
