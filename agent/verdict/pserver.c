/* agent/verdict/pserver.c: see pserver.h. */
#include "buildconf.h"
#include "pserver.h"
#include "appldata.h"
#include "appltype.h"
#include "cipher.h"
#include "tls_wire.h"
#include "tlsver.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

struct flap {
	time_t at[PSERVER_FLAP_MAX];  /* the last announcements, ring */
	uint8_t next;
};

struct prow {
	struct pserver_view v;
	struct flap flap[PS_EV_COUNT];
	struct {                      /* an event in force: who showed it, when */
		uint8_t client[16];
		time_t since;
	} ev[PS_EV_COUNT];
	struct prow *next;            /* hash chain */
};

struct pserver_table {
	struct prow **rows;           /* index order */
	size_t n, cap, max;
	struct prow **bucket;
	size_t nbucket;               /* power of two */
	uint64_t seed;
	uint64_t dropped;
	uint32_t next_index;
	char writer[9];
};

static uint64_t
mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

static size_t
key_hash(const struct pserver_table *t, int family, const uint8_t *addr, uint16_t port)
{
	uint64_t h = t->seed ^ (uint64_t)family ^ ((uint64_t)port << 16);
	uint64_t a, b;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	h = mix(h ^ a);
	h = mix(h ^ b);
	return (size_t)h & (t->nbucket - 1);
}

struct pserver_table *
pserver_new(size_t max, const char *writer)
{
	struct pserver_table *t = xcalloc(1, sizeof(*t));

	t->max = max ? max : PSERVER_MAX_DEFAULT;
	t->nbucket = 64;   /* doubled as rows come: a small table stays in cache */
	t->bucket = xcalloc(t->nbucket, sizeof(*t->bucket));
	if (getrandom(&t->seed, sizeof t->seed, 0) != (ssize_t)sizeof t->seed)
		t->seed = (uint64_t)(uintptr_t)t ^ 0x9e3779b97f4a7c15ULL;
	t->next_index = 1;
	str_copy(t->writer, writer ? writer : "SMTPMON", sizeof t->writer);
	return t;
}

void
pserver_free(struct pserver_table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->rows[i]);
	free(t->rows);
	free(t->bucket);
	free(t);
}

size_t
pserver_count(const struct pserver_table *t)
{
	return t->n;
}

const struct pserver_view *
pserver_at(const struct pserver_table *t, size_t i)
{
	return i < t->n ? &t->rows[i]->v : NULL;
}

uint64_t
pserver_dropped(const struct pserver_table *t)
{
	return t->dropped;
}

const char *
ps_event_name(enum ps_event ev)
{
	switch (ev) {
	case PS_EV_STRIPPED:        return "starttls-stripped";
	case PS_EV_MANGLED:         return "starttls-mangled";
	case PS_EV_REFUSED:         return "starttls-refused";
	case PS_EV_PLAINTEXT:       return "starttls-plaintext";
	case PS_EV_VERSION_LOWERED: return "tls-version-lowered";
	case PS_EV_COUNT:           break;
	}
	return "unknown";
}

void
pserver_session_appldata(const struct passive_session *s, const char *writer, char out[41])
{
	struct appldata_fields af = {
		.component = APPLDATA_MONITOR,
		.writer = writer,
		.type = appl_type_of_code(s->server_type),
		.security = appl_security_of_code(s->security),
		.tls_version = s->security == 'T' ? s->facts.tls_version : 0,
		.cipher_id = s->security == 'T' ? s->facts.cipher_id : -1,
	};

	appldata_format(&af, out);
}

/* Double the buckets (load factor at most 1). */
static void
grow(struct pserver_table *t)
{
	size_t nb = t->nbucket * 2;
	struct prow **b = xcalloc(nb, sizeof(*b));

	t->nbucket = nb;
	for (size_t i = 0; i < t->n; i++) {
		struct prow *r = t->rows[i];
		size_t h = key_hash(t, r->v.family, r->v.addr, r->v.port);

		r->next = b[h];
		b[h] = r;
	}
	free(t->bucket);
	t->bucket = b;
}

static struct prow *
find_or_add(struct pserver_table *t, const struct passive_session *s)
{
	size_t h = key_hash(t, s->family, s->server, s->server_port);
	struct prow *r;

	for (r = t->bucket[h]; r != NULL; r = r->next)
		if (r->v.port == s->server_port && r->v.family == s->family &&
		    memcmp(r->v.addr, s->server, 16) == 0)
			return r;
	if (t->n >= t->max) {
		t->dropped++;
		return NULL;
	}
	if (t->n >= t->nbucket) {
		grow(t);
		h = key_hash(t, s->family, s->server, s->server_port);
	}
	r = xcalloc(1, sizeof(*r));
	r->v.index = t->next_index++;
	str_copy(r->v.target, s->server_text, sizeof r->v.target);
	r->v.family = s->family;
	memcpy(r->v.addr, s->server, 16);
	r->v.port = s->server_port;
	r->v.server_type = ' ';
	r->v.last_security = ' ';
	r->v.cipher_id = -1;
	r->next = t->bucket[h];
	t->bucket[h] = r;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->rows = xrealloc(t->rows, t->cap * sizeof(*t->rows));
	}
	t->rows[t->n++] = r;
	return r;
}

/* May this event be announced now? Records the announcement. */
static bool
flap_allow(struct flap *f, time_t now)
{
	time_t oldest = f->at[f->next];

	if (oldest != 0 && now - oldest < PSERVER_FLAP_WINDOW_S)
		return false;
	f->at[f->next] = now;
	f->next = (uint8_t)((f->next + 1) % PSERVER_FLAP_MAX);
	return true;
}

void
pserver_view_names(struct pserver_view *v)
{
	enum appl_server_type type = appl_type_of_code(v->server_type);
	enum appl_security sec = appl_security_of_code(v->last_security);
	char tls[16];

	v->type_name = appl_type_name(type);
	v->type_mib = appl_type_mib(type);
	v->security_name = appl_security_name(sec);
	v->security_mib = appl_security_mib(sec);
	v->tls_name = tlsver_name(v->tls_version);
	tlsver_text(v->tls_version, tls);      /* at most "TLSv1.3" or "0x7f1c" */
	str_copy(v->tls_text, tls, sizeof v->tls_text);
	v->tls_mib = tlsver_mib(v->tls_version);
	v->best_tls_name = tlsver_name(v->best_tls);
	v->best_tls_mib = tlsver_mib(v->best_tls);
	v->cipher_name = NULL;
	v->cipher_text[0] = '\0';
	v->cipher_hex[0] = '\0';
	v->class_name = NULL;
	v->class_mib = 1;
	rating_names_of(&v->rating, &v->rnames);
	if (v->cipher_id < 0)
		return;
	if (v->cipher_id <= 0xffff)
		snprintf(v->cipher_hex, sizeof v->cipher_hex, "0x%04X", (unsigned)v->cipher_id);
	v->cipher_name = cipher_name((uint16_t)v->cipher_id);
	if (v->cipher_name == NULL)
		snprintf(v->cipher_text, sizeof v->cipher_text, "0x%04x",
		    (unsigned)v->cipher_id & 0xffffu);
	v->class_name = cipher_class_name(cipher_class_of((uint16_t)v->cipher_id));
	if (v->cipher_id <= 0xffff)
		v->class_mib = 1 + (int)cipher_class_of((uint16_t)v->cipher_id);
}

/* The rating of a TLS session: what its server handshake showed in clear. */
static void
session_rating(const struct passive_session *s, struct rating *out)
{
	const struct passive_tls_keys *k = &s->keys;
	unsigned group = k->group != 0 ? k->group : s->facts.group;
	struct rating_input in = {
		.tls_version = s->facts.tls_version,
		.cipher_id = s->facts.cipher_id,
		.group = rating_group_name(group),
		.dh_bits = group == 0 ? (int)k->dh_bits : 0,
		.key_type = k->cert_known ? k->cert.key_type : NULL,
		.key_bits = k->cert_known ? k->cert.key_bits : 0,
		.key_curve = k->cert_known ? k->cert.key_curve : NULL,
		.sig_hash = k->cert_known ? k->cert.sig_hash : NULL,
	};

	rating_of(&in, out);
}

static void
raise_event(struct prow *r, const struct passive_session *s, enum ps_event ev, time_t now,
    const char *detail, uint16_t old_tls, struct pserver_alert *alerts, size_t *n)
{
	struct pserver_alert *a;
	uint32_t bit = 1u << ev;

	if (r->v.events & bit)
		return;                  /* in force: announced already */
	r->v.events |= bit;
	memcpy(r->ev[ev].client, s->client, 16);
	r->ev[ev].since = now;
	a = &alerts[(*n)++];
	memset(a, 0, sizeof(*a));
	a->ev = ev;
	a->suppressed = !flap_allow(&r->flap[ev], now);
	str_copy(a->server, r->v.target, sizeof a->server);
	str_copy(a->client, s->client_text, sizeof a->client);
	a->old_tls = old_tls;
	a->new_tls = s->facts.tls_version;
	a->old_tls_name = tlsver_name(old_tls);
	a->new_tls_name = tlsver_name(a->new_tls);
	a->cipher_id = s->facts.cipher_id;
	str_copy(a->detail, detail, sizeof a->detail);
	a->when = now;
	if (!a->suppressed)
		r->v.alerts++;
	str_copy(r->v.last_event, ps_event_name(ev), sizeof r->v.last_event);
	str_copy(r->v.last_event_client, s->client_text, sizeof r->v.last_event_client);
	str_copy(r->v.last_event_detail, detail, sizeof r->v.last_event_detail);
	r->v.last_event_at = now;
}

const struct pserver_view *
pserver_observe(struct pserver_table *t, const struct passive_session *s,
    const struct pserver_hint *hint, struct pserver_alert *alerts, size_t *n_alerts,
    char appldata[41])
{
	const struct smtp_wire_facts *f = &s->facts;
	time_t now = (time_t)(s->final_us / 1000000u);
	struct prow *r;
	uint16_t baseline;
	bool known, clean;
	char detail[PSERVER_TEXT];

	*n_alerts = 0;
	pserver_session_appldata(s, t->writer, appldata);
	if ((r = find_or_add(t, s)) == NULL)
		return NULL;
	known = r->v.starttls_known || (hint != NULL && hint->starttls);
	baseline = r->v.best_tls;
	if (hint != NULL && hint->baseline_tls > baseline)
		baseline = hint->baseline_tls;

	/* the events this session shows */
	if (f->anomalies & (SW_AN_STARTTLS_MANGLED | SW_AN_CMD_MANGLED)) {
		if (f->anomalies & SW_AN_STARTTLS_MANGLED)
			snprintf(detail, sizeof detail, "EHLO reply lists %s where STARTTLS was expected",
			    f->mangled);
		else
			snprintf(detail, sizeof detail, "client command rewritten (%s)",
			    f->mangled[0] ? f->mangled : "XXXXXXXX");
		raise_event(r, s, PS_EV_MANGLED, now, detail, baseline, alerts, n_alerts);
	} else if (f->have_caps && !f->starttls_offered && known) {
		raise_event(r, s, PS_EV_STRIPPED, now, "EHLO reply without STARTTLS", baseline,
		    alerts, n_alerts);
	}
	/* 421 is the server closing (shutdown, rate limit), not a refusal */
	if ((f->anomalies & SW_AN_STARTTLS_REFUSED) && f->starttls_code != 421 &&
	    (f->starttls_offered || known)) {
		snprintf(detail, sizeof detail, "STARTTLS answered: %.100s", f->starttls_reply);
		raise_event(r, s, PS_EV_REFUSED, now, detail, baseline, alerts, n_alerts);
	}
	if (f->anomalies & SW_AN_PLAINTEXT_AFTER_220)
		raise_event(r, s, PS_EV_PLAINTEXT, now, "plaintext after 220 to STARTTLS", baseline,
		    alerts, n_alerts);
	if (f->server_hello && f->tls_version != 0 && baseline != 0 &&
	    f->tls_version < baseline && f->client_max_version >= baseline) {
		snprintf(detail, sizeof detail, "%s negotiated, baseline %s, client offered %s",
		    tlsver_name(f->tls_version) ? tlsver_name(f->tls_version) : "?",
		    tlsver_name(baseline) ? tlsver_name(baseline) : "?",
		    tlsver_name(f->client_max_version) ?
		    tlsver_name(f->client_max_version) : "?");
		raise_event(r, s, PS_EV_VERSION_LOWERED, now, detail, baseline, alerts, n_alerts);
	}

	/* A clean session (STARTTLS offered, or implicit TLS, and TLS at the
	 * baseline) ends an event in force if it comes from the client that
	 * showed the event, or from any client once the event is a day old: a
	 * server that leaves STARTTLS out for one client on purpose is
	 * announced once a day, not at every session of that client. */
	clean = (f->starttls_offered || f->implicit_tls) && f->server_hello &&
	    f->tls_version >= baseline &&
	    !(f->anomalies & (SW_AN_STARTTLS_MANGLED | SW_AN_CMD_MANGLED | SW_AN_STARTTLS_REFUSED |
	    SW_AN_PLAINTEXT_AFTER_220));
	if (clean) {
		for (int e = 0; e < PS_EV_COUNT; e++) {
			if (!(r->v.events & (1u << e)))
				continue;
			if (memcmp(r->ev[e].client, s->client, 16) == 0 ||
			    now - r->ev[e].since >= PSERVER_EVENT_EXPIRE_S)
				r->v.events &= ~(1u << e);
		}
	}

	/* the row */
	if (s->server_type != ' ')
		r->v.server_type = s->server_type;
	if (f->have_caps) {
		r->v.ehlo_seen = true;
		r->v.starttls_offered = f->starttls_offered;
		str_copy(r->v.auth_pretls, f->auth_pretls, sizeof r->v.auth_pretls);
	}
	if (f->starttls_offered || (hint != NULL && hint->starttls) ||
	    (f->server_hello && !f->implicit_tls))
		r->v.starttls_known = true;
	if (f->server_hello && f->tls_version != 0) {
		r->v.tls_version = f->tls_version;
		r->v.cipher_id = f->cipher_id;
		session_rating(s, &r->v.rating);
		if (f->tls_version > r->v.best_tls)
			r->v.best_tls = f->tls_version;
	}
	if (s->cert_not_after != 0)
		r->v.cert_not_after = s->cert_not_after;
	if (f->sni[0])
		str_copy(r->v.sni, f->sni, sizeof r->v.sni);
	if (f->banner_code != 0)
		str_copy(r->v.banner, f->banner, sizeof r->v.banner);
	if (f->mangled[0])
		str_copy(r->v.mangled, f->mangled, sizeof r->v.mangled);
	str_copy(r->v.last_client, s->client_text, sizeof r->v.last_client);
	r->v.last_security = s->security;
	memcpy(r->v.appldata, appldata, 41);
	r->v.sessions++;
	if (s->security == 'T')
		r->v.sessions_tls++;
	else if (s->security == 'B')
		r->v.sessions_plain++;
	if (r->v.first_seen == 0)
		r->v.first_seen = (time_t)(s->start_us / 1000000u);
	r->v.last_seen = now;
	pserver_view_names(&r->v);
	return &r->v;
}
