"""helperdoc.py: what the Windows helpers (plans/helpers/) say they are, read from their headers
and code, and what the Windows profiles ask of them, read from the profiles. Shared by
contract.py and vbscript.py; nothing here runs a helper.

A verb is {"args": [placeholder...], "min": n, "max": n or -1, "examples": [example...]}, an
example {"argv": [verb, arg...], "out": [line...], "err": [line...], "exit": n}.
"""
import re
import shlex

SYNOPSIS_ARG = r"(?: (?:[A-Z]+(?:\.\.\.)?|\[[A-Z]+\.\.\.\]))*"


def _arity(args):
    lo = sum(1 for a in args if not a.startswith("["))
    hi = -1 if any(a.endswith("...") or a.endswith("...]") for a in args) else lo
    return lo, hi


def _add_example(verbs, cur):
    if cur is not None:
        verb = cur["argv"][0]
        if verb not in verbs:
            raise ValueError("an example runs '%s', which the header does not list" % verb)
        verbs[verb]["examples"].append(cur)


def parse_examples(lines, verbs):
    """The `$ …`, `> …`, `! …`, `exit N` lines of a header, attached to their verbs."""
    cur = None
    for line in lines:
        m = re.match(r"^\s+([$>!]) (.*)$|^\s+exit (\d+)$", line)
        if not m:
            continue
        if m.group(1) == "$":
            _add_example(verbs, cur)
            cur = {"argv": shlex.split(m.group(2)), "out": [], "err": [], "exit": None}
        elif cur is None:
            raise ValueError("output before any example: %r" % line)
        elif m.group(1) == ">":
            cur["out"].append(m.group(2))
        elif m.group(1) == "!":
            cur["err"].append(m.group(2))
        else:
            cur["exit"] = int(m.group(3))
            _add_example(verbs, cur)
            cur = None
    if cur is not None:
        raise ValueError("example %r has no exit line" % cur["argv"])


def vbs_header(text):
    """The verbs hotplan.vbs's header documents (the comment block before `Option Explicit`)."""
    head = []
    for line in text.splitlines():
        if not line.startswith("'"):
            break
        head.append(line[1:])
    verbs = {}
    start = next(i for i, l in enumerate(head) if l.lstrip().startswith("Verbs ("))
    body = head[start + 1:]
    for line in body:
        m = re.match(r"^   ([a-z][a-z-]*)(" + SYNOPSIS_ARG + r")\s*$", line)
        if m:
            args = m.group(2).split()
            lo, hi = _arity(args)
            verbs[m.group(1)] = {"args": args, "min": lo, "max": hi, "examples": []}
    parse_examples(body, verbs)
    return verbs


def vbs_dispatch(text):
    """verb -> (min, max) from the `Case "verb": Arity lo, hi` lines of hotplan.vbs's Main."""
    return {m.group(1): (int(m.group(2)), int(m.group(3)))
            for m in re.finditer(r'Case "([a-z-]+)":\s+Arity (\d+), (-?\d+)', text)}


def psm_header(text):
    """The verbs HotplanCluster.psm1's header documents, each with its function."""
    head = text[text.index("<#") + 2:text.index("#>")].splitlines()
    verbs = {}
    start = next(i for i, l in enumerate(head) if l.startswith("Verbs ("))
    body = head[start + 1:]
    for line in body:
        m = re.match(r"^  ([a-z][a-z-]*)(" + SYNOPSIS_ARG + r")\s+([A-Z][a-z]+-Hotplan[A-Za-z]+)\s*$", line)
        if m:
            args = m.group(2).split()
            lo, hi = _arity(args)
            verbs[m.group(1)] = {"args": args, "min": lo, "max": hi, "function": m.group(3), "examples": []}
    parse_examples(body, verbs)
    return verbs


def psm_table(text):
    """verb -> (function, min, max) from the module's $script:Verbs table."""
    return {m.group(1): (m.group(2), int(m.group(3)), int(m.group(4)))
            for m in re.finditer(r"'([a-z-]+)'\s*=\s*@\{ Function = '([A-Za-z-]+)';\s*Min = (\d+); Max = (-?\d+) \}",
                                 text)}


def psm_functions(text):
    """function -> (required parameters, takes the remaining arguments) for each `function F(…)`."""
    out = {}
    for m in re.finditer(r"^function ([A-Za-z-]+)(?:\(((?:[^()]|\([^()]*\))*)\))?\s*\{", text, re.M):
        params = m.group(2) or ""
        required = len(re.findall(r"\[Parameter\(Mandatory", params))
        out[m.group(1)] = (required, "ValueFromRemainingArguments" in params)
    return out


def hplan_profile(text):
    """key -> command (unescaped) of the one profile block of a .hplan file."""
    keys = {}
    for m in re.finditer(r'^    ([a-z][a-z_ ]*?)\s*=?\s*"((?:[^"\\]|\\.)*)"\s*$', text, re.M):
        keys[m.group(1)] = re.sub(r"\\(.)", r"\1", m.group(2))
    return keys


VBS_CALL = re.compile(r"cscript //nologo C:\\hotplan\\hotplan\.vbs((?:(?!&&|\|\||[|&<>]).)*)")
PS_CALL = re.compile(r"powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -File "
                     r"C:\\hotplan\\hotplan-cluster\.ps1((?:(?!&&|\|\||[|&<>]).)*)")


def vbs_calls(command, pattern=VBS_CALL):
    """Each `hotplan.vbs VERB ARG…` (pattern PS_CALL: `hotplan-cluster.ps1 VERB ARG…`) of a
    profile command: (verb, [token...])."""
    calls = []
    for m in pattern.finditer(command):
        words = m.group(1).split()
        calls.append((words[0] if words else "", words[1:]))
    return calls


def ps_calls(command):
    """Each `hotplan-cluster.ps1 VERB ARG…` of a profile command: (verb, [token...])."""
    return vbs_calls(command, PS_CALL)


def library(text):
    """A library's declared actions {name: [(param, type)...]} and states {name: {"scope":
    [type...], "values": [value...]}}, read from its `action` and `state` lines."""
    actions, states = {}, {}
    for m in re.finditer(r"^\s*action ([a-z_][a-z0-9_]*)\(([^)]*)\)", text, re.M):
        params = [p.split(":") for p in m.group(2).split(",") if p.strip()]
        actions[m.group(1)] = [(n.strip(), t.strip()) for n, t in params]
    for m in re.finditer(r"^\s*state ([a-z_][a-z0-9_]*) of ([a-z, ]+?)\s*:\s*([a-z_ |]+?)\s*(?:,|$)", text, re.M):
        states[m.group(1)] = {"scope": [s.strip() for s in m.group(2).split(",")],
                              "values": [v.strip() for v in m.group(3).split("|")]}
    return actions, states


def docs_table(markdown, heading):
    """The synopses (`verb ARG…`) in the first column of the table under `heading`."""
    if heading not in markdown:
        return {}
    part = markdown[markdown.index(heading):]
    part = part[:part.find("\n#", 1)] if part.find("\n#", 1) > 0 else part
    return {m.group(1): m.group(2).split()
            for m in re.finditer(r"^\| `([a-z][a-z-]*)(" + SYNOPSIS_ARG + r")` \|", part, re.M)}
