#!/usr/bin/env bash
# run-fmt.sh: `hotplan fmt` (docs/fmt.md): standard input to standard output, FILEs to
# standard output, --check both ways with its exit codes, -w rewriting atomically (mode
# kept, unchanged files untouched, symbolic links followed), directories, syntax errors
# and unreadable input, and the CI gate: every plan, profile and inventory hotplan ships
# is formatted.
#
# Environment (set by ctest): HOTPLAN (the binary), HOTPLAN_SOURCE_DIR (the repository).
set -uo pipefail

: "${HOTPLAN:?HOTPLAN must name the hotplan binary}"
: "${HOTPLAN_SOURCE_DIR:?HOTPLAN_SOURCE_DIR must name the repository}"
HOTPLAN=$(cd "$(dirname "$HOTPLAN")" && pwd)/$(basename "$HOTPLAN")
SRC=$HOTPLAN_SOURCE_DIR

failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp"

# run EXPECTED_RC ARGS... (stdin from $IN, else /dev/null): stdout in out.txt, stderr in err.txt.
IN=/dev/null
run() {
	local want=$1
	shift
	"$HOTPLAN" "$@" >out.txt 2>err.txt <"$IN"
	local rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "hotplan $* <$IN: exit $rc, expected $want"
		sed 's/^/    stderr: /' err.txt | head -20 >&2
		return 1
	fi
	return 0
}
same() {    # same FILE1 FILE2 WHAT
	cmp -s "$1" "$2" || { fail "$3: $1 and $2 differ"; diff "$1" "$2" | head -20 >&2; }
}
empty() {
	[ ! -s "$1" ] || { fail "$2: $1 is not empty"; sed 's/^/    /' "$1" | head -20 >&2; }
}
inode() { stat -c %i "$1"; }

# ---- inputs ----
# messy: tabs, odd spacing, CRLF line ends, a BOM, runs of blank lines, several items on a
# line, end-of-line comments, nested if / for each / else
printf '\xef\xbb\xbf# a messy plan\r\n\r\n\r\nplan  messy "M"{\r\n\tparam f:bool=false   # the flag\r\n' >messy.hplan
printf 'model { service "S" process "s.exe" holds stores }\n\n\n\n' >>messy.hplan
printf '  procedure cluster { roles { a = owner of group "G" all_of_them = all nodes }\n' >>messy.hplan
printf 'if f { for each n in all_of_them { step s on n { stop service "S"   start service "S" } } }\n' >>messy.hplan
printf '   else {\n# nothing\n}\n\n}\n}\n\n\n' >>messy.hplan
cat >messy.want <<'PLAN'
# a messy plan

plan messy "M" {
    param f : bool = false  # the flag
    model {
        service "S" process "s.exe" holds stores
    }

    procedure cluster {
        roles {
            a           = owner of group "G"
            all_of_them = all nodes
        }
        if f {
            for each n in all_of_them {
                step s on n {
                    stop service "S"
                    start service "S"
                }
            }
        } else {
            # nothing
        }
    }
}
PLAN
cp messy.hplan messy.orig
cp messy.want good.hplan
cp messy.want good.orig
printf 'plan broken {\n    procedure standalone {\n        step s {\n            kill "store.exe"\n        }\n    }\n}\n' >syntax.hplan
cp syntax.hplan syntax.orig

# ---- --help, usage errors ----
run 0 fmt --help && { head -1 out.txt | grep -q '^Usage: hotplan fmt' || fail "fmt --help: $(head -1 out.txt)"; }
run 0 help fmt
run 2 fmt --bogus && grep -q "unknown option '--bogus'" err.txt || fail "fmt --bogus: $(cat err.txt)"
run 2 fmt -w && grep -q -- "-w needs a FILE" err.txt || fail "fmt -w without FILE: $(cat err.txt)"
run 2 fmt --check=yes messy.hplan

# ---- standard input to standard output ----
IN=messy.hplan
run 0 fmt && same out.txt messy.want "stdin"
empty err.txt "stdin"
IN=messy.want
run 0 fmt && same out.txt messy.want "stdin, formatted already (idempotent)"
IN=/dev/null
run 0 fmt && empty out.txt "empty stdin"
IN=syntax.hplan
run 1 fmt && { empty out.txt "stdin with syntax errors"; grep -q 'HP001' err.txt || fail "no HP001 on stderr: $(cat err.txt)"; }
IN=messy.hplan
run 1 fmt --check && grep -qx '<stdin>' out.txt || fail "--check of stdin: '$(cat out.txt)'"
IN=messy.want
run 0 fmt --check && empty out.txt "--check of formatted stdin"
IN=messy.hplan
run 0 fmt - && same out.txt messy.want "fmt - (standard input)"
run 2 fmt -w - && grep -q "cannot rewrite standard input" err.txt || fail "fmt -w -: $(cat err.txt)"
IN=/dev/null

# ---- FILEs to standard output; the files stay as they are ----
run 0 fmt messy.hplan && same out.txt messy.want "fmt FILE"
same messy.hplan messy.orig "fmt FILE changed the file"
run 0 fmt messy.hplan good.hplan && cat messy.want messy.want | cmp -s - out.txt || fail "fmt FILE FILE: not both, in order"
run 1 fmt syntax.hplan && { empty out.txt "syntax errors"; grep -q 'syntax.hplan:4:' err.txt || fail "no position: $(cat err.txt)"; }
run 2 fmt nonexistent.hplan && grep -q "cannot read 'nonexistent.hplan'" err.txt || fail "missing file: $(cat err.txt)"
mkfifo fifo.hplan
run 2 fmt fifo.hplan
rm -f fifo.hplan

# ---- --check, both ways ----
run 0 fmt --check good.hplan && empty out.txt "--check of a formatted file"
empty err.txt "--check of a formatted file"
run 1 fmt --check messy.hplan && { grep -qx 'messy.hplan' out.txt || fail "--check names: '$(cat out.txt)'"; }
same messy.hplan messy.orig "--check changed the file"
run 1 fmt --check good.hplan messy.hplan good.hplan && { [ "$(cat out.txt)" = messy.hplan ] || fail "--check lists: '$(cat out.txt)'"; }
run 1 fmt --check syntax.hplan good.hplan && empty out.txt "--check with a syntax error"
run 2 fmt --check messy.hplan nonexistent.hplan && grep -qx 'messy.hplan' out.txt || fail "--check goes on after an unreadable file"
# CRLF alone makes a file unformatted
sed 's/$/\r/' messy.want >crlf.hplan
run 1 fmt --check crlf.hplan
run 0 fmt crlf.hplan && same out.txt messy.want "CRLF to LF"

# ---- -w: in place, atomically, only when it changes, keeping the mode ----
cp messy.orig w.hplan
chmod 640 w.hplan
before=$(inode w.hplan)
run 0 fmt -w w.hplan && empty out.txt "-w prints nothing"
same w.hplan messy.want "-w"
[ "$(stat -c %a w.hplan)" = 640 ] || fail "-w: mode $(stat -c %a w.hplan), expected 640"
[ "$(inode w.hplan)" != "$before" ] || fail "-w: rewritten in place, not renamed over"
ls -A | grep -q '^\.w\.hplan\.' && fail "-w left a temporary file: $(ls -A)"
touch -d '2001-01-01 00:00:00' w.hplan
before=$(inode w.hplan)
run 0 fmt -w w.hplan
[ "$(inode w.hplan)" = "$before" ] && [ "$(stat -c %Y w.hplan)" = "$(date -d '2001-01-01 00:00:00' +%s)" ] ||
	fail "-w rewrote a formatted file"
run 0 fmt --check w.hplan
# a syntax error: left as it is
run 1 fmt -w syntax.hplan && same syntax.hplan syntax.orig "-w of a file with syntax errors"
# --check -w: rewrites, names what it rewrote, exit 1
cp messy.orig cw.hplan
run 1 fmt --check -w cw.hplan good.hplan && { [ "$(cat out.txt)" = cw.hplan ] || fail "--check -w lists: '$(cat out.txt)'"; }
same cw.hplan messy.want "--check -w"
# a symbolic link: its target is rewritten, the link stays
mkdir -p real
cp messy.orig real/target.hplan
ln -s real/target.hplan link.hplan
run 0 fmt -w link.hplan
[ -L link.hplan ] || fail "-w replaced the symbolic link"
same real/target.hplan messy.want "-w through a symbolic link"
# a directory that cannot be written: the file is left whole (not as root: root writes anyway)
if [ "$(id -u)" != 0 ]; then
	mkdir ro
	cp messy.orig ro/x.hplan
	chmod 555 ro
	run 2 fmt -w ro/x.hplan
	same ro/x.hplan messy.orig "-w in a read-only directory"
	ls -A ro | grep -q '^\.x\.hplan\.' && fail "-w left a temporary file in ro/"
	chmod 755 ro
fi

# ---- directories: the .hplan files under them ----
mkdir -p tree/sub tree/.hidden
cp messy.orig tree/a.hplan
cp messy.want tree/b.hplan
cp messy.orig tree/sub/c.hplan
cp messy.orig tree/.hidden/d.hplan
cp messy.orig tree/notes.txt
run 1 fmt --check tree && { [ "$(tr '\n' ' ' <out.txt)" = "tree/a.hplan tree/sub/c.hplan " ] || fail "--check DIR: '$(cat out.txt)'"; }
run 0 fmt -w tree/
run 0 fmt --check tree
same tree/sub/c.hplan messy.want "-w DIR"
same tree/notes.txt messy.orig "-w DIR touched a file that is not .hplan"
same tree/.hidden/d.hplan messy.orig "-w DIR went into a hidden directory"

# ---- idempotence and meaning on every plan hotplan ships ----
for f in "$SRC"/plans/*.hplan "$SRC"/plans/profiles/*.hplan "$SRC"/plans/inventories/*.hplan; do
	"$HOTPLAN" fmt "$f" >once.hplan 2>err.txt || { fail "fmt $f: $(cat err.txt)"; continue; }
	"$HOTPLAN" fmt once.hplan >twice.hplan 2>err.txt || fail "fmt of fmt $f: $(cat err.txt)"
	same once.hplan twice.hplan "idempotence on ${f#"$SRC"/}"
done
export HOTPLAN_LIB_PATH=$SRC/lib   # the copies below `use` the repository's libraries
for f in ese-hotfix postgresql-minor-update; do
	"$HOTPLAN" fmt "$SRC/plans/$f.hplan" >"$f.hplan"
	"$HOTPLAN" check "$f.hplan" >/dev/null 2>&1 || fail "check of formatted $f"
	"$HOTPLAN" compile "$SRC/plans/$f.hplan" --emit json -o - 2>/dev/null |
		grep -v -e '"line"' -e '"column"' -e '"sha256"' -e '"path"' -e '"text"' -e '"condition"' >a.json
	"$HOTPLAN" compile "$f.hplan" --emit json -o - 2>/dev/null |
		grep -v -e '"line"' -e '"column"' -e '"sha256"' -e '"path"' -e '"text"' -e '"condition"' >b.json
	[ -s a.json ] || fail "compile $f --emit json: nothing"
	same a.json b.json "compiled $f before and after fmt"
done

# ---- the CI gate: the plans hotplan ships are formatted ----
(cd "$SRC" && "$HOTPLAN" fmt --check plans/*.hplan plans/profiles/*.hplan plans/inventories/*.hplan) >gate.txt 2>&1
rc=$?
[ "$rc" -eq 0 ] && [ ! -s gate.txt ] || fail "hotplan fmt --check of plans/: exit $rc (run: hotplan fmt -w plans): $(cat gate.txt)"
(cd "$SRC" && "$HOTPLAN" fmt --check plans) >gate.txt 2>&1
rc=$?
[ "$rc" -eq 0 ] && [ ! -s gate.txt ] || fail "hotplan fmt --check plans: exit $rc: $(cat gate.txt)"

if [ "$failures" -ne 0 ]; then
	echo "run-fmt.sh: $failures failure(s)" >&2
	exit 1
fi
echo "run-fmt.sh: all passed"
