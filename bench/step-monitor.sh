# shellcheck shell=bash
# Step "monitor" (sourced by bench/run-all, cluster in maintenance-mode): the recurring monitor of
# a running VM by each agent, one resource per agent in the CIB (bench-mon-AGENT, same guest), the
# agents alternating call by call on the same libvirtd, with the floor of a libvirt client
# (bench/floor.c) and of the harness (/bin/true) in the same alternation.  Per call: wall time,
# CPU time of the agent's process tree, peak RSS; libvirtd's CPU during the calls.
# Then vmguard and the floor alone, BENCH_PAIR_REPS (200) calls each, alternating: the ratio to
# the floor from many calls (one call varies by 2x on a 2-CPU machine).
reps=${BENCH_MONITOR_REPS:-60}
vm=bench-mon
AGENTS_MON=(vmguard vd vd-cheap)
guest_xml $vm
for a in "${AGENTS_MON[@]}"; do create_rsc "$vm-$a" "$a" "$VMG_LAB/$vm.xml"; done
"$LAB" virsh 1 create "$VMG_LAB/$vm.xml" >/dev/null
"$LAB" wait-tick 1 $vm --timeout 60 >/dev/null
common=(--rsc "$vm" --meta timeout=20000 --meta interval=10000 --meta name=monitor
	--libvirtd-pid "$(libvirtd_pid 1)")
blog "monitor: $reps calls of each agent and of the floors, alternating"
agentrun 1 monitor --agent vmguard --agent vd --agent vd-cheap --agent floor --agent noop \
	--action monitor --reps "$reps" --warmup 3 "${common[@]}" >/dev/null
pairs=${BENCH_PAIR_REPS:-200}
blog "monitor: $pairs calls of vmguard and of the libvirt floor, alternating"
agentrun 1 monitor --agent vmguard --agent floor --action monitor --reps "$pairs" --warmup 3 --tag pair \
	"${common[@]}" >/dev/null
blog "monitor: instructions, counted by callgrind"
agentrun 1 monitor --agent vmguard --agent floor --agent vd-cheap --action monitor --reps 1 --tag callgrind \
	--callgrind "${common[@]}" >/dev/null
blog "monitor: process-tree memory, sampled"
agentrun 1 monitor --agent vmguard --agent vd --agent vd-cheap --action monitor --reps 10 --tag mem \
	--sample-mem --sample-ms 1 "${common[@]}" >/dev/null
blog "monitor: a VM that is not running (probe)"
"$LAB" virsh 1 destroy $vm >/dev/null
agentrun 1 monitor --agent vmguard --agent vd --agent vd-cheap --action monitor --reps 20 --tag probe \
	--rsc $vm --meta timeout=20000 --meta interval=0 --meta name=monitor \
	--libvirtd-pid "$(libvirtd_pid 1)" >/dev/null
forget_rsc "${AGENTS_MON[@]/#/$vm-}"
