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
#include <termios.h>
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
	double rate;           /* --rate PPS, 0: none */
	const char *log_path;  /* --log FILE, NULL: none (into argv) */
	bool multi;            /* set before parsing: more than one HOST allowed */
	int first_operand, noperands; /* argv index and count of the HOSTs */
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
	/* Called for every engine event after the model took it, during
	 * collect, in the probing thread (the live view; NULL for triage). */
	void (*on_event)(void *arg, const struct path_st *x,
			 const struct nt_probe_event *ev);
	void *on_event_arg;
	struct nt_path_log *log;     /* --log: this state's lines, NULL none */
	struct nt_path_group *group; /* several targets: the run's, NULL one */
	int group_idx;               /* this state's index in group */
	uint64_t siblings;           /* replies to the other targets' probes */
};

/* The targets of one `path A B C` run (cmd_path.c): each state puts its
 * address here once resolved (collect), so a reply another target's
 * prober sent for is told from a foreign one: with raw sockets every
 * prober reads every ICMP message of the host. */
#define NT_PATH_GROUP_MAX 256
struct nt_path_group {
	pthread_mutex_t mu;
	int n;
	struct nt_paddr dst[NT_PATH_GROUP_MAX]; /* family 0: not resolved yet */
};

/* Put x's destination in its group (nothing without a group). */
void nt_path_group_join(struct path_st *x);
/* Whether a reply not ours answers a probe to another target of the
 * group: an echo reply from it or an error quoting a packet to it. */
bool nt_path_group_sibling(const struct path_st *x, const struct nt_probe_reply *r);

/* ---- the command (cmd_path.c, cmd_path_multi.c) ---- */

/* Several targets (cmd_path_multi.c): x0 is the first, parsed; rate and
 * logfd (-1: none) are the run's. The exit status. */
int nt_path_cmd_multi(struct path_st *x0, int argc, char **argv, struct nt_global *g,
		      struct nt_probe_rate *rate, int logfd);
/* After the results: one line when x's --log stopped on an error. */
void nt_path_log_report(const struct path_st *x);

/* ---- the loss log (path_log.c) ---- */

/* --log FILE: NDJSON, one line per probe outcome, written with one
 * write(2) per cycle to an O_APPEND descriptor that several states (one
 * per target, each in its own thread) share: lines never interleave. */
struct nt_path_log {
	int fd;                /* shared, not owned */
	const char *target;    /* as given */
	char *buf;
	size_t len, cap;
	int err;               /* first error, -errno: logging stops */
	uint64_t buffered;     /* lines in buf */
	uint64_t lost;         /* lines not written because of err */
};

/* Open FILE for --log before any privilege is dropped (O_WRONLY |
 * O_APPEND | O_CREAT, 0640, created by the caller's uid). The fd or
 * -errno. */
int nt_path_log_open(const char *path);
/* A line for ev when it ends a probe (reply, lost, late, cancelled,
 * held back); the buffer goes out at each NT_EV_CYCLE and at flush. */
void nt_path_log_event(struct nt_path_log *l, const struct nt_probe_event *ev);
/* Write what is buffered; the first error stops the log (err, err_cycle)
 * but never the measurement: the command reports it after the results. */
int nt_path_log_flush(struct nt_path_log *l);

/* The options of `path` into a zeroed state (cmd_path.c): defaults, then
 * argv (argv[0] the command name, then options, then HOST[:PORT], which
 * is copied); the target's syntax is checked, nothing is resolved. 0, 1
 * (--help printed) or -1 (usage error printed). */
int nt_path_parse_opts(struct path_st *x, int argc, char **argv);

/* ---- the sparkline model (path_spark.c) ---- */

#define NT_SPARK_LEN 128       /* cycles kept per hop */
#define NT_SPARK_FLAT_MS 0.001 /* a smaller range is drawn flat */

enum { NT_SPK_NONE, NT_SPK_PENDING, NT_SPK_RTT, NT_SPK_LOST, NT_SPK_LATE };

struct nt_spark_cell {
	long cycle;      /* the probe's cycle (0-based) */
	uint8_t st;      /* NT_SPK_* */
	double ms;       /* NT_SPK_RTT */
};

struct nt_spark_hop {
	struct nt_spark_cell c[NT_SPARK_LEN]; /* [cycle % NT_SPARK_LEN] */
};

/* The outcome of every TTL's last NT_SPARK_LEN cycles. */
struct nt_spark_set {
	long newest;     /* highest cycle sent, -1 none */
	struct nt_spark_hop hop[NT_PATH_MAX_TTL + 1];
};

void nt_spark_reset(struct nt_spark_set *s);
/* Feed one engine event: SENT opens the probe's cell (a skipped probe
 * leaves it empty), REPLY sets its RTT, LOST marks it lost, LATE turns it
 * late, CANCEL empties it. Events of cycles no longer in the ring are
 * ignored. */
void nt_spark_event(struct nt_spark_set *s, const struct nt_probe_event *ev);
/* Smallest and largest RTT among the cycles newest-width+1 .. newest of
 * one hop's ring (+-INFINITY when none); returns how many RTTs there are. */
int nt_spark_scale(const struct nt_spark_hop *h, long newest, int width,
		   double *lo, double *hi);
/* The bar 0..7 of v on the scale lo..hi (0 when hi - lo < NT_SPARK_FLAT_MS). */
int nt_spark_level(double v, double lo, double hi);
/* The cycles newest-width+1 .. newest of one hop, oldest first, into buf (NUL-terminated,
 * cut to fit len): a bar per RTT (U+2581..U+2588, or "_-~=+*#@" without
 * UTF-8), U+00B7 (".") lost, "?" late, " " not sent, pending or not in
 * the ring. *lo and *hi are the scale (nt_spark_scale). Returns the
 * bytes written. */
size_t nt_spark_render(const struct nt_spark_hop *h, long newest, int width,
		       bool utf8, char *buf, size_t len, double *lo, double *hi);

/* ---- the live view (path_live.c) ---- */

struct nt_global;

/* The live view's P99 and JITTER are over each responder's last this many
 * replies (the report's over all): a frame's cost does not grow with the
 * run. */
#define NT_LIVE_WINDOW 1024

/* nt_path_rows (numeric) for the live view: percentiles and jitter of
 * each responder's last NT_LIVE_WINDOW replies; last, min, mean, max,
 * stddev, loss and counts of the whole run. 0 or -ENOMEM. */
int nt_path_live_rows(const struct nt_path *p, struct nt_path_row **rows,
		      size_t *n);

enum { NT_LIVE_BOTH, NT_LIVE_STATS, NT_LIVE_SPARKS };

/* What one screen shows, made by the probing thread from the model and
 * the rings, drawn by the view's thread (nothing in it points into the
 * model). */
struct nt_live_frame {
	struct nt_path_row *rows;    /* numeric; host: a finished lookup */
	size_t n;
	struct nt_spark_hop *hop;    /* per row: a copy of its TTL's ring */
	long newest;                 /* last cycle the sparklines show */
	char target[256], ip[64];
	const char *mode, *family;
	long cycles, total, since;   /* since: cycles since r, -1 none */
	bool numeric;
};

/* The live view of one path_st on the controlling terminal (the command
 * only: one per process). Its own thread reads the keys and draws; the
 * probing thread only feeds the rings, resets on r and hands over a
 * frame (a pointer swap under the mutex, a byte down a non-blocking
 * pipe): it never waits for the terminal. */
struct nt_path_live {
	int in, out;                 /* terminal fds (stdin, stdout) */
	bool raw;                    /* saved holds the terminal's modes */
	bool screen;                 /* alternate screen entered */
	bool utf8;
	struct termios saved;
	pthread_t ui, prober;
	bool ui_on;
	int wake[2];                 /* ends the view's thread */
	int note[2];                 /* a new frame (write end non-blocking) */
	pthread_mutex_t mu;          /* guards next */
	struct nt_live_frame *next;  /* handed over, not yet taken */
	struct nt_live_frame *shown; /* the view thread's own */
	atomic_int quit, reset;
	int paused, names, display;  /* the view thread's own */
	double last_frame, frame_gap; /* probing thread's own */
	long reset_cycle;            /* probing thread's own; -1 none */
	struct nt_spark_set *spark;  /* probing thread's own */
};

/* Take the terminal (alternate screen, no echo, keys one by one), start
 * the key thread and set x->on_event. 0 or -errno (nothing left taken). */
int nt_path_live_start(struct nt_path_live *l, struct path_st *x,
		       const struct nt_global *g);
/* Stop the key thread and give the terminal back as it was. Safe to
 * call more than once, and on a live view never started. */
void nt_path_live_stop(struct nt_path_live *l);
/* Whether q ended the run. */
bool nt_path_live_quit(const struct nt_path_live *l);
/* An on_event hook for --report on a terminal: "cycle N/M" on stderr
 * (arg unused), erased by nt_path_progress_end. */
void nt_path_progress_event(void *arg, const struct path_st *x,
			    const struct nt_probe_event *ev);
void nt_path_progress_end(void);

#endif
