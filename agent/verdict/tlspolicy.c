/* agent/verdict/tlspolicy.c: see tlspolicy.h. */
#include "tlspolicy.h"
#include "dane.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
dane_status_name(enum dane_status s)
{
	switch (s) {
	case DANE_ST_OFF: break;
	case DANE_ST_VALID: return "valid";
	case DANE_ST_MISMATCH: return "mismatch";
	case DANE_ST_NO_TLSA: return "no-tlsa";
	case DANE_ST_INSECURE: return "insecure";
	case DANE_ST_BOGUS: return "bogus";
	case DANE_ST_ERROR: return "error";
	}
	return NULL;
}

void
tlsa_set_clear(struct tlsa_set *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->rdata[i]);
	memset(t, 0, sizeof *t);
}

bool
tlsa_set_add(struct tlsa_set *t, const uint8_t *rdata, size_t len)
{
	if (t->n >= TLSA_SET_MAX || len > UINT16_MAX)
		return false;
	t->rdata[t->n] = xmalloc(len ? len : 1);
	memcpy(t->rdata[t->n], rdata, len);
	t->len[t->n] = (uint16_t)len;
	t->n++;
	return true;
}

void
tlsa_set_text(const struct tlsa_set *t, size_t i, char *out, size_t outsz)
{
	dane_rdata_format(t->rdata[i], t->len[i], out, outsz);
}

static void
dane_set(struct dane_result *out, enum dane_status s, int matched)
{
	out->status = s;
	out->status_name = dane_status_name(s);
	out->matched = matched;
}

void
dane_verdict(const struct tlsa_set *t, bool tls_done, const uint8_t *const *chain,
    const size_t *chain_len, size_t nchain, const char *const *names, size_t nnames,
    time_t now, struct dane_result *out)
{
	struct dane_tlsa *rec;
	bool usable = false;
	size_t i;

	if (!t->asked) {
		dane_set(out, DANE_ST_OFF, -1);
		return;
	}
	if (t->bogus) {
		dane_set(out, DANE_ST_BOGUS, -1);
		return;
	}
	if (t->error) {
		dane_set(out, DANE_ST_ERROR, -1);
		return;
	}
	if (t->n == 0) {
		dane_set(out, DANE_ST_NO_TLSA, -1);
		return;
	}
	if (!t->secure) {
		dane_set(out, DANE_ST_INSECURE, -1);
		return;
	}
	rec = xmalloc(sizeof *rec); /* one record at a time: DANE_MAX_DATA is large */
	for (i = 0; i < t->n; i++) {
		int m = -1;
		enum dane_match r;

		if (!dane_tlsa_parse(t->rdata[i], t->len[i], rec))
			continue;
		if ((rec->usage != 2 && rec->usage != 3) || rec->selector > 1 || rec->mtype > 2)
			continue; /* unusable for SMTP (RFC 7672 3.1.3) */
		usable = true;
		if (!tls_done || nchain == 0)
			continue; /* no chain: nothing can match */
		r = dane_match(rec, 1, chain, chain_len, nchain, names, nnames, now, &m);
		if (r == DANE_MATCHED) {
			free(rec);
			dane_set(out, DANE_ST_VALID, (int)i);
			return;
		}
	}
	free(rec);
	dane_set(out, usable ? DANE_ST_MISMATCH : DANE_ST_NO_TLSA, -1);
}

static void
sts_set(struct sts_result *out, enum mtasts_status s, bool have_policy)
{
	out->status = s;
	out->status_name = mtasts_status_name(s);
	out->have_policy = have_policy;
}

void
sts_verdict(const struct sts_facts *f, const char *mx, bool tls_ok, bool webpki_ok,
    const char *why_cert, struct sts_result *out)
{
	struct mtasts_eval ev;

	memset(out, 0, sizeof *out);
	switch (f->kind) {
	case STS_F_OFF:
		out->status_name = NULL;
		return;
	case STS_F_NONE:
		sts_set(out, MTASTS_NONE, false);
		return;
	case STS_F_ERROR:
		sts_set(out, MTASTS_ERROR, false);
		return;
	case STS_F_INVALID:
		sts_set(out, MTASTS_INVALID, false);
		return;
	case STS_F_POLICY:
		break;
	}
	mtasts_evaluate(&f->policy, mx, tls_ok, webpki_ok, why_cert, &ev);
	sts_set(out, ev.status, true);
	out->mx_match = ev.mx_match;
	if (ev.status == MTASTS_ENFORCE_VIOLATION)
		snprintf(out->violation, sizeof out->violation, "%s", ev.violation);
}

void
policy_view_of(const struct tlsa_set *t, const struct dane_result *d,
    const struct sts_facts *sf, const struct sts_result *sr, const struct tls_standing *ts,
    struct policy_view *out)
{
	size_t i;

	memset(out, 0, sizeof *out);
	out->matched = -1;
	out->mx_match = -1;
	out->dane = d->status;
	out->dane_name = d->status_name;
	out->dane_mib = PV_MIB_NOT_CHECKED + (int)d->status;     /* OFF is 0 */
	out->sts_mib = PV_MIB_NOT_CHECKED;
	if (d->status != DANE_ST_OFF) {
		for (i = 0; i < t->n && i < PV_TLSA_MAX; i++) {
			tlsa_set_text(t, i, out->tlsa[i], sizeof out->tlsa[i]);
			if (6 + 2 * (size_t)t->len[i] >= sizeof out->tlsa[i])
				memcpy(out->tlsa[i] + sizeof out->tlsa[i] - 4, "...", 4);
		}
		out->n_tlsa = (uint8_t)i;
		out->tlsa_more = t->n > PV_TLSA_MAX;
		if (d->matched >= 0 && d->matched < PV_TLSA_MAX)
			out->matched = (int8_t)d->matched;
		if (d->status == DANE_ST_BOGUS || d->status == DANE_ST_ERROR)
			snprintf(out->dane_detail, sizeof out->dane_detail, "%s", t->detail);
		if (d->status == DANE_ST_MISMATCH)
			out->dane_event = ts->tls_done ? "tlsa-invalid" : "starttls-not-supported";
		else if (d->status == DANE_ST_BOGUS)
			out->dane_event = "dnssec-invalid";
	}
	if (sr->status_name == NULL)
		return;
	out->sts_asked = true;
	out->sts = sr->status;
	out->sts_name = sr->status_name;
	out->sts_mib = PV_MIB_NOT_CHECKED + 1 + (int)sr->status; /* ENFORCE_OK is 0 */
	snprintf(out->id, sizeof out->id, "%s", sf->id);
	if (sf->kind == STS_F_POLICY) {
		out->sts_policy = true;
		out->mode_name = mtasts_mode_name(sf->policy.mode);
		out->max_age = sf->policy.max_age;
		for (i = 0; i < sf->policy.nmx && i < PV_MX_MAX; i++)
			snprintf(out->mx[i], sizeof out->mx[i], "%s", sf->policy.mx[i]);
		out->nmx = (uint8_t)i;
		out->mx_more = sf->policy.nmx > PV_MX_MAX;
		if (sf->policy.mode != MTASTS_MODE_NONE)
			out->mx_match = sr->mx_match;
	}
	snprintf(out->violation, sizeof out->violation, "%s", sr->violation);
	if (sf->kind == STS_F_ERROR || sf->kind == STS_F_INVALID)
		snprintf(out->sts_detail, sizeof out->sts_detail, "%s", sf->detail);
	switch (sr->status) {
	case MTASTS_ERROR:
		out->sts_event = sf->cert_error ? "sts-webpki-invalid" : "sts-policy-fetch-error";
		break;
	case MTASTS_INVALID: out->sts_event = "sts-policy-invalid"; break;
	case MTASTS_ENFORCE_VIOLATION:
		out->sts_event = !sr->mx_match ? "validation-failure"
		    : !ts->tls_done ? "starttls-not-supported"
		    : !ts->trusted ? (ts->expired ? "certificate-expired" : "certificate-not-trusted")
		    : !ts->name_ok ? "certificate-host-mismatch" : "validation-failure";
		break;
	case MTASTS_ENFORCE_OK:
	case MTASTS_TESTING:
	case MTASTS_NONE:
		break;
	}
}
