/* probes/httpsget.h: one HTTPS GET on a libevent loop, for MTA-STS policy
 * fetches (RFC 8461 3.3), and its bounded HTTP/1.1 response parser.
 *
 * The caller resolves the name (through its validating resolver) and hands
 * in the address, the host name (SNI and certificate check: SSL_set1_host)
 * and its client SSL_CTX (the trust store). One request per connection:
 * "GET path HTTP/1.1" with Host, Connection: close, Accept (any type) and
 * User-Agent: smtpmon/VERSION. The certificate must verify against the
 * SSL_CTX's store and be valid for the host, whatever verify mode the
 * SSL_CTX has; a failure is HTTPSGET_CERT with OpenSSL's verify text.
 *
 * Limits, every one hard: the status line and header fields together at
 * most HTTPSGET_HEADER_MAX octets and HTTPSGET_HEADER_LINES lines (the same
 * again for a chunked body's trailer); the body at most max_body octets
 * whether framed by Content-Length, chunked or the end of the connection (a
 * longer body is HTTPSGET_TOO_BIG as soon as one octet too many arrives or a
 * Content-Length announces it: reading stops there); the whole exchange,
 * connect to last octet, within timeout_ms, measured by one loop timer.
 * Redirects are never followed: any status other than 200 ends the exchange
 * at its header block as HTTPSGET_HTTP_STATUS with http_status set. Interim
 * 1xx responses are skipped. Transfer codings other than "chunked", and
 * Content-Length together with Transfer-Encoding, are HTTPSGET_PROTOCOL.
 *
 * Why our own HTTP/1.1 over a bufferevent_openssl and not evhttp's client:
 * evhttp follows no redirects either, but its body limit does not stop a
 * read-to-close body, its errors arrive as a bare enum with no OpenSSL verify
 * text, and it keeps connections for reuse; a hundred lines of explicit
 * state machine plus a pure, fuzzed parser give us exact limits and reasons.
 *
 * The parser (httpsget_resp_*) is pure: bytes in, in any fragmentation, no
 * I/O; it allocates only the body, at most max_body + 1 octets.
 */
#ifndef SMTPMON_HTTPSGET_H
#define SMTPMON_HTTPSGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <openssl/types.h>

#define HTTPSGET_HEADER_MAX 8192
#define HTTPSGET_HEADER_LINES 100

struct event_base;
struct httpsget;

enum httpsget_status {
	HTTPSGET_OK,
	HTTPSGET_HTTP_STATUS, /* not 200: a redirect, 404... (http_status says which) */
	HTTPSGET_TOO_BIG,     /* body over max_body, or header block over its limits */
	HTTPSGET_CERT,        /* untrusted or not valid for the host */
	HTTPSGET_CONNECT,     /* TCP connect failed */
	HTTPSGET_TLS,         /* TLS handshake or record failure */
	HTTPSGET_PROTOCOL,    /* malformed or truncated response */
	HTTPSGET_TIMEOUT,
};

struct httpsget_result {
	enum httpsget_status status;
	int http_status;             /* e.g. 200, 301, 404; 0 unknown */
	char *body;                  /* owned by the request, valid in the callback; NUL-terminated, "" when none */
	size_t body_len;
	char detail[160];            /* human text: "HTTP 301 (redirects are not followed)" */
};

typedef void (*httpsget_cb)(const struct httpsget_result *r, void *arg);

/* Starts GET https://host/path (port given in sa, normally 443) to the
 * address sa. ssl_ctx: the caller's client SSL_CTX with its trust store
 * (referenced while the request lives). max_body octets (RFC 8461: 65536);
 * timeout_ms for the whole exchange. path must begin with '/' and hold only
 * visible ASCII. The callback runs once, from the loop, never from here;
 * the request is freed after it returns. Returns NULL on immediate failure
 * (bad arguments, no socket). */
struct httpsget *httpsget_start(struct event_base *base, SSL_CTX *ssl_ctx,
    const struct sockaddr *sa, socklen_t salen, const char *host, const char *path,
    size_t max_body, uint32_t timeout_ms, httpsget_cb cb, void *arg);

/* Stops and frees the request: no callback after this. NULL is ignored;
 * called from the request's own callback it does nothing (it is freed after). */
void httpsget_cancel(struct httpsget *g);

/* "ok", "http_status", "too_big", "cert", "connect", "tls", "protocol", "timeout" */
const char *httpsget_status_name(enum httpsget_status s);

/* ---- the response parser ---- */

enum httpsget_rp {
	HTTPSGET_RP_MORE,  /* all input consumed, response not complete */
	HTTPSGET_RP_DONE,  /* complete: code, body; *used octets consumed, the rest is not ours */
	HTTPSGET_RP_ERROR, /* err and errtext say why; stays so until init */
};

enum httpsget_rstate {
	HTTPSGET_RS_STATUS, HTTPSGET_RS_HEADERS, HTTPSGET_RS_BODY_LENGTH,
	HTTPSGET_RS_BODY_CLOSE, HTTPSGET_RS_CHUNK_SIZE, HTTPSGET_RS_CHUNK_DATA,
	HTTPSGET_RS_CHUNK_END, HTTPSGET_RS_TRAILERS, HTTPSGET_RS_DONE, HTTPSGET_RS_ERROR,
};

struct httpsget_resp {
	enum httpsget_rstate state;
	int code;                 /* status code once the status line is read */
	size_t max_body;
	uint8_t *body;            /* NUL-terminated; owned, freed by httpsget_resp_free */
	size_t body_len, body_cap;
	enum httpsget_status err; /* HTTPSGET_TOO_BIG or HTTPSGET_PROTOCOL after an error */
	char errtext[120];
	/* private */
	char line[HTTPSGET_HEADER_MAX + 1];
	size_t line_len;
	size_t block_bytes;       /* octets of this header (or trailer) block so far */
	unsigned block_lines;
	bool chunked, have_length;
	uint64_t length;          /* Content-Length, or what is left of it / of a chunk */
};

/* A fresh parser (p new, or freed by httpsget_resp_free). */
void httpsget_resp_init(struct httpsget_resp *p, size_t max_body);
void httpsget_resp_free(struct httpsget_resp *p);
/* Consume input; stops at the end of the response (DONE) or at an error. */
enum httpsget_rp httpsget_resp_feed(struct httpsget_resp *p, const uint8_t *in, size_t len,
    size_t *used);
/* The peer closed the connection: DONE for a body read to the close, else an
 * error (truncated). */
enum httpsget_rp httpsget_resp_eof(struct httpsget_resp *p);

#endif
