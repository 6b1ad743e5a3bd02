/* Unit tests: the option pre-pass (args.c) on canned argv, and the rule
 * that no command option collides with a global one. */
#include <stdlib.h>
#include "nt_cmd.h"
#include "t.h"

static const struct { const char *name; const struct nt_cmd_opts *o; } cmds[] = {
	{ "link", &cmd_link_opts }, { "conntrack", &cmd_conntrack_opts },
	{ "tcp", &cmd_tcp_opts }, { "path", &cmd_path_opts },
	{ "stack", &cmd_stack_opts }, { "capture", &cmd_capture_opts },
	{ "triage", &cmd_triage_opts },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

/* The global options, as documented in nettriage(8). */
static const char global_letters[] = "jicNnqV";
static const char *const global_longs[] = {
	"json", "prom", "prom-file", "interval", "count", "netns", "numeric",
	"quiet", "no-color", "all-netns", "config", "version", NULL,
};

static void test_no_conflicts(void)
{
	size_t i, k, m;

	for (i = 0; i < NCMDS; i++) {
		const struct nt_cmd_opts *o = cmds[i].o;
		const char *s = o->shortopts;
		bool clash = false;

		T_OK(s[0] == '+', "%s: optstring starts with '+'", cmds[i].name);
		for (; *s; s++)
			if (*s != ':' && *s != '+' && strchr(global_letters, *s)) {
				printf("#   -%c is global\n", *s);
				clash = true;
			}
		T_OK(!clash, "%s: no short option is also a global one", cmds[i].name);
		clash = false;
		for (k = 0; o->longopts[k].name; k++)
			for (m = 0; global_longs[m]; m++)
				if (!strcmp(o->longopts[k].name, global_longs[m])) {
					printf("#   --%s is global\n", global_longs[m]);
					clash = true;
				}
		T_OK(!clash, "%s: no long option is also a global one (only --help, "
		     "the command's own help)", cmds[i].name);
		/* every letter with a value in the optstring has its long
		 * option with a value too, if any long option has that val */
		clash = false;
		for (k = 0; o->longopts[k].name; k++) {
			const char *p = strchr(o->shortopts + 1, o->longopts[k].val);

			if (p && o->longopts[k].val != ':' &&
			    (p[1] == ':') != (o->longopts[k].has_arg == required_argument)) {
				printf("#   -%c and --%s disagree on taking a value\n",
				       o->longopts[k].val, o->longopts[k].name);
				clash = true;
			}
		}
		T_OK(!clash, "%s: short and long forms agree on taking a value",
		     cmds[i].name);
	}
}

/* Split a space-separated command line; returns argc. */
static int split(char *line, char **argv)
{
	int n = 0;
	char *t;

	for (t = strtok(line, " "); t; t = strtok(NULL, " "))
		argv[n++] = t;
	argv[n] = NULL;
	return n;
}

/* Run both passes; the command's argv joined by spaces into out. */
static enum nt_args_result pre(const char *cmdline, const struct nt_cmd_opts *o,
			       struct nt_args *a, char *out, size_t outlen)
{
	static char line[512];
	static char *argv[64];
	enum nt_args_result r;
	int argc, i;
	size_t used = 0;

	snprintf(line, sizeof(line), "nettriage %s", cmdline);
	argc = split(line, argv);
	r = nt_args_global(argc, argv, a);
	out[0] = '\0';
	if (r != NT_ARGS_RUN || a->cmd_index >= argc)
		return r;
	r = nt_args_command(argc - a->cmd_index, argv + a->cmd_index, o, a);
	for (i = 0; r == NT_ARGS_RUN && i < a->argc; i++)
		used += (size_t)snprintf(out + used, outlen - used, "%s%s",
					 i ? " " : "", a->argv[i]);
	return r;
}

static const struct {
	const char *line;
	const struct nt_cmd_opts *o;
	enum nt_args_result want;
	const char *what;
} results[] = {
	{ "path --p 5 x", &cmd_path_opts, NT_ARGS_USAGE, "ambiguous (--port, --prom, --prom-file)" },
	{ "link --frob", &cmd_link_opts, NT_ARGS_USAGE, "unknown long option after the command" },
	{ "link -aZ", &cmd_link_opts, NT_ARGS_USAGE, "unknown letter in a bundle" },
	{ "link --json=1", &cmd_link_opts, NT_ARGS_USAGE, "a value given to a flag" },
	{ "link --warn", &cmd_link_opts, NT_ARGS_USAGE, "missing value" },
	{ "-h link", &cmd_link_opts, NT_ARGS_HELP, "-h before the command: main help" },
	{ "-V link", &cmd_link_opts, NT_ARGS_VERSION, "-V before the command" },
	{ "link --version", &cmd_link_opts, NT_ARGS_USAGE, "--version only before the command" },
	{ "link --all-netns", &cmd_link_opts, NT_ARGS_RUN, "--all-netns after the command" },
};

static const struct {
	const char *line;
	const struct nt_cmd_opts *o;
	bool help;
} helps[] = {
	{ "link -h", &cmd_link_opts, true },
	{ "link -ah", &cmd_link_opts, true },
	{ "tcp --he", &cmd_tcp_opts, true },
	{ "tcp --dst -h", &cmd_tcp_opts, false },
	{ "link --warn 1", &cmd_link_opts, false },
};

static void test_prepass(void)
{
	struct nt_args a;
	char out[512];
	size_t i;

	T_EQ_I(pre("tcp --dport -1", &cmd_tcp_opts, &a, out, sizeof(out)), NT_ARGS_RUN,
	       "tcp --dport -1: parsed");
	T_STR(out, "tcp --dport -1", "tcp --dport -1: -1 is --dport's value");
	nt_args_free(&a);

	pre("tcp --dport -c5 --state -N", &cmd_tcp_opts, &a, out, sizeof(out));
	T_STR(out, "tcp --dport -c5 --state -N", "values that look like -c/-N stay values");
	T_EQ_I(a.g.count, 0, "... and set no global count");
	T_OK(!a.g.netns, "... nor a namespace");
	nt_args_free(&a);

	pre("-jq link", &cmd_link_opts, &a, out, sizeof(out));
	T_OK(a.g.format == NT_FMT_JSON && a.g.quiet, "-jq before the command: both flags");
	T_STR(out, "link", "-jq link: nothing left for link");
	nt_args_free(&a);

	pre("link -aqj lo", &cmd_link_opts, &a, out, sizeof(out));
	T_OK(a.g.format == NT_FMT_JSON && a.g.quiet, "-aqj after: the global flags");
	T_STR(out, "link -a -- lo", "-aqj after: -a to link, operand after --");
	nt_args_free(&a);

	pre("-n link lo -i0.5 --count=3 eth0", &cmd_link_opts, &a, out, sizeof(out));
	T_OK(a.g.numeric && a.g.interval == 0.5 && a.g.count == 3,
	     "-i0.5 and --count=3 among operands");
	T_STR(out, "link -- lo eth0", "operands kept in order");
	nt_args_free(&a);

	pre("link --warn=5 --crit-d 9 -- -j", &cmd_link_opts, &a, out, sizeof(out));
	T_STR(out, "link --warn 5 --crit-drops 9 -- -j", "--opt=val, unique prefix, -- ends options");
	T_OK(a.g.format == NT_FMT_TABLE, "-j after -- is an operand");
	nt_args_free(&a);

	pre("path -4 -i 0.2 -c 3 192.0.2.1", &cmd_path_opts, &a, out, sizeof(out));
	T_EQ_I(a.g.count, 3, "path: -c is the global count");
	T_STR(out, "path -4 -- 192.0.2.1", "path: -4 to path, -i/-c global");
	nt_args_free(&a);

	pre("link -aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaj", &cmd_link_opts, &a, out, sizeof(out));
	T_EQ_I(a.argc, 39, "a long bundle: one element per letter (no overflow)");
	nt_args_free(&a);

	for (i = 0; i < sizeof(results) / sizeof(results[0]); i++) {
		T_EQ_I(pre(results[i].line, results[i].o, &a, out, sizeof(out)),
		       results[i].want, "%s: %s", results[i].line, results[i].what);
		nt_args_free(&a);
	}
	pre("link -h", &cmd_link_opts, &a, out, sizeof(out));
	T_STR(out, "link -h", "-h after the command: the command's help");
	nt_args_free(&a);
	for (i = 0; i < sizeof(helps) / sizeof(helps[0]); i++) {
		pre(helps[i].line, helps[i].o, &a, out, sizeof(out));
		T_EQ_I(a.cmd_help, helps[i].help, "%s: the command's help %s (cmd_help; "
		       "the config file is not read for it)", helps[i].line,
		       helps[i].help ? "asked" : "not asked");
		nt_args_free(&a);
	}

	pre("--config /x link lo", &cmd_link_opts, &a, out, sizeof(out));
	T_STR(a.config, "/x", "--config before the command");
	T_STR(out, "link -- lo", "... and not passed to the command");
	T_EQ_I(a.noper, 1, "one operand counted");
	T_OK(!a.cmd_help, "no help asked");
	nt_args_free(&a);
	pre("link --config=/y --warn 1", &cmd_link_opts, &a, out, sizeof(out));
	T_STR(a.config, "/y", "--config=FILE after the command");
	T_STR(out, "link --warn 1", "... taken out of the command's argv");
	T_EQ_I(a.noper, 0, "no operand");
	nt_args_free(&a);
	T_EQ_I(pre("link --config=", &cmd_link_opts, &a, out, sizeof(out)), NT_ARGS_USAGE,
	       "--config with an empty path: usage error");
	nt_args_free(&a);
	T_EQ_I(pre("link --config", &cmd_link_opts, &a, out, sizeof(out)), NT_ARGS_USAGE,
	       "--config without a value: usage error");
	nt_args_free(&a);
}

int main(void)
{
	test_no_conflicts();
	test_prepass();
	return T_DONE();
}
