#!/usr/bin/env bash
# tools/analyze.sh: the static analysis gate (docs/analysis.md): cppcheck and clang-tidy over
# hotplan's own C sources; prints each finding and exits 1 if there is any.
#
#   tools/analyze.sh                  both tools over every source in the compile database
#   tools/analyze.sh --cppcheck       only cppcheck        (--clang-tidy: only clang-tidy)
#   tools/analyze.sh [TOOL] FILE...   only these sources (paths from the repository root)
#
# The sources are those of the CMake build (compiler/, runtime/, cli/, tools/, tests/unit/,
# tests/fuzz/), with their flags, from the compile_commands.json of a build in
# $HOTPLAN_ANALYZE_BUILD (default build-analyze/); the flex and bison output in gen/ is left
# out. Missing packages (cppcheck, clang-tidy-14, the build's) are installed as test.sh does,
# as root or with password-less sudo; set HOTPLAN_NO_INSTALL=1 to never install. JOBS
# (default 2) sources are analysed at a time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

# The analysers, and what configuring and building hotplan_grammar and reading every source of the
# compile database takes (the tests' cmocka.h included), so that a fresh machine needs nothing
# else: CI runs test.sh --deps first, which has installed all but the analysers by then.
PACKAGES=(
	cppcheck clang-tidy-14
	cmake make clang flex bison pkg-config python3
	libcmocka-dev libjansson-dev nettle-dev zlib1g-dev libxml2-dev
)
JOBS=${JOBS:-2}
BUILD=${HOTPLAN_ANALYZE_BUILD:-build-analyze}
CLANG_TIDY=${CLANG_TIDY:-clang-tidy-14}
SUPPRESSIONS=.cppcheck/suppressions.txt
CMOCKA_SHIM=tools/analyze # holds a cmocka.h for clang-tidy (see there)

section() { printf '\n==== %s ====\n' "$*"; }

install_deps() {
	local p missing=() sudo=()
	command -v dpkg-query >/dev/null 2>&1 || return 0
	for p in "${PACKAGES[@]}"; do
		if [[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" != installed ]]; then
			missing+=("$p")
		fi
	done
	((${#missing[@]} == 0)) && return 0
	echo "missing: ${missing[*]}"
	if [[ -n "${HOTPLAN_NO_INSTALL:-}" ]]; then
		echo "analyze.sh: HOTPLAN_NO_INSTALL is set: not installing"
		return 0
	fi
	if ((EUID != 0)); then
		if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
			sudo=(sudo -n)
		else
			echo "analyze.sh: not root and no password-less sudo: install them by hand"
			return 0
		fi
	fi
	"${sudo[@]}" apt-get update
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends "${missing[@]}"
}

# The compile database, without generated sources and with each source once (the fuzz
# replay driver is built four times), limited to the files named on the command line.
filter_database() {
	python3 - "$BUILD/compile_commands.json" "$DB/compile_commands.json" "$ROOT" "$@" <<'EOF'
import json, os, sys
src, dst, root, *only = sys.argv[1:]
only = {os.path.realpath(os.path.join(root, f)) for f in only}
seen, out = set(), []
for e in json.load(open(src)):
    f = os.path.realpath(os.path.join(e["directory"], e["file"]))
    if not f.startswith(root + "/") or "/gen/" in f or f in seen:
        continue
    if only and f not in only:
        continue
    seen.add(f)
    out.append(e)
missing = only - seen
if missing:
    sys.exit("analyze.sh: not in the compile database: " + " ".join(sorted(missing)))
json.dump(out, open(dst, "w"), indent=1)
print("\n".join(e["file"] for e in out), file=open(dst + ".files", "w"))
EOF
}

run_cppcheck() {
	section "cppcheck $(cppcheck --version | sed 's/^Cppcheck //')"
	mkdir -p "$DB/cppcheck"
	local log=$DB/cppcheck.log rc=0
	# --library: the models of the POSIX, GNU, OpenSSL and zlib functions the code calls
	# (leaks, null arguments, buffer sizes), and cmocka's failures, which do not return. The
	# generated scanner and parser are not in the database (their #line directives would
	# point findings at grammar/*.l and *.y).
	cppcheck --project="$DB/compile_commands.json" --cppcheck-build-dir="$DB/cppcheck" \
		--std=c11 --enable=warning,style,performance,portability \
		--library=posix --library=gnu --library=zlib --library=.cppcheck/cmocka.cfg \
		--inline-suppr --suppressions-list="$SUPPRESSIONS" \
		--error-exitcode=1 -j"$JOBS" --quiet \
		--template='{file}:{line}:{column}: {severity}: {message} [{id}]' 2>"$log" || rc=$?
	sed "s|^$ROOT/||" "$log"
	CPPCHECK_FINDINGS=$(grep -Ec '\[[A-Za-z_0-9]+\]$' "$log" || true)
	if ((rc != 0 && CPPCHECK_FINDINGS == 0)); then
		CPPCHECK_FINDINGS=1 # cppcheck failed without a finding: count the failure
	fi
	echo "cppcheck: $CPPCHECK_FINDINGS finding(s)"
}

# One source through clang-tidy, its output kept apart so parallel runs do not interleave.
tidy_one() {
	local file=$1 out extra=()
	out=$DB/tidy/$(printf '%s' "${file#"$ROOT"/}" | tr '/' '_').log
	case $file in
	*/tests/unit/*) extra=(--extra-arg-before=-I"$ROOT/$CMOCKA_SHIM") ;;
	esac
	local rc=0
	"$CLANG_TIDY" -p "$DB" --quiet --warnings-as-errors='*' "${extra[@]}" "$file" >"$out" 2>&1 || rc=$?
	if ((rc == 0)); then
		: >"$out"
	elif ! grep -Eq ':[0-9]+:[0-9]+: (warning|error): ' "$out"; then
		echo "$file:1:1: error: $CLANG_TIDY failed (exit status $rc) [analyze.sh]" >>"$out"
	fi
}

run_clang_tidy() {
	section "clang-tidy ($("$CLANG_TIDY" --version | sed -n 's/.*LLVM version //p'))"
	rm -rf "$DB/tidy"
	mkdir -p "$DB/tidy"
	export -f tidy_one
	export DB ROOT CLANG_TIDY CMOCKA_SHIM
	# In the background, so that a TERM or INT stops the clang-tidy runs with the script.
	# shellcheck disable=SC2016 # $1 is for the inner shell
	xargs -0 -P "$JOBS" -n 1 -a <(tr '\n' '\0' <"$DB/compile_commands.json.files") \
		bash -c 'tidy_one "$1"' tidy_one &
	local xargs_pid=$!
	trap 'pkill -TERM -P "$xargs_pid" 2>/dev/null; kill -TERM "$xargs_pid" 2>/dev/null; exit 143' TERM INT
	wait "$xargs_pid"
	trap - TERM INT
	# What is left is findings (with their notes and source excerpts) and compiler errors.
	cat "$DB"/tidy/*.log |
		grep -Ev '^[0-9]+ (warning|error)s? (and [0-9]+ (warning|error)s? )?(generated|treated as errors?)\.$|^Suppressed [0-9]+ warnings|^Use -header-filter|^Error while processing ' |
		sed "s|^$ROOT/||" >"$DB/clang-tidy.log" || true
	sed -i "s/,-warnings-as-errors\]$/]/" "$DB/clang-tidy.log"
	cat "$DB/clang-tidy.log"
	# A finding in a header is reported once per source that includes it: count it once.
	TIDY_FINDINGS=$({ grep -E '^[^ ].*:[0-9]+:[0-9]+: (warning|error): ' "$DB/clang-tidy.log" || true; } | sort -u | wc -l)
	echo "clang-tidy: $TIDY_FINDINGS finding(s)"
}

tools=(cppcheck clang-tidy)
case "${1:-}" in
--cppcheck) tools=(cppcheck); shift ;;
--clang-tidy) tools=(clang-tidy); shift ;;
-h | --help)
	sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
	exit 0
	;;
-*)
	echo "usage: tools/analyze.sh [--cppcheck | --clang-tidy] [FILE...]" >&2
	exit 2
	;;
esac

start=$SECONDS
section "packages"
install_deps

section "compile database ($BUILD/)"
# A new build directory is configured for analysis: Debug, so that assert() stays in (the
# analysers use it), and no -Werror (warnings are the test build's business, and clang-tidy
# reports the compiler's warnings as findings anyway), with clang when there is one. An
# existing one (HOTPLAN_ANALYZE_BUILD=build) is used as it is configured.
opts=()
if [[ ! -f "$BUILD/CMakeCache.txt" ]]; then
	opts=(-DCMAKE_BUILD_TYPE=Debug -DHOTPLAN_WERROR=OFF)
	if command -v clang >/dev/null 2>&1; then
		opts+=(-DCMAKE_C_COMPILER=clang)
	fi
fi
cmake -S . -B "$BUILD" "${opts[@]}" >/dev/null
# The sources include the generated parser.h and lexer.h: build them (with the library).
cmake --build "$BUILD" --target hotplan_grammar -j"$JOBS" >/dev/null
case $BUILD in
/*) DB=$BUILD/analyze ;;
*) DB=$ROOT/$BUILD/analyze ;;
esac
mkdir -p "$DB"
filter_database "$@"
echo "$(wc -l <"$DB/compile_commands.json.files") sources"

CPPCHECK_FINDINGS=0
TIDY_FINDINGS=0
for t in "${tools[@]}"; do
	case $t in
	cppcheck) run_cppcheck ;;
	clang-tidy) run_clang_tidy ;;
	esac
done

section "analysis: $CPPCHECK_FINDINGS cppcheck + $TIDY_FINDINGS clang-tidy finding(s) in $((SECONDS - start)) s"
((CPPCHECK_FINDINGS + TIDY_FINDINGS == 0))
