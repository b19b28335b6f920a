/* bench/pcap_loop.c: the floor of any capture-file reader, a bare libpcap
 * read loop (bench/passive.sh compares the passive probe and tshark to it).
 *
 * usage: pcap_loop FILE
 * Opens FILE with pcap_open_offline, runs pcap_loop with a callback that
 * only counts packets and captured (caplen) bytes, and prints one line:
 *   packets=N bytes=N seconds=S pps=N mbps=N
 * (seconds: wall time of the loop, open included; mbps: 10^6 bytes/s of
 * captured bytes). Exit 1 when the file cannot be read; a file cut short
 * inside a record is read up to there, reported on stderr, exit 0.
 */
#ifdef HAVE_CONFIG_H
#include "buildconf.h"          /* in the automake build */
#else
#define _GNU_SOURCE 1           /* built alone: cc FILE.c ... */
#endif

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <pcap/pcap.h>

struct count {
	uint64_t packets, bytes;
};

static void
on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct count *c = (struct count *)user;

	(void)data;
	c->packets++;
	c->bytes += h->caplen;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct count c = { 0, 0 };
	pcap_t *p;
	double t0, s;
	int rc;

	if (argc != 2) {
		fputs("usage: pcap_loop FILE\n", stderr);
		return 2;
	}
	t0 = now_s();
	p = pcap_open_offline(argv[1], err);
	if (p == NULL) {
		fprintf(stderr, "pcap_loop: %s\n", err);
		return 1;
	}
	rc = pcap_loop(p, -1, on_packet, (u_char *)&c);
	if (rc == PCAP_ERROR)
		fprintf(stderr, "pcap_loop: %s: %s\n", argv[1], pcap_geterr(p));
	pcap_close(p);
	s = now_s() - t0;
	if (s <= 0)
		s = 1e-9;
	printf("packets=%" PRIu64 " bytes=%" PRIu64 " seconds=%.3f pps=%.0f mbps=%.1f\n",
	    c.packets, c.bytes, s, (double)c.packets / s, (double)c.bytes / s / 1e6);
	return rc == PCAP_ERROR && c.packets == 0 ? 1 : 0;
}
