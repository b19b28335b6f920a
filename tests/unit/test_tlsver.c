/* Unit tests for probes/tlsver, the one table of TLS versions: the MIB's
 * SmtpmonTlsLevel and appldata levels as mib/SMTPMON-MIB.txt defines them
 * (read from the file, not restated here), unknown versions, and the words
 * a configuration may use. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tlsver.h"

/* The SmtpmonTlsLevel description lists, a line per value,
 *   "tls12(6): TLS 1.2, appldata security level 12."
 * Each such line must agree with the table. */
static void
test_against_mib(void **state)
{
	const char *src = getenv("srcdir");
	char path[1024], line[512];
	FILE *f;
	int seen = 0;

	(void)state;
	snprintf(path, sizeof path, "%s/mib/SMTPMON-MIB.txt", src != NULL ? src : ".");
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof line, f) != NULL) {
		char label[32], proto[8], level[3];
		int mib, major, minor, wire;

		if (sscanf(line, " %31[a-z0-9](%d): %7s %d.%d, appldata security level %2[A-Z0-9].",
		    label, &mib, proto, &major, &minor, level) != 6)
			continue;
		if (strcmp(proto, "SSL") == 0)
			wire = major == 2 ? 0x0002 : 0x0300;
		else
			wire = 0x0301 + minor;
		assert_non_null(tlsver_of(wire));
		assert_int_equal(tlsver_mib(wire), mib);
		assert_string_equal(tlsver_appldata(wire), level);
		seen++;
	}
	fclose(f);
	assert_int_equal(seen, 6);   /* SSL 2.0 and 3.0, TLS 1.0 to 1.3 */
}

static void
test_names_and_unknowns(void **state)
{
	char t[16];

	(void)state;
	assert_string_equal(tlsver_name(0x0300), "SSLv3");
	assert_string_equal(tlsver_name(0x0301), "TLSv1");
	assert_string_equal(tlsver_name(0x0304), "TLSv1.3");
	tlsver_text(0, t);
	assert_string_equal(t, "none");
	tlsver_text(0x0303, t);
	assert_string_equal(t, "TLSv1.2");
	tlsver_text(0x7f1c, t);          /* a TLS 1.3 draft */
	assert_string_equal(t, "0x7f1c");
	tlsver_text(-1, t);
	assert_string_equal(t, "0xffff");
	for (int v = 0; v <= 0xffff; v++) {
		const struct tlsver *e = tlsver_of(v);

		if (e == NULL) {   /* none or unknown: no name, blank level, none(1) */
			assert_null(tlsver_name(v));
			assert_string_equal(tlsver_appldata(v), "  ");
			assert_int_equal(tlsver_mib(v), TLSVER_MIB_NONE);
			continue;
		}
		assert_int_equal(e->wire, v);
		assert_int_equal(strlen(e->appldata), 2);
	}
	assert_null(tlsver_of(0));
	assert_null(tlsver_of(0x0305));
}

static void
test_config_words(void **state)
{
	static const struct { const char *w; int v; } ok[] = {
		{ "T1", 0x0301 }, { "t1", 0x0301 }, { "10", 0x0301 }, { "TLSv1", 0x0301 },
		{ "tlsv1.0", 0x0301 }, { "11", 0x0302 }, { "TLSv1.1", 0x0302 },
		{ "12", 0x0303 }, { "tlsv1.2", 0x0303 }, { "13", 0x0304 }, { "TLSV1.3", 0x0304 },
	};
	static const char *const no[] = { "S3", "SSLv3", "S2", "SSLv2", "14", "1.3", "", " 13" };

	(void)state;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		assert_int_equal(tlsver_parse(ok[i].w), ok[i].v);
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		assert_int_equal(tlsver_parse(no[i]), 0);
	assert_int_equal(tlsver_parse(NULL), 0);
	/* every version a configuration may name parses back from its level */
	for (int v = 0x0301; v <= 0x0304; v++)
		assert_int_equal(tlsver_parse(tlsver_of(v)->config), v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_mib),
		cmocka_unit_test(test_names_and_unknowns),
		cmocka_unit_test(test_config_words),
	};
	return cmocka_run_group_tests_name("tlsver", tests, NULL, NULL);
}
