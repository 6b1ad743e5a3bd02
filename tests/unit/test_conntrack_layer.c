/* Unit tests: the conntrack layer through its interface
 * (nt_layer_conntrack) on the /proc fallback, without root:
 * NETTRIAGE_CT_SOURCE=proc and NETTRIAGE_PROC at canned files. collect
 * then judge, the verdicts, what collect and judge print (nothing), the
 * table, JSON and Prometheus of the result (the per-CPU counters and the
 * kernel's unnamed ones in all three), two states side by side, -e
 * without ctnetlink, the failures' reasons, and time to full over
 * samples with its options. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include "nt_layer.h"
#include "nt_priv.h"
#include "t.h"

static const struct nt_layer *L = &nt_layer_conntrack;
static char top[] = "/tmp/nt-ctlayer-XXXXXX";

/* A modern kernel's column names (clashres, chainlength) and the unnamed
 * new/ignore/delete/expect_* ones; one row per CPU, hex. */
static const char stat_hdr[] =
	"entries  clashres found new invalid ignore delete chainlength insert "
	"insert_failed drop early_drop icmp_error  expect_new expect_create "
	"expect_delete search_restart\n";

static int put(const char *dir, const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* A canned /proc tree under top/name: count, max and two CPU rows whose
 * drop and early_drop are given. */
static void tree(const char *name, unsigned count, unsigned max,
		 unsigned drop1, unsigned early1)
{
	static const char *const subs[] = { "", "/net", "/net/stat", "/sys",
		"/sys/net", "/sys/net/netfilter" };
	char dir[256], sub[300], num[32], rows[512];
	size_t i;

	snprintf(dir, sizeof(dir), "%s/%s", top, name);
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(sub, sizeof(sub), "%s%s", dir, subs[i]);
		mkdir(sub, 0700);
	}
	snprintf(num, sizeof(num), "%u\n", count);
	put(dir, "sys/net/netfilter/nf_conntrack_count", num);
	snprintf(num, sizeof(num), "%u\n", max);
	put(dir, "sys/net/netfilter/nf_conntrack_max", num);
	put(dir, "sys/net/netfilter/nf_conntrack_buckets", "512\n");
	/* entries clashres found new invalid ignore delete chainlength insert
	 * insert_failed drop early_drop icmp_error expect_new expect_create
	 * expect_delete search_restart */
	snprintf(rows, sizeof(rows), "%s"
		 "%08x  00000001 00000010 00000000 00000002 00000003 00000000 00000000 00000020 "
		 "00000000 00000004 00000000 00000000  00000000 00000000 00000000 00000000\n"
		 "%08x  00000000 00000011 00000000 00000000 00000005 00000000 00000000 00000021 "
		 "00000000 %08x %08x 00000000  00000000 00000000 00000000 00000000\n",
		 stat_hdr, count, count, drop1, early1);
	put(dir, "net/stat/nf_conntrack", rows);
}

static void use(const char *name)
{
	char dir[256];

	snprintf(dir, sizeof(dir), "%s/%s", top, name);
	setenv("NETTRIAGE_PROC", dir, 1);
}

/* A state from argv (argv[0] "conntrack"), opened. */
static void *state(int argc, char **argv, struct nt_layer_ctx *c)
{
	void *st = calloc(1, L->size);

	optind = 0;
	T_OK(st && L->parse_opts(st, argc, argv) == 0, "parse_opts %s", argc > 1 ? argv[1] : "(defaults)");
	T_OK(L->open(st, c) == 0, "open%s%s", c->why[0] ? ": " : "", c->why);
	return st;
}

static void done(void *st)
{
	L->free(st);
	free(st);
}

static const struct nt_verdict *find(const struct nt_verdicts *vs, const char *check)
{
	size_t i;

	for (i = 0; i < vs->n; i++)
		if (!strcmp(vs->v[i].check, check))
			return &vs->v[i];
	return NULL;
}

static const struct nt_baseline boot = {
	.kind = "boot", .since = "since boot (no previous run)", .have = false };
static const struct nt_baseline interval = {
	.kind = "interval", .since = "over the interval", .have = true, .dt = 1.0,
	.sample = 1 };

/* collect and judge with stdout sent to a file, which must stay empty. */
static int quiet_collect_judge(void *st, struct nt_layer_ctx *c,
			       const struct nt_baseline *b, struct nt_verdicts *vs,
			       long *printed)
{
	char path[300];
	int fd, saved, r;
	struct stat sb;

	snprintf(path, sizeof(path), "%s/stdout", top);
	fflush(stdout);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	r = L->collect(st, c);
	if (!r) {
		nt_verdicts_reset(vs);
		L->judge(st, b, vs);
	}
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	*printed = fstat(fd, &sb) ? -1 : (long)sb.st_size;
	close(fd);
	return r;
}

static json_t *emit_json(void *st, struct nt_layer_ctx *c, const struct nt_baseline *b)
{
	struct nt_global g = { .format = NT_FMT_JSON };
	const struct nt_global *keep = c->g;
	struct nt_doc d;
	const char *txt;
	size_t len;
	json_t *j = NULL;

	if (nt_doc_init(&d, "conntrack", &g))
		return NULL;
	d.js_out = NULL;
	c->g = &g;
	L->emit(st, &d, c, b);
	c->g = keep;
	txt = nt_doc_json(&d, &len);
	if (txt)
		j = json_loadb(txt, len, 0, NULL);
	nt_doc_free(&d);
	return j;
}

static char *emit_prom(void *st, struct nt_layer_ctx *c, const struct nt_baseline *b)
{
	struct nt_global g = { .format = NT_FMT_PROM };
	struct nt_doc d;
	char *text = NULL;

	if (nt_doc_init(&d, "conntrack", &g))
		return NULL;
	L->emit(st, &d, c, b);
	if (fflush(d.prom) == 0 && d.prom_buf)
		text = strndup(d.prom_buf, d.prom_len);
	nt_doc_free(&d);
	return text;
}

static char *table_text(void *st, struct nt_layer_ctx *c, const struct nt_baseline *b,
			const struct nt_verdicts *vs)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	L->table(st, f, c, b, vs);
	fclose(f);
	return buf;
}

static void test_collect_judge(void)
{
	struct nt_global g = { .format = NT_FMT_TABLE };
	struct nt_layer_ctx ca = { .g = &g }, cb = { .g = &g };
	char *argv_a[] = { "conntrack", "-a", NULL }, *argv_b[] = { "conntrack", NULL };
	struct nt_verdicts va = { 0 }, vb = { 0 };
	const struct nt_verdict *v;
	void *a, *b;
	long printed;
	json_t *j, *cpu;
	char *p;

	tree("a", 1850, 2000, 7, 0);   /* 92.5 %: CRIT */
	tree("b", 100, 2000, 0, 0);    /* 5 %: OK */
	setenv("NETTRIAGE_CT_SOURCE", "proc", 1);
	a = state(2, argv_a, &ca);
	b = state(1, argv_b, &cb);
	T_EQ_U(L->caps(a), NT_CAP(CAP_NET_ADMIN), "caps: CAP_NET_ADMIN");

	/* two states, collected in turn from two trees: nothing shared */
	use("a");
	T_EQ_I(quiet_collect_judge(a, &ca, &boot, &va, &printed), 0, "collect a: %s", ca.why);
	T_EQ_I(printed, 0, "collect and judge print nothing to stdout");
	use("b");
	T_EQ_I(quiet_collect_judge(b, &cb, &boot, &vb, &printed), 0, "collect b: %s", cb.why);
	v = find(&va, "conntrack.fill");
	T_OK(v && v->level == NT_CRIT && v->value == 92.5 && v->threshold == 90,
	     "a: fill 92.5 %% of max is CRIT at 90 (%s)", v ? v->reason : "-");
	T_OK(v && strstr(v->reason, "1850 of 2000 entries"), "a: the reason gives count and max");
	T_OK(v && v->hint[0], "a: the fill CRIT has a hint");
	v = find(&va, "conntrack.drop");
	T_OK(v && v->level == NT_OK && v->value == 11 && strstr(v->reason, "since boot"),
	     "a: first run: drop 11 since boot (both CPUs) reported, not judged (%s)",
	     v ? v->reason : "-");
	T_EQ_I(va.n, 5, "a: fill, drop, insert_failed, early_drop, chaintoolong");
	T_EQ_I(nt_verdicts_worst(&va), NT_CRIT, "a: worst CRIT");
	v = find(&vb, "conntrack.fill");
	T_OK(v && v->level == NT_OK && v->value == 5, "b: fill 5 %% OK, not a's numbers");
	T_EQ_I(nt_verdicts_worst(&vb), NT_OK, "b: worst OK");

	/* next sample of a: drop +3 and early_drop +2 on CPU 1 */
	L->rotate(a);
	tree("a", 1850, 2000, 10, 2);
	use("a");
	T_EQ_I(quiet_collect_judge(a, &ca, &interval, &va, &printed), 0, "collect a again");
	v = find(&va, "conntrack.drop");
	T_OK(v && v->level == NT_CRIT && v->value == 3 && strstr(v->reason, "rose by 3"),
	     "a: drop rose by 3 over the interval: CRIT (%s)", v ? v->reason : "-");
	T_OK(v && strstr(v->hint, "table full"), "a: drop hint: table full");
	v = find(&va, "conntrack.early_drop");
	T_OK(v && v->level == NT_WARN && v->value == 2, "a: early_drop rose by 2: WARN");
	v = find(&va, "conntrack.insert_failed");
	T_OK(v && v->level == NT_OK, "a: insert_failed unchanged: OK");
	v = find(&va, "conntrack.chaintoolong");
	T_OK(v && v->level == NT_OK, "a: chaintoolong (/proc chainlength) unchanged: OK");

	/* the rendered sample: JSON */
	j = emit_json(a, &ca, &interval);
	T_OK(j != NULL, "emit: valid JSON");
	T_OK(j && !strcmp(json_string_value(json_object_get(j, "source")), "proc") &&
	     json_integer_value(json_object_get(j, "count")) == 1850 &&
	     json_integer_value(json_object_get(json_object_get(j, "deltas"), "drop")) == 3 &&
	     json_integer_value(json_object_get(json_object_get(j, "stats"), "clash_resolve")) == 1,
	     "emit: source, count, deltas.drop, stats.clash_resolve (clashres)");
	T_OK(j && json_is_null(json_object_get(j, "breakdown")), "emit: breakdown null without a dump");
	cpu = j ? json_array_get(json_object_get(j, "per_cpu"), 1) : NULL;
	T_OK(json_array_size(json_object_get(j, "per_cpu")) == 2 &&
	     json_integer_value(json_object_get(cpu, "cpu")) == 1 &&
	     json_integer_value(json_object_get(cpu, "drop")) == 10 &&
	     json_is_null(json_object_get(cpu, "netns")),
	     "emit: per_cpu[1]: cpu 1, drop 10, netns null");
	T_OK(cpu && json_integer_value(json_object_get(json_object_get(cpu, "extra"), "ignore")) == 5 &&
	     json_object_size(json_object_get(cpu, "extra")) == 6,
	     "emit: per_cpu[1].extra: the six unnamed columns, ignore 5");
	json_decref(j);

	/* Prometheus: the per-CPU counters and the unnamed ones */
	p = emit_prom(a, &ca, &interval);
	T_OK(p && strstr(p, "# TYPE nettriage_conntrack_cpu_drop_total counter\n"
			 "nettriage_conntrack_cpu_drop_total{cpu=\"0\"} 4\n"
			 "nettriage_conntrack_cpu_drop_total{cpu=\"1\"} 10\n"),
	     "prom: nettriage_conntrack_cpu_drop_total{cpu=\"N\"}, a counter");
	T_OK(p && strstr(p, "# TYPE nettriage_conntrack_cpu_ignore_total counter\n"
			 "nettriage_conntrack_cpu_ignore_total{cpu=\"0\"} 3\n"),
	     "prom: unnamed counter ignore as nettriage_conntrack_cpu_ignore_total");
	T_OK(p && strstr(p, "\nnettriage_conntrack_drop_total 14\n") &&
	     !strstr(p, "nettriage_conntrack_breakdown_"),
	     "prom: the sum, and no breakdown families without a dump");
	free(p);

	/* the table (-a): per-CPU columns, the unnamed ones included */
	p = table_text(a, &ca, &interval, &va);
	T_OK(p && strstr(p, "conntrack: 1850 / 2000 entries [") &&
	     strstr(p, "source proc") && strstr(p, "per-second rates"),
	     "table: the fill line and the interval baseline");
	T_OK(p && strstr(p, "\nCPU ") && strstr(p, " expect_delete\n"),
	     "table -a: per-CPU table with the unnamed columns");
	T_OK(p && !strstr(p, "conntrack.fill"), "table: no verdict lines (the caller prints them)");
	free(p);

	nt_verdicts_free(&va);
	nt_verdicts_free(&vb);
	done(a);
	done(b);
}

static void test_effective_without_ctnetlink(void)
{
	struct nt_global g = { .format = NT_FMT_TABLE };
	struct nt_layer_ctx c = { .g = &g };
	char *argv[] = { "conntrack", "-e", NULL };
	struct nt_verdicts vs = { 0 };
	const struct nt_verdict *v;
	long printed;
	void *st;
	json_t *j;

	tree("e", 10, 2000, 0, 0);
	use("e");
	setenv("NETTRIAGE_CT_SOURCE", "proc", 1);
	st = state(2, argv, &c);
	T_EQ_I(quiet_collect_judge(st, &c, &boot, &vs, &printed), 0,
	       "-e: the counters are still collected");
	v = find(&vs, "conntrack.breakdown");
	T_OK(v && v->level == NT_UNKNOWN && strstr(v->reason, "conntrack dump failed"),
	     "-e without ctnetlink: conntrack.breakdown UNKNOWN (%s)", v ? v->reason : "-");
	T_OK(find(&vs, "conntrack.fill") && find(&vs, "conntrack.fill")->level == NT_OK,
	     "-e without ctnetlink: fill still judged");
	T_EQ_I(nt_verdicts_worst(&vs), NT_UNKNOWN, "-e without ctnetlink: worst UNKNOWN");
	j = emit_json(st, &c, &boot);
	T_OK(j && json_is_null(json_object_get(j, "breakdown")) &&
	     json_is_null(json_object_get(j, "assured")),
	     "-e without ctnetlink: breakdown and assured null");
	json_decref(j);
	nt_verdicts_free(&vs);
	done(st);
}

/* Only named columns (as ctnetlink gives on a current kernel): "extra"
 * is still there, empty; no unnamed families in Prometheus. */
static void test_no_extras(void)
{
	struct nt_global g = { .format = NT_FMT_TABLE };
	struct nt_layer_ctx c = { .g = &g };
	char *argv[] = { "conntrack", NULL }, dir[256], *p;
	struct nt_verdicts vs = { 0 };
	long printed;
	void *st;
	json_t *j, *extra;

	tree("named", 10, 2000, 0, 0);
	snprintf(dir, sizeof(dir), "%s/named", top);
	put(dir, "net/stat/nf_conntrack", "entries found drop\n0000000a 00000001 00000002\n");
	use("named");
	setenv("NETTRIAGE_CT_SOURCE", "proc", 1);
	st = state(1, argv, &c);
	T_EQ_I(quiet_collect_judge(st, &c, &boot, &vs, &printed), 0, "named columns only: collect");
	j = emit_json(st, &c, &boot);
	extra = json_object_get(json_array_get(json_object_get(j, "per_cpu"), 0), "extra");
	T_OK(json_is_object(extra) && json_object_size(extra) == 0,
	     "per_cpu[0].extra is {} when every column is named");
	json_decref(j);
	p = emit_prom(st, &c, &boot);
	T_OK(p && strstr(p, "nettriage_conntrack_cpu_drop_total{cpu=\"0\"} 2\n") &&
	     !strstr(p, "nettriage_conntrack_cpu_found_total{cpu=\"0\"} 0"),
	     "prom: the CPU's values, found 1 not 0");
	free(p);
	nt_verdicts_free(&vs);
	done(st);
}

static void test_failures(void)
{
	struct nt_global g = { .format = NT_FMT_TABLE };
	struct nt_layer_ctx c = { .g = &g };
	char *argv[] = { "conntrack", NULL }, dir[256];
	void *st;

	setenv("NETTRIAGE_CT_SOURCE", "proc", 1);
	snprintf(dir, sizeof(dir), "%s/empty", top);
	mkdir(dir, 0700);
	use("empty");
	st = state(1, argv, &c);
	T_EQ_I(L->collect(st, &c), NT_LAYER_ABSENT, "no nf_conntrack: NT_LAYER_ABSENT (not in use here)");
	T_OK(strstr(c.why, "conntrack is not in use here") != NULL, "why: %s", c.why);

	tree("bad", 10, 2000, 0, 0);
	snprintf(dir, sizeof(dir), "%s/bad", top);
	put(dir, "net/stat/nf_conntrack", "entries drop\n0000000a zz\n");
	use("bad");
	c.why[0] = '\0';
	T_EQ_I(L->collect(st, &c), -EINVAL, "a malformed per-CPU file: -EINVAL");
	T_OK(strstr(c.why, "cannot measure") && strstr(c.why, "/proc fallback: Invalid argument"),
	     "why: %s", c.why);
	done(st);
}

/* Time to full through the layer: the count's growth between two samples
 * against the thresholds given as options; the new keys in JSON and
 * Prometheus; the options' usage errors. */
static void test_time_to_full(void)
{
	struct nt_global g = { .format = NT_FMT_TABLE };
	struct nt_layer_ctx c = { .g = &g };
	char *argv[] = { "conntrack", "--warn-ttf", "7200", "--crit-ttf", "60", NULL };
	char *bad1[] = { "conntrack", "--events", "0", NULL };
	char *bad2[] = { "conntrack", "--warn-ttf", "50", "--crit-ttf", "100", NULL };
	char *bad3[] = { "conntrack", "--top", "3", NULL };
	char *good[] = { "conntrack", "--events", "2.5", "--top", "3", NULL };
	struct nt_verdicts vs = { 0 };
	const struct nt_verdict *v;
	long printed;
	void *st, *p;
	json_t *j;
	char *prom, *tab;

	setenv("NETTRIAGE_CT_SOURCE", "proc", 1);
	st = state(5, argv, &c);
	tree("t", 1000, 2000, 0, 0);
	use("t");
	T_EQ_I(quiet_collect_judge(st, &c, &boot, &vs, &printed), 0, "ttf: first sample");
	T_OK(!find(&vs, "conntrack.time_to_full"), "ttf: no baseline, no verdict");
	L->rotate(st);
	tree("t", 1500, 2000, 0, 0);
	T_EQ_I(quiet_collect_judge(st, &c, &interval, &vs, &printed), 0, "ttf: second sample");
	T_EQ_I(printed, 0, "ttf: collect and judge print nothing");
	v = find(&vs, "conntrack.time_to_full");
	T_OK(v && v->level == NT_CRIT && v->value == 1 && v->threshold == 60,
	     "ttf: +500/s with 500 left: full in 1 s, CRIT under --crit-ttf 60 (%s)",
	     v ? v->reason : "-");
	T_OK(v && v->hint[0] && strstr(v->hint, "--by src"), "ttf: the hint names --by src");
	j = emit_json(st, &c, &interval);
	T_OK(j && json_number_value(json_object_get(j, "growth_per_s")) == 500 &&
	     json_number_value(json_object_get(j, "time_to_full_s")) == 1,
	     "ttf: JSON growth_per_s 500, time_to_full_s 1");
	json_decref(j);
	prom = emit_prom(st, &c, &interval);
	T_OK(prom && strstr(prom, "\nnettriage_conntrack_time_to_full_seconds 1\n") &&
	     strstr(prom, "\nnettriage_conntrack_growth_entries_per_second 500\n"),
	     "ttf: Prometheus time_to_full_seconds and growth_entries_per_second");
	free(prom);
	tab = table_text(st, &c, &interval, &vs);
	T_OK(tab && strstr(tab, "time to full: full in 1 s at +500 entries/s"),
	     "ttf: the table line");
	free(tab);
	L->rotate(st);
	tree("t", 1501, 2000, 0, 0);
	T_EQ_I(quiet_collect_judge(st, &c, &interval, &vs, &printed), 0, "ttf: third sample");
	v = find(&vs, "conntrack.time_to_full");
	T_OK(v && v->level == NT_WARN && v->value == 499,
	     "ttf: +1/s: full in 499 s, WARN under --warn-ttf 7200 (%s)", v ? v->reason : "-");
	L->rotate(st);
	tree("t", 1400, 2000, 0, 0);
	T_EQ_I(quiet_collect_judge(st, &c, &interval, &vs, &printed), 0, "ttf: fourth sample");
	v = find(&vs, "conntrack.time_to_full");
	T_OK(v && v->level == NT_OK && strstr(v->reason, "not growing"),
	     "ttf: shrinking: OK, not growing (%s)", v ? v->reason : "-");
	j = emit_json(st, &c, &interval);
	T_OK(j && json_is_null(json_object_get(j, "time_to_full_s")) &&
	     json_number_value(json_object_get(j, "growth_per_s")) == -101,
	     "ttf: JSON time_to_full_s null when not growing");
	json_decref(j);
	nt_verdicts_free(&vs);
	done(st);

	p = calloc(1, L->size);
	optind = 0;
	T_EQ_I(L->parse_opts(p, 3, bad1), -1, "--events 0 is a usage error");
	L->free(p);
	memset(p, 0, L->size);
	optind = 0;
	T_EQ_I(L->parse_opts(p, 5, bad2), -1, "--crit-ttf above --warn-ttf is a usage error");
	L->free(p);
	memset(p, 0, L->size);
	optind = 0;
	T_EQ_I(L->parse_opts(p, 3, bad3), -1, "--top without --by or --events is a usage error");
	L->free(p);
	memset(p, 0, L->size);
	optind = 0;
	T_EQ_I(L->parse_opts(p, 5, good), 0, "--events 2.5 --top 3 parses");
	L->free(p);
	free(p);
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(top)) {
		printf("not ok - temp dir\n");
		return 1;
	}
	test_collect_judge();
	test_effective_without_ctnetlink();
	test_no_extras();
	test_failures();
	test_time_to_full();
	unsetenv("NETTRIAGE_PROC");
	unsetenv("NETTRIAGE_CT_SOURCE");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	T_EQ_I(system(cmd), 0, "cleanup");
	return T_DONE();
}
