/* Unit tests: rates, wrap/re-creation, verdicts and the verdict engine. */
#include <math.h>
#include <stdlib.h>
#include <net/if_arp.h>
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
	T_EQ_I(t_level(&vs, "link.carrier", "drop1"), NT_OK,
	       "2 carrier changes, carrier up now: link.carrier OK (not lost)");
	T_EQ_I(t_level(&vs, "link.flapping", "drop1"), NT_WARN,
	       "2 carrier changes: link.flapping WARN (>= 2)");
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

static bool has_verdict(const struct nt_verdicts *vs, const char *check,
			const char *subj)
{
	return t_verdict(vs, check, subj) != NULL;
}

static void test_util(void)
{
	struct nt_link_thresholds t;
	struct nt_verdicts vs = { 0 };
	struct nt_link_if p[6], c[6];
	struct nt_link_list prev = { p, 6, 6, 0, 0 }, cur = { c, 6, 6, 0, 0 };
	const struct nt_verdict *v;
	/* 1000 Mb/s for 10 s = 1.25e9 bytes at 100 % */
	const uint64_t full = 1250000000ull;
	int i;

	T_NEAR(nt_link_util_pct(125000000, 0, 0, 1.0, 1000), 100.0, 1e-9,
	       "125 MB in 1 s at 1000 Mb/s: 100 %%");
	T_NEAR(nt_link_util_pct(1000, 0, 0, 2.0, 10), 100.0 * 8000 / 2 / 1e7, 1e-12,
	       "util = bytes * 8 / dt / (speed * 1e6) * 100");
	T_OK(isnan(nt_link_util_pct(1000, 0, 0, 1.0, 0)), "speed 0: NaN");
	T_OK(isnan(nt_link_util_pct(1000, 0, 0, 0.0, 1000)), "dt 0: NaN");

	nt_link_thresholds_default(&t);
	T_NEAR(t.warn_util, 80, 0, "default --warn-util 80");
	T_NEAR(t.crit_util, 95, 0, "default --crit-util 95");
	T_EQ_U(t.warn_flaps, 2, "default --warn-flaps 2");
	for (i = 0; i < 6; i++) {
		char n[8];

		snprintf(n, sizeof(n), "u%d", i);
		p[i] = mk(n, (uint32_t)i + 1, 0, 0, 0, 0);
		c[i] = mk(n, (uint32_t)i + 1, 1000, 1000, 0, 0);
		c[i].speed_mbps = 1000;
		c[i].avail |= 1ull << NT_LINK_SPEED_BIT | 1ull << NT_LINK_DUPLEX_BIT;
		strcpy(c[i].duplex, "full");
	}
	/* u0 79.99 % rx, u1 exactly 80 % tx, u2 94.99 %, u3 exactly 95 %,
	 * u4 unknown speed at "100 %", u5 half duplex 50 % + 40 % */
	c[0].c[NT_LS_rx_bytes] = full * 7999 / 10000;
	c[1].c[NT_LS_tx_bytes] = full * 80 / 100;
	c[2].c[NT_LS_rx_bytes] = full * 9499 / 10000;
	c[3].c[NT_LS_rx_bytes] = full * 95 / 100;
	c[4].c[NT_LS_rx_bytes] = full;
	c[4].avail &= ~(1ull << NT_LINK_SPEED_BIT | 1ull << NT_LINK_DUPLEX_BIT);
	c[4].speed_mbps = 0;
	c[5].c[NT_LS_rx_bytes] = full / 2;
	c[5].c[NT_LS_tx_bytes] = full * 4 / 10;
	strcpy(c[5].duplex, "half");

	nt_link_rates(&cur, &prev, 10.0);
	T_NEAR(c[0].rx_util_pct, 79.99, 1e-9, "rx_util_pct 79.99");
	T_NEAR(c[0].tx_util_pct, 0.0, 1e-12, "tx_util_pct 0 with no tx bytes");
	T_NEAR(c[1].tx_util_pct, 80.0, 1e-9, "tx_util_pct 80");
	T_OK(isnan(c[4].rx_util_pct) && isnan(c[4].tx_util_pct), "unknown speed: util NaN (null)");
	nt_link_verdicts(&cur, &prev, &t, &vs, NULL);
	T_EQ_I(t_level(&vs, "link.utilization", "u0"), NT_OK, "79.99 %%: OK");
	T_EQ_I(t_level(&vs, "link.utilization", "u1"), NT_WARN, "tx exactly 80 %%: WARN (>=)");
	v = t_verdict(&vs, "link.utilization", "u1");
	T_OK(v && strstr(v->reason, "tx 80.0%") && v->hint[0], "reason names tx, hint given");
	T_NEAR(v ? v->threshold : NAN, 80, 0, "WARN threshold reported");
	T_EQ_I(t_level(&vs, "link.utilization", "u2"), NT_WARN, "94.99 %%: WARN");
	T_EQ_I(t_level(&vs, "link.utilization", "u3"), NT_CRIT, "exactly 95 %%: CRIT (>=)");
	v = t_verdict(&vs, "link.utilization", "u3");
	T_OK(v && strstr(v->hint, "top talker"), "CRIT hint names the top talker");
	T_OK(!has_verdict(&vs, "link.utilization", "u4"), "unknown speed: no utilization verdict");
	T_EQ_I(t_level(&vs, "link.utilization", "u5"), NT_WARN,
	       "half duplex: rx 50 %% + tx 40 %% share the medium: 90 %%, WARN");
	/* at 1000 Mb/s half duplex is called unusual */
	v = t_verdict(&vs, "link.utilization", "u5");
	T_NEAR(v ? v->value : NAN, 90.0, 1e-9, "half duplex value = rx + tx");
	T_OK(v && strstr(v->reason, "unusual"), "half duplex at 1000 Mb/s: said in the reason");
	T_OK(!has_verdict(&vs, "link.duplex", "u5"), "and no verdict of its own");
	nt_verdicts_reset(&vs);

	/* options */
	t.warn_util = 50;
	t.crit_util = 79;
	nt_link_verdicts(&cur, &prev, &t, &vs, NULL);
	T_EQ_I(t_level(&vs, "link.utilization", "u0"), NT_CRIT, "--crit-util 79: 79.99 %% CRIT");
	nt_verdicts_reset(&vs);

	/* no baseline: null, no verdict */
	nt_link_rates(&cur, NULL, 10.0);
	T_OK(isnan(c[3].rx_util_pct), "first run: util null");
	nt_link_verdicts(&cur, NULL, &t, &vs, NULL);
	T_OK(!has_verdict(&vs, "link.utilization", "u3"), "first run: no utilization verdict");
	nt_verdicts_free(&vs);
}

/* Ethernet framing: rx/tx_bytes leave out preamble+SFD (8), FCS (4) and
 * the inter-frame gap (12). A 10 GbE line-rate flood of 64-byte frames
 * (60 bytes counted each, FCS excluded) is 14,880,952 frames/s: 71.4 %
 * from the counted bytes, 100 % on the wire. Added for ARPHRD_ETHER
 * without IFLA_INFO_KIND (a physical NIC), never for virtual devices. */
static void test_framing(void)
{
	struct nt_link_thresholds t;
	struct nt_verdicts vs = { 0 };
	struct nt_link_if p[3], c[3];
	struct nt_link_list prev = { p, 3, 3, 0, 0 }, cur = { c, 3, 3, 0, 0 };
	const struct nt_verdict *v;
	const uint64_t pps = 14880952; /* 10e9 / ((64 + 20) * 8) */
	int i;

	T_EQ_U(nt_link_framing(ARPHRD_ETHER, NULL), 24, "ARPHRD_ETHER, no kind: 24 bytes");
	T_EQ_U(nt_link_framing(ARPHRD_ETHER, ""), 24, "ARPHRD_ETHER, empty kind: 24");
	T_EQ_U(nt_link_framing(ARPHRD_ETHER, "veth"), 0, "veth: 0");
	T_EQ_U(nt_link_framing(ARPHRD_ETHER, "bridge"), 0, "bridge: 0");
	T_EQ_U(nt_link_framing(ARPHRD_LOOPBACK, NULL), 0, "loopback: 0");
	T_EQ_U(nt_link_framing(ARPHRD_NONE, "tun"), 0, "tun: 0");
	T_NEAR(nt_link_util_pct(60 * pps, pps, 24, 1.0, 10000), 100.0, 1e-4,
	       "64-byte line rate with 24 bytes framing: 100 %%");
	T_NEAR(nt_link_util_pct(60 * pps, pps, 0, 1.0, 10000), 71.4285696, 1e-5,
	       "the same from the counted bytes alone: 71.4 %%");

	nt_link_thresholds_default(&t);
	for (i = 0; i < 3; i++) {
		char n[8];

		snprintf(n, sizeof(n), "e%d", i);
		p[i] = mk(n, (uint32_t)i + 1, 0, 0, 0, 0);
		c[i] = mk(n, (uint32_t)i + 1, pps, 0, 0, 0);
		c[i].c[NT_LS_rx_bytes] = 60 * pps;
		c[i].speed_mbps = 10000;
		c[i].avail |= 1ull << NT_LINK_SPEED_BIT | 1ull << NT_LINK_DUPLEX_BIT;
		strcpy(c[i].duplex, "full");
	}
	/* e0 a physical NIC (netlink: ARPHRD_ETHER, no kind) */
	c[0].arphrd = ARPHRD_ETHER;
	c[0].framing_bytes = nt_link_framing(ARPHRD_ETHER, "");
	c[0].avail |= 1ull << NT_LINK_FRAMING_BIT;
	/* e1 a veth (kind "veth"): no wire, no framing */
	c[1].arphrd = ARPHRD_ETHER;
	strcpy(c[1].kind, "veth");
	c[1].framing_bytes = nt_link_framing(ARPHRD_ETHER, "veth");
	c[1].avail |= 1ull << NT_LINK_FRAMING_BIT | 1ull << NT_LINK_KIND_BIT;
	/* e2 from /proc/net/dev: framing unknown, not added */
	nt_link_rates(&cur, &prev, 1.0);
	T_NEAR(c[0].rx_util_pct, 100.0, 1e-4, "physical 10 GbE, 64-byte flood: rx_util_pct 100");
	T_NEAR(c[1].rx_util_pct, 71.4285696, 1e-5, "veth, same counters: 71.4 (no framing)");
	T_NEAR(c[2].rx_util_pct, 71.4285696, 1e-5, "framing unknown (/proc/net/dev): 71.4, not added");
	nt_link_verdicts(&cur, &prev, &t, &vs, NULL);
	T_EQ_I(t_level(&vs, "link.utilization", "e0"), NT_CRIT, "physical at line rate: CRIT");
	v = t_verdict(&vs, "link.utilization", "e0");
	T_OK(v && strstr(v->reason, "rx 10000.0 Mb/s") && strstr(v->reason, "+24 B/frame framing"),
	     "reason: the wire rate and the framing added");
	T_EQ_I(t_level(&vs, "link.utilization", "e1"), NT_OK, "veth at 71.4 %%: OK");
	v = t_verdict(&vs, "link.utilization", "e1");
	T_OK(v && !strstr(v->reason, "framing"), "veth: no framing in the reason");
	nt_verdicts_free(&vs);
}

static void test_flaps(void)
{
	struct nt_link_thresholds t;
	struct nt_verdicts vs = { 0 };
	struct nt_link_if p[4], c[4];
	struct nt_link_list prev = { p, 4, 4, 0, 0 }, cur = { c, 4, 4, 0, 0 };
	const struct nt_verdict *v;
	int i;

	nt_link_thresholds_default(&t);
	for (i = 0; i < 4; i++) {
		char n[8];

		snprintf(n, sizeof(n), "f%d", i);
		p[i] = mk(n, (uint32_t)i + 1, 0, 0, 0, 0);
		c[i] = mk(n, (uint32_t)i + 1, 0, 0, 0, 0);
		c[i].avail |= 1ull << NT_LINK_CARRIER_BIT;
		c[i].carrier = true;
	}
	/* f0 one change, up (came up); f1 one down, still down; f2 two
	 * down + two up, up; f3 three changes, down now */
	c[0].c[NT_LX_CARRIER_CHANGES] = 1; c[0].c[NT_LX_CARRIER_UP] = 1;
	c[1].c[NT_LX_CARRIER_CHANGES] = 1; c[1].c[NT_LX_CARRIER_DOWN] = 1;
	c[1].carrier = false;
	c[2].c[NT_LX_CARRIER_CHANGES] = 4; c[2].c[NT_LX_CARRIER_UP] = 2;
	c[2].c[NT_LX_CARRIER_DOWN] = 2;
	c[3].c[NT_LX_CARRIER_CHANGES] = 3; c[3].carrier = false;
	nt_link_verdicts(&cur, &prev, &t, &vs, NULL);
	T_EQ_I(t_level(&vs, "link.carrier", "f0"), NT_OK, "one change, carrier up: carrier OK");
	T_EQ_I(t_level(&vs, "link.flapping", "f0"), NT_OK, "one change: flapping OK (< 2)");
	T_EQ_I(t_level(&vs, "link.carrier", "f1"), NT_WARN, "lost and still down: carrier WARN");
	T_EQ_I(t_level(&vs, "link.flapping", "f1"), NT_OK, "one change: not flapping");
	T_EQ_I(t_level(&vs, "link.carrier", "f2"), NT_OK, "bounced twice, up: carrier OK");
	T_EQ_I(t_level(&vs, "link.flapping", "f2"), NT_WARN, "4 changes: flapping WARN");
	v = t_verdict(&vs, "link.flapping", "f2");
	T_OK(v && strstr(v->reason, "(2 down, 2 up)") && strstr(v->hint, "autonegotiation"),
	     "reason has the down/up counts, hint autonegotiation");
	T_EQ_I(t_level(&vs, "link.flapping", "f3"), NT_WARN, "3 changes, down now: flapping WARN");
	T_EQ_I(t_level(&vs, "link.carrier", "f3"), NT_WARN, "and carrier WARN (lost now)");
	nt_verdicts_reset(&vs);

	t.warn_flaps = 5;
	nt_link_verdicts(&cur, &prev, &t, &vs, NULL);
	T_EQ_I(t_level(&vs, "link.flapping", "f2"), NT_OK, "--warn-flaps 5: 4 changes OK");
	nt_verdicts_reset(&vs);
	t.warn_flaps = 0;
	nt_link_verdicts(&cur, &prev, &t, &vs, NULL);
	T_EQ_I(t_level(&vs, "link.flapping", "f3"), NT_OK, "--warn-flaps 0: off");
	nt_verdicts_reset(&vs);

	/* first run: since-boot changes are not judged */
	nt_link_thresholds_default(&t);
	nt_link_verdicts(&cur, NULL, &t, &vs, NULL);
	T_EQ_I(t_level(&vs, "link.flapping", "f2"), NT_OK, "first run: flapping OK");
	T_EQ_I(t_level(&vs, "link.carrier", "f1"), NT_OK, "first run: carrier OK");
	nt_verdicts_free(&vs);
}

/* After a reset the carrier counts may be since-creation totals: a fresh
 * veth already has 1 down + 1 up. Only changes beyond what creation
 * explains are judged. */
static void test_flaps_reset(void)
{
	struct nt_link_thresholds t;
	struct nt_verdicts vs = { 0 };
	struct nt_link_if p[5], c[5];
	struct nt_link_list prev = { p, 5, 5, 0, 0 }, cur = { c, 5, 5, 0, 0 };
	const struct nt_verdict *v;
	int i;

	nt_link_thresholds_default(&t);
	for (i = 0; i < 5; i++) {
		char n[8];

		snprintf(n, sizeof(n), "r%d", i);
		p[i] = mk(n, (uint32_t)i + 1, 1000, 1000, 0, 0);
		p[i].c[NT_LX_CARRIER_CHANGES] = 6;
		p[i].c[NT_LX_CARRIER_UP] = 3;
		p[i].c[NT_LX_CARRIER_DOWN] = 3;
		/* re-created: new ifindex, counters from zero */
		c[i] = mk(n, (uint32_t)i + 100, 5, 5, 0, 0);
		c[i].avail |= 1ull << NT_LINK_CARRIER_BIT;
		c[i].carrier = true;
	}
	/* r0: fresh veth, 1 down + 1 up (its creation) */
	c[0].c[NT_LX_CARRIER_CHANGES] = 2; c[0].c[NT_LX_CARRIER_UP] = 1;
	c[0].c[NT_LX_CARRIER_DOWN] = 1;
	/* r1: created, then bounced twice: 3 down + 3 up */
	c[1].c[NT_LX_CARRIER_CHANGES] = 6; c[1].c[NT_LX_CARRIER_UP] = 3;
	c[1].c[NT_LX_CARRIER_DOWN] = 3;
	/* r2: created with its peer down: 1 down, no carrier */
	c[2].c[NT_LX_CARRIER_CHANGES] = 1; c[2].c[NT_LX_CARRIER_DOWN] = 1;
	c[2].carrier = false;
	/* r3: no up/down counts (old kernel): 2 changes, all creation's */
	c[3].c[NT_LX_CARRIER_CHANGES] = 2;
	c[3].avail &= ~((1ull << NT_LX_CARRIER_UP) | (1ull << NT_LX_CARRIER_DOWN));
	/* r4: same ifindex, the driver cleared its stats (rx_packets down)
	 * but the core's carrier counts went on: 6 -> 8 is 2 changes in
	 * the span, not 8 since creation */
	c[4].ifindex = p[4].ifindex;
	c[4].c[NT_LX_CARRIER_CHANGES] = 8; c[4].c[NT_LX_CARRIER_UP] = 4;
	c[4].c[NT_LX_CARRIER_DOWN] = 4;
	nt_link_verdicts(&cur, &prev, &t, &vs, NULL);

	T_EQ_U(nt_link_creation_changes(2, true, 1, 1), 2, "creation explains 1 down + 1 up");
	T_EQ_U(nt_link_creation_changes(6, true, 3, 3), 2, "and no more");
	T_EQ_U(nt_link_creation_changes(1, true, 1, 0), 1, "a device still without carrier: 1");
	T_EQ_U(nt_link_creation_changes(5, false, 0, 0), 2, "without up/down counts: 2 of the changes");
	T_EQ_U(nt_link_creation_changes(1, false, 0, 0), 1, "never more than there are");
	T_EQ_I(t_level(&vs, "link.flapping", "r0"), NT_OK,
	       "re-created veth with creation's 1 down + 1 up: flapping OK");
	v = t_verdict(&vs, "link.flapping", "r0");
	T_OK(v && v->value == 0 && strstr(v->reason, "2 from its creation, 0 after"),
	     "value 0, the reason says the 2 changes are its creation's");
	T_EQ_I(t_level(&vs, "link.flapping", "r1"), NT_WARN,
	       "re-created and bounced twice (3 down, 3 up): flapping WARN");
	v = t_verdict(&vs, "link.flapping", "r1");
	T_OK(v && v->value == 4, "value 4: the changes after creation");
	T_EQ_I(t_level(&vs, "link.carrier", "r2"), NT_OK,
	       "re-created with no carrier yet (1 down, creation's): carrier OK");
	T_EQ_I(t_level(&vs, "link.flapping", "r3"), NT_OK,
	       "no up/down counts, 2 changes after re-creation: flapping OK");
	T_EQ_I(t_level(&vs, "link.flapping", "r4"), NT_WARN,
	       "stats cleared on the same device: carrier delta 2 judged, flapping WARN");
	v = t_verdict(&vs, "link.flapping", "r4");
	T_OK(v && v->value == 2 && !strstr(v->reason, "creation"),
	     "value 2 (8 - 6), not 8 since creation");
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
	test_util();
	test_framing();
	test_flaps();
	test_flaps_reset();
	test_engine();
	return T_DONE();
}
