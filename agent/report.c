/* agent/report.c: see report.h. */
#include "buildconf.h"
#include "report.h"
#include "appltype.h"

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
tls_json(struct json *j, const struct smtp_result *r)
{
	const struct tls_info *t = &r->tls;
	char buf[80]; /* 64 hex digits of the SPKI hash + NUL */
	size_t i;

	if (!r->tls_done) {
		json_knull(j, "tls_version");
		json_knull(j, "cipher_id");
		json_knull(j, "cipher");
		json_knull(j, "cert_not_after");
		return;
	}
	json_kstr(j, "tls_version", t->version_name);
	if (t->cipher_id >= 0) {
		json_kint(j, "cipher_id", t->cipher_id);
		json_kstr(j, "cipher", t->cipher);
		snprintf(buf, sizeof buf, "0x%04X", (unsigned)t->cipher_id);
		json_kstr(j, "cipher_hex", buf);
		json_kstr(j, "cipher_openssl", t->cipher_openssl);
	} else {
		json_knull(j, "cipher_id");
		json_knull(j, "cipher");
	}
	json_kstr(j, "tls_group", t->group[0] ? t->group : NULL);
	if (!t->have_cert) {
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
	json_kbool(j, "cert_verified", t->verify_code == 0);
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
report_json(struct json *j, const struct report_target *t, const struct smtp_result *r)
{
	json_obj_begin(j);
	report_json_fields(j, t, r);
	json_obj_end(j);
}

void
report_json_fields(struct json *j, const struct report_target *t, const struct smtp_result *r)
{
	char buf[512];
	char appl[APPLDATA_LEN + 1];

	json_kstr(j, "target", t->target);
	if (t->name)
		json_kstr(j, "name", t->name);
	json_kstr(j, "state", t->state);
	json_kstr(j, "server_type", appl_type_name(r->server_type));
	json_kbool(j, "starttls_offered", r->starttls_offered);
	smtp_caps_auth_names(&r->caps_pre, buf, sizeof buf);
	word_array(j, "auth_offered_pretls", buf);
	json_kstr(j, "security_method", appl_security_name(r->security));
	tls_json(j, r);
	json_kstr(j, "last_reply", r->last_reply);
	smtp_result_appldata(r, t->component, t->writer, appl);
	json_kstr(j, "appldata", appl);
	json_kstr(j, "banner", r->banner[0] ? r->banner : NULL);
	caps_json(j, "capabilities_pretls", &r->caps_pre, r->ehlo_seen);
	caps_json(j, "capabilities_tls", &r->caps_tls, r->tls_done && r->caps_tls.nlines > 0);
	json_kbool(j, "auth_done", r->auth_done);
	if (r->local_len > 0) {
		sockaddr_text((const struct sockaddr *)&r->local, buf, sizeof buf);
		json_kstr(j, "local", buf);
	}
	json_key(j, "failure");
	if (r->fail == SMTP_F_NONE) {
		json_null(j);
	} else {
		json_obj_begin(j);
		json_kstr(j, "kind", smtp_fail_name(r->fail));
		json_kstr(j, "in_state", smtp_state_name(r->fail_state));
		json_kstr(j, "reason", r->reason);
		json_obj_end(j);
	}
	timings_json(j, &r->t);
}
