/* nettriage: command table, global options, namespace switch, dispatch. */
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>
#undef NT_VERSION /* elf.h's note type, from sys/auxv.h; ours follows */
#include "nettriage.h"
#include "nt_cmd.h"
#include "nt_config.h"
#include "nt_netns.h"

static const struct nt_cmd commands[] = {
	{ "link", cmd_link, NT_CMD_NETNS | NT_CMD_SAMPLED | NT_CMD_SWEEP,
	  "interface errors/drops/overruns (rtnetlink)", cmd_link_usage,
	  &cmd_link_opts },
	{ "stack", cmd_stack, NT_CMD_NETNS | NT_CMD_SAMPLED | NT_CMD_SWEEP,
	  "softnet backlog, qdiscs, neighbours, UDP buffers, socket memory, fds",
	  cmd_stack_usage, &cmd_stack_opts },
	{ "conntrack", cmd_conntrack, NT_CMD_NETNS | NT_CMD_SAMPLED | NT_CMD_SWEEP,
	  "conntrack fill ratio, drops, top consumers (ctnetlink)",
	  cmd_conntrack_usage,
	  &cmd_conntrack_opts },
	{ "tcp", cmd_tcp, NT_CMD_NETNS | NT_CMD_SAMPLED | NT_CMD_SWEEP,
	  "TCP states, retransmits, listen overflows (sock_diag, /proc)", cmd_tcp_usage,
	  &cmd_tcp_opts },
	{ "path", cmd_path, NT_CMD_NETNS,
	  "hop-by-hop loss, latency, jitter, percentiles (ICMP/UDP/TCP)", cmd_path_usage,
	  &cmd_path_opts },
	{ "capture", cmd_capture, NT_CMD_NETNS | NT_CMD_ONCE,
	  "TCP retransmits, resets, RTT on the wire (libpcap)", cmd_capture_usage,
	  &cmd_capture_opts },
	{ "triage", cmd_triage, NT_CMD_NETNS | NT_CMD_SWEEP,
	  "every local layer at once, one verdict per check", cmd_triage_usage,
	  &cmd_triage_opts, "targets" },
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

/* The configuration file of a run: the section rows it is checked against
 * (one per command) and what it holds, kept until the command returns
 * (g->config). */
struct run_config {
	struct nt_config_section rows[NCOMMANDS];
	struct nt_config cfg;
};

/* The configuration file (--config FILE, else nt_config_default_path()):
 * its options for cmd go first in a->argv, so the command line after them
 * wins, and its default operands go last when none was given. Every
 * section is checked against the command table, whichever command runs.
 * 0, or an exit status (the one-line message printed). */
static int apply_config(const struct nt_cmd *cmd, struct nt_args *a,
			struct run_config *cf)
{
	char err[512], **v, *only[2] = { (char *)cmd->name, NULL };
	const char *path = a->config;
	size_t i;
	int n, r;

	if (a->cmd_help)
		return 0; /* the command's help, whatever the file says */
	/* set-user-ID or file capabilities: the invoking user must not have
	 * a file it cannot read parsed, and its lines quoted back */
	if (path && getauxval(AT_SECURE)) {
		nt_err("--config", "not accepted when nettriage runs set-user-ID or with file capabilities");
		return NT_EXIT_USAGE;
	}
	if (!path)
		path = nt_config_default_path();
	if (!path)
		return 0;
	/* A command built later (triage) gets its options checked here as
	 * soon as its commands[] row has them; its config_operands key
	 * ("targets") is accepted before. */
	for (i = 0; i < NCOMMANDS; i++)
		cf->rows[i] = (struct nt_config_section){
			.name = commands[i].name, .opts = commands[i].opts,
			.operands = commands[i].config_operands,
		};
	nt_config_init(&cf->cfg, cf->rows, NCOMMANDS);
	r = nt_config_load(path, a->config != NULL, &cf->cfg, err, sizeof(err));
	if (r == -ENOMEM && !err[0]) {
		nt_err(NULL, "%s: out of memory", path);
		return NT_EXIT_UNKNOWN;
	}
	if (r) {
		nt_err(r != -EINVAL && a->config ? "--config" : NULL, "%s", err);
		return NT_EXIT_USAGE;
	}
	v = nt_config_argv(&cf->cfg, cmd->name, a->argv ? a->argc : 1,
			   a->argv ? a->argv : only, a->noper == 0, &n);
	if (!v) {
		nt_err(NULL, "%s: out of memory", path);
		return NT_EXIT_UNKNOWN;
	}
	free(a->argv); /* its strings are borrowed, by v now */
	a->argv = v;
	a->argc = n;
	a->g.config = &cf->cfg;
	return 0;
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

static int run(int argc, char **argv, struct nt_args *a, struct run_config *cf)
{
	struct nt_global *gp = &a->g;
	const struct nt_cmd *cmd = NULL;
	struct sigaction sa;
	int ci, r, rc;

	switch (nt_args_global(argc, argv, a)) {
	case NT_ARGS_RUN: break;
	case NT_ARGS_HELP: usage_main(stdout); return NT_EXIT_OK;
	case NT_ARGS_VERSION: printf("nettriage %s\n", NT_VERSION); return NT_EXIT_OK;
	case NT_ARGS_UNBUILT: return NT_EXIT_UNKNOWN;
	case NT_ARGS_USAGE: return NT_EXIT_USAGE;
	}
	ci = a->cmd_index;
	if (ci < argc) {
		if (!strcmp(argv[ci], "help"))
			return cmd_help(ci + 1 < argc ? argv[ci + 1] : NULL);
		cmd = find_cmd(argv[ci]);
		if (!cmd) {
			nt_err(NULL, "unknown command: %s (see nettriage --help)", argv[ci]);
			return NT_EXIT_USAGE;
		}
	} else {
		cmd = find_cmd("triage");
	}
	if (!cmd->fn) {
		nt_err(cmd->name, "not built yet in nettriage %s (built: link, stack, conntrack, tcp, path, capture, triage)",
		       NT_VERSION);
		return NT_EXIT_UNKNOWN;
	}
	if (ci < argc) {
		switch (nt_args_command(argc - ci, argv + ci, cmd->opts, a)) {
		case NT_ARGS_RUN: break;
		case NT_ARGS_UNBUILT: return NT_EXIT_UNKNOWN;
		default: return NT_EXIT_USAGE;
		}
	}
	if (gp->all_netns && gp->netns) {
		nt_err("--all-netns", "and -N/--netns %s: give one of them", gp->netns);
		return NT_EXIT_USAGE;
	}
	if (gp->all_netns && !(cmd->flags & NT_CMD_SWEEP)) {
		nt_err("--all-netns", "not for %s: it runs in the starting namespace (sweeping commands: link, stack, conntrack, tcp, triage)",
		       cmd->name);
		return NT_EXIT_USAGE;
	}
	if ((cmd->flags & NT_CMD_ONCE) && (gp->interval > 0 || gp->count > 0)) {
		nt_err(gp->interval > 0 ? "-i" : "-c", "not for %s: it measures once, for as long as its own options say",
		       cmd->name);
		return NT_EXIT_USAGE;
	}
	rc = apply_config(cmd, a, cf);
	if (rc)
		return rc;
	/* One exposition per scrape: repeated samples on stdout would repeat
	 * every HELP/TYPE, which is not valid text format. --prom-file is
	 * rewritten whole at each sample, so it stays fine. */
	if (gp->format == NT_FMT_PROM && (cmd->flags & NT_CMD_SAMPLED) &&
	    (gp->interval > 0 || gp->count > 1)) {
		nt_err("--prom", "one exposition per run: with -i/-c use --prom-file PATH (rewritten at every sample) or -j (JSON Lines)");
		return NT_EXIT_USAGE;
	}
	gp->color = gp->format == NT_FMT_TABLE && !a->no_color && isatty(STDOUT_FILENO) &&
		  !getenv("NO_COLOR");
	if (gp->prom_file) {
		r = check_prom_dir(gp->prom_file);
		if (r) {
			nt_err("--prom-file", "%s: directory not writable: %s",
			       gp->prom_file, strerror(-r));
			return NT_EXIT_UNKNOWN;
		}
	}
	if (gp->netns && (cmd->flags & NT_CMD_NETNS)) {
		char path[512];

		r = nt_netns_path(gp->netns, path, sizeof(path));
		if (r) {
			nt_err("--netns", "not a namespace name, path or PID: %s", gp->netns);
			return NT_EXIT_USAGE;
		}
		r = nt_netns_enter(path, &gp->netns_inode);
		if (r) {
			nt_err("netns", "%s: %s: %s%s", gp->netns, path, strerror(-r),
			       r == -EPERM || r == -EACCES ?
			       " (need CAP_SYS_ADMIN, and CAP_SYS_PTRACE for another user's PID)" : "");
			return NT_EXIT_UNKNOWN;
		}
	}
	/* The cookie comes from a socket opened here, after any setns, so it
	 * names the namespace we now run in; without -N its inode is ours
	 * too (0 when unknown, e.g. no /proc: not a shared key). */
	(void)nt_netns_id_self(&gp->ns);
	if (!gp->netns_inode)
		gp->netns_inode = gp->ns.inode;
	if (!gp->ns.inode)
		gp->ns.inode = gp->netns_inode;

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

	optind = 0; /* a full reset: the command's "+" is read again */
	if (a->argv) {
		rc = cmd->fn(a->argc, a->argv, gp);
	} else {
		char *only[2] = { (char *)cmd->name, NULL };

		rc = cmd->fn(1, only, gp);
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct run_config cf;
	struct nt_args a;
	int rc;

	memset(&cf, 0, sizeof(cf));
	rc = run(argc, argv, &a, &cf);
	nt_args_free(&a);
	nt_config_free(&cf.cfg);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		nt_err(NULL, "write error on standard output: %s",
		       errno ? strerror(errno) : "I/O error");
		return NT_EXIT_UNKNOWN;
	}
	return rc;
}
