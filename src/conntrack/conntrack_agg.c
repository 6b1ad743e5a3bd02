/* conntrack breakdowns: count a streamed dump by one key in a bounded
 * Space-Saving summary (conntrack_topk.c; counts only, never entries),
 * then top-N. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <netinet/in.h>
#include "nt_conntrack.h"

static const char *const by_names[] = {
	[NT_BY_NONE] = "none", [NT_BY_PROTO] = "proto", [NT_BY_STATE] = "state",
	[NT_BY_SRC] = "src", [NT_BY_DST] = "dst", [NT_BY_DPORT] = "dport",
	[NT_BY_ZONE] = "zone", [NT_BY_MARK] = "mark", [NT_BY_STATUS] = "status",
};

int nt_ct_by_parse(const char *s, enum nt_ct_by *by)
{
	unsigned i;

	for (i = NT_BY_PROTO; i <= NT_BY_STATUS; i++)
		if (!strcmp(s, by_names[i])) {
			*by = (enum nt_ct_by)i;
			return 0;
		}
	return -EINVAL;
}

const char *nt_ct_by_name(enum nt_ct_by by)
{
	return (unsigned)by <= NT_BY_STATUS ? by_names[by] : "?";
}

unsigned nt_ct_by_want(enum nt_ct_by by)
{
	switch (by) {
	case NT_BY_PROTO: return NT_CTW_PROTO;
	case NT_BY_STATE: return NT_CTW_PROTO | NT_CTW_PROTOINFO;
	case NT_BY_SRC:
	case NT_BY_DST: return NT_CTW_IP;
	case NT_BY_DPORT: return NT_CTW_PROTO;
	default: return 0; /* zone, mark, status: top-level attributes */
	}
}

int nt_ct_agg_init(struct nt_ct_agg *a, enum nt_ct_by by,
		   const struct nt_ct_filter *f, size_t cap,
		   const uint64_t *seed)
{
	memset(a, 0, sizeof(*a));
	a->by = by;
	a->want = nt_ct_by_want(by);
	if (f)
		a->filter = *f;
	/* No breakdown (-e alone) needs no counters. */
	return nt_ct_topk_init(&a->tk, by == NT_BY_NONE ? 1 :
			       cap ? cap : NT_CT_TOPK_DEFAULT, seed);
}

void nt_ct_agg_reset(struct nt_ct_agg *a)
{
	nt_ct_topk_reset(&a->tk);
	a->entries = a->filtered = a->bad = a->assured = a->unreplied = 0;
}

void nt_ct_agg_free(struct nt_ct_agg *a)
{
	if (a)
		nt_ct_topk_free(&a->tk);
}

bool nt_ct_agg_exact(const struct nt_ct_agg *a)
{
	return a->tk.evictions == 0;
}

#define STATUS_SHOWN (IPS_ASSURED | IPS_SEEN_REPLY | IPS_EXPECTED | \
		      IPS_SRC_NAT | IPS_DST_NAT | IPS_OFFLOAD | IPS_HW_OFFLOAD | \
		      IPS_DYING)

static void make_key(enum nt_ct_by by, const struct nt_ct_entry *e,
		     struct nt_ct_key *k)
{
	memset(k, 0, sizeof(*k));
	switch (by) {
	case NT_BY_PROTO:
		if (e->have & NT_CTE_PROTO)
			k->a = e->proto;
		else
			k->b = 1;
		break;
	case NT_BY_STATE:
		k->a = e->proto;
		if (e->have & NT_CTE_STATE) {
			k->b = e->state;
			k->c = 1;
		} else if ((e->have & NT_CTE_PROTO) &&
			   (e->proto == IPPROTO_TCP || e->proto == IPPROTO_SCTP ||
			    e->proto == IPPROTO_DCCP)) {
			k->c = 2; /* stateful protocol without protoinfo */
		} else {
			k->a = 0;
			k->c = 3; /* a protocol without connection states */
		}
		break;
	case NT_BY_SRC:
	case NT_BY_DST:
		if (e->have & (by == NT_BY_SRC ? NT_CTE_SRC : NT_CTE_DST)) {
			k->a = e->family;
			memcpy(k->addr, by == NT_BY_SRC ? e->src : e->dst, 16);
		} else {
			k->c = 1;
		}
		break;
	case NT_BY_DPORT:
		k->a = e->proto;
		if (e->have & NT_CTE_PORTS) {
			k->c = e->dport;
			k->d = 1;
		} else if (e->have & NT_CTE_ICMP) {
			k->c = e->icmp_type;
			k->d = 2;
		}
		break;
	case NT_BY_ZONE:
		k->c = e->zone;
		break;
	case NT_BY_MARK:
		k->d = e->mark;
		break;
	case NT_BY_STATUS:
		k->d = e->status & STATUS_SHOWN;
		break;
	default:
		break;
	}
}

int nt_ct_agg_add(struct nt_ct_agg *a, const struct nt_ct_entry *e)
{
	struct nt_ct_key k;

	if (!nt_ct_filter_match(&a->filter, e)) {
		a->filtered++;
		return 0;
	}
	a->entries++;
	if (e->status & IPS_ASSURED)
		a->assured++;
	else if (!(e->status & IPS_SEEN_REPLY))
		a->unreplied++; /* evictable: early drop skips ASSURED only */
	if (a->by == NT_BY_NONE)
		return 0;
	make_key(a->by, e, &k);
	nt_ct_topk_add(&a->tk, &k);
	return 0;
}

int nt_ct_entry_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nt_ct_agg *a = data;
	struct nt_ct_entry e;

	if (nt_ct_parse_entry(nlh, a->want, &e)) {
		a->bad++;
		return 0;
	}
	return nt_ct_agg_add(a, &e);
}

size_t nt_ct_agg_top(const struct nt_ct_agg *a, struct nt_ct_top *out, size_t n)
{
	const struct nt_ct_counter **v;
	size_t i;

	if (a->by == NT_BY_NONE || !n)
		return 0;
	v = malloc(n * sizeof(*v));
	if (!v)
		return 0;
	n = nt_ct_topk_sorted(&a->tk, v, n);
	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		snprintf(out[i].by, sizeof(out[i].by), "%s", nt_ct_by_name(a->by));
		nt_ct_key_format(a->by, &v[i]->k, out[i].value, sizeof(out[i].value));
		out[i].count = v[i]->n;
		out[i].err = v[i]->err;
		out[i].pct = a->entries ? 100.0 * (double)v[i]->n / (double)a->entries : 0;
	}
	free(v);
	return n;
}

void nt_ct_dump_set(struct nt_ct_dump *d, const struct nt_ct_agg *a, double ms)
{
	bool exact = nt_ct_agg_exact(a);

	memset(d, 0, sizeof(*d));
	snprintf(d->key, sizeof(d->key), "%s", nt_ct_by_name(a->by));
	d->entries = a->entries;
	d->duration_ms = ms;
	d->filtered = a->filtered;
	d->malformed = a->bad;
	snprintf(d->note, sizeof(d->note), "%s",
		 "a dump makes the kernel reap expired entries it walks, so count may drop after it");
	d->exact = exact;
	d->counters = a->tk.cap;
	d->distinct = (uint64_t)llround(nt_ct_topk_distinct(&a->tk));
	d->distinct_estimated = !exact;
	d->count_error_max = exact ? 0 : nt_ct_topk_min(&a->tk);
}

static const char *proto_name(uint8_t p, char *buf, size_t len)
{
	switch (p) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmpv6";
	case IPPROTO_SCTP: return "sctp";
	case IPPROTO_DCCP: return "dccp";
	case IPPROTO_GRE: return "gre";
	case IPPROTO_UDPLITE: return "udplite";
	default:
		snprintf(buf, len, "%u", p);
		return buf;
	}
}

static const char *state_name(uint8_t proto, uint8_t st, char *buf, size_t len)
{
	static const char *const tcp[] = {
		"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
		"CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2",
	};
	static const char *const sctp[] = {
		"NONE", "CLOSED", "COOKIE_WAIT", "COOKIE_ECHOED", "ESTABLISHED",
		"SHUTDOWN_SENT", "SHUTDOWN_RECD", "SHUTDOWN_ACK_SENT",
		"HEARTBEAT_SENT",
	};
	char pb[8];

	if (proto == IPPROTO_TCP && st < sizeof(tcp) / sizeof(tcp[0]))
		return tcp[st];
	if (proto == IPPROTO_SCTP && st < sizeof(sctp) / sizeof(sctp[0]))
		snprintf(buf, len, "sctp:%s", sctp[st]);
	else
		snprintf(buf, len, "%s:%u", proto_name(proto, pb, sizeof(pb)), st);
	return buf;
}

void nt_ct_key_format(enum nt_ct_by by, const struct nt_ct_key *k, char *buf,
		      size_t len)
{
	char tmp[64];
	size_t o;

	switch (by) {
	case NT_BY_PROTO:
		snprintf(buf, len, "%s", k->b ? "unknown" :
			 proto_name(k->a, tmp, sizeof(tmp)));
		break;
	case NT_BY_STATE:
		if (k->c == 1)
			snprintf(buf, len, "%s", state_name(k->a, k->b, tmp, sizeof(tmp)));
		else
			snprintf(buf, len, "%s", k->c == 2 ? "unknown" : "none");
		break;
	case NT_BY_SRC:
	case NT_BY_DST:
		if (k->c || (k->a != AF_INET && k->a != AF_INET6) ||
		    !inet_ntop(k->a, k->addr, tmp, sizeof(tmp)))
			snprintf(buf, len, "unknown");
		else
			snprintf(buf, len, "%s", tmp);
		break;
	case NT_BY_DPORT:
		if (k->d == 1)
			snprintf(buf, len, "%u/%s", k->c, proto_name(k->a, tmp, sizeof(tmp)));
		else if (k->d == 2)
			snprintf(buf, len, "%s type %u", proto_name(k->a, tmp, sizeof(tmp)), k->c);
		else
			snprintf(buf, len, "%s", proto_name(k->a, tmp, sizeof(tmp)));
		break;
	case NT_BY_ZONE:
		snprintf(buf, len, "%u", k->c);
		break;
	case NT_BY_MARK:
		snprintf(buf, len, "%u", k->d);
		break;
	case NT_BY_STATUS:
		snprintf(buf, len, "%s", (k->d & IPS_ASSURED) ? "ASSURED" :
			 (k->d & IPS_SEEN_REPLY) ? "SEEN_REPLY" : "UNREPLIED");
		o = strlen(buf);
#define FLAG(bit, name) if ((k->d & (bit)) && o < len) { \
		snprintf(buf + o, len - o, "|%s", name); o += strlen(buf + o); }
		FLAG(IPS_EXPECTED, "EXPECTED");
		FLAG(IPS_SRC_NAT, "SNAT");
		FLAG(IPS_DST_NAT, "DNAT");
		FLAG(IPS_OFFLOAD, "OFFLOAD");
		FLAG(IPS_HW_OFFLOAD, "HW_OFFLOAD");
		FLAG(IPS_DYING, "DYING");
#undef FLAG
		break;
	default:
		snprintf(buf, len, "-");
		break;
	}
}
