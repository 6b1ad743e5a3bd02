/* Delay line for the path tests: takes packets from an NFQUEUE (speaking
 * nfnetlink_queue through libmnl, no libnetfilter_queue), holds each one
 * for DELAY +- JITTER ms (uniform, or normal with sd JITTER) in a timer
 * heap on CLOCK_MONOTONIC, then accepts it. Stops by itself after
 * SECONDS (bounded), or on SIGTERM/SIGINT.
 *
 * usage: path_delay QUEUE DELAY_MS JITTER_MS uniform|normal SEED SECONDS
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

struct held {
	double due;
	uint32_t id;
};

static struct held *heap;
static size_t nheap, capheap;
static volatile sig_atomic_t stop;
static uint64_t rng;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: reproducible runs from a seed */
static double unif(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (double)((rng * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static double normal(void)
{
	double u1 = unif(), u2 = unif();

	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static int push(double due, uint32_t id)
{
	size_t i;

	if (nheap == capheap) {
		size_t c = capheap ? capheap * 2 : 256;
		struct held *n = realloc(heap, c * sizeof(*n));

		if (!n)
			return -1;
		heap = n;
		capheap = c;
	}
	i = nheap++;
	while (i && heap[(i - 1) / 2].due > due) {
		heap[i] = heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	heap[i].due = due;
	heap[i].id = id;
	return 0;
}

static struct held pop(void)
{
	struct held top = heap[0], last = heap[--nheap];
	size_t i = 0, c;

	while ((c = 2 * i + 1) < nheap) {
		if (c + 1 < nheap && heap[c + 1].due < heap[c].due)
			c++;
		if (heap[c].due >= last.due)
			break;
		heap[i] = heap[c];
		i = c;
	}
	if (nheap)
		heap[i] = last;
	return top;
}

static struct nlmsghdr *put_hdr(char *buf, int type, uint16_t queue)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_QUEUE << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(queue);
	return nlh;
}

static int verdict(struct mnl_socket *nl, uint16_t queue, uint32_t id)
{
	char buf[512];
	struct nlmsghdr *nlh = put_hdr(buf, NFQNL_MSG_VERDICT, queue);
	struct nfqnl_msg_verdict_hdr vh = { htonl(NF_ACCEPT), htonl(id) };

	mnl_attr_put(nlh, NFQA_VERDICT_HDR, sizeof(vh), &vh);
	return mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0 ? -1 : 0;
}

struct cfg {
	double delay, jitter;
	int normal;
	uint64_t received;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, NFQA_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = a;
	return MNL_CB_OK;
}

static int pkt_cb(const struct nlmsghdr *nlh, void *data)
{
	struct cfg *c = data;
	const struct nlattr *tb[NFQA_MAX + 1] = { 0 };
	struct nfqnl_msg_packet_hdr ph;
	double d;

	if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), attr_cb, tb) < 0)
		return MNL_CB_ERROR;
	if (!tb[NFQA_PACKET_HDR] ||
	    mnl_attr_get_payload_len(tb[NFQA_PACKET_HDR]) < sizeof(ph))
		return MNL_CB_OK;
	memcpy(&ph, mnl_attr_get_payload(tb[NFQA_PACKET_HDR]), sizeof(ph));
	d = c->normal ? c->delay + c->jitter * normal() :
			c->delay + c->jitter * (2 * unif() - 1);
	if (d < 0)
		d = 0;
	c->received++;
	return push(now() + d / 1000.0, ntohl(ph.packet_id)) ? MNL_CB_ERROR : MNL_CB_OK;
}

static void on_sig(int s)
{
	(void)s;
	stop = 1;
}

int main(int argc, char **argv)
{
	static char buf[1 << 17];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct cfg c = { 0 };
	uint16_t queue;
	unsigned portid;
	double end;
	int one = 1;

	if (argc != 7) {
		fprintf(stderr, "usage: path_delay QUEUE DELAY_MS JITTER_MS uniform|normal SEED SECONDS\n");
		return 64;
	}
	queue = (uint16_t)atoi(argv[1]);
	c.delay = atof(argv[2]);
	c.jitter = atof(argv[3]);
	c.normal = !strcmp(argv[4], "normal");
	rng = strtoull(argv[5], NULL, 10) * 0x9e3779b97f4a7c15ull + 1;
	end = now() + atof(argv[6]);
	signal(SIGTERM, on_sig);
	signal(SIGINT, on_sig);
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* wake on time, not 50 us late */

	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("path_delay: netlink");
		return 1;
	}
	portid = mnl_socket_get_portid(nl);
	mnl_socket_setsockopt(nl, NETLINK_NO_ENOBUFS, &one, sizeof(one));

	nlh = put_hdr(buf, NFQNL_MSG_CONFIG, queue);
	{
		struct nfqnl_msg_config_cmd cmd = { NFQNL_CFG_CMD_BIND, 0, htons(AF_INET) };

		mnl_attr_put(nlh, NFQA_CFG_CMD, sizeof(cmd), &cmd);
	}
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		perror("path_delay: bind queue");
		return 1;
	}
	nlh = put_hdr(buf, NFQNL_MSG_CONFIG, queue);
	{
		struct nfqnl_msg_config_params p = { htonl(0), NFQNL_COPY_META };

		mnl_attr_put(nlh, NFQA_CFG_PARAMS, sizeof(p), &p);
	}
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		perror("path_delay: copy mode");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);

	while (!stop && now() < end) {
		struct pollfd pf = { mnl_socket_get_fd(nl), POLLIN, 0 };
		struct timespec ts;
		double t = now(), wait = 0.1;
		int r;

		while (nheap && heap[0].due <= t) {
			struct held h = pop();

			verdict(nl, queue, h.id);
		}
		if (nheap && heap[0].due - t < wait)
			wait = heap[0].due - t;
		ts.tv_sec = (time_t)wait;
		ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
		r = ppoll(&pf, 1, &ts, NULL);
		if (r > 0) {
			ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

			if (n < 0) {
				if (errno == ENOBUFS || errno == EINTR)
					continue;
				perror("path_delay: recv");
				break;
			}
			if (mnl_cb_run(buf, (size_t)n, 0, portid, pkt_cb, &c) < 0 &&
			    errno != 0 && errno != ENOENT) {
				/* an ACK/error for our config is not fatal */
			}
		}
	}
	/* release what is still held rather than drop it */
	while (nheap) {
		struct held h = pop();

		verdict(nl, queue, h.id);
	}
	fprintf(stderr, "path_delay: %llu packets delayed\n", (unsigned long long)c.received);
	mnl_socket_close(nl);
	free(heap);
	return 0;
}
