/* Bench helper for tests/bench/capture.sh: a paced UDP flood.
 *
 *   cap_flood ADDR PORT RATE SECONDS [PAYLOAD]
 *
 * Sends PAYLOAD-byte (default 64) UDP datagrams to ADDR:PORT (IPv4) at
 * RATE packets a second for SECONDS, in sendmmsg batches of up to 64,
 * paced on CLOCK_MONOTONIC: before each batch it sleeps (absolute
 * clock_nanosleep) until the batch is due, so the achieved rate stays at
 * RATE or below it when the machine cannot keep up. Each datagram carries
 * its sequence number. Prints one line
 *   "sent N seconds S rate R errors E"
 * (R the achieved packets a second over the sending time, E the
 * datagrams sendmmsg refused). Exit 1 with one line on stderr when it
 * cannot start.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_pace.h"

#define BATCH 64
#define MAXPAY 1472

int main(int argc, char **argv)
{
	static unsigned char buf[BATCH][MAXPAY];
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in sa;
	double rate, secs;
	long port, pay = 64;
	uint64_t total, sent = 0, errors = 0, t0, t1;
	int s, i;

	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: cap_flood ADDR PORT RATE SECONDS [PAYLOAD]\n");
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	port = strtol(argv[2], NULL, 10);
	rate = strtod(argv[3], NULL);
	secs = strtod(argv[4], NULL);
	if (argc == 6)
		pay = strtol(argv[5], NULL, 10);
	if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1 || port <= 0 || port > 65535 ||
	    !(rate >= 1 && rate <= 1e8) || !(secs > 0 && secs <= 3600) || pay < 8 || pay > MAXPAY) {
		fprintf(stderr, "cap_flood: bad arguments\n");
		return 1;
	}
	sa.sin_port = htons((unsigned short)port);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "cap_flood: socket/connect: %s\n", strerror(errno));
		return 1;
	}
	memset(msg, 0, sizeof(msg));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = (size_t)pay;
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	total = (uint64_t)(rate * secs + 0.5);
	t0 = now_ns();
	while (sent + errors < total) {
		uint64_t done = sent + errors;
		uint64_t left = total - done;
		int n = left < BATCH ? (int)left : BATCH;
		int r;

		/* the batch is due when its first datagram is: t0 + done / rate */
		sleep_until(t0 + (uint64_t)((double)done * 1e9 / rate));
		for (i = 0; i < n; i++) {
			uint64_t seq = done + (uint64_t)i;

			memcpy(buf[i], &seq, sizeof(seq));
		}
		r = sendmmsg(s, msg, (unsigned)n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED) {
				fprintf(stderr, "cap_flood: sendmmsg: %s\n", strerror(errno));
				return 1;
			}
			errors++; /* the first datagram of the batch was refused */
			continue;
		}
		sent += (uint64_t)r;
	}
	t1 = now_ns();
	printf("sent %llu seconds %.3f rate %.0f errors %llu\n", (unsigned long long)sent,
	       (double)(t1 - t0) / 1e9, (double)sent * 1e9 / (double)(t1 - t0), (unsigned long long)errors);
	close(s);
	return 0;
}
