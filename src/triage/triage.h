/* triage's run (internal to src/triage/). */
#ifndef NT_TRIAGE_RUN_H
#define NT_TRIAGE_RUN_H

#include <stdbool.h>
#include "nettriage.h"
#include "nt_output.h"
#include "nt_triage.h"

struct nt_triage_opts {
	bool all;
	bool save_baseline, baseline;
	const char *save_file, *base_file; /* NULL: the default file */
	double capture_s;          /* --capture SEC: 0 = no capture */
	const char *capture_dev;   /* -d IFACE */
	const char *capture_filter; /* --capture-filter EXPR, or NULL */
	char **targets;  /* HOST[:PORT] operands */
	int ntargets;
};

struct nt_triage {
	const struct nt_global *g;
	struct nt_triage_opts o;
	struct nt_doc *doc;        /* JSON/Prometheus, or NULL (table) */
	struct nt_tverdicts rows;  /* every verdict of every layer */
};

/* Open, collect, judge every layer (and path to each target) and add the
 * layers' sections to t->doc and their verdicts to t->rows. 0, or an exit
 * status after an error that stops the whole run (usage, no memory). */
int nt_triage_run(struct nt_triage *t);

#endif
