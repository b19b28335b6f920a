/* Unit tests for probes/appltype, the one table of server types and
 * security methods: names and appldata letters, their way back, and no text
 * for unknown or out-of-range values. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "appltype.h"

static void
test_types(void **state)
{
	(void)state;
	assert_string_equal(appl_type_name(APPL_TYPE_ESMTP), "ESMTP");
	assert_string_equal(appl_type_name(APPL_TYPE_SMTP), "SMTP");
	assert_null(appl_type_name(APPL_TYPE_UNKNOWN));
	assert_null(appl_type_name((enum appl_server_type)77));
	assert_string_equal(appl_type_code(APPL_TYPE_ESMTP), "E");
	assert_string_equal(appl_type_code(APPL_TYPE_SMTP), "S");
	assert_null(appl_type_code(APPL_TYPE_UNKNOWN));
	assert_int_equal(appl_type_of_code('E'), APPL_TYPE_ESMTP);
	assert_int_equal(appl_type_of_code('S'), APPL_TYPE_SMTP);
	assert_int_equal(appl_type_of_code(' '), APPL_TYPE_UNKNOWN);
	assert_int_equal(appl_type_of_code('e'), APPL_TYPE_UNKNOWN);
	assert_int_equal(appl_type_of_code('\0'), APPL_TYPE_UNKNOWN);
}

static void
test_security(void **state)
{
	(void)state;
	assert_string_equal(appl_security_name(APPL_SEC_TLS), "TLS");
	assert_string_equal(appl_security_name(APPL_SEC_BASIC), "basic");
	assert_null(appl_security_name(APPL_SEC_UNKNOWN));
	assert_null(appl_security_name((enum appl_security)-1));
	assert_string_equal(appl_security_code(APPL_SEC_TLS), "T");
	assert_string_equal(appl_security_code(APPL_SEC_BASIC), "B");
	assert_null(appl_security_code(APPL_SEC_UNKNOWN));
	assert_int_equal(appl_security_of_code('T'), APPL_SEC_TLS);
	assert_int_equal(appl_security_of_code('B'), APPL_SEC_BASIC);
	assert_int_equal(appl_security_of_code(' '), APPL_SEC_UNKNOWN);
	assert_int_equal(appl_security_of_code('\0'), APPL_SEC_UNKNOWN);
}

/* Every letter goes back to its value, and the appldata record carries the
 * same letters (bytes 19 and 20). */
static void
test_round_trip_and_record(void **state)
{
	static const enum appl_server_type ty[] = { APPL_TYPE_UNKNOWN, APPL_TYPE_SMTP,
	    APPL_TYPE_ESMTP };
	static const enum appl_security sec[] = { APPL_SEC_UNKNOWN, APPL_SEC_BASIC, APPL_SEC_TLS };
	char rec[APPLDATA_LEN + 1];

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		for (size_t k = 0; k < 3; k++) {
			struct appldata_fields f = {
				.component = APPLDATA_MONITOR, .writer = "SMTPMON",
				.type = ty[i], .security = sec[k], .tls_version = 0, .cipher_id = -1,
			};
			const char *tc = appl_type_code(ty[i]), *sc = appl_security_code(sec[k]);

			appldata_format(&f, rec);
			assert_int_equal(rec[18], tc != NULL ? tc[0] : ' ');
			assert_int_equal(rec[19], sc != NULL ? sc[0] : ' ');
			assert_int_equal(appl_type_of_code(rec[18]), ty[i]);
			assert_int_equal(appl_security_of_code(rec[19]), sec[k]);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_security),
		cmocka_unit_test(test_round_trip_and_record),
	};
	return cmocka_run_group_tests_name("appltype", tests, NULL, NULL);
}
