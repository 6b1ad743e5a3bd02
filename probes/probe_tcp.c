/* TCP probes to a service port.
 *
 * Half-open (NT_PS_TCP_RAW, CAP_NET_RAW at open): SYNs built here and sent
 * from a raw IPPROTO_TCP socket, one constant source port per flow (Paris:
 * the 5-tuple never changes, so ECMP keeps one path); the sequence number
 * names the probe (nt_probe_tcp_isn). Each flow's port is reserved by a
 * TCP socket bound to it and never connected nor listening: no other
 * connection can take it, and the kernel answers the target's SYN-ACK with
 * an RST (no socket in SYN_SENT or LISTEN owns the 4-tuple), so the server
 * never sees a completed handshake. The raw TCP socket reads the target's
 * SYN-ACK (open) or RST (closed), a raw ICMP socket the routers' errors,
 * which need only the 8 quoted bytes (ports and sequence number).
 *
 * The pure parts (sequence numbering, the SYN and its checksum) are here
 * too, for the unit tests and the fuzzer. */
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "probe_int.h"

uint32_t nt_probe_tcp_isn(uint32_t tag, uint16_t seq)
{
	return (tag & 0xffff0000u) | seq;
}

int nt_probe_tcp_seq_of(uint32_t tag, uint32_t isn)
{
	if ((isn & 0xffff0000u) != (tag & 0xffff0000u) || !(isn & 0xffff))
		return -1;
	return (int)(isn & 0xffff);
}

#define TCP_SYN_LEN 24 /* 20-byte header and an MSS option */

int nt_probe_tcp_syn(uint8_t *b, size_t len, const struct nt_paddr *src,
		     const struct nt_paddr *dst, uint16_t sport, uint16_t dport,
		     uint32_t isn)
{
	size_t alen;
	uint32_t s = 0;
	uint16_t c;

	if (len < TCP_SYN_LEN || !src->family || src->family != dst->family)
		return -EINVAL;
	alen = src->family == AF_INET ? 4 : 16;
	memset(b, 0, TCP_SYN_LEN);
	b[0] = (uint8_t)(sport >> 8);
	b[1] = (uint8_t)sport;
	b[2] = (uint8_t)(dport >> 8);
	b[3] = (uint8_t)dport;
	b[4] = (uint8_t)(isn >> 24);
	b[5] = (uint8_t)(isn >> 16);
	b[6] = (uint8_t)(isn >> 8);
	b[7] = (uint8_t)isn;
	b[12] = (TCP_SYN_LEN / 4) << 4;
	b[13] = 0x02;                   /* SYN */
	b[14] = 0xfa;                   /* window 64240 */
	b[15] = 0xf0;
	b[20] = 2;                      /* MSS 1460 */
	b[21] = 4;
	b[22] = 0x05;
	b[23] = 0xb4;
	/* pseudo-header: IPv4 zero/proto/length, IPv6 length/zeros/next
	 * header: as 16-bit words both sum to proto + length */
	s = nt_probe_sum16(s, src->a, alen);
	s = nt_probe_sum16(s, dst->a, alen);
	s += IPPROTO_TCP + TCP_SYN_LEN;
	s = nt_probe_sum16(s, b, TCP_SYN_LEN);
	c = (uint16_t)~nt_probe_fold(s);
	b[16] = (uint8_t)(c >> 8);
	b[17] = (uint8_t)c;
	return TCP_SYN_LEN;
}

double nt_probe_timeout(const struct nt_prober *p)
{
	return p->o.timeout;
}

int nt_probe_tcp_open_raw(struct nt_probe_fam *f, int family)
{
	/* nothing up until the target is known (nt_probe_tcp_target
	 * attaches the real filter and drains what came before it) */
	struct sock_filter none[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
	struct sock_fprog fp = { 1, none };
	int fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_TCP);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	f->fd[0] = fd;
	f->nfd = 1;
	return 0;
}

static uint32_t be32(const uint8_t *a)
{
	return ((uint32_t)a[0] << 24) | ((uint32_t)a[1] << 16) | ((uint32_t)a[2] << 8) | a[3];
}

/* The raw TCP socket sees every TCP segment of the namespace: a socket
 * filter lets up only the target's answers to our SYNs: from its address
 * and port, to a port in the range of our reserved source ports (lo..hi),
 * with SYN+ACK or RST set. So a busy host's traffic (also other
 * connections to the target's port) neither costs a wake-up nor fills the
 * receive buffer ahead of a SYN-ACK. Addresses are loaded from the network
 * header (SKF_NET_OFF); the TCP header from the IPv4 header's length, on
 * IPv6 at offset 0 (a raw IPv6 socket's data starts at the transport
 * header). The decoder checks everything again: the filter only saves
 * work. */
static int tcp_filter(int fd, const struct nt_paddr *dst, uint16_t port,
		      uint16_t lo, uint16_t hi)
{
	struct sock_filter v4[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, be32(dst->a), 0, 11),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, (uint32_t)SKF_NET_OFF),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, (uint32_t)SKF_NET_OFF),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 0, 8),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, (uint32_t)SKF_NET_OFF + 2),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, lo, 0, 6),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, hi, 5, 0),
		BPF_STMT(BPF_LD | BPF_B | BPF_IND, (uint32_t)SKF_NET_OFF + 13),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x04, 2, 0), /* RST */
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x12, 0, 1),  /* SYN+ACK */
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_filter v6[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 8),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, be32(dst->a), 0, 16),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, be32(dst->a + 4), 0, 14),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 16),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, be32(dst->a + 8), 0, 12),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF + 20),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, be32(dst->a + 12), 0, 10),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 0, 8),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 2),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, lo, 0, 6),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, hi, 5, 0),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x04, 2, 0), /* RST */
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x12, 0, 1),  /* SYN+ACK */
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog f;
	uint8_t junk[64];

	if (dst->family == AF_INET) {
		f.len = sizeof(v4) / sizeof(v4[0]);
		f.filter = v4;
	} else {
		f.len = sizeof(v6) / sizeof(v6[0]);
		f.filter = v6;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &f, sizeof(f)) < 0)
		return -errno;
	/* whatever the drop-all filter let by before (none) or was queued
	 * between socket() and it: gone before the first SYN */
	while (recv(fd, junk, sizeof(junk), MSG_DONTWAIT) >= 0)
		;
	return 0;
}

/* Phase 2 of a half-open run: the source address the route gives (in
 * the checksum) and one reserved source port per flow. */
int nt_probe_tcp_target(struct nt_prober *p, const char **why)
{
	const struct nt_paddr *dst = &p->o.dst;
	struct sockaddr_storage ss;
	socklen_t sl;
	uint16_t port, lo = 0, hi = 0;
	int fd, i, r;

	*why = "connect(SOCK_DGRAM) to learn the source address";
	fd = socket(dst->family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	sl = nt_probe_fill_sa(dst, p->o.port, &ss);
	r = connect(fd, (struct sockaddr *)&ss, sl) < 0 ? -errno :
	    nt_probe_sockname(fd, &p->src, &port);
	close(fd);
	if (r)
		return r;
	*why = "bind(SOCK_STREAM) to reserve a source port";
	for (i = 0; i < p->o.flows; i++) {
		fd = socket(dst->family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
		if (fd < 0)
			return -errno;
		p->tcp_resv[p->ntcp_resv++] = fd;
		sl = nt_probe_fill_sa(&p->src, 0, &ss);
		if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
			return -errno;
		r = nt_probe_sockname(fd, &(struct nt_paddr){ 0 }, &p->tab.id[i]);
		if (r)
			return r;
		lo = i == 0 || p->tab.id[i] < lo ? p->tab.id[i] : lo;
		hi = i == 0 || p->tab.id[i] > hi ? p->tab.id[i] : hi;
	}
	*why = "SO_ATTACH_FILTER on the raw TCP socket";
	if (p->nfd > 0 && (fd = tcp_filter(p->fd[0], dst, p->o.port, lo, hi)) < 0)
		return fd;
	*why = "";
	return 0;
}

void nt_probe_tcp_close(struct nt_prober *p)
{
	int i;

	for (i = 0; i < p->ntcp_resv; i++)
		close(p->tcp_resv[i]);
	p->ntcp_resv = 0;
}

int nt_probe_tcp_fill(struct nt_prober *p, int flow, uint16_t seq)
{
	return nt_probe_tcp_syn(p->buf, (size_t)p->o.size + 64, &p->src, &p->o.dst,
				p->tab.id[flow], p->o.port, nt_probe_tcp_isn(p->tab.tag, seq));
}

/* ---- unprivileged: one non-blocking connect() per probe ----
 *
 * IP_RECVERR (IPV6_RECVERR) is on before connect, so the ICMP error a
 * router sends about the SYN reaches the socket's error queue while it is
 * in SYN_SENT (Linux >= 5.8): offender, type/code, RX stamp and the quoted
 * TCP header (the kernel found the socket from its ports and checked the
 * quoted sequence). The error queue is read first; SO_ERROR then tells a
 * SYN-ACK (0 and writable: open) from an RST (ECONNREFUSED: closed).
 * Neither TCP_USER_TIMEOUT nor TCP_SYNCNT stops the kernel's first SYN
 * retransmission (1 s after the SYN, TCP_TIMEOUT_INIT): the loop closes
 * an unanswered connect socket NT_PROBE_TCP_MAX_LIFE after its send
 * (ops.max_life), before that retransmission, so every probe sends one
 * SYN and no answer, on time or late, ever comes from a second SYN (the
 * caller keeps --timeout at most NT_PROBE_TCP_MAX_TIMEOUT too). */

static int setint(int fd, int level, int opt, int v)
{
	return setsockopt(fd, level, opt, &v, sizeof(v)) < 0 ? -errno : 0;
}

static int tcp_slot_send(struct nt_prober *p, struct nt_probe_slot *s)
{
	int family = p->o.dst.family, fd, r;
	bool v4 = family == AF_INET;
	struct sockaddr_storage ss;
	struct nt_paddr src;
	struct timespec tm;
	socklen_t sl;

	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0)
		return -errno;
	r = setint(fd, v4 ? SOL_IP : SOL_IPV6, v4 ? IP_RECVERR : IPV6_RECVERR, 1);
	if (!r)
		r = setint(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1);
	if (!r)
		r = setint(fd, v4 ? SOL_IP : SOL_IPV6, v4 ? IP_TTL : IPV6_UNICAST_HOPS,
			   s->ttl);
	if (!r && p->o.tos >= 0)
		r = setint(fd, v4 ? SOL_IP : SOL_IPV6, v4 ? IP_TOS : IPV6_TCLASS, p->o.tos);
	if (!r)
		r = setint(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, 1000);
	if (r) {
		close(fd);
		return r;
	}
	(void)setint(fd, IPPROTO_TCP, TCP_SYNCNT, 1);
	s->fd = fd; /* the loop owns it from here */
	sl = nt_probe_fill_sa(&p->o.dst, p->o.port, &ss);
	/* CLOCK_MONOTONIC before connect() (the timeout and the socket's
	 * life count from there: never late), CLOCK_REALTIME right after it
	 * returns: the SYN is out then, and the route lookup and the port
	 * search inside connect() are not timed as part of a hop's RTT */
	clock_gettime(CLOCK_MONOTONIC, &tm);
	s->tx_mono = (double)tm.tv_sec + (double)tm.tv_nsec / 1e9;
	r = connect(fd, (struct sockaddr *)&ss, sl) < 0 ? errno : 0;
	clock_gettime(CLOCK_REALTIME, &s->tx_real);
	errno = r;
	if (r && r != EINPROGRESS) {
		if (errno == EADDRNOTAVAIL) {
			/* no local port left: nothing went out, so the probe
			 * is held back (as at the socket cap), not lost */
			close(fd);
			s->fd = -1;
			return -ENFILE;
		}
		return -errno; /* no route: sent and lost */
	}
	if (nt_probe_sockname(fd, &src, &s->port) == 0)
		p->src = src;
	return 0;
}

static short tcp_slot_events(const struct nt_prober *p, const struct nt_probe_slot *s)
{
	(void)p;
	return s->state == NT_SLOT_PENDING || s->state == NT_SLOT_LOST ? POLLOUT : 0;
}

/* The target's answer as a reply: from the destination, the ports as it
 * sent them. */
static void tcp_answer(const struct nt_prober *p, const struct nt_probe_slot *s,
		       int kind, struct nt_probe_reply *r)
{
	memset(r, 0, sizeof(*r));
	r->family = p->o.dst.family;
	r->kind = kind;
	r->src = p->o.dst;
	r->proto = IPPROTO_TCP;
	r->have_id = true;
	r->sport = p->o.port;
	r->dport = s->port;
	r->reply_ttl = -1;
	r->quoted_ttl = -1;
}

static int tcp_slot_io(struct nt_prober *p, struct nt_probe_slot *s, short revents,
		       struct nt_probe_reply *r, struct timespec *rx, bool *have_rx,
		       uint8_t *buf, size_t buflen)
{
	struct nt_probe_txstamp tx;
	struct tcp_info ti;
	socklen_t el;
	int rc, err = 0;

	do
		rc = nt_probe_recv_fd(p, s->fd, true, false, IPPROTO_TCP, r, rx,
				      have_rx, &tx, buf, buflen);
	while (rc == 2);
	if (rc != 0)
		return rc; /* an ICMP error about the SYN, or not ours */
	if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
		return 0;
	el = sizeof(err);
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
		return -errno;
	if (err == ECONNREFUSED) {
		tcp_answer(p, s, NT_PR_TCP_RST, r);
		return 1; /* monotonic RTT: an RST leaves no stamp */
	}
	if (err && err != ECONNRESET && err != EPIPE)
		return -err; /* ETIMEDOUT (user timeout) and the like: lost */
	if (!err && !(revents & POLLOUT))
		return 0;
	/* open if the handshake completed, whatever came after it: a server
	 * that closes at once (CLOSE_WAIT), or one that resets right after
	 * accepting (ECONNRESET/EPIPE, or CLOSE once SO_ERROR was read). The
	 * kernel has an RTT sample (tcpi_rtt > 0) only once a SYN-ACK
	 * acknowledged our SYN; an RST to the SYN itself is ECONNREFUSED. */
	el = sizeof(ti);
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(s->fd, IPPROTO_TCP, TCP_INFO, &ti, &el) < 0)
		return -errno;
	if (ti.tcpi_state == TCP_SYN_SENT)
		return err ? -err : 0;
	if ((err || ti.tcpi_state == TCP_CLOSE) &&
	    !(el >= offsetof(struct tcp_info, tcpi_rtt) + sizeof(ti.tcpi_rtt) &&
	      ti.tcpi_rtt > 0))
		return err ? -err : -ENOTCONN;
	tcp_answer(p, s, NT_PR_TCP_SYNACK, r);
	/* The kernel's own RTT of the handshake (SYN sent to SYN-ACK in, in
	 * us; the first sample is srtt itself), as RX stamp = TX + rtt. */
	if (el >= offsetof(struct tcp_info, tcpi_rtt) + sizeof(ti.tcpi_rtt) &&
	    ti.tcpi_rtt > 0 && ti.tcpi_total_retrans == 0) {
		long ns = s->tx_real.tv_nsec + (long)ti.tcpi_rtt * 1000;

		rx->tv_sec = s->tx_real.tv_sec + ns / 1000000000;
		rx->tv_nsec = ns % 1000000000;
		*have_rx = true;
		s->rtt_tcp_info = true; /* its own source, not a TX stamp */
	}
	return 1;
}

/* Open: an RST, not a FIN, ends it (SO_LINGER 0), and no data was sent. */
static void tcp_slot_close(struct nt_prober *p, struct nt_probe_slot *s)
{
	struct linger l = { 1, 0 };

	(void)p;
	(void)setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

const struct nt_probe_slot_ops nt_probe_tcp_ops = {
	.send = tcp_slot_send,
	.events = tcp_slot_events,
	.io = tcp_slot_io,
	.close = tcp_slot_close,
	.max_life = NT_PROBE_TCP_MAX_LIFE,
};
