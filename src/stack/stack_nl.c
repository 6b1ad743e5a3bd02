/* PLACEHOLDER for part B of issue 10 (branch h-stacknl), which replaces
 * this file at merge: nt_stack_nl.h's qdisc and neighbour-table functions,
 * so that the stack layer builds. Every dump returns -ENOSYS (the layer
 * reports "not measured"), parsers -EINVAL; judging, history and field
 * tables are empty. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "nt_output.h"
#include "nt_stack_nl.h"

void nt_qdisc_list_free(struct nt_qdisc_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int nt_stack_parse_qdisc(const struct nlmsghdr *nlh, struct nt_qdisc *q)
{
	(void)nlh;
	(void)q;
	return -EINVAL;
}

int nt_stack_qdisc_dump(struct nt_qdisc_list *l)
{
	l->n = 0;
	return -ENOSYS;
}

int nt_stack_parse_neightbl(const struct nlmsghdr *nlh, struct nt_neightbl *t,
			    bool *global)
{
	(void)nlh;
	(void)t;
	*global = false;
	return -EINVAL;
}

int nt_stack_parse_neigh_stat(const char *text, size_t len, struct nt_neightbl *t)
{
	(void)text;
	(void)len;
	(void)t;
	return -ENOENT;
}

int nt_stack_neightbl_dump(struct nt_neightbl_list *l)
{
	l->n = 0;
	return -ENOSYS;
}

void nt_stack_nl_thresholds_default(struct nt_stack_nl_thresholds *t)
{
	t->crit_qdisc_pct = 1.0;
	t->warn_neigh_pct = 75.0;
	t->crit_neigh_pct = 90.0;
}

void nt_stack_qdisc_rates(struct nt_qdisc_list *cur,
			  const struct nt_qdisc_list *prev, double dt)
{
	(void)cur;
	(void)prev;
	(void)dt;
}

void nt_stack_qdisc_verdicts(const struct nt_qdisc_list *cur, bool have_prev,
			     const struct nt_stack_nl_thresholds *t,
			     struct nt_verdicts *vs, const char *since)
{
	(void)cur;
	(void)have_prev;
	(void)t;
	(void)vs;
	(void)since;
}

void nt_stack_neigh_verdicts(const struct nt_neightbl_list *cur,
			     const struct nt_neightbl_list *prev,
			     const struct nt_stack_nl_thresholds *t,
			     struct nt_verdicts *vs, const char *since)
{
	(void)cur;
	(void)prev;
	(void)t;
	(void)vs;
	(void)since;
}

int nt_stack_nl_hist_put(const struct nt_qdisc_list *q,
			 const struct nt_neightbl_list *t, struct nt_hist *h)
{
	(void)q;
	(void)t;
	(void)h;
	return 0;
}

int nt_stack_nl_hist_get(const struct nt_hist *h, struct nt_qdisc_list *q,
			 struct nt_neightbl_list *t)
{
	(void)h;
	q->n = 0;
	t->n = 0;
	return 0;
}

const struct nt_rectype nt_qdisc_rectype = {
	.json_array = "qdiscs", .prom_prefix = "nettriage_stack_qdisc",
	.size = sizeof(struct nt_qdisc), .avail_off = -1, .subject_off = -1,
};
const struct nt_rectype nt_neightbl_rectype = {
	.json_array = "neigh_tables", .prom_prefix = "nettriage_stack_neigh",
	.size = sizeof(struct nt_neightbl), .avail_off = -1, .subject_off = -1,
};
