/* link collector: one RTM_GETLINK dump over rtnetlink with libmnl. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include "nt_link.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

#define NT_NL_BUF 32768
#define NT_DUMP_TRIES 5

static int dump_once(struct mnl_socket *nl, uint32_t seq, struct nt_link_list *l)
{
	char buf[NT_NL_BUF];
	uint32_t portid = mnl_socket_get_portid(nl);
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int r;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		r = nt_link_parse_buf(buf, (size_t)n, seq, portid, l);
		if (r < 0)
			return r;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

int nt_link_dump(struct nt_link_list *l)
{
	struct mnl_socket *nl;
	int one = 1, r = -EAGAIN, i;
	uint32_t seq = (uint32_t)time(NULL);

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto out;
	}
	/* Extended ack: the kernel says why a request failed. Optional. */
	(void)mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	for (i = 0; i < NT_DUMP_TRIES; i++) {
		l->n = 0;
		l->intr = 0;
		l->skipped = 0;
		r = dump_once(nl, seq + (uint32_t)i, l);
		if (r)
			break;
		if (!l->intr)
			break;
		r = -EAGAIN; /* interface set changed during the dump: retry */
	}
out:
	mnl_socket_close(nl);
	return r;
}
