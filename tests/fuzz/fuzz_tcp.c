/* libFuzzer target: the tcp parsers. The first byte picks one:
 *   0: a buffer of SOCK_DIAG_BY_FAMILY replies through nt_nl_walk and the
 *      counting callback (header only, as the state histogram reads them);
 *   1: the same through the --top callback (attributes, tcp_info);
 *   2: /proc/net/snmp and /proc/net/netstat text (Tcp and TcpExt);
 *   3: --state lists and --dst, plus the bytecode built from the filter.
 *
 * Seeds in tests/fuzz/corpus/tcp/ are written by this file itself:
 *   cc -DNT_GEN_SEEDS -D_GNU_SOURCE -Iinclude -Itests/unit -o /tmp/g \
 *      tests/fuzz/fuzz_tcp.c tests/unit/nlgen.c -lmnl && /tmp/g tests/fuzz/corpus/tcp
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#ifndef NT_GEN_SEEDS
#include "nt_nl.h"
#include "nt_tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const uint8_t *p, size_t n, int attrs)
{
	void *buf = malloc(n ? n : 1); /* exact size, aligned: ASan sees overreads */
	struct nt_tcp_sample s;
	struct nt_tcp_top t;
	struct nt_nl_walk w;
	size_t i;

	if (!buf)
		return;
	memcpy(buf, p, n);
	memset(&s, 0, sizeof(s));
	s.mask = NT_TCP_ALL_STATES;
	s.keep_inodes = true;
	s.queue_warn_pct = 90;
	memset(&w, 0, sizeof(w));
	w.type = SOCK_DIAG_BY_FAMILY;
	if (attrs) {
		if (nt_tcp_top_init(&t, 4)) {
			free(buf);
			return;
		}
		w.cb = nt_tcp_top_cb;
		w.data = &t;
		(void)nt_nl_walk(buf, n, &w);
		nt_tcp_top_sort(&t);
		if (t.n > 4)
			abort();
		for (i = 1; i < t.n; i++)
			if (t.v[i].total_retrans > t.v[i - 1].total_retrans)
				abort(); /* sorted, most first */
		nt_tcp_top_free(&t);
	} else {
		struct nt_tcp_port_count top[4];
		uint64_t sum = 0;

		w.cb = nt_tcp_count_cb;
		w.data = &s;
		(void)nt_nl_walk(buf, n, &w);
		for (i = 0; i < NT_TCP_NSTATES; i++)
			sum += s.states[i];
		if (sum != s.total || s.v4 + s.v6 != s.total)
			abort();
		(void)nt_tcp_cw_top(&s, top, 4);
		nt_tcp_sample_free(&s);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size < 1)
		return 0;
	switch (data[0] & 3) {
	case 0:
	case 1:
		walk(data + 1, size - 1, data[0] & 1);
		break;
	case 2: {
		struct nt_tcp_ctrs c;

		/* not NUL-terminated: the parser must honour len */
		text = malloc(size - 1 ? size - 1 : 1);
		if (!text)
			return 0;
		memcpy(text, data + 1, size - 1);
		if (nt_tcp_parse_counters(text, size - 1, "Tcp", &c) == 0) {
			if (!c.present || c.n == 0)
				abort();
			nt_tcp_ctrs_free(&c);
		}
		if (nt_tcp_parse_counters(text, size - 1, "TcpExt", &c) == 0)
			nt_tcp_ctrs_free(&c);
		free(text);
		break;
	}
	case 3: {
		struct nt_tcp_filter f;
		uint8_t bc[128];
		const char *bad;
		uint32_t m;

		text = malloc(size);
		if (!text)
			return 0;
		memcpy(text, data + 1, size - 1);
		text[size - 1] = '\0';
		(void)nt_tcp_parse_states(text, &m, &bad);
		memset(&f, 0, sizeof(f));
		f.dport = f.sport = size & 1 ? 80 : -1;
		if (nt_tcp_parse_dst(text, &f) == 0 &&
		    nt_tcp_bytecode(&f, bc, sizeof(bc)) <= 0)
			abort();
		free(text);
		break;
	}
	}
	return 0;
}

#else /* NT_GEN_SEEDS: write the seed corpus */
#include <arpa/inet.h>
#include "nlgen.h"

static void put(const char *dir, const char *name, uint8_t sel, const void *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputc(sel, f);
	fwrite(p, 1, n, f);
	fclose(f);
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
	return 0;
}
#endif
