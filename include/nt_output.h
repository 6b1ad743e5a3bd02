/* Field tables and the three renderers (table, JSON, Prometheus).
 *
 * A command fills an array of plain records; one field table describes the
 * record, and every renderer reads the records only through it, so a field
 * appears in every format or in none. */
#ifndef NT_OUTPUT_H
#define NT_OUTPUT_H

#include <stdio.h>
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
};

enum nt_prom {
	NT_P_NONE,    /* not exported */
	NT_P_LABEL,   /* identifies the record: a label */
	NT_P_GAUGE,
	NT_P_COUNTER, /* exported as <prefix>_<key>_total */
};

/* Field flags; renderers select fields with a mask. */
#define NT_F_ID     0x01u /* identity columns (name, ifindex) */
#define NT_F_INFO   0x02u /* descriptive values (state, mtu) */
#define NT_F_TOTAL  0x04u /* counters since boot */
#define NT_F_RATE   0x08u /* per-second rates and ratios (interval) */
#define NT_F_DEF    0x10u /* shown in the default table */
#define NT_F_NOTABLE 0x20u /* never a table column */
#define NT_F_DELTA  0x40u /* counter deltas over an interval (-i) */

struct nt_field {
	const char *key;    /* JSON key; metric suffix or label name */
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

/* A document under construction: the shared JSON envelope plus the
 * Prometheus buffer. */
struct nt_doc {
	const char *command;
	const struct nt_global *g;
	bool json;             /* format JSON: text built in js */
	char *js;              /* the object's text so far, "{" ... */
	size_t js_len, js_cap;
	unsigned nparts;
	bool js_closed;
	int js_err;
	FILE *prom;            /* memstream (format PROM) */
	char *prom_buf;
	size_t prom_len;
};

/* JSON is rendered as it is added: every value is built with jansson and
 * dumped at once into the document's text, in the order added, so no tree
 * of thousands of records is ever held. While a JSON document is open,
 * jansson allocates from an arena that is reset after each value: a json_t
 * made by the caller must be handed to the document (nt_doc_set) before
 * the next nt_doc_* call and never outlive the document. */
int nt_doc_init(struct nt_doc *d, const char *command, const struct nt_global *g);
void nt_doc_free(struct nt_doc *d);

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
 * stolen. */
void nt_doc_set(struct nt_doc *d, const char *key, json_t *v);

/* The finished JSON text (no newline) and its length; owned by d. NULL on
 * ENOMEM. Closes the document: nothing can be added after. */
const char *nt_doc_json(struct nt_doc *d, size_t *len);

/* Internal to the renderers (out_json.c / output.c). */
bool nt_field_avail(const struct nt_rectype *rt, const void *rec,
		    const struct nt_field *f);
double nt_field_double(const void *rec, const struct nt_field *f);
uint64_t nt_field_u64(const void *rec, const struct nt_field *f);
json_t *nt_field_json(const struct nt_rectype *rt, const void *rec,
		      const struct nt_field *f);
int nt_json_records(struct nt_doc *d, const struct nt_rectype *rt,
		    const void *recs, size_t n, unsigned mask);
int nt_json_verdicts(struct nt_doc *d, const struct nt_verdicts *vs);

/* Append verdicts (JSON array "verdicts", Prometheus nettriage_verdict). */
int nt_doc_verdicts(struct nt_doc *d, const struct nt_verdicts *vs);

/* Emit to stdout or, for --prom-file, write atomically (temp + rename).
 * Returns 0 or -errno. */
int nt_doc_emit(struct nt_doc *d);

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
void nt_fmt_count(char *buf, size_t len, uint64_t v);  /* 1234567 -> 1.23M */
void nt_fmt_double(char *buf, size_t len, double v);

#endif
