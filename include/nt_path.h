/* path: hop-by-hop statistics model (stats, rows, verdicts, renderers).
 * The probe engine is in nt_probe.h. */
#ifndef NT_PATH_H
#define NT_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "nt_output.h"
#include "nt_probe.h"

/* ---- statistics (src/path/path_stats.c) ---- */

/* One RTT sample and the cycle of its probe (jitter is taken over
 * consecutive replies in probe order). */
struct nt_rtt_sample {
	double ms;
	long cycle;
};

/* Running statistics of one responder. Welford's mean and M2 in double;
 * every sample is kept so percentiles are exact. */
struct nt_stats {
	uint64_t n;
	double mean, m2, min, max, last;
	struct nt_rtt_sample *s;
	size_t cap;
};

struct nt_stats_summary {
	double last, min, mean, max, stddev, p50, p90, p99;   /* ms, NaN: none */
	double jit_mean, jit_max, jit_rfc3550;               /* ms, NaN: none */
};

int nt_stats_add(struct nt_stats *st, double ms, long cycle); /* 0/-ENOMEM */
void nt_stats_free(struct nt_stats *st);
/* Sample standard deviation (n-1); NaN below two samples. */
double nt_stats_stddev(const struct nt_stats *st);
/* Percentile q in [0,100] of sorted values v[0..n-1], linear interpolation
 * between closest ranks: x = q/100*(n-1), v[floor x] + frac*(v[ceil x]-v[floor x]). */
double nt_percentile(const double *sorted, size_t n, double q);
/* Fill a summary (sorts a copy of the samples). 0 or -ENOMEM. */
int nt_stats_summary(const struct nt_stats *st, struct nt_stats_summary *out);
/* Jitter over values in order: mean and max of |d|, and RFC 3550
 * J += (|D| - J)/16 starting from J = 0 (all in the values' unit). */
void nt_jitter(const double *v, size_t n, double *mean, double *max,
	       double *rfc3550);
/* 95 % Wilson score interval for k successes in n trials, in percent. */
void nt_wilson(uint64_t k, uint64_t n, double *lo_pct, double *hi_pct);

/* Latency histogram: log-spaced buckets, the first upper bound
 * NT_HIST_FIRST_MS, each next one twice the last, NT_HIST_N finite
 * bounds (0.05 ms .. 104.9 s, above any --timeout) and +Inf. count[i]
 * holds the samples in (le[i-1], le[i]] (count[NT_HIST_N]: above the last
 * bound), not cumulative. */
#define NT_HIST_FIRST_MS 0.05
#define NT_HIST_N 22
struct nt_hist {
	uint64_t count[NT_HIST_N + 1];
	uint64_t total;
	double sum_ms;
};
/* Upper bound of bucket i in ms (INFINITY for i >= NT_HIST_N). */
double nt_hist_le(size_t i);
/* Count one sample (ms; NaN and negatives go to the first bucket). */
void nt_hist_add(struct nt_hist *h, double ms);
/* Count every sample of st into h (h is added to, not cleared). */
void nt_hist_add_stats(struct nt_hist *h, const struct nt_stats *st);

/* ---- model ---- */

#define NT_PATH_MAX_TTL 255

struct nt_path_resp {
	struct nt_paddr ip;
	char host[256];          /* reverse DNS; "" when none or -n */
	uint64_t received, late;
	uint8_t type, code;      /* last ICMP type/code seen */
	int reply_ttl;           /* last reply TTL, -1 unknown */
	char mpls[96];           /* RFC 4950 labels of the last reply, "" none */
	bool is_dst;
	bool tcp;                /* answers are TCP (SYN-ACK, RST), not ICMP */
	struct nt_stats st;
	struct nt_path_resp *next;
};

struct nt_path_hop {
	uint64_t sent, received, lost, late;
	uint64_t paced;            /* held back (pacing, --rate, socket cap), not sent */
	bool rate_limited;
	struct nt_path_resp *resp; /* first responder first */
};

/* What the path is (dst .. term_ttl, cycles) and what was counted on it.
 * A new field that says what the path is, not how it went (a mode, a
 * port), must be added to the fields nt_path_reset keeps. */
struct nt_path {
	struct nt_paddr dst;
	char target[256];        /* as given */
	enum nt_probe_mode mode;
	uint16_t port;           /* TCP mode: the destination port, else 0 */
	uint64_t tcp_open, tcp_closed; /* TCP: SYN-ACKs and RSTs from the target */
	double rtt_open_sum, rtt_closed_sum; /* ... their RTTs within the timeout, ms */
	uint64_t rtt_open_n, rtt_closed_n;
	int first_ttl, max_ttl;
	int dst_ttl;             /* TTL where the destination answered, 0 none */
	int term_ttl;            /* first TTL answered "unreachable", 0 none */
	long cycles;             /* cycles run */
	uint64_t foreign;        /* replies not ours: the sum of */
	uint64_t foreign_nomatch, foreign_dup, foreign_bad; /* ... by NT_FOREIGN_* */
	uint64_t beyond_dst;     /* the destination's answers to TTLs above its own */
	uint64_t held_sockets;   /* probes held back by the per-probe socket cap */
	uint64_t paced;          /* probes held back by pacing, all TTLs */
	uint64_t rate_held;      /* probes held back by --rate, all TTLs */
	uint64_t ts_kernel, ts_kernel_rx, ts_mono; /* RTTs by timestamp source */
	uint64_t ts_tcp_info; /* ... TCP_INFO tcpi_rtt (TCP connect probes) */
	long reset_cycle;        /* probes of earlier cycles are not counted
				  * (nt_path_reset); 0 none */
	struct nt_path_hop hop[NT_PATH_MAX_TTL + 1];
};

/* One rendered row: a responder at a TTL (or a silent TTL). */
struct nt_path_row {
	uint32_t ttl;
	char ip[48];             /* "" for a silent hop */
	char host[256];
	uint64_t sent, received, late;
	uint64_t paced;          /* of the TTL */
	double loss_pct, loss_lo, loss_hi;
	bool rate_limited, is_dst;
	uint32_t icmp_type, icmp_code;
	int32_t reply_ttl;
	char mpls[96];
	struct nt_stats_summary s;
	uint64_t avail;          /* NT_PR_AV_* bits */
	bool extra;              /* not the first responder of its TTL */
};

enum { NT_PR_AV_HOST, NT_PR_AV_IP, NT_PR_AV_ICMP, NT_PR_AV_RTTL, NT_PR_AV_MPLS };

/* Field flag of nt_path_rectype, above the shared NT_F_* bits: a field of
 * the JSON hop object (ttl, rate_limited) rather than of a responder. */
#define NT_PATH_F_HOP 0x8000u

struct nt_path_thresholds {
	double max_loss;  /* CRIT at >= this destination loss %, default 10 */
	double max_p99;   /* WARN above this destination p99 ms; NaN off */
};

void nt_path_init(struct nt_path *p);
void nt_path_free(struct nt_path *p);
/* Forget every statistic (hops, responders, counters) but what the path
 * is (target, mode, TTL range, destination and unreachable TTL, cycles
 * run): probes of cycles before from_cycle, still in flight, are not
 * counted when their fate arrives, so sent and lost stay in step. */
void nt_path_reset(struct nt_path *p, long from_cycle);
/* Feed one engine event. 0 or -ENOMEM. */
int nt_path_event(struct nt_path *p, const struct nt_probe_event *ev);
/* Drop hops beyond the destination, then mark rate_limited hops. */
void nt_path_finish(struct nt_path *p);
/* Destination loss % (NaN if not reached) and its first responder. */
const struct nt_path_hop *nt_path_dst_hop(const struct nt_path *p);
/* Rows for rendering; *rows malloc'd. 0 or -ENOMEM. */
int nt_path_rows(const struct nt_path *p, bool numeric,
		 struct nt_path_row **rows, size_t *n);
void nt_path_verdicts(const struct nt_path *p, const struct nt_path_row *rows,
		      size_t n, const struct nt_path_thresholds *t,
		      struct nt_verdicts *vs);

extern const struct nt_rectype nt_path_rectype;

/* Renderers (src/path/path_render.c). */
void nt_path_print_table(FILE *f, const struct nt_path *p,
			 const struct nt_path_row *rows, size_t n,
			 const char *local);
/* The footer of the table: every count the table does not show. */
void nt_path_print_footer(FILE *f, const struct nt_path *p,
			  const struct nt_path_row *rows, size_t n);
void nt_path_print_csv(FILE *f, const struct nt_path_row *rows, size_t n,
		       const char *target);
/* Prometheus labels "{netns=\"..\",target=\"..\"" (netns when set), left
 * open for more. */
void nt_path_prom_labels(FILE *f, const char *netns, const char *target);
void nt_path_prom(FILE *f, const struct nt_path *p,
		  const struct nt_path_row *rows, size_t n, const char *netns);
/* JSON: "hops":[{netns, ttl, rate_limited, responders:[{ip, ...}]}] into
 * the document's current section, both levels through nt_path_rectype
 * (the hop's fields are those flagged NT_PATH_F_HOP). 0 or -errno. */
int nt_path_doc_hops(struct nt_doc *d, const struct nt_path_row *rows, size_t n);
const char *nt_path_ts_source(const struct nt_path *p);
/* The destination's latency histogram (src/path/path_hist.c): h gets
 * every RTT of the destination's replies at its TTL; false (h empty)
 * when it was not reached. */
bool nt_path_dst_hist(const struct nt_path *p, struct nt_hist *h);
/* Text rows "<= LE ms COUNT ####" of the non-empty range (nothing when
 * there is no reply). */
void nt_path_print_hist(FILE *f, const struct nt_path *p);
/* [{le_ms, count}]: the non-empty range, then the +Inf bucket (le_ms
 * null); JSON null when not reached. NULL on ENOMEM. */
json_t *nt_path_hist_json(const struct nt_path *p);
/* nettriage_path_destination_rtt_seconds{_bucket,_sum,_count} of p, with
 * its HELP/TYPE lines when header (once per exposition). */
void nt_path_prom_hist(FILE *f, const struct nt_path *p, const char *netns, bool header);

/* TCP mode: "open" (a SYN-ACK came), "closed" (only RSTs), "filtered"
 * (neither: dropped, or refused with an ICMP error). */
const char *nt_path_port_state(const struct nt_path *p);
/* Mean RTT to the port, ms: of the SYN-ACKs when the port is open (an RST
 * may then be the server's answer to a second SYN on a 4-tuple it still
 * holds, not a handshake), else of the RSTs; NaN when none came in time. */
double nt_path_port_rtt(const struct nt_path *p);
/* The report's port line (TCP mode). */
void nt_path_print_port(FILE *f, const struct nt_path *p);

/* Several path states (struct path_st, as nt_layer_path allocates
 * them) probed at once in one process: a group, so each one's replies
 * to the others' probes are told apart (siblings), not counted foreign.
 * NULL when n is out of 1..256 or out of memory (then run ungrouped). */
struct nt_path_group;
struct nt_path_group *nt_path_group_new(void *const *states, int n);
void nt_path_group_free(struct nt_path_group *g);

#endif
