"""gen_inputs.py DIR: write the hostile inputs of run-hostile.sh into DIR (Issue 4, item 2).

Each is a file (or a directory, a FIFO, a symlink loop) named after what it is; the shell
script decides which commands read it. Deterministic: the same bytes on every run."""
import os
import random
import sys

d = sys.argv[1]
rng = random.Random(4)


def path(name):
    return os.path.join(d, name)


def write(name, data):
    with open(path(name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


MB = 1024 * 1024

write("empty.hplan", b"")
os.mkdir(path("dir.hplan"))
write("unreadable.hplan", "plan p { }\n")
os.chmod(path("unreadable.hplan"), 0)
os.symlink("loop-b.hplan", path("loop-a.hplan"))
os.symlink("loop-a.hplan", path("loop-b.hplan"))
os.mkfifo(path("fifo.hplan"))
write("junk.bin", bytes(rng.getrandbits(8) for _ in range(MB)))
write("nul.hplan", b'plan p {\x00 title "a\x00b"\n' + b"\x00" * 10000 + b"\n}\n")
write("nul-only.hplan", b"\x00" * 100000)
write("utf8.hplan", b'plan p "\xff\xfe caf\xc3" {\n  title "\xed\xa0\x80 \xc0\xaf \xf8\x88\x80\x80\x80"\n}\n\xc3')
write("utf8-overlong.hplan", b"plan \xc1\xbf { }\n")
# a 70 MB line: over the 64 MiB input limit
with open(path("line70.hplan"), "wb") as f:
    f.write(b'plan p { title "')
    f.write(b"a" * (70 * MB))
    f.write(b'" }\n')
# 60 MB lines under the limit: an identifier, a string, a comment
with open(path("ident60.hplan"), "wb") as f:
    f.write(b"plan ")
    f.write(b"x" * (60 * MB))
    f.write(b" { }\n")
with open(path("string60.hplan"), "wb") as f:
    f.write(b'plan p { title "')
    f.write(b"\xc3\xa9" * (30 * MB))
    f.write(b'" }\n')
with open(path("comment60.hplan"), "wb") as f:
    f.write(b"# ")
    f.write(b"x" * (60 * MB))
    f.write(b"\nplan p { }\n")
# 20,000 nested blocks, parentheses, `not`s
N = 20000
write("nest-if.hplan", "plan p { param x : bool\n procedure standalone {\n" + "if x {\n" * N + "}\n" * N + "} }\n")
write("nest-paren.hplan", "plan p { param x : bool\n require " + "(" * N + "x" + ")" * N + "\n}\n")
write("nest-not.hplan", "plan p { param x : bool\n require " + "not " * N + "x\n}\n")
write("nest-brace.hplan", "{" * N + "}" * N + "\n")
write("nest-foreach.hplan", "plan p { procedure cluster { roles { a = all nodes }\n" +
      "for each n in a {\n" * N + "}\n" * N + "} }\n")
# 100,000 errors: syntax (capped), and semantic ones, on 100,000 lines and on one line
E = 100000
write("errors-syntax.hplan", "plan p {\n" + "} } ] ; @ \"\n" * E + "}\n")
with open(path("errors-names.hplan"), "w") as f:
    f.write("plan p {\n  procedure standalone {\n")
    for i in range(E):
        f.write('    step s%d { start service "X" on nope%d }\n' % (i, i))
    f.write("  }\n}\n")
with open(path("errors-oneline.hplan"), "w") as f:
    f.write("plan p { procedure standalone { ")
    for i in range(E):
        f.write('step s%d { start service "X" on nope%d } ' % (i, i))
    f.write("} }\n")
with open(path("errors-dup.hplan"), "w") as f:
    f.write("plan p {\n")
    for i in range(E):
        f.write("  param a : int\n")
    f.write("  procedure standalone { step s { wait 1s } }\n}\n")
# imports: itself, a cycle of two, a directory, a device, a FIFO, a chain too deep
write("import-self.hplan", 'import "import-self.hplan"\nplan p { }\n')
write("import-a.hplan", 'import "import-b.hplan"\nplan a { }\n')
write("import-b.hplan", 'import "import-a.hplan"\nplan b { }\n')
write("import-dir.hplan", 'import "dir.hplan"\nplan p { }\n')
write("import-zero.hplan", 'import "/dev/zero"\nplan p { }\n')
write("import-fifo.hplan", 'import "fifo.hplan"\nplan p { }\n')
write("import-junk.hplan", 'import "junk.bin"\nplan p { }\n')
for i in range(40):
    write("chain%d.hplan" % i, ('import "chain%d.hplan"\n' % (i + 1) if i < 39 else "") + "plan c%d { }\n" % i)
# inventories: a thousand nodes, a thousand targets
write("inv-1000-cluster.hplan", "target big cluster {\n" + "".join('    node "n%d"\n' % i for i in range(1000)) + "}\n")
write("inv-1000-standalone.hplan", "target big standalone {\n" +
      "".join('    node "n%d"\n' % i for i in range(1000)) + "}\n")
write("inv-1000-local.hplan", "target big cluster {\n" +
      "".join('    node "n%d" address "local:"\n' % i for i in range(1000)) + "}\n")
write("inv-1000-targets.hplan", "".join('target t%d standalone {\n    node "n%d"\n}\n' % (i, i) for i in range(1000)))
write("inv-65-cluster.hplan", "target big cluster {\n" + "".join('    node "n%d"\n' % i for i in range(65)) + "}\n")
