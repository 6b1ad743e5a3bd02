/* Unit tests: the reply matcher (probes/probe_match.c) on canned replies:
 * ICMP time exceeded and destination unreachable quoting ICMP echo and UDP
 * probes, IPv4 and IPv6, quotes of only the IP header + 8 bytes (RFC 792's
 * minimum, with and without IPv4 options), replies that are not ours,
 * late replies and duplicates; and the UDP checksum that names a probe. */
#include <errno.h>
#include "t.h"
#include "test_path_pkt.h"

#define DST4 "203.0.113.9"
#define SRC4 "192.0.2.2"
#define DST6 "2001:db8:4::2"
#define SRC6 "2001:db8:1::1"
#define ID 0x4242
#define PORT 33434
#define SIZE 36

static struct nt_probe_slot slots[NT_PROBE_SLOTS];

static void addr(struct nt_paddr *a, const char *txt)
{
	nt_paddr_parse(txt, a);
}

static void table(struct nt_probe_table *t, enum nt_probe_sock kind, const char *dst)
{
	memset(t, 0, sizeof(*t));
	memset(slots, 0, sizeof(slots));
	t->kind = kind;
	addr(&t->dst, dst);
	t->port = PORT;
	t->flows = 2;
	t->id[0] = kind == NT_PS_UDP_RAW || kind == NT_PS_UDP ? 40001 : ID;
	t->id[1] = kind == NT_PS_UDP_RAW || kind == NT_PS_UDP ? 40002 : ID + 1;
	t->tag = TAG;
	t->size = SIZE;
	t->slot = slots;
}

static void pending(uint16_t seq, uint8_t ttl, uint8_t flow)
{
	slots[seq].seq = seq;
	slots[seq].ttl = ttl;
	slots[seq].flow = flow;
	slots[seq].state = NT_SLOT_PENDING;
}

/* The UDP datagram nt_probe_send builds for seq (header + payload). */
static void udp_probe(struct pkt *p, const char *src, const char *dst, uint16_t sport,
		      uint16_t seq, uint8_t ttl, uint8_t flow)
{
	struct nt_paddr a, b;
	uint8_t pl[SIZE];

	addr(&a, src);
	addr(&b, dst);
	nt_probe_udp_fill(pl, sizeof(pl), TAG, seq, ttl, flow, &a, &b, sport, PORT);
	put16(p, sport);
	put16(p, PORT);
	put16(p, 8 + SIZE);
	put16(p, nt_probe_udp_cksum(&a, &b, sport, PORT, pl, sizeof(pl)));
	put(p, pl, sizeof(pl));
}

/* An ICMPv4 error from 198.51.100.1 quoting the first qlen bytes of the
 * probe in q (IP header included); decoded, then matched. */
static enum nt_probe_match m4(const struct nt_probe_table *t, uint8_t type, uint8_t code,
			      const struct pkt *q, size_t qlen, int fdi, uint16_t *seq)
{
	struct pkt p = { .n = 0 };
	struct nt_probe_reply r;

	ip4(&p, 0, IPPROTO_ICMP, 250, "198.51.100.1", SRC4, 8 + qlen);
	icmp_err(&p, type, code, 0);
	put(&p, q->b, qlen);
	*seq = 0;
	if (dec(AF_INET, true, &p, p.n, &r))
		return (enum nt_probe_match)-1;
	return nt_probe_match(t, &r, fdi, seq);
}

static enum nt_probe_match m6(const struct nt_probe_table *t, uint8_t type, uint8_t code,
			      const struct pkt *q, size_t qlen, uint16_t *seq)
{
	struct pkt p = { .n = 0 };
	struct nt_probe_reply r;

	icmp_err(&p, type, code, 0);
	put(&p, q->b, qlen);
	*seq = 0;
	if (dec(AF_INET6, false, &p, p.n, &r))
		return (enum nt_probe_match)-1;
	return nt_probe_match(t, &r, -1, seq);
}

/* A table of kind with probe seq pending, and q started with the probe's
 * IPv4 header (proto). */
static void start(struct nt_probe_table *t, struct pkt *q, enum nt_probe_sock kind,
		  uint8_t proto, uint16_t seq, uint8_t ttl, uint8_t flow)
{
	table(t, kind, DST4);
	pending(seq, ttl, flow);
	q->n = 0;
	ip4(q, 0, proto, 1, SRC4, DST4, 8 + SIZE);
}

static void test_icmp4(void)
{
	struct nt_probe_table t;
	struct pkt q, q2 = { .n = 0 };
	uint16_t seq;

	start(&t, &q, NT_PS_RAW, IPPROTO_ICMP, 5, 2, 0);
	echo(&q, 8, ID, 5, 2);
	T_EQ_I(m4(&t, 11, 0, &q, 28, -1, &seq), NT_MATCH_PENDING,
	       "v4 echo, time exceeded quoting 28 bytes (20 + 8): matched");
	T_EQ_U(seq, 5, "  to seq 5");
	T_EQ_I(m4(&t, 11, 0, &q, q.n, -1, &seq), NT_MATCH_PENDING,
	       "v4 echo, full quote: matched (payload agrees)");
	ip4(&q2, 12, IPPROTO_ICMP, 1, SRC4, DST4, 8 + SIZE);
	echo(&q2, 8, ID, 5, 2);
	T_EQ_I(m4(&t, 11, 0, &q2, 32 + 8, -1, &seq), NT_MATCH_PENDING,
	       "v4 echo, quote with IP options (IHL 8) + 8 bytes: matched");
	T_EQ_I(m4(&t, 3, 1, &q, 28, -1, &seq), NT_MATCH_PENDING,
	       "v4 echo, host unreachable quoting 28 bytes: matched");

	q.b[24] = 0x99; /* echo id */
	T_EQ_I(m4(&t, 11, 0, &q, 28, -1, &seq), NT_MATCH_NONE, "v4 echo, wrong id: not ours");
	q.b[24] = ID >> 8;
	q.b[19] = 10; /* quoted destination 203.0.113.10 */
	T_EQ_I(m4(&t, 11, 0, &q, 28, -1, &seq), NT_MATCH_NONE,
	       "v4 echo, quoted destination not our target: not ours");
	q.b[19] = 9;
	q.b[27] = 6; /* seq 6: never sent */
	T_EQ_I(m4(&t, 11, 0, &q, 28, -1, &seq), NT_MATCH_NONE, "v4 echo, unknown seq: not ours");
	T_EQ_I(m4(&t, 11, 0, &q, q.n, -1, &seq), NT_MATCH_NONE,
	       "v4 echo, header seq 6 but payload seq 5: not ours");
	q.b[27] = 5;
	slots[5].state = NT_SLOT_ANSWERED;
	T_EQ_I(m4(&t, 11, 0, &q, 28, -1, &seq), NT_MATCH_DUP, "v4 echo, second reply: duplicate");
	slots[5].state = NT_SLOT_LOST;
	T_EQ_I(m4(&t, 11, 0, &q, 28, -1, &seq), NT_MATCH_LATE, "v4 echo, after the timeout: late");
	slots[5].state = NT_SLOT_PENDING;
	slots[5].flow = 1;
	T_EQ_I(m4(&t, 11, 0, &q, 28, -1, &seq), NT_MATCH_NONE,
	       "v4 echo, id of flow 0 for a flow-1 probe: not ours");

	table(&t, NT_PS_DGRAM, DST4);
	pending(5, 2, 0);
	T_EQ_I(m4(&t, 11, 0, &q, 28, 0, &seq), NT_MATCH_PENDING, "ping socket 0, its own id: matched");
	T_EQ_I(m4(&t, 11, 0, &q, 28, 1, &seq), NT_MATCH_NONE,
	       "ping socket 1 reading flow 0's id: not ours");
}

static void test_udp4(void)
{
	struct nt_probe_table t;
	struct pkt q, q2 = { .n = 0 };
	uint16_t seq;

	start(&t, &q, NT_PS_UDP_RAW, IPPROTO_UDP, 77, 3, 1);
	udp_probe(&q, SRC4, DST4, 40002, 77, 3, 1);
	T_EQ_U((unsigned)(q.b[26] << 8 | q.b[27]), 77, "UDP checksum of probe 77 is 77");
	T_EQ_I(m4(&t, 11, 0, &q, 28, -1, &seq), NT_MATCH_PENDING,
	       "v4 UDP, time exceeded quoting 28 bytes: matched on ports + checksum");
	T_EQ_U(seq, 77, "  to seq 77");
	T_EQ_I(m4(&t, 3, 3, &q, q.n, -1, &seq), NT_MATCH_PENDING,
	       "v4 UDP, port unreachable with the full quote: matched");
	ip4(&q2, 40, IPPROTO_UDP, 1, SRC4, DST4, 8 + SIZE);
	udp_probe(&q2, SRC4, DST4, 40002, 77, 3, 1);
	T_EQ_I(m4(&t, 11, 0, &q2, 60 + 8, -1, &seq), NT_MATCH_PENDING,
	       "v4 UDP, quote with 40 bytes of IP options (IHL 15) + 8: matched");
	T_EQ_I(m4(&t, 11, 0, &q, 24, -1, &seq), NT_MATCH_NONE,
	       "v4 UDP, quote of 4 UDP bytes (no checksum): not matched");

	q.b[23] ^= 1; /* destination port 33435 */
	T_EQ_I(m4(&t, 11, 0, &q, 28, -1, &seq), NT_MATCH_NONE, "v4 UDP, wrong destination port: not ours");
	q.b[23] ^= 1;
	q.b[21] ^= 4; /* source port 40006: no such flow */
	T_EQ_I(m4(&t, 11, 0, &q, 28, -1, &seq), NT_MATCH_NONE, "v4 UDP, unknown source port: not ours");
	q.b[21] = 40001 & 0xff; /* flow 0's port, but 77 is flow 1's */
	T_EQ_I(m4(&t, 11, 0, &q, 28, -1, &seq), NT_MATCH_NONE,
	       "v4 UDP, another flow's source port: not ours");
	q.b[21] = 40002 & 0xff;
	q.b[25] ^= 1; /* length */
	T_EQ_I(m4(&t, 11, 0, &q, 28, -1, &seq), NT_MATCH_NONE, "v4 UDP, other length: not ours");
	q.b[25] ^= 1;
	slots[77].state = NT_SLOT_DONE;
	T_EQ_I(m4(&t, 11, 0, &q, 28, -1, &seq), NT_MATCH_DUP, "v4 UDP, duplicate after a late reply");

	/* another nettriage's probe (other tag) to the same target and ports */
	slots[77].state = NT_SLOT_PENDING;
	q.n = 0;
	ip4(&q, 0, IPPROTO_UDP, 1, SRC4, DST4, 8 + SIZE);
	udp_probe(&q, SRC4, DST4, 40002, 77, 3, 1);
	q.b[28 + 7] ^= 0x55; /* tag byte in the payload */
	T_EQ_I(m4(&t, 11, 0, &q, q.n, -1, &seq), NT_MATCH_NONE,
	       "v4 UDP, full quote with another session's tag: not ours");

	/* error queue (unprivileged UDP): no quoted header, payload only */
	table(&t, NT_PS_UDP, DST4);
	pending(77, 3, 1);
	{
		struct nt_probe_reply r;
		struct sock_extended_err ee;
		uint8_t pl[SIZE];
		struct nt_paddr a, b;

		memset(&ee, 0, sizeof(ee));
		ee.ee_origin = SO_EE_ORIGIN_ICMP;
		ee.ee_type = 11;
		addr(&a, SRC4);
		addr(&b, DST4);
		nt_probe_udp_fill(pl, sizeof(pl), TAG, 77, 3, 1, &a, &b, 40002, PORT);
		nt_probe_decode_errq(AF_INET, IPPROTO_UDP, &ee, NULL, 0, pl, sizeof(pl), &r);
		T_EQ_I(nt_probe_match(&t, &r, 1, &seq), NT_MATCH_PENDING,
		       "error queue, payload quoted, socket of flow 1: matched");
		T_EQ_I(nt_probe_match(&t, &r, 0, &seq), NT_MATCH_NONE,
		       "error queue, read from flow 0's socket: not ours");
		nt_probe_decode_errq(AF_INET, IPPROTO_UDP, &ee, NULL, 0, pl, 0, &r);
		T_EQ_I(nt_probe_match(&t, &r, 1, &seq), NT_MATCH_NONE,
		       "error queue, minimal quote (no payload): cannot be matched without a raw socket");
	}
}

/* Per-probe sockets (unprivileged UDP): the socket names the probe (slot
 * 77, source port 40077); what the reply carries must still agree. */
static void test_slot(void)
{
	struct nt_probe_table t;
	struct nt_probe_reply r;
	struct sock_extended_err ee;
	struct nt_paddr a, b;
	uint8_t pl[SIZE];
	struct pkt q;

	table(&t, NT_PS_UDP, DST4);
	pending(77, 3, 1);
	slots[77].port = 40077;
	pending(78, 4, 1);
	slots[78].port = 40078;
	memset(&ee, 0, sizeof(ee));
	ee.ee_origin = SO_EE_ORIGIN_ICMP;
	ee.ee_type = 11;
	addr(&a, SRC4);
	addr(&b, DST4);
	nt_probe_udp_fill(pl, sizeof(pl), TAG, 77, 3, 1, &a, &b, 40077, PORT);

	nt_probe_decode_errq(AF_INET, IPPROTO_UDP, &ee, NULL, 0, pl, 0, &r);
	T_EQ_I(nt_probe_match_slot(&t, &r, 77), NT_MATCH_PENDING,
	       "per-probe socket, minimal quote (no payload): the socket names probe 77");
	T_EQ_I(nt_probe_match_slot(&t, &r, 0), NT_MATCH_NONE, "  seq 0: never a probe");
	T_EQ_I(nt_probe_match_slot(&t, &r, 79), NT_MATCH_NONE, "  a slot never sent: not ours");
	nt_probe_decode_errq(AF_INET, IPPROTO_UDP, &ee, NULL, 0, pl, sizeof(pl), &r);
	T_EQ_I(nt_probe_match_slot(&t, &r, 77), NT_MATCH_PENDING,
	       "per-probe socket, full payload of probe 77: matched");
	T_EQ_I(nt_probe_match_slot(&t, &r, 78), NT_MATCH_NONE,
	       "per-probe socket 78 with probe 77's payload: not ours");
	nt_probe_decode_errq(AF_INET, IPPROTO_UDP, &ee, NULL, 0, pl, 11, &r);
	T_EQ_I(nt_probe_match_slot(&t, &r, 78), NT_MATCH_PENDING,
	       "per-probe socket, 11 payload bytes (our header needs 12): the socket decides");
	pl[5] ^= 0x55; /* tag */
	nt_probe_decode_errq(AF_INET, IPPROTO_UDP, &ee, NULL, 0, pl, sizeof(pl), &r);
	T_EQ_I(nt_probe_match_slot(&t, &r, 77), NT_MATCH_NONE,
	       "per-probe socket, another session's tag in the payload: not ours");
	pl[5] ^= 0x55;
	nt_probe_decode_errq(AF_INET6, IPPROTO_UDP, &ee, NULL, 0, pl, 0, &r);
	T_EQ_I(nt_probe_match_slot(&t, &r, 77), NT_MATCH_NONE,
	       "per-probe socket, reply of the other family: not ours");
	nt_probe_decode_errq(AF_INET, IPPROTO_ICMP, &ee, NULL, 0, pl, sizeof(pl), &r);
	T_EQ_I(nt_probe_match_slot(&t, &r, 77), NT_MATCH_NONE,
	       "per-probe UDP socket, an ICMP echo quote: not ours");

	/* a decoded quote with headers (as a raw socket would see it) */
	start(&t, &q, NT_PS_UDP, IPPROTO_UDP, 77, 3, 1);
	slots[77].port = 40077;
	udp_probe(&q, SRC4, DST4, 40077, 77, 3, 1);
	{
		struct pkt p = { .n = 0 };

		ip4(&p, 0, IPPROTO_ICMP, 250, "198.51.100.1", SRC4, 8 + 28);
		icmp_err(&p, 11, 0, 0);
		put(&p, q.b, 28);
		T_EQ_I(dec(AF_INET, true, &p, p.n, &r), 0, "minimal quote decodes");
		T_EQ_I(nt_probe_match_slot(&t, &r, 77), NT_MATCH_PENDING,
		       "per-probe socket, quoted ports + length agree: matched");
		r.sport = 40078;
		T_EQ_I(nt_probe_match_slot(&t, &r, 77), NT_MATCH_NONE,
		       "per-probe socket, quoted source port of another socket: not ours");
		r.sport = 40077;
		r.dport = PORT + 1;
		T_EQ_I(nt_probe_match_slot(&t, &r, 77), NT_MATCH_NONE,
		       "per-probe socket, quoted destination port differs: not ours");
		r.dport = PORT;
		addr(&r.qdst, "203.0.113.10");
		T_EQ_I(nt_probe_match_slot(&t, &r, 77), NT_MATCH_NONE,
		       "per-probe socket, quote of a datagram to another destination: not ours");
		addr(&r.qdst, DST4);
		slots[77].state = NT_SLOT_LOST;
		T_EQ_I(nt_probe_match_slot(&t, &r, 77), NT_MATCH_LATE,
		       "per-probe socket, answer after the timeout: late");
		slots[77].state = NT_SLOT_ANSWERED;
		T_EQ_I(nt_probe_match_slot(&t, &r, 77), NT_MATCH_DUP,
		       "per-probe socket, second answer: duplicate");
	}
}

static void test_v6(void)
{
	struct nt_probe_table t;
	struct pkt q = { .n = 0 };
	uint16_t seq;

	table(&t, NT_PS_RAW, DST6);
	pending(300, 4, 0);
	ip6(&q, IPPROTO_ICMPV6, 1, SRC6, DST6, 8 + SIZE);
	echo(&q, 128, ID, 300, 4);
	T_EQ_I(m6(&t, 3, 0, &q, 48, &seq), NT_MATCH_PENDING,
	       "v6 echo, time exceeded quoting 40 + 8 bytes: matched");
	T_EQ_U(seq, 300, "  to seq 300");
	T_EQ_I(m6(&t, 1, 3, &q, q.n, &seq), NT_MATCH_PENDING,
	       "v6 echo, address unreachable, full quote: matched");
	q.b[39] ^= 1;
	T_EQ_I(m6(&t, 3, 0, &q, 48, &seq), NT_MATCH_NONE, "v6 echo, other destination: not ours");

	table(&t, NT_PS_UDP_RAW, DST6);
	pending(0xffff, 5, 0);
	q.n = 0;
	ip6(&q, IPPROTO_UDP, 1, SRC6, DST6, 8 + SIZE);
	udp_probe(&q, SRC6, DST6, 40001, 0xffff, 5, 0);
	T_EQ_I(m6(&t, 3, 0, &q, 48, &seq), NT_MATCH_PENDING,
	       "v6 UDP, time exceeded quoting 40 + 8 bytes: matched (seq 0xffff)");
	T_EQ_I(m6(&t, 1, 4, &q, q.n, &seq), NT_MATCH_PENDING,
	       "v6 UDP, port unreachable, full quote: matched");
	q.b[41] ^= 2; /* source port 40003 */
	T_EQ_I(m6(&t, 3, 0, &q, 48, &seq), NT_MATCH_NONE, "v6 UDP, unknown source port: not ours");
}

static void test_cksum(void)
{
	struct nt_paddr a4, b4, a6, b6;
	uint8_t pl[SIZE + 1];
	unsigned seq, bad4 = 0, bad6 = 0;

	addr(&a4, SRC4);
	addr(&b4, DST4);
	addr(&a6, SRC6);
	addr(&b6, DST6);
	for (seq = 1; seq <= 0xffff; seq++) {
		nt_probe_udp_fill(pl, SIZE, TAG, (uint16_t)seq, (uint8_t)seq, 3, &a4, &b4,
				  40000, PORT);
		bad4 += nt_probe_udp_cksum(&a4, &b4, 40000, PORT, pl, SIZE) != seq;
		nt_probe_udp_fill(pl, SIZE + 1, TAG, (uint16_t)seq, 7, 0, &a6, &b6,
				  51000, PORT);
		bad6 += nt_probe_udp_cksum(&a6, &b6, 51000, PORT, pl, SIZE + 1) != seq;
	}
	T_EQ_U(bad4, 0, "IPv4 UDP checksum equals the sequence for every seq 1..65535");
	T_EQ_U(bad6, 0, "IPv6 UDP checksum (odd length) equals the sequence for every seq");
}

int main(void)
{
	test_icmp4();
	test_udp4();
	test_slot();
	test_v6();
	test_cksum();
	return T_DONE();
}
