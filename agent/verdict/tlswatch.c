/* agent/verdict/tlswatch.c: see tlswatch.h. */
#include "buildconf.h"
#include "tlswatch.h"
#include "rating.h"
#include "cipher.h"
#include "log.h"
#include "tlsver.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

void
tlswatch_event_of(const struct tw_target *t, int kind, struct monitor_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->index = t->index;
	str_copy(ev->target, t->key, sizeof ev->target);
	memcpy(&ev->addr, t->addr, t->addr_len);
	ev->port = t->port;
}

bool
tlswatch_cert(const struct tw_target *t, struct tw_cert *st, const char *subject,
    time_t not_after, time_t now, struct monitor_event *ev)
{
	time_t na = not_after;
	long long left;

	if (na == 0)
		return false;
	left = ((long long)na - (long long)now) / 86400;
	if (na < now)
		left = -(((long long)now - (long long)na) / 86400) - 1;
	if (left > MONITOR_CERT_WARN_DAYS)
		return false;
	if (st->warned == na && (left >= 0 || st->warned_expired))
		return false;
	if (st->warned != na)
		st->warned_expired = false;
	st->warned = na;
	if (left < 0)
		st->warned_expired = true;
	log_warnx("SMD1825W certificate %s: target=%s days_left=%lld subject=\"%s\"",
	    left < 0 ? "expired" : "expiring", t->key, left, subject);
	tlswatch_event_of(t, MONITOR_EV_CERT_EXPIRING, ev);
	ev->cert_not_after = na;
	ev->cert_days_left = (int)left;
	return true;
}

void
tlswatch_event_names(struct monitor_event *ev)
{
	char tls[16];

	tlsver_text(ev->old_tls, tls);          /* at most "TLSv1.3" or "0x7f1c" */
	str_copy(ev->old_tls_text, tls, sizeof ev->old_tls_text);
	tlsver_text(ev->new_tls, tls);
	str_copy(ev->new_tls_text, tls, sizeof ev->new_tls_text);
	ev->old_tls_mib = tlsver_mib(ev->old_tls);
	ev->new_tls_mib = tlsver_mib(ev->new_tls);
	posture_cipher_names(ev->old_cipher, &ev->old_cipher_name, ev->old_cipher_text);
	posture_cipher_names(ev->new_cipher, &ev->new_cipher_name, ev->new_cipher_text);
}

/* " old_rating=sufficient new_rating=phase-out component=cert_key" */
static void
rating_text(const struct dg_change *c, char *out, size_t outsz)
{
	const char *o = rating_class_name((enum rating_class)c->old_rating),
	    *n = rating_class_name((enum rating_class)c->new_rating),
	    *part = rating_part_name(c->rating_part);

	snprintf(out, outsz, " old_rating=%s new_rating=%s component=%s", o ? o : "unknown",
	    n ? n : "unknown", part ? part : "unknown");
}

static void
queue_alert(const struct tw_target *t, int kind, const struct dg_change *c, time_t now,
    struct tw_result *out)
{
	struct monitor_event *ev = &out->alerts[out->n_alerts++];

	tlswatch_event_of(t, kind, ev);
	str_copy(ev->tls_event, dg_event_name(c->event), sizeof ev->tls_event);
	ev->old_tls = c->old_tls;
	ev->new_tls = c->new_tls;
	ev->old_cipher = c->old_cipher;
	ev->new_cipher = c->new_cipher;
	tlswatch_event_names(ev);
	if (c->event == DG_RATING_LOWERED) {
		ev->old_rating = rating_class_name((enum rating_class)c->old_rating);
		ev->new_rating = rating_class_name((enum rating_class)c->new_rating);
		ev->rating_part = rating_part_name(c->rating_part);
		snprintf(ev->detail, sizeof ev->detail, "%s %s -> %s, %s%s%s", RATING_GUIDELINE,
		    ev->old_rating ? ev->old_rating : "unknown",
		    ev->new_rating ? ev->new_rating : "unknown",
		    kind == MONITOR_EV_TLS_RECOVERED ? "" : "weakest ",
		    ev->rating_part ? ev->rating_part : "unknown",
		    kind == MONITOR_EV_TLS_RECOVERED ? " recovered" : "");
	}
	str_copy(ev->name, t->name, sizeof ev->name);
	ev->when = now;
}

void
tlswatch_observe(const struct tw_target *t, struct baseline *b, const struct posture *p,
    int min_tls, const char *subject, time_t not_after, time_t now, struct tw_result *out)
{
	struct dg_change ch[DG_N_EVENTS + 1];
	bool first = !b->set, changed = false;
	uint16_t old_tls = b->best.tls_version;
	int8_t old_class = b->best.cipher_class, old_rating = b->best.rating;
	size_t n;

	out->n_alerts = 0;
	out->raised = 0;
	n = downgrade_observe(b, p, min_tls, now, ch, DG_N_EVENTS + 1, &changed);
	for (size_t i = 0; i < n; i++) {
		char otls[16], ntls[16], ociph[64], nciph[64], rating[96] = "";
		const char *ev = dg_event_name(ch[i].event);

		if (ch[i].kind != DG_RECOVERED)
			out->raised |= 1u << ch[i].event;
		tlsver_text(ch[i].old_tls, otls);
		tlsver_text(ch[i].new_tls, ntls);
		cipher_text(ch[i].old_cipher, ociph);
		cipher_text(ch[i].new_cipher, nciph);
		if (ch[i].event == DG_RATING_LOWERED)
			rating_text(&ch[i], rating, sizeof rating);
		switch (ch[i].kind) {
		case DG_ALERT:
		case DG_RECOVERED: {
			bool down = ch[i].kind == DG_ALERT;
			char line[1024];

			if (snprintf(line, sizeof line, "%s: event=%s target=%s%s%s index=%u "
			    "old_tls=%s new_tls=%s old_cipher=%s new_cipher=%s%s",
			    down ? "SMD1850W TLS downgrade" : "SMD1851I TLS downgrade recovered", ev,
			    t->key, t->name[0] ? " name=" : "", t->name, t->index, otls, ntls, ociph,
			    nciph, rating) >= (int)sizeof line)
				line[sizeof line - 2] = '~';   /* cut: say so */
			if (down)
				log_warnx("%s", line);
			else
				log_info("%s", line);
			queue_alert(t, down ? MONITOR_EV_TLS_DOWNGRADE : MONITOR_EV_TLS_RECOVERED, &ch[i],
			    now, out);
			break;
		}
		case DG_INFO:
			log_info("SMD1852I certificate changed: event=%s target=%s index=%u "
			    "subject=\"%s\" not_after=%lld", ev, t->key, t->index,
			    subject, (long long)not_after);
			queue_alert(t, MONITOR_EV_TLS_INFO, &ch[i], now, out);
			break;
		case DG_SUPPRESSED:
			log_warnx("SMD1853W TLS downgrade not announced (flapping: %d alerts of it "
			    "within %d s): event=%s target=%s index=%u old_tls=%s new_tls=%s "
			    "old_cipher=%s new_cipher=%s%s", DG_FLAP_MAX, DG_FLAP_WINDOW_S, ev, t->key,
			    t->index, otls, ntls, ociph, nciph, rating);
			break;
		}
	}
	if (first) {
		char tls[16], ciph[64];

		tlsver_text(b->best.tls_version, tls);
		cipher_text(b->best.cipher_id, ciph);
		log_debug("TLS baseline recorded: target=%s tls=%s cipher=%s starttls=%d", t->key,
		    tls, ciph, b->best.starttls);
	} else if (b->best.tls_version > old_tls || b->best.cipher_class > old_class ||
	    (old_rating > 0 && b->best.rating > 0 && b->best.rating < old_rating)) {
		/* a rating seen for the first time (a baseline from before the
		 * rating) is no raise: nothing logged for every target at once */
		char tls[16], ciph[64];
		const char *r = rating_class_name((enum rating_class)b->best.rating);

		tlsver_text(b->best.tls_version, tls);
		cipher_text(b->best.cipher_id, ciph);
		log_info("SMD1854I TLS baseline raised: target=%s tls=%s cipher=%s class=%s "
		    "rating=%s", t->key, tls, ciph, cipher_class_name(b->best.cipher_class),
		    r ? r : "unknown");
	}
	out->baseline_changed = changed;
}

void
tlswatch_reset(const struct tw_target *t, struct baseline *b, const struct posture *p,
    time_t now)
{
	char tls[16], ciph[64];

	downgrade_reset(b, p, now);
	tlsver_text(b->best.tls_version, tls);
	cipher_text(b->best.cipher_id, ciph);
	log_info("SMD1855I TLS baseline reset: target=%s tls=%s cipher=%s starttls=%d%s",
	    t->key, tls, ciph, b->best.starttls,
	    b->set ? "" : " (set at the next classification)");
}
