/* Command table entries and the shared per-command helpers. */
#ifndef NT_CMD_H
#define NT_CMD_H

#include "nettriage.h"

/* A command: parses its own options from argv (global options already
 * removed by main) and returns an exit status (enum nt_exit). */
struct nt_cmd {
	const char *name;
	int (*fn)(int argc, char **argv, struct nt_global *g);
	unsigned flags;
	const char *summary;
	const char *usage; /* full --help text, NULL for commands not built */
};

#define NT_CMD_NETNS 0x1u /* main switches namespace before calling fn */

int cmd_link(int argc, char **argv, struct nt_global *g);
extern const char cmd_link_usage[];
int cmd_conntrack(int argc, char **argv, struct nt_global *g);
extern const char cmd_conntrack_usage[];
int cmd_tcp(int argc, char **argv, struct nt_global *g);
extern const char cmd_tcp_usage[];
int cmd_path(int argc, char **argv, struct nt_global *g);
extern const char cmd_path_usage[];

/* An option's number within [lo, hi]; otherwise a one-line error naming
 * the command and option, and -1 (exit 64 follows). */
int nt_opt_double(const char *cmd, const char *opt, const char *val,
		  double lo, double hi, double *out);
int nt_opt_long(const char *cmd, const char *opt, const char *val,
		long lo, long hi, long *out);

/* Print the global option block of --help. */
void nt_usage_globals(FILE *f);

#endif
