/* nettriage conntrack: the options, the help, and cmd_conntrack over
 * the layer (conntrack_layer.c collects and judges, conntrack_render.c
 * renders). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "nettriage.h"
#include "nt_cmd.h"
#include "nt_layer.h"
#include "conntrack_layer.h"

const char cmd_conntrack_usage[] =
	"usage: nettriage conntrack [OPTIONS]\n\n"
	"Conntrack table fill (this namespace's count against the effective max),\n"
	"per-CPU drop/early_drop/insert_failed/chaintoolong counters, and what\n"
	"fills the table. Fill and counters come from ctnetlink (CT_GET_STATS,\n"
	"CT_GET_STATS_CPU; need CAP_NET_ADMIN) without a dump, else from /proc.\n"
	"--by streams one dump and counts it without keeping the entries.\n\n"
	"Options:\n"
	"  -b, --by KEY         breakdown: proto, state, src, dst, dport, zone,\n"
	"                       mark or status (one dump)\n"
	"  -t, --top N          rows of the breakdown and of --events (default 10)\n"
	"      --counters N     counters of the breakdown (default 16384): counts\n"
	"                       are exact while the distinct values fit, else\n"
	"                       approximate with a printed error bound\n"
	"  -e, --effective      dump to count ASSURED vs unreplied entries\n"
	"                       (effective fill) without a breakdown\n"
	"      --family F       dump only inet or inet6 entries (kernel filter)\n"
	"      --mark M[/MASK]  dump only entries with this mark (kernel filter)\n"
	"      --zone Z         dump only entries of this zone (kernel filter)\n"
	"      --status S       dump only assured, unreplied or replied entries\n"
	"      --warn PCT       fill WARN at PCT % (default 75)\n"
	"      --crit PCT       fill CRIT at PCT % (default 90)\n"
	"      --events SEC     subscribe to conntrack events for SEC seconds:\n"
	"                       new and destroyed flows per second, the top\n"
	"                       sources and destinations of new flows, per\n"
	"                       protocol, overruns (needs CAP_NET_ADMIN)\n"
	"      --warn-ttf SEC   time to full WARN below SEC (default 3600)\n"
	"      --crit-ttf SEC   time to full CRIT below SEC (default 300)\n"
	"  -a, --all            also show the per-CPU counters\n"
	"  -h, --help           this help\n";

static int parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long long x;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || *end || x > UINT32_MAX)
		return -EINVAL;
	*v = (uint32_t)x;
	return 0;
}

static const struct option opts_long[] = {
	{ "by", required_argument, NULL, 'b' },
	{ "top", required_argument, NULL, 't' },
	{ "counters", required_argument, NULL, 'K' },
	{ "effective", no_argument, NULL, 'e' },
	{ "family", required_argument, NULL, 'F' },
	{ "mark", required_argument, NULL, 'M' },
	{ "zone", required_argument, NULL, 'Z' },
	{ "status", required_argument, NULL, 'S' },
	{ "warn", required_argument, NULL, 'W' },
	{ "crit", required_argument, NULL, 'C' },
	{ "events", required_argument, NULL, 'E' },
	{ "warn-ttf", required_argument, NULL, 'T' },
	{ "crit-ttf", required_argument, NULL, 'U' },
	{ "all", no_argument, NULL, 'a' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

const struct nt_cmd_opts cmd_conntrack_opts = { "+b:t:eah", opts_long };

int nt_ct_opts_parse(int argc, char **argv, struct ct_opts *o)
{
	bool needs_by = false;
	int c;

	nt_ct_thresholds_default(&o->t);
	o->top = 10;
	o->counters = NT_CT_TOPK_DEFAULT;
	opterr = 0;
	while ((c = getopt_long(argc, argv, cmd_conntrack_opts.shortopts, opts_long, NULL)) != -1) {
		double *dst = NULL, v;
		uint32_t u;
		char *slash;
		bool bad;

		switch (c) {
		case 'b':
			if (nt_ct_by_parse(optarg, &o->by)) {
				nt_err("conntrack", "--by: unknown key: %s (proto, state, src, dst, dport, zone, mark, status)",
				       optarg);
				return -1;
			}
			o->dump = true;
			break;
		case 't':
			if (nt_parse_long(optarg, &o->top) || o->top < 1 ||
			    o->top > 100000) {
				nt_err("conntrack", "--top: not a whole number from 1 to 100000: %s",
				       optarg);
				return -1;
			}
			needs_by = true;
			break;
		case 'K':
			if (nt_parse_long(optarg, &o->counters) || o->counters < 1 ||
			    o->counters > (long)NT_CT_TOPK_MAX) {
				nt_err("conntrack", "--counters: not a whole number from 1 to %u: %s",
				       NT_CT_TOPK_MAX, optarg);
				return -1;
			}
			needs_by = true;
			break;
		case 'e': o->dump = true; break;
		case 'a': o->all = true; break;
		case 'F':
			if (!strcmp(optarg, "inet") || !strcmp(optarg, "ipv4") ||
			    !strcmp(optarg, "4"))
				o->filter.family = AF_INET;
			else if (!strcmp(optarg, "inet6") || !strcmp(optarg, "ipv6") ||
				 !strcmp(optarg, "6"))
				o->filter.family = AF_INET6;
			else {
				nt_err("conntrack", "--family: not inet or inet6: %s", optarg);
				return -1;
			}
			break;
		case 'M':
			slash = strchr(optarg, '/');
			if (slash)
				*slash = '\0';
			o->filter.mark_mask = UINT32_MAX;
			bad = parse_u32(optarg, &o->filter.mark) ||
			      (slash && parse_u32(slash + 1, &o->filter.mark_mask));
			if (slash) /* argv is the caller's: leave it as given */
				*slash = '/';
			if (bad) {
				nt_err("conntrack", "--mark: not a 32-bit mark[/mask]: %s", optarg);
				return -1;
			}
			o->filter.mark_set = true;
			break;
		case 'Z':
			if (parse_u32(optarg, &u) || u > UINT16_MAX) {
				nt_err("conntrack", "--zone: not a zone from 0 to 65535: %s", optarg);
				return -1;
			}
			o->filter.zone = (uint16_t)u;
			o->filter.zone_set = true;
			break;
		case 'S':
			/* IPS_ASSURED = 4, IPS_SEEN_REPLY = 2 */
			if (!strcmp(optarg, "assured")) {
				o->filter.status = o->filter.status_mask = 4;
			} else if (!strcmp(optarg, "unreplied")) {
				/* neither ASSURED nor replied: evictable */
				o->filter.status = 0;
				o->filter.status_mask = 4 | 2;
			} else if (!strcmp(optarg, "replied")) {
				o->filter.status = o->filter.status_mask = 2;
			} else {
				nt_err("conntrack", "--status: not assured, unreplied or replied: %s",
				       optarg);
				return -1;
			}
			o->filter.status_set = true;
			break;
		case 'E':
			if (nt_parse_double(optarg, &v) || !(v > 0) ||
			    v > NT_CT_EV_MAX_SEC) {
				nt_err("conntrack", "--events: not a number of seconds above 0 and up to %d: %s",
				       NT_CT_EV_MAX_SEC, optarg);
				return -1;
			}
			o->events = v;
			break;
		case 'T':
		case 'U':
			if (nt_parse_double(optarg, &v) || !(v >= 0) || !isfinite(v)) {
				nt_err("conntrack", "%s: not a number of seconds: %s",
				       c == 'T' ? "--warn-ttf" : "--crit-ttf", optarg);
				return -1;
			}
			*(c == 'T' ? &o->t.warn_ttf : &o->t.crit_ttf) = v;
			break;
		case 'W': dst = &o->t.warn_fill; break;
		case 'C': dst = &o->t.crit_fill; break;
		case 'h':
			fputs(cmd_conntrack_usage, stdout);
			putchar('\n');
			nt_usage_globals(stdout);
			return 1;
		default:
			if (optopt && strchr("bt", optopt))
				nt_err("conntrack", "-%c: missing argument", optopt);
			else
				nt_err("conntrack", "unknown option or missing argument: %s (see nettriage conntrack --help)",
				       argv[optind - 1]);
			return -1;
		}
		if (dst) {
			if (nt_parse_double(optarg, &v) || !(v >= 0) || v > 100) {
				nt_err("conntrack", "%s: not a percentage from 0 to 100: %s",
				       c == 'W' ? "--warn" : "--crit", optarg);
				return -1;
			}
			*dst = v;
		}
	}
	if (optind < argc) {
		nt_err("conntrack", "unexpected argument: %s", argv[optind]);
		return -1;
	}
	if (o->t.warn_fill > o->t.crit_fill) {
		nt_err("conntrack", "--warn %g is above --crit %g", o->t.warn_fill,
		       o->t.crit_fill);
		return -1;
	}
	if (o->t.crit_ttf > o->t.warn_ttf) {
		nt_err("conntrack", "--crit-ttf %g is above --warn-ttf %g", o->t.crit_ttf,
		       o->t.warn_ttf);
		return -1;
	}
	if (needs_by && o->by == NT_BY_NONE && !(o->events > 0)) {
		nt_err("conntrack", "--top and --counters need --by KEY or --events SEC");
		return -1;
	}
	if ((o->filter.family || o->filter.mark_set || o->filter.zone_set ||
	     o->filter.status_set) && !o->dump) {
		nt_err("conntrack", "--family/--mark/--zone/--status filter a dump: use them with --by or -e");
		return -1;
	}
	return 0;
}

int cmd_conntrack(int argc, char **argv, struct nt_global *g)
{
	return nt_layer_cmd(&nt_layer_conntrack, argc, argv, g);
}
