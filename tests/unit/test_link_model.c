/* Unit tests: rates, wrap/re-creation, verdicts and the verdict engine. */
#include <math.h>
#include <stdlib.h>
#include "nt_link.h"
#include "t.h"
#include "t_verdict.h"

static struct nt_link_if mk(const char *name, uint32_t idx, uint64_t rxp,
			    uint64_t txp, uint64_t rxerr, uint64_t rxdrop)
{
	struct nt_link_if i;

	memset(&i, 0, sizeof(i));
	snprintf(i.name, sizeof(i.name), "%s", name);
	i.ifindex = idx;
	i.have_stats = true;
	i.avail = ((1ull << NT_LX_COUNT) - 1) | (1ull << NT_LINK_MTU_BIT);
	i.c[NT_LS_rx_packets] = rxp;
	i.c[NT_LS_tx_packets] = txp;
	i.c[NT_LS_rx_errors] = rxerr;
	i.c[NT_LS_rx_dropped] = rxdrop;
	return i;
}


static void test_rates(void)
{
	struct nt_link_if a0 = mk("a", 1, 1000, 500, 0, 0);
	struct nt_link_if a1 = mk("a", 1, 1200, 700, 2, 1);
	struct nt_link_if b0 = mk("b", 2, 100, 0, 0, 0);
	struct nt_link_if b1 = mk("b", 3, 10, 0, 0, 0);      /* re-created */
	struct nt_link_if c0 = mk("c", 4, 5000, 0, 0, 0);
	struct nt_link_if c1 = mk("c", 4, 4000, 0, 0, 0);    /* counters down */
	struct nt_link_if d1 = mk("d", 5, 1, 0, 0, 0);       /* new */
	struct nt_link_if pv[] = { a0, b0, c0 }, cv[] = { a1, b1, c1, d1 };
	struct nt_link_list prev = { pv, 3, 3, 0, 0 }, cur = { cv, 4, 4, 0, 0 };

	nt_link_rates(&cur, &prev, 2.0);
	T_NEAR(cv[0].rate[NT_LS_rx_packets], 100.0, 1e-12, "rate = delta / dt");
	T_NEAR(cv[0].rate[NT_LS_tx_packets], 100.0, 1e-12, "tx rate");
	T_NEAR(cv[0].rate[NT_LR_RX_ERR_RATIO], 100.0 * 2 / 202, 1e-12,
	       "rx error ratio = errors / (packets + errors)");
	T_NEAR(cv[0].rate[NT_LR_RX_DROP_RATIO], 100.0 * 1 / 201, 1e-12, "rx drop ratio");
	T_NEAR(cv[0].rate[NT_LR_TX_DROP_RATIO], 0.0, 0, "tx drop ratio 0 with no drops");
	T_OK(!cv[0].reset, "no reset for a steady interface");
	T_OK((cv[0].avail >> (NT_LINK_DELTA_BIT + NT_LS_rx_packets)) & 1 &&
	     cv[0].delta[NT_LS_rx_packets] == 200, "delta kept and marked available");
	T_OK((cv[0].avail >> NT_LINK_MTU_BIT) & 1, "rates keep the mtu availability bit");
	T_OK(!((cv[1].avail >> (NT_LINK_DELTA_BIT + NT_LS_rx_packets)) & 1),
	     "no delta for a re-created interface");
	T_OK(cv[1].reset && isnan(cv[1].rate[NT_LS_rx_packets]),
	     "ifindex change: reset, rate NaN (never a huge negative)");
	T_OK(cv[2].reset && isnan(cv[2].rate[NT_LS_rx_packets]),
	     "counter went down: reset, rate NaN");
	T_OK(!cv[3].reset && isnan(cv[3].rate[NT_LS_rx_packets]),
	     "new interface: no rate, not a reset");

	nt_link_rates(&cur, NULL, 1.0);
	T_OK(isnan(cv[0].rate[NT_LS_rx_packets]), "no baseline: NaN rates");
}

static void test_verdicts(void)
{
	struct nt_link_thresholds t;
	struct nt_verdicts vs = { 0 };
	struct nt_link_if p[6], c[6];
	struct nt_link_list prev = { p, 6, 6, 0, 0 }, cur = { c, 6, 6, 0, 0 };
	const struct nt_verdict *v;

	nt_link_thresholds_default(&t);
	p[0] = mk("quiet", 1, 1000, 1000, 0, 0);   c[0] = mk("quiet", 1, 2000, 2000, 0, 0);
	p[1] = mk("drop1", 2, 1000, 0, 0, 0);      c[1] = mk("drop1", 2, 2000, 0, 0, 1);
	p[2] = mk("drop20", 3, 0, 0, 0, 0);        c[2] = mk("drop20", 3, 980, 0, 0, 20);
	p[3] = mk("err05", 4, 0, 0, 0, 0);         c[3] = mk("err05", 4, 995, 0, 5, 0);
	p[4] = mk("err2", 5, 0, 0, 0, 0);          c[4] = mk("err2", 5, 980, 0, 20, 0);
	p[5] = mk("miss", 6, 0, 0, 0, 0);          c[5] = mk("miss", 6, 100000, 0, 1, 0);
	c[5].c[NT_LS_rx_missed_errors] = 1;
	c[1].c[NT_LX_CARRIER_CHANGES] = 2;

	nt_link_verdicts(&cur, &prev, &t, &vs, NULL);
	T_EQ_I(t_level(&vs, "link.errors", "quiet"), NT_OK, "no errors: OK");
	T_EQ_I(t_level(&vs, "link.drops", "quiet"), NT_OK, "no drops: OK");
	T_EQ_I(t_level(&vs, "link.drops", "drop1"), NT_WARN, "one drop in 1000: any rise is WARN");
	T_EQ_I(t_level(&vs, "link.drops", "drop20"), NT_CRIT, "2%% drops: CRIT (> 1%%)");
	T_EQ_I(t_level(&vs, "link.errors", "err05"), NT_WARN, "0.5%% errors: WARN (> 0.1%%)");
	T_EQ_I(t_level(&vs, "link.errors", "err2"), NT_CRIT, "2%% errors: CRIT (> 1%%)");
	T_EQ_I(t_level(&vs, "link.errors", "miss"), NT_WARN,
	       "one rx_missed in 100000 packets: WARN on the rise alone");
	v = t_verdict(&vs, "link.errors", "miss");
	T_OK(v && strstr(v->hint, "ring"), "rx_missed hint names the NIC ring");
	T_EQ_I(t_level(&vs, "link.carrier", "drop1"), NT_WARN, "carrier changes rise: WARN");
	v = t_verdict(&vs, "link.drops", "drop20");
	T_NEAR(v ? v->value : NAN, 2.0, 1e-9, "drop value in percent");
	T_NEAR(v ? v->threshold : NAN, 1.0, 0, "threshold reported is the CRIT one");
	T_OK(v && v->hint[0], "CRIT carries a hint");
	T_EQ_I(nt_verdicts_worst(&vs), NT_CRIT, "worst is CRIT");
	T_EQ_I(nt_level_exit(nt_verdicts_worst(&vs)), 2, "exit status 2");
	T_EQ_I(nt_verdicts_worst_for(&vs, "quiet"), NT_OK, "worst for a quiet interface is OK");

	/* since boot: rises are not judged, ratios are */
	nt_verdicts_reset(&vs);
	nt_link_verdicts(&cur, NULL, &t, &vs, NULL);
	T_EQ_I(t_level(&vs, "link.drops", "drop1"), NT_OK,
	       "first run: 1 drop since boot is not a rise");
	T_EQ_I(t_level(&vs, "link.drops", "drop20"), NT_CRIT, "first run: 2%% since boot still CRIT");
	v = t_verdict(&vs, "link.drops", "drop1");
	T_OK(v && strstr(v->reason, "since boot"), "first run says since boot");

	/* overrides */
	t.crit_drops = 5;
	t.warn_errors = 1;
	t.crit_errors = 3;
	nt_verdicts_reset(&vs);
	nt_link_verdicts(&cur, &prev, &t, &vs, NULL);
	T_EQ_I(t_level(&vs, "link.drops", "drop20"), NT_WARN, "--crit-drops 5: 2%% is WARN");
	T_EQ_I(t_level(&vs, "link.errors", "err05"), NT_OK, "--warn 1: 0.5%% errors OK");
	T_EQ_I(t_level(&vs, "link.errors", "err2"), NT_WARN, "--warn 1 --crit 3: 2%% WARN");

	/* re-created between samples: counts since re-creation are judged */
	nt_link_thresholds_default(&t);
	c[0].ifindex = 99;
	c[0].c[NT_LS_rx_packets] = 100;
	c[0].c[NT_LS_rx_dropped] = 50;
	nt_verdicts_reset(&vs);
	nt_link_verdicts(&cur, &prev, &t, &vs, NULL);
	v = t_verdict(&vs, "link.drops", "quiet");
	T_EQ_I(v ? (int)v->level : -1, NT_CRIT, "re-created: 50 drops in 150 since re-creation CRIT");
	T_OK(v && strstr(v->reason, "re-created"), "re-creation said in the reason");
	nt_verdicts_free(&vs);
}

static void test_engine(void)
{
	struct nt_verdicts vs = { 0 };

	T_EQ_I(nt_verdicts_worst(&vs), NT_OK, "no verdicts: OK");
	nt_verdict_add(&vs, "a", "", NT_WARN, 1, 0);
	T_EQ_I(nt_level_exit(nt_verdicts_worst(&vs)), 1, "WARN exits 1");
	nt_verdict_add(&vs, "b", "", NT_UNKNOWN, NAN, NAN);
	T_EQ_I(nt_level_exit(nt_verdicts_worst(&vs)), 3, "UNKNOWN outranks WARN: exit 3");
	nt_verdict_add(&vs, "c", "", NT_CRIT, 1, 0);
	T_EQ_I(nt_level_exit(nt_verdicts_worst(&vs)), 2, "CRIT outranks UNKNOWN: exit 2");
	T_EQ_I(nt_level_gt(1.0, 1.0, 2.0), NT_OK, "gt: equal to WARN is OK");
	T_EQ_I(nt_level_ge(1.0, 1.0, 2.0), NT_WARN, "ge: equal to WARN is WARN");
	T_EQ_I(nt_level_gt(NAN, 1.0, 2.0), NT_UNKNOWN, "NaN value: UNKNOWN");
	T_EQ_I(nt_level_gt(5.0, NAN, NAN), NT_OK, "disabled thresholds: OK");
	T_STR(nt_level_name(NT_CRIT), "crit", "level names");
	nt_verdicts_free(&vs);
}

int main(void)
{
	test_rates();
	test_verdicts();
	test_engine();
	return T_DONE();
}
