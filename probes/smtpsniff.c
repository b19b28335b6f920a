/* probes/smtpsniff.c: see smtpsniff.h. */
#include "buildconf.h"
#include "smtpsniff.h"

#include <string.h>

enum { D_SILENT, D_KEEP, D_OPEN, D_LOST };

enum smtpsniff_verdict
smtpsniff_greeting(const uint8_t *p, size_t n)
{
	static const char want[3] = { '2', '2', '0' };

	for (size_t i = 0; i < 3; i++) {
		if (i >= n)
			return SMTPSNIFF_MORE;
		if (p[i] != want[i])
			return SMTPSNIFF_NO;
	}
	if (n < 4)
		return SMTPSNIFF_MORE;
	return p[3] == ' ' || p[3] == '-' || p[3] == '\r' || p[3] == '\n' ? SMTPSNIFF_YES :
	    SMTPSNIFF_NO;
}

enum smtpsniff_verdict
smtpsniff_hello(const uint8_t *p, size_t n)
{
	const char *want = "EHLO";

	for (size_t i = 0; i < 4; i++) {
		uint8_t c;

		if (i >= n)
			return SMTPSNIFF_MORE;
		c = p[i] >= 'a' && p[i] <= 'z' ? (uint8_t)(p[i] - 32) : p[i];
		if (i == 0 && c == 'H')
			want = "HELO";
		if (c != (uint8_t)want[i])
			return SMTPSNIFF_NO;
	}
	if (n < 5)
		return SMTPSNIFF_MORE;
	return p[4] == ' ' || p[4] == '\t' || p[4] == '\r' || p[4] == '\n' ? SMTPSNIFF_YES :
	    SMTPSNIFF_NO;
}

void
smtpsniff_init(struct smtpsniff *s)
{
	memset(s, 0, sizeof *s);
}

static void
add_lost(struct smtpsniff *s, int dir, size_t n)
{
	s->lost[dir] = n > UINT32_MAX - s->lost[dir] ? UINT32_MAX : s->lost[dir] + (uint32_t)n;
}

static enum smtpsniff_act
not_smtp(struct smtpsniff *s)
{
	s->state = SMTPSNIFF_NOT_SMTP;
	return SMTPSNIFF_DROP;
}

enum smtpsniff_act
smtpsniff_data(struct smtpsniff *s, int dir, const uint8_t *p, size_t n)
{
	size_t need = dir == SMTPSNIFF_S2C ? SMTPSNIFF_SERVER_BYTES : SMTPSNIFF_CLIENT_BYTES;
	size_t old, c;
	enum smtpsniff_verdict v;

	dir = dir ? 1 : 0;
	if (s->state == SMTPSNIFF_NOT_SMTP)
		return SMTPSNIFF_DROP;
	if (s->dir[dir] == D_OPEN)
		return SMTPSNIFF_FEED;
	if (s->state == SMTPSNIFF_SMTP) {   /* decided by the other side */
		s->dir[dir] = D_OPEN;
		return SMTPSNIFF_FEED;
	}
	if (s->dir[dir] == D_LOST) {        /* its first bytes are gone: the other side decides */
		add_lost(s, dir, n);
		return SMTPSNIFF_HOLD;
	}
	old = s->n[dir];
	c = need - old < n ? need - old : n;
	memcpy(s->kept[dir] + old, p, c);
	s->n[dir] = (uint8_t)(old + c);
	s->dir[dir] = D_KEEP;
	v = dir == SMTPSNIFF_S2C ? smtpsniff_greeting(s->kept[dir], s->n[dir]) :
	    smtpsniff_hello(s->kept[dir], s->n[dir]);
	if (v == SMTPSNIFF_MORE)
		return SMTPSNIFF_HOLD;
	if (v == SMTPSNIFF_NO)
		return not_smtp(s);
	s->n[dir] = (uint8_t)old;           /* what take() still owes: the earlier bytes */
	s->dir[dir] = D_OPEN;
	if (dir == SMTPSNIFF_C2S || s->dir[SMTPSNIFF_C2S] == D_LOST)
		s->state = SMTPSNIFF_SMTP;
	else
		s->state = SMTPSNIFF_GREETED;
	return SMTPSNIFF_FEED;
}

enum smtpsniff_act
smtpsniff_gap(struct smtpsniff *s, int dir, uint32_t nbytes)
{
	dir = dir ? 1 : 0;
	if (s->state == SMTPSNIFF_NOT_SMTP)
		return SMTPSNIFF_DROP;
	if (s->dir[dir] == D_OPEN)
		return SMTPSNIFF_FEED;
	if (s->state == SMTPSNIFF_SMTP) {   /* kept bytes, then this gap */
		s->dir[dir] = D_OPEN;
		return SMTPSNIFF_FEED;
	}
	/* undecided, or greeted with the client's first bytes lost */
	add_lost(s, dir, (size_t)s->n[dir] + nbytes);
	s->n[dir] = 0;
	s->dir[dir] = D_LOST;
	if (dir == SMTPSNIFF_C2S && s->state == SMTPSNIFF_GREETED) {
		s->state = SMTPSNIFF_SMTP;  /* the greeting stands */
		return SMTPSNIFF_HOLD;      /* the loss reaches the dissector with the next bytes */
	}
	if (s->dir[!dir] == D_LOST)
		return not_smtp(s);
	return SMTPSNIFF_HOLD;
}

size_t
smtpsniff_take(struct smtpsniff *s, int dir, const uint8_t **p, uint32_t *lost)
{
	size_t n;

	dir = dir ? 1 : 0;
	n = s->n[dir];
	*p = s->kept[dir];
	*lost = s->lost[dir];
	s->n[dir] = 0;
	s->lost[dir] = 0;
	return n;
}

bool
smtpsniff_end(struct smtpsniff *s)
{
	return s->state == SMTPSNIFF_SMTP || s->state == SMTPSNIFF_GREETED;
}
