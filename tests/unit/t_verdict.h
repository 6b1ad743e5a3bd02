/* Verdict lookups for unit tests: the verdict of a check and subject. */
#ifndef NT_T_VERDICT_H
#define NT_T_VERDICT_H

#include <string.h>
#include "nt_verdict.h"

static inline const struct nt_verdict *t_verdict(const struct nt_verdicts *vs,
						 const char *check, const char *subj)
{
	size_t i;

	for (i = 0; i < vs->n; i++)
		if (!strcmp(vs->v[i].check, check) && !strcmp(vs->v[i].subject, subj))
			return &vs->v[i];
	return NULL;
}

/* Its level, or -1 when there is none. */
static inline int t_level(const struct nt_verdicts *vs, const char *check,
			  const char *subj)
{
	const struct nt_verdict *v = t_verdict(vs, check, subj);

	return v ? (int)v->level : -1;
}

/* The first verdict of a check, whatever its subject. */
static inline const struct nt_verdict *t_check(const struct nt_verdicts *vs,
					       const char *check)
{
	size_t i;

	for (i = 0; i < vs->n; i++)
		if (!strcmp(vs->v[i].check, check))
			return &vs->v[i];
	return NULL;
}

#endif
