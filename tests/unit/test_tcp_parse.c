/* Unit tests for tcp parsers: canned inet_diag messages (v4, v6, with and
 * without tcp_info, short tcp_info, truncated), the counting callback,
 * /proc/net/snmp and /proc/net/netstat text, state lists, --dst and the
 * kernel filter bytecode. */
#include <errno.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include "nt_nl.h"
#include "nt_tcp.h"
#include "nlgen.h"
#include "t.h"

static _Alignas(8) char buf[65536];

static struct nlgen_diag v4(uint8_t state, uint16_t sport, uint16_t dport)
{
	struct nlgen_diag d = nlgen_diag4(state, "192.0.2.1", sport, "198.51.100.7", dport);

	d.inode = 1000u + sport;
	return d;
}

static void test_v4_noinfo(void)
{
	struct nlgen_diag g = v4(NT_TCP_CLOSE_WAIT, 8080, 40000);
	struct nt_tcp_diag d;

	g.rqueue = 3;
	g.wqueue = 4;
	g.unknown_attrs = 1;
	nlgen_diag(buf, 1, &g);
	T_EQ_I(nt_tcp_parse_diag((struct nlmsghdr *)buf, true, &d), 0, "v4 message parses");
	T_EQ_U(d.family, AF_INET, "family");
	T_EQ_U(d.state, NT_TCP_CLOSE_WAIT, "state");
	T_EQ_U(d.sport, 8080, "sport in host order");
	T_EQ_U(d.dport, 40000, "dport in host order");
	T_OK(!memcmp(d.src, g.src, 4), "src address");
	T_EQ_U(d.rqueue, 3, "rqueue");
	T_EQ_U(d.wqueue, 4, "wqueue");
	T_EQ_U(d.inode, 9080, "inode");
	T_OK(!d.have_info, "no INET_DIAG_INFO: have_info false (unknown attributes skipped)");
}

static void test_v6_info(void)
{
	struct nlgen_diag g;
	struct nt_tcp_diag d;

	memset(&g, 0, sizeof(g));
	g.family = AF_INET6;
	g.state = NT_TCP_ESTABLISHED;
	g.sport = 443;
	g.dport = 51000;
	inet_pton(AF_INET6, "2001:db8::1", g.src);
	inet_pton(AF_INET6, "2001:db8::2", g.dst);
	g.info_len = 248; /* Linux 6.7+ */
	g.info_base = 0xaa;
	g.total_retrans = 17;
	g.retrans = 2;
	g.lost = 3;
	g.rtt = 12345;
	g.rttvar = 678;
	g.cwnd = 10;
	g.bytes_retrans = 0x100000001ull;
	g.total_rto = 5;
	g.unknown_attrs = 1;
	nlgen_diag(buf, 1, &g);
	T_EQ_I(nt_tcp_parse_diag((struct nlmsghdr *)buf, true, &d), 0, "v6 message with tcp_info parses");
	T_EQ_U(d.family, AF_INET6, "v6 family");
	T_OK(!memcmp(d.dst, g.dst, 16), "v6 dst");
	T_OK(d.have_info, "have_info");
	T_EQ_U(d.info.avail, (1u << NT_TI_COUNT) - 1, "every field present in a 248-byte tcp_info");
	T_EQ_U(d.info.total_retrans, 17, "tcpi_total_retrans at offset 100");
	T_EQ_U(d.info.retrans, 2, "tcpi_retrans");
	T_EQ_U(d.info.lost, 3, "tcpi_lost");
	T_EQ_U(d.info.rtt_us, 12345, "tcpi_rtt");
	T_EQ_U(d.info.rttvar_us, 678, "tcpi_rttvar");
	T_EQ_U(d.info.cwnd, 10, "tcpi_snd_cwnd");
	T_EQ_U(d.info.bytes_retrans, 0x100000001ull, "tcpi_bytes_retrans (u64)");
	T_EQ_U(d.info.total_rto, 5, "tcpi_total_rto (u16 at 240)");

	/* without attrs the counting path must not look at them */
	T_EQ_I(nt_tcp_parse_diag((struct nlmsghdr *)buf, false, &d), 0, "header-only parse");
	T_OK(!d.have_info, "header-only parse ignores INET_DIAG_INFO");
}

static void test_short_info(void)
{
	struct nlgen_diag g = v4(NT_TCP_ESTABLISHED, 1, 2);
	struct nt_tcp_diag d;

	g.info_len = 104; /* ends right after tcpi_total_retrans (Linux 2.6) */
	g.total_retrans = 9;
	g.info_base = 0x55;
	nlgen_diag(buf, 1, &g);
	T_EQ_I(nt_tcp_parse_diag((struct nlmsghdr *)buf, true, &d), 0, "short tcp_info parses");
	T_EQ_U(d.info.total_retrans, 9, "total_retrans from a 104-byte tcp_info");
	T_OK(!(d.info.avail & (1u << NT_TI_BYTES_RETRANS)), "bytes_retrans marked absent");
	T_OK(!(d.info.avail & (1u << NT_TI_TOTAL_RTO)), "total_rto marked absent");
	T_EQ_U(d.info.bytes_retrans, 0, "absent bytes_retrans zero-filled");
	T_EQ_U(d.info.total_rto, 0, "absent total_rto zero-filled");

	g.info_len = 232; /* Linux 6.1: no tcpi_total_rto */
	g.bytes_retrans = 77;
	g.total_rto = 3;
	nlgen_diag(buf, 1, &g);
	T_EQ_I(nt_tcp_parse_diag((struct nlmsghdr *)buf, true, &d), 0, "232-byte tcp_info parses");
	T_OK(d.info.avail & (1u << NT_TI_BYTES_RETRANS), "bytes_retrans present at 232 bytes");
	T_EQ_U(d.info.bytes_retrans, 77, "bytes_retrans value");
	T_OK(!(d.info.avail & (1u << NT_TI_TOTAL_RTO)), "total_rto absent at 232 bytes");

	g.info_len = 20; /* garbage-short: nothing we use */
	nlgen_diag(buf, 1, &g);
	T_EQ_I(nt_tcp_parse_diag((struct nlmsghdr *)buf, true, &d), 0, "20-byte tcp_info parses");
	T_EQ_U(d.info.avail, 0, "20-byte tcp_info: every field absent");
}

static void test_truncated(void)
{
	struct nlgen_diag g = v4(NT_TCP_ESTABLISHED, 1, 2);
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct nt_tcp_diag d;
	struct nt_tcp_sample s;
	struct nt_nl_walk w;
	size_t len;

	g.info_len = 248;
	len = nlgen_diag(buf, 1, &g);
	nlh->nlmsg_len = NLMSG_HDRLEN + sizeof(struct inet_diag_msg) - 1;
	T_EQ_I(nt_tcp_parse_diag(nlh, false, &d), -EINVAL, "message shorter than inet_diag_msg: -EINVAL");
	nlh->nlmsg_len = (uint32_t)len - 8; /* cuts into the tcp_info attribute */
	T_EQ_I(nt_tcp_parse_diag(nlh, true, &d), -EBADMSG, "attribute past the message: -EBADMSG");
	nlh->nlmsg_len = (uint32_t)len;
	nlh->nlmsg_type = 99;
	T_EQ_I(nt_tcp_parse_diag(nlh, false, &d), -EINVAL, "other message type: -EINVAL");

	/* the walker refuses a buffer that ends inside a message */
	memset(&s, 0, sizeof(s));
	s.mask = NT_TCP_ALL_STATES;
	len = nlgen_diag(buf, 1, &g);
	memset(&w, 0, sizeof(w));
	w.type = SOCK_DIAG_BY_FAMILY;
	w.cb = nt_tcp_count_cb;
	w.data = &s;
	T_EQ_I(nt_nl_walk(buf, len - 10, &w), -EBADMSG, "walk of a cut buffer: -EBADMSG");
	nt_tcp_sample_free(&s);
}

static void test_count(void)
{
	struct nt_tcp_sample s;
	struct nt_nl_walk w;
	struct nt_tcp_cw_count top[3];
	size_t off = 0, n;
	int i;

	memset(&s, 0, sizeof(s));
	s.mask = NT_TCP_ALL_STATES;
	s.keep_inodes = true;
	s.queue_warn_pct = 90;
	for (i = 0; i < 5; i++) {
		struct nlgen_diag g = v4(NT_TCP_ESTABLISHED, (uint16_t)(1000 + i), 80);

		off += nlgen_diag(buf + off, 1, &g);
	}
	for (i = 0; i < 7; i++) { /* CLOSE-WAIT: 4 on 8080, 2 on 9090, 1 on 22 */
		struct nlgen_diag g = v4(NT_TCP_CLOSE_WAIT, i < 4 ? 8080 : i < 6 ? 9090 : 22,
					 (uint16_t)(50000 + i));

		g.inode = 500u + (unsigned)i;
		off += nlgen_diag(buf + off, 1, &g);
	}
	{
		struct nlgen_diag g = v4(NT_TCP_LISTEN, 8080, 0);

		g.rqueue = 129; /* backlog + 1: the queue is over-full */
		g.wqueue = 128;
		off += nlgen_diag(buf + off, 1, &g);
		g = v4(NT_TCP_LISTEN, 22, 0);
		g.family = AF_INET6;
		memset(g.src, 0, 16);
		g.rqueue = 10;
		g.wqueue = 128;
		off += nlgen_diag(buf + off, 1, &g);
		g = v4(NT_TCP_TIME_WAIT, 1, 2);
		g.family = AF_INET6;
		off += nlgen_diag(buf + off, 1, &g);
		g = v4(13, 1, 2); /* TCP_BOUND_INACTIVE: not one of ours */
		off += nlgen_diag(buf + off, 1, &g);
	}
	off += nlgen_done(buf + off, 1, 0);
	memset(&w, 0, sizeof(w));
	w.type = SOCK_DIAG_BY_FAMILY;
	w.cb = nt_tcp_count_cb;
	w.data = &s;
	T_EQ_I(nt_nl_walk(buf, off, &w), 0, "walk ends at NLMSG_DONE");
	T_EQ_U(s.states[NT_TCP_ESTABLISHED - 1], 5, "5 established");
	T_EQ_U(s.states[NT_TCP_CLOSE_WAIT - 1], 7, "7 close_wait");
	T_EQ_U(s.states[NT_TCP_LISTEN - 1], 2, "2 listen");
	T_EQ_U(s.states[NT_TCP_TIME_WAIT - 1], 1, "1 time_wait");
	T_EQ_U(s.total, 15, "total excludes an unknown state");
	T_EQ_U(s.skipped, 1, "unknown state counted as skipped");
	T_EQ_U(s.v6, 2, "2 IPv6 sockets");
	T_EQ_U(s.n_cw_inodes, 7, "CLOSE-WAIT inodes kept for --procs");
	T_EQ_U(s.n_listen, 2, "2 listeners");
	T_STR(s.listen[0].subject, "192.0.2.1:8080", "listener subject addr:port");
	T_EQ_U(s.listen[0].queue, 129, "accept queue depth");
	T_EQ_U(s.listen[0].backlog, 128, "backlog");
	T_OK(s.listen[0].full, "queue over backlog flagged full");
	T_NEAR(s.listen[0].fill_pct, 100.0 * 129 / 128, 1e-9, "fill_pct");
	T_STR(s.listen[1].subject, "[::]:22", "IPv6 listener subject in brackets");
	T_OK(!s.listen[1].full, "10 of 128 not flagged");

	n = nt_tcp_cw_top(&s, top, 2);
	T_EQ_U(n, 2, "top 2 CLOSE-WAIT ports");
	T_EQ_U(top[0].port, 8080, "most CLOSE-WAIT on 8080");
	T_EQ_U(top[0].sockets, 4, "4 on 8080");
	T_EQ_U(top[1].port, 9090, "then 9090");
	T_STR(top[1].subject, "local port 9090", "port subject text");
	T_STR(top[1].side, "local", "a service port: side local");
	n = nt_tcp_cw_top(&s, top, 3);
	T_EQ_U(n, 3, "top 3 includes port 22");
	T_EQ_U(top[2].port, 22, "22 last");

	nt_tcp_sample_reset(&s);
	T_EQ_U(s.total + s.n_listen + s.n_cw_inodes + s.cw_ports[8080], 0, "reset clears counts");
	nt_tcp_sample_free(&s);
}

/* CLOSE-WAIT on ephemeral local ports: a listener's port is the server
 * side, any other is a client, named by the server it talks to. */
static void test_cw_group(void)
{
	struct nt_tcp_sample s;
	struct nt_tcp_cw_count top[4];
	size_t off = 0, n;
	int i;

	memset(&s, 0, sizeof(s));
	s.mask = (1u << NT_TCP_CLOSE_WAIT) | (1u << NT_TCP_ESTABLISHED);
	s.eph_lo = 40000;
	s.eph_hi = 50000;
	for (i = 0; i < 6; i++) { /* clients: 4 to 198.51.100.7:443, 2 to :80 */
		struct nlgen_diag g = v4(NT_TCP_CLOSE_WAIT, (uint16_t)(41000 + i),
					 i < 4 ? 443 : 80);

		off += nlgen_diag(buf + off, 1, &g);
	}
	for (i = 0; i < 3; i++) { /* a server on 45000 (in the range) */
		struct nlgen_diag g = v4(NT_TCP_CLOSE_WAIT, 45000, (uint16_t)(30000 + i));

		off += nlgen_diag(buf + off, 1, &g);
	}
	{
		struct nlgen_diag g = v4(NT_TCP_CLOSE_WAIT, 41001, 443);

		g.family = AF_INET6; /* the same peer bytes in another family */
		off += nlgen_diag(buf + off, 1, &g);
		/* the listener comes last in this dump, and LISTEN was not asked
		 * for: it is still seen, but not counted */
		g = v4(NT_TCP_LISTEN, 45000, 0);
		off += nlgen_diag(buf + off, 1, &g);
		g = v4(NT_TCP_ESTABLISHED, 41000, 443);
		off += nlgen_diag(buf + off, 1, &g);
	}
	off += nlgen_done(buf + off, 1, 0);
	T_EQ_U(nt_tcp_dump_mask(&s), s.mask | (1u << NT_TCP_LISTEN),
	       "CLOSE-WAIT asked for: listeners dumped too");
	T_EQ_I(nt_tcp_count_buf(&s, buf, off), 0, "count a canned dump");
	T_EQ_U(s.states[NT_TCP_CLOSE_WAIT - 1], 10, "10 CLOSE-WAIT");
	T_EQ_U(s.states[NT_TCP_LISTEN - 1], 0, "the listener not counted (not asked for)");
	T_EQ_U(s.n_listen, 0, "nor listed");
	T_EQ_U(s.total, 11, "total: the asked states");
	T_EQ_U(s.n_cw_peers, 3, "3 peer services (v4 :80, v4 :443, v6 :443)");
	n = nt_tcp_cw_top(&s, top, 4);
	T_EQ_U(n, 4, "4 groups");
	T_STR(top[0].subject, "peer 198.51.100.7:443", "most: the clients of 198.51.100.7:443");
	T_EQ_U(top[0].sockets, 4, "4 of them");
	T_STR(top[0].addr, "198.51.100.7", "addr: the peer");
	T_EQ_U(top[0].port, 443, "port: the peer's");
	T_STR(top[1].subject, "local port 45000", "then the server on 45000 (a listener's port)");
	T_EQ_U(top[1].sockets, 3, "3 on it");
	T_STR(top[2].subject, "peer 198.51.100.7:80", "then :80");
	T_STR(top[3].side, "peer", "the IPv6 one");
	T_STR(top[3].subject, "peer [c633:6407::]:443", "an IPv6 peer in brackets");
	n = nt_tcp_cw_top(&s, top, 1);
	T_EQ_U(n, 1, "top 1");
	T_EQ_U(top[0].sockets, 4, "keeps the biggest");
	T_EQ_I(nt_tcp_count_buf(&s, buf, off - 20), -EBADMSG, "a cut dump is an error");
	nt_tcp_sample_free(&s);
}

static void test_top(void)
{
	struct nt_tcp_top t;
	unsigned rt[] = { 5, 0, 17, 3, 17, 9, 1, 0, 40, 2 };
	size_t i;

	T_EQ_I(nt_tcp_top_init(&t, 3), 0, "top init");
	for (i = 0; i < sizeof(rt) / sizeof(rt[0]); i++) {
		struct nlgen_diag g = v4(NT_TCP_ESTABLISHED, (uint16_t)(100 + i), 80);
		struct nt_tcp_diag d;

		g.info_len = 248;
		g.total_retrans = rt[i];
		g.lost = (uint32_t)i; /* tie-break of the two 17s: higher lost first */
		nlgen_diag(buf, 1, &g);
		nt_tcp_top_cb((struct nlmsghdr *)buf, &t);
		(void)d;
	}
	nt_tcp_top_sort(&t);
	T_EQ_U(t.seen, 10, "10 sockets examined");
	T_EQ_U(t.n, 3, "3 kept");
	T_EQ_U(t.v[0].total_retrans, 40, "first: 40 retransmits");
	T_EQ_U(t.v[1].total_retrans, 17, "second: 17");
	T_EQ_U(t.v[1].sport, 104, "tie broken by tcpi_lost (port 104 lost 4)");
	T_EQ_U(t.v[2].sport, 102, "third: the other 17");
	T_STR(t.v[0].dst, "198.51.100.7", "peer address text");
	T_STR(t.v[0].state, "established", "state name");
	nt_tcp_top_free(&t);
}

static void test_states(void)
{
	uint32_t m = 0;
	char bad[32];

	T_EQ_I(nt_tcp_parse_states("established", &m, bad, sizeof(bad)), 0, "established");
	T_EQ_U(m, 1u << 1, "established bit 1");
	T_EQ_I(nt_tcp_parse_states("time-wait,CLOSE_WAIT,estab,listening", &m, bad, sizeof(bad)), 0,
	       "ss spellings and case");
	T_EQ_U(m, (1u << 6) | (1u << 8) | (1u << 1) | (1u << 10), "bits 6, 8, 1, 10");
	T_EQ_I(nt_tcp_parse_states("all", &m, bad, sizeof(bad)), 0, "all");
	T_EQ_U(m, NT_TCP_ALL_STATES, "all = bits 1..12");
	T_EQ_I(nt_tcp_parse_states("established,bogus", &m, bad, sizeof(bad)), -EINVAL, "unknown state rejected");
	T_STR(bad, "bogus", "the bad name is reported");
	T_EQ_I(nt_tcp_parse_states("established,", &m, bad, sizeof(bad)), -EINVAL, "trailing comma rejected");
	T_EQ_I(nt_tcp_parse_states("", &m, bad, sizeof(bad)), -EINVAL, "empty rejected");
	T_STR(bad, "", "an empty element is reported as \"\"");
	T_EQ_I(nt_tcp_parse_states("bogus-and-far-too-long-a-state-name-to-keep", &m, bad, 8),
	       -EINVAL, "a long bad name");
	T_STR(bad, "bogus-a", "is cut to the caller's buffer");
}

static const char snmp[] =
	"Ip: Forwarding DefaultTTL InReceives\n"
	"Ip: 1 64 12345\n"
	"Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\n"
	"Tcp: 1 200 120000 -1 14 2 0 0 3 1391 843 7 0 2 0\n"
	"Udp: InDatagrams NoPorts\n"
	"Udp: 5 6\n";

/* reordered, with a field this build has never heard of */
static const char snmp_reordered[] =
	"Tcp: OutSegs FutureCounter RetransSegs InSegs\n"
	"Tcp: 900 42 12 1000\n";

static const char netstat[] =
	"TcpExt: SyncookiesSent TW ListenOverflows ListenDrops TCPTimeouts TCPBrandNewThing\n"
	"TcpExt: 0 10 3 4 5 18446744073709551615\n"
	"IpExt: InNoRoutes InTruncatedPkts\n"
	"IpExt: 0 0\n";

static void test_counters(void)
{
	struct nt_tcp_ctrs c;
	uint64_t v = 0;

	T_EQ_I(nt_tcp_parse_counters(snmp, sizeof(snmp) - 1, "Tcp", &c), 0, "snmp Tcp parses");
	T_EQ_U(c.n, 15, "15 Tcp fields");
	T_OK(nt_tcp_ctr_get(&c, "RetransSegs", &v) && v == 7, "RetransSegs by name");
	T_OK(nt_tcp_ctr_get(&c, "OutSegs", &v) && v == 843, "OutSegs by name");
	T_OK(c.v[3].neg && c.v[3].v == 1 && !strcmp(c.v[3].name, "MaxConn"), "MaxConn -1 kept negative");
	T_OK(!nt_tcp_ctr_get(&c, "MaxConn", &v), "negative value not returned as a counter");
	nt_tcp_ctrs_free(&c);

	T_EQ_I(nt_tcp_parse_counters(snmp_reordered, sizeof(snmp_reordered) - 1, "Tcp", &c), 0,
	       "reordered Tcp parses");
	T_OK(nt_tcp_ctr_get(&c, "RetransSegs", &v) && v == 12, "reordered: RetransSegs by header name");
	T_OK(nt_tcp_ctr_get(&c, "FutureCounter", &v) && v == 42, "unknown field kept");
	nt_tcp_ctrs_free(&c);

	T_EQ_I(nt_tcp_parse_counters(netstat, sizeof(netstat) - 1, "TcpExt", &c), 0, "TcpExt parses");
	T_EQ_U(c.n, 6, "6 TcpExt fields");
	T_OK(nt_tcp_ctr_get(&c, "ListenOverflows", &v) && v == 3, "ListenOverflows");
	T_OK(nt_tcp_ctr_get(&c, "TCPBrandNewThing", &v) && v == UINT64_MAX, "unknown TcpExt field kept, full u64");
	nt_tcp_ctrs_free(&c);

	T_EQ_I(nt_tcp_parse_counters(netstat, sizeof(netstat) - 1, "Tcp", &c), -ENOENT,
	       "\"Tcp\" does not match the TcpExt lines");
	T_EQ_I(nt_tcp_parse_counters(snmp, sizeof(snmp) - 1, "TcpExt", &c), -ENOENT,
	       "missing TcpExt line: -ENOENT");
	T_OK(!c.present && c.n == 0, "missing: empty, not present");
	T_EQ_I(nt_tcp_parse_counters("Tcp: A B\nTcp: 1\n", 16, "Tcp", &c), -EINVAL, "fewer values: -EINVAL");
	T_EQ_I(nt_tcp_parse_counters("Tcp: A B\nTcp: 1 2 3\n", 20, "Tcp", &c), -EINVAL, "more values: -EINVAL");
	T_EQ_I(nt_tcp_parse_counters("Tcp: A B\n", 9, "Tcp", &c), -EINVAL, "header without values: -EINVAL");
	T_EQ_I(nt_tcp_parse_counters("Tcp: A B\nTcp: 1 x\n", 18, "Tcp", &c), -EINVAL, "non-number: -EINVAL");
	T_EQ_I(nt_tcp_parse_counters("Tcp: A A\nTcp: 1 2\n", 18, "Tcp", &c), -EINVAL, "repeated name: -EINVAL");
	T_EQ_I(nt_tcp_parse_counters("Tcp: A\nTcp: 99999999999999999999\n", 32, "Tcp", &c), -EINVAL,
	       "value past u64: -EINVAL");
	/* length bound respected: the values line is outside len */
	T_EQ_I(nt_tcp_parse_counters("Tcp: A\nTcp: 5\n", 7, "Tcp", &c), -EINVAL, "len bounds the text");
	T_EQ_I(nt_tcp_parse_counters("Tcp: A\r\nTcp: 5\r\n", 16, "Tcp", &c), 0, "CRLF tolerated");
	nt_tcp_ctrs_free(&c);
}

static void test_snake(void)
{
	char b[64];

	nt_tcp_snake("RetransSegs", b, sizeof(b));
	T_STR(b, "retrans_segs", "RetransSegs");
	nt_tcp_snake("TCPLostRetransmit", b, sizeof(b));
	T_STR(b, "tcp_lost_retransmit", "TCPLostRetransmit");
	nt_tcp_snake("TWKilled", b, sizeof(b));
	T_STR(b, "tw_killed", "TWKilled");
	nt_tcp_snake("TCPMD5NotFound", b, sizeof(b));
	T_STR(b, "tcpmd5_not_found", "TCPMD5NotFound");
	nt_tcp_snake("InCsumErrors", b, sizeof(b));
	T_STR(b, "in_csum_errors", "InCsumErrors");
	T_EQ_I(nt_tcp_snake("AVeryLongName", b, 8), -ENOSPC, "too long: -ENOSPC");
}

static void test_dst_bytecode(void)
{
	struct nt_tcp_filter f;
	struct inet_diag_bc_op op[8];
	uint8_t bc[128];
	int n;

	memset(&f, 0, sizeof(f));
	f.dport = f.sport = -1;
	T_EQ_I(nt_tcp_bytecode(&f, bc, sizeof(bc)), 0, "no filter: no bytecode");
	f.dport = 443;
	n = nt_tcp_bytecode(&f, bc, sizeof(bc));
	T_EQ_I(n, 8, "dport: 8 bytes");
	memcpy(op, bc, 8);
	T_OK(op[0].code == INET_DIAG_BC_D_EQ && op[0].yes == 8 && op[0].no == 12 &&
	     op[1].no == 443, "D_EQ yes=8 no=12 port=443 (as ss builds it)");

	T_EQ_I(nt_tcp_parse_dst("198.51.100.0/24", &f), 0, "--dst v4 prefix");
	T_EQ_U(f.dst_prefix, 24, "prefix 24");
	f.sport = 22;
	n = nt_tcp_bytecode(&f, bc, sizeof(bc));
	T_EQ_I(n, 16 + 8 + 8, "dst(16) + dport(8) + sport(8)");
	memcpy(op, bc, (size_t)n);
	T_OK(op[0].code == INET_DIAG_BC_D_COND && op[0].yes == 16 && op[0].no == 36,
	     "D_COND yes=16 no=len+4");
	T_OK(op[4].code == INET_DIAG_BC_D_EQ && op[4].yes == 8 && op[4].no == 20, "then D_EQ no=20");
	T_OK(op[6].code == INET_DIAG_BC_S_EQ && op[6].yes == 8 && op[6].no == 12 && op[7].no == 22,
	     "then S_EQ 22 no=12");
	T_EQ_I(nt_tcp_parse_dst("2001:db8::/32", &f), 0, "--dst v6 prefix");
	T_EQ_U(f.dst_family, AF_INET6, "v6 family");
	T_EQ_I(nt_tcp_parse_dst("[2001:db8::1]", &f), 0, "--dst [v6]");
	T_EQ_U(f.dst_prefix, 128, "v6 host prefix 128");
	T_EQ_I(nt_tcp_parse_dst("192.0.2.1/33", &f), -EINVAL, "prefix 33 rejected");
	T_EQ_I(nt_tcp_parse_dst("example.org", &f), -EINVAL, "a name is rejected");
	T_EQ_I(nt_tcp_parse_dst("192.0.2.1/", &f), -EINVAL, "empty prefix rejected");
	T_EQ_I(nt_tcp_bytecode(&f, bc, 4), -ENOSPC, "small buffer: -ENOSPC");
}

int main(void)
{
	test_v4_noinfo();
	test_v6_info();
	test_short_info();
	test_truncated();
	test_count();
	test_cw_group();
	test_top();
	test_states();
	test_counters();
	test_snake();
	test_dst_bytecode();
	return T_DONE();
}
