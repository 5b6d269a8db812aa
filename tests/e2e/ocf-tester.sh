#!/bin/bash
# resource-agents' ocf-tester against the agent, on a real libvirtd + QEMU
# (TCG) guest in a lab node; then the guest's own serial console proves the
# VM really ran and really stopped.
. "$(dirname "$0")/lib.sh"

cleanup() { "$LAB" down >/dev/null 2>&1 || true; }
trap cleanup EXIT

"$LAB" up --nodes 1 || { fail "lab up"; exit 1; }
xml=$VMG_LAB/ocft.xml
"$LAB" guest-xml ocft-vm > "$xml"
uri=$("$LAB" uri 1)

# Pacemaker's own view of the agent, as a crm or pcs user would query it.
install_agent
check "crm_resource --show-metadata gives DTD-valid metadata" eval \
	'crm_resource --show-metadata ocf:vmguard:VirtualMachine |
	 (cd /usr/share/resource-agents && xmllint --noout --valid -)'
check "crm_resource --validate accepts a good configuration" \
	crm_resource --validate --class ocf --provider vmguard --agent VirtualMachine \
		--option config="$xml" --option hypervisor="$uri"
out=$(crm_resource --validate --class ocf --provider vmguard --agent VirtualMachine \
	--option config="$xml" --option migration_bandwidth=lots 2>&1)
rc=$?
check "crm_resource --validate rejects a bad parameter (rc $rc)" test "$rc" -ne 0
check "... and names it" grep -q migration_bandwidth <<< "$out"

e2e_log "ocf-tester on $uri"
out=$(ocf-tester -v -n ocft-vm -o config="$xml" -o hypervisor="$uri" "$VMGUARD_AGENT" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/    /'
check "ocf-tester passes" test "$rc" -eq 0
check "ocf-tester ran start and stop" grep -q "Testing: starting a started resource" <<< "$out"

# The tester leaves the VM stopped: nothing may run in the node.
check "no domain left running" test -z "$("$LAB" virsh 1 list --name | tr -d '[:space:]')"

# Start through the agent and watch the guest's counter advance.
export OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=ocft-vm OCF_RESKEY_config=$xml \
	OCF_RESKEY_hypervisor=$uri OCF_RESKEY_CRM_meta_timeout=60000
check "start" "$VMGUARD_AGENT" start
first=$("$LAB" wait-tick 1 ocft-vm --timeout 30)
second=$("$LAB" wait-tick 1 ocft-vm --after "$(sed 's/.*n=\([0-9]*\).*/\1/' <<< "$first")" --timeout 10)
check "guest counter advances after start ($first -> $second)" test -n "$second"
check "monitor says running" "$VMGUARD_AGENT" monitor
"$VMGUARD_AGENT" stop
check "stop leaves the domain gone" test -z "$("$LAB" virsh 1 list --all --name | tr -d '[:space:]')"
"$VMGUARD_AGENT" monitor
check "monitor says not running after stop" test $? -eq 7

# The helper SIGKILLed at every stage of start and stop (a sweep of delays
# over the action), then what Pacemaker does after such a failure must
# converge: a stop after a failed start, another stop after a failed stop.
killed_after() {	# ACTION MS
	"$VMGUARD_AGENT" "$1" 2>/dev/null &
	local p=$!
	sleep "$(awk -v ms="$2" 'BEGIN { printf "%.3f", ms / 1000 }')"
	kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
}
nothing_defined() { test -z "$("$LAB" virsh 1 list --all --name | tr -d '[:space:]')"; }
monitor_rc() { "$VMGUARD_AGENT" monitor 2>/dev/null; echo $?; }
e2e_log "start killed at every stage"
for ms in 0 10 30 100 250 600 1500; do
	killed_after start "$ms"
	"$VMGUARD_AGENT" stop 2>/dev/null
	check "start killed after $ms ms: the stop after it leaves nothing behind (monitor $(monitor_rc))" \
		eval 'nothing_defined && test "$(monitor_rc)" -eq 7'
done
check "after all that, start works" "$VMGUARD_AGENT" start
check "... and the guest counts" eval '"$LAB" wait-tick 1 ocft-vm --timeout 60 >/dev/null'
e2e_log "stop killed at every stage"
for ms in 0 50 200 800 2500; do
	"$VMGUARD_AGENT" start 2>/dev/null
	"$LAB" wait-tick 1 ocft-vm --timeout 60 >/dev/null	# booted: it can act on ACPI
	killed_after stop "$ms"
	"$VMGUARD_AGENT" stop 2>/dev/null
	check "stop killed after $ms ms: the stop after it completes it (monitor $(monitor_rc))" \
		eval 'nothing_defined && test "$(monitor_rc)" -eq 7'
done
# One node only: the domain is already "arrived", and migrate_from's stages
# (find it running, ask the cluster about its peers) are those that follow a
# real migration.  After a failed migrate_from Pacemaker stops the resource.
e2e_log "migrate_from killed at every stage"
for ms in 0 5 15 40; do
	"$VMGUARD_AGENT" start 2>/dev/null
	OCF_RESKEY_CRM_meta_migrate_source=vmg-n2 OCF_RESKEY_CRM_meta_migrate_target=vmg-n1 \
		killed_after migrate_from "$ms"
	check "migrate_from killed after $ms ms: the VM runs on, untouched" \
		eval '"$VMGUARD_AGENT" monitor 2>/dev/null'
	OCF_RESKEY_force_stop=true "$VMGUARD_AGENT" stop 2>/dev/null
	check "... and the stop after it leaves nothing behind" \
		eval 'nothing_defined && test "$(monitor_rc)" -eq 7'
done
e2e_finish
