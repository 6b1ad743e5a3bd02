/* Probe scheduler: every TTL of a cycle goes out at once, cycles sit on a
 * fixed CLOCK_MONOTONIC grid (open loop: replies never delay a send), the
 * destination's TTL caps later cycles, replies are matched to their probe
 * (probe_match.c) and timed, and probes that time out are reported lost. */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "nettriage.h"
#include "probe_int.h"

struct run {
	struct nt_prober *p;
	nt_probe_cb cb;
	void *ctx;
	uint32_t next;     /* next probe; seq = next & 0xffff, never 0 */
	uint32_t oldest;   /* oldest probe that may still be pending */
	long cycles_sent;
	int cap;           /* TTL of the destination (or an unreachable), 0 */
	long te_cycle;     /* cycle of a time-exceeded at the cap's TTL with no
			    * destination answer there since, -1 none */
	struct nt_paddr resp[256]; /* last responder per TTL */
	bool err[256];     /* ... and it answers with ICMP errors */
	double linger;     /* keep listening for late replies until then */
	struct pollfd *pf; /* fixed fds, then the open slot fds */
	uint16_t *pfseq;   /* ... and the slot of each of those */
};

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void emit(struct run *u, enum nt_probe_ev ev, const struct nt_probe_slot *s)
{
	struct nt_probe_event e;

	memset(&e, 0, sizeof(e));
	e.ev = ev;
	e.ttl = s ? s->ttl : 0;
	e.cycle = s ? s->cycle : u->cycles_sent;
	e.reply_ttl = -1;
	u->cb(u->ctx, &e);
}

static struct nt_pace *bucket(struct nt_prober *p, const struct nt_paddr *a,
			      bool create, double now, double used)
{
	int i;

	for (i = 0; i < p->npace; i++)
		if (nt_paddr_eq(&p->pace[i].a, a))
			return &p->pace[i];
	if (!create || p->npace == NT_PROBE_BUCKETS)
		return NULL;
	p->pace[p->npace].a = *a;
	p->pace[p->npace].tokens = p->o.pace_burst - used;
	p->pace[p->npace].t = now;
	return &p->pace[p->npace++];
}

/* Linux answers with at most pace_rate ICMP errors per second per peer
 * (burst pace_burst): hold back a probe whose answer would be dropped. */
static bool pace_ok(struct run *u, int ttl, double now)
{
	struct nt_prober *p = u->p;
	struct nt_pace *b;

	if (!p->o.pace || !u->err[ttl] || !u->resp[ttl].family)
		return true;
	b = bucket(p, &u->resp[ttl], false, now, 0);
	if (!b)
		return true;
	b->tokens = fmin(p->o.pace_burst, b->tokens + (now - b->t) * p->o.pace_rate);
	b->t = now;
	if (b->tokens < 1)
		return false;
	b->tokens -= 1;
	return true;
}

/* A probe held back: counted (SENT, skipped), never silently dropped. */
static void held(struct run *u, int ttl, int why)
{
	struct nt_probe_event e;

	memset(&e, 0, sizeof(e));
	e.ev = NT_EV_SENT;
	e.ttl = ttl;
	e.cycle = u->cycles_sent;
	e.reply_ttl = -1;
	e.skipped = true;
	e.held = (uint8_t)why;
	u->cb(u->ctx, &e);
}

static bool send_ok(int r)
{
	return !r || r == -ENOBUFS || r == -EAGAIN || r == -EINTR ||
	       r == -ECONNREFUSED || r == -EHOSTUNREACH || r == -ENETUNREACH;
}

/* One probe on a socket of its own (p->sops). 1: held back. */
static int send_slot(struct run *u, struct nt_probe_slot *s)
{
	struct nt_prober *p = u->p;
	int r;

	if (p->nopen >= p->open_cap)
		return 1;
	r = p->sops->send(p, s);
	if (s->fd >= 0)
		p->open[p->nopen++] = s->seq;
	if (s->fd < 0 && (r == -EMFILE || r == -ENFILE))
		return 1;
	if (!send_ok(r) && r != -EPERM)
		return r;
	if (r && s->tx_mono == 0)
		nt_probe_tx_clock(&s->tx_real, &s->tx_mono);
	if (r && s->fd >= 0)
		nt_probe_slot_close(p, s); /* nothing will come: lost at its timeout */
	return 0;
}

static int send_cycle(struct run *u)
{
	struct nt_prober *p = u->p;
	int hi = p->o.max_ttl, ttl, r, flow = (int)(u->cycles_sent % p->o.flows);
	int want, got, used = 0;
	double now = now_mono();

	if (u->cap && u->cap < hi)
		hi = u->cap;
	/* --rate: this cycle's share of the global cap */
	want = hi - p->o.first_ttl + 1;
	got = p->o.rate ? nt_probe_rate_take_n(p->o.rate, want, now) : want;
	for (ttl = p->o.first_ttl; ttl <= hi; ttl++) {
		uint16_t seq;
		struct nt_probe_slot *s;

		/* the (pure) rate pick first: a probe --rate holds must not
		 * use up its hop's pacing token; a picked probe that pacing
		 * then holds gives its rate token back (got - used below) */
		if (p->o.rate && !nt_probe_rate_pick(ttl - p->o.first_ttl, want, got,
						     u->cycles_sent)) {
			held(u, ttl, NT_HELD_RATE); /* counted, not sent */
			continue;
		}
		if (!pace_ok(u, ttl, now)) {
			held(u, ttl, NT_HELD_PACE);
			continue;
		}
		if ((uint16_t)u->next == 0)
			u->next++; /* seq 0 is never sent: a UDP checksum of 0 is not */
		seq = (uint16_t)u->next;
		s = &p->tab.slot[seq];
		if (s->state == NT_SLOT_PENDING)
			emit(u, NT_EV_LOST, s); /* 65536 probes in flight */
		nt_probe_slot_close(p, s);
		memset(s, 0, sizeof(*s)); /* also forgets an old TX stamp */
		s->fd = -1;
		s->seq = seq;
		s->ttl = (uint8_t)ttl;
		s->flow = (uint8_t)flow;
		s->cycle = u->cycles_sent;
		s->cap_sent = (uint8_t)u->cap;
		if (p->sops) {
			r = send_slot(u, s);
			if (r == 1) {
				held(u, ttl, NT_HELD_SOCKETS);
				continue;
			}
			if (r)
				return r;
		} else {
			r = nt_probe_send(p, flow, ttl, seq, &s->tx_real, &s->tx_mono);
			if (r == -ECONNREFUSED || r == -EHOSTUNREACH || r == -ENETUNREACH)
				/* a pending error (an earlier ICMP unreachable on a
				 * connected or ping socket) reported on send: retry
				 * once; a second ENETUNREACH is a local "no route",
				 * and that probe counts as sent and lost */
				r = nt_probe_send(p, flow, ttl, seq, &s->tx_real, &s->tx_mono);
			if (!send_ok(r))
				return r;
		}
		s->state = NT_SLOT_PENDING; /* a failed send times out as lost */
		used++;
		u->next++;
		emit(u, NT_EV_SENT, s);
	}
	if (p->o.rate)
		nt_probe_rate_give(p->o.rate, got - used); /* paced, not sent */
	u->cycles_sent++;
	emit(u, NT_EV_CYCLE, NULL);
	return 0;
}

static void expire(struct run *u, double now)
{
	struct nt_prober *p = u->p;

	while (u->oldest != u->next) {
		struct nt_probe_slot *s = &p->tab.slot[(uint16_t)u->oldest];

		if (s->state == NT_SLOT_PENDING) {
			if (s->tx_mono + p->o.timeout > now)
				break;
			s->state = NT_SLOT_LOST;
			/* a late reply may still come: give it one more timeout */
			u->linger = fmax(u->linger, s->tx_mono + 2 * p->o.timeout);
			emit(u, NT_EV_LOST, s);
		}
		u->oldest++;
	}
}

/* A reply matched (m) to probe seq, or not ours. */
static void handle_match(struct run *u, const struct nt_probe_reply *r,
			 enum nt_probe_match m, uint16_t seq,
			 const struct timespec *rx, bool have_rx)
{
	struct nt_prober *p = u->p;
	struct nt_probe_slot *s;
	struct nt_probe_event e;
	double now = now_mono();

	if (m != NT_MATCH_PENDING && m != NT_MATCH_LATE)
		goto foreign; /* not ours, or a duplicate */
	s = &p->tab.slot[seq];
	memset(&e, 0, sizeof(e));
	/* Kernel RX stamp minus the CLOCK_REALTIME read just before send;
	 * trusted only inside [0, CLOCK_MONOTONIC delta]: a clock step
	 * between send and receive falls back to the monotonic delta. */
	e.rtt_ms = nt_probe_rtt_ms(s->have_tx_kern ? &s->tx_kern : &s->tx_real,
				   rx, have_rx, now - s->tx_mono, &e.kernel_ts);
	e.ttl = s->ttl;
	e.cycle = s->cycle;
	e.responder = r->src;
	e.type = r->type;
	e.code = r->code;
	e.reply_ttl = r->reply_ttl;
	e.reply = r;
	e.kernel_tx = e.kernel_ts && s->have_tx_kern;
	e.tcp_info = e.kernel_ts && s->rtt_tcp_info;
	e.from_dst = r->kind == NT_PR_ECHO_REPLY || nt_paddr_eq(&r->src, &p->o.dst);
	e.port_state = r->kind == NT_PR_TCP_SYNACK ? NT_PORT_OPEN :
		       r->kind == NT_PR_TCP_RST ? NT_PORT_CLOSED : NT_PORT_NONE;
	e.unreach = r->kind == NT_PR_UNREACH;
	if (e.from_dst && u->cap && s->ttl > u->cap) {
		/* sent before the destination's TTL was known (or while
		 * it was further): the destination again, not a hop */
		s->state = s->state == NT_SLOT_PENDING ? NT_SLOT_ANSWERED : NT_SLOT_DONE;
		e.ev = NT_EV_BEYOND;
		e.dst_ttl = u->cap;
		u->cb(u->ctx, &e);
		return;
	}
	if (s->state == NT_SLOT_PENDING && e.rtt_ms > p->o.timeout * 1e3) {
		/* past its timeout before expire() ran (read late after a
		 * busy wake-up): lost, then late, as if expired in time */
		s->state = NT_SLOT_LOST;
		u->linger = fmax(u->linger, s->tx_mono + 2 * p->o.timeout);
		emit(u, NT_EV_LOST, s);
	}
	e.ev = s->state == NT_SLOT_PENDING ? NT_EV_REPLY : NT_EV_LATE;
	s->state = s->state == NT_SLOT_PENDING ? NT_SLOT_ANSWERED : NT_SLOT_DONE;
	if ((e.from_dst || r->kind == NT_PR_UNREACH) && (!u->cap || s->ttl < u->cap)) {
		u->cap = s->ttl;
		u->te_cycle = -1;
	} else if (u->cap && s->ttl == u->cap && (e.from_dst || r->kind == NT_PR_UNREACH)) {
		u->te_cycle = -1; /* the end still answers at the cap */
	} else if (u->cap && s->ttl >= u->cap && r->kind == NT_PR_TIME_EXCEEDED &&
		   s->cap_sent == u->cap) {
		/* a router, not the end, at the cap's TTL, for a probe sent
		 * under this cap: the route got longer, or (one socket per
		 * probe, so a source port per probe) this probe took a longer
		 * ECMP path. Hysteresis: only a time-exceeded there in two
		 * consecutive cycles, with no destination answer at that TTL
		 * in between, sends the probes up to max_ttl again until the
		 * destination answers. */
		if (u->te_cycle >= 0 && s->cycle == u->te_cycle + 1) {
			u->cap = 0;
			u->te_cycle = -1;
		} else if (u->te_cycle < 0 || s->cycle > u->te_cycle) {
			u->te_cycle = s->cycle;
		}
	}
	e.dst_ttl = u->cap;
	u->resp[s->ttl] = r->src;
	u->err[s->ttl] = r->kind != NT_PR_ECHO_REPLY;
	if (p->o.pace && u->err[s->ttl])
		(void)bucket(p, &r->src, true, now,
			     1.0 + (double)(u->cycles_sent - 1 - s->cycle));
	u->cb(u->ctx, &e);
	return;
foreign:
	memset(&e, 0, sizeof(e));
	e.ev = NT_EV_FOREIGN;
	e.why = m == NT_MATCH_DUP ? NT_FOREIGN_DUP : NT_FOREIGN_NOMATCH;
	e.reply = r;
	e.reply_ttl = -1;
	u->cb(u->ctx, &e);
}

static void handle(struct run *u, const struct nt_probe_reply *r, int fdi,
		   const struct timespec *rx, bool have_rx)
{
	struct nt_prober *p = u->p;
	uint16_t seq = 0;
	enum nt_probe_match m;

	m = nt_probe_match(&p->tab, r, fdi == p->nfd ? -1 : fdi, &seq);
	handle_match(u, r, m, seq, rx, have_rx);
}

/* A message that is not a reply to us: rc -ENOMSG (not about our
 * probes) or -EBADMSG (inconsistent lengths). */
static void foreign(struct run *u, int rc)
{
	struct nt_probe_event e;

	memset(&e, 0, sizeof(e));
	e.ev = NT_EV_FOREIGN;
	e.why = rc == -EBADMSG ? NT_FOREIGN_BAD : NT_FOREIGN_NOMATCH;
	e.reply_ttl = -1;
	u->cb(u->ctx, &e);
}

/* Attach a kernel TX stamp of a fixed socket to its probe (through the
 * key's map; nt_probe_slot_txstamp says when the key is trusted). */
static void txstamp(struct nt_prober *p, const struct nt_probe_txstamp *tx)
{
	uint16_t seq = p->txmap[(size_t)tx->fdi * 65536 + (tx->key & 0xffff)];
	struct nt_probe_slot *s = &p->tab.slot[seq];

	if (s->state != NT_SLOT_FREE)
		(void)nt_probe_slot_txstamp(s, &tx->ts);
}

static int drain(struct run *u, int fdi)
{
	struct nt_prober *p = u->p;
	uint8_t buf[4096];
	struct nt_probe_reply r;
	struct nt_probe_txstamp tx;
	struct timespec rx;
	bool have_rx;
	int q, rc, n;

	for (q = 0; q < 2; q++) {
		bool errq = q == 0;

		if (errq && (fdi == p->nfd || ((p->tab.kind == NT_PS_RAW ||
						p->tab.kind == NT_PS_TCP_RAW) && !p->tx_ts)))
			continue; /* the raw receive socket sends nothing */
		for (n = 0; n < 256; n++) {
			rc = nt_probe_recv(p, fdi, errq, &r, &rx, &have_rx, &tx,
					   buf, sizeof(buf));
			if (rc == 0)
				break;
			if (rc == 2) {
				txstamp(p, &tx);
				continue;
			}
			if (rc == 3)
				continue; /* not for us and no one's reply (TCP) */
			if (rc == -ENOMSG || rc == -EBADMSG) {
				foreign(u, rc);
				continue;
			}
			if (rc < 0) {
				if (rc == -EINTR)
					continue;
				/* a pending socket error reported on the normal
				 * queue; the error queue holds the detail */
				if (!errq)
					break;
				return rc;
			}
			if (p->tab.kind == NT_PS_UDP_RAW && fdi < p->nfd)
				continue; /* the raw socket reads this error whole */
			handle(u, &r, fdi, &rx, have_rx);
		}
	}
	return 0;
}

/* revents on the fd of slot seq: hand them to the kind, match what it
 * reports to that probe. The answered probe's socket is closed. */
static void drain_slot(struct run *u, uint16_t seq, short revents)
{
	struct nt_prober *p = u->p;
	struct nt_probe_slot *s = &p->tab.slot[seq];
	uint8_t buf[4096];
	struct nt_probe_reply r;
	struct timespec rx;
	bool have_rx;
	int rc, n;

	for (n = 0; n < 64 && s->fd >= 0; n++) {
		have_rx = false;
		rc = p->sops->io(p, s, revents, &r, &rx, &have_rx, buf, sizeof(buf));
		if (rc == 0)
			break;
		if (rc == -ENOMSG || rc == -EBADMSG) {
			foreign(u, rc);
			continue;
		}
		if (rc < 0) {
			nt_probe_slot_close(p, s); /* this probe's socket only */
			break;
		}
		handle_match(u, &r, nt_probe_match_slot(&p->tab, &r, seq), seq, &rx,
			     have_rx);
		if (s->state == NT_SLOT_ANSWERED || s->state == NT_SLOT_DONE) {
			nt_probe_slot_close(p, s); /* answered: nothing more to read */
			break;
		}
	}
}

/* Close the slot fds nothing more is expected on: answered, or lost and
 * past their linger (2 x timeout after the send). Returns the earliest
 * linger end still to come (INFINITY: none). */
static double sweep_slots(struct run *u, double now)
{
	struct nt_prober *p = u->p;
	double next = INFINITY;
	int i;

	for (i = p->nopen - 1; i >= 0; i--) {
		struct nt_probe_slot *s = &p->tab.slot[p->open[i]];
		double end = s->tx_mono + 2 * p->o.timeout;

		if (p->sops->max_life > 0)
			end = fmin(end, s->tx_mono + p->sops->max_life);
		if (s->state == NT_SLOT_ANSWERED || s->state == NT_SLOT_DONE ||
		    ((s->state == NT_SLOT_LOST || p->sops->max_life > 0) && now >= end))
			nt_probe_slot_close(p, s);
		else if (s->state == NT_SLOT_LOST || p->sops->max_life > 0)
			next = fmin(next, end);
	}
	return next;
}

static void cancel_pending(struct run *u)
{
	while (u->oldest != u->next) {
		struct nt_probe_slot *s = &u->p->tab.slot[(uint16_t)u->oldest];

		if (s->state == NT_SLOT_PENDING) {
			s->state = NT_SLOT_DONE;
			emit(u, NT_EV_CANCEL, s);
		}
		u->oldest++;
	}
}

/* The loop proper; called with SIGINT and SIGTERM blocked, so nt_stop is
 * tested with the signals held back and they can only arrive inside
 * ppoll, which waits with waitmask (the caller's mask without them). */
static int run_loop(struct run *u, const sigset_t *waitmask)
{
	struct nt_prober *p = u->p;
	struct pollfd *pf = u->pf;
	double t0, next_send, now, deadline, slot_end = INFINITY;
	int i, r, nfix = p->nfd, npf;

	for (i = 0; i < p->nfd; i++) {
		pf[i].fd = p->fd[i];
		pf[i].events = POLLIN;
	}
	if (p->rxfd >= 0) {
		pf[nfix].fd = p->rxfd;
		pf[nfix++].events = POLLIN;
	}
	t0 = now_mono();
	next_send = t0;
	for (;;) {
		struct timespec ts;

		if (nt_stop) {
			cancel_pending(u);
			return -EINTR;
		}
		now = now_mono();
		if (p->sops)
			slot_end = sweep_slots(u, now); /* frees room under the cap first */
		if (u->cycles_sent < p->o.cycles && now >= next_send) {
			r = send_cycle(u);
			if (r)
				return r;
			/* the grid, not the previous send: no drift */
			next_send = t0 + (double)u->cycles_sent * p->o.interval;
		}
		expire(u, now);
		if (u->cycles_sent >= p->o.cycles && u->oldest == u->next &&
		    now >= u->linger)
			return 0;
		deadline = u->cycles_sent < p->o.cycles ? next_send : INFINITY;
		if (u->oldest == u->next && u->linger > now)
			deadline = fmin(deadline, u->linger);
		if (u->oldest != u->next) {
			const struct nt_probe_slot *s = &p->tab.slot[(uint16_t)u->oldest];

			deadline = fmin(deadline, s->tx_mono + p->o.timeout);
		}
		deadline = fmin(deadline, slot_end);
		deadline -= now;
		if (deadline < 0)
			deadline = 0;
		ts.tv_sec = (time_t)deadline;
		ts.tv_nsec = (long)((deadline - (double)ts.tv_sec) * 1e9);
		npf = nfix;
		for (i = 0; p->sops && i < p->nopen; i++) {
			const struct nt_probe_slot *s = &p->tab.slot[p->open[i]];

			u->pfseq[npf] = s->seq;
			pf[npf].fd = s->fd;
			pf[npf].events = (short)(POLLIN |
				(p->sops->events ? p->sops->events(p, s) : 0));
			pf[npf++].revents = 0;
		}
		r = ppoll(pf, (nfds_t)npf, &ts, waitmask);
		if (r < 0) {
			if (errno == EINTR)
				continue; /* nt_stop is tested at the top */
			return -errno;
		}
		for (i = 0; r > 0 && i < nfix; i++) {
			if (!pf[i].revents)
				continue;
			r = drain(u, i);
			if (r)
				return r;
			r = 1;
		}
		/* pf[i] polled slot pfseq[i]; nothing is sent while draining,
		 * so a slot whose fd is no longer pf[i].fd was closed here */
		for (i = nfix; r > 0 && i < npf; i++)
			if (pf[i].revents && p->tab.slot[u->pfseq[i]].fd == pf[i].fd)
				drain_slot(u, u->pfseq[i], pf[i].revents);
	}
}

int nt_probe_run(struct nt_prober *p, nt_probe_cb cb, void *ctx)
{
	struct run u;
	sigset_t stop, old, waitmask;
	size_t n;
	int r;

	if (!p->nfd && !p->sops)
		return -EINVAL; /* nt_probe_target not called */
	memset(&u, 0, sizeof(u));
	u.te_cycle = -1;
	n = (size_t)(NT_PROBE_MAX_FLOWS + 1 + (p->sops ? p->open_cap : 0));
	u.pf = calloc(n, sizeof(*u.pf));
	u.pfseq = calloc(n, sizeof(*u.pfseq));
	if (!u.pf || !u.pfseq) {
		free(u.pf);
		free(u.pfseq);
		return -ENOMEM;
	}
	u.p = p;
	u.cb = cb;
	u.ctx = ctx;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	r = pthread_sigmask(SIG_BLOCK, &stop, &old);
	if (r) {
		free(u.pf);
		free(u.pfseq);
		return -r;
	}
	waitmask = old;
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);
	r = run_loop(&u, &waitmask);
	pthread_sigmask(SIG_SETMASK, &old, NULL); /* a held signal lands now */
	while (p->nopen > 0) /* every probe's socket, whatever the end */
		nt_probe_slot_close(p, &p->tab.slot[p->open[p->nopen - 1]]);
	free(u.pf);
	free(u.pfseq);
	return r;
}
