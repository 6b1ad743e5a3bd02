/* Seed corpus for fuzz_tcp (make fuzz-seeds): canned SOCK_DIAG_BY_FAMILY
 * dumps (with and without tcp_info, short tcp_info, cut), an error reply,
 * /proc/net/snmp and /proc/net/netstat text, state lists and --dst values.
 * Each file starts with fuzz_tcp's selector byte. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <arpa/inet.h>
#include "nlgen.h"

static void put(const char *dir, const char *name, uint8_t sel, const void *p, size_t n)
{
	if (nlgen_write_sel(dir, name, sel, p, n))
		exit(1);
}

int main(int argc, char **argv)
{
	static _Alignas(8) char b[65536];
	struct nlgen_diag g;
	size_t off = 0;
	const char *dir = argc > 1 ? argv[1] : ".";
	static const char snmp[] =
		"Ip: Forwarding DefaultTTL\nIp: 1 64\n"
		"Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\n"
		"Tcp: 1 200 120000 -1 14 2 0 0 3 1391 843 7 0 2 0\n";
	static const char netstat[] =
		"TcpExt: SyncookiesSent TW ListenOverflows ListenDrops TCPTimeouts TCPBacklogDrop\n"
		"TcpExt: 0 10 3 4 5 6\nIpExt: InNoRoutes\nIpExt: 0\n";
	static const char bad_counts[] = "Tcp: A B C\nTcp: 1 2\n";

	memset(&g, 0, sizeof(g));
	g.family = AF_INET;
	g.state = 1;
	g.sport = 80;
	g.dport = 40000;
	inet_pton(AF_INET, "192.0.2.1", g.src);
	inet_pton(AF_INET, "198.51.100.2", g.dst);
	off += nlgen_diag(b + off, 1, &g);
	g.state = 8;
	off += nlgen_diag(b + off, 1, &g);
	g.state = 10;
	g.rqueue = 5;
	g.wqueue = 4;
	off += nlgen_diag(b + off, 1, &g);
	g.family = AF_INET6;
	g.state = 6;
	inet_pton(AF_INET6, "2001:db8::1", g.src);
	off += nlgen_diag(b + off, 1, &g);
	off += nlgen_done(b + off, 1, 0);
	put(dir, "diag-states", 0, b, off);
	put(dir, "diag-truncated", 0, b, off - 30);

	off = 0;
	g.family = AF_INET;
	g.state = 1;
	g.info_len = 248;
	g.total_retrans = 9;
	g.unknown_attrs = 1;
	off += nlgen_diag(b + off, 1, &g);
	g.info_len = 104; /* old kernel */
	g.total_retrans = 3;
	off += nlgen_diag(b + off, 1, &g);
	g.info_len = 232;
	off += nlgen_diag(b + off, 1, &g);
	off += nlgen_done(b + off, 1, 0);
	put(dir, "diag-info", 1, b, off);
	put(dir, "diag-info-cut", 1, b, off - 50);
	off = nlgen_error(b, 1, -1);
	put(dir, "diag-error", 0, b, off);

	put(dir, "snmp", 2, snmp, sizeof(snmp) - 1);
	put(dir, "netstat", 2, netstat, sizeof(netstat) - 1);
	put(dir, "counts-mismatch", 2, bad_counts, sizeof(bad_counts) - 1);
	put(dir, "states", 3, "time-wait,close-wait,estab", 26);
	put(dir, "dst4", 3, "198.51.100.0/24", 15);
	put(dir, "dst6", 3, "[2001:db8::1]", 13);
	put(dir, "port-range", 4, "40000\t40999\n", 12);
	put(dir, "reserved-ports", 4, "40000-40099,40500,50000-50010\n", 30);
	/* 64 sockets of 8 bytes each (fuzz_tcp's layout): family/mapped bits,
	 * state, sport 0x9c40.. (40000..), dport 443, two address bytes */
	for (off = 0; off < 64; off++) {
		uint8_t *q = (uint8_t *)b + 8 * off;

		q[0] = (uint8_t)(off & 3);
		q[1] = (uint8_t)(off % 12);
		q[2] = 0x9c;
		q[3] = (uint8_t)(0x40 + off % 8);
		q[4] = 0x01;
		q[5] = 0xbb;
		q[6] = 7;
		q[7] = (uint8_t)(off % 5);
	}
	put(dir, "eph-sockets", 4, b, 8 * 64);
	return 0;
}
