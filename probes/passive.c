/* probes/passive.c: see passive.h. */
#include "buildconf.h"
#include "passive.h"
#include "pktdecode.h"
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
#include <sys/time.h>
#include <unistd.h>


struct capture {
	pcap_t *pc;
	int linktype;
	int fd;                      /* selectable fd (live), -1 for a file */
	char name[64];
};

struct pflow {
	struct passive *p;
	struct tcp_reasm_flow_info fi;
	bool handed;                 /* the session went to the caller */
	time_t cert_not_after;
	struct passive_tls_keys keys;
	struct smtp_wire *sw;        /* from the first byte or gap on (a SYN costs little) */
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
	uint8_t portmap[65536 / 8];
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
	fl->handed = false;
	fl->cert_not_after = 0;
	memset(&fl->keys, 0, sizeof fl->keys);
	fl->sw = NULL;
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

static void
cb_data(void *user, int dir, const uint8_t *b, size_t n)
{
	struct pflow *fl = user;
	struct passive *p = fl->p;

	p->cur = fl;
	if (smtp_wire_feed(flow_sw(p, fl), dir, b, n) == SMTP_WIRE_FINAL)
		hand_over(p, fl, NULL);
	p->cur = NULL;
}

static void
cb_gap(void *user, int dir, uint32_t nbytes)
{
	struct pflow *fl = user;
	struct passive *p = fl->p;

	p->cur = fl;
	if (smtp_wire_gap(flow_sw(p, fl), dir, nbytes) == SMTP_WIRE_FINAL)
		hand_over(p, fl, NULL);
	p->cur = NULL;
}

static void
cb_flow_end(void *arg, void *user, enum tcp_reasm_end why)
{
	struct passive *p = arg;
	struct pflow *fl = user;

	p->cur = fl;
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
	if (!cb_is_server_port(p, seg.sport) && !cb_is_server_port(p, seg.dport)) {
		p->st.not_tcp++;   /* another service: not ours */
		return;
	}
	p->st.tcp++;
	tcp_reasm_packet(p->reasm, &seg, ts);
}

size_t
passive_filter(const uint16_t *ports, size_t n_ports, char *out, size_t outsz)
{
	char ps[PASSIVE_MAX_PORTS * 16 + 8] = "";
	size_t used = 0;
	int n;

	for (size_t i = 0; i < n_ports && i < PASSIVE_MAX_PORTS; i++)
		used += (size_t)snprintf(ps + used, sizeof ps - used, "%sport %u", i ? " or " : "",
		    (unsigned)ports[i]);
	/* the plain and the VLAN-tagged packets alike */
	n = snprintf(out, outsz, "(tcp and (%s)) or (vlan and tcp and (%s))", ps, ps);
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

struct passive *
passive_open(const struct passive_cfg *cfg, passive_session_fn *fn, void *arg,
    char *err, size_t errlen)
{
	static const uint16_t defports[] = { 25, 587, 465 };
	const uint16_t *ports = cfg->n_ports ? cfg->ports : defports;
	size_t n_ports = cfg->n_ports ? cfg->n_ports : 3;
	struct tcp_reasm_cb cb = {
		.flow_new = cb_flow_new, .flow_end = cb_flow_end, .data = cb_data,
		.gap = cb_gap, .is_server_port = cb_is_server_port,
	};
	int snaplen = cfg->snaplen > 0 ? cfg->snaplen : 65535;
	char filter[2 * (PASSIVE_MAX_PORTS * 16) + 64];
	struct passive *p;

	if ((cfg->file == NULL) == (cfg->n_interfaces == 0)) {
		snprintf(err, errlen, "give either interfaces or a capture file");
		return NULL;
	}
	if (cfg->n_interfaces > PASSIVE_MAX_IFACES || n_ports > PASSIVE_MAX_PORTS) {
		snprintf(err, errlen, "at most %d interfaces and %d ports", PASSIVE_MAX_IFACES,
		    PASSIVE_MAX_PORTS);
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	p->stop_pipe[0] = p->stop_pipe[1] = -1;
	p->fn = fn;
	p->tick = cfg->tick;
	p->arg = arg;
	for (size_t i = 0; i < n_ports; i++)
		p->portmap[ports[i] >> 3] |= (uint8_t)(1u << (ports[i] & 7));
	passive_filter(ports, n_ports, filter, sizeof filter);

	if (cfg->file != NULL) {
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
	} else if (p->n_cap > 0) {
		pcap_breakloop(p->cap[0].pc);
	}
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
	for (size_t i = 0; i < p->n_cap; i++)
		if (p->cap[i].pc != NULL)
			pcap_close(p->cap[i].pc);
	if (p->stop_pipe[0] >= 0)
		close(p->stop_pipe[0]);
	if (p->stop_pipe[1] >= 0)
		close(p->stop_pipe[1]);
	free(p);
}
