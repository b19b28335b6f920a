/* Unit tests for probes/portset (the passive probe's port lists: ports,
 * ranges, any, and every error) and probes/smtpsniff (SMTP found by a
 * flow's first bytes). */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "portset.h"
#include "smtpsniff.h"

static void
parses(const char *list, const char *canon, uint32_t count)
{
	struct portset ps, back;
	char err[256] = "", out[512];

	if (portset_parse(&ps, list, err, sizeof err) != 0)
		fail_msg("\"%s\": %s", list, err);
	portset_format(&ps, out, sizeof out);
	assert_string_equal(out, canon);
	assert_int_equal(portset_count(&ps), count);
	assert_int_equal(portset_parse(&back, out, err, sizeof err), 0);
	assert_true(portset_equal(&ps, &back));
}

static void
refused(const char *list, const char *want)
{
	struct portset ps;
	char err[256] = "";

	assert_int_equal(portset_parse(&ps, list, err, sizeof err), -1);
	if (strcmp(err, want) != 0)
		fail_msg("\"%s\": got \"%s\", want \"%s\"", list, err, want);
}

static void
test_ports_and_ranges(void **state)
{
	struct portset ps;
	char err[256];
	(void)state;

	parses("25", "25", 1);
	parses("25,587,12525-12529", "25,587,12525-12529", 7);
	parses(" 25 , 587\t465 ", "25,587,465", 3);
	parses("1-65535", "1-65535", 65535);
	parses("100-100", "100", 1);
	parses("65535,1", "65535,1", 2);
	parses("00025", "25", 1);
	assert_int_equal(portset_parse(&ps, "25,587,12525-12529", err, sizeof err), 0);
	assert_true(portset_has(&ps, 25));
	assert_true(portset_has(&ps, 12525));
	assert_true(portset_has(&ps, 12527));
	assert_true(portset_has(&ps, 12529));
	assert_false(portset_has(&ps, 12524));
	assert_false(portset_has(&ps, 12530));
	assert_false(portset_has(&ps, 465));
	assert_false(ps.any);
	portset_default(&ps);
	assert_int_equal(ps.n, 3);
	assert_true(portset_has(&ps, 465) && portset_has(&ps, 587) && portset_has(&ps, 25));
	/* 32 items fit */
	{
		char big[512] = "";
		size_t used = 0;

		for (int i = 1; i <= 32; i++)
			used += (size_t)snprintf(big + used, sizeof big - used, "%s%d", i > 1 ? "," : "",
			    i * 10);
		assert_int_equal(portset_parse(&ps, big, err, sizeof err), 0);
		assert_int_equal(ps.n, 32);
	}
}

static void
test_any(void **state)
{
	struct portset ps;
	char err[256];
	(void)state;

	parses("any", "any", 65535);
	parses("ANY", "any", 65535);
	parses(" Any ", "any", 65535);
	assert_int_equal(portset_parse(&ps, "any", err, sizeof err), 0);
	assert_true(ps.any);
	assert_true(portset_has(&ps, 1) && portset_has(&ps, 8080) && portset_has(&ps, 65535));
	assert_false(portset_has(&ps, 0));
	refused("any,25", "\"25\": \"any\" stands alone: it cannot be combined with ports");
	refused("25,any", "\"any\" stands alone: it cannot be combined with ports");
	refused("any any", "\"any\" stands alone: it cannot be combined with ports");
	/* portset_add() adds to what is there, the same rules */
	assert_int_equal(portset_parse(&ps, "25", err, sizeof err), 0);
	assert_int_equal(portset_add(&ps, "any", err, sizeof err), -1);
	assert_int_equal(portset_add(&ps, "26-30", err, sizeof err), 0);
	assert_int_equal(ps.n, 2);
}

static void
test_errors(void **state)
{
	char big[512] = "";
	size_t used = 0;
	(void)state;

	refused("", "an empty list: give ports (25,587,12525-12529) or any");
	refused(" , ,", "an empty list: give ports (25,587,12525-12529) or any");
	refused("0", "\"0\" is not a port (1-65535)");
	refused("65536", "\"65536\" is not a port (1-65535)");
	refused("99999999999999999999", "\"99999999999999999999\" is not a port (1-65535)");
	refused("0-10", "\"0-10\": both ends of a range are ports (1-65535)");
	refused("10-70000", "\"10-70000\": both ends of a range are ports (1-65535)");
	refused("12529-12525", "\"12529-12525\": the range is reversed (write 12525-12529)");
	refused("smtp", "\"smtp\" is not a port, a range LOW-HIGH or any");
	refused("25x", "\"25x\" is not a port, a range LOW-HIGH or any");
	refused("-25", "\"-25\" is not a port, a range LOW-HIGH or any");
	refused("25-", "\"25-\" is not a port, a range LOW-HIGH or any");
	refused("1-2-3", "\"1-2-3\" is not a port, a range LOW-HIGH or any");
	refused("+25", "\"+25\" is not a port, a range LOW-HIGH or any");
	refused("25;587", "\"25;587\" is not a port, a range LOW-HIGH or any");
	refused("2\x01" "5", "\"2?5\" is not a port, a range LOW-HIGH or any");
	refused("1234567890123456789012345678901234567890",
	    "\"123456789012345678901234...\" is not a port, a range LOW-HIGH or any");
	refused("25,25", "port 25 given twice");
	refused("20-30,25", "\"25\" overlaps 20-30");
	refused("25,20-30", "\"20-30\" overlaps port 25");
	refused("20-30,30-40", "\"30-40\" overlaps 20-30");
	for (int i = 1; i <= 33; i++)
		used += (size_t)snprintf(big + used, sizeof big - used, "%s%d", i > 1 ? "," : "", i);
	refused(big, "more than 32 ports and ranges");
}

static void
test_format_small(void **state)
{
	struct portset ps;
	char err[64], out[8];
	(void)state;

	assert_int_equal(portset_parse(&ps, "25,587,12525-12529", err, sizeof err), 0);
	assert_int_equal(portset_format(&ps, out, sizeof out), strlen("25,587,12525-12529"));
	assert_true(strlen(out) < sizeof out);
}

/* ---- smtpsniff ---- */

#define V(f, s) f((const uint8_t *)(s), sizeof(s) - 1)

static void
test_sniff_tests(void **state)
{
	(void)state;
	assert_int_equal(V(smtpsniff_greeting, "220 mx.example ESMTP\r\n"), SMTPSNIFF_YES);
	assert_int_equal(V(smtpsniff_greeting, "220-mx.example"), SMTPSNIFF_YES);
	assert_int_equal(V(smtpsniff_greeting, "220\r\n"), SMTPSNIFF_YES);
	assert_int_equal(V(smtpsniff_greeting, "220 "), SMTPSNIFF_YES);
	assert_int_equal(V(smtpsniff_greeting, "220"), SMTPSNIFF_MORE);
	assert_int_equal(V(smtpsniff_greeting, "2"), SMTPSNIFF_MORE);
	assert_int_equal(V(smtpsniff_greeting, ""), SMTPSNIFF_MORE);
	assert_int_equal(V(smtpsniff_greeting, "2201"), SMTPSNIFF_NO);
	assert_int_equal(V(smtpsniff_greeting, "554 go away\r\n"), SMTPSNIFF_NO);
	assert_int_equal(V(smtpsniff_greeting, "HTTP/1.1 200 OK\r\n"), SMTPSNIFF_NO);
	assert_int_equal(V(smtpsniff_greeting, "SSH-2.0-OpenSSH_9.2\r\n"), SMTPSNIFF_NO);
	assert_int_equal(V(smtpsniff_greeting, "\x16\x03\x03\x00\x7a"), SMTPSNIFF_NO);
	assert_int_equal(V(smtpsniff_greeting, " 220 "), SMTPSNIFF_NO);

	assert_int_equal(V(smtpsniff_hello, "EHLO client.example\r\n"), SMTPSNIFF_YES);
	assert_int_equal(V(smtpsniff_hello, "helo x\r\n"), SMTPSNIFF_YES);
	assert_int_equal(V(smtpsniff_hello, "eHlO\tx"), SMTPSNIFF_YES);
	assert_int_equal(V(smtpsniff_hello, "HELO\r\n"), SMTPSNIFF_YES);
	assert_int_equal(V(smtpsniff_hello, "EHLO"), SMTPSNIFF_MORE);
	assert_int_equal(V(smtpsniff_hello, "eh"), SMTPSNIFF_MORE);
	assert_int_equal(V(smtpsniff_hello, "EHLOX"), SMTPSNIFF_NO);
	assert_int_equal(V(smtpsniff_hello, "HHLO "), SMTPSNIFF_NO);
	assert_int_equal(V(smtpsniff_hello, "GET / HTTP/1.1\r\n"), SMTPSNIFF_NO);
	assert_int_equal(V(smtpsniff_hello, "QUIT\r\n"), SMTPSNIFF_NO);
	assert_int_equal(V(smtpsniff_hello, "USER anonymous\r\n"), SMTPSNIFF_NO);
	assert_int_equal(V(smtpsniff_hello, "\x16\x03\x01\x02\x00"), SMTPSNIFF_NO);
}

#define D(s, dir, t) smtpsniff_data((s), (dir), (const uint8_t *)(t), sizeof(t) - 1)
#define C2S SMTPSNIFF_C2S
#define S2C SMTPSNIFF_S2C

static void
take_is(struct smtpsniff *s, int dir, const char *want, uint32_t want_lost)
{
	const uint8_t *p;
	uint32_t lost;
	size_t n = smtpsniff_take(s, dir, &p, &lost);

	assert_int_equal(n, strlen(want));
	assert_memory_equal(p, want, n);
	assert_int_equal(lost, want_lost);
}

static void
test_sniff_flows(void **state)
{
	struct smtpsniff s;
	(void)state;

	/* the usual session: greeting, then EHLO */
	smtpsniff_init(&s);
	assert_int_equal(D(&s, S2C, "220 mx ESMTP\r\n"), SMTPSNIFF_FEED);
	take_is(&s, S2C, "", 0);
	assert_int_equal(s.state, SMTPSNIFF_GREETED);
	assert_int_equal(D(&s, S2C, "more"), SMTPSNIFF_FEED);
	assert_int_equal(D(&s, C2S, "EHLO c\r\n"), SMTPSNIFF_FEED);
	assert_int_equal(s.state, SMTPSNIFF_SMTP);
	assert_true(smtpsniff_end(&s));

	/* byte by byte: kept, then handed back in order */
	smtpsniff_init(&s);
	assert_int_equal(D(&s, S2C, "2"), SMTPSNIFF_HOLD);
	assert_int_equal(D(&s, S2C, "2"), SMTPSNIFF_HOLD);
	assert_int_equal(D(&s, S2C, "0"), SMTPSNIFF_HOLD);
	assert_int_equal(D(&s, S2C, "-x"), SMTPSNIFF_FEED);
	take_is(&s, S2C, "220", 0);
	take_is(&s, S2C, "", 0);
	assert_int_equal(D(&s, C2S, "EH"), SMTPSNIFF_HOLD);
	assert_int_equal(D(&s, C2S, "lo x\r\n"), SMTPSNIFF_FEED);
	take_is(&s, C2S, "EH", 0);
	assert_int_equal(s.state, SMTPSNIFF_SMTP);

	/* greeted, then an FTP client: not SMTP */
	smtpsniff_init(&s);
	assert_int_equal(D(&s, S2C, "220 ProFTPD ready\r\n"), SMTPSNIFF_FEED);
	assert_int_equal(D(&s, C2S, "USER anonymous\r\n"), SMTPSNIFF_DROP);
	assert_int_equal(s.state, SMTPSNIFF_NOT_SMTP);
	assert_int_equal(D(&s, C2S, "EHLO x\r\n"), SMTPSNIFF_DROP);     /* final */
	assert_false(smtpsniff_end(&s));

	/* HTTP: the client speaks first, not EHLO */
	smtpsniff_init(&s);
	assert_int_equal(D(&s, C2S, "GET / HTTP/1.1\r\n"), SMTPSNIFF_DROP);
	assert_int_equal(D(&s, S2C, "220 "), SMTPSNIFF_DROP);
	/* a server speaking first with something else */
	smtpsniff_init(&s);
	assert_int_equal(D(&s, S2C, "SSH-2.0-x\r\n"), SMTPSNIFF_DROP);
	/* nothing said: undecided, not SMTP at the end */
	smtpsniff_init(&s);
	assert_int_equal(D(&s, C2S, "EHL"), SMTPSNIFF_HOLD);
	assert_false(smtpsniff_end(&s));
	/* greeted, the client silent: SMTP at the end */
	smtpsniff_init(&s);
	assert_int_equal(D(&s, S2C, "220 x\r\n"), SMTPSNIFF_FEED);
	assert_true(smtpsniff_end(&s));

	/* EHLO first (the greeting missed): SMTP; the server is not judged */
	smtpsniff_init(&s);
	assert_int_equal(D(&s, S2C, "22"), SMTPSNIFF_HOLD);
	assert_int_equal(D(&s, C2S, "ehlo c\r\n"), SMTPSNIFF_FEED);
	assert_int_equal(s.state, SMTPSNIFF_SMTP);
	assert_int_equal(D(&s, S2C, "0-mx\r\n"), SMTPSNIFF_FEED);
	take_is(&s, S2C, "22", 0);

	/* the server's start lost: the client decides, the loss is passed on */
	smtpsniff_init(&s);
	assert_int_equal(smtpsniff_gap(&s, S2C, 100), SMTPSNIFF_HOLD);
	assert_int_equal(D(&s, S2C, "xyz"), SMTPSNIFF_HOLD);             /* discarded */
	assert_int_equal(D(&s, C2S, "HELO c\r\n"), SMTPSNIFF_FEED);
	assert_int_equal(D(&s, S2C, "250 ok\r\n"), SMTPSNIFF_FEED);
	take_is(&s, S2C, "", 103);
	/* the client's start lost after a greeting: SMTP */
	smtpsniff_init(&s);
	assert_int_equal(D(&s, S2C, "220 x\r\n"), SMTPSNIFF_FEED);
	assert_int_equal(smtpsniff_gap(&s, C2S, 7), SMTPSNIFF_HOLD);
	assert_int_equal(s.state, SMTPSNIFF_SMTP);
	assert_int_equal(D(&s, C2S, "MAIL FROM:<>\r\n"), SMTPSNIFF_FEED);
	take_is(&s, C2S, "", 7);
	/* the client's start lost, then the server greets: SMTP */
	smtpsniff_init(&s);
	assert_int_equal(smtpsniff_gap(&s, C2S, 7), SMTPSNIFF_HOLD);
	assert_int_equal(D(&s, S2C, "220 x\r\n"), SMTPSNIFF_FEED);
	assert_int_equal(s.state, SMTPSNIFF_SMTP);
	/* both lost: not SMTP */
	smtpsniff_init(&s);
	assert_int_equal(smtpsniff_gap(&s, C2S, 7), SMTPSNIFF_HOLD);
	assert_int_equal(smtpsniff_gap(&s, S2C, 7), SMTPSNIFF_DROP);
	/* SMTP already, a gap in a direction still keeping: kept bytes, then the gap */
	smtpsniff_init(&s);
	assert_int_equal(D(&s, S2C, "22"), SMTPSNIFF_HOLD);
	assert_int_equal(D(&s, C2S, "EHLO c\r\n"), SMTPSNIFF_FEED);
	assert_int_equal(smtpsniff_gap(&s, S2C, 9), SMTPSNIFF_FEED);
	take_is(&s, S2C, "22", 0);
	/* a gap after a direction was judged is passed on */
	assert_int_equal(smtpsniff_gap(&s, C2S, 3), SMTPSNIFF_FEED);
	take_is(&s, C2S, "", 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ports_and_ranges),
		cmocka_unit_test(test_any),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_format_small),
		cmocka_unit_test(test_sniff_tests),
		cmocka_unit_test(test_sniff_flows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
