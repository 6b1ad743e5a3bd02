/* Unit tests: the netlink dump loop over a fake transport that fails with
 * EINTR (a caught signal) before, between and after canned replies. The
 * old loop turned an EINTR on the first recv into -EAGAIN. */
#include <errno.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include "nlgen.h"
#include "nt_nl.h"
#include "t.h"

/* Script of the fake transport: each recv step is a reply chunk (a
 * number of links, with DONE when last) or an errno. */
struct step {
	int err;     /* errno to fail with, or 0 */
	int links;   /* RTM_NEWLINK messages in this chunk */
	int done;    /* end the chunk with NLMSG_DONE */
};

struct fake {
	const int *send_errs; /* errno per send call, 0 ends the failures */
	const struct step *steps;
	unsigned sends, recvs, nsteps, sent_ok;
	uint32_t seq;
	int next_link;
};

static ssize_t fake_send(void *ctx, const void *buf, size_t len)
{
	struct fake *f = ctx;
	const struct nlmsghdr *nlh = buf;

	if (f->send_errs && f->send_errs[f->sends]) {
		errno = f->send_errs[f->sends++];
		return -1;
	}
	f->sends++;
	f->sent_ok++;
	f->seq = nlh->nlmsg_seq;
	return (ssize_t)len;
}

static ssize_t fake_recv(void *ctx, void *buf, size_t len)
{
	struct fake *f = ctx;
	const struct step *s;
	char *p = buf;
	int i;

	if (f->recvs >= f->nsteps) {
		errno = EBADF; /* the loop read past the script */
		return -1;
	}
	s = &f->steps[f->recvs++];
	if (s->err) {
		errno = s->err;
		return -1;
	}
	for (i = 0; i < s->links; i++) {
		struct nlgen_link l = { .name = "eth0", .ifindex = ++f->next_link,
					.mtu = 1500, .nstats64 = 4 };

		if ((size_t)(p - (char *)buf) + 4096 > len)
			break;
		p += nlgen_newlink(p, f->seq, &l);
	}
	if (s->done)
		p += nlgen_done(p, f->seq, 0);
	return p - (char *)buf;
}

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(*(int *)data)++;
	return 0;
}

static int run(struct fake *f, int *msgs)
{
	static char buf[65536];
	char req[64];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	struct nt_nl_walk w = { 0, 0, RTM_NEWLINK, count_cb, msgs, 0, 0 };
	struct nt_nl_io io = { fake_send, fake_recv, f, 0 };

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	*msgs = 0;
	return nt_nl_dump_io(&io, nlh, &w, NULL, 1, buf, sizeof(buf));
}

#define RUN(fk, steps_, errs_) do { \
	memset(&(fk), 0, sizeof(fk)); \
	(fk).steps = (steps_); \
	(fk).nsteps = sizeof(steps_) / sizeof((steps_)[0]); \
	(fk).send_errs = (errs_); \
} while (0)

int main(void)
{
	static const struct step first_eintr[] = { { EINTR, 0, 0 }, { 0, 3, 1 } };
	static const struct step storm[] = {
		{ EINTR, 0, 0 }, { EINTR, 0, 0 }, { 0, 2, 0 }, { EINTR, 0, 0 },
		{ 0, 2, 0 }, { EINTR, 0, 0 }, { EINTR, 0, 0 }, { 0, 1, 1 },
	};
	static const struct step later_eintr[] = { { 0, 2, 0 }, { EINTR, 0, 0 }, { 0, 1, 1 } };
	static const struct step other_err[] = { { ENOBUFS, 0, 0 }, { 0, 1, 1 } };
	static const struct step plain[] = { { 0, 2, 1 } };
	/* a 0-byte reply (no links, no DONE) then more: the loop stops */
	static const struct step empty[] = { { 0, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 } };
	static const int send_eintr[] = { EINTR, EINTR, 0 };
	static const int send_eperm[] = { EPERM, 0 };
	struct fake f;
	int msgs, r;

	RUN(f, first_eintr, NULL);
	r = run(&f, &msgs);
	T_EQ_I(r, 0, "EINTR on the first recv is retried (was -EAGAIN)");
	T_EQ_I(msgs, 3, "EINTR on the first recv: every message walked");
	T_EQ_U(f.sent_ok, 1, "EINTR on recv: the request is not sent again");

	RUN(f, storm, NULL);
	r = run(&f, &msgs);
	T_EQ_I(r, 0, "EINTR before, between and after replies: dump completes");
	T_EQ_I(msgs, 5, "EINTR storm: every message walked once");

	RUN(f, later_eintr, NULL);
	r = run(&f, &msgs);
	T_EQ_I(r, 0, "EINTR on a later recv is retried");
	T_EQ_I(msgs, 3, "EINTR on a later recv: every message walked");

	RUN(f, plain, send_eintr);
	r = run(&f, &msgs);
	T_EQ_I(r, 0, "EINTR on send is retried (was returned as -EINTR)");
	T_EQ_U(f.sent_ok, 1, "EINTR on send: sent once");
	T_EQ_I(msgs, 2, "EINTR on send: every message walked");

	RUN(f, plain, send_eperm);
	T_EQ_I(run(&f, &msgs), -EPERM, "other send errors are returned");

	RUN(f, other_err, NULL);
	T_EQ_I(run(&f, &msgs), -ENOBUFS, "other recv errors are returned");
	RUN(f, empty, NULL);
	T_EQ_I(run(&f, &msgs), -EPROTO, "a 0-byte recv is an error, not a loop");
	T_EQ_U(f.recvs, 1, "  after one recv");
	return T_DONE();
}
