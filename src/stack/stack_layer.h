/* stack layer: private to src/stack/ (options, state, rendering). */
#ifndef STACK_LAYER_H
#define STACK_LAYER_H

#include "nt_history.h"
#include "nt_layer.h"
#include "nt_stack.h"
#include "nt_stack_nl.h"

struct nt_stack_opts {
	bool all, procs;
	unsigned top;
	struct nt_stack_thresholds t;
	struct nt_stack_nl_thresholds nt;
};

/* cmd_stack.c: 0 run, 1 --help printed, -1 usage error printed. */
int nt_stack_parse_opts(int argc, char **argv, struct nt_stack_opts *o);

struct stack_st {
	struct nt_stack_opts o;
	struct nt_stack_sample cur, prev;
	struct nt_qdisc_list qcur, qprev;
	struct nt_neightbl_list ncur, nprev;
	int err_qdisc, err_neigh, err_udp;  /* -errno of the netlink sources */
	struct nt_udp_list udp;             /* --top */
	struct nt_stack_view view;
	struct nt_hist h;                   /* the newest sample, for hist_put */
	bool judge_global;                  /* global figures judged here */
	struct nt_stack_glimits glim;       /* read by open (nt_stack.h) */
	bool glim_read;
	char *buf;
	size_t cap;
};

/* stack_render.c */
void nt_stack_table(void *st, FILE *f, const struct nt_layer_ctx *c,
		    const struct nt_baseline *b, const struct nt_verdicts *vs);
void nt_stack_emit(void *st, struct nt_doc *d, const struct nt_layer_ctx *c,
		   const struct nt_baseline *b);
/* "qdisc: not measured: ..." lines of this sample, up to n; the count. */
size_t nt_stack_notes(const struct stack_st *x, char out[][160], size_t n);

#endif
