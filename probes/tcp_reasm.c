/* probes/tcp_reasm.c: see tcp_reasm.h.
 *
 * Layout. Flows sit in a chained hash table (power-of-two buckets, doubled
 * when there are more flows than buckets, up to max_flows rounded up, so
 * that a small table stays in the cache) and on one of four lists, all in time order, oldest at
 * the tail: three "live" lists, one per mark (for expiry and eviction, which
 * takes from the ignored, then the unmarked, then the kept), and "closed"
 * (ended by FIN/RST, remembered until the linger time passes). Moving a flow to the head of
 * "live" touches three other flows' memory, which costs more than the rest of
 * the packet when many flows interleave, so a flow moves at most once per
 * lru_step_us (1/32 of the idle timeout): the list is ordered by the time of
 * the last move (lru_us), and every flow's last segment is less than a step
 * later than that. Expiry looks at the tail only, by the true last_us, so a
 * flow ends no earlier than its timeout and at most a step later (a flow
 * still active can sit at the tail until it is due). Flows holding out-of-order data
 * are also on the "holding" list, most recent hold at the head, so that the
 * global buffer limit takes from the oldest holder without a scan.
 *
 * A direction (struct half) keeps the next sequence number to deliver and a
 * sorted list of disjoint held segments, all after it. Every held segment and
 * every sequence number compared lies within MAX_AHEAD + one segment of next
 * (a segment that starts further from next either way is out of window),
 * so offsets from next (uint32_t subtraction) order them without ambiguity.
 * In-order data is handed to the callback straight from the packet; only
 * segments that wait for a hole are copied.
 */
#include "buildconf.h"
#include "tcp_reasm.h"

#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/* Recycled flows are poisoned under AddressSanitizer, so that a use after
 * the end of a flow is caught as if it had been freed. */
#if defined(__SANITIZE_ADDRESS__)
#define REASM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define REASM_ASAN 1
#endif
#endif
#ifdef REASM_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n)   ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define MAX_AHEAD (1u << 30) /* the largest TCP window (65535 << 14) */
#define MAX_SEG   (1u << 24) /* longer than any frame pkt_decode() passes */

/* Segments look for expired flows at most once per millisecond of capture
 * time: four list tails, each a likely cache miss, are not read per packet. */
#define EXPIRE_STEP_US  1000u

#define DEF_MAX_FLOWS   100000u
#define DEF_DIR_BUF     65536u
#define DEF_BUF         (64u << 20)
#define DEF_IDLE_S      600u
#define DEF_LINGER_S    10u

struct seg {
	struct seg *prev, *next;
	uint32_t seq, len;
	uint8_t data[];
};

#define SEG_COST(n) ((uint64_t)sizeof(struct seg) + (n))

#define FLOW_ALIGN 64   /* a cache line */
#define SLAB_FLOWS 256  /* flows allocated at once */

enum half_state { H_IDLE, H_OPEN, H_ENDED };

/* A direction: what every segment of it reads... */
struct half {
	uint32_t next;           /* next octet to deliver */
	uint32_t high;           /* highest sequence number seen from the sender */
	uint32_t fin_seq;        /* sequence number of the FIN, when fin */
	uint8_t state;           /* enum half_state */
	bool syn, fin;
	struct seg *head;        /* held out of order: sorted, disjoint, after next */
};

/* ...and what only holding segments (or a SYN) needs. */
struct half_cold {
	struct seg *tail;
	uint32_t held;           /* SEG_COST of head..tail, <= cfg.dir_buf_max */
	uint32_t isn;
};

/* Three cache lines (flows come from 64-byte aligned slabs): the lookup key;
 * what in-order data touches; what holding and the lists touch. */
struct flow {
	_Alignas(FLOW_ALIGN) struct flow *hnext; /* hash chain; free list */
	uint64_t hash;
	uint8_t addr[2][16];        /* [0] client, [1] server */
	uint16_t port[2];
	uint8_t family;
	bool closed;
	bool holding;
	uint8_t mark;               /* enum tcp_reasm_mark: which live list */
	uint64_t last_us;           /* last segment; when closed, the closing time */

	void *user;
	uint64_t lru_us;            /* when last moved to the head of the live list */
	struct half h[2];           /* h[dir]: the bytes sent in direction dir */

	struct half_cold hc[2];
	struct flow *lprev, *lnext; /* live or closed list */
	struct flow *bprev, *bnext; /* holding list */
};

struct flist {
	struct flow *head, *tail; /* head: most recent */
};

struct tcp_reasm {
	struct tcp_reasm_cfg cfg;
	struct tcp_reasm_cb cb;
	void *cb_arg;
	struct flow **bucket;
	uint64_t mask;            /* buckets - 1 */
	uint64_t max_buckets;
	uint64_t k0, k1;
	uint64_t now;             /* latest capture time seen */
	uint64_t idle_us, linger_us;
	uint64_t lru_step_us;     /* a flow moves to the live list's head at most this often */
	uint64_t next_expire;     /* capture time of the next look at the lists' tails */
	struct flist live[TCP_REASM_MARK_MAX], closed, holding;
	struct flow *cur;         /* the flow in a start/data/gap callback, for tcp_reasm_mark() */
	struct flow *free_flows;  /* linked by hnext */
	void **slabs;             /* as allocated, for free() */
	size_t nslabs;
	struct tcp_reasm_stats st;
};

/* ---- serial arithmetic (RFC 1982) ---- */

static inline bool
seq_lt(uint32_t a, uint32_t b)
{
	return (uint32_t)(a - b) >= 0x80000000u;
}

/* ---- lists ---- */

static void
live_unlink(struct flist *l, struct flow *f)
{
	if (f->lprev != NULL)
		f->lprev->lnext = f->lnext;
	else
		l->head = f->lnext;
	if (f->lnext != NULL)
		f->lnext->lprev = f->lprev;
	else
		l->tail = f->lprev;
	f->lprev = f->lnext = NULL;
}

static void
live_push(struct flist *l, struct flow *f)
{
	f->lprev = NULL;
	f->lnext = l->head;
	if (l->head != NULL)
		l->head->lprev = f;
	else
		l->tail = f;
	l->head = f;
}

static void
hold_unlink(struct flist *l, struct flow *f)
{
	if (f->bprev != NULL)
		f->bprev->bnext = f->bnext;
	else
		l->head = f->bnext;
	if (f->bnext != NULL)
		f->bnext->bprev = f->bprev;
	else
		l->tail = f->bprev;
	f->bprev = f->bnext = NULL;
}

static void
hold_push(struct flist *l, struct flow *f)
{
	f->bprev = NULL;
	f->bnext = l->head;
	if (l->head != NULL)
		l->head->bprev = f;
	else
		l->tail = f;
	l->head = f;
}

/* Keep f on the holding list exactly while it holds data; a new hold
 * (touch) moves it to the head. */
static void
hold_update(struct tcp_reasm *r, struct flow *f, bool touch)
{
	bool holds = f->h[0].head != NULL || f->h[1].head != NULL;

	if (f->holding && (!holds || touch)) {
		hold_unlink(&r->holding, f);
		f->holding = false;
	}
	if (holds && !f->holding) {
		hold_push(&r->holding, f);
		f->holding = true;
	}
}

/* ---- hashing: SipHash-1-3 of the 4-tuple, lower endpoint first ---- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do { \
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
} while (0)

static uint64_t
siphash13(uint64_t k0, uint64_t k1, const uint8_t *in, size_t len)
{
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
	uint64_t m, b = (uint64_t)len << 56;
	size_t i, left = len & 7;

	/* words in host order: the value only has to be the same within a run */
	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&m, in + i, 8);
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; j < left; j++)
		b |= (uint64_t)in[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static uint64_t
tuple_hash(const struct tcp_reasm *r, const struct pkt_tcp *s)
{
	uint8_t key[36];
	size_t alen = s->family == AF_INET6 ? 16 : 4;
	const uint8_t *a = s->src, *b = s->dst;
	uint16_t pa = s->sport, pb = s->dport;
	int c = memcmp(a, b, alen);

	if (c > 0 || (c == 0 && pa > pb)) {
		a = s->dst;
		b = s->src;
		pa = s->dport;
		pb = s->sport;
	}
	memcpy(key, a, alen);
	key[alen] = (uint8_t)(pa >> 8);
	key[alen + 1] = (uint8_t)pa;
	memcpy(key + alen + 2, b, alen);
	key[2 * alen + 2] = (uint8_t)(pb >> 8);
	key[2 * alen + 3] = (uint8_t)pb;
	return siphash13(r->k0, r->k1, key, 2 * alen + 4);
}

static bool
addr_eq(const uint8_t *a, const uint8_t *b)
{
	uint64_t x[2], y[2];

	memcpy(x, a, 16);
	memcpy(y, b, 16);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

static bool
endpoint_is(const struct flow *f, int side, const uint8_t *addr, uint16_t port)
{
	return f->port[side] == port && addr_eq(f->addr[side], addr);
}

/* The flow of segment s and the direction s travels in it, or NULL. */
static struct flow *
flow_find(const struct tcp_reasm *r, const struct pkt_tcp *s, uint64_t h, int *dir)
{
	struct flow *f;

	for (f = r->bucket[h & r->mask]; f != NULL; f = f->hnext) {
		if (f->hash != h || f->family != s->family)
			continue;
		if (endpoint_is(f, 0, s->src, s->sport) && endpoint_is(f, 1, s->dst, s->dport)) {
			*dir = TCP_REASM_C2S;
			return f;
		}
		if (endpoint_is(f, 1, s->src, s->sport) && endpoint_is(f, 0, s->dst, s->dport)) {
			*dir = TCP_REASM_S2C;
			return f;
		}
	}
	return NULL;
}

/* Double the buckets: O(flows) now and then, O(1) per flow overall. */
static void
grow(struct tcp_reasm *r)
{
	uint64_t i, nb = (r->mask + 1) * 2;
	struct flow **b = xcalloc(nb, sizeof *b);

	for (i = 0; i <= r->mask; i++) {
		struct flow *f, *next;

		for (f = r->bucket[i]; f != NULL; f = next) {
			next = f->hnext;
			f->hnext = b[f->hash & (nb - 1)];
			b[f->hash & (nb - 1)] = f;
		}
	}
	free(r->bucket);
	r->bucket = b;
	r->mask = nb - 1;
}

static void
hash_unlink(struct tcp_reasm *r, struct flow *f)
{
	struct flow **pp = &r->bucket[f->hash & r->mask];

	while (*pp != f)
		pp = &(*pp)->hnext;
	*pp = f->hnext;
}

/* ---- held segments ---- */

static void
seg_unlink_free(struct tcp_reasm *r, struct flow *f, int dir, struct seg *s)
{
	struct half *h = &f->h[dir];
	struct half_cold *hc = &f->hc[dir];

	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		h->head = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	else
		hc->tail = s->prev;
	hc->held -= (uint32_t)SEG_COST(s->len);
	r->st.buf_bytes -= SEG_COST(s->len);
	r->st.buf_segments--;
	free(s);
}

static void
half_drop_held(struct tcp_reasm *r, struct flow *f, int dir)
{
	while (f->h[dir].head != NULL)
		seg_unlink_free(r, f, dir, f->h[dir].head);
}

/* ---- delivery ---- */

static void
deliver(struct tcp_reasm *r, struct flow *f, int dir, const uint8_t *p, uint32_t n)
{
	f->h[dir].next += n;
	if (f->mark == TCP_REASM_MARK_IGNORE) {
		r->st.bytes_skipped += n;
		return;
	}
	r->st.bytes_delivered += n;
	if (r->cb.data != NULL) {
		r->cur = f;
		r->cb.data(f->user, dir, p, n);
		r->cur = NULL;
	}
}

static void
declare_gap(struct tcp_reasm *r, struct flow *f, int dir, uint32_t n)
{
	if (n == 0)
		return;
	f->h[dir].next += n;
	if (f->mark == TCP_REASM_MARK_IGNORE) {
		r->st.bytes_skipped += n;
		return;
	}
	r->st.bytes_gap += n;
	if (r->cb.gap != NULL) {
		r->cur = f;
		r->cb.gap(f->user, dir, n);
		r->cur = NULL;
	}
}

/* Deliver held segments that start at or before next. */
static void
drain(struct tcp_reasm *r, struct flow *f, int dir)
{
	struct half *h = &f->h[dir];
	struct seg *s;

	while ((s = h->head) != NULL && !seq_lt(h->next, s->seq)) {
		uint32_t off = h->next - s->seq;

		if (off < s->len)
			deliver(r, f, dir, s->data + off, s->len - off);
		seg_unlink_free(r, f, dir, s);
	}
}

/* Declare every hole before limit, delivering held data on the way (and
 * whatever held data is contiguous after it). */
static void
flush_to(struct tcp_reasm *r, struct flow *f, int dir, uint32_t limit)
{
	struct half *h = &f->h[dir];

	for (;;) {
		uint32_t target = limit;

		drain(r, f, dir);
		if (!seq_lt(h->next, limit))
			break;
		if (h->head != NULL && seq_lt(h->head->seq, limit))
			target = h->head->seq;
		declare_gap(r, f, dir, target - h->next);
	}
}

/* Give up the first hole of a direction that holds data. */
static void
flush_one_hole(struct tcp_reasm *r, struct flow *f, int dir)
{
	struct half *h = &f->h[dir];

	declare_gap(r, f, dir, h->head->seq - h->next);
	drain(r, f, dir);
}

/* Everything known: held data with its holes, then up to the highest
 * sequence number seen. */
static void
flush_all(struct tcp_reasm *r, struct flow *f, int dir)
{
	struct half *h = &f->h[dir];

	if (h->state != H_OPEN)
		return;
	flush_to(r, f, dir, h->high);
	while (h->head != NULL)
		flush_one_hole(r, f, dir);
}

/* ---- endings ---- */

static void
end_half(struct tcp_reasm *r, struct flow *f, int dir, enum tcp_reasm_end why)
{
	struct half *h = &f->h[dir];

	if (h->state == H_ENDED)
		return;
	h->state = H_ENDED;
	half_drop_held(r, f, dir); /* only octets past the FIN can be left */
	if (why == TCP_REASM_END_FIN)
		h->next = h->fin_seq + 1;
	if (r->cb.end != NULL)
		r->cb.end(f->user, dir, why);
}

static bool
fin_reached(const struct half *h)
{
	return h->state == H_OPEN && h->fin && !seq_lt(h->next, h->fin_seq);
}

/* Flows come from slabs of SLAB_FLOWS, aligned to a cache line, and go back
 * to a free list: at most max_flows + SLAB_FLOWS - 1 exist. */
static struct flow *
flow_alloc(struct tcp_reasm *r)
{
	struct flow *f;

	if (r->free_flows == NULL) {
		uint8_t *mem = xmalloc(SLAB_FLOWS * sizeof *f + FLOW_ALIGN - 1);
		uint8_t *a = mem + (FLOW_ALIGN - (uintptr_t)mem % FLOW_ALIGN) % FLOW_ALIGN;
		size_t i;

		r->slabs = xrealloc(r->slabs, (r->nslabs + 1) * sizeof *r->slabs);
		r->slabs[r->nslabs++] = mem;
		for (i = SLAB_FLOWS; i-- > 0;) {
			f = (struct flow *)(void *)(a + i * sizeof *f);
			f->hnext = r->free_flows;
			r->free_flows = f;
			POISON(f, sizeof *f);
		}
	}
	f = r->free_flows;
	UNPOISON(f, sizeof *f);
	r->free_flows = f->hnext;
	memset(f, 0, sizeof *f);
	return f;
}

static void
flow_free(struct tcp_reasm *r, struct flow *f)
{
	hash_unlink(r, f);
	f->hnext = r->free_flows;
	r->free_flows = f;
	POISON(f, sizeof *f);
}

/* Forget a closed flow. */
static void
forget(struct tcp_reasm *r, struct flow *f)
{
	live_unlink(&r->closed, f);
	r->st.flows_closed--;
	flow_free(r, f);
}

static void
end_flow(struct tcp_reasm *r, struct flow *f, enum tcp_reasm_end why)
{
	int dir;

	for (dir = 0; dir < 2; dir++) {
		flush_all(r, f, dir);
		end_half(r, f, dir, fin_reached(&f->h[dir]) ? TCP_REASM_END_FIN : why);
	}
	hold_update(r, f, false);
	if (r->cb.flow_end != NULL)
		r->cb.flow_end(r->cb_arg, f->user, why);
	f->user = NULL;
	r->st.flows_ended[why]++;
	r->st.flows_live--;
	live_unlink(&r->live[f->mark], f);
	if (why == TCP_REASM_END_FIN || why == TCP_REASM_END_RST) {
		f->closed = true;
		f->last_us = r->now;
		live_push(&r->closed, f);
		r->st.flows_closed++;
	} else {
		flow_free(r, f);
	}
}

/* End the directions whose FIN was reached, and the flow with both. */
static void
check_fin(struct tcp_reasm *r, struct flow *f)
{
	int dir;

	for (dir = 0; dir < 2; dir++)
		if (fin_reached(&f->h[dir]))
			end_half(r, f, dir, TCP_REASM_END_FIN);
	if (f->h[0].state == H_ENDED && f->h[1].state == H_ENDED)
		end_flow(r, f, TCP_REASM_END_FIN);
}

static void
expire_at(struct tcp_reasm *r, uint64_t now)
{
	struct flow *f;

	for (int m = 0; m < TCP_REASM_MARK_MAX; m++)
		while ((f = r->live[m].tail) != NULL && now > f->last_us &&
		    now - f->last_us > r->idle_us)
			end_flow(r, f, TCP_REASM_END_TIMEOUT);
	while ((f = r->closed.tail) != NULL && now > f->last_us &&
	    now - f->last_us > r->linger_us)
		forget(r, f);
}

/* ---- in-order data and held data ---- */

static uint32_t
count_diff(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	uint32_t i, d = 0;

	for (i = 0; i < n; i++)
		d += a[i] != b[i];
	return d;
}

/* Data at next: deliver it, except where held data (the first copy) covers
 * it; then the octets caplen cut off (lost) become a gap where nothing held
 * covers them. */
static void
in_order(struct tcp_reasm *r, struct flow *f, int dir, const uint8_t *p, uint32_t len,
    uint32_t lost)
{
	struct half *h = &f->h[dir];
	bool overlapped = false;

	while (len > 0) {
		struct seg *s = h->head;
		uint32_t n, o;

		if (s == NULL || s->seq - h->next >= len) {
			deliver(r, f, dir, p, len);
			break;
		}
		n = s->seq - h->next;
		if (n > 0) {
			deliver(r, f, dir, p, n);
			p += n;
			len -= n;
		}
		o = len < s->len ? len : s->len;
		r->st.bytes_inconsistent += count_diff(p, s->data, o);
		overlapped = true;
		p += o;
		len -= o;
		deliver(r, f, dir, s->data, s->len);
		seg_unlink_free(r, f, dir, s);
	}
	if (overlapped)
		r->st.retransmitted++;
	if (lost > 0)
		flush_to(r, f, dir, h->next + lost);
	drain(r, f, dir);
}

/* Walk [seq, seq+len) against the held segments: compare overlaps and, when
 * insert, hold copies of the uncovered pieces. Returns the cost of holding
 * the uncovered pieces. */
static uint64_t
hold_walk(struct tcp_reasm *r, struct flow *f, int dir, uint32_t seq, const uint8_t *p,
    uint32_t len, bool insert)
{
	struct half *h = &f->h[dir];
	struct half_cold *hc = &f->hc[dir];
	uint32_t base = h->next, rs = seq - base, re = rs + len, cur = rs;
	struct seg *s, *nx;
	uint64_t cost = 0;

	/* s: the last held segment starting at or before seq */
	s = h->head;
	if (s != NULL && s->seq - base > rs) {
		s = NULL;
	} else {
		for (s = hc->tail; s != NULL && s->seq - base > rs; s = s->prev)
			;
	}
	nx = s != NULL ? s->next : h->head;
	if (s != NULL && s->seq - base + s->len > cur) {
		uint32_t se = s->seq - base + s->len, e = se < re ? se : re;

		if (insert)
			r->st.bytes_inconsistent += count_diff(p, s->data + (cur - (s->seq - base)),
			    e - cur);
		cur = se;
	}
	while (cur < re) {
		uint32_t ns = nx != NULL ? nx->seq - base : re;
		uint32_t pe = ns < re ? ns : re;

		if (pe > cur) {
			cost += SEG_COST(pe - cur);
			if (insert) {
				struct seg *n = xmalloc(sizeof *n + (pe - cur));

				n->seq = base + cur;
				n->len = pe - cur;
				memcpy(n->data, p + (cur - rs), n->len);
				n->next = nx;
				n->prev = nx != NULL ? nx->prev : hc->tail;
				if (n->prev != NULL)
					n->prev->next = n;
				else
					h->head = n;
				if (nx != NULL)
					nx->prev = n;
				else
					hc->tail = n;
				hc->held += (uint32_t)SEG_COST(n->len);
				r->st.buf_bytes += SEG_COST(n->len);
				r->st.buf_segments++;
			}
		}
		if (nx == NULL || ns >= re)
			break;
		{
			uint32_t se = ns + nx->len, e = se < re ? se : re;

			if (insert)
				r->st.bytes_inconsistent += count_diff(p + (ns - rs), nx->data, e - ns);
			cur = se;
		}
		nx = nx->next;
	}
	if (insert && r->st.buf_bytes > r->st.buf_bytes_peak)
		r->st.buf_bytes_peak = r->st.buf_bytes;
	return cost;
}

/* Free buffer space for a hold of cost in direction dir of f. Returns false
 * when nothing held can help (the segment alone is over a limit). */
static bool
make_room(struct tcp_reasm *r, struct flow *f, int dir, uint64_t cost)
{
	struct half *h = &f->h[dir];
	struct flow *v;

	if (f->hc[dir].held + cost > r->cfg.dir_buf_max) {
		if (h->head == NULL)
			return false;
		flush_one_hole(r, f, dir);
		hold_update(r, f, false);
		return true;
	}
	while ((v = r->holding.tail) != NULL && v->h[0].head == NULL && v->h[1].head == NULL)
		hold_update(r, v, false); /* f itself, after in_order() freed its holds */
	if (cost > r->cfg.buf_max || v == NULL)
		return false;
	if (v == f) {
		if (h->head != NULL)
			flush_one_hole(r, f, dir);
		else
			flush_all(r, f, !dir);
		hold_update(r, f, false);
		return true;
	}
	flush_all(r, v, 0);
	flush_all(r, v, 1);
	hold_update(r, v, false);
	check_fin(r, v);
	return true;
}

/* Place data [seq, seq+len) plus lost octets after it in direction dir. */
static void
place(struct tcp_reasm *r, struct flow *f, int dir, uint32_t seq, const uint8_t *p,
    uint32_t len, uint32_t lost)
{
	struct half *h = &f->h[dir];
	bool counted = false;

	for (;;) {
		uint64_t cost;

		if (seq_lt(seq, h->next)) {
			uint32_t d = h->next - seq;

			if (!counted)
				r->st.retransmitted++;
			counted = true;
			if (d >= len + lost)
				return;
			if (d >= len) {
				lost -= d - len;
				len = 0;
			} else {
				p += d;
				len -= d;
			}
			seq = h->next;
		}
		if (seq == h->next) {
			in_order(r, f, dir, p, len, lost);
			return;
		}
		if (len == 0) /* only cut-off octets: a hole like any other */
			return;
		cost = hold_walk(r, f, dir, seq, p, len, false);
		if (cost == 0) { /* all held already: compare, keep the first copy */
			hold_walk(r, f, dir, seq, p, len, true);
			if (!counted)
				r->st.retransmitted++;
			return;
		}
		if (f->hc[dir].held + cost <= r->cfg.dir_buf_max &&
		    r->st.buf_bytes + cost <= r->cfg.buf_max) {
			hold_walk(r, f, dir, seq, p, len, true);
			r->st.out_of_order++;
			hold_update(r, f, true);
			return;
		}
		if (!make_room(r, f, dir, cost)) {
			/* cannot be held even alone: give up the hole before it */
			flush_to(r, f, dir, seq);
			hold_update(r, f, false);
		}
	}
}

static void
open_half(struct tcp_reasm *r, struct flow *f, int dir, uint32_t next, bool syn)
{
	struct half *h = &f->h[dir];

	h->state = H_OPEN;
	h->next = next;
	h->high = next;
	h->syn = syn;
	if (syn)
		f->hc[dir].isn = next - 1;
	if (r->cb.start != NULL) {
		r->cur = f;
		r->cb.start(f->user, dir, !syn);
		r->cur = NULL;
	}
}

static void
segment(struct tcp_reasm *r, struct flow *f, int dir, const struct pkt_tcp *s)
{
	struct half *h = &f->h[dir];
	uint32_t seq = s->seq, wlen = s->seg_len, plen = s->payload_len, end, ahead;
	bool fin = (s->flags & PKT_TCP_FIN) != 0;

	if (plen > wlen) /* not from pkt_decode(): believe the octets */
		wlen = plen;
	if (wlen > MAX_SEG) {
		r->st.out_of_window++;
		return;
	}

	if (s->flags & PKT_TCP_SYN) {
		if (h->state == H_IDLE)
			open_half(r, f, dir, seq + 1, true);
		seq++;
	}
	if (h->state == H_IDLE) {
		if (wlen == 0 && !fin)
			return;
		open_half(r, f, dir, seq, false);
	}
	end = seq + wlen;
	if (h->state == H_ENDED) {
		if (wlen > 0) {
			if (seq_lt(h->next, end))
				r->st.out_of_window++;
			else
				r->st.retransmitted++;
		}
		return;
	}
	/* Within a window either side of next, or sequence order is ambiguous
	 * (at exactly 2^31 apart each number is "before" the other). */
	ahead = seq - h->next;
	if (ahead >= MAX_AHEAD && h->next - seq >= MAX_AHEAD) {
		r->st.out_of_window++;
		return;
	}
	if (h->fin && seq_lt(h->fin_seq, end)) {
		r->st.out_of_window++; /* data past the FIN */
		return;
	}
	if (fin && !h->fin && !seq_lt(end, h->next)) {
		h->fin = true;
		h->fin_seq = end;
	}
	if (seq_lt(h->high, end))
		h->high = end;
	if (f->mark == TCP_REASM_MARK_IGNORE) {   /* skipped, never held */
		half_drop_held(r, f, dir);
		if (seq_lt(h->next, h->high)) {
			r->st.bytes_skipped += h->high - h->next;
			h->next = h->high;
		}
		return;
	}
	if (wlen == 0)
		return;
	place(r, f, dir, seq, s->payload, plen, wlen - plen);
}

/* The receiver acknowledged up to ack: holes before it will never fill. */
static void
ack_seen(struct tcp_reasm *r, struct flow *f, int dir, uint32_t ack)
{
	struct half *h = &f->h[dir];
	uint32_t limit = ack;

	if (h->state != H_OPEN || !seq_lt(h->next, ack))
		return;
	if (seq_lt(h->high, limit))
		limit = h->high;
	if (!seq_lt(h->next, limit))
		return;
	flush_to(r, f, dir, limit);
	hold_update(r, f, false);
}

/* ---- flows ---- */

static bool
is_server_port(const struct tcp_reasm *r, uint16_t port)
{
	return r->cb.is_server_port != NULL && r->cb.is_server_port(r->cb_arg, port);
}

static struct flow *
flow_create(struct tcp_reasm *r, const struct pkt_tcp *s, uint64_t h, int *dir)
{
	struct tcp_reasm_flow_info fi;
	struct flow *f;
	bool src_server, midstream = false;

	while (r->st.flows_live + r->st.flows_closed >= r->cfg.max_flows) {
		if (r->closed.tail != NULL)
			forget(r, r->closed.tail);
		else if (r->live[TCP_REASM_MARK_IGNORE].tail != NULL)
			end_flow(r, r->live[TCP_REASM_MARK_IGNORE].tail, TCP_REASM_END_EVICTED);
		else if (r->live[TCP_REASM_MARK_NONE].tail != NULL)
			end_flow(r, r->live[TCP_REASM_MARK_NONE].tail, TCP_REASM_END_EVICTED);
		else
			end_flow(r, r->live[TCP_REASM_MARK_KEEP].tail, TCP_REASM_END_EVICTED);
	}
	if (s->flags & PKT_TCP_SYN) {
		src_server = (s->flags & PKT_TCP_ACK) != 0;
	} else {
		bool ss = is_server_port(r, s->sport), ds = is_server_port(r, s->dport);

		midstream = true;
		if (ss != ds)
			src_server = ss;
		else if (s->sport != s->dport)
			src_server = s->sport < s->dport;
		else
			src_server = false;
	}
	if (s->sport == s->dport && addr_eq(s->src, s->dst))
		src_server = false; /* a self-connection: one direction only */
	f = flow_alloc(r);
	f->hash = h;
	f->family = (uint8_t)s->family;
	*dir = src_server ? TCP_REASM_S2C : TCP_REASM_C2S;
	memcpy(f->addr[*dir], s->src, 16);   /* the sender's side */
	f->port[*dir] = s->sport;
	memcpy(f->addr[!*dir], s->dst, 16);
	f->port[!*dir] = s->dport;
	f->last_us = r->now;
	f->lru_us = r->now;
	f->hnext = r->bucket[h & r->mask];
	r->bucket[h & r->mask] = f;
	if (r->st.flows_live + r->st.flows_closed > r->mask + 1 && r->mask + 1 < r->max_buckets)
		grow(r);
	live_push(&r->live[TCP_REASM_MARK_NONE], f);
	r->st.flows_created++;
	r->st.flows_live++;
	if (midstream)
		r->st.flows_midstream++;

	memset(&fi, 0, sizeof fi);
	fi.family = s->family;
	memcpy(fi.client, f->addr[0], 16);
	memcpy(fi.server, f->addr[1], 16);
	fi.client_port = f->port[0];
	fi.server_port = f->port[1];
	fi.midstream = midstream;
	fi.ts_us = r->now;
	if (r->cb.flow_new != NULL)
		f->user = r->cb.flow_new(r->cb_arg, &fi);
	return f;
}

/* A SYN without ACK on an existing flow: a new connection, unless it is the
 * same SYN again or the first SYN of a direction not seen yet. */
static bool
syn_starts_new(const struct flow *f, int dir, uint32_t seq)
{
	const struct half *h = &f->h[dir];

	if (h->state == H_IDLE)
		return false;
	return !(h->syn && f->hc[dir].isn == seq);
}

/* ---- the contract ---- */

void
tcp_reasm_cfg_default(struct tcp_reasm_cfg *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->max_flows = DEF_MAX_FLOWS;
	cfg->dir_buf_max = DEF_DIR_BUF;
	cfg->buf_max = DEF_BUF;
	cfg->idle_timeout_s = DEF_IDLE_S;
	cfg->closed_linger_s = DEF_LINGER_S;
}

struct tcp_reasm *
tcp_reasm_new(const struct tcp_reasm_cfg *cfg, const struct tcp_reasm_cb *cb, void *cb_arg)
{
	struct tcp_reasm *r = xcalloc(1, sizeof *r);
	uint64_t nb = 16;

	tcp_reasm_cfg_default(&r->cfg);
	if (cfg != NULL) {
		if (cfg->max_flows != 0)
			r->cfg.max_flows = cfg->max_flows;
		if (cfg->dir_buf_max != 0)
			r->cfg.dir_buf_max = cfg->dir_buf_max;
		if (cfg->buf_max != 0)
			r->cfg.buf_max = cfg->buf_max;
		if (cfg->idle_timeout_s != 0)
			r->cfg.idle_timeout_s = cfg->idle_timeout_s;
		if (cfg->closed_linger_s != 0)
			r->cfg.closed_linger_s = cfg->closed_linger_s;
		r->cfg.seed[0] = cfg->seed[0];
		r->cfg.seed[1] = cfg->seed[1];
	}
	if (cb != NULL)
		r->cb = *cb;
	r->cb_arg = cb_arg;
	r->k0 = r->cfg.seed[0];
	r->k1 = r->cfg.seed[1];
	if (r->k0 == 0 && r->k1 == 0) {
		uint64_t k[2];

		if (getentropy(k, sizeof k) != 0) {
			log_warn("tcp_reasm: getentropy");
			k[0] = now_us() * 0x9e3779b97f4a7c15ULL;
			k[1] = (uint64_t)(uintptr_t)r ^ k[0] >> 17;
		}
		r->k0 = k[0];
		r->k1 = k[1];
	}
	while (nb < r->cfg.max_flows)
		nb <<= 1;
	r->max_buckets = nb;
	nb = nb < 1024 ? nb : 1024;
	r->bucket = xcalloc(nb, sizeof *r->bucket);
	r->mask = nb - 1;
	r->idle_us = (uint64_t)r->cfg.idle_timeout_s * 1000000u;
	r->linger_us = (uint64_t)r->cfg.closed_linger_s * 1000000u;
	r->lru_step_us = r->idle_us / 32;
	return r;
}

void
tcp_reasm_packet(struct tcp_reasm *r, const struct pkt_tcp *s, uint64_t ts_us)
{
	struct flow *f;
	uint64_t h;
	int dir = 0;
	uint8_t fl = s->flags;
	bool pure_syn = (fl & (PKT_TCP_SYN | PKT_TCP_ACK | PKT_TCP_RST)) == PKT_TCP_SYN;

	if (s->result != PKT_OK || (s->family != AF_INET && s->family != AF_INET6))
		return;
	if (ts_us > r->now)
		r->now = ts_us;
	if (r->now >= r->next_expire) {   /* the list tails, at most once per EXPIRE_STEP_US */
		r->next_expire = r->now + EXPIRE_STEP_US;
		expire_at(r, r->now);
	}
	r->st.packets++;

	h = tuple_hash(r, s);
	f = flow_find(r, s, h, &dir);
	if (f != NULL && f->closed) {
		if (!pure_syn) {
			r->st.closed++;
			return;
		}
		forget(r, f);
		f = NULL;
	}
	if (f != NULL && pure_syn && syn_starts_new(f, dir, s->seq)) {
		end_flow(r, f, TCP_REASM_END_REUSED);
		f = NULL;
	}
	if (f == NULL) {
		if ((fl & PKT_TCP_RST) || (!(fl & PKT_TCP_SYN) && s->seg_len == 0)) {
			r->st.no_flow++;
			return;
		}
		f = flow_create(r, s, h, &dir);
	} else {
		f->last_us = r->now;
		if (r->now - f->lru_us >= r->lru_step_us) {
			f->lru_us = r->now;
			if (r->live[f->mark].head != f) {
				live_unlink(&r->live[f->mark], f);
				live_push(&r->live[f->mark], f);
			}
		}
	}
	if (fl & PKT_TCP_RST) {
		end_flow(r, f, TCP_REASM_END_RST);
		return;
	}
	segment(r, f, dir, s);
	if (fl & PKT_TCP_ACK)
		ack_seen(r, f, !dir, s->ack);
	if (f->mark == TCP_REASM_MARK_IGNORE && f->holding) {
		half_drop_held(r, f, 0);
		half_drop_held(r, f, 1);
	}
	hold_update(r, f, false);
	check_fin(r, f);
}

void
tcp_reasm_mark(struct tcp_reasm *r, enum tcp_reasm_mark m)
{
	struct flow *f = r->cur;

	if (f == NULL || (unsigned)m >= TCP_REASM_MARK_MAX || f->mark == m)
		return;
	live_unlink(&r->live[f->mark], f);
	f->mark = (uint8_t)m;
	live_push(&r->live[m], f);
}

void
tcp_reasm_expire(struct tcp_reasm *r, uint64_t now_us)
{
	expire_at(r, now_us);
}

const struct tcp_reasm_stats *
tcp_reasm_stats(const struct tcp_reasm *r)
{
	return &r->st;
}

void
tcp_reasm_free(struct tcp_reasm *r)
{
	if (r == NULL)
		return;
	for (int m = 0; m < TCP_REASM_MARK_MAX; m++)
		while (r->live[m].tail != NULL)
			end_flow(r, r->live[m].tail, TCP_REASM_END_SHUTDOWN);
	while (r->closed.tail != NULL)
		forget(r, r->closed.tail);
	if (r->st.buf_bytes != 0 || r->st.buf_segments != 0) {
		log_errx("tcp_reasm: buffer accounting off at free: bytes=%llu segments=%llu",
		    (unsigned long long)r->st.buf_bytes, (unsigned long long)r->st.buf_segments);
		abort();
	}
	while (r->nslabs > 0) {
		void *mem = r->slabs[--r->nslabs];

		UNPOISON(mem, SLAB_FLOWS * sizeof(struct flow) + FLOW_ALIGN - 1);
		free(mem);
	}
	free(r->slabs);
	free(r->bucket);
	free(r);
}

const char *
tcp_reasm_end_name(enum tcp_reasm_end why)
{
	switch (why) {
	case TCP_REASM_END_FIN:
		return "fin";
	case TCP_REASM_END_RST:
		return "rst";
	case TCP_REASM_END_TIMEOUT:
		return "timeout";
	case TCP_REASM_END_EVICTED:
		return "evicted";
	case TCP_REASM_END_REUSED:
		return "reused";
	case TCP_REASM_END_SHUTDOWN:
		return "shutdown";
	case TCP_REASM_END_MAX:
		break;
	}
	return "unknown";
}
