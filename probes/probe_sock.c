/* Probe sockets: opening (unprivileged first), sending one probe, and
 * reading replies from the normal and the error queue with their kernel
 * RX timestamps. Raw sockets are opened here, and the raw TCP socket of
 * half-open mode in probe_tcp.c: nowhere else. Per-probe sockets
 * (unprivileged UDP, TCP connect()) are in probe_slot.c and probe_tcp.c. */
#include <errno.h>
#include <fcntl.h>
#include <linux/icmp.h>
#include <linux/net_tstamp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "probe_int.h"

/* Linux >= 6.13: the OPT_ID key of one sendmsg, set by the sender
 * (asm-generic value; the few architectures with their own numbers go
 * without it). */
#if !defined(SCM_TS_OPT_ID) && !defined(__alpha__) && !defined(__mips__) && \
	!defined(__parisc__) && !defined(__sparc__)
#define SCM_TS_OPT_ID 81
#endif

#ifndef IP_RECVERR_RFC4884
#define IP_RECVERR_RFC4884 26
#endif
#ifndef IPV6_RECVERR_RFC4884
#define IPV6_RECVERR_RFC4884 31
#endif

static int on(int fd, int level, int opt)
{
	int one = 1;

	return setsockopt(fd, level, opt, &one, sizeof(one)) < 0 ? -errno : 0;
}

socklen_t nt_probe_fill_sa(const struct nt_paddr *a, uint16_t port,
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

/* Options every probe socket gets: error queue, RX timestamps, reply TTL,
 * TOS/traffic class, non-blocking. */
int nt_probe_common_opts(int fd, int family, int tos, bool raw)
{
	int r;

	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
		return -errno;
	r = on(fd, SOL_SOCKET, SO_TIMESTAMPNS);
	if (r)
		return r;
	if (family == AF_INET) {
		/* a raw socket sees the ICMP errors themselves: no errqueue copy */
		r = raw ? 0 : on(fd, SOL_IP, IP_RECVERR);
		if (!r)
			r = on(fd, SOL_IP, IP_RECVTTL);
		(void)on(fd, SOL_IP, IP_RECVERR_RFC4884); /* Linux >= 5.9 */
		if (!r && tos >= 0 &&
		    setsockopt(fd, SOL_IP, IP_TOS, &tos, sizeof(tos)) < 0)
			r = -errno;
	} else {
		r = raw ? 0 : on(fd, SOL_IPV6, IPV6_RECVERR);
		if (!r)
			r = on(fd, SOL_IPV6, IPV6_RECVHOPLIMIT);
		(void)on(fd, SOL_IPV6, IPV6_RECVERR_RFC4884);
		if (!r && tos >= 0 &&
		    setsockopt(fd, SOL_IPV6, IPV6_TCLASS, &tos, sizeof(tos)) < 0)
			r = -errno;
	}
	return r;
}

static int fam_index(int family)
{
	return family == AF_INET6 ? 1 : 0;
}

/* A raw ICMP(v6) socket: the probe socket of an ICMP run, the receive
 * socket of a UDP run. Needs CAP_NET_RAW. */
static int open_raw(int family, bool udp)
{
	int fd = socket(family, SOCK_RAW | SOCK_CLOEXEC,
			family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);

	if (fd < 0)
		return -errno;
	/* Let only replies and errors up: less to wake for and to parse. */
	if (family == AF_INET) {
		uint32_t pass = (1u << 3) | (1u << 11) | (1u << 12) | (udp ? 0 : 1u << 0);
		struct icmp_filter f = { ~pass };

		(void)setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f));
	} else {
		struct icmp6_filter f;

		ICMP6_FILTER_SETBLOCKALL(&f);
		if (!udp)
			ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &f);
		ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &f);
		ICMP6_FILTER_SETPASS(ICMP6_PACKET_TOO_BIG, &f);
		ICMP6_FILTER_SETPASS(ICMP6_PARAM_PROB, &f);
		(void)setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
	}
	return fd;
}

static void fam_close(struct nt_probe_fam *f)
{
	int i;

	for (i = 0; i < f->nfd; i++)
		if (f->fd[i] >= 0)
			close(f->fd[i]);
	f->nfd = 0;
	if (f->rawfd >= 0)
		close(f->rawfd);
	f->rawfd = -1;
	f->kind = NT_PS_NONE;
}

/* Phase 1 for one family: every socket that may need a privilege. ICMP:
 * a ping socket per flow where ping_group_range lets our group in (its
 * check is made at socket() time, so before the drop), else one raw
 * socket. UDP: a raw ICMP socket to read the quoted headers, if we may;
 * the UDP sockets themselves need nothing and wait for phase 2. */
static void fam_open(struct nt_prober *p, int family)
{
	struct nt_probe_fam *f = &p->fam[fam_index(family)];
	int i, fd, rd = 0;

	f->err = 0;
	f->why = "";
	if (p->o.mode == NT_PM_TCP) {
		/* half-open SYNs need a raw TCP and a raw ICMP socket */
		fd = secure_getenv("NETTRIAGE_PATH_NO_RAW") ? -EPERM : open_raw(family, true);
		if (fd >= 0 && nt_probe_tcp_open_raw(f, family) == 0) {
			f->kind = NT_PS_TCP_RAW;
			f->rawfd = fd;
			return;
		}
		if (fd >= 0)
			close(fd);
		fam_close(f);
		f->kind = NT_PS_TCP; /* connect() per probe: needs nothing */
		return;
	}
	if (p->o.mode == NT_PM_UDP) {
		fd = secure_getenv("NETTRIAGE_PATH_NO_RAW") ? -EPERM : open_raw(family, true);
		f->kind = fd >= 0 ? NT_PS_UDP_RAW : NT_PS_UDP;
		f->rawfd = fd >= 0 ? fd : -1;
		return;
	}
	if (secure_getenv("NETTRIAGE_PATH_NO_DGRAM")) {
		rd = -EACCES;
	} else {
		for (i = 0; i < p->o.flows; i++) {
			fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC,
				    family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
			if (fd < 0) {
				rd = -errno;
				break;
			}
			f->fd[f->nfd++] = fd;
		}
	}
	if (!rd) {
		f->kind = NT_PS_DGRAM;
		return;
	}
	fam_close(f);
	fd = open_raw(family, false);
	if (fd >= 0) {
		f->fd[0] = fd;
		f->nfd = 1;
		f->kind = NT_PS_RAW;
		return;
	}
	if ((rd == -EACCES || rd == -EPERM) && (fd == -EPERM || fd == -EACCES) &&
	    !secure_getenv("NETTRIAGE_PATH_NO_FALLBACK")) {
		/* no ping socket for our group and no CAP_NET_RAW: UDP
		 * needs neither (one socket per probe, the error queue) */
		f->kind = NT_PS_UDP;
		f->fallback = true;
		return;
	}
	f->err = fd;
	f->why = rd == -EACCES || rd == -EPERM ?
		"ping socket not allowed by net.ipv4.ping_group_range, and no CAP_NET_RAW for a raw socket" :
		"socket(SOCK_DGRAM, IPPROTO_ICMP) and socket(SOCK_RAW)";
}

/* Connected UDP sockets, one per flow: the kernel picks the source port
 * (the flow's key in the quote) and the source address (in the UDP
 * checksum). */
static int open_udp(struct nt_prober *p)
{
	int family = p->o.dst.family, i, r;

	for (i = 0; i < p->o.flows; i++) {
		struct sockaddr_storage ss;
		socklen_t sl;
		int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);

		if (fd < 0)
			return -errno;
		p->fd[p->nfd++] = fd;
		sl = nt_probe_fill_sa(&p->o.dst, p->o.port, &ss);
		if (connect(fd, (struct sockaddr *)&ss, sl) < 0)
			return -errno;
		r = nt_probe_sockname(fd, &p->src, &p->tab.id[i]);
		if (r)
			return r;
	}
	return 0;
}

/* Ping sockets: bind to learn the echo identifier the kernel will use. */
static int bind_ping(struct nt_prober *p)
{
	int family = p->o.dst.family, i, r;

	for (i = 0; i < p->nfd; i++) {
		struct nt_paddr any = { .family = (uint8_t)family };
		struct sockaddr_storage ss;
		socklen_t sl = nt_probe_fill_sa(&any, 0, &ss);

		if (bind(p->fd[i], (struct sockaddr *)&ss, sl) < 0)
			return -errno;
		r = nt_probe_sockname(p->fd[i], &(struct nt_paddr){ 0 }, &p->tab.id[i]);
		if (r)
			return r;
	}
	return 0;
}

static void close_all(struct nt_prober *p)
{
	int i;

	while (p->nopen > 0)
		nt_probe_slot_close(p, &p->tab.slot[p->open[p->nopen - 1]]);

	for (i = 0; i < p->nfd; i++)
		if (p->fd[i] >= 0)
			close(p->fd[i]);
	p->nfd = 0;
	if (p->rxfd >= 0)
		close(p->rxfd);
	p->rxfd = -1;
	nt_probe_tcp_close(p);
	fam_close(&p->fam[0]);
	fam_close(&p->fam[1]);
}

int nt_probe_open(struct nt_prober **pp, const struct nt_probe_opts *o,
		  const char **why)
{
	struct nt_prober *p;
	int r, i, family = o->dst.family;
	struct timespec ts;

	*pp = NULL;
	*why = "";
	if ((family && family != AF_INET && family != AF_INET6) || o->flows < 1 ||
	    o->flows > NT_PROBE_MAX_FLOWS || o->first_ttl < 1 ||
	    o->max_ttl < o->first_ttl || o->max_ttl > 255 ||
	    o->size < NT_PROBE_HDR || o->size > 65000)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->rxfd = -1;
	for (i = 0; i < 2; i++)
		p->fam[i].rawfd = -1;
	p->tab.slot = calloc(NT_PROBE_SLOTS, sizeof(*p->tab.slot));
	p->buf = calloc(1, (size_t)o->size + 64);
	if (!p->tab.slot || !p->buf) {
		nt_probe_close(p);
		return -ENOMEM;
	}
	for (i = 0; i < NT_PROBE_SLOTS; i++)
		p->tab.slot[i].fd = -1;
	p->o = *o;
	/* The session tag (and a raw socket's echo ids) must differ between
	 * probers of one process too (triage runs several at once, and each
	 * raw socket sees every ICMP message): from the kernel's generator,
	 * the clock only where it has none to give. */
	if (getrandom(&p->tab.tag, sizeof(p->tab.tag), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(p->tab.tag)) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		p->tab.tag = (uint32_t)getpid() * 2654435761u ^ (uint32_t)ts.tv_nsec ^
			     (uint32_t)(uintptr_t)p;
	}
	if (family != AF_INET6)
		fam_open(p, AF_INET);
	if (family != AF_INET)
		fam_open(p, AF_INET6);
	if (!nt_probe_has_family(p, AF_INET) && !nt_probe_has_family(p, AF_INET6)) {
		r = nt_probe_family_err(p, family ? family : AF_INET, why);
		nt_probe_close(p);
		return r;
	}
	*pp = p;
	return 0;
}

void nt_probe_set_run(struct nt_prober *p, long cycles, double interval)
{
	p->o.cycles = cycles;
	p->o.interval = interval;
}

bool nt_probe_has_family(const struct nt_prober *p, int family)
{
	if (family != AF_INET && family != AF_INET6)
		return false;
	return p->fam[fam_index(family)].kind != NT_PS_NONE;
}

int nt_probe_family_err(const struct nt_prober *p, int family, const char **why)
{
	const struct nt_probe_fam *f = &p->fam[fam_index(family)];

	*why = f->why && f->why[0] ? f->why : "no probe socket for this address family";
	return f->err ? f->err : -EAFNOSUPPORT;
}

int nt_probe_target(struct nt_prober *p, const struct nt_paddr *dst,
		    const char **why)
{
	struct nt_probe_fam *f;
	int r, i, family = dst->family;

	*why = "";
	if (!nt_probe_has_family(p, family))
		return nt_probe_family_err(p, family, why);
	f = &p->fam[fam_index(family)];
	fam_close(&p->fam[fam_index(family == AF_INET ? AF_INET6 : AF_INET)]);
	p->o.dst = *dst;
	p->targeted = true;
	if (f->fallback) {
		p->fallback = true;
		p->o.mode = NT_PM_UDP;
		if (!p->o.port)
			p->o.port = NT_PROBE_UDP_PORT;
	}
	p->tab.kind = f->kind;
	p->tab.dst = *dst;
	p->tab.port = p->o.port;
	p->tab.flows = p->o.flows;
	p->tab.size = p->o.size;
	/* take the family's sockets over */
	for (i = 0; i < f->nfd; i++)
		p->fd[i] = f->fd[i];
	p->nfd = f->nfd;
	f->nfd = 0;
	p->rxfd = f->rawfd;
	f->rawfd = -1;
	if (f->kind == NT_PS_DGRAM) {
		r = bind_ping(p);
		*why = "bind(ping socket)";
	} else if (f->kind == NT_PS_RAW) {
		/* Raw socket: distinct echo identifiers per flow. */
		for (i = 0; i < p->o.flows; i++)
			p->tab.id[i] = (uint16_t)((p->tab.tag >> 16) + (uint32_t)i);
		r = 0;
	} else if (f->kind == NT_PS_TCP_RAW) {
		r = nt_probe_tcp_target(p, why);
	} else if (f->kind == NT_PS_TCP) {
		/* under the kernel's first SYN retransmission (1 s) */
		if (p->o.timeout > NT_PROBE_TCP_MAX_TIMEOUT)
			p->o.timeout = NT_PROBE_TCP_MAX_TIMEOUT;
		r = nt_probe_slots_init(p);
		p->sops = &nt_probe_tcp_ops;
		*why = "socket(SOCK_STREAM, IPPROTO_TCP)";
	} else if (f->kind == NT_PS_UDP) {
		/* no quoted header on the error queue: a socket per probe */
		r = nt_probe_slots_init(p);
		p->sops = &nt_probe_udp_slot_ops;
		*why = "socket(SOCK_DGRAM, IPPROTO_UDP)";
	} else {
		r = open_udp(p);
		*why = "socket(SOCK_DGRAM, IPPROTO_UDP)";
	}
	if (r)
		return r;
	for (i = 0; i < p->nfd; i++) {
		r = nt_probe_common_opts(p->fd[i], family, p->o.tos, p->tab.kind == NT_PS_RAW ||
				p->tab.kind == NT_PS_TCP_RAW);
		if (r) {
			*why = "setsockopt";
			return r;
		}
	}
	if (p->rxfd >= 0) {
		r = nt_probe_common_opts(p->rxfd, family, -1, true);
		if (r) {
			*why = "setsockopt";
			return r;
		}
	}
	/* Kernel software TX stamps, keyed by a per-socket send counter, on
	 * the error queue; without them the CLOCK_REALTIME read before send
	 * stands in. */
	p->txmap = calloc((size_t)(p->nfd ? p->nfd : 1) * 65536, sizeof(*p->txmap));
	p->tx_ts = p->txmap != NULL && !secure_getenv("NETTRIAGE_PATH_NO_TXSTAMP");
	for (i = 0; p->tx_ts && i < p->nfd; i++) {
		int fl = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
			 SOF_TIMESTAMPING_OPT_ID | SOF_TIMESTAMPING_OPT_TSONLY;

		if (setsockopt(p->fd[i], SOL_SOCKET, SO_TIMESTAMPING, &fl, sizeof(fl)) < 0)
			p->tx_ts = false;
	}
#ifdef SCM_TS_OPT_ID
	p->ts_optid = p->tx_ts && !secure_getenv("NETTRIAGE_PATH_NO_TS_OPT_ID");
#endif
	{
		struct utsname un;

		/* once, at open: which sk_tskey rule the running kernel has */
		p->tskey_early = uname(&un) == 0 && nt_probe_tskey_early(un.release);
	}
	*why = "";
	return 0;
}

void nt_probe_close(struct nt_prober *p)
{
	if (!p)
		return;
	close_all(p);
	free(p->tab.slot);
	free(p->buf);
	free(p->txmap);
	free(p->open);
	free(p);
}

enum nt_probe_sock nt_probe_socktype(const struct nt_prober *p)
{
	return p->tab.kind;
}

bool nt_probe_fallback(const struct nt_prober *p)
{
	/* once the target is set, only its family's fallback counts (the
	 * other family's sockets are closed) */
	if (p->targeted)
		return p->fallback;
	return p->fam[0].fallback || p->fam[1].fallback;
}

uint16_t nt_probe_port(const struct nt_prober *p)
{
	return p->o.port;
}

bool nt_probe_per_probe(const struct nt_prober *p)
{
	return p->sops != NULL;
}

bool nt_probe_has_raw(const struct nt_prober *p)
{
	int i;

	if (p->tab.kind == NT_PS_RAW || p->rxfd >= 0)
		return true;
	for (i = 0; i < 2; i++)
		if (p->fam[i].kind == NT_PS_RAW || p->fam[i].rawfd >= 0)
			return true;
	return false;
}

int nt_probe_send(struct nt_prober *p, int flow, int ttl, uint16_t seq,
		  struct timespec *tx_real, double *tx_mono)
{
	bool tcp = p->tab.kind == NT_PS_TCP_RAW; /* one raw socket, all flows */
	int family = p->o.dst.family, fdi = p->tab.kind == NT_PS_RAW || tcp ? 0 : flow;
	bool udp = p->tab.kind == NT_PS_UDP || p->tab.kind == NT_PS_UDP_RAW;
	int fd = p->fd[fdi];
	size_t len = (size_t)p->o.size, hdr = 0;
	union {
		char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(uint32_t))];
		struct cmsghdr align;
	} ctl;
	uint32_t key = p->txkey[fdi];
	int r;
	struct sockaddr_storage ss;
	struct msghdr m;
	struct iovec iov;
	struct cmsghdr *c;
	uint8_t *b = p->buf;

	if (tcp) {
		/* a half-open SYN (probe_tcp.c), sent as the rest below */
		r = nt_probe_tcp_fill(p, flow, seq);
		if (r < 0)
			return r;
		len = (size_t)r;
	} else if (!udp) {
		hdr = 8;
		b[0] = family == AF_INET ? 8 : 128; /* echo request */
		b[1] = 0;
		b[2] = b[3] = 0;
		b[4] = (uint8_t)(p->tab.id[flow] >> 8);
		b[5] = (uint8_t)p->tab.id[flow];
		b[6] = (uint8_t)(seq >> 8);
		b[7] = (uint8_t)seq;
	}
	if (udp)
		nt_probe_udp_fill(b, len, p->tab.tag, seq, (uint8_t)ttl, (uint8_t)flow,
				  &p->src, &p->o.dst, p->tab.id[flow], p->o.port);
	else if (!tcp)
		nt_probe_payload_fill(b + hdr, len, p->tab.tag, seq, (uint8_t)ttl,
				      (uint8_t)flow);
	if (p->tab.kind == NT_PS_RAW && family == AF_INET) {
		uint16_t ck = nt_probe_cksum(b, len + hdr);

		b[2] = (uint8_t)(ck >> 8);
		b[3] = (uint8_t)ck;
	}
	memset(&m, 0, sizeof(m));
	memset(&ctl, 0, sizeof(ctl));
	iov.iov_base = b;
	iov.iov_len = len + hdr;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	if (!udp) {
		m.msg_name = &ss;
		m.msg_namelen = nt_probe_fill_sa(&p->o.dst, 0, &ss);
	}
	m.msg_control = ctl.buf;
	m.msg_controllen = CMSG_SPACE(sizeof(int));
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = family == AF_INET ? SOL_IP : SOL_IPV6;
	c->cmsg_type = family == AF_INET ? IP_TTL : IPV6_HOPLIMIT;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &ttl, sizeof(int));
#ifdef SCM_TS_OPT_ID
	if (p->ts_optid) {
		/* our key for this send: nothing left to keep in step */
		m.msg_controllen = sizeof(ctl.buf);
		c = CMSG_NXTHDR(&m, c);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_TS_OPT_ID;
		c->cmsg_len = CMSG_LEN(sizeof(key));
		memcpy(CMSG_DATA(c), &key, sizeof(key));
	}
#endif
	if (p->tx_ts)
		p->txmap[(size_t)fdi * 65536 + (key & 0xffff)] = seq;
	nt_probe_tx_clock(tx_real, tx_mono);
	r = sendmsg(fd, &m, 0) < 0 ? -errno : 0;
	if (r == -EINVAL && p->ts_optid) {
		/* a kernel before 6.13: no SCM_TS_OPT_ID, keep in step */
		p->ts_optid = false;
		m.msg_controllen = CMSG_SPACE(sizeof(int));
		r = sendmsg(fd, &m, 0) < 0 ? -errno : 0;
	}
	/* The kernel's own key (sk_tskey), read in net/ipv4/ip_output.c
	 * and net/ipv6/ip6_output.c: since Linux 6.8 (488b6d91b071, in
	 * 6.1.120 too) __ip_append_data (__ip6_append_data) takes it once the
	 * datagram's length checks passed and gives it back (atomic_dec) on
	 * any error it returns itself (EAGAIN, EMSGSIZE, a pending
	 * ECONNREFUSED from sock_alloc_send_pskb); it is kept when the send
	 * fails later, on the way out (ip_send_skb: a qdisc or device drop,
	 * ENOBUFS). Before, it was taken first thing in __ip_append_data and
	 * never given back, so every error from there used one too. A route
	 * error (ENETUNREACH) comes before either. nt_probe_tskey_used says
	 * which; with SCM_TS_OPT_ID every send carries its own key and that
	 * one is used up. The 50 ms window in txstamp() guards what is left
	 * ambiguous (EHOSTUNREACH from the route lookup, not pending). */
	if (p->tx_ts && (p->ts_optid || nt_probe_tskey_used(r, p->tskey_early)))
		p->txkey[fdi]++;
	return r;
}

int nt_probe_recv(struct nt_prober *p, int fdi, bool errq,
		  struct nt_probe_reply *r, struct timespec *rx, bool *have_rx,
		  struct nt_probe_txstamp *tx, uint8_t *buf, size_t buflen)
{
	int family = p->o.dst.family, fd = fdi == p->nfd ? p->rxfd : p->fd[fdi];
	bool udp = p->tab.kind == NT_PS_UDP || p->tab.kind == NT_PS_UDP_RAW;
	bool tcpraw = p->tab.kind == NT_PS_TCP_RAW && fdi < p->nfd;
	bool raw = p->tab.kind == NT_PS_RAW || fdi == p->nfd || tcpraw;
	int rc;

	rc = nt_probe_recv_fd(p, fd, errq, raw, tcpraw ? IPPROTO_TCP : udp ? IPPROTO_UDP :
			      family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6,
			      r, rx, have_rx, tx, buf, buflen);
	if (rc == 2)
		tx->fdi = fdi;
	return rc;
}

/* Read one message from fd (errqueue or not) and decode it. Returns 1 with
 * *r filled, 2 with a TX stamp, 0 when nothing is left, -ENOMSG/-EBADMSG
 * for a message that is not ours (the caller counts it), or -errno. */
int nt_probe_recv_fd(struct nt_prober *p, int fd, bool errq, bool raw,
		     uint8_t proto, struct nt_probe_reply *r, struct timespec *rx,
		     bool *have_rx, struct nt_probe_txstamp *tx, uint8_t *buf,
		     size_t buflen)
{
	int family = p->o.dst.family;
	bool udp = proto == IPPROTO_UDP;
	bool tcpraw = !errq && raw && proto == IPPROTO_TCP;
	struct scm_timestamping sts;
	bool have_sts = false;
	union {
		char buf[512];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_storage from;
	struct sock_extended_err ee;
	const struct sockaddr *off = NULL;
	size_t offlen = 0;
	bool have_ee = false;
	int ttl = -1, rc;
	struct msghdr m;
	struct iovec iov;
	struct cmsghdr *c;
	ssize_t n;

	memset(&m, 0, sizeof(m));
	iov.iov_base = buf;
	iov.iov_len = buflen;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_name = &from;
	m.msg_namelen = sizeof(from);
	m.msg_control = ctl.buf;
	m.msg_controllen = sizeof(ctl.buf);
	n = recvmsg(fd, &m, MSG_DONTWAIT | (errq ? MSG_ERRQUEUE : 0));
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	*have_rx = false;
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		size_t dl = c->cmsg_len >= CMSG_LEN(0) ? c->cmsg_len - CMSG_LEN(0) : 0;

		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
		    dl >= sizeof(*rx)) {
			memcpy(rx, CMSG_DATA(c), sizeof(*rx));
			*have_rx = true;
		} else if (c->cmsg_level == SOL_SOCKET &&
			   c->cmsg_type == SCM_TIMESTAMPING && dl >= sizeof(sts)) {
			memcpy(&sts, CMSG_DATA(c), sizeof(sts));
			have_sts = true;
		} else if (((c->cmsg_level == SOL_IP && c->cmsg_type == IP_TTL) ||
			    (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) &&
			   dl >= sizeof(int)) {
			memcpy(&ttl, CMSG_DATA(c), sizeof(int));
		} else if (((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
			    (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)) &&
			   dl >= sizeof(ee)) {
			memcpy(&ee, CMSG_DATA(c), sizeof(ee));
			have_ee = true;
			off = (const struct sockaddr *)(CMSG_DATA(c) + sizeof(ee));
			offlen = dl - sizeof(ee);
		}
	}
	if (errq && have_ee && ee.ee_origin == SO_EE_ORIGIN_TIMESTAMPING) {
		if (!have_sts || ee.ee_info != SCM_TSTAMP_SND)
			return -ENOMSG;
		tx->key = ee.ee_data;
		tx->ts = sts.ts[0];
		return 2;
	}
	if (errq) {
		if (!have_ee)
			return -ENOMSG;
		rc = nt_probe_decode_errq(family, proto, &ee, off, offlen, buf,
					  (size_t)n, r);
	} else {
		if (udp && !raw)
			return -ENOMSG; /* data from the target's port: not a probe reply */
		if (tcpraw) {
			/* every TCP segment of the namespace comes up here:
			 * only the target's port's answers are replies, the
			 * rest is no one's business (not even "foreign") */
			rc = nt_probe_decode_tcp(family, family == AF_INET, buf, (size_t)n, r);
			if (rc == 0 && !r->src.family && from.ss_family == AF_INET6) {
				r->src.family = AF_INET6;
				memcpy(r->src.a, &((struct sockaddr_in6 *)&from)->sin6_addr, 16);
			}
			if (rc == -ENOMSG || rc == -EBADMSG ||
			    !nt_paddr_eq(&r->src, &p->o.dst) || r->sport != p->o.port)
				return 3;
		} else {
			rc = nt_probe_decode(family, raw && family == AF_INET, buf, (size_t)n, r);
		}
		if (rc == 0 && r->src.family == 0) {
			if (from.ss_family == AF_INET) {
				r->src.family = AF_INET;
				memcpy(r->src.a, &((struct sockaddr_in *)&from)->sin_addr, 4);
			} else if (from.ss_family == AF_INET6) {
				r->src.family = AF_INET6;
				memcpy(r->src.a, &((struct sockaddr_in6 *)&from)->sin6_addr, 16);
			}
		}
	}
	if (rc)
		return rc;
	if (r->reply_ttl < 0)
		r->reply_ttl = ttl;
	return 1;
}
