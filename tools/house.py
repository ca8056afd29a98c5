#!/usr/bin/env python3
"""tools/house.py: house rules the build can check (docs/architecture.md).

    tools/house.py BUILD_DIR

1. No hand-written C function is over 150 lines (core/, grammar/, compiler/, runtime/, cli/,
   tools/; the flex and bison output is not hand-written).
2. No two source files of a layer call each other, and the files of a layer call each other
   without a cycle: read from the symbols each object file of the build defines and uses (nm).

Prints every breach and exits 1, or a one-line summary and exits 0.
"""
import os
import re
import subprocess
import sys

MAX_LINES = 150
LAYERS = ["core", "grammar", "compiler", "runtime", "cli"]
HEAD = re.compile(r"^(?:static\s+)?(?:inline\s+)?[A-Za-z_][\w\s\*]*?\b(\w+)\s*\(")


def long_functions(root):
    """(file, line, name, length) of every function body over MAX_LINES lines."""
    out, count = [], 0
    for d in LAYERS + ["tools"]:
        for dirpath, _, files in os.walk(os.path.join(root, d)):
            for f in sorted(files):
                if not f.endswith((".c", ".h", ".y", ".l")):
                    continue
                path = os.path.join(dirpath, f)
                lines = open(path, encoding="utf-8").read().split("\n")
                i = 0
                while i < len(lines):
                    # a body opens with "{" alone at column 0 after a header line ending in ")"
                    if lines[i] == "{" and i > 0 and lines[i - 1].rstrip().endswith(")"):
                        k = i - 1
                        while k > 0 and not HEAD.match(lines[k]):
                            k -= 1
                        m = HEAD.match(lines[k])
                        j = i + 1
                        while j < len(lines) and lines[j] != "}":
                            j += 1
                        count += 1
                        n = j - i - 1
                        if n > MAX_LINES:
                            out.append((os.path.relpath(path, root), k + 1, m.group(1) if m else "?", n))
                        i = j
                    i += 1
    return out, count


def objects(build, layer):
    d = os.path.join(build, "CMakeFiles", "hotplan_%s.dir" % layer, layer)
    if layer == "cli":
        d = os.path.join(build, "CMakeFiles", "hotplan.dir", "cli")
    if not os.path.isdir(d):
        return {}
    return {f[:-4]: os.path.join(d, f) for f in sorted(os.listdir(d)) if f.endswith(".c.o")}


def symbols(obj):
    defined, used = set(), set()
    r = subprocess.run(["nm", obj], stdout=subprocess.PIPE, text=True, check=True)
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            used.add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDBRC":
            defined.add(parts[2])
    return defined, used


def call_cycles(build):
    bad, edges_total = [], 0
    for layer in LAYERS:
        objs = objects(build, layer)
        syms = {name: symbols(path) for name, path in objs.items()}
        owner = {}
        for name, (defined, _) in syms.items():
            for s in defined:
                owner[s] = name
        edges = {name: set() for name in syms}
        for name, (_, used) in syms.items():
            for s in used:
                if s in owner and owner[s] != name:
                    edges[name].add(owner[s])
        edges_total += sum(len(v) for v in edges.values())
        for a in sorted(edges):
            for b in sorted(edges[a]):
                if a < b and a in edges[b]:
                    bad.append("%s: %s and %s call each other" % (layer, a, b))
        # any longer cycle (Tarjan's strongly connected components)
        index, low, stack, on, comps, counter = {}, {}, [], set(), [], [0]

        def visit(v):
            index[v] = low[v] = counter[0]
            counter[0] += 1
            stack.append(v)
            on.add(v)
            for w in edges[v]:
                if w not in index:
                    visit(w)
                    low[v] = min(low[v], low[w])
                elif w in on:
                    low[v] = min(low[v], index[w])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                comps.append(comp)

        for v in sorted(edges):
            if v not in index:
                visit(v)
        for comp in comps:
            if len(comp) > 2:
                bad.append("%s: a cycle of calls through %s" % (layer, ", ".join(sorted(comp))))
    return bad, edges_total


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: tools/house.py BUILD_DIR")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    build = sys.argv[1]
    longs, nfuncs = long_functions(root)
    cycles, nedges = call_cycles(build)
    for path, line, name, n in longs:
        print("house: %s:%d: function %s is %d lines (at most %d)" % (path, line, name, n, MAX_LINES))
    for c in cycles:
        print("house: " + c)
    if longs or cycles:
        return 1
    if nedges == 0:
        print("house: no object files under %s: build first" % build)
        return 1
    print("house: %d functions, none over %d lines; %d file-to-file calls, no pair calling each other, no cycle"
          % (nfuncs, MAX_LINES, nedges))
    return 0


if __name__ == "__main__":
    sys.exit(main())
