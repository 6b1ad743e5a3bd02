/* Writes the seed corpus of fuzz_conntrack from the canned ctnetlink
 * generator (tests/unit/nlgen.c): byte 0 picks the parser, byte 1 the
 * breakdown key. Build and run:
 *   make fuzz-seeds */
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include "nlgen.h"

static _Alignas(8) unsigned char buf[65536];

static void put(const char *dir, const char *name, size_t len)
{
	(void)nlgen_write(dir, name, buf, len);
}

int main(int argc, char **argv)
{
	struct nlgen_ct tcp = { AF_INET, IPPROTO_TCP, "192.0.2.1", "198.51.100.2",
				40000, 80, 0, 0, 3, 6, 1, -1, 0 };
	struct nlgen_ct udp = { AF_INET, IPPROTO_UDP, "192.0.2.3", "198.51.100.53",
				3000, 53, 0, 0, -1, 0, 0, 2, 0 };
	struct nlgen_ct icmp = { AF_INET, IPPROTO_ICMP, "192.0.2.4", "198.51.100.9",
				 0, 0, 8, 0, -1, 0, 0, -1, 0 };
	struct nlgen_ct v6 = { AF_INET6, IPPROTO_TCP, "2001:db8::1", "2001:db8::2",
			       1234, 443, 0, 0, -1, 0, 7, 5, 2 };
	static const char procnew[] =
		"entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart\n"
		"00000064  00000001 00000002 00000000 00000003 00000000 00000000 00000004 00000005 00000006 00000007 00000008 00000009  00000000 00000000 00000000 0000000a\n";
	static const char procold[] =
		"entries  searched found new invalid ignore delete delete_list insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart\n"
		"0000002a  00000011 00000002 00000000 00000003 00000000 00000000 00000000 00000005 00000006 ffffffff 00000008 00000009  00000000 00000000 00000000 0000000a\n";
	size_t n;
	int by;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 64;
	}
	buf[0] = 0; buf[1] = 0;
	n = 2 + nlgen_ct_stats(buf + 2, 1, 4500, 262144);
	put(argv[1], "stats", n);
	put(argv[1], "stats-truncated", n - 3);
	buf[0] = 1;
	n = 2 + nlgen_ct_stats_cpu(buf + 2, 1, 0, 100, 0);
	n += nlgen_ct_stats_cpu(buf + n, 1, 1, 200, 3);
	n += nlgen_done(buf + n, 1, 0);
	put(argv[1], "stats-cpu", n);
	for (by = 0; by < 9; by++) {
		char name[32];

		buf[0] = 2;
		buf[1] = (unsigned char)by;
		n = 2 + nlgen_ct_entry(buf + 2, 1, &tcp);
		n += nlgen_ct_entry(buf + n, 1, &udp);
		n += nlgen_ct_entry(buf + n, 1, &icmp);
		n += nlgen_ct_entry(buf + n, 1, &v6);
		n += nlgen_done(buf + n, 1, 0);
		snprintf(name, sizeof(name), "entries-by%d", by);
		put(argv[1], name, n);
	}
	n = 2 + nlgen_ct_entry(buf + 2, 1, &tcp);
	put(argv[1], "entry-truncated", n - 5);
	buf[0] = 3;
	memcpy(buf + 2, procnew, sizeof(procnew) - 1);
	put(argv[1], "procstat-new", 2 + sizeof(procnew) - 1);
	memcpy(buf + 2, procold, sizeof(procold) - 1);
	put(argv[1], "procstat-old", 2 + sizeof(procold) - 1);
	buf[0] = 4;
	memcpy(buf + 2, "262144\n", 7);
	put(argv[1], "sysctl", 9);
	return 0;
}
