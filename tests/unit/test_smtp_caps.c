/* Unit tests for probes/smtp_caps: keywords in any case and position, AUTH
 * in both forms, SIZE, unknown keywords kept once, bounds. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "smtp_caps.h"

static void
parse(const char *reply, struct smtp_caps *c)
{
	smtp_caps_init(c);
	smtp_caps_parse(c, reply, strlen(reply));
}

static void
test_postfix(void **state)
{
	struct smtp_caps c;
	char names[512];
	(void)state;

	parse("250-mail.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n"
	      "250-ETRN\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n"
	      "250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n", &c);
	assert_string_equal(c.domain, "mail.example.org");
	assert_true(c.caps & SMTP_CAP_STARTTLS);
	assert_true(c.caps & SMTP_CAP_PIPELINING);
	assert_true(c.caps & SMTP_CAP_CHUNKING);
	assert_true(c.caps & SMTP_CAP_SMTPUTF8);
	assert_true(c.caps & SMTP_CAP_DSN);
	assert_true(c.caps & SMTP_CAP_8BITMIME);
	assert_true(c.caps & SMTP_CAP_ENHANCEDSTATUSCODES);
	assert_false(c.caps & SMTP_CAP_REQUIRETLS);
	assert_false(c.caps & SMTP_CAP_AUTH);
	assert_int_equal(c.size, 10240000);
	assert_int_equal(c.nlines, 11);
	smtp_caps_names(&c, names, sizeof names);
	assert_string_equal(names,
	    "STARTTLS PIPELINING SIZE 8BITMIME SMTPUTF8 CHUNKING DSN ENHANCEDSTATUSCODES ETRN VRFY");
}

static void
test_starttls_last_and_lowercase(void **state)
{
	struct smtp_caps c;
	(void)state;

	parse("250-x\r\n250-PIPELINING\r\n250 STARTTLS\r\n", &c);
	assert_true(c.caps & SMTP_CAP_STARTTLS);
	parse("250-x\r\n250 starttls\r\n", &c);
	assert_true(c.caps & SMTP_CAP_STARTTLS);
	parse("250-x\r\n250-StartTls\r\n250 8bitmime\r\n", &c);
	assert_true(c.caps & SMTP_CAP_STARTTLS);
	assert_true(c.caps & SMTP_CAP_8BITMIME);
	/* the greeting line is not a capability */
	parse("250 STARTTLS\r\n", &c);
	assert_false(c.caps & SMTP_CAP_STARTTLS);
	/* a stripped keyword is not STARTTLS */
	parse("250-x\r\n250 XXXXXXXA\r\n", &c);
	assert_false(c.caps & SMTP_CAP_STARTTLS);
	assert_string_equal(c.unknown, "XXXXXXXA");
	/* not a prefix match */
	parse("250-x\r\n250 STARTTLSX\r\n", &c);
	assert_false(c.caps & SMTP_CAP_STARTTLS);
}

static void
test_auth_forms(void **state)
{
	struct smtp_caps c;
	char names[256];
	(void)state;

	parse("250-x\r\n250-AUTH PLAIN LOGIN CRAM-MD5\r\n250-AUTH=login plain\r\n250 OK\r\n", &c);
	assert_true(c.caps & SMTP_CAP_AUTH);
	assert_int_equal(c.auth, SMTP_AUTH_PLAIN | SMTP_AUTH_LOGIN | SMTP_AUTH_CRAM_MD5);
	smtp_caps_auth_names(&c, names, sizeof names);
	assert_string_equal(names, "PLAIN LOGIN CRAM-MD5");

	parse("250-x\r\n250 AUTH=LOGIN\r\n", &c);
	assert_int_equal(c.auth, SMTP_AUTH_LOGIN);

	parse("250-x\r\n250 auth  gssapi   x-custom Scram-Sha-256 x-CUSTOM\r\n", &c);
	assert_int_equal(c.auth, SMTP_AUTH_GSSAPI | SMTP_AUTH_SCRAM_SHA_256);
	assert_string_equal(c.auth_other, "X-CUSTOM");
	smtp_caps_auth_names(&c, names, sizeof names);
	assert_string_equal(names, "GSSAPI SCRAM-SHA-256 X-CUSTOM");

	parse("250-x\r\n250 AUTH\r\n", &c);
	assert_true(c.caps & SMTP_CAP_AUTH);
	assert_int_equal(c.auth, 0);
}

static void
test_size(void **state)
{
	struct smtp_caps c;
	(void)state;
	parse("250-x\r\n250 SIZE\r\n", &c);
	assert_true(c.caps & SMTP_CAP_SIZE);
	assert_int_equal(c.size, 0);
	parse("250-x\r\n250 SIZE 99999999999999999999999\r\n", &c);
	assert_true(c.size == UINT64_MAX);
	parse("250-x\r\n250 size 35882577\r\n", &c);
	assert_int_equal(c.size, 35882577);
}

static void
test_unknown_kept_once(void **state)
{
	struct smtp_caps c;
	char names[512];
	(void)state;
	parse("250-x\r\n250-XCLIENT NAME ADDR\r\n250-x-foo\r\n250-XCLIENT\r\n250-REQUIRETLS\r\n"
	      "250 X-FOO bar\r\n", &c);
	assert_string_equal(c.unknown, "XCLIENT X-FOO");
	assert_true(c.caps & SMTP_CAP_REQUIRETLS);
	smtp_caps_names(&c, names, sizeof names);
	assert_string_equal(names, "REQUIRETLS XCLIENT X-FOO");
	assert_false(c.truncated);
}

static void
test_bounds(void **state)
{
	struct smtp_caps c;
	char buf[8192], small[8];
	size_t n = 0;
	int i;
	(void)state;

	n += (size_t)sprintf(buf + n, "250-a-very-long-domain-name-that-exceeds-the-domain-buffer-of-"
	    "sixty-four-bytes.example.org\r\n");
	for (i = 0; i < 100; i++)
		n += (size_t)sprintf(buf + n, "250-XKEYWORD%d\r\n", i);
	n += (size_t)sprintf(buf + n, "250-X%0100d\r\n", 1);
	n += (size_t)sprintf(buf + n, "250 STARTTLS\r\n");
	smtp_caps_init(&c);
	smtp_caps_parse(&c, buf, n);
	assert_true(c.truncated);
	assert_true(c.caps & SMTP_CAP_STARTTLS);
	assert_int_equal(strlen(c.domain), sizeof c.domain - 1);
	assert_true(strlen(c.unknown) < sizeof c.unknown);
	/* names output truncates like snprintf and reports the full length */
	assert_true(smtp_caps_names(&c, small, sizeof small) > sizeof small);
	assert_int_equal(strlen(small), sizeof small - 1);
}

static void
test_control_bytes_sanitised(void **state)
{
	struct smtp_caps c;
	(void)state;
	parse("250-x\r\n250 X\x01\x7f\xff" "Y\r\n", &c);
	assert_string_equal(c.unknown, "X???Y");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_postfix),
		cmocka_unit_test(test_starttls_last_and_lowercase),
		cmocka_unit_test(test_auth_forms),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_unknown_kept_once),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_control_bytes_sanitised),
	};
	return cmocka_run_group_tests_name("smtp_caps", tests, NULL, NULL);
}
