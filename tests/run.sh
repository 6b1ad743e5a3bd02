#!/bin/sh
# Run every test and print "N passed, N failed[, N skipped]".
# Tests print TAP-style lines: "ok - name", "not ok - name",
# "ok - name # SKIP reason". A test program that exits non-zero without a
# "not ok" line counts as one failure. Under CI=true a skip is a failure.
set -u
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
export NT="$top/$BUILD/nettriage" NT_BUILD="$top/$BUILD" NT_TOP="$top"
# No test reads the host's /etc/nettriage.conf: an empty NETTRIAGE_CONFIG is
# no configuration file (tests/cli/config.sh names its own).
export NETTRIAGE_CONFIG=""
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
pass=0 fail=0 skip=0

run_one() {
	name=$1; shift
	if [ -n "${NT_ONLY:-}" ] && ! echo "$name" | grep -Eq "$NT_ONLY"; then
		return 0
	fi
	out="$log/out"
	start=$(date +%s)
	"$@" >"$out" 2>"$log/err"
	rc=$?
	p=$(grep -c '^ok ' "$out" | tr -d ' ')
	s=$(grep -c '^ok .*# SKIP' "$out" | tr -d ' ')
	f=$(grep -c '^not ok ' "$out" | tr -d ' ')
	p=$((p - s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited $rc"
		f=1
	fi
	if [ "${CI:-}" = true ] && [ "$s" -gt 0 ]; then
		grep '^ok .*# SKIP' "$out" | sed 's/^ok/not ok (skip under CI)/'
		f=$((f + s)); s=0
	fi
	grep -E '^(not ok|ok .*# SKIP)' "$out" | sed "s|^|  $name: |"
	if [ "$f" -gt 0 ]; then
		sed 's/^/    | /' "$log/err" | tail -20
	fi
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	printf '%-28s %4d passed %3d failed %3d skipped  (%ss)\n' "$name" "$p" "$f" "$s" \
		$(( $(date +%s) - start ))
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	run_one "unit/$(basename "$t")" "$t"
done
for t in tests/cli/*.sh; do
	[ -f "$t" ] || continue
	run_one "cli/$(basename "$t" .sh)" sh "$t"
done
for t in tests/man/*.sh; do
	[ -f "$t" ] || continue
	run_one "man/$(basename "$t" .sh)" sh "$t"
done
if [ "${NT_SKIP_NET:-}" != 1 ]; then
	for t in tests/net/*.sh; do
		[ -f "$t" ] || continue
		run_one "net/$(basename "$t" .sh)" bash "$t"
	done
fi
if [ "${NT_SKIP_FUZZ:-}" != 1 ]; then
	run_one "fuzz/short" sh tests/fuzz/short.sh
fi
[ -n "${NT_COUNTS:-}" ] && echo "$pass $fail" >>"$NT_COUNTS"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
