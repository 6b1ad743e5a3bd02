/* nettriage path: hop-by-hop loss, latency, stddev, jitter, percentiles. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "nettriage.h"
#include "nt_cmd.h"
#include "nt_path.h"
#include "nt_priv.h"

const char cmd_path_usage[] =
	"usage: nettriage path [OPTIONS] HOST[:PORT]\n\n"
	"mtr-style probing: every TTL of a cycle at once, on a fixed CLOCK_MONOTONIC\n"
	"grid; per hop and responder: loss (95 %% Wilson interval), RTT last/min/mean/\n"
	"max/stddev/p50/p90/p99, jitter. -c N cycles (default 10), -i SEC between\n"
	"cycles (default 1).\n\n"
	"Options:\n"
	"  -4, -6                 IPv4 or IPv6 only\n"
	"  -u, --udp              UDP probes (default: ICMP echo); HOST:PORT implies it\n"
	"  -p, --port N           UDP destination port (default 33434)\n"
	"      --first-ttl N      first TTL probed (default 1)\n"
	"  -m, --max-ttl N        last TTL probed, 1..255 (default 30)\n"
	"      --timeout SEC      a reply later than this is late, not lost (default 2)\n"
	"  -s, --size N           probe payload bytes, 14..65000 (default 36)\n"
	"      --tos N            IP TOS / IPv6 traffic class, 0..255\n"
	"      --flows N          spread over N Paris flows, 1..16 (default 1)\n"
	"      --no-pace          do not pace probes under the ICMP error rate limit\n"
	"      --report           print once at the end (default when not a terminal)\n"
	"      --csv              CSV (RFC 4180) rows at the end\n"
	"      --max-loss PCT     destination loss CRIT at or above PCT (default 10)\n"
	"      --max-p99 MS       destination p99 RTT WARN above MS\n"
	"  -h, --help             this help\n";

struct path_opts {
	struct nt_probe_opts po;
	struct nt_path_thresholds t;
	int family;            /* AF_UNSPEC, AF_INET, AF_INET6 */
	bool report, csv, udp;
	long port;             /* -1 not given */
	const char *target;
};

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
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

const struct nt_cmd_opts cmd_path_opts = { "+46up:m:s:h", opts_long };

static int parse_opts(int argc, char **argv, struct path_opts *o)
{
	long v, port = -1;
	double d;
	int c;

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
	if (argc - optind != 1) {
		if (argc - optind)
			nt_err("path", "one HOST only (got %d arguments)", argc - optind);
		else
			nt_err("path", "missing HOST (usage: nettriage path [OPTIONS] HOST[:PORT])");
		return -1;
	}
	if (split_target(argv[optind], &o->target, &port) || !o->target[0]) {
		nt_err("path", "not HOST, HOST:PORT or [IPV6]:PORT: %s", argv[optind]);
		return -1;
	}
	if (port != -1) {
		if (port < 1 || port > 65535) {
			nt_err("path", "port not in 1..65535: %ld", port);
			return -1;
		}
		o->udp = true; /* TCP probes are not built: a port means UDP */
		o->port = port;
	}
	if (o->po.first_ttl > o->po.max_ttl) {
		nt_err("path", "--first-ttl %d is above --max-ttl %d", o->po.first_ttl,
		       o->po.max_ttl);
		return -1;
	}
	return 0;
}

/* A host name must be one before it goes to the resolver: labels of
 * 1..63 letters, digits, '-' or '_', 253 characters at most (RFC 1035,
 * RFC 1123). 0, or a reason. */
static const char *bad_hostname(const char *h)
{
	size_t n = strlen(h), lab = 0, i;

	if (n > 254 || (n == 254 && h[253] != '.'))
		return "longer than 253 characters";
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)h[i];

		if (ch == '.') {
			if (!lab)
				return "empty label";
			lab = 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return "a character other than letters, digits, '-', '_' and '.'";
		if (++lab > 63)
			return "a label longer than 63 characters";
	}
	return NULL;
}

/* Before the sockets: a literal address fixes the family (inet_pton is
 * not network input); a name only has its syntax checked. 0, or an exit
 * status after printing the reason. */
static int pre_resolve(struct path_opts *o, struct nt_paddr *dst)
{
	const char *why;

	memset(dst, 0, sizeof(*dst));
	if (nt_paddr_parse(o->target, dst) == 0) {
		if (o->family && dst->family != o->family) {
			nt_err("path", "%s is an %s address but %s was given", o->target,
			       dst->family == AF_INET ? "IPv4" : "IPv6",
			       o->family == AF_INET ? "-4" : "-6");
			return NT_EXIT_USAGE;
		}
		return 0;
	}
	why = bad_hostname(o->target);
	if (why) {
		char shown[64];
		size_t i;

		/* echo it, but never a terminal escape */
		for (i = 0; o->target[i] && i < sizeof(shown) - 1; i++)
			shown[i] = (o->target[i] >= 0x20 && o->target[i] < 0x7f) ?
				   o->target[i] : '?';
		shown[i] = '\0';
		nt_err("path", "not an IP address or host name: %s%s (%s)", shown,
		       o->target[i] ? "..." : "", why);
		return NT_EXIT_USAGE;
	}
	dst->family = (uint8_t)o->family; /* AF_UNSPEC: sockets for both */
	return 0;
}

/* After the privileges are gone: resolve a name to the first address of a
 * family the prober has sockets for. 0, or an exit status after printing
 * the reason. */
static int resolve(const struct path_opts *o, const struct nt_prober *pr,
		   struct nt_paddr *dst)
{
	struct addrinfo hints, *res = NULL, *ai;
	int r, fam = 0;

	if (dst->family && nt_paddr_parse(o->target, dst) == 0)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = o->family;
	hints.ai_socktype = SOCK_DGRAM;
	r = getaddrinfo(o->target, NULL, &hints, &res);
	if (r) {
		nt_err("path", "%s: %s", o->target, r == EAI_SYSTEM ? strerror(errno) :
		       gai_strerror(r));
		return NT_EXIT_UNKNOWN;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if (!fam)
			fam = ai->ai_family;
		if (!nt_probe_has_family(pr, ai->ai_family))
			continue;
		memset(dst, 0, sizeof(*dst));
		dst->family = (uint8_t)ai->ai_family;
		if (ai->ai_family == AF_INET)
			memcpy(dst->a, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
		else
			memcpy(dst->a, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
		break;
	}
	freeaddrinfo(res);
	if (!ai) {
		const char *why;

		if (!fam) {
			nt_err("path", "%s: no IPv4 or IPv6 address", o->target);
			return NT_EXIT_UNKNOWN;
		}
		r = nt_probe_family_err(pr, fam, &why);
		nt_err("path", "%s: %s: %s", o->target, why, strerror(-r));
		return NT_EXIT_UNKNOWN;
	}
	return 0;
}

/* The drop as the kernel sees it, not as the code meant it: no
 * capability, no_new_privs, and no uid 0 left. */
static bool privs_gone(void)
{
	uint64_t eff, prm, inh;
	uid_t ru, eu, su;

	if (nt_priv_get(&eff, &prm, &inh) || eff || prm || inh)
		return false;
	if (getresuid(&ru, &eu, &su) || !ru || !eu || !su)
		return false;
	return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
}

/* ---- reverse DNS after the run, in parallel, with a deadline ---- */

struct rdns_job {
	struct nt_paddr a;
	char host[256];
	pthread_t th;
	atomic_int done;
};

static void *rdns_thread(void *arg)
{
	struct rdns_job *j = arg;
	struct sockaddr_storage ss;
	socklen_t sl;

	memset(&ss, 0, sizeof(ss));
	if (j->a.family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;

		s->sin_family = AF_INET;
		memcpy(&s->sin_addr, j->a.a, 4);
		sl = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

		s->sin6_family = AF_INET6;
		memcpy(&s->sin6_addr, j->a.a, 16);
		sl = sizeof(*s);
	}
	if (getnameinfo((struct sockaddr *)&ss, sl, j->host, sizeof(j->host),
			NULL, 0, NI_NAMEREQD))
		j->host[0] = '\0';
	atomic_store(&j->done, 1);
	return NULL;
}

#define RDNS_MAX 512

/* Lookups start as each responder first answers (asynchronous: a thread
 * each, probing never waits) and are collected after the run. Every
 * thread is joined (or cancelled, then joined) by rdns_collect: none
 * outlives the command. */
struct rdns {
	struct rdns_job *jobs[RDNS_MAX];
	size_t n;
};

static void rdns_start(struct rdns *d, const struct nt_paddr *a)
{
	sigset_t all, old;
	struct rdns_job *j;
	size_t i;
	int r;

	if (!a->family || d->n == RDNS_MAX)
		return;
	for (i = 0; i < d->n; i++)
		if (nt_paddr_eq(&d->jobs[i]->a, a))
			return;
	j = calloc(1, sizeof(*j));
	if (!j)
		return;
	j->a = *a;
	/* The thread inherits a full mask: SIGINT/SIGTERM reach only the
	 * prober's ppoll, never a resolver stuck in poll(). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&j->th, NULL, rdns_thread, j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r)
		free(j);
	else
		d->jobs[d->n++] = j;
}

/* Wait up to budget seconds for lookups still running, cancel the rest
 * (getnameinfo waits in cancellation points: poll, recvfrom), join them
 * all, then copy the names into every row of that address. */
static void rdns_collect(struct rdns *d, struct nt_path *p, double budget)
{
	double end = nt_now_mono() + budget;
	size_t i, done;
	int t;

	if (!d->n)
		return;
	do {
		for (i = 0, done = 0; i < d->n; i++)
			done += atomic_load(&d->jobs[i]->done) == 1;
		if (done == d->n)
			break;
		nt_sleep_until(nt_now_mono() + 0.005);
	} while (nt_now_mono() < end && !nt_stop);
	for (i = 0; i < d->n; i++) {
		struct rdns_job *j = d->jobs[i];

		if (!atomic_load(&j->done))
			pthread_cancel(j->th);
		pthread_join(j->th, NULL);
		for (t = 1; p && atomic_load(&j->done) && t <= NT_PATH_MAX_TTL; t++) {
			struct nt_path_resp *r;

			for (r = p->hop[t].resp; r; r = r->next)
				if (nt_paddr_eq(&r->ip, &j->a))
					memcpy(r->host, j->host, sizeof(r->host));
		}
		free(j);
	}
	d->n = 0;
}

/* ---- run ---- */

struct ctx {
	struct nt_path *p;
	const struct nt_global *g;
	bool live;
	double last_draw;
	char local[256];
	int err;
	struct rdns dns;
};

static void draw(struct ctx *c, bool final)
{
	struct nt_path_row *rows;
	size_t n;

	if (nt_path_rows(c->p, true, &rows, &n))
		return;
	if (c->live)
		fputs("\033[H\033[2J", stdout);
	printf("nettriage path to %s: cycle %ld%s\n", c->p->target, c->p->cycles,
	       final ? "" : " (live; ^C stops)");
	nt_path_print_table(stdout, c->p, rows, n, c->local);
	fflush(stdout);
	free(rows);
}

static void on_event(void *arg, const struct nt_probe_event *ev)
{
	struct ctx *c = arg;
	int r = nt_path_event(c->p, ev);

	if (r && !c->err)
		c->err = r;
	if (!c->g->numeric && (ev->ev == NT_EV_REPLY || ev->ev == NT_EV_LATE))
		rdns_start(&c->dns, &ev->responder);
	if (c->live && ev->ev == NT_EV_CYCLE && ev->cycle > 1 &&
	    nt_now_mono() - c->last_draw > 0.2) {
		draw(c, false);
		c->last_draw = nt_now_mono();
	}
}

static int render(const struct ctx *c, const struct path_opts *o,
		  const struct nt_path_row *rows, size_t n,
		  const struct nt_verdicts *vs, const char *sock, bool dropped)
{
	const struct nt_global *g = c->g;
	const struct nt_path *p = c->p;
	char ip[64];
	struct nt_doc d;
	int r;

	nt_paddr_str(&p->dst, ip, sizeof(ip));
	if (o->csv) {
		nt_path_print_csv(stdout, rows, n, p->target);
	} else if (g->format == NT_FMT_TABLE) {
		if (!g->quiet) {
			printf("nettriage path to %s (%s), %s %s, %ld cycles, timestamps %s\n",
			       p->target, ip, p->mode == NT_PM_UDP ? "UDP" : "ICMP",
			       p->dst.family == AF_INET ? "IPv4" : "IPv6", p->cycles,
			       nt_path_ts_source(p));
			nt_path_print_table(stdout, p, rows, n, c->local);
		}
		nt_verdicts_print(stdout, "path", vs, g->color, g->quiet);
	}
	if ((g->format == NT_FMT_TABLE || o->csv) && !g->prom_file)
		return 0;
	r = nt_doc_init(&d, "path", g);
	if (r)
		return r;
	nt_doc_set(&d, "target", json_pack("{s:s, s:s}", "host", p->target, "ip", ip));
	nt_doc_set(&d, "mode", json_string(p->mode == NT_PM_UDP ? "udp" : "icmp"));
	nt_doc_set(&d, "family", json_string(p->dst.family == AF_INET ? "ipv4" : "ipv6"));
	nt_doc_set(&d, "socket", json_string(sock));
	nt_doc_set(&d, "privileges_dropped", json_boolean(dropped));
	if (p->mode == NT_PM_UDP)
		nt_doc_set(&d, "port", json_integer(o->po.port));
	nt_doc_set(&d, "cycles", json_integer(p->cycles));
	nt_doc_set(&d, "interval_s", json_real(o->po.interval));
	nt_doc_set(&d, "timeout_s", json_real(o->po.timeout));
	nt_doc_set(&d, "timestamp_source", json_string(nt_path_ts_source(p)));
	nt_doc_set(&d, "reached", json_boolean(p->dst_ttl != 0));
	nt_doc_set(&d, "destination_ttl", p->dst_ttl ? json_integer(p->dst_ttl) : json_null());
	nt_doc_set(&d, "foreign", json_integer((json_int_t)p->foreign));
	nt_doc_set(&d, "hops", nt_path_json_hops(rows, n, g->netns));
	if (d.prom)
		nt_path_prom(d.prom, p, rows, n, g->netns);
	nt_doc_verdicts(&d, vs);
	r = nt_doc_emit(&d);
	nt_doc_free(&d);
	return r;
}

static const char *sock_name(enum nt_probe_sock k)
{
	switch (k) {
	case NT_PS_DGRAM: return "icmp-dgram";
	case NT_PS_RAW: return "raw";
	case NT_PS_UDP: return "udp";
	case NT_PS_UDP_RAW: return "udp+raw";
	default: return "none";
	}
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

int cmd_path(int argc, char **argv, struct nt_global *g)
{
	/* CAP_NET_RAW for the sockets; CAP_SETUID/SETGID/SETPCAP for root's
	 * drop to nobody right after. Everything else goes now. */
	static const int keep[] = { CAP_NET_RAW, CAP_SETUID, CAP_SETGID, CAP_SETPCAP };
	struct path_opts o;
	struct nt_path *p = NULL;
	struct nt_prober *pr = NULL;
	struct nt_verdicts vs = { 0 };
	struct nt_path_row *rows = NULL;
	struct ctx c;
	const char *why;
	size_t n = 0;
	int r, rc = NT_EXIT_UNKNOWN;

	memset(&c, 0, sizeof(c));
	memset(&o, 0, sizeof(o));
	o.po.first_ttl = 1;
	o.po.max_ttl = 30;
	o.po.timeout = 2.0;
	o.po.size = 36;
	o.po.tos = -1;
	o.po.flows = 1;
	o.po.pace = true;
	o.po.pace_rate = 1.0;
	o.po.pace_burst = 6.0;
	o.port = -1;
	o.t.max_loss = 10;
	o.t.max_p99 = NAN;
	r = parse_opts(argc, argv, &o);
	if (r)
		return r > 0 ? NT_EXIT_OK : NT_EXIT_USAGE;
	if (o.csv && g->format != NT_FMT_TABLE) {
		nt_err("path", "--csv cannot be combined with -j or --prom (--prom-file is fine)");
		return NT_EXIT_USAGE;
	}
	if (g->prom_file && nt_probe_drops_uid()) {
		rc = prom_split(g);
		if (rc >= 0)
			return rc;
		rc = NT_EXIT_UNKNOWN;
	}
	r = nt_priv_keep(keep, sizeof(keep) / sizeof(keep[0]));
	if (r) {
		nt_err("path", "dropping capabilities: %s", strerror(-r));
		return NT_EXIT_UNKNOWN;
	}
	r = pre_resolve(&o, &o.po.dst);
	if (r)
		return r;
	o.po.mode = o.udp ? NT_PM_UDP : NT_PM_ICMP;
	o.po.port = (uint16_t)(o.port > 0 ? o.port : 33434);
	o.po.cycles = g->count > 0 ? g->count : 10;
	o.po.interval = g->interval > 0 ? g->interval : 1.0;

	/* OpenBSD ping's order: open the sockets (both families while the
	 * name is unresolved), drop every privilege, only then resolve: no
	 * DNS answer is parsed by a privileged process. */
	r = nt_probe_open(&pr, &o.po, &why);
	if (r == 0) {
		rc = resolve(&o, pr, &o.po.dst);
		if (rc) {
			nt_probe_close(pr);
			return rc;
		}
		rc = NT_EXIT_UNKNOWN;
		r = nt_probe_target(pr, &o.po.dst, &why);
	}
	if (r) {
		if (o.po.mode == NT_PM_ICMP && (r == -EACCES || r == -EPERM) &&
		    strcmp(why, "dropping privileges"))
			nt_err("path", "ICMP echo: %s (fix: sysctl -w net.ipv4.ping_group_range=\"0 2147483647\", or setcap cap_net_raw+ep nettriage, or use --udp)",
			       why);
		else
			nt_err("path", "%s: %s", why, strerror(-r));
		nt_probe_close(pr);
		return NT_EXIT_UNKNOWN;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		nt_err("path", "out of memory");
		goto out;
	}
	nt_path_init(p);
	snprintf(p->target, sizeof(p->target), "%s", o.target);
	p->dst = o.po.dst;
	p->mode = o.po.mode;
	p->first_ttl = o.po.first_ttl;
	p->max_ttl = o.po.max_ttl;
	c.p = p;
	c.g = g;
	c.live = g->format == NT_FMT_TABLE && !o.csv && !o.report && !g->quiet &&
		 isatty(STDOUT_FILENO);
	if (gethostname(c.local, sizeof(c.local) - 1))
		snprintf(c.local, sizeof(c.local), "localhost");

	r = nt_probe_run(pr, on_event, &c);
	if (r && r != -EINTR) {
		nt_err("path", "probing %s: %s", o.target, strerror(-r));
		goto out;
	}
	if (c.err) {
		nt_err("path", "%s", strerror(-c.err));
		goto out;
	}
	nt_path_finish(p);
	rdns_collect(&c.dns, p, 1.0);
	if (nt_path_rows(p, g->numeric, &rows, &n)) {
		nt_err("path", "out of memory");
		goto out;
	}
	nt_path_verdicts(p, rows, n, &o.t, &vs);
	if (c.live)
		fputs("\033[H\033[2J", stdout);
	r = render(&c, &o, rows, n, &vs, sock_name(nt_probe_socktype(pr)),
		   privs_gone());
	if (r) {
		nt_err("path", "output: %s", strerror(-r));
		goto out;
	}
	rc = nt_level_exit(nt_verdicts_worst(&vs));
out:
	rdns_collect(&c.dns, p, 0); /* error paths: let go of running lookups */
	free(rows);
	nt_verdicts_free(&vs);
	if (p)
		nt_path_free(p);
	free(p);
	nt_probe_close(pr);
	return rc;
}
