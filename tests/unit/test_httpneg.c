/* Unit tests for agent/output/httpneg: the Accept headers real clients send
 * (Prometheus 2.42, curl, Chromium, Firefox) and the edge cases of RFC 9110
 * content negotiation: q-values, wildcards and their specificity, a version
 * parameter that must match, malformed and oversized headers. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "httpneg.h"

static const struct httpneg_offer metrics[] = {
	{ "text/plain", "0.0.4" },
	{ "application/openmetrics-text", "1.0.0" },
};
static const struct httpneg_offer page[] = { { "text/html", NULL } };

static int
choose(const char *accept)
{
	return httpneg_choose(accept, metrics, 2);
}

static void
test_real_clients(void **state)
{
	(void)state;
	/* Prometheus 2.42's scrape header */
	assert_int_equal(choose("application/openmetrics-text;version=1.0.0,"
	    "application/openmetrics-text;version=0.0.1;q=0.75,"
	    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"), 1);
	/* ... with OpenMetrics turned off (scrape_protocols / older servers) */
	assert_int_equal(choose("text/plain;version=0.0.4;q=1,*/*;q=0.1"), 0);
	assert_int_equal(choose("*/*"), 0);                 /* curl: the first offer */
	assert_int_equal(choose(NULL), 0);                  /* no header */
	assert_int_equal(choose(""), 0);
	/* Chromium and Firefox on the status page */
	assert_int_equal(httpneg_choose("text/html,application/xhtml+xml,application/xml;q=0.9,"
	    "image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
	    page, 1), 0);
	assert_int_equal(httpneg_choose("text/html,application/xhtml+xml,application/xml;q=0.9,"
	    "*/*;q=0.8", page, 1), 0);
}

static void
test_weights_and_wildcards(void **state)
{
	(void)state;
	assert_int_equal(choose("text/*;q=0.5, application/openmetrics-text;q=0.9"), 1);
	assert_int_equal(choose("text/*;q=0.9, application/*;q=0.5"), 0);
	/* the most specific element decides: text/plain q=0 beats * / * */
	assert_int_equal(choose("text/plain;q=0, */*"), 1);
	assert_int_equal(choose("application/openmetrics-text;q=0, */*;q=0.2"), 0);
	assert_int_equal(choose("application/json"), -1);   /* nothing acceptable */
	assert_int_equal(choose("*/*;q=0"), -1);
	assert_int_equal(choose("TEXT/Plain"), 0);          /* letter case of the type */
	assert_int_equal(choose("  application/openmetrics-text ; Q=1 ,text/plain;q=0.3"), 1);
	assert_int_equal(choose("application/openmetrics-text;q=\"0.4\",text/plain;q=0.3"), 1);
	/* a tie goes to the first offer */
	assert_int_equal(choose("application/openmetrics-text, text/plain"), 0);
}

static void
test_version_parameter(void **state)
{
	(void)state;
	/* an OpenMetrics version we do not write is not ours to send */
	assert_int_equal(choose("application/openmetrics-text;version=0.0.1"), -1);
	assert_int_equal(choose("application/openmetrics-text;version=0.0.1,text/plain;q=0.1"), 0);
	assert_int_equal(choose("application/openmetrics-text; version=\"1.0.0\""), 1);
	assert_int_equal(choose("text/plain;version=0.0.5"), -1);
	/* an offer with no version takes no versioned element */
	assert_int_equal(httpneg_choose("text/html;version=5", page, 1), -1);
	assert_int_equal(httpneg_choose("text/html;level=1", page, 1), 0);
}

static void
test_malformed(void **state)
{
	(void)state;
	/* a malformed q counts as 0 */
	assert_int_equal(choose("text/plain;q=2, application/openmetrics-text;q=0.1"), 1);
	assert_int_equal(choose("text/plain;q=0.12345, application/openmetrics-text;q=0.1"), 1);
	assert_int_equal(choose("text/plain;q=x"), -1);
	assert_int_equal(choose("text/plain;q=1.000"), 0);
	/* elements without a slash are ignored */
	assert_int_equal(choose(",,;;,garbage,=,;q=1"), -1);
	assert_int_equal(choose("text/plain;;;=;q"), 0);
	assert_int_equal(httpneg_choose("*/*", metrics, 0), -1);
}

static void
test_limits(void **state)
{
	char big[HTTPNEG_MAX_BYTES * 2];
	size_t off = 0;

	(void)state;
	/* the 33rd element is not read */
	for (int i = 0; i < HTTPNEG_MAX_ELEMS; i++)
		off += (size_t)snprintf(big + off, sizeof big - off, "image/x%d,", i);
	snprintf(big + off, sizeof big - off, "text/plain");
	assert_int_equal(choose(big), -1);
	/* nor anything past HTTPNEG_MAX_BYTES */
	memset(big, ' ', sizeof big);
	memcpy(big + HTTPNEG_MAX_BYTES, "text/plain", 10);
	big[HTTPNEG_MAX_BYTES + 10] = '\0';
	assert_int_equal(choose(big), -1);
	memcpy(big + HTTPNEG_MAX_BYTES - 11, ",text/plain", 11);
	assert_int_equal(choose(big), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_clients),
		cmocka_unit_test(test_weights_and_wildcards),
		cmocka_unit_test(test_version_parameter),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests_name("httpneg", tests, NULL, NULL);
}
