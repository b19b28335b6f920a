/* probes/mtasts.c: see mtasts.h. */
#include "buildconf.h"
#include "mtasts.h"
#include "safetext.h"

#include <stdio.h>
#include <string.h>

static bool
isalnum_a(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool
iswsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static bool
eq_nocase(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return false;
	return true;
}

/* The same token as literal s (case-sensitive). */
static bool
is_tok(const char *t, size_t n, const char *s)
{
	return strlen(s) == n && memcmp(t, s, n) == 0;
}

/* sts-ext-name = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / "."): the
 * same shape names the policy's keys (sts-policy-ext-name). */
static bool
ext_name_ok(const char *t, size_t n)
{
	if (n < 1 || n > 32 || !isalnum_a((unsigned char)t[0]))
		return false;
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)t[i];

		if (!isalnum_a(c) && c != '_' && c != '-' && c != '.')
			return false;
	}
	return true;
}

/* ---- TXT record (3.1) ---- */

static bool
is_sts_record(const char *t, size_t n)
{
	return n >= 7 && memcmp(t, "v=STSv1", 7) == 0 &&
	    (n == 7 || t[7] == ';' || iswsp((unsigned char)t[7]));
}

/* The record after "v=STSv1": 1*(delim field) [delim], delim = *WSP ";" *WSP
 * (blanks at the very end tolerated). */
static bool
parse_record(const char *t, size_t n, char id[MTASTS_ID_MAX + 1])
{
	size_t i = 7;
	bool have_id = false, fields = false;

	for (;;) {
		size_t name, nlen, val, vlen;

		while (i < n && iswsp((unsigned char)t[i]))
			i++;
		if (i == n)
			break;
		if (t[i] != ';')
			return false;
		i++;
		while (i < n && iswsp((unsigned char)t[i]))
			i++;
		if (i == n) {
			if (!fields)
				return false; /* "v=STSv1;" names no field */
			break;
		}
		name = i;
		while (i < n && t[i] != '=' && t[i] != ';' && !iswsp((unsigned char)t[i]))
			i++;
		nlen = i - name;
		if (i == n || t[i] != '=' || !ext_name_ok(t + name, nlen))
			return false;
		val = ++i;
		while (i < n && t[i] != ';' && !iswsp((unsigned char)t[i]))
			i++;
		vlen = i - val;
		if (vlen == 0)
			return false;
		fields = true;
		if (is_tok(t + name, nlen, "id")) {
			if (have_id || vlen > MTASTS_ID_MAX)
				return false;
			for (size_t k = 0; k < vlen; k++)
				if (!isalnum_a((unsigned char)t[val + k]))
					return false;
			memcpy(id, t + val, vlen);
			id[vlen] = '\0';
			have_id = true;
		} else {
			/* sts-ext-value = 1*(%x21-3A / %x3C / %x3E-7E) */
			for (size_t k = 0; k < vlen; k++) {
				unsigned char c = (unsigned char)t[val + k];

				if (c < 0x21 || c > 0x7e || c == '=')
					return false;
			}
		}
	}
	return have_id;
}

enum mtasts_txt
mtasts_txt_pick(const char *const *txt, const size_t *len, size_t n,
    char id[MTASTS_ID_MAX + 1])
{
	size_t found = 0, count = 0, flen = 0;

	id[0] = '\0';
	if (txt == NULL)
		return MTASTS_TXT_NONE;
	for (size_t i = 0; i < n; i++) {
		size_t l;

		if (txt[i] == NULL)
			continue;
		l = len != NULL ? len[i] : strnlen(txt[i], MTASTS_TXT_MAX + 1);
		if (is_sts_record(txt[i], l)) {
			count++;
			found = i;
			flen = l;
		}
	}
	if (count == 0)
		return MTASTS_TXT_NONE;
	if (count > 1 || flen > MTASTS_TXT_MAX)
		return MTASTS_TXT_INVALID;
	if (!parse_record(txt[found], flen, id)) {
		id[0] = '\0';
		return MTASTS_TXT_INVALID;
	}
	return MTASTS_TXT_OK;
}

/* ---- policy body (3.2) ---- */

/* sub-domain *("." sub-domain), sub-domain = Let-dig [Ldh-str] (RFC 5321),
 * labels of 1-63 octets, the whole at most MTASTS_NAME_MAX. */
static bool
domain_ok(const char *t, size_t n)
{
	size_t lab = 0;

	if (n < 1 || n > MTASTS_NAME_MAX)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || t[i] == '.') {
			if (lab == 0 || lab > 63 || t[i - 1] == '-')
				return false;
			lab = 0;
			continue;
		}
		if (!isalnum_a((unsigned char)t[i]) && !(t[i] == '-' && lab > 0))
			return false;
		lab++;
	}
	return true;
}

static bool
mx_pattern_ok(const char *t, size_t n)
{
	if (n >= 2 && t[0] == '*' && t[1] == '.')
		return domain_ok(t + 2, n - 2);
	return domain_ok(t, n);
}

/* sts-policy-ext-value: printable ASCII, blanks inside, 8-bit octets (UTF-8
 * is not checked further). Leading and trailing blanks are already gone. */
static bool
value_ok(const char *t, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

static bool
fail(struct mtasts_policy *out, char *err, size_t errlen, unsigned line,
    const char *key, const char *what)
{
	memset(out, 0, sizeof *out);
	if (err == NULL || errlen == 0)
		return false;
	if (line == 0)
		snprintf(err, errlen, "%s", what);
	else if (key == NULL)
		snprintf(err, errlen, "line %u: %s", line, what);
	else
		snprintf(err, errlen, "line %u: %s: %s", line, key, what);
	return false;
}

/* Only CR, LF, blanks left. */
static bool
tail_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != '\r' && s[i] != '\n' && s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

bool
mtasts_policy_parse(const char *body, size_t len, struct mtasts_policy *out,
    char *err, size_t errlen)
{
	bool have_version = false, have_mode = false, have_age = false;
	size_t pos = 0;
	unsigned line = 0;

	memset(out, 0, sizeof *out);
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (len > MTASTS_BODY_MAX)
		return fail(out, err, errlen, 0, NULL, "body longer than 65536 octets");
	if (body == NULL || len == 0)
		return fail(out, err, errlen, 0, NULL, "empty body");
	if (memchr(body, '\0', len) != NULL)
		return fail(out, err, errlen, 0, NULL, "NUL octet in body");
	while (pos < len) {
		const char *l = body + pos, *nl, *colon;
		size_t n, klen, v, vlen;

		line++;
		nl = memchr(l, '\n', len - pos);
		n = nl != NULL ? (size_t)(nl - l) : len - pos;
		pos += n + (nl != NULL);
		if (n > 0 && l[n - 1] == '\r')
			n--;
		colon = memchr(l, ':', n);
		if (n == 0 && tail_blank(body + pos, len - pos))
			break; /* blank lines at the end: not in the grammar, but a stray newline
				* in a hand-written file must not make a false alarm */
		if (colon == NULL)
			return fail(out, err, errlen, line, NULL, n == 0 ? "empty line" : "no ':'");
		klen = (size_t)(colon - l);
		if (!ext_name_ok(l, klen))
			return fail(out, err, errlen, line, NULL, "bad key");
		v = klen + 1;
		while (v < n && iswsp((unsigned char)l[v]))
			v++;
		while (n > v && iswsp((unsigned char)l[n - 1]))
			n--;
		vlen = n - v;
		if (is_tok(l, klen, "version")) {
			if (have_version)
				return fail(out, err, errlen, line, "version", "duplicate");
			if (!is_tok(l + v, vlen, "STSv1"))
				return fail(out, err, errlen, line, "version", "not STSv1");
			have_version = true;
		} else if (is_tok(l, klen, "mode")) {
			if (have_mode)
				return fail(out, err, errlen, line, "mode", "duplicate");
			if (is_tok(l + v, vlen, "enforce"))
				out->mode = MTASTS_MODE_ENFORCE;
			else if (is_tok(l + v, vlen, "testing"))
				out->mode = MTASTS_MODE_TESTING;
			else if (is_tok(l + v, vlen, "none"))
				out->mode = MTASTS_MODE_NONE;
			else
				return fail(out, err, errlen, line, "mode", "bad value");
			have_mode = true;
		} else if (is_tok(l, klen, "max_age")) {
			long age = 0;

			if (have_age)
				return fail(out, err, errlen, line, "max_age", "duplicate");
			if (vlen < 1 || vlen > 10)
				return fail(out, err, errlen, line, "max_age", "bad value");
			for (size_t k = 0; k < vlen; k++) {
				if (l[v + k] < '0' || l[v + k] > '9')
					return fail(out, err, errlen, line, "max_age", "bad value");
				/* stays below 2^31 until it passes the maximum */
				if (age <= MTASTS_MAX_AGE_MAX)
					age = age * 10 + (l[v + k] - '0');
			}
			if (age > MTASTS_MAX_AGE_MAX)
				return fail(out, err, errlen, line, "max_age", "over 31557600");
			out->max_age = age;
			have_age = true;
		} else if (is_tok(l, klen, "mx")) {
			if (!mx_pattern_ok(l + v, vlen))
				return fail(out, err, errlen, line, "mx", "bad pattern");
			if (out->nmx == MTASTS_MX_MAX)
				return fail(out, err, errlen, line, "mx", "more than 32");
			for (size_t k = 0; k < vlen; k++)
				out->mx[out->nmx][k] = (char)lower((unsigned char)l[v + k]);
			out->mx[out->nmx][vlen] = '\0';
			out->nmx++;
		} else if (!value_ok(l + v, vlen)) {
			return fail(out, err, errlen, line, NULL, "bad value");
		}
	}
	if (!have_version)
		return fail(out, err, errlen, 0, NULL, "version missing");
	if (!have_mode)
		return fail(out, err, errlen, 0, NULL, "mode missing");
	if (!have_age)
		return fail(out, err, errlen, 0, NULL, "max_age missing");
	if (out->mode != MTASTS_MODE_NONE && out->nmx == 0)
		return fail(out, err, errlen, 0, NULL, "mx missing");
	return true;
}

/* ---- MX matching (4.1) ---- */

/* The length of s without one trailing dot; longer than max: max + 1. */
static size_t
name_len(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 2);

	if (n > 1 && s[n - 1] == '.')
		n--;
	return n > max ? max + 1 : n;
}

bool
mtasts_mx_match(const char *pattern, const char *mx)
{
	size_t plen, mlen, i;

	if (pattern == NULL || mx == NULL)
		return false;
	plen = name_len(pattern, MTASTS_NAME_MAX + 2);
	mlen = name_len(mx, MTASTS_NAME_MAX);
	if (plen == 0 || plen > MTASTS_NAME_MAX + 2 || mlen == 0 || mlen > MTASTS_NAME_MAX)
		return false;
	/* the MX: no empty label, no '*' */
	for (i = 0; i < mlen; i++) {
		if (mx[i] == '*')
			return false;
		if (mx[i] == '.' && (i == 0 || mx[i - 1] == '.' || i + 1 == mlen))
			return false;
	}
	if (plen >= 2 && pattern[0] == '*' && pattern[1] == '.') {
		const char *dot = memchr(mx, '.', mlen);
		size_t rest;

		if (plen == 2 || memchr(pattern + 2, '*', plen - 2) != NULL || dot == NULL)
			return false;
		rest = mlen - (size_t)(dot + 1 - mx);
		return rest == plen - 2 && eq_nocase(dot + 1, pattern + 2, rest);
	}
	if (memchr(pattern, '*', plen) != NULL)
		return false;
	return plen == mlen && eq_nocase(pattern, mx, mlen);
}

bool
mtasts_policy_mx_match(const struct mtasts_policy *p, const char *mx)
{
	if (p == NULL)
		return false;
	for (size_t i = 0; i < p->nmx && i < MTASTS_MX_MAX; i++)
		if (mtasts_mx_match(p->mx[i], mx))
			return true;
	return false;
}

/* ---- decisions (4.2, 5) ---- */

const char *
mtasts_status_name(enum mtasts_status s)
{
	switch (s) {
	case MTASTS_ENFORCE_OK:
		return "enforce-ok";
	case MTASTS_ENFORCE_VIOLATION:
		return "enforce-violation";
	case MTASTS_TESTING:
		return "testing";
	case MTASTS_NONE:
		return "none";
	case MTASTS_INVALID:
		return "invalid";
	case MTASTS_ERROR:
		return "error";
	}
	return "unknown";
}

const char *
mtasts_mode_name(enum mtasts_mode m)
{
	switch (m) {
	case MTASTS_MODE_ENFORCE:
		return "enforce";
	case MTASTS_MODE_TESTING:
		return "testing";
	case MTASTS_MODE_NONE:
		return "none";
	}
	return "unknown";
}

void
mtasts_evaluate_why(const struct mtasts_policy *p, const char *mx, bool tls_ok,
    const char *why_tls, bool webpki_ok, const char *why_cert, struct mtasts_eval *out)
{
	char name[180];

	memset(out, 0, sizeof *out);
	if (p == NULL) {
		out->status = MTASTS_ERROR;
		snprintf(out->violation, sizeof out->violation, "no policy");
		return;
	}
	out->mx_match = mtasts_policy_mx_match(p, mx);
	switch (p->mode) {
	case MTASTS_MODE_NONE:
		out->status = MTASTS_NONE;
		return;
	case MTASTS_MODE_TESTING:
		out->status = MTASTS_TESTING;
		break;
	case MTASTS_MODE_ENFORCE:
	default:
		out->status = MTASTS_ENFORCE_OK;
		break;
	}
	if (!out->mx_match) {
		/* a name from DNS: printable, and short enough to leave the
		 * sentence whole */
		safe_str(mx, name, sizeof name, 0);
		snprintf(out->violation, sizeof out->violation, "mx %s not in policy", name);
	} else if (!tls_ok) {
		safe_str(why_tls != NULL && why_tls[0] != '\0' ? why_tls :
		    "STARTTLS not offered or TLS failed", out->violation, sizeof out->violation, 0);
	} else if (!webpki_ok) {
		safe_str(why_cert != NULL && why_cert[0] != '\0' ? why_cert :
		    "certificate not valid for mx", out->violation, sizeof out->violation, 0);
	}
	if (out->status == MTASTS_ENFORCE_OK && out->violation[0] != '\0')
		out->status = MTASTS_ENFORCE_VIOLATION;
}

void
mtasts_evaluate(const struct mtasts_policy *p, const char *mx, bool tls_ok,
    bool webpki_ok, const char *why_cert, struct mtasts_eval *out)
{
	mtasts_evaluate_why(p, mx, tls_ok, NULL, webpki_ok, why_cert, out);
}
