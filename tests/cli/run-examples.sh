#!/usr/bin/env bash
# run-examples.sh: the example of every `hotplan explain RULE` really breaks RULE. Each
# example is a plan fragment; it is set into a plan with the canonical plan's params, model
# and hotfix (the context the fragments are written for), checked, and RULE must be among
# the diagnostics.
#
# Environment (set by ctest): HOTPLAN (the binary). Needs python3.
set -euo pipefail

: "${HOTPLAN:?HOTPLAN must name the hotplan binary}"
HOTPLAN=$(cd "$(dirname "$HOTPLAN")" && pwd)/$(basename "$HOTPLAN")
command -v python3 >/dev/null 2>&1 || { echo "FAIL: no python3" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

python3 - "$HOTPLAN" <<'EOF'
import re, subprocess, sys

H = sys.argv[1]

def sh(*args):
    return subprocess.run([H, *args], capture_output=True, text=True)

def example(rule):
    out = sh("explain", rule).stdout
    m = re.search(r"\nExample[^\n]*\n\n(.*?)\n\S", out, re.S)
    assert m, "explain %s: no example" % rule
    return "\n".join(l[4:] for l in m.group(1).splitlines()) + "\n"

def indent(text, n):
    return "".join((" " * n + l if l.strip() else l) + "\n" for l in text.splitlines())

PARAMS = '''    param affected : stores "the stores named in event ID 217"
    param failback : bool = false "move the groups back to the first node at the end"
    require count(affected) > 0 else "apply only to servers that log event ID 217"
'''
MODEL = '''    model {
        service "MSExchangeIS" process "store.exe" holds stores
        service "ClusSvc" cluster
        resource "Exchange Information Store Instance" service "MSExchangeIS" group "Exchange"
        group "Cluster Group"
        recover affected
    }
'''
HOTFIX = '''    hotfix ese {
        file "Ese.dll" version 6.5.7232.54 size 2115072
        package "hotfix/ese-6.5.7232.54.exe"
        restarts "MSExchangeIS"
    }
'''
ROLES = '''        roles {
            active  = owner of group "Exchange"
            passive = any node except active
        }
'''
TRIVIAL = "    procedure standalone {\n        step s \"wait\" {\n            wait 1s\n        }\n    }\n"

def plan(*parts):
    return 'plan ese_hotfix "example" {\n' + "".join(parts) + "}\n"

def proc(kind, body, roles=True):
    return "    procedure %s {\n" % kind + (ROLES if roles and kind == "cluster" else "") + indent(body, 8) + "    }\n"

CLUSTER = {"HP110", "HP111", "HP112", "HP113", "HP114", "HP115", "HP116", "HP117",
           "HP120", "HP130", "HP131"}

rules = re.findall(r"^(HP\d{3}) ", sh("explain").stdout, re.M)
assert len(rules) == 30, rules
failed = []
for rule in rules:
    ex = example(rule)
    args = []
    if rule == "HP002":        # roles and a step: the body of a cluster procedure
        text = plan(PARAMS, MODEL, HOTFIX, proc("cluster", ex, roles=False))
    elif rule == "HP004":      # a param and a require: plan items
        text = plan(indent(ex, 4), MODEL.replace("        recover affected\n", ""), HOTFIX, TRIVIAL)
    elif rule == "HP005":      # a whole procedure
        text = plan(PARAMS, MODEL, HOTFIX, indent(ex, 4))
    elif rule == "HP006":      # a whole plan, checked as a cluster
        text = ex.replace("        # params, model and hotfix as in plans/ese-hotfix.hplan\n",
                          indent(PARAMS + MODEL + HOTFIX, 0))
        text = text.replace("        # the steps for a stand-alone server\n",
                            "        step s \"wait\" {\n            wait 1s\n        }\n")
        args = ["--kind", "cluster"]
    elif rule == "HP007":      # a declaration: a plan item
        text = plan(PARAMS, MODEL, HOTFIX, indent(ex, 4), TRIVIAL)
    elif rule == "HP124":      # declarations and a procedure
        text = plan(PARAMS, MODEL, HOTFIX, indent(ex, 4))
    elif rule == "HP122":      # a hotfix and a procedure
        text = plan(PARAMS, MODEL, indent(ex, 4))
    elif rule == "HP201":      # a param
        text = plan(PARAMS.replace("    param failback", "    # param failback"), indent(ex, 4), MODEL, HOTFIX, TRIVIAL)
    elif rule == "HP202":      # a hotfix
        text = plan(PARAMS, MODEL, indent(ex, 4), proc("standalone", "step apply \"Apply\" {\n    install hotfix ese\n}\n"))
    else:                      # steps
        text = plan(PARAMS, MODEL, HOTFIX, proc("cluster" if rule in CLUSTER else "standalone", ex))
    name = rule + ".hplan"
    with open(name, "w") as f:
        f.write(text)
    r = sh("check", *args, name)
    got = sorted(set(re.findall(r"\[(HP\d{3})\]", r.stderr)))
    if rule not in got or r.returncode not in (0, 1):
        failed.append(rule)
        print("FAIL: the example of %s does not break it (exit %d, got %s)\n%s%s" %
              (rule, r.returncode, " ".join(got) or "nothing", text, r.stderr), file=sys.stderr)
    else:
        print("ok: %s (%s)" % (rule, " ".join(got)))
if failed:
    print("examples that do not break their rule: " + " ".join(failed), file=sys.stderr)
    sys.exit(1)
print("PASS: every example breaks its rule")
EOF
