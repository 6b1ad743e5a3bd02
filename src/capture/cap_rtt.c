/* capture: the bounded RTT histogram of a flow (and of the totals).
 *
 * Bucket 0 holds samples below 1 us; bucket i >= 1 holds
 * [2^((i-1)/4), 2^(i/4)) us; the last bucket holds everything from its
 * lower edge up (about 11.9 s). min, max and the sum are kept exactly, so
 * the mean is exact and a percentile is exact while its rank is the last
 * sample; otherwise it is the geometric middle of its bucket (at most
 * 2^(1/8) - 1 = 9 % off), clamped to [min, max]. */
#include <math.h>
#include <string.h>
#include "nt_capture.h"

void nt_cap_rtt_init(struct nt_cap_rtt *r)
{
	memset(r, 0, sizeof(*r));
	r->min_ms = NAN;
	r->max_ms = NAN;
}

/* 1 + floor(4 log2 us) without a log: the binary exponent gives the
 * octave, three comparisons of the mantissa its quarter */
static unsigned rtt_bucket(double ms)
{
	static const double q[3] = { 1.189207115002721, 1.414213562373095, 1.681792830507429 };
	double us = ms * 1000.0, m;
	int e, b;

	if (!(us >= 1.0))
		return 0;
	m = frexp(us, &e) * 2.0; /* us = m 2^(e-1), 1 <= m < 2 */
	b = 1 + (e - 1) * NT_CAP_RTT_PER_OCT + (m >= q[0]) + (m >= q[1]) + (m >= q[2]);
	return b >= NT_CAP_RTT_BUCKETS - 1 ? NT_CAP_RTT_BUCKETS - 1 : (unsigned)b;
}

/* the geometric middle of bucket i, in ms; bucket 0 and the last one are
 * open, so theirs is taken as if they were as wide as the others */
static double rtt_middle(unsigned i)
{
	double lo_oct = ((double)i - 1.0) / NT_CAP_RTT_PER_OCT;

	return pow(2.0, lo_oct + 0.5 / NT_CAP_RTT_PER_OCT) / 1000.0;
}

/* A negative or NaN sample (timestamps going backwards) is not an RTT:
 * it is dropped. */
void nt_cap_rtt_add(struct nt_cap_rtt *r, double ms)
{
	unsigned b;

	if (!(ms >= 0.0) || isinf(ms))
		return;
	b = rtt_bucket(ms);
	if (r->h[b] < UINT32_MAX)
		r->h[b]++;
	if (!r->n || ms < r->min_ms)
		r->min_ms = ms;
	if (!r->n || ms > r->max_ms)
		r->max_ms = ms;
	r->n++;
	r->sum_ms += ms;
}

void nt_cap_rtt_merge(struct nt_cap_rtt *into, const struct nt_cap_rtt *r)
{
	unsigned i;

	if (!r->n)
		return;
	for (i = 0; i < NT_CAP_RTT_BUCKETS; i++) {
		uint64_t s = (uint64_t)into->h[i] + r->h[i];

		into->h[i] = s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
	}
	if (!into->n || r->min_ms < into->min_ms)
		into->min_ms = r->min_ms;
	if (!into->n || r->max_ms > into->max_ms)
		into->max_ms = r->max_ms;
	into->n += r->n;
	into->sum_ms += r->sum_ms;
}

double nt_cap_rtt_pct(const struct nt_cap_rtt *r, double q)
{
	uint64_t rank, cum = 0;
	double v;
	unsigned i;

	if (!r->n || !(q > 0.0) || q > 1.0)
		return NAN;
	/* nearest rank: ceil(q n), 1-based; the tiny slack keeps 0.99 * 200
	 * (198.00000000000003 in binary) at 198 */
	rank = (uint64_t)ceil(q * (double)r->n - 1e-9);
	if (rank < 1)
		rank = 1;
	if (rank >= r->n)
		return r->max_ms;
	for (i = 0; i < NT_CAP_RTT_BUCKETS; i++) {
		cum += r->h[i];
		if (cum >= rank)
			break;
	}
	if (i == NT_CAP_RTT_BUCKETS)
		return r->max_ms; /* saturated buckets: the max is still right */
	v = rtt_middle(i);
	if (v < r->min_ms)
		v = r->min_ms;
	if (v > r->max_ms)
		v = r->max_ms;
	return v;
}

double nt_cap_rtt_mean(const struct nt_cap_rtt *r)
{
	return r->n ? r->sum_ms / (double)r->n : NAN;
}
