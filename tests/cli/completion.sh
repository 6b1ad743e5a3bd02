#!/bin/sh
# The bash completion (contrib/bash-completion/nettriage), driven as bash
# drives it: COMP_WORDS/COMP_CWORD set, the function `complete -p` names
# called, COMPREPLY read. Commands, global and per-command options, option
# values, interface names for link, namespace names for -N, file names after
# --prom-file; and every option in a built command's --help is offered, so
# the file cannot drift from the getopt tables. Needs bash; no root.
# Env: NT (the binary; default build/nettriage).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
NT=${NT:-$top/build/nettriage}
COMPL=$top/contrib/bash-completion/nettriage
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
export NETTRIAGE_STATE_DIR="$tmp/state"
fail=0
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; fail=1; }

# shellcheck source=../../contrib/bash-completion/nettriage
if ! . "$COMPL" 2>"$tmp/err"; then
	notok "source $COMPL: $(head -1 "$tmp/err")"
	exit 1
fi
spec=$(complete -p nettriage 2>/dev/null)
fn=$(sed -n 's/.*-F \([^ ]*\) .*/\1/p' <<<"$spec")
if [ -n "$fn" ] && declare -F "$fn" >/dev/null; then
	ok "complete -p nettriage names a function ($spec)"
else
	notok "complete -p nettriage: '$spec'"
	exit 1
fi

# comp WORD...: complete the last word of "nettriage WORD..." (the cursor at
# its end); prints the candidates, one a line, sorted.
comp() {
	COMP_WORDS=(nettriage "$@")
	COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	"$fn" nettriage "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort
}
# has DESC WANT WORD...: WANT (one or more words) all among the candidates
has() {
	local d=$1 want=$2 w got missing=""
	shift 2
	got=$(comp "$@")
	for w in $want; do
		grep -qxF -- "$w" <<<"$got" || missing="$missing $w"
	done
	if [ -z "$missing" ]; then
		ok "$d"
	else
		notok "$d: missing$missing in [$(tr '\n' ' ' <<<"$got")]"
	fi
}
# lacks DESC UNWANTED WORD...: none of UNWANTED among the candidates
lacks() {
	local d=$1 bad=$2 w got extra=""
	shift 2
	got=$(comp "$@")
	for w in $bad; do
		grep -qxF -- "$w" <<<"$got" && extra="$extra $w"
	done
	if [ -z "$extra" ]; then ok "$d"; else notok "$d: offers$extra"; fi
}
# exactly DESC WANT WORD...: the candidates are WANT, no more
exactly() {
	local d=$1 want got
	want=$(tr ' ' '\n' <<<"$2" | sed '/^$/d' | sort)
	shift 2
	got=$(comp "$@")
	if [ "$got" = "$want" ]; then
		ok "$d"
	else
		notok "$d: got [$(tr '\n' ' ' <<<"$got")] want [$(tr '\n' ' ' <<<"$want")]"
	fi
}

exactly "nettriage <TAB>: the commands" "link stack conntrack tcp path capture triage help" ""
exactly "nettriage co<TAB>: conntrack" "conntrack" co
exactly "nettriage help <TAB>: the commands" "link stack conntrack tcp path capture triage help" help ""
has "nettriage -<TAB>: every global option" \
	"-j --json --prom --prom-file -i --interval -c --count -N --netns --all-netns -n --numeric -q --quiet --no-color --config --help --version" -
exactly "nettriage --pro<TAB>: --prom --prom-file" "--prom --prom-file" --pro
exactly "nettriage -j --no-c<TAB> (after a global option)" "--no-color" -j --no-c
has "nettriage link -<TAB>: link's options and the global ones" "--all --warn-drops --crit-drops --json --netns" link -
lacks "nettriage link -<TAB>: not another command's options" "--by --procs --udp --max-ttl" link -
has "nettriage conntrack --<TAB>: --by --top --effective --status" "--by --top --effective --status" conntrack --
exactly "nettriage tcp --pro<TAB> (per-command and global)" "--procs --prom --prom-file" tcp --pro
exactly "nettriage -j path --max-<TAB>" "--max-loss --max-p99 --max-ttl" -j path --max-
exactly "nettriage -i 1 path -<TAB>: 1 is -i's value, not the command" "$(comp path -)" -i 1 path -
exactly "nettriage conntrack --by <TAB>: the keys" "proto state src dst dport zone mark status" conntrack --by ""
exactly "nettriage conntrack --status <TAB>" "assured unreplied replied" conntrack --status ""
exactly "nettriage conntrack --family=<TAB> (bash splits at =)" "inet inet6" conntrack --family = ""
exactly "nettriage tcp --state established,ti<TAB>: the list's last element" "established,time-wait" tcp --state established,ti
exactly "nettriage link --warn <TAB>: a number, nothing offered" "" link --warn ""
exactly "nettriage -c <TAB>: a number, nothing offered" "" -c ""

# every state offered is one tcp --state accepts
bad=""
for s in $(comp tcp --state ""); do
	"$NT" -q tcp --state "$s" >/dev/null 2>"$tmp/err"
	[ $? -eq 64 ] && bad="$bad $s($(head -1 "$tmp/err"))"
done
if [ -z "$bad" ]; then ok "every --state offered is accepted by nettriage tcp"; else notok "tcp --state rejects:$bad"; fi

# interface names for link
has "nettriage link <TAB>: lo (from /sys/class/net)" lo link ""
has "nettriage link l<TAB>: lo" lo link l
has "nettriage link lo <TAB>: more interfaces" lo link lo ""
# every interface in /sys/class/net (other tests may add one meanwhile: retry)
for _ in 1 2 3; do
	ifs=$(for d in /sys/class/net/*; do echo "${d##*/}"; done | sort)
	got=$(comp -j link "")
	[ "$got" = "$ifs" ] && break
done
if [ "$got" = "$ifs" ]; then
	ok "nettriage -j link <TAB>: every interface in /sys/class/net ($(echo $ifs))"
else
	notok "nettriage -j link <TAB>: got [$(echo $got)] want [$(echo $ifs)]"
fi

# namespace names for -N: the first word of each `ip netns list` line (a
# stand-in ip on PATH, so the answer does not depend on other tests)
mkdir -p "$tmp/bin"
cat >"$tmp/bin/ip" <<'EOF'
#!/bin/sh
[ "$1 $2" = "netns list" ] || exit 1
echo "blue (id: 0)"
echo "nt-red"
EOF
chmod 755 "$tmp/bin/ip"
PATH=$tmp/bin:$PATH exactly "nettriage -N <TAB>: the names of ip netns list" "blue nt-red" -N ""
PATH=$tmp/bin:$PATH exactly "nettriage -j --netns b<TAB>" "blue" -j --netns b
PATH=$tmp/bin:$PATH exactly "nettriage -jN <TAB> (bundled flags)" "blue nt-red" -jN ""
PATH=$tmp/bin:$PATH exactly "nettriage link --netns=n<TAB>" "nt-red" link --netns = n
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null; then
	ns=nt-compl-$$-$RANDOM
	if ip netns add "$ns" 2>/dev/null; then
		has "nettriage --netns nt-compl<TAB>: a namespace made for this test (real ip)" "$ns" --netns nt-compl
		ip netns del "$ns"
	else
		notok "ip netns add $ns"
	fi
fi

# files after --prom-file
mkdir -p "$tmp/d/sub"
: >"$tmp/d/metrics.prom"
: >"$tmp/d/other.txt"
exactly "nettriage --prom-file DIR/<TAB>: the files and directories there" \
	"$tmp/d/metrics.prom $tmp/d/other.txt $tmp/d/sub" --prom-file "$tmp/d/"
exactly "nettriage link --prom-file DIR/m<TAB>" "$tmp/d/metrics.prom" link --prom-file "$tmp/d/m"
exactly "nettriage --prom-file=DIR/m<TAB> (one word)" "$tmp/d/metrics.prom" "--prom-file=$tmp/d/m"
exactly "nettriage capture -r DIR/o<TAB>: pcap file names" "$tmp/d/other.txt" capture -r "$tmp/d/o"
exactly "nettriage --config DIR/o<TAB>: file names" "$tmp/d/other.txt" --config "$tmp/d/o"
exactly "nettriage link --config=DIR/m<TAB> (one word)" "$tmp/d/metrics.prom" link "--config=$tmp/d/m"
exactly "nettriage --config FILE link -<TAB>: FILE is --config's value" "$(comp link -)" --config "$tmp/d/other.txt" link -

# Every option of a built command's --help is offered after "nettriage CMD -".
if [ ! -x "$NT" ]; then
	notok "binary $NT exists (build it with make, or set NT)"
	exit 1
fi
for c in "" link stack conntrack tcp path; do
	# shellcheck disable=SC2086 # "" is no command
	"$NT" $c --help >"$tmp/help" 2>&1
	opts=$(grep -oE '(^|[ ,])--?[a-zA-Z0-9][a-zA-Z0-9-]*' "$tmp/help" | sed 's/^[ ,]*//' | sort -u |
		grep -vxE -- '-[0-9]+' | tr '\n' ' ')
	# -4, -6 are options of path
	[ "$c" = path ] && opts="$opts -4 -6"
	if [ -z "$opts" ]; then
		notok "nettriage $c --help lists options"
		continue
	fi
	# shellcheck disable=SC2086
	has "every option of nettriage ${c:-(global)} --help is offered ($(wc -w <<<"$opts"))" "$opts" $c -
done
# ... and every command of nettriage --help
cmds=$("$NT" --help 2>&1 | awk '/^Commands:/ {on = 1; next} on && /^$/ {on = 0} on {print $1}' | tr '\n' ' ')
has "every command of nettriage --help is offered ($cmds)" "$cmds" ""

exit $fail
