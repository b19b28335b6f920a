/* probes/smtpsniff.h: is a TCP flow SMTP? Decided by its first bytes, for
 * the passive probe's `Ports any` (SMTP on any port). Pure, no allocation:
 * a struct smtpsniff (16 bytes) per flow.
 *
 * The tests (smtpsniff_greeting, smtpsniff_hello) look at the first bytes
 * of one direction: the server's are a greeting when they are "220"
 * followed by SP, '-', CR or LF (RFC 5321 4.2: "220 " or "220-"; a bare
 * "220" line is taken too); the client's are a hello when they are EHLO or
 * HELO in any case followed by SP, TAB, CR or LF. So the server is judged
 * on its first SMTPSNIFF_SERVER_BYTES (4) bytes, the client on its first
 * SMTPSNIFF_CLIENT_BYTES (5): the decision points.
 *
 * The flow (smtpsniff_data, _gap, _end), as the reassembler delivers its
 * two directions:
 *   - the side that speaks first is judged as soon as it has sent its 4 or
 *     5 bytes (kept here meanwhile, SMTPSNIFF_HOLD): a client that says
 *     EHLO/HELO makes the flow SMTP; a server that greets with 220 makes it
 *     GREETED (SMTP unless its client's first bytes say otherwise); any
 *     other first bytes make it NOT_SMTP (HTTP, TLS, SSH, ...);
 *   - GREETED: the client's first 5 bytes decide: EHLO/HELO -> SMTP,
 *     anything else -> NOT_SMTP (an FTP client's USER or AUTH, a TLS
 *     ClientHello); a flow that ends GREETED (the client said nothing, or
 *     its first bytes were lost) counts as SMTP;
 *   - after the client's EHLO/HELO the server's bytes are not judged (the
 *     capture may have begun after the greeting);
 *   - a gap (lost bytes) before a direction's first 4 or 5 bytes leaves
 *     that direction unjudged: the other decides; both lost: NOT_SMTP.
 * So a flow is decided within the first 5 bytes its client sends or the
 * first 4 of a server that speaks first; it never takes more than 9 bytes
 * and no packet count is involved. SMTP and NOT_SMTP are final.
 * Bytes are to be fed to the SMTP dissector (SMTPSNIFF_FEED) from the flow
 * being GREETED or SMTP on: first the kept bytes of that direction
 * (smtpsniff_take), then the delivered ones.
 */
#ifndef SMTPMON_SMTPSNIFF_H
#define SMTPMON_SMTPSNIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMTPSNIFF_C2S 0             /* as TCP_REASM_C2S / SMTP_WIRE_C2S */
#define SMTPSNIFF_S2C 1
#define SMTPSNIFF_SERVER_BYTES 4    /* "220 " */
#define SMTPSNIFF_CLIENT_BYTES 5    /* "EHLO " */

enum smtpsniff_state {
	SMTPSNIFF_UNDECIDED,
	SMTPSNIFF_GREETED,          /* the server greeted with 220; the client not judged yet */
	SMTPSNIFF_SMTP,
	SMTPSNIFF_NOT_SMTP,
};

enum smtpsniff_verdict {
	SMTPSNIFF_MORE,             /* too few bytes to say */
	SMTPSNIFF_YES,
	SMTPSNIFF_NO,
};

/* What to do with bytes just given to smtpsniff_data() or a gap. */
enum smtpsniff_act {
	SMTPSNIFF_HOLD,             /* nothing to feed yet */
	SMTPSNIFF_FEED,             /* feed smtpsniff_take(), then the bytes (or the gap) */
	SMTPSNIFF_DROP,             /* not SMTP: drop the flow */
};

struct smtpsniff {
	uint8_t state;              /* enum smtpsniff_state */
	uint8_t dir[2];             /* per direction: 0 silent, 1 keeping, 2 judged/fed, 3 lost */
	uint8_t n[2];               /* bytes kept */
	uint8_t kept[2][SMTPSNIFF_CLIENT_BYTES];
	uint32_t lost[2];           /* bytes lost or discarded before a direction was fed */
};

/* A server's first n bytes: a 220 greeting? */
enum smtpsniff_verdict smtpsniff_greeting(const uint8_t *p, size_t n);
/* A client's first n bytes: EHLO or HELO? */
enum smtpsniff_verdict smtpsniff_hello(const uint8_t *p, size_t n);

void smtpsniff_init(struct smtpsniff *s);
/* n > 0 bytes of direction dir, in order. */
enum smtpsniff_act smtpsniff_data(struct smtpsniff *s, int dir, const uint8_t *p, size_t n);
/* nbytes of direction dir were lost. */
enum smtpsniff_act smtpsniff_gap(struct smtpsniff *s, int dir, uint32_t nbytes);
/* What of dir the dissector has not been given yet (after FEED, before the
 * bytes or gap of that call; and at the end of an SMTP flow): the kept
 * bytes (*p, the count returned), then a gap of *lost bytes (those lost
 * or discarded while the flow was undecided). Once; later calls give 0. */
size_t smtpsniff_take(struct smtpsniff *s, int dir, const uint8_t **p, uint32_t *lost);
/* The flow ended: does it count as SMTP (SMTP, or GREETED)? */
bool smtpsniff_end(struct smtpsniff *s);

#endif
