/* Help text shared by main and the commands. */
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
	      "  -n, --numeric         no DNS\n"
	      "  -q, --quiet           verdict line only\n"
	      "      --no-color        no color even on a terminal\n"
	      "  -h, --help            this help;  --version  the version\n", f);
}
