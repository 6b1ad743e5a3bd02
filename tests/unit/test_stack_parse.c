/* Unit tests: the stack layer's /proc parsers on canned text from several
 * kernels (softnet_stat of 2.6/3.x/5.10/6.x, sockstat, snmp6, numbers),
 * and malformed input. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nt_stack.h"
#include "t.h"
#include "t_verdict.h"

#define P(s) (s), sizeof(s) - 1

/* 6.18 (15 columns: ... backlog_len, cpu index, input_qlen, process_qlen) */
static const char sn15[] =
	"005e223d 00000010 00000003 00000000 00000000 00000000 00000000 00000000 00000000 00000007 00000002 00000004 00000000 00000001 00000003\n"
	"005c5a7a 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000002 00000000 00000000\n";
/* 5.10 (13 columns), CPU 1 offline: the index column says 0 and 2 */
static const char sn13[] =
	"0000ffff 00000001 00000002 00000000 00000000 00000000 00000000 00000000 00000000 00000005 00000006 00000007 00000000\n"
	"00000100 00000000 0000000a 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000002\n";
/* 3.x (11 columns) */
static const char sn11[] =
	"00000010 00000001 00000002 00000000 00000000 00000000 00000000 00000000 00000000 00000003 00000004\n";
/* 2.6.32 (10 columns, received_rps) */
static const char sn10[] =
	"00000010 00000001 00000002 00000000 00000000 00000000 00000000 00000000 00000009 00000003\n";
/* 2.6.18 (9 columns) */
static const char sn9[] =
	"0a0b0c0d 00000001 00000002 00000000 00000000 00000000 00000000 00000000 00000000\n"
	"00000001 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n";

static void test_softnet(void)
{
	struct nt_softnet s = { 0 };

	T_EQ_I(nt_stack_parse_softnet(P(sn15), &s), 0, "softnet: 15 columns parse");
	T_EQ_U(s.n, 2, "softnet 15: two rows");
	T_EQ_U(s.columns, 15, "softnet 15: columns");
	T_EQ_U(s.v[0].processed, 0x5e223d, "softnet 15: processed");
	T_EQ_U(s.v[0].dropped, 16, "softnet 15: dropped");
	T_EQ_U(s.v[0].time_squeeze, 3, "softnet 15: time_squeeze");
	T_EQ_U(s.v[0].received_rps, 7, "softnet 15: received_rps");
	T_EQ_U(s.v[0].flow_limit_count, 2, "softnet 15: flow_limit_count");
	T_EQ_U(s.v[0].backlog_len, 4, "softnet 15: backlog_len");
	T_EQ_U(s.v[1].cpu, 2, "softnet 15: CPU id from the index column");
	T_STR(s.v[1].subject, "cpu2", "softnet 15: subject");
	T_STR(s.v[0].scope, "global", "softnet: scope global");
	T_OK((s.v[0].avail >> NT_SN_CPUID) & 1, "softnet 15: cpu id known");

	T_EQ_I(nt_stack_parse_softnet(P(sn13), &s), 0, "softnet: 13 columns parse");
	T_EQ_U(s.n, 2, "softnet 13: two rows");
	T_EQ_U(s.v[0].processed, 0xffff, "softnet 13: processed");
	T_EQ_U(s.v[0].backlog_len, 7, "softnet 13: backlog_len");
	T_EQ_U(s.v[1].cpu, 2, "softnet 13: offline CPU skipped, id 2 kept");
	T_EQ_U(s.v[1].time_squeeze, 10, "softnet 13: time_squeeze");

	T_EQ_I(nt_stack_parse_softnet(P(sn11), &s), 0, "softnet: 11 columns parse");
	T_EQ_U(s.v[0].flow_limit_count, 4, "softnet 11: flow_limit_count");
	T_OK(!((s.v[0].avail >> NT_SN_BACKLOG) & 1), "softnet 11: no backlog_len");
	T_OK(!((s.v[0].avail >> NT_SN_CPUID) & 1), "softnet 11: cpu id is the row");

	T_EQ_I(nt_stack_parse_softnet(P(sn10), &s), 0, "softnet: 10 columns parse");
	T_EQ_U(s.v[0].received_rps, 3, "softnet 10: received_rps (column 10, not cpu_collision)");
	T_OK(!((s.v[0].avail >> NT_SN_FLOW) & 1), "softnet 10: no flow_limit_count");

	T_EQ_I(nt_stack_parse_softnet(P(sn9), &s), 0, "softnet: 9 columns parse");
	T_EQ_U(s.n, 2, "softnet 9: two rows");
	T_EQ_U(s.v[0].processed, 0x0a0b0c0d, "softnet 9: processed");
	T_EQ_U(s.v[1].cpu, 1, "softnet 9: cpu = row number");
	T_OK(!((s.v[0].avail >> NT_SN_RPS) & 1), "softnet 9: no received_rps");

	T_EQ_I(nt_stack_parse_softnet(P("00000001 00000002 00000003\n"), &s), -EINVAL,
	       "softnet: 3 columns rejected");
	T_EQ_U(s.n, 0, "softnet: rejected leaves no rows");
	T_EQ_I(nt_stack_parse_softnet(P("0000000g 00000001 00000002 00000000 00000000 00000000 00000000 00000000 00000000\n"), &s),
	       -EINVAL, "softnet: non-hex rejected");
	T_EQ_I(nt_stack_parse_softnet(P("00000001 00000001 00000002 00000000 00000000 00000000 00000000 00000000 00000000 00000001\n"
					"00000001 00000001 00000002 00000000 00000000 00000000 00000000 00000000 00000000\n"), &s),
	       -EINVAL, "softnet: rows of different widths rejected");
	T_EQ_I(nt_stack_parse_softnet(P("111111111111111111111 00000001 00000002 00000000 00000000 00000000 00000000 00000000 00000000\n"), &s),
	       -EINVAL, "softnet: overlong number rejected");
	T_EQ_I(nt_stack_parse_softnet(P(""), &s), 0, "softnet: empty file is no rows");
	T_EQ_U(s.n, 0, "softnet: empty: 0 rows");
	/* no trailing newline */
	T_EQ_I(nt_stack_parse_softnet(sn11, sizeof(sn11) - 2, &s), 0, "softnet: last line without newline");
	T_EQ_U(s.v[0].flow_limit_count, 4, "softnet: last field read to the end");
	nt_softnet_free(&s);
}

static const char ss4[] =
	"sockets: used 14\n"
	"TCP: inuse 1 orphan 2 tw 3 alloc 4 mem 35\n"
	"UDP: inuse 5 mem 6\n"
	"UDPLITE: inuse 0\n"
	"RAW: inuse 0\n"
	"FRAG: inuse 0 memory 0\n"
	"MPTCP: inuse 0 newfield 9\n";
static const char ss6[] =
	"TCP6: inuse 7\nUDP6: inuse 8\nUDPLITE6: inuse 0\nRAW6: inuse 0\nFRAG6: inuse 0 memory 0\n";
/* 3.10 has no "sockets: used" and the same rest */
static const char ss_old[] = "TCP: inuse 10 orphan 0 tw 9 alloc 12 mem 3\nUDP: inuse 2 mem 1\n";

static void test_sockstat(void)
{
	struct nt_sockstat s = { 0 };
	uint64_t v = 0;

	T_EQ_I(nt_stack_parse_sockstat(P(ss4), &s), 0, "sockstat parses");
	T_EQ_I(nt_stack_parse_sockstat(P(ss6), &s), 0, "sockstat6 appends");
	T_OK(nt_sockstat_get(&s, "TCP", "mem", &v) && v == 35, "sockstat: TCP mem");
	T_OK(nt_sockstat_get(&s, "TCP", "tw", &v) && v == 3, "sockstat: TCP tw");
	T_OK(nt_sockstat_get(&s, "UDP6", "inuse", &v) && v == 8, "sockstat6: UDP6 inuse");
	T_OK(nt_sockstat_get(&s, "MPTCP", "newfield", &v) && v == 9, "sockstat: unknown field kept");
	T_OK(nt_sockstat_get(&s, "sockets", "used", &v) && v == 14, "sockstat: sockets used");
	T_STR(nt_sockstat_scope("TCP", "mem"), "global", "scope: TCP mem global");
	T_STR(nt_sockstat_scope("TCP", "orphan"), "global", "scope: TCP orphan global");
	T_STR(nt_sockstat_scope("TCP", "alloc"), "global", "scope: TCP alloc global");
	T_STR(nt_sockstat_scope("UDP", "mem"), "global", "scope: UDP mem global");
	T_STR(nt_sockstat_scope("TCP", "tw"), "netns", "scope: TCP tw per netns");
	T_STR(nt_sockstat_scope("TCP", "inuse"), "netns", "scope: TCP inuse per netns");
	T_STR(nt_sockstat_scope("sockets", "used"), "netns", "scope: sockets used per netns");
	T_STR(nt_sockstat_scope("MPTCP", "newfield"), "unknown", "scope: unknown field");
	T_EQ_U(s.n, 20, "sockstat: every pair kept");
	s.n = 0;
	T_EQ_I(nt_stack_parse_sockstat(P(ss_old), &s), 0, "sockstat of 3.10 parses");
	T_OK(nt_sockstat_get(&s, "TCP", "alloc", &v) && v == 12, "sockstat 3.10: TCP alloc");
	T_EQ_I(nt_stack_parse_sockstat(P("TCP: inuse\n"), &s), -EINVAL, "sockstat: missing value");
	T_EQ_I(nt_stack_parse_sockstat(P("TCP: inuse x\n"), &s), -EINVAL, "sockstat: value not a number");
	T_EQ_I(nt_stack_parse_sockstat(P("TCP inuse 1\n"), &s), -EINVAL, "sockstat: no colon");
	T_EQ_I(nt_stack_parse_sockstat(P("TCP: averyveryverylongfieldname 1\n"), &s), -EINVAL,
	       "sockstat: field too long");
	T_EQ_U(s.n, 7, "sockstat: a failed parse adds nothing");
	nt_sockstat_free(&s);
}

static void test_nums(void)
{
	uint64_t v[3];

	T_EQ_I(nt_stack_parse_nums(P("486\t0\t2466170\n"), v, 3), 3, "file-nr: three numbers");
	T_EQ_U(v[2], 2466170, "file-nr: max");
	T_EQ_I(nt_stack_parse_nums(P("287898\t383867\t575796\n"), v, 3), 3, "tcp_mem");
	T_EQ_U(v[1], 383867, "tcp_mem: pressure");
	T_EQ_I(nt_stack_parse_nums(P("131072\n"), v, 1), 1, "tcp_max_orphans");
	T_EQ_I(nt_stack_parse_nums(P("1 2 3 4\n"), v, 3), -EINVAL, "too many numbers");
	T_EQ_I(nt_stack_parse_nums(P("\n"), v, 3), -EINVAL, "no number");
	T_EQ_I(nt_stack_parse_nums(P("-1\n"), v, 1), -EINVAL, "negative rejected");
	T_EQ_I(nt_stack_parse_nums(P("99999999999999999999999\n"), v, 1), -EINVAL, "overflow rejected");
}

static const char snmp6[] =
	"Ip6InReceives                   \t114\n"
	"Ip6InNoRoutes                   \t3\n"
	"Ip6ReasmFails                   \t90\n"
	"Icmp6InMsgs                     \t5\n"
	"Udp6InDatagrams                 \t7\n"
	"Udp6RcvbufErrors                \t2\n"
	"UdpLite6InDatagrams             \t1\n"
	"Udp6IgnoredMulti                \t0\n";

static void test_snmp6(void)
{
	struct nt_tcp_ctrs c = { 0 };
	uint64_t v = 0;

	T_EQ_I(nt_stack_parse_snmp6(P(snmp6), "Udp6", &c), 0, "snmp6: Udp6 parses");
	T_EQ_U(c.n, 3, "snmp6: Udp6 has 3 fields, not UdpLite6's");
	T_OK(nt_tcp_ctr_get(&c, "RcvbufErrors", &v) && v == 2, "snmp6: Udp6RcvbufErrors");
	T_EQ_I(nt_stack_parse_snmp6(P(snmp6), "UdpLite6", &c), 0, "snmp6: UdpLite6");
	T_EQ_U(c.n, 1, "snmp6: UdpLite6 one field");
	T_EQ_I(nt_stack_parse_snmp6(P(snmp6), "Ip6", &c), 0, "snmp6: Ip6");
	T_OK(nt_tcp_ctr_get(&c, "ReasmFails", &v) && v == 90, "snmp6: Ip6ReasmFails");
	T_EQ_I(nt_stack_parse_snmp6(P(snmp6), "Tcp6", &c), -ENOENT, "snmp6: absent prefix");
	T_EQ_I(nt_stack_parse_snmp6(P("Udp6InDatagrams\n"), "Udp6", &c), -EINVAL, "snmp6: no value");
	T_EQ_I(nt_stack_parse_snmp6(P("Udp6InDatagrams 1 2\n"), "Udp6", &c), -EINVAL, "snmp6: extra word");
	T_EQ_I(nt_stack_parse_snmp6(P("Udp6InDatagrams x\n"), "Udp6", &c), -EINVAL, "snmp6: not a number");
	T_EQ_I(nt_stack_parse_snmp6(P("Udp6InDatagrams 1\nUdp6InDatagrams 2\n"), "Udp6", &c),
	       -EINVAL, "snmp6: repeated name");
	T_EQ_U(c.n, 0, "snmp6: error leaves it empty");
	nt_tcp_ctrs_free(&c);
}

static const char snmp[] =
	"Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams InUnknownProtos InDiscards InDelivers OutRequests OutDiscards OutNoRoutes ReasmTimeout ReasmReqds ReasmOKs ReasmFails FragOKs FragCreates FragFails OutTransmits\n"
	"Ip: 1 64 100 1 2 0 0 3 90 80 4 5 0 0 0 6 0 0 7 80\n"
	"Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n"
	"Udp: 10 1 300 5 300 0 0 0 0\n"
	"UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n"
	"UdpLite: 0 0 0 0 0 0 0 0 0\n";
static const char netstat[] =
	"TcpExt: SyncookiesSent IPReversePathFilter TCPMemoryPressures TCPAbortOnMemory TCPTimeWaitOverflow\n"
	"TcpExt: 0 8 1 2 3\n"
	"IpExt: InNoRoutes InTruncatedPkts\n"
	"IpExt: 9 0\n";

static void test_ctrs_view(void)
{
	struct nt_stack_sample cur = { 0 }, prev = { 0 };
	struct nt_stack_view v = { 0 };
	struct nt_stack_thresholds t;
	struct nt_verdicts vs = { 0 };
	uint64_t x = 0;
	size_t i;
	int warn_udp = 0, warn_ip = 0, warn_mem = 0, sockmem = -1, fd = -1;

	nt_stack_thresholds_default(&t);
	nt_stack_parse_ctrs(&cur.ctrs, P(snmp), P(snmp6), P(netstat));
	T_OK(nt_tcp_ctr_get(&cur.ctrs.s[NT_SC_UDP], "RcvbufErrors", &x) && x == 300, "ctrs: Udp RcvbufErrors");
	T_OK(nt_tcp_ctr_get(&cur.ctrs.s[NT_SC_IPEXT], "InNoRoutes", &x) && x == 9, "ctrs: IpExt InNoRoutes");
	T_OK(nt_tcp_ctr_get(&cur.ctrs.s[NT_SC_TCPEXT], "TCPAbortOnMemory", &x) && x == 2, "ctrs: TcpExt");
	T_OK(nt_tcp_ctr_get(&cur.ctrs.s[NT_SC_UDP6], "InDatagrams", &x) && x == 7, "ctrs: Udp6 from snmp6");
	nt_stack_parse_ctrs(&prev.ctrs, P(snmp), P(snmp6), P(netstat));
	/* prev: the same minus the rise */
	for (i = 0; i < prev.ctrs.s[NT_SC_UDP].n; i++)
		if (!strcmp(prev.ctrs.s[NT_SC_UDP].v[i].name, "RcvbufErrors"))
			prev.ctrs.s[NT_SC_UDP].v[i].v = 0;
	for (i = 0; i < prev.ctrs.s[NT_SC_TCPEXT].n; i++)
		if (!strcmp(prev.ctrs.s[NT_SC_TCPEXT].v[i].name, "TCPMemoryPressures") ||
		    !strcmp(prev.ctrs.s[NT_SC_TCPEXT].v[i].name, "IPReversePathFilter"))
			prev.ctrs.s[NT_SC_TCPEXT].v[i].v = 0;
	T_EQ_I(nt_stack_parse_sockstat(P(ss4), &cur.sockstat), 0, "view: sockstat");
	cur.tcp_mem[0] = 10; cur.tcp_mem[1] = 30; cur.tcp_mem[2] = 38; /* 35 > 30, 92 % of max */
	cur.udp_mem[0] = 10; cur.udp_mem[1] = 20; cur.udp_mem[2] = 30;
	cur.max_orphans = 4; cur.max_tw = 100;
	cur.file_nr[0] = 80; cur.file_nr[2] = 100; cur.file_max = 100;
	T_EQ_I(nt_stack_view_build(&v, &cur, &prev, 2.0, &t), 0, "view builds");
	T_EQ_U(v.n_udp, 4, "view: Udp, Udp6, UdpLite, UdpLite6");
	T_EQ_U(v.udp[0].delta[NT_UC_RCVBUF_ERRORS], 300, "view: Udp RcvbufErrors delta");
	T_NEAR(v.udp[0].rate[NT_UC_RCVBUF_ERRORS], 150, 1e-9, "view: Udp RcvbufErrors rate");
	nt_stack_verdicts(&cur, &prev, &v, &t, true, "since the previous run", &vs);
	for (i = 0; i < vs.n; i++) {
		const struct nt_verdict *e = &vs.v[i];

		if (!strcmp(e->check, "stack.udp") && e->level == NT_WARN && !strcmp(e->subject, "Udp"))
			warn_udp++;
		if (!strcmp(e->check, "stack.ip") && e->level == NT_WARN &&
		    !strcmp(e->subject, "TcpExtIPReversePathFilter"))
			warn_ip++;
		if (!strcmp(e->check, "stack.mem_events") && e->level == NT_WARN)
			warn_mem++;
		if (!strcmp(e->check, "stack.sockmem") && !strcmp(e->subject, "tcp_mem_pages"))
			sockmem = (int)e->level;
		if (!strcmp(e->check, "stack.fd") && !strcmp(e->subject, "files"))
			fd = (int)e->level;
		if (e->level != NT_OK && !e->hint[0])
			T_OK(0, "verdict %s %s has a hint", e->check, e->subject);
	}
	T_EQ_I(warn_udp, 1, "stack.udp WARN on Udp when RcvbufErrors rise");
	T_EQ_I(warn_ip, 1, "stack.ip WARN on IPReversePathFilter rise");
	T_EQ_I(warn_mem, 1, "stack.mem_events WARN on TCPMemoryPressures only");
	T_EQ_I(sockmem, NT_CRIT, "stack.sockmem CRIT at 92 %% of tcp_mem max");
	T_EQ_I(fd, NT_WARN, "stack.fd WARN at 80 %% of file-max");
	/* finding 4: every limit row has a subject of its own, each judged
	 * check uses its row's subject, and no two checks share one */
	for (i = 0; i < v.n_lim; i++) {
		size_t j, n = 0;

		for (j = 0; j < v.n_lim; j++)
			n += !strcmp(v.lim[i].subject, v.lim[j].subject);
		T_OK(v.lim[i].subject[0] && n == 1 && !strcmp(v.lim[i].subject, v.lim[i].name),
		     "limits: row %s has its own subject '%s'", v.lim[i].name, v.lim[i].subject);
	}
	T_OK(t_verdict(&vs, "stack.orphans", "tcp_orphans") && t_verdict(&vs, "stack.tw", "tcp_timewait") &&
	     t_verdict(&vs, "stack.fd", "files") && t_verdict(&vs, "stack.sockmem", "udp_mem_pages"),
	     "limits: orphans, tw, fd, sockmem verdicts on their rows' subjects");
	T_OK(!t_verdict(&vs, "stack.orphans", "") && !t_verdict(&vs, "stack.tw", "") &&
	     !t_verdict(&vs, "stack.fd", ""), "limits: no limit verdict with an empty subject");
	T_OK(nt_verdicts_worst_for(&vs, "tcp_timewait") == t_verdict(&vs, "stack.tw", "tcp_timewait")->level,
	     "limits: the tw row's level is stack.tw's alone (not fd's WARN)");
	/* a swept namespace: global figures not judged */
	nt_verdicts_reset(&vs);
	nt_stack_verdicts(&cur, &prev, &v, &t, false, "since the previous run", &vs);
	for (i = 0, fd = 0; i < vs.n; i++)
		if (!strcmp(vs.v[i].check, "stack.fd") || !strcmp(vs.v[i].check, "stack.sockmem") ||
		    !strcmp(vs.v[i].check, "stack.orphans"))
			fd++;
	T_EQ_I(fd, 0, "judge_global false: no fd, sockmem, orphans verdicts");
	/* first run: totals, no rise-based WARN */
	nt_verdicts_reset(&vs);
	T_EQ_I(nt_stack_view_build(&v, &cur, NULL, 0, &t), 0, "view builds without baseline");
	nt_stack_verdicts(&cur, NULL, &v, &t, true, NULL, &vs);
	for (i = 0, warn_udp = 0; i < vs.n; i++)
		if (!strcmp(vs.v[i].check, "stack.udp") && vs.v[i].level != NT_OK)
			warn_udp++;
	T_EQ_I(warn_udp, 0, "first run: since-boot RcvbufErrors are no WARN");
	nt_verdicts_free(&vs);
	nt_stack_view_free(&v);
	nt_stack_sample_free(&cur);
	nt_stack_sample_free(&prev);
}

static void test_softnet_verdicts(void)
{
	struct nt_stack_sample cur = { 0 }, prev = { 0 };
	struct nt_stack_view v = { 0 };
	struct nt_stack_thresholds t;
	struct nt_verdicts vs = { 0 };
	size_t i;
	int crit = 0, sq = 0;

	nt_stack_thresholds_default(&t);
	T_EQ_I(nt_stack_parse_softnet(P(sn13), &prev.softnet), 0, "prev softnet");
	T_EQ_I(nt_stack_parse_softnet(P(sn13), &cur.softnet), 0, "cur softnet");
	cur.softnet.v[0].processed += 1000;
	cur.softnet.v[0].dropped += 20; /* 1.96 % */
	cur.softnet.v[1].time_squeeze += 100; /* 50/s over 2 s */
	T_EQ_I(nt_stack_view_build(&v, &cur, &prev, 2.0, &t), 0, "view");
	T_NEAR(cur.softnet.v[0].dropped_rate, 10, 1e-9, "softnet dropped rate");
	nt_stack_verdicts(&cur, &prev, &v, &t, true, "over the interval", &vs);
	for (i = 0; i < vs.n; i++) {
		if (!strcmp(vs.v[i].check, "stack.backlog") && vs.v[i].level == NT_CRIT &&
		    !strcmp(vs.v[i].subject, "cpu0"))
			crit++;
		if (!strcmp(vs.v[i].check, "stack.squeeze") && vs.v[i].level == NT_WARN &&
		    !strcmp(vs.v[i].subject, "cpu2"))
			sq++;
	}
	T_EQ_I(crit, 1, "stack.backlog CRIT on cpu0 (dropped >= 1 %% of processed)");
	T_EQ_I(sq, 1, "stack.squeeze WARN on cpu2 (50/s > 10/s)");
	nt_verdicts_free(&vs);
	nt_stack_view_free(&v);

	/* 2 squeezes over a 0.1 s baseline read as 20/s: noise, not a WARN;
	 * 11 over 0.5 s (22/s, more than one second at 10/s) is one */
	memset(&vs, 0, sizeof(vs));
	cur.softnet.v[1].time_squeeze = prev.softnet.v[1].time_squeeze + 2;
	T_EQ_I(nt_stack_view_build(&v, &cur, &prev, 0.1, &t), 0, "view 0.1 s");
	nt_stack_verdicts(&cur, &prev, &v, &t, true, "over the interval", &vs);
	{
		const struct nt_verdict *e = t_verdict(&vs, "stack.squeeze", "cpu2");

		T_OK(e && e->level == NT_OK, "stack.squeeze: 2 squeezes in 0.1 s (20/s) stay OK");
	}
	nt_verdicts_free(&vs);
	nt_stack_view_free(&v);
	memset(&vs, 0, sizeof(vs));
	cur.softnet.v[1].time_squeeze = prev.softnet.v[1].time_squeeze + 11;
	T_EQ_I(nt_stack_view_build(&v, &cur, &prev, 0.5, &t), 0, "view 0.5 s");
	nt_stack_verdicts(&cur, &prev, &v, &t, true, "over the interval", &vs);
	{
		const struct nt_verdict *e = t_verdict(&vs, "stack.squeeze", "cpu2");

		T_OK(e && e->level == NT_WARN, "stack.squeeze: 11 squeezes in 0.5 s (22/s) WARN");
	}
	nt_verdicts_free(&vs);
	nt_stack_view_free(&v);
	nt_stack_sample_free(&cur);
	nt_stack_sample_free(&prev);
}

/* Finding 1: softnet's 32-bit counters wrap within a boot; a decrease
 * over a baseline is a wrap (modulo 2^32), never "first run". */
static void test_softnet_wrap(void)
{
	static const char a[] =
		"fffffff0 00000010 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n";
	static const char b[] =
		"00100000 00000500 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n";
	/* dropped down from 0x500 to 0x10 at 2^32 - 16 more in 1 s: no wrap */
	static const char c[] =
		"00100010 00000010 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n";
	struct nt_stack_sample cur = { 0 }, prev = { 0 };
	struct nt_stack_view v = { 0 };
	struct nt_stack_thresholds t;
	struct nt_verdicts vs = { 0 };
	const struct nt_verdict *e;
	double pct = 100.0 * 1264.0 / (1048592.0 + 1264.0);

	nt_stack_thresholds_default(&t);
	T_EQ_I(nt_stack_parse_softnet(P(a), &prev.softnet), 0, "wrap: prev");
	T_EQ_I(nt_stack_parse_softnet(P(b), &cur.softnet), 0, "wrap: cur");
	T_EQ_I(nt_stack_view_build(&v, &cur, &prev, 1.0, &t), 0, "wrap: view");
	T_EQ_U(cur.softnet.v[0].processed_delta, 0x100010, "wrap: processed delta modulo 2^32");
	T_EQ_U(cur.softnet.v[0].dropped_delta, 1264, "wrap: 1264 new drops");
	T_NEAR(cur.softnet.v[0].dropped_pct, pct, 1e-9, "wrap: dropped %% on the wrapped deltas");
	nt_stack_verdicts(&cur, &prev, &v, &t, true, "over the interval", &vs);
	e = t_verdict(&vs, "stack.backlog", "cpu0");
	T_OK(e && e->level == NT_WARN, "wrap: stack.backlog cpu0 WARN (1264 new drops, %.3f %% < 1 %%)", pct);
	T_OK(e && fabs(e->value - pct) < 1e-9, "wrap: verdict value is the %% of the wrapped deltas");
	T_OK(e && strstr(e->reason, "1264 dropped") && !strstr(e->reason, "first run"),
	     "wrap: reason names 1264 drops, never first run (%s)", e ? e->reason : "");
	e = t_verdict(&vs, "stack.squeeze", "cpu0");
	T_OK(e && !strstr(e->reason, "first run"), "wrap: squeeze reason not first run");
	/* a decrease no single wrap explains in 1 s: baseline not usable */
	nt_verdicts_reset(&vs);
	nt_softnet_free(&prev.softnet);
	T_EQ_I(nt_stack_parse_softnet(P(b), &prev.softnet), 0, "backward: prev");
	nt_softnet_free(&cur.softnet);
	T_EQ_I(nt_stack_parse_softnet(P(c), &cur.softnet), 0, "backward: cur");
	T_EQ_I(nt_stack_view_build(&v, &cur, &prev, 1.0, &t), 0, "backward: view");
	T_OK(!((cur.softnet.v[0].avail >> NT_SN_DELTA) & 1) &&
	     ((cur.softnet.v[0].avail >> NT_SN_BACKWARD) & 1), "backward: implausible wrap, no delta");
	nt_stack_verdicts(&cur, &prev, &v, &t, true, "over the interval", &vs);
	e = t_verdict(&vs, "stack.backlog", "cpu0");
	T_OK(e && !strstr(e->reason, "first run") && strstr(e->reason, "baseline not usable"),
	     "backward: reason says the baseline is not usable (%s)", e ? e->reason : "");
	nt_verdicts_free(&vs);
	nt_stack_view_free(&v);
	nt_stack_sample_free(&cur);
	nt_stack_sample_free(&prev);
}

/* Finding 7: one first-run rule across the layer (link's): a ratio is
 * judged on since-boot totals, a rise needs a baseline. */
static void test_first_run_rule(void)
{
	/* cpu0: 0x10 dropped of 0x100 + 0x10 (5.9 %); cpu1: 1 of 0x10000 */
	static const char a[] =
		"00000100 00000010 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n"
		"00010000 00000001 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000001\n";
	struct nt_stack_sample cur = { 0 };
	struct nt_stack_view v = { 0 };
	struct nt_stack_thresholds t;
	struct nt_verdicts vs = { 0 };
	const struct nt_verdict *e;

	nt_stack_thresholds_default(&t);
	T_EQ_I(nt_stack_parse_softnet(P(a), &cur.softnet), 0, "first run: softnet");
	T_EQ_I(nt_stack_view_build(&v, &cur, NULL, 0, &t), 0, "first run: view");
	nt_stack_verdicts(&cur, NULL, &v, &t, true, NULL, &vs);
	e = t_verdict(&vs, "stack.backlog", "cpu0");
	T_OK(e && e->level == NT_CRIT, "first run: 5.9 %% of offered since boot is CRIT (ratio judged on totals)");
	T_OK(e && strstr(e->reason, "(no baseline: first run); ratio judged, a rise needs a baseline"),
	     "first run: the reason states the rule (%s)", e ? e->reason : "");
	T_EQ_I(t_level(&vs, "stack.backlog", "cpu1"), NT_OK,
	       "first run: 1 drop since boot under 1 %% is OK (a rise needs a baseline)");
	nt_verdicts_free(&vs);
	nt_stack_view_free(&v);
	nt_stack_sample_free(&cur);
}

/* finding 5: the initial namespace's global limits fill a child
 * namespace's sample (-ENOENT there), and say where they came from */
static void test_glimits_apply(void)
{
	struct nt_stack_sample s = { 0 };
	struct nt_stack_glimits g = { 0 };
	struct nt_stack_view v = { 0 };
	struct nt_stack_thresholds t;
	struct nt_verdicts vs = { 0 };

	nt_stack_thresholds_default(&t);
	T_EQ_I(nt_stack_parse_sockstat(P(ss4), &s.sockstat), 0, "glimits: sockstat");
	s.err_tcp_mem = s.err_udp_mem = s.err_orphans = -ENOENT;
	g.from = NT_GL_NONE;
	g.err_init = -EPERM;
	g.err_tcp_mem = g.err_udp_mem = g.err_orphans = -ENOENT;
	nt_stack_apply_glimits(&s, &g);
	T_OK(s.glim_from == NT_GL_NONE && s.glim_err == -EPERM && s.err_tcp_mem == -ENOENT,
	     "glimits: none visible: kept missing, the reason kept");
	T_EQ_I(nt_stack_view_build(&v, &s, NULL, 0, &t), 0, "glimits: view");
	nt_stack_verdicts(&s, NULL, &v, &t, true, NULL, &vs);
	T_OK(!t_verdict(&vs, "stack.sockmem", "tcp_mem_pages") && !t_verdict(&vs, "stack.orphans", "tcp_orphans"),
	     "glimits: none visible: sockmem and orphans not judged");
	nt_verdicts_reset(&vs);
	g.from = NT_GL_INIT;
	g.err_init = g.err_tcp_mem = g.err_udp_mem = g.err_orphans = 0;
	g.tcp_mem[0] = 10; g.tcp_mem[1] = 30; g.tcp_mem[2] = 38;
	g.udp_mem[0] = 10; g.udp_mem[1] = 20; g.udp_mem[2] = 30;
	g.max_orphans = 4;
	nt_stack_apply_glimits(&s, &g);
	T_OK(s.glim_from == NT_GL_INIT && !s.err_tcp_mem && s.tcp_mem[2] == 38 && s.max_orphans == 4,
	     "glimits: from the initial namespace");
	T_EQ_I(nt_stack_view_build(&v, &s, NULL, 0, &t), 0, "glimits: view 2");
	nt_stack_verdicts(&s, NULL, &v, &t, true, NULL, &vs);
	T_EQ_I(t_level(&vs, "stack.sockmem", "tcp_mem_pages"), NT_CRIT,
	       "glimits: sockmem judged against the initial namespace's tcp_mem");
	T_OK(t_verdict(&vs, "stack.orphans", "tcp_orphans") != NULL, "glimits: orphans judged");
	/* a namespace that has its own: untouched */
	s.err_tcp_mem = 0;
	s.tcp_mem[2] = 1000;
	nt_stack_apply_glimits(&s, &g);
	T_EQ_U(s.tcp_mem[2], 1000, "glimits: a sample's own value is kept");
	nt_verdicts_free(&vs);
	nt_stack_view_free(&v);
	nt_stack_sample_free(&s);
}

/* Rows without the CPU id column pair by position: when their number
 * changed between samples (a CPU went offline), none is judged against
 * another CPU's counters. */
static void test_softnet_hotplug(void)
{
	static const char two[] =
		"f0000000 00000001 00000002 00000000 00000000 00000000 00000000 00000000 00000000 00000003 00000004\n"
		"00000010 00000001 00000002 00000000 00000000 00000000 00000000 00000000 00000000 00000003 00000004\n";
	static const char one[] =
		"00000020 00000001 00000002 00000000 00000000 00000000 00000000 00000000 00000000 00000003 00000004\n";
	struct nt_stack_sample cur = { 0 }, prev = { 0 };
	struct nt_stack_view v = { 0 };
	struct nt_stack_thresholds t;

	nt_stack_thresholds_default(&t);
	T_EQ_I(nt_stack_parse_softnet(P(two), &prev.softnet), 0, "hotplug: prev 2 rows");
	T_EQ_I(nt_stack_parse_softnet(P(one), &cur.softnet), 0, "hotplug: cur 1 row");
	T_EQ_I(nt_stack_view_build(&v, &cur, &prev, 60.0, &t), 0, "hotplug: view");
	T_OK(!((cur.softnet.v[0].avail >> NT_SN_DELTA) & 1) &&
	     ((cur.softnet.v[0].avail >> NT_SN_NOBASE) & 1),
	     "hotplug: a row count change without CPU ids leaves no baseline (not a wrap of 0xf0000000 -> 0x20)");
	nt_stack_view_free(&v);
	nt_stack_sample_free(&cur);
	nt_stack_sample_free(&prev);
}

int main(void)
{
	test_softnet();
	test_sockstat();
	test_nums();
	test_snmp6();
	test_ctrs_view();
	test_softnet_verdicts();
	test_softnet_wrap();
	test_softnet_hotplug();
	test_first_run_rule();
	test_glimits_apply();
	return T_DONE();
}
