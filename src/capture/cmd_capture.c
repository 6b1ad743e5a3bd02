/* nettriage capture: options, usage and cmd_capture over the layer
 * (nt_layer_capture in capture_layer.c). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nettriage.h"
#include "nt_cmd.h"
#include "capture_int.h"

const char cmd_capture_usage[] =
	"usage: nettriage capture (-r FILE | -d IFACE) [OPTIONS] [BPF FILTER...]\n\n"
	"Per-flow TCP health on the wire: retransmissions (fast, spurious), out-of-order\n"
	"and lost segments, duplicate ACKs, zero windows, resets and RTTs, judged the way\n"
	"Wireshark's TCP sequence analysis judges them, from a pcap/pcapng file or a live\n"
	"capture (libpcap). Trailing arguments are a BPF filter (pcap-filter(7)).\n\n"
	"Options:\n"
	"  -r, --read FILE        read a pcap or pcapng file\n"
	"  -d, --device IFACE     capture live on IFACE (\"any\": every interface);\n"
	"                         needs CAP_NET_RAW, dropped before the first packet\n"
	"  -t, --duration SEC     live: capture for SEC seconds (10 without -C);\n"
	"                         file: only the first SEC seconds of capture time\n"
	"  -C, --packets N        stop after N frames\n"
	"  -w, --write FILE       also write the frames read to FILE (pcap)\n"
	"      --top N            the N worst flows in the table and JSON (10; 0: totals only)\n"
	"      --sort KEY         rank flows by retrans (default), rst, rtt (p99), bytes\n"
	"                         or zero_window\n"
	"      --max-flows N      flows kept at once, least recently used evicted (100000)\n"
	"      --snaplen N        live: bytes kept per frame, >= 128 (256: headers only;\n"
	"                         262144 with -w)\n"
	"      --buffer MIB       live: kernel capture buffer (32)\n"
	"      --promisc          live: promiscuous mode (if_dropped counted only where it\n"
	"                         takes effect: never on \"any\")\n"
	"      --warn-retrans PCT retransmitted data segments WARN above PCT % (1)\n"
	"      --crit-retrans PCT retransmitted data segments CRIT above PCT % (5)\n"
	"      --min-segments N   judge the retransmission ratio from N data segments on\n"
	"                         (100; 0: always)\n"
	"      --warn-zero-window MS  WARN when a flow's zero window lasted MS ms\n"
	"                         (100; 0: any zero window)\n"
	"  -h, --help             this help\n";

static const struct option opts_long[] = {
	{ "read", required_argument, NULL, 'r' },
	{ "device", required_argument, NULL, 'd' },
	{ "duration", required_argument, NULL, 't' },
	{ "packets", required_argument, NULL, 'C' },
	{ "write", required_argument, NULL, 'w' },
	{ "top", required_argument, NULL, 1 },
	{ "sort", required_argument, NULL, 2 },
	{ "max-flows", required_argument, NULL, 3 },
	{ "snaplen", required_argument, NULL, 4 },
	{ "buffer", required_argument, NULL, 5 },
	{ "promisc", no_argument, NULL, 6 },
	{ "warn-retrans", required_argument, NULL, 7 },
	{ "crit-retrans", required_argument, NULL, 8 },
	{ "min-segments", required_argument, NULL, 9 },
	{ "warn-zero-window", required_argument, NULL, 10 },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

const struct nt_cmd_opts cmd_capture_opts = { "+:r:d:t:C:w:h", opts_long };

static const char *const sort_names[] = {
	[CAP_SORT_RETRANS] = "retrans", [CAP_SORT_RST] = "rst", [CAP_SORT_RTT] = "rtt",
	[CAP_SORT_BYTES] = "bytes", [CAP_SORT_ZW] = "zero_window",
};

const char *nt_cap_sort_name(enum cap_sort s)
{
	return sort_names[s];
}

/* the last of a repeated option wins (the config file's value comes first) */
static int set_str(char **dst, const char *v)
{
	char *s = strdup(v);

	if (!s) {
		nt_err("capture", "out of memory");
		return -1;
	}
	free(*dst);
	*dst = s;
	return 0;
}

/* the operands, joined with spaces as tcpdump does */
static int join_filter(struct cap_opts *o, int argc, char **argv, int from)
{
	size_t len = 1;
	int i;

	for (i = from; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if (from >= argc)
		return 0;
	o->filter = malloc(len);
	if (!o->filter) {
		nt_err("capture", "out of memory");
		return -1;
	}
	o->filter[0] = '\0';
	for (i = from; i < argc; i++) {
		if (i > from)
			strcat(o->filter, " ");
		strcat(o->filter, argv[i]);
	}
	return 0;
}

void nt_capture_opts_free(struct cap_opts *o)
{
	free(o->file);
	free(o->iface);
	free(o->wfile);
	free(o->filter);
	memset(o, 0, sizeof(*o));
}

int nt_capture_parse_opts(int argc, char **argv, struct cap_opts *o)
{
	int c, li = -1;
	long n;
	size_t k;

	memset(o, 0, sizeof(*o));
	o->top = CAP_DEF_TOP;
	o->max_flows = CAP_DEF_FLOWS;
	o->buffer_mib = CAP_DEF_BUFFER_MIB;
	o->warn_retrans = 1;
	o->crit_retrans = 5;
	o->min_segments = CAP_MIN_SEGMENTS;
	o->warn_zw_ms = CAP_WARN_ZW_MS;
	opterr = 0;
	while ((c = getopt_long(argc, argv, cmd_capture_opts.shortopts, opts_long, &li)) != -1) {
		switch (c) {
		case 'r':
			if (set_str(&o->file, optarg))
				return -1;
			break;
		case 'd':
			if (set_str(&o->iface, optarg))
				return -1;
			break;
		case 'w':
			if (set_str(&o->wfile, optarg))
				return -1;
			break;
		case 't':
			/* at least a millisecond, at most a day */
			if (nt_opt_double("capture", "-t", optarg, 0.001, CAP_MAX_S, &o->seconds))
				return -1;
			break;
		case 'C':
			if (nt_opt_long("capture", "-C", optarg, 1, 1000000000000L, &o->count))
				return -1;
			break;
		case 1:
			if (nt_opt_long("capture", "--top", optarg, 0, CAP_MAX_TOP, &n))
				return -1;
			o->top = (unsigned)n;
			break;
		case 2:
			for (k = 0; k < sizeof(sort_names) / sizeof(sort_names[0]); k++)
				if (!strcmp(optarg, sort_names[k]))
					break;
			if (k == sizeof(sort_names) / sizeof(sort_names[0])) {
				nt_err("capture", "--sort %s: not one of retrans, rst, rtt, bytes, zero_window",
				       optarg);
				return -1;
			}
			o->sort = (enum cap_sort)k;
			break;
		case 3:
			if (nt_opt_long("capture", "--max-flows", optarg, 1, CAP_MAX_FLOWS, &n))
				return -1;
			o->max_flows = (uint32_t)n;
			break;
		case 4:
			/* the largest header the analysis reads: Linux cooked
			 * v2 (20) + IPv6 (40) + TCP with 40 option bytes (60)
			 * is 120 bytes; below 128 a SYN would be "truncated" */
			if (nt_opt_long("capture", "--snaplen", optarg, CAP_MIN_SNAP, CAP_SNAP_FULL,
					&o->snaplen))
				return -1;
			break;
		case 5:
			if (nt_opt_long("capture", "--buffer", optarg, 1, 2047, &o->buffer_mib))
				return -1;
			break;
		case 6: o->promisc = true; break;
		case 7:
			if (nt_opt_double("capture", "--warn-retrans", optarg, 0, 100, &o->warn_retrans))
				return -1;
			break;
		case 8:
			if (nt_opt_double("capture", "--crit-retrans", optarg, 0, 100, &o->crit_retrans))
				return -1;
			break;
		case 9:
			if (nt_opt_long("capture", "--min-segments", optarg, 0, 1000000000000L,
					&n))
				return -1;
			o->min_segments = (uint64_t)n;
			break;
		case 10:
			if (nt_opt_double("capture", "--warn-zero-window", optarg, 0, CAP_MAX_S * 1000,
					  &o->warn_zw_ms))
				return -1;
			break;
		case 'h':
			fputs(cmd_capture_usage, stdout);
			putchar('\n');
			nt_usage_globals(stdout);
			return 1;
		case ':':
			nt_err("capture", "%s: missing argument", argv[optind - 1]);
			return -1;
		default:
			nt_err("capture", "unknown option: %s (see nettriage capture --help)",
			       argv[optind - 1]);
			return -1;
		}
		li = -1;
	}
	if (join_filter(o, argc, argv, optind))
		return -1;
	/* the lengths the summary record holds (struct cap_summary) */
	if (o->filter && strlen(o->filter) >= CAP_MAX_FILTER) {
		nt_err("capture", "the BPF filter is %zu bytes long: at most %d", strlen(o->filter),
		       CAP_MAX_FILTER - 1);
		return -1;
	}
	if (o->file && strlen(o->file) >= sizeof(((struct cap_summary *)0)->file)) {
		nt_err("capture", "-r: the file name is longer than %zu bytes",
		       sizeof(((struct cap_summary *)0)->file) - 1);
		return -1;
	}
	if (o->iface && strlen(o->iface) >= sizeof(((struct cap_summary *)0)->iface)) {
		nt_err("capture", "-d: the interface name is longer than %zu bytes",
		       sizeof(((struct cap_summary *)0)->iface) - 1);
		return -1;
	}
	if (!o->file == !o->iface) {
		nt_err("capture", o->file ? "-r FILE and -d IFACE: give one of them"
					  : "give -r FILE (a pcap file) or -d IFACE (live)");
		return -1;
	}
	if (o->warn_retrans > o->crit_retrans) {
		nt_err("capture", "--warn-retrans %g is above --crit-retrans %g",
		       o->warn_retrans, o->crit_retrans);
		return -1;
	}
	if (o->file && (o->snaplen || o->promisc || o->buffer_mib != CAP_DEF_BUFFER_MIB)) {
		nt_err("capture", "--snaplen, --buffer and --promisc are for -d IFACE (a live capture)");
		return -1;
	}
	if (o->iface && !o->seconds && !o->count)
		o->seconds = CAP_DEF_LIVE_S;
	return 0;
}

int cmd_capture(int argc, char **argv, struct nt_global *g)
{
	return nt_layer_cmd(&nt_layer_capture, argc, argv, g);
}
