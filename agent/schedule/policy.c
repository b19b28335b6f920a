/* agent/schedule/policy.c: see policy.h. */
#include "buildconf.h"
#include "policy.h"
#include "config.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct policy *
policy_new(const struct cfg_target *ct)
{
	struct policy *p = xcalloc(1, sizeof(*p));
	char sig[1024];

	p->refs = 1;
	p->secure = ct->secure;
	p->servername = ct->tls_server_name ? xstrdup(ct->tls_server_name) : NULL;
	if (ct->auth != NULL) {
		p->auth_user = xstrdup(ct->auth->user);
		p->auth_pass = xstrdup(ct->auth->password ? ct->auth->password : "");
	}
	p->min_tls = ct->min_tls;
	p->min_tls_name = ct->min_tls_name;
	p->dane = ct->dane;
	p->mta_sts = ct->mta_sts ? xstrdup(ct->mta_sts) : NULL;
	snprintf(sig, sizeof sig, "%d|%s|%s|%s|%d|%d|%s", p->secure,
	    p->servername ? p->servername : "", p->auth_user ? p->auth_user : "",
	    p->auth_pass ? p->auth_pass : "", p->min_tls, p->dane, p->mta_sts ? p->mta_sts : "");
	p->sig = xstrdup(sig);
	return p;
}

struct policy *
policy_ref(struct policy *p)
{
	p->refs++;
	return p;
}

void
policy_unref(struct policy *p)
{
	if (p == NULL || --p->refs > 0)
		return;
	free(p->servername);
	free(p->mta_sts);
	free(p->auth_user);
	if (p->auth_pass != NULL)
		explicit_bzero(p->auth_pass, strlen(p->auth_pass));
	free(p->auth_pass);
	free(p->sig);
	free(p);
}
