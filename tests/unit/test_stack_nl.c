/* The stack layer's netlink sources on canned bytes: qdisc (TCA_STATS2,
 * the TCA_STATS fallback, short structs, truncated attributes, tc's
 * handle strings), neighbour tables (global and per-device messages, an
 * old short ndt_stats), /proc/net/stat/arp_cache, UDP sock_diag replies
 * (SKMEMINFO shorter than SK_MEMINFO_DROPS), the top-N heap; rates,
 * verdicts, history round trip, field tables. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/gen_stats.h>
#include <linux/inet_diag.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include "t.h"
#include "nt_history.h"
#include "nt_nl.h"
#include "nt_output.h"
#include "nt_stack_nl.h"
#include "nt_verdict.h"

static _Alignas(8) char buf[8192];

/* ---- builders ---- */

struct qspec {
	uint32_t ifindex, handle, parent;
	const char *kind;
	int stats2;          /* 1: TCA_STATS2 with BASIC (+HW) and QUEUE */
	size_t basic_len, queue_len; /* bytes of each struct sent */
	int old;             /* TCA_STATS (struct tc_stats) too */
	int pkt64;           /* TCA_STATS_PKT64 */
	int unknown;
};

static struct nlmsghdr *qmsg(const struct qspec *s)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct tcmsg *tc;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWQDISC;
	tc = mnl_nlmsg_put_extra_header(nlh, sizeof(*tc));
	tc->tcm_ifindex = (int)s->ifindex;
	tc->tcm_handle = s->handle;
	tc->tcm_parent = s->parent;
	if (s->kind)
		mnl_attr_put_strz(nlh, TCA_KIND, s->kind);
	if (s->unknown)
		mnl_attr_put_u32(nlh, 200, 7);
	if (s->stats2) {
		struct nlattr *n = mnl_attr_nest_start(nlh, TCA_STATS2);
		struct gnet_stats_basic b = { 123456789012ull, 1000 }, hw = { 5, 5 };
		struct gnet_stats_queue q = { 3, 4500, 20, 2, 77 };
		uint64_t p64 = 5000000000ull;

		if (s->basic_len)
			mnl_attr_put(nlh, TCA_STATS_BASIC, s->basic_len, &b);
		mnl_attr_put(nlh, TCA_STATS_BASIC_HW, sizeof(hw), &hw);
		if (s->queue_len)
			mnl_attr_put(nlh, TCA_STATS_QUEUE, s->queue_len, &q);
		if (s->pkt64)
			mnl_attr_put(nlh, TCA_STATS_PKT64, sizeof(p64), &p64);
		mnl_attr_put_u32(nlh, 99, 1); /* unknown inside */
		mnl_attr_nest_end(nlh, n);
	}
	if (s->old) {
		struct tc_stats ts = { .bytes = 999, .packets = 50, .drops = 6,
				       .overlimits = 8, .qlen = 1, .backlog = 100 };

		mnl_attr_put(nlh, TCA_STATS, sizeof(ts), &ts);
	}
	return nlh;
}

static void test_qdisc_parse(void)
{
	struct qspec s = { 2, 0x80010000, TC_H_ROOT, "tbf", 1,
			   sizeof(struct gnet_stats_basic), sizeof(struct gnet_stats_queue), 1, 0, 1 };
	struct nt_qdisc q;
	struct nlmsghdr *nlh;
	int r;

	r = nt_stack_parse_qdisc(qmsg(&s), &q);
	T_EQ_I(r, 0, "qdisc: full message parses");
	T_STR(q.kind, "tbf", "qdisc: TCA_KIND");
	T_STR(q.handle_s, "8001:", "qdisc: handle as tc prints it");
	T_STR(q.parent_s, "root", "qdisc: parent TC_H_ROOT is root");
	T_EQ_U(q.ifindex, 2, "qdisc: ifindex");
	T_EQ_U(q.bytes, 123456789012ull, "qdisc: TCA_STATS2 bytes win over TCA_STATS");
	T_EQ_U(q.packets, 1000, "qdisc: packets (BASIC_HW ignored)");
	T_EQ_U(q.qlen, 3, "qdisc: qlen");
	T_EQ_U(q.backlog, 4500, "qdisc: backlog");
	T_EQ_U(q.drops, 20, "qdisc: drops");
	T_EQ_U(q.requeues, 2, "qdisc: requeues");
	T_EQ_U(q.overlimits, 77, "qdisc: overlimits");
	T_EQ_U(q.avail & 3, 3, "qdisc: basic and queue available");
	T_OK(isnan(q.drop_pct) && isnan(q.drops_rate), "qdisc: rates unknown after parse");
	T_STR(q.iface, "", "qdisc: iface left to the caller");

	s.pkt64 = 1;
	nt_stack_parse_qdisc(qmsg(&s), &q);
	T_EQ_U(q.packets, 5000000000ull, "qdisc: TCA_STATS_PKT64 gives packets past 2^32");
	s.pkt64 = 0;

	/* the old TCA_STATS only */
	s.stats2 = 0;
	r = nt_stack_parse_qdisc(qmsg(&s), &q);
	T_OK(r == 0 && q.bytes == 999 && q.packets == 50 && q.drops == 6 &&
	     q.overlimits == 8 && q.qlen == 1 && q.backlog == 100 && q.requeues == 0 &&
	     (q.avail & 3) == 3, "qdisc: TCA_STATS fallback without TCA_STATS2");
	/* neither: nothing available */
	s.old = 0;
	r = nt_stack_parse_qdisc(qmsg(&s), &q);
	T_OK(r == 0 && (q.avail & 3) == 0 && q.drops == 0, "qdisc: no statistics, none available");

	/* short structs: zero-filled */
	s.stats2 = 1;
	s.basic_len = 8;
	s.queue_len = 12;
	r = nt_stack_parse_qdisc(qmsg(&s), &q);
	T_OK(r == 0 && q.bytes == 123456789012ull && q.packets == 0 && q.qlen == 3 &&
	     q.drops == 20 && q.requeues == 0 && q.overlimits == 0,
	     "qdisc: short gnet_stats_basic/queue zero-filled");

	/* handles and parents */
	s = (struct qspec){ 3, 0xffff0000, TC_H_INGRESS, "ingress", 0, 0, 0, 0, 0, 0 };
	nt_stack_parse_qdisc(qmsg(&s), &q);
	T_OK(!strcmp(q.handle_s, "ffff:") && !strcmp(q.parent_s, "ffff:fff1"),
	     "qdisc: ingress ffff: parent ffff:fff1");
	s.handle = 0x20000;
	s.parent = 0x10010;
	nt_stack_parse_qdisc(qmsg(&s), &q);
	T_OK(!strcmp(q.handle_s, "2:") && !strcmp(q.parent_s, "1:10"), "qdisc: 2: parent 1:10");
	s.handle = 0;
	s.parent = 0;
	nt_stack_parse_qdisc(qmsg(&s), &q);
	T_OK(!strcmp(q.handle_s, "0:") && !strcmp(q.parent_s, "none"), "qdisc: noqueue 0:, parent none");
	s.parent = 0x10000;
	nt_stack_parse_qdisc(qmsg(&s), &q);
	T_STR(q.parent_s, "1:", "qdisc: parent 1:");
	s.parent = 0x5;
	nt_stack_parse_qdisc(qmsg(&s), &q);
	T_STR(q.parent_s, ":5", "qdisc: parent :5");

	/* short and foreign messages */
	s = (struct qspec){ 2, 0x80010000, TC_H_ROOT, "tbf", 1, 16, 20, 0, 0, 0 };
	nlh = qmsg(&s);
	nlh->nlmsg_len = NLMSG_HDRLEN + sizeof(struct tcmsg) - 1;
	T_EQ_I(nt_stack_parse_qdisc(nlh, &q), -EINVAL, "qdisc: message shorter than tcmsg");
	nlh = qmsg(&s);
	nlh->nlmsg_type = RTM_NEWLINK;
	T_EQ_I(nt_stack_parse_qdisc(nlh, &q), -EINVAL, "qdisc: another message type");
	nlh = qmsg(&s);
	nlh->nlmsg_len = NLMSG_HDRLEN + sizeof(struct tcmsg);
	T_OK(nt_stack_parse_qdisc(nlh, &q) == 0 && !q.kind[0], "qdisc: header only");
	/* an attribute that runs past the message */
	nlh = qmsg(&s);
	nlh->nlmsg_len -= 4;
	T_EQ_I(nt_stack_parse_qdisc(nlh, &q), -EBADMSG, "qdisc: truncated last attribute");
	{
		/* a nested attribute whose length runs past TCA_STATS2 */
		struct nlattr *a;

		nlh = qmsg(&s);
		a = (struct nlattr *)((char *)nlh + NLMSG_HDRLEN + sizeof(struct tcmsg));
		a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)); /* TCA_STATS2 */
		((struct nlattr *)(a + 1))->nla_len = 0xff0;
		T_EQ_I(nt_stack_parse_qdisc(nlh, &q), -EBADMSG, "qdisc: truncated nested TCA_STATS_BASIC");
		((struct nlattr *)(a + 1))->nla_len = 2;
		T_EQ_I(nt_stack_parse_qdisc(nlh, &q), -EBADMSG, "qdisc: nested attribute shorter than its header");
	}
}

/* ---- rates, verdicts ---- */

static struct nt_qdisc mkq(uint32_t ifindex, uint32_t handle, uint64_t packets, uint32_t drops)
{
	struct nt_qdisc q;

	memset(&q, 0, sizeof(q));
	q.ifindex = ifindex;
	q.handle = handle;
	q.parent = TC_H_ROOT;
	snprintf(q.kind, sizeof(q.kind), "tbf");
	snprintf(q.iface, sizeof(q.iface), "veth%u", ifindex);
	snprintf(q.handle_s, sizeof(q.handle_s), "%x:", handle >> 16);
	snprintf(q.parent_s, sizeof(q.parent_s), "root");
	nt_stack_qdisc_subject(&q);
	q.packets = packets;
	q.bytes = packets * 100;
	q.drops = drops;
	q.avail = 1u << NT_QD_BASIC | 1u << NT_QD_QUEUE;
	q.drops_rate = q.drop_pct = NAN;
	return q;
}

static const struct nt_verdict *find_v(const struct nt_verdicts *vs, const char *check,
				       const char *subject)
{
	size_t i;

	for (i = 0; i < vs->n; i++)
		if (!strcmp(vs->v[i].check, check) && !strcmp(vs->v[i].subject, subject))
			return &vs->v[i];
	return NULL;
}

static void test_qdisc_judge(void)
{
	struct nt_qdisc pv[4], cv[5];
	struct nt_qdisc_list prev = { pv, 4, 4 }, cur = { cv, 5, 5 };
	struct nt_stack_nl_thresholds t;
	struct nt_verdicts vs = { 0 };
	const struct nt_verdict *v;

	nt_stack_nl_thresholds_default(&t);
	T_OK(t.crit_qdisc_pct == 1 && t.warn_neigh_pct == 75 && t.crit_neigh_pct == 90,
	     "thresholds: defaults 1 / 75 / 90");
	pv[0] = mkq(2, 0x80010000, 1000, 10);
	pv[1] = mkq(3, 0x80020000, 1000, 10);
	pv[2] = mkq(4, 0x80030000, 1000, 10);
	pv[3] = mkq(5, 0x80040000, 5000, 50);
	/* cur in another order: matching is by identity, not position */
	cv[0] = mkq(3, 0x80020000, 2000, 11);  /* +1 of 1001 offered: WARN */
	cv[1] = mkq(2, 0x80010000, 1970, 30);  /* +20 of 990: 2.02 % CRIT */
	cv[2] = mkq(4, 0x80030000, 1500, 10);  /* no rise: OK */
	cv[3] = mkq(5, 0x80040000, 100, 2);    /* went down: re-created */
	cv[4] = mkq(6, 0x80050000, 100, 5);    /* not in the baseline */
	nt_stack_qdisc_rates(&cur, &prev, 2.0);
	T_OK(cv[1].drops_delta == 20 && cv[1].packets_delta == 970, "rates: deltas by identity");
	T_NEAR(cv[1].drops_rate, 10.0, 1e-9, "rates: drops per second over dt");
	T_NEAR(cv[1].drop_pct, 100.0 * 20 / 990, 1e-9, "rates: drop_pct of packets offered");
	T_OK((cv[3].avail & (1u << NT_QD_RESET)) && cv[3].drops_delta == 2 &&
	     cv[3].packets_delta == 100, "rates: a counter that went down is a new qdisc");
	T_OK(!(cv[4].avail & (1u << NT_QD_DELTA)) && isnan(cv[4].drop_pct),
	     "rates: a qdisc not in the baseline has no delta");
	nt_stack_qdisc_verdicts(&cur, true, &t, &vs, "since the previous run");
	v = find_v(&vs, "stack.qdisc", "veth2 8001: root");
	T_OK(v && v->level == NT_CRIT && v->hint[0] && strstr(v->hint, "tc -s qdisc show dev veth2") &&
	     strstr(v->reason, "since the previous run"), "verdict: 2 %% drops CRIT with hint");
	v = find_v(&vs, "stack.qdisc", "veth3 8002: root");
	T_OK(v && v->level == NT_WARN && v->hint[0], "verdict: a rise below 1 %% is WARN");
	v = find_v(&vs, "stack.qdisc", "veth4 8003: root");
	T_OK(v && v->level == NT_OK && !v->hint[0], "verdict: no rise OK, no hint");
	v = find_v(&vs, "stack.qdisc", "veth5 8004: root");
	T_OK(v && v->level == NT_CRIT && strstr(v->reason, "replaced"),
	     "verdict: a re-created qdisc judged on its own totals, said");
	v = find_v(&vs, "stack.qdisc", "veth6 8005: root");
	T_OK(v && v->level == NT_CRIT && strstr(v->reason, "not in the baseline"),
	     "verdict: a new qdisc judged since its creation, said");
	nt_verdicts_reset(&vs);

	/* no baseline: since boot, no WARN for drops we cannot see rise */
	cv[0] = mkq(3, 0x80020000, 100000, 5);
	cur.n = 1;
	nt_stack_qdisc_rates(&cur, NULL, 0);
	nt_stack_qdisc_verdicts(&cur, false, &t, &vs, NULL);
	v = find_v(&vs, "stack.qdisc", "veth3 8002: root");
	T_OK(v && v->level == NT_OK && strstr(v->reason, "since boot"),
	     "verdict: first run, 0.005 %% since boot is OK and says since boot");
	nt_verdicts_reset(&vs);
	cv[0] = mkq(3, 0x80020000, 100, 5);
	nt_stack_qdisc_verdicts(&cur, false, &t, &vs, NULL);
	v = find_v(&vs, "stack.qdisc", "veth3 8002: root");
	T_OK(v && v->level == NT_CRIT && strstr(v->reason, "since boot"),
	     "verdict: first run, 4.8 %% since boot is CRIT");
	T_OK(v && strstr(v->reason, "(no baseline: first run); ratio judged, a rise needs a baseline"),
	     "verdict: first run reason states the layer's rule (as softnet's)");
	nt_verdicts_reset(&vs);
	cv[0].avail = 0;
	nt_stack_qdisc_verdicts(&cur, false, &t, &vs, NULL);
	T_EQ_U(vs.n, 0, "verdict: none for a qdisc without statistics");
	nt_verdicts_free(&vs);
}

/* drops is a __u32: down while the u64 packets did not is a wrap, not a
 * replaced qdisc (finding 2) */
static void test_qdisc_drops_wrap(void)
{
	struct nt_qdisc pv[2], cv[2];
	struct nt_qdisc_list prev = { pv, 2, 2 }, cur = { cv, 2, 2 };
	struct nt_stack_nl_thresholds t;
	struct nt_verdicts vs = { 0 };
	const struct nt_verdict *v;

	nt_stack_nl_thresholds_default(&t);
	pv[0] = mkq(2, 0x80010000, 10000000000ull, 0xfffffff0u);
	cv[0] = mkq(2, 0x80010000, 10000100000ull, 0x20);
	/* down by more than 200e6/s allows for one wrap in 1 s: replaced */
	pv[1] = mkq(3, 0x80020000, 5000, 0x80000000u);
	cv[1] = mkq(3, 0x80020000, 6000, 0x10);
	nt_stack_qdisc_rates(&cur, &prev, 1.0);
	T_OK((cv[0].avail & (1u << NT_QD_WRAP)) && !(cv[0].avail & (1u << NT_QD_RESET)) &&
	     cv[0].drops_delta == 0x30 && cv[0].packets_delta == 100000,
	     "wrap: drops 0xfffffff0 -> 0x20 with packets rising is +48, not a new qdisc");
	T_NEAR(cv[0].drop_pct, 100.0 * 48 / 100048, 1e-9, "wrap: drop_pct on the wrapped delta");
	T_OK((cv[1].avail & (1u << NT_QD_RESET)) && !(cv[1].avail & (1u << NT_QD_WRAP)),
	     "wrap: an implausible wrap (2^31 drops in 1 s) is a replaced qdisc");
	nt_stack_qdisc_verdicts(&cur, true, &t, &vs, "over the interval");
	v = find_v(&vs, "stack.qdisc", cv[0].subject);
	T_OK(v && v->level == NT_WARN && strstr(v->reason, "48 dropped") &&
	     !strstr(v->reason, "replaced"), "wrap: WARN on 48 new drops (%s)", v ? v->reason : "");
	T_OK(v && strstr(v->reason, "offered (sent + dropped)"), "reason: the percent base is said");
	nt_verdicts_free(&vs);

	/* between runs a minute apart: a qdisc replaced with the same handle
	 * that has passed more packets since (drops 500 -> 10) is a reset,
	 * not a wrap of ~4.29e9 drops (which 60 s would make "plausible") */
	pv[0] = mkq(2, 0x80010000, 10000, 500);
	cv[0] = mkq(2, 0x80010000, 20000, 10);
	nt_stack_qdisc_rates(&cur, &prev, 60.0);
	T_OK((cv[0].avail & (1u << NT_QD_RESET)) && !(cv[0].avail & (1u << NT_QD_WRAP)) &&
	     cv[0].drops_delta == 10,
	     "replaced over 60 s: drops 500 -> 10 is a new qdisc (delta %llu)",
	     (unsigned long long)cv[0].drops_delta);
	/* and a real wrap over 60 s is still one */
	pv[0] = mkq(2, 0x80010000, 10000, 0xffff0000u);
	cv[0] = mkq(2, 0x80010000, 20000, 0x100);
	nt_stack_qdisc_rates(&cur, &prev, 60.0);
	T_OK((cv[0].avail & (1u << NT_QD_WRAP)) && cv[0].drops_delta == 0x10100,
	     "wrap over 60 s: 0xffff0000 -> 0x100 is +65792");
}

/* finding 3: an mq root and its 4 children (all handle 0:): unique
 * subjects, the root (the sum of its children) not judged */
static void test_qdisc_mq(void)
{
	struct nt_qdisc pv[5], cv[5];
	struct nt_qdisc_list prev = { pv, 5, 5 }, cur = { cv, 5, 5 };
	struct nt_stack_nl_thresholds t;
	struct nt_verdicts vs = { 0 };
	const struct nt_verdict *v;
	unsigned i, j, dup = 0, qd = 0;

	nt_stack_nl_thresholds_default(&t);
	pv[0] = mkq(7, 0x80130000, 4000, 0);
	snprintf(pv[0].kind, sizeof(pv[0].kind), "mq");
	for (i = 1; i < 5; i++) {
		pv[i] = mkq(7, 0, 1000, 0);
		pv[i].parent = 0x80130000 | i;
		snprintf(pv[i].kind, sizeof(pv[i].kind), "fq_codel");
		snprintf(pv[i].parent_s, sizeof(pv[i].parent_s), "8013:%x", i);
		nt_stack_qdisc_subject(&pv[i]);
	}
	memcpy(cv, pv, sizeof(cv));
	for (i = 0; i < 5; i++)
		cv[i].packets += 1000;
	cv[2].drops = 1;  /* one drop on TX queue 2 ... */
	cv[0].drops = 1;  /* ... and in the root's sum */
	T_OK(!strcmp(cv[2].subject, "veth7 0: 8013:2") && !strcmp(cv[0].subject, "veth7 8013: root"),
	     "mq: subjects 'IFACE HANDLE PARENT' (%s, %s)", cv[2].subject, cv[0].subject);
	nt_stack_qdisc_rates(&cur, &prev, 1.0);
	nt_stack_qdisc_verdicts(&cur, true, &t, &vs, "over the interval");
	for (i = 0; i < vs.n; i++) {
		if (strcmp(vs.v[i].check, "stack.qdisc"))
			continue;
		qd++;
		for (j = i + 1; j < vs.n; j++)
			if (!strcmp(vs.v[j].check, "stack.qdisc") &&
			    !strcmp(vs.v[i].subject, vs.v[j].subject))
				dup++;
	}
	T_EQ_U(qd, 4, "mq: 4 verdicts, the children's (the root is their sum)");
	T_EQ_U(dup, 0, "mq: no two verdicts share a subject");
	T_OK(!find_v(&vs, "stack.qdisc", "veth7 8013: root"), "mq: the root is not judged");
	v = find_v(&vs, "stack.qdisc", "veth7 0: 8013:2");
	T_OK(v && v->level == NT_WARN, "mq: the child that dropped is WARN");
	v = find_v(&vs, "stack.qdisc", "veth7 0: 8013:1");
	T_OK(v && v->level == NT_OK, "mq: its sibling stays OK");
	for (i = 0, j = 0; i < vs.n; i++)
		j += vs.v[i].level != NT_OK;
	T_EQ_U(j, 1, "mq: one drop, one non-OK verdict");
	/* without its children in the dump, an mq root is judged */
	nt_verdicts_reset(&vs);
	cur.n = 1;
	nt_stack_qdisc_verdicts(&cur, true, &t, &vs, "over the interval");
	v = find_v(&vs, "stack.qdisc", "veth7 8013: root");
	T_OK(v && v->level == NT_WARN, "mq: a root without children in the dump is judged");
	nt_verdicts_free(&vs);
}

/* finding 6: each UDP verdict names the top socket of its own family,
 * and says its drops are lifetime counters */
static void test_udp_name_top(void)
{
	struct nt_udp_sock v[2];
	struct nt_udp_list l = { v, 2, 2, 2, 0, 0 };
	struct nt_verdicts vs = { 0 };
	const struct nt_verdict *e;
	const char *const protos[] = { "Udp", "Udp6", "UdpLite" };
	size_t i;

	memset(v, 0, sizeof(v));
	v[0].family = AF_INET; v[0].ipv = 4; v[0].sport = 5301; v[0].drops = 90; v[0].have_mem = true;
	v[1].family = AF_INET6; v[1].ipv = 6; v[1].sport = 5353; v[1].drops = 7; v[1].have_mem = true;
	for (i = 0; i < 3; i++) {
		struct nt_verdict *n = nt_verdict_add(&vs, "stack.udp", protos[i], NT_WARN, 1, 0);

		if (n)
			snprintf(n->reason, sizeof(n->reason), "1 RcvbufErrors");
	}
	nt_verdict_add(&vs, "stack.udp", "UdpLite6", NT_OK, 0, 0);
	nt_stack_udp_name_top(&l, &vs);
	e = find_v(&vs, "stack.udp", "Udp");
	T_OK(e && strstr(e->reason, "port 5301, 90 drops since the socket was created") && !strstr(e->reason, "5353"),
	     "name_top: Udp names the IPv4 socket only (%s)", e ? e->reason : "");
	e = find_v(&vs, "stack.udp", "Udp6");
	T_OK(e && strstr(e->reason, "port 5353, 7 drops since the socket was created") && !strstr(e->reason, "5301"),
	     "name_top: Udp6 names the IPv6 socket only (%s)", e ? e->reason : "");
	v[0].pid = 42;
	snprintf(v[0].comm, sizeof(v[0].comm), "dnsd");
	nt_verdicts_reset(&vs);
	for (i = 0; i < 3; i++)
		nt_verdict_add(&vs, "stack.udp", protos[i], NT_WARN, 1, 0);
	nt_stack_udp_name_top(&l, &vs);
	e = find_v(&vs, "stack.udp", "Udp");
	T_OK(e && strstr(e->reason, "top socket: port 5301, 90 drops, pid 42 (dnsd) (lifetime: since the socket was created)"),
	     "name_top: --procs names pid and comm, drops said lifetime (%s)", e ? e->reason : "");
	e = find_v(&vs, "stack.udp", "UdpLite");
	T_OK(e && !strstr(e->reason, "top socket"), "name_top: UdpLite names no UDP socket");
	/* no IPv6 socket with drops: Udp6 names none */
	v[1].drops = 0;
	nt_verdicts_reset(&vs);
	nt_verdict_add(&vs, "stack.udp", "Udp6", NT_WARN, 1, 0);
	nt_stack_udp_name_top(&l, &vs);
	e = find_v(&vs, "stack.udp", "Udp6");
	T_OK(e && !strstr(e->reason, "top socket"), "name_top: no socket of the family, none named");
	nt_verdicts_free(&vs);
}

/* ---- neighbour tables ---- */

struct tspec {
	const char *name;
	uint8_t family;
	int global;          /* thresholds, config, stats */
	size_t stats_len;    /* bytes of struct ndt_stats */
	uint32_t entries, parms_ifindex;
};

static struct nlmsghdr *tmsg(const struct tspec *s)
{
	struct nlmsghdr *nlh;
	struct ndtmsg *m;
	struct nlattr *n;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWNEIGHTBL;
	m = mnl_nlmsg_put_extra_header(nlh, sizeof(*m));
	m->ndtm_family = s->family;
	mnl_attr_put_strz(nlh, NDTA_NAME, s->name);
	if (s->global) {
		struct ndt_config c = { .ndtc_key_len = 4, .ndtc_entry_size = 336,
					.ndtc_entries = s->entries };
		struct ndt_stats st = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };

		mnl_attr_put_u32(nlh, NDTA_THRESH1, 128);
		mnl_attr_put_u32(nlh, NDTA_THRESH2, 512);
		mnl_attr_put_u32(nlh, NDTA_THRESH3, 1024);
		mnl_attr_put_u64(nlh, NDTA_GC_INTERVAL, 30000);
		mnl_attr_put(nlh, NDTA_CONFIG, sizeof(c), &c);
		mnl_attr_put(nlh, NDTA_STATS, s->stats_len, &st);
	}
	n = mnl_attr_nest_start(nlh, NDTA_PARMS);
	if (s->parms_ifindex)
		mnl_attr_put_u32(nlh, NDTPA_IFINDEX, s->parms_ifindex);
	mnl_attr_put_u32(nlh, NDTPA_REFCNT, 1);
	mnl_attr_nest_end(nlh, n);
	mnl_attr_put_u32(nlh, 250, 1); /* unknown */
	return nlh;
}

static void test_neightbl_parse(void)
{
	struct tspec s = { "arp_cache", AF_INET, 1, sizeof(struct ndt_stats), 800, 0 };
	struct nt_neightbl t;
	struct nlmsghdr *nlh;
	bool global;
	int r;

	r = nt_stack_parse_neightbl(tmsg(&s), &t, &global);
	T_OK(r == 0 && global, "neightbl: the table's own message is global");
	T_OK(!strcmp(t.name, "arp_cache") && t.family == AF_INET && !strcmp(t.scope, "global"),
	     "neightbl: name, family, scope global");
	T_OK(t.thresh1 == 128 && t.thresh2 == 512 && t.thresh3 == 1024 && t.gc_interval_ms == 30000,
	     "neightbl: thresholds and gc interval");
	T_EQ_U(t.entries, 800, "neightbl: ndtc_entries");
	T_NEAR(t.fill_pct, 78.125, 1e-9, "neightbl: fill_pct of gc_thresh3");
	T_OK(t.allocs == 1 && t.res_failed == 4 && t.forced_gc_runs == 10 && t.table_fulls == 11,
	     "neightbl: ndt_stats fields in order");
	T_OK((t.avail & (1u << NT_NT_FULLS)) && (t.avail & (1u << NT_NT_STATS)) &&
	     !(t.avail & (1u << NT_NT_UNRES)), "neightbl: table_fulls available, unresolved not yet");

	/* an old kernel: ndt_stats without table_fulls */
	s.stats_len = 10 * sizeof(uint64_t);
	r = nt_stack_parse_neightbl(tmsg(&s), &t, &global);
	T_OK(r == 0 && t.forced_gc_runs == 10 && t.table_fulls == 0 &&
	     !(t.avail & (1u << NT_NT_FULLS)) && (t.avail & (1u << NT_NT_STATS)),
	     "neightbl: short ndt_stats zero-filled, table_fulls not available");

	/* a device's parameters: not the table */
	s = (struct tspec){ "arp_cache", AF_INET, 0, 0, 0, 3 };
	r = nt_stack_parse_neightbl(tmsg(&s), &t, &global);
	T_OK(r == 0 && !global, "neightbl: per-device NDTA_PARMS message is not global");
	s.parms_ifindex = 0;
	r = nt_stack_parse_neightbl(tmsg(&s), &t, &global);
	T_OK(r == 0 && !global, "neightbl: parameters only (no thresholds, no config) is not global");

	s = (struct tspec){ "ndisc_cache", AF_INET6, 1, sizeof(struct ndt_stats), 10, 0 };
	nlh = tmsg(&s);
	nlh->nlmsg_len = NLMSG_HDRLEN + 3;
	T_EQ_I(nt_stack_parse_neightbl(nlh, &t, &global), -EINVAL, "neightbl: shorter than ndtmsg");
	nlh = tmsg(&s);
	nlh->nlmsg_type = RTM_NEWNEIGH;
	T_EQ_I(nt_stack_parse_neightbl(nlh, &t, &global), -EINVAL, "neightbl: another type");
	nlh = tmsg(&s);
	nlh->nlmsg_len -= 4;
	T_OK(nt_stack_parse_neightbl(nlh, &t, &global) == -EBADMSG && !global,
	     "neightbl: truncated attribute");
}

static void test_neigh_stat(void)
{
	static const char text[] =
		"entries  allocs   destroys hash_grows lookups  hits     res_failed rcv_probes_mcast rcv_probes_ucast periodic_gc_runs forced_gc_runs unresolved_discards table_fulls\n"
		"00000003 00000b1a 00000f52 00000003   000027a3 00000b3d 00000000   00000000         00000000         0000059b         00000000       0000000a            00000000\n"
		"00000003 00000e19 000009de 00000002   00002df3 00000d4f 00000000   00000000         00000000         00000000         00000000       000000FF            00000000\n";
	/* an older layout: no table_fulls, columns found by name */
	static const char old[] =
		"entries  allocs destroys hash_grows lookups hits res_failed rcv_probes_mcast rcv_probes_ucast periodic_gc_runs forced_gc_runs unresolved_discards\n"
		"00000001 1 1 1 1 1 1 1 1 1 1 00000010\n";
	static const char none[] = "entries allocs\n00000001 00000002\n";
	static const char shortrow[] =
		"entries allocs unresolved_discards\n00000001 00000002\n";
	static const char badhex[] =
		"entries unresolved_discards\n00000001 0000zz01\n";
	struct nt_neightbl t;

	memset(&t, 0, sizeof(t));
	T_EQ_I(nt_stack_parse_neigh_stat(text, strlen(text), &t), 0, "stat: arp_cache parses");
	T_EQ_U(t.unresolved_discards, 10 + 255, "stat: unresolved_discards summed over CPU rows (hex)");
	T_OK(t.avail & (1u << NT_NT_UNRES), "stat: unresolved available");
	memset(&t, 0, sizeof(t));
	T_OK(nt_stack_parse_neigh_stat(old, strlen(old), &t) == 0 && t.unresolved_discards == 16,
	     "stat: older layout, by header name");
	T_EQ_I(nt_stack_parse_neigh_stat(none, strlen(none), &t), -ENOENT, "stat: no such column");
	T_EQ_I(nt_stack_parse_neigh_stat(shortrow, strlen(shortrow), &t), -EINVAL, "stat: row shorter than the header");
	T_EQ_I(nt_stack_parse_neigh_stat(badhex, strlen(badhex), &t), -EINVAL, "stat: not hex");
	T_EQ_I(nt_stack_parse_neigh_stat("entries", 7, &t), -EINVAL, "stat: no newline");
	T_EQ_I(nt_stack_parse_neigh_stat("unresolved_discards\n", 20, &t), -EINVAL, "stat: no rows");
	/* a row without the final newline */
	memset(&t, 0, sizeof(t));
	T_OK(nt_stack_parse_neigh_stat(text, strlen(text) - 1, &t) == 0 && t.unresolved_discards == 265,
	     "stat: last row without newline");
}

static struct nt_neightbl mkt(const char *name, uint32_t entries, uint64_t fulls)
{
	struct nt_neightbl t;

	memset(&t, 0, sizeof(t));
	snprintf(t.name, sizeof(t.name), "%s", name);
	snprintf(t.scope, sizeof(t.scope), "global");
	t.family = strcmp(name, "ndisc_cache") ? AF_INET : AF_INET6;
	t.thresh1 = 128;
	t.thresh2 = 512;
	t.thresh3 = 1024;
	t.entries = entries;
	t.table_fulls = fulls;
	t.avail = 1u << NT_NT_THRESH | 1u << NT_NT_CONFIG | 1u << NT_NT_STATS | 1u << NT_NT_FULLS;
	return t;
}

static void test_neigh_judge(void)
{
	struct nt_neightbl_list prev = { { mkt("arp_cache", 10, 3), mkt("ndisc_cache", 10, 0) }, 2 };
	struct nt_neightbl_list cur = { { mkt("arp_cache", 800, 3), mkt("ndisc_cache", 930, 0),
					  mkt("clip", 5, 9) }, 3 };
	struct nt_stack_nl_thresholds t;
	struct nt_verdicts vs = { 0 };
	const struct nt_verdict *v;

	nt_stack_nl_thresholds_default(&t);
	nt_stack_neigh_verdicts(&cur, &prev, &t, &vs, "over 5 s");
	v = find_v(&vs, "stack.neigh", "arp_cache");
	T_OK(v && v->level == NT_WARN && strstr(v->hint, "gc_thresh1/2/3") &&
	     strstr(v->hint, "net.ipv4.neigh.default") && strstr(v->reason, "global"),
	     "neigh: 800/1024 = 78 %% WARN, hint gc_thresh, reason says global");
	v = find_v(&vs, "stack.neigh", "ndisc_cache");
	T_OK(v && v->level == NT_CRIT && strstr(v->hint, "net.ipv6"), "neigh: 930/1024 CRIT, ipv6 hint");
	v = find_v(&vs, "stack.neigh", "clip");
	T_OK(v && v->level == NT_OK && strstr(v->reason, "first run"),
	     "neigh: no baseline for the table: table_fulls since boot, not judged");
	nt_verdicts_reset(&vs);
	cur.v[0].entries = 10;
	cur.v[0].table_fulls = 4;
	nt_stack_neigh_verdicts(&cur, &prev, &t, &vs, "over 5 s");
	v = find_v(&vs, "stack.neigh", "arp_cache");
	T_OK(v && v->level == NT_CRIT && strstr(v->reason, "table_fulls +1 over 5 s"),
	     "neigh: table_fulls rising is CRIT at any fill");
	nt_verdicts_reset(&vs);
	cur.v[0].avail &= ~(1u << NT_NT_FULLS);
	nt_stack_neigh_verdicts(&cur, &prev, &t, &vs, NULL);
	v = find_v(&vs, "stack.neigh", "arp_cache");
	T_OK(v && v->level == NT_OK && strstr(v->reason, "not reported"),
	     "neigh: an old kernel's missing table_fulls is not a rise");
	nt_verdicts_reset(&vs);
	cur.v[0].thresh3 = 0;
	cur.v[1].avail = 0;
	cur.n = 2;
	nt_stack_neigh_verdicts(&cur, NULL, &t, &vs, NULL);
	T_EQ_U(vs.n, 0, "neigh: no verdict without gc_thresh3 or config");
	nt_verdicts_free(&vs);
}

/* ---- history ---- */

static void test_history(void)
{
	struct nt_qdisc qv[2];
	struct nt_qdisc_list q = { qv, 2, 2 }, q2 = { 0 };
	struct nt_neightbl_list t = { { mkt("arp_cache", 800, 3), mkt("ndisc_cache", 9, 1) }, 2 }, t2;
	struct nt_hist h = { 0 }, h2 = { 0 };
	char *text;
	int r;

	qv[0] = mkq(2, 0x80010000, 123456789012ull, 397);
	qv[0].qlen = 3;
	qv[0].backlog = 3000;
	qv[0].requeues = 4;
	qv[0].overlimits = 401;
	qv[1] = mkq(7, 0xffff0000, 5, 0);
	qv[1].parent = TC_H_INGRESS;
	snprintf(qv[1].kind, sizeof(qv[1].kind), "ingress");
	t.v[0].unresolved_discards = 42;
	t.v[0].avail |= 1u << NT_NT_UNRES;
	t.v[0].gc_interval_ms = 30000;
	r = nt_stack_nl_hist_put(&q, &t, &h);
	T_EQ_I(r, 0, "history: put");
	text = nt_hist_format(&h, "b", 0, "ns", "stack");
	T_OK(text && nt_hist_parse(text, "b", 0, "ns", "stack", &h2) == 0, "history: format and parse");
	free(text);
	memset(&t2, 0xaa, sizeof(t2));
	r = nt_stack_nl_hist_get(&h2, &q2, &t2);
	T_OK(r == 0 && q2.n == 2 && t2.n == 2, "history: get two qdiscs and two tables");
	if (q2.n == 2 && t2.n == 2) {
		T_OK(q2.v[0].ifindex == 2 && q2.v[0].handle == 0x80010000 && q2.v[0].parent == TC_H_ROOT &&
		     !strcmp(q2.v[0].kind, "tbf") && q2.v[0].packets == 123456789012ull &&
		     q2.v[0].drops == 397 && q2.v[0].qlen == 3 && q2.v[0].backlog == 3000 &&
		     q2.v[0].requeues == 4 && q2.v[0].overlimits == 401 && q2.v[0].avail == qv[0].avail,
		     "history: qdisc round trip");
		T_OK(q2.v[1].parent == TC_H_INGRESS && !strcmp(q2.v[1].kind, "ingress"),
		     "history: ingress parent round trip");
		T_OK(!strcmp(t2.v[0].name, "arp_cache") && t2.v[0].entries == 800 &&
		     t2.v[0].table_fulls == 3 && t2.v[0].unresolved_discards == 42 &&
		     t2.v[0].thresh3 == 1024 && t2.v[0].gc_interval_ms == 30000 &&
		     t2.v[0].avail == t.v[0].avail && !strcmp(t2.v[0].scope, "global"),
		     "history: neighbour table round trip");
		/* rates over the history baseline */
		qv[0].drops += 10;
		qv[0].packets += 90;
		nt_stack_qdisc_rates(&q, &q2, 5);
		T_OK(qv[0].drops_delta == 10 && qv[0].packets_delta == 90 &&
		     fabs(qv[0].drops_rate - 2) < 1e-9, "history: rates against the stored sample");
	}
	/* an entry whose layout does not match is skipped */
	nt_hist_free(&h);
	{
		uint64_t v[3] = { 1, 2, 3 };

		nt_hist_put_vec(&h, "qdisc:2:80010000:ffffffff", "tbf", v, 3);
		nt_hist_put_vec(&h, "neigh:arp_cache", "table", v, 3);
		nt_hist_put_vec(&h, "qdisc:zz", "tbf", v, 3);
	}
	r = nt_stack_nl_hist_get(&h, &q2, &t2);
	T_OK(r == 0 && q2.n == 0 && t2.n == 0, "history: entries of another layout are skipped");
	nt_hist_free(&h);
	nt_hist_free(&h2);
	nt_qdisc_list_free(&q2);
}

/* ---- UDP ---- */

static struct nlmsghdr *umsg(uint8_t family, const char *src, uint16_t sport,
			     uint32_t inode, uint32_t rqueue, int nmem, uint32_t drops)
{
	struct nlmsghdr *nlh;
	struct inet_diag_msg *m;
	uint32_t mem[SK_MEMINFO_VARS] = { 0 };
	int i;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	m = mnl_nlmsg_put_extra_header(nlh, sizeof(*m));
	m->idiag_family = family;
	m->idiag_state = 7;
	inet_pton(family, src, m->id.idiag_src);
	m->id.idiag_sport = htons(sport);
	m->idiag_inode = inode;
	m->idiag_rqueue = rqueue;
	for (i = 0; i < SK_MEMINFO_VARS; i++)
		mem[i] = 1000 + (uint32_t)i;
	mem[SK_MEMINFO_DROPS] = drops;
	mnl_attr_put_u32(nlh, 240, 5); /* unknown */
	if (nmem >= 0)
		mnl_attr_put(nlh, INET_DIAG_SKMEMINFO, (size_t)nmem * sizeof(uint32_t), mem);
	return nlh;
}

static void test_udp(void)
{
	struct nt_udp_sock s;
	struct nt_udp_list l = { 0 };
	struct nlmsghdr *nlh;
	unsigned i;
	int r;

	r = nt_stack_parse_udp(umsg(AF_INET, "127.0.0.1", 5301, 77, 3840, SK_MEMINFO_VARS, 297), &s);
	T_OK(r == 0 && s.have_mem && s.drops == 297 && s.rcvbuf == 1001 && s.rmem_alloc == 1000 &&
	     s.sport == 5301 && s.inode == 77 && s.rqueue == 3840 && s.ipv == 4 &&
	     !strcmp(s.local, "127.0.0.1") && !strcmp(s.subject, "127.0.0.1:5301") &&
	     (s.avail & (1u << NT_US_MEM)), "udp: v4 reply with SKMEMINFO");
	r = nt_stack_parse_udp(umsg(AF_INET6, "2001:db8::1", 53, 78, 0, 9, 5), &s);
	T_OK(r == 0 && s.ipv == 6 && !strcmp(s.subject, "[2001:db8::1]:53") && s.drops == 5,
	     "udp: v6 reply, exactly 9 meminfo values");
	r = nt_stack_parse_udp(umsg(AF_INET, "127.0.0.1", 9, 79, 0, 8, 5), &s);
	T_OK(r == 0 && !s.have_mem && s.drops == 0 && s.rcvbuf == 1001 && !(s.avail & (1u << NT_US_MEM)),
	     "udp: SKMEMINFO shorter than SK_MEMINFO_DROPS: drops unknown, rcvbuf kept");
	r = nt_stack_parse_udp(umsg(AF_INET, "127.0.0.1", 9, 79, 0, 1, 5), &s);
	T_OK(r == 0 && !s.have_mem && s.rcvbuf == 0 && s.rmem_alloc == 1000, "udp: one meminfo value");
	r = nt_stack_parse_udp(umsg(AF_INET, "127.0.0.1", 9, 79, 0, -1, 5), &s);
	T_OK(r == 0 && !s.have_mem, "udp: no SKMEMINFO");
	nlh = umsg(AF_INET, "127.0.0.1", 9, 79, 0, 9, 5);
	nlh->nlmsg_len = NLMSG_HDRLEN + sizeof(struct inet_diag_msg) - 1;
	T_EQ_I(nt_stack_parse_udp(nlh, &s), -EINVAL, "udp: shorter than inet_diag_msg");
	nlh = umsg(AF_INET, "127.0.0.1", 9, 79, 0, 9, 5);
	nlh->nlmsg_len -= 8;
	T_EQ_I(nt_stack_parse_udp(nlh, &s), -EBADMSG, "udp: truncated SKMEMINFO");
	nlh = umsg(AF_INET, "127.0.0.1", 9, 79, 0, 9, 5);
	((struct inet_diag_msg *)mnl_nlmsg_get_payload(nlh))->idiag_family = AF_UNIX;
	T_EQ_I(nt_stack_parse_udp(nlh, &s), -EINVAL, "udp: not an inet family");

	/* top 3 of 1000 sockets, in bounded memory */
	l.v = calloc(3, sizeof(*l.v));
	l.cap = 3;
	for (i = 0; i < 1000; i++) {
		memset(&s, 0, sizeof(s));
		s.inode = i + 1;
		s.sport = (uint16_t)(10000 + i);
		s.drops = (i * 7919u) % 1000; /* a permutation of 0..999 */
		s.rqueue = i == 500 ? 1 : 0;
		nt_udp_top_offer(&l, 3, &s);
	}
	nt_udp_top_finish(&l);
	T_OK(l.seen == 1000 && l.n == 3 && l.v[0].drops == 999 && l.v[1].drops == 998 &&
	     l.v[2].drops == 997, "udp top: 3 worst of 1000, worst first, in 3 slots");
	nt_udp_list_free(&l);
	l.v = calloc(5, sizeof(*l.v));
	l.cap = 5;
	memset(&s, 0, sizeof(s));
	nt_udp_top_offer(&l, 5, &s); /* nothing dropped, nothing queued */
	s.rqueue = 10;
	s.inode = 1;
	nt_udp_top_offer(&l, 5, &s);
	s.rqueue = 0;
	s.drops = 1;
	s.inode = 2;
	nt_udp_top_offer(&l, 5, &s);
	nt_udp_top_finish(&l);
	T_OK(l.seen == 3 && l.n == 2 && l.v[0].inode == 2 && l.v[1].inode == 1,
	     "udp top: idle sockets left out; drops rank above queued bytes");
	nt_udp_list_free(&l);
}

/* ---- field tables ---- */

static void test_fields(void)
{
	struct nt_global g = { .format = NT_FMT_JSON };
	struct nt_qdisc q = mkq(2, 0x80010000, 10, 1);
	struct nt_neightbl t = mkt("arp_cache", 800, 0);
	struct nt_udp_sock u;
	struct nt_doc d;
	const char *js;
	size_t len;

	memset(&u, 0, sizeof(u));
	u.ipv = 4;
	u.sport = 5301;
	snprintf(u.local, sizeof(u.local), "127.0.0.1");
	u.drops = 297;
	u.avail = 1u << NT_US_MEM;
	t.fill_pct = 78.125;
	if (nt_doc_init(&d, "stack", &g))
		return;
	d.js_out = NULL;
	nt_doc_records(&d, &nt_qdisc_rectype, &q, 1, NT_F_ID | NT_F_INFO | NT_F_TOTAL | NT_F_DELTA | NT_F_RATE);
	nt_doc_records(&d, &nt_neightbl_rectype, &t, 1, NT_F_ID | NT_F_INFO | NT_F_TOTAL);
	nt_doc_records(&d, &nt_udp_sock_rectype, &u, 1, NT_F_ID | NT_F_INFO | NT_F_TOTAL);
	js = nt_doc_json(&d, &len);
	T_OK(js && strstr(js, "\"qdiscs\":[{") && strstr(js, "\"handle\":\"8001:\"") &&
	     strstr(js, "\"drops\":1") && strstr(js, "\"drops_delta\":null"),
	     "fields: qdiscs array, tc's handle, null deltas without a baseline");
	T_OK(js && strstr(js, "\"neigh_tables\":[{") && strstr(js, "\"scope\":\"global\"") &&
	     strstr(js, "\"unresolved_discards\":null") && strstr(js, "\"entries\":800"),
	     "fields: neigh_tables with scope global, null for an unreported column");
	T_OK(js && strstr(js, "\"udp_top\":[{") && strstr(js, "\"port\":5301") &&
	     strstr(js, "\"pid\":null") && strstr(js, "\"drops\":297"),
	     "fields: udp_top, pid null without --procs");
	nt_doc_free(&d);

	g.format = NT_FMT_PROM;
	if (nt_doc_init(&d, "stack", &g))
		return;
	nt_doc_records(&d, &nt_qdisc_rectype, &q, 1, NT_F_ID | NT_F_INFO | NT_F_TOTAL);
	nt_doc_records(&d, &nt_neightbl_rectype, &t, 1, NT_F_ID | NT_F_INFO | NT_F_TOTAL);
	nt_doc_records(&d, &nt_udp_sock_rectype, &u, 1, NT_F_ID | NT_F_INFO | NT_F_TOTAL);
	fflush(d.prom);
	T_OK(d.prom_buf && strstr(d.prom_buf, "nettriage_stack_qdisc_drops_total{iface=\"veth2\",kind=\"tbf\",handle=\"8001:\",parent=\"root\"} 1") &&
	     strstr(d.prom_buf, "# TYPE nettriage_stack_qdisc_backlog_bytes gauge") &&
	     strstr(d.prom_buf, "nettriage_stack_qdisc_qlen{") &&
	     strstr(d.prom_buf, "nettriage_stack_qdisc_overlimits_total{") &&
	     strstr(d.prom_buf, "nettriage_stack_qdisc_requeues_total{") &&
	     strstr(d.prom_buf, "nettriage_stack_qdisc_bytes_total{") &&
	     strstr(d.prom_buf, "nettriage_stack_qdisc_packets_total{"),
	     "prom: qdisc counters and gauges with iface, kind, handle, parent");
	T_OK(d.prom_buf && strstr(d.prom_buf, "nettriage_stack_neigh_entries{table=\"arp_cache\"} 800") &&
	     strstr(d.prom_buf, "nettriage_stack_neigh_table_fulls_total{table=\"arp_cache\"} 0") &&
	     strstr(d.prom_buf, "nettriage_stack_neigh_fill_ratio{table=\"arp_cache\"} 0.78125") &&
	     !strstr(d.prom_buf, "nettriage_stack_neigh_unresolved_discards_total{"),
	     "prom: neighbour table gauges and counters, label table");
	T_OK(d.prom_buf && strstr(d.prom_buf, "nettriage_stack_udp_sock_drops_total{local=\"127.0.0.1\",port=\"5301\",inode=\"0\"} 297"),
	     "prom: udp socket drops with local, port, inode");
	if (getenv("T_PROM_OUT") && d.prom_buf) {
		FILE *f = fopen(getenv("T_PROM_OUT"), "w");

		if (f) {
			fputs(d.prom_buf, f);
			fclose(f);
		}
	}
	nt_doc_free(&d);
}

/* ---- a dump through the walker, as the collectors do ---- */

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nt_qdisc q;

	if (nt_stack_parse_qdisc(nlh, &q) == 0)
		(*(unsigned *)data)++;
	return 0;
}

static void test_walk(void)
{
	static _Alignas(8) char two[8192];
	struct qspec s = { 2, 0x80010000, TC_H_ROOT, "tbf", 1, 16, 20, 0, 0, 0 };
	struct nlmsghdr *nlh = qmsg(&s);
	unsigned n = 0;
	size_t l1 = nlh->nlmsg_len;
	struct nt_nl_walk w = { 0, 0, RTM_NEWQDISC, count_cb, &n, 0, 0 };
	int r;

	memcpy(two, buf, l1);
	s.kind = "pfifo";
	nlh = qmsg(&s);
	memcpy(two + NLMSG_ALIGN(l1), buf, nlh->nlmsg_len);
	r = nt_nl_walk(two, NLMSG_ALIGN(l1) + nlh->nlmsg_len, &w);
	T_OK(r == 1 && n == 2, "walk: two qdisc messages in one buffer");
}

int main(void)
{
	test_qdisc_parse();
	test_qdisc_judge();
	test_qdisc_drops_wrap();
	test_qdisc_mq();
	test_udp_name_top();
	test_neightbl_parse();
	test_neigh_stat();
	test_neigh_judge();
	test_history();
	test_udp();
	test_fields();
	test_walk();
	return T_DONE();
}
