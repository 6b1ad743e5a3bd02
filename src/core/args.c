/* The option pre-pass: global options before and after the command name,
 * told apart from the command's own options by the command's nt_cmd_opts
 * (see nt_cmd.h). One getopt_long run per side of the command word. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "nt_cmd.h"

enum gid {
	G_JSON, G_PROM, G_PROM_FILE, G_INTERVAL, G_COUNT, G_NETNS, G_NUMERIC,
	G_QUIET, G_NO_COLOR, G_ALL_NETNS, G_CONFIG, G_HELP, G_VERSION, G_N
};

static const struct gopt {
	const char *name;
	int has_arg;
	char shrt;        /* short letter, or 0 */
	bool before_only; /* only before the command word */
} gopts[G_N] = {
	[G_JSON] = { "json", no_argument, 'j', false },
	[G_PROM] = { "prom", no_argument, 0, false },
	[G_PROM_FILE] = { "prom-file", required_argument, 0, false },
	[G_INTERVAL] = { "interval", required_argument, 'i', false },
	[G_COUNT] = { "count", required_argument, 'c', false },
	[G_NETNS] = { "netns", required_argument, 'N', false },
	[G_NUMERIC] = { "numeric", no_argument, 'n', false },
	[G_QUIET] = { "quiet", no_argument, 'q', false },
	[G_NO_COLOR] = { "no-color", no_argument, 0, false },
	[G_ALL_NETNS] = { "all-netns", no_argument, 0, false },
	[G_CONFIG] = { "config", required_argument, 0, false },
	[G_HELP] = { "help", no_argument, 'h', true },
	[G_VERSION] = { "version", no_argument, 'V', true },
};

/* getopt_long's val for entry k of a merged table: above every char, and
 * distinct per entry so that glibc reports every shared prefix ambiguous. */
#define LVAL 0x1000

/* A merged option table: the command's long options (ncmd) then the global
 * ones allowed on this side of the command word. */
struct table {
	struct option *lo;
	enum gid gid[G_N];   /* gid[k - ncmd] for global entries */
	size_t ncmd, n;
	char shorts[160];
	const char *cmdshort; /* the command's letters, or "" */
};

static size_t nlong(const struct option *lo)
{
	size_t n = 0;

	while (lo && lo[n].name)
		n++;
	return n;
}

static int table_build(struct table *t, const struct nt_cmd_opts *o, bool after)
{
	const char *cs = o ? o->shortopts : "";
	size_t k, len;
	int i;

	memset(t, 0, sizeof(*t));
	while (*cs == '+' || *cs == '-' || *cs == ':')
		cs++;
	t->cmdshort = cs;
	t->ncmd = o ? nlong(o->longopts) : 0;
	t->lo = calloc(t->ncmd + G_N + 1, sizeof(*t->lo));
	if (!t->lo)
		return -ENOMEM;
	for (k = 0; k < t->ncmd; k++)
		t->lo[k] = o->longopts[k];
	t->n = t->ncmd;
	/* RETURN_IN_ORDER after the command (operands come back as 1, so
	 * "link lo -j" works and nothing is permuted), REQUIRE_ORDER before
	 * it (the first operand is the command word); ':' reports a missing
	 * value as ':' rather than '?'. */
	len = (size_t)snprintf(t->shorts, sizeof(t->shorts), "%s:%s",
			       after ? "-" : "+", cs);
	for (i = 0; i < G_N; i++) {
		const struct gopt *g = &gopts[i];

		if (after && g->before_only)
			continue;
		t->gid[t->n - t->ncmd] = (enum gid)i;
		t->lo[t->n].name = g->name;
		t->lo[t->n].has_arg = g->has_arg;
		t->n++;
		/* a letter both global and the command's is the command's
		 * (only -h; test_args checks) */
		if (g->shrt && !strchr(cs, g->shrt) && len + 3 < sizeof(t->shorts)) {
			t->shorts[len++] = g->shrt;
			if (g->has_arg)
				t->shorts[len++] = ':';
			t->shorts[len] = '\0';
		}
	}
	for (k = 0; k < t->n; k++) {
		t->lo[k].flag = NULL;
		t->lo[k].val = LVAL + (int)k;
	}
	return 0;
}

/* '?' from getopt_long: an unknown letter, an unknown or ambiguous long
 * option, or a value given to a flag. arg is the element at fault. */
static void bad_option(const struct table *t, const char *cmd, const char *arg)
{
	char cands[512] = "", see[64];
	size_t k, nlen, m = 0, used = 0;
	const char *name, *eq;

	snprintf(see, sizeof(see), "see nettriage %s%s--help", cmd ? cmd : "",
		 cmd ? " " : "");
	if (optopt >= LVAL) {
		nt_err(cmd, "--%s: takes no value: %s (%s)", t->lo[optopt - LVAL].name,
		       arg ? arg : "", see);
		return;
	}
	if (optopt || !arg || strncmp(arg, "--", 2)) {
		if (optopt)
			nt_err(cmd, "unknown option: -%c (%s)", optopt, see);
		else
			nt_err(cmd, "unknown option: %s (%s)", arg ? arg : "?", see);
		return;
	}
	name = arg + 2;
	eq = strchr(name, '=');
	nlen = eq ? (size_t)(eq - name) : strlen(name);
	for (k = 0; k < t->n; k++) {
		if (strncmp(t->lo[k].name, name, nlen))
			continue;
		m++;
		if (used < sizeof(cands))
			used += (size_t)snprintf(cands + used, sizeof(cands) - used,
						 "%s--%s", m > 1 ? ", " : "",
						 t->lo[k].name);
	}
	if (m > 1)
		nt_err(cmd, "ambiguous option: %.*s (could be %s)", (int)(nlen + 2), arg,
		       cands);
	else
		nt_err(cmd, "unknown option: %s (%s)", arg, see);
}

static enum nt_args_result apply(struct nt_args *a, enum gid id, const char *val)
{
	struct nt_global *g = &a->g;

	switch (id) {
	case G_JSON: g->format = NT_FMT_JSON; break;
	case G_PROM: g->format = NT_FMT_PROM; break;
	case G_PROM_FILE:
	case G_CONFIG:
		if (!*val) {
			nt_err(id == G_CONFIG ? "--config" : "--prom-file", "empty path");
			return NT_ARGS_USAGE;
		}
		if (id == G_CONFIG)
			a->config = val;
		else
			g->prom_file = val;
		break;
	case G_INTERVAL:
		if (nt_parse_double(val, &g->interval) || !(g->interval > 0) ||
		    g->interval > 86400) {
			nt_err("--interval", "not a positive number of seconds (up to 86400): %s", val);
			return NT_ARGS_USAGE;
		}
		if (g->interval < 0.01) {
			nt_err("--interval", "below the 0.01 s minimum: %s", val);
			return NT_ARGS_USAGE;
		}
		break;
	case G_COUNT:
		if (nt_parse_long(val, &g->count) || g->count < 1 ||
		    g->count > 1000000000L) {
			nt_err("--count", "not a positive whole number: %s", val);
			return NT_ARGS_USAGE;
		}
		break;
	case G_NETNS: g->netns = val; break;
	case G_NUMERIC: g->numeric = true; break;
	case G_QUIET: g->quiet = true; break;
	case G_NO_COLOR: a->no_color = true; break;
	case G_ALL_NETNS: g->all_netns = true; break;
	case G_HELP: return NT_ARGS_HELP;
	case G_VERSION: return NT_ARGS_VERSION;
	case G_N: break;
	}
	return NT_ARGS_RUN;
}

static enum gid letter_gid(char c)
{
	int i;

	for (i = 0; i < G_N; i++)
		if (gopts[i].shrt == c)
			return (enum gid)i;
	return G_N;
}

/* The letter of the command's --help (its val), or 0. */
static int help_letter(const struct nt_cmd_opts *o)
{
	size_t k;

	for (k = 0; o && o->longopts[k].name; k++)
		if (!strcmp(o->longopts[k].name, "help"))
			return o->longopts[k].val;
	return 0;
}

/* One getopt_long run over argv. Before the command word (o == NULL,
 * cmd == NULL) it stops at the first operand; after it, command options
 * are copied to a->argv and operands collected behind a "--". */
static enum nt_args_result scan(int argc, char **argv, const struct nt_cmd_opts *o,
				const char *cmd, struct nt_args *a, char **operands,
				int *noper)
{
	enum nt_args_result res = NT_ARGS_RUN;
	size_t pool_used = 0;
	struct table t;
	int c, li;

	if (table_build(&t, o, cmd != NULL))
		goto nomem;
	opterr = 0;
	optind = 0; /* full reset: glibc re-reads the ordering flag */
	while (res == NT_ARGS_RUN) {
		li = -1;
		c = getopt_long(argc, argv, t.shorts, t.lo, &li);
		if (c == -1)
			break;
		if (c == 1) {
			operands[(*noper)++] = optarg;
		} else if (c == ':') {
			char letter[3] = { '-', (char)optopt, '\0' };
			bool lng = optopt >= LVAL;

			nt_err(cmd, "%s%s: missing argument", lng ? "--" : "",
			       lng ? t.lo[optopt - LVAL].name : letter);
			res = NT_ARGS_USAGE;
		} else if (c == '?') {
			bad_option(&t, cmd, optind > 0 && optind <= argc ?
				   argv[optind - 1] : NULL);
			res = NT_ARGS_USAGE;
		} else if (c >= LVAL && (size_t)(c - LVAL) < t.ncmd) {
			const struct option *op = &t.lo[c - LVAL];
			char *s = a->pool + pool_used;

			pool_used += (size_t)sprintf(s, "--%s", op->name) + 1;
			a->argv[a->argc++] = s;
			if (!strcmp(op->name, "help"))
				a->cmd_help = true;
			if (op->has_arg == required_argument) {
				a->argv[a->argc++] = optarg;
			} else if (op->has_arg == optional_argument && optarg) {
				/* only the attached form carries an optional value */
				pool_used--;
				pool_used += (size_t)sprintf(a->pool + pool_used, "=%s",
							     optarg) + 1;
			}
		} else if (c >= LVAL) {
			res = apply(a, t.gid[c - LVAL - (int)t.ncmd], optarg);
		} else if (cmd && strchr(t.cmdshort, c)) {
			char *s = a->pool + pool_used;

			pool_used += (size_t)sprintf(s, "-%c", c) + 1;
			a->argv[a->argc++] = s;
			if (c == help_letter(o))
				a->cmd_help = true;
			if (optarg)
				a->argv[a->argc++] = optarg;
		} else {
			res = apply(a, letter_gid((char)c), optarg);
		}
	}
	if (!cmd)
		a->cmd_index = optind;
	free(t.lo);
	return res;
nomem:
	free(t.lo);
	nt_err(cmd, "out of memory");
	return NT_ARGS_USAGE;
}

enum nt_args_result nt_args_global(int argc, char **argv, struct nt_args *a)
{
	char *none[1];
	int n = 0;

	memset(a, 0, sizeof(*a));
	a->g.format = NT_FMT_TABLE;
	/* REQUIRE_ORDER stops at the first operand: no operand is stored */
	return scan(argc, argv, NULL, NULL, a, none, &n);
}

enum nt_args_result nt_args_command(int argc, char **argv,
				    const struct nt_cmd_opts *o, struct nt_args *a)
{
	size_t chars = 0, maxname = 0, k;
	enum nt_args_result r;
	char **operands;
	int i, noper = 0;

	for (i = 0; i < argc; i++)
		chars += strlen(argv[i]) + 1;
	for (k = 0; o && o->longopts[k].name; k++)
		if (strlen(o->longopts[k].name) > maxname)
			maxname = strlen(o->longopts[k].name);
	/* every emitted option consumes at least one character of input:
	 * a letter of a bundle ("-X\0", 3 bytes) or a whole element */
	a->pool = malloc(3 * chars + (size_t)argc * (maxname + 3) + 1);
	/* a bundle gives one element per letter: bound by characters */
	a->argv = calloc(chars * 2 + 3, sizeof(*a->argv));
	operands = calloc((size_t)argc + 1, sizeof(*operands));
	if (!a->pool || !a->argv || !operands) {
		free(operands);
		nt_err(argv[0], "out of memory");
		return NT_ARGS_USAGE;
	}
	a->argv[a->argc++] = argv[0];
	r = scan(argc, argv, o, argv[0], a, operands, &noper);
	/* what follows a "--" is operands, in order */
	for (i = optind; r == NT_ARGS_RUN && i < argc; i++)
		operands[noper++] = argv[i];
	a->noper = noper;
	if (noper) {
		a->argv[a->argc++] = "--";
		for (i = 0; i < noper; i++)
			a->argv[a->argc++] = operands[i];
	}
	a->argv[a->argc] = NULL;
	free(operands);
	return r;
}

void nt_args_free(struct nt_args *a)
{
	free(a->argv);
	free(a->pool);
	a->argv = NULL;
	a->pool = NULL;
}
