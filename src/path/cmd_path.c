/* nettriage path: hop-by-hop loss, latency, stddev, jitter, percentiles.
 * The options and the command's own flow: the live view, --report and
 * --csv, root's drop to nobody and the --prom-file split (several
 * targets: cmd_path_multi.c). The measurement
 * is the path layer's (path_layer.c), which triage runs as well. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "nettriage.h"
#include "nt_cmd.h"
#include "nt_layer.h"
#include "nt_priv.h"
#include "path_int.h"

const char cmd_path_usage[] =
	"usage: nettriage path [OPTIONS] HOST[:PORT]...\n\n"
	"mtr-style probing: every TTL of a cycle at once, on a fixed CLOCK_MONOTONIC\n"
	"grid; per hop and responder: loss (95 % Wilson interval), RTT last/min/mean/\n"
	"max/stddev/p50/p90/p99, jitter. -c N cycles (default 10), -i SEC between\n"
	"cycles (default 1). Several HOSTs are probed at once, one section and\n"
	"one set of verdicts each; the exit status is the worst.\n\n"
	"Options:\n"
	"  -4, -6                 IPv4 or IPv6 only\n"
	"  -u, --udp              UDP probes (default: ICMP echo); with it, HOST:PORT is\n"
	"                         UDP to PORT\n"
	"  -p, --port N           UDP destination port (default 33434)\n"
	"      --tcp PORT         TCP SYN probes to PORT (HOST:PORT means the same): port\n"
	"                         open/closed/filtered and its RTT; half-open SYNs with\n"
	"                         CAP_NET_RAW, else one connect() per probe (--timeout\n"
	"                         at most 0.9 s there)\n"
	"      --first-ttl N      first TTL probed (default 1)\n"
	"  -m, --max-ttl N        last TTL probed, 1..255 (default 30)\n"
	"      --timeout SEC      a reply later than this is late, not lost (default 2)\n"
	"  -s, --size N           probe payload bytes, 14..65000 (default 36)\n"
	"      --tos N            IP TOS / IPv6 traffic class, 0..255\n"
	"      --flows N          spread over N Paris flows, 1..16 (default 1)\n"
	"      --no-pace          do not pace probes under the ICMP error rate limit\n"
	"      --report           print once at the end (default when not a terminal;\n"
	"                         on a terminal: a live view, keys q quit, r reset,\n"
	"                         p pause, n names, d display)\n"
	"      --csv              CSV (RFC 4180) rows at the end\n"
	"      --max-loss PCT     destination loss CRIT at or above PCT (default 10)\n"
	"      --max-p99 MS       destination p99 RTT WARN above MS\n"
	"      --rate PPS         at most PPS probes per second over all targets\n"
	"      --log FILE         append one NDJSON line per probe outcome to FILE\n"
	"  -h, --help             this help\n";

/* HOST, HOST:PORT, [V6]:PORT, or a bare IPv6 literal. */
static int split_target(char *arg, const char **host, long *port)
{
	char *c;

	if (arg[0] == '[') {
		c = strchr(arg, ']');
		if (!c)
			return -1;
		*c = '\0';
		*host = arg + 1;
		if (c[1] == ':')
			return nt_parse_long(c + 2, port) ? -1 : 0;
		return c[1] ? -1 : 0;
	}
	c = strchr(arg, ':');
	if (c && !strchr(c + 1, ':')) {
		*c = '\0';
		if (nt_parse_long(c + 1, port))
			return -1;
	}
	*host = arg;
	return 0;
}

static const struct option opts_long[] = {
	{ "udp", no_argument, NULL, 'u' },
	{ "port", required_argument, NULL, 'p' },
	{ "tcp", required_argument, NULL, 'K' },
	{ "first-ttl", required_argument, NULL, 'f' },
	{ "max-ttl", required_argument, NULL, 'm' },
	{ "timeout", required_argument, NULL, 'T' },
	{ "size", required_argument, NULL, 's' },
	{ "tos", required_argument, NULL, 'Q' },
	{ "flows", required_argument, NULL, 'F' },
	{ "no-pace", no_argument, NULL, 'P' },
	{ "report", no_argument, NULL, 'r' },
	{ "csv", no_argument, NULL, 'C' },
	{ "max-loss", required_argument, NULL, 'L' },
	{ "max-p99", required_argument, NULL, '9' },
	{ "rate", required_argument, NULL, 'R' },
	{ "log", required_argument, NULL, 'W' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

const struct nt_cmd_opts cmd_path_opts = { "+46up:m:s:h", opts_long };

int nt_path_parse_opts(struct path_st *x, int argc, char **argv)
{
	struct path_opts *o = &x->o;
	long v, port = -1, tcp = -1;
	char why[256];
	double d;
	int c;

	o->po.first_ttl = 1;
	o->po.max_ttl = 30;
	o->po.timeout = 2.0;
	o->po.size = 36;
	o->po.tos = -1;
	o->po.flows = 1;
	o->po.pace = true;
	o->po.pace_rate = 1.0;
	o->po.pace_burst = 6.0;
	o->port = -1;
	o->t.max_loss = 10;
	o->t.max_p99 = NAN;
	x->rdns_budget = 1.0;
	optind = 0; /* a full reset: triage parses one state per target */
	opterr = 0;
	while ((c = getopt_long(argc, argv, cmd_path_opts.shortopts, opts_long, NULL)) != -1) {
		switch (c) {
		case '4': o->family = AF_INET; break;
		case '6': o->family = AF_INET6; break;
		case 'u': o->udp = true; break;
		case 'p':
			if (nt_opt_port("path", "--port", optarg, &v))
				return -1;
			o->port = v;
			break;
		case 'K':
			if (nt_opt_port("path", "--tcp", optarg, &v))
				return -1;
			tcp = v;
			break;
		case 'f':
			if (nt_opt_long("path", "--first-ttl", optarg, 1, 255, &v))
				return -1;
			o->po.first_ttl = (int)v;
			break;
		case 'm':
			if (nt_opt_long("path", "--max-ttl", optarg, 1, 255, &v))
				return -1;
			o->po.max_ttl = (int)v;
			break;
		case 'T':
			if (nt_opt_double("path", "--timeout", optarg, 0.001, 60, &d))
				return -1;
			o->po.timeout = d;
			break;
		case 's':
			if (nt_opt_long("path", "--size", optarg, NT_PROBE_HDR, 65000, &v))
				return -1;
			o->po.size = (int)v;
			break;
		case 'Q':
			if (nt_opt_long("path", "--tos", optarg, 0, 255, &v))
				return -1;
			o->po.tos = (int)v;
			break;
		case 'F':
			if (nt_opt_long("path", "--flows", optarg, 1, 16, &v))
				return -1;
			o->po.flows = (int)v;
			break;
		case 'P': o->po.pace = false; break;
		case 'r': o->report = true; break;
		case 'C': o->csv = true; break;
		case 'L':
			if (nt_opt_double("path", "--max-loss", optarg, 0, 100, &d))
				return -1;
			o->t.max_loss = d;
			break;
		case '9':
			if (nt_opt_double("path", "--max-p99", optarg, 0, 1e7, &d))
				return -1;
			o->t.max_p99 = d;
			break;
		case 'R':
			if (nt_opt_double("path", "--rate", optarg, 1, 1e6, &d))
				return -1;
			o->rate = d;
			break;
		case 'W':
			if (!optarg[0]) {
				nt_err("path", "--log: empty file name");
				return -1;
			}
			o->log_path = optarg;
			break;
		case 'h':
			fputs(cmd_path_usage, stdout);
			putchar('\n');
			nt_usage_globals(stdout);
			return 1;
		default:
			nt_err("path", "unknown option or missing argument: %s (see nettriage path --help)",
			       argv[optind - 1]);
			return -1;
		}
	}
	o->first_operand = optind;
	o->noperands = argc - optind;
	if (argc - optind != 1 && !(o->multi && argc - optind > 1)) {
		if (argc - optind)
			nt_err("path", "one HOST only (got %d arguments)", argc - optind);
		else
			nt_err("path", "missing HOST (usage: nettriage path [OPTIONS] HOST[:PORT])");
		return -1;
	}
	/* a copy: split_target cuts it, and triage's argv may be literals */
	o->arg = strdup(argv[optind]);
	if (!o->arg) {
		nt_err("path", "out of memory");
		return -1;
	}
	if (split_target(o->arg, &o->target, &port) || !o->target[0]) {
		nt_err("path", "not HOST, HOST:PORT or [IPV6]:PORT: %s", argv[optind]);
		return -1;
	}
	if (port != -1) {
		if (port < 1 || port > 65535) {
			nt_err("path", "port not in 1..65535: %ld", port);
			return -1;
		}
		if (tcp != -1 && tcp != port) {
			nt_err("path", "--tcp %ld and HOST:%ld name two ports", tcp, port);
			return -1;
		}
		if (o->port > 0) {
			nt_err("path", "-p/--port %ld and HOST:%ld name two ports", o->port, port);
			return -1;
		}
		/* HOST:PORT is the service's TCP port, UDP only with --udp */
		if (o->udp)
			o->port = port;
		else
			tcp = port;
	}
	if (tcp != -1) {
		if (o->udp) {
			nt_err("path", "--tcp and --udp exclude each other");
			return -1;
		}
		if (o->port > 0) {
			nt_err("path", "-p/--port (the UDP port) and --tcp %ld exclude each other", tcp);
			return -1;
		}
		o->tcp = true;
		o->port = tcp;
	}
	if (o->po.first_ttl > o->po.max_ttl) {
		nt_err("path", "--first-ttl %d is above --max-ttl %d", o->po.first_ttl,
		       o->po.max_ttl);
		return -1;
	}
	if (nt_path_check_target(o, &o->po.dst, why, sizeof(why))) {
		nt_err("path", "%s", why);
		return -1;
	}
	o->po.mode = o->tcp ? NT_PM_TCP : o->udp ? NT_PM_UDP : NT_PM_ICMP;
	o->po.port = (uint16_t)(o->port > 0 ? o->port : 33434);
	return 0;
}

/* The finished run: CSV, or the report table and verdict lines, and the
 * JSON or Prometheus document. The document has the layer's keys and the
 * verdicts only (path has no baseline or sample). */
static int render(struct path_st *x, const struct nt_global *g,
		  const struct nt_verdicts *vs)
{
	const struct nt_layer_ctx c = { .g = g };
	const struct nt_baseline b = { .kind = "none", .since = "" };
	struct nt_doc d;
	int r;

	if (x->o.csv) {
		nt_path_print_csv(stdout, x->rows, x->n, x->p->target);
	} else if (g->format == NT_FMT_TABLE) {
		if (!g->quiet)
			nt_layer_path.table(x, stdout, &c, &b, vs);
		nt_verdicts_print(stdout, "path", vs, g->color, g->quiet);
	}
	if ((g->format == NT_FMT_TABLE || x->o.csv) && !g->prom_file)
		return 0;
	r = nt_doc_init(&d, "path", g);
	if (r)
		return r;
	nt_layer_path.emit(x, &d, &c, &b);
	nt_doc_verdicts(&d, vs);
	r = nt_doc_emit(&d);
	nt_doc_free(&d);
	return r;
}

/* --prom-file as root: the prober drops to nobody, who may not write the
 * textfile directory. So split as mtr does: the child runs everything
 * (probe, drop, parse, render) and sends the finished exposition down a
 * pipe; this parent keeps CAP_DAC_OVERRIDE only, parses nothing from the
 * network or the child (the bytes are written as they come) and writes
 * the file atomically once the child has exited 0, 1 or 2. Returns -1 in
 * the child (go on), else the exit status for the parent. */
#define PROM_PIPE_MAX (64u << 20)
static int prom_split(struct nt_global *g)
{
	int fds[2], st, r, rc;
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC)) {
		nt_err("path", "--prom-file: pipe: %s", strerror(errno));
		return NT_EXIT_UNKNOWN;
	}
	pid = fork();
	if (pid < 0) {
		nt_err("path", "--prom-file: fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return NT_EXIT_UNKNOWN;
	}
	if (pid == 0) {
		close(fds[0]);
		g->prom_pipe = fds[1];
		return -1;
	}
	close(fds[1]);
	rc = nt_priv_restrict("path", g, 0); /* CAP_DAC_OVERRIDE only */
	for (;;) {
		ssize_t n;

		if (len == cap) {
			cap = cap ? cap * 2 : 64u << 10;
			if (cap > PROM_PIPE_MAX || !(nb = realloc(buf, cap))) {
				nt_err("path", "--prom-file: exposition too large or out of memory");
				rc = NT_EXIT_UNKNOWN;
				break;
			}
			buf = nb;
		}
		n = read(fds[0], buf + len, cap - len);
		if (n < 0 && errno == EINTR) {
			if (nt_stop) /* a stop sent to this pid alone */
				kill(pid, SIGTERM);
			continue;
		}
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fds[0]);
	while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (r < 0 || !WIFEXITED(st)) {
		nt_err("path", "--prom-file: the prober %s", r < 0 ? "vanished" :
		       WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "failed");
		free(buf);
		return NT_EXIT_UNKNOWN;
	}
	if (!rc)
		rc = WEXITSTATUS(st);
	if (rc <= NT_EXIT_CRIT && len) {
		r = nt_write_atomic(g->prom_file, buf, len, 0644, 0);
		if (r) {
			nt_err("path", "--prom-file: %s: %s", g->prom_file, strerror(-r));
			rc = NT_EXIT_UNKNOWN;
		}
	}
	free(buf);
	return rc;
}

/* --rate: a bucket one cycle deep (the interval's worth, at least a
 * tenth of a second and one probe), so a cycle's TTLs go out together
 * and a long interval still gets its PPS; each of the users (targets)
 * gets at most its share of one cycle's refill (pps x interval). */
static int rate_init(struct nt_probe_rate *r, double pps, const struct nt_global *g,
		     int users)
{
	double iv = g->interval > 0 ? g->interval : 1.0;

	return nt_probe_rate_init(r, pps, fmax(1.0, pps * fmax(iv, 0.1)), iv, users);
}

/* A --log that failed during the run, after the results: its lines from
 * that cycle on were not written; the measurement and its exit status
 * stand. */
void nt_path_log_report(const struct path_st *x)
{
	const struct nt_path_log *l = x->log;

	if (l && l->err)
		nt_err("path", "--log %s: %s: %s; %" PRIu64 " of its lines not written (the measurement stands)",
		       x->o.log_path, x->o.target, strerror(-l->err), l->lost);
}

/* --log FILE, before any privilege is dropped; a usage error when it
 * cannot be opened for appending. The fd, -1 none, -2 error printed. */
static int log_open(const struct path_opts *o)
{
	int fd;

	if (!o->log_path)
		return -1;
	fd = nt_path_log_open(o->log_path);
	if (fd < 0) {
		nt_err("path", "--log %s: %s", o->log_path, strerror(-fd));
		return -2;
	}
	return fd;
}

int cmd_path(int argc, char **argv, struct nt_global *g)
{
	/* CAP_NET_RAW for the sockets; CAP_SETUID/SETGID/SETPCAP for root's
	 * drop to nobody right after. Everything else goes now. */
	static const int keep[] = { CAP_NET_RAW, CAP_SETUID, CAP_SETGID, CAP_SETPCAP };
	const struct nt_layer *L = &nt_layer_path;
	const struct nt_baseline b = { .kind = "none", .since = "" };
	struct nt_layer_ctx c = { .g = g };
	struct nt_verdicts vs = { 0 };
	struct nt_path_live live = { 0 };
	struct nt_probe_rate rate;
	struct nt_path_log log = { 0 };
	bool have_rate = false;
	struct path_st *x;
	int r, rc = NT_EXIT_UNKNOWN, logfd = -1;

	x = calloc(1, L->size);
	if (!x) {
		nt_err("path", "out of memory");
		return NT_EXIT_UNKNOWN;
	}
	x->o.multi = true;
	r = L->parse_opts(x, argc, argv);
	if (r) {
		rc = r > 0 ? NT_EXIT_OK : NT_EXIT_USAGE;
		goto out;
	}
	if (x->o.csv && g->format != NT_FMT_TABLE) {
		nt_err("path", "--csv cannot be combined with -j or --prom (--prom-file is fine)");
		rc = NT_EXIT_USAGE;
		goto out;
	}
	/* before the --prom-file split and the drop: the caller's file */
	logfd = log_open(&x->o);
	if (logfd == -2) {
		rc = NT_EXIT_USAGE;
		goto out;
	}
	if (x->o.rate > 0) {
		r = rate_init(&rate, x->o.rate, g, x->o.noperands);
		if (r) {
			nt_err("path", "--rate: %s", strerror(-r));
			goto out;
		}
		have_rate = true;
		x->o.po.rate = &rate;
	}
	if (g->prom_file && nt_probe_drops_uid()) {
		rc = prom_split(g);
		if (rc >= 0)
			goto out;
		rc = NT_EXIT_UNKNOWN;
	}
	r = nt_priv_keep(keep, sizeof(keep) / sizeof(keep[0]));
	if (r) {
		nt_err("path", "dropping capabilities: %s", strerror(-r));
		goto out;
	}
	if (x->o.noperands > 1) {
		rc = nt_path_cmd_multi(x, argc, argv, g, have_rate ? &rate : NULL, logfd);
		goto out;
	}
	if (logfd >= 0) {
		log.fd = logfd;
		log.target = x->o.target;
		x->log = &log;
	}
	/* OpenBSD ping's order: open the sockets (both families while the
	 * name is unresolved), drop every privilege (root becomes nobody),
	 * only then resolve, in collect: no DNS answer is parsed by a
	 * privileged process. */
	if (L->open(x, &c)) {
		nt_err("path", "%s", c.why);
		goto out;
	}
	if (nt_path_fallback_note(x))
		nt_note("path", "%s", nt_path_fallback_note(x));
	r = nt_probe_drop_privs();
	if (r) {
		nt_err("path", "dropping privileges: %s", strerror(-r));
		goto out;
	}
	/* The live view on a terminal; else the report at the end, with its
	 * progress on stderr when that is a terminal. */
	if (g->format == NT_FMT_TABLE && !x->o.csv && !x->o.report && !g->quiet &&
	    isatty(STDOUT_FILENO)) {
		r = nt_path_live_start(&live, x, g);
		if (r) {
			nt_err("path", "live view: %s", strerror(-r));
			goto out;
		}
	} else if (g->format == NT_FMT_TABLE && !g->quiet && isatty(STDERR_FILENO)) {
		x->on_event = nt_path_progress_event;
	}
	r = L->collect(x, &c);
	nt_path_live_stop(&live); /* the terminal as it was, before any output */
	if (x->on_event == nt_path_progress_event)
		nt_path_progress_end();
	if (r) {
		nt_err("path", "%s", c.why);
		goto out;
	}
	L->judge(x, &b, &vs);
	r = render(x, g, &vs);
	if (r) {
		nt_err("path", "output: %s", strerror(-r));
		goto out;
	}
	nt_path_log_report(x);
	rc = nt_level_exit(nt_verdicts_worst(&vs));
out:
	nt_path_live_stop(&live);
	nt_verdicts_free(&vs);
	L->free(x);
	free(x);
	free(log.buf);
	if (have_rate)
		nt_probe_rate_destroy(&rate);
	if (logfd >= 0)
		close(logfd);
	return rc;
}
