/* Unit tests for probes/mtasts: the TXT record choice and syntax of RFC 8461
 * 3.1 (the RFC's own example, none, two, bad ids, blanks, extensions), the
 * policy body of 3.2 (the RFC's example, line ends, every field's bounds,
 * missing and duplicate fields, the size limits), MX matching of 4.1 and
 * every status the evaluation of one MX can give. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mtasts.h"

/* One record, NUL-terminated. */
static enum mtasts_txt
pick1(const char *rec, char *id)
{
	const char *v[1] = { rec };

	return mtasts_txt_pick(v, NULL, 1, id);
}

static void
test_txt_choice(void **state)
{
	char id[MTASTS_ID_MAX + 1];
	const char *none[] = { "v=spf1 -all", "google-site-verification=abc" };
	const char *one[] = { "v=spf1 -all", "v=STSv1; id=20160831085700Z;", "x" };
	const char *two[] = { "v=STSv1; id=a1;", "v=spf1 -all", "v=STSv1; id=b2;" };
	const char *same[] = { "v=STSv1; id=a1;", "v=STSv1; id=a1;" };
	const char *other[] = { "v=STSv10; id=a1;", "v=STSv1; id=b2" };
	/* records given with lengths: no NUL needed, none read past */
	const char raw[] = "v=STSv1; id=abcXYZ;JUNK";
	const char *withlen[] = { raw, "v=spf1" };
	const size_t lens[] = { 19, 6 };

	(void)state;
	assert_int_equal(mtasts_txt_pick(none, NULL, 0, id), MTASTS_TXT_NONE);
	assert_string_equal(id, "");
	assert_int_equal(mtasts_txt_pick(none, NULL, 2, id), MTASTS_TXT_NONE);
	assert_int_equal(mtasts_txt_pick(one, NULL, 3, id), MTASTS_TXT_OK);
	assert_string_equal(id, "20160831085700Z");     /* the RFC's example */
	assert_int_equal(mtasts_txt_pick(two, NULL, 3, id), MTASTS_TXT_INVALID);
	assert_string_equal(id, "");
	assert_int_equal(mtasts_txt_pick(same, NULL, 2, id), MTASTS_TXT_INVALID);
	assert_int_equal(mtasts_txt_pick(other, NULL, 2, id), MTASTS_TXT_OK);
	assert_string_equal(id, "b2");
	assert_int_equal(mtasts_txt_pick(withlen, lens, 2, id), MTASTS_TXT_OK);
	assert_string_equal(id, "abcXYZ");
	assert_int_equal(mtasts_txt_pick(NULL, NULL, 3, id), MTASTS_TXT_NONE);
	/* "v=STSV1" is not the version (case-sensitive): ignored */
	assert_int_equal(pick1("v=STSV1; id=abc;", id), MTASTS_TXT_NONE);
	assert_int_equal(pick1(" v=STSv1; id=abc;", id), MTASTS_TXT_NONE);
}

static void
test_txt_syntax(void **state)
{
	char id[MTASTS_ID_MAX + 1], rec[128];

	(void)state;
	assert_int_equal(pick1("v=STSv1; id=20240101;", id), MTASTS_TXT_OK);
	assert_string_equal(id, "20240101");
	assert_int_equal(pick1("v=STSv1; id=20240101", id), MTASTS_TXT_OK);   /* no final ';' */
	assert_string_equal(id, "20240101");
	assert_int_equal(pick1("v=STSv1;id=x", id), MTASTS_TXT_OK);
	assert_string_equal(id, "x");
	assert_int_equal(pick1("v=STSv1 ;\t id=abc\t ; ", id), MTASTS_TXT_OK);
	assert_string_equal(id, "abc");
	/* extensions: well-formed ones ignored, before or after the id */
	assert_int_equal(pick1("v=STSv1; ext_1.a-b=some:value/x; id=Q1;", id), MTASTS_TXT_OK);
	assert_string_equal(id, "Q1");
	assert_int_equal(pick1("v=STSv1; id=Q2; foo=bar", id), MTASTS_TXT_OK);
	assert_string_equal(id, "Q2");
	/* bad ids */
	assert_int_equal(pick1("v=STSv1; id=2024-01-01;", id), MTASTS_TXT_INVALID);
	assert_string_equal(id, "");
	assert_int_equal(pick1("v=STSv1; id=;", id), MTASTS_TXT_INVALID);
	assert_int_equal(pick1("v=STSv1; id=a b;", id), MTASTS_TXT_INVALID);
	snprintf(rec, sizeof rec, "v=STSv1; id=%s;", "123456789012345678901234567890AB");
	assert_int_equal(pick1(rec, id), MTASTS_TXT_OK);                       /* 32 */
	assert_int_equal(strlen(id), 32);
	snprintf(rec, sizeof rec, "v=STSv1; id=%s;", "123456789012345678901234567890ABC");
	assert_int_equal(pick1(rec, id), MTASTS_TXT_INVALID);                  /* 33 */
	assert_int_equal(pick1("v=STSv1; id=a; id=b;", id), MTASTS_TXT_INVALID);
	/* no id, or no field at all */
	assert_int_equal(pick1("v=STSv1", id), MTASTS_TXT_INVALID);
	assert_int_equal(pick1("v=STSv1;", id), MTASTS_TXT_INVALID);
	assert_int_equal(pick1("v=STSv1; foo=bar;", id), MTASTS_TXT_INVALID);
	assert_int_equal(pick1("v=STSv1; ID=abc;", id), MTASTS_TXT_INVALID);  /* case-sensitive */
	/* malformed fields and delimiters */
	assert_int_equal(pick1("v=STSv1 id=abc;", id), MTASTS_TXT_INVALID);
	assert_int_equal(pick1("v=STSv1;; id=abc;", id), MTASTS_TXT_INVALID);
	assert_int_equal(pick1("v=STSv1; id=abc;;", id), MTASTS_TXT_INVALID);
	assert_int_equal(pick1("v=STSv1; id=abc; foo;", id), MTASTS_TXT_INVALID);
	assert_int_equal(pick1("v=STSv1; id=abc; foo=;", id), MTASTS_TXT_INVALID);
	assert_int_equal(pick1("v=STSv1; id=abc; foo=a=b;", id), MTASTS_TXT_INVALID);
	assert_int_equal(pick1("v=STSv1; id=abc; _x=1;", id), MTASTS_TXT_INVALID);
	assert_int_equal(pick1("v=STSv1; id=abc; foo=\x01;", id), MTASTS_TXT_INVALID);
	{
		/* a NUL inside a record given by length */
		const char nul[] = "v=STSv1; id=ab\0c;";
		const char *v[1] = { nul };
		size_t l = sizeof nul - 1;

		assert_int_equal(mtasts_txt_pick(v, &l, 1, id), MTASTS_TXT_INVALID);
	}
	{
		/* a record over MTASTS_TXT_MAX */
		char *big = malloc(MTASTS_TXT_MAX + 64);
		const char *v[1] = { big };
		size_t l;

		assert_non_null(big);
		l = (size_t)snprintf(big, 64, "v=STSv1; id=abc; x=");
		memset(big + l, 'y', MTASTS_TXT_MAX - l);
		l = MTASTS_TXT_MAX;
		assert_int_equal(mtasts_txt_pick(v, &l, 1, id), MTASTS_TXT_OK);
		big[l] = 'y';
		l++;
		assert_int_equal(mtasts_txt_pick(v, &l, 1, id), MTASTS_TXT_INVALID);
		free(big);
	}
}

static const char rfc_example[] =
    "version: STSv1\n"
    "mode: enforce\n"
    "mx: mail.example.com\n"
    "mx: *.example.net\n"
    "mx: backupmx.example.com\n"
    "max_age: 604800\n";

static bool
parse(const char *body, struct mtasts_policy *p, char *err)
{
	return mtasts_policy_parse(body, strlen(body), p, err, 100);
}

static void
test_policy_ok(void **state)
{
	struct mtasts_policy p;
	char err[100];

	(void)state;
	assert_true(parse(rfc_example, &p, err));
	assert_string_equal(err, "");
	assert_int_equal(p.mode, MTASTS_MODE_ENFORCE);
	assert_int_equal(p.max_age, 604800);
	assert_int_equal(p.nmx, 3);
	assert_string_equal(p.mx[0], "mail.example.com");
	assert_string_equal(p.mx[1], "*.example.net");
	assert_string_equal(p.mx[2], "backupmx.example.com");
	/* CRLF, and no end on the last line, in another order */
	assert_true(parse("mode: testing\r\nmx: MX1.Example.COM\r\nversion: STSv1\r\n"
	    "max_age: 86400", &p, err));
	assert_int_equal(p.mode, MTASTS_MODE_TESTING);
	assert_int_equal(p.max_age, 86400);
	assert_int_equal(p.nmx, 1);
	assert_string_equal(p.mx[0], "mx1.example.com");             /* lower-cased */
	/* LF and CRLF mixed, blanks after ':' and at the line's end */
	assert_true(parse("version:STSv1 \r\nmode:\t enforce\t\nmx: a.b\nmax_age: 0\r\n", &p, err));
	assert_int_equal(p.max_age, 0);
	assert_string_equal(p.mx[0], "a.b");
	/* mode none needs no mx; unknown keys ignored */
	assert_true(parse("version: STSv1\nmode: none\nmax_age: 31557600\n"
	    "x-report: some value, with: colons\nfoo_bar.1: \xc3\xa9t\xc3\xa9\n", &p, err));
	assert_int_equal(p.mode, MTASTS_MODE_NONE);
	assert_int_equal(p.max_age, MTASTS_MAX_AGE_MAX);
	assert_int_equal(p.nmx, 0);
	assert_true(parse("version: STSv1\nmode: testing\nmax_age: 0000000001\nmx: *.xn--bcher-kva.de\n",
	    &p, err));
	assert_int_equal(p.max_age, 1);
	/* 32 mx, the longest name */
	{
		char body[MTASTS_MX_MAX * 300 + 200], name[300];
		size_t off;

		memset(name, 'a', sizeof name);
		for (int i = 0; i < 4; i++)
			name[i * 64 + 63] = '.';
		name[253] = '\0';                                   /* 4 labels, 253 octets */
		off = (size_t)snprintf(body, sizeof body, "version: STSv1\nmode: enforce\nmax_age: 1\n");
		for (int i = 0; i < MTASTS_MX_MAX; i++)
			off += (size_t)snprintf(body + off, sizeof body - off, "mx: *.%s\n", name);
		assert_true(parse(body, &p, err));
		assert_int_equal(p.nmx, MTASTS_MX_MAX);
		assert_int_equal(strlen(p.mx[31]), 255);
		/* the 33rd */
		snprintf(body + off, sizeof body - off, "mx: x.y\n");
		assert_false(parse(body, &p, err));
		assert_string_equal(err, "line 36: mx: more than 32");
		assert_int_equal(p.nmx, 0);                          /* zeroed */
		name[253] = 'a';
		name[254] = '\0';
		snprintf(body, sizeof body, "version: STSv1\nmode: enforce\nmax_age: 1\nmx: %s\n", name);
		assert_false(parse(body, &p, err));                 /* 254 octets */
	}
}

static void
test_policy_values(void **state)
{
	struct mtasts_policy p;
	char err[100];
	const char *head = "version: STSv1\nmode: enforce\nmx: m.example\n";
	char body[200];

#define AGE(v) (snprintf(body, sizeof body, "%smax_age: %s\n", head, v), parse(body, &p, err))
	(void)state;
	assert_true(AGE("0"));
	assert_true(AGE("31557600"));
	assert_int_equal(p.max_age, 31557600);
	assert_false(AGE("31557601"));
	assert_string_equal(err, "line 4: max_age: over 31557600");
	assert_false(AGE("9999999999"));
	assert_false(AGE("00000000001"));                       /* 11 digits */
	assert_false(AGE("-1"));
	assert_false(AGE("+1"));
	assert_false(AGE("1e3"));
	assert_false(AGE("12 34"));
	assert_false(AGE("0x10"));
	assert_false(AGE(""));
#undef AGE
	/* version and mode values: exact, case-sensitive */
	assert_false(parse("version: STSv2\nmode: enforce\nmx: a.b\nmax_age: 1\n", &p, err));
	assert_string_equal(err, "line 1: version: not STSv1");
	assert_false(parse("version: stsv1\nmode: enforce\nmx: a.b\nmax_age: 1\n", &p, err));
	assert_false(parse("version: STSv1\nmode: Enforce\nmx: a.b\nmax_age: 1\n", &p, err));
	assert_string_equal(err, "line 2: mode: bad value");
	assert_false(parse("version: STSv1\nmode: report\nmx: a.b\nmax_age: 1\n", &p, err));
	/* mx patterns that are no ["*."]Domain */
	assert_false(parse("version: STSv1\nmode: enforce\nmx: a..b\nmax_age: 1\n", &p, err));
	assert_string_equal(err, "line 3: mx: bad pattern");
	assert_false(parse("version: STSv1\nmode: enforce\nmx: a.b.\nmax_age: 1\n", &p, err));
	assert_false(parse("version: STSv1\nmode: enforce\nmx: a.*.b\nmax_age: 1\n", &p, err));
	assert_false(parse("version: STSv1\nmode: enforce\nmx: *\nmax_age: 1\n", &p, err));
	assert_false(parse("version: STSv1\nmode: enforce\nmx: -a.b\nmax_age: 1\n", &p, err));
	assert_false(parse("version: STSv1\nmode: enforce\nmx: a_b.c\nmax_age: 1\n", &p, err));
	assert_false(parse("version: STSv1\nmode: enforce\nmx: a b\nmax_age: 1\n", &p, err));
	assert_false(parse("version: STSv1\nmode: enforce\nmx:\nmax_age: 1\n", &p, err));
	/* an unknown key's value must still be printable */
	assert_false(parse("version: STSv1\nmode: none\nmax_age: 1\nfoo: a\x1b[31m\n", &p, err));
	assert_string_equal(err, "line 4: bad value");
	assert_false(parse("version: STSv1\nmode: none\nmax_age: 1\nfoo:\n", &p, err));
}

static void
test_policy_invalid(void **state)
{
	struct mtasts_policy p;
	char err[100];

	(void)state;
	/* a missing field */
	assert_false(parse("mode: enforce\nmx: a.b\nmax_age: 1\n", &p, err));
	assert_string_equal(err, "version missing");
	assert_false(parse("version: STSv1\nmx: a.b\nmax_age: 1\n", &p, err));
	assert_string_equal(err, "mode missing");
	assert_false(parse("version: STSv1\nmode: enforce\nmx: a.b\n", &p, err));
	assert_string_equal(err, "max_age missing");
	assert_false(parse("version: STSv1\nmode: enforce\nmax_age: 1\n", &p, err));
	assert_string_equal(err, "mx missing");
	assert_false(parse("version: STSv1\nmode: testing\nmax_age: 1\n", &p, err));
	assert_string_equal(err, "mx missing");
	/* keys are case-sensitive: "Mode" is an unknown key */
	assert_false(parse("version: STSv1\nMode: none\nmax_age: 1\n", &p, err));
	assert_string_equal(err, "mode missing");
	/* duplicates */
	assert_false(parse("version: STSv1\nmode: enforce\nmode: enforce\nmx: a.b\nmax_age: 1\n", &p, err));
	assert_string_equal(err, "line 3: mode: duplicate");
	assert_false(parse("version: STSv1\nversion: STSv1\nmode: none\nmax_age: 1\n", &p, err));
	assert_false(parse("version: STSv1\nmode: none\nmax_age: 1\nmax_age: 1\n", &p, err));
	/* lines */
	assert_false(parse("version: STSv1\nmode none\nmax_age: 1\n", &p, err));
	assert_string_equal(err, "line 2: no ':'");
	assert_false(parse("version: STSv1\nmode: none\n\nmax_age: 1\n", &p, err));
	assert_string_equal(err, "line 3: empty line");
	/* blank lines at the very end are tolerated, not inside */
	assert_true(parse("version: STSv1\nmode: none\nmax_age: 1\n\n", &p, err));
	assert_true(parse("version: STSv1\r\nmode: none\r\nmax_age: 1\r\n\r\n\r\n", &p, err));
	assert_false(parse("version: STSv1\n mode: none\nmax_age: 1\n", &p, err));
	assert_string_equal(err, "line 2: bad key");
	assert_false(parse("version: STSv1\nmode : none\nmax_age: 1\n", &p, err));
	assert_false(parse("version: STSv1\n: none\nmax_age: 1\n", &p, err));
	assert_false(parse("version: STSv1\rmode: none\rmax_age: 1\r", &p, err)); /* bare CR */
	assert_false(parse("", &p, err));
	assert_string_equal(err, "empty body");
	assert_false(mtasts_policy_parse(NULL, 0, &p, NULL, 0));
	/* NUL */
	{
		const char nul[] = "version: STSv1\nmode: none\nmax_age: 1\nx: a\0b\n";

		assert_false(mtasts_policy_parse(nul, sizeof nul - 1, &p, err, sizeof err));
		assert_string_equal(err, "NUL octet in body");
		assert_true(mtasts_policy_parse(nul, sizeof nul - 8, &p, err, sizeof err));
	}
	/* a short err buffer is cut, not overrun */
	assert_false(mtasts_policy_parse("x", 1, &p, err, 5));
	assert_string_equal(err, "line");
}

static void
test_policy_size(void **state)
{
	struct mtasts_policy p;
	char err[100];
	char *body = malloc(MTASTS_BODY_MAX + 1);
	size_t off;

	(void)state;
	assert_non_null(body);
	/* exactly 65536 octets: a valid policy padded with an unknown key */
	off = (size_t)snprintf(body, 200, "version: STSv1\nmode: enforce\nmx: a.b\nmax_age: 1\npad: ");
	memset(body + off, 'x', MTASTS_BODY_MAX - off);
	assert_true(mtasts_policy_parse(body, MTASTS_BODY_MAX, &p, err, sizeof err));
	assert_int_equal(p.nmx, 1);
	/* one more */
	body[MTASTS_BODY_MAX] = 'x';
	assert_false(mtasts_policy_parse(body, MTASTS_BODY_MAX + 1, &p, err, sizeof err));
	assert_string_equal(err, "body longer than 65536 octets");
	free(body);
}

static void
test_mx_match(void **state)
{
	(void)state;
	assert_true(mtasts_mx_match("mail.example.com", "mail.example.com"));
	assert_true(mtasts_mx_match("mail.example.com", "MAIL.Example.COM"));
	assert_true(mtasts_mx_match("MAIL.example.com", "mail.example.com"));
	assert_true(mtasts_mx_match("mail.example.com", "mail.example.com."));
	assert_true(mtasts_mx_match("mail.example.com.", "mail.example.com"));
	assert_false(mtasts_mx_match("mail.example.com", "mail.example.com.."));
	assert_false(mtasts_mx_match("mail.example.com", "mail.example.co"));
	assert_false(mtasts_mx_match("mail.example.com", "mail.example.com.au"));
	assert_false(mtasts_mx_match("mail.example.com", "xmail.example.com"));
	assert_false(mtasts_mx_match("mail.example.com", "a.mail.example.com"));
	/* the wildcard: one extra leftmost label */
	assert_true(mtasts_mx_match("*.example.com", "a.example.com"));
	assert_true(mtasts_mx_match("*.example.com", "Mx-1.EXAMPLE.com."));
	assert_false(mtasts_mx_match("*.example.com", "example.com"));
	assert_false(mtasts_mx_match("*.example.com", "a.b.example.com"));
	assert_false(mtasts_mx_match("*.example.com", ".example.com"));
	assert_false(mtasts_mx_match("*.example.com", "a.example.net"));
	assert_false(mtasts_mx_match("*.example.com", "aexample.com"));
	/* '*' anywhere else never matches */
	assert_false(mtasts_mx_match("*", "a"));
	assert_false(mtasts_mx_match("*.", "a."));
	assert_false(mtasts_mx_match("*example.com", "aexample.com"));
	assert_false(mtasts_mx_match("a*.example.com", "ab.example.com"));
	assert_false(mtasts_mx_match("mail.*.com", "mail.example.com"));
	assert_false(mtasts_mx_match("*.*.example.com", "a.b.example.com"));
	assert_false(mtasts_mx_match("mail.example.*", "mail.example.com"));
	/* an MX with '*' or an empty label matches nothing */
	assert_false(mtasts_mx_match("*.example.com", "*.example.com"));
	assert_false(mtasts_mx_match("a..b", "a..b"));
	assert_false(mtasts_mx_match("", ""));
	assert_false(mtasts_mx_match(".", "."));
	assert_false(mtasts_mx_match(NULL, "a"));
	assert_false(mtasts_mx_match("a", NULL));
	/* the policy's list */
	{
		struct mtasts_policy p;

		assert_true(mtasts_policy_parse(rfc_example, strlen(rfc_example), &p, NULL, 0));
		assert_true(mtasts_policy_mx_match(&p, "mail.example.com"));
		assert_true(mtasts_policy_mx_match(&p, "mx2.example.net"));
		assert_true(mtasts_policy_mx_match(&p, "BACKUPMX.example.com."));
		assert_false(mtasts_policy_mx_match(&p, "example.net"));
		assert_false(mtasts_policy_mx_match(&p, "mx.example.com"));
		assert_false(mtasts_policy_mx_match(NULL, "mail.example.com"));
	}
}

static void
test_evaluate(void **state)
{
	struct mtasts_policy p;
	struct mtasts_eval e;
	const char *self = "certificate not trusted: self-signed certificate";

	(void)state;
	assert_true(mtasts_policy_parse(rfc_example, strlen(rfc_example), &p, NULL, 0));
	/* enforce */
	mtasts_evaluate(&p, "mail.example.com", true, true, NULL, &e);
	assert_int_equal(e.status, MTASTS_ENFORCE_OK);
	assert_true(e.mx_match);
	assert_string_equal(e.violation, "");
	mtasts_evaluate(&p, "mail.example.org", true, true, NULL, &e);
	assert_int_equal(e.status, MTASTS_ENFORCE_VIOLATION);
	assert_false(e.mx_match);
	assert_string_equal(e.violation, "mx mail.example.org not in policy");
	/* the first failing check: mx before TLS before the certificate */
	mtasts_evaluate(&p, "evil.example.org", false, false, self, &e);
	assert_string_equal(e.violation, "mx evil.example.org not in policy");
	mtasts_evaluate(&p, "a.example.net", false, false, self, &e);
	assert_int_equal(e.status, MTASTS_ENFORCE_VIOLATION);
	assert_true(e.mx_match);
	assert_string_equal(e.violation, "STARTTLS not offered or TLS failed");
	mtasts_evaluate_why(&p, "a.example.net", false, "STARTTLS not offered", false, self, &e);
	assert_string_equal(e.violation, "STARTTLS not offered");
	mtasts_evaluate_why(&p, "a.example.net", true, "unused", false, self, &e);
	assert_int_equal(e.status, MTASTS_ENFORCE_VIOLATION);
	assert_string_equal(e.violation, self);
	mtasts_evaluate(&p, "a.example.net", true, false, NULL, &e);
	assert_string_equal(e.violation, "certificate not valid for mx");
	/* hostile names and texts are made printable */
	mtasts_evaluate(&p, "a\r\nb\x1b", true, false, "bad\ncert", &e);
	assert_string_equal(e.violation, "mx a b? not in policy");
	mtasts_evaluate(&p, "a.example.net", true, false, "bad\ncert", &e);
	assert_string_equal(e.violation, "bad cert");
	/* a 253-octet name keeps the sentence in 200 octets */
	{
		char name[254];

		memset(name, 'q', 253);
		name[253] = '\0';
		mtasts_evaluate(&p, name, true, true, NULL, &e);
		assert_int_equal(e.status, MTASTS_ENFORCE_VIOLATION);
		assert_true(strlen(e.violation) < sizeof e.violation);
		assert_non_null(strstr(e.violation, " not in policy"));
	}
	/* testing: what would have failed, delivery regardless */
	p.mode = MTASTS_MODE_TESTING;
	mtasts_evaluate(&p, "mail.example.com", true, true, NULL, &e);
	assert_int_equal(e.status, MTASTS_TESTING);
	assert_true(e.mx_match);
	assert_string_equal(e.violation, "");
	mtasts_evaluate(&p, "other.example", true, true, NULL, &e);
	assert_int_equal(e.status, MTASTS_TESTING);
	assert_false(e.mx_match);
	assert_string_equal(e.violation, "mx other.example not in policy");
	mtasts_evaluate(&p, "mail.example.com", true, false, self, &e);
	assert_int_equal(e.status, MTASTS_TESTING);
	assert_string_equal(e.violation, self);
	/* none */
	p.mode = MTASTS_MODE_NONE;
	mtasts_evaluate(&p, "other.example", false, false, self, &e);
	assert_int_equal(e.status, MTASTS_NONE);
	assert_false(e.mx_match);
	assert_string_equal(e.violation, "");
	mtasts_evaluate(&p, "mail.example.com", false, false, self, &e);
	assert_int_equal(e.status, MTASTS_NONE);
	assert_true(e.mx_match);
	/* no policy */
	mtasts_evaluate(NULL, "mail.example.com", true, true, NULL, &e);
	assert_int_equal(e.status, MTASTS_ERROR);
	assert_string_equal(e.violation, "no policy");
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(mtasts_status_name(MTASTS_ENFORCE_OK), "enforce-ok");
	assert_string_equal(mtasts_status_name(MTASTS_ENFORCE_VIOLATION), "enforce-violation");
	assert_string_equal(mtasts_status_name(MTASTS_TESTING), "testing");
	assert_string_equal(mtasts_status_name(MTASTS_NONE), "none");
	assert_string_equal(mtasts_status_name(MTASTS_INVALID), "invalid");
	assert_string_equal(mtasts_status_name(MTASTS_ERROR), "error");
	assert_string_equal(mtasts_status_name((enum mtasts_status)99), "unknown");
	assert_string_equal(mtasts_mode_name(MTASTS_MODE_ENFORCE), "enforce");
	assert_string_equal(mtasts_mode_name(MTASTS_MODE_TESTING), "testing");
	assert_string_equal(mtasts_mode_name(MTASTS_MODE_NONE), "none");
	assert_string_equal(mtasts_mode_name((enum mtasts_mode)99), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_txt_choice),
		cmocka_unit_test(test_txt_syntax),
		cmocka_unit_test(test_policy_ok),
		cmocka_unit_test(test_policy_values),
		cmocka_unit_test(test_policy_invalid),
		cmocka_unit_test(test_policy_size),
		cmocka_unit_test(test_mx_match),
		cmocka_unit_test(test_evaluate),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("mtasts", tests, NULL, NULL);
}
