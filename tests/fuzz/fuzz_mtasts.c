/* libFuzzer target: probes/mtasts under arbitrary records, bodies and names.
 * The whole input is, at once: TXT records (split on '\n', each given by
 * length, no NUL added), a policy body (alone, and after a valid head of
 * version, mode and max_age), and a pattern and an MX name (the first line
 * and the rest). Checks: an OK record's id is 1-32 letters and
 * digits; a parsed policy keeps its bounds (mode, max_age, 1-32 lower-case
 * patterns that match nothing with '*' outside "*.", none when mode needs
 * one), a refused one says why and is zeroed; a pattern matches the same MX
 * in either letter case; the evaluation's violation is printable and agrees
 * with its status. */
#include "buildconf.h"
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mtasts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECORDS 16

static void
check_txt(const uint8_t *data, size_t size)
{
	const char *rec[MAX_RECORDS];
	size_t len[MAX_RECORDS], n = 0, start = 0;
	char id[MTASTS_ID_MAX + 1];
	enum mtasts_txt r;

	for (size_t i = 0; i <= size && n < MAX_RECORDS; i++) {
		if (i == size || data[i] == '\n') {
			rec[n] = (const char *)data + start;
			len[n] = i - start;
			n++;
			start = i + 1;
		}
	}
	r = mtasts_txt_pick(rec, len, n, id);
	assert(r == MTASTS_TXT_NONE || r == MTASTS_TXT_OK || r == MTASTS_TXT_INVALID);
	if (r == MTASTS_TXT_OK) {
		size_t l = strlen(id);

		assert(l >= 1 && l <= MTASTS_ID_MAX);
		for (size_t k = 0; k < l; k++)
			assert((id[k] >= '0' && id[k] <= '9') || (id[k] >= 'a' && id[k] <= 'z') ||
			    (id[k] >= 'A' && id[k] <= 'Z'));
	} else {
		assert(id[0] == '\0');
	}
}

static void
check_policy(const char *data, size_t size)
{
	static struct mtasts_policy p;
	struct mtasts_eval e;
	char err[80];

	if (mtasts_policy_parse(data, size, &p, err, sizeof err)) {
		assert(err[0] == '\0');
		assert(p.mode == MTASTS_MODE_ENFORCE || p.mode == MTASTS_MODE_TESTING ||
		    p.mode == MTASTS_MODE_NONE);
		assert(p.max_age >= 0 && p.max_age <= MTASTS_MAX_AGE_MAX);
		assert(p.nmx <= MTASTS_MX_MAX);
		assert(p.nmx > 0 || p.mode == MTASTS_MODE_NONE);
		for (size_t i = 0; i < p.nmx; i++) {
			size_t l = strnlen(p.mx[i], sizeof p.mx[i]);

			assert(l >= 1 && l < sizeof p.mx[i]);
			assert(strchr(p.mx[i] + (p.mx[i][0] == '*' ? 1 : 0), '*') == NULL);
			for (size_t k = 0; k < l; k++)
				assert(!(p.mx[i][k] >= 'A' && p.mx[i][k] <= 'Z'));
			/* a plain pattern matches itself, with a trailing dot too */
			if (p.mx[i][0] != '*') {
				char mx[258];

				memcpy(mx, p.mx[i], l);
				mx[l] = '.';
				mx[l + 1] = '\0';
				assert(mtasts_mx_match(p.mx[i], mx));
				assert(mtasts_policy_mx_match(&p, mx));
			}
		}
		mtasts_evaluate(&p, p.nmx > 0 ? p.mx[0] : "x", true, true, NULL, &e);
		assert(p.mode != MTASTS_MODE_ENFORCE || p.mx[0][0] == '*' ||
		    e.status == MTASTS_ENFORCE_OK);
	} else {
		assert(err[0] != '\0');
		assert(p.nmx == 0 && p.max_age == 0);
	}
}

static void
check_match(const uint8_t *data, size_t size)
{
	char pat[300], mx[300], up[300];
	const uint8_t *nl = memchr(data, '\n', size);
	size_t pl, ml;
	struct mtasts_policy p;
	struct mtasts_eval e;
	bool m;

	if (nl == NULL)
		return;
	pl = (size_t)(nl - data);
	ml = size - pl - 1;
	if (pl >= sizeof pat || ml >= sizeof mx)
		return;
	memcpy(pat, data, pl);
	pat[pl] = '\0';
	memcpy(mx, nl + 1, ml);
	mx[ml] = '\0';
	m = mtasts_mx_match(pat, mx);
	for (size_t i = 0; i <= ml; i++)
		up[i] = mx[i] >= 'a' && mx[i] <= 'z' ? (char)(mx[i] - 'a' + 'A') : mx[i];
	assert(mtasts_mx_match(pat, up) == m);
	if (m)
		assert(strchr(pat + (pat[0] == '*' ? 1 : 0), '*') == NULL && strchr(mx, '*') == NULL);
	/* the same pair through a one-pattern policy and every mode */
	memset(&p, 0, sizeof p);
	if (strlen(pat) < sizeof p.mx[0]) {
		p.nmx = 1;
		strcpy(p.mx[0], pat);
	}
	for (int mode = MTASTS_MODE_ENFORCE; mode <= MTASTS_MODE_NONE; mode++) {
		p.mode = (enum mtasts_mode)mode;
		mtasts_evaluate_why(&p, mx, (size & 1) != 0, mx, (size & 2) != 0, pat, &e);
		assert(strlen(e.violation) < sizeof e.violation);
		for (size_t k = 0; e.violation[k] != '\0'; k++)
			assert(e.violation[k] >= 0x20 && e.violation[k] < 0x7f);
		if (p.mode == MTASTS_MODE_ENFORCE)
			assert((e.status == MTASTS_ENFORCE_OK) == (e.violation[0] == '\0'));
		if (p.mode == MTASTS_MODE_NONE)
			assert(e.status == MTASTS_NONE && e.violation[0] == '\0');
		assert(e.mx_match == (p.nmx == 1 && m));
	}
}

/* The input after a valid head, so that mx lines and the rest are reached
 * without the fuzzer first finding three required fields; the first octet
 * picks the mode. */
static void
check_headed_policy(const uint8_t *data, size_t size)
{
	static const char *const heads[] = {
		"version: STSv1\nmode: enforce\nmax_age: 86400\n",
		"version: STSv1\r\nmode: testing\r\nmax_age: 0\r\n",
		"version: STSv1\nmode: none\nmax_age: 31557600\n",
	};
	const char *head;
	size_t hl;
	char *body;

	if (size < 1)
		return;
	head = heads[data[0] % 3];
	hl = strlen(head);
	body = malloc(hl + size - 1);
	memcpy(body, head, hl);
	memcpy(body + hl, data + 1, size - 1);
	check_policy(body, hl + size - 1);
	free(body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_txt(data, size);
	check_policy((const char *)data, size);
	check_headed_policy(data, size);
	check_match(data, size);
	return 0;
}
