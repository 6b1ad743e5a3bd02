/* Unit tests: the TCP sequence analysis (cap_seq.c) through the flow table,
 * on conversations built segment by segment (no pcap, no decoder). Every
 * expected count follows from the segments written here and from
 * Wireshark 4.0's rules (cap_seq.c's comment); the per-segment NT_CAPA_*
 * bits are checked where a count alone could hide a wrong frame. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>
#include "nt_capture.h"
#include "t.h"

#define C 0 /* client -> server */
#define S 1 /* server -> client */
#define SYN NT_TCP_SYN
#define ACK NT_TCP_ACK
#define FIN NT_TCP_FIN
#define RST NT_TCP_RST
#define PSH NT_TCP_PSH
#define MSS 1000u
#define T0 1700000000000000000ull /* ns */

struct sess {
	struct nt_cap_table tt;
	struct nt_cap_table *t;   /* &tt, or another session's */
	struct nt_cap_tuple tu;   /* client -> server */
	uint64_t now;             /* ns */
	uint32_t ciss, siss;      /* ISNs */
	int8_t cws, sws;          /* window scale options of the SYNs */
};

static void sess_init(struct sess *s, bool v6, uint16_t cport, uint32_t ciss, uint32_t siss)
{
	memset(s, 0, sizeof(*s));
	s->t = &s->tt;
	if (nt_cap_table_init(s->t, 64))
		abort();
	s->tu.family = v6 ? AF_INET6 : AF_INET;
	s->tu.sport = cport;
	s->tu.dport = 80;
	if (v6) {
		inet_pton(AF_INET6, "2001:db8::1", s->tu.src);
		inet_pton(AF_INET6, "2001:db8::2", s->tu.dst);
	} else {
		inet_pton(AF_INET, "192.0.2.1", s->tu.src);
		inet_pton(AF_INET, "198.51.100.2", s->tu.dst);
	}
	s->now = T0;
	s->ciss = ciss;
	s->siss = siss;
	s->cws = s->sws = 7;
}

static struct nt_cap_pkt pkt(const struct sess *s, int dir, uint8_t fl, uint32_t seq,
			     uint32_t ack, uint32_t len, uint16_t win)
{
	struct nt_cap_pkt p;

	memset(&p, 0, sizeof(p));
	p.kind = NT_CAPK_TCP;
	p.ts_ns = s->now;
	p.t = s->tu;
	if (dir == S) {
		p.t.sport = s->tu.dport;
		p.t.dport = s->tu.sport;
		memcpy(p.t.src, s->tu.dst, 16);
		memcpy(p.t.dst, s->tu.src, 16);
	}
	p.seq = seq;
	p.ack = ack;
	p.seglen = len;
	p.win = win;
	p.flags = fl;
	p.wscale = -1;
	p.wirelen = 54 + len;
	if (fl & SYN)
		p.wscale = dir == C ? s->cws : s->sws;
	return p;
}

/* the flow a tuple finds now (the newest conversation on it) */
static struct nt_cap_flow *flow_of(struct sess *s)
{
	const struct nt_cap_flow *f = NULL, *best = NULL;

	while ((f = nt_cap_table_next(s->t, f)))
		if (nt_cap_flow_dir(f, &s->tu) >= 0 && (!best || f->id > best->id))
			best = f;
	return (struct nt_cap_flow *)best;
}

/* one segment at now += dt_us; its NT_CAPA_* bits */
static uint32_t seg(struct sess *s, double dt_us, int dir, uint8_t fl, uint32_t seq,
		    uint32_t ack, uint32_t len, uint16_t win)
{
	struct nt_cap_pkt p;
	struct nt_cap_flow *f;

	s->now += (uint64_t)(dt_us * 1000.0);
	p = pkt(s, dir, fl, seq, ack, len, win);
	nt_cap_table_add(s->t, &p);
	f = flow_of(s);
	if (!f)
		return 0xffffffffu;
	return f->d[nt_cap_flow_dir(f, &p.t)].lastsegmentflags;
}

/* relative sequence numbers: client byte n is ciss + 1 + n */
#define CS(n) (s->ciss + 1u + (uint32_t)(n))
#define SS(n) (s->siss + 1u + (uint32_t)(n))

/* SYN at +0, SYN/ACK at +10 ms, ACK at +10.5 ms: irtt 10.5 ms */
static void handshake(struct sess *s)
{
	seg(s, 0, C, SYN, s->ciss, 0, 0, 64240);
	seg(s, 10000, S, SYN | ACK, s->siss, CS(0), 0, 65160);
	seg(s, 500, C, ACK, CS(0), SS(0), 0, 502);
}

static bool all_zero(const struct nt_cap_counts *c)
{
	return !c->retrans && !c->fast_retrans && !c->spurious_retrans && !c->out_of_order &&
	       !c->lost_segments && !c->acked_unseen && !c->dup_acks && !c->zero_windows &&
	       !c->zero_window_probes && !c->window_full && !c->keep_alives && !c->rsts &&
	       !c->rsts_server && !c->port_reuse && !c->icmp_errors && c->zero_window_ms == 0;
}

static void test_clean(void)
{
	struct sess ss, *s = &ss;
	struct nt_cap_flow *f;
	uint32_t bits = 0;
	int i;

	sess_init(s, false, 40000, 1000000, 5000000);
	handshake(s);
	for (i = 0; i < 10; i++) {
		bits |= seg(s, 100, C, ACK | PSH, CS(i * MSS), SS(0), MSS, 502);
		if (i & 1)
			bits |= seg(s, 20000, S, ACK, SS(0), CS((i + 1) * MSS), 0, 509);
	}
	bits |= seg(s, 100, C, FIN | ACK, CS(10 * MSS), SS(0), 0, 502);
	bits |= seg(s, 100, S, FIN | ACK, SS(0), CS(10 * MSS + 1), 0, 509);
	bits |= seg(s, 100, C, ACK, CS(10 * MSS + 1), SS(1), 0, 502);
	f = flow_of(s);
	T_OK(f && all_zero(&f->c) && bits == 0, "clean: every analysis count is 0");
	T_EQ_U(f->c.packets, 21, "clean: 21 segments");
	T_EQ_U(f->c.data_segments, 10, "clean: 10 data segments");
	T_EQ_U(f->c.payload_bytes, 10 * MSS, "clean: 10000 payload bytes");
	T_EQ_U(f->c.bytes, 21 * 54 + 10 * MSS, "clean: wire bytes");
	T_OK(f->closed, "clean: FIN both ways closes the flow");
	T_OK(f->saw_syn && f->key.sport == 40000, "clean: the client is the SYN's sender");
	T_EQ_U(s->t->flows_total, 1, "clean: one flow");
	nt_cap_table_free(s->t);
}

static void test_retrans3(void)
{
	struct sess ss, *s = &ss;
	struct nt_cap_flow *f;
	uint32_t b[3];
	int i;

	sess_init(s, false, 40001, 7, 9);
	handshake(s);
	for (i = 0; i < 5; i++)
		seg(s, 100, C, ACK, CS(i * MSS), SS(0), MSS, 502);
	seg(s, 20000, S, ACK, SS(0), CS(MSS), 0, 509);
	/* segments 2..4 again after an RTO of 200 ms */
	for (i = 0; i < 3; i++)
		b[i] = seg(s, i ? 100 : 200000, C, ACK, CS((i + 1) * MSS), SS(0), MSS, 502);
	f = flow_of(s);
	T_OK(b[0] == NT_CAPA_RETRANS && b[1] == NT_CAPA_RETRANS && b[2] == NT_CAPA_RETRANS,
	     "retrans: each of the 3 is a plain retransmission");
	T_EQ_U(f->c.retrans, 3, "retrans: 3");
	T_EQ_U(f->c.fast_retrans + f->c.spurious_retrans + f->c.out_of_order, 0,
	       "retrans: no fast, spurious or out-of-order");
	T_EQ_U(f->c.data_segments, 8, "retrans: 8 data segments");
	nt_cap_table_free(s->t);
}

static void test_fast(void)
{
	struct sess ss, *s = &ss;
	struct nt_cap_flow *f;
	uint32_t d[3], r;
	int i;

	sess_init(s, false, 40002, 0xabcdef00u, 0x12345678u);
	handshake(s);
	for (i = 0; i < 5; i++)      /* segment 2 (bytes 1000..1999) is lost downstream */
		seg(s, 100, C, ACK, CS(i * MSS), SS(0), MSS, 502);
	seg(s, 20000, S, ACK, SS(0), CS(MSS), 0, 509);
	for (i = 0; i < 3; i++)
		d[i] = seg(s, 100, S, ACK, SS(0), CS(MSS), 0, 509);
	f = flow_of(s);
	T_EQ_U(f->d[S].dupacknum, 3, "fast: the third duplicate ACK is #3");
	r = seg(s, 5000, C, ACK, CS(MSS), SS(0), MSS, 502);
	T_OK(d[0] == NT_CAPA_DUP_ACK && d[1] == NT_CAPA_DUP_ACK && d[2] == NT_CAPA_DUP_ACK,
	     "fast: three duplicate ACKs");
	T_EQ_U(r, NT_CAPA_FAST_RETRANS, "fast: the resent segment is a fast retransmission");
	T_EQ_U(f->c.dup_acks, 3, "fast: dup_acks 3");
	T_EQ_U(f->c.fast_retrans, 1, "fast: fast_retrans 1");
	T_EQ_U(f->c.retrans, 1, "fast: retrans 1 (fast is a subset)");
	/* the new cumulative ACK resets the counter */
	seg(s, 20000, S, ACK, SS(0), CS(5 * MSS), 0, 509);
	T_EQ_U(f->d[S].dupacknum, 0, "fast: a new ack resets the dup-ack number");
	nt_cap_table_free(s->t);

	/* the same after 25 ms: too late for fast, a plain retransmission */
	sess_init(s, false, 40003, 100, 200);
	handshake(s);
	for (i = 0; i < 5; i++)
		seg(s, 100, C, ACK, CS(i * MSS), SS(0), MSS, 502);
	seg(s, 20000, S, ACK, SS(0), CS(MSS), 0, 509);
	for (i = 0; i < 3; i++)
		seg(s, 100, S, ACK, SS(0), CS(MSS), 0, 509);
	r = seg(s, 25000, C, ACK, CS(MSS), SS(0), MSS, 502);
	T_EQ_U(r, NT_CAPA_RETRANS, "fast: 25 ms after the last dup ACK it is a plain retransmission");
	nt_cap_table_free(s->t);
}

static void test_spurious(void)
{
	struct sess ss, *s = &ss;
	struct nt_cap_flow *f;
	uint32_t r;

	sess_init(s, false, 40004, 1, 2);
	handshake(s);
	seg(s, 100, C, ACK, CS(0), SS(0), MSS, 502);
	seg(s, 100, C, ACK, CS(MSS), SS(0), MSS, 502);
	seg(s, 20000, S, ACK, SS(0), CS(2 * MSS), 0, 509);
	r = seg(s, 300000, C, ACK, CS(0), SS(0), MSS, 502);
	f = flow_of(s);
	T_EQ_U(r, NT_CAPA_SPURIOUS, "spurious: data already ACKed");
	T_EQ_U(f->c.spurious_retrans, 1, "spurious: 1");
	T_EQ_U(f->c.retrans, 1, "spurious: retrans 1 (a subset)");
	nt_cap_table_free(s->t);
}

static void test_ooo_lost(void)
{
	struct sess ss, *s = &ss;
	struct nt_cap_flow *f;
	uint32_t r1, r2, r3, r4;

	sess_init(s, true, 40005, 3000, 4000);
	handshake(s);
	seg(s, 100, C, ACK, CS(0), SS(0), MSS, 502);
	r1 = seg(s, 100, C, ACK, CS(2 * MSS), SS(0), MSS, 502);   /* skips 1000..1999 */
	r2 = seg(s, 1000, C, ACK, CS(MSS), SS(0), MSS, 502);      /* 1 ms later: the hole */
	f = flow_of(s);
	T_EQ_U(r1, NT_CAPA_LOST, "ooo: the jump is 'previous segment not captured'");
	T_EQ_U(r2, NT_CAPA_OUT_OF_ORDER, "ooo: the late one within the iRTT is out-of-order");
	T_EQ_U(f->c.out_of_order, 1, "ooo: out_of_order 1");
	T_EQ_U(f->c.lost_segments, 1, "ooo: lost_segments 1");
	T_EQ_U(f->c.retrans, 0, "ooo: out-of-order is not a retransmission");
	/* after the iRTT (10.5 ms) the same would be a retransmission */
	r3 = seg(s, 100, C, ACK, CS(4 * MSS), SS(0), MSS, 502);
	r4 = seg(s, 11000, C, ACK, CS(3 * MSS), SS(0), MSS, 502);
	T_EQ_U(r3, NT_CAPA_LOST, "ooo: a second hole");
	T_EQ_U(r4, NT_CAPA_RETRANS, "ooo: filled 11 ms later (> iRTT): retransmission");
	nt_cap_table_free(s->t);
}

static void test_acked_unseen(void)
{
	struct sess ss, *s = &ss;
	struct nt_cap_flow *f;
	uint32_t r1, r2, r3;

	sess_init(s, false, 40006, 10, 20);
	handshake(s);
	seg(s, 100, C, ACK, CS(0), SS(0), MSS, 502);
	/* client bytes 1000..1999 were sent but not captured */
	r1 = seg(s, 20000, S, ACK, SS(0), CS(2 * MSS), 0, 509);
	r2 = seg(s, 100, C, ACK, CS(2 * MSS), SS(0), MSS, 502);
	r3 = seg(s, 20000, S, ACK, SS(0), CS(3 * MSS), 0, 509);
	f = flow_of(s);
	/* the ack jumps past maxseqtobeacked while nothing more was seen:
	 * once (the peer's dup-ack counter was 0) */
	T_EQ_U(r1, NT_CAPA_ACKED_UNSEEN, "acked-unseen: the ACK of an unseen segment");
	T_EQ_U(r2, NT_CAPA_LOST, "acked-unseen: then the next segment is past a hole");
	T_EQ_U(r3, NT_CAPA_ACKED_UNSEEN, "acked-unseen: and its ACK is beyond the contiguous data");
	T_EQ_U(f->c.acked_unseen, 2, "acked-unseen: 2");
	T_EQ_U(f->c.lost_segments, 1, "acked-unseen: lost 1");
	nt_cap_table_free(s->t);

	/* Wireshark's quirk, kept: a segment that ACKs unseen data of a peer
	 * with nothing outstanding sets the peer's unsigned dup-ack counter
	 * to -1, which passes the fast retransmission's ">= 2" test for the
	 * same segment */
	sess_init(s, false, 40024, 30, 40);
	handshake(s);
	seg(s, 100, C, ACK, CS(0), SS(0), MSS, 502);
	seg(s, 100, C, ACK, CS(MSS), SS(0), MSS, 502);
	seg(s, 15000, S, ACK, SS(0), CS(MSS), MSS, 509);
	r1 = seg(s, 1000, C, ACK, CS(MSS), SS(2 * MSS), MSS, 502);
	f = flow_of(s);
	T_EQ_U(r1, NT_CAPA_ACKED_UNSEEN | NT_CAPA_FAST_RETRANS,
	       "acked-unseen: with a resend at the peer's ack, Wireshark's fast retransmission");
	T_EQ_U(f->d[S].dupacknum, UINT32_MAX, "acked-unseen: the peer's counter is Wireshark's -1");
	r2 = seg(s, 1000, S, ACK, SS(MSS), CS(MSS), 0, 509);
	r3 = seg(s, 1000, S, ACK, SS(MSS), CS(MSS), 0, 509);
	T_OK(r2 == NT_CAPA_DUP_ACK && r3 == NT_CAPA_DUP_ACK && f->d[S].dupacknum == 2,
	     "acked-unseen: the next duplicate ACKs are #1 and #2");
	nt_cap_table_free(s->t);
}

static void test_zero_window(void)
{
	struct sess ss, *s = &ss;
	struct nt_cap_flow *f;
	uint32_t z, p1, a1, p2, a2, u, d;

	sess_init(s, false, 40007, 50, 60);
	handshake(s);
	seg(s, 100, C, ACK, CS(0), SS(0), MSS, 502);
	z = seg(s, 20000, S, ACK, SS(0), CS(MSS), 0, 0);              /* t = 0 of the stall */
	p1 = seg(s, 200000, C, ACK, CS(MSS), SS(0), 1, 502);
	a1 = seg(s, 20000, S, ACK, SS(0), CS(MSS), 0, 0);
	p2 = seg(s, 400000, C, ACK, CS(MSS), SS(0), 1, 502);
	a2 = seg(s, 20000, S, ACK, SS(0), CS(MSS), 0, 0);
	u = seg(s, 360000, S, ACK, SS(0), CS(MSS), 0, 509);          /* 1000 ms after z */
	d = seg(s, 100, C, ACK, CS(MSS), SS(0), MSS, 502);
	f = flow_of(s);
	T_EQ_U(z, NT_CAPA_ZERO_WINDOW, "zw: the zero window");
	T_OK(p1 == NT_CAPA_ZW_PROBE && p2 == NT_CAPA_ZW_PROBE, "zw: two probes");
	T_OK(a1 == (NT_CAPA_ZW_PROBE_ACK | NT_CAPA_ZERO_WINDOW) &&
	     a2 == (NT_CAPA_ZW_PROBE_ACK | NT_CAPA_ZERO_WINDOW), "zw: probe ACKs are zero windows too");
	T_EQ_U(u, NT_CAPA_WINDOW_UPDATE, "zw: the window update");
	T_EQ_U(d, 0, "zw: the data after it is in order (probes did not advance)");
	T_EQ_U(f->c.zero_windows, 3, "zw: zero_windows 3");
	T_EQ_U(f->c.zero_window_probes, 2, "zw: probes 2");
	T_EQ_U(f->c.retrans + f->c.dup_acks, 0, "zw: no retransmission, no dup ACK");
	T_NEAR(f->c.zero_window_ms, 1000.0, 1e-9, "zw: stalled 1000 ms");
	/* a stall open at the end of the capture closes there */
	seg(s, 1000, S, ACK, SS(0), CS(2 * MSS), 0, 0);
	nt_cap_table_finish(s->t, s->now + 250000000ull);
	T_NEAR(f->c.zero_window_ms, 1250.0, 1e-9, "zw: finish closes an open stall (+250 ms)");
	nt_cap_table_finish(s->t, s->now + 500000000ull);
	T_NEAR(f->c.zero_window_ms, 1250.0, 1e-9, "zw: a second finish adds nothing");
	nt_cap_table_free(s->t);
}

static void test_window_full(void)
{
	struct sess ss, *s = &ss;
	struct nt_cap_flow *f;
	uint32_t r[4], q;
	int i;

	/* server scale 2: its ACK's window 1000 is 4000 bytes */
	sess_init(s, false, 40008, 70, 80);
	s->sws = 2;
	handshake(s);
	seg(s, 100, S, ACK, SS(0), CS(0), 0, 1000);
	for (i = 0; i < 4; i++)
		r[i] = seg(s, 100, C, ACK, CS(i * MSS), SS(0), MSS, 502);
	f = flow_of(s);
	T_OK(!r[0] && !r[1] && !r[2] && r[3] == NT_CAPA_WINDOW_FULL,
	     "window-full: the segment reaching ack + 1000 << 2");
	T_EQ_U(f->c.window_full, 1, "window-full: 1");
	nt_cap_table_free(s->t);

	/* before the server's first ACK its window is the SYN/ACK's, unscaled */
	sess_init(s, false, 40009, 70, 80);
	s->sws = 2;
	seg(s, 0, C, SYN, s->ciss, 0, 0, 64240);
	seg(s, 10000, S, SYN | ACK, s->siss, CS(0), 0, 3000);
	seg(s, 500, C, ACK, CS(0), SS(0), 0, 502);
	for (i = 0; i < 3; i++)
		r[i] = seg(s, 100, C, ACK, CS(i * MSS), SS(0), MSS, 502);
	T_OK(!r[0] && !r[1] && r[2] == NT_CAPA_WINDOW_FULL,
	     "window-full: a SYN/ACK's window is never scaled");
	nt_cap_table_free(s->t);

	/* the client's SYN had no scale option: nobody scales */
	sess_init(s, false, 40010, 70, 80);
	s->cws = -1;
	s->sws = 2;
	handshake(s);
	seg(s, 100, S, ACK, SS(0), CS(0), 0, 1000);
	f = flow_of(s);
	T_OK(f->d[C].wscale == -2 && f->d[S].wscale == -2, "wscale: one SYN without it: -2 both");
	q = seg(s, 100, C, ACK, CS(0), SS(0), MSS, 502);
	T_EQ_U(q, NT_CAPA_WINDOW_FULL, "wscale: then the raw window counts (1000 bytes)");
	nt_cap_table_free(s->t);

	/* no SYN captured: the scale is unknown, window full is never judged */
	sess_init(s, false, 40011, 70, 80);
	seg(s, 0, S, ACK, SS(0), CS(0), 0, 1000);
	q = seg(s, 100, C, ACK, CS(0), SS(0), MSS, 502);
	f = flow_of(s);
	T_OK(q == 0 && f->d[S].wscale == -1, "wscale: unknown (no SYN): no window full");
	nt_cap_table_free(s->t);
}

static void test_keepalive(void)
{
	struct sess ss, *s = &ss;
	struct nt_cap_flow *f;
	uint32_t k0, a0, k1, a1;

	sess_init(s, false, 40012, 90, 95);
	handshake(s);
	seg(s, 100, C, ACK, CS(0), SS(0), MSS, 502);
	seg(s, 20000, S, ACK, SS(0), CS(MSS), 0, 509);
	k0 = seg(s, 7.2e9, C, ACK, CS(MSS - 1), SS(0), 0, 502);   /* Linux: no data */
	a0 = seg(s, 20000, S, ACK, SS(0), CS(MSS), 0, 509);
	k1 = seg(s, 75e6, C, ACK, CS(MSS - 1), SS(0), 1, 502);    /* BSD: one byte */
	a1 = seg(s, 20000, S, ACK, SS(0), CS(MSS), 0, 509);
	f = flow_of(s);
	T_OK(k0 == NT_CAPA_KEEP_ALIVE && k1 == NT_CAPA_KEEP_ALIVE, "keep-alive: 0 and 1 byte");
	T_OK(a0 == NT_CAPA_KEEP_ALIVE_ACK && a1 == NT_CAPA_KEEP_ALIVE_ACK,
	     "keep-alive: the answers are keep-alive ACKs, not duplicate ACKs");
	T_EQ_U(f->c.keep_alives, 2, "keep-alive: 2");
	T_EQ_U(f->c.retrans + f->c.spurious_retrans + f->c.dup_acks, 0,
	       "keep-alive: the old byte is no retransmission");
	nt_cap_table_free(s->t);
}

static void test_rst(void)
{
	struct sess ss, *s = &ss;
	struct nt_cap_flow *f;

	sess_init(s, false, 40013, 100, 0);
	seg(s, 0, C, SYN, s->ciss, 0, 0, 64240);
	seg(s, 100, S, RST | ACK, 0, CS(0), 0, 0);
	f = flow_of(s);
	T_EQ_U(f->c.rsts, 1, "rst: 1");
	T_EQ_U(f->c.rsts_server, 1, "rst: from the server (the SYN's receiver)");
	T_EQ_U(f->c.zero_windows, 0, "rst: a RST's window 0 is no zero window");
	T_OK(f->closed, "rst: closes the flow");
	nt_cap_table_free(s->t);

	sess_init(s, false, 40014, 100, 200);
	handshake(s);
	seg(s, 100, C, RST | ACK, CS(0), SS(0), 0, 0);
	f = flow_of(s);
	T_OK(f->c.rsts == 1 && f->c.rsts_server == 0, "rst: from the client: not the server's");
	nt_cap_table_free(s->t);

	/* no SYN seen: the lower port (80) is the server, whichever spoke first */
	sess_init(s, false, 40015, 100, 200);
	seg(s, 0, C, ACK, CS(0), SS(0), MSS, 502);
	seg(s, 100, S, RST | ACK, SS(0), CS(MSS), 0, 0);
	f = flow_of(s);
	T_OK(f->c.rsts == 1 && f->c.rsts_server == 1, "rst: without a SYN, from the lower port");
	nt_cap_table_free(s->t);
	sess_init(s, false, 40016, 100, 200);
	seg(s, 0, S, ACK, SS(0), CS(0), MSS, 502);
	seg(s, 100, S, RST | ACK, SS(MSS), CS(0), 0, 0);
	f = flow_of(s);
	T_OK(f->key.sport == 80 && f->c.rsts_server == 1,
	     "rst: the lower port is the server even when it spoke first");
	nt_cap_table_free(s->t);
}

static void test_port_reuse(void)
{
	struct sess ss, *s = &ss;
	struct nt_cap_flow *f, *old;
	uint32_t r;

	sess_init(s, false, 40017, 1000, 2000);
	handshake(s);
	seg(s, 100, C, ACK, CS(0), SS(0), MSS, 502);
	seg(s, 100, C, FIN | ACK, CS(MSS), SS(0), 0, 502);
	seg(s, 100, S, FIN | ACK, SS(0), CS(MSS + 1), 0, 509);
	seg(s, 100, C, ACK, CS(MSS + 1), SS(1), 0, 502);
	old = flow_of(s);
	/* the same SYN again would be a retransmission; a new ISN is a new flow */
	s->ciss = 900000;
	s->siss = 800000;
	r = seg(s, 1e6, C, SYN, s->ciss, 0, 0, 64240);
	f = flow_of(s);
	T_OK(f && f != old && f->id == 2, "reuse: a SYN with a new ISN starts a new flow");
	T_EQ_U(s->t->flows_total, 2, "reuse: flows_total 2");
	T_EQ_U(s->t->nflows, 2, "reuse: the old flow stays");
	T_EQ_U(f->c.port_reuse, 1, "reuse: counted on the new flow");
	T_EQ_U(old->c.port_reuse, 0, "reuse: not on the old one");
	T_EQ_U(r, NT_CAPA_PORT_REUSE, "reuse: the new SYN is marked reused, no retransmission");
	seg(s, 10000, S, SYN | ACK, s->siss, CS(0), 0, 65160);
	seg(s, 500, C, ACK, CS(0), SS(0), 0, 502);
	T_OK(f->c.packets == 3 && old->c.packets == 7, "reuse: the lookup finds the new flow");
	T_OK(all_zero(&old->c) && f->c.retrans == 0, "reuse: neither has a retransmission");
	nt_cap_table_free(s->t);
}

static void test_syn_retrans(void)
{
	struct sess ss, *s = &ss;
	struct nt_cap_flow *f;
	uint32_t r1, r2;

	sess_init(s, false, 40018, 5, 6);
	seg(s, 0, C, SYN, s->ciss, 0, 0, 64240);
	r1 = seg(s, 1e6, C, SYN, s->ciss, 0, 0, 64240);
	seg(s, 10000, S, SYN | ACK, s->siss, CS(0), 0, 65160);
	r2 = seg(s, 1e6, S, SYN | ACK, s->siss, CS(0), 0, 65160);
	seg(s, 500, C, ACK, CS(0), SS(0), 0, 502);
	f = flow_of(s);
	T_EQ_U(r1, NT_CAPA_RETRANS, "syn: a repeated SYN is a retransmission");
	T_EQ_U(r2, NT_CAPA_RETRANS, "syn: a repeated SYN/ACK is a retransmission");
	T_EQ_U(f->c.retrans, 2, "syn: retrans 2");
	T_EQ_U(s->t->flows_total, 1, "syn: still one flow");
	/* the handshake is timed from the last SYN, like Wireshark's iRTT */
	T_NEAR(f->handshake_rtt_ms, 10.0, 1e-9, "syn: SYN -> SYN/ACK from the last SYN");
	T_NEAR(f->irtt_ms, 1010.5, 1e-9, "syn: iRTT from the last SYN to the ACK");
	nt_cap_table_free(s->t);
}

static void test_wrap(void)
{
	struct sess ss, *s = &ss;
	struct nt_cap_flow *f;
	uint32_t bits = 0, r;
	int i;

	/* ISN -3001: bytes 3000.. start at sequence 0 exactly */
	sess_init(s, false, 40019, (uint32_t)-3001, 0xfffffff0u);
	handshake(s);
	for (i = 0; i < 8; i++) {
		bits |= seg(s, 100, C, ACK, CS(i * MSS), SS(0), MSS, 502);
		bits |= seg(s, 100, S, ACK, SS(i * 10), CS((i + 1) * MSS), 0, 509);
		bits |= seg(s, 100, S, ACK, SS(i * 10), CS((i + 1) * MSS), 10, 509);
		bits |= seg(s, 100, C, ACK, CS((i + 1) * MSS), SS((i + 1) * 10), 0, 502);
	}
	f = flow_of(s);
	T_EQ_U(CS(3 * MSS), 0, "wrap: a segment starts at sequence 0");
	T_OK(bits == 0 && all_zero(&f->c), "wrap: clean across 2^32 both ways");
	r = seg(s, 300000, C, ACK, CS(2 * MSS), SS(80), MSS, 502);
	T_EQ_U(r, NT_CAPA_SPURIOUS, "wrap: the ACKed segment before the wrap is spurious");
	r = seg(s, 100, C, ACK, CS(8 * MSS), SS(80), MSS, 502);
	T_EQ_U(r, 0, "wrap: new data after it is in order");
	r = seg(s, 300000, C, ACK, CS(8 * MSS), SS(80), MSS, 502);
	T_EQ_U(r, NT_CAPA_RETRANS, "wrap: a repeat past the wrap is a retransmission");
	nt_cap_table_free(s->t);
}

static void test_rtt(void)
{
	struct sess ss, *s = &ss;
	struct nt_cap_flow *f;

	sess_init(s, false, 40020, 11, 12);
	handshake(s);
	f = flow_of(s);
	T_NEAR(f->handshake_rtt_ms, 10.0, 1e-9, "rtt: handshake SYN -> SYN/ACK 10 ms");
	T_NEAR(f->handshake_ack_ms, 0.5, 1e-9, "rtt: handshake SYN/ACK -> ACK 0.5 ms");
	T_NEAR(f->irtt_ms, 10.5, 1e-9, "rtt: iRTT 10.5 ms (their sum)");
	/* timed: segment 1, ACKed 20 ms later */
	seg(s, 1000, C, ACK, CS(0), SS(0), MSS, 502);
	seg(s, 20000, S, ACK, SS(0), CS(MSS), 0, 509);
	/* segment 2, retransmitted after 200 ms, then ACKed: Karn, no sample */
	seg(s, 10000, C, ACK, CS(MSS), SS(0), MSS, 502);
	seg(s, 200000, C, ACK, CS(MSS), SS(0), MSS, 502);
	seg(s, 10000, S, ACK, SS(0), CS(2 * MSS), 0, 509);
	T_EQ_U(f->rtt[0].n, 1, "rtt: no sample from a retransmitted segment");
	/* two back to back, one ACK for both 30 ms after the first: one sample */
	seg(s, 40000, C, ACK, CS(2 * MSS), SS(0), MSS, 502);
	seg(s, 100, C, ACK, CS(3 * MSS), SS(0), MSS, 502);
	seg(s, 29900, S, ACK, SS(0), CS(4 * MSS), 0, 509);
	/* a partial ACK does not end the timing */
	seg(s, 1000, C, ACK, CS(4 * MSS), SS(0), MSS, 502);
	seg(s, 5000, S, ACK, SS(0), CS(4 * MSS + 500), 0, 509);
	seg(s, 5000, S, ACK, SS(0), CS(5 * MSS), 0, 509);
	T_EQ_U(f->rtt[0].n, 3, "rtt: one sample per timed segment");
	T_NEAR(f->rtt[0].min_ms, 10.0, 1e-9, "rtt: min 10 ms");
	T_NEAR(f->rtt[0].max_ms, 30.0, 1e-9, "rtt: max 30 ms");
	T_NEAR(nt_cap_rtt_mean(&f->rtt[0]), 20.0, 1e-9, "rtt: mean 20 ms");
	T_NEAR(nt_cap_rtt_pct(&f->rtt[0], 0.99), 30.0, 1e-9, "rtt: p99 of 3 is the max, exact");
	/* a retransmission holds the timing until all sent before is ACKed */
	seg(s, 1000, C, ACK, CS(5 * MSS), SS(0), MSS, 502);
	seg(s, 100, C, ACK, CS(6 * MSS), SS(0), MSS, 502);
	seg(s, 300000, C, ACK, CS(5 * MSS), SS(0), MSS, 502);
	seg(s, 10000, S, ACK, SS(0), CS(6 * MSS), 0, 509);
	seg(s, 100, C, ACK, CS(7 * MSS), SS(0), MSS, 502);        /* not timed: 6000 unACKed */
	seg(s, 10000, S, ACK, SS(0), CS(8 * MSS), 0, 509);
	T_EQ_U(f->rtt[0].n, 3, "rtt: nothing timed while a retransmission is outstanding");
	seg(s, 1000, C, ACK, CS(8 * MSS), SS(0), MSS, 502);
	seg(s, 15000, S, ACK, SS(0), CS(9 * MSS), 0, 509);
	T_EQ_U(f->rtt[0].n, 4, "rtt: timing resumes once it is all ACKed");
	T_NEAR(f->rtt[0].max_ms, 30.0, 1e-9, "rtt: the new sample is 15 ms");
	T_NEAR(f->rtt[0].sum_ms, 20.0 + 30.0 + 10.0 + 15.0, 1e-9, "rtt: the sum is exact (20+30+10+15)");
	T_EQ_U(f->rtt[1].n, 0, "rtt: the server sent no data: no sample of its own");
	/* near the client (SYN -> SYN/ACK 10 ms > SYN/ACK -> ACK 0.5 ms):
	 * the client's segments measure the path */
	T_EQ_U(nt_cap_flow_rtt_dir(f), 0, "rtt: near the client: the client's direction");
	T_OK(nt_cap_flow_rtt(f) == &f->rtt[0], "rtt: nt_cap_flow_rtt is rtt[0]");
	/* the server's data, ACKed 0.2 ms later by the near client: the
	 * client's ACK delay, in rtt[1], not mixed into the path's */
	seg(s, 1000, S, ACK, SS(0), CS(9 * MSS), MSS, 509);
	seg(s, 200, C, ACK, CS(9 * MSS), SS(MSS), 0, 502);
	T_EQ_U(f->rtt[1].n, 1, "rtt: the server's segment timed in rtt[1]");
	T_NEAR(f->rtt[1].max_ms, 0.2, 1e-9, "rtt: rtt[1] is the client's 0.2 ms ACK delay");
	T_EQ_U(f->rtt[0].n, 4, "rtt: rtt[0] unchanged by it");
	T_EQ_U(nt_cap_flow_rtt_dir(f), 0, "rtt: still the client's direction (handshake says)");
	{
		struct nt_cap_counts c;
		struct nt_cap_rtt tr;

		nt_cap_table_totals(s->t, &c, &tr);
		T_OK(tr.n == 4 && tr.max_ms == 30.0, "rtt: the totals merge the path direction only");
	}
	nt_cap_table_free(s->t);

	/* no SYN/ACK captured: iRTT (Wireshark's) but no handshake split */
	sess_init(s, false, 40021, 11, 12);
	seg(s, 0, C, SYN, s->ciss, 0, 0, 64240);
	seg(s, 12000, C, ACK, CS(0), SS(0), 0, 502);
	f = flow_of(s);
	T_OK(isnan(f->handshake_rtt_ms) && isnan(f->handshake_ack_ms), "rtt: no SYN/ACK: NaN");
	T_NEAR(f->irtt_ms, 12.0, 1e-9, "rtt: iRTT still from SYN to ACK");
	nt_cap_table_free(s->t);

	/* near the server: SYN -> SYN/ACK 0.3 ms, SYN/ACK -> ACK 25 ms: the
	 * server's segments measure the path (d = 1) */
	sess_init(s, false, 40022, 11, 12);
	seg(s, 0, C, SYN, s->ciss, 0, 0, 64240);
	seg(s, 300, S, SYN | ACK, s->siss, CS(0), 0, 65160);
	seg(s, 25000, C, ACK, CS(0), SS(0), 0, 502);
	seg(s, 100, C, ACK, CS(0), SS(0), MSS, 502);
	seg(s, 150, S, ACK, SS(0), CS(MSS), MSS, 509);       /* ACKs after 0.15 ms */
	seg(s, 24000, C, ACK, CS(MSS), SS(MSS), 0, 502);     /* ACKs after 24 ms */
	f = flow_of(s);
	T_OK(f->rtt[0].n == 1 && f->rtt[1].n == 1, "rtt: near the server: one sample each way");
	T_EQ_U(nt_cap_flow_rtt_dir(f), 1, "rtt: near the server: the server's direction");
	T_NEAR(nt_cap_flow_rtt(f)->max_ms, 24.0, 1e-9, "rtt: near the server: the path's 24 ms");
	nt_cap_table_free(s->t);

	/* no handshake: the direction with the larger mean */
	sess_init(s, false, 40023, 11, 12);
	seg(s, 0, C, ACK, CS(0), SS(0), MSS, 502);
	seg(s, 40000, S, ACK, SS(0), CS(MSS), MSS, 509);     /* 40 ms: path */
	seg(s, 100, C, ACK, CS(MSS), SS(MSS), 0, 502);       /* 0.1 ms: delay */
	f = flow_of(s);
	T_OK(f->rtt[0].n == 1 && f->rtt[1].n == 1, "rtt: no handshake: one sample each way");
	T_EQ_U(nt_cap_flow_rtt_dir(f), 0, "rtt: no handshake: the larger mean (40 ms, d 0)");
	T_NEAR(nt_cap_flow_rtt(f)->max_ms, 40.0, 1e-9, "rtt: no handshake: 40 ms shown");
	nt_cap_table_free(s->t);
}

static void test_icmp(void)
{
	struct sess ss, *s = &ss;
	struct nt_cap_pkt p;
	struct nt_cap_flow *f;

	sess_init(s, false, 40022, 1, 2);
	handshake(s);
	p = pkt(s, C, 0, CS(0), 0, 0, 0);
	p.kind = NT_CAPK_ICMP_ERR;
	p.icmp_type = 3;
	p.icmp_code = 4;
	nt_cap_table_add(s->t, &p);
	p = pkt(s, S, 0, SS(0), 0, 0, 0);    /* quoting the server's segment */
	p.kind = NT_CAPK_ICMP_ERR;
	nt_cap_table_add(s->t, &p);
	p.t.sport = 81;                        /* no such flow */
	nt_cap_table_add(s->t, &p);
	f = flow_of(s);
	T_EQ_U(f->c.icmp_errors, 2, "icmp: two errors matched, either direction");
	T_EQ_U(f->c.packets, 3, "icmp: not counted as TCP segments");
	T_EQ_U(s->t->icmp_errors, 3, "icmp: three seen");
	T_EQ_U(s->t->icmp_unmatched, 1, "icmp: one without a flow");
	T_EQ_U(s->t->flows_total, 1, "icmp: an error creates no flow");
	/* RFC 5927: the quoted seq must lie in [ISN, nextseq] of its sender */
	p = pkt(s, C, 0, CS(1000), 0, 0, 0);  /* the client sent nothing past CS(0) */
	p.kind = NT_CAPK_ICMP_ERR;
	nt_cap_table_add(s->t, &p);
	p.seq = s->ciss - 1;                   /* before the ISN */
	nt_cap_table_add(s->t, &p);
	p.seq = s->ciss;                       /* the SYN itself */
	nt_cap_table_add(s->t, &p);
	T_EQ_U(f->c.icmp_errors, 3, "icmp: a quote outside [ISN, nextseq] is not the flow's");
	T_EQ_U(s->t->icmp_unmatched, 3, "icmp: those two are unmatched");
	nt_cap_table_free(s->t);

	/* port reuse: the old conversation's quote goes to the old flow, the
	 * new one's to the new */
	{
		struct nt_cap_flow *old;

		sess_init(s, false, 40024, 1000, 2000);
		handshake(s);
		seg(s, 100, C, ACK, CS(0), SS(0), MSS, 502);
		old = flow_of(s);
		s->ciss = 900000;
		s->siss = 800000;
		handshake(s);
		f = flow_of(s);
		T_OK(f != old, "icmp reuse: two flows on one 5-tuple");
		p = pkt(s, C, 0, 1001 + 100, 0, 0, 0); /* within the old one's data */
		p.kind = NT_CAPK_ICMP_ERR;
		nt_cap_table_add(s->t, &p);
		p.seq = CS(0);                          /* the new one's */
		nt_cap_table_add(s->t, &p);
		T_OK(old->c.icmp_errors == 1 && f->c.icmp_errors == 1 && !s->t->icmp_unmatched,
		     "icmp reuse: each quote on the conversation it lies in");
		nt_cap_table_free(s->t);
	}
}

static void test_directions(void)
{
	struct sess s4, s6;
	struct nt_cap_flow *f4, *f6;

	sess_init(&s4, false, 40023, 1, 2);
	sess_init(&s6, true, 40023, 1, 2);
	/* one table for both families: same ports, addresses differ */
	s6.t = s4.t;
	handshake(&s4);
	handshake(&s6);
	seg(&s6, 100, S, ACK, 2 + 1, 1 + 1, 100, 509);
	f4 = flow_of(&s4);
	f6 = flow_of(&s6);
	T_OK(f4 && f6 && f4 != f6, "dirs: IPv4 and IPv6 flows apart");
	T_EQ_U(s4.t->nflows, 2, "dirs: two flows for both directions of two 5-tuples");
	T_OK(f4->c.packets == 3 && f6->c.packets == 4, "dirs: each flow has both directions");
	T_OK(f6->key.family == AF_INET6 && f6->key.sport == 40023 && f6->key.dport == 80,
	     "dirs: IPv6 key is the client's");
	T_EQ_I(nt_cap_flow_dir(f6, &s6.tu), 0, "dirs: client to server is direction 0");
	nt_cap_table_free(s4.t);
	nt_cap_table_free(&s6.tt);
}

static void test_rtt_hist(void)
{
	struct nt_cap_rtt r, m;
	int i;

	nt_cap_rtt_init(&r);
	T_OK(isnan(nt_cap_rtt_pct(&r, 0.99)) && isnan(nt_cap_rtt_mean(&r)) && isnan(r.min_ms),
	     "hist: NaN with no sample");
	nt_cap_rtt_add(&r, 5.0);
	T_NEAR(nt_cap_rtt_pct(&r, 0.5), 5.0, 0, "hist: one sample: exact");
	nt_cap_rtt_add(&r, -1.0);
	nt_cap_rtt_add(&r, NAN);
	T_EQ_U(r.n, 1, "hist: negative and NaN samples dropped");
	for (i = 2; i <= 99; i++)
		nt_cap_rtt_add(&r, 1.0);
	nt_cap_rtt_add(&r, 0.0005);            /* below 1 us: bucket 0 */
	T_EQ_U(r.n, 100, "hist: 100 samples");
	T_EQ_U(r.h[0], 1, "hist: 0.5 us in bucket 0");
	/* 1 ms = 1000 us: bucket 1 + floor(4 log2 1000) = 40 */
	T_EQ_U(r.h[40], 98, "hist: 1 ms in bucket 40");
	/* p99 of 100: rank 99 is not the last: the bucket's middle (1 ms
	 * bucket [2^9.75, 2^10) us, middle 2^9.875 us = 0.939 ms, within
	 * [min, max]) */
	T_NEAR(nt_cap_rtt_pct(&r, 0.99), pow(2.0, 9.875) / 1000.0, 1e-12,
	       "hist: p99 of 100 from the bucket's geometric middle");
	T_NEAR(nt_cap_rtt_pct(&r, 1.0), 5.0, 0, "hist: p100 is the max, exact");
	T_NEAR(nt_cap_rtt_pct(&r, 0.01), pow(2.0, -0.125) / 1000.0, 1e-15,
	       "hist: p1 from bucket 0's middle (2^-1/8 us, above the min)");
	T_NEAR(nt_cap_rtt_mean(&r), (5.0 + 98.0 + 0.0005) / 100.0, 1e-12, "hist: exact mean");

	nt_cap_rtt_init(&m);
	nt_cap_rtt_add(&m, 3.0);
	nt_cap_rtt_add(&m, 3.0);
	T_NEAR(nt_cap_rtt_pct(&m, 0.5), 3.0, 0, "hist: clamped into [min, max] = [3, 3]");
	nt_cap_rtt_merge(&m, &r);
	T_EQ_U(m.n, 102, "hist: merge adds counts");
	T_OK(m.min_ms == 0.0005 && m.max_ms == 5.0, "hist: merge keeps min and max");
	T_NEAR(m.sum_ms, 6.0 + r.sum_ms, 1e-12, "hist: merge adds sums");
	nt_cap_rtt_init(&r);
	nt_cap_rtt_merge(&m, &r);
	T_EQ_U(m.n, 102, "hist: merging an empty one changes nothing");
	nt_cap_rtt_merge(&r, &m);
	T_OK(r.n == 102 && r.min_ms == 0.0005, "hist: merge into an empty one copies");
	nt_cap_rtt_init(&r);
	nt_cap_rtt_add(&r, 1e9);
	T_EQ_U(r.h[NT_CAP_RTT_BUCKETS - 1], 1, "hist: a huge sample in the last bucket");
	nt_cap_rtt_add(&r, 1e300);             /* us would be inf in a float */
	nt_cap_rtt_add(&r, 1e7);               /* 1e10 us */
	T_EQ_U(r.h[NT_CAP_RTT_BUCKETS - 1], 3, "hist: 1e300 ms and 1e7 ms in the last bucket");

	/* halving: 65535 samples of 1 ms fill bucket 40; the next halves */
	nt_cap_rtt_init(&r);
	for (i = 0; i < 65535; i++)
		nt_cap_rtt_add(&r, 1.0);
	T_OK(r.h[40] == 65535 && r.shift == 0, "halve: 65535 in one bucket, not halved yet");
	nt_cap_rtt_add(&r, 1.0);
	T_OK(r.shift == 1 && r.h[40] >= 32767 && r.h[40] <= 32769, "halve: the 65536th halves");
	T_OK(r.n == 65536 && r.min_ms == 1.0 && r.max_ms == 1.0 && r.sum_ms == 65536.0,
	     "halve: n, min, max, sum exact");
	{
		/* many samples: 97.5 % at 1 ms, 2 % at 10 ms, 0.5 % at
		 * 100 ms, interleaved; p99's rank falls in the 10 ms bucket
		 * (ranks 97.5 % .. 99.5 %), p50 in the 1 ms one, as with exact
		 * counts */
		uint64_t k, total = 3000000;
		double p;
		unsigned b10 = 1 + (unsigned)floor(4.0 * log2(10000.0));

		nt_cap_rtt_init(&r);
		for (k = 0; k < total; k++)
			nt_cap_rtt_add(&r, k % 200 == 199 ? 100.0 : k % 200 >= 195 ? 10.0 : 1.0);
		T_OK(r.shift >= 5, "many: halved 5 times or more");
		T_OK(r.n == total && r.max_ms == 100.0 && r.min_ms == 1.0, "many: n, min, max exact");
		T_NEAR(r.sum_ms, 0.975 * total + 10.0 * 0.02 * total + 100.0 * 0.005 * total, 1e-6,
		       "many: sum exact");
		p = nt_cap_rtt_pct(&r, 0.99);
		T_NEAR(p, pow(2.0, (b10 - 1 + 0.5) / 4.0) / 1000.0, 1e-12,
		       "many: p99 in 10 ms's bucket (its middle)");
		/* the bucket's shares stay within 1 % of the true 1 % */
		T_OK(fabs((double)r.h[b10] / (r.h[40] + r.h[b10] + r.h[b10 + 13]) - 0.02) < 0.0005,
		     "many: the 10 ms share is 2 pct within rounding");
		T_OK(nt_cap_rtt_pct(&r, 0.5) == pow(2.0, 9.875) / 1000.0 * 1.0 ||
		     nt_cap_rtt_pct(&r, 0.5) == 1.0, "many: p50 in 1 ms's bucket");
		nt_cap_rtt_init(&m);
		nt_cap_rtt_add(&m, 10.0);
		nt_cap_rtt_merge(&m, &r);
		T_OK(m.n == total + 1 && m.shift == r.shift && m.max_ms == 100.0,
		     "many: merged into a fresh one: its scale");
		T_NEAR(nt_cap_rtt_pct(&m, 0.99), p, 1e-12, "many: merged p99 the same bucket");
	}
}

int main(void)
{
	test_clean();
	test_retrans3();
	test_fast();
	test_spurious();
	test_ooo_lost();
	test_acked_unseen();
	test_zero_window();
	test_window_full();
	test_keepalive();
	test_rst();
	test_port_reuse();
	test_syn_retrans();
	test_wrap();
	test_rtt();
	test_icmp();
	test_directions();
	test_rtt_hist();
	return T_DONE();
}
