/* Unit tests for probes/safetext: the hostile replies of issue 14 made
 * harmless (a forged log line after CR LF, ESC sequences, perfdata after
 * '|', 8-bit octets), DisplayString line breaks, bounds and truncation. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "safetext.h"

static void
test_hostile(void **state)
{
	char out[256];

	(void)state;
	/* a multi-line reply that forges a log record of its own */
	safe_str("421-bye\r\nsmtpmond: error: SMD1850W TLS downgrade: event=x\r\n421 ok", out,
	    sizeof out, 0);
	assert_string_equal(out, "421-bye smtpmond: error: SMD1850W TLS downgrade: event=x 421 ok");
	assert_null(strchr(out, '\n'));
	/* a terminal escape, DEL, NUL-free 8-bit text */
	safe_str("554 \x1b[2J\x1b]0;owned\x07 caf\xc3\xa9\x7f", out, sizeof out, 0);
	assert_string_equal(out, "554 ?[2J?]0;owned? caf???");
	/* perfdata injected into a monitoring-plugin line */
	safe_str("554 denied | fake=1;;;;", out, sizeof out, SAFE_PLUGIN);
	assert_string_equal(out, "554 denied ! fake=1;;;;");
	safe_str("554 denied | fake=1", out, sizeof out, 0);
	assert_string_equal(out, "554 denied | fake=1");
	/* TAB and a lone CR are blanks */
	safe_str("a\tb\rc", out, sizeof out, 0);
	assert_string_equal(out, "a b c");
	safe_str(NULL, out, sizeof out, 0);
	assert_string_equal(out, "");
}

static void
test_lines(void **state)
{
	char out[256];

	(void)state;
	/* a DisplayString keeps line breaks as CR LF, whatever the input had */
	safe_str("250-a\n250-b\r\n250 c", out, sizeof out, SAFE_LINES);
	assert_string_equal(out, "250-a\r\n250-b\r\n250 c");
	/* never half a CR LF at the end */
	assert_int_equal(safe_str("ab\ncd", out, 4, SAFE_LINES), 2);
	assert_string_equal(out, "ab");
}

static void
test_bounds(void **state)
{
	char out[8], big[300];

	(void)state;
	memset(big, 'x', sizeof big);
	assert_int_equal(safe_text(big, sizeof big, out, sizeof out, 0), 7);
	assert_string_equal(out, "xxxxxxx");
	/* inlen is obeyed without a NUL */
	assert_int_equal(safe_text("abcdef", 3, out, sizeof out, 0), 3);
	assert_string_equal(out, "abc");
	assert_int_equal(safe_text("abc", 3, out, 1, 0), 0);
	assert_string_equal(out, "");
	/* a NUL ends the text */
	assert_int_equal(safe_text("ab\0cd", 5, out, sizeof out, 0), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
