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
	put16(tcp + 14, 65535);
	memset(tcp + 20, 'x', len);
	h.ts.tv_sec = (time_t)(g->t_ns / 1000000000u);
	h.ts.tv_usec = (suseconds_t)(g->t_ns % 1000000000u); /* ns: a nano file */
	h.caplen = h.len = 54 + len;
	pcap_dump((u_char *)g->d, &h, b);
	g->frames++;
}

/* n data segments of SEG bytes, each ACKed 0.5 ms later; the segments
 * listed in rx[0..nrx) are sent again 200 ms later before their ACK.
 * Returns the frames written, or 0. */
static unsigned write_flow(const char *path, unsigned n, const unsigned *rx, size_t nrx)
{
	struct gen g = { .t_ns = 1700000000ull * 1000000000u };
	pcap_t *p = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535,
							 PCAP_TSTAMP_PRECISION_NANO);
	unsigned i;
	size_t k;

	if (!p || !(g.d = pcap_dump_open(p, path)))
		return 0;
	frame(&g, 1, NT_TCP_SYN, CISN, 0, 0);
	g.t_ns += 1000000; /* handshake RTT 1 ms */
	frame(&g, 0, NT_TCP_SYN | NT_TCP_ACK, SISN, CISN + 1, 0);
	g.t_ns += 1000000;
	frame(&g, 1, NT_TCP_ACK, CISN + 1, SISN + 1, 0);
	for (i = 0; i < n; i++) {
		uint32_t seq = CISN + 1 + i * SEG;

		g.t_ns += 1000000;
		frame(&g, 1, NT_TCP_ACK | NT_TCP_PSH, seq, SISN + 1, SEG);
		for (k = 0; k < nrx; k++)
			if (rx[k] == i) {
				g.t_ns += 200000000;
				frame(&g, 1, NT_TCP_ACK | NT_TCP_PSH, seq, SISN + 1, SEG);
			}
		g.t_ns += 500000;
		frame(&g, 0, NT_TCP_ACK, SISN + 1, seq + SEG, 0);
	}
	pcap_dump_close(g.d);
	pcap_close(p);
	chmod(path, 0644);
	return g.frames;
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

static const struct nt_verdict *find(const struct nt_verdicts *vs, const char *check)
{
	size_t i;

	for (i = 0; i < vs->n; i++)
		if (!strcmp(vs->v[i].check, check))
			return &vs->v[i];
	return NULL;
}

static int level_of(const struct nt_verdicts *vs, const char *check)
{
	const struct nt_verdict *v = find(vs, check);

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
	T_OK(find(&a.vs, "capture.retrans") &&
	     strstr(find(&a.vs, "capture.retrans")->reason, "too few"), "and the reason says why");
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
	T_OK(find(&b.vs, "capture.retrans") && find(&b.vs, "capture.retrans")->hint[0],
	     "a WARN has a hint");
	T_EQ_U(xa->sum.packets, nsmall, "the first state kept its own counts");
	T_EQ_U(xa->tot.c.retrans, 1, "and its own flows");
	stop(&b);
	stop(&a);

	r = start(&a, (char *[]){ "capture", "--crit-retrans", "2", "-r", big, NULL });
	sample(&a, "crit");
	T_EQ_I(level_of(&a.vs, "capture.retrans"), NT_CRIT, "--crit-retrans 2: CRIT");
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

	unlink(small);
	unlink(big);
	unlink(junk);
	snprintf(missing, sizeof(missing), "%s/stdout", top);
	unlink(missing);
	rmdir(top);
	return T_DONE();
}
