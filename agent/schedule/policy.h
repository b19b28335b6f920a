/* agent/schedule/policy.h: what a connection needs from its TargetServer block.
 *
 * A policy is Secure, AuthEntity, TlsServerName, MinTlsLevel, Dane and
 * MtaSts, copied out
 * of the configuration, shared and reference counted: a connection that
 * is still closing keeps its strings alive after a reload dropped the
 * block. Readers use the fields; only this module writes them. sig is the
 * whole policy as one string: two policies are the same when their sigs
 * are (a reload keeps a target whose policy did not change).
 */
#ifndef SMTPMON_POLICY_H
#define SMTPMON_POLICY_H

#include <stdbool.h>

struct cfg_target;

struct policy {
	unsigned refs;
	bool secure;
	char *servername;
	char *auth_user, *auth_pass;
	int min_tls;
	const char *min_tls_name;  /* NULL none */
	bool dane;                 /* Dane Yes */
	char *mta_sts;             /* MtaSts domain; NULL none */
	char *sig;                 /* compared on reload */
};

/* The policy of ct, one reference held by the caller. */
struct policy *policy_new(const struct cfg_target *ct);
/* One more reference; returns p. */
struct policy *policy_ref(struct policy *p);
/* One reference less; the last frees p (the password wiped). NULL is allowed. */
void policy_unref(struct policy *p);

#endif
