/* agent/cli/pcapmain.c: agent/smtpmonctl-pcap, the program behind
 * `smtpmonctl pcap` (agent/cli/pcapcmd.h).
 *
 * The capture command is the only one that needs libpcap (and libpcap pulls
 * in libdbus, libsystemd, libgcrypt, liblzma, libzstd, liblz4), so it lives in
 * a program of its own, installed in $(pkglibexecdir): smtpmonctl execs it
 * with its own arguments from "pcap" on (argv[0] is "pcap", as pcap_main()
 * saw it when it was linked into smtpmonctl), and every other smtpmonctl
 * command starts without loading those libraries. Same options, output and
 * exit status as before; run by hand it behaves the same way.
 */
#include "buildconf.h"
#include "pcapcmd.h"

#include <signal.h>

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN); /* as smtpmonctl's main() */
	return pcap_main(argc, argv);
}
