#!/bin/sh
# Run every benchmark in tests/bench/ (every *.sh but this one), each with
# bash, with NT set to the binary under test. `make bench` calls
# `BUILD=build sh tests/bench/run.sh`.
# Exit status: 0 if every benchmark ran (and, with NT_BENCH_STRICT=1, met
# its targets), 1 otherwise.
set -u
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
export NT="$top/$BUILD/nettriage" NT_BUILD="$top/$BUILD" NT_TOP="$top"
if [ ! -x "$NT" ]; then
	echo "bench: $NT not built (run make)" >&2
	exit 1
fi
rc=0
for b in tests/bench/*.sh; do
	[ -f "$b" ] || continue
	[ "$(basename "$b")" = run.sh ] && continue
	echo "== bench/$(basename "$b" .sh)"
	bash "$b" || { echo "bench/$(basename "$b" .sh): FAILED"; rc=1; }
done
exit $rc
