/* The global packet-rate cap of several probers (nt_probe_rate,
 * nt_probe.h): one token bucket behind a mutex. The scheduler asks for a
 * token before every probe (send_cycle) and holds the probe back, counted,
 * when there is none. */
#include <errno.h>
#include <math.h>
#include "nt_probe.h"

int nt_probe_rate_init(struct nt_probe_rate *r, double rate, double burst)
{
	int e;

	if (!(rate > 0) || !(burst >= 1))
		return -EINVAL;
	e = pthread_mutex_init(&r->mu, NULL);
	if (e)
		return -e;
	r->rate = rate;
	r->burst = burst;
	r->tokens = burst;
	r->t = NAN; /* the first take starts the clock */
	r->taken = r->held = 0;
	return 0;
}

void nt_probe_rate_destroy(struct nt_probe_rate *r)
{
	pthread_mutex_destroy(&r->mu);
}

bool nt_probe_rate_take(struct nt_probe_rate *r, double now)
{
	bool ok;

	pthread_mutex_lock(&r->mu);
	if (isnan(r->t))
		r->t = now;
	if (now > r->t) { /* threads may come with a slightly older now */
		r->tokens = fmin(r->burst, r->tokens + (now - r->t) * r->rate);
		r->t = now;
	}
	ok = r->tokens >= 1 - 1e-9; /* refills in pieces sum to 0.999... */
	if (ok) {
		r->tokens -= 1;
		r->taken++;
	} else {
		r->held++;
	}
	pthread_mutex_unlock(&r->mu);
	return ok;
}
