/* probes/tlsinit.c: see tlsinit.h. */
#include "buildconf.h"
#include "tlsinit.h"

#include <stdint.h>
#include <stdlib.h>

#include <openssl/crypto.h>
#include <openssl/ssl.h>

bool
tlsinit_oneshot(void)
{
	uint64_t opts = OPENSSL_INIT_NO_ADD_ALL_CIPHERS | OPENSSL_INIT_NO_ATEXIT;
	const char *conf = getenv("OPENSSL_CONF");

	if (conf == NULL || conf[0] == '\0')
		opts |= OPENSSL_INIT_NO_LOAD_CONFIG;
	return OPENSSL_init_ssl(opts, NULL) == 1;
}
