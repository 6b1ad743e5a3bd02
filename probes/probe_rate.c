/* The global packet-rate cap of several probers (nt_probe_rate,
 * nt_probe.h): one token bucket behind a mutex. At the start of each
 * cycle the scheduler asks for as many tokens as the cycle has TTLs and
 * gets at most the users' fair share of one cycle's refill; the probes the grant
 * does not cover are held back, counted, and spread over the TTLs so that
 * the highest TTL (the destination, once known) always goes first and the
 * other hops take turns from cycle to cycle (send_cycle, probe_sched.c). */
#include <errno.h>
#include <math.h>
#include "nt_probe.h"

int nt_probe_rate_init(struct nt_probe_rate *r, double rate, double burst, double interval,
		       int users)
{
	int e;

	if (!(rate > 0) || !(burst >= 1) || !(interval > 0) || users < 1)
		return -EINVAL;
	e = pthread_mutex_init(&r->mu, NULL);
	if (e)
		return -e;
	r->rate = rate;
	r->burst = burst;
	r->tokens = burst;
	/* the share comes from what one cycle refills, not from the depth:
	 * with a bucket deeper than a cycle's refill (-i below 0.1 s), a
	 * share of burst / users let whoever asked first each cycle take the
	 * whole refill and starve the others */
	r->share = fmax(1.0, floor(fmin(burst, rate * interval) / users + 1e-9));
	r->t = NAN; /* the first take starts the clock */
	r->taken = r->held = 0;
	return 0;
}

void nt_probe_rate_destroy(struct nt_probe_rate *r)
{
	pthread_mutex_destroy(&r->mu);
}

static void refill(struct nt_probe_rate *r, double now)
{
	if (isnan(r->t))
		r->t = now;
	if (now > r->t) { /* threads may come with a slightly older now */
		r->tokens = fmin(r->burst, r->tokens + (now - r->t) * r->rate);
		r->t = now;
	}
}

int nt_probe_rate_take_n(struct nt_probe_rate *r, int want, double now)
{
	double have;
	int got;

	if (want <= 0)
		return 0;
	pthread_mutex_lock(&r->mu);
	refill(r, now);
	/* refills in pieces sum to 0.999...: a hair of slack */
	have = fmin(floor(r->tokens + 1e-9), r->share);
	got = have >= want ? want : (int)fmax(0.0, have);
	r->tokens -= got;
	r->taken += (uint64_t)got;
	r->held += (uint64_t)(want - got);
	pthread_mutex_unlock(&r->mu);
	return got;
}

void nt_probe_rate_give(struct nt_probe_rate *r, int n)
{
	if (n <= 0)
		return;
	pthread_mutex_lock(&r->mu);
	r->tokens = fmin(r->burst, r->tokens + n);
	r->taken -= (uint64_t)n > r->taken ? r->taken : (uint64_t)n;
	pthread_mutex_unlock(&r->mu);
}

bool nt_probe_rate_pick(int i, int n, int got, long cycle)
{
	long m, k, j, ph;

	if (got >= n)
		return true;
	if (got <= 0 || i < 0 || i >= n)
		return false;
	if (i == n - 1)
		return true; /* the highest TTL first */
	m = n - 1;       /* the others share got - 1, in turns */
	k = got - 1;
	ph = (long)((unsigned long)cycle * (unsigned long)k % (unsigned long)m);
	j = (i + ph) % m;
	return (j + 1) * k / m > j * k / m;
}
