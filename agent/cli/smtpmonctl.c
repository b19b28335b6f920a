/* agent/cli/smtpmonctl.c: the command-line front end. Subcommands:
 *   check   one-shot probe of one SMTP server (agent/cli/check.c)
 *   demo    built-in demo servers watched by a real smtpmond (agent/cli/demo.c)
 *   pcap    classify a capture file one-shot: runs the program smtpmonctl-pcap
 *           (agent/cli/pcapmain.c, pcapcmd.c), so that smtpmonctl itself does not
 *           link libpcap and its dependencies
 *   status, appldata, targets, passive, baseline, reload: ask the running smtpmond
 *           (agent/cli/ctlclient.c)
 */
#include "buildconf.h"
#include "check.h"
#include "ctlclient.h"
#include "demo.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
usage(FILE *f)
{
	fputs("usage: smtpmonctl check [options] HOST[:PORT]   probe one SMTP server once\n"
	      "       smtpmonctl demo                        smtpmond against built-in demo servers\n"
	      "       smtpmonctl pcap [--json] [--sessions] FILE\n"
	      "                                              classify the SMTP sessions of a capture\n"
	      "       smtpmonctl [-s SOCKET] status [--json] one row per target\n"
	      "       smtpmonctl [-s SOCKET] appldata [--json] 4-tuple and record per open connection\n"
	      "       smtpmonctl [-s SOCKET] targets [--json] the configured targets\n"
	      "       smtpmonctl [-s SOCKET] passive [--json] servers seen by the passive probe\n"
	      "       smtpmonctl [-s SOCKET] baseline show [TARGET] [--json]\n"
	      "                                              TLS baselines and downgrades\n"
	      "       smtpmonctl [-s SOCKET] baseline reset TARGET [--json]\n"
	      "                                              accept TARGET's posture as normal\n"
	      "       smtpmonctl [-s SOCKET] reload          reload the daemon's configuration\n"
	      "       smtpmonctl --version | --help\n"
	      "SOCKET defaults to $SMTPMON_SOCKET, else " CTL_DEFAULT_SOCKET ".\n"
	      "TARGET is ADDR:PORT, ADDR (every port), a row index, or a TargetName/TargetMx name.\n"
	      "Run `smtpmonctl check --help` and `smtpmonctl pcap --help` for their options.\n", f);
}

/* `smtpmonctl pcap ARGS`: exec smtpmonctl-pcap with argv = { "pcap", ARGS }.
 * The program next to this one wins (a build tree: agent/smtpmonctl and
 * agent/smtpmonctl-pcap), else the installed one in PCAP_HELPER
 * ($(pkglibexecdir)). Returns only on failure, with exit status 3 (the status
 * of a capture that cannot be read). */
static int
run_pcap(char **argv)
{
	char self[PATH_MAX], near[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

	if (n > 0) {
		char *slash;

		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			snprintf(near, sizeof near, "%s/smtpmonctl-pcap", self);
			if (access(near, X_OK) == 0)
				execv(near, argv);
		}
	}
	execv(PCAP_HELPER, argv);
	fprintf(stderr, "smtpmonctl pcap: cannot run %s: %s\n", PCAP_HELPER, strerror(errno));
	return 3;
}

#ifdef SMTPMON_TEST_LEAK
/* --enable-test-leak: one allocation never freed, for the harness to catch */
__attribute__((noinline)) static void
test_leak(void)
{
	char *volatile p = malloc(48);

	if (p != NULL)
		p[0] = 1;
}
#endif

int
main(int argc, char **argv)
{
	const char *sock = getenv("SMTPMON_SOCKET");

#ifdef SMTPMON_TEST_LEAK
	test_leak();
#endif
	signal(SIGPIPE, SIG_IGN);
	if (sock == NULL || sock[0] == '\0')
		sock = CTL_DEFAULT_SOCKET;
	if (argc >= 3 && strcmp(argv[1], "-s") == 0) {
		sock = argv[2];
		argv[2] = argv[0];
		argc -= 2;
		argv += 2;
	}
	if (argc < 2) {
		usage(stderr);
		return 3;
	}
	if (strcmp(argv[1], "check") == 0)
		return check_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "demo") == 0)
		return demo_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "pcap") == 0)
		return run_pcap(argv + 1);
	if (strcmp(argv[1], "status") == 0 || strcmp(argv[1], "appldata") == 0 ||
	    strcmp(argv[1], "targets") == 0 || strcmp(argv[1], "reload") == 0 ||
	    strcmp(argv[1], "passive") == 0 ||
	    strcmp(argv[1], "baseline") == 0)
		return ctl_main(sock, argc - 1, argv + 1);
	if (strcmp(argv[1], "--version") == 0) {
		printf("smtpmonctl (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "smtpmonctl: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 3;
}
