#!/usr/bin/env bash
# test.sh: build hotplan and run every test (ctest). The one test command, for people and CI.
#
#   ./test.sh              install what is missing, build in build/, run ctest
#   ./test.sh --sanitize   the same with clang, AddressSanitizer and UBSan, in build-asan/
#   ./test.sh --deps       only install what is missing
#
# Missing Debian packages are installed with apt-get when run as root, or through
# `sudo -n` when that works without a password; otherwise the missing ones are
# named and the build is tried anyway. Set HOTPLAN_NO_INSTALL=1 to never install.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# What the build, the tests (cmocka, jansson schema checks, the sshd end-to-end test,
# DOT output) and the sanitizer build need. libclang-rt-dev holds clang's sanitizer
# runtimes: clang only recommends it, so --no-install-recommends would leave it out.
PACKAGES=(
	build-essential cmake flex bison pkg-config
	libcmocka-dev libjansson-dev nettle-dev zlib1g-dev libxml2-dev
	python3 python3-jsonschema
	clang libclang-rt-dev
	openssh-server openssh-client
	graphviz
	groff-base man-db python3-yaml git dpkg-dev
	pacemaker corosync pacemaker-cli-utils resource-agents iproute2 netcat-openbsd # tests/cluster/lab.sh
	postgresql-15 kmod # tests/cluster/run-postgresql.sh (kmod: ocf:heartbeat:Filesystem needs modprobe)
	postgresql-15-repmgr # tests/local/run-pg-replication.sh: repmgr 5.3 and repmgrd
	wine64 # tests/windows/run-vbscript.sh: hotplan.vbs in a VBScript engine
	chromium # tests/fleet/run-fleet-html.sh: the fleet report in a headless browser
	strace # tests/local/run-direct-exec.sh: which processes a run execs
)
JOBS=${JOBS:-2}

section() { printf '\n==== %s ====\n' "$*"; }

missing_packages() {
	local p
	for p in "${PACKAGES[@]}"; do
		if [[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" != installed ]]; then
			printf '%s\n' "$p"
		fi
	done
}

install_deps() {
	local missing sudo=()
	if ! command -v dpkg-query >/dev/null 2>&1; then
		echo "test.sh: not a Debian system: install the packages by hand: ${PACKAGES[*]}"
		return 0
	fi
	mapfile -t missing < <(missing_packages)
	if ((${#missing[@]} == 0)); then
		echo "all ${#PACKAGES[@]} packages are installed"
		return 0
	fi
	echo "missing: ${missing[*]}"
	if [[ -n "${HOTPLAN_NO_INSTALL:-}" ]]; then
		echo "test.sh: HOTPLAN_NO_INSTALL is set: not installing; the build may fail"
		return 0
	fi
	if ((EUID != 0)); then
		if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
			sudo=(sudo -n)
		else
			echo "test.sh: not root and no password-less sudo: install them by hand; trying the build anyway"
			return 0
		fi
	fi
	"${sudo[@]}" apt-get update
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends "${missing[@]}"
}

build_and_test() {
	local dir=$1
	shift
	section "configure ($dir)"
	cmake -S . -B "$dir" "$@"
	section "build ($dir)"
	cmake --build "$dir" -j"$JOBS"
	section "test ($dir)"
	ctest --test-dir "$dir" --output-on-failure -j"$JOBS"
}

mode=plain
case "${1:-}" in
"") ;;
--sanitize) mode=sanitize ;;
--deps) mode=deps ;;
-h | --help)
	sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
	exit 0
	;;
*)
	echo "usage: ./test.sh [--sanitize | --deps | --help]" >&2
	exit 2
	;;
esac

section "packages"
install_deps
case $mode in
deps) ;;
plain) build_and_test build ;;
sanitize)
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
	echo "ASAN_OPTIONS=$ASAN_OPTIONS"
	echo "UBSAN_OPTIONS=$UBSAN_OPTIONS"
	build_and_test build-asan -DHOTPLAN_SANITIZE=ON -DCMAKE_C_COMPILER=clang
	;;
esac
