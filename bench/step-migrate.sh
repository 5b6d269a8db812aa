# shellcheck shell=bash
# Step "migrate" (sourced by bench/run-all, cluster in maintenance-mode): live migration of one idle
# guest by each agent's migrate_to (on the source) + migrate_from (on the target), called as
# pacemaker-execd would, alternating agents and directions on the same guest.  Two settings, the
# same for every agent, each a resource per agent in the CIB:
#   bench-mig-AGENT   default: only the transport and the data link (migrateuri=tcp://%n-fast)
#   bench-migc-AGENT  capped: plus migration_speed=100 (MiB/s) and migration_downtime=300 (ms)
# libvirt's total time and downtime: vmguard logs the completed-job statistics it fetches from
# the target; for VirtualDomain, virsh domjobinfo --completed on the target.
reps=${BENCH_MIGRATE_REPS:-2}
vm=bench-mig
AGENTS_MIG=(vmguard vd vd-cheap)
guest_xml $vm
for a in "${AGENTS_MIG[@]}"; do
	create_rsc "bench-mig-$a" "$a" "$VMG_LAB/$vm.xml"
	create_rsc "bench-migc-$a" "$a" "$VMG_LAB/$vm.xml" migration_speed=100 migration_downtime=300
done
"$LAB" virsh 1 create "$VMG_LAB/$vm.xml" >/dev/null
boot0=$("$LAB" wait-tick 1 $vm --timeout 60 | sed 's/ n=.*//')
where=1

migrate_once() {	# AGENT SETTING REP [agentrun options]
	local a=$1 setting=$2 rep=$3 from=$where to=$((3 - where)) prefix=bench-mig j; shift 3
	[ "$setting" = capped ] && prefix=bench-migc
	local common=(--rsc "$prefix" --meta "migrate_source=vmg-n$from" --meta "migrate_target=vmg-n$to"
		--tag "$setting")
	agentrun $from migrate --agent "$a" --action migrate_to --meta timeout=120000 \
		--meta name=migrate_to "${common[@]}" "$@" >/dev/null
	agentrun $to migrate --agent "$a" --action migrate_from --meta timeout=60000 \
		--meta name=migrate_from "${common[@]}" >/dev/null
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
		order=("${AGENTS_MIG[@]}")
		((rep % 2)) && order=(vd-cheap vd vmguard)
		for a in "${order[@]}"; do migrate_once "$a" "$setting" "$rep" || break 2; done
	done
done
blog "migrate: process-tree memory, sampled"
for a in "${AGENTS_MIG[@]}"; do migrate_once "$a" mem 0 --sample-mem --sample-ms 5 || break; done
boot1=$("$LAB" tick $where $vm | sed 's/ n=.*//')
record migrate-guest "same_boot=$([ "$boot0" = "$boot1" ] && echo yes || echo no)"
destroy_everywhere $vm
forget_rsc "${AGENTS_MIG[@]/#/bench-mig-}" "${AGENTS_MIG[@]/#/bench-migc-}"
