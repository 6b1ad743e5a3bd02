/* triage: every layer in one run, one verdict per check, the lowest layer
 * at fault. The model: one row per verdict of every layer (and per
 * namespace with --all-netns), plus a summary. */
#ifndef NT_TRIAGE_H
#define NT_TRIAGE_H

#include <stdbool.h>
#include <stddef.h>
#include "nt_output.h"
#include "nt_verdict.h"

/* One verdict of one layer, as triage reports it (table, JSON "verdicts",
 * Prometheus nettriage_check_level). */
struct nt_tverdict {
	char layer[16];
	char netns[64];     /* the namespace's label, "" for ours */
	char check[48];
	char subject[64];
	char level[8];      /* "ok", "warn", "crit", "unknown" */
	uint32_t level_code; /* 0 ok, 1 warn, 2 crit, 3 unknown */
	uint32_t order;     /* the layer's place, lowest first */
	double value;
	double threshold;
	double baseline;    /* the baseline figure (--baseline), NaN: none */
	uint64_t avail;     /* NT_TV_HAVE_*: netns and hint are null without */
	char bkey[64];      /* the namespace as baselines know it: "" for the
			     * one triage started in (also under
			     * --all-netns), else its label; not rendered */
	char reason[192];
	char hint[192];
};

#define NT_TV_HAVE_NETNS 0
#define NT_TV_HAVE_HINT 1

struct nt_tverdicts {
	struct nt_tverdict *v;
	size_t n, cap;
};

/* Append the verdicts of one layer (order: its place, lowest first). 0 or
 * -ENOMEM. */
int nt_triage_add(struct nt_tverdicts *t, const char *layer, unsigned order,
		  const char *netns, const struct nt_verdicts *vs);
/* One row "LAYER.measure" with the reason a layer could not be measured
 * (UNKNOWN), or is not in use here (OK). */
int nt_triage_measure(struct nt_tverdicts *t, const char *layer,
		      unsigned order, const char *netns, enum nt_level level,
		      const char *why);
void nt_tverdicts_free(struct nt_tverdicts *t);

/* The first fault: the WARN or CRIT row of the lowest layer (the worst of
 * that layer, first in order among equals), or NULL when there is none. */
const struct nt_tverdict *nt_triage_first_fault(const struct nt_tverdicts *t);
/* The worst level of all rows (CRIT > UNKNOWN > WARN > OK). */
enum nt_level nt_triage_worst(const struct nt_tverdicts *t);

/* Sort rows worst first (stable within a level: layer order kept). */
void nt_triage_sort_worst(struct nt_tverdicts *t);

extern const struct nt_rectype nt_tverdict_rectype;
/* Field masks: the table (add NT_TV_SWEEP for the NETNS column), JSON. */
#define NT_TV_TABLE (NT_F_ID | NT_F_INFO | NT_F_DEF)
#define NT_TV_SWEEP NT_F_RATE
#define NT_TV_BASELINE NT_F_TOTAL /* the BASELINE column (--baseline) */
#define NT_TV_JSON (NT_F_ID | NT_F_INFO | NT_F_RATE | NT_F_TOTAL)

/* The run's summary (JSON top level, Prometheus nettriage_triage_*). */
struct nt_tsummary {
	uint32_t checks;
	uint32_t not_ok;
	char level[8];
	uint64_t timestamp_seconds;
};
extern const struct nt_rectype nt_tsummary_rectype;

/* Baselines (triage_baseline.c): the value of every verdict of a healthy
 * run, keyed by (layer, netns, check, subject). */
struct nt_tb_fig {
	char layer[16], netns[64], check[48], subject[64];
	double value;
};

struct nt_tb {
	struct nt_tb_fig *fig;
	size_t n;
	char saved[40], boot_id[64], kernel[65];
	bool other_boot, other_kernel; /* saved on another boot / kernel */
};

/* The default file: a state directory ($NETTRIAGE_BASELINE_DIR,
 * /var/lib/nettriage for root, else $XDG_STATE_HOME/nettriage or
 * ~/.local/state/nettriage), baseline-HOST-NETNS.json with NETNS
 * "default" or -N's argument. 0 or -errno. */
int nt_tb_default_path(const char *netns, char *buf, size_t len);
/* Write the figures of rows atomically (temp + fsync + rename). */
int nt_tb_save(const char *path, const struct nt_tverdicts *rows, size_t *saved);
/* Read and check a baseline; on error err says what is wrong with it. */
int nt_tb_load(const char *path, struct nt_tb *b, char *err, size_t errlen);
int nt_tb_parse(const char *text, size_t len, struct nt_tb *b, char *err,
		size_t errlen);
void nt_tb_free(struct nt_tb *b);

/* "changed": value >= NT_TB_FACTOR x the baseline and at least a floor
 * above it (a tenth of the check's threshold, or 1 when it has none). */
#define NT_TB_FACTOR 5.0
bool nt_tb_changed(double value, double base, double threshold);
double nt_tb_floor(double threshold);
/* Fill each row's baseline figure and add a WARN "<check>.changed" row for
 * each figure far from its baseline; *matched counts the rows that had a
 * figure. 0 or -ENOMEM. */
int nt_tb_apply(const struct nt_tb *b, struct nt_tverdicts *rows, size_t *matched);

#endif
