#!/usr/bin/env bash
# run-diag.sh: golden diagnostics. For each tests/diag/NAME.hplan, run `hotplan check`
# from the repo root and check
#   (a) the header: every `# expect: HPxxx LINE` is reported at that line with the
#       severity SPEC section 4 gives the rule; `# expect: clean` means no output on
#       stderr and exit 0; the exit code is 1 when an expected rule is an error, else 0;
#   (b) stderr against NAME.expected, byte for byte, when that file exists.
# All failures are reported, then the script exits 1 if there was any.
#
# Environment: HOTPLAN (the built binary), HOTPLAN_SOURCE_DIR (the repo root); both are
# set by ctest. DIAG_VERBOSE=1 also lists diagnostics a plan's header does not mention.
# DIAG_DIR: the directory of plans (default tests/diag; run-products.sh: tests/diag/products).
# A library's rule (PCMK001) is expected like hotplan's: `# expect: PCMK001 21`, an error
# unless the line ends with `warning`.
# Arguments: plan names (hp101-bad) or paths to run only those.
set -u

root=${HOTPLAN_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$root" || { echo "run-diag: cannot cd to $root" >&2; exit 2; }

bin=${HOTPLAN:-}
if [[ -z $bin ]]; then
	for c in build/hotplan build-*/hotplan; do
		[[ -x $c ]] && { bin=$c; break; }
	done
fi
if [[ -z $bin || ! -x $bin ]]; then
	echo "run-diag: no hotplan binary (set HOTPLAN)" >&2
	exit 2
fi
[[ $bin == /* ]] || bin=$root/$bin

# Severities, as SPEC section 4's table fixes them.
declare -A sev=(
	[HP001]=error [HP002]=error [HP003]=error [HP004]=error [HP005]=error [HP006]=error [HP007]=error
	[HP101]=error [HP102]=error [HP103]=error
	[HP110]=error [HP111]=error [HP112]=error [HP113]=error [HP114]=error [HP115]=error
	[HP116]=error [HP117]=error
	[HP120]=error [HP121]=error [HP122]=warning [HP123]=error [HP124]=error
	[HP130]=warning [HP131]=warning
	[HP201]=warning [HP202]=warning [HP203]=warning [HP204]=warning [HP205]=warning
)

dir=${DIAG_DIR:-tests/diag}

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

plans=()
if (($#)); then
	for a in "$@"; do
		a=${a##*/}
		plans+=("$dir/${a%.hplan}.hplan")
	done
else
	plans=("$dir"/*.hplan)
fi

nfail=0 nplans=0
failed=()

for plan in "${plans[@]}"; do
	name=${plan##*/}
	name=${name%.hplan}
	nplans=$((nplans + 1))
	problems=()
	if [[ ! -f $plan ]]; then
		echo "FAIL $name: no such plan $plan"
		nfail=$((nfail + 1)); failed+=("$name")
		continue
	fi

	# The header: the leading comment block (a BOM and CR line ends are ignored).
	kind='' clean=0 bad_header=0
	expects=() maybes=()
	first=1
	while IFS= read -r line || [[ -n $line ]]; do
		line=${line%$'\r'}
		if ((first)); then line=${line#$'\xef\xbb\xbf'}; first=0; fi
		[[ -z $line ]] && continue
		[[ $line == \#* ]] || break
		if [[ $line =~ ^#\ kind:\ *(standalone|cluster)\ *$ ]]; then
			kind=${BASH_REMATCH[1]}
		elif [[ $line =~ ^#\ expect:\ *clean\ *$ ]]; then
			clean=1
		elif [[ $line =~ ^#\ expect:\ *(HP[0-9]{3})\ +([0-9]+)\ *$ ]]; then
			expects+=("${BASH_REMATCH[1]} ${BASH_REMATCH[2]}")
		elif [[ $line =~ ^#\ expect:\ *([A-Z][A-Z0-9]*[0-9]{3})\ +([0-9]+)(\ +(error|warning))?\ *$ ]]; then
			expects+=("${BASH_REMATCH[1]} ${BASH_REMATCH[2]}")
			sev[${BASH_REMATCH[1]}]=${BASH_REMATCH[4]:-error}
		elif [[ $line =~ ^#\ maybe:\ *(HP[0-9]{3})(\ +([0-9]+))?\ *$ ]]; then
			maybes+=("${BASH_REMATCH[1]} ${BASH_REMATCH[3]}")
		elif [[ $line =~ ^#\ (kind|expect|maybe): ]]; then
			problems+=("header line not understood: $line")
			bad_header=1
		fi
	done < "$plan"
	if ((clean && ${#expects[@]})); then
		problems+=("header says both 'expect: clean' and 'expect: HPxxx'")
		bad_header=1
	elif ((!clean && ${#expects[@]} == 0 && !bad_header)); then
		problems+=("header has no '# expect:' line")
		bad_header=1
	fi

	args=(check)
	[[ -n $kind ]] && args+=(--kind "$kind")
	NO_COLOR=1 "$bin" "${args[@]}" "$plan" >"$tmp/out" 2>"$tmp/err"
	rc=$?

	want_rc=0
	if ((clean)); then
		[[ -s $tmp/err ]] && problems+=("expected no diagnostics, got:"$'\n'"$(sed 's/^/    | /' "$tmp/err")")
	else
		for e in "${expects[@]}"; do
			rule=${e% *} ln=${e#* }
			s=${sev[$rule]:-}
			if [[ -z $s ]]; then
				problems+=("unknown rule $rule in the header")
				continue
			fi
			[[ $s == error ]] && want_rc=1
			hit=$(grep -E "^${plan//./\\.}:${ln}:[0-9]+: (error|warning): .* \[${rule}\]\$" "$tmp/err" | head -n1)
			if [[ -z $hit ]]; then
				got=$(grep -E "^${plan//./\\.}:[0-9]+:[0-9]+: .*\[${rule}\]\$" "$tmp/err" | sed 's/^/    | /')
				problems+=("missing $rule at line $ln${got:+; $rule reported elsewhere:}${got:+$'\n'$got}")
			elif [[ $hit != *": $s: "* ]]; then
				problems+=("$rule at line $ln is not reported as $s (SPEC severity): $hit")
			fi
		done
	fi
	if ((rc != want_rc)); then
		problems+=("exit code $rc, expected $want_rc")
	fi

	if [[ -f $dir/$name.expected ]]; then
		if ! diff -u --label "$dir/$name.expected" --label "stderr of hotplan check $name" \
			"$dir/$name.expected" "$tmp/err" >"$tmp/diff"; then
			problems+=("stderr differs from $dir/$name.expected:"$'\n'"$(cat "$tmp/diff")")
		fi
	fi

	if [[ ${DIAG_VERBOSE:-0} != 0 && $clean == 0 ]]; then
		while IFS= read -r d; do
			[[ $d =~ ^[^:]+:([0-9]+):[0-9]+:\ (error|warning):\ .*\[([A-Z][A-Z0-9]*[0-9]{3})\]$ ]] || continue
			r=${BASH_REMATCH[3]} l=${BASH_REMATCH[1]} listed=0
			for e in "${expects[@]}" "${maybes[@]}"; do
				[[ $e == "$r $l" || $e == "$r " ]] && listed=1
			done
			((listed)) || echo "note $name: not in the header: $d"
		done <"$tmp/err"
	fi

	if ((${#problems[@]})); then
		nfail=$((nfail + 1)); failed+=("$name")
		echo "FAIL $name (hotplan ${args[*]} $plan: exit $rc)"
		for p in "${problems[@]}"; do
			printf '  - %s\n' "$p"
		done
	fi
done

echo "run-diag: $nplans plans, $((nplans - nfail)) passed, $nfail failed"
if ((nfail)); then
	echo "failed: ${failed[*]}"
	exit 1
fi
exit 0
