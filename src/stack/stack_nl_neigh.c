/* stack: the neighbour tables from one RTM_GETNEIGHTBL dump (arp_cache,
 * ndisc_cache), their unresolved_discards from /proc/net/stat, and the
 * stack.neigh verdicts. The tables and their gc_thresh* are global: the
 * kernel keeps one per family for every namespace. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include "nettriage.h"
#include "nt_nl.h"
#include "nt_stack_nl.h"
#include "nt_verdict.h"
#include "stack_nl_priv.h"

struct nt_parse {
	struct nt_neightbl *t;
	uint32_t parms_ifindex;
	bool name;
};

static int parms_cb(uint16_t type, const void *p, size_t len, void *data)
{
	struct nt_parse *st = data;

	if (type == NDTPA_IFINDEX && len >= sizeof(uint32_t))
		memcpy(&st->parms_ifindex, p, sizeof(uint32_t));
	return 0;
}

static uint32_t get_u32(const void *p, size_t len)
{
	uint32_t v = 0;

	nt_snl_copy(&v, sizeof(v), p, len);
	return v;
}

static int tbl_cb(uint16_t type, const void *p, size_t len, void *data)
{
	struct nt_parse *st = data;
	struct nt_neightbl *t = st->t;

	switch (type) {
	case NDTA_NAME:
		nt_snl_str(t->name, sizeof(t->name), p, len);
		st->name = true;
		break;
	case NDTA_THRESH1:
		t->thresh1 = get_u32(p, len);
		t->avail |= 1u << NT_NT_THRESH;
		break;
	case NDTA_THRESH2:
		t->thresh2 = get_u32(p, len);
		t->avail |= 1u << NT_NT_THRESH;
		break;
	case NDTA_THRESH3:
		t->thresh3 = get_u32(p, len);
		t->avail |= 1u << NT_NT_THRESH;
		break;
	case NDTA_GC_INTERVAL:
		nt_snl_copy(&t->gc_interval_ms, sizeof(t->gc_interval_ms), p, len);
		t->avail |= 1u << NT_NT_GC;
		break;
	case NDTA_CONFIG: {
		struct ndt_config c;

		nt_snl_copy(&c, sizeof(c), p, len);
		t->entries = c.ndtc_entries;
		t->avail |= 1u << NT_NT_CONFIG;
		break;
	}
	case NDTA_STATS: {
		struct ndt_stats s;

		nt_snl_copy(&s, sizeof(s), p, len);
		t->allocs = s.ndts_allocs;
		t->destroys = s.ndts_destroys;
		t->hash_grows = s.ndts_hash_grows;
		t->res_failed = s.ndts_res_failed;
		t->lookups = s.ndts_lookups;
		t->hits = s.ndts_hits;
		t->rcv_probes_mcast = s.ndts_rcv_probes_mcast;
		t->rcv_probes_ucast = s.ndts_rcv_probes_ucast;
		t->periodic_gc_runs = s.ndts_periodic_gc_runs;
		t->forced_gc_runs = s.ndts_forced_gc_runs;
		t->table_fulls = s.ndts_table_fulls;
		t->avail |= 1u << NT_NT_STATS;
		if (len >= sizeof(s))
			t->avail |= 1u << NT_NT_FULLS;
		break;
	}
	case NDTA_PARMS:
		return nt_snl_attrs(p, len, parms_cb, st);
	default:
		break;
	}
	return 0;
}

int nt_stack_parse_neightbl(const struct nlmsghdr *nlh, struct nt_neightbl *t,
			    bool *global)
{
	struct nt_parse st = { .t = t };
	struct ndtmsg m;
	int r;

	memset(t, 0, sizeof(*t));
	t->fill_pct = NAN;
	*global = false;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(m) ||
	    nlh->nlmsg_type != RTM_NEWNEIGHTBL)
		return -EINVAL;
	memcpy(&m, mnl_nlmsg_get_payload(nlh), sizeof(m));
	t->family = m.ndtm_family;
	snprintf(t->scope, sizeof(t->scope), "global");
	r = nt_snl_msg_attrs(nlh, RTM_NEWNEIGHTBL, sizeof(m), tbl_cb, &st);
	if (r)
		return r;
	/* neightbl_fill_param_info: a device's parameters, no table data */
	*global = st.name && !st.parms_ifindex &&
		  (t->avail & (1u << NT_NT_THRESH | 1u << NT_NT_CONFIG));
	if ((t->avail & (1u << NT_NT_THRESH)) && (t->avail & (1u << NT_NT_CONFIG)) &&
	    t->thresh3)
		t->fill_pct = 100.0 * t->entries / t->thresh3;
	return 0;
}

/* ---- /proc/net/stat/{arp,ndisc}_cache ---- */

static const char *skip_sp(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static const char *word_end(const char *p, const char *e)
{
	while (p < e && *p != ' ' && *p != '\t' && *p != '\n')
		p++;
	return p;
}

int nt_stack_parse_neigh_stat(const char *text, size_t len, struct nt_neightbl *t)
{
	static const char want[] = "unresolved_discards";
	const char *p = text, *e = text + len, *eol;
	long col = -1, i;
	uint64_t sum = 0;
	unsigned rows = 0;

	eol = memchr(p, '\n', len);
	if (!eol)
		return -EINVAL;
	for (i = 0, p = skip_sp(p, eol); p < eol; i++, p = skip_sp(p, eol)) {
		const char *w = word_end(p, eol);

		if ((size_t)(w - p) == sizeof(want) - 1 && !memcmp(p, want, sizeof(want) - 1))
			col = i;
		p = w;
	}
	if (col < 0)
		return -ENOENT;
	for (p = eol + 1; p < e; p = eol + 1) {
		uint64_t v = 0;
		const char *w;

		eol = memchr(p, '\n', (size_t)(e - p));
		if (!eol)
			eol = e;
		p = skip_sp(p, eol);
		if (p == eol) {
			if (eol == e)
				break;
			continue; /* blank line */
		}
		for (i = 0; i < col && p < eol; i++)
			p = skip_sp(word_end(p, eol), eol);
		if (p == eol)
			return -EINVAL; /* fewer columns than the header */
		w = word_end(p, eol);
		if (w == p || w - p > 16)
			return -EINVAL;
		for (; p < w; p++) {
			int d;

			if (*p >= '0' && *p <= '9')
				d = *p - '0';
			else if (*p >= 'a' && *p <= 'f')
				d = *p - 'a' + 10;
			else if (*p >= 'A' && *p <= 'F')
				d = *p - 'A' + 10;
			else
				return -EINVAL;
			v = v << 4 | (uint64_t)d;
		}
		sum += v;
		rows++;
		if (eol == e)
			break;
	}
	if (!rows)
		return -EINVAL;
	t->unresolved_discards = sum;
	t->avail |= 1u << NT_NT_UNRES;
	return 0;
}

/* ---- the dump ---- */

static int tbl_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nt_neightbl_list *l = data;
	struct nt_neightbl t;
	bool global;
	size_t i;
	int r;

	r = nt_stack_parse_neightbl(nlh, &t, &global);
	if (r)
		return r == -EINVAL ? -EBADMSG : r;
	if (!global)
		return 0;
	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, t.name))
			return 0; /* the kernel sends a table once; keep the first */
	if (l->n < sizeof(l->v) / sizeof(l->v[0]))
		l->v[l->n++] = t;
	return 0;
}

static void tbl_reset(void *data)
{
	((struct nt_neightbl_list *)data)->n = 0;
}

/* A table name as a file name: letters, digits and '_' only. */
static bool plain_name(const char *s)
{
	return *s && !s[strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_")];
}

int nt_stack_neightbl_dump(struct nt_neightbl_list *l)
{
	char req[256];
	struct nlmsghdr *nlh = (struct nlmsghdr *)req;
	struct nt_nl_walk w = { 0, 0, RTM_NEWNEIGHTBL, tbl_msg_cb, l, 0, 0 };
	struct ndtmsg *m = nt_snl_dump_req(req, RTM_GETNEIGHTBL, sizeof(*m));
	char *buf = NULL;
	size_t cap = 0, i;
	int r;

	m->ndtm_family = AF_UNSPEC; /* both tables */
	l->n = 0;
	r = nt_nl_dump(NETLINK_ROUTE, nlh, &w, tbl_reset, 5, 32768);
	if (r)
		return r;
	for (i = 0; i < l->n; i++) {
		/* The kernel makes these files in the initial namespace only
		 * (the counters are global): from another namespace, read
		 * them through pid 1's view when that is the initial one. */
		static const char *const where[] = { "net/stat/", "1/net/stat/" };
		size_t k;

		if (!plain_name(l->v[i].name))
			continue;
		for (k = 0; k < sizeof(where) / sizeof(where[0]); k++) {
			char rel[64], path[320];
			long n;

			snprintf(rel, sizeof(rel), "%s%s", where[k], l->v[i].name);
			/* one row per CPU: grows with the machine */
			n = nt_read_file_grow(nt_proc_path(rel, path, sizeof(path)), &buf, &cap);
			if (n > 0 && !nt_stack_parse_neigh_stat(buf, (size_t)n, &l->v[i]))
				break;
		}
		/* absent or unreadable: unresolved_discards stays null */
	}
	free(buf);
	return 0;
}

/* ---- verdicts ---- */

static const struct nt_neightbl *find_tbl(const struct nt_neightbl_list *l,
					  const char *name)
{
	size_t i;

	for (i = 0; l && i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return &l->v[i];
	return NULL;
}

void nt_stack_neigh_verdicts(const struct nt_neightbl_list *cur,
			     const struct nt_neightbl_list *prev,
			     const struct nt_stack_nl_thresholds *t,
			     struct nt_verdicts *vs, const char *since)
{
	const uint64_t need = 1u << NT_NT_THRESH | 1u << NT_NT_CONFIG;
	size_t k;

	for (k = 0; k < cur->n; k++) {
		const struct nt_neightbl *c = &cur->v[k];
		const struct nt_neightbl *p = find_tbl(prev, c->name);
		const uint64_t fulls = 1u << NT_NT_STATS | 1u << NT_NT_FULLS;
		char fullstr[56];
		struct nt_verdict *v;
		enum nt_level l;
		bool v6 = c->family == AF_INET6;
		double pct;

		if ((c->avail & need) != need || !c->thresh3)
			continue;
		pct = 100.0 * c->entries / c->thresh3;
		l = nt_level_ge(pct, t->warn_neigh_pct, t->crit_neigh_pct);
		if (p && (c->avail & fulls) == fulls && (p->avail & fulls) == fulls &&
		    c->table_fulls >= p->table_fulls) {
			uint64_t d = c->table_fulls - p->table_fulls;

			snprintf(fullstr, sizeof(fullstr), "table_fulls +%llu %s",
				 (unsigned long long)d, since ? since : "over the interval");
			if (d > 0)
				l = NT_CRIT;
		} else if ((c->avail & fulls) == fulls) {
			snprintf(fullstr, sizeof(fullstr), "table_fulls %llu since boot%s",
				 (unsigned long long)c->table_fulls,
				 p ? " (went down)" : " (first run)");
		} else {
			snprintf(fullstr, sizeof(fullstr), "table_fulls not reported");
		}
		v = nt_verdict_add(vs, "stack.neigh", c->name, l, pct,
				   l == NT_CRIT ? t->crit_neigh_pct : t->warn_neigh_pct);
		if (!v)
			return;
		snprintf(v->reason, sizeof(v->reason),
			 "%u entries, %.1f%% of gc_thresh3 %u (thresh1 %u, thresh2 %u), %s; global table, shared by all namespaces",
			 c->entries, pct, c->thresh3, c->thresh1, c->thresh2, fullstr);
		if (l != NT_OK)
			snprintf(v->hint, sizeof(v->hint),
				 "neighbour table overflow: raise net.%s.neigh.default.gc_thresh1/2/3%s",
				 v6 ? "ipv6" : "ipv4", v6 ? " (and ipv4)" : " (and ipv6)");
	}
}
