/* agent/cli/demo.c: see demo.h. */
#include "buildconf.h"
#include "demo.h"
#include "ctlclient.h"
#include "util.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <errno.h>
#include <fcntl.h>
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

#define DEMO_IDLE_S 120   /* a silent client is dropped after this */
#define DEMO_SNMPD "/usr/sbin/snmpd"
#ifndef DEMO_MIBDIR
#define DEMO_MIBDIR "/usr/share/snmp/mibs"
#endif

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
	struct timeval tv = { .tv_sec = DEMO_IDLE_S };
	int one = 1;

	signal(SIGCHLD, SIG_IGN);   /* children are reaped by the kernel */
	for (;;) {
		pid_t pid;
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			_exit(1);
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		/* one process per connection: a monitor connection stays open
		 * while reprobe connections come and go */
		pid = fork();
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			close(lfd);
			serve(fd, kind, ctx);
			_exit(0);
		}
		close(fd);
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

/* ---- the demo: a real smtpmond against the three servers ---- */

/* $SMTPMOND if set, else smtpmond next to this program (build tree:
 * agent/; installed: ../sbin/), else the PATH. */
static void
find_smtpmond(char *out, size_t outsz)
{
	const char *env = getenv("SMTPMOND");
	char self[2048], *slash;
	ssize_t n;

	if (env != NULL && env[0] != '\0') {
		snprintf(out, outsz, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash != NULL) {
			*slash = '\0';
			snprintf(out, outsz, "%s/smtpmond", self);
			if (access(out, X_OK) == 0)
				return;
			snprintf(out, outsz, "%s/../sbin/smtpmond", self);
			if (access(out, X_OK) == 0)
				return;
		}
	}
	snprintf(out, outsz, "smtpmond");
}

/* Can this process capture on lo (root, CAP_NET_RAW)? Then the demo also
 * runs the passive probe there: it sees smtpmond's own sessions. A live
 * capture on Linux is a packet socket, so this asks for one (smtpmonctl does
 * not link libpcap: agent/cli/pcapmain.c). */
static bool
can_capture_lo(void)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static int
write_config(const char *path, const char *dir, const struct demo_server *srv,
    const char *agentx, bool passive)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fprintf(f,
	    "# smtpmon demo configuration (written by smtpmonctl demo)\n"
	    "ExtWrtName   DEMO\n"
	    "Timeout {\n    InitialMsg 10\n    AnyCmd 10\n    ConnectRetry 2\n    Connect 5\n}\n"
	    "Monitor {\n    NoopInterval 5\n    ReprobeInterval 60\n}\n"
	    "TargetServer {                 # ESMTP with STARTTLS\n"
	    "    TargetIP      127.0.0.1\n    ConnectPort   %u\n    Secure        Yes\n"
	    "    TlsServerName " DEMO_SERVERNAME "\n}\n"
	    "TargetServer {                 # ESMTP, AUTH offered before TLS, no STARTTLS\n"
	    "    TargetIP      127.0.0.1\n    ConnectPort   %u\n    Secure        No\n}\n"
	    "TargetServer {                 # SMTP only: EHLO refused\n"
	    "    TargetIP      127.0.0.1\n    ConnectPort   %u\n}\n"
	    "CAFile        %s/demo-cert.pem\n"
	    "AppldataLog   %s/appldata.log\n"
	    "StateDir      %s/state\n"
	    "ControlSocket %s/control.sock\n"
	    "PidFile       %s/smtpmond.pid\n"
	    "AgentXSocket  %s\n",
	    srv[0].port, srv[1].port, srv[2].port, dir, dir, dir, dir, dir,
	    agentx ? agentx : "off");
	if (passive)
		fprintf(f, "Passive {                      # libpcap on lo: smtpmond's own sessions\n"
		    "    Interface     lo\n    Ports         %u %u %u\n}\n",
		    srv[0].port, srv[1].port, srv[2].port);
	return fclose(f);
}

/* The body of a control request as a string (caller frees); NULL if the
 * daemon did not answer. */
static char *
ask(const char *sock, const char *req)
{
	char *body = NULL, err[512];
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);

	if (f == NULL)
		return NULL;
	if (ctl_request(sock, req, f, err, sizeof err) != CTL_OK) {
		fclose(f);
		free(body);
		return NULL;
	}
	fclose(f);
	return body;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static void
cat_file(const char *path, const char *indent)
{
	char line[1024];
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL)
		printf("%s%s", indent, line);
	fclose(f);
}

static void
show(const char *sock, const char *req, const char *title)
{
	char *body = ask(sock, req);

	printf("\n# %s\n$ smtpmonctl -s %s %s\n%s", title, sock, req, body ? body : "(no answer)\n");
	free(body);
}

/* ---- a private snmpd (AgentX master) so the demo can show the SNMP table ---- */

struct demo_snmpd {
	pid_t pid;
	unsigned port;
	char agentx[96];
};

static unsigned
free_udp_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	unsigned port = 0;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* Start snmpd on 127.0.0.1 (UDP) with its AgentX socket in dir; 0, or -1
 * when snmpd is not installed or did not come up (the demo goes on without
 * SNMP). */
static int
snmpd_start(struct demo_snmpd *sd, const char *dir)
{
	char conf[128], log[128], pidf[128], persist[128];
	FILE *f;

	sd->pid = -1;
	if (access(DEMO_SNMPD, X_OK) != 0 || (sd->port = free_udp_port()) == 0)
		return -1;
	snprintf(sd->agentx, sizeof sd->agentx, "%s/agentx.sock", dir);
	snprintf(conf, sizeof conf, "%s/snmpd.conf", dir);
	snprintf(log, sizeof log, "%s/snmpd.log", dir);
	snprintf(pidf, sizeof pidf, "%s/snmpd.pid", dir);
	snprintf(persist, sizeof persist, "%s/snmp", dir);
	f = fopen(conf, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "master agentx\nagentXSocket %s\nagentXPerms 0660 0700\n"
	    "agentaddress udp:127.0.0.1:%u\nrocommunity public 127.0.0.1\n", sd->agentx, sd->port);
	fclose(f);
	fflush(NULL);
	sd->pid = fork();
	if (sd->pid == 0) {
		int null = open("/dev/null", O_RDWR);

		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		setenv("SNMP_PERSISTENT_DIR", persist, 1);
		setenv("MIBS", "", 1);
		execl(DEMO_SNMPD, "snmpd", "-f", "-Lf", log, "-C", "-c", conf, "-p", pidf,
		    (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 50 && sd->pid > 0; i++) {
		if (access(sd->agentx, F_OK) == 0)
			return 0;
		usleep(100000);
	}
	return -1;
}

static void
snmpd_stop(struct demo_snmpd *sd, const char *dir)
{
	const char *files[] = { "snmpd.conf", "snmpd.log", "snmpd.pid", "agentx.sock" };
	char path[160];

	if (sd->pid > 0) {
		kill(sd->pid, SIGTERM);
		waitpid(sd->pid, NULL, 0);
		sd->pid = -1;
	}
	for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[k]);
		unlink(path);
	}
	snprintf(path, sizeof path, "rm -rf '%s/snmp'", dir);
	if (system(path) != 0)
		fprintf(stderr, "smtpmonctl: demo: could not remove %s/snmp\n", dir);
}

/* The MIB directories snmptable needs: SMTPMON-MIB (installed, or in the
 * source tree next to a build tree) and the IETF base modules that .ci/deps
 * caches from npm. "" when SMTPMON-MIB is not found. */
static void
mib_path(char *out, size_t outsz)
{
	char self[2048], cand[2200], base[1200];
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CACHE_HOME");
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	char *slash;

	out[0] = '\0';
	if (xdg != NULL && xdg[0] != '\0')
		snprintf(base, sizeof base, "%s/smtpmon/net-snmp-3.29.2/mibs", xdg);
	else
		snprintf(base, sizeof base, "%s/.cache/smtpmon/net-snmp-3.29.2/mibs",
		    home ? home : "/root");
	if (n <= 0)
		return;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) != NULL)
		*slash = '\0';
	snprintf(cand, sizeof cand, "%s/../../mib", self);         /* srcdir/_build/agent */
	if (access(cand, R_OK) != 0)
		snprintf(cand, sizeof cand, "%s", DEMO_MIBDIR);       /* installed */
	{
		char mib[2300];

		snprintf(mib, sizeof mib, "%s/SMTPMON-MIB.txt", cand);
		if (access(mib, R_OK) != 0)
			return;
	}
	snprintf(out, outsz, "%s:%s", cand, base);
}

/* One SMTPMON-MIB table through the demo snmpd: snmptable with the MIB,
 * or by number when the MIB modules are not found. */
static void
show_table(const char *host, const char *title, const char *oid_title, const char *table,
    const char *oid)
{
	char cmd[5200], mibs[4400];

	mib_path(mibs, sizeof mibs);
	if (mibs[0] != '\0') {
		printf("\n# %s\n"
		    "$ snmptable -v2c -c public -M %s -m SMTPMON-MIB -Cb -Cw 160 %s %s\n",
		    title, mibs, host, table);
		fflush(stdout);
		snprintf(cmd, sizeof cmd, "snmptable -v2c -c public -M '%s' -m SMTPMON-MIB -Cb "
		    "-Cw 160 %s SMTPMON-MIB::%s 2>&1", mibs, host, table);
		if (system(cmd) == 0)
			return;
	}
	printf("\n# %s\n$ snmpbulkwalk -v2c -c public -On %s %s\n", oid_title, host, oid);
	fflush(stdout);
	snprintf(cmd, sizeof cmd, "MIBS= snmpbulkwalk -v2c -c public -On %s %s 2>&1", host, oid);
	if (system(cmd) != 0)
		printf("(snmpbulkwalk failed)\n");
}

/* smtpmonTargetTable, once the subagent has registered (at most 10 s). */
static void
show_snmp_table(const struct demo_snmpd *sd)
{
	char cmd[512], host[64];
	uint64_t deadline = now_us() + 10u * 1000000u;

	snprintf(host, sizeof host, "udp:127.0.0.1:%u", sd->port);
	/* registered when the table's first column answers */
	for (;;) {
		snprintf(cmd, sizeof cmd, "MIBS= snmpbulkget -v2c -c public -On -Cr1 %s "
		    "1.3.6.1.3.5321.1.2.1.2 2>/dev/null | grep -q '^.1.3.6.1.3.5321.1.2.1.2.'", host);
		if (system(cmd) == 0 || now_us() > deadline)
			break;
		usleep(200000);
	}
	show_table(host, "the SNMP table, through snmpd (AgentX master) from smtpmond's subagent",
	    "the SNMP target table by OID (SMTPMON-MIB or its base modules not found)",
	    "smtpmonTargetTable", "1.3.6.1.3.5321.1.2");
}

/* smtpmonPassiveServerTable (after show_snmp_table(): registered). */
static void
show_snmp_passive(const struct demo_snmpd *sd)
{
	char host[64];

	snprintf(host, sizeof host, "udp:127.0.0.1:%u", sd->port);
	show_table(host, "the passive probe's SNMP table", "the passive probe's SNMP table by OID",
	    "smtpmonPassiveServerTable", "1.3.6.1.3.5321.1.5.2");
}

int
demo_main(int argc, char **argv)
{
	struct demo_server srv[3];
	struct demo_snmpd sd = { .pid = -1 };
	bool snmp, passive;
	char dir[] = "/tmp/smtpmon-demo.XXXXXX", pem[64], conf[64], sock[64], dlog[64],
	    alog[64], prog[4096];   /* prog holds a path of self[] plus a suffix */
	int rc = 1, i, status;
	pid_t pid;
	uint64_t deadline;

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL) {
		perror("smtpmonctl: demo: mkdtemp");
		return 1;
	}
	snprintf(pem, sizeof pem, "%s/demo-cert.pem", dir);
	snprintf(conf, sizeof conf, "%s/smtpmon.conf", dir);
	snprintf(sock, sizeof sock, "%s/control.sock", dir);
	snprintf(dlog, sizeof dlog, "%s/smtpmond.log", dir);
	snprintf(alog, sizeof alog, "%s/appldata.log", dir);
	for (i = 0; i < 3; i++)
		srv[i].pid = -1;
	if (demo_start(&srv[0], DEMO_STARTTLS, pem) != 0 || demo_start(&srv[1], DEMO_PLAIN, NULL) != 0 ||
	    demo_start(&srv[2], DEMO_SMTP_ONLY, NULL) != 0)
		goto out;
	printf("smtpmon demo: smtpmond watching three built-in SMTP servers on loopback\n"
	       "  127.0.0.1:%u  ESMTP with STARTTLS (AUTH PLAIN LOGIN offered before TLS), Secure Yes\n"
	       "  127.0.0.1:%u  ESMTP without STARTTLS (AUTH PLAIN LOGIN offered), Secure No\n"
	       "  127.0.0.1:%u  SMTP only (EHLO refused), Secure No\n",
	       srv[0].port, srv[1].port, srv[2].port);
	snmp = snmpd_start(&sd, dir) == 0;
	if (snmp)
		printf("  snmpd on udp:127.0.0.1:%u as AgentX master (%s), for the SNMP table\n",
		    sd.port, sd.agentx);
	else
		printf("  (snmpd not available: the demo runs without SNMP)\n");
	passive = can_capture_lo();
	if (passive)
		printf("  the passive probe on lo, classifying smtpmond's own sessions from the wire\n");
	else
		printf("  (no capture on lo without root: the demo runs without the passive probe)\n");
	if (write_config(conf, dir, srv, snmp ? sd.agentx : NULL, passive) != 0) {
		perror("smtpmonctl: demo: writing the configuration");
		goto out;
	}
	printf("\n# the embedded configuration (%s)\n", conf);
	cat_file(conf, "    ");
	find_smtpmond(prog, sizeof prog);
	printf("\n$ %s -F -f %s\n", prog, conf);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int fd = open(dlog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (fd >= 0)
			dup2(fd, 2);
		execlp(prog, "smtpmond", "-F", "-f", conf, (char *)NULL);
		fprintf(stderr, "smtpmonctl: demo: cannot run %s: %s\n", prog, strerror(errno));
		_exit(127);
	}
	if (pid < 0) {
		perror("smtpmonctl: demo: fork");
		goto out;
	}
	/* wait until all three are classified (at most 20 s) */
	deadline = now_us() + 20u * 1000000u;
	for (;;) {
		char *body = ask(sock, "status json");
		size_t n = body ? count(body, "\"classified\":true") : 0;

		free(body);
		if (n >= 3)
			break;
		if (now_us() > deadline || waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr, "smtpmonctl: demo: smtpmond did not classify the targets; its log:\n");
			cat_file(dlog, "    ");
			goto stop;
		}
		usleep(100000);
	}
	rc = 0;
	show(sock, "status", "one row per target: state, S/E, B/T, TLS level, cipher, appldata");
	show(sock, "appldata", "the 40-byte EZASMTPM record of each open connection (like Netstat APPLDATA)");
	if (passive) {
		/* the TLS session is classified at its handshake, the plaintext
		 * ones at their first NOOP (NoopInterval 5 s) */
		deadline = now_us() + 15u * 1000000u;
		for (;;) {
			char *body = ask(sock, "passive json");
			size_t n = body ? count(body, "\"state\":\"observed\"") : 0;

			free(body);
			if (n >= 3 || now_us() > deadline)
				break;
			usleep(200000);
		}
		show(sock, "passive", "the same three servers as the passive probe saw them on lo");
	}
	if (snmp)
		show_snmp_table(&sd);
	if (snmp && passive)
		show_snmp_passive(&sd);
	printf("\n# the appldata log (%s)\n", alog);
	cat_file(alog, "");
	{
		char *body = ask(sock, "status json");

		/* the PH66548 rule and the three kinds, checked */
		if (body == NULL || count(body, "\"security_method\":\"TLS\"") != 1 ||
		    count(body, "\"state\":\"up\",\"server_type\":\"SMTP\"") != 1 ||
		    count(body, "\"state\":\"up\",\"server_type\":\"ESMTP\"") != 2) {
			fprintf(stderr, "smtpmonctl: demo: unexpected classification\n");
			rc = 1;
		}
		free(body);
	}
stop:
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	printf("\n# smtpmond's log (stopped with SIGTERM: QUIT on every connection, exit %d)\n",
	    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	cat_file(dlog, "    ");
out:
	snmpd_stop(&sd, dir);
	for (i = 0; i < 3; i++)
		demo_stop(&srv[i]);
	{
		const char *files[] = { "demo-cert.pem", "smtpmon.conf", "smtpmond.log", "appldata.log",
			"smtpmond.pid", "control.sock" };
		char path[128];

		for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
			snprintf(path, sizeof path, "%s/%s", dir, files[k]);
			unlink(path);
		}
		snprintf(path, sizeof path, "%s/state", dir);
		rmdir(path);
	}
	rmdir(dir);
	return rc;
}
