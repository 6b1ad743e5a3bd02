/* Writes the seed corpus for fuzz_stack_nl: gen_stack_nl_seeds DIR.
 * Built and run by `make fuzz-seeds`. Each seed is a selector byte (0
 * qdisc, 1 neighbour table, 2 UDP sock_diag, 3 stat file) and the input. */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/gen_stats.h>
#include <linux/inet_diag.h>
#include <linux/neighbour.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include "nlgen.h"

static _Alignas(8) char buf[16384];

static void put(const char *dir, const char *name, char sel, const void *p, size_t len)
{
	(void)nlgen_write_sel(dir, name, (unsigned char)sel, p, len);
}

static size_t qdisc(char *at, int stats2, int old)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(at);
	struct tcmsg *tc;

	nlh->nlmsg_type = RTM_NEWQDISC;
	nlh->nlmsg_flags = NLM_F_MULTI;
	tc = mnl_nlmsg_put_extra_header(nlh, sizeof(*tc));
	tc->tcm_ifindex = 2;
	tc->tcm_handle = 0x80010000;
	tc->tcm_parent = TC_H_ROOT;
	mnl_attr_put_strz(nlh, TCA_KIND, "tbf");
	if (stats2) {
		struct gnet_stats_basic b = { 3168, 4 };
		struct gnet_stats_queue q = { 0, 0, 397, 0, 401 };
		struct nlattr *n = mnl_attr_nest_start(nlh, TCA_STATS2);

		mnl_attr_put(nlh, TCA_STATS_BASIC, sizeof(b), &b);
		mnl_attr_put(nlh, TCA_STATS_BASIC_HW, sizeof(b), &b);
		mnl_attr_put(nlh, TCA_STATS_QUEUE, sizeof(q), &q);
		mnl_attr_nest_end(nlh, n);
	}
	if (old) {
		struct tc_stats ts = { .bytes = 3168, .packets = 4, .drops = 397 };

		mnl_attr_put(nlh, TCA_STATS, sizeof(ts), &ts);
	}
	return nlh->nlmsg_len;
}

static size_t neightbl(char *at, const char *name, size_t stats_len, int ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(at);
	struct ndt_config c = { .ndtc_entries = 800 };
	struct ndt_stats st = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
	struct ndtmsg *m;
	struct nlattr *n;

	nlh->nlmsg_type = RTM_NEWNEIGHTBL;
	m = mnl_nlmsg_put_extra_header(nlh, sizeof(*m));
	m->ndtm_family = AF_INET;
	mnl_attr_put_strz(nlh, NDTA_NAME, name);
	if (!ifindex) {
		mnl_attr_put_u32(nlh, NDTA_THRESH1, 128);
		mnl_attr_put_u32(nlh, NDTA_THRESH2, 512);
		mnl_attr_put_u32(nlh, NDTA_THRESH3, 1024);
		mnl_attr_put_u64(nlh, NDTA_GC_INTERVAL, 30000);
		mnl_attr_put(nlh, NDTA_CONFIG, sizeof(c), &c);
		mnl_attr_put(nlh, NDTA_STATS, stats_len, &st);
	}
	n = mnl_attr_nest_start(nlh, NDTA_PARMS);
	if (ifindex)
		mnl_attr_put_u32(nlh, NDTPA_IFINDEX, (uint32_t)ifindex);
	mnl_attr_nest_end(nlh, n);
	return nlh->nlmsg_len;
}

static size_t udp(char *at, int v6, uint32_t drops, int nmem)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(at);
	uint32_t mem[SK_MEMINFO_VARS] = { 3840, 4608, 0, 212992, 0, 0, 0, 0, 0 };
	struct inet_diag_msg *m;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	m = mnl_nlmsg_put_extra_header(nlh, sizeof(*m));
	m->idiag_family = v6 ? AF_INET6 : AF_INET;
	inet_pton(m->idiag_family, v6 ? "2001:db8::1" : "127.0.0.1", m->id.idiag_src);
	m->id.idiag_sport = htons(5301);
	m->idiag_inode = 4242;
	m->idiag_rqueue = 3840;
	mem[SK_MEMINFO_DROPS] = drops;
	mnl_attr_put(nlh, INET_DIAG_SKMEMINFO, (size_t)nmem * 4, mem);
	return nlh->nlmsg_len;
}

int main(int argc, char **argv)
{
	static const char stat[] =
		"entries  allocs   destroys hash_grows lookups  hits     res_failed rcv_probes_mcast rcv_probes_ucast periodic_gc_runs forced_gc_runs unresolved_discards table_fulls\n"
		"00000003 00000b1a 00000f52 00000003   000027a3 00000b3d 00000000   00000000         00000000         0000059b         00000000       0000000a            00000000\n"
		"00000003 00000e19 000009de 00000002   00002df3 00000d4f 00000000   00000000         00000000         00000000         00000000       000000ff            00000000\n";
	size_t n;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_stack_nl_seeds DIR\n");
		return 64;
	}
	n = qdisc(buf, 1, 1);
	n += nlgen_done(buf + n, 0, 0);
	put(argv[1], "qdisc-stats2", 0, buf, n);
	n = qdisc(buf, 0, 1);
	put(argv[1], "qdisc-tc-stats", 0, buf, n);
	n = qdisc(buf, 1, 0);
	put(argv[1], "qdisc-truncated", 0, buf, n - 6);
	n = neightbl(buf, "arp_cache", sizeof(struct ndt_stats), 0);
	n += neightbl(buf + n, "arp_cache", 0, 3);
	n += nlgen_done(buf + n, 0, 0);
	put(argv[1], "neightbl-dump", 1, buf, n);
	n = neightbl(buf, "ndisc_cache", 80, 0);
	put(argv[1], "neightbl-old-stats", 1, buf, n);
	n = udp(buf, 0, 297, SK_MEMINFO_VARS);
	n += udp(buf + n, 1, 5, SK_MEMINFO_VARS);
	n += udp(buf + n, 0, 9, 8);
	n += nlgen_done(buf + n, 0, 0);
	put(argv[1], "udp-dump", 2, buf, n);
	put(argv[1], "stat-arp-cache", 3, stat, sizeof(stat) - 1);
	return 0;
}
