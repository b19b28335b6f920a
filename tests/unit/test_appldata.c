/* Unit tests for probes/appldata: golden 40-byte records for every field
 * value, the IANA id -> 2/4-digit cipher mapping, writer name rules, and the
 * record built from a probe result. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "appldata.h"
#include "smtp_session.h"

static void
rec(const char *writer, enum appl_server_type t, enum appl_security s, int v, int cipher, char *out)
{
	struct appldata_fields f = { APPLDATA_MONITOR, writer, t, s, v, cipher };
	appldata_format(&f, out);
	assert_int_equal(strlen(out), APPLDATA_LEN);
}

static void
test_seed_example(void **state)
{
	char out[APPLDATA_LEN + 1];
	struct appldata_fields f = { APPLDATA_TRANSACTION, "XYZ", APPL_TYPE_ESMTP, APPL_SEC_TLS,
		0x0301, 0x01 };
	(void)state;
	/* z/OS documentation, Table 1 and Table 2 examples */
	appldata_format(&f, out);
	assert_string_equal(out, "EZASMTPC XYZ      ETT101 0001           ");
	rec("XYZ", APPL_TYPE_ESMTP, APPL_SEC_TLS, 0x0301, 0x01, out);
	assert_string_equal(out, "EZASMTPM XYZ      ETT101 0001           ");
}

static void
test_levels(void **state)
{
	static const struct { int v; const char *rec; } cases[] = {
		{ 0x0002, "EZASMTPM SMTPMON  ETS2" },
		{ 0x0300, "EZASMTPM SMTPMON  ETS3" },
		{ 0x0301, "EZASMTPM SMTPMON  ETT1" },
		{ 0x0302, "EZASMTPM SMTPMON  ET11" },
		{ 0x0303, "EZASMTPM SMTPMON  ET12" },
		{ 0x0304, "EZASMTPM SMTPMON  ET13" },
		{ 0, "EZASMTPM SMTPMON  ET  " },
		{ 0x7f1c, "EZASMTPM SMTPMON  ET  " },
	};
	char out[APPLDATA_LEN + 1];
	size_t i;
	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rec("SMTPMON", APPL_TYPE_ESMTP, APPL_SEC_TLS, cases[i].v, -1, out);
		assert_memory_equal(out, cases[i].rec, 22);
		assert_memory_equal(out + 22, "                  ", 18);
	}
}

static void
test_types_and_methods(void **state)
{
	char out[APPLDATA_LEN + 1];
	(void)state;
	rec("W", APPL_TYPE_SMTP, APPL_SEC_BASIC, 0, -1, out);
	assert_string_equal(out, "EZASMTPM W        SB                    ");
	rec("W", APPL_TYPE_ESMTP, APPL_SEC_BASIC, 0, -1, out);
	assert_string_equal(out, "EZASMTPM W        EB                    ");
	rec("W", APPL_TYPE_UNKNOWN, APPL_SEC_UNKNOWN, 0, -1, out);
	assert_string_equal(out, "EZASMTPM W                              ");
	rec("ABCDEFGH", APPL_TYPE_ESMTP, APPL_SEC_TLS, 0x0304, 0x1302, out);
	assert_string_equal(out, "EZASMTPM ABCDEFGH ET134X 1302           ");
	rec("$#@", APPL_TYPE_ESMTP, APPL_SEC_TLS, 0x0303, 0xC02F, out);
	assert_string_equal(out, "EZASMTPM $#@      ET124X C02F           ");
}

static void
test_cipher_mapping(void **state)
{
	static const struct { int id; const char *two, *four; } cases[] = {
		{ 0x0000, "00", "0000" }, { 0x0001, "01", "0001" }, { 0x000A, "0A", "000A" },
		{ 0x002F, "2F", "002F" }, { 0x0035, "35", "0035" }, { 0x009C, "9C", "009C" },
		{ 0x00FF, "FF", "00FF" }, { 0x0100, "4X", "0100" }, { 0x1301, "4X", "1301" },
		{ 0x1303, "4X", "1303" }, { 0xC030, "4X", "C030" }, { 0xCCA8, "4X", "CCA8" },
		{ 0xFFFF, "4X", "FFFF" }, { -1, "  ", "    " }, { 0x10000, "  ", "    " },
	};
	char out[APPLDATA_LEN + 1];
	size_t i;
	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rec("X", APPL_TYPE_ESMTP, APPL_SEC_TLS, 0x0303, cases[i].id, out);
		assert_memory_equal(out + 22, cases[i].two, 2);
		assert_int_equal(out[24], ' ');
		assert_memory_equal(out + 25, cases[i].four, 4);
		assert_memory_equal(out + 29, "           ", 11);
	}
}

static void
test_writer_names(void **state)
{
	char n[9];
	(void)state;
	assert_true(appldata_writer_norm("smtpmon", n));
	assert_string_equal(n, "SMTPMON");
	assert_true(appldata_writer_norm("A1$#@", n));
	assert_string_equal(n, "A1$#@");
	assert_true(appldata_writer_norm("12345678", n));
	assert_false(appldata_writer_norm("", n));
	assert_false(appldata_writer_norm("123456789", n));
	assert_false(appldata_writer_norm("A-B", n));
	assert_false(appldata_writer_norm("A B", n));
	assert_false(appldata_writer_norm("\xc3\xa9", n));
}

static void
test_from_result(void **state)
{
	struct smtp_result r;
	char out[APPLDATA_LEN + 1];
	(void)state;

	memset(&r, 0, sizeof r);
	r.server_type = APPL_TYPE_ESMTP;
	r.security = APPL_SEC_BASIC;
	r.tls.version = 0x0304; /* ignored: no TLS on this connection */
	r.tls.cipher_id = 0x1301;
	smtp_result_appldata(&r, APPLDATA_MONITOR, "SMTPMON", out);
	assert_string_equal(out, "EZASMTPM SMTPMON  EB                    ");
	r.security = APPL_SEC_TLS;
	r.tls_done = true;
	smtp_result_appldata(&r, APPLDATA_MONITOR, "SMTPMON", out);
	assert_string_equal(out, "EZASMTPM SMTPMON  ET134X 1301           ");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_example),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_types_and_methods),
		cmocka_unit_test(test_cipher_mapping),
		cmocka_unit_test(test_writer_names),
		cmocka_unit_test(test_from_result),
	};
	return cmocka_run_group_tests_name("appldata", tests, NULL, NULL);
}
