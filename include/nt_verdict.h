/* Verdict engine shared by all commands (USE-method OK/WARN/CRIT). */
#ifndef NT_VERDICT_H
#define NT_VERDICT_H

#include <stddef.h>

enum nt_level { NT_OK = 0, NT_WARN = 1, NT_CRIT = 2, NT_UNKNOWN = 3 };

struct nt_verdict {
	char check[48];     /* "link.drops" */
	char subject[64];   /* "eth0", "" for a whole-host check */
	enum nt_level level;
	double value;       /* NaN: no value */
	double threshold;   /* the threshold crossed (or the WARN one), NaN: none */
	char reason[192];   /* what was measured */
	char hint[192];     /* one-line cause hint, WARN/CRIT only */
};

struct nt_verdicts {
	struct nt_verdict *v;
	size_t n, cap;
};

/* Append a verdict; returns a pointer to it or NULL on ENOMEM. */
struct nt_verdict *nt_verdict_add(struct nt_verdicts *vs, const char *check,
				  const char *subject, enum nt_level level,
				  double value, double threshold);
void nt_verdicts_free(struct nt_verdicts *vs);
void nt_verdicts_reset(struct nt_verdicts *vs);

/* Worst level, and the worst among verdicts for a subject. */
enum nt_level nt_verdicts_worst(const struct nt_verdicts *vs);
enum nt_level nt_verdicts_worst_for(const struct nt_verdicts *vs,
				    const char *subject);

/* The worse of two levels (CRIT > UNKNOWN > WARN > OK). */
enum nt_level nt_level_worse(enum nt_level a, enum nt_level b);

const char *nt_level_name(enum nt_level l);   /* "ok", "warn", ... */
const char *nt_level_upper(enum nt_level l);  /* "OK", "WARN", ... */
int nt_level_exit(enum nt_level l);           /* 0, 1, 2, 3 */

/* Threshold check helpers: level for value against warn/crit where a
 * threshold is "exceeded" when value > t (strict) or >= t. NaN thresholds are
 * disabled. */
enum nt_level nt_level_gt(double value, double warn, double crit);
enum nt_level nt_level_ge(double value, double warn, double crit);

#endif
