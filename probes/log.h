/* probes/log.h: one logging facility for every module.
 *
 * One line per event; callers write key=value fields (target=ADDR:PORT ...).
 * The sink is stderr until log_init() says syslog. log_warn() appends the
 * errno text, log_warnx() does not. Debug lines are dropped unless enabled.
 * Every line goes out through safe_text() (probes/safetext.h): printable
 * ASCII, one record per line, whatever server text it carries.
 */
#ifndef SMTPMON_LOG_H
#define SMTPMON_LOG_H

#include <stdbool.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Send lines to syslog (ident) when use_syslog, else to stderr; set the
 * most verbose level printed. May be called again to change either. */
void log_init(const char *ident, bool use_syslog, enum log_level max);
bool log_debug_enabled(void);

void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_errx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
