/* probes/tls.c: see tls.h. */
#include "buildconf.h"
#include "tls.h"
#include "tls_wire.h"
#include "tlsver.h"
#include "util.h"
#include "vcache.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

struct tls_ctx {
	SSL_CTX *ssl_ctx;
	unsigned refs;           /* holders; the last tls_ctx_free() frees */
	/* tls_ctx_verify_cache(): results of X509_verify_cert() by chain */
	struct vcache *vc;       /* NULL: every chain is verified */
	char *vc_store;          /* the trust store's file or directory */
	int64_t vc_ttl;
	EVP_MD *sha256;
	unsigned long vc_hits, vc_misses;
};

struct tls_conn {
	SSL *ssl;
	char *servername;
	char err[160];
};

static void
set_err_from_queue(char *buf, size_t len, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	char tmp[120];

	if (e == 0) {
		snprintf(buf, len, "%s", what);
	} else {
		const char *reason = ERR_reason_error_string(e);
		if (reason == NULL) {
			ERR_error_string_n(e, tmp, sizeof tmp);
			reason = tmp;
		}
		snprintf(buf, len, "%s: %s", what, reason);
	}
	ERR_clear_error();
}

struct tls_ctx *
tls_ctx_new(const char *cafile, char *err, size_t errlen)
{
	SSL_CTX *c = SSL_CTX_new(TLS_client_method());
	struct tls_ctx *ctx;

	if (c == NULL) {
		set_err_from_queue(err, errlen, "SSL_CTX_new");
		return NULL;
	}
	/* Observe old servers too: TLS 1.0 and 1.1 need security level 0. */
	SSL_CTX_set_min_proto_version(c, TLS1_VERSION);
	if (SSL_CTX_set_cipher_list(c, "ALL:@SECLEVEL=0") != 1) {
		set_err_from_queue(err, errlen, "cipher list");
		SSL_CTX_free(c);
		return NULL;
	}
	SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(c, SSL_OP_NO_TICKET | SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* Verify, record the result, never abort on it. */
	SSL_CTX_set_verify(c, SSL_VERIFY_NONE, NULL);
	if (cafile != NULL) {
		if (SSL_CTX_load_verify_file(c, cafile) != 1) {
			set_err_from_queue(err, errlen, cafile);
			SSL_CTX_free(c);
			return NULL;
		}
	} else if (SSL_CTX_load_verify_dir(c, X509_get_default_cert_dir()) != 1) {
		set_err_from_queue(err, errlen, X509_get_default_cert_dir());
		SSL_CTX_free(c);
		return NULL;
	}
	ctx = xcalloc(1, sizeof *ctx);
	ctx->ssl_ctx = c;
	ctx->refs = 1;
	return ctx;
}

struct tls_ctx *
tls_ctx_ref(struct tls_ctx *ctx)
{
	if (ctx != NULL)
		ctx->refs++;
	return ctx;
}

void
tls_ctx_free(struct tls_ctx *ctx)
{
	if (ctx == NULL || --ctx->refs > 0)
		return;
	/* a connection still in its handshake keeps the SSL_CTX: it must not
	 * call back into this context once freed */
	SSL_CTX_set_cert_verify_callback(ctx->ssl_ctx, NULL, NULL);
	SSL_CTX_free(ctx->ssl_ctx);
	vcache_free(ctx->vc);
	free(ctx->vc_store);
	EVP_MD_free(ctx->sha256);
	free(ctx);
}

/* ---- the verification cache (tls_ctx_verify_cache) ---- */

#define VC_SLOTS_LOG2 12         /* 4096 chains, 72 bytes each */
#define VC_CHAIN_MAX 16          /* longer chains are not cached */

/* The trust store's generation: its file's (or directory's) identity and
 * times. A CA file rewritten, or a certificate added to or removed from the
 * directory, changes it; 0 if it cannot be read. */
static uint64_t
store_gen(const char *path)
{
	struct stat st;
	uint64_t f[7], h = 1469598103934665603ull;
	size_t i;

	if (stat(path, &st) != 0)
		return 0;
	f[0] = (uint64_t)st.st_dev;
	f[1] = (uint64_t)st.st_ino;
	f[2] = (uint64_t)st.st_size;
	f[3] = (uint64_t)st.st_mtim.tv_sec;
	f[4] = (uint64_t)st.st_mtim.tv_nsec;
	f[5] = (uint64_t)st.st_ctim.tv_sec;
	f[6] = (uint64_t)st.st_ctim.tv_nsec;
	for (i = 0; i < sizeof f / sizeof f[0]; i++)
		h = (h ^ f[i]) * 1099511628211ull;
	return h | 1;
}

/* SHA-256 over the leaf and every certificate presented, DER, each
 * preceded by its length (the leaf once: libssl presents it first). */
static bool
chain_key(const struct tls_ctx *ctx, X509 *leaf, STACK_OF(X509) *sk, uint8_t *key)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	unsigned int klen = 0;
	bool ok = m != NULL && EVP_DigestInit_ex(m, ctx->sha256, NULL) == 1;
	int i, n = sk != NULL ? sk_X509_num(sk) : 0;

	for (i = n > 0 && sk_X509_value(sk, 0) == leaf ? 0 : -1; ok && i < n; i++) {
		X509 *x = i < 0 ? leaf : sk_X509_value(sk, i);
		unsigned char *der = NULL, lenb[4];
		int l = x != NULL ? i2d_X509(x, &der) : -1;

		if (l <= 0) {
			ok = false;
			break;
		}
		lenb[0] = (unsigned char)(l >> 24);
		lenb[1] = (unsigned char)(l >> 16);
		lenb[2] = (unsigned char)(l >> 8);
		lenb[3] = (unsigned char)l;
		ok = EVP_DigestUpdate(m, lenb, 4) == 1 && EVP_DigestUpdate(m, der, (size_t)l) == 1;
		OPENSSL_free(der);
	}
	ok = ok && n < VC_CHAIN_MAX && EVP_DigestFinal_ex(m, key, &klen) == 1 &&
	    klen == VCACHE_KEY_LEN;
	EVP_MD_CTX_free(m);
	return ok;
}

/* Adds x's notBefore and notAfter to b (room for 2 more); false if a date
 * cannot be read (then nothing is cached). */
static bool
add_bounds(X509 *x, int64_t *b, size_t *n)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(X509_get0_notBefore(x), &tm) != 1)
		return false;
	b[(*n)++] = (int64_t)timegm(&tm);
	if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) != 1)
		return false;
	b[(*n)++] = (int64_t)timegm(&tm);
	return true;
}

/* The span around now in which no certificate of the verification (the
 * ones presented and the chain built, trust anchor included) changes state. */
static bool
verify_window(X509_STORE_CTX *xs, STACK_OF(X509) *sk, int64_t now, int64_t *lo, int64_t *hi)
{
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(xs);
	int64_t b[4 * VC_CHAIN_MAX + 2];
	size_t n = 0;
	int i, ns = sk != NULL ? sk_X509_num(sk) : 0, nc = chain != NULL ? sk_X509_num(chain) : 0;

	if (ns > VC_CHAIN_MAX || nc > VC_CHAIN_MAX)
		return false;
	if (!add_bounds(X509_STORE_CTX_get0_cert(xs), b, &n))
		return false;
	for (i = 0; i < ns; i++)
		if (!add_bounds(sk_X509_value(sk, i), b, &n))
			return false;
	for (i = 0; i < nc; i++)
		if (!add_bounds(sk_X509_value(chain, i), b, &n))
			return false;
	vcache_window(b, n, now, lo, hi);
	return true;
}

/* OpenSSL's certificate verification step for every handshake of the
 * context (SSL_CTX_set_cert_verify_callback): X509_verify_cert(), unless
 * the same chain was verified under the same trust store within the TTL
 * and no certificate of it has changed state (valid, expired) since. The
 * result (SSL_get_verify_result) is the code X509_verify_cert() would give
 * now. The verification time is OpenSSL's: the current time, or the one
 * set by tls_ctx_set_verify_time(). */
static int
verify_cached(X509_STORE_CTX *xs, void *arg)
{
	struct tls_ctx *ctx = arg;
	STACK_OF(X509) *sk = X509_STORE_CTX_get0_untrusted(xs);
	X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(xs);
	uint8_t key[VCACHE_KEY_LEN];
	int64_t now, lo, hi;
	uint64_t gen;
	long code;
	bool keyed;
	int r;

	now = (X509_VERIFY_PARAM_get_flags(param) & X509_V_FLAG_USE_CHECK_TIME) ?
	    (int64_t)X509_VERIFY_PARAM_get_time(param) : (int64_t)time(NULL);
	keyed = chain_key(ctx, X509_STORE_CTX_get0_cert(xs), sk, key);
	gen = store_gen(ctx->vc_store);
	if (keyed && vcache_get(ctx->vc, key, gen, now, ctx->vc_ttl, &code)) {
		ctx->vc_hits++;
		X509_STORE_CTX_set_error(xs, (int)code);
		return code == X509_V_OK;
	}
	ctx->vc_misses++;
	r = X509_verify_cert(xs);
	if (keyed && r >= 0 && verify_window(xs, sk, now, &lo, &hi))
		vcache_put(ctx->vc, key, gen, now, lo, hi, X509_STORE_CTX_get_error(xs));
	/* -1 (an internal error) from an application's callback means "retry
	 * verification" to OpenSSL 3 and stalls the handshake; its own default
	 * path takes it as a failure, and so do we */
	return r < 0 ? 0 : r;
}

bool
tls_ctx_verify_cache(struct tls_ctx *ctx, const char *store, unsigned ttl_s)
{
	SSL_CTX_set_cert_verify_callback(ctx->ssl_ctx, NULL, NULL);
	vcache_free(ctx->vc);
	ctx->vc = NULL;
	free(ctx->vc_store);
	ctx->vc_store = NULL;
	if (ttl_s == 0)
		return true;
	if (ctx->sha256 == NULL && (ctx->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL) {
		ERR_clear_error();
		return false;
	}
	ctx->vc = vcache_new(VC_SLOTS_LOG2);
	ctx->vc_store = xstrdup(store != NULL ? store : X509_get_default_cert_dir());
	ctx->vc_ttl = ttl_s;
	SSL_CTX_set_cert_verify_callback(ctx->ssl_ctx, verify_cached, ctx);
	return true;
}

void
tls_ctx_verify_cache_stats(const struct tls_ctx *ctx, unsigned long *hits, unsigned long *misses)
{
	*hits = ctx->vc_hits;
	*misses = ctx->vc_misses;
}

void
tls_ctx_set_verify_time(struct tls_ctx *ctx, time_t t)
{
	X509_VERIFY_PARAM *p = SSL_CTX_get0_param(ctx->ssl_ctx);

	if (t != 0)
		X509_VERIFY_PARAM_set_time(p, t);
	else
		X509_VERIFY_PARAM_clear_flags(p, X509_V_FLAG_USE_CHECK_TIME);
}

static bool
is_ip_literal(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

struct tls_conn *
tls_conn_new(struct tls_ctx *ctx, int fd, const char *servername)
{
	struct tls_conn *c = xcalloc(1, sizeof *c);

	c->ssl = SSL_new(ctx->ssl_ctx);
	if (c->ssl == NULL)
		abort(); /* only on allocation failure */
	SSL_set_fd(c->ssl, fd);
	SSL_set_connect_state(c->ssl);
	/* One read() for what has arrived rather than two per record (header,
	 * then body): the server's handshake flight is 5 records. Whatever is
	 * read ahead is reported by tls_pending(). */
	SSL_set_read_ahead(c->ssl, 1);
	if (servername != NULL && *servername != '\0') {
		c->servername = xstrdup(servername);
		if (!is_ip_literal(servername))
			SSL_set_tlsext_host_name(c->ssl, servername);
	}
	return c;
}

void
tls_conn_free(struct tls_conn *c)
{
	if (c == NULL)
		return;
	SSL_free(c->ssl);
	free(c->servername);
	free(c);
}

const char *
tls_error(const struct tls_conn *c)
{
	return c->err;
}

static enum tls_status
map_result(struct tls_conn *c, int ret, const char *what)
{
	int e = SSL_get_error(c->ssl, ret);

	switch (e) {
	case SSL_ERROR_WANT_READ:
		return TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		snprintf(c->err, sizeof c->err, "%s: peer sent close_notify", what);
		return TLS_CLOSED;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_last_error() == 0) {
			if (errno == 0 || ret == 0) {
				snprintf(c->err, sizeof c->err, "%s: connection closed by peer", what);
				return TLS_CLOSED;
			}
			snprintf(c->err, sizeof c->err, "%s: %s", what, strerror(errno));
			return TLS_FAILED;
		}
		/* fall through */
	default:
		if (ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
			/* a peer that closes without close_notify (most MTAs
			 * ending an idle client) has closed, like a plain FIN */
			ERR_clear_error();
			snprintf(c->err, sizeof c->err, "%s: connection closed by peer", what);
			return TLS_CLOSED;
		}
		set_err_from_queue(c->err, sizeof c->err, what);
		return TLS_FAILED;
	}
}

enum tls_status
tls_handshake(struct tls_conn *c)
{
	int r;

	ERR_clear_error();
	errno = 0;
	r = SSL_do_handshake(c->ssl);
	if (r == 1)
		return TLS_OK;
	return map_result(c, r, "TLS handshake");
}

enum tls_status
tls_read(struct tls_conn *c, void *buf, size_t len, size_t *n)
{
	ERR_clear_error();
	errno = 0;
	if (SSL_read_ex(c->ssl, buf, len, n) == 1)
		return TLS_OK;
	*n = 0;
	return map_result(c, 0, "TLS read");
}

enum tls_status
tls_write(struct tls_conn *c, const void *buf, size_t len, size_t *n)
{
	ERR_clear_error();
	errno = 0;
	if (SSL_write_ex(c->ssl, buf, len, n) == 1)
		return TLS_OK;
	*n = 0;
	return map_result(c, 0, "TLS write");
}

bool
tls_pending(const struct tls_conn *c)
{
	return SSL_has_pending(c->ssl) == 1;
}

void
tls_close_notify(struct tls_conn *c)
{
	ERR_clear_error();
	if (SSL_is_init_finished(c->ssl))
		(void)SSL_shutdown(c->ssl);
	ERR_clear_error();
}

static time_t
asn1_to_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return timegm(&tm);
}

static void
name_text(const X509_NAME *name, char *out, size_t outsz)
{
	BIO *b = BIO_new(BIO_s_mem());
	int n;

	out[0] = '\0';
	if (b == NULL)
		return;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		n = BIO_read(b, out, (int)outsz - 1);
		out[n > 0 ? n : 0] = '\0';
	}
	BIO_free(b);
}

static void
collect_sans(X509 *cert, char *out, size_t outsz)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	size_t n = 0;
	int i;

	out[0] = '\0';
	if (gens == NULL)
		return;
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const unsigned char *d;
		int len, k;

		if (g->type != GEN_DNS)
			continue;
		d = ASN1_STRING_get0_data(g->d.dNSName);
		len = ASN1_STRING_length(g->d.dNSName);
		if (n + (size_t)len + 2 >= outsz)
			break;
		if (n)
			out[n++] = ',';
		for (k = 0; k < len; k++)
			out[n++] = d[k] > ' ' && d[k] <= '~' && d[k] != ',' ? (char)d[k] : '?';
		out[n] = '\0';
	}
	GENERAL_NAMES_free(gens);
}

static void
cert_info(const struct tls_conn *c, X509 *cert, struct tls_info *out)
{
	EVP_PKEY *pk = X509_get0_pubkey(cert);
	unsigned char *der = NULL;
	int derlen;

	out->have_cert = true;
	name_text(X509_get_subject_name(cert), out->subject, sizeof out->subject);
	name_text(X509_get_issuer_name(cert), out->issuer, sizeof out->issuer);
	collect_sans(cert, out->sans, sizeof out->sans);
	out->not_before = asn1_to_time(X509_get0_notBefore(cert));
	out->not_after = asn1_to_time(X509_get0_notAfter(cert));
	if (pk != NULL) {
		const char *tn = EVP_PKEY_get0_type_name(pk);
		snprintf(out->key_type, sizeof out->key_type, "%s", tn ? tn : "?");
		out->key_bits = EVP_PKEY_get_bits(pk);
		if (EVP_PKEY_get_group_name(pk, out->key_curve, sizeof out->key_curve, NULL) != 1)
			out->key_curve[0] = '\0';
	}
	{
		int mdnid = NID_undef, pknid = NID_undef;

		if (X509_get_signature_info(cert, &mdnid, &pknid, NULL, NULL) == 1) {
			const char *h = mdnid != NID_undef ? OBJ_nid2sn(mdnid) :
			    pknid != NID_undef ? OBJ_nid2sn(pknid) : NULL;
			snprintf(out->sig_hash, sizeof out->sig_hash, "%s", h ? h : "");
		}
	}
	derlen = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
	if (derlen > 0) {
		unsigned int mdlen = 0;
		EVP_Digest(der, (size_t)derlen, out->spki_sha256, &mdlen, EVP_sha256(), NULL);
		OPENSSL_free(der);
	}
	out->verify_code = SSL_get_verify_result(c->ssl);
	snprintf(out->verify_text, sizeof out->verify_text, "%s",
	    X509_verify_cert_error_string(out->verify_code));
	if (c->servername == NULL)
		out->host_match = -1;
	else if (is_ip_literal(c->servername))
		out->host_match = X509_check_ip_asc(cert, c->servername, 0) == 1;
	else
		out->host_match = X509_check_host(cert, c->servername, 0, 0, NULL) == 1;
	ERR_clear_error();
}

void
tls_get_info(const struct tls_conn *c, struct tls_info *out)
{
	const SSL_CIPHER *ciph = SSL_get_current_cipher(c->ssl);
	const char *vn;
	int nid;
	X509 *cert;

	memset(out, 0, sizeof *out);
	out->cipher_id = -1;
	out->host_match = -1;
	out->verify_code = -1;
	out->version = SSL_version(c->ssl);
	vn = tlsver_name(out->version);
	snprintf(out->version_name, sizeof out->version_name, "%s", vn ? vn : "unknown");
	if (ciph != NULL) {
		const char *std = SSL_CIPHER_standard_name(ciph);
		out->cipher_id = SSL_CIPHER_get_protocol_id(ciph);
		snprintf(out->cipher, sizeof out->cipher, "%s", std ? std : SSL_CIPHER_get_name(ciph));
		snprintf(out->cipher_openssl, sizeof out->cipher_openssl, "%s",
		    SSL_CIPHER_get_name(ciph));
	}
	nid = SSL_get_negotiated_group(c->ssl);
	if (nid != 0) {
		const char *g = SSL_group_to_name(c->ssl, nid);
		snprintf(out->group, sizeof out->group, "%s", g ? g : OBJ_nid2sn(nid));
	}
	{
		EVP_PKEY *tmp = NULL;

		if (SSL_get_peer_tmp_key(c->ssl, &tmp) == 1 && tmp != NULL) {
			if (EVP_PKEY_is_a(tmp, "DH") || EVP_PKEY_is_a(tmp, "DHX")) {
				char gname[24];
				out->dh_bits = EVP_PKEY_get_bits(tmp);
				/* a DH key of a known RFC 7919 group says so */
				if (out->group[0] == '\0' &&
				    EVP_PKEY_get_group_name(tmp, gname, sizeof gname, NULL) == 1)
					snprintf(out->group, sizeof out->group, "%s", gname);
			}
			EVP_PKEY_free(tmp);
		}
	}
	cert = SSL_get1_peer_certificate(c->ssl);
	if (cert != NULL) {
		cert_info(c, cert, out);
		X509_free(cert);
	}
}

size_t
tls_peer_chain(const struct tls_conn *c, uint8_t **der, size_t *len, size_t max)
{
	/* the client side's chain includes the leaf; not counted, not ours */
	STACK_OF(X509) *sk = SSL_get_peer_cert_chain(c->ssl);
	size_t n = 0;
	int i, num;

	if (sk == NULL)
		return 0;
	num = sk_X509_num(sk);
	for (i = 0; i < num && n < max; i++) {
		X509 *x = sk_X509_value(sk, i);
		unsigned char *p;
		int l = i2d_X509(x, NULL);

		if (l <= 0)
			break;           /* keep the order: stop at the first gap */
		der[n] = xmalloc((size_t)l);
		p = der[n];
		if (i2d_X509(x, &p) != l) {
			free(der[n]);
			break;
		}
		len[n] = (size_t)l;
		n++;
	}
	return n;
}

void
tls_chain_free(uint8_t **der, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(der[i]);
		der[i] = NULL;
	}
}
