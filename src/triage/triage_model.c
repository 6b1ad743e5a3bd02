/* triage's model: verdict rows of every layer, the first fault, and the
 * field tables that render them (nt_triage.h). */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nettriage.h"
#include "nt_triage.h"

#define OFF(m) offsetof(struct nt_tverdict, m)

static const struct nt_field tverdict_fields[] = {
	{ "layer", "LAYER", 0, NT_T_STR, OFF(layer), NT_P_LABEL,
	  NT_F_ID | NT_F_DEF | NT_F_LEFT, NULL, -1, "Layer of the check" },
	/* NT_F_RATE: this table has no rates; the flag selects the column
	 * for --all-netns (NT_TV_SWEEP) */
	{ "netns", "NETNS", 0, NT_T_STR, OFF(netns), NT_P_LABEL,
	  NT_F_RATE | NT_F_DEF | NT_F_LEFT, NULL, NT_TV_HAVE_NETNS,
	  "Namespace: its --all-netns label, or -N's argument, empty for the one triage started in" },
	{ "check", "CHECK", 0, NT_T_STR, OFF(check), NT_P_LABEL,
	  NT_F_ID | NT_F_DEF | NT_F_LEFT, NULL, -1, "Check name" },
	{ "subject", "SUBJECT", 0, NT_T_STR, OFF(subject), NT_P_LABEL,
	  NT_F_ID | NT_F_DEF | NT_F_LEFT, NULL, -1,
	  "What was checked (interface, port, target), empty for the whole host" },
	{ "value", "VALUE", 0, NT_T_DOUBLE, OFF(value), NT_P_NONE,
	  NT_F_INFO | NT_F_DEF, NULL, -1, "Measured value (null: none)" },
	{ "threshold", "THRESHOLD", 0, NT_T_DOUBLE, OFF(threshold), NT_P_NONE,
	  NT_F_INFO | NT_F_DEF, NULL, -1, "Threshold crossed, or the WARN one (null: none)" },
	/* NT_F_TOTAL: selects the column with --baseline (NT_TV_BASELINE) */
	{ "baseline", "BASELINE", 0, NT_T_DOUBLE, OFF(baseline), NT_P_NONE,
	  NT_F_TOTAL | NT_F_DEF, NULL, -1,
	  "The saved baseline figure (--baseline), null without one" },
	{ "level", "LEVEL", 0, NT_T_STR, OFF(level), NT_P_NONE,
	  NT_F_INFO | NT_F_DEF | NT_F_LEFT, NULL, -1, "ok, warn, crit or unknown" },
	{ "level_code", "CODE", 0, NT_T_U32, OFF(level_code), NT_P_GAUGE,
	  NT_F_INFO | NT_F_NOTABLE, NULL, -1,
	  "Level of the check: 0 ok, 1 warn, 2 crit, 3 unknown (could not measure)",
	  "level" },
	{ "reason", "REASON", 0, NT_T_STR, OFF(reason), NT_P_NONE,
	  NT_F_INFO | NT_F_NOTABLE, NULL, -1, "What was measured" },
	{ "hint", "HINT", 0, NT_T_STR, OFF(hint), NT_P_NONE,
	  NT_F_INFO | NT_F_DEF | NT_F_LEFT, NULL, NT_TV_HAVE_HINT,
	  "Likely cause (WARN/CRIT), null for none" },
};

const struct nt_rectype nt_tverdict_rectype = {
	.json_array = "verdicts",
	.prom_prefix = "nettriage_check",
	.fields = tverdict_fields,
	.nfields = sizeof(tverdict_fields) / sizeof(tverdict_fields[0]),
	.size = sizeof(struct nt_tverdict),
	.avail_off = OFF(avail),
	.subject_off = OFF(subject),
};

#undef OFF
#define OFF(m) offsetof(struct nt_tsummary, m)

static const struct nt_field tsummary_fields[] = {
	{ "checks", "CHECKS", 0, NT_T_U32, OFF(checks), NT_P_GAUGE,
	  NT_F_INFO, NULL, -1, "Checks made by the run" },
	{ "not_ok", "NOT-OK", 0, NT_T_U32, OFF(not_ok), NT_P_GAUGE,
	  NT_F_INFO, NULL, -1, "Checks at warn, crit or unknown" },
	{ "level", "LEVEL", 0, NT_T_STR, OFF(level), NT_P_NONE,
	  NT_F_INFO, NULL, -1, "Worst level of the run" },
	{ "timestamp_seconds", "TIME", 0, NT_T_U64, OFF(timestamp_seconds),
	  NT_P_GAUGE, NT_F_INFO, NULL, -1, "Unix time of the run" },
};

const struct nt_rectype nt_tsummary_rectype = {
	.json_array = NULL,
	.prom_prefix = "nettriage_triage",
	.fields = tsummary_fields,
	.nfields = sizeof(tsummary_fields) / sizeof(tsummary_fields[0]),
	.size = sizeof(struct nt_tsummary),
	.avail_off = -1,
	.subject_off = -1,
};

static struct nt_tverdict *row(struct nt_tverdicts *t, const char *layer,
			       unsigned order, const char *netns)
{
	struct nt_tverdict *r;

	if (nt_grow(&t->v, t->n, &t->cap, sizeof(*t->v), 32))
		return NULL;
	r = &t->v[t->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->layer, sizeof(r->layer), "%s", layer);
	snprintf(r->netns, sizeof(r->netns), "%s", netns ? netns : "");
	memcpy(r->bkey, r->netns, sizeof(r->bkey));
	if (netns)
		r->avail |= 1ull << NT_TV_HAVE_NETNS;
	r->order = order;
	r->baseline = NAN;
	return r;
}

static void set_level(struct nt_tverdict *r, enum nt_level l)
{
	r->level_code = (uint32_t)l;
	snprintf(r->level, sizeof(r->level), "%s", nt_level_name(l));
}

int nt_triage_add(struct nt_tverdicts *t, const char *layer, unsigned order,
		  const char *netns, const struct nt_verdicts *vs)
{
	size_t i;

	for (i = 0; i < vs->n; i++) {
		const struct nt_verdict *v = &vs->v[i];
		struct nt_tverdict *r = row(t, layer, order, netns);

		if (!r)
			return -ENOMEM;
		memcpy(r->check, v->check, sizeof(r->check));
		memcpy(r->subject, v->subject, sizeof(r->subject));
		set_level(r, v->level);
		r->value = v->value;
		r->threshold = v->threshold;
		memcpy(r->reason, v->reason, sizeof(r->reason));
		memcpy(r->hint, v->hint, sizeof(r->hint));
		if (r->hint[0])
			r->avail |= 1ull << NT_TV_HAVE_HINT;
	}
	return 0;
}

int nt_triage_measure(struct nt_tverdicts *t, const char *layer,
		      unsigned order, const char *netns, enum nt_level level,
		      const char *why)
{
	struct nt_tverdict *r = row(t, layer, order, netns);

	if (!r)
		return -ENOMEM;
	snprintf(r->check, sizeof(r->check), "%s.measure", layer);
	set_level(r, level);
	r->value = NAN;
	r->threshold = NAN;
	snprintf(r->reason, sizeof(r->reason), "%s", why);
	return 0;
}

void nt_tverdicts_free(struct nt_tverdicts *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

const struct nt_tverdict *nt_triage_first_fault(const struct nt_tverdicts *t)
{
	const struct nt_tverdict *best = NULL;
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct nt_tverdict *r = &t->v[i];

		if (r->level_code != NT_WARN && r->level_code != NT_CRIT)
			continue;
		if (!best || r->order < best->order ||
		    (r->order == best->order && r->level_code > best->level_code))
			best = r;
	}
	return best;
}

enum nt_level nt_triage_worst(const struct nt_tverdicts *t)
{
	enum nt_level w = NT_OK;
	size_t i;

	for (i = 0; i < t->n; i++)
		w = nt_level_worse(w, (enum nt_level)t->v[i].level_code);
	return w;
}

/* CRIT 3, UNKNOWN 2, WARN 1, OK 0: the order nt_level_worse ranks. */
static int rank(uint32_t code)
{
	static const int r[] = { 0, 1, 3, 2 };

	return code < 4 ? r[code] : 0;
}

void nt_triage_sort_worst(struct nt_tverdicts *t)
{
	size_t i, j;

	/* insertion sort: stable, and a run has tens of rows per namespace */
	for (i = 1; i < t->n; i++) {
		struct nt_tverdict x = t->v[i];

		for (j = i; j > 0 && rank(t->v[j - 1].level_code) < rank(x.level_code); j--)
			t->v[j] = t->v[j - 1];
		t->v[j] = x;
	}
}
