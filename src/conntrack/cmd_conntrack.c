/* nettriage conntrack: table fill, drops and what fills the table. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "nettriage.h"
#include "nt_cmd.h"
#include "nt_priv.h"
#include "nt_conntrack.h"
#include "nt_sample.h"
#include "nt_history.h"

const char cmd_conntrack_usage[] =
	"usage: nettriage conntrack [OPTIONS]\n\n"
	"Conntrack table fill (this namespace's count against the effective max),\n"
	"per-CPU drop/early_drop/insert_failed/chaintoolong counters, and what\n"
	"fills the table. Fill and counters come from ctnetlink (CT_GET_STATS,\n"
	"CT_GET_STATS_CPU; need CAP_NET_ADMIN) without a dump, else from /proc.\n"
	"--by streams one dump and counts it without keeping the entries.\n\n"
	"Options:\n"
	"  -b, --by KEY         breakdown: proto, state, src, dst, dport, zone,\n"
	"                       mark or status (one dump)\n"
	"  -t, --top N          rows of the breakdown (default 10)\n"
	"      --counters N     counters of the breakdown (default 16384): counts\n"
	"                       are exact while the distinct values fit, else\n"
	"                       approximate with a printed error bound\n"
	"  -e, --effective      dump to count ASSURED vs unreplied entries\n"
	"                       (effective fill) without a breakdown\n"
	"      --family F       dump only inet or inet6 entries (kernel filter)\n"
	"      --mark M[/MASK]  dump only entries with this mark (kernel filter)\n"
	"      --zone Z         dump only entries of this zone (kernel filter)\n"
	"      --status S       dump only assured, unreplied or replied entries\n"
	"      --warn PCT       fill WARN at PCT %% (default 75)\n"
	"      --crit PCT       fill CRIT at PCT %% (default 90)\n"
	"  -a, --all            also show the per-CPU counters\n"
	"  -h, --help           this help\n";

struct ct_opts {
	enum nt_ct_by by;
	long top;
	long counters;
	bool dump;
	bool all;
	struct nt_ct_filter filter;
	struct nt_ct_thresholds t;
};

struct ct_run {
	struct nt_ct_agg agg;
	bool dumped;
	int dump_err;
	double dump_ms;
	struct nt_ct_top *top;
	size_t ntop;
};

static int parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long long x;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || *end || x > UINT32_MAX)
		return -EINVAL;
	*v = (uint32_t)x;
	return 0;
}

static const struct option opts_long[] = {
	{ "by", required_argument, NULL, 'b' },
	{ "top", required_argument, NULL, 't' },
	{ "counters", required_argument, NULL, 'K' },
	{ "effective", no_argument, NULL, 'e' },
	{ "family", required_argument, NULL, 'F' },
	{ "mark", required_argument, NULL, 'M' },
	{ "zone", required_argument, NULL, 'Z' },
	{ "status", required_argument, NULL, 'S' },
	{ "warn", required_argument, NULL, 'W' },
	{ "crit", required_argument, NULL, 'C' },
	{ "all", no_argument, NULL, 'a' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

const struct nt_cmd_opts cmd_conntrack_opts = { "+b:t:eah", opts_long };

static int parse_opts(int argc, char **argv, struct ct_opts *o)
{
	bool needs_by = false;
	int c;

	nt_ct_thresholds_default(&o->t);
	o->top = 10;
	o->counters = NT_CT_TOPK_DEFAULT;
	opterr = 0;
	while ((c = getopt_long(argc, argv, cmd_conntrack_opts.shortopts, opts_long, NULL)) != -1) {
		double *dst = NULL, v;
		uint32_t u;
		char *slash;

		switch (c) {
		case 'b':
			if (nt_ct_by_parse(optarg, &o->by)) {
				nt_err("conntrack", "--by: unknown key: %s (proto, state, src, dst, dport, zone, mark, status)",
				       optarg);
				return -1;
			}
			o->dump = true;
			break;
		case 't':
			if (nt_parse_long(optarg, &o->top) || o->top < 1 ||
			    o->top > 100000) {
				nt_err("conntrack", "--top: not a whole number from 1 to 100000: %s",
				       optarg);
				return -1;
			}
			needs_by = true;
			break;
		case 'K':
			if (nt_parse_long(optarg, &o->counters) || o->counters < 1 ||
			    o->counters > (long)NT_CT_TOPK_MAX) {
				nt_err("conntrack", "--counters: not a whole number from 1 to %u: %s",
				       NT_CT_TOPK_MAX, optarg);
				return -1;
			}
			needs_by = true;
			break;
		case 'e': o->dump = true; break;
		case 'a': o->all = true; break;
		case 'F':
			if (!strcmp(optarg, "inet") || !strcmp(optarg, "ipv4") ||
			    !strcmp(optarg, "4"))
				o->filter.family = AF_INET;
			else if (!strcmp(optarg, "inet6") || !strcmp(optarg, "ipv6") ||
				 !strcmp(optarg, "6"))
				o->filter.family = AF_INET6;
			else {
				nt_err("conntrack", "--family: not inet or inet6: %s", optarg);
				return -1;
			}
			break;
		case 'M':
			slash = strchr(optarg, '/');
			if (slash)
				*slash = '\0';
			o->filter.mark_mask = UINT32_MAX;
			if (parse_u32(optarg, &o->filter.mark) ||
			    (slash && parse_u32(slash + 1, &o->filter.mark_mask))) {
				if (slash)
					*slash = '/';
				nt_err("conntrack", "--mark: not a 32-bit mark[/mask]: %s", optarg);
				return -1;
			}
			o->filter.mark_set = true;
			break;
		case 'Z':
			if (parse_u32(optarg, &u) || u > UINT16_MAX) {
				nt_err("conntrack", "--zone: not a zone from 0 to 65535: %s", optarg);
				return -1;
			}
			o->filter.zone = (uint16_t)u;
			o->filter.zone_set = true;
			break;
		case 'S':
			/* IPS_ASSURED = 4, IPS_SEEN_REPLY = 2 */
			if (!strcmp(optarg, "assured")) {
				o->filter.status = o->filter.status_mask = 4;
			} else if (!strcmp(optarg, "unreplied")) {
				/* neither ASSURED nor replied: evictable */
				o->filter.status = 0;
				o->filter.status_mask = 4 | 2;
			} else if (!strcmp(optarg, "replied")) {
				o->filter.status = o->filter.status_mask = 2;
			} else {
				nt_err("conntrack", "--status: not assured, unreplied or replied: %s",
				       optarg);
				return -1;
			}
			o->filter.status_set = true;
			break;
		case 'W': dst = &o->t.warn_fill; break;
		case 'C': dst = &o->t.crit_fill; break;
		case 'h':
			fputs(cmd_conntrack_usage, stdout);
			putchar('\n');
			nt_usage_globals(stdout);
			return 1;
		default:
			if (optopt && strchr("bt", optopt))
				nt_err("conntrack", "-%c: missing argument", optopt);
			else
				nt_err("conntrack", "unknown option or missing argument: %s (see nettriage conntrack --help)",
				       argv[optind - 1]);
			return -1;
		}
		if (dst) {
			if (nt_parse_double(optarg, &v) || !(v >= 0) || v > 100) {
				nt_err("conntrack", "%s: not a percentage from 0 to 100: %s",
				       c == 'W' ? "--warn" : "--crit", optarg);
				return -1;
			}
			*dst = v;
		}
	}
	if (optind < argc) {
		nt_err("conntrack", "unexpected argument: %s", argv[optind]);
		return -1;
	}
	if (o->t.warn_fill > o->t.crit_fill) {
		nt_err("conntrack", "--warn %g is above --crit %g", o->t.warn_fill,
		       o->t.crit_fill);
		return -1;
	}
	if (needs_by && o->by == NT_BY_NONE) {
		nt_err("conntrack", "--top and --counters need --by KEY");
		return -1;
	}
	if ((o->filter.family || o->filter.mark_set || o->filter.zone_set ||
	     o->filter.status_set) && !o->dump) {
		nt_err("conntrack", "--family/--mark/--zone/--status filter a dump: use them with --by or -e");
		return -1;
	}
	return 0;
}

/* Fill and per-CPU counters: ctnetlink first, /proc otherwise. Returns 0,
 * or NT_EXIT_UNKNOWN after saying why. */
static int collect(struct nt_ct_sample *x)
{
	const char *force = secure_getenv("NETTRIAGE_CT_SOURCE"); /* test seam */
	int nl_err = -EOPNOTSUPP, r;
	const char *what = "CT_GET_STATS";

	memset(&x->s, 0, sizeof(x->s));
	x->ncpu = 0;
	if (!force || strcmp(force, "proc")) {
		nl_err = nt_ct_nl_stats(&x->s);
		if (!nl_err) {
			what = "CT_GET_STATS_CPU";
			nl_err = nt_ct_nl_stats_cpu(x);
		}
		if (!nl_err) {
			snprintf(x->s.source, sizeof(x->s.source), "ctnetlink");
			nt_ct_proc_collect(x, true);
			goto done;
		}
		memset(&x->s, 0, sizeof(x->s));
		x->ncpu = 0;
	}
	r = nt_ct_proc_collect(x, false);
	if (r) {
		if (r == -ENOENT)
			nt_err("conntrack", "conntrack is not in use here: nf_conntrack is not loaded (%s: %s; /proc/sys/net/netfilter/nf_conntrack_max: %s)",
			       what, strerror(-nl_err), strerror(-r));
		else
			nt_err("conntrack", "cannot measure: %s: %s; /proc fallback: %s",
			       what, strerror(-nl_err), strerror(-r));
		return NT_EXIT_UNKNOWN;
	}
	snprintf(x->s.source, sizeof(x->s.source), "proc");
	if (!force)
		nt_note("conntrack", "%s: %s%s", what, strerror(-nl_err),
			nl_err == -EPERM ? " (need CAP_NET_ADMIN; falling back to /proc)" :
			" (falling back to /proc)");
done:
	snprintf(x->s.max_scope, sizeof(x->s.max_scope), "%s", nt_ct_max_scope());
	nt_ct_sum(x);
	return 0;
}

static void dump(const struct ct_opts *o, struct ct_run *run,
		 struct nt_ct_sample *x)
{
	run->dumped = false;
	run->ntop = 0;
	if (!o->dump)
		return;
	nt_ct_agg_reset(&run->agg);
	run->dump_err = nt_ct_nl_dump(&run->agg, &run->dump_ms);
	if (run->dump_err)
		return;
	run->dumped = true;
	x->s.assured = run->agg.assured;
	x->s.unreplied = run->agg.unreplied;
	x->s.avail |= (1ull << NT_CTA_ASSURED) | (1ull << NT_CTA_UNREPLIED);
	if (o->by != NT_BY_NONE)
		run->ntop = nt_ct_agg_top(&run->agg, run->top, (size_t)o->top);
}

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
	for (e = 0; e < h->n; e++) {
		const struct nt_hist_ent *he = &h->e[e];
		struct nt_ct_cpu *c = NULL;
		unsigned cpu;
		char tail;

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

static void fill_bar(char *buf, size_t width, double pct)
{
	size_t i, n = isfinite(pct) ? (size_t)(pct / 100.0 * (double)width + 0.5) : 0;

	if (n > width)
		n = width;
	for (i = 0; i < width; i++)
		buf[i] = i < n ? '#' : '.';
	buf[width] = '\0';
}

static json_t *extras_json(const struct nt_ct_cpu *c)
{
	json_t *o = json_object();
	unsigned i;

	for (i = 0; i < c->nextra; i++)
		json_object_set_new(o, c->extra[i].name, json_integer(c->extra[i].v));
	return o;
}

/* A JSON array of records through a field table (for arrays nested in a
 * value of ours); cpus, when given, adds each CPU's unnamed counters. */
static json_t *records_json(const struct nt_global *g, const struct nt_rectype *rt,
			    const void *recs, size_t n, unsigned mask,
			    const struct nt_ct_cpu *cpus)
{
	json_t *arr = json_array();
	size_t i, j;

	for (j = 0; arr && j < n; j++) {
		const void *rec = (const char *)recs + j * rt->size;
		json_t *o = json_object();

		if (!o)
			break;
		json_object_set_new(o, "netns", g->netns ? json_string(g->netns) : json_null());
		for (i = 0; i < rt->nfields; i++)
			if (rt->fields[i].flags & mask)
				json_object_set_new(o, rt->fields[i].key,
						    nt_field_json(rt, rec, &rt->fields[i]));
		if (cpus)
			json_object_set_new(o, "extra", extras_json(&cpus[j]));
		json_array_append_new(arr, o);
	}
	return arr;
}

static const char *dump_note =
	"a dump makes the kernel reap expired entries it walks, so count may drop after it";

static void render_table(const struct nt_global *g, const struct ct_opts *o,
			 const struct ct_run *run, const struct nt_ct_sample *x,
			 const char *baseline, double dt, long k,
			 const struct nt_verdicts *vs)
{
	const struct nt_ct_summary *s = &x->s;
	enum nt_level fl = NT_OK;
	size_t i;

	for (i = 0; i < vs->n; i++)
		if (!strcmp(vs->v[i].check, "conntrack.fill"))
			fl = vs->v[i].level;
	char bar[32], ts[40];
	unsigned mask;

	nt_timestamp_iso(ts, sizeof(ts));
	if (k > 0)
		putchar('\n');
	fill_bar(bar, 30, s->fill_pct);
	printf("conntrack: %llu / %llu entries [%s%s%s] ", (unsigned long long)s->count,
	       (unsigned long long)s->max,
	       g->color ? (fl == NT_CRIT ? "\033[1;31m" : fl == NT_WARN ? "\033[33m" : "\033[32m") : "",
	       bar, g->color ? "\033[0m" : "");
	if (isfinite(s->fill_pct))
		printf("%.1f%% full", s->fill_pct);
	else
		fputs("fill unknown", stdout);
	printf(" (max %s), buckets ", s->max_scope);
	if ((s->avail >> NT_CTA_BUCKETS) & 1)
		printf("%llu", (unsigned long long)s->buckets);
	else
		fputs("-", stdout);
	printf(", source %s, %s\n", s->source, ts);
	if (run->dumped) {
		printf("effective fill: %.1f%% (%llu ASSURED; %llu unreplied, evictable by early drop); dump read %llu entries in %.1f ms%s\n",
		       s->effective_fill_pct, (unsigned long long)s->assured,
		       (unsigned long long)s->unreplied,
		       (unsigned long long)run->agg.entries, run->dump_ms,
		       " (a dump reaps expired entries)");
	}
	if (!strcmp(baseline, "boot"))
		printf("baseline: since-boot totals (no previous run%s)\n",
		       g->interval > 0 ? "" : " in this namespace; rates need -i or a second run");
	else
		printf("baseline: %s, %.2f s ago%s\n", baseline, dt,
		       !strcmp(baseline, "interval") ? " (counters show per-second rates)" : "");
	if (s->reset)
		printf("counters reset since the baseline: %s; no rates, rises not judged this sample\n",
		       s->reset_reason);
	mask = NT_F_DEF | (!strcmp(baseline, "interval") && !s->reset ?
			   NT_F_RATE : NT_F_TOTAL);
	nt_table_print(stdout, &nt_ct_summary_rectype, s, 1, mask, NULL, false);
	if (o->all) {
		putchar('\n');
		nt_table_print(stdout, &nt_ct_cpu_rectype, x->cpu, x->ncpu,
			       NT_F_ID | NT_F_TOTAL | NT_F_DEF, NULL, false);
	}
	if (run->dumped && o->by != NT_BY_NONE) {
		const struct nt_ct_topk *tk = &run->agg.tk;
		bool exact = nt_ct_agg_exact(&run->agg);

		if (exact)
			printf("\nby %s: top %zu of %zu values\n", nt_ct_by_name(o->by),
			       run->ntop, tk->used);
		else
			printf("\nby %s: top %zu of ~%.0f values (approximate)\n",
			       nt_ct_by_name(o->by), run->ntop, nt_ct_topk_distinct(tk));
		/* approximate: every column, MAX-OVER included */
		nt_table_print(stdout, &nt_ct_top_rectype, run->top, run->ntop,
			       NT_F_ID | NT_F_TOTAL | (exact ? NT_F_DEF : 0), NULL, false);
		if (!exact)
			printf("approximate: ~%.0f distinct keys exceeded %zu counters; each count may be over by at most %llu (MAX-OVER per row); no value with more than %llu entries is missed\n",
			       nt_ct_topk_distinct(tk), tk->cap,
			       (unsigned long long)nt_ct_topk_min(tk),
			       (unsigned long long)nt_ct_topk_min(tk));
	}
}

static int render(const struct nt_global *g, const struct ct_opts *o,
		  const struct ct_run *run, const struct nt_ct_sample *x,
		  const char *baseline, double dt, long k,
		  const struct nt_verdicts *vs)
{
	bool rates = strcmp(baseline, "boot") != 0;
	unsigned mask = NT_F_ID | NT_F_INFO | NT_F_TOTAL | (rates ? NT_F_RATE : 0);
	struct nt_doc d;
	int r;

	if (g->format == NT_FMT_TABLE && !g->quiet)
		render_table(g, o, run, x, baseline, dt, k, vs);
	if (g->format == NT_FMT_TABLE)
		nt_verdicts_print(stdout, "conntrack", vs, g->color, g->quiet);
	if (g->format == NT_FMT_TABLE && !g->prom_file)
		return 0;

	r = nt_doc_init(&d, "conntrack", g);
	if (r)
		return r;
	nt_doc_object(&d, &nt_ct_summary_rectype, &x->s, mask);
	nt_doc_set(&d, "baseline", nt_baseline_json(baseline, dt, &g->ns));
	nt_doc_set(&d, "sample", json_integer(k));
	if (d.json)
		nt_doc_set(&d, "per_cpu", records_json(g, &nt_ct_cpu_rectype, x->cpu,
						      x->ncpu, NT_F_ID | NT_F_TOTAL, x->cpu));
	if (run->dumped && d.json) {
		const struct nt_ct_topk *tk = &run->agg.tk;
		bool exact = nt_ct_agg_exact(&run->agg), by = o->by != NT_BY_NONE;
		json_t *b = json_pack("{s:s, s:I, s:f, s:I, s:I, s:s}",
				      "key", nt_ct_by_name(o->by),
				      "entries", (json_int_t)run->agg.entries,
				      "duration_ms", run->dump_ms,
				      "filtered", (json_int_t)run->agg.filtered,
				      "malformed", (json_int_t)run->agg.bad,
				      "note", dump_note);

		if (b && by) {
			json_object_set_new(b, "exact", json_boolean(exact));
			json_object_set_new(b, "counters", json_integer((json_int_t)tk->cap));
			json_object_set_new(b, "distinct",
					    json_integer((json_int_t)llround(nt_ct_topk_distinct(tk))));
			json_object_set_new(b, "distinct_estimated", json_boolean(!exact));
			json_object_set_new(b, "count_error_max",
					    json_integer(exact ? 0 : (json_int_t)nt_ct_topk_min(tk)));
		}
		if (b)
			json_object_set_new(b, "top", records_json(g, &nt_ct_top_rectype,
					    run->top, run->ntop, NT_F_ID | NT_F_TOTAL, NULL));
		nt_doc_set(&d, "breakdown", b);
	} else if (d.json) {
		nt_doc_set(&d, "breakdown", json_null());
	}
	if (run->dumped && o->by != NT_BY_NONE)
		nt_doc_prom_records(&d, &nt_ct_top_rectype, run->top, run->ntop,
				    NT_F_ID | NT_F_TOTAL);
	nt_doc_verdicts(&d, vs);
	r = nt_doc_emit(&d);
	nt_doc_free(&d);
	return r;
}

/* One sample: counters, then the dump when asked. */
static int sample(const struct ct_opts *o, struct ct_run *run,
		  struct nt_ct_sample *x)
{
	int rc = collect(x);

	if (rc)
		return rc;
	dump(o, run, x);
	nt_ct_fill(&x->s);
	return 0;
}

static void verdicts(const struct ct_opts *o, const struct ct_run *run,
		     const struct nt_ct_sample *x, bool rise, const char *since,
		     struct nt_verdicts *vs)
{
	struct nt_verdict *v;

	nt_ct_verdicts(x, rise, since, &o->t, vs);
	if (o->dump && !run->dumped) {
		v = nt_verdict_add(vs, "conntrack.breakdown", "", NT_UNKNOWN, NAN, NAN);
		if (v)
			snprintf(v->reason, sizeof(v->reason),
				 "conntrack dump failed: %s%s", strerror(-run->dump_err),
				 run->dump_err == -EPERM ? " (need CAP_NET_ADMIN)" : "");
	}
}

static void note_dump(const struct ct_opts *o, const struct ct_run *run)
{
	if (o->dump && !run->dumped)
		nt_err("conntrack", "IPCTNL_MSG_CT_GET dump: %s%s", strerror(-run->dump_err),
		       run->dump_err == -EPERM ? " (need CAP_NET_ADMIN for --by and -e)" : "");
}

struct ct_state {
	const struct nt_global *g;
	struct ct_opts o;
	struct ct_run run;
	struct nt_ct_sample cur, prev;
	struct nt_verdicts vs;
};

static int take(void *data)
{
	struct ct_state *x = data;
	int rc = sample(&x->o, &x->run, &x->cur);

	if (!rc)
		note_dump(&x->o, &x->run);
	return rc;
}

static bool history(void *data, double *dt)
{
	struct ct_state *x = data;
	struct nt_hist old = { 0 };
	bool have = false;

	if (nt_hist_load("conntrack", &x->g->ns, &old) == 0 &&
	    nt_now_boot() > old.t && sample_from_hist(&old, &x->prev) == 0) {
		*dt = nt_now_boot() - old.t;
		have = true;
	}
	nt_hist_free(&old);
	return have;
}

static int judge(void *data, const struct nt_baseline *b, enum nt_level *level)
{
	struct ct_state *x = data;
	int r;

	nt_ct_rates(&x->cur, b->have ? &x->prev : NULL, b->dt);
	nt_verdicts_reset(&x->vs);
	verdicts(&x->o, &x->run, &x->cur, b->have, b->since, &x->vs);
	*level = nt_verdicts_worst(&x->vs);
	r = render(x->g, &x->o, &x->run, &x->cur, b->kind, b->dt, b->sample, &x->vs);
	if (r) {
		if (r != -EIO) /* a failed stdout is reported by main */
			nt_err("conntrack", "output: %s", strerror(-r));
		return NT_EXIT_UNKNOWN;
	}
	return 0;
}

static void rotate(void *data)
{
	struct ct_state *x = data;
	struct nt_ct_sample tmp = x->prev;

	x->prev = x->cur;
	x->cur = tmp;
}

static void save(void *data)
{
	struct ct_state *x = data;
	struct nt_hist h = { 0 };
	int r;

	/* after rotate, the newest sample is prev */
	hist_from_sample(&x->prev, &h);
	r = nt_hist_save("conntrack", &x->g->ns, &h);
	if (r && r != -EROFS)
		nt_note("conntrack", "history file not saved: %s (rate checks of the next run will use since-boot totals)",
			nt_hist_strerror(r));
	nt_hist_free(&h);
}

static const struct nt_sampler ct_sampler = { take, history, judge, rotate, save };

int cmd_conntrack(int argc, char **argv, struct nt_global *g)
{
	struct ct_state x = { .g = g };
	int rc, r;

	r = parse_opts(argc, argv, &x.o);
	if (r)
		return r > 0 ? NT_EXIT_OK : NT_EXIT_USAGE;
	if ((r = nt_priv_restrict("conntrack", g, NT_CAP(CAP_NET_ADMIN))))
		return r;
	if (nt_ct_agg_init(&x.run.agg, x.o.by, &x.o.filter, (size_t)x.o.counters,
			   NULL) ||
	    !(x.run.top = calloc((size_t)x.o.top, sizeof(*x.run.top)))) {
		nt_err("conntrack", "out of memory");
		rc = NT_EXIT_UNKNOWN;
	} else {
		rc = nt_sample_run(g, &ct_sampler, &x);
	}
	nt_verdicts_free(&x.vs);
	nt_ct_sample_free(&x.cur);
	nt_ct_sample_free(&x.prev);
	nt_ct_agg_free(&x.run.agg);
	free(x.run.top);
	return rc;
}
