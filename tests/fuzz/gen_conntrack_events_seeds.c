/* Writes the seed corpus of fuzz_conntrack_events from the canned
 * ctnetlink generator (tests/unit/nlgen.c): NEW, DESTROY and update event
 * messages, one per file and a run of several. Build and run:
 *   make fuzz-seeds */
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/netlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include "nlgen.h"

static _Alignas(8) unsigned char buf[65536];

static void put(const char *dir, const char *name, size_t len)
{
	(void)nlgen_write(dir, name, buf, len);
}

static size_t event(size_t off, const struct nlgen_ct *c, uint16_t msg,
		    uint16_t flags)
{
	size_t n = nlgen_ct_entry(buf + off, 0, c);
	struct nlmsghdr *nlh = (struct nlmsghdr *)(buf + off);

	nlh->nlmsg_type = (uint16_t)((NFNL_SUBSYS_CTNETLINK << 8) | msg);
	nlh->nlmsg_flags = flags;
	return NLMSG_ALIGN(n);
}

int main(int argc, char **argv)
{
	struct nlgen_ct tcp = { AF_INET, IPPROTO_TCP, "192.0.2.1", "198.51.100.2",
				40000, 80, 0, 0, 3, 6, 1, -1, 0 };
	struct nlgen_ct udp6 = { AF_INET6, IPPROTO_UDP, "2001:db8::1", "2001:db8::53",
				 3000, 53, 0, 0, -1, 0, 0, 2, 1 };
	struct nlgen_ct icmp = { AF_INET, IPPROTO_ICMP, "203.0.113.5", "192.0.2.9",
				 0, 0, 8, 0, -1, 0, 0, -1, 0 };
	const char *dir = argc > 1 ? argv[1] : ".";
	size_t n;

	put(dir, "new-tcp", event(0, &tcp, IPCTNL_MSG_CT_NEW, NLM_F_CREATE | NLM_F_EXCL));
	put(dir, "destroy-udp6", event(0, &udp6, IPCTNL_MSG_CT_DELETE, 0));
	put(dir, "update-icmp", event(0, &icmp, IPCTNL_MSG_CT_NEW, 0));
	n = event(0, &tcp, IPCTNL_MSG_CT_NEW, NLM_F_CREATE);
	n += event(n, &udp6, IPCTNL_MSG_CT_NEW, NLM_F_CREATE);
	n += event(n, &icmp, IPCTNL_MSG_CT_NEW, NLM_F_CREATE);
	n += event(n, &tcp, IPCTNL_MSG_CT_DELETE, 0);
	n += event(n, &tcp, IPCTNL_MSG_CT_NEW, NLM_F_CREATE);
	put(dir, "run-of-five", n);
	n = event(0, &tcp, IPCTNL_MSG_CT_NEW, NLM_F_CREATE);
	put(dir, "truncated", n - 9);
	return 0;
}
