/* The sampling driver (see nt_sample.h). */
#include <string.h>
#include <jansson.h>
#include "nt_sample.h"

json_t *nt_baseline_json(const char *kind, double dt, const struct nt_netns_id *ns)
{
	const char *key = nt_netns_id_kind(ns);

	return json_pack("{s:s, s:o, s:o}", "kind", kind,
			 "seconds", strcmp(kind, "boot") ? json_real(dt) : json_null(),
			 "key", key ? json_string(key) : json_null());
}

int nt_sample_run(const struct nt_global *g, const struct nt_sampler *s,
		  void *data)
{
	bool repeat = g->interval > 0 || g->count > 0;
	double step = g->interval > 0 ? g->interval : 1.0;
	long count = repeat ? g->count : 1; /* 0: until interrupted */
	double t0 = nt_now_mono(), tprev = t0, now;
	enum nt_level worst = NT_OK, l;
	struct nt_baseline b;
	long k;
	int rc;

	for (k = 0; count == 0 || k < count; k++) {
		if (k > 0 && nt_sleep_until(t0 + (double)k * step) < 0)
			break;
		now = nt_now_mono();
		rc = s->take(data);
		if (rc)
			return rc;
		b.sample = k;
		if (k == 0) {
			b.dt = 0;
			b.have = s->load_history(data, &b.dt);
			b.kind = b.have ? "history" : "boot";
			b.since = b.have ? "since the previous run" :
					   "since boot (no previous run)";
			if (!b.have)
				b.dt = 0;
		} else {
			b.have = true;
			b.kind = "interval";
			b.since = "over the interval";
			b.dt = now - tprev;
		}
		l = NT_OK;
		rc = s->judge(data, &b, &l);
		if (rc)
			return rc;
		worst = nt_level_worse(worst, l);
		s->rotate(data);
		tprev = now;
	}
	s->save(data);
	return nt_level_exit(worst);
}
