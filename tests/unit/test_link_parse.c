/* Unit tests: RTM_NEWLINK parser and /proc/net/dev parser on canned bytes. */
#include <errno.h>
#include <stdlib.h>
#include <libmnl/libmnl.h>
#include <net/if_arp.h>
/* IF_OPER_* from linux/if.h, which clashes with net/if.h */
enum { IF_OPER_UNKNOWN = 0, IF_OPER_DOWN = 2, IF_OPER_UP = 6 };
#include <linux/rtnetlink.h>
#include "nt_link.h"
#include "nlgen.h"
#include "t.h"

static _Alignas(8) char buf[65536];

static void test_full(void)
{
	struct nlgen_link s = { "eth0", 7, 9000, IF_OPER_UP, 1, 3, 25, 0, 1000, 0 };
	struct nt_link_if ifp;
	size_t len = nlgen_newlink(buf, 1, &s);
	int r = nt_link_parse_msg((const struct nlmsghdr *)buf, &ifp), i, bad = 0;

	(void)len;
	T_EQ_I(r, 0, "full RTM_NEWLINK parses");
	T_STR(ifp.name, "eth0", "name");
	T_EQ_U(ifp.ifindex, 7, "ifindex");
	T_EQ_U(ifp.mtu, 9000, "mtu");
	T_STR(ifp.operstate, "up", "operstate");
	T_OK(ifp.carrier, "carrier");
	T_EQ_U(ifp.c[NT_LX_CARRIER_CHANGES], 3, "carrier_changes");
	for (i = 0; i < NT_LS_COUNT; i++)
		if (ifp.c[i] != 1000u + (unsigned)i || !((ifp.avail >> i) & 1))
			bad++;
	T_EQ_I(bad, 0, "all 25 stats64 fields kept separately, in kernel order");
	T_EQ_U(ifp.c[NT_LS_rx_missed_errors], 1000 + 15, "rx_missed_errors is field 15");
	T_EQ_U(ifp.c[NT_LS_rx_otherhost_dropped], 1000 + 24, "rx_otherhost_dropped is field 24");
	T_OK(!((ifp.avail >> NT_LX_CARRIER_UP) & 1), "carrier_up_count absent -> unavailable");
}

static void test_short_stats(void)
{
	struct nlgen_link s = { "old0", 2, 1500, IF_OPER_DOWN, 0, 0, 23, 0, 5, 0 };
	struct nt_link_if ifp;
	int r;

	nlgen_newlink(buf, 1, &s);
	r = nt_link_parse_msg((const struct nlmsghdr *)buf, &ifp);
	T_EQ_I(r, 0, "short stats64 (23 fields, older kernel) parses");
	T_EQ_U(ifp.c[22], 5 + 22, "last present field kept");
	T_EQ_U(ifp.c[NT_LS_rx_nohandler], 0, "missing rx_nohandler zero-filled");
	T_OK(!((ifp.avail >> NT_LS_rx_nohandler) & 1), "missing rx_nohandler marked unavailable");
	T_OK(!((ifp.avail >> NT_LS_rx_otherhost_dropped) & 1), "missing rx_otherhost_dropped unavailable");
	T_STR(ifp.operstate, "down", "operstate down");
}

static void test_stats32(void)
{
	struct nlgen_link s = { "s32", 3, 1500, IF_OPER_UP, 1, 0, 0, 24, 77, 0 };
	struct nt_link_if ifp;

	nlgen_newlink(buf, 1, &s);
	T_EQ_I(nt_link_parse_msg((const struct nlmsghdr *)buf, &ifp), 0,
	       "IFLA_STATS (32-bit) only parses");
	T_EQ_U(ifp.c[NT_LS_rx_packets], 77, "32-bit rx_packets");
	T_EQ_U(ifp.c[NT_LS_rx_nohandler], 77 + 23, "32-bit rx_nohandler");
}

static void test_prefer64(void)
{
	struct nlgen_link s = { "both", 3, 1500, IF_OPER_UP, 1, 0, 25, 25, 0x100000005ull, 0 };
	struct nt_link_if ifp;

	nlgen_newlink(buf, 1, &s);
	T_EQ_I(nt_link_parse_msg((const struct nlmsghdr *)buf, &ifp), 0, "64+32 parses");
	T_EQ_U(ifp.c[0], 0x100000005ull, "IFLA_STATS64 wins over the wrapped 32-bit copy");
}

static void test_unknown(void)
{
	struct nlgen_link s = { "unk", 4, 1500, IF_OPER_UP, 1, 0, 25, 0, 10, 1 };
	struct nt_link_if ifp;

	nlgen_newlink(buf, 1, &s);
	T_EQ_I(nt_link_parse_msg((const struct nlmsghdr *)buf, &ifp), 0,
	       "unknown attributes are skipped");
	T_EQ_U(ifp.c[NT_LS_tx_packets], 11, "values right around unknown attributes");
}

static void test_malformed(void)
{
	struct nlgen_link s = { "bad", 5, 1500, IF_OPER_UP, 1, 0, 25, 0, 10, 0 };
	struct nt_link_list l = { 0 };
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct nt_link_if ifp;
	struct nlattr *a;
	size_t len;
	int r;

	/* truncated: the buffer ends before nlmsg_len */
	len = nlgen_newlink(buf, 1, &s);
	r = nt_link_parse_buf(buf, len - 40, 0, 0, &l);
	T_EQ_I(r, -EBADMSG, "message cut short by the buffer: -EBADMSG");
	T_EQ_U(l.n, 0, "nothing kept from a truncated message");

	/* nlmsg_len of 2^31+: libmnl's own check reads it as negative */
	l.n = 0;
	len = nlgen_newlink(buf, 1, &s);
	nlh->nlmsg_len = 0x80000010u;
	r = nt_link_parse_buf(buf, len, 0, 0, &l);
	T_EQ_I(r, -EBADMSG, "nlmsg_len 0x80000010 in a short buffer: -EBADMSG, no wild read");

	/* nlmsg_len not a multiple of 4 and cutting the last attribute: the
	 * attribute must be bounded by nlmsg_len, not its aligned value */
	l.n = 0;
	len = nlgen_newlink(buf, 1, &s);
	nlh->nlmsg_len = (uint32_t)(len - 3);
	r = nt_link_parse_buf(buf, len - 3, 0, 0, &l);
	T_EQ_I(r, -EBADMSG, "last attribute cut by an unaligned nlmsg_len: -EBADMSG");

	/* an attribute whose length runs past the message */
	len = nlgen_newlink(buf, 1, &s);
	a = (struct nlattr *)((char *)buf + len - (25 * 8 + 4));
	T_EQ_U(a->nla_type, IFLA_STATS64, "(generator: last attribute is STATS64)");
	a->nla_len = (uint16_t)(a->nla_len + 64);
	r = nt_link_parse_msg(nlh, &ifp);
	T_EQ_I(r, -EBADMSG, "attribute running past the message: -EBADMSG");

	/* header too short for ifinfomsg */
	nlh->nlmsg_len = NLMSG_HDRLEN + 4;
	T_EQ_I(nt_link_parse_msg(nlh, &ifp), -EINVAL, "message shorter than ifinfomsg: -EINVAL");

	/* stats64 of a length that is not a multiple of 8 */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "x");
	{
		char junk[203] = { 0 };

		mnl_attr_put(nlh, IFLA_STATS64, sizeof(junk), junk);
	}
	T_EQ_I(nt_link_parse_msg(nlh, &ifp), -EBADMSG, "stats64 of 203 bytes: -EBADMSG");

	/* name without its NUL */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put(nlh, IFLA_IFNAME, 4, "abcd");
	T_EQ_I(nt_link_parse_msg(nlh, &ifp), -EBADMSG, "IFLA_IFNAME without NUL: -EBADMSG");

	/* name longer than IFNAMSIZ */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "abcdefghijklmnopqrstuvwxyz");
	T_EQ_I(nt_link_parse_msg(nlh, &ifp), -EBADMSG, "IFLA_IFNAME over IFNAMSIZ: -EBADMSG");

	/* a message with no name at all */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	T_EQ_I(nt_link_parse_msg(nlh, &ifp), -EBADMSG, "RTM_NEWLINK without a name: -EBADMSG");

	/* a u32 attribute with a 2-byte payload */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "x");
	mnl_attr_put_u16(nlh, IFLA_MTU, 1500);
	T_EQ_I(nt_link_parse_msg(nlh, &ifp), -EBADMSG, "IFLA_MTU of 2 bytes: -EBADMSG");
	nt_link_list_free(&l);
}

static void test_multi(void)
{
	struct nlgen_link a = { "lo", 1, 65536, IF_OPER_UNKNOWN, 1, 0, 25, 0, 1, 0 };
	struct nlgen_link b = { "eth0", 2, 1500, IF_OPER_UP, 1, 1, 25, 0, 100, 0 };
	struct nt_link_list l = { 0 };
	size_t len = 0;
	int r;

	len += nlgen_newlink(buf + len, 9, &a);
	len += nlgen_newlink(buf + len, 9, &b);
	len += nlgen_done(buf + len, 9, 0);
	r = nt_link_parse_buf(buf, len, 9, 0, &l);
	T_EQ_I(r, MNL_CB_STOP, "two links + DONE: stop");
	T_EQ_U(l.n, 2, "two interfaces");
	T_STR(l.n == 2 ? l.v[1].name : "", "eth0", "second is eth0");
	T_EQ_U(l.intr, 0, "no DUMP_INTR");

	l.n = 0;
	r = nt_link_parse_buf(buf, len, 10, 0, &l);
	T_EQ_I(r, -EPROTO, "wrong sequence number: -EPROTO");

	l.n = 0;
	len = nlgen_newlink(buf, 9, &a);
	((struct nlmsghdr *)buf)->nlmsg_flags |= NLM_F_DUMP_INTR;
	r = nt_link_parse_buf(buf, len, 9, 0, &l);
	T_EQ_U(l.intr, 1, "NLM_F_DUMP_INTR is seen");

	l.n = 0;
	len = nlgen_error(buf, 9, -EPERM);
	T_EQ_I(nt_link_parse_buf(buf, len, 9, 0, &l), -EPERM, "NLMSG_ERROR EPERM returned");
	len = nlgen_done(buf, 9, -EINTR);
	T_EQ_I(nt_link_parse_buf(buf, len, 9, 0, &l), -EINTR, "DONE carrying an error returned");
	nt_link_list_free(&l);
}

static const char procnetdev[] =
	"Inter-|   Receive                                                |  Transmit\n"
	" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
	"    lo:   3267      29    0    0    0     0          0         0     3267      29    0    0    0     0       0          0\n"
	"  eth0: 1860547    1375    2    3    4     5          6         7   96520     831    8    9   10    11      12         13\n";

static void test_procnetdev(void)
{
	struct nt_link_list l = { 0 };
	const struct nt_link_if *e;
	int r = nt_link_parse_procnetdev(procnetdev, &l);

	T_EQ_I(r, 0, "/proc/net/dev parses");
	T_EQ_U(l.n, 2, "two interfaces from /proc/net/dev");
	e = nt_link_find(&l, "eth0");
	T_OK(e != NULL, "eth0 found");
	if (!e)
		return;
	T_EQ_U(e->c[NT_LS_rx_bytes], 1860547, "rx_bytes");
	T_EQ_U(e->c[NT_LS_rx_packets], 1375, "rx_packets");
	T_EQ_U(e->c[NT_LS_rx_errors], 2, "rx_errors");
	T_EQ_U(e->c[NT_LS_rx_dropped], 3, "rx drop column");
	T_EQ_U(e->c[NT_LS_rx_fifo_errors], 4, "rx_fifo_errors");
	T_OK(!((e->avail >> NT_LS_rx_frame_errors) & 1), "lumped frame column not shown as rx_frame_errors");
	T_EQ_U(e->c[NT_LS_multicast], 7, "multicast");
	T_EQ_U(e->c[NT_LS_tx_packets], 831, "tx_packets");
	T_EQ_U(e->c[NT_LS_collisions], 11, "collisions");
	T_OK(!((e->avail >> NT_LS_tx_carrier_errors) & 1), "lumped carrier column not shown as tx_carrier_errors");
	T_EQ_U(e->c[NT_LS_tx_compressed], 13, "tx_compressed");
	nt_link_list_free(&l);

	/* columns found by name: a reordered/extended header still maps */
	r = nt_link_parse_procnetdev(
		"banner\n"
		" face |packets bytes newthing errs|packets bytes\n"
		"  x0: 5 600 9 1 7 800\n", &l);
	T_EQ_I(r, 0, "reordered header with an unknown column parses");
	T_EQ_U(l.n ? l.v[0].c[NT_LS_rx_bytes] : 0, 600, "rx_bytes by header name");
	T_EQ_U(l.n ? l.v[0].c[NT_LS_rx_errors] : 0, 1, "rx_errors after unknown column");
	T_EQ_U(l.n ? l.v[0].c[NT_LS_tx_bytes] : 0, 800, "tx_bytes by header name");
	nt_link_list_free(&l);

	T_EQ_I(nt_link_parse_procnetdev("garbage\n", &l), -EINVAL, "no header: -EINVAL");
	nt_link_list_free(&l);
	T_EQ_I(nt_link_parse_procnetdev(
		"b\n f |bytes packets|bytes packets\n e: 1 2 3\n", &l), -EINVAL,
	       "row with too few numbers: -EINVAL");
	nt_link_list_free(&l);
	T_EQ_I(nt_link_parse_procnetdev(
		"b\n f |bytes packets|bytes packets\n e: 1 2 3 x\n", &l), -EINVAL,
	       "non-numeric value: -EINVAL");
	nt_link_list_free(&l);
}

/* ifi_type and IFLA_LINKINFO/IFLA_INFO_KIND: which devices get the 24
 * bytes of Ethernet framing in their utilization. */
static size_t mklink(uint16_t type, const char *name, const char *kind,
		     const char *slave_kind)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	struct nlattr *li;

	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 4;
	ifi->ifi_type = type;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (kind || slave_kind) {
		li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		if (kind)
			mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
		if (slave_kind)
			mnl_attr_put_strz(nlh, IFLA_INFO_SLAVE_KIND, slave_kind);
		mnl_attr_nest_end(nlh, li);
	}
	return nlh->nlmsg_len;
}

static void test_kind(void)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	struct nt_link_if ifp;
	struct nlattr *a;

	mklink(ARPHRD_ETHER, "eth0", NULL, NULL);
	T_EQ_I(nt_link_parse_msg(nlh, &ifp), 0, "physical NIC parses");
	T_OK(ifp.arphrd == ARPHRD_ETHER && !ifp.kind[0] && !((ifp.avail >> NT_LINK_KIND_BIT) & 1),
	     "ARPHRD_ETHER, no IFLA_LINKINFO: no kind");
	T_OK(((ifp.avail >> NT_LINK_FRAMING_BIT) & 1) && ifp.framing_bytes == 24,
	     "physical Ethernet: 24 bytes framing");
	mklink(ARPHRD_ETHER, "veth0", "veth", NULL);
	T_EQ_I(nt_link_parse_msg(nlh, &ifp), 0, "veth parses");
	T_OK(!strcmp(ifp.kind, "veth") && ((ifp.avail >> NT_LINK_KIND_BIT) & 1),
	     "IFLA_INFO_KIND veth read");
	T_EQ_U(ifp.framing_bytes, 0, "veth (kind present): no framing");
	mklink(ARPHRD_ETHER, "eth1", NULL, "bond");
	T_EQ_I(nt_link_parse_msg(nlh, &ifp), 0, "bond port parses");
	T_OK(!ifp.kind[0] && ifp.framing_bytes == 24,
	     "a bond port (only IFLA_INFO_SLAVE_KIND) is physical: 24");
	mklink(ARPHRD_LOOPBACK, "lo", NULL, NULL);
	T_EQ_I(nt_link_parse_msg(nlh, &ifp), 0, "lo parses");
	T_EQ_U(ifp.framing_bytes, 0, "loopback: no framing");
	mklink(ARPHRD_ETHER, "vx0", "averyveryverylongkindname", NULL);
	T_EQ_I(nt_link_parse_msg(nlh, &ifp), 0, "a kind longer than the field parses");
	T_OK(strlen(ifp.kind) == sizeof(ifp.kind) - 1 && ifp.framing_bytes == 0,
	     "long kind cut, still virtual");
	/* a nested kind that runs past IFLA_LINKINFO */
	mklink(ARPHRD_ETHER, "bad0", "veth", NULL);
	a = (struct nlattr *)((char *)buf + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct ifinfomsg)));
	a = mnl_attr_next(a); /* IFLA_LINKINFO after IFLA_IFNAME */
	((struct nlattr *)mnl_attr_get_payload(a))->nla_len += 8;
	T_EQ_I(nt_link_parse_msg(nlh, &ifp), -EBADMSG, "IFLA_INFO_KIND past its nest: -EBADMSG");
}

int main(void)
{
	test_full();
	test_short_stats();
	test_stats32();
	test_prefer64();
	test_unknown();
	test_malformed();
	test_multi();
	test_procnetdev();
	test_kind();
	return T_DONE();
}
