/* JSON documents: values are built with jansson and dumped at once into
 * one text buffer, so thousands of records never exist as a tree. */
#include <errno.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nt_escape.h"
#include "nt_output.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER | \
		    JSON_REAL_PRECISION(10))

/* jansson allocates every value and key separately; a document's values
 * live only until they are dumped, so they come from a bump arena that is
 * reset after each value and released by nt_doc_free(). */
struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	_Alignas(16) unsigned char mem[];
};

static struct arena_chunk *arena;
static unsigned arena_users;

static void *arena_alloc(size_t n)
{
	struct arena_chunk *c = arena;

	n = (n + 15) & ~(size_t)15;
	if (!c || c->size - c->used < n) {
		size_t size = n > (256u << 10) ? n : (256u << 10);

		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->next = arena;
		c->used = 0;
		c->size = size;
		arena = c;
	}
	c->used += n;
	return c->mem + c->used - n;
}

static void arena_free(void *p)
{
	(void)p; /* reclaimed by arena_reset() */
}

/* Keep the newest chunk for reuse, free the rest. */
static void arena_reset(void)
{
	struct arena_chunk *c;

	if (!arena)
		return;
	while ((c = arena->next)) {
		arena->next = c->next;
		free(c);
	}
	arena->used = 0;
}

static void arena_release(void)
{
	arena_reset();
	free(arena);
	arena = NULL;
}

static int js_cb(const char *buf, size_t size, void *data)
{
	struct nt_doc *d = data;

	if (d->js_len + size + 1 > d->js_cap) {
		size_t cap = d->js_cap ? d->js_cap : 4096;
		char *n;

		while (cap < d->js_len + size + 1)
			cap *= 2;
		n = realloc(d->js, cap);
		if (!n) {
			d->js_err = -ENOMEM;
			return -1;
		}
		d->js = n;
		d->js_cap = cap;
	}
	memcpy(d->js + d->js_len, buf, size);
	d->js_len += size;
	d->js[d->js_len] = '\0';
	return 0;
}

static void js_raw(struct nt_doc *d, const char *s)
{
	js_cb(s, strlen(s), d);
}

static void js_dump(struct nt_doc *d, json_t *v)
{
	if (!v) {
		d->js_err = -ENOMEM;
		return;
	}
	if (json_dump_callback(v, js_cb, d, DUMP_FLAGS) < 0 && !d->js_err)
		d->js_err = -ENOMEM;
	json_decref(v);
}

/* Dump v (reference stolen) and reclaim the arena: nothing made before
 * this call may be used after it. */
static void js_value(struct nt_doc *d, json_t *v)
{
	js_dump(d, v);
	arena_reset();
}

/* The key is dumped without resetting the arena: the value that goes with
 * it was usually made before (an argument of nt_doc_set). */
static void js_key(struct nt_doc *d, const char *key)
{
	if (d->nparts++)
		js_raw(d, ",");
	js_dump(d, json_string(key));
	js_raw(d, ":");
}

int nt_doc_init(struct nt_doc *d, const char *command, const struct nt_global *g)
{
	char ts[40];

	memset(d, 0, sizeof(*d));
	d->command = command;
	d->g = g;
	if (g->format == NT_FMT_JSON) {
		d->json = true;
		if (arena_users++ == 0)
			json_set_alloc_funcs(arena_alloc, arena_free);
		js_raw(d, "{");
		nt_timestamp_iso(ts, sizeof(ts));
		nt_doc_set(d, "schema", json_integer(1));
		nt_doc_set(d, "command", json_string(command));
		nt_doc_set(d, "netns", g->netns ? json_string(g->netns) : json_null());
		nt_doc_set(d, "netns_inode", json_integer((json_int_t)g->netns_inode));
		nt_doc_set(d, "timestamp", json_string(ts));
		if (d->js_err)
			return d->js_err;
	}
	if (g->format == NT_FMT_PROM || g->prom_file) {
		d->prom = open_memstream(&d->prom_buf, &d->prom_len);
		if (!d->prom)
			return -errno;
	}
	return 0;
}

void nt_doc_free(struct nt_doc *d)
{
	if (d->json && --arena_users == 0) {
		arena_release();
		json_set_alloc_funcs(malloc, free);
	}
	free(d->js);
	if (d->prom)
		fclose(d->prom);
	free(d->prom_buf);
	memset(d, 0, sizeof(*d));
}

void nt_doc_set(struct nt_doc *d, const char *key, json_t *v)
{
	if (!d->json || d->js_closed) {
		json_decref(v);
		return;
	}
	js_key(d, key);
	js_value(d, v);
}

const char *nt_doc_json(struct nt_doc *d, size_t *len)
{
	if (!d->json)
		return NULL;
	if (!d->js_closed) {
		js_raw(d, "}");
		d->js_closed = true;
	}
	if (d->js_err)
		return NULL;
	*len = d->js_len;
	return d->js;
}

/* A key made only of [a-z0-9_] needs no escaping; field tables use such
 * keys, and anything else still goes through jansson. */
static void js_field_key(struct nt_doc *d, const char *key, bool first)
{
	const char *p;
	char buf[80];
	size_t n = 0, kl;

	for (p = key; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			break;
	kl = (size_t)(p - key);
	if (*p || !kl || kl > sizeof(buf) - 5) {
		if (!first)
			js_raw(d, ",");
		js_dump(d, json_string(key));
		js_raw(d, ":");
		return;
	}
	if (!first)
		buf[n++] = ',';
	buf[n++] = '"';
	memcpy(buf + n, key, kl);
	n += kl;
	buf[n++] = '"';
	buf[n++] = ':';
	js_cb(buf, n, d);
}

static void js_u64(struct nt_doc *d, uint64_t v, bool neg)
{
	char num[24], *q = num + sizeof(num);

	do {
		*--q = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (neg)
		*--q = '-';
	js_cb(q, (size_t)(num + sizeof(num) - q), d);
}

static void js_num(struct nt_doc *d, double x)
{
	if (!isfinite(x))
		js_raw(d, "null");
	else if (x == trunc(x) && fabs(x) < 9007199254740992.0)
		js_u64(d, (uint64_t)fabs(x), x < 0);
	else
		js_value(d, json_real(x));
}

/* One field's value. Numbers need no escaping: whole numbers (counters,
 * and most rates, which are 0) are written directly; other reals and all
 * strings are encoded by jansson. */
static void js_field_value(struct nt_doc *d, const struct nt_rectype *rt,
			   const void *rec, const struct nt_field *fl)
{
	if (!nt_field_avail(rt, rec, fl)) {
		js_raw(d, "null");
		return;
	}
	switch (fl->type) {
	case NT_T_U64:
	case NT_T_U32:
		js_u64(d, nt_field_u64(rec, fl), false);
		return;
	case NT_T_BOOL:
		js_raw(d, nt_field_u64(rec, fl) ? "true" : "false");
		return;
	case NT_T_DOUBLE:
		js_num(d, nt_field_double(rec, fl));
		return;
	case NT_T_STR:
		break;
	}
	js_value(d, nt_field_json(rt, rec, fl));
}

/* Records are written field by field into the text: with thousands of
 * records, building a jansson object per record and dumping it cost more
 * than the netlink dump itself. Fields of one group must be adjacent in
 * the table (checked: -EINVAL otherwise). */
int nt_json_records(struct nt_doc *d, const struct nt_rectype *rt,
		    const void *recs, size_t n, unsigned mask)
{
	size_t i, j;

	if (d->js_closed)
		return -EINVAL;
	for (i = 1; i < rt->nfields; i++) {
		const char *g = rt->fields[i].group;
		size_t k;

		if (!g || (rt->fields[i - 1].group && !strcmp(rt->fields[i - 1].group, g)))
			continue;
		for (k = 0; k + 1 < i; k++)
			if (rt->fields[k].group && !strcmp(rt->fields[k].group, g))
				return -EINVAL; /* group split in the table */
	}
	js_key(d, rt->json_array);
	js_raw(d, "[");
	for (j = 0; j < n; j++) {
		const void *rec = (const char *)recs + j * rt->size;
		const char *open = NULL; /* the group being written */
		bool first_in_group = false;

		js_raw(d, j ? ",{" : "{");
		js_field_key(d, "netns", true);
		if (d->g->netns)
			js_value(d, json_string(d->g->netns));
		else
			js_raw(d, "null");
		for (i = 0; i < rt->nfields; i++) {
			const struct nt_field *fl = &rt->fields[i];

			if (!(fl->flags & mask))
				continue;
			if (open && (!fl->group || strcmp(open, fl->group))) {
				js_raw(d, "}");
				open = NULL;
			}
			if (fl->group && !open) {
				js_field_key(d, fl->group, false);
				js_raw(d, "{");
				open = fl->group;
				first_in_group = true;
			}
			js_field_key(d, fl->key, open ? first_in_group : false);
			first_in_group = false;
			js_field_value(d, rt, rec, fl);
		}
		if (open)
			js_raw(d, "}");
		js_raw(d, "}");
	}
	js_raw(d, "]");
	return d->js_err;
}

/* Like records: keys are ours, strings are encoded by jansson. */
int nt_json_verdicts(struct nt_doc *d, const struct nt_verdicts *vs)
{
	size_t i;

	if (d->js_closed)
		return -EINVAL;
	js_key(d, "verdicts");
	js_raw(d, "[");
	for (i = 0; i < vs->n; i++) {
		const struct nt_verdict *v = &vs->v[i];

		js_raw(d, i ? ",{" : "{");
		js_field_key(d, "check", true);
		js_value(d, json_string(v->check));
		js_field_key(d, "subject", false);
		js_value(d, nt_json_text(v->subject));
		js_field_key(d, "level", false);
		js_value(d, json_string(nt_level_name(v->level)));
		js_field_key(d, "value", false);
		js_num(d, v->value);
		js_field_key(d, "threshold", false);
		js_num(d, v->threshold);
		js_field_key(d, "reason", false);
		js_value(d, nt_json_text(v->reason));
		js_field_key(d, "hint", false);
		if (v->hint[0])
			js_value(d, nt_json_text(v->hint));
		else
			js_raw(d, "null");
		js_raw(d, "}");
	}
	js_raw(d, "]");
	nt_doc_set(d, "status", json_string(nt_level_name(nt_verdicts_worst(vs))));
	return d->js_err;
}
