/* link collector: one RTM_GETLINK dump over rtnetlink. */
#include <errno.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include "nt_link.h"
#include "nt_nl.h"

static void reset(void *data)
{
	((struct nt_link_list *)data)->n = 0;
}

int nt_link_dump(struct nt_link_list *l)
{
	char req[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	struct ifinfomsg *ifi;
	struct nt_nl_walk w = { 0, 0, RTM_NEWLINK, nt_link_msg_cb, l, 0, 0 };
	int r;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	l->n = 0;
	r = nt_nl_dump(NETLINK_ROUTE, nlh, &w, reset, 5, 32768);
	l->intr = w.intr;
	l->skipped = w.skipped;
	return r;
}
