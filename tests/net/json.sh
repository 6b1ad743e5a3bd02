#!/usr/bin/env bash
# shellcheck disable=SC2317 # cleanup runs from the trap
# `nettriage -j link` with interface names JSON must escape: quote,
# backslash, control characters, valid UTF-8 and bytes that are not UTF-8
# (the kernel allows any byte but '/', ':' and whitespace). The document
# must parse with python3 and jq, and every name must come back as the
# kernel's bytes decoded as UTF-8 with each invalid sequence replaced by
# U+FFFD (what python's errors="replace" does). Before our own encoder,
# jansson refused the non-UTF-8 name and the whole document failed.
set -u
NT=${NT:-}
. "$(dirname "$0")/ns-lib.inc"
nt_setup json jq python3

names=('q"b\x' $'c\x01\x1bd' $'caf\xc3\xa9' $'b\xff\xfe' $'t\xe2\x82')
i=0
for n in "${names[@]}"; do
	if ! ip -n "$NS" link add name "$n" type veth peer name "ntjp$i" 2>"$TMP/err"; then
		echo "not ok - ip link add $(printf %q "$n"): $(cat "$TMP/err")"
		exit 1
	fi
	i=$((i + 1))
done
printf '%s\n' "${names[@]}" >"$TMP/names"

"$NT" -N "$NS" -j link >"$TMP/out.json" 2>"$TMP/stderr"
rc=$?
if [ "$rc" -lt 3 ]; then echo "ok - -j link with odd names exits $rc"; else
	echo "not ok - -j link with odd names exits $rc: $(head -1 "$TMP/stderr")"; fi
if [ -s "$TMP/out.json" ] && jq -e '.interfaces | length == 11' "$TMP/out.json" >/dev/null 2>&1; then
	echo "ok - jq parses it: 11 interfaces"
else
	echo "not ok - jq cannot parse the document or the count is wrong"
fi
if python3 - "$TMP/out.json" "$TMP/names" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
got = {i["name"] for i in doc["interfaces"]}
want = [l.decode("utf-8", "replace") for l in open(sys.argv[2], "rb").read().split(b"\n")[:-1]]
missing = [w for w in want if w not in got]
if missing:
    print("# missing:", [ascii(m) for m in missing])
    sys.exit(1)
for v in doc["verdicts"]:
    assert isinstance(v["subject"], str)
PY
then
	echo "ok - python3 reads every name back (invalid UTF-8 as U+FFFD)"
else
	echo "not ok - python3: names do not come back as expected"
fi
# The escapes themselves, as text.
if grep -qF '"q\"b\\x"' "$TMP/out.json" && grep -qF '"c\u0001\u001Bd"' "$TMP/out.json"; then
	echo "ok - quote, backslash and control characters escaped"
else
	echo "not ok - escapes not found in the text"
fi
