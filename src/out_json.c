/* JSON documents, written straight into one text buffer: records and
 * verdicts field by field, extras (a json_t from the command) walked and
 * encoded with the same string and number encoders (json_enc.c). Nothing
 * here is global: no allocator swap, no static buffers. */
#include <errno.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nt_output.h"

#define JS_LIT(b, lit) nt_buf_add((b), (lit), sizeof(lit) - 1)

static void js_str(struct nt_buf *b, const char *s)
{
	nt_json_str(b, s, strlen(s));
}

static void js_num(struct nt_buf *b, double x)
{
	char num[NT_JSON_NUM_MAX];

	nt_buf_add(b, num, nt_json_num(num, x));
}

/* A json_t made by a command (small: envelopes, breakdowns, counters).
 * Reals keep jansson's form ("2.0" stays a real); objects in insertion
 * order (jansson >= 2.8). */
static void js_tree(struct nt_buf *b, const json_t *v)
{
	char num[NT_JSON_NUM_MAX];
	const char *key;
	json_t *val;
	size_t i, n = 0;
	json_int_t iv;

	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_OBJECT:
		JS_LIT(b, "{");
		json_object_foreach((json_t *)v, key, val) {
			if (n++)
				JS_LIT(b, ",");
			js_str(b, key);
			JS_LIT(b, ":");
			js_tree(b, val);
		}
		JS_LIT(b, "}");
		return;
	case JSON_ARRAY:
		JS_LIT(b, "[");
		json_array_foreach(v, i, val) {
			if (i)
				JS_LIT(b, ",");
			js_tree(b, val);
		}
		JS_LIT(b, "]");
		return;
	case JSON_STRING:
		nt_json_str(b, json_string_value(v), json_string_length(v));
		return;
	case JSON_INTEGER:
		iv = json_integer_value(v);
		n = iv < 0 ? nt_json_u64(num, (uint64_t)-(iv + 1) + 1, true)
			   : nt_json_u64(num, (uint64_t)iv, false);
		nt_buf_add(b, num, n);
		return;
	case JSON_REAL:
		nt_buf_add(b, num, nt_json_real(num, json_real_value(v)));
		return;
	case JSON_TRUE:
		JS_LIT(b, "true");
		return;
	case JSON_FALSE:
		JS_LIT(b, "false");
		return;
	case JSON_NULL:
		break;
	}
	JS_LIT(b, "null");
}

/* Streaming: past JS_CHUNK bytes, the text so far goes to js_out, so a
 * big document never sits in memory (and never faults in megabytes of
 * fresh pages: that was a tenth of `link -j`'s time at 1,000 links). */
#define JS_CHUNK (64u << 10)

static void js_flush(struct nt_doc *d)
{
	if (!d->js_out || d->js.err || !d->js.len)
		return;
	if (fwrite(d->js.p, 1, d->js.len, d->js_out) != d->js.len)
		d->js.err = -EIO;
	d->js.len = 0;
	d->js.p[0] = '\0';
}

static inline void js_maybe_flush(struct nt_doc *d)
{
	if (d->js.len >= JS_CHUNK)
		js_flush(d);
}

static void js_key(struct nt_doc *d, const char *key)
{
	if (d->nparts++)
		JS_LIT(&d->js, ",");
	js_str(&d->js, key);
	JS_LIT(&d->js, ":");
}

int nt_doc_init(struct nt_doc *d, const char *command, const struct nt_global *g)
{
	char ts[40], num[NT_JSON_NUM_MAX];

	memset(d, 0, sizeof(*d));
	d->command = command;
	d->g = g;
	if (g->format == NT_FMT_JSON) {
		d->json = true;
		d->js_out = stdout;
		JS_LIT(&d->js, "{");
		js_key(d, "schema");
		JS_LIT(&d->js, "1");
		js_key(d, "command");
		js_str(&d->js, command);
		js_key(d, "netns");
		if (g->netns)
			js_str(&d->js, g->netns);
		else
			JS_LIT(&d->js, "null");
		js_key(d, "netns_inode");
		nt_buf_add(&d->js, num, nt_json_u64(num, g->netns_inode, false));
		js_key(d, "timestamp");
		nt_timestamp_iso(ts, sizeof(ts));
		js_str(&d->js, ts);
		if (d->js.err) {
			int r = d->js.err;

			nt_doc_free(d);
			return r;
		}
	}
	if (g->format == NT_FMT_PROM || g->prom_file) {
		d->prom = open_memstream(&d->prom_buf, &d->prom_len);
		if (!d->prom) {
			int r = -errno;

			nt_doc_free(d);
			return r;
		}
	}
	return 0;
}

void nt_doc_free(struct nt_doc *d)
{
	nt_buf_free(&d->js);
	if (d->prom)
		fclose(d->prom);
	free(d->prom_buf);
	memset(d, 0, sizeof(*d));
}

/* A NULL v (a jansson constructor failed: no memory, or a string that is
 * not UTF-8) is written as null rather than failing the document. */
void nt_doc_set(struct nt_doc *d, const char *key, json_t *v)
{
	if (d->json && !d->js_closed) {
		js_key(d, key);
		js_tree(&d->js, v);
		js_maybe_flush(d);
	}
	json_decref(v);
}

const char *nt_doc_json(struct nt_doc *d, size_t *len)
{
	if (!d->json || d->js_out)
		return NULL;
	if (!d->js_closed) {
		JS_LIT(&d->js, "}");
		d->js_closed = true;
	}
	if (d->js.err)
		return NULL;
	*len = d->js.len;
	return d->js.p;
}

int nt_json_finish(struct nt_doc *d)
{
	if (!d->js_out) {
		size_t len;
		const char *text = nt_doc_json(d, &len);

		if (!text)
			return d->js.err ? d->js.err : -EINVAL;
		if (fwrite(text, 1, len, stdout) != len || putchar('\n') == EOF)
			return -EIO;
		return 0;
	}
	if (!d->js_closed) {
		JS_LIT(&d->js, "}\n");
		d->js_closed = true;
	}
	js_flush(d);
	if (!d->js.err && fflush(d->js_out) == EOF)
		d->js.err = -EIO;
	return d->js.err;
}

/* One field's value; b has room for NT_JSON_NUM_MAX bytes unless the
 * field is a string (which reserves for itself). */
static void js_field_value(struct nt_buf *b, const struct nt_rectype *rt,
			   const void *rec, const struct nt_field *fl)
{
	char *o = b->p + b->len;
	size_t n;

	if (!nt_field_avail(rt, rec, fl)) {
		memcpy(o, "null", 4);
		n = 4;
	} else {
		switch (fl->type) {
		case NT_T_STR:
			js_str(b, (const char *)rec + fl->offset);
			return;
		case NT_T_BOOL:
			n = nt_field_u64(rec, fl) ? 4 : 5;
			memcpy(o, n == 4 ? "true" : "false", n);
			break;
		case NT_T_DOUBLE:
			n = nt_json_num(o, nt_field_double(rec, fl));
			break;
		default:
			n = nt_json_u64(o, nt_field_u64(rec, fl), false);
			break;
		}
	}
	b->len += n;
	b->p[b->len] = '\0';
}

/* Fields of one group must be adjacent in the table. */
static int check_groups(const struct nt_rectype *rt)
{
	size_t i, k;

	for (i = 1; i < rt->nfields; i++) {
		const char *g = rt->fields[i].group;

		if (!g || (rt->fields[i - 1].group && !strcmp(rt->fields[i - 1].group, g)))
			continue;
		for (k = 0; k + 1 < i; k++)
			if (rt->fields[k].group && !strcmp(rt->fields[k].group, g))
				return -EINVAL;
	}
	return 0;
}

/* The text between values is the same in every record of a call: build
 * it once (keys escaped once), then each record is those pieces with the
 * values between them. pieces holds nsel + 1 strings: piece i comes
 * before value i ("{\"netns\":..., \"name\":" for the first, ",\"mtu\":"
 * or "},\"rates\":{\"rx_packets\":" later), piece nsel closes the record. */
#define PIECE_COPY 32

struct layout {
	const struct nt_field **sel;
	size_t nsel;
	size_t *off;          /* nsel + 2 offsets into text */
	struct nt_buf text;
	size_t bound;         /* bytes a record needs besides its strings */
};

static void layout_free(struct layout *l)
{
	free(l->sel);
	free(l->off);
	nt_buf_free(&l->text);
}

static int layout_build(struct layout *l, const struct nt_rectype *rt,
			unsigned mask, const char *netns, bool top)
{
	const char *open = NULL;
	bool first = true;
	size_t i;

	memset(l, 0, sizeof(*l));
	l->sel = calloc(rt->nfields + 1, sizeof(*l->sel));
	l->off = calloc(rt->nfields + 2, sizeof(*l->off));
	if (!l->sel || !l->off)
		return -ENOMEM;
	if (!top) {
		JS_LIT(&l->text, "{\"netns\":");
		if (netns)
			js_str(&l->text, netns);
		else
			JS_LIT(&l->text, "null");
		first = false;
	}
	for (i = 0; i < rt->nfields; i++) {
		const struct nt_field *fl = &rt->fields[i];

		if (!(fl->flags & mask))
			continue;
		if (open && (!fl->group || strcmp(open, fl->group))) {
			JS_LIT(&l->text, "}");
			open = NULL;
		}
		if (fl->group && !open) {
			if (!first)
				JS_LIT(&l->text, ",");
			js_str(&l->text, fl->group);
			JS_LIT(&l->text, ":{");
			open = fl->group;
			first = true;
		}
		if (!first)
			JS_LIT(&l->text, ",");
		first = false;
		js_str(&l->text, fl->key);
		JS_LIT(&l->text, ":");
		l->off[++l->nsel] = l->text.len;
		l->sel[l->nsel - 1] = fl;
	}
	if (open)
		JS_LIT(&l->text, "}");
	if (!top)
		JS_LIT(&l->text, "}");
	l->off[l->nsel + 1] = l->text.len;
	/* pieces up to PIECE_COPY bytes are copied with one fixed-size
	 * memcpy (inlined): pad the text and the bound for the overread */
	if (!nt_buf_reserve(&l->text, PIECE_COPY))
		memset(l->text.p + l->text.len, 0, PIECE_COPY);
	l->bound = l->text.len + 1 + PIECE_COPY + l->nsel * NT_JSON_NUM_MAX;
	return l->text.err;
}

/* Pieces and values of one record; the caller reserved l->bound. */
static void layout_record(struct nt_buf *b, const struct layout *l,
			  const struct nt_rectype *rt, const void *rec)
{
	size_t i;

	for (i = 0; i <= l->nsel; i++) {
		size_t n = l->off[i + 1] - l->off[i];

		if (n <= PIECE_COPY)
			memcpy(b->p + b->len, l->text.p + l->off[i], PIECE_COPY);
		else
			memcpy(b->p + b->len, l->text.p + l->off[i], n);
		b->len += n;
		if (i == l->nsel)
			break;
		js_field_value(b, rt, rec, l->sel[i]);
		if (l->sel[i]->type == NT_T_STR && nt_buf_reserve(b, l->bound))
			return;
	}
	b->p[b->len] = '\0';
}

/* Records as a JSON array: with thousands of records, building a jansson
 * object per record and dumping it cost more than the netlink dump. */
int nt_json_records(struct nt_doc *d, const struct nt_rectype *rt,
		    const void *recs, size_t n, unsigned mask)
{
	struct layout l;
	size_t j;
	int r;

	if (d->js_closed || check_groups(rt))
		return -EINVAL;
	r = layout_build(&l, rt, mask, d->g->netns, false);
	if (r) {
		layout_free(&l);
		return r;
	}
	js_key(d, rt->json_array);
	JS_LIT(&d->js, "[");
	for (j = 0; j < n && !d->js.err; j++) {
		if (nt_buf_reserve(&d->js, l.bound))
			break;
		if (j)
			d->js.p[d->js.len++] = ',';
		if (d->js.len >= JS_CHUNK) {
			js_flush(d);
			if (nt_buf_reserve(&d->js, l.bound))
				break;
		}
		layout_record(&d->js, &l, rt, (const char *)recs + j * rt->size);
	}
	JS_LIT(&d->js, "]");
	layout_free(&l);
	return d->js.err;
}

/* One record's fields at the top level of the document. */
int nt_json_object(struct nt_doc *d, const struct nt_rectype *rt,
		   const void *rec, unsigned mask)
{
	struct layout l;
	int r;

	if (d->js_closed || check_groups(rt))
		return -EINVAL;
	r = layout_build(&l, rt, mask, NULL, true);
	if (!r && l.nsel) {
		if (d->nparts++)
			JS_LIT(&d->js, ",");
		if (!nt_buf_reserve(&d->js, l.bound))
			layout_record(&d->js, &l, rt, rec);
	}
	layout_free(&l);
	return r ? r : d->js.err;
}

int nt_json_verdicts(struct nt_doc *d, const struct nt_verdicts *vs)
{
	struct nt_buf *b = &d->js;
	size_t i;

	if (d->js_closed)
		return -EINVAL;
	js_key(d, "verdicts");
	JS_LIT(b, "[");
	for (i = 0; i < vs->n; i++) {
		const struct nt_verdict *v = &vs->v[i];

		if (i)
			JS_LIT(b, ",");
		JS_LIT(b, "{\"check\":");
		js_str(b, v->check);
		JS_LIT(b, ",\"subject\":");
		js_str(b, v->subject);
		JS_LIT(b, ",\"level\":");
		js_str(b, nt_level_name(v->level));
		JS_LIT(b, ",\"value\":");
		js_num(b, v->value);
		JS_LIT(b, ",\"threshold\":");
		js_num(b, v->threshold);
		JS_LIT(b, ",\"reason\":");
		js_str(b, v->reason);
		JS_LIT(b, ",\"hint\":");
		if (v->hint[0])
			js_str(b, v->hint);
		else
			JS_LIT(b, "null");
		JS_LIT(b, "}");
		js_maybe_flush(d);
	}
	JS_LIT(b, "]");
	js_key(d, "status");
	js_str(b, nt_level_name(nt_verdicts_worst(vs)));
	return b->err;
}
