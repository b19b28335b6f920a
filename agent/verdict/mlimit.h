/* agent/verdict/mlimit.h: what a server's self-defence means for a kept monitor
 * connection, and the limits smtpmond learns from it.
 *
 * Mail servers end idle clients (Postfix smtpd_timeout, Exim
 * smtp_receive_timeout, Exchange's 5 minutes) and count NOOPs (Exim's
 * smtp_accept_max_nonmail, sendmail's MaxNOOPCommands, Postfix's junk
 * command and error limits). None of that is an outage. agent/monitor asks
 * this module how to read what happened and what to do next; it is pure
 * (no clock, no I/O), so every rule is unit-tested.
 *
 *   mlimit_end_kind()       how an established monitor connection ended:
 *                           an idle close, a command close (both "server
 *                           closes": reconnect at once) or a loss
 *   mlimit_throttled()      was a NOOP reply slowed on purpose?
 *   mlimit_learn_close()    a server close teaches a limit
 *   mlimit_learn_throttle() so does a throttled reply
 *   mlimit_noop_ms()        the NOOP interval in force
 *   mlimit_budget()         the NOOPs allowed on one connection
 *
 * Counting: "noops" is the number of NOOPs answered on one connection,
 * the classification's own NOOP included; the budget is the most a
 * connection sends before smtpmond ends it with QUIT and opens a fresh one
 * (a recycle).
 */
#ifndef SMTPMON_MLIMIT_H
#define SMTPMON_MLIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "smtp_session.h"

#define MLIMIT_NOOP_MIN_MS     1000u    /* never NOOP more often than this */
#define MLIMIT_IDLE_SHARE_PCT  80u      /* NOOP at 80 % of a learned idle limit */
#define MLIMIT_THROTTLE_US     900000u  /* a reply this much slower than usual ... */
#define MLIMIT_THROTTLE_FACTOR 4u       /* ... and this many times as slow is a throttle */
#define MLIMIT_DEFAULT_BUDGET  8u       /* under Exim's 10, sendmail's 20, Postfix's 100 */
#define MLIMIT_HEELS_MS        2500u    /* a close this soon after a reply is that reply's */
#define MLIMIT_CONFIRM_PCT     25u      /* two silent idle closes this close agree */

struct mlimit {
	uint32_t idle_ms;   /* learned idle limit; 0 none */
	unsigned budget;    /* learned NOOP budget per connection; 0 none */
	uint32_t suspect_idle_ms;  /* a silent idle close not yet confirmed; 0 none */
	unsigned suspect_budget;   /* a silent command close not yet confirmed; 0 none */
};

enum mlimit_end {
	MLIMIT_END_IDLE,     /* server close of an idle connection (421 timeout, FIN, RST) */
	MLIMIT_END_COMMAND,  /* server close in answer to a NOOP (421/554 limit, FIN, RST) */
	MLIMIT_END_LOST,     /* no answer in time, TLS or protocol error */
};

/* How an established (classified) monitor connection that the server ended
 * is to be read: f and st from its smtp_result, code and reply the server's
 * last reply (0 / NULL when none), idle_us the silence since the reply
 * before it. An end within MLIMIT_HEELS_MS of a NOOP's reply, while idle and
 * without a word of a timeout, belongs to that NOOP: Postfix answers the
 * NOOP that reaches its hard error limit with 250, then "421 4.7.0 ...
 * Error: too many errors" (after its 1 s error sleep when the soft limit is
 * passed too). */
enum mlimit_end mlimit_end_kind(enum smtp_fail f, enum smtp_state st, int code,
    const char *reply, uint64_t idle_us);
const char *mlimit_end_name(enum mlimit_end k);

/* A NOOP reply of rtt_us where the connection's usual round trip is base_us. */
bool mlimit_throttled(uint64_t rtt_us, uint64_t base_us);

/* A server close of kind k in state st (IDLE or NOOP) after idle_us of
 * silence, with noops NOOPs answered on that connection, reply the
 * server's words (NULL none). An idle close of at least 1 s sets the idle
 * limit when the reply speaks of a timeout; a silent one (a FIN, an RST,
 * other words: a restart, a fail-over, a NAT table flushed look the same)
 * only when a second one agrees within MLIMIT_CONFIRM_PCT, the first being
 * kept as the suspect. A command close sets the budget to the NOOPs the
 * server took without complaint (noops when it refused a NOOP, noops - 1
 * when it closed right after answering one; at least 1): at once when the
 * server said something, when a second one agrees if it closed without a
 * word. A limit only ever comes down. Returns true when a limit was
 * learned. */
bool mlimit_learn_close(struct mlimit *l, enum mlimit_end k, enum smtp_state st, uint64_t idle_us,
    unsigned noops, const char *reply);
/* The reply to NOOP number noops (1-based) was throttled: budget noops - 1
 * (at least 1). Returns true when the budget came down. */
bool mlimit_learn_throttle(struct mlimit *l, unsigned noops);

/* The NOOP interval in force: cfg_ms, or less when an idle limit was
 * learned (80 % of it, never under MLIMIT_NOOP_MIN_MS). */
uint32_t mlimit_noop_ms(const struct mlimit *l, uint32_t cfg_ms);
/* The budget in force: the learned one when it is smaller than cfg (0 in
 * cfg: no limit configured). 0 = no limit. */
unsigned mlimit_budget(const struct mlimit *l, unsigned cfg);

#endif
