/* JSON documents: values are built with jansson and dumped at once into
 * one text buffer, so thousands of records never exist as a tree. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
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

int nt_json_records(struct nt_doc *d, const struct nt_rectype *rt,
		    const void *recs, size_t n, unsigned mask)
{
	size_t i, j;

	if (d->js_closed)
		return -EINVAL;
	js_key(d, rt->json_array);
	js_raw(d, "[");
	for (j = 0; j < n; j++) {
		const void *rec = (const char *)recs + j * rt->size;
		json_t *o = json_object(), *grp = NULL;
		const char *gname = NULL;

		if (!o)
			return -ENOMEM;
		json_object_set_new_nocheck(o, "netns", d->g->netns ?
				    json_string(d->g->netns) : json_null());
		for (i = 0; i < rt->nfields; i++) {
			const struct nt_field *fl = &rt->fields[i];
			json_t *dst = o;

			if (!(fl->flags & mask))
				continue;
			if (fl->group) {
				/* fields of a group are adjacent in the table */
				if (!gname || strcmp(gname, fl->group)) {
					grp = json_object_get(o, fl->group);
					if (!grp) {
						grp = json_object();
						json_object_set_new_nocheck(o, fl->group, grp);
					}
					gname = fl->group;
				}
				dst = grp;
			}
			json_object_set_new_nocheck(dst, fl->key, nt_field_json(rt, rec, fl));
		}
		if (j)
			js_raw(d, ",");
		js_value(d, o);
	}
	js_raw(d, "]");
	return d->js_err;
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

int nt_json_verdicts(struct nt_doc *d, const struct nt_verdicts *vs)
{
	size_t i;

	if (d->js_closed)
		return -EINVAL;
	js_key(d, "verdicts");
	js_raw(d, "[");
	for (i = 0; i < vs->n; i++) {
		const struct nt_verdict *v = &vs->v[i];

		if (i)
			js_raw(d, ",");
		js_value(d, json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:o}",
			"check", v->check, "subject", v->subject,
			"level", nt_level_name(v->level),
			"value", num_or_null(v->value),
			"threshold", num_or_null(v->threshold),
			"reason", v->reason,
			"hint", v->hint[0] ? json_string(v->hint) : json_null()));
	}
	js_raw(d, "]");
	nt_doc_set(d, "status", json_string(nt_level_name(nt_verdicts_worst(vs))));
	return d->js_err;
}
