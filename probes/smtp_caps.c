/* probes/smtp_caps.c: see smtp_caps.h. */
#include "buildconf.h"
#include "smtp_caps.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const cap_names[SMTP_CAP_COUNT] = {
	"STARTTLS", "PIPELINING", "SIZE", "8BITMIME", "SMTPUTF8", "CHUNKING", "DSN",
	"ENHANCEDSTATUSCODES", "REQUIRETLS", "AUTH", "BINARYMIME", "ETRN", "VRFY",
	"MTRK", "DELIVERBY",
};

static const char *const auth_names[SMTP_AUTH_COUNT] = {
	"PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "NTLM", "GSSAPI", "XOAUTH2",
	"OAUTHBEARER", "SCRAM-SHA-1", "SCRAM-SHA-256", "EXTERNAL", "ANONYMOUS",
};

static const char *
bit_name(const char *const *names, unsigned count, uint32_t bit)
{
	unsigned i;
	for (i = 0; i < count; i++)
		if (bit == 1u << i)
			return names[i];
	return "?";
}

const char *
smtp_cap_name(enum smtp_cap bit)
{
	return bit_name(cap_names, SMTP_CAP_COUNT, bit);
}

const char *
smtp_auth_name(enum smtp_auth_mech bit)
{
	return bit_name(auth_names, SMTP_AUTH_COUNT, bit);
}

void
smtp_caps_init(struct smtp_caps *c)
{
	memset(c, 0, sizeof *c);
}

/* Find a word of len bytes in a table, case-insensitively; returns bit or 0. */
static uint32_t
lookup(const char *const *names, unsigned count, const char *w, size_t len)
{
	unsigned i;
	if (len == 0)
		return 0;
	for (i = 0; i < count; i++)   /* the first letter rules out most at once */
		if (((names[i][0] ^ w[0]) & 0xdf) == 0 && strlen(names[i]) == len &&
		    strncasecmp(names[i], w, len) == 0)
			return 1u << i;
	return 0;
}

/* Append word (upper-cased) to a space-separated list unless present. */
static void
list_add(struct smtp_caps *c, char *list, size_t listsz, const char *w, size_t len)
{
	size_t cur = strlen(list), i;
	const char *p = list;
	char up[64];

	if (len == 0)
		return;
	if (len >= sizeof up) {
		c->truncated = true;
		return;
	}
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)w[i];
		/* keep printable ASCII only: these strings reach logs, JSON and SNMP */
		if (ch <= ' ' || ch > '~')
			ch = '?';
		up[i] = (char)(ch >= 'a' && ch <= 'z' ? ch - 32 : ch);
	}
	up[len] = '\0';
	while (*p) {
		const char *e = strchr(p, ' ');
		size_t wl = e ? (size_t)(e - p) : strlen(p);
		if (wl == len && memcmp(p, up, len) == 0)
			return;
		p += wl + (e ? 1 : 0);
	}
	if (cur + (cur ? 1 : 0) + len + 1 > listsz) {
		c->truncated = true;
		return;
	}
	if (cur)
		list[cur++] = ' ';
	memcpy(list + cur, up, len + 1);
}

static bool
is_sp(char ch)
{
	return ch == ' ' || ch == '\t';
}

static void
parse_auth(struct smtp_caps *c, const char *p, const char *end)
{
	while (p < end) {
		const char *w;
		uint32_t bit;

		while (p < end && is_sp(*p))
			p++;
		w = p;
		while (p < end && !is_sp(*p))
			p++;
		if (p == w)
			break;
		bit = lookup(auth_names, SMTP_AUTH_COUNT, w, (size_t)(p - w));
		if (bit)
			c->auth |= bit;
		else
			list_add(c, c->auth_other, sizeof c->auth_other, w, (size_t)(p - w));
	}
}

static void
parse_size(struct smtp_caps *c, const char *p, const char *end)
{
	uint64_t v = 0;

	while (p < end && is_sp(*p))
		p++;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10) {
			v = UINT64_MAX;
			break;
		}
		v = v * 10 + (uint64_t)(*p - '0');
	}
	c->size = v;
}

void
smtp_caps_line(struct smtp_caps *c, unsigned index, const char *text, size_t len)
{
	const char *end = text + len, *p = text, *kw;
	size_t kwlen;
	uint32_t bit;

	c->nlines++;
	while (p < end && is_sp(*p))
		p++;
	kw = p;
	while (p < end && !is_sp(*p) && *p != '=')
		p++;
	kwlen = (size_t)(p - kw);
	if (index == 0) {
		size_t n = kwlen < sizeof c->domain - 1 ? kwlen : sizeof c->domain - 1;
		memcpy(c->domain, kw, n);
		c->domain[n] = '\0';
		return;
	}
	if (kwlen == 0)
		return;
	bit = lookup(cap_names, SMTP_CAP_COUNT, kw, kwlen);
	if (bit == 0) {
		list_add(c, c->unknown, sizeof c->unknown, kw, kwlen);
		return;
	}
	c->caps |= bit;
	if (p < end && *p == '=')  /* old form: AUTH=LOGIN PLAIN */
		p++;
	if (bit == SMTP_CAP_AUTH)
		parse_auth(c, p, end);
	else if (bit == SMTP_CAP_SIZE)
		parse_size(c, p, end);
}

void
smtp_caps_parse(struct smtp_caps *c, const char *reply, size_t len)
{
	const char *p = reply, *end = reply + len;
	unsigned index = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *next = nl ? nl + 1 : end;

		if (le > p && le[-1] == '\r')
			le--;
		if (le - p >= 3 && p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' &&
		    p[2] >= '0' && p[2] <= '9') {
			const char *t = le - p > 3 ? p + 4 : p + 3;
			smtp_caps_line(c, index++, t, (size_t)(le - t));
		}
		p = next;
	}
}

static size_t
names_join(const char *const *names, unsigned count, uint32_t bits, const char *extra,
    char *out, size_t outsz)
{
	size_t n = 0;
	unsigned i;

	if (outsz)
		out[0] = '\0';
	for (i = 0; i < count; i++) {
		if (!(bits & (1u << i)))
			continue;
		n += (size_t)snprintf(out + (n < outsz ? n : outsz), n < outsz ? outsz - n : 0,
		    "%s%s", n ? " " : "", names[i]);
	}
	if (extra && *extra)
		n += (size_t)snprintf(out + (n < outsz ? n : outsz), n < outsz ? outsz - n : 0,
		    "%s%s", n ? " " : "", extra);
	return n;
}

size_t
smtp_caps_names(const struct smtp_caps *c, char *out, size_t outsz)
{
	return names_join(cap_names, SMTP_CAP_COUNT, c->caps, c->unknown, out, outsz);
}

size_t
smtp_caps_auth_names(const struct smtp_caps *c, char *out, size_t outsz)
{
	return names_join(auth_names, SMTP_AUTH_COUNT, c->auth, c->auth_other, out, outsz);
}
