#!/usr/bin/env python3
"""contract.py: the contract between the Windows profiles and their helpers (plans/helpers/),
checked without Windows (run-contract.sh runs it; docs/profiles.md, "The Windows helpers").

1. hotplan.vbs: the verbs its header documents are the verbs Main dispatches, with the same
   numbers of arguments; each has an example; docs/profiles.md lists the same verbs.
2. The windows-2000 and windows-2003 profiles: every `hotplan.vbs VERB ARG…` they run names a
   verb the helper has, with as many arguments as it takes, each the value its synopsis names
   (STORE is ${store}, NODE ${node} or ${to}…); together they use every verb; `install hotfix`
   stages the package and passes the unattended switches (-q -z) before the plan's ${args}.
3. HotplanCluster.psm1: the header's verbs and functions are the dispatch table's, each
   function takes the arguments its verb does, docs/profiles.md lists the same verbs.
4. What the helper documents it prints is what the runtime reads: each Windows profile is
   turned into an `sh` twin whose helper calls go, with the same ${…} arguments, to
   helper-stub.py, which answers with the header's own examples (CRLF line ends, as cscript
   prints); real `hotplan run --dry-run`s of the canonical plan on two local: nodes then read
   the live target through the runtime's own parsers (`list stores`, `probe group owner`,
   `probe file version`, the probes' exit statuses), and the test checks what they made of it,
   with negative controls: an owner, a version or a failing helper that the runtime must refuse.

Usage: contract.py HOTPLAN SOURCE_DIR TMP_DIR
"""
import json
import os
import shlex
import subprocess
import sys

import helperdoc as hd
from harness import fail, failures, finish, read, read_profiles, stub_calls, twin

HOTPLAN, SRC, TMP = sys.argv[1], sys.argv[2], sys.argv[3]
VBS = os.path.join(SRC, "plans", "helpers", "hotplan.vbs")
PSM = os.path.join(SRC, "plans", "helpers", "HotplanCluster.psm1")
DOCS = os.path.join(SRC, "docs", "profiles.md")
PROFILES = ["windows-2000", "windows-2003"]

# ---- 1. hotplan.vbs against itself and the docs -------------------------------------------------

vbs_text = read(VBS)
verbs = hd.vbs_header(vbs_text)
dispatch = hd.vbs_dispatch(vbs_text)
if not verbs:
    fail("hotplan.vbs: no verbs found in its header")
for verb, v in verbs.items():
    if verb not in dispatch:
        fail("hotplan.vbs: the header documents '%s', which Main does not dispatch" % verb)
    elif dispatch[verb] != (v["min"], v["max"]):
        fail("hotplan.vbs: '%s' takes %s arguments by its header (%s), %s by its code"
             % (verb, (v["min"], v["max"]), " ".join(v["args"]), dispatch[verb]))
    if not v["examples"]:
        fail("hotplan.vbs: '%s' has no example in the header" % verb)
    for e in v["examples"]:
        n = len(e["argv"]) - 1
        if n < v["min"] or (v["max"] >= 0 and n > v["max"]):
            fail("hotplan.vbs: the example %r has the wrong number of arguments" % e["argv"])
        if e["exit"] == 3 and not any(l.startswith("hotplan.vbs: %s: " % verb) for l in e["err"]):
            fail("hotplan.vbs: the error example %r does not say 'hotplan.vbs: %s: …' on stderr" % (e["argv"], verb))
        if e["exit"] not in (0, 1, 3):
            fail("hotplan.vbs: the example %r exits %d" % (e["argv"], e["exit"]))
for verb in dispatch:
    if verb not in verbs:
        fail("hotplan.vbs: Main dispatches '%s', which the header does not document" % verb)

docs = read(DOCS)
for heading in ("### hotplan.vbs", "### HotplanCluster.psm1"):
    if heading not in docs:
        fail("docs/profiles.md has no section '%s'" % heading)
for verb, args in hd.docs_table(docs, "### hotplan.vbs").items():
    if verb not in verbs:
        fail("docs/profiles.md documents hotplan.vbs '%s', which it does not have" % verb)
    elif args != verbs[verb]["args"]:
        fail("docs/profiles.md: hotplan.vbs %s %s, the header says %s" % (verb, args, verbs[verb]["args"]))
for verb in verbs:
    if verb not in hd.docs_table(docs, "### hotplan.vbs"):
        fail("docs/profiles.md does not document hotplan.vbs '%s'" % verb)
if "verified by review" not in docs:
    fail("docs/profiles.md does not say that the helpers are verified by review, not on Windows")

# ---- 2. the profiles against hotplan.vbs ------------------------------------------------------

ALIASES = {"node": {"node", "to"}, "switch": {"args"}}
profiles = read_profiles(SRC, PROFILES)


def library_key(key):
    """The keys of lib/windows-failover-cluster.hplan's actions and states: their arguments are
    the library's parameters, checked by library.py (run-library.sh)."""
    return key.startswith("action ") or key.startswith("probe state ")


# the verbs only the library's keys call: a profile without those keys need not use them
LIBRARY_VERBS = {v for keys in profiles.values() for k, c in keys.items() if library_key(k)
                 for v, _ in hd.vbs_calls(c)}
for name, keys in profiles.items():
    used = set()
    for key, command in keys.items():
        if library_key(key):
            used.update(v for v, _ in hd.vbs_calls(command))
            continue
        for verb, tokens in hd.vbs_calls(command):
            where = "%s `%s`" % (name, key)
            used.add(verb)
            v = verbs.get(verb)
            if v is None:
                fail("%s calls hotplan.vbs '%s', which the helper does not have" % (where, verb))
                continue
            fixed = [t for t in tokens if t != "${args}"]
            if len(fixed) < v["min"] or (v["max"] >= 0 and len(tokens) > v["max"]):
                fail("%s passes %s to '%s', which takes %s" % (where, tokens, verb, " ".join(v["args"])))
            for i, tok in enumerate(tokens):
                spec = v["args"][min(i, len(v["args"]) - 1)] if v["args"] else ""
                want = spec.strip("[]").rstrip(".").lower()
                if tok.startswith("${"):
                    var = tok[2:-1]
                    if var != want and var not in ALIASES.get(want, ()):
                        fail("%s passes %s where '%s' takes %s" % (where, tok, verb, spec))
                elif not spec.startswith("["):
                    fail("%s passes the word %r where '%s' takes %s" % (where, tok, verb, spec))
    want = set(verbs) if any(library_key(k) for k in keys) else set(verbs) - LIBRARY_VERBS
    if not want <= used:
        fail("%s does not call hotplan.vbs %s" % (name, sorted(want - used)))
    calls = hd.vbs_calls(keys.get("install hotfix", ""))
    inst = [t for v, t in calls if v == "install"]
    if not inst or "-q" not in inst[0] or "-z" not in inst[0]:
        fail("%s `install hotfix` does not pass -q -z (quiet, no restart) to the package" % name)
    elif "${args}" in inst[0] and inst[0].index("${args}") < inst[0].index("-z"):
        fail("%s `install hotfix` passes the plan's ${args} before the unattended switches" % name)
    if [v for v, _ in calls] != ["stage", "install"] or "&&" not in keys["install hotfix"]:
        fail("%s `install hotfix` does not stage the package, then (&&) install it" % name)

# ---- 3. HotplanCluster.psm1 --------------------------------------------------------------------

psm_text = read(PSM)
ps_verbs = hd.psm_header(psm_text)
ps_table = hd.psm_table(psm_text)
ps_funcs = hd.psm_functions(psm_text)
if not ps_verbs:
    fail("HotplanCluster.psm1: no verbs found in its header")
for verb, v in ps_verbs.items():
    row = ps_table.get(verb)
    if row is None:
        fail("HotplanCluster.psm1: the header documents '%s', which $script:Verbs lacks" % verb)
        continue
    if row != (v["function"], v["min"], v["max"]):
        fail("HotplanCluster.psm1: '%s' is %s in the header, %s in the table" % (verb, (v["function"], v["min"], v["max"]), row))
    fn = ps_funcs.get(row[0])
    if fn is None:
        fail("HotplanCluster.psm1: no function %s" % row[0])
    elif fn != (v["min"], v["max"] < 0):
        fail("HotplanCluster.psm1: %s takes %d mandatory parameters%s, '%s' %s"
             % (row[0], fn[0], " and the rest" if fn[1] else "", verb, " ".join(v["args"]) or "nothing"))
    if not v["examples"]:
        fail("HotplanCluster.psm1: '%s' has no example in the header" % verb)
for verb in ps_table:
    if verb not in ps_verbs:
        fail("HotplanCluster.psm1: $script:Verbs has '%s', which the header does not document" % verb)
ps_docs = hd.docs_table(docs, "### HotplanCluster.psm1")
if set(ps_docs) != set(ps_verbs) or any(ps_docs[k] != ps_verbs[k]["args"] for k in ps_docs if k in ps_verbs):
    fail("docs/profiles.md lists HotplanCluster.psm1 verbs %s, the header %s"
         % (sorted(ps_docs.items()), sorted((k, v["args"]) for k, v in ps_verbs.items())))
if "Export-ModuleMember -Function @($script:Verbs.Values" not in psm_text:
    fail("HotplanCluster.psm1 does not export the functions of its table")

# ---- 4. the documented output through the runtime ------------------------------------------------

doc_path = os.path.join(TMP, "verbs.json")
with open(doc_path, "w", encoding="utf-8") as f:
    json.dump(verbs, f)
log_path = os.path.join(TMP, "stub.log")


def example(verb, status=0):
    return next(e for e in verbs[verb]["examples"] if e["exit"] == status)


STORES = example("stores")["out"]
NODES = [e["argv"][1] for e in verbs["member"]["examples"]]
OWNER = example("owner")["out"][-1]
OTHER = next((n for n in NODES if n != OWNER), "")
VERSION = example("version")["out"][-1]
GROUP = "Exchange"   # the canonical plan's group, which `owner` is asked about


def inventory(name):
    path = os.path.join(TMP, "twin-%s.hplan" % name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(twin(name, profiles[name]) + "\n")
        # the owner the example prints is the second node: the roles follow the probe, not the order
        f.write('target twin cluster {\n    profile "twin-%s"\n    node "%s" address "local:"\n'
                '    node "%s" address "local:"\n    fact exchange.version = 6.5.7226.0\n}\n'
                % (name, OTHER, OWNER))
    return path


def dry_run(name, scenario):
    if os.path.exists(log_path):
        os.unlink(log_path)
    env = dict(os.environ, HOTPLAN_STUB_DOC=doc_path, HOTPLAN_STUB_LOG=log_path,
               HOTPLAN_STUB_SCENARIO=json.dumps(scenario), HOTPLAN_STATE_DIR=os.path.join(TMP, "state"))
    r = subprocess.run([HOTPLAN, "run", os.path.join(SRC, "plans", "ese-hotfix.hplan"), "--inventory", inventory(name),
                        "--kind", "cluster", "--dry-run", "--set", "affected=" + STORES[0]],
                       env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=300)
    return r.returncode, r.stdout, stub_calls(log_path, name)


def expect(cond, name, what, out):
    if not cond:
        fail("%s: %s\n---- hotplan's output:\n%s" % (name, what, out))


if len(STORES) < 2 or any("/" not in s.strip("/") or s != s.strip() for s in STORES):
    fail("the header's `stores` example must print two stores or more, each 'Storage Group/Store': %r" % STORES)
if OWNER not in NODES or not OTHER:
    fail("the header's `owner` example prints %r, which is not one of two nodes its `member` examples name (%s)"
         % (OWNER, ", ".join(NODES)))
for name in PROFILES if not failures else []:
    # the live target read through the documented output: stores, owner, members, probes
    rc, out, calls = dry_run(name, {})
    expect(rc == 0, name, "the dry run on the documented answers exited %d" % rc, out)
    for store in STORES[1:]:
        expect(any(l.lstrip().startswith("$ %s: " % OWNER) and (" dismount %s" % shlex.quote(store)) in l
                   for l in out.splitlines()),
               name, "no dismount of %r on the owner %s, which `owner` printed" % (store, OWNER), out)
    expect(" dismount %s" % shlex.quote(STORES[0]) not in out, name, "the affected store would be dismounted", out)
    expect(any(l.lstrip().startswith("$ %s: " % OTHER) and " install " in l and " -q -z" in l for l in out.splitlines()),
           name, "the passive node %s does not install with -q -z" % OTHER, out)
    asked = {(c["verb"], tuple(c["args"]), c["node"]) for c in calls}
    expect(("stores", (), OWNER) in asked, name, "`list stores` was not asked on the owner", out)
    expect(any(v == "owner" and a == (GROUP,) for v, a, _ in asked), name, "`owner %s` was not asked" % GROUP, out)
    for node in (OWNER, OTHER):
        expect(("member", (node,), node) in asked, name, "`member %s` was not asked on %s itself" % (node, node), out)
    expect(("installed", ("ese", "hotfix/ese-6.5.7232.54.exe"), OTHER) in asked, name,
           "`installed HOTFIX PACKAGE` was not asked with the plan's hotfix and package", out)

    # installed: the file versions are read, and the documented output parses
    rc, out, calls = dry_run(name, {"answers": {"installed": 0}})
    expect(any(c["verb"] == "version" and c["args"] == ["Ese.dll"] for c in calls), name,
           "with the hotfix installed, `version Ese.dll` was not asked", out)
    expect("no version in it" not in out and rc == 0, name,
           "the documented `version` output %r was not read as a version (exit %d)" % (VERSION, rc), out)

    # negative controls: the runtime refuses what the documentation does not promise
    rc, out, _ = dry_run(name, {"answers": {"installed": 0}, "print": {"version": ["Ese.dll"]}})
    expect(rc != 0 and "no version in it" in out, name, "a `version` that prints no version was accepted", out)
    rc, out, _ = dry_run(name, {"print": {"owner": [OWNER.lower() + ".example.com"]}})
    expect(rc != 0 and "which is not a node of target" in out, name, "an owner that is no node's name was accepted", out)
    rc, out, _ = dry_run(name, {"fail": "stores"})
    err = example("stores", 3)["err"][0]
    expect(rc != 0 and err.split(": ", 2)[-1] in out.replace("\\r", ""), name,
           "a failing `stores` (exit 3, %r) did not stop the run with its message" % err, out)

finish("contract: hotplan.vbs %d verbs, HotplanCluster.psm1 %d verbs, profiles %s: all consistent; "
       "documented output read by the runtime on local: twins" % (len(verbs), len(ps_verbs), ", ".join(PROFILES)))
