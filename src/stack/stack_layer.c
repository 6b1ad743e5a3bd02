/* The stack layer (nt_layer.h): collection policy (the /proc sources, and
 * part B's netlink sources through nt_stack_nl.h, each of which may be
 * "not measured" on its own), the history mapping and the verdicts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nettriage.h"
#include "nt_priv.h"
#include "stack_layer.h"

static int parse_opts(void *st, int argc, char **argv)
{
	struct stack_st *x = st;

	return nt_stack_parse_opts(argc, argv, &x->o);
}

/* History: "stack v1" marks a sample; softnet rows "cpuN s1 cpu processed
 * dropped squeeze"; counters "SET:Name c" (the UDP sets whole, the judged
 * ones of the others). A layout change gets new keys. */
#define H_MARK "v1"
#define H_SN "s1"
#define H_CTR "c"

static bool keep_ctr(int set, const char *name)
{
	static const char *const tcpext[] = {
		"IPReversePathFilter", "TCPMemoryPressures", "TCPAbortOnMemory",
		"TCPTimeWaitOverflow",
	};
	size_t i;

	if (set != NT_SC_TCPEXT)
		return true;
	for (i = 0; i < sizeof(tcpext) / sizeof(tcpext[0]); i++)
		if (!strcmp(name, tcpext[i]))
			return true;
	return false;
}

static int hist_from_sample(struct stack_st *x)
{
	const struct nt_stack_sample *s = &x->cur;
	char subj[64];
	uint64_t v[4];
	size_t i, k;
	int set, r = 0;

	nt_hist_free(&x->h);
	r |= nt_hist_put(&x->h, "stack", H_MARK, 1);
	for (i = 0; i < s->softnet.n; i++) {
		const struct nt_softnet_cpu *c = &s->softnet.v[i];

		v[0] = c->cpu;
		v[1] = c->processed;
		v[2] = c->dropped;
		v[3] = c->time_squeeze;
		r |= nt_hist_put_vec(&x->h, c->subject, H_SN, v, 4);
	}
	for (set = 0; set < NT_SC_COUNT; set++)
		for (k = 0; k < s->ctrs.s[set].n; k++) {
			const struct nt_tcp_ctr *e = &s->ctrs.s[set].v[k];

			if (e->neg || !keep_ctr(set, e->name))
				continue;
			snprintf(subj, sizeof(subj), "%s:%s", nt_stack_ctr_set[set], e->name);
			r |= nt_hist_put(&x->h, subj, H_CTR, e->v);
		}
	if (!x->err_qdisc || !x->err_neigh)
		r |= nt_stack_nl_hist_put(&x->qcur, &x->ncur, &x->h);
	return r ? -ENOMEM : 0;
}

static int sample_from_hist(const struct nt_hist *h, struct nt_stack_sample *s)
{
	size_t e;
	int set;

	for (e = 0; e < h->n; e++) {
		const struct nt_hist_ent *x = &h->e[e];
		const char *colon;

		if (!strcmp(x->key, H_SN) && x->n == 4) {
			struct nt_softnet_cpu *c;

			if (nt_grow(&s->softnet.v, s->softnet.n, &s->softnet.cap,
				    sizeof(*c), 8))
				return -ENOMEM;
			c = &s->softnet.v[s->softnet.n++];
			memset(c, 0, sizeof(*c));
			c->cpu = (uint32_t)x->vec[0];
			c->processed = x->vec[1];
			c->dropped = x->vec[2];
			c->time_squeeze = x->vec[3];
			snprintf(c->subject, sizeof(c->subject), "cpu%u", c->cpu);
			continue;
		}
		if (strcmp(x->key, H_CTR) || x->n != 1 || !(colon = strchr(x->subject, ':')))
			continue;
		for (set = 0; set < NT_SC_COUNT; set++) {
			struct nt_tcp_ctrs *cs = &s->ctrs.s[set];
			struct nt_tcp_ctr *c;
			size_t pl = strlen(nt_stack_ctr_set[set]);

			if ((size_t)(colon - x->subject) != pl ||
			    strncmp(x->subject, nt_stack_ctr_set[set], pl) ||
			    strlen(colon + 1) >= sizeof(c->name))
				continue;
			if (nt_grow(&cs->v, cs->n, &cs->cap, sizeof(*c), 32))
				return -ENOMEM;
			c = &cs->v[cs->n++];
			memset(c, 0, sizeof(*c));
			snprintf(c->name, sizeof(c->name), "%s", colon + 1);
			c->v = x->v;
			cs->present = true;
		}
	}
	return 0;
}

static void clear_sample(struct nt_stack_sample *s)
{
	int i;

	s->softnet.n = 0;
	s->sockstat.n = 0;
	for (i = 0; i < NT_SC_COUNT; i++) {
		s->ctrs.s[i].n = 0;
		s->ctrs.s[i].present = false;
	}
}

static int collect(void *st, struct nt_layer_ctx *c)
{
	struct stack_st *x = st;
	char p[512];

	x->judge_global = !c->not_home;
	clear_sample(&x->cur);
	nt_stack_read(&x->cur, &x->buf, &x->cap);
	if (!x->glim_read) { /* a driver without open: read them here */
		nt_stack_read_glimits(&x->glim);
		x->glim_read = true;
	}
	nt_stack_apply_glimits(&x->cur, &x->glim);
	x->err_qdisc = nt_stack_qdisc_dump(&x->qcur);
	x->err_neigh = nt_stack_neightbl_dump(&x->ncur);
	x->err_udp = 0;
	if (x->o.top)
		x->err_udp = nt_stack_udp_top(&x->udp, x->o.top, x->o.procs);
	if (x->err_qdisc)
		x->qcur.n = 0;
	if (x->err_neigh)
		x->ncur.n = 0;
	if (x->err_udp)
		x->udp.n = 0;
	if (!nt_stack_sources_ok(&x->cur) && x->err_qdisc && x->err_neigh) {
		snprintf(c->why, sizeof(c->why),
			 "cannot measure: %s: %s; RTM_GETQDISC: %s; RTM_GETNEIGHTBL: %s",
			 nt_proc_path("net/softnet_stat", p, sizeof(p)),
			 strerror(-x->cur.err_softnet), strerror(-x->err_qdisc),
			 strerror(-x->err_neigh));
		return x->cur.err_softnet ? x->cur.err_softnet : -ENOENT;
	}
	if (hist_from_sample(x))
		nt_hist_free(&x->h);
	return 0;
}

static bool hist_get(void *st, struct nt_layer_ctx *c, double *dt)
{
	struct stack_st *x = st;
	struct nt_hist old = { 0 };
	double now = nt_now_boot();
	uint64_t mark;
	bool ok = false;

	clear_sample(&x->prev);
	x->qprev.n = x->nprev.n = 0;
	if (nt_hist_load("stack", &c->g->ns, &old) == 0 && now > old.t &&
	    nt_hist_get(&old, "stack", H_MARK, &mark) &&
	    sample_from_hist(&old, &x->prev) == 0 &&
	    nt_stack_nl_hist_get(&old, &x->qprev, &x->nprev) == 0) {
		*dt = now - old.t;
		ok = true;
	} else {
		clear_sample(&x->prev);
	}
	nt_hist_free(&old);
	return ok;
}

static void hist_put(void *st, struct nt_layer_ctx *c)
{
	struct stack_st *x = st;
	int r;

	if (!x->h.n)
		return;
	r = nt_hist_save("stack", &c->g->ns, &x->h);
	if (r && r != -EROFS)
		nt_note("stack", "history file not saved: %s (rate checks of the next run will use since-boot totals)",
			nt_hist_strerror(r));
}

/* Before privileges drop, and (plain run, --all-netns, triage) in the
 * starting namespace; with -N main has entered the namespace already, so
 * the global limits are looked for through pid 1's (nt_stack.h). */
static int open_st(void *st, struct nt_layer_ctx *c)
{
	struct stack_st *x = st;

	(void)c;
	nt_stack_read_glimits(&x->glim);
	x->glim_read = true;
	return 0;
}

static void judge(void *st, const struct nt_baseline *b, struct nt_verdicts *vs)
{
	struct stack_st *x = st;
	const struct nt_stack_sample *prev = b->have ? &x->prev : NULL;

	if (nt_stack_view_build(&x->view, &x->cur, prev, b->dt, &x->o.t))
		x->view.n_ctr = 0;
	nt_stack_verdicts(&x->cur, prev, &x->view, &x->o.t, x->judge_global,
			  b->since, vs);
	if (!x->err_qdisc) {
		nt_stack_qdisc_rates(&x->qcur, b->have ? &x->qprev : NULL, b->dt);
		nt_stack_qdisc_verdicts(&x->qcur, b->have, &x->o.nt, vs, b->since);
	}
	if (!x->err_neigh && x->judge_global)
		nt_stack_neigh_verdicts(&x->ncur, b->have ? &x->nprev : NULL, &x->o.nt,
					vs, b->since);
	nt_stack_udp_name_top(&x->udp, vs);
}

static void rotate(void *st)
{
	struct stack_st *x = st;
	struct nt_stack_sample s = x->prev;
	struct nt_qdisc_list q = x->qprev;
	struct nt_neightbl_list n = x->nprev;

	x->prev = x->cur;
	x->cur = s;
	x->qprev = x->qcur;
	x->qcur = q;
	x->nprev = x->ncur;
	x->ncur = n;
	clear_sample(&x->cur);
	x->qcur.n = 0;
	x->ncur.n = 0;
}

static void free_st(void *st)
{
	struct stack_st *x = st;

	nt_stack_sample_free(&x->cur);
	nt_stack_sample_free(&x->prev);
	nt_qdisc_list_free(&x->qcur);
	nt_qdisc_list_free(&x->qprev);
	nt_udp_list_free(&x->udp);
	nt_stack_view_free(&x->view);
	nt_hist_free(&x->h);
	free(x->buf);
}

/* --procs walks every /proc/PID/fd, as tcp --procs does */
static uint64_t caps(const void *st)
{
	const struct stack_st *x = st;

	return x->o.procs ? NT_CAP(CAP_SYS_PTRACE) | NT_CAP(CAP_DAC_READ_SEARCH) : 0;
}

const struct nt_layer nt_layer_stack = {
	.name = "stack",
	.usage = cmd_stack_usage,
	.opts = &cmd_stack_opts,
	.size = sizeof(struct stack_st),
	.parse_opts = parse_opts,
	.caps = caps,
	.open = open_st,
	.collect = collect,
	.hist_get = hist_get,
	.hist_put = hist_put,
	.judge = judge,
	.table = nt_stack_table,
	.emit = nt_stack_emit,
	.rotate = rotate,
	.free = free_st,
};
