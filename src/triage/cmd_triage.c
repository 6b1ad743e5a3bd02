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
	"Every local layer at once (link, conntrack, tcp), then path to each HOST\n"
	"given, concurrently: one verdict per check, then the lowest layer at\n"
	"fault. The worst level is the exit status. Without -i, rates compare\n"
	"with the previous run; with -i SEC each local layer is sampled twice,\n"
	"SEC apart, and judged over the interval. Path: -c cycles (default 10)\n"
	"every -i SEC (default 0.2). `nettriage` alone runs `nettriage triage`.\n\n"
	"Options:\n"
	"  -a, --all              also list the checks that are OK\n"
	"  -h, --help             this help\n";

static const struct option opts_long[] = {
	{ "all", no_argument, NULL, 'a' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

const struct nt_cmd_opts cmd_triage_opts = { "+:ah", opts_long };

static int parse_opts(int argc, char **argv, struct nt_triage_opts *o)
{
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, cmd_triage_opts.shortopts, opts_long, NULL)) != -1) {
		switch (c) {
		case 'a': o->all = true; break;
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
				       NT_TV_TABLE | (t->g->all_netns ? NT_TV_SWEEP : 0),
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
		       bad ? " (some could not be measured: see UNKNOWN above)" : "");
	}
}

static void doc_first_fault(struct nt_doc *d, const struct nt_tverdicts *rows)
{
	const struct nt_tverdict *ff = nt_triage_first_fault(rows);

	if (!ff) {
		nt_doc_set(d, "first_fault", json_null());
		return;
	}
	nt_doc_set(d, "first_fault", json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
		"layer", ff->layer, "netns", ff->netns, "check", ff->check,
		"subject", ff->subject, "level", ff->level, "reason", ff->reason));
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

int cmd_triage(int argc, char **argv, struct nt_global *g)
{
	struct nt_triage t = { .g = g };
	struct nt_tsummary s;
	struct nt_doc d;
	bool doc = g->format != NT_FMT_TABLE || g->prom_file;
	int r, rc;

	r = parse_opts(argc, argv, &t.o);
	if (r)
		return r > 0 ? NT_EXIT_OK : NT_EXIT_USAGE;
	if (doc) {
		r = nt_doc_init(&d, "triage", g);
		if (r) {
			nt_err("triage", "output: %s", strerror(-r));
			return NT_EXIT_UNKNOWN;
		}
		t.doc = &d;
	}
	rc = nt_triage_run(&t);
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
			nt_doc_object(&d, &nt_tsummary_rectype, &s, NT_F_INFO);
			r = nt_doc_emit(&d);
			if (r && r != -EIO)
				nt_err("triage", "output: %s", strerror(-r));
			if (r)
				rc = NT_EXIT_UNKNOWN;
		}
		if (!rc)
			rc = nt_level_exit(nt_triage_worst(&t.rows));
	}
	if (doc)
		nt_doc_free(&d);
	nt_tverdicts_free(&t.rows);
	return rc;
}
