/* agent/verdict/bstore.h: the baselines of every target, kept in StateDir.
 *
 * One entry per target key ("ADDR:PORT"), holding its struct baseline
 * (agent/verdict/downgrade.h). The file is StateDir/baselines: a comment line, then
 * one baseline_format() line per entry. bstore_save() writes it whole to
 * baselines.tmp, fsyncs it, renames it over baselines and fsyncs the
 * directory, so a crash (kill -9, power loss) leaves the old file or the new
 * one, never a mix. A line that does not parse is reported (SMD1857W
 * FILE:LINE: what is wrong) and skipped; the others are kept. A last line
 * without its newline was cut short and is skipped too, however well it
 * parses. Anything but a regular file at that path (a FIFO, a device, a
 * symbolic link) is refused without waiting on it.
 *
 * Entries held by a target (bstore_hold) stay; an entry no target holds is
 * kept for BSTORE_KEEP_S seconds after it was last observed, then dropped
 * at a save, so removed targets do not grow the file for ever but a target
 * taken out and put back by a reload keeps its baseline.
 *
 * Single-threaded: the monitor thread owns the store. Only bstore_write()
 * touches no store, and may run on any thread (agent/outbox's writer): the
 * owner renders the content with bstore_render() and hands it over.
 */
#ifndef SMTPMON_BSTORE_H
#define SMTPMON_BSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct baseline;
struct bstore;

#define BSTORE_FILE   "baselines"
#define BSTORE_KEEP_S (30 * 86400)

/* A store for dir (NULL: in memory only, nothing persisted), with what
 * dir/baselines holds loaded. A missing file is an empty store. NULL with a
 * message in err only when the file exists and cannot be read. */
struct bstore *bstore_open(const char *dir, char *err, size_t errlen);
void bstore_free(struct bstore *s);

/* The baseline of key, created (not set) when absent; held until
 * bstore_release(). The pointer stays valid while held. */
struct baseline *bstore_hold(struct bstore *s, const char *key);
void bstore_release(struct bstore *s, const char *key);
/* The baseline of key, NULL if absent. */
struct baseline *bstore_find(struct bstore *s, const char *key);

/* Something changed: the next bstore_save() writes. */
void bstore_mark(struct bstore *s);
bool bstore_dirty(const struct bstore *s);
/* Write the file if anything changed since the last save (or always when
 * force). 0 on success, -1 with errno and a message in err. The same as
 * bstore_render() then bstore_write(), marked again when the write fails. */
int bstore_save(struct bstore *s, time_t now, bool force, char *err, size_t errlen);

/* The file's whole content, as the next save writes it, into *buf
 * (malloc'd; the caller frees it) and *len: entries nobody holds that
 * expired by now are dropped first. Clears the mark. false (and *buf NULL)
 * when there is nothing to write: nothing changed and not force, or the
 * store is in memory only. */
bool bstore_render(struct bstore *s, time_t now, bool force, char **buf, size_t *len);
/* Any thread: write buf as dir/baselines atomically (dir/baselines.tmp,
 * fsync, rename, fsync of dir; a symbolic link at the temporary path is
 * refused). 0 on success, -1 with errno and a message in err. The store's
 * mark is the caller's business. */
int bstore_write(const char *dir, const char *buf, size_t len, char *err, size_t errlen);

size_t bstore_count(const struct bstore *s);
const char *bstore_dir(const struct bstore *s);

#endif
