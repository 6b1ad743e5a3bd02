/* Bench helper for tests/bench/capture.sh: replay a pcap onto a device.
 *
 *   cap_replay IFACE FILE RATE
 *
 * Sends every frame of FILE (an Ethernet pcap, e.g. `pcapgen bench`'s)
 * once, in file order, out of IFACE through an AF_PACKET SOCK_RAW socket
 * bound to it, at RATE frames a second: sendmmsg batches of up to 64,
 * paced on CLOCK_MONOTONIC (before each batch it sleeps until the batch's
 * first frame is due, t0 + index / RATE), so the achieved rate is RATE or
 * below it when the machine cannot keep up. The file's own timestamps are
 * not kept. A frame snapped in the file (caplen < len) goes out at its
 * full length, the missing tail zeros, so its IP and TCP lengths hold. A
 * batch the device refuses in part (ENOBUFS, EAGAIN) is sent again from
 * the first frame refused: every frame leaves once, none is skipped.
 * Prints one line
 *   "sent N seconds S rate R retries E"
 * (R the achieved frames a second over the sending time, E the refused
 * sends retried). Exit 1 with one line on stderr when it cannot start or
 * the file holds a frame it cannot send (not Ethernet, longer than 9216).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_pace.h"

#define BATCH 64
#define MAXFRAME 9216

/* Send msg[0..n) in order, again from the first refused; -1 on a hard error. */
static int send_all(int s, struct mmsghdr *msg, int n, uint64_t *retries)
{
	int done = 0;

	while (done < n) {
		int r = sendmmsg(s, msg + done, (unsigned)(n - done), 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != ENOBUFS && errno != EAGAIN)
				return -1;
			(*retries)++;
			continue;
		}
		done += r;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static unsigned char buf[BATCH][MAXFRAME];
	char err[PCAP_ERRBUF_SIZE];
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_ll sll;
	struct pcap_pkthdr *h;
	const unsigned char *d;
	uint64_t sent = 0, retries = 0, t0, t1;
	unsigned ifindex;
	double rate;
	pcap_t *p;
	int s, n = 0, r;

	if (argc != 4) {
		fprintf(stderr, "usage: cap_replay IFACE FILE RATE\n");
		return 1;
	}
	rate = strtod(argv[3], NULL);
	if (!(rate >= 1 && rate <= 1e8)) {
		fprintf(stderr, "cap_replay: RATE must be 1 to 1e8 frames a second\n");
		return 1;
	}
	ifindex = if_nametoindex(argv[1]);
	if (!ifindex) {
		fprintf(stderr, "cap_replay: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	p = pcap_open_offline(argv[2], err);
	if (!p) {
		fprintf(stderr, "cap_replay: %s\n", err);
		return 1;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		fprintf(stderr, "cap_replay: %s: link type %s, not Ethernet\n", argv[2],
			pcap_datalink_val_to_name(pcap_datalink(p)));
		return 1;
	}
	s = socket(AF_PACKET, SOCK_RAW, 0); /* protocol 0: sends, receives nothing */
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)ifindex;
	if (s < 0 || bind(s, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "cap_replay: AF_PACKET socket on %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	memset(msg, 0, sizeof(msg));
	for (r = 0; r < BATCH; r++) {
		iov[r].iov_base = buf[r];
		msg[r].msg_hdr.msg_iov = &iov[r];
		msg[r].msg_hdr.msg_iovlen = 1;
	}
	t0 = now_ns();
	for (;;) {
		r = pcap_next_ex(p, &h, &d);
		if (r == 1) {
			if (h->len > MAXFRAME || h->caplen > h->len || h->len < 14) {
				fprintf(stderr, "cap_replay: %s: frame %llu is %u bytes (%u captured), "
					"not 14 to %d\n", argv[2], (unsigned long long)(sent + (uint64_t)n + 1),
					h->len, h->caplen, MAXFRAME);
				return 1;
			}
			memcpy(buf[n], d, h->caplen);
			memset(buf[n] + h->caplen, 0, h->len - h->caplen);
			iov[n].iov_len = h->len;
			n++;
		} else if (r != PCAP_ERROR_BREAK) {
			fprintf(stderr, "cap_replay: %s: %s\n", argv[2],
				r == 0 ? "no frame" : pcap_geterr(p));
			return 1;
		}
		if (n == BATCH || (r == PCAP_ERROR_BREAK && n > 0)) {
			/* the batch is due when its first frame is: t0 + sent / rate */
			sleep_until(t0 + (uint64_t)((double)sent * 1e9 / rate));
			if (send_all(s, msg, n, &retries) < 0) {
				fprintf(stderr, "cap_replay: sendmmsg on %s: %s\n", argv[1], strerror(errno));
				return 1;
			}
			sent += (uint64_t)n;
			n = 0;
		}
		if (r == PCAP_ERROR_BREAK)
			break;
	}
	t1 = now_ns();
	printf("sent %llu seconds %.3f rate %.0f retries %llu\n", (unsigned long long)sent,
	       (double)(t1 - t0) / 1e9, (double)sent * 1e9 / (double)(t1 - t0),
	       (unsigned long long)retries);
	pcap_close(p);
	close(s);
	return 0;
}
