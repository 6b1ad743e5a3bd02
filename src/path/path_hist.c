/* The destination's latency histogram (nt_hist, path_stats.c) as text
 * rows at the end of --report, as the JSON "histogram" array and as a
 * Prometheus histogram per target. */
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include "nt_path.h"

/* Every RTT the destination answered with at its TTL (every responder
 * of that hop that is the destination). false when not reached. */
bool nt_path_dst_hist(const struct nt_path *p, struct nt_hist *h)
{
	const struct nt_path_hop *dh = nt_path_dst_hop(p);
	const struct nt_path_resp *r;

	memset(h, 0, sizeof(*h));
	if (!dh)
		return false;
	for (r = dh->resp; r; r = r->next)
		if (r->is_dst)
			nt_hist_add_stats(h, &r->st);
	return true;
}

/* The non-empty range of buckets: [*lo, *hi]; false when empty. */
static bool span(const struct nt_hist *h, size_t *lo, size_t *hi)
{
	size_t i;
	bool any = false;

	for (i = 0; i <= NT_HIST_N; i++)
		if (h->count[i]) {
			if (!any)
				*lo = i;
			*hi = i;
			any = true;
		}
	return any;
}

static void le_text(char *b, size_t len, size_t i)
{
	double le = nt_hist_le(i);

	if (!isfinite(le))
		snprintf(b, len, "+Inf");
	else if (le < 1)
		snprintf(b, len, "%.2f", le);
	else if (le < 100)
		snprintf(b, len, "%.1f", le);
	else
		snprintf(b, len, "%.0f", le);
}

void nt_path_print_hist(FILE *f, const struct nt_path *p)
{
	struct nt_hist h;
	uint64_t mx = 0;
	size_t i, lo = 0, hi = 0;
	char le[32];

	if (!nt_path_dst_hist(p, &h) || !span(&h, &lo, &hi))
		return;
	for (i = lo; i <= hi; i++)
		if (h.count[i] > mx)
			mx = h.count[i];
	fprintf(f, "RTT histogram to the destination (%" PRIu64 " replies, buckets double from %.2f ms):\n",
		h.total, NT_HIST_FIRST_MS);
	for (i = lo; i <= hi; i++) {
		int w = (int)((h.count[i] * 40 + mx - 1) / mx), k;

		le_text(le, sizeof(le), i);
		fprintf(f, "  <= %7s ms %6" PRIu64 " ", le, h.count[i]);
		for (k = 0; k < w; k++)
			fputc('#', f);
		fputc('\n', f);
	}
}

json_t *nt_path_hist_json(const struct nt_path *p)
{
	struct nt_hist h;
	size_t i, lo = 0, hi = 0;
	json_t *a;

	if (!nt_path_dst_hist(p, &h))
		return json_null();
	a = json_array();
	if (!a)
		return NULL;
	if (span(&h, &lo, &hi))
		for (i = lo; i <= hi && i < NT_HIST_N; i++)
			json_array_append_new(a, json_pack("{s:f, s:I}", "le_ms", nt_hist_le(i),
							   "count", (json_int_t)h.count[i]));
	/* the +Inf bucket is always there ("le_ms": null: JSON has no Inf) */
	json_array_append_new(a, json_pack("{s:n, s:I}", "le_ms", "count",
					   (json_int_t)h.count[NT_HIST_N]));
	return a;
}

static void labels(FILE *f, const char *netns, const char *target, const char *le)
{
	nt_path_prom_labels(f, netns, target);
	if (le)
		fprintf(f, ",le=\"%s\"", le);
	fputc('}', f);
}

void nt_path_prom_hist(FILE *f, const struct nt_path *p, const char *netns, bool header)
{
	struct nt_hist h;
	uint64_t cum = 0;
	char le[32];
	size_t i;

	if (header)
		fputs("# HELP nettriage_path_destination_rtt_seconds RTT of the destination's replies (log-spaced buckets)\n"
		      "# TYPE nettriage_path_destination_rtt_seconds histogram\n", f);
	if (!nt_path_dst_hist(p, &h))
		return; /* not reached: no series (nettriage_path_reached says 0) */
	for (i = 0; i <= NT_HIST_N; i++) {
		cum += h.count[i];
		if (i < NT_HIST_N)
			snprintf(le, sizeof(le), "%.9g", nt_hist_le(i) / 1000.0);
		else
			snprintf(le, sizeof(le), "+Inf");
		fputs("nettriage_path_destination_rtt_seconds_bucket", f);
		labels(f, netns, p->target, le);
		fprintf(f, " %" PRIu64 "\n", cum);
	}
	fputs("nettriage_path_destination_rtt_seconds_sum", f);
	labels(f, netns, p->target, NULL);
	fprintf(f, " %.9g\n", h.sum_ms / 1000.0);
	fputs("nettriage_path_destination_rtt_seconds_count", f);
	labels(f, netns, p->target, NULL);
	fprintf(f, " %" PRIu64 "\n", h.total);
}
