/* agent/schedule/sessenv.c: see sessenv.h. */
#include "buildconf.h"
#include "sessenv.h"
#include "config.h"
#include "policy.h"
#include "tls.h"
#include "util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sess_env *
sessenv_new(const struct config *cfg, struct sess_env *old, const struct config *old_cfg,
    char *err, size_t errlen)
{
	char host[256];
	const char *old_ca = old_cfg ? old_cfg->ca_file : NULL;
	bool ca_changed = old == NULL ||
	    (old_ca == NULL) != (cfg->ca_file == NULL) ||
	    (old_ca != NULL && strcmp(old_ca, cfg->ca_file) != 0);
	struct sess_env *env = xcalloc(1, sizeof *env);

	env->refs = 1;
	env->tls = ca_changed ? tls_ctx_new(cfg->ca_file, err, errlen) : tls_ctx_ref(old->tls);
	if (env->tls == NULL) {
		free(env);
		return NULL;
	}
	/* every classification verifies the target's chain again; an
	 * unchanged one is answered from the cache (no cache if it fails) */
	if (ca_changed)
		(void)tls_ctx_verify_cache(env->tls, cfg->ca_file, SESSENV_VERIFY_TTL_S);
	if (cfg->helo_name != NULL) {
		env->helo = xstrdup(cfg->helo_name);
	} else {
		if (gethostname(host, sizeof host) != 0 || host[0] == '\0')
			str_copy(host, "localhost", sizeof host);
		host[sizeof host - 1] = '\0';
		env->helo = xstrdup(host);
	}
	return env;
}

struct sess_env *
sessenv_ref(struct sess_env *e)
{
	e->refs++;
	return e;
}

void
sessenv_unref(struct sess_env *e)
{
	if (e == NULL || --e->refs > 0)
		return;
	free(e->helo);
	tls_ctx_free(e->tls);
	free(e);
}

void
sessenv_session_cfg(const struct sess_env *e, const struct policy *pol, const struct config *cfg,
    enum smtp_mode mode, struct smtp_session_cfg *out)
{
	*out = (struct smtp_session_cfg){
		.helo_name = e->helo,
		.secure = pol->secure,
		.auth_user = pol->auth_user,
		.auth_pass = pol->auth_pass,
		.servername = pol->servername,
		.tls = e->tls,
		.mode = mode,
		.connect_ms = cfg->connect_ms,
		.initial_ms = cfg->initial_ms,
		.anycmd_ms = cfg->anycmd_ms,
		.total_ms = 0,
		.keep_chain = pol->dane,
	};
}
