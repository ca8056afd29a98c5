"""harness.py: what contract.py, library.py and vbscript.py share besides helperdoc.py: the
failures a check collects, the Windows profiles read from plans/profiles/, a profile's `sh`
twin for local: nodes (its helper calls go to helper-stub.py) and the calls the stub logged.
Nothing here runs hotplan or a helper.
"""
import json
import os
import shlex
import sys

import helperdoc as hd

STUB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "helper-stub.py")

failures = []


def fail(msg):
    """A failure: said on stderr at once, counted by finish()."""
    failures.append(msg)
    print("FAIL: " + msg, file=sys.stderr)


def finish(summary):
    """The end of a check: exit 1 with the number of failures, or print summary."""
    if failures:
        print("%d failure(s)" % len(failures), file=sys.stderr)
        sys.exit(1)
    print(summary)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def read_profiles(src, names):
    """name -> {key: command} of each profile plans/profiles/NAME.hplan of the source tree src."""
    return {name: hd.hplan_profile(read(os.path.join(src, "plans", "profiles", name + ".hplan")))
            for name in names}


def twin(name, keys, pattern=hd.VBS_CALL):
    """The profile name (its keys) as an `sh` profile "twin-NAME" for local: nodes: each helper
    call (pattern: hd.VBS_CALL or hd.PS_CALL) goes to the stub with the same arguments, every
    other command to `stub NODE native KEY`."""
    stub = shlex.quote(STUB)
    lines = ['profile "twin-%s" {' % name, '    shell "sh"']
    for key, command in keys.items():
        if key in ("shell", "timeout", "probe timeout"):
            if key != "shell":
                lines.append('    %s "%s"' % (key, command))
            continue
        if pattern.search(command):
            sh = pattern.sub(lambda m: "%s ${node}%s" % (stub, m.group(1)), command)
        else:
            sh = "%s ${node} native %s" % (stub, key.replace(" ", "-"))
        lines.append('    %s = "%s"' % (key, sh.replace("\\", "\\\\").replace('"', '\\"')))
    lines.append("}")
    return "\n".join(lines)


def stub_calls(log, name):
    """The calls helper-stub.py logged in log (none when it has none); a call the helper's
    documentation does not allow is a failure of profile name."""
    calls = []
    if os.path.exists(log):
        with open(log, encoding="utf-8") as f:
            calls = [json.loads(line) for line in f]
    for c in calls:
        if "violation" in c:
            fail("%s: the runtime called the helper against its documentation: %s" % (name, c["violation"]))
    return calls
