/* agent/cli/checkpol.h: the published-policy part of `smtpmonctl check`
 * (--dane, --mta-sts DOMAIN, --name-server, --trust-anchor).
 *
 * With any of them the check's lookups go through the validating resolver
 * (vdns): HOST's addresses (A, then AAAA) from checkpol_resolve(), which
 * runs the loop until they are answered; then checkpol_start() gathers the
 * TLSA set and the MTA-STS policy (polfetch) while the SMTP probe runs on the
 * same loop. After both, checkpol_decide() turns the facts and the
 * connection into results; checkpol_status() is the plugin status they give
 * (CRITICAL on a DANE mismatch, a bogus answer (of the TLSA set or of HOST's
 * addresses), an enforce-violation; a
 * policy that cannot be fetched is never UNKNOWN), checkpol_json() and
 * checkpol_text() print them.
 */
#ifndef SMTPMON_CHECKPOL_H
#define SMTPMON_CHECKPOL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct event_base;
struct json;
struct smtp_session;
struct checkpol;

struct checkpol_opts {
	bool dane;
	const char *sts_domain;   /* NULL: no MTA-STS */
	const char *nameserver;   /* NULL: /etc/resolv.conf's forwarders */
	const char *trust_anchor; /* NULL: the system's root anchor */
	const char *cafile;       /* policy server's trust store; NULL system */
	double timeout_s;
};

/* NULL with err on a bad option or resolver setup. */
struct checkpol *checkpol_new(struct event_base *base, const struct checkpol_opts *o,
    char *err, size_t errlen);
void checkpol_free(struct checkpol *c);

/* HOST's address through the resolver (a literal is taken as it is); false
 * with err when there is none. A bogus answer is remembered for DANE. */
bool checkpol_resolve(struct checkpol *c, const char *host, unsigned port,
    struct sockaddr_storage *ss, socklen_t *sslen, char *err, size_t errlen);
/* Start gathering the TLSA set and the MTA-STS policy for host. */
void checkpol_start(struct checkpol *c, const char *host, unsigned port);
bool checkpol_done(const struct checkpol *c);

struct event_base *checkpol_base(const struct checkpol *c);
/* HOST's address records failed DNSSEC validation (checkpol_resolve). */
bool checkpol_bogus(const struct checkpol *c);
/* Results of the finished session s (started with keep_chain) to mx; s NULL:
 * no connection was made (HOST had no usable address). */
void checkpol_decide(struct checkpol *c, const struct smtp_session *s, const char *mx);
/* After checkpol_decide(): a usable TLSA record matched, so the server is
 * authenticated by DANE (the WebPKI verdict on its certificate does not
 * count, RFC 7672 3.1). */
bool checkpol_dane_valid(const struct checkpol *c);
int checkpol_status(const struct checkpol *c);
/* One ", DANE ... , MTA-STS ..." fragment for the status line. */
void checkpol_summary(const struct checkpol *c, char *out, size_t outsz);
void checkpol_json(const struct checkpol *c, struct json *j);
void checkpol_text(const struct checkpol *c);

#endif
