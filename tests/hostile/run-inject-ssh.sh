#!/usr/bin/env bash
# run-inject-ssh.sh: injection over ssh:// (Issue 4, item 3): a real sshd on 127.0.0.1
# (tests/ssh/sshd-harness.sh; skipped when there is none). Param values in exec strings,
# facts and a node's name, full of shell syntax and newlines, cross two shells (ssh's remote
# one and /bin/sh -c) as data, byte for byte, with and without a profile; nothing they spell
# runs. A secret param's value reaches the remote command and nothing hotplan shows or keeps.
. "$HOTPLAN_SOURCE_DIR/tests/local/lib.sh"
. "$SRC/tests/ssh/sshd-harness.sh"
trap 'sshd_harness_stop; local_cleanup' EXIT   # the harness set its own: both run

cd "$TMP"
EVIL="it's \"q\"; touch canary1 \$(touch canary2) \`touch canary3\` | touch canary4 & x"
NL_EVIL=$'two\nlines $(touch canary5);`touch canary6`'
MARK=Zq7Secret
no_canary() {
	local found
	found=$(find "$TMP" "$HOME" / -maxdepth 1 -name 'canary*' 2>/dev/null; find "$SB" -name 'canary*' 2>/dev/null)
	[[ -z $found ]] || fail "a value ran as a command: $found"
}
lit() {
	local s=${1//\\/\\\\}
	s=${s//\"/\\\"}
	s=${s//$'\n'/\\n}
	printf '"%s"' "$s"
}

cat >exec.hplan <<'PLAN'
plan echo_param "Write a param's value to a file" {
    param msg : string "any text"
    param out : string "the file"
    procedure standalone {
        step write "Write it" {
            exec "printf '%s' ${msg} > ${out}"
        }
    }
}
PLAN
mkdir -p "$SB/box"
for node in "exchange1" "$EVIL"; do
	for value in "$EVIL" "$NL_EVIL" "" "'" '\' "\$HOME \${msg}"; do
		cat >inv.hplan <<INV
profile "writer" {
    exec = "printf '%s' \${fact.evil} > \${sandbox}/fact.out; printf '%s' \${node} > \${sandbox}/node.out\\n\${command}"
}
target with_profile standalone {
    profile "writer"
    node $(lit "$node") address "$SSH_TARGET_URL" {
        fact evil = $(lit "$value")
        fact sandbox = $(lit "$SB/box")
    }
}
target without_profile standalone {
    node $(lit "$node") address "$SSH_TARGET_URL"
}
INV
		printf '%s' "$value" >want
		run 0 run exec.hplan --inventory inv.hplan --target with_profile --yes --set "msg=$value" \
			--set "out=$SB/box/out file.bin"
		cmp -s want "$SB/box/out file.bin" || fail "over ssh, with a profile, exec got $(od -c "$SB/box/out file.bin" | head -n 3)"
		cmp -s want "$SB/box/fact.out" || fail "over ssh, a fact arrived as $(od -c "$SB/box/fact.out" | head -n 3)"
		printf '%s' "$node" >want.node
		cmp -s want.node "$SB/box/node.out" || fail "over ssh, the node's name arrived as $(od -c "$SB/box/node.out")"
		run 0 run exec.hplan --inventory inv.hplan --target without_profile --yes --set "msg=$value" \
			--set "out=$TMP/plain out.bin"
		cmp -s want "$TMP/plain out.bin" || fail "over ssh, without a profile, exec got $(od -c "$TMP/plain out.bin" | head -n 3)"
		no_canary
	done
done

# a secret over ssh
SECRET="${MARK}-$EVIL"
cat >secret.hplan <<'PLAN'
plan secret_ssh {
    param password : string secret
    param out : string
    procedure standalone {
        step write { exec "printf '%s' ${password} > ${out}; echo said ${password}" }
    }
}
PLAN
export HOTPLAN_STATE_DIR=$TMP/state-secret
run 0 run secret.hplan --inventory inv.hplan --target without_profile --yes --set "password=$SECRET" \
	--set "out=$TMP/secret.bin" --log json
printf '%s' "$SECRET" >want
cmp -s want "$TMP/secret.bin" || fail "over ssh, the secret arrived as $(od -c "$TMP/secret.bin" | head -n 3)"
hits=$(grep -rlaF -- "$MARK" "$TMP/out.txt" "$HOTPLAN_STATE_DIR" 2>/dev/null || true)
[[ -z $hits ]] || fail "over ssh, the secret value is in: $hits"
grep -qF 'said ***' "$HOTPLAN_STATE_DIR"/runs/*.journal.out/*.log || fail "the capture does not show the output with ***"
no_canary
echo "PASS"
