/* Unit tests for the tcp layer's ephemeral-port and SYN-queue checks:
 * ip_local_port_range / ip_local_reserved_ports parsing, per-destination
 * counting (which sockets count, v4-mapped, listeners, reserved ports),
 * the cap on destinations, the top list, and the verdict levels of
 * tcp.ephemeral and tcp.synq at their thresholds. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "nt_tcp.h"
#include "t.h"
#include "t_verdict.h"

static bool resv(const uint8_t *m, unsigned p)
{
	return m[p / 8] & (1u << (p % 8));
}

static void test_range(void)
{
	uint16_t lo = 0, hi = 0;
	static const char *const bad[] = {
		"", "\n", "32768", "32768\n", "0 100", "100 99", "1 65536", "a 2",
		"1 2 3", "1-2", "1\t2x", "123456 7", "-1 5", "1,2", " 1 \n 2 x",
	};
	size_t i;

	T_EQ_I(nt_tcp_parse_port_range("32768\t60999\n", 12, &lo, &hi), 0,
	       "ip_local_port_range: the kernel's tab form");
	T_EQ_U(lo, 32768, "lo");
	T_EQ_U(hi, 60999, "hi");
	T_EQ_I(nt_tcp_parse_port_range("  40000   40999  \r\n", 19, &lo, &hi), 0,
	       "spaces around and between");
	T_EQ_U(hi - lo + 1, 1000, "40000-40999 is 1000 ports");
	T_EQ_I(nt_tcp_parse_port_range("7 7", 3, &lo, &hi), 0, "one port: lo == hi");
	T_EQ_I(nt_tcp_parse_port_range("1 65535", 7, &lo, &hi), 0, "the widest range");
	T_EQ_I(nt_tcp_parse_port_range("1 65535xyz", 7, &lo, &hi), 0,
	       "len is honoured (bytes past it not read)");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		T_EQ_I(nt_tcp_parse_port_range(bad[i], strlen(bad[i]), &lo, &hi), -EINVAL,
		       "range rejected: bad[%zu]", i);
}

static void test_reserved(void)
{
	uint8_t m[65536 / 8];
	static const char *const bad[] = {
		",", "1,", ",1", "1,,2", "5-3", "1-", "-1", "65536", "1-65536", "a",
		"1 2", "1;2", "100000", "1--2", "1-2-3",
	};
	const char *t = "40000-40099,40500,50000-50010\n";
	size_t i;

	T_EQ_I(nt_tcp_parse_reserved(t, strlen(t), m), 0, "a-b,c,d-e");
	T_OK(resv(m, 40000) && resv(m, 40099) && !resv(m, 40100) && !resv(m, 39999),
	     "40000-40099: both ends in, neighbours out");
	T_OK(resv(m, 40500) && !resv(m, 40501) && resv(m, 50010) && !resv(m, 50011),
	     "a single port and the last range");
	T_EQ_U(nt_tcp_usable_ports(40000, 40999, m), 1000 - 101,
	       "usable: the range minus the 101 reserved inside it");
	T_EQ_U(nt_tcp_usable_ports(32768, 60999, m), 28232 - 101 - 11,
	       "a wider range holds the 11 of 50000-50010 too");
	T_EQ_I(nt_tcp_parse_reserved("\n", 1, m), 0, "empty list: none reserved");
	T_EQ_U(nt_tcp_usable_ports(1, 65535, m), 65535, "none reserved: all usable");
	T_EQ_I(nt_tcp_parse_reserved("", 0, m), 0, "zero bytes: none reserved");
	T_EQ_I(nt_tcp_parse_reserved("0-65535", 7, m), 0, "everything");
	T_EQ_U(nt_tcp_usable_ports(1, 65535, m), 0, "everything reserved: none usable");
	T_EQ_I(nt_tcp_parse_reserved(" 8080 \n", 7, m), 0, "white space around");
	T_OK(resv(m, 8080) && !resv(m, 0), "8080 only (the map was cleared first)");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		T_EQ_I(nt_tcp_parse_reserved(bad[i], strlen(bad[i]), m), -EINVAL,
		       "reserved list rejected: bad[%zu] %s", i, bad[i]);
		T_EQ_U(nt_tcp_usable_ports(0, 65535, m), 65536, "... and the map left empty");
	}
}

/* A decoded socket; the address family follows the text ("::" in it: IPv6). */
static void sock(struct nt_tcp_diag *d, uint8_t state, const char *src, uint16_t sport,
		 const char *dst, uint16_t dport)
{
	int af = strchr(src, ':') ? AF_INET6 : AF_INET;

	memset(d, 0, sizeof(*d));
	d->family = (uint8_t)af;
	d->state = state;
	d->sport = sport;
	d->dport = dport;
	inet_pton(af, src, d->src);
	inet_pton(af, dst, d->dst);
}

static void sample(struct nt_tcp_sample *s)
{
	memset(s, 0, sizeof(*s));
	s->mask = NT_TCP_ALL_STATES;
	s->eph_on = true;
	s->eph_lo = 40000;
	s->eph_hi = 40999;
}

static void test_count(void)
{
	struct nt_tcp_sample s;
	struct nt_tcp_eph_count top[4];
	struct nt_tcp_eph_info info;
	struct nt_tcp_diag d;
	size_t n;
	unsigned i, fails = 0;

	sample(&s);
	nt_tcp_parse_reserved("40900-40999", 11, s.eph_resv);
	s.eph_resv_ok = true;
	s.listen_ports[40750 / 8] |= 1u << (40750 % 8); /* a listener on 40750 */
	for (i = 0; i < 700; i++) { /* 700 clients to 192.0.2.1:443, states mixed */
		sock(&d, i % 3 ? NT_TCP_ESTABLISHED : NT_TCP_TIME_WAIT, "198.51.100.7",
		      (uint16_t)(40000 + i), "192.0.2.1", 443);
		fails += nt_tcp_eph_count(&s, &d) != 0;
	}
	T_EQ_U(fails, 0, "700 counted without error");
	/* the same local ports to another destination: a separate count */
	for (i = 0; i < 10; i++) {
		sock(&d, NT_TCP_CLOSE_WAIT, "198.51.100.7", (uint16_t)(40000 + i), "192.0.2.2", 443);
		nt_tcp_eph_count(&s, &d);
	}
	/* v4-mapped IPv6: counted with the IPv4 destination */
	sock(&d, NT_TCP_ESTABLISHED, "::ffff:198.51.100.7", 40800, "::ffff:192.0.2.1", 443);
	nt_tcp_eph_count(&s, &d);
	/* IPv6 proper */
	sock(&d, 2 /* SYN-SENT */, "2001:db8::1", 40801, "2001:db8::2", 80);
	nt_tcp_eph_count(&s, &d);
	/* not counted: outside the range, reserved, the listener's port */
	sock(&d, NT_TCP_ESTABLISHED, "198.51.100.7", 39999, "192.0.2.1", 443);
	nt_tcp_eph_count(&s, &d);
	sock(&d, NT_TCP_ESTABLISHED, "198.51.100.7", 41000, "192.0.2.1", 443);
	nt_tcp_eph_count(&s, &d);
	sock(&d, NT_TCP_ESTABLISHED, "198.51.100.7", 40950, "192.0.2.1", 443);
	nt_tcp_eph_count(&s, &d);
	sock(&d, NT_TCP_ESTABLISHED, "198.51.100.7", 40750, "192.0.2.9", 5555);
	nt_tcp_eph_count(&s, &d);

	T_EQ_U(s.eph_sockets, 700 + 10 + 2, "counted: 700 + 10 + mapped + v6, not the 4 others");
	T_EQ_U(s.eph_n, 3, "3 destinations (the mapped one joins 192.0.2.1:443)");
	n = nt_tcp_eph_top(&s, 900, top, 4);
	T_EQ_U(n, 3, "top: 3");
	T_STR(top[0].subject, "198.51.100.7 -> 192.0.2.1:443", "top[0] subject LADDR -> RADDR:RPORT");
	T_EQ_U(top[0].sockets, 701, "700 + the v4-mapped one");
	T_NEAR(top[0].in_use_pct, 100.0 * 701 / 900, 1e-9, "in_use_pct against usable");
	T_EQ_U(top[1].sockets, 10, "the second destination, same local ports");
	T_STR(top[1].raddr, "192.0.2.2", "its address");
	T_STR(top[2].subject, "2001:db8::1 -> [2001:db8::2]:80", "IPv6: the peer in brackets");
	n = nt_tcp_eph_top(&s, 900, top, 1);
	T_EQ_U(n, 1, "top 1 keeps the busiest");
	T_EQ_U(top[0].sockets, 701, "... which is 192.0.2.1:443");
	nt_tcp_eph_info(&s, &info);
	T_EQ_U(info.usable, 900, "info: 1000 - 100 reserved");
	T_EQ_U(info.reserved, 100, "info: reserved inside the range");
	T_EQ_U(info.avail, 1, "info: reserved list known");
	/* reset keeps the buffer and clears the counts */
	nt_tcp_sample_reset(&s);
	T_EQ_U(s.eph_n + s.eph_sockets, 0, "reset clears the counts");
	T_EQ_U(nt_tcp_eph_top(&s, 900, top, 4), 0, "and the table");
	nt_tcp_sample_free(&s);
}

static void test_cap(void)
{
	struct nt_tcp_sample s;
	struct nt_tcp_eph_count top[2];
	struct nt_tcp_diag d;
	char a[32];
	unsigned i;

	sample(&s);
	/* NT_TCP_EPH_CAP + 100 destinations, one socket each (ports of one
	 * address 192.0.2.1), then 5 more sockets to the first: tracked */
	for (i = 0; i < NT_TCP_EPH_CAP + 100; i++) {
		snprintf(a, sizeof(a), "10.%u.%u.1", (i >> 8) & 255, i & 255);
		sock(&d, NT_TCP_ESTABLISHED, "198.51.100.7", 40000, a, 443);
		if (nt_tcp_eph_count(&s, &d))
			break;
	}
	for (i = 0; i < 5; i++) {
		sock(&d, NT_TCP_ESTABLISHED, "198.51.100.7", (uint16_t)(40001 + i), "10.0.0.1", 443);
		nt_tcp_eph_count(&s, &d);
	}
	T_EQ_U(s.eph_n, NT_TCP_EPH_CAP, "destinations capped at NT_TCP_EPH_CAP");
	T_EQ_U(s.eph_untracked, 100, "the 100 past the cap: untracked sockets");
	T_EQ_U(s.eph_sockets, NT_TCP_EPH_CAP + 105, "every socket still in the total");
	T_OK(s.eph_slots <= 2 * NT_TCP_EPH_CAP, "hash bounded: %zu slots", s.eph_slots);
	T_EQ_U(nt_tcp_eph_top(&s, 1000, top, 2), 2, "top 2");
	T_EQ_U(top[0].sockets, 6, "a tracked destination keeps counting past the cap");
	T_STR(top[0].raddr, "10.0.0.1", "... 10.0.0.1");
	{
		/* a list longer than 64: the sorted path */
		struct nt_tcp_eph_count *big = calloc(100, sizeof(*big));
		size_t k = big ? nt_tcp_eph_top(&s, 1000, big, 100) : 0;

		T_EQ_U(k, 100, "top 100 of the tracked destinations");
		T_OK(k && big[0].sockets == 6 && big[99].sockets == 1 && !strcmp(big[0].raddr, "10.0.0.1"),
		     "the long list: the busiest first, then the single ones");
		T_OK(k && !strcmp(big[1].raddr, "10.0.1.1") && !strcmp(big[2].raddr, "10.0.2.1"),
		     "ties in key (address) order, as in the short list");
		free(big);
	}
	{
		struct nt_tcp_eph_count two[3];

		T_EQ_U(nt_tcp_eph_top(&s, 1000, two, 3), 3, "top 3 (short path)");
		T_OK(!strcmp(two[1].raddr, "10.0.1.1") && !strcmp(two[2].raddr, "10.0.2.1"),
		     "the short path breaks ties the same way");
	}
	nt_tcp_sample_free(&s);
}

#define EXTHDR "TcpExt: TCPReqQFullDrop TCPReqQFullDoCookies SyncookiesSent SyncookiesFailed\n"

static void ctrs(struct nt_tcp_ctrs *c, const char *text, const char *prefix)
{
	if (nt_tcp_parse_counters(text, strlen(text), prefix, c))
		abort();
}

static void test_verdicts(void)
{
	struct nt_tcp_counters p, c;
	struct nt_tcp_sample s;
	struct nt_tcp_thresholds t;
	struct nt_verdicts vs = { 0 };
	struct nt_tcp_eph_info info = { 40000, 40999, 0, 1000, 0, 1, 0, 1 };
	struct nt_tcp_eph_count top[2];
	struct nt_tcp_view v;
	const struct nt_verdict *vd = NULL;
	static const struct { uint64_t n; int level; } lv[] = {
		{ 499, NT_OK }, { 500, NT_WARN }, { 799, NT_WARN }, { 800, NT_CRIT }, { 1000, NT_CRIT },
	};
	size_t i;

	memset(&p, 0, sizeof(p));
	memset(&c, 0, sizeof(c));
	memset(&s, 0, sizeof(s));
	memset(top, 0, sizeof(top));
	nt_tcp_thresholds_default(&t);
	T_NEAR(t.warn_eph, 50, 0, "default --warn-ephemeral 50");
	T_NEAR(t.crit_eph, 80, 0, "default --crit-ephemeral 80");
	s.mask = NT_TCP_ALL_STATES;
	ctrs(&p.tcpext, EXTHDR "TcpExt: 5 0 0 0\n", "TcpExt");
	ctrs(&c.tcpext, EXTHDR "TcpExt: 9 0 2 0\n", "TcpExt");
	memset(&v, 0, sizeof(v));
	v.s = &s;
	v.c = &c;
	v.prev = &p;
	v.dt = 10;
	v.since = "over the interval";
	v.eph = &info;
	v.eph_judged = true;
	v.eph_top = top;
	v.n_eph_top = 1;
	snprintf(top[0].subject, sizeof(top[0].subject), "127.0.0.1 -> 127.0.0.1:6300");
	snprintf(top[0].laddr, sizeof(top[0].laddr), "127.0.0.1");
	snprintf(top[0].raddr, sizeof(top[0].raddr), "127.0.0.1");
	top[0].rport = 6300;
	top[0].usable = 1000;
	for (i = 0; i < sizeof(lv) / sizeof(lv[0]); i++) {
		nt_verdicts_reset(&vs);
		top[0].sockets = lv[i].n;
		top[0].in_use_pct = 100.0 * (double)lv[i].n / 1000;
		nt_tcp_verdicts(&v, &t, &vs);
		if (lv[i].level == NT_OK) {
			T_EQ_I(t_level(&vs, "tcp.ephemeral", ""), NT_OK, "%llu of 1000: OK",
			       (unsigned long long)lv[i].n);
			T_OK(strstr(t_verdict(&vs, "tcp.ephemeral", "")->reason,
				    "127.0.0.1 -> 127.0.0.1:6300") != NULL, "OK names the busiest");
			continue;
		}
		vd = t_verdict(&vs, "tcp.ephemeral", "127.0.0.1 -> 127.0.0.1:6300");
		T_EQ_I(vd ? (int)vd->level : -1, lv[i].level, "%llu of 1000: %s",
		       (unsigned long long)lv[i].n, lv[i].level == NT_WARN ? "WARN" : "CRIT");
		T_OK(vd && strstr(vd->reason, "to 127.0.0.1:6300") && strstr(vd->hint, "pool") &&
		     strstr(vd->hint, "ip_local_port_range") && strstr(vd->hint, "tcp_tw_reuse"),
		     "reason names the destination, the hint reuse/range/tw_reuse");
	}
	T_OK(vd && strstr(vd->reason, "1000 of 1000 usable") != NULL, "reason: count/usable (%s)",
	     vd ? vd->reason : "none");
	/* a second destination over WARN: its own line */
	nt_verdicts_reset(&vs);
	top[0].sockets = 600;
	top[0].in_use_pct = 60;
	top[1] = top[0];
	snprintf(top[1].subject, sizeof(top[1].subject), "::1 -> [::1]:80");
	snprintf(top[1].raddr, sizeof(top[1].raddr), "::1");
	top[1].rport = 80;
	v.n_eph_top = 2;
	nt_tcp_verdicts(&v, &t, &vs);
	T_EQ_I(t_level(&vs, "tcp.ephemeral", "::1 -> [::1]:80"), NT_WARN, "second destination judged");
	T_OK(strstr(t_verdict(&vs, "tcp.ephemeral", "::1 -> [::1]:80")->reason, "to [::1]:80") != NULL,
	     "IPv6 destination in brackets in the reason");
	T_EQ_I(t_level(&vs, "tcp.ephemeral", ""), -1, "no OK line when a destination is judged");
	/* not judged: --state left states out; the range unreadable: UNKNOWN */
	nt_verdicts_reset(&vs);
	v.eph_judged = false;
	nt_tcp_verdicts(&v, &t, &vs);
	T_EQ_I(t_level(&vs, "tcp.ephemeral", ""), -1, "--state: no tcp.ephemeral verdict");
	nt_verdicts_reset(&vs);
	v.eph_judged = true;
	v.eph_err = -ENOENT;
	nt_tcp_verdicts(&v, &t, &vs);
	T_EQ_I(t_level(&vs, "tcp.ephemeral", ""), NT_UNKNOWN, "range unreadable: UNKNOWN");
	v.eph_err = 0;
	/* untracked sockets are said */
	nt_verdicts_reset(&vs);
	info.untracked = 7;
	top[0].in_use_pct = 1;
	v.n_eph_top = 1;
	nt_tcp_verdicts(&v, &t, &vs);
	T_OK(strstr(t_verdict(&vs, "tcp.ephemeral", "")->reason, "7 sockets to destinations past") != NULL,
	     "untracked sockets named in the reason");

	/* tcp.synq: a rise WARNs naming the counter; flat ones OK */
	T_EQ_I(t_level(&vs, "tcp.synq", "TCPReqQFullDrop"), NT_WARN, "TCPReqQFullDrop +4: WARN");
	vd = t_verdict(&vs, "tcp.synq", "TCPReqQFullDrop");
	T_OK(vd && vd->value == 4 && strstr(vd->reason, "rose by 4") &&
	     strstr(vd->hint, "SYN flood") && strstr(vd->hint, "tcp_max_syn_backlog"),
	     "value 4, the hint: SYN flood / tcp_max_syn_backlog");
	T_EQ_I(t_level(&vs, "tcp.synq", "SyncookiesSent"), NT_WARN, "SyncookiesSent +2: WARN");
	T_EQ_I(t_level(&vs, "tcp.synq", "TCPReqQFullDoCookies"), NT_OK, "flat: OK");
	T_EQ_I(t_level(&vs, "tcp.synq", "SyncookiesFailed"), NT_OK, "flat: OK");
	/* no baseline: not judged */
	nt_verdicts_reset(&vs);
	v.prev = NULL;
	nt_tcp_verdicts(&v, &t, &vs);
	T_EQ_I(t_level(&vs, "tcp.synq", "TCPReqQFullDrop"), NT_OK, "first run: OK, since boot");
	/* a kernel without the counter: UNKNOWN */
	nt_verdicts_reset(&vs);
	nt_tcp_ctrs_free(&c.tcpext);
	ctrs(&c.tcpext, "TcpExt: SyncookiesSent\nTcpExt: 1\n", "TcpExt");
	nt_tcp_verdicts(&v, &t, &vs);
	T_EQ_I(t_level(&vs, "tcp.synq", "TCPReqQFullDrop"), NT_UNKNOWN, "counter missing: UNKNOWN");

	nt_verdicts_free(&vs);
	nt_tcp_counters_free(&p);
	nt_tcp_counters_free(&c);
}

int main(void)
{
	test_range();
	test_reserved();
	test_count();
	test_cap();
	test_verdicts();
	return T_DONE();
}
