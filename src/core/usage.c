/* Help text and option-value checks shared by main and the commands. */
#include <stdio.h>
#include "nt_cmd.h"

void nt_usage_globals(FILE *f)
{
	fputs("Global options (before or after the command):\n"
	      "  -j, --json            JSON output (schema 1)\n"
	      "      --prom            Prometheus text exposition\n"
	      "      --prom-file PATH  also write Prometheus text to PATH atomically\n"
	      "  -i, --interval SEC    repeat every SEC seconds; later samples show rates\n"
	      "  -c, --count N         number of samples (with -i; default: until ^C)\n"
	      "  -N, --netns NS        run in network namespace NAME, PATH or PID\n"
	      "      --all-netns       every namespace (named and /proc/PID), worst first\n"
	      "  -n, --numeric         no DNS\n"
	      "  -q, --quiet           verdict line only\n"
	      "      --no-color        no color even on a terminal\n"
	      "      --config FILE     settings from FILE, not /etc/nettriage.conf\n"
	      "  -h, --help            this help;  --version  the version\n", f);
}

int nt_opt_double(const char *cmd, const char *opt, const char *val,
		  double lo, double hi, double *out)
{
	double v;

	if (nt_parse_double(val, &v) || !(v >= lo) || !(v <= hi)) {
		nt_err(cmd, "%s: not a number from %g to %g: %s", opt, lo, hi, val);
		return -1;
	}
	*out = v;
	return 0;
}

int nt_opt_long(const char *cmd, const char *opt, const char *val,
		long lo, long hi, long *out)
{
	long v;

	if (nt_parse_long(val, &v) || v < lo || v > hi) {
		nt_err(cmd, "%s: not a whole number from %ld to %ld: %s", opt, lo, hi, val);
		return -1;
	}
	*out = v;
	return 0;
}

int nt_opt_port(const char *cmd, const char *opt, const char *val, long *out)
{
	long v;

	if (nt_parse_long(val, &v) || v < 1 || v > 65535) {
		nt_err(cmd, "%s: not a port: %s", opt, val);
		return -1;
	}
	*out = v;
	return 0;
}
