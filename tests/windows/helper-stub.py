#!/usr/bin/env python3
"""helper-stub.py: plays hotplan.vbs for contract.py, exactly as its header documents it and no
better: a verb the header does not list, or a wrong number of arguments, is exit 2 and a
recorded violation; a verb that prints answers with its documented example output (CRLF line
ends, as cscript writes them); a probe answers the scenario's exit status; a verb the scenario
makes fail prints its documented error example on stderr and exits 3.

    helper-stub.py NODE VERB [ARG...]        the helper's verbs, run on NODE
    helper-stub.py NODE native KEY           a profile key that does not call the helper

Environment: HOTPLAN_STUB_DOC (the verbs, JSON, from helperdoc.vbs_header), HOTPLAN_STUB_LOG
(one JSON line per call is appended), HOTPLAN_STUB_SCENARIO (JSON: "answers" {verb: exit
status} for probes, "fail" a verb, "print" {verb: [line...]} to print instead of the example).
"""
import json
import os
import sys

PROBE_DEFAULTS = {"mounted": 0, "dismounted": 1, "member": 0, "restartable": 0, "installed": 1}


def main():
    verbs = json.load(open(os.environ["HOTPLAN_STUB_DOC"], encoding="utf-8"))
    scenario = json.loads(os.environ.get("HOTPLAN_STUB_SCENARIO") or "{}")
    node, verb, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    entry = {"node": node, "verb": verb, "args": rest}

    def done(status, out=(), err=(), violation=None):
        if violation:
            entry["violation"] = violation
            err = ["helper-stub: " + violation]
        entry["exit"] = status
        with open(os.environ["HOTPLAN_STUB_LOG"], "a", encoding="utf-8") as log:
            log.write(json.dumps(entry) + "\n")
        sys.stdout.write("".join(line + "\r\n" for line in out))
        sys.stderr.write("".join(line + "\r\n" for line in err))
        sys.exit(status)

    if verb == "native":
        done(0)
    v = verbs.get(verb)
    if v is None:
        done(2, violation="unknown verb '%s'" % verb)
    if len(rest) < v["min"] or (v["max"] >= 0 and len(rest) > v["max"]):
        done(2, violation="%s takes %d..%d arguments, got %r" % (verb, v["min"], v["max"], rest))
    if scenario.get("fail") == verb:
        bad = [e for e in v["examples"] if e["exit"] == 3 and e["err"]]
        if not bad:
            done(2, violation="the scenario fails '%s', whose header shows no error example" % verb)
        done(3, err=bad[0]["err"])
    if verb in scenario.get("print", {}):
        done(0, out=scenario["print"][verb])
    if verb in PROBE_DEFAULTS:
        done(scenario.get("answers", {}).get(verb, PROBE_DEFAULTS[verb]))
    ok = [e for e in v["examples"] if e["exit"] == 0]
    if not ok:
        done(2, violation="'%s' has no example that succeeds" % verb)
    done(0, out=ok[0]["out"])


main()
