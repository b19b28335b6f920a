/* agent/config/conftarget.c: the TargetServer and AuthEntity blocks (see
 * conftarget.h), internal to the config parser. */
#include "buildconf.h"
#include "conftarget.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "confdup.h"
#include "tlsver.h"
#include "util.h"

#define PASSWORD_MAX  1024     /* first line of a PasswordFile */

struct tpriv {                     /* per target, for late checks */
	size_t addrs_cap;
	bool has_ip, has_name, has_mx;
	bool mta_sts_off;           /* MtaSts No */
	int dane_line, mta_sts_line; /* where Dane Yes / MtaSts DOMAIN was given; 0 not */
	int host_line;
	char host_kw[KW_NAME];
	char *auth_name;
	int auth_line;
	char auth_kw[KW_NAME];
};

struct apriv {                     /* per AuthEntity */
	char kw[KW_NAME];
	bool has_user, has_pwfile;
};

struct addr_ref {                  /* per TargetIP, for the duplicate check */
	size_t target, index;
	int line;
	char kw[KW_NAME];
};

static struct cfg_target *
cur_target(struct pstate *ps)
{
	return &ps->cfg->targets[ps->blk.index];
}

/* A new slot at the end of cfg->targets, with its tpriv; its index. */
static size_t
new_target(struct pstate *ps)
{
	struct config *cfg = ps->cfg;

	if (cfg->n_targets == ps->targets_cap) {
		ps->targets_cap = ps->targets_cap ? ps->targets_cap * 2 : 8;
		cfg->targets = xrealloc(cfg->targets, ps->targets_cap * sizeof *cfg->targets);
		ps->tp = xrealloc(ps->tp, ps->targets_cap * sizeof *ps->tp);
	}
	return cfg->n_targets++;
}

void
conftarget_open(struct pstate *ps, const struct stmt *st)
{
	struct config *cfg = ps->cfg;
	struct block *bk = &ps->blk;

	bk->index = new_target(ps);
	memset(&cfg->targets[bk->index], 0, sizeof cfg->targets[0]);
	cfg->targets[bk->index].port = 25;
	cfg->targets[bk->index].line = st->line;
	memset(&ps->tp[bk->index], 0, sizeof ps->tp[0]);
}

void
conftarget_open_auth(struct pstate *ps, const struct stmt *st, bool value_ok)
{
	struct config *cfg = ps->cfg;
	struct block *bk = &ps->blk;
	char b[CONF_SHOW_BUF];
	size_t i;

	if (cfg->n_auths == ps->auths_cap) {
		ps->auths_cap = ps->auths_cap ? ps->auths_cap * 2 : 4;
		cfg->auths = xrealloc(cfg->auths, ps->auths_cap * sizeof *cfg->auths);
		ps->ap = xrealloc(ps->ap, ps->auths_cap * sizeof *ps->ap);
	}
	bk->index = cfg->n_auths++;
	memset(&cfg->auths[bk->index], 0, sizeof cfg->auths[0]);
	memset(&ps->ap[bk->index], 0, sizeof ps->ap[0]);
	cfg->auths[bk->index].line = st->line;
	str_copy(ps->ap[bk->index].kw, st->kwshow, sizeof ps->ap[0].kw);
	if (!value_ok)
		return;
	if (!conf_valid_word(st->vals[0].text, 64)) {
		ps_serr(ps, st, "\"%s\" is not a name (1-64 of A-Z a-z 0-9 . _ -)",
		    conf_show(st->vals[0].text, b));
		return;
	}
	for (i = 0; i + 1 < cfg->n_auths; i++)
		if (cfg->auths[i].name != NULL &&
		    strcmp(cfg->auths[i].name, st->vals[0].text) == 0) {
			ps_serr(ps, st, "name \"%s\" given twice (first at line %d)",
			    conf_show(st->vals[0].text, b), cfg->auths[i].line);
			break;
		}
	if (i + 1 == cfg->n_auths)
		cfg->auths[bk->index].name = xstrdup(st->vals[0].text);
}

/* The block being closed has TargetIP lines and a TargetName (or TargetMx),
 * as CSSMTP allows: the host part becomes a target of its own with the same
 * port and policy, placed right after; the block keeps the addresses. */
static void
split_target(struct pstate *ps)
{
	struct config *cfg = ps->cfg;
	size_t i = ps->blk.index, j;
	struct cfg_target *t, *h;
	struct tpriv *tp, *hp;

	j = new_target(ps);
	t = &cfg->targets[i];
	tp = &ps->tp[i];
	h = &cfg->targets[j];
	hp = &ps->tp[j];
	*h = *t;
	*hp = *tp;
	h->kind = tp->has_name ? TARGET_NAME : TARGET_MX;
	h->addrs = NULL;
	h->n_addrs = 0;
	h->tls_server_name = t->tls_server_name ? xstrdup(t->tls_server_name) : NULL;
	h->mta_sts = t->mta_sts ? xstrdup(t->mta_sts) : NULL;
	hp->addrs_cap = 0;
	hp->has_ip = false;
	hp->auth_name = tp->auth_name ? xstrdup(tp->auth_name) : NULL;
	t->host = NULL;             /* moved to h */
	tp->has_name = tp->has_mx = false;
}

void
conftarget_close(struct pstate *ps)
{
	struct block *bk = &ps->blk;
	struct cfg_target *t;
	struct tpriv *tp = &ps->tp[bk->index];
	const char *kinds[3];
	size_t i;
	int n = 0;

	if (tp->has_ip)
		kinds[n++] = "TargetIP";
	if (tp->has_name)
		kinds[n++] = "TargetName";
	if (tp->has_mx)
		kinds[n++] = "TargetMx";
	if (n == 0)
		ps_err(ps, bk->line, bk->kw, "needs TargetIP, TargetName or TargetMx");
	else if (n == 2 && tp->has_ip)
		split_target(ps);   /* CSSMTP: TargetIP and TargetName in one block */
	else if (n == 2)
		ps_err(ps, bk->line, bk->kw, "mixes %s and %s (one kind per block)",
		    kinds[0], kinds[1]);
	else if (n == 3)
		ps_err(ps, bk->line, bk->kw,
		    "mixes TargetIP, TargetName and TargetMx (one kind per block)");
	t = cur_target(ps);          /* split_target() may have moved them */
	tp = &ps->tp[bk->index];
	t->kind = tp->has_ip ? TARGET_IP : tp->has_name ? TARGET_NAME : TARGET_MX;
	if (t->kind == TARGET_IP) {
		free(t->host);
		t->host = NULL;
	}
	/* DANE and MTA-STS judge the TLS a connection negotiates, and smtpmon
	 * negotiates TLS only when told to (Secure Yes, AuthEntity: PH66548) */
	if ((t->dane || (t->mta_sts && tp->mta_sts_line)) && !t->secure && tp->auth_name == NULL)
		ps_err(ps, t->dane ? tp->dane_line : tp->mta_sts_line, t->dane ? "Dane" : "MtaSts",
		    "needs Secure Yes or an AuthEntity (the checks judge the TLS a connection "
		    "negotiates)");
	if (t->dane && t->kind == TARGET_IP && t->tls_server_name == NULL)
		ps_err(ps, tp->dane_line, "Dane", "needs a host name for the TLSA lookup: "
		    "TargetName, TargetMx or TlsServerName");
	if (t->mta_sts && t->kind == TARGET_IP && t->tls_server_name == NULL)
		ps_err(ps, tp->mta_sts_line, "MtaSts", "needs the MX host name: TargetName, "
		    "TargetMx or TlsServerName");
	if (t->kind == TARGET_MX && t->mta_sts == NULL && !tp->mta_sts_off && t->host &&
	    (t->secure || tp->auth_name != NULL))
		t->mta_sts = xstrdup(t->host); /* an MX of that domain: its policy applies */
	for (i = 0; i < t->n_addrs; i++) {
		struct cfg_addr *a = &t->addrs[i];
		if (a->ss.ss_family == AF_INET)
			((struct sockaddr_in *)&a->ss)->sin_port = htons(t->port);
		else
			((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(t->port);
	}
}

void
conftarget_close_auth(struct pstate *ps)
{
	struct block *bk = &ps->blk;

	if (!ps->ap[bk->index].has_user)
		ps_err(ps, bk->line, bk->kw, "missing User");
	if (!ps->ap[bk->index].has_pwfile)
		ps_err(ps, bk->line, bk->kw, "missing PasswordFile");
}

/* The mark of a statement the close checks, or NULL. */
static bool *
given_mark(struct pstate *ps, enum kw_id id)
{
	size_t i = ps->blk.index;

	switch (id) {
	case K_TARGETIP:     return &ps->tp[i].has_ip;
	case K_TARGETNAME:   return &ps->tp[i].has_name;
	case K_TARGETMX:     return &ps->tp[i].has_mx;
	case K_AUTHUSER:     return &ps->ap[i].has_user;
	case K_PASSWORDFILE: return &ps->ap[i].has_pwfile;
	default:             return NULL;
	}
}

/* What a block checks at its end depends on what was given, valid or not. */
void
conftarget_given(struct pstate *ps, enum kw_id id)
{
	bool *mark = given_mark(ps, id);

	if (mark != NULL)
		*mark = true;
}

void
kw_targetip(struct pstate *ps, const struct stmt *st)
{
	char b[CONF_SHOW_BUF];
	const char *v = stmt_value(st);
	struct cfg_target *t = cur_target(ps);
	struct cfg_addr a;

	memset(&a, 0, sizeof a);
	if (strlen(v) < sizeof a.text) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&a.ss;
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a.ss;
		if (inet_pton(AF_INET, v, &s4->sin_addr) == 1) {
			s4->sin_family = AF_INET;
			a.len = sizeof *s4;
		} else if (inet_pton(AF_INET6, v, &s6->sin6_addr) == 1) {
			s6->sin6_family = AF_INET6;
			a.len = sizeof *s6;
		}
	}
	if (a.len == 0) {
		ps_serr(ps, st, "\"%s\" is not an IPv4 or IPv6 address", conf_show(v, b));
		return;
	}
	str_copy(a.text, v, sizeof a.text);
	if (t->n_addrs == ps->tp[ps->blk.index].addrs_cap) {
		size_t *cap = &ps->tp[ps->blk.index].addrs_cap;
		*cap = *cap ? *cap * 2 : 2;
		t->addrs = xrealloc(t->addrs, *cap * sizeof *t->addrs);
	}
	t->addrs[t->n_addrs] = a;
	if (ps->n_ar == ps->ar_cap) {
		ps->ar_cap = ps->ar_cap ? ps->ar_cap * 2 : 16;
		ps->ar = xrealloc(ps->ar, ps->ar_cap * sizeof *ps->ar);
	}
	ps->ar[ps->n_ar].target = ps->blk.index;
	ps->ar[ps->n_ar].index = t->n_addrs;
	ps->ar[ps->n_ar].line = st->line;
	str_copy(ps->ar[ps->n_ar].kw, st->kwshow, sizeof ps->ar[ps->n_ar].kw);
	ps->n_ar++;
	t->n_addrs++;
}

/* TargetName or TargetMx */
static void
target_host(struct pstate *ps, const struct stmt *st, bool mx)
{
	char b[CONF_SHOW_BUF];
	const char *v = stmt_value(st);
	struct tpriv *tp = &ps->tp[ps->blk.index];

	if (!conf_valid_dns_name(v, true)) {
		ps_serr(ps, st, "\"%s\" is not a %s name", conf_show(v, b), mx ? "domain" : "host");
		return;
	}
	if (cur_target(ps)->host != NULL)   /* a TargetName and a TargetMx: reported at close */
		return;
	cur_target(ps)->host = xstrdup(v);
	tp->host_line = st->line;
	str_copy(tp->host_kw, st->kwshow, sizeof tp->host_kw);
}

void
kw_targetname(struct pstate *ps, const struct stmt *st)
{
	target_host(ps, st, false);
}

void
kw_targetmx(struct pstate *ps, const struct stmt *st)
{
	target_host(ps, st, true);
}

void
kw_connectport(struct pstate *ps, const struct stmt *st)
{
	char b[CONF_SHOW_BUF];
	const char *v = stmt_value(st);
	uint16_t port;

	if (!conf_parse_port(v, &port)) {
		ps_serr(ps, st, "\"%s\" is not a port (1-65535)", conf_show(v, b));
		return;
	}
	cur_target(ps)->port = port;
}

void
kw_secure(struct pstate *ps, const struct stmt *st)
{
	char b[CONF_SHOW_BUF];
	const char *v = stmt_value(st);

	if (strcasecmp(v, "yes") == 0)
		cur_target(ps)->secure = true;
	else if (strcasecmp(v, "no") == 0)
		cur_target(ps)->secure = false;
	else
		ps_serr(ps, st, "\"%s\" is not Yes or No", conf_show(v, b));
}

/* AuthEntity NAME inside TargetServer: looked up at the end (resolve_auth()) */
void
kw_authref(struct pstate *ps, const struct stmt *st)
{
	struct tpriv *tp = &ps->tp[ps->blk.index];

	tp->auth_name = xstrdup(stmt_value(st));
	tp->auth_line = st->line;
	str_copy(tp->auth_kw, st->kwshow, sizeof tp->auth_kw);
}

void
kw_tlsname(struct pstate *ps, const struct stmt *st)
{
	const char *v = stmt_value(st);
	unsigned char a4[4];

	ps_set_string(ps, st, &cur_target(ps)->tls_server_name,
	    conf_valid_dns_name(v, false) && inet_pton(AF_INET, v, a4) != 1, "a DNS name");
}

void
kw_mintls(struct pstate *ps, const struct stmt *st)
{
	char b[CONF_SHOW_BUF];
	const char *v = stmt_value(st);
	int level = tlsver_parse(v);

	if (level == 0) {
		ps_serr(ps, st, "\"%s\" is not a TLS level (10, 11, 12, 13, T1 or TLSv1.0 .. TLSv1.3)",
		    conf_show(v, b));
		return;
	}
	cur_target(ps)->min_tls = level;
	cur_target(ps)->min_tls_name = tlsver_name(level);
}

void
kw_dane(struct pstate *ps, const struct stmt *st)
{
	char b[CONF_SHOW_BUF];
	const char *v = stmt_value(st);

	if (strcasecmp(v, "yes") == 0) {
		cur_target(ps)->dane = true;
		ps->tp[ps->blk.index].dane_line = st->line;
	} else if (strcasecmp(v, "no") == 0) {
		cur_target(ps)->dane = false;
	} else {
		ps_serr(ps, st, "\"%s\" is not Yes or No", conf_show(v, b));
	}
}

/* MtaSts DOMAIN | No */
void
kw_mtasts(struct pstate *ps, const struct stmt *st)
{
	const char *v = stmt_value(st);

	if (strcasecmp(v, "no") == 0) {
		free(cur_target(ps)->mta_sts);
		cur_target(ps)->mta_sts = NULL;
		ps->tp[ps->blk.index].mta_sts_off = true;
		return;
	}
	ps_set_string(ps, st, &cur_target(ps)->mta_sts,
	    conf_valid_dns_name(v, false) && strchr(v, '.') != NULL, "a domain name or No");
	ps->tp[ps->blk.index].mta_sts_line = st->line;
}

void
kw_authuser(struct pstate *ps, const struct stmt *st)
{
	const char *v = stmt_value(st);
	size_t n = strlen(v);

	if (n > 255) {
		ps_serr(ps, st, "user name too long (%zu bytes, max 255)", n);
		return;
	}
	ps->cfg->auths[ps->blk.index].user = xstrdup(v);
}

void
kw_passwordfile(struct pstate *ps, const struct stmt *st)
{
	ps_set_path(ps, st, &ps->cfg->auths[ps->blk.index].password_file, 0);
}

/* ------------------------------------------------------------------ */
/* checks at the end of the file                                       */

/* Addresses and hosts given twice (agent/confdup). */
static void
check_duplicates(struct pstate *ps)
{
	struct config *cfg = ps->cfg;
	struct confdup_ref *r;
	size_t i, n = 0;

	r = xcalloc(ps->n_ar + cfg->n_targets + 1, sizeof *r);
	for (i = 0; i < ps->n_ar; i++) {
		r[n].a = &cfg->targets[ps->ar[i].target].addrs[ps->ar[i].index];
		r[n].line = ps->ar[i].line;
		r[n].kw = ps->ar[i].kw;
		n++;
	}
	confdup_addrs(&ps->el, r, n);

	n = 0;
	for (i = 0; i < cfg->n_targets; i++) {
		if (cfg->targets[i].host == NULL || cfg->targets[i].kind == TARGET_IP)
			continue;
		r[n].host = cfg->targets[i].host;
		r[n].kind = cfg->targets[i].kind;
		r[n].port = cfg->targets[i].port;
		r[n].line = ps->tp[i].host_line;
		r[n].kw = ps->tp[i].host_kw;
		n++;
	}
	confdup_hosts(&ps->el, r, n);
	free(r);
}

static void
resolve_auth(struct pstate *ps)
{
	struct config *cfg = ps->cfg;
	size_t i, j;

	for (i = 0; i < cfg->n_targets; i++) {
		struct tpriv *tp = &ps->tp[i];
		char b[CONF_SHOW_BUF];
		if (tp->auth_name == NULL)
			continue;
		for (j = 0; j < cfg->n_auths; j++)
			if (cfg->auths[j].name != NULL && strcmp(cfg->auths[j].name, tp->auth_name) == 0)
				break;
		if (j < cfg->n_auths)
			cfg->targets[i].auth = &cfg->auths[j];
		else
			ps_err(ps, tp->auth_line, tp->auth_kw, "no AuthEntity block named \"%s\"",
			    conf_show(tp->auth_name, b));
	}
}

/* First line of the file, without its line end; an error at the AuthEntity. */
static void
read_password(struct pstate *ps, size_t idx)
{
	struct cfg_auth *a = &ps->cfg->auths[idx];
	const char *kw = ps->ap[idx].kw;
	char buf[PASSWORD_MAX + 2], b[CONF_SHOW_BUF];
	size_t len;
	FILE *f;

	conf_show(a->password_file, b);
	f = fopen(a->password_file, "re");
	if (f == NULL) {
		ps_err(ps, a->line, kw, "PasswordFile \"%s\": %s", b, strerror(errno));
		return;
	}
	if (fgets(buf, sizeof buf, f) == NULL) {
		if (ferror(f))
			ps_err(ps, a->line, kw, "PasswordFile \"%s\": %s", b, strerror(errno));
		else
			ps_err(ps, a->line, kw, "PasswordFile \"%s\" is empty", b);
		fclose(f);
		return;
	}
	fclose(f);
	len = strcspn(buf, "\n");
	if (buf[len] != '\n' && len > PASSWORD_MAX)
		ps_err(ps, a->line, kw, "PasswordFile \"%s\": first line longer than %d bytes",
		    b, PASSWORD_MAX);
	else if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len == 0)
		ps_err(ps, a->line, kw, "PasswordFile \"%s\" is empty", b);
	else if (len <= PASSWORD_MAX)
		a->password = xstrndup(buf, len);
	explicit_bzero(buf, sizeof buf);
}

void
conftarget_finish(struct pstate *ps, bool load_passwords)
{
	struct config *cfg = ps->cfg;
	size_t i;

	resolve_auth(ps);
	check_duplicates(ps);
	if (load_passwords)
		for (i = 0; i < cfg->n_auths; i++)
			if (cfg->auths[i].password_file != NULL)
				read_password(ps, i);
}

void
conftarget_free(struct pstate *ps)
{
	size_t i;

	for (i = 0; i < ps->cfg->n_targets; i++)
		free(ps->tp[i].auth_name);
	free(ps->tp);
	free(ps->ap);
	free(ps->ar);
}
