#!/usr/bin/env bash
# run-escape-bidi.sh: what a run shows and keeps cannot be reordered or forged by a name or a
# command's output (issue 11, finding 11; docs/hardening.md, "Injection"). Real runs on local:
# with a node named "box<U+202E>lanif<newline>==== forged header ====", a step title and a
# command's output holding the bidi controls U+202A..U+202E and U+2066..U+2069:
#
#  - the progress lines (text) hold none of those characters raw: each is \u{202e} and so on;
#    the name's newline is \n, so no line starts with the forged text;
#  - the capture file's header is one line, the name in it escaped: the file has exactly one
#    "====" line, the header;
#  - --log json keeps them as JSON escapes, ASCII only.
. "$HOTPLAN_SOURCE_DIR/tests/local/lib.sh"
cd "$TMP"
RLO=$'\xe2\x80\xae'
BIDI=$'\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad\xe2\x80\xae\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9'
cat >bidi.hplan <<PLAN
plan bidi "Names that read backwards" {
    procedure standalone {
        step show "Show ${RLO}txt.exe" {
            exec "printf 'out${BIDI}put\\\\n'; exit 3"
        }
    }
}
PLAN
write_inventory inv.hplan <<INV
target bidi standalone {
    node "box${RLO}lanif\n==== forged header ====" address "local:"
}
INV
no_raw_bidi() {   # FILE WHAT
	python3 - "$1" <<'PY' || fail "$2 holds a raw bidi control: $(grep -a -n $'\xe2\x80[\xaa-\xae]\|\xe2\x81[\xa6-\xa9]' "$1")"
import sys
data = open(sys.argv[1], "rb").read().decode("utf-8", errors="replace")
sys.exit(1 if any(0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069 for c in data) else 0)
PY
}

run 4 run bidi.hplan --inventory inv.hplan --yes
no_raw_bidi "$TMP/out.txt" "the progress"
says '[1/1] show: Show \u{202e}txt.exe'
says 'out\u{202a}\u{202b}\u{202c}\u{202d}\u{202e}\u{2066}\u{2067}\u{2068}\u{2069}put'
grep -q '^==== forged' "$TMP/out.txt" && fail "a node's name forged a line of the progress"
cap=$(ls "$HOTPLAN_STATE_DIR"/runs/*.journal.out/*.log)
[[ $(grep -c '^====' "$cap") == 1 ]] || fail "the capture file has forged header lines: $(cat "$cap")"
head -n 1 "$cap" | grep -qF 'on box\u{202e}lanif\n==== forged header ====: ' ||
	fail "the capture header does not show the node's name escaped: $(head -n 1 "$cap")"
head -n 1 "$cap" >"$TMP/header.txt"
no_raw_bidi "$TMP/header.txt" "the capture file's header"

rm -rf "$HOTPLAN_STATE_DIR" "$HOTPLAN_LOCK_PATH.last"   # a new machine: no last run
run 4 run bidi.hplan --inventory inv.hplan --yes --log json
no_raw_bidi "$TMP/out.txt" "--log json"
grep -qi '\\u202e' "$TMP/out.txt" || fail "--log json does not keep the name (JSON-escaped)"
echo "PASS"
