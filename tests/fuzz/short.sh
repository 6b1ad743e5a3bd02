#!/bin/sh
# Short libFuzzer runs (ASan+UBSan) of every target over its seed corpus;
# `make fuzz` runs them longer. FUZZ_SHORT seconds per target (default 10).
set -u
cd "$(dirname "$0")/../.." || exit 1
secs=${FUZZ_SHORT:-10}
if ! command -v clang >/dev/null 2>&1; then
	echo "ok - fuzz targets # SKIP clang not installed"
	exit 0
fi
if ! make -s fuzz-build >build-fuzz.log 2>&1; then
	echo "not ok - fuzz targets build (clang -fsanitize=fuzzer,address,undefined)"
	cat build-fuzz.log >&2
	rm -f build-fuzz.log
	exit 1
fi
rm -f build-fuzz.log
for f in build-fuzz/fuzz_*; do
	n=${f#build-fuzz/fuzz_}
	work=$(mktemp -d)
	if "$f" -max_total_time="$secs" -print_final_stats=1 "$work" \
		"tests/fuzz/corpus/$n" >"$work.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work.log")
		echo "ok - fuzz_$n: ${runs:-?} inputs in ${secs}s, no crash, no sanitizer report"
	else
		echo "not ok - fuzz_$n crashed or a sanitizer fired"
		tail -30 "$work.log" >&2
	fi
	rm -rf "$work" "$work.log"
done
