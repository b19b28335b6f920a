/* agent/verdict/bstore.c: see bstore.h. */
#include "buildconf.h"
#include "bstore.h"
#include "downgrade.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_MAX       64
#define LOAD_MAX_SIZE (64u << 20)    /* a file larger than this is not ours */
#define LOAD_MAX_ENTRIES 1000000     /* more lines than this are not ours either */
#define HEADER        "# smtpmond baselines v1: TARGET key=value ... (see smtpmond(8))\n"

struct entry {
	char key[KEY_MAX];
	struct baseline b;
	unsigned holds;
	struct entry *next;          /* hash chain */
};

struct bstore {
	char *dir;
	struct entry **tab;
	size_t cap, n;
	bool dirty;
};

static uint64_t
hash_key(const char *s)
{
	uint64_t h = 1469598103934665603ull;      /* FNV-1a */

	while (*s)
		h = (h ^ (uint8_t)*s++) * 1099511628211ull;
	return h;
}

static struct entry **
slot(const struct bstore *s, const char *key)
{
	struct entry **p = &s->tab[hash_key(key) & (s->cap - 1)];

	while (*p != NULL && strcmp((*p)->key, key) != 0)
		p = &(*p)->next;
	return p;
}

static void
grow(struct bstore *s)
{
	size_t ncap = s->cap * 2;
	struct entry **nt = xcalloc(ncap, sizeof(*nt));

	for (size_t i = 0; i < s->cap; i++) {
		struct entry *e = s->tab[i], *next;
		for (; e != NULL; e = next) {
			next = e->next;
			size_t h = hash_key(e->key) & (ncap - 1);
			e->next = nt[h];
			nt[h] = e;
		}
	}
	free(s->tab);
	s->tab = nt;
	s->cap = ncap;
}

static struct entry *
insert(struct bstore *s, const char *key)
{
	struct entry **p, *e;

	if (s->n + 1 > s->cap)
		grow(s);
	p = slot(s, key);
	if (*p != NULL)
		return *p;
	e = xcalloc(1, sizeof(*e));
	str_copy(e->key, key, sizeof e->key);
	e->b.last_event = DG_NONE;
	e->b.bad_cipher_id = -1;
	posture_unknown(&e->b.best);
	*p = e;
	s->n++;
	return e;
}

static void
load(struct bstore *s, const char *path, const char *text, size_t len)
{
	size_t off = 0;
	int line = 0, bad = 0;

	while (off < len) {
		const char *p = text + off, *nl = memchr(p, '\n', len - off);
		size_t n = nl ? (size_t)(nl - p) : len - off;
		char key[KEY_MAX], err[160];
		struct baseline b;

		off += n + (nl ? 1 : 0);
		line++;
		if (n == 0 || p[0] == '#')
			continue;
		if (nl == NULL) {
			/* every line is written whole with its newline: one
			 * without is a write cut short, and its last field may be
			 * too ("cipher=48" of "cipher=4866"): never believed */
			log_warnx("SMD1857W %s:%d: last line has no newline (cut short); this "
			    "baseline is forgotten", path, line);
			break;
		}
		if (s->n >= LOAD_MAX_ENTRIES) {
			log_warnx("SMD1857W %s:%d: more than %d baselines; the rest is forgotten",
			    path, line, LOAD_MAX_ENTRIES);
			break;
		}
		if (!baseline_parse(p, n, key, sizeof key, &b, err, sizeof err)) {
			if (++bad <= 20)
				log_warnx("SMD1857W %s:%d: %s; this baseline is forgotten", path, line, err);
			continue;
		}
		insert(s, key)->b = b;
	}
	if (bad > 20)
		log_warnx("SMD1857W %s: %d more lines that do not parse", path, bad - 20);
}

struct bstore *
bstore_open(const char *dir, char *err, size_t errlen)
{
	struct bstore *s = xcalloc(1, sizeof(*s));
	char path[PATH_MAX];
	struct stat st;
	char *text;
	size_t got = 0;
	int fd;

	s->cap = 64;
	s->tab = xcalloc(s->cap, sizeof(*s->tab));
	if (dir == NULL)
		return s;
	s->dir = xstrdup(dir);
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		log_warn("SMD1856E StateDir %s", dir);   /* saves will say more */
	snprintf(path, sizeof path, "%s/%s", dir, BSTORE_FILE);
	/* O_NONBLOCK: a FIFO planted there must not hang the start; O_NOFOLLOW:
	 * nor may a link lead elsewhere; fstat() below takes regular files only */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return s;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		bstore_free(s);
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > LOAD_MAX_SIZE) {
		snprintf(err, errlen, "%s: not a regular file of at most %u MiB", path,
		    LOAD_MAX_SIZE >> 20);
		close(fd);
		bstore_free(s);
		return NULL;
	}
	text = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, text + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	load(s, path, text, got);
	free(text);
	return s;
}

void
bstore_free(struct bstore *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->cap; i++) {
		struct entry *e = s->tab[i], *next;
		for (; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(s->tab);
	free(s->dir);
	free(s);
}

struct baseline *
bstore_hold(struct bstore *s, const char *key)
{
	struct entry *e = insert(s, key);

	e->holds++;
	return &e->b;
}

void
bstore_release(struct bstore *s, const char *key)
{
	struct entry *e = *slot(s, key);

	if (e != NULL && e->holds > 0)
		e->holds--;
}

struct baseline *
bstore_find(struct bstore *s, const char *key)
{
	struct entry *e = *slot(s, key);

	return e ? &e->b : NULL;
}

void
bstore_mark(struct bstore *s)
{
	s->dirty = true;
}

bool
bstore_dirty(const struct bstore *s)
{
	return s->dirty;
}

size_t
bstore_count(const struct bstore *s)
{
	return s->n;
}

const char *
bstore_dir(const struct bstore *s)
{
	return s->dir;
}

/* Entries nobody holds and nobody has seen for BSTORE_KEEP_S go. */
static void
prune(struct bstore *s, time_t now)
{
	for (size_t i = 0; i < s->cap; i++) {
		struct entry **p = &s->tab[i];
		while (*p != NULL) {
			struct entry *e = *p;
			time_t seen = e->b.seen_at ? e->b.seen_at : e->b.set_at;
			if (e->holds == 0 && (!e->b.set || now - seen > BSTORE_KEEP_S)) {
				*p = e->next;
				free(e);
				s->n--;
			} else {
				p = &e->next;
			}
		}
	}
}

bool
bstore_render(struct bstore *s, time_t now, bool force, char **buf, size_t *len)
{
	char line[2048];
	size_t cap = 4096, n = 0;
	char *out;

	*buf = NULL;
	*len = 0;
	if (!s->dirty && !force)
		return false;
	s->dirty = false;
	if (s->dir == NULL)
		return false;
	prune(s, now);
	out = xmalloc(cap);
	memcpy(out, HEADER, sizeof HEADER - 1);
	n = sizeof HEADER - 1;
	for (size_t i = 0; i < s->cap; i++)
		for (struct entry *e = s->tab[i]; e != NULL; e = e->next) {
			size_t k;
			if (!e->b.set)
				continue;
			k = baseline_format(e->key, &e->b, line, sizeof line - 1);
			if (k == 0)
				continue;
			line[k++] = '\n';
			while (n + k > cap) {
				cap *= 2;
				out = xrealloc(out, cap);
			}
			memcpy(out + n, line, k);
			n += k;
		}
	*buf = out;
	*len = n;
	return true;
}

int
bstore_write(const char *dir, const char *buf, size_t len, char *err, size_t errlen)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	size_t off = 0;
	int fd, dfd, saved;

	snprintf(path, sizeof path, "%s/%s", dir, BSTORE_FILE);
	snprintf(tmp, sizeof tmp, "%s/%s.tmp", dir, BSTORE_FILE);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0) {
		saved = errno;
		snprintf(err, errlen, "%s: %s", tmp, strerror(saved));
		goto fail;
	}
	saved = 0;
	while (off < len) {
		ssize_t w = write(fd, buf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			saved = w < 0 ? errno : EIO;
			break;
		}
		off += (size_t)w;
	}
	if (saved == 0 && fsync(fd) != 0)
		saved = errno;
	if (saved != 0) {
		snprintf(err, errlen, "%s: write: %s", tmp, strerror(saved));
		close(fd);
		unlink(tmp);
		goto fail;
	}
	if (close(fd) != 0) {
		saved = errno;
		snprintf(err, errlen, "%s: close: %s", tmp, strerror(saved));
		unlink(tmp);
		goto fail;
	}
	if (rename(tmp, path) != 0) {
		saved = errno;
		snprintf(err, errlen, "rename %s: %s", path, strerror(saved));
		unlink(tmp);
		goto fail;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
fail:
	errno = saved;
	return -1;
}

int
bstore_save(struct bstore *s, time_t now, bool force, char *err, size_t errlen)
{
	char *buf;
	size_t len;
	int rc;

	if (!bstore_render(s, now, force, &buf, &len))
		return 0;
	rc = bstore_write(s->dir, buf, len, err, errlen);
	free(buf);
	if (rc != 0) {
		int saved = errno;

		s->dirty = true;               /* try again at the next save */
		errno = saved;
	}
	return rc;
}
