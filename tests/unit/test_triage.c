/* triage's model: rows from layer verdicts, the first fault, worst-first
 * order, baselines (the "changed" rule, parsing, applying). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nt_triage.h"
#include "t.h"

static void add(struct nt_verdicts *vs, const char *check, const char *subj,
		enum nt_level l, double value, double thr)
{
	struct nt_verdict *v = nt_verdict_add(vs, check, subj, l, value, thr);

	if (v)
		snprintf(v->reason, sizeof(v->reason), "%s %s", check, subj);
}

static void test_first_fault(void)
{
	struct nt_tverdicts t = { 0 };
	struct nt_verdicts link = { 0 }, ct = { 0 }, tcp = { 0 };
	const struct nt_tverdict *ff;

	add(&link, "link.drops", "eth0", NT_OK, 0, 0);
	add(&ct, "conntrack.fill", "", NT_WARN, 80, 75);
	add(&tcp, "tcp.close_wait", "", NT_CRIT, 2000, 1000);
	add(&ct, "conntrack.drop", "", NT_CRIT, 5, 0);
	T_OK(!nt_triage_add(&t, "link", 0, NULL, &link), "add link");
	T_OK(!nt_triage_add(&t, "tcp", 2, NULL, &tcp), "add tcp (out of order)");
	T_OK(!nt_triage_add(&t, "conntrack", 1, "ns1", &ct), "add conntrack");
	T_OK(!nt_triage_measure(&t, "path", 3, NULL, NT_UNKNOWN, "203.0.113.9: no route"), "add unknown");
	T_EQ_U(t.n, 5, "five rows");
	ff = nt_triage_first_fault(&t);
	T_OK(ff && !strcmp(ff->layer, "conntrack"), "first fault: the lowest layer at fault");
	T_OK(ff && !strcmp(ff->check, "conntrack.drop"), "first fault: that layer's worst check");
	T_STR(ff ? ff->netns : "", "ns1", "first fault keeps its namespace");
	T_STR(t.v[4].check, "path.measure", "unknown row is LAYER.measure");
	T_STR(t.v[4].level, "unknown", "unknown row level");
	T_OK(isnan(t.v[4].value), "unknown row: no value");
	T_EQ_U(nt_triage_worst(&t), NT_CRIT, "worst: CRIT beats UNKNOWN");
	nt_triage_sort_worst(&t);
	T_STR(t.v[0].check, "tcp.close_wait", "sorted: CRIT first, stable");
	T_STR(t.v[1].check, "conntrack.drop", "sorted: second CRIT");
	T_STR(t.v[2].check, "path.measure", "sorted: then UNKNOWN");
	T_STR(t.v[3].check, "conntrack.fill", "sorted: then WARN");
	T_STR(t.v[4].check, "link.drops", "sorted: OK last");
	nt_tverdicts_free(&t);
	/* nothing at fault: UNKNOWN alone is no fault */
	nt_verdicts_reset(&link);
	add(&link, "link.drops", "eth0", NT_OK, 0, 0);
	nt_triage_add(&t, "link", 0, NULL, &link);
	nt_triage_measure(&t, "conntrack", 1, NULL, NT_UNKNOWN, "not loaded");
	T_OK(nt_triage_first_fault(&t) == NULL, "UNKNOWN is not a fault");
	T_EQ_U(nt_triage_worst(&t), NT_UNKNOWN, "worst UNKNOWN");
	nt_tverdicts_free(&t);
	nt_verdicts_free(&link);
	nt_verdicts_free(&ct);
	nt_verdicts_free(&tcp);
}

static void test_changed(void)
{
	T_OK(nt_tb_changed(5.0, 1.0, 1.0), "5x and 4 above a 0.1 floor: changed");
	T_OK(!nt_tb_changed(4.9, 1.0, 1.0), "4.9x: not changed");
	T_OK(!nt_tb_changed(0.05, 0.0, 1.0), "from 0 but under the floor (0.1): not changed");
	T_OK(nt_tb_changed(0.1, 0.0, 1.0), "from 0 to the floor: changed");
	T_OK(!nt_tb_changed(0.5, 0.0, NAN), "no threshold: floor 1");
	T_OK(nt_tb_changed(1.0, 0.0, NAN), "no threshold: 1 above 0 is changed");
	T_OK(!nt_tb_changed(NAN, 0.0, 1.0), "no value: not changed");
	T_OK(!nt_tb_changed(100, 30, 10), "3.3x: not changed");
}

static void test_parse_apply(void)
{
	const char *good =
		"{\"schema\":1,\"kind\":\"nettriage-baseline\",\"saved\":\"2026-12-01T00:00:00.000Z\","
		"\"boot_id\":\"x\",\"kernel\":\"0.0\",\"figures\":["
		"{\"layer\":\"tcp\",\"netns\":\"\",\"check\":\"tcp.retrans_ratio\",\"subject\":\"\",\"value\":0.2},"
		"{\"layer\":\"link\",\"netns\":\"\",\"check\":\"link.errors\",\"subject\":\"eth0\",\"value\":0}]}";
	const char *bad[] = {
		"", "garbage", "[]", "{\"schema\":2}",
		"{\"schema\":1,\"kind\":\"other\",\"saved\":\"\",\"boot_id\":\"\",\"kernel\":\"\",\"figures\":[]}",
		"{\"schema\":1,\"kind\":\"nettriage-baseline\",\"saved\":\"\",\"boot_id\":\"\",\"kernel\":\"\",\"figures\":[{\"layer\":\"x\"}]}",
		"{\"schema\":1,\"kind\":\"nettriage-baseline\",\"saved\":\"\",\"boot_id\":\"\",\"kernel\":\"\",\"figures\":[{\"layer\":\"x\",\"netns\":\"\",\"check\":\"c\",\"subject\":\"\",\"value\":\"1\"}]}",
	};
	struct nt_tb b;
	struct nt_tverdicts t = { 0 };
	struct nt_verdicts tcp = { 0 }, link = { 0 };
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		T_OK(nt_tb_parse(bad[i], strlen(bad[i]), &b, err, sizeof(err)) < 0 && err[0],
		     "bad baseline %zu refused with a reason (%s)", i, err);
	}
	T_OK(nt_tb_parse(good, strlen(good), &b, err, sizeof(err)) == 0, "good baseline parses");
	T_EQ_U(b.n, 2, "two figures");
	T_OK(b.other_boot, "boot id x: another boot");
	add(&tcp, "tcp.retrans_ratio", "", NT_OK, 1.5, 1.0);
	add(&link, "link.errors", "eth0", NT_OK, 0.0, 0.1);
	add(&link, "link.errors", "eth1", NT_OK, 9.0, 0.1);
	nt_triage_add(&t, "link", 0, NULL, &link);
	nt_triage_add(&t, "tcp", 2, NULL, &tcp);
	{
		size_t matched = 0;

		T_OK(nt_tb_apply(&b, &t, &matched) == 0, "apply");
		T_EQ_U(matched, 2, "two rows had a figure");
	}
	T_EQ_U(t.n, 4, "one changed row added");
	T_STR(t.v[3].check, "tcp.retrans_ratio.changed", "changed row names the check");
	T_STR(t.v[3].level, "warn", "changed row is WARN");
	T_NEAR(t.v[3].baseline, 0.2, 1e-12, "changed row carries the baseline");
	T_NEAR(t.v[3].threshold, 1.0, 1e-12, "changed row threshold: 5x the baseline (above baseline + floor 0.3)");
	T_NEAR(t.v[0].baseline, 0, 0, "eth0 row gets its baseline");
	T_OK(isnan(t.v[1].baseline), "eth1 has no baseline figure: none, no changed row");
	nt_tverdicts_free(&t);
	nt_verdicts_free(&tcp);
	nt_verdicts_free(&link);
	nt_tb_free(&b);
}

int main(void)
{
	test_first_fault();
	test_changed();
	test_parse_apply();
	return T_DONE();
}
