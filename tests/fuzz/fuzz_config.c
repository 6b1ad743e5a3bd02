/* libFuzzer target: the configuration file parser (src/core/config.c) on
 * the input as a file's bytes, checked against the real command tables.
 * Invariants: a rejected text leaves one message line "f.conf:LINE: ..."
 * (or "f.conf: ...") with no control byte in it; an accepted one gives
 * every command an argv of "--NAME[=VALUE]" tokens for its own long
 * options, NULL-terminated, that the option pre-pass (args.c) accepts
 * whole, so a good file can never turn into a usage error there. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config_rows.h"
#include "nt_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct nt_config_section rows[] = { NT_TEST_CONFIG_ROWS };
#define NROWS (sizeof(rows) / sizeof(rows[0]))

static bool is_long_opt(const struct nt_cmd_opts *o, const char *tok)
{
	size_t k, n = strcspn(tok + 2, "=");

	for (k = 0; o && o->longopts[k].name; k++)
		if (strlen(o->longopts[k].name) == n &&
		    !strncmp(o->longopts[k].name, tok + 2, n))
			switch (o->longopts[k].has_arg) {
			case no_argument: return !tok[2 + n];
			case required_argument: return tok[2 + n] == '=' && tok[3 + n];
			default: return true;
			}
	return false;
}

static void check_argv(const struct nt_config *c, size_t r)
{
	char *in[2] = { (char *)rows[r].name, NULL }, **v;
	struct nt_args a;
	bool operands = false;
	int n, i;

	v = nt_config_argv(c, rows[r].name, 1, in, true, &n);
	if (!v)
		return;
	if (n < 1 || v[n] || strcmp(v[0], rows[r].name))
		abort();
	for (i = 1; i < n; i++) {
		if (!strcmp(v[i], "--") && rows[r].operands && !operands) {
			operands = true;
			continue;
		}
		if (operands) {
			if (!v[i][0] || v[i][0] == '-' || strpbrk(v[i], " \t"))
				abort(); /* an operand is one word, never an option */
		} else if (strncmp(v[i], "--", 2) || !is_long_opt(rows[r].opts, v[i])) {
			abort();
		}
	}
	memset(&a, 0, sizeof(a));
	a.g.format = NT_FMT_TABLE;
	if (nt_args_command(n, v, rows[r].opts, &a) != NT_ARGS_RUN)
		abort();
	nt_args_free(&a);
	free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nt_config c;
	char err[256];
	FILE *saved = stderr;
	size_t r, k;

	if (size > NT_CONFIG_FILE_MAX + 1)
		return 0;
	nt_config_init(&c, rows, NROWS);
	if (nt_config_parse((const char *)data, size, "f.conf", &c, err, sizeof(err))) {
		if (strncmp(err, "f.conf:", 7) || strlen(err) >= sizeof(err))
			abort();
		for (k = 0; err[k]; k++)
			if ((unsigned char)err[k] < 0x20 || err[k] == 0x7f)
				abort();
	} else {
		stderr = fopen("/dev/null", "w"); /* the pre-pass reports errors */
		if (stderr) {
			for (r = 0; r < NROWS; r++)
				check_argv(&c, r);
			fclose(stderr);
		}
		stderr = saved;
	}
	nt_config_free(&c);
	return 0;
}
