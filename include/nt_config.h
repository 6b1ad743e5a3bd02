/* The configuration file (nettriage(8), CONFIGURATION FILE): thresholds and
 * default operands per command, in an INI-like text:
 *
 *   # a comment (also ';'), on a line of its own
 *   [conntrack]                 a section: the name of a command
 *   warn = 80                   KEY = VALUE: KEY is one of the command's
 *   effective = yes               long options, exactly as spelled
 *   [triage]
 *   targets = 192.0.2.1 198.51.100.7:443
 *
 * A value applies as if given as --KEY=VALUE before the command-line
 * options, so the command line wins. Parsing and validation are pure (text
 * in, model out, errors as text); only main prints them. */
#ifndef NT_CONFIG_H
#define NT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include "nt_cmd.h"

#define NT_CONFIG_DEFAULT "/etc/nettriage.conf"
#define NT_CONFIG_LINE_MAX 4096u       /* bytes of a line, without its end */
#define NT_CONFIG_FILE_MAX (1u << 20)  /* bytes of a file */
#define NT_CONFIG_ENTRIES_MAX 1024u    /* distinct (section, key) pairs */
#define NT_CONFIG_OPERANDS_MAX 256u    /* words of an operands key (targets) */

/* What a section may hold: one row per command, built by main from its
 * command table (struct nt_cmd: name, opts, config_operands). A command
 * that is not built has opts NULL, so no key but its operands key is
 * accepted in its section; when it is built, its opts make its options
 * valid keys with no change here. */
struct nt_config_section {
	const char *name;               /* the command word: "link" */
	const struct nt_cmd_opts *opts; /* its options, or NULL */
	const char *operands;           /* the key whose whitespace-separated
					 * words are the default operands when
					 * none is given ("targets"), or NULL */
	/* Optional: check the value of an option that takes one as the
	 * command would (0, or nonzero with the reason in why), so that a
	 * bad value is an error naming its line. NULL: the command checks
	 * it when it parses its options, and its message names the option
	 * and the value but not the line (the case of every command today:
	 * their parsers print; a layer's side-effect-free parse_opts can be
	 * wrapped here). */
	int (*check)(const struct option *opt, const char *value, char *why,
		     size_t whylen);
};

struct nt_config_entry {
	size_t section;            /* index of its row */
	const struct option *opt;  /* the option (borrowed from the row), or
				    * NULL for the operands key */
	char *value;               /* owned: the trimmed value; NULL for a
				    * no_argument option */
	bool on;                   /* no_argument option: true or false */
	unsigned line;             /* where it was (last) set */
};

/* Zero it with nt_config_init; free it with nt_config_free, also after an
 * error. */
struct nt_config {
	const struct nt_config_section *rows; /* borrowed, outlives c */
	size_t nrows;
	struct nt_config_entry *v; /* in the order first set */
	size_t n, cap;
};

void nt_config_init(struct nt_config *c, const struct nt_config_section *rows,
		    size_t nrows);
/* Frees what c owns; c may be zeroed or half filled. */
void nt_config_free(struct nt_config *c);

/* Parse len bytes of text (need not be NUL-terminated; may hold NULs,
 * which are an error) into c, checking every key against c's rows. file
 * names the text in messages. A key set twice in one section keeps the
 * last value, at the place it was first set. Returns 0, or -EINVAL with
 * "FILE:LINE: what is wrong" in err (the first bad line; user text in it
 * escaped with nt_escape_text), or -ENOMEM. Lines end in LF or CR LF; a
 * UTF-8 byte order mark at the start is skipped. */
int nt_config_parse(const char *text, size_t len, const char *file,
		    struct nt_config *c, char *err, size_t errlen);

/* Read path (at most NT_CONFIG_FILE_MAX bytes) and parse it into c.
 * Without required, a file that does not exist (ENOENT) is no
 * configuration: 0, c left empty. Returns 0; -EINVAL for a bad line
 * (err "FILE:LINE: ..."); or -errno of the read, with err "PATH: reason"
 * (-EFBIG: larger than NT_CONFIG_FILE_MAX). */
int nt_config_load(const char *path, bool required, struct nt_config *c,
		   char *err, size_t errlen);

/* The file read when --config is not given: $NETTRIAGE_CONFIG (the test
 * seam, read with secure_getenv) if set, else NT_CONFIG_DEFAULT; NULL when
 * NETTRIAGE_CONFIG is set and empty (no configuration file at all). */
const char *nt_config_default_path(void);

/* The argv a command runs with: argv[0], then the options of section cmd
 * in c ("--KEY=VALUE", or "--KEY" for a flag set true; a flag set false
 * gives nothing), then argv[1..argc-1]; then, when add_operands and the
 * section has an operands key, "--" and its words. NULL-terminated; *nargc
 * is set. One malloc'd block that the caller frees with free(): the
 * config's strings are copied into it, argv's strings are borrowed. A cmd
 * with no section or no entries gives a copy of argv. NULL: out of
 * memory. */
char **nt_config_argv(const struct nt_config *c, const char *cmd, int argc,
		      char *const *argv, bool add_operands, int *nargc);

#endif
