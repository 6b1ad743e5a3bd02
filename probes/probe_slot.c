/* Per-probe sockets (struct nt_probe_slot_ops): the list of open slot
 * fds under its cap, the unprivileged UDP kind (one connected socket per
 * probe), the helpers every kind uses (local address, send time, the TX
 * stamp window) and the kernel's OPT_ID key rule. */
#include <errno.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "probe_int.h"

int nt_probe_sockname(int fd, struct nt_paddr *a, uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return -errno;
	memset(a, 0, sizeof(*a));
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)&ss;

		a->family = AF_INET;
		memcpy(a->a, &s->sin_addr, 4);
		*port = ntohs(s->sin_port);
	} else {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)&ss;

		a->family = AF_INET6;
		memcpy(a->a, &s->sin6_addr, 16);
		*port = ntohs(s->sin6_port);
	}
	return 0;
}

void nt_probe_tx_clock(struct timespec *real, double *mono)
{
	struct timespec tm;

	clock_gettime(CLOCK_REALTIME, real);
	clock_gettime(CLOCK_MONOTONIC, &tm);
	*mono = (double)tm.tv_sec + (double)tm.tv_nsec / 1e9;
}

bool nt_probe_slot_txstamp(struct nt_probe_slot *s, const struct timespec *ts)
{
	double d = (double)(ts->tv_sec - s->tx_real.tv_sec) +
		   (double)(ts->tv_nsec - s->tx_real.tv_nsec) / 1e9;

	if (d < 0 || d > 0.05)
		return false;
	s->tx_kern = *ts;
	s->have_tx_kern = true;
	return true;
}

/* The list of open slot fds, capped at NT_PROBE_MAX_OPEN and under the
 * fd limit (with room for the fixed sockets, stdio, a log, DNS). */
int nt_probe_slots_init(struct nt_prober *p)
{
	struct rlimit rl;
	long cap = NT_PROBE_MAX_OPEN;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (long)rl.rlim_cur - 64 < cap)
		cap = (long)rl.rlim_cur - 64;
	if (cap < 1)
		return -EMFILE;
	p->open = calloc((size_t)cap, sizeof(*p->open));
	if (!p->open)
		return -ENOMEM;
	p->open_cap = (int)cap;
	p->nopen = 0;
	return 0;
}

void nt_probe_slot_close(struct nt_prober *p, struct nt_probe_slot *s)
{
	int i;

	if (s->fd < 0)
		return;
	if (p->sops && p->sops->close)
		p->sops->close(p, s);
	close(s->fd);
	s->fd = -1;
	for (i = p->nopen - 1; i >= 0; i--)
		if (p->open[i] == s->seq) {
			p->open[i] = p->open[--p->nopen];
			break;
		}
}

/* Unprivileged UDP, one connected socket per probe: the kernel finds the
 * socket of an ICMP error from the quoted ports (8 bytes are enough) and
 * queues it there with whatever payload was quoted (none from a
 * minimal quote), so the socket names the probe. The payload still
 * makes the UDP checksum the sequence, as with the raw socket. */
static int udp_slot_send(struct nt_prober *p, struct nt_probe_slot *s)
{
	int family = p->o.dst.family, ttl = s->ttl, fd, r;
	struct sockaddr_storage ss;
	struct nt_paddr src;
	socklen_t sl;

	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	r = nt_probe_common_opts(fd, family, p->o.tos, false);
	if (!r && setsockopt(fd, family == AF_INET ? SOL_IP : SOL_IPV6,
			     family == AF_INET ? IP_TTL : IPV6_UNICAST_HOPS,
			     &ttl, sizeof(ttl)) < 0)
		r = -errno;
	if (r) {
		close(fd);
		return r;
	}
	if (p->tx_ts) {
		int fl = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
			 SOF_TIMESTAMPING_OPT_ID | SOF_TIMESTAMPING_OPT_TSONLY;

		(void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &fl, sizeof(fl));
	}
	s->fd = fd; /* from here on the loop owns it */
	sl = nt_probe_fill_sa(&p->o.dst, p->o.port, &ss);
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0)
		return -errno; /* no route: sent and lost, as a failed send */
	r = nt_probe_sockname(fd, &src, &s->port);
	if (r)
		return r;
	p->src = src;
	nt_probe_udp_fill(p->buf, (size_t)p->o.size, p->tab.tag, s->seq, s->ttl,
			  s->flow, &src, &p->o.dst, s->port, p->o.port);
	nt_probe_tx_clock(&s->tx_real, &s->tx_mono);
	if (send(fd, p->buf, (size_t)p->o.size, 0) < 0)
		return -errno;
	return 0;
}

/* The error queue first (the reply, the TX stamp), then the pending
 * socket error it left (cleared, or POLLERR would stay up), then the
 * normal queue (data from the target's port: not a probe reply). */
static int udp_slot_io(struct nt_prober *p, struct nt_probe_slot *s, short revents,
		       struct nt_probe_reply *r, struct timespec *rx, bool *have_rx,
		       uint8_t *buf, size_t buflen)
{
	struct nt_probe_txstamp tx;
	int rc, err;
	socklen_t el = sizeof(err);

	(void)revents;
	for (;;) {
		rc = nt_probe_recv_fd(p, s->fd, true, false, IPPROTO_UDP, r, rx,
				      have_rx, &tx, buf, buflen);
		if (rc != 2)
			break;
		/* one send per socket: key 0, and only inside the send */
		if (tx.key == 0 && !s->have_tx_kern)
			(void)nt_probe_slot_txstamp(s, &tx.ts);
	}
	if (rc != 0)
		return rc;
	(void)getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el);
	rc = nt_probe_recv_fd(p, s->fd, false, false, IPPROTO_UDP, r, rx, have_rx,
			      &tx, buf, buflen);
	if (rc == -ENOMSG || rc == -EBADMSG || rc == 0)
		return rc;
	return rc < 0 ? 0 : rc; /* a pending error read on the normal queue */
}

const struct nt_probe_slot_ops nt_probe_udp_slot_ops = {
	.send = udp_slot_send,
	.io = udp_slot_io,
};

bool nt_probe_tskey_early(const char *release)
{
	unsigned long maj = 0, min = 0, sub = 0;
	char *e;

	if (!release)
		return false;
	maj = strtoul(release, &e, 10);
	if (e == release || *e != '.')
		return false;
	release = e + 1;
	min = strtoul(release, &e, 10);
	if (e == release)
		return false;
	if (*e == '.')
		sub = strtoul(e + 1, NULL, 10);
	if (maj != 6)
		return maj < 6;
	if (min == 1)
		return sub < 120; /* 488b6d91b071 in 6.1.120 */
	return min < 8;
}

bool nt_probe_tskey_used(int err, bool early)
{
	if (!err || err == -ENOBUFS)
		return true;
	if (!early)
		return false; /* given back (6.8), or never taken (a route error) */
	switch (err) {
	case -EAGAIN:
	case -EMSGSIZE:
	case -EFAULT:
	case -ENOMEM:
	case -ECONNREFUSED:
	case -EHOSTUNREACH:
	case -EHOSTDOWN:
	case -ENOPROTOOPT:
	case -EPROTO:
		return true; /* taken first thing in __ip_append_data, kept */
	default:
		return false;
	}
}
