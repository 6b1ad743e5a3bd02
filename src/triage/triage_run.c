/* triage's run: every local layer in this namespace, one sample (or two
 * over -i), judged, rendered into document sections. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <jansson.h>
#include "nt_config.h"
#include "nt_layer.h"
#include "nt_path.h"
#include "nt_priv.h"
#include "nt_sweep.h"
#include "triage.h"

static const struct nt_layer *const local_layers[] = {
	&nt_layer_link,
	&nt_layer_stack,
	&nt_layer_conntrack,
	&nt_layer_tcp,
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
	bool absent;      /* not in use here (NT_LAYER_ABSENT) */
	double t;         /* CLOCK_MONOTONIC of the last sample */
	char **cargv;     /* argv with the config file's [LAYER] options,
			   * kept while the state may point into it */
};

/* A layer with options argv (NULL: its defaults, argv its name alone),
 * after the config file's [LAYER] options. */
static int lrun_init(struct lrun *x, const struct nt_layer *L,
		     const struct nt_global *g, int argc, char **argv)
{
	char *only[2] = { (char *)L->name, NULL };
	int r;

	memset(x, 0, sizeof(*x));
	x->L = L;
	x->c.g = g;
	if (!argv) {
		argc = 1;
		argv = only;
	}
	if (g->config) {
		x->cargv = nt_config_argv(g->config, L->name, argc, argv, false, &argc);
		if (!x->cargv)
			return -ENOMEM;
		argv = x->cargv;
	}
	x->st = calloc(1, L->size);
	if (!x->st)
		return -ENOMEM;
	/* L->free is safe on a state whose parse failed (nt_layer_cmd
	 * calls it too): what parse_opts allocated goes with it */
	x->parsed = true;
	optind = 0;
	r = L->parse_opts(x->st, argc, argv);
	if (r)
		return -EINVAL;
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
	free(x->cargv);
	memset(x, 0, sizeof(*x));
}

/* Sample pass 0 (and its baseline), or pass 1 over the interval since
 * this layer's own pass 0 (namespaces are sampled one after another). */
static void lrun_sample(struct lrun *x, int pass)
{
	int r;

	if (x->open_failed || (pass > 0 && !x->collected))
		return;
	r = nt_layer_sample(x->L, x->st, &x->c, pass, &x->b, &x->t);
	x->collected = r == 0;
	x->absent = r == NT_LAYER_ABSENT;
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

/* One namespace: its labels and its layers. */
struct tns {
	struct nt_global g;
	struct lrun lr[NLOCAL];
	bool entered;   /* setns worked (always, without --all-netns) */
	bool self;      /* the namespace triage started in */
	char why[256];
};

static int tns_init(struct tns *n, const struct nt_global *g)
{
	size_t i;
	int r;

	n->g = *g;
	n->entered = true;
	for (i = 0; i < NLOCAL; i++) {
		r = lrun_init(&n->lr[i], local_layers[i], &n->g, 0, NULL);
		if (r) {
			nt_err("triage", "%s: %s", local_layers[i]->name,
			       r == -ENOMEM ? "out of memory" : "bad options");
			return r == -ENOMEM ? NT_EXIT_UNKNOWN : NT_EXIT_USAGE;
		}
	}
	for (i = 0; i < NLOCAL; i++)
		if (n->lr[i].L->open && n->lr[i].L->open(n->lr[i].st, &n->lr[i].c))
			n->lr[i].open_failed = true;
	return 0;
}

static void tns_free(struct tns *n)
{
	size_t i;

	for (i = 0; i < NLOCAL; i++)
		lrun_free(&n->lr[i]);
}

/* Enter namespace k of the sweep (l NULL: stay where we are). */
static bool tns_enter(struct tns *n, const struct nt_ns_list *l, size_t k)
{
	int r;

	if (!l)
		return true;
	r = nt_sweep_enter(l, k, &n->g, n->why, sizeof(n->why));
	if (r)
		n->entered = false;
	return n->entered;
}

static int tns_rows(struct nt_triage *t, struct tns *n)
{
	const char *label = n->g.netns; /* --all-netns label, -N's argument */
	size_t i, first = t->rows.n;
	int r = 0;

	for (i = 0; !r && i < NLOCAL; i++) {
		struct lrun *x = &n->lr[i];

		if (!n->entered)
			r = nt_triage_measure(&t->rows, x->L->name, (unsigned)i, label,
					      NT_UNKNOWN, n->why);
		else if (x->collected)
			r = nt_triage_add(&t->rows, x->L->name, (unsigned)i, label, &x->vs);
		else
			r = nt_triage_measure(&t->rows, x->L->name, (unsigned)i, label,
					      x->absent ? NT_OK : NT_UNKNOWN, x->c.why);
	}
	/* baselines know the starting namespace as "", as a plain run
	 * does, so one saved without --all-netns matches inside a sweep */
	for (i = first; n->self && i < t->rows.n; i++)
		t->rows.v[i].bkey[0] = '\0';
	return r;
}

struct prun;
struct crun;
static void path_emit(struct prun *p, size_t n, struct nt_doc *d);

/* A namespace's section; pr/np: the path targets, inside "layers" when
 * there is one namespace (with --all-netns they stand apart: they are
 * probed from the starting namespace only). */
static void tns_emit(struct nt_triage *t, struct tns *n, struct prun *pr, size_t np,
		     struct lrun *cap)
{
	size_t i;

	if (!t->doc)
		return;
	if (n->g.all_netns) {
		/* Prometheus labels come from the document's options */
		t->doc->g = &n->g;
		nt_doc_open(t->doc, NULL, false);
		nt_doc_set(t->doc, "netns", json_string(n->g.netns));
		nt_doc_set(t->doc, "netns_inode", json_integer((json_int_t)n->g.netns_inode));
		if (!n->entered)
			nt_doc_set(t->doc, "error", json_string(n->why));
	}
	nt_doc_open(t->doc, "layers", false);
	for (i = 0; n->entered && i < NLOCAL; i++)
		lrun_emit(&n->lr[i], t->doc);
	if (cap)
		lrun_emit(cap, t->doc);
	if (np)
		path_emit(pr, np, t->doc);
	nt_doc_close(t->doc);
	if (n->g.all_netns)
		nt_doc_close(t->doc);
}

#define NT_NOBODY 65534 /* the uid and gid path probes run as */

/* Path to one target: its own state, options (count, interval) and
 * thread; probed from the namespace triage started in. */
struct prun {
	struct lrun x;
	struct nt_global g;
	char *argv[4];
	pthread_t th;
	bool started;
};

/* The sockets (path) or the capture handle are open: this thread parses
 * what comes from the network as nobody with no capability at all. The
 * raw syscalls change this thread only (glibc's wrappers would change
 * every thread, and the main thread keeps what the other layers need);
 * it got CAP_SETUID/CAP_SETGID for this from its creator, which drops
 * them once every such thread is started. 0, or -1 when the drop failed
 * (then measure nothing). */
static int thread_drop(void)
{
	if ((geteuid() == 0 &&
	     (syscall(SYS_setgroups, 0, NULL) || syscall(SYS_setresgid, NT_NOBODY, NT_NOBODY, NT_NOBODY) ||
	      syscall(SYS_setresuid, NT_NOBODY, NT_NOBODY, NT_NOBODY))) ||
	    nt_priv_keep(NULL, 0))
		return -1;
	return 0;
}

static void *path_thread(void *arg)
{
	struct prun *p = arg;

	if (thread_drop()) {
		snprintf(p->x.c.why, sizeof(p->x.c.why),
			 "%s: could not drop this thread's capabilities: not probing", p->argv[2]);
		return NULL;
	}
	lrun_sample(&p->x, 0);
	return NULL;
}

/* --capture SEC -d IFACE: the capture layer, once, from the namespace
 * triage started in, in a thread of its own while the local layers are
 * sampled; opened in the main thread while privileged (c.keep_privs: the
 * thread drops them before the first packet is read). */
struct crun {
	struct lrun x;
	char *argv[8];
	char sec[32];
	pthread_t th;
	bool on, started;
};

static void *capture_thread(void *arg)
{
	struct crun *p = arg;

	if (thread_drop()) {
		snprintf(p->x.c.why, sizeof(p->x.c.why),
			 "could not drop this thread's capabilities: not capturing");
		return NULL;
	}
	lrun_sample(&p->x, 0);
	return NULL;
}

static int crun_init(struct crun *p, const struct nt_global *g, const struct nt_triage_opts *o)
{
	int n = 0, r;

	p->on = true;
	snprintf(p->sec, sizeof(p->sec), "%.17g", o->capture_s);
	p->argv[n++] = (char *)"capture";
	p->argv[n++] = (char *)"-d";
	p->argv[n++] = (char *)o->capture_dev;
	p->argv[n++] = (char *)"-t";
	p->argv[n++] = p->sec;
	if (o->capture_filter) {
		p->argv[n++] = (char *)"--";
		p->argv[n++] = (char *)o->capture_filter;
	}
	p->argv[n] = NULL;
	r = lrun_init(&p->x, &nt_layer_capture, g, n, p->argv);
	if (r)
		return r == -ENOMEM ? NT_EXIT_UNKNOWN : NT_EXIT_USAGE;
	p->x.c.keep_privs = true;
	if (nt_layer_capture.open(p->x.st, &p->x.c))
		p->x.open_failed = true;
	return 0;
}

static int prun_init(struct prun *p, const struct nt_global *g, char *target)
{
	int r;

	p->g = *g;
	/* no reverse DNS of the hops: the lookups would be triage's own
	 * traffic in the namespace it judges (a resolver the namespace has
	 * no route to raises IpOutNoRoutes: stack.ip would WARN about
	 * triage itself), and they wait up to a second for names triage
	 * does not show; `nettriage path` still resolves them */
	p->g.numeric = true;
	/* a short run unless -c/-i say otherwise */
	p->g.count = g->count > 0 ? g->count : 10;
	p->g.interval = g->interval > 0 ? g->interval : 0.2;
	p->argv[0] = (char *)"path";
	p->argv[1] = (char *)"--";
	p->argv[2] = target;
	p->argv[3] = NULL;
	r = lrun_init(&p->x, &nt_layer_path, &p->g, 3, p->argv);
	if (r)
		return r == -ENOMEM ? NT_EXIT_UNKNOWN : NT_EXIT_USAGE;
	if (nt_layer_path.open && nt_layer_path.open(p->x.st, &p->x.c))
		p->x.open_failed = true;
	return 0;
}

static int prun_rows(struct nt_triage *t, struct prun *p, unsigned order)
{
	const char *label = p->g.netns;
	int r;

	if (p->x.collected)
		return nt_triage_add(&t->rows, "path", order, label, &p->x.vs);
	r = nt_triage_measure(&t->rows, "path", order, label, NT_UNKNOWN, p->x.c.why);
	if (!r) /* one row per target */
		snprintf(t->rows.v[t->rows.n - 1].subject,
			 sizeof(t->rows.v[0].subject), "%s", p->argv[2]);
	return r;
}

/* The "path" array of the layers section: path's own keys per target
 * (its schema has no baseline or sample: path keeps no history). */
static void path_emit(struct prun *p, size_t n, struct nt_doc *d)
{
	size_t j;

	nt_doc_open(d, "path", true);
	for (j = 0; j < n; j++) {
		nt_doc_open(d, NULL, false);
		if (p[j].x.collected) {
			p[j].x.L->emit(p[j].x.st, d, &p[j].x.c, &p[j].x.b);
		} else {
			nt_doc_set(d, "target", json_pack("{s:s, s:n}", "host", p[j].argv[2], "ip"));
			nt_doc_set(d, "error", json_string(p[j].x.c.why));
		}
		nt_doc_close(d);
	}
	nt_doc_close(d);
}

int nt_triage_run(struct nt_triage *t)
{
	const struct nt_global *g = t->g;
	struct nt_ns_list l, *lp = NULL;
	struct tns *ns = NULL;
	struct prun *pr = NULL;
	struct nt_path_group *grp = NULL;
	struct crun cr;
	size_t nns = 1, k, i, np = t->o.ntargets > 0 ? (size_t)t->o.ntargets : 0;
	uint64_t caps = 0;
	double t0;
	char note[400];
	int rc = 0, r;

	memset(&cr, 0, sizeof(cr));

	if (g->all_netns) {
		r = nt_sweep_list(&l);
		if (r) {
			nt_err("triage", "--all-netns: listing namespaces: %s", strerror(-r));
			return NT_EXIT_UNKNOWN;
		}
		lp = &l;
		nns = l.n;
		caps |= NT_CAP(CAP_SYS_ADMIN);
	}
	ns = calloc(nns ? nns : 1, sizeof(*ns));
	if (!ns) {
		nt_err("triage", "out of memory");
		rc = NT_EXIT_UNKNOWN;
		goto out;
	}
	for (k = 0; k < nns; k++) {
		if ((rc = tns_init(&ns[k], g)))
			goto out;
		if (lp) {
			ns[k].g.netns = l.v[k].label;
			ns[k].g.netns_inode = l.v[k].inode;
			ns[k].self = l.v[k].self;
			for (i = 0; i < NLOCAL; i++)
				ns[k].lr[i].c.not_home = !l.v[k].self;
		}
	}
	/* path's sockets are opened here, before privileges go; its
	 * CAP_NET_RAW is not kept: the raw sockets are open */
	pr = calloc(np ? np : 1, sizeof(*pr));
	if (!pr) {
		nt_err("triage", "out of memory");
		rc = NT_EXIT_UNKNOWN;
		goto out;
	}
	for (k = 0; k < np; k++)
		if ((rc = prun_init(&pr[k], g, t->o.targets[k])))
			goto out;
	if (np > 1) {
		/* one group, as `path A B`: as root each raw socket sees the
		 * other targets' replies too, siblings, not foreign */
		void **st = calloc((size_t)np, sizeof(*st));

		for (k = 0; st && k < np; k++)
			st[k] = pr[k].x.st;
		grp = st ? nt_path_group_new(st, np) : NULL;
		free(st);
	}
	if (t->o.capture_s > 0 && (rc = crun_init(&cr, g, &t->o)))
		goto out;
	for (i = 0; i < NLOCAL && nns; i++)
		if (ns[0].lr[i].L->caps)
			caps |= ns[0].lr[i].L->caps(ns[0].lr[i].st);
	/* --save-baseline writes where root could before the drop */
	if (t->o.save_baseline)
		caps |= NT_CAP(CAP_DAC_OVERRIDE);
	/* probe and capture threads drop to nobody themselves
	 * (thread_drop); the capture handle is open: no CAP_NET_RAW kept */
	if ((rc = nt_priv_restrict("triage", g, caps |
				   (np || cr.on ? NT_CAP(CAP_SETUID) | NT_CAP(CAP_SETGID) : 0))))
		goto out;
	/* the capture, and every target at once, while the local layers
	 * are measured */
	if (cr.on && !cr.x.open_failed)
		cr.started = pthread_create(&cr.th, NULL, capture_thread, &cr) == 0;
	for (k = 0; k < np; k++)
		pr[k].started = pthread_create(&pr[k].th, NULL, path_thread, &pr[k]) == 0;
	/* a thread's capabilities are its own from its creation: the main
	 * thread now gives up CAP_SETUID/CAP_SETGID */
	if ((np || cr.on) && (rc = nt_priv_restrict("triage", g, caps)))
		goto out;
	if (cr.on && !cr.x.open_failed && !cr.started)
		snprintf(cr.x.c.why, sizeof(cr.x.c.why), "could not start the capture thread");
	for (k = 0; k < np; k++)
		if (!pr[k].started) /* never probe from the main thread */
			snprintf(pr[k].x.c.why, sizeof(pr[k].x.c.why),
				 "%s: could not start a probe thread", pr[k].argv[2]);
	t0 = nt_now_mono();
	for (k = 0; k < nns; k++)
		if (tns_enter(&ns[k], lp, k))
			for (i = 0; i < NLOCAL; i++)
				lrun_sample(&ns[k].lr[i], 0);
	if (g->interval > 0 && nt_sleep_until(t0 + g->interval) == 0)
		for (k = 0; k < nns; k++)
			if (ns[k].entered && tns_enter(&ns[k], lp, k))
				for (i = 0; i < NLOCAL; i++)
					lrun_sample(&ns[k].lr[i], 1);
	if (lp && (r = nt_sweep_home(lp))) {
		nt_err("triage", "--all-netns: back to the starting namespace: %s", strerror(-r));
		rc = NT_EXIT_UNKNOWN;
		goto out;
	}
	for (k = 0; k < np; k++)
		if (pr[k].started) {
			pthread_join(pr[k].th, NULL);
			pr[k].started = false;
		}
	if (cr.started) {
		pthread_join(cr.th, NULL);
		cr.started = false;
	}
	if (cr.on && cr.x.collected)
		nt_layer_capture.judge(cr.x.st, &cr.x.b, &cr.x.vs);
	for (k = 0; k < nns; k++)
		for (i = 0; i < NLOCAL; i++)
			if (ns[k].lr[i].collected)
				ns[k].lr[i].L->judge(ns[k].lr[i].st, &ns[k].lr[i].b, &ns[k].lr[i].vs);
	for (k = 0; k < np; k++)
		if (pr[k].x.collected)
			pr[k].x.L->judge(pr[k].x.st, &pr[k].x.b, &pr[k].x.vs);
	for (k = 0; k < nns; k++)
		if (tns_rows(t, &ns[k])) {
			nt_err("triage", "out of memory");
			rc = NT_EXIT_UNKNOWN;
			goto out;
		}
	/* capture is the top local layer; path comes after it */
	if (cr.on && (cr.x.collected ?
		      nt_triage_add(&t->rows, "capture", (unsigned)NLOCAL, g->netns, &cr.x.vs) :
		      nt_triage_measure(&t->rows, "capture", (unsigned)NLOCAL, g->netns, NT_UNKNOWN,
					cr.x.c.why))) {
		nt_err("triage", "out of memory");
		rc = NT_EXIT_UNKNOWN;
		goto out;
	}
	for (k = 0; k < np; k++)
		if (prun_rows(t, &pr[k], (unsigned)NLOCAL + 1)) {
			nt_err("triage", "out of memory");
			rc = NT_EXIT_UNKNOWN;
			goto out;
		}
	if (t->doc) {
		if (lp)
			nt_doc_open(t->doc, "namespaces", true);
		for (k = 0; k < nns; k++)
			tns_emit(t, &ns[k], pr, lp ? 0 : np, !lp && cr.on ? &cr.x : NULL);
		if (lp) {
			nt_doc_close(t->doc);
			t->doc->g = g;
		}
		if (lp && cr.on)
			lrun_emit(&cr.x, t->doc);
		if (lp && np)
			path_emit(pr, np, t->doc);
	}
	for (k = 0; k < nns; k++)
		for (i = 0; i < NLOCAL; i++)
			if (ns[k].lr[i].collected)
				ns[k].lr[i].L->hist_put(ns[k].lr[i].st, &ns[k].lr[i].c);
	if (lp) {
		nt_sweep_note(lp, note, sizeof(note));
		if (note[0])
			nt_note("triage", "--all-netns: %s", note);
	}
out:
	for (k = 0; pr && k < np; k++) {
		if (pr[k].started)
			pthread_join(pr[k].th, NULL);
		lrun_free(&pr[k].x);
	}
	free(pr);
	if (cr.started)
		pthread_join(cr.th, NULL);
	if (cr.on)
		lrun_free(&cr.x);
	nt_path_group_free(grp);
	for (k = 0; ns && k < nns; k++)
		tns_free(&ns[k]);
	free(ns);
	if (lp)
		nt_sweep_free(lp);
	return rc;
}
