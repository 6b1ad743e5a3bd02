/* path --log FILE: one NDJSON line per probe outcome
 *   {"time":"2026-12-02T04:43:14.123456Z","target":"HOST","cycle":0,
 *    "ttl":3,"outcome":"reply","responder":"192.0.2.2","rtt_ms":0.412}
 * outcome: reply (rtt_ms), lost, late (a reply after --timeout, for a
 * probe already logged lost: rtt_ms), cancelled (stopped before its
 * timeout), held (not sent: the --rate cap or the ICMP rate-limit pacing
 * held it back). Lines are collected per state and written with one
 * write(2) per cycle to the O_APPEND descriptor: a kill loses at most the
 * current cycle, and targets probed in parallel never interleave inside
 * a line. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "nettriage.h"
#include "nt_output.h"
#include "path_int.h"

int nt_path_log_open(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);

	return fd < 0 ? -errno : fd;
}

static void add(struct nt_path_log *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->err)
		return;
	for (;;) {
		size_t room = l->cap - l->len;

		va_start(ap, fmt);
		n = vsnprintf(l->buf ? l->buf + l->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			l->err = -EINVAL;
			return;
		}
		if ((size_t)n < room) {
			l->len += (size_t)n;
			return;
		}
		{
			size_t cap = l->cap ? l->cap * 2 : 4096;
			char *nb;

			while (cap - l->len <= (size_t)n)
				cap *= 2;
			nb = realloc(l->buf, cap);
			if (!nb) {
				l->err = -ENOMEM;
				return;
			}
			l->buf = nb;
			l->cap = cap;
		}
	}
}

/* A JSON string of s (target names are the user's; escape what JSON
 * needs). */
static void add_str(struct nt_path_log *l, const char *s)
{
	add(l, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			add(l, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			add(l, "\\u%04x", c);
		else
			add(l, "%c", c);
	}
	add(l, "\"");
}

void nt_path_log_event(struct nt_path_log *l, const struct nt_probe_event *ev)
{
	const char *what;
	struct timespec ts;
	struct tm tm;
	char ip[64];

	switch (ev->ev) {
	case NT_EV_REPLY: what = "reply"; break;
	case NT_EV_LATE: what = "late"; break;
	case NT_EV_BEYOND: what = "beyond_destination"; break;
	case NT_EV_LOST: what = "lost"; break;
	case NT_EV_CANCEL: what = "cancelled"; break;
	case NT_EV_SENT:
		if (!ev->skipped)
			return;
		what = "held";
		break;
	case NT_EV_CYCLE:
		(void)nt_path_log_flush(l);
		return;
	default:
		return;
	}
	if (l->err) {
		l->lost++; /* the log stopped: counted, said at the end */
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	add(l, "{\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ\",\"target\":",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, ts.tv_nsec / 1000);
	add_str(l, l->target);
	add(l, ",\"cycle\":%ld,\"ttl\":%d,\"outcome\":\"%s\"", ev->cycle, ev->ttl, what);
	if (ev->ev == NT_EV_REPLY || ev->ev == NT_EV_LATE || ev->ev == NT_EV_BEYOND) {
		nt_paddr_str(&ev->responder, ip, sizeof(ip));
		add(l, ",\"responder\":\"%s\",\"rtt_ms\":%.3f", ip, ev->rtt_ms);
	}
	if (ev->ev == NT_EV_SENT)
		add(l, ",\"held_by\":\"%s\"", ev->held == NT_HELD_RATE ? "rate" :
		    ev->held == NT_HELD_SOCKETS ? "sockets" : "pacing");
	add(l, "}\n");
	if (!l->err) {
		l->buffered++;
		return;
	}
	/* out of memory mid-line: this line and the buffered ones are lost */
	l->lost += l->buffered + 1;
	l->buffered = 0;
	l->len = 0;
}

int nt_path_log_flush(struct nt_path_log *l)
{
	int r;

	if (!l->err && l->len) {
		/* one write: O_APPEND places it whole at the end */
		r = nt_write_full(l->fd, l->buf, l->len);
		if (r) {
			l->err = r;
			l->lost += l->buffered;
		}
	}
	l->len = 0;
	l->buffered = 0;
	return l->err;
}
