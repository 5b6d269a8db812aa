# shellcheck shell=bash
# Step "startstop" (sourced by bench/run-all): start and stop of one VM by each agent, alternating,
# on the same guest.  Stop is graceful for both (ACPI power button first; the guest powers off on
# it); it is measured only once the guest has booted, so that the guest can act on the button.
reps=${BENCH_STARTSTOP_REPS:-5}
vm=bench-ss
guest_xml $vm
common=(--rsc "$vm" --param "config=$VMG_LAB/$vm.xml" --meta timeout=60000 --libvirtd-pid "$(libvirtd_pid 1)")
for ((rep = 0; rep < reps; rep++)); do
	order="vmguard vd"; ((rep % 2)) && order="vd vmguard"
	for a in $order; do
		destroy_everywhere $vm
		agentrun 1 startstop --agent "$a" --action start "${common[@]}" >/dev/null
		"$LAB" wait-tick 1 $vm --timeout 60 >/dev/null
		agentrun 1 startstop --agent "$a" --action stop "${common[@]}" >/dev/null
		[ -z "$(active_on $vm)" ] || { blog "startstop: $vm still runs after $a stop"; record startstop "agent=$a" "error=still running"; }
	done
done
destroy_everywhere $vm
