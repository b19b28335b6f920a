/* probes/tlsinit.h: OpenSSL initialised for a short-lived TLS client process.
 *
 * tlsinit_oneshot() initialises libcrypto and libssl with only what the
 * one-shot check (smtpmonctl check: one or a few connections, then exit)
 * needs. Call it once, before anything else uses OpenSSL. Against OpenSSL's
 * default initialisation (what the first SSL_CTX_new() does) it leaves out:
 *  - the configuration file (openssl.cnf) unless the environment names one
 *    in OPENSSL_CONF: no providers, engines or system-wide SSL settings from
 *    it (probes/tls.c sets the protocol range and cipher list of every
 *    context itself in any case); with OPENSSL_CONF set the file is loaded
 *    as before. Documented in smtpmonctl(1), ENVIRONMENT.
 *  - the legacy table of cipher names (OPENSSL_INIT_ADD_ALL_CIPHERS): libssl
 *    fetches its ciphers from the provider by name and offers the same list
 *    without it; only EVP_get_cipherbyname() reads it (PEM/PKCS#12
 *    encryption, not a TLS client). The digest table stays: X.509 code
 *    (RSA-PSS parameters) looks digests up in it.
 *  - OPENSSL_cleanup() at exit (OPENSSL_INIT_NO_ATEXIT): the process ends
 *    right after; freeing OpenSSL's tables one by one only costs time.
 * Error strings are loaded as usual (handshake and CA file errors are shown
 * by their text). smtpmond does not call it: it initialises once for days.
 * Measured in bench/README (issue 19). Returns false if the initialisation
 * failed (the first SSL_CTX_new() then reports why).
 */
#ifndef SMTPMON_TLSINIT_H
#define SMTPMON_TLSINIT_H

#include <stdbool.h>

bool tlsinit_oneshot(void);

#endif
