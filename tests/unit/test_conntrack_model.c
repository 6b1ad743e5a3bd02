/* Unit tests: conntrack rates (32-bit wrap told from a reset), fill, verdicts, and the JSON
 * keys and Prometheus names the man page documents. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <jansson.h>
#include "nt_conntrack.h"
#include "nt_verdict.h"
#include "t.h"
#include "t_verdict.h"

static void set_cpu(struct nt_ct_sample *x, uint32_t cpu, uint64_t drop,
		    uint64_t early, uint64_t insf, uint64_t chain)
{
	struct nt_ct_cpu *c = nt_ct_cpu_add(x, cpu);
	int i;

	for (i = 0; i < NT_CTS_COUNT; i++)
		c->avail |= 1ull << i;
	c->c[NT_CTS_drop] = drop;
	c->c[NT_CTS_early_drop] = early;
	c->c[NT_CTS_insert_failed] = insf;
	c->c[NT_CTS_chaintoolong] = chain;
}

static void base(struct nt_ct_sample *x, uint64_t count, uint64_t max)
{
	x->s.count = count;
	x->s.max = max;
	x->s.avail |= (1ull << NT_CTA_COUNT) | (1ull << NT_CTA_MAX);
	snprintf(x->s.max_scope, sizeof(x->s.max_scope), "global");
	nt_ct_sum(x);
	nt_ct_fill(&x->s);
}

static void test_wrap(void)
{
	struct nt_ct_sample p = { 0 }, c = { 0 };

	set_cpu(&p, 0, 0xfffffff0u, 5, 0, 0);
	set_cpu(&p, 1, 100, 5, 0, 0);
	set_cpu(&c, 0, 0x10, 5, 0, 0);   /* wrapped past 2^32 */
	set_cpu(&c, 1, 103, 5, 0, 0);
	base(&p, 10, 100);
	base(&c, 10, 100);
	nt_ct_rates(&c, &p, 2.0);
	T_OK(!c.s.reset, "a plausible wrap is not a reset");
	T_EQ_U(c.s.delta[NT_CTS_drop], 0x20 + 3, "per-CPU deltas modulo 2^32, summed");
	T_NEAR(c.s.rate[NT_CTS_drop], (0x20 + 3) / 2.0, 1e-9, "drop rate per second");
	T_EQ_U(c.s.delta[NT_CTS_early_drop], 0, "unchanged counter: zero delta");
	T_EQ_U(c.s.c[NT_CTS_drop], 0x10 + 103, "total is the sum over CPUs");
	nt_ct_rates(&c, NULL, 2.0);
	T_OK(isnan(c.s.rate[NT_CTS_drop]), "no baseline: NaN rate");
	T_OK(!((c.s.avail >> (NT_CT_DELTA_BIT + NT_CTS_drop)) & 1), "no baseline: delta unavailable");
	nt_ct_sample_free(&p);
	nt_ct_sample_free(&c);
}

static void test_plausible(void)
{
	uint64_t d;

	T_OK(nt_ct_delta_plausible(0xfffffff0u, 0x10, 1.0, &d) && d == 0x20,
	     "wrap by 32 in 1 s: plausible, delta 32");
	T_OK(!nt_ct_delta_plausible(5000, 10, 1.0, &d),
	     "5000 -> 10 in 1 s (modular delta ~4.29e9): a reset");
	T_OK(!nt_ct_delta_plausible(100, 5, 86400.0, &d),
	     "100 -> 5 over a day: still a reset (a wrap is at most 2^30)");
	T_OK(!nt_ct_delta_plausible(0x90000000u, 5, 60.0, &d),
	     "0x90000000 -> 5 in a minute (a module reload): a reset, not a wrap of 1.9e9");
	T_OK(nt_ct_delta_plausible(0xc0000010u, 5, 60.0, &d) && d == 0x3ffffff5u,
	     "0xc0000010 -> 5 in a minute: a wrap of just under 2^30");
	T_OK(nt_ct_delta_plausible(0xf0000000u, 0x100, 3600.0, &d) && d == 0x10000100u,
	     "0xf0000000 -> 0x100 in an hour: a wrap of 2.7e8");
	T_OK(!nt_ct_delta_plausible(0xf0000000u, 0x100, 1.0, &d),
	     "the same in 1 s (2.7e8/s on one CPU): a reset");
	T_OK(!nt_ct_delta_plausible(0, 3000000000u, 1.0, &d),
	     "0 -> 3e9 in 1 s: implausible rise, a reset");
	T_OK(nt_ct_delta_plausible(0, 3000000000u, 86400.0, &d) && d == 3000000000u,
	     "0 -> 3e9 over a day: a rise");
	T_OK(nt_ct_delta_plausible(7, 7, 0.1, &d) && d == 0, "unchanged: delta 0");
}

static void test_reset(void)
{
	struct nt_ct_thresholds t;
	struct nt_verdicts vs = { 0 };
	struct nt_ct_sample p = { 0 }, c = { 0 };
	const struct nt_verdict *v;

	nt_ct_thresholds_default(&t);
	/* module reload (or a stale baseline): drop 5000 -> 10, insert_failed
	 * 900 -> 3; a wrap would read ~4.29e9 and CRIT */
	set_cpu(&p, 0, 5000, 40, 900, 0);
	set_cpu(&c, 0, 10, 40, 3, 0);
	base(&p, 950, 1000);
	base(&c, 950, 1000);
	nt_ct_rates(&c, &p, 1.0);
	T_OK(c.s.reset, "implausible decrease: counters_reset");
	T_OK(strstr(c.s.reset_reason, "went down") != NULL, "reason: %s", c.s.reset_reason);
	T_OK(!((c.s.avail >> (NT_CT_DELTA_BIT + NT_CTS_drop)) & 1) &&
	     isnan(c.s.rate[NT_CTS_drop]) && c.s.delta[NT_CTS_drop] == 0,
	     "reset: no delta, no rate");
	nt_ct_verdicts(&c, true, "over the interval", &t, &vs);
	v = t_check(&vs, "conntrack.drop");
	T_OK(v && v->level == NT_OK && strstr(v->reason, "not judged"),
	     "reset: drop not judged (%s)", v ? v->reason : "-");
	v = t_check(&vs, "conntrack.insert_failed");
	T_OK(v && v->level == NT_OK, "reset: insert_failed not judged, no false CRIT");
	v = t_check(&vs, "conntrack.fill");
	T_OK(v && v->level == NT_CRIT, "reset: fill (95 %%) still judged: CRIT");
	nt_verdicts_reset(&vs);

	/* the next sample against this one is judged again */
	nt_ct_sample_free(&p);
	p = c;
	memset(&c, 0, sizeof(c));
	set_cpu(&c, 0, 12, 40, 3, 0);
	base(&c, 100, 1000);
	nt_ct_rates(&c, &p, 1.0);
	nt_ct_verdicts(&c, true, "over the interval", &t, &vs);
	T_OK(!c.s.reset && t_check(&vs, "conntrack.drop")->level == NT_CRIT,
	     "after the reset a real rise of drop is CRIT again");
	nt_verdicts_reset(&vs);

	/* CPU set change: the /proc fallback numbers rows by position */
	nt_ct_sample_free(&p);
	nt_ct_sample_free(&c);
	memset(&p, 0, sizeof(p));
	memset(&c, 0, sizeof(c));
	set_cpu(&p, 0, 100, 0, 0, 0);
	set_cpu(&p, 1, 100, 0, 0, 0);
	set_cpu(&c, 0, 100, 0, 0, 0);
	set_cpu(&c, 1, 100, 0, 0, 0);
	set_cpu(&c, 2, 7, 0, 0, 0);
	base(&p, 10, 1000);
	base(&c, 10, 1000);
	nt_ct_rates(&c, &p, 1.0);
	T_OK(c.s.reset && strstr(c.s.reset_reason, "CPU set"),
	     "three CPU rows against two: reset (%s)", c.s.reset_reason);
	nt_ct_verdicts(&c, true, "over the interval", &t, &vs);
	T_EQ_I(nt_verdicts_worst(&vs), NT_OK, "CPU set change: nothing judged as rising");
	nt_verdicts_reset(&vs);
	nt_ct_sample_free(&c);
	memset(&c, 0, sizeof(c));
	set_cpu(&c, 0, 100, 0, 0, 0);
	set_cpu(&c, 2, 100, 0, 0, 0);   /* same count, other ids */
	base(&c, 10, 1000);
	nt_ct_rates(&c, &p, 1.0);
	T_OK(c.s.reset, "CPUs {0,2} against {0,1}: reset");
	nt_ct_rates(&c, &c, 1.0);
	T_OK(!c.s.reset, "the same CPUs again: no reset");
	nt_verdicts_free(&vs);
	nt_ct_sample_free(&p);
	nt_ct_sample_free(&c);
}

static void test_fill(void)
{
	struct nt_ct_summary s = { 0 };

	s.count = 200;
	s.max = 1000;
	s.avail = (1ull << NT_CTA_COUNT) | (1ull << NT_CTA_MAX);
	nt_ct_fill(&s);
	T_NEAR(s.fill_pct, 20.0, 1e-9, "fill = count / max");
	T_OK(isnan(s.effective_fill_pct), "no dump: effective fill is null");
	s.assured = 50;
	s.avail |= 1ull << NT_CTA_ASSURED;
	nt_ct_fill(&s);
	T_NEAR(s.effective_fill_pct, 5.0, 1e-9, "effective fill = assured / max");
	s.max = 0;
	nt_ct_fill(&s);
	T_OK(isnan(s.fill_pct), "max 0: fill unknown, not infinite");
}

static void test_verdicts(void)
{
	struct nt_ct_thresholds t;
	struct nt_verdicts vs = { 0 };
	struct nt_ct_sample p = { 0 }, c = { 0 };
	const struct nt_verdict *v;

	nt_ct_thresholds_default(&t);
	T_NEAR(t.warn_fill, 75, 0, "default warn 75 %%");
	T_NEAR(t.crit_fill, 90, 0, "default crit 90 %%");

	set_cpu(&p, 0, 10, 10, 10, 10);
	set_cpu(&c, 0, 10, 10, 10, 10);
	base(&p, 740, 1000);
	base(&c, 740, 1000);
	nt_ct_rates(&c, &p, 1.0);
	nt_ct_verdicts(&c, true, "over the interval", &t, &vs);
	T_EQ_I(nt_verdicts_worst(&vs), NT_OK, "74 %% full, nothing rising: OK");
	nt_verdicts_reset(&vs);

	c.s.count = 750;
	nt_ct_fill(&c.s);
	nt_ct_verdicts(&c, true, "over the interval", &t, &vs);
	v = t_check(&vs, "conntrack.fill");
	T_OK(v && v->level == NT_WARN, "75 %% full: WARN");
	T_OK(v && v->hint[0], "fill WARN has a hint");
	nt_verdicts_reset(&vs);

	c.s.count = 900;
	nt_ct_fill(&c.s);
	nt_ct_verdicts(&c, true, "over the interval", &t, &vs);
	T_OK(t_check(&vs, "conntrack.fill")->level == NT_CRIT, "90 %% full: CRIT");
	nt_verdicts_reset(&vs);

	c.s.count = 100;
	nt_ct_fill(&c.s);
	c.cpu[0].c[NT_CTS_early_drop] = 11;
	nt_ct_sum(&c);
	nt_ct_rates(&c, &p, 1.0);
	nt_ct_verdicts(&c, true, "over the interval", &t, &vs);
	T_EQ_I(nt_verdicts_worst(&vs), NT_WARN, "early_drop rising: WARN");
	T_OK(t_check(&vs, "conntrack.early_drop")->hint[0], "early_drop hint");
	nt_verdicts_reset(&vs);

	c.cpu[0].c[NT_CTS_chaintoolong] = 12;
	nt_ct_sum(&c);
	nt_ct_rates(&c, &p, 1.0);
	nt_ct_verdicts(&c, true, "over the interval", &t, &vs);
	T_OK(t_check(&vs, "conntrack.chaintoolong")->level == NT_WARN, "chaintoolong rising: WARN");
	nt_verdicts_reset(&vs);

	c.cpu[0].c[NT_CTS_insert_failed] = 11;
	nt_ct_sum(&c);
	nt_ct_rates(&c, &p, 1.0);
	nt_ct_verdicts(&c, true, "over the interval", &t, &vs);
	v = t_check(&vs, "conntrack.insert_failed");
	T_OK(v && v->level == NT_CRIT, "insert_failed rising: CRIT");
	T_OK(v && strstr(v->hint, "clash"), "insert_failed hint names the clash race");
	nt_verdicts_reset(&vs);

	c.cpu[0].c[NT_CTS_insert_failed] = 10;
	c.cpu[0].c[NT_CTS_drop] = 15;
	nt_ct_sum(&c);
	nt_ct_rates(&c, &p, 1.0);
	nt_ct_verdicts(&c, true, "over the interval", &t, &vs);
	v = t_check(&vs, "conntrack.drop");
	T_OK(v && v->level == NT_CRIT, "drop rising: CRIT");
	T_OK(v && strstr(v->hint, "table full"), "drop hint: table full");
	T_OK(v && strstr(v->reason, "rose by 5"), "drop reason gives the rise");
	nt_verdicts_reset(&vs);

	nt_ct_verdicts(&c, false, "since boot (no baseline: first run)", &t, &vs);
	T_OK(t_check(&vs, "conntrack.drop")->level == NT_OK,
	     "first run: since-boot drops are reported, not judged as rising");
	T_OK(strstr(t_check(&vs, "conntrack.drop")->reason, "since boot") != NULL,
	     "first run says since boot");
	nt_verdicts_free(&vs);
	nt_ct_sample_free(&p);
	nt_ct_sample_free(&c);
}

/* The summary record as parsed JSON, through the field table. */
static json_t *summary_json(const struct nt_ct_sample *x, unsigned mask)
{
	struct nt_global g = { .format = NT_FMT_JSON };
	struct nt_doc d;
	size_t len;
	const char *txt;
	char *copy;
	json_t *root;

	nt_doc_init(&d, "conntrack", &g);
	d.js_out = NULL; /* keep the text */
	nt_doc_object(&d, &nt_ct_summary_rectype, &x->s, mask);
	txt = nt_doc_json(&d, &len);
	copy = txt ? strndup(txt, len) : NULL;
	nt_doc_free(&d);
	root = copy ? json_loads(copy, 0, NULL) : NULL;
	free(copy);
	return root;
}

static void test_json_keys(void)
{
	static const char *const keys[] = { "count", "max", "buckets", "fill_pct",
		"assured", "unreplied", "effective_fill_pct", "source" };
	static const char *const stats[] = { "found", "invalid", "insert",
		"insert_failed", "drop", "early_drop", "error", "search_restart",
		"clash_resolve", "chaintoolong" };
	struct nt_global g = { .format = NT_FMT_JSON };
	struct nt_ct_sample x = { 0 };
	struct nt_doc d;
	json_t *st, *root;
	size_t i;
	int missing = 0;

	set_cpu(&x, 0, 1, 2, 3, 4);
	base(&x, 5, 10);
	nt_ct_rates(&x, NULL, 0);
	root = summary_json(&x, NT_F_ID | NT_F_INFO | NT_F_TOTAL);
	T_OK(root != NULL, "nt_doc_object makes valid JSON");
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!json_object_get(root, keys[i]))
			missing++;
	T_EQ_I(missing, 0, "top-level JSON keys of the issue are present");
	st = json_object_get(root, "stats");
	missing = 0;
	for (i = 0; i < sizeof(stats) / sizeof(stats[0]); i++)
		if (!json_is_integer(json_object_get(st, stats[i])))
			missing++;
	T_EQ_I(missing, 0, "stats object has the ten counters as numbers");
	T_OK(json_is_null(json_object_get(root, "assured")), "assured is null without a dump");
	T_EQ_I(json_integer_value(json_object_get(st, "drop")), 1, "stats.drop value");
	json_decref(root);

	g.format = NT_FMT_PROM;
	nt_doc_init(&d, "conntrack", &g);
	nt_doc_object(&d, &nt_ct_summary_rectype, &x.s,
		      NT_F_ID | NT_F_INFO | NT_F_TOTAL);
	fflush(d.prom);
	T_OK(strstr(d.prom_buf, "# TYPE nettriage_conntrack_entries gauge\nnettriage_conntrack_entries 5\n") != NULL,
	     "Prometheus: nettriage_conntrack_entries gauge");
	T_OK(strstr(d.prom_buf, "nettriage_conntrack_max 10\n") != NULL, "Prometheus: max");
	T_OK(strstr(d.prom_buf, "# TYPE nettriage_conntrack_drop_total counter\nnettriage_conntrack_drop_total 1\n") != NULL,
	     "Prometheus: drop_total counter");
	T_OK(strstr(d.prom_buf, "\nnettriage_conntrack_assured_entries ") == NULL,
	     "Prometheus: no assured series without a dump");
	T_OK(strstr(d.prom_buf, "# TYPE nettriage_conntrack_fill_ratio gauge\nnettriage_conntrack_fill_ratio 0.5\n") != NULL,
	     "Prometheus: fill as a 0..1 ratio");
	T_OK(strstr(d.prom_buf, "_pct gauge") == NULL && strstr(d.prom_buf, "{}") == NULL,
	     "Prometheus: no _pct names, no empty label sets");
	nt_doc_free(&d);
	nt_ct_sample_free(&x);
}

static void test_reset_json(void)
{
	struct nt_ct_sample p = { 0 }, c = { 0 };
	json_t *j;

	set_cpu(&p, 0, 5000, 0, 0, 0);
	set_cpu(&c, 0, 5001, 0, 0, 0);
	base(&p, 1, 10);
	base(&c, 1, 10);
	nt_ct_rates(&c, &p, 1.0);
	j = summary_json(&c, NT_F_ID | NT_F_INFO | NT_F_TOTAL | NT_F_RATE);
	T_OK(j && json_is_false(json_object_get(j, "counters_reset")) &&
	     json_is_null(json_object_get(j, "counters_reset_reason")) &&
	     json_integer_value(json_object_get(json_object_get(j, "deltas"), "drop")) == 1,
	     "JSON: counters_reset false, reason null, deltas.drop 1");
	json_decref(j);
	c.cpu[0].c[NT_CTS_drop] = 4;
	nt_ct_rates(&c, &p, 1.0);
	j = summary_json(&c, NT_F_ID | NT_F_INFO | NT_F_TOTAL | NT_F_RATE);
	T_OK(j && json_is_true(json_object_get(j, "counters_reset")) &&
	     json_is_string(json_object_get(j, "counters_reset_reason")) &&
	     json_is_null(json_object_get(json_object_get(j, "deltas"), "drop")) &&
	     json_is_null(json_object_get(json_object_get(j, "rates"), "drop")),
	     "JSON: counters_reset true with a reason, deltas and rates null");
	json_decref(j);
	nt_ct_sample_free(&p);
	nt_ct_sample_free(&c);
}

int main(void)
{
	test_wrap();
	test_plausible();
	test_reset();
	test_reset_json();
	test_fill();
	test_verdicts();
	test_json_keys();
	return T_DONE();
}
