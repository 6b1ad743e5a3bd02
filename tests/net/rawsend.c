/*
 * rawsend: send COUNT raw Ethernet frames out of IFACE from an AF_PACKET
 * socket. Test helper for tests/net/link.sh.
 *
 *   rawsend IFACE COUNT [ETHERTYPE [DSTMAC]]
 *
 * ETHERTYPE defaults to 0x88b5 (IEEE 802 local experimental): no protocol
 * handler is registered for it, so the receiving end of a veth pair counts
 * each frame in rx_dropped. DSTMAC defaults to ff:ff:ff:ff:ff:ff. With
 * ETHERTYPE 0x0800 and a unicast DSTMAC that is not the peer's, the peer's
 * IPv4 input drops the frames as PACKET_OTHERHOST (rx_otherhost_dropped).
 *
 * The socket is opened with protocol 0, so it never receives anything.
 * Errors: one line on stderr, exit status 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAME_PAYLOAD 46 /* minimum Ethernet payload */

static void die(const char *what, const char *arg)
{
	if (arg)
		fprintf(stderr, "rawsend: %s %s: %s\n", what, arg, strerror(errno));
	else
		fprintf(stderr, "rawsend: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(const char *msg)
{
	fprintf(stderr, "rawsend: %s (usage: rawsend IFACE COUNT [ETHERTYPE [DSTMAC]])\n", msg);
	exit(1);
}

static unsigned long parse_ulong(const char *s, int base, unsigned long max, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, base);
	if (errno || end == s || *end || s[0] == '-' || v > max) {
		fprintf(stderr, "rawsend: bad %s '%s'\n", what, s);
		exit(1);
	}
	return v;
}

static void parse_mac(const char *s, unsigned char mac[ETH_ALEN])
{
	unsigned int b[ETH_ALEN];
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != ETH_ALEN) {
		fprintf(stderr, "rawsend: bad MAC address '%s' (want xx:xx:xx:xx:xx:xx)\n", s);
		exit(1);
	}
	for (int i = 0; i < ETH_ALEN; i++)
		mac[i] = (unsigned char)b[i];
}

int main(int argc, char **argv)
{
	unsigned char frame[ETH_HLEN + FRAME_PAYLOAD];
	unsigned char dst[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	unsigned long count, ethertype = 0x88b5;
	struct sockaddr_ll sll;
	struct ifreq ifr;
	unsigned int ifindex;
	int fd;

	if (argc < 3 || argc > 5)
		usage("wrong number of arguments");
	if (strlen(argv[1]) >= IFNAMSIZ)
		usage("interface name too long");
	count = parse_ulong(argv[2], 10, ULONG_MAX, "COUNT");
	if (argc > 3)
		ethertype = parse_ulong(argv[3], 0, 0xffff, "ETHERTYPE");
	if (ethertype < 0x0600) {
		fprintf(stderr, "rawsend: ETHERTYPE 0x%lx is a length, not a type (want >= 0x0600)\n",
			ethertype);
		return 1;
	}
	if (argc > 4)
		parse_mac(argv[4], dst);

	ifindex = if_nametoindex(argv[1]);
	if (ifindex == 0)
		die("no interface", argv[1]);

	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		die("socket(AF_PACKET, SOCK_RAW)", NULL);

	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, argv[1], strlen(argv[1]) + 1);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		die("SIOCGIFHWADDR", argv[1]);

	memset(frame, 0, sizeof(frame));
	memcpy(frame, dst, ETH_ALEN);
	memcpy(frame + ETH_ALEN, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	frame[2 * ETH_ALEN] = (unsigned char)(ethertype >> 8);
	frame[2 * ETH_ALEN + 1] = (unsigned char)(ethertype & 0xff);
	memcpy(frame + ETH_HLEN, "nettriage rawsend test frame", 28);

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)ifindex;
	sll.sll_protocol = htons((unsigned short)ethertype);
	sll.sll_halen = ETH_ALEN;
	memcpy(sll.sll_addr, dst, ETH_ALEN);

	for (unsigned long i = 0; i < count; i++) {
		int tries = 0;

		while (sendto(fd, frame, sizeof(frame), 0, (struct sockaddr *)&sll,
			      sizeof(sll)) != (ssize_t)sizeof(frame)) {
			/* A full device queue is transient: wait and retry. */
			if ((errno == ENOBUFS || errno == EAGAIN || errno == EINTR) && tries++ < 1000) {
				struct timespec ts = { 0, 1000000 };

				nanosleep(&ts, NULL);
				continue;
			}
			fprintf(stderr, "rawsend: sendto %s (frame %lu of %lu): %s\n", argv[1], i + 1,
				count, strerror(errno));
			return 1;
		}
	}
	if (close(fd) < 0)
		die("close", NULL);
	return 0;
}
