/* Test helper for tests/net/escape.sh: a process whose name (PR_SET_NAME)
 * is whatever the test chose, e.g. one with an ANSI escape, holding one
 * server-side CLOSE-WAIT socket on ADDR:PORT (IPv4).
 *
 *   escname_helper NAME ADDR PORT
 *       prints "ready" once the socket is in CLOSE-WAIT, then waits for
 *       SIGTERM. Exit status 0, or 1 with a message on stderr. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin;
	int l, c, s, one = 1;

	if (argc != 4) {
		fputs("usage: escname_helper NAME ADDR PORT\n", stderr);
		return 1;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)atoi(argv[3]));
	if (inet_pton(AF_INET, argv[2], &sin.sin_addr) != 1) {
		fprintf(stderr, "escname_helper: bad address %s\n", argv[2]);
		return 1;
	}
	if (prctl(PR_SET_NAME, argv[1], 0, 0, 0) < 0)
		die("PR_SET_NAME");
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		die("socket");
	if (bind(l, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(l, 4) < 0)
		die("bind/listen");
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("connect");
	s = accept(l, NULL, NULL);
	if (s < 0)
		die("accept");
	close(c); /* the peer closes; s never does: CLOSE-WAIT */
	usleep(100000);
	puts("ready");
	fflush(stdout);
	for (;;)
		pause();
}
