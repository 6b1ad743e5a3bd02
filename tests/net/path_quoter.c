/* A router's time-exceeded that quotes only the RFC 792 minimum: the IP
 * header (with its options) and 8 bytes, as much hardware does (Linux
 * quotes everything). Run in a router namespace whose own time-exceeded
 * messages an nft output rule drops unless they carry MARK:
 *   path_quoter IFACE MARK
 * An AF_PACKET socket on IFACE sees IPv4 packets arriving with TTL <= 1;
 * each is answered from a raw ICMP socket with SO_MARK MARK: type 11, code
 * 0, checksum, 4 zero bytes, then the first IHL*4 + 8 bytes of the packet.
 * A UDP checksum the sender's kernel left to offload (veth: the packet
 * still holds the partial sum) is completed first, as the wire would
 * have it. Prints "ready" once listening; on SIGTERM prints the count of
 * answers to stderr. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef ETH_P_IP
#define ETH_P_IP 0x0800
#endif

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static uint32_t sum16(uint32_t s, const uint8_t *p, size_t len)
{
	while (len > 1) {
		s += (uint32_t)((p[0] << 8) | p[1]);
		p += 2;
		len -= 2;
	}
	if (len)
		s += (uint32_t)p[0] << 8;
	return s;
}

static uint16_t finish(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Fill in the UDP checksum of the IPv4 packet p (len bytes). */
static void udp_complete(uint8_t *p, size_t len, size_t ihl)
{
	size_t ulen;
	uint32_t s = 0;
	uint16_t c;

	if (len < ihl + 8)
		return;
	ulen = (size_t)((p[ihl + 4] << 8) | p[ihl + 5]);
	if (ulen < 8 || ulen > len - ihl)
		return;
	p[ihl + 6] = p[ihl + 7] = 0;
	s = sum16(s, p + 12, 8);
	s += IPPROTO_UDP + (uint32_t)ulen;
	s = sum16(s, p + ihl, ulen);
	c = finish(s);
	if (!c)
		c = 0xffff;
	p[ihl + 6] = (uint8_t)(c >> 8);
	p[ihl + 7] = (uint8_t)c;
}

int main(int argc, char **argv)
{
	struct sockaddr_ll sll;
	struct sigaction sa;
	unsigned long answered = 0;
	int ps, rs, one = 1;
	unsigned mark;
	unsigned ifindex;

	if (argc != 3) {
		fprintf(stderr, "usage: path_quoter IFACE MARK\n");
		return 64;
	}
	ifindex = if_nametoindex(argv[1]);
	mark = (unsigned)strtoul(argv[2], NULL, 0);
	if (!ifindex) {
		perror(argv[1]);
		return 1;
	}
	ps = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	rs = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (ps < 0 || rs < 0) {
		perror("socket");
		return 1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = (int)ifindex;
	if (bind(ps, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    setsockopt(ps, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0 ||
	    setsockopt(rs, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0) {
		perror("bind/setsockopt");
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		uint8_t pkt[2048], out[8 + 60 + 8];
		union {
			char b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
			struct cmsghdr align;
		} ctl;
		struct sockaddr_ll from;
		struct sockaddr_in to;
		struct msghdr m;
		struct iovec iov = { pkt, sizeof(pkt) };
		struct cmsghdr *c;
		int csum_partial = 0;
		size_t ihl, q;
		ssize_t n;

		memset(&m, 0, sizeof(m));
		m.msg_name = &from;
		m.msg_namelen = sizeof(from);
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = ctl.b;
		m.msg_controllen = sizeof(ctl.b);
		n = recvmsg(ps, &m, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("recvmsg");
			return 1;
		}
		if (from.sll_pkttype == PACKET_OUTGOING || n < 20 || (pkt[0] >> 4) != 4)
			continue;
		ihl = (size_t)(pkt[0] & 0x0f) * 4;
		if (ihl < 20 || (size_t)n < ihl + 8 || pkt[8] > 1)
			continue;
		if (pkt[9] == IPPROTO_ICMP && pkt[ihl] != 8)
			continue; /* never answer an ICMP error (or reply) */
		for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			struct tpacket_auxdata aux;

			if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA)
				continue;
			memcpy(&aux, CMSG_DATA(c), sizeof(aux));
			csum_partial = (aux.tp_status & TP_STATUS_CSUMNOTREADY) != 0;
		}
		if (csum_partial && pkt[9] == IPPROTO_UDP)
			udp_complete(pkt, (size_t)n, ihl);
		q = ihl + 8;
		memset(out, 0, 8);
		out[0] = 11;
		memcpy(out + 8, pkt, q);
		{
			uint16_t ck = finish(sum16(0, out, 8 + q));

			out[2] = (uint8_t)(ck >> 8);
			out[3] = (uint8_t)ck;
		}
		memset(&to, 0, sizeof(to));
		to.sin_family = AF_INET;
		memcpy(&to.sin_addr, pkt + 12, 4);
		if (sendto(rs, out, 8 + q, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
			perror("sendto");
		else
			answered++;
	}
	fprintf(stderr, "path_quoter: %lu answers\n", answered);
	return 0;
}
