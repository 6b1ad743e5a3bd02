/* Test helper for tests/net/capture_live.sh: one TCP bulk transfer whose
 * sender reports its own retransmission count.
 *
 *   cap_xfer server ADDR PORT
 *       listen on ADDR:PORT, print "ready"; then, one connection at a
 *       time, read and discard until EOF and print "received N" (bytes).
 *       Runs until killed.
 *   cap_xfer client ADDR PORT NBYTES [LINGER_MS]
 *       connect, write NBYTES, wait until the kernel's send queue is
 *       empty (every byte ACKed, so every retransmission has happened),
 *       then, before close, print one line
 *         "sent N total_retrans R data_segs_out D lost L port P"
 *       from getsockopt(TCP_INFO) (tcpi_total_retrans, tcpi_data_segs_out,
 *       tcpi_lost) and the local port; keep the socket open LINGER_MS
 *       more (default 0) so that `ss -ti` can read the same socket, then
 *       close. Exit 0, or 1 with one line on stderr.
 */
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int fail(const char *what)
{
	fprintf(stderr, "cap_xfer: %s: %s\n", what, strerror(errno));
	return 1;
}

static int parse_addr(const char *a, const char *p, struct sockaddr_in *sa)
{
	char *end;
	long port = strtol(p, &end, 10);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (*end || port <= 0 || port > 65535 || inet_pton(AF_INET, a, &sa->sin_addr) != 1) {
		fprintf(stderr, "cap_xfer: bad address %s port %s\n", a, p);
		return -1;
	}
	sa->sin_port = htons((unsigned short)port);
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int server(const struct sockaddr_in *sa)
{
	static char buf[65536];
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);

	if (l < 0)
		return fail("socket");
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (const struct sockaddr *)sa, sizeof(*sa)) < 0 || listen(l, 8) < 0)
		return fail("bind/listen");
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		long long total = 0;
		ssize_t n;
		int c = accept(l, NULL, NULL);

		if (c < 0) {
			if (errno == EINTR)
				continue;
			return fail("accept");
		}
		while ((n = read(c, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
			if (n > 0)
				total += n;
		close(c);
		printf("received %lld\n", total);
		fflush(stdout);
	}
}

static int client(const struct sockaddr_in *sa, long long nbytes, long linger_ms)
{
	static char buf[65536];
	struct tcp_info ti;
	socklen_t tl = sizeof(ti);
	struct sockaddr_in me;
	socklen_t ml = sizeof(me);
	long long left = nbytes;
	int outq = 1, waited = 0;
	int s = socket(AF_INET, SOCK_STREAM, 0);

	if (s < 0)
		return fail("socket");
	if (connect(s, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
		return fail("connect");
	memset(buf, 'x', sizeof(buf));
	while (left > 0) {
		size_t want = left > (long long)sizeof(buf) ? sizeof(buf) : (size_t)left;
		ssize_t n = write(s, buf, want);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fail("write");
		}
		left -= n;
	}
	/* every byte ACKed: SIOCOUTQ counts sent but unacknowledged bytes too */
	while (waited < 60000) {
		if (ioctl(s, SIOCOUTQ, &outq) < 0)
			return fail("SIOCOUTQ");
		if (outq == 0)
			break;
		sleep_ms(5);
		waited += 5;
	}
	if (outq != 0) {
		fprintf(stderr, "cap_xfer: %d bytes still unacknowledged after 60 s\n", outq);
		return 1;
	}
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &tl) < 0)
		return fail("TCP_INFO");
	if (getsockname(s, (struct sockaddr *)&me, &ml) < 0)
		return fail("getsockname");
	printf("sent %lld total_retrans %u data_segs_out %u lost %u port %u\n", nbytes,
	       ti.tcpi_total_retrans, ti.tcpi_data_segs_out, ti.tcpi_lost, ntohs(me.sin_port));
	fflush(stdout);
	if (linger_ms > 0)
		sleep_ms(linger_ms);
	close(s);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa;

	if (argc == 4 && strcmp(argv[1], "server") == 0) {
		if (parse_addr(argv[2], argv[3], &sa) < 0)
			return 1;
		return server(&sa);
	}
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "client") == 0) {
		char *end;
		long long n = strtoll(argv[4], &end, 10);
		long linger = argc == 6 ? strtol(argv[5], NULL, 10) : 0;

		if (*end || n <= 0 || parse_addr(argv[2], argv[3], &sa) < 0) {
			fprintf(stderr, "cap_xfer: bad client arguments\n");
			return 1;
		}
		return client(&sa, n, linger);
	}
	fprintf(stderr, "usage: cap_xfer server ADDR PORT | client ADDR PORT NBYTES [LINGER_MS]\n");
	return 1;
}
