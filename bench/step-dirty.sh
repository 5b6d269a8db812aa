# shellcheck shell=bash
# Step "dirty" (sourced by bench/run-all): drain the node of a guest that keeps dirtying 32 MiB
# with the migration capped at 5 MiB/s, so that pre-copy cannot converge.  Same settings for every
# run: migration_speed=5, migration_downtime=300, migrate_to timeout 60 s, stop/start 60 s.
#   vmguard           defaults (the watchdog raises the max downtime up to 2 s, then aborts)
#   vmguard-postcopy  migration_postcopy=auto (the watchdog switches to post-copy)
#   vd                VirtualDomain (virsh migrate runs until Pacemaker's timeout kills it)
# Measured: standby until the cluster has settled (the DC logs the end of its last transition, once
# the VM runs on the other node only and ticks there); when migrate_to returned (Pacemaker's log);
# how long the guest's console stopped counting (a poller, 0.2 s resolution); how the VM got there
# (same boot id: live migration; new boot id: stopped and started).
vm=bench-dirty
guest_xml $vm --dirty 32
in1 crm_attribute --type rsc_defaults --name resource-stickiness --update 100 >/dev/null
poll_ticks() {	# FILE : "time node tick" every 0.2 s, until killed
	while :; do
		printf '%s 1 %s\n%s 2 %s\n' "$(now)" "$("$LAB" tick 1 $vm)" "$(now)" "$("$LAB" tick 2 $vm)"
		sleep 0.2
	done > "$1"
}
# the time the guest stopped counting on vmg-n1 and the first time it counted on vmg-n2
gap_ms() {
	awk '$2 == 1 && $3 != "" && $4 != last1 { last1 = $4; t1 = $1 }
	     $2 == 2 && $3 != "" && t2 == "" { t2 = $1 }
	     END { if (t1 != "" && t2 != "") printf "%d", (t2 - t1) * 1000 }' "$1"
}
# milliseconds between the standby and the end of migrate_to in vmg-n1's Pacemaker log
migrate_to_end() {	# T0(epoch) LOG
	local line ts
	line=$(grep -a "Result of migrate_to operation for $vm on vmg-n1" <<<"$2" | tail -n 1)
	[ -n "$line" ] || return 0
	ts=$(log_time "$line") || return 0
	awk -v a="$1" -v b="$ts" 'BEGIN { printf "%d", (b - a) * 1000 }'
}

for variant in vmguard vd vmguard-postcopy; do
	agent=${variant%%-*} extra=()
	[ "$variant" = vmguard-postcopy ] && extra=(migration_postcopy=auto)
	blog "dirty: $variant"
	standby vmg-n2 on
	MIGRATE_TO_TIMEOUT=60 create_rsc "$vm" "$agent" "$VMG_LAB/$vm.xml" migration_speed=5 migration_downtime=300 "${extra[@]}"
	wait_until 120 settled_on $vm vmg-n1 || blog "dirty: $vm did not start on vmg-n1"
	before=$("$LAB" wait-tick 1 $vm --timeout 60)
	sleep 3	# the dirtier is running
	standby vmg-n2 off
	sleep 3
	rm -f "$("$LAB" serial-log 2 $vm)"
	ticks=$BENCH_OUT/dirty-$variant.ticks
	off1=$(pcmk_log_size 1) off2=$(pcmk_log_size 2)
	poll_ticks "$ticks" & poller=$!
	t0=$(now)
	standby vmg-n1 on
	if wait_until 300 eval 'settled_on $vm vmg-n2 && [ -n "$("$LAB" tick 2 $vm)" ]'; then
		settle=$(ms_since "$t0")
	else
		settle=
	fi
	sleep 3	# the transition's last actions return
	kill "$poller"; wait "$poller" 2>/dev/null
	done_ms=$(transition_done_ms "$t0" "$off1" "$off2")
	after=$("$LAB" tick 2 $vm)
	if [ -z "$settle" ]; then outcome="not settled after 300 s (on: $(active_on $vm | tr '\n' ' '))"
	elif [ "${before% n=*}" = "${after% n=*}" ]; then outcome="live migration"
	else outcome="stopped on the source, started on the target"; fi
	log=$(pcmk_log 1 "$off1")
	notes=
	grep -aq "aborting the migration of $vm" <<<"$log" &&
		notes="watchdog aborted: $(grep -ao "aborting the migration of $vm: .*" <<<"$log" | head -n1 | sed 's/^[^:]*: //; s/ *\]$//')"
	grep -aq "$vm.*switched to post-copy" <<<"$log" && notes="$notes; watchdog switched to post-copy"
	res=$(grep -ao "Result of migrate_to operation for $vm on vmg-n1: [^|]*" <<<"$log" | tail -n 1 | sed 's/.*vmg-n1: //')
	notes="$notes; migrate_to result: ${res:-none}"
	record dirty "label=$variant" "agent=$agent" "outcome=$outcome" "settle_poll_ms=${settle:-300000}" ${done_ms:+"settle_ms=$done_ms"} \
		"migrate_to_ms=$(migrate_to_end "$t0" "$log")" "gap_ms=$(gap_ms "$ticks")" \
		"failed_actions=$(failed_actions)" "notes=${notes#; }" "load=$(loadavg)"
	pcmk_log 1 "$off1" | grep -a "$vm" > "$BENCH_OUT/dirty-$variant.pcmk-n1.log"
	pcmk_log 2 "$off2" | grep -a "$vm" > "$BENCH_OUT/dirty-$variant.pcmk-n2.log"
	delete_rsc $vm
	standby vmg-n1 off
	in1 crm_resource --cleanup >/dev/null 2>&1
done
