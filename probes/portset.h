/* probes/portset.h: the passive probe's server ports: numbers, ranges, or any.
 *
 * Pure, no allocation, no I/O. A list is written as items separated by
 * commas and/or blanks: a port ("25"), a range ("12525-12529", both ends
 * included, low end first) or the word "any" (case-insensitive) alone, for
 * SMTP found by its content on any TCP port (probes/smtpsniff). Every item
 * is checked and the first error is described in err, naming the item:
 * a number outside 1-65535 (0 included), a reversed range, a port or range
 * given twice or overlapping another, "any" with other items, more than
 * PORTSET_MAX items, an empty list, or anything else (garbage). Items are
 * at most PORTSET_ITEM_MAX characters; what err shows of an item is cut
 * there and has every byte outside printable ASCII replaced by '?'.
 */
#ifndef SMTPMON_PORTSET_H
#define SMTPMON_PORTSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PORTSET_MAX 32          /* ports and ranges in one set */
#define PORTSET_ITEM_MAX 24     /* characters of one item */

struct portset_range {
	uint16_t lo, hi;            /* lo <= hi, 1..65535 */
};

struct portset {
	bool any;                   /* every TCP port: SMTP is found by content */
	size_t n;                   /* ranges below (0 when any) */
	struct portset_range r[PORTSET_MAX];
};

/* The default set: 25, 587, 465. */
void portset_default(struct portset *ps);

/* Add the items of list to ps (which may already hold items: overlaps
 * with them are errors too). 0, or -1 with the reason in err (ps then
 * holds the items before the bad one). */
int portset_add(struct portset *ps, const char *list, char *err, size_t errlen);

/* Empty ps, then portset_add(). An empty list is an error. */
int portset_parse(struct portset *ps, const char *list, char *err, size_t errlen);

/* Is port in the set? (any: every port but 0.) */
bool portset_has(const struct portset *ps, uint16_t port);

/* Number of ports in the set (any: 65535). */
uint32_t portset_count(const struct portset *ps);

/* The set as a list portset_parse() reads back ("25,587,12525-12529",
 * "any"); returns the length it needed, like snprintf. */
size_t portset_format(const struct portset *ps, char *out, size_t outsz);

bool portset_equal(const struct portset *a, const struct portset *b);

#endif
