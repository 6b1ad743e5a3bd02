/* One command over one layer (nt_layer.h): the thin cmd_X of every layer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "nt_layer.h"
#include "nt_priv.h"

void nt_baseline_first(struct nt_baseline *b, bool have, double dt)
{
	b->have = have;
	b->kind = have ? "history" : "boot";
	b->since = have ? "since the previous run" : "since boot (no previous run)";
	b->dt = have ? dt : 0;
	b->sample = 0;
}

int nt_layer_render(const struct nt_layer *L, void *st,
		    const struct nt_layer_ctx *c, const struct nt_baseline *b,
		    const struct nt_verdicts *vs)
{
	const struct nt_global *g = c->g;
	struct nt_doc d;
	int r;

	if (g->format == NT_FMT_TABLE && !g->quiet) {
		if (b->sample > 0)
			putchar('\n');
		L->table(st, stdout, c, b, vs);
	}
	if (g->format == NT_FMT_TABLE)
		nt_verdicts_print(stdout, L->name, vs, g->color, g->quiet);
	if (g->format == NT_FMT_TABLE && !g->prom_file)
		return 0;
	r = nt_doc_init(&d, L->name, g);
	if (r)
		return r;
	nt_doc_set(&d, "baseline", nt_baseline_json(b->kind, b->dt, &g->ns));
	nt_doc_set(&d, "sample", json_integer(b->sample));
	L->emit(st, &d, c, b);
	nt_doc_verdicts(&d, vs);
	r = nt_doc_emit(&d);
	nt_doc_free(&d);
	return r;
}

/* nt_sample_run's callbacks over a layer. */
struct run {
	const struct nt_layer *L;
	void *st;
	struct nt_layer_ctx c;
	struct nt_verdicts vs;
};

static int take(void *data)
{
	struct run *x = data;
	int r = x->L->collect(x->st, &x->c);

	if (r) {
		nt_err(x->L->name, "%s", x->c.why);
		return NT_EXIT_UNKNOWN;
	}
	return 0;
}

static bool history(void *data, double *dt)
{
	struct run *x = data;

	return x->L->hist_get(x->st, &x->c, dt);
}

static int judge(void *data, const struct nt_baseline *b, enum nt_level *level)
{
	struct run *x = data;
	int r;

	nt_verdicts_reset(&x->vs);
	x->L->judge(x->st, b, &x->vs);
	*level = nt_verdicts_worst(&x->vs);
	r = nt_layer_render(x->L, x->st, &x->c, b, &x->vs);
	if (r) {
		if (r != -EIO) /* a failed stdout is reported by main */
			nt_err(x->L->name, "output: %s", strerror(-r));
		return NT_EXIT_UNKNOWN;
	}
	return 0;
}

static void rotate(void *data)
{
	struct run *x = data;

	x->L->rotate(x->st);
}

static void save(void *data)
{
	struct run *x = data;

	x->L->hist_put(x->st, &x->c);
}

static const struct nt_sampler layer_sampler = { take, history, judge, rotate, save };

int nt_layer_cmd(const struct nt_layer *L, int argc, char **argv,
		 struct nt_global *g)
{
	struct run x = { .L = L, .c = { .g = g } };
	int rc, r;

	x.st = calloc(1, L->size);
	if (!x.st) {
		nt_err(L->name, "out of memory");
		return NT_EXIT_UNKNOWN;
	}
	r = L->parse_opts(x.st, argc, argv);
	if (r) {
		rc = r > 0 ? NT_EXIT_OK : NT_EXIT_USAGE;
		goto out;
	}
	if (L->open && L->open(x.st, &x.c)) {
		nt_err(L->name, "%s", x.c.why);
		rc = NT_EXIT_UNKNOWN;
		goto out;
	}
	if ((rc = nt_priv_restrict(L->name, g, L->caps ? L->caps(x.st) : 0)))
		goto out;
	rc = nt_sample_run(g, &layer_sampler, &x);
out:
	nt_verdicts_free(&x.vs);
	L->free(x.st);
	free(x.st);
	return rc;
}
