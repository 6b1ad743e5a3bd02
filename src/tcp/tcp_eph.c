/* tcp ephemeral ports (tcp.ephemeral): sockets per (local address,
 * remote address, remote port) holding a port of ip_local_port_range that
 * is neither reserved nor a listener's, counted in a hash of destinations
 * capped at NT_TCP_EPH_CAP during the state dump; the busiest destinations,
 * their field tables and the verdict. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "nettriage.h"
#include "nt_tcp.h"

#define EOFF(m) offsetof(struct nt_tcp_eph_count, m)
static const struct nt_field eph_fields[] = {
	{ "laddr", "LOCAL", 0, NT_T_STR, EOFF(laddr), NT_P_LABEL, NT_F_ID | NT_F_DEF,
	  NULL, -1, "Local address of the sockets", "laddr" },
	{ "raddr", "PEER", 0, NT_T_STR, EOFF(raddr), NT_P_LABEL, NT_F_ID | NT_F_DEF,
	  NULL, -1, "The destination's address", "raddr" },
	{ "rport", "PORT", 0, NT_T_U32, EOFF(rport), NT_P_LABEL, NT_F_ID | NT_F_DEF,
	  NULL, -1, "The destination's port", "rport" },
	{ "sockets", "IN-USE", 0, NT_T_U64, EOFF(sockets), NT_P_GAUGE,
	  NT_F_INFO | NT_F_DEF, NULL, -1,
	  "Sockets (every state but LISTEN, TIME-WAIT included) holding a local "
	  "ephemeral port towards this destination", "in_use" },
	{ "usable_ports", "USABLE", 0, NT_T_U64, EOFF(usable), NT_P_NONE,
	  NT_F_INFO | NT_F_DEF, NULL, -1,
	  "Usable ephemeral ports: ip_local_port_range minus ip_local_reserved_ports" },
	{ "in_use_pct", "IN-USE%", 0, NT_T_DOUBLE, EOFF(in_use_pct), NT_P_NONE,
	  NT_F_INFO | NT_F_DEF, NULL, -1, "sockets / usable_ports, percent" },
};

const struct nt_rectype nt_tcp_eph_rectype = {
	.json_array = "ephemeral_top",
	.prom_prefix = "nettriage_tcp_ephemeral",
	.fields = eph_fields,
	.nfields = sizeof(eph_fields) / sizeof(eph_fields[0]),
	.size = sizeof(struct nt_tcp_eph_count),
	.avail_off = -1,
	.subject_off = EOFF(subject),
};

#define IOFF(m) offsetof(struct nt_tcp_eph_info, m)
static const struct nt_field ephinfo_fields[] = {
	{ "range_lo", "LO", 0, NT_T_U32, IOFF(range_lo), NT_P_NONE, NT_F_INFO,
	  "ephemeral", -1, "net.ipv4.ip_local_port_range, first port" },
	{ "range_hi", "HI", 0, NT_T_U32, IOFF(range_hi), NT_P_NONE, NT_F_INFO,
	  "ephemeral", -1, "net.ipv4.ip_local_port_range, last port" },
	{ "reserved_ports", "RESERVED", 0, NT_T_U64, IOFF(reserved), NT_P_NONE, NT_F_INFO,
	  "ephemeral", 0, "Ports of the range in net.ipv4.ip_local_reserved_ports" },
	{ "usable_ports", "USABLE", 0, NT_T_U64, IOFF(usable), NT_P_GAUGE, NT_F_INFO,
	  "ephemeral", -1,
	  "Usable ephemeral ports per destination: ip_local_port_range minus ip_local_reserved_ports",
	  "ports" },
	{ "sockets", "SOCKETS", 0, NT_T_U64, IOFF(sockets), NT_P_NONE, NT_F_INFO,
	  "ephemeral", -1, "Sockets holding a local ephemeral port, every destination" },
	{ "destinations", "DESTS", 0, NT_T_U64, IOFF(destinations), NT_P_NONE, NT_F_INFO,
	  "ephemeral", -1, "Destinations counted (at most 16384)" },
	{ "untracked_sockets", "UNTRACKED", 0, NT_T_U64, IOFF(untracked), NT_P_NONE,
	  NT_F_INFO, "ephemeral", -1,
	  "Sockets to destinations first seen after 16384 were tracked (not judged)" },
};

const struct nt_rectype nt_tcp_ephinfo_rectype = {
	.json_array = "ephemeral",
	.prom_prefix = "nettriage_tcp_ephemeral",
	.fields = ephinfo_fields,
	.nfields = sizeof(ephinfo_fields) / sizeof(ephinfo_fields[0]),
	.size = sizeof(struct nt_tcp_eph_info),
	.avail_off = IOFF(avail),
	.subject_off = -1,
};

/* ---- ephemeral ports: a hash of destinations ---- */

#define EPH_FIRST 1024u /* slots at first; doubled at half full */

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static void eph_key(const struct nt_tcp_diag *d, struct nt_tcp_eph_key *k)
{
	memset(k, 0, sizeof(*k));
	k->rport = d->dport;
	if (d->family == AF_INET6 && !memcmp(d->src, v4mapped, 12) &&
	    !memcmp(d->dst, v4mapped, 12)) {
		k->family = AF_INET; /* the kernel hashes these as IPv4 */
		memcpy(k->laddr, d->src + 12, 4);
		memcpy(k->raddr, d->dst + 12, 4);
	} else if (d->family == AF_INET6) {
		k->family = AF_INET6;
		memcpy(k->laddr, d->src, 16);
		memcpy(k->raddr, d->dst, 16);
	} else {
		k->family = AF_INET;
		memcpy(k->laddr, d->src, 4);
		memcpy(k->raddr, d->dst, 4);
	}
}

/* A 64-bit multiply-xorshift over the key's 36 bytes (as 4 words + 1). */
static size_t eph_hash(const struct nt_tcp_eph_key *k)
{
	uint64_t w[4], h;
	uint32_t last;

	memcpy(w, k, sizeof(w));
	memcpy(&last, (const uint8_t *)k + sizeof(w), sizeof(last));
	h = (w[0] ^ 0x9e3779b97f4a7c15ull) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ w[1] ^ (h >> 29)) * 0x94d049bb133111ebull;
	h = (h ^ w[2] ^ (h >> 32)) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ w[3] ^ last ^ (h >> 29)) * 0x94d049bb133111ebull;
	return (size_t)(h ^ (h >> 31));
}

static struct nt_tcp_eph_ent *eph_slot(struct nt_tcp_eph_ent *t, size_t slots,
				       const struct nt_tcp_eph_key *k)
{
	size_t i = eph_hash(k) & (slots - 1);

	while (t[i].sockets && memcmp(&t[i].k, k, sizeof(*k)))
		i = (i + 1) & (slots - 1);
	return &t[i];
}

static int eph_grow(struct nt_tcp_sample *s)
{
	size_t n = s->eph_slots ? s->eph_slots * 2 : EPH_FIRST, i;
	struct nt_tcp_eph_ent *t = calloc(n, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (i = 0; i < s->eph_slots; i++)
		if (s->eph[i].sockets)
			*eph_slot(t, n, &s->eph[i].k) = s->eph[i];
	free(s->eph);
	s->eph = t;
	s->eph_slots = n;
	return 0;
}

static bool bit(const uint8_t *map, uint16_t p)
{
	return map[p / 8] & (1u << (p % 8));
}

int nt_tcp_eph_count(struct nt_tcp_sample *s, const struct nt_tcp_diag *d)
{
	struct nt_tcp_eph_key k;
	struct nt_tcp_eph_ent *e;

	if (d->sport < s->eph_lo || d->sport > s->eph_hi || !s->eph_hi ||
	    bit(s->eph_resv, d->sport) || bit(s->listen_ports, d->sport))
		return 0;
	eph_key(d, &k);
	s->eph_sockets++;
	if (!s->eph && eph_grow(s))
		return -ENOMEM;
	e = eph_slot(s->eph, s->eph_slots, &k);
	if (e->sockets) {
		e->sockets++;
		return 0;
	}
	if (s->eph_n >= NT_TCP_EPH_CAP) {
		s->eph_untracked++; /* a new destination past the cap */
		return 0;
	}
	if (2 * (s->eph_n + 1) > s->eph_slots) {
		if (eph_grow(s))
			return -ENOMEM;
		e = eph_slot(s->eph, s->eph_slots, &k);
	}
	e->k = k;
	e->sockets = 1;
	s->eph_n++;
	return 0;
}

/* Most sockets first, then key order: a deterministic list. */
static int cmp_eph(const void *x, const void *y)
{
	const struct nt_tcp_eph_ent *a = *(const struct nt_tcp_eph_ent *const *)x;
	const struct nt_tcp_eph_ent *b = *(const struct nt_tcp_eph_ent *const *)y;

	if (a->sockets != b->sockets)
		return a->sockets > b->sockets ? -1 : 1;
	return memcmp(&a->k, &b->k, sizeof(a->k));
}

static void eph_fill(struct nt_tcp_eph_count *o, const struct nt_tcp_eph_ent *e,
		     uint64_t usable)
{
	memset(o, 0, sizeof(*o));
	nt_tcp_fmt_addr(o->laddr, sizeof(o->laddr), e->k.family, e->k.laddr);
	nt_tcp_fmt_addr(o->raddr, sizeof(o->raddr), e->k.family, e->k.raddr);
	o->rport = e->k.rport;
	o->sockets = e->sockets;
	o->usable = usable;
	o->in_use_pct = usable ? 100.0 * (double)e->sockets / (double)usable : NAN;
	snprintf(o->subject, sizeof(o->subject),
		 e->k.family == AF_INET6 ? "%s -> [%s]:%u" : "%s -> %s:%u",
		 o->laddr, o->raddr, o->rport);
}

size_t nt_tcp_eph_top(const struct nt_tcp_sample *s, uint64_t usable,
		      struct nt_tcp_eph_count *out, size_t n)
{
	const struct nt_tcp_eph_ent **v;
	size_t k = 0, i, j, want = n < s->eph_n ? n : s->eph_n;

	if (!want || !(v = malloc((n <= 64 ? want : s->eph_n) * sizeof(*v))))
		return 0;
	if (n <= 64) {
		/* a short list (the default 5): keep it sorted as the table is
		 * walked; most entries lose to the last one at once */
		for (i = 0; i < s->eph_slots; i++) {
			const struct nt_tcp_eph_ent *e = &s->eph[i];

			if (!e->sockets || (k == want && cmp_eph(&e, &v[k - 1]) >= 0))
				continue;
			j = k < want ? k++ : want - 1;
			while (j > 0 && cmp_eph(&e, &v[j - 1]) < 0) {
				v[j] = v[j - 1];
				j--;
			}
			v[j] = e;
		}
	} else {
		/* a long one: sort all (at most NT_TCP_EPH_CAP), O(E log E) */
		for (i = 0; i < s->eph_slots && k < s->eph_n; i++)
			if (s->eph[i].sockets)
				v[k++] = &s->eph[i];
		qsort(v, k, sizeof(*v), cmp_eph);
		if (k > want)
			k = want;
	}
	for (i = 0; i < k; i++)
		eph_fill(&out[i], v[i], usable);
	free(v);
	return k;
}

void nt_tcp_eph_info(const struct nt_tcp_sample *s, struct nt_tcp_eph_info *o)
{
	memset(o, 0, sizeof(*o));
	o->range_lo = s->eph_lo;
	o->range_hi = s->eph_hi;
	if (s->eph_hi) {
		o->usable = nt_tcp_usable_ports(s->eph_lo, s->eph_hi, s->eph_resv);
		o->reserved = (uint64_t)(s->eph_hi - s->eph_lo + 1) - o->usable;
	}
	o->sockets = s->eph_sockets;
	o->destinations = s->eph_n;
	o->untracked = s->eph_untracked;
	o->avail = s->eph_resv_ok ? 1 : 0;
}

/* tcp.ephemeral: one verdict per destination at or above the WARN
 * threshold, else one OK naming the busiest. */
void nt_tcp_eph_verdicts(const struct nt_tcp_view *v, const struct nt_tcp_thresholds *t,
			 struct nt_verdicts *vs)
{
	const struct nt_tcp_eph_info *e = v->eph;
	struct nt_verdict *vd;
	size_t i, hot = 0;
	char extra[96] = "";

	if (!v->eph_judged)
		return; /* --state left states out: the count would be short */
	if (v->eph_err || !e || !e->usable) {
		vd = nt_verdict_add(vs, "tcp.ephemeral", "", NT_UNKNOWN, NAN, t->warn_eph);
		if (vd)
			snprintf(vd->reason, sizeof(vd->reason),
				 "net.ipv4.ip_local_port_range: %s",
				 v->eph_err ? strerror(-v->eph_err) :
				 "no usable port (every port of the range reserved)");
		return;
	}
	if (e->untracked)
		snprintf(extra, sizeof(extra),
			 "; %llu sockets to destinations past the first %d not judged",
			 (unsigned long long)e->untracked, NT_TCP_EPH_CAP);
	for (i = 0; i < v->n_eph_top; i++) {
		const struct nt_tcp_eph_count *d = &v->eph_top[i];
		enum nt_level l = nt_level_ge(d->in_use_pct, t->warn_eph, t->crit_eph);

		if (l == NT_OK)
			continue;
		hot++;
		vd = nt_verdict_add(vs, "tcp.ephemeral", d->subject, l, d->in_use_pct,
				    l == NT_CRIT ? t->crit_eph : t->warn_eph);
		if (!vd)
			return;
		{
			bool v6 = strchr(d->raddr, ':') != NULL;
			char dst[64];

			snprintf(dst, sizeof(dst), v6 ? "[%s]:%u" : "%s:%u", d->raddr, d->rport);
			snprintf(vd->reason, sizeof(vd->reason),
				 "%llu of %llu usable ephemeral ports (%.0f%%) in use to %s from %s",
				 (unsigned long long)d->sockets, (unsigned long long)d->usable,
				 d->in_use_pct, dst, d->laddr);
		}
		snprintf(vd->hint, sizeof(vd->hint),
			 "reuse connections (keep-alive, pooling), add source addresses, widen ip_local_port_range, or net.ipv4.tcp_tw_reuse for TIME-WAIT");
	}
	if (hot)
		return;
	vd = nt_verdict_add(vs, "tcp.ephemeral", "", NT_OK,
			    v->n_eph_top ? v->eph_top[0].in_use_pct : 0, t->warn_eph);
	if (!vd)
		return;
	if (v->n_eph_top)
		snprintf(vd->reason, sizeof(vd->reason),
			 "busiest destination %s: %llu of %llu usable ports (%.1f%%)%s",
			 v->eph_top[0].subject, (unsigned long long)v->eph_top[0].sockets,
			 (unsigned long long)e->usable, v->eph_top[0].in_use_pct, extra);
	else
		snprintf(vd->reason, sizeof(vd->reason),
			 "no socket holds an ephemeral port (%llu usable, %u-%u)%s",
			 (unsigned long long)e->usable, e->range_lo, e->range_hi, extra);
}
