/* libFuzzer target: the response parser of probes/httpsget. The first octet
 * picks max_body (0..255 octets, or 65536 when it is 0xff) and the second the
 * size of the pieces the rest is fed in (1..16, or all at once for 0).
 * Checks: feed consumes everything while it says MORE and never more than
 * given; DONE and ERROR are final; a done body is at most max_body octets
 * and NUL-terminated; an error is TOO_BIG or PROTOCOL with a text. */
#include "buildconf.h"
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "httpsget.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_final(const struct httpsget_resp *p, enum httpsget_rp r)
{
	if (r == HTTPSGET_RP_DONE) {
		assert(p->body != NULL);
		assert(p->body_len <= p->max_body);
		assert(p->body[p->body_len] == '\0');
		assert(p->code >= 200 && p->code <= 599);
	} else if (r == HTTPSGET_RP_ERROR) {
		assert(p->err == HTTPSGET_TOO_BIG || p->err == HTTPSGET_PROTOCOL);
		assert(p->errtext[0] != '\0');
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct httpsget_resp p;
	enum httpsget_rp r = HTTPSGET_RP_MORE;
	size_t max_body, step, off = 0, n, used;

	if (size < 2)
		return 0;
	max_body = data[0] == 0xff ? 65536 : data[0];
	step = data[1] % 17;
	data += 2;
	size -= 2;
	httpsget_resp_init(&p, max_body);
	while (off < size) {
		n = step == 0 || step > size - off ? size - off : step;
		r = httpsget_resp_feed(&p, data + off, n, &used);
		assert(used <= n);
		off += used;
		if (r != HTTPSGET_RP_MORE)
			break;
		assert(used == n);
	}
	if (r == HTTPSGET_RP_MORE)
		r = httpsget_resp_eof(&p);
	check_final(&p, r);
	/* final: the same answer again, nothing consumed */
	assert(httpsget_resp_feed(&p, (const uint8_t *)"x", 1, &used) == r && used == 0);
	assert(httpsget_resp_eof(&p) == r);
	httpsget_resp_free(&p);
	return 0;
}
