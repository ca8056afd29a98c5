#!/usr/bin/env bash
# tests/layers/run-layers.sh: the build enforces the layers (docs/architecture.md).
#  1. tools/layers.py: no #include points up a layer or into another layer's private headers.
#  2. A probe source compiled with each layer's real flags (from the build's
#     compile_commands.json) can include what that layer may use and cannot include what it
#     may not: a compiler file including grammar's pstate.h, or the runtime including a
#     compiler-private header, does not build.
set -euo pipefail
ROOT=${HOTPLAN_SOURCE_DIR:?}
BUILD=${HOTPLAN_BUILD_DIR:?}
python3 "$ROOT/tools/layers.py"
[[ -f "$BUILD/compile_commands.json" ]] || { echo "no $BUILD/compile_commands.json"; exit 1; }
exec python3 - "$ROOT" "$BUILD/compile_commands.json" <<'PY'
import json, os, shlex, subprocess, sys, tempfile
root, db = sys.argv[1], sys.argv[2]
cmds = json.load(open(db))
def flags_of(layer):
    """The compile command of a real source of `layer`, as a list, source and output removed."""
    for c in cmds:
        f = os.path.relpath(c["file"], root)
        if f.startswith(layer + "/") and f.endswith(".c"):
            argv = c["arguments"] if "arguments" in c else shlex.split(c["command"])
            out, skip = [], False
            for a in argv:
                if skip:
                    skip = False
                    continue
                if a in ("-o", "-c"):
                    skip = a == "-o"
                    continue
                if a == c["file"] or a.endswith(os.path.basename(c["file"])):
                    continue
                out.append(a)
            return out, c["directory"]
    sys.exit("no source of layer %s in %s" % (layer, db))
# layer: (may include, may not include)
cases = {
    "core":     (["arena.h", "ast.h", "ctx.h", "diag.h", "rules.h"],
                 ["parse.h", "model.h", "exec.h", "pstate.h"]),
    "grammar":  (["ctx.h", "parse.h"],
                 ["model.h", "check.h", "exec.h", "sema.h"]),
    "compiler": (["ctx.h", "parse.h", "model.h", "check.h"],
                 ["pstate.h", "parser.h", "exec.h", "run.h", "journal.h"]),
    "runtime":  (["ctx.h", "parse.h", "model.h", "check.h", "image.h", "exec.h"],
                 ["sema.h", "image_fmt.h", "fmt_tok.h", "pstate.h", "parser.h", "cli.h"]),
    "cli":      (["exec.h", "check.h", "parse.h", "ctx.h"],
                 ["run.h", "journal.h", "lock.h", "sema.h", "pstate.h", "image_fmt.h"]),
}
failed = 0
with tempfile.TemporaryDirectory() as tmp:
    for layer, (may, may_not) in cases.items():
        flags, cwd = flags_of(layer)
        for header, want in [(h, True) for h in may] + [(h, False) for h in may_not]:
            probe = os.path.join(tmp, "probe.c")
            with open(probe, "w") as fh:
                fh.write('#include "%s"\nint probe(void);\nint probe(void) { return 0; }\n' % header)
            r = subprocess.run(flags + ["-fsyntax-only", probe], cwd=cwd,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            ok = r.returncode == 0
            if ok != want:
                failed += 1
                print("FAIL %s: #include \"%s\" %s" % (layer, header,
                      "builds, but must not" if ok else "does not build:\n" + r.stderr))
            else:
                print("ok   %s: #include \"%s\" %s" % (layer, header, "builds" if ok else "is refused"))
print("%d passed, %d failed" % (sum(len(a) + len(b) for a, b in cases.values()) - failed, failed))
sys.exit(1 if failed else 0)
PY
