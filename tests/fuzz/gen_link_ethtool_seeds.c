/* Writes the seed corpus for fuzz_link_ethtool from the canned-message
 * generator: gen_seeds DIR. Built and run by `make fuzz-seeds`. */
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
	struct nlgen_linkmodes e0 = { 2, "eth0", 1000, 0, 1, 1 };
	struct nlgen_linkmodes e1 = { 0, "eth1", -2, 0xffffffffll, 0xff, 0 };
	struct nlgen_linkmodes lo = { 1, "lo", -1, 0, -1, 0 };
	size_t len;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_seeds DIR\n");
		return 64;
	}
	len = nlgen_genl_family(buf, 1, "ethtool", 0x1c);
	put(argv[1], "family", len);
	len = nlgen_genl_family(buf, 1, "ethtool", 0x1c);
	len += nlgen_error(buf + len, 1, 0);
	put(argv[1], "family-ack", len);
	len = nlgen_error(buf, 1, -2);
	put(argv[1], "family-enoent", len);
	len = nlgen_linkmodes(buf, 1, 0x1c, &e0);
	put(argv[1], "linkmodes-bitsets", len);
	len = nlgen_linkmodes(buf, 1, 0x1c, &e0);
	len += nlgen_linkmodes(buf + len, 1, 0x1c, &e1);
	len += nlgen_linkmodes(buf + len, 1, 0x1c, &lo);
	len += nlgen_done(buf + len, 1, 0);
	put(argv[1], "dump-done", len);
	len = nlgen_linkmodes(buf, 1, 0x1c, &e0);
	put(argv[1], "truncated", len - 7);
	return 0;
}
