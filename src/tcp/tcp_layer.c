/* The tcp layer (nt_layer.h): collection policy (the sock_diag state dump,
 * the Tcp/TcpExt counters, --procs attribution, the --top dump), the
 * history mapping and the verdicts. No output but non-fatal notes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nettriage.h"
#include "nt_tcp_layer.h"

#define BUF_LEN (256u * 1024) /* /proc/net/netstat is ~5 KiB */

static void run_free(struct nt_tcp_run *r)
{
	nt_tcp_sample_free(&r->s);
	nt_tcp_counters_free(&r->c);
	nt_tcp_top_free(&r->top);
	free(r->cw_top);
	free(r->eph_top);
	free(r->cw_procs);
	nt_tcp_procscan_free(&r->ps);
	memset(r, 0, sizeof(*r));
}

/* net.ipv4.ip_local_port_range of this namespace, which tells a client's
 * port from a service's, and ip_local_reserved_ports. /proc/sys/net is
 * resolved by the netns of the thread that opens it (net_ctl_header_lookup
 * uses current's), so after a thread's setns this is that namespace's.
 * Returns 0, or -errno when the range cannot be read (eph_hi 0: the
 * CLOSE-WAIT grouping assumes the kernel's default; ports not judged). */
static int ephemeral_range(struct nt_tcp_sample *s)
{
	char path[512], text[4096];
	uint16_t lo, hi;
	long n;

	s->eph_lo = s->eph_hi = 0;
	s->eph_resv_ok = false;
	n = nt_read_file(nt_proc_path("sys/net/ipv4/ip_local_port_range", path,
				      sizeof(path)), text, sizeof(text));
	if (n < 0)
		return (int)n;
	if (nt_tcp_parse_port_range(text, (size_t)n, &lo, &hi))
		return -EINVAL;
	s->eph_lo = lo;
	s->eph_hi = hi;
	/* A list longer than the buffer (nt_read_file: -EFBIG; "1,3,5,..."
	 * could reach ~190 KiB), unreadable or malformed: none reserved,
	 * said in the output (reserved_ports null). */
	n = nt_read_file(nt_proc_path("sys/net/ipv4/ip_local_reserved_ports", path,
				      sizeof(path)), text, sizeof(text));
	s->eph_resv_ok = n >= 0 && (size_t)n < sizeof(text) - 1 &&
			 nt_tcp_parse_reserved(text, (size_t)n, s->eph_resv) == 0;
	if (!s->eph_resv_ok)
		memset(s->eph_resv, 0, sizeof(s->eph_resv));
	return 0;
}

/* The state dump, or a canned one from a file (NETTRIAGE_TCP_DIAG: the
 * replies of a SOCK_DIAG_BY_FAMILY dump, for tests without sockets). */
static int dump_states(struct nt_tcp_sample *s)
{
	const char *canned = secure_getenv("NETTRIAGE_TCP_DIAG");
	char *text = NULL;
	size_t cap = 0;
	long n;
	int r;

	if (!canned)
		return nt_tcp_dump_states(s);
	n = nt_read_file_grow(canned, &text, &cap);
	r = n < 0 ? (int)n : nt_tcp_count_buf(s, text, (size_t)n);
	free(text);
	return r;
}

static void counters_note(const struct nt_tcp_counters *c)
{
	char p1[512], p2[512];

	if (!c->err_snmp && !c->err_netstat)
		return;
	nt_proc_path("net/snmp", p1, sizeof(p1));
	nt_proc_path("net/netstat", p2, sizeof(p2));
	if (c->err_snmp && c->err_netstat)
		nt_note("tcp", "%s: %s; %s: %s (no TCP counters)", p1,
			strerror(-c->err_snmp), p2, strerror(-c->err_netstat));
	else if (c->err_snmp)
		nt_note("tcp", "%s: %s (no Tcp counters)", p1,
			c->err_snmp == -ENOENT && c->tcpext.present ?
			"no Tcp: line" : strerror(-c->err_snmp));
	else
		nt_note("tcp", "%s: %s (no TcpExt counters)", p2, strerror(-c->err_netstat));
}

static int cmp_proc(const void *a, const void *b)
{
	const struct nt_tcp_proc_count *x = a, *y = b;

	if (x->sockets != y->sockets)
		return x->sockets > y->sockets ? -1 : 1;
	return x->pid - y->pid;
}

/* CLOSE-WAIT per process from the scan, and owners of the listeners. */
static int attribute(struct nt_tcp_run *r)
{
	size_t i, k;

	for (i = 0; i < r->s.n_listen; i++) {
		struct nt_tcp_listen *l = &r->s.listen[i];
		const struct nt_tcp_owner *o = nt_tcp_owner_find(&r->ps, l->inode);

		if (o && o->pid) {
			l->pid = o->pid;
			snprintf(l->process, sizeof(l->process), "%s", o->process);
			l->avail |= 1;
		}
	}
	r->n_cw_procs = 0;
	for (i = 0; i < r->s.n_cw_inodes; i++) {
		const struct nt_tcp_owner *o = nt_tcp_owner_find(&r->ps, r->s.cw_inodes[i]);
		int32_t pid = o && o->pid ? o->pid : 0;

		for (k = 0; k < r->n_cw_procs; k++)
			if (r->cw_procs[k].pid == pid)
				break;
		if (k == r->n_cw_procs) {
			struct nt_tcp_proc_count *pc;

			if (nt_grow(&r->cw_procs, k, &r->cap_cw_procs,
				    sizeof(*r->cw_procs), 8))
				return -ENOMEM;
			pc = &r->cw_procs[k];
			memset(pc, 0, sizeof(*pc));
			pc->pid = pid;
			snprintf(pc->process, sizeof(pc->process), "%s",
				 pid ? o->process : "(unattributed)");
			r->n_cw_procs++;
		}
		r->cw_procs[k].sockets++;
	}
	if (r->n_cw_procs > 1)
		qsort(r->cw_procs, r->n_cw_procs, sizeof(*r->cw_procs), cmp_proc);
	return 0;
}

/* --procs: who holds the CLOSE-WAIT and listening sockets. A /proc that
 * cannot be read is a note, not a failure: the counts stand. */
static int procs(struct nt_tcp_run *r)
{
	size_t n = r->s.n_cw_inodes + r->s.n_listen, i;
	uint32_t *inodes;
	char root[256];
	int e;

	nt_tcp_procscan_free(&r->ps);
	r->have_ps = false;
	inodes = malloc((n ? n : 1) * sizeof(*inodes));
	if (!inodes)
		return -ENOMEM;
	if (r->s.n_cw_inodes)
		memcpy(inodes, r->s.cw_inodes, r->s.n_cw_inodes * sizeof(*inodes));
	for (i = 0; i < r->s.n_listen; i++)
		inodes[r->s.n_cw_inodes + i] = r->s.listen[i].inode;
	e = nt_tcp_procscan(inodes, n, &r->ps);
	free(inodes);
	if (e) {
		nt_note("tcp", "--procs: %s: %s", nt_proc_path("", root, sizeof(root)),
			strerror(-e));
		return 0;
	}
	r->have_ps = true;
	return attribute(r);
}

/* Room for the named records of the counters judge will make. */
static int reserve_named(struct nt_tcp_named_set *set, size_t n)
{
	struct nt_named *a, *b;

	if (n <= set->cap)
		return 0;
	a = realloc(set->all, n * sizeof(*a));
	if (a)
		set->all = a;
	b = a ? realloc(set->rates, n * sizeof(*b)) : NULL;
	if (!b)
		return -ENOMEM;
	set->rates = b;
	set->cap = n;
	return 0;
}

static void hist_put_ctrs(struct nt_hist *h, const char *subj, const struct nt_tcp_ctrs *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!c->v[i].neg)
			nt_hist_put(h, subj, c->v[i].name, c->v[i].v);
}

static int collect(void *st, struct nt_layer_ctx *c)
{
	struct nt_tcp_st *x = st;
	struct nt_tcp_run *r = &x->cur;
	int e;

	if (!x->buf) {
		x->buf = malloc(BUF_LEN);
		if (!x->buf)
			goto nomem;
		x->blen = BUF_LEN;
	}
	r->s.mask = x->o.mask;
	r->s.keep_inodes = x->o.procs;
	r->s.queue_warn_pct = x->o.t.queue_warn;
	r->eph_err = ephemeral_range(&r->s);
	r->s.eph_on = !r->eph_err && (x->o.mask | (1u << NT_TCP_LISTEN)) == NT_TCP_ALL_STATES;
	e = dump_states(&r->s);
	if (e) {
		snprintf(c->why, sizeof(c->why), "SOCK_DIAG_BY_FAMILY dump: %s", strerror(-e));
		return e;
	}
	nt_tcp_counters_free(&r->c);
	nt_tcp_read_counters(&r->c, x->buf, x->blen);
	counters_note(&r->c);
	if (reserve_named(&x->j.set[0], r->c.tcp.n) ||
	    reserve_named(&x->j.set[1], r->c.tcpext.n))
		goto nomem;
	nt_hist_free(&x->h);
	hist_put_ctrs(&x->h, "Tcp", &r->c.tcp);
	hist_put_ctrs(&x->h, "TcpExt", &r->c.tcpext);
	if (!r->cw_top) {
		r->cw_top = calloc((size_t)x->o.ports, sizeof(*r->cw_top));
		if (!r->cw_top)
			goto nomem;
	}
	r->n_cw_top = nt_tcp_cw_top(&r->s, r->cw_top, (size_t)x->o.ports);
	nt_tcp_eph_info(&r->s, &r->eph);
	if (!r->eph_top) {
		r->eph_top = calloc((size_t)x->o.ports, sizeof(*r->eph_top));
		if (!r->eph_top)
			goto nomem;
	}
	r->n_eph_top = r->s.eph_on ? nt_tcp_eph_top(&r->s, r->eph.usable, r->eph_top,
						    (size_t)x->o.ports) : 0;
	if (x->o.procs && procs(r))
		goto nomem;
	r->have_top = false;
	if (x->o.top) {
		nt_tcp_top_free(&r->top);
		if (nt_tcp_top_init(&r->top, (size_t)x->o.top))
			goto nomem;
		e = nt_tcp_dump_top(&x->o.f, &r->top);
		if (e) {
			snprintf(c->why, sizeof(c->why),
				 "--top: SOCK_DIAG_BY_FAMILY dump with INET_DIAG_INFO%s: %s",
				 x->o.filtered ? " and filter" : "", strerror(-e));
			return e;
		}
		r->have_top = true;
	}
	return 0;
nomem:
	snprintf(c->why, sizeof(c->why), "out of memory");
	return -ENOMEM;
}

/* ---- history: one entry per counter, subject "Tcp" or "TcpExt" ---- */

static int ctrs_from_hist(const struct nt_hist *h, const char *subj, struct nt_tcp_ctrs *c)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		struct nt_tcp_ctr *e;

		if (strcmp(h->e[i].subject, subj))
			continue;
		if (nt_grow(&c->v, c->n, &c->cap, sizeof(*c->v), 64))
			return -ENOMEM;
		e = &c->v[c->n++];
		memset(e, 0, sizeof(*e));
		snprintf(e->name, sizeof(e->name), "%s", h->e[i].key);
		e->v = h->e[i].v;
	}
	c->present = c->n > 0;
	return 0;
}

static bool hist_get(void *st, struct nt_layer_ctx *c, double *dt)
{
	struct nt_tcp_st *x = st;
	struct nt_tcp_counters *p = &x->prev.c;
	struct nt_hist old = { 0 };
	double now = nt_now_boot();
	bool have = false;

	nt_tcp_counters_free(p);
	memset(p, 0, sizeof(*p));
	if (nt_hist_load("tcp", &c->g->ns, &old) == 0 && now > old.t &&
	    ctrs_from_hist(&old, "Tcp", &p->tcp) == 0 &&
	    ctrs_from_hist(&old, "TcpExt", &p->tcpext) == 0 &&
	    (p->tcp.present || p->tcpext.present)) {
		*dt = now - old.t;
		have = true;
	} else {
		nt_tcp_counters_free(p);
	}
	nt_hist_free(&old);
	return have;
}

static void hist_put(void *st, struct nt_layer_ctx *c)
{
	struct nt_tcp_st *x = st;
	int e;

	if (!x->h.n)
		return; /* no counters read: keep the previous run's */
	e = nt_hist_save("tcp", &c->g->ns, &x->h);
	if (e && e != -EROFS)
		nt_note("tcp", "history file not saved: %s (rate checks of the next run will use since-boot totals)",
			nt_hist_strerror(e));
}

/* ---- judge: verdicts, and what the renderers show of them ---- */

static void named_set(struct nt_tcp_named_set *set, const struct nt_tcp_ctrs *c,
		      const struct nt_tcp_ctrs *p, double dt)
{
	set->have = c->present;
	set->have_rates = c->present && p && p->present && dt > 0;
	set->n_all = set->n_rates = 0;
	if (c->n > set->cap)
		return; /* collect could not reserve: shown as none */
	set->n_all = nt_tcp_named(c, p, dt, false, set->all);
	if (set->have_rates)
		set->n_rates = nt_tcp_named(c, p, dt, true, set->rates);
}

static void judge(void *st, const struct nt_baseline *b, struct nt_verdicts *vs)
{
	struct nt_tcp_st *x = st;
	const struct nt_tcp_run *r = &x->cur;
	const struct nt_tcp_counters *pc = b->have ? &x->prev.c : NULL;
	/* since boot, the rates are over the host's uptime */
	double dt = b->have ? b->dt : nt_now_boot();
	struct nt_tcp_retrans *rx = &x->j.rx;
	struct nt_tcp_view v = {
		.s = &r->s, .c = &r->c, .prev = pc, .dt = dt, .since = b->since,
		.cw_top = r->cw_top, .n_cw_top = r->n_cw_top,
		.cw_procs = r->have_ps ? r->cw_procs : NULL,
		.n_cw_procs = r->have_ps ? r->n_cw_procs : 0,
		.eph_top = r->eph_top, .n_eph_top = r->n_eph_top, .eph = &r->eph,
		.eph_err = r->eph_err,
		.eph_judged = (x->o.mask | (1u << NT_TCP_LISTEN)) == NT_TCP_ALL_STATES,
	};

	nt_tcp_verdicts(&v, &x->o.t, vs);
	nt_tcp_ratio(&r->c.tcp, pc ? &pc->tcp : NULL, dt, &rx->ratio_pct, &rx->out_rate,
		     &rx->d_retrans, &rx->d_out);
	nt_tcp_state_counts(&r->s, x->j.states);
	named_set(&x->j.set[0], &r->c.tcp, pc ? &pc->tcp : NULL, dt);
	named_set(&x->j.set[1], &r->c.tcpext, pc ? &pc->tcpext : NULL, dt);
}

static void rotate(void *st)
{
	struct nt_tcp_st *x = st;
	struct nt_tcp_run tmp = x->prev;

	x->prev = x->cur;
	x->cur = tmp;
}

static void free_st(void *st)
{
	struct nt_tcp_st *x = st;
	size_t i;

	run_free(&x->cur);
	run_free(&x->prev);
	nt_hist_free(&x->h);
	free(x->buf);
	for (i = 0; i < 2; i++) {
		free(x->j.set[i].all);
		free(x->j.set[i].rates);
	}
	memset(x, 0, sizeof(*x));
}

const struct nt_layer nt_layer_tcp = {
	.name = "tcp",
	.usage = cmd_tcp_usage,
	.opts = &cmd_tcp_opts,
	.size = sizeof(struct nt_tcp_st),
	.parse_opts = nt_tcp_layer_opts,
	.caps = nt_tcp_layer_caps,
	.open = NULL,
	.collect = collect,
	.hist_get = hist_get,
	.hist_put = hist_put,
	.judge = judge,
	.table = nt_tcp_layer_table,
	.emit = nt_tcp_layer_emit,
	.rotate = rotate,
	.free = free_st,
};
