/* agent/cli/lazylibs.c: libunbound and libevent_openssl for smtpmonctl,
 * opened on first use.
 *
 * Only `smtpmonctl check --dane / --mta-sts / --name-server` uses them
 * (probes/vdns.c: DNSSEC-validated lookups; probes/httpsget.c: the MTA-STS
 * policy over HTTPS). Linked the usual way they would be loaded, relocated
 * and paged in at every start, with libunbound's own dependencies (libnettle,
 * libhogweed, libgmp), for the plain check too. So smtpmonctl is linked
 * without them and this file defines the functions it calls from them, under
 * their own names and prototypes (the libraries' headers): the first call of
 * one dlopen()s the library by the soname configure found (UNBOUND_SONAME,
 * EVOPENSSL_SONAME) and every call goes on to the library's function. A
 * library that cannot be opened ends the process with the plugin status
 * UNKNOWN (3) and its reason on stderr; it is a dependency of the package,
 * so that is a broken installation. smtpmond and the tests link both
 * libraries directly; tests/integration/ctl-libs.sh checks that smtpmonctl
 * does not, and the check-dane.sh / check-mtasts.sh runs go through here.
 */
#include "buildconf.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent_ssl.h>
#include <unbound.h>

static void *unbound_lib, *evopenssl_lib;

/* The address of NAME in the library SONAME (opened once into *lib). */
static void *
lazy_sym(void **lib, const char *soname, const char *name)
{
	void *f;

	if (*lib == NULL && (*lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		fprintf(stderr, "smtpmonctl: cannot load %s: %s\n", soname, dlerror());
		exit(3);
	}
	if ((f = dlsym(*lib, name)) == NULL) {
		fprintf(stderr, "smtpmonctl: %s has no %s: %s\n", soname, name, dlerror());
		exit(3);
	}
	return f;
}

/* In a function named like the library's: p points to the library's one
 * (same type, checked against its declaration in the header). */
#define LAZY(lib, soname, name) \
	static __typeof__(name) *p; \
	if (p == NULL) { \
		void *s_ = lazy_sym(&(lib), (soname), #name); \
		memcpy(&p, &s_, sizeof p); \
	}
#define UB(name) LAZY(unbound_lib, UNBOUND_SONAME, name)
#define EO(name) LAZY(evopenssl_lib, EVOPENSSL_SONAME, name)

struct ub_ctx *
ub_ctx_create(void)
{
	UB(ub_ctx_create);
	return p();
}

void
ub_ctx_delete(struct ub_ctx *ctx)
{
	UB(ub_ctx_delete);
	p(ctx);
}

int
ub_ctx_set_option(struct ub_ctx *ctx, const char *opt, const char *val)
{
	UB(ub_ctx_set_option);
	return p(ctx, opt, val);
}

int
ub_ctx_set_fwd(struct ub_ctx *ctx, const char *addr)
{
	UB(ub_ctx_set_fwd);
	return p(ctx, addr);
}

int
ub_ctx_resolvconf(struct ub_ctx *ctx, const char *fname)
{
	UB(ub_ctx_resolvconf);
	return p(ctx, fname);
}

int
ub_ctx_add_ta_file(struct ub_ctx *ctx, const char *fname)
{
	UB(ub_ctx_add_ta_file);
	return p(ctx, fname);
}

int
ub_ctx_async(struct ub_ctx *ctx, int dothread)
{
	UB(ub_ctx_async);
	return p(ctx, dothread);
}

int
ub_fd(struct ub_ctx *ctx)
{
	UB(ub_fd);
	return p(ctx);
}

int
ub_process(struct ub_ctx *ctx)
{
	UB(ub_process);
	return p(ctx);
}

int
ub_resolve_async(struct ub_ctx *ctx, const char *name, int rrtype, int rrclass, void *mydata,
    ub_callback_type callback, int *async_id)
{
	UB(ub_resolve_async);
	return p(ctx, name, rrtype, rrclass, mydata, callback, async_id);
}

int
ub_cancel(struct ub_ctx *ctx, int async_id)
{
	UB(ub_cancel);
	return p(ctx, async_id);
}

void
ub_resolve_free(struct ub_result *result)
{
	UB(ub_resolve_free);
	p(result);
}

const char *
ub_strerror(int err)
{
	UB(ub_strerror);
	return p(err);
}

struct bufferevent *
bufferevent_openssl_socket_new(struct event_base *base, evutil_socket_t fd, struct ssl_st *ssl,
    enum bufferevent_ssl_state state, int options)
{
	EO(bufferevent_openssl_socket_new);
	return p(base, fd, ssl, state, options);
}

unsigned long
bufferevent_get_openssl_error(struct bufferevent *bev)
{
	EO(bufferevent_get_openssl_error);
	return p(bev);
}
