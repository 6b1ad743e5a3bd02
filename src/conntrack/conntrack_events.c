/* conntrack events (--events SEC): a NEW/DESTROY subscription opened
 * with libnetfilter_conntrack (nfct_open joins the multicast groups),
 * counted per second and per protocol, with the top sources and
 * destinations of new flows in bounded memory.
 *
 * The messages are read with recv(2) on nfct_fd and decoded by our own
 * nt_ct_event_parse (over nt_ct_parse_entry), not by nfct_catch's
 * callback: libnetfilter_conntrack's parser calls exit(3) on an attribute
 * of an unexpected size ("ctnetlink kernel ABI is broken", __abi_breakage
 * in parse_mnl.c; found by fuzzing nfct_nlmsg_parse), and nothing below
 * cmd_* may exit. nt_ct_event_parse is also the entry point of the unit
 * tests and the fuzz target. Nothing here prints. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include "nettriage.h"
#include "nt_conntrack.h"

/* Receive buffer asked for: a burst of ~100k events (each skb is charged
 * about 600-900 bytes) survives a reader that falls behind for a second. */
#define EV_RCVBUF (64u << 20)
/* One recv: the kernel sends one event per datagram; 64 KiB is ample. */
#define EV_RECV 65536

int nt_ct_event_parse(const void *buf, size_t len, struct nt_ct_event *ev)
{
	_Alignas(8) char copy[8192];
	const struct nlmsghdr *in = buf;
	struct nlmsghdr *nlh;
	uint32_t mlen;
	int r;

	memset(ev, 0, sizeof(*ev));
	ev->type = NT_CTEV_OTHER;
	if (len < NLMSG_HDRLEN)
		return -EINVAL;
	memcpy(&mlen, &in->nlmsg_len, sizeof(mlen)); /* buf may be unaligned */
	if (mlen < NLMSG_LENGTH(sizeof(struct nfgenmsg)) || mlen > len ||
	    mlen > sizeof(copy))
		return -EINVAL;
	/* an aligned copy the parser may read and whose type we may set */
	memcpy(copy, buf, mlen);
	nlh = (struct nlmsghdr *)copy;
	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_CTNETLINK)
		return -EINVAL;
	/* the event types as libnetfilter_conntrack names them
	 * (__parse_message_type): CT_NEW with CREATE or EXCL is NEW, CT_NEW
	 * otherwise an update, CT_DELETE is DESTROY */
	switch (NFNL_MSG_TYPE(nlh->nlmsg_type)) {
	case IPCTNL_MSG_CT_NEW:
		ev->type = (nlh->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL)) ?
			NT_CTEV_NEW : NT_CTEV_OTHER;
		break;
	case IPCTNL_MSG_CT_DELETE:
		ev->type = NT_CTEV_DESTROY;
		/* same attributes as an entry: parse it as one */
		nlh->nlmsg_type = (uint16_t)((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW);
		break;
	default: /* a ctnetlink message that is no entry event */
		memset(&ev->e, 0, sizeof(ev->e));
		return 0;
	}
	r = nt_ct_parse_entry(nlh, NT_CTW_IP | NT_CTW_PROTO, &ev->e);
	if (r)
		ev->type = NT_CTEV_OTHER;
	return r;
}

int nt_ct_evacc_init(struct nt_ct_evacc *a, double seconds, size_t cap,
		     const uint64_t *seed)
{
	int r;

	memset(a, 0, sizeof(*a));
	if (!(seconds > 0) || seconds > NT_CT_EV_MAX_SEC)
		return -EINVAL;
	a->nsec = (size_t)ceil(seconds) + 1; /* the last partial second */
	a->sec_new = calloc(a->nsec, sizeof(*a->sec_new));
	a->sec_destroy = calloc(a->nsec, sizeof(*a->sec_destroy));
	if (!a->sec_new || !a->sec_destroy) {
		nt_ct_evacc_free(a);
		return -ENOMEM;
	}
	r = nt_ct_topk_init(&a->src, cap, seed);
	if (!r)
		r = nt_ct_topk_init(&a->dst, cap, seed);
	if (r) {
		nt_ct_evacc_free(a);
		return r;
	}
	a->r.seconds = seconds;
	a->r.counters = cap;
	return 0;
}

void nt_ct_evacc_reset(struct nt_ct_evacc *a)
{
	double seconds = a->r.seconds;
	uint64_t counters = a->r.counters;

	nt_ct_topk_reset(&a->src);
	nt_ct_topk_reset(&a->dst);
	memset(a->proto_new, 0, sizeof(a->proto_new));
	memset(a->sec_new, 0, a->nsec * sizeof(*a->sec_new));
	memset(a->sec_destroy, 0, a->nsec * sizeof(*a->sec_destroy));
	memset(&a->r, 0, sizeof(a->r));
	a->r.seconds = seconds;
	a->r.counters = counters;
}

void nt_ct_evacc_free(struct nt_ct_evacc *a)
{
	nt_ct_topk_free(&a->src);
	nt_ct_topk_free(&a->dst);
	free(a->sec_new);
	free(a->sec_destroy);
	a->sec_new = a->sec_destroy = NULL;
	a->nsec = 0;
}

static void addr_key(const struct nt_ct_entry *e, bool src, struct nt_ct_key *k)
{
	/* the key layout of the --by src/dst breakdown (conntrack_agg.c), so
	 * nt_ct_key_format prints it */
	memset(k, 0, sizeof(*k));
	if (e->have & (src ? NT_CTE_SRC : NT_CTE_DST)) {
		k->a = e->family;
		memcpy(k->addr, src ? e->src : e->dst, 16);
	} else {
		k->c = 1;
	}
}

void nt_ct_evacc_add(struct nt_ct_evacc *a, const struct nt_ct_event *ev,
		     double t)
{
	struct nt_ct_key k;
	size_t s = t > 0 ? (size_t)t : 0;

	if (s >= a->nsec)
		s = a->nsec - 1;
	switch (ev->type) {
	case NT_CTEV_NEW:
		a->r.new_flows++;
		a->sec_new[s]++;
		if (ev->e.have & NT_CTE_PROTO)
			a->proto_new[ev->e.proto]++;
		addr_key(&ev->e, true, &k);
		nt_ct_topk_add(&a->src, &k);
		addr_key(&ev->e, false, &k);
		nt_ct_topk_add(&a->dst, &k);
		break;
	case NT_CTEV_DESTROY:
		a->r.destroyed++;
		a->sec_destroy[s]++;
		break;
	default:
		a->r.other++;
		break;
	}
}

void nt_ct_evacc_finish(struct nt_ct_evacc *a, double elapsed)
{
	struct nt_ct_events *r = &a->r;
	uint64_t ms = nt_ct_topk_min(&a->src), md = nt_ct_topk_min(&a->dst);
	size_t i;

	r->elapsed_s = elapsed;
	r->new_per_s = elapsed > 0 ? (double)r->new_flows / elapsed : NAN;
	r->destroy_per_s = elapsed > 0 ? (double)r->destroyed / elapsed : NAN;
	r->peak_new_per_s = r->peak_destroy_per_s = 0;
	for (i = 0; i < a->nsec; i++) {
		if (a->sec_new[i] > r->peak_new_per_s)
			r->peak_new_per_s = a->sec_new[i];
		if (a->sec_destroy[i] > r->peak_destroy_per_s)
			r->peak_destroy_per_s = a->sec_destroy[i];
	}
	/* a list that never evicted is exact; one that did is over by at
	 * most its smallest counter (Space-Saving) */
	a->err_src = a->src.evictions ? ms : 0;
	a->err_dst = a->dst.evictions ? md : 0;
	r->exact = !a->err_src && !a->err_dst;
	r->count_error_max = a->err_src > a->err_dst ? a->err_src : a->err_dst;
	r->distinct_src = (uint64_t)(nt_ct_topk_distinct(&a->src) + 0.5);
	r->distinct_dst = (uint64_t)(nt_ct_topk_distinct(&a->dst) + 0.5);
}

size_t nt_ct_evacc_top(const struct nt_ct_evacc *a, enum nt_ct_by by,
		       struct nt_ct_top *out, size_t n)
{
	const struct nt_ct_counter **c;
	const struct nt_ct_topk *t;
	double total = (double)a->r.new_flows;
	struct nt_ct_key k;
	size_t i, j, m = 0;

	if (by == NT_BY_PROTO) {
		/* exact: one counter per protocol number; largest first, ties
		 * by number (selection: at most 256 values) */
		bool used[256] = { false };

		while (m < n) {
			int best = -1;

			for (i = 0; i < 256; i++)
				if (!used[i] && a->proto_new[i] &&
				    (best < 0 || a->proto_new[i] > a->proto_new[best]))
					best = (int)i;
			if (best < 0)
				break;
			used[best] = true;
			memset(&out[m], 0, sizeof(out[m]));
			snprintf(out[m].by, sizeof(out[m].by), "proto");
			memset(&k, 0, sizeof(k)); /* the --by proto key of the number */
			k.a = (uint8_t)best;
			nt_ct_key_format(NT_BY_PROTO, &k, out[m].value, sizeof(out[m].value));
			out[m].count = a->proto_new[best];
			out[m].pct = total > 0 ? 100.0 * (double)out[m].count / total : NAN;
			m++;
		}
		return m;
	}
	t = by == NT_BY_SRC ? &a->src : &a->dst;
	if (!n || !(c = calloc(n, sizeof(*c))))
		return 0;
	j = nt_ct_topk_sorted(t, c, n);
	for (i = 0; i < j; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		snprintf(out[i].by, sizeof(out[i].by), "%s", nt_ct_by_name(by));
		nt_ct_key_format(by, &c[i]->k, out[i].value, sizeof(out[i].value));
		out[i].count = c[i]->n;
		out[i].err = by == NT_BY_SRC ? a->err_src : a->err_dst;
		out[i].pct = total > 0 ? 100.0 * (double)c[i]->n / total : NAN;
	}
	free(c);
	return j;
}

/* SO_RCVBUFFORCE (CAP_NET_ADMIN, above rmem_max) first, else SO_RCVBUF
 * (capped by net.core.rmem_max); what the kernel set is read back. */
static void raise_rcvbuf(int fd, struct nt_ct_events *r)
{
	int sz = (int)EV_RCVBUF, got = 0;
	socklen_t gl = sizeof(got);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) == 0) {
		snprintf(r->rcvbuf_how, sizeof(r->rcvbuf_how), "SO_RCVBUFFORCE");
	} else {
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		snprintf(r->rcvbuf_how, sizeof(r->rcvbuf_how), "SO_RCVBUF");
	}
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &gl) == 0 && got > 0)
		r->rcvbuf_bytes = (uint64_t)got;
}

/* A stop signal (blocked outside ppoll) is waiting to be delivered. */
static bool stop_pending(void)
{
	sigset_t p;

	return sigpending(&p) == 0 &&
	       (sigismember(&p, SIGINT) == 1 || sigismember(&p, SIGTERM) == 1);
}

/* Datagrams read between two looks at the clock and the signals. */
#define EV_CHECK_EVERY 64u
/* Seconds the queue is still read after the window closed. */
#define EV_TAIL_S 0.2

/* Read what is queued; 0 when drained (EAGAIN), 1 when stopped early
 * (CLOCK_MONOTONIC reached stopat, or SIGINT/SIGTERM is pending: under a
 * flood that outruns us EAGAIN never comes, and the window must still
 * end on time), -errno otherwise. ENOBUFS (the kernel dropped events for
 * us) is counted and reading goes on: NETLINK_NO_ENOBUFS is never set, so
 * no loss goes unseen. Each datagram's messages are walked with unsigned
 * length checks. */
static int drain(int fd, struct nt_ct_evacc *a, double t0, char *rbuf,
		 size_t rlen, double stopat)
{
	for (unsigned k = 1;; k++) {
		ssize_t n;
		size_t off = 0;
		double t;

		if (k % EV_CHECK_EVERY == 0 &&
		    (nt_now_mono() >= stopat || stop_pending()))
			return 1;
		n = recv(fd, rbuf, rlen, MSG_TRUNC);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == ENOBUFS) {
				a->r.overruns++;
				continue;
			}
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if ((size_t)n > rlen) { /* cannot happen: events are small */
			a->r.malformed++;
			continue;
		}
		t = nt_now_mono() - t0;
		while ((size_t)n - off >= NLMSG_HDRLEN) {
			const struct nlmsghdr *nlh = (const struct nlmsghdr *)(rbuf + off);
			struct nt_ct_event ev;
			uint32_t ml = nlh->nlmsg_len;

			if (ml < NLMSG_HDRLEN || ml > (size_t)n - off) {
				a->r.malformed++;
				break;
			}
			if (nlh->nlmsg_type >= NLMSG_MIN_TYPE) {
				if (nt_ct_event_parse(nlh, ml, &ev) == 0)
					nt_ct_evacc_add(a, &ev, t);
				else
					a->r.malformed++;
			}
			if (NLMSG_ALIGN(ml) > (size_t)n - off)
				break;
			off += NLMSG_ALIGN(ml);
		}
	}
}

int nt_ct_nl_events(struct nt_ct_evacc *a, double seconds, char *why,
		    size_t whylen)
{
	struct nfct_handle *h;
	sigset_t old;
	double t0, end;
	char *rbuf;
	int fd, fl, r = 0;

	nt_ct_evacc_reset(a);
	h = nfct_open(CONNTRACK, NF_NETLINK_CONNTRACK_NEW | NF_NETLINK_CONNTRACK_DESTROY);
	if (!h) {
		r = errno ? -errno : -EPERM;
		snprintf(why, whylen,
			 "conntrack events: nfct_open(NEW|DESTROY): %s%s", strerror(-r),
			 r == -EPERM ? " (subscribing needs CAP_NET_ADMIN)" : "");
		return r;
	}
	fd = nfct_fd(h);
	raise_rcvbuf(fd, &a->r);
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		r = -errno;
		snprintf(why, whylen, "conntrack events: fcntl(O_NONBLOCK): %s", strerror(-r));
		nfct_close(h);
		return r;
	}
	if (!(rbuf = malloc(EV_RECV))) {
		snprintf(why, whylen, "conntrack events: receive buffer: %s", strerror(ENOMEM));
		nfct_close(h);
		return -ENOMEM;
	}
	/* SIGINT/SIGTERM (main's handler sets nt_stop) stay blocked between
	 * the nt_stop check and the wait; ppoll unblocks them atomically. */
	nt_stops_block(&old);
	t0 = nt_now_mono();
	end = t0 + seconds;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct timespec rel;
		double left;
		int n;

		if (nt_stop) {
			a->r.interrupted = true;
			break;
		}
		left = end - nt_now_mono();
		if (left <= 0)
			break;
		rel = nt_timespec_of(left);
		n = ppoll(&p, 1, &rel, &old);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			snprintf(why, whylen, "conntrack events: ppoll: %s", strerror(-r));
			break;
		}
		if (n > 0 && (r = drain(fd, a, t0, rbuf, EV_RECV, end)) < 0) {
			snprintf(why, whylen, "conntrack events: recv: %s", strerror(-r));
			break;
		}
		r = 0;
	}
	/* What was queued before the window closed still counts, read for at
	 * most EV_TAIL_S more (a flood would otherwise never let us go). */
	if (!r &&
	    (r = drain(fd, a, t0, rbuf, EV_RECV, nt_now_mono() + EV_TAIL_S)) < 0)
		snprintf(why, whylen, "conntrack events: recv: %s", strerror(-r));
	if (r > 0) { /* stopped with events still queued: say how much */
		int q = 0;

		if (ioctl(fd, FIONREAD, &q) == 0 && q > 0)
			a->r.unread_bytes = (uint64_t)q;
		r = 0;
	}
	nt_ct_evacc_finish(a, nt_now_mono() - t0);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	free(rbuf);
	nfct_close(h);
	return r;
}
