/* agent/output/statuspage.h: the status page for people (GET / of smtpmond's HTTP server).
 *
 * statuspage_render() writes one HTML5 document from a registry snapshot:
 * no JavaScript, inline CSS only, UTF-8. It is pure: it reads the snapshot
 * and its arguments, writes to out, and does nothing else (no clock: the
 * caller gives now, which dates the page and counts certificate days).
 *
 *   head     <meta http-equiv="refresh" content="REFRESH_S"> (none when
 *            refresh_s is 0), title "smtpmond status"
 *   header   the daemon's version, its start time (s->started) and the
 *            snapshot's time (s->published_at) as ISO 8601 UTC, the counts
 *            of targets up and down, a link to /metrics
 *   targets  <table class="targets">, one <tr data-target="TARGET"
 *            class="state-STATE"> per row of the snapshot, in its order,
 *            with one cell per column, each cell's class naming it:
 *              target  row->target ("ADDR:PORT", "[ADDR6]:PORT")
 *              name    the TargetName / TargetMx domain, "-" none
 *              state   reg_state_name(); a down row adds, in
 *                      <div class="why">, its failure reason and the
 *                      server's reply, as `status` prints them
 *              type    v.type_name ("ESMTP"), "-" never classified
 *              method  v.method_name ("TLS", "basic"), "-" never classified
 *              tls     v.tls_name ("TLSv1.3"), "-" without TLS
 *              cipher  the IANA name (v.tls.cipher) and v.cipher_hex
 *              cert    days until v.tls.not_after and the date; class
 *                      "cert-soon" (red) under CERT_SOON_DAYS days left,
 *                      "cert-expired" (red, "expired") at or past it;
 *                      "-" without a certificate
 *              event   the last TLS downgrade event (dg_event_name(),
 *                      "downgrade" or "recovered", its time), "-" none;
 *                      class "event-active" while that event is in force
 *            the facts are the verdict's decided fields (agent/verdict),
 *            the same `status` and `status --json` print; none is mapped
 *            again here. No targets: a <p class="empty"> instead.
 *   passive  only when the snapshot has passive servers: <table
 *            class="passive">, one <tr data-server="ADDR:PORT"> per server
 *            with cells server, sessions (total, TLS, basic), tls, cipher,
 *            starttls ("yes", "no", "-" no EHLO seen), as `smtpmonctl
 *            passive` shows them (agent/preport).
 *
 * Every text not written here (target names, server replies, version, ...)
 * is made printable ASCII as for `status` (probes/safetext) and then
 * HTML-escaped: & < > " ' become entities, in text and in attribute values
 * alike, so server text can neither open an element nor leave an
 * attribute.
 *
 * Returns 0, or -1 when writing to out failed (out is flushed).
 */
#ifndef SMTPMON_STATUSPAGE_H
#define SMTPMON_STATUSPAGE_H

#include <stdio.h>
#include <time.h>

struct reg_snapshot;

#define CERT_SOON_DAYS 14
#define STATUSPAGE_REFRESH_S 10   /* what smtpmond serves at / */

int statuspage_render(FILE *out, const struct reg_snapshot *s, const char *version, time_t now,
    unsigned refresh_s);

#endif
