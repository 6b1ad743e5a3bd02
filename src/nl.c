/* Netlink walker and dump loop (see nt_nl.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include "nt_nl.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

/* mnl_nlmsg_ok() compares (int)nlmsg_len, so a length of 2^31 or more
 * passes as negative and mnl_nlmsg_next() then jumps out of the buffer
 * (found by fuzz_link). Compare unsigned. */
/* Also require the 4-aligned extent to fit: mnl_nlmsg_get_payload_tail()
 * (and so mnl_attr_parse()) walks up to the aligned end, which would read
 * up to 3 bytes past a buffer whose last message is unaligned. The kernel
 * always pads, so this only rejects corrupt input. */
static bool msg_ok(const struct nlmsghdr *nlh, int remain)
{
	return remain >= (int)sizeof(*nlh) && nlh->nlmsg_len >= sizeof(*nlh) &&
	       ((uint64_t)nlh->nlmsg_len + 3) / 4 * 4 <= (uint64_t)remain;
}

int nt_nl_walk(const void *buf, size_t len, struct nt_nl_walk *w)
{
	const struct nlmsghdr *nlh = buf;
	int remain = len > INT32_MAX ? INT32_MAX : (int)len;
	int r;

	while (msg_ok(nlh, remain)) {
		if (!mnl_nlmsg_portid_ok(nlh, w->portid) ||
		    !mnl_nlmsg_seq_ok(nlh, w->seq))
			return -EPROTO;
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			w->intr++;
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr e;

			if (mnl_nlmsg_get_payload_len(nlh) < sizeof(e))
				return -EBADMSG;
			memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof(e));
			if (e.error)
				return e.error < 0 ? e.error : -EPROTO;
			return 0; /* ACK */
		}
		if (nlh->nlmsg_type == NLMSG_DONE) {
			int32_t e = 0;

			if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(e))
				memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof(e));
			return e < 0 ? e : 0;
		}
		if (nlh->nlmsg_type == w->type) {
			r = w->cb(nlh, w->data);
			if (r)
				return r;
		} else if (nlh->nlmsg_type >= NLMSG_MIN_TYPE) {
			w->skipped++;
		}
		nlh = mnl_nlmsg_next(nlh, &remain);
	}
	/* The kernel never splits a message across reads: leftovers mean a
	 * truncated or corrupt message. */
	if (remain > 0)
		return -EBADMSG;
	return 1;
}

int nt_nl_dump(int proto, struct nlmsghdr *req, struct nt_nl_walk *w,
	       void (*reset)(void *data), unsigned tries, size_t rcvbuf)
{
	struct mnl_socket *nl;
	uint32_t seq = (uint32_t)time(NULL);
	char *buf;
	int one = 1, r = -EAGAIN;
	unsigned t;

	if (rcvbuf < 32768)
		rcvbuf = 32768;
	buf = malloc(rcvbuf);
	if (!buf)
		return -ENOMEM;
	nl = mnl_socket_open2(proto, SOCK_CLOEXEC);
	if (!nl) {
		r = -errno;
		goto out_free;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto out;
	}
	/* Extended ack: the kernel says why a request failed. Optional. */
	(void)mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	w->portid = mnl_socket_get_portid(nl);
	for (t = 0; t < tries; t++) {
		if (t && reset)
			reset(w->data);
		w->intr = 0;
		w->skipped = 0;
		w->seq = req->nlmsg_seq = seq + t;
		if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0) {
			r = -errno;
			goto out;
		}
		do {
			ssize_t n = mnl_socket_recvfrom(nl, buf, rcvbuf);

			if (n < 0) {
				if (errno == EINTR)
					continue;
				r = -errno;
				goto out;
			}
			r = nt_nl_walk(buf, (size_t)n, w);
		} while (r == 1);
		if (r < 0)
			goto out;
		if (!w->intr)
			goto out;
		r = -EAGAIN; /* the set changed during the dump: dump again */
	}
out:
	mnl_socket_close(nl);
out_free:
	free(buf);
	return r;
}
