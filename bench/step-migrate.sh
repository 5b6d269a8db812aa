# shellcheck shell=bash
# Step "migrate" (sourced by bench/run-all): live migration of one idle guest by each agent's
# migrate_to (on the source) + migrate_from (on the target), called directly as Pacemaker would,
# alternating agents and directions on the same guest.  Two settings, the same for both agents:
#   default  only the transport and the data link (migrateuri=tcp://%n-fast)
#   capped   plus migration_speed=100 (MiB/s) and migration_downtime=300 (ms)
# libvirt's total time and downtime: vmguard logs the completed-job statistics it fetches from
# the target; for VirtualDomain, virsh domjobinfo --completed on the target.
reps=${BENCH_MIGRATE_REPS:-10}
vm=bench-mig
guest_xml $vm
"$LAB" virsh 1 create "$VMG_LAB/$vm.xml" >/dev/null
boot0=$("$LAB" wait-tick 1 $vm --timeout 60 | sed 's/ n=.*//')
where=1

migrate_once() {	# AGENT SETTING REP [agentrun options]
	local a=$1 setting=$2 rep=$3 from=$where to=$((3 - where)) extra=() p j; shift 3
	for p in "${MIG_PARAMS[@]}"; do extra+=(--param "$p"); done
	[ "$setting" = capped ] && extra+=(--param migration_speed=100 --param migration_downtime=300)
	local common=(--rsc "$vm" --param "config=$VMG_LAB/$vm.xml" "${extra[@]}"
		--meta "migrate_source=vmg-n$from" --meta "migrate_target=vmg-n$to" --tag "$setting")
	agentrun $from migrate --agent "$a" --action migrate_to --meta timeout=120000 "${common[@]}" "$@" >/dev/null
	agentrun $to migrate --agent "$a" --action migrate_from --meta timeout=60000 "${common[@]}" >/dev/null
	j=$(jobinfo $to $vm)
	[ -n "$j" ] && record migrate-jobinfo "agent=$a" "tag=$setting" "rep=$rep" "elapsed_ms=${j% *}" "downtime_ms=${j#* }"
	if [ "$(active_on $vm)" != "vmg-n$to" ]; then
		blog "migrate: $a did not move $vm to vmg-n$to (active on: $(active_on $vm))"
		record migrate-error "agent=$a" "tag=$setting" "rep=$rep"
		return 1
	fi
	where=$to
	"$LAB" wait-tick $to $vm --timeout 30 >/dev/null
}

for setting in default capped; do
	blog "migrate: $setting settings, $reps migrations per agent"
	for ((rep = 0; rep < reps; rep++)); do
		order="vmguard vd"; ((rep % 2)) && order="vd vmguard"
		for a in $order; do migrate_once "$a" "$setting" "$rep" || break 2; done
	done
done
blog "migrate: process-tree memory, sampled"
for a in vmguard vd; do migrate_once $a mem 0 --sample-mem --sample-ms 10 || break; done
boot1=$("$LAB" tick $where $vm | sed 's/ n=.*//')
record migrate-guest "same_boot=$([ "$boot0" = "$boot1" ] && echo yes || echo no)"
destroy_everywhere $vm
