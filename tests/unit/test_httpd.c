/* Unit tests for agent/output/httpd with real sockets on loopback: a page
 * served, 404, 405 with Allow, HEAD; a body shared by the requests of one
 * snapshot and second; and the bound on bodies alive: clients that ask for a
 * large page and never read hold their bodies, and past HTTPD_BODIES_MAX
 * distinct bodies a request gets 503 with Retry-After. */
#include "buildconf.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/thread.h>

#include "config.h"
#include "httpd.h"
#include "registry.h"

#define BIG (8u << 20)   /* larger than loopback's socket buffers */

static unsigned renders;

static int
render_big(FILE *out, const struct reg_snapshot *s, time_t now, int repr, void *arg)
{
	(void)now, (void)repr, (void)arg;
	__atomic_add_fetch(&renders, 1, __ATOMIC_SEQ_CST);
	fprintf(out, "generation %llu\n", (unsigned long long)s->generation);
	for (size_t i = 0; i < BIG / 64; i++)
		fputs("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n", out);
	return 0;
}

static int
render_small(FILE *out, const struct reg_snapshot *s, time_t now, int repr, void *arg)
{
	(void)s, (void)now, (void)arg;
	fprintf(out, "small %d\n", repr);
	return 0;
}

static const struct httpd_page pages[] = {
	{ .path = "/big", .offers = { { "text/plain", NULL } },
	  .content_type = { "text/plain; charset=utf-8" }, .n_offers = 1, .render = render_big },
	{ .path = "/small", .offers = { { "text/plain", NULL } },
	  .content_type = { "text/plain; charset=utf-8" }, .n_offers = 1, .render = render_small },
};

static struct registry *reg;
static struct httpd *h;
static struct cfg_listen l;

static int
setup(void **state)
{
	char err[256];
	struct sockaddr_in *sa = (struct sockaddr_in *)&l.ss;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	socklen_t len = sizeof *sa;

	(void)state;
	evthread_use_pthreads();
	/* a port the kernel picks, then handed to httpd */
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)sa, len) != 0 ||
	    getsockname(fd, (struct sockaddr *)sa, &len) != 0)
		return -1;
	close(fd);
	l.len = len;
	snprintf(l.text, sizeof l.text, "127.0.0.1:%u", ntohs(sa->sin_port));
	reg = registry_new();
	h = httpd_new(reg, &l, 1, pages, 2, err, sizeof err);
	if (h == NULL || httpd_start(h, err, sizeof err) != 0) {
		fprintf(stderr, "httpd: %s\n", err);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	httpd_free(h);
	registry_free(reg);
	return 0;
}

/* A connection that sent req. */
static int
ask(const char *req)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&l.ss, l.len), 0);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	return fd;
}

/* The head of the response on fd (at most n - 1 bytes, up to the blank line). */
static void
head_of(int fd, char *buf, size_t n)
{
	size_t got = 0;

	while (got < n - 1) {
		ssize_t r = read(fd, buf + got, 1);
		if (r <= 0)
			break;
		got++;
		buf[got] = '\0';
		if (got >= 4 && memcmp(buf + got - 4, "\r\n\r\n", 4) == 0)
			break;
	}
	buf[got] = '\0';
}

/* The whole response to req, its head in head (n bytes); the body length. */
static size_t
exchange(const char *req, char *head, size_t n)
{
	int fd = ask(req);
	char b[4096];
	size_t body = 0;
	ssize_t r;

	head_of(fd, head, n);
	while ((r = read(fd, b, sizeof b)) > 0)
		body += (size_t)r;
	close(fd);
	return body;
}

static void
new_generation(void)
{
	struct reg_row *row = registry_add(reg);

	registry_touch(reg, row);
	registry_publish(reg);
}

static void
test_pages_and_errors(void **state)
{
	char head[2048];

	(void)state;
	assert_int_equal(exchange("GET /small HTTP/1.1\r\nHost: t\r\n\r\n", head, sizeof head), 8);
	assert_non_null(strstr(head, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(head, "Connection: close\r\n"));
	assert_non_null(strstr(head, "Cache-Control: no-store\r\n"));
	assert_non_null(strstr(head, "X-Content-Type-Options: nosniff\r\n"));
	assert_non_null(strstr(head, "Content-Type: text/plain; charset=utf-8\r\n"));
	exchange("GET /nothing HTTP/1.1\r\nHost: t\r\n\r\n", head, sizeof head);
	assert_non_null(strstr(head, "HTTP/1.1 404 "));
	exchange("PUT /small HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", head, sizeof head);
	assert_non_null(strstr(head, "HTTP/1.1 405 "));
	assert_non_null(strstr(head, "Allow: GET, HEAD\r\n"));
	assert_int_equal(exchange("HEAD /small HTTP/1.1\r\nHost: t\r\n\r\n", head, sizeof head), 0);
	assert_non_null(strstr(head, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(head, "Content-Length: 8\r\n"));   /* GET's length, no body */
	exchange("GET /small HTTP/1.1\r\nHost: t\r\nAccept: image/png\r\n\r\n", head, sizeof head);
	assert_non_null(strstr(head, "HTTP/1.1 406 "));
}

static void
test_bodies_bounded(void **state)
{
	int fd[HTTPD_BODIES_MAX];
	char head[2048];
	time_t t0;
	unsigned r0;

	(void)state;
	/* one snapshot, one second: the clients share one body (retry the
	 * rare case of a second turning over in the middle) */
	for (int tries = 0; tries < 3; tries++) {
		new_generation();
		t0 = time(NULL);
		r0 = __atomic_load_n(&renders, __ATOMIC_SEQ_CST);
		for (size_t i = 0; i < 4; i++)
			fd[i] = ask("GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
		for (size_t i = 0; i < 4; i++) {
			head_of(fd[i], head, sizeof head);
			if (strstr(head, "HTTP/1.1 200 OK\r\n") == NULL)
				print_error("response %zu: %s\n", i, head);
			assert_non_null(strstr(head, "HTTP/1.1 200 OK\r\n"));
			close(fd[i]);
		}
		if (time(NULL) == t0)
			break;
	}
	assert_int_equal(__atomic_load_n(&renders, __ATOMIC_SEQ_CST) - r0, 1);
	usleep(300 * 1000);   /* their bodies let go */

	/* a new snapshot each time: a body each, held by clients that do not
	 * read (the last one /big's cache's too); with /small's cached body
	 * (the first test) alive, the HTTPD_BODIES_MAX-th request finds
	 * HTTPD_BODIES_MAX bodies alive: 503 */
	for (size_t i = 0; i < HTTPD_BODIES_MAX; i++) {
		new_generation();
		fd[i] = ask("GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
		usleep(150 * 1000);   /* rendered and being sent before the next */
	}
	head_of(fd[HTTPD_BODIES_MAX - 1], head, sizeof head);
	assert_non_null(strstr(head, "HTTP/1.1 503 "));
	assert_non_null(strstr(head, "Retry-After: 1\r\n"));
	for (size_t i = 0; i < HTTPD_BODIES_MAX - 1; i++) {
		head_of(fd[i], head, sizeof head);
		if (strstr(head, "HTTP/1.1 200 OK\r\n") == NULL)
			print_error("response %zu: %s\n", i, head);
		assert_non_null(strstr(head, "HTTP/1.1 200 OK\r\n"));
	}
	for (size_t i = 0; i < HTTPD_BODIES_MAX; i++)
		close(fd[i]);
	usleep(500 * 1000);   /* the bodies go with their connections */
	new_generation();
	exchange("GET /big HTTP/1.1\r\nHost: t\r\n\r\n", head, sizeof head);
	assert_non_null(strstr(head, "HTTP/1.1 200 OK\r\n"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages_and_errors),
		cmocka_unit_test(test_bodies_bounded),
	};

	return cmocka_run_group_tests_name("httpd", tests, setup, teardown);
}
