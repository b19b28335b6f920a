/* libFuzzer target: agent/mlimit under arbitrary server replies, states,
 * silences and NOOP counts. Checks its promises: learned limits only come
 * down, the NOOP interval stays within [min(cfg, 1 s), cfg], the budget in
 * force never exceeds a configured one and is never 0 once learned. */
#include "buildconf.h"
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mlimit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mlimit l = { 0 };
	char reply[600];

	while (size >= 8) {
		struct mlimit before = l;
		enum smtp_fail f = (enum smtp_fail)(data[0] % (SMTP_F_ABORTED + 1));
		enum smtp_state st = (enum smtp_state)(data[1] % (SMTP_S_FAILED + 1));
		int code = (int)data[2] * 3;
		uint64_t idle_us = ((uint64_t)data[3] << 16 | (uint64_t)data[4] << 8) * 16u;
		unsigned noops = data[5];
		uint32_t cfg_ms = (uint32_t)data[6] * 100u + 100u;
		unsigned cfg_budget = data[7] % 12;
		size_t n = size - 8 < sizeof reply - 1 ? size - 8 : sizeof reply - 1;
		enum mlimit_end k;
		uint32_t ms;
		unsigned b;

		memcpy(reply, data + 8, n);
		reply[n] = '\0';
		k = mlimit_end_kind(f, st, code, n > 0 ? reply : NULL, idle_us);
		assert(k == MLIMIT_END_IDLE || k == MLIMIT_END_COMMAND || k == MLIMIT_END_LOST);
		assert(mlimit_end_name(k)[0] != '?');
		if (data[1] & 0x80)
			mlimit_learn_throttle(&l, noops);
		else
			mlimit_learn_close(&l, k, st, idle_us, noops, n > 0 ? reply : NULL);
		assert(before.idle_ms == 0 || (l.idle_ms != 0 && l.idle_ms <= before.idle_ms));
		assert(before.budget == 0 || (l.budget != 0 && l.budget <= before.budget));
		ms = mlimit_noop_ms(&l, cfg_ms);
		assert(ms <= cfg_ms && ms >= (cfg_ms < MLIMIT_NOOP_MIN_MS ? cfg_ms : MLIMIT_NOOP_MIN_MS));
		b = mlimit_budget(&l, cfg_budget);
		assert(cfg_budget == 0 || (b != 0 && b <= cfg_budget));
		assert(l.budget == 0 || b != 0);
		(void)mlimit_throttled(idle_us, (uint64_t)noops * 1000u);
		data += 8 + n;
		size -= 8 + n;
		if (n == 0)
			break;
	}
	return 0;
}
