/* Canned netlink message generator (see nlgen.h). */
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include "nlgen.h"

size_t nlgen_newlink(void *buf, uint32_t seq, const struct nlgen_link *s)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	int i;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = s->ifindex;
	ifi->ifi_flags = IFF_UP;
	if (s->unknown_attrs)
		mnl_attr_put_u32(nlh, IFLA_MAX + 5, 0xdeadbeef);
	if (s->name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, s->name);
	mnl_attr_put_u32(nlh, IFLA_MTU, s->mtu);
	mnl_attr_put_u8(nlh, IFLA_OPERSTATE, s->operstate);
	mnl_attr_put_u8(nlh, IFLA_CARRIER, s->carrier);
	mnl_attr_put_u32(nlh, IFLA_CARRIER_CHANGES, s->carrier_changes);
	if (s->unknown_attrs) {
		struct nlattr *nest = mnl_attr_nest_start(nlh, IFLA_MAX + 9);

		mnl_attr_put_u64(nlh, 1, 42);
		mnl_attr_nest_end(nlh, nest);
	}
	if (s->nstats64 > 0) {
		uint64_t v[32];

		for (i = 0; i < s->nstats64 && i < 32; i++)
			v[i] = s->base + (uint64_t)i;
		mnl_attr_put(nlh, IFLA_STATS64, (size_t)s->nstats64 * 8, v);
	}
	if (s->nstats32 > 0) {
		uint32_t v[32];

		for (i = 0; i < s->nstats32 && i < 32; i++)
			v[i] = (uint32_t)(s->base + (uint64_t)i);
		mnl_attr_put(nlh, IFLA_STATS, (size_t)s->nstats32 * 4, v);
	}
	return nlh->nlmsg_len;
}

size_t nlgen_done(void *buf, uint32_t seq, int32_t err)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int32_t *p;

	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = seq;
	p = mnl_nlmsg_put_extra_header(nlh, sizeof(*p));
	*p = err;
	return nlh->nlmsg_len;
}

size_t nlgen_error(void *buf, uint32_t seq, int err)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = seq;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = err;
	return nlh->nlmsg_len;
}
