/* nettriage: shared definitions (exit codes, global options, messages). */
#ifndef NETTRIAGE_H
#define NETTRIAGE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>
#include "nt_netns.h"

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

struct nt_config;

/* Global options, parsed by main before and after the command name. */
struct nt_global {
	enum nt_format format;
	const char *prom_file; /* --prom-file PATH, or NULL */
	int prom_pipe;         /* > 0: send the --prom-file text down this fd
				* instead (path's unprivileged child; its
				* parent writes the file); 0: write it */
	FILE *prom_sink;       /* set: documents append their Prometheus text
				* here instead (--all-netns regroups it) */
	bool all_netns;        /* --all-netns */
	double interval;       /* -i SEC; 0 = not given */
	long count;            /* -c N; 0 = not given */
	const char *netns;     /* -N NAME|PATH|PID, or NULL */
	uint64_t netns_inode;  /* inode of the namespace we run in, 0: unknown */
	struct nt_netns_id ns; /* its identity for history keys (nt_netns.h) */
	bool numeric;
	bool quiet;
	bool color;            /* resolved: TTY and not --no-color */
	bool all;              /* -a: all columns (table) */
	/* the configuration file read for this run (nt_config.h), or NULL;
	 * its section for the command is already in the command's argv. A
	 * command that runs other commands' layers (triage) gets theirs
	 * with nt_config_argv(g->config, "link", ...). */
	const struct nt_config *config;
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
/* Seconds (>= 0) as a struct timespec, for ppoll's relative timeout. */
struct timespec nt_timespec_of(double s);
/* Block SIGINT and SIGTERM in the calling thread (*old: the mask before):
 * between a loop's nt_stop check and its ppoll(..., old), which unblocks
 * them atomically, so a stop is never left waiting a whole timeout. */
void nt_stops_block(sigset_t *old);
/* Set by the SIGINT/SIGTERM handler (main.c), read by loops. */
extern volatile sig_atomic_t nt_stop;

/* Path of a /proc file, honouring the NETTRIAGE_PROC test seam (read
 * with secure_getenv, so ignored in a set-uid/capability run). */
const char *nt_proc_path(const char *rel, char *buf, size_t len);

/* Room for one more element in the growable array *pv of n elements of
 * elem bytes with capacity *cap: doubles it (first allocation: first).
 * pv points to the array pointer. Returns 0 or -ENOMEM. */
int nt_grow(void *pv, size_t n, size_t *cap, size_t elem, size_t first);

/* Read a whole small file into buf (NUL-terminated). Returns bytes, or
 * -errno: -EFBIG when it does not fit in len - 1 bytes (never a silent
 * cut). */
long nt_read_file(const char *path, char *buf, size_t len);

/* Read a whole file of any length up to NT_READ_MAX into *buf
 * (NUL-terminated), growing it with realloc; *buf and *cap may start as
 * NULL/0 and are kept for reuse (the caller frees *buf). Returns bytes, or
 * -errno (-EFBIG beyond NT_READ_MAX). */
#define NT_READ_FIRST (64u << 10)
#define NT_READ_MAX (16u << 20)
long nt_read_file_grow(const char *path, char **buf, size_t *cap);

/* Write all of buf to fd: short writes continue, EINTR is retried.
 * 0 or -errno. */
int nt_write_full(int fd, const void *buf, size_t len);

/* Replace path atomically with len bytes of buf: a mkstemp file in the
 * same directory, every byte written (short writes continued, EINTR
 * retried), fchmod(mode), fsync, rename; with NT_WA_SYNC_DIR also fsync
 * the directory. On failure the temp file is removed and path untouched.
 * Returns 0 or -errno. */
#define NT_WA_SYNC_DIR 1u
/* No fsync of the file: for caches whose loss is harmless (the history:
 * a torn file after a crash fails its header check and the next run is a
 * first run), where the fsync would be a tenth of a run's time on disk. */
#define NT_WA_NO_SYNC 2u
int nt_write_atomic(const char *path, const void *buf, size_t len, mode_t mode,
		    unsigned flags);
/* Test seam: the same with write(2) replaced by ops->write. */
struct nt_write_ops {
	ssize_t (*write)(void *ctx, int fd, const void *buf, size_t len);
	void *ctx;
};
int nt_write_atomic_ops(const char *path, const void *buf, size_t len,
			mode_t mode, unsigned flags,
			const struct nt_write_ops *ops);

#endif
