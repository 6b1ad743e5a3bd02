/* Unit tests: conntrack event messages decoded through libnetfilter_conntrack
 * on canned bytes, the window's accounting (per second, per protocol, top
 * sources/destinations, error bound), the time-to-full projection and its
 * verdict, and the bytes of the filtered dump request. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include "nt_conntrack.h"
#include "nt_verdict.h"
#include "nlgen.h"
#include "t.h"
#include "t_verdict.h"

static _Alignas(8) char buf[1 << 14];

static size_t ev_msg(uint8_t family, uint8_t proto, const char *src,
		     const char *dst, uint16_t msg, uint16_t flags)
{
	struct nlgen_ct c = { family, proto, src, dst, 40000, 80, 8, 0, -1, 0, 0,
			      -1, 0 };
	size_t n = nlgen_ct_entry(buf, 0, &c);
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

	nlh->nlmsg_type = (uint16_t)((NFNL_SUBSYS_CTNETLINK << 8) | msg);
	nlh->nlmsg_flags = flags;
	return n;
}

static void test_parse(void)
{
	struct nt_ct_event ev;
	struct in6_addr a6;
	uint8_t a4[4];
	size_t n;

	n = ev_msg(AF_INET, IPPROTO_TCP, "192.0.2.7", "203.0.113.9",
		   IPCTNL_MSG_CT_NEW, NLM_F_CREATE | NLM_F_EXCL);
	T_EQ_I(nt_ct_event_parse(buf, n, &ev), 0, "NEW event parses");
	T_EQ_I(ev.type, NT_CTEV_NEW, "CT_NEW with NLM_F_CREATE is NEW");
	T_EQ_U(ev.e.family, AF_INET, "family from the original tuple");
	T_EQ_U(ev.e.proto, IPPROTO_TCP, "protocol");
	inet_pton(AF_INET, "192.0.2.7", a4);
	T_OK((ev.e.have & NT_CTE_SRC) && !memcmp(ev.e.src, a4, 4), "source address");
	inet_pton(AF_INET, "203.0.113.9", a4);
	T_OK((ev.e.have & NT_CTE_DST) && !memcmp(ev.e.dst, a4, 4), "destination address");

	n = ev_msg(AF_INET, IPPROTO_UDP, "192.0.2.7", "203.0.113.9",
		   IPCTNL_MSG_CT_NEW, 0);
	T_EQ_I(nt_ct_event_parse(buf, n, &ev), 0, "UPDATE event parses");
	T_EQ_I(ev.type, NT_CTEV_OTHER, "CT_NEW without NLM_F_CREATE is an update");

	n = ev_msg(AF_INET6, IPPROTO_UDP, "2001:db8::1", "2001:db8::2",
		   IPCTNL_MSG_CT_DELETE, 0);
	T_EQ_I(nt_ct_event_parse(buf, n, &ev), 0, "DESTROY event parses");
	T_EQ_I(ev.type, NT_CTEV_DESTROY, "CT_DELETE is DESTROY");
	inet_pton(AF_INET6, "2001:db8::1", &a6);
	T_OK(ev.e.family == AF_INET6 && (ev.e.have & NT_CTE_SRC) &&
	     !memcmp(ev.e.src, &a6, 16), "IPv6 source address");
	T_EQ_U(ev.e.proto, IPPROTO_UDP, "IPv6 protocol");

	/* lengths: short buffer, nlmsg_len past the buffer, not ctnetlink */
	n = ev_msg(AF_INET, IPPROTO_TCP, "192.0.2.7", "203.0.113.9",
		   IPCTNL_MSG_CT_NEW, NLM_F_CREATE);
	T_EQ_I(nt_ct_event_parse(buf, 10, &ev), -EINVAL, "short buffer refused");
	T_EQ_I(nt_ct_event_parse(buf, n - 4, &ev), -EINVAL,
	       "nlmsg_len beyond the bytes given refused");
	((struct nlmsghdr *)buf)->nlmsg_type = (NFNL_SUBSYS_QUEUE << 8) | 0;
	T_EQ_I(nt_ct_event_parse(buf, n, &ev), -EINVAL, "another subsystem refused");
	ev_msg(AF_INET, IPPROTO_TCP, "192.0.2.7", "203.0.113.9",
	       IPCTNL_MSG_CT_GET_STATS, 0);
	T_EQ_I(nt_ct_event_parse(buf, n, &ev), 0, "a stats message is no event");
	T_EQ_I(ev.type, NT_CTEV_OTHER, "and counts as other");
}

static struct nt_ct_event mk(enum nt_ct_ev_type t, uint8_t proto,
			     const char *src, const char *dst)
{
	struct nt_ct_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = t;
	ev.e.family = AF_INET;
	ev.e.proto = proto;
	ev.e.have = NT_CTE_PROTO | NT_CTE_SRC | NT_CTE_DST;
	inet_pton(AF_INET, src, ev.e.src);
	inet_pton(AF_INET, dst, ev.e.dst);
	return ev;
}

static void test_acc(void)
{
	const uint64_t seed[2] = { 1, 2 };
	struct nt_ct_evacc a;
	struct nt_ct_top top[4];
	struct nt_ct_event ev;
	char ip[32];
	size_t n;
	int i;

	T_EQ_I(nt_ct_evacc_init(&a, 0, 8, seed), -EINVAL, "a 0 s window refused");
	T_EQ_I(nt_ct_evacc_init(&a, NT_CT_EV_MAX_SEC + 1, 8, seed), -EINVAL,
	       "a window over a day refused");
	T_EQ_I(nt_ct_evacc_init(&a, 3, 8, seed), 0, "3 s window, 8 counters");
	/* second 0: 300 NEW from 192.0.2.1, 100 from 192.0.2.2 (udp);
	 * second 2: 50 NEW from 192.0.2.3 and 120 DESTROY */
	for (i = 0; i < 300; i++) {
		ev = mk(NT_CTEV_NEW, IPPROTO_TCP, "192.0.2.1", "203.0.113.1");
		nt_ct_evacc_add(&a, &ev, 0.5);
	}
	for (i = 0; i < 100; i++) {
		ev = mk(NT_CTEV_NEW, IPPROTO_UDP, "192.0.2.2", "203.0.113.2");
		nt_ct_evacc_add(&a, &ev, 0.9);
	}
	for (i = 0; i < 50; i++) {
		ev = mk(NT_CTEV_NEW, IPPROTO_TCP, "192.0.2.3", "203.0.113.1");
		nt_ct_evacc_add(&a, &ev, 2.2);
	}
	for (i = 0; i < 120; i++) {
		ev = mk(NT_CTEV_DESTROY, IPPROTO_TCP, "192.0.2.3", "203.0.113.1");
		nt_ct_evacc_add(&a, &ev, 2.7);
	}
	ev = mk(NT_CTEV_NEW, IPPROTO_TCP, "192.0.2.9", "203.0.113.9");
	nt_ct_evacc_add(&a, &ev, 99.0); /* late: into the last slot, not past it */
	nt_ct_evacc_finish(&a, 3.0);
	T_EQ_U(a.r.new_flows, 451, "NEW counted");
	T_EQ_U(a.r.destroyed, 120, "DESTROY counted");
	T_NEAR(a.r.new_per_s, 451 / 3.0, 1e-9, "NEW per second over the window");
	T_NEAR(a.r.destroy_per_s, 40.0, 1e-9, "DESTROY per second");
	T_EQ_U(a.r.peak_new_per_s, 400, "busiest second of NEW");
	T_EQ_U(a.r.peak_destroy_per_s, 120, "busiest second of DESTROY");
	T_OK(a.r.exact && a.r.count_error_max == 0, "4 sources fit 8 counters: exact");
	T_EQ_U(a.r.distinct_src, 4, "distinct sources");
	n = nt_ct_evacc_top(&a, NT_BY_SRC, top, 2);
	T_EQ_U(n, 2, "two top sources asked, two given");
	T_STR(top[0].value, "192.0.2.1", "top source");
	T_EQ_U(top[0].count, 300, "its NEW count");
	T_NEAR(top[0].pct, 100.0 * 300 / 451, 1e-9, "its share");
	T_STR(top[0].by, "src", "labelled src");
	n = nt_ct_evacc_top(&a, NT_BY_DST, top, 4);
	T_STR(top[0].value, "203.0.113.1", "top destination");
	T_EQ_U(top[0].count, 350, "its NEW count");
	n = nt_ct_evacc_top(&a, NT_BY_PROTO, top, 4);
	T_EQ_U(n, 2, "two protocols");
	T_STR(top[0].value, "tcp", "tcp first");
	T_EQ_U(top[0].count, 351, "tcp NEW flows");
	T_STR(top[1].value, "udp", "then udp");
	T_EQ_U(top[1].count, 100, "udp NEW flows");

	/* more sources than counters: approximate, with the bound */
	nt_ct_evacc_reset(&a);
	T_EQ_U(a.r.new_flows, 0, "reset clears the counts");
	for (i = 0; i < 1000; i++) {
		ev = mk(NT_CTEV_NEW, IPPROTO_TCP, "192.0.2.1", "203.0.113.1");
		nt_ct_evacc_add(&a, &ev, 0.1);
	}
	for (i = 0; i < 200; i++) {
		snprintf(ip, sizeof(ip), "198.51.100.%d", i % 100 + 1);
		ev = mk(NT_CTEV_NEW, IPPROTO_TCP, ip, "203.0.113.1");
		nt_ct_evacc_add(&a, &ev, 0.1);
	}
	nt_ct_evacc_finish(&a, 1.0);
	T_OK(!a.r.exact, "101 sources in 8 counters: approximate");
	T_OK(a.r.count_error_max > 0 && a.r.count_error_max <= 1200 / 8,
	     "error bound at most new / counters");
	n = nt_ct_evacc_top(&a, NT_BY_SRC, top, 1);
	T_STR(top[0].value, "192.0.2.1", "the heavy source still on top");
	T_OK(top[0].count >= 1000 && top[0].count <= 1000 + a.r.count_error_max,
	     "its count within the bound");
	T_EQ_U(top[0].err, a.r.count_error_max, "the row carries the bound");
	nt_ct_evacc_free(&a);
}

static struct nt_ct_summary sum(uint64_t count, uint64_t max)
{
	struct nt_ct_summary s;

	memset(&s, 0, sizeof(s));
	s.count = count;
	s.max = max;
	s.avail = (1ull << NT_CTA_COUNT) | (1ull << NT_CTA_MAX);
	nt_ct_fill(&s);
	return s;
}

static int ttf_level(uint64_t prev, uint64_t cur, double dt,
		     const struct nt_ct_thresholds *t, char *reason, size_t rl)
{
	struct nt_ct_sample x;
	struct nt_ct_summary p = sum(prev, 262144);
	struct nt_verdicts vs = { 0 };
	const struct nt_verdict *v;
	int l;

	memset(&x, 0, sizeof(x));
	x.s = sum(cur, 262144);
	nt_ct_growth(&x.s, &p, dt);
	nt_ct_verdicts(&x, true, "over the interval", t, &vs);
	v = t_verdict(&vs, "conntrack.time_to_full", "");
	l = v ? (int)v->level : -1;
	if (v && reason)
		snprintf(reason, rl, "%s", v->reason);
	free(vs.v);
	return l;
}

static void test_ttf(void)
{
	struct nt_ct_thresholds t;
	struct nt_ct_summary c = sum(100000, 262144), p = sum(91500, 262144);
	char reason[256], d[32];

	nt_ct_thresholds_default(&t);
	T_NEAR(t.warn_ttf, 3600, 0, "time to full WARN under 1 hour by default");
	T_NEAR(t.crit_ttf, 300, 0, "CRIT under 5 minutes");
	nt_ct_growth(&c, &p, 10.0);
	T_NEAR(c.growth_per_s, 850, 1e-9, "growth (100000 - 91500) / 10 s");
	T_NEAR(c.time_to_full_s, (262144 - 100000) / 850.0, 1e-9,
	       "time to full (max - count) / growth");
	nt_ct_growth(&c, NULL, 10.0);
	T_OK(isnan(c.growth_per_s) && isnan(c.time_to_full_s), "no baseline: null");
	p = sum(100500, 262144);
	nt_ct_growth(&c, &p, 10.0);
	T_NEAR(c.growth_per_s, -50, 1e-9, "shrinking: negative growth");
	T_OK(isnan(c.time_to_full_s), "not growing: no time to full");
	c = sum(262144, 262144);
	p = sum(262000, 262144);
	nt_ct_growth(&c, &p, 1.0);
	T_NEAR(c.time_to_full_s, 0, 0, "already full while growing: 0 s");
	p.avail = 0;
	nt_ct_growth(&c, &p, 1.0);
	T_OK(isnan(c.growth_per_s), "baseline without a count: null");

	nt_ct_fmt_duration(d, sizeof(d), 192);
	T_STR(d, "3 m 12 s", "192 s reads 3 m 12 s");
	nt_ct_fmt_duration(d, sizeof(d), 3840);
	T_STR(d, "1 h 04 m", "3840 s reads 1 h 04 m");
	nt_ct_fmt_duration(d, sizeof(d), 45);
	T_STR(d, "45 s", "45 s");

	/* 262144 - 100000 = 162144 entries left */
	T_EQ_I(ttf_level(91500, 100000, 10, &t, reason, sizeof(reason)), NT_CRIT,
	       "+850/s: full in 191 s, under 5 minutes: CRIT");
	T_OK(strstr(reason, "full in 3 m 11 s at +850 entries/s") != NULL,
	     "the reason says when and how fast (%s)", reason);
	T_EQ_I(ttf_level(99500, 100000, 10, &t, NULL, 0), NT_WARN,
	       "+50/s: full in 54 min: WARN");
	T_EQ_I(ttf_level(99900, 100000, 10, &t, NULL, 0), NT_OK,
	       "+10/s: full in 4.5 h: OK");
	T_EQ_I(ttf_level(100500, 100000, 10, &t, reason, sizeof(reason)), NT_OK,
	       "shrinking: OK");
	T_OK(strstr(reason, "not growing") != NULL, "and says it is not growing");
	t.warn_ttf = 20000;
	T_EQ_I(ttf_level(99900, 100000, 10, &t, NULL, 0), NT_WARN,
	       "--warn-ttf 20000 makes +10/s a WARN");
	{
		struct nt_ct_sample x;
		struct nt_verdicts vs = { 0 };

		memset(&x, 0, sizeof(x));
		x.s = sum(100000, 262144);
		nt_ct_verdicts(&x, false, "since boot", &t, &vs);
		T_OK(!t_verdict(&vs, "conntrack.time_to_full", ""),
		     "no baseline: no time-to-full verdict");
		nt_verdicts_free(&vs);
	}
}

/* The request: header, nfgenmsg, then the attributes in order. */
static void test_request(void)
{
	_Alignas(8) char req[NT_CT_REQ_LEN];
	struct nt_ct_filter f;
	struct nlmsghdr *nlh;
	const struct nfgenmsg *nfg;
	const struct nlattr *a;
	uint16_t types[8];
	uint32_t vals[8];
	int n = 0;

	memset(&f, 0, sizeof(f));
	nlh = nt_ct_dump_request(req, &f);
	nfg = mnl_nlmsg_get_payload(nlh);
	T_EQ_U(nlh->nlmsg_type, (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET,
	       "type IPCTNL_MSG_CT_GET");
	T_EQ_U(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP, "a dump request");
	T_EQ_U(nfg->nfgen_family, AF_UNSPEC, "no family: AF_UNSPEC");
	T_EQ_U(nlh->nlmsg_len, NLMSG_HDRLEN + sizeof(struct nfgenmsg),
	       "no filter: no attributes");

	f.family = AF_INET6;
	f.mark_set = true;
	f.mark = 0x10;
	f.mark_mask = 0xf0;
	f.zone_set = true;
	f.zone = 7;
	f.status_set = true;
	f.status = f.status_mask = 4;
	nlh = nt_ct_dump_request(req, &f);
	nfg = mnl_nlmsg_get_payload(nlh);
	T_EQ_U(nfg->nfgen_family, AF_INET6, "-6/--family inet6 in nfgenmsg");
	mnl_attr_for_each(a, nlh, sizeof(*nfg)) {
		if (n >= 8)
			break;
		types[n] = mnl_attr_get_type(a);
		vals[n] = mnl_attr_get_payload_len(a) == 2 ?
			ntohs(mnl_attr_get_u16(a)) : ntohl(mnl_attr_get_u32(a));
		n++;
	}
	T_EQ_I(n, 5, "five attributes");
	T_OK(n == 5 && types[0] == CTA_MARK && vals[0] == 0x10, "CTA_MARK 0x10 (big endian)");
	T_OK(n == 5 && types[1] == CTA_MARK_MASK && vals[1] == 0xf0, "CTA_MARK_MASK 0xf0");
	T_OK(n == 5 && types[2] == CTA_ZONE && vals[2] == 7, "CTA_ZONE 7 (u16)");
	T_OK(n == 5 && types[3] == CTA_STATUS && vals[3] == 4, "CTA_STATUS ASSURED");
	T_OK(n == 5 && types[4] == CTA_STATUS_MASK && vals[4] == 4, "CTA_STATUS_MASK");
	T_EQ_U(nlh->nlmsg_len, NLMSG_HDRLEN + sizeof(struct nfgenmsg) + 4 * 8 + 8,
	       "length: four u32 attributes and one padded u16");
	T_OK(nlh->nlmsg_len <= NT_CT_REQ_LEN, "inside NT_CT_REQ_LEN");
}

int main(void)
{
	test_parse();
	test_acc();
	test_ttf();
	test_request();
	return t_failed ? 1 : 0;
}
