/* agent/schedule/keymap.h: a map of string keys to pointers.
 *
 * Open addressing with linear probing and tombstones, FNV-1a hashed; the
 * table grows (x2) at 3/4 full, counting tombstones. The map copies its
 * keys; the values are the caller's (never NULL: NULL means "absent").
 *
 * Iteration visits the entries in table order, which depends only on the
 * sequence of puts and deletes: the same operations give the same order.
 * Deleting during an iteration is allowed (the entry at hand or any
 * other); putting is not (it may grow the table).
 */
#ifndef SMTPMON_KEYMAP_H
#define SMTPMON_KEYMAP_H

#include <stddef.h>

struct keymap;

/* An empty map (no table until the first put). */
struct keymap *keymap_new(void);
/* Free the map and its keys, not the values. NULL is allowed. */
void keymap_free(struct keymap *km);

/* The value of key, NULL when absent. */
void *keymap_get(const struct keymap *km, const char *key);
/* Add key -> val; key must be absent, val not NULL. */
void keymap_put(struct keymap *km, const char *key, void *val);
/* Remove key; its value, or NULL when it was absent. */
void *keymap_del(struct keymap *km, const char *key);
/* The number of entries. */
size_t keymap_count(const struct keymap *km);

/* The next value from *cursor on (start with *cursor = 0), NULL at the
 * end; *cursor moves past it. */
void *keymap_next(const struct keymap *km, size_t *cursor);

#endif
