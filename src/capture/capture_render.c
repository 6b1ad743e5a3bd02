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

void nt_cap_flowrec(struct cap_flowrec *r, const struct nt_cap_flow *f)
{
	const struct nt_cap_tuple *k = &f->key;
	int af = k->family == AF_INET6 ? AF_INET6 : AF_INET;
	char subj[2 * 48 + 16];

	memset(r, 0, sizeof(*r));
	if (!inet_ntop(af, k->src, r->src, sizeof(r->src)))
		snprintf(r->src, sizeof(r->src), "?");
	if (!inet_ntop(af, k->dst, r->dst, sizeof(r->dst)))
		snprintf(r->dst, sizeof(r->dst), "?");
	r->sport = k->sport;
	r->dport = k->dport;
	snprintf(r->family, sizeof(r->family), "%s", af == AF_INET6 ? "ipv6" : "ipv4");
	/* the subject a verdict names; cut to the verdict's 64 bytes the
	 * same way, so the VERDICT column still matches */
	if (af == AF_INET6)
		snprintf(subj, sizeof(subj), "[%s]:%u-[%s]:%u", r->src, r->sport, r->dst,
			 r->dport);
	else
		snprintf(subj, sizeof(subj), "%s:%u-%s:%u", r->src, r->sport, r->dst, r->dport);
	snprintf(r->subject, sizeof(r->subject), "%.63s", subj);
	r->c = f->c;
	r->handshake_rtt_ms = f->handshake_rtt_ms;
	r->irtt_ms = f->irtt_ms;
	r->rtt_samples = nt_cap_flow_rtt(f)->n;
	r->rtt_min = nt_cap_flow_rtt(f)->n ? nt_cap_flow_rtt(f)->min_ms : NAN;
	r->rtt_mean = nt_cap_rtt_mean(nt_cap_flow_rtt(f));
	r->rtt_p99 = nt_cap_rtt_pct(nt_cap_flow_rtt(f), 0.99);
	r->id = f->id;
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

static const char *source_name(const struct capture_st *x)
{
	return x->o.file ? x->o.file : x->o.iface;
}

void nt_capture_table(void *st, FILE *f, const struct nt_layer_ctx *c,
		      const struct nt_baseline *b, const struct nt_verdicts *vs)
{
	struct capture_st *x = st;
	const struct nt_global *g = c->g;
	const struct nt_rectype *rt = &nt_cap_totals_rectype;
	unsigned mask = NT_F_ID | NT_F_INFO | NT_F_TOTAL | (g->all ? 0 : NT_F_DEF);
	char name[512], drops[40];
	size_t i;

	(void)b;
	if (!x->collected)
		return;
	nt_escape_text(name, sizeof(name), source_name(x));
	if ((x->sum.avail >> CAP_AV_DROPPED) & 1)
		snprintf(drops, sizeof(drops), "%llu dropped", (unsigned long long)x->sum.dropped);
	else
		snprintf(drops, sizeof(drops), "no drop count (a file)");
	fprintf(f, "capture: %s %s (%s), %llu packets in %.3f s, %s\n",
		x->s.live ? "live" : "file", name, x->s.linktype,
		(unsigned long long)x->sum.packets, x->duration_s, drops);
	if (x->o.filter) {
		nt_escape_text(name, sizeof(name), x->o.filter);
		fprintf(f, "filter: %s\n", name);
	}
	if (x->stopped)
		fprintf(f, "note: stopped by a signal: the results so far\n");
	if (x->file_cut)
		fprintf(f, "note: the file ends inside its last frame (counted as truncated)\n");
	if (x->sum.malformed || x->sum.truncated)
		fprintf(f, "note: %llu malformed and %llu truncated frames not analysed\n",
			(unsigned long long)x->sum.malformed, (unsigned long long)x->sum.truncated);
	fprintf(f, "\n%zu of %llu flows by %s%s:\n", x->ntop,
		(unsigned long long)x->sum.flows_total, nt_cap_sort_name(x->o.sort),
		x->sum.evicted ? " (some evicted: see the totals)" : "");
	if (x->ntop)
		nt_table_print(f, &nt_cap_flow_rectype, x->top, x->ntop, mask, vs, g->color);
	fputs("\ntotals:", f);
	for (i = 0; i < rt->nfields; i++) {
		const struct nt_field *fl = &rt->fields[i];

		if (fl->type == NT_T_U64 && !fl->group)
			fprintf(f, " %s %llu", fl->key,
				(unsigned long long)nt_field_u64(&x->tot, fl));
	}
	fprintf(f, " zero_window_ms %.0f\n", x->tot.c.zero_window_ms);
	fputc('\n', f);
}

void nt_capture_emit(void *st, struct nt_doc *d, const struct nt_layer_ctx *c,
		     const struct nt_baseline *b)
{
	struct capture_st *x = st;
	json_t *src;

	(void)c;
	(void)b;
	if (!x->collected)
		return;
	src = json_pack("{s:s, s:s, s:s, s:o, s:f}", "kind", x->s.live ? "live" : "file",
			x->s.live ? "iface" : "file", source_name(x), "linktype", x->s.linktype,
			"filter", x->o.filter ? json_string(x->o.filter) : json_null(),
			"duration_s", x->duration_s);
	nt_doc_set(d, "source", src);
	nt_doc_object(d, &nt_cap_summary_rectype, &x->sum, NT_F_TOTAL);
	nt_doc_set(d, "privileges_dropped", json_boolean(x->dropped_privs));
	nt_doc_set(d, "stopped", json_boolean(x->stopped));
	nt_doc_set(d, "sort", json_string(nt_cap_sort_name(x->o.sort)));
	nt_doc_records(d, &nt_cap_flow_rectype, x->top, x->ntop,
		       NT_F_ID | NT_F_INFO | NT_F_TOTAL);
	nt_doc_open(d, "totals", false);
	nt_doc_object(d, &nt_cap_totals_rectype, &x->tot, NT_F_TOTAL);
	nt_doc_close(d);
}
