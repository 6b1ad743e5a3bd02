/* The link layer: interface errors, drops, overruns and carrier, from one
 * RTM_GETLINK dump (nt_layer.h). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nettriage.h"
#include "nt_cmd.h"
#include "nt_escape.h"
#include "nt_priv.h"
#include "nt_history.h"
#include "nt_layer.h"
#include "nt_link.h"
#include "nt_sample.h"

const char cmd_link_usage[] =
	"usage: nettriage link [OPTIONS] [IFACE...]\n\n"
	"Interface errors, drops, overruns, missed frames and carrier changes from\n"
	"one rtnetlink RTM_GETLINK dump (falls back to /proc/net/dev only if\n"
	"netlink fails); speed and duplex from one ethtool netlink LINKMODES_GET\n"
	"dump, utilization vs speed, flapping. Without -i, rates compare with the\n"
	"previous run.\n\n"
	"Options:\n"
	"  -a, --all              show every counter column in the table\n"
	"      --warn PCT         errors WARN above PCT % of packets (default 0.1)\n"
	"      --crit PCT         errors CRIT above PCT % of packets (default 1)\n"
	"      --warn-drops PCT   drops WARN above PCT % (default 0: any rise)\n"
	"      --crit-drops PCT   drops CRIT above PCT % of packets (default 1)\n"
	"      --warn-util PCT    utilization WARN at PCT % of the link speed (default 80)\n"
	"      --crit-util PCT    utilization CRIT at PCT % of the link speed (default 95)\n"
	"      --warn-flaps N     flapping WARN at N carrier changes (default 2; 0: off)\n"
	"  -h, --help             this help\n";

enum source { SRC_NETLINK, SRC_PROC };
/* Where speed and duplex came from. */
enum speed_source { SPD_NONE, SPD_ETHTOOL, SPD_SYSFS };

struct link_opts {
	bool all;
	struct nt_link_thresholds t;
	char **names;
	int nnames;
};

static int collect(struct nt_link_list *l, enum source *src, int *nl_err)
{
	const char *force = secure_getenv("NETTRIAGE_LINK_SOURCE"); /* test seam */
	char path[256];
	char *text = NULL;
	size_t cap = 0;
	long n;
	int r;

	*nl_err = 0;
	if (!force || strcmp(force, "proc")) {
		r = nt_link_dump(l);
		if (r == 0) {
			*src = SRC_NETLINK;
			return 0;
		}
		*nl_err = r;
	}
	l->n = 0;
	n = nt_read_file_grow(nt_proc_path("net/dev", path, sizeof(path)), &text, &cap);
	if (n < 0) {
		free(text);
		return (int)n;
	}
	r = nt_link_parse_procnetdev(text, l);
	free(text);
	*src = SRC_PROC;
	return r;
}

/* Speed and duplex: ethtool netlink in this thread's namespace, one
 * LINKMODES_GET dump for every device (r is its result, fam the family
 * id or 0). A dump that ended in an error after the family was resolved
 * (the kernel stops the whole dump at one device failing with -ENODEV:
 * a detached VF, a NIC in reset) keeps the replies it had, and each
 * interface still without one is asked for by a request of its own.
 * Only when the kernel has no ethtool family, sysfs: it shows the
 * namespace it was mounted for, which is ours only when we did not
 * setns (-N, --all-netns); otherwise unknown (null), never guessed. Not
 * a failure of the layer: what failed is a note of the document. */
static enum speed_source apply_speed(struct nt_link_list *l,
				     const struct nt_link_modes *m, int r,
				     uint16_t fam, const struct nt_global *g,
				     struct nt_link_perdev *pd, int *pd_err)
{
	memset(pd, 0, sizeof(*pd));
	*pd_err = 0;
	if (!l->n)
		return SPD_NONE;
	if (r == 0) {
		nt_link_modes_apply(l, m);
		return SPD_ETHTOOL;
	}
	if (fam) {
		nt_link_modes_apply(l, m);
		*pd_err = nt_link_ethtool_get(fam, l, pd);
		return SPD_ETHTOOL;
	}
	if (r != -ENOENT)
		return SPD_NONE;
	if (g->netns || g->all_netns)
		return SPD_NONE;
	return nt_link_sysfs_speed(l, "/sys/class/net") ? SPD_SYSFS : SPD_NONE;
}

static const char *spd_name(enum speed_source s)
{
	return s == SPD_ETHTOOL ? "ethtool" : s == SPD_SYSFS ? "sysfs" : NULL;
}

/* Keep only the named interfaces; an unknown name is an error. */
static int filter(struct nt_link_list *l, char **names, int nnames,
		  const char **missing)
{
	size_t i, k = 0;
	int j;

	for (j = 0; j < nnames; j++)
		if (!nt_link_find(l, names[j])) {
			*missing = names[j];
			return -ENODEV;
		}
	if (!nnames)
		return 0;
	for (i = 0; i < l->n; i++) {
		for (j = 0; j < nnames; j++)
			if (!strcmp(l->v[i].name, names[j]))
				break;
		if (j < nnames)
			l->v[k++] = l->v[i];
	}
	l->n = k;
	return 0;
}

/* One history line per interface: key "c1" holds ifindex, the counter
 * availability mask and the NT_LX_COUNT counters. A layout change gets a
 * new key, so an old file is simply no baseline. */
#define HIST_KEY "c1"
#define HIST_NV (2 + NT_LX_COUNT)
_Static_assert(HIST_NV <= NT_HIST_MAXV, "history vector too long");

static void hist_from_list(const struct nt_link_list *l, struct nt_hist *h)
{
	uint64_t v[HIST_NV];
	size_t k;

	for (k = 0; k < l->n; k++) {
		const struct nt_link_if *p = &l->v[k];

		v[0] = p->ifindex;
		v[1] = p->avail & ((1ull << NT_LX_COUNT) - 1);
		memcpy(v + 2, p->c, sizeof(p->c));
		nt_hist_put_vec(h, p->name, HIST_KEY, v, HIST_NV);
	}
}

static int list_from_hist(const struct nt_hist *h, struct nt_link_list *l)
{
	size_t e;

	for (e = 0; e < h->n; e++) {
		const struct nt_hist_ent *x = &h->e[e];
		struct nt_link_if *p;

		if (strcmp(x->key, HIST_KEY) || x->n != HIST_NV ||
		    strlen(x->subject) >= sizeof(p->name))
			continue;
		p = nt_link_list_add(l);
		if (!p)
			return -ENOMEM;
		memcpy(p->name, x->subject, strlen(x->subject) + 1);
		p->have_stats = true;
		p->ifindex = (uint32_t)x->vec[0];
		p->avail = (x->vec[1] & ((1ull << NT_LX_COUNT) - 1)) |
			   (1ull << NT_LINK_IFINDEX_BIT);
		memcpy(p->c, x->vec + 2, sizeof(p->c));
	}
	return 0;
}

static const char *src_name(enum source s)
{
	return s == SRC_NETLINK ? "netlink" : "proc";
}

static const struct option opts_long[] = {
	{ "all", no_argument, NULL, 'a' },
	{ "warn", required_argument, NULL, 'W' },
	{ "crit", required_argument, NULL, 'C' },
	{ "warn-drops", required_argument, NULL, 'w' },
	{ "crit-drops", required_argument, NULL, 'x' },
	{ "warn-util", required_argument, NULL, 'U' },
	{ "crit-util", required_argument, NULL, 'V' },
	{ "warn-flaps", required_argument, NULL, 'F' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

const struct nt_cmd_opts cmd_link_opts = { "+:ah", opts_long };

static int parse_opts_into(int argc, char **argv, struct link_opts *o)
{
	int c, li = -1;

	nt_link_thresholds_default(&o->t);
	opterr = 0;
	while ((c = getopt_long(argc, argv, cmd_link_opts.shortopts, opts_long, &li)) != -1) {
		double *dst = NULL, v;

		switch (c) {
		case 'a': o->all = true; break;
		case 'h': fputs(cmd_link_usage, stdout); putchar('\n');
			nt_usage_globals(stdout); return 1;
		case 'W': dst = &o->t.warn_errors; break;
		case 'C': dst = &o->t.crit_errors; break;
		case 'w': dst = &o->t.warn_drops; break;
		case 'x': dst = &o->t.crit_drops; break;
		case 'U': dst = &o->t.warn_util; break;
		case 'V': dst = &o->t.crit_util; break;
		case 'F': {
			long n;

			if (nt_parse_long(optarg, &n) || n < 0 || n > 1000000) {
				nt_err("link", "--warn-flaps: not a count from 0 to 1000000: %s",
				       optarg);
				return -1;
			}
			o->t.warn_flaps = (unsigned long)n;
			break;
		}
		case ':':
			nt_err("link", "%s: missing argument", argv[optind - 1]);
			return -1;
		default:
			nt_err("link", "unknown option: %s (see nettriage link --help)",
			       argv[optind - 1]);
			return -1;
		}
		if (dst) {
			/* utilization may pass 100 % (nominal speeds of
			 * virtual devices): allow thresholds above it */
			if (nt_parse_double(optarg, &v) || v < 0 ||
			    v > (c == 'U' || c == 'V' ? 1e6 : 100)) {
				nt_err("link", "--%s: not a percentage from 0 to %s: %s",
				       opts_long[li].name,
				       c == 'U' || c == 'V' ? "1000000" : "100", optarg);
				return -1;
			}
			*dst = v;
		}
		li = -1;
	}
	if (o->t.warn_errors > o->t.crit_errors) {
		nt_err("link", "--warn %g is above --crit %g", o->t.warn_errors,
		       o->t.crit_errors);
		return -1;
	}
	if (o->t.warn_util > o->t.crit_util) {
		nt_err("link", "--warn-util %g is above --crit-util %g",
		       o->t.warn_util, o->t.crit_util);
		return -1;
	}
	if (o->t.warn_drops > o->t.crit_drops) {
		nt_err("link", "--warn-drops %g is above --crit-drops %g",
		       o->t.warn_drops, o->t.crit_drops);
		return -1;
	}
	o->names = argv + optind;
	o->nnames = argc - optind;
	return 0;
}


struct link_st {
	struct link_opts o;
	struct nt_link_list cur, prev;
	struct nt_hist h;     /* the newest sample, all interfaces */
	enum source src;
	enum speed_source spd;
	struct nt_link_modes modes; /* the ethtool dump, reused */
	int nl_err;           /* RTM_GETLINK failed (source proc): -errno */
	int speed_err;        /* LINKMODES_GET dump failed: -errno (not
			       * -ENOENT, which is "no ethtool family") */
	size_t dumped;        /* replies the failed dump had */
	struct nt_link_perdev pd; /* the per-device requests after it */
	int pd_err;           /* their socket's error */
};

/* What this sample could not measure and why, one line each: the
 * table's "note:" lines and the document's "notes" (never printed from
 * collect). Returns how many were written. */
#define LINK_NOTES 4
#define LINK_NOTE_LEN 192
static size_t link_notes(const struct link_st *x, char out[][LINK_NOTE_LEN], size_t n)
{
	size_t k = 0;

#define NOTE(cond, ...) do { if ((cond) && k < n) snprintf(out[k++], LINK_NOTE_LEN, __VA_ARGS__); } while (0)
	NOTE(x->nl_err, "RTM_GETLINK dump failed: %s (using /proc/net/dev)",
	     strerror(-x->nl_err));
	NOTE(x->speed_err && x->spd != SPD_ETHTOOL,
	     "ethtool netlink LINKMODES_GET failed: %s (speed and duplex unknown)",
	     strerror(-x->speed_err));
	NOTE(x->speed_err && x->spd == SPD_ETHTOOL && x->pd_err,
	     "ethtool netlink LINKMODES_GET dump ended after %zu replies: %s; per-device requests: %s (the rest unknown)",
	     x->dumped, strerror(-x->speed_err), strerror(-x->pd_err));
	NOTE(x->speed_err && x->spd == SPD_ETHTOOL && !x->pd_err,
	     "ethtool netlink LINKMODES_GET dump ended after %zu replies: %s; asked %zu one by one: %zu answered, %zu without link settings, %zu failed%s%s%s%s%s",
	     x->dumped, strerror(-x->speed_err), x->pd.asked, x->pd.answered,
	     x->pd.unsupported, x->pd.failed, x->pd.failed ? " (first " : "",
	     x->pd.failed ? x->pd.first_name : "", x->pd.failed ? ": " : "",
	     x->pd.failed ? strerror(-x->pd.first_err) : "",
	     x->pd.failed ? ")" : "");
	NOTE(x->speed_err && x->spd == SPD_ETHTOOL && !x->pd_err && x->pd.stopped,
	     "ethtool netlink: stopped asking one by one after %zu of the pending interfaces (an answer that could not be trusted, or a signal); the rest unknown",
	     x->pd.asked);
#undef NOTE
	return k;
}

static int parse_opts(void *st, int argc, char **argv)
{
	struct link_st *x = st;

	return parse_opts_into(argc, argv, &x->o);
}

/* One sample: every interface goes into the history, then the named
 * ones are kept. */
static int collect_layer(void *st, struct nt_layer_ctx *c)
{
	struct link_st *x = st;
	const char *missing = NULL;
	const char *force = secure_getenv("NETTRIAGE_LINK_SPEED"); /* test seam */
	int nl_err, r, er = -ENOENT;
	uint16_t fam = 0;

	r = collect(&x->cur, &x->src, &nl_err);
	if (r) {
		snprintf(c->why, sizeof(c->why), "RTM_GETLINK: %s; /proc/net/dev: %s",
			 strerror(nl_err ? -nl_err : ENOTSUP), strerror(-r));
		return r;
	}
	x->nl_err = nl_err;
	nt_hist_free(&x->h);
	hist_from_list(&x->cur, &x->h);
	r = filter(&x->cur, x->o.names, x->o.nnames, &missing);
	if (r) {
		snprintf(c->why, sizeof(c->why), "%s: no such interface", missing);
		return r;
	}
	/* After the filter, so named interfaces are all that is matched.
	 * Measured at 1,000 veths: 0.5-1.5 ms beside RTM_GETLINK's 7-8 ms
	 * (the kernel takes RTNL once per device); a thread to overlap the
	 * two dumps cost more than it saved on a busy 2-core machine. */
	if (x->cur.n && (!force || strcmp(force, "sysfs"))) {
		er = nt_link_ethtool_dump(&x->modes, &fam);
		/* test seam: as if the dump ended at its first device with
		 * -ENODEV, so every device is asked for on its own */
		if (force && !strcmp(force, "perdev") && er == 0 && fam) {
			x->modes.n = 0;
			er = -ENODEV;
		}
	}
	x->spd = apply_speed(&x->cur, &x->modes, er, fam, c->g, &x->pd, &x->pd_err);
	x->speed_err = x->cur.n && er != -ENOENT ? er : 0;
	x->dumped = x->modes.n;
	return 0;
}

/* History is kept per source: /proc/net/dev lumps counters, so its values
 * are no baseline for netlink's and the other way round. */
static const char *hist_name(enum source s)
{
	return s == SRC_NETLINK ? "link" : "link-proc";
}

static void hist_put(void *st, struct nt_layer_ctx *c)
{
	struct link_st *x = st;
	int r = nt_hist_save(hist_name(x->src), &c->g->ns, &x->h);

	if (r && r != -EROFS)
		nt_note("link", "history file not saved: %s (rate checks of the next run will use since-boot totals)",
			nt_hist_strerror(r));
}

/* Load the previous run as a baseline; true when usable. */
static bool hist_get(void *st, struct nt_layer_ctx *c, double *dt)
{
	struct link_st *x = st;
	struct nt_hist old = { 0 };
	bool ok = false;
	double now = nt_now_boot();

	x->prev.n = 0;
	if (nt_hist_load(hist_name(x->src), &c->g->ns, &old) == 0 &&
	    now > old.t && list_from_hist(&old, &x->prev) == 0 && x->prev.n) {
		*dt = now - old.t;
		ok = true;
	} else {
		x->prev.n = 0;
	}
	nt_hist_free(&old);
	return ok;
}

static void judge(void *st, const struct nt_baseline *b, struct nt_verdicts *vs)
{
	struct link_st *x = st;
	const struct nt_link_list *prev = b->have ? &x->prev : NULL;

	nt_link_rates(&x->cur, prev, b->dt);
	nt_link_verdicts(&x->cur, prev, &x->o.t, vs, b->since);
}

static void table(void *st, FILE *f, const struct nt_layer_ctx *c,
		  const struct nt_baseline *b, const struct nt_verdicts *vs)
{
	struct link_st *x = st;
	const struct nt_global *g = c->g;
	bool rates = strcmp(b->kind, "boot") != 0;
	bool interval = !strcmp(b->kind, "interval");
	unsigned tmask = NT_F_ID | NT_F_INFO | (x->o.all ? 0 : NT_F_DEF);
	char ts[40], notes[LINK_NOTES][LINK_NOTE_LEN];
	size_t i, nn;

	tmask |= (rates && interval) ? NT_F_RATE : NT_F_TOTAL;
	nt_timestamp_iso(ts, sizeof(ts));
	fprintf(f, "link: %zu interfaces, source %s%s, speed from %s, %s\n", x->cur.n,
		src_name(x->src),
		x->src == SRC_PROC ? " (/proc/net/dev lumps some causes)" : "",
		x->spd == SPD_ETHTOOL ? "ethtool netlink" : x->spd == SPD_SYSFS ?
		"sysfs (no ethtool netlink)" : "nowhere (unknown)", ts);
	if (!rates)
		fprintf(f, "baseline: since-boot totals (no previous run%s)\n",
			g->interval > 0 ? "" : " in this namespace; rates need -i or a second run");
	else
		fprintf(f, "baseline: %s, %.2f s ago%s\n", b->kind, b->dt,
			interval ? " (table shows per-second rates)" : "");
	nn = link_notes(x, notes, LINK_NOTES);
	for (i = 0; i < nn; i++) {
		char esc[4 * LINK_NOTE_LEN]; /* an interface name may hold controls */

		nt_escape_text(esc, sizeof(esc), notes[i]);
		fprintf(f, "note: %s\n", esc);
	}
	nt_table_print(f, &nt_link_rectype, x->cur.v, x->cur.n, tmask, vs, g->color);
}

static void emit(void *st, struct nt_doc *d, const struct nt_layer_ctx *c,
		 const struct nt_baseline *b)
{
	struct link_st *x = st;
	bool rates = strcmp(b->kind, "boot") != 0;
	unsigned mask = NT_F_ID | NT_F_INFO | NT_F_TOTAL | (rates ? NT_F_RATE : 0);
	char notes[LINK_NOTES][LINK_NOTE_LEN];
	size_t i, nn;
	json_t *a;

	(void)c;
	/* Deltas are what changed over -i; between separate runs the
	 * per-second rates say it (and thousands of interfaces stay cheap). */
	if (!strcmp(b->kind, "interval"))
		mask |= NT_F_DELTA;
	nt_doc_set(d, "source", json_string(src_name(x->src)));
	nt_doc_set(d, "speed_source", spd_name(x->spd) ?
		   json_string(spd_name(x->spd)) : json_null());
	if (x->src == SRC_PROC)
		nt_doc_set(d, "source_note", json_string(
			"/proc/net/dev: rx_dropped includes rx_missed_errors; frame "
			"and carrier causes are lumped and shown as null"));
	nn = link_notes(x, notes, LINK_NOTES);
	a = json_array();
	for (i = 0; a && i < nn; i++)
		json_array_append_new(a, nt_json_text(notes[i]));
	nt_doc_set(d, "notes", a);
	nt_doc_records(d, &nt_link_rectype, x->cur.v, x->cur.n, mask);
}

static void rotate(void *st)
{
	struct link_st *x = st;
	struct nt_link_list tmp = x->prev;

	x->prev = x->cur;
	x->cur = tmp;
	x->cur.n = 0;
}

static void free_st(void *st)
{
	struct link_st *x = st;

	nt_hist_free(&x->h);
	nt_link_modes_free(&x->modes);
	nt_link_list_free(&x->cur);
	nt_link_list_free(&x->prev);
}

const struct nt_layer nt_layer_link = {
	.name = "link",
	.usage = cmd_link_usage,
	.opts = &cmd_link_opts,
	.size = sizeof(struct link_st),
	.parse_opts = parse_opts,
	.caps = NULL,
	.open = NULL,
	.collect = collect_layer,
	.hist_get = hist_get,
	.hist_put = hist_put,
	.judge = judge,
	.table = table,
	.emit = emit,
	.rotate = rotate,
	.free = free_st,
};

int cmd_link(int argc, char **argv, struct nt_global *g)
{
	return nt_layer_cmd(&nt_layer_link, argc, argv, g);
}
