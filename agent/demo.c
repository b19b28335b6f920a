/* agent/demo.c: see demo.h. */
#include "config.h"
#include "demo.h"
#include "check.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

/* ---- a self-signed certificate, made at start ---- */

static int
make_cert(EVP_PKEY **keyp, X509 **certp)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	if (key == NULL || x == NULL)
		goto err;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), (long)time(NULL));
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 90L * 86400);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)DEMO_SERVERNAME, -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, "DNS:" DEMO_SERVERNAME);
	if (ext == NULL)
		goto err;
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, "critical,CA:TRUE");
	if (ext == NULL)
		goto err;
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (X509_sign(x, key, EVP_sha256()) == 0)
		goto err;
	*keyp = key;
	*certp = x;
	return 0;
err:
	EVP_PKEY_free(key);
	X509_free(x);
	return -1;
}

/* ---- the server side of one connection ---- */

struct conn {
	int fd;
	SSL *ssl;
	char buf[1024];
	size_t len;
};

static void
say(struct conn *c, const char *text)
{
	size_t n = strlen(text), off = 0;

	while (off < n) {
		ssize_t w;
		if (c->ssl) {
			int r = SSL_write(c->ssl, text + off, (int)(n - off));
			w = r > 0 ? r : -1;
		} else {
			w = send(c->fd, text + off, n - off, MSG_NOSIGNAL);
		}
		if (w <= 0)
			return;
		off += (size_t)w;
	}
}

/* One command line into line[]; false on EOF, timeout or an over-long line. */
static bool
get_line(struct conn *c, char *line, size_t linesz)
{
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		ssize_t r;

		if (nl != NULL) {
			size_t n = (size_t)(nl - c->buf);
			size_t keep = n > 0 && c->buf[n - 1] == '\r' ? n - 1 : n;
			if (keep >= linesz)
				return false;
			memcpy(line, c->buf, keep);
			line[keep] = '\0';
			memmove(c->buf, nl + 1, c->len - n - 1);
			c->len -= n + 1;
			return true;
		}
		if (c->len == sizeof c->buf)
			return false;
		if (c->ssl) {
			int k = SSL_read(c->ssl, c->buf + c->len, (int)(sizeof c->buf - c->len));
			r = k > 0 ? k : -1;
		} else {
			r = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
		}
		if (r <= 0)
			return false;
		c->len += (size_t)r;
	}
}

static bool
verb(const char *line, const char *v)
{
	size_t n = strlen(v);
	return strncasecmp(line, v, n) == 0 && (line[n] == '\0' || line[n] == ' ');
}

static void
serve(int fd, enum demo_kind kind, SSL_CTX *ctx)
{
	struct conn c = { .fd = fd };
	char line[1024];

	say(&c, "220 " DEMO_SERVERNAME " ESMTP smtpmon demo server\r\n");
	while (get_line(&c, line, sizeof line)) {
		if (verb(line, "EHLO")) {
			if (kind == DEMO_SMTP_ONLY)
				say(&c, "502 5.5.2 Error: command not recognized\r\n");
			else if (c.ssl)
				say(&c, "250-" DEMO_SERVERNAME "\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
				    "250-AUTH PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n");
			else if (kind == DEMO_STARTTLS)
				say(&c, "250-" DEMO_SERVERNAME "\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
				    "250-AUTH PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n"
				    "250 STARTTLS\r\n");
			else
				say(&c, "250-" DEMO_SERVERNAME "\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
				    "250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n");
		} else if (verb(line, "HELO")) {
			say(&c, "250 " DEMO_SERVERNAME "\r\n");
		} else if (verb(line, "STARTTLS") && kind == DEMO_STARTTLS && c.ssl == NULL) {
			say(&c, "220 2.0.0 Ready to start TLS\r\n");
			c.len = 0;
			c.ssl = SSL_new(ctx);
			SSL_set_fd(c.ssl, fd);
			if (SSL_accept(c.ssl) != 1)
				break;
		} else if (verb(line, "NOOP") || verb(line, "RSET")) {
			say(&c, "250 2.0.0 Ok\r\n");
		} else if (verb(line, "QUIT")) {
			say(&c, "221 2.0.0 Bye\r\n");
			break;
		} else {
			say(&c, "502 5.5.2 Error: command not recognized\r\n");
		}
	}
	if (c.ssl) {
		SSL_shutdown(c.ssl);
		SSL_free(c.ssl);
	}
	close(fd);
}

static void
server_loop(int lfd, enum demo_kind kind, SSL_CTX *ctx)
{
	struct timeval tv = { .tv_sec = 10 };
	int one = 1;

	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		serve(fd, kind, ctx);
	}
}

int
demo_start(struct demo_server *d, enum demo_kind kind, const char *certpem)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	SSL_CTX *ctx = NULL;
	int lfd;

	d->kind = kind;
	d->pid = -1;
	if (kind == DEMO_STARTTLS) {
		EVP_PKEY *key;
		X509 *cert;
		FILE *f;

		if (make_cert(&key, &cert) != 0) {
			fprintf(stderr, "smtpmonctl: demo: cannot make a certificate\n");
			return -1;
		}
		ctx = SSL_CTX_new(TLS_server_method());
		if (ctx == NULL || SSL_CTX_use_certificate(ctx, cert) != 1 ||
		    SSL_CTX_use_PrivateKey(ctx, key) != 1) {
			fprintf(stderr, "smtpmonctl: demo: TLS setup failed\n");
			return -1;
		}
		SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
		if (certpem && (f = fopen(certpem, "w")) != NULL) {
			PEM_write_X509(f, cert);
			fclose(f);
		}
		X509_free(cert);
		EVP_PKEY_free(key);
	}
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof sin) != 0 || listen(lfd, 16) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) != 0) {
		fprintf(stderr, "smtpmonctl: demo: listen on 127.0.0.1: %s\n", strerror(errno));
		if (lfd >= 0)
			close(lfd);
		SSL_CTX_free(ctx);
		return -1;
	}
	d->port = ntohs(sin.sin_port);
	fflush(NULL);
	d->pid = fork();
	if (d->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		signal(SIGPIPE, SIG_IGN);
		server_loop(lfd, kind, ctx);
		_exit(0);
	}
	close(lfd);
	SSL_CTX_free(ctx);
	if (d->pid < 0) {
		fprintf(stderr, "smtpmonctl: demo: fork: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

void
demo_stop(struct demo_server *d)
{
	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		waitpid(d->pid, NULL, 0);
		d->pid = -1;
	}
}

static int
run_check(const char *title, char **argv)
{
	int argc = 0, rc;

	printf("\n# %s\n$ smtpmonctl", title);
	while (argv[argc]) {
		printf(" %s", argv[argc]);
		argc++;
	}
	printf("\n");
	fflush(stdout);
	rc = check_main(argc, argv);
	printf("(exit status %d)\n", rc);
	fflush(stdout);
	return rc;
}

int
demo_main(int argc, char **argv)
{
	struct demo_server srv[3];
	char dir[] = "/tmp/smtpmon-demo.XXXXXX", pem[64], t0[40], t1[40], t2[40];
	int rc = 0, i;

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL) {
		perror("smtpmonctl: demo: mkdtemp");
		return 1;
	}
	snprintf(pem, sizeof pem, "%s/demo-cert.pem", dir);
	if (demo_start(&srv[0], DEMO_STARTTLS, pem) != 0 || demo_start(&srv[1], DEMO_PLAIN, NULL) != 0 ||
	    demo_start(&srv[2], DEMO_SMTP_ONLY, NULL) != 0)
		return 1;
	snprintf(t0, sizeof t0, "127.0.0.1:%u", srv[0].port);
	snprintf(t1, sizeof t1, "127.0.0.1:%u", srv[1].port);
	snprintf(t2, sizeof t2, "127.0.0.1:%u", srv[2].port);
	printf("smtpmon demo: three built-in SMTP servers on loopback\n"
	       "  %s  ESMTP with STARTTLS (and AUTH PLAIN LOGIN offered before TLS)\n"
	       "  %s  ESMTP without STARTTLS (AUTH PLAIN LOGIN offered)\n"
	       "  %s  SMTP only (EHLO refused)\n", t0, t1, t2);
	{
		char *a[] = { "check", "--secure", "yes", "--cafile", pem, "--servername",
			DEMO_SERVERNAME, "-D", "30,7", t0, NULL };
		char *b[] = { "check", "--secure", "no", t0, NULL };
		char *c[] = { "check", "--secure", "no", t1, NULL };
		char *d[] = { "check", "--secure", "yes", t1, NULL };
		char *e[] = { "check", t2, NULL };
		char *f[] = { "check", "--json", "--secure", "yes", "--cafile", pem, "--servername",
			DEMO_SERVERNAME, t0, NULL };

		run_check("Secure Yes: STARTTLS, TLS, certificate checked", a);
		run_check("Secure No: AUTH before TLS is offered, yet no TLS is attempted (PH66548)", b);
		run_check("ESMTP server without STARTTLS, Secure No", c);
		if (run_check("Secure Yes against a server without STARTTLS: CRITICAL", d) != CHECK_CRITICAL)
			rc = 1;
		run_check("SMTP-only server: EHLO refused, HELO accepted", e);
		run_check("The same STARTTLS server as JSON", f);
	}
	for (i = 0; i < 3; i++)
		demo_stop(&srv[i]);
	unlink(pem);
	rmdir(dir);
	return rc;
}
