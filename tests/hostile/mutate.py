#!/usr/bin/env python3
"""mutate.py: mutation testing of hotplan's front end and runner (docs/hardening.md).

Takes every .hplan under plans/ and tests/ as a seed and makes N mutants of them: byte flips,
inserts and deletes, truncation, invalid UTF-8, NUL and control bytes, line ends; token
deletes, duplicates, swaps, inserts and replacements (a keyword of grammar/include/keywords.h, a name,
a number, duration, version or string literal, edge values included); line deletes,
duplicates, swaps, shuffles and splices from another seed; blocks and statements deleted,
duplicated, moved or taken from another seed; brackets dropped and added; huge numbers;
deep nesting (parentheses, `not`, `if`, `for each` loops over all the nodes); long strings,
names, comments and lines; imports (of other seeds, itself, missing files). A third of the
mutants get one mutation that usually leaves a plan that checks, the others one to four of
any kind.

Each mutant goes through `hotplan check`. Every EVERY-th mutant, and every one that checks
clean, also goes through `check --format json` (standard output must be JSON), `fmt
--check`, `compile -o /dev/null`, `graph`, `run --dry-run` and a real `run` on the built-in
simulated target (in-process: nothing outside the process is touched; a fresh
HOTPLAN_STATE_DIR each time; a --set for each param it declares; one in four with `--kind
cluster`, `--yes` or `--fail-at STEP`), and `fmt`: a formatted plan must be formatted
(`fmt --check`) and check as the original did. Each command must end by itself within LIMIT
seconds of wall time with an allowed exit status (check, fmt, compile, graph: 0, 1 or 2;
run: 0 to 5), never a signal, never a sanitizer report or an internal error, with a message
when it fails, and (without ASan) within 2 GiB of address space. A failing mutant is saved
in OUT and printed (gzip + base64) with the command that replays it.

Mutant I of seed S depends only on S, I and the list of seed files: `--seed S --only I`
makes it again. Environment: HOTPLAN (the binary), HOTPLAN_SOURCE_DIR (the tree),
HOTPLAN_MUTATE_N (default 3000), HOTPLAN_MUTATE_SEED (default: a fresh one, printed),
HOTPLAN_MUTATE_ONLY (I[,J...]), HOTPLAN_MUTATE_JOBS (2), HOTPLAN_MUTATE_EVERY (10),
HOTPLAN_MUTATE_LIMIT (10 s; 30 s when the binary has ASan/UBSan), HOTPLAN_MUTATE_OUT (where
failing mutants go; default a temporary directory that is kept only when something failed).

  mutate.py [-n N] [--seed S] [--only I[,J...]] [--jobs J] [--every K] [--limit SEC]
            [--out DIR] [--replay FILE...] [--write DIR]

--replay FILE... runs every command on saved mutants; --write DIR writes the mutants to DIR
instead of running them.
"""

import argparse
import base64
import concurrent.futures
import gzip
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

AFFECTED = "affected=First Storage Group/Mailbox Store (SIM)"
SIM_STORES = [
    "First Storage Group/Mailbox Store (SIM)",
    "First Storage Group/Public Folder Store (SIM)",
    "Second Storage Group/Mailbox Store (SIM)",
]

# ---- the language's pieces -----------------------------------------------------------------

TOKEN_RE = re.compile(
    rb"""(?P<ws>[ \t\r\n]+)
       |(?P<comment>\#[^\n]*)
       |(?P<string>"(?:[^"\\\n]|\\.)*"?)
       |(?P<number>[0-9][0-9A-Za-z_.]*)
       |(?P<ident>[A-Za-z_][A-Za-z0-9_]*)
       |(?P<punct>==|!=|<=|>=|[{}()\[\],.:=<>])
       |(?P<other>.)""",
    re.X | re.S,
)

PUNCT = [b"{", b"}", b"(", b")", b"[", b"]", b",", b".", b":", b"=", b"==", b"!=", b"<", b"<=", b">", b">="]
NUMBERS = [
    b"0", b"1", b"2", b"3", b"7", b"16", b"17", b"63", b"64", b"65", b"100", b"255", b"256", b"1000",
    b"65535", b"65536", b"2147483647", b"2147483648", b"4294967295", b"4294967296",
    b"9223372036854775807", b"9223372036854775808", b"18446744073709551615", b"18446744073709551616",
    b"99999999999999999999999999999999", b"00", b"007", b"0x10", b"1e9", b"1_000", b"1.", b"1..2",
]
DURATIONS = [
    b"0s", b"1s", b"90s", b"15m", b"2h", b"0h", b"59m", b"24h", b"1000000h",
    b"9223372036854775807s", b"9223372036854775808s", b"153722867280912930m", b"153722867280912931m",
    b"2562047788015215h", b"2562047788015216h", b"99999999999999999999h", b"15ms", b"1d", b"5x", b"1h30m",
]
VERSIONS = [
    b"1.2.3", b"6.5.7232.54", b"6.5.7226.0", b"0.0.0", b"0.0.0.0", b"4294967295.4294967295.4294967295.4294967295",
    b"4294967296.0.0", b"1.2", b"1.2.3.4.5", b"1..2.3", b"1.2.3.", b".1.2.3", b"01.02.03", b"1.2.3a",
    b"99999999999999999999.1.1", b"1.2.3.4.5.6.7.8.9.10",
]
STRINGS = [
    b'""', b'"x"', b'" "', b'"a b"', b'"\\n"', b'"\\t"', b'"\\\\"', b'"\\""', b'"\\q"', b'"\\', b'"unterminated',
    b'"${x}"', b'"${"', b'"${}"', b'"$"', b'"${command}"', b'"${sandbox}"', b'"%s%n%s"', b'"%999999999d"',
    b'"First Storage Group/Mailbox Store (SIM)"', b'"MSExchangeIS"', b'"store.exe"', b'"Exchange"',
    b'"Cluster Group"', b'"Ese.dll"', b'"ClusSvc"', b'"\xc3\xa9\xe2\x82\xac\xf0\x9f\x92\xa9"', b'"\xe2\x80\xae"',
    b'"a/b/c"', b'"../../etc/passwd"', b'"/dev/zero"', b'"-rf"', b'"\'; rm -rf /tmp/x; \'"', b'"2h"', b'"1.2.3"',
]
WEIRD = [
    b"\x00", b"\x00\x00", b"\xff", b"\xfe", b"\x80", b"\xc0\x80", b"\xc1\xbf", b"\xe0\x80\x80", b"\xed\xa0\x80",
    b"\xed\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80", b"\xe2\x82", b"\xf0\x9f\x92", b"\xc3",
    b"\xef\xbb\xbf", b"\r", b"\r\n", b"\n\r", b"\t", b"\x0b", b"\x0c", b"\x1b[31m", b"\x7f", b"\xc2\x9b",
    b"\xe2\x80\xa8", b"\xe2\x80\xae", b"\xef\xbf\xbd", b"\xef\xbf\xbf", b"\xf4\x8f\xbf\xbf", b"\xcc\x81",
    b"\xef\xbc\xa1", b"\\", b"$", b"${", b"`", b"'", b";", b"@", b"%", b"%n", b"-", b"+", b"*", b"/", b"!", b"?",
    b"&", b"|", b"^", b"~",
]
FRAGMENTS = [
    b"step s \"t\" { }", b"step x \"y\" on passive { verify passive owns no groups }", b"checkpoint c { }",
    b"if failback { }", b"for each node in all nodes serial { }", b"wait 5m", b"pause \"p\"",
    b"exec \"true\"", b"exec \"echo ${affected}\" on active", b"verify not true", b"verify count(affected) > 0",
    b"require true else \"r\"", b"param p : int = 1 \"d\"", b"param q : stores", b"param s : string secret",
    b"param v : version = 1.2.3", b"param d : duration = 5m", b"model { }", b"hotfix h { }",
    b"procedure standalone { }", b"procedure cluster { roles { a = any node } }", b"roles { }",
    b"import \"x.hplan\"", b"target t standalone { node \"n\" }", b"profile \"p\" { }",
    b"service \"S\" process \"p.exe\" holds stores", b"resource \"R\" service \"S\" group \"G\"",
    b"group \"G\"", b"recover affected", b"file \"F\" version 1.2.3 size 10", b"package \"p\"",
    b"restarts \"S\"", b"move group \"Exchange\" to passive", b"restart node", b"install hotfix ese",
    b"dismount stores not in affected", b"mount stores in affected", b"kill process \"store.exe\"",
    b"stop service \"MSExchangeIS\"", b"start service \"ClusSvc\" on active",
    b"disable restart of resource \"Exchange Information Store Instance\"",
    b"wait until service \"MSExchangeIS\" running timeout 15m", b"wait until passive member timeout 30m",
    b"wait until stores in affected mounted timeout 2h", b"verify file \"Ese.dll\" version == 6.5.7232.54",
    b"fact exchange.version = 6.5.7226.0", b"set affected = \"x\"", b"node \"n\" address \"sim:\"",
    b"store \"st\"", b"kb \"KB1\"", b"title \"t\"", b"ensure", b"else", b"and", b"or", b"not",
]


def keywords(src):
    """The language's keywords, from their table."""
    kws = []
    with open(os.path.join(src, "grammar", "include", "keywords.h"), "rb") as f:
        for line in f:
            m = re.match(rb'^\s*X\([A-Z0-9_]+,\s*"([a-z0-9]+)"', line)
            if m:
                kws.append(m.group(1))
    if len(kws) < 50:
        sys.exit("mutate: found only %d keywords in grammar/include/keywords.h" % len(kws))
    return kws


def find_seeds(src):
    seeds = []
    for top in ("plans", "tests"):
        for root, dirs, files in os.walk(os.path.join(src, top)):
            dirs.sort()
            for name in sorted(files):
                if name.endswith(".hplan"):
                    seeds.append(os.path.join(root, name))
    seeds.sort()
    return seeds


def tokens(data):
    """(kind, start, end) for every token of data, white space and comments included."""
    out = []
    for m in TOKEN_RE.finditer(data):
        out.append((m.lastgroup, m.start(), m.end()))
    return out


# ---- the mutators ----------------------------------------------------------------------------
# Each takes (rng, data, ctx) and returns the new bytes.


class Ctx:
    def __init__(self, seeds, datas, kws, idents, strings):
        self.seeds = seeds
        self.datas = datas
        self.kws = kws
        self.idents = idents
        self.strings = strings


def rand_ident(rng, ctx):
    r = rng.random()
    if r < 0.45 and ctx.idents:
        return rng.choice(ctx.idents)
    if r < 0.6:
        return rng.choice(ctx.kws)
    n = rng.choice([1, 1, 2, 3, 5, 8, 16, 64, 300])
    first = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
    rest = first + "0123456789"
    return (rng.choice(first) + "".join(rng.choice(rest) for _ in range(n - 1))).encode()


def rand_literal(rng, ctx):
    kind = rng.randrange(7)
    if kind == 0:
        return rng.choice(NUMBERS) if rng.random() < 0.7 else str(rng.randrange(-5, 1 << rng.choice([4, 16, 32, 63, 64, 70]))).encode()
    if kind == 1:
        return rng.choice(DURATIONS) if rng.random() < 0.7 else b"%d%s" % (rng.randrange(1 << rng.choice([3, 20, 40, 62, 66])), rng.choice([b"s", b"m", b"h"]))
    if kind == 2:
        if rng.random() < 0.7:
            return rng.choice(VERSIONS)
        return b".".join(str(rng.randrange(1 << rng.choice([2, 8, 32, 33]))).encode() for _ in range(rng.choice([2, 3, 3, 4, 4, 5])))
    if kind == 3:
        return rng.choice(ctx.strings) if ctx.strings and rng.random() < 0.5 else rng.choice(STRINGS)
    if kind == 4:
        return rng.choice([b"true", b"false"])
    if kind == 5:
        return rand_ident(rng, ctx)
    return rng.choice(PUNCT)


def rand_token(rng, ctx):
    r = rng.random()
    if r < 0.4:
        return rng.choice(ctx.kws)
    if r < 0.55:
        return rand_ident(rng, ctx)
    if r < 0.9:
        return rand_literal(rng, ctx)
    return rng.choice(PUNCT)


def pos(rng, data):
    return rng.randrange(len(data) + 1)


def m_byte_flip(rng, data, ctx):
    if not data:
        return bytes([rng.randrange(256)])
    b = bytearray(data)
    for _ in range(rng.choice([1, 1, 1, 2, 4, 16])):
        i = rng.randrange(len(b))
        if rng.random() < 0.5:
            b[i] ^= 1 << rng.randrange(8)
        else:
            b[i] = rng.randrange(256)
    return bytes(b)


def m_byte_insert(rng, data, ctx):
    i = pos(rng, data)
    r = rng.random()
    if r < 0.4:
        ins = bytes(rng.randrange(256) for _ in range(rng.choice([1, 1, 2, 3, 8])))
    elif r < 0.7:
        ins = bytes(rng.randrange(32, 127) for _ in range(rng.choice([1, 1, 2, 5])))
    else:
        ins = rng.choice(WEIRD)
    return data[:i] + ins + data[i:]


def m_byte_delete(rng, data, ctx):
    if not data:
        return data
    i = rng.randrange(len(data))
    n = rng.choice([1, 1, 1, 2, 3, 8, 64, 512])
    return data[:i] + data[i + n:]


def m_truncate(rng, data, ctx):
    return data[:pos(rng, data)]


def m_weird(rng, data, ctx):
    """Invalid UTF-8, NUL, control bytes, BOMs, CRs: at random places (in strings and comments too)."""
    for _ in range(rng.choice([1, 1, 2, 3, 10])):
        i = pos(rng, data)
        data = data[:i] + rng.choice(WEIRD) * rng.choice([1, 1, 1, 2, 50]) + data[i:]
    return data


def m_line_endings(rng, data, ctx):
    r = rng.randrange(5)
    if r == 0:
        return data.replace(b"\n", b"\r\n")
    if r == 1:
        return data.replace(b"\n", b"\r")
    if r == 2:
        return data.rstrip(b"\n")
    if r == 3:
        return data.replace(b"    ", b"\t")
    return b"\xef\xbb\xbf" + data


def tok_list(data):
    return [t for t in tokens(data) if t[0] not in ("ws",)]


def m_tok_delete(rng, data, ctx):
    ts = tok_list(data)
    if not ts:
        return data
    k, s, e = rng.choice(ts)
    if rng.random() < 0.2:  # a run of tokens
        j = ts.index((k, s, e))
        e = ts[min(len(ts) - 1, j + rng.randrange(1, 6))][2]
    return data[:s] + data[e:]


def m_tok_dup(rng, data, ctx):
    ts = tok_list(data)
    if not ts:
        return data
    k, s, e = rng.choice(ts)
    n = rng.choice([1, 1, 1, 2, 10, 100])
    return data[:e] + (b" " + data[s:e]) * n + data[e:]


def m_tok_swap(rng, data, ctx):
    ts = tok_list(data)
    if len(ts) < 2:
        return data
    j = rng.randrange(len(ts) - 1)
    (_, s1, e1), (_, s2, e2) = ts[j], ts[j + 1]
    return data[:s1] + data[s2:e2] + data[e1:s2] + data[s1:e1] + data[e2:]


def m_tok_replace(rng, data, ctx):
    ts = tok_list(data)
    if not ts:
        return data
    k, s, e = rng.choice(ts)
    r = rng.random()
    if k == "number" and r < 0.6:
        new = rand_literal(rng, ctx) if r < 0.1 else rng.choice([rng.choice(NUMBERS), rng.choice(DURATIONS), rng.choice(VERSIONS)])
    elif k == "string" and r < 0.5:
        new = rng.choice(ctx.strings + STRINGS)
    elif k == "ident" and r < 0.5:
        new = rand_ident(rng, ctx)
    else:
        new = rand_token(rng, ctx)
    return data[:s] + new + data[e:]


def m_tok_insert(rng, data, ctx):
    ts = tokens(data)
    if not ts:
        return rand_token(rng, ctx)
    _, s, _ = rng.choice(ts)
    ins = rand_token(rng, ctx) if rng.random() < 0.7 else rng.choice(FRAGMENTS)
    return data[:s] + ins + b" " + data[s:]


def lines_of(data):
    return data.split(b"\n")


def m_line_delete(rng, data, ctx):
    ls = lines_of(data)
    i = rng.randrange(len(ls))
    n = rng.choice([1, 1, 1, 2, 5])
    del ls[i:i + n]
    return b"\n".join(ls)


def m_line_dup(rng, data, ctx):
    ls = lines_of(data)
    i = rng.randrange(len(ls))
    n = rng.choice([1, 1, 1, 2, 3])
    k = rng.choice([1, 1, 2, 5, 50, 500])
    ls[i + n:i + n] = ls[i:i + n] * k
    return b"\n".join(ls)


def m_line_swap(rng, data, ctx):
    ls = lines_of(data)
    if len(ls) < 2:
        return data
    i = rng.randrange(len(ls))
    j = rng.randrange(len(ls)) if rng.random() < 0.5 else min(len(ls) - 1, i + 1)
    ls[i], ls[j] = ls[j], ls[i]
    return b"\n".join(ls)


def m_line_shuffle(rng, data, ctx):
    ls = lines_of(data)
    if len(ls) < 2:
        return data
    i = rng.randrange(len(ls))
    j = min(len(ls), i + rng.choice([2, 3, 5, 10, len(ls)]))
    part = ls[i:j]
    rng.shuffle(part)
    ls[i:j] = part
    return b"\n".join(ls)


def m_line_splice(rng, data, ctx):
    other = lines_of(rng.choice(ctx.datas))
    i = rng.randrange(len(other))
    part = other[i:i + rng.choice([1, 1, 2, 4, 10, 40])]
    ls = lines_of(data)
    j = rng.randrange(len(ls) + 1)
    if rng.random() < 0.3 and ls:  # replace rather than insert
        ls[j:j + len(part)] = part
    else:
        ls[j:j] = part
    return b"\n".join(ls)


def blocks(data):
    """(open, close) offsets of every balanced {...} block."""
    out, stack = [], []
    for k, s, e in tokens(data):
        if k != "punct":
            continue
        if data[s:e] == b"{":
            stack.append(s)
        elif data[s:e] == b"}" and stack:
            out.append((stack.pop(), s))
    return out


def m_block_splice(rng, data, ctx):
    """Replace a {...} block by one of another seed (or of this one), or duplicate one."""
    mine = blocks(data)
    if not mine:
        return data
    a, b = rng.choice(mine)
    if rng.random() < 0.3:
        n = rng.choice([1, 2, 10, 200])
        # the line the block starts on through its end, repeated
        ls = data.rfind(b"\n", 0, a) + 1
        return data[:b + 1] + (b"\n" + data[ls:b + 1]) * n + data[b + 1:]
    src = rng.choice(ctx.datas)
    theirs = blocks(src)
    if not theirs:
        return data
    c, d = rng.choice(theirs)
    return data[:a] + src[c:d + 1] + data[b + 1:]


def m_brackets(rng, data, ctx):
    ts = [t for t in tokens(data) if t[0] == "punct" and data[t[1]:t[2]] in (b"{", b"}", b"(", b")", b"[", b"]")]
    for _ in range(rng.choice([1, 1, 1, 2, 3, 10])):
        r = rng.random()
        if r < 0.5 and ts:
            k, s, e = rng.choice(ts)
            data = data[:s] + b" " * (e - s) + data[e:]  # keep the other offsets
        else:
            i = pos(rng, data)
            data = data[:i] + rng.choice([b"{", b"}", b"(", b")", b"[", b"]"]) * rng.choice([1, 1, 2, 5]) + data[i:]
    return data


def m_huge_number(rng, data, ctx):
    ts = [t for t in tokens(data) if t[0] == "number"]
    if not ts:
        return m_tok_insert(rng, data, ctx)
    for _ in range(rng.choice([1, 1, 3])):
        k, s, e = rng.choice(ts)
        old = data[s:e]
        if b"." in old:
            new = rng.choice(VERSIONS[4:] + [b"4294967295.4294967295.4294967295", b"%d.%d.%d" % (1 << 32, 1 << 40, 1 << 64)])
        elif old[-1:] in (b"s", b"m", b"h"):
            new = rng.choice(DURATIONS[8:] + [b"9" * rng.choice([19, 20, 40, 400]) + old[-1:]])
        else:
            new = rng.choice(NUMBERS[12:] + [b"9" * rng.choice([19, 20, 40, 400, 5000])])
        data = data[:s] + new.ljust(e - s) + data[e:] if len(new) <= e - s else data[:s] + new + data[e:]
        ts = [t for t in tokens(data) if t[0] == "number"]
    return data


def cond_spans(data):
    """(start, end) of the conditions after require / verify / wait until / if."""
    out = []
    for m in re.finditer(rb"\b(require|verify|until|if)[ \t]+", data):
        s = m.end()
        eol = data.find(b"\n", s)
        eol = len(data) if eol < 0 else eol
        line = data[s:eol]
        cut = len(line)
        for stop in (b" else ", b" timeout ", b" {", b" on ", b"\""):
            k = line.find(stop)
            if 0 < k < cut:
                cut = k
        if cut > 0:
            out.append((s, s + cut))
    return out


def m_deep(rng, data, ctx):
    """Deep nesting: parentheses or `not`s around a condition, if-blocks around a step, raw runs."""
    d = rng.choice([2, 8, 31, 32, 33, 62, 63, 64, 65, 66, 100, 127, 128, 129, 255, 256, 1000, 5000])
    r = rng.randrange(5)
    if r == 0:
        cs = cond_spans(data)
        if cs:
            s, e = rng.choice(cs)
            return data[:s] + b"(" * d + data[s:e] + b")" * d + data[e:]
    if r == 1:
        cs = cond_spans(data)
        if cs:
            s, e = rng.choice(cs)
            return data[:s] + b"not " * d + data[s:e] + data[e:]
    if r == 2:
        steps = [m.start() for m in re.finditer(rb"(?m)^[ \t]*(step|if|for each|checkpoint)\b", data)]
        bl = {a: b for a, b in blocks(data)}
        cands = []
        for s in steps:
            o = data.find(b"{", s)
            if o in bl:
                cands.append((s, bl[o] + 1))
        if cands:
            s, e = rng.choice(cands)
            head = rng.choice([b"if failback { ", b"if true { ", b"if not failback { ", b"if passive member { "])
            return data[:s] + head * d + data[s:e] + b" }" * d + data[e:]
    if r == 3:
        cs = cond_spans(data)
        if cs:
            s, e = rng.choice(cs)
            op = rng.choice([b" and ", b" or "])
            return data[:s] + op.join([data[s:e]] * min(d, 2000)) + data[e:]
    i = pos(rng, data)
    return data[:i] + rng.choice([b"{", b"(", b"[", b"if x {", b"not ", b"{ step a \"b\" {"]) * d + data[i:]


def m_loops(rng, data, ctx):
    """`for each` loops one inside another around statements of the cluster procedure, over a
    role of all the nodes (added when the procedure has none): each level multiplies the
    iterations by the number of nodes."""
    pc = data.find(b"procedure cluster")
    if pc < 0:
        return m_deep(rng, data, ctx)
    every = re.findall(rb"(?m)^[ \t]*([A-Za-z_]\w*)[ \t]*=[ \t]*all nodes", data[pc:])
    if not every or rng.random() < 0.2:
        k = data.find(b"roles {", pc)
        if k >= 0:
            k += len(b"roles {")
            add = b"\n            all_of_them = all nodes"
        else:
            k = data.find(b"{", pc)
            if k < 0:
                return data
            k += 1
            add = b"\n        roles {\n            all_of_them = all nodes\n        }"
        data = data[:k] + add + data[k:]
        every = [b"all_of_them"]
    sb = [(a, b) for a, b in stmt_blocks(data) if a > pc and data[a:b].lstrip()[:5] in (b"step ", b"check", b"if ", b"for e")]
    if not sb:
        return data
    i = rng.randrange(len(sb))
    j = min(len(sb) - 1, i + rng.choice([0, 0, 1, 3, 10]))
    s, e = sb[i][0], max(sb[i][1], sb[j][1]) if sb[j][0] >= sb[i][1] else sb[i][1]
    d = rng.choice([1, 2, 3, 4, 5, 5, 6, 8, 10, 12, 16, 20])
    role = rng.choice(every)
    serial = rng.choice([b"", b"", b"", b" serial 2", b" serial 3", b" serial 64"])
    head = b"".join(b"for each v%d in %s%s { " % (k, role, serial) for k in range(d))
    return data[:s] + head + data[s:e] + b" }" * d + data[e:]


def m_long(rng, data, ctx):
    """A long string, identifier, comment, number or line."""
    n = rng.choice([1000, 1023, 1024, 1025, 4095, 4096, 4097, 8192, 65535, 65536, 100000, 1 << 20])
    ts = tok_list(data)
    r = rng.randrange(5)
    if r == 0:
        ts = [t for t in ts if t[0] == "string"] or ts
        new = b'"' + (rng.choice([b"x", b"\\n", b"\xc3\xa9", b"${x}", b" "]) * n)[:n] + b'"'
    elif r == 1:
        ts = [t for t in ts if t[0] == "ident"] or ts
        new = b"a" * n
    elif r == 2:
        new = b"#" + b"c" * n + b"\n"
    elif r == 3:
        new = b"1" * n
    else:
        new = b" ".join([rand_token(rng, ctx) for _ in range(n // 8)])
    if not ts:
        return new
    k, s, e = rng.choice(ts)
    if r == 2:
        return data[:s] + new + data[s:]
    return data[:s] + new + data[e:]


def m_import(rng, data, ctx):
    """An import: of a copy of a seed (they lie in seeds/ next to the mutant), itself, a missing file."""
    r = rng.random()
    if r < 0.6:
        name = b"seeds/" + os.path.basename(rng.choice(ctx.seeds)).encode()
    elif r < 0.7:
        name = b"SELF"
    else:
        name = rng.choice([b"missing.hplan", b"seeds", b"/dev/null", b"", b"seeds/../seeds/ese-hotfix.hplan", b"/"])
    line = b'import "' + name + b'"\n'
    if rng.random() < 0.7:
        return line + data
    ls = lines_of(data)
    i = rng.randrange(len(ls) + 1)
    ls[i:i] = [line]
    return b"\n".join(ls)


def m_same_kind(rng, data, ctx):
    """A token replaced by one of its kind (a name by a name, a string by a string, a duration
    by a duration): the plan usually still parses, and the checker and the runner go deeper."""
    ts = [t for t in tok_list(data) if t[0] in ("ident", "string", "number")]
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        if not ts:
            break
        k, s, e = rng.choice(ts)
        old = data[s:e]
        if k == "string":
            new = rng.choice(ctx.strings)
        elif k == "ident":
            new = rng.choice(ctx.kws) if old in ctx.kws else rng.choice(ctx.idents)
        elif b"." in old:
            new = rng.choice(VERSIONS[:6])
        elif old[-1:] in (b"s", b"m", b"h"):
            new = rng.choice(DURATIONS[:9])
        else:
            new = rng.choice(NUMBERS[:14])
        data = data[:s] + new + data[e:]
        ts = [t for t in tok_list(data) if t[0] in ("ident", "string", "number")]
    return data


ACTION_RE = re.compile(rb"(?m)^[ \t]*(stop|start|kill|dismount|mount|install|restart|move|disable|enable|wait|verify|pause|exec)\b[^\n]*$")
STMT_RE = re.compile(rb"(?m)^[ \t]*(step|checkpoint|if|for each|procedure|hotfix|model|roles|param|require)\b")


def stmt_blocks(data):
    """(start, end) of each statement that opens a block (step, checkpoint, if, ...) or is one line."""
    bl = {a: b for a, b in blocks(data)}
    out = []
    for m in STMT_RE.finditer(data):
        s = m.start()
        eol = data.find(b"\n", s)
        eol = len(data) if eol < 0 else eol
        o = data.find(b"{", s, eol)
        if o >= 0 and o in bl:
            out.append((s, bl[o] + 1))
        else:
            out.append((s, eol))
    return out


def m_stmt(rng, data, ctx):
    """Statement-level: delete, duplicate, move or swap a step / checkpoint / if / param / ...,
    or replace an action by an action of some seed."""
    r = rng.randrange(5)
    if r == 0:
        acts = list(ACTION_RE.finditer(data))
        others = [m.group(0).strip() for m in ACTION_RE.finditer(rng.choice(ctx.datas))]
        if acts and others:
            m = rng.choice(acts)
            indent = re.match(rb"[ \t]*", m.group(0)).group(0)
            return data[:m.start()] + indent + rng.choice(others) + data[m.end():]
    sb = stmt_blocks(data)
    if not sb:
        return data
    s, e = rng.choice(sb)
    if r == 1:
        return data[:s] + data[e:]
    if r == 2:
        return data[:e] + b"\n" + data[s:e] + data[e:]
    s2, e2 = rng.choice(sb)
    if r == 3 and (e2 <= s or s2 >= e):  # swap two that do not overlap
        (s, e), (s2, e2) = sorted([(s, e), (s2, e2)])
        return data[:s] + data[s2:e2] + data[e:s2] + data[s:e] + data[e2:]
    # move one before another
    piece = data[s:e]
    rest = data[:s] + data[e:]
    at = s2 if s2 < s else max(s, s2 - (e - s))
    at = min(at, len(rest))
    return rest[:at] + piece + b"\n" + rest[at:]


def m_crossover(rng, data, ctx):
    other = rng.choice(ctx.datas)
    i, j = pos(rng, data), pos(rng, other)
    return data[:i] + other[j:]


MUTATORS = [
    ("byte-flip", m_byte_flip, 4),
    ("byte-insert", m_byte_insert, 3),
    ("byte-delete", m_byte_delete, 3),
    ("truncate", m_truncate, 1),
    ("weird-bytes", m_weird, 3),
    ("line-endings", m_line_endings, 1),
    ("tok-delete", m_tok_delete, 6),
    ("tok-dup", m_tok_dup, 4),
    ("tok-swap", m_tok_swap, 5),
    ("tok-replace", m_tok_replace, 10),
    ("tok-insert", m_tok_insert, 6),
    ("line-delete", m_line_delete, 5),
    ("line-dup", m_line_dup, 4),
    ("line-swap", m_line_swap, 4),
    ("line-shuffle", m_line_shuffle, 2),
    ("line-splice", m_line_splice, 4),
    ("block-splice", m_block_splice, 5),
    ("brackets", m_brackets, 4),
    ("huge-number", m_huge_number, 3),
    ("deep", m_deep, 3),
    ("loops", m_loops, 2),
    ("long", m_long, 2),
    ("import", m_import, 2),
    ("crossover", m_crossover, 1),
    ("same-kind", m_same_kind, 12),
    ("stmt", m_stmt, 10),
]
MUT_WEIGHTS = [w for _, _, w in MUTATORS]
# Mutations that often leave a plan that still checks: a third of the mutants get one of them
# alone, so that the checker's model, the graph, the image and the runner see plans that pass.
GENTLE = [m for m in MUTATORS if m[0] in ("same-kind", "stmt", "line-delete", "line-dup", "line-swap",
                                           "huge-number", "tok-dup", "block-splice", "loops")]
GENTLE_WEIGHTS = [w for _, _, w in GENTLE]


def make_mutant(seed, i, ctx):
    """Mutant i of run seed: (bytes, the seed file it came from, the mutators applied)."""
    rng = random.Random("%s/%d" % (seed, i))
    si = rng.randrange(len(ctx.seeds))
    data = ctx.datas[si]
    applied = []
    gentle = rng.random() < 0.35
    for _ in range(1 if gentle else rng.choice([1, 1, 1, 1, 2, 2, 3, 4])):
        if gentle:
            name, fn, _ = rng.choices(GENTLE, weights=GENTLE_WEIGHTS)[0]
        else:
            name, fn, _ = rng.choices(MUTATORS, weights=MUT_WEIGHTS)[0]
        data = fn(rng, data, ctx)
        applied.append(name)
        if len(data) > 8 << 20:  # keep mutants under 8 MiB
            data = data[:8 << 20]
    return data, ctx.seeds[si], applied


# ---- running ---------------------------------------------------------------------------------

SAN_RE = re.compile(
    rb"==\d+==\s*ERROR: (AddressSanitizer|LeakSanitizer)|SUMMARY: (Address|Undefined|Leak|Memory|Thread)Sanitizer"
    rb"|\.[ch]:\d+:\d+: runtime error: |\.[ch]:\d+:\d+: runtime error:|WARNING: (AddressSanitizer|ThreadSanitizer)"
)


def has_sanitizer(path):
    try:
        with open(path, "rb") as f:
            blob = f.read()
    except OSError:
        return False
    return b"__asan_init" in blob or b"__ubsan_handle" in blob


def read_capped(path, cap=1 << 20):
    """The file's text, its first and last cap/2 bytes when longer (a report is at the end)."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            if size <= cap:
                return f.read()
            head = f.read(cap // 2)
            f.seek(size - cap // 2)
            return head + b"\n[...]\n" + f.read()
    except OSError:
        return b""


def param_sets(data):
    """--set NAME=VALUE for each param the mutant declares, so that more runs pass preflight."""
    sets = []
    seen = set()
    for m in re.finditer(rb"\bparam[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*:[ \t]*([a-z]+)", data[:200000]):
        name, typ = m.group(1).decode(), m.group(2)
        if name in seen or len(sets) >= 20:
            continue
        seen.add(name)
        val = {b"stores": SIM_STORES[0], b"bool": "true", b"int": "1", b"string": "x", b"duration": "1s",
               b"version": "1.2.3"}.get(typ)
        if val is not None:
            sets += ["--set", "%s=%s" % (name, val)]
    if "affected" not in seen:
        sets += ["--set", AFFECTED]
    return sets


class Runner:
    def __init__(self, a):
        self.a = a
        self.hotplan = a.hotplan
        self.lock = threading.Lock()
        self.failures = []
        self.ncmds = 0
        self.codes = {}
        self.slowest = []  # (seconds, label, mutant), the 5 slowest
        self.env = dict(os.environ)
        self.env["NO_COLOR"] = "1"
        self.env.pop("HOTPLAN_STATE_DIR", None)
        self.env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1")
        self.env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")

    def run_one(self, work, label, argv, allowed, extra_env=None, out_json=False, i=-1):
        """Run argv in work (bounded): (None when it passed, else why it did not; its exit status)."""
        out, err = os.path.join(work, "out"), os.path.join(work, "err")
        env = self.env if extra_env is None else dict(self.env, **extra_env)
        t0 = time.monotonic()
        with open(out, "wb") as fo, open(err, "wb") as fe:
            try:
                p = subprocess.Popen(argv, cwd=work, stdin=subprocess.DEVNULL, stdout=fo, stderr=fe, env=env,
                                     start_new_session=True)
            except OSError as ex:
                return "%s: cannot start %s: %s" % (label, argv[0], ex), None
            try:
                rc = p.wait(timeout=self.a.limit)
            except subprocess.TimeoutExpired:
                rc = None
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except OSError:
                    pass
                p.wait()
        dt = time.monotonic() - t0
        # a child left behind in the group (there should be none)
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except OSError:
            pass
        with self.lock:
            self.ncmds += 1
            key = (label, rc)
            self.codes[key] = self.codes.get(key, 0) + 1
            if len(self.slowest) < 5 or dt > self.slowest[-1][0]:
                self.slowest = sorted(self.slowest + [(dt, label, i)], reverse=True)[:5]
        if rc is None:
            return "%s: still running after %gs (killed)" % (label, self.a.limit), rc
        e = read_capped(err)
        m = SAN_RE.search(e)
        if m:
            i = max(0, m.start() - 200)
            return "%s: sanitizer report (exit %d):\n%s" % (label, rc, e[i:i + 3000].decode("utf-8", "replace")), rc
        if re.search(rb"internal error|Assertion .* failed", e):
            return "%s: exit %d with an internal error: %s" % (label, rc, e[:1500].decode("utf-8", "replace")), rc
        if rc < 0:
            return "%s: killed by signal %d: %s" % (label, -rc, e[-2000:].decode("utf-8", "replace")), rc
        if rc not in allowed:
            return "%s: exit %d, expected one of %s: %s" % (label, rc, sorted(allowed), e[:1500].decode("utf-8", "replace")), rc
        if rc != 0 and not e.strip() and not ((label.startswith(("fmt", "run")) or "--format" in label)
                                              and os.path.getsize(out) > 0):
            return "%s: exit %d without a message" % (label, rc), rc
        if out_json and rc in (0, 1):
            o = read_capped(out, 64 << 20)
            try:
                json.loads(o)
            except ValueError as ex:
                return "%s: exit %d, standard output is not JSON (%s): %r" % (label, rc, ex, o[:300]), rc
        return None, rc

    def commands(self, name, data, i):
        """(label, argv, allowed, state dir wanted, json) of the full set, after `check`."""
        H = self.hotplan
        cmds = [
            ("check --format json", [H, "check", "--format", "json", name], {0, 1, 2}, False, True),
            ("fmt --check", [H, "fmt", "--check", name], {0, 1, 2}, False, False),
            ("compile", [H, "compile", name, "-o", "/dev/null"], {0, 1, 2}, False, False),
            ("graph", [H, "graph", name], {0, 1, 2}, False, False),
        ]
        sets = param_sets(data)
        extra = []
        pick = random.Random(i)
        variant = pick.randrange(4)
        if variant == 1:
            extra = ["--kind", "cluster"]
        elif variant == 2:
            extra = ["--yes"]
        elif variant == 3:
            steps = re.findall(rb"\bstep[ \t]+([A-Za-z_][A-Za-z0-9_]*)", data[:200000])
            if steps:
                extra = ["--fail-at", pick.choice(steps).decode()]
        cmds += [
            ("run --dry-run", [H, "run", name, "--dry-run"] + sets + extra, {0, 1, 2, 3, 4, 5}, True, False),
            ("run", [H, "run", name] + sets + extra, {0, 1, 2, 3, 4, 5}, True, False),
        ]
        return cmds

    def test(self, name, data, full, i, work):
        """`check` on the mutant at work/name; the full set when full or when it checks clean.
        The list of failures."""
        fails = []
        why, rc = self.run_one(work, "check", [self.hotplan, "check", name], {0, 1, 2}, i=i)
        if why:
            fails.append(why)
        if not (full or rc == 0):
            return fails
        for label, argv, allowed, state, js in self.commands(name, data, i):
            extra_env = None
            sd = None
            if state:
                sd = tempfile.mkdtemp(prefix="state-", dir=work)
                extra_env = {"HOTPLAN_STATE_DIR": sd}
            why, _ = self.run_one(work, label, argv, allowed, extra_env, js, i)
            if sd:
                shutil.rmtree(sd, ignore_errors=True)
            if why:
                fails.append(why)
        fails += self.fmt_oracle(name, rc, work, i)
        return fails

    def fmt_oracle(self, name, check_rc, work, i):
        """`hotplan fmt` of a plan that parses is formatted (fmt --check says so) and checks as
        the original did (only white space changed)."""
        H = self.hotplan
        why, rc = self.run_one(work, "fmt", [H, "fmt", name], {0, 1, 2}, i=i)
        if why or rc != 0:
            return [why] if why else []
        formatted = os.path.join(work, "fmt-" + name)
        shutil.copyfile(os.path.join(work, "out"), formatted)
        fails = []
        why, rc = self.run_one(work, "fmt --check (formatted)", [H, "fmt", "--check", "fmt-" + name], {0}, i=i)
        if why:
            fails.append(why + " (fmt is not idempotent)")
        why, rc = self.run_one(work, "check (formatted)", [H, "check", "fmt-" + name], {0, 1, 2}, i=i)
        if why:
            fails.append(why)
        elif rc != check_rc:
            fails.append("check (formatted): exit %s, but %s before fmt" % (rc, check_rc))
        os.unlink(formatted)
        return fails


def save_failure(a, seed, i, data, origin, applied, fails):
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, "mutant-%s-%d.hplan" % (seed, i))
    with open(path, "wb") as f:
        f.write(data)
    with open(path + ".why", "w") as f:
        f.write("seed %s mutant %d of %s by %s\n\n%s\n" % (seed, i, origin, " + ".join(applied), "\n\n".join(fails)))
    return path


def report_failure(a, seed, i, data, origin, applied, fails, path):
    here = os.path.abspath(__file__)
    print("FAIL: mutant %d (seed %s) of %s by %s, %d bytes:" % (i, seed, os.path.relpath(origin, a.source),
                                                               " + ".join(applied), len(data)), file=sys.stderr)
    for why in fails:
        print("  " + why.replace("\n", "\n    "), file=sys.stderr)
    print("  saved: %s" % path, file=sys.stderr)
    print("  replay: HOTPLAN=%s HOTPLAN_SOURCE_DIR=%s python3 %s --seed %s --only %d"
          % (a.hotplan, a.source, here, seed, i), file=sys.stderr)
    print("      or: python3 %s --hotplan %s --replay %s" % (here, a.hotplan, path), file=sys.stderr)
    z = base64.b64encode(gzip.compress(data, 9, mtime=0)).decode()
    if len(z) <= 65536:
        print("  the mutant (base64 -d | gunzip > m.hplan):", file=sys.stderr)
        for k in range(0, len(z), 100):
            print("    " + z[k:k + 100], file=sys.stderr)
    else:
        print("  (the mutant is too large to print: %d bytes of gzip + base64)" % len(z), file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hotplan", default=os.environ.get("HOTPLAN"))
    ap.add_argument("--source", default=os.environ.get("HOTPLAN_SOURCE_DIR"))
    ap.add_argument("-n", type=int, default=int(os.environ.get("HOTPLAN_MUTATE_N", "3000")))
    ap.add_argument("--seed", default=os.environ.get("HOTPLAN_MUTATE_SEED"))
    ap.add_argument("--only", default=os.environ.get("HOTPLAN_MUTATE_ONLY"))
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("HOTPLAN_MUTATE_JOBS", "2")))
    ap.add_argument("--every", type=int, default=int(os.environ.get("HOTPLAN_MUTATE_EVERY", "10")))
    ap.add_argument("--limit", type=float, default=None)
    ap.add_argument("--out", default=os.environ.get("HOTPLAN_MUTATE_OUT"))
    ap.add_argument("--replay", nargs="+")
    ap.add_argument("--write")
    ap.add_argument("--max-failures", type=int, default=50)
    a = ap.parse_args()

    if not a.source:
        a.source = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    a.source = os.path.abspath(a.source)
    if not a.write:
        if not a.hotplan or not os.access(a.hotplan, os.X_OK):
            print("mutate: HOTPLAN must name the hotplan binary (or --hotplan)", file=sys.stderr)
            return 2
        a.hotplan = os.path.abspath(a.hotplan)
    asan = bool(a.hotplan) and has_sanitizer(a.hotplan)
    if a.limit is None:
        a.limit = float(os.environ.get("HOTPLAN_MUTATE_LIMIT", "30" if asan else "10"))
    if a.seed is None or a.seed == "":
        a.seed = str(int.from_bytes(os.urandom(4), "little"))
    keep_out = a.out is not None

    seeds = find_seeds(a.source)
    if not seeds:
        print("mutate: no seed plans under %s" % a.source, file=sys.stderr)
        return 2
    datas = []
    for s in seeds:
        with open(s, "rb") as f:
            datas.append(f.read())
    kws = keywords(a.source)
    idents = sorted({m for d in datas for m in re.findall(rb"\b[a-z_][a-z0-9_]{2,30}\b", d)} - set(kws))
    strings = sorted({m for d in datas for m in re.findall(rb'"(?:[^"\\\n]|\\.){0,60}"', d)})
    ctx = Ctx(seeds, datas, kws, idents, strings)

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if not asan:
        # as run-hostile.sh: 2 GiB of address space for each command (ASan reserves far more)
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        want = 2 << 30
        if hard == resource.RLIM_INFINITY or hard > want:
            resource.setrlimit(resource.RLIMIT_AS, (want, hard))

    if a.only:
        indices = [int(x) for x in a.only.split(",") if x.strip()]
    else:
        indices = list(range(a.n))

    if a.write:
        os.makedirs(a.write, exist_ok=True)
        for i in indices:
            data, origin, applied = make_mutant(a.seed, i, ctx)
            with open(os.path.join(a.write, "m%06d.hplan" % i), "wb") as f:
                f.write(data)
        print("mutate: wrote %d mutants (seed %s) to %s" % (len(indices), a.seed, a.write))
        return 0

    T = tempfile.mkdtemp(prefix="hp-mutate-")
    os.makedirs(os.path.join(T, "seeds"))
    for s in seeds:
        dst = os.path.join(T, "seeds", os.path.basename(s))
        if not os.path.exists(dst):
            shutil.copyfile(s, dst)
    if a.out is None:
        a.out = os.path.join(T, "failures")
    runner = Runner(a)
    print("mutate: seed %s, %d mutants of %d seed plans, %d jobs, 1 in %d (and every clean one) through every"
          " command, limit %gs%s" % (a.seed, len(indices), len(seeds), a.jobs, a.every, a.limit,
                                     " (sanitizer build)" if asan else ""), flush=True)

    failed = []
    stop = threading.Event()
    t0 = time.monotonic()
    counts = {}

    tested = [0]

    def one(k, i, data=None, origin="(file)", applied=("replay",)):
        if stop.is_set():
            return
        with runner.lock:
            tested[0] += 1
        if data is None:
            data, origin, applied = make_mutant(a.seed, i, ctx)
        with runner.lock:
            for n in applied:
                counts[n] = counts.get(n, 0) + 1
        work = os.path.join(T, "w%d" % k)
        os.makedirs(work, exist_ok=True)
        name = "m%d.hplan" % i
        data_on_disk = data.replace(b"SELF", name.encode()) if b"SELF" in data else data
        with open(os.path.join(work, name), "wb") as f:
            f.write(data_on_disk)
        if not os.path.exists(os.path.join(work, "seeds")):
            os.symlink(os.path.join(T, "seeds"), os.path.join(work, "seeds"))
        full = a.replay is not None or i % a.every == 0 or a.only is not None
        fails = runner.test(name, data_on_disk, full, i, work)
        os.unlink(os.path.join(work, name))
        if fails:
            with runner.lock:
                failed.append(i)
                path = save_failure(a, a.seed, i, data_on_disk, origin, applied, fails)
                report_failure(a, a.seed, i, data_on_disk, origin, applied, fails, path)
                if len(failed) >= a.max_failures:
                    stop.set()

    slots = list(range(a.jobs))
    slot_lock = threading.Lock()

    def task(i, data=None, origin="(file)", applied=("replay",)):
        with slot_lock:
            k = slots.pop()
        try:
            one(k, i, data, origin, applied)
        finally:
            with slot_lock:
                slots.append(k)

    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as ex:
        futs = []
        if a.replay:
            for j, path in enumerate(a.replay):
                with open(path, "rb") as f:
                    futs.append(ex.submit(task, j, f.read(), path))
        else:
            futs = [ex.submit(task, i) for i in indices]
        done = 0
        for f in concurrent.futures.as_completed(futs):
            f.result()
            done += 1
            if done % 5000 == 0:
                print("mutate: %d/%d mutants, %.0f s, %d failed" % (done, len(futs), time.monotonic() - t0, len(failed)),
                      flush=True)
    dt = time.monotonic() - t0
    n = tested[0]

    summary = {}
    for (label, rc), c in sorted(runner.codes.items(), key=lambda kv: (kv[0][0], -1 if kv[0][1] is None else kv[0][1])):
        summary.setdefault(label, []).append("%s:%d" % ("timeout" if rc is None else rc, c))
    print("mutate: %d mutants, %d commands in %.1f s (%.0f mutants/s, %.0f commands/s)"
          % (n, runner.ncmds, dt, n / dt if dt else 0, runner.ncmds / dt if dt else 0))
    print("  slowest: " + ", ".join("%.2f s (%s, mutant %d)" % x for x in runner.slowest))
    for label, v in summary.items():
        print("  exit codes of %-20s %s" % (label + ":", " ".join(v)))
    print("  mutators: " + " ".join("%s:%d" % kv for kv in sorted(counts.items())))
    if failed:
        print("mutate: %d of %d mutants failed (seed %s): %s; saved in %s"
              % (len(failed), n, a.seed, ",".join(map(str, sorted(failed)[:50])), a.out), file=sys.stderr)
        print("  replay them all: HOTPLAN=%s python3 %s --seed %s --only %s"
              % (a.hotplan, os.path.abspath(__file__), a.seed, ",".join(map(str, sorted(failed)[:50]))), file=sys.stderr)
        if not keep_out:
            # keep the failures, drop the rest
            for k in range(a.jobs):
                shutil.rmtree(os.path.join(T, "w%d" % k), ignore_errors=True)
        return 1
    shutil.rmtree(T, ignore_errors=True)
    print("PASS (seed %s)" % a.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
