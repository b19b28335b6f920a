/* agent/verdict/mlimit.c: see mlimit.h. */
#include "buildconf.h"
#include "mlimit.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

/* Does the reply speak of a timer: "timeout exceeded", "timed out",
 * "idle"? Then a 421 that crossed our NOOP is the idle limit, not the NOOP. */
static bool
speaks_of_timeout(const char *reply)
{
	static const char *const words[] = { "timeout", "timed out", "time out", "idle" };
	char low[256];
	size_t n = 0;

	if (reply == NULL)
		return false;
	for (; reply[n] != '\0' && n < sizeof low - 1; n++)
		low[n] = (char)tolower((unsigned char)reply[n]);
	low[n] = '\0';
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strstr(low, words[i]) != NULL)
			return true;
	return false;
}

enum mlimit_end
mlimit_end_kind(enum smtp_fail f, enum smtp_state st, int code, const char *reply,
    uint64_t idle_us)
{
	if (f == SMTP_F_NONE || f == SMTP_F_ABORTED)
		return MLIMIT_END_LOST;   /* not the server's doing; callers do not ask */
	if (st == SMTP_S_IDLE) {
		/* nothing of ours was outstanding: whatever came (a 421, a FIN,
		 * an RST, a TLS alert) is the server ending an idle client,
		 * unless it came right on the heels of a reply */
		if (idle_us < (uint64_t)MLIMIT_HEELS_MS * 1000u && !speaks_of_timeout(reply))
			return MLIMIT_END_COMMAND;
		return MLIMIT_END_IDLE;
	}
	if (st != SMTP_S_NOOP)
		return MLIMIT_END_LOST;
	if (f == SMTP_F_NOOP && code >= 400 && code < 600)
		return speaks_of_timeout(reply) ? MLIMIT_END_IDLE : MLIMIT_END_COMMAND;
	if (f == SMTP_F_CLOSED) {
		/* a 421 read in NOOP state arrives as CLOSED only via EOF */
		if (code >= 400 && speaks_of_timeout(reply))
			return MLIMIT_END_IDLE;
		return MLIMIT_END_COMMAND;
	}
	return MLIMIT_END_LOST;       /* NOOP unanswered in time, TLS, protocol */
}

const char *
mlimit_end_name(enum mlimit_end k)
{
	switch (k) {
	case MLIMIT_END_IDLE: return "idle";
	case MLIMIT_END_COMMAND: return "command";
	case MLIMIT_END_LOST: return "lost";
	}
	return "?";
}

bool
mlimit_throttled(uint64_t rtt_us, uint64_t base_us)
{
	return rtt_us >= base_us + MLIMIT_THROTTLE_US && rtt_us >= base_us * MLIMIT_THROTTLE_FACTOR;
}

bool
mlimit_learn_close(struct mlimit *l, enum mlimit_end k, enum smtp_state st, uint64_t idle_us,
    unsigned noops, const char *reply)
{
	if (k == MLIMIT_END_IDLE) {
		uint32_t ms = idle_us / 1000u > UINT32_MAX ? UINT32_MAX : (uint32_t)(idle_us / 1000u);
		uint64_t lo, hi;

		if (ms < MLIMIT_NOOP_MIN_MS || (l->idle_ms != 0 && ms >= l->idle_ms))
			return false;
		if (!speaks_of_timeout(reply)) {
			/* silent: believed when the last silent close agrees */
			lo = (uint64_t)l->suspect_idle_ms * (100u - MLIMIT_CONFIRM_PCT) / 100u;
			hi = (uint64_t)l->suspect_idle_ms * (100u + MLIMIT_CONFIRM_PCT) / 100u;
			if (l->suspect_idle_ms == 0 || ms < lo || ms > hi) {
				l->suspect_idle_ms = ms;
				return false;
			}
		}
		l->suspect_idle_ms = 0;
		l->idle_ms = ms;
		return true;
	}
	if (k == MLIMIT_END_COMMAND) {
		unsigned took = st == SMTP_S_IDLE && noops > 0 ? noops - 1 : noops;
		unsigned b = took > 0 ? took : 1;

		if (reply == NULL || reply[0] == '\0') {
			/* no word: a restart as often as a limit */
			if (l->suspect_budget != b) {
				l->suspect_budget = b;
				return false;
			}
		}
		l->suspect_budget = 0;
		if (l->budget != 0 && b >= l->budget)
			return false;
		l->budget = b;
		return true;
	}
	return false;
}

bool
mlimit_learn_throttle(struct mlimit *l, unsigned noops)
{
	unsigned b = noops > 1 ? noops - 1 : 1;

	if (l->budget != 0 && b >= l->budget)
		return false;
	l->budget = b;
	return true;
}

uint32_t
mlimit_noop_ms(const struct mlimit *l, uint32_t cfg_ms)
{
	uint64_t ms;

	if (l->idle_ms == 0)
		return cfg_ms;
	ms = (uint64_t)l->idle_ms * MLIMIT_IDLE_SHARE_PCT / 100u;
	if (ms < MLIMIT_NOOP_MIN_MS)
		ms = MLIMIT_NOOP_MIN_MS;
	return ms < cfg_ms ? (uint32_t)ms : cfg_ms;
}

unsigned
mlimit_budget(const struct mlimit *l, unsigned cfg)
{
	if (l->budget != 0 && (cfg == 0 || l->budget < cfg))
		return l->budget;
	return cfg;
}
