/* agent/config/confparse.h: the syntax of smtpmon.conf below its keywords.
 *
 * The lexer turns a buffer into tokens, each with its line: a word (plain or
 * "quoted", where \" and \\ escape), `{`, `}`, a line end, the end of the
 * input. `#` at the start of a token runs to the end of the line. A word
 * keeps at most CONF_TOKEN_MAX bytes and says whether it was cut, holds a
 * control byte, or lacks its closing quote. One token may be pushed back.
 *
 * The value checks are pure functions over one NUL-terminated word, and
 * conf_show() renders any word printably for a message. Nothing here knows a
 * keyword (agent/config/config.c does), reports an error or does I/O.
 */
#ifndef SMTPMON_CONFPARSE_H
#define SMTPMON_CONFPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define CONF_TOKEN_MAX  1024                     /* bytes kept of one word */
#define CONF_SHOW_MAX   64                       /* bytes of a word conf_show() renders */
#define CONF_SHOW_BUF   (CONF_SHOW_MAX * 4 + 8)  /* its buffer */

enum conf_tok_type { CONF_TOK_EOF, CONF_TOK_NL, CONF_TOK_OPEN, CONF_TOK_CLOSE, CONF_TOK_WORD };

struct conf_token {
	enum conf_tok_type type;
	int line;
	char *text;          /* CONF_TOK_WORD: owned, NUL-terminated, <= CONF_TOKEN_MAX bytes */
	bool quoted;
	bool toolong;        /* more than CONF_TOKEN_MAX bytes in the source */
	bool ctrl;           /* a control byte (NUL included) */
	bool unterminated;   /* "... without its closing quote */
};

/* The lexer's state: set by conf_lex_init(), otherwise its own. */
struct conf_lexer {
	const char *p, *end;
	int line;
	bool have_peek;
	struct conf_token peek;
	char buf[CONF_TOKEN_MAX + 1];
};

/* Start reading len bytes of text (not NUL-terminated); line 1. */
void conf_lex_init(struct conf_lexer *lx, const char *text, size_t len);
/* The next token; a word's text is allocated and the caller's to free. */
void conf_lex_next(struct conf_lexer *lx, struct conf_token *t);
/* Push t back: the next conf_lex_next() returns it. At most one at a time. */
void conf_lex_unread(struct conf_lexer *lx, const struct conf_token *t);
/* Free a token pushed back and not read again. */
void conf_lex_free(struct conf_lexer *lx);

/* A printable rendering of s for a message: at most CONF_SHOW_MAX bytes of
 * it, other bytes as \xHH, '"' and '\' escaped, "..." when cut. Returns buf. */
const char *conf_show(const char *s, char buf[CONF_SHOW_BUF]);

/* Unsigned decimal, digits only, at most max. */
bool conf_parse_uint(const char *s, unsigned long max, unsigned long *out);
/* A port, 1-65535. */
bool conf_parse_port(const char *s, uint16_t *port);
/* A listening address with its port: "ADDR:PORT" (IPv4) or "[IPv6]:PORT";
 * into ss and len. */
bool conf_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len);
/* N, Nms, Ns, Nm or Nh (unit in any case) as milliseconds; a number too
 * large for any range saturates to UINT64_MAX. */
bool conf_parse_duration(const char *s, uint64_t *ms);
/* Letters, digits, '-' (and '_' when allowed) in dot-separated labels of
 * 1-63 bytes, not starting or ending with '-'; at most 253 bytes without a
 * final dot. */
bool conf_valid_dns_name(const char *s, bool underscore);
/* 1 to max of A-Z a-z 0-9 . _ -, not starting with '-'. */
bool conf_valid_word(const char *s, size_t max);
/* An RFC 5321 address literal: "[1.2.3.4]" or "[IPv6:...]". */
bool conf_valid_addr_literal(const char *s);
/* The n bytes at e are ADDR, ADDR:PORT, IPv6 or [IPv6]:PORT. */
bool conf_valid_ns_elem(const char *e, size_t n);

#endif
