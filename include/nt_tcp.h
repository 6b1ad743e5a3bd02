/* tcp: socket states (sock_diag), TCP counters (/proc/net/snmp and
 * /proc/net/netstat), CLOSE-WAIT and accept-queue attribution, and
 * per-socket retransmit detail (model, parsers, collectors). */
#ifndef NT_TCP_H
#define NT_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "nt_output.h"

/* Kernel TCP states 1..12 (include/net/tcp_states.h); index = state - 1.
 * new_syn_recv is what request sockets are internally; sock_diag reports
 * them as syn_recv, so its count is normally 0. */
#define NT_TCP_NSTATES 12
#define NT_TCP_ESTABLISHED 1
#define NT_TCP_SYN_RECV 3
#define NT_TCP_TIME_WAIT 6
#define NT_TCP_CLOSE_WAIT 8
#define NT_TCP_LISTEN 10
#define NT_TCP_NEW_SYN_RECV 12
#define NT_TCP_ALL_STATES 0x1ffeu /* bits 1..12 */

/* JSON/Prometheus names ("established", "syn_sent", ...), index state-1. */
extern const char *const nt_tcp_state_names[NT_TCP_NSTATES];

/* Parse a comma-separated list of state names ("established,time-wait",
 * ss spellings accepted, "all") into an idiag_states bit mask. Returns 0,
 * or -EINVAL with the offending name copied into bad (cut to badlen - 1
 * bytes; "" for an empty element). */
int nt_tcp_parse_states(const char *list, uint32_t *mask, char *bad, size_t badlen);

/* ---- counters (/proc/net/snmp "Tcp:", /proc/net/netstat "TcpExt:") ---- */

struct nt_tcp_ctr {
	char name[48];   /* the kernel's name: "RetransSegs" */
	uint64_t v;      /* magnitude */
	bool neg;        /* printed negative by the kernel (MaxConn -1) */
};

struct nt_tcp_ctrs {
	struct nt_tcp_ctr *v;
	size_t n, cap;
	bool present;    /* the prefix lines were found */
};

void nt_tcp_ctrs_free(struct nt_tcp_ctrs *c);

/* Parse the "PREFIX: names" / "PREFIX: values" line pair out of text (len
 * bytes, need not be NUL-terminated), by header name; every field is
 * kept, in the kernel's order. The prefix must match the whole word
 * before the colon ("Tcp" does not match "TcpExt"). Returns 0, -ENOENT
 * when no PREFIX lines exist, -EINVAL when malformed (no value line,
 * count mismatch, a value that is not a number, a name too long or
 * repeated), -ENOMEM. On error c is left empty. */
int nt_tcp_parse_counters(const char *text, size_t len, const char *prefix,
			  struct nt_tcp_ctrs *c);

/* Value of a counter by kernel name; false if absent (or negative). */
bool nt_tcp_ctr_get(const struct nt_tcp_ctrs *c, const char *name, uint64_t *v);

/* True for the Tcp fields that are gauges or constants, not counters
 * (RtoAlgorithm, RtoMin, RtoMax, MaxConn, CurrEstab). */
bool nt_tcp_ctr_is_gauge(const char *name);

/* "RetransSegs" -> "retrans_segs", "TCPLostRetransmit" ->
 * "tcp_lost_retransmit" (Prometheus names). Returns 0 or -ENOSPC. */
int nt_tcp_snake(const char *name, char *buf, size_t len);

/* ---- inet_diag messages ---- */

/* Bits of nt_tcp_info.avail: which tcp_info fields the kernel sent. */
enum {
	NT_TI_TOTAL_RETRANS, NT_TI_RETRANS, NT_TI_LOST, NT_TI_BYTES_RETRANS,
	NT_TI_TOTAL_RTO, NT_TI_RTT, NT_TI_RTTVAR, NT_TI_CWND, NT_TI_COUNT
};

/* The struct tcp_info fields we use, by their fixed ABI offsets, so a
 * shorter struct from an older kernel zero-fills the rest. */
struct nt_tcp_info {
	uint64_t avail;           /* bit NT_TI_*: present in the payload */
	uint32_t total_retrans;   /* tcpi_total_retrans */
	uint32_t retrans;         /* tcpi_retrans: currently unacked retransmits */
	uint32_t lost;            /* tcpi_lost */
	uint64_t bytes_retrans;   /* tcpi_bytes_retrans (4.19+) */
	uint32_t total_rto;       /* tcpi_total_rto (6.7+) */
	uint32_t rtt_us, rttvar_us;
	uint32_t cwnd;            /* tcpi_snd_cwnd, segments */
};

/* Offsets into struct tcp_info (linux/tcp.h ABI). */
#define NT_TI_OFF_LOST 32u
#define NT_TI_OFF_RETRANS 36u
#define NT_TI_OFF_RTT 68u
#define NT_TI_OFF_RTTVAR 72u
#define NT_TI_OFF_CWND 80u
#define NT_TI_OFF_TOTAL_RETRANS 100u
#define NT_TI_OFF_BYTES_RETRANS 208u
#define NT_TI_OFF_TOTAL_RTO 240u /* __u16 */

/* One SOCK_DIAG_BY_FAMILY reply, decoded. Addresses in network order. */
struct nt_tcp_diag {
	uint8_t family, state;
	uint16_t sport, dport;    /* host order */
	uint8_t src[16], dst[16];
	uint32_t rqueue, wqueue, inode;
	bool have_info;           /* INET_DIAG_INFO attribute present */
	struct nt_tcp_info info;
};

/* Decode one message. The fixed inet_diag_msg header is always decoded;
 * attributes only when attrs is true (the counting path skips them).
 * Returns 0, -EINVAL for a message too short for its header or of another
 * type, -EBADMSG for an attribute that runs past the message. */
struct nlmsghdr;
int nt_tcp_parse_diag(const struct nlmsghdr *nlh, bool attrs,
		      struct nt_tcp_diag *out);

/* Decode a tcp_info payload of any length. */
void nt_tcp_parse_info(const void *p, size_t len, struct nt_tcp_info *out);

/* ---- one sample: histogram and attribution ---- */

struct nt_tcp_listen {
	char subject[64];         /* "addr:port", verdict subject */
	char addr[46];
	uint32_t port;
	uint32_t family;          /* 4 or 6 */
	uint32_t queue;           /* idiag_rqueue: connections waiting for accept() */
	uint32_t backlog;         /* idiag_wqueue: the listen() backlog */
	double fill_pct;
	bool full;                /* fill >= the threshold */
	uint32_t inode;
	int32_t pid;              /* --procs; 0 = unknown */
	char process[20];
	uint64_t avail;           /* bit 0: pid/process known */
};

/* CLOSE-WAIT sockets grouped where the operator can act: by the local
 * service port when this host is the server (the port is a listener's,
 * or outside the ephemeral range), else by the peer service a client
 * here talks to (its address and port), never by an ephemeral port. */
struct nt_tcp_cw_count {
	char subject[64];         /* "local port 8080", "peer 192.0.2.1:443" */
	char side[8];             /* "local" or "peer" */
	char addr[46];            /* the peer's address (side "peer") */
	uint32_t port;            /* local service port, or the peer's */
	uint64_t sockets;
	uint64_t avail;           /* bit 0: addr */
};

/* A CLOSE-WAIT socket whose local port is in the ephemeral range, kept
 * until the dump has shown every listener. */
struct nt_tcp_cw_sock {
	uint8_t family;
	uint8_t dst[16];
	uint16_t sport, dport;
};

/* CLOSE-WAIT sockets of clients, by peer service. */
struct nt_tcp_cw_peer {
	uint8_t family;
	uint8_t addr[16];
	uint16_t port;
	uint64_t sockets;
};

/* ---- ephemeral ports ----
 * Sockets holding a local port from the ephemeral allocator, counted per
 * destination (local address, remote address, remote port): connect()
 * needs a free local port per 4-tuple, so one destination exhausts its
 * usable ports while another can still reuse them. Counted: every state
 * but LISTEN (TIME-WAIT included) whose local port lies inside
 * net.ipv4.ip_local_port_range, is not in ip_local_reserved_ports and
 * has no listener (a listener's port is a server's; the kernel never
 * hands it to connect()). v4-mapped IPv6 addresses count as IPv4. */
#define NT_TCP_EPH_CAP 16384  /* destinations tracked; more: untracked */

/* Parse ip_local_port_range text ("32768\t60999\n"). 0, or -EINVAL for
 * anything but two port numbers lo <= hi (1..65535) and white space. */
int nt_tcp_parse_port_range(const char *text, size_t len, uint16_t *lo, uint16_t *hi);

/* Parse ip_local_reserved_ports text ("a-b,c,d-e\n", "" or "\n" for none)
 * into a 65536-bit map (bit p: port p reserved; the map is cleared first).
 * 0, or -EINVAL for a malformed list (a number above 65535, a range
 * a-b with a > b, empty elements, other characters); the map is then
 * left empty. */
int nt_tcp_parse_reserved(const char *text, size_t len, uint8_t map[65536 / 8]);

/* Ports of [lo, hi] not reserved in map. */
uint32_t nt_tcp_usable_ports(uint16_t lo, uint16_t hi, const uint8_t map[65536 / 8]);

struct nt_tcp_eph_key {
	uint8_t family;           /* AF_INET or AF_INET6 (v4-mapped: AF_INET) */
	uint8_t pad;
	uint16_t rport;
	uint8_t laddr[16], raddr[16]; /* network order; IPv4 in the first 4 */
};

struct nt_tcp_eph_ent {
	struct nt_tcp_eph_key k;
	uint32_t sockets;         /* 0: an empty slot */
};

/* One destination of the top list (record "ephemeral_top"). */
struct nt_tcp_eph_count {
	char subject[64];         /* "LADDR -> RADDR:RPORT" (cut to fit) */
	char laddr[46], raddr[46];
	uint32_t rport;
	uint64_t sockets;         /* local ephemeral ports held towards it */
	uint64_t usable;          /* usable ports of the range */
	double in_use_pct;        /* sockets / usable */
};

/* The range and the totals (JSON "ephemeral", nettriage_tcp_ephemeral_*). */
struct nt_tcp_eph_info {
	uint32_t range_lo, range_hi;
	uint64_t reserved;        /* reserved ports inside the range */
	uint64_t usable;          /* range size minus reserved */
	uint64_t sockets;         /* sockets counted */
	uint64_t destinations;    /* destinations tracked */
	uint64_t untracked;       /* sockets to destinations beyond the cap */
	uint64_t avail;           /* bit 0: reserved list read */
};

struct nt_tcp_proc_count {
	int32_t pid;
	char process[20];
	uint64_t sockets;
};

struct nt_tcp_sample {
	uint64_t states[NT_TCP_NSTATES];
	uint64_t total, v4, v6;
	uint32_t mask;            /* states asked for */
	/* The ephemeral port range (net.ipv4.ip_local_port_range of the
	 * namespace); eph_hi 0: the kernel's default, 32768-60999. */
	uint16_t eph_lo, eph_hi;
	/* CLOSE-WAIT per local service port: 65536 counters, allocated at
	 * the first CLOSE-WAIT socket. */
	uint32_t *cw_ports;
	/* CLOSE-WAIT sockets on ephemeral local ports, then (after
	 * nt_tcp_cw_group) the client ones by peer service. */
	struct nt_tcp_cw_sock *cw_socks;
	size_t n_cw_socks, cap_cw_socks;
	struct nt_tcp_cw_peer *cw_peers;
	size_t n_cw_peers, cap_cw_peers;
	/* Ports with a listener, a bit each (listeners are dumped whenever
	 * CLOSE-WAIT or ephemeral ports are counted, asked for or not). */
	uint8_t listen_ports[65536 / 8];
	/* Inodes of CLOSE-WAIT sockets, kept only with keep_inodes. */
	bool keep_inodes;
	uint32_t *cw_inodes;
	size_t n_cw_inodes, cap_cw_inodes;
	struct nt_tcp_listen *listen;
	size_t n_listen, cap_listen;
	double queue_warn_pct;    /* sets nt_tcp_listen.full */
	unsigned skipped, dumps;
	/* Ephemeral ports: counted when eph_on (set by the caller: every
	 * state but LISTEN asked for, and the range read: eph_hi != 0);
	 * eph_resv is ip_local_reserved_ports. The hash (open addressing,
	 * eph_slots a power of two, grown to at most 2 * NT_TCP_EPH_CAP)
	 * is allocated at the first such socket and kept by reset. */
	bool eph_on, eph_resv_ok;
	uint8_t eph_resv[65536 / 8];
	struct nt_tcp_eph_ent *eph;
	size_t eph_slots, eph_n;
	uint64_t eph_sockets, eph_untracked;
};

void nt_tcp_sample_reset(struct nt_tcp_sample *s); /* keeps buffers */
void nt_tcp_sample_free(struct nt_tcp_sample *s);

/* nt_nl_walk callback: count one SOCK_DIAG_BY_FAMILY message into the
 * struct nt_tcp_sample at data (header only, no attributes). Sockets in
 * states not in s->mask are not counted (a listener still marks its
 * port). */
int nt_tcp_count_cb(const struct nlmsghdr *nlh, void *data);

/* After the walk: the CLOSE-WAIT sockets on ephemeral ports go to their
 * local port when it has a listener, else to their peer service
 * (cw_peers, sorted by family, address, port). 0 or -ENOMEM. */
int nt_tcp_cw_group(struct nt_tcp_sample *s);

/* Count one socket (state not LISTEN) into the ephemeral hash of s when
 * its local port is ephemeral (above). 0 or -ENOMEM. */
int nt_tcp_eph_count(struct nt_tcp_sample *s, const struct nt_tcp_diag *d);

/* The n destinations holding the most ephemeral ports (most first; a tie:
 * the order of the keys, so the list is deterministic), each against
 * usable ports. Returns the
 * count. */
size_t nt_tcp_eph_top(const struct nt_tcp_sample *s, uint64_t usable,
		      struct nt_tcp_eph_count *out, size_t n);

/* The range and totals of s (usable from nt_tcp_usable_ports). */
void nt_tcp_eph_info(const struct nt_tcp_sample *s, struct nt_tcp_eph_info *out);

/* Top CLOSE-WAIT groups (most sockets first; then local before peer,
 * lower port, lower address), up to n. */
size_t nt_tcp_cw_top(const struct nt_tcp_sample *s, struct nt_tcp_cw_count *out,
		     size_t n);

/* The states a dump asks the kernel for: s->mask, plus LISTEN when
 * CLOSE-WAIT or ephemeral ports are counted (to tell server sockets
 * from client ones; the kernel dumps a family's listeners first). */
uint32_t nt_tcp_dump_mask(const struct nt_tcp_sample *s);

/* Dump both families into s (reset first), retrying the pair when a dump
 * was interrupted (NLM_F_DUMP_INTR), then nt_tcp_cw_group. Returns 0 or
 * -errno. */
int nt_tcp_dump_states(struct nt_tcp_sample *s);

/* The same from a buffer of SOCK_DIAG_BY_FAMILY replies (a canned dump:
 * the NETTRIAGE_TCP_DIAG test seam, unit tests). 0 or -errno. */
int nt_tcp_count_buf(struct nt_tcp_sample *s, const void *buf, size_t len);

/* ---- per-socket detail (--top) ---- */

struct nt_tcp_filter {
	bool has_dst;
	uint8_t dst_family;       /* AF_INET or AF_INET6 */
	uint8_t dst_prefix;
	uint8_t dst[16];
	int32_t dport, sport;     /* -1: any */
};

/* Parse "ADDR" or "ADDR/PREFIX" for --dst. Returns 0 or -EINVAL. */
int nt_tcp_parse_dst(const char *s, struct nt_tcp_filter *f);

/* Kernel filter (INET_DIAG_REQ_BYTECODE payload) for f, or 0 bytes when f
 * filters nothing. Returns the length, or -ENOSPC. */
int nt_tcp_bytecode(const struct nt_tcp_filter *f, void *buf, size_t len);

struct nt_tcp_sock {
	char src[46];
	uint32_t sport;
	char dst[46];
	uint32_t dport;
	char state[16];
	uint32_t inode;
	uint64_t avail;           /* NT_TI_* bits */
	uint64_t total_retrans, retrans, lost, bytes_retrans, total_rto, cwnd;
	double rtt_ms, rttvar_ms;
};

/* Keeps the n sockets with the most retransmits (a min-heap). */
struct nt_tcp_top {
	struct nt_tcp_sock *v;
	size_t n, cap;            /* cap = N asked for */
	uint64_t seen;            /* sockets examined */
	unsigned short_info;      /* replies whose tcp_info lacked a field */
};

int nt_tcp_top_init(struct nt_tcp_top *t, size_t n);
void nt_tcp_top_free(struct nt_tcp_top *t);
/* Offer one decoded socket; returns 0 or -ENOMEM. */
int nt_tcp_top_offer(struct nt_tcp_top *t, const struct nt_tcp_diag *d);
/* Sort the kept sockets, most retransmits first. */
void nt_tcp_top_sort(struct nt_tcp_top *t);
/* nt_nl_walk callback (data: struct nt_tcp_top). */
int nt_tcp_top_cb(const struct nlmsghdr *nlh, void *data);

/* One dump per family with INET_DIAG_INFO and the kernel filter f,
 * every state but LISTEN, TIME-WAIT and SYN-RECV. Returns 0 or -errno. */
int nt_tcp_dump_top(const struct nt_tcp_filter *f, struct nt_tcp_top *t);

/* ---- processes (--procs) ---- */

struct nt_tcp_owner {
	uint32_t inode;
	int32_t pid;
	char process[20];
};

struct nt_tcp_procscan {
	struct nt_tcp_owner *own;  /* sorted by inode; pid 0 = not found */
	size_t n;
	int32_t *unreadable;       /* pids whose fd table we could not read */
	size_t n_unreadable, cap_unreadable;
	unsigned nprocs;
};

/* Walk /proc/[pid]/fd (honouring NETTRIAGE_PROC) and find the owner of
 * each inode. inodes need not be sorted or unique. Returns 0 or -errno
 * when /proc itself cannot be read. */
int nt_tcp_procscan(const uint32_t *inodes, size_t n, struct nt_tcp_procscan *ps);
void nt_tcp_procscan_free(struct nt_tcp_procscan *ps);
const struct nt_tcp_owner *nt_tcp_owner_find(const struct nt_tcp_procscan *ps,
					     uint32_t inode);

/* ---- verdicts ---- */

struct nt_tcp_thresholds {
	double warn_retrans, crit_retrans; /* percent */
	double min_rate;          /* segments/s sent for the ratio check */
	double warn_cw, crit_cw;  /* CLOSE-WAIT sockets */
	double queue_warn;        /* accept queue fill percent */
	double warn_eph, crit_eph; /* ephemeral ports in use, percent of usable */
};
void nt_tcp_thresholds_default(struct nt_tcp_thresholds *t);

/* Counters of the sample and, when there is a baseline, of the previous
 * one (kind "interval", "history"; prev NULL: since boot, dt = uptime). */
struct nt_tcp_counters {
	struct nt_tcp_ctrs tcp, tcpext;
	int err_snmp, err_netstat; /* -errno reading/parsing, 0 ok */
};
void nt_tcp_counters_free(struct nt_tcp_counters *c);
/* Read and parse both files (NETTRIAGE_PROC honoured). */
void nt_tcp_read_counters(struct nt_tcp_counters *c, char *buf, size_t len);

/* Retransmit ratio in percent of ΔRetransSegs/ΔOutSegs, and the send rate
 * ΔOutSegs/dt. prev NULL: the totals. NaN when not computable (missing
 * counters, no segments sent, counters went down). */
void nt_tcp_ratio(const struct nt_tcp_ctrs *cur, const struct nt_tcp_ctrs *prev,
		  double dt, double *ratio_pct, double *out_rate,
		  uint64_t *d_retrans, uint64_t *d_out);

/* Delta of one counter; false when missing in either or it went down. */
bool nt_tcp_ctr_delta(const struct nt_tcp_ctrs *cur, const struct nt_tcp_ctrs *prev,
		      const char *name, uint64_t *d);

struct nt_tcp_view {
	const struct nt_tcp_sample *s;
	const struct nt_tcp_counters *c;
	const struct nt_tcp_counters *prev; /* NULL: since-boot totals */
	double dt;                /* seconds of the baseline (uptime if none) */
	const char *since;        /* "over the interval", ... */
	const struct nt_tcp_cw_count *cw_top;
	size_t n_cw_top;
	const struct nt_tcp_proc_count *cw_procs;
	size_t n_cw_procs;
	/* ephemeral ports: judged when s->eph_on; eph_err: -errno reading
	 * ip_local_port_range (UNKNOWN), 0 ok */
	const struct nt_tcp_eph_count *eph_top;
	size_t n_eph_top;
	const struct nt_tcp_eph_info *eph;
	int eph_err;
	bool eph_judged;          /* every state but LISTEN counted */
};

void nt_tcp_verdicts(const struct nt_tcp_view *v, const struct nt_tcp_thresholds *t,
		     struct nt_verdicts *vs);
/* A raw address of family (AF_INET6, else AF_INET) as text; "?" when it
 * does not fit (tcp_nl.c). */
void nt_tcp_fmt_addr(char *buf, size_t len, uint8_t family, const uint8_t *a);
/* The tcp.ephemeral verdicts of nt_tcp_verdicts (tcp_eph.c): one per
 * destination at or above the WARN threshold, else one OK naming the
 * busiest; UNKNOWN when the range could not be read. */
void nt_tcp_eph_verdicts(const struct nt_tcp_view *v, const struct nt_tcp_thresholds *t,
			 struct nt_verdicts *vs);

/* ---- records for the renderers ---- */

/* One state of the histogram (a named set: JSON "states" {name: count},
 * Prometheus nettriage_tcp_sockets{state}); bit 0 of avail: asked for. */
struct nt_tcp_state_count {
	char name[16];
	uint64_t sockets;
	uint64_t avail;
};
void nt_tcp_state_counts(const struct nt_tcp_sample *s,
			 struct nt_tcp_state_count out[NT_TCP_NSTATES]);

/* The retransmit ratio behind tcp.retrans_ratio (nt_tcp_ratio). */
struct nt_tcp_retrans {
	double ratio_pct, out_rate;
	uint64_t d_retrans, d_out;
};

/* Counters as named records (struct nt_named, nt_output.h) in the
 * kernel's order: value, and with a baseline (prev, dt > 0) the delta and
 * rate of every counter that is not a gauge; the Prometheus metric is the
 * snake-case name (the first of two names that fold to one keeps it).
 * With counters_only, the gauges are left out. Returns the count. out
 * has room for c->n records. */
size_t nt_tcp_named(const struct nt_tcp_ctrs *c, const struct nt_tcp_ctrs *prev,
		    double dt, bool counters_only, struct nt_named *out);

extern const struct nt_rectype nt_tcp_states_rectype;  /* "states" */
extern const struct nt_rectype nt_tcp_totals_rectype;  /* over nt_tcp_sample */
extern const struct nt_rectype nt_tcp_retrans_rectype; /* over nt_tcp_retrans */
extern const struct nt_rectype nt_tcp_snmp_rectype;    /* "tcp", nettriage_tcp */
extern const struct nt_rectype nt_tcp_netstat_rectype; /* "tcpext", nettriage_tcpext */
extern const struct nt_rectype nt_tcp_listen_rectype;
extern const struct nt_rectype nt_tcp_cw_rectype;
extern const struct nt_rectype nt_tcp_cwproc_rectype;
extern const struct nt_rectype nt_tcp_sock_rectype;
extern const struct nt_rectype nt_tcp_eph_rectype;     /* "ephemeral_top" */
extern const struct nt_rectype nt_tcp_ephinfo_rectype; /* "ephemeral" */

#endif
