#!/usr/bin/env bats
# The agent as Pacemaker runs it: exit codes, exit reasons and hostile input.
# Uses libvirt's built-in test:///default driver (domain "test" is running in
# every new connection), so no daemon is needed.

setup() {
	AGENT=${VMGUARD_AGENT:?run through make check}
	TMP=$(mktemp -d)
	export OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=vm-bats
	export OCF_RESKEY_CRM_meta_timeout=20000 OCF_RESKEY_CRM_meta_interval=10000
	export OCF_RESKEY_hypervisor=test:///default HA_LOGFACILITY=none
	# The helper's state (the started identity) stays in the test's directory.
	export HA_RSCTMP=$TMP
	unset HA_LOGFILE
	domain_xml "$TMP/test.xml" test
	export OCF_RESKEY_config=$TMP/test.xml
}

teardown() {
	rm -rf "$TMP" ${PUBLIC:+"$PUBLIC"}
}

# A copy of the agent, helper and metadata that user nobody can run: the
# build tree may sit in a 0700 home directory.  Sets PUBLIC (under /tmp,
# which every user can reach, whatever TMPDIR is).
public_copy() {
	PUBLIC=$(mktemp -d /tmp/vmguard-bats.XXXXXX)
	chmod 755 "$PUBLIC"
	install -m 755 "$AGENT" "$PUBLIC/VirtualMachine"
	install -m 755 "$VMGUARD_HELPER" "$PUBLIC/vmguard"
	install -m 644 "$VMGUARD_METADATA" "$PUBLIC/VirtualMachine.xml"
	runuser -u nobody -- test -x "$PUBLIC/vmguard" -a -r "$PUBLIC/VirtualMachine.xml" ||
		{ echo "nobody cannot reach $PUBLIC"; return 1; }
}

domain_xml() {	# FILE NAME
	printf "<domain type='test'><name>%s</name><memory>65536</memory><os><type>hvm</type></os></domain>\n" "$2" > "$1"
}

reason_of() {	# the exit reason Pacemaker would show
	printf '%s\n' "$1" | sed -n 's/^ocf-exit-reason://p' | tail -n 1
}

@test "meta-data is valid against ra-api-1.dtd" {
	run sh -c "'$AGENT' meta-data | (cd /usr/share/resource-agents && xmllint --noout --valid -)"
	[ "$status" -eq 0 ]
}

@test "meta-data works without any OCF environment and as nobody" {
	run env -i VMGUARD_METADATA="$VMGUARD_METADATA" "$AGENT" meta-data
	[ "$status" -eq 0 ]
	[[ "$output" == *'<resource-agent name="VirtualMachine"'* ]]
	if [ "$(id -u)" -eq 0 ] && command -v runuser >/dev/null; then
		public_copy
		run runuser -u nobody -- env VMGUARD_METADATA="$PUBLIC/VirtualMachine.xml" "$PUBLIC/VirtualMachine" meta-data
		[ "$status" -eq 0 ]
		[[ "$output" == *'<resource-agent name="VirtualMachine"'* ]]
	fi
}

@test "unknown action is OCF_ERR_UNIMPLEMENTED with a reason" {
	run "$AGENT" frobnicate
	[ "$status" -eq 3 ]
	[[ "$(reason_of "$output")" == *"frobnicate"*"not implemented"* ]]
}

@test "promote, demote and notify are not implemented" {
	for action in promote demote notify; do
		run "$AGENT" "$action"
		[ "$status" -eq 3 ]
	done
}

@test "no action prints usage and is OCF_ERR_ARGS" {
	run "$AGENT"
	[ "$status" -eq 2 ]
	[[ "$output" == *usage* ]]
}

@test "extra arguments are OCF_ERR_ARGS" {
	run "$AGENT" monitor extra
	[ "$status" -eq 2 ]
}

@test "the guardian refuses arguments it cannot parse" {
	for fd in abc "" -1 9999999999 "3x"; do
		run "$VMGUARD_HELPER" migration-guardian "$fd" 0
		[ "$status" -eq 2 ]
		[[ "$(reason_of "$output")" == *"is not a file descriptor"* ]]
	done
	for at in abc "" -5 "12ms"; do
		run "$VMGUARD_HELPER" migration-guardian 0 "$at"
		[ "$status" -eq 2 ]
		[[ "$(reason_of "$output")" == *"is not a time in ms"* ]]
	done
	run "$VMGUARD_HELPER" migration-guardian 0
	[ "$status" -eq 2 ]
}

# The guardian's waiting half (vmguard-guardian, next to the helper): run on
# a pipe as migrate_to starts it, with a stand-in helper that records how it
# was called.  WAKE: release (write the word), orphan (close the pipe), due
# (the abort time passes).  Prints the stand-in's arguments, or "none".
run_waiter() {
	cat > "$TMP/helper" <<-EOF
		#!/bin/sh
		echo "\$*" > "$TMP/called"
	EOF
	chmod 755 "$TMP/helper"
	rm -f "$TMP/called"
	python3 - "${VMGUARD_HELPER%/*}/vmguard-guardian" "$TMP/helper" "$1" <<-'PY'
		import os, subprocess, sys, time
		waiter, helper, wake = sys.argv[1:]
		r, w = os.pipe()
		now = int(time.clock_gettime(time.CLOCK_MONOTONIC) * 1000)
		at = now + (300 if wake == "due" else 60000)
		p = subprocess.Popen([waiter, str(r), str(at), helper], pass_fds=(r,))
		os.close(r)
		time.sleep(0.2)
		if wake == "release":
		    os.write(w, b"D")
		if wake != "due":
		    os.close(w)
		sys.exit(p.wait(timeout=10))
	PY
	cat "$TMP/called" 2>/dev/null || echo none
}

@test "the guardian's waiter links libc only" {
	local waiter=${VMGUARD_HELPER%/*}/vmguard-guardian libs allowed='linux-vdso|libc\.so|ld-linux'
	libs=$(ldd "$waiter")
	[[ "$libs" == *libc.so* ]]
	# An ASan/UBSan build (tests/run-all sanitizers) adds the sanitizers' runtimes.
	[[ "$libs" != *libasan* ]] || allowed="$allowed|libasan|libubsan|libm\.so|libgcc_s|libstdc\+\+"
	run grep -Ev "$allowed" <<<"$libs"
	echo "$output"
	[ -z "$output" ]
}

@test "the guardian's waiter exits when released, without running the helper" {
	run run_waiter release
	[ "$status" -eq 0 ]
	[ "$output" = none ]
}

@test "the guardian's waiter hands an orphaned or overdue migration to the helper" {
	run run_waiter orphan
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^migration-guardian\ [0-9]+\ [0-9]+$ ]]
	run run_waiter due
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^migration-guardian\ [0-9]+\ [0-9]+$ ]]
}

@test "an empty config file is OCF_ERR_CONFIGURED" {
	: > "$TMP/empty.xml"
	OCF_RESKEY_config=$TMP/empty.xml run "$AGENT" monitor
	[ "$status" -eq 6 ]
	[[ "$(reason_of "$output")" == *"empty"* ]]
}

@test "a missing helper is OCF_ERR_INSTALLED with a reason" {
	VMGUARD_HELPER=/nonexistent/vmguard run "$AGENT" monitor
	[ "$status" -eq 5 ]
	[[ "$(reason_of "$output")" == *"not installed"* ]]
}

@test "monitor of a running domain is OCF_SUCCESS" {
	run "$AGENT" monitor
	[ "$status" -eq 0 ]
}

@test "monitor of an absent domain is OCF_NOT_RUNNING" {
	domain_xml "$TMP/absent.xml" absent-vm
	OCF_RESKEY_config=$TMP/absent.xml run "$AGENT" monitor
	[ "$status" -eq 7 ]
}

@test "status of a running domain is OCF_SUCCESS, check levels accepted" {
	run "$AGENT" status
	[ "$status" -eq 0 ]
	OCF_CHECK_LEVEL=10 run "$AGENT" monitor
	[ "$status" -eq 0 ]
}

@test "every log line carries the resource name" {
	run "$AGENT" monitor
	[ "$status" -eq 0 ]
	HA_debug=1 run "$AGENT" monitor
	[ -n "$output" ]
	while IFS= read -r line; do
		[[ "$line" == *"(vm-bats)"* ]] || { echo "no resource name: $line"; false; }
	done <<< "$output"
}

@test "logs go to HA_LOGFILE with the resource name" {
	HA_LOGFILE=$TMP/ha.log run "$AGENT" frobnicate
	grep -q 'VirtualMachine(vm-bats).*frobnicate' "$TMP/ha.log"
}

@test "unreachable libvirtd is OCF_ERR_GENERIC, never not-running, after a bounded retry" {
	for action in monitor stop start; do
		start=$(date +%s%N)
		OCF_RESKEY_CRM_meta_timeout=3000 OCF_RESKEY_hypervisor='qemu+unix:///system?socket=/nonexistent/sock' \
			run "$AGENT" "$action"
		took_ms=$(( ($(date +%s%N) - start) / 1000000 ))
		[ "$status" -eq 1 ]
		[[ "$(reason_of "$output")" == *"cannot connect to libvirt"* ]]
		[[ "$output" == *"refuses connections"*"retrying"* ]]
		# a third of the 3 s timeout, plus start-up
		[ "$took_ms" -ge 900 ] && [ "$took_ms" -lt 2500 ]
	done
}

@test "missing config parameter is OCF_ERR_CONFIGURED" {
	unset OCF_RESKEY_config
	run "$AGENT" validate-all
	[ "$status" -eq 6 ]
	[[ "$(reason_of "$output")" == *"config"* ]]
}

@test "missing config file is OCF_ERR_INSTALLED; a probe and a stop of nothing started are 7 and 0" {
	OCF_RESKEY_config=$TMP/nope.xml run "$AGENT" validate-all
	[ "$status" -eq 5 ]
	[[ "$(reason_of "$output")" == *"nope.xml"* ]]
	# As VirtualDomain: the file may be on storage that comes up later.
	OCF_RESKEY_config=$TMP/nope.xml OCF_RESKEY_CRM_meta_interval=0 run "$AGENT" monitor
	[ "$status" -eq 7 ]
	OCF_RESKEY_config=$TMP/nope.xml run "$AGENT" stop
	[ "$status" -eq 0 ]
}

@test "missing config file under a running VM: monitor and probe go by the started identity" {
	run "$AGENT" monitor
	[ "$status" -eq 0 ]
	[ -f "$TMP/vmguard/identity.vm-bats" ]
	OCF_RESKEY_config=$TMP/nope.xml OCF_RESKEY_CRM_meta_interval=0 run "$AGENT" monitor
	[ "$status" -eq 0 ]
	OCF_RESKEY_config=$TMP/nope.xml run "$AGENT" monitor
	[ "$status" -eq 0 ]
}

@test "unreadable config file is OCF_ERR_GENERIC, never OCF_ERR_INSTALLED" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to drop to nobody"
	public_copy
	cp "$TMP/test.xml" "$PUBLIC/test.xml"
	chmod 600 "$PUBLIC/test.xml"
	run runuser -u nobody -- env OCF_RESKEY_config="$PUBLIC/test.xml" VMGUARD_HELPER="$PUBLIC/vmguard" \
		HA_RSCTMP="$PUBLIC/nobody" OCF_RESKEY_hypervisor=test:///default "$PUBLIC/VirtualMachine" validate-all
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$(reason_of "$output")" == *"$PUBLIC/test.xml"* ]]
}

@test "malformed, truncated and hostile XML is OCF_ERR_CONFIGURED with a reason" {
	printf '<domain><name>x</name>' > "$TMP/truncated.xml"
	printf 'not xml at all' > "$TMP/garbage.xml"
	printf '<network><name>x</name></network>' > "$TMP/network.xml"
	printf '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/shadow">]><domain><name>&e;</name></domain>' > "$TMP/xxe.xml"
	head -c 2000000 /dev/zero | tr '\0' ' ' > "$TMP/huge.xml"
	for f in truncated garbage network xxe huge; do
		OCF_RESKEY_config=$TMP/$f.xml run "$AGENT" validate-all
		echo "$f: $status $output"
		[ "$status" -eq 6 ]
		[ -n "$(reason_of "$output")" ]
		[[ "$output" != *root:* ]]
	done
}

@test "invalid parameter values are OCF_ERR_CONFIGURED naming the parameter" {
	OCF_RESKEY_force_stop=maybe run "$AGENT" validate-all
	[ "$status" -eq 6 ]
	[[ "$(reason_of "$output")" == *force_stop* ]]
	OCF_RESKEY_shutdown_mode=poweroff run "$AGENT" validate-all
	[ "$status" -eq 6 ]
	OCF_RESKEY_config=relative.xml run "$AGENT" validate-all
	[ "$status" -eq 6 ]
	OCF_RESKEY_hypervisor=$(printf 'test:///default\001') run "$AGENT" validate-all
	[ "$status" -eq 6 ]
	OCF_RESKEY_hypervisor=$(head -c 5000 /dev/zero | tr '\0' a) run "$AGENT" validate-all
	[ "$status" -eq 6 ]
	OCF_RESKEY_hypervisor=$(printf 'test:///\377\376') run "$AGENT" validate-all
	[ "$status" -eq 6 ]
}

@test "shell metacharacters in parameters are never executed" {
	marker=$TMP/pwned
	for value in "\$(touch $marker)" "\`touch $marker\`" "; touch $marker" "| touch $marker" "&& touch $marker"; do
		OCF_RESKEY_hypervisor="test:///default$value" run "$AGENT" monitor
		[ "$status" -eq 1 ]
		OCF_RESKEY_shutdown_mode="acpi$value" run "$AGENT" stop
		[ "$status" -eq 6 ]
		domain_xml "$TMP/meta.xml" "vm$value"
		OCF_RESKEY_config="$TMP/meta.xml" run "$AGENT" monitor
		[ ! -e "$marker" ]
	done
	[ ! -e "$marker" ]
}

@test "malformed OCF environment is OCF_ERR_ARGS" {
	OCF_RESKEY_CRM_meta_timeout=20s run "$AGENT" monitor
	[ "$status" -eq 2 ]
	[[ "$(reason_of "$output")" == *OCF_RESKEY_CRM_meta_timeout* ]]
}

@test "reload and reload-agent succeed without touching the domain" {
	run "$AGENT" reload-agent
	[ "$status" -eq 0 ]
	run "$AGENT" reload
	[ "$status" -eq 0 ]
}

@test "the exit reason is printed once, with a custom prefix" {
	OCF_EXIT_REASON_PREFIX=MYPREFIX: run "$AGENT" frobnicate
	[ "$(printf '%s\n' "$output" | grep -c '^MYPREFIX:')" -eq 1 ]
}

@test "a migration target that would redirect a URI is refused" {
	for target in 'evil@attacker' 'node2/system?socket=/tmp/x' 'a b' '-oProxyCommand=x'; do
		OCF_RESKEY_CRM_meta_migrate_target=$target OCF_RESKEY_remoteuri='qemu+ssh://%n/system' \
			run "$AGENT" migrate_to
		[ "$status" -eq 1 ]
		[[ "$(reason_of "$output")" == *"not a usable host name"* ]]
	done
}

@test "a VirtualDomain parameter vmguard does not do fails validate-all and start, not stop" {
	for setting in stateless=true backingfile=/var/lib/base.qcow2 copyindirs=/srv/in; do
		name=${setting%%=*}
		for action in validate-all start; do
			env "OCF_RESKEY_$setting" "$AGENT" "$action" > "$TMP/out" 2>&1 && rc=0 || rc=$?
			echo "$setting $action: $rc"
			[ "$rc" -eq 6 ]
			[[ "$(reason_of "$(cat "$TMP/out")")" == *"parameter $name of VirtualDomain"*"instead"* ]]
		done
		env "OCF_RESKEY_$setting" "$AGENT" stop
	done
	# Its false values are what vmguard does anyway.
	OCF_RESKEY_stateless=false OCF_RESKEY_save_config_on_stop=no run "$AGENT" validate-all
	[ "$status" -eq 0 ]
}

# The parameters of resource-agents 4.12's VirtualDomain.
VD_PARAMS_4_12="config hypervisor force_stop migration_transport migration_user
	migration_downtime migration_speed migration_network_suffix migrateuri migrate_options
	monitor_scripts autoset_utilization_cpu autoset_utilization_host_memory
	autoset_utilization_hv_memory unset_utilization_cpu unset_utilization_host_memory
	unset_utilization_hv_memory migrateport remoteuri save_config_on_stop sync_config_on_stop
	snapshot backingfile stateless copyindirs shutdown_mode start_resources"

param_names() { xmllint --xpath '//parameters/parameter/@name' - | grep -o '"[^"]*"' | tr -d '"'; }

@test "every VirtualDomain parameter is documented by vmguard and read by its helper" {
	names=$VD_PARAMS_4_12
	vd=/usr/lib/ocf/resource.d/heartbeat/VirtualDomain
	# And those of the VirtualDomain installed here, which may be newer.
	if [ -x "$vd" ]; then
		installed=$(OCF_ROOT=/usr/lib/ocf "$vd" meta-data | param_names)
		echo "installed VirtualDomain: $(wc -w <<< "$installed") parameters"
		[ "$(wc -w <<< "$installed")" -ge 27 ]
		names="$names $installed"
	fi
	ours=$("$AGENT" meta-data | param_names)
	[ "$(wc -w <<< "$ours")" -ge 27 ]
	missing=
	for name in $names; do
		grep -qx "$name" <<< "$ours" || missing="$missing $name"
	done
	echo "not in vmguard's metadata:${missing:- none}"
	[ -z "$missing" ]
	# Read, not only documented: a value no parameter may hold is refused
	# naming it (a parameter the helper ignored would pass).
	for name in $(tr ' ' '\n' <<< "$names" | sort -u); do
		env "OCF_RESKEY_$name=$(printf 'x\001')" "$AGENT" validate-all > "$TMP/out" 2>&1 &&
			rc=0 || rc=$?
		echo "$name: $rc $(reason_of "$(cat "$TMP/out")")"
		[ "$rc" -eq 6 ]
		[[ "$(reason_of "$(cat "$TMP/out")")" == *"parameter $name "* ]]
	done
}

@test "shutdown_mode takes virsh's modes and comma lists; stop works with them" {
	for mode in acpi agent initctl signal paravirt acpi,agent agent,initctl,signal; do
		OCF_RESKEY_shutdown_mode=$mode run "$AGENT" validate-all
		[ "$status" -eq 0 ]
		OCF_RESKEY_shutdown_mode=$mode run "$AGENT" stop
		[ "$status" -eq 0 ]
	done
	OCF_RESKEY_shutdown_mode=acpi,reboot run "$AGENT" stop
	[ "$status" -eq 6 ]
	[[ "$(reason_of "$output")" == *"unknown mode 'reboot'"* ]]
}

@test "migrate_options that vmguard cannot map fail validate-all and start naming the option" {
	OCF_RESKEY_migrate_options="--live --compressed --tunnelled" run "$AGENT" validate-all
	[ "$status" -eq 0 ]
	for action in validate-all start; do
		OCF_RESKEY_migrate_options="--live --unsafe" run "$AGENT" "$action"
		[ "$status" -eq 6 ]
		[[ "$(reason_of "$output")" == *"'--unsafe' is not an option"* ]]
	done
	OCF_RESKEY_migrateport=80 run "$AGENT" validate-all
	[ "$status" -eq 6 ]
	[[ "$(reason_of "$output")" == *migrateport* ]]
}

@test "monitor_scripts: monitor runs them without a shell, start waits for them" {
	marker=$TMP/ran
	cat > "$TMP/ok.sh" <<-EOF
	#!/bin/sh
	echo "\$OCF_RESOURCE_INSTANCE \$#" >> "$marker"
	EOF
	printf '#!/bin/sh\necho "service down: $0"\nexit 3\n' > "$TMP/bad.sh"
	printf '#!/bin/sh\nsleep 60\n' > "$TMP/hang.sh"
	chmod +x "$TMP/ok.sh" "$TMP/bad.sh" "$TMP/hang.sh"

	OCF_RESKEY_monitor_scripts="$TMP/ok.sh  $TMP/ok.sh" run "$AGENT" monitor
	[ "$status" -eq 0 ]
	[ "$(cat "$marker")" = "$(printf 'vm-bats 0\nvm-bats 0')" ]

	OCF_RESKEY_monitor_scripts="$TMP/ok.sh $TMP/bad.sh" run "$AGENT" monitor
	[ "$status" -eq 1 ]
	[[ "$(reason_of "$output")" == *"monitor script $TMP/bad.sh"*"returned 3"*"service down: $TMP/bad.sh"* ]]

	# Bounded by the operation's timeout, reported before Pacemaker's.
	start=$(date +%s)
	OCF_RESKEY_CRM_meta_timeout=3000 OCF_RESKEY_monitor_scripts="$TMP/hang.sh" run "$AGENT" monitor
	[ "$status" -eq 1 ]
	[ $(( $(date +%s) - start )) -lt 4 ]
	[[ "$(reason_of "$output")" == *"hang.sh"*"killed"* ]]

	# start of a stopped domain waits for the scripts, then fails naming it.
	"$AGENT" stop
	OCF_RESKEY_CRM_meta_timeout=4000 OCF_RESKEY_monitor_scripts="$TMP/bad.sh" run "$AGENT" start
	[ "$status" -eq 1 ]
	[[ "$(reason_of "$output")" == *"bad.sh"*"returned 3"* ]]

	OCF_RESKEY_monitor_scripts="ok.sh" run "$AGENT" validate-all
	[ "$status" -eq 6 ]
	[[ "$(reason_of "$output")" == *"'ok.sh' is not an absolute path"* ]]
}

@test "snapshot: stop saves the state, start restores it; not with force_stop" {
	mkdir "$TMP/snap"
	OCF_RESKEY_snapshot=$TMP/snap OCF_RESKEY_force_stop=true run "$AGENT" validate-all
	[ "$status" -eq 6 ]
	[[ "$(reason_of "$output")" == *"force_stop and snapshot"* ]]
	OCF_RESKEY_snapshot=$TMP/snap run "$AGENT" stop
	[ "$status" -eq 0 ]
	[ -s "$TMP/snap/test.state" ]
	# test:///default is a new node per connection, where "test" runs
	# again: start finds it running and leaves the file alone (the restore
	# itself is tested in test_domain).
	OCF_RESKEY_snapshot=$TMP/snap run "$AGENT" start
	[ "$status" -eq 0 ]
	[ -s "$TMP/snap/test.state" ]
}

nic_xml() {	# FILE NAME MAC (empty: none)
	local mac=
	[ -z "$3" ] || mac="<mac address='$3'/>"
	printf "<domain type='test'><name>%s</name><memory>65536</memory><os><type>hvm</type></os><devices><interface type='network'>%s<source network='default'/></interface></devices></domain>\n" "$2" "$mac" > "$1"
}

@test "an interface without a static MAC: a warning, refused when HA-primary" {
	nic_xml "$TMP/nomac.xml" test ""
	nic_xml "$TMP/mac.xml" test 52:54:00:12:34:56
	OCF_RESKEY_config=$TMP/nomac.xml run "$AGENT" validate-all
	echo "plain: $status $output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"has no <mac address"* ]]
	for mark in ha_primary=true ha_primary_attribute=ha-primary ha_primary_resource=db-clone \
		ha_primary_probe=guest:/usr/local/bin/is-primary; do
		env "OCF_RESKEY_$mark" OCF_RESKEY_config="$TMP/nomac.xml" "$AGENT" validate-all \
			> "$TMP/out" 2>&1 && status=0 || status=$?
		echo "$mark: $status $(cat "$TMP/out")"
		[ "$status" -eq 6 ]
		[[ "$(reason_of "$(cat "$TMP/out")")" == *"may be HA-primary"*"<mac address"* ]]
		env "OCF_RESKEY_$mark" OCF_RESKEY_config="$TMP/mac.xml" "$AGENT" validate-all
	done
	OCF_RESKEY_config=$TMP/mac.xml run "$AGENT" validate-all
	[ "$status" -eq 0 ]
	[[ "$output" != *"has no <mac address"* ]]
}

@test "application commands are checked by validate-all" {
	OCF_RESKEY_ha_primary_switchover=guest:/usr/bin/switch run "$AGENT" validate-all
	[ "$status" -eq 6 ]
	[[ "$(reason_of "$output")" == *"needs ha_primary_probe"* ]]
	OCF_RESKEY_migration_pre_command='ssh:db2:/bin/stop;reboot' run "$AGENT" validate-all
	[ "$status" -eq 6 ]
	[[ "$(reason_of "$output")" == *"migration_pre_command"*"remote shell"* ]]
	OCF_RESKEY_ha_primary_probe=/usr/bin/is-primary run "$AGENT" validate-all
	[ "$status" -eq 6 ]
	OCF_RESKEY_ha_command_timeout=0 run "$AGENT" validate-all
	[ "$status" -eq 6 ]
	OCF_RESKEY_ha_primary_probe=guest:/usr/bin/is-primary \
	OCF_RESKEY_ha_primary_switchover='ssh:db1:/opt/app/switch --to db2' \
	OCF_RESKEY_migration_post_command='guest:/usr/sbin/service-ctl start' \
		run "$AGENT" validate-all
	[ "$status" -eq 0 ]
}
