/* Bench baseline for tests/bench/tcp.sh: the kernel's own cost of a TCP
 * sock_diag dump. One SOCK_DIAG_BY_FAMILY dump per family (IPv4, IPv6),
 * all twelve states, no extensions, 32 KiB receive buffer, exactly as
 * `nettriage tcp` asks; the replies are walked only to find NLMSG_DONE and
 * then discarded. Prints the message count on stderr with -v.
 * Build: cc -O2 -o tcp_bare_dump tcp_bare_dump.c (no libraries). */
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char buf[32768];

static long dump(int fd, int family)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req;
	long n = 0;

	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = sizeof(req);
	req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nlh.nlmsg_seq = (unsigned)family;
	req.r.sdiag_family = (unsigned char)family;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_states = 0x1ffe;
	if (send(fd, &req, sizeof(req), 0) < 0)
		return -1;
	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;
		int rem = (int)len;

		if (len < 0)
			return -1;
		for (; NLMSG_OK(h, rem); h = NLMSG_NEXT(h, rem)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return n;
			if (h->nlmsg_type == NLMSG_ERROR)
				return -1;
			n++;
		}
	}
}

int main(int argc, char **argv)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	long a, b;

	if (fd < 0) {
		perror("tcp_bare_dump: socket");
		return 1;
	}
	a = dump(fd, AF_INET);
	b = dump(fd, AF_INET6);
	close(fd);
	if (a < 0 || b < 0) {
		perror("tcp_bare_dump: dump");
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "-v"))
		fprintf(stderr, "%ld sockets\n", a + b);
	return 0;
}
