/* conntrack: table fill, per-CPU statistics and breakdowns over ctnetlink
 * (model, parsers, collectors). */
#ifndef NT_CONNTRACK_H
#define NT_CONNTRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "nt_output.h"

/* Per-CPU counters we name, in the order of the JSON "stats" object.
 * X(name, CTA_STATS_* attribute number, /proc/net/stat column names
 *   (old and new spellings, NULL-terminated), help) */
#define NT_CT_STATS(X) \
	X(found, 2, NAMES("found"), "Lookups that found an existing entry") \
	X(invalid, 4, NAMES("invalid"), "Packets that could not be tracked (invalid)") \
	X(insert, 8, NAMES("insert"), "Entries inserted") \
	X(insert_failed, 9, NAMES("insert_failed"), "Entries that could not be inserted (clash with an existing tuple)") \
	X(drop, 10, NAMES("drop"), "Packets dropped because no entry could be created (table full or insert failed)") \
	X(early_drop, 11, NAMES("early_drop"), "Entries evicted early to make room (table full)") \
	X(error, 12, NAMES("icmp_error", "error"), "Packets with an error (ICMP errors that match no entry)") \
	X(search_restart, 13, NAMES("search_restart"), "Hash lookups restarted (table resized or entry moved)") \
	X(clash_resolve, 14, NAMES("clashres", "clash_resolve"), "Insert clashes resolved by reusing the existing entry") \
	X(chaintoolong, 15, NAMES("chainlength", "chaintoolong"), "Inserts refused because a hash chain was too long")

enum nt_ct_stat {
#define NT_X(n, a, p, h) NT_CTS_##n,
	NT_CT_STATS(NT_X)
#undef NT_X
	NT_CTS_COUNT
};

/* Availability bits of struct nt_ct_cpu / nt_ct_summary: counter i is bit
 * i, its delta bit NT_CT_DELTA_BIT + i; the summary's scalar fields use
 * the bits after the counters. */
#define NT_CT_DELTA_BIT 16
_Static_assert(NT_CTS_COUNT <= NT_CT_DELTA_BIT, "availability bits overlap");
enum { NT_CTA_COUNT = 32, NT_CTA_MAX, NT_CTA_BUCKETS, NT_CTA_ASSURED,
       NT_CTA_UNREPLIED, NT_CTA_RESET };

/* Counters a kernel or /proc file gave that we do not name (future
 * CTA_STATS_* attributes, old columns such as "searched"). */
#define NT_CT_MAX_EXTRA 24
struct nt_ct_extra {
	char name[24];      /* "attr_16" (netlink) or the /proc column name */
	uint32_t v;
};

#define NT_CT_EXTRA_BIT 40
_Static_assert(NT_CT_EXTRA_BIT + NT_CT_MAX_EXTRA <= 64, "extra bits overflow");

struct nt_ct_cpu {
	uint32_t cpu;       /* CPU id (netlink res_id) or /proc row index */
	uint64_t avail;     /* counter i: bit i; after nt_ct_cpu_fields,
			     * extra[i]: bit NT_CT_EXTRA_BIT + i */
	uint64_t c[NT_CTS_COUNT];  /* 32-bit kernel counters, widened */
	unsigned nextra;
	struct nt_ct_extra extra[NT_CT_MAX_EXTRA];
};

/* The whole-namespace record (one per sample). */
struct nt_ct_summary {
	uint64_t avail;
	uint64_t count;      /* entries in this namespace */
	uint64_t max;        /* effective maximum (global unless per-netns) */
	uint64_t buckets;
	double fill_pct;     /* count / max * 100 */
	uint64_t assured;    /* from a dump: ASSURED (not evictable) */
	uint64_t unreplied;  /* from a dump: no reply seen (evictable) */
	double effective_fill_pct; /* assured / max * 100, NaN without a dump */
	double growth_per_s; /* (count - baseline count) / dt, NaN without one */
	double time_to_full_s; /* (max - count) / growth when growing, else NaN */
	char source[16];     /* "ctnetlink" or "proc" */
	char max_scope[8];   /* "global" or "netns" */
	uint64_t c[NT_CTS_COUNT];      /* summed over CPUs */
	uint64_t delta[NT_CTS_COUNT];  /* summed per-CPU deltas (mod 2^32) */
	double rate[NT_CTS_COUNT];     /* per second, NaN without a baseline */
	bool reset;          /* counters not comparable with the baseline */
	char reset_reason[96];
};

struct nt_ct_sample {
	struct nt_ct_summary s;
	struct nt_ct_cpu *cpu;
	size_t ncpu, cap;
};

void nt_ct_sample_free(struct nt_ct_sample *x);
/* Append a zeroed CPU record; NULL on ENOMEM. */
struct nt_ct_cpu *nt_ct_cpu_add(struct nt_ct_sample *x, uint32_t cpu);
/* Sum the per-CPU counters into s.c (an unavailable counter stays so). */
void nt_ct_sum(struct nt_ct_sample *x);

struct nlmsghdr;

/* IPCTNL_MSG_CT_GET_STATS reply: entries and max. Returns 0, -EINVAL (not
 * that message or too short), -EBADMSG (malformed attribute). */
int nt_ct_parse_stats(const struct nlmsghdr *nlh, struct nt_ct_summary *s);

/* One IPCTNL_MSG_CT_GET_STATS_CPU dump message into *out (zeroed first).
 * Unknown attributes are kept in extra[]. Returns 0, -EINVAL, -EBADMSG. */
int nt_ct_parse_stats_cpu(const struct nlmsghdr *nlh, struct nt_ct_cpu *out);

/* nt_nl_walk callback appending to the struct nt_ct_sample at data. */
int nt_ct_cpu_cb(const struct nlmsghdr *nlh, void *data);

/* /proc/net/stat/nf_conntrack: header names, then one row of hex numbers
 * per CPU. Columns are matched by name (old and new spellings); unknown
 * ones are kept as extras. *entries gets the first row's "entries" column
 * (UINT64_MAX when absent). Returns 0 or -EINVAL. */
int nt_ct_parse_procstat(const char *text, struct nt_ct_sample *x,
			 uint64_t *entries);

/* A decimal number in a /proc/sys file ("262144\n"). 0 or -EINVAL. */
int nt_ct_parse_sysctl(const char *text, uint64_t *v);

/* One conntrack entry, only the parts a breakdown may need. Addresses in
 * network byte order; ports in host order. */
enum {
	NT_CTE_STATUS = 1u << 0, NT_CTE_PROTO = 1u << 1, NT_CTE_SRC = 1u << 2,
	NT_CTE_DST = 1u << 3, NT_CTE_PORTS = 1u << 4, NT_CTE_ICMP = 1u << 5,
	NT_CTE_STATE = 1u << 6, NT_CTE_MARK = 1u << 7, NT_CTE_ZONE = 1u << 8,
};
struct nt_ct_entry {
	unsigned have;
	uint8_t family;     /* AF_INET / AF_INET6 (nfgenmsg) */
	uint8_t proto;      /* IPPROTO_* of the original tuple */
	uint8_t state;      /* TCP/SCTP/DCCP state number */
	uint8_t icmp_type, icmp_code;
	uint16_t sport, dport;
	uint16_t zone;
	uint32_t status;    /* IPS_* bits */
	uint32_t mark;
	uint8_t src[16], dst[16];
};

/* What to walk: the original tuple's addresses, its ports/protocol, the
 * protocol info (TCP state). Status, mark and zone are always read. */
enum { NT_CTW_IP = 1u << 0, NT_CTW_PROTO = 1u << 1, NT_CTW_PROTOINFO = 1u << 2 };

/* Parse an IPCTNL_MSG_CT_NEW dump message, descending only into the nests
 * selected by want. Returns 0, -EINVAL (not an entry message, short), or
 * -EBADMSG (an attribute shorter than its type needs or running past its
 * nest). */
int nt_ct_parse_entry(const struct nlmsghdr *nlh, unsigned want,
		      struct nt_ct_entry *e);

/* Breakdown keys. */
enum nt_ct_by { NT_BY_NONE, NT_BY_PROTO, NT_BY_STATE, NT_BY_SRC, NT_BY_DST,
		NT_BY_DPORT, NT_BY_ZONE, NT_BY_MARK, NT_BY_STATUS };
/* "proto" -> NT_BY_PROTO; -EINVAL for an unknown name. */
int nt_ct_by_parse(const char *s, enum nt_ct_by *by);
const char *nt_ct_by_name(enum nt_ct_by by);
unsigned nt_ct_by_want(enum nt_ct_by by);

/* Entries a dump keeps (user-space check of the kernel-side filter, which
 * older kernels ignore). */
struct nt_ct_filter {
	uint8_t family;                 /* 0 = any */
	bool mark_set;
	uint32_t mark, mark_mask;
	bool zone_set;
	uint16_t zone;
	bool status_set;
	uint32_t status, status_mask;   /* (status & mask) == status */
};
bool nt_ct_filter_match(const struct nt_ct_filter *f,
			const struct nt_ct_entry *e);

/* Breakdown key: the value an entry is counted under (24 bytes, no
 * padding, zeroed before it is filled, so it hashes and compares as
 * bytes). */
struct nt_ct_key {
	uint8_t a, b;
	uint16_t c;
	uint32_t d;
	uint8_t addr[16];
};
_Static_assert(sizeof(struct nt_ct_key) == 24, "key has padding");

/* Bounded heavy-hitter counting (conntrack_topk.c): Space-Saving over cap
 * counters, looked up through a hash table keyed by SipHash-1-3 under a
 * per-instance random key, and a HyperLogLog sketch of the distinct keys.
 * While the distinct keys fit in cap every count is exact (err 0); after
 * that a counter's true count is in [n - err, n], err <= the smallest
 * counter <= total / cap, and every key whose true count exceeds
 * total / cap has a counter. Memory is fixed at init (about 60 bytes per
 * counter); nothing is process-global. */
#define NT_CT_TOPK_DEFAULT 16384
#define NT_CT_TOPK_MAX (1u << 22)
#define NT_CT_HLL_BITS 12
#define NT_CT_HLL_REGS (1u << NT_CT_HLL_BITS)
struct nt_ct_counter {
	struct nt_ct_key k;
	uint64_t n;          /* count, an over-estimate by at most err */
	uint64_t err;        /* the counter's value when this key took it */
	uint32_t next;       /* hash chain */
	uint32_t heap;       /* position in the min-heap */
	uint32_t bucket;     /* hash bucket (for unlinking on eviction) */
};
struct nt_ct_topk {
	struct nt_ct_counter *c;
	uint32_t *heap;      /* counter indices, smallest n at the root */
	uint32_t *bucket;    /* chain heads */
	size_t cap, used, nbuckets;
	uint64_t key[2];     /* SipHash key of this instance */
	uint64_t total;      /* keys counted */
	uint64_t evictions;  /* 0: every count is exact */
	uint8_t hll[NT_CT_HLL_REGS];
};
/* SipHash-c-d of len bytes under a 128-bit key (SipHash-1-3: 1, 3). */
uint64_t nt_ct_siphash(const uint64_t key[2], const void *data, size_t len,
		       int crounds, int drounds);
/* cap counters (1..NT_CT_TOPK_MAX); seed: the 128-bit hash key, or NULL
 * for one from getrandom(2) (non-blocking; clocks and pid mixed when the
 * pool is not ready). 0, -EINVAL or -ENOMEM. */
int nt_ct_topk_init(struct nt_ct_topk *t, size_t cap, const uint64_t *seed);
void nt_ct_topk_reset(struct nt_ct_topk *t); /* keeps the key */
void nt_ct_topk_free(struct nt_ct_topk *t);
void nt_ct_topk_add(struct nt_ct_topk *t, const struct nt_ct_key *k);
/* The smallest counter (0 when empty): the bound on every err. */
uint64_t nt_ct_topk_min(const struct nt_ct_topk *t);
/* Distinct keys: exact while nothing was evicted, else the HyperLogLog
 * estimate (about 1.6 % standard error), never below cap + 1. */
double nt_ct_topk_distinct(const struct nt_ct_topk *t);
/* Up to n counters, largest first (ties: smaller err, then key bytes).
 * Returns the number written (0 also on ENOMEM). */
size_t nt_ct_topk_sorted(const struct nt_ct_topk *t,
			 const struct nt_ct_counter **out, size_t n);

/* Aggregation of a streamed dump: counts only, never the entries. */
struct nt_ct_agg {
	enum nt_ct_by by;
	unsigned want;
	struct nt_ct_filter filter;
	struct nt_ct_topk tk;
	uint64_t entries;     /* entries read and kept */
	uint64_t filtered;    /* entries the user-space filter dropped */
	uint64_t bad;         /* entries that did not parse */
	uint64_t assured, unreplied;
};
/* cap: counters for the breakdown (0: NT_CT_TOPK_DEFAULT); seed as for
 * nt_ct_topk_init. 0 or -errno. */
int nt_ct_agg_init(struct nt_ct_agg *a, enum nt_ct_by by,
		   const struct nt_ct_filter *f, size_t cap,
		   const uint64_t *seed);
void nt_ct_agg_reset(struct nt_ct_agg *a);  /* for a dump retry */
void nt_ct_agg_free(struct nt_ct_agg *a);
/* Count one entry (never fails: memory is fixed at init). */
int nt_ct_agg_add(struct nt_ct_agg *a, const struct nt_ct_entry *e);
/* True while every breakdown count is exact (the keys fit the counters). */
bool nt_ct_agg_exact(const struct nt_ct_agg *a);
/* nt_nl_walk callback: parse one entry message and count it. A malformed
 * entry is counted in bad and skipped. */
int nt_ct_entry_cb(const struct nlmsghdr *nlh, void *data);

/* The last dump, for "breakdown" (nt_ct_dump_rectype). The fields after
 * note are the breakdown's (--by) and not shown for -e. */
struct nt_ct_dump {
	char key[8];         /* the --by key, "none" for -e */
	uint64_t entries;    /* read and kept by the filter */
	double duration_ms;
	uint64_t filtered;   /* dropped by the user-space filter check */
	uint64_t malformed;  /* did not parse */
	char note[96];       /* that a dump reaps expired entries */
	bool exact;          /* every count exact */
	uint64_t counters;   /* Space-Saving capacity */
	uint64_t distinct;   /* exact, or estimated when !exact */
	bool distinct_estimated;
	uint64_t count_error_max; /* bound on every row's over-estimate */
};
/* Fill d from an aggregated dump that took ms milliseconds. */
void nt_ct_dump_set(struct nt_ct_dump *d, const struct nt_ct_agg *a, double ms);

/* One row of a top-N list. */
struct nt_ct_top {
	char by[8];
	char value[64];
	uint64_t count;      /* exact, or over by at most count_error_max */
	uint64_t err;        /* count_error_max: 0 when exact */
	double pct;          /* of entries read */
};
/* The n largest groups, largest first (ties by value). Returns the number
 * written to out (<= n). */
size_t nt_ct_agg_top(const struct nt_ct_agg *a, struct nt_ct_top *out,
		     size_t n);
/* Human form of a key for the breakdown kind. */
void nt_ct_key_format(enum nt_ct_by by, const struct nt_ct_key *k, char *buf,
		      size_t len);

/* The dump request (IPCTNL_MSG_CT_GET, NLM_F_DUMP) with the kernel-side
 * filters of f: family in nfgenmsg, CTA_MARK + CTA_MARK_MASK, CTA_ZONE,
 * CTA_STATUS + CTA_STATUS_MASK. buf: at least NT_CT_REQ_LEN bytes, 8-byte
 * aligned. Returns the message (its nlmsg_len is the request's length). */
#define NT_CT_REQ_LEN 256
struct nlmsghdr *nt_ct_dump_request(void *buf, const struct nt_ct_filter *f);

/* Conntrack events (conntrack_events.c): a NEW/DESTROY subscription over
 * one window. */
enum nt_ct_ev_type { NT_CTEV_OTHER, NT_CTEV_NEW, NT_CTEV_DESTROY };
struct nt_ct_event {
	enum nt_ct_ev_type type;
	struct nt_ct_entry e;  /* family, proto, src, dst (have bits) */
};
/* One event message (nlmsghdr + nfgenmsg + attributes, as the kernel
 * multicasts it) of len bytes (any alignment), decoded by
 * nt_ct_parse_entry (libnetfilter_conntrack's parser exits the process on
 * a malformed attribute, so it is not used).
 * IPCTNL_MSG_CT_NEW with NLM_F_CREATE is NEW, IPCTNL_MSG_CT_DELETE is
 * DESTROY, other conntrack messages OTHER. Returns 0, -EINVAL (short, not
 * a ctnetlink entry message, nlmsg_len beyond len), -EBADMSG (a malformed
 * attribute); type is OTHER on any error. */
int nt_ct_event_parse(const void *buf, size_t len, struct nt_ct_event *ev);

/* The window's result (nt_ct_events_rectype). */
#define NT_CT_EV_MAX_SEC 86400
struct nt_ct_events {
	double seconds;        /* requested */
	double elapsed_s;      /* measured on CLOCK_MONOTONIC */
	bool interrupted;      /* SIGINT/SIGTERM ended it early */
	uint64_t new_flows, destroyed, other;
	double new_per_s, destroy_per_s;     /* over elapsed_s */
	uint64_t peak_new_per_s, peak_destroy_per_s; /* busiest whole second */
	uint64_t overruns;     /* ENOBUFS: at least this many losses */
	uint64_t malformed;    /* messages the library did not decode */
	uint64_t unread_bytes; /* still queued when the bounded read after the
				* window stopped: events delivered, not counted */
	uint64_t rcvbuf_bytes; /* SO_RCVBUF as the kernel set it */
	char rcvbuf_how[16];   /* "SO_RCVBUFFORCE" or "SO_RCVBUF" */
	bool exact;            /* top lists exact (keys fit the counters) */
	uint64_t counters;     /* counters per top list */
	uint64_t count_error_max; /* bound on a top row's over-estimate */
	uint64_t distinct_src, distinct_dst; /* exact, or estimated */
};
/* Accounting of one window in bounded memory: two Space-Saving top-K
 * (sources and destinations of NEW flows, cap counters each), exact
 * counts per protocol, per-second counts (one slot per second). */
struct nt_ct_evacc {
	struct nt_ct_events r;
	struct nt_ct_topk src, dst;
	uint64_t proto_new[256];
	uint64_t *sec_new, *sec_destroy;  /* nsec slots */
	size_t nsec;
	uint64_t err_src, err_dst;  /* each list's bound: 0 while exact */
};
int nt_ct_evacc_init(struct nt_ct_evacc *a, double seconds, size_t cap,
		     const uint64_t *seed);
void nt_ct_evacc_reset(struct nt_ct_evacc *a);
void nt_ct_evacc_free(struct nt_ct_evacc *a);
/* Count one event seen at t seconds after the window opened. */
void nt_ct_evacc_add(struct nt_ct_evacc *a, const struct nt_ct_event *ev,
		     double t);
/* Rates, peaks and the error bound, once the window is over. */
void nt_ct_evacc_finish(struct nt_ct_evacc *a, double elapsed);
/* Top rows: by "src", "dst" (from the top-K) or "proto" (exact). */
size_t nt_ct_evacc_top(const struct nt_ct_evacc *a, enum nt_ct_by by,
		       struct nt_ct_top *out, size_t n);
/* Subscribe (nfct_open NEW|DESTROY), raise the receive buffer, count for
 * seconds (or until nt_stop), close. -errno with why filled: -EPERM names
 * CAP_NET_ADMIN. */
int nt_ct_nl_events(struct nt_ct_evacc *a, double seconds, char *why,
		    size_t whylen);

/* Collectors (cmd side). All return 0 or -errno. */
int nt_ct_nl_stats(struct nt_ct_summary *s);
int nt_ct_nl_stats_cpu(struct nt_ct_sample *x);
/* Stream one dump into a; *dump_ms gets its wall time. */
int nt_ct_nl_dump(struct nt_ct_agg *a, double *dump_ms);
/* /proc fallback: count, max, buckets and the per-CPU file. Reads buckets
 * alone when only_buckets. */
int nt_ct_proc_collect(struct nt_ct_sample *x, bool only_buckets);
/* "netns" when this kernel keeps nf_conntrack_max per namespace (the
 * sysctl is writable in a child namespace), else "global". */
const char *nt_ct_max_scope(void);

/* No per-CPU conntrack counter rises faster than this (events per second;
 * a core handles a few million packets a second at most, and every
 * counter moves at most once per packet): the plausibility bound. */
#define NT_CT_MAX_RATE 1e8
/* The forward distance cur - prev modulo 2^32 into *delta; true when it is
 * plausible in dt seconds: at most NT_CT_MAX_RATE * dt, and for a wrap
 * (cur < prev) also at most 2^30 (prev in the top quarter of the range). */
bool nt_ct_delta_plausible(uint64_t prev, uint64_t cur, double dt,
			   uint64_t *delta);
/* Rates: per-CPU deltas modulo 2^32 between cur and prev (matched by CPU
 * id), summed into cur->s.delta, divided by dt into cur->s.rate. prev
 * NULL or dt <= 0: NaN rates. A different CPU set, or any implausible
 * delta (nt_ct_delta_plausible), marks cur->s.reset with a reason and
 * leaves every delta unavailable and every rate NaN. */
void nt_ct_rates(struct nt_ct_sample *cur, const struct nt_ct_sample *prev,
		 double dt);
/* Fill fill_pct and effective_fill_pct from count/max/assured. */
void nt_ct_fill(struct nt_ct_summary *s);

struct nt_ct_thresholds {
	double warn_fill, crit_fill; /* percent */
	double warn_ttf, crit_ttf;   /* seconds: time to full below them */
};
/* Growth of the count from prev (same namespace) over dt seconds, and the
 * projected time until count reaches max at that rate: growth_per_s NaN
 * without a baseline count, time_to_full_s NaN unless growing (0 when
 * already at max). */
void nt_ct_growth(struct nt_ct_summary *cur, const struct nt_ct_summary *prev,
		  double dt);
/* "3 m 12 s", "1 h 04 m", "2 d 3 h", "45 s". */
void nt_ct_fmt_duration(char *buf, size_t len, double s);
void nt_ct_thresholds_default(struct nt_ct_thresholds *t);

/* Verdicts: fill, drop, insert_failed, early_drop, chaintoolong, and
 * time_to_full (only with a baseline: rise). rise:
 * the deltas in cur->s are against a baseline ("since" says which). */
struct nt_verdicts;
void nt_ct_verdicts(const struct nt_ct_sample *cur, bool rise,
		    const char *since, const struct nt_ct_thresholds *t,
		    struct nt_verdicts *vs);

const char *nt_ct_stat_name(int i);
extern const struct nt_rectype nt_ct_summary_rectype;
/* The named per-CPU counters and an empty "extra" group; the table of a
 * sample, with its unnamed counters, is nt_ct_cpu_fields(). */
extern const struct nt_rectype nt_ct_cpu_rectype;
extern const struct nt_rectype nt_ct_dump_rectype;
extern const struct nt_rectype nt_ct_top_rectype;
extern const struct nt_rectype nt_ct_events_rectype;
/* Top rows of the events window: "top_src", "top_dst", "protocols". */
extern const struct nt_rectype nt_ct_evtop_src_rectype;
extern const struct nt_rectype nt_ct_evtop_dst_rectype;
extern const struct nt_rectype nt_ct_evproto_rectype;

/* The per-CPU field table of one sample: nt_ct_cpu_rectype's fields, then
 * one field per counter the kernel gave that we do not name, so they are
 * in the table (-a), in JSON ("extra") and in Prometheus
 * (nettriage_conntrack_cpu_NAME_total) alike. It points into itself:
 * build it in place, never copy it. */
#define NT_CT_CPU_NFIELDS (2 + NT_CTS_COUNT) /* cpu, counters, marker */
struct nt_ct_cpu_fields {
	struct nt_rectype rt;
	struct nt_field f[NT_CT_CPU_NFIELDS + NT_CT_MAX_EXTRA];
	char name[NT_CT_MAX_EXTRA][24];
	char help[NT_CT_MAX_EXTRA][128];
};
/* Build t for x: the union of the CPUs' unnamed counters (first seen
 * first; names other than [a-z0-9_]+ are dropped), each CPU's extra[]
 * reordered to it, with availability bits (a CPU without one: null). */
void nt_ct_cpu_fields(struct nt_ct_cpu_fields *t, struct nt_ct_sample *x);

#endif
