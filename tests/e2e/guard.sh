#!/bin/bash
# The peer-timeout guard left unattended, on a real 3-node Corosync lab whose
# nodes reach each other through their real sshd (per-lab keys, BatchMode):
#
#  K1  a member raised for a peer with --lease 6 (the command a remote member
#      receives, sent through ssh from node 1), the caller and the raise both
#      SIGKILLed, nothing else run on that member: totem.token is back within
#      one second of the lease end recorded in the member's state (read back
#      with corosync-cmapctl every 0.1 s inside the member).
#  K2  the guard held from node 1 for the whole cluster, its helper
#      SIGKILLed: node 1's keeper restores node 1 and, through ssh, the peers,
#      with no vmguard action run anywhere.
#  K3  the keeper of node 1 killed too (as a reboot of it would), node 3's
#      management link down: a monitor on node 1 costs at most 1 s, re-arms
#      the keeper, which restores node 1 at once, node 2 through ssh, and node
#      3 after its link is back.
#  K4  a member unreachable (management link down) fails the raise within
#      the ssh connect timeout, and nothing stays raised on the members that
#      were reached; migrate_to then refuses the live migration (the policy:
#      Pacemaker moves the VM cold) - see the migrate_to case below.
#
#  K5  a second raise overlapping the first finds its value and is in force when it says so.
#  K6  migrate_to with an unreachable member: refused (rc 1, a reason naming it), the VM
#      keeps running on the source, same boot: Pacemaker then moves it cold.
#  D   a real drain under Pacemaker (peer_timeout_members=cluster, 3 nodes): node 3's
#      corosync frozen 10 s while the VM live-migrates: no membership change, the VM
#      moves live, the tokens read back on every node during and after; the control
#      (the same drain without the guard): node 3 is lost.
#  G   the guest-agent transport: a Debian lab guest running Corosync is guest:g1;
#      raised inside it through the agent, the helper SIGKILLed, restored by the keeper.
#  M   a member of a guest cluster live-migrated with a pause (about 6 s) longer than its
#      token (1000): guarded through guest:, totem.hold pinned meanwhile, no member
#      lost; the control loses it.
#  L   LLT on every node (lab without Corosync: the nodes from /etc/llthosts, the
#      lltconfig stand-in per node): raised everywhere, SIGKILL, restored by the keeper.
#
# Run as root, under the lab lock.  run-all runs it twice: e2e-guard (GUARD_CASES="K L",
# about 2 min with lab starts and teardown) and e2e-guard-drain ("D G M").
. "$(dirname "$0")/lib.sh"

WORK=
PAUSE_MS=12000                   # -> (12000 + 5000) / 0.8 = 21250
RAISED=21250
STATE=/run/resource-agents/vmguard/peer-timeout.state

# GUARD_CASES="K D G M L" (the default) picks the groups of cases to run.
want() { case " ${GUARD_CASES:-K D G M L} " in *" $1 "*) return 0 ;; esac; return 1; }

cleanup() {
	local n
	for n in 1 2 3; do "$LAB" link-up "$n" mgmt >/dev/null 2>&1; done
	[ -n "$WORK" ] && rm -rf "$WORK"
	[ "${VMG_LAB_KEEP:-0}" = 1 ] || timeout 120 "$LAB" down >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -x "$VMGUARD_HELPER" ] || { echo "FAIL: helper $VMGUARD_HELPER not built"; exit 1; }
# install_agent replaces VMGUARD_HELPER by the installed path: keep the build tree.
export VMGUARD_BUILD=${VMGUARD_BUILD:-${VMGUARD_HELPER%/helpers/vmguard}}

in_node() { local n=$1; shift; timeout 60 "$LAB" exec "$n" "$@"; }
token() {	# NODE: totem.token, or "absent"
	local v
	v=$(in_node "$1" corosync-cmapctl -g totem.token 2>/dev/null) || { echo absent; return; }
	echo "${v##* }"
}
tokens_all() { echo "$(token 1) $(token 2) $(token 3)"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
# The keeper processes of node N (every node sees every pid: no pid ns).
keepers() {
	local pid
	for pid in $(pgrep -f "peer-timeout keep --state-dir"); do
		[ "$(ip netns identify "$pid" 2>/dev/null)" = "vmg-n$1" ] && echo "$pid"
	done
}
wait_tokens() {	# WANT SECONDS: polls all three every 0.2 s; prints the time taken
	local want=$1 t0 end
	t0=$(now); end=$(( $(date +%s) + $2 ))
	while [ "$(tokens_all)" != "$want" ]; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.2
	done
	elapsed "$t0" "$(now)"
}
guard_env() {	# MEMBERS: the environment migrate_to would have
	echo OCF_RESOURCE_INSTANCE=vm1 OCF_RESKEY_CRM_meta_timeout=60000 \
		OCF_RESKEY_peer_timeout_clusters=corosync OCF_RESKEY_peer_timeout_members="$1"
}
# Starts `vmguard peer-timeout guard` in node 1; sets GUARD_PID once in force.
start_guard() {	# MEMBERS
	local i
	: > "$WORK/guard.out"
	# shellcheck disable=SC2046
	"$LAB" exec 1 env $(guard_env "$1") "$VMGUARD_HELPER" peer-timeout guard \
		--pause-ms "$PAUSE_MS" > "$WORK/guard.out" 2> "$WORK/guard.err" &
	disown $!
	for ((i = 0; i < 300; i++)); do
		grep -q '^in force' "$WORK/guard.out" && break
		kill -0 $! 2>/dev/null || break
		sleep 0.1
	done
	GUARD_PID=$(sed -n 's/^in force pid=\([0-9]*\).*/\1/p' "$WORK/guard.out")
	[ -n "$GUARD_PID" ]
}

WORK=$(mktemp -d /var/tmp/vmg-guard-e2e.XXXXXX)
e2e_log "lab up (3 nodes, default token)"
timeout 600 "$LAB" up --nodes 3 --cluster >/dev/null || { echo "FAIL: lab did not come up"; exit 1; }
install_agent >/dev/null || { echo "FAIL: the helper installed in the nodes"; exit 1; }
t_start=$(date +%s)
check "setup: real sshd, BatchMode, from node 1 to node 2" \
	test "$(in_node 1 ssh -o BatchMode=yes -o ConnectTimeout=5 -T vmg-n2 hostname)" = vmg-n2
base=$(tokens_all)
check "setup: totem.token is the built-in default everywhere ('$base')" test "$base" = "absent absent absent"

if want K; then
# ------------------------------------------------------------------- K1
e2e_log "K1: raise on node 2 for a peer, lease 6 s, caller SIGKILLed"
holder=e2e-k1.vm1.1.1
setsid "$LAB" exec 1 ssh -o BatchMode=yes -T vmg-n2 "$VMGUARD_HELPER" peer-timeout raise \
	--holder "$holder" --lease 6 --pause-ms 3000 --clusters corosync > "$WORK/k1.out" 2>&1 &
caller=$!
for ((i = 0; i < 100; i++)); do [ "$(token 2)" = 10000 ] && break; sleep 0.1; done
expires=$(in_node 2 cat "$STATE" 2>/dev/null | awk -v h="$holder" '$1 == "holder" && $2 == h { print $5 }')
kill -KILL -- -"$caller" 2>/dev/null
for pid in $(pgrep -f "raise --holder $holder"); do kill -KILL "$pid"; done
check "K1: node 2 raised to 10000 ms, its lease recorded (ends at boot time ${expires:-?} s)" \
	test "$(token 2)" = 10000 -a -n "$expires"
check "K1: a keeper runs in node 2" test -n "$(keepers 2)"
# Inside node 2: boot time (as /proc/uptime, CLOCK_BOOTTIME) and the value, every 0.1 s.
# shellcheck disable=SC2016
in_node 2 sh -c 'end=$(( $(cut -d. -f1 /proc/uptime) + 10 ))
	while [ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ]; do
		v=$(corosync-cmapctl -g totem.token 2>/dev/null); echo "$(cut -d" " -f1 /proc/uptime) ${v##* }"
		sleep 0.1; done' > "$WORK/k1.poll"
back=$(awk '$2 != 10000 { print $1; exit }' "$WORK/k1.poll")
late=$(awk -v b="${back:-0}" -v e="${expires:-0}" 'BEGIN { printf "%.2f", b - e }')
e2e_log "K1: back at boot time ${back:-never}, ${late} s after the lease end"
check "K1: nothing restored before the lease end" test -n "$back" -a -n "$expires"
check "K1: value back ($(token 2)) within 1 s of the lease end (${late} s)" \
	awk -v l="$late" 'BEGIN { exit !(l >= 0 && l <= 1.0) }'
check "K1: node 2's keeper ended with its state" test -z "$(keepers 2)" -a "$(token 2)" = absent

# ------------------------------------------------------------------- K2
e2e_log "K2: guard for the cluster from node 1, helper SIGKILLed"
if start_guard cluster; then
	check "K2: raised to $RAISED on every node" test "$(tokens_all)" = "$RAISED $RAISED $RAISED"
	kill -KILL "$GUARD_PID"
	took=$(wait_tokens "absent absent absent" 15)
	check "K2: no action run, every node restored by node 1's keeper (${took:-not} in s)" \
		test -n "$took"
	sleep 1
	check "K2: no holder left on node 2, no keeper left anywhere" \
		test -z "$(in_node 2 "$VMGUARD_HELPER" peer-timeout query | grep '^holder')$(keepers 1)$(keepers 2)$(keepers 3)"
else
	fail "K2: guard not in force: $(tail -n 1 "$WORK/guard.err")"
fi

# ------------------------------------------------------------------- K3
e2e_log "K3: keeper and helper killed, node 3 unreachable, then a monitor"
"$LAB" guest-xml vmk > "$WORK/vmk.xml"
if start_guard cluster; then
	for pid in $(keepers 1); do kill -KILL "$pid"; done
	kill -KILL "$GUARD_PID"
	"$LAB" link-down 3 mgmt >/dev/null
	sleep 1
	check "K3: nothing restores meanwhile ('$(tokens_all)')" test "$(tokens_all)" = "$RAISED $RAISED $RAISED"
	t0=$(now)
	# shellcheck disable=SC2046
	in_node 1 env $(guard_env cluster) OCF_ROOT=/usr/lib/ocf OCF_RESKEY_CRM_meta_interval=10000 \
		OCF_RESKEY_config="$WORK/vmk.xml" "$VMGUARD_HELPER" monitor 2> "$WORK/k3.err"
	rc=$?
	took=$(elapsed "$t0" "$(now)")
	check "K3: the monitor (rc $rc, 7 = not running) took ${took} s <= 1 s" le "$took" 1.0
	check "K3: the monitor re-armed node 1's keeper" test -n "$(keepers 1)"
	for ((i = 0; i < 10; i++)); do [ "$(token 1)" = absent ] && break; sleep 0.1; done
	check "K3: node 1 restored within 1 s of the monitor ($(elapsed "$t0" "$(now)") s)" test "$(token 1)" = absent
	for ((i = 0; i < 50; i++)); do [ "$(token 2)" = absent ] && break; sleep 0.2; done
	check "K3: node 2 restored by the keeper through ssh" test "$(token 2)" = absent
	check "K3: node 3 (unreachable) still raised" test "$(token 3)" = "$RAISED"
	"$LAB" link-up 3 mgmt >/dev/null
	for ((i = 0; i < 100; i++)); do [ "$(token 3)" = absent ] && break; sleep 0.2; done
	check "K3: node 3 restored once reachable ($(token 3))" test "$(token 3)" = absent
else
	fail "K3: guard not in force: $(tail -n 1 "$WORK/guard.err")"
fi

# ------------------------------------------------------------------- K5
e2e_log "K5: a second raise overlapping the first"
for ((i = 0; i < 100; i++)); do [ "$(tokens_all)" = "absent absent absent" ] && break; sleep 0.2; done
# shellcheck disable=SC2046
"$LAB" exec 1 env $(guard_env cluster) "$VMGUARD_HELPER" peer-timeout guard --pause-ms "$PAUSE_MS" \
	--hold 60 > "$WORK/a.out" 2> "$WORK/a.err" &
a_job=$!
for ((i = 0; i < 100; i++)); do [ "$(token 1)" = "$RAISED" ] && break; sleep 0.05; done
# shellcheck disable=SC2046
"$LAB" exec 1 env $(guard_env local) OCF_RESOURCE_INSTANCE=vm2 "$VMGUARD_HELPER" peer-timeout guard \
	--pause-ms 5000 --hold 1 > "$WORK/b.out" 2> "$WORK/b.err" &
for ((i = 0; i < 300; i++)); do grep -q '^in force' "$WORK/b.out" && break; sleep 0.05; done
b_runtime=$(in_node 1 corosync-cmapctl -g runtime.config.totem.token 2>/dev/null); b_runtime=${b_runtime##* }
a_state=$(grep -c '^in force' "$WORK/a.out")
check "K5: the second raise found the first one's value and kept it" grep -q "already $RAISED" "$WORK/b.err"
check "K5: in force with runtime.config.totem.token ${b_runtime:-?} >= 12500 (first raise in force yet: $a_state)" \
	test "${b_runtime:-0}" -ge 12500
for ((i = 0; i < 300; i++)); do grep -q '^in force' "$WORK/a.out" && break; sleep 0.1; done
pid=$(sed -n 's/^in force pid=\([0-9]*\).*/\1/p' "$WORK/a.out")
[ -n "$pid" ] && kill -TERM "$pid"
wait "$a_job"
took=$(wait_tokens "absent absent absent" 15)
check "K5: both released, every node restored (${took:-not} in s)" test -n "$took"

# ------------------------------------------------------------------- K4
e2e_log "K4: a member unreachable at raise time"
for ((i = 0; i < 60; i++)); do [ -z "$(keepers 1)" ] && break; sleep 0.5; done
"$LAB" link-down 3 mgmt >/dev/null
t0=$(now)
start_guard local,ssh:vmg-n2,ssh:vmg-n3
took=$(elapsed "$t0" "$(now)")
check "K4: the raise failed (no 'in force') in ${took} s <= 30 s" \
	test -z "$GUARD_PID" -a "$(le "$took" 30 && echo ok)" = ok
check "K4: the reason names the member: $(tail -n 1 "$WORK/guard.err")" grep -q 'vmg-n3' "$WORK/guard.err"
check "K4: nothing stays raised on the members reached ('$(token 1) $(token 2)')" \
	test "$(token 1) $(token 2)" = "absent absent"
"$LAB" link-up 3 mgmt >/dev/null

# ------------------------------------------------------------------- K6
e2e_log "K6: migrate_to with an unreachable member refuses the live migration"
for ((i = 0; i < 100; i++)); do [ -z "$(keepers 1)" ] && break; sleep 0.2; done
"$LAB" virsh 1 create "$WORK/vmk.xml" >/dev/null
first=$("$LAB" wait-tick 1 vmk --timeout 30)
check "K6: setup: vmk runs on node 1 ($first)" test -n "$first"
"$LAB" link-down 3 mgmt >/dev/null
t0=$(now)
in_node 1 env OCF_RESOURCE_INSTANCE=vmk OCF_ROOT=/usr/lib/ocf OCF_RESKEY_config="$WORK/vmk.xml" \
	OCF_RESKEY_CRM_meta_timeout=90000 OCF_RESKEY_CRM_meta_migrate_source=vmg-n1 \
	OCF_RESKEY_CRM_meta_migrate_target=vmg-n2 OCF_RESKEY_migration_transport=tcp \
	OCF_RESKEY_peer_timeout_clusters=corosync \
	OCF_RESKEY_peer_timeout_members=local,ssh:vmg-n2,ssh:vmg-n3 \
	"$VMGUARD_HELPER" migrate_to > "$WORK/k6.out" 2> "$WORK/k6.err"
rc=$?
took=$(elapsed "$t0" "$(now)")
"$LAB" link-up 3 mgmt >/dev/null
reason=$(grep -o 'ocf-exit-reason:.*' "$WORK/k6.err" | tail -n 1)
check "K6: migrate_to failed (rc $rc, 1 = generic) in ${took} s: $reason" test "$rc" = 1
check "K6: the reason says the guard could not be raised at vmg-n3" \
	grep -q 'cannot raise the peer-failure timeouts.*vmg-n3' "$WORK/k6.err"
check "K6: the VM still runs on node 1 only" \
	test "$("$LAB" virsh 1 domstate vmk 2>/dev/null | head -n 1)/$("$LAB" virsh 2 list --name | grep -c vmk)" = "running/0"
after=$("$LAB" wait-tick 1 vmk --after "$(sed -n 's/.*n=\([0-9]*\).*/\1/p' <<< "$first")" --timeout 10)
check "K6: its counter goes on, same boot ($after)" \
	test "${after%% *}" = "${first%% *}"
check "K6: nothing stays raised on nodes 1 and 2 ('$(token 1) $(token 2)')" \
	test "$(token 1) $(token 2)" = "absent absent"
"$LAB" virsh 1 destroy vmk >/dev/null 2>&1

fi
if want D; then
# -------------------------------------------------------------------- D
# A real drain under Pacemaker: vmd live-migrates off its node (standby) while
# node 3, a bystander, has its corosync frozen 10 s, longer than the default
# token lets a member be silent (lost after about 6.5 s).  With
# peer_timeout_members=cluster the guard raises totem.token on all three
# nodes first: no membership change, the VM moves live.  The control, the same
# drain without the guard: node 3 is lost.
D_FREEZE_S=10
D_RAISED=21250                   # (2000 ms migration_downtime_limit + 15000 margin) / 0.8
on_cluster() { in_node 1 "$@"; }
location() {
	on_cluster crm_resource --locate --resource vmd 2>/dev/null |
		sed -n 's/.*is running on: \([^ ]*\).*/\1/p' | head -n 1
}
active_on() {
	local n
	for n in 1 2; do "$LAB" virsh "$n" list --name 2>/dev/null | grep -qx vmd && echo "vmg-n$n"; done
}
settled_on() {
	on_cluster crm_resource --wait --timeout=120s >/dev/null 2>&1 &&
		[ "$(location)" = "$1" ] && [ "$(active_on)" = "$1" ]
}
member3() { local v; v=$(in_node 1 corosync-cmapctl -g runtime.members.3.status 2>/dev/null); echo "${v##* }"; }
joins3() { local v; v=$(in_node 1 corosync-cmapctl -g runtime.members.3.join_count 2>/dev/null); echo "${v##* }"; }
tick_of() { "$LAB" tick "${1#vmg-n}" vmd; }
# drain GUARDED(yes|no): standby of vmd's node; node 3 frozen while it moves.
# Sets D_SEEN (worst status of node 3 seen from node 1), D_DURING (tokens of
# nodes 1 2 when the freeze began, and node 3's just before), D_FROM, D_TO,
# D_BEFORE and D_AFTER (ticks).
drain() {
	local i status end
	D_FROM=$(location); D_TO=vmg-n1; [ "$D_FROM" = vmg-n1 ] && D_TO=vmg-n2
	D_BEFORE=$("$LAB" wait-tick "${D_FROM#vmg-n}" vmd --timeout 30)
	D_JOINS=$(joins3) D_SEEN=joined
	on_cluster crm_attribute --node "$D_FROM" --name standby --update on >/dev/null
	if [ "$1" = yes ]; then
		# nodes 2 and 3 are raised last, in parallel (each over its own ssh):
		# the migration starts once both answered, so wait for both
		for ((i = 0; i < 600; i++)); do
			[ "$(token 2) $(token 3)" = "$D_RAISED $D_RAISED" ] && break
			sleep 0.05
		done
		D_DURING="$(token 3)"
	else
		# the migration job on the source has begun
		for ((i = 0; i < 300; i++)); do
			"$LAB" virsh "${D_FROM#vmg-n}" domjobinfo vmd 2>/dev/null | grep -q 'Job type: *Unbounded' && break
			sleep 0.1
		done
		D_DURING="$(token 3)"
	fi
	"$LAB" freeze 3 >/dev/null
	D_DURING="$(token 1) $(token 2) $D_DURING"
	end=$(( $(date +%s) + D_FREEZE_S ))
	while (( $(date +%s) < end )); do
		status=$(member3)
		[ "$status" = joined ] || D_SEEN=$status
		sleep 0.5
	done
	"$LAB" thaw 3 >/dev/null
	settled_on "$D_TO" || { sleep 5; settled_on "$D_TO"; }
	D_AFTER=$("$LAB" wait-tick "${D_TO#vmg-n}" vmd --timeout 30)
	on_cluster crm_attribute --node "$D_FROM" --name standby --update off >/dev/null
}
e2e_log "D: drains under Pacemaker with node 3 frozen ${D_FREEZE_S} s"
"$LAB" guest-xml vmd > "$VMG_LAB/vmd.xml"
on_cluster cibadmin --create --scope resources --xml-text "
<primitive id='vmd' class='ocf' provider='vmguard' type='VirtualMachine'>
  <instance_attributes id='vmd-params'>
    <nvpair id='vmd-config' name='config' value='$VMG_LAB/vmd.xml'/>
    <nvpair id='vmd-transport' name='migration_transport' value='tcp'/>
    <nvpair id='vmd-network' name='migration_network' value='-fast'/>
    <nvpair id='vmd-ptc' name='peer_timeout_clusters' value='corosync'/>
    <nvpair id='vmd-ptm' name='peer_timeout_members' value='cluster'/>
    <nvpair id='vmd-ptmargin' name='peer_timeout_margin' value='15000'/>
  </instance_attributes>
  <meta_attributes id='vmd-meta'>
    <nvpair id='vmd-allow-migrate' name='allow-migrate' value='true'/>
  </meta_attributes>
  <operations>
    <op id='vmd-start' name='start' interval='0' timeout='60s'/>
    <op id='vmd-stop' name='stop' interval='0' timeout='60s'/>
    <op id='vmd-monitor' name='monitor' interval='5s' timeout='20s'/>
    <op id='vmd-migrate_to' name='migrate_to' interval='0' timeout='120s'/>
    <op id='vmd-migrate_from' name='migrate_from' interval='0' timeout='60s'/>
  </operations>
</primitive>" >/dev/null
on_cluster crm_resource --ban --resource vmd --node vmg-n3 >/dev/null 2>&1
for ((i = 0; i < 60; i++)); do at=$(location); [ -n "$at" ] && settled_on "$at" && break; sleep 1; done
check "D: setup: vmd runs on ${at:-nothing} (n1 or n2), banned from node 3" test -n "$at" -a "$at" != vmg-n3
drain yes
check "D1: tokens raised on nodes 1 2 3 as the freeze began ('$D_DURING')" \
	test "$D_DURING" = "$D_RAISED $D_RAISED $D_RAISED"
check "D1: node 3 frozen ${D_FREEZE_S} s during the drain: no membership change (status $D_SEEN, joins $(joins3), was $D_JOINS)" \
	test "$D_SEEN" = joined -a "$(joins3)" = "$D_JOINS"
check "D1: vmd moved live $D_FROM -> $D_TO (before: $D_BEFORE, after: $D_AFTER)" \
	test -n "$D_AFTER" -a "${D_AFTER%% *}" = "${D_BEFORE%% *}" -a "$(location)" = "$D_TO"
for ((i = 0; i < 50; i++)); do [ "$(tokens_all)" = "absent absent absent" ] && break; sleep 0.2; done
check "D1: after the drain every node reads back the default ('$(tokens_all)')" \
	test "$(tokens_all)" = "absent absent absent"
on_cluster crm_resource --resource vmd --delete-parameter peer_timeout_clusters >/dev/null
settled_on "$D_TO"
drain no
check "D2 (control, no guard): node 3 frozen ${D_FREEZE_S} s during the drain was lost (status seen '$D_SEEN')" \
	test "$D_SEEN" = left
check "D2: the tokens were the default ('$D_DURING')" test "$D_DURING" = "absent absent absent"
for ((i = 0; i < 60; i++)); do [ "$(member3)" = joined ] && break; sleep 0.5; done
on_cluster crm_resource --resource vmd --set-parameter target-role --meta --parameter-value Stopped >/dev/null
on_cluster crm_resource --wait --timeout=60s >/dev/null 2>&1

fi
if want G; then
# -------------------------------------------------------------------- G
# The guest-agent transport end to end: a Debian lab guest (qemu-guest-agent,
# Corosync inside, a one-member ring) is the member guest:g1 of node 1's guard;
# the helper inside the guest is this build's, put there with guest-put.  The
# values are read back inside the guest, through the agent.
e2e_log "G: guest-agent transport with a Debian guest"
gtoken() {	# totem.token inside g1, or "absent"
	local v
	v=$("$LAB" guest-exec 1 g1 --timeout 20 corosync-cmapctl -g totem.token 2>/dev/null) || { echo absent; return; }
	v=${v##* }; echo "${v//[^0-9]/}"
}
xml=$("$LAB" guest-xml g1 --image debian --ip 21 --fresh) && "$LAB" virsh 1 create /dev/stdin <<< "$xml" >/dev/null
g_tick=$("$LAB" wait-tick 1 g1 --timeout 90)
printf '%s\n' 'totem {' '    version: 2' '    cluster_name: vmg-guests' '    transport: knet' \
	'    crypto_cipher: none' '    crypto_hash: none' '}' \
	'logging {' '    to_logfile: yes' '    logfile: /var/log/corosync/corosync.log' '    to_syslog: no' '}' \
	'quorum {' '    provider: corosync_votequorum' '}' \
	'nodelist {' '    node {' '        name: g1' '        nodeid: 1' '        ring0_addr: 10.214.3.21' '    }' '}' \
	> "$WORK/g1-corosync.conf"
"$LAB" guest-exec 1 g1 --timeout 60 --stdin "$WORK/g1-corosync.conf" /etc/vmg/corosync-ctl restart - >/dev/null
# the helper and, next to it, its cluster plugin (libcmap, libcib: in the image)
"$LAB" guest-put 1 g1 "$VMGUARD_BUILD/helpers/vmguard" /usr/local/sbin/vmguard 0755 >/dev/null
"$LAB" guest-put 1 g1 "$VMGUARD_BUILD/helpers/vmguard-cluster.so" /usr/local/sbin/vmguard-cluster.so 0644 >/dev/null
check "G: setup: g1 runs ($g_tick), Corosync in it ('$(gtoken)' = built-in default), the helper in it" \
	test -n "$g_tick" -a "$(gtoken)" = absent -a \
	"$("$LAB" guest-exec 1 g1 /usr/local/sbin/vmguard peer-timeout query 2>/dev/null | head -n 1 | cut -c1-14)" = "corosync totem"
# shellcheck disable=SC2046
"$LAB" exec 1 env $(guard_env guest:g1) OCF_RESKEY_peer_timeout_guest_helper=/usr/local/sbin/vmguard \
	"$VMGUARD_HELPER" peer-timeout guard --pause-ms "$PAUSE_MS" > "$WORK/guard.out" 2> "$WORK/guard.err" &
disown $!
for ((i = 0; i < 600; i++)); do grep -q '^in force' "$WORK/guard.out" && break; sleep 0.1; done
GUARD_PID=$(sed -n 's/^in force pid=\([0-9]*\).*/\1/p' "$WORK/guard.out")
check "G1: raised through the guest agent: totem.token in g1 reads $(gtoken) (want $RAISED)" \
	test -n "$GUARD_PID" -a "$(gtoken)" = "$RAISED"
check "G1: node 1 itself not raised (not a member)" test "$(token 1)" = absent
check "G1: a keeper runs in node 1 all the same, for g1" test -n "$(keepers 1)"
[ -n "$GUARD_PID" ] && kill -KILL "$GUARD_PID"
t0=$(now)
for ((i = 0; i < 30; i++)); do [ "$(gtoken)" = absent ] && break; sleep 0.5; done
e2e_log "G2: g1 reads $(gtoken) $(elapsed "$t0" "$(now)") s after the SIGKILL"
check "G2: helper SIGKILLed, no action run: node 1's keeper restored g1 through its agent ('$(gtoken)')" \
	test -n "$GUARD_PID" -a "$(gtoken)" = absent
"$LAB" virsh 1 destroy g1 >/dev/null 2>&1

fi
if want M; then
# -------------------------------------------------------------------- M
# What the guard exists for: the migrating VM is itself a member of a cluster.
# Corosync runs in two Debian guests, m1 on node 1 and m2 on node 2, with
# totem.token M_TOKEN (1000) set in their corosync.conf.  m1 keeps 96 MiB dirty and the
# fast links carry 200 Mbit/s (vmg-lab link-rate: QEMU lifts a migration's
# own bandwidth limit at the switch-over, a slow link it cannot), so with
# migration_max_downtime 6000 its switch-over pause is seconds long.
#  M1  migrate_to m1 from node 1 to node 2 with peer_timeout_members=guest:m1,
#      guest:m2@node 2: totem.token read inside both guests during the migration
#      (raised) and after it (M_TOKEN again); the pause the agent logs exceeds the
#      guest token; the ring id is the same before and after (no member lost).
#  M2  the control, the same migration back without the guard: m2 loses m1
#      (the ring changes, m2's Corosync logs the member leaving).
# The guest token is 1000 ms (GUARD_M_TOKEN), which the guard raises to
# (6000 + 5000 margin) / 0.8 = 13750 one member after the other.  Corosync
# derives totem.hold (the time the representative keeps an idle token) from the
# token, 0.19 x 13750 = 2608 ms, longer than the 1000 ms of a member not raised
# yet: without the pin the ring re-formed during the raise.  M1 reads totem.hold
# in both guests during the migration (pinned at the value in force before,
# 180 ms for a 1000 ms token) and after it (the key gone, the same in force).
M_TOKEN=${GUARD_M_TOKEN:-1000}
M_DOWNTIME=6000                  # migration_max_downtime: the expected pause
M_MARGIN=5000                    # peer_timeout_margin's default
M_RAISED=$(( (M_DOWNTIME + M_MARGIN) * 10 / 8 ))
# corosync's derivation when totem.hold is not set (HZ 100), truncated as it does
M_RETRANSMIT=$(( M_TOKEN * 10 / 42 ))
M_HOLD=$(( M_RETRANSMIT * 8 / 10 - 10 ))
M_HELPER=/usr/local/sbin/vmguard
M_URI2=qemu+tcp://vmg-n2/system
gx() {	# NODE GUEST CMD...: through the guest agent, bounded
	local n=$1 g=$2; shift 2
	"$LAB" guest-exec "$n" "$g" --timeout 20 "$@"
}
mtoken() {	# NODE GUEST [KEY]: KEY (totem.token) inside GUEST, or "absent"
	local v
	v=$(gx "$1" "$2" corosync-cmapctl -g "${3:-totem.token}" 2>/dev/null) || { echo absent; return; }
	v=${v##* }; echo "${v//[^0-9]/}"
}
mhold() {	# NODE GUEST: "CONFIGURED/IN_FORCE" totem.hold inside GUEST ("absent/180")
	echo "$(mtoken "$1" "$2" totem.hold)/$(mtoken "$1" "$2" runtime.config.totem.hold)"
}
ring() { "$LAB" guest-members "$1" 2>/dev/null; }	# GUEST: "members=1,2 ring=1.9 quorate=yes"
clog_size() { gx "$1" "$2" stat -c %s /var/log/corosync/corosync.log 2>/dev/null || echo 0; }
# migrate GUEST FROM TO GUARDED(yes|no): migrate_to run in node FROM, as Pacemaker
# would; meanwhile the tokens in both guests (M_DURING, once both differ from
# the guest token or when the migration ends) and m2's view of the membership
# (M_SEEN: every distinct member list).  Sets M_RC, M_DOWNTIME_MS, M_TOOK.
migrate_member() {
	local g=$1 from=$2 to=$3 guarded=$4 pid t0 a b r
	local -a env=(OCF_RESOURCE_INSTANCE="$g" OCF_ROOT=/usr/lib/ocf OCF_RESKEY_config="$VMG_LAB/$g.xml"
		OCF_RESKEY_CRM_meta_timeout=180000 OCF_RESKEY_CRM_meta_migrate_source="vmg-n$from"
		OCF_RESKEY_CRM_meta_migrate_target="vmg-n$to" OCF_RESKEY_migration_transport=tcp
		OCF_RESKEY_migration_network=-fast OCF_RESKEY_migration_max_downtime="$M_DOWNTIME")
	[ "$guarded" = yes ] && env+=(OCF_RESKEY_peer_timeout_clusters=corosync
		OCF_RESKEY_peer_timeout_members="guest:m1,guest:m2@$M_URI2" OCF_RESKEY_peer_timeout_margin="$M_MARGIN"
		OCF_RESKEY_peer_timeout_guest_helper="$M_HELPER")
	M_DURING="" M_HOLD_DURING="" M_SEEN=""
	t0=$(now)
	in_node "$from" env "${env[@]}" "$VMGUARD_HELPER" migrate_to > "$WORK/$g-$from.out" 2> "$WORK/$g-$from.err" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if [ -z "$M_DURING" ] && [ "$guarded" = yes ]; then
			a=$(mtoken "$from" "$g") b=$(mtoken 2 m2)
			if [ "$a" != "$M_TOKEN" ] && [ "$b" != "$M_TOKEN" ]; then
				M_DURING="$a $b"
				M_HOLD_DURING="$(mhold "$from" "$g") $(mhold 2 m2)"
			fi
		fi
		r=$(ring m2 | sed -n 's/^\(members=[^ ]*\).*/\1/p')
		case " $M_SEEN " in *" ${r:-none} "*) ;; *) M_SEEN="$M_SEEN ${r:-none}" ;; esac
		sleep 0.2
	done
	wait "$pid"; M_RC=$?
	M_TOOK=$(elapsed "$t0" "$(now)")
	M_DOWNTIME_MS=$(sed -n 's/.* migrated to .*, downtime \([0-9]*\) ms.*/\1/p' "$WORK/$g-$from.err" | tail -n 1)
	[ "$M_RC" = 0 ] || sed 's/^/    /' "$WORK/$g-$from.err" | tail -n 20
	e2e_log "M: migrate_to $g vmg-n$from -> vmg-n$to (guard: $guarded): rc $M_RC in $M_TOOK s, downtime ${M_DOWNTIME_MS:-?} ms, tokens during '$M_DURING', holds '$M_HOLD_DURING', m2 saw:$M_SEEN"
}
e2e_log "M: a guest-cluster member live-migrated with a pause longer than its token"
"$LAB" guest-xml m1 --image debian --ip 31 --dirty 96 --fresh > "$VMG_LAB/m1.xml" &&
	"$LAB" guest-xml m2 --image debian --ip 32 --fresh > "$VMG_LAB/m2.xml" &&
	"$LAB" virsh 1 create "$VMG_LAB/m1.xml" >/dev/null && "$LAB" virsh 2 create "$VMG_LAB/m2.xml" >/dev/null
m1_tick=$("$LAB" wait-tick 1 m1 --timeout 90) m2_tick=$("$LAB" wait-tick 2 m2 --timeout 90)
"$LAB" guest-cluster m1 m2 --token "$M_TOKEN" >/dev/null
for g in 1:m1 2:m2; do
	"$LAB" guest-put "${g%:*}" "${g#*:}" "$VMGUARD_BUILD/helpers/vmguard" "$M_HELPER" 0755 >/dev/null
	"$LAB" guest-put "${g%:*}" "${g#*:}" "$VMGUARD_BUILD/helpers/vmguard-cluster.so" "${M_HELPER%/*}/vmguard-cluster.so" 0644 >/dev/null
done
for n in 1 2; do "$LAB" link-rate "$n" fast 200mbit; done
r0=$(ring m1); sleep 5; r0b=$(ring m1)
check "M: setup: m1 ($m1_tick) on node 1, m2 ($m2_tick) on node 2, one ring of both, stable 5 s ('$r0' then '$r0b', m2: '$(ring m2)')" \
	test -n "$m1_tick" -a -n "$m2_tick" -a "${r0%% *}" = members=1,2 -a "$r0b" = "$r0" -a "$(ring m2)" = "$r0"
check "M: setup: totem.token $M_TOKEN in both guests ('$(mtoken 1 m1) $(mtoken 2 m2)'), the helper in both" \
	test "$(mtoken 1 m1) $(mtoken 2 m2)" = "$M_TOKEN $M_TOKEN" -a \
	"$(gx 1 m1 "$M_HELPER" peer-timeout query 2>/dev/null | head -n 1 | cut -c1-14)$(gx 2 m2 "$M_HELPER" peer-timeout query 2>/dev/null | head -n 1 | cut -c1-14)" = "corosync totemcorosync totem"
hold0="$(mhold 1 m1) $(mhold 2 m2)"
check "M: setup: totem.hold not set, $M_HOLD ms in force in both ('$hold0')" \
	test "$hold0" = "absent/$M_HOLD absent/$M_HOLD"
m1_tick=$("$LAB" tick 1 m1)
mark=$(clog_size 2 m2) mark1=$(clog_size 1 m1)
migrate_member m1 1 2 yes
{ echo "---- m2 corosync.log since the migration began"; gx 2 m2 tail -c +$(( mark + 1 )) /var/log/corosync/corosync.log
  echo "---- m1"; gx 2 m1 tail -c +$(( mark1 + 1 )) /var/log/corosync/corosync.log; } > "$WORK/m1-clog" 2>&1
m_after=$("$LAB" wait-tick 2 m1 --timeout 20)
check "M1: migrate_to with the guard succeeded (rc $M_RC, $M_TOOK s), m1 runs on node 2, same boot ($m1_tick -> $m_after)" \
	test "$M_RC" = 0 -a -n "$m_after" -a "$(boot_of "$m_after")" = "$(boot_of "$m1_tick")" -a "$("$LAB" guest-node m1)" = vmg-n2
check "M1: the switch-over pause (${M_DOWNTIME_MS:-?} ms, the agent's log) is longer than the guest token ($M_TOKEN ms)" \
	test "${M_DOWNTIME_MS:-0}" -gt "$M_TOKEN"
check "M1: during the migration totem.token read $M_RAISED in m1 and m2 ('$M_DURING')" \
	test "$M_DURING" = "$M_RAISED $M_RAISED"
after="$(mtoken 2 m1) $(mtoken 2 m2)"
check "M1: after it, $M_TOKEN again in both ('$after')" test "$after" = "$M_TOKEN $M_TOKEN"
check "M1: during it totem.hold was pinned at the $M_HOLD ms in force before ('$M_HOLD_DURING')" \
	test "$M_HOLD_DURING" = "$M_HOLD/$M_HOLD $M_HOLD/$M_HOLD"
hold1="$(mhold 2 m1) $(mhold 2 m2)"
check "M1: after it, totem.hold unpinned, $M_HOLD ms in force in both ('$hold1')" \
	test "$hold1" = "absent/$M_HOLD absent/$M_HOLD"
r1=$(ring m1)
check "M1: no member lost: the same ring before and after ('$r0' -> '$r1', m2 saw:$M_SEEN)" \
	test "$r1" = "$r0" -a "$(ring m2)" = "$r0" -a "$M_SEEN" = " members=1,2"
check "M1: no token loss, no member left in the guests' Corosync logs" \
	eval "! grep -qE 'A processor failed|Members left' '$WORK/m1-clog'"
grep -qE 'A processor failed|Members left' "$WORK/m1-clog" && sed 's/^/    /' "$WORK/m1-clog" | tail -n 80
# ------------------------------------------------------------------- M2
sleep 5; r1b=$(ring m1)
check "M2: setup: the ring stable 5 s before the control ('$r1b')" test "$r1b" = "$r1"
mark=$(clog_size 2 m2)
migrate_member m1 2 1 no
"$LAB" wait-tick 1 m1 --timeout 20 >/dev/null
wait_until 30 eval '[ "$(ring m1 | cut -d" " -f1)" = members=1,2 ]'
r2=$(ring m1)
gx 2 m2 tail -c +$(( mark + 1 )) /var/log/corosync/corosync.log > "$WORK/m2-clog" 2>&1
lost=$(grep -c 'Members left: 1$' "$WORK/m2-clog")
grep -E 'TOTEM|QUORUM' "$WORK/m2-clog" | sed 's/^/    m2: /' | head -n 12
check "M2 (control, no guard): rc $M_RC, pause ${M_DOWNTIME_MS:-?} ms > $M_TOKEN ms, tokens were $M_TOKEN ('$(mtoken 1 m1) $(mtoken 2 m2)')" \
	test "$M_RC" = 0 -a "${M_DOWNTIME_MS:-0}" -gt "$M_TOKEN" -a "$(mtoken 1 m1) $(mtoken 2 m2)" = "$M_TOKEN $M_TOKEN"
check "M2: m2 lost m1: the ring changed ('$r1' -> '$r2'), m2 saw:$M_SEEN, 'Members left: 1' logged $lost time(s)" \
	test "$r2" != "$r1" -a "$lost" -gt 0
for n in 1 2; do "$LAB" link-rate "$n" fast off; done
"$LAB" virsh 1 destroy m1 >/dev/null 2>&1; "$LAB" virsh 2 destroy m2 >/dev/null 2>&1

fi
if want L; then
# -------------------------------------------------------------------- L
# LLT on every node: the lltconfig stand-in (tests/lab/lltconfig) keeps each node's
# timers in its own file, /etc/llthosts names the nodes; no Corosync, so "cluster"
# comes from llthosts.  sshd hands the stand-in's paths to the commands it runs
# (SetEnv, test only: the lab regenerates its sshd_config at every up).
e2e_log "L: LLT on every node through the stand-in and llthosts"
timeout 120 "$LAB" down >/dev/null 2>&1
if ! { timeout 600 "$LAB" up --nodes 3 >/dev/null && install_agent >/dev/null; }; then
	fail "L: lab (no cluster) did not come up with the helper"
	e2e_finish
	exit
fi
printf '0 vmg-n1\n1 vmg-n2\n2 vmg-n3\n' > "$WORK/llthosts"
# shellcheck disable=SC2016
printf '#!/bin/sh\nLLTCONFIG_STANDIN_STATE=%s/llt.$(uname -n).state exec %s/tests/lab/lltconfig "$@"\n' \
	"$WORK" "$E2E_TOP" > "$WORK/lltconfig"
chmod 755 "$WORK/lltconfig"
LLT_ENV="VMGUARD_LLTCONFIG=$WORK/lltconfig VMGUARD_LLTHOSTS=$WORK/llthosts"
for n in 1 2 3; do
	echo "SetEnv $LLT_ENV" >> "$VMG_LAB/nodes/vmg-n$n/etc/ssh/sshd_config"
	kill -HUP "$(cat "$VMG_LAB/nodes/vmg-n$n/pids/sshd.pid")"
done
sleep 1
peerinact() {
	LLTCONFIG_STANDIN_STATE="$WORK/llt.vmg-n$1.state" "$E2E_TOP/tests/lab/lltconfig" -T query |
		awk '$1 == "peerinact" { print $3 }'
}
peerinact_all() { echo "$(peerinact 1) $(peerinact 2) $(peerinact 3)"; }
check "L: setup: no corosync, ssh carries the stand-in's paths" \
	test "$(in_node 1 ssh -o BatchMode=yes -T vmg-n2 printenv VMGUARD_LLTHOSTS)" = "$WORK/llthosts"
check "L: setup: peerinact is LLT's default on every node ('$(peerinact_all)')" \
	test "$(peerinact_all)" = "1600 1600 1600"
# shellcheck disable=SC2086
"$LAB" exec 1 env $LLT_ENV OCF_RESOURCE_INSTANCE=vm1 OCF_RESKEY_CRM_meta_timeout=60000 \
	OCF_RESKEY_peer_timeout_clusters=llt OCF_RESKEY_peer_timeout_llt_required=true \
	OCF_RESKEY_peer_timeout_members=cluster "$VMGUARD_HELPER" peer-timeout guard \
	--pause-ms 20000 > "$WORK/guard.out" 2> "$WORK/guard.err" &
disown $!
for ((i = 0; i < 300; i++)); do grep -q '^in force' "$WORK/guard.out" && break; sleep 0.1; done
GUARD_PID=$(sed -n 's/^in force pid=\([0-9]*\).*/\1/p' "$WORK/guard.out")
check "L1: raised to 2500 (x 0.01 s) on the 3 nodes llthosts names ('$(peerinact_all)')" \
	test -n "$GUARD_PID" -a "$(peerinact_all)" = "2500 2500 2500"
[ -n "$GUARD_PID" ] && kill -KILL "$GUARD_PID"
for ((i = 0; i < 50; i++)); do [ "$(peerinact_all)" = "1600 1600 1600" ] && break; sleep 0.2; done
check "L2: helper SIGKILLed, no action run: the keeper restored every node ('$(peerinact_all)')" \
	test "$(peerinact_all)" = "1600 1600 1600"

fi
e2e_log "cases ran in $(( $(date +%s) - t_start )) s"
e2e_finish
