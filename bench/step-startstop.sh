# shellcheck shell=bash
# Step "startstop" (sourced by bench/run-all, cluster in maintenance-mode): start and stop of one
# VM by each agent (resource bench-ss-AGENT in the CIB, same guest), alternating.  Stop is graceful
# for all (ACPI power button first; the guest powers off on it); it is measured only once the
# guest has booted, so that the guest can act on the button.
reps=${BENCH_STARTSTOP_REPS:-2}
vm=bench-ss
AGENTS_SS=(vmguard vd vd-cheap)
guest_xml $vm
for a in "${AGENTS_SS[@]}"; do create_rsc "$vm-$a" "$a" "$VMG_LAB/$vm.xml"; done
common=(--rsc "$vm" --meta timeout=60000 --libvirtd-pid "$(libvirtd_pid 1)")
for ((rep = 0; rep < reps; rep++)); do
	order=("${AGENTS_SS[@]}")
	((rep % 2)) && order=(vd-cheap vd vmguard)
	for a in "${order[@]}"; do
		destroy_everywhere $vm
		agentrun 1 startstop --agent "$a" --action start --meta name=start "${common[@]}" >/dev/null
		"$LAB" wait-tick 1 $vm --timeout 60 >/dev/null
		agentrun 1 startstop --agent "$a" --action stop --meta name=stop "${common[@]}" >/dev/null
		[ -z "$(active_on $vm)" ] || { blog "startstop: $vm still runs after $a stop"; record startstop "agent=$a" "error=still running"; }
	done
done
destroy_everywhere $vm
forget_rsc "${AGENTS_SS[@]/#/$vm-}"
