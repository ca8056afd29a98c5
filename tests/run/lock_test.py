"""lock_test.py (run-lock.sh): one run per target at a time (SPEC section 6, docs/journal.md):
a second run while a paced first one holds the target gets exit 5 naming the holder's run
id and pid; another target is not blocked; after the holder ends a new run works; a holder
killed with SIGKILL leaves no lock behind (the next run says the stale lock was released,
and gets exit 5 only because the killed run is unfinished: --abandon then works); runs
started at the same moment: exactly one gets the target."""
import datetime
import json
import os
import re
import signal

from hp_e2e import TARGET, Sandbox, Suite, decode, ev_is, evs, parse_events, rfc3339, run_args

S = Suite("run-lock")


def holder(sb, kind="cluster", pace="100ms", journal=None):
    """A paced run that holds the target once its preflight-ok is out."""
    h = sb.spawn(*run_args(kind, pace=pace, journal=journal))
    ok = h.wait_for(ev_is("preflight-ok"))
    S.check(ok, "the paced %s run did not get going" % kind)
    run_id = json_run(h)
    return h, run_id


def json_run(live):
    for line in live.lines:
        if '"run"' in line:
            return json.loads(line).get("run")
    return None


def json_time(live, event):
    """The time of the first `event` the live run printed, as a datetime, or None."""
    for line in live.lines:
        ev = json.loads(line)
        if ev.get("event") == event:
            return datetime.datetime.fromisoformat(ev["time"].replace("Z", "+00:00"))
    return None


def names_start(msg, live):
    """The refusal gives the holder's start time (SPEC section 6: "with the holder's run id, pid
    and start time"; docs/journal.md: `started 2026-11-25T18:30:00Z`): an RFC 3339 time within
    a few seconds of the holder's run-start event."""
    m = re.search(r"started (\S+?)\)", msg)
    if m is None or not rfc3339(m.group(1)):
        return False
    t0 = json_time(live, "run-start")
    t = datetime.datetime.fromisoformat(m.group(1).replace("Z", "+00:00"))
    return t0 is not None and abs((t - t0).total_seconds()) < 5


# ---- a second run while the first holds the target ------------------------------------------
with Sandbox() as sb:
    h, rid = holder(sb, pace="150ms")
    what = "a second run of sim-cluster while run %s (pid %d) holds it" % (rid, h.pid)
    before = sb.journals()
    last_before = sb.last("sim-cluster")
    r = sb.run(*run_args("cluster", json_log=False))
    S.check(r.rc == 5, "%s: exit %s, expected 5" % (what, r.rc), r)
    msg = r.out + r.err
    S.check(rid is not None and rid in msg, "%s: the message does not name the holder's run id" % what, r)
    S.check(str(h.pid) in msg, "%s: the message does not name the holder's pid %d" % (what, h.pid), r)
    S.check(names_start(msg, h), "%s: the message does not give the holder's start time" % what, r)
    S.check(sb.journals() == before, "%s: the refused run wrote a journal" % what)
    S.check(sb.last("sim-cluster") == last_before, "%s: the refused run changed the last-run record" % what)
    # JSON too: exit 5
    r = sb.run(*run_args("cluster"))
    S.check(r.rc == 5, "%s (--log json): exit %s, expected 5" % (what, r.rc), r)
    E = parse_events(r.out, S, what + " (--log json)")
    S.check(not evs(E, "run-start") or evs(E, "run-done", status="failed"), "%s (--log json): the refused run "
            "prints run-start (with a run id that has no journal) and no run-done/failed" % what, r.out)
    # a dry run takes no lock: it still works
    r = sb.run(*run_args("cluster", "--dry-run", json_log=False))
    S.check(r.rc == 0, "%s: --dry-run: exit %s, expected 0 (a dry run takes no lock)" % (what, r.rc), r)
    # the lock is per target: the stand-alone target is free
    r = sb.run(*run_args("standalone", json_log=False))
    S.check(r.rc == 0, "a run of sim-server while sim-cluster is locked: exit %s, expected 0" % r.rc, r)
    # resume of the live run's journal: it must not act while the run is alive
    j = sb.journals()
    jc = [x for x in j if decode(x)["header"]["target"] == "sim-cluster"]
    if S.check(len(jc) == 1, "the live run %s: %d journals of sim-cluster, expected 1" % (rid, len(jc))):
        size = os.path.getsize(jc[0])
        r = sb.run("resume", jc[0])
        S.check(r.rc == 5, "resume of the journal of the live run %s: exit %s; SPEC: a second run of a locked "
                "target gets exit 5 with the holder's run id and pid" % (rid, r.rc), r)
        S.check(rid is not None and rid in r.out + r.err and str(h.pid) in r.out + r.err,
                "resume of the live run's journal: the message does not name the holder's run id and pid", r)
        S.check(h.p.poll() is None or os.path.getsize(jc[0]) >= size, "the live journal shrank")
    res = h.finish()
    S.check(res.rc == 0, "the holder run: exit %s, expected 0" % res.rc, res)
    E = parse_events(res.out, S, "the holder run")
    S.check(evs(E, "run-done", status="completed"), "the holder run did not complete", res)
    r = sb.run(*run_args("cluster", json_log=False))
    S.check(r.rc == 0, "a run after the holder finished: exit %s, expected 0" % r.rc, r)
    S.check("stale" not in r.out + r.err, "a run after a clean finish reports a stale lock", r)


# ---- a holder killed with SIGKILL -------------------------------------------------------------
for kind in ("cluster", "standalone"):
    with Sandbox() as sb:
        h = sb.spawn(*run_args(kind, pace="100ms"))
        S.check(h.wait_for(ev_is("action-done"), 2), "%s: the paced run did not do 2 actions" % kind)
        rid = json_run(h)
        h.send(signal.SIGKILL)
        res = h.finish()
        S.check(res.rc == -signal.SIGKILL, "%s: the holder was not killed: %s" % (kind, res.rc), res)
        what = "a run of %s after its holder %s (pid %d) was killed" % (TARGET[kind], rid, h.pid)
        r = sb.run(*run_args(kind, json_log=False))
        msg = r.out + r.err
        S.check(r.rc in (0, 5), "%s: exit %s, expected 0 (or 5: the killed run is unfinished)" % (what, r.rc), r)
        S.check("locked by" not in msg, "%s: told the target is locked: the lock died with its holder?" % what, r)
        S.check("stale" in msg and rid in msg and str(h.pid) in msg,
                "%s: no message that the stale lock of run %s (pid %d) was released" % (what, rid, h.pid), r)
        if r.rc == 5:
            S.check("unfinished" in msg and "hotplan resume" in msg and "--abandon" in msg,
                    "%s: exit 5 should be because run %s is unfinished, naming `hotplan resume` and --abandon" %
                    (what, rid), r)
            r2 = sb.run(*run_args(kind, "--abandon", rid, json_log=False))
            S.check(r2.rc == 0, "%s: with --abandon %s: exit %s, expected 0" % (what, rid, r2.rc), r2)
            S.check("stale" not in r2.out + r2.err, "%s: the stale lock is reported twice" % what, r2)
        last = sb.last(TARGET[kind]) or {}
        S.check(last.get("status") == "completed", "%s: the last-run record says %s" % (what, last.get("status")))


# ---- SIGKILL, then `hotplan resume` takes the lock --------------------------------------------
with Sandbox() as sb:
    j = sb.path("k.journal")
    h = sb.spawn(*run_args("cluster", pace="100ms", journal=j))
    h.wait_for(ev_is("action-done"), 3)
    rid = json_run(h)
    h.send(signal.SIGKILL)
    h.finish()
    r = sb.run("resume", j)
    S.check(r.rc == 0, "resume after the runner was killed: exit %s, expected 0" % r.rc, r)
    msg = r.out + r.err
    S.check("stale" in msg and rid is not None and rid in msg and str(h.pid) in msg,
            "resume after the runner was killed: no message that the stale lock of run %s (pid %d) was released" %
            (rid, h.pid), r)


# ---- two resumes of one journal started together: one continues it, the other gets exit 5 --------
with Sandbox() as sb:
    j = sb.path("k.journal")
    h = sb.spawn(*run_args("cluster", pace="50ms", journal=j))
    h.wait_for(ev_is("action-done"), 3)
    h.send(signal.SIGKILL)
    h.finish()
    lives = [sb.spawn("resume", j, "--log", "json") for _ in range(2)]
    results = [lv.finish() for lv in lives]
    rcs = sorted(r.rc for r in results)
    S.check(rcs == [0, 5], "two resumes of one journal started together: exits %s, expected 0 and 5" % rcs,
            "\n".join(str(r) for r in results))
    loser = [r for r in results if r.rc != 0]
    if loser and rcs == [0, 5]:
        S.check(str(lives[results.index(loser[0]) ^ 1].pid) in loser[0].err + loser[0].out,
                "the refused resume does not name the pid of the one holding the target", loser[0])


# ---- runs started together: exactly one gets the target -----------------------------------------
for n in (2, 4):
    with Sandbox() as sb:
        lives = [sb.spawn(*run_args("cluster", pace="50ms")) for _ in range(n)]
        results = [lv.finish() for lv in lives]
        rcs = sorted(r.rc for r in results)
        S.check(rcs == [0] + [5] * (n - 1), "%d runs of sim-cluster started together: exits %s, expected one 0 "
                "and the rest 5" % (n, rcs), "\n".join(str(r) for r in results))
        S.check(len(sb.journals()) == 1, "%d runs started together: %d journals, expected 1" %
                (n, len(sb.journals())))

S.finish()
