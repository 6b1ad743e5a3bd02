/* nettriage path A B C: several targets at once, after cmd_path parsed
 * the first one, opened the --log file and the --rate bucket and kept
 * the capabilities the sockets need: one state per target (the options,
 * then that operand), every socket opened, one drop, a thread per target,
 * one section and one verdict set per target, the exit status the worst. */
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nettriage.h"
#include "nt_layer.h"
#include "path_int.h"

/* One target of `path A B C`: its own state, measured in its own thread. */
struct ptarget {
	struct path_st *x;
	struct nt_layer_ctx c;
	struct nt_verdicts vs;
	struct nt_path_log log;
	pthread_t th;
	bool started, failed;
};

static void *collect_thread(void *arg)
{
	struct ptarget *t = arg;

	if (nt_layer_path.collect(t->x, &t->c))
		t->failed = true;
	return NULL;
}

/* The state of target k: the options before the operands, then that
 * operand alone (after a "--", unless the options ended with one). */
static int parse_target(struct path_st *x, int argc, char **argv, int first, int k)
{
	char **av = calloc((size_t)first + 3, sizeof(*av));
	int n = 0, i, r;

	(void)argc;
	if (!av) {
		nt_err("path", "out of memory");
		return -1;
	}
	for (i = 0; i < first; i++)
		av[n++] = argv[i];
	if (!first || strcmp(argv[first - 1], "--"))
		av[n++] = (char *)"--";
	av[n++] = argv[first + k];
	r = nt_path_parse_opts(x, n, av);
	free(av);
	return r;
}

/* CSV of several targets: one header line. */
static void csv_multi(struct ptarget *t, int n)
{
	int k;

	for (k = 0; k < n; k++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *m;
		const char *body;

		if (!t[k].x->collected)
			continue;
		m = open_memstream(&buf, &len);
		if (!m)
			continue;
		nt_path_print_csv(m, t[k].x->rows, t[k].x->n, t[k].x->p->target);
		fclose(m);
		body = buf;
		if (k && (body = strstr(buf, "\r\n")))
			body += 2;
		if (body)
			fputs(body, stdout);
		free(buf);
	}
}

/* -j / --prom of several targets: {"targets": [one complete path
 * document per target], "verdicts": [all of them], "status"}; in
 * Prometheus each metric family once, a series per target. */
static int render_multi(struct ptarget *t, int n, const struct nt_global *g,
			const struct nt_verdicts *all)
{
	const struct nt_baseline b = { .kind = "none", .since = "" };
	const struct nt_layer_ctx c = { .g = g };
	struct nt_global gg = *g;
	struct nt_doc d;
	int k, r;

	r = nt_doc_init(&d, "path", g);
	if (r)
		return r;
	nt_doc_open(&d, "targets", true);
	for (k = 0; k < n; k++) {
		nt_doc_open(&d, NULL, false);
		nt_doc_header(&d);
		if (t[k].x->collected) {
			nt_layer_path.emit(t[k].x, &d, &c, &b);
		} else {
			nt_doc_set(&d, "target", json_pack("{s:s}", "host", t[k].x->o.target));
			nt_doc_set(&d, "error", json_string(t[k].c.why));
		}
		nt_doc_verdicts(&d, &t[k].vs); /* JSON and the series */
		nt_doc_close(&d);
	}
	nt_doc_close(&d);
	if (d.json) {
		r = nt_json_verdicts(&d, all);
		if (r)
			goto out;
	}
	/* several targets' expositions in one: each family once */
	gg.all_netns = true;
	if (!gg.prom_sink)
		d.g = &gg;
	r = nt_doc_emit(&d);
out:
	nt_doc_free(&d);
	return r;
}

int nt_path_cmd_multi(struct path_st *x0, int argc, char **argv, struct nt_global *g,
		      struct nt_probe_rate *rate, int logfd)
{
	const struct nt_layer *L = &nt_layer_path;
	const struct nt_baseline b = { .kind = "none", .since = "" };
	int n = x0->o.noperands, first = x0->o.first_operand, k, r;
	struct nt_verdicts all = { 0 };
	struct nt_path_group *grp = NULL;
	struct ptarget *t;
	sigset_t stop, old;
	int rc = NT_EXIT_UNKNOWN;

	t = calloc((size_t)n, sizeof(*t));
	if (!t) {
		nt_err("path", "out of memory");
		return NT_EXIT_UNKNOWN;
	}
	for (k = 0; k < n; k++) {
		t[k].c.g = g;
		if (!k) {
			t[k].x = x0;
			continue;
		}
		t[k].x = calloc(1, L->size);
		if (!t[k].x) {
			nt_err("path", "out of memory");
			goto out;
		}
		r = parse_target(t[k].x, argc, argv, first, k);
		if (r) {
			rc = NT_EXIT_USAGE;
			goto out;
		}
	}
	if (n > NT_PATH_GROUP_MAX) {
		nt_err("path", "at most %d targets (got %d)", NT_PATH_GROUP_MAX, n);
		rc = NT_EXIT_USAGE;
		goto out;
	}
	{
		void *st[NT_PATH_GROUP_MAX] = { 0 };

		for (k = 0; k < n; k++)
			st[k] = t[k].x;
		grp = nt_path_group_new(st, n);
	}
	if (!grp) {
		nt_err("path", "out of memory");
		goto out;
	}
	for (k = 0; k < n; k++) {
		struct path_st *x = t[k].x;

		x->o.rate = x0->o.rate;
		x->o.po.rate = rate;
		if (logfd >= 0) {
			t[k].log.fd = logfd;
			t[k].log.target = x->o.target;
			x->log = &t[k].log;
		}
		if (L->open(x, &t[k].c)) {
			nt_err("path", "%s", t[k].c.why);
			goto out;
		}
		/* each target that fell back to UDP says so (its name first:
		 * a target of another family may not have) */
		if (nt_path_fallback_note(x))
			nt_note("path", "%s: %s", x->o.target, nt_path_fallback_note(x));
	}
	/* --report on a terminal: the progress, of the first target (all
	 * run the same cycles at once) */
	if (g->format == NT_FMT_TABLE && !x0->o.csv && !g->quiet && isatty(STDERR_FILENO))
		x0->on_event = nt_path_progress_event;
	r = nt_probe_drop_privs();
	if (r) {
		nt_err("path", "dropping privileges: %s", strerror(-r));
		goto out;
	}
	/* a stop signal goes to a probe thread, waiting in ppoll with it
	 * unblocked (nt_probe_run), not to this one waiting in join */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	for (k = 0; k < n; k++)
		t[k].started = pthread_create(&t[k].th, NULL, collect_thread, &t[k]) == 0;
	for (k = 0; k < n; k++) {
		if (t[k].started)
			pthread_join(t[k].th, NULL);
		else
			snprintf(t[k].c.why, sizeof(t[k].c.why), "%s: could not start a probe thread",
				 t[k].x->o.target);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (x0->on_event == nt_path_progress_event)
		nt_path_progress_end();
	for (k = 0; k < n; k++) {
		struct nt_verdict *v;
		size_t i;

		if (t[k].x->collected) {
			L->judge(t[k].x, &b, &t[k].vs);
		} else {
			v = nt_verdict_add(&t[k].vs, "path.reach", t[k].x->o.target, NT_UNKNOWN,
					   NAN, NAN);
			if (v)
				snprintf(v->reason, sizeof(v->reason), "not measured: %s", t[k].c.why);
		}
		for (i = 0; i < t[k].vs.n; i++) {
			v = nt_verdict_add(&all, "", "", NT_OK, NAN, NAN);
			if (!v) {
				nt_err("path", "out of memory");
				goto out;
			}
			*v = t[k].vs.v[i];
		}
	}
	if (x0->o.csv) {
		csv_multi(t, n);
	} else if (g->format == NT_FMT_TABLE) {
		const struct nt_layer_ctx c = { .g = g };

		for (k = 0; k < n; k++) {
			if (k)
				putchar('\n');
			if (!t[k].x->collected)
				printf("nettriage path to %s: %s\n", t[k].x->o.target, t[k].c.why);
			else if (!g->quiet)
				L->table(t[k].x, stdout, &c, &b, &t[k].vs);
			nt_verdicts_print(stdout, "path", &t[k].vs, g->color, g->quiet);
		}
	}
	if ((g->format != NT_FMT_TABLE && !x0->o.csv) || g->prom_file) {
		r = render_multi(t, n, g, &all);
		if (r) {
			nt_err("path", "output: %s", strerror(-r));
			goto out;
		}
	}
	for (k = 0; k < n; k++)
		nt_path_log_report(t[k].x);
	rc = nt_level_exit(nt_verdicts_worst(&all));
out:
	for (k = 0; k < n; k++) {
		nt_verdicts_free(&t[k].vs);
		free(t[k].log.buf);
		if (k && t[k].x) { /* x0 is the caller's */
			L->free(t[k].x);
			free(t[k].x);
		}
	}
	nt_verdicts_free(&all);
	free(t);
	nt_path_group_free(grp);
	return rc;
}
