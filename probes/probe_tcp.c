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
#include <netinet/in.h>
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

static socklen_t tcp_sa(const struct nt_paddr *a, uint16_t port,
			struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		memcpy(&s->sin_addr, a->a, 4);
		return sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		memcpy(&s->sin6_addr, a->a, 16);
		return sizeof(*s);
	}
}

static void sa_addr(const struct sockaddr_storage *ss, struct nt_paddr *a,
		    uint16_t *port)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)ss;

		a->family = AF_INET;
		memcpy(a->a, &s->sin_addr, 4);
		*port = ntohs(s->sin_port);
	} else {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ss;

		a->family = AF_INET6;
		memcpy(a->a, &s->sin6_addr, 16);
		*port = ntohs(s->sin6_port);
	}
}

int nt_probe_tcp_open_raw(struct nt_probe_fam *f, int family)
{
	int fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_TCP);

	if (fd < 0)
		return -errno;
	f->fd[0] = fd;
	f->nfd = 1;
	return 0;
}

/* Phase 2 of a half-open run: the source address the route gives (in
 * the checksum) and one reserved source port per flow. */
int nt_probe_tcp_target(struct nt_prober *p, const char **why)
{
	const struct nt_paddr *dst = &p->o.dst;
	struct sockaddr_storage ss;
	socklen_t sl;
	uint16_t port;
	int fd, i;

	*why = "connect(SOCK_DGRAM) to learn the source address";
	fd = socket(dst->family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	sl = tcp_sa(dst, p->o.port, &ss);
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0 ||
	    (sl = sizeof(ss), getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)) {
		int e = -errno;

		close(fd);
		return e;
	}
	close(fd);
	sa_addr(&ss, &p->src, &port);
	*why = "bind(SOCK_STREAM) to reserve a source port";
	for (i = 0; i < p->o.flows; i++) {
		fd = socket(dst->family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
		if (fd < 0)
			return -errno;
		p->tcp_resv[p->ntcp_resv++] = fd;
		sl = tcp_sa(&p->src, 0, &ss);
		if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
			return -errno;
		sl = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
			return -errno;
		sa_addr(&ss, &(struct nt_paddr){ 0 }, &p->tab.id[i]);
	}
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

int nt_probe_tcp_send(struct nt_prober *p, int flow, int ttl, uint16_t seq,
		      struct timespec *tx_real, double *tx_mono)
{
	int family = p->o.dst.family, n;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_storage ss;
	struct msghdr m;
	struct iovec iov;
	struct cmsghdr *c;
	struct timespec tm;

	n = nt_probe_tcp_syn(p->buf, (size_t)p->o.size + 64, &p->src, &p->o.dst,
			     p->tab.id[flow], p->o.port,
			     nt_probe_tcp_isn(p->tab.tag, seq));
	if (n < 0)
		return n;
	memset(&m, 0, sizeof(m));
	memset(&ctl, 0, sizeof(ctl));
	iov.iov_base = p->buf;
	iov.iov_len = (size_t)n;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_name = &ss;
	m.msg_namelen = tcp_sa(&p->o.dst, 0, &ss);
	m.msg_control = ctl.buf;
	m.msg_controllen = sizeof(ctl.buf);
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = family == AF_INET ? SOL_IP : SOL_IPV6;
	c->cmsg_type = family == AF_INET ? IP_TTL : IPV6_HOPLIMIT;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &ttl, sizeof(int));
	clock_gettime(CLOCK_REALTIME, tx_real);
	clock_gettime(CLOCK_MONOTONIC, &tm);
	*tx_mono = (double)tm.tv_sec + (double)tm.tv_nsec / 1e9;
	if (sendmsg(p->fd[0], &m, 0) < 0)
		return -errno;
	if (p->tx_ts)
		p->txmap[p->txkey[0]++ & 0xffff] = seq;
	return 0;
}
