/* The path layer (nt_layer.h): hop-by-hop loss and latency to ONE target.
 *
 * For triage, one state per target:
 *   parse_opts(st, argc, argv)  argv {"path", OPTION..., "--", "HOST[:PORT]"}:
 *                 path's own options (canonical or --key=value, e.g.
 *                 "--udp", "--max-loss=20"); -n is not one of them:
 *                 reverse DNS follows g->numeric of collect. Resets
 *                 getopt (optind = 0) itself. The operand is copied.
 *   caps          CAP_NET_RAW: what open uses for a raw ICMP socket (ICMP
 *                 where ping sockets are not allowed; UDP's receive socket,
 *                 optional). After open: CAP_NET_RAW only if a raw socket
 *                 was taken. collect needs no capability.
 *   open          in the privileged main thread: the probe sockets only.
 *                 No uid, gid or capability change (the path command drops
 *                 to nobody itself, after open), no name resolved.
 *   collect       after the drop, in any thread, several at once: resolve
 *                 (getaddrinfo), g->count cycles (10) every g->interval s
 *                 (1), reverse DNS unless g->numeric within rdns_budget
 *                 (1 s after the run), no output. Once per state; a later
 *                 call keeps the result. A stop signal (nt_stop) ends the
 *                 run with the results so far; each thread sees it within
 *                 one ppoll wait (<= max(interval, timeout)).
 *   judge         path.reach, path.loss, path.p99 (with --max-p99) and
 *                 path.hop_loss, subject the target as given (HOST).
 *   table / emit  the `path --report` table; the keys of `path -j`.
 *   hist_get, hist_put, rotate none: path has no history.
 * The state holds everything of its run (prober, model, lookups): nothing
 * here or in probes/ is process-global but the read-only nt_stop. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nettriage.h"
#include "nt_layer.h"
#include "nt_priv.h"
#include "path_int.h"

static int parse_opts(void *st, int argc, char **argv)
{
	return nt_path_parse_opts(st, argc, argv);
}

/* What open uses: a raw ICMP socket, the probe socket of ICMP mode where
 * ping sockets are not allowed and the receive socket of UDP mode
 * (udp+raw). Before open that is CAP_NET_RAW in either mode; after it,
 * CAP_NET_RAW only when a raw socket was taken. collect needs none. */
static uint64_t caps(const void *st)
{
	const struct path_st *x = st;

	if (x->pr && !nt_probe_has_raw(x->pr))
		return 0;
	return NT_CAP(CAP_NET_RAW);
}

/* The reason of a socket failure: the ICMP one names the fixes. */
static void sock_why(const struct path_st *x, char *why, size_t len,
		     const char *what, int r)
{
	if (x->o.po.mode == NT_PM_ICMP && (r == -EACCES || r == -EPERM))
		snprintf(why, len, "ICMP echo: %s (fix: sysctl -w net.ipv4.ping_group_range=\"0 2147483647\", or setcap cap_net_raw+ep nettriage, or use --udp)",
			 what);
	else
		snprintf(why, len, "%s: %s", what, strerror(-r));
}

const char *nt_path_fallback_note(const struct path_st *x)
{
	if (!x->pr || !nt_probe_fallback(x->pr))
		return NULL;
	return "ICMP echo not allowed (no ping socket: net.ipv4.ping_group_range excludes our group; no CAP_NET_RAW for a raw socket): probing with UDP instead, one socket per probe (as --udp)";
}

/* The sockets only (both families while the name is unresolved): no
 * name is resolved and no privilege changed here. */
static int open_layer(void *st, struct nt_layer_ctx *c)
{
	struct path_st *x = st;
	const char *why;
	int r;

	if (x->pr)
		return 0;
	r = nt_probe_open(&x->pr, &x->o.po, &why);
	if (r)
		sock_why(x, c->why, sizeof(c->why), why, r);
	return r;
}

static void on_event(void *arg, const struct nt_probe_event *ev)
{
	struct path_st *x = arg;
	int r;

	if (ev->ev == NT_EV_FOREIGN && x->group && ev->reply &&
	    nt_path_group_sibling(x, ev->reply)) {
		x->siblings++; /* another target's: not foreign */
		return;
	}
	r = nt_path_event(x->p, ev);
	if (r && !x->err)
		x->err = r;
	if (!x->numeric && (ev->ev == NT_EV_REPLY || ev->ev == NT_EV_LATE))
		nt_path_rdns_start(&x->dns, &ev->responder);
	if (x->log)
		nt_path_log_event(x->log, ev);
	if (x->on_cycle && ev->ev == NT_EV_CYCLE)
		x->on_cycle(x->on_cycle_arg, x, ev->cycle);
	if (x->on_event)
		x->on_event(x->on_event_arg, x, ev);
}

static const char *sock_name(enum nt_probe_sock k)
{
	switch (k) {
	case NT_PS_DGRAM: return "icmp-dgram";
	case NT_PS_RAW: return "raw";
	case NT_PS_UDP: return "udp";
	case NT_PS_UDP_RAW: return "udp+raw";
	case NT_PS_TCP: return "tcp-connect";
	case NT_PS_TCP_RAW: return "tcp-raw";
	default: return "none";
	}
}

/* The whole measurement: g->count cycles (10) every g->interval s (1).
 * A stop signal ends it early with the results so far. One measurement
 * per state: a later call keeps it (path judges no rates between
 * samples). */
static int collect(void *st, struct nt_layer_ctx *c)
{
	struct path_st *x = st;
	const struct nt_global *g = c->g;
	const char *why;
	int r;

	if (x->collected)
		return 0;
	if (!x->pr) {
		snprintf(c->why, sizeof(c->why), "%s: probe sockets not open", x->o.target);
		return -EBADF;
	}
	x->o.po.cycles = g->count > 0 ? g->count : 10;
	x->o.po.interval = g->interval > 0 ? g->interval : 1.0;
	nt_probe_set_run(x->pr, x->o.po.cycles, x->o.po.interval);
	x->numeric = g->numeric;
	r = nt_path_resolve(&x->o, x->pr, &x->o.po.dst, c->why, sizeof(c->why));
	if (r)
		return r;
	nt_path_group_join(x);
	r = nt_probe_target(x->pr, &x->o.po.dst, &why);
	if (r) {
		char what[160];

		snprintf(what, sizeof(what), "%s: %s", x->o.target, why);
		sock_why(x, c->why, sizeof(c->why), what, r);
		return r;
	}
	if (x->o.po.mode == NT_PM_TCP && nt_probe_timeout(x->pr) < x->o.po.timeout) {
		nt_note("path", "%s: --timeout %.3g s clamped to %.3g s for TCP connect() probes (below the kernel's 1 s SYN retransmission, so no RTT comes from a second SYN)",
			x->o.target, x->o.po.timeout, nt_probe_timeout(x->pr));
		x->o.po.timeout = nt_probe_timeout(x->pr);
	}
	if (nt_probe_fallback(x->pr)) {
		/* ICMP not allowed: the prober runs UDP (nt_path_fallback_note) */
		x->o.po.mode = NT_PM_UDP;
		x->o.po.port = nt_probe_port(x->pr);
	}
	x->p = calloc(1, sizeof(*x->p));
	if (!x->p) {
		snprintf(c->why, sizeof(c->why), "%s: out of memory", x->o.target);
		return -ENOMEM;
	}
	nt_path_init(x->p);
	snprintf(x->p->target, sizeof(x->p->target), "%s", x->o.target);
	x->p->dst = x->o.po.dst;
	x->p->mode = x->o.po.mode;
	x->p->port = x->o.po.mode == NT_PM_TCP ? x->o.po.port : 0;
	x->p->first_ttl = x->o.po.first_ttl;
	x->p->max_ttl = x->o.po.max_ttl;
	if (gethostname(x->local, sizeof(x->local) - 1))
		snprintf(x->local, sizeof(x->local), "localhost");

	r = nt_probe_run(x->pr, on_event, x);
	if (x->log)
		/* the last cycle's lines; a --log failure does not void the
		 * measurement: the command reports it after the results */
		(void)nt_path_log_flush(x->log);
	if (r == -EINTR)
		r = 0; /* stopped: what was measured stands */
	if (!r && x->err)
		r = x->err;
	if (r) {
		snprintf(c->why, sizeof(c->why), "probing %s: %s", x->o.target,
			 strerror(-r));
		nt_path_rdns_collect(&x->dns, NULL, 0);
		return r;
	}
	nt_path_finish(x->p);
	nt_path_rdns_collect(&x->dns, x->p, x->numeric ? 0 : x->rdns_budget);
	r = nt_path_rows(x->p, x->numeric, &x->rows, &x->n);
	if (r) {
		snprintf(c->why, sizeof(c->why), "%s: out of memory", x->o.target);
		return r;
	}
	x->dropped = nt_priv_dropped();
	x->collected = true;
	return 0;
}

static void judge(void *st, const struct nt_baseline *b, struct nt_verdicts *vs)
{
	struct path_st *x = st;

	(void)b;
	if (x->collected)
		nt_path_verdicts(x->p, x->rows, x->n, &x->o.t, vs);
}

/* The report table: the title line and the hop table. */
static void report(const struct path_st *x, FILE *f)
{
	const struct nt_path *p = x->p;
	char ip[64];

	nt_paddr_str(&p->dst, ip, sizeof(ip));
	fprintf(f, "nettriage path to %s (%s), %s %s, %ld cycles, timestamps %s, flow_mode %s\n",
		p->target, ip, p->mode == NT_PM_TCP ? "TCP" : p->mode == NT_PM_UDP ? "UDP" : "ICMP",
		p->dst.family == AF_INET ? "IPv4" : "IPv6", p->cycles,
		nt_path_ts_source(p),
		nt_probe_per_probe(x->pr) ? "per-probe (a socket per probe: the source port changes)" : "paris");
	if (p->mode == NT_PM_TCP)
		nt_path_print_port(f, p);
	nt_path_print_table(f, p, x->rows, x->n, x->local);
	nt_path_print_hist(f, p);
	if (x->siblings)
		fprintf(f, "(%" PRIu64 " replies to the other targets' probes seen and left to them: not foreign)\n",
			x->siblings);
}

static void table(void *st, FILE *f, const struct nt_layer_ctx *c,
		  const struct nt_baseline *b, const struct nt_verdicts *vs)
{
	struct path_st *x = st;

	(void)c;
	(void)b;
	(void)vs;
	if (x->collected)
		report(x, f);
}

static void emit(void *st, struct nt_doc *d, const struct nt_layer_ctx *c,
		 const struct nt_baseline *b)
{
	struct path_st *x = st;
	const struct nt_path *p = x->p;
	char ip[64];

	(void)c;
	(void)b;
	if (!x->collected)
		return;
	nt_paddr_str(&p->dst, ip, sizeof(ip));
	nt_doc_set(d, "target", json_pack("{s:s, s:s}", "host", p->target, "ip", ip));
	nt_doc_set(d, "mode", json_string(p->mode == NT_PM_TCP ? "tcp" :
					  p->mode == NT_PM_UDP ? "udp" : "icmp"));
	nt_doc_set(d, "family", json_string(p->dst.family == AF_INET ? "ipv4" : "ipv6"));
	nt_doc_set(d, "socket", json_string(sock_name(nt_probe_socktype(x->pr))));
	nt_doc_set(d, "flow_mode", json_string(nt_probe_per_probe(x->pr) ? "per-probe" : "paris"));
	nt_doc_set(d, "privileges_dropped", json_boolean(x->dropped));
	if (p->mode == NT_PM_UDP || p->mode == NT_PM_TCP)
		nt_doc_set(d, "port", json_integer(x->o.po.port));
	if (p->mode == NT_PM_TCP) {
		double rtt = nt_path_port_rtt(p);

		nt_doc_set(d, "port_state", json_string(nt_path_port_state(p)));
		nt_doc_set(d, "port_rtt_ms", isfinite(rtt) ? json_real(rtt) : json_null());
		nt_doc_set(d, "port_answers", json_pack("{s:I, s:I}",
			"open", (json_int_t)p->tcp_open, "closed", (json_int_t)p->tcp_closed));
	}
	if (nt_probe_fallback(x->pr))
		nt_doc_set(d, "fallback", json_string("udp"));
	nt_doc_set(d, "cycles", json_integer(p->cycles));
	nt_doc_set(d, "interval_s", json_real(x->o.po.interval));
	nt_doc_set(d, "timeout_s", json_real(x->o.po.timeout));
	nt_doc_set(d, "timestamp_source", json_string(nt_path_ts_source(p)));
	nt_doc_set(d, "reached", json_boolean(p->dst_ttl != 0));
	nt_doc_set(d, "destination_ttl", p->dst_ttl ? json_integer(p->dst_ttl) : json_null());
	nt_doc_set(d, "foreign", json_integer((json_int_t)p->foreign));
	nt_doc_set(d, "foreign_why", json_pack("{s:I, s:I, s:I}",
		"unmatched", (json_int_t)p->foreign_nomatch,
		"duplicate", (json_int_t)p->foreign_dup,
		"malformed", (json_int_t)p->foreign_bad));
	nt_doc_set(d, "paced", json_integer((json_int_t)p->paced));
	nt_doc_set(d, "held_sockets", json_integer((json_int_t)p->held_sockets));
	nt_doc_set(d, "beyond_destination", json_integer((json_int_t)p->beyond_dst));
	nt_path_doc_hops(d, x->rows, x->n);
	nt_doc_set(d, "histogram", nt_path_hist_json(p));
	if (x->group)
		nt_doc_set(d, "other_targets", json_integer((json_int_t)x->siblings));
	if (x->o.rate > 0) {
		nt_doc_set(d, "rate_pps", json_real(x->o.rate));
		nt_doc_set(d, "rate_held", json_integer((json_int_t)p->rate_held));
	}
	if (d->prom) {
		nt_path_prom(d->prom, p, x->rows, x->n, d->g->netns);
		nt_path_prom_hist(d->prom, p, d->g->netns, true);
	}
}

static void free_st(void *st)
{
	struct path_st *x = st;

	nt_path_rdns_collect(&x->dns, NULL, 0);
	free(x->rows);
	if (x->p)
		nt_path_free(x->p);
	free(x->p);
	nt_probe_close(x->pr);
	free(x->o.arg);
	memset(x, 0, sizeof(*x));
}

const struct nt_layer nt_layer_path = {
	.name = "path",
	.usage = cmd_path_usage,
	.opts = &cmd_path_opts,
	.size = sizeof(struct path_st),
	.parse_opts = parse_opts,
	.caps = caps,
	.open = open_layer,
	.collect = collect,
	.judge = judge,
	.table = table,
	.emit = emit,
	.free = free_st,
};
