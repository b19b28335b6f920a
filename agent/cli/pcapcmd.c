/* agent/cli/pcapcmd.c: see pcapcmd.h. */
#include "buildconf.h"
#include "pcapcmd.h"
#include "appldata.h"
#include "appldata_log.h"
#include "config.h"
#include "json.h"
#include "passive.h"
#include "portset.h"
#include "preport.h"
#include "pserver.h"
#include "util.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define PCAP_MAX_SERVERS 100000

struct pcap_run {
	struct pserver_table *tab;
	bool sessions;               /* print a line per session */
	bool json;
	uint64_t alerts, suppressed;
	char writer[9];
	FILE *alerts_out;            /* alert lines (stdout in text mode, stderr with --json) */
};

void
pcap_usage(FILE *f)
{
	fputs("usage: smtpmonctl pcap [--json] [--sessions] [--ports LIST|any] [--writer NAME] FILE\n"
	      "\n"
	      "Classify the SMTP servers seen in a capture file (pcap or pcapng; - for stdin)\n"
	      "without a daemon: server type, STARTTLS, TLS version and cipher per server\n"
	      "address and port, and the STARTTLS stripping and downgrade alerts.\n"
	      "  --json            one JSON object per server (an array) on stdout\n"
	      "  --sessions        also one line per session: time, client, server,\n"
	      "                    \"passive\", the 40-byte appldata record\n"
	      "  --ports LIST      server ports and ranges, e.g. 25,587,12525-12529\n"
	      "                    (default 25,587,465; at most 32 ports and ranges)\n"
	      "  --ports any       every TCP port: a flow is SMTP when the server's first\n"
	      "                    bytes are a 220 greeting or the client's EHLO/HELO\n"
	      "  --writer NAME     writer name in the appldata records (default SMTPMON)\n"
	      "Exit status: 0 no alert, 1 an alert or a truncated capture, 3 unreadable.\n", f);
}

static void
on_session(void *arg, const struct passive_session *s)
{
	struct pcap_run *run = arg;
	struct pserver_alert al[PS_EV_COUNT];
	size_t n = 0;
	char rec[APPLDATA_LEN + 1];

	pserver_observe(run->tab, s, NULL, al, &n, rec);
	if (run->sessions) {
		char line[APPLDATA_LINE_MAX];
		struct timespec ts = { .tv_sec = (time_t)(s->final_us / 1000000u),
			.tv_nsec = (long)(s->final_us % 1000000u) * 1000 };

		appldata_log_format(line, &ts, s->client_text, s->server_text, "passive", rec);
		fputs(line, run->json ? stderr : stdout);
	}
	for (size_t i = 0; i < n; i++) {
		char text[512];

		preport_alert_text(&al[i], text, sizeof text);
		fprintf(run->alerts_out, "ALERT %s%s\n", text, al[i].suppressed ? " (suppressed)" : "");
		if (al[i].suppressed)
			run->suppressed++;
		else
			run->alerts++;
	}
}

int
pcap_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "sessions", no_argument, NULL, 'S' },
		{ "ports", required_argument, NULL, 'p' },
		{ "writer", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pcap_run run = { .alerts_out = stdout };
	struct passive_cfg pc = { 0 };
	struct portset ports;
	bool ports_set = false;
	const struct passive_stats *st;
	struct passive *p;
	char err[512];
	int ch, rc;

	str_copy(run.writer, "SMTPMON", sizeof run.writer);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			run.json = true;
			run.alerts_out = stderr;
			break;
		case 'S':
			run.sessions = true;
			break;
		case 'p':
			if (portset_parse(&ports, optarg, err, sizeof err) != 0) {
				fprintf(stderr, "smtpmonctl pcap: --ports: %s\n", err);
				return 3;
			}
			ports_set = true;
			break;
		case 'W':
			if (!appldata_writer_norm(optarg, run.writer)) {
				fprintf(stderr, "smtpmonctl pcap: --writer %s: 1-8 of A-Z 0-9 $ # @\n",
				    optarg);
				return 3;
			}
			break;
		case 'h':
			pcap_usage(stdout);
			return 0;
		default:
			pcap_usage(stderr);
			return 3;
		}
	}
	if (optind != argc - 1) {
		pcap_usage(stderr);
		return 3;
	}
	pc.file = argv[optind];
	pc.ports = ports_set ? &ports : NULL;
	run.tab = pserver_new(PCAP_MAX_SERVERS, run.writer);
	if ((p = passive_open(&pc, on_session, &run, err, sizeof err)) == NULL) {
		fprintf(stderr, "smtpmonctl pcap: %s\n", err);
		pserver_free(run.tab);
		return 3;
	}
	rc = passive_run(p);
	st = passive_stats(p);

	if (run.json) {
		struct json j;

		json_init(&j, stdout);
		json_arr_begin(&j);
		for (size_t i = 0; i < pserver_count(run.tab); i++)
			preport_json(&j, pserver_at(run.tab, i));
		json_arr_end(&j);
		fputc('\n', stdout);
	} else {
		preport_text_header(stdout);
		for (size_t i = 0; i < pserver_count(run.tab); i++)
			preport_text_row(stdout, pserver_at(run.tab, i));
	}
	fprintf(stderr, "smtpmonctl pcap: %s: %llu packets (%llu TCP to the SMTP ports, %llu other, "
	    "%llu malformed), %llu sessions (%llu TLS, %llu basic), %zu servers, "
	    "%llu bytes lost in the capture, %llu alerts%s\n", pc.file,
	    (unsigned long long)st->packets, (unsigned long long)st->tcp,
	    (unsigned long long)(st->not_tcp + st->fragments + st->unsupported),
	    (unsigned long long)st->malformed, (unsigned long long)st->sessions,
	    (unsigned long long)st->sessions_tls, (unsigned long long)st->sessions_plain,
	    pserver_count(run.tab), (unsigned long long)(st->reasm ? st->reasm->bytes_gap : 0),
	    (unsigned long long)run.alerts, run.suppressed ? " (more suppressed)" : "");
	if (ports_set && ports.any)
		fprintf(stderr, "smtpmonctl pcap: --ports any: %llu flows were not SMTP (dropped at "
		    "their first bytes)\n", (unsigned long long)st->flows_not_smtp);
	if (pserver_dropped(run.tab) > 0)
		fprintf(stderr, "smtpmonctl pcap: %llu sessions of servers beyond the first %d not "
		    "tabulated\n", (unsigned long long)pserver_dropped(run.tab), PCAP_MAX_SERVERS);
	if (rc != 0)
		fprintf(stderr, "smtpmonctl pcap: %s%s\n", st->read_error,
		    st->truncated ? " (the capture is truncated: read up to there)" : "");
	bool truncated = st->truncated, any = st->packets > 0;

	passive_close(p);
	pserver_free(run.tab);
	if (rc != 0 && !truncated)
		return any ? 1 : 3;
	return rc != 0 || run.alerts > 0 ? 1 : 0;
}
