/* Prometheus text exposition from the field tables: escaping, labels,
 * samples and named sets (nt_prom_records, called by nt_doc_records and
 * nt_doc_object), the output to stdout, a pipe or an atomic file, and the
 * regrouping of one document over many namespaces (each family once). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nt_output.h"

static const void *fptr(const void *rec, const struct nt_field *f)
{
	return (const char *)rec + f->offset;
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
void nt_prom_records(struct nt_doc *d, const struct nt_rectype *rt,
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
