/* Canned netlink message generator (see nlgen.h). */
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <arpa/inet.h>
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

static void put_at(uint8_t *p, int len, size_t off, const void *v, size_t n)
{
	if ((size_t)len >= off + n)
		memcpy(p + off, v, n);
}

size_t nlgen_diag(void *buf, uint32_t seq, const struct nlgen_diag *s)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_msg *m;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = seq;
	m = mnl_nlmsg_put_extra_header(nlh, sizeof(*m));
	m->idiag_family = s->family;
	m->idiag_state = s->state;
	m->id.idiag_sport = htons(s->sport);
	m->id.idiag_dport = htons(s->dport);
	memcpy(m->id.idiag_src, s->src, 16);
	memcpy(m->id.idiag_dst, s->dst, 16);
	m->idiag_rqueue = s->rqueue;
	m->idiag_wqueue = s->wqueue;
	m->idiag_inode = s->inode;
	if (s->unknown_attrs)
		mnl_attr_put_u32(nlh, INET_DIAG_MAX + 7, 0xfeedface);
	if (s->info_len > 0) {
		uint8_t ti[512];
		int i, n = s->info_len < 512 ? s->info_len : 512;
		uint16_t rto = s->total_rto;

		for (i = 0; i < n; i++)
			ti[i] = (uint8_t)(s->info_base + (uint32_t)i);
		put_at(ti, n, 32, &s->lost, 4);
		put_at(ti, n, 36, &s->retrans, 4);
		put_at(ti, n, 68, &s->rtt, 4);
		put_at(ti, n, 72, &s->rttvar, 4);
		put_at(ti, n, 80, &s->cwnd, 4);
		put_at(ti, n, 100, &s->total_retrans, 4);
		put_at(ti, n, 208, &s->bytes_retrans, 8);
		put_at(ti, n, 240, &rto, 2);
		mnl_attr_put(nlh, INET_DIAG_INFO, (size_t)n, ti);
	}
	if (s->unknown_attrs)
		mnl_attr_put_u8(nlh, INET_DIAG_SHUTDOWN, 0);
	return nlh->nlmsg_len;
}
