/* agent/bstore.c: see bstore.h. */
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

int
bstore_save(struct bstore *s, time_t now, bool force, char *err, size_t errlen)
{
	char path[PATH_MAX], tmp[PATH_MAX], line[2048];
	FILE *f;
	int fd, dfd, saved;

	if (!s->dirty && !force)
		return 0;
	s->dirty = false;
	if (s->dir == NULL)
		return 0;
	prune(s, now);
	snprintf(path, sizeof path, "%s/%s", s->dir, BSTORE_FILE);
	snprintf(tmp, sizeof tmp, "%s/%s.tmp", s->dir, BSTORE_FILE);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0) {
		saved = errno;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	f = fdopen(fd, "w");
	if (f == NULL) {
		saved = errno;
		close(fd);
		snprintf(err, errlen, "%s: %s", tmp, strerror(saved));
		goto fail;
	}
	fputs(HEADER, f);
	for (size_t i = 0; i < s->cap; i++)
		for (struct entry *e = s->tab[i]; e != NULL; e = e->next) {
			size_t n;
			if (!e->b.set)
				continue;
			n = baseline_format(e->key, &e->b, line, sizeof line - 1);
			if (n == 0)
				continue;
			line[n++] = '\n';
			fwrite(line, 1, n, f);
		}
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0) {
		saved = errno;
		snprintf(err, errlen, "%s: write: %s", tmp, strerror(saved));
		fclose(f);
		unlink(tmp);
		goto fail;
	}
	if (fclose(f) != 0) {
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
	dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
fail:
	s->dirty = true;               /* try again at the next save */
	errno = saved;
	return -1;
}
