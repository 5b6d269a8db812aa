#!/bin/bash
# resource-agents' ocf-tester against the agent as installed in a lab node,
# on that node's libvirtd and a real QEMU (TCG) guest; then the guest's own
# serial console proves the VM really ran and really stopped.
. "$(dirname "$0")/lib.sh"

cleanup() { e2e_diagnose; "$LAB" down >/dev/null 2>&1 || true; }
trap cleanup EXIT

"$LAB" up --nodes 1 || { fail "lab up"; exit 1; }
xml=$VMG_LAB/ocft.xml
"$LAB" guest-xml ocft-vm > "$xml" || { fail "guest XML"; exit 1; }
uri=qemu:///system		# node 1's own libvirtd, as Pacemaker's agent sees it
install_agent || { fail "the agent installed in the node"; exit 1; }
agent() { "$LAB" exec 1 "$VMGUARD_AGENT" "$@"; }

# Pacemaker's own view of the agent, as a crm or pcs user would query it.
check "crm_resource --show-metadata gives DTD-valid metadata" eval \
	'in_node 1 crm_resource --show-metadata ocf:vmguard:VirtualMachine |
	 (cd /usr/share/resource-agents && xmllint --noout --valid -)'
check "crm_resource --validate accepts a good configuration" \
	in_node 1 crm_resource --validate --class ocf --provider vmguard --agent VirtualMachine \
		--option config="$xml" --option hypervisor="$uri"
out=$(in_node 1 crm_resource --validate --class ocf --provider vmguard --agent VirtualMachine \
	--option config="$xml" --option migration_bandwidth=lots 2>&1)
rc=$?
check "crm_resource --validate rejects a bad parameter (rc $rc)" test "$rc" -ne 0
check "... and names it" grep -q migration_bandwidth <<< "$out"

e2e_log "ocf-tester in vmg-n1 on $uri"
out=$(in_node 1 ocf-tester -v -n ocft-vm -o config="$xml" -o hypervisor="$uri" "$VMGUARD_AGENT" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/    /'
check "ocf-tester passes" test "$rc" -eq 0
check "ocf-tester ran start and stop" grep -q "Testing: starting a started resource" <<< "$out"

# The tester leaves the VM stopped: nothing may run in the node.
domains() { local l; l=$("$LAB" virsh 1 list "$@" --name) || return 1; tr -d '[:space:]' <<< "$l"; }
nothing_running() { local d; d=$(domains) && test -z "$d"; }
nothing_defined() { local d; d=$(domains --all) && test -z "$d"; }
check "no domain left running" nothing_running

# Start through the agent and watch the guest's counter advance.
export OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=ocft-vm OCF_RESKEY_config=$xml \
	OCF_RESKEY_hypervisor=$uri OCF_RESKEY_CRM_meta_timeout=60000
check "start" agent start
first=$("$LAB" wait-tick 1 ocft-vm --timeout 30) || fail "setup: a first tick after start"
second=$("$LAB" wait-tick 1 ocft-vm --after "${first##*n=}" --timeout 10)
check "guest counter advances after start ($first -> $second)" test -n "$second"
check "monitor says running" agent monitor
check "stop" agent stop
check "stop leaves the domain gone" nothing_defined
agent monitor
rc=$?
check "monitor says not running after stop (rc $rc)" test "$rc" -eq 7

# The helper SIGKILLed at every stage of start and stop (a sweep of delays
# over the action), then what Pacemaker does after such a failure must
# converge: a stop after a failed start, another stop after a failed stop.
killed_after() {	# ACTION MS
	# vmg-lab exec and nsenter exec, the agent execs the helper: $! is the helper
	"$LAB" exec 1 "$VMGUARD_AGENT" "$1" 2>/dev/null &
	local p=$!
	sleep "$(awk -v ms="$2" 'BEGIN { printf "%.3f", ms / 1000 }')"
	kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
}
monitor_rc() { agent monitor 2>/dev/null; echo $?; }
e2e_log "start killed at every stage"
for ms in 0 10 30 100 250 600 1500; do
	killed_after start "$ms"
	agent stop 2>/dev/null
	check "start killed after $ms ms: the stop after it leaves nothing behind (monitor $(monitor_rc))" \
		eval 'nothing_defined && test "$(monitor_rc)" -eq 7'
done
check "after all that, start works" agent start
check "... and the guest counts" eval '"$LAB" wait-tick 1 ocft-vm --timeout 60 >/dev/null'
e2e_log "stop killed at every stage"
for ms in 0 50 200 800 2500; do
	agent start 2>/dev/null || fail "setup: start before the stop killed after $ms ms"
	# booted: it can act on ACPI
	"$LAB" wait-tick 1 ocft-vm --timeout 60 >/dev/null || fail "setup: the guest ticks before the stop killed after $ms ms"
	killed_after stop "$ms"
	agent stop 2>/dev/null
	check "stop killed after $ms ms: the stop after it completes it (monitor $(monitor_rc))" \
		eval 'nothing_defined && test "$(monitor_rc)" -eq 7'
done
# One node only: the domain is already "arrived", and migrate_from's stages
# (find it running, ask the cluster about its peers) are those that follow a
# real migration.  After a failed migrate_from Pacemaker stops the resource.
e2e_log "migrate_from killed at every stage"
for ms in 0 5 15 40; do
	agent start 2>/dev/null || fail "setup: start before migrate_from killed after $ms ms"
	OCF_RESKEY_CRM_meta_migrate_source=vmg-n2 OCF_RESKEY_CRM_meta_migrate_target=vmg-n1 \
		killed_after migrate_from "$ms"
	check "migrate_from killed after $ms ms: the VM runs on, untouched" \
		eval 'agent monitor 2>/dev/null'
	OCF_RESKEY_force_stop=true agent stop 2>/dev/null
	check "... and the stop after it leaves nothing behind" \
		eval 'nothing_defined && test "$(monitor_rc)" -eq 7'
done
e2e_finish
