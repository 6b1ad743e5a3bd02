/* Unit tests: the live view's sparkline model (path_spark.c) on canned
 * engine events: scaling per hop between the smallest and largest RTT
 * shown, the eight bars in UTF-8 and ASCII, lost / late / not sent, out
 * of order replies, the ring's wrap, a flat hop, cutting to the buffer;
 * and nt_path_reset (path_model.c): statistics forgotten, the path kept,
 * probes in flight before the reset not counted after it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nt_path.h"
#include "../../src/path/path_int.h"
#include "t.h"

static struct nt_probe_event ev(enum nt_probe_ev e, int ttl, long cycle, double ms)
{
	struct nt_probe_event x;

	memset(&x, 0, sizeof(x));
	x.ev = e;
	x.ttl = ttl;
	x.cycle = cycle;
	x.rtt_ms = ms;
	x.reply_ttl = -1;
	x.responder.family = AF_INET;
	x.responder.a[0] = 192;
	x.responder.a[3] = (uint8_t)ttl;
	return x;
}

static void feed(struct nt_spark_set *s, enum nt_probe_ev e, int ttl, long cy,
		 double ms)
{
	struct nt_probe_event x = ev(e, ttl, cy, ms);

	nt_spark_event(s, &x);
}

static void sent_reply(struct nt_spark_set *s, int ttl, long cy, double ms)
{
	feed(s, NT_EV_SENT, ttl, cy, 0);
	feed(s, NT_EV_REPLY, ttl, cy, ms);
}

static const char *render(const struct nt_spark_set *s, int ttl, int w, bool utf8,
			  double *lo, double *hi)
{
	static char buf[NT_SPARK_LEN * 3 + 1];

	nt_spark_render(&s->hop[ttl], s->newest, w, utf8, buf, sizeof(buf), lo, hi);
	return buf;
}

static void test_levels(void)
{
	T_EQ_I(nt_spark_level(1.0, 1.0, 9.0), 0, "level: the smallest is the lowest bar");
	T_EQ_I(nt_spark_level(9.0, 1.0, 9.0), 7, "level: the largest is the highest bar");
	T_EQ_I(nt_spark_level(5.0, 1.0, 9.0), 4, "level: the middle is bar 4 of 0..7");
	T_EQ_I(nt_spark_level(2.0, 1.0, 9.0), 1, "level: 1/8 of the range is bar 1");
	T_EQ_I(nt_spark_level(1.99, 1.0, 9.0), 0, "level: below 1/8 of the range is bar 0");
	T_EQ_I(nt_spark_level(0.5, 1.0, 9.0), 0, "level: below the scale clamps to 0");
	T_EQ_I(nt_spark_level(20, 1.0, 9.0), 7, "level: above the scale clamps to 7");
	T_EQ_I(nt_spark_level(3.0, 3.0, 3.0), 0, "level: a flat hop is all the lowest bar");
	T_EQ_I(nt_spark_level(3.0005, 3.0, 3.0009), 0,
	       "level: a range under NT_SPARK_FLAT_MS is flat");
	T_EQ_I(nt_spark_level(NAN, 1.0, 9.0), 0, "level: NaN is bar 0, not out of range");
	T_EQ_I(nt_spark_level(INFINITY, 1.0, 9.0), 7, "level: +Inf clamps to 7 (no int conversion of Inf)");
	T_EQ_I(nt_spark_level(1e300, 1.0, 9.0), 7, "level: a huge RTT clamps to 7 (no int overflow)");
	T_EQ_I(nt_spark_level(-1e300, 1.0, 9.0), 0, "level: a huge negative clamps to 0");
}

static void test_glyphs(void)
{
	struct nt_spark_set *s = malloc(sizeof(*s));
	double lo, hi;
	int i;

	nt_spark_reset(s);
	for (i = 0; i < 8; i++)
		sent_reply(s, 3, i, 1.0 + i);
	T_STR(render(s, 3, 8, true, &lo, &hi),
	      "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588",
	      "utf8: 1..8 ms are the eight bars in order");
	T_NEAR(lo, 1.0, 1e-12, "scale: lower end is the smallest RTT shown");
	T_NEAR(hi, 8.0, 1e-12, "scale: upper end is the largest RTT shown");
	T_STR(render(s, 3, 8, false, &lo, &hi), "_-~=+*#@",
	      "ascii: 1..8 ms are \"_-~=+*#@\"");
	/* a narrower window: the scale is of the cells shown only */
	T_STR(render(s, 3, 4, false, &lo, &hi), "_~*@",
	      "window of 4: rescaled to 5..8 ms");
	T_NEAR(lo, 5.0, 1e-12, "window of 4: lower end 5 ms");
	/* another hop keeps its own scale */
	for (i = 0; i < 8; i++)
		sent_reply(s, 4, i, 100.0 + (i % 2) * 100.0);
	T_STR(render(s, 4, 8, false, &lo, &hi), "_@_@_@_@",
	      "scale per hop: hop 4 (100/200 ms) uses its own range");
	T_STR(render(s, 3, 8, false, &lo, &hi), "_-~=+*#@",
	      "scale per hop: hop 3 unchanged by hop 4");
	free(s);
}

static void test_outcomes(void)
{
	struct nt_spark_set *s = malloc(sizeof(*s));
	double lo, hi;

	nt_spark_reset(s);
	sent_reply(s, 2, 0, 1.0);
	feed(s, NT_EV_SENT, 2, 1, 0);
	feed(s, NT_EV_LOST, 2, 1, 0);
	feed(s, NT_EV_SENT, 2, 2, 0);
	feed(s, NT_EV_LOST, 2, 2, 0);
	feed(s, NT_EV_LATE, 2, 2, 5000.0); /* lost at the timeout, then came */
	sent_reply(s, 2, 3, 3.0);
	{
		struct nt_probe_event x = ev(NT_EV_SENT, 2, 4, 0);

		x.skipped = true; /* pacing held it back */
		nt_spark_event(s, &x);
	}
	feed(s, NT_EV_SENT, 2, 5, 0); /* still in flight */
	T_STR(render(s, 2, 6, true, &lo, &hi), "\u2581\u00b7?\u2588  ",
	      "utf8: reply, lost (U+00B7), late (?), reply, not sent, pending");
	T_STR(render(s, 2, 6, false, &lo, &hi), "_.?@  ",
	      "ascii: reply, lost (.), late (?), reply, not sent, pending");
	T_NEAR(hi, 3.0, 1e-12, "a late reply's RTT is not on the scale");
	feed(s, NT_EV_CANCEL, 2, 5, 0);
	T_STR(render(s, 2, 6, false, &lo, &hi), "_.?@  ", "cancelled: not sent");
	/* a duplicate reply does not overwrite the first */
	feed(s, NT_EV_REPLY, 2, 3, 1.0);
	T_STR(render(s, 2, 6, false, &lo, &hi), "_.?@  ", "a second reply is ignored");
	/* out of order: cycle 7 answers before cycle 6 */
	feed(s, NT_EV_SENT, 2, 6, 0);
	feed(s, NT_EV_SENT, 2, 7, 0);
	feed(s, NT_EV_REPLY, 2, 7, 3.0);
	feed(s, NT_EV_REPLY, 2, 6, 1.0);
	T_STR(render(s, 2, 2, false, &lo, &hi), "_@",
	      "out of order replies land in their own cycle");
	/* a hop never probed, a TTL out of range, an empty buffer */
	T_STR(render(s, 9, 4, true, &lo, &hi), "    ", "a silent hop is blank");
	T_OK(isinf(lo) && isinf(hi), "a silent hop has no scale");
	feed(s, NT_EV_SENT, 0, 1, 0);
	feed(s, NT_EV_SENT, 300, 1, 0);
	T_OK(1, "TTL 0 and 300 are ignored (no write out of the ring)");
	T_EQ_U(nt_spark_render(&s->hop[2], s->newest, 4, true, NULL, 0, &lo, &hi), 0,
	       "a zero-length buffer gets nothing");
	free(s);
}

static void test_ring(void)
{
	struct nt_spark_set *s = malloc(sizeof(*s));
	char buf[8];
	double lo, hi;
	long i;

	nt_spark_reset(s);
	for (i = 0; i < 3 * NT_SPARK_LEN + 5; i++)
		sent_reply(s, 1, i, (double)(i % 8) + 1.0);
	T_EQ_I(s->newest, 3 * NT_SPARK_LEN + 4, "newest is the last cycle sent");
	T_EQ_I(nt_spark_scale(&s->hop[1], s->newest, 1000, &lo, &hi), NT_SPARK_LEN,
	       "a window wider than the ring is the ring");
	/* a reply of a cycle the ring no longer holds changes nothing */
	feed(s, NT_EV_REPLY, 1, 5, 1000.0);
	nt_spark_scale(&s->hop[1], s->newest, NT_SPARK_LEN, &lo, &hi);
	T_NEAR(hi, 8.0, 1e-12, "a reply older than the ring is ignored");
	/* cut to the buffer: whole glyphs only */
	nt_spark_render(&s->hop[1], s->newest, 8, true, buf, sizeof(buf), &lo, &hi);
	T_EQ_U(strlen(buf), 6, "utf8 cut to a 8-byte buffer: two whole 3-byte bars");
	free(s);
}

static void test_reset(void)
{
	struct nt_path *p = calloc(1, sizeof(*p));
	struct nt_probe_event x;
	struct nt_path_row *rows;
	size_t n;
	long c;

	nt_path_init(p);
	snprintf(p->target, sizeof(p->target), "t.test");
	p->first_ttl = 1;
	p->max_ttl = 30;
	for (c = 0; c < 5; c++) {
		int t;

		for (t = 1; t <= 2; t++) {
			x = ev(NT_EV_SENT, t, c, 0);
			nt_path_event(p, &x);
		}
		x = ev(NT_EV_CYCLE, 0, c + 1, 0);
		nt_path_event(p, &x);
		x = ev(NT_EV_REPLY, 1, c, 1.0);
		nt_path_event(p, &x);
		if (c < 4) { /* cycle 4's reply at TTL 2 is still in flight */
			x = ev(NT_EV_REPLY, 2, c, 2.0);
			x.from_dst = true;
			nt_path_event(p, &x);
		}
	}
	p->foreign = 3;
	T_EQ_U(p->hop[2].sent, 5, "before reset: 5 probes sent at TTL 2");
	nt_path_reset(p, p->cycles);
	T_EQ_I(p->cycles, 5, "reset keeps the cycles run");
	T_EQ_I(p->dst_ttl, 2, "reset keeps the destination's TTL");
	T_STR(p->target, "t.test", "reset keeps the target");
	T_EQ_I(p->max_ttl, 30, "reset keeps the TTL range");
	T_OK(!p->hop[1].resp && !p->hop[2].resp && !p->hop[2].sent && !p->foreign,
	     "reset forgets responders, counters and foreign");
	/* cycle 4's probe at TTL 2 times out after the reset */
	x = ev(NT_EV_LOST, 2, 4, 0);
	nt_path_event(p, &x);
	x = ev(NT_EV_LATE, 2, 4, 3000.0);
	nt_path_event(p, &x);
	T_EQ_U(p->hop[2].lost + p->hop[2].late, 0,
	       "a probe sent before the reset is not lost after it");
	/* cycle 5 counts */
	x = ev(NT_EV_SENT, 2, 5, 0);
	nt_path_event(p, &x);
	x = ev(NT_EV_REPLY, 2, 5, 2.5);
	x.from_dst = true;
	nt_path_event(p, &x);
	T_EQ_U(p->hop[2].sent, 1, "after reset: cycle 5 sent");
	T_EQ_U(p->hop[2].received, 1, "after reset: cycle 5 answered");
	T_OK(nt_path_rows(p, true, &rows, &n) == 0, "rows after reset");
	if (n >= 2) {
		T_NEAR(rows[n - 1].loss_pct, 0.0, 1e-12, "after reset: 0 %% loss at the destination");
		T_NEAR(rows[n - 1].s.mean, 2.5, 1e-12, "after reset: the mean is of cycle 5 only");
		T_EQ_U(rows[0].sent, 0, "after reset: TTL 1 has not been probed again");
	} else {
		T_OK(0, "rows after reset: %zu rows", n);
	}
	free(rows);
	nt_path_free(p);
	free(p);
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The live rows: percentiles of the last NT_LIVE_WINDOW replies only,
 * the rest of the whole run. */
static void test_live_rows(void)
{
	struct nt_path *p = calloc(1, sizeof(*p));
	struct nt_path_row *all, *live;
	size_t na, nl, i, total = 3 * NT_LIVE_WINDOW;
	double *tail = malloc(NT_LIVE_WINDOW * sizeof(*tail));
	struct nt_probe_event x;

	nt_path_init(p);
	p->first_ttl = 1;
	p->max_ttl = 30;
	for (i = 0; i < total; i++) {
		/* the first two thirds slow (100 ms + ..), the last third fast */
		double ms = i < total - NT_LIVE_WINDOW ? 100.0 + (double)(i % 50)
						       : 1.0 + (double)(i % 10) / 10.0;

		x = ev(NT_EV_SENT, 1, (long)i, 0);
		nt_path_event(p, &x);
		x = ev(NT_EV_REPLY, 1, (long)i, ms);
		x.from_dst = true;
		nt_path_event(p, &x);
		if (i >= total - NT_LIVE_WINDOW)
			tail[i - (total - NT_LIVE_WINDOW)] = ms;
	}
	qsort(tail, NT_LIVE_WINDOW, sizeof(*tail), cmpd);
	T_OK(nt_path_rows(p, true, &all, &na) == 0 && na == 1, "report rows");
	T_OK(nt_path_live_rows(p, &live, &nl) == 0 && nl == 1, "live rows");
	if (na == 1 && nl == 1) {
		T_NEAR(live->s.p99, nt_percentile(tail, NT_LIVE_WINDOW, 99), 1e-9,
		       "live p99 is of the last %d replies", NT_LIVE_WINDOW);
		T_OK(all->s.p99 > 100.0, "report p99 is of every reply (%.1f)", all->s.p99);
		T_NEAR(live->s.mean, all->s.mean, 1e-9, "live mean is of every reply");
		T_NEAR(live->s.stddev, all->s.stddev, 1e-9, "live stddev is of every reply");
		T_NEAR(live->s.min, all->s.min, 1e-9, "live min is of every reply");
		T_NEAR(live->s.max, all->s.max, 1e-9, "live max is of every reply");
		T_NEAR(live->s.last, all->s.last, 1e-9, "live last is the last reply");
		T_EQ_U(live->sent, total, "live sent is of the whole run");
		T_EQ_U(live->received, total, "live received is of the whole run");
		T_OK(live->s.jit_mean < 1.0, "live jitter is of the last replies (%.3f ms)",
		     live->s.jit_mean);
	}
	T_EQ_U(p->hop[1].resp->st.n, total, "the model's samples are untouched");
	free(all);
	free(live);
	free(tail);
	nt_path_free(p);
	free(p);
}

int main(void)
{
	test_live_rows();
	test_levels();
	test_glyphs();
	test_outcomes();
	test_ring();
	test_reset();
	return T_DONE();
}
