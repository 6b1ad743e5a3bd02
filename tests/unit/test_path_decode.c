/* Unit tests: the path reply decoder on canned packets built byte by byte
 * here (echo replies, time-exceeded and unreachable quoting ICMP and UDP
 * probes, IPv4 options, IPv6 extension headers, RFC 4884/4950 MPLS,
 * truncated quotes, foreign ICMP, error-queue records). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include "nt_probe.h"
#include "t.h"

#include "test_path_pkt.h"

static void test_echo_reply4(void)
{
	struct pkt p = { .n = 0 };
	struct nt_probe_reply r;
	uint16_t seq;
	uint8_t ttl, flow;

	ip4(&p, 0, IPPROTO_ICMP, 61, "203.0.113.9", "192.0.2.2", 44);
	echo(&p, 0, 0xbeef, 7, 5);
	T_EQ_I(dec(AF_INET, true, &p, p.n, &r), 0, "v4 echo reply decodes");
	T_EQ_I(r.kind, NT_PR_ECHO_REPLY, "v4 echo reply: kind");
	T_EQ_U(r.id, 0xbeef, "v4 echo reply: id");
	T_EQ_U(r.seq, 7, "v4 echo reply: seq");
	T_EQ_I(r.reply_ttl, 61, "v4 echo reply: reply TTL from the IP header");
	T_STR(s(&r.src), "203.0.113.9", "v4 echo reply: source");
	T_OK(nt_probe_payload_parse(r.payload, r.payload_len, TAG, &seq, &ttl, &flow) == 0 &&
	     seq == 7 && ttl == 5, "v4 echo reply: our payload header read back");
	T_OK(nt_probe_payload_parse(r.payload, r.payload_len, TAG + 1, &seq, &ttl, &flow) != 0,
	     "payload with another session tag is not ours");
}

static void test_timxceed4_icmp(size_t outer_opt, size_t inner_opt)
{
	struct pkt p = { .n = 0 };
	struct nt_probe_reply r;

	ip4(&p, outer_opt, IPPROTO_ICMP, 254, "198.51.100.1", "192.0.2.2",
	    8 + 20 + inner_opt + 44);
	icmp_err(&p, 11, 0, 0);
	ip4(&p, inner_opt, IPPROTO_ICMP, 1, "192.0.2.2", "203.0.113.9", 44);
	echo(&p, 8, 0x0102, 300, 2);
	T_EQ_I(dec(AF_INET, true, &p, p.n, &r), 0,
	       "v4 time exceeded quoting ICMP echo (outer opts %zu, inner opts %zu)",
	       outer_opt, inner_opt);
	T_OK(r.kind == NT_PR_TIME_EXCEEDED && r.type == 11 && r.code == 0,
	     "  kind/type/code (opts %zu/%zu)", outer_opt, inner_opt);
	T_OK(r.id == 0x0102 && r.seq == 300 && r.proto == IPPROTO_ICMP,
	     "  quoted id/seq (opts %zu/%zu)", outer_opt, inner_opt);
	T_STR(s(&r.src), "198.51.100.1", "  responder (opts %zu/%zu)", outer_opt, inner_opt);
	T_STR(s(&r.qdst), "203.0.113.9", "  quoted destination (opts %zu/%zu)",
	      outer_opt, inner_opt);
	T_EQ_I(r.quoted_ttl, 1, "  quoted TTL");
	T_EQ_I(r.reply_ttl, 254, "  reply TTL");
}

static void test_unreach4_udp(uint8_t code)
{
	struct pkt p = { .n = 0 };
	struct nt_probe_reply r;
	uint16_t seq;
	uint8_t ttl, flow;

	ip4(&p, 0, IPPROTO_ICMP, 60, "203.0.113.9", "192.0.2.2", 8 + 20 + 44);
	icmp_err(&p, 3, code, 0);
	ip4(&p, 0, IPPROTO_UDP, 1, "192.0.2.2", "203.0.113.9", 44);
	udp(&p, 40000, 33434, 55, 4);
	T_EQ_I(dec(AF_INET, true, &p, p.n, &r), 0, "v4 unreachable code %u quoting UDP", code);
	T_OK(r.kind == NT_PR_UNREACH && r.code == code, "  kind and code %u", code);
	T_OK(r.proto == IPPROTO_UDP && r.sport == 40000 && r.dport == 33434,
	     "  quoted UDP ports (code %u)", code);
	T_OK(nt_probe_payload_parse(r.payload, r.payload_len, TAG, &seq, &ttl, &flow) == 0 &&
	     seq == 55 && ttl == 4, "  quoted UDP payload carries seq and TTL (code %u)", code);
}

static void test_dgram4(void)
{
	struct pkt p = { .n = 0 };
	struct nt_probe_reply r;

	/* ICMP datagram sockets deliver no IP header */
	echo(&p, 0, 9, 10, 3);
	T_EQ_I(dec(AF_INET, false, &p, p.n, &r), 0, "v4 echo reply without IP header");
	T_OK(r.seq == 10 && r.reply_ttl == -1 && r.src.family == 0,
	     "  seq kept, TTL and source unknown (from cmsg and msg_name)");
}

static void test_v6(void)
{
	struct pkt p = { .n = 0 };
	struct nt_probe_reply r;

	echo(&p, 129, 0x0a0b, 12, 1);
	T_EQ_I(dec(AF_INET6, false, &p, p.n, &r), 0, "v6 echo reply");
	T_OK(r.kind == NT_PR_ECHO_REPLY && r.id == 0x0a0b && r.seq == 12 &&
	     r.proto == IPPROTO_ICMPV6, "  id/seq/proto");

	p.n = 0;
	put8(&p, 3); put8(&p, 0); put16(&p, 0); put16(&p, 0); put16(&p, 0);
	ip6(&p, IPPROTO_ICMPV6, 1, "2001:db8:1::2", "2001:db8:4::2", 44);
	echo(&p, 128, 0x0a0b, 13, 2);
	T_EQ_I(dec(AF_INET6, false, &p, p.n, &r), 0, "v6 time exceeded quoting ICMPv6 echo");
	T_OK(r.kind == NT_PR_TIME_EXCEEDED && r.seq == 13, "  kind and seq");
	T_STR(s(&r.qdst), "2001:db8:4::2", "  quoted destination");

	/* extension headers: hop-by-hop (8), destination options (16),
	 * fragment (first, offset 0), then UDP */
	p.n = 0;
	put8(&p, 1); put8(&p, 4); put16(&p, 0); put16(&p, 0); put16(&p, 0);
	ip6(&p, 0, 1, "2001:db8:1::2", "2001:db8:4::2", 8 + 16 + 8 + 44);
	put8(&p, 60); put8(&p, 0); put16(&p, 0x0104); put16(&p, 0); put16(&p, 0);
	put8(&p, 44); put8(&p, 1);
	{ uint8_t z[14] = { 1, 12 }; put(&p, z, sizeof(z)); }
	put8(&p, IPPROTO_UDP); put8(&p, 0); put16(&p, 0); put16(&p, 0); put16(&p, 1);
	udp(&p, 41000, 33434, 77, 3);
	T_EQ_I(dec(AF_INET6, false, &p, p.n, &r), 0,
	       "v6 port unreachable quoting UDP behind hop-by-hop, dstopts, fragment");
	T_OK(r.kind == NT_PR_UNREACH && r.code == 4 && r.sport == 41000 &&
	     r.dport == 33434, "  kind, code 4, ports");

	/* a later fragment has no UDP header: not ours */
	p.b[40 + 8 + 8 + 16 + 2] = 0x01; /* fragment offset 32 */
	T_EQ_I(dec(AF_INET6, false, &p, p.n, &r), -ENOMSG, "v6 quote of a non-first fragment is foreign");
	/* extension header longer than the quote */
	p.b[8 + 40 + 1] = 200;
	T_EQ_I(dec(AF_INET6, false, &p, p.n, &r), -EBADMSG, "v6 extension header length past the end");
}

static void test_mpls(void)
{
	struct pkt p = { .n = 0 };
	struct nt_probe_reply r;
	size_t q0;

	/* RFC 4884: original datagram padded to 128 bytes (32 words), then
	 * the extension structure with one RFC 4950 MPLS object of two
	 * label stack entries. */
	ip4(&p, 0, IPPROTO_ICMP, 250, "198.51.100.5", "192.0.2.2", 8 + 128 + 4 + 12);
	icmp_err(&p, 11, 0, 32);
	q0 = p.n;
	ip4(&p, 0, IPPROTO_ICMP, 1, "192.0.2.2", "203.0.113.9", 44);
	echo(&p, 8, 0x0102, 301, 3);
	while (p.n < q0 + 128)
		put8(&p, 0);
	put8(&p, 0x20); put8(&p, 0); put16(&p, 0);   /* version 2 */
	put16(&p, 12); put8(&p, 1); put8(&p, 1);      /* MPLS stack, 2 entries */
	put16(&p, (uint16_t)(16005 >> 4)); put8(&p, (uint8_t)((16005 & 0xf) << 4)); put8(&p, 1);
	put16(&p, (uint16_t)(24 >> 4)); put8(&p, (uint8_t)(((24 & 0xf) << 4) | 1)); put8(&p, 1);
	T_EQ_I(dec(AF_INET, true, &p, p.n, &r), 0, "v4 time exceeded with RFC 4884 extensions");
	T_EQ_U(r.ext_len, 128, "  RFC 4884 original datagram length 128 bytes");
	T_EQ_I(r.nmpls, 2, "  two MPLS label stack entries");
	T_EQ_U(r.mpls[0] >> 12, 16005, "  first label 16005");
	T_EQ_U(r.mpls[1] >> 12, 24, "  second label 24");
	T_EQ_U((r.mpls[1] >> 8) & 1, 1, "  bottom-of-stack bit on the second");
	T_OK(r.seq == 301 && r.id == 0x0102, "  the quote is still decoded");

	/* a length field pointing past the end is ignored, not trusted */
	p.b[20 + 5] = 200;
	T_EQ_I(dec(AF_INET, true, &p, p.n, &r), 0, "RFC 4884 length past the end: quote decoded");
	T_OK(r.ext_len == 0 && r.nmpls == 0, "  and no extension claimed");
}

static void test_truncated(void)
{
	struct pkt p = { .n = 0 };
	struct nt_probe_reply r;
	size_t full, n;
	int bad = 0;

	ip4(&p, 0, IPPROTO_ICMP, 60, "198.51.100.1", "192.0.2.2", 8 + 20 + 44);
	icmp_err(&p, 11, 0, 0);
	ip4(&p, 0, IPPROTO_ICMP, 1, "192.0.2.2", "203.0.113.9", 44);
	echo(&p, 8, 1, 2, 3);
	full = p.n;
	T_EQ_I(dec(AF_INET, true, &p, 20 + 8 + 20, &r), -EBADMSG,
	       "quote of the IP header only: truncated");
	T_EQ_I(dec(AF_INET, true, &p, 20 + 8 + 20 + 7, &r), -EBADMSG,
	       "quote of 7 ICMP bytes: truncated");
	T_EQ_I(dec(AF_INET, true, &p, 20 + 8 + 20 + 8, &r), 0,
	       "RFC 792 minimum quote (IP header + 8 bytes) decodes");
	T_EQ_U(r.payload_len, 0, "  with no payload");
	T_EQ_I(dec(AF_INET, true, &p, 20 + 7, &r), -EBADMSG, "ICMP header cut short");
	T_EQ_I(dec(AF_INET, true, &p, 19, &r), -EBADMSG, "IP header cut short");
	for (n = 0; n <= full; n++) {
		int rc = dec(AF_INET, true, &p, n, &r);

		if (rc != 0 && rc != -EBADMSG)
			bad++;
	}
	T_EQ_I(bad, 0, "every prefix of a valid packet: 0 or -EBADMSG, never a crash");

	p.n = 0;
	ip4(&p, 0, IPPROTO_ICMP, 60, "203.0.113.9", "192.0.2.2", 8 + 20 + 4);
	icmp_err(&p, 3, 3, 0);
	ip4(&p, 0, IPPROTO_UDP, 1, "192.0.2.2", "203.0.113.9", 44);
	put16(&p, 40000); put16(&p, 33434);
	T_EQ_I(dec(AF_INET, true, &p, p.n, &r), 0, "UDP quote of 4 bytes: ports only");
	T_OK(r.truncated && r.sport == 40000 && !r.payload, "  marked truncated");

	p.b[20 + 8] = 0x4f; /* inner ihl 60 > quote */
	T_EQ_I(dec(AF_INET, true, &p, p.n, &r), -EBADMSG, "quoted IHL past the end");
}

static void test_foreign(void)
{
	struct pkt p = { .n = 0 };
	struct nt_probe_reply r;

	ip4(&p, 0, IPPROTO_ICMP, 64, "192.0.2.77", "192.0.2.2", 44);
	echo(&p, 8, 1, 1, 1);
	T_EQ_I(dec(AF_INET, true, &p, p.n, &r), -ENOMSG, "echo request is foreign");
	p.b[20] = 5;
	T_EQ_I(dec(AF_INET, true, &p, p.n, &r), -ENOMSG, "redirect is foreign");

	p.n = 0;
	ip4(&p, 0, IPPROTO_ICMP, 64, "198.51.100.1", "192.0.2.2", 8 + 20 + 20);
	icmp_err(&p, 11, 0, 0);
	ip4(&p, 0, IPPROTO_TCP, 1, "192.0.2.2", "203.0.113.9", 20);
	{ uint8_t z[20] = { 0 }; put(&p, z, sizeof(z)); }
	/* TCP probes: a quoted TCP header decodes (ports, sequence); whose
	 * it is, is the matcher's to say (tests/unit/test_path_tcp.c) */
	T_OK(dec(AF_INET, true, &p, p.n, &r) == 0 && r.proto == IPPROTO_TCP && r.have_tseq &&
	     !r.have_udp8 && !r.payload_len,
	     "time exceeded quoting TCP decodes as a TCP quote (no UDP or ICMP fields)");

	p.n = 0;
	ip4(&p, 0, IPPROTO_ICMP, 64, "198.51.100.1", "192.0.2.2", 8 + 20 + 44);
	icmp_err(&p, 11, 0, 0);
	ip4(&p, 0, IPPROTO_ICMP, 1, "192.0.2.2", "203.0.113.9", 44);
	echo(&p, 0, 1, 1, 1);
	T_EQ_I(dec(AF_INET, true, &p, p.n, &r), -ENOMSG,
	       "time exceeded quoting an echo reply (someone else's ping) is foreign");

	p.n = 0;
	ip4(&p, 0, IPPROTO_UDP, 64, "198.51.100.1", "192.0.2.2", 8);
	put16(&p, 1); put16(&p, 2); put16(&p, 8); put16(&p, 0);
	T_EQ_I(dec(AF_INET, true, &p, p.n, &r), -ENOMSG, "a non-ICMP IP packet is foreign");

	p.n = 0;
	echo(&p, 128, 1, 1, 1);
	T_EQ_I(dec(AF_INET6, false, &p, p.n, &r), -ENOMSG, "ICMPv6 echo request is foreign");
	p.b[0] = 134; /* router advertisement */
	T_EQ_I(dec(AF_INET6, false, &p, p.n, &r), -ENOMSG, "router advertisement is foreign");
}

static void test_errq(void)
{
	struct sock_extended_err ee;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct nt_probe_reply r;
	uint8_t pl[36], icmp[44];
	uint16_t seq;
	uint8_t ttl, flow;

	memset(&ee, 0, sizeof(ee));
	ee.ee_errno = EHOSTUNREACH;
	ee.ee_origin = SO_EE_ORIGIN_ICMP;
	ee.ee_type = 11;
	ee.ee_rfc4884.len = 128;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "198.51.100.1", &sin.sin_addr);
	nt_probe_payload_fill(pl, sizeof(pl), TAG, 99, 2, 0);
	T_EQ_I(nt_probe_decode_errq(AF_INET, IPPROTO_UDP, &ee, (struct sockaddr *)&sin,
				    sizeof(sin), pl, sizeof(pl), &r), 0,
	       "error queue: UDP time exceeded");
	T_OK(r.kind == NT_PR_TIME_EXCEEDED && r.ext_len == 128, "  kind and RFC 4884 offset");
	T_STR(s(&r.src), "198.51.100.1", "  offender");
	T_OK(nt_probe_payload_parse(r.payload, r.payload_len, TAG, &seq, &ttl, &flow) == 0 &&
	     seq == 99 && ttl == 2, "  payload gives seq and TTL");

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:198.51.100.7", &sin6.sin6_addr);
	ee.ee_type = 3;
	ee.ee_code = 3;
	T_EQ_I(nt_probe_decode_errq(AF_INET, IPPROTO_UDP, &ee, (struct sockaddr *)&sin6,
				    sizeof(sin6), pl, sizeof(pl), &r), 0,
	       "error queue: v4-mapped offender");
	T_STR(s(&r.src), "198.51.100.7", "  mapped to IPv4");
	T_EQ_I(r.kind, NT_PR_UNREACH, "  port unreachable");

	ee.ee_origin = SO_EE_ORIGIN_ICMP6;
	ee.ee_type = 3;
	ee.ee_code = 0;
	icmp[0] = 128; icmp[1] = 0; icmp[2] = icmp[3] = 0;
	icmp[4] = 0x12; icmp[5] = 0x34; icmp[6] = 0; icmp[7] = 42;
	nt_probe_payload_fill(icmp + 8, 36, TAG, 42, 5, 0);
	T_EQ_I(nt_probe_decode_errq(AF_INET6, IPPROTO_ICMPV6, &ee, NULL, 0, icmp,
				    sizeof(icmp), &r), 0, "error queue: ICMPv6 ping socket");
	T_OK(r.kind == NT_PR_TIME_EXCEEDED && r.id == 0x1234 && r.seq == 42,
	     "  quoted id and seq from the returned echo header");
	T_EQ_I(nt_probe_decode_errq(AF_INET6, IPPROTO_ICMPV6, &ee, NULL, 0, icmp, 7, &r),
	       -EBADMSG, "error queue: echo header cut short");
	ee.ee_origin = SO_EE_ORIGIN_LOCAL;
	T_EQ_I(nt_probe_decode_errq(AF_INET6, IPPROTO_ICMPV6, &ee, NULL, 0, icmp,
				    sizeof(icmp), &r), -ENOMSG,
	       "error queue: a local error (EMSGSIZE) is not a hop");
	sin.sin_family = AF_INET;
	ee.ee_origin = SO_EE_ORIGIN_ICMP;
	ee.ee_type = 11;
	T_EQ_I(nt_probe_decode_errq(AF_INET, IPPROTO_UDP, &ee, (struct sockaddr *)&sin,
				    4, pl, sizeof(pl), &r), 0,
	       "error queue: short offender is not read");
	T_EQ_U(r.src.family, 0, "  and gives no responder");
}

static void test_checksum(void)
{
	uint8_t m[8 + 36];
	uint16_t ck0 = 0, ck;
	int seq, ttl, same = 1;

	/* Paris traceroute: the ICMP checksum is the same for every probe */
	for (seq = 0; seq < 70000; seq += 997)
		for (ttl = 1; ttl <= 255; ttl += 37) {
			memset(m, 0, 8);
			m[0] = 8;
			m[4] = 0x43; m[5] = 0x21;
			m[6] = (uint8_t)((uint16_t)seq >> 8);
			m[7] = (uint8_t)seq;
			nt_probe_payload_fill(m + 8, 36, TAG, (uint16_t)seq, (uint8_t)ttl, 3);
			ck = nt_probe_cksum(m, sizeof(m));
			if (seq == 0 && ttl == 1)
				ck0 = ck;
			else if (ck != ck0)
				same = 0;
		}
	T_OK(same, "ICMP checksum constant across sequences and TTLs (Paris)");
	m[0] = 0x45; m[1] = 0x00; m[2] = 0x00; m[3] = 0x1c;
	T_EQ_U(nt_probe_cksum(m, 4), (uint16_t)~(0x4500 + 0x001c), "RFC 1071 checksum of two words");
}

static void test_rtt(void)
{
	struct timespec tx = { 1000, 999000000 }, rx = { 1001, 19500000 };
	bool k;
	double r;

	r = nt_probe_rtt_ms(&tx, &rx, true, 0.0210, &k);
	T_OK(k && fabs(r - 20.5) < 1e-9, "RTT from the kernel stamp across a second boundary: 20.5 ms");
	rx.tv_sec = 990; /* the wall clock stepped back 11 s during the probe */
	r = nt_probe_rtt_ms(&tx, &rx, true, 0.0210, &k);
	T_OK(!k && fabs(r - 21.0) < 1e-9, "clock stepped back: monotonic 21 ms, never negative");
	rx.tv_sec = 1061; /* stepped forward a minute */
	r = nt_probe_rtt_ms(&tx, &rx, true, 0.0210, &k);
	T_OK(!k && fabs(r - 21.0) < 1e-9, "clock stepped forward: monotonic 21 ms, never huge");
	r = nt_probe_rtt_ms(&tx, &rx, false, 0.0042, &k);
	T_OK(!k && fabs(r - 4.2) < 1e-9, "no kernel stamp: monotonic delta");
}

int main(void)
{
	test_rtt();
	test_echo_reply4();
	test_timxceed4_icmp(0, 0);
	test_timxceed4_icmp(4, 0);
	test_timxceed4_icmp(0, 12);
	test_timxceed4_icmp(40, 40);
	test_unreach4_udp(3);
	test_unreach4_udp(1);
	test_dgram4();
	test_v6();
	test_mpls();
	test_truncated();
	test_foreign();
	test_errq();
	test_checksum();
	return T_DONE();
}
