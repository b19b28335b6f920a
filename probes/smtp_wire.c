/* probes/smtp_wire.c: see smtp_wire.h. */
#include "buildconf.h"
#include "smtp_wire.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/*
 * Shape. The session's phase (enum smtp_wire_phase) changes only in enter(),
 * which performs what entering a phase means (readers returned, final
 * reached); settle() decides the phase changes that follow from the two
 * directions' states. Each direction has its own reading mode below (what
 * its next bytes are), driven by one switch per direction; sniffing a
 * direction's first bytes (or those after STARTTLS) decides between TLS and
 * plaintext and replays the sniffed bytes in the chosen mode.
 */

/* What a queued command is; a complete reply answers the oldest. */
enum kind {
	K_NONE,         /* the reply answers nothing (unsolicited, or after a gap) */
	K_BANNER,
	K_OTHER,
	K_EHLO,
	K_HELO,
	K_STARTTLS,
	K_MAIL,
	K_RCPT,
	K_DATA,
	K_DOT,          /* the end of message content, answered like a command */
	K_BDAT,
	K_AUTH,
	K_QUIT,
	K_RSET,
	K_NOOP,
};

/* Client direction: what its next bytes are. */
enum c_mode {
	CM_FIRST,       /* the first bytes: TLS (implicit) or commands */
	CM_CMD,         /* command lines */
	CM_SKIP,        /* the rest of a line (over-long, or after a gap) */
	CM_DATA_WAIT,   /* DATA sent, its reply not seen: any bytes are content */
	CM_DATA,        /* message content up to CRLF.CRLF */
	CM_BDAT,        /* bdat_left octets of a BDAT chunk */
	CM_SNIFF,       /* after STARTTLS: TLS or commands */
	CM_TLS,         /* a TLS reader reads them */
	CM_IGNORE,      /* nothing more is read */
};

/* Server direction: what its next bytes are. */
enum s_mode {
	SM_FIRST,       /* the first bytes: TLS (implicit) or replies */
	SM_REPLY,       /* reply lines */
	SM_SKIP,        /* the rest of a line (after an error or a gap) */
	SM_GAP,         /* the first bytes after a gap: a reply, TLS or the rest of a line? */
	SM_SNIFF,       /* after 220 to STARTTLS: must be TLS */
	SM_TLS,
	SM_IGNORE,
};

/* CRLF.CRLF matcher states: the content begins at a line start. */
enum { DOT_MID, DOT_CR, DOT_BOL, DOT_DOT, DOT_DOTCR };

#define C2S SMTP_WIRE_C2S
#define S2C SMTP_WIRE_S2C

static void client_bytes(struct smtp_wire *sw, const uint8_t *p, size_t len);
static void server_bytes(struct smtp_wire *sw, const uint8_t *p, size_t len);
static bool plain_final(const struct smtp_wire *sw);

/* ---- names ---- */

static const char *const phase_names[] = {
	"greeting", "dialogue", "starttls", "tls", "encrypted", "implicit-tls", "not-smtp",
	"ended",
};

static const char *const anomaly_names[] = {
	"starttls-mangled", "cmd-mangled", "starttls-refused", "plaintext-after-220", "gap",
	"tls-error", "not-smtp", "no-tls-reader", "reply-error",
};

#define N_ANOMALIES (sizeof anomaly_names / sizeof anomaly_names[0])

const char *
smtp_wire_phase_name(enum smtp_wire_phase ph)
{
	if ((unsigned)ph < sizeof phase_names / sizeof phase_names[0])
		return phase_names[ph];
	return "?";
}

const char *
smtp_wire_anomaly_name(enum smtp_wire_anomaly bit)
{
	unsigned i;

	for (i = 0; i < N_ANOMALIES; i++)
		if ((uint32_t)bit == 1u << i)
			return anomaly_names[i];
	return "?";
}

size_t
smtp_wire_anomaly_names(uint32_t anomalies, char *out, size_t outsz)
{
	size_t n = 0, l;
	unsigned i;

	if (outsz > 0)
		out[0] = '\0';
	for (i = 0; i < N_ANOMALIES; i++) {
		if (!(anomalies & (1u << i)))
			continue;
		if (n > 0) {
			if (n + 1 < outsz) {
				out[n] = ' ';
				out[n + 1] = '\0';
			}
			n++;
		}
		l = strlen(anomaly_names[i]);
		if (n < outsz) {
			size_t room = outsz - n - 1, c = l < room ? l : room;

			memcpy(out + n, anomaly_names[i], c);
			out[n + c] = '\0';
		}
		n += l;
	}
	return n;
}

/* ---- classification ---- */

static bool
is2xx(int code)
{
	return code >= 200 && code <= 299;
}

char
smtp_wire_server_type(const struct smtp_wire_facts *f)
{
	if (is2xx(f->ehlo_code))
		return 'E';
	if (f->ehlo_refused && is2xx(f->helo_code))
		return 'S';
	return ' ';
}

char
smtp_wire_security(const struct smtp_wire_facts *f)
{
	if (f->server_hello || (f->tls_from_client && f->tls_from_server))
		return 'T';
	if (f->banner_code != 0 && !f->tls_started && (is2xx(f->ehlo_code) || is2xx(f->helo_code)))
		return 'B';
	return ' ';
}

/* ---- small helpers ---- */

/* Copy len bytes as printable ASCII ('?' for others), truncated, NUL-terminated. */
static void
copy_text(char *dst, size_t dstsz, const char *src, size_t len)
{
	size_t i;

	if (dstsz == 0)
		return;
	if (len > dstsz - 1)
		len = dstsz - 1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = c >= 0x20 && c <= 0x7e ? (char)c : '?';
	}
	dst[len] = '\0';
}

/* A keyword of 8 octets, not STARTTLS, with at least 6 'X' or 'x'. */
static bool
mangled_word(const char *w, size_t len)
{
	size_t i, x = 0;

	if (len != 8 || strncasecmp(w, "STARTTLS", 8) == 0)
		return false;
	for (i = 0; i < len; i++)
		if (w[i] == 'X' || w[i] == 'x')
			x++;
	return x >= 6;
}

static void
mark_final(struct smtp_wire *sw)
{
	if (!sw->final_sent) {
		sw->final_sent = true;
		sw->final_now = true;
	}
}

static enum smtp_wire_status
take_final(struct smtp_wire *sw)
{
	if (sw->final_now) {
		sw->final_now = false;
		return SMTP_WIRE_FINAL;
	}
	return SMTP_WIRE_MORE;
}

/* ---- the command queue ---- */

static void
enqueue(struct smtp_wire *sw, enum kind k)
{
	if (sw->np >= SMTP_WIRE_PIPELINE) {  /* a flood: the oldest goes */
		sw->hp = (uint8_t)((sw->hp + 1) % SMTP_WIRE_PIPELINE);
		sw->np--;
	}
	sw->pending[(sw->hp + sw->np) % SMTP_WIRE_PIPELINE] = (uint8_t)k;
	sw->np++;
}

static void
dequeue(struct smtp_wire *sw)
{
	if (sw->np > 0) {
		sw->hp = (uint8_t)((sw->hp + 1) % SMTP_WIRE_PIPELINE);
		sw->np--;
	}
}

/* Is a command of kind k queued after the oldest one? */
static bool
queued_behind(const struct smtp_wire *sw, uint8_t k)
{
	for (unsigned i = 1; i < sw->np; i++)
		if (sw->pending[(sw->hp + i) % SMTP_WIRE_PIPELINE] == k)
			return true;
	return false;
}

/* After lost bytes the replies can no longer be matched. */
static void
clear_queue(struct smtp_wire *sw)
{
	sw->np = sw->hp = 0;
	sw->r_queued = false;
	sw->auth_resp = 0;
}

/* ---- TLS readers ---- */

/* Copy what a reader saw into the facts. */
static void
take_tls_facts(struct smtp_wire *sw, int dir, const struct tls_wire_facts *t)
{
	struct smtp_wire_facts *f = &sw->f;
	size_t i;

	if (dir == C2S && t->have_client_hello) {
		uint16_t v = t->client_legacy_version;

		if (t->n_client_versions > 0) {
			v = 0;
			for (i = 0; i < t->n_client_versions && i < TLS_WIRE_MAX_VERSIONS; i++)
				if (t->client_versions[i] > v)
					v = t->client_versions[i];
		}
		f->client_hello = true;
		f->client_max_version = v;
		f->client_fallback_scsv = t->client_fallback_scsv;
		copy_text(f->sni, sizeof f->sni, t->sni, strnlen(t->sni, sizeof t->sni));
	}
	if (dir == S2C) {
		if (t->have_server_hello || t->hello_retry_request) {
			f->server_hello = t->have_server_hello;
			f->hello_retry_request = t->hello_retry_request;
			f->tls_version = t->version;
			f->cipher_id = t->cipher_id;
			f->group = t->group;
		}
		f->cert_seen = t->have_cert;
		f->n_certs = t->n_certs;
	}
	/* the first fatal alert, else the first alert */
	if (t->alert_seen && (!f->tls_alert || (f->alert_level != 2 && t->alert_level == 2))) {
		f->tls_alert = true;
		f->alert_level = t->alert_level;
		f->alert_desc = t->alert_desc;
	}
	if (t->error[0] != '\0') {
		f->anomalies |= SW_AN_TLS_ERROR;
		if (f->tls_error[0] == '\0')
			copy_text(f->tls_error, sizeof f->tls_error, t->error,
			    strnlen(t->error, sizeof t->error));
	}
}

/* Give a direction's reader back, its facts taken. */
static void
release(struct smtp_wire *sw, int dir)
{
	struct tls_wire *w = sw->tls[dir];

	if (w == NULL)
		return;
	sw->tls[dir] = NULL;
	take_tls_facts(sw, dir, tls_wire_facts(w));
	if (sw->pool->tls_done != NULL)
		sw->pool->tls_done(sw->pool->arg, dir, tls_wire_facts(w));
	sw->pool->put(sw->pool->arg, w);
}

/* ---- the phase: the one transition function ---- */

/*
 * greeting -> dialogue (banner) -> starttls (STARTTLS sent) -> tls (TLS bytes
 * from a side) -> encrypted (both sides' facts complete); starttls ->
 * dialogue (refused, or plaintext both ways); greeting -> implicit-tls ->
 * encrypted; any -> not-smtp (server bytes neither SMTP nor TLS); any ->
 * ended. encrypted and not-smtp are left only for ended, ended never.
 */
static void
enter(struct smtp_wire *sw, enum smtp_wire_phase to)
{
	enum smtp_wire_phase from = sw->phase;

	if (from == to || from == SW_ENDED)
		return;
	if ((from == SW_ENCRYPTED || from == SW_NOT_SMTP) && to != SW_ENDED)
		return;
	sw->phase = to;
	switch (to) {
	case SW_GREETING:
	case SW_DIALOGUE:
		break;
	case SW_STARTTLS:
		sw->tls_fin[C2S] = sw->tls_fin[S2C] = false;
		sw->st_reply = 0;
		sw->c_plain = false;
		sw->c_rearm = false;
		break;
	case SW_TLS:
		sw->f.tls_started = true;
		break;
	case SW_IMPLICIT_TLS:
		sw->f.implicit_tls = true;
		sw->f.tls_started = true;
		break;
	case SW_ENCRYPTED:
	case SW_NOT_SMTP:
	case SW_ENDED:
		/* nothing more is read: the readers go back, the facts are final */
		sw->c_mode = CM_IGNORE;
		sw->s_mode = SM_IGNORE;
		release(sw, C2S);
		release(sw, S2C);
		mark_final(sw);
		break;
	}
}

/* The phase changes that follow from the directions' states. */
static void
settle(struct smtp_wire *sw)
{
	switch (sw->phase) {
	case SW_STARTTLS:
		/* the reply is in and neither side may still begin TLS */
		if (sw->st_reply != 0 && sw->c_mode != CM_SNIFF && !sw->c_rearm &&
		    sw->s_mode != SM_SNIFF)
			enter(sw, SW_DIALOGUE);
		break;
	case SW_TLS:
	case SW_IMPLICIT_TLS:
		if (sw->tls_fin[C2S] && sw->tls_fin[S2C])
			enter(sw, SW_ENCRYPTED);
		break;
	default:
		break;
	}
}

/* A direction's TLS will not give (more) facts: return its reader. */
static void
tls_finish(struct smtp_wire *sw, int dir)
{
	release(sw, dir);
	sw->tls_fin[dir] = true;
	if (dir == C2S)
		sw->c_mode = CM_IGNORE;
	else
		sw->s_mode = SM_IGNORE;
	settle(sw);
}

/* A direction's bytes sniffed as TLS: borrow a reader. */
static void
tls_begin(struct smtp_wire *sw, int dir)
{
	struct tls_wire *w = NULL;

	if (dir == C2S) {
		sw->f.tls_from_client = true;
		sw->c_mode = CM_TLS;
	} else {
		sw->f.tls_from_server = true;
		sw->s_mode = SM_TLS;
	}
	if (sw->pool != NULL && sw->pool->get != NULL && sw->pool->put != NULL)
		w = sw->pool->get(sw->pool->arg);
	if (w == NULL) {
		sw->f.anomalies |= SW_AN_NO_TLS_READER;
		tls_finish(sw, dir);
		return;
	}
	tls_wire_init(w, dir == C2S);
	sw->tls[dir] = w;
}

static size_t
tls_bytes(struct smtp_wire *sw, int dir, const uint8_t *p, size_t len)
{
	if (sw->tls[dir] == NULL || tls_wire_feed(sw->tls[dir], p, len) != TLS_WIRE_MORE)
		tls_finish(sw, dir);
	return len;
}

/* ---- sniffing: TLS or plaintext ---- */

static void
sniffed_tls(struct smtp_wire *sw, int dir)
{
	int other = !dir;

	if (sw->phase == SW_GREETING) {
		/* implicit TLS; a side already speaking SMTP will not speak TLS */
		enter(sw, SW_IMPLICIT_TLS);
		if (other == C2S ? sw->c_mode != CM_FIRST : sw->s_mode != SM_FIRST)
			sw->tls_fin[other] = true;
	} else if (sw->phase != SW_IMPLICIT_TLS) {
		enter(sw, SW_TLS);
	}
	tls_begin(sw, dir);
	settle(sw);
}

static void
sniffed_plain(struct smtp_wire *sw, int dir)
{
	if (dir == C2S) {
		if (sw->c_mode == CM_SNIFF) {
			/* after STARTTLS, or again after its 220 */
			if (sw->st_reply == 220)
				sw->f.anomalies |= SW_AN_PLAINTEXT_AFTER_220;
			else if (sw->st_reply == 0)
				sw->c_plain = true;
		}
		sw->tls_fin[C2S] = true;
		sw->c_mode = CM_CMD;
	} else {
		if (sw->s_mode == SM_SNIFF)
			sw->f.anomalies |= SW_AN_PLAINTEXT_AFTER_220;
		sw->tls_fin[S2C] = true;
		sw->s_mode = SM_REPLY;
	}
	settle(sw);
}

/* Gather a direction's first bytes until tls_wire_sniff() decides, then
 * replay them in the mode chosen. Returns the bytes consumed. */
static size_t
sniff(struct smtp_wire *sw, int dir, const uint8_t *p, size_t len)
{
	uint8_t *b = sw->sniff[dir], held[sizeof sw->sniff[0]];
	size_t n = 0, hl;
	int s = -1;

	while (n < len && s < 0 && sw->sniff_len[dir] < sizeof held) {
		b[sw->sniff_len[dir]++] = p[n++];
		s = tls_wire_sniff(b, sw->sniff_len[dir]);
	}
	if (s < 0 && sw->sniff_len[dir] < sizeof held)
		return n;
	hl = sw->sniff_len[dir];
	memcpy(held, b, hl);
	sw->sniff_len[dir] = 0;
	if (s > 0)
		sniffed_tls(sw, dir);
	else
		sniffed_plain(sw, dir);
	if (dir == C2S)
		client_bytes(sw, held, hl);
	else
		server_bytes(sw, held, hl);
	return n;
}

/* ---- server: replies ---- */

/* The reply to STARTTLS is complete. */
static void
starttls_reply(struct smtp_wire *sw, int code)
{
	sw->f.starttls_code = code;
	memcpy(sw->f.starttls_reply, sw->r_first, sizeof sw->f.starttls_reply);
	sw->st_reply = code;
	if (code == 220) {
		sw->s_mode = SM_SNIFF;
		if (sw->c_plain) {
			/* plaintext followed STARTTLS before this reply: the
			 * server reads it after its 220 (command injection) */
			sw->f.anomalies |= SW_AN_PLAINTEXT_AFTER_220;
			sw->c_plain = false;
			sw->c_rearm = true;
			sw->tls_fin[C2S] = false;
		}
	} else {
		if (code >= 400)
			sw->f.anomalies |= SW_AN_STARTTLS_REFUSED;
		sw->tls_fin[S2C] = true;
		sw->c_plain = false;
	}
	settle(sw);
}

static void
ehlo_line(struct smtp_wire *sw, const struct smtp_line *l)
{
	struct smtp_wire_facts *f = &sw->f;
	size_t kw = 0;

	if (l->index == 0) {
		f->ehlo_code = l->code;
		if (is2xx(l->code)) {
			smtp_caps_init(&f->caps);
			f->have_caps = false;
			f->starttls_offered = false;
			f->auth_pretls[0] = '\0';
		}
	}
	if (!is2xx(l->code))
		return;
	smtp_caps_line(&f->caps, l->index, l->text, l->len);
	if (l->index == 0)
		return;
	while (kw < l->len && l->text[kw] != ' ')
		kw++;
	if (mangled_word(l->text, kw)) {
		f->anomalies |= SW_AN_STARTTLS_MANGLED;
		if (f->mangled[0] == '\0' || sw->mangled_cmd)
			copy_text(f->mangled, sizeof f->mangled, l->text, kw);
		sw->mangled_cmd = false;
	}
}

static void
reply_end(struct smtp_wire *sw, const struct smtp_line *l)
{
	struct smtp_wire_facts *f = &sw->f;
	bool frozen = sw->final_sent;   /* after a plaintext final */
	int code = l->code;

	f->replies++;
	f->last_code = code;
	memcpy(f->last_reply, sw->r_first, sizeof f->last_reply);
	if (sw->data_gap && sw->c_mode == CM_DATA && code != 354) {
		/* the content ended within the lost bytes: commands again */
		sw->c_mode = CM_CMD;
		sw->cl_len = 0;
		sw->data_gap = false;
	}
	switch ((enum kind)sw->r_kind) {
	case K_BANNER:
		sw->greeted = true;
		if (sw->phase == SW_GREETING)
			enter(sw, SW_DIALOGUE);
		if (sw->c_mode == CM_FIRST && sw->sniff_len[C2S] == 0)
			sw->c_mode = CM_CMD;
		break;
	case K_EHLO:
		if (frozen)
			break;
		if (is2xx(code)) {
			f->have_caps = true;
			f->starttls_offered = (f->caps.caps & SMTP_CAP_STARTTLS) != 0;
			smtp_caps_auth_names(&f->caps, f->auth_pretls, sizeof f->auth_pretls);
		} else if (code >= 500 || (code >= 400 && code != 421)) {
			f->ehlo_refused = true;
		}
		break;
	case K_HELO:
		if (!frozen)
			f->helo_code = code;
		break;
	case K_STARTTLS:
		starttls_reply(sw, code);
		break;
	case K_DATA:
		if (sw->c_mode == CM_DATA_WAIT)
			sw->c_mode = code == 354 ? CM_DATA : CM_CMD;
		break;
	case K_NOOP:
	case K_RSET:
		/* answered after a 2xx EHLO/HELO reply with nothing that could
		 * still change the classification queued behind it: a kept
		 * plaintext connection (a monitor's NOOPs) is classified now,
		 * not when it ends hours later */
		if ((f->have_caps || is2xx(f->helo_code)) && !queued_behind(sw, K_EHLO) &&
		    !queued_behind(sw, K_HELO) && !queued_behind(sw, K_STARTTLS) && plain_final(sw))
			mark_final(sw);
		break;
	case K_AUTH:
		if (code == 334) {
			sw->auth_resp++;   /* the client answers; AUTH still awaits its reply */
			return;
		}
		break;
	default:
		break;
	}
	if (sw->r_queued)
		dequeue(sw);
	sw->r_queued = false;
}

/* After lost server bytes the replies may be out of step with the queue:
 * they cannot be matched one to one, but a 220 while STARTTLS waits can only
 * be its reply (the commands before it were answered within the loss). */
static bool
realign_starttls(struct smtp_wire *sw)
{
	for (unsigned i = 0; i < sw->np; i++) {
		if (sw->pending[(sw->hp + i) % SMTP_WIRE_PIPELINE] == K_STARTTLS) {
			while (i-- > 0)
				dequeue(sw);
			sw->s_resync = false;
			return true;
		}
	}
	return false;
}

static void
reply_line(struct smtp_wire *sw, const struct smtp_line *l)
{
	if (l->index == 0) {
		sw->r_queued = false;
		if (!sw->greeted) {
			sw->r_kind = K_BANNER;
			sw->f.banner_code = l->code;
			copy_text(sw->f.banner, sizeof sw->f.banner, l->text, l->len);
		} else if (sw->np > 0) {
			bool realigned = sw->s_resync && l->code == 220 && realign_starttls(sw);

			sw->r_kind = sw->pending[sw->hp];
			sw->r_queued = true;
			if (sw->s_partial && !realigned)
				sw->r_kind = K_NONE;   /* maybe the tail of a cut reply: no facts */
		} else {
			sw->r_kind = K_NONE;
		}
		sw->s_partial = false;
		copy_text(sw->r_first, sizeof sw->r_first, l->raw, l->rawlen);
	}
	if (sw->r_kind == K_EHLO && !sw->final_sent)
		ehlo_line(sw, l);
	if (l->last)
		reply_end(sw, l);
}

static size_t
reply_bytes(struct smtp_wire *sw, const uint8_t *p, size_t len)
{
	struct smtp_line line;
	size_t used = 0;

	switch (smtp_reply_feed(&sw->rp, p, len, &used, &line)) {
	case SMTP_RP_LINE:
		sw->s_valid = true;
		reply_line(sw, &line);
		return used;
	case SMTP_RP_MORE:
		return len;
	case SMTP_RP_ERROR:
		break;
	}
	if (!sw->s_valid) {
		enter(sw, SW_NOT_SMTP);
		sw->f.anomalies |= SW_AN_NOT_SMTP;
		return len;
	}
	sw->f.anomalies |= SW_AN_REPLY_ERROR;
	smtp_reply_init(&sw->rp);
	sw->r_queued = false;
	sw->r_kind = K_NONE;
	if (used == 0 || p[used - 1] != '\n')
		sw->s_mode = SM_SKIP;   /* resynchronise at the next line end */
	return used > 0 ? used : 1;
}

/* Skip to the end of a line; then back to reading lines. */
static size_t
skip_line(struct smtp_wire *sw, int dir, const uint8_t *p, size_t len)
{
	const uint8_t *nl = memchr(p, '\n', len);

	if (nl == NULL)
		return len;
	if (dir == C2S)
		sw->c_mode = CM_CMD;
	else
		sw->s_mode = SM_REPLY;
	return (size_t)(nl - p) + 1;
}

/* The first server bytes after a gap. A segment usually ends at a line end,
 * so what follows a lost one is often a whole reply: parse it if it starts
 * like one ("ddd-", "ddd ", "ddd" CRLF). TLS bytes while a STARTTLS waits
 * mean its 220 was lost: the handshake is read. Anything else is the rest of
 * a cut line, skipped to its end. The bytes are gathered (at most 5, in the
 * sniff buffer) until they decide, then replayed in the mode chosen, so any
 * cutting of the stream decides the same way. */
static size_t
after_gap(struct smtp_wire *sw, const uint8_t *p, size_t len)
{
	uint8_t *b = sw->sniff[S2C], held[sizeof sw->sniff[0]];
	size_t n = 0, hl;
	int tls = -1;
	bool reply = false, decided = false;

	while (n < len && !decided) {
		b[sw->sniff_len[S2C]++] = p[n++];
		hl = sw->sniff_len[S2C];
		tls = tls_wire_sniff(b, hl);
		reply = hl >= 4 && b[0] >= '0' && b[0] <= '9' && b[1] >= '0' && b[1] <= '9' &&
		    b[2] >= '0' && b[2] <= '9' && (b[3] == '-' || b[3] == ' ' || b[3] == '\r' ||
		    b[3] == '\n');
		decided = reply || tls == 1 || hl >= sizeof held ||
		    (tls == 0 && (b[hl - 1] == '\n' || !(b[0] >= '0' && b[0] <= '9')));
	}
	if (!decided)
		return n;
	hl = sw->sniff_len[S2C];
	memcpy(held, b, hl);
	sw->sniff_len[S2C] = 0;
	if (reply) {
		sw->s_mode = SM_REPLY;
	} else if (tls == 1 && realign_starttls(sw)) {
		dequeue(sw);                 /* the STARTTLS, answered within the loss */
		sw->s_partial = false;
		sw->st_reply = 220;
		sw->s_mode = SM_SNIFF;
		settle(sw);
	} else {
		sw->s_mode = SM_SKIP;
	}
	server_bytes(sw, held, hl);
	return n;
}

static void
server_bytes(struct smtp_wire *sw, const uint8_t *p, size_t len)
{
	size_t n;

	while (len > 0) {
		switch ((enum s_mode)sw->s_mode) {
		case SM_FIRST:
		case SM_SNIFF:
			n = sniff(sw, S2C, p, len);
			break;
		case SM_REPLY:
			n = reply_bytes(sw, p, len);
			break;
		case SM_SKIP:
			n = skip_line(sw, S2C, p, len);
			break;
		case SM_GAP:
			n = after_gap(sw, p, len);
			break;
		case SM_TLS:
			n = tls_bytes(sw, S2C, p, len);
			break;
		case SM_IGNORE:
		default:
			return;
		}
		p += n;
		len -= n;
	}
}

/* ---- client: commands and content ---- */

static const struct {
	const char *name;
	enum kind kind;
} verbs[] = {
	{ "EHLO", K_EHLO }, { "HELO", K_HELO }, { "STARTTLS", K_STARTTLS },
	{ "MAIL", K_MAIL }, { "RCPT", K_RCPT }, { "DATA", K_DATA }, { "BDAT", K_BDAT },
	{ "AUTH", K_AUTH }, { "QUIT", K_QUIT }, { "RSET", K_RSET }, { "NOOP", K_NOOP },
};

static enum kind
verb_kind(const char *w, size_t len)
{
	size_t i;

	if (len != 4 && len != 8)
		return K_OTHER;
	for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (((verbs[i].name[0] ^ w[0]) & 0xdf) == 0 && strlen(verbs[i].name) == len &&
		    strncasecmp(verbs[i].name, w, len) == 0)
			return verbs[i].kind;
	return K_OTHER;
}

/* "BDAT n [LAST]": n, or 0 when absent; saturates. */
static uint64_t
bdat_size(const char *l, size_t len)
{
	size_t i = 4;
	uint64_t n = 0;

	while (i < len && l[i] == ' ')
		i++;
	for (; i < len && l[i] >= '0' && l[i] <= '9'; i++) {
		if (n > (UINT64_MAX - 9) / 10)
			return UINT64_MAX;
		n = n * 10 + (uint64_t)(l[i] - '0');
	}
	return n;
}

static size_t
word_len(const char *l, size_t len)
{
	size_t w = 0;

	while (w < len && l[w] != ' ')
		w++;
	return w;
}

/* MAIL, QUIT (or an answered NOOP/RSET) make the session final in a
 * plaintext dialogue, not while TLS may still begin (plaintext injected
 * after STARTTLS). */
static bool
plain_final(const struct smtp_wire *sw)
{
	return !sw->f.tls_started && (sw->phase == SW_GREETING || sw->phase == SW_DIALOGUE);
}

/* One complete command line, without its line end. */
static void
command_line(struct smtp_wire *sw, const char *l, size_t len)
{
	struct smtp_wire_facts *f = &sw->f;
	size_t wl;
	enum kind k;
	uint64_t n;

	if (sw->auth_resp > 0) {   /* a response to 334, not a command */
		sw->auth_resp--;
		return;
	}
	wl = word_len(l, len);
	k = verb_kind(l, wl);
	f->commands++;
	if (mangled_word(l, wl)) {
		f->anomalies |= SW_AN_CMD_MANGLED;
		if (f->mangled[0] == '\0') {
			copy_text(f->mangled, sizeof f->mangled, l, wl);
			sw->mangled_cmd = true;
		}
	}
	switch (k) {
	case K_EHLO:
		if (!sw->final_sent)
			f->ehlo_sent = true;
		break;
	case K_HELO:
		if (!sw->final_sent)
			f->helo_sent = true;
		break;
	case K_STARTTLS:
		if (sw->final_sent) {
			/* the classification is final: TLS is not followed */
			sw->c_mode = CM_IGNORE;
			sw->s_mode = SM_IGNORE;
			return;
		}
		if (sw->phase != SW_GREETING && sw->phase != SW_DIALOGUE) {
			k = K_OTHER;   /* a second one before the first's outcome */
			break;
		}
		f->starttls_sent = true;
		enter(sw, SW_STARTTLS);
		sw->c_mode = CM_SNIFF;
		break;
	case K_MAIL:
		if (!f->tls_started)
			f->mail_plaintext = true;
		if (plain_final(sw))
			mark_final(sw);
		break;
	case K_QUIT:
		f->quit_seen = true;
		if (plain_final(sw))
			mark_final(sw);
		break;
	case K_DATA:
		sw->c_mode = CM_DATA_WAIT;
		sw->dot_state = DOT_BOL;
		break;
	case K_BDAT:
		n = bdat_size(l, len);
		if (n > 0) {
			sw->c_mode = CM_BDAT;
			sw->bdat_left = n;
		}
		break;
	default:
		break;
	}
	enqueue(sw, k);
}

static size_t
command_bytes(struct smtp_wire *sw, const uint8_t *p, size_t len)
{
	size_t i, n;

	for (i = 0; i < len; i++) {
		if (p[i] == '\n') {
			n = sw->cl_len;
			if (n > 0 && sw->cl[n - 1] == '\r')
				n--;
			sw->cl[n] = '\0';
			sw->cl_len = 0;
			command_line(sw, sw->cl, n);
			return i + 1;
		}
		/* as smtp_reply: 510 octets and a CR, then the LF */
		if (sw->cl_len >= SMTP_LINE_MAX - 1) {
			sw->f.long_lines++;
			if (sw->auth_resp > 0) {
				sw->auth_resp--;
			} else {
				/* it awaits a reply like any command */
				sw->f.commands++;
				enqueue(sw, verb_kind(sw->cl, word_len(sw->cl, sw->cl_len)) == K_AUTH ?
				    K_AUTH : K_OTHER);
			}
			sw->cl_len = 0;
			sw->c_mode = CM_SKIP;
			return i;
		}
		sw->cl[sw->cl_len++] = (char)p[i];
	}
	return len;
}

/* Message content: up to and including CRLF.CRLF. */
static size_t
content_bytes(struct smtp_wire *sw, const uint8_t *p, size_t len)
{
	size_t i;
	uint8_t s = sw->dot_state;

	for (i = 0; i < len; i++) {
		switch (p[i]) {
		case '\r':
			s = s == DOT_DOT ? DOT_DOTCR : DOT_CR;
			break;
		case '\n':
			if (s == DOT_DOTCR) {
				sw->dot_state = DOT_MID;
				sw->c_mode = CM_CMD;
				sw->data_gap = false;
				enqueue(sw, K_DOT);
				return i + 1;
			}
			s = s == DOT_CR ? DOT_BOL : DOT_MID;
			break;
		case '.':
			s = s == DOT_BOL ? DOT_DOT : DOT_MID;
			break;
		default:
			s = DOT_MID;
			break;
		}
	}
	sw->dot_state = s;
	return len;
}

static void
client_bytes(struct smtp_wire *sw, const uint8_t *p, size_t len)
{
	size_t n;

	while (len > 0) {
		if (sw->c_rearm && sw->c_mode == CM_CMD && sw->cl_len == 0) {
			/* after a 220 that followed plaintext: sniff again */
			sw->c_rearm = false;
			sw->c_mode = CM_SNIFF;
		}
		switch ((enum c_mode)sw->c_mode) {
		case CM_FIRST:
		case CM_SNIFF:
			n = sniff(sw, C2S, p, len);
			break;
		case CM_CMD:
			n = command_bytes(sw, p, len);
			break;
		case CM_SKIP:
			n = skip_line(sw, C2S, p, len);
			break;
		case CM_DATA_WAIT:
			/* the client sends nothing else before DATA's reply */
			sw->c_mode = CM_DATA;
			n = 0;
			break;
		case CM_DATA:
			n = content_bytes(sw, p, len);
			break;
		case CM_BDAT:
			n = len < sw->bdat_left ? len : (size_t)sw->bdat_left;
			sw->bdat_left -= n;
			if (sw->bdat_left == 0)
				sw->c_mode = CM_CMD;
			break;
		case CM_TLS:
			n = tls_bytes(sw, C2S, p, len);
			break;
		case CM_IGNORE:
		default:
			return;
		}
		p += n;
		len -= n;
	}
}

/* ---- lost bytes ---- */

static void
client_gap(struct smtp_wire *sw, uint32_t nbytes)
{
	switch ((enum c_mode)sw->c_mode) {
	case CM_FIRST:
	case CM_CMD:
	case CM_SKIP:
		sw->sniff_len[C2S] = 0;
		sw->cl_len = 0;
		sw->c_mode = CM_SKIP;
		clear_queue(sw);
		break;
	case CM_DATA_WAIT:
	case CM_DATA:
		sw->c_mode = CM_DATA;
		sw->dot_state = DOT_MID;
		sw->data_gap = true;
		clear_queue(sw);
		break;
	case CM_BDAT:
		if (nbytes <= sw->bdat_left) {
			/* within the chunk: still in step */
			sw->bdat_left -= nbytes;
			if (sw->bdat_left == 0)
				sw->c_mode = CM_CMD;
		} else {
			sw->bdat_left = 0;
			sw->c_mode = CM_SKIP;
			clear_queue(sw);
		}
		break;
	case CM_SNIFF:
		sw->sniff_len[C2S] = 0;
		sw->c_rearm = false;
		tls_finish(sw, C2S);
		break;
	case CM_TLS:
		tls_finish(sw, C2S);
		break;
	case CM_IGNORE:
	default:
		break;
	}
}

static void
server_gap(struct smtp_wire *sw)
{
	switch ((enum s_mode)sw->s_mode) {
	case SM_FIRST:
	case SM_REPLY:
	case SM_SKIP:
	case SM_GAP:
		sw->sniff_len[S2C] = 0;
		smtp_reply_init(&sw->rp);
		sw->s_mode = SM_GAP;
		/* the commands stay queued: the rest of the reply in progress
		 * still answers the oldest; a 220 realigns on STARTTLS */
		sw->r_queued = false;
		sw->r_kind = K_NONE;
		sw->s_resync = true;
		sw->s_partial = true;
		break;
	case SM_SNIFF:
		sw->sniff_len[S2C] = 0;
		tls_finish(sw, S2C);
		break;
	case SM_TLS:
		tls_finish(sw, S2C);
		break;
	case SM_IGNORE:
	default:
		break;
	}
}

/* ---- the interface ---- */

void
smtp_wire_init(struct smtp_wire *sw, const struct smtp_wire_pool *pool)
{
	memset(sw, 0, sizeof *sw);
	sw->pool = pool;
	sw->phase = SW_GREETING;
	sw->f.cipher_id = -1;
	smtp_reply_init(&sw->rp);
	sw->c_mode = CM_FIRST;
	sw->s_mode = SM_FIRST;
	sw->r_kind = K_NONE;
}

enum smtp_wire_status
smtp_wire_feed(struct smtp_wire *sw, int dir, const uint8_t *p, size_t len)
{
	if ((dir != C2S && dir != S2C) || len == 0 || p == NULL)
		return SMTP_WIRE_MORE;
	switch (sw->phase) {
	case SW_ENDED:
		return SMTP_WIRE_MORE;
	case SW_ENCRYPTED:
	case SW_NOT_SMTP:
		sw->f.bytes[dir] += len;   /* not read */
		break;
	case SW_GREETING:
	case SW_DIALOGUE:
	case SW_STARTTLS:
	case SW_TLS:
	case SW_IMPLICIT_TLS:
		sw->f.bytes[dir] += len;
		if (dir == C2S)
			client_bytes(sw, p, len);
		else
			server_bytes(sw, p, len);
		break;
	}
	return take_final(sw);
}

enum smtp_wire_status
smtp_wire_gap(struct smtp_wire *sw, int dir, uint32_t nbytes)
{
	if ((dir != C2S && dir != S2C) || nbytes == 0)
		return SMTP_WIRE_MORE;
	switch (sw->phase) {
	case SW_ENDED:
	case SW_ENCRYPTED:
	case SW_NOT_SMTP:
		return SMTP_WIRE_MORE;   /* nothing was being read */
	case SW_GREETING:
	case SW_DIALOGUE:
	case SW_STARTTLS:
	case SW_TLS:
	case SW_IMPLICIT_TLS:
		break;
	}
	sw->f.anomalies |= SW_AN_GAP;
	if (dir == C2S)
		client_gap(sw, nbytes);
	else
		server_gap(sw);
	settle(sw);
	return take_final(sw);
}

enum smtp_wire_status
smtp_wire_end(struct smtp_wire *sw)
{
	bool was_final = sw->final_sent;

	if (sw->phase == SW_ENDED)
		return SMTP_WIRE_MORE;
	enter(sw, SW_ENDED);
	sw->final_now = false;
	return was_final ? SMTP_WIRE_MORE : SMTP_WIRE_FINAL;
}

const struct smtp_wire_facts *
smtp_wire_facts(const struct smtp_wire *sw)
{
	return &sw->f;
}

enum smtp_wire_phase
smtp_wire_phase(const struct smtp_wire *sw)
{
	return sw->phase;
}
