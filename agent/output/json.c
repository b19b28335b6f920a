/* agent/output/json.c: see json.h. */
#include "buildconf.h"
#include "json.h"

#include <inttypes.h>
#include <string.h>

void
json_init(struct json *j, FILE *f)
{
	memset(j, 0, sizeof *j);
	j->f = f;
}

static void
sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0 && j->need_comma[j->depth - 1])
		fputc(',', j->f);
	if (j->depth > 0)
		j->need_comma[j->depth - 1] = true;
}

static void
open_(struct json *j, char c)
{
	sep(j);
	fputc(c, j->f);
	if (j->depth < JSON_MAX_DEPTH)
		j->need_comma[j->depth] = false;
	j->depth++;
}

static void
close_(struct json *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	fputc(c, j->f);
}

void json_obj_begin(struct json *j) { open_(j, '{'); }
void json_obj_end(struct json *j) { close_(j, '}'); }
void json_arr_begin(struct json *j) { open_(j, '['); }
void json_arr_end(struct json *j) { close_(j, ']'); }

/* Length of a valid UTF-8 sequence at p (at most n bytes), 0 if invalid. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void
json_strn(struct json *j, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	sep(j);
	fputc('"', j->f);
	while (i < n) {
		unsigned char c = p[i];
		size_t l;

		switch (c) {
		case '"': fputs("\\\"", j->f); i++; continue;
		case '\\': fputs("\\\\", j->f); i++; continue;
		case '\n': fputs("\\n", j->f); i++; continue;
		case '\r': fputs("\\r", j->f); i++; continue;
		case '\t': fputs("\\t", j->f); i++; continue;
		default: break;
		}
		if (c < 0x20 || c == 0x7f) {
			fprintf(j->f, "\\u%04x", c);
			i++;
			continue;
		}
		l = utf8_len(p + i, n - i);
		if (l == 0) {
			fputs("\\ufffd", j->f);
			i++;
			continue;
		}
		fwrite(p + i, 1, l, j->f);
		i += l;
	}
	fputc('"', j->f);
}

void
json_str(struct json *j, const char *s)
{
	if (s == NULL)
		json_null(j);
	else
		json_strn(j, s, strlen(s));
}

void
json_key(struct json *j, const char *key)
{
	json_str(j, key);
	fputc(':', j->f);
	j->after_key = true;
}

void json_int(struct json *j, int64_t v) { sep(j); fprintf(j->f, "%" PRId64, v); }
void json_uint(struct json *j, uint64_t v) { sep(j); fprintf(j->f, "%" PRIu64, v); }
void
json_milli(struct json *j, uint64_t v)
{
	sep(j);
	fprintf(j->f, "%" PRIu64 ".%03u", v / 1000u, (unsigned)(v % 1000u));
}
void json_bool(struct json *j, bool v) { sep(j); fputs(v ? "true" : "false", j->f); }
void json_null(struct json *j) { sep(j); fputs("null", j->f); }

void json_kstr(struct json *j, const char *k, const char *s) { json_key(j, k); json_str(j, s); }
void json_kint(struct json *j, const char *k, int64_t v) { json_key(j, k); json_int(j, v); }
void json_kuint(struct json *j, const char *k, uint64_t v) { json_key(j, k); json_uint(j, v); }
void json_kmilli(struct json *j, const char *k, uint64_t v) { json_key(j, k); json_milli(j, v); }
void json_kbool(struct json *j, const char *k, bool v) { json_key(j, k); json_bool(j, v); }
void json_knull(struct json *j, const char *k) { json_key(j, k); json_null(j); }
