/* conntrack parsers: ctnetlink stats, per-CPU stats and dump entries, and
 * the /proc fallback text. Bytes or text in, struct out; nothing prints. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <netinet/in.h>
#include "nettriage.h"
#include "nt_conntrack.h"

#define CT_TYPE(m) ((uint16_t)((NFNL_SUBSYS_CTNETLINK << 8) | (m)))

/* Iterate the attributes in [p, p + len). libmnl's checks are on int
 * lengths, which are bounded here by the message length. */
#define FOR_ATTR(a, p, len, rem) \
	for ((a) = (const struct nlattr *)(p), (rem) = (int)(len); \
	     mnl_attr_ok((a), (rem)); (a) = attr_next((a), &(rem)))

static const struct nlattr *attr_next(const struct nlattr *a, int *rem)
{
	*rem -= (int)MNL_ALIGN(a->nla_len);
	return (const struct nlattr *)((const char *)a + MNL_ALIGN(a->nla_len));
}

/* After a FOR_ATTR loop: anything of attribute size left means one ran
 * past its container (truncated). */
#define LEFTOVER_BAD(rem) ((rem) >= (int)sizeof(struct nlattr))

static const void *nest_payload(const struct nlattr *a, int *len)
{
	*len = (int)mnl_attr_get_payload_len(a);
	return mnl_attr_get_payload(a);
}

static int get_be32(const struct nlattr *a, uint32_t *v)
{
	uint32_t x;

	if (mnl_attr_get_payload_len(a) != sizeof(x))
		return -EBADMSG;
	memcpy(&x, mnl_attr_get_payload(a), sizeof(x));
	*v = ntohl(x);
	return 0;
}

static int get_be16(const struct nlattr *a, uint16_t *v)
{
	uint16_t x;

	if (mnl_attr_get_payload_len(a) != sizeof(x))
		return -EBADMSG;
	memcpy(&x, mnl_attr_get_payload(a), sizeof(x));
	*v = ntohs(x);
	return 0;
}

static int get_u8(const struct nlattr *a, uint8_t *v)
{
	if (mnl_attr_get_payload_len(a) != 1)
		return -EBADMSG;
	memcpy(v, mnl_attr_get_payload(a), 1);
	return 0;
}

/* Payload of a ctnetlink message after nfgenmsg; NULL if too short or of
 * another type. */
static const void *ct_payload(const struct nlmsghdr *nlh, uint16_t type,
			      struct nfgenmsg *nfg, int *len)
{
	size_t hl = MNL_ALIGN(sizeof(struct nfgenmsg));

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + hl || nlh->nlmsg_type != type)
		return NULL;
	memcpy(nfg, mnl_nlmsg_get_payload(nlh), sizeof(*nfg));
	*len = (int)(nlh->nlmsg_len - MNL_NLMSG_HDRLEN - hl);
	return (const char *)mnl_nlmsg_get_payload(nlh) + hl;
}

int nt_ct_parse_stats(const struct nlmsghdr *nlh, struct nt_ct_summary *s)
{
	const struct nlattr *a;
	struct nfgenmsg nfg;
	const void *p;
	int len, rem;
	uint32_t v;

	p = ct_payload(nlh, CT_TYPE(IPCTNL_MSG_CT_GET_STATS), &nfg, &len);
	if (!p)
		return -EINVAL;
	FOR_ATTR(a, p, len, rem) {
		switch (mnl_attr_get_type(a)) {
		case CTA_STATS_GLOBAL_ENTRIES:
			if (get_be32(a, &v))
				return -EBADMSG;
			s->count = v;
			s->avail |= 1ull << NT_CTA_COUNT;
			break;
		case CTA_STATS_GLOBAL_MAX_ENTRIES:
			if (get_be32(a, &v))
				return -EBADMSG;
			s->max = v;
			s->avail |= 1ull << NT_CTA_MAX;
			break;
		default:
			break; /* newer kernel: skip */
		}
	}
	return LEFTOVER_BAD(rem) ? -EBADMSG : 0;
}

static int stat_index(unsigned attr)
{
	static const unsigned attrs[] = {
#define NT_X(n, a, p, h) a,
		NT_CT_STATS(NT_X)
#undef NT_X
	};
	int i;

	for (i = 0; i < NT_CTS_COUNT; i++)
		if (attrs[i] == attr)
			return i;
	return -1;
}

static void add_extra(struct nt_ct_cpu *c, const char *name, uint32_t v)
{
	if (c->nextra >= NT_CT_MAX_EXTRA)
		return;
	snprintf(c->extra[c->nextra].name, sizeof(c->extra[0].name), "%s", name);
	c->extra[c->nextra].v = v;
	c->nextra++;
}

int nt_ct_parse_stats_cpu(const struct nlmsghdr *nlh, struct nt_ct_cpu *out)
{
	static const char *const retired[] = {
		[1] = "searched", [3] = "new", [5] = "ignore", [6] = "delete",
		[7] = "delete_list",
	};
	const struct nlattr *a;
	struct nfgenmsg nfg;
	const void *p;
	int len, rem, i;
	uint32_t v;

	memset(out, 0, sizeof(*out));
	p = ct_payload(nlh, CT_TYPE(IPCTNL_MSG_CT_GET_STATS_CPU), &nfg, &len);
	if (!p)
		return -EINVAL;
	out->cpu = ntohs(nfg.res_id);
	FOR_ATTR(a, p, len, rem) {
		unsigned t = mnl_attr_get_type(a);
		char name[24];

		if (t == 0)
			continue;
		i = stat_index(t);
		if (i >= 0) {
			if (get_be32(a, &v))
				return -EBADMSG;
			out->c[i] = v;
			out->avail |= 1ull << i;
			continue;
		}
		/* Not ours: keep it when it has the shape of a counter. */
		if (get_be32(a, &v))
			continue;
		if (t < sizeof(retired) / sizeof(retired[0]) && retired[t])
			snprintf(name, sizeof(name), "%s", retired[t]);
		else
			snprintf(name, sizeof(name), "attr_%u", t);
		add_extra(out, name, v);
	}
	return LEFTOVER_BAD(rem) ? -EBADMSG : 0;
}

struct nt_ct_cpu *nt_ct_cpu_add(struct nt_ct_sample *x, uint32_t cpu)
{
	struct nt_ct_cpu *c;

	if (x->ncpu >= 65536 ||
	    nt_grow(&x->cpu, x->ncpu, &x->cap, sizeof(*x->cpu), 8))
		return NULL;
	c = &x->cpu[x->ncpu++];
	memset(c, 0, sizeof(*c));
	c->cpu = cpu;
	return c;
}

void nt_ct_sample_free(struct nt_ct_sample *x)
{
	free(x->cpu);
	x->cpu = NULL;
	x->ncpu = x->cap = 0;
}

int nt_ct_cpu_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nt_ct_sample *x = data;
	struct nt_ct_cpu tmp, *c;
	int r = nt_ct_parse_stats_cpu(nlh, &tmp);

	if (r)
		return r;
	c = nt_ct_cpu_add(x, tmp.cpu);
	if (!c)
		return -ENOMEM;
	*c = tmp;
	return 0;
}

void nt_ct_sum(struct nt_ct_sample *x)
{
	size_t k;
	int i;

	x->s.avail &= ~((1ull << NT_CTS_COUNT) - 1);
	memset(x->s.c, 0, sizeof(x->s.c));
	for (k = 0; k < x->ncpu; k++)
		for (i = 0; i < NT_CTS_COUNT; i++)
			if ((x->cpu[k].avail >> i) & 1) {
				x->s.c[i] += x->cpu[k].c[i];
				x->s.avail |= 1ull << i;
			}
}

/* ---- /proc text ---- */

#define PROC_MAXCOLS 48

static int col_index(const char *name)
{
#define NAMES(...) { __VA_ARGS__, NULL }
	static const char *const names[NT_CTS_COUNT][4] = {
#define NT_X(n, a, p, h) p,
		NT_CT_STATS(NT_X)
#undef NT_X
	};
#undef NAMES
	int i, j;

	for (i = 0; i < NT_CTS_COUNT; i++)
		for (j = 0; j < 4 && names[i][j]; j++)
			if (!strcmp(names[i][j], name))
				return i;
	return -1;
}

/* Split one line (up to '\n' or NUL) into white-space separated tokens
 * copied into tok[]; returns the count, or -1 when there are too many or
 * one is too long. *next is set past the line. */
static int split_line(const char *s, char tok[][24], int max, const char **next)
{
	int n = 0;

	for (;;) {
		size_t l = 0;

		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		if (!*s || *s == '\n')
			break;
		if (n == max)
			return -1;
		while (s[l] && !isspace((unsigned char)s[l]))
			l++;
		if (l >= sizeof(tok[0]))
			return -1;
		memcpy(tok[n], s, l);
		tok[n][l] = '\0';
		n++;
		s += l;
	}
	*next = *s == '\n' ? s + 1 : s;
	return n;
}

int nt_ct_parse_procstat(const char *text, struct nt_ct_sample *x,
			 uint64_t *entries)
{
	char head[PROC_MAXCOLS][24], row[PROC_MAXCOLS][24];
	int map[PROC_MAXCOLS];
	const char *s = text;
	int nh, nr, i, ent = -1;
	uint32_t idx = 0;

	*entries = UINT64_MAX;
	nh = split_line(s, head, PROC_MAXCOLS, &s);
	if (nh <= 0)
		return -EINVAL;
	for (i = 0; i < nh; i++) {
		map[i] = col_index(head[i]);
		if (!strcmp(head[i], "entries"))
			ent = i;
		if (isdigit((unsigned char)head[i][0]))
			return -EINVAL; /* no header line */
	}
	while (*s) {
		struct nt_ct_cpu *c;

		nr = split_line(s, row, PROC_MAXCOLS, &s);
		if (nr == 0)
			continue;
		if (nr != nh)
			return -EINVAL;
		c = nt_ct_cpu_add(x, idx++);
		if (!c)
			return -ENOMEM;
		for (i = 0; i < nr; i++) {
			char *end;
			unsigned long long v;

			errno = 0;
			v = strtoull(row[i], &end, 16);
			if (errno || *end || end == row[i] || v > UINT32_MAX)
				return -EINVAL;
			if (i == ent) {
				if (idx == 1)
					*entries = v;
			} else if (map[i] >= 0) {
				c->c[map[i]] = v;
				c->avail |= 1ull << map[i];
			} else {
				add_extra(c, head[i], (uint32_t)v);
			}
		}
	}
	return idx ? 0 : -EINVAL;
}

int nt_ct_parse_sysctl(const char *text, uint64_t *v)
{
	char *end;
	unsigned long long x;

	while (*text == ' ' || *text == '\t')
		text++;
	if (!isdigit((unsigned char)*text))
		return -EINVAL;
	errno = 0;
	x = strtoull(text, &end, 10);
	if (errno)
		return -EINVAL;
	while (*end == ' ' || *end == '\t' || *end == '\n')
		end++;
	if (*end)
		return -EINVAL;
	*v = x;
	return 0;
}

/* ---- dump entries ---- */

static int parse_tuple_ip(const void *p, int len, struct nt_ct_entry *e)
{
	const struct nlattr *a;
	int rem;

	FOR_ATTR(a, p, len, rem) {
		unsigned t = mnl_attr_get_type(a);
		size_t pl = mnl_attr_get_payload_len(a);

		switch (t) {
		case CTA_IP_V4_SRC:
		case CTA_IP_V4_DST:
		case CTA_IP_V6_SRC:
		case CTA_IP_V6_DST: {
			size_t want = (t == CTA_IP_V4_SRC || t == CTA_IP_V4_DST) ? 4 : 16;
			bool src = t == CTA_IP_V4_SRC || t == CTA_IP_V6_SRC;
			uint8_t *dst = src ? e->src : e->dst;

			if (pl != want)
				return -EBADMSG;
			memset(dst, 0, 16);
			memcpy(dst, mnl_attr_get_payload(a), want);
			e->have |= src ? NT_CTE_SRC : NT_CTE_DST;
			break;
		}
		default:
			break;
		}
	}
	return LEFTOVER_BAD(rem) ? -EBADMSG : 0;
}

static int parse_tuple_proto(const void *p, int len, struct nt_ct_entry *e)
{
	const struct nlattr *a;
	int rem;

	FOR_ATTR(a, p, len, rem) {
		int r = 0;

		switch (mnl_attr_get_type(a)) {
		case CTA_PROTO_NUM:
			r = get_u8(a, &e->proto);
			e->have |= NT_CTE_PROTO;
			break;
		case CTA_PROTO_SRC_PORT:
			r = get_be16(a, &e->sport);
			e->have |= NT_CTE_PORTS;
			break;
		case CTA_PROTO_DST_PORT:
			r = get_be16(a, &e->dport);
			e->have |= NT_CTE_PORTS;
			break;
		case CTA_PROTO_ICMP_TYPE:
		case CTA_PROTO_ICMPV6_TYPE:
			r = get_u8(a, &e->icmp_type);
			e->have |= NT_CTE_ICMP;
			break;
		case CTA_PROTO_ICMP_CODE:
		case CTA_PROTO_ICMPV6_CODE:
			r = get_u8(a, &e->icmp_code);
			break;
		default:
			break;
		}
		if (r)
			return r;
	}
	return LEFTOVER_BAD(rem) ? -EBADMSG : 0;
}

static int parse_tuple(const struct nlattr *nest, unsigned want,
		       struct nt_ct_entry *e)
{
	const struct nlattr *a;
	const void *p;
	int len, rem, r, l2;

	p = nest_payload(nest, &len);
	FOR_ATTR(a, p, len, rem) {
		switch (mnl_attr_get_type(a)) {
		case CTA_TUPLE_IP:
			if (!(want & NT_CTW_IP))
				break;
			p = nest_payload(a, &l2);
			r = parse_tuple_ip(p, l2, e);
			if (r)
				return r;
			break;
		case CTA_TUPLE_PROTO:
			if (!(want & NT_CTW_PROTO))
				break;
			p = nest_payload(a, &l2);
			r = parse_tuple_proto(p, l2, e);
			if (r)
				return r;
			break;
		default:
			break;
		}
	}
	return LEFTOVER_BAD(rem) ? -EBADMSG : 0;
}

/* CTA_PROTOINFO: { CTA_PROTOINFO_TCP | _DCCP | _SCTP: { state u8 ... } } */
static int parse_protoinfo(const struct nlattr *nest, struct nt_ct_entry *e)
{
	static const uint8_t proto_of[] = {
		[CTA_PROTOINFO_TCP] = IPPROTO_TCP, [CTA_PROTOINFO_DCCP] = IPPROTO_DCCP,
		[CTA_PROTOINFO_SCTP] = IPPROTO_SCTP,
	};
	const struct nlattr *a, *b;
	const void *p;
	int len, rem, l2, rem2;

	p = nest_payload(nest, &len);
	FOR_ATTR(a, p, len, rem) {
		unsigned t = mnl_attr_get_type(a);

		if (t == 0 || t >= sizeof(proto_of))
			continue;
		p = nest_payload(a, &l2);
		/* CTA_PROTOINFO_{TCP,DCCP,SCTP}_STATE are all type 1 */
		FOR_ATTR(b, p, l2, rem2) {
			if (mnl_attr_get_type(b) != 1)
				continue;
			if (get_u8(b, &e->state))
				return -EBADMSG;
			e->have |= NT_CTE_STATE;
			if (!(e->have & NT_CTE_PROTO)) {
				e->proto = proto_of[t];
				e->have |= NT_CTE_PROTO;
			}
		}
		if (LEFTOVER_BAD(rem2))
			return -EBADMSG;
	}
	return LEFTOVER_BAD(rem) ? -EBADMSG : 0;
}

int nt_ct_parse_entry(const struct nlmsghdr *nlh, unsigned want,
		      struct nt_ct_entry *e)
{
	const struct nlattr *a;
	struct nfgenmsg nfg;
	const void *p;
	int len, rem, r = 0;

	memset(e, 0, sizeof(*e));
	p = ct_payload(nlh, CT_TYPE(IPCTNL_MSG_CT_NEW), &nfg, &len);
	if (!p)
		return -EINVAL;
	e->family = nfg.nfgen_family;
	FOR_ATTR(a, p, len, rem) {
		switch (mnl_attr_get_type(a)) {
		case CTA_TUPLE_ORIG:
			if (want & (NT_CTW_IP | NT_CTW_PROTO))
				r = parse_tuple(a, want, e);
			break;
		case CTA_STATUS:
			r = get_be32(a, &e->status);
			e->have |= NT_CTE_STATUS;
			break;
		case CTA_PROTOINFO:
			if (want & NT_CTW_PROTOINFO)
				r = parse_protoinfo(a, e);
			break;
		case CTA_MARK:
			r = get_be32(a, &e->mark);
			e->have |= NT_CTE_MARK;
			break;
		case CTA_ZONE:
			r = get_be16(a, &e->zone);
			e->have |= NT_CTE_ZONE;
			break;
		default:
			break;
		}
		if (r)
			return r;
	}
	return LEFTOVER_BAD(rem) ? -EBADMSG : 0;
}

bool nt_ct_filter_match(const struct nt_ct_filter *f, const struct nt_ct_entry *e)
{
	if (f->family && e->family != f->family)
		return false;
	if (f->mark_set && (e->mark & f->mark_mask) != (f->mark & f->mark_mask))
		return false;
	if (f->zone_set && e->zone != f->zone)
		return false;
	if (f->status_set && (e->status & f->status_mask) != f->status)
		return false;
	return true;
}
