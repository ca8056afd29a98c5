#!/usr/bin/env python3
"""tools/layers.py: the layers of hotplan as the code's own #include lines draw them.

    tools/layers.py            check: exit 1 and name every include that points up a layer,
                               or into another layer's private headers
    tools/layers.py --dot      the picture (Graphviz DOT) of layer -> layer includes, with counts

The layers, bottom up (docs/architecture.md): core, grammar, compiler, runtime, cli. A layer
LAYER keeps its public headers in LAYER/include/ and its private ones beside its sources.
A source may include its own layer's headers (public or private) and the public headers of
the layers below it; nothing else.
"""
import os
import re
import sys

LAYERS = ["core", "grammar", "compiler", "runtime", "cli"]
RANK = {name: i for i, name in enumerate(LAYERS)}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    public, private = {}, {}          # header name -> layer
    sources = []
    for layer in LAYERS:
        base = os.path.join(root, layer)
        for dirpath, _, files in os.walk(base):
            for f in sorted(files):
                path = os.path.join(dirpath, f)
                if f.endswith(".h"):
                    (public if os.path.basename(dirpath) == "include" else private)[f] = layer
                if f.endswith((".c", ".h", ".l", ".y")):
                    sources.append((layer, path))
    edges, bad = {}, []
    for layer, path in sources:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        for name in INCLUDE.findall(text):
            rel = os.path.relpath(path, root)
            if "/" in name:
                bad.append("%s: includes \"%s\" by a path: name a layer's header by its name" % (rel, name))
                continue
            if name in ("parser.h", "lexer.h"):       # bison and flex output: the grammar's own
                to, pub = "grammar", False
            elif os.path.exists(os.path.join(os.path.dirname(path), name)):
                to, pub = layer, os.path.basename(os.path.dirname(path)) == "include" or name in public
            elif name in public:
                to, pub = public[name], True
            elif name in private:
                to, pub = private[name], False
            else:
                bad.append("%s: includes \"%s\", which no layer has" % (rel, name))
                continue
            if RANK[to] > RANK[layer]:
                bad.append("%s (%s): includes \"%s\" of %s, a layer above" % (rel, layer, name, to))
            elif to != layer and not pub:
                bad.append("%s (%s): includes \"%s\", private to %s" % (rel, layer, name, to))
            if to != layer:
                edges[(layer, to)] = edges.get((layer, to), 0) + 1
    if "--dot" in sys.argv[1:]:
        print("digraph layers {")
        print('  rankdir=TB; node [shape=box, style=rounded, fontname="Helvetica"];')
        print('  edge [fontname="Helvetica", fontsize=10];')
        for layer in reversed(LAYERS):
            print('  %s;' % layer)
        for (a, b), n in sorted(edges.items(), key=lambda e: (-RANK[e[0][0]], -RANK[e[0][1]])):
            up = RANK[b] > RANK[a]
            print('  %s -> %s [label="%d"%s];' % (a, b, n, ', color=red' if up else ''))
        print("}")
    for line in bad:
        print("layers: " + line, file=sys.stderr)
    if not bad and "--dot" not in sys.argv[1:]:
        print("layers: %d sources, %d layer-to-layer include kinds, none upward or private"
              % (len(sources), len(edges)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
