/* Link speed and duplex: ethtool netlink (generic netlink family
 * "ethtool", ETHTOOL_MSG_LINKMODES_GET as one dump for every interface)
 * with libmnl, in the calling thread's namespace; /sys/class/net as the
 * fallback when the kernel has no ethtool family (before 5.6). A dump the
 * kernel ended in an error (one device failing stops it) is completed by
 * one LINKMODES_GET request per interface it did not answer for.
 *
 * The parsers (nt_genl_parse_family, nt_link_parse_linkmodes and
 * nt_link_parse_modes_buf) are pure: bytes in, struct out. */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include "nettriage.h"
#include "nt_link.h"
#include "nt_nl.h"

/* The attributes after the genetlink header of msg, bounded by
 * nlmsg_len (never the aligned tail: see link_parse.c). */
static const struct nlattr *genl_attrs(const struct nlmsghdr *nlh, int *remain)
{
	const struct nlattr *a = mnl_nlmsg_get_payload_offset(nlh, GENL_HDRLEN);

	*remain = (int)((const char *)nlh + nlh->nlmsg_len - (const char *)a);
	return a;
}

int nt_genl_parse_family(const struct nlmsghdr *nlh, uint16_t *id)
{
	const struct nlattr *a;
	struct genlmsghdr gh;
	int remain;
	bool found = false;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN ||
	    nlh->nlmsg_type != GENL_ID_CTRL)
		return -EINVAL;
	memcpy(&gh, mnl_nlmsg_get_payload(nlh), sizeof(gh));
	if (gh.cmd != CTRL_CMD_NEWFAMILY)
		return -EINVAL;
	for (a = genl_attrs(nlh, &remain); mnl_attr_ok(a, remain); a = mnl_attr_next(a)) {
		remain -= (int)MNL_ALIGN(a->nla_len);
		if (mnl_attr_get_type(a) != CTRL_ATTR_FAMILY_ID)
			continue;
		if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
			return -EBADMSG;
		*id = mnl_attr_get_u16(a);
		found = true;
	}
	if (remain > 0)
		return -EBADMSG;
	/* ids below NLMSG_MIN_TYPE are control messages, never a family */
	return found && *id >= NLMSG_MIN_TYPE ? 0 : found ? -EBADMSG : -ENOENT;
}

static int parse_header(const struct nlattr *nest, struct nt_link_mode *out)
{
	const struct nlattr *a;
	int remain = (int)mnl_attr_get_payload_len(nest);

	for (a = mnl_attr_get_payload(nest); mnl_attr_ok(a, remain); a = mnl_attr_next(a)) {
		uint16_t len = mnl_attr_get_payload_len(a);

		remain -= (int)MNL_ALIGN(a->nla_len);
		switch (mnl_attr_get_type(a)) {
		case ETHTOOL_A_HEADER_DEV_INDEX:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return -EBADMSG;
			out->ifindex = mnl_attr_get_u32(a);
			break;
		case ETHTOOL_A_HEADER_DEV_NAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 ||
			    len > IFNAMSIZ)
				return -EBADMSG;
			memcpy(out->name, mnl_attr_get_payload(a), len);
			out->name[IFNAMSIZ - 1] = '\0';
			break;
		default:
			break;
		}
	}
	/* the nest's payload ends exactly at its last attribute (padding
	 * of the last one aside) */
	return remain > 0 ? -EBADMSG : 0;
}

int nt_link_parse_linkmodes(const struct nlmsghdr *nlh, uint16_t fam,
			    struct nt_link_mode *out)
{
	const struct nlattr *a;
	struct genlmsghdr gh;
	int remain, r;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN || nlh->nlmsg_type != fam)
		return -EINVAL;
	memcpy(&gh, mnl_nlmsg_get_payload(nlh), sizeof(gh));
	if (gh.cmd != ETHTOOL_MSG_LINKMODES_GET_REPLY)
		return -EINVAL;
	for (a = genl_attrs(nlh, &remain); mnl_attr_ok(a, remain); a = mnl_attr_next(a)) {
		remain -= (int)MNL_ALIGN(a->nla_len);
		switch (mnl_attr_get_type(a)) {
		case ETHTOOL_A_LINKMODES_HEADER:
			if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
				return -EBADMSG;
			r = parse_header(a, out);
			if (r)
				return r;
			break;
		case ETHTOOL_A_LINKMODES_SPEED:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return -EBADMSG;
			out->speed = mnl_attr_get_u32(a);
			out->have_speed = true;
			break;
		case ETHTOOL_A_LINKMODES_DUPLEX:
			if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
				return -EBADMSG;
			out->duplex = mnl_attr_get_u8(a);
			out->have_duplex = true;
			break;
		default:
			break; /* bitsets, autoneg, lanes, ...: not needed */
		}
	}
	if (remain > 0)
		return -EBADMSG;
	if (!out->ifindex && !out->name[0])
		return -EBADMSG; /* a reply names its device */
	return 0;
}

static void set_speed(struct nt_link_if *p, uint32_t mbps)
{
	p->avail &= ~(1ull << NT_LINK_SPEED_BIT);
	p->speed_mbps = 0;
	if (mbps && mbps != (uint32_t)SPEED_UNKNOWN) {
		p->speed_mbps = mbps;
		p->avail |= 1ull << NT_LINK_SPEED_BIT;
	}
}

static void set_duplex(struct nt_link_if *p, const char *d)
{
	p->avail &= ~(1ull << NT_LINK_DUPLEX_BIT);
	p->duplex[0] = '\0';
	if (d) {
		snprintf(p->duplex, sizeof(p->duplex), "%s", d);
		p->avail |= 1ull << NT_LINK_DUPLEX_BIT;
	}
}

bool nt_link_mode_apply(struct nt_link_list *l, const struct nt_link_mode *m,
			size_t *hint)
{
	struct nt_link_if *p = NULL;
	size_t i, k;

	/* Both dumps walk the devices in the same order: try the one after
	 * the last match first, then everything once. */
	for (i = 0; i < l->n && !p; i++) {
		k = (*hint + i) % l->n;
		if (m->ifindex && l->v[k].ifindex ? l->v[k].ifindex == m->ifindex :
		    !strcmp(l->v[k].name, m->name))
			p = &l->v[k];
	}
	if (!p)
		return false;
	*hint = (size_t)(p - l->v) + 1;
	p->mode_seen = true;
	if (m->have_speed)
		set_speed(p, m->speed);
	if (m->have_duplex)
		set_duplex(p, m->duplex == DUPLEX_FULL ? "full" :
			      m->duplex == DUPLEX_HALF ? "half" : NULL);
	return true;
}

void nt_link_modes_free(struct nt_link_modes *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}

size_t nt_link_modes_apply(struct nt_link_list *l, const struct nt_link_modes *m)
{
	size_t i, hint = 0, took = 0;

	for (i = 0; i < m->n; i++)
		took += nt_link_mode_apply(l, &m->v[i], &hint);
	return took;
}

struct modes_walk {
	struct nt_link_modes *m;
	uint16_t fam;
};

static int modes_cb(const struct nlmsghdr *nlh, void *data)
{
	struct modes_walk *w = data;
	struct nt_link_mode x;
	int r = nt_link_parse_linkmodes(nlh, w->fam, &x);

	if (r == -EINVAL)
		return 0; /* another command of the family: not ours */
	if (r)
		return r;
	if (nt_grow(&w->m->v, w->m->n, &w->m->cap, sizeof(*w->m->v), 64))
		return -ENOMEM;
	w->m->v[w->m->n++] = x;
	return 0;
}

int nt_link_parse_modes_buf(const void *buf, size_t len, uint16_t fam,
			    struct nt_link_modes *m)
{
	struct modes_walk mw = { m, fam };
	struct nt_nl_walk w = { 0, 0, fam, modes_cb, &mw, 0, 0 };

	return nt_nl_walk(buf, len, &w);
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	int r = nt_genl_parse_family(nlh, data);

	return r == -EINVAL ? 0 : r;
}

static void clear_modes(void *data)
{
	((struct modes_walk *)data)->m->n = 0;
}

/* A LINKMODES_GET request of family fam into req: a dump (p NULL) or for
 * device p (by ifindex, or by name without one); compact bitsets keep the
 * link mode masks small (we read neither). */
static struct nlmsghdr *linkmodes_req(char *req, uint16_t fam, uint16_t flags,
				      const struct nt_link_if *p)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	struct genlmsghdr *gh;
	struct nlattr *nest;

	nlh->nlmsg_type = fam;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	gh = mnl_nlmsg_put_extra_header(nlh, sizeof(*gh));
	gh->cmd = ETHTOOL_MSG_LINKMODES_GET;
	gh->version = ETHTOOL_GENL_VERSION;
	nest = mnl_attr_nest_start(nlh, ETHTOOL_A_LINKMODES_HEADER);
	if (p && p->ifindex)
		mnl_attr_put_u32(nlh, ETHTOOL_A_HEADER_DEV_INDEX, p->ifindex);
	else if (p)
		mnl_attr_put_strz(nlh, ETHTOOL_A_HEADER_DEV_NAME, p->name);
	mnl_attr_put_u32(nlh, ETHTOOL_A_HEADER_FLAGS, ETHTOOL_FLAG_COMPACT_BITSETS);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

int nt_link_ethtool_dump(struct nt_link_modes *m, uint16_t *famp)
{
	char req[256];
	struct nlmsghdr *nlh;
	struct genlmsghdr *gh;
	uint16_t fam = 0;
	struct modes_walk mw = { m, 0 };
	struct nt_nl_walk w = { 0, 0, GENL_ID_CTRL, family_cb, &fam, 0, 0 };
	int r;

	/* CTRL_CMD_GETFAMILY "ethtool": the reply, then the ACK. A kernel
	 * without the family answers -ENOENT. */
	nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	gh = mnl_nlmsg_put_extra_header(nlh, sizeof(*gh));
	gh->cmd = CTRL_CMD_GETFAMILY;
	gh->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, ETHTOOL_GENL_NAME);
	m->n = 0;
	*famp = 0;
	r = nt_nl_dump(NETLINK_GENERIC, nlh, &w, NULL, 1, 0);
	if (r == 0 && !fam)
		r = -ENOENT;
	if (r)
		return r;
	*famp = fam;

	/* One LINKMODES_GET dump for every device. */
	nlh = linkmodes_req(req, fam, NLM_F_DUMP, NULL);
	mw.fam = fam;
	w = (struct nt_nl_walk){ 0, 0, fam, modes_cb, &mw, 0, 0 };
	return nt_nl_dump(NETLINK_GENERIC, nlh, &w, clear_modes, 5, 32768);
}

size_t nt_link_modes_pending(const struct nt_link_list *l)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		n += !l->v[i].mode_seen && (l->v[i].ifindex || l->v[i].name[0]);
	return n;
}

/* One LINKMODES_GET request (no dump) for p: the header names the device
 * by index (by name when the list has none: /proc/net/dev); NLM_F_ACK so
 * the answer always ends (reply + ACK, or one NLMSG_ERROR). */
static int get_one(const struct nt_nl_io *io, uint16_t fam, struct nt_link_if *p,
		   char *rbuf, size_t rlen)
{
	char req[256];
	struct nlmsghdr *nlh = linkmodes_req(req, fam, NLM_F_ACK, p);
	struct nt_link_modes m = { 0 };
	struct modes_walk mw = { &m, fam };
	struct nt_nl_walk w = { 0, 0, fam, modes_cb, &mw, 0, 0 };
	struct nt_link_list one = { p, 1, 1, 0, 0 };
	size_t hint = 0;
	int r;

	r = nt_nl_dump_io(io, nlh, &w, NULL, 1, rbuf, rlen);
	if (r == 0 && !(m.n && nt_link_mode_apply(&one, &m.v[0], &hint)))
		r = -ENODATA; /* acknowledged, but no reply for this device */
	nt_link_modes_free(&m);
	return r;
}

int nt_link_ethtool_get_io(const struct nt_nl_io *io, uint16_t fam,
			   struct nt_link_list *l, struct nt_link_perdev *res)
{
	char *rbuf;
	size_t i;
	int r;

	memset(res, 0, sizeof(*res));
	rbuf = malloc(NT_LINK_GET_RBUF);
	if (!rbuf)
		return -ENOMEM;
	for (i = 0; i < l->n; i++) {
		struct nt_link_if *p = &l->v[i];

		if (p->mode_seen || (!p->ifindex && !p->name[0]))
			continue;
		if (nt_stop) {
			res->stopped = true;
			break;
		}
		res->asked++;
		r = get_one(io, fam, p, rbuf, NT_LINK_GET_RBUF);
		if (r == 0) {
			res->answered++;
		} else if (r == -EOPNOTSUPP) {
			res->unsupported++; /* no link settings (lo, tunnels) */
		} else {
			if (!res->failed++) {
				res->first_err = r;
				memcpy(res->first_name, p->name, sizeof(res->first_name));
			}
			/* A kernel error arrives as one NLMSG_ERROR that ends
			 * its answer; these may leave the rest of an answer
			 * queued, which the next request would read as its
			 * own: stop asking (the rest stay unknown). */
			if (r == -ENOMEM || r == -EPROTO || r == -EBADMSG ||
			    r == -ENOSPC || r == -EAGAIN || r == -EWOULDBLOCK) {
				res->stopped = true;
				break;
			}
		}
	}
	free(rbuf);
	return 0;
}

static ssize_t sock_send(void *ctx, const void *buf, size_t len)
{
	return mnl_socket_sendto(ctx, buf, len);
}

static ssize_t sock_recv(void *ctx, void *buf, size_t len)
{
	return mnl_socket_recvfrom(ctx, buf, len);
}

int nt_link_ethtool_get(uint16_t fam, struct nt_link_list *l,
			struct nt_link_perdev *res)
{
	struct nt_nl_io io = { sock_send, sock_recv, NULL, 0 };
	struct mnl_socket *nl;
	int r;

	memset(res, 0, sizeof(*res));
	if (!nt_link_modes_pending(l))
		return 0;
	/* one socket for all of them, in this thread's namespace */
	nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		mnl_socket_close(nl);
		return r;
	}
	/* an answer held up (the handler takes RTNL per device) ends this
	 * slow path after a second instead of blocking the run */
	{
		struct timeval tv = { 1, 0 };

		(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
				 sizeof(tv));
	}
	io.ctx = nl;
	io.portid = mnl_socket_get_portid(nl);
	r = nt_link_ethtool_get_io(&io, fam, l, res);
	mnl_socket_close(nl);
	return r;
}

bool nt_link_parse_sysfs_speed(const char *text, uint32_t *mbps)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno || end == text || (*end && *end != '\n'))
		return false;
	if (v <= 0 || v >= 0xffffffffLL)
		return false; /* -1, 0: unknown */
	*mbps = (uint32_t)v;
	return true;
}

const char *nt_link_parse_sysfs_duplex(const char *text)
{
	if (!strcmp(text, "full\n") || !strcmp(text, "full"))
		return "full";
	if (!strcmp(text, "half\n") || !strcmp(text, "half"))
		return "half";
	return NULL; /* "unknown" */
}

/* One small sysfs file into buf; false when it cannot be read (a down
 * interface's speed read fails with EINVAL). */
static bool read_attr(const char *root, const char *ifname, const char *attr,
		      char *buf, size_t len)
{
	char path[512];
	ssize_t n;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s/%s", root, ifname, attr) >=
	    sizeof(path))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	do
		n = read(fd, buf, len - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return true;
}

size_t nt_link_sysfs_speed(struct nt_link_list *l, const char *root)
{
	size_t i, matched = 0;

	for (i = 0; i < l->n; i++) {
		struct nt_link_if *p = &l->v[i];
		char b[64];
		uint32_t mbps;
		long idx;

		set_speed(p, 0);
		set_duplex(p, NULL);
		/* the same device, not a namesake in another namespace */
		if (!read_attr(root, p->name, "ifindex", b, sizeof(b)))
			continue;
		b[strcspn(b, "\n")] = '\0';
		if (nt_parse_long(b, &idx) || (uint32_t)idx != p->ifindex)
			continue;
		matched++;
		if (read_attr(root, p->name, "speed", b, sizeof(b)) &&
		    nt_link_parse_sysfs_speed(b, &mbps))
			set_speed(p, mbps);
		if (read_attr(root, p->name, "duplex", b, sizeof(b)))
			set_duplex(p, nt_link_parse_sysfs_duplex(b));
	}
	return matched;
}
