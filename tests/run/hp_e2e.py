"""hp_e2e.py: helpers for the end-to-end tests of `hotplan run` and `hotplan resume`
(tests/run/run-*.sh). Real processes on the built-in simulated targets; every test gets its
own temporary directory with HOTPLAN_STATE_DIR inside it, removed at the end.

Environment (set by ctest): HOTPLAN (the binary), HOTPLAN_SOURCE_DIR (the repository).

What the tests expect comes from SPEC sections 3, 5 and 6 and docs/journal.md. Every check
fails the test when it does not hold: where SPEC leaves something open, the test checks what
docs/journal.md (or the runtime's own documented choice, named beside the check) says.
"""
import datetime
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if "HOTPLAN" not in os.environ or "HOTPLAN_SOURCE_DIR" not in os.environ:
    sys.stderr.write("HOTPLAN and HOTPLAN_SOURCE_DIR must be set (ctest sets them)\n")
    sys.exit(2)
HOTPLAN = os.path.abspath(os.environ["HOTPLAN"])
SRC = os.path.abspath(os.environ["HOTPLAN_SOURCE_DIR"])
PLAN = os.path.join(SRC, "plans", "ese-hotfix.hplan")
AFFECTED = "affected=First Storage Group/Mailbox Store (SIM)"
TARGET = {"standalone": "sim-server", "cluster": "sim-cluster"}

_spec = importlib.util.spec_from_file_location("journal_dump", os.path.join(HERE, "journal-dump.py"))
journal_dump = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(journal_dump)

# ---- the canonical plan (SPEC section 3): its procedures as the runtime walks them ----------
# ("step", name, number of actions) or ("checkpoint", name, number of actions); `failback`
# runs only with failback=true.
PROCEDURE = {
    "standalone": [
        ("step", "dismount_others", 1),
        ("checkpoint", "others_dismounted", 1),
        ("step", "kill_store", 1),
        ("checkpoint", "store_killed", 2),
        ("step", "apply", 1),
        ("step", "started", 2),
        ("step", "recovered", 1),
        ("step", "remount", 1),
    ],
    "cluster": [
        ("step", "passive_ready", 1),
        ("step", "passive_stop", 1),
        ("checkpoint", "passive_stopped", 1),
        ("step", "passive_install", 1),
        ("step", "passive_restart", 2),
        ("step", "no_restart", 1),
        ("checkpoint", "restart_disabled", 3),
        ("step", "active_dismount", 1),
        ("step", "active_kill", 1),
        ("step", "failover", 2),
        ("checkpoint", "failed_over", 3),
        ("step", "active_stop", 1),
        ("step", "active_install", 1),
        ("step", "active_restart", 2),
        ("step", "failback", 2),
        ("step", "restart_enabled", 1),
        ("step", "recovered", 1),
        ("step", "remount", 1),
    ],
}


def procedure(kind, failback=False):
    return [x for x in PROCEDURE[kind] if failback or x[1] != "failback"]


def steps(kind, failback=False):
    return [name for k, name, _ in procedure(kind, failback) if k == "step"]


def step_actions(kind, failback=False):
    """{step: number of actions}"""
    return {name: n for k, name, n in procedure(kind, failback) if k == "step"}


def step_numbers(kind):
    """{step: k} as `step k/N` and the events' `index` give it: the step's place among all the
    steps of the procedure, both branches of an `if` included, so that a step keeps its number
    whichever branch runs (runtime/exec.c, run_stmt; N is run_count_steps, the same count)."""
    return {name: i + 1 for i, name in enumerate(n for k, n, _ in PROCEDURE[kind] if k == "step")}


def checkpoint_actions(kind):
    return {name: n for k, name, n in PROCEDURE[kind] if k == "checkpoint"}


# The steps of the canonical plan whose actions only read the target (verify, wait, wait until):
# a run that fails before any other step ran changed nothing (exit 1, the target left free).
READ_ONLY_STEPS = {"passive_ready", "started", "recovered"}


def changes_before(kind, step, failback=True):
    """Has a step before `step` changed the target (SPEC section 5: a run that fails before
    any change ends as nothing-changed, exit 1)?"""
    for k, name, _ in procedure(kind, failback):
        if k == "step" and name == step:
            return False
        if k == "step" and name not in READ_ONLY_STEPS:
            return True
    raise KeyError(step)


def checkpoint_before(kind, step, failback=True):
    """The latest checkpoint passed before `step` starts, or None (SPEC: exit 4 then)."""
    last = None
    for k, name, _ in procedure(kind, failback):
        if k == "step" and name == step:
            return last
        if k == "checkpoint":
            last = name
    raise KeyError(step)


# ---- results -----------------------------------------------------------------------------

class Suite:
    def __init__(self, name):
        self.name = name
        self.failures = 0
        self.skips = 0
        self.checks = 0
        self.t0 = time.monotonic()

    def check(self, cond, what, detail=None):
        """A SPEC requirement: a failure makes the test fail."""
        self.checks += 1
        if not cond:
            self.failures += 1
            sys.stderr.write("FAIL: %s\n" % what)
            if detail:
                for line in str(detail).rstrip("\n").splitlines()[-25:]:
                    sys.stderr.write("    %s\n" % line)
        return bool(cond)

    def skip(self, what):
        """A part of the test this machine cannot run (a tool is missing): said, and the test
        ends with 77 (ctest: skipped) unless a check failed."""
        self.skips += 1
        print("SKIP: %s" % what)

    def finish(self):
        dt = time.monotonic() - self.t0
        print("%s: %d checks, %d failed, %d parts skipped, %.1f s" % (self.name, self.checks, self.failures,
                                                                    self.skips, dt))
        sys.exit(1 if self.failures else 77 if self.skips else 0)


RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def rfc3339(s):
    """An RFC 3339 date-time (a real one: 2026-02-30 is not)."""
    if RFC3339.match(s) is None:
        return False
    try:
        datetime.datetime.fromisoformat(re.sub(r"Z$", "+00:00", re.sub(r"\.(\d{1,6})\d*", r".\1", s)))
    except ValueError:
        return False
    return True


def parse_events(text, suite=None, what="", partial_ok=False):
    """JSON lines -> list of dicts. Checks SPEC section 6's fields on each. A killed process
    may leave a last line without its newline: partial_ok ignores it."""
    events = []
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    elif lines and partial_ok:
        lines.pop()          # cut by the kill: not a whole line
    for i, line in enumerate(lines):
        try:
            ev = json.loads(line)
        except ValueError as e:
            if suite:
                suite.check(False, "%s: line %d is not JSON (%s)" % (what, i + 1, e), line)
            continue
        if suite:
            ok = isinstance(ev, dict) and isinstance(ev.get("event"), str) and \
                isinstance(ev.get("time"), str) and rfc3339(ev["time"]) and \
                isinstance(ev.get("run"), str) and ev["run"] != ""
            suite.check(ok, "%s: line %d lacks event/time (RFC 3339)/run" % (what, i + 1), line)
        if isinstance(ev, dict):
            events.append(ev)
    return events


def evs(events, name, **kw):
    return [e for e in events if e.get("event") == name and all(e.get(k) == v for k, v in kw.items())]


# ---- processes -----------------------------------------------------------------------------

class Result:
    def __init__(self, argv, rc, out, err):
        self.argv, self.rc, self.out, self.err = argv, rc, out, err

    def __str__(self):
        return "$ %s\nexit %s\n--- stdout\n%s--- stderr\n%s" % (
            " ".join(_q(a) for a in self.argv), self.rc, self.out[-3000:], self.err[-3000:])


def _q(a):
    return a if re.match(r"^[A-Za-z0-9_./=:@%+-]+$", a) else "'" + a.replace("'", "'\\''") + "'"


class Sandbox:
    """A temporary directory with its own state directory; the working directory of every
    process started through it."""

    def __init__(self, tag="hotplan-run"):
        self.dir = tempfile.mkdtemp(prefix=tag + "-")
        self.state = os.path.join(self.dir, "state")
        self.env = dict(os.environ, HOTPLAN_STATE_DIR=self.state, NO_COLOR="1")
        self.procs = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                try:
                    p.kill()
                except OSError:
                    pass
                p.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def run(self, *args, timeout=120, stdin=subprocess.DEVNULL):
        argv = [HOTPLAN] + [str(a) for a in args]
        p = subprocess.run(argv, cwd=self.dir, env=self.env, stdin=stdin, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
        return Result(argv, p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace"))

    def spawn(self, *args):
        return Live(self, [HOTPLAN] + [str(a) for a in args])

    # what the runtime left in the state directory
    def journals(self):
        d = os.path.join(self.state, "runs")
        if not os.path.isdir(d):
            return []
        return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".journal"))

    def last(self, target):
        """targets/TARGET.last as a dict, or None."""
        p = os.path.join(self.state, "targets", target + ".last")
        if not os.path.exists(p):
            return None
        d = {}
        with open(p) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition(" ")
                d[k] = v
        return d


    def adopt(self, target, journal):
        """Make this state directory's last-run record of target name `journal`, a copy of the
        journal it named (its path, device and inode: docs/journal.md, "Last-run records"), as
        if the run had started here. A resume refuses a copied journal; a test that copies a
        whole state directory to resume it again and again says so with this."""
        p = os.path.join(self.state, "targets", target + ".last")
        st = os.stat(journal)
        lines = []
        with open(p) as f:
            for line in f:
                k = line.split(" ", 1)[0]
                if k == "journal":
                    line = "journal %s\n" % os.path.realpath(journal)
                elif k == "device":
                    line = "device %d\n" % st.st_dev
                elif k == "inode":
                    line = "inode %d\n" % st.st_ino
                lines.append(line)
        with open(p, "w") as f:
            f.writelines(lines)


class Live:
    """A hotplan process whose stdout (JSON lines) is read as it comes."""

    def __init__(self, sb, argv, watchdog=120):
        self.argv = argv
        self.errf = tempfile.TemporaryFile(dir=sb.dir)
        self.p = subprocess.Popen(argv, cwd=sb.dir, env=sb.env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=self.errf)
        sb.procs.append(self.p)
        self.pid = self.p.pid
        self.buf = b""
        self.lines = []          # whole lines read so far (str)
        self.killed = None       # the signal we sent
        self._timer = threading.Timer(watchdog, self._expire)
        self._timer.daemon = True
        self._timer.start()
        self.expired = False

    def _expire(self):
        self.expired = True
        try:
            self.p.kill()
        except OSError:
            pass

    def _read_line(self):
        line = self.p.stdout.readline()
        if not line:
            return None
        if not line.endswith(b"\n"):
            self.buf += line
            return None
        s = line.decode("utf-8", "replace").rstrip("\n")
        self.lines.append(s)
        return s

    def wait_for(self, pred, count=1):
        """Read lines until `count` of them satisfy pred(event dict). True when seen; False when
        the process closed its output first."""
        seen = 0
        while True:
            s = self._read_line()
            if s is None:
                return False
            try:
                ev = json.loads(s)
            except ValueError:
                continue
            if isinstance(ev, dict) and pred(ev):
                seen += 1
                if seen >= count:
                    return True

    def send(self, sig):
        if self.p.poll() is None:
            try:
                os.kill(self.pid, sig)
                self.killed = sig
            except ProcessLookupError:
                pass

    def finish(self):
        """Read to the end and reap: a Result (out = every line read)."""
        rest = self.p.stdout.read()
        self.p.wait()
        self._timer.cancel()
        self.buf += rest
        text = "\n".join(self.lines) + ("\n" if self.lines else "") + self.buf.decode("utf-8", "replace")
        self.errf.seek(0)
        err = self.errf.read().decode("utf-8", "replace")
        self.errf.close()
        if self.expired:
            err += "\n[test watchdog killed the process]\n"
        return Result(self.argv, self.p.returncode, text, err)


def ev_is(name, **kw):
    return lambda e: e.get("event") == name and all(e.get(k) == v for k, v in kw.items())


# ---- journals ---------------------------------------------------------------------------------

def decode(path):
    """The journal decoded independently of the runtime (journal-dump.py)."""
    return journal_dump.decode(path)


def run_args(kind, *extra, json_log=True, journal=None, pace=None, failback=None):
    a = ["run", PLAN, "--kind", kind, "--set", AFFECTED]
    if failback is not None:
        a += ["--set", "failback=%s" % ("true" if failback else "false")]
    if json_log:
        a += ["--log", "json"]
    if journal:
        a += ["--journal", journal]
    if pace:
        a += ["--pace", pace]
    return a + list(extra)


def plan_without_checkpoint(dst, name):
    """Write at dst the canonical plan without checkpoint `name`: a step that fails after a
    change and before the next checkpoint then ends the run with exit 4. Returns dst."""
    with open(PLAN, encoding="utf-8") as f:
        text = f.read()
    start = text.index("        checkpoint %s {\n" % name)
    end = text.index("        }\n", start) + len("        }\n")
    with open(dst, "w", encoding="utf-8") as f:
        f.write(text[:start] + text[end:])
    return dst


def plan_args(plan, kind, *extra, **kw):
    """run_args for another plan than the canonical one."""
    a = run_args(kind, *extra, **kw)
    a[1] = plan
    return a


def journal_problems(recs, kind, failback=False, expect_end="completed", retried=None):
    """What is wrong with a finished journal of the canonical plan: a list of strings.
    Every step exactly once and in order, every action done exactly once, nothing acted
    again after it was done, and the end expected. `retried`: the step of an exit-4 run that a
    resume retried (its step-failed and the failed run-done are expected)."""
    out = []
    want_steps = steps(kind, failback)
    nact = step_actions(kind, failback)
    done_steps = [(r["step_name"], r["iter"]) for r in recs if r["kind"] == "step-done"]
    seen = set()
    for s in done_steps:
        if s in seen:
            out.append("step-done twice for step %s (iteration %r)" % s)
        seen.add(s)
    if expect_end == "completed":
        if [s for s, _ in done_steps] != want_steps:
            out.append("steps done %s, expected %s" % ([s for s, _ in done_steps], want_steps))
    adone = {}
    step_finished = set()
    for r in recs:
        k = r["kind"]
        key = (r["step_name"], r["iter"], r["action"], r["node"])
        if k == "step-done":
            step_finished.add((r["step_name"], r["iter"]))
        elif k == "action-start":
            if key in adone:
                out.append("record %d: action %s started again after its action-done (record %d)" %
                           (r["seq"], key, adone[key]))
            if (r["step_name"], r["iter"]) in step_finished:
                out.append("record %d: an action of step %s started after the step was done" %
                           (r["seq"], r["step_name"]))
        elif k == "action-done":
            if key in adone:
                out.append("record %d: action-done twice for %s (first: record %d)" % (r["seq"], key, adone[key]))
            adone.setdefault(key, r["seq"])
    if expect_end == "completed":
        per_step = {}
        for (s, _, a, _) in adone:
            per_step.setdefault(s, set()).add(a)
        for s in want_steps:
            if per_step.get(s) != set(range(nact[s])):
                out.append("step %s: actions done %s, expected %s" % (s, sorted(per_step.get(s, [])),
                                                                        list(range(nact[s]))))
        bad = [r["kind"] for r in recs if r["kind"] in ("action-failed", "step-failed", "rollback-start")
               and not (retried and r["kind"] == "step-failed" and r["step_name"] == retried)]
        if bad:
            out.append("a completed run has %s records" % bad)
    ends = [r for r in recs if r["kind"] == "run-done"]
    if not recs or recs[-1]["kind"] != "run-done":
        out.append("the last record is %s, not run-done" % (recs[-1]["kind"] if recs else "none"))
    elif recs[-1]["status"] != expect_end:
        out.append("run-done status %s, expected %s" % (recs[-1]["status"], expect_end))
    if any(e["status"] != "failed" for e in ends[:-1]):
        out.append("a run-done other than failed before the last: %s" % [e["status"] for e in ends])
    return out
