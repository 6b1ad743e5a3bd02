/* Test helper for tests/net/path_threads.sh: drives nt_layer_path the way
 * triage does. Every target gets its own state: parse_opts and open in the
 * main thread while privileged, then ONE privilege drop for all (uid kept,
 * every capability but CAP_NET_ADMIN gone), then every collect at once,
 * one thread per target, while the main thread collects the link layer.
 * After the joins, each target is judged and written as one `path -j`
 * document (the layer's emit plus its verdicts).
 *
 *   lib_path_threads [-n] [-c N] [-i SEC] SPEC...
 * SPEC is the path operand with its options, split on spaces
 * ("--udp 2001:db8:4::2"); -n is triage's numeric flag (g->numeric).
 * stdout, in this order:
 *   open: uid U caps-kept 0|1           after every open, before the drop
 *   link: N verdicts                     the main thread's layer
 *   thread K: start S end E rc R         monotonic seconds, per target
 *   one JSON document per target, or "error K: WHY" for a failed collect
 * Exit 0 when everything ran (whatever the verdicts), 1 otherwise. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nettriage.h"
#include "nt_layer.h"
#include "nt_priv.h"

#define MAXT 8
#define MAXARG 16

struct job {
	void *st;
	struct nt_layer_ctx c;
	struct nt_global g;  /* this thread's copy, as triage passes one */
	double start, end;
	int rc;
	char spec[256];
	char *argv[MAXARG + 1];
	int argc;
};

static void *run(void *arg)
{
	struct job *j = arg;

	j->start = nt_now_mono();
	j->rc = nt_layer_path.collect(j->st, &j->c);
	j->end = nt_now_mono();
	return NULL;
}

/* "OPT... HOST" into {"path", OPT..., "--", HOST}: the argv triage
 * passes (options in canonical form, then "--" and the operand). */
static int split(struct job *j, const char *spec)
{
	char *tok[MAXARG], *s, *save = NULL;
	int k, nt = 0;

	if (strlen(spec) >= sizeof(j->spec))
		return -1;
	memcpy(j->spec, spec, strlen(spec) + 1);
	for (s = j->spec; (tok[nt] = strtok_r(s, " ", &save)); s = NULL)
		if (++nt == MAXARG - 2)
			return -1;
	if (!nt)
		return -1;
	j->argv[j->argc++] = "path";
	for (k = 0; k < nt - 1; k++)
		j->argv[j->argc++] = tok[k];
	j->argv[j->argc++] = "--";
	j->argv[j->argc++] = tok[nt - 1];
	j->argv[j->argc] = NULL;
	return 0;
}

int main(int argc, char **argv)
{
	static const int keep[] = { CAP_NET_ADMIN };
	struct nt_global g = { .format = NT_FMT_JSON };
	struct job jobs[MAXT];
	pthread_t th[MAXT];
	void *link = NULL;
	struct nt_layer_ctx lc = { .g = &g };
	uint64_t eff, prm, inh;
	int i, n = 0, c, rc = 0;

	memset(jobs, 0, sizeof(jobs));
	while ((c = getopt(argc, argv, "+nc:i:")) != -1) {
		switch (c) {
		case 'n': g.numeric = true; break;
		case 'c': g.count = atol(optarg); break;
		case 'i': g.interval = atof(optarg); break;
		default: return 2;
		}
	}
	if (optind >= argc || argc - optind > MAXT) {
		fprintf(stderr, "usage: lib_path_threads [-n] [-c N] [-i SEC] SPEC...\n");
		return 2;
	}
	for (i = optind; i < argc; i++, n++) {
		struct job *j = &jobs[n];

		j->g = g;
		j->c.g = &j->g;
		j->st = calloc(1, nt_layer_path.size);
		if (!j->st || split(j, argv[i]) ||
		    nt_layer_path.parse_opts(j->st, j->argc, j->argv)) {
			fprintf(stderr, "lib_path_threads: %s: bad spec\n", argv[i]);
			return 1;
		}
		if (nt_layer_path.open(j->st, &j->c)) {
			printf("error %d: open: %s\n", n, j->c.why);
			rc = 1;
		}
	}
	/* open changed nothing: still the same uid and CAP_NET_RAW */
	if (nt_priv_get(&eff, &prm, &inh))
		return 1;
	printf("open: uid %d caps-kept %d\n", (int)getuid(),
	       (eff >> CAP_NET_RAW) & 1 ? 1 : 0);
	fflush(stdout);
	/* triage's one drop, before any thread exists */
	if (nt_priv_keep(keep, 1)) {
		fprintf(stderr, "lib_path_threads: nt_priv_keep failed\n");
		return 1;
	}
	for (i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, run, &jobs[i])) {
			fprintf(stderr, "lib_path_threads: pthread_create failed\n");
			return 1;
		}
	/* the main thread collects another layer meanwhile */
	link = calloc(1, nt_layer_link.size);
	{
		char *largv[] = { "link", NULL };

		optind = 0; /* getopt's state is global: reset per layer */
		if (!link || nt_layer_link.parse_opts(link, 1, largv) ||
		    nt_layer_link.collect(link, &lc)) {
			printf("error link: %s\n", lc.why);
			rc = 1;
		} else {
			struct nt_verdicts lv = { 0 };
			struct nt_baseline b;

			nt_baseline_first(&b, false, 0);
			nt_layer_link.judge(link, &b, &lv);
			printf("link: %zu verdicts\n", lv.n);
			nt_verdicts_free(&lv);
		}
	}
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < n; i++)
		printf("thread %d: start %.6f end %.6f rc %d\n", i, jobs[i].start,
		       jobs[i].end, jobs[i].rc);
	for (i = 0; i < n; i++) {
		struct job *j = &jobs[i];
		struct nt_verdicts vs = { 0 };
		const struct nt_baseline b = { .kind = "none", .since = "" };
		struct nt_doc d;

		if (j->rc) {
			printf("error %d: %s\n", i, j->c.why);
			continue;
		}
		nt_layer_path.judge(j->st, &b, &vs);
		fflush(stdout);
		if (nt_doc_init(&d, "path", &j->g) == 0) {
			nt_layer_path.emit(j->st, &d, &j->c, &b);
			nt_doc_verdicts(&d, &vs);
			if (nt_doc_emit(&d))
				rc = 1;
			nt_doc_free(&d);
		} else {
			rc = 1;
		}
		nt_verdicts_free(&vs);
	}
	for (i = 0; i < n; i++) {
		nt_layer_path.free(jobs[i].st);
		free(jobs[i].st);
	}
	if (link)
		nt_layer_link.free(link);
	free(link);
	return rc;
}
