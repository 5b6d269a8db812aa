#!/bin/bash
# The administrator's tools on a 2-node lab cluster, with the agent as
# installed in the nodes:
#  1. resource-agents' own ocft cases for VirtualDomain (the configs/VirtualDomain
#     file Debian ships), pointed at this agent, on node 2's libvirtd;
#  2. `crm ra info` and `pcs resource describe` list every parameter;
#  3. the README's `crm configure primitive ...` and `pcs resource create ...`,
#     as printed (taken from README.md, so they cannot drift; only the config
#     path and the migration network suffix adapted to the lab): the VM starts,
#     and putting its node in standby (`crm node standby`, `pcs node standby`)
#     moves it live: same boot id, the serial counter carries on.
# pcs runs without pcsd: every pcs command used here works on the local CIB.
. "$(dirname "$0")/lib.sh"

RSC=web1
README=$E2E_TOP/README.md
OCFT_CONFIG=${OCFT_CONFIG:-/usr/share/resource-agents/ocft/configs/VirtualDomain}
WORK=

cleanup() {
	e2e_diagnose
	if [ -n "$WORK" ]; then
		"$LAB" exec 2 ocft clean VirtualMachine >/dev/null 2>&1
		rm -rf "$WORK"
	fi
	"$LAB" down >/dev/null 2>&1 || true
}
trap cleanup EXIT

on_cluster() { in_node 1 "$@"; }
other_node() { [ "$1" = vmg-n1 ] && echo vmg-n2 || echo vmg-n1; }
# Where Pacemaker has RSC, when it is on exactly one node; empty otherwise.
location() {
	local out
	out=$(on_cluster crm_resource --locate --resource "$RSC" 2>/dev/null) || return 0
	out=$(sed -n 's/.*is running on: \([^ ]*\).*/\1/p' <<< "$out")
	[ "$(grep -c . <<< "$out")" = 1 ] && echo "$out"
}
# Nodes whose libvirtd has the domain active; fails when virsh fails.
active_on() {
	local n l
	for n in 1 2; do
		l=$("$LAB" virsh "$n" list --name) || return 1
		! grep -qx "$RSC" <<< "$l" || echo "vmg-n$n"
	done
}
settled_on() { [ "$(location)" = "$1" ] && [ "$(active_on)" = "$1" ]; }
running_somewhere() { local at; at=$(location) && [ -n "$at" ] && settled_on "$at"; }
gone_everywhere() { local a; a=$(active_on) && [ -z "$a" ] && [ -z "$(location)" ]; }

# The README's command after "With TOOL:", continuation lines joined, with the
# lab's config file and migration network.
readme_command() {	# crm|pcs
	awk -v tool="$1" '
		$0 ~ ("With " tool ":$") { want = 1; next }
		want && /^```/ { if (inblock) exit; inblock = 1; next }
		want && inblock { sub(/\\$/, ""); printf "%s ", $0 }' "$README" |
		sed -e "s|config=/etc/libvirt/cluster/$RSC.xml|config=$VMG_LAB/$RSC.xml|" \
		    -e 's|migration_network=-mig|migration_network=-fast|' -e 's/  */ /g' -e 's/ $//'
}

# Runs the README's command for TOOL, drains the node the VM starts on,
# checks the live move, removes the resource.
readme_case() {	# crm|pcs
	local tool=$1 cmd node to before after del
	cmd=$(readme_command "$tool")
	e2e_log "$tool: $cmd"
	check "$tool: the README has a '$tool' command creating $RSC" \
		eval '[[ $cmd == "$tool "*" $RSC ocf:vmguard:VirtualMachine "*"config=$VMG_LAB/$RSC.xml"* ]]'
	# The README's words, split as the shell would (no expansion in them).
	read -r -a words <<< "$cmd"
	check "$tool: the README's command succeeds" on_cluster "${words[@]}"
	check "$tool: $RSC starts" wait_until 90 running_somewhere
	node=$(location)
	[ -n "$node" ] || { fail "$tool: $RSC runs nowhere: no drain"; return; }
	to=$(other_node "$node")
	before=$("$LAB" wait-tick "$(node_index "$node")" "$RSC" --timeout 30) ||
		fail "$tool: setup: the guest ticks on $node"
	case $tool in
	crm) on_cluster crm node standby "$node" ;;
	pcs) on_cluster pcs node standby "$node" ;;
	esac
	check "$tool: '$tool node standby $node' moved $RSC to $to" wait_until 120 settled_on "$to"
	after=$("$LAB" wait-tick "$(node_index "$to")" "$RSC" --after "$(count_of "$before")" --timeout 30)
	check "$tool: live: same boot id, the counter carries on ($before -> $after)" \
		eval '[ -n "$(boot_of "$before")" ] && [ "$(boot_of "$after")" = "$(boot_of "$before")" ] &&
		      [ "$(count_of "$after")" -gt "$(count_of "$before")" ]'
	case $tool in
	crm) on_cluster crm node online "$node"; del=(crm configure delete --force "$RSC") ;;
	pcs) on_cluster pcs node unstandby "$node"; del=(pcs resource delete "$RSC") ;;
	esac
	check "$tool: '${del[*]}' stops and removes it" on_cluster "${del[@]}"
	check "$tool: ... and the VM is gone from both nodes" wait_until 60 gone_everywhere
}

# ------------------------------------------------------------------------
"$LAB" up --nodes 2 --cluster || { fail "lab up"; exit 1; }
install_agent || { fail "the agent installed in the nodes"; exit 1; }
# With a <uuid>, as a cluster's config has: the crm and the pcs resource
# are the same VM (without one, each start makes a new UUID, and the agent
# keeps the first one's: the second's stop refused a "foreign" domain).
"$LAB" guest-xml "$RSC" --uuid 3c1e5f7a-2b4d-4e6f-8a9b-0c1d2e3f4a5b > "$VMG_LAB/$RSC.xml" ||
	{ fail "guest XML"; exit 1; }

e2e_log "ocft: $OCFT_CONFIG pointed at ocf:vmguard:VirtualMachine, in vmg-n2"
WORK=$(mktemp -d "$VMG_LAB/ocft.XXXXXX")
"$LAB" guest-xml ocft-vm > "$WORK/ocft-vm.xml" || { fail "ocft: guest XML"; exit 1; }
sed -e 's/^\([[:space:]]*Agent\) VirtualDomain$/\1 VirtualMachine/' \
    -e "s|^\\([[:space:]]*AgentRoot\\) .*|\\1 ${VMGUARD_AGENT%/*}|" \
    -e "s|^\\([[:space:]]*OCFT_config\\)=.*|\\1=$WORK/ocft-vm.xml|" \
    "$OCFT_CONFIG" > "$WORK/VirtualMachine"
check "ocft: the config now names this agent and the lab guest" \
	eval 'grep -q "Agent VirtualMachine" "$WORK/VirtualMachine" &&
	      grep -q "OCFT_config=$WORK/ocft-vm.xml" "$WORK/VirtualMachine"'
ncases=$(grep -c '^CASE ' "$WORK/VirtualMachine")
check "ocft: make" in_node 2 ocft make -d "$WORK" VirtualMachine
ocft_out=$(in_node 2 ocft test VirtualMachine 2>&1)
rc=$?
# shellcheck disable=SC2001 # a regular expression: the colours' escapes
ocft_out=$(sed 's/\x1b\[[0-9;]*m//g' <<< "$ocft_out")
printf '%s\n' "$ocft_out" | sed 's/^/    /'
# One line per case: "VirtualMachine: CASE - OK." (or FAILED, or nothing when
# ocft's HangTimeout killed the agent).
while IFS= read -r c; do
	c=${c#CASE \"}; c=${c%\"}
	check "ocft: $c" grep -qxF "VirtualMachine: $c - OK." <<< "$ocft_out"
done < <(grep '^CASE ' "$WORK/VirtualMachine")
check "ocft: $ncases cases ran (rc $rc), none failed or hung" \
	eval '[ "$rc" -eq 0 ] && [ "$(grep -c "^VirtualMachine: .* - OK\.$" <<< "$ocft_out")" -eq "$ncases" ]'
nothing_left=$("$LAB" virsh 2 list --all --name)
check "ocft: no domain left on vmg-n2" test -z "${nothing_left//[[:space:]]/}"

e2e_log "crm ra info / pcs resource describe"
params=$(in_node 1 "$VMGUARD_AGENT" meta-data | xmllint --xpath '//parameter/@name' - |
	sed 's/ name="\([^"]*\)"/\1\n/g')
check "setup: the installed agent's metadata names parameters" test -n "$params"
lists_every_parameter() {	# TOOL OUTPUT
	local p missing=''
	for p in $params; do grep -qw -- "$p" <<< "$2" || missing="$missing $p"; done
	[ -z "$missing" ] || { echo "$1 does not list:$missing"; return 1; }
}
out=$(on_cluster crm ra info ocf:vmguard:VirtualMachine 2>&1)
check "crm ra info ocf:vmguard:VirtualMachine lists all $(wc -w <<< "$params") parameters" \
	lists_every_parameter crm "$out"
out=$(on_cluster pcs resource describe ocf:vmguard:VirtualMachine 2>&1)
check "pcs resource describe ocf:vmguard:VirtualMachine lists all $(wc -w <<< "$params") parameters" \
	lists_every_parameter pcs "$out"

readme_case crm
readme_case pcs
e2e_finish
