/* The layer interface: every command (link, conntrack, tcp, path, ...) is
 * a layer, and cmd_X, triage and --all-netns all drive layers through it.
 *
 * A layer's state is one allocation of `size` bytes, zeroed. The calls,
 * in order:
 *   parse_opts            once, from the command's argv (or from triage's
 *                         defaults: argc 1, argv[0] the layer name)
 *   open                  privileged fds, before privileges are dropped
 *                         (optional)
 *   collect               one sample into the current slot; no output
 *   hist_get              first sample only: load the previous run into
 *                         the previous slot
 *   judge                 rates and verdicts of current against previous
 *                         (when b->have); no output
 *   table / emit          render: the table (without the verdict lines,
 *                         which the caller prints), or the layer's keys of
 *                         a document section (records through field
 *                         tables; the caller adds baseline, sample and
 *                         verdicts)
 *   rotate                current becomes previous
 *   hist_put              after the last sample: save the newest one
 *   free                  release what the state owns (not the state)
 * A failing call fills c->why with one line naming what failed and why
 * (and the capability that would help) and returns -errno; the caller
 * prints it (cmd_X) or turns it into an UNKNOWN verdict (triage).
 * collect returns NT_LAYER_ABSENT when what it measures is not in use
 * here (nf_conntrack not loaded): the command still exits 3, triage
 * reports an OK "LAYER.measure" with the reason (nothing to fill). */
#ifndef NT_LAYER_H
#define NT_LAYER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "nettriage.h"
#include "nt_cmd.h"
#include "nt_output.h"
#include "nt_sample.h"
#include "nt_verdict.h"

/* What every call sees: the run's options and namespace identity (history
 * key, labels), and room for a failure reason. */
#include <errno.h>
#define NT_LAYER_ABSENT (-ENOPKG)

struct nt_layer_ctx {
	const struct nt_global *g;
	char why[256];
	/* Set by a driver that measures this state in a namespace other than
	 * the one it started in (--all-netns, triage --all-netns): figures
	 * the kernel keeps globally (softnet, neighbour tables, socket
	 * memory, file-nr) are shown there but judged only once, at home. */
	bool not_home;
	/* Set by a driver that drops privileges itself after open (triage's
	 * capture thread): a layer that would drop them in open (capture:
	 * before the first packet is read) leaves that to the driver. */
	bool keep_privs;
};

struct nt_layer {
	const char *name;              /* "link": command, section, history */
	const char *usage;             /* --help text */
	const struct nt_cmd_opts *opts;
	size_t size;                   /* of the state */
	/* 0: run; 1: --help printed (exit 0); -1: usage error printed. */
	int (*parse_opts)(void *st, int argc, char **argv);
	/* Capabilities (NT_CAP bits) the layer uses with these options. */
	uint64_t (*caps)(const void *st);
	int (*open)(void *st, struct nt_layer_ctx *c);    /* may be NULL */
	int (*collect)(void *st, struct nt_layer_ctx *c);
	/* true when a previous run is loaded; *dt seconds since it. */
	bool (*hist_get)(void *st, struct nt_layer_ctx *c, double *dt);
	void (*hist_put)(void *st, struct nt_layer_ctx *c);
	void (*judge)(void *st, const struct nt_baseline *b,
		      struct nt_verdicts *vs);
	void (*table)(void *st, FILE *f, const struct nt_layer_ctx *c,
		      const struct nt_baseline *b, const struct nt_verdicts *vs);
	void (*emit)(void *st, struct nt_doc *d, const struct nt_layer_ctx *c,
		     const struct nt_baseline *b);
	void (*rotate)(void *st);
	void (*free)(void *st);
};

extern const struct nt_layer nt_layer_link;
extern const struct nt_layer nt_layer_conntrack;
extern const struct nt_layer nt_layer_tcp;
extern const struct nt_layer nt_layer_path;
extern const struct nt_layer nt_layer_stack;
extern const struct nt_layer nt_layer_capture;


/* A command over one layer: options, privileges (L->caps), then
 * nt_sample_run over collect/judge/render. Returns the exit status. */
int nt_layer_cmd(const struct nt_layer *L, int argc, char **argv,
		 struct nt_global *g);

/* Render one sample of one layer as a whole document (cmd_X): table and
 * verdict lines, or JSON/Prometheus. 0 or -errno. */
int nt_layer_render(const struct nt_layer *L, void *st,
		    const struct nt_layer_ctx *c, const struct nt_baseline *b,
		    const struct nt_verdicts *vs);

/* The baseline of sample k when the layer was judged with history (have)
 * or not; later samples are "interval". */
void nt_baseline_first(struct nt_baseline *b, bool have, double dt);
/* One sample of a layer that is sampled once, or twice over -i (triage,
 * --all-netns): pass 0 collects and loads the previous run as the
 * baseline; pass 1 rotates, collects and is judged over the time since
 * this layer's own pass 0 (*t: CLOCK_MONOTONIC of its last collect).
 * Returns collect's 0 or -errno (c->why). */
int nt_layer_sample(const struct nt_layer *L, void *st, struct nt_layer_ctx *c,
		    int pass, struct nt_baseline *b, double *t);
/* The table's "baseline: ..." line of a layer (since-boot totals, or the
 * kind and age of the baseline). */
void nt_baseline_print(FILE *f, const struct nt_baseline *b,
		       const struct nt_global *g);
/* Sample `sample`, judged over the dt seconds since the one before. */
void nt_baseline_interval(struct nt_baseline *b, double dt, long sample);

#endif
