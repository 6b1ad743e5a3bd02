/* The conntrack layer's renderers: the table, and its keys of a document
 * (JSON and Prometheus), both from one sample through the field tables. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include "conntrack_layer.h"

static void fill_bar(char *buf, size_t width, double pct)
{
	size_t i, n = isfinite(pct) ? (size_t)(pct / 100.0 * (double)width + 0.5) : 0;

	if (n > width)
		n = width;
	for (i = 0; i < width; i++)
		buf[i] = i < n ? '#' : '.';
	buf[width] = '\0';
}

static const char *fill_color(const struct nt_verdicts *vs)
{
	enum nt_level l = NT_OK;
	size_t i;

	for (i = 0; i < vs->n; i++)
		if (!strcmp(vs->v[i].check, "conntrack.fill"))
			l = vs->v[i].level;
	return l == NT_CRIT ? "\033[1;31m" : l == NT_WARN ? "\033[33m" : "\033[32m";
}

/* The breakdown: a heading, its rows, and the error bound when the values
 * did not fit the counters. */
static void table_breakdown(const struct ct_st *x, FILE *f)
{
	const struct nt_ct_dump *d = &x->bd;

	if (d->exact)
		fprintf(f, "\nby %s: top %zu of %llu values (exact, %llu counters)\n",
			d->key, x->ntop, (unsigned long long)d->distinct,
			(unsigned long long)d->counters);
	else
		fprintf(f, "\nby %s: top %zu of ~%llu values (approximate)\n", d->key,
			x->ntop, (unsigned long long)d->distinct);
	/* approximate: every column, MAX-OVER included */
	nt_table_print(f, &nt_ct_top_rectype, x->top, x->ntop,
		       NT_F_ID | NT_F_TOTAL | (d->exact ? NT_F_DEF : 0), NULL, false);
	if (!d->exact)
		fprintf(f, "approximate: ~%llu distinct keys exceeded %llu counters; each count may be over by at most %llu (MAX-OVER per row); no value with more than %llu entries is missed\n",
			(unsigned long long)d->distinct, (unsigned long long)d->counters,
			(unsigned long long)d->count_error_max,
			(unsigned long long)d->count_error_max);
}

/* The events window: one line of counts and losses, then the top lists. */
static void table_events(const struct ct_st *x, FILE *f)
{
	const struct nt_ct_events *e = &x->ev.r;

	fprintf(f, "\nevents: %.2f s%s: %llu new (%.1f/s, peak %llu/s), %llu destroyed (%.1f/s, peak %llu/s)\n",
		e->elapsed_s, e->interrupted ? " (interrupted)" : "",
		(unsigned long long)e->new_flows, e->new_per_s,
		(unsigned long long)e->peak_new_per_s,
		(unsigned long long)e->destroyed, e->destroy_per_s,
		(unsigned long long)e->peak_destroy_per_s);
	if (e->overruns)
		fprintf(f, "lost: at least %llu overruns (ENOBUFS: the kernel dropped events); receive buffer %llu bytes (%s)\n",
			(unsigned long long)e->overruns, (unsigned long long)e->rcvbuf_bytes,
			e->rcvbuf_how);
	else
		fprintf(f, "lost: none (0 overruns); receive buffer %llu bytes (%s)\n",
			(unsigned long long)e->rcvbuf_bytes, e->rcvbuf_how);
	if (e->unread_bytes)
		fprintf(f, "not counted: %llu bytes of events still queued when the read after the window stopped (0.2 s)\n",
			(unsigned long long)e->unread_bytes);
	if (e->malformed)
		fprintf(f, "malformed: %llu event messages not decoded\n",
			(unsigned long long)e->malformed);
	if (!e->new_flows)
		return;
	fprintf(f, "\ntop sources of new flows (%s):\n", e->exact ? "exact" :
		"approximate, MAX-OVER per row");
	nt_table_print(f, &nt_ct_evtop_src_rectype, x->ev_src, x->nev_src,
		       NT_F_ID | NT_F_TOTAL | (e->exact ? NT_F_DEF : 0), NULL, false);
	fprintf(f, "\ntop destinations of new flows (%s):\n", e->exact ? "exact" :
		"approximate, MAX-OVER per row");
	nt_table_print(f, &nt_ct_evtop_dst_rectype, x->ev_dst, x->nev_dst,
		       NT_F_ID | NT_F_TOTAL | (e->exact ? NT_F_DEF : 0), NULL, false);
	fprintf(f, "\nnew flows by protocol (exact):\n");
	nt_table_print(f, &nt_ct_evproto_rectype, x->ev_proto, x->nev_proto,
		       NT_F_ID | NT_F_TOTAL | NT_F_DEF, NULL, false);
	if (!e->exact)
		fprintf(f, "approximate: ~%llu sources / ~%llu destinations exceeded %llu counters; each count may be over by at most %llu; no address with more than %llu new flows is missed\n",
			(unsigned long long)e->distinct_src, (unsigned long long)e->distinct_dst,
			(unsigned long long)e->counters, (unsigned long long)e->count_error_max,
			(unsigned long long)e->count_error_max);
}

void nt_ct_table(struct ct_st *x, FILE *f, const struct nt_global *g,
		 const struct nt_baseline *b, const struct nt_verdicts *vs)
{
	const struct nt_ct_summary *s = &x->cur.s;
	bool interval = !strcmp(b->kind, "interval");
	char bar[32], ts[40];
	unsigned mask;

	nt_timestamp_iso(ts, sizeof(ts));
	fill_bar(bar, 30, s->fill_pct);
	fprintf(f, "conntrack: %llu / %llu entries [%s%s%s] ", (unsigned long long)s->count,
		(unsigned long long)s->max, g->color ? fill_color(vs) : "", bar,
		g->color ? "\033[0m" : "");
	if (isfinite(s->fill_pct))
		fprintf(f, "%.1f%% full", s->fill_pct);
	else
		fputs("fill unknown", f);
	fprintf(f, " (max %s), buckets ", s->max_scope);
	if ((s->avail >> NT_CTA_BUCKETS) & 1)
		fprintf(f, "%llu", (unsigned long long)s->buckets);
	else
		fputs("-", f);
	fprintf(f, ", source %s, %s\n", s->source, ts);
	if (x->dumped)
		fprintf(f, "effective fill: %.1f%% (%llu ASSURED; %llu unreplied, evictable by early drop); dump read %llu entries in %.1f ms (%llu filtered out, %llu malformed; a dump reaps expired entries)\n",
			s->effective_fill_pct, (unsigned long long)s->assured,
			(unsigned long long)s->unreplied, (unsigned long long)x->bd.entries,
			x->bd.duration_ms, (unsigned long long)x->bd.filtered,
			(unsigned long long)x->bd.malformed);
	if (!strcmp(b->kind, "boot"))
		fprintf(f, "baseline: since-boot totals (no previous run%s)\n",
			g->interval > 0 ? "" : " in this namespace; rates need -i or a second run");
	else
		fprintf(f, "baseline: %s, %.2f s ago%s\n", b->kind, b->dt,
			interval ? " (counters show per-second rates)" : "");
	if (s->reset)
		fprintf(f, "counters reset since the baseline: %s; no rates, rises not judged this sample\n",
			s->reset_reason);
	if (isfinite(s->time_to_full_s)) {
		char dur[32];

		nt_ct_fmt_duration(dur, sizeof(dur), s->time_to_full_s);
		fprintf(f, "time to full: full in %s at %+.0f entries/s (%s)\n", dur,
			s->growth_per_s, b->since);
	} else if (isfinite(s->growth_per_s)) {
		fprintf(f, "time to full: not growing (%+.1f entries/s %s)\n",
			s->growth_per_s, b->since);
	}
	mask = NT_F_DEF | (interval && !s->reset ? NT_F_RATE : NT_F_TOTAL);
	nt_table_print(f, &nt_ct_summary_rectype, s, 1, mask, NULL, false);
	if (x->o.all) {
		fputc('\n', f);
		nt_table_print(f, &x->cpu_ft.rt, x->cur.cpu, x->cur.ncpu,
			       NT_F_ID | NT_F_TOTAL | NT_F_DEF, NULL, false);
	}
	if (x->dumped && x->o.by != NT_BY_NONE)
		table_breakdown(x, f);
	if (x->o.events > 0)
		table_events(x, f);
}

/* The summary's keys at the top of the section, "per_cpu", and
 * "breakdown": null without a dump, else a section of the dump's fields
 * and its "top" rows. */
void nt_ct_emit(struct ct_st *x, struct nt_doc *d, const struct nt_baseline *b)
{
	bool rates = strcmp(b->kind, "boot") != 0, by = x->o.by != NT_BY_NONE;
	unsigned mask = NT_F_ID | NT_F_INFO | NT_F_TOTAL | (rates ? NT_F_RATE : 0);

	nt_doc_object(d, &nt_ct_summary_rectype, &x->cur.s, mask);
	nt_doc_records(d, &x->cpu_ft.rt, x->cur.cpu, x->cur.ncpu, NT_F_ID | NT_F_TOTAL);
	if (x->o.events > 0) {
		nt_doc_open(d, "events", false);
		nt_doc_object(d, &nt_ct_events_rectype, &x->ev.r, NT_F_INFO);
		nt_doc_records(d, &nt_ct_evtop_src_rectype, x->ev_src, x->nev_src,
			       NT_F_ID | NT_F_TOTAL);
		nt_doc_records(d, &nt_ct_evtop_dst_rectype, x->ev_dst, x->nev_dst,
			       NT_F_ID | NT_F_TOTAL);
		nt_doc_records(d, &nt_ct_evproto_rectype, x->ev_proto, x->nev_proto,
			       NT_F_ID | NT_F_TOTAL);
		nt_doc_close(d);
	}
	if (!x->dumped) {
		nt_doc_set(d, "breakdown", json_null());
		return;
	}
	nt_doc_open(d, "breakdown", false);
	nt_doc_object(d, &nt_ct_dump_rectype, &x->bd, NT_F_INFO | (by ? NT_F_TOTAL : 0));
	if (by)
		nt_doc_records(d, &nt_ct_top_rectype, x->top, x->ntop, NT_F_ID | NT_F_TOTAL);
	else
		nt_doc_set(d, "top", json_array()); /* -e: no rows */
	nt_doc_close(d);
}
