# bash completion for hotplan(1)                                  -*- shell-script -*-
#
# Installed as share/bash-completion/completions/hotplan (bash-completion loads it on the
# first `hotplan <TAB>`); or `source completions/hotplan.bash` from a working tree.
#
#   hotplan <TAB>                      commands and global options
#   hotplan run --<TAB>                the options of that command
#   hotplan explain HP1<TAB>           rule ids (asked of `hotplan explain`, else a built-in list)
#   hotplan run P.hplan --fail-at <TAB>  the `step` names of the plan on the command line
#   hotplan run P.hplan --set <TAB>    its params, as NAME=
#   hotplan run --inventory I --target <TAB>  the inventory's targets
#   --abandon, --holder <TAB>          the run ids of the state directory's journals
#   hotplan unlock --inventory I <TAB> the inventory's targets
#   FILE operands                      .hplan (run: and .hpc; resume: .journal) and directories
#
# It needs nothing from the bash-completion package; it uses its helpers when they are there.

# The rule ids when `hotplan explain` cannot be asked (SPEC section 4).
_hotplan_rules_static="HP001 HP002 HP003 HP004 HP005 HP006 HP007 HP101 HP102 HP103 HP110 HP111 HP112
HP113 HP114 HP115 HP116 HP117 HP120 HP121 HP122 HP123 HP124 HP130 HP131 HP201 HP202 HP203 HP204 HP205"

# _hotplan_reply WORDS...: COMPREPLY gets the WORDS that start with $cur.
_hotplan_reply()
{
	local w
	for w in "$@"; do
		[[ $w == "$cur"* ]] && COMPREPLY+=("$w")
	done
}

# _hotplan_lines COMMAND...: COMPREPLY gets each line COMMAND prints (names with spaces or
# glob characters stay whole).
_hotplan_lines()
{
	local -a lines
	mapfile -t lines < <("$@")
	COMPREPLY+=("${lines[@]}")
}

# _hotplan_files EXT...: files with one of the extensions (none: every file), and directories.
_hotplan_files()
{
	local ext
	compopt -o filenames 2>/dev/null
	if (($# == 0)); then
		_hotplan_lines compgen -f -- "$cur"
		return 0
	fi
	for ext in "$@"; do
		_hotplan_lines compgen -f -X "!*.$ext" -- "$cur"
	done
	_hotplan_lines compgen -d -- "$cur"
	# a lone directory: let the user go on into it
	((${#COMPREPLY[@]} == 1)) && [[ -d ${COMPREPLY[0]} ]] && compopt -o nospace 2>/dev/null
	return 0
}

# _hotplan_path WORD: WORD with a leading ~ expanded, as the shell would.
_hotplan_path()
{
	local p=$1
	# shellcheck disable=SC2088 # a literal ~ as typed, expanded here
	[[ $p == "~/"* ]] && p=$HOME/${p#"~/"}
	[[ $p == "~" ]] && p=$HOME
	printf '%s\n' "$p"
}

# _hotplan_operand: the first operand (not an option, not an option's value) after the
# command, as a path; empty when there is none.
_hotplan_operand()
{
	local i w
	for ((i = cmd_at + 1; i < ${#words[@]}; i++)); do
		((i == cword)) && continue
		w=${words[i]}
		case $w in
		--) ((i + 1 < ${#words[@]} && i + 1 != cword)) && _hotplan_path "${words[i + 1]}"
			return ;;
		--*=*) ;;
		-o | --format | --kind | --inventory | --target | --set | --journal | --abandon | --holder | --fail-at | \
			--pace | --log | --output | --emit)
			((i++)) ;;
		-*) ;;
		*) _hotplan_path "$w"
			return ;;
		esac
	done
}

# _hotplan_optval OPTION: the value of OPTION on the command line (last one wins), as a path.
_hotplan_optval()
{
	local i v=
	for ((i = cmd_at + 1; i < ${#words[@]}; i++)); do
		((i == cword)) && continue
		case ${words[i]} in
		"$1") ((i + 1 < ${#words[@]} && i + 1 != cword)) && v=${words[i + 1]} ;;
		"$1"=*) v=${words[i]#"$1"=} ;;
		esac
	done
	[[ -n $v ]] && _hotplan_path "$v"
}

# _hotplan_names KEYWORD FILE: the names the file declares with `KEYWORD NAME` (step, param,
# target), each once, in the order of the file. Comments and strings are not parsed: a line
# that starts with the keyword is enough, as in the house style of the plans.
_hotplan_names()
{
	[[ -r $2 && -f $2 ]] || return 0
	sed -n "s/^[[:space:]]*$1[[:space:]]\{1,\}\([A-Za-z_][A-Za-z0-9_]*\).*/\1/p" -- "$2" 2>/dev/null |
		awk '!seen[$0]++'
}

# _hotplan_rules: the rule ids, from `hotplan explain` (the program being completed, when it
# runs), else the static list.
_hotplan_rules()
{
	local prog=${words[0]} ids=
	prog=$(_hotplan_path "$prog")
	if command -v -- "$prog" >/dev/null 2>&1; then
		ids=$("$prog" explain 2>/dev/null </dev/null | awk '$1 ~ /^HP[0-9][0-9][0-9]$/ { print $1 }')
	fi
	# shellcheck disable=SC2086 # the ids are words
	printf '%s\n' ${ids:-$_hotplan_rules_static}
}

# _hotplan_runs: the run ids of the journals in the state directory (HOTPLAN_STATE_DIR, else
# ./.hotplan).
_hotplan_runs()
{
	local dir=${HOTPLAN_STATE_DIR:-.hotplan}/runs f
	[[ -d $dir ]] || return 0
	for f in "$dir"/*.journal; do
		[[ -e $f ]] || continue
		f=${f##*/}
		printf '%s\n' "${f%.journal}"
	done
}

# The lists below are identifiers, rule ids and run ids: words, never globs.
# shellcheck disable=SC2046,SC2086
_hotplan()
{
	local cur prev words cword
	local commands="check fmt compile run resume unlock graph explain help"
	local cmd='' cmd_at=0 i

	words=("${COMP_WORDS[@]}")
	cword=$COMP_CWORD
	cur=${words[cword]}
	prev=
	((cword > 0)) && prev=${words[cword - 1]}

	# `--opt=value`: COMP_WORDBREAKS splits it into `--opt`, `=`, `value`.
	if [[ $cur == "=" && $prev == -* ]]; then
		cur=
	elif [[ $prev == "=" ]] && ((cword > 1)) && [[ ${words[cword - 2]} == -* ]]; then
		prev=${words[cword - 2]}
	elif [[ $cur == --*=* ]]; then # COMP_WORDBREAKS without '='
		prev=${cur%%=*}
		cur=${cur#*=}
	fi
	COMPREPLY=()

	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-*) ;;
		*) cmd=${words[i]}
			cmd_at=$i
			break ;;
		esac
	done

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			_hotplan_reply --help --version -h
		else
			_hotplan_reply $commands
		fi
		return 0
	fi

	# the value of an option
	case $prev in
	--format)
		_hotplan_reply text json sarif
		return 0 ;;
	--kind)
		_hotplan_reply standalone cluster
		return 0 ;;
	--log)
		_hotplan_reply text json
		return 0 ;;
	--emit)
		_hotplan_reply image json
		return 0 ;;
	--inventory)
		_hotplan_files hplan
		return 0 ;;
	-o | --output)
		_hotplan_files hpc json
		return 0 ;;
	--journal)
		_hotplan_files journal
		return 0 ;;
	--fail-at)
		local plan
		plan=$(_hotplan_operand)
		[[ $plan == *.hplan ]] && _hotplan_reply $(_hotplan_names step "$plan")
		return 0 ;;
	--set)
		local plan p
		plan=$(_hotplan_operand)
		if [[ $plan == *.hplan ]]; then
			for p in $(_hotplan_names param "$plan"); do
				_hotplan_reply "$p="
			done
			compopt -o nospace 2>/dev/null
		fi
		return 0 ;;
	--target)
		local inv
		inv=$(_hotplan_optval --inventory)
		[[ -n $inv ]] && _hotplan_reply $(_hotplan_names target "$inv")
		return 0 ;;
	--abandon | --holder)
		local -a runs
		mapfile -t runs < <(_hotplan_runs)
		_hotplan_reply "${runs[@]}"
		return 0 ;;
	--pace)
		_hotplan_reply 100ms 300ms 1s
		return 0 ;;
	esac

	local opts
	case $cmd in
	check) opts="--format -Werror --kind --help" ;;
	fmt) opts="--check -w --help" ;;
	compile) opts="--output -o --emit --help" ;;
	run) opts="--inventory --target --kind --set --dry-run --yes --journal --abandon --fail-at --pace --log --help" ;;
	resume) opts="--yes --set --log --help" ;;
	unlock) opts="--inventory --holder --help" ;;
	graph) opts="--kind --help" ;;
	explain) opts="--help" ;;
	help) opts= ;;
	*) return 0 ;;
	esac

	# after `--`, operands only
	local dashdash=
	for ((i = cmd_at + 1; i < cword; i++)); do
		[[ ${words[i]} == -- ]] && dashdash=1
	done

	if [[ $cur == -* && -z $dashdash ]]; then
		_hotplan_reply $opts
		# an option that takes a value: no space after a lone match, so `=` can follow
		return 0
	fi

	case $cmd in
	check | fmt) _hotplan_files hplan ;;
	compile | graph)
		[[ -z $(_hotplan_operand) ]] && _hotplan_files hplan ;;
	run)
		[[ -z $(_hotplan_operand) ]] && _hotplan_files hplan hpc ;;
	resume)
		if [[ -z $(_hotplan_operand) ]]; then
			_hotplan_files journal
			# the state directory's journals, by path, when nothing here matches
			if ((${#COMPREPLY[@]} == 0)) && [[ -z $cur ]]; then
				local dir=${HOTPLAN_STATE_DIR:-.hotplan}/runs
				[[ -d $dir ]] && _hotplan_lines compgen -f -X '!*.journal' -- "$dir/"
			fi
		fi ;;
	unlock)
		local inv
		inv=$(_hotplan_optval --inventory)
		[[ -z $(_hotplan_operand) && -n $inv ]] && _hotplan_reply $(_hotplan_names target "$inv") ;;
	explain)
		[[ -z $(_hotplan_operand) ]] && _hotplan_reply $(_hotplan_rules) ;;
	help)
		((cword == cmd_at + 1)) && _hotplan_reply $commands ;;
	esac
	return 0
}

complete -F _hotplan hotplan
