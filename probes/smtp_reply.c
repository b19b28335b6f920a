/* probes/smtp_reply.c: see smtp_reply.h. */
#include "buildconf.h"
#include "smtp_reply.h"

#include <string.h>

void
smtp_reply_init(struct smtp_reply_parser *p)
{
	p->len = 0;
	p->code = 0;
	p->nlines = 0;
	p->err = SMTP_RPE_NONE;
	p->buf[0] = '\0';
}

bool
smtp_reply_between(const struct smtp_reply_parser *p)
{
	return p->len == 0 && p->code == 0;
}

enum smtp_rp_error
smtp_reply_error(const struct smtp_reply_parser *p)
{
	return p->err;
}

const char *
smtp_reply_strerror(enum smtp_rp_error e)
{
	switch (e) {
	case SMTP_RPE_NONE:
		return "no error";
	case SMTP_RPE_TOO_LONG:
		return "reply line longer than 512 octets";
	case SMTP_RPE_SYNTAX:
		return "malformed reply line";
	case SMTP_RPE_CODE_MISMATCH:
		return "reply code changed within a multi-line reply";
	case SMTP_RPE_TOO_MANY:
		return "reply has too many lines";
	}
	return "unknown error";
}

static int
isdig(char c)
{
	return c >= '0' && c <= '9';
}

/* RFC 3463: class "." subject "." detail, class matching the reply's first
 * digit, subject 1-3 digits, detail 1-3 digits, followed by SP or the end. */
static void
parse_esc(const char *t, size_t len, int code, char *out, size_t outsz)
{
	size_t i = 0, n;

	out[0] = '\0';
	if (len < 5 || t[0] - '0' != code / 100 || t[1] != '.')
		return;
	i = 2;
	for (n = 0; i < len && isdig(t[i]) && n < 3; i++, n++)
		;
	if (n == 0 || i >= len || t[i] != '.')
		return;
	i++;
	for (n = 0; i < len && isdig(t[i]) && n < 3; i++, n++)
		;
	if (n == 0 || (i < len && t[i] != ' '))
		return;
	if (i >= outsz)
		return;
	memcpy(out, t, i);
	out[i] = '\0';
}

static enum smtp_rp_status
fail(struct smtp_reply_parser *p, enum smtp_rp_error e)
{
	p->err = e;
	return SMTP_RP_ERROR;
}

/* p->buf[0..p->len) holds one line without its terminator. */
static enum smtp_rp_status
parse_line(struct smtp_reply_parser *p, struct smtp_line *line)
{
	char *b = p->buf;
	size_t len = p->len;
	int code;
	bool last;
	size_t textoff;

	b[len] = '\0';
	if (len < 3 || !isdig(b[0]) || !isdig(b[1]) || !isdig(b[2]) ||
	    b[0] < '1' || b[0] > '5')
		return fail(p, SMTP_RPE_SYNTAX);
	code = (b[0] - '0') * 100 + (b[1] - '0') * 10 + (b[2] - '0');
	if (len == 3) {
		last = true;
		textoff = 3;
	} else if (b[3] == ' ' || b[3] == '-') {
		last = b[3] == ' ';
		textoff = 4;
	} else {
		return fail(p, SMTP_RPE_SYNTAX);
	}
	if (p->code != 0 && code != p->code)
		return fail(p, SMTP_RPE_CODE_MISMATCH);
	if (p->nlines >= SMTP_REPLY_MAX_LINES)
		return fail(p, SMTP_RPE_TOO_MANY);

	line->code = code;
	line->last = last;
	line->index = p->nlines;
	line->raw = b;
	line->rawlen = len;
	line->text = b + textoff;
	line->len = len - textoff;
	parse_esc(line->text, line->len, code, line->esc, sizeof line->esc);

	if (last) {
		p->code = 0;
		p->nlines = 0;
	} else {
		p->code = code;
		p->nlines++;
	}
	p->len = 0;
	return SMTP_RP_LINE;
}

enum smtp_rp_status
smtp_reply_feed(struct smtp_reply_parser *p, const uint8_t *in, size_t len,
    size_t *used, struct smtp_line *line)
{
	size_t i;

	*used = 0;
	if (p->err != SMTP_RPE_NONE)
		return SMTP_RP_ERROR;
	for (i = 0; i < len; i++) {
		uint8_t c = in[i];

		if (c == '\n') {
			*used = i + 1;
			if (p->len > 0 && p->buf[p->len - 1] == '\r')
				p->len--;
			return parse_line(p, line);
		}
		if (c == '\0') {
			*used = i + 1;
			return fail(p, SMTP_RPE_SYNTAX);
		}
		/* The limit counts the CRLF: 510 octets of content, plus a CR. */
		if (p->len >= SMTP_LINE_MAX - 1) {
			*used = i + 1;
			return fail(p, SMTP_RPE_TOO_LONG);
		}
		p->buf[p->len++] = (char)c;
	}
	*used = len;
	return SMTP_RP_MORE;
}
