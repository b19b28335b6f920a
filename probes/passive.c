/* probes/passive.c: see passive.h. */
#include "buildconf.h"
#include "passive.h"
#include "pktdecode.h"
#include "smtpsniff.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>


/* A classic pcap file read by ourselves, in large blocks into one buffer
 * (see map_open()): one copy where libpcap makes two per record. Not a
 * mapping: a file cut short while it is read (a capture ring reusing it,
 * copytruncate) must end the read with "truncated", not kill the process
 * with SIGBUS. libpcap reads everything else. */
#define PCAPMAP_BLOCK (1u << 20)
struct pcapmap {
	int fd;                      /* -1: not in use */
	uint8_t *buf;                /* PCAPMAP_BLOCK + the largest record */
	size_t have, off;            /* bytes in buf, the next unread one */
	bool eof;
	bool swap;                   /* written in the other byte order */
	bool nsec;                   /* nanosecond time stamps */
};

struct capture {
	pcap_t *pc;                  /* NULL when the file is read by map_loop() */
	struct pcapmap map;
	int linktype;
	int fd;                      /* selectable fd (live), -1 for a file */
	char name[64];
};

struct pflow {
	struct passive *p;
	struct tcp_reasm_flow_info fi;
	bool handed;                 /* the session went to the caller */
	bool done;                   /* handed over or not SMTP: marked IGNORE, nothing more fed */
	bool final;                  /* smtp_wire said FINAL (while GREETED: not handed yet) */
	bool kept;                   /* marked KEEP (`any`: found to be SMTP) */
	time_t cert_not_after;
	struct passive_tls_keys keys;
	struct smtp_wire *sw;        /* from the first byte or gap fed on (a SYN costs little) */
	struct smtpsniff sn;         /* `any`: is it SMTP? */
};

struct passive {
	struct capture cap[PASSIVE_MAX_IFACES];
	size_t n_cap;
	bool live;
	int stop_pipe[2];
	atomic_bool stopping;
	struct tcp_reasm *reasm;
	passive_session_fn *fn;
	void (*tick)(void *arg, const struct passive_stats *st);
	void *arg;
	uint8_t portmap[65536 / 8];  /* the ports; with any, 25 587 465 (to orient mid-stream flows) */
	bool any;                    /* every port: SMTP found by content */
	int cur_link;
	uint64_t now_us;
	struct pflow *cur;           /* the flow being fed (for tls_done) */
	/* the TLS reader pool */
	struct tls_wire **free_tls;
	size_t n_free, n_tls, max_tls;
	struct smtp_wire_pool pool;
	struct passive_stats st;
};

/* ---- the pool of TLS readers ---- */

static struct tls_wire *
pool_get(void *arg)
{
	struct passive *p = arg;

	if (p->n_free > 0)
		return p->free_tls[--p->n_free];
	if (p->n_tls < p->max_tls) {
		p->n_tls++;
		return xmalloc(sizeof(struct tls_wire));
	}
	p->st.tls_pool_empty++;
	return NULL;
}

static void
pool_put(void *arg, struct tls_wire *w)
{
	struct passive *p = arg;

	p->free_tls[p->n_free++] = w;   /* free_tls has room for max_tls */
}

static void
pool_tls_done(void *arg, int dir, const struct tls_wire_facts *f)
{
	struct passive *p = arg;
	int64_t nb, na;

	if (dir != SMTP_WIRE_S2C || p->cur == NULL)
		return;
	p->cur->keys.group = f->group != 0 ? f->group : f->ske_group;
	p->cur->keys.dh_bits = f->dh_bits;
	if (!f->have_cert || f->cert_der_len == 0)
		return;
	if (tls_wire_cert_validity(f->cert_der, f->cert_der_len, &nb, &na))
		p->cur->cert_not_after = (time_t)na;
	p->cur->keys.cert_known = tls_wire_cert_key(f->cert_der, f->cert_der_len,
	    &p->cur->keys.cert);
}

/* ---- sessions ---- */

/* Decimal digits of v at p; returns the end. */
static char *
put_dec(char *p, unsigned v)
{
	char d[8];
	int n = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		*p++ = d[--n];
	return p;
}

void
passive_addr_text(int family, const uint8_t addr[16], uint16_t port, char *out, size_t outsz)
{
	char a[INET6_ADDRSTRLEN];

	if (family != AF_INET6 && outsz >= 22) {   /* the common case, without stdio */
		char *p = out;

		for (int i = 0; i < 4; i++) {
			p = put_dec(p, addr[i]);
			*p++ = i < 3 ? '.' : ':';
		}
		p = put_dec(p, port);
		*p = '\0';
		return;
	}

	if (inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, a, sizeof a) == NULL)
		snprintf(a, sizeof a, "?");
	if (family == AF_INET6)
		snprintf(out, outsz, "[%s]:%u", a, (unsigned)port);
	else
		snprintf(out, outsz, "%s:%u", a, (unsigned)port);
}

static bool
showed_anything(const struct smtp_wire_facts *f)
{
	return f->banner_code != 0 || f->commands > 0 || f->client_hello || f->server_hello ||
	    f->tls_started;
}

void
passive_session_make(struct passive_session *s, const struct tcp_reasm_flow_info *fi,
    const struct smtp_wire_facts *f, uint64_t now_us, time_t cert_not_after,
    const char *end_reason)
{
	s->family = fi->family;
	memcpy(s->client, fi->client, 16);
	memcpy(s->server, fi->server, 16);
	s->client_port = fi->client_port;
	s->server_port = fi->server_port;
	passive_addr_text(s->family, s->client, s->client_port, s->client_text,
	    sizeof s->client_text);
	passive_addr_text(s->family, s->server, s->server_port, s->server_text,
	    sizeof s->server_text);
	s->start_us = fi->ts_us;
	s->final_us = now_us;
	s->midstream = fi->midstream;
	s->ended = end_reason != NULL;
	s->end_reason = end_reason;
	s->server_type = smtp_wire_server_type(f);
	s->security = smtp_wire_security(f);
	s->cert_not_after = cert_not_after;
	memset(&s->keys, 0, sizeof s->keys);
	memcpy(&s->facts, f, sizeof s->facts);
}

static void
hand_over(struct passive *p, struct pflow *fl, const char *end_reason)
{
	struct passive_session s;
	const struct smtp_wire_facts *f;

	if (fl->handed || fl->sw == NULL || !showed_anything(f = smtp_wire_facts(fl->sw)))
		return;
	fl->handed = true;
	passive_session_make(&s, &fl->fi, f, p->now_us, fl->cert_not_after, end_reason);
	s.keys = fl->keys;
	p->st.sessions++;
	if (s.security == 'T')
		p->st.sessions_tls++;
	else if (s.security == 'B')
		p->st.sessions_plain++;
	p->fn(p->arg, &s);
}

static void *
cb_flow_new(void *arg, const struct tcp_reasm_flow_info *fi)
{
	struct passive *p = arg;
	struct pflow *fl = xmalloc(sizeof(*fl));

	fl->p = p;
	fl->fi = *fi;
	fl->handed = fl->done = fl->final = fl->kept = false;
	fl->cert_not_after = 0;
	memset(&fl->keys, 0, sizeof fl->keys);
	fl->sw = NULL;
	smtpsniff_init(&fl->sn);
	return fl;
}

static struct smtp_wire *
flow_sw(struct passive *p, struct pflow *fl)
{
	if (fl->sw == NULL) {
		fl->sw = xmalloc(sizeof(*fl->sw));
		smtp_wire_init(fl->sw, &p->pool);
	}
	return fl->sw;
}

/* Nothing more of this flow matters: the reassembler skips the rest. */
static void
flow_done(struct passive *p, struct pflow *fl)
{
	fl->done = true;
	tcp_reasm_mark(p->reasm, TCP_REASM_MARK_IGNORE);
}

/* `any`: the flow is not SMTP; its SMTP state (a greeted flow's) goes. */
static void
drop_not_smtp(struct passive *p, struct pflow *fl)
{
	if (fl->sw != NULL) {
		smtp_wire_end(fl->sw);      /* lends its TLS readers back */
		free(fl->sw);
		fl->sw = NULL;
	}
	p->st.flows_not_smtp++;
	flow_done(p, fl);
}

/* After each feed: hand the session over once it is final (and, with any,
 * known to be SMTP), then skip the rest of the flow. */
static void
fed(struct passive *p, struct pflow *fl, enum smtp_wire_status r)
{
	if (r == SMTP_WIRE_FINAL)
		fl->final = true;
	if (fl->final && !fl->done && (!p->any || fl->sn.state == SMTPSNIFF_SMTP)) {
		hand_over(p, fl, NULL);
		flow_done(p, fl);
	}
}

/* `any`: act on the sniffer's answer; true when the bytes or the gap of
 * this call are to be fed (what it kept has been fed first). */
static bool
sniffed(struct passive *p, struct pflow *fl, int dir, enum smtpsniff_act act)
{
	const uint8_t *kb;
	uint32_t lost;
	size_t k;

	if (act == SMTPSNIFF_HOLD)
		return false;
	if (act == SMTPSNIFF_DROP) {
		drop_not_smtp(p, fl);
		return false;
	}
	if (fl->sn.state == SMTPSNIFF_SMTP && !fl->kept) {
		fl->kept = true;
		tcp_reasm_mark(p->reasm, TCP_REASM_MARK_KEEP);
	}
	k = smtpsniff_take(&fl->sn, dir, &kb, &lost);
	if (k > 0)
		fed(p, fl, smtp_wire_feed(flow_sw(p, fl), dir, kb, k));
	if (lost > 0 && !fl->done)
		fed(p, fl, smtp_wire_gap(flow_sw(p, fl), dir, lost));
	return !fl->done;
}

static void
cb_data(void *user, int dir, const uint8_t *b, size_t n)
{
	struct pflow *fl = user;
	struct passive *p = fl->p;

	if (fl->done)
		return;
	p->cur = fl;
	if (!p->any || sniffed(p, fl, dir, smtpsniff_data(&fl->sn, dir, b, n)))
		fed(p, fl, smtp_wire_feed(flow_sw(p, fl), dir, b, n));
	p->cur = NULL;
}

static void
cb_gap(void *user, int dir, uint32_t nbytes)
{
	struct pflow *fl = user;
	struct passive *p = fl->p;

	if (fl->done)
		return;
	p->cur = fl;
	if (!p->any || sniffed(p, fl, dir, smtpsniff_gap(&fl->sn, dir, nbytes)))
		fed(p, fl, smtp_wire_gap(flow_sw(p, fl), dir, nbytes));
	p->cur = NULL;
}

static void
cb_flow_end(void *arg, void *user, enum tcp_reasm_end why)
{
	struct passive *p = arg;
	struct pflow *fl = user;

	p->cur = fl;
	if (p->any && !fl->done) {
		if (smtpsniff_end(&fl->sn)) {   /* SMTP, or greeted: what was kept goes in */
			for (int dir = 0; dir < 2; dir++) {
				const uint8_t *kb;
				uint32_t lost;
				size_t k = smtpsniff_take(&fl->sn, dir, &kb, &lost);

				if (k > 0)
					smtp_wire_feed(flow_sw(p, fl), dir, kb, k);
				if (lost > 0 && fl->sw != NULL)
					smtp_wire_gap(fl->sw, dir, lost);
			}
		} else if (fl->sw != NULL) {
			smtp_wire_end(fl->sw);
			free(fl->sw);
			fl->sw = NULL;
			p->st.flows_not_smtp++;
		}
	}
	if (fl->sw != NULL)
		smtp_wire_end(fl->sw);
	hand_over(p, fl, tcp_reasm_end_name(why));
	p->cur = NULL;
	free(fl->sw);
	free(fl);
}

static bool
cb_is_server_port(void *arg, uint16_t port)
{
	const struct passive *p = arg;

	return (p->portmap[port >> 3] >> (port & 7)) & 1;
}

/* ---- packets ---- */

static void
on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct passive *p = (struct passive *)user;
	struct pkt_tcp seg;
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;

	p->st.packets++;
	p->st.bytes += h->caplen;
	if (ts > p->now_us)
		p->now_us = ts;
	switch (pkt_decode(p->cur_link, bytes, h->caplen, h->len, &seg)) {
	case PKT_OK:
		break;
	case PKT_NOT_IP:
	case PKT_NOT_TCP:
		p->st.not_tcp++;
		return;
	case PKT_FRAGMENT:
		p->st.fragments++;
		return;
	case PKT_MALFORMED:
		p->st.malformed++;
		return;
	case PKT_UNSUPPORTED_LINKTYPE:
		p->st.unsupported++;
		return;
	}
	if (!p->any && !cb_is_server_port(p, seg.sport) && !cb_is_server_port(p, seg.dport)) {
		p->st.not_tcp++;   /* another service: not ours */
		return;
	}
	p->st.tcp++;
	tcp_reasm_packet(p->reasm, &seg, ts);
}

size_t
passive_filter(const struct portset *ports, char *out, size_t outsz)
{
	char ps[PORTSET_MAX * 32 + 8] = "";
	size_t used = 0;
	int n;

	if (ports->any)
		n = snprintf(out, outsz, "tcp or (vlan and tcp)");
	else {
		for (size_t i = 0; i < ports->n && i < PORTSET_MAX; i++) {
			const struct portset_range *r = &ports->r[i];

			if (r->lo == r->hi)
				used += (size_t)snprintf(ps + used, sizeof ps - used, "%sport %u",
				    i ? " or " : "", (unsigned)r->lo);
			else
				used += (size_t)snprintf(ps + used, sizeof ps - used, "%sportrange %u-%u",
				    i ? " or " : "", (unsigned)r->lo, (unsigned)r->hi);
		}
		/* the plain and the VLAN-tagged packets alike */
		n = snprintf(out, outsz, "(tcp and (%s)) or (vlan and tcp and (%s))", ps, ps);
	}
	return n < 0 ? 0 : (size_t)n;
}

static int
open_live(struct passive *p, const char *ifname, int snaplen, const char *filter,
    char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct capture *c = &p->cap[p->n_cap];
	struct bpf_program prog;
	pcap_t *pc = pcap_create(ifname, ebuf);
	int rc;

	if (pc == NULL) {
		snprintf(err, errlen, "interface %s: %s", ifname, ebuf);
		return -1;
	}
	pcap_set_snaplen(pc, snaplen);
	pcap_set_promisc(pc, 1);
	pcap_set_timeout(pc, 100);
	pcap_set_buffer_size(pc, 8 << 20);
	if ((rc = pcap_activate(pc)) < 0) {
		snprintf(err, errlen, "interface %s: %s%s%s", ifname, pcap_statustostr(rc),
		    rc == PCAP_ERROR ? ": " : "", rc == PCAP_ERROR ? pcap_geterr(pc) : "");
		pcap_close(pc);
		return -1;
	}
	if (pcap_compile(pc, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0 ||
	    pcap_setfilter(pc, &prog) != 0) {
		snprintf(err, errlen, "interface %s: filter \"%s\": %s", ifname, filter,
		    pcap_geterr(pc));
		pcap_close(pc);
		return -1;
	}
	pcap_freecode(&prog);
	if (pcap_setnonblock(pc, 1, ebuf) != 0 || (c->fd = pcap_get_selectable_fd(pc)) < 0) {
		snprintf(err, errlen, "interface %s: no selectable descriptor", ifname);
		pcap_close(pc);
		return -1;
	}
	c->pc = pc;
	c->linktype = pcap_datalink(pc);
	snprintf(c->name, sizeof c->name, "%s", ifname);
	p->n_cap++;
	return 0;
}

/* ---- a classic pcap file, read in blocks ----
 *
 * libpcap reads a savefile with two fread()s per record into its buffer;
 * for a file in the page cache those copies and read() calls cost about as
 * much as all the decoding. A regular file in the classic format (either
 * byte order, micro- or nanosecond stamps) whose link type pktdecode knows
 * is therefore read in 1 MiB blocks and its records handed to on_packet()
 * from the buffer, with libpcap's checks: a record cut by the end of the
 * file ends the reading as a truncated file, a capture length above 256 KiB
 * is an error. (A mapping would save the one copy, but a file cut short
 * under it raises SIGBUS.) pcapng, stdin and other link types go through
 * libpcap. */

#define PCAPMAP_MAX_CAPLEN 262144u   /* libpcap's limit for these link types */

static uint32_t
rd32(const uint8_t *b, bool swap)
{
	uint32_t v;

	memcpy(&v, b, 4);
	return swap ? __builtin_bswap32(v) : v;
}

/* Fill c->map.buf after what is left unread, up to its size; false on a
 * read error (errno). Sets eof at the end of the file. */
static bool
map_fill(struct capture *c)
{
	struct pcapmap *m = &c->map;
	size_t cap = PCAPMAP_BLOCK + PCAPMAP_MAX_CAPLEN + 16;

	if (m->off > 0) {
		memmove(m->buf, m->buf + m->off, m->have - m->off);
		m->have -= m->off;
		m->off = 0;
	}
	while (m->have < cap && !m->eof) {
		ssize_t n = read(m->fd, m->buf + m->have, cap - m->have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		if (n == 0)
			m->eof = true;
		m->have += (size_t)n;
	}
	return true;
}

static void
map_close(struct capture *c)
{
	if (c->map.fd >= 0)
		close(c->map.fd);
	free(c->map.buf);
	c->map = (struct pcapmap){ .fd = -1 };
}

/* 1 ours to read, 0 not a classic pcap file of a link type we decode (use
 * libpcap), -1 error. */
static int
map_open(const char *file, struct capture *c, char *err, size_t errlen)
{
	struct stat st;
	uint32_t magic, lt;
	int fd;

	c->map = (struct pcapmap){ .fd = -1 };
	if (strcmp(file, "-") == 0 || (fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;       /* libpcap says why */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 24) {
		close(fd);
		return 0;
	}
	c->map.fd = fd;
	c->map.buf = malloc(PCAPMAP_BLOCK + PCAPMAP_MAX_CAPLEN + 16);
	if (c->map.buf == NULL || !map_fill(c) || c->map.have < 24)
		goto other;
	memcpy(&magic, c->map.buf, 4);
	if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du)
		c->map.nsec = magic == 0xa1b23c4du;
	else if (magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u)
		c->map.swap = true, c->map.nsec = magic == 0x4d3cb2a1u;
	else
		goto other;
	lt = rd32(c->map.buf + 20, c->map.swap) & 0xffff;
	if (lt != PKT_DLT_NULL && lt != PKT_DLT_EN10MB && lt != PKT_DLT_RAW &&
	    lt != PKT_DLT_LOOP && lt != PKT_DLT_LINUX_SLL && lt != PKT_DLT_IPV4 &&
	    lt != PKT_DLT_IPV6 && lt != PKT_DLT_LINUX_SLL2)
		goto other;
	if ((rd32(c->map.buf + 4, c->map.swap) & 0xffff) != 2)   /* version 2.x */
		goto other;
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	c->map.off = 24;
	c->linktype = (int)lt;
	c->fd = -1;
	(void)err, (void)errlen;
	return 1;
other:
	map_close(c);
	return 0;
}

/* The records of a file map_open() took; like pcap_loop(): 0 at the end, -1 error
 * (in p->st), -2 stopped. */
static int
map_loop(struct passive *p, struct capture *c)
{
	struct pcapmap *m = &c->map;
	bool swap = m->swap, nsec = m->nsec;

	for (;;) {
		struct pcap_pkthdr h;
		uint32_t frac;
		const uint8_t *b;
		size_t off, len;

		if (atomic_load_explicit(&p->stopping, memory_order_relaxed))
			return -2;
		/* a whole record (header and the largest body) in the buffer,
		 * unless the file ends first */
		if (m->have - m->off < 16 + PCAPMAP_MAX_CAPLEN && !m->eof && !map_fill(c)) {
			snprintf(p->st.read_error, sizeof p->st.read_error, "%s: %s", c->name,
			    strerror(errno));
			return -1;
		}
		b = m->buf;
		off = m->off;
		len = m->have;
		if (off == len)
			return 0;
		if (len - off < 16) {
			snprintf(p->st.read_error, sizeof p->st.read_error, "%s: truncated dump file; "
			    "tried to read 16 header bytes, only got %zu", c->name, len - off);
			p->st.truncated = true;
			return -1;
		}
		h.ts.tv_sec = (time_t)rd32(b + off, swap);
		frac = rd32(b + off + 4, swap);
		h.ts.tv_usec = (suseconds_t)(nsec ? frac / 1000u : frac);
		h.caplen = rd32(b + off + 8, swap);
		h.len = rd32(b + off + 12, swap);
		off += 16;
		if (h.caplen > PCAPMAP_MAX_CAPLEN) {
			snprintf(p->st.read_error, sizeof p->st.read_error, "%s: invalid packet "
			    "capture length %u, bigger than maximum of %u", c->name,
			    (unsigned)h.caplen, PCAPMAP_MAX_CAPLEN);
			return -1;
		}
		if (h.caplen > len - off) {
			snprintf(p->st.read_error, sizeof p->st.read_error, "%s: truncated dump file; "
			    "tried to read %u captured bytes, only got %zu", c->name,
			    (unsigned)h.caplen, len - off);
			p->st.truncated = true;
			return -1;
		}
		on_packet((u_char *)p, &h, b + off);
		m->off = off + h.caplen;
	}
}

struct passive *
passive_open(const struct passive_cfg *cfg, passive_session_fn *fn, void *arg,
    char *err, size_t errlen)
{
	struct portset def;
	const struct portset *ports = cfg->ports;
	struct tcp_reasm_cb cb = {
		.flow_new = cb_flow_new, .flow_end = cb_flow_end, .data = cb_data,
		.gap = cb_gap, .is_server_port = cb_is_server_port,
	};
	int snaplen = cfg->snaplen > 0 ? cfg->snaplen : 65535;
	char filter[2 * (PORTSET_MAX * 32) + 64];
	struct passive *p;

	if ((cfg->file == NULL) == (cfg->n_interfaces == 0)) {
		snprintf(err, errlen, "give either interfaces or a capture file");
		return NULL;
	}
	if (cfg->n_interfaces > PASSIVE_MAX_IFACES) {
		snprintf(err, errlen, "at most %d interfaces", PASSIVE_MAX_IFACES);
		return NULL;
	}
	portset_default(&def);
	if (ports == NULL || (!ports->any && ports->n == 0))
		ports = &def;
	p = xcalloc(1, sizeof(*p));
	p->stop_pipe[0] = p->stop_pipe[1] = -1;
	p->fn = fn;
	p->tick = cfg->tick;
	p->arg = arg;
	p->any = ports->any;
	for (size_t i = 0; i < (ports->any ? def.n : ports->n); i++) {
		const struct portset_range *r = ports->any ? &def.r[i] : &ports->r[i];

		for (uint32_t port = r->lo; port <= r->hi; port++)
			p->portmap[port >> 3] |= (uint8_t)(1u << (port & 7));
	}
	passive_filter(ports, filter, sizeof filter);

	if (cfg->file != NULL && map_open(cfg->file, &p->cap[0], err, errlen) == 1) {
		snprintf(p->cap[0].name, sizeof p->cap[0].name, "%s", cfg->file);
		p->n_cap = 1;
	} else if (cfg->file != NULL) {
		char ebuf[PCAP_ERRBUF_SIZE] = "";
		pcap_t *pc = pcap_open_offline_with_tstamp_precision(cfg->file,
		    PCAP_TSTAMP_PRECISION_MICRO, ebuf);

		if (pc == NULL) {
			snprintf(err, errlen, "%s: %s", cfg->file, ebuf);
			free(p);
			return NULL;
		}
		p->cap[0].pc = pc;
		p->cap[0].linktype = pcap_datalink(pc);
		p->cap[0].fd = -1;
		snprintf(p->cap[0].name, sizeof p->cap[0].name, "%s", cfg->file);
		p->n_cap = 1;
	} else {
		p->live = true;
		for (size_t i = 0; i < cfg->n_interfaces; i++) {
			if (open_live(p, cfg->interfaces[i], snaplen, filter, err, errlen) != 0) {
				passive_close(p);
				return NULL;
			}
		}
		if (pipe2(p->stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
			snprintf(err, errlen, "pipe: %s", strerror(errno));
			passive_close(p);
			return NULL;
		}
	}
	p->max_tls = cfg->max_tls_readers ? cfg->max_tls_readers : 256;
	p->free_tls = xcalloc(p->max_tls, sizeof(*p->free_tls));
	p->pool = (struct smtp_wire_pool){ .get = pool_get, .put = pool_put,
		.tls_done = pool_tls_done, .arg = p };
	p->reasm = tcp_reasm_new(&cfg->reasm, &cb, p);
	return p;
}

static uint64_t
wall_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

static void
sum_live_stats(struct passive *p)
{
	p->st.ps_recv = p->st.ps_drop = p->st.ps_ifdrop = 0;
	for (size_t i = 0; i < p->n_cap; i++) {
		struct pcap_stat ps;

		if (pcap_stats(p->cap[i].pc, &ps) == 0) {
			p->st.ps_recv += ps.ps_recv;
			p->st.ps_drop += ps.ps_drop;
			p->st.ps_ifdrop += ps.ps_ifdrop;
		}
	}
}

static int
run_file(struct passive *p)
{
	struct capture *c = &p->cap[0];
	int rc;

	p->cur_link = c->linktype;
	if (c->pc == NULL) {
		rc = map_loop(p, c);
		if (rc == -2)
			p->st.stopped = true;
		tcp_reasm_expire(p->reasm, UINT64_MAX);
		return rc == -1 ? -1 : 0;
	}
	rc = pcap_loop(c->pc, -1, on_packet, (u_char *)p);
	if (rc == PCAP_ERROR_BREAK)
		p->st.stopped = true;
	if (rc == PCAP_ERROR) {
		const char *e = pcap_geterr(c->pc);

		snprintf(p->st.read_error, sizeof p->st.read_error, "%s: %s", c->name, e);
		if (strstr(e, "truncated") != NULL)
			p->st.truncated = true;
	}
	/* the end of the capture ends every flow still open */
	tcp_reasm_expire(p->reasm, UINT64_MAX);
	return rc == PCAP_ERROR ? -1 : 0;
}

static int
run_live(struct passive *p)
{
	struct pollfd pfd[PASSIVE_MAX_IFACES + 1];
	uint64_t last_expire = wall_us();

	for (size_t i = 0; i < p->n_cap; i++)
		pfd[i] = (struct pollfd){ .fd = p->cap[i].fd, .events = POLLIN };
	pfd[p->n_cap] = (struct pollfd){ .fd = p->stop_pipe[0], .events = POLLIN };
	while (!atomic_load(&p->stopping)) {
		int n = poll(pfd, p->n_cap + 1, 100);
		uint64_t now;

		if (n < 0 && errno != EINTR) {
			snprintf(p->st.read_error, sizeof p->st.read_error, "poll: %s", strerror(errno));
			return -1;
		}
		for (size_t i = 0; n > 0 && i < p->n_cap; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLERR | POLLHUP)))
				continue;
			p->cur_link = p->cap[i].linktype;
			if (pcap_dispatch(p->cap[i].pc, 512, on_packet, (u_char *)p) == PCAP_ERROR) {
				snprintf(p->st.read_error, sizeof p->st.read_error, "%s: %s",
				    p->cap[i].name, pcap_geterr(p->cap[i].pc));
				return -1;
			}
		}
		now = wall_us();
		if (now - last_expire >= 1000000u) {
			last_expire = now;
			if (now > p->now_us)
				p->now_us = now;
			tcp_reasm_expire(p->reasm, p->now_us);
			sum_live_stats(p);
			if (p->tick != NULL)
				p->tick(p->arg, passive_stats(p));
		}
	}
	p->st.stopped = true;
	return 0;
}

int
passive_run(struct passive *p)
{
	int rc = p->live ? run_live(p) : run_file(p);

	if (p->live)
		sum_live_stats(p);
	if (p->tick != NULL)
		p->tick(p->arg, passive_stats(p));
	return rc;
}

void
passive_stop(struct passive *p)
{
	atomic_store(&p->stopping, true);
	if (p->live) {
		ssize_t w = write(p->stop_pipe[1], "x", 1);
		(void)w;
	} else if (p->n_cap > 0 && p->cap[0].pc != NULL) {
		pcap_breakloop(p->cap[0].pc);
	}                                /* map_loop() sees p->stopping */
}

const struct passive_stats *
passive_stats(struct passive *p)
{
	p->st.reasm = p->reasm != NULL ? tcp_reasm_stats(p->reasm) : NULL;
	return &p->st;
}

void
passive_close(struct passive *p)
{
	if (p == NULL)
		return;
	if (p->reasm != NULL)
		tcp_reasm_free(p->reasm);    /* hands over what is still open */
	for (size_t i = 0; i < p->n_free; i++)
		free(p->free_tls[i]);
	free(p->free_tls);
	for (size_t i = 0; i < p->n_cap; i++) {
		if (p->cap[i].pc != NULL)
			pcap_close(p->cap[i].pc);
		if (p->cap[i].map.buf != NULL)   /* the fd with it (map_open) */
			map_close(&p->cap[i]);
	}
	if (p->stop_pipe[0] >= 0)
		close(p->stop_pipe[0]);
	if (p->stop_pipe[1] >= 0)
		close(p->stop_pipe[1]);
	free(p);
}
