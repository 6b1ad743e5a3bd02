/* capture: what the command, the source, the layer and the renderers
 * share (private to src/capture/). The decoder, the flow table and the
 * sequence analysis are behind include/nt_capture.h. */
#ifndef NT_CAPTURE_INT_H
#define NT_CAPTURE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "nt_capture.h"
#include "nt_layer.h"
#include "nt_output.h"

enum cap_sort { CAP_SORT_RETRANS, CAP_SORT_RST, CAP_SORT_RTT, CAP_SORT_BYTES,
		CAP_SORT_ZW };

#define CAP_DEF_TOP 10
#define CAP_MAX_TOP 10000
#define CAP_DEF_FLOWS 100000
#define CAP_MAX_FLOWS 10000000
#define CAP_DEF_LIVE_S 10.0     /* -d without -t or -C */
#define CAP_MAX_S 86400.0
#define CAP_DEF_BUFFER_MIB 32
#define CAP_SNAP_HEADERS 256    /* -d without -w: headers only */
#define CAP_SNAP_FULL 262144    /* with -w: whole frames */
#define CAP_MIN_SEGMENTS 100    /* --min-segments: fewer data segments, the ratio not judged */
#define CAP_WARN_ZW_MS 100.0    /* --warn-zero-window: a shorter stall is flow control */
#define CAP_MIN_SNAP 128        /* --snaplen: SLL2 + IPv6 + TCP with 40 option bytes is 120 */

struct cap_opts {
	char *file;          /* -r, owned */
	char *iface;         /* -d, owned */
	char *wfile;         /* -w, owned */
	char *filter;        /* the operands joined with spaces, owned; NULL none */
	double seconds;      /* -t; 0 not given */
	long count;          /* -C; 0 not given */
	unsigned top;
	enum cap_sort sort;
	uint32_t max_flows;
	long snaplen;        /* 0: the default */
	long buffer_mib;
	bool promisc;
	double warn_retrans, crit_retrans; /* percent */
	uint64_t min_segments; /* data segments before the ratio is judged */
	double warn_zw_ms;   /* a flow's zero_window_ms that WARNs */
};

/* One flow as rendered (nt_cap_flow_rectype): plain values only. */
struct cap_flowrec {
	char subject[64];    /* "SRC:SPORT-DST:DPORT" ([v6]:port), "#N" for the
			      * Nth conversation on a reused 5-tuple */
	char src[48], dst[48];
	uint32_t sport, dport;
	char family[8];      /* "ipv4" / "ipv6" */
	struct nt_cap_counts c;
	double handshake_rtt_ms, irtt_ms;
	double rtt_min, rtt_mean, rtt_p99;
	uint64_t rtt_samples;
	uint64_t id;         /* creation order: the sort's last tie-break */
	unsigned zw_side;    /* 1: the client advertised a zero window, 2: the server */
	uint64_t avail;      /* CAP_FAV_FLOW: a flow (not the table's totals row) */
};
enum { CAP_FAV_FLOW };

/* The totals (nt_cap_totals_rectype): every flow seen, evicted included. */
struct cap_totrec {
	struct nt_cap_counts c;
	double rtt_min, rtt_mean, rtt_p99;
	uint64_t rtt_samples;
};

/* The capture's own counts (nt_cap_summary_rectype). */
enum { CAP_AV_DROPPED, CAP_AV_IFDROPPED, CAP_AV_FILE, CAP_AV_IFACE, CAP_AV_FILTER };
#define CAP_MAX_FILTER 1024     /* bytes of BPF filter text, NUL included */
struct cap_summary {
	/* JSON "source" */
	char kind[8];        /* "file" / "live" */
	char file[4096];     /* -r (CAP_AV_FILE) */
	char iface[64];      /* -d (CAP_AV_IFACE) */
	char linktype[32];
	char filter[CAP_MAX_FILTER]; /* CAP_AV_FILTER */
	double duration_s;
	uint64_t packets;    /* frames read */
	uint64_t tcp_packets, icmp_errors, other;
	uint64_t malformed, truncated, unsupported;
	uint64_t dropped, if_dropped;
	uint64_t flows_total, evicted;
	uint64_t avail;      /* CAP_AV_* */
};

/* The libpcap side (capture_src.c). */
struct cap_src {
	void *pcap;          /* pcap_t */
	void *dumper;        /* pcap_dumper_t (-w) */
	int dlt;
	char linktype[32];
	bool nano;           /* timestamps in ns (else us) */
	bool live;
	/* the two stages of open (nt_cap_src_acquire, nt_cap_src_start) */
	void *in;            /* FILE * of -r between the stages (then pcap's) */
	void *wfp;           /* FILE * of -w (ours: closed by nt_cap_src_run) */
	bool started;        /* nt_cap_src_start has run */
	int werr;            /* errno of -w's first failed write, 0 none */
	/* live: promiscuous mode in effect (--promisc, not "any", no
	 * PCAP_WARNING_PROMISC_NOTSUP): only then is if_dropped counted */
	bool promisc;
	int activate_warning; /* pcap_activate's warning (> 0), 0 none */
	/* live: pcap_stats failed at the end (no drop counts), and why */
	bool stats_failed;
	char stats_err[256];
	/* -r with -t: the first frame's stamp, the start of capture time */
	uint64_t t0_ns;
	bool have_t0;
};

struct capture_st {
	struct cap_opts o;
	struct cap_src s;
	struct nt_cap_table t;
	bool table_ok;
	bool dropped_privs;  /* open dropped them (the command) */
	bool collected;
	double duration_s;
	uint64_t first_ns, last_ns;
	bool stopped;        /* a signal ended it */
	bool stopped_by_time; /* -t with -r: capture time past SEC */
	bool file_cut;       /* the file's last frame is cut short */
	struct cap_summary sum;
	struct cap_totrec tot;
	struct cap_flowrec *top; /* o.top slots, from open */
	size_t ntop;
	/* the worst flow per check, for the verdicts (any flow in the table) */
	struct cap_flowrec worst_rst, worst_zw, worst_retrans;
	bool have_rst, have_zw, have_retrans;
};

int nt_capture_parse_opts(int argc, char **argv, struct cap_opts *o);
void nt_capture_opts_free(struct cap_opts *o);

/* Open the file or interface, the filter and -w. 0 or -errno with why
 * (one line); -EINVAL also for a non-pcap file or a bad filter. */
int nt_cap_src_open(struct cap_src *s, const struct cap_opts *o, char *why, size_t len);
/* nt_cap_src_open in two stages, for a caller that drops privileges in
 * between (the command: see capture_layer.c's open).
 * acquire, privileged: -r's file opened (fopen: nothing of it read), -w's
 * file opened (refused when it is -r's file, by device and inode, through
 * links), or the interface created and activated with its filter.
 * start, unprivileged: -r's headers parsed (pcap or pcapng), its link
 * type and filter, the -w writer. 0 or -errno with why (one line); start
 * after a successful start is 0. nt_cap_src_open is acquire then start. */
int nt_cap_src_acquire(struct cap_src *s, const struct cap_opts *o, char *why, size_t len);
int nt_cap_src_start(struct cap_src *s, const struct cap_opts *o, char *why, size_t len);
/* Read until the end of the file, -t, -C or a stop signal, into x. */
int nt_cap_src_run(struct capture_st *x, char *why, size_t len);
void nt_cap_src_close(struct cap_src *s);

/* Rendering (capture_fields.c, capture_render.c). */
extern const struct nt_rectype nt_cap_flow_rectype;
extern const struct nt_rectype nt_cap_totals_rectype;
extern const struct nt_rectype nt_cap_summary_rectype;
/* ord: the flow's place among the conversations on its 5-tuple (1, 2,
 * ... by id; 0 or 1: no suffix on the subject) */
void nt_cap_flowrec(struct cap_flowrec *r, const struct nt_cap_flow *f, uint64_t ord);
/* Whether a sorts before b under sort (worst first, deterministic). */
bool nt_cap_before(const struct cap_flowrec *a, const struct cap_flowrec *b,
		   enum cap_sort sort);
const char *nt_cap_sort_name(enum cap_sort s);
void nt_capture_table(void *st, FILE *f, const struct nt_layer_ctx *c,
		      const struct nt_baseline *b, const struct nt_verdicts *vs);
void nt_capture_emit(void *st, struct nt_doc *d, const struct nt_layer_ctx *c,
		     const struct nt_baseline *b);

#endif
