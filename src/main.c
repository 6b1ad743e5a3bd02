/* nettriage: command table, global options, namespace switch, dispatch. */
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nettriage.h"
#include "nt_cmd.h"
#include "nt_netns.h"

static const struct nt_cmd commands[] = {
	{ "link", cmd_link, NT_CMD_NETNS,
	  "interface errors/drops/overruns (rtnetlink)", cmd_link_usage },
	{ "conntrack", cmd_conntrack, NT_CMD_NETNS,
	  "conntrack fill ratio, drops, top consumers (ctnetlink)",
	  cmd_conntrack_usage },
	{ "tcp", cmd_tcp, NT_CMD_NETNS,
	  "TCP states, retransmits, listen overflows (sock_diag, /proc)", cmd_tcp_usage },
	{ "path", cmd_path, NT_CMD_NETNS,
	  "hop-by-hop loss, latency, jitter, percentiles (ICMP/UDP)", cmd_path_usage },
	{ "capture", NULL, NT_CMD_NETNS,
	  "TCP retransmits, resets, RTT on the wire (libpcap)", NULL },
	{ "triage", NULL, NT_CMD_NETNS,
	  "every local layer at once, one verdict per check", NULL },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage_main(FILE *f)
{
	size_t i;

	fputs("usage: nettriage [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\n"
	      "Walk the network stack layer by layer and say where the problem is.\n\n"
	      "Commands:\n", f);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s%s\n", commands[i].name, commands[i].summary,
			commands[i].fn ? "" : " [not built yet]");
	fputs("  help [COMMAND]\n\n", f);
	nt_usage_globals(f);
	fputs("\nExit status: 0 OK, 1 WARN, 2 CRIT, 3 could not measure, 64 usage error.\n"
	      "See nettriage(8) and nettriage-COMMAND(8).\n", f);
}

static const struct nt_cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int cmd_help(const char *name)
{
	const struct nt_cmd *c;

	if (!name) {
		usage_main(stdout);
		return NT_EXIT_OK;
	}
	c = find_cmd(name);
	if (!c) {
		nt_err("help", "unknown command: %s", name);
		return NT_EXIT_USAGE;
	}
	if (c->usage) {
		fputs(c->usage, stdout);
		fputc('\n', stdout);
		nt_usage_globals(stdout);
	} else {
		printf("nettriage %s: %s\n\nThis command is not built yet in nettriage %s;"
		       " running it exits with status 3.\n", c->name, c->summary,
		       NT_VERSION);
	}
	return NT_EXIT_OK;
}

/* Match a global option at argv[*i]; consume its value. Returns 1 if it
 * was global, 0 if not, -1 on a usage error (message printed). */
static int global_opt(int argc, char **argv, int *i, struct nt_global *g,
		      bool *no_color)
{
	const char *a = argv[*i], *val = NULL, *name;
	static const struct { const char *s, *l; int has_arg; } opts[] = {
		{ "-j", "--json", 0 }, { NULL, "--prom", 0 },
		{ NULL, "--prom-file", 1 }, { "-i", "--interval", 1 },
		{ "-c", "--count", 1 }, { "-N", "--netns", 1 },
		{ "-n", "--numeric", 0 }, { "-q", "--quiet", 0 },
		{ NULL, "--no-color", 0 }, { NULL, "--all-netns", 0 },
	};
	size_t k, n;
	int idx = -1;

	for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
		if (opts[k].s && !strncmp(a, opts[k].s, 2) &&
		    (a[2] == '\0' || opts[k].has_arg)) {
			idx = (int)k;
			if (a[2])
				val = a + 2;
			break;
		}
		n = strlen(opts[k].l);
		if (!strncmp(a, opts[k].l, n) && (a[n] == '\0' ||
		    (a[n] == '=' && opts[k].has_arg))) {
			idx = (int)k;
			if (a[n] == '=')
				val = a + n + 1;
			break;
		}
	}
	if (idx < 0)
		return 0;
	name = opts[idx].l;
	if (opts[idx].has_arg && !val) {
		if (*i + 1 >= argc) {
			nt_err(name, "missing argument");
			return -1;
		}
		val = argv[++*i];
	}
	switch (idx) {
	case 0: g->format = NT_FMT_JSON; break;
	case 1: g->format = NT_FMT_PROM; break;
	case 2:
		if (!*val) {
			nt_err(name, "empty path");
			return -1;
		}
		g->prom_file = val;
		break;
	case 3:
		if (nt_parse_double(val, &g->interval) || !(g->interval > 0) ||
		    g->interval > 86400) {
			nt_err(name, "not a positive number of seconds (up to 86400): %s", val);
			return -1;
		}
		if (g->interval < 0.01) {
			nt_err(name, "below the 0.01 s minimum: %s", val);
			return -1;
		}
		break;
	case 4:
		if (nt_parse_long(val, &g->count) || g->count < 1 ||
		    g->count > 1000000000L) {
			nt_err(name, "not a positive whole number: %s", val);
			return -1;
		}
		break;
	case 5: g->netns = val; break;
	case 6: g->numeric = true; break;
	case 7: g->quiet = true; break;
	case 8: *no_color = true; break;
	case 9:
		nt_err(name, "not built yet in nettriage %s", NT_VERSION);
		return -2;
	}
	return 1;
}

static void on_signal(int sig)
{
	(void)sig;
	nt_stop = 1;
}

static int check_prom_dir(const char *path)
{
	char *dup = strdup(path);
	int r = 0;

	if (!dup)
		return -ENOMEM;
	if (access(dirname(dup), W_OK) < 0)
		r = -errno;
	free(dup);
	return r;
}

static int run(int argc, char **argv, char **cargv)
{
	struct nt_global g = { .format = NT_FMT_TABLE };
	const struct nt_cmd *cmd = NULL;
	int cargc = 0, i, r, rc;
	bool no_color = false, dashdash = false;
	struct sigaction sa;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (cmd && dashdash) {
			cargv[cargc++] = argv[i];
			continue;
		}
		if (!strcmp(a, "--")) {
			dashdash = true;
			if (cmd)
				cargv[cargc++] = argv[i];
			continue;
		}
		if (a[0] == '-' && a[1] && !dashdash) {
			r = global_opt(argc, argv, &i, &g, &no_color);
			if (r == -1)
				return NT_EXIT_USAGE;
			if (r == -2)
				return NT_EXIT_UNKNOWN;
			if (r == 1)
				continue;
			if (!cmd) {
				if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
					usage_main(stdout);
					return NT_EXIT_OK;
				}
				if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
					printf("nettriage %s\n", NT_VERSION);
					return NT_EXIT_OK;
				}
				nt_err(NULL, "unknown option: %s (see nettriage --help)", a);
				return NT_EXIT_USAGE;
			}
			cargv[cargc++] = argv[i];
			continue;
		}
		if (!cmd) {
			if (!strcmp(a, "help"))
				return cmd_help(i + 1 < argc ? argv[i + 1] : NULL);
			cmd = find_cmd(a);
			if (!cmd) {
				nt_err(NULL, "unknown command: %s (see nettriage --help)", a);
				return NT_EXIT_USAGE;
			}
			cargv[cargc++] = argv[i];
			continue;
		}
		cargv[cargc++] = argv[i];
	}
	if (!cmd)
		cmd = find_cmd("triage");
	if (!cmd->fn) {
		nt_err(cmd->name, "not built yet in nettriage %s (built: link, conntrack, tcp, path)",
		       NT_VERSION);
		return NT_EXIT_UNKNOWN;
	}
	if (!cargc)
		cargv[cargc++] = (char *)cmd->name;

	g.color = g.format == NT_FMT_TABLE && !no_color && isatty(STDOUT_FILENO) &&
		  !getenv("NO_COLOR");
	if (g.prom_file) {
		r = check_prom_dir(g.prom_file);
		if (r) {
			nt_err("--prom-file", "%s: directory not writable: %s",
			       g.prom_file, strerror(-r));
			return NT_EXIT_UNKNOWN;
		}
	}
	if (g.netns && (cmd->flags & NT_CMD_NETNS)) {
		char path[512];

		r = nt_netns_path(g.netns, path, sizeof(path));
		if (r) {
			nt_err("--netns", "not a namespace name, path or PID: %s", g.netns);
			return NT_EXIT_USAGE;
		}
		r = nt_netns_enter(path, &g.netns_inode);
		if (r) {
			nt_err("netns", "%s: %s: %s%s", g.netns, path, strerror(-r),
			       r == -EPERM || r == -EACCES ?
			       " (need CAP_SYS_ADMIN, and CAP_SYS_PTRACE for another user's PID)" : "");
			return NT_EXIT_UNKNOWN;
		}
	} else if (nt_netns_self(&g.netns_inode) < 0) {
		g.netns_inode = 0; /* unknown (no /proc): not a shared key */
	}
	/* The cookie comes from a socket opened here, after any setns, so it
	 * names the namespace we now run in. */
	(void)nt_netns_id_self(&g.ns);
	if (!g.ns.inode)
		g.ns.inode = g.netns_inode;

	/* SIGINT/SIGTERM: set nt_stop only, and no SA_RESTART, so a sleep
	 * or a blocking wait returns at once and the loop ends after the
	 * sample in hand; every system call loop retries EINTR itself
	 * (nl.c, nt_read_file, nt_write_atomic). Each handler blocks the
	 * other. SIGPIPE ignored: a closed stdout is an EPIPE we report. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
	sa.sa_flags = 0;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	optind = 1;
	rc = cmd->fn(cargc, cargv, &g);
	return rc;
}

int main(int argc, char **argv)
{
	char **cargv = calloc((size_t)argc + 2, sizeof(*cargv));
	int rc;

	if (!cargv) {
		nt_err(NULL, "out of memory");
		return NT_EXIT_UNKNOWN;
	}
	rc = run(argc, argv, cargv);
	free(cargv);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		nt_err(NULL, "write error on standard output: %s",
		       errno ? strerror(errno) : "I/O error");
		return NT_EXIT_UNKNOWN;
	}
	return rc;
}
