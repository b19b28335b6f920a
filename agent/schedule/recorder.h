/* agent/schedule/recorder.h: what the one writer does with a verdict.
 *
 * The scheduler (agent/monitor) runs connections; when one has classified
 * its server, or failed, it hands the probe's result here. The recorder
 * judges it (agent/verdict: verdict_of() under the target's policy), writes
 * the target's registry row (the verdict, the connection's facts, the
 * failure facts), the appldata log line, logs SMD1819I (the classification
 * changed) and SMD1817I (available), announces a certificate near its end
 * (agent/tlswatch: SMD1825W, to the event hook at once) and compares what
 * the connection saw with the target's TLS baseline (agent/tlswatch; the
 * baseline persisted and its alerts announced by agent/outbox). It sends
 * the target's up/down events to the event hook and resets baselines.
 * It says where alerts go (the event hook, and AlertCommand through a
 * runner of agent/alertcmd started at the first alert that wants it), to
 * agent/outbox and to the passive intake.
 * The ends of connections are recorded here too: in the row and the log
 * (SMD1818E unavailable, SMD1824W reprobe failed, SMD1826I closed by the
 * server, SMD1828W lost), as are the server limits in force
 * (agent/keeper: SMD1827I throttled, SMD1829I learned); what to do next
 * (when to connect again) is the scheduler's.
 *
 * struct recorder is monitor-wide; the monitor fills it once (and sets the
 * event hook). struct rec_target is per target, embedded in the
 * scheduler's target and set by recorder_target_init(); only recorder.c
 * reads or writes its fields. A target's policy never changes: a changed
 * policy makes a new target (agent/targets), hence new policy facts.
 * Monitor thread only.
 */
#ifndef SMTPMON_RECORDER_H
#define SMTPMON_RECORDER_H

#include "keeper.h"
#include "mevent.h"
#include "mlimit.h"
#include "registry.h"
#include "smtp_session.h"
#include "tlswatch.h"
#include "tpolicy.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

struct appldata_log;
struct bstore;
struct alertcmd;
struct config;
struct outbox;
struct outbox_dest;
struct policy;
struct publisher;

struct recorder {
	struct registry *reg;
	struct publisher *pub;              /* a touched row is published soon */
	struct bstore *bs;                  /* TLS baselines */
	struct outbox *ob;                  /* ... written, then their alerts announced */
	struct appldata_log *const *alog;   /* the monitor's current AppldataLog, or NULL */
	struct config *const *cfg;          /* the monitor's current configuration (writer) */
	monitor_event_fn *event_fn;         /* NULL: none */
	void *event_arg;
	struct alertcmd *ac;                /* recorder_alertcmd()'s; its owner stops it */
};

struct rec_target {
	struct reg_row *row;
	const char *key;                    /* "ADDR:PORT" */
	const struct sockaddr_storage *addr;
	socklen_t addr_len;
	struct baseline *bl;                /* held in the recorder's bstore */
	struct tw_cert cert;                /* the certificate announced */
	char cls[12];                       /* classification bytes 19-29 of the last record */
	bool tls_attempted;                 /* the policy's: Secure Yes or an AuthEntity */
	int min_tls;                        /* ... its MinTlsLevel, wire version, 0 none */
};

/* rt for row (key, addr and row outlive rt), under pol: its baseline held
 * and shown in the row. */
void recorder_target_init(struct recorder *rec, struct rec_target *rt, struct reg_row *row,
    const char *key, const struct sockaddr_storage *addr, socklen_t addr_len,
    const struct policy *pol);
/* The target is gone: its baseline released. */
void recorder_target_end(struct recorder *rec, struct rec_target *rt);

/* The target's published TLS policy was judged again (agent/tpolicy): the
 * view to the row; each event logged (SMD1880W raised, SMD1881I recovered)
 * and announced as a TLS downgrade or recovery named as RFC 8460 names it,
 * through the outbox like the TLS baseline's (traps, syslog, AlertCommand). */
void recorder_policy(struct recorder *rec, struct rec_target *rt, const struct policy_view *v,
    const struct tpolicy_event *ev, size_t nev);
/* A connection of role finished its classification with r: record it. */
void recorder_classified(struct recorder *rec, struct rec_target *rt, enum reg_role role,
    const struct smtp_result *r);
/* A connection failed with r: the row's failure facts. */
void recorder_failure_facts(struct rec_target *rt, const struct smtp_result *r);
/* ... and a failure that still tells about TLS goes to the baseline too. */
void recorder_failure(struct recorder *rec, struct rec_target *rt, const struct smtp_result *r);
/* SMD1817I: the target is available, as its row's last verdict says. */
void recorder_available(const struct rec_target *rt);
/* Tell the event hook that the target went up or down (MONITOR_EV_UP/DOWN). */
void recorder_event(const struct recorder *rec, const struct rec_target *rt, int kind);
/* A fresh monitor connection failed with r: the row's counters and
 * failure facts (recorder_failure()), logged as SMD1818E when announce (the
 * target was up or starting), else at debug level; the next try in
 * retry_ms. */
void recorder_unavailable(struct recorder *rec, struct rec_target *rt, const struct smtp_result *r,
    bool announce, uint32_t retry_ms);
/* A reprobe connection ended with r: a failure is counted, recorded
 * (recorder_failure()) and logged (SMD1824W). Returns true for a failure. */
bool recorder_reprobe_closed(struct recorder *rec, struct rec_target *rt,
    const struct smtp_result *r);
/* An established monitor connection ended (k as mlimit_end_kind() read it)
 * after idle_us of silence: lost (SMD1828W, the failure facts) or closed by
 * the server (SMD1826I, the row's last close); the next connection in
 * retry_ms. */
void recorder_closed(struct rec_target *rt, enum mlimit_end k, const struct smtp_result *r,
    uint64_t idle_us, uint64_t retry_ms);
/* The limits in force (keeper_view() under the current NoopInterval and
 * NoopBudget) into the row; news: logged as learned (SMD1829I) first. */
void recorder_limits(struct recorder *rec, struct rec_target *rt, const struct keeper *kp,
    bool news);
/* A NOOP reply r came throttled (usual_us: the connection's fastest round
 * trip) and kp has taken it in: counted, the limits into the row, logged
 * (SMD1827I). */
void recorder_throttled(struct recorder *rec, struct rec_target *rt, const struct keeper *kp,
    const struct smtp_result *r, uint64_t usual_us);
/* agent/outbox's outbox_dest_fn (arg: the recorder): the event hook and
 * AlertCommand as they are now. */
void recorder_alert_dest(void *rec, struct outbox_dest *d);
/* Hand ev to the event hook, if there is one. */
void recorder_announce(const struct recorder *rec, const struct monitor_event *ev);
/* The AlertCommand runner, started on first use (ALERTCMD_TIMEOUT_S). */
struct alertcmd *recorder_alertcmd(struct recorder *rec);

/* Accept the target's current posture as its baseline (SMD1855I). */
void recorder_reset(struct recorder *rec, struct rec_target *rt, time_t now);

#endif
