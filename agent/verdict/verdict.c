/* agent/verdict/verdict.c: see verdict.h. */
#include "buildconf.h"
#include "verdict.h"
#include "appltype.h"
#include "cipher.h"
#include "downgrade.h"
#include "tlsver.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

#include <openssl/x509_vfy.h>

static enum verdict_cert
cert_status_of(const struct smtp_result *r)
{
	if (!r->tls_done || !r->tls.have_cert || r->tls.verify_code < 0)
		return VERDICT_CERT_UNKNOWN;
	if (r->tls.verify_code == X509_V_ERR_CERT_HAS_EXPIRED ||
	    r->tls.verify_code == X509_V_ERR_CERT_NOT_YET_VALID)
		return VERDICT_CERT_EXPIRED;
	if (r->tls.verify_code != X509_V_OK)
		return VERDICT_CERT_UNTRUSTED;
	if (r->tls.host_match == 0)
		return VERDICT_CERT_MISMATCH;
	return VERDICT_CERT_OK;
}

void
verdict_posture(const struct verdict *v, bool tls_attempted, time_t now, struct posture *out)
{
	const struct tls_info *t = &v->tls;

	posture_unknown(out);
	out->tls_attempted = tls_attempted ? 1 : 0;
	out->server_type = (int8_t)v->server_type;
	if (v->ehlo_seen)
		out->starttls = v->starttls_offered ? 1 : 0;
	else if (v->server_type == APPL_TYPE_SMTP)
		out->starttls = 0;            /* HELO only: no extensions at all */
	if (v->fail == SMTP_F_STARTTLS)
		out->starttls = 0;            /* offered, then refused: not supported */
	if (!v->tls_done)
		return;
	out->tls_version = (uint16_t)t->version;
	out->cipher_id = t->cipher_id;
	out->cipher_class = posture_cipher_class(t->cipher_id);
	out->rating = (int8_t)v->rating.overall;
	out->rating_part = (int8_t)rating_part_of(v->rating.weakest);
	if (!t->have_cert)
		return;
	if (t->not_after != 0)
		out->cert_time_ok = (now <= t->not_after && now >= t->not_before) ? 1 : 0;
	if (t->verify_code == X509_V_OK)
		out->cert_trusted = 1;
	else if (t->verify_code != X509_V_ERR_CERT_HAS_EXPIRED &&
	    t->verify_code != X509_V_ERR_CERT_NOT_YET_VALID && t->verify_code > 0)
		out->cert_trusted = 0;        /* expiry alone says nothing of trust */
	out->host_match = (int8_t)t->host_match;
	out->have_key = true;
	memcpy(out->key, t->spki_sha256, sizeof out->key);
}

void
verdict_text_set(struct verdict_text *txt, const char *reply, const char *reason)
{
	str_copy(txt->reply, reply != NULL ? reply : "", sizeof txt->reply);
	str_copy(txt->reason, reason != NULL ? reason : "", sizeof txt->reason);
}

void
verdict_set_failure(struct verdict *v, struct verdict_text *txt, enum smtp_fail fail,
    enum smtp_state st, int reply_code, const char *reply, const char *reason)
{
	v->fail = fail;
	v->fail_state = st;
	v->fail_name = fail == SMTP_F_NONE ? NULL : smtp_fail_name(fail);
	v->reply_code = reply_code;
	if (txt != NULL)
		verdict_text_set(txt, reply, reason);
}

void
verdict_text_of(const struct smtp_result *r, struct verdict_text *out)
{
	verdict_text_set(out, r->last_reply, r->reason);
}

void
verdict_blank(const char *component, const char *writer, struct verdict *out)
{
	struct smtp_result none;
	struct verdict_policy p = { .component = component, .writer = writer };

	memset(&none, 0, sizeof none);
	verdict_of(&none, &p, 0, out);
}

void
verdict_of(const struct smtp_result *r, const struct verdict_policy *p, time_t now,
    struct verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->server_type = r->server_type;
	v->type_name = appl_type_name(r->server_type);
	v->type_code = appl_type_code(r->server_type);
	v->type_mib = appl_type_mib(r->server_type);
	v->security = r->security;
	v->security_name = appl_security_name(r->security);
	v->security_mib = appl_security_mib(r->security);
	/* a classified connection without TLS was basic */
	v->method_name = appl_security_name(r->security == APPL_SEC_TLS ? APPL_SEC_TLS :
	    APPL_SEC_BASIC);
	v->method_code = appl_security_code(r->security == APPL_SEC_TLS ? APPL_SEC_TLS :
	    APPL_SEC_BASIC);
	v->ehlo_seen = r->ehlo_seen;
	v->starttls_offered = r->starttls_offered;
	v->caps_pre = r->caps_pre;
	v->caps_tls = r->caps_tls;
	v->caps_tls_seen = r->tls_done && r->caps_tls.nlines > 0;
	v->auth_done = r->auth_done;
	str_copy(v->banner, r->banner, sizeof v->banner);

	v->tls_done = r->tls_done;
	v->tls_mib = TLSVER_MIB_NONE;
	v->cipher_id = -1;
	if (r->tls_done) {
		v->tls = r->tls;
		/* the table's static name: a verdict is copied, it points into no result */
		v->tls_name = tlsver_name(r->tls.version) != NULL ? tlsver_name(r->tls.version) :
		    "unknown";
		v->tls_mib = tlsver_mib(r->tls.version);
		if (r->tls.cipher_id >= 0 && r->tls.cipher_id <= 0xffff) {
			v->cipher_id = r->tls.cipher_id;
			snprintf(v->cipher_hex, sizeof v->cipher_hex, "0x%04X",
			    (unsigned)r->tls.cipher_id);
			v->cipher_class = (int)cipher_class_of((uint16_t)r->tls.cipher_id);
			v->class_name = cipher_class_name((enum cipher_class)v->cipher_class);
		}
		v->cert_seen = r->tls.have_cert;
		v->cert_verified = r->tls.have_cert && r->tls.verify_code == X509_V_OK;
	}
	v->cert_status = cert_status_of(r);
	if (r->tls_done) {
		const struct tls_info *t = &r->tls;
		struct rating_input ri = {
			.tls_version = t->version,
			.cipher_id = t->cipher_id,
			.group = t->group,
			.dh_bits = t->dh_bits,
			.key_type = t->have_cert ? t->key_type : NULL,
			.key_bits = t->key_bits,
			.key_curve = t->have_cert ? t->key_curve : NULL,
			.sig_hash = t->have_cert ? t->sig_hash : NULL,
		};

		rating_of(&ri, &v->rating);
		rating_names_of(&v->rating, &v->rnames);
	}

	smtp_result_appldata(r, p->component, p->writer, v->appldata);

	if (r->local_len > 0)
		sockaddr_text((const struct sockaddr *)&r->local, v->local, sizeof v->local);
	v->t = r->t;
	v->noop_rtt = r->noop_rtt;
	v->noops = r->noops;
	verdict_set_failure(v, NULL, r->fail, r->fail_state, r->reply_code, NULL, NULL);
	verdict_posture(v, p->tls_attempted, now, &v->posture);
}
