/* Namespace-test helper for nettriage stack: a UDP socket that never
 * reads, and a sender.
 *   udp_helper sink PORT RCVBUF     bind 127.0.0.1:PORT with SO_RCVBUF,
 *                                   print "ready", never read (until killed)
 *   udp_helper flood PORT N SIZE    send N datagrams of SIZE bytes to
 *                                   127.0.0.1:PORT, print how many went out
 * Loopback only (the network rule of the tests). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int sock(unsigned port, struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons((unsigned short)port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return fd;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a;
	char buf[65536];
	long n, size, i, sent = 0;
	int fd, rb;

	if (argc == 4 && !strcmp(argv[1], "sink")) {
		fd = sock((unsigned)atoi(argv[2]), &a);
		rb = atoi(argv[3]);
		if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rb, sizeof(rb)) ||
		    bind(fd, (struct sockaddr *)&a, sizeof(a))) {
			perror("udp_helper sink");
			return 1;
		}
		printf("ready\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	if (argc == 5 && !strcmp(argv[1], "flood")) {
		fd = sock((unsigned)atoi(argv[2]), &a);
		n = atol(argv[3]);
		size = atol(argv[4]);
		if (fd < 0 || size < 0 || size > (long)sizeof(buf)) {
			perror("udp_helper flood");
			return 1;
		}
		memset(buf, 'x', sizeof(buf));
		for (i = 0; i < n; i++)
			if (sendto(fd, buf, (size_t)size, 0, (struct sockaddr *)&a, sizeof(a)) == size)
				sent++;
		printf("sent %ld\n", sent);
		return sent == n ? 0 : 1;
	}
	fprintf(stderr, "usage: udp_helper sink PORT RCVBUF | flood PORT N SIZE\n");
	return 64;
}
