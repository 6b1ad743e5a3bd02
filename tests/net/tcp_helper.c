/* Test helper for tests/net/tcp.sh and tests/bench/tcp.sh: builds TCP
 * sockets in known states inside the namespace it runs in.
 *
 *   tcp_helper fill ADDR PORT NEST NTW NCW BACKLOG
 *       NEST established pairs (listener PORT), NTW TIME-WAIT sockets
 *       (client closes first; listener PORT+1), NCW CLOSE-WAIT sockets on
 *       the server side (client closes, server never does; listener
 *       PORT+2), and a listener on PORT+3 with listen(BACKLOG) whose
 *       accept queue is filled with BACKLOG+1 connections, then one more
 *       SYN that the full queue drops (ListenOverflows). Prints "ready"
 *       and waits for SIGTERM.
 *   tcp_helper cwclient ADDR PORT N
 *       N CLOSE-WAIT sockets on the client side: connect N times to a
 *       listener on PORT that accepts and closes each connection; the
 *       clients (on ephemeral ports) never close. Prints "ready" once
 *       every client has read the EOF, and waits.
 *   tcp_helper pairs ADDR PORT N
 *       N established pairs over one listener (bench filler; keeps 2N+1
 *       fds). Prints "ready" and waits.
 *   tcp_helper sink ADDR PORT
 *       accept and discard everything, forever.
 *   tcp_helper send ADDR PORT SECONDS
 *       connect, write 1 KiB every 10 ms for SECONDS, wait until the
 *       send queue is empty (everything acked), print "done", wait.
 *   tcp_helper leak ADDR PORT N
 *       N server-side CLOSE-WAIT sockets on a listener on PORT (the
 *       client closes, this process never does). Prints "ready", waits.
 *   tcp_helper overflow ADDR PORT BACKLOG RATE
 *       a listener on PORT with listen(BACKLOG) that never accepts, its
 *       queue filled with BACKLOG+1 connections; then RATE SYNs a second
 *       from non-blocking connects that the full queue drops
 *       (ListenOverflows and ListenDrops rise RATE a second). Each
 *       client is closed after 0.5 s, before its SYN is retransmitted,
 *       so the flood adds nothing to RetransSegs. Prints "ready", runs
 *       until killed.
 *   tcp_helper synq ADDR PORT N
 *       a listener on PORT with listen(1) that never accepts, then N
 *       non-blocking connects to it, all kept open. With the handshake's
 *       final ACK dropped (the test's nft rule), each connection stays a
 *       request (SYN-RECV) on the listener: the first fills its SYN queue
 *       of 1 and every later SYN overflows it (TCPReqQFullDrop with
 *       tcp_syncookies=0, TCPReqQFullDoCookies and SyncookiesSent with
 *       1). Prints "ready" once the connects are out, and waits.
 *   tcp_helper stream ADDR PORT RATE
 *       connect with TCP_NODELAY and write a 1000-byte segment RATE times
 *       a second, paced on CLOCK_MONOTONIC, until killed (reconnects if
 *       the connection breaks). Prints "ready" once connected.
 *
 * Exit status 0, or 1 with a message on stderr. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_storage addr_of(const char *a, int port, socklen_t *len)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(a, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, a, &s6->sin6_addr) != 1) {
			fprintf(stderr, "tcp_helper: bad address %s\n", a);
			exit(1);
		}
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, a, &s4->sin_addr) != 1) {
			fprintf(stderr, "tcp_helper: bad address %s\n", a);
			exit(1);
		}
		*len = sizeof(*s4);
	}
	return ss;
}

static void die(const char *what)
{
	fprintf(stderr, "tcp_helper: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int listener(const char *a, int port, int backlog)
{
	socklen_t len;
	struct sockaddr_storage ss = addr_of(a, port, &len);
	int one = 1, fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die("bind");
	if (listen(fd, backlog) < 0)
		die("listen");
	return fd;
}

static int client(const char *a, int port, int block)
{
	socklen_t len;
	struct sockaddr_storage ss = addr_of(a, port, &len);
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | (block ? 0 : SOCK_NONBLOCK), 0);

	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS)
		die("connect");
	return fd;
}

static int acc(int l)
{
	int fd = accept4(l, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		die("accept");
	return fd;
}

static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void wait_forever(void)
{
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}

/* n server-side CLOSE-WAIT sockets on listener l (PORT port of a): the
 * client closes, the accepted socket is never closed */
static void close_wait(int l, const char *a, int port, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		int c = client(a, port, 1);

		acc(l);
		close(c);
	}
}

/* fills the queue of listener (a, port) made with listen(backlog):
 * backlog + 1 connections complete and wait there */
static void fill_queue(const char *a, int port, int backlog)
{
	int i;

	for (i = 0; i < backlog + 1; i++)
		client(a, port, 1);
	msleep(100);
}

static int fill(const char *a, int port, int nest, int ntw, int ncw, int backlog)
{
	int l0 = listener(a, port, 4096), l1 = listener(a, port + 1, 4096);
	int l2 = listener(a, port + 2, 4096), l3 = listener(a, port + 3, backlog);
	char b[16];
	int i;

	(void)l3; /* never accepted from: its queue stays full */
	for (i = 0; i < nest; i++) {
		client(a, port, 1);
		acc(l0);
	}
	for (i = 0; i < ntw; i++) { /* client closes first: client TIME-WAIT */
		int c = client(a, port + 1, 1), s = acc(l1);

		close(c);
		if (read(s, b, sizeof(b)) != 0) /* EOF once the FIN is in */
			die("read EOF");
		close(s);
	}
	close_wait(l2, a, port + 2, ncw); /* server never closes */
	fill_queue(a, port + 3, backlog);
	client(a, port + 3, 0); /* this SYN overflows the queue */
	msleep(300);
	wait_forever();
	return 0;
}

static int cwclient(const char *a, int port, int n)
{
	int l = listener(a, port, 4096), i;
	char b[16];

	for (i = 0; i < n; i++) {
		int c = client(a, port, 1);

		close(acc(l)); /* the server closes at once */
		if (read(c, b, sizeof(b)) != 0) /* the FIN is in: CLOSE-WAIT */
			die("read EOF");
	}
	wait_forever();
	return 0;
}

static int pairs(const char *a, int port, int n)
{
	int l = listener(a, port, 65535), i;

	for (i = 0; i < n; i++) {
		client(a, port, 0);
		if (i % 256 == 255 || i == n - 1) { /* drain the queue in batches */
			int k = i % 256 + 1;

			while (k--)
				acc(l);
		}
	}
	wait_forever();
	return 0;
}

static int sink(const char *a, int port)
{
	struct pollfd p[256];
	char b[65536];
	int n = 1, i;

	p[0].fd = listener(a, port, 128);
	p[0].events = POLLIN;
	for (;;) {
		if (poll(p, (nfds_t)n, -1) < 0 && errno != EINTR)
			die("poll");
		if ((p[0].revents & POLLIN) && n < 256) {
			p[n].fd = acc(p[0].fd);
			p[n].events = POLLIN;
			n++;
		}
		for (i = 1; i < n; i++)
			if (p[i].revents & (POLLIN | POLLHUP)) {
				ssize_t r = read(p[i].fd, b, sizeof(b));

				if (r <= 0) {
					close(p[i].fd);
					p[i] = p[--n];
					i--;
				}
			}
	}
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* sleep until CLOCK_MONOTONIC time t (seconds) */
static void sleep_until(double t)
{
	struct timespec ts;

	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int leak(const char *a, int port, int n)
{
	close_wait(listener(a, port, 4096), a, port, n);
	wait_forever();
	return 0;
}

#define OVF_RING 64

static int overflow(const char *a, int port, int backlog, int rate)
{
	int ring[OVF_RING], i, k, n = 0;
	double t;

	if (rate < 1 || rate > 1000) {
		fprintf(stderr, "tcp_helper: overflow RATE %d not in 1..1000\n", rate);
		return 1;
	}
	(void)listener(a, port, backlog); /* never accepted from */
	fill_queue(a, port, backlog);
	/* k slots: a client lives k / rate = 0.5 s (less above 128/s) */
	k = rate / 2 < 1 ? 1 : rate / 2 > OVF_RING ? OVF_RING : rate / 2;
	for (i = 0; i < k; i++)
		ring[i] = -1;
	printf("ready\n");
	fflush(stdout);
	for (t = now();; t += 1.0 / rate) {
		sleep_until(t);
		if (ring[n] >= 0)
			close(ring[n]);
		ring[n] = client(a, port, 0);
		n = (n + 1) % k;
	}
	return 0;
}

static int synq(const char *a, int port, int n)
{
	int i;

	if (n < 1 || n > 10000) {
		fprintf(stderr, "tcp_helper: synq N %d not in 1..10000\n", n);
		return 1;
	}
	(void)listener(a, port, 1); /* never accepted from */
	for (i = 0; i < n; i++)
		(void)client(a, port, 0);
	printf("ready\n");
	fflush(stdout);
	wait_forever();
	return 0;
}

static int stream(const char *a, int port, int rate)
{
	char b[1000];
	int one = 1, fd = -1, said = 0;
	double t;

	if (rate < 1 || rate > 100000) {
		fprintf(stderr, "tcp_helper: stream RATE %d not in 1..100000\n", rate);
		return 1;
	}
	memset(b, 'x', sizeof(b));
	for (t = now();; t += 1.0 / rate) {
		if (fd < 0) {
			fd = client(a, port, 1);
			if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
				die("TCP_NODELAY");
			if (!said++) {
				printf("ready\n");
				fflush(stdout);
			}
			t = now();
		}
		if (now() - t > 1.0) /* blocked for a while: do not burst to catch up */
			t = now();
		sleep_until(t);
		if (write(fd, b, sizeof(b)) < 0) {
			fprintf(stderr, "tcp_helper: stream write: %s (reconnecting)\n",
				strerror(errno));
			close(fd);
			fd = -1;
			msleep(100);
		}
	}
	return 0;
}

static int sender(const char *a, int port, double secs)
{
	int fd = client(a, port, 1), q = 0;
	char b[1024];
	double t0 = now();

	memset(b, 'x', sizeof(b));
	while (now() - t0 < secs) {
		if (write(fd, b, sizeof(b)) < 0)
			die("write");
		msleep(10);
	}
	for (;;) { /* until everything sent is acknowledged */
		if (ioctl(fd, SIOCOUTQ, &q) < 0)
			die("SIOCOUTQ");
		if (q == 0)
			break;
		if (now() - t0 > secs + 60) {
			fprintf(stderr, "tcp_helper: send queue not drained\n");
			return 1;
		}
		msleep(50);
	}
	printf("done\n");
	fflush(stdout);
	for (;;)
		pause();
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 8 && !strcmp(argv[1], "fill"))
		return fill(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]),
			    atoi(argv[6]), atoi(argv[7]));
	if (argc == 5 && !strcmp(argv[1], "cwclient"))
		return cwclient(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "pairs"))
		return pairs(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "sink"))
		return sink(argv[2], atoi(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "send"))
		return sender(argv[2], atoi(argv[3]), atof(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "leak"))
		return leak(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 6 && !strcmp(argv[1], "overflow"))
		return overflow(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
	if (argc == 5 && !strcmp(argv[1], "synq"))
		return synq(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "stream"))
		return stream(argv[2], atoi(argv[3]), atoi(argv[4]));
	fprintf(stderr, "usage: tcp_helper fill|cwclient|pairs|sink|send|leak|overflow|synq|stream ... (see the source)\n");
	return 1;
}
