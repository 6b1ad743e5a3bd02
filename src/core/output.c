/* Renderers: Prometheus text exposition and aligned tables (JSON is in
 * out_json.c), all driven by the same field tables. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
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

void nt_prom_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*s, f);
	}
}

void nt_prom_value(FILE *f, double v)
{
	char num[NT_JSON_NUM_MAX];
	size_t n = nt_prom_double(num, v);

	fputc(' ', f);
	fwrite(num, 1, n, f);
	fputc('\n', f);
}

/* The label set of a record, or nothing at all when it has none (an
 * empty "{}" is legal but not what exporters write). */
static bool has_netns_label(const struct nt_rectype *rt)
{
	size_t i;

	for (i = 0; i < rt->nfields; i++)
		if (rt->fields[i].prom == NT_P_LABEL && !strcmp(rt->fields[i].key, "netns"))
			return true;
	return false;
}

static void prom_labels(FILE *f, const struct nt_doc *d,
			const struct nt_rectype *rt, const void *rec)
{
	bool first = true;
	size_t i;

	/* a record that names its namespace itself (triage's rows) */
	if (d->g->netns && !has_netns_label(rt)) {
		fputs("{netns=\"", f);
		nt_prom_escape(f, d->g->netns);
		fputc('"', f);
		first = false;
	}
	for (i = 0; i < rt->nfields; i++) {
		const struct nt_field *fl = &rt->fields[i];

		if (fl->prom != NT_P_LABEL)
			continue;
		fprintf(f, "%s%s=\"", first ? "{" : ",",
			fl->prom_key ? fl->prom_key : fl->key);
		if (fl->type == NT_T_STR)
			nt_prom_escape(f, (const char *)fptr(rec, fl));
		else if (fl->type == NT_T_I64)
			fprintf(f, "%" PRId64, nt_field_i64(rec, fl));
		else
			fprintf(f, "%" PRIu64, nt_field_u64(rec, fl));
		fputc('"', f);
		first = false;
	}
	if (!first)
		fputc('}', f);
}

/* Whether field fl of rec is exported: a metric the mask selects, with a
 * value (a NaN double has none). */
static bool prom_has(const struct nt_rectype *rt, const void *rec,
		     const struct nt_field *fl, unsigned mask)
{
	if (fl->prom != NT_P_GAUGE && fl->prom != NT_P_COUNTER)
		return false;
	if (!(fl->flags & mask) || !nt_field_avail(rt, rec, fl))
		return false;
	return fl->type != NT_T_DOUBLE || isfinite(nt_field_double(rec, fl));
}

/* " <value>\n" of field fl, scaled by prom_scale when it has one. */
static void prom_sample(FILE *f, const void *rec, const struct nt_field *fl)
{
	double v;

	if (fl->type == NT_T_I64 && !fl->prom_scale) {
		fprintf(f, " %" PRId64 "\n", nt_field_i64(rec, fl));
		return;
	}
	if (fl->type != NT_T_DOUBLE && !fl->prom_scale) {
		fprintf(f, " %" PRIu64 "\n", nt_field_u64(rec, fl));
		return;
	}
	v = fl->type == NT_T_DOUBLE ? nt_field_double(rec, fl) :
	    fl->type == NT_T_I64 ? (double)nt_field_i64(rec, fl) :
				   (double)nt_field_u64(rec, fl);
	nt_prom_value(f, fl->prom_scale ? v * fl->prom_scale : v);
}

/* A named set whose records carry their metric names (NT_P_NAME field
 * mf): one family per record and exported field. */
static void prom_named(struct nt_doc *d, const struct nt_rectype *rt,
		       const struct nt_field *mf, const void *recs, size_t n,
		       unsigned mask)
{
	const struct nt_field *nf = NULL;
	FILE *f = d->prom;
	size_t i, j;

	for (i = 0; i < rt->nfields && !nf; i++)
		if (rt->fields[i].flags & NT_F_NAME && rt->fields[i].type == NT_T_STR)
			nf = &rt->fields[i];
	for (j = 0; j < n; j++) {
		const void *rec = (const char *)recs + j * rt->size;
		const char *metric = fptr(rec, mf);

		if (!*metric)
			continue;
		for (i = 0; i < rt->nfields; i++) {
			const struct nt_field *fl = &rt->fields[i];
			const char *unit = fl->prom_key ? fl->prom_key : "";
			const char *sfx = fl->prom == NT_P_COUNTER ? "_total" : "";

			if (!prom_has(rt, rec, fl, mask))
				continue;
			fprintf(f, "# HELP %s_%s%s%s %s%s%s\n", rt->prom_prefix, metric,
				unit, sfx, fl->help ? fl->help : fl->key, nf ? " " : "",
				nf ? (const char *)fptr(rec, nf) : "");
			fprintf(f, "# TYPE %s_%s%s%s %s\n", rt->prom_prefix, metric,
				unit, sfx, fl->prom == NT_P_COUNTER ? "counter" : "gauge");
			fprintf(f, "%s_%s%s%s", rt->prom_prefix, metric, unit, sfx);
			prom_labels(f, d, rt, rec);
			prom_sample(f, rec, fl);
		}
	}
}

/* One family per field (HELP and TYPE once, then every record's sample,
 * contiguous). Counters are named <prefix>_<name>_total and typed
 * counter; a field with prom_scale is exported scaled (percent -> ratio,
 * ms -> seconds). */
static void prom_records(struct nt_doc *d, const struct nt_rectype *rt,
			 const void *recs, size_t n, unsigned mask)
{
	FILE *f = d->prom;
	size_t i, j;

	for (i = 0; i < rt->nfields; i++)
		if (rt->fields[i].prom == NT_P_NAME && rt->fields[i].type == NT_T_STR) {
			prom_named(d, rt, &rt->fields[i], recs, n, mask);
			return;
		}
	for (i = 0; i < rt->nfields; i++) {
		const struct nt_field *fl = &rt->fields[i];
		const char *sfx = fl->prom == NT_P_COUNTER ? "_total" : "";
		const char *mkey = fl->prom_key ? fl->prom_key : fl->key;

		if (fl->prom != NT_P_GAUGE && fl->prom != NT_P_COUNTER)
			continue;
		if (!(fl->flags & mask))
			continue;
		fprintf(f, "# HELP %s_%s%s %s\n", rt->prom_prefix, mkey, sfx,
			fl->help ? fl->help : fl->key);
		fprintf(f, "# TYPE %s_%s%s %s\n", rt->prom_prefix, mkey, sfx,
			fl->prom == NT_P_COUNTER ? "counter" : "gauge");
		for (j = 0; j < n; j++) {
			const void *rec = (const char *)recs + j * rt->size;

			if (!prom_has(rt, rec, fl, mask))
				continue;
			fprintf(f, "%s_%s%s", rt->prom_prefix, mkey, sfx);
			prom_labels(f, d, rt, rec);
			prom_sample(f, rec, fl);
		}
	}
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
		prom_records(d, rt, recs, n, mask);
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
		prom_records(d, rt, rec, 1, mask);
	return 0;
}

void nt_doc_prom_records(struct nt_doc *d, const struct nt_rectype *rt,
			 const void *recs, size_t n, unsigned mask)
{
	if (d->prom)
		prom_records(d, rt, recs, n, mask);
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

int nt_prom_out(const struct nt_global *g, const char *buf, size_t len)
{
	if (g->format == NT_FMT_PROM)
		fwrite(buf, 1, len, stdout);
	if (g->prom_file && g->prom_pipe > 0)
		return nt_write_full(g->prom_pipe, buf, len);
	if (g->prom_file)
		return nt_write_atomic(g->prom_file, buf, len, 0644, 0);
	return 0;
}

int nt_prom_out_grouped(const struct nt_global *g, const char *buf, size_t len)
{
	struct nt_buf out = { 0 };
	int r = nt_prom_regroup(buf ? buf : "", len, &out);

	if (!r)
		r = nt_prom_out(g, out.p ? out.p : "", out.len);
	nt_buf_free(&out);
	return r;
}

/* The family a line belongs to: the name after "# HELP " / "# TYPE ", or
 * the sample's metric name (up to '{' or ' '). */
static size_t family_of(const char *l, size_t n, const char **name)
{
	size_t k = 0;

	if (n > 7 && (!strncmp(l, "# HELP ", 7) || !strncmp(l, "# TYPE ", 7))) {
		l += 7;
		n -= 7;
	}
	while (k < n && l[k] != ' ' && l[k] != '{')
		k++;
	*name = l;
	return k;
}

struct pline {
	const char *p;
	size_t len;
	size_t fam;   /* index of the family's first line */
	size_t seq;   /* position in the input: keeps the sort stable */
	int kind;     /* 0 HELP, 1 TYPE, 2 sample */
};

static int cmp_pline(const void *a, const void *b)
{
	const struct pline *x = a, *y = b;

	if (x->fam != y->fam)
		return x->fam < y->fam ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind - y->kind;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

int nt_prom_regroup(const char *in, size_t len, struct nt_buf *out)
{
	struct pline *v = NULL;
	size_t *heads = NULL, nh = 0, hcap = 0;
	size_t n = 0, cap = 0, i, j, pos = 0;

	while (pos < len) {
		const char *e = memchr(in + pos, '\n', len - pos);
		size_t ll = e ? (size_t)(e - (in + pos)) : len - pos;
		const char *name, *oname;
		size_t nl, onl;

		if (ll && nt_grow(&v, n, &cap, sizeof(*v), 256) == 0) {
			struct pline *x = &v[n];

			x->p = in + pos;
			x->len = ll;
			x->seq = n;
			x->kind = !strncmp(x->p, "# HELP ", ll < 7 ? ll : 7) && ll > 7 ? 0 :
				  !strncmp(x->p, "# TYPE ", ll < 7 ? ll : 7) && ll > 7 ? 1 : 2;
			nl = family_of(x->p, ll, &name);
			x->fam = n;
			/* linear in families (tens to a few hundred); the
			 * newest is the likeliest, so search backwards */
			for (j = nh; j-- > 0;) {
				onl = family_of(v[heads[j]].p, v[heads[j]].len, &oname);
				if (onl == nl && !memcmp(name, oname, nl)) {
					x->fam = heads[j];
					break;
				}
			}
			if (x->fam == n) {
				if (nt_grow(&heads, nh, &hcap, sizeof(*heads), 64))
					goto nomem;
				heads[nh++] = n;
			}
			n++;
		} else if (ll) {
			goto nomem;
		}
		pos += ll + 1;
	}
	qsort(v, n, sizeof(*v), cmp_pline);
	for (i = 0; i < n; i++) {
		/* one HELP and one TYPE per family */
		if (v[i].kind < 2 && i > 0 && v[i - 1].fam == v[i].fam &&
		    v[i - 1].kind == v[i].kind)
			continue;
		nt_buf_add(out, v[i].p, v[i].len);
		nt_buf_add(out, "\n", 1);
	}
	free(v);
	free(heads);
	return out->err;
nomem:
	free(v);
	free(heads);
	return -ENOMEM;
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
