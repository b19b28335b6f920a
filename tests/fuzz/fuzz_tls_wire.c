/* libFuzzer target: the passive TLS reader under arbitrary bytes, and
 * tls_wire_cert_key() / tls_wire_cert_validity() on the input as a
 * certificate and on the leaf a reader kept. The first
 * byte picks a cut point; the rest is fed as two pieces into a client-side
 * and a server-side reader, and whole into two more. Checks the reader's
 * promises: strings terminated, lengths within their buffers, no more bytes
 * counted than fed, an error always has a reason, NOT_TLS exactly when
 * tls_wire_sniff() refuses the first bytes, and the same facts however the
 * input is cut. */
#include "buildconf.h"
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rating.h"
#include "tls_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* tls_wire_cert_key() of len bytes: only names from its tables, sane bits */
static void
check_key(const uint8_t *der, size_t len)
{
	struct tls_wire_cert_key k;
	bool ok = tls_wire_cert_key(der, len, &k);

	assert(k.key_bits >= 0 && k.key_bits <= 8192 * 8);
	if (!ok)
		assert(k.key_type == NULL && k.sig_hash == NULL);
	if (k.key_type == NULL)
		assert(k.key_curve == NULL && k.key_bits == 0);
	if (k.key_curve != NULL)
		assert(strcmp(k.key_type, "EC") == 0 && k.key_bits >= 192);
	if (k.sig_hash != NULL)
		assert(strlen(k.sig_hash) <= 7);
	if (ok) {
		/* what pserver does with it */
		struct rating_input in = { .tls_version = 0x0303, .cipher_id = 0xc02f,
		    .key_type = k.key_type, .key_bits = k.key_bits,
		    .key_curve = k.key_curve, .sig_hash = k.sig_hash };
		struct rating r;

		rating_of(&in, &r);
		assert(r.overall != RATING_UNKNOWN);
	}
}

static void
check(const struct tls_wire *w, bool from_client, enum tls_wire_status st,
    const uint8_t *in, size_t len)
{
	const struct tls_wire_facts *f = tls_wire_facts(w);
	int sniff = tls_wire_sniff(in, len < 5 ? len : 5);

	assert(st == TLS_WIRE_MORE || st == TLS_WIRE_DONE || st == TLS_WIRE_NOT_TLS ||
	    st == TLS_WIRE_ERROR);
	assert(memchr(f->sni, '\0', sizeof f->sni) != NULL);
	assert(memchr(f->error, '\0', sizeof f->error) != NULL);
	assert(f->n_client_versions <= TLS_WIRE_MAX_VERSIONS);
	assert(f->cert_der_len <= TLS_WIRE_CERT_MAX);
	assert(f->cert_der_len <= f->cert_len);
	assert(!f->cert_truncated || f->cert_der_len < f->cert_len);
	assert(f->bytes <= len);
	assert(f->error_at <= f->bytes);
	assert(tls_wire_status_name(st) != NULL);
	if (f->have_cert || f->have_server_hello || f->hello_retry_request)
		assert(!from_client);
	if (f->have_client_hello)
		assert(from_client);
	if (f->have_ske || f->ske_group != 0 || f->dh_bits != 0)
		assert(!from_client && f->have_server_hello && f->have_ske);
	if (f->dh_bits != 0 && f->ske_group != 0)
		assert(f->ske_group >= 0x0100 && f->ske_group <= 0x0104 &&
		    rating_group_name(f->ske_group) != NULL);
	if (f->cert_der_len > 0)
		check_key(f->cert_der, f->cert_der_len);
	if (st == TLS_WIRE_ERROR || st == TLS_WIRE_NOT_TLS)
		assert(f->error[0] != '\0');
	else
		assert(f->error[0] == '\0' && f->bytes == len);
	if (sniff == 0)
		assert(st == TLS_WIRE_NOT_TLS);
	else
		assert(st != TLS_WIRE_NOT_TLS);
	if (sniff < 0)
		assert(st == TLS_WIRE_MORE);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* about 21 KiB each: static, not on the stack */
	static struct tls_wire cut[2], whole[2];
	const uint8_t *in;
	size_t len, at;
	int d;

	if (size < 1)
		return 0;
	in = data + 1;
	len = size - 1;
	at = len * data[0] / 255; /* 0 .. len */
	for (d = 0; d < 2; d++) {
		enum tls_wire_status s1, s2;

		tls_wire_init(&cut[d], d == 0);
		s1 = tls_wire_feed(&cut[d], in, at);
		assert(s1 != TLS_WIRE_ERROR || tls_wire_facts(&cut[d])->error[0] != '\0');
		s1 = tls_wire_feed(&cut[d], in + at, len - at);
		check(&cut[d], d == 0, s1, in, len);

		tls_wire_init(&whole[d], d == 0);
		s2 = tls_wire_feed(&whole[d], in, len);
		check(&whole[d], d == 0, s2, in, len);
		assert(s1 == s2);
		/* cert_der is meaningful up to cert_der_len only */
		assert(tls_wire_facts(&cut[d])->cert_der_len == tls_wire_facts(&whole[d])->cert_der_len);
		assert(memcmp(tls_wire_facts(&cut[d]), tls_wire_facts(&whole[d]),
		    offsetof(struct tls_wire_facts, cert_der) +
		    tls_wire_facts(&whole[d])->cert_der_len) == 0);
	}
	/* the input as a certificate: a bounded walk, never past len */
	{
		int64_t nb, na;
		uint8_t *copy = malloc(len ? len : 1);

		assert(copy != NULL);
		memcpy(copy, in, len);
		(void)tls_wire_cert_validity(copy, len, &nb, &na);
		check_key(copy, len);
		free(copy);
	}
	return 0;
}
