/* stack: thresholds, history and field tables of the qdisc and
 * neighbour-table sources (stack_nl.c, stack_nl_neigh.c). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nettriage.h"
#include "nt_history.h"
#include "nt_output.h"
#include "nt_stack_nl.h"

void nt_stack_nl_thresholds_default(struct nt_stack_nl_thresholds *t)
{
	t->crit_qdisc_pct = 1;
	t->warn_neigh_pct = 75;
	t->crit_neigh_pct = 90;
}

/* ---- history ---- */

#define QD_NV 8
#define NT_NV 19
#define QD_DATA (1u << NT_QD_BASIC | 1u << NT_QD_QUEUE)
#define NT_DATA (1u << NT_NT_THRESH | 1u << NT_NT_CONFIG | 1u << NT_NT_STATS | \
		 1u << NT_NT_UNRES | 1u << NT_NT_FULLS | 1u << NT_NT_GC)

/* A kind as a history key: no white space, never empty. */
static bool plain_word(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ')
			return false;
	return true;
}

int nt_stack_nl_hist_put(const struct nt_qdisc_list *q,
			 const struct nt_neightbl_list *t, struct nt_hist *h)
{
	size_t i;
	int r;

	for (i = 0; q && i < q->n; i++) {
		const struct nt_qdisc *c = &q->v[i];
		char subj[64];
		uint64_t v[QD_NV] = { c->bytes, c->packets, c->drops, c->requeues,
				      c->overlimits, c->qlen, c->backlog,
				      c->avail & QD_DATA };

		if (!plain_word(c->kind))
			continue;
		snprintf(subj, sizeof(subj), "qdisc:%" PRIu32 ":%" PRIx32 ":%" PRIx32,
			 c->ifindex, c->handle, c->parent);
		r = nt_hist_put_vec(h, subj, c->kind, v, QD_NV);
		if (r)
			return r;
	}
	for (i = 0; t && i < t->n; i++) {
		const struct nt_neightbl *c = &t->v[i];
		char subj[64];
		uint64_t v[NT_NV] = { c->family, c->avail & NT_DATA, c->thresh1,
				      c->thresh2, c->thresh3, c->gc_interval_ms,
				      c->entries, c->allocs, c->destroys,
				      c->hash_grows, c->res_failed, c->lookups,
				      c->hits, c->rcv_probes_mcast,
				      c->rcv_probes_ucast, c->periodic_gc_runs,
				      c->forced_gc_runs, c->table_fulls,
				      c->unresolved_discards };

		if (!plain_word(c->name))
			continue;
		snprintf(subj, sizeof(subj), "neigh:%s", c->name);
		r = nt_hist_put_vec(h, subj, "table", v, NT_NV);
		if (r)
			return r;
	}
	return 0;
}

static int get_qdisc(const struct nt_hist_ent *e, struct nt_qdisc_list *q)
{
	struct nt_qdisc *c;
	uint32_t ifindex, handle, parent;
	char tail;

	if (e->n != QD_NV || strlen(e->key) >= sizeof(c->kind) ||
	    sscanf(e->subject, "qdisc:%" SCNu32 ":%" SCNx32 ":%" SCNx32 "%c",
		   &ifindex, &handle, &parent, &tail) != 3)
		return 0;
	if (nt_grow(&q->v, q->n, &q->cap, sizeof(*q->v), 16))
		return -ENOMEM;
	c = &q->v[q->n++];
	memset(c, 0, sizeof(*c));
	c->ifindex = ifindex;
	c->handle = handle;
	c->parent = parent;
	memcpy(c->kind, e->key, strlen(e->key) + 1);
	c->bytes = e->vec[0];
	c->packets = e->vec[1];
	c->drops = (uint32_t)e->vec[2];
	c->requeues = (uint32_t)e->vec[3];
	c->overlimits = (uint32_t)e->vec[4];
	c->qlen = (uint32_t)e->vec[5];
	c->backlog = (uint32_t)e->vec[6];
	c->avail = e->vec[7] & QD_DATA;
	c->drops_rate = c->drop_pct = NAN;
	snprintf(c->iface, sizeof(c->iface), "if%" PRIu32, ifindex);
	return 0;
}

static void get_tbl(const struct nt_hist_ent *e, struct nt_neightbl_list *t)
{
	const char *name = e->subject + 6;
	struct nt_neightbl *c;

	if (e->n != NT_NV || strcmp(e->key, "table") || !*name ||
	    strlen(name) >= sizeof(c->name) || t->n >= sizeof(t->v) / sizeof(t->v[0]))
		return;
	c = &t->v[t->n++];
	memset(c, 0, sizeof(*c));
	memcpy(c->name, name, strlen(name) + 1);
	snprintf(c->scope, sizeof(c->scope), "global");
	c->family = (uint32_t)e->vec[0];
	c->avail = e->vec[1] & NT_DATA;
	c->thresh1 = (uint32_t)e->vec[2];
	c->thresh2 = (uint32_t)e->vec[3];
	c->thresh3 = (uint32_t)e->vec[4];
	c->gc_interval_ms = e->vec[5];
	c->entries = (uint32_t)e->vec[6];
	c->allocs = e->vec[7];
	c->destroys = e->vec[8];
	c->hash_grows = e->vec[9];
	c->res_failed = e->vec[10];
	c->lookups = e->vec[11];
	c->hits = e->vec[12];
	c->rcv_probes_mcast = e->vec[13];
	c->rcv_probes_ucast = e->vec[14];
	c->periodic_gc_runs = e->vec[15];
	c->forced_gc_runs = e->vec[16];
	c->table_fulls = e->vec[17];
	c->unresolved_discards = e->vec[18];
	c->fill_pct = c->thresh3 ? 100.0 * c->entries / c->thresh3 : NAN;
}

int nt_stack_nl_hist_get(const struct nt_hist *h, struct nt_qdisc_list *q,
			 struct nt_neightbl_list *t)
{
	size_t i;

	if (q)
		q->n = 0;
	if (t)
		t->n = 0;
	for (i = 0; i < h->n; i++) {
		const struct nt_hist_ent *e = &h->e[i];

		if (q && !strncmp(e->subject, "qdisc:", 6)) {
			if (get_qdisc(e, q))
				return -ENOMEM;
		} else if (t && !strncmp(e->subject, "neigh:", 6)) {
			get_tbl(e, t);
		}
	}
	return 0;
}

/* ---- field tables ---- */

#define QOFF(m) offsetof(struct nt_qdisc, m)
static const struct nt_field qdisc_fields[] = {
	{ "iface", "IFACE", 0, NT_T_STR, QOFF(iface), NT_P_LABEL,
	  NT_F_ID | NT_F_DEF | NT_F_LEFT, NULL, -1, "Interface", "iface" },
	{ "ifindex", NULL, 0, NT_T_U32, QOFF(ifindex), NT_P_NONE,
	  NT_F_ID | NT_F_NOTABLE, NULL, -1, "Interface index" },
	{ "kind", "KIND", 0, NT_T_STR, QOFF(kind), NT_P_LABEL,
	  NT_F_ID | NT_F_DEF | NT_F_LEFT, NULL, -1, "Qdisc kind (TCA_KIND)", "kind" },
	{ "handle", "HANDLE", 0, NT_T_STR, QOFF(handle_s), NT_P_LABEL,
	  NT_F_ID | NT_F_DEF | NT_F_LEFT, NULL, -1, "Handle, as tc prints it", "handle" },
	{ "parent", "PARENT", 0, NT_T_STR, QOFF(parent_s), NT_P_LABEL,
	  NT_F_ID | NT_F_DEF | NT_F_LEFT, NULL, -1,
	  "Parent: root, a class id (1:10) or ffff:fff1 (ingress)", "parent" },
	{ "bytes", "BYTES", 0, NT_T_U64, QOFF(bytes), NT_P_COUNTER,
	  NT_F_TOTAL, NULL, NT_QD_BASIC, "Bytes sent by the qdisc (TCA_STATS_BASIC)" },
	{ "packets", "PACKETS", 0, NT_T_U64, QOFF(packets), NT_P_COUNTER,
	  NT_F_TOTAL | NT_F_DEF, NULL, NT_QD_BASIC, "Packets sent by the qdisc (TCA_STATS_BASIC)" },
	{ "drops", "DROPS", 0, NT_T_U32, QOFF(drops), NT_P_COUNTER,
	  NT_F_TOTAL | NT_F_DEF, NULL, NT_QD_QUEUE, "Packets the qdisc dropped (TCA_STATS_QUEUE)" },
	{ "requeues", "REQUEUES", 0, NT_T_U32, QOFF(requeues), NT_P_COUNTER,
	  NT_F_TOTAL, NULL, NT_QD_QUEUE, "Packets requeued (driver busy)" },
	{ "overlimits", "OVERLIM", 0, NT_T_U32, QOFF(overlimits), NT_P_COUNTER,
	  NT_F_TOTAL | NT_F_DEF, NULL, NT_QD_QUEUE, "Times the qdisc was over its limit (shaping)" },
	{ "qlen", "QLEN", 0, NT_T_U32, QOFF(qlen), NT_P_GAUGE,
	  NT_F_INFO | NT_F_DEF, NULL, NT_QD_QUEUE, "Packets queued now" },
	{ "backlog", "BACKLOG", 0, NT_T_U32, QOFF(backlog), NT_P_GAUGE,
	  NT_F_INFO | NT_F_DEF, NULL, NT_QD_QUEUE, "Bytes queued now", "backlog_bytes" },
	{ "drops_delta", "DROPS+", 0, NT_T_U64, QOFF(drops_delta), NT_P_NONE,
	  NT_F_DELTA | NT_F_DEF, NULL, NT_QD_DELTA, "Drops over the baseline" },
	{ "packets_delta", "PKTS+", 0, NT_T_U64, QOFF(packets_delta), NT_P_NONE,
	  NT_F_DELTA, NULL, NT_QD_DELTA, "Packets sent over the baseline" },
	{ "drops_per_s", "DROPS/s", 0, NT_T_DOUBLE, QOFF(drops_rate), NT_P_NONE,
	  NT_F_RATE | NT_F_DEF, NULL, NT_QD_RATE, "Drops per second over the interval" },
	{ "drop_pct", "DROP%", 0, NT_T_DOUBLE, QOFF(drop_pct), NT_P_NONE,
	  NT_F_RATE | NT_F_DEF, NULL, NT_QD_DELTA,
	  "Drops over the baseline in percent of the packets offered (sent + dropped)" },
};

const struct nt_rectype nt_qdisc_rectype = {
	.json_array = "qdiscs",
	.prom_prefix = "nettriage_stack_qdisc",
	.fields = qdisc_fields,
	.nfields = sizeof(qdisc_fields) / sizeof(qdisc_fields[0]),
	.size = sizeof(struct nt_qdisc),
	.avail_off = QOFF(avail),
	.subject_off = QOFF(subject),
};

#define NOFF(m) offsetof(struct nt_neightbl, m)
#define NSTAT(key, m, help) \
	{ key, NULL, 0, NT_T_U64, NOFF(m), NT_P_COUNTER, NT_F_TOTAL | NT_F_NOTABLE, \
	  NULL, NT_NT_STATS, help }
static const struct nt_field neigh_fields[] = {
	{ "table", "TABLE", 0, NT_T_STR, NOFF(name), NT_P_LABEL,
	  NT_F_ID | NT_F_DEF | NT_F_LEFT, NULL, -1, "Neighbour table (arp_cache, ndisc_cache)", "table" },
	{ "scope", "SCOPE", 0, NT_T_STR, NOFF(scope), NT_P_NONE,
	  NT_F_INFO | NT_F_DEF | NT_F_LEFT, NULL, -1,
	  "global: one table and one set of thresholds for every namespace" },
	{ "entries", "ENTRIES", 0, NT_T_U32, NOFF(entries), NT_P_GAUGE,
	  NT_F_INFO | NT_F_DEF, NULL, NT_NT_CONFIG, "Entries in the table (ndtc_entries)" },
	{ "gc_thresh1", "THRESH1", 0, NT_T_U32, NOFF(thresh1), NT_P_GAUGE,
	  NT_F_INFO, NULL, NT_NT_THRESH, "gc_thresh1: no garbage collection below" },
	{ "gc_thresh2", "THRESH2", 0, NT_T_U32, NOFF(thresh2), NT_P_GAUGE,
	  NT_F_INFO, NULL, NT_NT_THRESH, "gc_thresh2: soft maximum" },
	{ "gc_thresh3", "THRESH3", 0, NT_T_U32, NOFF(thresh3), NT_P_GAUGE,
	  NT_F_INFO | NT_F_DEF, NULL, NT_NT_THRESH, "gc_thresh3: hard maximum" },
	{ "fill_pct", "FILL%", 0, NT_T_DOUBLE, NOFF(fill_pct), NT_P_GAUGE,
	  NT_F_INFO | NT_F_DEF, NULL, -1, "entries / gc_thresh3 (JSON and tables: percent)",
	  "fill_ratio", 0.01 },
	{ "gc_interval_ms", NULL, 0, NT_T_U64, NOFF(gc_interval_ms), NT_P_GAUGE,
	  NT_F_INFO | NT_F_NOTABLE, NULL, NT_NT_GC, "Garbage collection interval",
	  "gc_interval_seconds", 0.001 },
	NSTAT("allocs", allocs, "Entries allocated"),
	NSTAT("destroys", destroys, "Entries destroyed"),
	NSTAT("hash_grows", hash_grows, "Times the hash table grew"),
	{ "res_failed", "RESFAIL", 0, NT_T_U64, NOFF(res_failed), NT_P_COUNTER,
	  NT_F_TOTAL | NT_F_DEF, NULL, NT_NT_STATS, "Failed resolutions" },
	NSTAT("lookups", lookups, "Lookups"),
	NSTAT("hits", hits, "Lookup hits"),
	NSTAT("rcv_probes_mcast", rcv_probes_mcast, "Multicast probes received"),
	NSTAT("rcv_probes_ucast", rcv_probes_ucast, "Unicast probes received"),
	NSTAT("periodic_gc_runs", periodic_gc_runs, "Periodic garbage collection runs"),
	{ "forced_gc_runs", "FORCEDGC", 0, NT_T_U64, NOFF(forced_gc_runs), NT_P_COUNTER,
	  NT_F_TOTAL | NT_F_DEF, NULL, NT_NT_STATS,
	  "Forced garbage collection runs (table above gc_thresh2/3)" },
	{ "table_fulls", "FULLS", 0, NT_T_U64, NOFF(table_fulls), NT_P_COUNTER,
	  NT_F_TOTAL | NT_F_DEF, NULL, NT_NT_FULLS,
	  "Times the table was full (no entry could be added)" },
	{ "unresolved_discards", "UNRESDISC", 0, NT_T_U64, NOFF(unresolved_discards),
	  NT_P_COUNTER, NT_F_TOTAL | NT_F_DEF, NULL, NT_NT_UNRES,
	  "Packets dropped while their neighbour was unresolved (/proc/net/stat, all CPUs)" },
};

const struct nt_rectype nt_neightbl_rectype = {
	.json_array = "neigh_tables",
	.prom_prefix = "nettriage_stack_neigh",
	.fields = neigh_fields,
	.nfields = sizeof(neigh_fields) / sizeof(neigh_fields[0]),
	.size = sizeof(struct nt_neightbl),
	.avail_off = NOFF(avail),
	.subject_off = NOFF(name),
};
