"""rollback_test.py (run-rollback.sh): kill -9 during a rollback, then `hotplan resume`.

SPEC section 6: a failed step makes the runtime run the latest checkpoint's actions and the
run ends rolled back; "resume of a run that failed with exit 4 first finishes a rollback that
had started (its remaining actions), and the run ends rolled back"; docs/journal.md: a journal
that shows a rollback started (crashed in it) or a failed step after a checkpoint with no
rollback yet gives `next = ROLLBACK`: run the checkpoint's actions not recorded done, then end
rolled back. So after the kill, resume must:
  - not start any step of the procedure again (the failed step included),
  - run each checkpoint action not yet done, once (none twice),
  - end with run-done rolled-back (exit 3) and a last-run record that says rolled-back."""
import os
import signal

from hp_e2e import (SRC, TARGET, Sandbox, Suite, checkpoint_actions, checkpoint_before, decode, ev_is, evs,
                    parse_events, run_args)

S = Suite("run-rollback")


def crash_in_rollback(kind, step, trigger, label, pace="60ms"):
    ck = checkpoint_before(kind, step)
    nck = checkpoint_actions(kind)[ck]
    what = "%s --fail-at %s, killed %s, then resume" % (kind, step, label)
    with Sandbox() as sb:
        j = sb.path("rb.journal")
        lv = sb.spawn(*run_args(kind, "--fail-at", step, journal=j, pace=pace))
        reached = trigger(lv)
        lv.send(signal.SIGKILL)
        res = lv.finish()
        if not S.check(reached and res.rc == -signal.SIGKILL, "%s: the kill did not land in the rollback (exit %s)"
                       % (what, res.rc), res):
            return
        d0 = decode(j)
        S.check(any(r["kind"] == "step-failed" for r in d0["records"]) and
                not any(r["kind"] == "run-done" for r in d0["records"]),
                "%s: test setup: the journal should show the failed step and no end" % what)
        r = sb.run("resume", j, "--log", "json")
        E = parse_events(r.out, S, what)
        started = [e.get("step") for e in evs(E, "step-start")]
        if not S.check(r.rc == 3 and not started,
                       "%s: resume exit %s, expected 3 (the run ends rolled back); steps started again: %s; "
                       "run-done %s" % (what, r.rc, started, [e.get("status") for e in evs(E, "run-done")]),
                       "\n".join("%s %s %s %s" % (e.get("event"), e.get("step") or "", e.get("action") or "",
                                                  e.get("status") or e.get("message") or "") for e in E[:12])):
            return   # the rest would only repeat it
        S.check(evs(E, "run-done", status="rolled-back"), "%s: no run-done rolled-back event" % what)
        d = decode(j)
        recs = d["records"]
        S.check(recs[-1]["kind"] == "run-done" and recs[-1]["status"] == "rolled-back",
                "%s: the journal ends with %s %s, expected run-done rolled-back" %
                (what, recs[-1]["kind"], recs[-1]["status"]))
        after = recs[len(d0["records"]):]
        S.check(not [x for x in after if x["kind"] in ("action-start", "step-done", "step-failed")],
                "%s: the resume acted on steps of the procedure: %s" %
                (what, [(x["kind"], x["step_name"]) for x in after if x["kind"] in ("action-start", "step-done")]))
        done = [(x["action"], x["node"]) for x in recs if x["kind"] == "rollback-action-done"]
        S.check(len(done) == len(set(done)), "%s: a rollback action done twice: %s" % (what, done))
        S.check(sorted({a for a, _ in done}) == list(range(nck)),
                "%s: rollback actions done %s, checkpoint %s has %d" % (what, sorted({a for a, _ in done}), ck, nck))
        S.check([x["step_name"] for x in recs if x["kind"] == "rollback-done"][-1:] == [ck],
                "%s: no rollback-done for %s" % (what, ck))
        S.check((sb.last(TARGET[kind]) or {}).get("status") == "rolled-back",
                "%s: the last-run record says %s, expected rolled-back" % (what, (sb.last(TARGET[kind]) or {}).get("status")))
        r = sb.run("resume", j)
        S.check(r.rc != 0, "%s: a second resume of the rolled-back run: exit 0" % what, r)


def after_rollback_start(lv):
    return lv.wait_for(ev_is("rollback-start"))


def rollback_action(n, event="action-start"):
    def t(lv):
        return lv.wait_for(ev_is("rollback-start")) and \
            lv.wait_for(lambda e: e.get("event") == event, n)
    return t


# cluster, failed_over (3 actions): killed right after rollback-start, inside each action, between them
crash_in_rollback("cluster", "active_stop", after_rollback_start, "right after rollback-start")
crash_in_rollback("cluster", "active_stop", rollback_action(1), "inside rollback action 1")
crash_in_rollback("cluster", "active_stop", rollback_action(1, "action-done"), "after rollback action 1")
crash_in_rollback("cluster", "active_stop", rollback_action(2), "inside rollback action 2")
crash_in_rollback("cluster", "active_restart", rollback_action(2, "action-done"), "after rollback action 2")
# cluster, restart_disabled (3 actions)
crash_in_rollback("cluster", "failover", rollback_action(3), "inside rollback action 3")
# standalone, store_killed (2 actions)
crash_in_rollback("standalone", "apply", rollback_action(1), "inside rollback action 1")
crash_in_rollback("standalone", "remount", rollback_action(1, "action-done"), "after rollback action 1")
# between step-failed and the first rollback action
crash_in_rollback("standalone", "kill_store", lambda lv: lv.wait_for(ev_is("step-failed")), "after step-failed")



def crash_in_loop_rollback():
    """A checkpoint passed inside a `for each` keeps that iteration's binding (SPEC 6): the
    rollback-start record names it, so that a resume after a kill in the rollback runs the
    checkpoint's actions on the node of that iteration, not on no node."""
    plan = os.path.join(SRC, "tests", "run", "data", "loop-rollback.hplan")
    what = "loop-rollback.hplan --fail-at after, killed right after rollback-start, then resume"
    with Sandbox() as sb:
        j = sb.path("loop.journal")
        lv = sb.spawn("run", plan, "--kind", "cluster", "--yes", "--fail-at", "after", "--log", "json",
                      "--journal", j, "--pace", "60ms")
        reached = after_rollback_start(lv)
        lv.send(signal.SIGKILL)
        res = lv.finish()
        if not S.check(reached and res.rc == -signal.SIGKILL, "%s: the kill did not land in the rollback (exit %s)"
                       % (what, res.rc), res):
            return
        starts = [x for x in decode(j)["records"] if x["kind"] == "rollback-start"]
        S.check([x["iter"] for x in starts] == ["n=sim-node2"],
                "%s: rollback-start records with iterations %s, expected ['n=sim-node2'] (the checkpoint's)"
                % (what, [x["iter"] for x in starts]))
        r = sb.run("resume", j, "--log", "json")
        S.check(r.rc == 3, "%s: resume exit %s, expected 3 (rolled back)" % (what, r.rc), r)
        done = [(x["iter"], x["node"]) for x in decode(j)["records"] if x["kind"] == "rollback-action-done"]
        S.check(done == [("n=sim-node2", "sim-node2")],
                "%s: rollback actions done %s, expected one on sim-node2 under n=sim-node2" % (what, done))


crash_in_loop_rollback()

S.finish()
