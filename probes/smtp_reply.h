/* probes/smtp_reply.h: SMTP reply parser (RFC 5321 4.2), pure and bounded.
 *
 * Bytes go in as they arrive, in any fragmentation; complete reply lines come
 * out one per call. No I/O, no allocation. A line is at most SMTP_LINE_MAX
 * octets including its CRLF (a bare LF also ends a line); longer is an error,
 * never an overrun. "ddd-text" continues a reply, "ddd text" or a bare "ddd"
 * ends it; every line of one reply must carry the same code. A reply of more
 * than SMTP_REPLY_MAX_LINES lines is an error (a flooding server).
 * After an error the parser stays in error until smtp_reply_init().
 */
#ifndef SMTPMON_SMTP_REPLY_H
#define SMTPMON_SMTP_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMTP_LINE_MAX 512
#define SMTP_REPLY_MAX_LINES 128

enum smtp_rp_status {
	SMTP_RP_MORE,  /* all input consumed, no complete line yet */
	SMTP_RP_LINE,  /* *line filled; *used bytes consumed */
	SMTP_RP_ERROR, /* see smtp_reply_error() */
};

enum smtp_rp_error {
	SMTP_RPE_NONE,
	SMTP_RPE_TOO_LONG,      /* line longer than SMTP_LINE_MAX */
	SMTP_RPE_SYNTAX,        /* no 3-digit code, bad separator, NUL byte */
	SMTP_RPE_CODE_MISMATCH, /* continuation line with another code */
	SMTP_RPE_TOO_MANY,      /* more than SMTP_REPLY_MAX_LINES lines */
};

struct smtp_line {
	int code;          /* 100..599 */
	bool last;         /* this line ends the reply */
	unsigned index;    /* 0 for the first line of a reply */
	const char *text;  /* after "ddd-" / "ddd ", NUL-terminated; valid until the next call */
	size_t len;        /* strlen(text) */
	const char *raw;   /* the whole line without CRLF ("250-SIZE 100") */
	size_t rawlen;
	char esc[12];      /* RFC 3463 enhanced status code ("5.7.1") or "" */
};

struct smtp_reply_parser {
	char buf[SMTP_LINE_MAX + 1]; /* partial line; +1 for the NUL handed out */
	size_t len;
	int code;         /* code of the reply in progress, 0 between replies */
	unsigned nlines;  /* lines of the reply in progress */
	enum smtp_rp_error err;
};

void smtp_reply_init(struct smtp_reply_parser *p);

/* Consume input up to and including the next line end. */
enum smtp_rp_status smtp_reply_feed(struct smtp_reply_parser *p, const uint8_t *in,
    size_t len, size_t *used, struct smtp_line *line);

/* True when no partial line and no unfinished multi-line reply is held. */
bool smtp_reply_between(const struct smtp_reply_parser *p);

enum smtp_rp_error smtp_reply_error(const struct smtp_reply_parser *p);
const char *smtp_reply_strerror(enum smtp_rp_error e);

#endif
