/* Renderers: the document (JSON in out_json.c, Prometheus text exposition
 * in out_prom.c) and aligned tables, all driven by the same field tables. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nt_escape.h"
#include "nt_output.h"

static const void *fptr(const void *rec, const struct nt_field *f)
{
	return (const char *)rec + f->offset;
}

json_t *nt_field_json(const struct nt_rectype *rt, const void *rec,
		      const struct nt_field *f)
{
	double x;

	if (!nt_field_avail(rt, rec, f))
		return json_null();
	switch (f->type) {
	case NT_T_STR:
		return nt_json_text((const char *)fptr(rec, f));
	case NT_T_DOUBLE:
		x = nt_field_double(rec, f);
		if (!isfinite(x))
			return json_null();
		/* JSON has one number type: a whole value (most rates are 0)
		 * is written as an integer, which skips printf's floating
		 * point path, the bulk of the cost with thousands of records */
		if (x == trunc(x) && fabs(x) < 9007199254740992.0)
			return json_integer((json_int_t)x);
		return json_real(x);
	case NT_T_BOOL:
		return json_boolean(nt_field_u64(rec, f));
	case NT_T_I64:
		return json_integer((json_int_t)nt_field_i64(rec, f));
	case NT_T_U64:
	case NT_T_U32:
		/* json_int_t is signed 64-bit; kernel counters above 2^63 do
		 * not occur in practice, but never print them negative. */
		if (nt_field_u64(rec, f) > (uint64_t)INT64_MAX)
			return json_real((double)nt_field_u64(rec, f));
		return json_integer((json_int_t)nt_field_u64(rec, f));
	}
	return json_null();
}

int nt_doc_records(struct nt_doc *d, const struct nt_rectype *rt,
		   const void *recs, size_t n, unsigned mask)
{
	if (d->json) {
		int r = nt_json_records(d, rt, recs, n, mask);

		if (r)
			return r;
	}
	if (d->prom)
		nt_prom_records(d, rt, recs, n, mask);
	return 0;
}

int nt_doc_object(struct nt_doc *d, const struct nt_rectype *rt,
		  const void *rec, unsigned mask)
{
	if (d->json) {
		int r = nt_json_object(d, rt, rec, mask);

		if (r)
			return r;
	}
	if (d->prom)
		nt_prom_records(d, rt, rec, 1, mask);
	return 0;
}

void nt_doc_prom_records(struct nt_doc *d, const struct nt_rectype *rt,
			 const void *recs, size_t n, unsigned mask)
{
	if (d->prom)
		nt_prom_records(d, rt, recs, n, mask);
}

int nt_doc_verdicts(struct nt_doc *d, const struct nt_verdicts *vs)
{
	size_t i;

	if (d->json) {
		int r = nt_json_verdicts(d, vs);

		if (r)
			return r;
	}
	if (d->prom) {
		FILE *f = d->prom;

		fputs("# HELP nettriage_verdict_level Verdict of a check: 0 ok, 1 warn, 2 crit, 3 unknown\n"
		      "# TYPE nettriage_verdict_level gauge\n", f);
		for (i = 0; i < vs->n; i++) {
			const struct nt_verdict *v = &vs->v[i];

			fputs("nettriage_verdict_level{", f);
			if (d->g->netns) {
				fputs("netns=\"", f);
				nt_prom_escape(f, d->g->netns);
				fputs("\",", f);
			}
			fprintf(f, "command=\"%s\",check=\"", d->command);
			nt_prom_escape(f, v->check);
			fputs("\",subject=\"", f);
			nt_prom_escape(f, v->subject);
			fprintf(f, "\"} %d\n", (int)v->level);
		}
	}
	return 0;
}

int nt_doc_emit(struct nt_doc *d)
{
	int r = 0;

	if (d->json) {
		r = nt_json_finish(d);
		if (r)
			return r;
	}
	if (d->prom) {
		if (fflush(d->prom) != 0)
			return -ENOMEM;
		if (d->g->prom_sink) {
			if (fwrite(d->prom_buf, 1, d->prom_len, d->g->prom_sink) != d->prom_len)
				r = -ENOMEM;
		} else if (d->g->all_netns) {
			/* one document over many namespaces: each family once */
			r = nt_prom_out_grouped(d->g, d->prom_buf, d->prom_len);
		} else {
			r = nt_prom_out(d->g, d->prom_buf, d->prom_len);
		}
	}
	fflush(stdout);
	return r;
}

void nt_fmt_count(char *buf, size_t len, uint64_t v)
{
	char tmp[NT_JSON_NUM_MAX];
	size_t n = nt_json_u64(tmp, v, false); /* no printf: most cells are counts */

	if (!len)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(buf, tmp, n);
	buf[n] = '\0';
}

void nt_fmt_double(char *buf, size_t len, double v)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else if (v != 0 && fabs(v) < 0.01)
		snprintf(buf, len, "%.4f", v);
	else
		snprintf(buf, len, "%.2f", v);
}

static void cell(char *buf, size_t len, const struct nt_rectype *rt,
		 const void *rec, const struct nt_field *f)
{
	if (!nt_field_avail(rt, rec, f)) {
		snprintf(buf, len, "-");
		return;
	}
	switch (f->type) {
	case NT_T_STR:
		/* names users control: no raw control bytes to the terminal */
		nt_escape_text(buf, len, (const char *)fptr(rec, f));
		break;
	case NT_T_DOUBLE:
		nt_fmt_double(buf, len, nt_field_double(rec, f));
		break;
	case NT_T_BOOL:
		snprintf(buf, len, "%s", nt_field_u64(rec, f) ? "yes" : "no");
		break;
	case NT_T_I64:
		snprintf(buf, len, "%" PRId64, nt_field_i64(rec, f));
		break;
	default:
		nt_fmt_count(buf, len, nt_field_u64(rec, f));
		break;
	}
}

static const char *level_color(enum nt_level l)
{
	switch (l) {
	case NT_OK: return "\033[32m";
	case NT_WARN: return "\033[33m";
	case NT_CRIT: return "\033[1;31m";
	default: return "\033[35m";
	}
}

#define NT_MAXCOLS 64
#define NT_CELL 1024 /* an escaped string cell: up to 4 bytes per byte */

/* Worst level for subj. Verdicts are added in record order, so look at
 * the run starting at *cur first; fall back to a full scan. Keeps the
 * table linear with thousands of records. */
static enum nt_level worst_at(const struct nt_verdicts *vs, const char *subj,
			      size_t *cur, bool *judged)
{
	enum nt_level w = NT_OK;
	size_t i = *cur;

	*judged = true;
	if (i >= vs->n || strcmp(vs->v[i].subject, subj)) {
		for (i = 0; i < vs->n; i++)
			if (!strcmp(vs->v[i].subject, subj))
				return nt_verdicts_worst_for(vs, subj);
		*judged = false; /* no check judged this row */
		return NT_OK;
	}
	for (; i < vs->n && !strcmp(vs->v[i].subject, subj); i++)
		w = nt_level_worse(w, vs->v[i].level);
	*cur = i;
	return w;
}

void nt_table_print(FILE *f, const struct nt_rectype *rt, const void *recs,
		    size_t n, unsigned mask, const struct nt_verdicts *vs,
		    bool color)
{
	const struct nt_field *cols[NT_MAXCOLS];
	int width[NT_MAXCOLS];
	size_t nc = 0, i, j, vcur = 0, k;
	char buf[NT_CELL];
	/* Each cell is formatted once, into one text arena (cells separated
	 * by NULs), for both the width pass and the print pass. */
	struct nt_buf text = { 0 };
	size_t *off = NULL;

	for (i = 0; i < rt->nfields && nc < NT_MAXCOLS; i++) {
		const struct nt_field *fl = &rt->fields[i];
		unsigned kind = fl->flags & (NT_F_ID | NT_F_INFO | NT_F_TOTAL | NT_F_RATE);

		if (fl->flags & NT_F_NOTABLE || !fl->title)
			continue;
		if (!(kind & mask))
			continue;
		if ((mask & NT_F_DEF) && !(fl->flags & NT_F_DEF))
			continue;
		cols[nc] = fl;
		width[nc] = (int)strlen(fl->title);
		nc++;
	}
	if (n && nc && n <= SIZE_MAX / sizeof(*off) / nc)
		off = malloc(n * nc * sizeof(*off));
	for (j = 0; j < n; j++) {
		const void *rec = (const char *)recs + j * rt->size;

		for (i = 0; i < nc; i++) {
			int w;

			cell(buf, sizeof(buf), rt, rec, cols[i]);
			w = (int)nt_text_width(buf);
			if (w > width[i])
				width[i] = w;
			if (off) {
				off[j * nc + i] = text.len;
				nt_buf_add(&text, buf, strlen(buf) + 1);
			}
		}
	}
	if (text.err) { /* out of memory: format again while printing */
		free(off);
		off = NULL;
	}
	for (i = 0; i < nc; i++)
		if (i + 1 == nc && !vs && i && (cols[i]->flags & NT_F_LEFT))
			fprintf(f, " %s", cols[i]->title); /* no trailing spaces */
		else
			fprintf(f, i && !(cols[i]->flags & NT_F_LEFT) ? " %*s" :
				i ? " %-*s" : "%-*s", width[i], cols[i]->title);
	fputs(vs ? "  VERDICT\n" : "\n", f);
	for (j = 0, k = 0; j < n; j++) {
		const void *rec = (const char *)recs + j * rt->size;

		for (i = 0; i < nc; i++, k++) {
			const char *c = buf;

			if (off)
				c = text.p + off[k];
			else
				cell(buf, sizeof(buf), rt, rec, cols[i]);
			if (i)
				putc_unlocked(' ', f);
			if (i + 1 == nc && !vs && (cols[i]->flags & NT_F_LEFT))
				fputs(c, f); /* last, left-aligned: no trailing spaces */
			else
				nt_text_pad(f, c, width[i], i == 0 || (cols[i]->flags & NT_F_LEFT));
		}
		if (vs) {
			const char *subj = rt->subject_off >= 0 ?
				(const char *)rec + rt->subject_off : "";
			bool judged;
			enum nt_level l = worst_at(vs, subj, &vcur, &judged);

			if (!judged)
				fputs("  -", f); /* not "OK": nothing judged it */
			else
				fprintf(f, "  %s%s%s", color ? level_color(l) : "",
					nt_level_upper(l), color ? "\033[0m" : "");
		}
		putc_unlocked('\n', f);
	}
	free(off);
	free(text.p);
}

void nt_verdicts_print(FILE *f, const char *command,
		       const struct nt_verdicts *vs, bool color, bool quiet)
{
	enum nt_level w = nt_verdicts_worst(vs);
	size_t i, bad = 0;
	/* subjects and reasons carry interface and process names */
	char subj[4 * sizeof(vs->v->subject)], text[4 * sizeof(vs->v->reason)];

	for (i = 0; i < vs->n; i++) {
		const struct nt_verdict *v = &vs->v[i];

		if (v->level == NT_OK)
			continue;
		bad++;
		if (quiet)
			continue;
		nt_escape_text(subj, sizeof(subj), v->subject);
		nt_escape_text(text, sizeof(text), v->reason);
		fprintf(f, "%s%-7s%s %s%s%s: %s\n",
			color ? level_color(v->level) : "",
			nt_level_upper(v->level), color ? "\033[0m" : "",
			v->check, v->subject[0] ? " " : "", subj, text);
		if (v->hint[0]) {
			nt_escape_text(text, sizeof(text), v->hint);
			fprintf(f, "        hint: %s\n", text);
		}
	}
	fprintf(f, "%s: %s%s%s (%zu checks, %zu not ok)\n", command,
		color ? level_color(w) : "", nt_level_upper(w),
		color ? "\033[0m" : "", vs->n, bad);
}
