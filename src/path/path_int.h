/* Internals of the path layer, shared by its files: path_layer.c (the
 * layer: options, open, collect, judge, render), path_resolve.c (forward
 * resolution and reverse DNS), path_live.c (the live redraw) and
 * cmd_path.c (the command). Not for other layers. */
#ifndef NT_PATH_INT_H
#define NT_PATH_INT_H

#include <stdatomic.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include "nt_path.h"
#include "nt_probe.h"

struct path_opts {
	struct nt_probe_opts po;
	struct nt_path_thresholds t;
	int family;            /* AF_UNSPEC, AF_INET, AF_INET6 */
	bool report, csv, udp;
	bool tcp;              /* --tcp PORT or HOST:PORT */
	long port;             /* -1 not given */
	char *arg;             /* a copy of the operand, cut by split_target */
	const char *target;    /* HOST: into arg */
};

/* ---- reverse DNS (path_resolve.c) ---- */

struct nt_path_rdns_job {
	struct nt_paddr a;
	char host[256];
	pthread_t th;
	atomic_int done;
};

#define NT_PATH_RDNS_MAX 512

/* Lookups start as each responder first answers (a thread each, with
 * every signal blocked: probing never waits) and are collected after the
 * run. Every thread is joined (or cancelled, then joined) by
 * nt_path_rdns_collect: none outlives the state. */
struct nt_path_rdns {
	struct nt_path_rdns_job *jobs[NT_PATH_RDNS_MAX];
	size_t n;
};

void nt_path_rdns_start(struct nt_path_rdns *d, const struct nt_paddr *a);
/* Wait up to budget seconds (0: none) for lookups still running, cancel
 * the rest, join them all, and copy the names into every responder of p
 * with that address (p may be NULL: just let go of them). */
void nt_path_rdns_collect(struct nt_path_rdns *d, struct nt_path *p,
			  double budget);

/* ---- forward resolution (path_resolve.c) ---- */

/* Before any socket: a literal address fixes the family of dst (inet_pton
 * is not network input); a name only has its syntax checked (dst->family
 * is then o->family, AF_UNSPEC: sockets for both). 0, or -EINVAL with the
 * reason in why. */
int nt_path_check_target(const struct path_opts *o, struct nt_paddr *dst,
			 char *why, size_t len);
/* Unprivileged: resolve o->target to the first address of a family pr
 * has sockets for (a literal in dst is kept). 0, or -errno with the
 * reason ("nosuch.invalid: Name or service not known") in why. */
int nt_path_resolve(const struct path_opts *o, const struct nt_prober *pr,
		    struct nt_paddr *dst, char *why, size_t len);

/* ---- the layer's state (path_layer.c) ---- */

struct path_st;
/* After open: the one note line to print when ICMP fell back to UDP
 * (no ping socket, no CAP_NET_RAW), else NULL. */
const char *nt_path_fallback_note(const struct path_st *x);

struct path_st {
	struct path_opts o;
	struct nt_prober *pr;        /* open .. free */
	struct nt_path *p;           /* the model, after collect */
	struct nt_path_row *rows;    /* rows of p, numeric as asked */
	size_t n;
	struct nt_path_rdns dns;
	double rdns_budget;          /* seconds after the run (1) */
	bool numeric;                /* g->numeric of collect */
	bool collected;              /* collect ran: later calls keep it */
	bool dropped;                /* privileges gone, read from the kernel */
	int err;                     /* first model error of the run */
	char local[256];             /* gethostname, for the table */
	/* Called after each cycle's probes are out, during collect (the
	 * command's live view; NULL for triage). */
	void (*on_cycle)(void *arg, const struct path_st *x, long cycle);
	void *on_cycle_arg;
};

/* The options of `path` into a zeroed state (cmd_path.c): defaults, then
 * argv (argv[0] the command name, then options, then HOST[:PORT], which
 * is copied); the target's syntax is checked, nothing is resolved. 0, 1
 * (--help printed) or -1 (usage error printed). */
int nt_path_parse_opts(struct path_st *x, int argc, char **argv);

/* ---- the live view (path_live.c) ---- */

struct nt_path_live {
	double last_draw;
};

/* nt_path_live_cycle is a path_st on_cycle: it redraws the screen from
 * the second cycle on, at most every 0.2 s; nt_path_live_clear clears the
 * screen for the final render. */
void nt_path_live_cycle(void *arg, const struct path_st *x, long cycle);
void nt_path_live_clear(void);

#endif
