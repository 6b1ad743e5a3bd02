/* Canned netlink message generator (see nlgen.h). */
#include <stdio.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <arpa/inet.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
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

size_t nlgen_genl_family(void *buf, uint32_t seq, const char *name, uint16_t id)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *gh;

	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_seq = seq;
	gh = mnl_nlmsg_put_extra_header(nlh, sizeof(*gh));
	gh->cmd = CTRL_CMD_NEWFAMILY;
	gh->version = 2;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, id);
	mnl_attr_put_u32(nlh, CTRL_ATTR_VERSION, 1);
	mnl_attr_put_u32(nlh, CTRL_ATTR_HDRSIZE, 0);
	return nlh->nlmsg_len;
}

size_t nlgen_linkmodes(void *buf, uint32_t seq, uint16_t fam,
		       const struct nlgen_linkmodes *m)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *gh;
	struct nlattr *nest;

	nlh->nlmsg_type = fam;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = seq;
	gh = mnl_nlmsg_put_extra_header(nlh, sizeof(*gh));
	gh->cmd = ETHTOOL_MSG_LINKMODES_GET_REPLY;
	gh->version = 1;
	nest = mnl_attr_nest_start(nlh, ETHTOOL_A_LINKMODES_HEADER);
	if (m->ifindex)
		mnl_attr_put_u32(nlh, ETHTOOL_A_HEADER_DEV_INDEX, m->ifindex);
	if (m->name)
		mnl_attr_put_strz(nlh, ETHTOOL_A_HEADER_DEV_NAME, m->name);
	mnl_attr_nest_end(nlh, nest);
	if (m->bitsets) {
		uint32_t words[2] = { 0x2f, 0 };

		mnl_attr_put_u8(nlh, ETHTOOL_A_LINKMODES_AUTONEG, 1);
		nest = mnl_attr_nest_start(nlh, ETHTOOL_A_LINKMODES_OURS);
		mnl_attr_put_u32(nlh, ETHTOOL_A_BITSET_SIZE, 64);
		mnl_attr_put(nlh, ETHTOOL_A_BITSET_VALUE, sizeof(words), words);
		mnl_attr_put(nlh, ETHTOOL_A_BITSET_MASK, sizeof(words), words);
		mnl_attr_nest_end(nlh, nest);
	}
	if (m->speed >= 0)
		mnl_attr_put_u32(nlh, ETHTOOL_A_LINKMODES_SPEED, (uint32_t)m->speed);
	else if (m->speed == -2)
		mnl_attr_put_u32(nlh, ETHTOOL_A_LINKMODES_SPEED, (uint32_t)m->speed_raw);
	if (m->duplex >= 0)
		mnl_attr_put_u8(nlh, ETHTOOL_A_LINKMODES_DUPLEX, (uint8_t)m->duplex);
	if (m->bitsets) {
		mnl_attr_put_u32(nlh, ETHTOOL_A_LINKMODES_LANES, 1);
		mnl_attr_put_u8(nlh, ETHTOOL_A_LINKMODES_MASTER_SLAVE_CFG, 0);
	}
	return nlh->nlmsg_len;
}

/* A seed file: sel first when sel >= 0 (a fuzz target's selector byte),
 * then buf. */
int nlgen_write_sel(const char *dir, const char *name, int sel, const void *buf,
		    size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || (sel >= 0 && fputc(sel, f) == EOF) || fwrite(buf, 1, len, f) != len) {
		perror(path);
		if (f)
			fclose(f);
		return -1;
	}
	return fclose(f) ? -1 : 0;
}

int nlgen_write(const char *dir, const char *name, const void *buf, size_t len)
{
	return nlgen_write_sel(dir, name, -1, buf, len);
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

static struct nlmsghdr *ct_header(void *buf, uint32_t seq, uint8_t msg,
				  uint8_t family, uint16_t res_id)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | msg;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(res_id);
	return nlh;
}

size_t nlgen_ct_stats(void *buf, uint32_t seq, uint32_t entries, uint32_t max)
{
	struct nlmsghdr *nlh = ct_header(buf, seq, IPCTNL_MSG_CT_GET_STATS,
					 AF_UNSPEC, 0);

	nlh->nlmsg_flags = 0;
	mnl_attr_put_u32(nlh, CTA_STATS_GLOBAL_ENTRIES, htonl(entries));
	mnl_attr_put_u32(nlh, CTA_STATS_GLOBAL_MAX_ENTRIES, htonl(max));
	return nlh->nlmsg_len;
}

size_t nlgen_ct_stats_cpu(void *buf, uint32_t seq, uint16_t cpu, uint32_t base,
			  int unknown)
{
	struct nlmsghdr *nlh = ct_header(buf, seq, IPCTNL_MSG_CT_GET_STATS_CPU,
					 AF_UNSPEC, cpu);
	uint16_t t;
	int i;

	for (t = CTA_STATS_FOUND; t <= CTA_STATS_CHAIN_TOOLONG; t++) {
		if (t == CTA_STATS_NEW || t == CTA_STATS_IGNORE ||
		    t == CTA_STATS_DELETE || t == CTA_STATS_DELETE_LIST)
			continue;
		mnl_attr_put_u32(nlh, t, htonl(base + t));
	}
	for (i = 0; i < unknown; i++)
		mnl_attr_put_u32(nlh, (uint16_t)(CTA_STATS_MAX + 1 + i),
				 htonl(1000u + (uint32_t)i));
	return nlh->nlmsg_len;
}

static void put_tuple(struct nlmsghdr *nlh, uint16_t type,
		      const struct nlgen_ct *c, int reply)
{
	struct nlattr *t = mnl_attr_nest_start(nlh, type), *n;
	uint8_t a[16], b[16];
	int v6 = c->family == AF_INET6;

	inet_pton(c->family, reply ? c->dst : c->src, a);
	inet_pton(c->family, reply ? c->src : c->dst, b);
	n = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	mnl_attr_put(nlh, v6 ? CTA_IP_V6_SRC : CTA_IP_V4_SRC, v6 ? 16 : 4, a);
	mnl_attr_put(nlh, v6 ? CTA_IP_V6_DST : CTA_IP_V4_DST, v6 ? 16 : 4, b);
	mnl_attr_nest_end(nlh, n);
	n = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, c->proto);
	if (c->proto == IPPROTO_ICMP || c->proto == IPPROTO_ICMPV6) {
		int six = c->proto == IPPROTO_ICMPV6;

		mnl_attr_put_u16(nlh, six ? CTA_PROTO_ICMPV6_ID : CTA_PROTO_ICMP_ID, htons(77));
		mnl_attr_put_u8(nlh, six ? CTA_PROTO_ICMPV6_TYPE : CTA_PROTO_ICMP_TYPE,
				reply ? 0 : c->icmp_type);
		mnl_attr_put_u8(nlh, six ? CTA_PROTO_ICMPV6_CODE : CTA_PROTO_ICMP_CODE,
				c->icmp_code);
	} else {
		mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(reply ? c->dport : c->sport));
		mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(reply ? c->sport : c->dport));
	}
	mnl_attr_nest_end(nlh, n);
	mnl_attr_nest_end(nlh, t);
}

size_t nlgen_ct_entry(void *buf, uint32_t seq, const struct nlgen_ct *c)
{
	struct nlmsghdr *nlh = ct_header(buf, seq, IPCTNL_MSG_CT_NEW, c->family, 0);
	int i;

	put_tuple(nlh, CTA_TUPLE_ORIG, c, 0);
	put_tuple(nlh, CTA_TUPLE_REPLY, c, 1);
	mnl_attr_put_u32(nlh, CTA_STATUS, htonl(c->status));
	mnl_attr_put_u32(nlh, CTA_TIMEOUT, htonl(3600));
	if (c->state >= 0) {
		struct nlattr *p = mnl_attr_nest_start(nlh, CTA_PROTOINFO);
		struct nlattr *t = mnl_attr_nest_start(nlh, CTA_PROTOINFO_TCP);

		mnl_attr_put_u8(nlh, CTA_PROTOINFO_TCP_STATE, (uint8_t)c->state);
		mnl_attr_put_u8(nlh, CTA_PROTOINFO_TCP_WSCALE_ORIGINAL, 7);
		mnl_attr_nest_end(nlh, t);
		mnl_attr_nest_end(nlh, p);
	}
	mnl_attr_put_u32(nlh, CTA_MARK, htonl(c->mark));
	if (c->zone >= 0)
		mnl_attr_put_u16(nlh, CTA_ZONE, htons((uint16_t)c->zone));
	mnl_attr_put_u32(nlh, CTA_ID, htonl(0x1234));
	mnl_attr_put_u32(nlh, CTA_USE, htonl(1));
	for (i = 0; i < c->unknown_attrs; i++)
		mnl_attr_put_u32(nlh, (uint16_t)(CTA_MAX + 1 + i), 0xdeadbeef);
	return nlh->nlmsg_len;
}

static void put_at(uint8_t *p, int len, size_t off, const void *v, size_t n)
{
	if ((size_t)len >= off + n)
		memcpy(p + off, v, n);
}

struct nlgen_diag nlgen_diag4(uint8_t state, const char *src, uint16_t sport,
			      const char *dst, uint16_t dport)
{
	struct nlgen_diag d;

	memset(&d, 0, sizeof(d));
	d.family = AF_INET;
	d.state = state;
	d.sport = sport;
	d.dport = dport;
	inet_pton(AF_INET, src, d.src);
	inet_pton(AF_INET, dst, d.dst);
	return d;
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
