# shellcheck shell=bash
# Step "monitor" (sourced by bench/run-all): the recurring monitor of a running VM, both agents
# alternating call by call on the same guest and libvirtd.  Per call: wall time, CPU time of the
# agent's process tree, peak RSS; libvirtd's CPU during the calls.
reps=${BENCH_MONITOR_REPS:-200}
vm=bench-mon
guest_xml $vm
"$LAB" virsh 1 create "$VMG_LAB/$vm.xml" >/dev/null
"$LAB" wait-tick 1 $vm --timeout 60 >/dev/null
common=(--rsc "$vm" --param "config=$VMG_LAB/$vm.xml" --meta timeout=20000 --meta interval=10000
	--libvirtd-pid "$(libvirtd_pid 1)")
blog "monitor: $reps calls of each agent, alternating"
agentrun 1 monitor --agent vmguard --agent vd --action monitor --reps "$reps" --warmup 3 "${common[@]}" >/dev/null
blog "monitor: the harness floor (/bin/true)"
agentrun 1 monitor --agent noop --action monitor --reps 50 --tag floor "${common[@]}" >/dev/null
blog "monitor: process-tree memory, sampled"
agentrun 1 monitor --agent vmguard --agent vd --action monitor --reps 20 --tag mem --sample-mem --sample-ms 1 \
	"${common[@]}" >/dev/null
blog "monitor: a VM that is not running (probe)"
"$LAB" virsh 1 destroy $vm >/dev/null
agentrun 1 monitor --agent vmguard --agent vd --action monitor --reps 20 --tag stopped "${common[@]}" >/dev/null
