/* Unit tests: the ethtool genetlink parsers (CTRL_CMD_NEWFAMILY,
 * ETHTOOL_MSG_LINKMODES_GET_REPLY) on canned bytes, applying replies to
 * interfaces, and the sysfs fallback's parsers and files. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include "nt_link.h"
#include "nt_nl.h"
#include "nlgen.h"
#include "t.h"

static _Alignas(8) char buf[65536];
#define FAM 0x1c

static const struct nlmsghdr *H(void)
{
	return (const struct nlmsghdr *)buf;
}

static void test_family(void)
{
	uint16_t id = 0;
	size_t len = nlgen_genl_family(buf, 1, "ethtool", 0x23);

	T_OK(len > NLMSG_HDRLEN, "family reply generated");
	T_EQ_I(nt_genl_parse_family(H(), &id), 0, "CTRL_CMD_NEWFAMILY parses");
	T_EQ_U(id, 0x23, "family id read from CTRL_ATTR_FAMILY_ID");
	((struct nlmsghdr *)buf)->nlmsg_type = 0x23;
	T_EQ_I(nt_genl_parse_family(H(), &id), -EINVAL, "not GENL_ID_CTRL: -EINVAL");
	nlgen_genl_family(buf, 1, "ethtool", 3);
	T_EQ_I(nt_genl_parse_family(H(), &id), -EBADMSG,
	       "a family id below NLMSG_MIN_TYPE is malformed");
	len = nlgen_genl_family(buf, 1, "ethtool", 0x23);
	/* cut inside the last attribute */
	((struct nlmsghdr *)buf)->nlmsg_len = (uint32_t)len - 2;
	T_EQ_I(nt_genl_parse_family(H(), &id), -EBADMSG, "truncated attribute: -EBADMSG");
}

static void test_linkmodes(void)
{
	struct nlgen_linkmodes m = { 7, "eth0", 25000, 0, 1, 1 };
	struct nt_link_mode o;

	nlgen_linkmodes(buf, 1, FAM, &m);
	T_EQ_I(nt_link_parse_linkmodes(H(), FAM, &o), 0, "LINKMODES reply with bitsets parses");
	T_EQ_U(o.ifindex, 7, "header DEV_INDEX");
	T_STR(o.name, "eth0", "header DEV_NAME");
	T_OK(o.have_speed && o.speed == 25000, "speed 25000 Mb/s");
	T_OK(o.have_duplex && o.duplex == 1, "duplex FULL (1)");
	T_EQ_I(nt_link_parse_linkmodes(H(), FAM + 1, &o), -EINVAL, "other family: -EINVAL");

	m = (struct nlgen_linkmodes){ 3, NULL, -1, 0, -1, 0 };
	nlgen_linkmodes(buf, 1, FAM, &m);
	T_EQ_I(nt_link_parse_linkmodes(H(), FAM, &o), 0, "reply without speed and duplex parses");
	T_OK(!o.have_speed && !o.have_duplex, "absent speed and duplex are absent");

	m = (struct nlgen_linkmodes){ 0, NULL, 100, 0, 0, 0 };
	nlgen_linkmodes(buf, 1, FAM, &m);
	T_EQ_I(nt_link_parse_linkmodes(H(), FAM, &o), -EBADMSG,
	       "a reply that names no device is malformed");

	/* a speed attribute with a u8 payload */
	{
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		struct genlmsghdr *gh;

		nlh->nlmsg_type = FAM;
		gh = mnl_nlmsg_put_extra_header(nlh, sizeof(*gh));
		gh->cmd = ETHTOOL_MSG_LINKMODES_GET_REPLY;
		mnl_attr_put_u8(nlh, ETHTOOL_A_LINKMODES_SPEED, 1);
		T_EQ_I(nt_link_parse_linkmodes(H(), FAM, &o), -EBADMSG,
		       "a speed of the wrong width: -EBADMSG");
		gh->cmd = ETHTOOL_MSG_LINKINFO_GET_REPLY;
		T_EQ_I(nt_link_parse_linkmodes(H(), FAM, &o), -EINVAL,
		       "another command's reply: -EINVAL");
	}
	{
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

		nlh->nlmsg_type = FAM;
		nlh->nlmsg_len = NLMSG_HDRLEN + 2;
		T_EQ_I(nt_link_parse_linkmodes(H(), FAM, &o), -EINVAL,
		       "shorter than the genetlink header: -EINVAL");
	}
}

static struct nt_link_if mkif(const char *name, uint32_t idx)
{
	struct nt_link_if i;

	memset(&i, 0, sizeof(i));
	snprintf(i.name, sizeof(i.name), "%s", name);
	i.ifindex = idx;
	return i;
}

static bool has(const struct nt_link_if *i, int bit)
{
	return (i->avail >> bit) & 1;
}

static void test_dump_apply(void)
{
	struct nt_link_if v[4] = { mkif("lo", 1), mkif("eth0", 2), mkif("eth1", 3),
				   mkif("tun0", 4) };
	struct nt_link_list l = { v, 4, 4, 0, 0 };
	struct nlgen_linkmodes e0 = { 2, "eth0", 1000, 0, 1, 1 };
	struct nlgen_linkmodes e1 = { 3, "eth1", -2, 0xffffffffll, 0xff, 0 };
	struct nlgen_linkmodes t0 = { 4, "tun0", 10, 0, 0, 0 };
	struct nlgen_linkmodes gone = { 9, "gone", 100, 0, 1, 0 };
	struct nt_link_modes ms = { 0 };
	size_t len = 0;
	int r;

	/* eth1 reports SPEED_UNKNOWN and DUPLEX_UNKNOWN; lo sends nothing
	 * (no get_link_ksettings: the kernel skips it in the dump); tun0
	 * half; a device that vanished between the dumps is ignored */
	len += nlgen_linkmodes(buf + len, 1, FAM, &e0);
	len += nlgen_linkmodes(buf + len, 1, FAM, &e1);
	len += nlgen_linkmodes(buf + len, 1, FAM, &t0);
	len += nlgen_linkmodes(buf + len, 1, FAM, &gone);
	len += nlgen_done(buf + len, 1, 0);
	r = nt_link_parse_modes_buf(buf, len, FAM, &ms);
	T_EQ_I(r, 0, "dump of 4 replies + DONE walks to the end");
	T_EQ_U(ms.n, 4, "4 replies kept");
	T_EQ_U(nt_link_modes_apply(&l, &ms), 3, "3 applied, the vanished device ignored");
	T_OK(!has(&v[0], NT_LINK_SPEED_BIT) && !has(&v[0], NT_LINK_DUPLEX_BIT),
	     "lo: no reply, speed and duplex unknown");
	T_OK(has(&v[1], NT_LINK_SPEED_BIT) && v[1].speed_mbps == 1000, "eth0: 1000 Mb/s");
	T_OK(has(&v[1], NT_LINK_DUPLEX_BIT) && !strcmp(v[1].duplex, "full"), "eth0: full");
	T_OK(!has(&v[2], NT_LINK_SPEED_BIT), "eth1: SPEED_UNKNOWN (0xffffffff) is unknown, not 4 Tb/s");
	T_OK(!has(&v[2], NT_LINK_DUPLEX_BIT), "eth1: DUPLEX_UNKNOWN (0xff) is unknown");
	T_OK(has(&v[3], NT_LINK_DUPLEX_BIT) && !strcmp(v[3].duplex, "half"), "tun0: half (0)");

	/* speed 0 is unknown too */
	e0.speed = 0;
	len = nlgen_linkmodes(buf, 1, FAM, &e0);
	ms.n = 0;
	nt_link_parse_modes_buf(buf, len, FAM, &ms);
	nt_link_modes_apply(&l, &ms);
	T_OK(!has(&v[1], NT_LINK_SPEED_BIT) && v[1].speed_mbps == 0, "speed 0: unknown");

	/* by name when the list has no ifindex (/proc/net/dev source) */
	v[1].ifindex = 0;
	e0.speed = 100;
	len = nlgen_linkmodes(buf, 1, FAM, &e0);
	ms.n = 0;
	nt_link_parse_modes_buf(buf, len, FAM, &ms);
	nt_link_modes_apply(&l, &ms);
	T_OK(v[1].speed_mbps == 100, "matched by name without an ifindex");

	/* an error in the dump is returned */
	len = nlgen_error(buf, 1, -EOPNOTSUPP);
	T_EQ_I(nt_link_parse_modes_buf(buf, len, FAM, &ms), -EOPNOTSUPP,
	       "NLMSG_ERROR in the dump returned");
	/* malformed reply stops the walk */
	len = nlgen_linkmodes(buf, 1, FAM, &gone);
	((struct nlmsghdr *)buf)->nlmsg_len -= 6; /* into the duplex attribute */
	T_OK(nt_link_parse_modes_buf(buf, len, FAM, &ms) < 0, "cut reply: an error, no crash");
	nt_link_modes_free(&ms);
}

/* The dump of a kernel whose ethnl_default_dumpit stopped at a device
 * failing with -ENODEV (not present, unregistering): two replies, then the
 * end of the dump carrying the error. Both replies count, the walk
 * returns the error, and the interfaces without a reply are the ones
 * left for per-device requests. */
static void test_dump_enodev(void)
{
	struct nt_link_if v[5] = { mkif("lo", 1), mkif("eth0", 2), mkif("eth1", 3),
				   mkif("vf0", 4), mkif("eth2", 5) };
	struct nt_link_list l = { v, 5, 5, 0, 0 };
	struct nlgen_linkmodes e0 = { 2, "eth0", 10000, 0, 1, 1 };
	struct nlgen_linkmodes e1 = { 3, "eth1", 1000, 0, 0, 1 };
	struct nt_link_modes ms = { 0 };
	size_t len, k;
	int how, r;

	for (how = 0; how < 2; how++) {
		static const char *const names[5] = { "lo", "eth0", "eth1", "vf0", "eth2" };

		for (k = 0; k < 5; k++)
			v[k] = mkif(names[k], (uint32_t)k + 1);
		len = nlgen_linkmodes(buf, 1, FAM, &e0);
		len += nlgen_linkmodes(buf + len, 1, FAM, &e1);
		len += how == 0 ? nlgen_done(buf + len, 1, -ENODEV) :
				  nlgen_error(buf + len, 1, -ENODEV);
		ms.n = 0;
		r = nt_link_parse_modes_buf(buf, len, FAM, &ms);
		T_EQ_I(r, -ENODEV, how == 0 ? "dump ending in NLMSG_DONE -ENODEV returns -ENODEV" :
		       "dump ending in NLMSG_ERROR -ENODEV returns -ENODEV");
		T_EQ_U(ms.n, 2, "the two replies before the error are kept");
		T_EQ_U(nt_link_modes_apply(&l, &ms), 2, "both applied");
		T_OK(has(&v[1], NT_LINK_SPEED_BIT) && v[1].speed_mbps == 10000 &&
		     !strcmp(v[1].duplex, "full"), "eth0: 10000 full from the partial dump");
		T_OK(has(&v[2], NT_LINK_SPEED_BIT) && v[2].speed_mbps == 1000 &&
		     !strcmp(v[2].duplex, "half"), "eth1: 1000 half from the partial dump");
		T_EQ_U(nt_link_modes_pending(&l), 3, "lo, vf0 and eth2 are left for per-device requests");
		T_OK(!v[0].mode_seen && v[1].mode_seen && v[2].mode_seen && !v[3].mode_seen &&
		     !v[4].mode_seen, "exactly the interfaces without a reply are marked");
	}
	nt_link_modes_free(&ms);
}

/* A canned kernel for the per-device requests: answers by the request's
 * ETHTOOL_A_HEADER_DEV_INDEX, like ethnl_default_doit. */
struct fake {
	uint32_t asked[16];
	size_t nasked;
	uint32_t seq;
	int bad_request;     /* a request that is not a LINKMODES_GET do */
	bool pending;        /* a request not answered yet */
};

static uint32_t req_ifindex(const struct nlmsghdr *nlh)
{
	const struct nlattr *a, *b;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN)
		if (mnl_attr_get_type(a) == ETHTOOL_A_LINKMODES_HEADER)
			mnl_attr_for_each_nested(b, a)
				if (mnl_attr_get_type(b) == ETHTOOL_A_HEADER_DEV_INDEX)
					return mnl_attr_get_u32(b);
	return 0;
}

static ssize_t fake_send(void *ctx, const void *b, size_t len)
{
	struct fake *f = ctx;
	const struct nlmsghdr *nlh = b;
	const struct genlmsghdr *gh = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != FAM || (nlh->nlmsg_flags & NLM_F_DUMP) ||
	    !(nlh->nlmsg_flags & NLM_F_ACK) || gh->cmd != ETHTOOL_MSG_LINKMODES_GET)
		f->bad_request++;
	if (f->nasked < 16)
		f->asked[f->nasked++] = req_ifindex(nlh);
	f->seq = nlh->nlmsg_seq;
	f->pending = true;
	return (ssize_t)len;
}

static ssize_t fake_recv(void *ctx, void *b, size_t len)
{
	struct fake *f = ctx;
	uint32_t idx = f->nasked ? f->asked[f->nasked - 1] : 0;
	struct nlgen_linkmodes r5 = { 5, "eth2", 25000, 0, 1, 1 };
	size_t n = 0;

	(void)len;
	if (!f->pending) {
		errno = EAGAIN;
		return -1;
	}
	f->pending = false;
	if (idx == 5) {          /* answers, then the ACK */
		n = nlgen_linkmodes(b, f->seq, FAM, &r5);
		n += nlgen_error((char *)b + n, f->seq, 0);
	} else if (idx == 1) {   /* lo: no get_link_ksettings */
		n = nlgen_error(b, f->seq, -EOPNOTSUPP);
	} else {                 /* vf0: still not present */
		n = nlgen_error(b, f->seq, -ENODEV);
	}
	return (ssize_t)n;
}

/* Answers with a sequence number that is not the request's. */
static ssize_t stale_recv(void *ctx, void *b, size_t len)
{
	struct fake *f = ctx;

	(void)len;
	if (!f->pending) {
		errno = EAGAIN;
		return -1;
	}
	f->pending = false;
	return (ssize_t)nlgen_error(b, f->seq - 1, 0);
}

static void test_perdev(void)
{
	struct nt_link_if v[5] = { mkif("lo", 1), mkif("eth0", 2), mkif("eth1", 3),
				   mkif("vf0", 4), mkif("eth2", 5) };
	struct nt_link_list l = { v, 5, 5, 0, 0 };
	struct fake f = { { 0 }, 0, 0, 0, false };
	struct nt_nl_io io = { fake_send, fake_recv, &f, 0 };
	struct nt_link_perdev pd;

	v[1].mode_seen = v[2].mode_seen = true; /* from the partial dump */
	T_EQ_I(nt_link_ethtool_get_io(&io, FAM, &l, &pd), 0, "per-device requests run");
	T_EQ_U(f.nasked, 3, "one request per pending interface, none for the dumped ones");
	T_OK(f.asked[0] == 1 && f.asked[1] == 4 && f.asked[2] == 5,
	     "requests name lo, vf0, eth2 by ETHTOOL_A_HEADER_DEV_INDEX, in order");
	T_EQ_I(f.bad_request, 0, "each is a LINKMODES_GET request with NLM_F_ACK, no NLM_F_DUMP");
	T_OK(pd.asked == 3 && pd.answered == 1 && pd.unsupported == 1 && pd.failed == 1,
	     "results: 1 answered, 1 without link settings, 1 failed");
	T_OK(pd.first_err == -ENODEV && !strcmp(pd.first_name, "vf0"), "the failure names vf0 and ENODEV");
	T_OK(has(&v[4], NT_LINK_SPEED_BIT) && v[4].speed_mbps == 25000 &&
	     !strcmp(v[4].duplex, "full"), "eth2: 25000 full from its own request");
	T_OK(!has(&v[3], NT_LINK_SPEED_BIT) && !has(&v[0], NT_LINK_SPEED_BIT),
	     "vf0 and lo stay unknown (null)");
	T_EQ_U(nt_link_modes_pending(&l), 2, "still pending: lo and vf0 (never guessed)");

	T_OK(!pd.stopped, "kernel errors end their answer: no reason to stop asking");

	/* an answer out of sequence (the rest of an earlier one left queued):
	 * the next request would read it as its own, so asking stops there */
	{
		struct nt_link_if w[3] = { mkif("eth0", 2), mkif("vf0", 4), mkif("eth2", 5) };
		struct nt_link_list l2 = { w, 3, 3, 0, 0 };
		struct fake g = { { 0 }, 0, 0, 0, false };
		struct nt_nl_io io2 = { fake_send, stale_recv, &g, 0 };

		T_EQ_I(nt_link_ethtool_get_io(&io2, FAM, &l2, &pd), 0, "stale answer: runs");
		T_OK(pd.stopped && pd.asked == 1 && g.nasked == 1 && pd.failed == 1 &&
		     pd.first_err == -EPROTO,
		     "stale answer: -EPROTO on the first request, stopped, no further request (asked %zu)",
		     pd.asked);
		T_EQ_U(nt_link_modes_pending(&l2), 3, "stale answer: the rest stay unknown");
	}

	/* nothing pending: no request at all */
	v[0].mode_seen = v[3].mode_seen = true;
	f.nasked = 0;
	T_EQ_I(nt_link_ethtool_get_io(&io, FAM, &l, &pd), 0, "nothing pending");
	T_OK(f.nasked == 0 && pd.asked == 0, "nothing pending: no request sent");
}

static void put(const char *dir, const char *ifn, const char *f, const char *text)
{
	char p[512];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s", dir, ifn);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/%s/%s", dir, ifn, f);
	fp = fopen(p, "w");
	if (fp) {
		fputs(text, fp);
		fclose(fp);
	}
}

static void test_sysfs(void)
{
	char dir[] = "/tmp/nt-test-sysfs.XXXXXX";
	struct nt_link_if v[4] = { mkif("eth0", 2), mkif("eth1", 3), mkif("other", 4),
				   mkif("absent", 5) };
	struct nt_link_list l = { v, 4, 4, 0, 0 };
	uint32_t mbps = 0;
	size_t n;

	T_OK(nt_link_parse_sysfs_speed("10000\n", &mbps) && mbps == 10000, "sysfs speed 10000");
	T_OK(!nt_link_parse_sysfs_speed("-1\n", &mbps), "sysfs speed -1: unknown");
	T_OK(!nt_link_parse_sysfs_speed("0\n", &mbps), "sysfs speed 0: unknown");
	T_OK(!nt_link_parse_sysfs_speed("4294967295\n", &mbps), "sysfs SPEED_UNKNOWN: unknown");
	T_OK(!nt_link_parse_sysfs_speed("10G\n", &mbps), "sysfs speed not a number: unknown");
	T_STR(nt_link_parse_sysfs_duplex("half\n"), "half", "sysfs duplex half");
	T_OK(nt_link_parse_sysfs_duplex("unknown\n") == NULL, "sysfs duplex unknown: NULL");

	if (!mkdtemp(dir)) {
		T_OK(0, "mkdtemp");
		return;
	}
	put(dir, "eth0", "ifindex", "2\n");
	put(dir, "eth0", "speed", "1000\n");
	put(dir, "eth0", "duplex", "full\n");
	put(dir, "eth1", "ifindex", "3\n");
	put(dir, "eth1", "speed", "-1\n");
	put(dir, "eth1", "duplex", "unknown\n");
	put(dir, "other", "ifindex", "40\n"); /* a namesake in another netns */
	put(dir, "other", "speed", "100\n");
	n = nt_link_sysfs_speed(&l, dir);
	T_EQ_U(n, 2, "sysfs: two interfaces matched by name and ifindex");
	T_OK(has(&v[0], NT_LINK_SPEED_BIT) && v[0].speed_mbps == 1000 &&
	     !strcmp(v[0].duplex, "full"), "sysfs eth0: 1000 full");
	T_OK(!has(&v[1], NT_LINK_SPEED_BIT) && !has(&v[1], NT_LINK_DUPLEX_BIT),
	     "sysfs eth1: -1/unknown stay null");
	T_OK(!has(&v[2], NT_LINK_SPEED_BIT), "sysfs: a namesake with another ifindex is not used");
	T_OK(!has(&v[3], NT_LINK_SPEED_BIT), "sysfs: absent directory: unknown");
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		T_EQ_I(system(cmd), 0, "cleanup");
	}
}

int main(void)
{
	test_family();
	test_linkmodes();
	test_dump_apply();
	test_dump_enodev();
	test_perdev();
	test_sysfs();
	return T_DONE();
}
