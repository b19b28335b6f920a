/* agent/verdict/downgrade.c: see downgrade.h. */
#include "buildconf.h"
#include "downgrade.h"
#include "appldata.h"
#include "appltype.h"
#include "cipher.h"
#include "rating.h"
#include "tlsver.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static const char *const event_names[DG_N_EVENTS] = {
	[DG_STARTTLS_NOT_SUPPORTED] = "starttls-not-supported",
	[DG_TLS_VERSION_LOWERED] = "tls-version-lowered",
	[DG_CIPHER_WEAKENED] = "cipher-weakened",
	[DG_CERT_EXPIRED] = "certificate-expired",
	[DG_CERT_NOT_TRUSTED] = "certificate-not-trusted",
	[DG_CERT_HOST_MISMATCH] = "certificate-host-mismatch",
	[DG_BELOW_MINIMUM] = "below-minimum",
	[DG_CERT_CHANGED] = "certificate-changed",
	[DG_RATING_LOWERED] = "rating-lowered",
};

const char *
dg_event_name(int ev)
{
	if (ev < 0 || ev >= DG_N_EVENTS)
		return "";
	return event_names[ev];
}

int
dg_event_by_name(const char *name)
{
	for (int i = 0; i < DG_N_EVENTS; i++)
		if (strcmp(name, event_names[i]) == 0)
			return i;
	return DG_NONE;
}

void
dg_events_text(uint32_t mask, char *out, size_t outsz)
{
	size_t n = 0;

	if (outsz == 0)
		return;
	out[0] = '\0';
	for (int i = 0; i < DG_N_EVENTS; i++) {
		if (!(mask & (1u << i)))
			continue;
		int w = snprintf(out + n, outsz - n, "%s%s", n > 0 ? "," : "", event_names[i]);
		if (w < 0 || (size_t)w >= outsz - n) {
			out[n] = '\0';
			return;
		}
		n += (size_t)w;
	}
}

void
posture_unknown(struct posture *p)
{
	memset(p, 0, sizeof(*p));
	p->starttls = -1;
	p->cipher_id = -1;
	p->cert_time_ok = -1;
	p->cert_trusted = -1;
	p->host_match = -1;
	p->rating_part = -1;
}

/* 1: p shows event e against b; 0: p shows the dimension at the baseline;
 * -1: p cannot tell. */
static int
judge(const struct baseline *b, const struct posture *p, int min_tls, enum dg_event e)
{
	const struct posture *o = &b->best;

	switch (e) {
	case DG_STARTTLS_NOT_SUPPORTED:
		if (o->server_type == APPL_TYPE_ESMTP && p->server_type == APPL_TYPE_SMTP)
			return 1;
		if (p->starttls < 0)
			return -1;
		return o->starttls == 1 && p->starttls == 0;
	case DG_TLS_VERSION_LOWERED:
		if (p->tls_version == 0 || o->tls_version == 0)
			return -1;
		return p->tls_version < o->tls_version;
	case DG_CIPHER_WEAKENED:
		if (p->cipher_class <= 0 || o->cipher_class <= 0)
			return -1;
		/* below the baseline's version the suites are of another protocol
		 * (TLS 1.3's are classed above every TLS 1.2 one): that is
		 * tls-version-lowered, which names both suites */
		if (p->tls_version < o->tls_version)
			return -1;
		return p->cipher_class < o->cipher_class;
	case DG_CERT_EXPIRED:
		if (p->cert_time_ok < 0 || o->cert_time_ok != 1)
			return -1;
		return p->cert_time_ok == 0;
	case DG_CERT_NOT_TRUSTED:
		if (p->cert_trusted < 0 || o->cert_trusted != 1)
			return -1;
		return p->cert_trusted == 0;
	case DG_CERT_HOST_MISMATCH:
		if (p->host_match < 0 || o->host_match != 1)
			return -1;
		return p->host_match == 0;
	case DG_BELOW_MINIMUM:
		if (min_tls <= 0)
			return 0;
		if (p->tls_version != 0)
			return p->tls_version < min_tls;
		if (p->starttls == 0)
			return 1;                 /* no TLS to be had */
		if (p->tls_attempted && p->starttls == 1)
			return 1;                 /* tried, and got none */
		return -1;                    /* TLS not tried: cannot tell */
	case DG_RATING_LOWERED:
		if (p->rating <= 0 || o->rating <= 0)
			return -1;
		return p->rating > o->rating;   /* worse is greater */
	case DG_CERT_CHANGED:
	case DG_N_EVENTS:
	case DG_NONE:
		break;
	}
	return -1;
}

/* Raise b's dimensions that p shows better; true if any did. *moved says
 * the baseline's cipher changed within its class (the suite of the best
 * class last seen at the baseline's version). */
static bool
raise_best(struct posture *o, const struct posture *p, bool *moved)
{
	bool up = false;

	*moved = false;
	if (p->cipher_class > 0 && p->cipher_class == o->cipher_class &&
	    p->cipher_id != o->cipher_id && p->tls_version >= o->tls_version) {
		o->cipher_id = p->cipher_id;
		*moved = true;
	}

#define RAISE(f) do { if (p->f > o->f) { o->f = p->f; up = true; } } while (0)
	RAISE(server_type);
	RAISE(starttls);
	RAISE(tls_attempted);
	RAISE(tls_version);
	RAISE(cert_time_ok);
	RAISE(cert_trusted);
	RAISE(host_match);
#undef RAISE
	if (p->cipher_class > o->cipher_class) {
		o->cipher_class = p->cipher_class;
		o->cipher_id = p->cipher_id;
		up = true;
	}
	if (p->rating > 0 && (o->rating <= 0 || p->rating < o->rating)) {
		o->rating = p->rating;
		o->rating_part = p->rating_part;
		up = true;
	}
	return up;
}

/* certificate-changed: a key not among the last DG_KEYS_KEPT. */
static bool
key_news(struct baseline *b, const struct posture *p, bool *changed)
{
	if (!p->have_key)
		return false;
	for (unsigned i = 0; i < b->n_keys; i++)
		if (memcmp(b->keys[i], p->key, 32) == 0)
			return false;
	memmove(b->keys[1], b->keys[0], (size_t)(DG_KEYS_KEPT - 1) * 32);
	memcpy(b->keys[0], p->key, 32);
	if (b->n_keys < DG_KEYS_KEPT)
		b->n_keys++;
	b->best.have_key = true;
	memcpy(b->best.key, p->key, 32);
	*changed = true;
	return b->n_keys > 1;
}

/* old: the values the change compares p with; part: the component that fell */
static void
change(struct dg_change *out, size_t max, size_t *n, enum dg_event e, enum dg_change_kind k,
    uint16_t old_tls, int32_t old_cipher, int8_t old_rating, int8_t part, const struct posture *p)
{
	if (*n >= max)
		return;
	out[*n] = (struct dg_change){
		.event = e, .kind = k,
		.old_tls = old_tls, .new_tls = p->tls_version,
		.old_cipher = old_cipher, .new_cipher = p->cipher_id,
		.old_rating = old_rating, .new_rating = p->rating, .rating_part = part,
	};
	(*n)++;
}

size_t
downgrade_observe(struct baseline *b, const struct posture *p, int min_tls, time_t now,
    struct dg_change *out, size_t max, bool *b_changed)
{
	size_t n = 0;
	bool changed = false;

	if (!b->set) {
		uint32_t active = b->active, announced = b->announced;
		int8_t last = b->last_event;
		bool last_rec = b->last_recovered;
		time_t last_at = b->last_event_at;

		memset(b, 0, sizeof(*b));
		b->active = active;            /* history survives a reset */
		b->announced = announced;
		b->last_event = last;
		b->last_recovered = last_rec;
		b->last_event_at = last_at;
		b->set = true;
		b->best = *p;
		b->best.have_key = false;
		b->set_at = now;
		b->bad_cipher_id = -1;
		b->bad_rating_part = -1;
		changed = true;
	}
	b->seen_at = now;

	for (int e = 0; e < DG_N_EVENTS; e++) {
		uint32_t bit = 1u << e;
		int st;

		if (e == DG_CERT_CHANGED)
			continue;
		st = judge(b, p, min_tls, (enum dg_event)e);
		if (st < 0)
			continue;
		if (st == 1) {
			b->good_run[e] = 0;
			if (b->active & bit)
				continue;
			b->active |= bit;
			if (now - b->flap_start[e] >= DG_FLAP_WINDOW_S || now < b->flap_start[e]) {
				b->flap_start[e] = now;
				b->flap_count[e] = 0;
			}
			b->bad_tls_version = p->tls_version;
			b->bad_cipher_id = p->cipher_id;
			b->bad_rating = p->rating;
			b->bad_rating_part = p->rating_part;
			if (b->flap_count[e] < DG_FLAP_MAX) {
				b->flap_count[e]++;
				b->announced |= bit;
				b->last_event = (int8_t)e;
				b->last_recovered = false;
				b->last_event_at = now;
				change(out, max, &n, (enum dg_event)e, DG_ALERT, b->best.tls_version,
				    b->best.cipher_id, b->best.rating, p->rating_part, p);
			} else {
				change(out, max, &n, (enum dg_event)e, DG_SUPPRESSED,
				    b->best.tls_version, b->best.cipher_id, b->best.rating,
				    p->rating_part, p);
			}
			changed = true;
		} else if (b->active & bit) {
			if (++b->good_run[e] < DG_RECOVER_AFTER)
				continue;
			b->good_run[e] = 0;
			b->active &= ~bit;
			if (b->announced & bit) {
				b->announced &= ~bit;
				b->last_event = (int8_t)e;
				b->last_recovered = true;
				b->last_event_at = now;
				change(out, max, &n, (enum dg_event)e, DG_RECOVERED, b->bad_tls_version,
				    b->bad_cipher_id, b->bad_rating, b->bad_rating_part, p);
			}
			changed = true;
		}
	}

	{
		uint16_t old_tls = b->best.tls_version;
		int32_t old_cipher = b->best.cipher_id;
		int8_t old_rating = b->best.rating;

		if (key_news(b, p, &changed))
			change(out, max, &n, DG_CERT_CHANGED, DG_INFO, old_tls, old_cipher, old_rating,
			    -1, p);
	}
	{
		bool moved;

		if (raise_best(&b->best, p, &moved)) {
			b->raised_at = now;
			changed = true;
		}
		if (moved)
			changed = true;
	}
	if (b_changed != NULL)
		*b_changed = changed;
	return n;
}

void
downgrade_reset(struct baseline *b, const struct posture *p, time_t now)
{
	int8_t last = b->last_event;
	bool last_rec = b->last_recovered;
	time_t last_at = b->last_event_at;

	memset(b, 0, sizeof(*b));
	b->last_event = last;
	b->last_recovered = last_rec;
	b->last_event_at = last_at;
	b->bad_cipher_id = -1;
	b->bad_rating_part = -1;
	if (p == NULL)
		return;
	b->set = true;
	b->best = *p;
	b->set_at = now;
	b->seen_at = now;
	if (p->have_key) {
		memcpy(b->keys[0], p->key, 32);
		b->n_keys = 1;
	}
}

int8_t
posture_cipher_class(int32_t id)
{
	enum rating_class c = rating_cipher_class(id);

	/* good (1) .. insufficient (4) onto CIPHER_GOOD (4) .. CIPHER_INSUFFICIENT (1) */
	return (int8_t)(c == RATING_UNKNOWN ? CIPHER_UNKNOWN :
	    CIPHER_GOOD + RATING_GOOD - (int)c);
}

void
posture_cipher_names(int32_t id, const char **name, char text[8])
{
	*name = id >= 0 && id <= 0xffff ? cipher_name((uint16_t)id) : NULL;
	text[0] = '\0';
	if (id < 0)
		snprintf(text, 8, "none");
	else if (*name == NULL)
		snprintf(text, 8, "0x%04x", (unsigned)id & 0xffffu);
}

void
posture_names(const struct posture *p, struct posture_names *out)
{
	bool known_id = p->cipher_id >= 0 && p->cipher_id <= 0xffff;
	char tls[16];

	memset(out, 0, sizeof(*out));
	out->type_name = appl_type_name((enum appl_server_type)p->server_type);
	tlsver_text(p->tls_version, tls);      /* at most "TLSv1.3" or "0x7f1c" */
	str_copy(out->tls_text, tls, sizeof out->tls_text);
	out->tls_mib = tlsver_mib(p->tls_version);
	posture_cipher_names(p->cipher_id, &out->cipher_name, out->cipher_text);
	out->class_name = p->cipher_class > 0 ?
	    cipher_class_name((enum cipher_class)p->cipher_class) : NULL;
	out->class_mib = known_id && p->cipher_class > 0 ? 1 + p->cipher_class : 1;
	out->rating_name = rating_class_name((enum rating_class)p->rating);
	out->rating_part_name = rating_part_name(p->rating_part);
}

void
downgrade_view(const struct baseline *b, struct dg_view *v)
{
	v->set = b->set;
	v->best = b->best;
	posture_names(&b->best, &v->best_names);
	v->set_at = b->set_at;
	v->active = b->active;
	v->last_event = b->last_event;
	v->last_recovered = b->last_recovered;
	v->last_event_at = b->last_event_at;
}

/* ---- the state file's line ---- */

static void
hex32(const uint8_t *k, char out[65])
{
	static const char hx[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		out[2 * i] = hx[k[i] >> 4];
		out[2 * i + 1] = hx[k[i] & 15];
	}
	out[64] = '\0';
}

size_t
baseline_format(const char *key, const struct baseline *b, char *out, size_t outsz)
{
	const struct posture *o = &b->best;
	char keys[DG_KEYS_KEPT * 65 + 1], hx[65];
	size_t kn = 0;
	int w;

	keys[0] = '\0';
	for (unsigned i = 0; i < b->n_keys && i < DG_KEYS_KEPT; i++) {
		hex32(b->keys[i], hx);
		kn += (size_t)snprintf(keys + kn, sizeof keys - kn, "%s%s", i ? "," : "", hx);
	}
	w = snprintf(out, outsz,
	    "%s set=%lld raised=%lld seen=%lld type=%d starttls=%d tlsatt=%d tls=0x%04x "
	    "cipher=%" PRId32 " class=%d ctime=%d trust=%d host=%d keys=%s active=0x%" PRIx32
	    " announced=0x%" PRIx32 " last=%s last_rec=%d last_at=%lld bad_tls=0x%04x "
	    "bad_cipher=%" PRId32 " rating=%d rpart=%d bad_rating=%d bad_rpart=%d",
	    key, (long long)b->set_at, (long long)b->raised_at, (long long)b->seen_at,
	    o->server_type, o->starttls, o->tls_attempted, o->tls_version, o->cipher_id,
	    o->cipher_class, o->cert_time_ok, o->cert_trusted, o->host_match,
	    b->n_keys ? keys : "-", b->active, b->announced,
	    b->last_event >= 0 ? dg_event_name(b->last_event) : "-", b->last_recovered ? 1 : 0,
	    (long long)b->last_event_at, b->bad_tls_version, b->bad_cipher_id, o->rating,
	    o->rating_part, b->bad_rating, b->bad_rating_part);
	if (w < 0 || (size_t)w >= outsz)
		return 0;
	return (size_t)w;
}

static bool
num(const char *v, long long lo, long long hi, long long *out)
{
	char *end;
	long long x;

	errno = 0;
	x = strtoll(v, &end, 0);
	if (errno != 0 || end == v || *end != '\0' || x < lo || x > hi)
		return false;
	*out = x;
	return true;
}

static int
unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool
parse_keys(const char *v, struct baseline *b)
{
	b->n_keys = 0;
	if (strcmp(v, "-") == 0)
		return true;
	for (;;) {
		if (b->n_keys >= DG_KEYS_KEPT)
			return false;
		for (int i = 0; i < 32; i++) {
			int h = unhex(v[2 * i]), l = h < 0 ? -1 : unhex(v[2 * i + 1]);
			if (h < 0 || l < 0)
				return false;
			b->keys[b->n_keys][i] = (uint8_t)(h << 4 | l);
		}
		b->n_keys++;
		v += 64;
		if (*v == '\0')
			break;
		if (*v++ != ',')
			return false;
	}
	b->best.have_key = true;
	memcpy(b->best.key, b->keys[0], 32);
	return true;
}

#define LINE_MAX_LEN 2048

bool
baseline_parse(const char *line, size_t len, char *key, size_t keysz, struct baseline *b,
    char *err, size_t errlen)
{
	char buf[LINE_MAX_LEN + 1], *save = NULL, *tok;
	bool have_set = false;

	memset(b, 0, sizeof(*b));
	posture_unknown(&b->best);
	b->last_event = DG_NONE;
	b->bad_cipher_id = -1;
	b->bad_rating_part = -1;
	if (len > LINE_MAX_LEN) {
		snprintf(err, errlen, "line longer than %d bytes", LINE_MAX_LEN);
		return false;
	}
	if (memchr(line, '\0', len) != NULL) {
		snprintf(err, errlen, "NUL byte in line");
		return false;
	}
	memcpy(buf, line, len);
	buf[len] = '\0';
	tok = strtok_r(buf, " \t", &save);
	if (tok == NULL || strchr(tok, '=') != NULL || strlen(tok) >= keysz) {
		snprintf(err, errlen, "no target at the start of the line");
		return false;
	}
	str_copy(key, tok, keysz);
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
		char *eq = strchr(tok, '=');
		const char *k = tok, *v;
		long long x = 0;
		bool ok = true;

		if (eq == NULL) {
			snprintf(err, errlen, "\"%.32s\" is not key=value", tok);
			return false;
		}
		*eq = '\0';
		v = eq + 1;
#define F(name, lo, hi, dst) \
		else if (strcmp(k, name) == 0) { ok = num(v, lo, hi, &x); if (ok) dst = x; }
		if (0) {
		}
		F("set", 0, INT64_MAX, b->set_at)
		F("raised", 0, INT64_MAX, b->raised_at)
		F("seen", 0, INT64_MAX, b->seen_at)
		F("type", 0, 2, b->best.server_type)
		F("starttls", -1, 1, b->best.starttls)
		F("tlsatt", 0, 1, b->best.tls_attempted)
		F("tls", 0, 0xffff, b->best.tls_version)
		F("cipher", -1, 0xffff, b->best.cipher_id)
		F("class", 0, 4, b->best.cipher_class)
		F("ctime", -1, 1, b->best.cert_time_ok)
		F("trust", -1, 1, b->best.cert_trusted)
		F("host", -1, 1, b->best.host_match)
		F("active", 0, (1 << DG_N_EVENTS) - 1, b->active)
		F("announced", 0, (1 << DG_N_EVENTS) - 1, b->announced)
		F("last_rec", 0, 1, b->last_recovered)
		F("last_at", 0, INT64_MAX, b->last_event_at)
		F("bad_tls", 0, 0xffff, b->bad_tls_version)
		F("bad_cipher", -1, 0xffff, b->bad_cipher_id)
		F("rating", 0, RATING_INSUFFICIENT, b->best.rating)
		F("rpart", -1, RATING_N_PARTS - 1, b->best.rating_part)
		F("bad_rating", 0, RATING_INSUFFICIENT, b->bad_rating)
		F("bad_rpart", -1, RATING_N_PARTS - 1, b->bad_rating_part)
		else if (strcmp(k, "keys") == 0)
			ok = parse_keys(v, b);
		else if (strcmp(k, "last") == 0) {
			b->last_event = strcmp(v, "-") == 0 ? DG_NONE : (int8_t)dg_event_by_name(v);
			ok = strcmp(v, "-") == 0 || b->last_event != DG_NONE;
		}
#undef F
		if (!ok) {
			snprintf(err, errlen, "%s: bad value \"%.80s\"", k, v);
			return false;
		}
		if (strcmp(k, "set") == 0)
			have_set = true;
	}
	if (!have_set) {
		snprintf(err, errlen, "no set= field");
		return false;
	}
	b->set = true;
	b->announced &= b->active;
	/* the class is the suite's by today's table: a file written before the
	 * detector ordered suites by the NCSC-NL 2025-05 classes holds older ones */
	b->best.cipher_class = posture_cipher_class(b->best.cipher_id);
	return true;
}
