/* tests/unit/testcert.c: see testcert.h. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include <openssl/x509v3.h>

#include "testcert.h"

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

void
testcert_make(struct testcert *c, const char *cn, const struct testcert *issuer, bool ca,
    time_t at, long from, long to, long serial)
{
	X509_NAME *name;

	c->key = EVP_EC_gen("P-256");
	assert_non_null(c->key);
	c->x = X509_new();
	assert_non_null(c->x);
	X509_set_version(c->x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c->x), serial);
	assert_non_null(X509_time_adj_ex(X509_getm_notBefore(c->x), 0, from, &at));
	assert_non_null(X509_time_adj_ex(X509_getm_notAfter(c->x), 0, to, &at));
	name = X509_get_subject_name(c->x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(c->x, issuer != NULL ? X509_get_subject_name(issuer->x) : name);
	X509_set_pubkey(c->x, c->key);
	add_ext(c->x, issuer != NULL ? issuer->x : c->x, NID_basic_constraints,
	    ca ? "critical,CA:TRUE" : "CA:FALSE");
	if (ca) {
		add_ext(c->x, c->x, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		char san[300];

		snprintf(san, sizeof san, "DNS:%s", cn);
		add_ext(c->x, c->x, NID_subject_alt_name, san);
	}
	assert_true(X509_sign(c->x, issuer != NULL ? issuer->key : c->key, EVP_sha256()) > 0);
}

void
testcert_free(struct testcert *c)
{
	X509_free(c->x);
	EVP_PKEY_free(c->key);
	c->x = NULL;
	c->key = NULL;
}
