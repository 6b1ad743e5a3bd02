/* The capture layer (nt_layer.h): per-flow TCP health from a pcap file or
 * a live interface, sampled once.
 *   parse_opts    cmd_capture.c's options (triage passes "-d IFACE -t SEC
 *                 [-- FILTER]").
 *   caps          CAP_NET_RAW with -d until open has run; none with -r.
 *   open          the pcap handle (the file opened, or the interface
 *                 activated with its BPF filter), -w's file, the flow
 *                 table (its one allocation) and the top-N rows; then,
 *                 unless the driver drops privileges
 *                 itself (c->keep_privs: triage's capture thread), the
 *                 same drop as path (nt_probe_drop_privs: root becomes
 *                 nobody, every capability goes, no_new_privs) before a
 *                 single packet is read; then (start) the
 *                 file's headers, parsed without privileges.
 *   collect       the whole capture: to the file's end, or for -t SEC
 *                 (monotonic), or -C frames; SIGINT/SIGTERM end it early
 *                 with the results so far. No output. Once per state.
 *   judge         capture.retrans, capture.rst, capture.zero_window,
 *                 capture.drops, capture.evicted.
 *   hist_get, hist_put, rotate none: no history. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nettriage.h"
#include "nt_priv.h"
#include "nt_probe.h"
#include "capture_int.h"

static int parse_opts(void *st, int argc, char **argv)
{
	struct capture_st *x = st;

	return nt_capture_parse_opts(argc, argv, &x->o);
}

static uint64_t caps(const void *st)
{
	const struct capture_st *x = st;

	if (!x->o.iface || x->s.pcap)
		return 0; /* a file, or the handle is open already */
	return NT_CAP(CAP_NET_RAW);
}

static int open_st(void *st, struct nt_layer_ctx *c)
{
	struct capture_st *x = st;
	int r;

	if (x->s.started)
		return 0;
	r = nt_cap_src_acquire(&x->s, &x->o, c->why, sizeof(c->why));
	if (r)
		return r;
	if (nt_cap_table_init(&x->t, x->o.max_flows)) {
		snprintf(c->why, sizeof(c->why), "flow table of %u flows: %s", x->o.max_flows,
			 strerror(ENOMEM));
		return -ENOMEM;
	}
	x->table_ok = true;
	/* --top rows and the table's totals row */
	x->top = calloc((size_t)x->o.top + 1, sizeof(*x->top));
	if (!x->top) {
		snprintf(c->why, sizeof(c->why), "out of memory");
		return -ENOMEM;
	}
	if (!c->keep_privs) {
		r = nt_probe_drop_privs();
		if (r) {
			snprintf(c->why, sizeof(c->why), "dropping privileges before the first packet: %s",
				 strerror(-r));
			return r;
		}
		x->dropped_privs = true;
	}
	/* the file's headers are parsed only now, without privileges */
	return nt_cap_src_start(&x->s, &x->o, c->why, sizeof(c->why));
}

/* Keep the n worst under sort in v (at most cap), worst first. */
static void top_insert(struct cap_flowrec *v, size_t *n, size_t cap,
		       const struct cap_flowrec *r, enum cap_sort sort)
{
	size_t lo = 0, hi = *n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (nt_cap_before(r, &v[mid], sort))
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo >= cap)
		return;
	if (*n == cap)
		(*n)--;
	memmove(&v[lo + 1], &v[lo], (*n - lo) * sizeof(*v));
	v[lo] = *r;
	(*n)++;
}

static void worst(struct cap_flowrec *w, bool *have, const struct cap_flowrec *r,
		  enum cap_sort sort, uint64_t key)
{
	if (key && (!*have || nt_cap_before(r, w, sort))) {
		*w = *r;
		*have = true;
	}
}

static int by_tuple_id(const void *a, const void *b)
{
	const struct nt_cap_flow *fa = *(const struct nt_cap_flow *const *)a;
	const struct nt_cap_flow *fb = *(const struct nt_cap_flow *const *)b;
	int r = memcmp(&fa->key, &fb->key, sizeof(fa->key));

	return r ? r : fa->id < fb->id ? -1 : fa->id > fb->id;
}

/* The flows sorted by 5-tuple, then id: one allocation at the end of
 * the capture, none per packet. NULL when out of memory. */
static const struct nt_cap_flow **by_tuple(const struct nt_cap_table *t, size_t *n)
{
	const struct nt_cap_flow *f = NULL, **v = calloc(t->nflows ? t->nflows : 1, sizeof(*v));

	*n = 0;
	if (!v)
		return NULL;
	while ((f = nt_cap_table_next(t, f)) && *n < t->nflows)
		v[(*n)++] = f;
	qsort(v, *n, sizeof(*v), by_tuple_id);
	return v;
}

/* One flow into the top rows and the worst per check. ord: its place
 * among the conversations on its 5-tuple (the order of the calls does
 * not matter: nt_cap_before breaks every tie by id). */
static void account(struct capture_st *x, const struct nt_cap_flow *f, uint64_t ord)
{
	struct cap_flowrec r;

	nt_cap_flowrec(&r, f, ord);
	if (x->o.top)
		top_insert(x->top, &x->ntop, x->o.top, &r, x->o.sort);
	worst(&x->worst_rst, &x->have_rst, &r, CAP_SORT_RST, r.c.rsts_server);
	worst(&x->worst_zw, &x->have_zw, &r, CAP_SORT_ZW, r.c.zero_windows);
	worst(&x->worst_retrans, &x->have_retrans, &r, CAP_SORT_RETRANS, r.c.retrans);
}

static void summarise(struct capture_st *x)
{
	const struct nt_cap_flow *f = NULL, **v;
	struct nt_cap_rtt rtt;
	uint64_t ord = 0;
	size_t n, i;

	x->ntop = 0;
	v = by_tuple(&x->t, &n);
	for (i = 0; v && i < n; i++) {
		ord = i && !memcmp(&v[i]->key, &v[i - 1]->key, sizeof(v[i]->key)) ? ord + 1 : 1;
		account(x, v[i], ord);
	}
	/* out of memory: a reused 5-tuple's conversations share a subject */
	while (!v && (f = nt_cap_table_next(&x->t, f)))
		account(x, f, 0);
	free(v);
	nt_cap_rtt_init(&rtt);
	nt_cap_table_totals(&x->t, &x->tot.c, &rtt);
	x->tot.rtt_samples = rtt.n;
	x->tot.rtt_min = rtt.n ? rtt.min_ms : NAN;
	x->tot.rtt_mean = nt_cap_rtt_mean(&rtt);
	x->tot.rtt_p99 = nt_cap_rtt_pct(&rtt, 0.99);
	x->sum.flows_total = x->t.flows_total;
	x->sum.evicted = x->t.evicted;
}

/* the summary's "source" part (parse_opts bounded every length) */
static void fill_source(struct capture_st *x)
{
	struct cap_summary *m = &x->sum;

	snprintf(m->kind, sizeof(m->kind), "%s", x->s.live ? "live" : "file");
	if (x->o.file) {
		snprintf(m->file, sizeof(m->file), "%s", x->o.file);
		m->avail |= 1u << CAP_AV_FILE;
	}
	if (x->o.iface) {
		snprintf(m->iface, sizeof(m->iface), "%s", x->o.iface);
		m->avail |= 1u << CAP_AV_IFACE;
	}
	if (x->o.filter) {
		snprintf(m->filter, sizeof(m->filter), "%s", x->o.filter);
		m->avail |= 1u << CAP_AV_FILTER;
	}
	snprintf(m->linktype, sizeof(m->linktype), "%s", x->s.linktype);
	m->duration_s = x->duration_s;
}

static int collect(void *st, struct nt_layer_ctx *c)
{
	struct capture_st *x = st;
	int r;

	if (x->collected)
		return 0;
	if (!x->s.pcap || !x->table_ok) {
		snprintf(c->why, sizeof(c->why), "%s: capture not open",
			 x->o.file ? x->o.file : x->o.iface);
		return -EBADF;
	}
	if (!x->dropped_privs)
		x->dropped_privs = nt_priv_dropped(); /* the driver's drop (triage) */
	r = nt_cap_src_run(x, c->why, sizeof(c->why));
	if (r)
		return r;
	summarise(x);
	fill_source(x);
	x->collected = true;
	return 0;
}

static void judge_retrans(const struct capture_st *x, struct nt_verdicts *vs)
{
	const struct nt_cap_counts *t = &x->tot.c;
	const char *subj = x->have_retrans ? x->worst_retrans.subject : "";
	struct nt_verdict *v;
	enum nt_level lv = NT_OK;
	double pct = t->data_segments ? 100.0 * (double)t->retrans / (double)t->data_segments
				      : 0;
	bool few = t->data_segments < x->o.min_segments || !t->data_segments;

	if (!few && pct > x->o.crit_retrans)
		lv = NT_CRIT;
	else if (!few && pct > x->o.warn_retrans)
		lv = NT_WARN;
	v = nt_verdict_add(vs, "capture.retrans", subj, lv, few ? NAN : pct,
			   lv == NT_CRIT ? x->o.crit_retrans : x->o.warn_retrans);
	if (!v)
		return;
	if (few && t->retrans)
		snprintf(v->reason, sizeof(v->reason),
			 "%llu of %llu data segments retransmitted (%.0f %%): fewer than %llu (--min-segments) to judge a ratio",
			 (unsigned long long)t->retrans, (unsigned long long)t->data_segments, pct,
			 (unsigned long long)x->o.min_segments);
	else if (few)
		snprintf(v->reason, sizeof(v->reason),
			 "none of %llu data segments retransmitted (fewer than %llu: --min-segments)",
			 (unsigned long long)t->data_segments, (unsigned long long)x->o.min_segments);
	else
		snprintf(v->reason, sizeof(v->reason),
			 "%.2f %% of %llu data segments retransmitted (%llu: %llu fast, %llu spurious)",
			 pct, (unsigned long long)t->data_segments, (unsigned long long)t->retrans,
			 (unsigned long long)t->fast_retrans, (unsigned long long)t->spurious_retrans);
	if (lv != NT_OK)
		snprintf(v->hint, sizeof(v->hint),
			 "most in %s (%llu): loss on its path (nettriage path, link drops) or a peer that stalls",
			 x->have_retrans ? x->worst_retrans.subject : "an evicted flow",
			 (unsigned long long)(x->have_retrans ? x->worst_retrans.c.retrans : 0));
}

static void judge_rst(const struct capture_st *x, struct nt_verdicts *vs)
{
	uint64_t n = x->tot.c.rsts_server;
	struct nt_verdict *v;

	v = nt_verdict_add(vs, "capture.rst", n && x->have_rst ? x->worst_rst.subject : "",
			   n ? NT_WARN : NT_OK, (double)n, 0);
	if (!v)
		return;
	if (!n) {
		snprintf(v->reason, sizeof(v->reason), "no RST from a server port (%llu RSTs in all)",
			 (unsigned long long)x->tot.c.rsts);
		return;
	}
	if (x->have_rst)
		snprintf(v->reason, sizeof(v->reason),
			 "%llu RSTs sent from a server port; most in %s (%llu of its %llu RSTs)",
			 (unsigned long long)n, x->worst_rst.subject,
			 (unsigned long long)x->worst_rst.c.rsts_server,
			 (unsigned long long)x->worst_rst.c.rsts);
	else
		snprintf(v->reason, sizeof(v->reason),
			 "%llu RSTs sent from a server port, in flows since evicted",
			 (unsigned long long)n);
	snprintf(v->hint, sizeof(v->hint),
		 "the server refused or aborted connections: a closed port, a full accept queue (tcp listen overflows) or the application");
}

static const char *const zw_sides[] = { "no side", "the client", "the server", "both sides" };

static void judge_zw(const struct capture_st *x, struct nt_verdicts *vs)
{
	uint64_t n = x->tot.c.zero_windows;
	const struct cap_flowrec *w = &x->worst_zw;
	bool stalled = n && x->have_zw && w->c.zero_window_ms >= x->o.warn_zw_ms;
	struct nt_verdict *v;

	v = nt_verdict_add(vs, "capture.zero_window", n && x->have_zw ? w->subject : "",
			   stalled ? NT_WARN : NT_OK, x->have_zw ? w->c.zero_window_ms : 0,
			   x->o.warn_zw_ms);
	if (!v)
		return;
	if (!n) {
		snprintf(v->reason, sizeof(v->reason), "no zero-window advertisement");
		return;
	}
	if (!x->have_zw) {
		snprintf(v->reason, sizeof(v->reason),
			 "%llu zero-window segments, in flows since evicted (%.0f ms in all)",
			 (unsigned long long)n, x->tot.c.zero_window_ms);
		return;
	}
	snprintf(v->reason, sizeof(v->reason),
		 "%llu zero-window segments; longest: %s of %s, %.3f ms (%llu probes)%s",
		 (unsigned long long)n, zw_sides[w->zw_side & 3], w->subject, w->c.zero_window_ms,
		 (unsigned long long)w->c.zero_window_probes,
		 stalled ? "" : ": < --warn-zero-window, flow control");
	if (stalled)
		snprintf(v->hint, sizeof(v->hint),
			 "a receiver did not read its socket fast enough: the application is slow or blocked");
}

static void judge_drops(const struct capture_st *x, struct nt_verdicts *vs)
{
	bool have = (x->sum.avail >> CAP_AV_DROPPED) & 1;
	/* ps_ifdrop counts only where it is meaningful (capture_src.c sets
	 * the bit then: promiscuous mode in effect) */
	bool have_if = (x->sum.avail >> CAP_AV_IFDROPPED) & 1;
	uint64_t n = have ? x->sum.dropped : 0, nif = have_if ? x->sum.if_dropped : 0;
	struct nt_verdict *v;

	v = nt_verdict_add(vs, "capture.drops", "", n || nif ? NT_WARN : NT_OK,
			   have || have_if ? (double)(n + nif) : NAN, 0);
	if (!v)
		return;
	if (!x->s.live)
		snprintf(v->reason, sizeof(v->reason), "a file: no kernel drops to count");
	else if (x->s.stats_failed)
		snprintf(v->reason, sizeof(v->reason), "pcap_stats failed: %.150s", x->s.stats_err);
	else if (!have && !have_if)
		snprintf(v->reason, sizeof(v->reason), "pcap_stats gave no drop count");
	else if (!n && !nif)
		snprintf(v->reason, sizeof(v->reason), "no frame dropped by the kernel%s",
			 have_if ? " or the interface" : "");
	else {
		if (have_if)
			snprintf(v->reason, sizeof(v->reason),
				 "the kernel dropped %llu frames, the interface %llu: the capture is lossy: counts are lower bounds",
				 (unsigned long long)n, (unsigned long long)nif);
		else
			snprintf(v->reason, sizeof(v->reason),
				 "the kernel dropped %llu frames: the capture is lossy: counts are lower bounds",
				 (unsigned long long)n);
		snprintf(v->hint, sizeof(v->hint),
			 "%s", n ? "a larger --buffer, a narrower BPF filter, or a smaller --snaplen"
				 : "the interface's own drops (ip -s link, nettriage link): a NIC ring or a busy host");
	}
}

static void judge_evicted(const struct capture_st *x, struct nt_verdicts *vs)
{
	struct nt_verdict *v = nt_verdict_add(vs, "capture.evicted", "", NT_OK,
					      (double)x->sum.evicted, NAN);

	if (!v)
		return;
	if (x->sum.evicted)
		snprintf(v->reason, sizeof(v->reason),
			 "%llu of %llu flows evicted at --max-flows %u (least recently used): their counts are in the totals, not in the flow rows",
			 (unsigned long long)x->sum.evicted, (unsigned long long)x->sum.flows_total,
			 x->o.max_flows);
	else
		snprintf(v->reason, sizeof(v->reason), "%llu flows, none evicted (--max-flows %u)",
			 (unsigned long long)x->sum.flows_total, x->o.max_flows);
}

static void judge(void *st, const struct nt_baseline *b, struct nt_verdicts *vs)
{
	struct capture_st *x = st;

	(void)b;
	if (!x->collected)
		return;
	judge_retrans(x, vs);
	judge_rst(x, vs);
	judge_zw(x, vs);
	judge_drops(x, vs);
	judge_evicted(x, vs);
}

static void free_st(void *st)
{
	struct capture_st *x = st;

	nt_cap_src_close(&x->s);
	if (x->table_ok)
		nt_cap_table_free(&x->t);
	free(x->top);
	nt_capture_opts_free(&x->o);
	memset(x, 0, sizeof(*x));
}

const struct nt_layer nt_layer_capture = {
	.name = "capture",
	.usage = cmd_capture_usage,
	.opts = &cmd_capture_opts,
	.size = sizeof(struct capture_st),
	.parse_opts = parse_opts,
	.caps = caps,
	.open = open_st,
	.collect = collect,
	.judge = judge,
	.table = nt_capture_table,
	.emit = nt_capture_emit,
	.free = free_st,
};
