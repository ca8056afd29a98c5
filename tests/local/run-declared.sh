#!/usr/bin/env bash
# run-declared.sh: declared actions and declared state on a real target (docs/profiles.md,
# "Declared actions and states"). A tiny library (a gate of the target, open or closed; a mode
# per node, serving or drained, with drain requiring the gate open) and a profile whose
# `action NAME` commands write real files and whose `probe state NAME` probes read them, on
# two local: nodes:
#  1. `wait until gate == open` polls the probe until the file says open (a background
#     process opens it 2 s after the run starts); drain and undrain really run, once per node,
#     with the node's name quoted; `verify mode(every) == drained` reads the files;
#  2. the guard reads `requires gate == open` live: the gate closed behind the run's back (an
#     exec) makes it refuse drain, and no node is drained;
#  3. a `verify` of declared state reads the target, not the model: a mode reset by hand fails
#     it, saying what was found;
#  4. a probe that prints none of the state's values is an error that says so;
#  5. a profile without `action undrain` refuses the run before anything runs;
#  6. --dry-run shows each call's commands and each probe; the simulated target (no profile) runs the plan on
#     the model alone.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$TMP"
D=$TMP/world
mkdir -p "$D"

cat >toy.hplan <<'LIB'
library toy {
    state gate of target : open | closed
    state mode of node : serving | drained, normal serving else TOY001
    rule TOY001 error "leaves a node drained" {
        help "add `undrain(NODE)`"
    }
    rule TOY002 error "drains a node while the gate is closed" {
        help "wait until the gate is open"
    }
    action drain(n : node) {
        requires gate == open else TOY002
        set mode(n) = drained
        undo undrain(n)
    }
    action undrain(n : node) {
        set mode(n) = serving
    }
}
LIB

# plan NAME EXTRA-STEP: the gate waited for, EXTRA-STEP, every node drained, checked, undrained
plan() {
	cat >"$1.hplan" <<PLAN
import "toy.hplan"

plan $1 "Declared actions on local: nodes" {
    procedure cluster {
        roles {
            every = all nodes
        }
        step open "The gate is open" {
            wait until gate == open timeout 30s
        }
        $2
        step drain "Drain every node" {
            drain(every)
        }
        checkpoint drained {
            undrain(every)
        }
        $3
        step drained "Every node is drained" {
            verify mode(every) == drained
        }
        step undrain "Undrain every node" {
            undrain(every)
        }
    }
}
PLAN
}
plan live "" ""
plan behind 'step close "The gate closed behind the run" on every { exec "echo closed >'"$D"'/gate" }' ""
plan reset "" 'step reset "A node undrained by hand" on every { exec "echo serving >'"$D"'/n1.mode" }'

# the profile: each command appends to history, so that each call is seen to run once per node
write_inventory inv.hplan <<'INV'
profile "toy" {
    action drain     = "echo drained >${fact.dir}/${n}.mode && echo drain ${n} on ${node} >>${fact.dir}/history"
    action undrain   = "echo serving >${fact.dir}/${n}.mode && echo undrain ${n} on ${node} >>${fact.dir}/history"
    probe state gate = "cat ${fact.dir}/gate"
    probe state mode = "cat ${fact.dir}/${node}.mode"
}
target toys cluster {
    profile "toy"
    node "n1" address "local:"
    node "n2" address "local:"
}
INV
echo "    fact dir = \"$D\"" >fact.txt
sed -i "/^target toys cluster {/r fact.txt" inv.hplan
grep -v 'action undrain' inv.hplan >inv-noundrain.hplan

reset_world() {
	echo "$1" >"$D/gate"
	echo serving >"$D/n1.mode"
	echo serving >"$D/n2.mode"
	: >"$D/history"
	export HOTPLAN_STATE_DIR=$TMP/state-$2 HOTPLAN_LOCK_PATH=$TMP/lock-$2/lock
}

"$HOTPLAN" check live.hplan >/dev/null 2>&1 || { "$HOTPLAN" check live.hplan; fail "live.hplan does not check clean"; }

# 1. the gate opens 2 s into the run: `wait until` polls the probe until it does
reset_world closed 1
(sleep 2; echo open >"$D/gate") &
opener=$!
run 0 run live.hplan --inventory inv.hplan --target toys --yes
wait "$opener"
says "ok   wait until gate == open timeout 30s"
says "ok   verify mode(every) == drained"
printf 'drain n1 on n1\ndrain n2 on n2\nundrain n1 on n1\nundrain n2 on n2\n' >want
sort "$D/history" | diff -u want - || fail "drain and undrain did not run once per node, on it"
[[ $(cat "$D/n1.mode") == serving && $(cat "$D/n2.mode") == serving ]] || fail "the nodes were left drained"

# 2. the gate closed behind the run: the guard reads it and refuses drain
reset_world open 2
run 4 run behind.hplan --inventory inv.hplan --target toys --yes   # the exec changed the target
says "refused by the guard: drains a node while the gate is closed [TOY002]"
[[ ! -s $D/history ]] || fail "a node was drained although the gate was closed: $(cat "$D/history")"

# 3. a mode reset by hand between drain and the verify: the verify reads the file
reset_world open 3
run 3 run reset.hplan --inventory inv.hplan --target toys --yes
says 'verification failed: mode(every) == drained: mode(n1) is serving'
says 'rolling back to checkpoint drained'
grep -qx 'undrain n2 on n2' "$D/history" || fail "the rollback did not undrain n2"

# 4. a probe that prints none of the values
reset_world ajar 4
cat >ajar.hplan <<'PLAN'
import "toy.hplan"

plan ajar "A gate that is neither" {
    procedure cluster {
        roles {
            every = all nodes
        }
        step open "The gate is open" {
            verify gate == open
        }
    }
}
PLAN
run 1 run ajar.hplan --inventory inv.hplan --target toys --yes
says "gate: \`probe state gate\` on n1 printed 'ajar', which is none of its values (open, closed)"

# 5. no `action undrain`: refused before anything runs
reset_world open 5
run 1 run live.hplan --inventory inv-noundrain.hplan --target toys --yes
says "has no \`action undrain\`, which live.hplan:"
says "(a declared action runs on a real target through its profile's command)"
[[ ! -s $D/history ]] || fail "something ran although the profile lacks a key the plan needs"
grep -q 'preflight ok' "$TMP/out.txt" && fail "the run got past preflight"

# 6. --dry-run shows the commands, quoted; the simulated target changes only its model
reset_world open 6
run 0 run live.hplan --inventory inv.hplan --target toys --dry-run
says "\$ n1: echo drained >'$D'/'n1'.mode"
says "\$ n2: echo serving >'$D'/'n2'.mode"
says "? n1: cat '$D'/gate"
says "? n2: cat '$D'/'n2'.mode"
[[ ! -s $D/history ]] || fail "--dry-run ran a command"
reset_world open 7
run 0 run live.hplan --kind cluster --yes
says "ok   drain(every)"
[[ ! -s $D/history ]] || fail "the simulated target ran a profile command"
echo "run-declared: ok"
