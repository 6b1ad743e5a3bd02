/* stack --top: the UDP sockets with the most drops, from one
 * SOCK_DIAG_BY_FAMILY dump per family with INET_DIAG_SKMEMINFO
 * (SK_MEMINFO_DROPS), kept in a bounded min-heap of the top N; with
 * --procs the owners from the /proc fd walk of tcp --procs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "nettriage.h"
#include "nt_nl.h"
#include "nt_output.h"
#include "nt_stack_nl.h"
#include "nt_tcp.h"
#include "nt_verdict.h"
#include "stack_nl_priv.h"

#define RCVBUF 32768
#define TRIES 5

static int udp_attr_cb(uint16_t type, const void *p, size_t len, void *data)
{
	struct nt_udp_sock *s = data;
	uint32_t v;

	if (type != INET_DIAG_SKMEMINFO)
		return 0;
	/* an older kernel sends fewer u32s: read only what is there */
	if (len < (SK_MEMINFO_DROPS + 1) * sizeof(uint32_t)) {
		if (len >= (SK_MEMINFO_RCVBUF + 1) * sizeof(uint32_t)) {
			memcpy(&v, (const char *)p + SK_MEMINFO_RCVBUF * sizeof(v), sizeof(v));
			s->rcvbuf = v;
		}
		if (len >= (SK_MEMINFO_RMEM_ALLOC + 1) * sizeof(uint32_t)) {
			memcpy(&v, (const char *)p + SK_MEMINFO_RMEM_ALLOC * sizeof(v), sizeof(v));
			s->rmem_alloc = v;
		}
		return 0; /* drops unknown: have_mem stays false */
	}
	memcpy(&v, (const char *)p + SK_MEMINFO_RMEM_ALLOC * sizeof(v), sizeof(v));
	s->rmem_alloc = v;
	memcpy(&v, (const char *)p + SK_MEMINFO_RCVBUF * sizeof(v), sizeof(v));
	s->rcvbuf = v;
	memcpy(&v, (const char *)p + SK_MEMINFO_DROPS * sizeof(v), sizeof(v));
	s->drops = v;
	s->have_mem = true;
	s->avail |= 1u << NT_US_MEM;
	return 0;
}

static void fmt_addr(char *out, size_t len, uint8_t family, const uint8_t *a)
{
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, a, out, (socklen_t)len))
		snprintf(out, len, "?");
}

int nt_stack_parse_udp(const struct nlmsghdr *nlh, struct nt_udp_sock *s)
{
	struct inet_diag_msg m;
	int r;

	memset(s, 0, sizeof(*s));
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(m) ||
	    nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return -EINVAL;
	memcpy(&m, mnl_nlmsg_get_payload(nlh), sizeof(m));
	if (m.idiag_family != AF_INET && m.idiag_family != AF_INET6)
		return -EINVAL;
	s->family = m.idiag_family;
	s->ipv = m.idiag_family == AF_INET6 ? 6 : 4;
	memcpy(s->src, m.id.idiag_src, sizeof(s->src));
	memcpy(s->dst, m.id.idiag_dst, sizeof(s->dst));
	s->sport = ntohs(m.id.idiag_sport);
	s->dport = ntohs(m.id.idiag_dport);
	s->inode = m.idiag_inode;
	s->rqueue = m.idiag_rqueue;
	r = nt_snl_msg_attrs(nlh, SOCK_DIAG_BY_FAMILY, sizeof(m), udp_attr_cb, s);
	if (r)
		return r;
	fmt_addr(s->local, sizeof(s->local), s->family, s->src);
	fmt_addr(s->remote, sizeof(s->remote), s->family, s->dst);
	snprintf(s->subject, sizeof(s->subject), s->ipv == 6 ? "[%s]:%u" : "%s:%u",
		 s->local, s->sport);
	return 0;
}

void nt_udp_list_free(struct nt_udp_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* ---- top N: a min-heap on (drops, rqueue) of at most `top` sockets ---- */

struct udp_top {
	struct nt_udp_list *l;
	unsigned top;
};

/* a ranks below b */
static bool below(const struct nt_udp_sock *a, const struct nt_udp_sock *b)
{
	if (a->drops != b->drops)
		return a->drops < b->drops;
	if (a->rqueue != b->rqueue)
		return a->rqueue < b->rqueue;
	return a->inode > b->inode; /* stable order for equal sockets */
}

static void swap_sock(struct nt_udp_sock *a, struct nt_udp_sock *b)
{
	struct nt_udp_sock t = *a;

	*a = *b;
	*b = t;
}

static void sift_down(struct nt_udp_sock *v, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < n && below(&v[l], &v[m]))
			m = l;
		if (r < n && below(&v[r], &v[m]))
			m = r;
		if (m == i)
			return;
		swap_sock(&v[i], &v[m]);
		i = m;
	}
}

static void sift_up(struct nt_udp_sock *v, size_t i)
{
	while (i) {
		size_t p = (i - 1) / 2;

		if (!below(&v[i], &v[p]))
			return;
		swap_sock(&v[i], &v[p]);
		i = p;
	}
}

void nt_udp_top_offer(struct nt_udp_list *l, unsigned top,
		      const struct nt_udp_sock *s)
{
	l->seen++;
	if ((!s->drops && !s->rqueue) || !top || l->cap < top)
		return;
	if (l->n < top) {
		l->v[l->n++] = *s;
		sift_up(l->v, l->n - 1);
	} else if (below(&l->v[0], s)) {
		l->v[0] = *s;
		sift_down(l->v, l->n, 0);
	}
}

static int udp_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct udp_top *t = data;
	struct nt_udp_sock s;

	if (nt_stack_parse_udp(nlh, &s))
		return -EBADMSG;
	nt_udp_top_offer(t->l, t->top, &s);
	return 0;
}

static void udp_reset(void *data)
{
	struct udp_top *t = data;

	t->l->n = 0;
	t->l->seen = 0;
}

static int cmp_rank(const void *a, const void *b)
{
	const struct nt_udp_sock *x = a, *y = b;

	return below(y, x) ? -1 : below(x, y) ? 1 : 0;
}

void nt_udp_top_finish(struct nt_udp_list *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_rank);
}

static int dump_family(struct udp_top *t, uint8_t family)
{
	char req[256];
	struct nlmsghdr *nlh = (struct nlmsghdr *)req;
	struct nt_nl_walk w = { 0, 0, SOCK_DIAG_BY_FAMILY, udp_msg_cb, t, 0, 0 };
	struct inet_diag_req_v2 *q = nt_snl_dump_req(req, SOCK_DIAG_BY_FAMILY, sizeof(*q));
	int r;

	q->sdiag_family = family;
	q->sdiag_protocol = IPPROTO_UDP;
	q->idiag_ext = 1u << (INET_DIAG_SKMEMINFO - 1);
	q->idiag_states = ~0u; /* UDP sockets are in CLOSE or ESTABLISHED */
	/* one try: an interrupted dump restarts both families (below) */
	r = nt_nl_dump(NETLINK_SOCK_DIAG, nlh, &w, NULL, 1, RCVBUF);
	t->l->intr += w.intr;
	return r;
}

int nt_stack_udp_top(struct nt_udp_list *l, unsigned top, bool procs)
{
	struct udp_top t = { l, top };
	int r = -EAGAIN, tries;

	l->n = 0;
	l->seen = 0;
	l->intr = 0;
	l->procs_err = 0;
	if (!top)
		return 0;
	if (l->cap < top) {
		struct nt_udp_sock *v = realloc(l->v, top * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = top;
	}
	/* both families in one consistent pass: an interrupted dump of
	 * either starts both again */
	for (tries = 0; tries < TRIES; tries++) {
		udp_reset(&t);
		r = dump_family(&t, AF_INET);
		if (!r)
			r = dump_family(&t, AF_INET6);
		if (r != -EAGAIN) /* -EAGAIN: NLM_F_DUMP_INTR, dump again */
			break;
	}
	if (r)
		return r;
	nt_udp_top_finish(l);
	if (procs && l->n) {
		struct nt_tcp_procscan ps;
		uint32_t *ino = calloc(l->n, sizeof(*ino));
		size_t i;

		if (!ino)
			return -ENOMEM;
		for (i = 0; i < l->n; i++)
			ino[i] = l->v[i].inode;
		l->procs_err = nt_tcp_procscan(ino, l->n, &ps);
		free(ino);
		if (!l->procs_err) {
			for (i = 0; i < l->n; i++) {
				const struct nt_tcp_owner *o = nt_tcp_owner_find(&ps, l->v[i].inode);

				if (!o || !o->pid)
					continue;
				l->v[i].pid = o->pid;
				snprintf(l->v[i].comm, sizeof(l->v[i].comm), "%.15s", o->process);
				l->v[i].avail |= 1u << NT_US_PROC;
			}
			nt_tcp_procscan_free(&ps);
		}
	}
	return 0;
}

/* ---- field table ---- */

#define UOFF(m) offsetof(struct nt_udp_sock, m)
static const struct nt_field udp_fields[] = {
	{ "family", "IPV", 0, NT_T_U32, UOFF(ipv), NT_P_NONE,
	  NT_F_ID | NT_F_DEF, NULL, -1, "IP version (4 or 6)" },
	{ "local", "LOCAL", 0, NT_T_STR, UOFF(local), NT_P_LABEL,
	  NT_F_ID | NT_F_DEF | NT_F_LEFT, NULL, -1, "Local address", "local" },
	{ "port", "PORT", 0, NT_T_U32, UOFF(sport), NT_P_LABEL,
	  NT_F_ID | NT_F_DEF, NULL, -1, "Local port", "port" },
	{ "remote", "REMOTE", 0, NT_T_STR, UOFF(remote), NT_P_NONE,
	  NT_F_INFO | NT_F_LEFT, NULL, -1, "Remote address (connected sockets)" },
	{ "remote_port", "RPORT", 0, NT_T_U32, UOFF(dport), NT_P_NONE,
	  NT_F_INFO, NULL, -1, "Remote port (0: not connected)" },
	{ "inode", "INODE", 0, NT_T_U32, UOFF(inode), NT_P_LABEL,
	  NT_F_ID, NULL, -1, "Socket inode", "inode" },
	{ "rqueue", "RECV-Q", 0, NT_T_U32, UOFF(rqueue), NT_P_NONE,
	  NT_F_INFO | NT_F_DEF, NULL, -1, "Bytes waiting to be read (idiag_rqueue)" },
	{ "rcvbuf", "RCVBUF", 0, NT_T_U32, UOFF(rcvbuf), NT_P_NONE,
	  NT_F_INFO | NT_F_DEF, NULL, NT_US_MEM, "Receive buffer size (SK_MEMINFO_RCVBUF)" },
	{ "drops", "DROPS", 0, NT_T_U32, UOFF(drops), NT_P_COUNTER,
	  NT_F_TOTAL | NT_F_DEF, NULL, NT_US_MEM,
	  "Datagrams the socket dropped (SK_MEMINFO_DROPS: receive buffer full, filters)" },
	{ "pid", "PID", 0, NT_T_U32, UOFF(pid), NT_P_NONE,
	  NT_F_INFO | NT_F_DEF, NULL, NT_US_PROC, "Process holding the socket (--procs)" },
	{ "process", "PROCESS", 0, NT_T_STR, UOFF(comm), NT_P_NONE,
	  NT_F_INFO | NT_F_DEF | NT_F_LEFT, NULL, NT_US_PROC, "Its command name (--procs)" },
};

const struct nt_rectype nt_udp_sock_rectype = {
	.json_array = "udp_top",
	.prom_prefix = "nettriage_stack_udp_sock",
	.fields = udp_fields,
	.nfields = sizeof(udp_fields) / sizeof(udp_fields[0]),
	.size = sizeof(struct nt_udp_sock),
	.avail_off = UOFF(avail),
	.subject_off = UOFF(subject),
};

/* --top: the socket with the most drops of the verdict's own family
 * named in its UDP verdict: Udp an AF_INET socket, Udp6 an AF_INET6 one;
 * UdpLite/UdpLite6 none (the dump is of IPPROTO_UDP sockets only). A
 * dual-stack AF_INET6 socket's drops of IPv4 datagrams are counted in
 * Udp by the kernel but it is named only under Udp6: the socket's
 * SK_MEMINFO_DROPS does not say which family dropped. Its drops are
 * lifetime counters (since the socket was created), not over the
 * verdict's interval: said. */
static const struct nt_udp_sock *top_of(const struct nt_udp_list *l, const char *proto)
{
	uint8_t fam;
	size_t i;

	if (!strcmp(proto, "Udp"))
		fam = AF_INET;
	else if (!strcmp(proto, "Udp6"))
		fam = AF_INET6;
	else
		return NULL;
	for (i = 0; i < l->n; i++) /* worst first */
		if (l->v[i].family == fam && l->v[i].have_mem && l->v[i].drops)
			return &l->v[i];
	return NULL;
}

void nt_stack_udp_name_top(const struct nt_udp_list *ul, struct nt_verdicts *vs)
{
	const struct nt_udp_sock *s;
	size_t i, l;

	if (!ul->n)
		return;
	for (i = 0; i < vs->n; i++) {
		struct nt_verdict *v = &vs->v[i];

		if (strcmp(v->check, "stack.udp") || v->level == NT_OK ||
		    !(s = top_of(ul, v->subject)))
			continue;
		l = strlen(v->reason);
		if (s->pid > 0)
			snprintf(v->reason + l, sizeof(v->reason) - l,
				 "; top socket: port %u, %u drops, pid %d (%.15s) (lifetime: since the socket was created)",
				 s->sport, s->drops, (int)s->pid, s->comm);
		else
			snprintf(v->reason + l, sizeof(v->reason) - l,
				 "; top socket: port %u, %u drops since the socket was created (lifetime)",
				 s->sport, s->drops);
	}
}
