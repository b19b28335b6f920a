/* libFuzzer target: the passive SMTP dissector under arbitrary sessions.
 *
 * The input is a list of operations, each a control byte then a length:
 *   control bit 0      direction (0 client, 1 server)
 *   control bits 1-3   0-4: bytes fed whole; 5: the same with a 2-byte
 *                      length; 6: bytes fed one at a time; 7: a gap
 *   then 1 length byte (n = byte + 1; 5: 2 bytes big-endian, n = value + 1),
 *   then n bytes (not for a gap: it loses n * (1 + control bits 4-7) bytes).
 * The session is played twice with a pool of 2 TLS readers: once as
 * written, once with every chunk cut in two at a point drawn from the input.
 * Checks the dissector's promises: strings terminated, counters within what
 * was fed, FINAL exactly once (feed, gap or end) and at the same operation
 * however the chunks are cut, every reader lent comes back (tls_done first),
 * nothing changes after the end, and the same facts either way (but for the
 * alert and error of a TLS reader, which may see the bytes that follow its
 * DONE in the same chunk). */
#include "buildconf.h"
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "smtp_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- a pool of two readers, every loan checked ---- */

static struct tls_wire readers[2];   /* about 21 KiB each: static */
static bool lent[2];
static int n_get, n_put, n_done;

static struct tls_wire *
pool_get(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 2; i++)
		if (!lent[i]) {
			lent[i] = true;
			n_get++;
			return &readers[i];
		}
	return NULL;
}

static void
pool_put(void *arg, struct tls_wire *w)
{
	int i = (int)(w - readers);

	(void)arg;
	assert(i == 0 || i == 1);
	assert(lent[i]);
	lent[i] = false;
	n_put++;
}

static void
pool_done(void *arg, int dir, const struct tls_wire_facts *f)
{
	(void)arg;
	assert(dir == SMTP_WIRE_C2S || dir == SMTP_WIRE_S2C);
	assert(lent[0] || lent[1]);
	assert(memchr(f->sni, '\0', sizeof f->sni) != NULL);
	assert(memchr(f->error, '\0', sizeof f->error) != NULL);
	n_done++;
}

static const struct smtp_wire_pool pool = { pool_get, pool_put, pool_done, NULL };

/* ---- checks ---- */

static void
check(const struct smtp_wire *sw, const uint64_t fed[2])
{
	const struct smtp_wire_facts *f = smtp_wire_facts(sw);
	char names[256];
	size_t n;
	char t = smtp_wire_server_type(f), s = smtp_wire_security(f);

	assert(memchr(f->banner, '\0', sizeof f->banner) != NULL);
	assert(memchr(f->mangled, '\0', sizeof f->mangled) != NULL);
	assert(memchr(f->auth_pretls, '\0', sizeof f->auth_pretls) != NULL);
	assert(memchr(f->starttls_reply, '\0', sizeof f->starttls_reply) != NULL);
	assert(memchr(f->last_reply, '\0', sizeof f->last_reply) != NULL);
	assert(memchr(f->sni, '\0', sizeof f->sni) != NULL);
	assert(memchr(f->tls_error, '\0', sizeof f->tls_error) != NULL);
	assert(memchr(f->caps.domain, '\0', sizeof f->caps.domain) != NULL);
	assert(f->bytes[0] <= fed[0] && f->bytes[1] <= fed[1]);
	assert(f->anomalies < (1u << 9));
	n = smtp_wire_anomaly_names(f->anomalies, names, sizeof names);
	assert(n == strlen(names));
	assert(strcmp(smtp_wire_phase_name(smtp_wire_phase(sw)), "?") != 0);
	assert(t == 'E' || t == 'S' || t == ' ');
	assert(s == 'T' || s == 'B' || s == ' ');
	if (smtp_wire_phase(sw) == SW_NOT_SMTP)
		assert(f->anomalies & SW_AN_NOT_SMTP);
	if (!f->tls_started)
		assert(!f->client_hello && !f->server_hello && !f->tls_from_client &&
		    !f->tls_from_server && !f->implicit_tls);
	if (f->client_hello)
		assert(f->tls_from_client);
	if (f->server_hello || f->hello_retry_request || f->cert_seen)
		assert(f->tls_from_server);
	if (f->cipher_id != -1)
		assert(f->server_hello || f->hello_retry_request);
	if (f->have_caps || f->ehlo_code != 0)
		assert(f->ehlo_sent);
	if (f->helo_code != 0)
		assert(f->helo_sent);
	if (f->starttls_code != 0)
		assert(f->starttls_sent);
	if (f->mail_plaintext || f->quit_seen)
		assert(f->commands > 0);
	if (f->ehlo_refused)
		assert(f->ehlo_sent);
}

/* ---- one play of the session ---- */

struct play {
	int finals;      /* FINAL answers, smtp_wire_end() included */
	long final_op;   /* the operation that gave the first; -1 at the end, -2 none */
};

static void
status(struct play *pl, enum smtp_wire_status st, long op)
{
	assert(st == SMTP_WIRE_MORE || st == SMTP_WIRE_FINAL);
	if (st == SMTP_WIRE_FINAL && pl->finals++ == 0)
		pl->final_op = op;
}

static void
play(struct smtp_wire *sw, const uint8_t *data, size_t size, bool cut, struct play *pl)
{
	uint64_t fed[2] = { 0, 0 };
	size_t i = 0, n, k;
	long op = 0;

	pl->finals = 0;
	pl->final_op = -2;
	smtp_wire_init(sw, &pool);
	while (i < size) {
		uint8_t c = data[i++];
		int dir = c & 1, what = (c >> 1) & 7;

		n = i < size ? (size_t)data[i++] + 1 : 1;
		if (what == 5 && i < size)
			n = ((n - 1) << 8 | data[i++]) + 1;
		if (what == 7) {
			status(pl, smtp_wire_gap(sw, dir, (uint32_t)(n * (1u + (c >> 4)))), op);
		} else {
			if (n > size - i)
				n = size - i;
			if (what == 6) {
				for (k = 0; k < n; k++)
					status(pl, smtp_wire_feed(sw, dir, data + i + k, 1), op);
			} else if (cut && n > 1) {
				/* a cut point drawn from the chunk itself */
				k = 1 + (data[i] * 31u + data[i + n - 1]) % (n - 1);
				status(pl, smtp_wire_feed(sw, dir, data + i, k), op);
				status(pl, smtp_wire_feed(sw, dir, data + i + k, n - k), op);
			} else {
				status(pl, smtp_wire_feed(sw, dir, data + i, n), op);
			}
			fed[dir] += n;
			i += n;
		}
		check(sw, fed);
		op++;
	}
	/* the end: once FINAL in all, every reader back */
	status(pl, smtp_wire_end(sw), -1);
	assert(pl->finals == 1);
	assert(smtp_wire_phase(sw) == SW_ENDED);
	assert(!lent[0] && !lent[1]);
	assert(n_get == n_put && n_done == n_put);
	check(sw, fed);
}

/* Facts compared across cuttings: a reader's alert and error may depend on
 * where its DONE fell within a chunk. */
static void
mask(struct smtp_wire_facts *f)
{
	f->tls_alert = false;
	f->alert_level = f->alert_desc = 0;
	memset(f->tls_error, 0, sizeof f->tls_error);
	f->anomalies &= ~(uint32_t)SW_AN_TLS_ERROR;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct smtp_wire a, b;
	static struct smtp_wire_facts fa, fb, after;
	struct play pa, pb;

	n_get = n_put = n_done = 0;
	play(&a, data, size, false, &pa);
	play(&b, data, size, true, &pb);
	assert(pa.final_op == pb.final_op);
	memcpy(&fa, smtp_wire_facts(&a), sizeof fa);
	memcpy(&fb, smtp_wire_facts(&b), sizeof fb);
	mask(&fa);
	mask(&fb);
	assert(memcmp(&fa, &fb, sizeof fa) == 0);

	/* after the end nothing is read and nothing changes */
	memcpy(&after, smtp_wire_facts(&a), sizeof after);
	assert(smtp_wire_feed(&a, SMTP_WIRE_S2C, data, size) == SMTP_WIRE_MORE);
	assert(smtp_wire_gap(&a, SMTP_WIRE_C2S, 10) == SMTP_WIRE_MORE);
	assert(smtp_wire_end(&a) == SMTP_WIRE_MORE);
	assert(memcmp(&after, smtp_wire_facts(&a), sizeof after) == 0);
	assert(n_get == n_put);
	return 0;
}
