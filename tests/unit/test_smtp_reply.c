/* Unit tests for probes/smtp_reply: framing, limits, enhanced codes, and
 * the same replies under every fragmentation of the input. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "smtp_reply.h"

#define MAXL 200

struct got {
	int n;
	int code[MAXL];
	int last[MAXL];
	char text[MAXL][SMTP_LINE_MAX];
	char esc[MAXL][12];
	int error;
};

/* Feed the input in pieces cut at the given offsets (sorted, < len). */
static void
feed_cut(const char *in, size_t len, const size_t *cuts, int ncuts, struct got *g)
{
	struct smtp_reply_parser p;
	size_t start = 0;
	int k;

	memset(g, 0, sizeof *g);
	smtp_reply_init(&p);
	for (k = 0; k <= ncuts; k++) {
		size_t end = k < ncuts ? cuts[k] : len;
		const uint8_t *b = (const uint8_t *)in + start;
		size_t left = end - start;

		while (left > 0) {
			struct smtp_line l;
			size_t used;
			enum smtp_rp_status st = smtp_reply_feed(&p, b, left, &used, &l);
			assert_true(used <= left);
			b += used;
			left -= used;
			if (st == SMTP_RP_ERROR) {
				g->error = smtp_reply_error(&p);
				return;
			}
			if (st == SMTP_RP_MORE) {
				assert_int_equal(left, 0);
				break;
			}
			assert_true(g->n < MAXL);
			g->code[g->n] = l.code;
			g->last[g->n] = l.last;
			assert_int_equal(strlen(l.text), l.len);
			snprintf(g->text[g->n], sizeof g->text[g->n], "%s", l.text);
			snprintf(g->esc[g->n], sizeof g->esc[g->n], "%s", l.esc);
			g->n++;
		}
		start = end;
	}
}

static void
feed(const char *in, struct got *g)
{
	feed_cut(in, strlen(in), NULL, 0, g);
}

static void
test_single_line(void **state)
{
	struct got g;
	(void)state;
	feed("220 mail.example.com ESMTP Postfix\r\n", &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.code[0], 220);
	assert_true(g.last[0]);
	assert_string_equal(g.text[0], "mail.example.com ESMTP Postfix");
	assert_int_equal(g.error, 0);
}

static void
test_multi_line(void **state)
{
	struct got g;
	(void)state;
	feed("250-mx.example\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 STARTTLS\r\n", &g);
	assert_int_equal(g.n, 4);
	assert_false(g.last[0]);
	assert_false(g.last[2]);
	assert_true(g.last[3]);
	assert_string_equal(g.text[3], "STARTTLS");
}

static void
test_bare_code_and_lf(void **state)
{
	struct got g;
	(void)state;
	feed("250\r\n221\n", &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.code[0], 250);
	assert_true(g.last[0]);
	assert_string_equal(g.text[0], "");
	assert_int_equal(g.code[1], 221);
}

static void
test_enhanced_status(void **state)
{
	struct got g;
	(void)state;
	feed("554 5.7.1 no service\r\n250 2.0.0 Ok\r\n250 5.1.1 wrong class\r\n"
	     "421 4.7.0\r\n250 2.1.50000 too long detail\r\n", &g);
	assert_int_equal(g.n, 5);
	assert_string_equal(g.esc[0], "5.7.1");
	assert_string_equal(g.text[0], "5.7.1 no service");
	assert_string_equal(g.esc[1], "2.0.0");
	assert_string_equal(g.esc[2], "");
	assert_string_equal(g.esc[3], "4.7.0");
	assert_string_equal(g.esc[4], "");
}

static void
test_line_limit(void **state)
{
	char buf[SMTP_LINE_MAX + 16];
	struct got g;
	(void)state;

	/* 512 octets with CRLF: accepted */
	memset(buf, 'a', sizeof buf);
	memcpy(buf, "250 ", 4);
	memcpy(buf + SMTP_LINE_MAX - 2, "\r\n", 3);
	feed(buf, &g);
	assert_int_equal(g.error, 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(strlen(g.text[0]), SMTP_LINE_MAX - 2 - 4);
	/* 513 octets: refused, not overrun */
	memset(buf, 'a', sizeof buf);
	memcpy(buf, "250 ", 4);
	memcpy(buf + SMTP_LINE_MAX - 1, "\r\n", 3);
	feed(buf, &g);
	assert_int_equal(g.error, SMTP_RPE_TOO_LONG);
	/* no line end at all, endless */
	memset(buf, 'a', sizeof buf - 1);
	buf[sizeof buf - 1] = '\0';
	feed(buf, &g);
	assert_int_equal(g.error, SMTP_RPE_TOO_LONG);
}

static void
test_syntax(void **state)
{
	struct got g;
	(void)state;
	feed("25O ok\r\n", &g);
	assert_int_equal(g.error, SMTP_RPE_SYNTAX);
	feed("2500 ok\r\n", &g);
	assert_int_equal(g.error, SMTP_RPE_SYNTAX);
	feed("ok\r\n", &g);
	assert_int_equal(g.error, SMTP_RPE_SYNTAX);
	feed("650 out of range\r\n", &g);
	assert_int_equal(g.error, SMTP_RPE_SYNTAX);
	feed("\r\n", &g);
	assert_int_equal(g.error, SMTP_RPE_SYNTAX);
	feed_cut("250 a\0b\r\n", 9, NULL, 0, &g);
	assert_int_equal(g.error, SMTP_RPE_SYNTAX);
}

static void
test_code_mismatch(void **state)
{
	struct got g;
	(void)state;
	feed("250-a\r\n251 b\r\n", &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.error, SMTP_RPE_CODE_MISMATCH);
}

static void
test_too_many_lines(void **state)
{
	static char buf[(SMTP_REPLY_MAX_LINES + 2) * 8];
	struct got g;
	size_t n = 0;
	int i;
	(void)state;

	for (i = 0; i < SMTP_REPLY_MAX_LINES + 1; i++)
		n += (size_t)sprintf(buf + n, "250-x\r\n");
	feed(buf, &g);
	assert_int_equal(g.error, SMTP_RPE_TOO_MANY);
	assert_int_equal(g.n, SMTP_REPLY_MAX_LINES);
}

static void
test_error_is_sticky(void **state)
{
	struct smtp_reply_parser p;
	struct smtp_line l;
	size_t used;
	(void)state;

	smtp_reply_init(&p);
	assert_int_equal(smtp_reply_feed(&p, (const uint8_t *)"xx\r\n", 4, &used, &l), SMTP_RP_ERROR);
	assert_int_equal(smtp_reply_feed(&p, (const uint8_t *)"250 ok\r\n", 8, &used, &l),
	    SMTP_RP_ERROR);
	assert_int_equal(used, 0);
	smtp_reply_init(&p);
	assert_int_equal(smtp_reply_feed(&p, (const uint8_t *)"250 ok\r\n", 8, &used, &l), SMTP_RP_LINE);
}

static void
test_between(void **state)
{
	struct smtp_reply_parser p;
	struct smtp_line l;
	size_t used;
	(void)state;

	smtp_reply_init(&p);
	assert_true(smtp_reply_between(&p));
	smtp_reply_feed(&p, (const uint8_t *)"250-a\r\n", 7, &used, &l);
	assert_false(smtp_reply_between(&p));
	smtp_reply_feed(&p, (const uint8_t *)"250 b\r\n2", 8, &used, &l);
	assert_int_equal(used, 7);
	assert_true(smtp_reply_between(&p));
	smtp_reply_feed(&p, (const uint8_t *)"2", 1, &used, &l);
	assert_false(smtp_reply_between(&p));
}

static const char *const corpus[] = {
	"250-mail.example.org Hello\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n250-ETRN\r\n"
	"250-AUTH PLAIN LOGIN\r\n250-AUTH=PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n"
	"250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 STARTTLS\r\n",
	"220-mx.example ESMTP\r\n220-second line\r\n220 third\r\n250 ok\r\n",
	"421 4.3.2 Service not available, closing transmission channel\r\n",
	"250\r\n250-a\n250 b\r\n554 5.7.1 no\r\n",
};

/* Every single cut point, and every pair of cut points, give the same lines. */
static void
test_every_split(void **state)
{
	size_t c;
	(void)state;

	for (c = 0; c < sizeof corpus / sizeof corpus[0]; c++) {
		const char *in = corpus[c];
		size_t len = strlen(in), i, k;
		static struct got ref, g;

		feed(in, &ref);
		assert_int_equal(ref.error, 0);
		for (i = 1; i < len; i++) {
			size_t cuts[2] = { i, 0 };
			feed_cut(in, len, cuts, 1, &g);
			assert_int_equal(g.n, ref.n);
			assert_memory_equal(g.code, ref.code, sizeof ref.code);
			assert_memory_equal(g.last, ref.last, sizeof ref.last);
			assert_memory_equal(g.text, ref.text, sizeof ref.text);
			for (k = i + 1; k < len; k += 3) {
				cuts[1] = k;
				feed_cut(in, len, cuts, 2, &g);
				assert_int_equal(g.n, ref.n);
				assert_memory_equal(g.text, ref.text, sizeof ref.text);
				assert_memory_equal(g.last, ref.last, sizeof ref.last);
			}
		}
		/* byte at a time */
		{
			size_t cuts[1024];
			for (i = 1; i < len; i++)
				cuts[i - 1] = i;
			feed_cut(in, len, cuts, (int)len - 1, &g);
			assert_int_equal(g.n, ref.n);
			assert_memory_equal(g.text, ref.text, sizeof ref.text);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_line),
		cmocka_unit_test(test_multi_line),
		cmocka_unit_test(test_bare_code_and_lf),
		cmocka_unit_test(test_enhanced_status),
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_code_mismatch),
		cmocka_unit_test(test_too_many_lines),
		cmocka_unit_test(test_error_is_sticky),
		cmocka_unit_test(test_between),
		cmocka_unit_test(test_every_split),
	};
	return cmocka_run_group_tests_name("smtp_reply", tests, NULL, NULL);
}
