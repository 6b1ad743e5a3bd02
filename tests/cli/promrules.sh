#!/bin/sh
# The Prometheus alerting rules (contrib/prometheus): `promtool check
# rules`, the unit tests in nettriage.rules.test.yml (`promtool test
# rules`), and that both checks fail when they should (a rule file with a
# syntax error, a rule changed under its tests). Every alert has a test,
# and every nettriage_* metric the rules read is one nettriage writes:
# from `triage --prom` once triage covers that layer, else from the
# layer's own command. No root; reads this host's counters only.
# Env: NT (the binary; default build/nettriage).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/cli/cli-lib.inc"
cd "$top" || exit 1
R=contrib/prometheus/nettriage.rules.yml
T=contrib/prometheus/nettriage.rules.test.yml

if ! command -v promtool >/dev/null 2>&1; then
	echo "ok - promtool rules # SKIP promtool not installed (apt-get install prometheus)"
	exit 0
fi

# 1. the rules parse, and there are as many as the file has alerts
nalert=$(grep -c '^ *- alert: ' "$R")
if promtool check rules "$R" >"$tmp/out" 2>&1; then
	n=$(sed -n 's/.*SUCCESS: \([0-9]*\) rules found.*/\1/p' "$tmp/out")
	if [ "$n" = "$nalert" ]; then
		ok "promtool check rules $R: $n rules"
	else
		notok "promtool check rules $R: '$n' rules found, the file has $nalert alerts"
	fi
else
	notok "promtool check rules $R: $(grep -v '^Checking' "$tmp/out" | head -3)"
fi

# 2. the unit tests pass
if promtool test rules "$T" >"$tmp/out" 2>&1; then
	ok "promtool test rules $T"
else
	notok "promtool test rules $T"
	sed 's/^/    /' "$tmp/out" | head -30 >&2
fi

# 3. every alert is tested: named by an alert_rule_test, and made to fire
# there (an exp_labels under it) at least once
for a in $(sed -n 's/^ *- alert: *//p' "$R"); do
	fires=$(awk -v a="$a" '
		/alertname:/ { cur = $2 }
		/exp_labels:/ && cur == a { n++ }
		END { print n + 0 }' "$T")
	if [ "$fires" -gt 0 ]; then
		ok "alert $a: expected firing in $fires alert(s) of $T"
	else
		notok "alert $a is never made to fire in $T"
	fi
done

# 4. the checks can fail: a syntax error in a rule, and a rule that is
# valid but wrong (CRIT after one run instead of two) under the same tests
mkdir -p "$tmp/bad"
cp "$T" "$tmp/bad/"
sed 's/nettriage_check_level == 2$/nettriage_check_level == (2/' "$R" >"$tmp/bad/nettriage.rules.yml"
if cmp -s "$R" "$tmp/bad/nettriage.rules.yml"; then
	notok "could not break $R (no 'nettriage_check_level == 2' line)"
elif promtool check rules "$tmp/bad/nettriage.rules.yml" >"$tmp/out" 2>&1; then
	notok "promtool check rules passes a rule with a syntax error"
else
	ok "promtool check rules fails on a syntax error ($(grep -c 'parse error' "$tmp/out") parse error)"
fi
awk '/alert: NettriageCheckCritical/ { c = 1 } c && /for: 2m/ { sub(/2m/, "1m"); c = 0 } { print }' \
	"$R" >"$tmp/bad/nettriage.rules.yml"
if cmp -s "$R" "$tmp/bad/nettriage.rules.yml"; then
	notok "could not change NettriageCheckCritical's for: 2m"
elif ! promtool check rules "$tmp/bad/nettriage.rules.yml" >/dev/null 2>&1; then
	notok "NettriageCheckCritical with for: 1m does not even parse"
elif promtool test rules "$tmp/bad/nettriage.rules.test.yml" >"$tmp/out" 2>&1; then
	notok "promtool test rules passes NettriageCheckCritical with for: 1m"
else
	ok "promtool test rules fails when NettriageCheckCritical fires after 1m, not 2m"
fi

# 5. the metrics the rules read exist, with the labels the annotations use
export NETTRIAGE_STATE_DIR="$tmp/state"
prom() { # prom NAME ARGS...: $tmp/NAME.prom from nettriage --prom ARGS
	f=$1
	shift
	"$NT" --prom "$@" </dev/null >"$tmp/$f.prom" 2>"$tmp/$f.err"
	rc=$?
	if [ "$rc" -gt 3 ] || [ ! -s "$tmp/$f.prom" ]; then
		notok "nettriage --prom $*: exit $rc, $(head -1 "$tmp/$f.err")"
	fi
}
prom triage triage
has() { # has FILE METRIC: METRIC has a sample in FILE
	grep -Eq "^$2(\{| )" "$1"
}
# src METRIC: the name of the output that must have METRIC: triage, once
# triage runs its layer (a check_level series with layer="LAYER"), else
# the layer's own command
src() {
	case $1 in
	nettriage_check_level | nettriage_triage_*) s=triage ;;
	*) s=${1#nettriage_}; s=${s%%_*}
	   grep -q "^nettriage_check_level{layer=\"$s\"" "$tmp/triage.prom" && s=triage ;;
	esac
	echo "$s"
}
for m in $(grep -v '^ *#' "$R" | grep -o 'nettriage_[a-z0-9_]*' | sort -u); do
	s=$(src "$m")
	[ -f "$tmp/$s.prom" ] || prom "$s" "$s"
	if has "$tmp/$s.prom" "$m"; then
		ok "rules read $m: in nettriage --prom $s"
	else
		notok "rules read $m, which nettriage --prom $s does not write"
	fi
done
# a selector's label values too: nettriage_tcp_sockets{state="close_wait"}
for sel in $(grep -v '^ *#' "$R" | grep -o 'nettriage_[a-z0-9_]*{[^}]*}' | sort -u); do
	m=${sel%%\{*}
	s=$(src "$m")
	miss=""
	for kv in $(echo "$sel" | sed 's/^[^{]*{//; s/}$//' | tr ',' ' '); do
		grep -E "^$m\{" "$tmp/$s.prom" | grep -qF "$kv" || miss="$miss $kv"
	done
	if [ -z "$miss" ]; then ok "rules select $sel: such a series in nettriage --prom $s"
	else notok "rules select $sel: no $m series with$miss in nettriage --prom $s"; fi
done
# the lookup itself can say no
if has "$tmp/triage.prom" nettriage_check_lev || has "$tmp/triage.prom" nettriage_no_such_metric; then
	notok "the metric lookup finds metrics that do not exist"
fi
labels=$(sed -n 's/^nettriage_check_level{\([^}]*\)}.*/\1/p' "$tmp/triage.prom" | head -1 |
	tr ',' '\n' | sed 's/=.*//' | sort | tr '\n' ' ')
for l in $(grep -o '\$labels\.[a-z_]*' "$R" | sed 's/.*\.//' | sort -u); do
	case $l in instance | job) continue ;; esac # the scrape's, not ours
	case " $labels" in
	*" $l "*) ok "annotations use \$labels.$l: a label of nettriage_check_level" ;;
	*) notok "annotations use \$labels.$l; nettriage_check_level has only: $labels" ;;
	esac
done
exit "$fail"
