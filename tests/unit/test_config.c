/* Unit tests for agent/config: every keyword into its field, defaults,
 * durations, targets of each kind, AuthEntity references, a whole CSSMTP
 * file with its delivery-only statements, and every error message checked
 * as the full string the operator sees. */
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
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "tlsver.h"

static struct config *
parse(const char *text, struct config_errors *e)
{
	return config_parse("t.conf", text, strlen(text), e);
}

/* Parse text that must be accepted; fails the test with the first error. */
static struct config *
ok(const char *text)
{
	struct config_errors e = { 0 };
	struct config *cfg = parse(text, &e);

	if (cfg == NULL) {
		print_error("unexpected error: %s\n", e.n > 0 ? e.msg[0] : "(none kept)");
		config_errors_clear(&e);
		fail();
	}
	assert_int_equal(e.total, 0);
	config_errors_clear(&e);
	return cfg;
}

/* Parse text that must be refused with exactly these messages, in order. */
static void
errors(const char *text, ...)
{
	struct config_errors e = { 0 };
	struct config *cfg = parse(text, &e);
	const char *want;
	size_t i = 0;
	va_list ap;

	assert_null(cfg);
	va_start(ap, text);
	while ((want = va_arg(ap, const char *)) != NULL) {
		if (i >= e.n) {
			print_error("missing error %zu: %s\n", i, want);
			fail();
		}
		assert_string_equal(e.msg[i], want);
		i++;
	}
	va_end(ap);
	if (i != e.n)
		print_error("extra error: %s\n", e.msg[i]);
	assert_int_equal(e.n, i);
	assert_int_equal(e.total, i);
	config_errors_clear(&e);
}

static uint16_t
addr_port(const struct cfg_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
}

/* ---- accepted input ---- */

static void
test_metrics_listen(void **state)
{
	struct config *cfg;
	const struct sockaddr_in6 *s6;
	const struct sockaddr_in *s4;
	char a[64];

	(void)state;
	cfg = ok("");
	assert_int_equal(cfg->n_metrics_listen, 0);   /* absent: no HTTP server */
	config_free(cfg);
	cfg = ok("MetricsListen 127.0.0.1:9125\nmetricslisten [::1]:9125\n"
	    "MetricsListen [::]:80\n");
	assert_int_equal(cfg->n_metrics_listen, 3);
	s4 = (const struct sockaddr_in *)&cfg->metrics_listen[0].ss;
	assert_int_equal(s4->sin_family, AF_INET);
	assert_int_equal(ntohs(s4->sin_port), 9125);
	assert_string_equal(inet_ntop(AF_INET, &s4->sin_addr, a, sizeof a), "127.0.0.1");
	assert_string_equal(cfg->metrics_listen[0].text, "127.0.0.1:9125");
	assert_int_equal(cfg->metrics_listen[0].line, 1);
	s6 = (const struct sockaddr_in6 *)&cfg->metrics_listen[1].ss;
	assert_int_equal(s6->sin6_family, AF_INET6);
	assert_int_equal(cfg->metrics_listen[1].len, sizeof *s6);
	assert_string_equal(inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a), "::1");
	assert_int_equal(ntohs(((const struct sockaddr_in6 *)&cfg->metrics_listen[2].ss)->sin6_port),
	    80);
	config_free(cfg);
	errors("MetricsListen localhost:9125\nMetricsListen 127.0.0.1\nMetricsListen ::1:9125\n"
	    "MetricsListen 127.0.0.1:0\nMetricsListen [::1]9125\nMetricsListen 127.0.0.1:65536\n",
	    "t.conf:1: MetricsListen: \"localhost:9125\" is not ADDR:PORT or [IPv6]:PORT (an "
	    "address, not a name, and a port 1-65535)",
	    "t.conf:2: MetricsListen: \"127.0.0.1\" is not ADDR:PORT or [IPv6]:PORT (an "
	    "address, not a name, and a port 1-65535)",
	    "t.conf:3: MetricsListen: \"::1:9125\" is not ADDR:PORT or [IPv6]:PORT (an "
	    "address, not a name, and a port 1-65535)",
	    "t.conf:4: MetricsListen: \"127.0.0.1:0\" is not ADDR:PORT or [IPv6]:PORT (an "
	    "address, not a name, and a port 1-65535)",
	    "t.conf:5: MetricsListen: \"[::1]9125\" is not ADDR:PORT or [IPv6]:PORT (an "
	    "address, not a name, and a port 1-65535)",
	    "t.conf:6: MetricsListen: \"127.0.0.1:65536\" is not ADDR:PORT or [IPv6]:PORT (an "
	    "address, not a name, and a port 1-65535)", NULL);
	errors("MetricsListen 127.0.0.1:1\nMetricsListen [::1]:1\nMetricsListen 127.0.0.1:1\n",
	    "t.conf:3: MetricsListen: 127.0.0.1:1 is already listened on (line 1)", NULL);
	errors("MetricsListen 127.0.0.1:1\nMetricsListen 127.0.0.1:2\nMetricsListen 127.0.0.1:3\n"
	    "MetricsListen 127.0.0.1:4\nMetricsListen 127.0.0.1:5\nMetricsListen 127.0.0.1:6\n"
	    "MetricsListen 127.0.0.1:7\nMetricsListen 127.0.0.1:8\nMetricsListen 127.0.0.1:9\n",
	    "t.conf:9: MetricsListen: more than 8 MetricsListen statements", NULL);
	errors("TargetServer {\n  MetricsListen 127.0.0.1:1\n  TargetIP 192.0.2.1\n}\n",
	    "t.conf:2: MetricsListen: not allowed in TargetServer", NULL);
}

static void
test_defaults(void **state)
{
	struct config *cfg = ok("");
	(void)state;

	assert_string_equal(cfg->file, "t.conf");
	assert_string_equal(cfg->writer, "SMTPMON");
	assert_null(cfg->helo_name);
	assert_int_equal(cfg->initial_ms, 300000);
	assert_int_equal(cfg->anycmd_ms, 300000);
	assert_int_equal(cfg->connect_retry_ms, 120000);
	assert_int_equal(cfg->connect_ms, 30000);
	assert_int_equal(cfg->noop_interval_ms, 60000);
	assert_int_equal(cfg->reprobe_interval_ms, 300000);
	assert_int_equal(cfg->n_targets, 0);
	assert_int_equal(cfg->n_auths, 0);
	assert_null(cfg->appldata_log);
	assert_string_equal(cfg->state_dir, "/var/lib/smtpmon");
	assert_string_equal(cfg->control_socket, "/run/smtpmon/control.sock");
	assert_null(cfg->agentx_socket);
	assert_false(cfg->agentx_off);
	assert_string_equal(cfg->pid_file, "/run/smtpmon/smtpmond.pid");
	assert_null(cfg->user);
	assert_null(cfg->ca_file);
	assert_null(cfg->name_servers);
	assert_false(cfg->passive.present);
	assert_int_equal(cfg->n_unused, 0);
	config_free(cfg);
}

static void
test_alert_command(void **state)
{
	struct config *cfg;
	(void)state;
	cfg = ok("AlertCommand /usr/local/bin/alert \"two words\" $HOME\n"
	    "TargetServer {\n TargetIP 192.0.2.1\n}\n");
	assert_non_null(cfg->alert_argv);
	assert_string_equal(cfg->alert_argv[0], "/usr/local/bin/alert");
	assert_string_equal(cfg->alert_argv[1], "two words");
	assert_string_equal(cfg->alert_argv[2], "$HOME");
	assert_null(cfg->alert_argv[3]);
	assert_int_equal(cfg->alert_line, 1);
	config_free(cfg);
	cfg = ok("TargetServer {\n TargetIP 192.0.2.1\n}\n");
	assert_null(cfg->alert_argv);
	config_free(cfg);
	errors("AlertCommand alert.sh\nTargetServer {\n TargetIP 192.0.2.1\n}\n",
	    "t.conf:1: AlertCommand: \"alert.sh\" is not an absolute path (the command runs "
	    "without a shell and without a search path)", NULL);
}

static void
test_every_top_keyword(void **state)
{
	struct config *cfg = ok(
	    "ExtWrtName    xyz$#@9\n"
	    "HeloName      probe.example.net\n"
	    "AppldataLog   /var/log/smtpmon/appldata.log\n"
	    "StateDir      /srv/smtpmon\n"
	    "ControlSocket /run/sm/ctl.sock\n"
	    "AgentXSocket  /var/agentx/master\n"
	    "PidFile       /run/sm/sm.pid\n"
	    "User          smtpmon\n"
	    "CAFile        /etc/ssl/certs/ca-certificates.crt\n"
	    "NameServer    \"192.0.2.53,192.0.2.54:5353,[2001:db8::53]:53,2001:db8::54\"\n");
	(void)state;

	assert_string_equal(cfg->writer, "XYZ$#@9");
	assert_string_equal(cfg->helo_name, "probe.example.net");
	assert_string_equal(cfg->appldata_log, "/var/log/smtpmon/appldata.log");
	assert_string_equal(cfg->state_dir, "/srv/smtpmon");
	assert_string_equal(cfg->control_socket, "/run/sm/ctl.sock");
	assert_string_equal(cfg->agentx_socket, "/var/agentx/master");
	assert_false(cfg->agentx_off);
	assert_string_equal(cfg->pid_file, "/run/sm/sm.pid");
	assert_string_equal(cfg->user, "smtpmon");
	assert_string_equal(cfg->ca_file, "/etc/ssl/certs/ca-certificates.crt");
	assert_string_equal(cfg->name_servers,
	    "192.0.2.53,192.0.2.54:5353,[2001:db8::53]:53,2001:db8::54");
	config_free(cfg);
}

static void
test_case_comments_crlf(void **state)
{
	struct config *cfg = ok(
	    "# a comment line\r\n"
	    "\r\n"
	    "   extwrtname   abc   # trailing comment\r\n"
	    "TIMEOUT {\r\n"
	    "\tinitialmsg 10\r\n"
	    "}\r\n"
	    "localhostname mvs1.example.com\n");
	(void)state;

	assert_string_equal(cfg->writer, "ABC");
	assert_int_equal(cfg->initial_ms, 10000);
	assert_string_equal(cfg->helo_name, "mvs1.example.com");
	config_free(cfg);
}

static void
test_hash_inside_word(void **state)
{
	/* `#` starts a comment only where a token would start */
	struct config *cfg = ok("ExtWrtName SMTP#1 #comment\n");
	(void)state;

	assert_string_equal(cfg->writer, "SMTP#1");
	config_free(cfg);
}

static void
test_durations_with_units(void **state)
{
	struct config *cfg = ok(
	    "Timeout {\n"
	    "  InitialMsg   500ms\n"
	    "  AnyCmd       2m\n"
	    "  ConnectRetry 1h\n"
	    "  Connect      45s\n"
	    "}\n"
	    "Monitor {\n"
	    "  NoopInterval    100MS\n"
	    "  ReprobeInterval 86400\n"
	    "}\n");
	(void)state;

	assert_int_equal(cfg->initial_ms, 500);
	assert_int_equal(cfg->anycmd_ms, 120000);
	assert_int_equal(cfg->connect_retry_ms, 3600000);
	assert_int_equal(cfg->connect_ms, 45000);
	assert_int_equal(cfg->noop_interval_ms, 100);
	assert_int_equal(cfg->reprobe_interval_ms, 86400000);
	config_free(cfg);
}

static void
test_reprobe_off(void **state)
{
	struct config *cfg = ok("Monitor {\n ReprobeInterval 0\n}\n");
	(void)state;

	assert_int_equal(cfg->reprobe_interval_ms, 0);
	config_free(cfg);
}

static void
test_noop_budget(void **state)
{
	struct config *cfg = ok("Monitor {\n NoopInterval 10\n}\n");
	(void)state;

	assert_int_equal(cfg->noop_budget, 8);   /* the default: under Exim's 10 */
	config_free(cfg);
	cfg = ok("Monitor {\n NoopBudget 0\n}\n");
	assert_int_equal(cfg->noop_budget, 0);   /* no limit */
	config_free(cfg);
	cfg = ok("Monitor {\n NoopBudget 100000\n}\n");
	assert_int_equal(cfg->noop_budget, 100000);
	config_free(cfg);
	errors("Monitor {\n NoopBudget -1\n}\n",
	    "t.conf:2: NoopBudget: \"-1\" is not a NOOP count (0 = no limit, at most 100000)",
	    NULL);
	errors("Monitor {\n NoopBudget 100001\n}\n",
	    "t.conf:2: NoopBudget: \"100001\" is not a NOOP count (0 = no limit, at most 100000)",
	    NULL);
}

static void
test_block_on_one_line(void **state)
{
	struct config *cfg = ok(
	    "Timeout { InitialMsg 30 AnyCmd 31 ConnectRetry 32 }\n"
	    "Monitor { NoopInterval 5 ReprobeInterval 0 NoopBudget 3 }\n"
	    "TargetServer { TargetIP 192.0.2.1 ConnectPort 2525 Secure Yes TlsServerName \"Secure\" }\n");
	(void)state;

	assert_int_equal(cfg->initial_ms, 30000);
	assert_int_equal(cfg->anycmd_ms, 31000);
	assert_int_equal(cfg->connect_retry_ms, 32000);
	assert_int_equal(cfg->noop_interval_ms, 5000);
	assert_int_equal(cfg->reprobe_interval_ms, 0);
	assert_int_equal(cfg->noop_budget, 3);
	assert_int_equal(cfg->n_targets, 1);
	assert_int_equal(cfg->targets[0].port, 2525);
	assert_true(cfg->targets[0].secure);
	/* a quoted value is a value, even when it spells a keyword */
	assert_string_equal(cfg->targets[0].tls_server_name, "Secure");
	config_free(cfg);
	/* two values where one goes, and no keyword after it: still an error */
	errors("Timeout { InitialMsg 30 40 }\n",
	    "t.conf:1: InitialMsg: takes one value, not 2",
	    NULL);
}

static void
test_brace_on_next_line(void **state)
{
	struct config *cfg = ok(
	    "Timeout\n"
	    "\n"
	    "# the brace may come later\n"
	    "{\n"
	    "  AnyCmd 30\n"
	    "}\n"
	    "Monitor { NoopInterval 5 }\n");
	(void)state;

	assert_int_equal(cfg->anycmd_ms, 30000);
	assert_int_equal(cfg->noop_interval_ms, 5000);
	config_free(cfg);
}

static void
test_multiple_target_ip(void **state)
{
	struct config *cfg = ok(
	    "TargetServer {\n"
	    "  TargetIP 192.0.2.25\n"
	    "  TargetIP 192.0.2.26\n"
	    "  ConnectPort 587\n"     /* applies to every TargetIP of the block */
	    "  TargetIP 198.51.100.7\n"
	    "}\n");
	const struct cfg_target *t;
	const struct sockaddr_in *s;
	(void)state;

	assert_int_equal(cfg->n_targets, 1);
	t = &cfg->targets[0];
	assert_int_equal(t->kind, TARGET_IP);
	assert_null(t->host);
	assert_int_equal(t->port, 587);
	assert_int_equal(t->line, 1);
	assert_int_equal(t->n_addrs, 3);
	assert_string_equal(t->addrs[0].text, "192.0.2.25");
	assert_string_equal(t->addrs[1].text, "192.0.2.26");
	assert_string_equal(t->addrs[2].text, "198.51.100.7");
	s = (const struct sockaddr_in *)&t->addrs[1].ss;
	assert_int_equal(s->sin_family, AF_INET);
	assert_int_equal(t->addrs[1].len, sizeof *s);
	assert_int_equal(ntohl(s->sin_addr.s_addr), 0xc000021a);
	assert_int_equal(addr_port(&t->addrs[0]), 587);
	assert_int_equal(addr_port(&t->addrs[2]), 587);
	assert_false(t->secure);
	assert_null(t->auth);
	assert_null(t->tls_server_name);
	assert_int_equal(t->min_tls, 0);
	config_free(cfg);
}

static void
test_ipv6_target(void **state)
{
	struct config *cfg = ok(
	    "TargetServer {\n"
	    "  TargetIP 2001:db8::25\n"
	    "  TargetIP ::ffff:192.0.2.1\n"
	    "}\n");
	const struct sockaddr_in6 *s;
	struct in6_addr want;
	(void)state;

	assert_int_equal(cfg->targets[0].n_addrs, 2);
	s = (const struct sockaddr_in6 *)&cfg->targets[0].addrs[0].ss;
	assert_int_equal(s->sin6_family, AF_INET6);
	assert_int_equal(cfg->targets[0].addrs[0].len, sizeof *s);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::25", &want), 1);
	assert_memory_equal(&s->sin6_addr, &want, sizeof want);
	assert_int_equal(ntohs(s->sin6_port), 25);
	assert_string_equal(cfg->targets[0].addrs[0].text, "2001:db8::25");
	assert_int_equal(cfg->targets[0].addrs[1].ss.ss_family, AF_INET6);
	config_free(cfg);
}

static void
test_target_name_and_mx(void **state)
{
	struct config *cfg = ok(
	    "TargetServer {\n"
	    "  TargetName  mail.example.com\n"
	    "  ConnectPort 2525\n"
	    "  Secure      yes\n"
	    "  TlsServerName smtp.example.com\n"
	    "  MinTlsLevel TLSv1.2\n"
	    "}\n"
	    "TargetServer\n"
	    "{\n"
	    "  TargetMx    example.org\n"
	    "  Secure      NO\n"
	    "  MinTlsLevel 13\n"
	    "}\n");
	(void)state;

	assert_int_equal(cfg->n_targets, 2);
	assert_int_equal(cfg->targets[0].kind, TARGET_NAME);
	assert_string_equal(cfg->targets[0].host, "mail.example.com");
	assert_int_equal(cfg->targets[0].n_addrs, 0);
	assert_int_equal(cfg->targets[0].port, 2525);
	assert_true(cfg->targets[0].secure);
	assert_string_equal(cfg->targets[0].tls_server_name, "smtp.example.com");
	assert_int_equal(cfg->targets[0].min_tls, 0x0303);
	assert_int_equal(cfg->targets[1].kind, TARGET_MX);
	assert_string_equal(cfg->targets[1].host, "example.org");
	assert_int_equal(cfg->targets[1].port, 25);
	assert_false(cfg->targets[1].secure);
	assert_int_equal(cfg->targets[1].min_tls, 0x0304);
	assert_int_equal(cfg->targets[1].line, 8);
	config_free(cfg);
}

static void
test_tls_level_words(void **state)
{
	(void)state;
	assert_int_equal(tlsver_parse("10"), 0x0301);
	assert_int_equal(tlsver_parse("T1"), 0x0301);
	assert_int_equal(tlsver_parse("t1"), 0x0301);
	assert_int_equal(tlsver_parse("TLSv1"), 0x0301);
	assert_int_equal(tlsver_parse("TLSv1.0"), 0x0301);
	assert_int_equal(tlsver_parse("11"), 0x0302);
	assert_int_equal(tlsver_parse("TLSv1.1"), 0x0302);
	assert_int_equal(tlsver_parse("12"), 0x0303);
	assert_int_equal(tlsver_parse("tlsv1.2"), 0x0303);
	assert_int_equal(tlsver_parse("13"), 0x0304);
	assert_int_equal(tlsver_parse("TLSv1.3"), 0x0304);
	assert_int_equal(tlsver_parse("S3"), 0);
	assert_int_equal(tlsver_parse("14"), 0);
	assert_int_equal(tlsver_parse(""), 0);
	assert_int_equal(tlsver_parse(NULL), 0);
}

static void
test_auth_forward_reference(void **state)
{
	struct config *cfg = ok(
	    "TargetServer {\n"
	    "  TargetIP   192.0.2.1\n"
	    "  AuthEntity probe\n"
	    "}\n"
	    "AuthEntity probe {\n"
	    "  User         \"probe user@example.com\"\n"
	    "  PasswordFile /etc/smtpmon/probe.pw\n"
	    "}\n"
	    "AuthEntity other\n"
	    "{\n"
	    "  user x\n"
	    "  passwordfile /p\n"
	    "}\n"
	    "TargetServer {\n"
	    "  TargetIP   192.0.2.2\n"
	    "  AuthEntity other\n"
	    "}\n");
	(void)state;

	assert_int_equal(cfg->n_auths, 2);
	assert_string_equal(cfg->auths[0].name, "probe");
	assert_string_equal(cfg->auths[0].user, "probe user@example.com");
	assert_string_equal(cfg->auths[0].password_file, "/etc/smtpmon/probe.pw");
	assert_null(cfg->auths[0].password);
	assert_int_equal(cfg->auths[0].line, 5);
	assert_ptr_equal(cfg->targets[0].auth, &cfg->auths[0]);
	assert_ptr_equal(cfg->targets[1].auth, &cfg->auths[1]);
	config_free(cfg);
}

static void
test_agentx_off_and_spec(void **state)
{
	struct config *cfg = ok("AgentXSocket off\n");
	(void)state;

	assert_true(cfg->agentx_off);
	assert_null(cfg->agentx_socket);
	config_free(cfg);
	cfg = ok("AgentXSocket tcp:localhost:705\n");
	assert_false(cfg->agentx_off);
	assert_string_equal(cfg->agentx_socket, "tcp:localhost:705");
	config_free(cfg);
}

static void
test_helo_literal(void **state)
{
	struct config *cfg = ok("HeloName [192.0.2.9]\n");
	(void)state;

	assert_string_equal(cfg->helo_name, "[192.0.2.9]");
	config_free(cfg);
	cfg = ok("HeloName [IPv6:2001:db8::9]\n");
	assert_string_equal(cfg->helo_name, "[IPv6:2001:db8::9]");
	config_free(cfg);
}

static void
test_passive(void **state)
{
	struct config *cfg = ok(
	    "Passive {\n"
	    "  Interface eth0\n"
	    "  Interface eth1\n"
	    "}\n");
	(void)state;

	assert_true(cfg->passive.present);
	assert_int_equal(cfg->passive.n_interfaces, 2);
	assert_string_equal(cfg->passive.interfaces[0], "eth0");
	assert_string_equal(cfg->passive.interfaces[1], "eth1");
	assert_null(cfg->passive.pcap_file);
	assert_false(cfg->passive.ports.any);
	assert_int_equal(cfg->passive.ports.n, 3);
	assert_int_equal(cfg->passive.ports.r[0].lo, 25);
	assert_int_equal(cfg->passive.ports.r[1].lo, 587);
	assert_int_equal(cfg->passive.ports.r[2].hi, 465);
	config_free(cfg);

	cfg = ok("Passive {\n PcapFile /tmp/capture.pcap\n Ports 2525 25\n}\n");
	assert_string_equal(cfg->passive.pcap_file, "/tmp/capture.pcap");
	assert_int_equal(cfg->passive.n_interfaces, 0);
	assert_int_equal(cfg->passive.ports.n, 2);
	assert_int_equal(cfg->passive.ports.r[0].lo, 2525);
	assert_int_equal(cfg->passive.ports.r[1].lo, 25);
	config_free(cfg);

	/* ranges, commas or blanks */
	cfg = ok("Passive {\n PcapFile /tmp/capture.pcap\n Ports 25,587 12525-12529\n}\n");
	assert_int_equal(cfg->passive.ports.n, 3);
	assert_int_equal(cfg->passive.ports.r[2].lo, 12525);
	assert_int_equal(cfg->passive.ports.r[2].hi, 12529);
	assert_true(portset_has(&cfg->passive.ports, 12527));
	assert_false(portset_has(&cfg->passive.ports, 12530));
	config_free(cfg);

	cfg = ok("Passive {\n PcapFile /tmp/capture.pcap\n Ports any\n}\n");
	assert_true(cfg->passive.ports.any);
	assert_int_equal(cfg->passive.ports.n, 0);
	config_free(cfg);
}

static void
test_quoted_values(void **state)
{
	struct config *cfg = ok(
	    "StateDir \"/var/lib/smtp mon\"\n"
	    "AppldataLog \"/log/a\\\"b\\\\c\"\n"
	    "Timeout{InitialMsg \"30\"}\n");
	(void)state;

	assert_string_equal(cfg->state_dir, "/var/lib/smtp mon");
	assert_string_equal(cfg->appldata_log, "/log/a\"b\\c");
	assert_int_equal(cfg->initial_ms, 30000);
	config_free(cfg);
}

static void
test_cssmtp_file_accepted(void **state)
{
	/* In the style of IBM's sample CSSMTPCF: delivery-only statements and
	 * blocks, CSSMTP's own spelling and letter case. */
	static const char text[] =
	    "#------------------------------------------------------------\n"  /* 1 */
	    "# CSSMTP configuration, system MVS1                          \n"  /* 2 */
	    "#------------------------------------------------------------\n"  /* 3 */
	    "LogLevel          7            # error, warning, event\n"         /* 4 */
	    "ExtWrtName        CSSMTP\n"                                        /* 5 */
	    "BadSpoolDisp      Hold\n"                                          /* 6 */
	    "ChkPointSizeLimit 64000\n"                                         /* 7 */
	    "JESJobSize        0\n"                                             /* 8 */
	    "JESMsgSize        0\n"                                             /* 9 */
	    "JESSyntaxErrLimit 5\n"                                             /* 10 */
	    "MailAdministrator postmaster@mvs1.example.com\n"                   /* 11 */
	    "MailAdministrator mvsops@example.com\n"                            /* 12 */
	    "Report            Admin\n"                                         /* 13 */
	    "ReportMailFrom    cssmtp@mvs1.example.com\n"                       /* 14 */
	    "Translate         IBM-1047\n"                                      /* 15 */
	    "MBCS              NO\n"                                            /* 16 */
	    "UserExit          VERSION3\n"                                      /* 17 */
	    "Header\n"                                                          /* 18 */
	    "{\n"                                                               /* 19 */
	    "  Date      YES\n"                                                 /* 20 */
	    "  UserInfo  NO\n"                                                  /* 21 */
	    "}\n"                                                               /* 22 */
	    "OPTIONS\n"                                                         /* 23 */
	    "{\n"                                                               /* 24 */
	    "  NullTrnc  NO\n"                                                  /* 25 */
	    "  TestMode  NO\n"                                                  /* 26 */
	    "  AtSign    @\n"                                                   /* 27 */
	    "}\n"                                                               /* 28 */
	    "RetryLimit\n"                                                      /* 29 */
	    "{\n"                                                               /* 30 */
	    "  Count     6\n"                                                   /* 31 */
	    "  Interval  10\n"                                                  /* 32 */
	    "}\n"                                                               /* 33 */
	    "ExtendedRetry\n"                                                   /* 34 */
	    "{\n"                                                               /* 35 */
	    "  Age            3\n"                                              /* 36 */
	    "  Interval       60\n"                                             /* 37 */
	    "  MailDirectory  /var/cssmtp/CSSMTP/mail/\n"                       /* 38 */
	    "}\n"                                                               /* 39 */
	    "Undeliverable\n"                                                   /* 40 */
	    "{\n"                                                               /* 41 */
	    "  ReturnToMailFrom    Yes\n"                                       /* 42 */
	    "  DeadLetterAction    Store\n"                                     /* 43 */
	    "  DeadLetterDirectory /var/cssmtp/CSSMTP/dead/\n"                  /* 44 */
	    "}\n"                                                               /* 45 */
	    "SMF119\n"                                                          /* 46 */
	    "{\n"                                                               /* 47 */
	    "  CONFIG   YES\n"                                                  /* 48 */
	    "  CONNECT  YES\n"                                                  /* 49 */
	    "  MAIL     NO\n"                                                   /* 50 */
	    "}\n"                                                               /* 51 */
	    "Timeout\n"                                                         /* 52 */
	    "{\n"                                                               /* 53 */
	    "  AnyCmd        300\n"                                             /* 54 */
	    "  ConnectRetry  120\n"                                             /* 55 */
	    "  DataBlock     180\n"                                             /* 56 */
	    "  DATACmd       120\n"                                             /* 57 */
	    "  DataTerm      600\n"                                             /* 58 */
	    "  InitialMsg    60\n"                                              /* 59 */
	    "  MAILCmd       300\n"                                             /* 60 */
	    "  RCPTCmd       300\n"                                             /* 61 */
	    "}\n"                                                               /* 62 */
	    "TARGETSERVER\n"                                                    /* 63 */
	    "{\n"                                                               /* 64 */
	    "  TargetIp  192.0.2.10\n"                                          /* 65 */
	    "  TargetIp  2001:db8::10\n"                                        /* 66 */
	    "  Secure    No\n"                                                  /* 67 */
	    "  Charset   ISO8859-1\n"                                           /* 68 */
	    "}\n"                                                               /* 69 */
	    "TargetServer\n"                                                    /* 70 */
	    "{\n"                                                               /* 71 */
	    "  TargetName relay.example.com\n"                                  /* 72 */
	    "  Secure     Yes\n"                                                /* 73 */
	    "  charset    ISO8859-1\n"                                          /* 74 */
	    "}\n"                                                               /* 75 */
	    "TargetServer\n"                                                    /* 76 */
	    "{\n"                                                               /* 77 */
	    "  TargetMx   example.com\n"                                        /* 78 */
	    "}\n";                                                              /* 79 */
	static const char *const unused[] = {
		"t.conf:4: LogLevel", "t.conf:6: BadSpoolDisp", "t.conf:7: ChkPointSizeLimit",
		"t.conf:8: JESJobSize", "t.conf:9: JESMsgSize", "t.conf:10: JESSyntaxErrLimit",
		"t.conf:11: MailAdministrator", "t.conf:13: Report", "t.conf:14: ReportMailFrom",
		"t.conf:15: Translate", "t.conf:16: MBCS", "t.conf:17: UserExit",
		"t.conf:18: Header", "t.conf:23: OPTIONS", "t.conf:29: RetryLimit",
		"t.conf:34: ExtendedRetry", "t.conf:40: Undeliverable", "t.conf:46: SMF119",
		"t.conf:56: DataBlock", "t.conf:57: DATACmd", "t.conf:58: DataTerm",
		"t.conf:60: MAILCmd", "t.conf:61: RCPTCmd", "t.conf:68: Charset",
	};
	struct config *cfg = ok(text);
	size_t i;
	(void)state;

	assert_string_equal(cfg->writer, "CSSMTP");
	assert_int_equal(cfg->anycmd_ms, 300000);
	assert_int_equal(cfg->connect_retry_ms, 120000);
	assert_int_equal(cfg->initial_ms, 60000);
	assert_int_equal(cfg->n_targets, 3);
	assert_int_equal(cfg->targets[0].kind, TARGET_IP);
	assert_int_equal(cfg->targets[0].n_addrs, 2);
	assert_false(cfg->targets[0].secure);
	assert_int_equal(cfg->targets[1].kind, TARGET_NAME);
	assert_true(cfg->targets[1].secure);
	assert_int_equal(cfg->targets[2].kind, TARGET_MX);
	assert_int_equal(cfg->n_unused, sizeof unused / sizeof unused[0]);
	for (i = 0; i < cfg->n_unused; i++)
		assert_string_equal(cfg->unused[i], unused[i]);
	config_free(cfg);
}

static void
test_many_targets(void **state)
{
	/* 5000 blocks: the duplicate check must not be quadratic in practice */
	size_t n = 5000, i, len = 0;
	char *text = malloc(n * 64);
	struct config *cfg;
	(void)state;

	assert_non_null(text);
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "TargetServer {\n TargetIP 10.%zu.%zu.1\n}\n",
		    i / 256, i % 256);
	cfg = ok(text);
	assert_int_equal(cfg->n_targets, n);
	assert_string_equal(cfg->targets[n - 1].addrs[0].text, "10.19.135.1");
	config_free(cfg);
	free(text);
}

/* ---- refused input: each message as the operator sees it ---- */

static void
test_bad_writer_name(void **state)
{
	(void)state;
	errors("ExtWrtName TOOLONGNAME\n",
	    "t.conf:1: ExtWrtName: \"TOOLONGNAME\" is not 1-8 characters of A-Z 0-9 $ # @", NULL);
	errors("\n\nextwrtname AB-C\n",
	    "t.conf:3: extwrtname: \"AB-C\" is not 1-8 characters of A-Z 0-9 $ # @", NULL);
	errors("ExtWrtName \"\"\n", "t.conf:1: ExtWrtName: empty value", NULL);
}

static void
test_duration_errors(void **state)
{
	(void)state;
	errors("Timeout {\n"
	       " InitialMsg 99ms\n"
	       " AnyCmd 3601s\n"
	       " ConnectRetry 25h\n"
	       " Connect 301\n"
	       "}\n"
	       "Monitor {\n"
	       " NoopInterval 0\n"
	       " ReprobeInterval 50ms\n"
	       "}\n",
	    "t.conf:2: InitialMsg: \"99ms\" out of range (100ms..3600s)",
	    "t.conf:3: AnyCmd: \"3601s\" out of range (100ms..3600s)",
	    "t.conf:4: ConnectRetry: \"25h\" out of range (100ms..86400s)",
	    "t.conf:5: Connect: \"301\" out of range (100ms..300s)",
	    "t.conf:8: NoopInterval: \"0\" out of range (100ms..3600s)",
	    "t.conf:9: ReprobeInterval: \"50ms\" out of range (0 or 100ms..86400s)", NULL);
	errors("Timeout {\n AnyCmd 1.5s\n InitialMsg 10d\n Connect -1\n"
	       " ConnectRetry 99999999999999999999999h\n}\n",
	    "t.conf:2: AnyCmd: \"1.5s\" is not a duration (N, Nms, Ns, Nm or Nh)",
	    "t.conf:3: InitialMsg: \"10d\" is not a duration (N, Nms, Ns, Nm or Nh)",
	    "t.conf:4: Connect: \"-1\" is not a duration (N, Nms, Ns, Nm or Nh)",
	    "t.conf:5: ConnectRetry: \"99999999999999999999999h\" out of range (100ms..86400s)",
	    NULL);
}

static void
test_given_twice(void **state)
{
	(void)state;
	errors("ExtWrtName A\n"
	       "HeloName a.example\n"
	       "ExtWrtName B\n"
	       "LocalHostName b.example\n"
	       "Timeout {\n AnyCmd 10\n AnyCmd 20\n}\n"
	       "Timeout {\n}\n"
	       "TargetServer {\n TargetIP 192.0.2.1\n Secure yes\n secure no\n}\n",
	    "t.conf:3: ExtWrtName: given twice (first at line 1)",
	    "t.conf:4: LocalHostName: given twice (first at line 2)",
	    "t.conf:7: AnyCmd: given twice (first at line 6)",
	    "t.conf:9: Timeout: given twice (first at line 5)",
	    "t.conf:14: secure: given twice (first at line 13)", NULL);
}

static void
test_unknown_keyword(void **state)
{
	(void)state;
	errors("Frobnicate 1\nTimeout {\n  Bogus 5\n}\nTargetServer {\n TargetIP 192.0.2.1\n"
	       " Weird { a b }\n}\n",
	    "t.conf:1: Frobnicate: unknown keyword",
	    "t.conf:3: Bogus: unknown keyword",
	    "t.conf:7: Weird: unknown keyword", NULL);
}

static void
test_wrong_block(void **state)
{
	(void)state;
	errors("Timeout {\n"
	       "  ConnectPort 25\n"
	       "  NoopInterval 5\n"
	       "  Charset ISO8859-1\n"
	       "}\n"
	       "InitialMsg 30\n"
	       "TargetIP 192.0.2.1\n"
	       "DataBlock 180\n"
	       "Monitor {\n  User x\n  LogLevel 7\n}\n",
	    "t.conf:2: ConnectPort: not allowed in Timeout",
	    "t.conf:3: NoopInterval: not allowed in Timeout",
	    "t.conf:4: Charset: not allowed in Timeout",
	    "t.conf:6: InitialMsg: allowed only in Timeout",
	    "t.conf:7: TargetIP: allowed only in TargetServer",
	    "t.conf:8: DataBlock: allowed only in Timeout",
	    "t.conf:10: User: not allowed in Monitor",
	    "t.conf:11: LogLevel: not allowed in Monitor", NULL);
}

static void
test_unclosed_brace(void **state)
{
	(void)state;
	errors("ExtWrtName A\nTimeout {\n  AnyCmd 30\n",
	    "t.conf:2: Timeout: block not closed (missing })", NULL);
	errors("RetryLimit\n{\n Count 5\n",
	    "t.conf:1: RetryLimit: block not closed (missing })", NULL);
	/* a block keyword of the top level inside a block: the block before
	 * lacks its `}`, and what follows is read at the top level */
	errors("Timeout {\n  AnyCmd 30\nTargetServer {\n  TargetIP 192.0.2.1\n}\n",
	    "t.conf:1: Timeout: block not closed (missing })", NULL);
}

static void
test_stray_brace(void **state)
{
	(void)state;
	errors("ExtWrtName A\n}\nTimeout {\n}\n}\n",
	    "t.conf:2: }: no block to close",
	    "t.conf:5: }: no block to close", NULL);
	errors("{\n  x\n}\n", "t.conf:1: {: block without a keyword", NULL);
}

static void
test_block_shape_errors(void **state)
{
	(void)state;
	errors("Timeout\nExtWrtName A\n",
	    "t.conf:1: Timeout: needs a block ({ ... })", NULL);
	errors("ExtWrtName A {\n x\n}\n",
	    "t.conf:1: ExtWrtName: does not take a block", NULL);
	errors("TargetServer mail {\n TargetIP 192.0.2.1\n}\n",
	    "t.conf:1: TargetServer: takes no value", NULL);
}

static void
test_missing_and_extra_values(void **state)
{
	(void)state;
	errors("ExtWrtName\n"
	       "StateDir /a /b\n"
	       "TargetServer {\n TargetIP\n ConnectPort\n}\n"
	       "AuthEntity {\n User u\n PasswordFile /p\n}\n"
	       "Passive {\n Interface eth0\n Ports\n}\n",
	    "t.conf:1: ExtWrtName: missing value",
	    "t.conf:2: StateDir: takes one value, not 2",
	    "t.conf:4: TargetIP: missing value",
	    "t.conf:5: ConnectPort: missing value",
	    "t.conf:7: AuthEntity: missing value",
	    "t.conf:13: Ports: missing value", NULL);
}

static void
test_bad_addresses(void **state)
{
	(void)state;
	errors("TargetServer {\n"
	       " TargetIP 192.0.2.256\n"
	       " TargetIP mail.example.com\n"
	       " TargetIP 2001:db8::1::2\n"
	       " TargetIP [2001:db8::1]\n"
	       "}\n"
	       "NameServer 192.0.2.1,300.1.1.1\n",
	    "t.conf:2: TargetIP: \"192.0.2.256\" is not an IPv4 or IPv6 address",
	    "t.conf:3: TargetIP: \"mail.example.com\" is not an IPv4 or IPv6 address",
	    "t.conf:4: TargetIP: \"2001:db8::1::2\" is not an IPv4 or IPv6 address",
	    "t.conf:5: TargetIP: \"[2001:db8::1]\" is not an IPv4 or IPv6 address",
	    "t.conf:7: NameServer: \"300.1.1.1\" is not an address (ADDR, ADDR:PORT, IPv6 or [IPv6]:PORT)",
	    NULL);
	errors("NameServer 192.0.2.1:0\nHeloName -bad-.example\n",
	    "t.conf:1: NameServer: \"192.0.2.1:0\" is not an address (ADDR, ADDR:PORT, IPv6 or [IPv6]:PORT)",
	    "t.conf:2: HeloName: \"-bad-.example\" is not a host name or [address] literal", NULL);
	errors("NameServer \"192.0.2.1,,192.0.2.2\"\nNameServer [::1]x\n",
	    "t.conf:1: NameServer: \"\" is not an address (ADDR, ADDR:PORT, IPv6 or [IPv6]:PORT)",
	    "t.conf:2: NameServer: given twice (first at line 1)", NULL);
}

static void
test_bad_target_values(void **state)
{
	(void)state;
	errors("TargetServer {\n"
	       " TargetName mail..example.com\n"
	       " ConnectPort 65536\n"
	       " Secure maybe\n"
	       " TlsServerName under_score.example\n"
	       " MinTlsLevel SSLv3\n"
	       "}\n"
	       "TargetServer {\n"
	       " TargetMx \"exa mple.org\"\n"
	       " TlsServerName 192.0.2.1\n"
	       "}\n",
	    "t.conf:2: TargetName: \"mail..example.com\" is not a host name",
	    "t.conf:3: ConnectPort: \"65536\" is not a port (1-65535)",
	    "t.conf:4: Secure: \"maybe\" is not Yes or No",
	    "t.conf:5: TlsServerName: \"under_score.example\" is not a DNS name",
	    "t.conf:6: MinTlsLevel: \"SSLv3\" is not a TLS level (10, 11, 12, 13, T1 or TLSv1.0 .. TLSv1.3)",
	    "t.conf:9: TargetMx: \"exa mple.org\" is not a domain name",
	    "t.conf:10: TlsServerName: \"192.0.2.1\" is not a DNS name", NULL);
}

static void
test_target_kind_errors(void **state)
{
	(void)state;
	errors("TargetServer {\n Secure yes\n}\n"
	       "TargetServer {\n TargetName x.example\n TargetMx example.net\n}\n"
	       "targetserver {\n TargetIP 192.0.2.2\n TargetName b.example\n TargetMx example\n}\n"
	       "TargetServer {\n TargetName a.example\n TargetName b.example\n}\n",
	    "t.conf:1: TargetServer: needs TargetIP, TargetName or TargetMx",
	    "t.conf:4: TargetServer: mixes TargetName and TargetMx (one kind per block)",
	    "t.conf:8: targetserver: mixes TargetIP, TargetName and TargetMx (one kind per block)",
	    "t.conf:15: TargetName: given twice (first at line 14)", NULL);
}

/* CSSMTP lets one block carry TargetIP lines and a TargetName: two targets,
 * same port and policy. */
static void
test_ip_and_name_in_one_block(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = ok("AuthEntity probe {\n User u\n PasswordFile /etc/pw\n}\n"
	    "TargetServer {\n TargetIP 192.0.2.1\n TargetName mail.example.com\n"
	    " TargetIP 192.0.2.2\n ConnectPort 587\n Secure Yes\n AuthEntity probe\n"
	    " TlsServerName mail.example.com\n}\n"
	    "TargetServer {\n TargetIP 192.0.2.3\n}\n");
	assert_int_equal(cfg->n_targets, 3);
	assert_int_equal(cfg->targets[0].kind, TARGET_IP);
	assert_int_equal(cfg->targets[0].n_addrs, 2);
	assert_null(cfg->targets[0].host);
	assert_int_equal(addr_port(&cfg->targets[0].addrs[1]), 587);
	/* the host part comes right after the block it was written in */
	assert_int_equal(cfg->targets[2].kind, TARGET_IP);
	assert_int_equal(cfg->targets[1].kind, TARGET_NAME);
	assert_string_equal(cfg->targets[1].host, "mail.example.com");
	assert_int_equal(cfg->targets[1].n_addrs, 0);
	assert_int_equal(cfg->targets[1].port, 587);
	assert_true(cfg->targets[1].secure);
	assert_non_null(cfg->targets[1].auth);
	assert_string_equal(cfg->targets[1].auth->user, "u");
	assert_string_equal(cfg->targets[1].tls_server_name, "mail.example.com");
	assert_int_equal(cfg->targets[1].line, 5);
	config_free(cfg);
}

static void
test_duplicate_addresses(void **state)
{
	(void)state;
	errors("TargetServer {\n"
	       " TargetIP 192.0.2.1\n"
	       " TargetIP 192.0.2.1\n"
	       "}\n"
	       "TargetServer {\n"
	       " TargetIP 2001:db8::1\n"
	       "}\n"
	       "TargetServer {\n"
	       " TargetIP 2001:DB8:0::1\n"
	       " TargetIP 192.0.2.1\n"
	       " ConnectPort 587\n"    /* a different port: not a duplicate */
	       "}\n"
	       "TargetServer {\n"
	       " targetip 192.0.2.1\n"
	       "}\n",
	    "t.conf:3: TargetIP: 192.0.2.1:25 given twice (first at line 2)",
	    "t.conf:14: targetip: 192.0.2.1:25 given twice (first at line 2)", NULL);
	errors("TargetServer {\n TargetIP 2001:db8::1\n}\n"
	       "TargetServer {\n TargetIP 2001:DB8:0::1\n}\n"
	       "TargetServer {\n TargetName Mail.Example.com.\n}\n"
	       "TargetServer {\n TargetName mail.example.com\n}\n"
	       "TargetServer {\n TargetMx mail.example.com\n}\n",
	    "t.conf:5: TargetIP: [2001:DB8:0::1]:25 given twice (first at line 2)",
	    "t.conf:11: TargetName: mail.example.com:25 given twice (first at line 8)", NULL);
}

static void
test_auth_errors(void **state)
{
	(void)state;
	errors("TargetServer {\n TargetIP 192.0.2.1\n AuthEntity nobody\n}\n"
	       "AuthEntity a {\n User u\n}\n"
	       "AuthEntity a {\n PasswordFile etc/pw\n}\n"
	       "AuthEntity \"b c\" {\n User u\n PasswordFile /p\n}\n",
	    "t.conf:3: AuthEntity: no AuthEntity block named \"nobody\"",
	    "t.conf:5: AuthEntity: missing PasswordFile",
	    "t.conf:8: AuthEntity: name \"a\" given twice (first at line 5)",
	    "t.conf:8: AuthEntity: missing User",
	    "t.conf:9: PasswordFile: \"etc/pw\" is not an absolute path",
	    "t.conf:11: AuthEntity: \"b c\" is not a name (1-64 of A-Z a-z 0-9 . _ -)", NULL);
}

static void
test_path_errors(void **state)
{
	char sock[128], text[512], want[256];
	struct config *cfg;
	(void)state;

	errors("AppldataLog appldata.log\n"
	       "StateDir ./state\n"
	       "PidFile run/x.pid\n"
	       "CAFile ~/ca.pem\n"
	       "User \"bad user\"\n",
	    "t.conf:1: AppldataLog: \"appldata.log\" is not an absolute path",
	    "t.conf:2: StateDir: \"./state\" is not an absolute path",
	    "t.conf:3: PidFile: \"run/x.pid\" is not an absolute path",
	    "t.conf:4: CAFile: \"~/ca.pem\" is not an absolute path",
	    "t.conf:5: User: \"bad user\" is not a user name", NULL);

	/* sun_path holds 108 bytes with the NUL: 107 is the longest */
	memset(sock, 'a', sizeof sock);
	sock[0] = '/';
	sock[107] = '\0';
	snprintf(text, sizeof text, "ControlSocket %s\n", sock);
	cfg = ok(text);
	assert_string_equal(cfg->control_socket, sock);
	config_free(cfg);
	sock[107] = 'a';
	sock[108] = '\0';
	snprintf(text, sizeof text, "ControlSocket %s\n", sock);
	snprintf(want, sizeof want, "t.conf:1: ControlSocket: \"%.64s...\" "
	    "is too long for a unix socket (108 bytes, max 107)", sock);
	errors(text, want, NULL);
}

static void
test_passive_errors(void **state)
{
	(void)state;
	errors("Passive {\n Interface eth0\n PcapFile /x.pcap\n Ports 25 0 25 70000\n}\n"
	       "Passive {\n}\n",
	    "t.conf:3: PcapFile: cannot be combined with Interface (line 2)",
	    "t.conf:4: Ports: \"0\" is not a port (1-65535)",
	    "t.conf:4: Ports: port 25 given twice",
	    "t.conf:4: Ports: \"70000\" is not a port (1-65535)",
	    "t.conf:6: Passive: given twice (first at line 1)", NULL);
	errors("Passive {\n PcapFile /x.pcap\n Ports 12529-12525 25 1-x any 20-30\n}\n",
	    "t.conf:3: Ports: \"12529-12525\": the range is reversed (write 12525-12529)",
	    "t.conf:3: Ports: \"1-x\" is not a port, a range LOW-HIGH or any",
	    "t.conf:3: Ports: \"any\" stands alone: it cannot be combined with ports",
	    "t.conf:3: Ports: \"20-30\" overlaps port 25", NULL);
	errors("Passive {\n Ports 25\n}\n", "t.conf:1: Passive: needs Interface or PcapFile", NULL);
	errors("Passive {\n PcapFile cap.pcap\n Interface eth0\n Interface eth0\n"
	       " Ports 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29"
	       " 30 31 32 33\n}\n",
	    "t.conf:2: PcapFile: \"cap.pcap\" is not an absolute path",
	    "t.conf:4: Interface: \"eth0\" given twice",
	    "t.conf:5: Ports: more than 32 ports and ranges", NULL);
}

static void
test_token_errors(void **state)
{
	char *big, want[256];
	struct config_errors e = { 0 };
	(void)state;

	errors("StateDir \"/var/lib\n", "t.conf:1: StateDir: quoted string not terminated", NULL);
	errors("StateDir /var/\001lib\n", "t.conf:1: StateDir: control character in value", NULL);
	assert_null(config_parse("t.conf", "User a\0b\n", 9, &e));
	assert_int_equal(e.n, 1);
	assert_string_equal(e.msg[0], "t.conf:1: User: control character in value");
	config_errors_clear(&e);

	big = malloc(2100);
	assert_non_null(big);
	memcpy(big, "StateDir /", 10);
	memset(big + 10, 'x', 2000);
	strcpy(big + 2010, "\n");
	errors(big, "t.conf:1: StateDir: value too long (max 1024 bytes)", NULL);
	/* a long unknown keyword is cut in the message */
	snprintf(want, sizeof want, "t.conf:1: /%.63s...: unknown keyword", big + 10);
	errors(big + 9, want, NULL);
	free(big);
	errors("\001bad 1\n", "t.conf:1: \\x01bad: unknown keyword", NULL);
}

static void
test_several_errors_in_order(void **state)
{
	(void)state;
	errors("ExtWrtName TOOLONGNAME\n"          /* 1 */
	       "Timeout {\n"                        /* 2 */
	       "  InitialMsg 5000s\n"               /* 3 */
	       "  Bogus 1\n"                        /* 4 */
	       "}\n"                                /* 5 */
	       "TargetServer {\n"                   /* 6 */
	       "  TargetIP 192.0.2.300\n"           /* 7 */
	       "  ConnectPort 0\n"                  /* 8 */
	       "  AuthEntity nosuch\n"              /* 9 */
	       "}\n"                                /* 10 */
	       "ExtWrtName OK\n"                    /* 11 */
	       "}\n",                               /* 12 */
	    "t.conf:1: ExtWrtName: \"TOOLONGNAME\" is not 1-8 characters of A-Z 0-9 $ # @",
	    "t.conf:3: InitialMsg: \"5000s\" out of range (100ms..3600s)",
	    "t.conf:4: Bogus: unknown keyword",
	    "t.conf:7: TargetIP: \"192.0.2.300\" is not an IPv4 or IPv6 address",
	    "t.conf:8: ConnectPort: \"0\" is not a port (1-65535)",
	    "t.conf:9: AuthEntity: no AuthEntity block named \"nosuch\"",
	    "t.conf:11: ExtWrtName: given twice (first at line 1)",
	    "t.conf:12: }: no block to close", NULL);
}

static void
test_error_cap(void **state)
{
	struct config_errors e = { 0 };
	char text[150 * 8 + 1];
	size_t i;
	(void)state;

	for (i = 0; i < 150; i++)
		memcpy(text + i * 8, "Bogus 1\n", 8);
	text[150 * 8] = '\0';
	assert_null(parse(text, &e));
	assert_int_equal(e.n, CONFIG_MAX_ERRORS);
	assert_int_equal(e.total, 150);
	assert_string_equal(e.msg[0], "t.conf:1: Bogus: unknown keyword");
	assert_string_equal(e.msg[99], "t.conf:100: Bogus: unknown keyword");
	/* the struct is reusable: a new parse starts from no errors */
	assert_null(parse("Bogus\n", &e));
	assert_int_equal(e.n, 1);
	assert_int_equal(e.total, 1);
	config_errors_clear(&e);
	assert_int_equal(e.n, 0);
}

static void
test_unused_once_and_blocks(void **state)
{
	struct config *cfg = ok(
	    "MailAdministrator a@example.com\n"
	    "mailadministrator b@example.com\n"
	    "RetryLimit { Count 5 Interval { nested } }\n"
	    "LogLevel 7 {\n anything at all\n}\n"
	    "TargetServer {\n TargetIP 192.0.2.1\n MBCharset IBM-5052\n}\n");
	(void)state;

	assert_int_equal(cfg->n_unused, 4);
	assert_string_equal(cfg->unused[0], "t.conf:1: MailAdministrator");
	assert_string_equal(cfg->unused[1], "t.conf:3: RetryLimit");
	assert_string_equal(cfg->unused[2], "t.conf:4: LogLevel");
	assert_string_equal(cfg->unused[3], "t.conf:9: MBCharset");
	config_free(cfg);
}

/* ---- config_load ---- */

static char tmpdir[64];

static int
setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_config.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown_dir(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
write_file(const char *name, const char *text, char *path, size_t size)
{
	FILE *f;

	snprintf(path, size, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

static void
test_load_with_password(void **state)
{
	char pw[256], conf[256], text[1024];
	struct config_errors e = { 0 };
	struct config *cfg;
	(void)state;

	write_file("pw", "s3cret pass\r\nsecond line\n", pw, sizeof pw);
	snprintf(text, sizeof text,
	    "AuthEntity probe {\n User u\n PasswordFile %s\n}\n"
	    "TargetServer {\n TargetName mail.example.com\n AuthEntity probe\n}\n", pw);
	write_file("ok.conf", text, conf, sizeof conf);
	cfg = config_load(conf, &e);
	assert_non_null(cfg);
	assert_int_equal(e.total, 0);
	assert_string_equal(cfg->file, conf);
	assert_string_equal(cfg->auths[0].password, "s3cret pass");
	assert_ptr_equal(cfg->targets[0].auth, &cfg->auths[0]);
	config_free(cfg);
	config_errors_clear(&e);
}

static void
test_load_password_file_missing_or_empty(void **state)
{
	char empty[256], conf[256], text[1024], want[1024];
	struct config_errors e = { 0 };
	(void)state;

	write_file("empty", "\nnot the first line\n", empty, sizeof empty);
	snprintf(text, sizeof text,
	    "AuthEntity a {\n User u\n PasswordFile %s/nonexistent\n}\n"
	    "Bogus\n"
	    "authentity b {\n User u\n PasswordFile %s\n}\n", tmpdir, empty);
	write_file("bad.conf", text, conf, sizeof conf);
	assert_null(config_load(conf, &e));
	assert_int_equal(e.n, 3);
	snprintf(want, sizeof want,
	    "%s:1: AuthEntity: PasswordFile \"%s/nonexistent\": No such file or directory",
	    conf, tmpdir);
	assert_string_equal(e.msg[0], want);
	snprintf(want, sizeof want, "%s:5: Bogus: unknown keyword", conf);
	assert_string_equal(e.msg[1], want);
	snprintf(want, sizeof want, "%s:6: authentity: PasswordFile \"%s\" is empty", conf, empty);
	assert_string_equal(e.msg[2], want);
	config_errors_clear(&e);
}

static void
test_load_password_line_too_long(void **state)
{
	char pw[256], conf[256], text[1024], want[1024], *line;
	struct config_errors e = { 0 };
	(void)state;

	line = malloc(1100);
	assert_non_null(line);
	memset(line, 'p', 1025);
	strcpy(line + 1025, "\n");
	write_file("longpw", line, pw, sizeof pw);
	snprintf(text, sizeof text, "AuthEntity a {\n User u\n PasswordFile %s\n}\n", pw);
	write_file("long.conf", text, conf, sizeof conf);
	assert_null(config_load(conf, &e));
	assert_int_equal(e.n, 1);
	snprintf(want, sizeof want,
	    "%s:1: AuthEntity: PasswordFile \"%s\": first line longer than 1024 bytes", conf, pw);
	assert_string_equal(e.msg[0], want);
	config_errors_clear(&e);
	free(line);
}

static void
test_load_file_errors(void **state)
{
	char path[256], want[512];
	struct config_errors e = { 0 };
	FILE *f;
	(void)state;

	snprintf(path, sizeof path, "%s/absent.conf", tmpdir);
	assert_null(config_load(path, &e));
	assert_int_equal(e.n, 1);
	snprintf(want, sizeof want, "%s: No such file or directory", path);
	assert_string_equal(e.msg[0], want);

	snprintf(path, sizeof path, "%s/big.conf", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fseek(f, (long)CONFIG_MAX_BYTES, SEEK_SET), 0);
	assert_int_equal(fputc('\n', f), '\n');
	assert_int_equal(fclose(f), 0);
	assert_null(config_load(path, &e));
	assert_int_equal(e.n, 1);
	snprintf(want, sizeof want, "%s: larger than 4194304 bytes", path);
	assert_string_equal(e.msg[0], want);
	config_errors_clear(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_top_keyword),
		cmocka_unit_test(test_alert_command),
		cmocka_unit_test(test_case_comments_crlf),
		cmocka_unit_test(test_hash_inside_word),
		cmocka_unit_test(test_durations_with_units),
		cmocka_unit_test(test_reprobe_off),
		cmocka_unit_test(test_noop_budget),
		cmocka_unit_test(test_block_on_one_line),
		cmocka_unit_test(test_brace_on_next_line),
		cmocka_unit_test(test_multiple_target_ip),
		cmocka_unit_test(test_ipv6_target),
		cmocka_unit_test(test_target_name_and_mx),
		cmocka_unit_test(test_tls_level_words),
		cmocka_unit_test(test_auth_forward_reference),
		cmocka_unit_test(test_agentx_off_and_spec),
		cmocka_unit_test(test_helo_literal),
		cmocka_unit_test(test_passive),
		cmocka_unit_test(test_quoted_values),
		cmocka_unit_test(test_cssmtp_file_accepted),
		cmocka_unit_test(test_many_targets),
		cmocka_unit_test(test_bad_writer_name),
		cmocka_unit_test(test_duration_errors),
		cmocka_unit_test(test_given_twice),
		cmocka_unit_test(test_unknown_keyword),
		cmocka_unit_test(test_metrics_listen),
		cmocka_unit_test(test_wrong_block),
		cmocka_unit_test(test_unclosed_brace),
		cmocka_unit_test(test_stray_brace),
		cmocka_unit_test(test_block_shape_errors),
		cmocka_unit_test(test_missing_and_extra_values),
		cmocka_unit_test(test_bad_addresses),
		cmocka_unit_test(test_bad_target_values),
		cmocka_unit_test(test_target_kind_errors),
		cmocka_unit_test(test_ip_and_name_in_one_block),
		cmocka_unit_test(test_duplicate_addresses),
		cmocka_unit_test(test_auth_errors),
		cmocka_unit_test(test_path_errors),
		cmocka_unit_test(test_passive_errors),
		cmocka_unit_test(test_token_errors),
		cmocka_unit_test(test_several_errors_in_order),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_unused_once_and_blocks),
		cmocka_unit_test(test_load_with_password),
		cmocka_unit_test(test_load_password_file_missing_or_empty),
		cmocka_unit_test(test_load_password_line_too_long),
		cmocka_unit_test(test_load_file_errors),
	};
	int rc;

	if (setup_dir(NULL) != 0)
		return 1;
	rc = cmocka_run_group_tests_name("config", tests, NULL, NULL);
	teardown_dir(NULL);
	return rc;
}
