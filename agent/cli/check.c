/* agent/cli/check.c: see check.h. */
#include "buildconf.h"
#include "check.h"
#include "checkpol.h"
#include "appltype.h"
#include "safetext.h"
#include "log.h"
#include "report.h"
#include "smtp_session.h"
#include "tlsinit.h"
#include "vdns.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/event.h>

struct check_opts {
	const char *host;
	const char *port;
	bool secure;
	const char *servername;
	const char *cafile;
	const char *helo;
	const char *writer_in;
	char writer[9];
	const char *auth_user;
	char *auth_pass;
	double timeout_s;
	long warn_ms, crit_ms;     /* total time thresholds; -1 none */
	long warn_days, crit_days; /* certificate expiry; -1 none */
	bool json;
	bool verbose;
	bool secure_set;           /* --secure given */
	bool dane;
	const char *sts_domain;
	const char *nameserver;
	const char *trust_anchor;
	bool dane_valid;           /* DANE authenticated the server: WebPKI does not count */
	char target_buf[300];
};

void
check_usage(FILE *f)
{
	fputs("usage: smtpmonctl check [--secure yes|no] [--servername NAME] [--cafile FILE]\n"
	      "                        [--timeout S] [-w MS -c MS] [-D WARN,CRIT] [--json]\n"
	      "                        [--helo NAME] [--writer NAME]\n"
	      "                        [--auth-user USER --auth-password-file FILE] [-v]\n"
	      "                        [--dane] [--mta-sts DOMAIN] [--name-server ADDR[:PORT]]\n"
	      "                        [--trust-anchor FILE] HOST[:PORT]\n"
	      "\n"
	      "Probe one SMTP server once: banner, EHLO (HELO if refused), STARTTLS only\n"
	      "with --secure yes or an AUTH user, EHLO again, NOOP, QUIT.\n"
	      "  --secure yes|no   yes: STARTTLS is required (absent = CRITICAL); no (default): never TLS\n"
	      "  --servername NAME SNI and certificate name (default: HOST when it is a name)\n"
	      "  --cafile FILE     trust these CAs instead of the system store\n"
	      "  --timeout S       limit for every wait and for the whole check (default 10)\n"
	      "  -w MS, -c MS      WARNING / CRITICAL when the check takes longer\n"
	      "  -D WARN,CRIT      WARNING / CRITICAL when the certificate expires within days\n"
	      "  --json            print the connection as a JSON object instead\n"
	      "  --helo NAME       EHLO/HELO argument (default: this host's name)\n"
	      "  --writer NAME     writer name in the appldata record (default SMTPMON)\n"
	      "  --auth-user USER, --auth-password-file FILE\n"
	      "                    authenticate over TLS (implies STARTTLS; never in clear)\n"
	      "  --dane            check the server against its DNSSEC-validated TLSA records\n"
	      "                    (_PORT._tcp.HOST, RFC 7672; implies STARTTLS)\n"
	      "  --mta-sts DOMAIN  check HOST as an MX of DOMAIN against DOMAIN's MTA-STS\n"
	      "                    policy (RFC 8461; implies STARTTLS)\n"
	      "  --name-server ADDR[:PORT]\n"
	      "                    send every DNS query to this server only (no hosts file);\n"
	      "                    answers are validated here, from the trust anchor\n"
	      "  --trust-anchor FILE  DS/DNSKEY lines (default " VDNS_ROOT_ANCHOR ")\n"
	      "Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n", f);
}

static int unknown(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
unknown(const char *fmt, ...)
{
	va_list ap;

	printf("SMTP UNKNOWN - ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return CHECK_UNKNOWN;
}

static bool
parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* HOST, HOST:PORT, [V6], [V6]:PORT, or a bare IPv6 address. */
static bool
split_target(char *arg, const char **host, const char **port)
{
	char *c;

	*port = "25";
	if (arg[0] == '[') {
		char *e = strchr(arg, ']');
		if (e == NULL)
			return false;
		*e = '\0';
		*host = arg + 1;
		if (e[1] == ':')
			*port = e + 2;
		else if (e[1] != '\0')
			return false;
	} else if ((c = strchr(arg, ':')) != NULL && strchr(c + 1, ':') == NULL) {
		*c = '\0';
		*host = arg;
		*port = c + 1;
	} else {
		*host = arg;
	}
	return **host != '\0' && **port != '\0';
}

static char *
read_secret(const char *path, char *err, size_t errlen)
{
	char buf[512];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	{
		char *s = xstrdup(buf);
		explicit_bzero(buf, sizeof buf);
		return s;
	}
}

static int
parse_opts(int argc, char **argv, struct check_opts *o)
{
	static const struct option longopts[] = {
		{ "secure", required_argument, NULL, 's' },
		{ "servername", required_argument, NULL, 'N' },
		{ "cafile", required_argument, NULL, 'C' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "helo", required_argument, NULL, 'H' },
		{ "writer", required_argument, NULL, 'W' },
		{ "auth-user", required_argument, NULL, 'u' },
		{ "auth-password-file", required_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "dane", no_argument, NULL, 'd' },
		{ "mta-sts", required_argument, NULL, 'm' },
		{ "name-server", required_argument, NULL, 'n' },
		{ "trust-anchor", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pwfile = NULL;
	char *end, err[256];
	int ch;

	o->timeout_s = 10;
	o->warn_ms = o->crit_ms = o->warn_days = o->crit_days = -1;
	o->writer_in = "SMTPMON";
	optind = 1;
	while ((ch = getopt_long(argc, argv, "w:c:D:vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (strcasecmp(optarg, "yes") == 0)
				o->secure = true;
			else if (strcasecmp(optarg, "no") == 0)
				o->secure = false;
			else
				return unknown("--secure: expected yes or no, got '%s'", optarg);
			o->secure_set = true;
			break;
		case 'd': o->dane = true; break;
		case 'm': o->sts_domain = optarg; break;
		case 'n': o->nameserver = optarg; break;
		case 'a': o->trust_anchor = optarg; break;
		case 'N': o->servername = optarg; break;
		case 'C': o->cafile = optarg; break;
		case 't':
			errno = 0;
			o->timeout_s = strtod(optarg, &end);
			if (errno || end == optarg || *end || o->timeout_s <= 0 || o->timeout_s > 3600)
				return unknown("--timeout: expected seconds between 0 and 3600, got '%s'",
				    optarg);
			break;
		case 'j': o->json = true; break;
		case 'H': o->helo = optarg; break;
		case 'W': o->writer_in = optarg; break;
		case 'u': o->auth_user = optarg; break;
		case 'P': pwfile = optarg; break;
		case 'v': o->verbose = true; break;
		case 'w':
			if (!parse_long(optarg, 0, LONG_MAX / 1000, &o->warn_ms))
				return unknown("-w: expected milliseconds, got '%s'", optarg);
			break;
		case 'c':
			if (!parse_long(optarg, 0, LONG_MAX / 1000, &o->crit_ms))
				return unknown("-c: expected milliseconds, got '%s'", optarg);
			break;
		case 'D': {
			char days[32];
			char *comma;
			snprintf(days, sizeof days, "%s", optarg);
			comma = strchr(days, ',');
			if (comma)
				*comma = '\0';
			if (!parse_long(days, 0, 100000, &o->warn_days) ||
			    (comma && !parse_long(comma + 1, 0, 100000, &o->crit_days)))
				return unknown("-D: expected WARN[,CRIT] days, got '%s'", optarg);
			break;
		}
		case 'h':
			check_usage(stdout);
			exit(0);
		default:
			check_usage(stderr);
			return CHECK_UNKNOWN;
		}
	}
	if (optind != argc - 1) {
		check_usage(stderr);
		return CHECK_UNKNOWN;
	}
	snprintf(o->target_buf, sizeof o->target_buf, "%s", argv[optind]);
	if (!split_target(o->target_buf, &o->host, &o->port))
		return unknown("bad target '%s': expected HOST[:PORT]", argv[optind]);
	if (!appldata_writer_norm(o->writer_in, o->writer))
		return unknown("--writer '%s': 1-8 characters of A-Z 0-9 $ # @", o->writer_in);
	if ((o->dane || o->sts_domain) && !o->secure) {
		if (o->secure_set)
			return unknown("%s", "--dane and --mta-sts need STARTTLS: not with --secure no");
		o->secure = true;
	}
	if (o->sts_domain && (o->sts_domain[0] == '\0' || strlen(o->sts_domain) > 240))
		return unknown("--mta-sts '%s': expected a domain name", o->sts_domain);
	if ((pwfile != NULL) != (o->auth_user != NULL))
		return unknown("%s", "--auth-user and --auth-password-file go together");
	if (pwfile) {
		o->auth_pass = read_secret(pwfile, err, sizeof err);
		if (o->auth_pass == NULL)
			return unknown("--auth-password-file %s", err);
	}
	return -1;
}

struct run {
	struct event_base *base;
	bool closed;
};

static void
on_session(struct smtp_session *s, enum smtp_event ev, void *arg)
{
	struct run *r = arg;

	(void)s;
	if (ev == SMTP_EV_CLOSED) {
		r->closed = true;
		event_base_loopbreak(r->base);
	}
}

static long
days_left(time_t not_after)
{
	time_t now = time(NULL);
	double d = difftime(not_after, now) / 86400.0;
	return (long)(d < 0 ? d - 1 : d);
}

static int
worse(int a, int b)
{
	return a > b ? a : b;
}

/* First line of a reply, for the status line. */
static void
first_line(const char *text, char *out, size_t outsz)
{
	size_t n = text ? strcspn(text, "\n") : 0;

	if (n >= outsz)
		n = outsz - 1;
	if (text)
		memcpy(out, text, n);
	out[n] = '\0';
}

static int
plugin_status(const struct check_opts *o, const struct verdict *v,
    const struct verdict_text *txt, double total_ms,
    char *summary, size_t sumsz)
{
	int st = CHECK_OK;
	size_t n = 0;
	char line[256];

	summary[0] = '\0';
	if (v->fail != SMTP_F_NONE) {
		first_line(txt->reply[0] ? txt->reply : NULL, line, sizeof line);
		if (snprintf(summary, sumsz, "%s%s%s", txt->reason[0] ? txt->reason : v->fail_name,
		    line[0] ? ": " : "", line) >= (int)sumsz)
			log_debug("summary cut to %zu bytes", sumsz - 1);
		return CHECK_CRITICAL;
	}
#define ADD(...) n += (size_t)snprintf(summary + (n < sumsz ? n : sumsz), n < sumsz ? sumsz - n : 0, __VA_ARGS__)
	ADD("%s", v->type_name ? v->type_name : "unknown server type");
	if (v->tls_done) {
		const struct tls_info *t = &v->tls;
		ADD(", STARTTLS %s %s (%s)", v->tls_name, t->cipher,
		    v->cipher_hex[0] ? v->cipher_hex : "unknown");
		if (v->cert_seen) {
			long d = days_left(t->not_after);
			if (d < 0)
				ADD(", certificate expired %ld days ago", -d);
			else
				ADD(", certificate expires in %ld days", d);
			if (o->crit_days >= 0 && d < o->crit_days)
				st = worse(st, CHECK_CRITICAL);
			else if (o->warn_days >= 0 && d < o->warn_days)
				st = worse(st, CHECK_WARNING);
			if (!v->cert_verified && !o->dane_valid) {
				ADD(", certificate not trusted (%s)", t->verify_text);
				st = worse(st, CHECK_WARNING);
			}
			if (t->host_match == 0 && !o->dane_valid) {
				ADD(", certificate does not match %s", o->servername ? o->servername : o->host);
				st = worse(st, CHECK_WARNING);
			}
		} else {
			ADD(", no server certificate");
			st = worse(st, CHECK_WARNING);
		}
		if (v->auth_done)
			ADD(", AUTH ok");
	} else if (v->starttls_offered) {
		ADD(", STARTTLS offered, not used (Secure No)");
	} else if (v->server_type == APPL_TYPE_ESMTP) {
		ADD(", no STARTTLS");
	}
	if (o->crit_ms >= 0 && total_ms > (double)o->crit_ms) {
		ADD(", took %.0f ms", total_ms);
		st = worse(st, CHECK_CRITICAL);
	} else if (o->warn_ms >= 0 && total_ms > (double)o->warn_ms) {
		ADD(", took %.0f ms", total_ms);
		st = worse(st, CHECK_WARNING);
	}
#undef ADD
	return st;
}

static void
perf(const char *label, uint64_t us)
{
	printf(" %s=%.6fs;;;0", label, (double)us / 1e6);
}

/* Server text on a plugin's output: printable, one line, and no '|' (after
 * it a monitoring system reads performance data, on any line). s is
 * formatted into one of two rotating buffers, so two may stand in one
 * printf. */
static const char *
plain(const char *s)
{
	static char buf[2][1024];
	static int k;

	k ^= 1;
	safe_str(s, buf[k], sizeof buf[k], SAFE_PLUGIN);
	return buf[k];
}

static void
print_text(const struct check_opts *o, const struct verdict *v, const struct verdict_text *txt,
    int st, const char *summary)
{
	static const char *const names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };
	char buf[512], w[32] = "", c[32] = "";

	printf("SMTP %s - %s |", names[st], plain(summary));
	perf("connect", v->t.connect);
	perf("banner", v->t.banner);
	perf("ehlo", v->t.ehlo);
	if (v->t.starttls)
		perf("starttls", v->t.starttls);
	if (v->t.handshake)
		perf("handshake", v->t.handshake);
	if (v->t.auth)
		perf("auth", v->t.auth);
	if (v->t.noop)
		perf("noop", v->t.noop);
	if (o->warn_ms >= 0)
		snprintf(w, sizeof w, "%.3f", (double)o->warn_ms / 1000);
	if (o->crit_ms >= 0)
		snprintf(c, sizeof c, "%.3f", (double)o->crit_ms / 1000);
	printf(" time=%.6fs;%s;%s;0\n", (double)v->t.total / 1e6, w, c);

	printf("appldata: \"%s\"\n", v->appldata);
	if (v->banner[0])
		printf("banner: %s\n", plain(v->banner));
	if (v->ehlo_seen) {
		smtp_caps_names(&v->caps_pre, buf, sizeof buf);
		printf("capabilities: %s\n", plain(buf));
		smtp_caps_auth_names(&v->caps_pre, buf, sizeof buf);
		printf("auth before TLS: %s\n", buf[0] ? buf : "none");
	}
	if (v->tls_done) {
		const struct tls_info *t = &v->tls;
		printf("tls: %s %s (%s, OpenSSL %s) group %s\n", v->tls_name, t->cipher,
		    v->cipher_hex[0] ? v->cipher_hex : "unknown", t->cipher_openssl,
		    t->group[0] ? t->group : "-");
		if (v->cert_seen) {
			report_iso8601(t->not_after, buf, sizeof buf);
			printf("certificate: subject \"%s\" issuer \"%s\" not after %s key %s %d\n",
			    plain(t->subject), plain(t->issuer), buf, t->key_type, t->key_bits);
			printf("certificate: verify %s, name %s\n", t->verify_text,
			    t->host_match < 0 ? "not checked" : t->host_match ? "matches" : "does not match");
		}
		smtp_caps_names(&v->caps_tls, buf, sizeof buf);
		printf("capabilities after TLS: %s\n", plain(buf));
		printf("rating: %s %s", RATING_GUIDELINE,
		    v->rnames.overall ? v->rnames.overall : "unknown");
		if (v->rating.weakest)
			printf(" (weakest: %s)", v->rating.weakest);
		printf("\n");
	}
	if (txt->reply[0])
		printf("server reply: %s\n", plain(txt->reply));
}

static bool
is_literal(const char *host)
{
	unsigned char tmp[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, tmp) == 1 || inet_pton(AF_INET6, host, tmp) == 1;
}

/* HOST's address records are bogus: no connection (a sender would not make
 * one either); the policy facts are still gathered and shown. CRITICAL. */
static int
unresolved(const struct check_opts *o, struct checkpol *pol, const char *tlsa_host,
    unsigned port, const char *why)
{
	char target[300], frag[300];

	checkpol_start(pol, tlsa_host, port);
	while (!checkpol_done(pol))
		if (event_base_loop(checkpol_base(pol), EVLOOP_ONCE) != 0)
			break;
	checkpol_decide(pol, NULL, tlsa_host);
	snprintf(target, sizeof target, "%s:%u", o->host, port);
	if (o->json) {
		struct json j;

		json_init(&j, stdout);
		json_obj_begin(&j);
		json_kstr(&j, "target", target);
		json_kstr(&j, "name", o->host);
		json_kstr(&j, "state", "failed");
		json_key(&j, "failure");
		json_obj_begin(&j);
		json_kstr(&j, "kind", "dnssec-bogus");
		json_kstr(&j, "in_state", "RESOLVE");
		json_kstr(&j, "reason", why);
		json_obj_end(&j);
		checkpol_json(pol, &j);
		json_obj_end(&j);
		fputc('\n', stdout);
	} else {
		checkpol_summary(pol, frag, sizeof frag);
		printf("SMTP CRITICAL - %s%s\n", plain(why), plain(frag));
		checkpol_text(pol);
	}
	return CHECK_CRITICAL;
}

int
check_main(int argc, char **argv)
{
	struct check_opts o;
	struct addrinfo hints, *ai = NULL;
	struct tls_ctx *tls = NULL;
	struct smtp_session *s;
	struct run run = { 0 };
	struct checkpol *pol = NULL;
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	const struct smtp_result *r;
	struct verdict v;
	struct verdict_text txt;
	char helo[256], err[256], summary[768], target[80];
	const char *tlsa_host = NULL;
	int rc, gai;

	memset(&o, 0, sizeof o);
	rc = parse_opts(argc, argv, &o);
	if (rc >= 0)
		return rc;
	log_init("smtpmonctl", false, o.verbose ? LOG_LVL_DEBUG : LOG_LVL_ERR);
	/* before anything else touches OpenSSL: only what a one-shot client needs */
	(void)tlsinit_oneshot();

	run.base = event_base_new();
	if (run.base == NULL)
		return unknown("%s", "event_base_new failed");
	if (o.dane || o.sts_domain || o.nameserver) {
		struct checkpol_opts po = {
			.dane = o.dane,
			.sts_domain = o.sts_domain,
			.nameserver = o.nameserver,
			.trust_anchor = o.trust_anchor,
			.cafile = o.cafile,
			.timeout_s = o.timeout_s,
		};
		long port;

		if (!parse_long(o.port, 1, 65535, &port)) {
			event_base_free(run.base);
			return unknown("port '%s': expected a number with --dane, --mta-sts or "
			    "--name-server", o.port);
		}
		pol = checkpol_new(run.base, &po, err, sizeof err);
		if (pol == NULL) {
			event_base_free(run.base);
			return unknown("%s", err);
		}
		/* the TLSA base domain and MX name: HOST, or for an address the
		 * name the certificate is checked against */
		tlsa_host = o.host;
		if (o.servername && is_literal(o.host))
			tlsa_host = o.servername;
		if (!checkpol_resolve(pol, o.host, (unsigned)port, &ss, &sslen, err, sizeof err)) {
			if (checkpol_bogus(pol)) {
				rc = unresolved(&o, pol, tlsa_host, (unsigned)port, err);
				checkpol_free(pol);
				event_base_free(run.base);
				return rc;
			}
			checkpol_free(pol);
			event_base_free(run.base);
			return unknown("cannot resolve %s: %s", o.host, err);
		}
		checkpol_start(pol, tlsa_host, (unsigned)port);
	} else {
		memset(&hints, 0, sizeof hints);
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_ADDRCONFIG;
		gai = getaddrinfo(o.host, o.port, &hints, &ai);
		if (gai == EAI_ADDRFAMILY || gai == EAI_NONAME) {
			hints.ai_flags = 0; /* loopback-only hosts have no "configured" family */
			gai = getaddrinfo(o.host, o.port, &hints, &ai);
		}
		if (gai != 0) {
			snprintf(err, sizeof err, "%s:%s: %s", o.host, o.port, gai_strerror(gai));
			event_base_free(run.base);
			return unknown("cannot resolve %s", err);
		}
		memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
		sslen = ai->ai_addrlen;
		freeaddrinfo(ai);
	}
	if (o.servername == NULL && !is_literal(o.host))
		o.servername = o.host;
	if (o.helo == NULL) {
		if (gethostname(helo, sizeof helo) != 0 || helo[0] == '\0')
			snprintf(helo, sizeof helo, "localhost");
		helo[sizeof helo - 1] = '\0';
		o.helo = helo;
	}
	if (o.secure || o.auth_user) {
		tls = tls_ctx_new(o.cafile, err, sizeof err);
		if (tls == NULL) {
			checkpol_free(pol);
			event_base_free(run.base);
			return unknown("TLS setup failed: %s", err);
		}
	}
	{
		uint32_t ms = (uint32_t)(o.timeout_s * 1000);
		struct smtp_session_cfg cfg = {
			.helo_name = o.helo,
			.secure = o.secure,
			.auth_user = o.auth_user,
			.auth_pass = o.auth_pass,
			.servername = o.servername,
			.tls = tls,
			.mode = SMTP_MODE_PROBE,
			.connect_ms = ms,
			.initial_ms = ms,
			.anycmd_ms = ms,
			.total_ms = ms,
			.keep_chain = o.dane,
		};
		s = smtp_session_new(run.base, &cfg, (struct sockaddr *)&ss, sslen, on_session, &run);
	}
	smtp_session_start(s);
	/* the resolver's descriptor stays armed: run until both parts are done */
	while (!run.closed || (pol && !checkpol_done(pol)))
		if (event_base_loop(run.base, EVLOOP_ONCE) != 0)
			break;
	r = smtp_session_result(s);
	snprintf(target, sizeof target, "%s", smtp_session_peer(s));
	{
		struct verdict_policy vp = {
			.tls_attempted = o.secure || o.auth_user != NULL,
			.component = APPLDATA_MONITOR,
			.writer = o.writer,
		};

		verdict_of(r, &vp, time(NULL), &v);
		verdict_text_of(r, &txt);
	}
	if (pol) {
		checkpol_decide(pol, s, tlsa_host);
		o.dane_valid = checkpol_dane_valid(pol);
	}
	rc = plugin_status(&o, &v, &txt, (double)v.t.total / 1000.0, summary, sizeof summary);
	if (pol) {
		char frag[300];
		size_t n = strlen(summary);

		checkpol_summary(pol, frag, sizeof frag);
		snprintf(summary + n, sizeof summary - n, "%s", frag);
		rc = worse(rc, checkpol_status(pol));
	}
	if (o.json) {
		struct json j;
		struct report_target t = {
			.target = target,
			.name = o.host,
			.state = v.fail == SMTP_F_NONE ? "ok" : "failed",
		};
		json_init(&j, stdout);
		json_obj_begin(&j);
		report_json_fields(&j, &t, &v, &txt);
		if (pol)
			checkpol_json(pol, &j);
		json_obj_end(&j);
		fputc('\n', stdout);
	} else {
		print_text(&o, &v, &txt, rc, summary);
		if (pol)
			checkpol_text(pol);
	}
	smtp_session_free(s);
	checkpol_free(pol);
	event_base_free(run.base);
	tls_ctx_free(tls);
	if (o.auth_pass) {
		explicit_bzero(o.auth_pass, strlen(o.auth_pass));
		free(o.auth_pass);
	}
	return rc;
}
