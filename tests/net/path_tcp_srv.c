/* Test helper for tests/net/path_tcp.sh: a TCP listener that counts what
 * it accepts.
 *   path_tcp_srv ADDR PORT [hold|rst]
 * Listens on ADDR:PORT (IPv4 or IPv6 literal), prints "ready", then one
 * line "accept N" (flushed) for every connection it accepts, which it
 * closes at once, with "hold" keeps open (up to 512; the peer ends
 * them), with "rst" resets at once (SO_LINGER 0 close right after the
 * accept). On SIGTERM it prints "accepted N" and exits 0. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct sigaction sa;
	socklen_t sl;
	long n = 0;
	int fd, one = 1;

	if ((argc != 3 && argc != 4) ||
	    (argc == 4 && strcmp(argv[3], "hold") && strcmp(argv[3], "rst"))) {
		fprintf(stderr, "usage: path_tcp_srv ADDR PORT [hold|rst]\n");
		return 64;
	}
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, argv[1], &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)atoi(argv[2]));
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, argv[1], &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)atoi(argv[2]));
		sl = sizeof(struct sockaddr_in6);
	} else {
		fprintf(stderr, "path_tcp_srv: not an address: %s\n", argv[1]);
		return 64;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term; /* no SA_RESTART: accept returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 128) < 0) {
		perror("path_tcp_srv");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		int c = accept(fd, NULL, NULL);

		if (c < 0) {
			if (errno == EINTR)
				continue;
			perror("path_tcp_srv: accept");
			return 1;
		}
		if (argc == 4 && !strcmp(argv[3], "rst")) {
			struct linger l = { 1, 0 };

			setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
			close(c);
		} else if (argc == 3 || n >= 512) {
			close(c);
		}
		printf("accept %ld\n", ++n);
		fflush(stdout);
	}
	printf("accepted %ld\n", n);
	return 0;
}
