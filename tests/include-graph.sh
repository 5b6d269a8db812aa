#!/bin/bash
# The include graph of helpers/ must stay a DAG with main.c on top: a leaf
# never includes its callers (libvirt's src/util, pacemaker's "Code
# Organization").  Run by `make check`; prints TAP, and the cycle it finds.
#
#   tests/include-graph.sh [--edges] [HELPERS-DIR]
#
# Nodes are modules, not files: X.c belongs to X.h.  A file with no header of
# its own (migrate_watch.c, peer_timeout_state.c) and the internal headers of
# a family (X_int.h, X_priv.h) belong to the family's public header X.h, the
# longest such X.  Folding a family into one node can only add cycles, so a
# cycle between two files of one family is the only thing it cannot see.
# --edges lists the module edges ("a -> b") and exits.
set -u
edges_only=false
[ "${1:-}" = --edges ] && { edges_only=true; shift; }
dir=${1:-$(cd "$(dirname "$0")/../helpers" && pwd)}

declare -A has_header=() edges=() color=()
declare -a modules=()

for f in "$dir"/*.h; do has_header[$(basename "$f" .h)]=1; done

module_of() {	# FILE -> the module it belongs to
	local base=${1##*/} prefix
	base=${base%.[ch]}
	case $base in
	*_int | *_priv) base=${base%_*} ;;
	esac
	if [ -n "${has_header[$base]:-}" ]; then
		echo "$base"
		return
	fi
	prefix=$base
	while [[ $prefix == *_* ]]; do
		prefix=${prefix%_*}
		[ -n "${has_header[$prefix]:-}" ] && { echo "$prefix"; return; }
	done
	echo "$base"
}

for f in "$dir"/*.c "$dir"/*.h; do
	from=$(module_of "$f")
	[[ " ${modules[*]} " == *" $from "* ]] || modules+=("$from")
	while read -r inc; do
		[ -f "$dir/$inc" ] || continue          # a system header in quotes
		to=$(module_of "$inc")
		[ "$from" = "$to" ] && continue
		edges[$from]="${edges[$from]:-} $to"
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done

if $edges_only; then
	for m in "${modules[@]}"; do
		for to in $(tr ' ' '\n' <<<"${edges[$m]:-}" | sort -u); do echo "$m -> $to"; done
	done | sort
	exit 0
fi

# Depth-first search; a grey node met again closes a cycle.
cycle=
path=()
visit() {	# MODULE
	local m=$1 to i
	color[$m]=grey
	path+=("$m")
	for to in ${edges[$m]:-}; do
		if [ "${color[$to]:-white}" = grey ]; then
			cycle=$to
			for ((i = ${#path[@]} - 1; i >= 0; i--)); do
				cycle="${path[i]} -> $cycle"
				[ "${path[i]}" = "$to" ] && break
			done
			return 1
		fi
		if [ "${color[$to]:-white}" = white ]; then
			visit "$to" || return 1
		fi
	done
	unset 'path[${#path[@]}-1]'
	color[$m]=black
}

echo "1..3"
status=0
for m in $(printf '%s\n' "${modules[@]}" | sort); do
	[ "${color[$m]:-white}" = white ] || continue
	visit "$m" || break
done
if [ -z "$cycle" ]; then
	echo "ok 1 - the include graph of helpers/ (${#modules[@]} modules) has no cycle"
else
	echo "not ok 1 - the include graph of helpers/ has a cycle: $cycle"
	status=1
fi

includers=$(for m in "${modules[@]}"; do
	[[ " ${edges[$m]:-} " == *" main "* ]] && echo "$m"; done)
if [ -n "${has_header[main]:-}" ] || [ -n "$includers" ]; then
	echo "not ok 2 - main is on top: it is included by ${includers:-its own header}"
	status=1
else
	echo "ok 2 - main is on top: no module includes it"
fi

# The check must be able to fail: a planted cycle through a family's
# internal header (y.c -> x_int.h, x_part.c -> y.h) is found and named.
if [ -z "${VMG_INCLUDE_GRAPH_SELFTEST:-}" ]; then
	plant=$(mktemp -d)
	printf '#include "y.h"\n' > "$plant/x_part.c"
	printf '#include "x_int.h"\n' > "$plant/y.c"
	: > "$plant/x.h"; : > "$plant/x_int.h"; : > "$plant/y.h"; : > "$plant/main.c"
	planted=$(VMG_INCLUDE_GRAPH_SELFTEST=1 "$0" "$plant")
	rm -rf "$plant"
	if [[ $planted == *"not ok 1 - "*"x -> y -> x"* || $planted == *"not ok 1 - "*"y -> x -> y"* ]]; then
		echo "ok 3 - a planted cycle x -> y -> x is found and named"
	else
		echo "not ok 3 - a planted cycle x -> y -> x went unseen: $planted"
		status=1
	fi
else
	echo "ok 3 # SKIP self-test"
fi
exit "$status"
