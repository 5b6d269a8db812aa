#!/bin/bash
# Parity with ocf:heartbeat:VirtualDomain on a 2-node lab cluster, with the
# agent as installed in the nodes:
#  1. a live guest managed by resource-agents' VirtualDomain is converted to
#     vmguard with the README's commands (taken from README.md, so they cannot
#     drift): its boot id is kept, the serial counter carries on, no stop,
#     start or migration ran, and vmguard now probes and monitors it;
#  2. migrate_options=--tunnelled: a live migration through libvirtd's own
#     connection, with no migration port opened on the target (checked
#     against a control migration without it, which opens one);
#  3. the utilization vmguard keeps: with placement-strategy=balanced and node
#     capacities that hold one guest each, a second VM that prefers the same
#     node ends up on the other one, because vmguard wrote its utilization;
#     the values are the domain's, and monitors of unchanged domains leave
#     the CIB alone (its epoch does not move).  Control: the second VM with
#     its utilization off stays beside the first; turned on by a reload (no
#     start), its next monitor writes it and the two are apart again.
. "$(dirname "$0")/lib.sh"

RSC=vdvm
RSC2=vmb
README=$E2E_TOP/README.md
MONITOR_S=3
PCMK_LOGS=("$VMG_LAB"/nodes/vmg-n1/var/log/pacemaker/pacemaker.log
	"$VMG_LAB"/nodes/vmg-n2/var/log/pacemaker/pacemaker.log)

cleanup() {
	e2e_diagnose
	"$LAB" down >/dev/null 2>&1 || true
}
trap cleanup EXIT

on_cluster() { in_node 1 "$@"; }
other_node() { [ "$1" = vmg-n1 ] && echo vmg-n2 || echo vmg-n1; }
# Where Pacemaker has resource R, when it is on exactly one node.
location() {	# R
	local out
	out=$(on_cluster crm_resource --locate --resource "$1" 2>/dev/null) || return 0
	out=$(sed -n 's/.*is running on: \([^ ]*\).*/\1/p' <<< "$out")
	[ "$(grep -c . <<< "$out")" = 1 ] && echo "$out"
}
# Nodes whose libvirtd has domain R active; fails when virsh fails.
active_on() {	# R
	local n l
	for n in 1 2; do
		l=$("$LAB" virsh "$n" list --name) || return 1
		! grep -qx "$1" <<< "$l" || echo "vmg-n$n"
	done
}
settled_on() { [ "$(location "$1")" = "$2" ] && [ "$(active_on "$1")" = "$2" ]; }
running_somewhere() { local at; at=$(location "$1") && [ -n "$at" ] && settled_on "$1" "$at"; }
cib_xpath() { on_cluster cibadmin --query --xpath "$1" 2>/dev/null; }
agent_of() {	# R: provider:type in the configuration
	cib_xpath "//primitive[@id='$1']" | sed -n 's/.*provider="\([^"]*\)" type="\([^"]*\)".*/\1:\2/p' | head -n 1
}
utilization() {	# R NAME
	cib_xpath "//primitive[@id='$1']/utilization/nvpair[@name='$2']" |
		sed -n 's/.*value="\([^"]*\)".*/\1/p'
}
epoch() { on_cluster cibadmin --query --xpath /cib 2>/dev/null | sed -n '1s/.* epoch="\([0-9]*\)".*/\1/p'; }
# The node's operation history of R names this agent and has a monitor that
# found it running (rc 0).
vmguard_probed_on() {	# R NODE
	local h
	h=$(cib_xpath "//node_state[@uname='$2']//lrm_resource[@id='$1']") || return 1
	grep -q 'type="VirtualMachine"' <<< "$h" && grep -q 'provider="vmguard"' <<< "$h" &&
		grep -q 'operation="monitor"[^>]*rc-code="0"' <<< "$h"
}
logs_lack_since() {	# PATTERN MARK1 MARK2
	log_lacks "${PCMK_LOGS[0]}" "$2" "$1" && log_lacks "${PCMK_LOGS[1]}" "$3" "$1"
}

# The README's conversion commands (its first sh block after the heading),
# comments dropped, continuation lines joined, vm1 renamed.
readme_conversion() {
	awk '
		/^## Moving a VirtualDomain resource over/ { want = 1; next }
		want && /^```/ { if (inblock) exit; inblock = 1; next }
		want && inblock {
			sub(/[ \t]+#.*$/, "")
			if (sub(/\\$/, "")) { line = line $0; next }
			print line $0; line = "" }' "$README" |
		sed -e "s/\\bvm1\\b/$RSC/g" -e 's/  */ /g'
}

# ------------------------------------------------------------------------
"$LAB" up --nodes 2 --cluster || { fail "lab up"; exit 1; }
install_agent || { fail "the agent installed in the nodes"; exit 1; }
"$LAB" guest-xml "$RSC" > "$VMG_LAB/$RSC.xml" || { fail "guest XML"; exit 1; }
"$LAB" guest-xml "$RSC2" > "$VMG_LAB/$RSC2.xml" || { fail "guest XML"; exit 1; }

e2e_log "1. $RSC under ocf:heartbeat:VirtualDomain, then converted as the README says"
on_cluster crm configure primitive "$RSC" ocf:heartbeat:VirtualDomain \
	params config="$VMG_LAB/$RSC.xml" hypervisor=qemu:///system \
	meta allow-migrate=true op monitor interval=${MONITOR_S}s timeout=30s ||
	fail "setup: crm configure primitive $RSC ocf:heartbeat:VirtualDomain"
check "setup: VirtualDomain starts $RSC" wait_until 90 running_somewhere "$RSC"
node=$(location "$RSC")
[ -n "$node" ] || { fail "setup: $RSC runs nowhere"; exit 1; }
check "setup: $RSC is ocf:heartbeat:VirtualDomain" test "$(agent_of "$RSC")" = heartbeat:VirtualDomain
before=$("$LAB" wait-tick "$(node_index "$node")" "$RSC" --timeout 30) ||
	fail "setup: the guest ticks on $node"
mapfile -t steps < <(readme_conversion)
check "setup: the README has the 6 conversion commands (${#steps[@]})" test "${#steps[@]}" -eq 6
mark1=$(log_mark "${PCMK_LOGS[0]}"); mark2=$(log_mark "${PCMK_LOGS[1]}")
for step in "${steps[@]}"; do
	e2e_log "  $step"
	# The README's own words, as a shell in the node reads them.
	check "README step succeeds: $step" on_cluster bash -c "$step"
	case $step in
	*--refresh*)
		check "the refresh re-probes $RSC with vmguard on $node" \
			wait_until 60 vmguard_probed_on "$RSC" "$node" ;;
	esac
done
check "$RSC is now ocf:vmguard:VirtualMachine" test "$(agent_of "$RSC")" = vmguard:VirtualMachine
check "$RSC is managed and still on $node, active there only" wait_until 30 settled_on "$RSC" "$node"
check "vmguard's recurring monitor runs on $node" \
	wait_until 30 eval 'log_since "${PCMK_LOGS[$(( $(node_index "$node") - 1 ))]}" \
		"$([ "$node" = vmg-n1 ] && echo "$mark1" || echo "$mark2")" |
		grep -qE "Result of monitor operation for $RSC on $node: (0 \\()?ok"'
after=$("$LAB" wait-tick "$(node_index "$node")" "$RSC" --after "$(count_of "$before")" --timeout 30)
check "the guest kept running: same boot id, the counter carries on ($before -> $after)" \
	eval '[ -n "$(boot_of "$before")" ] && [ "$(boot_of "$after")" = "$(boot_of "$before")" ] &&
	      [ "$(count_of "$after")" -gt "$(count_of "$before")" ]'
check "nothing was stopped, started or migrated during the conversion" \
	logs_lack_since "(Result of|Requesting local execution of) (stop|start|migrate_to|migrate_from) operation for $RSC" \
	"$mark1" "$mark2"
check "no failed action" eval '! on_cluster crm_mon -1 | grep -qi "failed"'

e2e_log "2. migrate_options=--tunnelled: no data port on the target, the data rides libvirtd's connection"
# Whether QEMU on NODE listened on a migration port (49152-49215) during
# COMMAND: polled in the node's network namespace every 0.1 s.
listened_during() {	# NODE FILE COMMAND...
	local node=$1 file=$2 poller; shift 2
	( while :; do
		ip netns exec "$node" ss -Hltn 'sport >= :49152 and sport <= :49215' 2>/dev/null
		sleep 0.1
	  done ) > "$file" &
	poller=$!
	"$@"; local rc=$?
	kill "$poller" 2>/dev/null; wait "$poller" 2>/dev/null
	return $rc
}
moved_live_to() {	# TO BEFORE-TICK
	local after
	after=$("$LAB" wait-tick "$(node_index "$1")" "$RSC" --after "$(count_of "$2")" --timeout 30) &&
		[ -n "$(boot_of "$2")" ] && [ "$(boot_of "$after")" = "$(boot_of "$2")" ]
}
move_to() {	# NODE
	on_cluster crm_resource --resource "$RSC" --move --node "$1" >/dev/null &&
		wait_until 90 settled_on "$RSC" "$1"
}
to=$(other_node "$node")
listen_file=$VMG_LAB/parity-listen
before=$("$LAB" wait-tick "$(node_index "$node")" "$RSC" --timeout 30) || fail "setup: ticks"
listened_during "$to" "$listen_file" move_to "$to" || fail "setup: the control move to $to"
check "control: without --tunnelled, QEMU on $to listened on a migration port" test -s "$listen_file"
check "control: the move was live" moved_live_to "$to" "$before"
on_cluster crm_resource --resource "$RSC" --clear >/dev/null 2>&1
on_cluster crm_resource --resource "$RSC" --set-parameter migrate_options \
	--parameter-value "--live --p2p --tunnelled" >/dev/null || fail "setup: migrate_options"
check "setup: $RSC stays on $to after the parameter change" wait_until 30 settled_on "$RSC" "$to"
before=$("$LAB" wait-tick "$(node_index "$to")" "$RSC" --timeout 30) || fail "setup: ticks"
mark=$(log_mark "${PCMK_LOGS[$(( $(node_index "$to") - 1 ))]}")
listened_during "$node" "$listen_file" move_to "$node"
check "--tunnelled: crm_resource --move took $RSC back to $node" settled_on "$RSC" "$node"
check "--tunnelled: live, same boot id, the counter carries on" moved_live_to "$node" "$before"
check "--tunnelled: QEMU on $node never listened on a migration port" test ! -s "$listen_file"
migrated_from_since() {	# NODE MARK: a migrate_to of RSC succeeded on NODE since MARK
	log_since "${PCMK_LOGS[$(( $(node_index "$1") - 1 ))]}" "$2" |
		grep -qE "Result of migrate_to operation for $RSC on $1: (0 \\()?ok"
}
check "--tunnelled: it was a live migration (migrate_to on $to)" migrated_from_since "$to" "$mark"
on_cluster crm_resource --resource "$RSC" --clear >/dev/null 2>&1
on_cluster crm_resource --resource "$RSC" --delete-parameter migrate_options >/dev/null 2>&1
rm -f "$listen_file"

e2e_log "3. utilization: placement-strategy=balanced, one guest per node fits"
# The busybox guest has 128 MiB and one vCPU (vmg-lab guest-xml).
check "$RSC's utilization is the domain's (cpu=1 hv_memory=128 host_memory=128)" \
	wait_until 30 eval '[ "$(utilization "$RSC" cpu)" = 1 ] && [ "$(utilization "$RSC" hv_memory)" = 128 ] &&
	                    [ "$(utilization "$RSC" host_memory)" = 128 ]'
# A node without a capacity a resource asks for has none of it: every
# attribute the VMs carry gets one, and the strategy comes last.
for n in vmg-n1 vmg-n2; do
	for attr in cpu=4 hv_memory=200 host_memory=200; do
		on_cluster crm_attribute --node "$n" --utilization --name "${attr%=*}" \
			--update "${attr#*=}" || fail "setup: $attr capacity of $n"
	done
done
on_cluster crm configure property placement-strategy=balanced || fail "setup: placement-strategy"
check "setup: $RSC stays on $node (it fits there)" wait_until 30 settled_on "$RSC" "$node"
# Both prefer $node: without vmguard's utilization the second stays there.
on_cluster crm configure location "$RSC-prefers" "$RSC" 100: "$node" &&
on_cluster crm configure primitive "$RSC2" ocf:vmguard:VirtualMachine \
	params config="$VMG_LAB/$RSC2.xml" meta allow-migrate=true \
	op monitor interval=${MONITOR_S}s timeout=30s &&
on_cluster crm configure location "$RSC2-prefers" "$RSC2" 100: "$node" ||
	fail "setup: $RSC2 and the location preferences"
spread() {
	local a b
	a=$(location "$RSC") && b=$(location "$RSC2") && [ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ] &&
		settled_on "$RSC" "$a" && settled_on "$RSC2" "$b"
}
check "the two VMs, which do not fit one node, run on different nodes" wait_until 120 spread
check "$RSC2's utilization was written by vmguard (cpu=1 hv_memory=128 host_memory=128)" \
	eval '[ "$(utilization "$RSC2" cpu)" = 1 ] && [ "$(utilization "$RSC2" hv_memory)" = 128 ] &&
	      [ "$(utilization "$RSC2" host_memory)" = 128 ]'
e0=$(epoch)
sleep $(( 3 * MONITOR_S + 1 ))
check "monitors of unchanged domains write nothing: CIB epoch stays $e0" test "$(epoch)" = "$e0"
check "... and the VMs did not move meanwhile" spread
check "no failed action (a failed start did not spread them)" eval '! on_cluster crm_mon -1 | grep -qi "failed"'

# Control: the same VM started with the utilization off stays beside the
# other; turned on by a reload (no start), its next monitor writes it.
on_cluster crm configure delete --force "$RSC2" >/dev/null 2>&1
check "setup: $RSC2 removed, $RSC back on $node" wait_until 90 eval \
	'[ -z "$(active_on "$RSC2")" ] && settled_on "$RSC" "$node"'
on_cluster crm configure primitive "$RSC2" ocf:vmguard:VirtualMachine \
	params config="$VMG_LAB/$RSC2.xml" autoset_utilization_cpu=false \
	autoset_utilization_hv_memory=false autoset_utilization_host_memory=false \
	meta allow-migrate=true op monitor interval=${MONITOR_S}s timeout=30s &&
on_cluster crm configure location "$RSC2-prefers" "$RSC2" 100: "$node" ||
	fail "setup: $RSC2 with its utilization off"
together() { settled_on "$RSC" "$node" && settled_on "$RSC2" "$node"; }
check "control: with $RSC2's utilization off, both VMs run on $node" wait_until 90 together
sleep $(( 2 * MONITOR_S ))
check "control: ... and stay there, $RSC2 without utilization" eval \
	'together && [ -z "$(utilization "$RSC2" cpu)$(utilization "$RSC2" hv_memory)$(utilization "$RSC2" host_memory)" ]'
marks=("$(log_mark "${PCMK_LOGS[0]}")" "$(log_mark "${PCMK_LOGS[1]}")")
# One parameter in one change: the monitors between several would each see
# a change from the one before.
on_cluster crm_resource --resource "$RSC2" --delete-parameter autoset_utilization_hv_memory \
	>/dev/null || fail "setup: delete autoset_utilization_hv_memory"
check "turned on by a reload: the two VMs run on different nodes again" wait_until 120 spread
check "... $RSC2's hv_memory written by a monitor (128), cpu and host_memory still off" \
	eval '[ "$(utilization "$RSC2" hv_memory)" = 128 ] &&
	      [ -z "$(utilization "$RSC2" cpu)$(utilization "$RSC2" host_memory)" ]'
reloads_since() {	# R: the logs since marks have a reload of R and no start of it
	local i text=
	for i in 0 1; do text+=$(log_since "${PCMK_LOGS[$i]}" "${marks[$i]}") || return 1; done
	grep -qE "Result of reload operation for $1 " <<< "$text" &&
		! grep -qE "Result of start operation for $1 " <<< "$text"
}
check "... after a reload of $RSC2, with no start" reloads_since "$RSC2"
check "no failed action" eval '! on_cluster crm_mon -1 | grep -qi "failed"'

for r in "$RSC2" "$RSC"; do
	on_cluster crm configure delete --force "$r" >/dev/null 2>&1
done
check "the VMs are stopped and removed" wait_until 60 eval \
	'[ -z "$(active_on "$RSC")$(active_on "$RSC2")" ]'
e2e_finish
