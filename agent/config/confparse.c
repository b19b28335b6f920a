/* agent/config/confparse.c: the lexer and value checks of smtpmon.conf (see
 * confparse.h). */
#include "buildconf.h"
#include "confparse.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "util.h"

/* ------------------------------------------------------------------ */
/* lexer                                                               */

static bool
is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static bool
is_ctrl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

static void
lex_put(struct conf_lexer *lx, struct conf_token *t, size_t *n, unsigned char c)
{
	if (is_ctrl(c))
		t->ctrl = true;
	if (*n < CONF_TOKEN_MAX)
		lx->buf[(*n)++] = (char)c;
	else
		t->toolong = true;
}

static void
lex_read(struct conf_lexer *lx, struct conf_token *t)
{
	size_t n = 0;
	unsigned char c;

	memset(t, 0, sizeof *t);
	while (lx->p < lx->end && is_blank((unsigned char)*lx->p))
		lx->p++;
	if (lx->p < lx->end && *lx->p == '#')
		while (lx->p < lx->end && *lx->p != '\n')
			lx->p++;
	t->line = lx->line;
	if (lx->p >= lx->end) {
		t->type = CONF_TOK_EOF;
		return;
	}
	c = (unsigned char)*lx->p;
	if (c == '\n' || c == '{' || c == '}') {
		lx->p++;
		if (c == '\n')
			lx->line++;
		t->type = c == '\n' ? CONF_TOK_NL : c == '{' ? CONF_TOK_OPEN : CONF_TOK_CLOSE;
		return;
	}
	t->type = CONF_TOK_WORD;
	if (c == '"') {
		t->quoted = true;
		lx->p++;
		for (;;) {
			if (lx->p >= lx->end || *lx->p == '\n') {
				t->unterminated = true;
				break;
			}
			c = (unsigned char)*lx->p++;
			if (c == '"')
				break;
			if (c == '\\' && lx->p < lx->end && (*lx->p == '"' || *lx->p == '\\'))
				c = (unsigned char)*lx->p++;
			lex_put(lx, t, &n, c);
		}
	} else {
		while (lx->p < lx->end) {
			c = (unsigned char)*lx->p;
			if (is_blank(c) || c == '\n' || c == '{' || c == '}')
				break;
			lex_put(lx, t, &n, c);
			lx->p++;
		}
	}
	t->text = xmalloc(n + 1);
	memcpy(t->text, lx->buf, n);
	t->text[n] = '\0';
}

void
conf_lex_next(struct conf_lexer *lx, struct conf_token *t)
{
	if (lx->have_peek) {
		*t = lx->peek;
		lx->have_peek = false;
	} else
		lex_read(lx, t);
}

void
conf_lex_unread(struct conf_lexer *lx, const struct conf_token *t)
{
	lx->peek = *t;
	lx->have_peek = true;
}

void
conf_lex_init(struct conf_lexer *lx, const char *text, size_t len)
{
	memset(lx, 0, sizeof *lx);
	lx->p = text;
	lx->end = text + len;
	lx->line = 1;
}

void
conf_lex_free(struct conf_lexer *lx)
{
	if (lx->have_peek)
		free(lx->peek.text);
	lx->have_peek = false;
}

/* ------------------------------------------------------------------ */
/* messages                                                            */

/* A printable rendering of s for a message: at most CONF_SHOW_MAX bytes of it,
 * other bytes as \xHH, '"' and '\' escaped, "..." when cut. */
const char *
conf_show(const char *s, char buf[CONF_SHOW_BUF])
{
	size_t n = 0, i;

	for (i = 0; s[i] != '\0' && i < CONF_SHOW_MAX; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			buf[n++] = '\\';
			buf[n++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			snprintf(buf + n, 5, "\\x%02x", c);
			n += 4;
		} else
			buf[n++] = (char)c;
	}
	if (s[i] != '\0') {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

/* ------------------------------------------------------------------ */
/* value checks (pure)                                                 */

static bool
is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Unsigned decimal, digits only, at most max. */
bool
conf_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (max - (unsigned long)(*s - '0')) / 10)
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	*out = v;
	return true;
}

bool
conf_parse_port(const char *s, uint16_t *port)
{
	unsigned long v;

	if (!conf_parse_uint(s, 65535, &v) || v == 0)
		return false;
	*port = (uint16_t)v;
	return true;
}

/* "ADDR:PORT" or "[IPv6]:PORT"; the port is required. */
bool
conf_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char a[64];
	const char *colon;
	size_t alen;
	uint16_t port;

	memset(ss, 0, sizeof *ss);
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		if (rb == NULL || rb[1] != ':' || (alen = (size_t)(rb - s - 1)) >= sizeof a)
			return false;
		memcpy(a, s + 1, alen);
		a[alen] = '\0';
		if (inet_pton(AF_INET6, a, &s6->sin6_addr) != 1 || !conf_parse_port(rb + 2, &port))
			return false;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof *s6;
		return true;
	}
	colon = strchr(s, ':');
	if (colon == NULL || (alen = (size_t)(colon - s)) >= sizeof a)
		return false;
	memcpy(a, s, alen);
	a[alen] = '\0';
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	if (inet_pton(AF_INET, a, &s4->sin_addr) != 1 || !conf_parse_port(colon + 1, &port))
		return false;
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	*len = sizeof *s4;
	return true;
}

/* N, Nms, Ns, Nm or Nh; a number too large for any range saturates. */
bool
conf_parse_duration(const char *s, uint64_t *ms)
{
	uint64_t v = 0, mult;
	bool big = false;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX / 3600000u - 9) / 10)
			big = true;
		else
			v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '\0' || strcasecmp(p, "s") == 0)
		mult = 1000;
	else if (strcasecmp(p, "ms") == 0)
		mult = 1;
	else if (strcasecmp(p, "m") == 0)
		mult = 60000;
	else if (strcasecmp(p, "h") == 0)
		mult = 3600000;
	else
		return false;
	*ms = big ? UINT64_MAX : v * mult;
	return true;
}

/* Letters, digits, '-' (and '_' when allowed) in dot-separated labels of
 * 1-63 bytes, not starting or ending with '-'; at most 253 bytes without a
 * final dot. */
bool
conf_valid_dns_name(const char *s, bool underscore)
{
	size_t len = strlen(s), label = 0, i;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return false;
	for (i = 0; i <= len; i++) {
		char c = i < len ? s[i] : '.';
		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
		} else if (is_alnum(c) || (c == '_' && underscore) || (c == '-' && label > 0)) {
			if (++label > 63)
				return false;
		} else
			return false;
	}
	return true;
}

bool
conf_valid_word(const char *s, size_t max)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > max || s[0] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/* "[1.2.3.4]" or "[IPv6:...]" (RFC 5321 address literal) */
bool
conf_valid_addr_literal(const char *s)
{
	size_t n = strlen(s);
	char in[64];
	unsigned char b[16];

	if (n < 3 || s[0] != '[' || s[n - 1] != ']' || n - 2 >= sizeof in)
		return false;
	memcpy(in, s + 1, n - 2);
	in[n - 2] = '\0';
	if (strncasecmp(in, "IPv6:", 5) == 0)
		return inet_pton(AF_INET6, in + 5, b) == 1;
	return inet_pton(AF_INET, in, b) == 1;
}

/* ADDR, ADDR:PORT, IPv6 or [IPv6]:PORT */
bool
conf_valid_ns_elem(const char *e, size_t n)
{
	char a[64];
	unsigned char b[16];
	const char *colon, *port = NULL;
	size_t alen;
	uint16_t p;

	if (n == 0 || n >= sizeof a)
		return false;
	if (e[0] == '[') {
		const char *rb = memchr(e, ']', n);
		if (rb == NULL)
			return false;
		alen = (size_t)(rb - e - 1);
		memcpy(a, e + 1, alen);
		a[alen] = '\0';
		if (inet_pton(AF_INET6, a, b) != 1)
			return false;
		if ((size_t)(rb - e) + 1 == n)
			return true;
		if (rb[1] != ':')
			return false;
		port = rb + 2;
	} else {
		memcpy(a, e, n);
		a[n] = '\0';
		colon = strchr(a, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			return inet_pton(AF_INET6, a, b) == 1;
		if (colon != NULL) {
			a[colon - a] = '\0';
			port = e + (colon - a) + 1;
		}
		if (inet_pton(AF_INET, a, b) != 1)
			return false;
		if (port == NULL)
			return true;
	}
	alen = n - (size_t)(port - e);
	if (alen == 0 || alen > 5)
		return false;
	memcpy(a, port, alen);
	a[alen] = '\0';
	return conf_parse_port(a, &p);
}
