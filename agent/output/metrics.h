/* agent/output/metrics.h: a registry snapshot as Prometheus metrics (/metrics).
 *
 * metrics_render() writes one snapshot in the Prometheus text format 0.0.4
 * or, with openmetrics, in OpenMetrics 1.0.0. Pure: no clock (the caller
 * gives now), no state, nothing read but the snapshot; the HTTP server that
 * serves it, the content type and the Accept negotiation are the caller's.
 *
 * The families (issue 16's metric contract), one series each unless said;
 * target="ADDR:PORT" / "[ADDR6]:PORT" is the row's target as `status --json`
 * shows it, server="ADDR:PORT" a passive row's. Every value is a fact the
 * row holds decided, the same `status --json` prints ("last
 * classification": the row's verdict, kept while the target is down).
 *
 *   smtpmon_build_info{version} 1
 *   smtpmon_start_time_seconds, smtpmon_targets (configured),
 *   smtpmon_target_rows (addresses monitored), smtpmon_connections_open
 *   (monitor + reprobe), smtpmon_snapshot_age_seconds (now - published_at),
 *   smtpmon_daemon_probes_total, smtpmon_daemon_probe_failures_total
 * per row:
 *   smtpmon_target_up{target}              1 when REG_UP, else 0
 *   smtpmon_target_info{target,name,server_type,security_method} 1
 *       name: TargetName/TargetMx domain or ""; server_type ESMTP|SMTP|
 *       unknown, security_method TLS|basic|unknown (unknown: never classified)
 *   only when the last classification negotiated TLS:
 *   smtpmon_tls_version_info{target,version} 1           version "TLSv1.3"
 *   smtpmon_tls_cipher_info{target,cipher,cipher_id} 1   the IANA name and
 *       the verdict's cipher_hex "0x1302" (when the suite's id is known)
 *   smtpmon_tls_cipher_strength_info{target,class} 1
 *       class good|sufficient|phase-out|insufficient|unknown
 *   only when a certificate was presented:
 *   smtpmon_cert_verified{target} 0|1
 *   smtpmon_cert_not_after_timestamp_seconds{target}     (when known)
 *   smtpmon_starttls_offered{target} 0|1   only when an EHLO reply was seen
 *   smtpmon_phase_duration_seconds{target,phase}  connect, banner, ehlo,
 *       starttls, handshake (last classification), noop (the last NOOP round
 *       trip); only phases measured (non-zero)
 *   smtpmon_probes_total{target}, smtpmon_probe_failures_total{target}
 *       monitor and reprobe connections (connects + reprobes, and failures)
 *   smtpmon_tls_downgrade_events_total{target,event}  reg_row.dg_raised
 *   smtpmon_tls_downgrade_active{target,event} 0|1    the baseline's active set
 *       every event of dg_event_name(), 0 included
 *   smtpmon_server_closes_total{target}, smtpmon_recycles_total{target}
 *   the published TLS policy (reg_row.pol, agent/verdict/tlspolicy.h), only
 *   for rows whose view asked for it:
 *   smtpmon_dane_status{target,status} 1   when pol->dane is not DANE_ST_OFF;
 *       status the view's dane_name: valid|mismatch|no-tlsa|insecure|bogus|error
 *   smtpmon_mta_sts_status{target,status,mode} 1   when pol->sts_asked;
 *       status the view's sts_name: enforce-ok|enforce-violation|testing|none|
 *       invalid|error; mode its mode_name (enforce|testing|none), "" without
 *       a policy
 *   the NCSC-NL 2025-05 rating (verdict.rating, probes/rating.h), only when
 *   the last classification negotiated TLS:
 *   smtpmon_tls_rating{target,component,class} 1   one per component whose
 *       class is known; component overall|tls_version|cipher|key_exchange|
 *       cert_key|cert_signature, class the verdict's decided name:
 *       good|sufficient|phase-out|insufficient
 * only when the passive probe is enabled (else no passive family at all):
 *   smtpmon_passive_packets_total, smtpmon_passive_bytes_total,
 *   smtpmon_passive_sessions_total, smtpmon_passive_capture_drops_total
 *   per passive row: smtpmon_passive_server_sessions_total{server},
 *   smtpmon_passive_server_tls_sessions_total{server},
 *   smtpmon_passive_server_alerts_total{server},
 *   smtpmon_passive_server_tls_version_info{server,version} 1 and
 *   smtpmon_passive_server_cipher_info{server,cipher,cipher_id} 1 when a TLS
 *   session was seen (a version or suite no table names by its number),
 *   smtpmon_passive_server_starttls_offered{server} 0|1 when an EHLO reply
 *   was seen
 *
 * Format rules:
 * - families ending in _total are counters, all others gauges (the
 *   info-style families, value 1, too); each family has one # HELP and one
 *   # TYPE line, written even when it has no series, and its series follow
 *   them together;
 * - text 0.0.4: # HELP and # TYPE name a counter with its _total suffix;
 *   OpenMetrics: without it (the family's name), and the output ends with
 *   "# EOF\n";
 * - label values: backslash, double quote and newline escaped (\\ \" \n);
 *   any other octet outside printable ASCII is written as '?', so a value is
 *   valid UTF-8 whatever a configuration held. Only values with a bound go
 *   into labels (names from the probes' tables, configured names and
 *   addresses); text a server sent (banner, replies, certificate subject)
 *   never does;
 * - durations in seconds (microseconds exact, "0.001234"), times in Unix
 *   seconds, counters as unsigned integers.
 */
#ifndef SMTPMON_METRICS_H
#define SMTPMON_METRICS_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "registry.h"

/* Write s as metrics to out; version is the build's (smtpmon_build_info),
 * now the wall clock for the snapshot's age. 0, or -1 when writing to out
 * failed (out's error indicator, after a flush). */
int metrics_render(FILE *out, const struct reg_snapshot *s, const char *version, time_t now,
    bool openmetrics);

#endif
