/* agent/schedule/keymap.c: see keymap.h. */
#include "buildconf.h"
#include "keymap.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KEYMAP_FIRST_CAP 256

struct slot {
	char *key;                 /* NULL: never used; tomb: deleted */
	void *val;
};

struct keymap {
	struct slot *tab;
	size_t cap, used, live;    /* used counts tombstones too */
};

static char tomb[1];

static uint64_t
hash_key(const char *s)
{
	uint64_t h = 1469598103934665603ull;   /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

struct keymap *
keymap_new(void)
{
	return xcalloc(1, sizeof(struct keymap));
}

void
keymap_free(struct keymap *km)
{
	if (km == NULL)
		return;
	for (size_t i = 0; i < km->cap; i++)
		if (km->tab[i].key != tomb)
			free(km->tab[i].key);
	free(km->tab);
	free(km);
}

/* Place an entry known to be absent; the table has room. */
static void
place(struct keymap *km, char *key, void *val)
{
	size_t i = hash_key(key) & (km->cap - 1);

	while (km->tab[i].key != NULL && km->tab[i].key != tomb)
		i = (i + 1) & (km->cap - 1);
	if (km->tab[i].key == NULL)
		km->used++;
	km->tab[i].key = key;
	km->tab[i].val = val;
	km->live++;
}

static void
grow(struct keymap *km)
{
	struct slot *old = km->tab;
	size_t oldcap = km->cap;

	km->cap = oldcap ? oldcap * 2 : KEYMAP_FIRST_CAP;
	while (km->live * 2 >= km->cap)
		km->cap *= 2;
	km->tab = xcalloc(km->cap, sizeof(*km->tab));
	km->used = km->live = 0;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].key != NULL && old[i].key != tomb)
			place(km, old[i].key, old[i].val);
	free(old);
}

static size_t
find(const struct keymap *km, const char *key)
{
	size_t i;

	if (km->cap == 0)
		return SIZE_MAX;
	i = hash_key(key) & (km->cap - 1);
	while (km->tab[i].key != NULL) {
		if (km->tab[i].key != tomb && strcmp(km->tab[i].key, key) == 0)
			return i;
		i = (i + 1) & (km->cap - 1);
	}
	return SIZE_MAX;
}

void *
keymap_get(const struct keymap *km, const char *key)
{
	size_t i = find(km, key);

	return i == SIZE_MAX ? NULL : km->tab[i].val;
}

void
keymap_put(struct keymap *km, const char *key, void *val)
{
	if ((km->used + 1) * 4 >= km->cap * 3)
		grow(km);
	place(km, xstrdup(key), val);
}

void *
keymap_del(struct keymap *km, const char *key)
{
	size_t i = find(km, key);
	void *val;

	if (i == SIZE_MAX)
		return NULL;
	val = km->tab[i].val;
	free(km->tab[i].key);
	km->tab[i].key = tomb;
	km->tab[i].val = NULL;
	km->live--;
	return val;
}

size_t
keymap_count(const struct keymap *km)
{
	return km->live;
}

void *
keymap_next(const struct keymap *km, size_t *cursor)
{
	while (*cursor < km->cap) {
		const struct slot *s = &km->tab[(*cursor)++];

		if (s->key != NULL && s->key != tomb)
			return s->val;
	}
	return NULL;
}
