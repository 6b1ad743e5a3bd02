/* Netlink plumbing shared by the collectors (rtnetlink, sock_diag,
 * ctnetlink): a bounds-checked message walker that works on a buffer (so
 * canned bytes feed straight in) and a dump loop with NLM_F_DUMP_INTR
 * retry. Nothing here prints. */
#ifndef NT_NL_H
#define NT_NL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct nlmsghdr;

/* Called for each message of the wanted type; returns 0 or -errno (which
 * stops the walk and is returned). The message is borrowed. */
typedef int (*nt_nl_cb)(const struct nlmsghdr *nlh, void *data);

struct nt_nl_walk {
	uint32_t seq, portid; /* 0 skips the check */
	uint16_t type;        /* message type handed to cb */
	nt_nl_cb cb;
	void *data;
	unsigned intr;        /* messages flagged NLM_F_DUMP_INTR */
	unsigned skipped;     /* messages of other types */
};

/* Walk one buffer of messages. Returns 1 to read more, 0 at NLMSG_DONE or
 * an ACK, or -errno: the kernel's error (NLMSG_ERROR, or DONE carrying
 * one), -EPROTO for a foreign sequence/port, -EBADMSG for a message that
 * runs past the buffer or a short error message, or the callback's error. */
int nt_nl_walk(const void *buf, size_t len, struct nt_nl_walk *w);

/* Send req on a new socket of protocol proto and walk the replies into w;
 * when the dump was interrupted (NLM_F_DUMP_INTR), call reset(w->data)
 * and dump again, up to tries times (-EAGAIN after that). rcvbuf is the
 * receive buffer size (>= 32 KiB). The request's nlmsg_seq is set here.
 * Returns 0 or -errno. */
int nt_nl_dump(int proto, struct nlmsghdr *req, struct nt_nl_walk *w,
	       void (*reset)(void *data), unsigned tries, size_t rcvbuf);

/* The transport under the dump loop, so a unit test can feed canned
 * replies and errors (EINTR) without a socket. send and recv behave like
 * the system calls: bytes, or -1 with errno set. portid is the local
 * port id replies must carry (0 skips the check). */
struct nt_nl_io {
	ssize_t (*send)(void *ctx, const void *buf, size_t len);
	ssize_t (*recv)(void *ctx, void *buf, size_t len);
	void *ctx;
	uint32_t portid;
};

/* The loop of nt_nl_dump() over io, receiving into buf of len bytes.
 * EINTR from send or recv is retried (nothing was transferred). */
int nt_nl_dump_io(const struct nt_nl_io *io, struct nlmsghdr *req,
		  struct nt_nl_walk *w, void (*reset)(void *data),
		  unsigned tries, void *buf, size_t len);

#endif
