/* agent/verdict/downgrade.h: TLS downgrade detection, pure (no I/O, no clock).
 *
 * A posture is what one classification saw of a target: server type,
 * STARTTLS offered, and, when TLS was negotiated, the version, the cipher
 * suite and its strength class (probes/cipher.h), the certificate's
 * validity, trust and name match and its public-key fingerprint. A
 * dimension the classification could not see is "unknown" (-1 or 0 below)
 * and is neither compared nor recorded.
 *
 * A baseline is the best posture seen since it was set, dimension by
 * dimension. downgrade_observe() compares a new posture with it and
 * returns the events:
 *
 *   starttls-not-supported     STARTTLS no longer offered, or the server
 *                              turned SMTP-only (EHLO refused)
 *   tls-version-lowered        a lower protocol version than the baseline's
 *   cipher-weakened            a cipher suite of a lower strength class, by
 *                              the NCSC-NL 2025-05 table (probes/rating's
 *                              cipher component), at the baseline's version
 *                              (below it, the suite is not compared: that is
 *                              tls-version-lowered, and it names both suites)
 *   certificate-expired        outside its validity dates (was within)
 *   certificate-not-trusted    chain no longer verifies (did)
 *   certificate-host-mismatch  name no longer matches (did)
 *   below-minimum              TLS below the target's MinTlsLevel, or none,
 *                              with or without a baseline
 *   certificate-changed        informational: a public key not among the
 *                              last DG_KEYS_KEPT seen (no recovery)
 *   rating-lowered             a worse overall NCSC-NL 2025-05 rating than
 *                              the baseline's (probes/rating); the change
 *                              names the old and new class and the component
 *                              that fell (the new rating's weakest)
 *
 * Rules (doc/design.md, "TLS downgrade detection"):
 * - The first posture sets the baseline; nothing is alerted but
 *   below-minimum.
 * - A better value in any dimension raises the baseline silently.
 * - An event is alerted on the first classification that shows it and
 *   stays active: no second alert until it has recovered or the baseline is
 *   reset. It recovers after DG_RECOVER_AFTER consecutive classifications
 *   that show the dimension back at the baseline; classifications that
 *   cannot see the dimension do not count either way.
 * - Flap damping: at most DG_FLAP_MAX alerts of one event per target in
 *   DG_FLAP_WINDOW_S seconds; a further downgrade is recorded (active) but
 *   not announced (DG_SUPPRESSED), and its recovery is not announced either.
 */
#ifndef SMTPMON_DOWNGRADE_H
#define SMTPMON_DOWNGRADE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "posture.h"

enum dg_event {
	DG_STARTTLS_NOT_SUPPORTED,
	DG_TLS_VERSION_LOWERED,
	DG_CIPHER_WEAKENED,
	DG_CERT_EXPIRED,
	DG_CERT_NOT_TRUSTED,
	DG_CERT_HOST_MISMATCH,
	DG_BELOW_MINIMUM,
	DG_CERT_CHANGED,
	DG_RATING_LOWERED,         /* last: the state file's bit masks keep their meaning */
	DG_N_EVENTS,
	DG_NONE = -1,
};

#define DG_RECOVER_AFTER 2
#define DG_FLAP_MAX      4
#define DG_FLAP_WINDOW_S 3600
#define DG_KEYS_KEPT     4


struct baseline {
	bool set;                  /* false: nothing seen since start or reset */
	struct posture best;
	time_t set_at;             /* first sight, or the last reset */
	time_t raised_at;          /* last time a dimension improved; 0 never */
	time_t seen_at;            /* last posture observed */
	uint8_t keys[DG_KEYS_KEPT][32];  /* public keys seen, newest first */
	uint8_t n_keys;
	uint32_t active;           /* bit per event: downgraded now */
	uint32_t announced;        /* bit per event: its alert was sent */
	uint8_t good_run[DG_N_EVENTS];   /* consecutive classifications without it */
	time_t flap_start[DG_N_EVENTS];  /* flap window of each event */
	uint8_t flap_count[DG_N_EVENTS];
	int8_t last_event;         /* enum dg_event of the last alert or recovery; DG_NONE */
	bool last_recovered;       /* ... and whether it was the recovery */
	time_t last_event_at;
	uint16_t bad_tls_version;  /* the posture at the last downgrade alert, */
	int32_t bad_cipher_id;     /* for the old values of its recovery */
	int8_t bad_rating;         /* enum rating_class; 0 unknown */
	int8_t bad_rating_part;    /* rating_part_name(); -1 unknown */
};


/* What readers see of b: its values and the names of its best posture. */
void downgrade_view(const struct baseline *b, struct dg_view *v);

enum dg_change_kind {
	DG_ALERT,                  /* downgrade: announce */
	DG_RECOVERED,              /* back at the baseline: announce */
	DG_INFO,                   /* certificate-changed: announce as information */
	DG_SUPPRESSED,             /* downgrade recorded, not announced (flapping) */
};

struct dg_change {
	enum dg_event event;
	enum dg_change_kind kind;
	/* old: the baseline's (recovery: the downgraded posture's); new: now */
	uint16_t old_tls, new_tls;
	int32_t old_cipher, new_cipher;
	int8_t old_rating, new_rating;   /* enum rating_class; 0 unknown */
	int8_t rating_part;        /* the component that fell (alert: the new
	                            * rating's weakest; recovery: the one that had
	                            * fallen); -1 unknown */
};

/* A posture with every dimension unknown. */
void posture_unknown(struct posture *p);

/* The cipher_class a posture gives suite id: its NCSC-NL 2025-05 class
 * (probes/rating) on enum cipher_class's scale; CIPHER_UNKNOWN (0) when id
 * is not a suite. Pure. */
int8_t posture_cipher_class(int32_t id);

/* The names of p's values, as every reader shows them (posture.h). Pure. */
void posture_names(const struct posture *p, struct posture_names *out);
/* A suite id as posture_names() names it: *name its IANA name (NULL: none,
 * or not in the table) and, when *name is NULL, text "none" or "0x00ff"
 * ("" otherwise). Pure. */
void posture_cipher_names(int32_t id, const char **name, char text[8]);

/* Compare p with b (set from p when b is not set yet), update b, and write
 * the changes into out (at most max; DG_N_EVENTS + 1 always suffice).
 * min_tls is the target's MinTlsLevel as a wire version, 0 none. Returns
 * the number of changes; *b_changed says whether b changed (to persist). */
size_t downgrade_observe(struct baseline *b, const struct posture *p, int min_tls, time_t now,
    struct dg_change *out, size_t max, bool *b_changed);

/* Accept p as the new normal: the baseline becomes p (or unset when p is
 * NULL), every active event is forgotten without recovery. */
void downgrade_reset(struct baseline *b, const struct posture *p, time_t now);

/* "tls-version-lowered", ...; "" for DG_NONE. */
const char *dg_event_name(int ev);
/* The event named name; DG_NONE if none. */
int dg_event_by_name(const char *name);
/* Comma-separated names of the events in mask, "" when none (out >= 256). */
void dg_events_text(uint32_t mask, char *out, size_t outsz);

/* One baseline as one line of text (no newline), key=value fields, for the
 * state file; returns the length, or 0 if out is too small (>= 1024 is
 * enough). */
size_t baseline_format(const char *key, const struct baseline *b, char *out, size_t outsz);
/* Parse such a line: key (the target, at most keysz - 1) and b. false with
 * a message in err when malformed; unknown fields are ignored. */
bool baseline_parse(const char *line, size_t len, char *key, size_t keysz, struct baseline *b,
    char *err, size_t errlen);

#endif
