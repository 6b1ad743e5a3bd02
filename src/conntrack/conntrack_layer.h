/* The conntrack layer's state, shared by its three files (private to
 * src/conntrack/): cmd_conntrack.c (options), conntrack_layer.c
 * (collect, history, judge) and conntrack_render.c (table, emit). */
#ifndef NT_CONNTRACK_LAYER_H
#define NT_CONNTRACK_LAYER_H

#include <stdbool.h>
#include <stdio.h>
#include "nt_conntrack.h"
#include "nt_history.h"
#include "nt_layer.h"

struct ct_opts {
	enum nt_ct_by by;
	long top;
	long counters;
	bool dump;           /* --by or -e */
	bool all;
	double events;       /* --events SEC, 0 = off */
	struct nt_ct_filter filter;
	struct nt_ct_thresholds t;
};

struct ct_st {
	struct ct_opts o;
	struct nt_ct_sample cur, prev;
	struct nt_ct_cpu_fields cpu_ft; /* cur's per-CPU field table */
	struct nt_hist h;               /* the newest sample, for hist_put */
	/* the dump (o.dump): aggregator and top rows allocated by open */
	struct nt_ct_agg agg;
	struct nt_ct_top *top;
	size_t ntop;
	bool dumped;                    /* this sample's dump succeeded */
	int dump_err;                   /* else why (-errno) */
	struct nt_ct_dump bd;           /* "breakdown" when dumped */
	/* --events: the window's accounting (sized by open) and its rows */
	struct nt_ct_evacc ev;
	struct nt_ct_top *ev_src, *ev_dst, *ev_proto;
	size_t nev_src, nev_dst, nev_proto;
};

/* cmd_conntrack.c: 0 run, 1 --help printed, -1 usage error printed. */
int nt_ct_opts_parse(int argc, char **argv, struct ct_opts *o);
/* conntrack_render.c */
void nt_ct_table(struct ct_st *x, FILE *f, const struct nt_global *g,
		 const struct nt_baseline *b, const struct nt_verdicts *vs);
void nt_ct_emit(struct ct_st *x, struct nt_doc *d, const struct nt_baseline *b);

#endif
