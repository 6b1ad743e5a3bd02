/* path: the live view of the command on a terminal. The screen is redrawn
 * from the model after a cycle's probes are out (numeric: reverse DNS
 * comes after the run), at most every 0.2 s; triage never sets it. */
#include <stdio.h>
#include <stdlib.h>
#include "nettriage.h"
#include "path_int.h"

#define CLEAR "\033[H\033[2J"

static void draw(const struct path_st *x)
{
	struct nt_path_row *rows;
	size_t n;

	if (nt_path_rows(x->p, true, &rows, &n))
		return;
	fputs(CLEAR, stdout);
	printf("nettriage path to %s: cycle %ld (live; ^C stops)\n", x->p->target,
	       x->p->cycles);
	nt_path_print_table(stdout, x->p, rows, n, x->local);
	fflush(stdout);
	free(rows);
}

void nt_path_live_cycle(void *arg, const struct path_st *x, long cycle)
{
	struct nt_path_live *l = arg;

	if (cycle > 1 && nt_now_mono() - l->last_draw > 0.2) {
		draw(x);
		l->last_draw = nt_now_mono();
	}
}

void nt_path_live_clear(void)
{
	fputs(CLEAR, stdout);
}
