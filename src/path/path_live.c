/* path: the live view of the command on a terminal (triage never sets
 * it). A table redrawn in place after each cycle's probes are out (and
 * after a key), at most every 0.1 s: per hop and responder loss, sent,
 * last, mean, p99, stddev, jitter, and a sparkline of the hop's last
 * RTTs scaled between their smallest and largest (path_spark.c).
 *
 * The terminal: the alternate screen and a hidden cursor, no echo and
 * no line buffering (ISIG stays on: Ctrl-C is SIGINT, which ends the run
 * like SIGTERM), every mode given back by nt_path_live_stop, which the
 * command calls on every way out. A frame is written with one write():
 * cursor home, each line cleared to its end, the rest of the screen
 * cleared: no flicker.
 *
 * Keys are read by a thread of their own (every signal blocked) that
 * only sets flags; the probing thread reads them in the on_event hook, so
 * it never blocks on the terminal and its timing is the engine's. q sets
 * quit and sends SIGINT to the probing thread, whose ppoll returns at
 * once; the run then ends like a stop, with the results so far. p pauses
 * the redraw only: probing and statistics go on (the report at the end
 * has every cycle). */
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "nettriage.h"
#include "nt_escape.h"
#include "path_int.h"

#define ALT_ON "\033[?1049h\033[?25l"
#define ALT_OFF "\033[?25h\033[?1049l"
#define EOL "\033[K\n"

static void write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* UTF-8 by the environment's LC_CTYPE, without setlocale (the process's
 * locale stays "C": nothing global changes). */
static bool locale_utf8(void)
{
	locale_t loc = newlocale(LC_CTYPE_MASK, "", (locale_t)0);
	const char *cs;
	bool u;

	if (loc == (locale_t)0)
		return false;
	cs = nl_langinfo_l(CODESET, loc);
	u = cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "utf8"));
	freelocale(loc);
	return u;
}

static void *key_thread(void *arg)
{
	struct nt_path_live *l = arg;

	for (;;) {
		struct pollfd pf[2] = { { l->in, POLLIN, 0 }, { l->wake[0], POLLIN, 0 } };
		char buf[32];
		ssize_t n, i;

		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[1].revents)
			break;
		if (pf[0].revents & (POLLERR | POLLHUP | POLLNVAL))
			break;
		n = read(l->in, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		for (i = 0; i < n; i++) {
			switch (buf[i]) {
			case 'q': case 'Q':
				atomic_store(&l->quit, 1);
				pthread_kill(l->prober, SIGINT);
				return NULL;
			case 'r': case 'R':
				atomic_store(&l->reset, 1);
				break;
			case 'p': case 'P':
				atomic_fetch_xor(&l->paused, 1);
				break;
			case 'n': case 'N':
				atomic_fetch_xor(&l->names, 1);
				break;
			case 'd': case 'D':
				atomic_store(&l->display, (atomic_load(&l->display) + 1) % 3);
				break;
			default:
				continue;
			}
			atomic_store(&l->dirty, 1);
		}
	}
	return NULL;
}

/* The name of a finished lookup of ip, "" when none. */
static const char *name_of(const struct path_st *x, const char *ip)
{
	size_t i;
	char a[64];

	for (i = 0; i < x->dns.n; i++) {
		const struct nt_path_rdns_job *j = x->dns.jobs[i];

		if (!atomic_load(&j->done) || !j->host[0])
			continue;
		if (!strcmp(nt_paddr_str(&j->a, a, sizeof(a)), ip))
			return j->host;
	}
	return "";
}

static void ms(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, " %7.2f", v);
	else
		fprintf(f, " %7s", "-");
}

/* Columns of the statistics part: " LOSS%  SNT    LAST    MEAN     P99  STDDEV  JITTER" */
#define STATS_W (7 + 6 + 6 * 8)
#define HOST_W 28

static void draw(struct nt_path_live *l, const struct path_st *x)
{
	const struct nt_path *p = x->p;
	struct nt_path_row *rows;
	struct winsize ws;
	int cols = 80, lines = 24, disp = atomic_load(&l->display), spw = 0, line;
	bool names = atomic_load(&l->names);
	char *buf = NULL, ip[64];
	size_t len = 0, n, i;
	FILE *f;

	if (nt_path_rows(p, true, &rows, &n))
		return;
	f = open_memstream(&buf, &len);
	if (!f) {
		free(rows);
		return;
	}
	if (!ioctl(l->out, TIOCGWINSZ, &ws) && ws.ws_col > 0) {
		cols = ws.ws_col;
		lines = ws.ws_row;
	}
	if (disp != NT_LIVE_STATS) {
		spw = cols - 4 - HOST_W - (disp == NT_LIVE_BOTH ? STATS_W : 0) - 17;
		if (spw > NT_SPARK_LEN)
			spw = NT_SPARK_LEN;
		if (spw < 8)
			spw = 8;
	}
	nt_paddr_str(&p->dst, ip, sizeof(ip));
	fputs("\033[H", f);
	fprintf(f, "nettriage path to %s (%s), %s: cycle %ld/%ld", p->target, ip,
		p->mode == NT_PM_UDP ? "UDP" : "ICMP", p->cycles, x->o.po.cycles);
	if (l->reset_cycle)
		fprintf(f, ", %ld since reset", p->cycles - l->reset_cycle);
	fputs(EOL, f);
	fprintf(f, "keys: q quit  r reset  p pause  n names (%s)  d display (%s)%s" EOL,
		x->numeric ? "off: -n" : names ? "on" : "off",
		disp == NT_LIVE_BOTH ? "both" : disp == NT_LIVE_STATS ? "statistics" : "sparklines",
		atomic_load(&l->paused) ? "  [paused]" : "");
	fprintf(f, "%3s %-*s", "HOP", HOST_W, "HOST");
	if (disp != NT_LIVE_SPARKS)
		fprintf(f, " %6s %5s %7s %7s %7s %7s %7s", "LOSS%", "SNT", "LAST", "MEAN",
			"P99", "STDDEV", "JITTER");
	if (disp != NT_LIVE_STATS)
		fprintf(f, " %-*s %s", spw, "RTT (last cycles)", "SCALE ms");
	fputs(EOL, f);
	line = 4;
	for (i = 0; i < n && line < lines; i++, line++) {
		const struct nt_path_row *r = &rows[i];
		char who[4 * 256 + 1], cut[HOST_W * 4 + 1];
		const char *h = names ? name_of(x, r->ip) : "";
		size_t k, w;

		if (!r->ip[0])
			snprintf(who, sizeof(who), "???");
		else
			nt_escape_text(who, sizeof(who), h[0] ? h : r->ip);
		/* cut to HOST_W columns, whole characters */
		for (k = 0, w = 0; who[k] && w < HOST_W; w++) {
			k++;
			while (((unsigned char)who[k] & 0xc0) == 0x80)
				k++;
		}
		memcpy(cut, who, k);
		cut[k] = '\0';
		if (r->extra)
			fprintf(f, "%3s %s%*s", "", cut, (int)(HOST_W - w), "");
		else
			fprintf(f, "%3u %s%*s", r->ttl, cut, (int)(HOST_W - w), "");
		if (disp != NT_LIVE_SPARKS) {
			if (isfinite(r->loss_pct))
				fprintf(f, " %5.1f%%", r->loss_pct);
			else
				fprintf(f, " %6s", "-");
			fprintf(f, " %5llu", (unsigned long long)r->sent);
			ms(f, r->s.last);
			ms(f, r->s.mean);
			ms(f, r->s.p99);
			ms(f, r->s.stddev);
			ms(f, r->s.jit_mean);
		}
		if (disp != NT_LIVE_STATS && !r->extra) {
			char sp[NT_SPARK_LEN * 3 + 1];
			double lo, hi;

			nt_spark_render(l->spark, (int)r->ttl, spw, l->utf8, sp, sizeof(sp),
					&lo, &hi);
			fprintf(f, " %s ", sp);
			if (isfinite(lo))
				fprintf(f, "%.2f-%.2f", lo, hi);
			else
				fputs("-", f);
		}
		fputs(EOL, f);
	}
	fputs("\033[J", f);
	if (fclose(f) == 0)
		write_all(l->out, buf, len);
	free(buf);
	free(rows);
}

static void live_event(void *arg, const struct path_st *x,
		       const struct nt_probe_event *ev)
{
	struct nt_path_live *l = arg;
	double now;

	nt_spark_event(l->spark, ev);
	/* a reset between probes of one cycle would count half of it */
	if (ev->ev != NT_EV_SENT && atomic_exchange(&l->reset, 0)) {
		nt_path_reset(x->p, x->p->cycles);
		nt_spark_reset(l->spark);
		l->reset_cycle = x->p->cycles;
	}
	if (atomic_load(&l->quit) || ev->ev == NT_EV_SENT)
		return;
	if (ev->ev != NT_EV_CYCLE && !atomic_load(&l->dirty))
		return;
	now = nt_now_mono();
	if (now - l->last_draw < 0.1)
		return;
	/* paused: the frame stays, but a key still shows ([paused]) */
	if (atomic_load(&l->paused) && !atomic_load(&l->dirty))
		return;
	atomic_store(&l->dirty, 0);
	draw(l, x);
	l->last_draw = now;
}

int nt_path_live_start(struct nt_path_live *l, struct path_st *x,
		       const struct nt_global *g)
{
	sigset_t all, old;
	int r;

	memset(l, 0, sizeof(*l));
	l->in = STDIN_FILENO;
	l->out = STDOUT_FILENO;
	l->wake[0] = l->wake[1] = -1;
	l->utf8 = locale_utf8();
	atomic_store(&l->names, !g->numeric);
	l->spark = malloc(sizeof(*l->spark));
	if (!l->spark)
		return -ENOMEM;
	nt_spark_reset(l->spark);
	l->prober = pthread_self();
	if (isatty(l->in) && !tcgetattr(l->in, &l->saved)) {
		struct termios t = l->saved;

		t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		if (!tcsetattr(l->in, TCSANOW, &t))
			l->raw = true;
	}
	if (l->raw && !pipe2(l->wake, O_CLOEXEC)) {
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		r = pthread_create(&l->keys, NULL, key_thread, l);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		l->keys_on = !r;
	}
	write_all(l->out, ALT_ON, strlen(ALT_ON));
	l->screen = true;
	x->on_event = live_event;
	x->on_event_arg = l;
	return 0;
}

void nt_path_live_stop(struct nt_path_live *l)
{
	if (!l->spark)
		return; /* never started, or stopped already */
	if (l->keys_on) {
		write_all(l->wake[1], "x", 1);
		pthread_join(l->keys, NULL);
		l->keys_on = false;
	}
	if (l->wake[0] >= 0) {
		close(l->wake[0]);
		close(l->wake[1]);
		l->wake[0] = l->wake[1] = -1;
	}
	if (l->screen) {
		write_all(l->out, ALT_OFF, strlen(ALT_OFF));
		l->screen = false;
	}
	if (l->raw) {
		/* TCSAFLUSH: keys typed but unread do not reach the shell */
		tcsetattr(l->in, TCSAFLUSH, &l->saved);
		l->raw = false;
	}
	free(l->spark);
	l->spark = NULL;
}

bool nt_path_live_quit(const struct nt_path_live *l)
{
	return atomic_load(&l->quit);
}

void nt_path_progress_event(void *arg, const struct path_st *x,
			    const struct nt_probe_event *ev)
{
	char s[64];
	int k;

	(void)arg;
	if (ev->ev != NT_EV_CYCLE)
		return;
	k = snprintf(s, sizeof(s), "\rpath: cycle %ld/%ld\033[K", ev->cycle,
		     x->o.po.cycles);
	if (k > 0)
		write_all(STDERR_FILENO, s, (size_t)k < sizeof(s) ? (size_t)k : sizeof(s) - 1);
}

void nt_path_progress_end(void)
{
	write_all(STDERR_FILENO, "\r\033[K", 4);
}
