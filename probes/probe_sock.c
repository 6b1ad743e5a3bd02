/* Probe sockets: opening (unprivileged first), sending one probe, and
 * reading replies from the normal and the error queue with their kernel
 * RX timestamps. Raw sockets are opened here and nowhere else. */
#include <errno.h>
#include <fcntl.h>
#include <linux/icmp.h>
#include <linux/net_tstamp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "probe_int.h"

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

static socklen_t fill_sa(const struct nt_paddr *a, uint16_t port,
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
static int common_opts(int fd, int family, int tos, bool raw)
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

static int open_raw(struct nt_prober *p)
{
	int family = p->o.dst.family;
	int fd = socket(family, SOCK_RAW | SOCK_CLOEXEC,
			family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);

	if (fd < 0)
		return -errno;
	p->fd[0] = fd;
	p->nfd = 1;
	/* Let only replies and errors up: less to wake for and to parse. */
	if (family == AF_INET) {
		struct icmp_filter f = { ~((1u << 0) | (1u << 3) | (1u << 11) | (1u << 12)) };

		(void)setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f));
	} else {
		struct icmp6_filter f;

		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &f);
		ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &f);
		ICMP6_FILTER_SETPASS(ICMP6_PACKET_TOO_BIG, &f);
		ICMP6_FILTER_SETPASS(ICMP6_PARAM_PROB, &f);
		(void)setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
	}
	return 0;
}

/* One datagram socket per flow: ICMP "ping" sockets or connected UDP. */
static int open_dgram(struct nt_prober *p, int proto)
{
	int family = p->o.dst.family, i;

	for (i = 0; i < p->o.flows; i++) {
		struct sockaddr_storage ss;
		socklen_t sl;
		int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, proto);

		if (fd < 0)
			return -errno;
		p->fd[p->nfd++] = fd;
		if (proto == IPPROTO_UDP) {
			sl = fill_sa(&p->o.dst, p->o.port, &ss);
			if (connect(fd, (struct sockaddr *)&ss, sl) < 0)
				return -errno;
		} else {
			/* bind to get the echo identifier the kernel will use */
			struct nt_paddr any = { .family = (uint8_t)family };

			sl = fill_sa(&any, 0, &ss);
			if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
				return -errno;
		}
		sl = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
			return -errno;
		p->id[i] = ntohs(family == AF_INET ?
				 ((struct sockaddr_in *)&ss)->sin_port :
				 ((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	return 0;
}

static void close_all(struct nt_prober *p)
{
	int i;

	for (i = 0; i < p->nfd; i++)
		if (p->fd[i] >= 0)
			close(p->fd[i]);
	p->nfd = 0;
}

int nt_probe_open(struct nt_prober **pp, const struct nt_probe_opts *o,
		  const char **why)
{
	struct nt_prober *p;
	int r = 0, i, family = o->dst.family;
	uint32_t rnd;
	struct timespec ts;

	*pp = NULL;
	*why = "";
	if ((family != AF_INET && family != AF_INET6) || o->flows < 1 ||
	    o->flows > NT_PROBE_MAX_FLOWS || o->first_ttl < 1 ||
	    o->max_ttl < o->first_ttl || o->max_ttl > 255 ||
	    o->size < NT_PROBE_HDR || o->size > 65000)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->slot = calloc(NT_PROBE_SLOTS, sizeof(*p->slot));
	p->buf = calloc(1, (size_t)o->size + 64);
	if (!p->slot || !p->buf) {
		nt_probe_close(p);
		return -ENOMEM;
	}
	p->o = *o;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	rnd = (uint32_t)getpid() * 2654435761u ^ (uint32_t)ts.tv_nsec;
	p->tag = rnd;
	if (o->mode == NT_PM_UDP) {
		r = open_dgram(p, IPPROTO_UDP);
		p->kind = NT_PS_UDP;
		if (r)
			*why = "socket(SOCK_DGRAM, IPPROTO_UDP)";
	} else {
		int proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;

		/* Unprivileged first: a ping socket where ping_group_range
		 * lets our group in; only then a raw socket. */
		r = getenv("NETTRIAGE_PATH_NO_DGRAM") ? -EACCES : open_dgram(p, proto);
		p->kind = NT_PS_DGRAM;
		if (r) {
			int rd = r;

			close_all(p);
			r = open_raw(p);
			p->kind = NT_PS_RAW;
			if (r) {
				*why = rd == -EACCES || rd == -EPERM ?
					"ping socket not allowed by net.ipv4.ping_group_range, and no CAP_NET_RAW for a raw socket" :
					"socket(SOCK_DGRAM, IPPROTO_ICMP) and socket(SOCK_RAW)";
			}
			/* Raw socket: distinct echo identifiers per flow. */
			for (i = 0; i < o->flows; i++)
				p->id[i] = (uint16_t)((rnd >> 16) + (uint32_t)i);
		}
	}
	if (r)
		goto fail;
	for (i = 0; i < p->nfd; i++) {
		r = common_opts(p->fd[i], family, o->tos, p->kind == NT_PS_RAW);
		if (r) {
			*why = "setsockopt";
			goto fail;
		}
	}
	/* Kernel software TX stamps, keyed by a per-socket send counter, on
	 * the error queue; without them the CLOCK_REALTIME read before send
	 * stands in. */
	p->txmap = calloc((size_t)p->nfd * 65536, sizeof(*p->txmap));
	p->tx_ts = p->txmap != NULL && !getenv("NETTRIAGE_PATH_NO_TXSTAMP");
	for (i = 0; p->tx_ts && i < p->nfd; i++) {
		int f = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
			SOF_TIMESTAMPING_OPT_ID | SOF_TIMESTAMPING_OPT_TSONLY;

		if (setsockopt(p->fd[i], SOL_SOCKET, SO_TIMESTAMPING, &f, sizeof(f)) < 0)
			p->tx_ts = false;
	}
	/* Everything privileged is open: drop before parsing anything. */
	r = nt_probe_drop_privs();
	if (r) {
		*why = "dropping privileges";
		goto fail;
	}
	p->dropped = true;
	*pp = p;
	return 0;
fail:
	nt_probe_close(p);
	return r;
}

void nt_probe_close(struct nt_prober *p)
{
	if (!p)
		return;
	close_all(p);
	free(p->slot);
	free(p->buf);
	free(p->txmap);
	free(p);
}

enum nt_probe_sock nt_probe_socktype(const struct nt_prober *p)
{
	return p->kind;
}

bool nt_probe_dropped(const struct nt_prober *p)
{
	return p->dropped;
}

int nt_probe_send(struct nt_prober *p, int flow, int ttl, uint16_t seq,
		  struct timespec *tx_real, double *tx_mono)
{
	int family = p->o.dst.family, fdi = p->kind == NT_PS_RAW ? 0 : flow;
	int fd = p->fd[fdi];
	size_t len = (size_t)p->o.size, hdr = 0;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_storage ss;
	struct msghdr m;
	struct iovec iov;
	struct cmsghdr *c;
	uint8_t *b = p->buf;
	struct timespec tm;

	if (p->kind != NT_PS_UDP) {
		hdr = 8;
		b[0] = family == AF_INET ? 8 : 128; /* echo request */
		b[1] = 0;
		b[2] = b[3] = 0;
		b[4] = (uint8_t)(p->id[flow] >> 8);
		b[5] = (uint8_t)p->id[flow];
		b[6] = (uint8_t)(seq >> 8);
		b[7] = (uint8_t)seq;
	}
	nt_probe_payload_fill(b + hdr, len, p->tag, seq, (uint8_t)ttl, (uint8_t)flow);
	if (p->kind == NT_PS_RAW && family == AF_INET) {
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
	if (p->kind != NT_PS_UDP) {
		m.msg_name = &ss;
		m.msg_namelen = fill_sa(&p->o.dst, 0, &ss);
	}
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
	if (sendmsg(fd, &m, 0) < 0)
		return -errno;
	if (p->tx_ts)
		p->txmap[(size_t)fdi * 65536 + (p->txkey[fdi]++ & 0xffff)] = seq;
	return 0;
}

/* Read one message from fd (errqueue or not) and decode it. Returns 1 with
 * *r filled, 0 when nothing is left, -ENOMSG/-EBADMSG for a message that
 * is not ours (the caller counts it), or -errno. */
int nt_probe_recv(struct nt_prober *p, int fdi, bool errq,
		  struct nt_probe_reply *r, struct timespec *rx, bool *have_rx,
		  struct nt_probe_txstamp *tx, uint8_t *buf, size_t buflen)
{
	int family = p->o.dst.family, fd = p->fd[fdi];
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
		tx->fdi = fdi;
		tx->key = ee.ee_data;
		tx->ts = sts.ts[0];
		return 2;
	}
	if (errq) {
		if (!have_ee)
			return -ENOMSG;
		rc = nt_probe_decode_errq(family, p->kind == NT_PS_UDP ? IPPROTO_UDP :
					  family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6,
					  &ee, off, offlen, buf, (size_t)n, r);
	} else {
		if (p->kind == NT_PS_UDP)
			return -ENOMSG; /* data from the target's port: not a probe reply */
		rc = nt_probe_decode(family, p->kind == NT_PS_RAW && family == AF_INET,
				     buf, (size_t)n, r);
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
