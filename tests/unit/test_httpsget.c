/* Unit tests for the response parser of probes/httpsget: the framings
 * (Content-Length, chunked, read to the close), statuses that end at their
 * header block (301, 404), the hard limits (header bytes and lines, body one
 * octet over max_body, announced or streamed), malformed input, and the
 * same responses fed one octet at a time. */
#include "buildconf.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "httpsget.h"

static struct httpsget_resp P;

/* Feeds the whole of s in pieces of step octets (0: all at once); returns
 * the last result, *used_total the octets consumed. */
static enum httpsget_rp
feed(const char *s, size_t len, size_t step, size_t max_body, size_t *used_total)
{
	enum httpsget_rp r = HTTPSGET_RP_MORE;
	size_t off = 0, n, used;

	httpsget_resp_free(&P);
	httpsget_resp_init(&P, max_body);
	while (off < len) {
		n = step == 0 || step > len - off ? len - off : step;
		r = httpsget_resp_feed(&P, (const uint8_t *)s + off, n, &used);
		off += used;
		if (r != HTTPSGET_RP_MORE)
			break;
		assert_int_equal(used, n); /* MORE consumes everything */
	}
	if (used_total != NULL)
		*used_total = off;
	return r;
}

static enum httpsget_rp
feeds(const char *s, size_t step, size_t max_body)
{
	return feed(s, strlen(s), step, max_body, NULL);
}

static const char policy[] = "version: STSv1\r\nmode: enforce\r\nmx: mx.example.net\r\nmax_age: 86400\r\n";

static void
test_content_length(void **state)
{
	char resp[512];
	size_t used, steps[] = { 0, 1, 2, 7, 64 };

	(void)state;
	snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: %zu\r\n\r\n%sEXTRA", strlen(policy), policy);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		assert_int_equal(feed(resp, strlen(resp), steps[i], 65536, &used), HTTPSGET_RP_DONE);
		assert_int_equal(P.code, 200);
		assert_int_equal(P.body_len, strlen(policy));
		assert_string_equal((char *)P.body, policy); /* NUL-terminated */
		assert_int_equal(used, strlen(resp) - 5);     /* "EXTRA" is not ours */
	}
	/* bare LF line ends, and an empty body */
	assert_int_equal(feeds("HTTP/1.0 200 OK\nContent-Length: 0\n\n", 0, 10), HTTPSGET_RP_DONE);
	assert_int_equal(P.body_len, 0);
	assert_string_equal((char *)P.body, "");
	/* a repeated, equal Content-Length is fine; a different one is not */
	assert_int_equal(feeds("HTTP/1.1 200 OK\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nab",
	    0, 10), HTTPSGET_RP_DONE);
	assert_int_equal(feeds("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nab",
	    0, 10), HTTPSGET_RP_ERROR);
	assert_int_equal(P.err, HTTPSGET_PROTOCOL);
	assert_int_equal(feeds("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0, 10),
	    HTTPSGET_RP_ERROR);
	assert_int_equal(feeds("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
	    0, 10), HTTPSGET_RP_ERROR);
	/* truncated */
	assert_int_equal(feeds("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 0, 10),
	    HTTPSGET_RP_MORE);
	assert_int_equal(httpsget_resp_eof(&P), HTTPSGET_RP_ERROR);
	assert_string_equal(P.errtext, "connection closed before the response ended");
}

static void
test_chunked(void **state)
{
	const char *resp = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "10\r\nversion: STSv1\r\n\r\n"
	    "f;name=val\r\nmode: enforce\r\n\r\n"
	    "19\r\nmx: mx.example.net\r\nmax_a\r\n"
	    "B\r\nge: 86400\r\n\r\n"
	    "0\r\nX-Trailer: yes\r\n\r\nNEXT";
	size_t used;

	(void)state;
	for (size_t step = 0; step < 12; step++) {
		assert_int_equal(feed(resp, strlen(resp), step, 65536, &used), HTTPSGET_RP_DONE);
		assert_int_equal(P.code, 200);
		assert_string_equal((char *)P.body, policy);
		assert_int_equal(P.body_len, strlen(policy));
		assert_int_equal(used, strlen(resp) - 4);
	}
	/* data longer than its chunk size */
	assert_int_equal(feeds("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
	    0, 100), HTTPSGET_RP_ERROR);
	assert_int_equal(P.err, HTTPSGET_PROTOCOL);
	/* not hex */
	assert_int_equal(feeds("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0, 100),
	    HTTPSGET_RP_ERROR);
	assert_string_equal(P.errtext, "malformed chunk size");
	/* a huge chunk size is too big, without overflow */
	assert_int_equal(feeds("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "ffffffffffffffffffffffffffffffff\r\n", 0, 100), HTTPSGET_RP_ERROR);
	assert_int_equal(P.err, HTTPSGET_TOO_BIG);
	/* chunks adding up to one octet over the limit */
	assert_int_equal(feeds("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "5\r\nabcde\r\n6\r\nfghijk\r\n0\r\n\r\n", 1, 10), HTTPSGET_RP_ERROR);
	assert_int_equal(P.err, HTTPSGET_TOO_BIG);
	assert_string_equal(P.errtext, "body larger than 10 bytes");
	/* other codings, and both framings at once */
	assert_int_equal(feeds("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 0, 100),
	    HTTPSGET_RP_ERROR);
	assert_string_equal(P.errtext, "unsupported Transfer-Encoding");
	assert_int_equal(feeds("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
	    0, 100), HTTPSGET_RP_ERROR);
	assert_int_equal(P.err, HTTPSGET_PROTOCOL);
	/* truncated in the middle of a chunk */
	assert_int_equal(feeds("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", 0, 100),
	    HTTPSGET_RP_MORE);
	assert_int_equal(httpsget_resp_eof(&P), HTTPSGET_RP_ERROR);
}

static void
test_close_delimited(void **state)
{
	char resp[512];

	(void)state;
	snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n%s", policy);
	for (size_t step = 0; step < 4; step++) {
		assert_int_equal(feeds(resp, step, 65536), HTTPSGET_RP_MORE);
		assert_int_equal(httpsget_resp_eof(&P), HTTPSGET_RP_DONE);
		assert_int_equal(P.code, 200);
		assert_string_equal((char *)P.body, policy);
	}
	/* closed before the status line, and within the headers */
	assert_int_equal(feeds("", 0, 10), HTTPSGET_RP_MORE);
	assert_int_equal(httpsget_resp_eof(&P), HTTPSGET_RP_ERROR);
	assert_string_equal(P.errtext, "connection closed without a response");
	assert_int_equal(feeds("HTTP/1.1 200 OK\r\nServer: x\r\n", 0, 10), HTTPSGET_RP_MORE);
	assert_int_equal(httpsget_resp_eof(&P), HTTPSGET_RP_ERROR);
	assert_int_equal(P.err, HTTPSGET_PROTOCOL);
}

static void
test_not_200(void **state)
{
	const char *moved = "HTTP/1.1 301 Moved Permanently\r\nLocation: https://evil.example/\r\n"
	    "Content-Length: 5\r\n\r\nmoved";
	const char *missing = "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "9\r\nnot found\r\n0\r\n\r\n";
	size_t used;

	(void)state;
	for (size_t step = 0; step < 3; step++) {
		/* ends at the header block: the body is not read */
		assert_int_equal(feed(moved, strlen(moved), step, 65536, &used), HTTPSGET_RP_DONE);
		assert_int_equal(P.code, 301);
		assert_int_equal(P.body_len, 0);
		assert_int_equal(used, strlen(moved) - 5);
		assert_int_equal(feeds(missing, step, 65536), HTTPSGET_RP_DONE);
		assert_int_equal(P.code, 404);
		assert_int_equal(P.body_len, 0);
	}
	/* a 404 with a body far over the limit is still just a 404 */
	assert_int_equal(feeds("HTTP/1.1 404 Not Found\r\nContent-Length: 99999999\r\n\r\n", 0, 10),
	    HTTPSGET_RP_DONE);
	assert_int_equal(P.code, 404);
	/* interim 1xx responses are skipped */
	assert_int_equal(feeds("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
	    0, 10), HTTPSGET_RP_DONE);
	assert_int_equal(P.code, 200);
	assert_string_equal((char *)P.body, "ok");
	/* 101 switches protocols: never asked for, so a protocol error (found by
	 * fuzz_httpsget, kept in tests/fuzz/regress) */
	assert_int_equal(feeds("HTTP/1.0 101 x\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", 0, 10),
	    HTTPSGET_RP_ERROR);
}

static void
test_header_limits(void **state)
{
	char *resp = malloc(3 * HTTPSGET_HEADER_MAX);
	size_t len;
	int i;

	(void)state;
	/* exactly 100 header lines: fine; 101: too big */
	len = (size_t)sprintf(resp, "HTTP/1.1 200 OK\r\n");
	for (i = 0; i < HTTPSGET_HEADER_LINES; i++)
		len += (size_t)sprintf(resp + len, "X-H%d: v\r\n", i);
	strcpy(resp + len, "Content-Length: 0\r\n\r\n");
	assert_int_equal(feeds(resp, 0, 10), HTTPSGET_RP_ERROR); /* 101 lines with Content-Length */
	assert_int_equal(P.err, HTTPSGET_TOO_BIG);
	assert_string_equal(P.errtext, "more than 100 header lines");
	strcpy(resp + len, "\r\n");
	assert_int_equal(feeds(resp, 0, 10), HTTPSGET_RP_MORE);  /* 100 lines, read to close */
	assert_int_equal(httpsget_resp_eof(&P), HTTPSGET_RP_DONE);

	/* the header block at exactly 8192 octets: fine; one more: too big */
	len = (size_t)sprintf(resp, "HTTP/1.1 200 OK\r\nX-Pad: ");
	memset(resp + len, 'a', HTTPSGET_HEADER_MAX - len - 4);
	len = HTTPSGET_HEADER_MAX - 4;
	strcpy(resp + len, "\r\n\r\n");
	assert_int_equal(strlen(resp), HTTPSGET_HEADER_MAX);
	assert_int_equal(feeds(resp, 0, 10), HTTPSGET_RP_MORE);
	assert_int_equal(P.state, HTTPSGET_RS_BODY_CLOSE);
	resp[len - 1] = 'a';
	strcpy(resp + len, "a\r\n\r\n");
	assert_int_equal(feeds(resp, 0, 10), HTTPSGET_RP_ERROR);
	assert_int_equal(P.err, HTTPSGET_TOO_BIG);
	assert_string_equal(P.errtext, "response headers larger than 8192 bytes");
	/* one endless line, byte by byte: stops at the limit */
	memset(resp, 'H', 3 * HTTPSGET_HEADER_MAX - 1);
	resp[3 * HTTPSGET_HEADER_MAX - 1] = '\0';
	size_t used;
	assert_int_equal(feed(resp, strlen(resp), 1, 10, &used), HTTPSGET_RP_ERROR);
	assert_int_equal(used, HTTPSGET_HEADER_MAX);
	free(resp);
}

static void
test_body_limit(void **state)
{
	char *resp = malloc(200 + 65537);
	size_t len;

	(void)state;
	/* Content-Length one over: refused at the header block */
	assert_int_equal(feeds("HTTP/1.1 200 OK\r\nContent-Length: 65537\r\n\r\n", 0, 65536),
	    HTTPSGET_RP_ERROR);
	assert_int_equal(P.err, HTTPSGET_TOO_BIG);
	assert_string_equal(P.errtext, "body larger than 65536 bytes (Content-Length 65537)");
	/* read to the close: exactly max_body is fine, one octet more is not */
	len = (size_t)sprintf(resp, "HTTP/1.1 200 OK\r\n\r\n");
	memset(resp + len, 'b', 65537);
	assert_int_equal(feed(resp, len + 65536, 1000, 65536, NULL), HTTPSGET_RP_MORE);
	assert_int_equal(httpsget_resp_eof(&P), HTTPSGET_RP_DONE);
	assert_int_equal(P.body_len, 65536);
	assert_int_equal(P.body[65536], '\0');
	assert_int_equal(feed(resp, len + 65537, 1000, 65536, NULL), HTTPSGET_RP_ERROR);
	assert_int_equal(P.err, HTTPSGET_TOO_BIG);
	assert_string_equal(P.errtext, "body larger than 65536 bytes");
	/* after an error the parser stays there */
	size_t used = 99;
	assert_int_equal(httpsget_resp_feed(&P, (const uint8_t *)"x", 1, &used), HTTPSGET_RP_ERROR);
	assert_int_equal(used, 0);
	free(resp);
}

static void
test_malformed(void **state)
{
	static const char *bad[] = {
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/2 200 OK\r\n\r\n",
		"HTTP/1.1  200 OK\r\n\r\n",
		"HTTP/1.1 200OK\r\n\r\n",
		"http/1.1 200 OK\r\n\r\n",
		"SSH-2.0-OpenSSH_9.2\r\n",
		"HTTP/1.1 600 Nope\r\n\r\n",
		"HTTP/1.1 200 O\x01K\r\n\r\n",
		"HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
		"HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(feeds(bad[i], 0, 100), HTTPSGET_RP_ERROR);
		assert_int_equal(P.err, HTTPSGET_PROTOCOL);
		assert_int_equal(feeds(bad[i], 1, 100), HTTPSGET_RP_ERROR);
	}
	/* a NUL in a header line */
	assert_int_equal(feed("HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n", 27, 0, 100, NULL),
	    HTTPSGET_RP_ERROR);
	assert_string_equal(P.errtext, "NUL or bare CR in a line");
	assert_string_equal(feeds("HTTP/1.1 2000 OK\r\n", 0, 1) == HTTPSGET_RP_ERROR ? P.errtext : "",
	    "malformed status line");
	/* the bare minimum is fine */
	assert_int_equal(feeds("HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nx", 0, 100), HTTPSGET_RP_DONE);
}

static void
test_status_names(void **state)
{
	(void)state;
	assert_string_equal(httpsget_status_name(HTTPSGET_OK), "ok");
	assert_string_equal(httpsget_status_name(HTTPSGET_HTTP_STATUS), "http_status");
	assert_string_equal(httpsget_status_name(HTTPSGET_TOO_BIG), "too_big");
	assert_string_equal(httpsget_status_name(HTTPSGET_CERT), "cert");
	assert_string_equal(httpsget_status_name(HTTPSGET_TIMEOUT), "timeout");
	/* immediate failures of httpsget_start: bad arguments */
	assert_null(httpsget_start(NULL, NULL, NULL, 0, "h", "/", 10, 1000, NULL, NULL));
}

static int
teardown(void **state)
{
	(void)state;
	httpsget_resp_free(&P);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_close_delimited),
		cmocka_unit_test(test_not_200),
		cmocka_unit_test(test_header_limits),
		cmocka_unit_test(test_body_limit),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_status_names),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
