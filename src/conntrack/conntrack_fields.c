/* conntrack field tables: the summary, the per-CPU counters (built per
 * sample with the kernel's unnamed counters), the dump and its top rows.
 * Every renderer reads the records through these only. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "nt_conntrack.h"

#define SOFF(m) offsetof(struct nt_ct_summary, m)
#define SC(i) (SOFF(c) + (size_t)(i) * sizeof(uint64_t))
#define SD(i) (SOFF(delta) + (size_t)(i) * sizeof(uint64_t))
#define SR(i) (SOFF(rate) + (size_t)(i) * sizeof(double))

static const struct nt_field summary_fields[] = {
	{ "count", "ENTRIES", 0, NT_T_U64, SOFF(count), NT_P_GAUGE,
	  NT_F_INFO | NT_F_DEF, NULL, NT_CTA_COUNT,
	  "Conntrack entries in this network namespace", "entries" },
	{ "max", "MAX", 0, NT_T_U64, SOFF(max), NT_P_GAUGE,
	  NT_F_INFO | NT_F_DEF, NULL, NT_CTA_MAX,
	  "Effective maximum number of entries (nf_conntrack_max)" },
	{ "buckets", "BUCKETS", 0, NT_T_U64, SOFF(buckets), NT_P_GAUGE,
	  NT_F_INFO, NULL, NT_CTA_BUCKETS, "Hash table buckets (global)" },
	{ "fill_pct", "FILL%", 0, NT_T_DOUBLE, SOFF(fill_pct), NT_P_GAUGE,
	  NT_F_INFO | NT_F_DEF, NULL, -1,
	  "Entries / maximum, 0..1 (fill_pct in JSON and tables is the same in percent)",
	  "fill_ratio", 0.01 },
	{ "assured", "ASSURED", 0, NT_T_U64, SOFF(assured), NT_P_GAUGE,
	  NT_F_INFO, NULL, NT_CTA_ASSURED,
	  "Entries marked ASSURED (never evicted by early drop), from the last dump",
	  "assured_entries" },
	{ "unreplied", "UNREPLIED", 0, NT_T_U64, SOFF(unreplied), NT_P_GAUGE,
	  NT_F_INFO, NULL, NT_CTA_UNREPLIED,
	  "Entries that have seen no reply (evictable), from the last dump",
	  "unreplied_entries" },
	{ "effective_fill_pct", "EFF-FILL%", 0, NT_T_DOUBLE,
	  SOFF(effective_fill_pct), NT_P_GAUGE, NT_F_INFO, NULL, -1,
	  "ASSURED entries / maximum, 0..1: what early drop cannot free (JSON: effective_fill_pct)",
	  "effective_fill_ratio", 0.01 },
	{ "growth_per_s", "GROWTH/s", 0, NT_T_DOUBLE, SOFF(growth_per_s),
	  NT_P_GAUGE, NT_F_RATE | NT_F_NOTABLE, NULL, -1,
	  "Entries added per second (net) since the baseline (-i or the previous run); negative when shrinking",
	  "growth_entries_per_second" },
	{ "time_to_full_s", "TTF", 0, NT_T_DOUBLE, SOFF(time_to_full_s),
	  NT_P_GAUGE, NT_F_RATE | NT_F_NOTABLE, NULL, -1,
	  "Projected seconds until the count reaches the maximum at the current growth; null when not growing",
	  "time_to_full_seconds" },
	{ "source", "SOURCE", 0, NT_T_STR, SOFF(source), NT_P_NONE,
	  NT_F_INFO, NULL, -1, "Where the numbers came from: ctnetlink or proc" },
	{ "max_scope", "SCOPE", 0, NT_T_STR, SOFF(max_scope), NT_P_NONE,
	  NT_F_INFO, NULL, -1, "Whether the maximum is global or per namespace" },
	{ "counters_reset", "RESET", 0, NT_T_BOOL, SOFF(reset), NT_P_NONE,
	  NT_F_RATE | NT_F_NOTABLE, NULL, -1,
	  "Per-CPU counters went down or jumped implausibly, or the CPU set changed, since the baseline: no deltas or rates" },
	{ "counters_reset_reason", NULL, 0, NT_T_STR, SOFF(reset_reason), NT_P_NONE,
	  NT_F_RATE | NT_F_NOTABLE, NULL, NT_CTA_RESET,
	  "Why the counters were taken as reset (null when they were not)" },
#define NAMES(...) 0
#define NT_X(n, a, p, h) { #n, #n, 0, NT_T_U64, SC(NT_CTS_##n), NT_P_COUNTER, \
	  NT_F_TOTAL | NT_F_DEF, "stats", NT_CTS_##n, h },
	NT_CT_STATS(NT_X)
#undef NT_X
#define NT_X(n, a, p, h) { #n, #n "/s", 0, NT_T_DOUBLE, SR(NT_CTS_##n), NT_P_NONE, \
	  NT_F_RATE | NT_F_DEF, "rates", NT_CTS_##n, h " per second" },
	NT_CT_STATS(NT_X)
#undef NT_X
#define NT_X(n, a, p, h) { #n, NULL, 0, NT_T_U64, SD(NT_CTS_##n), NT_P_NONE, \
	  NT_F_RATE | NT_F_NOTABLE, "deltas", NT_CT_DELTA_BIT + NT_CTS_##n, \
	  h " since the baseline" },
	NT_CT_STATS(NT_X)
#undef NT_X
#undef NAMES
};

const struct nt_rectype nt_ct_summary_rectype = {
	.json_array = NULL,
	.prom_prefix = "nettriage_conntrack",
	.fields = summary_fields,
	.nfields = sizeof(summary_fields) / sizeof(summary_fields[0]),
	.size = sizeof(struct nt_ct_summary),
	.avail_off = SOFF(avail),
	.subject_off = -1,
};

#define COFF(m) offsetof(struct nt_ct_cpu, m)
#define CC(i) (COFF(c) + (size_t)(i) * sizeof(uint64_t))
#define CE(i) (COFF(extra) + (size_t)(i) * sizeof(struct nt_ct_extra) + \
	       offsetof(struct nt_ct_extra, v))

static const struct nt_field cpu_fields[] = {
	{ "cpu", "CPU", 0, NT_T_U32, COFF(cpu), NT_P_LABEL, NT_F_ID | NT_F_DEF,
	  NULL, -1, "CPU (netlink) or row of /proc/net/stat/nf_conntrack" },
#define NAMES(...) 0
#define NT_X(n, a, p, h) { #n, #n, 0, NT_T_U64, CC(NT_CTS_##n), NT_P_COUNTER, \
	  NT_F_TOTAL | NT_F_DEF, NULL, NT_CTS_##n, \
	  h " on this CPU (32-bit: a wrap reads as a counter reset)" },
	NT_CT_STATS(NT_X)
#undef NT_X
#undef NAMES
	/* "extra": {} also when the kernel gave no unnamed counter */
	{ NULL, NULL, 0, NT_T_U64, 0, NT_P_NONE, NT_F_TOTAL | NT_F_NOTABLE,
	  "extra", -1, "Counters this version does not name" },
};
_Static_assert(sizeof(cpu_fields) / sizeof(cpu_fields[0]) == NT_CT_CPU_NFIELDS,
	       "NT_CT_CPU_NFIELDS");

const struct nt_rectype nt_ct_cpu_rectype = {
	.json_array = "per_cpu",
	.prom_prefix = "nettriage_conntrack_cpu",
	.fields = cpu_fields,
	.nfields = sizeof(cpu_fields) / sizeof(cpu_fields[0]),
	.size = sizeof(struct nt_ct_cpu),
	.avail_off = COFF(avail),
	.subject_off = -1,
};

/* A name that is a JSON key of the schema and a metric name part. */
static bool extra_name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static size_t extra_find(const struct nt_ct_cpu *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nextra; i++)
		if (!strcmp(c->extra[i].name, name))
			return i;
	return SIZE_MAX;
}

void nt_ct_cpu_fields(struct nt_ct_cpu_fields *t, struct nt_ct_sample *x)
{
	const uint64_t bits = ((1ull << NT_CT_MAX_EXTRA) - 1) << NT_CT_EXTRA_BIT;
	struct nt_ct_extra e[NT_CT_MAX_EXTRA];
	size_t k, i, j, n = 0;

	for (k = 0; k < x->ncpu; k++)
		for (i = 0; i < x->cpu[k].nextra && i < NT_CT_MAX_EXTRA; i++) {
			const char *nm = x->cpu[k].extra[i].name;

			if (!extra_name_ok(nm))
				continue;
			for (j = 0; j < n && strcmp(t->name[j], nm); j++)
				;
			if (j == n && n < NT_CT_MAX_EXTRA)
				snprintf(t->name[n++], sizeof(t->name[0]), "%s", nm);
		}
	for (k = 0; k < x->ncpu; k++) {
		struct nt_ct_cpu *c = &x->cpu[k];

		memset(e, 0, sizeof(e));
		c->avail &= ~bits;
		for (j = 0; j < n; j++) {
			memcpy(e[j].name, t->name[j], sizeof(e[j].name));
			i = extra_find(c, t->name[j]);
			if (i == SIZE_MAX)
				continue;
			e[j].v = c->extra[i].v;
			c->avail |= 1ull << (NT_CT_EXTRA_BIT + j);
		}
		memcpy(c->extra, e, sizeof(e));
		c->nextra = (unsigned)n;
	}
	memcpy(t->f, cpu_fields, sizeof(cpu_fields));
	for (j = 0; j < n; j++) {
		snprintf(t->help[j], sizeof(t->help[0]),
			 "Counter %s on this CPU that this version does not name (32-bit: a wrap reads as a counter reset)",
			 t->name[j]);
		t->f[NT_CT_CPU_NFIELDS + j] = (struct nt_field){
			t->name[j], t->name[j], 0, NT_T_U32, CE(j), NT_P_COUNTER,
			NT_F_TOTAL | NT_F_DEF, "extra", (int)(NT_CT_EXTRA_BIT + j),
			t->help[j], NULL, 0 };
	}
	t->rt = nt_ct_cpu_rectype;
	t->rt.fields = t->f;
	t->rt.nfields = NT_CT_CPU_NFIELDS + n;
}

#define DOFF(m) offsetof(struct nt_ct_dump, m)

/* The fields after note are the breakdown's: NT_F_TOTAL, selected with
 * --by only. */
static const struct nt_field dump_fields[] = {
	{ "key", "BY", 0, NT_T_STR, DOFF(key), NT_P_LABEL, NT_F_INFO, NULL, -1,
	  "The --by key, or none for -e", "by" },
	{ "entries", "ENTRIES", 0, NT_T_U64, DOFF(entries), NT_P_GAUGE, NT_F_INFO,
	  NULL, -1, "Entries the last dump read (and the filter kept)" },
	{ "duration_ms", "DUMP-MS", 0, NT_T_DOUBLE, DOFF(duration_ms), NT_P_GAUGE,
	  NT_F_INFO, NULL, -1, "How long the last dump took, seconds (JSON: duration_ms)",
	  "duration_seconds", 0.001 },
	{ "filtered", "FILTERED", 0, NT_T_U64, DOFF(filtered), NT_P_GAUGE, NT_F_INFO,
	  NULL, -1, "Entries of the last dump dropped by the filter check in user space",
	  "filtered_entries" },
	{ "malformed", "MALFORMED", 0, NT_T_U64, DOFF(malformed), NT_P_GAUGE,
	  NT_F_INFO, NULL, -1, "Entries of the last dump that did not parse",
	  "malformed_entries" },
	{ "note", NULL, 0, NT_T_STR, DOFF(note), NT_P_NONE, NT_F_INFO | NT_F_NOTABLE,
	  NULL, -1, "That a dump makes the kernel reap expired entries" },
	{ "exact", "EXACT", 0, NT_T_BOOL, DOFF(exact), NT_P_GAUGE, NT_F_TOTAL, NULL,
	  -1, "1 while every breakdown count is exact (the values fit the counters)" },
	{ "counters", "COUNTERS", 0, NT_T_U64, DOFF(counters), NT_P_GAUGE, NT_F_TOTAL,
	  NULL, -1, "Counters of the breakdown (--counters)" },
	{ "distinct", "DISTINCT", 0, NT_T_U64, DOFF(distinct), NT_P_GAUGE, NT_F_TOTAL,
	  NULL, -1, "Distinct values of the key: exact, or a HyperLogLog estimate when distinct_estimated is 1",
	  "distinct_values" },
	{ "distinct_estimated", "ESTIMATED", 0, NT_T_BOOL, DOFF(distinct_estimated),
	  NT_P_GAUGE, NT_F_TOTAL, NULL, -1, "1 when distinct is an estimate" },
	{ "count_error_max", "MAX-OVER", 0, NT_T_U64, DOFF(count_error_max),
	  NT_P_GAUGE, NT_F_TOTAL, NULL, -1,
	  "Bound on every row's over-estimate: 0 when exact, else the smallest counter",
	  "entries_error_max" },
};

const struct nt_rectype nt_ct_dump_rectype = {
	.json_array = NULL,
	.prom_prefix = "nettriage_conntrack_breakdown",
	.fields = dump_fields,
	.nfields = sizeof(dump_fields) / sizeof(dump_fields[0]),
	.size = sizeof(struct nt_ct_dump),
	.avail_off = -1,
	.subject_off = -1,
};

#define TOFF(m) offsetof(struct nt_ct_top, m)

static const struct nt_field top_fields[] = {
	{ "by", "BY", 0, NT_T_STR, TOFF(by), NT_P_LABEL, NT_F_INFO | NT_F_NOTABLE,
	  NULL, -1, "Breakdown key" },
	{ "value", "VALUE", 0, NT_T_STR, TOFF(value), NT_P_LABEL,
	  NT_F_ID | NT_F_DEF, NULL, -1, "Value of the breakdown key" },
	{ "count", "ENTRIES", 0, NT_T_U64, TOFF(count), NT_P_GAUGE,
	  NT_F_TOTAL | NT_F_DEF, NULL, -1,
	  "Entries with this value in the last dump (an over-estimate by at most count_error_max)",
	  "entries" },
	{ "count_error_max", "MAX-OVER", 0, NT_T_U64, TOFF(err), NT_P_GAUGE,
	  NT_F_TOTAL, NULL, -1,
	  "Bound on the over-estimate of the count: 0 when exact (Space-Saving error)",
	  "entries_error_max" },
	{ "pct", "PCT", 0, NT_T_DOUBLE, TOFF(pct), NT_P_GAUGE,
	  NT_F_TOTAL | NT_F_DEF, NULL, -1,
	  "Entries with this value / entries read, 0..1 (JSON: pct, in percent)",
	  "entries_ratio", 0.01 },
};

const struct nt_rectype nt_ct_top_rectype = {
	.json_array = "top",
	.prom_prefix = "nettriage_conntrack_top",
	.fields = top_fields,
	.nfields = sizeof(top_fields) / sizeof(top_fields[0]),
	.size = sizeof(struct nt_ct_top),
	.avail_off = -1,
	.subject_off = -1,
};

#define EOFF(m) offsetof(struct nt_ct_events, m)

static const struct nt_field events_fields[] = {
	{ "seconds", "WINDOW-S", 0, NT_T_DOUBLE, EOFF(seconds), NT_P_GAUGE,
	  NT_F_INFO, NULL, -1, "Window asked for with --events, seconds",
	  "window_seconds" },
	{ "elapsed_s", "ELAPSED-S", 0, NT_T_DOUBLE, EOFF(elapsed_s), NT_P_GAUGE,
	  NT_F_INFO, NULL, -1, "Length of the window as measured (CLOCK_MONOTONIC), seconds",
	  "elapsed_seconds" },
	{ "interrupted", "INTR", 0, NT_T_BOOL, EOFF(interrupted), NT_P_NONE,
	  NT_F_INFO, NULL, -1, "SIGINT or SIGTERM ended the window early" },
	{ "new", "NEW", 0, NT_T_U64, EOFF(new_flows), NT_P_GAUGE, NT_F_INFO, NULL,
	  -1, "NEW events (flows created) in the window", "new_flows" },
	{ "destroy", "DESTROY", 0, NT_T_U64, EOFF(destroyed), NT_P_GAUGE,
	  NT_F_INFO, NULL, -1, "DESTROY events (flows removed) in the window",
	  "destroyed_flows" },
	{ "new_per_s", "NEW/s", 0, NT_T_DOUBLE, EOFF(new_per_s), NT_P_GAUGE,
	  NT_F_INFO, NULL, -1, "NEW events per second over the window",
	  "new_flows_per_second" },
	{ "destroy_per_s", "DESTROY/s", 0, NT_T_DOUBLE, EOFF(destroy_per_s),
	  NT_P_GAUGE, NT_F_INFO, NULL, -1, "DESTROY events per second over the window",
	  "destroyed_flows_per_second" },
	{ "peak_new_per_s", "PEAK-NEW/s", 0, NT_T_U64, EOFF(peak_new_per_s),
	  NT_P_GAUGE, NT_F_INFO, NULL, -1,
	  "NEW events in the busiest whole second of the window (by the time they were read)",
	  "peak_new_flows_per_second" },
	{ "peak_destroy_per_s", "PEAK-DESTROY/s", 0, NT_T_U64,
	  EOFF(peak_destroy_per_s), NT_P_GAUGE, NT_F_INFO, NULL, -1,
	  "DESTROY events in the busiest whole second of the window",
	  "peak_destroyed_flows_per_second" },
	{ "overruns", "OVERRUNS", 0, NT_T_U64, EOFF(overruns), NT_P_GAUGE,
	  NT_F_INFO, NULL, -1,
	  "ENOBUFS on the event socket: the kernel dropped events at least this many times (each loses one or more)" },
	{ "malformed", "MALFORMED", 0, NT_T_U64, EOFF(malformed), NT_P_GAUGE,
	  NT_F_INFO, NULL, -1, "Event messages the library refused",
	  "malformed_messages" },
	{ "unread_bytes", "UNREAD", 0, NT_T_U64, EOFF(unread_bytes), NT_P_GAUGE,
	  NT_F_INFO, NULL, -1,
	  "Bytes of events still queued when the read after the window stopped (0.2 s): delivered but not counted" },
	{ "rcvbuf_bytes", "RCVBUF", 0, NT_T_U64, EOFF(rcvbuf_bytes), NT_P_GAUGE,
	  NT_F_INFO, NULL, -1, "Receive buffer of the event socket as the kernel set it, bytes" },
	{ "rcvbuf_how", "HOW", 0, NT_T_STR, EOFF(rcvbuf_how), NT_P_NONE,
	  NT_F_INFO, NULL, -1,
	  "How it was raised: SO_RCVBUFFORCE (CAP_NET_ADMIN, above rmem_max) or SO_RCVBUF (capped by net.core.rmem_max)" },
	{ "exact", "EXACT", 0, NT_T_BOOL, EOFF(exact), NT_P_GAUGE, NT_F_INFO, NULL,
	  -1, "1 while the top source and destination counts are exact (the addresses fit the counters)",
	  "top_exact" },
	{ "counters", "COUNTERS", 0, NT_T_U64, EOFF(counters), NT_P_GAUGE,
	  NT_F_INFO, NULL, -1, "Counters of each top list (--counters)",
	  "top_counters" },
	{ "count_error_max", "MAX-OVER", 0, NT_T_U64, EOFF(count_error_max),
	  NT_P_GAUGE, NT_F_INFO, NULL, -1,
	  "Bound on the over-estimate of every top row: 0 when exact, else the smallest counter (<= new / counters)",
	  "top_error_max" },
	{ "distinct_src", "SRCS", 0, NT_T_U64, EOFF(distinct_src), NT_P_GAUGE,
	  NT_F_INFO, NULL, -1, "Distinct sources of new flows (exact, or a HyperLogLog estimate when exact is 0)",
	  "distinct_sources" },
	{ "distinct_dst", "DSTS", 0, NT_T_U64, EOFF(distinct_dst), NT_P_GAUGE,
	  NT_F_INFO, NULL, -1, "Distinct destinations of new flows (as distinct_src)",
	  "distinct_destinations" },
};

const struct nt_rectype nt_ct_events_rectype = {
	.json_array = NULL,
	.prom_prefix = "nettriage_conntrack_events",
	.fields = events_fields,
	.nfields = sizeof(events_fields) / sizeof(events_fields[0]),
	.size = sizeof(struct nt_ct_events),
	.avail_off = -1,
	.subject_off = -1,
};

static const struct nt_field evtop_fields[] = {
	{ "value", "VALUE", 0, NT_T_STR, TOFF(value), NT_P_LABEL,
	  NT_F_ID | NT_F_DEF | NT_F_LEFT, NULL, -1,
	  "Source address, destination address or protocol of new flows" },
	{ "new", "NEW", 0, NT_T_U64, TOFF(count), NT_P_GAUGE,
	  NT_F_TOTAL | NT_F_DEF, NULL, -1,
	  "NEW events in the window with this value (an over-estimate by at most count_error_max)",
	  "new_flows" },
	{ "count_error_max", "MAX-OVER", 0, NT_T_U64, TOFF(err), NT_P_GAUGE,
	  NT_F_TOTAL, NULL, -1,
	  "Bound on the over-estimate of new: 0 when exact (Space-Saving error)",
	  "new_flows_error_max" },
	{ "pct", "PCT", 0, NT_T_DOUBLE, TOFF(pct), NT_P_GAUGE,
	  NT_F_TOTAL | NT_F_DEF, NULL, -1,
	  "Share of the window's new flows, 0..1 (JSON: pct, in percent)",
	  "new_flows_ratio", 0.01 },
};

#define EVTOP(name, arr, prefix) \
const struct nt_rectype name = { \
	.json_array = arr, .prom_prefix = prefix, .fields = evtop_fields, \
	.nfields = sizeof(evtop_fields) / sizeof(evtop_fields[0]), \
	.size = sizeof(struct nt_ct_top), .avail_off = -1, .subject_off = -1, \
}
EVTOP(nt_ct_evtop_src_rectype, "top_src", "nettriage_conntrack_events_src");
EVTOP(nt_ct_evtop_dst_rectype, "top_dst", "nettriage_conntrack_events_dst");
EVTOP(nt_ct_evproto_rectype, "protocols", "nettriage_conntrack_events_proto");
