#!/bin/bash
# The safety contract (docs/safety.md) where it needs real libvirtd and QEMU:
# the agent as installed, run by hand inside 2 lab nodes (no cluster), on the
# busybox guest whose serial console prints a counter and a boot id.
#  1. item 4: the target's management link is down: migrate_to under a 60 s
#     timeout returns in seconds, and the VM keeps running on the source;
#  2. item 4: the source's QEMU stops answering mid-migration (SIGSTOP):
#     migrate_to still ends before its 40 s timeout, and once QEMU answers
#     again the VM is active on exactly one node;
#  3. item 5: a managed-save image is not restored by start: the guest boots
#     afresh (new boot id), the log says so, autostart is cleared;
#  4. item 1: a <uuid> added to the config under the running VM: monitor still
#     says running, stop stops it;
#  5. item 2: the config file gone under the running VM: a probe says running,
#     stop stops it, then a probe says 7 (never 5);
#  6. item 6: a stop of the source while a post-copy migration runs (slowed
#     down by its own bandwidth cap) fails in time and destroys nothing: the
#     migration completes and the guest goes on on the target, same boot;
#  7. item 4: QEMU frozen (SIGSTOP) before stop: the power-off request gets
#     no answer, stop destroys the domain and returns 0 within its timeout;
#  8. item 4: the target's libvirtd frozen (SIGSTOP) mid-migration: migrate_to
#     ends before its timeout, and once the daemon answers again the VM is
#     active on exactly one node, the source, with the boot it had.
. "$(dirname "$0")/lib.sh"

NAME=safe1
CONFIG=$VMG_LAB/$NAME.xml
AGENT_LOG=$VMG_LAB/safety-agent.log

cleanup() {
	[ -n "${frozen:-}" ] && kill -CONT "$frozen" 2>/dev/null
	"$LAB" link-up 2 mgmt >/dev/null 2>&1
	"$LAB" down >/dev/null 2>&1 || true
}
trap cleanup EXIT

# agent N ACTION [NAME=VALUE...]: the installed agent in node N, as Pacemaker
# runs it (a recurring monitor unless OCF_RESKEY_CRM_meta_interval=0 is given).
agent() {
	local n=$1 action=$2; shift 2
	in_node "$n" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin OCF_ROOT=/usr/lib/ocf \
		OCF_RESOURCE_INSTANCE=$NAME OCF_RESKEY_config="$CONFIG" HA_LOGFILE="$AGENT_LOG" \
		HA_LOGFACILITY=none OCF_RESKEY_CRM_meta_timeout=60000 \
		OCF_RESKEY_CRM_meta_interval=10000 OCF_RESKEY_shutdown_mode=acpi "$@" \
		"$VMGUARD_AGENT" "$action"
}
active_on() { "$LAB" virsh "$1" list --name 2>/dev/null | grep -qx "$NAME"; }
defined_on() { "$LAB" virsh "$1" list --all --name 2>/dev/null | grep -qx "$NAME"; }
# The counter advances past what it showed: the guest runs, not a stale log.
runs_on() {
	local first
	first=$("$LAB" wait-tick "$1" "$NAME" --timeout 30) &&
		"$LAB" wait-tick "$1" "$NAME" --after "$(count_of "$first")" --timeout 10 >/dev/null
}
rc_of() { "$@" >/dev/null 2>&1; echo $?; }
# migrate_to vmg-n2 under a 40 s timeout, capped at 5 MiB/s so that the
# dirtying guest keeps it running; the process of PIDFILE is frozen (SIGSTOP)
# once the migration is under way, and thawed when migrate_to has returned,
# which must be with 1 before the timeout.  Sets frozen (its pid) and rc.
incoming() { active_on 2; }
migrate_freezing() {	# PIDFILE
	local start took migrating
	start=$(date +%s%N) frozen=
	agent 1 migrate_to OCF_RESKEY_CRM_meta_migrate_target=vmg-n2 OCF_RESKEY_CRM_meta_timeout=40000 \
		OCF_RESKEY_migration_transport=tcp OCF_RESKEY_migration_network=-fast \
		OCF_RESKEY_migration_bandwidth=5 > /dev/null 2>&1 &
	migrating=$!
	if wait_until 20 incoming && frozen=$(cat "$1") && kill -STOP "$frozen"; then
		e2e_log "pid $frozen frozen $(( ($(date +%s%N) - start) / 1000000 )) ms after migrate_to began"
	else
		frozen=
		fail "setup: the migration never got under way"
	fi
	wait "$migrating"
	rc=$?
	took=$(( ($(date +%s%N) - start) / 1000000 ))
	e2e_log "migrate_to returned $rc after $took ms (timeout 40000 ms)"
	[ -n "$frozen" ] && kill -CONT "$frozen"
	check "migrate_to fails (rc $rc = 1)" test "$rc" -eq 1
	check "migrate_to ends before its 40 s timeout ($took ms)" test "$took" -lt 40000
}
# A guest keeping 32 MiB dirty started on vmg-n1 by the agent; BEFORE: its
# first tick.
start_dirtying() {
	"$LAB" guest-xml "$NAME" --dirty 32 > "$CONFIG"
	check "start on vmg-n1, dirtying guest" test "$(rc_of agent 1 start)" -eq 0
	BEFORE=$("$LAB" wait-tick 1 "$NAME" --timeout 30)
	check "setup: it runs ($BEFORE)" test -n "$BEFORE"
}
remove_domain() {
	"$LAB" virsh "$1" destroy "$NAME" >/dev/null 2>&1
	"$LAB" virsh "$1" managedsave-remove "$NAME" >/dev/null 2>&1
	"$LAB" virsh "$1" undefine "$NAME" >/dev/null 2>&1
	! defined_on "$1"
}

# ------------------------------------------------------------------------
"$LAB" up --nodes 2 || { fail "lab up"; exit 1; }
install_agent || { fail "install the agent"; exit 1; }
"$LAB" guest-xml "$NAME" > "$CONFIG"
grep -q '<uuid>' "$CONFIG" && sed -i '/<uuid>/d' "$CONFIG"
check "setup: the config has a name and no <uuid>" \
	eval 'grep -q "<name>$NAME</name>" "$CONFIG" && ! grep -q "<uuid>" "$CONFIG"'

e2e_log "case 1: migrate_to with the target's management link down (item 4)"
check "start on vmg-n1" test "$(rc_of agent 1 start)" -eq 0
check "setup: the guest runs on vmg-n1" runs_on 1
"$LAB" link-down 2 mgmt
start=$(date +%s%N)
rc=$(rc_of agent 1 migrate_to OCF_RESKEY_CRM_meta_migrate_target=vmg-n2 \
	OCF_RESKEY_migration_transport=tcp OCF_RESKEY_migration_network=-fast)
took=$(( ($(date +%s%N) - start) / 1000000 ))
e2e_log "migrate_to returned $rc after $took ms (timeout 60000 ms)"
check "migrate_to fails (rc $rc = 1)" test "$rc" -eq 1
check "migrate_to returns in seconds ($took ms <= 20000), not after the 60 s timeout" \
	test "$took" -le 20000
check "the VM still runs on vmg-n1" runs_on 1
check "and not on vmg-n2" eval '! active_on 2'
"$LAB" link-up 2 mgmt
check "stop" test "$(rc_of agent 1 stop)" -eq 0

e2e_log "case 2: QEMU stops answering mid-migration (item 4)"
# A guest dirtying memory faster than the capped bandwidth keeps the
# migration running; then its QEMU is frozen: libvirt's calls on it hang.
"$LAB" guest-xml "$NAME" --dirty 32 > "$CONFIG"
check "start on vmg-n1, dirtying guest" test "$(rc_of agent 1 start)" -eq 0
check "setup: it runs" runs_on 1
migrate_freezing "$VMG_LAB/nodes/vmg-n1/run/libvirt/qemu/$NAME.pid"
one_node() { [ "$( (active_on 1 && echo 1; active_on 2 && echo 2) | wc -l)" -eq 1 ]; }
check "once QEMU answers again, the VM is active on exactly one node" wait_until 60 one_node
"$LAB" virsh 1 destroy "$NAME" >/dev/null 2>&1
"$LAB" virsh 2 destroy "$NAME" >/dev/null 2>&1
"$LAB" guest-xml "$NAME" > "$CONFIG"

e2e_log "case 3: a managed-save image is not restored (item 5)"
check "setup: no domain on either node" eval '! defined_on 1 && ! defined_on 2'
"$LAB" virsh 1 define "$CONFIG" >/dev/null
"$LAB" virsh 1 start "$NAME" >/dev/null
"$LAB" virsh 1 autostart "$NAME" >/dev/null
# The serial log is rewritten at every QEMU start (append='off'): any tick
# is this boot's.
SAVED=$("$LAB" wait-tick 1 "$NAME" --timeout 30)
"$LAB" virsh 1 managedsave "$NAME" >/dev/null
check "setup: a managed-save image exists" \
	eval '"$LAB" virsh 1 dominfo "$NAME" | grep -q "Managed save: *yes"'
mark=$(log_mark "$AGENT_LOG")
check "start, persistent" test "$(rc_of agent 1 start OCF_RESKEY_persistent=true)" -eq 0
AFTER=$("$LAB" wait-tick 1 "$NAME" --timeout 30)
e2e_log "boot id before the save $(boot_of "$SAVED"), after the start $(boot_of "$AFTER")"
check "the guest booted afresh (boot id changed)" \
	eval '[ -n "$(boot_of "$SAVED")" ] && [ -n "$(boot_of "$AFTER")" ] &&
		[ "$(boot_of "$SAVED")" != "$(boot_of "$AFTER")" ]'
removal_logged() { log_since "$AGENT_LOG" "$mark" | grep -q "removing the managed-save image of $NAME"; }
check "the log says the image was removed" removal_logged
check "autostart is cleared" eval '"$LAB" virsh 1 dominfo "$NAME" | grep -q "Autostart: *disable"'

e2e_log "case 4: a <uuid> added to the config under the running VM (item 1)"
sed -i "s|<name>$NAME</name>|<name>$NAME</name><uuid>5afe0000-0000-4000-8000-000000000001</uuid>|" "$CONFIG"
check "setup: the config now has another uuid than the running domain" \
	eval '! "$LAB" virsh 1 domuuid "$NAME" | grep -q 5afe0000'
check "monitor still says running" test "$(rc_of agent 1 monitor)" -eq 0
check "stop" test "$(rc_of agent 1 stop OCF_RESKEY_persistent=true)" -eq 0
check "the VM is stopped" eval '! active_on 1'
check "start (persistent: the old definition is replaced)" \
	test "$(rc_of agent 1 start OCF_RESKEY_persistent=true)" -eq 0
check "it runs with the new uuid" \
	eval '"$LAB" virsh 1 domuuid "$NAME" | grep -q 5afe0000-0000-4000-8000-000000000001'

e2e_log "case 5: the config file gone under the running VM (item 2)"
mv "$CONFIG" "$CONFIG.away"
check "probe says running (rc 0)" test "$(rc_of agent 1 monitor OCF_RESKEY_CRM_meta_interval=0)" -eq 0
check "stop stops it" test "$(rc_of agent 1 stop OCF_RESKEY_persistent=true)" -eq 0
check "the VM is stopped" eval '! active_on 1'
check "then a probe says not running (rc 7, not 5)" \
	test "$(rc_of agent 1 monitor OCF_RESKEY_CRM_meta_interval=0)" -eq 7
check "on the other node, which never started it, a probe says 7 too" \
	test "$(rc_of agent 2 monitor OCF_RESKEY_CRM_meta_interval=0)" -eq 7
mv "$CONFIG.away" "$CONFIG"
check "cleanup: no domain left" remove_domain 1

e2e_log "case 6: a stop of the source during a post-copy migration (item 6)"
# The post-copy phase is slowed down (its own cap, 2 MiB/s, on a guest that
# keeps 32 MiB dirty: about 20 s), so that a stop of the source lands in it.
# The migration is virsh's, not the agent's: any post-copy job counts.
start_dirtying
# Pre-copy capped at 20 MiB/s (it cannot end before the switch, asked as
# soon as the target's domain exists; --postcopy-after-precopy lost that race
# once: the pre-copy converged first), post-copy at 2 MiB/s.
timeout 300 virsh -q -c "$("$LAB" uri 1)" migrate --live --p2p --postcopy --bandwidth 20 \
	--postcopy-bandwidth 2 "$NAME" qemu+tcp://vmg-n2/system \
	tcp://vmg-n2-fast > "$VMG_LAB/postcopy-migrate.log" 2>&1 &
migrating=$!
in_postcopy() { "$LAB" virsh 1 domstate --reason "$NAME" 2>/dev/null | grep -q 'paused (post-copy)'; }
# (retried: QEMU refuses the switch until its migration is active)
switched() { "$LAB" virsh 1 migrate-postcopy "$NAME" >/dev/null 2>&1; }
wait_until 30 switched
if wait_until 60 in_postcopy; then
	mark=$(log_mark "$AGENT_LOG")
	start=$(date +%s%N)
	rc=$(rc_of agent 1 stop OCF_RESKEY_CRM_meta_timeout=10000)
	took=$(( ($(date +%s%N) - start) / 1000000 ))
	e2e_log "stop returned $rc after $took ms (timeout 10000 ms); source: $("$LAB" virsh 1 domstate --reason "$NAME" 2>&1)"
	check "stop during the post-copy fails (rc $rc = 1)" test "$rc" -eq 1
	check "and returns within its 10 s timeout ($took ms)" test "$took" -lt 10000
	check "the source is still in post-copy after the stop (not destroyed)" in_postcopy
	said_why() { log_since "$AGENT_LOG" "$mark" | grep -q "still in post-copy migration: not destroyed"; }
	check "the log says why" said_why
else
	fail "setup: the migration never reached post-copy ($(cat "$VMG_LAB/postcopy-migrate.log"))"
fi
wait "$migrating"
mrc=$?
check "the post-copy migration completed (virsh rc $mrc: $(tr '\n' ' ' < "$VMG_LAB/postcopy-migrate.log"))" \
	test "$mrc" -eq 0
AFTER=$("$LAB" wait-tick 2 "$NAME" --after "$(count_of "$BEFORE")" --timeout 30)
e2e_log "before the migration $BEFORE, after it on vmg-n2 $AFTER"
check "the guest goes on on vmg-n2, same boot" \
	eval '[ -n "$AFTER" ] && [ "$(boot_of "$AFTER")" = "$(boot_of "$BEFORE")" ]'
check "a stop on vmg-n1 now finds nothing to stop (rc 0)" test "$(rc_of agent 1 stop)" -eq 0
check "nothing of it is active on vmg-n1" eval '! active_on 1'
check "cleanup: no domain left on vmg-n2" remove_domain 2

e2e_log "case 7: QEMU frozen before stop (item 4)"
"$LAB" guest-xml "$NAME" > "$CONFIG"
# libvirt waits for QEMU's answer to the power-off request with no timeout:
# before the fix stop hung there (bounded here by E2E_NODE_TIMEOUT).
check "start on vmg-n1" test "$(rc_of agent 1 start)" -eq 0
check "setup: the guest runs on vmg-n1" runs_on 1
pid=$(cat "$VMG_LAB/nodes/vmg-n1/run/libvirt/qemu/$NAME.pid")
check "setup: its QEMU is frozen (pid $pid)" \
	eval 'kill -STOP "$pid" && grep -q "^State:.*T (stopped)" "/proc/$pid/status"'
start=$(date +%s%N)
rc=$(E2E_NODE_TIMEOUT=60 rc_of agent 1 stop OCF_RESKEY_CRM_meta_timeout=30000)
took=$(( ($(date +%s%N) - start) / 1000000 ))
e2e_log "stop returned $rc after $took ms (timeout 30000 ms)"
kill -CONT "$pid" 2>/dev/null
check "stop succeeds (rc $rc = 0)" test "$rc" -eq 0
check "stop ends before its 30 s timeout ($took ms)" test "$took" -lt 30000
check "the domain is gone" eval '! active_on 1'
check "cleanup: no domain left" remove_domain 1

e2e_log "case 8: the target's libvirtd freezes mid-migration (item 4)"
# A deadlocked libvirtd on the target: the migration under way and every
# call on the target connection wait for it.  migrate_to must still end
# before its timeout, and once the daemon answers again the VM is active on
# exactly one node, with the boot it had.
start_dirtying
lpid=$(cat "$VMG_LAB/nodes/vmg-n2/pids/libvirtd.pid")
check "setup: vmg-n2's libvirtd runs (pid $lpid)" \
	eval 'grep -q "^Name:.*libvirtd" "/proc/$lpid/status"'
migrate_freezing "$VMG_LAB/nodes/vmg-n2/pids/libvirtd.pid"
check "once the daemon answers again, the VM is active on exactly one node" wait_until 90 one_node
AFTER=$("$LAB" wait-tick 1 "$NAME" --after "$(count_of "$BEFORE")" --timeout 30)
check "it goes on on vmg-n1 with the same boot ($BEFORE -> ${AFTER:-nothing})" \
	eval '[ -n "$AFTER" ] && [ "$(boot_of "$AFTER")" = "$(boot_of "$BEFORE")" ]'
check "stop" test "$(rc_of agent 1 stop)" -eq 0
check "cleanup: no domain left" eval 'remove_domain 1 && remove_domain 2'

e2e_finish
