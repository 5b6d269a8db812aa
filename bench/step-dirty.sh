# shellcheck shell=bash
# Step "dirty" (sourced by bench/run-all, under Pacemaker): drain the node of a guest that keeps
# dirtying 32 MiB with the migration capped at 5 MiB/s, so that pre-copy cannot converge.  Same
# settings for every run: migration_speed=5, migration_downtime=300, migrate_to timeout 30 s,
# stop/start 60 s.  The guest stays; each run drains it from the node it is on to the other.
#   vmguard             defaults (the watchdog raises the max downtime, then aborts: cold move)
#   vmguard-postcopy    migration_postcopy=auto (the watchdog switches to post-copy)
#   vmguard-vdopts-postcopy, vmguard-vdopts-suspend: vmguard given VirtualDomain's
#                       migrate_options below (the drop-in: same options, same behaviour?)
#   vd-cheap            VirtualDomain, cheapest configuration (virsh migrate runs until
#                       Pacemaker's timeout kills it)
#   vd-cheap-postcopy   its own remedy: migrate_options="--postcopy --timeout 8 --timeout-postcopy"
#   vd-cheap-suspend    migrate_options="--timeout 8" (virsh suspends the guest to finish)
# BENCH_DIRTY_RUNS (3) runs of each agent's defaults, one of each other variant.  Measured:
# standby until the cluster has settled (the DC logs the end of its last transition, once the VM
# runs on the other node only and ticks there); when migrate_to returned (Pacemaker's log); how
# long the guest's console stopped counting (a poller, 0.2 s resolution); how the VM got there
# (same boot id: live migration; new boot id: stopped and started).
runs=${BENCH_DIRTY_RUNS:-3}
vm=bench-dirty
guest_xml $vm --dirty 32
in1 crm_attribute --type rsc_defaults --name resource-stickiness --update 100 >/dev/null
poll_ticks() {	# FILE : "time node tick" every 0.2 s, until killed
	while :; do
		printf '%s 1 %s\n%s 2 %s\n' "$(now)" "$("$LAB" tick 1 $vm)" "$(now)" "$("$LAB" tick 2 $vm)"
		sleep 0.2
	done > "$1"
}
# the time the guest stopped counting on node SRC and the first time it counted on node DST
gap_ms() {	# FILE SRC DST
	awk -v s="$2" -v d="$3" '$2 == s && $3 != "" && $4 != last1 { last1 = $4; t1 = $1 }
	     $2 == d && $3 != "" && t2 == "" { t2 = $1 }
	     END { if (t1 != "" && t2 != "") printf "%d", (t2 - t1) * 1000 }' "$1"
}
# milliseconds between the standby and the end of migrate_to in the source's Pacemaker log
migrate_to_end() {	# T0(epoch) LOG SRC
	local line ts
	line=$(grep -a "Result of migrate_to operation for $rsc on $3" <<<"$2" | tail -n 1)
	[ -n "$line" ] || return 0
	ts=$(log_time "$line") || return 0
	awk -v a="$1" -v b="$ts" 'BEGIN { printf "%d", (b - a) * 1000 }'
}
where=vmg-n1
# the resource ($rsc, one per agent) is started on NODE by Pacemaker and the VM runs there only
rsc_settled() { [ "$(location "$rsc")" = "$1" ] && [ "$(active_on $vm)" = "$1" ]; }
# A parameter change restarts the resource unless the agent reloads it (VirtualDomain's
# migrate_options): the restart must be over before a drain is timed, or the drain is that
# restart (a stop and a start, no migrate_to).
settle_param() {	# RSC
	in1 crm_resource --wait --timeout=120s >/dev/null 2>&1
	wait_until 120 rsc_settled "$where" || blog "dirty: $1 did not settle on $where after a parameter change"
	in1 crm_resource --cleanup --resource "$1" >/dev/null 2>&1
	in1 crm_resource --wait --timeout=60s >/dev/null 2>&1
}
# one drain of the guest from $where to the other node
dirty_run() {	# LABEL AGENT RUN
	local label=$1 agent=$2 run=$3 src=$where dst s d ticks off1 off2 t0 settle done_ms before after
	local outcome notes res srclog
	dst=$(other "$src") s=${src#vmg-n} d=${dst#vmg-n}
	blog "dirty: $label run $run, $src -> $dst"
	before=$("$LAB" wait-tick "$s" $vm --timeout 90)
	sleep 3	# the dirtier is running
	rm -f "$("$LAB" serial-log "$d" $vm)"
	ticks=$BENCH_OUT/dirty-$label-$run.ticks
	off1=$(pcmk_log_size 1) off2=$(pcmk_log_size 2)
	poll_ticks "$ticks" & poller=$!
	t0=$(now)
	standby "$src" on
	if wait_until 300 eval 'rsc_settled $dst && [ -n "$("$LAB" tick $d $vm)" ]'; then
		settle=$(ms_since "$t0")
	else
		settle=
	fi
	sleep 3	# the transition's last actions return
	kill "$poller"; wait "$poller" 2>/dev/null
	done_ms=$(transition_done_ms "$t0" "$off1" "$off2")
	after=$("$LAB" tick "$d" $vm)
	if [ -z "$settle" ]; then outcome="not settled after 300 s (on: $(active_on $vm | tr '\n' ' '))"
	elif [ "${before% n=*}" = "${after% n=*}" ]; then outcome="live migration"
	else outcome="stopped on the source, started on the target"; fi
	if [ "$s" = 1 ]; then srclog=$(pcmk_log 1 "$off1"); else srclog=$(pcmk_log 2 "$off2"); fi
	notes=
	grep -aq "aborting the migration of $vm" <<<"$srclog" &&
		notes="watchdog aborted: $(grep -ao "aborting the migration of $vm: .*" <<<"$srclog" | head -n1 | sed 's/^[^:]*: //; s/ *\]$//')"
	grep -aq "$vm.*switched to post-copy" <<<"$srclog" && notes="$notes; watchdog switched to post-copy"
	res=$(grep -ao "Result of migrate_to operation for $rsc on $src: [^|]*" <<<"$srclog" | tail -n 1 | sed "s/.*$src: //")
	notes="$notes; migrate_to result: ${res:-none}"
	record dirty "label=$label" "agent=$agent" "run=$run" "outcome=$outcome" "settle_poll_ms=${settle:-300000}" \
		${done_ms:+"settle_ms=$done_ms"} "migrate_to_ms=$(migrate_to_end "$t0" "$srclog" "$src")" \
		"gap_ms=$(gap_ms "$ticks" "$s" "$d")" "failed_actions=$(failed_actions "$rsc")" "notes=${notes#; }" "load=$(loadavg)"
	pcmk_log 1 "$off1" | grep -a "$vm" > "$BENCH_OUT/dirty-$label-$run.pcmk-n1.log"
	pcmk_log 2 "$off2" | grep -a "$vm" > "$BENCH_OUT/dirty-$label-$run.pcmk-n2.log"
	standby "$src" off
	in1 crm_resource --cleanup --resource "$rsc" >/dev/null 2>&1
	[ -n "$settle" ] && where=$dst
	sleep 2
}

for agent in vmguard vd-cheap; do
	rsc=$vm-$agent
	standby "$(other "$where")" on
	MIGRATE_TO_TIMEOUT=30 create_rsc "$rsc" "$agent" "$VMG_LAB/$vm.xml" migration_speed=5 migration_downtime=300
	wait_until 120 rsc_settled "$where" || blog "dirty: $rsc did not start on $where"
	standby "$(other "$where")" off
	for ((run = 1; run <= runs; run++)); do dirty_run "$agent" "$agent" "$run"; done
	if [ "$agent" = vmguard ]; then
		set_param "$rsc" migration_postcopy auto
		settle_param "$rsc"
		dirty_run vmguard-postcopy vmguard 1
		del_param "$rsc" migration_postcopy
		set_param "$rsc" migrate_options "--postcopy --timeout 8 --timeout-postcopy"
		settle_param "$rsc"
		dirty_run vmguard-vdopts-postcopy vmguard 1
		set_param "$rsc" migrate_options "--timeout 8"
		settle_param "$rsc"
		dirty_run vmguard-vdopts-suspend vmguard 1
	else
		set_param "$rsc" migrate_options "--postcopy --timeout 8 --timeout-postcopy"
		settle_param "$rsc"
		dirty_run vd-cheap-postcopy vd-cheap 1
		set_param "$rsc" migrate_options "--timeout 8"
		settle_param "$rsc"
		dirty_run vd-cheap-suspend vd-cheap 1
	fi
	delete_rsc "$rsc=$vm"
	in1 crm_resource --cleanup >/dev/null 2>&1
done
