/* agent/output/appldata_log.h: the AppldataLog, one line per successful connection.
 *
 *   2026-11-23T10:15:02.123Z 127.0.0.1:40312 192.0.2.25:25 monitor EZASMTPM SMTPMON  ETT13 ...
 *
 * ISO 8601 UTC time with milliseconds, local ADDR:PORT, remote ADDR:PORT,
 * role (monitor, reprobe, passive), then the 40-byte record exactly, then
 * '\n'. Each line goes out in a single write(2) on an O_APPEND descriptor, so
 * lines are never interleaved or torn by another writer, and a crash leaves
 * only whole lines. appldata_log_reopen() opens the path again (logrotate).
 */
#ifndef SMTPMON_APPLDATA_LOG_H
#define SMTPMON_APPLDATA_LOG_H

#include <time.h>

struct appldata_log;

/* Open (create, mode 0640) path for appending; NULL with errno on error.
 * A symbolic link is not followed (ELOOP), a FIFO not waited on, anything
 * but a regular file refused (EINVAL): root opens it at start. */
struct appldata_log *appldata_log_open(const char *path);
/* Reopen the same path; on error the old descriptor stays. 0 or -1. */
int appldata_log_reopen(struct appldata_log *l);
void appldata_log_close(struct appldata_log *l);
/* Keep *l the log at path (NULL: no log): the same path is reopened
 * (appldata_log_reopen(), logrotate), another one replaces *l. 0, or -1
 * with errno when path cannot be opened (*l is NULL then). */
int appldata_log_follow(struct appldata_log **l, const char *path);
const char *appldata_log_path(const struct appldata_log *l);

/* Format one line into out (at least APPLDATA_LINE_MAX bytes); returns its length. */
#define APPLDATA_LINE_MAX 256
int appldata_log_format(char *out, const struct timespec *when, const char *local,
    const char *remote, const char *role, const char *record);
/* Append one line; 0 or -1 (logged). */
int appldata_log_write(struct appldata_log *l, const char *local, const char *remote,
    const char *role, const char *record);

#endif
