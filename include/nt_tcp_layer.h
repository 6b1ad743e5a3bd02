/* The tcp layer (nt_layer_tcp): its state and the calls of its three
 * files. Internal to src/tcp: cmd_tcp.c (options, usage, cmd_tcp),
 * tcp_layer.c (collect, history, judge) and tcp_render.c (table, emit).
 * Everything a sample needs is in struct nt_tcp_st: no static state, so
 * one process can hold one per namespace. */
#ifndef NT_TCP_LAYER_H
#define NT_TCP_LAYER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "nt_history.h"
#include "nt_layer.h"
#include "nt_tcp.h"

#define NT_TCP_TOP_MAX 100000

struct nt_tcp_opts {
	bool all, procs;
	uint32_t mask;            /* states asked for */
	long ports;               /* CLOSE-WAIT groups listed */
	long top;                 /* --top N, 0: no per-socket dump */
	struct nt_tcp_filter f;
	bool filtered;
	struct nt_tcp_thresholds t;
};

/* One sample. */
struct nt_tcp_run {
	struct nt_tcp_sample s;
	struct nt_tcp_counters c;
	struct nt_tcp_top top;
	bool have_top;
	struct nt_tcp_cw_count *cw_top;
	size_t n_cw_top;
	struct nt_tcp_proc_count *cw_procs;
	size_t n_cw_procs, cap_cw_procs;
	int eph_err;              /* reading ip_local_port_range */
	struct nt_tcp_eph_info eph;
	struct nt_tcp_eph_count *eph_top;
	size_t n_eph_top;
	struct nt_tcp_procscan ps;
	bool have_ps;             /* --procs and /proc could be read */
};

/* Counters as named records, for one file (Tcp or TcpExt). */
struct nt_tcp_named_set {
	struct nt_named *all;     /* every counter ("counters") */
	struct nt_named *rates;   /* the counters that are not gauges ("rates") */
	size_t n_all, n_rates, cap;
	bool have;                /* the file was read */
	bool have_rates;          /* ... and a baseline has it too */
};

/* What judge derived from the sample and its baseline, for the renderers. */
struct nt_tcp_judged {
	struct nt_tcp_retrans rx;
	struct nt_tcp_state_count states[NT_TCP_NSTATES];
	struct nt_tcp_named_set set[2]; /* Tcp, TcpExt */
};

struct nt_tcp_st {
	struct nt_tcp_opts o;
	/* prev is the sample before cur, or (first sample) the previous
	 * run's counters, loaded by hist_get */
	struct nt_tcp_run cur, prev;
	struct nt_hist h;         /* cur's counters, for hist_put */
	char *buf;                /* for /proc/net/snmp and netstat */
	size_t blen;
	struct nt_tcp_judged j;
};

/* cmd_tcp.c */
int nt_tcp_layer_opts(void *st, int argc, char **argv);
uint64_t nt_tcp_layer_caps(const void *st);

/* tcp_render.c */
void nt_tcp_layer_table(void *st, FILE *f, const struct nt_layer_ctx *c,
			const struct nt_baseline *b, const struct nt_verdicts *vs);
void nt_tcp_layer_emit(void *st, struct nt_doc *d, const struct nt_layer_ctx *c,
		       const struct nt_baseline *b);

#endif
