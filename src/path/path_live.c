/* path: the live view of the command on a terminal (triage never sets
 * it). A table redrawn in place after each cycle's probes are out (and
 * after a key), at most every 0.1 s: per hop and responder loss, sent,
 * last, mean, p99, stddev, jitter, and a sparkline of the hop's last
 * RTTs scaled between their smallest and largest (path_spark.c).
 *
 * The terminal: the alternate screen and a hidden cursor, no echo and
 * no line buffering (ISIG stays on: Ctrl-C is SIGINT, which ends the run
 * like SIGTERM; ^Z and ^\ are off, they would leave the shell our modes),
 * every mode given back by nt_path_live_stop, which the command calls on
 * every way out. A frame is written with one write():
 * cursor home, each line cleared to its end, the rest of the screen
 * cleared: no flicker.
 *
 * Two threads. The probing thread, in the on_event hook, feeds the rings
 * and after each cycle's probes are out (at most every 0.1 s, and never
 * more than 2 % of its time) makes a
 * frame (rows, names of finished lookups, a copy of each shown hop's
 * ring) and hands it over: a pointer swap under a mutex and a byte down a
 * non-blocking pipe. It never writes to the terminal, so a slow or
 * stopped terminal (^S) cannot delay a probe. The view's thread (every
 * signal blocked) reads the keys and draws the frames. d, n and p act at
 * once on the frame in hand; r asks the probing thread to reset the
 * statistics at its next event (the next reply or cycle) and shows
 * "reset pending" until then; q sets quit and sends SIGINT to the probing
 * thread, whose ppoll returns at once: the run ends like a stop, with the
 * results so far, and exits by its verdicts. p pauses the redraw only:
 * probing and statistics go on, and the report at the end has every
 * cycle. */
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

/* alternate screen, cursor hidden, no line wrap (a line too long for
 * the width is cut, not folded onto the next) */
#define ALT_ON "\033[?1049h\033[?25l\033[?7l"
#define ALT_OFF "\033[?7h\033[?25h\033[?1049l"
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

static void frame_free(struct nt_live_frame *fr)
{
	if (!fr)
		return;
	free(fr->rows);
	free(fr->hop);
	free(fr);
}

/* The name of a finished lookup of ip, "" when none (probing thread: it
 * owns the lookups). */
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

/* nt_path_rows of p with the percentiles and jitter of each responder
 * taken over its last NT_LIVE_WINDOW replies, so a frame costs at most
 * O(window log window) per responder however long the run; last, min,
 * mean, max and stddev stay of every reply (Welford, O(1)). A copy of the
 * model whose responders point into p's samples, used and let go here. */
int nt_path_live_rows(const struct nt_path *p, struct nt_path_row **rows,
		      size_t *n)
{
	struct nt_path *w = malloc(sizeof(*w));
	struct nt_path_resp *c, *nx;
	int t, r = -ENOMEM;
	size_t i;

	if (!w)
		return -ENOMEM;
	*w = *p;
	for (t = 0; t <= NT_PATH_MAX_TTL; t++)
		w->hop[t].resp = NULL;
	for (t = 1; t <= NT_PATH_MAX_TTL; t++) {
		struct nt_path_resp **tail = &w->hop[t].resp;
		const struct nt_path_resp *o;

		for (o = p->hop[t].resp; o; o = o->next) {
			c = malloc(sizeof(*c));
			if (!c)
				goto out;
			*c = *o;
			c->next = NULL;
			if (c->st.n > NT_LIVE_WINDOW) {
				c->st.s += c->st.n - NT_LIVE_WINDOW;
				c->st.n = NT_LIVE_WINDOW;
			}
			*tail = c;
			tail = &c->next;
		}
	}
	r = nt_path_rows(w, true, rows, n);
	for (i = 0; !r && i < *n; i++) {
		struct nt_path_row *row = &(*rows)[i];
		const struct nt_path_resp *o;
		char a[64];

		if (!row->ip[0] || row->ttl < 1 || row->ttl > NT_PATH_MAX_TTL)
			continue;
		for (o = p->hop[row->ttl].resp; o; o = o->next)
			if (!strcmp(nt_paddr_str(&o->ip, a, sizeof(a)), row->ip))
				row->s.stddev = nt_stats_stddev(&o->st); /* of every reply */
	}
out:
	for (t = 1; t <= NT_PATH_MAX_TTL; t++)
		for (c = w->hop[t].resp; c; c = nx) {
			nx = c->next;
			free(c); /* not its samples: they are p's */
		}
	free(w);
	return r;
}

static struct nt_live_frame *frame_make(struct nt_path_live *l,
					const struct path_st *x, long newest)
{
	const struct nt_path *p = x->p;
	struct nt_live_frame *fr = calloc(1, sizeof(*fr));
	size_t i;

	if (!fr)
		return NULL;
	if (nt_path_live_rows(p, &fr->rows, &fr->n)) {
		free(fr);
		return NULL;
	}
	fr->hop = calloc(fr->n ? fr->n : 1, sizeof(*fr->hop));
	if (!fr->hop) {
		frame_free(fr);
		return NULL;
	}
	for (i = 0; i < fr->n; i++) {
		struct nt_path_row *r = &fr->rows[i];

		if (r->ttl >= 1 && r->ttl <= NT_PATH_MAX_TTL && !r->extra)
			fr->hop[i] = l->spark->hop[r->ttl];
		if (r->ip[0])
			snprintf(r->host, sizeof(r->host), "%s", name_of(x, r->ip));
	}
	fr->newest = newest;
	snprintf(fr->target, sizeof(fr->target), "%s", p->target);
	nt_paddr_str(&p->dst, fr->ip, sizeof(fr->ip));
	/* the third mode, when there is one, is TCP (h-tcp) */
	fr->mode = p->mode == NT_PM_ICMP ? "ICMP" : p->mode == NT_PM_UDP ? "UDP" : "TCP";
	fr->family = p->dst.family == AF_INET6 ? "IPv6" : "IPv4";
	fr->cycles = p->cycles;
	fr->total = x->o.po.cycles;
	fr->since = l->reset_cycle >= 0 ? p->cycles - l->reset_cycle : -1;
	fr->numeric = x->numeric;
	return fr;
}

static void ms(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, " %7.3f", v);
	else
		fprintf(f, " %7s", "-");
}

/* Columns of the statistics part: " LOSS%  SNT    LAST    MEAN     P99  STDDEV  JITTER" */
#define STATS_W (7 + 6 + 5 * 8)
#define HOST_W 28

/* The view's thread: one frame, one write(). */
static void draw(struct nt_path_live *l, const struct nt_live_frame *fr)
{
	struct winsize ws;
	int cols = 80, lines = 24, disp = l->display, spw = 0;
	char *buf = NULL;
	size_t len = 0, i, room, shown;
	FILE *f;

	if (!fr)
		return;
	f = open_memstream(&buf, &len);
	if (!f)
		return;
	if (!ioctl(l->out, TIOCGWINSZ, &ws) && ws.ws_col > 0) {
		cols = ws.ws_col;
		lines = ws.ws_row;
	}
	if (disp != NT_LIVE_STATS) {
		spw = cols - 4 - HOST_W - (disp == NT_LIVE_BOTH ? STATS_W : 0) - 16;
		if (spw > NT_SPARK_LEN)
			spw = NT_SPARK_LEN;
		if (spw < 8)
			spw = 8;
	}
	fputs("\033[H", f);
	fprintf(f, "nettriage path to %s (%s), %s %s: cycle %ld/%ld", fr->target,
		fr->ip, fr->mode, fr->family, fr->cycles, fr->total);
	if (fr->since >= 0)
		fprintf(f, ", %ld since reset", fr->since);
	if (atomic_load(&l->reset))
		fputs(", reset pending", f);
	fputs(EOL, f);
	fprintf(f, "keys: q quit  r reset  p pause  n names (%s)  d display (%s)%s" EOL,
		fr->numeric ? "off: -n" : l->names ? "on" : "off",
		disp == NT_LIVE_BOTH ? "both" : disp == NT_LIVE_STATS ? "statistics" : "sparklines",
		l->paused ? "  [paused]" : "");
	fprintf(f, "%3s %-*s", "HOP", HOST_W, "HOST");
	if (disp != NT_LIVE_SPARKS)
		fprintf(f, " %6s %5s %7s %7s %7s %7s %7s", "LOSS%", "SNT", "LAST", "MEAN",
			"P99", "STDDEV", "JITTER");
	if (disp != NT_LIVE_STATS)
		fprintf(f, " %-*s %s", spw, "RTT (last cycles)", "SCALE ms");
	fputs(EOL, f);
	/* rows on lines 4..lines; no newline after the last one (it would
	 * scroll the screen) */
	room = lines > 4 ? (size_t)(lines - 3) : 1;
	shown = fr->n <= room ? fr->n : room - 1;
	for (i = 0; i < shown; i++) {
		const struct nt_path_row *r = &fr->rows[i];
		char who[4 * 256 + 1], cut[HOST_W * 4 + 1];
		const char *h = l->names && !fr->numeric ? r->host : "";
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

			nt_spark_render(&fr->hop[i], fr->newest, spw, l->utf8, sp,
					sizeof(sp), &lo, &hi);
			fprintf(f, " %s ", sp);
			if (isfinite(lo))
				fprintf(f, "%.3f-%.3f", lo, hi);
			else
				fputs("-", f);
		}
		fputs(i + 1 < shown || shown < fr->n ? EOL : "\033[K", f);
	}
	if (shown < fr->n)
		fprintf(f, "(%zu more rows: a taller terminal shows them)\033[K",
			fr->n - shown);
	fputs("\033[J", f);
	if (fclose(f) == 0)
		write_all(l->out, buf, len);
	free(buf);
}

/* A key; false to end the thread (q). */
static bool key(struct nt_path_live *l, char c)
{
	switch (c) {
	case 'q': case 'Q':
		atomic_store(&l->quit, 1);
		pthread_kill(l->prober, SIGINT);
		return false;
	case 'r': case 'R':
		atomic_store(&l->reset, 1);
		break;
	case 'p': case 'P':
		l->paused = !l->paused;
		break;
	case 'n': case 'N':
		l->names = !l->names;
		break;
	case 'd': case 'D':
		l->display = (l->display + 1) % 3;
		break;
	default:
		return true;
	}
	draw(l, l->shown); /* at once, on the frame in hand */
	return true;
}

static void *ui_thread(void *arg)
{
	struct nt_path_live *l = arg;
	bool keys = l->raw;

	for (;;) {
		struct pollfd pf[3] = {
			{ l->wake[0], POLLIN, 0 }, { l->note[0], POLLIN, 0 },
			{ keys ? l->in : -1, POLLIN, 0 },
		};
		char buf[64];
		ssize_t n, i;

		if (poll(pf, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[0].revents)
			break;
		if (pf[1].revents) {
			struct nt_live_frame *fr;

			while (read(l->note[0], buf, sizeof(buf)) > 0)
				;
			pthread_mutex_lock(&l->mu);
			fr = l->next;
			l->next = NULL;
			pthread_mutex_unlock(&l->mu);
			if (fr) {
				frame_free(l->shown);
				l->shown = fr;
				if (!l->paused)
					draw(l, fr);
			}
		}
		if (!(pf[2].revents & POLLIN)) {
			if (pf[2].revents)
				keys = false; /* the terminal went: read no more */
			continue;
		}
		n = read(l->in, buf, sizeof(buf));
		if (n == 0)
			keys = false;
		for (i = 0; i < n; i++)
			if (!key(l, buf[i]))
				return NULL;
	}
	return NULL;
}

/* The probing thread's hook. */
static void live_event(void *arg, const struct path_st *x,
		       const struct nt_probe_event *ev)
{
	struct nt_path_live *l = arg;
	struct nt_live_frame *fr, *old;
	bool now_reset = false;
	double now;

	nt_spark_event(l->spark, ev);
	/* a reset between probes of one cycle would count half of it */
	if (ev->ev != NT_EV_SENT && atomic_exchange(&l->reset, 0)) {
		nt_path_reset(x->p, x->p->cycles);
		nt_spark_reset(l->spark);
		l->reset_cycle = x->p->cycles;
		now_reset = true;
	}
	if (atomic_load(&l->quit) || (ev->ev != NT_EV_CYCLE && !now_reset))
		return;
	now = nt_now_mono();
	if (!now_reset && now - l->last_frame < l->frame_gap)
		return;
	/* the cycle just sent is still in flight: show up to the one before */
	fr = frame_make(l, x, l->spark->newest - 1);
	if (!fr)
		return;
	l->last_frame = now;
	/* a frame sorts up to NT_LIVE_WINDOW RTTs per responder: keep that
	 * under 2 % of the probing thread's time */
	l->frame_gap = fmax(0.1, 50.0 * (nt_now_mono() - now));
	pthread_mutex_lock(&l->mu);
	old = l->next;
	l->next = fr;
	pthread_mutex_unlock(&l->mu);
	frame_free(old);
	if (write(l->note[1], "f", 1) < 0) {
		/* full: the view has a note to read already */
	}
}

int nt_path_live_start(struct nt_path_live *l, struct path_st *x,
		       const struct nt_global *g)
{
	sigset_t all, old;
	int r;

	memset(l, 0, sizeof(*l));
	l->in = STDIN_FILENO;
	l->out = STDOUT_FILENO;
	l->wake[0] = l->wake[1] = l->note[0] = l->note[1] = -1;
	l->reset_cycle = -1;
	l->frame_gap = 0.1;
	l->utf8 = locale_utf8();
	l->names = !g->numeric;
	l->prober = pthread_self();
	l->spark = malloc(sizeof(*l->spark));
	if (!l->spark)
		return -ENOMEM;
	nt_spark_reset(l->spark);
	if (pipe2(l->wake, O_CLOEXEC) || pipe2(l->note, O_CLOEXEC | O_NONBLOCK)) {
		r = -errno;
		goto fail;
	}
	r = -pthread_mutex_init(&l->mu, NULL);
	if (r)
		goto fail;
	if (isatty(l->in) && !tcgetattr(l->in, &l->saved)) {
		struct termios t = l->saved;

		t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		/* ^Z and ^\ would leave the shell our modes and screen */
		t.c_cc[VSUSP] = _POSIX_VDISABLE;
		t.c_cc[VQUIT] = _POSIX_VDISABLE;
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		if (!tcsetattr(l->in, TCSANOW, &t))
			l->raw = true;
	}
	write_all(l->out, ALT_ON, strlen(ALT_ON));
	l->screen = true;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&l->ui, NULL, ui_thread, l);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		pthread_mutex_destroy(&l->mu);
		goto fail;
	}
	l->ui_on = true;
	x->on_event = live_event;
	x->on_event_arg = l;
	return 0;
fail:
	l->ui_on = false;
	nt_path_live_stop(l);
	return r;
}

void nt_path_live_stop(struct nt_path_live *l)
{
	int i;

	if (!l->spark)
		return; /* never started, or stopped already */
	if (l->ui_on) {
		write_all(l->wake[1], "x", 1);
		pthread_join(l->ui, NULL);
		l->ui_on = false;
		pthread_mutex_destroy(&l->mu);
	}
	for (i = 0; i < 2; i++) {
		if (l->wake[i] >= 0)
			close(l->wake[i]);
		if (l->note[i] >= 0)
			close(l->note[i]);
		l->wake[i] = l->note[i] = -1;
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
	frame_free(l->next);
	frame_free(l->shown);
	l->next = l->shown = NULL;
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
	/* The probing thread never waits on the terminal: a stopped one
	 * (^S) or a full buffer skips this update, the next one redraws
	 * the whole line (\r). */
	if (k > 0 && poll(&(struct pollfd){ .fd = STDERR_FILENO, .events = POLLOUT }, 1, 0) == 1)
		(void)!write(STDERR_FILENO, s, (size_t)k < sizeof(s) ? (size_t)k : sizeof(s) - 1);
}

void nt_path_progress_end(void)
{
	write_all(STDERR_FILENO, "\r\033[K", 4);
}
