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

/* Retry EINTR here, in one place: a caught signal without SA_RESTART
 * (SIGINT/SIGTERM set nt_stop and let the sample finish) interrupts a
 * send or recv before anything was transferred, so retrying loses
 * nothing. Netlink requests to the kernel are handled synchronously, so a
 * retried send is never a duplicate. */
static ssize_t io_send(const struct nt_nl_io *io, const void *buf, size_t len)
{
	ssize_t n;

	do
		n = io->send(io->ctx, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

static ssize_t io_recv(const struct nt_nl_io *io, void *buf, size_t len)
{
	ssize_t n;

	do
		n = io->recv(io->ctx, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

int nt_nl_dump_io(const struct nt_nl_io *io, struct nlmsghdr *req,
		  struct nt_nl_walk *w, void (*reset)(void *data),
		  unsigned tries, void *buf, size_t len)
{
	uint32_t seq = (uint32_t)time(NULL);
	int r = -EAGAIN;
	unsigned t;

	w->portid = io->portid;
	for (t = 0; t < tries; t++) {
		if (t && reset)
			reset(w->data);
		w->intr = 0;
		w->skipped = 0;
		w->seq = req->nlmsg_seq = seq + t;
		if (io_send(io, req, req->nlmsg_len) < 0)
			return -errno;
		do {
			ssize_t n = io_recv(io, buf, len);

			if (n < 0)
				return -errno;
			if (n == 0)
				return -EPROTO; /* no message: never spin on it */
			r = nt_nl_walk(buf, (size_t)n, w);
		} while (r == 1);
		if (r < 0 || !w->intr)
			return r;
		r = -EAGAIN; /* the set changed during the dump: dump again */
	}
	return r;
}

static ssize_t sock_send(void *ctx, const void *buf, size_t len)
{
	return mnl_socket_sendto(ctx, buf, len);
}

static ssize_t sock_recv(void *ctx, void *buf, size_t len)
{
	return mnl_socket_recvfrom(ctx, buf, len);
}

int nt_nl_dump(int proto, struct nlmsghdr *req, struct nt_nl_walk *w,
	       void (*reset)(void *data), unsigned tries, size_t rcvbuf)
{
	struct nt_nl_io io = { sock_send, sock_recv, NULL, 0 };
	struct mnl_socket *nl;
	char *buf;
	int one = 1, r;

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
	io.ctx = nl;
	io.portid = mnl_socket_get_portid(nl);
	r = nt_nl_dump_io(&io, req, w, reset, tries, buf, rcvbuf);
out:
	mnl_socket_close(nl);
out_free:
	free(buf);
	return r;
}
