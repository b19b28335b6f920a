/* tests/tools/danecheck.c: probes/dane against a live TLS server, for the
 * integration tests (tests/integration/dane-oracle.sh).
 *
 *   danecheck [-t EPOCH] HOST PORT NAME "U S M HEX"...
 *       connects to HOST:PORT (an IPv4 or IPv6 literal), does a TLS handshake
 *       with probes/tls (SNI NAME), takes the presented chain with
 *       tls_peer_chain() and matches the records against it with
 *       dane_match(), NAME the reference name, at time EPOCH (default:
 *       now; as openssl's -attime). Prints
 *       "dane=matched|mismatch|no-usable index=N chain=N". Exit 0 matched,
 *       2 mismatch, 3 no usable record, 1 on a usage, parse or connection
 *       error (the reason on stderr).
 */
#include "buildconf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dane.h"
#include "tls.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* "U S M HEX" (whitespace allowed inside HEX) into a record. */
static int
parse_presentation(const char *s, struct dane_tlsa *t)
{
	static uint8_t wire[3 + DANE_MAX_DATA + 1];
	unsigned u, sel, m;
	size_t n = 3;
	int off, hi, lo;

	if (sscanf(s, "%u %u %u %n", &u, &sel, &m, &off) != 3 || u > 255 || sel > 255 || m > 255)
		return -1;
	wire[0] = (uint8_t)u;
	wire[1] = (uint8_t)sel;
	wire[2] = (uint8_t)m;
	for (s += off; *s != '\0'; ) {
		if (isspace((unsigned char)*s)) {
			s++;
			continue;
		}
		hi = hexval((unsigned char)s[0]);
		lo = s[1] != '\0' ? hexval((unsigned char)s[1]) : -1;
		if (hi < 0 || lo < 0 || n >= sizeof wire)
			return -1;
		wire[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return dane_tlsa_parse(wire, n, t) ? 0 : -1;
}

static int
connect_to(const char *host, const char *port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	int fd, p = atoi(port);

	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)p);
		sl = sizeof *sin;
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)p);
		sl = sizeof *sin6;
	} else
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, sl) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
main(int argc, char **argv)
{
	static struct dane_tlsa recs[DANE_MAX_RECORDS];
	uint8_t *der[DANE_MAX_CHAIN + 1];
	size_t len[DANE_MAX_CHAIN + 1], nrecs = 0, nchain;
	const char *names[1];
	struct tls_ctx *ctx;
	struct tls_conn *c;
	enum dane_match res;
	char err[160];
	time_t at = time(NULL);
	int i, fd, idx, rc;

	if (argc > 2 && strcmp(argv[1], "-t") == 0) {
		at = (time_t)strtoll(argv[2], NULL, 10);
		argv += 2;
		argc -= 2;
	}
	if (argc < 5 || argc - 4 > DANE_MAX_RECORDS) {
		fprintf(stderr, "usage: danecheck [-t EPOCH] HOST PORT NAME \"U S M HEX\"...\n");
		return 1;
	}
	for (i = 4; i < argc; i++) {
		if (parse_presentation(argv[i], &recs[nrecs]) != 0) {
			fprintf(stderr, "danecheck: bad TLSA record: %s\n", argv[i]);
			return 1;
		}
		nrecs++;
	}
	ctx = tls_ctx_new(NULL, err, sizeof err);
	if (ctx == NULL) {
		fprintf(stderr, "danecheck: %s\n", err);
		return 1;
	}
	fd = connect_to(argv[1], argv[2]);
	if (fd < 0) {
		fprintf(stderr, "danecheck: cannot connect to %s port %s\n", argv[1], argv[2]);
		tls_ctx_free(ctx);
		return 1;
	}
	/* a blocking socket: the handshake completes in one call */
	c = tls_conn_new(ctx, fd, argv[3]);
	if (tls_handshake(c) != TLS_OK) {
		fprintf(stderr, "danecheck: handshake: %s\n", tls_error(c));
		tls_conn_free(c);
		tls_ctx_free(ctx);
		close(fd);
		return 1;
	}
	nchain = tls_peer_chain(c, der, len, DANE_MAX_CHAIN + 1);
	names[0] = argv[3];
	res = dane_match(recs, nrecs, (const uint8_t *const *)der, len, nchain, names, 1, at, &idx);
	printf("dane=%s index=%d chain=%zu\n", dane_match_name(res), idx, nchain);
	tls_chain_free(der, nchain);
	tls_close_notify(c);
	tls_conn_free(c);
	tls_ctx_free(ctx);
	close(fd);
	rc = res == DANE_MATCHED ? 0 : res == DANE_MISMATCH ? 2 : 3;
	return rc;
}
