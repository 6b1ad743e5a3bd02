/* capture: the bounded RTT histogram of a flow (and of the totals).
 *
 * Bucket 0 holds samples below 1 us; bucket i >= 1 holds
 * [2^((i-1)/4), 2^(i/4)) us; the last bucket holds everything from its
 * lower edge up (9.97 s). min, max and the sum are kept exactly, so
 * the mean is exact and a percentile is exact while its rank is the last
 * sample; otherwise it is the geometric middle of its bucket (at most
 * 2^(1/8) - 1 = 9 % off), clamped to [min, max].
 * Buckets are 16 bits: at 65535 the histogram halves (nt_capture.h), and
 * from then on each bucket counts 2^shift samples; the coin flips that
 * keep the shares unbiased are a hash of the sample count (no state, no
 * randomness: the same input gives the same histogram). */
#include <math.h>
#include <string.h>
#include "nt_capture.h"

void nt_cap_rtt_init(struct nt_cap_rtt *r)
{
	memset(r, 0, sizeof(*r));
	r->min_ms = NAN;
	r->max_ms = NAN;
}

/* splitmix64's finaliser: the dice of the halvings */
static uint64_t dice(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* x units scaled down by 2^j: the quotient, plus one with the
 * probability of the remainder's share (so the expectation is x / 2^j) */
static uint32_t scale_down(uint32_t x, unsigned j, uint64_t salt)
{
	uint64_t mask;

	if (j == 0)
		return x;
	if (j >= 64)
		return 0;
	mask = (1ull << j) - 1;
	return (uint32_t)((uint64_t)x >> j) + ((dice(salt) & mask) < ((uint64_t)x & mask));
}

/* halve every bucket of h (n buckets of 32 bits), shift one more */
static void halve32(uint32_t *h, uint64_t salt)
{
	unsigned i;

	for (i = 0; i < NT_CAP_RTT_BUCKETS; i++)
		h[i] = scale_down(h[i], 1, salt * NT_CAP_RTT_BUCKETS + i);
}

static void halve(struct nt_cap_rtt *r)
{
	unsigned i;

	for (i = 0; i < NT_CAP_RTT_BUCKETS; i++)
		r->h[i] = (uint16_t)scale_down(r->h[i], 1, r->n * NT_CAP_RTT_BUCKETS + i);
	r->shift++;
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
	if (us >= 1e10)          /* far above the last edge (also inf) */
		return NT_CAP_RTT_BUCKETS - 1;
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
	if (r->h[b] == UINT16_MAX)
		halve(r);
	/* one unit is 2^shift samples: this one counts 1 / 2^shift of it */
	if (r->shift < 64 && !(dice(~r->n) & ((1ull << r->shift) - 1)))
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
	uint32_t h[NT_CAP_RTT_BUCKETS], top = 0;
	unsigned i, k = into->shift > r->shift ? into->shift : r->shift;

	if (!r->n)
		return;
	/* both in units of 2^k samples, then halved until they fit */
	for (i = 0; i < NT_CAP_RTT_BUCKETS; i++) {
		h[i] = scale_down(into->h[i], k - into->shift, into->n * 2 * NT_CAP_RTT_BUCKETS + i) +
		       scale_down(r->h[i], k - r->shift, r->n * 2 * NT_CAP_RTT_BUCKETS + i + 1);
		if (h[i] > top)
			top = h[i];
	}
	while (top > UINT16_MAX) {
		halve32(h, into->n + r->n + k);
		top = (top + 1) / 2;
		k++;
	}
	for (i = 0; i < NT_CAP_RTT_BUCKETS; i++)
		into->h[i] = (uint16_t)h[i];
	into->shift = (uint8_t)k;
	if (!into->n || r->min_ms < into->min_ms)
		into->min_ms = r->min_ms;
	if (!into->n || r->max_ms > into->max_ms)
		into->max_ms = r->max_ms;
	into->n += r->n;
	into->sum_ms += r->sum_ms;
}

double nt_cap_rtt_pct(const struct nt_cap_rtt *r, double q)
{
	uint64_t rank, cum = 0, units = 0;
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
	if (r->shift) {
		/* halved: the rank among the units the buckets hold */
		for (i = 0; i < NT_CAP_RTT_BUCKETS; i++)
			units += r->h[i];
		rank = (uint64_t)ceil(q * (double)units - 1e-9);
		if (rank < 1)
			rank = 1;
	}
	for (i = 0; i < NT_CAP_RTT_BUCKETS; i++) {
		cum += r->h[i];
		if (cum >= rank)
			break;
	}
	if (i == NT_CAP_RTT_BUCKETS)
		return r->max_ms; /* not reached: the buckets hold the rank */
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
