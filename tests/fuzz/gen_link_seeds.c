/* Writes the seed corpus for fuzz_link from the canned-message generator:
 * gen_seeds DIR. Built and run by `make fuzz-seeds`. */
#include <stdio.h>
#include <string.h>
#include "nlgen.h"

static _Alignas(8) char buf[65536];

static void put(const char *dir, const char *name, size_t len)
{
	(void)nlgen_write(dir, name, buf, len);
}

int main(int argc, char **argv)
{
	struct nlgen_link full = { "eth0", 2, 1500, 6, 1, 3, 25, 0, 100, 0 };
	struct nlgen_link old = { "old0", 3, 1500, 2, 0, 0, 23, 0, 5, 0 };
	struct nlgen_link s32 = { "s32", 4, 1500, 6, 1, 0, 0, 24, 7, 1 };
	size_t len;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_seeds DIR\n");
		return 64;
	}
	len = nlgen_newlink(buf, 1, &full);
	put(argv[1], "full", len);
	len = nlgen_newlink(buf, 1, &old);
	put(argv[1], "short-stats", len);
	len = nlgen_newlink(buf, 1, &s32);
	put(argv[1], "stats32-unknown", len);
	len = nlgen_newlink(buf, 1, &full);
	len += nlgen_newlink(buf + len, 1, &old);
	len += nlgen_done(buf + len, 1, 0);
	put(argv[1], "dump-done", len);
	len = nlgen_error(buf, 1, -1);
	put(argv[1], "error", len);
	len = nlgen_newlink(buf, 1, &full);
	put(argv[1], "truncated", len - 13);
	return 0;
}
