/* probes/rating.c: see rating.h and doc/ciphers.md ("NCSC-NL 2025-05
 * rating"). The tables follow the English texts of the internet.nl mail
 * test (translations/en/main.po) and its checks/tasks/tls/tls_constants.py
 * at commit cec0e01d0b3012ea6f189c88607894a6ccf5fd6b; where the two differ,
 * the text's level is kept. */
#include "buildconf.h"
#include "rating.h"

#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cipher.h"
#include "tlsver.h"

/* The suites appendix B of the guideline rates better than insufficient, by
 * IANA id, sorted by id. Every other suite of probes/cipher's table is
 * insufficient: CBC with SHA-1, static RSA/DH/ECDH, PSK, SRP, 3DES, RC4,
 * NULL, anon, EXPORT, DHE_DSS, SEED, SM4, TLS_AES_128_CCM_8_SHA256, ... */
struct suite_class {
	uint16_t id;
	enum rating_class cls;
};

static const struct suite_class suites[] = {
	{ 0x0067, RATING_PHASE_OUT },  /* TLS_DHE_RSA_WITH_AES_128_CBC_SHA256 */
	{ 0x006B, RATING_PHASE_OUT },  /* TLS_DHE_RSA_WITH_AES_256_CBC_SHA256 */
	{ 0x009E, RATING_PHASE_OUT },  /* TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 */
	{ 0x009F, RATING_PHASE_OUT },  /* TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 */
	{ 0x00BE, RATING_PHASE_OUT },  /* TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256 */
	{ 0x00C4, RATING_PHASE_OUT },  /* TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256 */
	{ 0x1301, RATING_SUFFICIENT }, /* TLS_AES_128_GCM_SHA256 */
	{ 0x1302, RATING_GOOD },       /* TLS_AES_256_GCM_SHA384 */
	{ 0x1303, RATING_GOOD },       /* TLS_CHACHA20_POLY1305_SHA256 */
	{ 0x1304, RATING_SUFFICIENT }, /* TLS_AES_128_CCM_SHA256 */
	{ 0xC023, RATING_PHASE_OUT },  /* TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 */
	{ 0xC024, RATING_PHASE_OUT },  /* TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384 */
	{ 0xC027, RATING_PHASE_OUT },  /* TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 */
	{ 0xC028, RATING_PHASE_OUT },  /* TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 */
	{ 0xC02B, RATING_SUFFICIENT }, /* TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 */
	{ 0xC02C, RATING_SUFFICIENT }, /* TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 */
	{ 0xC02F, RATING_SUFFICIENT }, /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
	{ 0xC030, RATING_SUFFICIENT }, /* TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 */
	{ 0xC044, RATING_PHASE_OUT },  /* TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256 */
	{ 0xC045, RATING_PHASE_OUT },  /* TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384 */
	{ 0xC048, RATING_PHASE_OUT },  /* TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256 */
	{ 0xC049, RATING_PHASE_OUT },  /* TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384 */
	{ 0xC04C, RATING_PHASE_OUT },  /* TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256 */
	{ 0xC04D, RATING_PHASE_OUT },  /* TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384 */
	{ 0xC052, RATING_PHASE_OUT },  /* TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256 */
	{ 0xC053, RATING_PHASE_OUT },  /* TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384 */
	{ 0xC05C, RATING_PHASE_OUT },  /* TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256 */
	{ 0xC05D, RATING_PHASE_OUT },  /* TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384 */
	{ 0xC060, RATING_PHASE_OUT },  /* TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256 */
	{ 0xC061, RATING_PHASE_OUT },  /* TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384 */
	{ 0xC072, RATING_PHASE_OUT },  /* TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256 */
	{ 0xC073, RATING_PHASE_OUT },  /* TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384 */
	{ 0xC076, RATING_PHASE_OUT },  /* TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256 */
	{ 0xC077, RATING_PHASE_OUT },  /* TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384 */
	{ 0xC07C, RATING_PHASE_OUT },  /* TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256 */
	{ 0xC07D, RATING_PHASE_OUT },  /* TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384 */
	{ 0xC086, RATING_PHASE_OUT },  /* TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256 */
	{ 0xC087, RATING_PHASE_OUT },  /* TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384 */
	{ 0xC08A, RATING_PHASE_OUT },  /* TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256 */
	{ 0xC08B, RATING_PHASE_OUT },  /* TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384 */
	{ 0xC09E, RATING_PHASE_OUT },  /* TLS_DHE_RSA_WITH_AES_128_CCM */
	{ 0xC09F, RATING_PHASE_OUT },  /* TLS_DHE_RSA_WITH_AES_256_CCM */
	{ 0xC0AC, RATING_SUFFICIENT }, /* TLS_ECDHE_ECDSA_WITH_AES_128_CCM */
	{ 0xC0AD, RATING_SUFFICIENT }, /* TLS_ECDHE_ECDSA_WITH_AES_256_CCM */
	{ 0xCCA8, RATING_SUFFICIENT }, /* TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
	{ 0xCCA9, RATING_SUFFICIENT }, /* TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 */
	{ 0xCCAA, RATING_PHASE_OUT },  /* TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
};

#define NSUITES (sizeof suites / sizeof suites[0])

/* A name and its class; names compare without case and without '-'/'_'. */
struct named_class {
	const char *name;
	enum rating_class cls;
};

/* Key-exchange groups (3.3.3): the hybrid post-quantum groups good, the
 * classical curves sufficient (the code says good, the text sufficient),
 * P-224 and the RFC 7919 groups from 3072 bits phase-out. Anything else
 * named is insufficient. */
static const struct named_class groups[] = {
	{ "X25519MLKEM768", RATING_GOOD },
	{ "SecP256r1MLKEM768", RATING_GOOD },
	{ "SecP384r1MLKEM1024", RATING_GOOD },
	{ "x25519", RATING_SUFFICIENT },
	{ "x448", RATING_SUFFICIENT },
	{ "secp256r1", RATING_SUFFICIENT },
	{ "prime256v1", RATING_SUFFICIENT },
	{ "P-256", RATING_SUFFICIENT },
	{ "secp384r1", RATING_SUFFICIENT },
	{ "P-384", RATING_SUFFICIENT },
	{ "secp521r1", RATING_SUFFICIENT },
	{ "P-521", RATING_SUFFICIENT },
	{ "brainpoolP256r1", RATING_SUFFICIENT },
	{ "brainpoolP384r1", RATING_SUFFICIENT },
	{ "brainpoolP512r1", RATING_SUFFICIENT },
	{ "brainpoolP256r1tls13", RATING_SUFFICIENT },
	{ "brainpoolP384r1tls13", RATING_SUFFICIENT },
	{ "brainpoolP512r1tls13", RATING_SUFFICIENT },
	{ "secp224r1", RATING_PHASE_OUT },
	{ "P-224", RATING_PHASE_OUT },
	{ "ffdhe3072", RATING_PHASE_OUT },
	{ "ffdhe4096", RATING_PHASE_OUT },
	{ "ffdhe6144", RATING_PHASE_OUT },
	{ "ffdhe8192", RATING_PHASE_OUT },
};

/* Curves of an EC certificate key (3.3.2): sufficient, P-224 phase-out,
 * any other insufficient. */
static const struct named_class cert_curves[] = {
	{ "secp256r1", RATING_SUFFICIENT },
	{ "prime256v1", RATING_SUFFICIENT },
	{ "P-256", RATING_SUFFICIENT },
	{ "secp384r1", RATING_SUFFICIENT },
	{ "P-384", RATING_SUFFICIENT },
	{ "secp521r1", RATING_SUFFICIENT },
	{ "P-521", RATING_SUFFICIENT },
	{ "brainpoolP256r1", RATING_SUFFICIENT },
	{ "brainpoolP384r1", RATING_SUFFICIENT },
	{ "brainpoolP512r1", RATING_SUFFICIENT },
	{ "secp224r1", RATING_PHASE_OUT },
	{ "P-224", RATING_PHASE_OUT },
};

/* Hash of the certificate's signature (3.3.5): any other insufficient. */
static const struct named_class sig_hashes[] = {
	{ "SHA256", RATING_GOOD },
	{ "SHA384", RATING_GOOD },
	{ "SHA512", RATING_GOOD },
	{ "ED25519", RATING_GOOD },
	{ "ED448", RATING_GOOD },
	{ "SHA224", RATING_PHASE_OUT },
};

#define NELEM(a) (sizeof (a) / sizeof (a)[0])

/* IANA TLS Supported Groups (RFC 8422, 7919, 8446, 8734, the ML-KEM
 * drafts), sorted by id. */
static const struct {
	uint16_t id;
	const char *name;
} group_names[] = {
	{ 0x0001, "sect163k1" }, { 0x0002, "sect163r1" }, { 0x0003, "sect163r2" },
	{ 0x0004, "sect193r1" }, { 0x0005, "sect193r2" }, { 0x0006, "sect233k1" },
	{ 0x0007, "sect233r1" }, { 0x0008, "sect239k1" }, { 0x0009, "sect283k1" },
	{ 0x000a, "sect283r1" }, { 0x000b, "sect409k1" }, { 0x000c, "sect409r1" },
	{ 0x000d, "sect571k1" }, { 0x000e, "sect571r1" }, { 0x000f, "secp160k1" },
	{ 0x0010, "secp160r1" }, { 0x0011, "secp160r2" }, { 0x0012, "secp192k1" },
	{ 0x0013, "secp192r1" }, { 0x0014, "secp224k1" }, { 0x0015, "secp224r1" },
	{ 0x0016, "secp256k1" }, { 0x0017, "secp256r1" }, { 0x0018, "secp384r1" },
	{ 0x0019, "secp521r1" }, { 0x001a, "brainpoolP256r1" },
	{ 0x001b, "brainpoolP384r1" }, { 0x001c, "brainpoolP512r1" },
	{ 0x001d, "x25519" }, { 0x001e, "x448" }, { 0x001f, "brainpoolP256r1tls13" },
	{ 0x0020, "brainpoolP384r1tls13" }, { 0x0021, "brainpoolP512r1tls13" },
	{ 0x0100, "ffdhe2048" }, { 0x0101, "ffdhe3072" }, { 0x0102, "ffdhe4096" },
	{ 0x0103, "ffdhe6144" }, { 0x0104, "ffdhe8192" },
	{ 0x0200, "MLKEM512" }, { 0x0201, "MLKEM768" }, { 0x0202, "MLKEM1024" },
	{ 0x11eb, "SecP256r1MLKEM768" }, { 0x11ec, "X25519MLKEM768" },
	{ 0x11ed, "SecP384r1MLKEM1024" },
	{ 0x6399, "X25519Kyber768Draft00" }, { 0x639a, "SecP256r1Kyber768Draft00" },
};

const char *
rating_group_name(unsigned id)
{
	size_t lo = 0, hi = NELEM(group_names);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (group_names[mid].id == id)
			return group_names[mid].name;
		if (group_names[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool
known(const char *s)
{
	return s != NULL && *s != '\0';
}

/* Equal without regard to case, '-' and '_'. */
static bool
same_name(const char *a, const char *b)
{
	for (;;) {
		while (*a == '-' || *a == '_')
			a++;
		while (*b == '-' || *b == '_')
			b++;
		if (*a == '\0' || *b == '\0')
			return *a == *b;
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
		a++;
		b++;
	}
}

/* The class of a known name in the list, or dflt. */
static enum rating_class
class_by_name(const struct named_class *list, size_t n, const char *name,
    enum rating_class dflt)
{
	for (size_t i = 0; i < n; i++)
		if (same_name(list[i].name, name))
			return list[i].cls;
	return dflt;
}

static enum rating_class
rate_version(int wire)
{
	if (tlsver_of(wire) == NULL)
		return RATING_UNKNOWN;
	if (wire == 0x0304)
		return RATING_GOOD;
	if (wire == 0x0303)
		return RATING_SUFFICIENT;
	return RATING_INSUFFICIENT;
}

enum rating_class
rating_cipher_class(int id)
{
	size_t lo = 0, hi = NSUITES;

	if (id < 0 || id > 0xffff || !cipher_lookup((uint16_t)id, NULL))
		return RATING_UNKNOWN;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (suites[mid].id == id)
			return suites[mid].cls;
		if (suites[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return RATING_INSUFFICIENT;
}

static enum rating_class
rate_key_exchange(const struct rating_input *in)
{
	struct cipher_props p;

	/* a TLS 1.2 suite without ephemeral exchange: no group can save it */
	if (in->cipher_id >= 0 && in->cipher_id <= 0xffff &&
	    cipher_lookup((uint16_t)in->cipher_id, &p) && !p.tls13 && !p.fs)
		return RATING_INSUFFICIENT;
	if (known(in->group))
		return class_by_name(groups, NELEM(groups), in->group, RATING_INSUFFICIENT);
	/* a finite-field group without a name is not one of RFC 7919's:
	 * self-generated, insufficient */
	if (in->dh_bits > 0)
		return RATING_INSUFFICIENT;
	return RATING_UNKNOWN;
}

static enum rating_class
rate_cert_key(const struct rating_input *in)
{
	const char *t = in->key_type;

	if (!known(t))
		return RATING_UNKNOWN;
	if (same_name(t, "RSA") || same_name(t, "RSA-PSS") || same_name(t, "rsaEncryption")) {
		if (in->key_bits <= 0)
			return RATING_UNKNOWN;
		if (in->key_bits >= 3072)
			return RATING_SUFFICIENT;
		if (in->key_bits >= 2048)
			return RATING_PHASE_OUT;
		return RATING_INSUFFICIENT;
	}
	if (same_name(t, "EC") || same_name(t, "ECDSA") || same_name(t, "id-ecPublicKey")) {
		if (known(in->key_curve))
			return class_by_name(cert_curves, NELEM(cert_curves), in->key_curve,
			    RATING_INSUFFICIENT);
		/* no listed curve is smaller than 224 bits */
		if (in->key_bits > 0 && in->key_bits < 224)
			return RATING_INSUFFICIENT;
		return RATING_UNKNOWN;
	}
	if (same_name(t, "ED25519") || same_name(t, "ED448"))
		return RATING_SUFFICIENT;
	/* DSA and anything else: only RSA, ECDSA and EdDSA are sufficient */
	return RATING_INSUFFICIENT;
}

static enum rating_class
rate_signature(const char *hash)
{
	if (!known(hash))
		return RATING_UNKNOWN;
	return class_by_name(sig_hashes, NELEM(sig_hashes), hash, RATING_INSUFFICIENT);
}

static const char *const part_names[RATING_N_PARTS] = {
	"tls_version", "cipher", "key_exchange", "cert_key", "cert_signature",
};

void
rating_of(const struct rating_input *in, struct rating *out)
{
	memset(out, 0, sizeof *out);
	out->weakest = NULL;
	if (in->tls_version == 0)
		return;
	out->tls_version = rate_version(in->tls_version);
	out->cipher = rating_cipher_class(in->cipher_id);
	out->key_exchange = rate_key_exchange(in);
	out->cert_key = rate_cert_key(in);
	out->cert_signature = rate_signature(in->sig_hash);

	const enum rating_class parts[RATING_N_PARTS] = {
		out->tls_version, out->cipher, out->key_exchange, out->cert_key,
		out->cert_signature,
	};
	for (int i = 0; i < RATING_N_PARTS; i++) {
		if (parts[i] > out->overall) {
			out->overall = parts[i];
			out->weakest = part_names[i];
		}
	}
}

void
rating_names_of(const struct rating *r, struct rating_names *out)
{
	out->overall = rating_class_name(r->overall);
	out->tls_version = rating_class_name(r->tls_version);
	out->cipher = rating_class_name(r->cipher);
	out->key_exchange = rating_class_name(r->key_exchange);
	out->cert_key = rating_class_name(r->cert_key);
	out->cert_signature = rating_class_name(r->cert_signature);
}

const char *
rating_part_name(int part)
{
	return part >= 0 && part < RATING_N_PARTS ? part_names[part] : NULL;
}

int
rating_part_of(const char *name)
{
	if (name == NULL)
		return -1;
	for (int i = 0; i < RATING_N_PARTS; i++)
		if (strcmp(name, part_names[i]) == 0)
			return i;
	return -1;
}

const char *
rating_class_name(enum rating_class c)
{
	switch (c) {
	case RATING_GOOD: return "good";
	case RATING_SUFFICIENT: return "sufficient";
	case RATING_PHASE_OUT: return "phase-out";
	case RATING_INSUFFICIENT: return "insufficient";
	case RATING_UNKNOWN: break;
	}
	return NULL;
}

int
rating_class_mib(enum rating_class c)
{
	switch (c) {
	case RATING_GOOD: return 2;
	case RATING_SUFFICIENT: return 3;
	case RATING_PHASE_OUT: return 4;
	case RATING_INSUFFICIENT: return 5;
	case RATING_UNKNOWN: break;
	}
	return 1;
}
