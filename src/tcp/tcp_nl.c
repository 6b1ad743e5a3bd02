/* tcp collectors over sock_diag: the state histogram with CLOSE-WAIT and
 * listener attribution (no extensions), and the --top dump with
 * INET_DIAG_INFO and a kernel-side filter. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include "nettriage.h"
#include "nt_nl.h"
#include "nt_tcp.h"

#define RCVBUF 32768 /* the kernel fills at most ~32 KiB per dump skb */
#define TRIES 5

void nt_tcp_sample_reset(struct nt_tcp_sample *s)
{
	memset(s->states, 0, sizeof(s->states));
	s->total = s->v4 = s->v6 = 0;
	if (s->cw_ports)
		memset(s->cw_ports, 0, 65536 * sizeof(*s->cw_ports));
	s->n_cw_inodes = 0;
	s->n_cw_socks = 0;
	s->n_cw_peers = 0;
	memset(s->listen_ports, 0, sizeof(s->listen_ports));
	s->n_listen = 0;
	s->skipped = 0;
	s->dumps = 0;
	if (s->eph)
		memset(s->eph, 0, s->eph_slots * sizeof(*s->eph));
	s->eph_n = 0;
	s->eph_sockets = s->eph_untracked = 0;
}

void nt_tcp_sample_free(struct nt_tcp_sample *s)
{
	free(s->cw_ports);
	free(s->cw_inodes);
	free(s->cw_socks);
	free(s->cw_peers);
	free(s->listen);
	free(s->eph);
	memset(s, 0, sizeof(*s));
}

void nt_tcp_fmt_addr(char *buf, size_t len, uint8_t family, const uint8_t *a)
{
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

static int add_listener(struct nt_tcp_sample *s, const struct nt_tcp_diag *d)
{
	struct nt_tcp_listen *l;

	if (nt_grow(&s->listen, s->n_listen, &s->cap_listen, sizeof(*s->listen), 16))
		return -ENOMEM;
	l = &s->listen[s->n_listen++];
	memset(l, 0, sizeof(*l));
	nt_tcp_fmt_addr(l->addr, sizeof(l->addr), d->family, d->src);
	l->port = d->sport;
	l->family = d->family == AF_INET6 ? 6 : 4;
	l->queue = d->rqueue;
	l->backlog = d->wqueue;
	l->inode = d->inode;
	/* The kernel accepts backlog + 1 connections before it overflows
	 * (sk_acceptq_is_full: queue > backlog), so a queue at backlog is
	 * 100 % and one past it is over 100 %. */
	l->fill_pct = l->backlog ? 100.0 * l->queue / l->backlog :
		      (l->queue ? 100.0 : 0.0);
	l->full = l->fill_pct >= s->queue_warn_pct;
	snprintf(l->subject, sizeof(l->subject), l->family == 6 ? "[%s]:%u" : "%s:%u",
		 l->addr, l->port);
	return 0;
}

static bool ephemeral(const struct nt_tcp_sample *s, uint16_t port)
{
	if (!s->eph_hi)
		return port >= 32768 && port <= 60999;
	return port >= s->eph_lo && port <= s->eph_hi;
}

static int count_close_wait(struct nt_tcp_sample *s, const struct nt_tcp_diag *d)
{
	if (!s->cw_ports) {
		s->cw_ports = calloc(65536, sizeof(*s->cw_ports));
		if (!s->cw_ports)
			return -ENOMEM;
	}
	if (s->keep_inodes) {
		if (nt_grow(&s->cw_inodes, s->n_cw_inodes, &s->cap_cw_inodes,
			    sizeof(*s->cw_inodes), 256))
			return -ENOMEM;
		s->cw_inodes[s->n_cw_inodes++] = d->inode;
	}
	if (!ephemeral(s, d->sport)) {
		s->cw_ports[d->sport]++; /* a service port: this host serves */
	} else {
		struct nt_tcp_cw_sock *c;

		/* server or client: known once every listener is seen */
		if (nt_grow(&s->cw_socks, s->n_cw_socks, &s->cap_cw_socks,
			    sizeof(*s->cw_socks), 256))
			return -ENOMEM;
		c = &s->cw_socks[s->n_cw_socks++];
		c->family = d->family;
		memcpy(c->dst, d->dst, sizeof(c->dst));
		c->sport = d->sport;
		c->dport = d->dport;
	}
	return 0;
}

int nt_tcp_count_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nt_tcp_sample *s = data;
	struct nt_tcp_diag d;

	if (nt_tcp_parse_diag(nlh, false, &d)) {
		s->skipped++;
		return 0;
	}
	if (d.state < 1 || d.state > NT_TCP_NSTATES) {
		s->skipped++; /* a state newer than this build knows */
		return 0;
	}
	if (d.state == NT_TCP_LISTEN)
		s->listen_ports[d.sport / 8] |= (uint8_t)(1u << (d.sport % 8));
	if (!(s->mask & (1u << d.state)))
		return 0; /* dumped only to see the listeners */
	s->states[d.state - 1]++;
	s->total++;
	if (d.family == AF_INET6)
		s->v6++;
	else
		s->v4++;
	if (d.state == NT_TCP_LISTEN)
		return add_listener(s, &d);
	if (s->eph_on && nt_tcp_eph_count(s, &d))
		return -ENOMEM;
	if (d.state == NT_TCP_CLOSE_WAIT)
		return count_close_wait(s, &d);
	return 0;
}

static int cmp_peer(const void *a, const void *b)
{
	const struct nt_tcp_cw_sock *x = a, *y = b;
	int c;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	c = memcmp(x->dst, y->dst, sizeof(x->dst));
	if (c)
		return c;
	return (int)x->dport - (int)y->dport;
}

int nt_tcp_cw_group(struct nt_tcp_sample *s)
{
	size_t i, k = 0;

	s->n_cw_peers = 0;
	for (i = 0; i < s->n_cw_socks; i++) {
		const struct nt_tcp_cw_sock *c = &s->cw_socks[i];

		if (s->listen_ports[c->sport / 8] & (1u << (c->sport % 8)))
			s->cw_ports[c->sport]++; /* a listener's port: server side */
		else
			s->cw_socks[k++] = *c;
	}
	s->n_cw_socks = k;
	if (k > 1)
		qsort(s->cw_socks, k, sizeof(*s->cw_socks), cmp_peer);
	for (i = 0; i < k; i++) {
		const struct nt_tcp_cw_sock *c = &s->cw_socks[i];
		struct nt_tcp_cw_peer *p;

		if (i && !cmp_peer(c, c - 1)) {
			s->cw_peers[s->n_cw_peers - 1].sockets++;
			continue;
		}
		if (nt_grow(&s->cw_peers, s->n_cw_peers, &s->cap_cw_peers,
			    sizeof(*s->cw_peers), 16))
			return -ENOMEM;
		p = &s->cw_peers[s->n_cw_peers++];
		memset(p, 0, sizeof(*p));
		p->family = c->family;
		memcpy(p->addr, c->dst, sizeof(p->addr));
		p->port = c->dport;
		p->sockets = 1;
	}
	return 0;
}

/* A group of sockets, local (a service port) or not (a peer service),
 * ranks before b: more sockets, then local before peer, then the lower
 * port; a tie keeps the order of discovery (ports, then cw_peers). */
static bool cw_before(uint64_t sockets, bool local, uint32_t port,
		      const struct nt_tcp_cw_count *b)
{
	bool bl = b->side[0] == 'l';

	if (sockets != b->sockets)
		return sockets > b->sockets;
	if (local != bl)
		return local;
	return port < b->port;
}

static void cw_fill(struct nt_tcp_cw_count *o, const struct nt_tcp_cw_peer *p,
		    uint32_t port, uint64_t sockets)
{
	memset(o, 0, sizeof(*o));
	o->port = port;
	o->sockets = sockets;
	snprintf(o->side, sizeof(o->side), "%s", p ? "peer" : "local");
	if (!p) {
		snprintf(o->subject, sizeof(o->subject), "local port %u", port);
		return;
	}
	nt_tcp_fmt_addr(o->addr, sizeof(o->addr), p->family, p->addr);
	o->avail = 1;
	snprintf(o->subject, sizeof(o->subject),
		 p->family == AF_INET6 ? "peer [%s]:%u" : "peer %s:%u", o->addr, port);
}

size_t nt_tcp_cw_top(const struct nt_tcp_sample *s, struct nt_tcp_cw_count *out,
		     size_t n)
{
	size_t k = 0, i, j, nports = s->cw_ports ? 65536 : 0;

	if (n == 0)
		return 0;
	/* Insertion into a sorted array of n: groups are few. */
	for (i = 0; i < nports + s->n_cw_peers; i++) {
		const struct nt_tcp_cw_peer *p = i < nports ? NULL : &s->cw_peers[i - nports];
		uint64_t c = p ? p->sockets : s->cw_ports[i];
		uint32_t port = p ? p->port : (uint32_t)i;

		if (!c || (k == n && !cw_before(c, !p, port, &out[k - 1])))
			continue;
		j = k < n ? k++ : n - 1;
		while (j > 0 && cw_before(c, !p, port, &out[j - 1])) {
			out[j] = out[j - 1];
			j--;
		}
		cw_fill(&out[j], p, port, c);
	}
	return k;
}

uint32_t nt_tcp_dump_mask(const struct nt_tcp_sample *s)
{
	if ((s->mask & (1u << NT_TCP_CLOSE_WAIT)) || s->eph_on)
		return s->mask | (1u << NT_TCP_LISTEN);
	return s->mask;
}

static int dump_family(uint8_t family, uint8_t ext, uint32_t states,
		       const void *bc, size_t bclen, nt_nl_cb cb, void *data)
{
	char req[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	struct inet_diag_req_v2 *r;
	struct nt_nl_walk w = { 0, 0, SOCK_DIAG_BY_FAMILY, cb, data, 0, 0 };

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));
	r->sdiag_family = family;
	r->sdiag_protocol = IPPROTO_TCP;
	r->idiag_ext = ext;
	r->idiag_states = states;
	if (bclen)
		mnl_attr_put(nlh, INET_DIAG_REQ_BYTECODE, bclen, bc);
	/* One try: an interrupted dump makes the caller redo both families. */
	return nt_nl_dump(NETLINK_SOCK_DIAG, nlh, &w, NULL, 1, RCVBUF);
}

int nt_tcp_dump_states(struct nt_tcp_sample *s)
{
	uint32_t states = nt_tcp_dump_mask(s);
	unsigned t;
	int r = -EAGAIN;

	for (t = 0; t < TRIES; t++) {
		nt_tcp_sample_reset(s);
		r = dump_family(AF_INET, 0, states, NULL, 0, nt_tcp_count_cb, s);
		if (r == 0) {
			s->dumps++;
			r = dump_family(AF_INET6, 0, states, NULL, 0,
					nt_tcp_count_cb, s);
			/* a kernel without IPv6 has no sockets of that family */
			if (r == -ENOENT || r == -EAFNOSUPPORT)
				r = 0;
			else if (r == 0)
				s->dumps++;
		}
		if (r != -EAGAIN)
			break;
	}
	return r ? r : nt_tcp_cw_group(s);
}

int nt_tcp_count_buf(struct nt_tcp_sample *s, const void *buf, size_t len)
{
	struct nt_nl_walk w = { 0, 0, SOCK_DIAG_BY_FAMILY, nt_tcp_count_cb, s, 0, 0 };
	int r;

	nt_tcp_sample_reset(s);
	r = nt_nl_walk(buf, len, &w);
	if (r == 1)
		r = -EBADMSG; /* no NLMSG_DONE: a cut dump */
	if (r == 0)
		s->dumps++;
	return r ? r : nt_tcp_cw_group(s);
}

/* ---- top sockets ---- */

int nt_tcp_top_init(struct nt_tcp_top *t, size_t n)
{
	memset(t, 0, sizeof(*t));
	t->v = calloc(n ? n : 1, sizeof(*t->v));
	if (!t->v)
		return -ENOMEM;
	t->cap = n;
	return 0;
}

void nt_tcp_top_free(struct nt_tcp_top *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* Order: total retransmits, then currently retransmitted, then lost, then
 * bytes retransmitted. Returns <0 when a ranks below b. */
static int cmp_sock(const struct nt_tcp_sock *a, const struct nt_tcp_sock *b)
{
#define C(f) if (a->f != b->f) return a->f < b->f ? -1 : 1
	C(total_retrans);
	C(retrans);
	C(lost);
	C(bytes_retrans);
#undef C
	return 0;
}

static void sift_down(struct nt_tcp_sock *v, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct nt_tcp_sock tmp;

		if (l < n && cmp_sock(&v[l], &v[m]) < 0)
			m = l;
		if (r < n && cmp_sock(&v[r], &v[m]) < 0)
			m = r;
		if (m == i)
			return;
		tmp = v[i];
		v[i] = v[m];
		v[m] = tmp;
		i = m;
	}
}

static void sift_up(struct nt_tcp_sock *v, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		struct nt_tcp_sock tmp;

		if (cmp_sock(&v[i], &v[p]) >= 0)
			return;
		tmp = v[i];
		v[i] = v[p];
		v[p] = tmp;
		i = p;
	}
}

static void to_sock(const struct nt_tcp_diag *d, struct nt_tcp_sock *s)
{
	const struct nt_tcp_info *ti = &d->info;

	memset(s, 0, sizeof(*s));
	nt_tcp_fmt_addr(s->src, sizeof(s->src), d->family, d->src);
	nt_tcp_fmt_addr(s->dst, sizeof(s->dst), d->family, d->dst);
	s->sport = d->sport;
	s->dport = d->dport;
	snprintf(s->state, sizeof(s->state), "%s",
		 d->state >= 1 && d->state <= NT_TCP_NSTATES ?
		 nt_tcp_state_names[d->state - 1] : "unknown");
	s->inode = d->inode;
	s->avail = ti->avail;
	s->total_retrans = ti->total_retrans;
	s->retrans = ti->retrans;
	s->lost = ti->lost;
	s->bytes_retrans = ti->bytes_retrans;
	s->total_rto = ti->total_rto;
	s->cwnd = ti->cwnd;
	s->rtt_ms = ti->rtt_us / 1000.0;
	s->rttvar_ms = ti->rttvar_us / 1000.0;
}

int nt_tcp_top_offer(struct nt_tcp_top *t, const struct nt_tcp_diag *d)
{
	struct nt_tcp_sock s;

	t->seen++;
	if (!d->have_info)
		return 0;
	if (d->info.avail != (1ull << NT_TI_COUNT) - 1)
		t->short_info++;
	if (t->cap == 0)
		return 0;
	to_sock(d, &s);
	if (t->n < t->cap) {
		t->v[t->n] = s;
		sift_up(t->v, t->n);
		t->n++;
	} else if (cmp_sock(&s, &t->v[0]) > 0) {
		t->v[0] = s;
		sift_down(t->v, t->n, 0);
	}
	return 0;
}

static int qcmp(const void *a, const void *b)
{
	return -cmp_sock(a, b);
}

void nt_tcp_top_sort(struct nt_tcp_top *t)
{
	qsort(t->v, t->n, sizeof(*t->v), qcmp);
}

int nt_tcp_top_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nt_tcp_diag d;
	int r = nt_tcp_parse_diag(nlh, true, &d);

	if (r == -EINVAL)
		return 0; /* not ours, or too short: skip */
	if (r)
		return r;
	return nt_tcp_top_offer(data, &d);
}

int nt_tcp_dump_top(const struct nt_tcp_filter *f, struct nt_tcp_top *t)
{
	uint8_t bc[128];
	uint32_t states = NT_TCP_ALL_STATES &
		~((1u << NT_TCP_LISTEN) | (1u << NT_TCP_TIME_WAIT) |
		  (1u << NT_TCP_SYN_RECV) | (1u << NT_TCP_NEW_SYN_RECV));
	uint8_t ext = 1u << (INET_DIAG_INFO - 1);
	int bclen = nt_tcp_bytecode(f, bc, sizeof(bc));
	unsigned tr;
	int r = -EAGAIN;

	if (bclen < 0)
		return bclen;
	for (tr = 0; tr < TRIES; tr++) {
		t->n = 0;
		t->seen = 0;
		t->short_info = 0;
		/* An IPv6 --dst never matches the IPv4 table: skip that dump. */
		if (!(f->has_dst && f->dst_family == AF_INET6)) {
			r = dump_family(AF_INET, ext, states, bc, (size_t)bclen,
					nt_tcp_top_cb, t);
			if (r)
				goto next;
		}
		r = dump_family(AF_INET6, ext, states, bc, (size_t)bclen,
				nt_tcp_top_cb, t);
		if (r == -ENOENT || r == -EAFNOSUPPORT)
			r = 0;
next:
		if (r != -EAGAIN)
			break;
	}
	nt_tcp_top_sort(t);
	return r;
}
