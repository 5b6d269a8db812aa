#!/bin/bash
# Live migration driven by Pacemaker on a 2-node lab cluster whose nodes also
# run libvirtd, with a guest whose serial console prints a counter:
#  1. standby of the VM's node live-migrates it: migrate_to/migrate_from ran,
#     the counter carries on with the same boot id, and the data crossed the
#     fast link;
#  2. marked HA-primary, the same drain moves it cold: the guest reboots on
#     the target, and nothing is banned;
#  3. faults: a migration that cannot converge is aborted by the watchdog and
#     the VM keeps running on the source; the target's libvirtd killed
#     mid-migration; migrate_to killed by Pacemaker's timeout.  In each the VM
#     ends up on exactly one node and the cluster converges.
#  9. post-copy at migration_postcopy_bandwidth under a capped pre-copy.
# MIGRATION_CASES="1 2 3 4 5 6 7 8 9" (the default) picks the cases to run
# (1: 1-1d, 2: 2-2b, 6: 6-6b, 9: 9a-9b); cases 3-9 share one setup.
. "$(dirname "$0")/lib.sh"
want() { case " ${MIGRATION_CASES:-1 2 3 4 5 6 7 8 9} " in *" $1 "*) return 0 ;; esac; return 1; }

RSC=vm1
N1=vmg-n1 N2=vmg-n2

cleanup() { e2e_diagnose; "$LAB" down >/dev/null 2>&1 || true; }
trap cleanup EXIT

# Cluster commands run on CLUSTER_NODE (1, or a survivor while 1 is down).
on_cluster() { "$LAB" exec "${CLUSTER_NODE:-1}" "$@"; }
other_node() { [ "$1" = "$N1" ] && echo "$N2" || echo "$N1"; }
# A node's Pacemaker log (the agent logs there), read from the mark that
# mark_logs took before the step: pcmk_log NODE [OFFSET].
pcmk_log_file() { echo "$VMG_LAB/nodes/$1/var/log/pacemaker/pacemaker.log"; }
declare -A LOG_MARK=()
mark_logs() { local n; for n in "$N1" "$N2"; do LOG_MARK[$n]=$(log_mark "$(pcmk_log_file "$n")"); done; }
pcmk_log() { log_since "$(pcmk_log_file "$1")" "${2:-${LOG_MARK[$1]:-0}}"; }
# pcmk_log_lacks NODE PATTERN: since the mark, and the log is readable
pcmk_log_lacks() { log_lacks "$(pcmk_log_file "$1")" "${LOG_MARK[$1]:-0}" "$2"; }

# Where Pacemaker has the resource; empty while it is moving or stopped.
location() {
	on_cluster crm_resource --locate --resource "$RSC" 2>/dev/null |
		sed -n 's/.*is running on: \([^ ]*\).*/\1/p' | head -n 1
}
# Nodes whose libvirtd really has the domain active.
active_on() {
	local n
	for n in 1 2; do
		"$LAB" virsh "$n" list --name 2>/dev/null | grep -qx "$RSC" && echo "vmg-n$n"
	done
}
# A first tick (the guest may be booting), then a later one.
counter_advances() {
	local i first
	i=$(node_index "$1")
	first=$("$LAB" wait-tick "$i" "$RSC" --timeout 30) &&
		"$LAB" wait-tick "$i" "$RSC" --after "$(count_of "$first")" --timeout 10 >/dev/null
}
# Active on neither node, and virsh could tell for both.
active_nowhere() {
	local n l
	for n in 1 2; do
		l=$("$LAB" virsh "$n" list --name) || return 1
		! grep -qx "$RSC" <<< "$l" || return 1
	done
}
settled_on() { [ "$(location)" = "$1" ] && [ "$(active_on)" = "$1" ]; }
# The cluster has nothing left to do, and the VM is active where it says.
settled() {
	local at
	on_cluster crm_resource --wait --timeout=150s >/dev/null 2>&1 || return 1
	at=$(location)
	[ -n "$at" ] && settled_on "$at"
}
tick_of() { "$LAB" tick "$(node_index "$1")" "$RSC"; }
fast_rx() { "$LAB" link-stats "$(node_index "$1")" | awk '$1 == "fast" { print $2 }'; }

standby() { on_cluster crm_attribute --node "$1" --name standby --update "$2" >/dev/null; }
set_param() { on_cluster crm_resource --resource "$RSC" --set-parameter "$1" --parameter-value "$2" >/dev/null; }
delete_param() { on_cluster crm_resource --resource "$RSC" --delete-parameter "$1" >/dev/null 2>&1 || true; }

create_resource() {
	on_cluster cibadmin --create --scope resources --xml-text "
<primitive id='$RSC' class='ocf' provider='vmguard' type='VirtualMachine'>
  <instance_attributes id='$RSC-params'>
    <nvpair id='$RSC-config' name='config' value='$VMG_LAB/$RSC.xml'/>
    <nvpair id='$RSC-transport' name='migration_transport' value='tcp'/>
    <nvpair id='$RSC-network' name='migration_network' value='-fast'/>
  </instance_attributes>
  <meta_attributes id='$RSC-meta'>
    <nvpair id='$RSC-allow-migrate' name='allow-migrate' value='true'/>
  </meta_attributes>
  <operations>
    <op id='$RSC-start' name='start' interval='0' timeout='60s'/>
    <op id='$RSC-stop' name='stop' interval='0' timeout='60s'/>
    <op id='$RSC-monitor' name='monitor' interval='5s' timeout='20s'/>
    <op id='$RSC-migrate_to' name='migrate_to' interval='0' timeout='90s'/>
    <op id='$RSC-migrate_from' name='migrate_from' interval='0' timeout='60s'/>
  </operations>
</primitive>"
}

# Drains the node the VM runs on; sets FROM, TO, BEFORE (tick), AFTER (tick);
# the logs are read from here on.
drain() {
	FROM=$(location)
	[ -n "$FROM" ] || { echo "drain: $RSC runs nowhere" >&2; return 1; }
	TO=$(other_node "$FROM")
	BEFORE=$("$LAB" wait-tick "$(node_index "$FROM")" "$RSC" --timeout 30) || return 1
	mark_logs
	standby "$FROM" on
	wait_until 120 settled_on "$TO" || return 1
	AFTER=$("$LAB" wait-tick "$(node_index "$TO")" "$RSC" --timeout 30)
}

undrain() { standby "$1" off; }
# After drain, with its status: the VM got there live (same boot id) or cold.
moved_live() {
	[ "$1" -eq 0 ] && [ -n "$(boot_of "$BEFORE")" ] && [ "$(boot_of "$BEFORE")" = "$(boot_of "$AFTER")" ]
}
moved_cold() {
	[ "$1" -eq 0 ] && [ -n "$(boot_of "$BEFORE")" ] && [ -n "$(boot_of "$AFTER")" ] &&
		[ "$(boot_of "$BEFORE")" != "$(boot_of "$AFTER")" ]
}

# Fails also when the constraints cannot be read.
no_bans() {
	local c
	c=$(on_cluster cibadmin --query --scope constraints) || return 1
	! grep -q "cli-ban\|rsc_location" <<< "$c"
}
# NODE has no domain RSC, and virsh could tell.
not_defined_on() {
	local l
	l=$("$LAB" virsh "$(node_index "$1")" list --all --name) || return 1
	! grep -qx "$RSC" <<< "$l"
}
# The last migrate_to result Pacemaker recorded on NODE since the mark.
migrate_to_result() { pcmk_log "$1" | grep "Result of migrate_to operation for $RSC on" | tail -n 1; }
# migrate_to returned on its own: a result is recorded, and it is not a timeout.
migrate_to_ended_in_time() {
	local r
	r=$(migrate_to_result "$1")
	echo "migrate_to result: ${r:-none}"
	[ -n "$r" ] && ! grep -qi "timed out" <<< "$r" && pcmk_log_lacks "$1" "${RSC}_migrate_to_0.*[Tt]imed [Oo]ut"
}

# ------------------------------------------------------------------------
"$LAB" up --nodes 2 --cluster || { fail "lab up"; exit 1; }
install_agent || { fail "the agent installed in the nodes"; exit 1; }
UUID=6d0c1f52-7a11-4b7e-9c35-0a7e5d2b9f01
"$LAB" guest-xml "$RSC" --uuid "$UUID" > "$VMG_LAB/$RSC.xml" || { fail "guest XML"; exit 1; }
create_resource || { fail "create resource"; exit 1; }
check "vm1 starts on one node" wait_until 90 eval '[ -n "$(location)" ] && settled_on "$(location)"'
"$LAB" wait-tick "$(node_index "$(location)")" "$RSC" --timeout 30 >/dev/null

if want 1; then
	e2e_log "case 1: live migration by drain, with the peer-timeout guard on"
	# The lab has no sshd, so the guard raises this node's token only ("local").
	set_param peer_timeout_clusters corosync
	set_param peer_timeout_members local
	sleep 3
	token() { "$LAB" exec "$(node_index "$1")" corosync-cmapctl -g runtime.config.totem.token | awk '{print $NF}'; }
	token_before=$(token "$(location)")
	fast_before=$(fast_rx "$(other_node "$(location)")")
	drain; rc=$?
	check "drain moved vm1 (from $FROM to $TO)" test "$rc" -eq 0
	check "guest kept its boot id across the migration ($BEFORE -> $AFTER)" \
		moved_live "$rc"
	check "guest counter carried on" test "$(count_of "$AFTER")" -gt "$(count_of "$BEFORE")"
	fast_after=$(fast_rx "$TO")
	check "migration data crossed the fast link ($(( (fast_after - fast_before) / 1048576 )) MiB)" \
		test $(( fast_after - fast_before )) -gt $(( 30 * 1048576 ))
	check "the logs show migrate_to and migrate_from" \
		eval '{ pcmk_log "$N1"; pcmk_log "$N2"; } | grep -q "${RSC}_migrate_to_0" &&
		      { pcmk_log "$N1"; pcmk_log "$N2"; } | grep -q "${RSC}_migrate_from_0"'
	check "the helper logged the downtime libvirt measured" \
		eval 'pcmk_log "$FROM" | grep -q "migrated to $TO in [0-9]* ms, downtime [0-9]* ms"'
	check "migrate_to raised the corosync token for the migration" \
		eval 'pcmk_log "$FROM" | grep -q "peer timeouts on this node for a pause of up to"'
	token_after=$(token "$FROM")
	check "the token reads back as before the migration ($token_before -> $token_after)" \
		test -n "$token_before" -a "$token_after" = "$token_before"
	delete_param peer_timeout_clusters
	delete_param peer_timeout_members
	undrain "$FROM"

	e2e_log "case 1b: tuned: persistent definition moved, xbzrle, max downtime, auto-converge"
	set_param migration_persistent true
	set_param migration_compression xbzrle
	set_param migration_max_downtime 500
	set_param migration_auto_converge true
	sleep 3
	drain; rc=$?
	check "tuned drain moved vm1 live (boot $(boot_of "$BEFORE") -> $(boot_of "$AFTER"))" \
		moved_live "$rc"
	check "the target holds a persistent definition" \
		eval '"$LAB" virsh "$(node_index "$TO")" dominfo "$RSC" | grep -q "^Persistent: *yes"'
	check "the max downtime was applied" eval 'pcmk_log "$FROM" | grep -q "max downtime of $RSC set to 500 ms"'
	undrain "$FROM"

	e2e_log "case 1c: parallel connections on a port range, persistent source undefined"
	delete_param migration_compression
	set_param migration_parallel 2
	set_param migration_port 49160-49170
	sleep 3
	drain; rc=$?
	check "parallel drain moved vm1 live" \
		moved_live "$rc"
	check "the source's definition went with it" not_defined_on "$FROM"
	check "the data used a port of the range" \
		eval 'pcmk_log "$FROM" | grep -q "data over tcp://vmg-n[0-9]-fast:491[67][0-9]"'
	for p in migration_persistent migration_max_downtime migration_auto_converge migration_parallel migration_port; do
		delete_param "$p"
	done
	undrain "$FROM"

	e2e_log "case 1d: TLS for the daemon connection and the migration stream (certificates of a lab CA)"
	set_param migration_transport tls
	sleep 3
	drain; rc=$?
	check "TLS drain moved vm1 live (boot $(boot_of "$BEFORE") -> $(boot_of "$AFTER"))" \
		moved_live "$rc"
	check "the daemon connection was qemu+tls" \
		eval 'pcmk_log "$FROM" | grep -q "live-migrating $RSC to $TO via qemu+tls://$TO/system"'
	undrain "$FROM"
	sleep 3
	# The control: the target's QEMU presents a certificate of another CA (its
	# own, so that it loads).  Only a stream that really is TLS notices it.
	FROM=$(location); TO=$(other_node "$FROM")
	qemu_pki=$VMG_LAB/nodes/$TO/etc/pki/qemu
	rogue=$VMG_LAB/rogue
	rm -rf "$rogue" "$VMG_LAB/qemu-pki.saved" && mkdir -p "$rogue"
	cp -a "$qemu_pki" "$VMG_LAB/qemu-pki.saved"
	printf '%s\n' "cn = rogue CA" ca cert_signing_key "expiration_days = 1" > "$rogue/ca.info"
	printf '%s\n' "cn = $TO" "dns_name = $TO" "dns_name = $TO-fast" tls_www_server tls_www_client \
		encryption_key signing_key "expiration_days = 1" > "$rogue/node.info"
	certtool --generate-privkey --outfile "$rogue/ca.key" >/dev/null 2>&1
	certtool --generate-self-signed --load-privkey "$rogue/ca.key" --template "$rogue/ca.info" \
		--outfile "$qemu_pki/ca-cert.pem" >/dev/null 2>&1
	certtool --generate-privkey --outfile "$qemu_pki/server-key.pem" >/dev/null 2>&1
	certtool --generate-certificate --load-privkey "$qemu_pki/server-key.pem" \
		--load-ca-certificate "$qemu_pki/ca-cert.pem" --load-ca-privkey "$rogue/ca.key" \
		--template "$rogue/node.info" --outfile "$qemu_pki/server-cert.pem" >/dev/null 2>&1
	drain; rc=$?
	check "with a rogue certificate on $TO the live migration failed and the VM moved cold" \
		moved_cold "$rc"
	check "the reason is the TLS handshake: an unknown issuer" \
		eval 'pcmk_log "$FROM" | grep "migration of $RSC" | grep -qi "certificate.*issuer"'
	rm -rf "$qemu_pki" "$rogue" && mv "$VMG_LAB/qemu-pki.saved" "$qemu_pki"
	delete_param migration_transport
	undrain "$FROM"
	on_cluster crm_resource --cleanup --resource "$RSC" >/dev/null 2>&1
	sleep 3
fi

if want 2; then
	e2e_log "case 2: HA-primary is moved cold"
	node=$(location)
	tick=$("$LAB" wait-tick "$(node_index "$node")" "$RSC" --timeout 30)
	set_param ha_primary true
	sleep 5
	check "setting ha_primary reloaded without restarting the VM" \
		test "$(location)" = "$node" -a -n "$(boot_of "$tick")" \
		     -a "$(boot_of "$(tick_of "$node")")" = "$(boot_of "$tick")"
	drain; rc=$?
	check "drain moved HA-primary vm1 (from $FROM to $TO)" test "$rc" -eq 0
	check "guest rebooted on the target (boot $(boot_of "$BEFORE") -> $(boot_of "$AFTER"))" \
		moved_cold "$rc"
	check "migrate_to refused with the HA-primary reason" \
		eval 'pcmk_log "$FROM" | grep -q "is HA-primary"'
	check "nothing is banned" no_bans
	undrain "$FROM"
	on_cluster crm_resource --cleanup --resource "$RSC" >/dev/null 2>&1
	delete_param ha_primary
	sleep 3

	e2e_log "case 2b: another domain of the same name (another UUID) on the target"
	FROM=$(location); TO=$(other_node "$FROM")
	"$LAB" guest-xml "$RSC" --uuid 0badc0de-0000-4000-8000-000000000001 > "$VMG_LAB/stale.xml"
	"$LAB" virsh "$(node_index "$TO")" undefine "$RSC" >/dev/null 2>&1
	"$LAB" virsh "$(node_index "$TO")" define "$VMG_LAB/stale.xml" >/dev/null
	mark_logs
	standby "$FROM" on
	# The live migration is refused, the cold start on the target too: stopped.
	wait_until 120 eval '[ -z "$(active_on)" ] && on_cluster crm_resource --wait --timeout=5s >/dev/null 2>&1'
	check "pre-check refused the live migration, naming the other UUID" \
		eval 'pcmk_log "$FROM" | grep -q "has another domain named $RSC (uuid 0badc0de"'
	check "start on $TO refused while the name is taken" \
		eval 'pcmk_log "$TO" | grep -q "the name $RSC is taken by another domain"'
	check "the VM is cleanly stopped, on no node ($(active_on | tr '\n' ' '))" active_nowhere
	check "the other domain's definition is untouched" \
		eval '"$LAB" virsh "$(node_index "$TO")" domuuid "$RSC" | grep -qx 0badc0de-0000-4000-8000-000000000001'
	"$LAB" virsh "$(node_index "$TO")" undefine "$RSC" >/dev/null
	on_cluster crm_resource --cleanup --resource "$RSC" >/dev/null 2>&1
	check "once it is removed and cleaned up, the VM starts on $TO" wait_until 90 settled_on "$TO"
	undrain "$FROM"
	sleep 3
fi

# The setup of case 3 and the cases after it (the dirtying guest, the
# bandwidth cap, the 40 s timeout): made whenever one of them runs.
if want 3 || want 4 || want 5 || want 6 || want 7 || want 8 || want 9; then
	e2e_log "a guest that does not converge: dirtying, the pre-copy capped at 5 MiB/s"
	# Re-create the guest dirtying memory faster than the capped bandwidth.
	on_cluster crm_resource --resource "$RSC" --meta --set-parameter target-role --parameter-value Stopped >/dev/null
	wait_until 60 eval '[ -z "$(active_on)" ]'
	"$LAB" guest-xml "$RSC" --dirty 32 --uuid "$UUID" > "$VMG_LAB/$RSC.xml"
	on_cluster crm_resource --resource "$RSC" --meta --delete-parameter target-role >/dev/null
	wait_until 90 eval '[ -n "$(location)" ] && settled_on "$(location)"'
	"$LAB" wait-tick "$(node_index "$(location)")" "$RSC" --timeout 30 >/dev/null
	set_param migration_bandwidth 5
	set_param migration_downtime_limit 600
	on_cluster cibadmin --modify --xml-text "<op id='$RSC-migrate_to' name='migrate_to' interval='0' timeout='40s'/>"
	sleep 3
fi

if want 3; then
	e2e_log "case 3: a migration that cannot converge is aborted in time"
	FROM=$(location); TO=$(other_node "$FROM")
	BEFORE=$(tick_of "$FROM")
	mark_logs
	standby "$FROM" on
	# Pacemaker recovers a failed migrate_to by stop + start on the target.
	wait_until 150 settled
	check "VM runs on exactly one node after the aborted migration ($(active_on | tr '\n' ' '))" \
		test "$(active_on | wc -l)" -eq 1
	check "the watchdog aborted before Pacemaker's timeout" \
		eval 'pcmk_log "$FROM" | grep -q "aborting the migration of $RSC"'
	# With the ASan/UBSan helper (tests/run-all e2e-sanitizers, which looks for
	# memory errors) the abort itself takes longer: measured 2026-12-02, the
	# watchdog aborted, yet migrate_to ended after the 40 s timeout (issue 12,
	# every action inside its timeout, with a margin).  The release build's run
	# checks it.
	if [ -n "${VMG_E2E_SANITIZERS:-}" ]; then
		xfail "issue 12, ASan build" "migrate_to was not killed by Pacemaker: it ended before its timeout" \
			migrate_to_ended_in_time "$FROM"
	else
		check "migrate_to was not killed by Pacemaker: it ended before its timeout" \
			migrate_to_ended_in_time "$FROM"
	fi
	undrain "$FROM"
fi

# The faults below hit a migration in flight: the dirtying guest and the
# 5 MiB/s cap of case 3 keep it running for the watchdog's 35 s.
in_flight() { [ "$(active_on | wc -l)" -eq 2 ]; }	# the target's incoming domain exists
fault_case() {	# NAME INJECT-COMMAND...: drain, inject once migrating, check convergence
	local name=$1; shift
	on_cluster crm_resource --cleanup --resource "$RSC" >/dev/null 2>&1
	wait_until 60 settled
	FROM=$(location); TO=$(other_node "$FROM")
	mark_logs
	standby "$FROM" on
	if wait_until 30 in_flight; then
		"$@"
	else
		fail "$name: the migration never got under way"
	fi
	wait_until 150 settled
	check "$name: the VM runs on exactly one node, where Pacemaker says ($(active_on | tr '\n' ' '))" \
		settled
	check "$name: its counter advances there" counter_advances "$(location)"
	undrain "$FROM"
}

if want 4; then
	e2e_log "case 4: the target's libvirtd crashes and restarts mid-migration"
	restart_target_libvirtd() { "$LAB" libvirtd-kill "$(node_index "$TO")"; "$LAB" libvirtd-start "$(node_index "$TO")"; }
	fault_case "libvirtd restart" restart_target_libvirtd
fi

if want 5; then
	e2e_log "case 5: the migration link is cut mid-transfer"
	# Once the stream carries data (4 MiB, under a second at the 5 MiB/s cap):
	# TCP retransmits for minutes, only the watchdog's abort ends it.  Measured
	# 2026-12-02 before the fix: nothing logged after the first progress line,
	# migrate_to killed by Pacemaker's 40 s timeout.
	streamed() {	# RX-BEFORE: the target's fast link received 4 MiB more
		local rx
		rx=$(fast_rx "$TO")
		[ $(( ${rx#rx_bytes=} - $1 )) -gt $(( 4 * 1048576 )) ]
	}
	cut_link() {
		local rx
		rx=$(fast_rx "$TO")
		check "link cut: setup: the stream carried 4 MiB before the cut" \
			wait_until 20 streamed "${rx#rx_bytes=}"
		"$LAB" link-down "$(node_index "$TO")" fast
		sleep 45
		"$LAB" link-up "$(node_index "$TO")" fast
	}
	fault_case "link cut" cut_link
	check "link cut: the watchdog aborted it" \
		eval 'pcmk_log "$FROM" | grep -q "aborting the migration of $RSC"'
	check "link cut: migrate_to ended before its timeout" migrate_to_ended_in_time "$FROM"
	check "link cut: migrate_to said the VM keeps running on $FROM" \
		eval 'pcmk_log "$FROM" | grep -q "live migration of $RSC to $TO was aborted: .*the VM keeps running on this node"'

	e2e_log "case 5b: the migration link is cut as the migration starts"
	# Before QEMU's stream is connected, libvirtd holds the job while its
	# connect() retries: the watchdog's calls wait for it (measured
	# 2026-12-02: "No route to host" after 16 s, once ARP gave up).
	cut_link_at_once() {
		"$LAB" link-down "$(node_index "$TO")" fast
		sleep 45
		"$LAB" link-up "$(node_index "$TO")" fast
	}
	fault_case "link cut at once" cut_link_at_once
	check "link cut at once: migrate_to ended before its timeout" migrate_to_ended_in_time "$FROM"
fi

if want 6; then
	e2e_log "case 6: migrate_to killed the way Pacemaker's timeout kills it"
	# By pid, among the processes of the source node's namespace only.
	signal_migrate_to() {	# SIGNAL
		local p
		for p in $(ip netns pids "$FROM"); do
			tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q "vmguard migrate_to" &&
				kill "-$1" "$p"
		done
	}
	kill_migrate_to() { signal_migrate_to KILL; }
	fault_case "migrate_to killed" kill_migrate_to
	check "migrate_to killed: the guardian aborted the orphaned migration" \
		eval 'pcmk_log "$FROM" | grep -q "was killed while migrating: aborting"'

	e2e_log "case 6b: migrate_to frozen, its watchdog unable to act"
	# Pacemaker's timeout kills the frozen process; the guardian, a process of
	# its own, must abort the migration before that.
	freeze_migrate_to() { signal_migrate_to STOP; }
	fault_case "migrate_to frozen" freeze_migrate_to
	check "migrate_to frozen: the guardian aborted the migration before Pacemaker's timeout" \
		eval 'pcmk_log "$FROM" | grep -q "is still migrating as Pacemaker.s timeout nears: aborting"'
fi

if want 7; then
	e2e_log "case 7: the state directory is full when the guard must record the raise"
	# Without its record the guard could not restore the token after a crash:
	# it must not raise it, and the VM must still reach the other node.
	on_cluster crm_resource --cleanup --resource "$RSC" >/dev/null 2>&1
	wait_until 60 settled
	set_param peer_timeout_clusters corosync
	set_param peer_timeout_members local
	FROM=$(location); TO=$(other_node "$FROM")
	state_dir=/run/resource-agents/vmguard
	# The setup, checked: a full tmpfs on the state directory, where no new file fits.
	fill_state_dir() {
		"$LAB" exec "$(node_index "$FROM")" sh -c "mkdir -p $state_dir &&
			mount -t tmpfs -o size=4k,mode=0700 vmg-e2e-full $state_dir &&
			mountpoint -q $state_dir &&
			{ dd if=/dev/zero of=$state_dir/fill bs=4k count=2 2>/dev/null; true; } &&
			! sh -c 'echo x > $state_dir/probe' 2>/dev/null"
	}
	check "setup: $state_dir on $FROM is a full tmpfs" fill_state_dir
	token_before=$(token "$FROM")
	sleep 3
	drain; rc=$?
	check "the VM reached $TO and runs only there" test "$rc" -eq 0
	check "setup: the state directory was still the full tmpfs during the drain" \
		"$LAB" exec "$(node_index "$FROM")" mountpoint -q "$state_dir"
	check "migrate_to refused to raise without a record (no space)" \
		eval 'pcmk_log "$FROM" | grep -q "cannot raise the peer-failure timeouts before migrating $RSC: .*No space left"'
	token_after=$(token "$FROM")
	check "the token on $FROM was never raised ($token_before -> $token_after)" \
		eval 'pcmk_log_lacks "$FROM" "peer timeouts on this node for a pause|totem.token [0-9]+ -> " &&
		      test -n "$token_before" && test "$token_after" = "$token_before"'
	"$LAB" exec "$(node_index "$FROM")" umount "$state_dir" || fail "case 7: cannot unmount the full tmpfs"
	delete_param peer_timeout_clusters
	delete_param peer_timeout_members
	undrain "$FROM"
fi

if want 8; then
	e2e_log "case 8: the source node is lost mid-migration"
	# Every process of the node dies at once, the guest's QEMU included, as in
	# a power loss; the lab runs without fencing, so the survivor recovers it.
	on_cluster crm_resource --cleanup --resource "$RSC" >/dev/null 2>&1
	wait_until 60 settled
	FROM=$(location); TO=$(other_node "$FROM")
	mark_logs
	standby "$FROM" on
	CLUSTER_NODE=$(node_index "$TO")
	if wait_until 30 in_flight; then
		"$LAB" node-kill "$(node_index "$FROM")"
	else
		fail "node lost: the migration never got under way"
	fi
	check "node lost: the VM runs on $TO only, where Pacemaker says" \
		wait_until 150 eval 'settled_on "$TO"'
	check "node lost: its counter advances there" counter_advances "$TO"
	check "node lost: no half-migrated domain waits paused on $TO" \
		eval '"$LAB" virsh "$(node_index "$TO")" domstate "$RSC" | grep -qx running'
	"$LAB" node-start "$(node_index "$FROM")" >/dev/null
	undrain "$FROM"
	check "node lost: back in the cluster, $FROM runs nothing and $RSC stays on $TO" \
		eval 'sleep 10; settled_on "$TO"'
	CLUSTER_NODE=1
fi

if want 9; then
	e2e_log "case 9: post-copy at its own bandwidth when the pre-copy is capped"
	# QEMU lifts the 5 MiB/s pre-copy cap in post-copy.  Measured 2026-12-02:
	# the first stalled pass begins 24 s in (the first capped pass takes
	# 20 s); without the parameter, "post-copy of 33 MiB at 5 MiB/s would
	# not end in the 10632 ms left" and the guest moves cold; with it, the
	# switch at the second stall (31 s), the post-copy 2 s, migrate_to 32.8 s
	# of its 40 s.  Under the bench's 30 s timeout the decision at 24 s has
	# 0.7 s left: refused even at 100 MiB/s.
	on_cluster crm_resource --cleanup --resource "$RSC" >/dev/null 2>&1
	wait_until 60 settled
	set_param migration_postcopy auto
	sleep 3
	e2e_log "case 9a: without migration_postcopy_bandwidth, the measured rate"
	drain; rc=$?
	check "no bandwidth: the VM reached $TO and runs only there" test "$rc" -eq 0
	check "no bandwidth: post-copy refused, the log names migration_postcopy_bandwidth" \
		eval 'pcmk_log "$FROM" | grep -q "would not end in the [0-9]* ms left: .*migration_postcopy_bandwidth lets the estimate count on the link"'
	check "no bandwidth: never switched to post-copy" pcmk_log_lacks "$FROM" "switched to post-copy"
	check "no bandwidth: moved cold (boot $(boot_of "$BEFORE") -> $(boot_of "$AFTER"))" moved_cold "$rc"
	helper_lines() { pcmk_log "$FROM" | grep "VirtualMachine($RSC)\[[0-9]*\]: .*migrate_to: " | grep -v "output \[" || true; }
	helper_lines
	undrain "$FROM"
	on_cluster crm_resource --cleanup --resource "$RSC" >/dev/null 2>&1
	wait_until 60 settled

	e2e_log "case 9b: migration_postcopy_bandwidth=100"
	set_param migration_postcopy_bandwidth 100
	sleep 3
	t0=$(date +%s%N)
	drain; rc=$?
	t1=$(date +%s%N)
	check "bandwidth 100: the VM reached $TO and runs only there ($(active_on | tr '\n' ' '))" \
		eval 'test "$rc" -eq 0 && test "$(active_on)" = "$TO"'
	check "bandwidth 100: the watchdog switched to post-copy" \
		eval 'pcmk_log "$FROM" | grep -q "$RSC does not converge: switched to post-copy"'
	check "bandwidth 100: migrate_to returned 0 before its timeout" \
		eval 'migrate_to_ended_in_time "$FROM" && migrate_to_result "$FROM" | grep -q ": ok"'
	check "bandwidth 100: moved live (boot $(boot_of "$BEFORE") -> $(boot_of "$AFTER"))" moved_live "$rc"
	echo "bandwidth 100: standby -> settled on $TO: $(( (t1 - t0) / 1000000 )) ms"
	helper_lines
	pcmk_log "$FROM" | grep -o "lrm_rsc_op\[@id='${RSC}_migrate_to_0'\]: .*@exec-time=[0-9]*" | grep -o "@exec-time=[0-9]*" || true
	delete_param migration_postcopy_bandwidth
	delete_param migration_postcopy
	undrain "$FROM"
fi

e2e_finish
