/* libFuzzer target: the SMTP reply parser under arbitrary bytes and
 * arbitrary fragmentation. The first byte picks the chunk size. Checks the
 * parser's promises: never consume more than given, lines within the limit,
 * text NUL-terminated at len, consistent code, sticky errors. */
#include "buildconf.h"
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "smtp_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_reply_parser p;
	size_t chunk, off = 1;
	int code = 0;

	if (size < 1)
		return 0;
	chunk = (size_t)data[0] % 64 + 1;
	smtp_reply_init(&p);
	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk;
		const uint8_t *b = data + off;

		off += n;
		while (n > 0) {
			struct smtp_line l;
			size_t used = 0;
			enum smtp_rp_status st = smtp_reply_feed(&p, b, n, &used, &l);

			assert(used <= n);
			b += used;
			n -= used;
			if (st == SMTP_RP_ERROR) {
				assert(smtp_reply_error(&p) != SMTP_RPE_NONE);
				return 0;
			}
			if (st == SMTP_RP_MORE)
				break;
			assert(l.code >= 100 && l.code <= 599);
			assert(l.rawlen < SMTP_LINE_MAX);
			assert(strlen(l.text) == l.len);
			assert(strlen(l.esc) < sizeof l.esc);
			if (code != 0)
				assert(l.code == code);
			code = l.last ? 0 : l.code;
		}
	}
	return 0;
}
