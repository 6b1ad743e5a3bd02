/* Unit tests: the capture layer through its interface (nt_layer_capture)
 * on pcap files this test writes itself with libpcap's dump API
 * (pcap_open_dead + pcap_dump_open): one TCP flow with a handshake, data
 * segments each ACKed, and retransmissions of chosen segments 200 ms
 * later (timeout-like: no duplicate ACKs, not ACKed before). Known
 * answers follow from how the file was built. open, then collect and
 * judge (nothing printed), the counts and verdicts, -C, a BPF filter on a
 * file, two states side by side, the privilege drop of open (in a child)
 * and the failures' reasons. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include "nt_layer.h"
#include "nt_priv.h"
#include "../../src/capture/capture_int.h"
#include "t.h"
#include "t_verdict.h"
#include "t_layer.h"

static const struct nt_layer *L = &nt_layer_capture;
static char top[] = "/tmp/nt-caplayer-XXXXXX";

#define CISN 1000u
#define SISN 5000u
#define SEG 100u

struct gen {
	pcap_dumper_t *d;
	uint64_t t_ns;
	unsigned frames;
	int zero_win;        /* the next frames advertise a zero window */
};

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v & 0xffff); }

/* One Ethernet/IPv4/TCP frame, 192.0.2.1:40000 <-> 192.0.2.2:80 (c2s:
 * from the client), at g->t_ns. */
static void frame(struct gen *g, int c2s, uint8_t flags, uint32_t seq, uint32_t ack,
		  unsigned len)
{
	uint8_t b[14 + 20 + 20 + SEG];
	uint8_t *ip = b + 14, *tcp = ip + 20;
	struct pcap_pkthdr h;

	memset(b, 0, sizeof(b));
	b[12] = 0x08; /* IPv4 */
	ip[0] = 0x45;
	put16(ip + 2, 40 + len);
	ip[8] = 64;
	ip[9] = 6;
	ip[12] = 192; ip[14] = 2; ip[15] = c2s ? 1 : 2;
	ip[16] = 192; ip[18] = 2; ip[19] = c2s ? 2 : 1;
	put16(tcp, c2s ? 40000 : 80);
	put16(tcp + 2, c2s ? 80 : 40000);
	put32(tcp + 4, seq);
	put32(tcp + 8, ack);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	put16(tcp + 14, g->zero_win ? 0 : 65535);
	memset(tcp + 20, 'x', len);
	h.ts.tv_sec = (time_t)(g->t_ns / 1000000000u);
	h.ts.tv_usec = (suseconds_t)(g->t_ns % 1000000000u); /* ns: a nano file */
	h.caplen = h.len = 54 + len;
	pcap_dump((u_char *)g->d, &h, b);
	g->frames++;
}

/* One conversation on the 5-tuple at g->t_ns: a handshake (client ISN
 * cisn), n data segments of SEG bytes, each ACKed 0.5 ms later; the
 * segments listed in rx[0..nrx) are sent again 200 ms later before their
 * ACK. With zw_ns, the server's ACK of segment 0 advertises a zero window
 * and its window update follows zw_ns later. */
static void conversation(struct gen *g, uint32_t cisn, unsigned n, const unsigned *rx,
			 size_t nrx, uint64_t zw_ns)
{
	uint32_t sisn = cisn + SISN;
	unsigned i;
	size_t k;

	frame(g, 1, NT_TCP_SYN, cisn, 0, 0);
	g->t_ns += 1000000; /* handshake RTT 1 ms */
	frame(g, 0, NT_TCP_SYN | NT_TCP_ACK, sisn, cisn + 1, 0);
	g->t_ns += 1000000;
	frame(g, 1, NT_TCP_ACK, cisn + 1, sisn + 1, 0);
	for (i = 0; i < n; i++) {
		uint32_t seq = cisn + 1 + i * SEG;

		g->t_ns += 1000000;
		frame(g, 1, NT_TCP_ACK | NT_TCP_PSH, seq, sisn + 1, SEG);
		for (k = 0; k < nrx; k++)
			if (rx[k] == i) {
				g->t_ns += 200000000;
				frame(g, 1, NT_TCP_ACK | NT_TCP_PSH, seq, sisn + 1, SEG);
			}
		g->t_ns += 500000;
		g->zero_win = zw_ns && i == 0;
		frame(g, 0, NT_TCP_ACK, sisn + 1, seq + SEG, 0);
		g->zero_win = 0;
		if (zw_ns && i == 0) {
			g->t_ns += zw_ns; /* the window update */
			frame(g, 0, NT_TCP_ACK, sisn + 1, seq + SEG, 0);
		}
	}
}

static pcap_t *gen_open(struct gen *g, const char *path)
{
	pcap_t *p = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535,
							 PCAP_TSTAMP_PRECISION_NANO);

	memset(g, 0, sizeof(*g));
	g->t_ns = 1700000000ull * 1000000000u;
	if (p && !(g->d = pcap_dump_open(p, path))) {
		pcap_close(p);
		return NULL;
	}
	return p;
}

static unsigned gen_close(struct gen *g, pcap_t *p, const char *path)
{
	pcap_dump_close(g->d);
	pcap_close(p);
	chmod(path, 0644);
	return g->frames;
}

/* One conversation (above). Returns the frames written, or 0. */
static unsigned write_flow(const char *path, unsigned n, const unsigned *rx, size_t nrx)
{
	struct gen g;
	pcap_t *p = gen_open(&g, path);

	if (!p)
		return 0;
	conversation(&g, CISN, n, rx, nrx, 0);
	return gen_close(&g, p, path);
}

/* The 5-tuple reused: a clean conversation, then (1 s later, a new ISN)
 * one with a retransmission of segment 1. */
static unsigned write_reuse(const char *path)
{
	static const unsigned rx[] = { 1 };
	struct gen g;
	pcap_t *p = gen_open(&g, path);

	if (!p)
		return 0;
	conversation(&g, CISN, 4, NULL, 0, 0);
	g.t_ns += 1000000000;
	conversation(&g, CISN + 7000000, 4, rx, 1, 0);
	return gen_close(&g, p, path);
}

/* One conversation whose server advertises a zero window for zw_ns. */
static unsigned write_zw(const char *path, uint64_t zw_ns)
{
	struct gen g;
	pcap_t *p = gen_open(&g, path);

	if (!p)
		return 0;
	conversation(&g, CISN, 3, NULL, 0, zw_ns);
	return gen_close(&g, p, path);
}

/* Frames beside the flow: a UDP datagram (decoded, not TCP: other), an
 * IPv4 header claiming version 5 (malformed), an ARP frame and an
 * Ethernet frame cut inside its IPv4 header. */
static unsigned write_mixed(const char *path)
{
	struct gen g;
	pcap_t *p = gen_open(&g, path);
	uint8_t b[14 + 20 + 8 + 4];
	struct pcap_pkthdr h;
	int i;

	if (!p)
		return 0;
	conversation(&g, CISN, 2, NULL, 0, 0);
	for (i = 0; i < 4; i++) {
		memset(b, 0, sizeof(b));
		b[12] = 0x08;
		b[14] = i == 1 ? 0x55 : 0x45;
		put16(b + 14 + 2, 20 + 8 + 4);
		b[14 + 8] = 64;
		b[14 + 9] = 17; /* UDP */
		b[14 + 12] = 192; b[14 + 14] = 2; b[14 + 15] = 1;
		b[14 + 16] = 192; b[14 + 18] = 2; b[14 + 19] = 2;
		put16(b + 34, 5353);
		put16(b + 36, 5353);
		put16(b + 38, 12);
		if (i == 2)
			b[13] = 0x06; /* ARP */
		h.ts.tv_sec = (time_t)(g.t_ns / 1000000000u);
		h.ts.tv_usec = (suseconds_t)(g.t_ns % 1000000000u);
		h.caplen = h.len = sizeof(b);
		if (i == 3)
			h.caplen = 14 + 10; /* cut inside the IPv4 header */
		pcap_dump((u_char *)g.d, &h, b);
		g.frames++;
		g.t_ns += 1000;
	}
	return gen_close(&g, p, path);
}

static struct nt_global g0;

struct run {
	void *st;
	struct nt_layer_ctx c;
	struct nt_verdicts vs;
	int open_r;
};

/* parse argv (NULL-terminated), then open as triage does (the driver
 * keeps the privileges) */
static int start(struct run *x, char **argv)
{
	int argc = 0;

	memset(x, 0, sizeof(*x));
	while (argv[argc])
		argc++;
	x->st = calloc(1, L->size);
	x->c.g = &g0;
	x->c.keep_privs = true;
	optind = 0;
	if (!x->st || L->parse_opts(x->st, argc, argv))
		return -1;
	x->open_r = L->open(x->st, &x->c);
	return x->open_r;
}

static void stop(struct run *x)
{
	L->free(x->st);
	free(x->st);
	nt_verdicts_free(&x->vs);
}

static int level_of(const struct nt_verdicts *vs, const char *check)
{
	const struct nt_verdict *v = t_check(vs, check);

	return v ? (int)v->level : -1;
}

static struct nt_baseline base;

/* collect and judge; nothing may reach stdout */
static int sample(struct run *x, const char *what)
{
	long printed = -1;
	int r = t_quiet_sample(L, x->st, &x->c, &base, &x->vs, top, &printed);

	T_EQ_I(printed, 0, "%s: collect and judge print nothing", what);
	return r;
}

/* the table into a string (caller frees) */
static char *table_text(struct run *x)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	L->table(x->st, f, &x->c, &base, &x->vs);
	fclose(f);
	return buf;
}

/* the Prometheus name of a summary or totals field */
static void prom_name(char *out, size_t len, const struct nt_rectype *rt,
		      const struct nt_field *fl)
{
	snprintf(out, len, "%s_%s%s", rt->prom_prefix, fl->prom_key ? fl->prom_key : fl->key,
		 fl->prom == NT_P_COUNTER ? "_total" : "");
}

static int has_prom(const char *name)
{
	const struct nt_rectype *rts[] = { &nt_cap_summary_rectype, &nt_cap_totals_rectype };
	char n[128];
	size_t i, k;

	for (k = 0; k < 2; k++)
		for (i = 0; i < rts[k]->nfields; i++) {
			if (rts[k]->fields[i].prom == NT_P_NONE)
				continue;
			prom_name(n, sizeof(n), rts[k], &rts[k]->fields[i]);
			if (!strcmp(n, name))
				return 1;
		}
	return 0;
}

static void more_tests(const char *dir)
{
	char reuse[300], zw[300], mixed[300];
	const struct nt_rectype *rts[] = { &nt_cap_summary_rectype, &nt_cap_totals_rectype };
	const struct nt_verdict *v;
	struct capture_st *x;
	struct run a;
	char names[80][128], *t;
	size_t nn = 0, i, k, j;
	int dup = 0, tt = 0;

	snprintf(reuse, sizeof(reuse), "%s/reuse.pcap", dir);
	snprintf(zw, sizeof(zw), "%s/zw.pcap", dir);
	snprintf(mixed, sizeof(mixed), "%s/mixed.pcap", dir);

	/* a reused 5-tuple: two flows, two subjects, the verdict names one */
	T_EQ_U(write_reuse(reuse), 2 * (3 + 2 * 4) + 1, "fixture: two conversations, 23 frames");
	start(&a, (char *[]){ "capture", "--min-segments", "0", "--sort", "bytes", "-r", reuse, NULL });
	sample(&a, "reuse");
	x = a.st;
	T_EQ_U(x->sum.flows_total, 2, "a new ISN on the 5-tuple: a second flow");
	T_EQ_U(x->ntop, 2, "two flow rows");
	if (x->ntop == 2) {
		const struct cap_flowrec *first = x->top[0].id == 1 ? &x->top[0] : &x->top[1];
		const struct cap_flowrec *second = x->top[0].id == 1 ? &x->top[1] : &x->top[0];

		T_EQ_U(first->id + second->id, 3, "ids 1 and 2");
		T_STR(first->subject, "192.0.2.1:40000-192.0.2.2:80", "the first keeps the plain 5-tuple");
		T_STR(second->subject, "192.0.2.1:40000-192.0.2.2:80#2", "the second is #2");
		v = t_check(&a.vs, "capture.retrans");
		T_STR(v ? v->subject : "", second->subject,
		      "capture.retrans names the conversation that retransmitted");
	}
	t = table_text(&a);
	T_OK(t && strstr(t, "\nID "), "the table has an ID column");
	if (t) {
		/* the VERDICT column: one row CRIT (the #2 flow), the other - */
		char *l, *sp = NULL;
		int crit = 0, rows = 0;

		for (l = strtok_r(t, "\n", &sp); l; l = strtok_r(NULL, "\n", &sp))
			if (strstr(l, "192.0.2.1 ") && strstr(l, "192.0.2.2 ")) {
				rows++;
				crit += strstr(l, "CRIT") != NULL;
			}
		T_EQ_I(rows, 2, "two flow rows in the table");
		T_EQ_I(crit, 1, "the VERDICT column marks only the named flow");
	}
	free(t);
	stop(&a);

	/* zero windows: 0.05 ms is flow control (OK), 150 ms a stall (WARN,
	 * the server advertised it), --warn-zero-window 200: OK again */
	T_OK(write_zw(zw, 50000) > 0, "fixture: a zero window of 0.05 ms");
	start(&a, (char *[]){ "capture", "-r", zw, NULL });
	sample(&a, "zw short");
	x = a.st;
	T_EQ_U(x->tot.c.zero_windows, 1, "one zero-window segment");
	T_NEAR(x->tot.c.zero_window_ms, 0.05, 1e-6, "stalled 0.05 ms");
	T_EQ_I(level_of(&a.vs, "capture.zero_window"), NT_OK, "0.05 ms < 100 ms: OK");
	v = t_check(&a.vs, "capture.zero_window");
	T_OK(v && strstr(v->reason, "1 zero-window segments") && strstr(v->reason, "0.050 ms"),
	     "the count and the longest stall in the reason: %s", v ? v->reason : "");
	stop(&a);
	T_OK(write_zw(zw, 150000000) > 0, "fixture: a zero window of 150 ms");
	start(&a, (char *[]){ "capture", "-r", zw, NULL });
	sample(&a, "zw long");
	T_EQ_I(level_of(&a.vs, "capture.zero_window"), NT_WARN, "150 ms >= 100 ms: WARN");
	v = t_check(&a.vs, "capture.zero_window");
	T_OK(v && strstr(v->reason, "the server of 192.0.2.1:40000-192.0.2.2:80"),
	     "names the flow and the side that advertised it: %s", v ? v->reason : "");
	T_STR(v ? v->subject : "", "192.0.2.1:40000-192.0.2.2:80", "subject: that flow");
	stop(&a);
	start(&a, (char *[]){ "capture", "--warn-zero-window", "200", "-r", zw, NULL });
	sample(&a, "zw 200");
	T_EQ_I(level_of(&a.vs, "capture.zero_window"), NT_OK, "--warn-zero-window 200: OK");
	stop(&a);

	/* every frame in exactly one count; the table shows them all */
	T_OK(write_mixed(mixed) > 0, "fixture: TCP, UDP, a bad version, ARP, a cut header");
	start(&a, (char *[]){ "capture", "-r", mixed, NULL });
	sample(&a, "mixed");
	x = a.st;
	T_EQ_U(x->sum.tcp_packets, 3 + 2 * 2, "7 TCP frames");
	T_EQ_U(x->sum.other + x->sum.malformed + x->sum.truncated + x->sum.unsupported, 4,
	       "4 other/malformed/truncated/unsupported frames");
	T_EQ_U(x->sum.malformed, 1, "the version-5 header is malformed");
	T_EQ_U(x->sum.truncated, 1, "the cut IPv4 header is truncated");
	T_EQ_U(x->sum.packets, x->sum.tcp_packets + x->sum.icmp_errors + x->sum.other +
	       x->sum.malformed + x->sum.truncated + x->sum.unsupported,
	       "packets = tcp_packets + icmp_errors + other + malformed + truncated + unsupported (%llu other, %llu unsupported)",
	       (unsigned long long)x->sum.other, (unsigned long long)x->sum.unsupported);
	t = table_text(&a);
	T_OK(t && strstr(t, "duration_s ") && strstr(t, "packets 11,") && strstr(t, "other ") &&
	     strstr(t, "unsupported ") && strstr(t, "if_dropped -") && strstr(t, "evicted 0"),
	     "the summary lines come from the summary fields");
	T_OK(t && strstr(t, "totals") && strstr(t, "(every flow)"), "a totals row under the flows");
	free(t);
	stop(&a);

	/* the metric names: a noun each, no _total_total, none twice */
	T_OK(has_prom("nettriage_capture_dropped_packets_total"), "dropped_packets_total");
	T_OK(has_prom("nettriage_capture_if_dropped_packets_total"), "if_dropped_packets_total");
	T_OK(has_prom("nettriage_capture_evicted_flows_total"), "evicted_flows_total");
	T_OK(has_prom("nettriage_capture_flows_created_total"), "flows_created_total");
	T_OK(has_prom("nettriage_capture_duration_seconds"), "duration_seconds");
	T_OK(has_prom("nettriage_capture_payload_bytes_total"), "payload_bytes_total");
	for (k = 0; k < 2; k++)
		for (i = 0; i < rts[k]->nfields && nn < 80; i++) {
			if (rts[k]->fields[i].prom == NT_P_NONE)
				continue;
			prom_name(names[nn], sizeof(names[nn]), rts[k], &rts[k]->fields[i]);
			tt += strstr(names[nn], "_total_total") != NULL;
			for (j = 0; j < nn; j++)
				dup += !strcmp(names[j], names[nn]);
			nn++;
		}
	T_EQ_I(tt, 0, "no name ends in _total_total");
	T_EQ_I(dup, 0, "no metric name twice (%zu names)", nn);

	/* --snaplen: 128 is the minimum */
	{
		struct cap_opts o;

		optind = 0;
		T_OK(nt_capture_parse_opts(5, (char *[]){ "capture", "-d", "lo", "--snaplen", "127", NULL },
					   &o) != 0, "--snaplen 127 refused");
		nt_capture_opts_free(&o);
		optind = 0;
		T_EQ_I(nt_capture_parse_opts(5, (char *[]){ "capture", "-d", "lo", "--snaplen", "128", NULL },
					     &o), 0, "--snaplen 128 accepted");
		nt_capture_opts_free(&o);
	}

	/* capture.drops: if_dropped counts where it is counted */
	{
		void *st = calloc(1, L->size);
		struct nt_verdicts vs = { 0 };
		struct capture_st *y = st;

		optind = 0;
		if (st && !L->parse_opts(st, 3, (char *[]){ "capture", "-d", "lo", NULL })) {
			y->collected = true;
			y->s.live = true;
			y->sum.avail = 1u << CAP_AV_DROPPED | 1u << CAP_AV_IFDROPPED;
			y->sum.if_dropped = 5;
			L->judge(st, &base, &vs);
			T_EQ_I(level_of(&vs, "capture.drops"), NT_WARN, "if_dropped 5: WARN");
			nt_verdicts_free(&vs);
			memset(&vs, 0, sizeof(vs));
			y->sum.avail = 1u << CAP_AV_DROPPED;
			L->judge(st, &base, &vs);
			T_EQ_I(level_of(&vs, "capture.drops"), NT_OK,
			       "if_dropped not counted (no promiscuous mode): OK");
			nt_verdicts_free(&vs);
			memset(&vs, 0, sizeof(vs));
			y->sum.avail = 0;
			y->s.stats_failed = true;
			snprintf(y->s.stats_err, sizeof(y->s.stats_err), "test: no such device");
			L->judge(st, &base, &vs);
			T_OK(t_check(&vs, "capture.drops") &&
			     !strcmp(t_check(&vs, "capture.drops")->reason, "pcap_stats failed: test: no such device"),
			     "pcap_stats failed: its error in the reason");
			nt_verdicts_free(&vs);
		} else {
			T_OK(0, "parse -d lo");
		}
		if (st)
			L->free(st);
		free(st);
	}
	unlink(reuse);
	unlink(zw);
	unlink(mixed);
}

int main(void)
{
	char small[300], big[300], junk[300], missing[300];
	static const unsigned rx1[] = { 2 }, rx3[] = { 10, 50, 90 };
	unsigned nsmall, nbig;
	struct run a, b;
	struct capture_st *xa, *xb;
	int r, status;
	pid_t pid;

	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return 1;
	}
	chmod(top, 0755);
	snprintf(small, sizeof(small), "%s/small.pcap", top);
	snprintf(big, sizeof(big), "%s/big.pcap", top);
	snprintf(junk, sizeof(junk), "%s/junk.pcap", top);
	snprintf(missing, sizeof(missing), "%s/missing.pcap", top);
	nsmall = write_flow(small, 5, rx1, 1);
	nbig = write_flow(big, 100, rx3, 3);
	T_EQ_U(nsmall, 3 + 2 * 5 + 1, "fixture: 14 frames (handshake, 5 segments and ACKs, 1 resent)");
	T_EQ_U(nbig, 3 + 2 * 100 + 3, "fixture: 206 frames");
	{
		FILE *f = fopen(junk, "w");

		fputs("this is not a capture file, just text long enough to be read\n", f);
		fclose(f);
	}
	nt_baseline_first(&base, false, 0);

	/* the small file: counts, too few data segments to judge a ratio */
	r = start(&a, (char *[]){ "capture", "-r", small, NULL });
	T_EQ_I(r, 0, "open a pcap file");
	xa = a.st;
	T_STR(xa->s.linktype, "EN10MB", "link type named by libpcap");
	r = sample(&a, "small");
	T_EQ_I(r, 0, "collect the small file");
	T_EQ_U(xa->sum.packets, nsmall, "every frame read");
	T_EQ_U(xa->sum.tcp_packets, nsmall, "every frame is TCP");
	T_EQ_U(xa->sum.malformed + xa->sum.truncated, 0, "nothing malformed or truncated");
	T_EQ_U(xa->sum.flows_total, 1, "one flow, both directions joined");
	T_EQ_U(xa->tot.c.data_segments, 6, "6 data segments (5 + 1 resent)");
	T_EQ_U(xa->tot.c.retrans, 1, "1 retransmission");
	T_EQ_U(xa->tot.c.fast_retrans + xa->tot.c.spurious_retrans, 0, "neither fast nor spurious");
	T_EQ_U(xa->ntop, 1, "one flow row");
	T_STR(xa->top[0].subject, "192.0.2.1:40000-192.0.2.2:80", "the client is the SYN's sender");
	T_NEAR(xa->top[0].handshake_rtt_ms, 1.0, 1e-6, "handshake RTT 1 ms");
	T_NEAR(xa->duration_s, (double)(nsmall > 0 ? 0.002 + 5 * 0.0015 + 0.2 : 0), 1e-9,
	       "duration: first to last frame");
	T_EQ_I(level_of(&a.vs, "capture.retrans"), NT_OK, "6 data segments: retrans not judged (OK)");
	T_OK(t_check(&a.vs, "capture.retrans") &&
	     strstr(t_check(&a.vs, "capture.retrans")->reason,
		    "1 of 6 data segments retransmitted (17 %): fewer than 100 (--min-segments)"),
	     "and the reason gives the numbers and the option: %s",
	     t_check(&a.vs, "capture.retrans") ? t_check(&a.vs, "capture.retrans")->reason : "");
	T_STR(t_check(&a.vs, "capture.retrans") ? t_check(&a.vs, "capture.retrans")->subject : "",
	      "192.0.2.1:40000-192.0.2.2:80", "capture.retrans names the worst flow");
	T_EQ_U(xa->sum.packets, xa->sum.tcp_packets + xa->sum.icmp_errors + xa->sum.other +
	       xa->sum.malformed + xa->sum.truncated + xa->sum.unsupported,
	       "packets = tcp_packets + icmp_errors + other + malformed + truncated + unsupported");
	T_EQ_I(level_of(&a.vs, "capture.drops"), NT_OK, "a file: drops OK");
	T_EQ_I(level_of(&a.vs, "capture.rst"), NT_OK, "no RST");
	T_EQ_I(level_of(&a.vs, "capture.zero_window"), NT_OK, "no zero window");
	T_EQ_I(level_of(&a.vs, "capture.evicted"), NT_OK, "evicted: OK");
	T_EQ_I(L->collect(a.st, &a.c), 0, "a second collect keeps the result");
	T_EQ_U(xa->sum.packets, nsmall, "and counts nothing twice");

	/* side by side: the big file in a second state, the first untouched */
	r = start(&b, (char *[]){ "capture", "-r", big, NULL });
	T_EQ_I(r, 0, "open a second state");
	xb = b.st;
	r = sample(&b, "big");
	T_EQ_I(r, 0, "collect the big file");
	T_EQ_U(xb->sum.packets, nbig, "every frame of the big file");
	T_EQ_U(xb->tot.c.data_segments, 103, "103 data segments");
	T_EQ_U(xb->tot.c.retrans, 3, "3 retransmissions");
	T_EQ_I(level_of(&b.vs, "capture.retrans"), NT_WARN, "3/103 = 2.9 %%: WARN (> 1 %%)");
	T_OK(t_check(&b.vs, "capture.retrans") && t_check(&b.vs, "capture.retrans")->hint[0],
	     "a WARN has a hint");
	T_EQ_U(xa->sum.packets, nsmall, "the first state kept its own counts");
	T_EQ_U(xa->tot.c.retrans, 1, "and its own flows");
	stop(&b);
	stop(&a);

	r = start(&a, (char *[]){ "capture", "--crit-retrans", "2", "-r", big, NULL });
	sample(&a, "crit");
	T_EQ_I(level_of(&a.vs, "capture.retrans"), NT_CRIT, "--crit-retrans 2: CRIT");
	stop(&a);

	/* --min-segments 0: always judge; 1 of 6 is 16.7 %: CRIT */
	r = start(&a, (char *[]){ "capture", "--min-segments", "0", "-r", small, NULL });
	T_EQ_I(r, 0, "--min-segments 0 accepted");
	sample(&a, "min-segments 0");
	T_EQ_I(level_of(&a.vs, "capture.retrans"), NT_CRIT, "--min-segments 0: 1 of 6 judged, CRIT");
	stop(&a);
	r = start(&a, (char *[]){ "capture", "--min-segments", "104", "-r", big, NULL });
	sample(&a, "min-segments 104");
	T_EQ_I(level_of(&a.vs, "capture.retrans"), NT_OK, "--min-segments 104: 103 not judged, OK");
	stop(&a);

	r = start(&a, (char *[]){ "capture", "-C", "3", "-r", big, NULL });
	sample(&a, "-C");
	T_EQ_U(((struct capture_st *)a.st)->sum.packets, 3, "-C 3 reads 3 frames");
	stop(&a);

	r = start(&a, (char *[]){ "capture", "-r", big, "--", "tcp", "port", "9", NULL });
	T_EQ_I(r, 0, "a BPF filter on a file");
	sample(&a, "filter");
	T_EQ_U(((struct capture_st *)a.st)->sum.packets, 0, "tcp port 9 matches no frame");
	stop(&a);

	r = start(&a, (char *[]){ "capture", "-r", big, "--", "tcp", "and", "src", "port", "80", NULL });
	sample(&a, "filter 2");
	T_EQ_U(((struct capture_st *)a.st)->sum.packets, 1 + 100, "src port 80: the server's frames");
	stop(&a);

	/* failures: one line each, the right error */
	r = start(&a, (char *[]){ "capture", "-r", missing, NULL });
	T_EQ_I(r, -ENOENT, "a missing file: -ENOENT");
	T_OK(strstr(a.c.why, "No such file") != NULL, "missing: %s", a.c.why);
	stop(&a);
	r = start(&a, (char *[]){ "capture", "-r", junk, NULL });
	T_EQ_I(r, -EINVAL, "a non-pcap file: -EINVAL");
	T_OK(strstr(a.c.why, "unknown file format") != NULL, "non-pcap quotes libpcap: %s", a.c.why);
	stop(&a);
	r = start(&a, (char *[]){ "capture", "-r", small, "--", "tcp", "port", NULL });
	T_EQ_I(r, -EINVAL, "a bad filter: -EINVAL");
	T_OK(strstr(a.c.why, "bad filter") && strstr(a.c.why, "syntax error"),
	     "bad filter quotes pcap_geterr: %s", a.c.why);
	stop(&a);
	T_OK(!strchr(a.c.why, '\n'), "reasons are one line");

	/* open drops privileges when the driver does not (the command), in
	 * a child: the test itself keeps its own */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct run c;
		uint64_t eff, prm, inh;

		memset(&c, 0, sizeof(c));
		c.st = calloc(1, L->size);
		c.c.g = &g0;
		optind = 0;
		if (!c.st || L->parse_opts(c.st, 3, (char *[]){ "capture", "-r", small, NULL }))
			_exit(10);
		if (L->open(c.st, &c.c))
			_exit(11);
		if (nt_priv_get(&eff, &prm, &inh) || eff || prm || inh)
			_exit(12);
		if (getuid() == 0 || geteuid() == 0)
			_exit(13);
		if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
			_exit(14);
		if (L->collect(c.st, &c.c) || ((struct capture_st *)c.st)->sum.packets != nsmall)
			_exit(15);
		_exit(0);
	}
	status = -1;
	if (pid > 0)
		waitpid(pid, &status, 0);
	T_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	     "open dropped every capability, uid 0 and set no_new_privs before collect (child status %d)",
	     WIFEXITED(status) ? WEXITSTATUS(status) : -1);

	more_tests(top);
	unlink(small);
	unlink(big);
	unlink(junk);
	snprintf(missing, sizeof(missing), "%s/stdout", top);
	unlink(missing);
	rmdir(top);
	return T_DONE();
}
