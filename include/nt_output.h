/* Field tables and the three renderers (table, JSON, Prometheus).
 *
 * A command fills an array of plain records; one field table describes the
 * record, and every renderer reads the records only through it, so a field
 * appears in every format or in none. */
#ifndef NT_OUTPUT_H
#define NT_OUTPUT_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <jansson.h>
#include "nettriage.h"
#include "nt_verdict.h"

enum nt_ftype {
	NT_T_STR,    /* char[] inside the record */
	NT_T_U64,
	NT_T_U32,
	NT_T_DOUBLE, /* NaN renders as null / "-" / no sample */
	NT_T_BOOL,
	NT_T_I64,    /* int64_t: a value the source may give negative (MaxConn -1) */
};

enum nt_prom {
	NT_P_NONE,    /* not exported */
	NT_P_LABEL,   /* identifies the record: a label */
	NT_P_GAUGE,
	NT_P_COUNTER, /* exported as <prefix>_<key>_total */
	NT_P_NAME,    /* a char[]: the record's own metric name (named sets) */
};

/* Field flags; renderers select fields with a mask. */
#define NT_F_ID     0x01u /* identity columns (name, ifindex) */
#define NT_F_INFO   0x02u /* descriptive values (state, mtu) */
#define NT_F_TOTAL  0x04u /* counters since boot */
#define NT_F_RATE   0x08u /* per-second rates and ratios (interval) */
#define NT_F_DEF    0x10u /* shown in the default table */
#define NT_F_NOTABLE 0x20u /* never a table column */
#define NT_F_DELTA  0x40u /* counter deltas over an interval (-i) */
#define NT_F_LEFT   0x80u /* table: left-aligned (text columns) */
#define NT_F_NAME   0x100u /* names the record in a named set (below) */

struct nt_field {
	const char *key;    /* JSON key; metric suffix or label name; NULL
			     * (with a group, no title, NT_P_NONE): the
			     * group's marker, so the group is written even
			     * when no other field of it is in the table
			     * ("extra": {}) */
	const char *title;  /* table column title */
	int width;          /* table column width */
	enum nt_ftype type;
	size_t offset;      /* into the record */
	enum nt_prom prom;
	unsigned flags;
	const char *group;  /* JSON sub-object name ("rates"), or NULL */
	int avail_bit;      /* bit in the record's availability mask, or -1 */
	const char *help;   /* Prometheus HELP and man page text */
	const char *prom_key; /* label or metric name (after the prefix) when
			       * it differs from key */
	double prom_scale;  /* Prometheus value = value * prom_scale (0: as
			     * is): 0.01 turns a percent into a _ratio,
			     * 0.001 milliseconds into _seconds */
};

struct nt_rectype {
	const char *json_array;  /* e.g. "interfaces" */
	const char *prom_prefix; /* e.g. "nettriage_link" */
	const struct nt_field *fields;
	size_t nfields;
	size_t size;             /* sizeof the record */
	ssize_t avail_off;       /* offset of a uint64_t availability mask, or -1 */
	ssize_t subject_off;     /* offset of the char[] matched to verdict subjects */
};

/* Named sets: records that are members of an open-ended set whose names
 * are data, not fields (the kernel's Tcp and TcpExt counters: ~135 in
 * TcpExt, more in newer kernels, unknown ones kept). The NT_T_STR field
 * flagged NT_F_NAME names the record:
 *  - JSON: the records are one object under json_array, {name: value},
 *    the value being the first field the mask selects besides the name
 *    (null where not available);
 *  - table: one row per record, like any record type;
 *  - Prometheus: like any record type (the name may be a label, as a TCP
 *    state is), unless a field is NT_P_NAME: a char[] holding the record's
 *    own metric name after the prefix ("": not exported). Then every
 *    record is a family of its own, <prefix>_<metric><prom_key>[_total],
 *    for each exported field available in it (prom_key is then a unit
 *    suffix, e.g. "_seconds"), with HELP "<help> <name>".
 *
 * struct nt_named is the generic record of such a set: named counters
 * with a delta and rate over a baseline. Each record has exactly one of
 * the NT_NM_COUNTER.. bits, which picks the Prometheus field (and so the
 * type and unit) it is exported by; NT_NAMED_FIELDS(title, help) is its
 * field table (title heads the name column, help starts each HELP). */
struct nt_named {
	char name[48];     /* the source's name: JSON key, table row */
	char metric[96];   /* metric name after the prefix, no unit or _total */
	int64_t value;
	uint64_t delta;    /* over the baseline (bit NT_NM_DELTA) */
	double rate;       /* per second (bit NT_NM_RATE) */
	uint64_t avail;
};

enum {
	NT_NM_DELTA, NT_NM_RATE,
	NT_NM_COUNTER, NT_NM_GAUGE,       /* exported as is */
	NT_NM_COUNTER_MS, NT_NM_GAUGE_MS, /* kept in ms, exported in seconds */
};

#define NT_NM_OFF(m) offsetof(struct nt_named, m)
#define NT_NAMED_FIELDS(title, help) \
	{ "name", title, 0, NT_T_STR, NT_NM_OFF(name), NT_P_NONE, \
	  NT_F_ID | NT_F_DEF | NT_F_NAME, NULL, -1, "The source's name" }, \
	{ "metric", NULL, 0, NT_T_STR, NT_NM_OFF(metric), NT_P_NAME, \
	  NT_F_NOTABLE, NULL, -1, "Metric name" }, \
	{ "value", "TOTAL", 0, NT_T_I64, NT_NM_OFF(value), NT_P_NONE, \
	  NT_F_TOTAL | NT_F_DEF, NULL, -1, help }, \
	{ "delta", "DELTA", 0, NT_T_U64, NT_NM_OFF(delta), NT_P_NONE, \
	  NT_F_INFO | NT_F_DELTA | NT_F_DEF, NULL, NT_NM_DELTA, "Rise over the baseline" }, \
	{ "rate", "RATE/s", 0, NT_T_DOUBLE, NT_NM_OFF(rate), NT_P_NONE, \
	  NT_F_RATE | NT_F_DEF, NULL, NT_NM_RATE, "Per second over the baseline" }, \
	{ "value", NULL, 0, NT_T_I64, NT_NM_OFF(value), NT_P_COUNTER, \
	  NT_F_TOTAL | NT_F_NOTABLE, NULL, NT_NM_COUNTER, help }, \
	{ "value", NULL, 0, NT_T_I64, NT_NM_OFF(value), NT_P_GAUGE, \
	  NT_F_TOTAL | NT_F_NOTABLE, NULL, NT_NM_GAUGE, help }, \
	{ "value", NULL, 0, NT_T_I64, NT_NM_OFF(value), NT_P_COUNTER, \
	  NT_F_TOTAL | NT_F_NOTABLE, NULL, NT_NM_COUNTER_MS, \
	  help ", kept in ms, exported in seconds:", "_seconds", 0.001 }, \
	{ "value", NULL, 0, NT_T_I64, NT_NM_OFF(value), NT_P_GAUGE, \
	  NT_F_TOTAL | NT_F_NOTABLE, NULL, NT_NM_GAUGE_MS, \
	  help ", kept in ms, exported in seconds:", "_seconds", 0.001 }

/* A growing text buffer. Appends never fail loudly: the first allocation
 * failure is kept in err and later appends do nothing. */
struct nt_buf {
	char *p;      /* NUL-terminated while cap > 0 */
	size_t len, cap;
	int err;      /* 0 or -ENOMEM */
};

int nt_buf_grow(struct nt_buf *b, size_t more);
void nt_buf_free(struct nt_buf *b);

/* Room for more bytes (and the NUL) at b->p + b->len; 0 or -ENOMEM. */
static inline int nt_buf_reserve(struct nt_buf *b, size_t more)
{
	if (b->err || b->cap - b->len <= more)
		return nt_buf_grow(b, more);
	return 0;
}

static inline void nt_buf_add(struct nt_buf *b, const char *s, size_t n)
{
	if (nt_buf_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* JSON text (json_enc.c). nt_json_str appends s (n bytes) as a quoted,
 * escaped JSON string: '"', '\\' and controls < 0x20 escaped (\n, \t, ...,
 * \u001B), valid UTF-8 kept, each maximal invalid UTF-8 subpart replaced
 * by U+FFFD. The number formatters write at most NT_JSON_NUM_MAX bytes, no
 * NUL, and return the length. nt_json_real: NT_JSON_DIGITS significant
 * digits, as printf's "%.10g" with a ".0" or exponent always present and
 * no '+' or leading zeros in the exponent (jansson's form), NaN/inf as
 * null; 17 digits for the few values so close to DBL_MAX that 10 would
 * read back as infinity. nt_json_num: whole values below 2^53 as integers, else
 * nt_json_real. nt_prom_double: the shortest %.15g..%.17g that reads
 * back exactly, NaN and +Inf/-Inf as Prometheus spells them. */
#define NT_JSON_NUM_MAX 40
#define NT_JSON_DIGITS 10
void nt_json_str(struct nt_buf *b, const char *s, size_t n);
size_t nt_json_u64(char *out, uint64_t v, bool neg);
size_t nt_json_real(char *out, double x);
size_t nt_json_num(char *out, double x);
size_t nt_prom_double(char *out, double x);

/* A document under construction: the shared JSON envelope plus the
 * Prometheus buffer. */
struct nt_doc {
	const char *command;
	const struct nt_global *g;
	bool json;             /* format JSON: text built in js */
	struct nt_buf js;      /* the object's text so far, "{" ..., or
				* what js_out has not been given yet */
	FILE *js_out;          /* JSON is written here in 64 KiB chunks as it
				* is built: stdout after nt_doc_init; set it
				* to NULL before adding anything to keep the
				* whole text for nt_doc_json() */
	unsigned nparts;
	unsigned depth;        /* sections open (nt_doc_open) */
	unsigned outer[10];    /* nparts of each enclosing level */
	char close[10];        /* '}' or ']' for each open level */
	bool js_closed;
	FILE *prom;            /* memstream (format PROM) */
	char *prom_buf;
	size_t prom_len;
	char ts[40];           /* the document's time (nt_doc_init) */
};

/* JSON is written straight into one text buffer as it is added, in the
 * order added (records and verdicts field by field, never as a tree),
 * and streamed to js_out in chunks. No global state: documents are
 * independent. With js_out set, part of a document may be out before an
 * error is known; nt_doc_emit() reports it. */
int nt_doc_init(struct nt_doc *d, const char *command, const struct nt_global *g);
void nt_doc_free(struct nt_doc *d);
/* The keys every document starts with (schema, command, netns,
 * netns_inode, timestamp), into the section open now: nt_doc_init writes
 * them at the top; a document holding several whole documents (path A B
 * C) writes them into each. */
void nt_doc_header(struct nt_doc *d);

/* Add records rendered through a field table, selecting fields by mask. */
int nt_doc_records(struct nt_doc *d, const struct nt_rectype *rt,
		   const void *recs, size_t n, unsigned mask);

/* One record whose fields go to the top level of the JSON object (a
 * field's group becomes a sub-object; fields of a group are adjacent in
 * the table) and to Prometheus like nt_doc_records. */
int nt_doc_object(struct nt_doc *d, const struct nt_rectype *rt,
		  const void *rec, unsigned mask);

/* Prometheus only: the records' metrics, without adding them to the JSON
 * (for records a command nests inside its own JSON value). */
void nt_doc_prom_records(struct nt_doc *d, const struct nt_rectype *rt,
			 const void *recs, size_t n, unsigned mask);

/* JSON-only extras at the top level, in order; the reference to v is
 * stolen (v is written out at once with our encoder, then released). */
void nt_doc_set(struct nt_doc *d, const char *key, json_t *v);

/* Sections: nt_doc_open(d, key, false) opens an object under key (NULL:
 * an element of the enclosing array), true an array; what is added until
 * nt_doc_close goes inside. Up to 10 levels ("namespaces" of --all-netns >
 * one namespace > "layers" of triage > one layer, and inside a layer its
 * own nesting: path's "path" > target > "hops" > hop > "responders" >
 * responder). Prometheus output is not affected. */
void nt_doc_open(struct nt_doc *d, const char *key, bool array);
void nt_doc_close(struct nt_doc *d);

/* The finished JSON text (no newline) and its length, when js_out is
 * NULL; owned by d. NULL on ENOMEM or when streaming. Closes the
 * document: nothing can be added after. */
const char *nt_doc_json(struct nt_doc *d, size_t *len);

/* Internal to the renderers (out_json.c / output.c). */
/* Field access; inline, as the JSON writer calls them for every field of
 * thousands of records. */
static inline bool nt_field_avail(const struct nt_rectype *rt, const void *rec,
				  const struct nt_field *f)
{
	uint64_t mask;

	if (rt->avail_off < 0 || f->avail_bit < 0)
		return true;
	memcpy(&mask, (const char *)rec + rt->avail_off, sizeof(mask));
	return (mask >> f->avail_bit) & 1;
}

static inline double nt_field_double(const void *rec, const struct nt_field *f)
{
	double d;

	memcpy(&d, (const char *)rec + f->offset, sizeof(d));
	return d;
}

static inline uint64_t nt_field_u64(const void *rec, const struct nt_field *f)
{
	const char *p = (const char *)rec + f->offset;
	uint64_t v = 0;
	uint32_t w;
	bool b;

	switch (f->type) {
	case NT_T_U64:
		memcpy(&v, p, sizeof(v));
		break;
	case NT_T_U32:
		memcpy(&w, p, sizeof(w));
		v = w;
		break;
	case NT_T_BOOL:
		memcpy(&b, p, sizeof(b));
		v = b;
		break;
	default: /* NT_T_I64: nt_field_i64 */
		break;
	}
	return v;
}

static inline int64_t nt_field_i64(const void *rec, const struct nt_field *f)
{
	int64_t v;

	memcpy(&v, (const char *)rec + f->offset, sizeof(v));
	return v;
}

json_t *nt_field_json(const struct nt_rectype *rt, const void *rec,
		      const struct nt_field *f);
int nt_json_records(struct nt_doc *d, const struct nt_rectype *rt,
		    const void *recs, size_t n, unsigned mask);
int nt_json_object(struct nt_doc *d, const struct nt_rectype *rt,
		   const void *rec, unsigned mask);
int nt_json_verdicts(struct nt_doc *d, const struct nt_verdicts *vs);
int nt_json_finish(struct nt_doc *d); /* close, write the rest and '\n' */
/* The Prometheus side of nt_doc_records/nt_doc_object (out_prom.c). */
void nt_prom_records(struct nt_doc *d, const struct nt_rectype *rt,
		     const void *recs, size_t n, unsigned mask);

/* Append verdicts (JSON array "verdicts", Prometheus nettriage_verdict). */
int nt_doc_verdicts(struct nt_doc *d, const struct nt_verdicts *vs);

/* Emit to stdout or, for --prom-file, write atomically (temp + rename).
 * Returns 0 or -errno. */
int nt_doc_emit(struct nt_doc *d);

/* The Prometheus text to where g sends it: stdout (--prom), the
 * unprivileged parent's pipe, or the --prom-file (atomically). 0 or
 * -errno. */
int nt_prom_out(const struct nt_global *g, const char *buf, size_t len);

/* Concatenated expositions (one per namespace) regrouped so that each
 * family's HELP and TYPE come once, followed by all its samples in input
 * order; families in order of first appearance. Appends to out. 0 or
 * -ENOMEM. */
int nt_prom_regroup(const char *in, size_t len, struct nt_buf *out);
/* nt_prom_regroup, then nt_prom_out. 0 or -errno. */
int nt_prom_out_grouped(const struct nt_global *g, const char *buf, size_t len);

/* Table renderer: writes aligned columns for records, with a VERDICT column
 * computed from vs (worst level whose subject matches the record). */
void nt_table_print(FILE *f, const struct nt_rectype *rt, const void *recs,
		    size_t n, unsigned mask, const struct nt_verdicts *vs,
		    bool color);

/* Verdict lines for WARN/CRIT/UNKNOWN and a summary line. */
void nt_verdicts_print(FILE *f, const char *command,
		       const struct nt_verdicts *vs, bool color, bool quiet);

/* Helpers used by renderers and tests. */
void nt_prom_escape(FILE *f, const char *s); /* label value escaping */
void nt_prom_value(FILE *f, double v);       /* " <value>\n" */
void nt_fmt_count(char *buf, size_t len, uint64_t v);  /* 1234567 -> 1.23M */
void nt_fmt_double(char *buf, size_t len, double v);

#endif
