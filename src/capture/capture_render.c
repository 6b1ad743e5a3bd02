/* capture: flow rows (a flow into its plain record, the ranking), the
 * table and the document's keys. */
#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <jansson.h>
#include "nettriage.h"
#include "nt_escape.h"
#include "capture_int.h"

void nt_cap_flowrec(struct cap_flowrec *r, const struct nt_cap_flow *f, uint64_t ord)
{
	const struct nt_cap_tuple *k = &f->key;
	int af = k->family == AF_INET6 ? AF_INET6 : AF_INET;
	char subj[2 * 48 + 16], nth[24] = "";

	memset(r, 0, sizeof(*r));
	if (!inet_ntop(af, k->src, r->src, sizeof(r->src)))
		snprintf(r->src, sizeof(r->src), "?");
	if (!inet_ntop(af, k->dst, r->dst, sizeof(r->dst)))
		snprintf(r->dst, sizeof(r->dst), "?");
	r->sport = k->sport;
	r->dport = k->dport;
	snprintf(r->family, sizeof(r->family), "%s", af == AF_INET6 ? "ipv6" : "ipv4");
	/* the subject a verdict names: the 5-tuple, "#N" for its Nth
	 * conversation (ord > 1); cut to the verdict's 64 bytes the same
	 * way, so the VERDICT column still matches. The suffix is kept
	 * whole: it is what tells two conversations apart. */
	if (ord > 1)
		snprintf(nth, sizeof(nth), "#%llu", (unsigned long long)ord);
	if (af == AF_INET6)
		snprintf(subj, sizeof(subj), "[%s]:%u-[%s]:%u", r->src, r->sport, r->dst,
			 r->dport);
	else
		snprintf(subj, sizeof(subj), "%s:%u-%s:%u", r->src, r->sport, r->dst, r->dport);
	snprintf(r->subject, sizeof(r->subject), "%.*s%s", (int)(63 - strlen(nth)), subj, nth);
	/* who advertised a zero window: a direction's stall start stays set */
	r->zw_side = (f->d[0].zw_since_ns ? 1 : 0) | (f->d[1].zw_since_ns ? 2 : 0);
	r->c = f->c;
	r->handshake_rtt_ms = f->handshake_rtt_ms;
	r->irtt_ms = f->irtt_ms;
	r->rtt_samples = nt_cap_flow_rtt(f)->n;
	r->rtt_min = nt_cap_flow_rtt(f)->n ? nt_cap_flow_rtt(f)->min_ms : NAN;
	r->rtt_mean = nt_cap_rtt_mean(nt_cap_flow_rtt(f));
	r->rtt_p99 = nt_cap_rtt_pct(nt_cap_flow_rtt(f), 0.99);
	r->id = f->id;
	r->avail = 1u << CAP_FAV_FLOW;
}

/* -1, 0, 1: a ranks above, level with, below b on v (larger first) */
static int cmp_u64(uint64_t a, uint64_t b)
{
	return a > b ? -1 : a < b;
}

static int cmp_dbl(double a, double b)
{
	/* no sample (NaN) ranks last */
	if (isnan(a) || isnan(b))
		return isnan(a) - isnan(b);
	return a > b ? -1 : a < b;
}

bool nt_cap_before(const struct cap_flowrec *a, const struct cap_flowrec *b,
		   enum cap_sort sort)
{
	int r = 0;

	switch (sort) {
	case CAP_SORT_RETRANS: r = cmp_u64(a->c.retrans, b->c.retrans); break;
	case CAP_SORT_RST:
		r = cmp_u64(a->c.rsts_server, b->c.rsts_server);
		if (!r)
			r = cmp_u64(a->c.rsts, b->c.rsts);
		break;
	case CAP_SORT_RTT: r = cmp_dbl(a->rtt_p99, b->rtt_p99); break;
	case CAP_SORT_BYTES: r = cmp_u64(a->c.bytes, b->c.bytes); break;
	case CAP_SORT_ZW:
		r = cmp_dbl(a->c.zero_window_ms, b->c.zero_window_ms);
		if (!r)
			r = cmp_u64(a->c.zero_windows, b->c.zero_windows);
		break;
	}
	/* ties: more bytes, then the older flow: one order for one input */
	if (!r)
		r = cmp_u64(a->c.bytes, b->c.bytes);
	if (!r)
		r = a->id < b->id ? -1 : a->id > b->id;
	return r < 0;
}

/* One line of a record's fields, "key value" (null: "-"), the fields of
 * one group or of none (group NULL): the table's summary lines come from
 * the same field table as the JSON keys and the metrics. */
static void fields_line(FILE *f, const char *head, const struct nt_rectype *rt, const void *rec,
			const char *group)
{
	char buf[2 * CAP_MAX_FILTER];
	const char *sep = " ";
	size_t i;

	fputs(head, f);
	for (i = 0; i < rt->nfields; i++) {
		const struct nt_field *fl = &rt->fields[i];
		bool in = group ? fl->group && !strcmp(fl->group, group) : !fl->group;

		if (!in)
			continue;
		if (!nt_field_avail(rt, rec, fl))
			snprintf(buf, sizeof(buf), "-");
		else if (fl->type == NT_T_STR)
			nt_escape_text(buf, sizeof(buf), (const char *)rec + fl->offset);
		else if (fl->type == NT_T_DOUBLE)
			snprintf(buf, sizeof(buf), "%.3f", nt_field_double(rec, fl));
		else
			snprintf(buf, sizeof(buf), "%llu", (unsigned long long)nt_field_u64(rec, fl));
		fprintf(f, "%s%s %s", sep, fl->key, buf);
		sep = ", ";
	}
	fputc('\n', f);
}

/* The totals as a row in the flows' columns (subject "totals": no
 * verdict names it). */
static void totals_row(struct cap_flowrec *r, const struct cap_totrec *t)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->subject, sizeof(r->subject), "totals");
	snprintf(r->src, sizeof(r->src), "totals");
	snprintf(r->dst, sizeof(r->dst), "(every flow)");
	r->c = t->c;
	r->handshake_rtt_ms = r->irtt_ms = NAN;
	r->rtt_min = t->rtt_min;
	r->rtt_mean = t->rtt_mean;
	r->rtt_p99 = t->rtt_p99;
	r->rtt_samples = t->rtt_samples;
}

void nt_capture_table(void *st, FILE *f, const struct nt_layer_ctx *c,
		      const struct nt_baseline *b, const struct nt_verdicts *vs)
{
	struct capture_st *x = st;
	const struct nt_global *g = c->g;
	unsigned mask = NT_F_ID | NT_F_INFO | NT_F_TOTAL | (g->all ? 0 : NT_F_DEF);
	char buf[512];

	(void)b;
	if (!x->collected)
		return;
	fields_line(f, "source:", &nt_cap_summary_rectype, &x->sum, "source");
	fields_line(f, "counts:", &nt_cap_summary_rectype, &x->sum, NULL);
	if (x->s.live && x->s.stats_failed) {
		nt_escape_text(buf, sizeof(buf), x->s.stats_err);
		fprintf(f, "note: no drop count (pcap_stats: %s)\n", buf);
	}
	if (x->s.promisc)
		fprintf(f, "note: promiscuous: if_dropped counted\n");
	else if (x->o.promisc)
		fprintf(f, "note: --promisc not in effect: if_dropped not counted\n");
	if (x->stopped)
		fprintf(f, "note: stopped by a signal: the results so far\n");
	if (x->stopped_by_time)
		fprintf(f, "note: stopped at -t %g s of capture time\n", x->o.seconds);
	if (x->file_cut)
		fprintf(f, "note: the file ends inside its last frame (counted as truncated)\n");
	if (x->sum.malformed || x->sum.truncated)
		fprintf(f, "note: %llu malformed and %llu truncated frames not analysed\n",
			(unsigned long long)x->sum.malformed, (unsigned long long)x->sum.truncated);
	fprintf(f, "\n%zu of %llu flows by %s, then the totals of every flow%s:\n", x->ntop,
		(unsigned long long)x->sum.flows_total, nt_cap_sort_name(x->o.sort),
		x->sum.evicted ? " (evicted ones included)" : "");
	/* open allocated one slot past --top for this row */
	totals_row(&x->top[x->ntop], &x->tot);
	nt_table_print(f, &nt_cap_flow_rectype, x->top, x->ntop + 1, mask, vs, g->color);
	fputc('\n', f);
}

void nt_capture_emit(void *st, struct nt_doc *d, const struct nt_layer_ctx *c,
		     const struct nt_baseline *b)
{
	struct capture_st *x = st;

	(void)c;
	(void)b;
	if (!x->collected)
		return;
	nt_doc_object(d, &nt_cap_summary_rectype, &x->sum, NT_F_INFO | NT_F_TOTAL);
	nt_doc_set(d, "privileges_dropped", json_boolean(x->dropped_privs));
	nt_doc_set(d, "stopped", json_boolean(x->stopped));
	nt_doc_set(d, "stopped_by_time", json_boolean(x->stopped_by_time));
	nt_doc_set(d, "sort", json_string(nt_cap_sort_name(x->o.sort)));
	nt_doc_records(d, &nt_cap_flow_rectype, x->top, x->ntop,
		       NT_F_ID | NT_F_INFO | NT_F_TOTAL);
	nt_doc_open(d, "totals", false);
	nt_doc_object(d, &nt_cap_totals_rectype, &x->tot, NT_F_TOTAL);
	nt_doc_close(d);
}
