/* agent/output/json.h: a small streaming JSON writer (RFC 8259) onto a FILE.
 *
 * The writer places commas itself; strings are escaped (control characters
 * as \uXXXX, invalid UTF-8 bytes replaced by U+FFFD) so any server text can
 * be written safely. Nesting is limited to JSON_MAX_DEPTH.
 */
#ifndef SMTPMON_JSON_H
#define SMTPMON_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
	bool after_key;
};

void json_init(struct json *j, FILE *f);
void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s);       /* NULL writes null */
void json_strn(struct json *j, const char *s, size_t len);
void json_int(struct json *j, int64_t v);
void json_uint(struct json *j, uint64_t v);
void json_bool(struct json *j, bool v);
/* v/1000 with three decimals, e.g. milliseconds as seconds: 4012 -> 4.012 */
void json_milli(struct json *j, uint64_t v);
void json_null(struct json *j);

/* key + value shorthands */
void json_kstr(struct json *j, const char *key, const char *s);
void json_kint(struct json *j, const char *key, int64_t v);
void json_kuint(struct json *j, const char *key, uint64_t v);
void json_kbool(struct json *j, const char *key, bool v);
void json_kmilli(struct json *j, const char *key, uint64_t v);
void json_knull(struct json *j, const char *key);

#endif
