/* Unit tests for agent/keymap (string key -> pointer, open addressing):
 * an empty map, keys copied, growth to many entries, deletes through
 * tombstones, iteration that visits every entry once (deleting as it
 * goes) in an order fixed by the operations alone. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keymap.h"

#define MANY 10000

static int vals[MANY];

static void
key_of(int i, char *buf, size_t len)
{
	snprintf(buf, len, "192.0.2.%d:%d", i % 256, 25 + i / 256);
}

static void
test_empty(void **state)
{
	struct keymap *km = keymap_new();
	size_t cur = 0;

	(void)state;
	assert_null(keymap_get(km, "192.0.2.1:25"));
	assert_null(keymap_del(km, "192.0.2.1:25"));
	assert_int_equal(keymap_count(km), 0);
	assert_null(keymap_next(km, &cur));
	keymap_free(km);
	keymap_free(NULL);
}

static void
test_put_get_del(void **state)
{
	struct keymap *km = keymap_new();
	char key[64] = "192.0.2.1:25";
	int a, b;

	(void)state;
	keymap_put(km, key, &a);
	strcpy(key, "192.0.2.2:25");          /* the map keeps its own copy */
	keymap_put(km, key, &b);
	assert_ptr_equal(keymap_get(km, "192.0.2.1:25"), &a);
	assert_ptr_equal(keymap_get(km, "192.0.2.2:25"), &b);
	assert_null(keymap_get(km, "192.0.2.3:25"));
	assert_null(keymap_get(km, "192.0.2.1:2"));
	assert_int_equal(keymap_count(km), 2);
	assert_ptr_equal(keymap_del(km, "192.0.2.1:25"), &a);
	assert_null(keymap_del(km, "192.0.2.1:25"));
	assert_null(keymap_get(km, "192.0.2.1:25"));
	assert_ptr_equal(keymap_get(km, "192.0.2.2:25"), &b);
	assert_int_equal(keymap_count(km), 1);
	keymap_put(km, "192.0.2.1:25", &b);    /* back, with another value */
	assert_ptr_equal(keymap_get(km, "192.0.2.1:25"), &b);
	assert_int_equal(keymap_count(km), 2);
	keymap_free(km);
}

static void
test_many(void **state)
{
	struct keymap *km = keymap_new();
	char key[64];

	(void)state;
	for (int i = 0; i < MANY; i++) {
		key_of(i, key, sizeof key);
		keymap_put(km, key, &vals[i]);
	}
	assert_int_equal(keymap_count(km), MANY);
	for (int i = 0; i < MANY; i++) {
		key_of(i, key, sizeof key);
		assert_ptr_equal(keymap_get(km, key), &vals[i]);
	}
	/* every other one goes; the rest are still found past the tombstones */
	for (int i = 0; i < MANY; i += 2) {
		key_of(i, key, sizeof key);
		assert_ptr_equal(keymap_del(km, key), &vals[i]);
	}
	assert_int_equal(keymap_count(km), MANY / 2);
	for (int i = 0; i < MANY; i++) {
		key_of(i, key, sizeof key);
		if (i % 2)
			assert_ptr_equal(keymap_get(km, key), &vals[i]);
		else
			assert_null(keymap_get(km, key));
	}
	keymap_free(km);
}

/* Puts and deletes in turn on a small set: the tombstones they leave make
 * the table grow (rehashing drops them), never lose an entry. */
static void
test_churn(void **state)
{
	struct keymap *km = keymap_new();
	char key[64];

	(void)state;
	for (int round = 0; round < 50; round++) {
		for (int i = 0; i < 100; i++) {
			key_of(round * 100 + i, key, sizeof key);
			keymap_put(km, key, &vals[i]);
		}
		for (int i = 0; i < 100; i++) {
			key_of(round * 100 + i, key, sizeof key);
			assert_ptr_equal(keymap_get(km, key), &vals[i]);
			if (i != 0)
				assert_ptr_equal(keymap_del(km, key), &vals[i]);
		}
		assert_int_equal(keymap_count(km), (size_t)round + 1);
	}
	for (int round = 0; round < 50; round++) {
		key_of(round * 100, key, sizeof key);
		assert_ptr_equal(keymap_get(km, key), &vals[0]);
	}
	keymap_free(km);
}

static void
test_iterate(void **state)
{
	struct keymap *a = keymap_new(), *b = keymap_new();
	static unsigned char seen[MANY];
	char key[64];
	size_t ca = 0, cb = 0, n = 0;
	int *va, *vb;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		key_of(i, key, sizeof key);
		keymap_put(a, key, &vals[i]);
		keymap_put(b, key, &vals[i]);
	}
	for (int i = 0; i < 1000; i += 3) {
		key_of(i, key, sizeof key);
		keymap_del(a, key);
		keymap_del(b, key);
	}
	/* the same operations, the same order; every entry once */
	memset(seen, 0, sizeof seen);
	while ((va = keymap_next(a, &ca)) != NULL) {
		vb = keymap_next(b, &cb);
		assert_ptr_equal(va, vb);
		assert_int_equal(seen[va - vals], 0);
		seen[va - vals] = 1;
		assert_int_not_equal((va - vals) % 3, 0);
		n++;
	}
	assert_null(keymap_next(b, &cb));
	assert_int_equal(n, keymap_count(a));
	/* deleting while iterating: the entry at hand, and one further on */
	ca = 0;
	n = 0;
	while ((va = keymap_next(a, &ca)) != NULL) {
		int i = (int)(va - vals);

		n++;
		key_of(i, key, sizeof key);
		assert_ptr_equal(keymap_del(a, key), va);
		if (i + 1 < 1000 && (i + 1) % 3 != 0) {
			key_of(i + 1, key, sizeof key);
			if (keymap_del(a, key) != NULL)
				n++;
		}
	}
	assert_int_equal(keymap_count(a), 0);
	assert_int_equal(n, keymap_count(b));
	keymap_free(a);
	keymap_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_put_get_del),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_churn),
		cmocka_unit_test(test_iterate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
