/* libFuzzer target: what a user types or names, as bytes.
 * 1. The option pre-pass (src/core/args.c): the input split at NULs into an
 *    argv, through nt_args_global and, when a command word is found,
 *    nt_args_command with one command's option table; no crash, no leak,
 *    and a RUN result leaves an argv that ends in NULL.
 * 2. The text escaper (src/core/escape.c) on the whole input: no control byte
 *    (C0, DEL) in the result, the length it reports is the length of the
 *    uncut text, a cut result is NUL-terminated inside the buffer, and the
 *    width is never more than the bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nettriage.h"
#include "nt_cmd.h"
#include "nt_escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct nt_cmd_opts *const tables[] = {
	&cmd_link_opts, &cmd_conntrack_opts, &cmd_tcp_opts, &cmd_path_opts,
};

static void fuzz_args(const uint8_t *data, size_t size)
{
	char *copy, *argv[34];
	int argc = 1, i;
	size_t k, start = 1;
	struct nt_args a;
	const struct nt_cmd_opts *o;

	if (size < 1)
		return;
	o = tables[data[0] % (sizeof(tables) / sizeof(tables[0]))];
	copy = malloc(size + 1);
	if (!copy)
		return;
	memcpy(copy, data, size);
	copy[size] = '\0';
	argv[0] = (char *)"nettriage";
	for (k = 1; k <= size && argc < 33; k++)
		if (copy[k] == '\0' || k == size) {
			copy[k] = '\0';
			argv[argc++] = copy + start;
			start = k + 1;
		}
	argv[argc] = NULL;
	if (nt_args_global(argc, argv, &a) == NT_ARGS_RUN &&
	    a.cmd_index < argc &&
	    nt_args_command(argc - a.cmd_index, argv + a.cmd_index, o, &a) == NT_ARGS_RUN) {
		if (a.argv) {
			for (i = 0; i < a.argc; i++)
				if (!a.argv[i])
					abort();
			if (a.argv[a.argc])
				abort();
		}
	}
	nt_args_free(&a);
	free(copy);
}

static void fuzz_escape(const uint8_t *data, size_t size)
{
	char *src = malloc(size + 1), *dst;
	size_t cap = size ? (size_t)data[0] % 64 : 0, full, i, n;

	if (!src)
		return;
	memcpy(src, data, size);
	src[size] = '\0'; /* the text ends at the first NUL, as a C string */
	full = nt_escape_text(NULL, 0, src);
	dst = malloc(full + 1);
	if (!dst)
		goto out;
	if (nt_escape_text(dst, full + 1, src) != full || strlen(dst) != full)
		abort();
	for (i = 0; i < full; i++)
		if ((unsigned char)dst[i] < 0x20 || dst[i] == 0x7f)
			abort();
	if (nt_text_width(dst) > full)
		abort();
	if (cap) {
		char small[64];

		n = nt_escape_text(small, cap, src);
		if (n != full || strlen(small) >= cap ||
		    strncmp(small, dst, strlen(small)))
			abort(); /* a cut is a prefix of the whole, inside the buffer */
	}
	free(dst);
out:
	free(src);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *saved = stderr;

	if (size > 4096)
		return 0;
	stderr = fopen("/dev/null", "w"); /* usage errors are expected */
	if (stderr) {
		fuzz_args(data, size);
		fclose(stderr);
	}
	stderr = saved;
	fuzz_escape(data, size);
	return 0;
}
