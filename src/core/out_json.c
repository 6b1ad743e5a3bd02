/* JSON documents, written straight into one text buffer: records and
 * verdicts field by field, extras (a json_t from the command) walked and
 * encoded with the same string and number encoders (json_enc.c). Nothing
 * here is global: no allocator swap, no static buffers. */
#include <errno.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nt_escape.h"
#include "nt_output.h"

#define JS_LIT(b, lit) nt_buf_add((b), (lit), sizeof(lit) - 1)

static void js_str(struct nt_buf *b, const char *s)
{
	nt_json_str(b, s, strlen(s));
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

void nt_doc_header(struct nt_doc *d)
{
	char num[NT_JSON_NUM_MAX];

	if (!d->json || d->js_closed)
		return;
	js_key(d, "schema");
	JS_LIT(&d->js, "1");
	js_key(d, "command");
	js_str(&d->js, d->command);
	js_key(d, "netns");
	if (d->g->netns)
		js_str(&d->js, d->g->netns);
	else
		JS_LIT(&d->js, "null");
	js_key(d, "netns_inode");
	nt_buf_add(&d->js, num, nt_json_u64(num, d->g->netns_inode, false));
	js_key(d, "timestamp");
	js_str(&d->js, d->ts);
}

int nt_doc_init(struct nt_doc *d, const char *command, const struct nt_global *g)
{
	memset(d, 0, sizeof(*d));
	d->command = command;
	d->g = g;
	nt_timestamp_iso(d->ts, sizeof(d->ts));
	if (g->format == NT_FMT_JSON) {
		d->json = true;
		d->js_out = stdout;
		JS_LIT(&d->js, "{");
		nt_doc_header(d);
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

void nt_doc_open(struct nt_doc *d, const char *key, bool array)
{
	if (!d->json || d->js_closed)
		return;
	if (d->depth >= sizeof(d->outer) / sizeof(d->outer[0])) {
		d->js.err = -EINVAL; /* a bug: the document is refused */
		return;
	}
	if (key) {
		js_key(d, key);
	} else if (d->nparts++) {
		JS_LIT(&d->js, ",");
	}
	nt_buf_add(&d->js, array ? "[" : "{", 1);
	d->outer[d->depth] = d->nparts;
	d->close[d->depth++] = array ? ']' : '}';
	d->nparts = 0;
}

void nt_doc_close(struct nt_doc *d)
{
	if (!d->json || d->js_closed || !d->depth)
		return;
	d->depth--;
	nt_buf_add(&d->js, &d->close[d->depth], 1);
	d->nparts = d->outer[d->depth];
	js_maybe_flush(d);
}

const char *nt_doc_json(struct nt_doc *d, size_t *len)
{
	if (!d->json || d->js_out)
		return NULL;
	if (!d->js_closed) {
		while (d->depth)
			nt_doc_close(d);
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
		while (d->depth)
			nt_doc_close(d);
		JS_LIT(&d->js, "}\n");
		d->js_closed = true;
	}
	js_flush(d);
	if (!d->js.err && fflush(d->js_out) == EOF)
		d->js.err = -EIO;
	return d->js.err;
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

/* What layout_record does for one selected field, flattened from the
 * field table so the per-record loop touches nothing else. */
struct op {
	uint32_t off;         /* of the value in the record */
	uint32_t piece;       /* of the text before it, in text */
	uint16_t piece_len;
	uint8_t type;         /* enum nt_ftype */
	int8_t avail_bit;     /* -1: always available */
};

struct layout {
	struct op *ops;
	size_t nsel;
	size_t tail, tail_len; /* the text after the last value */
	ssize_t avail_off;
	struct nt_buf text;
	size_t bound;         /* bytes a record needs besides its strings */
};

static void layout_free(struct layout *l)
{
	free(l->ops);
	nt_buf_free(&l->text);
}

static int layout_build(struct layout *l, const struct nt_rectype *rt,
			unsigned mask, const char *netns, bool top)
{
	const char *open = NULL;
	bool first = true;
	size_t i, start = 0;

	memset(l, 0, sizeof(*l));
	l->avail_off = rt->avail_off;
	l->ops = calloc(rt->nfields + 1, sizeof(*l->ops));
	if (!l->ops)
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
		struct op *o = &l->ops[l->nsel];

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
		if (!fl->key)
			continue; /* a group's marker: the group, even empty */
		if (!first)
			JS_LIT(&l->text, ",");
		first = false;
		js_str(&l->text, fl->key);
		JS_LIT(&l->text, ":");
		if (l->text.len - start > UINT16_MAX || fl->offset > UINT32_MAX)
			return -EINVAL;
		o->off = (uint32_t)fl->offset;
		o->piece = (uint32_t)start;
		o->piece_len = (uint16_t)(l->text.len - start);
		o->type = (uint8_t)fl->type;
		o->avail_bit = rt->avail_off >= 0 && fl->avail_bit >= 0 ?
			       (int8_t)fl->avail_bit : -1;
		start = l->text.len;
		l->nsel++;
	}
	if (open)
		JS_LIT(&l->text, "}");
	if (!top)
		JS_LIT(&l->text, "}");
	l->tail = start;
	l->tail_len = l->text.len - start;
	/* pieces up to PIECE_COPY bytes are copied with one fixed-size
	 * memcpy (inlined): pad the text and the bound for the overread */
	if (!nt_buf_reserve(&l->text, PIECE_COPY))
		memset(l->text.p + l->text.len, 0, PIECE_COPY);
	l->bound = l->text.len + 1 + PIECE_COPY + l->nsel * NT_JSON_NUM_MAX;
	return l->text.err;
}

static inline char *piece(char *o, const char *src, size_t n)
{
	if (n <= PIECE_COPY)
		memcpy(o, src, PIECE_COPY);
	else
		memcpy(o, src, n);
	return o + n;
}

/* A value other than a string at p, written at o (room for
 * NT_JSON_NUM_MAX bytes); returns the end. */
static inline char *put_value(char *o, unsigned type, const char *p)
{
	uint64_t v;
	int64_t iv;
	uint32_t w;
	double x;
	bool t;

	switch (type) {
	case NT_T_U64:
		memcpy(&v, p, sizeof(v));
		if (v < 10)
			*o++ = (char)('0' + v);
		else
			o += nt_json_u64(o, v, false);
		break;
	case NT_T_U32:
		memcpy(&w, p, sizeof(w));
		o += nt_json_u64(o, w, false);
		break;
	case NT_T_I64:
		memcpy(&iv, p, sizeof(iv));
		o += iv < 0 ? nt_json_u64(o, (uint64_t)-(iv + 1) + 1, true)
			    : nt_json_u64(o, (uint64_t)iv, false);
		break;
	case NT_T_BOOL:
		memcpy(&t, p, sizeof(t));
		memcpy(o, t ? "true" : "false", t ? 4 : 5);
		o += t ? 4 : 5;
		break;
	default: /* NT_T_DOUBLE */
		memcpy(&x, p, sizeof(x));
		if (x == 0)
			*o++ = '0'; /* most rates; -0.0 too, as before */
		else
			o += nt_json_num(o, x);
		break;
	}
	return o;
}

/* Pieces and values of one record; the caller reserved l->bound. */
static void layout_record(struct nt_buf *b, const struct layout *l,
			  const void *rec)
{
	const char *r = rec, *text = l->text.p;
	uint64_t avail = 0;
	char *o = b->p + b->len;
	size_t i;

	if (l->avail_off >= 0)
		memcpy(&avail, r + l->avail_off, sizeof(avail));
	for (i = 0; i < l->nsel; i++) {
		const struct op *op = &l->ops[i];

		o = piece(o, text + op->piece, op->piece_len);
		if (op->avail_bit >= 0 && !((avail >> op->avail_bit) & 1)) {
			memcpy(o, "null", 4);
			o += 4;
			continue;
		}
		if (op->type != NT_T_STR) {
			o = put_value(o, op->type, r + op->off);
			continue;
		}
		b->len = (size_t)(o - b->p);
		js_str(b, r + op->off);
		if (nt_buf_reserve(b, l->bound))
			return;
		o = b->p + b->len;
	}
	o = piece(o, text + l->tail, l->tail_len);
	b->len = (size_t)(o - b->p);
	b->p[b->len] = '\0';
}

/* A named set (nt_output.h): {name: value, ...} under json_array. */
static int json_named(struct nt_doc *d, const struct nt_rectype *rt,
		      const struct nt_field *name, const void *recs, size_t n,
		      unsigned mask)
{
	const struct nt_field *val = NULL;
	size_t i, j;

	for (i = 0; i < rt->nfields && !val; i++) {
		const struct nt_field *fl = &rt->fields[i];

		if (fl != name && fl->prom != NT_P_NAME && (fl->flags & mask))
			val = fl;
	}
	if (!val || name->type != NT_T_STR)
		return -EINVAL;
	js_key(d, rt->json_array);
	JS_LIT(&d->js, "{");
	for (j = 0; j < n && !d->js.err; j++) {
		const char *rec = (const char *)recs + j * rt->size;

		if (j)
			JS_LIT(&d->js, ",");
		js_str(&d->js, rec + name->offset);
		JS_LIT(&d->js, ":");
		if (!nt_field_avail(rt, rec, val))
			JS_LIT(&d->js, "null");
		else if (val->type == NT_T_STR)
			js_str(&d->js, rec + val->offset);
		else if (!nt_buf_reserve(&d->js, NT_JSON_NUM_MAX)) {
			d->js.len = (size_t)(put_value(d->js.p + d->js.len, val->type,
						       rec + val->offset) - d->js.p);
			d->js.p[d->js.len] = '\0';
		}
		js_maybe_flush(d);
	}
	JS_LIT(&d->js, "}");
	return d->js.err;
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
	for (j = 0; j < rt->nfields; j++)
		if (rt->fields[j].flags & NT_F_NAME)
			return json_named(d, rt, &rt->fields[j], recs, n, mask);
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
		layout_record(&d->js, &l, (const char *)recs + j * rt->size);
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
			layout_record(&d->js, &l, rec);
	}
	layout_free(&l);
	return r ? r : d->js.err;
}

/* Verdicts repeat their thresholds: remember the last real's text. */
struct numcache {
	uint64_t bits;
	size_t n;             /* 0: empty */
	char t[NT_JSON_NUM_MAX];
};

static void js_num_cached(struct nt_buf *b, struct numcache *c, double x)
{
	uint64_t bits;

	memcpy(&bits, &x, sizeof(bits));
	if (!c->n || c->bits != bits) {
		c->n = nt_json_num(c->t, x);
		c->bits = bits;
	}
	nt_buf_add(b, c->t, c->n);
}

int nt_json_verdicts(struct nt_doc *d, const struct nt_verdicts *vs)
{
	struct nt_buf *b = &d->js;
	struct numcache cv = { 0 }, ct = { 0 };
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
		js_num_cached(b, &cv, v->value);
		JS_LIT(b, ",\"threshold\":");
		js_num_cached(b, &ct, v->threshold);
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
