# shellcheck shell=bash
# Step "drain" (sourced by bench/run-all, under Pacemaker): N idle VMs of one agent run on a node;
# the node is put in standby; measured: from the standby until the DC logs the end of its last
# transition (every migrate_to, migrate_from, stop on the source and first monitor on the target
# has returned), and, polled as a cross-check (0.5 s resolution), until Pacemaker has all of them
# started on the target and only there, as libvirt sees it.  Same resource definition for both
# agents (create_rsc), both moved by live migration (allow-migrate=true), Pacemaker's defaults for
# parallel actions.  vmguard against VirtualDomain in its cheapest configuration (vd-cheap).  For
# each N the VMs are created once per agent and drained BENCH_DRAIN_RUNS (3) times, back and forth;
# the agents' order alternates from one N to the next.
sizes=${BENCH_DRAIN_SIZES:-1 4 8}
runs=${BENCH_DRAIN_RUNS:-3}
mem=${BENCH_DRAIN_MEM:-96}
in1 crm_attribute --type rsc_defaults --name resource-stickiness --update 100 >/dev/null
k=0
drain_run() {	# AGENT N RUN SRC NAME...
	local a=$1 n=$2 run=$3 src=$4 dst v b cold load off1 off2 t0 drain done_ms log notes; shift 4
	local -A boot=()
	dst=$(other "$src")
	for v in "$@"; do b=$("$LAB" wait-tick "${src#vmg-n}" "$v" --timeout 120); boot[$v]=${b% n=*}; done
	# the target's console logs of an earlier visit would answer for the new one
	for v in "$@"; do rm -f "$("$LAB" serial-log "${dst#vmg-n}" "$v")"; done
	sleep 3
	load=$(loadavg)
	off1=$(pcmk_log_size 1) off2=$(pcmk_log_size 2)
	t0=$(now)
	standby "$src" on
	if wait_until 300 all_settled_on "$dst" "$@"; then drain=$(ms_since "$t0"); else drain=; fi
	sleep 3	# the transition's last actions (first monitors on the target) return
	done_ms=$(transition_done_ms "$t0" "$off1" "$off2")
	cold=0
	for v in "$@"; do
		b=$("$LAB" wait-tick "${dst#vmg-n}" "$v" --timeout 60)
		[ "${b% n=*}" = "${boot[$v]}" ] || cold=$((cold + 1))
	done
	if [ "$src" = vmg-n1 ]; then log=$(pcmk_log 1 "$off1"); else log=$(pcmk_log 2 "$off2"); fi
	notes=
	[ -n "$drain" ] || notes="not all on $dst after 300 s"
	[ "$cold" = 0 ] || notes="$notes $cold VM(s) rebooted (not live-migrated)"
	record drain "agent=$a" "n=$n" "run=$run" "from=$src" "mem_mib=$mem" ${drain:+"drain_poll_ms=$drain"} \
		${done_ms:+"drain_ms=$done_ms"} "cold=$cold" "load=$load" \
		"migrate_to_ok=$(grep -ac "Result of migrate_to operation for drain[0-9]* on $src: ok" <<<"$log")" \
		"failed_actions=$(for v in "$@"; do failed_actions "$v"; done | awk '{ t += $1 } END { print t + 0 }')" "notes=${notes# }"
	standby "$src" off
	in1 crm_resource --cleanup >/dev/null 2>&1
	[ -n "$drain" ]
}
for n in $sizes; do
	order="vd-cheap vmguard"; ((k++ % 2)) && order="vmguard vd-cheap"
	for a in $order; do
		names=()
		for ((i = 1; i <= n; i++)); do names+=("drain$i"); done
		blog "drain: $n VM(s) of $a, $runs runs"
		standby vmg-n2 on
		for v in "${names[@]}"; do
			guest_xml "$v" --mem "$mem"
			create_rsc "$v" "$a" "$VMG_LAB/$v.xml" >/dev/null
		done
		if ! wait_until 240 all_settled_on vmg-n1 "${names[@]}"; then
			blog "drain: the VMs did not all start on vmg-n1"
			record drain "agent=$a" "n=$n" "notes=setup failed: not all started on vmg-n1"
			delete_rsc "${names[@]}"; standby vmg-n2 off
			continue
		fi
		standby vmg-n2 off
		src=vmg-n1
		for ((run = 1; run <= runs; run++)); do
			blog "drain: $n VM(s) of $a, run $run from $src"
			drain_run "$a" "$n" "$run" "$src" "${names[@]}" || break
			src=$(other "$src")
		done
		delete_rsc "${names[@]}"
		in1 crm_resource --cleanup >/dev/null 2>&1
	done
done
