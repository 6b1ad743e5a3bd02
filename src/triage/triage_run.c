/* triage's run: every local layer in this namespace, one sample (or two
 * over -i), judged, rendered into document sections. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "nt_layer.h"
#include "nt_priv.h"
#include "triage.h"

static const struct nt_layer *const local_layers[] = {
	&nt_layer_link,
};
#define NLOCAL (sizeof(local_layers) / sizeof(local_layers[0]))

struct lrun {
	const struct nt_layer *L;
	void *st;
	struct nt_layer_ctx c;
	struct nt_verdicts vs;
	struct nt_baseline b;
	bool parsed;
	bool open_failed; /* reason in c.why */
	bool collected;
};

/* A layer with its default options (argv is its name alone). */
static int lrun_init(struct lrun *x, const struct nt_layer *L,
		     const struct nt_global *g)
{
	char *argv[2] = { (char *)L->name, NULL };
	int r;

	memset(x, 0, sizeof(*x));
	x->L = L;
	x->c.g = g;
	x->st = calloc(1, L->size);
	if (!x->st)
		return -ENOMEM;
	optind = 0;
	r = L->parse_opts(x->st, 1, argv);
	if (r)
		return -EINVAL;
	x->parsed = true;
	return 0;
}

static void lrun_free(struct lrun *x)
{
	if (x->st) {
		if (x->parsed)
			x->L->free(x->st);
		free(x->st);
	}
	nt_verdicts_free(&x->vs);
	memset(x, 0, sizeof(*x));
}

/* One or two samples (over -i), then the verdicts. */
static void lrun_measure(struct lrun *x, const struct nt_global *g, double t0)
{
	double dt = 0, t1;
	bool have;

	if (x->open_failed || x->L->collect(x->st, &x->c))
		return;
	have = x->L->hist_get(x->st, &x->c, &dt);
	nt_baseline_first(&x->b, have, dt);
	if (g->interval > 0 && nt_sleep_until(t0 + g->interval) == 0) {
		x->L->rotate(x->st);
		t1 = nt_now_mono();
		if (x->L->collect(x->st, &x->c))
			return;
		x->b.have = true;
		x->b.kind = "interval";
		x->b.since = "over the interval";
		x->b.dt = t1 - t0;
		x->b.sample = 1;
	}
	x->collected = true;
	x->L->judge(x->st, &x->b, &x->vs);
}

static void lrun_emit(struct lrun *x, struct nt_doc *d)
{
	const struct nt_global *g = x->c.g;

	nt_doc_open(d, x->L->name, false);
	if (x->collected) {
		nt_doc_set(d, "baseline", nt_baseline_json(x->b.kind, x->b.dt, &g->ns));
		nt_doc_set(d, "sample", json_integer(x->b.sample));
		x->L->emit(x->st, d, &x->c, &x->b);
	} else {
		nt_doc_set(d, "error", json_string(x->c.why));
	}
	nt_doc_close(d);
}

int nt_triage_run(struct nt_triage *t)
{
	const struct nt_global *g = t->g;
	struct lrun lr[NLOCAL];
	uint64_t caps = 0;
	double t0;
	size_t i;
	int rc = 0, r;

	memset(lr, 0, sizeof(lr));
	for (i = 0; i < NLOCAL; i++) {
		r = lrun_init(&lr[i], local_layers[i], g);
		if (r) {
			nt_err("triage", "%s: %s", local_layers[i]->name,
			       r == -ENOMEM ? "out of memory" : "bad options");
			rc = r == -ENOMEM ? NT_EXIT_UNKNOWN : NT_EXIT_USAGE;
			goto out;
		}
		if (lr[i].L->caps)
			caps |= lr[i].L->caps(lr[i].st);
	}
	for (i = 0; i < NLOCAL; i++)
		if (lr[i].L->open && lr[i].L->open(lr[i].st, &lr[i].c))
			lr[i].open_failed = true;
	if ((rc = nt_priv_restrict("triage", g, caps)))
		goto out;
	t0 = nt_now_mono();
	for (i = 0; i < NLOCAL; i++)
		lrun_measure(&lr[i], g, t0);
	for (i = 0; i < NLOCAL; i++) {
		r = lr[i].collected ?
			nt_triage_add(&t->rows, lr[i].L->name, (unsigned)i, g->netns, &lr[i].vs) :
			nt_triage_unknown(&t->rows, lr[i].L->name, (unsigned)i, g->netns, lr[i].c.why);
		if (r) {
			nt_err("triage", "out of memory");
			rc = NT_EXIT_UNKNOWN;
			goto out;
		}
	}
	if (t->doc) {
		nt_doc_open(t->doc, "layers", false);
		for (i = 0; i < NLOCAL; i++)
			lrun_emit(&lr[i], t->doc);
		nt_doc_close(t->doc);
	}
	for (i = 0; i < NLOCAL; i++)
		if (lr[i].collected)
			lr[i].L->hist_put(lr[i].st, &lr[i].c);
out:
	for (i = 0; i < NLOCAL; i++)
		lrun_free(&lr[i]);
	return rc;
}
