#!/usr/bin/env bash
# run-serial.sh: `for each n in everyone serial N` runs up to N nodes at once, each through the
# body on its own (issue 13 item 1; docs/checker.md, "serial"; runtime/lanes.c). Eight local:
# nodes of one cluster target, each its own directory (the command runs there) and lock:
#  1. serial 8: step `meet` of each node marks itself and waits until all eight have marked
#     (a barrier: run one after another, or in lock-step batches smaller than 8, it never
#     opens), and n8's waits too for a file n1's *next* step makes (in lock-step, step k of
#     every node before step k+1 of any, it never comes): both open, the run completes; and
#     a step whose action runs on all eight nodes (a thread each) from each lane at once;
#  2. kill -9 of the runner while the eight are in a `wait` step, then `hotplan resume`:
#     every node goes on where it was; each exec step ran exactly once on each node;
#  3. serial 4, n3's first step fails: no new node starts (n5..n8 untouched), the others in
#     flight finish their step and stop before the next, and the run rolls back to the
#     checkpoint before the loop (its action ran on all eight): exit 3.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$TMP"

mkdir -p profiles
cat >profiles/lanes-test.hplan <<'PROFILE'
profile "lanes-test" {
    shell "sh"
    lock "${fact.dir}/hotplan.lock"
    exec = "cd ${fact.dir} || exit 125\n${command}"
}
PROFILE
export HOTPLAN_PROFILE_PATH=$TMP/profiles
fresh() {
	rm -rf nodes
	mkdir -p nodes/marks
	{
		echo 'target eight cluster {'
		echo '    profile "lanes-test"'
		for i in 1 2 3 4 5 6 7 8; do
			mkdir -p "nodes/n$i"
			echo "    node \"n$i\" address \"local:\" { fact dir = \"$TMP/nodes/n$i\" }"
		done
		echo '}'
	} >inv.hplan
}
logs() { for i in 1 2 3 4 5 6 7 8; do printf 'n%d:%s ' "$i" "$(tr '\n' ' ' <"nodes/n$i/log" 2>/dev/null | sed 's/ $//')"; done; }

# 1. all eight at once, each on its own
fresh
cat >meet.hplan <<'PLAN'
plan meet "Eight nodes meet" {
    procedure cluster {
        roles {
            everyone = all nodes
        }
        for each n in everyone serial 8 {
            step meet "Meet the others" on n {
                exec "N=$(basename \"$PWD\"); touch ../marks/$N; i=0; while [ $(ls ../marks | wc -l) -lt 8 ]; do i=$((i+1)); [ $i -lt 1200 ] || exit 1; sleep 0.05; done; if [ $N = n8 ]; then while [ ! -e ../release ]; do i=$((i+1)); [ $i -lt 1200 ] || exit 1; sleep 0.05; done; fi; echo meet >> log"
            }
            step after "After" on n {
                exec "if [ $(basename \"$PWD\") = n1 ]; then touch ../release; fi; echo after >> log"
            }
            step everywhere "An action on every node, from each lane" on n {
                exec "touch ../marks/all-$(basename \"$PWD\")" on everyone
            }
        }
    }
}
PLAN
run 0 run meet.hplan --inventory inv.hplan --yes
grep -q "completed" out.txt || fail "not completed"
[[ $(logs) == "n1:meet after n2:meet after n3:meet after n4:meet after n5:meet after n6:meet after n7:meet after n8:meet after " ]] ||
	fail "the steps: $(logs)"
(($(ls nodes/marks | grep -c '^all-') == 8)) || fail "the action on every node: $(ls nodes/marks)"

# 2. kill -9 mid-batch, then resume
fresh
cat >nap.hplan <<'PLAN'
plan nap "Eight nodes, a nap between two steps" {
    procedure cluster {
        roles {
            everyone = all nodes
        }
        for each n in everyone serial 8 {
            step one "One" on n {
                exec "echo one >> log"
            }
            step nap "Nap" on n {
                wait 3s
            }
            step two "Two" on n {
                exec "echo two >> log"
            }
        }
    }
}
PLAN
"$HOTPLAN" run nap.hplan --inventory inv.hplan --yes >run.txt 2>&1 </dev/null &
P=$!
# every node in its nap: step `one` is journaled done on all eight (its step-done comes before
# the nap's step-start is said)
for t in $(seq 1 600); do
	(($(grep -c "nap: Nap" run.txt || true) == 8)) && break
	kill -0 "$P" 2>/dev/null || fail "the run ended before it was killed: $(cat run.txt)"
	sleep 0.05
done
(($(grep -c "nap: Nap" run.txt || true) == 8)) || fail "the eight never napped together: $(cat run.txt)"
kill -9 "$P"
wait "$P" 2>/dev/null || true
grep -q "two: Two" run.txt && fail "a node got past its nap before the kill"
J=$(ls -t "$HOTPLAN_STATE_DIR"/runs/*.journal | head -n 1)
run 0 resume "$J" --yes
grep -q "completed" out.txt || fail "the resume did not complete"
(($(grep -c "one: done before, skipped" out.txt) == 8)) || fail "the resume did not skip every node's first step"
[[ $(logs) == "n1:one two n2:one two n3:one two n4:one two n5:one two n6:one two n7:one two n8:one two " ]] ||
	fail "each step once on each node: $(logs)"

# 3. one node fails
fresh
cat >fail.hplan <<'PLAN'
plan fail "Four at once, one fails" {
    procedure cluster {
        roles {
            everyone = all nodes
        }
        step begin "Begin" on everyone {
            exec "true"
        }
        checkpoint begun {
            exec "echo undone >> log" on everyone
        }
        for each n in everyone serial 4 {
            step a "A" on n {
                exec "if [ -e fail ]; then exit 1; fi; echo a >> log; sleep 1"
            }
            step b "B" on n {
                exec "echo b >> log"
            }
        }
    }
}
PLAN
touch nodes/n3/fail
run 3 run fail.hplan --inventory inv.hplan --yes
grep -q "rolled back to checkpoint begun" out.txt || fail "no rollback"
[[ $(logs) == "n1:a undone n2:a undone n3:undone n4:a undone n5:undone n6:undone n7:undone n8:undone " ]] ||
	fail "after n3 failed: $(logs)"
echo "serial: lanes at once, resumed where each was, stopped at a failure"
