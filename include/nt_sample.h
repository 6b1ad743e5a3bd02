/* The sampling driver shared by the counter commands (link, conntrack,
 * tcp): one sample, or -c N samples every -i SEC on a fixed grid of the
 * monotonic clock. Sample 0 is judged against the previous run (history
 * file) when there is one, else against since-boot totals; every later
 * sample against the sample before it. The exit status is the worst
 * verdict of all samples. */
#ifndef NT_SAMPLE_H
#define NT_SAMPLE_H

#include <stdbool.h>
#include "nettriage.h"
#include "nt_verdict.h"

struct nt_baseline {
	const char *kind;  /* "boot", "history" or "interval" */
	const char *since; /* for reasons: "since boot (no previous run)", ... */
	bool have;         /* a previous sample or run is loaded */
	double dt;         /* seconds since it (0 for "boot") */
	long sample;       /* index of this sample */
};

struct nt_sampler {
	/* Take a sample into the command's current slot: 0, or an exit
	 * status (the message already printed). */
	int (*take)(void *data);
	/* Load the previous run into the previous slot; true when usable,
	 * with *dt the seconds since it. */
	bool (*load_history)(void *data, double *dt);
	/* Rates, verdicts and output of current against previous (when
	 * b->have): 0 or an exit status; *level is the worst verdict. */
	int (*judge)(void *data, const struct nt_baseline *b, enum nt_level *level);
	/* Current becomes previous. */
	void (*rotate)(void *data);
	/* Save the newest sample as the next run's baseline. */
	void (*save)(void *data);
};

/* The JSON "baseline" object: {"kind", "seconds" (null for "boot"),
 * "key"}: what the history file is keyed by in this namespace,
 * "netns_cookie", "netns_inode" (weak: the kernel has no cookie, and
 * inode numbers are recycled) or null (no identity: no history). */
struct json_t;
struct json_t *nt_baseline_json(const char *kind, double dt,
				const struct nt_netns_id *ns);

/* Returns the exit status (enum nt_exit). */
int nt_sample_run(const struct nt_global *g, const struct nt_sampler *s,
		  void *data);

#endif
