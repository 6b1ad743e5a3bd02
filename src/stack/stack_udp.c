/* PLACEHOLDER for part B of issue 10 (branch h-stacknl), which replaces
 * this file at merge: the UDP sock_diag functions of nt_stack_nl.h, so
 * that the stack layer builds. The dump returns -ENOSYS (the layer
 * reports "not measured"); the field table is empty. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "nt_output.h"
#include "nt_stack_nl.h"

void nt_udp_list_free(struct nt_udp_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int nt_stack_parse_udp(const struct nlmsghdr *nlh, struct nt_udp_sock *s)
{
	(void)nlh;
	(void)s;
	return -EINVAL;
}

int nt_stack_udp_top(struct nt_udp_list *l, unsigned top, bool procs)
{
	(void)top;
	(void)procs;
	l->n = 0;
	l->seen = 0;
	return -ENOSYS;
}

const struct nt_rectype nt_udp_sock_rectype = {
	.json_array = "udp_top", .prom_prefix = "nettriage_stack_udp_sock",
	.size = sizeof(struct nt_udp_sock), .avail_off = -1, .subject_off = -1,
};
