/* nettriage: shared definitions (exit codes, global options, messages). */
#ifndef NETTRIAGE_H
#define NETTRIAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NT_VERSION "0.1.0"

/* Exit status, Nagios plugin convention (DESIGN.md). */
enum nt_exit {
	NT_EXIT_OK = 0,
	NT_EXIT_WARN = 1,
	NT_EXIT_CRIT = 2,
	NT_EXIT_UNKNOWN = 3, /* could not measure */
	NT_EXIT_USAGE = 64,
};

enum nt_format { NT_FMT_TABLE, NT_FMT_JSON, NT_FMT_PROM };

/* Global options, parsed by main before and after the command name. */
struct nt_global {
	enum nt_format format;
	const char *prom_file; /* --prom-file PATH, or NULL */
	double interval;       /* -i SEC; 0 = not given */
	long count;            /* -c N; 0 = not given */
	const char *netns;     /* -N NAME|PATH|PID, or NULL */
	uint64_t netns_inode;  /* inode of the namespace we run in */
	bool numeric;
	bool quiet;
	bool color;            /* resolved: TTY and not --no-color */
	bool all;              /* -a: all columns (table) */
};

/* Messages in err(3) voice: "nettriage: CONTEXT: message". Only cmd_* and
 * main call these. */
void nt_err(const char *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void nt_note(const char *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Strict number parsing for options; return 0 or -EINVAL/-ERANGE. */
int nt_parse_double(const char *s, double *out);
int nt_parse_long(const char *s, long *out);

/* Monotonic and wall clocks in seconds. */
double nt_now_mono(void);
void nt_timestamp_iso(char *buf, size_t len); /* UTC, ms precision */

/* Sleep until an absolute CLOCK_MONOTONIC time; returns -EINTR if a signal
 * asked us to stop. */
int nt_sleep_until(double mono);
extern volatile int nt_stop; /* set by SIGINT/SIGTERM */

/* Path of a /proc file, honouring the NETTRIAGE_PROC test seam. */
const char *nt_proc_path(const char *rel, char *buf, size_t len);

/* Room for one more element in the growable array *pv of n elements of
 * elem bytes with capacity *cap: doubles it (first allocation: first).
 * pv points to the array pointer. Returns 0 or -ENOMEM. */
int nt_grow(void *pv, size_t n, size_t *cap, size_t elem, size_t first);

/* Read a whole small file into buf (NUL-terminated). Returns bytes or -errno. */
long nt_read_file(const char *path, char *buf, size_t len);

#endif
