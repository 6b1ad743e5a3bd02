/* stack model: rates over a baseline, the derived records (UDP, limits,
 * judged counters) and the verdicts. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nt_stack.h"

void nt_stack_thresholds_default(struct nt_stack_thresholds *t)
{
	t->crit_backlog = 1.0;
	t->warn_squeeze = 10.0;
	t->warn_sockmem = 100.0;
	t->crit_sockmem = 90.0;
	t->warn_orphans = 25.0;
	t->crit_orphans = 50.0;
	t->warn_tw = 75.0;
	t->crit_tw = 100.0;
	t->warn_fd = 70.0;
	t->crit_fd = 90.0;
}

const char *const nt_stack_udp_names[NT_UC_COUNT] = {
	"InDatagrams", "NoPorts", "InErrors", "OutDatagrams",
	"RcvbufErrors", "SndbufErrors", "InCsumErrors", "MemErrors",
};

/* The counters stack.ip and stack.mem_events judge, with their hints. */
struct judged {
	int set;
	const char *name;
	const char *check;
	const char *hint;
};

static const struct judged judged[] = {
#define NOROUTE "no route to the destination: check ip route (and policy rules) in this namespace"
#define DISCARD "IP discards: no buffer space or a filter dropping packets (see nettriage drops, nstat)"
#define HDR "malformed or TTL-expired IP headers arriving (a bad peer or a loop)"
#define ADDR "packets for an address not on this host (wrong route, ARP/NDP confusion, forwarding off)"
#define REASM "reassembly failures: fragments lost or timed out; fix the MTU so nothing fragments (PMTU discovery, ICMP frag-needed allowed)"
#define FRAG "fragmentation failed (DF set and too big): MTU/fragmentation; allow ICMP frag-needed / packet-too-big"
	{ NT_SC_IPEXT, "InNoRoutes", "stack.ip", NOROUTE },
	{ NT_SC_IP, "OutNoRoutes", "stack.ip", NOROUTE },
	{ NT_SC_IP, "InDiscards", "stack.ip", DISCARD },
	{ NT_SC_IP, "OutDiscards", "stack.ip", DISCARD },
	{ NT_SC_IP, "InHdrErrors", "stack.ip", HDR },
	{ NT_SC_IP, "InAddrErrors", "stack.ip", ADDR },
	{ NT_SC_IP, "ReasmFails", "stack.ip", REASM },
	{ NT_SC_IP, "FragFails", "stack.ip", FRAG },
	{ NT_SC_IP6, "InNoRoutes", "stack.ip", NOROUTE },
	{ NT_SC_IP6, "OutNoRoutes", "stack.ip", NOROUTE },
	{ NT_SC_IP6, "InDiscards", "stack.ip", DISCARD },
	{ NT_SC_IP6, "OutDiscards", "stack.ip", DISCARD },
	{ NT_SC_IP6, "InHdrErrors", "stack.ip", HDR },
	{ NT_SC_IP6, "InAddrErrors", "stack.ip", ADDR },
	{ NT_SC_IP6, "ReasmFails", "stack.ip", REASM },
	{ NT_SC_IP6, "FragFails", "stack.ip", FRAG },
	{ NT_SC_TCPEXT, "IPReversePathFilter", "stack.ip",
	  "reverse-path filter dropped packets (asymmetric routing): check net.ipv4.conf.*.rp_filter" },
	{ NT_SC_TCPEXT, "TCPMemoryPressures", "stack.mem_events",
	  "TCP entered memory pressure: raise net.ipv4.tcp_mem or find the sockets holding buffers (ss -tm)" },
	{ NT_SC_TCPEXT, "TCPAbortOnMemory", "stack.mem_events",
	  "connections aborted for lack of memory: net.ipv4.tcp_mem, orphaned sockets (tcp_max_orphans)" },
	{ NT_SC_TCPEXT, "TCPTimeWaitOverflow", "stack.mem_events",
	  "TIME-WAIT table full (tcp_max_tw_buckets): connections closed without TIME-WAIT; reuse connections" },
};
#define NJUDGED (sizeof(judged) / sizeof(judged[0]))

/* nstat's name: the set's prefix and the kernel's name ("IpExtInNoRoutes";
 * snmp6 names carry theirs: "Ip6InNoRoutes"). */
static void nstat_name(int set, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", nt_stack_ctr_set[set], name);
}

void nt_stack_view_free(struct nt_stack_view *v)
{
	free(v->ctr);
	memset(v, 0, sizeof(*v));
}

static bool ctr(const struct nt_stack_sample *s, int set, const char *name,
		uint64_t *v)
{
	return s && nt_tcp_ctr_get(&s->ctrs.s[set], name, v);
}

static const struct nt_softnet_cpu *sn_match(const struct nt_softnet *p,
					     const struct nt_softnet_cpu *c, size_t k)
{
	size_t i;

	if (k < p->n && p->v[k].cpu == c->cpu)
		return &p->v[k];
	for (i = 0; i < p->n; i++)
		if (p->v[i].cpu == c->cpu)
			return &p->v[i];
	return NULL;
}

/* softnet_stat's processed, dropped and time_squeeze are the kernel's
 * 32-bit per-CPU counters (unsigned int, printed %08x); the history is
 * keyed by boot id, so within a boot a counter that went down wrapped.
 * The delta is taken modulo 2^32 (one wrap within dt: more cannot be
 * told apart), and a wrapped delta is believed only when its rate is
 * plausible for one CPU (NT_SN_WRAP_MAX_PER_S); else the row has no
 * usable baseline (NT_SN_BACKWARD) and is judged on its totals. */
#define NT_SN_WRAP_MAX_PER_S 50e6

static bool sn_delta(uint64_t cur, uint64_t prev, double dt, uint64_t *d)
{
	uint32_t w = (uint32_t)((uint32_t)cur - (uint32_t)prev);

	if (cur >= prev && cur - prev <= UINT32_MAX) {
		*d = cur - prev;
		return true;
	}
	/* one wrap: prev was in the upper half and the wrapped delta is less
	 * than half the range (else rows were paired wrongly, e.g. after a
	 * CPU went offline on a kernel without the CPU id column) */
	if (cur > UINT32_MAX || prev > UINT32_MAX || prev <= UINT32_MAX / 2 ||
	    w >= 1u << 31 || (double)w / dt > NT_SN_WRAP_MAX_PER_S)
		return false;
	*d = w;
	return true;
}

static void softnet_rates(struct nt_softnet *cur, const struct nt_softnet *prev,
			  double dt)
{
	const uint64_t mask = (1ull << NT_SN_DELTA) | (1ull << NT_SN_RATE) |
			      (1ull << NT_SN_NOBASE) | (1ull << NT_SN_BACKWARD);
	size_t k;

	for (k = 0; k < cur->n; k++) {
		struct nt_softnet_cpu *c = &cur->v[k];
		const struct nt_softnet_cpu *p = prev ? sn_match(prev, c, k) : NULL;
		uint64_t dp, dd, dsq;

		c->avail &= ~mask;
		c->dropped_pct = c->processed_rate = c->dropped_rate = c->squeeze_rate = NAN;
		if (!prev || !(dt > 0))
			continue;
		/* without the CPU id column rows are paired by position: when
		 * their number changed (hotplug) no row is the same CPU */
		if (!p || (!((c->avail >> NT_SN_CPUID) & 1) && cur->n != prev->n)) {
			c->avail |= 1ull << NT_SN_NOBASE; /* CPU not in the baseline */
			continue;
		}
		if (!sn_delta(c->processed, p->processed, dt, &dp) ||
		    !sn_delta(c->dropped, p->dropped, dt, &dd) ||
		    !sn_delta(c->time_squeeze, p->time_squeeze, dt, &dsq)) {
			c->avail |= 1ull << NT_SN_BACKWARD;
			continue;
		}
		c->processed_delta = dp;
		c->dropped_delta = dd;
		c->squeeze_delta = dsq;
		c->processed_rate = (double)dp / dt;
		c->dropped_rate = (double)dd / dt;
		c->squeeze_rate = (double)dsq / dt;
		c->dropped_pct = dd ? 100.0 * (double)dd / ((double)dp + (double)dd) : 0.0;
		c->avail |= (1ull << NT_SN_DELTA) | (1ull << NT_SN_RATE);
	}
}

/* Each row's verdict subject is its name ("tcp_mem_pages", "tcp_orphans",
 * "files", ...): the table shows a row the level of its own check only. */
static void add_lim(struct nt_stack_view *v, const char *name,
		    const char *scope, const char *source, uint64_t used,
		    bool have_used, const uint64_t *pressure, const uint64_t *limit)
{
	struct nt_stack_limit *l = &v->lim[v->n_lim++];

	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "%s", name);
	snprintf(l->subject, sizeof(l->subject), "%s", name);
	snprintf(l->scope, sizeof(l->scope), "%s", scope);
	snprintf(l->source, sizeof(l->source), "%s", source);
	l->used_pct = NAN;
	if (have_used) {
		l->used = used;
		l->avail |= 1ull << NT_LIM_USED;
	}
	if (pressure) {
		l->pressure = *pressure;
		l->avail |= 1ull << NT_LIM_PRESSURE;
	}
	if (limit) {
		l->limit = *limit;
		l->avail |= 1ull << NT_LIM_LIMIT;
		if (have_used && *limit) {
			l->used_pct = 100.0 * (double)used / (double)*limit;
			l->avail |= 1ull << NT_LIM_PCT;
		}
	}
}

int nt_stack_view_build(struct nt_stack_view *v, struct nt_stack_sample *cur,
			const struct nt_stack_sample *prev, double dt,
			const struct nt_stack_thresholds *t)
{
	static const int udp_sets[] = { NT_SC_UDP, NT_SC_UDP6, NT_SC_UDPLITE, NT_SC_UDPLITE6 };
	uint64_t x = 0, y = 0;
	bool hx;
	size_t i;
	int k;

	(void)t;
	softnet_rates(&cur->softnet, prev ? &prev->softnet : NULL, dt);
	v->n_udp = 0;
	for (i = 0; i < 4; i++) {
		const struct nt_tcp_ctrs *c = &cur->ctrs.s[udp_sets[i]];
		struct nt_stack_udp *u = &v->udp[v->n_udp];
		bool all = prev && dt > 0;

		if (!c->present)
			continue;
		memset(u, 0, sizeof(*u));
		snprintf(u->proto, sizeof(u->proto), "%s", nt_stack_ctr_set[udp_sets[i]]);
		for (k = 0; k < NT_UC_COUNT; k++) {
			u->rate[k] = NAN;
			if (!nt_tcp_ctr_get(c, nt_stack_udp_names[k], &u->c[k]))
				continue;
			u->avail |= 1ull << k;
			if (!ctr(prev, udp_sets[i], nt_stack_udp_names[k], &x) ||
			    x > u->c[k])
				all = false;
			else if (dt > 0) {
				u->delta[k] = u->c[k] - x;
				u->rate[k] = (double)u->delta[k] / dt;
			}
		}
		if (all)
			u->avail |= 1ull << NT_UC_DELTA_BIT;
		v->n_udp++;
	}

	v->n_lim = 0;
	hx = nt_sockstat_get(&cur->sockstat, "TCP", "mem", &x);
	add_lim(v, "tcp_mem_pages", "global", "net.ipv4.tcp_mem", x, hx,
		cur->err_tcp_mem ? NULL : &cur->tcp_mem[1],
		cur->err_tcp_mem ? NULL : &cur->tcp_mem[2]);
	hx = nt_sockstat_get(&cur->sockstat, "UDP", "mem", &x);
	add_lim(v, "udp_mem_pages", "global", "net.ipv4.udp_mem", x, hx,
		cur->err_udp_mem ? NULL : &cur->udp_mem[1],
		cur->err_udp_mem ? NULL : &cur->udp_mem[2]);
	hx = nt_sockstat_get(&cur->sockstat, "TCP", "orphan", &x);
	add_lim(v, "tcp_orphans", "global", "net.ipv4.tcp_max_orphans", x, hx,
		NULL, cur->err_orphans ? NULL : &cur->max_orphans);
	hx = nt_sockstat_get(&cur->sockstat, "TCP", "tw", &x);
	add_lim(v, "tcp_timewait", "netns", "net.ipv4.tcp_max_tw_buckets", x, hx,
		NULL, cur->err_tw ? NULL : &cur->max_tw);
	y = cur->file_nr[0] >= cur->file_nr[1] ? cur->file_nr[0] - cur->file_nr[1] : 0;
	add_lim(v, "files", "global", "fs.file-max", y, !cur->err_file_nr, NULL,
		cur->err_file_max ? NULL : &cur->file_max);

	v->n_ctr = 0;
	for (i = 0; i < NJUDGED; i++) {
		const struct judged *j = &judged[i];
		struct nt_named *o;

		if (!ctr(cur, j->set, j->name, &x))
			continue;
		if (nt_grow(&v->ctr, v->n_ctr, &v->cap_ctr, sizeof(*v->ctr), 32))
			return -ENOMEM;
		o = &v->ctr[v->n_ctr++];
		memset(o, 0, sizeof(*o));
		nstat_name(j->set, j->name, o->name, sizeof(o->name));
		if (nt_tcp_snake(o->name, o->metric, sizeof(o->metric)))
			o->metric[0] = '\0';
		o->value = (int64_t)(x > INT64_MAX ? INT64_MAX : x);
		o->avail = 1ull << NT_NM_COUNTER;
		if (prev && dt > 0 && ctr(prev, j->set, j->name, &y) && y <= x) {
			o->delta = x - y;
			o->rate = (double)o->delta / dt;
			o->avail |= (1ull << NT_NM_DELTA) | (1ull << NT_NM_RATE);
		}
	}
	return 0;
}

/* Why a softnet row is judged on its since-boot totals. */
static const char *sn_nobase(const struct nt_softnet_cpu *c, bool rise)
{
	if (!rise)
		return "since boot (no baseline: first run); ratio judged, a rise needs a baseline";
	if ((c->avail >> NT_SN_BACKWARD) & 1)
		return "since boot (went down past one 32-bit wrap: baseline not usable; ratio judged)";
	if ((c->avail >> NT_SN_NOBASE) & 1)
		return "since boot (CPU not in the baseline: ratio judged)";
	return "since boot (no interval)";
}

static void backlog_verdicts(const struct nt_stack_sample *cur, bool rise,
			     const struct nt_stack_thresholds *t, const char *since,
			     struct nt_verdicts *vs)
{
	size_t k;

	for (k = 0; k < cur->softnet.n; k++) {
		const struct nt_softnet_cpu *c = &cur->softnet.v[k];
		bool have = rise && ((c->avail >> NT_SN_RATE) & 1);
		uint64_t dd = have ? c->dropped_delta : c->dropped;
		uint64_t dp = have ? c->processed_delta : c->processed;
		double pct = dd ? 100.0 * (double)dd / ((double)dp + (double)dd) : 0.0;
		enum nt_level l = NT_OK;
		struct nt_verdict *v;

		/* The layer's first-run rule (as link's): a ratio is judged on
		 * since-boot totals too; a rise (WARN on any new drop) needs a
		 * baseline. */
		if (dd > 0 && pct >= t->crit_backlog)
			l = NT_CRIT;
		else if (have && dd > 0)
			l = NT_WARN;
		v = nt_verdict_add(vs, "stack.backlog", c->subject, l, pct,
				   l == NT_CRIT ? t->crit_backlog : 0);
		if (!v)
			return;
		snprintf(v->reason, sizeof(v->reason),
			 "%llu dropped of %llu offered (processed + dropped): %.3f%%, %s (global)",
			 (unsigned long long)dd, (unsigned long long)(dp + dd), pct,
			 have ? since : sn_nobase(c, rise));
		if (l != NT_OK)
			snprintf(v->hint, sizeof(v->hint),
				 "backlog full: raise net.core.netdev_max_backlog, spread RX over CPUs (RPS/RFS, IRQ affinity)");

		have = have && isfinite(c->squeeze_rate);
		/* A rate over a short baseline is noise (2 squeezes in 0.1 s
		 * are "20/s"): WARN also needs more squeezes than one second
		 * at the threshold allows. */
		l = have && c->squeeze_rate > t->warn_squeeze &&
		    (double)c->squeeze_delta > t->warn_squeeze ? NT_WARN : NT_OK;
		v = nt_verdict_add(vs, "stack.squeeze", c->subject, l,
				   have ? c->squeeze_rate : NAN, t->warn_squeeze);
		if (!v)
			return;
		if (have)
			snprintf(v->reason, sizeof(v->reason),
				 "time_squeeze %.1f/s (%llu), %s", c->squeeze_rate,
				 (unsigned long long)c->squeeze_delta, since);
		else
			snprintf(v->reason, sizeof(v->reason),
				 "time_squeeze %llu since boot (%s): a rate needs a baseline",
				 (unsigned long long)c->time_squeeze,
				 !rise ? "no baseline: first run" :
				 (c->avail >> NT_SN_BACKWARD) & 1 ? "went down past one 32-bit wrap: baseline not usable" :
				 (c->avail >> NT_SN_NOBASE) & 1 ? "CPU not in the baseline" : "no interval");
		if (l != NT_OK)
			snprintf(v->hint, sizeof(v->hint),
				 "softirq ran out of budget: raise net.core.netdev_budget / netdev_budget_usecs, spread RX (RPS, IRQ affinity)");
	}
}

static void udp_verdicts(const struct nt_stack_view *sv, const char *since,
			 struct nt_verdicts *vs)
{
	size_t i;

	for (i = 0; i < sv->n_udp; i++) {
		const struct nt_stack_udp *u = &sv->udp[i];
		bool rise = (u->avail >> NT_UC_DELTA_BIT) & 1;
		uint64_t rb = rise ? u->delta[NT_UC_RCVBUF_ERRORS] : u->c[NT_UC_RCVBUF_ERRORS];
		uint64_t sb = rise ? u->delta[NT_UC_SNDBUF_ERRORS] : u->c[NT_UC_SNDBUF_ERRORS];
		enum nt_level l = rise && (rb || sb) ? NT_WARN : NT_OK;
		struct nt_verdict *v;

		v = nt_verdict_add(vs, "stack.udp", u->proto, l, (double)(rb + sb), 0);
		if (!v)
			return;
		snprintf(v->reason, sizeof(v->reason),
			 "%llu RcvbufErrors, %llu SndbufErrors %s", (unsigned long long)rb,
			 (unsigned long long)sb, rise ? since : "since boot (no baseline: first run)");
		if (l != NT_OK)
			snprintf(v->hint, sizeof(v->hint), "%s",
				 rb >= sb ? "a socket's receive buffer overflowed: slow reader, or SO_RCVBUF / net.core.rmem_max too small (--top N names it)"
					  : "send buffer full: SO_SNDBUF / net.core.wmem_max, or sending faster than the device drains");
	}
}

static void lim_verdict(struct nt_verdicts *vs, const struct nt_stack_limit *l,
			const char *check, double warn, double crit, const char *hint)
{
	struct nt_verdict *v;
	enum nt_level lv;

	if (!((l->avail >> NT_LIM_PCT) & 1))
		return;
	lv = nt_level_ge(l->used_pct, warn, crit);
	v = nt_verdict_add(vs, check, l->subject, lv, l->used_pct,
			   lv == NT_CRIT ? crit : warn);
	if (!v)
		return;
	snprintf(v->reason, sizeof(v->reason), "%llu of %llu (%.1f%% of %s, %s)",
		 (unsigned long long)l->used, (unsigned long long)l->limit,
		 l->used_pct, l->source, l->scope);
	if (lv != NT_OK)
		snprintf(v->hint, sizeof(v->hint), "%s", hint);
}

static void sockmem_verdict(struct nt_verdicts *vs, const struct nt_stack_limit *l,
			    const struct nt_stack_thresholds *t)
{
	struct nt_verdict *v;
	enum nt_level lv = NT_OK;
	double pw;

	if (!((l->avail >> NT_LIM_PCT) & 1) || !((l->avail >> NT_LIM_PRESSURE) & 1))
		return;
	pw = (double)l->pressure * t->warn_sockmem / 100.0;
	if (l->used_pct >= t->crit_sockmem)
		lv = NT_CRIT;
	else if ((double)l->used > pw)
		lv = NT_WARN;
	v = nt_verdict_add(vs, "stack.sockmem", l->subject, lv, (double)l->used,
			   lv == NT_CRIT ? (double)l->limit * t->crit_sockmem / 100.0 : pw);
	if (!v)
		return;
	snprintf(v->reason, sizeof(v->reason),
		 "%llu pages in use; %s pressure %llu, max %llu (%.1f%% of max; global)",
		 (unsigned long long)l->used, l->source, (unsigned long long)l->pressure,
		 (unsigned long long)l->limit, l->used_pct);
	if (lv != NT_OK)
		snprintf(v->hint, sizeof(v->hint),
			 "socket buffers near %s: sockets holding unread data (ss -tm / ss -um), or raise %s",
			 l->source, l->source);
}

static void ctr_verdicts(const struct nt_stack_view *sv, bool rise, const char *since,
			 struct nt_verdicts *vs)
{
	static const char *const checks[] = { "stack.ip", "stack.mem_events" };
	size_t i, j, c;

	for (c = 0; c < 2; c++) {
		unsigned fired = 0, seen = 0;
		struct nt_verdict *v;

		for (i = 0; i < sv->n_ctr; i++) {
			const struct nt_named *o = &sv->ctr[i];
			const struct judged *jd = NULL;

			for (j = 0; j < NJUDGED; j++) {
				char nm[48];

				nstat_name(judged[j].set, judged[j].name, nm, sizeof(nm));
				if (!strcmp(nm, o->name)) {
					jd = &judged[j];
					break;
				}
			}
			if (!jd || strcmp(jd->check, checks[c]))
				continue;
			seen++;
			if (!rise || !((o->avail >> NT_NM_DELTA) & 1) || !o->delta)
				continue;
			v = nt_verdict_add(vs, checks[c], o->name, NT_WARN, (double)o->delta, 0);
			if (!v)
				return;
			fired++;
			snprintf(v->reason, sizeof(v->reason), "%s rose by %llu %s",
				 o->name, (unsigned long long)o->delta, since);
			snprintf(v->hint, sizeof(v->hint), "%s", jd->hint);
		}
		if (fired || !seen)
			continue;
		v = nt_verdict_add(vs, checks[c], "", NT_OK, 0, 0);
		if (!v)
			return;
		snprintf(v->reason, sizeof(v->reason), "%u counters, none rose %s", seen,
			 rise ? since : "(no baseline: first run; totals since boot shown)");
	}
}

void nt_stack_verdicts(const struct nt_stack_sample *cur,
		       const struct nt_stack_sample *prev,
		       const struct nt_stack_view *v,
		       const struct nt_stack_thresholds *t, bool judge_global,
		       const char *since, struct nt_verdicts *vs)
{
	size_t i;

	if (!since)
		since = "over the interval";
	if (judge_global)
		backlog_verdicts(cur, prev != NULL, t, since, vs);
	udp_verdicts(v, since, vs);
	for (i = 0; i < v->n_lim; i++) {
		const struct nt_stack_limit *l = &v->lim[i];

		if (!strcmp(l->name, "tcp_timewait"))
			lim_verdict(vs, l, "stack.tw", t->warn_tw, t->crit_tw,
				    "TIME-WAIT sockets near tcp_max_tw_buckets (per namespace): reuse connections, or raise it");
		else if (!judge_global)
			continue;
		else if (!strcmp(l->name, "tcp_orphans"))
			lim_verdict(vs, l, "stack.orphans", t->warn_orphans, t->crit_orphans,
				    "orphaned sockets (closed, unacknowledged data): peers not reading; tcp_orphan_retries, tcp_max_orphans");
		else if (!strcmp(l->name, "files"))
			lim_verdict(vs, l, "stack.fd", t->warn_fd, t->crit_fd,
				    "open files near fs.file-max: find the holder (lsof, /proc/*/fd) or raise fs.file-max");
		else
			sockmem_verdict(vs, l, t);
	}
	ctr_verdicts(v, prev != NULL, since, vs);
}
