/* agent/schedule/sessenv.h: what every probe session of one configuration shares.
 *
 * The HELO name (HeloName, else the host name, else "localhost") and the
 * TLS context (CAFile, else the system store), with its verification
 * cache on (tls_ctx_verify_cache: a chain verified in the last
 * SESSENV_VERIFY_TTL_S seconds, under the same store, and still in the same
 * validity span is not verified again). Counted: a reload makes a
 * new environment, and the old one goes with the last connection that
 * uses it. The TLS context is shared with the previous environment when
 * the CA file did not change. Readers use the fields; only this module
 * writes them. sessenv_session_cfg() gives what one session starts with:
 * this environment, its target's policy and the configured timeouts.
 */
#ifndef SMTPMON_SESSENV_H
#define SMTPMON_SESSENV_H

#include "smtp_session.h"

#include <stddef.h>

struct config;
struct policy;
struct tls_ctx;

#define SESSENV_VERIFY_TTL_S 3600

struct sess_env {
	unsigned refs;
	char *helo;
	struct tls_ctx *tls;
};

/* The environment of cfg, one reference held by the caller. old (NULL at
 * the first) is the environment in use and old_cfg (NULL at the first) the
 * configuration last applied: old's TLS context is taken over when the CA
 * file is the same. NULL on error (message in err). */
struct sess_env *sessenv_new(const struct config *cfg, struct sess_env *old,
    const struct config *old_cfg, char *err, size_t errlen);
/* One more reference; returns e. */
struct sess_env *sessenv_ref(struct sess_env *e);
/* One reference less; the last frees e. NULL is allowed. */
void sessenv_unref(struct sess_env *e);

/* The configuration of a session in mode under e and pol, with cfg's
 * ConnectTimeout, InitialTimeout and AnyCmdTimeout (no total limit). out
 * points into e and pol: the session must hold references to both. */
void sessenv_session_cfg(const struct sess_env *e, const struct policy *pol,
    const struct config *cfg, enum smtp_mode mode, struct smtp_session_cfg *out);

#endif
