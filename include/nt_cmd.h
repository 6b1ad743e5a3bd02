/* Command table entries and the shared per-command helpers. */
#ifndef NT_CMD_H
#define NT_CMD_H

#include <getopt.h>
#include <stdio.h>
#include "nettriage.h"

/* The options a command parses: its getopt_long optstring ("+...") and
 * long table, the one source of truth that both the command's own loop and
 * main's pre-pass (which must know which options take a value) read. */
struct nt_cmd_opts {
	const char *shortopts;
	const struct option *longopts;
};

/* A command: parses its own options from argv (global options already
 * removed by main) and returns an exit status (enum nt_exit). */
struct nt_cmd {
	const char *name;
	int (*fn)(int argc, char **argv, struct nt_global *g);
	unsigned flags;
	const char *summary;
	const char *usage; /* full --help text, NULL for commands not built */
	const struct nt_cmd_opts *opts; /* NULL for commands not built */
	/* the configuration file key (in its [name] section) whose words
	 * are the default operands when none is given ("targets" for
	 * triage), or NULL; see nt_config.h */
	const char *config_operands;
};

#define NT_CMD_NETNS 0x1u /* main switches namespace before calling fn */
#define NT_CMD_SAMPLED 0x2u /* -i/-c repeat samples (nt_sample_run) */
#define NT_CMD_SWEEP 0x4u /* --all-netns: measured in every namespace */
#define NT_CMD_ONCE 0x8u /* one measurement: -i/-c refused */

int cmd_link(int argc, char **argv, struct nt_global *g);
extern const char cmd_link_usage[];
extern const struct nt_cmd_opts cmd_link_opts;
int cmd_conntrack(int argc, char **argv, struct nt_global *g);
extern const char cmd_conntrack_usage[];
extern const struct nt_cmd_opts cmd_conntrack_opts;
int cmd_tcp(int argc, char **argv, struct nt_global *g);
extern const char cmd_tcp_usage[];
extern const struct nt_cmd_opts cmd_tcp_opts;
int cmd_stack(int argc, char **argv, struct nt_global *g);
extern const char cmd_stack_usage[];
extern const struct nt_cmd_opts cmd_stack_opts;
int cmd_path(int argc, char **argv, struct nt_global *g);
extern const char cmd_path_usage[];
extern const struct nt_cmd_opts cmd_path_opts;
int cmd_capture(int argc, char **argv, struct nt_global *g);
extern const char cmd_capture_usage[];
extern const struct nt_cmd_opts cmd_capture_opts;
int cmd_triage(int argc, char **argv, struct nt_global *g);
extern const char cmd_triage_usage[];
extern const struct nt_cmd_opts cmd_triage_opts;

/* An option's number within [lo, hi]; otherwise a one-line error naming
 * the command and option, and -1 (exit 64 follows). */
int nt_opt_double(const char *cmd, const char *opt, const char *val,
		  double lo, double hi, double *out);
int nt_opt_long(const char *cmd, const char *opt, const char *val,
		long lo, long hi, long *out);

/* The option pre-pass (args.c). Global options may stand before or after
 * the command name; after it, the command's own options are recognised
 * too (from its nt_cmd_opts), so a value such as "--dport -1" is never
 * taken for an option, and flags bundle ("-jq", "-aj"). Long options may be
 * abbreviated to a unique prefix; an ambiguous one is an error. "--" ends
 * options. A command option and a global option of the same name or letter
 * would be a bug (tests/unit/test_args.c checks there are none but -h,
 * --help, which after the command name is the command's help). */
enum nt_args_result {
	NT_ARGS_RUN,     /* go on */
	NT_ARGS_HELP,    /* -h/--help before the command */
	NT_ARGS_VERSION, /* -V/--version before the command */
	NT_ARGS_USAGE,   /* usage error, message printed: exit 64 */
	NT_ARGS_UNBUILT, /* an option not built yet, message printed: exit 3 */
};

struct nt_args {
	struct nt_global g;
	bool no_color;
	int cmd_index;   /* argv index of the command word; argc if none */
	int argc;        /* the command's argv: its name, its options in */
	char **argv;     /* canonical form, then "--" and the operands */
	char *pool;      /* owns the option strings of argv */
	int noper;       /* operands given after the command word */
	bool cmd_help;   /* the command's -h/--help is among its options */
	const char *config; /* --config FILE, or NULL */
};

/* Options before the command word; sets a->cmd_index. a is zeroed first. */
enum nt_args_result nt_args_global(int argc, char **argv, struct nt_args *a);
/* Options after it: argv[0] is the command word, o its options. Fills
 * a->argc/a->argv (strings borrowed from argv or owned by a->pool). */
enum nt_args_result nt_args_command(int argc, char **argv,
				    const struct nt_cmd_opts *o, struct nt_args *a);
void nt_args_free(struct nt_args *a);

/* A TCP/UDP port, 1 to 65535; otherwise "CMD: OPT: not a port: VAL", -1. */
int nt_opt_port(const char *cmd, const char *opt, const char *val, long *out);

/* Print the global option block of --help. */
void nt_usage_globals(FILE *f);

#endif
