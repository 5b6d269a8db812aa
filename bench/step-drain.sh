# shellcheck shell=bash
# Step "drain" (sourced by bench/run-all): N idle VMs of one agent run on vmg-n1; vmg-n1 is put in
# standby; measured: from the standby until the DC logs the end of its last transition (every
# migrate_to, migrate_from, stop on the source and first monitor on vmg-n2 has returned), and,
# polled as a cross-check (0.5 s resolution), until Pacemaker has all of them started on vmg-n2
# and only there, as libvirt sees it.  Same resource definition for both agents (create_rsc), both moved
# by live migration (allow-migrate=true), Pacemaker's defaults for parallel actions.  The two
# agents alternate, first one then the other for each N.
# one drain per agent for each entry; repeat a size for more runs
sizes=${BENCH_DRAIN_SIZES:-1 1 1 4 4 8}
mem=${BENCH_DRAIN_MEM:-96}
in1 crm_attribute --type rsc_defaults --name resource-stickiness --update 100 >/dev/null
k=0
for n in $sizes; do
	order="vd vmguard"; ((k++ % 2)) && order="vmguard vd"
	for a in $order; do
		names=()
		for ((i = 1; i <= n; i++)); do names+=("drain$i"); done
		blog "drain: $n VM(s) of $a"
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
		declare -A boot=()
		for v in "${names[@]}"; do b=$("$LAB" wait-tick 1 "$v" --timeout 120); boot[$v]=${b% n=*}; done
		standby vmg-n2 off
		sleep 5
		load=$(loadavg)
		off1=$(pcmk_log_size 1) off2=$(pcmk_log_size 2)
		t0=$(now)
		standby vmg-n1 on
		if wait_until 300 all_settled_on vmg-n2 "${names[@]}"; then
			drain=$(ms_since "$t0")
		else
			drain=
		fi
		sleep 3	# the transition's last actions (first monitors on vmg-n2) return
		done_ms=$(transition_done_ms "$t0" "$off1" "$off2")
		cold=0
		for v in "${names[@]}"; do
			b=$("$LAB" wait-tick 2 "$v" --timeout 60)
			[ "${b% n=*}" = "${boot[$v]}" ] || cold=$((cold + 1))
		done
		log=$(pcmk_log 1 "$off1")
		notes=
		[ -n "$drain" ] || notes="not all on vmg-n2 after 300 s"
		[ "$cold" = 0 ] || notes="$notes $cold VM(s) rebooted (not live-migrated)"
		record drain "agent=$a" "n=$n" "mem_mib=$mem" ${drain:+"drain_poll_ms=$drain"} ${done_ms:+"drain_ms=$done_ms"} "cold=$cold" "load=$load" \
			"migrate_to_ok=$(grep -ac "Result of migrate_to operation for drain[0-9]* on vmg-n1: ok" <<<"$log")" \
			"failed_actions=$(failed_actions)" "notes=${notes# }"
		delete_rsc "${names[@]}"
		standby vmg-n1 off
		in1 crm_resource --cleanup >/dev/null 2>&1
		unset boot
	done
done
