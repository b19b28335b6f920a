/* agent/config/conferr.h: the errors of one configuration file, collected while it
 * is read and handed over sorted by line.
 *
 * A parser reports each error where it finds it, against the line it belongs
 * to; checks made late (when a block closes, at the end of the file) report
 * earlier lines. conferr_publish() sorts the errors by line, keeping the
 * order of report within a line, and moves at most CONFIG_MAX_ERRORS of them
 * into struct config_errors; every error is counted there, kept or not.
 * A list keeps at most CONFERR_KEEP errors before sorting (more are counted).
 * Messages read "FILE:LINE: KEYWORD: what is wrong".
 */
#ifndef SMTPMON_CONFERR_H
#define SMTPMON_CONFERR_H

#include <stdarg.h>
#include <stddef.h>

#include "config.h"

#define CONFERR_KEEP 10000

struct conferr;                    /* one error, the list's own */

struct conferr_list {              /* zeroed, then file set; nothing else to set */
	const char *file;              /* FILE of the messages */
	struct conferr *v;
	size_t n, cap, total, seq;
};

/* Report "FILE:LINE: KEYWORD: what", what from fmt. */
void conferr_add(struct conferr_list *el, int line, const char *kw, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void conferr_vadd(struct conferr_list *el, int line, const char *kw, const char *fmt,
    va_list ap) __attribute__((format(printf, 4, 0)));

/* Sort by line, move the kept ones into errs (appended, counted in
 * errs->total) and empty the list. */
void conferr_publish(struct conferr_list *el, struct config_errors *errs);

/* An error of the file as a whole (cannot read it, too large): appended to
 * errs as fmt gives it. */
void conferr_file(struct config_errors *errs, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* fmt formatted into a new string (the caller frees it). */
char *conferr_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
