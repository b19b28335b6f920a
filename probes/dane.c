/* probes/dane.c: see dane.h. */
#include "buildconf.h"
#include "dane.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define SEL_CERT 0
#define SEL_SPKI 1
#define MT_FULL 0
#define MT_SHA256 1
#define MT_SHA512 2

#define NAME_MAX_LEN 255

/* One presented certificate, parsed, with the octets each selector picks. */
struct pcert {
	X509 *x;               /* NULL: did not parse */
	const uint8_t *der;    /* selector 0: as presented */
	size_t der_len;
	uint8_t *spki;         /* selector 1, OPENSSL_malloc'd */
	size_t spki_len;
};

bool
dane_tlsa_parse(const uint8_t *rdata, size_t len, struct dane_tlsa *out)
{
	size_t dlen;

	if (rdata == NULL || len < 4)
		return false;
	dlen = len - 3;
	if (dlen > DANE_MAX_DATA)
		return false;
	if ((rdata[2] == MT_SHA256 && dlen != 32) || (rdata[2] == MT_SHA512 && dlen != 64))
		return false;
	out->usage = rdata[0];
	out->selector = rdata[1];
	out->mtype = rdata[2];
	out->len = (uint16_t)dlen;
	memcpy(out->data, rdata + 3, dlen);
	return true;
}

/* "U S M hex" of the fields, snprintf-like (dane_tlsa_format, dane_rdata_format). */
static size_t
format_parts(unsigned usage, unsigned selector, unsigned mtype, const uint8_t *data,
    size_t len, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	char head[16];
	size_t hlen, need, i, n;

	hlen = (size_t)snprintf(head, sizeof head, "%u %u %u%s", usage, selector,
	    mtype, len > 0 ? " " : "");
	need = hlen + 2 * len;
	if (outsz == 0)
		return need;
	n = hlen < outsz - 1 ? hlen : outsz - 1;
	memcpy(out, head, n);
	for (i = 0; i < len && n + 2 <= outsz - 1; i++) {
		out[n++] = hex[data[i] >> 4];
		out[n++] = hex[data[i] & 0x0f];
	}
	/* an odd room left: half an octet, as snprintf would cut */
	if (i < len && n < outsz - 1)
		out[n++] = hex[data[i] >> 4];
	out[n] = '\0';
	return need;
}

size_t
dane_tlsa_format(const struct dane_tlsa *t, char *out, size_t outsz)
{
	return format_parts(t->usage, t->selector, t->mtype, t->data,
	    t->len > DANE_MAX_DATA ? DANE_MAX_DATA : t->len, out, outsz);
}

size_t
dane_rdata_format(const uint8_t *rdata, size_t len, char *out, size_t outsz)
{
	if (len < 3) {
		if (outsz > 0)
			out[0] = '\0';
		return 0;
	}
	return format_parts(rdata[0], rdata[1], rdata[2], rdata + 3, len - 3, out, outsz);
}

const char *
dane_match_name(enum dane_match m)
{
	switch (m) {
	case DANE_MATCHED:
		return "matched";
	case DANE_MISMATCH:
		return "mismatch";
	case DANE_NO_USABLE:
		return "no-usable";
	}
	return "unknown";
}

static bool
usable(const struct dane_tlsa *r)
{
	if (r->usage != DANE_USAGE_DANE_TA && r->usage != DANE_USAGE_DANE_EE)
		return false;
	if (r->selector != SEL_CERT && r->selector != SEL_SPKI)
		return false;
	if (r->len > DANE_MAX_DATA)
		return false;
	switch (r->mtype) {
	case MT_FULL:
		return r->len > 0;
	case MT_SHA256:
		return r->len == 32;
	case MT_SHA512:
		return r->len == 64;
	}
	return false;
}

/* Parses one presented certificate; on failure pc->x stays NULL. */
static void
pcert_load(struct pcert *pc, const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	unsigned char *spki = NULL;
	X509 *x;
	int n;

	memset(pc, 0, sizeof *pc);
	if (der == NULL || len == 0 || len > DANE_MAX_CERT)
		return;
	x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL)
		return;
	if (p != der + len) {            /* trailing octets: not one certificate */
		X509_free(x);
		return;
	}
	n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &spki);
	if (n <= 0) {
		X509_free(x);
		return;
	}
	pc->x = x;
	pc->der = der;
	pc->der_len = len;
	pc->spki = spki;
	pc->spki_len = (size_t)n;
}

static void
pcert_free(struct pcert *pc)
{
	X509_free(pc->x);
	OPENSSL_free(pc->spki);
	memset(pc, 0, sizeof *pc);
}

/* Does the usable record r match the parsed certificate pc? */
static bool
record_matches(const struct dane_tlsa *r, const struct pcert *pc)
{
	const uint8_t *in;
	size_t inlen;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const EVP_MD *alg;

	if (pc->x == NULL)
		return false;
	if (r->selector == SEL_CERT) {
		in = pc->der;
		inlen = pc->der_len;
	} else {
		in = pc->spki;
		inlen = pc->spki_len;
	}
	if (r->mtype == MT_FULL)
		return inlen == r->len && memcmp(in, r->data, inlen) == 0;
	alg = r->mtype == MT_SHA256 ? EVP_sha256() : EVP_sha512();
	if (EVP_Digest(in, inlen, md, &mdlen, alg, NULL) != 1)
		return false;
	return mdlen == r->len && memcmp(md, r->data, mdlen) == 0;
}

/* Does the leaf carry one of the reference names? */
static bool
leaf_name_ok(X509 *leaf, const char *const *names, size_t nnames)
{
	char buf[NAME_MAX_LEN + 1];
	size_t i, n;

	for (i = 0; i < nnames; i++) {
		if (names[i] == NULL)
			continue;
		n = strnlen(names[i], sizeof buf);
		if (n == 0 || n >= sizeof buf)
			continue;
		memcpy(buf, names[i], n);
		if (buf[n - 1] == '.')    /* the absolute form of the base domain */
			n--;
		if (n == 0)
			continue;
		buf[n] = '\0';
		if (X509_check_host(leaf, buf, n, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
		    NULL) == 1)
			return true;
	}
	return false;
}

/* Does the leaf chain to the presented certificate ta (index tai) through
 * the other presented certificates, valid at now? */
static bool
chains_to(const struct pcert *pc, size_t n, size_t tai, time_t now)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	X509_VERIFY_PARAM *param;
	bool ok = false;
	size_t i;

	if (store == NULL || ctx == NULL || untrusted == NULL)
		goto out;
	if (X509_STORE_add_cert(store, pc[tai].x) != 1)
		goto out;
	for (i = 1; i < n; i++) {
		if (i == tai || pc[i].x == NULL)
			continue;
		if (sk_X509_push(untrusted, pc[i].x) <= 0) /* borrowed, not counted */
			goto out;
	}
	if (X509_STORE_CTX_init(ctx, store, pc[0].x, untrusted) != 1)
		goto out;
	param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
	X509_VERIFY_PARAM_set_time(param, now);
	ok = X509_verify_cert(ctx) == 1;
out:
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	X509_STORE_free(store);
	return ok;
}

enum dane_match
dane_match(const struct dane_tlsa *recs, size_t nrecs,
    const uint8_t *const *chain, const size_t *chain_len, size_t nchain,
    const char *const *names, size_t nnames, time_t now, int *matched)
{
	struct pcert pc[DANE_MAX_CHAIN];
	enum dane_match res = DANE_NO_USABLE;
	bool name_ok = false, name_checked = false;
	size_t i, j, n;

	if (matched != NULL)
		*matched = -1;
	if (recs == NULL || nrecs == 0)
		return DANE_NO_USABLE;
	if (nrecs > DANE_MAX_RECORDS)
		nrecs = DANE_MAX_RECORDS;
	for (i = 0; i < nrecs && !usable(&recs[i]); i++)
		;
	if (i == nrecs)
		return DANE_NO_USABLE;
	res = DANE_MISMATCH;
	if (chain == NULL || chain_len == NULL)
		nchain = 0;
	n = nchain < DANE_MAX_CHAIN ? nchain : DANE_MAX_CHAIN;
	for (j = 0; j < n; j++)
		pcert_load(&pc[j], chain[j], chain_len[j]);
	if (n == 0 || pc[0].x == NULL)
		goto out;

	for (i = 0; i < nrecs && res != DANE_MATCHED; i++) {
		const struct dane_tlsa *r = &recs[i];

		if (!usable(r))
			continue;
		if (r->usage == DANE_USAGE_DANE_EE) {
			if (record_matches(r, &pc[0]))
				res = DANE_MATCHED;
			continue;
		}
		/* DANE-TA: a presented certificate above the leaf (never the leaf
		 * itself, nor a copy of it: as OpenSSL's DANE), then the chain and
		 * the name */
		for (j = 1; j < n && res != DANE_MATCHED; j++) {
			if (!record_matches(r, &pc[j]) || X509_cmp(pc[j].x, pc[0].x) == 0)
				continue;
			if (!name_checked) {
				name_ok = names != NULL && leaf_name_ok(pc[0].x, names, nnames);
				name_checked = true;
			}
			if (name_ok && chains_to(pc, n, j, now))
				res = DANE_MATCHED;
		}
	}
	if (res == DANE_MATCHED && matched != NULL)
		*matched = (int)(i - 1);
out:
	for (j = 0; j < n; j++)
		pcert_free(&pc[j]);
	return res;
}
