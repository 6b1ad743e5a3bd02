/* Unit tests: the configuration file parser and validator (config.c) on
 * canned texts, the argv it gives a command, and the loader on temp files. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config_rows.h"
#include "nt_config.h"
#include "t.h"

/* A command with an optional-argument option and a value check, standing
 * for a command registered later (triage's options, a layer's check). */
static const struct option fake_long[] = {
	{ "level", required_argument, NULL, 'l' },
	{ "maybe", optional_argument, NULL, 'm' },
	{ "flag", no_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};
static const struct nt_cmd_opts fake_opts = { "+l:fh", fake_long };

static int fake_check(const struct option *opt, const char *value, char *why,
		      size_t whylen)
{
	if (strcmp(opt->name, "level") || strcmp(value, "bad"))
		return 0;
	snprintf(why, whylen, "not a level: %s", value);
	return -1;
}

static const struct nt_config_section rows[] = {
	NT_TEST_CONFIG_ROWS,
	{ "fake", &fake_opts, "hosts", fake_check },
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

static char err[512];

/* Parse text (len: strlen unless given) as FILE "t.conf"; returns r. */
static int parse_n(struct nt_config *c, const char *text, size_t len)
{
	nt_config_init(c, rows, NROWS);
	return nt_config_parse(text, len, "t.conf", c, err, sizeof(err));
}

static int parse(struct nt_config *c, const char *text)
{
	return parse_n(c, text, strlen(text));
}

/* The argv of cmd (with extra args after argv[0], space separated) joined
 * by spaces. */
static const char *args_of(const struct nt_config *c, const char *cmd,
			   const char *extra, bool add_operands)
{
	static char out[8192], line[512];
	char *argv[64], *tok, **v;
	int argc = 0, n, i;
	size_t used = 0;

	argv[argc++] = (char *)cmd;
	snprintf(line, sizeof(line), "%s", extra ? extra : "");
	for (tok = strtok(line, " "); tok; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	argv[argc] = NULL;
	v = nt_config_argv(c, cmd, argc, argv, add_operands, &n);
	if (!v)
		return "(null)";
	out[0] = '\0';
	for (i = 0; i < n; i++)
		used += (size_t)snprintf(out + used, sizeof(out) - used, "%s%s",
					 i ? " " : "", v[i]);
	if (v[n])
		snprintf(out, sizeof(out), "(argv not NULL-terminated)");
	free(v);
	return out;
}

/* The text must fail with exactly this message. */
static void bad(const char *text, const char *msg, const char *what)
{
	struct nt_config c;

	T_EQ_I(parse(&c, text), -EINVAL, "%s: rejected", what);
	T_STR(err, msg, "%s: message", what);
	nt_config_free(&c);
}

static const struct bad_case { const char *text, *msg, *what; } bad_targets[] = {
	{ "[triage]\ntargets =\n", "t.conf:2: triage: targets: no value", "targets: empty" },
	{ "[triage]\ntargets = 192.0.2.1 x:0\n",
	  "t.conf:2: triage: targets: not HOST[:PORT]: x:0",
	  "targets: port 0" },
	{ "[triage]\ntargets = h:65536\n",
	  "t.conf:2: triage: targets: not HOST[:PORT]: h:65536",
	  "targets: port above 65535" },
	{ "[triage]\ntargets = h:https\n",
	  "t.conf:2: triage: targets: not HOST[:PORT]: h:https",
	  "targets: a port name" },
	{ "[triage]\ntargets = h:\n",
	  "t.conf:2: triage: targets: not HOST[:PORT]: h:",
	  "targets: an empty port" },
	{ "[triage]\ntargets = :80\n",
	  "t.conf:2: triage: targets: not HOST[:PORT]: :80",
	  "targets: no host" },
	{ "[triage]\ntargets = -j\n",
	  "t.conf:2: triage: targets: not HOST[:PORT]: -j",
	  "targets: an option, not a host" },
	{ "[triage]\ntargets = [2001:db8::1\n",
	  "t.conf:2: triage: targets: not HOST[:PORT]: [2001:db8::1",
	  "targets: no ]" },
	{ "[triage]\ntargets = []:80\n",
	  "t.conf:2: triage: targets: not HOST[:PORT]: []:80",
	  "targets: empty brackets" },
	{ "[triage]\ntargets = [2001:db8::1]x\n",
	  "t.conf:2: triage: targets: not HOST[:PORT]: [2001:db8::1]x",
	  "targets: text after ]" },
	{ "[link]\ntargets = 192.0.2.1\n",
	  "t.conf:2: link: no option --targets",
	  "targets: only where a command has operands" },
	{ "[triage]\nwarn = 1\n",
	  "t.conf:2: triage: no option --warn (not built yet)",
	  "triage: no options until it is built" },
};

static const struct bad_case bad_lines[] = {
	{ "warn = 1\n",
	  "t.conf:1: key outside a section (a [COMMAND] line comes first)",
	  "a key before any section" },
	{ "# x\n\n[cnntrack]\n", "t.conf:3: [cnntrack]: no such command", "a misspelt command" },
	{ "[link\n", "t.conf:1: no ] after the section name", "no ]" },
	{ "[link] # x\n", "t.conf:1: text after ]: # x", "a comment after ]" },
	{ "[ ]\n", "t.conf:1: []: no command name", "an empty section name" },
	{ "[link]\n= 5\n", "t.conf:2: no key before =", "no key" },
	{ "[link]\nwarn 80\n", "t.conf:2: not KEY = VALUE: warn 80", "no =" },
	{ "[conntrack]\nfoo = 1\n", "t.conf:2: conntrack: no option --foo", "an unknown key" },
	{ "[link]\nwar = 1\n",
	  "t.conf:2: link: no option --war",
	  "an abbreviation is not a key" },
	{ "[link]\n--warn = 1\n",
	  "t.conf:2: link: no option ----warn",
	  "a key is a name, not --name" },
	{ "[link]\nWarn = 1\n", "t.conf:2: link: no option --Warn", "keys are case-sensitive" },
	{ "[link]\njson = 1\n",
	  "t.conf:2: link: no option --json",
	  "a global option is not a key" },
	{ "[link]\nhelp = yes\n", "t.conf:2: link: --help: not a setting", "help refused" },
	{ "[link]\nwarn =\n", "t.conf:2: link: --warn: no value", "a value option: empty" },
	{ "[link]\nwarn\n", "t.conf:2: link: --warn: no value", "a value option: bare" },
	{ "[capture]\nread = x\n",
	  "t.conf:2: capture: no option --read (not built yet)",
	  "a command not built yet" },
	{ "[fake]\nlevel = bad\n",
	  "t.conf:2: fake: --level: not a level: bad",
	  "a row's check: a bad value names its line" },
	{ "[link]\nwarn = 1\x1b[31m\n",
	  "t.conf:2: control character \\x1b",
	  "a control character" },
	{ "[link]\nwarn = 1\rcrit = 2\n", "t.conf:2: control character \\x0d", "a lone CR" },
	{ "[link]\n# \x7f\n", "t.conf:2: control character \\x7f", "DEL, even in a comment" },
	{ "[\x1b]\n", "t.conf:1: control character \\x1b", "a control character in a header" },
	{ "[link]\nfoo\xff = 1\n",
	  "t.conf:2: link: no option --foo\\xff",
	  "bytes that are not UTF-8 are escaped in the message" },
	{ "[li\xe2\x80\xaenk]\n",
	  "t.conf:1: [li\\xe2\\x80\\xaenk]: no such command",
	  "a bidi override is escaped in the message" },
};

static void test_good(void)
{
	struct nt_config c;

	T_EQ_I(parse(&c, ""), 0, "empty text");
	T_EQ_U(c.n, 0, "empty text: no entries");
	T_STR(args_of(&c, "link", "lo", true), "link lo", "empty text: argv unchanged");
	nt_config_free(&c);

	T_EQ_I(parse(&c, "# comment\n   ; another\n\n \t \n[link]\n  # indented\n"), 0,
	       "comments, blank lines, a section without keys");
	T_EQ_U(c.n, 0, "... no entries");
	nt_config_free(&c);

	T_EQ_I(parse(&c, "[link]\nwarn = 0.5\n\tcrit-drops=3  \n"), 0, "two keys");
	T_STR(args_of(&c, "link", "--warn 2 lo", true),
	      "link --warn=0.5 --crit-drops=3 --warn 2 lo",
	      "config options first, the command line after them");
	T_STR(args_of(&c, "tcp", NULL, true), "tcp", "another command: nothing");
	T_STR(args_of(&c, "nosuch", NULL, true), "nosuch", "no such section: a copy");
	nt_config_free(&c);
	T_STR(args_of(NULL, "link", "-a", true), "link -a", "no config at all: a copy");

	T_EQ_I(parse(&c, "[ conntrack ]\nwarn=80\r\ncrit = 95\r\n[tcp]\r\nstate = established,close-wait\r\n"),
	       0, "CR LF line ends, [ name ] with blanks");
	T_STR(args_of(&c, "conntrack", NULL, true), "conntrack --warn=80 --crit=95",
	      "CR LF: no CR in the values");
	T_STR(args_of(&c, "tcp", NULL, true), "tcp --state=established,close-wait",
	      "the next section");
	nt_config_free(&c);

	T_EQ_I(parse(&c, "\xef\xbb\xbf[path]\nmax-loss = 5"), 0,
	       "a byte order mark, a last line without newline");
	T_STR(args_of(&c, "path", "192.0.2.1", true), "path --max-loss=5 192.0.2.1",
	      "... both read");
	nt_config_free(&c);

	T_EQ_I(parse(&c, "[link]\nwarn = 1\n[tcp]\nwarn = 3\n[link]\nwarn = 2\ncrit = 4\nwarn = 0.5\n"),
	       0, "a key set three times, a section twice");
	T_STR(args_of(&c, "link", NULL, true), "link --warn=0.5 --crit=4",
	      "duplicates: the last value wins, once");
	T_STR(args_of(&c, "tcp", NULL, true), "tcp --warn=3", "the same key in another section");
	T_EQ_U(c.v[0].line, 8, "the entry remembers the line that set it last");
	nt_config_free(&c);
}

static void test_flags(void)
{
	static const char *const yes[] = { "true", "yes", "1", "TRUE", "Yes" };
	static const char *const no[] = { "false", "no", "0", "False", "NO" };
	struct nt_config c;
	char text[64];
	size_t i;

	for (i = 0; i < 5; i++) {
		snprintf(text, sizeof(text), "[link]\nall = %s\n", yes[i]);
		parse(&c, text);
		T_STR(args_of(&c, "link", NULL, true), "link --all", "all = %s: --all", yes[i]);
		nt_config_free(&c);
		snprintf(text, sizeof(text), "[link]\nall = %s\n", no[i]);
		parse(&c, text);
		T_STR(args_of(&c, "link", NULL, true), "link", "all = %s: nothing", no[i]);
		nt_config_free(&c);
	}
	parse(&c, "[link]\nall\n[conntrack]\neffective =\n");
	T_STR(args_of(&c, "link", NULL, true), "link --all", "a bare flag: given");
	T_STR(args_of(&c, "conntrack", NULL, true), "conntrack --effective",
	      "a flag with an empty value: given");
	nt_config_free(&c);
	parse(&c, "[link]\nall = yes\nwarn = 1\nall = no\n");
	T_STR(args_of(&c, "link", NULL, true), "link --warn=1", "a flag set, then unset: the last wins");
	nt_config_free(&c);
	bad("[link]\nall = maybe\n",
	    "t.conf:2: link: --all: not true or false (yes, no, 1, 0): maybe", "a flag: not a boolean");

	parse(&c, "[fake]\nmaybe =\n");
	T_STR(args_of(&c, "fake", NULL, true), "fake --maybe", "optional argument, empty: --KEY");
	nt_config_free(&c);
	parse(&c, "[fake]\nmaybe = x y\n");
	T_STR(args_of(&c, "fake", NULL, true), "fake --maybe=x y",
	      "optional argument with a value (spaces kept): --KEY=VALUE");
	nt_config_free(&c);
}

static void test_operands(void)
{
	struct nt_config c;
	size_t i;

	T_EQ_I(parse(&c, "[triage]\ntargets = 192.0.2.1  198.51.100.7:443\t[2001:db8::1]:53 2001:db8::2 [2001:db8::3] example.org\n"),
	       0, "targets: hosts, ports, IPv6 with and without brackets");
	T_STR(args_of(&c, "triage", NULL, true),
	      "triage -- 192.0.2.1 198.51.100.7:443 [2001:db8::1]:53 2001:db8::2 [2001:db8::3] example.org",
	      "targets: the default operands, after --");
	T_STR(args_of(&c, "triage", "-- 203.0.113.9", false), "triage -- 203.0.113.9",
	      "targets: not used when operands were given");
	nt_config_free(&c);
	parse(&c, "[triage]\ntargets = 192.0.2.1\ntargets = 192.0.2.2 192.0.2.3\n");
	T_STR(args_of(&c, "triage", NULL, true), "triage -- 192.0.2.2 192.0.2.3",
	      "targets twice: the last list wins whole");
	nt_config_free(&c);
	parse(&c, "[fake]\nflag = 1\nhosts = 192.0.2.1\nlevel = 3\n");
	T_STR(args_of(&c, "fake", NULL, true), "fake --flag --level=3 -- 192.0.2.1",
	      "a registered command: options first, operands last");
	nt_config_free(&c);

	for (i = 0; i < sizeof(bad_targets) / sizeof(bad_targets[0]); i++)
		bad(bad_targets[i].text, bad_targets[i].msg, bad_targets[i].what);
	{
		char text[8192];
		size_t used = (size_t)snprintf(text, sizeof(text), "[triage]\ntargets =");
		unsigned k;

		for (k = 0; k <= NT_CONFIG_OPERANDS_MAX; k++)
			used += (size_t)snprintf(text + used, sizeof(text) - used, " h%u", k);
		bad(text, "t.conf:2: triage: targets: more than 256", "targets: too many");
	}
}

static void test_errors(void)
{
	struct nt_config c;
	char line[NT_CONFIG_LINE_MAX + 64];
	size_t i;

	for (i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++)
		bad(bad_lines[i].text, bad_lines[i].msg, bad_lines[i].what);

	T_EQ_I(parse_n(&c, "[link]\nwarn = 1\0\n", 17), -EINVAL, "a NUL byte");
	T_STR(err, "t.conf:2: NUL byte", "a NUL byte: message");
	nt_config_free(&c);
	T_EQ_I(parse_n(&c, "[link]\n\0", 8), -EINVAL, "a NUL byte as the last line");
	T_STR(err, "t.conf:2: NUL byte", "a NUL byte as the last line: message");
	nt_config_free(&c);

	/* a line of exactly the maximum, then one byte more */
	memset(line, ' ', sizeof(line));
	memcpy(line, "[link]\n#", 8);
	line[7 + NT_CONFIG_LINE_MAX] = '\n';
	T_EQ_I(parse_n(&c, line, 8 + NT_CONFIG_LINE_MAX), 0, "a line of %u bytes", NT_CONFIG_LINE_MAX);
	nt_config_free(&c);
	memcpy(line + 7 + NT_CONFIG_LINE_MAX, " \r\n", 3);
	T_EQ_I(parse_n(&c, line, 10 + NT_CONFIG_LINE_MAX), -EINVAL, "a line of %u bytes and CR LF",
	       NT_CONFIG_LINE_MAX + 1);
	T_STR(err, "t.conf:2: line longer than 4096 bytes", "a long line: message");
	nt_config_free(&c);
	{
		char *big = malloc(NT_CONFIG_FILE_MAX + 2);

		memset(big, '\n', NT_CONFIG_FILE_MAX + 1);
		T_EQ_I(parse_n(&c, big, NT_CONFIG_FILE_MAX), 0, "%u blank lines", NT_CONFIG_FILE_MAX);
		nt_config_free(&c);
		T_EQ_I(parse_n(&c, big, NT_CONFIG_FILE_MAX + 1), -EINVAL, "a text above the maximum");
		T_STR(err, "t.conf: larger than 1048576 bytes", "a text above the maximum: message");
		nt_config_free(&c);
		free(big);
	}

	/* the first bad line is the one reported */
	bad("[link]\nfoo = 1\n[nosuch]\n", "t.conf:2: link: no option --foo", "the first error only");

	/* the file name is user text too */
	nt_config_init(&c, rows, NROWS);
	nt_config_parse("x", 1, "a\x1b.conf", &c, err, sizeof(err));
	T_STR(err, "a\\x1b.conf:1: key outside a section (a [COMMAND] line comes first)",
	      "the file name is escaped");
	nt_config_free(&c);
	/* a small or no buffer: cut, never overrun */
	{
		char small[12];

		memset(small, 'X', sizeof(small));
		nt_config_init(&c, rows, NROWS);
		T_EQ_I(nt_config_parse("x", 1, "t.conf", &c, small, 8), -EINVAL, "errlen 8: rejected");
		T_OK(strlen(small) == 7 && small[8] == 'X', "errlen 8: cut inside the buffer (%s)", small);
		T_EQ_I(nt_config_parse("x", 1, "t.conf", &c, NULL, 0), -EINVAL, "errlen 0: rejected");
		nt_config_free(&c);
	}
}

/* More distinct keys than NT_CONFIG_ENTRIES_MAX: a command with that many
 * options. */
static void test_entries_max(void)
{
	enum { N = NT_CONFIG_ENTRIES_MAX + 1 };
	static struct option lo[N + 1];
	static char names[N][8];
	struct nt_cmd_opts o = { "+", lo };
	struct nt_config_section row = { "many", &o, NULL, NULL };
	struct nt_config c;
	size_t used, i;
	char *text = malloc((size_t)N * 16 + 16);

	for (i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "o%zu", i);
		lo[i].name = names[i];
		lo[i].has_arg = required_argument;
	}
	used = (size_t)sprintf(text, "[many]\n");
	for (i = 0; i < N; i++)
		used += (size_t)sprintf(text + used, "o%zu = 1\n", i);
	nt_config_init(&c, &row, 1);
	T_EQ_I(nt_config_parse(text, used, "t.conf", &c, err, sizeof(err)), -EINVAL,
	       "%u distinct keys: rejected", N);
	T_STR(err, "t.conf:1026: more than 1024 settings", "... at the first one too many");
	T_EQ_U(c.n, NT_CONFIG_ENTRIES_MAX, "... having kept the maximum");
	nt_config_free(&c);
	free(text);
}

static void test_load(void)
{
	char dir[] = "/tmp/nt-test-config.XXXXXX", path[128], msg[256];
	struct nt_config c;
	char *big;
	int fd;

	if (!mkdtemp(dir)) {
		T_OK(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/none.conf", dir);
	nt_config_init(&c, rows, NROWS);
	T_EQ_I(nt_config_load(path, false, &c, err, sizeof(err)), 0,
	       "a missing optional file: no configuration");
	T_EQ_U(c.n, 0, "... and no entries");
	T_EQ_I(nt_config_load(path, true, &c, err, sizeof(err)), -ENOENT,
	       "a missing required file: -ENOENT");
	snprintf(msg, sizeof(msg), "%s: No such file or directory", path);
	T_STR(err, msg, "... naming it");
	T_EQ_I(nt_config_load(dir, false, &c, err, sizeof(err)), -EISDIR,
	       "a directory, even optional: an error");
	snprintf(msg, sizeof(msg), "%s: Is a directory", dir);
	T_STR(err, msg, "... naming it and why");

	snprintf(path, sizeof(path), "%s/good.conf", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	T_OK(fd >= 0 && write(fd, "[link]\nwarn = 2\n[tcp]\nbad = 1\n", 30) == 30, "write a file");
	close(fd);
	T_EQ_I(nt_config_load(path, false, &c, err, sizeof(err)), -EINVAL, "a file with a bad line");
	snprintf(msg, sizeof(msg), "%s:4: tcp: no option --bad", path);
	T_STR(err, msg, "... FILE:LINE: message");
	nt_config_free(&c);

	snprintf(path, sizeof(path), "%s/big.conf", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	big = calloc(1, NT_CONFIG_FILE_MAX + 1);
	memset(big, '\n', NT_CONFIG_FILE_MAX + 1);
	T_OK(fd >= 0 && write(fd, big, NT_CONFIG_FILE_MAX + 1) == NT_CONFIG_FILE_MAX + 1,
	     "write a file one byte above the maximum");
	close(fd);
	free(big);
	nt_config_init(&c, rows, NROWS);
	T_EQ_I(nt_config_load(path, false, &c, err, sizeof(err)), -EFBIG, "too large: -EFBIG");
	snprintf(msg, sizeof(msg), "%s: larger than 1048576 bytes", path);
	T_STR(err, msg, "... naming it");
	T_EQ_I(truncate(path, NT_CONFIG_FILE_MAX), 0, "truncate to the maximum");
	T_EQ_I(nt_config_load(path, true, &c, err, sizeof(err)), 0, "the maximum: read");
	nt_config_free(&c);

	unlink(path);
	snprintf(path, sizeof(path), "%s/good.conf", dir);
	unlink(path);
	rmdir(dir);
}

static void test_default_path(void)
{
	unsetenv("NETTRIAGE_CONFIG");
	T_STR(nt_config_default_path(), "/etc/nettriage.conf", "default: /etc/nettriage.conf");
	setenv("NETTRIAGE_CONFIG", "/tmp/x.conf", 1);
	T_STR(nt_config_default_path(), "/tmp/x.conf", "NETTRIAGE_CONFIG: its path");
	setenv("NETTRIAGE_CONFIG", "", 1);
	T_OK(nt_config_default_path() == NULL, "NETTRIAGE_CONFIG empty: no file");
	unsetenv("NETTRIAGE_CONFIG");
}

int main(void)
{
	test_good();
	test_flags();
	test_operands();
	test_errors();
	test_entries_max();
	test_load();
	test_default_path();
	return T_DONE();
}
