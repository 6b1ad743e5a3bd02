/* Unit tests: path statistics against values computed independently here
 * (two-pass long double mean/variance, own percentile), Wilson interval,
 * RFC 3550 jitter, a 100,000-sample drift check, and the model: loss,
 * late replies, rate_limited attribution, responders, verdicts, CSV and
 * Prometheus output. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nt_path.h"
#include "t.h"

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Reference: two-pass in long double. */
static void ref_moments(const double *v, size_t n, long double *mean,
			long double *sd)
{
	long double s = 0, q = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += v[i];
	*mean = s / n;
	for (i = 0; i < n; i++)
		q += (v[i] - *mean) * (v[i] - *mean);
	*sd = sqrtl(q / (n - 1));
}

/* Reference percentile: hyndman-fan type 7 written out again. */
static double ref_pct(double *v, size_t n, double q)
{
	double h = (n - 1) * q / 100.0, lo = floor(h);

	qsort(v, n, sizeof(*v), cmpd);
	if (lo + 1 >= n)
		return v[n - 1];
	return v[(size_t)lo] + (h - lo) * (v[(size_t)lo + 1] - v[(size_t)lo]);
}

static void test_small(void)
{
	struct nt_stats st = { 0 };
	struct nt_stats_summary s;
	double v[] = { 3, 1, 4, 5, 2 };
	size_t i;

	for (i = 0; i < 5; i++)
		nt_stats_add(&st, v[i], (long)i);
	nt_stats_summary(&st, &s);
	T_NEAR(s.mean, 3.0, 1e-15, "mean of 3 1 4 5 2");
	T_NEAR(s.stddev, sqrt(2.5), 1e-15, "sample stddev sqrt(2.5)");
	T_NEAR(s.p50, 3.0, 1e-15, "p50 = 3");
	T_NEAR(s.p90, 4.6, 1e-12, "p90 = 4.6 (linear between ranks)");
	T_NEAR(s.p99, 4.96, 1e-12, "p99 = 4.96");
	T_OK(s.min == 1 && s.max == 5 && s.last == 2, "min 1, max 5, last 2");
	/* |1-3|,|4-1|,|5-4|,|2-5| = 2,3,1,3 */
	T_NEAR(s.jit_mean, 9.0 / 4, 1e-15, "jitter mean 9/4");
	T_NEAR(s.jit_max, 3.0, 0, "jitter max 3");
	nt_stats_free(&st);

	nt_stats_add(&st, 7.5, 0);
	nt_stats_summary(&st, &s);
	T_OK(s.mean == 7.5 && isnan(s.stddev) && isnan(s.jit_mean) && s.p99 == 7.5,
	     "one sample: mean, no stddev, no jitter");
	nt_stats_free(&st);
	nt_stats_summary(&st, &s);
	T_OK(isnan(s.mean) && isnan(s.p50), "no sample: all null");
}

static void test_random(void)
{
	enum { N = 1000 };
	static double v[N];
	struct nt_stats st = { 0 };
	struct nt_stats_summary s;
	long double m, sd;
	size_t i;

	srand(42);
	for (i = 0; i < N; i++) {
		v[i] = 20.0 + 5.0 * ((double)rand() / RAND_MAX - 0.5) * 3.4641;
		nt_stats_add(&st, v[i], (long)i);
	}
	nt_stats_summary(&st, &s);
	ref_moments(v, N, &m, &sd);
	T_NEAR(s.mean, (double)m, 1e-12, "mean of 1000 samples = two-pass long double");
	T_NEAR(s.stddev, (double)sd, 1e-12, "stddev of 1000 samples = two-pass long double");
	T_NEAR(s.p50, ref_pct(v, N, 50), 1e-12, "p50 of 1000 samples");
	T_NEAR(s.p90, ref_pct(v, N, 90), 1e-12, "p90 of 1000 samples");
	T_NEAR(s.p99, ref_pct(v, N, 99), 1e-12, "p99 of 1000 samples");
	nt_stats_free(&st);
}

static void test_drift(void)
{
	enum { N = 100000 };
	struct nt_stats st = { 0 };
	long double sum = 0, mean, q = 0, sd;
	double x;
	size_t i;

	/* RTTs like 20.0004 ms ... 20.0007 ms: mtr's integer-microsecond mean
	 * would read 20.000 ms; the exact mean is 20.00055 ms. */
	for (i = 0; i < N; i++) {
		x = 20.0004 + 0.0001 * (double)(i % 4);
		sum += x;
		nt_stats_add(&st, x, (long)i);
	}
	mean = sum / N;
	for (i = 0; i < N; i++) {
		x = 20.0004 + 0.0001 * (double)(i % 4);
		q += (x - mean) * (x - mean);
	}
	sd = sqrtl(q / (N - 1));
	T_NEAR(st.mean, (double)mean, 1e-11, "100,000 samples: the mean does not drift");
	T_NEAR(st.mean, 20.00055, 1e-9, "100,000 samples: mean 20.00055 ms");
	T_NEAR(nt_stats_stddev(&st), (double)sd, 1e-9, "100,000 samples: stddev = two-pass");
	T_EQ_U(st.n, N, "100,000 samples kept for exact percentiles");
	nt_stats_free(&st);
}

static void test_wilson(void)
{
	double lo, hi;

	/* reference values: the Wilson score formula evaluated separately
	 * (Newcombe 1998, Table I: 1/10 gives 0.0179..0.4042) */
	nt_wilson(1, 10, &lo, &hi);
	T_NEAR(lo, 1.7876213095, 1e-8, "Wilson 1/10 low 1.79 %%");
	T_NEAR(hi, 40.415002680, 1e-8, "Wilson 1/10 high 40.42 %%");
	nt_wilson(0, 10, &lo, &hi);
	T_OK(lo == 0 && fabs(hi - 27.753279986) < 1e-8, "Wilson 0/10: 0 .. 27.75 %%");
	nt_wilson(25, 100, &lo, &hi);
	T_OK(fabs(lo - 17.545211362) < 1e-8 && fabs(hi - 34.304463548) < 1e-8,
	     "Wilson 25/100: 17.55 .. 34.30 %%");
	nt_wilson(10, 10, &lo, &hi);
	T_OK(hi == 100 && lo < 100, "Wilson 10/10: high is exactly 100");
	nt_wilson(0, 0, &lo, &hi);
	T_OK(isnan(lo) && isnan(hi), "Wilson with no trials: null");
}

static void test_rfc3550(void)
{
	double v[] = { 10, 12, 11, 15 }, m, mx, j;
	double big[200];
	size_t i;

	nt_jitter(v, 4, &m, &mx, &j);
	/* J1 = 2/16; J2 = J1 + (1 - J1)/16; J3 = J2 + (4 - J2)/16 */
	T_NEAR(j, 0.41845703125, 1e-15, "RFC 3550 jitter of 10 12 11 15 (ms, /16 gain)");
	T_NEAR(m, 7.0 / 3, 1e-15, "mean |dRTT| 7/3");
	T_NEAR(mx, 4, 0, "max |dRTT| 4");
	/* alternating +-d converges to d: the estimator is in ms, not scaled */
	for (i = 0; i < 200; i++)
		big[i] = i % 2 ? 3.0 : 1.0;
	nt_jitter(big, 200, &m, &mx, &j);
	T_NEAR(j, 2.0, 1e-4, "RFC 3550 jitter of an alternating 1/3 ms series converges to 2 ms");
}

static void ev(struct nt_path *p, enum nt_probe_ev e, int ttl, long cycle,
	       const char *ip, double rtt, bool dst)
{
	struct nt_probe_event x;

	memset(&x, 0, sizeof(x));
	x.ev = e;
	x.ttl = ttl;
	x.cycle = cycle;
	x.rtt_ms = rtt;
	x.from_dst = dst;
	x.reply_ttl = 60;
	x.kernel_ts = true;
	x.type = dst ? 0 : 11;
	if (ip)
		nt_paddr_parse(ip, &x.responder);
	nt_path_event(p, &x);
}

static const struct nt_verdict *find(const struct nt_verdicts *vs, const char *c)
{
	size_t i;

	for (i = 0; i < vs->n; i++)
		if (!strcmp(vs->v[i].check, c))
			return &vs->v[i];
	return NULL;
}

static void test_model(void)
{
	static struct nt_path p;
	struct nt_path_thresholds t = { 20, NAN };
	struct nt_verdicts vs = { 0 };
	struct nt_path_row *rows;
	size_t n, i;
	long c;
	char *buf = NULL;
	size_t blen = 0;
	FILE *f;

	nt_path_init(&p);
	snprintf(p.target, sizeof(p.target), "t.example");
	nt_paddr_parse("203.0.113.9", &p.dst);
	p.max_ttl = 30;
	for (c = 0; c < 8; c++) {
		ev(&p, NT_EV_SENT, 1, c, NULL, 0, false);
		ev(&p, NT_EV_REPLY, 1, c, "192.0.2.1", 1.0 + c, false);
		/* hop 2: ECMP, two routers; every other probe unanswered */
		ev(&p, NT_EV_SENT, 2, c, NULL, 0, false);
		if (c % 2)
			ev(&p, NT_EV_LOST, 2, c, NULL, 0, false);
		else
			ev(&p, NT_EV_REPLY, 2, c, c % 4 ? "198.51.100.1" : "198.51.100.5",
			   2.0, false);
		/* destination: 2 of 8 lost, one of those only late */
		ev(&p, NT_EV_SENT, 3, c, NULL, 0, false);
		if (c == 3 || c == 6) {
			ev(&p, NT_EV_LOST, 3, c, NULL, 0, false);
		} else {
			ev(&p, NT_EV_REPLY, 3, c, "203.0.113.9", 3.0, true);
		}
		/* cycle 1 probes past the destination are duplicates */
		if (c == 0) {
			ev(&p, NT_EV_SENT, 4, c, NULL, 0, false);
			ev(&p, NT_EV_REPLY, 4, c, "203.0.113.9", 3.0, true);
		}
	}
	ev(&p, NT_EV_LATE, 3, 6, "203.0.113.9", 2500, true);
	{
		/* a reply carrying RFC 4950 labels at hop 1 */
		struct nt_probe_reply rep;
		struct nt_probe_event x;

		memset(&rep, 0, sizeof(rep));
		rep.nmpls = 2;
		rep.mpls[0] = (16005u << 12) | 0x40;
		rep.mpls[1] = (24u << 12) | 0x140;
		memset(&x, 0, sizeof(x));
		x.ev = NT_EV_REPLY;
		x.ttl = 1;
		x.cycle = 8;
		x.rtt_ms = 1.0;
		x.type = 11;
		x.reply = &rep;
		x.reply_ttl = 64;
		nt_paddr_parse("192.0.2.1", &x.responder);
		ev(&p, NT_EV_SENT, 1, 8, NULL, 0, false);
		nt_path_event(&p, &x);
	}
	nt_path_finish(&p);
	T_EQ_I(p.dst_ttl, 3, "destination at TTL 3");
	T_EQ_U(p.hop[4].sent, 0, "hop past the destination dropped");
	T_OK(p.hop[2].rate_limited, "hop 2 (50 %% loss, destination 12.5 %%) is rate_limited");
	T_OK(!p.hop[1].rate_limited, "hop 1 (no loss) is not");
	T_EQ_U(p.hop[3].lost, 1, "late reply taken out of loss");
	T_EQ_U(p.hop[3].late, 1, "and counted late");
	nt_path_rows(&p, true, &rows, &n);
	T_EQ_U(n, 4, "rows: hop 1, hop 2 twice (two responders), hop 3");
	T_OK(n == 4 && !rows[1].extra && rows[2].extra && rows[1].ttl == 2 &&
	     rows[2].ttl == 2, "second responder of hop 2 is an extra row");
	T_NEAR(rows[3].loss_pct, 12.5, 1e-12, "destination loss 1/8 = 12.5 %%");
	T_NEAR(rows[0].s.mean, 37.0 / 9, 1e-12, "hop 1 mean of 1..8 and 1 = 37/9");
	T_NEAR(rows[0].s.jit_mean, 14.0 / 8, 1e-12, "hop 1 jitter: seven 1 ms steps, one 7 ms");
	T_STR(rows[0].mpls, "16005,24", "hop 1: MPLS labels of the last reply, outermost first");
	T_OK((rows[0].avail >> NT_PR_AV_MPLS) & 1 && !((rows[3].avail >> NT_PR_AV_MPLS) & 1),
	     "MPLS null where the reply carried none");
	nt_path_verdicts(&p, rows, n, &t, &vs);
	T_OK(find(&vs, "path.loss") && find(&vs, "path.loss")->level == NT_WARN,
	     "12.5 %% destination loss below --max-loss 20: WARN");
	T_OK(find(&vs, "path.hop_loss") != NULL, "rate-limited hop reported as hop_loss (ok)");
	nt_verdicts_free(&vs);
	t.max_loss = 10;
	nt_path_verdicts(&p, rows, n, &t, &vs);
	T_EQ_I(nt_verdicts_worst(&vs), NT_CRIT, "12.5 %% >= --max-loss 10: CRIT");
	nt_verdicts_free(&vs);
	t.max_loss = 50;
	t.max_p99 = 2.5;
	nt_path_verdicts(&p, rows, n, &t, &vs);
	T_OK(find(&vs, "path.p99") && find(&vs, "path.p99")->level == NT_WARN,
	     "p99 3 ms above --max-p99 2.5: WARN");
	nt_verdicts_free(&vs);

	f = open_memstream(&buf, &blen);
	nt_path_print_csv(f, rows, n, "t,\"x\"");
	fclose(f);
	T_OK(strstr(buf, "\r\n\"t,\"\"x\"\"\",1,192.0.2.1,") != NULL,
	     "CSV: CRLF, quoted field with comma and doubled quotes");
	T_OK(!strncmp(buf, "target,ttl,ip,host,sent,", 24), "CSV header from the field table");
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &blen);
	nt_path_prom(f, &p, rows, n, NULL);
	fclose(f);
	T_OK(strstr(buf, "nettriage_path_rtt_seconds{target=\"t.example\",ttl=\"3\",responder=\"203.0.113.9\",quantile=\"0.99\"} 0.003\n") != NULL,
	     "Prometheus: rtt quantile in seconds");
	T_OK(strstr(buf, "nettriage_path_loss_ratio{target=\"t.example\",ttl=\"3\",responder=\"203.0.113.9\"} 0.125\n") != NULL,
	     "Prometheus: loss ratio 0.125");
	T_OK(strstr(buf, "# TYPE nettriage_path_sent_total counter") != NULL,
	     "Prometheus: sent counter typed counter");
	free(buf);
	for (i = 0; i < n; i++)
		if (rows[i].ttl == 3)
			T_OK(rows[i].is_dst && rows[i].late == 1, "destination row: is_destination, late 1");
	free(rows);
	nt_path_free(&p);

	/* not reached: CRIT, rows stop one past the last answering hop */
	nt_path_init(&p);
	nt_paddr_parse("203.0.113.99", &p.dst);
	p.max_ttl = 5;
	for (c = 0; c < 3; c++) {
		int tt;

		for (tt = 1; tt <= 5; tt++) {
			ev(&p, NT_EV_SENT, tt, c, NULL, 0, false);
			if (tt == 1)
				ev(&p, NT_EV_REPLY, 1, c, "192.0.2.1", 1, false);
			else
				ev(&p, NT_EV_LOST, tt, c, NULL, 0, false);
		}
	}
	nt_path_finish(&p);
	nt_path_rows(&p, true, &rows, &n);
	T_EQ_U(n, 2, "unreached: hop 1 and one silent hop");
	T_OK(n == 2 && rows[1].ip[0] == '\0' && rows[1].loss_pct == 100,
	     "silent hop: no address, 100 %% loss");
	nt_path_verdicts(&p, rows, n, &t, &vs);
	T_EQ_I(nt_verdicts_worst(&vs), NT_CRIT, "not reached: CRIT");
	nt_verdicts_free(&vs);
	free(rows);
	nt_path_free(&p);
}

/* The latency histogram: bounds 0.05 ms doubling, a sample equal to a
 * bound in that bound's bucket, above the last bound in +Inf, counts and
 * sum; the destination's histogram from the model. */
static void test_hist(void)
{
	struct nt_hist h;
	struct nt_stats st = { 0 };
	uint64_t tot = 0;
	size_t i;

	memset(&h, 0, sizeof(h));
	T_NEAR(nt_hist_le(0), 0.05, 0, "first bound 0.05 ms");
	T_NEAR(nt_hist_le(1), 0.1, 0, "second bound 0.1 ms");
	T_NEAR(nt_hist_le(NT_HIST_N - 1), 0.05 * 2097152, 1e-9, "last bound 104857.6 ms");
	T_OK(isinf(nt_hist_le(NT_HIST_N)), "then +Inf");
	T_OK(nt_hist_le(NT_HIST_N - 1) > 60e3, "the last bound is above the largest --timeout (60 s)");
	nt_hist_add(&h, 0.01);  /* bucket 0 */
	nt_hist_add(&h, 0.05);  /* = bound 0: bucket 0 */
	nt_hist_add(&h, 0.0501); /* bucket 1 */
	nt_hist_add(&h, 0.1);   /* bucket 1 */
	nt_hist_add(&h, 20.0);  /* 12.8 < 20 <= 25.6: bucket 9 */
	nt_hist_add(&h, 25.6);  /* bucket 9 */
	nt_hist_add(&h, 2e5);   /* +Inf */
	nt_hist_add(&h, 0);     /* bucket 0 */
	T_EQ_U(h.count[0], 3, "0, 0.01 and 0.05 in le=0.05");
	T_EQ_U(h.count[1], 2, "0.0501 and 0.1 in le=0.1");
	T_EQ_U(h.count[9], 2, "20 and 25.6 in le=25.6");
	T_EQ_U(h.count[NT_HIST_N], 1, "200 s in +Inf");
	for (i = 0; i <= NT_HIST_N; i++)
		tot += h.count[i];
	T_EQ_U(tot, 8, "every sample in one bucket");
	T_EQ_U(h.total, 8, "total 8");
	T_NEAR(h.sum_ms, 0.01 + 0.05 + 0.0501 + 0.1 + 20 + 25.6 + 2e5, 1e-9, "sum of the samples");

	/* from stats: 1000 samples uniform over 1..2 ms: all in le=1.6 or 3.2 */
	memset(&h, 0, sizeof(h));
	for (i = 0; i < 1000; i++)
		nt_stats_add(&st, 1.0 + (double)i / 1000.0, (long)i);
	nt_hist_add_stats(&h, &st);
	T_EQ_U(h.count[5], 601, "1.0..1.6 ms: 601 samples in le=1.6");
	T_EQ_U(h.count[6], 399, "1.601..1.999 ms: 399 in le=3.2");
	T_EQ_U(h.total, 1000, "1000 samples counted");
	nt_stats_free(&st);
}

/* The destination's histogram: only its replies at its TTL. */
static void test_dst_hist(void)
{
	struct nt_path p;
	struct nt_probe_event ev;
	struct nt_hist h;
	json_t *j;
	int c;

	nt_path_init(&p);
	p.max_ttl = 30;
	T_OK(!nt_path_dst_hist(&p, &h) && h.total == 0, "not reached: no histogram");
	j = nt_path_hist_json(&p);
	T_OK(j && json_is_null(j), "not reached: JSON null");
	json_decref(j);
	for (c = 0; c < 4; c++) {
		memset(&ev, 0, sizeof(ev));
		ev.ev = NT_EV_SENT; ev.ttl = 1; ev.cycle = c;
		nt_path_event(&p, &ev);
		ev.ev = NT_EV_REPLY; ev.rtt_ms = 0.3; ev.reply_ttl = 64;
		ev.responder.family = AF_INET; ev.responder.a[0] = 192; ev.responder.a[3] = 1;
		nt_path_event(&p, &ev);
		memset(&ev, 0, sizeof(ev));
		ev.ev = NT_EV_SENT; ev.ttl = 2; ev.cycle = c;
		nt_path_event(&p, &ev);
		ev.ev = NT_EV_REPLY; ev.rtt_ms = c < 3 ? 3.0 : 300.0; ev.from_dst = true; ev.reply_ttl = 63;
		ev.responder.family = AF_INET; ev.responder.a[0] = 192; ev.responder.a[3] = 2;
		nt_path_event(&p, &ev);
	}
	nt_path_finish(&p);
	T_OK(nt_path_dst_hist(&p, &h), "reached: a histogram");
	T_EQ_U(h.total, 4, "the destination's 4 replies, not hop 1's");
	T_EQ_U(h.count[6], 3, "3 ms in le=3.2");
	T_EQ_U(h.count[13], 1, "300 ms in le=409.6");
	j = nt_path_hist_json(&p);
	T_OK(j && json_array_size(j) == 9, "JSON: le=3.2 .. le=409.6 (8 buckets) and +Inf");
	T_NEAR(json_real_value(json_object_get(json_array_get(j, 0), "le_ms")), 3.2, 1e-12,
	       "first JSON bucket le_ms 3.2");
	T_EQ_U((uint64_t)json_integer_value(json_object_get(json_array_get(j, 0), "count")), 3,
	       "first JSON bucket count 3");
	T_OK(json_is_null(json_object_get(json_array_get(j, 8), "le_ms")) &&
	     json_integer_value(json_object_get(json_array_get(j, 8), "count")) == 0,
	     "last JSON bucket: +Inf (null), 0");
	json_decref(j);
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);

		nt_path_prom_hist(m, &p, NULL, true);
		fclose(m);
		T_OK(strstr(buf, "# TYPE nettriage_path_destination_rtt_seconds histogram\n") != NULL,
		     "Prometheus: a histogram family");
		T_OK(strstr(buf, "nettriage_path_destination_rtt_seconds_bucket{target=\"\",le=\"0.0032\"} 3\n") != NULL,
		     "Prometheus: cumulative le=0.0032 is 3");
		T_OK(strstr(buf, "le=\"+Inf\"} 4\n") != NULL, "Prometheus: +Inf is the count, 4");
		T_OK(strstr(buf, "nettriage_path_destination_rtt_seconds_count{target=\"\"} 4\n") != NULL,
		     "Prometheus: _count 4");
		T_OK(strstr(buf, "nettriage_path_destination_rtt_seconds_sum{target=\"\"} 0.309\n") != NULL,
		     "Prometheus: _sum 0.309 s");
		free(buf);
	}
	nt_path_free(&p);
}

/* The --rate token bucket: burst, refill, the users' share, unused
 * tokens given back, bad arguments; and how a short grant is spread over
 * a cycle's TTLs. */
static void test_rate(void)
{
	struct nt_probe_rate r;
	int ok = 0, i, c, picks[30] = { 0 };

	T_EQ_I(nt_probe_rate_init(&r, 0, 1, 1, 1), -EINVAL, "rate 0 refused");
	T_EQ_I(nt_probe_rate_init(&r, 10, 0.5, 1, 1), -EINVAL, "burst below 1 refused");
	T_EQ_I(nt_probe_rate_init(&r, 10, 1, 1, 0), -EINVAL, "no user refused");
	T_EQ_I(nt_probe_rate_init(&r, 10, 1, 0, 1), -EINVAL, "interval 0 refused");
	T_EQ_I(nt_probe_rate_init(&r, 10, 2, 0.2, 1), 0, "10 pps, burst 2, one user");
	T_EQ_I(nt_probe_rate_take_n(&r, 3, 100.0), 2, "a full bucket: 2 of 3 at once");
	T_EQ_U(r.held, 1, "the third held and counted");
	T_EQ_I(nt_probe_rate_take_n(&r, 1, 100.05), 0, "half a token after 50 ms: held");
	T_EQ_I(nt_probe_rate_take_n(&r, 1, 100.1), 1, "one token after 100 ms");
	T_EQ_I(nt_probe_rate_take_n(&r, 1, 99.0), 0, "an older clock adds nothing");
	for (ok = 0, i = 0; i < 1000; i++)
		ok += nt_probe_rate_take_n(&r, 1, 100.1 + (double)i * 0.01);
	T_OK(ok >= 99 && ok <= 101, "10 s at 10 pps: about 100 tokens (%d)", ok);
	T_EQ_U(r.taken + r.held, 1006, "every ask counted taken or held");
	nt_probe_rate_destroy(&r);

	T_EQ_I(nt_probe_rate_init(&r, 1000, 100, 0.1, 3), 0, "1000 pps, burst 100, three users");
	T_EQ_I(nt_probe_rate_take_n(&r, 60, 5.0), 33, "one request: at most its share, 100 / 3");
	T_EQ_I(nt_probe_rate_take_n(&r, 60, 5.0), 33, "the second its share too");
	T_EQ_I(nt_probe_rate_take_n(&r, 60, 5.0), 33, "and the third");
	T_EQ_I(nt_probe_rate_take_n(&r, 60, 5.0), 1, "then what is left");
	nt_probe_rate_give(&r, 10);
	T_EQ_I(nt_probe_rate_take_n(&r, 60, 5.0), 10, "tokens given back are there again");
	nt_probe_rate_destroy(&r);

	/* -i 0.02 at 1000 pps, two users: the bucket is 0.1 s (100) deep but
	 * a cycle refills 20; each must get 10 a cycle, whoever asks first */
	T_EQ_I(nt_probe_rate_init(&r, 1000, 100, 0.02, 2), 0, "1000 pps, -i 0.02, two users");
	{
		int ga = 0, gb = 0, worst = 0, a, b;

		for (c = 0; c < 100; c++) {
			a = nt_probe_rate_take_n(&r, 30, 10.0 + c * 0.02);
			b = nt_probe_rate_take_n(&r, 30, 10.0 + c * 0.02 + 0.001);
			if (c > 0 && abs(a - b) > worst)
				worst = abs(a - b);
			ga += a;
			gb += b;
		}
		T_OK(worst <= 1, "  alternating at 0.02 s: equal shares per cycle (worst gap %d)",
		     worst);
		T_OK(abs(ga - gb) <= 100 && ga >= 900 && gb >= 900,
		     "  over 100 cycles A %d, B %d tokens (about 1000 each)", ga, gb);
	}
	nt_probe_rate_destroy(&r);

	for (c = 0; c < 4; c++) {
		int n = 0;

		for (i = 0; i < 30; i++)
			n += nt_probe_rate_pick(i, 30, 7, c);
		T_EQ_I(n, 7, "7 tokens for 30 TTLs, cycle %d: 7 picked", c);
		T_OK(nt_probe_rate_pick(29, 30, 7, c), "... the highest TTL among them");
	}
	for (c = 0; c < 29 * 6; c++)
		for (i = 0; i < 29; i++)
			picks[i] += nt_probe_rate_pick(i, 30, 7, c);
	for (ok = 1, i = 0; i < 29; i++)
		if (picks[i] != 6 * 6)
			ok = 0;
	T_OK(ok, "over 174 cycles every other hop gets the same 36 turns");
	T_OK(!nt_probe_rate_pick(29, 30, 0, 0) && !nt_probe_rate_pick(0, 30, 0, 0),
	     "no token: nothing");
	T_OK(nt_probe_rate_pick(0, 4, 4, 0) && nt_probe_rate_pick(3, 4, 9, 0), "enough tokens: all");
	T_OK(nt_probe_rate_pick(3, 4, 1, 5) && !nt_probe_rate_pick(0, 4, 1, 5) &&
	     !nt_probe_rate_pick(2, 4, 1, 5), "one token: the highest TTL only");
}

/* Held probes per hop: every hold (pacing, --rate, the socket cap)
 * counted in the hop's paced; beyond-destination replies to probes sent
 * before an `r` reset forgotten with the rest. */
static void test_held_beyond(void)
{
	static struct nt_path p;
	struct nt_probe_event x;
	static const uint8_t why[] = { NT_HELD_PACE, NT_HELD_RATE, NT_HELD_SOCKETS };
	int i;

	nt_path_init(&p);
	p.max_ttl = 30;
	for (i = 0; i < 3; i++) {
		memset(&x, 0, sizeof(x));
		x.ev = NT_EV_SENT;
		x.ttl = 2;
		x.skipped = true;
		x.held = why[i];
		nt_path_event(&p, &x);
	}
	T_EQ_U(p.hop[2].paced, 3, "hop 2: held by pacing, --rate and the socket cap: paced 3");
	T_EQ_U(p.held_sockets, 1, "  the socket cap's hold also in the total");
	T_EQ_U(p.paced, 1, "  pacing's in its own total");
	memset(&x, 0, sizeof(x));
	x.ev = NT_EV_BEYOND;
	x.ttl = 5;
	x.cycle = 1;
	nt_path_event(&p, &x);
	T_EQ_U(p.beyond_dst, 1, "a beyond-destination reply counted");
	nt_path_reset(&p, 3);
	x.cycle = 2; /* sent before the reset, answered after it */
	nt_path_event(&p, &x);
	T_EQ_U(p.beyond_dst, 0, "  one to a probe sent before the reset is not");
	x.cycle = 3;
	nt_path_event(&p, &x);
	T_EQ_U(p.beyond_dst, 1, "  one sent after it is");
	nt_path_free(&p);
}

int main(void)
{
	test_small();
	test_random();
	test_drift();
	test_wilson();
	test_rfc3550();
	test_model();
	test_hist();
	test_dst_hist();
	test_rate();
	test_held_beyond();
	return T_DONE();
}
