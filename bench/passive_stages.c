/* bench/passive_stages.c: where the passive probe's time goes, stage by
 * stage, on one capture file.
 *
 *   bench/passive_stages FILE STAGE
 *     STAGE 0: pcap_loop + pkt_decode + tcp_reasm, data callbacks empty
 *     STAGE 1: ... + smtp_wire on every flow (TLS readers from a free list)
 *   (stage 2, the whole probe with session hand-over and the per-server
 *   table, is `smtpmonctl pcap --json FILE`; the floor is bench/pcap_loop).
 * Prints packets and seconds (wall clock, monotonic) on stdout.
 */
#include "buildconf.h"
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pktdecode.h"
#include "smtp_wire.h"
#include "tcp_reasm.h"

static int stage;
static struct tls_wire *spare[1024];
static int nspare;
static struct tcp_reasm *reasm;
static int linktype;
static unsigned long long packets;

static struct tls_wire *
get(void *arg)
{
	(void)arg;
	return nspare > 0 ? spare[--nspare] : malloc(sizeof(struct tls_wire));
}

static void
put(void *arg, struct tls_wire *w)
{
	(void)arg;
	if (nspare < 1024)
		spare[nspare++] = w;
	else
		free(w);
}

static const struct smtp_wire_pool pool = { .get = get, .put = put };

static void *
flow_new(void *arg, const struct tcp_reasm_flow_info *fi)
{
	struct smtp_wire *sw = malloc(sizeof *sw);

	(void)arg, (void)fi;
	if (sw == NULL)
		abort();
	smtp_wire_init(sw, &pool);
	return sw;
}

static void
flow_end(void *arg, void *user, enum tcp_reasm_end why)
{
	(void)arg, (void)why;
	smtp_wire_end(user);
	free(user);
}

static void
data(void *user, int dir, const uint8_t *p, size_t n)
{
	if (stage >= 1)
		smtp_wire_feed(user, dir, p, n);
}

static bool
server_port(void *arg, uint16_t port)
{
	(void)arg;
	return port == 25 || port == 465 || port == 587;
}

static void
on_packet(u_char *u, const struct pcap_pkthdr *h, const u_char *b)
{
	struct pkt_tcp seg;

	(void)u;
	packets++;
	if (pkt_decode(linktype, b, h->caplen, h->len, &seg) == PKT_OK)
		tcp_reasm_packet(reasm, &seg, (uint64_t)h->ts.tv_sec * 1000000u +
		    (uint64_t)h->ts.tv_usec);
}

int
main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct tcp_reasm_cb cb = { .flow_new = flow_new, .flow_end = flow_end, .data = data,
		.is_server_port = server_port };
	struct timespec t0, t1;
	pcap_t *pc;

	if (argc != 3) {
		fprintf(stderr, "usage: passive_stages FILE 0|1\n");
		return 2;
	}
	stage = atoi(argv[2]);
	if ((pc = pcap_open_offline(argv[1], err)) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	linktype = pcap_datalink(pc);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	reasm = tcp_reasm_new(NULL, &cb, NULL);
	pcap_loop(pc, -1, on_packet, NULL);
	tcp_reasm_expire(reasm, UINT64_MAX);
	tcp_reasm_free(reasm);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("stage=%d packets=%llu seconds=%.3f\n", stage, packets,
	    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	pcap_close(pc);
	while (nspare > 0)
		free(spare[--nspare]);
	return 0;
}
