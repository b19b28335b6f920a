/* probes/util.h: memory, time and encoding helpers shared by every module.
 *
 * Allocation never returns NULL: on failure it logs and aborts, so callers do
 * not check. Times are microseconds on CLOCK_MONOTONIC unless named _real.
 */
#ifndef SMTPMON_UTIL_H
#define SMTPMON_UTIL_H

#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Monotonic clock in microseconds. */
uint64_t now_us(void);

/* Base64 (RFC 4648) of len bytes into out, NUL-terminated; out must hold
 * 4*((len+2)/3)+1 bytes. Returns the encoded length. */
size_t b64_encode(const uint8_t *in, size_t len, char *out);

/* strlcpy semantics: copy at most size-1 bytes, always terminate, return strlen(src). */
size_t str_copy(char *dst, const char *src, size_t size);

#endif
