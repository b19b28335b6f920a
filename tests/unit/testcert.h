/* tests/unit/testcert.h: certificates made in a unit test with OpenSSL.
 *
 * testcert_make() makes an EC P-256 certificate for cn, valid from at+from to
 * at+to (seconds), with serial, signed with SHA-256 by issuer (NULL:
 * self-signed). A CA gets basicConstraints CA:TRUE (critical) and keyUsage
 * keyCertSign, cRLSign; a leaf CA:FALSE and subjectAltName DNS:cn. Any
 * failure fails the running cmocka test. testcert_free() frees key and x.
 */
#ifndef SMTPMON_TESTCERT_H
#define SMTPMON_TESTCERT_H

#include <stdbool.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

struct testcert {
	EVP_PKEY *key;
	X509 *x;
};

void testcert_make(struct testcert *c, const char *cn, const struct testcert *issuer, bool ca,
    time_t at, long from, long to, long serial);
void testcert_free(struct testcert *c);

#endif
