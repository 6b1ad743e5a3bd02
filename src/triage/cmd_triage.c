/* nettriage triage: every local layer, then path to each target given; one
 * verdict per check, the lowest layer at fault, the worst level as the
 * exit status. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "nettriage.h"
#include "nt_cmd.h"
#include "nt_escape.h"
#include "nt_layer.h"
#include "nt_priv.h"
#include "nt_triage.h"
#include "triage.h"

const char cmd_triage_usage[] =
	"usage: nettriage triage [OPTIONS] [HOST[:PORT]...]\n\n"
	"Every local layer at once (link, conntrack, tcp), and path to each HOST\n"
	"given, concurrently: one verdict per check, then the lowest layer at\n"
	"fault. The worst level is the exit status. Without -i, rates compare\n"
	"with the previous run; with -i SEC each local layer is sampled twice,\n"
	"SEC apart, and judged over the interval. Path: -c cycles (default 10)\n"
	"every -i SEC (default 0.2). `nettriage` alone runs `nettriage triage`.\n\n"
	"Options:\n"
	"  -a, --all              also list the checks that are OK\n"
	"      --save-baseline[=FILE]\n"
	"                         save this run's figures as the healthy baseline\n"
	"      --baseline[=FILE]  compare with a saved baseline: a BASELINE column,\n"
	"                         and a WARN CHECK.changed where a figure is >= 5x\n"
	"                         its baseline and a tenth of the threshold above it\n"
	"                         (FILE: default baseline-HOST-NETNS.json in\n"
	"                         /var/lib/nettriage for root)\n"
	"      --capture SEC      also capture SEC seconds of TCP on the wire (the\n"
	"                         capture layer, as `nettriage capture -d IFACE -t SEC`)\n"
	"  -d, --device IFACE     --capture's interface (\"any\": every interface)\n"
	"      --capture-filter EXPR\n"
	"                         --capture's BPF filter (one argument)\n"
	"  -h, --help             this help\n";

static const struct option opts_long[] = {
	{ "all", no_argument, NULL, 'a' },
	{ "save-baseline", optional_argument, NULL, 'S' },
	{ "baseline", optional_argument, NULL, 'B' },
	{ "capture", required_argument, NULL, 'P' },
	{ "device", required_argument, NULL, 'd' },
	{ "capture-filter", required_argument, NULL, 'F' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

const struct nt_cmd_opts cmd_triage_opts = { "+:ad:h", opts_long };

static int parse_opts(int argc, char **argv, struct nt_triage_opts *o)
{
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, cmd_triage_opts.shortopts, opts_long, NULL)) != -1) {
		switch (c) {
		case 'a': o->all = true; break;
		case 'S': o->save_baseline = true; o->save_file = optarg; break;
		case 'B': o->baseline = true; o->base_file = optarg; break;
		case 'P':
			if (nt_opt_double("triage", "--capture", optarg, 0.001, 3600, &o->capture_s))
				return -1;
			break;
		case 'd': o->capture_dev = optarg; break;
		case 'F': o->capture_filter = optarg; break;
		case 'h': fputs(cmd_triage_usage, stdout); putchar('\n');
			nt_usage_globals(stdout); return 1;
		case ':':
			nt_err("triage", "%s: missing argument", argv[optind - 1]);
			return -1;
		default:
			nt_err("triage", "unknown option: %s (see nettriage triage --help)",
			       argv[optind - 1]);
			return -1;
		}
	}
	if ((o->save_file && !*o->save_file) || (o->base_file && !*o->base_file)) {
		nt_err("triage", "--save-baseline/--baseline: empty file name");
		return -1;
	}
	if ((o->capture_s > 0) != (o->capture_dev != NULL) ||
	    (o->capture_filter && !o->capture_dev)) {
		nt_err("triage", "--capture SEC, -d IFACE (and --capture-filter) go together");
		return -1;
	}
	o->targets = argv + optind;
	o->ntargets = argc - optind;
	return 0;
}

/* Table: a line per layer, the rows that are not OK (all with -a), then
 * the first fault. */
static void print_table(const struct nt_triage *t, bool all)
{
	const struct nt_tverdict *ff = nt_triage_first_fault(&t->rows);
	bool sweep = t->g->all_netns; /* rows name their namespace */
	struct nt_tverdict *show;
	size_t i, n = 0, bad = 0;
	char text[4 * sizeof(ff->reason)], subj[4 * sizeof(ff->subject)];

	for (i = 0; i < t->rows.n; i++)
		bad += t->rows.v[i].level_code != NT_OK;
	if (!t->g->quiet) {
		show = malloc((t->rows.n ? t->rows.n : 1) * sizeof(*show));
		for (i = 0; show && i < t->rows.n; i++)
			if (all || t->rows.v[i].level_code != NT_OK)
				show[n++] = t->rows.v[i];
		if (n)
			nt_table_print(stdout, &nt_tverdict_rectype, show, n,
				       NT_TV_TABLE | (t->g->all_netns ? NT_TV_SWEEP : 0) |
				       (t->o.baseline ? NT_TV_BASELINE : 0),
				       NULL, false);
		free(show);
		/* the reasons of what is not OK, which the table has no room for */
		for (i = 0; i < t->rows.n; i++) {
			const struct nt_tverdict *r = &t->rows.v[i];

			if (r->level_code == NT_OK)
				continue;
			nt_escape_text(subj, sizeof(subj), r->subject);
			nt_escape_text(text, sizeof(text), r->reason);
			printf("%-7s %s%s%s%s%s: %s\n", nt_level_upper((enum nt_level)r->level_code),
			       sweep ? r->netns : "", sweep ? ": " : "",
			       r->check, r->subject[0] ? " " : "", subj, text);
		}
	}
	if (ff) {
		nt_escape_text(subj, sizeof(subj), ff->subject);
		nt_escape_text(text, sizeof(text), ff->reason);
		printf("first fault: %s%s%s: %s%s%s: %s (%s)\n",
		       sweep ? ff->netns : "", sweep ? ": " : "",
		       ff->layer, ff->check, ff->subject[0] ? " " : "", subj, text,
		       nt_level_upper((enum nt_level)ff->level_code));
	} else {
		printf("no fault found in %zu checks%s\n", t->rows.n,
		       !bad ? "" : t->g->quiet ? " (some could not be measured: run without -q)" :
		       " (some could not be measured: see UNKNOWN above)");
	}
}

static void doc_first_fault(struct nt_doc *d, const struct nt_tverdicts *rows)
{
	const struct nt_tverdict *ff = nt_triage_first_fault(rows);

	if (!ff) {
		nt_doc_set(d, "first_fault", json_null());
		return;
	}
	nt_doc_set(d, "first_fault", json_pack("{s:s, s:o, s:s, s:s, s:s, s:s}",
		"layer", ff->layer,
		"netns", (ff->avail >> NT_TV_HAVE_NETNS) & 1 ? json_string(ff->netns) : json_null(),
		"check", ff->check, "subject", ff->subject, "level", ff->level,
		"reason", ff->reason));
}

static void summary(const struct nt_tverdicts *rows, struct nt_tsummary *s)
{
	struct timespec ts;
	size_t i;

	memset(s, 0, sizeof(*s));
	s->checks = (uint32_t)rows->n;
	for (i = 0; i < rows->n; i++)
		s->not_ok += rows->v[i].level_code != NT_OK;
	snprintf(s->level, sizeof(s->level), "%s", nt_level_name(nt_triage_worst(rows)));
	clock_gettime(CLOCK_REALTIME, &ts);
	s->timestamp_seconds = (uint64_t)ts.tv_sec;
}

static int baseline_path(const struct nt_global *g, const char *given,
			 char *buf, size_t len)
{
	int r;

	if (given) {
		if (snprintf(buf, len, "%s", given) >= (int)len)
			return -ENAMETOOLONG;
		return 0;
	}
	r = nt_tb_default_path(g->netns, buf, len);
	return r;
}

/* --baseline: read it before measuring, so that a bad file costs no run. */
static int baseline_load(const struct nt_global *g, const struct nt_triage_opts *o,
			 struct nt_tb *b, char *path, size_t len)
{
	char err[256];
	int r = baseline_path(g, o->base_file, path, len);

	if (r) {
		nt_err("triage", "--baseline: no default file (%s): give --baseline=FILE",
		       strerror(-r));
		return NT_EXIT_UNKNOWN;
	}
	if (nt_tb_load(path, b, err, sizeof(err))) {
		nt_err("triage", "--baseline %s: %s", path, err);
		return NT_EXIT_UNKNOWN;
	}
	if (b->other_boot || b->other_kernel)
		nt_note("triage", "baseline %s was saved %s on %s%s%s; still compared",
			path, b->saved, b->other_boot ? "another boot" : "this boot",
			b->other_kernel ? ", kernel " : "", b->other_kernel ? b->kernel : "");
	return 0;
}

/* 0, or NT_EXIT_UNKNOWN when asked to save and it could not. */
static int baseline_save(const struct nt_triage *t)
{
	char path[512];
	size_t n = 0;
	int r = baseline_path(t->g, t->o.save_file, path, sizeof(path));

	if (!r)
		r = nt_tb_save(path, &t->rows, &n);
	if (r) {
		nt_err("triage", "--save-baseline %s: %s", r == -ENOENT ? "(no default file)" : path,
		       strerror(-r));
		return NT_EXIT_UNKNOWN;
	}
	if (!t->g->quiet)
		nt_note("triage", "baseline saved to %s (%zu figures%s)", path, n,
			nt_triage_worst(&t->rows) == NT_OK ? "" :
			"; this run was not all OK: is it a healthy period?");
	return 0;
}

int cmd_triage(int argc, char **argv, struct nt_global *g)
{
	struct nt_triage t = { .g = g };
	struct nt_tsummary s;
	struct nt_tb base = { 0 };
	struct nt_doc d;
	struct nt_global gg;
	char bpath[512];
	bool doc = g->format != NT_FMT_TABLE || g->prom_file;
	int r, rc, save_rc = 0;

	r = parse_opts(argc, argv, &t.o);
	if (r)
		return r > 0 ? NT_EXIT_OK : NT_EXIT_USAGE;
	if (t.o.baseline && (rc = baseline_load(g, &t.o, &base, bpath, sizeof(bpath))))
		return rc;
	if (doc) {
		r = nt_doc_init(&d, "triage", g);
		if (r) {
			nt_err("triage", "output: %s", strerror(-r));
			return NT_EXIT_UNKNOWN;
		}
		t.doc = &d;
	}
	rc = nt_triage_run(&t);
	if (rc == 0 && t.o.save_baseline)
		save_rc = baseline_save(&t);
	if (rc == 0 && t.o.baseline) {
		size_t matched = 0;

		if (nt_tb_apply(&base, &t.rows, &matched)) {
			nt_err("triage", "out of memory");
			rc = NT_EXIT_UNKNOWN;
		} else if (!matched && base.n) {
			nt_note("triage", "baseline %s: none of its %zu figures matches a check of this run (saved in another namespace, or with other targets?)",
				bpath, base.n);
		}
	}
	if (rc == 0 && g->all_netns)
		nt_triage_sort_worst(&t.rows);
	if (rc == 0) {
		if (g->format == NT_FMT_TABLE)
			print_table(&t, t.o.all);
		if (doc) {
			summary(&t.rows, &s);
			nt_doc_records(&d, &nt_tverdict_rectype, t.rows.v, t.rows.n,
				       NT_TV_JSON);
			doc_first_fault(&d, &t.rows);
			if (t.o.baseline)
				nt_doc_set(&d, "baseline_file", json_pack("{s:s, s:s, s:b, s:b}",
					"path", bpath, "saved", base.saved,
					"other_boot", base.other_boot, "other_kernel", base.other_kernel));
			else
				nt_doc_set(&d, "baseline_file", json_null());
			nt_doc_object(&d, &nt_tsummary_rectype, &s, NT_F_INFO);
			/* several path targets write the path families once
			 * each: regroup the exposition (each family once), as
			 * for --all-netns */
			gg = *g;
			gg.all_netns = true;
			if (!gg.prom_sink)
				d.g = &gg;
			r = nt_doc_emit(&d);
			if (r && r != -EIO)
				nt_err("triage", "output: %s", strerror(-r));
			if (r)
				rc = NT_EXIT_UNKNOWN;
		}
		if (!rc)
			rc = nt_level_exit(nt_triage_worst(&t.rows));
		/* a baseline asked for and not saved: could not do the job */
		if (save_rc && rc != NT_EXIT_USAGE)
			rc = NT_EXIT_UNKNOWN;
	}
	if (doc)
		nt_doc_free(&d);
	nt_tverdicts_free(&t.rows);
	nt_tb_free(&base);
	return rc;
}
