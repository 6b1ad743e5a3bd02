/* Unit test of the tcp layer (nt_layer_tcp) without root or sockets:
 * collect from a canned sock_diag dump (NETTRIAGE_TCP_DIAG) and a fake
 * /proc (NETTRIAGE_PROC: net/snmp, net/netstat, the ephemeral port
 * range), then hist_get, judge, emit (JSON and Prometheus), table,
 * hist_put, and a second run judged against the first through the
 * history file (NETTRIAGE_STATE_DIR). Checks verdicts, and that the
 * counters go through the field tables with the documented names. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/sock_diag.h>
#include <jansson.h>
#include "nt_layer.h"
#include "nt_priv.h"
#include "nt_tcp.h"
#include "nlgen.h"
#include "t.h"
#include "t_verdict.h"

static char root[256];
static _Alignas(8) char buf[1 << 20];

static void put(const char *rel, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	if (!f || fputs(text, f) == EOF || fclose(f)) {
		perror(p);
		exit(1);
	}
}

static void mk(const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (mkdir(p, 0700) && errno != EEXIST) {
		perror(p);
		exit(1);
	}
}

static struct nlgen_diag sock(uint8_t state, const char *dst, uint16_t sport,
			      uint16_t dport)
{
	return nlgen_diag4(state, "192.0.2.1", sport, dst, dport);
}

/* The canned dump: 200 CLOSE-WAIT clients of 203.0.113.9:443 on ephemeral
 * ports, 150 CLOSE-WAIT on the listener 45000 (inside the range, so only
 * the listener tells it is a server), a listener on 80 whose accept
 * queue is full, 5 established. */
static void write_dump(void)
{
	size_t off = 0;
	char p[512];
	FILE *f;
	int i;

	for (i = 0; i < 200; i++) {
		struct nlgen_diag g = sock(NT_TCP_CLOSE_WAIT, "203.0.113.9",
					   (uint16_t)(41000 + i), 443);

		off += nlgen_diag(buf + off, 1, &g);
	}
	for (i = 0; i < 150; i++) {
		struct nlgen_diag g = sock(NT_TCP_CLOSE_WAIT, "198.51.100.4", 45000,
					   (uint16_t)(50000 + i));

		off += nlgen_diag(buf + off, 1, &g);
	}
	for (i = 0; i < 5; i++) {
		struct nlgen_diag g = sock(NT_TCP_ESTABLISHED, "198.51.100.4", 80,
					   (uint16_t)(33000 + i));

		off += nlgen_diag(buf + off, 1, &g);
	}
	{
		struct nlgen_diag g = sock(NT_TCP_LISTEN, "0.0.0.0", 45000, 0);

		g.wqueue = 128;
		off += nlgen_diag(buf + off, 1, &g);
		g = sock(NT_TCP_LISTEN, "0.0.0.0", 80, 0);
		g.rqueue = 129;
		g.wqueue = 128;
		off += nlgen_diag(buf + off, 1, &g);
	}
	off += nlgen_done(buf + off, 1, 0);
	snprintf(p, sizeof(p), "%s/dump", root);
	f = fopen(p, "w");
	if (!f || fwrite(buf, 1, off, f) != off || fclose(f)) {
		perror(p);
		exit(1);
	}
}

#define SNMP_HDR "Ip: Forwarding\nIp: 1\n" \
	"Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens CurrEstab InSegs OutSegs RetransSegs\n"
#define NETSTAT_HDR "TcpExt: SyncookiesSent SyncookiesFailed ListenOverflows ListenDrops TCPBacklogDrop TCPMemoryPressuresChrono TCPReqQFullDoCookies TCPReqQFullDrop NewKernelField\n"

static void counters(long long out, long long retrans, int overflows)
{
	char t[512];

	snprintf(t, sizeof(t), SNMP_HDR "Tcp: 1 200 120000 -1 7 5 1000 %lld %lld\n", out, retrans);
	put("proc/net/snmp", t);
	snprintf(t, sizeof(t), NETSTAT_HDR "TcpExt: 0 0 %d 0 0 1500 0 0 42\n", overflows);
	put("proc/net/netstat", t);
}

/* One layer state through parse_opts. */
static void *layer(int argc, char **argv)
{
	void *st = calloc(1, nt_layer_tcp.size);

	optind = 0;
	if (!st || nt_layer_tcp.parse_opts(st, argc, argv) != 0) {
		fprintf(stderr, "parse_opts failed\n");
		exit(1);
	}
	return st;
}

static bool has(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

/* The line of a table that starts with first, runs of spaces squeezed,
 * is want (or, with prefix, starts with it). */
static bool row(const char *table, const char *first, const char *want, bool prefix)
{
	char got[256];
	const char *p = table;
	size_t k = 0, n = strlen(first);

	while (p && strncmp(p, first, n)) {
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	for (; p && *p && *p != '\n' && k + 1 < sizeof(got); p++)
		if (*p != ' ' || (k && got[k - 1] != ' '))
			got[k++] = *p;
	got[k] = '\0';
	n = prefix ? strlen(want) : sizeof(got);
	if (strncmp(got, want, n))
		printf("#   row %s: got '%s', want '%s'\n", first, got, want);
	return !strncmp(got, want, n);
}

/* No sample line names a _pct or _ms metric or has an empty label set. */
static bool samples_clean(const char *s)
{
	const char *l, *e;

	for (l = s; l && *l; l = e ? e + 1 : NULL) {
		size_t n;

		e = strchr(l, '\n');
		n = e ? (size_t)(e - l) : strlen(l);
		if (*l == '#')
			continue;
		if (memmem(l, n, "{}", 2) || memmem(l, n, "_pct", 4) || memmem(l, n, "_ms", 3))
			return false;
	}
	return true;
}

/* The layer's JSON keys as a document (the caller's envelope: schema,
 * command, ...), parsed back. */
static json_t *emit_json(void *st, struct nt_layer_ctx *c, const struct nt_baseline *b)
{
	struct nt_global g = *c->g;
	struct nt_layer_ctx jc = { .g = &g };
	struct nt_doc d;
	const char *txt;
	json_t *j = NULL;
	size_t len;

	g.format = NT_FMT_JSON;
	if (nt_doc_init(&d, "tcp", &g))
		return NULL;
	d.js_out = NULL;
	nt_layer_tcp.emit(st, &d, &jc, b);
	txt = nt_doc_json(&d, &len);
	if (txt)
		j = json_loadb(txt, len, 0, NULL);
	nt_doc_free(&d);
	return j;
}

static char *emit_prom(void *st, struct nt_layer_ctx *c, const struct nt_baseline *b)
{
	struct nt_global g = *c->g;
	struct nt_layer_ctx pc = { .g = &g };
	struct nt_doc d;
	char *s = NULL;

	g.format = NT_FMT_PROM;
	if (nt_doc_init(&d, "tcp", &g))
		return NULL;
	nt_layer_tcp.emit(st, &d, &pc, b);
	fflush(d.prom);
	s = strndup(d.prom_buf, d.prom_len);
	nt_doc_free(&d);
	return s;
}

static char *table(void *st, struct nt_layer_ctx *c, const struct nt_baseline *b,
		   const struct nt_verdicts *vs)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	nt_layer_tcp.table(st, f, c, b, vs);
	fclose(f);
	return s;
}

static long long jint(json_t *j, const char *path)
{
	json_t *v = json_object_get(j, path);

	return json_is_integer(v) ? (long long)json_integer_value(v) : -999;
}

static void test_first_run(struct nt_layer_ctx *c)
{
	char *argv[] = { "tcp", "--procs", NULL };
	char *argv2[] = { "tcp", "--crit-close-wait", "400", NULL };
	struct nt_verdicts vs = { 0 };
	struct nt_baseline b;
	const struct nt_verdict *v;
	void *st = layer(2, argv);
	json_t *j, *cw;
	char *s;
	double dt = 0;

	T_EQ_U(nt_layer_tcp.caps(st), NT_CAP(CAP_SYS_PTRACE) | NT_CAP(CAP_DAC_READ_SEARCH),
	       "--procs: caps CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH");
	nt_layer_tcp.free(st);
	free(st);
	st = layer(3, argv2);
	T_EQ_U(nt_layer_tcp.caps(st), 0, "without --procs: no capability");

	T_EQ_I(nt_layer_tcp.collect(st, c), 0, "collect from the canned dump and fake /proc");
	T_OK(!nt_layer_tcp.hist_get(st, c, &dt), "first run: no history");
	nt_baseline_first(&b, false, 0);
	nt_layer_tcp.judge(st, &b, &vs);

	T_EQ_I(t_level(&vs, "tcp.close_wait", ""), NT_WARN, "350 CLOSE-WAIT: WARN (100 <= 350 < 400)");
	v = t_verdict(&vs, "tcp.close_wait", "");
	T_OK(v && has(v->reason, "350 CLOSE-WAIT sockets (peer 203.0.113.9:443: 200, local port 45000: 150)"),
	     "reason: the peer service, then the listener port; no ephemeral port");
	if (v)
		printf("#   %s\n#   hint: %s\n", v->reason, v->hint);
	T_OK(v && !has(v->reason, "41000"), "no ephemeral port named");
	T_OK(v && has(v->hint, "its server (peer 203.0.113.9:443)"), "hint names the server");
	T_EQ_I(t_level(&vs, "tcp.accept_queue", "192.0.2.1:80"), NT_WARN, "full accept queue on :80: WARN");
	T_EQ_I(t_level(&vs, "tcp.accept_queue", "192.0.2.1:45000"), -1, "an empty queue: no verdict");
	/* since boot: 3e9 of 1e11 segments = 3 %, at 1e11 / uptime segs/s */
	T_EQ_I(t_level(&vs, "tcp.retrans_ratio", ""), NT_WARN, "3 %% retransmitted since boot: WARN");
	T_EQ_I(t_level(&vs, "tcp.listen_overflows", ""), NT_OK, "first run: a rise cannot be seen");
	T_EQ_I(nt_verdicts_worst(&vs), NT_WARN, "worst: WARN");

	j = emit_json(st, c, &b);
	T_OK(j != NULL, "JSON parses back");
	T_EQ_I(jint(json_object_get(j, "states"), "close_wait"), 350, "states.close_wait 350");
	T_EQ_I(jint(json_object_get(j, "states"), "listen"), 2, "states.listen 2");
	T_EQ_I(jint(j, "total"), 357, "total");
	T_EQ_I(jint(json_object_get(j, "ephemeral"), "usable_ports"), 21000 - 10,
	       "ephemeral.usable_ports: 40000-60999 minus the 10 reserved");
	T_EQ_I(jint(json_array_get(json_object_get(j, "ephemeral_top"), 0), "sockets"), 200,
	       "ephemeral_top[0]: the 200 clients of 203.0.113.9:443");
	T_EQ_I(t_level(&vs, "tcp.ephemeral", ""), NT_OK, "200 of 20990: OK");
	T_EQ_I(jint(json_object_get(j, "families"), "ipv4"), 357, "families.ipv4");
	T_EQ_I(jint(json_object_get(json_object_get(j, "counters"), "tcp"), "MaxConn"), -1,
	       "counters.tcp.MaxConn -1 (a signed kernel value)");
	T_EQ_I(jint(json_object_get(json_object_get(j, "counters"), "tcpext"), "NewKernelField"), 42,
	       "an unknown TcpExt field is kept");
	T_OK(json_is_null(json_object_get(json_object_get(j, "rates"), "tcp")),
	     "first run: rates.tcp null");
	T_OK(json_is_real(json_object_get(j, "retrans_ratio_pct")) ||
	     json_is_integer(json_object_get(j, "retrans_ratio_pct")), "retrans_ratio_pct a number");
	cw = json_object_get(j, "close_wait_top");
	s = json_dumps(cw, JSON_COMPACT | JSON_PRESERVE_ORDER);
	T_STR(s, "[{\"netns\":\"t\",\"side\":\"peer\",\"addr\":\"203.0.113.9\",\"port\":443,\"sockets\":200},"
	      "{\"netns\":\"t\",\"side\":\"local\",\"addr\":null,\"port\":45000,\"sockets\":150}]",
	      "close_wait_top: the peer service, then the local listener port");
	free(s);
	T_OK(json_is_null(json_object_get(j, "top_sockets")), "top_sockets null without --top");
	T_OK(json_object_get(j, "close_wait_procs") == NULL, "no close_wait_procs without --procs");
	json_decref(j);

	s = emit_prom(st, c, &b);
	T_OK(has(s, "# TYPE nettriage_tcp_retrans_segs_total counter\n"
		    "nettriage_tcp_retrans_segs_total{netns=\"t\"} 3000000000\n"),
	     "prom: a counter, snake case, _total");
	T_OK(has(s, "# HELP nettriage_tcp_retrans_segs_total /proc/net/snmp Tcp RetransSegs\n"),
	     "prom: HELP names the file and the kernel name");
	T_OK(has(s, "# TYPE nettriage_tcp_max_conn gauge\nnettriage_tcp_max_conn{netns=\"t\"} -1\n"),
	     "prom: MaxConn a gauge, -1");
	T_OK(has(s, "nettriage_tcp_rto_min_seconds{netns=\"t\"} 0.2\n"),
	     "prom: RtoMin in seconds");
	T_OK(has(s, "# TYPE nettriage_tcpext_tcp_memory_pressures_chrono_seconds_total counter\n"
		    "nettriage_tcpext_tcp_memory_pressures_chrono_seconds_total{netns=\"t\"} 1.5\n"),
	     "prom: a counter kept in ms: _seconds_total");
	T_OK(has(s, "nettriage_tcpext_new_kernel_field_total{netns=\"t\"} 42\n"),
	     "prom: an unknown TcpExt field is exported");
	T_OK(has(s, "nettriage_tcp_sockets{netns=\"t\",state=\"close_wait\"} 350\n"),
	     "prom: sockets by state");
	T_OK(has(s, "nettriage_tcp_close_wait_sockets{netns=\"t\",side=\"peer\",addr=\"203.0.113.9\",port=\"443\"} 200\n"),
	     "prom: CLOSE-WAIT by peer service");
	T_OK(has(s, "nettriage_tcp_retrans_ratio{netns=\"t\"} 0.03\n"), "prom: ratio 0..1");
	T_OK(samples_clean(s), "prom: no _pct or _ms metric, no empty label set");
	free(s);

	s = table(st, c, &b, &vs);
	T_OK(has(s, "baseline: since-boot totals (no previous run"), "table: the baseline");
	T_OK(has(s, "SIDE         PEER  PORT CLOSE-WAIT\n"
		    "peer  203.0.113.9   443        200\n"
		    "local           - 45000        150\n"), "table: CLOSE-WAIT by service");
	T_OK(has(s, "MaxConn") == false && has(s, "RetransSegs"), "table: highlighted counters only");
	T_OK(has(s, "retransmit ratio: 3.000%"), "table: the ratio");
	free(s);

	nt_layer_tcp.hist_put(st, c);
	nt_verdicts_free(&vs);
	nt_layer_tcp.free(st);
	free(st);
}

/* A second run: judged against the first run's history file. */
static void test_second_run(struct nt_layer_ctx *c)
{
	char *argv[] = { "tcp", "-a", NULL };
	struct nt_verdicts vs = { 0 };
	struct nt_baseline b;
	void *st = layer(2, argv);
	double dt = -1;
	json_t *j, *r;
	char *s;

	/* +100000 sent, +10000 retransmitted: 10 %; ListenOverflows +2 */
	counters(100000100000LL, 3000010000LL, 9);
	T_EQ_I(nt_layer_tcp.collect(st, c), 0, "second collect");
	T_OK(nt_layer_tcp.hist_get(st, c, &dt), "the first run is the baseline");
	T_OK(dt > 0 && dt < 60, "dt since it: %.3f s", dt);
	nt_baseline_first(&b, true, dt);
	nt_layer_tcp.judge(st, &b, &vs);
	T_EQ_I(t_level(&vs, "tcp.retrans_ratio", ""), NT_CRIT, "10 %% since the previous run: CRIT");
	T_EQ_I(t_level(&vs, "tcp.listen_overflows", ""), NT_WARN, "ListenOverflows rose by 2: WARN");
	T_OK(has(t_verdict(&vs, "tcp.listen_overflows", "")->reason, "rose by 2 since the previous run"),
	     "reason: the rise and the baseline");
	T_EQ_I(t_level(&vs, "tcp.listen_drops", ""), NT_OK, "ListenDrops flat: OK");
	T_EQ_I(nt_verdicts_worst(&vs), NT_CRIT, "worst: CRIT");

	j = emit_json(st, c, &b);
	r = json_object_get(json_object_get(j, "rates"), "tcp");
	T_OK(json_is_number(json_object_get(r, "OutSegs")), "rates.tcp.OutSegs a number");
	T_OK(json_object_get(r, "CurrEstab") == NULL && json_object_get(r, "MaxConn") == NULL,
	     "rates leave the gauges out");
	T_OK(json_is_object(json_object_get(json_object_get(j, "rates"), "tcpext")),
	     "rates.tcpext an object");
	T_EQ_I(jint(json_object_get(j, "retrans_window"), "retrans_segs"), 10000,
	       "retrans_window.retrans_segs: the delta");
	T_EQ_I(jint(json_object_get(j, "retrans_window"), "out_segs"), 100000,
	       "retrans_window.out_segs: the delta");
	json_decref(j);
	s = table(st, c, &b, &vs);
	T_OK(has(s, "MaxConn") && has(s, "NewKernelField"), "-a: every counter in the table");
	T_OK(row(s, "RetransSegs ", "RetransSegs 3000010000 10000 ", true),
	     "table: total and delta (then the rate)");
	T_OK(row(s, "InSegs ", "InSegs 1000 0 0.00", false), "table: total, delta 0, rate 0");
	T_OK(row(s, "MaxConn ", "MaxConn -1 - -", false), "table: a gauge has no delta or rate");
	T_OK(has(s, "Tcp ") && has(s, "TOTAL") && has(s, "DELTA") && has(s, "RATE/s"),
	     "table: the counter columns");
	free(s);
	nt_verdicts_free(&vs);
	nt_layer_tcp.free(st);
	free(st);
}

int main(void)
{
	struct nt_global g = { .format = NT_FMT_TABLE, .netns = "t" };
	struct nt_layer_ctx c = { .g = &g };
	char p[512];

	snprintf(root, sizeof(root), "/tmp/nt-tcp-layer.XXXXXX");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	mk("proc");
	mk("proc/net");
	mk("proc/sys");
	mk("proc/sys/net");
	mk("proc/sys/net/ipv4");
	mk("state");
	put("proc/sys/net/ipv4/ip_local_port_range", "40000\t60999\n");
	put("proc/sys/net/ipv4/ip_local_reserved_ports", "60990-60999,8080\n");
	counters(100000000000LL, 3000000000LL, 7);
	write_dump();
	snprintf(p, sizeof(p), "%s/proc", root);
	setenv("NETTRIAGE_PROC", p, 1);
	snprintf(p, sizeof(p), "%s/dump", root);
	setenv("NETTRIAGE_TCP_DIAG", p, 1);
	snprintf(p, sizeof(p), "%s/state", root);
	setenv("NETTRIAGE_STATE_DIR", p, 1);
	g.ns.cookie = 4242; /* the history key */

	test_first_run(&c);
	test_second_run(&c);

	snprintf(p, sizeof(p), "rm -rf '%s'", root);
	if (system(p))
		perror("rm");
	return T_DONE();
}
