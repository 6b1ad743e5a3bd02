/* Verdict engine: a growable list of check results and level helpers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nettriage.h"
#include "nt_verdict.h"

struct nt_verdict *nt_verdict_add(struct nt_verdicts *vs, const char *check,
				  const char *subject, enum nt_level level,
				  double value, double threshold)
{
	struct nt_verdict *v;

	if (nt_grow(&vs->v, vs->n, &vs->cap, sizeof(*vs->v), 16))
		return NULL;
	v = &vs->v[vs->n++];
	memset(v, 0, sizeof(*v));
	strncpy(v->check, check, sizeof(v->check) - 1);
	if (subject)
		strncpy(v->subject, subject, sizeof(v->subject) - 1);
	v->level = level;
	v->value = value;
	v->threshold = threshold;
	return v;
}

void nt_verdicts_reset(struct nt_verdicts *vs)
{
	vs->n = 0;
}

void nt_verdicts_free(struct nt_verdicts *vs)
{
	free(vs->v);
	vs->v = NULL;
	vs->n = vs->cap = 0;
}

/* UNKNOWN ranks between WARN and CRIT for "worst": a CRIT we measured
 * outranks a check we could not make, but an unmeasured check outranks a
 * WARN. The exit code follows the worst. */
static int rank(enum nt_level l)
{
	switch (l) {
	case NT_OK: return 0;
	case NT_WARN: return 1;
	case NT_UNKNOWN: return 2;
	case NT_CRIT: return 3;
	}
	return 2;
}

enum nt_level nt_level_worse(enum nt_level a, enum nt_level b)
{
	return rank(b) > rank(a) ? b : a;
}

enum nt_level nt_verdicts_worst(const struct nt_verdicts *vs)
{
	return nt_verdicts_worst_for(vs, NULL);
}

enum nt_level nt_verdicts_worst_for(const struct nt_verdicts *vs,
				    const char *subject)
{
	enum nt_level w = NT_OK;
	size_t i;

	for (i = 0; i < vs->n; i++) {
		if (subject && strcmp(vs->v[i].subject, subject))
			continue;
		if (rank(vs->v[i].level) > rank(w))
			w = vs->v[i].level;
	}
	return w;
}

const char *nt_level_name(enum nt_level l)
{
	static const char *n[] = { "ok", "warn", "crit", "unknown" };

	return (unsigned)l < 4 ? n[l] : "unknown";
}

const char *nt_level_upper(enum nt_level l)
{
	static const char *n[] = { "OK", "WARN", "CRIT", "UNKNOWN" };

	return (unsigned)l < 4 ? n[l] : "UNKNOWN";
}

int nt_level_exit(enum nt_level l)
{
	return (unsigned)l < 4 ? (int)l : 3;
}

enum nt_level nt_level_gt(double value, double warn, double crit)
{
	if (isnan(value))
		return NT_UNKNOWN;
	if (!isnan(crit) && value > crit)
		return NT_CRIT;
	if (!isnan(warn) && value > warn)
		return NT_WARN;
	return NT_OK;
}

enum nt_level nt_level_ge(double value, double warn, double crit)
{
	if (isnan(value))
		return NT_UNKNOWN;
	if (!isnan(crit) && value >= crit)
		return NT_CRIT;
	if (!isnan(warn) && value >= warn)
		return NT_WARN;
	return NT_OK;
}
