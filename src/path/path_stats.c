/* path statistics: Welford mean/variance, exact percentiles, jitter,
 * RFC 3550 interarrival jitter, Wilson score interval. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nt_path.h"

int nt_stats_add(struct nt_stats *st, double ms, long cycle)
{
	double d;

	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 16;
		struct nt_rtt_sample *ns = realloc(st->s, cap * sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		st->s = ns;
		st->cap = cap;
	}
	st->s[st->n].ms = ms;
	st->s[st->n].cycle = cycle;
	st->n++;
	/* Welford: no sum of squares, no integer truncation, no drift. */
	d = ms - st->mean;
	st->mean += d / (double)st->n;
	st->m2 += d * (ms - st->mean);
	if (st->n == 1 || ms < st->min)
		st->min = ms;
	if (st->n == 1 || ms > st->max)
		st->max = ms;
	st->last = ms;
	return 0;
}

void nt_stats_free(struct nt_stats *st)
{
	free(st->s);
	memset(st, 0, sizeof(*st));
}

double nt_stats_stddev(const struct nt_stats *st)
{
	if (st->n < 2)
		return NAN;
	return sqrt(st->m2 / (double)(st->n - 1));
}

double nt_percentile(const double *v, size_t n, double q)
{
	double x, f;
	size_t i;

	if (!n)
		return NAN;
	if (q <= 0)
		return v[0];
	if (q >= 100)
		return v[n - 1];
	x = q / 100.0 * (double)(n - 1);
	i = (size_t)x;
	f = x - (double)i;
	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + f * (v[i + 1] - v[i]);
}

void nt_jitter(const double *v, size_t n, double *mean, double *max,
	       double *rfc3550)
{
	double sum = 0, mx = 0, j = 0, d;
	size_t i;

	if (n < 2) {
		*mean = *max = *rfc3550 = NAN;
		return;
	}
	for (i = 1; i < n; i++) {
		d = fabs(v[i] - v[i - 1]);
		sum += d;
		if (d > mx)
			mx = d;
		/* RFC 3550 6.4.1: J(i) = J(i-1) + (|D(i-1,i)| - J(i-1))/16,
		 * D being the change in transit time, here the change in RTT;
		 * kept in ms (not timestamp units). */
		j += (d - j) / 16.0;
	}
	*mean = sum / (double)(n - 1);
	*max = mx;
	*rfc3550 = j;
}

void nt_wilson(uint64_t k, uint64_t n, double *lo, double *hi)
{
	const double z = 1.959963984540054;
	double p, nn, den, c, h;

	if (!n) {
		*lo = *hi = NAN;
		return;
	}
	nn = (double)n;
	p = (double)k / nn;
	den = 1 + z * z / nn;
	c = (p + z * z / (2 * nn)) / den;
	h = z * sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / den;
	*lo = k == 0 ? 0.0 : fmax(0.0, c - h) * 100.0; /* exact at the ends: */
	*hi = k == n ? 100.0 : fmin(1.0, c + h) * 100.0; /* no 5e-15 residue */
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int cmp_sample(const void *a, const void *b)
{
	const struct nt_rtt_sample *x = a, *y = b;

	return (x->cycle > y->cycle) - (x->cycle < y->cycle);
}

int nt_stats_summary(const struct nt_stats *st, struct nt_stats_summary *o)
{
	struct nt_rtt_sample *ord;
	double *v;
	size_t i, n = (size_t)st->n;

	o->last = o->min = o->mean = o->max = o->stddev = NAN;
	o->p50 = o->p90 = o->p99 = NAN;
	o->jit_mean = o->jit_max = o->jit_rfc3550 = NAN;
	if (!n)
		return 0;
	v = malloc(n * sizeof(*v));
	ord = malloc(n * sizeof(*ord));
	if (!v || !ord) {
		free(v);
		free(ord);
		return -ENOMEM;
	}
	/* probe order (a late-arriving earlier probe still sits at its place) */
	memcpy(ord, st->s, n * sizeof(*ord));
	qsort(ord, n, sizeof(*ord), cmp_sample);
	for (i = 0; i < n; i++)
		v[i] = ord[i].ms;
	nt_jitter(v, n, &o->jit_mean, &o->jit_max, &o->jit_rfc3550);
	o->last = ord[n - 1].ms;
	qsort(v, n, sizeof(*v), cmp_double);
	o->min = st->min;
	o->max = st->max;
	o->mean = st->mean;
	o->stddev = nt_stats_stddev(st);
	o->p50 = nt_percentile(v, n, 50);
	o->p90 = nt_percentile(v, n, 90);
	o->p99 = nt_percentile(v, n, 99);
	free(v);
	free(ord);
	return 0;
}

double nt_hist_le(size_t i)
{
	if (i >= NT_HIST_N)
		return INFINITY;
	return ldexp(NT_HIST_FIRST_MS, (int)i);
}

void nt_hist_add(struct nt_hist *h, double ms)
{
	size_t i = 0;

	/* exact bounds: le(i) is NT_HIST_FIRST_MS * 2^i computed the same
	 * way here and in the output, so a sample equal to a bound goes to
	 * that bound's bucket (le is "less or equal") */
	if (ms > 0)
		while (i < NT_HIST_N && ms > nt_hist_le(i))
			i++;
	h->count[i]++;
	h->total++;
	if (isfinite(ms))
		h->sum_ms += ms;
}

void nt_hist_add_stats(struct nt_hist *h, const struct nt_stats *st)
{
	size_t i;

	for (i = 0; i < (size_t)st->n; i++)
		nt_hist_add(h, st->s[i].ms);
}
