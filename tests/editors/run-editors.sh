#!/usr/bin/env bash
# run-editors.sh: the editor support of editors/: the TextMate grammar (and its VS Code
# extension folder) and the Vim syntax file.
#
# - both cover every keyword of grammar/include/keywords.h (a keyword added to the language and not
#   to the editors fails here);
# - the TextMate JSON parses, its regexes compile, and a small TextMate tokenizer run over the
#   repository's plans, profiles and inventories finds comments, strings, versions, durations
#   and keywords where they are, and nothing `invalid.*` (and does mark `15ms`, `6.5`, `\q`);
# - Vim (when installed) loads the syntax file without an error, detects the filetype, and
#   highlights the same things. Without Vim the rest still runs (a failure fails the test) and
#   the test then exits 77, which ctest reports as skipped.
#
# Environment (set by ctest): HOTPLAN_SOURCE_DIR (the repository). Needs python3.
set -uo pipefail

: "${HOTPLAN_SOURCE_DIR:?HOTPLAN_SOURCE_DIR must name the repository}"
SRC=$(cd "$HOTPLAN_SOURCE_DIR" && pwd)
command -v python3 >/dev/null 2>&1 || { echo "FAIL: no python3" >&2; exit 1; }

failures=0
skipped=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A plan with the lexical errors an editor should show (HP001 each).
cat >"$tmp/bad.hplan" <<'EOF'
plan p "a \q escape" {
    param a : duration = 15ms
    require fact exchange.version >= 6.5 else "two components"
}
EOF

# The files every editor must colour without an error: every .hplan of plans/ (the canonical
# plan, the profiles with their ${…} and \\ \", the inventories) and the diag tests' good plans.
mapfile -t PLANS < <(find "$SRC/plans" -name '*.hplan' | sort; ls "$SRC"/tests/diag/*-ok.hplan 2>/dev/null)
((${#PLANS[@]} > 0)) || fail "no .hplan files under $SRC/plans"

# ---- TextMate ----
python3 - "$SRC" "$tmp/bad.hplan" "${PLANS[@]}" <<'EOF' || failures=$((failures + 1))
import json, os, re, sys

src, bad, plans = sys.argv[1], sys.argv[2], sys.argv[3:]
tmdir = os.path.join(src, "editors", "textmate")
errors = []
def fail(msg):
    errors.append(msg)
    print("FAIL: " + msg, file=sys.stderr)

with open(os.path.join(tmdir, "hplan.tmLanguage.json"), encoding="utf-8") as f:
    g = json.load(f)
with open(os.path.join(tmdir, "package.json"), encoding="utf-8") as f:
    pkg = json.load(f)
with open(os.path.join(tmdir, "language-configuration.json"), encoding="utf-8") as f:
    json.load(f)

# the VS Code extension folder points at this grammar
gr = pkg["contributes"]["grammars"][0]
if gr["scopeName"] != g["scopeName"] or gr["scopeName"] != "source.hplan":
    fail("package.json scopeName %r, grammar %r" % (gr["scopeName"], g["scopeName"]))
if not os.path.exists(os.path.join(tmdir, gr["path"])):
    fail("package.json grammar path %s does not exist" % gr["path"])
if ".hplan" not in pkg["contributes"]["languages"][0]["extensions"]:
    fail("package.json: .hplan is not a language extension")

# every keyword of the language is in the grammar's keyword rules
with open(os.path.join(src, "grammar", "include", "keywords.h"), encoding="utf-8") as f:
    keywords = re.findall(r'^\s*X\([A-Z0-9_]+,\s*"([a-z][a-z0-9]*)"', f.read(), re.M)
if len(keywords) < 50:
    fail("found only %d keywords in grammar/include/keywords.h" % len(keywords))
kwtext = json.dumps(g["repository"]["keyword"]) + json.dumps(g["repository"]["fact"])
for k in keywords:
    if not re.search(r"[(|:]%s[)|]" % k, kwtext):
        fail("keyword %r of grammar/include/keywords.h is not in the TextMate grammar" % k)

# ---- a small TextMate tokenizer: match/begin/end/include/captures, earliest match wins ----
def compile_rx(rx):
    try:
        return re.compile(rx)
    except re.error as e:
        fail("regex %r: %s" % (rx, e))
        return re.compile(r"(?!)")

repo = g["repository"]
def expand(patterns):
    out = []
    for p in patterns:
        if "include" in p:
            r = repo[p["include"][1:]]
            out += expand(r["patterns"]) if "patterns" in r and "match" not in r and "begin" not in r else [r]
        else:
            out.append(p)
    return out

def scopes_of(rule, m, key):
    """(start, end, scope) of a match: its name, then its captures."""
    res = []
    if rule.get("name"):
        res.append((m.start(), m.end(), rule["name"]))
    for n, c in rule.get(key, {}).items():
        if m.group(int(n)) is not None and m.start(int(n)) < m.end(int(n)):
            res.append((m.start(int(n)), m.end(int(n)), c["name"]))
    return res

def tokenize(text):
    """[(line, start, end, scope)] for every scope of every line."""
    toks = []
    stack = []             # open begin/end rules
    top = expand(g["patterns"])
    for ln, line in enumerate(text.split("\n"), 1):
        pos = 0
        while pos <= len(line):
            rules = expand(stack[-1].get("patterns", [])) if stack else top
            best = None
            if stack:
                m = compile_rx(stack[-1]["end"]).search(line, pos)
                if m:
                    best = (m.start(), -1, None, m)
            for i, r in enumerate(rules):
                rx = r.get("match") or r.get("begin")
                m = compile_rx(rx).search(line, pos)
                if m and (best is None or m.start() < best[0] or (m.start() == best[0] and best[1] != -1 and i < best[1])):
                    best = (m.start(), i, r, m)
            if best is None:
                break
            start, i, r, m = best
            if r is None:                      # the end of the open rule
                rule = stack.pop()
                toks += [(ln,) + t for t in scopes_of({"endCaptures": rule.get("endCaptures", {})}, m, "endCaptures")]
                toks.append((ln, rule["_start"] if rule.get("_line") == ln else 0, m.end(), rule.get("name", "")))
            elif "match" in r:
                toks += [(ln,) + t for t in scopes_of(r, m, "captures")]
            else:
                rule = dict(r, _start=m.start(), _line=ln)
                stack.append(rule)
                toks += [(ln,) + t for t in scopes_of({"beginCaptures": r.get("beginCaptures", {})}, m, "beginCaptures")]
            if m.end() == pos and r is not None and "begin" not in (r or {}):
                pos += 1                       # an empty match: move on
            else:
                pos = m.end() if m.end() > pos else pos + 1
        for rule in stack:                     # a rule still open at the end of the line
            toks.append((ln, rule["_start"] if rule.get("_line") == ln else 0, len(line), rule.get("name", "")))
    return toks

def text_of(lines, t):
    return lines[t[0] - 1][t[1]:t[2]]

def check_file(path, expect_invalid=False):
    with open(path, encoding="utf-8-sig") as f:
        text = f.read().replace("\r\n", "\n")
    lines = text.split("\n")
    toks = tokenize(text)
    found = {}
    for t in toks:
        found.setdefault(t[3].rsplit(".hplan", 1)[0], []).append(text_of(lines, t))
    invalid = [(t[0], text_of(lines, t), t[3]) for t in toks if t[3].startswith("invalid")]
    if invalid and not expect_invalid:
        fail("%s: marked invalid: %s" % (path, invalid[:5]))
    return found, invalid

# the canonical plan: what must be coloured as what
canon = os.path.join(src, "plans", "ese-hotfix.hplan")
found, _ = check_file(canon)
def want(scope, text):
    if text not in found.get(scope, []):
        fail("ese-hotfix.hplan: %r is not %s (%s has %s)" % (text, scope, scope, sorted(set(found.get(scope, [])))[:8]))
want("constant.numeric.version", "6.5.7232.54")
want("constant.numeric.version", "6.5.7226.0")
want("constant.numeric.duration", "15m")
want("constant.numeric.duration", "2h")
want("constant.numeric.integer", "2115072")
want("string.quoted.double", '"Ese.dll"')
want("storage.type", "plan")
want("storage.type", "procedure")
want("keyword.control", "step")
want("keyword.control", "checkpoint")
want("keyword.control", "require")
want("keyword.other.action", "kill")
want("keyword.other.action", "dismount")
want("keyword.other.condition", "mounted")
want("keyword.operator.logical", "not")
want("keyword.operator.comparison", ">=")
want("constant.language.kind", "standalone")
want("variable.other.fact", "exchange.version")
want("entity.name.function", "dismount_others")
want("support.type", "stores")
if not any(s.startswith("comment.line") for s in found):
    fail("ese-hotfix.hplan: no comment found")
if found.get("keyword.other.action", []).count("stop") < 2:
    fail("ese-hotfix.hplan: `stop` is not an action keyword")

for p in plans:
    check_file(p)

# profiles: ${…} inside strings, escapes
prof = os.path.join(src, "plans", "profiles", "windows-2003.hplan")
if os.path.exists(prof):
    found, _ = check_file(prof)
    if "${service}" not in "".join(found.get("meta.interpolation", [])):
        fail("windows-2003.hplan: ${service} is not an interpolation")
    if "\\\\" not in found.get("constant.character.escape", []):
        fail("windows-2003.hplan: \\\\ is not an escape")

# what must be marked invalid
_, invalid = check_file(bad, expect_invalid=True)
texts = [t[1] for t in invalid]
for t in ("15ms", "6.5", "\\q"):
    if t not in texts:
        fail("bad.hplan: %r is not marked invalid (invalid: %s)" % (t, texts))

print("textmate: %d keywords, %d files tokenized" % (len(keywords), len(plans) + 2))
sys.exit(1 if errors else 0)
EOF

# ---- Vim ----
if ! command -v vim >/dev/null 2>&1; then
	echo "SKIP: vim is not installed: the Vim syntax file was not loaded"
	skipped=1
else
	# every keyword of the language is a `syn keyword` of the syntax file
	syn=$SRC/editors/vim/syntax/hplan.vim
	vimwords=$(sed -n 's/^syn keyword[[:space:]]\{1,\}[A-Za-z]*[[:space:]]\{1,\}\(contained[[:space:]]\{1,\}\)\{0,1\}//p' "$syn" |
		sed 's/[a-z]*=[^ ]*//g' | tr -s ' \t' '\n')
	while read -r k; do
		grep -qxF -- "$k" <<<"$vimwords" || fail "keyword '$k' of grammar/include/keywords.h is not in $syn"
	done < <(sed -n 's/^[[:space:]]*X([A-Z0-9_]\{1,\},[[:space:]]*"\([a-z][a-z0-9]*\)".*/\1/p' "$SRC/grammar/include/keywords.h")

	# The command of the brief, as a person would type it: no error, exit 0.
	cd "$SRC" || exit 1
	if ! out=$(vim -Nu NONE -es -c 'set rtp+=editors/vim' -c 'syntax on' -c 'e plans/ese-hotfix.hplan' -c 'q' 2>&1 </dev/null); then
		fail "vim -Nu NONE -es -c 'set rtp+=editors/vim' -c 'syntax on' -c 'e plans/ese-hotfix.hplan' -c 'q' failed (exit status not 0) $out"
	fi

	# Each file: the filetype is detected, the syntax loads without an error message, no
	# hplanError/hplanBadEscape in a good file; then the syntax groups of chosen words.
	cat >"$tmp/groups.vim" <<'EOF'
let s:out = []
if &filetype !=# 'hplan' || get(b:, 'current_syntax', '') !=# 'hplan'
  call add(s:out, 'FILETYPE ' . &filetype . ' ' . get(b:, 'current_syntax', '-'))
endif
if v:errmsg !=# ''
  call add(s:out, 'ERROR ' . v:errmsg)
endif
for s:l in range(1, line('$'))
  let s:text = getline(s:l)
  let s:c = 1
  while s:c <= len(s:text)
    let s:name = synIDattr(synID(s:l, s:c, 1), 'name')
    if s:name ==# 'hplanError' || s:name ==# 'hplanBadEscape'
      call add(s:out, 'INVALID ' . s:l . ':' . s:c . ' ' . matchstr(s:text[s:c - 1 :], '^\S*'))
      let s:c += len(matchstr(s:text[s:c - 1 :], '^\S*'))
    endif
    let s:c += 1
  endwhile
endfor
" GROUP LABEL NAME: the syntax group at the first match of each pattern
for [s:label, s:pat] in [['plan', '^plan\>'], ['procedure', '\<procedure\>'], ['step', '\<step\>'],
      \ ['kill', '\<kill\ze process'], ['mounted', '\<mounted\>'], ['version', 'version \zs6\.5\.7232\.54'],
      \ ['duration', '\<15m\>'], ['integer', '\<2115072\>'], ['string', '"Ese\.dll"'], ['comment', '^#'],
      \ ['fact', 'fact \zsexchange'], ['stepname', 'step \zsdismount_others'], ['type', ': \zsstores'],
      \ ['not', 'stores \zsnot\>'], ['compare', '>=']]
  call cursor(1, 1)
  let s:pos = searchpos(s:pat, 'cW')
  call add(s:out, 'GROUP ' . s:label . ' ' . (s:pos[0] ? synIDattr(synID(s:pos[0], s:pos[1], 1), 'name') : '-'))
endfor
call writefile(s:out, $HPLAN_VIM_OUT)
EOF
	for f in "${PLANS[@]}" "$tmp/bad.hplan"; do
		rm -f "$tmp/vim.out"
		HPLAN_VIM_OUT=$tmp/vim.out vim -Nu NONE -es -c "set rtp^=$SRC/editors/vim" -c 'syntax on' \
			-c "e $f" -c "source $tmp/groups.vim" -c 'q' </dev/null >"$tmp/vim.msg" 2>&1
		rc=$?
		if [ "$rc" -ne 0 ] || [ ! -f "$tmp/vim.out" ]; then
			fail "vim on $f: exit $rc: $(head -3 "$tmp/vim.msg" 2>/dev/null) $(grep '^ERROR' "$tmp/vim.out" 2>/dev/null)"
			continue
		fi
		if grep -q '^FILETYPE\|^ERROR' "$tmp/vim.out"; then
			fail "vim on $f: $(grep '^FILETYPE\|^ERROR' "$tmp/vim.out")"
		fi
		if [ "$f" = "$tmp/bad.hplan" ]; then
			for w in 15ms 6.5 '\q'; do
				grep '^INVALID' "$tmp/vim.out" | grep -qF -- " $w" || fail "vim: '$w' in bad.hplan is not marked an error"
			done
		elif grep -q '^INVALID' "$tmp/vim.out"; then
			fail "vim on $f: marked as errors: $(grep '^INVALID' "$tmp/vim.out" | head -3 | tr '\n' ' ')"
		fi
		if [ "$f" = "$SRC/plans/ese-hotfix.hplan" ]; then
			while read -r word group; do
				grep -qxF "GROUP $word $group" "$tmp/vim.out" ||
					fail "vim: '$word' is not $group: $(grep -F "GROUP $word " "$tmp/vim.out")"
			done <<-'EOF'
				plan hplanStructure
				procedure hplanStructure
				step hplanStatement
				kill hplanAction
				mounted hplanCondition
				version hplanVersion
				duration hplanDuration
				integer hplanNumber
				string hplanString
				comment hplanComment
				fact hplanFactPath
				stepname hplanDeclName
				type hplanType
				not hplanOperator
				compare hplanOperator
			EOF
		fi
	done
	echo "vim: $(vim --version | head -1): ${#PLANS[@]} files loaded"
fi

if [ "$failures" -ne 0 ]; then
	echo "editors: $failures failure(s)" >&2
	exit 1
fi
if [ "$skipped" -ne 0 ]; then
	echo "editors: the checks that could run passed; skipped: Vim"
	exit 77
fi
echo "editors: all checks passed"
