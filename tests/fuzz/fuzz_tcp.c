/* libFuzzer target: the tcp parsers. The first byte picks one:
 *   0: a buffer of SOCK_DIAG_BY_FAMILY replies through nt_nl_walk and the
 *      counting callback (header only, as the state histogram reads them);
 *   1: the same through the --top callback (attributes, tcp_info);
 *   2: /proc/net/snmp and /proc/net/netstat text (Tcp and TcpExt);
 *   3: --state lists and --dst, plus the bytecode built from the filter;
 *   4: ip_local_port_range and ip_local_reserved_ports text, and the
 *      ephemeral-port counting of a socket stream drawn from the rest.
 *
 * Seeds in tests/fuzz/corpus/tcp/ come from tests/fuzz/gen_tcp_seeds.c
 * (make fuzz-seeds).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

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
		struct nt_tcp_cw_count top[4];
		uint64_t sum = 0;

		w.cb = nt_tcp_count_cb;
		w.data = &s;
		(void)nt_nl_walk(buf, n, &w);
		if (nt_tcp_cw_group(&s) == 0) {
			uint64_t cw = 0;

			for (i = 0; i < 65536 && s.cw_ports; i++)
				cw += s.cw_ports[i];
			for (i = 0; i < s.n_cw_peers; i++)
				cw += s.cw_peers[i].sockets;
			if (cw != s.states[NT_TCP_CLOSE_WAIT - 1])
				abort(); /* every CLOSE-WAIT socket in one group */
		}
		for (i = 0; i < NT_TCP_NSTATES; i++)
			sum += s.states[i];
		if (sum != s.total || s.v4 + s.v6 != s.total)
			abort();
		(void)nt_tcp_cw_top(&s, top, 4);
		nt_tcp_sample_free(&s);
	}
	free(buf);
}

/* Port range and reserved list from the text (not NUL-terminated), then
 * every 8 bytes of it as a socket (family bit, state, sport, dport,
 * address bytes) counted into a sample with that range. */
static void eph(const uint8_t *p, size_t n)
{
	char *text = malloc(n ? n : 1);
	struct nt_tcp_sample s;
	struct nt_tcp_eph_count top[3];
	struct nt_tcp_eph_info info;
	struct nt_tcp_diag d;
	uint16_t lo, hi;
	uint64_t sum = 0;
	size_t i, k;

	if (!text)
		return;
	memcpy(text, p, n);
	memset(&s, 0, sizeof(s));
	if (nt_tcp_parse_port_range(text, n, &lo, &hi) == 0) {
		if (lo == 0 || lo > hi)
			abort();
	} else {
		lo = 1;
		hi = (uint16_t)(n * 331 % 65535 + 1);
	}
	if (nt_tcp_parse_reserved(text, n, s.eph_resv) != 0)
		for (i = 0; i < sizeof(s.eph_resv); i++)
			if (s.eph_resv[i])
				abort(); /* a rejected list leaves no port reserved */
	s.mask = NT_TCP_ALL_STATES;
	s.eph_on = true;
	s.eph_lo = lo;
	s.eph_hi = hi;
	for (i = 0; i + 8 <= n; i += 8) {
		memset(&d, 0, sizeof(d));
		d.family = p[i] & 1 ? 10 /* AF_INET6 */ : 2;
		d.state = (uint8_t)(p[i + 1] % 12 + 1);
		d.sport = (uint16_t)(p[i + 2] << 8 | p[i + 3]);
		d.dport = (uint16_t)(p[i + 4] << 8 | p[i + 5]);
		d.src[0] = p[i + 6];
		d.dst[0] = p[i + 7];
		if (p[i] & 2) { /* v4-mapped */
			memset(d.src + 10, 0xff, 2);
			memset(d.dst + 10, 0xff, 2);
		}
		if (nt_tcp_eph_count(&s, &d))
			break;
	}
	for (i = 0; i < s.eph_slots; i++)
		sum += s.eph[i].sockets;
	if (sum + s.eph_untracked != s.eph_sockets || s.eph_n > NT_TCP_EPH_CAP)
		abort(); /* every socket counted once */
	k = nt_tcp_eph_top(&s, 1000, top, 3);
	for (i = 1; i < k; i++)
		if (top[i].sockets > top[i - 1].sockets)
			abort();
	nt_tcp_eph_info(&s, &info);
	if (info.usable + info.reserved != (uint64_t)(hi - lo + 1))
		abort();
	nt_tcp_sample_free(&s);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size < 1)
		return 0;
	switch (data[0] & 7) {
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
		char bad[32];
		uint32_t m;

		text = malloc(size);
		if (!text)
			return 0;
		memcpy(text, data + 1, size - 1);
		text[size - 1] = '\0';
		(void)nt_tcp_parse_states(text, &m, bad, sizeof(bad));
		memset(&f, 0, sizeof(f));
		f.dport = f.sport = size & 1 ? 80 : -1;
		if (nt_tcp_parse_dst(text, &f) == 0 &&
		    nt_tcp_bytecode(&f, bc, sizeof(bc)) <= 0)
			abort();
		free(text);
		break;
	}
	case 4:
		eph(data + 1, size - 1);
		break;
	default:
		break;
	}
	return 0;
}

