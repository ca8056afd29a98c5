#!/usr/bin/env bash
# run-unchanged.sh: a run whose first failure comes before any action that can change the
# target ends as nothing-changed: exit 1 (SPEC section 5: "the plan is rejected ... nothing
# was changed"), no rollback, the journal ends with run-done "unchanged" and the target is
# left free: a new run starts, `--abandon` finds nothing to give up, `resume` refuses. What
# counts as a change is any action that ran a command that can change the target (stop,
# start, kill, dismount, mount, install, restart, move, restart policy, exec); `verify`,
# `wait`, `wait until` and `pause` only read. So:
#  1. sim: a read-only `verify` of quorum (a fact) fails in step 1: exit 1, target free; an
#     `if` on that fact, which the target does not know, the same;
#  2. sim: --fail-at the first step that would change something (after a read-only step):
#     exit 1; --fail-at a later step, after a change and before any checkpoint: exit 4;
#  3. local: (posix-test) a `verify` of Ese.dll's version (a probe) fails in step 1: exit 1, the
#     sandbox untouched, a new run goes on; an `exec` that fails in step 1 ran a command: exit 4.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$TMP"

cat >quorum.hplan <<'PLAN'
plan quorum_first "Quorum is checked before anything changes" {
    model {
        service "ClusSvc" cluster
        group "SQL Server (MSSQLSERVER)"
    }
    procedure cluster {
        roles {
            active = owner of group "SQL Server (MSSQLSERVER)"
            passive = any node except active
        }
        step quorum_held "The cluster has quorum" {
            verify fact cluster.quorum == "held" else "the cluster has no quorum"
        }
        step passive_stop "Stop the Cluster service on the passive node" on passive {
            stop service "ClusSvc"
        }
        step passive_start "Start it again" on passive {
            start service "ClusSvc"
        }
    }
}
PLAN
write_inventory sim.hplan <<'INV'
target sim_cluster cluster {
    node "SQLN1"
    node "SQLN2"
    fact cluster.quorum = "lost"
}
INV
sed 's/"lost"/"held"/' sim.hplan >sim-held.hplan

# last_status TARGET: the status the target's last-run record says
last_status() { sed -n 's/^status //p' "$HOTPLAN_STATE_DIR/targets/$1.last"; }
last_run() { sed -n 's/^run //p' "$HOTPLAN_STATE_DIR/targets/$1.last"; }
last_journal() { sed -n 's/^journal //p' "$HOTPLAN_STATE_DIR/targets/$1.last"; }

# 1.
export HOTPLAN_STATE_DIR=$TMP/state-sim
run 1 run quorum.hplan --inventory sim.hplan --yes
says 'FAIL verify fact cluster.quorum == "held" else "the cluster has no quorum": verification failed: the cluster has no quorum'
says "nothing was changed"
grep -qF "a person must look" "$TMP/out.txt" && fail "a run that changed nothing says a person must look"
grep -qF "rolling back" "$TMP/out.txt" && fail "a run that changed nothing rolled back"
[[ $(last_status sim_cluster) == unchanged ]] || fail "last-run record: $(last_status sim_cluster), expected unchanged"
rid=$(last_run sim_cluster) journal=$(last_journal sim_cluster)
run 1 run quorum.hplan --inventory sim.hplan --yes --log json
python3 - "$TMP/out.txt" <<'PY' || fail "--log json: the run does not end failed with nothing changed"
import json, sys
events = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.startswith("{")]
done = events[-1]
sys.exit(0 if done["event"] == "run-done" and done["status"] == "failed" and not
         [e for e in events if e["event"].startswith("rollback")] else 1)
PY
rid=$(last_run sim_cluster) journal=$(last_journal sim_cluster)
run 2 run quorum.hplan --inventory sim.hplan --yes --abandon "$rid"
says "has no unfinished run"
run 2 resume "$journal" --yes
says "cannot be resumed"
run 0 run quorum.hplan --inventory sim-held.hplan --yes
says "completed"

# an `if` the run cannot decide before anything changed: the same
cat >if.hplan <<'PLAN'
plan quorum_if "Quorum decides what runs" {
    model {
        service "ClusSvc" cluster
        group "SQL Server (MSSQLSERVER)"
    }
    procedure cluster {
        roles {
            active = owner of group "SQL Server (MSSQLSERVER)"
            passive = any node except active
        }
        step look "Look at the cluster" {
            wait 1s
        }
        if fact cluster.quorum == "held" {
            step passive_stop "Stop the Cluster service on the passive node" on passive {
                stop service "ClusSvc"
            }
            step passive_start "Start it again" on passive {
                start service "ClusSvc"
            }
        }
    }
}
PLAN
write_inventory sim-nofact.hplan <<'INV'
target sim_cluster cluster {
    node "SQLN1"
    node "SQLN2"
}
INV
export HOTPLAN_STATE_DIR=$TMP/state-if
run 1 run if.hplan --inventory sim-nofact.hplan --yes
says "fact cluster.quorum is not known"
says "nothing was changed"
[[ $(last_status sim_cluster) == unchanged ]] || fail "if: last-run record $(last_status sim_cluster)"

# 2.
export HOTPLAN_STATE_DIR=$TMP/state-failat
run 1 run quorum.hplan --inventory sim-held.hplan --yes --fail-at passive_stop
says "step 'passive_stop' failed on purpose (--fail-at)"
says "nothing was changed"
[[ $(last_status sim_cluster) == unchanged ]] || fail "--fail-at passive_stop: last-run record $(last_status sim_cluster)"
run 4 run quorum.hplan --inventory sim-held.hplan --yes --fail-at passive_start
says "no checkpoint was passed"
[[ $(last_status sim_cluster) == failed ]] || fail "--fail-at passive_start: last-run record $(last_status sim_cluster)"
run 5 run quorum.hplan --inventory sim-held.hplan --yes

# 3.
export HOTPLAN_STATE_DIR=$TMP/state-local
make_server exchange1
S=$SB/exchange1
pid=$(daemon_pid "$S")
write_inventory local.hplan <<'INV'
target local_server standalone {
    profile "posix-test"
    node "exchange1" address "local:"
}
INV
cat >store.hplan <<'PLAN'
plan store_first "The Information Store is checked before anything changes" {
    model {
        service "MSExchangeIS" process "store.exe" holds stores
    }
    hotfix ese {
        file "Ese.dll" version 6.5.7232.54
        package "hotfix/ese-6.5.7232.54.exe"
    }
    procedure standalone {
        step is_patched "Ese.dll is the new one already" {
            verify file "Ese.dll" version == 6.5.7232.54
        }
        step dismount_all "Dismount every store" {
            dismount all stores
        }
        step mount_all "Mount them again" {
            mount all stores
        }
    }
}
PLAN
run 1 run store.hplan --inventory local.hplan --yes
says 'FAIL verify file "Ese.dll" version == 6.5.7232.54: verification failed: file "Ese.dll" version == 6.5.7232.54: exchange1 has Ese.dll 6.5.7226.0'
says "nothing was changed"
[[ $(last_status local_server) == unchanged ]] || fail "local: last-run record $(last_status local_server)"
grep -qF dismount "$S/stores/events.log" 2>/dev/null && fail "local: a store was dismounted"
[[ $(daemon_pid "$S") == "$pid" ]] || fail "local: store.exe changed"
sed 's/version == 6.5.7232.54$/version < 6.5.7232.54/' store.hplan >store-ok.hplan
run 0 run store-ok.hplan --inventory local.hplan --yes
says "completed"
cat >exec.hplan <<'PLAN'
plan exec_first "An exec fails in the first step" {
    procedure standalone {
        step touch "Run a command" {
            exec "exit 3"
        }
    }
}
PLAN
run 4 run exec.hplan --inventory local.hplan --yes
says "no checkpoint was passed"
[[ $(last_status local_server) == failed ]] || fail "local exec: last-run record $(last_status local_server)"
echo "PASS"
