/* Small shared helpers: messages, strict number parsing, clocks, files. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "nettriage.h"

volatile sig_atomic_t nt_stop;

static void vmsg(const char *ctx, const char *fmt, va_list ap)
{
	fputs("nettriage: ", stderr);
	if (ctx)
		fprintf(stderr, "%s: ", ctx);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void nt_err(const char *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(ctx, fmt, ap);
	va_end(ap);
}

void nt_note(const char *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(ctx, fmt, ap);
	va_end(ap);
}

int nt_parse_double(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (*end || end == s)
		return -EINVAL;
	if (errno == ERANGE || !isfinite(v))
		return -ERANGE;
	*out = v;
	return 0;
}

int nt_parse_long(const char *s, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end || end == s)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	*out = v;
	return 0;
}

double nt_now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void nt_timestamp_iso(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char tmp[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03ldZ", tmp, ts.tv_nsec / 1000000);
}

struct timespec nt_timespec_of(double s)
{
	struct timespec ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

void nt_stops_block(sigset_t *old)
{
	sigset_t stops;

	sigemptyset(&stops);
	sigaddset(&stops, SIGINT);
	sigaddset(&stops, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stops, old);
}

int nt_sleep_until(double mono)
{
	sigset_t old;
	int r;

	/* SIGINT/SIGTERM stay blocked from the nt_stop check to the wait,
	 * and ppoll unblocks them atomically: a stop that lands between the
	 * two is delivered at once instead of after a whole interval (the
	 * race the prober's ppoll closes the same way). */
	nt_stops_block(&old);
	for (;;) {
		double left;
		struct timespec rel;

		if (nt_stop) {
			r = -EINTR;
			break;
		}
		left = mono - nt_now_mono();
		if (left <= 0) {
			r = 0;
			break;
		}
		rel = nt_timespec_of(left);
		if (ppoll(NULL, 0, &rel, &old) < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

const char *nt_proc_path(const char *rel, char *buf, size_t len)
{
	/* secure_getenv: a set-uid or file-capability binary must not read
	 * /proc text from wherever the invoking user points it. */
	const char *root = secure_getenv("NETTRIAGE_PROC");

	/* /proc/net is /proc/self/net: the main thread's namespace. After a
	 * setns (--all-netns, -N) the calling thread's is the one meant. */
	if (!(root && *root) && !strncmp(rel, "net/", 4))
		snprintf(buf, len, "/proc/thread-self/%s", rel);
	else
		snprintf(buf, len, "%s/%s", root && *root ? root : "/proc", rel);
	return buf;
}

int nt_grow(void *pv, size_t n, size_t *cap, size_t elem, size_t first)
{
	void *p, *np;
	size_t nc;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : first;
	if (nc < n + 1 || nc > SIZE_MAX / elem)
		return -ENOMEM;
	memcpy(&p, pv, sizeof(p));
	np = realloc(p, nc * elem);
	if (!np)
		return -ENOMEM;
	memcpy(pv, &np, sizeof(np));
	*cap = nc;
	return 0;
}

/* Read fd to EOF into buf[got..len-1), NUL-terminate; EINTR retried.
 * Returns the new length; *more is set when the buffer filled up before
 * EOF (one byte of lookahead is kept in *extra). */
static long read_fd(int fd, char *buf, size_t len, size_t got, bool *more,
		    char *extra)
{
	*more = false;
	while (got < len - 1) {
		ssize_t r = read(fd, buf + got, len - 1 - got);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			goto done;
		got += (size_t)r;
	}
	/* Full: is there more? A /proc file has no size to ask, so read. */
	for (;;) {
		ssize_t r = read(fd, extra, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		*more = r > 0;
		break;
	}
done:
	buf[got] = '\0';
	return (long)got;
}

long nt_read_file(const char *path, char *buf, size_t len)
{
	bool more;
	char extra;
	long r;
	int fd;

	if (len == 0)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = read_fd(fd, buf, len, 0, &more, &extra);
	close(fd);
	return r >= 0 && more ? -EFBIG : r;
}

long nt_read_file_grow(const char *path, char **buf, size_t *cap)
{
	size_t got = 0;
	bool more = true;
	char extra;
	long r = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (!*buf || *cap < 2) {
		char *nb = realloc(*buf, NT_READ_FIRST);

		if (!nb) {
			r = -ENOMEM;
			goto out;
		}
		*buf = nb;
		*cap = NT_READ_FIRST;
	}
	for (;;) {
		r = read_fd(fd, *buf, *cap, got, &more, &extra);
		if (r < 0 || !more)
			break;
		got = (size_t)r;
		if (*cap >= NT_READ_MAX) {
			r = -EFBIG;
			break;
		}
		char *nb = realloc(*buf, *cap * 2);

		if (!nb) {
			r = -ENOMEM;
			break;
		}
		*buf = nb;
		*cap *= 2;
		(*buf)[got++] = extra;
	}
out:
	close(fd);
	return r;
}

/* Write all of buf: short writes continue, EINTR is retried. */
static int write_all(const struct nt_write_ops *ops, int fd, const char *buf,
		     size_t len)
{
	while (len) {
		ssize_t w = ops ? ops->write(ops->ctx, fd, buf, len) :
				  write(fd, buf, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (w == 0)
			return -EIO;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

int nt_write_full(int fd, const void *buf, size_t len)
{
	return write_all(NULL, fd, buf, len);
}

int nt_write_atomic_ops(const char *path, const void *buf, size_t len,
			mode_t mode, unsigned flags,
			const struct nt_write_ops *ops)
{
	char *d = strdup(path), *b = strdup(path), *tmp = NULL;
	const char *dir;
	int fd = -1, r = 0;

	if (!d || !b) {
		r = -ENOMEM;
		goto out;
	}
	dir = dirname(d);
	/* A dot name without the final suffix: node_exporter's textfile
	 * collector reads only *.prom, and mkstemp's random part means a
	 * temp file left by a crash never blocks the next save. */
	if (asprintf(&tmp, "%s/.%s.XXXXXX", dir, basename(b)) < 0) {
		tmp = NULL;
		r = -ENOMEM;
		goto out;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		free(tmp);
		tmp = NULL;
		goto out;
	}
	r = write_all(ops, fd, buf, len);
	if (r)
		goto out;
	if (fchmod(fd, mode) < 0 ||
	    (!(flags & NT_WA_NO_SYNC) && fsync(fd) < 0)) {
		r = -errno;
		goto out;
	}
	r = close(fd);
	fd = -1;
	if (r < 0) {
		r = -errno;
		goto out;
	}
	if (rename(tmp, path) < 0) {
		r = -errno;
		goto out;
	}
	free(tmp);
	tmp = NULL;
	if (flags & NT_WA_SYNC_DIR) {
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		/* The rename is done; a failed directory sync only weakens
		 * durability across a crash, so it is not an error. */
		if (dfd >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
	}
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(d);
	free(b);
	return r;
}

int nt_write_atomic(const char *path, const void *buf, size_t len, mode_t mode,
		    unsigned flags)
{
	return nt_write_atomic_ops(path, buf, len, mode, flags, NULL);
}
