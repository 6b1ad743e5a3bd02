/* Unit tests: the stack layer through its interface (nt_layer.h), on a
 * canned /proc (NETTRIAGE_PROC): two states sampled one after the other
 * (two namespaces in one process), interval judging, the global figures
 * left unjudged when not_home, nothing printed by collect/judge, and the
 * "nothing could be read" failure. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "nt_layer.h"
#include "t.h"
#include "t_layer.h"

static const struct nt_layer *L = &nt_layer_stack;
static char top[] = "/tmp/nt-test-stack-XXXXXX";

static void put(const char *dir, const char *rel, const char *text)
{
	char path[512], d[512], *s;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	snprintf(d, sizeof(d), "%s", path);
	for (s = d + strlen(top) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(d, 0700);
		*s = '/';
	}
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void proc(const char *name, unsigned rcvbuf, unsigned dropped, unsigned files)
{
	char dir[256], t[1024];

	snprintf(dir, sizeof(dir), "%s/%s", top, name);
	snprintf(t, sizeof(t),
		 "00001000 %08x 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n"
		 "00002000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000001 00000000 00000000\n",
		 dropped);
	put(dir, "net/softnet_stat", t);
	put(dir, "net/sockstat", "sockets: used 3\nTCP: inuse 1 orphan 0 tw 2 alloc 1 mem 10\nUDP: inuse 1 mem 1\n");
	put(dir, "net/sockstat6", "TCP6: inuse 0\nUDP6: inuse 0\n");
	snprintf(t, sizeof(t),
		 "Ip: Forwarding InReceives OutNoRoutes\nIp: 1 10 0\n"
		 "Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n"
		 "Udp: 5 0 %u 5 %u 0 0 0 0\n", rcvbuf, rcvbuf);
	put(dir, "net/snmp", t);
	put(dir, "net/snmp6", "Udp6InDatagrams 1\nUdp6RcvbufErrors 0\nUdp6SndbufErrors 0\n");
	put(dir, "net/netstat", "TcpExt: TCPMemoryPressures\nTcpExt: 0\nIpExt: InNoRoutes\nIpExt: 0\n");
	put(dir, "sys/net/ipv4/tcp_mem", "100 200 300\n");
	put(dir, "sys/net/ipv4/udp_mem", "100 200 300\n");
	put(dir, "sys/net/ipv4/tcp_max_orphans", "1000\n");
	put(dir, "sys/net/ipv4/tcp_max_tw_buckets", "1000\n");
	snprintf(t, sizeof(t), "%u\t0\t1000\n", files);
	put(dir, "sys/fs/file-nr", t);
	put(dir, "sys/fs/file-max", "1000\n");
}

static void use(const char *name)
{
	char dir[256];

	snprintf(dir, sizeof(dir), "%s/%s", top, name);
	setenv("NETTRIAGE_PROC", dir, 1);
}

static int level_of(const struct nt_verdicts *vs, const char *check, const char *subject)
{
	size_t i;

	for (i = 0; i < vs->n; i++)
		if (!strcmp(vs->v[i].check, check) && !strcmp(vs->v[i].subject, subject))
			return (int)vs->v[i].level;
	return -1;
}

static int quiet(void *st, struct nt_layer_ctx *c, const struct nt_baseline *b,
		 struct nt_verdicts *vs, long *printed)
{
	return t_quiet_sample(L, st, c, b, vs, top, printed);
}

int main(void)
{
	struct nt_global g = { 0 };
	struct nt_layer_ctx ca = { .g = &g }, cb = { .g = &g };
	struct nt_baseline boot = { .kind = "boot", .since = "since boot (no previous run)" };
	struct nt_baseline iv = { .kind = "interval", .since = "over the interval",
				  .have = true, .dt = 1.0, .sample = 1 };
	struct nt_verdicts vs = { 0 };
	char *argv[] = { "stack", NULL };
	void *a, *b;
	long printed = 0;
	int r;

	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return 1;
	}
	a = calloc(1, L->size);
	b = calloc(1, L->size);
	optind = 0;
	T_OK(L->parse_opts(a, 1, argv) == 0, "parse_opts (defaults), state a");
	optind = 0;
	T_OK(L->parse_opts(b, 1, argv) == 0, "parse_opts (defaults), state b");
	cb.not_home = true; /* b: a swept namespace that is not home */

	proc("a0", 0, 0, 100);
	proc("b0", 0, 0, 950);
	use("a0");
	T_EQ_I(quiet(a, &ca, &boot, &vs, &printed), 0, "state a: collect on canned /proc");
	T_EQ_I(printed, 0, "collect and judge print nothing to stdout");
	T_EQ_I(level_of(&vs, "stack.fd", "files"), NT_OK, "a: stack.fd ok at 10 %%");
	use("b0");
	T_EQ_I(quiet(b, &cb, &boot, &vs, &printed), 0, "state b: collect on its own /proc");
	T_EQ_I(level_of(&vs, "stack.fd", "files"), -1, "b (not home): 95 %% files, but global figures not judged");
	T_EQ_I(level_of(&vs, "stack.backlog", "cpu0"), -1, "b (not home): no softnet verdicts");
	T_EQ_I(level_of(&vs, "stack.tw", "tcp_timewait"), NT_OK, "b (not home): per-namespace tw still judged");

	/* second sample: a's counters rise; b's stay */
	proc("a1", 300, 40, 100);
	L->rotate(a);
	use("a1");
	T_EQ_I(quiet(a, &ca, &iv, &vs, &printed), 0, "state a: second sample");
	T_EQ_I(level_of(&vs, "stack.udp", "Udp"), NT_WARN, "a: RcvbufErrors rose: stack.udp Udp WARN");
	T_EQ_I(level_of(&vs, "stack.backlog", "cpu0"), NT_CRIT,
	       "a: 40 dropped vs 0 processed more: stack.backlog cpu0 CRIT");
	T_EQ_I(level_of(&vs, "stack.backlog", "cpu1"), NT_OK, "a: cpu1 (index column) OK");
	L->rotate(b);
	use("b0");
	T_EQ_I(quiet(b, &cb, &iv, &vs, &printed), 0, "state b: second sample");
	T_EQ_I(level_of(&vs, "stack.udp", "Udp"), NT_OK, "b: no rise: stack.udp OK (states kept apart)");

	/* finding 5: a namespace without tcp_mem, udp_mem, tcp_max_orphans
	 * (a child's /proc/sys): open looks for them in the initial
	 * namespace (pid 1's; the canned /proc has none there either), and
	 * the note says exactly what was not judged and why */
	{
		struct nt_layer_ctx cc = { .g = &g };
		void *c3 = calloc(1, L->size);
		char dir[300], buf[8192];
		const char *const gone[] = { "tcp_mem", "udp_mem", "tcp_max_orphans" };
		FILE *f = tmpfile();
		size_t n = 0, k;

		proc("c0", 0, 0, 100);
		for (k = 0; k < 3; k++) {
			snprintf(dir, sizeof(dir), "%s/c0/sys/net/ipv4/%s", top, gone[k]);
			unlink(dir);
		}
		use("c0");
		optind = 0;
		T_OK(c3 && L->parse_opts(c3, 1, argv) == 0, "child ns: parse_opts");
		T_EQ_I(L->open ? L->open(c3, &cc) : 0, 0, "child ns: open succeeds without the global limits");
		T_EQ_I(quiet(c3, &cc, &boot, &vs, &printed), 0, "child ns: collect");
		T_EQ_I(printed, 0, "child ns: open, collect and judge print nothing");
		T_EQ_I(level_of(&vs, "stack.sockmem", "tcp_mem_pages"), -1, "child ns: stack.sockmem tcp not judged");
		T_EQ_I(level_of(&vs, "stack.sockmem", "udp_mem_pages"), -1, "child ns: stack.sockmem udp not judged");
		T_EQ_I(level_of(&vs, "stack.orphans", "tcp_orphans"), -1, "child ns: stack.orphans not judged");
		T_EQ_I(level_of(&vs, "stack.fd", "files"), NT_OK, "child ns: stack.fd still judged");
		if (f) {
			L->table(c3, f, &cc, &boot, &vs);
			rewind(f);
			n = fread(buf, 1, sizeof(buf) - 1, f);
			fclose(f);
		}
		buf[n] = '\0';
		T_OK(strstr(buf, "note: stack.sockmem and stack.orphans not judged: tcp_mem, udp_mem, tcp_max_orphans") != NULL,
		     "child ns: the note names the checks not judged and why");
		L->free(c3);
		free(c3);
	}

	/* finding 8: softnet rows without the CPU index column (before 5.10):
	 * the note says cpu is the row number, unless every configured CPU
	 * has a row (then the row number is the id) */
	{
		long conf = sysconf(_SC_NPROCESSORS_CONF);
		int pass;

		for (pass = 0; pass < 2 && conf > 0 && conf < 4096; pass++) {
			struct nt_layer_ctx cc = { .g = &g };
			void *c4 = calloc(1, L->size);
			char dir[300], buf[16384], *sn = malloc((size_t)(conf + 1) * 100);
			FILE *f = tmpfile();
			size_t n = 0;
			long k, rows = pass ? conf : conf + 1;

			if (!c4 || !sn || !f) {
				T_OK(0, "cpu rows: allocation");
				break;
			}
			proc("d0", 0, 0, 100);
			sn[0] = '\0';
			for (k = 0; k < rows; k++)
				strcat(sn, "00000010 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n");
			snprintf(dir, sizeof(dir), "%s/d0", top);
			put(dir, "net/softnet_stat", sn);
			use("d0");
			optind = 0;
			T_OK(L->parse_opts(c4, 1, argv) == 0, "cpu rows: parse_opts");
			T_EQ_I(quiet(c4, &cc, &boot, &vs, &printed), 0, "cpu rows: collect %ld rows of 11 columns", rows);
			L->table(c4, f, &cc, &boot, &vs);
			rewind(f);
			n = fread(buf, 1, sizeof(buf) - 1, f);
			buf[n] = '\0';
			if (pass == 0)
				T_OK(strstr(buf, "note: softnet: no CPU index column (before 5.10): cpu is the row number, not the CPU id if a CPU is offline") != NULL,
				     "cpu rows: %ld rows for %ld CPUs: the note says cpu is the row number", rows, conf);
			else
				T_OK(strstr(buf, "no CPU index column") == NULL,
				     "cpu rows: one row per configured CPU (%ld): the row number is the id, no note", conf);
			fclose(f);
			free(sn);
			L->free(c4);
			free(c4);
		}
	}

	/* nothing readable: fails with a reason, unless a netlink source
	 * answered (then its notes say what was not measured) */
	use("empty");
	ca.why[0] = '\0';
	r = quiet(a, &ca, NULL, &vs, &printed);
	T_OK(r < 0 ? strstr(ca.why, "softnet_stat") != NULL : r == 0,
	     "empty /proc: collect %s (%s)", r < 0 ? "fails with a reason" : "works from netlink", ca.why);
	L->free(a);
	L->free(b);
	free(a);
	free(b);
	nt_verdicts_free(&vs);
	unsetenv("NETTRIAGE_PROC");
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
		if (system(cmd) != 0)
			fprintf(stderr, "cleanup of %s failed\n", top);
	}
	return T_DONE();
}
