/* capture: the bounded flow table.
 *
 * max_flows slots and a power-of-two bucket array (at least twice as many
 * buckets as slots) are allocated once by nt_cap_table_init; nothing is
 * allocated afterwards. A flow is found by a symmetric hash of its two
 * endpoints (both directions land in one bucket), chains and the LRU list
 * are slot indices + 1. Every packet moves its flow to the head of the LRU
 * list; when the table is full a new flow takes the slot of the least
 * recently used one, whose counts and path-direction RTT histogram go to
 * evicted_sum and evicted_rtt first, so the totals stay exact (its open
 * zero-window stalls closed at its own last packet). A new flow is put at the
 * head of its chain, so after a port reuse the new conversation is found
 * before the old one (which stays until it is evicted). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "nt_capture.h"

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* one endpoint: two multiplies, no mixing yet */
static inline uint64_t ep_hash(const uint8_t a[16], uint16_t port)
{
	uint64_t lo, hi;

	memcpy(&lo, a, 8);
	memcpy(&hi, a + 8, 8);
	return (lo ^ ((uint64_t)port << 48)) * 0x9e3779b97f4a7c15ull ^
	       (hi + port) * 0xc2b2ae3d27d4eb4full;
}

/* the same for (src, dst) and (dst, src): the endpoints are added, then
 * mixed once */
static uint32_t tuple_hash(const struct nt_cap_tuple *t)
{
	uint64_t h = ep_hash(t->src, t->sport) + ep_hash(t->dst, t->dport) + t->family;

	return (uint32_t)(mix64(h) >> 32);
}

static inline bool addr_eq(const uint8_t a[16], const uint8_t b[16])
{
	uint64_t a0, a1, b0, b1;

	memcpy(&a0, a, 8);
	memcpy(&a1, a + 8, 8);
	memcpy(&b0, b, 8);
	memcpy(&b1, b + 8, 8);
	return !((a0 ^ b0) | (a1 ^ b1));
}

static inline int flow_dir(const struct nt_cap_flow *f, const struct nt_cap_tuple *t)
{
	const struct nt_cap_tuple *k = &f->key;

	if (t->family != k->family)
		return -1;
	if (t->sport == k->sport && t->dport == k->dport &&
	    addr_eq(t->src, k->src) && addr_eq(t->dst, k->dst))
		return 0;
	if (t->sport == k->dport && t->dport == k->sport &&
	    addr_eq(t->src, k->dst) && addr_eq(t->dst, k->src))
		return 1;
	return -1;
}

int nt_cap_flow_dir(const struct nt_cap_flow *f, const struct nt_cap_tuple *t)
{
	return flow_dir(f, t);
}

int nt_cap_table_init(struct nt_cap_table *t, uint32_t max_flows)
{
	uint32_t nb = 16;

	memset(t, 0, sizeof(*t));
	if (max_flows < 1 || max_flows > (1u << 30))
		return -EINVAL;
	while (nb < max_flows * 2ull)
		nb <<= 1;
	t->flows = calloc(max_flows, sizeof(*t->flows));
	t->bucket = calloc(nb, sizeof(*t->bucket));
	if (!t->flows || !t->bucket) {
		nt_cap_table_free(t);
		return -ENOMEM;
	}
	t->nbucket = nb;
	t->max_flows = max_flows;
	nt_cap_rtt_init(&t->evicted_rtt);
	return 0;
}

void nt_cap_table_free(struct nt_cap_table *t)
{
	if (!t)
		return;
	free(t->flows);
	free(t->bucket);
	memset(t, 0, sizeof(*t));
}

static struct nt_cap_flow *slot(const struct nt_cap_table *t, uint32_t i1)
{
	return &t->flows[i1 - 1];
}

static void lru_unlink(struct nt_cap_table *t, uint32_t i1)
{
	struct nt_cap_flow *f = slot(t, i1);

	if (f->lprev)
		slot(t, f->lprev)->lnext = f->lnext;
	else
		t->lru_head = f->lnext;
	if (f->lnext)
		slot(t, f->lnext)->lprev = f->lprev;
	else
		t->lru_tail = f->lprev;
	f->lprev = f->lnext = 0;
}

static void lru_push(struct nt_cap_table *t, uint32_t i1)
{
	struct nt_cap_flow *f = slot(t, i1);

	f->lprev = 0;
	f->lnext = t->lru_head;
	if (t->lru_head)
		slot(t, t->lru_head)->lprev = i1;
	t->lru_head = i1;
	if (!t->lru_tail)
		t->lru_tail = i1;
}

static void lru_touch(struct nt_cap_table *t, uint32_t i1)
{
	if (t->lru_head == i1)
		return;
	lru_unlink(t, i1);
	lru_push(t, i1);
}

static void counts_add(struct nt_cap_counts *s, const struct nt_cap_counts *c)
{
	s->packets += c->packets;
	s->bytes += c->bytes;
	s->payload_bytes += c->payload_bytes;
	s->data_segments += c->data_segments;
	s->retrans += c->retrans;
	s->fast_retrans += c->fast_retrans;
	s->spurious_retrans += c->spurious_retrans;
	s->out_of_order += c->out_of_order;
	s->lost_segments += c->lost_segments;
	s->acked_unseen += c->acked_unseen;
	s->dup_acks += c->dup_acks;
	s->zero_windows += c->zero_windows;
	s->zero_window_probes += c->zero_window_probes;
	s->window_full += c->window_full;
	s->keep_alives += c->keep_alives;
	s->rsts += c->rsts;
	s->rsts_server += c->rsts_server;
	s->port_reuse += c->port_reuse;
	s->icmp_errors += c->icmp_errors;
	s->zero_window_ms += c->zero_window_ms;
}

_Static_assert(sizeof(struct nt_cap_flow) <= 888, "a flow grew past 888 bytes (nt_capture.h)");

/* an open zero-window stall ends at ts_ns as far as we can tell */
static void close_stalls(struct nt_cap_flow *f, uint64_t ts_ns)
{
	int i;

	for (i = 0; i < 2; i++) {
		struct nt_cap_dir *d = &f->d[i];

		if (!d->zw_open)
			continue;
		if (ts_ns > d->zw_since_ns)
			f->c.zero_window_ms += (double)(ts_ns - d->zw_since_ns) / 1e6;
		d->zw_open = false;
	}
}

/* take the least recently used flow out of the table; its slot. Its
 * open stalls end at its own last packet (not at the evicting packet's
 * time: the totals must not depend on the table's size) */
static uint32_t evict(struct nt_cap_table *t)
{
	uint32_t i1 = t->lru_tail, *pp;
	struct nt_cap_flow *f = slot(t, i1);

	close_stalls(f, f->last_ns);
	counts_add(&t->evicted_sum, &f->c);
	nt_cap_rtt_merge(&t->evicted_rtt, nt_cap_flow_rtt(f));
	t->evicted++;
	lru_unlink(t, i1);
	for (pp = &t->bucket[f->hash & (t->nbucket - 1)]; *pp; pp = &slot(t, *pp)->hnext)
		if (*pp == i1) {
			*pp = f->hnext;
			break;
		}
	return i1;
}

/* the first flow of tuple tu in the chain from slot i (index + 1) on */
static struct nt_cap_flow *lookup_from(const struct nt_cap_table *t,
				       const struct nt_cap_tuple *tu, uint32_t h, uint32_t i,
				       uint32_t *i1, int *dir)
{
	for (; i; i = slot(t, i)->hnext) {
		struct nt_cap_flow *f = slot(t, i);

		if (f->hash == h && (*dir = flow_dir(f, tu)) >= 0) {
			*i1 = i;
			return f;
		}
	}
	return NULL;
}

static struct nt_cap_flow *lookup(const struct nt_cap_table *t, const struct nt_cap_tuple *tu,
				  uint32_t h, uint32_t *i1, int *dir)
{
	return lookup_from(t, tu, h, t->bucket[h & (t->nbucket - 1)], i1, dir);
}

static struct nt_cap_flow *create(struct nt_cap_table *t, uint32_t h,
				  const struct nt_cap_pkt *p)
{
	uint32_t i1, *head = &t->bucket[h & (t->nbucket - 1)];
	struct nt_cap_flow *f;

	i1 = t->nflows < t->max_flows ? ++t->nflows : evict(t);
	f = slot(t, i1);
	nt_cap_seq_init(f, p);
	f->id = ++t->next_id;
	f->hash = h;
	f->hnext = *head;
	*head = i1;
	lru_push(t, i1);
	t->flows_total++;
	return f;
}

void nt_cap_table_add(struct nt_cap_table *t, const struct nt_cap_pkt *p)
{
	struct nt_cap_flow *f;
	uint32_t h, i1 = 0;
	int dir = 0;

	if (p->kind != NT_CAPK_TCP && p->kind != NT_CAPK_ICMP_ERR)
		return;
	h = tuple_hash(&p->t);
	f = lookup(t, &p->t, h, &i1, &dir);
	if (p->kind == NT_CAPK_ICMP_ERR) {
		t->icmp_errors++;
		/* the newest flow of the 5-tuple whose sent range holds the
		 * quoted seq (older ones follow it in the chain) */
		while (f && !nt_cap_seq_icmp_match(f, dir, p))
			f = lookup_from(t, &p->t, h, f->hnext, &i1, &dir);
		if (!f) {
			t->icmp_unmatched++;
			return;
		}
		lru_touch(t, i1);
		nt_cap_seq_icmp(f, dir, p);
		return;
	}
	if (p->seglen >= 0x80000000u)
		return;         /* the decoder never makes one: mod 2^32 breaks */
	t->tcp_packets++;
	if (f && !nt_cap_seq_reuse(f, dir, p)) {
		lru_touch(t, i1);
	} else {
		bool reuse = f != NULL;

		f = create(t, h, p);
		dir = nt_cap_flow_dir(f, &p->t);
		if (reuse) {
			nt_cap_seq_segment(f, dir, p);
			f->c.port_reuse++;
			f->d[dir].lastsegmentflags |= NT_CAPA_PORT_REUSE;
			return;
		}
	}
	nt_cap_seq_segment(f, dir, p);
}

void nt_cap_table_finish(struct nt_cap_table *t, uint64_t ts_ns)
{
	uint32_t i;

	for (i = 0; i < t->nflows; i++)
		close_stalls(&t->flows[i], ts_ns);
}

const struct nt_cap_flow *nt_cap_table_next(const struct nt_cap_table *t,
					    const struct nt_cap_flow *f)
{
	const struct nt_cap_flow *n = f ? f + 1 : t->flows;

	if (!t->flows || n >= t->flows + t->nflows)
		return NULL;
	return n;
}

void nt_cap_table_totals(const struct nt_cap_table *t, struct nt_cap_counts *c,
			 struct nt_cap_rtt *rtt)
{
	const struct nt_cap_flow *f = NULL;

	*c = t->evicted_sum;
	if (rtt)
		*rtt = t->evicted_rtt;
	while ((f = nt_cap_table_next(t, f))) {
		counts_add(c, &f->c);
		if (rtt)
			nt_cap_rtt_merge(rtt, nt_cap_flow_rtt(f));
	}
}
