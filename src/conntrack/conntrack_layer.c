/* The conntrack layer (nt_layer.h): collection policy (ctnetlink first,
 * /proc otherwise; the dump for --by and -e), the history mapping, and
 * the verdicts. Nothing here writes to stdout. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nettriage.h"
#include "nt_priv.h"
#include "conntrack_layer.h"

/* Fill and per-CPU counters into x->cur: ctnetlink first, /proc
 * otherwise. 0, or -errno with c->why. */
static int counters(struct ct_st *x, struct nt_layer_ctx *c, bool forced)
{
	struct nt_ct_sample *s = &x->cur;
	int nl_err = -EOPNOTSUPP, r;
	const char *what = "CT_GET_STATS";

	memset(&s->s, 0, sizeof(s->s));
	s->ncpu = 0;
	if (!forced) {
		nl_err = nt_ct_nl_stats(&s->s);
		if (!nl_err) {
			what = "CT_GET_STATS_CPU";
			nl_err = nt_ct_nl_stats_cpu(s);
		}
		if (!nl_err) {
			snprintf(s->s.source, sizeof(s->s.source), "ctnetlink");
			nt_ct_proc_collect(s, true);
			goto done;
		}
		memset(&s->s, 0, sizeof(s->s));
		s->ncpu = 0;
	}
	r = nt_ct_proc_collect(s, false);
	if (r) {
		if (r == -ENOENT)
			snprintf(c->why, sizeof(c->why),
				 "conntrack is not in use here: nf_conntrack is not loaded (%s: %s; /proc/sys/net/netfilter/nf_conntrack_max: %s)",
				 what, strerror(-nl_err), strerror(-r));
		else
			snprintf(c->why, sizeof(c->why),
				 "cannot measure: %s: %s%s; /proc fallback: %s", what,
				 strerror(-nl_err), nl_err == -EPERM ? " (needs CAP_NET_ADMIN)" : "",
				 strerror(-r));
		return r == -ENOENT ? NT_LAYER_ABSENT : r;
	}
	snprintf(s->s.source, sizeof(s->s.source), "proc");
	if (!forced)
		nt_note("conntrack", "%s: %s%s", what, strerror(-nl_err),
			nl_err == -EPERM ? " (need CAP_NET_ADMIN; falling back to /proc)" :
			" (falling back to /proc)");
done:
	snprintf(s->s.max_scope, sizeof(s->s.max_scope), "%s", nt_ct_max_scope());
	nt_ct_sum(s);
	return 0;
}

/* The dump for --by and -e: assured/unreplied into the summary, the
 * breakdown into x->bd and x->top. A failure is kept in dump_err and
 * judged (conntrack.breakdown UNKNOWN); the counters still count. */
static void dump(struct ct_st *x, bool forced)
{
	struct nt_ct_summary *s = &x->cur.s;
	double ms = 0;

	x->dumped = false;
	x->ntop = 0;
	if (!x->o.dump)
		return;
	if (forced) { /* the seam stands for a host without ctnetlink */
		x->dump_err = -EOPNOTSUPP;
	} else {
		nt_ct_agg_reset(&x->agg);
		x->dump_err = nt_ct_nl_dump(&x->agg, &ms);
	}
	if (x->dump_err) {
		if (!forced)
			nt_note("conntrack", "IPCTNL_MSG_CT_GET dump: %s%s",
				strerror(-x->dump_err), x->dump_err == -EPERM ?
				" (need CAP_NET_ADMIN for --by and -e)" : "");
		return;
	}
	x->dumped = true;
	s->assured = x->agg.assured;
	s->unreplied = x->agg.unreplied;
	s->avail |= (1ull << NT_CTA_ASSURED) | (1ull << NT_CTA_UNREPLIED);
	nt_ct_dump_set(&x->bd, &x->agg, ms);
	if (x->o.by != NT_BY_NONE)
		x->ntop = nt_ct_agg_top(&x->agg, x->top, (size_t)x->o.top);
}

/* History: the count and every CPU's counters by name, so a file of an
 * older version (or another source) still matches what it has. */
static void hist_from_sample(const struct nt_ct_sample *x, struct nt_hist *h)
{
	char subj[32];
	size_t k;
	int i;

	nt_hist_free(h);
	nt_hist_put(h, "ns", "count", x->s.count);
	for (k = 0; k < x->ncpu; k++) {
		snprintf(subj, sizeof(subj), "cpu%u", x->cpu[k].cpu);
		for (i = 0; i < NT_CTS_COUNT; i++)
			if ((x->cpu[k].avail >> i) & 1)
				nt_hist_put(h, subj, nt_ct_stat_name(i), x->cpu[k].c[i]);
	}
}

static int sample_from_hist(const struct nt_hist *h, struct nt_ct_sample *x)
{
	size_t e, k;
	int i;

	x->ncpu = 0;
	x->s.avail &= ~(1ull << NT_CTA_COUNT);
	for (e = 0; e < h->n; e++) {
		const struct nt_hist_ent *he = &h->e[e];
		struct nt_ct_cpu *c = NULL;
		unsigned cpu;
		char tail;

		if (!strcmp(he->subject, "ns") && !strcmp(he->key, "count")) {
			x->s.count = he->v; /* for the growth (time to full) */
			x->s.avail |= 1ull << NT_CTA_COUNT;
			continue;
		}

		if (sscanf(he->subject, "cpu%u%c", &cpu, &tail) != 1)
			continue;
		for (k = 0; k < x->ncpu; k++)
			if (x->cpu[k].cpu == cpu)
				c = &x->cpu[k];
		if (!c && !(c = nt_ct_cpu_add(x, cpu)))
			return -ENOMEM;
		for (i = 0; i < NT_CTS_COUNT; i++)
			if (!strcmp(he->key, nt_ct_stat_name(i))) {
				c->c[i] = he->v;
				c->avail |= 1ull << i;
			}
	}
	return x->ncpu ? 0 : -ENOENT;
}

static int parse_opts(void *st, int argc, char **argv)
{
	struct ct_st *x = st;

	return nt_ct_opts_parse(argc, argv, &x->o);
}

/* CT_GET_STATS, CT_GET_STATS_CPU and the dump; without it /proc. */
static uint64_t caps(const void *st)
{
	(void)st;
	return NT_CAP(CAP_NET_ADMIN);
}

/* No socket is kept: each collect opens its own, in the namespace it runs
 * in. open only sizes the dump's memory, which is fixed from here on. */
static int open_st(void *st, struct nt_layer_ctx *c)
{
	struct ct_st *x = st;
	size_t n = (size_t)x->o.top;
	int r;

	if (x->o.events > 0) {
		r = nt_ct_evacc_init(&x->ev, x->o.events, (size_t)x->o.counters, NULL);
		if (!r && (!(x->ev_src = calloc(n, sizeof(*x->ev_src))) ||
			   !(x->ev_dst = calloc(n, sizeof(*x->ev_dst))) ||
			   !(x->ev_proto = calloc(n, sizeof(*x->ev_proto)))))
			r = -ENOMEM;
		if (r) {
			snprintf(c->why, sizeof(c->why), "event counters (%ld): %s",
				 x->o.counters, strerror(-r));
			return r;
		}
	}
	if (!x->o.dump)
		return 0;
	r = nt_ct_agg_init(&x->agg, x->o.by, &x->o.filter, (size_t)x->o.counters, NULL);
	if (!r && x->o.by != NT_BY_NONE &&
	    !(x->top = calloc((size_t)x->o.top, sizeof(*x->top))))
		r = -ENOMEM;
	if (r)
		snprintf(c->why, sizeof(c->why), "breakdown counters (%ld): %s",
			 x->o.counters, strerror(-r));
	return r;
}

/* One sample: counters, then the dump when asked; every CPU goes into the
 * history. */
static int collect(void *st, struct nt_layer_ctx *c)
{
	struct ct_st *x = st;
	const char *force = secure_getenv("NETTRIAGE_CT_SOURCE"); /* test seam */
	bool forced = force && !strcmp(force, "proc");
	int r;

	/* The window first: without CAP_NET_ADMIN it fails before the
	 * counters' /proc fallback says anything, so the one line of c->why
	 * is all the user sees (exit 3). */
	if (x->o.events > 0) {
		x->nev_src = x->nev_dst = x->nev_proto = 0;
		r = nt_ct_nl_events(&x->ev, x->o.events, c->why, sizeof(c->why));
		if (r)
			return r;
		x->nev_src = nt_ct_evacc_top(&x->ev, NT_BY_SRC, x->ev_src, (size_t)x->o.top);
		x->nev_dst = nt_ct_evacc_top(&x->ev, NT_BY_DST, x->ev_dst, (size_t)x->o.top);
		x->nev_proto = nt_ct_evacc_top(&x->ev, NT_BY_PROTO, x->ev_proto, (size_t)x->o.top);
	}
	r = counters(x, c, forced);
	if (r)
		return r;
	dump(x, forced);
	nt_ct_fill(&x->cur.s);
	nt_ct_cpu_fields(&x->cpu_ft, &x->cur);
	hist_from_sample(&x->cur, &x->h);
	return 0;
}

static bool hist_get(void *st, struct nt_layer_ctx *c, double *dt)
{
	struct ct_st *x = st;
	struct nt_hist old = { 0 };
	double now = nt_now_boot();
	bool have = false;

	if (nt_hist_load("conntrack", &c->g->ns, &old) == 0 && now > old.t &&
	    sample_from_hist(&old, &x->prev) == 0) {
		*dt = now - old.t;
		have = true;
	}
	nt_hist_free(&old);
	return have;
}

static void hist_put(void *st, struct nt_layer_ctx *c)
{
	struct ct_st *x = st;
	int r = nt_hist_save("conntrack", &c->g->ns, &x->h);

	if (r && r != -EROFS)
		nt_note("conntrack", "history file not saved: %s (rate checks of the next run will use since-boot totals)",
			nt_hist_strerror(r));
}

static void judge(void *st, const struct nt_baseline *b, struct nt_verdicts *vs)
{
	struct ct_st *x = st;
	struct nt_verdict *v;

	nt_ct_rates(&x->cur, b->have ? &x->prev : NULL, b->dt);
	/* a baseline whose counters are not comparable (another CPU set,
	 * another source) is no base for the count's growth either */
	nt_ct_growth(&x->cur.s, b->have && !x->cur.s.reset ? &x->prev.s : NULL, b->dt);
	nt_ct_verdicts(&x->cur, b->have, b->since, &x->o.t, vs);
	if (x->o.dump && !x->dumped) {
		v = nt_verdict_add(vs, "conntrack.breakdown", "", NT_UNKNOWN, NAN, NAN);
		if (v)
			snprintf(v->reason, sizeof(v->reason),
				 "conntrack dump failed: %s%s", strerror(-x->dump_err),
				 x->dump_err == -EPERM ? " (need CAP_NET_ADMIN)" : "");
	}
}

static void table(void *st, FILE *f, const struct nt_layer_ctx *c,
		  const struct nt_baseline *b, const struct nt_verdicts *vs)
{
	nt_ct_table(st, f, c->g, b, vs);
}

static void emit(void *st, struct nt_doc *d, const struct nt_layer_ctx *c,
		 const struct nt_baseline *b)
{
	(void)c;
	nt_ct_emit(st, d, b);
}

static void rotate(void *st)
{
	struct ct_st *x = st;
	struct nt_ct_sample tmp = x->prev;

	x->prev = x->cur;
	x->cur = tmp;
	x->cur.ncpu = 0;
}

static void free_st(void *st)
{
	struct ct_st *x = st;

	nt_hist_free(&x->h);
	nt_ct_sample_free(&x->cur);
	nt_ct_sample_free(&x->prev);
	nt_ct_agg_free(&x->agg);
	free(x->top);
	x->top = NULL;
	nt_ct_evacc_free(&x->ev);
	free(x->ev_src);
	free(x->ev_dst);
	free(x->ev_proto);
	x->ev_src = x->ev_dst = x->ev_proto = NULL;
}

const struct nt_layer nt_layer_conntrack = {
	.name = "conntrack",
	.usage = cmd_conntrack_usage,
	.opts = &cmd_conntrack_opts,
	.size = sizeof(struct ct_st),
	.parse_opts = parse_opts,
	.caps = caps,
	.open = open_st,
	.collect = collect,
	.hist_get = hist_get,
	.hist_put = hist_put,
	.judge = judge,
	.table = table,
	.emit = emit,
	.rotate = rotate,
	.free = free_st,
};
