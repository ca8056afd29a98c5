#!/usr/bin/env bash
# run-sarif.sh: `hotplan check --format sarif` on plans with errors gives one SARIF 2.1.0 log
# that validates against the official schema (shared/schemas, beside the repository), and
# `--format json` gives one JSON array with the fields of SPEC section 5.
#
# Environment (set by ctest): HOTPLAN (the binary), HOTPLAN_SOURCE_DIR (the repository).
# Needs python3 with jsonschema (Debian: python3-jsonschema) and the schema file for the schema
# check; without either, every other check still runs (a failure fails the test) and the test
# then exits 77, which ctest reports as skipped.
set -euo pipefail

: "${HOTPLAN:?HOTPLAN must name the hotplan binary}"
: "${HOTPLAN_SOURCE_DIR:?HOTPLAN_SOURCE_DIR must name the repository}"
HOTPLAN=$(cd "$(dirname "$HOTPLAN")" && pwd)/$(basename "$HOTPLAN")
schema=$HOTPLAN_SOURCE_DIR/../shared/schemas/sarif-schema-2.1.0.json

fail() { echo "FAIL: $*" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

# A plan that breaks HP101 (the name has a space, to exercise URI encoding) and one with a
# syntax error (HP001), so there are errors whatever the checker finds.
mkdir -p plans
cat >"plans/bad plan.hplan" <<'EOF'
plan bad "dismounts the affected stores" {
    param affected : stores "the stores named in event ID 217"
    model {
        service "MSExchangeIS" process "store.exe" holds stores
        recover affected
    }
    hotfix ese {
        file "Ese.dll" version 6.5.7232.54 size 2115072
        package "hotfix/ese-6.5.7232.54.exe"
        restarts "MSExchangeIS"
    }
    procedure standalone {
        step dismount_all "Dismount every store" {
            dismount all stores
        }
        checkpoint dismounted {
            mount all stores
        }
        step kill_store "Force the Information Store to stop" {
            kill process "store.exe"
        }
        step apply "Apply the hotfix" {
            install hotfix ese
        }
        step remount "Mount the stores again" {
            mount all stores
        }
    }
}
EOF
cat >plans/syntax.hplan <<'EOF'
plan broken {
    procedure standalone {
        step kill_store {
            kill "store.exe"
        }
    }
}
EOF

# Any python3 parses JSON; the schema check needs jsonschema.
py=
for p in /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import jsonschema' 2>/dev/null; then
		py=$p
		break
	fi
done
json_py=${py:-python3}
command -v "$json_py" >/dev/null 2>&1 || fail "no python3 to parse the output"

# ---- JSON ----
set +e
"$HOTPLAN" check --format json "plans/bad plan.hplan" plans/syntax.hplan >out.json 2>err.txt
rc=$?
set -e
[ "$rc" -eq 1 ] || { cat err.txt >&2; fail "check --format json: exit $rc, expected 1"; }
"$json_py" - out.json <<'EOF' || fail "JSON output"
import json, sys
doc = json.load(open(sys.argv[1]))
assert isinstance(doc, list) and doc, "expected a non-empty array"
types = {"file": str, "line": int, "column": int, "end_line": int, "end_column": int,
         "severity": str, "rule": str, "message": str}
for d in doc:
    for k, t in types.items():
        assert isinstance(d.get(k), t), "%s: %r" % (k, d)
    assert "note" in d and (d["note"] is None or isinstance(d["note"], str)), d
    assert d["severity"] in ("error", "warning"), d
    assert d["line"] >= 1 and d["column"] >= 1, d
    assert (d["end_line"], d["end_column"]) >= (d["line"], d["column"]), d
    assert d["rule"].startswith("HP") and len(d["rule"]) == 5, d
rules = {(d["file"], d["rule"]) for d in doc}
assert ("plans/syntax.hplan", "HP001") in rules, rules
assert any(d["severity"] == "error" for d in doc if d["file"] == "plans/bad plan.hplan"), doc
print("json ok: %d diagnostics" % len(doc))
EOF

# ---- SARIF ----
set +e
"$HOTPLAN" check --format sarif "plans/bad plan.hplan" plans/syntax.hplan >out.sarif 2>err.txt
rc=$?
set -e
[ "$rc" -eq 1 ] || { cat err.txt >&2; fail "check --format sarif: exit $rc, expected 1"; }
[ ! -s err.txt ] || { cat err.txt >&2; fail "check --format sarif wrote to stderr"; }

"$json_py" - out.sarif <<'EOF' || fail "SARIF output"
import json, sys
log = json.load(open(sys.argv[1]))
assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
assert len(log["runs"]) == 1
run = log["runs"][0]
driver = run["tool"]["driver"]
assert driver["name"] == "hotplan" and driver["version"] and driver["informationUri"]
rules = driver["rules"]
ids = [r["id"] for r in rules]
assert len(ids) == 30 and ids[0] == "HP001" and ids[-1] == "HP205", ids
for r in rules:
    for k in ("name", "shortDescription", "fullDescription", "help", "defaultConfiguration"):
        assert k in r, (r["id"], k)
    assert r["name"][0].isupper() and r["name"].isalnum(), r["name"]
    assert r["defaultConfiguration"]["level"] in ("error", "warning")
uris = [a["location"]["uri"] for a in run["artifacts"]]
assert "plans/bad%20plan.hplan" in uris and "plans/syntax.hplan" in uris, uris
results = run["results"]
assert results, "no results"
for res in results:
    assert rules[res["ruleIndex"]]["id"] == res["ruleId"], res
    assert res["level"] in ("error", "warning")
    loc = res["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert uris[loc["artifactLocation"]["index"]] == loc["artifactLocation"]["uri"]
    reg = loc["region"]
    assert reg["startLine"] >= 1 and reg["startColumn"] >= 1
assert any(r["ruleId"] == "HP001" and r["level"] == "error" for r in results)
print("sarif ok: %d results" % len(results))
EOF

if [ ! -f "$schema" ]; then
	echo "SKIP: no schema ($schema): the SARIF log was not validated against it"
	exit 77
fi
if [ -z "$py" ]; then
	echo "SKIP: no python3 has jsonschema (install python3-jsonschema): the SARIF log was not validated"
	exit 77
fi
"$py" - "$schema" out.sarif <<'EOF' || fail "SARIF output against the schema"
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
log = json.load(open(sys.argv[2]))
jsonschema.Draft4Validator.check_schema(schema)
errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=lambda e: list(e.path))
for e in errors:
    print("schema: %s: %s" % ("/".join(map(str, e.path)), e.message[:300]))
assert not errors, "%d schema errors" % len(errors)
print("sarif: valid against the SARIF 2.1.0 schema")
EOF
echo "PASS"
