/* nettriage tcp: TCP states, retransmits, CLOSE-WAIT leaks, accept queues. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "nettriage.h"
#include "nt_cmd.h"
#include "nt_priv.h"
#include "nt_history.h"
#include "nt_tcp.h"
#include "nt_sample.h"

const char cmd_tcp_usage[] =
	"usage: nettriage tcp [OPTIONS]\n\n"
	"TCP state histogram (one sock_diag dump per family, no extensions),\n"
	"counters from /proc/net/snmp and /proc/net/netstat, the retransmit ratio,\n"
	"CLOSE-WAIT sockets by local port (and process), accept-queue fill of every\n"
	"listener, and per-socket retransmit detail when asked. Without -i, rates\n"
	"compare with the previous run in this namespace.\n\n"
	"Options:\n"
	"  -a, --all                show every counter in the table (TcpExt too)\n"
	"  -s, --state LIST         count only these states (comma-separated; e.g.\n"
	"                           established,time-wait; default all)\n"
	"  -p, --ports N            CLOSE-WAIT: top N local ports (default 5)\n"
	"  -P, --procs              attribute CLOSE-WAIT and listeners to processes\n"
	"                           (reads every /proc/PID/fd)\n"
	"  -t, --top N              the N sockets with the most retransmits\n"
	"                           (INET_DIAG_INFO; a second dump)\n"
	"      --dst ADDR[/LEN]     --top: only sockets to this peer (kernel filter)\n"
	"      --dport PORT         --top: only this peer port (kernel filter)\n"
	"      --sport PORT         --top: only this local port (kernel filter)\n"
	"      --warn PCT           retransmit ratio WARN above PCT (default 1)\n"
	"      --crit PCT           retransmit ratio CRIT above PCT (default 5)\n"
	"      --min-rate SEGS      judge the ratio only at SEGS segments/s sent\n"
	"                           or more (default 100)\n"
	"      --warn-close-wait N  CLOSE-WAIT sockets WARN at N (default 100)\n"
	"      --crit-close-wait N  CLOSE-WAIT sockets CRIT at N (default 1000)\n"
	"      --queue-warn PCT     accept queue WARN at PCT of backlog (default 90)\n"
	"  -h, --help               this help\n";

#define TOP_MAX 100000

struct tcp_opts {
	bool all, procs;
	uint32_t mask;
	long ports;
	long top;
	struct nt_tcp_filter f;
	bool filtered;
	struct nt_tcp_thresholds t;
};

/* Everything one sample collects. */
struct tcp_run {
	struct nt_tcp_sample s;
	struct nt_tcp_counters c;
	struct nt_tcp_top top;
	bool have_top;
	struct nt_tcp_port_count *cw_top;
	size_t n_cw_top;
	struct nt_tcp_proc_count *cw_procs;
	size_t n_cw_procs, cap_cw_procs;
	struct nt_tcp_procscan ps;
	bool have_ps;
	int ps_err;
};

static void run_free(struct tcp_run *r)
{
	nt_tcp_sample_free(&r->s);
	nt_tcp_counters_free(&r->c);
	nt_tcp_top_free(&r->top);
	free(r->cw_top);
	free(r->cw_procs);
	nt_tcp_procscan_free(&r->ps);
	memset(r, 0, sizeof(*r));
}

static const struct option opts_long[] = {
	{ "all", no_argument, NULL, 'a' },
	{ "state", required_argument, NULL, 's' },
	{ "ports", required_argument, NULL, 'p' },
	{ "procs", no_argument, NULL, 'P' },
	{ "top", required_argument, NULL, 't' },
	{ "dst", required_argument, NULL, 'D' },
	{ "dport", required_argument, NULL, 'd' },
	{ "sport", required_argument, NULL, 'S' },
	{ "warn", required_argument, NULL, 'W' },
	{ "crit", required_argument, NULL, 'C' },
	{ "min-rate", required_argument, NULL, 'm' },
	{ "warn-close-wait", required_argument, NULL, 'w' },
	{ "crit-close-wait", required_argument, NULL, 'x' },
	{ "queue-warn", required_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

const struct nt_cmd_opts cmd_tcp_opts = { "+as:p:Pt:h", opts_long };

static int parse_opts(int argc, char **argv, struct tcp_opts *o)
{
	const char *bad;
	long v;
	int c;

	o->mask = NT_TCP_ALL_STATES;
	o->ports = 5;
	o->f.dport = o->f.sport = -1;
	nt_tcp_thresholds_default(&o->t);
	opterr = 0;
	while ((c = getopt_long(argc, argv, cmd_tcp_opts.shortopts, opts_long, NULL)) != -1) {
		switch (c) {
		case 'a': o->all = true; break;
		case 'P': o->procs = true; break;
		case 'h':
			fputs(cmd_tcp_usage, stdout);
			putchar('\n');
			nt_usage_globals(stdout);
			return 1;
		case 's':
			if (nt_tcp_parse_states(optarg, &o->mask, &bad)) {
				nt_err("tcp", "--state: unknown TCP state: %s (known: established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait, close, close-wait, last-ack, listen, closing, new-syn-recv, all)",
				       *bad ? bad : "(empty)");
				return -1;
			}
			break;
		case 'p':
			if (nt_opt_long("tcp", "--ports", optarg, 1, 65536, &o->ports))
				return -1;
			break;
		case 't':
			if (nt_opt_long("tcp", "--top", optarg, 1, TOP_MAX, &o->top))
				return -1;
			break;
		case 'D':
			if (nt_tcp_parse_dst(optarg, &o->f)) {
				nt_err("tcp", "--dst: not an IPv4/IPv6 address or prefix: %s", optarg);
				return -1;
			}
			o->filtered = true;
			break;
		case 'd':
		case 'S':
			if (nt_opt_port("tcp", c == 'd' ? "--dport" : "--sport", optarg, &v))
				return -1;
			if (c == 'd')
				o->f.dport = (int32_t)v;
			else
				o->f.sport = (int32_t)v;
			o->filtered = true;
			break;
		case 'W':
			if (nt_opt_double("tcp", "--warn", optarg, 0, 100, &o->t.warn_retrans))
				return -1;
			break;
		case 'C':
			if (nt_opt_double("tcp", "--crit", optarg, 0, 100, &o->t.crit_retrans))
				return -1;
			break;
		case 'm':
			if (nt_opt_double("tcp", "--min-rate", optarg, 0, 1e12, &o->t.min_rate))
				return -1;
			break;
		case 'w':
			if (nt_opt_double("tcp", "--warn-close-wait", optarg, 0, 1e12, &o->t.warn_cw))
				return -1;
			break;
		case 'x':
			if (nt_opt_double("tcp", "--crit-close-wait", optarg, 0, 1e12, &o->t.crit_cw))
				return -1;
			break;
		case 'q':
			if (nt_opt_double("tcp", "--queue-warn", optarg, 0, 1000, &o->t.queue_warn))
				return -1;
			break;
		default:
			if (optopt && strchr("sptPa", optopt))
				nt_err("tcp", "-%c: missing argument", optopt);
			else
				nt_err("tcp", "unknown option or missing argument: %s (see nettriage tcp --help)",
				       argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		nt_err("tcp", "unexpected argument: %s (see nettriage tcp --help)", argv[optind]);
		return -1;
	}
	if (o->t.warn_retrans > o->t.crit_retrans) {
		nt_err("tcp", "--warn %g is above --crit %g", o->t.warn_retrans, o->t.crit_retrans);
		return -1;
	}
	if (o->t.warn_cw > o->t.crit_cw) {
		nt_err("tcp", "--warn-close-wait %g is above --crit-close-wait %g",
		       o->t.warn_cw, o->t.crit_cw);
		return -1;
	}
	if (o->filtered && !o->top)
		o->top = 10; /* a filter asks for per-socket detail */
	return 0;
}

static int cmp_proc(const void *a, const void *b)
{
	const struct nt_tcp_proc_count *x = a, *y = b;

	if (x->sockets != y->sockets)
		return x->sockets > y->sockets ? -1 : 1;
	return x->pid - y->pid;
}

/* CLOSE-WAIT per process from the scan, and owners of the listeners. */
static int attribute(struct tcp_run *r)
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
	qsort(r->cw_procs, r->n_cw_procs, sizeof(*r->cw_procs), cmp_proc);
	return 0;
}

/* One sample. Returns 0 or an exit status (message printed). */
static int sample(const struct tcp_opts *o, struct tcp_run *r, char *buf, size_t blen)
{
	int e;

	r->s.mask = o->mask;
	r->s.keep_inodes = o->procs;
	r->s.queue_warn_pct = o->t.queue_warn;
	e = nt_tcp_dump_states(&r->s);
	if (e) {
		nt_err("tcp", "SOCK_DIAG_BY_FAMILY dump: %s", strerror(-e));
		return NT_EXIT_UNKNOWN;
	}
	nt_tcp_counters_free(&r->c);
	nt_tcp_read_counters(&r->c, buf, blen);
	if (r->c.err_snmp || r->c.err_netstat) {
		char p1[512], p2[512];

		nt_proc_path("net/snmp", p1, sizeof(p1));
		nt_proc_path("net/netstat", p2, sizeof(p2));
		if (r->c.err_snmp && r->c.err_netstat)
			nt_err("tcp", "%s: %s; %s: %s (no TCP counters)", p1,
			       strerror(-r->c.err_snmp), p2, strerror(-r->c.err_netstat));
		else if (r->c.err_snmp)
			nt_err("tcp", "%s: %s (no Tcp counters)", p1,
			       r->c.err_snmp == -ENOENT && r->c.tcpext.present ?
			       "no Tcp: line" : strerror(-r->c.err_snmp));
		else
			nt_err("tcp", "%s: %s (no TcpExt counters)", p2,
			       strerror(-r->c.err_netstat));
	}
	if (!r->cw_top) {
		r->cw_top = calloc((size_t)o->ports, sizeof(*r->cw_top));
		if (!r->cw_top) {
			nt_err("tcp", "out of memory");
			return NT_EXIT_UNKNOWN;
		}
	}
	r->n_cw_top = nt_tcp_cw_top(&r->s, r->cw_top, (size_t)o->ports);
	if (o->procs) {
		uint32_t *inodes;
		size_t n = r->s.n_cw_inodes + r->s.n_listen, i;

		nt_tcp_procscan_free(&r->ps);
		inodes = malloc((n ? n : 1) * sizeof(*inodes));
		if (!inodes) {
			nt_err("tcp", "out of memory");
			return NT_EXIT_UNKNOWN;
		}
		memcpy(inodes, r->s.cw_inodes, r->s.n_cw_inodes * sizeof(*inodes));
		for (i = 0; i < r->s.n_listen; i++)
			inodes[r->s.n_cw_inodes + i] = r->s.listen[i].inode;
		r->ps_err = nt_tcp_procscan(inodes, n, &r->ps);
		free(inodes);
		r->have_ps = r->ps_err == 0;
		if (r->ps_err) {
			char root[256];

			nt_err("tcp", "--procs: %s: %s", nt_proc_path("", root, sizeof(root)),
			       strerror(-r->ps_err));
		} else if (attribute(r)) {
			nt_err("tcp", "out of memory");
			return NT_EXIT_UNKNOWN;
		}
	}
	if (o->top) {
		nt_tcp_top_free(&r->top);
		if (nt_tcp_top_init(&r->top, (size_t)o->top)) {
			nt_err("tcp", "out of memory");
			return NT_EXIT_UNKNOWN;
		}
		e = nt_tcp_dump_top(&o->f, &r->top);
		if (e) {
			nt_err("tcp", "--top: SOCK_DIAG_BY_FAMILY dump with INET_DIAG_INFO%s: %s",
			       o->filtered ? " and filter" : "", strerror(-e));
			return NT_EXIT_UNKNOWN;
		}
		r->have_top = true;
	}
	return 0;
}

/* ---- history ---- */

static void hist_put_ctrs(struct nt_hist *h, const char *subj, const struct nt_tcp_ctrs *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!c->v[i].neg)
			nt_hist_put(h, subj, c->v[i].name, c->v[i].v);
}

static int ctrs_from_hist(const struct nt_hist *h, const char *subj, struct nt_tcp_ctrs *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
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

/* ---- rendering ---- */

static json_t *ctrs_json(const struct nt_tcp_ctrs *c)
{
	json_t *o;
	size_t i;

	if (!c->present)
		return json_null();
	o = json_object();
	for (i = 0; i < c->n; i++) {
		json_int_t v = c->v[i].v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)c->v[i].v;

		json_object_set_new(o, c->v[i].name, json_integer(c->v[i].neg ? -v : v));
	}
	return o;
}

static json_t *rates_json(const struct nt_tcp_ctrs *c, const struct nt_tcp_ctrs *p,
			  double dt)
{
	json_t *o;
	size_t i;

	if (!c->present || !p || !p->present || !(dt > 0))
		return json_null();
	o = json_object();
	for (i = 0; i < c->n; i++) {
		uint64_t d;

		if (nt_tcp_ctr_is_gauge(c->v[i].name))
			continue;
		if (nt_tcp_ctr_delta(c, p, c->v[i].name, &d))
			json_object_set_new(o, c->v[i].name, json_real((double)d / dt));
		else
			json_object_set_new(o, c->v[i].name, json_null());
	}
	return o;
}

static void prom_netns(FILE *f, const struct nt_global *g, bool more)
{
	if (!g->netns)
		return;
	fputs("netns=\"", f);
	nt_prom_escape(f, g->netns);
	fputs(more ? "\"," : "\"", f);
}

/* Kernel counters kept in milliseconds: exported in seconds. */
static bool ctr_in_ms(const char *name)
{
	return !strcmp(name, "RtoMin") || !strcmp(name, "RtoMax") ||
	       !strcmp(name, "TCPMemoryPressuresChrono");
}

static void prom_ctrs(FILE *f, const struct nt_global *g, const char *prefix,
		      const char *file, const struct nt_tcp_ctrs *c)
{
	size_t i, j;

	for (i = 0; i < c->n; i++) {
		const struct nt_tcp_ctr *e = &c->v[i];
		bool gauge = nt_tcp_ctr_is_gauge(e->name);
		char snake[96], other[96];
		const char *unit;
		bool dup = false, ms;

		if (nt_tcp_snake(e->name, snake, sizeof(snake)))
			continue;
		/* two kernel names that fold to one metric name: keep the first */
		for (j = 0; j < i && !dup; j++)
			dup = !nt_tcp_snake(c->v[j].name, other, sizeof(other)) &&
			      !strcmp(snake, other);
		if (dup)
			continue;
		ms = ctr_in_ms(e->name);
		unit = ms ? (gauge ? "_seconds" : "_seconds_total") : (gauge ? "" : "_total");
		fprintf(f, "# HELP %s_%s%s %s %s%s\n", prefix, snake, unit, file,
			e->name, ms ? " (kept in ms, exported in seconds)" : "");
		fprintf(f, "# TYPE %s_%s%s %s\n", prefix, snake, unit,
			gauge ? "gauge" : "counter");
		fprintf(f, "%s_%s%s", prefix, snake, unit);
		if (g->netns) {
			fputc('{', f);
			prom_netns(f, g, false);
			fputc('}', f);
		}
		if (ms)
			nt_prom_value(f, (e->neg ? -1.0 : 1.0) * (double)e->v / 1000.0);
		else
			fprintf(f, " %s%" PRIu64 "\n", e->neg ? "-" : "", e->v);
	}
}

struct render_ctx {
	const struct nt_global *g;
	const struct tcp_opts *o;
	const struct tcp_run *r;
	const struct nt_tcp_counters *prev; /* NULL: since boot */
	const char *baseline;               /* "interval", "history", "boot" */
	double dt;
	long sample;
	const struct nt_verdicts *vs;
};

static const char *hl_tcp[] = { "ActiveOpens", "PassiveOpens", "AttemptFails",
	"EstabResets", "CurrEstab", "InSegs", "OutSegs", "RetransSegs", "InErrs",
	"OutRsts", "InCsumErrors", NULL };
static const char *hl_ext[] = { "TCPTimeouts", "TCPLostRetransmit", "TCPSynRetrans",
	"TCPFastRetrans", "ListenOverflows", "ListenDrops", "TCPBacklogDrop",
	"TCPAbortOnTimeout", "TCPAbortOnData", "TCPAbortOnMemory", "TCPRcvQDrop", NULL };

static bool in_list(const char *const *l, const char *n)
{
	for (; *l; l++)
		if (!strcmp(*l, n))
			return true;
	return false;
}

static void table_ctrs(const struct render_ctx *x, const char *file,
		       const struct nt_tcp_ctrs *c, const struct nt_tcp_ctrs *p,
		       const char *const *hl)
{
	bool rates = p && strcmp(x->baseline, "boot");
	size_t i;

	for (i = 0; i < c->n; i++) {
		const struct nt_tcp_ctr *e = &c->v[i];
		uint64_t d;
		char num[48];

		if (!x->o->all && !in_list(hl, e->name))
			continue;
		snprintf(num, sizeof(num), "%s%" PRIu64, e->neg ? "-" : "", e->v);
		printf("  %-6s %-26s %14s", file, e->name, num);
		if (rates && !nt_tcp_ctr_is_gauge(e->name) && nt_tcp_ctr_delta(c, p, e->name, &d))
			printf(" %12" PRIu64 " %12.2f/s", d, x->dt > 0 ? (double)d / x->dt : 0.0);
		putchar('\n');
	}
}

static void render_table(const struct render_ctx *x, double ratio, double rate,
			 uint64_t dr, uint64_t dout)
{
	const struct tcp_run *r = x->r;
	const struct nt_tcp_sample *s = &r->s;
	bool rates = strcmp(x->baseline, "boot") != 0;
	char ts[40];
	size_t i;
	int col = 0;

	nt_timestamp_iso(ts, sizeof(ts));
	if (x->sample > 0)
		putchar('\n');
	printf("tcp: %" PRIu64 " sockets (IPv4 %" PRIu64 ", IPv6 %" PRIu64 ")%s, %s\n",
	       s->total, s->v4, s->v6,
	       s->mask == NT_TCP_ALL_STATES ? "" : " in the states asked for", ts);
	printf("states:");
	for (i = 0; i < NT_TCP_NSTATES; i++) {
		if (!(s->mask & (1u << (i + 1))))
			continue;
		if (col == 6) {
			printf("\n       ");
			col = 0;
		}
		printf(" %s %" PRIu64, nt_tcp_state_names[i], s->states[i]);
		col++;
	}
	putchar('\n');
	if (!rates)
		printf("baseline: since-boot totals (no previous run in this namespace%s)\n",
		       x->g->interval > 0 ? "" : "; rates need -i or a second run");
	else
		printf("baseline: %s, %.2f s ago\n", x->baseline, x->dt);
	if (r->c.tcp.present || r->c.tcpext.present) {
		printf("  %-6s %-26s %14s%s\n", "FILE", "COUNTER", "TOTAL",
		       rates ? "        DELTA         RATE" : "");
		table_ctrs(x, "Tcp", &r->c.tcp, x->prev ? &x->prev->tcp : NULL, hl_tcp);
		table_ctrs(x, "TcpExt", &r->c.tcpext, x->prev ? &x->prev->tcpext : NULL, hl_ext);
	}
	if (!r->c.tcp.present)
		printf("retransmit ratio: not computable (no Tcp counters)\n");
	else if (!isfinite(rate))
		printf("retransmit ratio: not computable (counters went down since the baseline)\n");
	else if (isnan(ratio))
		printf("retransmit ratio: not computable (no segments sent %s)\n",
		       rates ? "since the baseline" : "since boot");
	else
		printf("retransmit ratio: %.3f%% (%" PRIu64 " retransmitted / %" PRIu64
		       " sent, %.1f segs/s) %s\n", ratio, dr, dout, rate,
		       rates ? "since the baseline" : "since boot");
	if (s->mask & (1u << NT_TCP_CLOSE_WAIT)) {
		printf("\nCLOSE-WAIT: %" PRIu64 " sockets%s\n", s->states[NT_TCP_CLOSE_WAIT - 1],
		       r->n_cw_top ? ", by local port:" : "");
		if (r->n_cw_top)
			nt_table_print(stdout, &nt_tcp_cw_rectype, r->cw_top, r->n_cw_top,
				       NT_F_ID | NT_F_INFO | NT_F_DEF, NULL, x->g->color);
		if (r->have_ps && r->n_cw_procs) {
			printf("CLOSE-WAIT by process:\n");
			nt_table_print(stdout, &nt_tcp_cwproc_rectype, r->cw_procs,
				       r->n_cw_procs, NT_F_ID | NT_F_INFO | NT_F_DEF, NULL,
				       x->g->color);
		}
	}
	if (r->have_ps && r->ps.n_unreadable) {
		printf("--procs: fd tables of %zu of %u processes not readable (pids",
		       r->ps.n_unreadable, r->ps.nprocs);
		for (i = 0; i < r->ps.n_unreadable && i < 20; i++)
			printf(" %d", r->ps.unreadable[i]);
		printf("%s)\n", r->ps.n_unreadable > 20 ? " ..." : "");
	}
	if ((s->mask & (1u << NT_TCP_LISTEN)) && s->n_listen) {
		printf("\nlisteners: %zu (accept queue vs backlog)\n", s->n_listen);
		nt_table_print(stdout, &nt_tcp_listen_rectype, s->listen, s->n_listen,
			       NT_F_ID | NT_F_INFO | NT_F_DEF, x->vs, x->g->color);
	}
	if (r->have_top) {
		printf("\ntop %zu sockets by retransmits (of %" PRIu64 " examined%s)\n",
		       r->top.n, r->top.seen, x->o->filtered ? ", kernel-filtered" : "");
		if (r->top.n)
			nt_table_print(stdout, &nt_tcp_sock_rectype, r->top.v, r->top.n,
				       NT_F_ID | NT_F_INFO | NT_F_DEF, NULL, x->g->color);
	}
	putchar('\n');
}

static int render(const struct render_ctx *x)
{
	const struct tcp_run *r = x->r;
	const struct nt_tcp_sample *s = &r->s;
	double ratio, rate;
	uint64_t dr, dout;
	struct nt_doc d;
	size_t i;
	int e;

	nt_tcp_ratio(&r->c.tcp, x->prev ? &x->prev->tcp : NULL, x->dt, &ratio, &rate,
		     &dr, &dout);
	if (x->g->format == NT_FMT_TABLE && !x->g->quiet)
		render_table(x, ratio, rate, dr, dout);
	if (x->g->format == NT_FMT_TABLE)
		nt_verdicts_print(stdout, "tcp", x->vs, x->g->color, x->g->quiet);
	if (x->g->format == NT_FMT_TABLE && !x->g->prom_file)
		return 0;

	e = nt_doc_init(&d, "tcp", x->g);
	if (e)
		return e;
	if (d.json) {
		json_t *st = json_object(), *fam;

		for (i = 0; i < NT_TCP_NSTATES; i++)
			json_object_set_new(st, nt_tcp_state_names[i],
					    (s->mask & (1u << (i + 1))) ?
					    json_integer((json_int_t)s->states[i]) : json_null());
		nt_doc_set(&d, "states", st);
		nt_doc_set(&d, "total", json_integer((json_int_t)s->total));
		fam = json_pack("{s:I, s:I}", "ipv4", (json_int_t)s->v4, "ipv6",
				(json_int_t)s->v6);
		nt_doc_set(&d, "families", fam);
		nt_doc_set(&d, "counters", json_pack("{s:o, s:o}", "tcp", ctrs_json(&r->c.tcp),
						     "tcpext", ctrs_json(&r->c.tcpext)));
		nt_doc_set(&d, "baseline", nt_baseline_json(x->baseline, x->dt, &x->g->ns));
		nt_doc_set(&d, "retrans_ratio_pct", isfinite(ratio) ? json_real(ratio) : json_null());
		/* rate is NaN exactly when the counters gave no usable window
		 * (missing, or gone down since the baseline) */
		nt_doc_set(&d, "retrans_window", isfinite(rate) ?
			   json_pack("{s:I, s:I, s:f}", "retrans_segs", (json_int_t)dr,
				     "out_segs", (json_int_t)dout, "out_segs_per_sec", rate) :
			   json_null());
		nt_doc_set(&d, "rates", json_pack("{s:o, s:o}",
			   "tcp", rates_json(&r->c.tcp, x->prev ? &x->prev->tcp : NULL, x->dt),
			   "tcpext", rates_json(&r->c.tcpext, x->prev ? &x->prev->tcpext : NULL,
						x->dt)));
		nt_doc_set(&d, "sample", json_integer(x->sample));
	}
	if (d.prom) {
		FILE *f = d.prom;

		fputs("# HELP nettriage_tcp_sockets TCP sockets by state (sock_diag, this namespace)\n"
		      "# TYPE nettriage_tcp_sockets gauge\n", f);
		for (i = 0; i < NT_TCP_NSTATES; i++) {
			if (!(s->mask & (1u << (i + 1))))
				continue;
			fputs("nettriage_tcp_sockets{", f);
			prom_netns(f, x->g, true);
			fprintf(f, "state=\"%s\"} %" PRIu64 "\n", nt_tcp_state_names[i],
				s->states[i]);
		}
		prom_ctrs(f, x->g, "nettriage_tcp", "/proc/net/snmp Tcp", &r->c.tcp);
		prom_ctrs(f, x->g, "nettriage_tcpext", "/proc/net/netstat TcpExt", &r->c.tcpext);
		if (isfinite(ratio)) {
			fputs("# HELP nettriage_tcp_retrans_ratio RetransSegs / OutSegs over the baseline, 0..1\n"
			      "# TYPE nettriage_tcp_retrans_ratio gauge\n"
			      "nettriage_tcp_retrans_ratio", f);
			if (x->g->netns) {
				fputc('{', f);
				prom_netns(f, x->g, false);
				fputc('}', f);
			}
			nt_prom_value(f, ratio / 100.0);
		}
	}
	nt_doc_records(&d, &nt_tcp_cw_rectype, r->cw_top, r->n_cw_top,
		       NT_F_ID | NT_F_INFO);
	if (x->o->procs && r->have_ps) {
		nt_doc_records(&d, &nt_tcp_cwproc_rectype, r->cw_procs, r->n_cw_procs,
			       NT_F_ID | NT_F_INFO);
		if (d.json) {
			json_t *a = json_array();

			for (i = 0; i < r->ps.n_unreadable; i++)
				json_array_append_new(a, json_integer(r->ps.unreadable[i]));
			nt_doc_set(&d, "procs_unreadable", a);
		}
	}
	nt_doc_records(&d, &nt_tcp_listen_rectype, s->listen, s->n_listen,
		       NT_F_ID | NT_F_INFO);
	if (r->have_top)
		nt_doc_records(&d, &nt_tcp_sock_rectype, r->top.v, r->top.n,
			       NT_F_ID | NT_F_INFO);
	else
		nt_doc_set(&d, "top_sockets", json_null());
	nt_doc_verdicts(&d, x->vs);
	e = nt_doc_emit(&d);
	nt_doc_free(&d);
	return e;
}

static void view_of(const struct tcp_run *r, const struct nt_tcp_counters *prev,
		    double dt, const char *since, struct nt_tcp_view *v)
{
	memset(v, 0, sizeof(*v));
	v->s = &r->s;
	v->c = &r->c;
	v->prev = prev;
	v->dt = dt;
	v->since = since;
	v->cw_top = r->cw_top;
	v->n_cw_top = r->n_cw_top;
	v->cw_procs = r->have_ps ? r->cw_procs : NULL;
	v->n_cw_procs = r->have_ps ? r->n_cw_procs : 0;
}

static void save_hist(const struct nt_global *g, const struct tcp_run *r)
{
	struct nt_hist h = { 0 };
	int e;

	if (!r->c.tcp.present && !r->c.tcpext.present)
		return;
	hist_put_ctrs(&h, "Tcp", &r->c.tcp);
	hist_put_ctrs(&h, "TcpExt", &r->c.tcpext);
	e = nt_hist_save("tcp", &g->ns, &h);
	if (e && e != -EROFS)
		nt_note("tcp", "history file not saved: %s (rate checks of the next run will use since-boot totals)",
			nt_hist_strerror(e));
	nt_hist_free(&h);
}

struct tcp_state {
	const struct nt_global *g;
	struct tcp_opts o;
	struct tcp_run cur, prev;
	struct nt_tcp_counters hist; /* the previous run's counters */
	struct nt_verdicts vs;
	char *buf;
	size_t blen;
};

static int take(void *data)
{
	struct tcp_state *x = data;

	return sample(&x->o, &x->cur, x->buf, x->blen);
}

static bool history(void *data, double *dt)
{
	struct tcp_state *x = data;
	struct nt_hist old = { 0 };
	bool have = false;

	nt_tcp_counters_free(&x->hist);
	memset(&x->hist, 0, sizeof(x->hist));
	if (nt_hist_load("tcp", &x->g->ns, &old) == 0 &&
	    nt_now_boot() > old.t &&
	    ctrs_from_hist(&old, "Tcp", &x->hist.tcp) == 0 &&
	    ctrs_from_hist(&old, "TcpExt", &x->hist.tcpext) == 0 &&
	    (x->hist.tcp.present || x->hist.tcpext.present)) {
		*dt = nt_now_boot() - old.t;
		have = true;
	}
	nt_hist_free(&old);
	return have;
}

static int judge(void *data, const struct nt_baseline *b, enum nt_level *level)
{
	struct tcp_state *x = data;
	const struct nt_tcp_counters *pc = !b->have ? NULL :
		b->sample ? &x->prev.c : &x->hist;
	/* since boot, the rates are over the host's uptime */
	double dt = b->have ? b->dt : nt_now_boot();
	struct nt_tcp_view v;
	struct render_ctx rc;
	int r;

	view_of(&x->cur, pc, dt, b->since, &v);
	nt_verdicts_reset(&x->vs);
	nt_tcp_verdicts(&v, &x->o.t, &x->vs);
	*level = nt_verdicts_worst(&x->vs);
	rc = (struct render_ctx){ x->g, &x->o, &x->cur, pc, b->kind, v.dt,
				  b->sample, &x->vs };
	r = render(&rc);
	if (r) {
		if (r != -EIO) /* a failed stdout is reported by main */
			nt_err("tcp", "output: %s", strerror(-r));
		return NT_EXIT_UNKNOWN;
	}
	return 0;
}

static void rotate(void *data)
{
	struct tcp_state *x = data;
	struct tcp_run tmp = x->prev;

	x->prev = x->cur;
	x->cur = tmp;
}

static void save(void *data)
{
	struct tcp_state *x = data;

	/* after rotate, the newest sample is prev */
	save_hist(x->g, &x->prev);
}

static const struct nt_sampler tcp_sampler = { take, history, judge, rotate, save };

int cmd_tcp(int argc, char **argv, struct nt_global *g)
{
	struct tcp_state x = { .g = g, .blen = 256 * 1024 };
	int rc, r;

	r = parse_opts(argc, argv, &x.o);
	if (r)
		return r > 0 ? NT_EXIT_OK : NT_EXIT_USAGE;
	if ((r = nt_priv_restrict("tcp", g, x.o.procs ? NT_CAP(CAP_SYS_PTRACE) | NT_CAP(CAP_DAC_READ_SEARCH) : 0)))
		return r;
	x.buf = malloc(x.blen);
	if (!x.buf) {
		nt_err("tcp", "out of memory");
		return NT_EXIT_UNKNOWN;
	}
	rc = nt_sample_run(g, &tcp_sampler, &x);
	free(x.buf);
	nt_verdicts_free(&x.vs);
	nt_tcp_counters_free(&x.hist);
	run_free(&x.cur);
	run_free(&x.prev);
	return rc;
}
