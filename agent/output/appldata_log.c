/* agent/output/appldata_log.c: see appldata_log.h. */
#include "buildconf.h"
#include "appldata_log.h"
#include "appldata.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct appldata_log {
	char *path;
	int fd;
};

/* Never through a symbolic link, never a FIFO or device: a regular file. */
static int
open_path(const char *path)
{
	struct stat st;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW |
	    O_NONBLOCK, 0640);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

struct appldata_log *
appldata_log_open(const char *path)
{
	struct appldata_log *l;
	int fd = open_path(path);

	if (fd < 0)
		return NULL;
	l = xcalloc(1, sizeof(*l));
	l->path = xstrdup(path);
	l->fd = fd;
	return l;
}

int
appldata_log_reopen(struct appldata_log *l)
{
	int fd = open_path(l->path);

	if (fd < 0) {
		log_err("SMD1830E appldata log %s: cannot reopen, keeping the old file", l->path);
		return -1;
	}
	close(l->fd);
	l->fd = fd;
	return 0;
}

void
appldata_log_close(struct appldata_log *l)
{
	if (l == NULL)
		return;
	close(l->fd);
	free(l->path);
	free(l);
}

int
appldata_log_follow(struct appldata_log **l, const char *path)
{
	if (*l != NULL && path != NULL && strcmp((*l)->path, path) == 0) {
		appldata_log_reopen(*l);
		return 0;
	}
	appldata_log_close(*l);
	*l = NULL;
	if (path != NULL && (*l = appldata_log_open(path)) == NULL)
		return -1;
	return 0;
}

const char *
appldata_log_path(const struct appldata_log *l)
{
	return l->path;
}

int
appldata_log_format(char *out, const struct timespec *when, const char *local,
    const char *remote, const char *role, const char *record)
{
	struct tm tm;
	char ts[32];
	int n;

	gmtime_r(&when->tv_sec, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(out, APPLDATA_LINE_MAX, "%s.%03ldZ %s %s %s %.*s\n", ts,
	    when->tv_nsec / 1000000L, local, remote, role, APPLDATA_LEN, record);
	if (n < 0 || n >= APPLDATA_LINE_MAX)
		n = APPLDATA_LINE_MAX - 1;
	return n;
}

int
appldata_log_write(struct appldata_log *l, const char *local, const char *remote,
    const char *role, const char *record)
{
	char line[APPLDATA_LINE_MAX];
	struct timespec now;
	ssize_t w;
	int n;

	if (l == NULL)
		return 0;
	clock_gettime(CLOCK_REALTIME, &now);
	n = appldata_log_format(line, &now, local, remote, role, record);
	/* One write on O_APPEND: the line lands whole or, on a full disk, is
	 * reported; it is never split into two writes. */
	w = write(l->fd, line, (size_t)n);
	if (w != n) {
		if (w < 0)
			log_err("SMD1830E appldata log %s: write", l->path);
		else
			log_errx("SMD1830E appldata log %s: short write (%zd of %d)", l->path, w, n);
		return -1;
	}
	return 0;
}
