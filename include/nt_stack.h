/* stack: the host network stack between the NIC and the sockets (model,
 * /proc parsers, verdicts). The netlink sources (qdiscs, neighbour
 * tables, UDP sockets) are in nt_stack_nl.h.
 *
 * Parsers take text (len bytes, need not be NUL-terminated) and fill a
 * struct; they return 0 or -errno and never print. */
#ifndef NT_STACK_H
#define NT_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "nt_output.h"
#include "nt_tcp.h"

/* ---- /proc/net/softnet_stat (global: per CPU, shared by every netns) ----
 * Hex columns, by count (net/core/net-procfs.c softnet_seq_show):
 *   9  processed dropped time_squeeze 0 0 0 0 0 cpu_collision (2.6)
 *  10  + received_rps (2.6.35)
 *  11  + flow_limit_count (3.11)
 *  13  + backlog_len, cpu index (5.10)
 *  15  + input_qlen, process_qlen (6.x)
 * Rows of offline CPUs are left out, so without the index column the row
 * number is not the CPU id: said with NT_SN_CPUID unset. */
enum {
	NT_SN_RPS, NT_SN_FLOW, NT_SN_BACKLOG, NT_SN_CPUID, /* present */
	NT_SN_DELTA, NT_SN_RATE,                            /* over a baseline */
	NT_SN_NOBASE,   /* a baseline, but this CPU is not in it */
	NT_SN_BACKWARD, /* a baseline, but a counter went down implausibly */
};

struct nt_softnet_cpu {
	char subject[16];       /* "cpuN": verdict subject */
	char scope[8];          /* "global" */
	uint32_t cpu;           /* the index column, else the row number */
	uint64_t avail;         /* NT_SN_* bits */
	uint64_t processed, dropped, time_squeeze, received_rps,
		 flow_limit_count, backlog_len;
	/* over the baseline */
	uint64_t processed_delta, dropped_delta, squeeze_delta;
	double processed_rate, dropped_rate, squeeze_rate;
	double dropped_pct;     /* dropped / (processed + dropped), NaN: none */
};

struct nt_softnet {
	struct nt_softnet_cpu *v;
	size_t n, cap;
	unsigned columns;       /* of the first row */
};

void nt_softnet_free(struct nt_softnet *s);
/* -EINVAL: a row with another column count, a column count not in the
 * list above, a field that is not hex; -ENOMEM. On error s->n is 0. */
int nt_stack_parse_softnet(const char *text, size_t len, struct nt_softnet *s);

/* ---- /proc/net/sockstat, sockstat6: "PROTO: key value key value ..." ---- */

struct nt_sockstat_ent {
	char proto[16];         /* "TCP", "UDP6", "sockets" */
	char field[16];         /* "inuse", "mem" */
	char scope[8];          /* "global", "netns" or "unknown" */
	char subject[34];       /* "TCP inuse" */
	uint64_t value;
};

struct nt_sockstat {
	struct nt_sockstat_ent *v;
	size_t n, cap;
};

void nt_sockstat_free(struct nt_sockstat *s);
/* Appends every pair of text to s (so sockstat6 can follow sockstat);
 * unknown protocols and fields are kept. -EINVAL for a line without a
 * colon, an odd number of words or a value that is not a number. */
int nt_stack_parse_sockstat(const char *text, size_t len, struct nt_sockstat *s);
bool nt_sockstat_get(const struct nt_sockstat *s, const char *proto,
		     const char *field, uint64_t *v);
/* Which sockstat figures the kernel keeps per namespace on 6.x
 * (net/ipv4/proc.c sockstat_seq_show, net/ipv6/proc.c): "netns" for
 * sockets used, every inuse, TCP tw, FRAG inuse/memory; "global" for TCP
 * orphan, alloc, mem and UDP mem; "unknown" otherwise. */
const char *nt_sockstat_scope(const char *proto, const char *field);

/* ---- numbers files: /proc/sys/fs/file-nr, tcp_mem, tcp_max_orphans ---- */

/* Up to max white-space separated decimal numbers; the count, or -EINVAL
 * for no number, a word that is not one, or more than max. */
int nt_stack_parse_nums(const char *text, size_t len, uint64_t *v, int max);

/* ---- /proc/net/snmp6: "Name value" lines ---- */

/* The lines whose name starts with prefix followed by an upper-case
 * letter ("Udp6" takes "Udp6InErrors", not "UdpLite6InErrors"), kept
 * under their name without the prefix, in file order. -ENOENT when none,
 * -EINVAL when malformed, -ENOMEM. On error c is left empty. */
int nt_stack_parse_snmp6(const char *text, size_t len, const char *prefix,
			 struct nt_tcp_ctrs *c);

/* ---- the counter sets the layer reads ---- */

enum {
	NT_SC_UDP, NT_SC_UDP6, NT_SC_UDPLITE, NT_SC_UDPLITE6,
	NT_SC_IP, NT_SC_IPEXT, NT_SC_IP6, NT_SC_TCPEXT, NT_SC_COUNT
};
/* "Udp", "Udp6", ... (the prefix in the file), index NT_SC_* */
extern const char *const nt_stack_ctr_set[NT_SC_COUNT];

struct nt_stack_ctrs {
	struct nt_tcp_ctrs s[NT_SC_COUNT];
	int err_snmp, err_snmp6, err_netstat; /* -errno reading, 0 ok */
};
void nt_stack_ctrs_free(struct nt_stack_ctrs *c);
/* Parse the three files' text (NULL: not read) into c. */
void nt_stack_parse_ctrs(struct nt_stack_ctrs *c, const char *snmp, size_t ls,
			 const char *snmp6, size_t l6, const char *netstat,
			 size_t ln);

/* ---- one sample ---- */

/* A figure against its limit (JSON "limits"): socket memory pages, TCP
 * orphans and TIME-WAIT sockets, open files. */
enum { NT_LIM_PRESSURE, NT_LIM_LIMIT, NT_LIM_PCT, NT_LIM_USED };
struct nt_stack_limit {
	char name[24];          /* "tcp_mem_pages", "tcp_orphans", "files" */
	char subject[24];       /* verdict subject: the name */
	char scope[8];          /* "global" or "netns" */
	char source[48];        /* where the limit comes from */
	uint64_t avail;         /* NT_LIM_* bits */
	uint64_t used, pressure, limit;
	double used_pct;        /* of limit */
};

/* UDP counters of one protocol (JSON "udp"; subject "Udp", "Udp6", ...). */
enum {
	NT_UC_IN_DATAGRAMS, NT_UC_NO_PORTS, NT_UC_IN_ERRORS, NT_UC_OUT_DATAGRAMS,
	NT_UC_RCVBUF_ERRORS, NT_UC_SNDBUF_ERRORS, NT_UC_IN_CSUM_ERRORS,
	NT_UC_MEM_ERRORS, NT_UC_COUNT
};
/* kernel names, index NT_UC_* */
extern const char *const nt_stack_udp_names[NT_UC_COUNT];
#define NT_UC_DELTA_BIT NT_UC_COUNT /* avail: deltas and rates known */
struct nt_stack_udp {
	char proto[12];
	uint64_t avail;         /* bit NT_UC_*: counter present */
	uint64_t c[NT_UC_COUNT];
	uint64_t delta[NT_UC_COUNT];
	double rate[NT_UC_COUNT];
};

struct nt_stack_sample {
	struct nt_softnet softnet;
	int err_softnet;
	long cpus_conf;         /* sysconf(_SC_NPROCESSORS_CONF), -1 unknown:
				 * rows without an index column are CPU ids
				 * only when softnet.n equals it */
	struct nt_sockstat sockstat;
	int err_sockstat;
	struct nt_stack_ctrs ctrs;
	/* sysctls; err_*: -errno, -ENOENT in a child namespace for the
	 * global ones (tcp_mem, udp_mem, tcp_max_orphans exist only in the
	 * initial namespace's /proc/sys) */
	uint64_t tcp_mem[3], udp_mem[3], max_orphans, max_tw, file_nr[3], file_max;
	int err_tcp_mem, err_udp_mem, err_orphans, err_tw, err_file_nr, err_file_max;
	int glim_from;          /* NT_GL_*: where tcp_mem, udp_mem, max_orphans came from */
	int glim_err;           /* NT_GL_NONE: why the initial namespace's were not read */
};

/* The three limits the kernel has only in the initial namespace's
 * /proc/sys (net.ipv4.tcp_mem, udp_mem, tcp_max_orphans: ipv4_table, not
 * the per-netns table; /proc/sys/net resolves by the reading thread's
 * netns). Read by the layer's open (before privileges drop): here when
 * visible (NT_GL_HERE), else by a short-lived thread that enters pid 1's
 * netns (setns on /proc/1/ns/net; the files exist only in the initial
 * namespace, so finding them there proves it) and ends (NT_GL_INIT);
 * else not visible (NT_GL_NONE, err_init: why). */
enum { NT_GL_NONE, NT_GL_HERE, NT_GL_INIT };
struct nt_stack_glimits {
	uint64_t tcp_mem[3], udp_mem[3], max_orphans;
	int err_tcp_mem, err_udp_mem, err_orphans;
	int from;               /* NT_GL_* */
	int err_init;           /* -errno of the pid 1 attempt (NT_GL_NONE) */
};
void nt_stack_read_glimits(struct nt_stack_glimits *g);
/* Fill the sample's tcp_mem, udp_mem, max_orphans the sample could not
 * read in its namespace (-ENOENT) from g; s->glim_from says where from. */
void nt_stack_apply_glimits(struct nt_stack_sample *s, const struct nt_stack_glimits *g);

void nt_stack_sample_free(struct nt_stack_sample *s);
/* Read every /proc source (nt_proc_path: the calling thread's netns).
 * Each error is kept in its err_ field. buf: scratch of len bytes. */
void nt_stack_read(struct nt_stack_sample *s, char **buf, size_t *cap);
/* Sources read / tried (for "nothing could be read"). */
unsigned nt_stack_sources_ok(const struct nt_stack_sample *s);

/* ---- thresholds and verdicts ---- */

struct nt_stack_thresholds {
	double crit_backlog;    /* softnet dropped CRIT >= PCT % of processed (1) */
	double warn_squeeze;    /* time_squeeze WARN > N per second (10) */
	double warn_sockmem;    /* mem WARN > PCT % of the pressure value (100) */
	double crit_sockmem;    /* mem CRIT >= PCT % of the max value (90) */
	double warn_orphans, crit_orphans; /* % of tcp_max_orphans (25, 50) */
	double warn_tw, crit_tw;           /* % of tcp_max_tw_buckets (75, 100) */
	double warn_fd, crit_fd;           /* % of file-max (70, 90) */
};
void nt_stack_thresholds_default(struct nt_stack_thresholds *t);

/* The sample's records, rates against prev over dt (prev NULL: none). */
struct nt_stack_view {
	struct nt_stack_udp udp[4];
	size_t n_udp;
	struct nt_stack_limit lim[5];
	size_t n_lim;
	struct nt_named *ctr;   /* judged counters (Ip, IpExt, Ip6, TcpExt) */
	size_t n_ctr, cap_ctr;
};
void nt_stack_view_free(struct nt_stack_view *v);
/* 0 or -ENOMEM. */
int nt_stack_view_build(struct nt_stack_view *v, struct nt_stack_sample *cur,
			const struct nt_stack_sample *prev, double dt,
			const struct nt_stack_thresholds *t);

/* Verdicts of cur (prev NULL: since-boot totals, no "rise"); since: the
 * phrase for reasons; judge_global: the figures the kernel keeps globally
 * (softnet, socket memory, orphans, files) are judged too (false in a
 * swept namespace other than the starting one). */
void nt_stack_verdicts(const struct nt_stack_sample *cur,
		       const struct nt_stack_sample *prev,
		       const struct nt_stack_view *v,
		       const struct nt_stack_thresholds *t, bool judge_global,
		       const char *since, struct nt_verdicts *vs);

extern const struct nt_rectype nt_softnet_rectype;  /* "softnet" */
extern const struct nt_rectype nt_sockstat_rectype; /* "sockstat" */
extern const struct nt_rectype nt_stack_limit_rectype; /* "limits" */
extern const struct nt_rectype nt_stack_udp_rectype;   /* "udp" */
extern const struct nt_rectype nt_stack_ctr_rectype;   /* "counters" */

#endif
