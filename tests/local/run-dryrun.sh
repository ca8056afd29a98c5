#!/usr/bin/env bash
# run-dryrun.sh: --dry-run prints every command it would run and on which node, and changes
# nothing.
#  1. on a local: server with the posix-test profile: its commands (and the probes of the
#     waits and verifies); the sandbox is byte for byte what it was, the same store.exe runs,
#     no journal is written; --log json gives one JSON object per line;
#  2. on sim: nodes whose inventory names windows-2003 (windows-2000): the commands of the KB
#     (`taskkill /f /im "store.exe"`, `kill -f "store.exe"`, net stop, cluster.exe, shutdown);
#  3. a profile cmd cannot run on a local: node, and a value cmd cannot quote is refused;
#  4. each action's line names the node, then the role it is bound to: `would exec "…" on
#     EXCH2 (passive)`, never `exec "…" on passive on EXCH2`; the same in a real run's lines.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

S=$SB/exchange1
make_server exchange1
snapshot() {
	(cd "$SB" && find . -print0 | LC_ALL=C sort -z | xargs -0 stat -c '%n %s %Y %a' &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
}
snapshot >"$TMP/before"
pid=$(daemon_pid "$S")

# 1.
run 0 run "$PLAN" --inventory "$SRC/plans/inventories/local.hplan" --dry-run --set "affected=$MAILBOX"
q=$(printf '%s' "$S" | sed "s/'/'\\\\''/g")   # the sandbox as the profile quotes it
says "dry run"
says "\$ exchange1: '$q'/bin/hpt '$q' dismount '$PUBLIC'"
says "\$ exchange1: '$q'/bin/hpt '$q' dismount '$SECOND'"
says "\$ exchange1: '$q'/bin/hpt '$q' kill-process 'store.exe'"
says "\$ exchange1: '$q'/bin/hpt '$q' install 'ese' 'Ese.dll=6.5.7232.54' 'MSExchangeIS'"
says "? exchange1: '$q'/bin/hpt '$q' service-running 'MSExchangeIS'"
says "? exchange1: '$q'/bin/hpt '$q' file-version 'Ese.dll'"
says "? exchange1: '$q'/bin/hpt '$q' store-mounted '$MAILBOX'"
says "\$ exchange1: '$q'/bin/hpt '$q' mount '$PUBLIC'"
grep -qF "dismount '$MAILBOX'" "$TMP/out.txt" && fail "the dry run would dismount the affected store"
snapshot >"$TMP/after"
diff "$TMP/before" "$TMP/after" >&2 || fail "the dry run changed the sandbox"
[[ $(daemon_pid "$S") == "$pid" ]] && is_store_exe "$pid" || fail "store.exe changed"
[[ ! -d $HOTPLAN_STATE_DIR/runs ]] || [[ -z $(ls "$HOTPLAN_STATE_DIR/runs") ]] || fail "the dry run wrote a journal"

run 0 run "$PLAN" --inventory "$SRC/plans/inventories/local.hplan" --dry-run --log json --set "affected=$MAILBOX"
python3 - "$TMP/out.txt" "$S" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
cmds = [e for e in events if e["event"] == "dry-run-command"]
assert cmds, "no dry-run-command events"
assert all(e["node"] == "exchange1" and e["run"] for e in cmds)
want = "'%s'/bin/hpt '%s' kill-process 'store.exe'" % ((sys.argv[2].replace("'", "'\\''"),) * 2)
assert any(e.get("command") == want for e in cmds), want
assert events[-1]["event"] == "run-done" and events[-1]["status"] == "completed"
PY
snapshot >"$TMP/after"
diff "$TMP/before" "$TMP/after" >&2 || fail "the JSON dry run changed the sandbox"

# 2.
run 0 run "$PLAN" --inventory "$SRC/plans/inventories/windows-2003-sim.hplan" --dry-run \
	--set "affected=First Storage Group/Mailbox Store (SIM)"
says '$ EXCH2: net stop "ClusSvc"'
says '$ EXCH2: cscript //nologo C:\hotplan\hotplan.vbs stage "hotfix/ese-6.5.7232.54.exe" && cscript //nologo C:\hotplan\hotplan.vbs install "ese" "hotfix/ese-6.5.7232.54.exe" -q -z'
says '$ EXCH2: shutdown /r /t 0'
says '? EXCH2: cscript //nologo C:\hotplan\hotplan.vbs member "EXCH2"'
says '$ EXCH1: cluster res "Exchange Information Store Instance" /prop RestartAction=0'
says '$ EXCH1: cscript //nologo C:\hotplan\hotplan.vbs dismount "First Storage Group/Public Folder Store (SIM)"'
says '$ EXCH1: taskkill /f /im "store.exe"'
says '$ EXCH1: cluster group "Exchange" /move:"EXCH2"'
says '$ EXCH2: cluster res "Exchange Information Store Instance" /prop RestartAction=2'
says "completed"
sed 's/windows-2003/windows-2000/' "$SRC/plans/inventories/windows-2003-sim.hplan" >"$TMP/w2k.hplan"
run 0 run "$PLAN" --inventory "$TMP/w2k.hplan" --dry-run --set "affected=First Storage Group/Mailbox Store (SIM)" --kind cluster
says '$ EXCH1: kill -f "store.exe"'
grep -qF taskkill "$TMP/out.txt" && fail "windows-2000 uses taskkill"
# the built-in standalone target, previewed as a Windows Server 2003 machine
write_inventory w2k3.hplan <<'INV'
target preview standalone {
    node "EXCH" { profile "windows-2003" }
    store "First Storage Group/Mailbox Store"
    store "First Storage Group/Public Folder Store"
    fact exchange.version = 6.5.7226.0
}
INV
run 0 run "$PLAN" --inventory "$TMP/w2k3.hplan" --dry-run --set "affected=First Storage Group/Mailbox Store"
says '$ EXCH: taskkill /f /im "store.exe"'
says '? EXCH: sc query "MSExchangeIS" | find "RUNNING"'
# without a profile, a sim: node shows no commands
run 0 run "$PLAN" --dry-run --set "affected=First Storage Group/Mailbox Store (SIM)"
grep -qF '        $ ' "$TMP/out.txt" && fail "a sim: node without a profile shows commands"

# 3.
sed 's/profile "posix-test"/profile "windows-2003"/' "$SRC/plans/inventories/local.hplan" >"$TMP/cmd-local.hplan"
run 2 run "$PLAN" --inventory "$TMP/cmd-local.hplan" --dry-run --set "affected=$MAILBOX"
says "profile 'windows-2003' runs its commands under cmd"
write_inventory w2k3-bad.hplan <<'INV'
target preview standalone {
    node "EXCH" { profile "windows-2003" }
    store "First Storage Group/Mailbox Store"
    store "100% \"Public\" Store"
    fact exchange.version = 6.5.7226.0
}
INV
run 0 run "$PLAN" --inventory "$TMP/w2k3-bad.hplan" --dry-run --set 'affected=First Storage Group/Mailbox Store'
says "! EXCH: node EXCH: profile 'windows-2003', \`dismount store\`: the value '100% \"Public\" Store' holds \`%\`, which cmd cannot take literally"

# 4.
cat >"$TMP/roles.hplan" <<'PLAN'
plan role_lines "Roles in the progress lines" {
    model {
        service "ClusSvc" cluster
        group "SQL Server (MSSQLSERVER)"
    }
    procedure cluster {
        roles {
            active = owner of group "SQL Server (MSSQLSERVER)"
            passive = any node except active
        }
        step passive_stop "Stop the Cluster service on the passive node" on passive {
            stop service "ClusSvc"
        }
        checkpoint passive_stopped {
            start service "ClusSvc" on passive
        }
        step passive_back "Start it again" on active {
            start service "ClusSvc" on passive
            exec "echo one" on passive timeout 5m
            exec "echo two"
        }
        step move_group "Fail the instance over" {
            move group "SQL Server (MSSQLSERVER)" to passive
        }
        for each n in passive {
            step each_node "Every node" on n {
                exec "echo three"
            }
        }
    }
}
PLAN
run 0 run "$TMP/roles.hplan" --inventory "$SRC/plans/inventories/windows-2003-sim.hplan" --dry-run
says '      would stop service "ClusSvc" on EXCH2 (passive)'
says '      would start service "ClusSvc" on EXCH2 (passive)'
says '      would exec "echo one" timeout 5m on EXCH2 (passive)'
says '      would exec "echo two" on EXCH1 (active)'
says '      would move group "SQL Server (MSSQLSERVER)" to passive'
says '      would exec "echo three" on EXCH2 (n)'
grep -E ' on (passive|active|n) on ' "$TMP/out.txt" && fail "a line names the role as if it were a node"
run 0 run "$TMP/roles.hplan" --kind cluster --yes
says '      ok   stop service "ClusSvc" on sim-node2 (passive)'
says '      ok   start service "ClusSvc" on sim-node2 (passive)'
says '      ok   exec "echo one" timeout 5m on sim-node2 (passive)'
grep -E ' on (passive|active|n) on ' "$TMP/out.txt" && fail "a line names the role as if it were a node"
run 0 run "$TMP/roles.hplan" --kind cluster --yes --log json
python3 - "$TMP/out.txt" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.startswith("{")]   # not the warnings
# JSON keeps the action as written, and the node apart
assert any(e.get("action") == 'exec "echo one" on passive timeout 5m' and e.get("node") == "sim-node2"
           for e in events if e["event"] == "action-done"), events
PY
echo "PASS"
