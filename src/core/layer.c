/* One command over one layer (nt_layer.h): the thin cmd_X of every layer. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "nt_layer.h"
#include "nt_priv.h"
#include "nt_sweep.h"

void nt_baseline_first(struct nt_baseline *b, bool have, double dt)
{
	b->have = have;
	b->kind = have ? "history" : "boot";
	b->since = have ? "since the previous run" : "since boot (no previous run)";
	b->dt = have ? dt : 0;
	b->sample = 0;
}

void nt_baseline_interval(struct nt_baseline *b, double dt, long sample)
{
	b->have = true;
	b->kind = "interval";
	b->since = "over the interval";
	b->dt = dt;
	b->sample = sample;
}

void nt_baseline_print(FILE *f, const struct nt_baseline *b,
		       const struct nt_global *g)
{
	if (!strcmp(b->kind, "boot"))
		fprintf(f, "baseline: since-boot totals (no previous run%s)\n",
			g->interval > 0 ? "" : " in this namespace; rates need -i or a second run");
	else
		fprintf(f, "baseline: %s, %.2f s ago%s\n", b->kind, b->dt,
			!strcmp(b->kind, "interval") ? " (table shows per-second rates)" : "");
}

int nt_layer_sample(const struct nt_layer *L, void *st, struct nt_layer_ctx *c,
		    int pass, struct nt_baseline *b, double *t)
{
	double hdt = 0, now;
	bool have;
	int r;

	if (pass > 0 && L->rotate)
		L->rotate(st);
	now = nt_now_mono();
	r = L->collect(st, c);
	if (r)
		return r;
	if (pass == 0) {
		/* hist_get sets hdt: call it before reading hdt */
		have = L->hist_get && L->hist_get(st, c, &hdt);
		nt_baseline_first(b, have, hdt);
	} else {
		nt_baseline_interval(b, now - *t, 1);
	}
	*t = now;
	return 0;
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
	if (g->format == NT_FMT_TABLE) {
		char name[96];

		/* --all-netns: say whose namespace each summary is */
		if (g->all_netns && g->netns)
			snprintf(name, sizeof(name), "%s [%s]", L->name, g->netns);
		else
			snprintf(name, sizeof(name), "%s", L->name);
		nt_verdicts_print(stdout, name, vs, g->color, g->quiet);
	}
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

	return x->L->hist_get && x->L->hist_get(x->st, &x->c, dt);
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

	if (x->L->rotate)
		x->L->rotate(x->st);
}

static void save(void *data)
{
	struct run *x = data;

	if (x->L->hist_put)
		x->L->hist_put(x->st, &x->c);
}

static const struct nt_sampler layer_sampler = { take, history, judge, rotate, save };

static int layer_sweep(const struct nt_layer *L, int argc, char **argv,
		       struct nt_global *g);

int nt_layer_cmd(const struct nt_layer *L, int argc, char **argv,
		 struct nt_global *g)
{
	struct run x = { .L = L, .c = { .g = g } };
	int rc, r;

	if (g->all_netns)
		return layer_sweep(L, argc, argv, g);

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

/* --all-netns: one state per namespace, measured inside it (one sample,
 * or two over -i), judged, then rendered worst first. */
struct nsrun {
	struct nt_global g;      /* the run's options, this namespace's labels */
	void *st;
	bool parsed, collected;
	struct nt_layer_ctx c;
	struct nt_verdicts vs;
	struct nt_baseline b;
	enum nt_level worst;
	double t;                /* CLOCK_MONOTONIC of its last sample */
};

static void ns_measure(const struct nt_layer *L, const struct nt_ns_list *l,
		       size_t i, struct nsrun *x, int pass)
{
	int r;

	if (pass > 0 && !x->collected)
		return;
	r = nt_sweep_enter(l, i, &x->g, x->c.why, sizeof(x->c.why));
	if (r) {
		x->collected = false;
		return;
	}
	x->collected = nt_layer_sample(L, x->st, &x->c, pass, &x->b, &x->t) == 0;
}

static void ns_judge(const struct nt_layer *L, struct nsrun *x)
{
	struct nt_verdict *v;

	nt_verdicts_reset(&x->vs);
	if (x->collected) {
		L->judge(x->st, &x->b, &x->vs);
	} else {
		char check[64];

		snprintf(check, sizeof(check), "%s.measure", L->name);
		v = nt_verdict_add(&x->vs, check, "", NT_UNKNOWN, NAN, NAN);
		if (v)
			snprintf(v->reason, sizeof(v->reason), "%s", x->c.why);
	}
	x->worst = nt_verdicts_worst(&x->vs);
}

/* CRIT, UNKNOWN, WARN, OK: the order nt_level_worse ranks. */
static int level_rank(enum nt_level l)
{
	return l == NT_CRIT ? 3 : l == NT_UNKNOWN ? 2 : l == NT_WARN ? 1 : 0;
}

static void ns_render(const struct nt_layer *L, struct nsrun *x)
{
	const struct nt_global *g = &x->g;
	struct nt_doc d;

	if (x->collected) {
		if (g->format == NT_FMT_TABLE && !g->quiet)
			printf("\nnetns %s (inode %llu):\n", g->netns,
			       (unsigned long long)g->netns_inode);
		if (nt_layer_render(L, x->st, &x->c, &x->b, &x->vs) == 0)
			return;
		return;
	}
	if (g->format == NT_FMT_TABLE) {
		char name[96];

		if (!g->quiet)
			printf("\nnetns %s (inode %llu):\n", g->netns,
			       (unsigned long long)g->netns_inode);
		snprintf(name, sizeof(name), "%s [%s]", L->name, g->netns);
		nt_verdicts_print(stdout, name, &x->vs, g->color, g->quiet);
		if (!g->prom_file)
			return;
	}
	if (nt_doc_init(&d, L->name, g))
		return;
	nt_doc_set(&d, "error", json_string(x->c.why));
	nt_doc_verdicts(&d, &x->vs);
	(void)nt_doc_emit(&d);
	nt_doc_free(&d);
}

static int layer_sweep(const struct nt_layer *L, int argc, char **argv,
		       struct nt_global *g)
{
	struct nt_ns_list l;
	struct nsrun *ns = NULL;
	size_t *order = NULL, i, j, k;
	enum nt_level worst = NT_OK;
	char note[400];
	char *pbuf = NULL;
	size_t plen = 0;
	double t0;
	int rc = 0, r;

	if (g->count > 0) {
		nt_err(L->name, "--all-netns takes one sample per namespace (two over -i SEC): -c is not supported with it");
		return NT_EXIT_USAGE;
	}
	r = nt_sweep_list(&l);
	if (r) {
		nt_err(L->name, "--all-netns: listing namespaces: %s", strerror(-r));
		return NT_EXIT_UNKNOWN;
	}
	ns = calloc(l.n ? l.n : 1, sizeof(*ns));
	order = calloc(l.n ? l.n : 1, sizeof(*order));
	if (!ns || !order) {
		nt_err(L->name, "out of memory");
		rc = NT_EXIT_UNKNOWN;
		goto out;
	}
	for (i = 0; i < l.n; i++) {
		struct nsrun *x = &ns[i];

		x->g = *g;
		x->g.netns = l.v[i].label;
		x->g.netns_inode = l.v[i].inode;
		x->c.g = &x->g;
		x->c.not_home = !l.v[i].self;
		x->st = calloc(1, L->size);
		if (!x->st) {
			nt_err(L->name, "out of memory");
			rc = NT_EXIT_UNKNOWN;
			goto out;
		}
		optind = 0;
		r = L->parse_opts(x->st, argc, argv);
		if (r) { /* the first parse said why; later ones cannot differ */
			rc = r > 0 ? NT_EXIT_OK : NT_EXIT_USAGE;
			goto out;
		}
		x->parsed = true;
		if (L->open && L->open(x->st, &x->c))
			nt_err(L->name, "%s: %s", x->g.netns, x->c.why);
	}
	/* setns needs CAP_SYS_ADMIN for the whole sweep */
	if ((rc = nt_priv_restrict(L->name, g, (L->caps && l.n ? L->caps(ns[0].st) : 0) |
				   NT_CAP(CAP_SYS_ADMIN))))
		goto out;
	t0 = nt_now_mono();
	for (i = 0; i < l.n; i++)
		ns_measure(L, &l, i, &ns[i], 0);
	if (g->interval > 0 && nt_sleep_until(t0 + g->interval) == 0)
		for (i = 0; i < l.n; i++)
			ns_measure(L, &l, i, &ns[i], 1);
	r = nt_sweep_home(&l);
	if (r) {
		nt_err(L->name, "--all-netns: back to the starting namespace: %s", strerror(-r));
		rc = NT_EXIT_UNKNOWN;
		goto out;
	}
	for (i = 0; i < l.n; i++) {
		ns_judge(L, &ns[i]);
		worst = nt_level_worse(worst, ns[i].worst);
		/* worst first, stable */
		for (j = i; j > 0 && level_rank(ns[order[j - 1]].worst) < level_rank(ns[i].worst); j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	{
		FILE *sink = NULL;

		if (g->format == NT_FMT_PROM || g->prom_file) {
			sink = open_memstream(&pbuf, &plen);
			if (!sink) {
				nt_err(L->name, "out of memory");
				rc = NT_EXIT_UNKNOWN;
				goto out;
			}
		}
		for (k = 0; k < l.n; k++) {
			ns[order[k]].g.prom_sink = sink;
			ns_render(L, &ns[order[k]]);
		}
		if (sink) {
			fclose(sink);
			r = nt_prom_out_grouped(g, pbuf, plen);
			if (r) {
				if (r != -EIO)
					nt_err(L->name, "output: %s", strerror(-r));
				rc = NT_EXIT_UNKNOWN;
				goto out;
			}
		}
	}
	for (i = 0; i < l.n; i++)
		if (ns[i].collected && L->hist_put)
			L->hist_put(ns[i].st, &ns[i].c);
	nt_sweep_note(&l, note, sizeof(note));
	if (note[0])
		nt_note(L->name, "--all-netns: %s", note);
	rc = nt_level_exit(worst);
out:
	for (i = 0; ns && i < l.n; i++) {
		if (ns[i].parsed)
			L->free(ns[i].st);
		free(ns[i].st);
		nt_verdicts_free(&ns[i].vs);
	}
	free(ns);
	free(order);
	free(pbuf);
	nt_sweep_free(&l);
	return rc;
}
