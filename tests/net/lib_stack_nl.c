/* Namespace-test helper for tests/net/stack_nl.sh: runs the stack
 * layer's netlink sources in the calling namespace and prints what they
 * return as one JSON document (through their field tables), with the
 * verdicts.
 *   lib_stack_nl qdisc STATE    qdiscs; STATE holds the previous sample
 *   lib_stack_nl neigh STATE    neighbour tables (STATE as above)
 *   lib_stack_nl udp N [procs]  the top N UDP sockets by drops
 * STATE is read when it exists (the baseline: rates, deltas, rises) and
 * then rewritten with this sample (nt_stack_nl_hist_put/get). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nettriage.h"
#include "nt_history.h"
#include "nt_output.h"
#include "nt_stack_nl.h"
#include "nt_verdict.h"

#define MASK (NT_F_ID | NT_F_INFO | NT_F_TOTAL | NT_F_RATE | NT_F_DELTA | NT_F_DEF)

static int load(const char *path, struct nt_hist *h)
{
	char *buf = NULL;
	size_t cap = 0;
	long n = nt_read_file_grow(path, &buf, &cap);
	int r;

	if (n < 0) {
		free(buf);
		return (int)n;
	}
	r = nt_hist_parse(buf, "boot", 0, "ns", "stack", h);
	free(buf);
	return r;
}

static int save(const char *path, struct nt_hist *h)
{
	char *text;
	FILE *f;
	int r = 0;

	h->t = nt_now_boot();
	text = nt_hist_format(h, "boot", 0, "ns", "stack");
	if (!text)
		return -ENOMEM;
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0)
		r = -errno;
	if (f && fclose(f) && !r)
		r = -errno;
	free(text);
	return r;
}

static int emit(const struct nt_rectype *rt, const void *recs, size_t n,
		const struct nt_verdicts *vs, const char *extra_key, json_t *extra)
{
	struct nt_global g = { .format = NT_FMT_JSON };
	struct nt_doc d;
	int r;

	if (nt_doc_init(&d, "stack", &g))
		return 1;
	r = nt_doc_records(&d, rt, recs, n, MASK);
	if (extra_key)
		nt_doc_set(&d, extra_key, extra);
	if (!r)
		r = nt_doc_verdicts(&d, vs);
	if (!r)
		r = nt_doc_emit(&d);
	nt_doc_free(&d);
	return r ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct nt_stack_nl_thresholds t;
	struct nt_verdicts vs = { 0 };
	struct nt_hist prev = { 0 }, next = { 0 };
	int r, rc = 1;
	bool have_prev = false;

	nt_stack_nl_thresholds_default(&t);
	if (argc < 3) {
		fprintf(stderr, "usage: lib_stack_nl qdisc|neigh STATE | udp N [procs]\n");
		return 64;
	}
	if (strcmp(argv[1], "udp")) {
		r = load(argv[2], &prev);
		if (r && r != -ENOENT) {
			fprintf(stderr, "lib_stack_nl: %s: %s\n", argv[2], strerror(-r));
			return 1;
		}
		have_prev = !r;
	}
	if (!strcmp(argv[1], "qdisc")) {
		struct nt_qdisc_list cur = { 0 }, old = { 0 };

		r = nt_stack_qdisc_dump(&cur);
		if (r) {
			fprintf(stderr, "lib_stack_nl: qdisc dump: %s\n", strerror(-r));
			goto out;
		}
		if (have_prev && nt_stack_nl_hist_get(&prev, &old, NULL) == 0)
			nt_stack_qdisc_rates(&cur, &old, nt_now_boot() - prev.t);
		nt_stack_qdisc_verdicts(&cur, have_prev, &t, &vs, "since the previous sample");
		if (nt_stack_nl_hist_put(&cur, NULL, &next) || save(argv[2], &next))
			goto out;
		rc = emit(&nt_qdisc_rectype, cur.v, cur.n, &vs, NULL, NULL);
		nt_qdisc_list_free(&cur);
		nt_qdisc_list_free(&old);
	} else if (!strcmp(argv[1], "neigh")) {
		struct nt_neightbl_list cur = { 0 }, old = { 0 };

		r = nt_stack_neightbl_dump(&cur);
		if (r) {
			fprintf(stderr, "lib_stack_nl: neightbl dump: %s\n", strerror(-r));
			goto out;
		}
		if (have_prev)
			(void)nt_stack_nl_hist_get(&prev, NULL, &old);
		nt_stack_neigh_verdicts(&cur, have_prev ? &old : NULL, &t, &vs,
					"since the previous sample");
		if (nt_stack_nl_hist_put(NULL, &cur, &next) || save(argv[2], &next))
			goto out;
		rc = emit(&nt_neightbl_rectype, cur.v, cur.n, &vs, NULL, NULL);
	} else if (!strcmp(argv[1], "udp")) {
		struct nt_udp_list l = { 0 };
		long n = strtol(argv[2], NULL, 10);

		r = nt_stack_udp_top(&l, n > 0 && n < 100000 ? (unsigned)n : 10,
				     argc > 3 && !strcmp(argv[3], "procs"));
		if (r) {
			fprintf(stderr, "lib_stack_nl: udp top: %s\n", strerror(-r));
			goto out;
		}
		rc = emit(&nt_udp_sock_rectype, l.v, l.n, &vs, "udp_seen",
			  json_integer((json_int_t)l.seen));
		nt_udp_list_free(&l);
	} else {
		fprintf(stderr, "lib_stack_nl: unknown mode %s\n", argv[1]);
		rc = 64;
	}
out:
	nt_hist_free(&prev);
	nt_hist_free(&next);
	nt_verdicts_free(&vs);
	return rc;
}
