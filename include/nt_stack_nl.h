/* stack: the netlink sources of the stack layer (nt_stack.h is the
 * layer's model): qdiscs (one RTM_GETQDISC dump, TCA_STATS2), the
 * neighbour tables (RTM_GETNEIGHTBL: arp_cache, ndisc_cache), and UDP
 * sockets with their drop counters (sock_diag, INET_DIAG_SKMEMINFO), only
 * for --top.
 *
 * Parsers take one netlink message (bytes in, struct out, no I/O); the
 * dump functions open a socket in the calling thread's namespace, run one
 * dump and return. All return 0 or -errno; none prints. */
#ifndef NT_STACK_NL_H
#define NT_STACK_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nlmsghdr;

/* ---- qdiscs ---- */

/* Bits of nt_qdisc.avail: which statistics the kernel sent (BASIC,
 * QUEUE), and what nt_stack_qdisc_rates found: DELTA (the qdisc was in
 * the baseline: *_delta valid), RATE (dt > 0: drops_rate valid), RESET
 * (a counter went down: a new qdisc, deltas are its totals). */
enum { NT_QD_BASIC, NT_QD_QUEUE, NT_QD_DELTA, NT_QD_RATE, NT_QD_RESET,
       NT_QD_WRAP, /* drops (a __u32) wrapped: drops_delta modulo 2^32 */
       NT_QD_COUNT };

struct nt_qdisc {
	char iface[16];         /* IFNAMSIZ; "if<index>" if the name is unknown */
	uint32_t ifindex;
	char kind[16];          /* TCA_KIND: "pfifo_fast", "tbf", "noqueue" */
	uint32_t handle, parent; /* tcm_handle, tcm_parent (TC_H_ROOT = root) */
	char handle_s[16];      /* "8001:", as tc prints it */
	char parent_s[16];      /* "root", "ffff:fff1", "1:10" */
	char subject[48];       /* "IFACE HANDLE PARENT": verdict subject */
	uint64_t avail;         /* NT_QD_* bits, and NT_STACK_AVAIL_* of the layer */
	/* TCA_STATS2 / TCA_STATS_BASIC (falls back to TCA_STATS) */
	uint64_t bytes, packets;
	/* TCA_STATS2 / TCA_STATS_QUEUE */
	uint32_t qlen, backlog, drops, requeues, overlimits;
	/* filled by nt_stack_qdisc_rates over a baseline; drop_pct is the
	 * percentage of the packets offered (sent + dropped) */
	double drops_rate, drop_pct; /* NaN when unknown */
	uint64_t drops_delta, packets_delta;
};

struct nt_qdisc_list {
	struct nt_qdisc *v;
	size_t n, cap;
};

void nt_qdisc_list_free(struct nt_qdisc_list *l);

/* Decode one RTM_NEWQDISC message into *q (iface filled as "" : the
 * caller names it from ifindex). -EINVAL for a short message or another
 * type, -EBADMSG for an attribute that runs past the message. */
int nt_stack_parse_qdisc(const struct nlmsghdr *nlh, struct nt_qdisc *q);

/* One RTM_GETQDISC dump of the calling thread's namespace; interface
 * names from one RTM_GETLINK dump (or if_indextoname). */
int nt_stack_qdisc_dump(struct nt_qdisc_list *l);
/* q->subject from iface, handle_s and parent_s: "va 8001: root",
 * "eth0 0: 8013:1" (unique per qdisc: mq children all have handle 0:). */
void nt_stack_qdisc_subject(struct nt_qdisc *q);

/* ---- neighbour tables (global: shared by every namespace) ---- */

struct nt_neightbl {
	char name[16];          /* "arp_cache", "ndisc_cache" */
	char scope[8];          /* "global": the table is shared by every netns */
	uint32_t family;        /* AF_INET, AF_INET6 */
	uint64_t avail;         /* which fields the kernel sent (NT_NT_* bits) */
	uint32_t thresh1, thresh2, thresh3; /* NDTA_THRESH1..3 */
	uint64_t gc_interval_ms;
	/* NDTA_CONFIG (struct ndt_config) */
	uint32_t entries;       /* ndtc_entries */
	double fill_pct;        /* entries / thresh3, NaN without both */
	/* NDTA_STATS (struct ndt_stats) */
	uint64_t allocs, destroys, hash_grows, res_failed, lookups, hits,
		 rcv_probes_mcast, rcv_probes_ucast, periodic_gc_runs,
		 forced_gc_runs, table_fulls;
	/* packets dropped while their neighbour was unresolved: not in
	 * NDTA_STATS, only in /proc/net/stat/{arp,ndisc}_cache (column
	 * "unresolved_discards", per CPU, summed) */
	uint64_t unresolved_discards;
};

/* NT_NT_FULLS: ndt_stats was long enough to hold table_fulls (older
 * kernels send a shorter struct, zero-filled). */
enum { NT_NT_THRESH, NT_NT_CONFIG, NT_NT_STATS, NT_NT_UNRES, NT_NT_FULLS,
       NT_NT_GC, NT_NT_COUNT };

struct nt_neightbl_list {
	struct nt_neightbl v[4];
	size_t n;
};

/* Decode one RTM_NEWNEIGHTBL message. Messages that carry only per-device
 * parameters (NDTA_PARMS with an ifindex, no NDTA_CONFIG/THRESH) are
 * returned with *global false: skip them. -EINVAL, -EBADMSG as above. */
int nt_stack_parse_neightbl(const struct nlmsghdr *nlh, struct nt_neightbl *t,
			    bool *global);

/* Parse /proc/net/stat/{arp_cache,ndisc_cache} (hex columns by header
 * name, one row per CPU) and sum the "unresolved_discards" column into
 * t->unresolved_discards (bit NT_NT_UNRES). -ENOENT when the column is
 * not there, -EINVAL when malformed. */
int nt_stack_parse_neigh_stat(const char *text, size_t len, struct nt_neightbl *t);

/* One RTM_GETNEIGHTBL dump (AF_UNSPEC: both tables), plus the
 * unresolved_discards columns. The kernel has those files in the initial
 * namespace only (the counters are global): from another namespace they
 * are read through /proc/1/net/stat when pid 1 is there, else left null. */
int nt_stack_neightbl_dump(struct nt_neightbl_list *l);

/* ---- UDP sockets with drops (--top) ---- */

/* Bits of nt_udp_sock.avail. */
enum { NT_US_MEM, NT_US_PROC, NT_US_COUNT };

struct nt_udp_sock {
	uint8_t family;         /* AF_INET, AF_INET6 */
	uint8_t src[16], dst[16]; /* network order */
	uint32_t sport, dport;  /* host order */
	uint32_t ipv;           /* 4 or 6 (the JSON "family") */
	char local[46], remote[46]; /* src, dst as text */
	uint64_t avail;         /* NT_US_* */
	uint32_t inode;
	uint32_t rqueue;        /* idiag_rqueue: bytes waiting */
	uint32_t rcvbuf;        /* SK_MEMINFO_RCVBUF */
	uint32_t rmem_alloc;    /* SK_MEMINFO_RMEM_ALLOC */
	uint32_t drops;         /* SK_MEMINFO_DROPS */
	bool have_mem;          /* INET_DIAG_SKMEMINFO present (drops valid) */
	int32_t pid;            /* --procs; 0 unknown */
	char comm[16];
	char subject[64];       /* "LOCAL:PORT" ("[v6]:port") */
};

struct nt_udp_list {
	struct nt_udp_sock *v;
	size_t n, cap;
	uint64_t seen;          /* sockets in the dump (before top-N) */
	unsigned intr;          /* dumps restarted for NLM_F_DUMP_INTR */
	int procs_err;          /* --procs: 0 or the /proc walk's -errno */
};

void nt_udp_list_free(struct nt_udp_list *l);

/* Decode one SOCK_DIAG_BY_FAMILY reply for UDP with INET_DIAG_SKMEMINFO. */
int nt_stack_parse_udp(const struct nlmsghdr *nlh, struct nt_udp_sock *s);

/* Dump UDP (v4 and v6) sockets with INET_DIAG_SKMEMINFO and keep the top
 * `top` by drops (ties: larger rqueue first), only sockets with drops > 0
 * or rqueue > 0. With procs, name each kept socket's process (the /proc
 * fd walk of tcp --procs, nt_tcp_procscan). */
int nt_stack_udp_top(struct nt_udp_list *l, unsigned top, bool procs);

/* The top-N keeping of nt_stack_udp_top, for canned input (tests, fuzz):
 * offer one socket to l (room for top sockets, l->cap >= top; counts
 * l->seen), then sort what is kept, worst first. */
void nt_udp_top_offer(struct nt_udp_list *l, unsigned top,
		      const struct nt_udp_sock *s);
void nt_udp_top_finish(struct nt_udp_list *l);
/* Append to each non-OK stack.udp verdict the top socket of its own
 * family (Udp: AF_INET, Udp6: AF_INET6; UdpLite*: none) with drops,
 * whose drops are lifetime counters (SK_MEMINFO_DROPS since the socket
 * was created): said in the reason. */
struct nt_verdicts;
void nt_stack_udp_name_top(const struct nt_udp_list *l, struct nt_verdicts *vs);

/* ---- judging, history, field tables of these sources ----
 * (implemented with the sources, src/stack/stack_nl*.c; the layer,
 * src/stack/stack_layer.c, calls them) */

struct nt_verdicts;
struct nt_hist;
struct nt_rectype;

struct nt_stack_nl_thresholds {
	double crit_qdisc_pct;   /* qdisc drops CRIT >= PCT % of packets (1) */
	double warn_neigh_pct;   /* entries WARN >= PCT % of gc_thresh3 (75) */
	double crit_neigh_pct;   /* entries CRIT >= PCT % of gc_thresh3 (90) */
};
void nt_stack_nl_thresholds_default(struct nt_stack_nl_thresholds *t);

/* Rates and deltas of cur against prev over dt seconds (prev NULL: none,
 * fields NaN/0). A qdisc is the same one when (ifindex, handle, parent,
 * kind) match. packets going down is a new qdisc (deltas: its totals,
 * NT_QD_RESET); drops (__u32 in gnet_stats_queue) going down while
 * packets did not is a 32-bit wrap (NT_QD_WRAP) when plausible. */
void nt_stack_qdisc_rates(struct nt_qdisc_list *cur,
			  const struct nt_qdisc_list *prev, double dt);

/* Verdicts (check "stack.qdisc", subject "IFACE HANDLE PARENT", e.g.
 * "veth0 8001: root", "eth0 0: 8013:1"; an mq/mqprio root whose children
 * are in the list is not judged: its counters are their sum; "stack.neigh",
 * subject the table name). prev NULL: judge
 * since-boot totals and say `since` in the reason. The neighbour tables
 * are global: their verdicts only when judge_global. Every WARN/CRIT has
 * a hint. */
void nt_stack_qdisc_verdicts(const struct nt_qdisc_list *cur, bool have_prev,
			     const struct nt_stack_nl_thresholds *t,
			     struct nt_verdicts *vs, const char *since);
void nt_stack_neigh_verdicts(const struct nt_neightbl_list *cur,
			     const struct nt_neightbl_list *prev,
			     const struct nt_stack_nl_thresholds *t,
			     struct nt_verdicts *vs, const char *since);

/* History: put the counters into h (subjects "qdisc:IFINDEX:HANDLE:PARENT",
 * "neigh:TABLE"), and get them back (entries the layout does not match are
 * skipped). 0 or -ENOMEM. */
int nt_stack_nl_hist_put(const struct nt_qdisc_list *q,
			 const struct nt_neightbl_list *t, struct nt_hist *h);
int nt_stack_nl_hist_get(const struct nt_hist *h, struct nt_qdisc_list *q,
			 struct nt_neightbl_list *t);

/* Field tables: JSON arrays "qdiscs", "neigh_tables" (each record has
 * "scope": "global"), "udp_top"; Prometheus nettriage_stack_qdisc_*,
 * nettriage_stack_neigh_*, nettriage_stack_udp_sock_*. Subject offsets
 * match the verdict subjects above. */
extern const struct nt_rectype nt_qdisc_rectype;
extern const struct nt_rectype nt_neightbl_rectype;
extern const struct nt_rectype nt_udp_sock_rectype;

#endif
