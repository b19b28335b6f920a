/* Unit tests for agent/json: commas, nesting, escaping of any server text. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"

static char *
render(void (*fn)(struct json *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	json_init(&j, f);
	fn(&j);
	fclose(f);
	return buf;
}

static void
doc1(struct json *j)
{
	json_obj_begin(j);
	json_kstr(j, "a", "x");
	json_kint(j, "b", -3);
	json_key(j, "c");
	json_arr_begin(j);
	json_str(j, "p");
	json_uint(j, 7);
	json_obj_begin(j);
	json_obj_end(j);
	json_arr_end(j);
	json_kbool(j, "d", true);
	json_knull(j, "e");
	json_kstr(j, "f", NULL);
	json_obj_end(j);
}

static void
test_structure(void **state)
{
	char *s = render(doc1);
	(void)state;
	assert_string_equal(s, "{\"a\":\"x\",\"b\":-3,\"c\":[\"p\",7,{}],\"d\":true,\"e\":null,\"f\":null}");
	free(s);
}

static void
doc2(struct json *j)
{
	static const char s[] = "q\"\\\n\r\t\x01\x7f" "\xc3\xa9" "\xff" "\xe2\x82" "z";
	json_strn(j, s, sizeof s - 1);
}

static void
test_escaping(void **state)
{
	char *s = render(doc2);
	(void)state;
	assert_string_equal(s,
	    "\"q\\\"\\\\\\n\\r\\t\\u0001\\u007f\xc3\xa9\\ufffd\\ufffd\\ufffdz\"");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_escaping),
	};
	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
