/* Unit tests: ctnetlink stats, per-CPU stats and dump entries on canned
 * bytes; /proc/net/stat/nf_conntrack in old and new column naming. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <netinet/in.h>
#include "nt_conntrack.h"
#include "nt_nl.h"
#include "nlgen.h"
#include "t.h"

static _Alignas(8) char buf[1 << 16];

static struct nlmsghdr *msg(void)
{
	return (struct nlmsghdr *)buf;
}

static void test_stats(void)
{
	struct nt_ct_summary s = { 0 };
	struct nlmsghdr *nlh = msg();
	size_t len = nlgen_ct_stats(buf, 1, 4500, 262144);

	T_EQ_I(nt_ct_parse_stats(nlh, &s), 0, "CT_GET_STATS reply parses");
	T_EQ_U(s.count, 4500, "entries");
	T_EQ_U(s.max, 262144, "max entries");
	T_OK((s.avail >> NT_CTA_COUNT) & 1 && (s.avail >> NT_CTA_MAX) & 1,
	     "count and max marked available");

	/* a newer kernel's extra attribute is skipped */
	mnl_attr_put_u32(nlh, 7, htonl(99));
	memset(&s, 0, sizeof(s));
	T_EQ_I(nt_ct_parse_stats(nlh, &s), 0, "unknown stats attribute skipped");
	T_EQ_U(s.count, 4500, "entries still read");

	/* truncated: the message ends inside the last attribute */
	nlh->nlmsg_len = (uint32_t)len - 2;
	T_EQ_I(nt_ct_parse_stats(nlh, &s), -EBADMSG, "truncated stats attribute: -EBADMSG");

	/* oversized: entries as a u64 */
	nlh = mnl_nlmsg_put_header(buf);
	nlgen_ct_stats(buf, 1, 1, 2);
	{
		struct nlmsghdr *m = mnl_nlmsg_put_header(buf);
		struct nfgenmsg *nfg;

		m->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET_STATS;
		nfg = mnl_nlmsg_put_extra_header(m, sizeof(*nfg));
		nfg->nfgen_family = AF_UNSPEC;
		mnl_attr_put_u64(m, CTA_STATS_GLOBAL_ENTRIES, 5);
	}
	T_EQ_I(nt_ct_parse_stats(msg(), &s), -EBADMSG, "oversized entries attribute: -EBADMSG");

	nlgen_ct_stats_cpu(buf, 1, 0, 0, 0);
	T_EQ_I(nt_ct_parse_stats(msg(), &s), -EINVAL, "stats parser rejects a per-CPU message");
	msg()->nlmsg_len = 18;
	T_EQ_I(nt_ct_parse_stats(msg(), &s), -EINVAL, "message shorter than nfgenmsg: -EINVAL");
}

static void test_stats_cpu(void)
{
	struct nt_ct_cpu c;
	size_t len;
	int i, bad = 0;

	len = nlgen_ct_stats_cpu(buf, 1, 3, 100, 2);
	T_EQ_I(nt_ct_parse_stats_cpu(msg(), &c), 0, "CT_GET_STATS_CPU message parses");
	T_EQ_U(c.cpu, 3, "CPU id from nfgenmsg res_id");
	T_EQ_U(c.c[NT_CTS_found], 100 + CTA_STATS_FOUND, "found");
	T_EQ_U(c.c[NT_CTS_drop], 100 + CTA_STATS_DROP, "drop");
	T_EQ_U(c.c[NT_CTS_insert_failed], 100 + CTA_STATS_INSERT_FAILED, "insert_failed");
	T_EQ_U(c.c[NT_CTS_early_drop], 100 + CTA_STATS_EARLY_DROP, "early_drop");
	T_EQ_U(c.c[NT_CTS_error], 100 + CTA_STATS_ERROR, "error");
	T_EQ_U(c.c[NT_CTS_clash_resolve], 100 + CTA_STATS_CLASH_RESOLVE, "clash_resolve");
	T_EQ_U(c.c[NT_CTS_chaintoolong], 100 + CTA_STATS_CHAIN_TOOLONG, "chaintoolong");
	for (i = 0; i < NT_CTS_COUNT; i++)
		if (!((c.avail >> i) & 1))
			bad++;
	T_EQ_I(bad, 0, "all ten counters available");
	T_EQ_U(c.nextra, 2, "two unknown future attributes kept");
	T_STR(c.extra[0].name, "attr_16", "unknown attribute named by number");
	T_EQ_U(c.extra[1].v, 1001, "unknown attribute value kept");

	/* an older kernel without clash_resolve/chaintoolong */
	{
		struct nlmsghdr *m = mnl_nlmsg_put_header(buf);
		struct nfgenmsg *nfg;

		m->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET_STATS_CPU;
		nfg = mnl_nlmsg_put_extra_header(m, sizeof(*nfg));
		nfg->res_id = htons(1);
		mnl_attr_put_u32(m, CTA_STATS_SEARCHED, htonl(5));
		mnl_attr_put_u32(m, CTA_STATS_DROP, htonl(7));
	}
	T_EQ_I(nt_ct_parse_stats_cpu(msg(), &c), 0, "old kernel's per-CPU message parses");
	T_OK(!((c.avail >> NT_CTS_chaintoolong) & 1), "missing chaintoolong is unavailable, not 0");
	T_STR(c.extra[0].name, "searched", "retired CTA_STATS_SEARCHED kept by name");

	/* truncated and oversized */
	len = nlgen_ct_stats_cpu(buf, 1, 0, 1, 0);
	msg()->nlmsg_len = (uint32_t)len - 3;
	T_EQ_I(nt_ct_parse_stats_cpu(msg(), &c), -EBADMSG, "truncated per-CPU message: -EBADMSG");
	{
		struct nlmsghdr *m = mnl_nlmsg_put_header(buf);

		m->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET_STATS_CPU;
		mnl_nlmsg_put_extra_header(m, sizeof(struct nfgenmsg));
		mnl_attr_put_u64(m, CTA_STATS_DROP, 1);
	}
	T_EQ_I(nt_ct_parse_stats_cpu(msg(), &c), -EBADMSG, "oversized drop counter: -EBADMSG");
}

static void test_stats_cpu_walk(void)
{
	struct nt_ct_sample x = { 0 };
	struct nt_nl_walk w = { .type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET_STATS_CPU,
				.cb = nt_ct_cpu_cb, .data = &x };
	size_t off = 0;

	off += nlgen_ct_stats_cpu(buf + off, 9, 0, 10, 0);
	off += nlgen_ct_stats_cpu(buf + off, 9, 1, 20, 0);
	off += nlgen_done(buf + off, 9, 0);
	T_EQ_I(nt_nl_walk(buf, off, &w), 0, "per-CPU dump walks to NLMSG_DONE");
	T_EQ_U(x.ncpu, 2, "two CPUs");
	nt_ct_sum(&x);
	T_EQ_U(x.s.c[NT_CTS_drop], 10 + 20 + 2 * CTA_STATS_DROP, "drop summed over CPUs");
	nt_ct_sample_free(&x);
}

static size_t entry(void *b, const char *src, const char *dst, uint8_t proto,
		    int state, uint32_t status, uint16_t dport, uint32_t mark)
{
	struct nlgen_ct c = { AF_INET, proto, src, dst, 40000, dport, 8, 0,
			      state, status, mark, -1, 0 };

	return nlgen_ct_entry(b, 1, &c);
}

static void test_entries(void)
{
	struct nt_ct_entry e;
	unsigned all = NT_CTW_IP | NT_CTW_PROTO | NT_CTW_PROTOINFO;
	struct nlgen_ct c6 = { AF_INET6, IPPROTO_TCP, "2001:db8::1", "2001:db8::2",
			       1234, 443, 0, 0, 2, 0, 0, 5, 3 };
	char a[64];
	size_t len;

	entry(buf, "192.0.2.1", "198.51.100.2", IPPROTO_TCP, 3,
	      IPS_ASSURED | IPS_SEEN_REPLY | IPS_CONFIRMED, 80, 42);
	T_EQ_I(nt_ct_parse_entry(msg(), all, &e), 0, "tcp entry with protoinfo parses");
	T_EQ_U(e.family, AF_INET, "family");
	T_EQ_U(e.proto, IPPROTO_TCP, "proto from the original tuple");
	T_EQ_U(e.state, 3, "TCP state ESTABLISHED");
	T_OK(e.have & NT_CTE_STATE, "state present");
	T_EQ_U(e.dport, 80, "dport in host order");
	T_EQ_U(e.sport, 40000, "sport");
	T_EQ_U(e.mark, 42, "mark");
	T_OK(e.status & IPS_ASSURED, "status ASSURED");
	inet_ntop(AF_INET, e.src, a, sizeof(a));
	T_STR(a, "192.0.2.1", "original source (not the reply tuple's)");
	inet_ntop(AF_INET, e.dst, a, sizeof(a));
	T_STR(a, "198.51.100.2", "original destination");

	T_EQ_I(nt_ct_parse_entry(msg(), 0, &e), 0, "walk without nests");
	T_OK(!(e.have & (NT_CTE_SRC | NT_CTE_PROTO | NT_CTE_STATE)),
	     "only the needed attributes are walked (no tuple, no protoinfo)");
	T_OK(e.have & NT_CTE_STATUS, "status is always read");

	entry(buf, "192.0.2.1", "198.51.100.2", IPPROTO_TCP, -1, 0, 22, 0);
	T_EQ_I(nt_ct_parse_entry(msg(), all, &e), 0, "tcp entry without protoinfo parses");
	T_OK(!(e.have & NT_CTE_STATE), "no state without protoinfo");

	entry(buf, "192.0.2.7", "198.51.100.53", IPPROTO_UDP, -1, IPS_CONFIRMED, 53, 0);
	T_EQ_I(nt_ct_parse_entry(msg(), all, &e), 0, "udp entry parses");
	T_EQ_U(e.proto, IPPROTO_UDP, "udp proto");
	T_EQ_U(e.dport, 53, "udp dport");

	entry(buf, "192.0.2.8", "198.51.100.9", IPPROTO_ICMP, -1, 0, 0, 0);
	T_EQ_I(nt_ct_parse_entry(msg(), all, &e), 0, "icmp entry parses");
	T_OK((e.have & NT_CTE_ICMP) && !(e.have & NT_CTE_PORTS), "icmp: type, no ports");
	T_EQ_U(e.icmp_type, 8, "icmp echo request");

	nlgen_ct_entry(buf, 1, &c6);
	T_EQ_I(nt_ct_parse_entry(msg(), all, &e), 0, "ipv6 tcp entry with unknown attributes parses");
	inet_ntop(AF_INET6, e.src, a, sizeof(a));
	T_STR(a, "2001:db8::1", "ipv6 source");
	T_EQ_U(e.zone, 5, "zone");
	T_EQ_U(e.state, 2, "SYN_RECV");

	/* truncated: the message ends inside the last attribute */
	len = entry(buf, "192.0.2.1", "198.51.100.2", IPPROTO_TCP, 3, 0, 80, 0);
	msg()->nlmsg_len = (uint32_t)len - 2;
	T_EQ_I(nt_ct_parse_entry(msg(), all, &e), -EBADMSG, "truncated entry: -EBADMSG");

	/* a nest that claims more than its parent holds */
	len = entry(buf, "192.0.2.1", "198.51.100.2", IPPROTO_TCP, 3, 0, 80, 0);
	{
		struct nlattr *orig = (struct nlattr *)(buf + MNL_NLMSG_HDRLEN +
							MNL_ALIGN(sizeof(struct nfgenmsg)));
		struct nlattr *ip = (struct nlattr *)((char *)orig + MNL_ATTR_HDRLEN);

		T_EQ_U(mnl_attr_get_type(orig), CTA_TUPLE_ORIG, "first attribute is the original tuple");
		ip->nla_len = (uint16_t)(orig->nla_len + 8);
		T_EQ_I(nt_ct_parse_entry(msg(), all, &e), -EBADMSG,
		       "nested attribute longer than its nest: -EBADMSG");
		T_EQ_I(nt_ct_parse_entry(msg(), 0, &e), 0,
		       "the same entry parses when that nest is not needed");
	}

	/* oversized: a 5-byte IPv4 address, an 8-byte status */
	{
		struct nlmsghdr *m = mnl_nlmsg_put_header(buf);
		struct nfgenmsg *nfg;
		struct nlattr *t, *ip;
		uint8_t five[5] = { 192, 0, 2, 1, 9 };

		m->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
		nfg = mnl_nlmsg_put_extra_header(m, sizeof(*nfg));
		nfg->nfgen_family = AF_INET;
		t = mnl_attr_nest_start(m, CTA_TUPLE_ORIG);
		ip = mnl_attr_nest_start(m, CTA_TUPLE_IP);
		mnl_attr_put(m, CTA_IP_V4_SRC, sizeof(five), five);
		mnl_attr_nest_end(m, ip);
		mnl_attr_nest_end(m, t);
		T_EQ_I(nt_ct_parse_entry(m, all, &e), -EBADMSG, "oversized IPv4 address: -EBADMSG");
		m = mnl_nlmsg_put_header(buf);
		m->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
		mnl_nlmsg_put_extra_header(m, sizeof(*nfg));
		mnl_attr_put_u64(m, CTA_STATUS, 4);
		T_EQ_I(nt_ct_parse_entry(m, 0, &e), -EBADMSG, "oversized status: -EBADMSG");
	}
	nlgen_ct_stats(buf, 1, 1, 1);
	T_EQ_I(nt_ct_parse_entry(msg(), all, &e), -EINVAL, "entry parser rejects a stats message");
}

/* A canned dump: 6 ESTABLISHED ASSURED from 3 sources, 3 SYN_SENT from
 * one, 1 UDP (replied), 1 ICMP, 1 TCP without protoinfo, 1 malformed. */
static size_t canned_dump(void)
{
	static const char *const srcs[] = { "192.0.2.1", "192.0.2.2", "192.0.2.3" };
	size_t off = 0;
	int i;

	for (i = 0; i < 6; i++)
		off += entry(buf + off, srcs[i % 3], "198.51.100.1", IPPROTO_TCP, 3,
			     IPS_ASSURED | IPS_SEEN_REPLY | IPS_CONFIRMED, 80, 1);
	for (i = 0; i < 3; i++)
		off += entry(buf + off, "203.0.113.9", "198.51.100.1", IPPROTO_TCP, 1,
			     IPS_CONFIRMED, 443, 2);
	off += entry(buf + off, "192.0.2.4", "198.51.100.53", IPPROTO_UDP, -1,
		     IPS_CONFIRMED | IPS_SEEN_REPLY, 53, 1);
	off += entry(buf + off, "192.0.2.9", "198.51.100.1", IPPROTO_ICMP, -1, 0, 0, 1);
	off += entry(buf + off, "192.0.2.9", "198.51.100.1", IPPROTO_TCP, -1, 0, 22, 1);
	{
		struct nlmsghdr *m = mnl_nlmsg_put_header(buf + off);

		m->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
		mnl_nlmsg_put_extra_header(m, sizeof(struct nfgenmsg));
		mnl_attr_put_u64(m, CTA_STATUS, 4);
		off += m->nlmsg_len;
	}
	off += nlgen_done(buf + off, 1, 0);
	return off;
}

static int run_agg(enum nt_ct_by by, const struct nt_ct_filter *f,
		   struct nt_ct_agg *a, struct nt_ct_top *top, size_t *ntop)
{
	struct nt_nl_walk w = { .type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW,
				.cb = nt_ct_entry_cb, .data = a };
	size_t len = canned_dump();
	int r;

	nt_ct_agg_init(a, by, f, 0, NULL);
	r = nt_nl_walk(buf, len, &w);
	*ntop = nt_ct_agg_top(a, top, 10);
	return r;
}

static void test_agg(void)
{
	struct nt_ct_agg a;
	struct nt_ct_top top[10];
	struct nt_ct_filter f = { 0 };
	enum nt_ct_by by;
	size_t n;

	T_EQ_I(run_agg(NT_BY_STATE, NULL, &a, top, &n), 0, "dump walks to NLMSG_DONE");
	T_EQ_U(a.entries, 12, "entries read (malformed one skipped)");
	T_EQ_U(a.bad, 1, "malformed entry counted");
	T_EQ_U(a.assured, 6, "ASSURED entries");
	T_EQ_U(a.unreplied, 5, "unreplied, not ASSURED entries (evictable)");
	T_EQ_U(n, 4, "four states");
	T_STR(top[0].value, "ESTABLISHED", "top state");
	T_EQ_U(top[0].count, 6, "ESTABLISHED count");
	T_STR(top[1].value, "SYN_SENT", "second state");
	T_STR(top[2].value, "none", "udp+icmp have no state");
	T_EQ_U(top[2].count, 2, "two stateless entries");
	T_STR(top[3].value, "unknown", "tcp without protoinfo");
	T_NEAR(top[0].pct, 600.0 / 12, 1e-9, "pct of entries read");
	nt_ct_agg_free(&a);

	run_agg(NT_BY_SRC, NULL, &a, top, &n);
	T_STR(top[0].value, "203.0.113.9", "top source");
	T_EQ_U(top[0].count, 3, "its count");
	T_EQ_U(n, 6, "six distinct sources");
	T_STR(top[1].value, "192.0.2.1", "ties ordered by key: 192.0.2.1 before .2");
	nt_ct_agg_free(&a);

	run_agg(NT_BY_PROTO, NULL, &a, top, &n);
	T_STR(top[0].value, "tcp", "tcp first");
	T_EQ_U(top[0].count, 10, "10 tcp");
	nt_ct_agg_free(&a);

	run_agg(NT_BY_DPORT, NULL, &a, top, &n);
	T_STR(top[0].value, "80/tcp", "dport 80/tcp");
	nt_ct_agg_free(&a);

	run_agg(NT_BY_STATUS, NULL, &a, top, &n);
	T_STR(top[0].value, "ASSURED", "status ASSURED first");
	nt_ct_agg_free(&a);

	f.mark_set = true;
	f.mark = 2;
	f.mark_mask = UINT32_MAX;
	run_agg(NT_BY_MARK, &f, &a, top, &n);
	T_EQ_U(a.entries, 3, "mark filter keeps 3");
	T_EQ_U(a.filtered, 9, "and drops 9");
	T_STR(top[0].value, "2", "mark value");
	nt_ct_agg_free(&a);

	T_EQ_I(nt_ct_by_parse("bogus", &by), -EINVAL, "unknown --by key rejected");
	T_EQ_I(nt_ct_by_parse("dport", &by), 0, "dport accepted");
}

static const char procstat_new[] =
	"entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart\n"
	"00000064  00000001 00000002 00000000 00000003 00000000 00000000 00000004 00000005 00000006 00000007 00000008 00000009  00000000 00000000 00000000 0000000a\n"
	"00000064  00000010 00000020 00000000 00000030 00000000 00000000 00000040 00000050 00000060 00000070 00000080 00000090  00000000 00000000 00000000 000000a0\n";

static const char procstat_old[] =
	"entries  searched found new invalid ignore delete delete_list insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart\n"
	"0000002a  00000011 00000002 00000000 00000003 00000000 00000000 00000000 00000005 00000006 ffffffff 00000008 00000009  00000000 00000000 00000000 0000000a\n";

static void test_procstat(void)
{
	struct nt_ct_sample x = { 0 };
	uint64_t entries, v;
	unsigned i;
	bool found = false;

	T_EQ_I(nt_ct_parse_procstat(procstat_new, &x, &entries), 0, "new column naming parses");
	T_EQ_U(x.ncpu, 2, "one row per CPU");
	T_EQ_U(entries, 100, "entries column");
	T_EQ_U(x.cpu[0].c[NT_CTS_clash_resolve], 1, "clashres -> clash_resolve");
	T_EQ_U(x.cpu[0].c[NT_CTS_chaintoolong], 4, "chainlength -> chaintoolong");
	T_EQ_U(x.cpu[0].c[NT_CTS_error], 9, "icmp_error -> error");
	T_EQ_U(x.cpu[1].c[NT_CTS_drop], 0x70, "drop of CPU 1 (hex)");
	T_EQ_U(x.cpu[1].c[NT_CTS_search_restart], 0xa0, "last column");
	nt_ct_sum(&x);
	T_EQ_U(x.s.c[NT_CTS_early_drop], 0x88, "early_drop summed");
	nt_ct_sample_free(&x);

	T_EQ_I(nt_ct_parse_procstat(procstat_old, &x, &entries), 0, "old column naming parses");
	T_EQ_U(entries, 42, "old entries");
	T_EQ_U(x.cpu[0].c[NT_CTS_drop], 0xffffffffu, "drop at the 32-bit limit");
	T_OK(!((x.cpu[0].avail >> NT_CTS_clash_resolve) & 1), "no clash_resolve column: unavailable");
	T_OK(!((x.cpu[0].avail >> NT_CTS_chaintoolong) & 1), "no chainlength column: unavailable");
	for (i = 0; i < x.cpu[0].nextra; i++)
		if (!strcmp(x.cpu[0].extra[i].name, "searched") && x.cpu[0].extra[i].v == 0x11)
			found = true;
	T_OK(found, "old 'searched' column kept as an extra");
	nt_ct_sample_free(&x);

	T_EQ_I(nt_ct_parse_procstat("entries found\n00000001\n", &x, &entries), -EINVAL,
	       "short row: -EINVAL");
	nt_ct_sample_free(&x);
	T_EQ_I(nt_ct_parse_procstat("entries found\n00000001 zz\n", &x, &entries), -EINVAL,
	       "non-hex value: -EINVAL");
	nt_ct_sample_free(&x);
	T_EQ_I(nt_ct_parse_procstat("00000001 00000002\n", &x, &entries), -EINVAL,
	       "no header: -EINVAL");
	nt_ct_sample_free(&x);
	T_EQ_I(nt_ct_parse_procstat("", &x, &entries), -EINVAL, "empty: -EINVAL");
	nt_ct_sample_free(&x);

	T_EQ_I(nt_ct_parse_sysctl("262144\n", &v), 0, "sysctl number parses");
	T_EQ_U(v, 262144, "sysctl value");
	T_EQ_I(nt_ct_parse_sysctl("12 34\n", &v), -EINVAL, "two numbers: -EINVAL");
	T_EQ_I(nt_ct_parse_sysctl("-1\n", &v), -EINVAL, "negative: -EINVAL");
}

int main(void)
{
	test_stats();
	test_stats_cpu();
	test_stats_cpu_walk();
	test_entries();
	test_agg();
	test_procstat();
	return T_DONE();
}
