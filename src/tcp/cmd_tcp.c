/* nettriage tcp: TCP states, retransmits, CLOSE-WAIT leaks, accept queues.
 * This file: options, usage and cmd_tcp over the layer (nt_layer_tcp in
 * tcp_layer.c; table and JSON/Prometheus in tcp_render.c). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "nettriage.h"
#include "nt_cmd.h"
#include "nt_priv.h"
#include "nt_tcp_layer.h"

const char cmd_tcp_usage[] =
	"usage: nettriage tcp [OPTIONS]\n\n"
	"TCP state histogram (one sock_diag dump per family, no extensions),\n"
	"counters from /proc/net/snmp and /proc/net/netstat, the retransmit ratio,\n"
	"CLOSE-WAIT sockets by service (and process), accept-queue fill of every\n"
	"listener, ephemeral ports in use per destination, SYN-queue overflows\n"
	"and syncookies, and per-socket retransmit detail when asked. Without -i, rates\n"
	"compare with the previous run in this namespace.\n\n"
	"Options:\n"
	"  -a, --all                show every counter in the table (TcpExt too)\n"
	"  -s, --state LIST         count only these states (comma-separated; e.g.\n"
	"                           established,time-wait; default all)\n"
	"  -p, --ports N            top N CLOSE-WAIT groups and ephemeral-port\n"
	"                           destinations (default 5)\n"
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
	"      --warn-ephemeral PCT ephemeral ports in use to one destination WARN\n"
	"                           at PCT of the usable range (default 50)\n"
	"      --crit-ephemeral PCT the same, CRIT (default 80)\n"
	"  -h, --help               this help\n";

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
	{ "warn-ephemeral", required_argument, NULL, 'e' },
	{ "crit-ephemeral", required_argument, NULL, 'E' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

const struct nt_cmd_opts cmd_tcp_opts = { "+as:p:Pt:h", opts_long };

static int parse_into(int argc, char **argv, struct nt_tcp_opts *o)
{
	char bad[32];
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
			if (nt_tcp_parse_states(optarg, &o->mask, bad, sizeof(bad))) {
				nt_err("tcp", "--state: unknown TCP state: %s (known: established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait, close, close-wait, last-ack, listen, closing, new-syn-recv, all)",
				       bad[0] ? bad : "(empty)");
				return -1;
			}
			break;
		case 'p':
			if (nt_opt_long("tcp", "--ports", optarg, 1, 65536, &o->ports))
				return -1;
			break;
		case 't':
			if (nt_opt_long("tcp", "--top", optarg, 1, NT_TCP_TOP_MAX, &o->top))
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
		case 'e':
			if (nt_opt_double("tcp", "--warn-ephemeral", optarg, 0, 100, &o->t.warn_eph))
				return -1;
			break;
		case 'E':
			if (nt_opt_double("tcp", "--crit-ephemeral", optarg, 0, 100, &o->t.crit_eph))
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
	if (o->t.warn_eph > o->t.crit_eph) {
		nt_err("tcp", "--warn-ephemeral %g is above --crit-ephemeral %g",
		       o->t.warn_eph, o->t.crit_eph);
		return -1;
	}
	if (o->filtered && !o->top)
		o->top = 10; /* a filter asks for per-socket detail */
	return 0;
}

int nt_tcp_layer_opts(void *st, int argc, char **argv)
{
	struct nt_tcp_st *x = st;

	return parse_into(argc, argv, &x->o);
}

/* --procs reads other users' /proc/PID/fd: ptrace access mode read, and
 * search permission on their directories. */
uint64_t nt_tcp_layer_caps(const void *st)
{
	const struct nt_tcp_st *x = st;

	return x->o.procs ? NT_CAP(CAP_SYS_PTRACE) | NT_CAP(CAP_DAC_READ_SEARCH) : 0;
}

int cmd_tcp(int argc, char **argv, struct nt_global *g)
{
	return nt_layer_cmd(&nt_layer_tcp, argc, argv, g);
}
