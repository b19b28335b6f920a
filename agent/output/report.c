/* agent/output/report.c: see report.h. */
#include "buildconf.h"
#include "report.h"

#include <stdio.h>
#include <string.h>

void
report_iso8601(time_t t, char *out, size_t outsz)
{
	struct tm tm;

	if (t == 0 || gmtime_r(&t, &tm) == NULL) {
		if (outsz)
			out[0] = '\0';
		return;
	}
	strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A list of words separated by sepc as a JSON array. */
static void
split_array(struct json *j, const char *key, const char *words, char sepc)
{
	const char *p = words;

	json_key(j, key);
	json_arr_begin(j);
	while (*p) {
		const char *e = strchr(p, sepc);
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n)
			json_strn(j, p, n);
		p += n + (e ? 1 : 0);
	}
	json_arr_end(j);
}

static void
word_array(struct json *j, const char *key, const char *words)
{
	split_array(j, key, words, ' ');
}

static void
caps_json(struct json *j, const char *key, const struct smtp_caps *c, bool seen)
{
	char buf[512];

	if (!seen) {
		json_knull(j, key);
		return;
	}
	smtp_caps_names(c, buf, sizeof buf);
	word_array(j, key, buf);
}

static void
tls_json(struct json *j, const struct verdict *v)
{
	const struct tls_info *t = &v->tls;
	char buf[80]; /* 64 hex digits of the SPKI hash + NUL */
	size_t i;

	if (!v->tls_done) {
		json_knull(j, "tls_version");
		json_knull(j, "cipher_id");
		json_knull(j, "cipher");
		json_knull(j, "cert_not_after");
		return;
	}
	json_kstr(j, "tls_version", v->tls_name);
	if (v->cipher_id >= 0) {
		json_kint(j, "cipher_id", v->cipher_id);
		json_kstr(j, "cipher", t->cipher);
		json_kstr(j, "cipher_hex", v->cipher_hex);
		json_kstr(j, "cipher_openssl", t->cipher_openssl);
	} else {
		json_knull(j, "cipher_id");
		json_knull(j, "cipher");
	}
	json_kstr(j, "tls_group", t->group[0] ? t->group : NULL);
	if (!v->cert_seen) {
		json_knull(j, "cert_not_after");
		return;
	}
	report_iso8601(t->not_after, buf, sizeof buf);
	json_kstr(j, "cert_not_after", buf[0] ? buf : NULL);
	report_iso8601(t->not_before, buf, sizeof buf);
	json_kstr(j, "cert_not_before", buf[0] ? buf : NULL);
	json_kstr(j, "cert_subject", t->subject);
	json_kstr(j, "cert_issuer", t->issuer);
	split_array(j, "cert_sans", t->sans, ',');
	json_kbool(j, "cert_verified", v->cert_verified);
	json_kstr(j, "cert_verify", t->verify_text);
	json_key(j, "cert_host_match");
	if (t->host_match < 0)
		json_null(j);
	else
		json_bool(j, t->host_match == 1);
	snprintf(buf, sizeof buf, "%s %d", t->key_type, t->key_bits);
	json_kstr(j, "cert_key", buf);
	for (i = 0; i < sizeof t->spki_sha256; i++)
		snprintf(buf + 2 * i, 3, "%02x", t->spki_sha256[i]);
	json_kstr(j, "cert_spki_sha256", buf);
}

static void
timings_json(struct json *j, const struct smtp_timings *t)
{
	json_key(j, "timings_us");
	json_obj_begin(j);
	json_kuint(j, "connect", t->connect);
	json_kuint(j, "banner", t->banner);
	json_kuint(j, "ehlo", t->ehlo);
	json_kuint(j, "starttls", t->starttls);
	json_kuint(j, "handshake", t->handshake);
	json_kuint(j, "ehlo_tls", t->ehlo_tls);
	json_kuint(j, "auth", t->auth);
	json_kuint(j, "noop", t->noop);
	json_kuint(j, "total", t->total);
	json_obj_end(j);
}

void
report_json(struct json *j, const struct report_target *t, const struct verdict *v,
    const struct verdict_text *txt)
{
	json_obj_begin(j);
	report_json_fields(j, t, v, txt);
	json_obj_end(j);
}

void
report_json_fields(struct json *j, const struct report_target *t, const struct verdict *v,
    const struct verdict_text *txt)
{
	char buf[512];

	json_kstr(j, "target", t->target);
	if (t->name)
		json_kstr(j, "name", t->name);
	json_kstr(j, "state", t->state);
	json_kstr(j, "server_type", v->type_name);
	json_kbool(j, "starttls_offered", v->starttls_offered);
	smtp_caps_auth_names(&v->caps_pre, buf, sizeof buf);
	word_array(j, "auth_offered_pretls", buf);
	json_kstr(j, "security_method", v->security_name);
	tls_json(j, v);
	json_kstr(j, "last_reply", txt != NULL && txt->reply[0] ? txt->reply : NULL);
	json_kstr(j, "appldata", v->appldata);
	json_kstr(j, "banner", v->banner[0] ? v->banner : NULL);
	report_rating_json(j, &v->rnames);
	caps_json(j, "capabilities_pretls", &v->caps_pre, v->ehlo_seen);
	caps_json(j, "capabilities_tls", &v->caps_tls, v->caps_tls_seen);
	json_kbool(j, "auth_done", v->auth_done);
	if (v->local[0])
		json_kstr(j, "local", v->local);
	json_key(j, "failure");
	if (v->fail == SMTP_F_NONE) {
		json_null(j);
	} else {
		json_obj_begin(j);
		json_kstr(j, "kind", v->fail_name);
		json_kstr(j, "in_state", smtp_state_name(v->fail_state));
		json_kstr(j, "reason", txt != NULL && txt->reason[0] ? txt->reason : NULL);
		json_obj_end(j);
	}
	timings_json(j, &v->t);
}

void
report_rating_json(struct json *j, const struct rating_names *n)
{
	json_key(j, "rating");
	json_obj_begin(j);
	json_kstr(j, "guideline", RATING_GUIDELINE);
	json_kstr(j, "overall", n->overall);
	json_kstr(j, "tls_version", n->tls_version);
	json_kstr(j, "cipher", n->cipher);
	json_kstr(j, "key_exchange", n->key_exchange);
	json_kstr(j, "cert_key", n->cert_key);
	json_kstr(j, "cert_signature", n->cert_signature);
	json_obj_end(j);
}

void
report_policy_json(struct json *j, const struct policy_view *pv)
{
	size_t i;

	if (pv->dane != DANE_ST_OFF) {
		json_key(j, "dane");
		json_obj_begin(j);
		json_kstr(j, "status", pv->dane_name);
		json_key(j, "tlsa");
		json_arr_begin(j);
		for (i = 0; i < pv->n_tlsa; i++)
			json_str(j, pv->tlsa[i]);
		json_arr_end(j);
		if (pv->tlsa_more)  /* more records than a row keeps */
			json_kbool(j, "tlsa_truncated", true);
		json_kstr(j, "matched", pv->matched >= 0 ? pv->tlsa[pv->matched] : NULL);
		json_kstr(j, "failure", pv->dane_event);
		json_obj_end(j);
	}
	if (pv->sts_asked) {
		json_key(j, "mta_sts");
		json_obj_begin(j);
		json_kstr(j, "status", pv->sts_name);
		json_kstr(j, "mode", pv->sts_policy ? pv->mode_name : NULL);
		json_kstr(j, "id", pv->id[0] ? pv->id : NULL);
		if (pv->sts_policy)
			json_kint(j, "max_age", pv->max_age);
		else
			json_knull(j, "max_age");
		json_key(j, "mx");
		json_arr_begin(j);
		for (i = 0; i < pv->nmx; i++)
			json_str(j, pv->mx[i]);
		json_arr_end(j);
		if (pv->mx_more)
			json_kbool(j, "mx_truncated", true);
		if (pv->mx_match >= 0)
			json_kbool(j, "mx_match", pv->mx_match == 1);
		else
			json_knull(j, "mx_match");
		json_kstr(j, "violation", pv->violation[0] ? pv->violation : NULL);
		json_kstr(j, "failure", pv->sts_event);
		json_obj_end(j);
	}
}
