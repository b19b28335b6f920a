/* probes/tls.h: TLS client over OpenSSL 3 on a non-blocking socket.
 *
 * One tls_ctx per distinct TLS policy, built once (CA store loaded once);
 * one tls_conn per connection. Every call returns a five-value status and
 * never blocks: TLS_WANT_READ / TLS_WANT_WRITE say which fd event to wait
 * for before calling again. Session resumption is off by design (a monitor
 * must see every fresh handshake). TLS 1.0 and 1.1 are allowed (security
 * level 0) so that old servers can be observed; the verdict on what was
 * negotiated is the caller's. The certificate is verified against the CA
 * store but a failure does not abort the handshake: it is recorded.
 */
#ifndef SMTPMON_TLS_H
#define SMTPMON_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum tls_status { TLS_OK, TLS_WANT_READ, TLS_WANT_WRITE, TLS_CLOSED, TLS_FAILED };

struct tls_ctx;
struct tls_conn;

struct tls_info {
	int version;             /* wire version, 0x0301 .. 0x0304; 0 unknown */
	char version_name[12];   /* "TLSv1.3" */
	int cipher_id;           /* IANA cipher suite number; -1 unknown */
	char cipher[64];         /* IANA standard name */
	char cipher_openssl[48]; /* OpenSSL's name */
	char group[24];          /* key-exchange group ("X25519"), "" unknown */
	int dh_bits;             /* the server's ephemeral key, bits (DHE without a
	                          * named group); 0 unknown */
	bool have_cert;
	char subject[160];
	char issuer[160];
	char sans[256];          /* DNS names, comma-separated */
	time_t not_before, not_after; /* UTC; 0 unknown */
	char key_type[12];       /* "RSA", "EC", "ED25519" */
	int key_bits;
	char key_curve[24];      /* EC key's curve ("prime256v1"), "" none */
	char sig_hash[16];       /* the leaf's signature hash ("SHA256"; "ED25519"
	                          * for EdDSA), "" unknown */
	uint8_t spki_sha256[32]; /* SHA-256 of the SubjectPublicKeyInfo */
	long verify_code;        /* X509_V_OK (0) or the OpenSSL error */
	char verify_text[80];
	int host_match;          /* 1 matches, 0 does not, -1 no name to check */
};

/* A context for one policy; cafile NULL uses the system store
 * (/etc/ssl/certs, looked up lazily by subject hash). NULL on error, with a
 * message in err. The caller holds its one reference. */
struct tls_ctx *tls_ctx_new(const char *cafile, char *err, size_t errlen);
/* Another holder of ctx (one thread's holders only: not atomic); returns ctx. */
struct tls_ctx *tls_ctx_ref(struct tls_ctx *ctx);
/* Drops a reference; the last one frees the context. NULL is ignored. A
 * tls_conn made from it keeps what it needs (OpenSSL counts its own). */
void tls_ctx_free(struct tls_ctx *ctx);

/* Verification cache (for the daemon, which verifies the same chains over
 * and over): from now on a chain the server presents is verified by
 * X509_verify_cert() only if the same certificates were not verified
 * already, under the same trust store (store: the CA file, NULL for the
 * system directory; a change of its stat() empties the cache's answers),
 * within ttl_s seconds, and with no certificate of them become valid or
 * expired since (dates judged at the current time on every handshake).
 * The verify code reported is the one X509_verify_cert() gives; host
 * checks (host_match) are made for every connection as before. Session
 * resumption stays off: every handshake carries the certificate anew.
 * ttl_s 0 turns the cache off. false if SHA-256 is unavailable (no cache). */
bool tls_ctx_verify_cache(struct tls_ctx *ctx, const char *store, unsigned ttl_s);
/* Verifications answered from the cache and made in full since creation. */
void tls_ctx_verify_cache_stats(const struct tls_ctx *ctx, unsigned long *hits,
    unsigned long *misses);
/* For tests: judge certificate dates as at t (0: the current time again). */
void tls_ctx_set_verify_time(struct tls_ctx *ctx, time_t t);

/* A connection on a connected socket; servername (may be NULL) is sent as SNI
 * and checked against the certificate. */
struct tls_conn *tls_conn_new(struct tls_ctx *ctx, int fd, const char *servername);
void tls_conn_free(struct tls_conn *c);

enum tls_status tls_handshake(struct tls_conn *c);
/* Read/write up to len bytes; *n gets the count on TLS_OK. */
enum tls_status tls_read(struct tls_conn *c, void *buf, size_t len, size_t *n);
enum tls_status tls_write(struct tls_conn *c, const void *buf, size_t len, size_t *n);
/* Bytes received and held by OpenSSL (a record, or the read-ahead of the
 * next ones) that a tls_read() would return or process without waiting
 * for the socket. */
bool tls_pending(const struct tls_conn *c);
/* Send close_notify once, without waiting for the peer's. */
void tls_close_notify(struct tls_conn *c);

/* Text of the last failure (OpenSSL error queue or alert), "" if none. */
const char *tls_error(const struct tls_conn *c);

/* Facts of the established session. */
void tls_get_info(const struct tls_conn *c, struct tls_info *out);

/* The chain the server presented (leaf first), DER-encoded, at most max
 * certificates; returns the count, each der[i] (length len[i]) malloc'd
 * (free with tls_chain_free). 0 if none. For dane_match(). */
size_t tls_peer_chain(const struct tls_conn *c, uint8_t **der, size_t *len, size_t max);
/* Frees the n certificates tls_peer_chain() gave. */
void tls_chain_free(uint8_t **der, size_t n);

#endif
