/* agent/cli/pcapcmd.h: `smtpmonctl pcap FILE`: classify a capture file one-shot.
 *
 * Runs the passive probe (probes/passive) over a pcap or pcapng file without
 * a daemon, feeds every session to a fresh agent/pserver table, and prints
 * one row (or JSON object) per server address and port, the alerts the
 * sessions raised and, with --sessions, one AppldataLog-style line per
 * session. A summary goes to stderr. Exit status: 0 read to the end and no
 * alert, 1 an alert was raised or the capture is truncated, 3 the file could
 * not be read or the arguments are wrong.
 *
 * Linked into the program smtpmonctl-pcap (agent/cli/pcapmain.c), not into
 * smtpmonctl, which execs it for `smtpmonctl pcap`: the only command that
 * needs libpcap.
 */
#ifndef SMTPMON_PCAPCMD_H
#define SMTPMON_PCAPCMD_H

#include <stdio.h>

int pcap_main(int argc, char **argv);
void pcap_usage(FILE *f);

#endif
