#!/usr/bin/env bash
# run-install.sh: what `cmake --install` puts where (cmake/Install.cmake, docs/install.md),
# checked on a private prefix:
#
# - bin/hotplan runs and says the project's version;
# - the man pages hotplan(1) and hotplan-plan(5) render without a warning (man -l, and
#   groff -ww; each skipped with a message when the tool is missing), and say every command,
#   option, exit status and rule of the binary, and every keyword and profile key;
# - the profiles are under share/hotplan/profiles, the binary looks there (the configured
#   prefix), and run from outside the working tree it uses them; the Windows helpers are under
#   share/hotplan/helpers;
# - the bash completion loads, completes commands, options, rule ids (from `hotplan explain`
#   and, without the program, from its own list, which must be the same), step names for
#   --fail-at and params for --set;
# - the editor files, the docs and the CI examples are there; the pre-commit hook refuses a
#   bad staged plan and lets a good one through;
# - `cpack` makes a .deb holding the same files (when dpkg-deb is there).
#
# A part whose tool is missing is left out with a SKIP line; the rest still runs (a failure
# fails the test), and the test then exits 77, which ctest reports as skipped.
#
# Environment (set by ctest): HOTPLAN_BUILD_DIR (a configured and built tree),
# HOTPLAN_SOURCE_DIR (the repository).
# shellcheck disable=SC2013 # the lists read below are words: options, ids, keywords
set -uo pipefail

: "${HOTPLAN_BUILD_DIR:?HOTPLAN_BUILD_DIR must name the build directory}"
: "${HOTPLAN_SOURCE_DIR:?HOTPLAN_SOURCE_DIR must name the repository}"
BUILD=$(cd "$HOTPLAN_BUILD_DIR" && pwd)
SRC=$(cd "$HOTPLAN_SOURCE_DIR" && pwd)
CMAKE=${CMAKE_COMMAND:-cmake}

failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}
skipped=0
skip() {
	echo "SKIP: $*"
	skipped=1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

cache() { sed -n "s/^$1:[A-Z]*=//p" "$BUILD/CMakeCache.txt"; }
configured_prefix=$(cache CMAKE_INSTALL_PREFIX)
version=$(cache CMAKE_PROJECT_VERSION)

# ---- install ----
if ! "$CMAKE" --install "$BUILD" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
	fail "cmake --install $BUILD --prefix $prefix failed:"
	sed 's/^/    /' "$tmp/install.log" >&2
	exit 1
fi
HP=$prefix/bin/hotplan
need() {     # need PATH WHAT: PATH exists under the prefix
	[ -e "$prefix/$1" ] || fail "not installed: $1 ($2)${3:+; is include(cmake/Install.cmake) in CMakeLists.txt?}"
}
need bin/hotplan "the program"
need share/man/man1/hotplan.1 "man page" hint
need share/man/man5/hotplan-plan.5 "man page" hint
need share/bash-completion/completions/hotplan "bash completion" hint
need share/vim/vimfiles/syntax/hplan.vim "Vim syntax"
need share/vim/vimfiles/ftdetect/hplan.vim "Vim filetype detection"
need share/hotplan/editors/textmate/hplan.tmLanguage.json "TextMate grammar"
need share/hotplan/editors/textmate/package.json "VS Code extension manifest"
need share/doc/hotplan/README.md "README"
need share/doc/hotplan/examples/ese-hotfix.hplan "the canonical plan"
need share/doc/hotplan/examples/ci/pre-commit "the pre-commit hook"
need share/doc/hotplan/examples/ci/github-actions.yml "the GitHub Actions workflow"
[ -x "$prefix/share/doc/hotplan/examples/ci/pre-commit" ] || fail "the installed pre-commit hook is not executable"
for f in "$SRC"/plans/profiles/*.hplan; do
	need "share/hotplan/profiles/${f##*/}" "profile" hint
	cmp -s "$f" "$prefix/share/hotplan/profiles/${f##*/}" || fail "installed profile ${f##*/} differs from plans/profiles/"
done
for f in "$SRC"/plans/helpers/*; do
	need "share/hotplan/helpers/${f##*/}" "Windows helper"
	cmp -s "$f" "$prefix/share/hotplan/helpers/${f##*/}" || fail "installed helper ${f##*/} differs from plans/helpers/"
done

# ---- the program ----
if out=$("$HP" --version 2>&1); then
	[ "$out" = "hotplan $version" ] || fail "installed hotplan --version: '$out', expected 'hotplan $version'"
else
	fail "installed hotplan --version: exit $?: $out"
fi

# ---- profiles at run time, outside the working tree ----
# An installed hotplan (PREFIX/bin/hotplan) finds PREFIX/share/hotplan/profiles whatever the
# prefix: from a directory with no plans/profiles, a plan whose inventory names windows-2003
# runs its dry run with the installed profile.
mkdir -p "$tmp/elsewhere"
cp "$SRC/plans/ese-hotfix.hplan" "$SRC/plans/inventories/windows-2003-sim.hplan" "$tmp/elsewhere/"
affected="affected=First Storage Group/Mailbox Store (SIM)"
(
	cd "$tmp/elsewhere" && env -u HOTPLAN_PROFILE_PATH HOTPLAN_STATE_DIR="$tmp/state" \
		"$HP" run ese-hotfix.hplan --inventory windows-2003-sim.hplan --dry-run --set "$affected"
) >"$tmp/run1.out" 2>"$tmp/run1.err"
rc=$?
if [ "$rc" -ne 0 ]; then
	fail "the installed hotplan does not find its profiles under $prefix (exit $rc): $(cat "$tmp/run1.err")"
else
	grep -qF 'taskkill /f /im "store.exe"' "$tmp/run1.out" ||
		fail "dry run with the installed windows-2003 profile does not show taskkill: $(head -20 "$tmp/run1.out")"
fi
# The installed profiles themselves load and render (HOTPLAN_PROFILE_PATH points at them).
(
	cd "$tmp/elsewhere" && HOTPLAN_PROFILE_PATH=$prefix/share/hotplan/profiles HOTPLAN_STATE_DIR="$tmp/state" \
		"$HP" run ese-hotfix.hplan --inventory windows-2003-sim.hplan --dry-run --set "$affected"
) >"$tmp/run2.out" 2>"$tmp/run2.err"
rc=$?
if [ "$rc" -ne 0 ]; then
	fail "dry run with the installed profiles: exit $rc: $(head -5 "$tmp/run2.err")"
else
	grep -qF 'taskkill /f /im "store.exe"' "$tmp/run2.out" ||
		fail "dry run with the installed windows-2003 profile does not show taskkill: $(head -20 "$tmp/run2.out")"
fi
[ -e "$tmp/elsewhere/.hotplan" ] && fail "a dry run left .hotplan in the current directory"

# ---- man pages ----
pages=("$prefix/share/man/man1/hotplan.1" "$prefix/share/man/man5/hotplan-plan.5")
if command -v groff >/dev/null 2>&1; then
	for p in "${pages[@]}"; do
		[ -f "$p" ] || continue
		if ! groff -man -Tutf8 -ww -z "$p" 2>"$tmp/groff.err" || [ -s "$tmp/groff.err" ]; then
			fail "groff -man -Tutf8 -ww -z ${p##*/}: $(head -5 "$tmp/groff.err")"
		fi
	done
else
	skip "groff is not installed: the man pages were not checked with groff -ww"
fi
# (a minimized system's /usr/bin/man is a stub that says so and fails: that is no man-db)
if command -v man >/dev/null 2>&1 && man --version 2>/dev/null | grep -q '^man '; then
	for p in "${pages[@]}"; do
		[ -f "$p" ] || continue
		if ! MANWIDTH=80 man --warnings -l "$p" >"$tmp/${p##*/}.txt" 2>"$tmp/man.err" ||
			[ -s "$tmp/man.err" ]; then
			fail "man -l ${p##*/}: $(head -5 "$tmp/man.err")"
		fi
		[ -s "$tmp/${p##*/}.txt" ] || fail "man -l ${p##*/} printed nothing"
	done
	# `man hotplan` finds the installed pages through the prefix's man directory
	if [ -f "${pages[0]}" ]; then
		MANPATH=$prefix/share/man MANWIDTH=80 man -w hotplan >"$tmp/manw.out" 2>&1 ||
			fail "MANPATH=$prefix/share/man man -w hotplan: $(cat "$tmp/manw.out")"
	fi
else
	skip "man is not installed (man-db): the man pages were not rendered with man -l"
fi

# What the pages say, rendered as plain text (groff, else man, else the roff source less its
# escapes), against what the binary and the lexer say.
render() {
	if command -v groff >/dev/null 2>&1; then
		groff -man -Tutf8 -rLL=200n "$1" 2>/dev/null | sed 's/.\x08//g'
	elif [ -s "$tmp/${1##*/}.txt" ]; then
		sed 's/.\x08//g' "$tmp/${1##*/}.txt"
	else
		sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\(dq/"/g' -e 's/\\&//g' "$1"
	fi
}
if [ -f "${pages[0]}" ] && [ -f "${pages[1]}" ]; then
	render "${pages[0]}" >"$tmp/man1.lines"
	tr -s ' \n' ' ' <"$tmp/man1.lines" >"$tmp/man1.txt"
	render "${pages[1]}" | tr -s ' \n' ' ' >"$tmp/man5.txt"
	says() {    # says PAGE TEXT WHAT
		grep -qF -- "$2" "$tmp/$1.txt" || fail "$1 does not say '$2' ($3)"
	}
	# the version in .TH
	grep -q "^\.TH HOTPLAN 1 [^ ]* \"hotplan $version\"" "${pages[0]}" ||
		fail "hotplan.1: .TH does not name hotplan $version"
	grep -q "^\.TH HOTPLAN-PLAN 5 [^ ]* \"hotplan $version\"" "${pages[1]}" ||
		fail "hotplan-plan.5: .TH does not name hotplan $version"
	# every command of `hotplan --help`, and every option and exit status of its --help
	cmds=$("$HP" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]\{1,\}\) .*/\1/p')
	[ -n "$cmds" ] || fail "no commands in hotplan --help"
	for c in $cmds; do
		says man1 "hotplan $c" "command"
		[ "$c" = help ] && continue
		"$HP" "$c" --help >"$tmp/help.txt" 2>&1 || fail "hotplan $c --help: exit $?"
		# the command's subsection, whose items (indented tags) are its options
		awk -v c="$c" '/^   [^ ]/ { on = index($0, "   hotplan " c " ") == 1 } /^[^ ]/ { on = 0 } on' \
			"$tmp/man1.lines" >"$tmp/sub.txt"
		[ -s "$tmp/sub.txt" ] || fail "hotplan.1 has no subsection 'hotplan $c'"
		for o in $(sed -n 's/^  \(-[-A-Za-z]*\)\(, \(-[-a-z]*\)\)\{0,1\} .*/\1 \3/p' "$tmp/help.txt"); do
			grep -qE -- "^ +(-[-A-Za-z]+, )?$o( |,|\$)" "$tmp/sub.txt" ||
				fail "hotplan.1, subsection 'hotplan $c', has no item for its option $o"
		done
		for s in $(sed -n '/^Exit status:$/,$s/^  \([0-9]\{1,3\}\) .*/\1/p' "$tmp/help.txt"); do
			grep -qE "(^|[^0-9])$s([^0-9]|$)" "$tmp/man1.txt" || fail "man1 does not give exit status $s of hotplan $c"
		done
	done
	sed -n '/^\.SH EXIT STATUS/,/^\.SH/p' "${pages[0]}" >"$tmp/exit.roff"
	for s in 0 1 2 3 4 5 130; do
		grep -qx "\.B $s" "$tmp/exit.roff" || fail "hotplan.1 EXIT STATUS has no entry for $s"
	done
	# every rule of `hotplan explain`
	for r in $("$HP" explain | awk '$1 ~ /^HP[0-9]+$/ { print $1 }'); do
		says man1 "$r" "rule"
	done
	# every environment variable the sources read
	for v in $(grep -ho 'getenv("[A-Z_]*")' "$SRC"/cli/*.c "$SRC"/runtime/*.c "$SRC"/compiler/*.c "$SRC"/grammar/*.c "$SRC"/core/*.c 2>/dev/null |
		sed 's/getenv("\(.*\)")/\1/' | sort -u); do
		says man1 "$v" "environment variable"
	done
	# every keyword of the language (grammar/include/keywords.h), and every profile key
	sed -n '/^\.B Keywords$/,/^\.fi$/p' "${pages[1]}" | tr -s ' "' '\n' >"$tmp/keywords.txt"
	kws=$(sed -n 's/^[[:space:]]*X([A-Z0-9_]\{1,\},[[:space:]]*"\([a-z][a-z0-9]*\)".*/\1/p' "$SRC/grammar/include/keywords.h")
	(($(wc -w <<<"$kws") >= 50)) || fail "found only $(wc -w <<<"$kws") keywords in grammar/include/keywords.h"
	for k in $kws; do
		grep -qx -- "$k" "$tmp/keywords.txt" || fail "hotplan-plan.5 does not list the keyword '$k' under Keywords"
	done
	while read -r key; do
		says man5 "$key" "profile key"
	done < <(sed -n 's/^[[:space:]]*\[PK_[A-Z_]*\] = { "\([a-z ]*\)".*/\1/p' "$SRC/runtime/profile.c")
	for key in shell timeout "probe timeout"; do
		says man5 "$key" "profile setting"
	done
fi

# ---- bash completion ----
comp=$prefix/share/bash-completion/completions/hotplan
if ! command -v bash >/dev/null 2>&1; then
	skip "no bash"
elif [ -f "$comp" ]; then
	out=$(bash -c 'source "$1" && complete -p hotplan' _ "$comp" 2>&1) ||
		fail "bash -c 'source $comp; complete -p hotplan': $out"
	[[ $out == *"-F _hotplan"*" hotplan" ]] || fail "complete -p hotplan: '$out'"

	# complete WORDS...: what _hotplan offers for the last word (COMPREPLY, one a line, sorted)
	cat >"$tmp/drive.sh" <<'EOF'
source "$COMP_FILE" || exit 1
COMP_WORDS=("$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
COMPREPLY=()
_hotplan hotplan "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" || exit 1
printf '%s\n' "${COMPREPLY[@]}" | sort
EOF
	complete_() {
		(cd "$SRC" && COMP_FILE=$comp PATH=$COMP_PATH bash "$tmp/drive.sh" "$@" 2>&1)
	}
	expect() {   # expect "WANT (one a line)" WORDS...
		local want=$1
		shift
		local got
		got=$(complete_ "$@")
		[ "$got" = "$(printf '%s\n' "$want" | sed '/^$/d' | sort)" ] ||
			fail "completing '$*': got [$(echo "$got" | tr '\n' ' ')], expected [$(echo "$want" | tr '\n' ' ')]"
	}
	ids=$("$HP" explain | awk '$1 ~ /^HP[0-9]+$/ { print $1 }' | sort)
	hp10=$(grep '^HP10' <<<"$ids")
	[ -n "$hp10" ] || fail "no HP10x rule in hotplan explain"
	for COMP_PATH in "$prefix/bin:$PATH" "/usr/bin:/bin"; do
		# with the installed hotplan on PATH the ids come from `hotplan explain`; without it,
		# from the completion's own list: both must be the rules of the binary
		if [ "$COMP_PATH" = "/usr/bin:/bin" ] && PATH=$COMP_PATH command -v hotplan >/dev/null 2>&1; then
			continue
		fi
		expect "explain" hotplan ex
		expect "$hp10" hotplan explain HP10
		expect "$ids" hotplan explain ""
	done
	COMP_PATH=$prefix/bin:$PATH
	expect "$(printf '%s\n' check fmt compile run resume unlock graph explain help)" hotplan ""
	expect "$(printf '%s\n' --help --version -h)" hotplan -
	expect "$(printf '%s\n' --format -Werror --kind --help)" hotplan check -
	expect "$(printf '%s\n' text json sarif)" hotplan check --format ""
	expect "sarif" hotplan check --format=s
	expect "sarif" hotplan check --format = s
	expect "$(printf '%s\n' standalone cluster)" hotplan graph plans/ese-hotfix.hplan --kind ""
	expect "$(printf '%s\n' --yes --set --log --help)" hotplan resume --
	expect "$(printf '%s\n' --output -o --emit --help)" hotplan compile -
	expect "--dry-run" hotplan run plans/ese-hotfix.hplan --dr
	steps=$(sed -n 's/^[[:space:]]*step[[:space:]]\{1,\}\([A-Za-z_][A-Za-z0-9_]*\).*/\1/p' "$SRC/plans/ese-hotfix.hplan" | sort -u)
	expect "$steps" hotplan run plans/ese-hotfix.hplan --kind cluster --fail-at ""
	expect "$(grep '^passive' <<<"$steps")" hotplan run --fail-at passive plans/ese-hotfix.hplan --fail-at passive
	expect "$(grep '^active' <<<"$steps")" hotplan run plans/ese-hotfix.hplan --fail-at=act
	expect "" hotplan run --fail-at ""
	expect "$(printf '%s\n' affected= failback=)" hotplan run plans/ese-hotfix.hplan --set ""
	expect "local_server" hotplan run plans/ese-hotfix.hplan --inventory plans/inventories/local.hplan --target ""
	expect "plans/ese-hotfix.hplan" hotplan check plans/ese-hot
	expect "plans/profiles/windows-2003.hplan" hotplan run plans/ese-hotfix.hplan --inventory plans/profiles/windows-2003
	expect "$(printf '%s\n' check fmt compile run resume unlock graph explain help)" hotplan help ""
	# a path with a glob character and a space stays whole
	mkdir -p "$tmp/c"
	: >"$tmp/c/a [x] b.hplan"
	expect "$tmp/c/a [x] b.hplan" hotplan check "$tmp/c/a"
else
	:
fi

# ---- the pre-commit hook ----
hook=$prefix/share/doc/hotplan/examples/ci/pre-commit
if ! command -v git >/dev/null 2>&1; then
	skip "git is not installed: the pre-commit hook was not tried"
elif [ -f "$hook" ]; then
	repo=$tmp/repo
	git init -q "$repo" && cp "$hook" "$repo/.git/hooks/pre-commit" && chmod +x "$repo/.git/hooks/pre-commit"
	gitc() { git -C "$repo" -c user.name=hotplan-test -c user.email=test@invalid -c commit.gpgsign=false "$@"; }
	mkdir -p "$repo/plans"
	cp "$SRC/plans/ese-hotfix.hplan" "$repo/plans/good.hplan"
	gitc add plans/good.hplan
	HOTPLAN=$HP gitc commit -q -m good >"$tmp/hook.out" 2>&1 || fail "pre-commit refused a good plan: $(cat "$tmp/hook.out")"
	# a bad version staged, a good one in the working tree: the staged one is checked
	sed 's/dismount stores not in affected/dismount all stores/' "$SRC/plans/ese-hotfix.hplan" >"$repo/plans/good.hplan"
	gitc add plans/good.hplan
	cp "$SRC/plans/ese-hotfix.hplan" "$repo/plans/good.hplan"
	if HOTPLAN=$HP gitc commit -q -m bad >"$tmp/hook.out" 2>&1; then
		fail "pre-commit let a staged plan with errors through"
	else
		grep -q 'plans/good.hplan:[0-9]*:[0-9]*: error: .*\[HP101\]' "$tmp/hook.out" ||
			fail "pre-commit did not show the HP101 error by its path in the repository: $(head -5 "$tmp/hook.out")"
	fi
	# a warning only: refused with -Werror, let through with HOTPLAN_NO_WERROR=1
	awk '{ print } /param failback/ { print "    param unused_flag : bool = false \"never used\"" }' \
		"$SRC/plans/ese-hotfix.hplan" >"$repo/plans/good.hplan"
	gitc add plans/good.hplan
	HOTPLAN=$HP gitc commit -q -m warn >"$tmp/hook.out" 2>&1 && fail "pre-commit let a warning through (-Werror)"
	HOTPLAN=$HP HOTPLAN_NO_WERROR=1 gitc commit -q -m warn >"$tmp/hook.out" 2>&1 ||
		fail "pre-commit with HOTPLAN_NO_WERROR=1 refused a plan with a warning only: $(head -5 "$tmp/hook.out")"
	# no hotplan: refused, with a message
	HOTPLAN=$tmp/no-such-hotplan gitc commit -q --allow-empty -m x >/dev/null 2>&1 || true
	echo x >>"$repo/plans/good.hplan"
	gitc add plans/good.hplan
	if HOTPLAN=$tmp/no-such-hotplan gitc commit -q -m missing >"$tmp/hook.out" 2>&1; then
		fail "pre-commit passed without a hotplan program"
	else
		grep -q 'not found' "$tmp/hook.out" || fail "pre-commit without hotplan: $(cat "$tmp/hook.out")"
	fi
fi

# ---- the GitHub Actions workflow parses, and runs `hotplan check --format sarif` ----
wf=$prefix/share/doc/hotplan/examples/ci/github-actions.yml
if [ -f "$wf" ]; then
	grep -q 'check --format sarif' "$wf" || fail "github-actions.yml does not run hotplan check --format sarif"
	grep -q 'github/codeql-action/upload-sarif@' "$wf" || fail "github-actions.yml does not upload the SARIF log"
	if python3 -c 'import yaml' 2>/dev/null; then
		python3 - "$wf" <<'EOF' || fail "github-actions.yml is not a valid workflow"
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
on = d.get("on", d.get(True))
assert on and "jobs" in d, "no on: or jobs:"
for name, job in d["jobs"].items():
    assert "runs-on" in job and job["steps"], name
    for s in job["steps"]:
        assert ("run" in s) != ("uses" in s), s
EOF
	else
		skip "python3-yaml is not installed: github-actions.yml was not parsed"
	fi
fi

# ---- the Debian package ----
if [ ! -f "$BUILD/CPackConfig.cmake" ]; then
	skip "no CPackConfig.cmake in $BUILD: the .deb was not made"
elif ! command -v dpkg-deb >/dev/null 2>&1; then
	skip "dpkg-deb is not installed: the .deb was not made"
elif ! command -v cpack >/dev/null 2>&1; then
	skip "cpack is not installed: the .deb was not made"
else
	# The build is up to date when ctest runs: cpack installs it into its own staging tree.
	if ! cpack --config "$BUILD/CPackConfig.cmake" -G DEB -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1; then
		fail "cpack -G DEB: $(tail -10 "$tmp/cpack.log")"
	else
		deb=$(find "$tmp/pkg" -maxdepth 1 -name "hotplan_*.deb" | head -1)
		if [ -z "$deb" ]; then
			fail "cpack made no hotplan_*.deb: $(ls "$tmp/pkg")"
		else
			dpkg-deb -c "$deb" | awk '{ print $NF }' | sed 's|^\./||' >"$tmp/deb.list"
			p=${configured_prefix#/}
			for f in bin/hotplan share/man/man1/hotplan.1 share/man/man5/hotplan-plan.5 \
				share/hotplan/profiles/windows-2003.hplan share/bash-completion/completions/hotplan \
				share/vim/vimfiles/syntax/hplan.vim share/hotplan/editors/textmate/hplan.tmLanguage.json; do
				grep -qx "$p/$f" "$tmp/deb.list" || fail "the .deb has no /$p/$f"
			done
			dpkg-deb -f "$deb" Package Version Depends >"$tmp/deb.ctl"
			grep -qx "Version: $version" "$tmp/deb.ctl" || fail "the .deb's version: $(cat "$tmp/deb.ctl")"
			grep -q '^Depends:.*libjansson' "$tmp/deb.ctl" || fail "the .deb does not depend on libjansson: $(cat "$tmp/deb.ctl")"
			echo "deb: ${deb##*/}, $(wc -l <"$tmp/deb.list") entries; $(grep '^Depends' "$tmp/deb.ctl")"
		fi
	fi
fi

if [ "$failures" -ne 0 ]; then
	echo "install: $failures failure(s)" >&2
	exit 1
fi
if [ "$skipped" -ne 0 ]; then
	echo "install: the checks that could run passed; some were skipped (SKIP above)"
	exit 77
fi
echo "install: all checks passed (prefix $prefix)"
