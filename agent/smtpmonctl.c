/* agent/smtpmonctl.c: the command-line front end. Subcommands:
 *   check   one-shot probe of one SMTP server (agent/check.c)
 *   demo    built-in demo servers on loopback, checked (agent/demo.c)
 */
#include "config.h"
#include "check.h"
#include "demo.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static void
usage(FILE *f)
{
	fputs("usage: smtpmonctl check [options] HOST[:PORT]   probe one SMTP server once\n"
	      "       smtpmonctl demo                        check the built-in demo servers\n"
	      "       smtpmonctl --version | --help\n"
	      "Run `smtpmonctl check --help` for the check options.\n", f);
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return 3;
	}
	if (strcmp(argv[1], "check") == 0)
		return check_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "demo") == 0)
		return demo_main(argc - 1, argv + 1);
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
