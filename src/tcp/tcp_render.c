/* The tcp layer's renderers: the table, and its keys of a JSON or
 * Prometheus document, every record through a field table (nt_tcp.h,
 * tcp_model.c). They read the sample and what judge derived from it. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "nettriage.h"
#include "nt_tcp_layer.h"

static const char *const hl_tcp[] = { "ActiveOpens", "PassiveOpens", "AttemptFails",
	"EstabResets", "CurrEstab", "InSegs", "OutSegs", "RetransSegs", "InErrs",
	"OutRsts", "InCsumErrors", NULL };
static const char *const hl_ext[] = { "TCPTimeouts", "TCPLostRetransmit", "TCPSynRetrans",
	"TCPFastRetrans", "ListenOverflows", "ListenDrops", "TCPBacklogDrop",
	"TCPAbortOnTimeout", "TCPAbortOnData", "TCPAbortOnMemory", "TCPRcvQDrop",
	"TCPReqQFullDrop", "TCPReqQFullDoCookies", "SyncookiesSent", "SyncookiesFailed", NULL };

static bool in_list(const char *const *l, const char *n)
{
	for (; *l; l++)
		if (!strcmp(*l, n))
			return true;
	return false;
}

/* One file's counters: the highlighted ones, or every one with -a. */
static void table_ctrs(FILE *f, const struct nt_rectype *rt,
		       const struct nt_tcp_named_set *set, const char *const *hl,
		       bool all, bool color)
{
	unsigned mask = NT_F_ID | NT_F_TOTAL | NT_F_DEF;
	struct nt_named *v = NULL;
	size_t i, n = 0;

	if (!set->have)
		return;
	if (set->have_rates)
		mask |= NT_F_INFO | NT_F_RATE; /* delta and rate */
	if (!all && (v = malloc((set->n_all ? set->n_all : 1) * sizeof(*v))))
		for (i = 0; i < set->n_all; i++)
			if (in_list(hl, set->all[i].name))
				v[n++] = set->all[i];
	nt_table_print(f, rt, v ? v : set->all, v ? n : set->n_all, mask, NULL, color);
	free(v);
}

static void table_ratio(FILE *f, const struct nt_tcp_st *x, bool rates)
{
	const struct nt_tcp_retrans *rx = &x->j.rx;

	if (!x->cur.c.tcp.present)
		fprintf(f, "retransmit ratio: not computable (no Tcp counters)\n");
	else if (!isfinite(rx->out_rate))
		fprintf(f, "retransmit ratio: not computable (counters went down since the baseline)\n");
	else if (isnan(rx->ratio_pct))
		fprintf(f, "retransmit ratio: not computable (no segments sent %s)\n",
			rates ? "since the baseline" : "since boot");
	else
		fprintf(f, "retransmit ratio: %.3f%% (%" PRIu64 " retransmitted / %" PRIu64
			" sent, %.1f segs/s) %s\n", rx->ratio_pct, rx->d_retrans, rx->d_out,
			rx->out_rate, rates ? "since the baseline" : "since boot");
}

static void table_close_wait(FILE *f, const struct nt_tcp_st *x, bool color)
{
	const struct nt_tcp_run *r = &x->cur;
	size_t i;

	if (r->s.mask & (1u << NT_TCP_CLOSE_WAIT)) {
		fprintf(f, "\nCLOSE-WAIT: %" PRIu64 " sockets%s\n",
			r->s.states[NT_TCP_CLOSE_WAIT - 1],
			r->n_cw_top ? ", by service (the local port served, or the peer a client talks to):" : "");
		if (r->n_cw_top)
			nt_table_print(f, &nt_tcp_cw_rectype, r->cw_top, r->n_cw_top,
				       NT_F_ID | NT_F_INFO | NT_F_DEF, NULL, color);
		if (r->have_ps && r->n_cw_procs) {
			fprintf(f, "CLOSE-WAIT by process:\n");
			nt_table_print(f, &nt_tcp_cwproc_rectype, r->cw_procs, r->n_cw_procs,
				       NT_F_ID | NT_F_INFO | NT_F_DEF, NULL, color);
		}
	}
	if (r->have_ps && r->ps.n_unreadable) {
		fprintf(f, "--procs: fd tables of %zu of %u processes not readable (pids",
			r->ps.n_unreadable, r->ps.nprocs);
		for (i = 0; i < r->ps.n_unreadable && i < 20; i++)
			fprintf(f, " %d", r->ps.unreadable[i]);
		fprintf(f, "%s)\n", r->ps.n_unreadable > 20 ? " ..." : "");
	}
}

void nt_tcp_layer_table(void *st, FILE *f, const struct nt_layer_ctx *c,
			const struct nt_baseline *b, const struct nt_verdicts *vs)
{
	const struct nt_tcp_st *x = st;
	const struct nt_tcp_run *r = &x->cur;
	const struct nt_tcp_sample *s = &r->s;
	bool rates = strcmp(b->kind, "boot") != 0, color = c->g->color;
	char ts[40];
	size_t i;
	int col = 0;

	nt_timestamp_iso(ts, sizeof(ts));
	fprintf(f, "tcp: %" PRIu64 " sockets (IPv4 %" PRIu64 ", IPv6 %" PRIu64 ")%s, %s\n",
		s->total, s->v4, s->v6,
		s->mask == NT_TCP_ALL_STATES ? "" : " in the states asked for", ts);
	fputs("states:", f);
	for (i = 0; i < NT_TCP_NSTATES; i++) {
		if (!(s->mask & (1u << (i + 1))))
			continue;
		if (col == 6) {
			fputs("\n       ", f);
			col = 0;
		}
		fprintf(f, " %s %" PRIu64, nt_tcp_state_names[i], s->states[i]);
		col++;
	}
	fputc('\n', f);
	if (!rates)
		fprintf(f, "baseline: since-boot totals (no previous run in this namespace%s)\n",
			c->g->interval > 0 ? "" : "; rates need -i or a second run");
	else
		fprintf(f, "baseline: %s, %.2f s ago\n", b->kind, b->dt);
	table_ctrs(f, &nt_tcp_snmp_rectype, &x->j.set[0], hl_tcp, x->o.all, color);
	table_ctrs(f, &nt_tcp_netstat_rectype, &x->j.set[1], hl_ext, x->o.all, color);
	table_ratio(f, x, rates);
	table_close_wait(f, x, color);
	if (s->eph_on) {
		const struct nt_tcp_eph_info *e = &r->eph;

		fprintf(f, "\nephemeral ports: %" PRIu64 " usable per destination (%u-%u",
			e->usable, e->range_lo, e->range_hi);
		if (e->avail & 1)
			fprintf(f, ", %" PRIu64 " reserved)", e->reserved);
		else
			fputs(", ip_local_reserved_ports unreadable: none assumed)", f);
		fprintf(f, "; %" PRIu64 " sockets hold one, %" PRIu64 " destinations%s\n",
			e->sockets, e->destinations, r->n_eph_top ? ", busiest:" : "");
		if (e->untracked)
			fprintf(f, "%" PRIu64 " sockets to destinations past the first %d not counted per destination\n",
				e->untracked, NT_TCP_EPH_CAP);
		if (r->n_eph_top)
			nt_table_print(f, &nt_tcp_eph_rectype, r->eph_top, r->n_eph_top,
				       NT_F_ID | NT_F_INFO | NT_F_DEF, vs, color);
	}
	if ((s->mask & (1u << NT_TCP_LISTEN)) && s->n_listen) {
		fprintf(f, "\nlisteners: %zu (accept queue vs backlog)\n", s->n_listen);
		nt_table_print(f, &nt_tcp_listen_rectype, s->listen, s->n_listen,
			       NT_F_ID | NT_F_INFO | NT_F_DEF, vs, color);
	}
	if (r->have_top) {
		fprintf(f, "\ntop %zu sockets by retransmits (of %" PRIu64 " examined%s)\n",
			r->top.n, r->top.seen, x->o.filtered ? ", kernel-filtered" : "");
		if (r->top.n)
			nt_table_print(f, &nt_tcp_sock_rectype, r->top.v, r->top.n,
				       NT_F_ID | NT_F_INFO | NT_F_DEF, NULL, color);
	}
	fputc('\n', f);
}

/* One file's counters under key (rt->json_array) of the open section, or
 * null when the file could not be read (or, for rates, has no baseline). */
static void emit_ctrs(struct nt_doc *d, const struct nt_rectype *rt, bool have,
		      const struct nt_named *v, size_t n, unsigned mask)
{
	if (have)
		nt_doc_records(d, rt, v, n, mask);
	else
		nt_doc_set(d, rt->json_array, json_null());
}

void nt_tcp_layer_emit(void *st, struct nt_doc *d, const struct nt_layer_ctx *c,
		       const struct nt_baseline *b)
{
	const struct nt_tcp_st *x = st;
	const struct nt_tcp_run *r = &x->cur;
	const struct nt_tcp_judged *j = &x->j;
	const struct nt_tcp_retrans *rx = &j->rx;
	size_t i;

	(void)c;
	(void)b;
	nt_doc_records(d, &nt_tcp_states_rectype, j->states, NT_TCP_NSTATES, NT_F_TOTAL);
	nt_doc_object(d, &nt_tcp_totals_rectype, &r->s, NT_F_TOTAL);
	nt_doc_open(d, "counters", false);
	emit_ctrs(d, &nt_tcp_snmp_rectype, j->set[0].have, j->set[0].all, j->set[0].n_all,
		  NT_F_TOTAL);
	emit_ctrs(d, &nt_tcp_netstat_rectype, j->set[1].have, j->set[1].all,
		  j->set[1].n_all, NT_F_TOTAL);
	nt_doc_close(d);
	nt_doc_object(d, &nt_tcp_retrans_rectype, rx, NT_F_RATE);
	/* JSON only: the window behind the ratio, as a whole or null (out_rate
	 * is NaN exactly when the counters gave no usable window: missing, or
	 * gone down since the baseline); the table says it in words */
	if (d->json)
		nt_doc_set(d, "retrans_window", isfinite(rx->out_rate) ?
			   json_pack("{s:I, s:I, s:f}", "retrans_segs", (json_int_t)rx->d_retrans,
				     "out_segs", (json_int_t)rx->d_out,
				     "out_segs_per_sec", rx->out_rate) : json_null());
	nt_doc_open(d, "rates", false);
	emit_ctrs(d, &nt_tcp_snmp_rectype, j->set[0].have_rates, j->set[0].rates,
		  j->set[0].n_rates, NT_F_RATE);
	emit_ctrs(d, &nt_tcp_netstat_rectype, j->set[1].have_rates, j->set[1].rates,
		  j->set[1].n_rates, NT_F_RATE);
	nt_doc_close(d);
	nt_doc_records(d, &nt_tcp_cw_rectype, r->cw_top, r->n_cw_top, NT_F_ID | NT_F_INFO);
	if (x->o.procs && r->have_ps) {
		nt_doc_records(d, &nt_tcp_cwproc_rectype, r->cw_procs, r->n_cw_procs,
			       NT_F_ID | NT_F_INFO);
		if (d->json) { /* the table lists them too; no metric */
			json_t *a = json_array();

			for (i = 0; i < r->ps.n_unreadable; i++)
				json_array_append_new(a, json_integer(r->ps.unreadable[i]));
			nt_doc_set(d, "procs_unreadable", a);
		}
	}
	nt_doc_records(d, &nt_tcp_listen_rectype, r->s.listen, r->s.n_listen,
		       NT_F_ID | NT_F_INFO);
	if (r->s.eph_on) {
		nt_doc_object(d, &nt_tcp_ephinfo_rectype, &r->eph, NT_F_INFO);
		nt_doc_records(d, &nt_tcp_eph_rectype, r->eph_top, r->n_eph_top,
			       NT_F_ID | NT_F_INFO);
	} else if (d->json) { /* not counted: --state left states out, or no range */
		nt_doc_set(d, "ephemeral", json_null());
		nt_doc_set(d, "ephemeral_top", json_null());
	}
	if (r->have_top)
		nt_doc_records(d, &nt_tcp_sock_rectype, r->top.v, r->top.n,
			       NT_F_ID | NT_F_INFO);
	else
		nt_doc_set(d, "top_sockets", json_null());
}
