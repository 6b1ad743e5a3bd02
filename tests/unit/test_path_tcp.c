/* TCP probes: the quoted TCP header (nt_probe_decode, the error queue),
 * the target's segments (nt_probe_decode_tcp), the SYN builder and its
 * checksum, and the matchers of both TCP kinds on canned quotes of every
 * length from 8 bytes up (IPv4 with and without options, IPv6). */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include "nt_path.h"
#include "t.h"
#include "test_path_pkt.h"

#define SPORT 40001
#define DPORT 5432

static struct nt_probe_slot slots[NT_PROBE_SLOTS];

/* The SYN of probe seq as the wire has it, cut to qlen bytes. */
static void syn_quote(struct pkt *p, uint16_t sport, uint16_t seq, size_t qlen,
		      int fam)
{
	struct nt_paddr src, dst;
	uint8_t b[64];

	nt_paddr_parse(fam == AF_INET ? "192.0.2.1" : "2001:db8:1::1", &src);
	nt_paddr_parse(fam == AF_INET ? "203.0.113.2" : "2001:db8:4::2", &dst);
	nt_probe_tcp_syn(b, sizeof(b), &src, &dst, sport, DPORT, nt_probe_tcp_isn(TAG, seq));
	put(p, b, qlen);
}

/* A time exceeded from a router quoting ihl-byte IPv4 header + qlen bytes
 * of the SYN (IPv6: 40 + qlen). */
static size_t err_pkt(struct pkt *p, int fam, size_t optlen, size_t qlen,
		      uint16_t sport, uint16_t seq)
{
	memset(p, 0, sizeof(*p));
	if (fam == AF_INET) {
		ip4(p, 0, IPPROTO_ICMP, 62, "198.51.100.2", "192.0.2.1",
		    8 + 20 + optlen + qlen);
		icmp_err(p, 11, 0, 0);
		ip4(p, optlen, IPPROTO_TCP, 1, "192.0.2.1", "203.0.113.2", 24);
	} else {
		icmp_err(p, 3, 0, 0); /* ICMPv6 time exceeded */
		ip6(p, IPPROTO_TCP, 1, "2001:db8:1::1", "2001:db8:4::2", 24);
	}
	syn_quote(p, sport, seq, qlen, fam);
	return p->n;
}

static void table(struct nt_probe_table *t, enum nt_probe_sock kind, int fam)
{
	int i;

	memset(t, 0, sizeof(*t));
	memset(slots, 0, sizeof(slots));
	t->kind = kind;
	nt_paddr_parse(fam == AF_INET ? "203.0.113.2" : "2001:db8:4::2", &t->dst);
	t->port = DPORT;
	t->flows = 2;
	t->id[0] = SPORT;
	t->id[1] = SPORT + 1;
	t->tag = TAG;
	t->size = 36;
	t->slot = slots;
	for (i = 1; i < 64; i++) {
		slots[i].seq = (uint16_t)i;
		slots[i].flow = (uint8_t)(i & 1);
		slots[i].state = NT_SLOT_PENDING;
		slots[i].fd = -1;
		slots[i].port = (uint16_t)(SPORT + 100 + i); /* connect(): its own port */
	}
}

static void test_seq(void)
{
	T_EQ_U(nt_probe_tcp_isn(TAG, 7), 0x11220007u, "isn: tag's upper half, then the probe sequence");
	T_EQ_I(nt_probe_tcp_seq_of(TAG, 0x11220007u), 7, "seq_of gives the probe back");
	T_EQ_I(nt_probe_tcp_seq_of(TAG, 0x99990007u), -1, "seq_of: another session's isn is not ours");
	T_EQ_I(nt_probe_tcp_seq_of(TAG, 0x11220000u), -1, "seq_of: sequence 0 is never sent");
}

static void test_syn(void)
{
	struct nt_paddr src, dst, s6, d6;
	uint8_t b[64];
	uint32_t sum;
	int n;

	nt_paddr_parse("192.0.2.1", &src);
	nt_paddr_parse("203.0.113.2", &dst);
	n = nt_probe_tcp_syn(b, sizeof(b), &src, &dst, SPORT, DPORT, 0x11220005u);
	T_EQ_I(n, 24, "SYN: 24 bytes (header and MSS option)");
	T_OK(b[13] == 0x02 && (b[12] >> 4) == 6, "SYN: flags SYN only, data offset 6 words");
	sum = nt_probe_sum16(0, src.a, 4);
	sum = nt_probe_sum16(sum, dst.a, 4);
	sum += IPPROTO_TCP + 24;
	sum = nt_probe_sum16(sum, b, 24);
	T_EQ_U(nt_probe_fold(sum), 0xffff, "SYN: IPv4 checksum verifies over the pseudo-header");
	nt_paddr_parse("2001:db8:1::1", &s6);
	nt_paddr_parse("2001:db8:4::2", &d6);
	n = nt_probe_tcp_syn(b, sizeof(b), &s6, &d6, SPORT, DPORT, 1);
	sum = nt_probe_sum16(0, s6.a, 16);
	sum = nt_probe_sum16(sum, d6.a, 16);
	sum += IPPROTO_TCP + 24;
	sum = nt_probe_sum16(sum, b, 24);
	T_OK(n == 24 && nt_probe_fold(sum) == 0xffff, "SYN: IPv6 checksum verifies");
	T_EQ_I(nt_probe_tcp_syn(b, 23, &src, &dst, 1, 2, 3), -EINVAL, "SYN: a short buffer is refused");
	T_EQ_I(nt_probe_tcp_syn(b, sizeof(b), &src, &d6, 1, 2, 3), -EINVAL,
	       "SYN: mixed families are refused");
}

/* Every quote length from 0 to the whole SYN, IPv4 without and with 12
 * bytes of options and IPv6: below 4 bytes malformed, 4..7 ports only (no
 * match: the sequence names the probe), from 8 a match. */
static void test_quotes(void)
{
	static const int fams[] = { AF_INET, AF_INET, AF_INET6 };
	static const size_t opts[] = { 0, 12, 0 };
	struct nt_probe_table t;
	struct nt_probe_reply r;
	struct pkt p;
	size_t q, k, n;
	uint16_t seq;
	int bad = 0, ok8 = 0;

	for (k = 0; k < 3; k++) {
		table(&t, NT_PS_TCP_RAW, fams[k]);
		for (q = 0; q <= 24; q++) {
			int rc;
			enum nt_probe_match m = NT_MATCH_NONE;

			n = err_pkt(&p, fams[k], opts[k], q, SPORT + 1, 9);
			rc = dec(fams[k], fams[k] == AF_INET, &p, n, &r);
			if (rc == 0)
				m = nt_probe_match(&t, &r, -1, &seq);
			if (q < 4) {
				if (rc != -EBADMSG)
					bad++;
			} else if (q < 8) {
				if (rc != 0 || !r.truncated || r.have_tseq || m != NT_MATCH_NONE)
					bad++;
			} else {
				if (rc != 0 || r.proto != IPPROTO_TCP || !r.have_tseq ||
				    r.sport != SPORT + 1 || r.dport != DPORT ||
				    r.tseq != nt_probe_tcp_isn(TAG, 9) ||
				    m != NT_MATCH_PENDING || seq != 9 ||
				    r.kind != NT_PR_TIME_EXCEEDED)
					bad++;
				else
					ok8++;
			}
		}
	}
	T_EQ_I(bad, 0, "quotes of 0..24 TCP bytes (IPv4, IPv4 + 12 option bytes, IPv6): <4 malformed, 4..7 ports only and unmatched, >= 8 matched by the sequence");
	T_EQ_I(ok8, 3 * 17, "  every quote from 8 bytes up matched (3 x 17)");

	table(&t, NT_PS_TCP_RAW, AF_INET);
	n = err_pkt(&p, AF_INET, 0, 8, SPORT, 9); /* flow 0's port, probe of flow 1 */
	T_OK(dec(AF_INET, true, &p, n, &r) == 0 && nt_probe_match(&t, &r, -1, &seq) == NT_MATCH_NONE,
	     "raw: the other flow's source port does not answer this probe");
	n = err_pkt(&p, AF_INET, 0, 8, 999, 9);
	T_OK(dec(AF_INET, true, &p, n, &r) == 0 && nt_probe_match(&t, &r, -1, &seq) == NT_MATCH_NONE,
	     "raw: a source port not ours is foreign");
	slots[9].state = NT_SLOT_LOST;
	n = err_pkt(&p, AF_INET, 0, 8, SPORT + 1, 9);
	T_OK(dec(AF_INET, true, &p, n, &r) == 0 && nt_probe_match(&t, &r, -1, &seq) == NT_MATCH_LATE,
	     "raw: an answer to a lost probe is late");
	slots[9].state = NT_SLOT_ANSWERED;
	T_OK(nt_probe_match(&t, &r, -1, &seq) == NT_MATCH_DUP, "raw: a second answer is a duplicate");
	/* a UDP or ICMP table never takes a TCP quote */
	table(&t, NT_PS_UDP_RAW, AF_INET);
	T_OK(nt_probe_match(&t, &r, -1, &seq) == NT_MATCH_NONE, "UDP table: a TCP quote is not a UDP probe's");
}

/* The target's own segments, read from the raw TCP socket. */
static size_t seg(struct pkt *p, int fam, uint8_t flags, uint32_t ack, uint16_t sport,
		  uint16_t dport, size_t cut)
{
	memset(p, 0, sizeof(*p));
	if (fam == AF_INET)
		ip4(p, 0, IPPROTO_TCP, 61, "203.0.113.2", "192.0.2.1", 20);
	put16(p, sport);
	put16(p, dport);
	put16(p, 0x1234);
	put16(p, 0x5678);
	put16(p, (uint16_t)(ack >> 16));
	put16(p, (uint16_t)ack);
	put8(p, 0x50);
	put8(p, flags);
	put16(p, 1000);
	put16(p, 0);
	put16(p, 0);
	return p->n - cut;
}

static int dec_tcp(int fam, const struct pkt *p, size_t n, struct nt_probe_reply *r)
{
	uint8_t *b = malloc(n ? n : 1);
	int rc;

	memcpy(b, p->b, n);
	rc = nt_probe_decode_tcp(fam, fam == AF_INET, b, n, r);
	free(b);
	return rc;
}

static void test_segments(void)
{
	struct nt_probe_table t;
	struct nt_probe_reply r;
	struct pkt p;
	uint16_t seq;
	size_t n, cut;
	int bad = 0;

	table(&t, NT_PS_TCP_RAW, AF_INET);
	n = seg(&p, AF_INET, 0x12, nt_probe_tcp_isn(TAG, 11) + 1, DPORT, SPORT + 1, 0);
	T_OK(dec_tcp(AF_INET, &p, n, &r) == 0 && r.kind == NT_PR_TCP_SYNACK &&
	     r.reply_ttl == 61 && !strcmp(s(&r.src), "203.0.113.2"),
	     "SYN-ACK decoded: kind, reply TTL, source");
	T_OK(nt_probe_match(&t, &r, -1, &seq) == NT_MATCH_PENDING && seq == 11,
	     "SYN-ACK matched by its acknowledgment (isn + 1)");
	n = seg(&p, AF_INET, 0x14, nt_probe_tcp_isn(TAG, 13) + 1, DPORT, SPORT + 1, 0);
	T_OK(dec_tcp(AF_INET, &p, n, &r) == 0 && r.kind == NT_PR_TCP_RST &&
	     nt_probe_match(&t, &r, -1, &seq) == NT_MATCH_PENDING && seq == 13,
	     "RST-ACK decoded and matched: port closed");
	n = seg(&p, AF_INET, 0x12, nt_probe_tcp_isn(TAG, 11) + 1, DPORT + 1, SPORT + 1, 0);
	T_OK(dec_tcp(AF_INET, &p, n, &r) == 0 && nt_probe_match(&t, &r, -1, &seq) == NT_MATCH_NONE,
	     "a SYN-ACK from another port is not ours");
	n = seg(&p, AF_INET, 0x12, nt_probe_tcp_isn(TAG, 11), DPORT, SPORT + 1, 0);
	T_OK(dec_tcp(AF_INET, &p, n, &r) == 0 && nt_probe_match(&t, &r, -1, &seq) == NT_MATCH_NONE,
	     "an acknowledgment not isn + 1 is not ours");
	n = seg(&p, AF_INET, 0x10, 5, DPORT, SPORT, 0);
	T_EQ_I(dec_tcp(AF_INET, &p, n, &r), -ENOMSG, "a bare ACK is no answer (-ENOMSG)");
	n = seg(&p, AF_INET, 0x02, 0, DPORT, SPORT, 0);
	T_EQ_I(dec_tcp(AF_INET, &p, n, &r), -ENOMSG, "a SYN is no answer");
	n = seg(&p, AF_INET, 0x04, 0, DPORT, SPORT, 0);
	T_EQ_I(dec_tcp(AF_INET, &p, n, &r), -ENOMSG, "an RST without ACK names no probe");
	for (cut = 1; cut <= 40; cut++) {
		n = seg(&p, AF_INET, 0x12, 1, DPORT, SPORT, cut);
		if (dec_tcp(AF_INET, &p, n, &r) != -EBADMSG)
			bad++;
	}
	T_EQ_I(bad, 0, "every truncated segment (1..40 bytes short) is -EBADMSG");
	n = seg(&p, AF_INET6, 0x12, nt_probe_tcp_isn(TAG, 11) + 1, DPORT, SPORT + 1, 0);
	T_OK(dec_tcp(AF_INET6, &p, n, &r) == 0 && r.kind == NT_PR_TCP_SYNACK && r.reply_ttl == -1,
	     "IPv6 SYN-ACK (no IP header on a raw IPv6 socket) decoded");
}

/* connect() per probe: what the socket's error queue and SO_ERROR give. */
static void test_slot(void)
{
	struct nt_probe_table t;
	struct nt_probe_reply r;
	struct sock_extended_err ee;
	struct sockaddr_in off;
	struct pkt p;
	size_t q;
	int bad = 0;

	table(&t, NT_PS_TCP, AF_INET);
	memset(&ee, 0, sizeof(ee));
	ee.ee_origin = SO_EE_ORIGIN_ICMP;
	ee.ee_type = 11;
	memset(&off, 0, sizeof(off));
	off.sin_family = AF_INET;
	inet_pton(AF_INET, "198.51.100.2", &off.sin_addr);
	for (q = 8; q <= 24; q++) {
		memset(&p, 0, sizeof(p));
		syn_quote(&p, slots[9].port, 9, q, AF_INET);
		if (nt_probe_decode_errq(AF_INET, IPPROTO_TCP, &ee, (struct sockaddr *)&off,
					 sizeof(off), p.b, p.n, &r) != 0 ||
		    !r.have_tseq || r.sport != slots[9].port ||
		    nt_probe_match_slot(&t, &r, 9) != NT_MATCH_PENDING)
			bad++;
	}
	T_EQ_I(bad, 0, "error queue of a connect() socket: quoted TCP header of 8..24 bytes matched to its slot");
	memset(&p, 0, sizeof(p));
	syn_quote(&p, slots[9].port, 9, 8, AF_INET);
	nt_probe_decode_errq(AF_INET, IPPROTO_TCP, &ee, (struct sockaddr *)&off, sizeof(off),
			     p.b, p.n, &r);
	T_OK(!strcmp(s(&r.src), "198.51.100.2") && r.kind == NT_PR_TIME_EXCEEDED,
	     "  offender and kind from the extended error");
	T_OK(nt_probe_match_slot(&t, &r, 10) == NT_MATCH_NONE,
	     "  another slot's socket does not take it (source port differs)");
	memset(&r, 0, sizeof(r));
	r.family = AF_INET;
	r.kind = NT_PR_TCP_SYNACK;
	r.src = t.dst;
	r.proto = IPPROTO_TCP;
	r.have_id = true;
	r.sport = DPORT;
	r.dport = slots[9].port;
	T_OK(nt_probe_match_slot(&t, &r, 9) == NT_MATCH_PENDING, "connect() completed: SYN-ACK for its slot");
	r.sport = DPORT + 1;
	T_OK(nt_probe_match_slot(&t, &r, 9) == NT_MATCH_NONE, "  not from the probed port: no");
	r.sport = DPORT;
	nt_paddr_parse("203.0.113.9", &r.src);
	T_OK(nt_probe_match_slot(&t, &r, 9) == NT_MATCH_NONE, "  not from the target: no");
	r.proto = IPPROTO_UDP;
	r.src = t.dst;
	T_OK(nt_probe_match_slot(&t, &r, 9) == NT_MATCH_NONE, "  a UDP reply is not a TCP probe's");
}

static struct nt_probe_event tev(enum nt_probe_ev e, int ttl, uint8_t st, double ms)
{
	struct nt_probe_event x;

	memset(&x, 0, sizeof(x));
	x.ev = e;
	x.ttl = ttl;
	x.rtt_ms = ms;
	x.from_dst = true;
	x.port_state = st;
	x.dst_ttl = 4;
	return x;
}

/* The model's port state: an RST to a probe beyond the destination's TTL
 * (its SYN met another on the same 4-tuple at the server) never turns an
 * open port closed, and r (nt_path_reset) keeps the port's state. */
static void test_port_model(void)
{
	struct nt_path *p = calloc(1, sizeof(*p));
	struct nt_probe_event x;

	if (!p)
		return;
	nt_path_init(p);
	p->mode = NT_PM_TCP;
	p->first_ttl = 1;
	p->max_ttl = 30;
	x = tev(NT_EV_BEYOND, 5, NT_PORT_CLOSED, 1.0);
	nt_path_event(p, &x);
	x = tev(NT_EV_BEYOND, 6, NT_PORT_CLOSED, 1.0);
	nt_path_event(p, &x);
	x = tev(NT_EV_REPLY, 4, NT_PORT_OPEN, 2.0);
	nt_path_event(p, &x);
	T_STR(nt_path_port_state(p), "open", "in-TTL SYN-ACK, two beyond-TTL RSTs: open");
	T_OK(nt_path_port_rtt(p) == 2.0, "the RTT to the port is the in-TTL answer's");
	nt_path_reset(p, 1);
	T_STR(nt_path_port_state(p), "open", "after r (reset) the port still reads open, not filtered");
	nt_path_free(p);
	free(p);
}

int main(void)
{
	test_seq();
	test_syn();
	test_quotes();
	test_segments();
	test_slot();
	test_port_model();
	return T_DONE();
}
