/* probes/log.c: see log.h. */
#include "buildconf.h"
#include "log.h"
#include "safetext.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

static bool use_syslog;
static enum log_level max_level = LOG_LVL_WARN;
static const char *log_ident = "smtpmon";

void
log_init(const char *ident, bool syslog_on, enum log_level max)
{
	if (use_syslog && !syslog_on)
		closelog();
	log_ident = ident;
	use_syslog = syslog_on;
	max_level = max;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

bool
log_debug_enabled(void)
{
	return max_level >= LOG_LVL_DEBUG;
}

static void
vlog(enum log_level lvl, int errnum, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *const tag[] = { "error", "warning", "info", "debug" };
	char msg[1024], line[1024];
	int n;

	if (lvl > max_level)
		return;
	n = vsnprintf(msg, sizeof msg, fmt, ap);
	if (n < 0)
		return;
	if (errnum != 0 && (size_t)n < sizeof msg)
		snprintf(msg + n, sizeof msg - (size_t)n, ": %s", strerror(errnum));
	/* one record, one line, printable: server text a caller put in a
	 * field (a reply, a certificate subject) cannot split it or reach a
	 * terminal's escapes */
	safe_str(msg, line, sizeof line, 0);
	if (use_syslog)
		syslog(prio[lvl], "%s", line);
	else
		fprintf(stderr, "%s: %s: %s\n", log_ident, tag[lvl], line);
}

#define LOGFN(name, lvl, with_errno)                           \
	void name(const char *fmt, ...)                        \
	{                                                      \
		int saved = errno;                             \
		va_list ap;                                    \
		va_start(ap, fmt);                             \
		vlog(lvl, with_errno ? saved : 0, fmt, ap);    \
		va_end(ap);                                    \
		errno = saved;                                 \
	}

LOGFN(log_err, LOG_LVL_ERR, 1)
LOGFN(log_errx, LOG_LVL_ERR, 0)
LOGFN(log_warn, LOG_LVL_WARN, 1)
LOGFN(log_warnx, LOG_LVL_WARN, 0)
LOGFN(log_info, LOG_LVL_INFO, 0)
LOGFN(log_debug, LOG_LVL_DEBUG, 0)
