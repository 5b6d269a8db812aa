#!/bin/bash
# HA-primary under Pacemaker, on a 2-node lab cluster, for every role source:
#  A. two busybox guests, an application HA pair kept apart by an
#     anti-colocation constraint (README "Keeping the pair apart"):
#     1. role from a promotable ocf:pacemaker:Stateful clone, Promoted on
#        vmg-n1 (ha_primary_resource): the VM there (the primary) moves cold,
#        the other (the secondary) moves live with its boot id; what the
#        refused live migration leaves behind (failed action, fail-count) is
#        printed and checked; nothing is banned;
#     2. role from a node attribute (ha_primary_attribute), moved by draining
#        nodes: the secondary moves live, then a drain of the node holding
#        both moves the primary cold (back to the node where its live
#        migration was refused: no ban) and the secondary live.
#  B. a Debian guest with the QEMU guest agent and a tiny role file:
#     ha_primary_probe, ha_primary_switchover, migration_pre_command and
#     migration_post_command run inside it; the drain of the primary's node
#     switches the role over, then moves the VM live, and the role file says
#     the role moved; drained again as a secondary it moves live without a
#     switchover (with pre and post commands over ssh this time); with a
#     switchover that does not move the role, the drain moves it cold after
#     the bounded wait; a probe that does not answer within
#     ha_command_timeout (doubt is primary) and a failing
#     migration_pre_command move it cold, with the reason; a failing
#     migration_post_command fails migrate_from with its first output line,
#     and what that leaves behind is printed.
. "$(dirname "$0")/lib.sh"

N1=vmg-n1 N2=vmg-n2
WORK=$VMG_LAB/ha-primary
T0=$(date +%s)

cleanup() { e2e_diagnose; "$LAB" down >/dev/null 2>&1 || true; }
trap cleanup EXIT

on_cluster() { "$LAB" exec 1 "$@"; }
other_node() { [ "$1" = "$N1" ] && echo "$N2" || echo "$N1"; }
pcmk_log() { tail -c +"$(( ${2:-0} + 1 ))" "$VMG_LAB/nodes/$1/var/log/pacemaker/pacemaker.log" 2>/dev/null; }
pcmk_log_size() { stat -c %s "$VMG_LAB/nodes/$1/var/log/pacemaker/pacemaker.log" 2>/dev/null || echo 0; }
# Log offsets of both nodes, taken before a step: "N1_OFFSET N2_OFFSET".
log_marks() { echo "$(pcmk_log_size "$N1") $(pcmk_log_size "$N2")"; }
# since MARKS NODE: that node's log after the marks
since() { local m; read -r -a m <<< "$1"; pcmk_log "$2" "${m[$(( $(node_index "$2") - 1 ))]}"; }

location() {	# RSC: where Pacemaker has it; empty while moving or stopped
	on_cluster crm_resource --locate --resource "$1" 2>/dev/null |
		sed -n 's/.*is running on: \([^ ]*\).*/\1/p' | head -n 1
}
active_on() {	# RSC: the nodes whose libvirtd has the domain active
	local n
	for n in 1 2; do
		"$LAB" virsh "$n" list --name 2>/dev/null | grep -qx "$1" && echo "vmg-n$n"
	done
}
settled_on() { [ "$(location "$1")" = "$2" ] && [ "$(active_on "$1")" = "$2" ]; }
idle() { on_cluster crm_resource --wait --timeout=120s >/dev/null 2>&1; }
tick() { "$LAB" wait-tick "$(node_index "$2")" "$1" --timeout 60; }	# RSC NODE
standby() { on_cluster crm_attribute --node "$1" --name standby --update "$2" >/dev/null; }
set_param() { on_cluster crm_resource --resource "$1" --set-parameter "$2" --parameter-value "$3" >/dev/null; }
delete_param() { on_cluster crm_resource --resource "$1" --delete-parameter "$2" >/dev/null 2>&1 || true; }
no_bans() { ! on_cluster cibadmin --query --scope constraints 2>/dev/null | grep -q "cli-ban"; }
no_failcount() { on_cluster crm_failcount --query --resource "$1" --node "$2" 2>&1 | grep -q "value=0$"; }

create_vm() {	# RSC XML [NAME=VALUE...]: a VirtualMachine resource, sticky
	local rsc=$1 xml=$2 nv='' kv
	shift 2
	for kv in "$@"; do
		nv="$nv<nvpair id='$rsc-${kv%%=*}' name='${kv%%=*}' value='${kv#*=}'/>"
	done
	on_cluster cibadmin --create --scope resources --xml-text "
<primitive id='$rsc' class='ocf' provider='vmguard' type='VirtualMachine'>
  <instance_attributes id='$rsc-params'>
    <nvpair id='$rsc-config' name='config' value='$xml'/>
    <nvpair id='$rsc-transport' name='migration_transport' value='tcp'/>
    <nvpair id='$rsc-network' name='migration_network' value='-fast'/>
    $nv
  </instance_attributes>
  <meta_attributes id='$rsc-meta'>
    <nvpair id='$rsc-target-role' name='target-role' value='${TARGET_ROLE:-Started}'/>
    <nvpair id='$rsc-allow-migrate' name='allow-migrate' value='true'/>
    <nvpair id='$rsc-stickiness' name='resource-stickiness' value='1000'/>
  </meta_attributes>
  <operations>
    <op id='$rsc-start' name='start' interval='0' timeout='60s'/>
    <op id='$rsc-stop' name='stop' interval='0' timeout='60s'/>
    <op id='$rsc-monitor' name='monitor' interval='5s' timeout='20s'/>
    <op id='$rsc-migrate_to' name='migrate_to' interval='0' timeout='90s'/>
    <op id='$rsc-migrate_from' name='migrate_from' interval='0' timeout='60s'/>
  </operations>
</primitive>"
}

# move RSC NODE [drain]: moves it (crm_resource --move, then --clear, or a
# standby of its node) and sets FROM, BEFORE and AFTER (ticks)
move() {
	local rsc=$1 to=$2
	FROM=$(location "$rsc")
	BEFORE=$(tick "$rsc" "$FROM")
	if [ "${3:-}" = drain ]; then
		standby "$FROM" on
	else
		on_cluster crm_resource --move --resource "$rsc" --node "$to" >/dev/null 2>&1
	fi
	wait_until 120 settled_on "$rsc" "$to" || return 1
	[ "${3:-}" = drain ] || on_cluster crm_resource --clear --resource "$rsc" >/dev/null 2>&1
	AFTER=$(tick "$rsc" "$to")
}
live() { [ -n "$(boot_of "$BEFORE")" ] && [ "$(boot_of "$BEFORE")" = "$(boot_of "$AFTER")" ]; }
cold() { [ -n "$(boot_of "$BEFORE")" ] && [ -n "$(boot_of "$AFTER")" ] && ! live; }

# ------------------------------------------------------------------------
rm -rf "$WORK" && mkdir -p "$WORK" || exit 1
"$LAB" up --nodes 2 --cluster || { fail "lab up"; exit 1; }
install_agent
for vm in vm-a vm-b; do "$LAB" guest-xml "$vm" > "$WORK/$vm.xml"; done

e2e_log "A: a promotable clone Promoted on $N1, an HA pair kept apart"
on_cluster cibadmin --create --scope resources --xml-text "
<clone id='db-clone'>
  <meta_attributes id='db-clone-meta'>
    <nvpair id='db-clone-promotable' name='promotable' value='true'/>
  </meta_attributes>
  <primitive id='db' class='ocf' provider='pacemaker' type='Stateful'>
    <operations>
      <op id='db-mon-p' name='monitor' interval='5s' role='Promoted'/>
      <op id='db-mon-u' name='monitor' interval='6s' role='Unpromoted'/>
    </operations>
  </primitive>
</clone>" || { fail "create the clone"; exit 1; }
on_cluster cibadmin --create --scope constraints --xml-text "
<rsc_location id='db-promoted-on-n1' rsc='db-clone'>
  <rule id='db-promoted-on-n1-rule' role='Promoted' score='100'>
    <expression id='db-promoted-on-n1-expr' attribute='#uname' operation='eq' value='$N1'/>
  </rule>
</rsc_location>"
for vm in vm-a vm-b; do
	TARGET_ROLE=Stopped create_vm "$vm" "$WORK/$vm.xml" ha_primary_resource=db-clone ||
		{ fail "create $vm"; exit 1; }
done
# The README's pcs form (mandatory: -INFINITY), as pcs writes it into the
# CIB; then the crm form, which the rest of the test keeps.
on_cluster pcs constraint colocation add vm-b with vm-a score=-INFINITY id=vm-pair-apart-pcs >/dev/null 2>&1
pcs_rule=$(on_cluster cibadmin --query --scope constraints 2>/dev/null | grep -o '<rsc_colocation [^>]*"vm-pair-apart-pcs"[^>]*>')
check "the README's pcs command makes the anti-colocation [$pcs_rule]" eval \
	'grep -q "rsc=\"vm-b\"" <<< "$pcs_rule" && grep -q "with-rsc=\"vm-a\"" <<< "$pcs_rule" &&
	 grep -q "score=\"-INFINITY\"" <<< "$pcs_rule"'
on_cluster cibadmin --delete --scope constraints --xml-text "<rsc_colocation id='vm-pair-apart-pcs'/>" >/dev/null 2>&1
# The README's crm form, before the VMs start; finite here, so that a
# drain of one of the two nodes can still put both VMs on the other.
on_cluster crm configure colocation vm-pair-apart -500: vm-b vm-a
check "the anti-colocation constraint is in the CIB" eval \
	'on_cluster cibadmin --query --scope constraints | grep -q "rsc_colocation id=\"vm-pair-apart\".*score=\"-500\""'
for vm in vm-a vm-b; do
	on_cluster crm_resource --resource "$vm" --meta --set-parameter target-role --parameter-value Started >/dev/null
done
check "both VMs run, on different nodes (anti-colocation)" wait_until 120 eval \
	'[ -n "$(location vm-a)" ] && [ -n "$(location vm-b)" ] && [ "$(location vm-a)" != "$(location vm-b)" ] &&
	 settled_on vm-a "$(location vm-a)" && settled_on vm-b "$(location vm-b)"'
check "db-clone is Promoted on $N1" wait_until 60 eval \
	'on_cluster crm_resource --locate --resource db-clone 2>/dev/null | grep -q "running on: $N1 Promoted"'
idle
P="vm-a" S="vm-b"
[ "$(location vm-a)" = "$N1" ] || { P="vm-b"; S="vm-a"; }
e2e_log "primary $P on $N1, secondary $S on $N2"

e2e_log "A1: the primary moves cold, the secondary live"
marks=$(log_marks)
move "$P" "$N2"; rc=$?
check "$P moved to $N2" test "$rc" -eq 0
check "$P, Promoted on $N1, moved cold (boot $(boot_of "$BEFORE") -> $(boot_of "$AFTER"))" cold
check "its migrate_to gave the clone as the reason" eval \
	'since "$marks" "$N1" | grep -q "$P is HA-primary (db-clone is Promoted on $N1"'
idle
# What the refused live migration left behind, as Pacemaker shows it.
failed=$(on_cluster crm_mon -1 2>/dev/null | sed -n '/Failed Resource Actions/,$p' | grep "$P")
failcount=$(on_cluster crm_failcount --query --resource "$P" --node "$N1" 2>&1)
failattrs=$(on_cluster cibadmin --query --scope status 2>/dev/null | grep -o 'name="fail-count-[^"]*" value="[^"]*"')
e2e_log "left behind: failed action [$failed]; crm_failcount [$failcount]; fail-count attributes [$failattrs]"
check "a failed action records migrate_to of $P on $N1" eval \
	'grep -q "${P}_migrate_to_0 on $N1" <<< "$failed" || grep -q "$P.*migrate_to.*$N1" <<< "$failed"'
echo "$failed" > "$WORK/failed-action"
echo "$failcount" > "$WORK/fail-count"
check "no fail-count for the refusal, so no ban however often it happens" eval \
	'grep -q "value=0$" <<< "$failcount" && [ -z "$failattrs" ]'
check "nothing is banned (no cli-ban constraint)" no_bans
marks=$(log_marks)
move "$S" "$N1"; rc=$?
check "$S moved to $N1" test "$rc" -eq 0
check "$S, not Promoted on $N2, moved live (boot $(boot_of "$BEFORE") kept: $(boot_of "$AFTER"))" live
check "its migrate_to live-migrated it" eval \
	'since "$marks" "$N2" | grep -q "$S migrated to $N1 in [0-9]* ms"'
idle

e2e_log "A2: role from a node attribute, moved by drains"
for vm in vm-a vm-b; do
	delete_param "$vm" ha_primary_resource
	set_param "$vm" ha_primary_attribute "$vm-is-primary"
done
# The application marks its primary on every node it may run on.
for n in "$N1" "$N2"; do
	on_cluster crm_attribute --node "$n" --name "$P-is-primary" --update true --lifetime reboot
	on_cluster crm_attribute --node "$n" --name "$S-is-primary" --update false --lifetime reboot
done
idle
# Now $P on $N2, $S on $N1.
marks=$(log_marks)
move "$S" "$N2" drain; rc=$?
check "drain of $N1: $S moved live to $N2 (boot $(boot_of "$BEFORE") -> $(boot_of "$AFTER"))" \
	eval '[ "$rc" -eq 0 ] && live'
standby "$N1" off
idle
check "the pair stays together on $N2 after the drain (stickiness over -500)" eval \
	'settled_on "$P" "$N2" && settled_on "$S" "$N2"'
marks=$(log_marks)
BEFORE_P=$(tick "$P" "$N2")
move "$S" "$N1" drain; rc=$?
AFTER_P=$(tick "$P" "$N1")
check "drain of $N2: $S moved live to $N1 (boot $(boot_of "$BEFORE") -> $(boot_of "$AFTER"))" \
	eval '[ "$rc" -eq 0 ] && live'
check "... and $P, marked by its node attribute, cold to $N1 ($(boot_of "$BEFORE_P") -> $(boot_of "$AFTER_P"))" \
	eval 'wait_until 60 settled_on "$P" "$N1" && [ -n "$(boot_of "$BEFORE_P")" ] && [ -n "$(boot_of "$AFTER_P")" ] &&
	      [ "$(boot_of "$BEFORE_P")" != "$(boot_of "$AFTER_P")" ]'
check "its migrate_to gave the node attribute as the reason" eval \
	'since "$marks" "$N2" | grep -q "$P is HA-primary (the transient node attribute $P-is-primary=true on $N2"'
check "$P runs again on $N1, where its live migration was refused: not banned" settled_on "$P" "$N1"
check "nothing is banned" no_bans
standby "$N2" off
idle
e2e_log "A took $(( $(date +%s) - T0 )) s"
for r in vm-a vm-b db-clone; do
	on_cluster crm_resource --resource "$r" --set-parameter target-role --meta --parameter-value Stopped >/dev/null 2>&1
done
wait_until 60 eval '[ -z "$(active_on vm-a)" ] && [ -z "$(active_on vm-b)" ]'
for r in vm-a vm-b db-clone; do on_cluster crm_resource --cleanup --resource "$r" >/dev/null 2>&1; done
on_cluster cibadmin --delete --scope constraints --xml-text "<rsc_colocation id='vm-pair-apart'/>" >/dev/null 2>&1
on_cluster cibadmin --delete --scope constraints --xml-text "<rsc_location id='db-promoted-on-n1'/>" >/dev/null 2>&1
for r in vm-a vm-b; do on_cluster cibadmin --delete --scope resources --xml-text "<primitive id='$r'/>" >/dev/null 2>&1; done
on_cluster cibadmin --delete --scope resources --xml-text "<clone id='db-clone'/>" >/dev/null 2>&1

# ------------------------------------------------------------------------
e2e_log "B: the application's own role, in a Debian guest with the guest agent"
T1=$(date +%s)
G=app1
"$LAB" guest-xml "$G" --image debian --fresh > "$WORK/$G.xml" || { fail "Debian guest XML"; exit 1; }
# The application: a role file and an HA service flag, one script.
cat > "$WORK/vmg-role" <<'ROLE'
#!/bin/sh
# The lab application's HA role: a file the switchover flips, as a peer
# taking over would, two seconds later.
d=/var/lib/vmg-role
mkdir -p "$d"
echo "$(date +%s) $1" >> "$d/log"
case $1 in
is-primary)
	case $(cat "$d/role" 2>/dev/null) in primary) exit 0 ;; secondary) exit 1 ;; *) exit 2 ;; esac ;;
switchover)
	(sleep 2; echo secondary > "$d/role.new" && mv "$d/role.new" "$d/role") </dev/null >/dev/null 2>&1 &
	echo "handing over" ;;
ha-stop) echo stopped > "$d/service" ;;
ha-start)
	[ "$(cat "$d/service" 2>/dev/null)" = stopped ] ||
		{ echo "the HA service was not stopped"; echo "service: $(cat "$d/service")"; exit 1; }
	echo started > "$d/service" ;;
*) echo "usage: vmg-role is-primary|switchover|ha-stop|ha-start"; exit 2 ;;
esac
ROLE
create_vm "$G" "$WORK/$G.xml" \
	"ha_primary_probe=guest:/usr/local/bin/vmg-role is-primary" \
	"ha_primary_switchover=guest:/usr/local/bin/vmg-role switchover" \
	"ha_primary_switchover_timeout=30" \
	"migration_pre_command=guest:/usr/local/bin/vmg-role ha-stop" \
	"migration_post_command=guest:/usr/local/bin/vmg-role ha-start" || { fail "create $G"; exit 1; }
check "$G starts" wait_until 120 eval '[ -n "$(location "$G")" ] && settled_on "$G" "$(location "$G")"'
GN=$(location "$G")
tick "$G" "$GN" >/dev/null
gexec() { "$LAB" guest-exec "$(node_index "$1")" "$G" "${@:2}"; }	# NODE CMD...
"$LAB" guest-put "$(node_index "$GN")" "$G" "$WORK/vmg-role" /usr/local/bin/vmg-role 0755 &&
	gexec "$GN" /bin/sh -c 'mkdir -p /var/lib/vmg-role && echo primary > /var/lib/vmg-role/role &&
		echo started > /var/lib/vmg-role/service && : > /var/lib/vmg-role/log'
check "the application in $G is primary (the probe exits 0)" gexec "$GN" /usr/local/bin/vmg-role is-primary
marks=$(log_marks)
move "$G" "$(other_node "$GN")" drain; rc=$?
TO=$(other_node "$GN")
check "drain of $GN: $G moved live to $TO (boot $(boot_of "$BEFORE") kept: $(boot_of "$AFTER"))" \
	eval '[ "$rc" -eq 0 ] && live'
check "the role moved: the role file says secondary" \
	eval '[ "$(gexec "$TO" /bin/cat /var/lib/vmg-role/role)" = secondary ]'
check "the HA service was stopped before and started after the move" \
	eval '[ "$(gexec "$TO" /bin/cat /var/lib/vmg-role/service)" = started ] &&
	      gexec "$TO" /bin/cat /var/lib/vmg-role/log | awk "{print \$2}" | tr "\n" " " |
	      grep -q "is-primary switchover is-primary.* ha-stop ha-start"'
gexec "$TO" /bin/cat /var/lib/vmg-role/log | sed 's/^/    guest log: /'
since "$marks" "$GN" | grep -o "ha_primary_.*\|migration_pre_command.*\|the application's primary.*" |
	grep -v ' ]$' | sed 's/^/    source: /'
since "$marks" "$TO" | grep -o "migration_post_command.*" | grep -v ' ]$' | sed 's/^/    target: /'
check "source log: switchover and its wait, each with its duration" eval \
	'since "$marks" "$GN" | grep -q "ha_primary_switchover done in [0-9]* ms" &&
	 since "$marks" "$GN" | grep -q "primary role moved away [0-9]* ms after the switchover began" &&
	 since "$marks" "$GN" | grep -q "migration_pre_command done in [0-9]* ms"'
check "target log: migration_post_command done" eval \
	'since "$marks" "$TO" | grep -q "migration_post_command done in [0-9]* ms"'
standby "$GN" off
idle

e2e_log "B2: now a secondary, drained again: live, no switchover; pre and post over ssh"
# The ssh transport: each command touches a file in the shared /var/tmp
# from the other node, through the lab's sshd (key authentication).
rm -f "$WORK/ssh-pre" "$WORK/ssh-post"
set_param "$G" migration_pre_command "ssh:$GN:/usr/bin/touch $WORK/ssh-pre"
set_param "$G" migration_post_command "ssh:$TO:/usr/bin/touch $WORK/ssh-post"
sleep 3
marks=$(log_marks)
move "$G" "$GN" drain; rc=$?
check "drain of $TO: $G moved live back to $GN" eval '[ "$rc" -eq 0 ] && live'
check "the probe said not primary and no switchover ran" eval \
	'since "$marks" "$TO" | grep -q "ha_primary_probe: not primary" &&
	 ! since "$marks" "$TO" | grep -q "ha_primary_switchover"'
check "migration_pre_command and migration_post_command ran over ssh" eval \
	'[ -f "$WORK/ssh-pre" ] && [ -f "$WORK/ssh-post" ] &&
	 since "$marks" "$TO" | grep -q "migration_pre_command done in [0-9]* ms" &&
	 since "$marks" "$GN" | grep -q "migration_post_command done in [0-9]* ms"'
check "nothing is banned" no_bans
standby "$TO" off
idle

# A drain of $GN whose live migration is refused: the VM moved cold to $TO,
# the refusal (a grep pattern) in $GN's log since the drain began.
drain_refused() {	# WHAT PATTERN
	marks=$(log_marks)
	move "$G" "$TO" drain; rc=$?
	check "drain of $GN: $G moved cold to $TO (boot $(boot_of "$BEFORE") -> $(boot_of "$AFTER"))" \
		eval '[ "$rc" -eq 0 ] && cold'
	check "$1" logged_since_marks "$GN" "$2"
}
logged_since_marks() { since "$marks" "$1" | grep -q "$2"; }	# NODE PATTERN
# What a refused live migration leaves: no fail-count, no ban; $GN back.
refusal_left_nothing() {
	check "no fail-count for the refusal" no_failcount "$G" "$GN"
	check "nothing is banned" no_bans
	standby "$GN" off
	idle
}

e2e_log "B3: a switchover that does not move the role: refused in time, moved cold"
GN=$(location "$G")
TO=$(other_node "$GN")
gexec "$GN" /bin/sh -c 'echo primary > /var/lib/vmg-role/role'
set_param "$G" ha_primary_switchover "guest:/bin/true"
set_param "$G" ha_primary_switchover_timeout 4
sleep 3
start=$(date +%s)
drain_refused "migrate_to refused after the bounded wait, with the reason" \
	"$G is HA-primary (ha_primary_switchover ran, but the role did not move: ha_primary_probe did not say \"not primary\" within [0-9]* ms"
e2e_log "the drain took $(( $(date +%s) - start )) s"
refusal_left_nothing

# The guest after a cold move: its agent up, the application's script and
# state as a step needs them (a cold stop may lose what was not synced).
app_ready() {	# NODE ROLE SERVICE
	wait_until 120 gexec "$1" /bin/true &&
	"$LAB" guest-put "$(node_index "$1")" "$G" "$WORK/vmg-role" /usr/local/bin/vmg-role 0755 &&
	gexec "$1" /bin/sh -c "mkdir -p /var/lib/vmg-role && echo $2 > /var/lib/vmg-role/role &&
		echo $3 > /var/lib/vmg-role/service && sync"
}
failed_actions() { on_cluster crm_mon -1 2>/dev/null | sed -n '/Failed Resource Actions/,$p'; }
for p in ha_primary_switchover migration_pre_command migration_post_command; do delete_param "$G" "$p"; done
set_param "$G" ha_primary_switchover_timeout 30

e2e_log "B4: a probe that does not answer: doubt is primary, moved cold"
GN=$(location "$G")
TO=$(other_node "$GN")
app_ready "$GN" secondary started || fail "$G ready on $GN"
set_param "$G" ha_primary_probe "guest:/bin/sleep 60"
set_param "$G" ha_command_timeout 3
sleep 3
start=$(date +%s)
drain_refused "migrate_to refused: the probe gave no answer in ha_command_timeout, doubt is primary" \
	"$G is HA-primary (ha_primary_probe gave no clear answer (.*did not finish in time), and doubt is primary)"
ms=$(failed_actions | sed -n "s/.*$G migrate_to on $GN returned 'error'.* after \([0-9.]*\)\(m\?s\).*/\1 \2/p" | tail -n 1)
e2e_log "the refused migrate_to took [$ms] (ha_command_timeout 3 s); the drain $(( $(date +%s) - start )) s"
check "the refusal came after the bound: 3-6 s" eval \
	'read -r v u <<< "$ms"; [ "$u" = ms ] && v=$(( ${v%%.*} / 1000 )); v=${v%%.*}; [ "$v" -ge 3 ] && [ "$v" -lt 6 ]'
refusal_left_nothing
set_param "$G" ha_primary_probe "guest:/usr/local/bin/vmg-role is-primary"
delete_param "$G" ha_command_timeout

e2e_log "B5: a migration_pre_command that fails: refused with its reason, moved cold"
GN=$(location "$G")
TO=$(other_node "$GN")
app_ready "$GN" secondary started || fail "$G ready on $GN"
set_param "$G" migration_pre_command "guest:/usr/local/bin/vmg-role stop-ha"
sleep 3
drain_refused "migrate_to refused with the pre command's exit code and first output line" \
	"$G is not live-migrated: migration_pre_command failed (exit code 2: usage: vmg-role is-primary|switchover|ha-stop|ha-start)"
failed_actions | grep "$G migrate_to" | sed 's/^/    /'
refusal_left_nothing
delete_param "$G" migration_pre_command

e2e_log "B6: a migration_post_command that fails: migrate_from fails with its reason"
GN=$(location "$G")
TO=$(other_node "$GN")
# The HA service was not stopped (no pre command): the post command's
# ha-start fails, with two lines of output.
app_ready "$GN" secondary started || fail "$G ready on $GN"
set_param "$G" migration_post_command "guest:/usr/local/bin/vmg-role ha-start"
sleep 3
marks=$(log_marks)
move "$G" "$TO" drain; rc=$?
check "drain of $GN: $G runs on $TO" test "$rc" -eq 0
check "migrate_from failed with the post command's exit code and first output line only" eval \
	'since "$marks" "$TO" | grep -q "$G runs here, but migration_post_command failed (exit code 1: the HA service was not stopped)" &&
	 ! since "$marks" "$TO" | grep -q "migration_post_command failed.*service: started"'
idle
WHERE=$(location "$G")
AFTER=$(tick "$G" "$WHERE")
fa=$(failed_actions | grep "$G migrate_from")
fc=$(on_cluster crm_failcount --query --resource "$G" --node "$TO" 2>&1)
e2e_log "left behind: failed action [$fa]; crm_failcount [$fc]; $G on [$WHERE], live: $(live && echo yes || echo "no, restarted: boot $(boot_of "$BEFORE") -> $(boot_of "$AFTER")")"
# What the CIB keeps of the failure (the exit reason, if any).
on_cluster cibadmin --query --scope status 2>/dev/null | grep -o "<lrm_rsc_op id=\"${G}_last_failure_0\"[^>]*>" |
	grep -o ' \(operation\|exit-reason\|rc-code\|on_node\)="[^"]*"' | tr -d '\n' | sed 's/^/    last failure:/; s/$/\n/'
check "crm_mon shows the failed migrate_from on $TO" eval 'grep -q "migrate_from on $TO returned .error." <<< "$fa"'
check "no fail-count for it" eval 'grep -q "value=0$" <<< "$fc"'
check "Pacemaker recovered it by a stop and a start on $TO (README)" eval \
	'[ "$WHERE" = "$TO" ] && cold'
check "nothing is banned" no_bans
standby "$GN" off
e2e_log "B took $(( $(date +%s) - T1 )) s; all $(( $(date +%s) - T0 )) s"
e2e_finish
