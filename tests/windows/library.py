#!/usr/bin/env python3
"""library.py: the Windows profiles' keys for lib/windows-failover-cluster.hplan against the
library and the helpers (run-library.sh runs it; docs/profiles.md, "The Windows helpers").

1. Every Windows profile that maps the library (windows-2003, windows-failover-cluster) has an
   `action NAME` for each of its actions and a `probe state NAME` for each of its states.
2. Each key calls a verb its helper has (hotplan.vbs or hotplan-cluster.ps1), with as many
   arguments as the verb takes, each the action's parameter of the type the verb's synopsis
   names (`drain NODE` gets `${n}` of `node_drain(n : node)`); a key that runs cluster.exe
   instead uses one of the cluster.exe forms below, with the parameters' types in place. A
   `probe state` key passes what the state's scope gives (`${node}`, `${resource} ${node}`).
3. Each `probe state` verb's documented output (its header's examples that succeed) is one of
   the state's values, one line; its failures exit 3 (never a value, never "false").
4. The built-in keys of windows-failover-cluster call hotplan-cluster.ps1 verbs that exist,
   with the arguments they take.
5. Through the runtime: `hotplan run --dry-run` of plans/sql-fci-kb958734.hplan and
   plans/wsfc-drain-patch.hplan on plans/inventories/wsfc-sim.hplan, and on the same inventory
   naming windows-2003, prints each library call's command exactly as the key renders it (on
   the node it runs on, the values quoted for cmd); a plan that verifies both states prints
   each probe.
6. The documented output parsed by the runtime: each profile as an `sh` twin on two local:
   nodes whose helper calls go to helper-stub.py (the header's own examples, CRLF): a real run
   verifies `drain(b) == active` and `possible_owner(R, b) == yes`; an output that is no value
   of the state (a state word in another spelling) stops the run with the runtime's message.

Usage: library.py HOTPLAN SOURCE_DIR TMP_DIR
"""
import json
import os
import re
import subprocess
import sys

import helperdoc as hd
from harness import fail, failures, finish, read, read_profiles, stub_calls, twin

HOTPLAN, SRC, TMP = sys.argv[1], sys.argv[2], sys.argv[3]
LIB = os.path.join(SRC, "lib", "windows-failover-cluster.hplan")
HELPERS = os.path.join(SRC, "plans", "helpers")
PROFILES = {"windows-2003": "vbs", "windows-failover-cluster": "ps"}
INVENTORY = os.path.join(SRC, "plans", "inventories", "wsfc-sim.hplan")
PLANS = ["sql-fci-kb958734", "wsfc-drain-patch"]

# cluster.exe as Windows Server 2003 documents it ("Cluster.exe", Windows Server 2003 command-line
# reference): the forms a key may use, TYPE the parameter type that goes there.
CLUSTER_EXE = [
    "cluster node NODE /resume",
    "cluster node NODE /pause",
    "cluster group GROUP /move:NODE",
    "cluster res RESOURCE /addowner:NODE",
    "cluster res RESOURCE /removeowner:NODE",
]

actions, states = hd.library(read(LIB))
if len(actions) < 5 or len(states) < 2:
    fail("lib/windows-failover-cluster.hplan: read %d actions and %d states, expected 5 and 2 or more"
         % (len(actions), len(states)))
helpers = {"vbs": hd.vbs_header(read(os.path.join(HELPERS, "hotplan.vbs"))),
           "ps": hd.psm_header(read(os.path.join(HELPERS, "HotplanCluster.psm1")))}
calls_of = {"vbs": hd.vbs_calls, "ps": hd.ps_calls}
profiles = read_profiles(SRC, PROFILES)


def check_args(where, verb, v, tokens, types):
    """tokens (${var} each) against the verb's synopsis; types: var -> type."""
    if len(tokens) < v["min"] or (v["max"] >= 0 and len(tokens) > v["max"]):
        fail("%s passes %s to '%s', which takes %s" % (where, tokens, verb, " ".join(v["args"]) or "nothing"))
        return
    for i, tok in enumerate(tokens):
        spec = v["args"][min(i, len(v["args"]) - 1)]
        want = spec.strip("[]").rstrip(".").lower()
        var = tok[2:-1] if tok.startswith("${") and tok.endswith("}") else None
        if var is None or types.get(var) != want:
            fail("%s passes %s where '%s' takes %s (%s)" % (where, tok, verb, spec,
                                                             "a word" if var is None else "its type is %s" % types.get(var)))


def cluster_exe(where, command, types):
    """A cluster.exe command: one of CLUSTER_EXE with ${var}s of the right types in place."""
    for form in CLUSTER_EXE:
        pattern = re.escape(form)
        for t in ("NODE", "GROUP", "RESOURCE"):
            pattern = pattern.replace(t, r"\$\{(?P<%s>[a-z_]+)\}" % t.lower(), 1)
        m = re.fullmatch(pattern, command)
        if m:
            for t, var in m.groupdict().items():
                if types.get(var) != t:
                    fail("%s passes ${%s} where cluster.exe takes a %s" % (where, var, t))
            return
    fail("%s runs %r, which is none of the cluster.exe forms this test knows (%s)"
         % (where, command, "; ".join(CLUSTER_EXE)))


def state_types(st):
    """What a `probe state` key of state st may pass: ${node} is the node it is about, ${resource}
    or ${group} the other scope's."""
    types = {"node": "node"} if "node" in st["scope"] else {}
    for s in st["scope"]:
        if s in ("resource", "group"):
            types[s] = s
    return types


# ---- 1-4: the keys against the library and the helpers ------------------------------------------

for name, helper in PROFILES.items():
    keys, verbs = profiles[name], helpers[helper]
    for act, params in actions.items():
        key = "action " + act
        if key not in keys:
            fail("%s has no `%s` (lib/windows-failover-cluster.hplan's action %s)" % (name, key, act))
            continue
        types = dict(params)
        calls = calls_of[helper](keys[key])
        if not calls:
            if helper == "ps":
                fail("%s `%s` does not call hotplan-cluster.ps1" % (name, key))
            else:
                cluster_exe("%s `%s`" % (name, key), keys[key], types)
        for verb, tokens in calls:
            if verb not in verbs:
                fail("%s `%s` calls '%s', which the helper does not have" % (name, key, verb))
            else:
                check_args("%s `%s`" % (name, key), verb, verbs[verb], tokens, types)
    for stname, st in states.items():
        key = "probe state " + stname
        if key not in keys:
            fail("%s has no `%s` (lib/windows-failover-cluster.hplan's state %s)" % (name, key, stname))
            continue
        calls = calls_of[helper](keys[key])
        if len(calls) != 1 or keys[key].count("&&") or keys[key].count("|"):
            fail("%s `%s` is not one helper call: %r" % (name, key, keys[key]))
            continue
        verb, tokens = calls[0]
        v = verbs.get(verb)
        if v is None:
            fail("%s `%s` calls '%s', which the helper does not have" % (name, key, verb))
            continue
        check_args("%s `%s`" % (name, key), verb, v, tokens, state_types(st))
        ok = [e for e in v["examples"] if e["exit"] == 0]
        if not ok:
            fail("%s: '%s' documents no output" % (helper, verb))
        for e in v["examples"]:
            if e["exit"] == 0 and (len(e["out"]) != 1 or e["out"][0].strip() not in st["values"]):
                fail("%s: '%s' documents the output %r, which is not one line holding one of %s's values (%s)"
                     % (helper, verb, e["out"], stname, ", ".join(st["values"])))
            elif e["exit"] not in (0, 3):
                fail("%s: '%s' documents exit %d: a probe of a state prints a value or fails (3)"
                     % (helper, verb, e["exit"]))
    print("%s: %d actions, %d states mapped" % (name, len(actions), len(states)))

wfc, ps = profiles["windows-failover-cluster"], helpers["ps"]
PS_TYPES = {"node": "node", "to": "node", "group": "group", "resource": "resource", "hotfix": "hotfix",
            "package": "package", "file": "file", "args": "switch", "service": "service", "process": "process"}
for key, command in wfc.items():
    if key.startswith("action ") or key.startswith("probe state "):
        continue
    for verb, tokens in hd.ps_calls(command):
        if verb not in ps:
            fail("windows-failover-cluster `%s` calls '%s', which hotplan-cluster.ps1 does not have" % (key, verb))
            continue
        fixed = [t for t in tokens if t != "${args}"]
        check_args("windows-failover-cluster `%s`" % key, verb, ps[verb], fixed, PS_TYPES)

# ---- 5: dry runs print the commands ---------------------------------------------------------------

ENV = dict(os.environ, HOTPLAN_STATE_DIR=os.path.join(TMP, "state"), HOTPLAN_LIB_PATH=os.path.join(SRC, "lib"))
ENV.pop("HOTPLAN_PROFILE_PATH", None)


def run(args, env=None):
    r = subprocess.run([HOTPLAN, "run"] + args, env=env or ENV, cwd=SRC, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    return r.returncode, r.stdout


def cmd_quote(value):
    return '"%s"' % value


def render(template, node, literals, params):
    """The key's command for a call: node parameters are the node it runs on, the others the
    call's string literals, in order."""
    out, lit = template, iter(literals)
    for pname, ptype in params:
        out = out.replace("${%s}" % pname, cmd_quote(node if ptype == "node" else next(lit, "?")))
    return out


def inventory_as(profile):
    path = os.path.join(TMP, "wsfc-sim-%s.hplan" % profile)
    with open(path, "w", encoding="utf-8") as f:
        f.write(read(INVENTORY).replace('profile "windows-failover-cluster"', 'profile "%s"' % profile))
    return path


CALL = re.compile(r"^\s+would ([a-z_]+)\((.*)\)(?: on .*)?$")
RUN_ON = re.compile(r"^\s+\$ ([A-Za-z0-9_.-]+): (.*)$")
seen = {name: set() for name in PROFILES}
for name in PROFILES:
    inv = INVENTORY if name == "windows-failover-cluster" else inventory_as(name)
    for plan in PLANS:
        rc, out = run([os.path.join("plans", plan + ".hplan"), "--inventory", inv, "--dry-run"])
        where = "%s on %s (--dry-run)" % (plan, name)
        if rc != 0 or "completed" not in out:
            fail("%s exited %d\n%s" % (where, rc, out))
            continue
        lines = out.splitlines()
        for i, line in enumerate(lines):
            m = CALL.match(line)
            if not m or m.group(1) not in actions:
                continue
            act = m.group(1)
            nxt = RUN_ON.match(lines[i + 1]) if i + 1 < len(lines) else None
            if nxt is None:
                fail("%s: `would %s(…)` is not followed by its command:\n%s" % (where, act, "\n".join(lines[i:i + 3])))
                continue
            literals = re.findall(r'"([^"]*)"', m.group(2))
            want = render(profiles[name]["action " + act], nxt.group(1), literals, actions[act])
            if nxt.group(2) != want:
                fail("%s: %s printed\n    %s\n  where the key renders\n    %s" % (where, act, nxt.group(2), want))
            seen[name].add(act)
    if seen[name] != set(actions):
        fail("%s: the dry runs of %s never printed %s" % (name, ", ".join(PLANS), sorted(set(actions) - seen[name])))

# group_move requires updated(n): the model's own state, which the runtime has from the hotfixes
# installed. A profile without `probe hotfix installed` is refused before anything runs (naming
# that key), never asked for a `probe state updated` no profile could answer.
cut = os.path.join(TMP, "wsfc-no-installed.hplan")
with open(cut, "w", encoding="utf-8") as f:
    body = read(os.path.join(SRC, "plans", "profiles", "windows-failover-cluster.hplan"))
    f.write(re.sub(r'(?m)^    probe hotfix installed .*\n', "", body).replace('"windows-failover-cluster" {', '"wfc-cut" {', 1))
    f.write(read(INVENTORY).replace('profile "windows-failover-cluster"', 'profile "wfc-cut"'))
rc, out = run([os.path.join("plans", "sql-fci-kb958734.hplan"), "--inventory", cut, "--dry-run"])
if rc != 1 or "has no `probe hotfix installed`" not in out or "probe state updated" in out:
    fail("sql-fci-kb958734 on a profile without `probe hotfix installed`: exit %d, expected 1 naming that key\n%s"
         % (rc, out))

PROBE_PLAN = os.path.join(TMP, "wsfc-probe.hplan")
GROUP = "SQL Server (SQLINST)"
RESOURCE = "SQL Network Name (SQLINST)"


def probe_plan(group):
    with open(PROBE_PLAN, "w", encoding="utf-8") as f:
        f.write('''use windows-failover-cluster
plan wsfc_probe "Read the library's states" {
    model {
        service "MSSQL$SQLINST" process "sqlservr.exe"
        resource "%s" service "MSSQL$SQLINST" group "%s"
    }
    procedure cluster {
        roles {
            a = owner of group "%s"
            b = any node except a
        }
        step look "Read the drain and the possible owners of the passive node" {
            verify drain(b) == active
            verify possible_owner("%s", b) == yes
        }
    }
}
''' % (RESOURCE, group, group, RESOURCE))
    return PROBE_PLAN


probe_plan(GROUP)
for name in PROFILES:
    inv = INVENTORY if name == "windows-failover-cluster" else inventory_as(name)
    rc, out = run([PROBE_PLAN, "--inventory", inv, "--dry-run"])
    probes = [l.split(": ", 1)[1] for l in out.splitlines() if re.match(r"^\s+\? SQLN2: ", l)]
    for stname, args in (("drain", ["SQLN2"]), ("possible_owner", [RESOURCE, "SQLN2"])):
        tmpl = profiles[name]["probe state " + stname]
        want = tmpl.replace("${resource}", cmd_quote(RESOURCE)).replace("${node}", cmd_quote("SQLN2"))
        if rc != 0 or want not in probes:
            fail("%s: the dry run of a plan that verifies %s does not print `? SQLN2: %s` (exit %d)\n%s"
                 % (name, stname, want, rc, out))

# ---- 6: the documented output through the runtime's parser, on local: twins ----------------------


def example_nodes(verbs):
    """The owner the helper's `owner` example prints, and the other node its examples name."""
    owner = next(e for e in verbs["owner"]["examples"] if e["exit"] == 0)["out"][-1]
    names = [a for v in verbs.values() for e in v["examples"] for a in e["argv"][1:]]
    other = next(n for n in names if re.fullmatch(r"[A-Z]+[0-9]", n) and n != owner)
    group = next(e for e in verbs["owner"]["examples"] if e["exit"] == 0)["argv"][1]
    return owner, other, group


for name, helper in PROFILES.items():
    verbs = helpers[helper]
    owner, other, group = example_nodes(verbs)
    doc = os.path.join(TMP, "verbs-%s.json" % helper)
    with open(doc, "w", encoding="utf-8") as f:
        json.dump(verbs, f)
    inv = os.path.join(TMP, "twin-%s.hplan" % name)
    with open(inv, "w", encoding="utf-8") as f:
        f.write(twin(name, profiles[name], hd.VBS_CALL if helper == "vbs" else hd.PS_CALL) + "\n")
        f.write('target twin cluster {\n    profile "twin-%s"\n    node "%s" address "local:"\n'
                '    node "%s" address "local:"\n}\n' % (name, other, owner))
    probe_plan(group)
    log = os.path.join(TMP, "stub-%s.log" % name)

    def live(scenario):
        if os.path.exists(log):
            os.unlink(log)
        env = dict(ENV, HOTPLAN_STUB_DOC=doc, HOTPLAN_STUB_LOG=log, HOTPLAN_STUB_SCENARIO=json.dumps(scenario))
        rc, out = run([PROBE_PLAN, "--inventory", inv, "--yes"], env)
        return rc, out, stub_calls(log, name)

    rc, out, calls = live({})
    asked = {(c["verb"], tuple(c["args"]), c["node"]) for c in calls}
    if rc != 0 or "completed" not in out:
        fail("%s: a run that verifies the documented drain-state and possible-owner answers exited %d\n%s"
             % (name, rc, out))
    for key in ("probe state drain", "probe state possible_owner"):
        verb, tokens = calls_of[helper](profiles[name][key])[0]
        args = tuple(other if t == "${node}" else RESOURCE for t in tokens)
        if (verb, args, other) not in asked:
            fail("%s: `%s %s` was not asked on %s itself (asked: %s)" % (name, verb, " ".join(args), other, sorted(asked)))
    # negative control: a word that is none of the state's values is refused, with the runtime's reason
    rc, out, _ = live({"print": {"drain-state": ["Up"]}})
    if rc == 0 or "none of its values" not in out:
        fail("%s: a `drain-state` that prints 'Up' (no value of state drain) was accepted (exit %d)\n%s"
             % (name, rc, out))
    rc, out, _ = live({"print": {"possible-owner": ["no"]}})
    if rc == 0 or "possible_owner" not in out:
        fail("%s: a `possible-owner` that prints 'no' passed `verify possible_owner(...) == yes` (exit %d)\n%s"
             % (name, rc, out))

finish("library: lib/windows-failover-cluster.hplan's %d actions and %d states mapped by %s; dry runs print "
       "each command, the documented probe output is read by the runtime"
       % (len(actions), len(states), ", ".join(PROFILES)))
