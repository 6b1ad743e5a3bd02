/* libFuzzer target: the stack layer's netlink parsers (RTM_NEWQDISC,
 * RTM_NEWNEIGHTBL, SOCK_DIAG_BY_FAMILY for UDP) behind the message
 * walker, the /proc/net/stat/{arp,ndisc}_cache parser, and the UDP top-N.
 * The first byte picks the parser; the rest is its input. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include "nt_nl.h"
#include "nt_stack_nl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool terminated(const char *s, size_t n)
{
	return memchr(s, 0, n) != NULL;
}

static int qdisc_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nt_qdisc q;

	(void)data;
	if (nt_stack_parse_qdisc(nlh, &q) == 0 &&
	    (!terminated(q.kind, sizeof(q.kind)) || !terminated(q.handle_s, sizeof(q.handle_s)) ||
	     !terminated(q.parent_s, sizeof(q.parent_s))))
		abort();
	return 0;
}

static int tbl_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nt_neightbl t;
	bool global;

	(void)data;
	if (nt_stack_parse_neightbl(nlh, &t, &global) == 0 &&
	    (!terminated(t.name, sizeof(t.name)) ||
	     (t.thresh3 && !isnan(t.fill_pct) && t.fill_pct < 0)))
		abort();
	return 0;
}

static int udp_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nt_udp_list *l = data;
	struct nt_udp_sock s;

	if (nt_stack_parse_udp(nlh, &s) == 0) {
		if (!terminated(s.local, sizeof(s.local)) || !terminated(s.subject, sizeof(s.subject)) ||
		    (s.have_mem != !!(s.avail & (1u << NT_US_MEM))))
			abort();
		nt_udp_top_offer(l, 3, &s);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nt_udp_sock top[3];
	struct nt_udp_list l = { top, 0, 3, 0, 0, 0 };
	struct nt_nl_walk w = { 0 };
	void *buf;
	size_t i;

	if (size < 1)
		return 0;
	buf = malloc(size - 1 ? size - 1 : 1); /* exact size: ASan sees overreads */
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	switch (data[0] % 4) {
	case 0:
		w.type = RTM_NEWQDISC;
		w.cb = qdisc_cb;
		(void)nt_nl_walk(buf, size - 1, &w);
		break;
	case 1:
		w.type = RTM_NEWNEIGHTBL;
		w.cb = tbl_cb;
		(void)nt_nl_walk(buf, size - 1, &w);
		break;
	case 2:
		w.type = SOCK_DIAG_BY_FAMILY;
		w.cb = udp_cb;
		w.data = &l;
		(void)nt_nl_walk(buf, size - 1, &w);
		nt_udp_top_finish(&l);
		for (i = 1; i < l.n; i++)
			if (l.v[i].drops > l.v[i - 1].drops)
				abort(); /* worst first */
		break;
	default: {
		struct nt_neightbl t;

		memset(&t, 0, sizeof(t));
		(void)nt_stack_parse_neigh_stat(buf, size - 1, &t);
		break;
	}
	}
	free(buf);
	return 0;
}
