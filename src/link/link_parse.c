/* Pure parsers for link: RTM_NEWLINK messages and /proc/net/dev text.
 * Bytes in, struct out; nothing here prints, exits or touches a socket. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <net/if_arp.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include "nettriage.h"
#include "nt_link.h"
#include "nt_nl.h"

void nt_link_list_free(struct nt_link_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

struct nt_link_if *nt_link_list_add(struct nt_link_list *l)
{
	struct nt_link_if *p;

	if (nt_grow(&l->v, l->n, &l->cap, sizeof(*l->v), 32))
		return NULL;
	p = &l->v[l->n++];
	memset(p, 0, sizeof(*p));
	return p;
}

static const char *operstate_name(uint8_t s)
{
	/* RFC 2863 states as in linux/if.h IF_OPER_* */
	static const char *names[] = { "unknown", "notpresent", "down",
				       "lowerlayerdown", "testing", "dormant", "up" };

	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

/* Copy a stats payload of n_have fields of width w (4 or 8) into out->c,
 * zero-filling fields a shorter (older) struct does not carry. */
static void copy_stats(struct nt_link_if *out, const void *p, size_t len, size_t w)
{
	size_t n = len / w, i;

	if (n > NT_LS_COUNT)
		n = NT_LS_COUNT;
	for (i = 0; i < n; i++) {
		if (w == 8) {
			uint64_t v;

			memcpy(&v, (const char *)p + i * 8, 8);
			out->c[i] = v;
		} else {
			uint32_t v;

			memcpy(&v, (const char *)p + i * 4, 4);
			out->c[i] = v;
		}
		out->avail |= 1ull << i;
	}
	for (; i < NT_LS_COUNT; i++)
		out->c[i] = 0;
	out->have_stats = true;
}

static int put_u32(const struct nlattr *a, uint64_t *dst, struct nt_link_if *out,
		   int bit)
{
	if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return -EBADMSG;
	*dst = mnl_attr_get_u32(a);
	if (bit >= 0)
		out->avail |= 1ull << bit;
	return 0;
}

int nt_link_parse_msg(const struct nlmsghdr *nlh, struct nt_link_if *out)
{
	const struct nlattr *a, *stats32 = NULL;
	struct ifinfomsg ifi;
	bool have64 = false;
	int remain;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(ifi) ||
	    nlh->nlmsg_type != RTM_NEWLINK)
		return -EINVAL;
	memcpy(&ifi, mnl_nlmsg_get_payload(nlh), sizeof(ifi));
	out->ifindex = (uint32_t)ifi.ifi_index;
	out->avail |= 1ull << NT_LINK_IFINDEX_BIT;
	strcpy(out->operstate, "unknown");

	a = mnl_nlmsg_get_payload_offset(nlh, sizeof(ifi));
	/* Bound by nlmsg_len itself: mnl_nlmsg_get_payload_tail() rounds it
	 * up to 4, past the end of a buffer whose last message is unaligned
	 * (found by fuzz_link). */
	remain = (int)((const char *)nlh + nlh->nlmsg_len - (const char *)a);
	for (; mnl_attr_ok(a, remain); a = mnl_attr_next(a)) {
		uint16_t len = mnl_attr_get_payload_len(a);
		const void *p = mnl_attr_get_payload(a);

		remain -= (int)MNL_ALIGN(a->nla_len);
		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 ||
			    len > IFNAMSIZ)
				return -EBADMSG;
			memcpy(out->name, p, len);
			out->name[IFNAMSIZ - 1] = '\0';
			break;
		case IFLA_MTU: {
			uint64_t v;

			if (put_u32(a, &v, out, -1))
				return -EBADMSG;
			out->mtu = (uint32_t)v;
			out->avail |= 1ull << NT_LINK_MTU_BIT;
			break;
		}
		case IFLA_OPERSTATE:
			if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
				return -EBADMSG;
			snprintf(out->operstate, sizeof(out->operstate), "%s",
				 operstate_name(mnl_attr_get_u8(a)));
			out->avail |= 1ull << NT_LINK_OPER_BIT;
			break;
		case IFLA_CARRIER:
			if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
				return -EBADMSG;
			out->carrier = mnl_attr_get_u8(a) != 0;
			out->avail |= 1ull << NT_LINK_CARRIER_BIT;
			break;
		case IFLA_CARRIER_CHANGES:
			if (put_u32(a, &out->c[NT_LX_CARRIER_CHANGES], out,
				    NT_LX_CARRIER_CHANGES))
				return -EBADMSG;
			break;
		case IFLA_CARRIER_UP_COUNT:
			if (put_u32(a, &out->c[NT_LX_CARRIER_UP], out, NT_LX_CARRIER_UP))
				return -EBADMSG;
			break;
		case IFLA_CARRIER_DOWN_COUNT:
			if (put_u32(a, &out->c[NT_LX_CARRIER_DOWN], out,
				    NT_LX_CARRIER_DOWN))
				return -EBADMSG;
			break;
		case IFLA_LINKINFO: {
			const struct nlattr *b;
			int rem;

			if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
				return -EBADMSG;
			rem = (int)len;
			for (b = p; mnl_attr_ok(b, rem); b = mnl_attr_next(b)) {
				uint16_t bl = mnl_attr_get_payload_len(b);

				rem -= (int)MNL_ALIGN(b->nla_len);
				if (mnl_attr_get_type(b) != IFLA_INFO_KIND)
					continue;
				if (mnl_attr_validate(b, MNL_TYPE_STRING) < 0 || !bl)
					return -EBADMSG;
				if (bl > sizeof(out->kind) - 1)
					bl = sizeof(out->kind) - 1;
				memcpy(out->kind, mnl_attr_get_payload(b), bl);
				out->kind[bl] = '\0';
				if (out->kind[0])
					out->avail |= 1ull << NT_LINK_KIND_BIT;
			}
			if (rem > 0)
				return -EBADMSG;
			break;
		}
		case IFLA_STATS64:
			/* Older kernels send a shorter struct: take what is
			 * there, zero-fill the rest; a payload that is not a
			 * whole number of u64 is malformed. */
			if (len % 8 || len < 8 * (NT_LS_multicast + 1))
				return -EBADMSG;
			copy_stats(out, p, len, 8);
			have64 = true;
			break;
		case IFLA_STATS:
			if (len % 4 || len < 4 * (NT_LS_multicast + 1))
				return -EBADMSG;
			stats32 = a;
			break;
		default:
			break; /* unknown or unneeded: skip */
		}
	}
	/* Anything left that is not a whole attribute means an attribute
	 * ran past the message, or the message was cut. */
	if (remain > 0)
		return -EBADMSG;
	if (!have64 && stats32)
		copy_stats(out, mnl_attr_get_payload(stats32),
			   mnl_attr_get_payload_len(stats32), 4);
	if (!out->name[0])
		return -EBADMSG;
	out->arphrd = ifi.ifi_type;
	out->framing_bytes = nt_link_framing(out->arphrd, out->kind);
	out->avail |= 1ull << NT_LINK_FRAMING_BIT;
	return 0;
}

uint32_t nt_link_framing(uint16_t arphrd, const char *kind)
{
	/* IFLA_INFO_KIND is set by every rtnl_link_ops device (veth,
	 * bridge, bond, vlan, vxlan, macvlan, tun/tap, ...); a physical
	 * NIC has none (a bond or bridge port has only a slave kind). */
	return arphrd == ARPHRD_ETHER && !(kind && kind[0]) ? NT_LINK_ETH_FRAMING : 0;
}

int nt_link_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nt_link_list *l = data;
	struct nt_link_if *ifp = nt_link_list_add(l);
	int r;

	if (!ifp)
		return -ENOMEM;
	r = nt_link_parse_msg(nlh, ifp);
	if (r)
		l->n--;
	return r;
}

int nt_link_parse_buf(const void *buf, size_t len, uint32_t seq,
		      uint32_t portid, struct nt_link_list *l)
{
	struct nt_nl_walk w = { seq, portid, RTM_NEWLINK, nt_link_msg_cb, l, 0, 0 };
	int r = nt_nl_walk(buf, len, &w);

	l->intr += w.intr;
	l->skipped += w.skipped;
	return r;
}

/* /proc/net/dev: header names, then "name: values". */
struct pnd_map {
	const char *name;
	int idx;
};

static const struct pnd_map rx_map[] = {
	{ "bytes", NT_LS_rx_bytes }, { "packets", NT_LS_rx_packets },
	{ "errs", NT_LS_rx_errors },
	/* "drop" is rx_dropped + rx_missed_errors in the kernel */
	{ "drop", NT_LS_rx_dropped }, { "fifo", NT_LS_rx_fifo_errors },
	{ "frame", -1 }, /* length + over + crc + frame: no single field */
	{ "compressed", NT_LS_rx_compressed }, { "multicast", NT_LS_multicast },
};
static const struct pnd_map tx_map[] = {
	{ "bytes", NT_LS_tx_bytes }, { "packets", NT_LS_tx_packets },
	{ "errs", NT_LS_tx_errors }, { "drop", NT_LS_tx_dropped },
	{ "fifo", NT_LS_tx_fifo_errors }, { "colls", NT_LS_collisions },
	{ "carrier", -1 }, /* carrier + aborted + window + heartbeat */
	{ "compressed", NT_LS_tx_compressed },
};

#define PND_MAXCOLS 32

static int map_col(const struct pnd_map *m, size_t n, const char *tok, size_t tl)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(m[i].name) == tl && !strncmp(m[i].name, tok, tl))
			return m[i].idx;
	return -1;
}

/* Fill cols[] from one header section ("bytes packets ... multicast"). */
static int header_cols(const char *s, const char *end, const struct pnd_map *m,
		       size_t nm, int *cols, int ncols)
{
	while (s < end) {
		const char *t;

		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		if (s >= end)
			break;
		t = s;
		while (s < end && *s != ' ' && *s != '\t')
			s++;
		if (ncols >= PND_MAXCOLS)
			return -EINVAL;
		cols[ncols++] = map_col(m, nm, t, (size_t)(s - t));
	}
	return ncols;
}

int nt_link_parse_procnetdev(const char *text, struct nt_link_list *l)
{
	int cols[PND_MAXCOLS], ncols = 0, rxn;
	const char *line2, *bar1, *bar2, *eol, *p;

	/* Line 1 is a banner; line 2 names the columns. */
	line2 = strchr(text, '\n');
	if (!line2)
		return -EINVAL;
	line2++;
	eol = strchr(line2, '\n');
	if (!eol)
		return -EINVAL;
	bar1 = memchr(line2, '|', (size_t)(eol - line2));
	if (!bar1)
		return -EINVAL;
	bar2 = memchr(bar1 + 1, '|', (size_t)(eol - bar1 - 1));
	if (!bar2)
		return -EINVAL;
	rxn = header_cols(bar1 + 1, bar2, rx_map, sizeof(rx_map) / sizeof(rx_map[0]),
			  cols, 0);
	if (rxn <= 0)
		return -EINVAL;
	ncols = header_cols(bar2 + 1, eol, tx_map, sizeof(tx_map) / sizeof(tx_map[0]),
			    cols, rxn);
	if (ncols <= rxn)
		return -EINVAL;

	for (p = eol + 1; *p; p = eol + 1) {
		struct nt_link_if *ifp;
		const char *colon, *s;
		char *end;
		size_t nl;
		int i;

		eol = strchr(p, '\n');
		if (!eol)
			eol = p + strlen(p);
		colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon)
			return *p ? -EINVAL : 0;
		while (p < colon && *p == ' ')
			p++;
		nl = (size_t)(colon - p);
		if (nl == 0 || nl >= IFNAMSIZ)
			return -EINVAL;
		ifp = nt_link_list_add(l);
		if (!ifp)
			return -ENOMEM;
		memcpy(ifp->name, p, nl);
		s = colon + 1;
		for (i = 0; i < ncols; i++) {
			unsigned long long v;

			while (*s == ' ' || *s == '\t')
				s++;
			if (s >= eol || *s < '0' || *s > '9') {
				l->n--;
				return -EINVAL;
			}
			errno = 0;
			v = strtoull(s, &end, 10);
			if (errno || end > eol) {
				l->n--;
				return -EINVAL;
			}
			s = end;
			if (cols[i] >= 0) {
				ifp->c[cols[i]] = v;
				ifp->avail |= 1ull << cols[i];
			}
		}
		ifp->have_stats = true;
		if (!*eol)
			break;
	}
	return 0;
}
