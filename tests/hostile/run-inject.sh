#!/usr/bin/env bash
# run-inject.sh: injection (Issue 4, item 3), beyond tests/local/run-inject.sh (params in exec
# strings, store names): on local: nodes with real commands and files,
#  1. facts (${fact.PATH} of a profile, the node's and the target's) and
#  2. node names (${node}) full of shell syntax (quotes, `;`, `$( )`, backticks, `|`, `&`,
#     spaces, a newline) reach the commands as data, byte for byte, and nothing they spell
#     runs (canary files stay absent);
#  3. what hotplan shows of a node's name or of a command's output holds no raw control
#     character: ESC sequences, CR, BEL, backspace, a C1 CSI (U+009B) and a newline come out
#     escaped (\x1b, \r, \n, \xc2...) on stdout and stderr, text and --dry-run; --log json
#     keeps them as JSON escapes (and the line stays one JSON object).
. "$HOTPLAN_SOURCE_DIR/tests/local/lib.sh"

cd "$TMP"
EVIL="it's \"q\"; touch canary1 \$(touch canary2) \`touch canary3\` | touch canary4 & x"
NL_EVIL=$'two\nlines $(touch canary5);`touch canary6`'
no_canary() {
	local found
	found=$(find "$TMP" / -maxdepth 1 -name 'canary*' 2>/dev/null; find "$SB" -name 'canary*' 2>/dev/null)
	[[ -z $found ]] || fail "a value ran as a command: $found"
}
# A value as an .hplan string literal.
lit() {
	local s=${1//\\/\\\\}
	s=${s//\"/\\\"}
	s=${s//$'\n'/\\n}
	printf '"%s"' "$s"
}
# The output has no raw control character but newline (and no C1 control).
clean_text() {
	local f=$1 what=$2
	if LC_ALL=C grep -qP '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$f"; then
		fail "$what: a raw control character reached the output: $(LC_ALL=C grep -naP '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$f" | od -c | head -n 5)"
	fi
}

cat >"$TMP/write.hplan" <<'PLAN'
plan write_facts "Let the profile write what it knows" {
    procedure standalone {
        step write "Write the node's name and facts" {
            exec "true"
        }
    }
}
PLAN

# 1 + 2. facts and node names through a profile's exec wrapper, into files
for node in "$EVIL" "$NL_EVIL" "plain"; do
	for fact in "$EVIL" "$NL_EVIL" "" "'" "\\" "\$HOME \${x}"; do
		rm -rf "$SB/box"
		mkdir -p "$SB/box"
		cat >"$TMP/inv.hplan" <<INV
profile "writer" {
    exec = "printf '%s' \${fact.evil} > \${sandbox}/fact.out; printf '%s' \${node} > \${sandbox}/node.out; printf '%s' \${fact.wide} > \${sandbox}/wide.out\\n\${command}"
}
target facts standalone {
    profile "writer"
    fact wide = $(lit "$fact")
    node $(lit "$node") address "local:" {
        fact evil = $(lit "$fact")
        fact sandbox = $(lit "$SB/box")
    }
}
INV
		run 0 run "$TMP/write.hplan" --inventory "$TMP/inv.hplan" --yes
		clean_text "$TMP/out.txt" "run with node $(printf %q "$node")"
		printf '%s' "$fact" >"$TMP/want"
		cmp -s "$TMP/want" "$SB/box/fact.out" || fail "fact.evil arrived as $(od -c "$SB/box/fact.out" | head -n 3)"
		cmp -s "$TMP/want" "$SB/box/wide.out" || fail "the target's fact arrived as $(od -c "$SB/box/wide.out" | head -n 3)"
		printf '%s' "$node" >"$TMP/want"
		cmp -s "$TMP/want" "$SB/box/node.out" || fail "the node's name arrived as $(od -c "$SB/box/node.out" | head -n 3)"
		no_canary
	done
	# the dry run shows the rendered command, escaped
	run 0 run "$TMP/write.hplan" --inventory "$TMP/inv.hplan" --dry-run
	clean_text "$TMP/out.txt" "--dry-run with node $(printf %q "$node")"
	no_canary
done
# a fact in a condition is data too: compared, never run
cat >"$TMP/cond.hplan" <<'PLAN'
plan cond_fact {
    require fact evil == "it's \"q\"; touch canary1 $(touch canary2) `touch canary3` | touch canary4 & x"
    procedure standalone {
        step s { verify fact evil != "x" }
    }
}
PLAN
cat >"$TMP/inv2.hplan" <<INV
target t standalone {
    node "n" address "local:"
    fact evil = $(lit "$EVIL")
}
INV
run 0 run "$TMP/cond.hplan" --inventory "$TMP/inv2.hplan" --yes
no_canary

# 3. control characters from a node's name and a command's output
NASTY=$'\e[2J\e]0;owned\a\rOVERWRITE\b\b\x7f'$'\xc2\x9b''31mred'
cat >"$TMP/noisy.hplan" <<'PLAN'
plan noisy "A command whose output steers terminals" {
    param text : string
    procedure standalone {
        step say "Print it and fail" {
            exec "printf '%s\n' ${text}; printf '%s\n' ${text} >&2; exit 1"
        }
    }
}
PLAN
node_lit=$(lit $'box\nFAKE: run completed\xc2\x9b')
cat >"$TMP/inv3.hplan" <<INV
target noisy standalone {
    node $node_lit address "local:"
}
INV
for mode in text json dry; do
	extra=()
	want=4
	[[ $mode == json ]] && extra=(--log json)
	[[ $mode == dry ]] && extra=(--dry-run) && want=0
	rm -rf "$HOTPLAN_STATE_DIR" "$HOTPLAN_LOCK_PATH.last"   # a new machine: no last run
	run "$want" run "$TMP/noisy.hplan" --inventory "$TMP/inv3.hplan" --yes --set "text=$NASTY" "${extra[@]}"
	clean_text "$TMP/out.txt" "the output of a noisy command ($mode)"
	if [[ $mode == json ]]; then
		python3 - "$TMP/out.txt" <<'PY' || fail "--log json: not one JSON object per line, or the output is not kept"
import json, sys
seen = False
for line in open(sys.argv[1], encoding="utf-8", errors="strict"):
    if not line.startswith("{"):
        continue            # the checker's warnings, on stderr
    ev = json.loads(line)
    if ev.get("event") == "action-failed":
        m = ev.get("message", "")
        seen = "\x1b[2J" in m or "\\x1b[2J" in m   # kept (JSON-escaped), or shown escaped
sys.exit(0 if seen else 1)
PY
	elif [[ $mode == text ]]; then
		says '\x1b[2J\x1b]0;owned\x07OVERWRITE\x08\x08\x7f\xc2\x9b31mred'
		says 'box\nFAKE: run completed'
	fi
done
no_canary
echo "PASS"
