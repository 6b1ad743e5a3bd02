/* nettriage link: interface errors, drops, overruns and carrier. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nettriage.h"
#include "nt_cmd.h"
#include "nt_priv.h"
#include "nt_history.h"
#include "nt_link.h"
#include "nt_sample.h"

const char cmd_link_usage[] =
	"usage: nettriage link [OPTIONS] [IFACE...]\n\n"
	"Interface errors, drops, overruns, missed frames and carrier changes from\n"
	"one rtnetlink RTM_GETLINK dump (falls back to /proc/net/dev only if\n"
	"netlink fails). Without -i, rates compare with the previous run.\n\n"
	"Options:\n"
	"  -a, --all              show every counter column in the table\n"
	"      --warn PCT         errors WARN above PCT % of packets (default 0.1)\n"
	"      --crit PCT         errors CRIT above PCT % of packets (default 1)\n"
	"      --warn-drops PCT   drops WARN above PCT % (default 0: any rise)\n"
	"      --crit-drops PCT   drops CRIT above PCT % of packets (default 1)\n"
	"  -h, --help             this help\n";

enum source { SRC_NETLINK, SRC_PROC };

struct link_opts {
	bool all;
	struct nt_link_thresholds t;
	char **names;
	int nnames;
};

static int collect(struct nt_link_list *l, enum source *src, int *nl_err)
{
	const char *force = secure_getenv("NETTRIAGE_LINK_SOURCE"); /* test seam */
	char path[256];
	char *text = NULL;
	size_t cap = 0;
	long n;
	int r;

	*nl_err = 0;
	if (!force || strcmp(force, "proc")) {
		r = nt_link_dump(l);
		if (r == 0) {
			*src = SRC_NETLINK;
			return 0;
		}
		*nl_err = r;
	}
	l->n = 0;
	n = nt_read_file_grow(nt_proc_path("net/dev", path, sizeof(path)), &text, &cap);
	if (n < 0) {
		free(text);
		return (int)n;
	}
	r = nt_link_parse_procnetdev(text, l);
	free(text);
	*src = SRC_PROC;
	return r;
}

/* Keep only the named interfaces; an unknown name is an error. */
static int filter(struct nt_link_list *l, char **names, int nnames,
		  const char **missing)
{
	size_t i, k = 0;
	int j;

	for (j = 0; j < nnames; j++)
		if (!nt_link_find(l, names[j])) {
			*missing = names[j];
			return -ENODEV;
		}
	if (!nnames)
		return 0;
	for (i = 0; i < l->n; i++) {
		for (j = 0; j < nnames; j++)
			if (!strcmp(l->v[i].name, names[j]))
				break;
		if (j < nnames)
			l->v[k++] = l->v[i];
	}
	l->n = k;
	return 0;
}

/* One history line per interface: key "c1" holds ifindex, the counter
 * availability mask and the NT_LX_COUNT counters. A layout change gets a
 * new key, so an old file is simply no baseline. */
#define HIST_KEY "c1"
#define HIST_NV (2 + NT_LX_COUNT)
_Static_assert(HIST_NV <= NT_HIST_MAXV, "history vector too long");

static void hist_from_list(const struct nt_link_list *l, struct nt_hist *h)
{
	uint64_t v[HIST_NV];
	size_t k;

	for (k = 0; k < l->n; k++) {
		const struct nt_link_if *p = &l->v[k];

		v[0] = p->ifindex;
		v[1] = p->avail & ((1ull << NT_LX_COUNT) - 1);
		memcpy(v + 2, p->c, sizeof(p->c));
		nt_hist_put_vec(h, p->name, HIST_KEY, v, HIST_NV);
	}
}

static int list_from_hist(const struct nt_hist *h, struct nt_link_list *l)
{
	size_t e;

	for (e = 0; e < h->n; e++) {
		const struct nt_hist_ent *x = &h->e[e];
		struct nt_link_if *p;

		if (strcmp(x->key, HIST_KEY) || x->n != HIST_NV ||
		    strlen(x->subject) >= sizeof(p->name))
			continue;
		p = nt_link_list_add(l);
		if (!p)
			return -ENOMEM;
		memcpy(p->name, x->subject, strlen(x->subject) + 1);
		p->have_stats = true;
		p->ifindex = (uint32_t)x->vec[0];
		p->avail = (x->vec[1] & ((1ull << NT_LX_COUNT) - 1)) |
			   (1ull << NT_LINK_IFINDEX_BIT);
		memcpy(p->c, x->vec + 2, sizeof(p->c));
	}
	return 0;
}

static const char *src_name(enum source s)
{
	return s == SRC_NETLINK ? "netlink" : "proc";
}

/* Render one sample. baseline: "interval", "history" or "boot". */
static int render(const struct nt_global *g, const struct link_opts *o,
		  const struct nt_link_list *cur, enum source src,
		  const char *baseline, double dt, long sample,
		  const struct nt_verdicts *vs)
{
	bool rates = strcmp(baseline, "boot") != 0;
	unsigned mask = NT_F_ID | NT_F_INFO | NT_F_TOTAL | (rates ? NT_F_RATE : 0);

	/* Deltas are what changed over -i; between separate runs the
	 * per-second rates say it (and thousands of interfaces stay cheap). */
	if (!strcmp(baseline, "interval"))
		mask |= NT_F_DELTA;
	struct nt_doc d;
	int r;

	if (g->format == NT_FMT_TABLE && !g->quiet) {
		unsigned tmask = NT_F_ID | NT_F_INFO | (o->all ? 0 : NT_F_DEF);
		char ts[40];

		tmask |= (rates && !strcmp(baseline, "interval")) ? NT_F_RATE : NT_F_TOTAL;
		nt_timestamp_iso(ts, sizeof(ts));
		if (sample > 0)
			putchar('\n');
		printf("link: %zu interfaces, source %s%s, %s\n", cur->n, src_name(src),
		       src == SRC_PROC ? " (/proc/net/dev lumps some causes)" : "", ts);
		if (!strcmp(baseline, "boot"))
			printf("baseline: since-boot totals (no previous run%s)\n",
			       g->interval > 0 ? "" : " in this namespace; rates need -i or a second run");
		else
			printf("baseline: %s, %.2f s ago%s\n", baseline, dt,
			       !strcmp(baseline, "interval") ? " (table shows per-second rates)" : "");
		nt_table_print(stdout, &nt_link_rectype, cur->v, cur->n, tmask, vs,
			       g->color);
	}
	if (g->format == NT_FMT_TABLE)
		nt_verdicts_print(stdout, "link", vs, g->color, g->quiet);
	if (g->format == NT_FMT_TABLE && !g->prom_file)
		return 0;

	r = nt_doc_init(&d, "link", g);
	if (r)
		return r;
	nt_doc_set(&d, "source", json_string(src_name(src)));
	if (src == SRC_PROC)
		nt_doc_set(&d, "source_note", json_string(
			"/proc/net/dev: rx_dropped includes rx_missed_errors; frame "
			"and carrier causes are lumped and shown as null"));
	nt_doc_set(&d, "baseline", nt_baseline_json(baseline, dt, &g->ns));
	nt_doc_set(&d, "sample", json_integer(sample));
	nt_doc_records(&d, &nt_link_rectype, cur->v, cur->n, mask);
	nt_doc_verdicts(&d, vs);
	r = nt_doc_emit(&d);
	nt_doc_free(&d);
	return r;
}

static const struct option opts_long[] = {
	{ "all", no_argument, NULL, 'a' },
	{ "warn", required_argument, NULL, 'W' },
	{ "crit", required_argument, NULL, 'C' },
	{ "warn-drops", required_argument, NULL, 'w' },
	{ "crit-drops", required_argument, NULL, 'x' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

const struct nt_cmd_opts cmd_link_opts = { "+:ah", opts_long };

static int parse_opts(int argc, char **argv, struct link_opts *o)
{
	int c, li = -1;

	nt_link_thresholds_default(&o->t);
	opterr = 0;
	while ((c = getopt_long(argc, argv, cmd_link_opts.shortopts, opts_long, &li)) != -1) {
		double *dst = NULL, v;

		switch (c) {
		case 'a': o->all = true; break;
		case 'h': fputs(cmd_link_usage, stdout); putchar('\n');
			nt_usage_globals(stdout); return 1;
		case 'W': dst = &o->t.warn_errors; break;
		case 'C': dst = &o->t.crit_errors; break;
		case 'w': dst = &o->t.warn_drops; break;
		case 'x': dst = &o->t.crit_drops; break;
		case ':':
			nt_err("link", "%s: missing argument", argv[optind - 1]);
			return -1;
		default:
			nt_err("link", "unknown option: %s (see nettriage link --help)",
			       argv[optind - 1]);
			return -1;
		}
		if (dst) {
			if (nt_parse_double(optarg, &v) || v < 0 || v > 100) {
				nt_err("link", "--%s: not a percentage from 0 to 100: %s",
				       opts_long[li].name, optarg);
				return -1;
			}
			*dst = v;
		}
		li = -1;
	}
	if (o->t.warn_errors > o->t.crit_errors) {
		nt_err("link", "--warn %g is above --crit %g", o->t.warn_errors,
		       o->t.crit_errors);
		return -1;
	}
	if (o->t.warn_drops > o->t.crit_drops) {
		nt_err("link", "--warn-drops %g is above --crit-drops %g",
		       o->t.warn_drops, o->t.crit_drops);
		return -1;
	}
	o->names = argv + optind;
	o->nnames = argc - optind;
	return 0;
}

static int sample(struct nt_link_list *l, enum source *src,
		  const struct link_opts *o, struct nt_hist *save)
{
	const char *missing = NULL;
	int nl_err, r;

	r = collect(l, src, &nl_err);
	if (r) {
		nt_err("link", "RTM_GETLINK: %s; /proc/net/dev: %s",
		       strerror(nl_err ? -nl_err : ENOTSUP), strerror(-r));
		return NT_EXIT_UNKNOWN;
	}
	if (nl_err)
		nt_note("link", "RTM_GETLINK dump failed: %s (using /proc/net/dev)",
			strerror(-nl_err));
	if (save) {
		nt_hist_free(save);
		hist_from_list(l, save);
	}
	r = filter(l, o->names, o->nnames, &missing);
	if (r) {
		nt_err("link", "%s: no such interface", missing);
		return NT_EXIT_UNKNOWN;
	}
	return 0;
}

/* History is kept per source: /proc/net/dev lumps counters, so its values
 * are no baseline for netlink's and the other way round. */
static const char *hist_name(enum source s)
{
	return s == SRC_NETLINK ? "link" : "link-proc";
}

static void finish(const struct nt_global *g, struct nt_hist *h, enum source src)
{
	int r = nt_hist_save(hist_name(src), &g->ns, h);

	if (r && r != -EROFS)
		nt_note("link", "history file not saved: %s (rate checks of the next run will use since-boot totals)",
			nt_hist_strerror(r));
}

/* Load the previous run as a baseline; true when usable. */
static bool load_history(const struct nt_global *g, enum source src,
			 struct nt_link_list *prev, double *dt)
{
	struct nt_hist old = { 0 };
	bool ok = false;
	double now = nt_now_boot();

	if (nt_hist_load(hist_name(src), &g->ns, &old) == 0 &&
	    now > old.t && list_from_hist(&old, prev) == 0 && prev->n) {
		*dt = now - old.t;
		ok = true;
	} else {
		prev->n = 0;
	}
	nt_hist_free(&old);
	return ok;
}

/* A failed write to stdout is reported once, by main; other output
 * failures (--prom-file) are reported here. */
static void output_error(int r)
{
	if (r != -EIO)
		nt_err("link", "output: %s", strerror(-r));
}

struct link_run {
	const struct nt_global *g;
	struct link_opts o;
	struct nt_link_list cur, prev;
	struct nt_verdicts vs;
	struct nt_hist h;     /* the newest sample, all interfaces */
	enum source src;
};

static int take(void *data)
{
	struct link_run *x = data;

	return sample(&x->cur, &x->src, &x->o, &x->h);
}

static bool history(void *data, double *dt)
{
	struct link_run *x = data;

	x->prev.n = 0;
	return load_history(x->g, x->src, &x->prev, dt);
}

static int judge(void *data, const struct nt_baseline *b, enum nt_level *level)
{
	struct link_run *x = data;
	const struct nt_link_list *prev = b->have ? &x->prev : NULL;
	int r;

	nt_link_rates(&x->cur, prev, b->dt);
	nt_verdicts_reset(&x->vs);
	nt_link_verdicts(&x->cur, prev, &x->o.t, &x->vs);
	*level = nt_verdicts_worst(&x->vs);
	r = render(x->g, &x->o, &x->cur, x->src, b->kind, b->dt, b->sample, &x->vs);
	if (r) {
		output_error(r);
		return NT_EXIT_UNKNOWN;
	}
	return 0;
}

static void rotate(void *data)
{
	struct link_run *x = data;
	struct nt_link_list tmp = x->prev;

	x->prev = x->cur;
	x->cur = tmp;
	x->cur.n = 0;
}

static void save(void *data)
{
	struct link_run *x = data;

	finish(x->g, &x->h, x->src);
}

static const struct nt_sampler link_sampler = { take, history, judge, rotate, save };

int cmd_link(int argc, char **argv, struct nt_global *g)
{
	struct link_run x = { .g = g, .src = SRC_NETLINK };
	int rc, r;

	r = parse_opts(argc, argv, &x.o);
	if (r)
		return r > 0 ? NT_EXIT_OK : NT_EXIT_USAGE;
	if ((r = nt_priv_restrict("link", g, 0)))
		return r;
	rc = nt_sample_run(g, &link_sampler, &x);
	nt_hist_free(&x.h);
	nt_verdicts_free(&x.vs);
	nt_link_list_free(&x.cur);
	nt_link_list_free(&x.prev);
	return rc;
}
