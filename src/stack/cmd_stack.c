/* nettriage stack: options, usage and cmd_stack over the layer
 * (nt_layer_stack in stack_layer.c). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "nettriage.h"
#include "nt_cmd.h"
#include "stack_layer.h"

const char cmd_stack_usage[] =
	"usage: nettriage stack [OPTIONS]\n\n"
	"The host stack between the NIC and the sockets: the per-CPU backlog\n"
	"(/proc/net/softnet_stat), qdiscs (RTM_GETQDISC), the neighbour tables\n"
	"(RTM_GETNEIGHTBL), UDP buffer errors (/proc/net/snmp, snmp6), socket\n"
	"memory against tcp_mem/udp_mem, orphans and TIME-WAIT against their\n"
	"limits (/proc/net/sockstat), open files (/proc/sys/fs/file-nr) and\n"
	"IP-layer drops. Global figures are labelled \"scope\": \"global\". Without\n"
	"-i, rates compare with the previous run in this namespace.\n\n"
	"Options:\n"
	"  -a, --all              every row and column (default: rows that matter)\n"
	"  -t, --top N            the N UDP sockets with the most drops (sock_diag)\n"
	"  -P, --procs            --top: name each socket's process (/proc/PID/fd)\n"
	"      --crit-backlog PCT softnet dropped CRIT at PCT % of the packets\n"
	"                         offered (processed + dropped) (1)\n"
	"      --warn-squeeze N   time_squeeze WARN above N per second (10)\n"
	"      --crit-qdisc PCT   qdisc drops CRIT at PCT % of the packets offered\n"
	"                         (sent + dropped) (1)\n"
	"      --warn-neigh PCT   neighbour entries WARN at PCT % of gc_thresh3 (75)\n"
	"      --crit-neigh PCT   neighbour entries CRIT at PCT % of gc_thresh3 (90)\n"
	"      --warn-sockmem PCT socket memory WARN above PCT % of the pressure\n"
	"                         value, tcp_mem/udp_mem's 2nd (100)\n"
	"      --crit-sockmem PCT socket memory CRIT at PCT % of the max, 3rd (90)\n"
	"      --warn-orphans PCT orphans WARN at PCT % of tcp_max_orphans (25)\n"
	"      --crit-orphans PCT orphans CRIT at PCT % of tcp_max_orphans (50)\n"
	"      --warn-tw PCT      TIME-WAIT WARN at PCT % of tcp_max_tw_buckets (75)\n"
	"      --crit-tw PCT      TIME-WAIT CRIT at PCT % of tcp_max_tw_buckets (100)\n"
	"      --warn-fd PCT      open files WARN at PCT % of file-max (70)\n"
	"      --crit-fd PCT      open files CRIT at PCT % of file-max (90)\n"
	"  -h, --help             this help\n";

static const struct option opts_long[] = {
	{ "all", no_argument, NULL, 'a' },
	{ "top", required_argument, NULL, 't' },
	{ "procs", no_argument, NULL, 'P' },
	{ "crit-backlog", required_argument, NULL, 1 },
	{ "warn-squeeze", required_argument, NULL, 2 },
	{ "crit-qdisc", required_argument, NULL, 3 },
	{ "warn-neigh", required_argument, NULL, 4 },
	{ "crit-neigh", required_argument, NULL, 5 },
	{ "warn-sockmem", required_argument, NULL, 6 },
	{ "crit-sockmem", required_argument, NULL, 7 },
	{ "warn-orphans", required_argument, NULL, 8 },
	{ "crit-orphans", required_argument, NULL, 9 },
	{ "warn-tw", required_argument, NULL, 10 },
	{ "crit-tw", required_argument, NULL, 11 },
	{ "warn-fd", required_argument, NULL, 12 },
	{ "crit-fd", required_argument, NULL, 13 },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

const struct nt_cmd_opts cmd_stack_opts = { "+:at:Ph", opts_long };

/* warn must not be above crit */
static int order(const char *w, double wv, const char *c, double cv)
{
	if (wv > cv) {
		nt_err("stack", "--%s %g is above --%s %g", w, wv, c, cv);
		return -1;
	}
	return 0;
}

int nt_stack_parse_opts(int argc, char **argv, struct nt_stack_opts *o)
{
	struct nt_stack_thresholds *t = &o->t;
	double *pct[14] = {
		NULL, &t->crit_backlog, &t->warn_squeeze, &o->nt.crit_qdisc_pct,
		&o->nt.warn_neigh_pct, &o->nt.crit_neigh_pct, &t->warn_sockmem,
		&t->crit_sockmem, &t->warn_orphans, &t->crit_orphans, &t->warn_tw,
		&t->crit_tw, &t->warn_fd, &t->crit_fd,
	};
	int c, li = -1;
	long n;

	memset(o, 0, sizeof(*o));
	nt_stack_thresholds_default(t);
	nt_stack_nl_thresholds_default(&o->nt);
	opterr = 0;
	while ((c = getopt_long(argc, argv, cmd_stack_opts.shortopts, opts_long, &li)) != -1) {
		switch (c) {
		case 'a': o->all = true; break;
		case 'P': o->procs = true; break;
		case 't':
			if (nt_opt_long("stack", "--top", optarg, 0, 10000, &n))
				return -1;
			o->top = (unsigned)n;
			break;
		case 'h':
			fputs(cmd_stack_usage, stdout);
			putchar('\n');
			nt_usage_globals(stdout);
			return 1;
		case ':':
			nt_err("stack", "%s: missing argument", argv[optind - 1]);
			return -1;
		default:
			if (c >= 1 && c <= 13) {
				char opt[40];

				snprintf(opt, sizeof(opt), "--%s", opts_long[li].name);
				/* time_squeeze is a rate, the rest percentages */
				if (nt_opt_double("stack", opt, optarg, 0, c == 2 ? 1e12 : 100,
						  pct[c]))
					return -1;
				break;
			}
			nt_err("stack", "unknown option: %s (see nettriage stack --help)",
			       argv[optind - 1]);
			return -1;
		}
		li = -1;
	}
	if (optind < argc) {
		nt_err("stack", "unexpected argument: %s (stack takes no operands)", argv[optind]);
		return -1;
	}
	if (order("warn-neigh", o->nt.warn_neigh_pct, "crit-neigh", o->nt.crit_neigh_pct) ||
	    order("warn-orphans", t->warn_orphans, "crit-orphans", t->crit_orphans) ||
	    order("warn-tw", t->warn_tw, "crit-tw", t->crit_tw) ||
	    order("warn-fd", t->warn_fd, "crit-fd", t->crit_fd))
		return -1;
	if (o->procs && !o->top) {
		nt_err("stack", "--procs names the processes of --top N's sockets: give --top N too");
		return -1;
	}
	return 0;
}

int cmd_stack(int argc, char **argv, struct nt_global *g)
{
	return nt_layer_cmd(&nt_layer_stack, argc, argv, g);
}
