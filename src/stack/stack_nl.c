/* stack: qdiscs from one RTM_GETQDISC dump (TCA_STATS2, falling back to
 * TCA_STATS), their rates over a baseline and the stack.qdisc verdicts;
 * the attribute walk the stack's netlink parsers share. The neighbour
 * tables are in stack_nl_neigh.c, history and field tables in
 * stack_nl_fields.c, UDP sockets in stack_udp.c. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/gen_stats.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include "nettriage.h"
#include "nt_nl.h"
#include "nt_stack_nl.h"
#include "nt_verdict.h"
#include "stack_nl_priv.h"

#define RCVBUF 32768
#define TRIES 5

/* ---- attributes ---- */

int nt_snl_attrs(const void *p, size_t len, nt_snl_attr_cb cb, void *data)
{
	const unsigned char *a = p;
	int r;

	while (len >= NLA_HDRLEN) {
		uint16_t alen, type;
		size_t adv;

		memcpy(&alen, a, sizeof(alen));
		memcpy(&type, a + 2, sizeof(type));
		if (alen < NLA_HDRLEN || alen > len)
			return -EBADMSG;
		r = cb(type & NLA_TYPE_MASK, a + NLA_HDRLEN, alen - NLA_HDRLEN, data);
		if (r)
			return r;
		adv = NLA_ALIGN((size_t)alen);
		if (adv >= len)
			return 0; /* the last attribute may go unpadded */
		a += adv;
		len -= adv;
	}
	return len ? -EBADMSG : 0;
}

int nt_snl_msg_attrs(const struct nlmsghdr *nlh, uint16_t type, size_t hdrlen,
		     nt_snl_attr_cb cb, void *data)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen);

	if (nlh->nlmsg_type != type || nlh->nlmsg_len < NLMSG_HDRLEN + hdrlen)
		return -EINVAL;
	if (nlh->nlmsg_len <= off)
		return 0; /* the header only: no attributes */
	return nt_snl_attrs((const char *)nlh + off, nlh->nlmsg_len - off, cb, data);
}

void nt_snl_copy(void *out, size_t size, const void *p, size_t len)
{
	memset(out, 0, size);
	memcpy(out, p, len < size ? len : size);
}

void nt_snl_str(char *out, size_t outlen, const void *p, size_t len)
{
	const char *s = p;
	size_t n = strnlen(s, len);

	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

void *nt_snl_dump_req(char *req, uint16_t type, size_t hdrlen)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	return mnl_nlmsg_put_extra_header(nlh, hdrlen); /* zeroed */
}

/* ---- qdisc messages ---- */

/* As tc prints them (iproute2 tc_qdisc.c, tc_util.c print_tc_classid). */
static void fmt_handle(char *out, size_t len, uint32_t h)
{
	snprintf(out, len, "%x:", TC_H_MAJ(h) >> 16);
}

static void fmt_classid(char *out, size_t len, uint32_t h)
{
	if (h == TC_H_ROOT)
		snprintf(out, len, "root");
	else if (h == TC_H_UNSPEC)
		snprintf(out, len, "none");
	else if (TC_H_MAJ(h) == 0)
		snprintf(out, len, ":%x", TC_H_MIN(h));
	else if (TC_H_MIN(h) == 0)
		snprintf(out, len, "%x:", TC_H_MAJ(h) >> 16);
	else
		snprintf(out, len, "%x:%x", TC_H_MAJ(h) >> 16, TC_H_MIN(h));
}

struct qd_parse {
	struct nt_qdisc *q;
	bool stats2, old, pkt64;
	struct tc_stats ts;
	uint64_t packets64;
};

static int qd_stats2_cb(uint16_t type, const void *p, size_t len, void *data)
{
	struct qd_parse *st = data;
	struct nt_qdisc *q = st->q;

	switch (type) {
	case TCA_STATS_BASIC: {
		struct gnet_stats_basic b;

		nt_snl_copy(&b, sizeof(b), p, len);
		q->bytes = b.bytes;
		q->packets = b.packets;
		q->avail |= 1u << NT_QD_BASIC;
		break;
	}
	case TCA_STATS_PKT64: /* packets past 2^32: the kernel adds this */
		if (len >= sizeof(uint64_t)) {
			memcpy(&st->packets64, p, sizeof(st->packets64));
			st->pkt64 = true;
		}
		break;
	case TCA_STATS_QUEUE: {
		struct gnet_stats_queue g;

		nt_snl_copy(&g, sizeof(g), p, len);
		q->qlen = g.qlen;
		q->backlog = g.backlog;
		q->drops = g.drops;
		q->requeues = g.requeues;
		q->overlimits = g.overlimits;
		q->avail |= 1u << NT_QD_QUEUE;
		break;
	}
	default: /* TCA_STATS_BASIC_HW, RATE_EST, APP, ...: not ours */
		break;
	}
	return 0;
}

static int qd_cb(uint16_t type, const void *p, size_t len, void *data)
{
	struct qd_parse *st = data;
	int r;

	switch (type) {
	case TCA_KIND:
		nt_snl_str(st->q->kind, sizeof(st->q->kind), p, len);
		break;
	case TCA_STATS2:
		st->stats2 = true;
		r = nt_snl_attrs(p, len, qd_stats2_cb, st);
		if (r)
			return r;
		break;
	case TCA_STATS:
		nt_snl_copy(&st->ts, sizeof(st->ts), p, len);
		st->old = true;
		break;
	default:
		break;
	}
	return 0;
}

int nt_stack_parse_qdisc(const struct nlmsghdr *nlh, struct nt_qdisc *q)
{
	struct qd_parse st = { .q = q };
	struct tcmsg tc;
	int r;

	memset(q, 0, sizeof(*q));
	q->drops_rate = q->drop_pct = NAN;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(tc) ||
	    nlh->nlmsg_type != RTM_NEWQDISC)
		return -EINVAL;
	memcpy(&tc, mnl_nlmsg_get_payload(nlh), sizeof(tc));
	q->ifindex = tc.tcm_ifindex > 0 ? (uint32_t)tc.tcm_ifindex : 0;
	q->handle = tc.tcm_handle;
	q->parent = tc.tcm_parent;
	fmt_handle(q->handle_s, sizeof(q->handle_s), q->handle);
	fmt_classid(q->parent_s, sizeof(q->parent_s), q->parent);
	r = nt_snl_msg_attrs(nlh, RTM_NEWQDISC, sizeof(tc), qd_cb, &st);
	if (r)
		return r;
	if (st.pkt64 && (q->avail & (1u << NT_QD_BASIC)))
		q->packets = st.packets64;
	if (!st.stats2 && st.old) {
		q->bytes = st.ts.bytes;
		q->packets = st.ts.packets;
		q->drops = st.ts.drops;
		q->overlimits = st.ts.overlimits;
		q->qlen = st.ts.qlen;
		q->backlog = st.ts.backlog;
		q->requeues = 0; /* not in struct tc_stats */
		q->avail |= 1u << NT_QD_BASIC | 1u << NT_QD_QUEUE;
	}
	return 0;
}

void nt_qdisc_list_free(struct nt_qdisc_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* ---- the dump ---- */

struct ifname {
	uint32_t ifindex;
	char name[16];
};

struct ifnames {
	struct ifname *v;
	size_t n, cap;
};

static int link_cb(uint16_t type, const void *p, size_t len, void *data)
{
	struct ifname *in = data;

	if (type == IFLA_IFNAME)
		nt_snl_str(in->name, sizeof(in->name), p, len);
	return 0;
}

static int link_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ifnames *ns = data;
	struct ifname in = { 0 };
	struct ifinfomsg ifi;
	int r;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(ifi))
		return -EBADMSG;
	memcpy(&ifi, mnl_nlmsg_get_payload(nlh), sizeof(ifi));
	r = nt_snl_msg_attrs(nlh, RTM_NEWLINK, sizeof(ifi), link_cb, &in);
	if (r)
		return r == -EINVAL ? -EBADMSG : r;
	if (ifi.ifi_index <= 0 || !in.name[0])
		return 0;
	in.ifindex = (uint32_t)ifi.ifi_index;
	if (nt_grow(&ns->v, ns->n, &ns->cap, sizeof(*ns->v), 64))
		return -ENOMEM;
	ns->v[ns->n++] = in;
	return 0;
}

static void names_reset(void *data)
{
	((struct ifnames *)data)->n = 0;
}

static int cmp_ifname(const void *a, const void *b)
{
	const struct ifname *x = a, *y = b;

	return x->ifindex < y->ifindex ? -1 : x->ifindex > y->ifindex;
}

static int names_dump(struct ifnames *ns)
{
	char req[256];
	struct nlmsghdr *nlh = (struct nlmsghdr *)req;
	struct nt_nl_walk w = { 0, 0, RTM_NEWLINK, link_msg_cb, ns, 0, 0 };
	struct ifinfomsg *ifi = nt_snl_dump_req(req, RTM_GETLINK, sizeof(*ifi));
	int r;

	ifi->ifi_family = AF_UNSPEC;
	/* names only: no statistics in the reply */
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	r = nt_nl_dump(NETLINK_ROUTE, nlh, &w, names_reset, TRIES, RCVBUF);
	if (!r)
		qsort(ns->v, ns->n, sizeof(*ns->v), cmp_ifname);
	return r;
}

/* "IFACE HANDLE PARENT" as tc names a qdisc ("va 8001: root",
 * "eth0 0: 8013:1"): the children of mq/mqprio all have handle 0:, so
 * the handle alone repeats; (ifindex, handle, parent) is unique, and the
 * subject must be (one Prometheus series and one table level each). */
void nt_stack_qdisc_subject(struct nt_qdisc *q)
{
	snprintf(q->subject, sizeof(q->subject), "%s %s %s", q->iface, q->handle_s,
		 q->parent_s);
}

static int qdisc_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nt_qdisc_list *l = data;
	struct nt_qdisc q;
	int r;

	r = nt_stack_parse_qdisc(nlh, &q);
	if (r)
		return r == -EINVAL ? -EBADMSG : r;
	if (nt_grow(&l->v, l->n, &l->cap, sizeof(*l->v), 16))
		return -ENOMEM;
	l->v[l->n++] = q;
	return 0;
}

static void qdisc_reset(void *data)
{
	((struct nt_qdisc_list *)data)->n = 0;
}

int nt_stack_qdisc_dump(struct nt_qdisc_list *l)
{
	char req[256];
	struct nlmsghdr *nlh = (struct nlmsghdr *)req;
	struct nt_nl_walk w = { 0, 0, RTM_NEWQDISC, qdisc_msg_cb, l, 0, 0 };
	struct ifnames ns = { 0 };
	struct tcmsg *tc = nt_snl_dump_req(req, RTM_GETQDISC, sizeof(*tc));
	size_t i;
	int r;

	tc->tcm_family = AF_UNSPEC;
	l->n = 0;
	/* nt_nl_dump dumps again while the kernel flags NLM_F_DUMP_INTR */
	r = nt_nl_dump(NETLINK_ROUTE, nlh, &w, qdisc_reset, TRIES, RCVBUF);
	if (r)
		return r;
	r = names_dump(&ns);
	for (i = 0; i < l->n; i++) {
		struct nt_qdisc *q = &l->v[i];
		struct ifname key = { .ifindex = q->ifindex }, *f = NULL;

		if (!r && ns.n)
			f = bsearch(&key, ns.v, ns.n, sizeof(key), cmp_ifname);
		if (f)
			memcpy(q->iface, f->name, sizeof(q->iface));
		else
			snprintf(q->iface, sizeof(q->iface), "if%u", q->ifindex);
		nt_stack_qdisc_subject(q);
	}
	free(ns.v);
	return 0; /* without names the qdiscs are still reported, as if<N> */
}

/* ---- rates and verdicts ---- */

static bool same_qdisc(const struct nt_qdisc *a, const struct nt_qdisc *b)
{
	return a->ifindex == b->ifindex && a->handle == b->handle &&
	       a->parent == b->parent && !strcmp(a->kind, b->kind);
}

static const struct nt_qdisc *match(const struct nt_qdisc_list *prev,
				    const struct nt_qdisc *c, size_t k)
{
	size_t i;

	if (!prev)
		return NULL;
	if (k < prev->n && same_qdisc(&prev->v[k], c))
		return &prev->v[k]; /* the usual case: the same order */
	for (i = 0; i < prev->n; i++)
		if (same_qdisc(&prev->v[i], c))
			return &prev->v[i];
	return NULL;
}

/* drops is a __u32 of gnet_stats_queue, packets a u64 (TCA_STATS_PKT64
 * past 2^32, the basic struct's __u32 clamped below it; kernels before
 * u64 bstats counted packets in 32 bits, and a wrap of those is taken
 * for a replaced qdisc). drops going down while packets did not is a
 * wrap of drops when the wrapped delta is plausible: under
 * NT_QD_WRAP_MAX_PER_S over dt (one wrap within dt; more cannot be
 * told). A replaced qdisc starts both counters at 0, so its packets
 * would have gone down too unless it passed more than the old one did. */
#define NT_QD_WRAP_MAX_PER_S 200e6 /* > 100 Gb/s of 64-byte frames */

static bool qd_wrap(const struct nt_qdisc *c, const struct nt_qdisc *p, double dt)
{
	uint32_t w = (uint32_t)(c->drops - p->drops);

	/* one wrap: the old count was in the upper half of the range and the
	 * wrapped delta is under half of it; anything else (a qdisc replaced
	 * with the same handle that has passed more packets since) is a
	 * reset, whatever dt */
	return c->packets >= p->packets && dt > 0 && p->drops > UINT32_MAX / 2 &&
	       w < 1u << 31 && (double)w / dt <= NT_QD_WRAP_MAX_PER_S;
}

void nt_stack_qdisc_rates(struct nt_qdisc_list *cur,
			  const struct nt_qdisc_list *prev, double dt)
{
	const uint64_t mask = 1u << NT_QD_DELTA | 1u << NT_QD_RATE | 1u << NT_QD_RESET |
			      1u << NT_QD_WRAP;
	size_t k;

	for (k = 0; k < cur->n; k++) {
		struct nt_qdisc *c = &cur->v[k];
		const struct nt_qdisc *p = match(prev, c, k);
		uint64_t offered;

		c->avail &= ~mask;
		c->drops_delta = c->packets_delta = 0;
		c->drops_rate = c->drop_pct = NAN;
		if (!p || !(c->avail & p->avail & (1u << NT_QD_BASIC)) ||
		    !(c->avail & p->avail & (1u << NT_QD_QUEUE)))
			continue;
		if (c->packets < p->packets || (c->drops < p->drops && !qd_wrap(c, p, dt))) {
			/* went down: a new qdisc with the same handle */
			c->drops_delta = c->drops;
			c->packets_delta = c->packets;
			c->avail |= 1u << NT_QD_RESET;
		} else if (c->drops < p->drops) {
			c->drops_delta = (uint32_t)(c->drops - p->drops);
			c->packets_delta = c->packets - p->packets;
			c->avail |= 1u << NT_QD_WRAP;
		} else {
			c->drops_delta = c->drops - p->drops;
			c->packets_delta = c->packets - p->packets;
		}
		c->avail |= 1u << NT_QD_DELTA;
		offered = c->drops_delta + c->packets_delta;
		c->drop_pct = offered ? 100.0 * (double)c->drops_delta / (double)offered : 0;
		if (dt > 0) {
			c->drops_rate = (double)c->drops_delta / dt;
			c->avail |= 1u << NT_QD_RATE;
		}
	}
}

/* mq and mqprio roots report the sum of their per-TX-queue children
 * (net/sched/sch_mq.c mq_dump, sch_mqprio.c mqprio_dump), and the dump
 * holds those children too (parent MAJ:txq+1): judging both would make
 * one drop two verdicts. The children are judged (they name the queue
 * that dropped), the root is not, when at least one child of it is in
 * the dump (older kernels did not dump the children: then the root is
 * judged). */
static bool summed_root(const struct nt_qdisc_list *l, const struct nt_qdisc *q)
{
	size_t i;

	if (strcmp(q->kind, "mq") && strcmp(q->kind, "mqprio"))
		return false;
	for (i = 0; i < l->n; i++) {
		const struct nt_qdisc *c = &l->v[i];

		if (c != q && c->ifindex == q->ifindex && c->parent != TC_H_ROOT &&
		    TC_H_MAJ(c->parent) == TC_H_MAJ(q->handle) && TC_H_MIN(c->parent))
			return true;
	}
	return false;
}

void nt_stack_qdisc_verdicts(const struct nt_qdisc_list *cur, bool have_prev,
			     const struct nt_stack_nl_thresholds *t,
			     struct nt_verdicts *vs, const char *since)
{
	size_t k;

	for (k = 0; k < cur->n; k++) {
		const struct nt_qdisc *q = &cur->v[k];
		uint64_t drops, packets, offered;
		const char *when;
		struct nt_verdict *v;
		enum nt_level l;
		bool rise;
		double pct;

		if (!(q->avail & (1u << NT_QD_QUEUE)) || !(q->avail & (1u << NT_QD_BASIC)) ||
		    summed_root(cur, q))
			continue;
		if (have_prev && (q->avail & (1u << NT_QD_DELTA))) {
			drops = q->drops_delta;
			packets = q->packets_delta;
			when = q->avail & (1u << NT_QD_RESET) ?
			       "since the qdisc was replaced (its counters went down)" :
			       since ? since : "over the interval";
			rise = true;
		} else if (have_prev) {
			drops = q->drops;
			packets = q->packets;
			when = "since the qdisc was created (not in the baseline)";
			rise = true;
		} else {
			drops = q->drops;
			packets = q->packets;
			when = "since boot (no baseline: first run); ratio judged, a rise needs a baseline";
			rise = false;
		}
		offered = drops + packets;
		pct = offered ? 100.0 * (double)drops / (double)offered : 0;
		/* the layer's first-run rule (as link's and softnet's): the
		 * ratio is judged on since-boot totals too, a rise (WARN on
		 * any new drop) needs a baseline */
		l = drops ? nt_level_ge(pct, NAN, t->crit_qdisc_pct) : NT_OK;
		if (l == NT_OK && drops > 0 && rise)
			l = NT_WARN;
		v = nt_verdict_add(vs, "stack.qdisc", q->subject, l, pct,
				   l == NT_CRIT ? t->crit_qdisc_pct : 0);
		if (!v)
			return;
		snprintf(v->reason, sizeof(v->reason),
			 "%s %s: %llu dropped of %llu offered (sent + dropped): %.2f%%, %u overlimits, backlog %u B %u pkt, %s",
			 q->kind, q->parent_s, (unsigned long long)drops,
			 (unsigned long long)offered, pct, q->overlimits, q->backlog,
			 q->qlen, when);
		if (l != NT_OK)
			snprintf(v->hint, sizeof(v->hint),
				 "qdisc queue/limit too small for the burst, or the shaping rate is too low: tc -s qdisc show dev %s",
				 q->iface);
	}
}
