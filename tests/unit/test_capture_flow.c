/* Unit tests: the bounded flow table (cap_flow.c): both directions of a
 * 5-tuple in one flow, LRU eviction with the totals still exact, the
 * iteration, many flows through a small table, and (printed, not
 * asserted) the cost of nt_cap_table_add per packet. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include "nt_capture.h"
#include "t.h"

/* flow i: 203.0.113.(i % 250) port 1024 + i/250 -> 198.51.100.7:443 */
static struct nt_cap_pkt fpkt(uint32_t i, int rev, uint8_t flags, uint32_t seq, uint32_t ack,
			      uint32_t len, uint64_t ts)
{
	struct nt_cap_pkt p;
	uint8_t a[4] = { 203, 0, 113, (uint8_t)(i % 250) }, b[4] = { 198, 51, 100, 7 };

	memset(&p, 0, sizeof(p));
	p.kind = NT_CAPK_TCP;
	p.ts_ns = ts;
	p.wirelen = 60 + len;
	p.t.family = AF_INET;
	p.t.sport = (uint16_t)(1024 + i / 250);
	p.t.dport = 443;
	memcpy(p.t.src, a, 4);
	memcpy(p.t.dst, b, 4);
	if (rev) {
		p.t.sport = 443;
		p.t.dport = (uint16_t)(1024 + i / 250);
		memcpy(p.t.src, b, 4);
		memcpy(p.t.dst, a, 4);
	}
	p.seq = seq;
	p.ack = ack;
	p.seglen = len;
	p.flags = flags;
	p.win = 1000;
	p.wscale = -1;
	return p;
}

static const struct nt_cap_flow *find(const struct nt_cap_table *t, uint32_t i)
{
	struct nt_cap_pkt p = fpkt(i, 0, 0, 0, 0, 0, 0);
	const struct nt_cap_flow *f = NULL;

	while ((f = nt_cap_table_next(t, f)))
		if (nt_cap_flow_dir(f, &p.t) >= 0)
			return f;
	return NULL;
}

static void add(struct nt_cap_table *t, uint32_t i, int rev, uint8_t flags, uint32_t seq,
		uint32_t ack, uint32_t len, uint64_t ts)
{
	struct nt_cap_pkt p = fpkt(i, rev, flags, seq, ack, len, ts);

	nt_cap_table_add(t, &p);
}

static uint32_t longest_chain(const struct nt_cap_table *t)
{
	uint32_t b, i, n, best = 0;

	for (b = 0; b < t->nbucket; b++) {
		for (n = 0, i = t->bucket[b]; i; i = t->flows[i - 1].hnext)
			n++;
		if (n > best)
			best = n;
	}
	return best;
}

static void test_init(void)
{
	struct nt_cap_table t;

	T_EQ_I(nt_cap_table_init(&t, 0), -EINVAL, "init: 0 flows refused");
	T_EQ_I(nt_cap_table_init(&t, 1), 0, "init: 1 flow");
	T_OK(t.nbucket >= 2 && !(t.nbucket & (t.nbucket - 1)), "init: buckets a power of two");
	T_OK(nt_cap_table_next(&t, NULL) == NULL, "init: no flow yet");
	nt_cap_table_free(&t);
	nt_cap_table_free(&t);
	T_OK(t.flows == NULL, "free: twice is harmless");
}

static void test_both_dirs(void)
{
	struct nt_cap_table t;
	const struct nt_cap_flow *f;

	nt_cap_table_init(&t, 8);
	add(&t, 1, 0, NT_TCP_ACK, 100, 500, 10, 1000);
	add(&t, 1, 1, NT_TCP_ACK, 500, 110, 20, 2000);
	add(&t, 2, 1, NT_TCP_ACK, 900, 300, 0, 3000);
	T_EQ_U(t.nflows, 2, "dirs: two 5-tuples, two flows");
	f = find(&t, 1);
	T_OK(f && f->c.packets == 2 && f->c.payload_bytes == 30, "dirs: both directions in one flow");
	T_OK(f->key.sport == 1024 + 0 && f->key.dport == 443, "dirs: key from the first sender");
	f = find(&t, 2);
	T_OK(f && f->key.sport == 443, "dirs: without a SYN the first packet's sender is first");
	T_EQ_U(t.tcp_packets, 3, "dirs: 3 TCP packets");
	nt_cap_table_free(&t);
}

static void test_lru(void)
{
	struct nt_cap_table t;
	struct nt_cap_counts c;
	struct nt_cap_rtt r;
	const struct nt_cap_flow *f;
	uint64_t ts = 1000000000ull;

	nt_cap_table_init(&t, 2);
	/* flow 1: data, a retransmission, its ACK 20 ms later (1 RTT sample) */
	add(&t, 1, 0, NT_TCP_ACK, 1000, 1, 100, ts);
	add(&t, 1, 1, NT_TCP_ACK, 1, 1100, 0, ts += 20000000);
	add(&t, 1, 0, NT_TCP_ACK, 1100, 1, 100, ts += 1000000);
	add(&t, 1, 0, NT_TCP_ACK, 1100, 1, 100, ts += 300000000);
	/* flow 2: a RST */
	add(&t, 2, 0, NT_TCP_ACK, 50, 60, 10, ts += 1000);
	add(&t, 2, 1, NT_TCP_RST | NT_TCP_ACK, 60, 50, 0, ts += 1000); /* acks nothing new */
	/* flow 1 again: now 2 is the least recently used */
	add(&t, 1, 1, NT_TCP_ACK, 1, 1200, 0, ts += 1000);
	/* flow 3 evicts flow 2 */
	add(&t, 3, 0, NT_TCP_ACK, 7, 8, 5, ts += 1000);
	T_EQ_U(t.evicted, 1, "lru: one eviction");
	T_OK(find(&t, 1) && find(&t, 3) && !find(&t, 2), "lru: the least recently used went");
	T_EQ_U(t.evicted_sum.rsts, 1, "lru: the evicted flow's RST is kept");
	T_EQ_U(t.evicted_sum.packets, 2, "lru: and its packets");
	/* flow 4 evicts flow 1 (3 was used after it) */
	add(&t, 4, 0, NT_TCP_ACK, 9, 9, 1, ts += 1000);
	T_EQ_U(t.evicted, 2, "lru: two evictions");
	T_OK(!find(&t, 1) && find(&t, 3) && find(&t, 4), "lru: then flow 1");
	T_EQ_U(t.evicted_rtt.n, 1, "lru: the evicted RTT sample is kept");
	/* flow 2 comes back: a new flow, evicting 3 */
	add(&t, 2, 0, NT_TCP_ACK, 70, 60, 10, ts += 1000);
	T_EQ_U(t.flows_total, 5, "lru: flows_total counts every flow created");
	T_EQ_U(t.nflows, 2, "lru: never more than max_flows live");
	nt_cap_table_totals(&t, &c, &r);
	T_EQ_U(c.packets, 10, "lru: totals: every packet");
	T_EQ_U(c.retrans, 1, "lru: totals: the retransmission");
	T_EQ_U(c.rsts, 1, "lru: totals: the RST");
	T_EQ_U(c.payload_bytes, 100 * 3 + 10 + 5 + 1 + 10, "lru: totals: payload");
	T_EQ_U(r.n, 1, "lru: totals: the RTT sample");
	T_NEAR(r.min_ms, 20.0, 1e-9, "lru: totals: its value");
	f = find(&t, 2);
	T_OK(f && f->c.packets == 1 && f->c.rsts == 0, "lru: a returning flow starts afresh");
	nt_cap_table_free(&t);
}

/* 20,000 flows through a table of 1,000: totals equal what was fed */
static void test_many(void)
{
	struct nt_cap_table t;
	struct nt_cap_counts c;
	uint64_t ts = 1, want_bytes = 0;
	const struct nt_cap_flow *f = NULL;
	uint32_t i, n = 0;

	nt_cap_table_init(&t, 1000);
	for (i = 0; i < 20000; i++) {
		add(&t, i, 0, NT_TCP_SYN, i * 7, 0, 0, ts++);
		add(&t, i, 1, NT_TCP_SYN | NT_TCP_ACK, i * 3, i * 7 + 1, 0, ts++);
		add(&t, i, 0, NT_TCP_ACK, i * 7 + 1, i * 3 + 1, i % 100, ts++);
		want_bytes += 3 * 60 + i % 100;
	}
	while ((f = nt_cap_table_next(&t, f)))
		n++;
	T_EQ_U(n, 1000, "many: 1000 live flows to iterate");
	T_OK(longest_chain(&t) <= 8, "many: hash chains stay short (longest %u of %u buckets)",
	     longest_chain(&t), t.nbucket);
	T_EQ_U(t.flows_total, 20000, "many: 20000 created");
	T_EQ_U(t.evicted, 19000, "many: 19000 evicted");
	nt_cap_table_totals(&t, &c, NULL);
	T_EQ_U(c.packets, 60000, "many: every packet in the totals");
	T_EQ_U(c.bytes, want_bytes, "many: every byte in the totals");
	T_EQ_U(c.retrans + c.lost_segments + c.acked_unseen + c.port_reuse, 0,
	       "many: no judgement from mixing flows up");
	nt_cap_table_free(&t);
}

/* The cost of nt_cap_table_add: 500,000 packets over 2,000 flows, data
 * and ACKs in turn; printed as a comment line, not a pass/fail. */
static void bench(void)
{
	enum { NF = 2000, NP = 500000 };
	struct nt_cap_pkt *v = calloc(NP, sizeof(*v));
	struct nt_cap_table t;
	struct timespec a, b;
	uint32_t *seq = calloc(NF, sizeof(*seq));
	uint64_t x = 88172645463325252ull;
	double ns;
	int i;

	if (!v || !seq) {
		free(v);
		free(seq);
		return;
	}
	for (i = 0; i < NP; i++) {
		uint32_t fl;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		fl = (uint32_t)(x % NF);
		if (i & 1) {
			v[i] = fpkt(fl, 1, NT_TCP_ACK, 1, seq[fl], 0, 1000000000ull + (uint64_t)i * 1000);
		} else {
			v[i] = fpkt(fl, 0, NT_TCP_ACK, seq[fl], 1, 1448, 1000000000ull + (uint64_t)i * 1000);
			seq[fl] += 1448;
		}
	}
	nt_cap_table_init(&t, 100000);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < NP; i++)
		nt_cap_table_add(&t, &v[i]);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / NP;
	printf("# bench: nt_cap_table_add %.1f ns/packet (%d packets, %d flows)\n", ns, NP, NF);
	T_EQ_U(t.flows_total, NF, "bench: one flow per 5-tuple");
	nt_cap_table_free(&t);
	free(v);
	free(seq);
}

/* an evicted flow's open zero-window stall ends at its own last packet,
 * whatever the evicting packet's time (or the table's size) */
static void test_zw_evict(void)
{
	struct nt_cap_table t;
	struct nt_cap_pkt p;
	struct nt_cap_counts c;
	uint64_t ts = 1000000000ull;

	nt_cap_table_init(&t, 1);
	add(&t, 1, 0, NT_TCP_ACK, 100, 500, 10, ts);
	p = fpkt(1, 1, NT_TCP_ACK, 500, 110, 0, ts + 1000000);    /* window 0 at +1 ms */
	p.win = 0;
	nt_cap_table_add(&t, &p);
	p = fpkt(1, 1, NT_TCP_ACK, 500, 110, 0, ts + 5000000);    /* still 0 at +5 ms */
	p.win = 0;
	nt_cap_table_add(&t, &p);
	add(&t, 2, 0, NT_TCP_ACK, 7, 8, 5, ts + 900000000);       /* evicts at +900 ms */
	T_EQ_U(t.evicted, 1, "zw evict: flow 1 evicted");
	T_NEAR(t.evicted_sum.zero_window_ms, 4.0, 1e-9,
	       "zw evict: the stall closed at the flow's last packet (4 ms, not 899)");
	nt_cap_table_finish(&t, ts + 2000000000ull);
	nt_cap_table_totals(&t, &c, NULL);
	T_NEAR(c.zero_window_ms, 4.0, 1e-9, "zw evict: the totals say 4 ms");
	nt_cap_table_free(&t);
	T_EQ_I(nt_cap_table_init(&t, (1u << 30) + 1), -EINVAL, "init: more than 2^30 refused");
	T_OK(sizeof(struct nt_cap_flow) <= 888, "a flow is no bigger than 888 bytes");
}

int main(void)
{
	test_zw_evict();
	test_init();
	test_both_dirs();
	test_lru();
	test_many();
	bench();
	return T_DONE();
}
