/* stack layer: the table sections and the document's keys. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "nettriage.h"
#include "stack_layer.h"

static const char *why(int err)
{
	if (err == -ENOSYS)
		return "not implemented in this build (-ENOSYS)";
	if (err == -EPERM || err == -EACCES)
		return "permission denied";
	return strerror(-err);
}

size_t nt_stack_notes(const struct stack_st *x, char out[][160], size_t n)
{
	const struct nt_stack_sample *s = &x->cur;
	size_t k = 0;

#define NOTE(cond, ...) do { if ((cond) && k < n) snprintf(out[k++], 160, __VA_ARGS__); } while (0)
	NOTE(x->err_qdisc, "qdisc: not measured: RTM_GETQDISC: %s", why(x->err_qdisc));
	NOTE(x->err_neigh, "neigh: not measured: RTM_GETNEIGHTBL: %s", why(x->err_neigh));
	NOTE(x->o.top && x->err_udp, "udp top: not measured: sock_diag: %s", why(x->err_udp));
	NOTE(s->err_softnet, "softnet: not measured: /proc/net/softnet_stat: %s", why(s->err_softnet));
	NOTE(!s->err_softnet && s->softnet.n && s->softnet.columns < 13 &&
	     (s->cpus_conf < 0 || (size_t)s->cpus_conf != s->softnet.n),
	     "softnet: no CPU index column (before 5.10): cpu is the row number, not the CPU id if a CPU is offline (%zu rows, %ld CPUs)",
	     s->softnet.n, s->cpus_conf);
	NOTE(s->err_sockstat, "sockstat: not measured: /proc/net/sockstat: %s", why(s->err_sockstat));
	NOTE(s->ctrs.err_snmp, "udp/ip: /proc/net/snmp: %s", why(s->ctrs.err_snmp));
	NOTE(s->ctrs.err_netstat, "ip: /proc/net/netstat: %s", why(s->ctrs.err_netstat));
	NOTE(s->glim_from == NT_GL_INIT,
	     "tcp_mem, udp_mem, tcp_max_orphans (global, only in the initial namespace's /proc/sys): read there through /proc/1/ns/net");
	NOTE(s->glim_from == NT_GL_NONE && s->glim_err == -ENOENT,
	     "stack.sockmem and stack.orphans not judged: tcp_mem, udp_mem, tcp_max_orphans exist only in the initial namespace's /proc/sys, not visible from this one");
	NOTE(s->glim_from == NT_GL_NONE && s->glim_err && s->glim_err != -ENOENT,
	     "stack.sockmem and stack.orphans not judged: tcp_mem, udp_mem, tcp_max_orphans are only in the initial namespace (via /proc/1/ns/net: %s)",
	     why(s->glim_err));
	NOTE(s->glim_from != NT_GL_NONE && s->err_tcp_mem, "stack.sockmem tcp_mem_pages not judged: tcp_mem: %s", why(s->err_tcp_mem));
	NOTE(s->glim_from != NT_GL_NONE && s->err_udp_mem, "stack.sockmem udp_mem_pages not judged: udp_mem: %s", why(s->err_udp_mem));
	NOTE(s->glim_from != NT_GL_NONE && s->err_orphans, "stack.orphans not judged: tcp_max_orphans: %s", why(s->err_orphans));
	NOTE(s->err_file_nr, "files: /proc/sys/fs/file-nr: %s", why(s->err_file_nr));
	NOTE(!x->judge_global,
	     "global figures (softnet, neighbour tables, socket memory, orphans, files) shown, judged in the starting namespace only");
#undef NOTE
	return k;
}

/* Rows worth a line without -a. */
static bool sn_relevant(const struct nt_softnet_cpu *c, bool rates)
{
	if (rates && ((c->avail >> NT_SN_DELTA) & 1))
		return c->dropped_delta || c->squeeze_delta;
	return c->dropped || c->time_squeeze || c->flow_limit_count;
}

static void section(FILE *f, const char *title, const char *more)
{
	fprintf(f, "\n%s%s%s:\n", title, more ? " " : "", more ? more : "");
}

void nt_stack_table(void *st, FILE *f, const struct nt_layer_ctx *c,
		    const struct nt_baseline *b, const struct nt_verdicts *vs)
{
	struct stack_st *x = st;
	const struct nt_global *g = c->g;
	const struct nt_stack_sample *s = &x->cur;
	bool rates = strcmp(b->kind, "boot") != 0;
	bool interval = !strcmp(b->kind, "interval");
	bool all = x->o.all || g->all;
	unsigned tmask = NT_F_ID | NT_F_INFO | (all ? 0 : NT_F_DEF);
	char notes[16][160], ts[40], more[96];
	size_t i, k, nn;
	void *sel;

	tmask |= (rates && interval) ? NT_F_RATE : NT_F_TOTAL;
	nt_timestamp_iso(ts, sizeof(ts));
	fprintf(f, "stack: %zu CPUs, %zu qdiscs, %zu neighbour tables, %s\n",
		s->softnet.n, x->qcur.n, x->ncur.n, ts);
	nt_baseline_print(f, b, g);
	nn = nt_stack_notes(x, notes, 16);
	for (i = 0; i < nn; i++)
		fprintf(f, "note: %s\n", notes[i]);

	/* one scratch array, big enough for the largest selection */
	k = s->softnet.n * sizeof(struct nt_softnet_cpu);
	if (x->qcur.n * sizeof(struct nt_qdisc) > k)
		k = x->qcur.n * sizeof(struct nt_qdisc);
	sel = malloc(k ? k : 1);
	if (!sel)
		return;

	if (s->softnet.n) {
		struct nt_softnet_cpu *v = sel;

		for (i = k = 0; i < s->softnet.n; i++)
			if (all || sn_relevant(&s->softnet.v[i], rates) ||
			    nt_verdicts_worst_for(vs, s->softnet.v[i].subject) != NT_OK)
				v[k++] = s->softnet.v[i];
		snprintf(more, sizeof(more), "(per CPU, global; %zu of %zu CPUs%s)", k,
			 s->softnet.n, all ? "" : " with drops or squeezes; -a: all");
		section(f, "softnet backlog", more);
		if (k)
			nt_table_print(f, &nt_softnet_rectype, v, k, tmask, vs, g->color);
	}
	if (!x->err_qdisc && nt_qdisc_rectype.nfields) {
		struct nt_qdisc *v = sel;

		for (i = k = 0; i < x->qcur.n; i++)
			if (all || x->qcur.v[i].drops || x->qcur.v[i].backlog ||
			    nt_verdicts_worst_for(vs, x->qcur.v[i].subject) != NT_OK)
				v[k++] = x->qcur.v[i];
		snprintf(more, sizeof(more), "(%zu of %zu with drops or a backlog%s)", k,
			 x->qcur.n, all ? "" : "; -a: all");
		section(f, "qdiscs", more);
		if (k)
			nt_table_print(f, &nt_qdisc_rectype, v, k, tmask, vs, g->color);
	}
	free(sel);
	if (!x->err_neigh && x->ncur.n && nt_neightbl_rectype.nfields) {
		section(f, "neighbour tables", "(global: shared by every namespace)");
		nt_table_print(f, &nt_neightbl_rectype, x->ncur.v, x->ncur.n, tmask, vs, g->color);
	}
	if (x->view.n_udp) {
		section(f, "UDP", "(this namespace)");
		nt_table_print(f, &nt_stack_udp_rectype, x->view.udp, x->view.n_udp, tmask,
			       vs, g->color);
	}
	if (x->o.top && !x->err_udp && nt_udp_sock_rectype.nfields) {
		snprintf(more, sizeof(more), "(top %u by drops, %llu sockets seen)", x->o.top,
			 (unsigned long long)x->udp.seen);
		section(f, "UDP sockets", more);
		if (x->udp.n)
			nt_table_print(f, &nt_udp_sock_rectype, x->udp.v, x->udp.n, tmask, vs,
				       g->color);
	}
	section(f, "socket memory and files", "(scope: global or this namespace)");
	nt_table_print(f, &nt_stack_limit_rectype, x->view.lim, x->view.n_lim, tmask, vs,
		       g->color);
	if (all && s->sockstat.n) {
		section(f, "sockstat", NULL);
		nt_table_print(f, &nt_sockstat_rectype, s->sockstat.v, s->sockstat.n, tmask,
			       vs, g->color);
	}
	if (x->view.n_ctr) {
		struct nt_named *v = malloc(x->view.n_ctr * sizeof(*v));

		if (!v)
			return;
		for (i = k = 0; i < x->view.n_ctr; i++)
			if (all || x->view.ctr[i].value != 0)
				v[k++] = x->view.ctr[i];
		snprintf(more, sizeof(more), "(%zu of %zu non-zero%s)", k, x->view.n_ctr,
			 all ? "" : "; -a: all");
		section(f, "IP drops and TCP memory events", more);
		if (k)
			nt_table_print(f, &nt_stack_ctr_rectype, v, k, tmask, vs, g->color);
		free(v);
	}
	fputc('\n', f);
}

void nt_stack_emit(void *st, struct nt_doc *d, const struct nt_layer_ctx *c,
		   const struct nt_baseline *b)
{
	struct stack_st *x = st;
	const struct nt_stack_sample *s = &x->cur;
	bool rates = strcmp(b->kind, "boot") != 0;
	unsigned mask = NT_F_ID | NT_F_INFO | NT_F_TOTAL | (rates ? NT_F_RATE : 0);
	char notes[16][160];
	size_t i, nn;
	json_t *a;

	(void)c;
	if (!strcmp(b->kind, "interval"))
		mask |= NT_F_DELTA;
	nn = nt_stack_notes(x, notes, 16);
	a = json_array();
	for (i = 0; a && i < nn; i++)
		json_array_append_new(a, json_string(notes[i]));
	nt_doc_set(d, "notes", a);
	nt_doc_set(d, "judge_global", json_boolean(x->judge_global));
	nt_doc_records(d, &nt_softnet_rectype, s->softnet.v, s->softnet.n, mask);
	if (!x->err_qdisc && nt_qdisc_rectype.nfields)
		nt_doc_records(d, &nt_qdisc_rectype, x->qcur.v, x->qcur.n, mask);
	if (!x->err_neigh && nt_neightbl_rectype.nfields)
		nt_doc_records(d, &nt_neightbl_rectype, x->ncur.v, x->ncur.n, mask);
	nt_doc_records(d, &nt_stack_udp_rectype, x->view.udp, x->view.n_udp, mask);
	if (x->o.top && !x->err_udp && nt_udp_sock_rectype.nfields)
		nt_doc_records(d, &nt_udp_sock_rectype, x->udp.v, x->udp.n, mask);
	nt_doc_records(d, &nt_sockstat_rectype, s->sockstat.v, s->sockstat.n, mask);
	nt_doc_records(d, &nt_stack_limit_rectype, x->view.lim, x->view.n_lim, mask);
	nt_doc_records(d, &nt_stack_ctr_rectype, x->view.ctr, x->view.n_ctr, mask);
}
