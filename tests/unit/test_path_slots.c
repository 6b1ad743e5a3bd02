/* Unit tests: the engine's per-probe sockets (struct nt_probe_slot_ops)
 * driven by two stand-in kinds on loopback, as a TCP connect() kind will
 * use them: a non-blocking connect() per probe to a local listener, whose
 * POLLOUT (asked for through events) io reports as the reply; and a kind
 * whose sockets never answer, under a cap of 2 sockets in flight. Checks
 * the events (sent, reply, beyond the destination, lost, held back and
 * counted), that every probe's socket is closed after the run, and the
 * connections the listener accepted. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include "../../probes/probe_int.h"
#include "t.h"

struct counts {
	int sent, held, reply, beyond, lost, late, foreign, cycle;
	int paced[4], rated[4]; /* held by pacing / by --rate, per TTL 1..3 */
	int sentt[4];           /* sent per TTL 1..3 */
};

static void on_ev(void *ctx, const struct nt_probe_event *ev)
{
	struct counts *c = ctx;

	switch (ev->ev) {
	case NT_EV_SENT:
		if (ev->skipped) {
			c->held += ev->held == NT_HELD_SOCKETS;
			if (ev->ttl >= 1 && ev->ttl <= 3) {
				c->paced[ev->ttl] += ev->held == NT_HELD_PACE;
				c->rated[ev->ttl] += ev->held == NT_HELD_RATE;
			}
		} else {
			c->sent++;
			if (ev->ttl >= 1 && ev->ttl <= 3)
				c->sentt[ev->ttl]++;
		}
		break;
	case NT_EV_REPLY: c->reply++; break;
	case NT_EV_BEYOND: c->beyond++; break;
	case NT_EV_LOST: c->lost++; break;
	case NT_EV_LATE: c->late++; break;
	case NT_EV_FOREIGN: c->foreign++; break;
	case NT_EV_CYCLE: c->cycle++; break;
	default: break;
	}
}

static struct sockaddr_in listen_at;

static void stamp(struct nt_probe_slot *s)
{
	struct timespec tm;

	clock_gettime(CLOCK_REALTIME, &s->tx_real);
	clock_gettime(CLOCK_MONOTONIC, &tm);
	s->tx_mono = (double)tm.tv_sec + (double)tm.tv_nsec / 1e9;
}

/* connect() kind: the handshake completing is the "reply". */
static int conn_send(struct nt_prober *p, struct nt_probe_slot *s)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	(void)p;
	if (fd < 0)
		return -errno;
	s->fd = fd;
	stamp(s);
	if (connect(fd, (struct sockaddr *)&listen_at, sizeof(listen_at)) < 0 &&
	    errno != EINPROGRESS)
		return -errno;
	return 0;
}

static short conn_events(const struct nt_prober *p, const struct nt_probe_slot *s)
{
	(void)p;
	(void)s;
	return POLLOUT;
}

static int conn_io(struct nt_prober *p, struct nt_probe_slot *s, short revents,
		   struct nt_probe_reply *r, struct timespec *rx, bool *have_rx,
		   uint8_t *buf, size_t buflen)
{
	int err = 0;
	socklen_t el = sizeof(err);

	(void)rx;
	(void)buf;
	(void)buflen;
	if (!(revents & POLLOUT))
		return 0;
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err)
		return -ECONNREFUSED;
	memset(r, 0, sizeof(*r));
	r->kind = NT_PR_ECHO_REPLY; /* "the destination answered" */
	r->family = AF_INET;
	r->proto = IPPROTO_UDP;     /* what NT_PS_UDP's slot matcher wants */
	r->src = p->o.dst;
	r->reply_ttl = -1;
	r->quoted_ttl = -1;
	*have_rx = false;
	return 1;
}

static int closed_hooks;

static void conn_close(struct nt_prober *p, struct nt_probe_slot *s)
{
	(void)p;
	(void)s;
	closed_hooks++;
}

static const struct nt_probe_slot_ops conn_ops = {
	.send = conn_send,
	.events = conn_events,
	.io = conn_io,
	.close = conn_close,
};

/* silent kind: a pipe nobody writes to. */
/* A probe's "socket": a pipe's read end, the write end closed (POLLHUP
 * at once: io must cope), with a byte in it when answer (POLLIN). */
static int pipe_slot(struct nt_probe_slot *s, bool answer)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	if (answer && write(fds[1], "x", 1) != 1) {
		close(fds[0]);
		close(fds[1]);
		return -EIO;
	}
	close(fds[1]);
	s->fd = fds[0];
	stamp(s);
	return 0;
}

static int silent_send(struct nt_prober *p, struct nt_probe_slot *s)
{
	(void)p;
	return pipe_slot(s, false);
}

static int silent_io(struct nt_prober *p, struct nt_probe_slot *s, short revents,
		     struct nt_probe_reply *r, struct timespec *rx, bool *have_rx,
		     uint8_t *buf, size_t buflen)
{
	(void)p;
	(void)s;
	(void)r;
	(void)rx;
	(void)have_rx;
	(void)buf;
	(void)buflen;
	/* a hang-up: this probe's socket is done, the probe stays pending */
	return revents & POLLHUP ? -EPIPE : 0;
}

static const struct nt_probe_slot_ops silent_ops = {
	.send = silent_send,
	.io = silent_io,
};

/* router kind: a pipe with a byte in it, so every probe is answered at
 * once by a time-exceeded from a router of its own per TTL
 * (127.0.0.10 + TTL): each hop has its own pacing bucket. */
static int router_send(struct nt_prober *p, struct nt_probe_slot *s)
{
	(void)p;
	return pipe_slot(s, true);
}

static int router_io(struct nt_prober *p, struct nt_probe_slot *s, short revents,
		     struct nt_probe_reply *r, struct timespec *rx, bool *have_rx,
		     uint8_t *buf, size_t buflen)
{
	char a[16];

	(void)p;
	(void)rx;
	(void)buf;
	(void)buflen;
	if (!(revents & POLLIN))
		return revents & POLLHUP ? -EPIPE : 0;
	memset(r, 0, sizeof(*r));
	r->kind = NT_PR_TIME_EXCEEDED;
	r->family = AF_INET;
	r->proto = IPPROTO_UDP;
	snprintf(a, sizeof(a), "127.0.0.%d", 10 + s->ttl);
	nt_paddr_parse(a, &r->src);
	r->reply_ttl = -1;
	r->quoted_ttl = -1;
	*have_rx = false;
	return 1;
}

static const struct nt_probe_slot_ops router_ops = {
	.send = router_send,
	.io = router_io,
};

/* ECMP kind: TTL 1 a router; TTL 2 the destination, but in the cycles
 * ecmp_longer says a router (a probe that took a longer ECMP path, or,
 * from ecmp_from on, a route that got longer for good); TTL 3 the
 * destination. */
static long ecmp_from = 1000;

static bool ecmp_longer(long cycle)
{
	return cycle >= ecmp_from || (cycle % 2) == 1;
}

static int ecmp_io(struct nt_prober *p, struct nt_probe_slot *s, short revents,
		   struct nt_probe_reply *r, struct timespec *rx, bool *have_rx,
		   uint8_t *buf, size_t buflen)
{
	int k = router_io(p, s, revents, r, rx, have_rx, buf, buflen);

	if (k == 1 && (s->ttl == 3 || (s->ttl == 2 && !ecmp_longer(s->cycle)))) {
		r->kind = NT_PR_ECHO_REPLY;
		r->src = p->o.dst;
	}
	return k;
}

static const struct nt_probe_slot_ops ecmp_ops = {
	.send = router_send,
	.io = ecmp_io,
};

static struct nt_prober *prober(int cycles, double interval, double timeout)
{
	struct nt_probe_opts o = { .mode = NT_PM_UDP, .port = 9, .first_ttl = 1,
				   .max_ttl = 3, .cycles = cycles, .interval = interval,
				   .timeout = timeout, .size = 36, .tos = -1, .flows = 1 };
	struct nt_prober *p = NULL;
	const char *why;

	nt_paddr_parse("127.0.0.1", &o.dst);
	if (nt_probe_open(&p, &o, &why) || nt_probe_target(p, &o.dst, &why)) {
		nt_probe_close(p);
		return NULL;
	}
	return p;
}

int main(void)
{
	struct counts c;
	struct nt_prober *p;
	socklen_t sl = sizeof(listen_at);
	int ls, fds0, accepted = 0, a;

	setenv("NETTRIAGE_PATH_NO_RAW", "1", 1); /* UDP on per-probe sockets */
	ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	memset(&listen_at, 0, sizeof(listen_at));
	listen_at.sin_family = AF_INET;
	listen_at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	T_OK(ls >= 0 && bind(ls, (struct sockaddr *)&listen_at, sizeof(listen_at)) == 0 &&
	     listen(ls, 64) == 0 && getsockname(ls, (struct sockaddr *)&listen_at, &sl) == 0,
	     "a TCP listener on 127.0.0.1");
	fds0 = t_count_entries("/proc/self/fd");

	p = prober(5, 0.01, 0.5);
	T_OK(p != NULL, "UDP prober without a raw socket: per-probe sockets");
	if (!p)
		return T_DONE();
	T_OK(nt_probe_per_probe(p), "  flow_mode per-probe");
	p->sops = &conn_ops;
	memset(&c, 0, sizeof(c));
	T_EQ_I(nt_probe_run(p, on_ev, &c), 0, "connect() kind: the run ends cleanly");
	/* cycle 0: TTL 1..3 at once, the destination answers all: TTL 1 is
	 * its TTL, 2 and 3 are beyond it; cycles 1..4 send TTL 1 only */
	T_EQ_I(c.sent, 7, "  7 probes sent (3 + 4 x 1: the cap at TTL 1)");
	T_EQ_I(c.reply, 5, "  5 replies (POLLOUT asked for by events, handed to io)");
	T_EQ_I(c.beyond, 2, "  2 beyond the destination (TTL 2, 3 of cycle 0)");
	T_EQ_I(c.lost + c.late + c.foreign + c.held, 0, "  nothing lost, late, foreign or held");
	T_EQ_I(closed_hooks, 7, "  the close hook ran for every probe's socket");
	T_EQ_I(p->nopen, 0, "  no slot fd left open");
	nt_probe_close(p);
	while ((a = accept(ls, NULL, NULL)) >= 0) {
		accepted++;
		close(a);
	}
	T_EQ_I(accepted, 7, "  the listener accepted the 7 handshakes");
	T_EQ_I(t_count_entries("/proc/self/fd"), fds0, "  as many fds open as before");

	p = prober(5, 0.001, 0.05);
	if (!p)
		return T_DONE();
	p->sops = &silent_ops;
	p->open_cap = 2;
	memset(&c, 0, sizeof(c));
	T_EQ_I(nt_probe_run(p, on_ev, &c), 0, "silent kind, cap 2: the run ends cleanly");
	T_EQ_I(c.sent + c.held, 15, "  sent %d + held %d = 5 cycles x 3 TTLs", c.sent, c.held);
	T_OK(c.held > 0, "  probes beyond the cap held back and counted (%d)", c.held);
	T_EQ_I(c.lost, c.sent, "  every probe sent is lost at its timeout");
	T_EQ_I(c.reply + c.foreign, 0, "  no reply, nothing foreign");
	nt_probe_close(p);
	T_EQ_I(t_count_entries("/proc/self/fd"), fds0, "  as many fds open as before");
	/* --rate with pacing: 2 tokens a cycle for 3 TTLs, so TTL 3 goes
	 * every cycle and TTL 1 and 2 every other; each hop's pacing allows
	 * 15 errors/s (burst 1), 1.5 per two cycles of 0.05 s. A probe the
	 * rate holds must not use its hop's pacing token: then every probe
	 * the rate picks at TTL 1 and 2 finds one and goes. */
	{
		struct nt_probe_rate rt;
		int ok;

		p = prober(20, 0.05, 0.5);
		if (!p)
			return T_DONE();
		T_EQ_I(nt_probe_rate_init(&rt, 1000, 2, 0.05, 1), 0, "a --rate bucket of 2 a cycle");
		p->sops = &router_ops;
		p->o.rate = &rt;
		p->o.pace = true;
		p->o.pace_rate = 15;
		p->o.pace_burst = 1;
		memset(&c, 0, sizeof(c));
		ok = nt_probe_run(p, on_ev, &c);
		T_EQ_I(ok, 0, "router kind, --rate and pacing: the run ends cleanly");
		T_OK(c.rated[1] >= 9 && c.rated[2] >= 9,
		     "  TTL 1 and 2 held by --rate every other cycle (%d, %d)", c.rated[1], c.rated[2]);
		T_EQ_I(c.paced[1] + c.paced[2], 0,
		       "  none of their picked probes held by pacing (%d, %d): a rate-held probe kept its pacing token",
		       c.paced[1], c.paced[2]);
		nt_probe_close(p);
		nt_probe_rate_destroy(&rt);
	}
	{
		/* nt_probe_fallback: before the target, either family's;
		 * after it, only the target's family's (p->fallback) */
		struct nt_prober *q = calloc(1, sizeof(*q));

		if (q) {
			q->fam[1].fallback = true; /* the other family fell back */
			T_OK(nt_probe_fallback(q), "fallback: before the target, either family's");
			q->targeted = true;
			T_OK(!nt_probe_fallback(q), "  after the target, only its own family's");
			q->fallback = true;
			T_OK(nt_probe_fallback(q), "  which it reports");
			free(q);
		}
	}
	/* the TTL cap's hysteresis: the destination at TTL 2, but every
	 * other cycle's probe there meets a router (ECMP, a source port per
	 * probe): the cap stays at 2, TTL 3 is probed in cycle 0 only */
	p = prober(12, 0.02, 0.5);
	if (!p)
		return T_DONE();
	p->sops = &ecmp_ops;
	memset(&c, 0, sizeof(c));
	T_EQ_I(nt_probe_run(p, on_ev, &c), 0, "ECMP kind: the run ends cleanly");
	T_EQ_I(c.sentt[3], 1, "  one time-exceeded at the cap's TTL per other cycle: TTL 3 sent once (%d)",
	       c.sentt[3]);
	T_EQ_I(c.sentt[2], 12, "  TTL 2 every cycle");
	nt_probe_close(p);
	/* from cycle 4 on the route is longer for good: two consecutive
	 * cycles (4, 5) of time-exceeded at TTL 2 raise the cap */
	ecmp_from = 4;
	p = prober(12, 0.02, 0.5);
	if (!p)
		return T_DONE();
	p->sops = &ecmp_ops;
	memset(&c, 0, sizeof(c));
	T_EQ_I(nt_probe_run(p, on_ev, &c), 0, "ECMP kind, route longer from cycle 4: the run ends cleanly");
	T_OK(c.sentt[3] >= 6, "  the cap follows: TTL 3 probed again (%d times, want >= 6)", c.sentt[3]);
	T_EQ_I(c.beyond, 1, "  beyond the destination: cycle 0's TTL 3 only");
	nt_probe_close(p);
	/* the TX-stamp key rule (sk_tskey), by kernel release */
	T_OK(nt_probe_tskey_early("6.1.0-13-amd64") && nt_probe_tskey_early("5.15.0-91-generic") &&
	     nt_probe_tskey_early("6.7.12") && nt_probe_tskey_early("4.19.0"),
	     "tskey: 4.19, 5.15, 6.1.0, 6.7 take the key before the length checks");
	T_OK(!nt_probe_tskey_early("6.8.0-31-generic") && !nt_probe_tskey_early("6.12.9+bpo-amd64") &&
	     !nt_probe_tskey_early("7.0") && !nt_probe_tskey_early("6.1.120") &&
	     !nt_probe_tskey_early("6.1.128-1") && !nt_probe_tskey_early("garbage") &&
	     !nt_probe_tskey_early(NULL),
	     "  6.8, 6.12, 7.0 and 6.1.120+ (the backport) give it back; unparseable: the current rule");
	T_OK(nt_probe_tskey_used(0, false) && nt_probe_tskey_used(-ENOBUFS, false) &&
	     !nt_probe_tskey_used(-EAGAIN, false) && !nt_probe_tskey_used(-EMSGSIZE, false) &&
	     !nt_probe_tskey_used(-ECONNREFUSED, false) && !nt_probe_tskey_used(-ENETUNREACH, false),
	     "  >= 6.8: a key used on success and ENOBUFS only");
	T_OK(nt_probe_tskey_used(0, true) && nt_probe_tskey_used(-ENOBUFS, true) &&
	     nt_probe_tskey_used(-EAGAIN, true) && nt_probe_tskey_used(-EMSGSIZE, true) &&
	     nt_probe_tskey_used(-ECONNREFUSED, true) && nt_probe_tskey_used(-EHOSTUNREACH, true) &&
	     !nt_probe_tskey_used(-ENETUNREACH, true) && !nt_probe_tskey_used(-EINVAL, true),
	     "  < 6.8: also on errors inside __ip_append_data, not on a route or cmsg error");
	close(ls);
	return T_DONE();
}
