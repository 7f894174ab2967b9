# bash completion for gbench -*- shell-script -*-
#
# Commands come from 'gbench --list-commands' and a command's long options
# from 'gbench CMD --list-options' (its getopt table), or, for a command
# that has no such listing, from the options its -h text names: the
# completion is generated from the program itself and cannot drift.

_gbench_options()
{
	local cmd=$1 opts
	opts=$(gbench "$cmd" --list-options 2> /dev/null) ||
		opts=$(gbench "$cmd" -h 2> /dev/null | grep -o -- '--[a-z][a-z0-9-]*' | sort -u)
	printf '%s\n' "$opts"
}

_gbench()
{
	local cur prev cmd i at=0 sub=
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	cmd=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; at=$i; break ;;
		esac
	done
	if [ -z "$cmd" ]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '--help --version' -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(gbench --list-commands 2> /dev/null)" -- "$cur"))
		fi
		return 0
	fi
	case $prev in
	--format)
		[ "$cmd" = export ] &&
			COMPREPLY=($(compgen -W 'gbench-json hyperfine-json hlog openmetrics' -- "$cur")) &&
			return 0 ;;
	--mode)
		COMPREPLY=($(compgen -W 'closed open offline' -- "$cur")); return 0 ;;
	--executor)
		COMPREPLY=($(compgen -W 'cpu vulkan' -- "$cur")); return 0 ;;
	--quant)
		COMPREPLY=($(compgen -W 'f32 f16 q8 q4' -- "$cur")); return 0 ;;
	esac
	# the word after a command that has subcommands
	if [[ $cur != -* ]] && [ "$COMP_CWORD" -eq $((at + 1)) ]; then
		case $cmd in
		history) sub='add list show check' ;;
		baseline) sub='save list class' ;;
		import) sub='torch-profiler' ;;
		esac
		if [ -n "$sub" ]; then
			COMPREPLY=($(compgen -W "$sub" -- "$cur"))
			return 0
		fi
	fi
	if [[ $cur == -* ]]; then
		local o
		o=$(_gbench_options "$cmd" | sed 's/=$//')
		COMPREPLY=($(compgen -W "$o" -- "$cur"))
		return 0
	fi
	COMPREPLY=($(compgen -f -- "$cur"))
	return 0
}
complete -o filenames -F _gbench gbench
