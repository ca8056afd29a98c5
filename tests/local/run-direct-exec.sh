#!/usr/bin/env bash
# run-direct-exec.sh: a literal line on a local: node runs without /bin/sh (docs/transports.md,
# "local:"). A real `hotplan run` of three `exec "/bin/true"` steps and one `exec "true"` (a
# builtin: the shell's) under `strace -f -e trace=execve,…`, twice:
#
#  1. with HOTPLAN_LOCAL_SHELL=always: every line through /bin/sh, each /bin/true a child of a
#     /bin/sh;
#  2. as it comes: three /bin/sh fewer (the steps' three lines), each /bin/true a child of
#     hotplan itself; `true` still through /bin/sh (one /bin/sh more than the run's other
#     lines, the lock's, take).
#
# Exits 77 where strace is missing or cannot trace (no ptrace in a container).
. "$HOTPLAN_SOURCE_DIR/tests/local/lib.sh"
cd "$TMP"

if ! command -v strace >/dev/null 2>&1; then
	echo "SKIP: no strace"
	exit 77
fi
if ! strace -f -o /dev/null /bin/true 2>/dev/null; then
	echo "SKIP: strace cannot trace here"
	exit 77
fi

write_inventory inv.hplan <<'INV'
target box standalone {
    node "box" address "local:"
}
INV
cat >direct.hplan <<'PLAN'
plan direct "Three programs and a builtin" {
    procedure standalone {
        step a { exec "/bin/true" }
        step b { exec "/bin/true" }
        step c { exec "/bin/true" }
        step d { exec "true" }
    }
}
PLAN

# traced OUT [VAR=VALUE...]: the run under strace, its trace in OUT.
traced() {
	local out=$1 rc=0
	shift
	rm -rf "$HOTPLAN_STATE_DIR" "$HOTPLAN_LOCK_PATH.last"
	# LeakSanitizer cannot run under ptrace: a sanitizer build is traced without it
	env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "$@" strace -f -qq -e trace=execve,clone,clone3,vfork,fork -o "$out" \
		"$HOTPLAN" run direct.hplan --inventory inv.hplan --yes >"$TMP/out.txt" 2>&1 </dev/null || rc=$?
	[[ $rc == 0 ]] || fail "hotplan run under strace exited with $rc"
	says "completed"
}

# count OUT PATH: the execve of PATH in the trace (/bin/sh and /bin/true are run by their
# absolute paths, which exist: none fails).
count() { grep -c "execve(\"$2\"," "$1" | tr -d ' ' || true; }

# parents OUT PATH: for each execve of PATH, what its parent process had exec'd last (one a
# line): strace -f names the child of each clone/vfork on the parent's line ("= PID").
parents() {
	awk -v want="$2" '
		/execve\("/ && !/= -1 / {
			p = $0; sub(/^[^"]*"/, "", p); sub(/".*/, "", p)
			image[$1] = p
			if (p == want) hits[++n] = $1
		}
		/(clone3?|vfork|fork)\(/ || /<\.\.\. (clone3?|vfork|fork) resumed>/ {
			if (match($0, /= [0-9]+$/)) parent[substr($0, RSTART + 2)] = $1
		}
		END { for (i = 1; i <= n; i++) print image[parent[hits[i]]] }
	' "$1"
}

traced always.trace HOTPLAN_LOCAL_SHELL=always
traced direct.trace

sh_always=$(count always.trace /bin/sh)
sh_direct=$(count direct.trace /bin/sh)
true_always=$(count always.trace /bin/true)
true_direct=$(count direct.trace /bin/true)
echo "execve of /bin/sh: $sh_always with HOTPLAN_LOCAL_SHELL=always, $sh_direct without"
echo "execve of /bin/true: $true_always and $true_direct"

[[ $true_always == 3 && $true_direct == 3 ]] || fail "/bin/true ran $true_always and $true_direct times, not 3"
((sh_always - sh_direct == 3)) || fail "the steps' lines took $sh_always and $sh_direct /bin/sh: not 3 fewer"
((sh_direct >= 1)) || fail "no /bin/sh at all: the builtin \`true\` must still go to the shell"

[[ $(parents always.trace /bin/true | sort -u) == /bin/sh ]] ||
	fail "with HOTPLAN_LOCAL_SHELL=always, /bin/true's parents: $(parents always.trace /bin/true | tr '\n' ' ')"
[[ $(parents direct.trace /bin/true | sort -u) == "$HOTPLAN" ]] ||
	fail "/bin/true's parents: $(parents direct.trace /bin/true | tr '\n' ' '), not $HOTPLAN"
echo "PASS: each /bin/true a child of hotplan itself, 3 /bin/sh fewer"
